"""The optional image-model executor: an OpenAI-compatible images endpoint paints the plan,
and ``crafteditor.pipeline.convert`` turns the raster into the same editable SVG.

    executor = ImageModelExecutor(VlmConfig(base_url, key, "gpt-image-1"), OfflineExecutor())

The prompt is written from the specification (package-data template ``image_figure``):
components with their notes, connections, containers, the layout notes the critic added,
and the style's avoid list and banned artefacts, so what the refiner changes reaches the
painter.  The endpoint is asked twice at most (upstream retries a failed generation
once); an HTTP error, a timeout, an answer without a base64 image or bytes that are no
image make the offline executor draw the candidate instead, and the drawn result's note
says why.  ``openai`` is imported only when this executor is built.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any

from crafteditor.generate.execute import Drawn, OfflineExecutor
from crafteditor.generate.graph import DrawRequest
from crafteditor.generate.plan import fixed_direction
from crafteditor.generate.spec import FigureSpec
from crafteditor.model.errors import CraftEditorError, one_line
from crafteditor.vlm.templates import render

__all__ = ["ImageModelExecutor", "image_prompt"]

ATTEMPTS = 2
_DIRECTION_WORDS = {"right": "left to right", "left": "right to left", "down": "top to bottom", "up": "bottom to top"}


class ImageAnswerError(CraftEditorError):
    """The images endpoint answered, but with no usable image."""


class ImageModelExecutor:
    name = "image-model"
    deterministic = False  # painting the same prompt again gives another figure

    def __init__(self, config: Any, fallback: OfflineExecutor, convert_options: dict | None = None) -> None:
        import openai

        self.config = config
        self.fallback = fallback
        self.convert_options = convert_options or {}
        self._openai = openai
        self._sdk = openai.OpenAI(base_url=config.base_url, api_key=config.api_key, timeout=config.timeout_s,
                                  max_retries=0)
        self.painted = 0  # images the endpoint gave and convert made editable
        self.failures: list[str] = []

    def close(self) -> None:
        self._sdk.close()

    def execute(self, spec: FigureSpec, request: DrawRequest) -> Drawn:
        from crafteditor.pipeline import convert

        try:
            raster = self._paint(image_prompt(spec, request))
            svg = convert(raster, **self.convert_options).svg
        except (self._openai.APIError, CraftEditorError) as exc:
            why = f"image model {self.config.model} failed ({one_line(exc, 200)}); drawn offline"
            self.failures.append(why)
            return replace(self.fallback.execute(spec, request), note=why)
        self.painted += 1
        return Drawn(svg.encode("utf-8"), self.name, f"painted by {self.config.model}, converted to SVG")

    def _paint(self, prompt: str) -> bytes:
        error: Exception | None = None
        for _ in range(ATTEMPTS):
            try:
                response = self._sdk.images.generate(model=self.config.model, prompt=prompt, n=1)
                return _image_bytes(response)
            except (self._openai.APIError, ImageAnswerError) as exc:
                error = exc
        raise error  # type: ignore[misc]


def _image_bytes(response: Any) -> bytes:
    data = getattr(response, "data", None) or []
    b64 = getattr(data[0], "b64_json", None) if data else None
    if not b64:
        raise ImageAnswerError("the answer holds no base64 image (b64_json)")
    try:
        return base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageAnswerError(f"the image is not valid base64: {exc}") from None


def image_prompt(spec: FigureSpec, request: DrawRequest) -> str:
    """The painter's prompt for ``spec`` as ``request`` plans it."""
    components = [f"- {e.name}" + (f" ({'; '.join(e.notes)})" if e.notes else "")
                  + (" [small, optional]" if not e.must_have else "") for e in spec.elements]
    label = {n.id: n.label for n in request.nodes}
    connections = [f"- {label[e.source]} -> {label[e.target]}" + (f", labelled \"{e.label}\"" if e.label else "")
                   + (" (dashed)" if e.kind.value == "dashed" else "") for e in request.edges]
    containers = [f"- {g.name or g.id}: {', '.join(spec.name_of(m) for m in g.members)}" for g in spec.groups]
    avoid = [*spec.style.avoid, *(b.replace("_", " ") for b in spec.style.banned)]
    direction = fixed_direction(spec) or request.direction.value
    return render(
        "image_figure", role=spec.role, background=spec.style.background or "white",
        visual_style=(spec.style.visual_style or "block diagram").replace("_", " "),
        direction=_DIRECTION_WORDS.get(direction, "left to right"),
        components="\n".join(components) or "- (none)", connections="\n".join(connections) or "- (none)",
        containers="\n".join(containers) or "- (none)", layout_notes=_lines(spec.layout.notes),
        avoid=_lines(avoid), palette=spec.style.palette or "restrained", typography=spec.style.typography,
        title=f", and the title \"{spec.title}\" at the top" if spec.show_title and spec.title else "",
    )


def _lines(items) -> str:
    return "\n".join(f"- {x}" for x in items) or "- (none)"
