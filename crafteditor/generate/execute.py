"""Executors behind one protocol: a specification's draw request to an editable SVG.

    drawn = executor.execute(spec, request)     # Drawn(svg, executor, note)

- :class:`OfflineExecutor` (the default): a layout engine lays the request out and the
  writer draws real text, primitives and glued connectors (``draw.render_svg``).  With a
  mask completion, the drawn part is merged with the kept part of the partial figure.
- :class:`ImageModelExecutor` (``--image-model NAME``, see ``imagegen``): an
  OpenAI-compatible images endpoint paints the plan and ``crafteditor.pipeline.convert``
  makes the raster editable; when the endpoint fails or answers with no usable image,
  the offline executor draws the candidate and the note says why.

``deterministic`` tells the loop whether drawing the same request again can give
another figure (an image model can; the layout engine cannot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from crafteditor.generate.graph import DrawRequest
from crafteditor.generate.spec import FigureSpec

__all__ = ["Completion", "Drawn", "Executor", "OfflineExecutor"]


@dataclass(frozen=True)
class Drawn:
    svg: bytes = field(repr=False)
    executor: str  # "offline" or "image-model"
    note: str = ""


class Executor(Protocol):
    name: str
    deterministic: bool

    def execute(self, spec: FigureSpec, request: DrawRequest) -> Drawn: ...


@dataclass(frozen=True)
class Completion:
    """A mask completion: the kept part of the partial figure (a ``Scene``) and the region,
    xyxy in its pixels, the generated part must fill (from ``conditions.complete``)."""

    kept_scene: Any
    region_xyxy: tuple[float, float, float, float]


class OfflineExecutor:
    """The layout engine and the writer; ``engine`` None picks ELK, else dot."""

    name = "offline"
    deterministic = True

    def __init__(self, engine: Any = None, completion: Completion | None = None) -> None:
        self.engine = engine
        self.completion = completion

    def scene(self, spec: FigureSpec, request: DrawRequest) -> Any:
        """The drawn figure; for a mask completion, only what the kept part lacks is laid out,
        in the region, and merged over the kept part."""
        if self.completion is None:
            from crafteditor.generate.draw import draw

            return draw(request, self.engine)
        from crafteditor.generate import conditions

        kept, region = self.completion.kept_scene, self.completion.region_xyxy
        return conditions.merge(kept, conditions.region_scene(spec, kept, region), region)

    def execute(self, spec: FigureSpec, request: DrawRequest) -> Drawn:
        from composition.writer import write_svg

        return Drawn(write_svg(self.scene(spec, request)).encode("utf-8"), self.name)
