"""Arrows of a PDF page: lines that end at an arrowhead.

Lines are open stroked paths, and thin filled quadrilaterals (a line exported
as its outline: two opposite sides at most a quarter of
``truth.head_limit_px``, the other two at least 3 times longer), taken along
their centre.  Heads are ``pdfshapes.is_head``
shapes (small pointed closed shapes), and open heads:
a small stroked V of two similar arms 20 to 150 degrees apart (TikZ and LaTeX
tips), whose apex is the head point.

A line's end is an arrow's head when it lies in a head's box grown by 0.15 of
``truth.head_limit_px`` (an open head's apex within that reach) and the head
points the way the line runs there: its axis (centre of its vertices to its
tip; opening to apex for a V) within 45 degrees of the line's last stretch.
The head point is the head's vertex farthest from the line's previous point;
the tail is the line's other end, or a head too (a two-headed arrow).  Dot
markers are not counted, as in the SVG sets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from crafteditor.bench.pdfshapes import PdfPath, distinct, is_head
from checkers.drawn import TruthArrow
from crafteditor.model.scene import Box

Point = tuple[float, float]
MAX_TURN_DEG = 45.0


@dataclass(frozen=True, slots=True)
class Head:
    box: Box
    tips: tuple[Point, ...]  # the head point is the one farthest from the line
    base: Point  # where the head's axis starts: vertex centre, or a V's opening


def closed_head(path: PdfPath) -> Head:
    pts = distinct(path.vertices)
    centre = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
    return Head(path.box, tuple(pts), centre)


def open_head(path: PdfPath, limit_px: float) -> Head | None:
    """A small stroked V of two similar arms (20 to 150 degrees apart), apex in the middle."""
    if path.closed or not path.stroked or len(path.segments) != 2:
        return None
    b = path.box
    if not 2 <= max(b.width, b.height) <= limit_px:
        return None
    end0, apex, end1 = path.segments[0][1], path.segments[0][2], path.segments[1][2]
    l0, l1 = math.dist(end0, apex), math.dist(end1, apex)
    if min(l0, l1) < 0.5 * max(l0, l1) or min(l0, l1) < 1:
        return None
    cos = ((end0[0] - apex[0]) * (end1[0] - apex[0]) + (end0[1] - apex[1]) * (end1[1] - apex[1])) / (l0 * l1)
    if not math.cos(math.radians(150)) <= cos <= math.cos(math.radians(20)):
        return None
    return Head(b, (apex,), ((end0[0] + end1[0]) / 2, (end0[1] + end1[1]) / 2))


def centerline(path: PdfPath, limit_px: float) -> tuple[Point, Point] | None:
    """The centre line of a thin filled quadrilateral (module docstring)."""
    if not path.closed or path.n_curves or not path.filled:
        return None
    pts = distinct(path.vertices)
    if len(pts) != 4:
        return None
    sides = [(pts[i], pts[(i + 1) % 4]) for i in range(4)]
    lengths = [math.dist(*side) for side in sides]
    for i in (0, 1):
        short, long = max(lengths[i], lengths[i + 2]), min(lengths[i + 1], lengths[(i + 3) % 4])
        if short <= 0.25 * limit_px and long >= 3 * max(short, 1.0):
            (a, b), (c, d) = sides[i], sides[i + 2]
            return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), ((c[0] + d[0]) / 2, (c[1] + d[1]) / 2)
    return None


def _before(points: tuple[Point, ...], end: Point) -> Point:
    """The last point of ``points`` (ordered towards ``end``) more than 1 px from it."""
    return next((p for p in reversed(points) if math.dist(p, end) > 1.0), points[0])


def _aligned(head: Head, tip: Point, end: Point, before: Point) -> bool:
    ax, ay = tip[0] - head.base[0], tip[1] - head.base[1]
    lx, ly = end[0] - before[0], end[1] - before[1]
    norm = math.hypot(ax, ay) * math.hypot(lx, ly)
    return norm > 0 and (ax * lx + ay * ly) / norm >= math.cos(math.radians(MAX_TURN_DEG))


def head_point(heads: list[Head], end: Point, before: Point, reach: float) -> Point | None:
    """The head point of the head at ``end`` of a line coming from ``before``, if any."""
    best: tuple[float, Point] | None = None
    for head in heads:
        if not head.box.expand(reach).contains_point(*end):
            continue
        tip = max(head.tips, key=lambda q: math.dist(q, before))
        if len(head.tips) == 1 and math.dist(tip, end) > reach:
            continue  # an open head's apex must meet the line
        if _aligned(head, tip, end, before):
            d = math.dist(head.box.center, end)
            best = (d, tip) if best is None or d < best[0] else best
    return best[1] if best else None


def arrows_from_paths(paths: list[PdfPath], limit_px: float) -> list[TruthArrow]:
    """Lines ending in an arrowhead (module docstring)."""
    heads = [closed_head(p) for p in paths if is_head(p, limit_px)]
    opens = {id(p): h for p in paths if (h := open_head(p, limit_px)) is not None}
    heads += opens.values()
    reach = 0.15 * limit_px
    out = []
    for path in paths:
        line = path.points if not path.closed and path.stroked and id(path) not in opens else centerline(path, limit_px)
        if line is None or math.dist(line[0], line[-1]) < 2:
            continue
        first, last = line[0], line[-1]
        tip_last = head_point(heads, last, _before(line, last), reach)
        tip_first = head_point(heads, first, _before(line[::-1], first), reach)
        if tip_last and tip_first:
            out.append(TruthArrow(tip_first, tip_last, both_ends=True))
        elif tip_last:
            out.append(TruthArrow(first, tip_last))
        elif tip_first:
            out.append(TruthArrow(last, tip_first))
    return out
