"""A sketch's arrangement: rows, columns, the reading order and the boxes to keep.

Rows are components whose centres lie within half the smaller box height of every
other's in the row (columns likewise across); each row (column) of two or more gives a
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
MAX_SCALE = 3.0
MAX_WIDTH_PX = 1800.0  # the scale stops where the sketch's content would grow wider (a page-wide figure)
SEPARATION_PASSES = 50

XYXY = tuple[float, float, float, float]


def bands(parts: Sequence[Part], axis: int) -> list[list[Part]]:
    """Rows (``axis`` 1: centres on one horizontal line) or columns (``axis`` 0), each in
    reading order along the band; bands of one included."""
    size = (lambda b: b.height) if axis == 1 else (lambda b: b.width)
    out: list[list[Part]] = []
    for p in sorted(parts, key=lambda p: p.box.center[axis]):
        c = p.box.center[axis]
        for band in out:
            if all(abs(c - q.box.center[axis]) <= ALIGN_TOLERANCE * min(size(p.box), size(q.box)) for q in band):
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
    """Each component's box on the output canvas.  A box the sketch draws keeps its size
    (scaled, grown to ``need_wh``); a free label takes ``need_wh``.  The sketch is scaled by
    the least factor (at least 1, at most :data:`MAX_SCALE` or what makes it
    :data:`MAX_WIDTH_PX` wide) that keeps every two boxes
    apart that were apart in the sketch, centres of a row or column aligned; pairs still
    touching at the cap are pushed apart along the axis that separates them most, which
    keeps their order."""
    if not parts:
        return {}
    origin = (min(p.box.x0 for p in parts), min(p.box.y0 for p in parts))
    rows, columns = bands(parts, 1), bands(parts, 0)
    apart = [(a, b) for i, a in enumerate(parts) for b in parts[i + 1:] if a.box.intersection(b.box) is None]
    width = max(p.box.x1 for p in parts) - origin[0]
    cap = max(1.0, min(MAX_SCALE, MAX_WIDTH_PX / max(width, 1.0)))
    scale = min(max([1.0, *(_scale_apart(a, b, need_wh) for a, b in apart)]), cap)
    boxes = _placed(parts, rows, columns, need_wh, scale, origin)
    for _ in range(SEPARATION_PASSES):
        if not _separate(boxes, [(a.id, b.id) for a, b in apart]):
            break
    x0 = min(b.x0 for b in boxes.values())
    y0 = min(b.y0 for b in boxes.values())
    return {k: (b.x0 - x0 + margin_px, b.y0 - y0 + margin_px, b.x1 - x0 + margin_px, b.y1 - y0 + margin_px)
            for k, b in boxes.items()}


def _scale_apart(a: Part, b: Part, need_wh: Callable[[str], tuple[float, float]]) -> float:
    """The least scale at which ``a`` and ``b``, at their needed sizes, keep :data:`GAP_PX`
    apart across or along."""
    (wa, ha), (wb, hb) = need_wh(a.id), need_wh(b.id)
    dx = abs(a.box.center[0] - b.box.center[0])
    dy = abs(a.box.center[1] - b.box.center[1])
    across = ((wa + wb) / 2 + GAP_PX) / dx if dx > 1e-6 else float("inf")
    along = ((ha + hb) / 2 + GAP_PX) / dy if dy > 1e-6 else float("inf")
    return min(across, along)


def _separate(boxes: dict[str, Box], pairs: list[tuple[str, str]]) -> bool:
    """Push each touching pair apart, half each, along the axis where their centres are
    furthest apart for their size; whether any moved."""
    moved = False
    for i, j in pairs:
        a, b = boxes[i], boxes[j]
        over_x = (a.width + b.width) / 2 + GAP_PX - abs(a.center[0] - b.center[0])
        over_y = (a.height + b.height) / 2 + GAP_PX - abs(a.center[1] - b.center[1])
        if over_x <= 0 or over_y <= 0:
            continue
        axis = 0 if over_x / (a.width + b.width) <= over_y / (a.height + b.height) else 1
        push = (over_x if axis == 0 else over_y) / 2 + 0.5
        sign = 1.0 if b.center[axis] >= a.center[axis] else -1.0
        step = (sign * push, 0.0) if axis == 0 else (0.0, sign * push)
        boxes[i] = Box(a.x0 - step[0], a.y0 - step[1], a.x1 - step[0], a.y1 - step[1])
        boxes[j] = Box(b.x0 + step[0], b.y0 + step[1], b.x1 + step[0], b.y1 + step[1])
        moved = True
    return moved


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
        if p.drawn:
            w, h = max(w, p.box.width * scale), max(h, p.box.height * scale)
        out[p.id] = Box(cx[p.id] - w / 2, cy[p.id] - h / 2, cx[p.id] + w / 2, cy[p.id] + h / 2)
    return out
