"""Grounded shapes as scene elements: stroke-centre geometry, nesting, paint order.

A fit describes the outer edge of what is drawn; an SVG strokes along the
centre line, so geometry moves half a stroke inward (edges offset and mitred
for polygons).  Containment gives nesting (the smallest enclosing shape is the
parent) and paint order (larger first, so containers lie under their
contents).
"""

from __future__ import annotations

import math

from crafteditor.model.scene import Box, Element, Kind, Provenance, ShapeContent, Style, new_id, to_hex
from extraction.ground import GroundedShape
from extraction.shapes import ShapeFit


def _centre_line(fit: ShapeFit, stroke_px: float) -> tuple[Box, float, tuple[tuple[float, float], ...]]:
    """Move geometry from the outer ink edge to the stroke's centre line."""
    half = stroke_px / 2 if stroke_px else 0.0
    b = fit.box
    box = Box(b.x0 + half, b.y0 + half, max(b.x0 + half + 1, b.x1 - half), max(b.y0 + half + 1, b.y1 - half))
    radius = max(0.0, fit.radius_px - half)
    points = fit.points
    if points and half:
        cx, cy = b.center
        sx = box.width / max(b.width, 1e-6)
        sy = box.height / max(b.height, 1e-6)
        points = tuple((cx + (x - cx) * sx, cy + (y - cy) * sy) for x, y in points)
    if points and half and fit.kind in ("diamond", "polygon"):
        # Offset the outline's edges inward by half the stroke (mitred, as drawn).
        from shapely.geometry import Polygon

        inner = Polygon(fit.points).buffer(-half, join_style=2)
        if inner.geom_type == "Polygon" and not inner.is_empty and len(inner.exterior.coords) - 1 == len(fit.points):
            points = tuple((float(x), float(y)) for x, y in list(inner.exterior.coords)[:-1])
            box = Box.from_points(points)
    return box, radius, points


def cylinder_d(box: Box, ry: float) -> str:
    """Path data of a cylinder: body with elliptic ends, and the near rim of its top."""
    x0, y0, x1, y1 = box.xyxy
    rx = box.width / 2
    f = lambda v: f"{v:.2f}".rstrip("0").rstrip(".")  # noqa: E731
    return (f"M{f(x0)},{f(y0 + ry)} A{f(rx)},{f(ry)} 0 0 1 {f(x1)},{f(y0 + ry)} L{f(x1)},{f(y1 - ry)} "
            f"A{f(rx)},{f(ry)} 0 0 1 {f(x0)},{f(y1 - ry)} Z "
            f"M{f(x0)},{f(y0 + ry)} A{f(rx)},{f(ry)} 0 0 0 {f(x1)},{f(y0 + ry)}")


def shape_elements(shapes: list[GroundedShape], first_index: int = 1) -> list[Element]:
    """Elements for grounded shapes: nested by containment, parents painted first."""
    order = sorted(shapes, key=lambda s: -s.fit.box.area)
    elements: list[Element] = []
    boxes: list[Box] = []
    for i, s in enumerate(order):
        paint = s.paint
        stroke_px = paint.stroke_width_px if paint.stroke_rgb is not None else 0.0
        box, radius, points = _centre_line(s.fit, stroke_px)
        kind = s.fit.kind
        d = ""
        if kind == "cylinder":
            ry = max(2.0, s.fit.radius_px - stroke_px / 2)
            d = cylinder_d(box, ry)
        if kind == "polygon" and len(points) == 4 and _parallelogram(points):
            kind = "diamond" if _rhombus_on_axes(points) else "parallelogram"
        style = Style(
            fill=to_hex(paint.fill_rgb) if paint.fill_rgb is not None else None,
            stroke=to_hex(paint.stroke_rgb) if paint.stroke_rgb is not None else None,
            stroke_width_px=stroke_px or None,
            dash_px=paint.dash_px,
        )
        parent = None
        for j in range(len(boxes) - 1, -1, -1):  # the smallest enclosing shape so far
            if boxes[j].contains(box, slack_px=2.0) and boxes[j].area > 1.2 * box.area:
                parent = elements[j].id
                break
        el = Element(
            id=new_id(Kind.SHAPE, first_index + i),
            kind=Kind.SHAPE,
            box=box,
            style=style,
            provenance=Provenance("opencv-regions", confidence=round(s.fit.iou, 3)),
            label=_describe(kind, style, parent is None and any(o is not s and box.contains(o.fit.box) for o in order)),
            parent_id=parent,
            shape=ShapeContent(kind=kind, radius_px=round(radius, 2), points=points, d=d, fit_iou=s.fit.iou),
            reason=f"{kind} fits the drawn silhouette (IoU {s.fit.iou:.3f})",
        )
        elements.append(el)
        boxes.append(box)
    return elements


def _parallelogram(points: tuple[tuple[float, float], ...]) -> bool:
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = points
    return math.dist((ax + cx, ay + cy), (bx + dx, by + dy)) <= 0.04 * max(math.dist((ax, ay), (cx, cy)), 1.0) * 2


def _rhombus_on_axes(points: tuple[tuple[float, float], ...]) -> bool:
    """Four vertices at the middles of their box's sides: a diamond."""
    b = Box.from_points(points)
    tol = 0.08 * max(b.width, b.height)
    mids = [(b.center[0], b.y0), (b.x1, b.center[1]), (b.center[0], b.y1), (b.x0, b.center[1])]
    return all(min(math.dist(p, m) for p in points) <= tol for m in mids)


def _describe(kind: str, style: Style, container: bool) -> str:
    words = kind.replace("_", " ")
    if style.dash_px:
        words = "dashed " + words
    return ("container " if container else "") + words
