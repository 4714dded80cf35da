"""The shape of the mark at a connector's end, read from what the renderer drew.

A mark (an SVG marker's shapes, or a small polygon or dot drawn at a line's
end) is classified in the frame of the line's end: ``u`` along the line,
pointing out of it, ``v`` across.  From the convex hull of its ink:

- ``bar``: much shorter along the line than across it;
- ``dot`` / ``circle``: round (a smooth hull, about as long as wide), filled or not;
- ``arrow`` / ``open_arrow``: the hull narrows towards the outside, filled or not
  (an outlined triangle or a chevron is open);
- ``diamond``: widest in the middle, narrow at both ends;
- ``other``: anything else (a cross, a square); ``none``: nothing visible.

Coordinates are device pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from shapely.geometry import LineString, MultiPoint

from checkers.record import DrawnMark, DrawnPath

Point = tuple[float, float]

MARKER_KINDS = ("arrow", "open_arrow", "dot", "circle", "diamond", "bar", "other", "none")
ARROWHEADS = frozenset(("arrow", "open_arrow"))
DOTS = frozenset(("dot", "circle"))
LIGHT = 235  # a fill this light in every channel reads as no fill on a light page


def outward(points: Sequence[Point], which: int, reach_px: float = 3.0) -> Point:
    """Unit vector out of the polyline ``points`` at end ``which`` (0 or -1)."""
    pts = list(points) if which == -1 else list(points)[::-1]
    tip = pts[-1]
    back = next((p for p in reversed(pts[:-1]) if math.dist(p, tip) >= reach_px), pts[0])
    dx, dy = tip[0] - back[0], tip[1] - back[1]
    n = math.hypot(dx, dy) or 1.0
    return dx / n, dy / n


def end_kind(path: DrawnPath, which: int, limit_px: float) -> str:
    """Kind of the marks ``path``'s marker drew at end ``which``."""
    return end_mark(path, which, limit_px)[0]


def end_mark(path: DrawnPath, which: int, limit_px: float) -> tuple[str, Point]:
    """Kind of the marks at end ``which`` and where they put the end as seen: an
    arrowhead's tip (its farthest point out of the line), a round mark's centre,
    else the end vertex."""
    end = path.points[0] if which == 0 else path.points[-1]
    visible = _visible_marks(path, which, limit_px)
    if not visible:
        return "none", end
    filled = any(m.filled is not None and not _light(m.filled) for m in visible)
    pts = [p for m in visible for p in m.points]
    out = outward(path.points, which)
    kind = shape_kind_at(pts, filled, out)
    if kind in ARROWHEADS or kind == "diamond":
        tip = max(pts, key=lambda p: (p[0] - end[0]) * out[0] + (p[1] - end[1]) * out[1])
        along = (tip[0] - end[0]) * out[0] + (tip[1] - end[1]) * out[1]
        return kind, (end[0] + out[0] * along, end[1] + out[1] * along) if along > 0 else end
    if kind in DOTS:
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return kind, ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    return kind, end


def _visible_marks(path: DrawnPath, which: int, limit_px: float) -> list[DrawnMark]:
    end, other = (path.points[0], path.points[-1]) if which == 0 else (path.points[-1], path.points[0])
    mine: list[DrawnMark] = []
    for mark in path.marks:  # a mark touches (or surrounds) the vertex it is drawn at
        d = min(math.dist(p, end) for p in mark.points)
        if d <= limit_px and d <= min(math.dist(p, other) for p in mark.points):
            mine.append(mark)
    return [m for m in mine if m.stroked or (m.filled is not None and not _light(m.filled))]


def _light(colour: str) -> bool:
    return all(int(colour[i:i + 2], 16) >= LIGHT for i in (1, 3, 5))


def shape_kind_at(points: Sequence[Point], filled: bool, out: Point) -> str:
    """Kind of the mark drawn by ``points`` at a line end whose outward direction is
    ``out``.  A mark the renderer turned away from its line (some curved paths) is
    still an arrowhead when it narrows along one of its own axes."""
    kind = _kind_in_frame(points, filled, out)
    if kind in ("diamond", "other"):
        for axis in _own_axes(points):
            if _kind_in_frame(points, filled, axis) in ARROWHEADS:
                return "arrow" if filled else "open_arrow"
    return kind


def _own_axes(points: Sequence[Point]) -> list[Point]:
    """The four directions along the sides of the mark's smallest rotated rectangle."""
    rect = MultiPoint(list(points)).minimum_rotated_rectangle
    if rect.geom_type != "Polygon":
        return []
    (x0, y0), (x1, y1), (x2, y2) = list(rect.exterior.coords)[:3]
    out = []
    for dx, dy in ((x1 - x0, y1 - y0), (x2 - x1, y2 - y1)):
        n = math.hypot(dx, dy)
        if n > 0:
            out += [(dx / n, dy / n), (-dx / n, -dy / n)]
    return out


def _kind_in_frame(points: Sequence[Point], filled: bool, out: Point) -> str:
    ux, uy = out
    uv = [(x * ux + y * uy, -x * uy + y * ux) for x, y in points]
    hull = MultiPoint(uv).convex_hull
    us, vs = [p[0] for p in uv], [p[1] for p in uv]
    along, across = max(us) - min(us), max(vs) - min(vs)
    if across < 1.0 and along < 1.0:
        return "none"
    if along < 0.35 * across:
        return "bar"
    if hull.geom_type != "Polygon":
        return "other"

    def width(f: float) -> float:
        u = min(us) + f * along
        cut = hull.intersection(LineString([(u, min(vs) - 1), (u, max(vs) + 1)]))
        return cut.length

    back, mid, front = width(0.2), width(0.5), width(0.8)
    top = max(back, mid, front, 1e-6)
    corners = len(hull.simplify(0.04 * max(along, across)).exterior.coords) - 1
    if corners >= 6 and 0.6 <= along / max(across, 1e-6) <= 1.6 and min(back, front) >= 0.6 * top:
        return "dot" if filled else "circle"
    if front <= 0.6 * back:
        return "arrow" if filled else "open_arrow"
    if mid >= 1.3 * max(back, front):
        return "diamond"
    return "other"
