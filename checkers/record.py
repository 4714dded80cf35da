"""Render an SVG with the one renderer (``checkers.render``) and record what it drew, in device pixels.

The benchmark reads text, shapes and images of an SVG (the truth of a case,
or a converter's output) from the renderer itself, so every transform,
``<use>``, CSS rule, unit and font substitution is applied exactly as in the
PNG the converter sees.  A cairosvg surface subclass wraps its cairo context
in a proxy that records each glyph (``text_path``) and each filled or stroked
path (``fill_preserve``); ``<image>`` boxes are recorded on entry to ``draw``.

All coordinates here are device pixels of the rendered image (HWC uint8 RGB,
composited on white).
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from checkers.cairo_ffi import preload

preload()  # before cairocffi loads: its bindings precompiled, not parsed

import cairocffi  # noqa: E402
import numpy as np  # noqa: E402
from cairosvg.colors import color as _color  # noqa: E402
from cairosvg.helpers import size as _size  # noqa: E402
from cairosvg.helpers import transform as _transform  # noqa: E402
from cairosvg.surface import PNGSurface  # noqa: E402

from checkers.render import SvgRenderError, parse_tree, surface_args, surface_rgb  # noqa: E402

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]


@dataclass(frozen=True, slots=True)
class Glyph:
    """One drawn glyph: its character, ink quad, pen origin and advance (device px)."""

    char: str
    quad: Quad
    origin: Point
    advance: Point
    font_size_px: float
    angle_deg: float


@dataclass(frozen=True, slots=True)
class TextPiece:
    """The glyphs one text node (``<text>``, ``<tspan>`` or an anonymous run) drew."""

    text: str
    glyphs: tuple[Glyph, ...]
    root_index: int  # which <text> element, in drawing order
    starts_chunk: bool  # the node sets its own x or y
    fill: str | None  # "#rrggbb", None for gradients/patterns
    visible: bool  # display, visibility, fill and opacity allow ink
    font_family: str
    font_weight: str
    element_id: str | None = None  # the id of its <text> element, when it has one


@dataclass(frozen=True, slots=True)
class DrawnPath:
    """A painted shape: its tag, device AABB, end points and markers."""

    tag: str
    xyxy: tuple[float, float, float, float]
    closed: bool
    points: tuple[Point, ...]  # device vertices (flattened): open paths and small polygons
    marker_start: bool
    marker_end: bool
    painted: bool  # has a visible fill or stroke
    bench_kind: str | None  # data-bench-kind attribute of synthetic truth
    rounded: bool
    n_vertices: int
    straight: bool = False  # a <path> of one run of straight segments (a polyline in path syntax)
    element_id: str | None = None  # the drawing element's id, when it has one
    marks: tuple[DrawnMark, ...] = ()  # what its markers drew, in drawing order


@dataclass(frozen=True, slots=True)
class DrawnMark:
    """One shape a marker drew at a vertex of its path (device px)."""

    points: tuple[Point, ...]  # flattened outline
    closed: bool
    filled: str | None  # "#rrggbb" of a visible fill; None when unfilled
    stroked: bool


@dataclass(frozen=True, slots=True)
class DrawnImage:
    xyxy: tuple[float, float, float, float]
    element_id: str | None = None  # the <image>'s id, when it has one


@dataclass(frozen=True, slots=True)
class RenderRecord:
    rgb: np.ndarray  # HWC uint8
    pieces: tuple[TextPiece, ...]
    paths: tuple[DrawnPath, ...]
    images: tuple[DrawnImage, ...]


def render_recorded(
    svg: bytes, *, scale: float = 1.0, size_wh: tuple[int, int] | None = None
) -> RenderRecord:
    """Render ``svg`` (at ``scale``, or stretched to ``size_wh``) and record it.

    Raises ``SvgRenderError`` when cairosvg cannot parse or draw the document.
    """
    try:
        surface = _RecordingSurface(parse_tree(svg), *surface_args(scale=scale, size_wh=size_wh))
        rgb = surface_rgb(surface.cairo)
        surface.finish()
    except Exception as exc:  # cairosvg raises many kinds; callers get one type
        raise SvgRenderError(f"cairosvg failed: {type(exc).__name__}: {exc}") from exc
    return RenderRecord(
        rgb=rgb,
        pieces=tuple(surface.pieces()),
        paths=tuple(surface.drawn_paths),
        images=tuple(surface.drawn_images),
    )


class _RecordingContext(cairocffi.Context):
    """A cairo context that reports glyphs and painted paths to its surface
    (the context cairosvg made, its class swapped, so every other call goes
    straight to cairo)."""

    _recorder: Any

    def text_path(self, letter: str) -> None:
        self._recorder._record_glyph(self, letter)
        super().text_path(letter)

    def fill_preserve(self) -> None:
        self._recorder._record_path(self)
        super().fill_preserve()


class _RecordingSurface(PNGSurface):
    @property
    def context(self) -> Any:
        return self._raw

    @context.setter
    def context(self, ctx: Any) -> None:
        self.__dict__.setdefault("glyph_log", [])
        self.__dict__.setdefault("drawn_paths", [])
        self.__dict__.setdefault("drawn_images", [])
        self.__dict__.setdefault("_roots", {})
        ctx.__class__ = _RecordingContext
        ctx._recorder = self
        self._raw = ctx

    def draw(self, node: Any) -> None:
        if node.tag == "image" and self.stroke_and_fill and "width" in node and "height" in node:
            self._record_image(node)
        super().draw(node)

    # -- recording -------------------------------------------------------
    def _record_glyph(self, ctx: Any, letter: str) -> None:
        node = self.parent_node
        if node is None or not self.stroke_and_fill or _inside(node, _HIDDEN_CONTAINERS):
            return
        xx, yx, xy, yy, x0, y0 = ctx.get_matrix().as_tuple()

        def distance(dx: float, dy: float) -> Point:  # cairo's user_to_device_distance
            return (xx * dx + xy * dy, yx * dx + yy * dy)

        px, py = ctx.get_current_point()
        ox, oy = xx * px + xy * py + x0, yx * px + yy * py + y0
        xb, yb, w, h, xa, ya = ctx.text_extents(letter)
        corners = [distance(cx, cy) for cx, cy in ((xb, yb), (xb + w, yb), (xb + w, yb + h), (xb, yb + h))]
        quad = tuple((ox + dx, oy + dy) for dx, dy in corners)
        ux, uy = distance(1.0, 0.0)
        vx, vy = distance(0.0, 1.0)
        scale = math.sqrt(abs(ux * vy - uy * vx))
        glyph = Glyph(
            char=letter,
            quad=quad,  # type: ignore[arg-type]
            origin=(ox, oy),
            advance=distance(xa, ya),
            font_size_px=float(self.font_size) * scale,
            angle_deg=math.degrees(math.atan2(uy, ux)),
        )
        self.glyph_log.append((node, glyph))

    def _record_path(self, ctx: Any) -> None:
        node = self.parent_node
        if node is None or node.tag not in _PATH_TAGS or not self.stroke_and_fill:
            return
        if _inside(node, frozenset(("marker",))):
            self._record_mark(ctx, node)
            return
        if _inside(node, _HIDDEN_CONTAINERS):
            return
        x0, y0, x1, y1 = ctx.path_extents()
        if x1 <= x0 and y1 <= y0:
            return
        to_device = _to_device(ctx)
        corners = to_device([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        segments = ctx.copy_path_flat()
        closed = node.tag in ("rect", "circle", "ellipse", "polygon") or any(
            seg[0] == 3 for seg in segments  # cairo.PATH_CLOSE_PATH
        )
        user = [seg[1] for seg in segments if seg[0] in (0, 1)]
        self.drawn_paths.append(
            DrawnPath(
                tag=node.tag,
                xyxy=(min(xs), min(ys), max(xs), max(ys)),
                closed=closed,
                points=tuple(to_device(user)) if not closed or len(user) <= 12 else (),
                marker_start=_has_marker(node, "marker-start"),
                marker_end=_has_marker(node, "marker-end"),
                painted=_paints(node, "fill", "black") or _paints(node, "stroke", "none"),
                bench_kind=node.get("data-bench-kind"),
                rounded=node.tag == "rect" and (float(_num(node.get("rx"))) > 0 or float(_num(node.get("ry"))) > 0),
                n_vertices=len(user),
                straight=node.tag == "path" and _straight(node.get("d") or ""),
                element_id=node.get("id"),
            )
        )

    def _record_mark(self, ctx: Any, node: Any) -> None:
        """A marker's shape belongs to the path drawn just before it (markers follow their path)."""
        if not self.drawn_paths:
            return
        segments = ctx.copy_path_flat()
        verts = tuple(_to_device(ctx)([seg[1] for seg in segments if seg[0] in (0, 1)]))
        if len(verts) < 2:
            return
        filled = _hex(node.get("fill", "black")) if _paints(node, "fill", "black") else None
        closed = node.tag in ("rect", "circle", "ellipse", "polygon") or any(seg[0] == 3 for seg in segments)
        mark = DrawnMark(verts, closed, filled, _paints(node, "stroke", "none"))
        last = self.drawn_paths[-1]
        self.drawn_paths[-1] = dataclasses.replace(last, marks=last.marks + (mark,))

    def _record_image(self, node: Any) -> None:  # noqa: D102
        ctx = self._raw
        ctx.save()
        try:
            _transform(self, node.get("transform"), transform_origin=node.get("transform-origin"))
            x, y = _size(self, node.get("x"), "x"), _size(self, node.get("y"), "y")
            w, h = _size(self, node.get("width"), "x"), _size(self, node.get("height"), "y")
            pts = [ctx.user_to_device(px, py) for px, py in ((x, y), (x + w, y), (x + w, y + h), (x, y + h))]
        finally:
            ctx.restore()
        if w > 0 and h > 0:
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            self.drawn_images.append(DrawnImage((min(xs), min(ys), max(xs), max(ys)), node.get("id")))

    def pieces(self) -> list[TextPiece]:
        """Group the glyph log into one piece per text node, in drawing order."""
        out: list[TextPiece] = []
        roots: dict[int, int] = {}
        keep: list[Any] = []  # hold nodes so their ids stay unique
        current: Any = None
        glyphs: list[Glyph] = []

        def flush() -> None:
            if current is None or not glyphs:
                return
            root = _text_root(current)
            keep.append(root)
            root_index = roots.setdefault(id(root), len(roots))
            out.append(_piece(current, tuple(glyphs), root_index, self))

        for node, glyph in self.glyph_log:
            if node is not current:
                flush()
                current, glyphs = node, []
            glyphs.append(glyph)
        flush()
        return out


