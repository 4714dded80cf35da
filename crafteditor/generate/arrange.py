"""A sketch's arrangement: rows, columns, the reading order and the boxes to keep.

Rows are components whose centres lie within half the smaller box height of the row's
mean centre (columns likewise across); each row (column) of two or more gives a
``same_row`` (``same_column``) and an ``order`` constraint, left to right (top to
bottom).  The boxes are kept as pins on the output canvas: the sketch is scaled up
until every label, measured in the output's font, fits its box without touching a
neighbour, and the centres of a row (column) are put on one line, so the redraw keeps
the sketch's order in both directions and is straighter than the sketch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from crafteditor.generate.sketch import Link, Part
from crafteditor.generate.spec import LayoutConstraint
from crafteditor.model.scene import Box

__all__ = ["ALIGN_TOLERANCE", "MAX_SCALE", "bands", "constraints", "direction", "pins"]

ALIGN_TOLERANCE = 0.5  # of the smaller box size across the band
GAP_PX = 16.0  # the least room between two kept boxes on the output canvas
MAX_SCALE = 4.0
SCALE_STEP = 1.1

XYXY = tuple[float, float, float, float]


def bands(parts: Sequence[Part], axis: int) -> list[list[Part]]:
    """Rows (``axis`` 1: centres on one horizontal line) or columns (``axis`` 0), each in
    reading order along the band; bands of one included."""
    size = (lambda b: b.height) if axis == 1 else (lambda b: b.width)
    out: list[list[Part]] = []
    for p in sorted(parts, key=lambda p: p.box.center[axis]):
        c = p.box.center[axis]
        for band in out:
            mean = sum(q.box.center[axis] for q in band) / len(band)
            if abs(c - mean) <= ALIGN_TOLERANCE * min(size(p.box), min(size(q.box) for q in band)):
                band.append(p)
                break
        else:
            out.append([p])
    return [sorted(band, key=lambda p: p.box.center[1 - axis]) for band in out]


def constraints(parts: Sequence[Part]) -> list[LayoutConstraint]:
    out = []
    for axis, kind in ((1, "same_row"), (0, "same_column")):
        for band in bands(parts, axis):
            if len(band) >= 2:
                ids = tuple(p.id for p in band)
                out += [LayoutConstraint(kind=kind, ids=ids), LayoutConstraint(kind="order", ids=ids)]
    return out


def direction(parts: Sequence[Part], links: Sequence[Link]) -> str:
    """The way the sketch reads: along most of its arrows' run, else along its longest band."""
    boxes = {p.id: p.box for p in parts}
    dx = sum(boxes[k.target].center[0] - boxes[k.source].center[0] for k in links)
    dy = sum(boxes[k.target].center[1] - boxes[k.source].center[1] for k in links)
    run_x = sum(abs(boxes[k.target].center[0] - boxes[k.source].center[0]) for k in links)
    run_y = sum(abs(boxes[k.target].center[1] - boxes[k.source].center[1]) for k in links)
    if links and run_x != run_y:
        return ("right" if dx >= 0 else "left") if run_x > run_y else ("down" if dy >= 0 else "up")
    longest_row = max((len(b) for b in bands(parts, 1)), default=0)
    longest_column = max((len(b) for b in bands(parts, 0)), default=0)
    return "right" if longest_row >= longest_column else "down"


def pins(parts: Sequence[Part], need_wh: Callable[[str], tuple[float, float]], margin_px: float = 24.0) -> dict[str, XYXY]:
    """Each component's box on the output canvas: the sketch scaled (at least 1x, at most
    :data:`MAX_SCALE`) until the boxes grown to ``need_wh`` keep :data:`GAP_PX` apart
    wherever the sketch's boxes did not touch, centres of a row or column aligned."""
    if not parts:
        return {}
    x0 = min(p.box.x0 for p in parts)
    y0 = min(p.box.y0 for p in parts)
    rows, columns = bands(parts, 1), bands(parts, 0)
    apart = [(a, b) for i, a in enumerate(parts) for b in parts[i + 1:] if a.box.intersection(b.box) is None]
    scale, boxes = 1.0, {}
    while True:
        boxes = _placed(parts, rows, columns, need_wh, scale, (x0 - margin_px / scale, y0 - margin_px / scale))
        touching = [(a, b) for a, b in apart if boxes[a.id].expand(GAP_PX / 2).intersection(boxes[b.id].expand(GAP_PX / 2))]
        if not touching or scale >= MAX_SCALE:
            break
        scale = min(scale * SCALE_STEP, MAX_SCALE)
    return {k: b.xyxy for k, b in boxes.items()}


def _placed(parts: Sequence[Part], rows: list[list[Part]], columns: list[list[Part]],
            need_wh: Callable[[str], tuple[float, float]], scale: float, origin: tuple[float, float]) -> dict[str, Box]:
    cx = {p.id: (p.box.center[0] - origin[0]) * scale for p in parts}
    cy = {p.id: (p.box.center[1] - origin[1]) * scale for p in parts}
    for band, centre in ((rows, cy), (columns, cx)):
        for members in band:
            mean = sum(centre[p.id] for p in members) / len(members)
            for p in members:
                centre[p.id] = mean
    out = {}
    for p in parts:
        w, h = need_wh(p.id)
        w, h = max(w, p.box.width * scale), max(h, p.box.height * scale)
        out[p.id] = Box(cx[p.id] - w / 2, cy[p.id] - h / 2, cx[p.id] + w / 2, cy[p.id] + h / 2)
    return out
