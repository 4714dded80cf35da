"""The scene: the one typed record every stage reads and writes.

Boxes are ``xyxy`` in source pixels (x to the right, y down, origin at the
top-left corner of the source image).  Every record is frozen; passes that
change a scene return a new one (``Scene.replace_elements``, ``Scene.filter``).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from crafteditor.model.kinds import ShapeKind


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned box ``(x0, y0, x1, y1)`` in source pixels, ``x0 <= x1``."""

    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        for name in ("x0", "y0", "x1", "y1"):  # numpy scalars in, plain floats stored
            object.__setattr__(self, name, float(getattr(self, name)))
        if self.x1 < self.x0 or self.y1 < self.y0:
            raise ValueError(f"box corners out of order: {self.xyxy}")

    @classmethod
    def from_points(cls, points: Iterable[tuple[float, float]]) -> Box:
        pts = list(points)
        if not pts:
            raise ValueError("a box needs at least one point")
        xs = [float(p[0]) for p in pts]
        ys = [float(p[1]) for p in pts]
        return cls(min(xs), min(ys), max(xs), max(ys))

    @classmethod
    def from_xywh(cls, x: float, y: float, w: float, h: float) -> Box:
        return cls(float(x), float(y), float(x + w), float(y + h))

    @property
    def xyxy(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)

    def intersection(self, other: Box) -> Box | None:
        x0, y0 = max(self.x0, other.x0), max(self.y0, other.y0)
        x1, y1 = min(self.x1, other.x1), min(self.y1, other.y1)
        if x1 < x0 or y1 < y0:
            return None
        return Box(x0, y0, x1, y1)

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )

    def iou(self, other: Box) -> float:
        inter = self.intersection(other)
        if inter is None:
            return 0.0
        denom = self.area + other.area - inter.area
        return inter.area / denom if denom > 0 else 0.0

    def contains_point(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def contains(self, other: Box, slack_px: float = 0.0) -> bool:
        return (
            other.x0 >= self.x0 - slack_px
            and other.y0 >= self.y0 - slack_px
            and other.x1 <= self.x1 + slack_px
            and other.y1 <= self.y1 + slack_px
        )

    def expand(self, px: float) -> Box:
        """Grow by ``px`` on every side (shrink when negative, never inverted)."""
        cx, cy = self.center
        hw = max(self.width / 2.0 + px, 0.0)
        hh = max(self.height / 2.0 + px, 0.0)
        return Box(cx - hw, cy - hh, cx + hw, cy + hh)

    def clip(self, width_px: float, height_px: float) -> Box:
        x0 = min(max(self.x0, 0.0), width_px)
        y0 = min(max(self.y0, 0.0), height_px)
        return Box(x0, y0, max(x0, min(self.x1, width_px)), max(y0, min(self.y1, height_px)))

    def to_int(self) -> tuple[int, int, int, int]:
        """Integer pixel bounds ``(x0, y0, x1, y1)`` covering the box (x1, y1 exclusive)."""
        import math

        return (
            int(math.floor(self.x0)),
            int(math.floor(self.y0)),
            int(math.ceil(self.x1)),
            int(math.ceil(self.y1)),
        )


class Kind(str, enum.Enum):
    TEXT = "text"
    SHAPE = "shape"
    CONNECTOR = "connector"
    ICON = "icon"
    GROUP = "group"
    TRACE = "trace"


class Render(str, enum.Enum):
    VECTOR = "vector"
    RASTER = "raster"


@dataclass(frozen=True, slots=True)
class Style:
    """Paint and font style.  Colours are ``#rrggbb``; lengths are source pixels."""

    fill: str | None = None
    stroke: str | None = None
    stroke_width_px: float | None = None
    dash_px: tuple[float, ...] = ()
    opacity: float = 1.0
    fill_rule: str = "nonzero"  # "nonzero" | "evenodd"
    font_size_px: float | None = None
    font_weight: str = "normal"  # "normal" | "bold"
    font_style: str = "normal"  # "normal" | "italic"
    font_class: str | None = None  # "sans" | "serif" | "monospace"
    font_family: tuple[str, ...] = ()  # most wanted first, generic fallback last


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which detector produced an element, and how sure it was (0..1)."""

    detector: str
    confidence: float = 1.0
    note: str = ""


SHIFTS = ("sub", "super")


@dataclass(frozen=True, slots=True)
class TextRun:
    """A piece of a line on one baseline: ``shift`` is "sub" or "super" for a smaller
    piece below or above the line's baseline ("x" then "0" as "sub" for x₀), None on it."""

    text: str
    shift: str | None = None

    def __post_init__(self) -> None:
        if self.shift is not None and self.shift not in SHIFTS:
            raise ValueError(f"a run's shift is sub, super or None, got {self.shift!r}")


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of a label: its string, its ink box and its baseline (source px).

    ``runs``, when given, are the line's pieces at their baseline shifts; joined
    they are ``text``.  No runs: the whole line sits on its baseline."""

    text: str
    box: Box
    baseline_y: float
    confidence: float = 1.0
    runs: tuple[TextRun, ...] = ()

    def __post_init__(self) -> None:
        if self.runs and "".join(r.text for r in self.runs) != self.text:
            raise ValueError(f"the runs of a line join to its text: {self.text!r}")


@dataclass(frozen=True, slots=True)
class TextContent:
    """A label: one or more lines drawn as one ``<text>`` with a ``<tspan>`` per line.

    ``anchor`` is the SVG ``text-anchor``; ``anchor_x`` the x it refers to.
    ``rotation_deg`` turns the label about ``pivot`` (clockwise, SVG convention);
    line boxes are then in the label's own unrotated frame.
    """

    lines: tuple[TextLine, ...]
    anchor: str = "start"  # "start" | "middle" | "end"
    anchor_x: float = 0.0
    rotation_deg: float = 0.0
    pivot: tuple[float, float] = (0.0, 0.0)

    @property
    def string(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True, slots=True)
class PathContent:
    """Free vector geometry: SVG path data in source pixels (no transform)."""

    d: str


@dataclass(frozen=True, slots=True)
class ShapeContent:
    """A drawn primitive.  ``kind`` is a ``ShapeKind`` (given as its name, it is made one).
    Geometry is the stroke's centre line:
    ``Element.box`` for the box primitives, ``points`` for diamond, parallelogram and
    polygon, ``d`` (path data) for cylinder and path."""

    kind: ShapeKind
    radius_px: float = 0.0
    points: tuple[tuple[float, float], ...] = ()
    d: str = ""
    fit_iou: float = 1.0  # silhouette agreement of the fitted primitive

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ShapeKind(self.kind))


@dataclass(frozen=True, slots=True)
class ConnectorContent:
    """A line, polyline, elbow or curve with optional arrowheads, in source px.

    ``points`` run from the start to the end; ``curved`` means they are the
    on-curve points of smooth cubic Beziers.  Heads are drawn as markers whose
    tip is the end point; ``head_length_px``/``head_width_px`` size them.
    ``source_id``/``target_id`` are the shapes the start/end touch."""

    points: tuple[tuple[float, float], ...]
    routing: str = "straight"  # "straight" | "polyline" | "orthogonal" | "curve"
    head_start: bool = False
    head_end: bool = False
    head_length_px: float = 0.0
    head_width_px: float = 0.0
    source_id: str | None = None
    target_id: str | None = None
    start_mark: str = "arrow"  # the head's shape where head_start: MARK_KINDS
    end_mark: str = "arrow"  # the head's shape where head_end
    dot_px: float = 0.0  # diameter of a dot or circle mark (0: sized as the head)


MARK_KINDS = ("arrow", "open_arrow", "dot", "circle", "diamond", "open_diamond", "bar")


@dataclass(frozen=True, slots=True)
class ImageContent:
    """An embedded raster asset: PNG bytes placed over ``Element.box``."""

    png: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Element:
    """One thing in the figure.  ``box`` is its extent in source pixels."""

    id: str
    kind: Kind
    box: Box
    style: Style = field(default_factory=Style)
    provenance: Provenance = field(default_factory=lambda: Provenance("unknown"))
    label: str = ""
    render: Render = Render.VECTOR
    parent_id: str | None = None
    text: TextContent | None = None
    path: PathContent | None = None
    shape: ShapeContent | None = None
    connector: ConnectorContent | None = None
    image: ImageContent | None = None
    reason: str = ""  # why it is drawn the way it is (vector or raster decision)

    def replace(self, **changes: object) -> Element:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Scene:
    """A figure as typed elements over a background, in paint order (first is lowest)."""

    image_wh: tuple[int, int]
    background: str = "#ffffff"
    elements: tuple[Element, ...] = ()

    def __post_init__(self) -> None:
        ids = [e.id for e in self.elements]
        if len(ids) != len(set(ids)):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"duplicate element ids: {dup[:5]}")

    def __len__(self) -> int:
        return len(self.elements)

    def __iter__(self) -> Iterator[Element]:
        return iter(self.elements)

    def of_kind(self, *kinds: Kind) -> tuple[Element, ...]:
        return tuple(e for e in self.elements if e.kind in kinds)

    def by_id(self, element_id: str) -> Element:
        for e in self.elements:
            if e.id == element_id:
                return e
        raise KeyError(element_id)

    def filter(self, keep: Callable[[Element], bool]) -> Scene:
        return self.replace_elements(e for e in self.elements if keep(e))

    def replace_elements(self, elements: Iterable[Element]) -> Scene:
        return dataclasses.replace(self, elements=tuple(elements))

    def add(self, *elements: Element) -> Scene:
        return self.replace_elements(self.elements + tuple(elements))

    @property
    def texts(self) -> tuple[Element, ...]:
        return self.of_kind(Kind.TEXT)


def new_id(kind: Kind, index: int) -> str:
    """Stable, readable ids: ``text-0003``, ``trace-0120``."""
    return f"{kind.value}-{index:04d}"


def to_hex(rgb: Iterable[float]) -> str:
    """``(r, g, b)`` in 0..255 to ``#rrggbb``."""
    r, g, b = (int(round(min(max(float(c), 0.0), 255.0))) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def from_hex(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` or ``#rgb`` to ``(r, g, b)``."""
    s = color.strip().lstrip("#")
    if len(s) == 3:
        s = "".join(c * 2 for c in s)
    if len(s) != 6:
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    return (int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16))


def to_jsonable(value: object) -> object:
    """Scenes and their parts as plain JSON data (enums by value, tuples as lists)."""
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value
