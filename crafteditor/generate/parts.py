"""The scene elements of a laid-out figure: shapes, their labels, icons and connectors.

Pure geometry in pixels: each function returns frozen ``Element`` records for the
writer.  Shapes are sized so their label fits inside the outline actually drawn
(an ellipse or a diamond needs a bigger box than a rectangle for the same label).
"""

from __future__ import annotations

import math

from crafteditor.generate.graph import EdgeKind
from crafteditor.generate.labels import Measured
from crafteditor.model.kinds import ShapeKind
from crafteditor.model.scene import (Box, ConnectorContent, Element, ImageContent, Kind, Provenance, ShapeContent,
                                     Style, TextContent, TextLine)

Point = tuple[float, float]
PROVENANCE = Provenance("generate", 1.0, "laid out from the specification")
ARROW_HEAD_PX = (10.0, 8.0)  # length, width
EDGE_STROKE_PX = 1.5
SHAPE_STROKE_PX = 1.5
DASH_PX = (6.0, 4.0)
SKEW = 0.25  # a parallelogram's top edge shift, of its height
CAP = 0.12  # a cylinder's cap height, of its width (at most 14 px)


def shape_wh(kind: ShapeKind, content_wh: tuple[float, float], pad_px: float) -> tuple[float, float]:
    """The box a shape needs for ``content_wh`` to lie inside its outline with ``pad_px`` round it."""
    w, h = content_wh[0] + 2 * pad_px, content_wh[1] + pad_px
    if kind == ShapeKind.ELLIPSE:
        return (w * math.sqrt(2), h * math.sqrt(2))
    if kind == ShapeKind.CIRCLE:
        d = math.hypot(w, h)
        return (d, d)
    if kind == ShapeKind.DIAMOND:  # the content's corner on the outline at half of each axis
        return (2 * w, 2 * h)
    if kind == ShapeKind.PARALLELOGRAM:
        return (w + 2 * SKEW * h, h)
    if kind == ShapeKind.CYLINDER:
        return (w, h + 2 * min(CAP * w, 14.0))
    return (w, h)


def inside(kind: ShapeKind, box: Box, p: Point) -> bool:
    """Whether ``p`` lies inside the outline drawn for ``kind`` over ``box``."""
    cx, cy = box.center
    a, b = max(box.width / 2, 1e-6), max(box.height / 2, 1e-6)
    dx, dy = (p[0] - cx) / a, (p[1] - cy) / b
    if kind in (ShapeKind.ELLIPSE, ShapeKind.CIRCLE):
        r = min(a, b) if kind == ShapeKind.CIRCLE else None
        return dx * dx + dy * dy <= 1.0 if r is None else math.hypot(p[0] - cx, p[1] - cy) <= r
    if kind == ShapeKind.DIAMOND:
        return abs(dx) + abs(dy) <= 1.0
    return box.contains_point(*p)


def to_outline(kind: ShapeKind, box: Box, end: Point, before: Point) -> Point:
    """Move a route's ``end`` (on ``box``'s border, reached from ``before``) on along its last
    segment to the outline actually drawn, for shapes that do not fill their box."""
    if kind not in (ShapeKind.ELLIPSE, ShapeKind.CIRCLE, ShapeKind.DIAMOND) or inside(kind, box, end):
        return end
    dx, dy = end[0] - before[0], end[1] - before[1]
    norm = math.hypot(dx, dy)
    if norm < 1e-6:
        return end
    dx, dy = dx / norm, dy / norm
    reach = box.width + box.height
    t_in = next((t for t in range(1, int(reach) + 1) if inside(kind, box, (end[0] + dx * t, end[1] + dy * t))), None)
    if t_in is None:  # the segment passes the outline by: leave the end on the box
        return end
    lo, hi = float(t_in - 1), float(t_in)
    for _ in range(12):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if inside(kind, box, (end[0] + dx * mid, end[1] + dy * mid)) else (mid, hi)
    return (end[0] + dx * hi, end[1] + dy * hi)


