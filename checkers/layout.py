"""Layout checkers: text overflowing its container, dangling arrows, overlaps.

All work on the drawn figure (``base.CheckedFigure``): text lines, closed
shapes and arrows as the renderer drew them, in source pixels.
"""

from __future__ import annotations

import math

from checkers.base import CheckedFigure
from checkers.fidelity import DRAWN_THRESHOLD
from crafteditor.model.findings import Finding
from crafteditor.model.fixes import ScaleHead, Separate, ShrinkFont, SnapEndpoint
from crafteditor.model.scene import Box

OVERFLOW_SLACK_PX = 2.0
ARROW_REACH_PX = 12.0
BRIDGE_SHARE = 0.8  # of the way from a dangling end to the shape that the source inks
HEAD_WINDOW_PX = 6.0
HEAD_MIN_PX = 20
HEAD_OVERSIZE = 1.8  # our ink behind a tip over the source's
OVERLAP_IOU = 0.1
DIFFERS_SHARE = 0.2  # of a box's pixels drawn otherwise than in the source: it is out of place
SEPARATE_GAP_PX = 4.0  # left between two shapes a separation moves apart
SOURCE_OVERFLOW_SHARE = 0.2  # our ink beyond the holder that the source lacks, at most, to let it be


def _holder(box: Box, shapes) -> object | None:
    """The smallest closed shape whose box holds the centre of ``box``."""
    cx, cy = box.center
    holders = [s for s in shapes if s.box.contains_point(cx, cy) and s.box.area > box.area]
    return min(holders, key=lambda s: s.box.area, default=None)


def _source_overflows_too(figure: CheckedFigure, line: Box, holder: Box) -> bool:
    """Whether what the rendering draws beyond the holder's edges, along the line, is
    drawn by the source too (within 2 px): then the figure itself lets the text run out."""
    import cv2
    import numpy as np

    w, h = figure.image_wh
    m = OVERFLOW_SLACK_PX  # past the outline's own band
    strips = [(line.x0, line.y0, holder.x0 - m, line.y1), (holder.x1 + m, line.y0, line.x1, line.y1),
              (line.x0, line.y0, line.x1, holder.y0 - m), (line.x0, holder.y1 + m, line.x1, line.y1)]
    ours = extra = 0
    for sx0, sy0, sx1, sy1 in strips:
        if sx1 <= sx0 or sy1 <= sy0:
            continue
        x0, y0, x1, y1 = Box(sx0, sy0, sx1, sy1).clip(w, h).to_int()
        if x1 <= x0 or y1 <= y0:
            continue
        drawn = figure.drawn_ours[y0:y1, x0:x1]
        px0, py0 = max(x0 - 2, 0), max(y0 - 2, 0)  # the source read 2 px wider, then dilated by 2
        around = cv2.dilate(figure.drawn_source[py0:y1 + 2, px0:x1 + 2].astype(np.uint8), np.ones((5, 5), np.uint8))
        near = around[y0 - py0:y1 - py0, x0 - px0:x1 - px0].astype(bool)
        ours += int(drawn.sum())
        extra += int((drawn & ~near).sum())
    return ours > 0 and extra <= SOURCE_OVERFLOW_SHARE * ours


def text_overflow(figure: CheckedFigure) -> list[Finding]:
    """A text line whose drawn extent leaves the shape it sits in, where the source's does not."""
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
        if over <= OVERFLOW_SLACK_PX or _source_overflows_too(figure, b, h):
            continue
        room = max(h.width - 2 * OVERFLOW_SLACK_PX, 1.0)
        scale = round(min(1.0, room / max(b.width, 1e-6)) * 0.95, 3)
        out.append(Finding(
            "text-overflow", "error",
            f"text {line.text!r} runs {over:.0f} px out of its {getattr(holder, 'kind', 'shape')}",
            element_id=line.element_id, box=b, fix=ShrinkFont(scale),
        ))
    return out