def _to_device(ctx: Any) -> Any:
    """Points in the context's user space to device pixels, as cairo's ``user_to_device``
    computes them (the same products and sums), in one call to cairo for all of them."""
    xx, yx, xy, yy, x0, y0 = ctx.get_matrix().as_tuple()

    def to_device(points: list[Point]) -> list[Point]:
        return [(xx * x + xy * y + x0, yx * x + yy * y + y0) for x, y in points]
    return to_device


_PATH_TAGS = frozenset(("circle", "ellipse", "line", "path", "polygon", "polyline", "rect"))
_HIDDEN_CONTAINERS = frozenset(("marker", "clipPath", "mask", "pattern", "defs"))


def _inside(node: Any, tags: frozenset[str]) -> bool:
    parent = getattr(node, "parent", None)
    while parent is not None:
        if getattr(parent, "tag", None) in tags:
            return True
        parent = getattr(parent, "parent", None)
    return False


def _text_root(node: Any) -> Any:
    probe = node
    while probe is not None:
        if probe.tag == "text":
            return probe
        probe = getattr(probe, "parent", None)
    return node


def _own_position(node: Any) -> bool:
    element = getattr(node, "element", None)
    attrib = element.etree_element.attrib if element is not None else {}
    return "x" in attrib or "y" in attrib or node.tag == "text"