def shape(node_id: str, label: str, kind: ShapeKind, box: Box, fill: str, stroke: str,
          parent_id: str | None, radius_px: float = 0.0) -> Element:
    points: tuple[Point, ...] = ()
    d = ""
    if kind == ShapeKind.DIAMOND:
        (cx, cy), b = box.center, box
        points = ((cx, b.y0), (b.x1, cy), (cx, b.y1), (b.x0, cy))
    elif kind == ShapeKind.PARALLELOGRAM:
        s = SKEW * box.height
        points = ((box.x0 + s, box.y0), (box.x1, box.y0), (box.x1 - s, box.y1), (box.x0, box.y1))
    elif kind == ShapeKind.CYLINDER:
        rx, ry = box.width / 2, min(CAP * box.width, 14.0) / 2
        x0, x1, y0, y1 = box.x0, box.x1, box.y0 + ry, box.y1 - ry
        d = (f"M{x0:.2f},{y0:.2f} A{rx:.2f},{ry:.2f} 0 0 1 {x1:.2f},{y0:.2f} "
             f"A{rx:.2f},{ry:.2f} 0 0 1 {x0:.2f},{y0:.2f} Z M{x0:.2f},{y0:.2f} L{x0:.2f},{y1:.2f} "
             f"A{rx:.2f},{ry:.2f} 0 0 0 {x1:.2f},{y1:.2f} L{x1:.2f},{y0:.2f}")
    elif kind not in (ShapeKind.RECT, ShapeKind.ROUNDED_RECT, ShapeKind.ELLIPSE, ShapeKind.CIRCLE):
        kind = ShapeKind.RECT  # free outlines are drawn as their box
    if kind == ShapeKind.CIRCLE:
        r = min(box.width, box.height) / 2
        cx, cy = box.center
        box = Box(cx - r, cy - r, cx + r, cy + r)
    return Element(node_id, Kind.SHAPE, box, Style(fill=fill, stroke=stroke, stroke_width_px=SHAPE_STROKE_PX),
                   PROVENANCE, label=label or kind.value, parent_id=parent_id,
                   shape=ShapeContent(kind, radius_px=radius_px, points=points, d=d))


def text(element_id: str, measured: Measured, anchor_xy: Point, anchor: str, fill: str,
         parent_id: str | None) -> Element:
    """A label whose first line's top is at ``anchor_xy[1]``; ``anchor_xy[0]`` is the x the
    ``anchor`` (start or middle) refers to."""
    face = measured.face
    ascent, descent = face.ascent_descent_px()
    ax, top = anchor_xy
    lines = []
    for i, (line, width) in enumerate(zip(measured.lines, measured.widths_px)):
        baseline = top + ascent + i * face.line_px
        x0 = ax - width / 2 if anchor == "middle" else ax
        lines.append(TextLine(line, Box(x0, baseline - ascent, x0 + width, baseline + descent), baseline))
    box = Box.from_points([p for ln in lines for p in ((ln.box.x0, ln.box.y0), (ln.box.x1, ln.box.y1))])
    style = Style(fill=fill, font_size_px=face.size_px, font_weight="bold" if face.bold else "normal",
                  font_family=face.family)
    return Element(element_id, Kind.TEXT, box, style, PROVENANCE, label=" ".join(measured.lines),
                   parent_id=parent_id, text=TextContent(tuple(lines), anchor, ax))


def icon(element_id: str, png: bytes, box: Box, label: str, parent_id: str) -> Element:
    return Element(element_id, Kind.ICON, box, Style(), PROVENANCE, label=label, parent_id=parent_id,
                   image=ImageContent(png), reason="a key element given as a picture")


def connector(edge_id: str, label: str, points: tuple[Point, ...], kind: EdgeKind, routing: str, colour: str,
              source_id: str, target_id: str) -> Element:
    dash = DASH_PX if kind == EdgeKind.DASHED else ()
    style = Style(stroke=colour, stroke_width_px=EDGE_STROKE_PX, dash_px=dash)
    content = ConnectorContent(
        points, routing, head_start=kind == EdgeKind.BOTH, head_end=kind != EdgeKind.LINE,
        head_length_px=ARROW_HEAD_PX[0], head_width_px=ARROW_HEAD_PX[1], source_id=source_id, target_id=target_id)
    return Element(edge_id, Kind.CONNECTOR, Box.from_points(points), style, PROVENANCE,
                   label=label or f"{source_id} to {target_id}", connector=content)


def icon_wh(png: bytes, height_px: float) -> tuple[float, float]:
    """An icon's size at ``height_px`` high, its aspect kept (at most twice as wide as high)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        w, h = im.size
    return (min(height_px * w / max(h, 1), 2 * height_px), height_px)
