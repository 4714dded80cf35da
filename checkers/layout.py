"""Layout checkers: text overflowing its container, dangling arrows, overlaps.

All work on the drawn figure (``base.CheckedFigure``): text lines, closed
shapes and arrows as the renderer drew them, in source pixels.
"""

from __future__ import annotations

from checkers.base import CheckedFigure, Finding, Fix
from crafteditor.scene import Box

OVERFLOW_SLACK_PX = 2.0
ARROW_REACH_PX = 12.0
OVERLAP_IOU = 0.1


def _holder(box: Box, shapes) -> object | None:
    """The smallest closed shape whose box holds the centre of ``box``."""
    cx, cy = box.center
    holders = [s for s in shapes if s.box.contains_point(cx, cy) and s.box.area > box.area]
    return min(holders, key=lambda s: s.box.area, default=None)


def text_overflow(figure: CheckedFigure) -> list[Finding]:
    """A text line whose drawn extent leaves the shape it sits in."""
    out = []
    shapes = figure.drawn.shapes
    for line in figure.drawn.lines:
        if line.rotation_deg:
            continue
        holder = _holder(line.box, shapes)
        if holder is None:
            continue
        b, h = line.box, holder.box
        over = max(h.x0 - b.x0, b.x1 - h.x1, h.y0 - b.y0, b.y1 - h.y1)
        if over <= OVERFLOW_SLACK_PX:
            continue
        room = max(h.width - 2 * OVERFLOW_SLACK_PX, 1.0)
        scale = round(min(1.0, room / max(b.width, 1e-6)) * 0.95, 3)
        out.append(Finding(
            "text-overflow", "error",
            f"text {line.text!r} runs {over:.0f} px out of its {getattr(holder, 'kind', 'shape')}",
            box=b, fix=Fix("shrink_font", (("scale", scale),)),
        ))
    return out


def _outlines(boxes: list[Box]) -> list:
    from shapely.geometry import box as sbox

    return [sbox(*b.xyxy).exterior for b in boxes]


def arrow_endpoints(figure: CheckedFigure) -> list[Finding]:
    """An arrow end (head or tail) farther than ``ARROW_REACH_PX`` from every shape
    or picture outline."""
    from shapely.geometry import Point

    boxes = [s.box for s in figure.drawn.shapes] + [i.box for i in figure.drawn.icons]
    if not boxes:
        return []
    outlines = _outlines(boxes)
    out = []
    for arrow in figure.drawn.arrows:
        for name, end in (("head", arrow.head), ("tail", arrow.tail)):
            p = Point(end)
            distances = [o.distance(p) for o in outlines]
            nearest = min(range(len(distances)), key=distances.__getitem__)
            if distances[nearest] <= ARROW_REACH_PX:
                continue
            target = outlines[nearest].interpolate(outlines[nearest].project(p))
            out.append(Finding(
                "arrow-dangling", "error",
                f"arrow {name} at ({end[0]:.0f}, {end[1]:.0f}) is {distances[nearest]:.0f} px from any shape",
                box=Box(end[0] - 2, end[1] - 2, end[0] + 2, end[1] + 2),
                fix=Fix("snap_endpoint", (("end", name), ("x", round(target.x, 1)), ("y", round(target.y, 1)))),
            ))
    return out


def _differs_from_source(figure: CheckedFigure, box: Box) -> float:
    """Share of the pixels in ``box`` where the rendering and the source disagree."""
    w, h = figure.image_wh
    x0, y0, x1, y1 = box.clip(w, h).to_int()
    if x1 <= x0 or y1 <= y0:
        return 0.0
    ours = figure.record.rgb[y0:y1, x0:x1].astype("int16")
    theirs = figure.source_rgb[y0:y1, x0:x1].astype("int16")
    return float((abs(ours - theirs).max(axis=2) > 40).mean())


def overlap(figure: CheckedFigure) -> list[Finding]:
    """Two shapes overlapping (IoU > 0.1, neither containing the other) where the
    source looks otherwise: one of them has drifted or grown."""
    shapes = figure.drawn.shapes
    out = []
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            if a.box.contains(b.box, 2.0) or b.box.contains(a.box, 2.0):
                continue
            if a.box.iou(b.box) <= OVERLAP_IOU:
                continue
            inter = a.box.intersection(b.box)
            if inter is None or _differs_from_source(figure, inter) < 0.2:
                continue  # the source overlaps there too
            small = a if a.box.area <= b.box.area else b
            out.append(Finding(
                "overlap", "error",
                f"{a.kind} and {b.kind} overlap (IoU {a.box.iou(b.box):.2f}) where the source differs",
                box=inter, fix=Fix("separate", (("shrink_box", tuple(round(v, 1) for v in small.box.xyxy)),)),
            ))
    return out