def _outlines(shapes: list[tuple[str, Box]]) -> list:
    """The outline of each ``(kind, box)`` as shapely sees it: ellipses and diamonds
    as drawn, other shapes by their box."""
    from shapely import affinity
    from shapely.geometry import Point, Polygon
    from shapely.geometry import box as sbox

    out = []
    for kind, b in shapes:
        cx, cy = b.center
        if kind == "ellipse" and b.width > 0 and b.height > 0:
            out.append(affinity.scale(Point(cx, cy).buffer(1.0, 32), b.width / 2, b.height / 2).exterior)
        elif kind == "diamond":
            out.append(Polygon([(cx, b.y0), (b.x1, cy), (cx, b.y1), (b.x0, cy)]).exterior)
        else:
            out.append(sbox(*b.xyxy).exterior)
    return out


def _source_bridges(figure: CheckedFigure, a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether the source draws ink along the segment a-b (at least ``BRIDGE_SHARE`` of it)."""
    import numpy as np

    w, h = figure.image_wh
    n = max(int(np.hypot(b[0] - a[0], b[1] - a[1])), 2)
    xs = np.clip(np.rint(np.linspace(a[0], b[0], n)).astype(int), 0, w - 1)
    ys = np.clip(np.rint(np.linspace(a[1], b[1], n)).astype(int), 0, h - 1)
    return float(figure.drawn_source[ys, xs].mean()) >= BRIDGE_SHARE


def _head_ink(mask, tip: tuple[float, float], back: tuple[float, float], image_wh: tuple[int, int]) -> int:
    """Drawn pixels in the square of side ``2 * HEAD_WINDOW_PX`` just behind an arrow's tip."""
    import math

    dx, dy = tip[0] - back[0], tip[1] - back[1]
    norm = math.hypot(dx, dy) or 1.0
    cx, cy = tip[0] - dx / norm * HEAD_WINDOW_PX, tip[1] - dy / norm * HEAD_WINDOW_PX
    x0, y0, x1, y1 = Box(cx - HEAD_WINDOW_PX, cy - HEAD_WINDOW_PX, cx + HEAD_WINDOW_PX,
                         cy + HEAD_WINDOW_PX).clip(*image_wh).to_int()
    return int(mask[y0:y1, x0:x1].sum())


def arrow_endpoints(figure: CheckedFigure) -> list[Finding]:
    """Arrow ends (head or tail) farther than ``ARROW_REACH_PX`` from every shape or
    picture outline where the source draws on to it, and arrowheads drawn much
    bigger than the source's."""
    from shapely.geometry import Point

    outlines = _outlines([(s.kind, s.box) for s in figure.drawn.shapes] + [("rect", i.box) for i in figure.drawn.icons])
    out = []
    for arrow in figure.drawn.arrows:
        ends = [("head", arrow.head, arrow.tail), ("tail", arrow.tail, arrow.head)]
        for name, end, _other in ends if outlines else ():
            p = Point(end)
            distances = [o.distance(p) for o in outlines]
            nearest = min(range(len(distances)), key=distances.__getitem__)
            if distances[nearest] <= ARROW_REACH_PX:
                continue
            target = outlines[nearest].interpolate(outlines[nearest].project(p))
            if not _source_bridges(figure, end, (target.x, target.y)):
                continue  # the source stops short there too
            out.append(Finding(
                "arrow-dangling", "error",
                f"arrow {name} at ({end[0]:.0f}, {end[1]:.0f}) is {distances[nearest]:.0f} px from the shape "
                "the source reaches",
                element_id=arrow.element_id, box=Box(end[0] - 2, end[1] - 2, end[0] + 2, end[1] + 2),
                fix=SnapEndpoint(name, (round(target.x, 1), round(target.y, 1))),
            ))
        for name, tip, back in ends[: 2 if arrow.both_ends else 1]:
            ours = _head_ink(figure.drawn_ours, tip, back, figure.image_wh)
            theirs = _head_ink(figure.drawn_source, tip, back, figure.image_wh)
            if ours < HEAD_MIN_PX or ours <= HEAD_OVERSIZE * max(theirs, 1):
                continue
            out.append(Finding(
                "arrowhead-oversized", "warning",
                f"arrow {name} at ({tip[0]:.0f}, {tip[1]:.0f}) draws {ours / max(theirs, 1):.1f}x the source's ink",
                element_id=arrow.element_id, box=Box(tip[0] - 2, tip[1] - 2, tip[0] + 2, tip[1] + 2),
                fix=ScaleHead(name, round(max(theirs, 1) / ours, 2)),
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
    return float((abs(ours - theirs).max(axis=2) > DRAWN_THRESHOLD).mean())


def overlap(figure: CheckedFigure) -> list[Finding]:
    """Two shapes overlapping (IoU > 0.1, neither containing the other) where the
    source looks otherwise, over their overlap or over one of them: one of them has
    drifted or grown.  The one drawn less like the source is named, with the least
    shift that separates it from the other."""
    import numpy as np

    shapes = figure.drawn.shapes
    out = []
    if len(shapes) < 2:
        return out
    # only pairs whose boxes meet can overlap: the rest are left out at once, in numpy
    xyxy = np.array([s.box.xyxy for s in shapes], dtype=float)
    x0, y0, x1, y1 = (xyxy[:, k] for k in range(4))
    meet = ~((np.minimum.outer(x1, x1) < np.maximum.outer(x0, x0))
             | (np.minimum.outer(y1, y1) < np.maximum.outer(y0, y0)))
    for i, j in zip(*np.nonzero(np.triu(meet, 1))):
        a, b = shapes[i], shapes[j]
        if a.box.contains(b.box, 2.0) or b.box.contains(a.box, 2.0):
            continue
        if a.box.iou(b.box) <= OVERLAP_IOU:
            continue
        inter = a.box.intersection(b.box)
        if inter is None:
            continue
        (moving, off), (fixed, _) = _drifted_first(figure, a, b)
        if off < DIFFERS_SHARE and _differs_from_source(figure, inter) < DIFFERS_SHARE:
            continue  # the source draws them so, overlapping (the shape painted over the other hides the rest)
        dx, dy = _least_shift(moving.box, fixed.box)
        out.append(Finding(
            "overlap", "error",
            f"{a.kind} and {b.kind} overlap (IoU {a.box.iou(b.box):.2f}) where the source differs",
            element_id=moving.element_id, box=inter,
            fix=Separate(fixed.element_id, dx, dy) if moving.element_id and fixed.element_id else None,
        ))
    return out


def _drifted_first(figure: CheckedFigure, a, b) -> tuple[tuple, tuple]:
    """The two shapes, each with the share of its box the source draws otherwise, the one
    to move first: the one drawn less like the source (it is the one out of place), or on
    a tie the smaller."""
    da, db = _differs_from_source(figure, a.box), _differs_from_source(figure, b.box)
    if abs(da - db) > 0.02:
        return ((a, da), (b, db)) if da > db else ((b, db), (a, da))
    return ((a, da), (b, db)) if a.box.area <= b.box.area else ((b, db), (a, da))


def _least_shift(moving: Box, fixed: Box) -> tuple[float, float]:
    """The shortest move, along x or along y, that takes ``moving`` off ``fixed``
    with ``SEPARATE_GAP_PX`` between them, away from ``fixed``'s centre."""
    right, left = fixed.x1 - moving.x0, moving.x1 - fixed.x0
    down, up = fixed.y1 - moving.y0, moving.y1 - fixed.y0
    dx = right if moving.center[0] >= fixed.center[0] else -left
    dy = down if moving.center[1] >= fixed.center[1] else -up
    gap = SEPARATE_GAP_PX
    if abs(dx) <= abs(dy):
        return (round(dx + math.copysign(gap, dx), 1), 0.0)
    return (0.0, round(dy + math.copysign(gap, dy), 1))