def _piece(node: Any, glyphs: tuple[Glyph, ...], root_index: int, surface: Any) -> TextPiece:
    fill = node.get("fill", "black")
    visible = (
        node.get("display", "inline") != "none"
        and node.get("visibility", "visible") != "hidden"
        and _paints(node, "fill", "black")
        and float(_num(node.get("opacity", 1))) > 0.05
    )
    weight = str(node.get("font-weight", "normal"))
    if weight.isdigit():
        weight = "bold" if int(weight) >= 550 else "normal"
    family = str(node.get("font-family") or "sans-serif").split(",")[0].strip("\"' ")
    return TextPiece(
        text=str(node.text or ""),
        glyphs=glyphs,
        root_index=root_index,
        starts_chunk=_own_position(node),
        fill=_hex(fill),
        visible=visible,
        font_family=family,
        font_weight=weight if weight in ("bold", "normal") else "normal",
        element_id=_text_root(node).get("id"),
    )


def _paints(node: Any, attr: str, default: str) -> bool:
    value = str(node.get(attr, default)).strip()
    if value in ("none", "transparent", ""):
        return False
    if value.startswith("url("):
        return True
    opacity = float(_num(node.get(f"{attr}-opacity", 1)))
    try:
        alpha = _color(value)[3]
    except (ValueError, IndexError):
        return False
    return alpha * opacity > 0.05


def _hex(value: str) -> str | None:
    value = str(value).strip()
    if value.startswith("url(") or value in ("none", "transparent"):
        return None
    try:
        r, g, b, _a = _color(value)
    except (ValueError, IndexError):
        return None
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))


def _has_marker(node: Any, attr: str) -> bool:
    value = str(node.get(attr, "none")).strip()
    return value.startswith("url(")


def _num(value: Any) -> float:
    try:
        return float(str(value).strip().rstrip("px%") or 0)
    except ValueError:
        return 0.0


def _straight(d: str) -> bool:
    """Path data with one subpath of straight segments only (M, L, H, V, Z)."""
    commands = re.findall(r"[A-Za-z]", d)
    return bool(commands) and set(commands) <= set("MLHVZmlhvz") and sum(c in "Mm" for c in commands) == 1
