"""Connector elements: pieces of line become scene connectors glued to shapes.

Points run from tail to head (a lone head is always the end).  Each end is
snapped to the outline of the shape it touches: the end segment is extended
(or pulled back) along its own direction to meet the outline within
``SNAP_PX``; the shape's id becomes the connector's source or target.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
from shapely.affinity import scale
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry import box as sbox
from shapely.geometry.base import BaseGeometry

from crafteditor.model.scene import Box, ConnectorContent, Element, Kind, Provenance, Style, new_id, to_hex
from extraction.connectors import MIN_LENGTH_PX, SNAP_PX, Piece
from extraction.marks import dot_at
from extraction.pixels import INK_DIFF

XY = tuple[float, float]


def outline(el: Element) -> BaseGeometry:
    """The shape's drawn outline (stroke centre line) as a shapely boundary."""
    shape = el.shape
    b = el.box
    if shape is not None and shape.kind in ("ellipse", "circle"):
        cx, cy = b.center
        return scale(Point(cx, cy).buffer(1.0, 64), b.width / 2, b.height / 2).exterior
    if shape is not None and shape.points and len(shape.points) >= 3:
        return Polygon(shape.points).exterior
    if shape is not None and shape.kind == "rounded_rect" and shape.radius_px > 0:
        r = min(shape.radius_px, b.width / 2 - 0.01, b.height / 2 - 0.01)
        return sbox(b.x0 + r, b.y0 + r, b.x1 - r, b.y1 - r).buffer(r, 8).exterior
    return sbox(*b.xyxy).exterior


def _clear_gap(end: XY, target: XY, canvas: np.ndarray | None, ground: np.ndarray | None) -> bool:
    """Is there page (no ink) between ``end`` and ``target`` (short of the outline)?
    Then the drawing leaves that gap, and the end stays where it is."""
    if canvas is None or ground is None:
        return False
    d = math.dist(end, target)
    if d < 6.0:
        return False
    h, w = canvas.shape[:2]
    for t in np.arange(1.0, d - 4.0, 1.0):  # short of the outline's own ink
        x = int(round(end[0] + (target[0] - end[0]) * t / d))
        y = int(round(end[1] + (target[1] - end[1]) * t / d))
        if not (0 <= x < w and 0 <= y < h):
            return False
        if np.abs(canvas[y, x].astype(np.int16) - ground[y, x].astype(np.int16)).max() > INK_DIFF:
            return False
    return True


def _snap(end: XY, inward: XY, shapes: list[tuple[Element, BaseGeometry]],
          canvas: np.ndarray | None = None, ground: np.ndarray | None = None,
          reach_px: float = SNAP_PX) -> tuple[XY, str | None]:
    """Move ``end`` along the line onto the nearest outline within ``reach_px``;
    ``inward`` is the unit direction the line travels at this end, pointing out of
    the line (of two outlines, one behind the end counts double).  An end that
    stops short of the outline with page showing in between keeps its place (the
    connection is still recorded).  A dashed line reaches
    farther (``reach_px`` beyond ``SNAP_PX``): its last gap is its pattern, and the
    dash lying on an outline it crosses is lost, so of two outlines within reach, one
    holding the other (a container around the shape the line leaves), the inner one
    is where it ends."""
    found: list[tuple[float, XY, Element, BaseGeometry]] = []
    ray = LineString([(end[0] - inward[0] * SNAP_PX, end[1] - inward[1] * SNAP_PX),
                      (end[0] + inward[0] * reach_px, end[1] + inward[1] * reach_px)])
    p = Point(end)
    for el, line in shapes:
        if line.distance(p) > reach_px:
            continue
        hit = ray.intersection(line)
        candidates = [g for g in getattr(hit, "geoms", [hit]) if not g.is_empty and g.geom_type == "Point"]
        if candidates:
            q = min(candidates, key=lambda g: g.distance(p))
            target = (q.x, q.y)
        else:  # the nearest point, off the line's own direction: only within the plain reach
            q = line.interpolate(line.project(p))
            target = (q.x, q.y)
        d = math.dist(target, end)
        if d <= (reach_px if candidates else SNAP_PX):
            found.append((d, target, el, line))
    dashed = reach_px > SNAP_PX
    if dashed:
        found = [f for f in found if not any(g is not f and f[2].box.contains(g[2].box, 1.0) for g in found)] or found
    if not found:
        return end, None
    # An outline behind the end is one the line may cross (pulled back onto it, the
    # line would lose its last stretch): it counts double against one ahead.
    _d, target, el, _line = min(found, key=lambda f: f[0] * (
        2.0 if (f[1][0] - end[0]) * inward[0] + (f[1][1] - end[1]) * inward[1] < -1.0 else 1.0))
    if not dashed and _clear_gap(end, target, canvas, ground):
        return end, el.id
    return target, el.id


def _short_arrow(piece: Piece, outlines: list[tuple[Element, BaseGeometry]]) -> Piece | None:
    """A lone head that is a whole short arrow (a stub of line and its head, as
    between stacked boxes): along its long axis the profile rises sharply at the
    head's base and slowly from its tip.  Kept only when both ends touch outlines."""
    pts = piece.head_px
    assert pts is not None
    centre = pts.mean(axis=0)
    _, vecs = np.linalg.eigh(np.cov((pts - centre).T))
    # Along its long axis, or across it: a head with little stub is wider than long.
    for ux, uy in (vecs[:, -1], vecs[:, 0]):
        found = _short_arrow_along(piece, outlines, centre, float(ux), float(uy))
        if found is not None:
            return found
    return None


def _short_arrow_along(piece: Piece, outlines: list[tuple[Element, BaseGeometry]], centre: np.ndarray,
                       ux: float, uy: float) -> Piece | None:
    """``_short_arrow`` read along the unit axis (``ux``, ``uy``) through ``centre``."""
    pts = piece.head_px
    u = (pts - centre) @ np.array([ux, uy])
    counts = np.bincount(np.floor(u - u.min()).astype(int)).astype(float)
    if len(counts) < 8:
        return None

    def rise(c: np.ndarray) -> int:
        first = int(np.argmax(c >= 0.3 * c.max()))
        return int(np.argmax(c >= 0.8 * c.max())) - first

    forward, backward = rise(counts), rise(counts[::-1])
    if abs(forward - backward) < 2:
        return None
    sign = 1.0 if backward > forward else -1.0  # the tip is where the profile rises slowly
    tip = (float(centre[0] + ux * sign * (u.max() if sign > 0 else -u.min())),
           float(centre[1] + uy * sign * (u.max() if sign > 0 else -u.min())))
    tail = (float(centre[0] - ux * sign * (-u.min() if sign > 0 else u.max())),
            float(centre[1] - uy * sign * (-u.min() if sign > 0 else u.max())))
    if not all(min((line.distance(Point(p)) for _el, line in outlines), default=99.0) <= 6.0 for p in (tail, tip)):
        return None
    width = float(counts.max())
    length = float(max(forward, backward)) / 0.5 + 1.0
    line_px = float(np.median(counts[counts > 0][:3] if sign > 0 else counts[counts > 0][-3:]))
    return Piece([tail, tip], max(line_px, 1.0), piece.colour, {-1: (tip, min(length, len(counts)), width)})


MIN_STUB_PX = 5.0  # a shorter piece is no connector, even between two outlines


def _bridges(piece: Piece, snapped: list[XY], ends: list[str | None]) -> bool:
    """Does a short ``piece`` join two shapes' outlines along its own direction (a
    connector between stacked or adjacent boxes, most of it under their outlines)?"""
    if ends[0] is None or ends[1] is None or ends[0] == ends[1]:
        return False
    (ax, ay), (bx, by) = piece.points[0], piece.points[-1]
    (sx, sy), (tx, ty) = snapped[0], snapped[-1]
    own, chord = math.hypot(bx - ax, by - ay), math.hypot(tx - sx, ty - sy)
    if own == 0 or chord < own:
        return False
    return abs((bx - ax) * (tx - sx) + (by - ay) * (ty - sy)) / (own * chord) >= 0.95


def _orthogonal(points: list[XY], tolerance_px: float = 3.0) -> list[XY] | None:
    """The points with every segment made exactly horizontal or vertical, if each
    already nearly is; None otherwise."""
    if not all(abs(a[0] - b[0]) <= tolerance_px or abs(a[1] - b[1]) <= tolerance_px
               for a, b in zip(points, points[1:])):
        return None
    # Each segment's shared coordinate is the mean of its two ends; corners take
    # one from each of their segments.
    out = [list(p) for p in points]
    for a, b in zip(out, out[1:]):
        axis = 0 if abs(a[0] - b[0]) <= abs(a[1] - b[1]) else 1  # 0: vertical (shared x)
        mean = (a[axis] + b[axis]) / 2
        a[axis] = b[axis] = mean
    return [(p[0], p[1]) for p in out]


def _routing(points: list[XY]) -> str:
    if len(points) == 2:
        return "straight"
    if _orthogonal(points) is not None:
        return "orthogonal"
    if len(points) >= 5:
        turns = []
        for a, b, c in zip(points, points[1:], points[2:]):
            t1 = math.atan2(b[1] - a[1], b[0] - a[0])
            t2 = math.atan2(c[1] - b[1], c[0] - b[0])
            turns.append(abs((t2 - t1 + math.pi) % (2 * math.pi) - math.pi))
        if max(turns) < math.radians(50):
            return "curve"
    return "polyline"


def connector_elements(pieces: list[Piece], shapes: list[Element], first_index: int = 1,
                       canvas: np.ndarray | None = None, ground: np.ndarray | None = None) -> list[Element]:
    """Scene connectors for line ``pieces``, glued to ``shapes``; ``canvas`` and
    ``ground`` (HWC uint8) tell a real gap before an outline from a cut-off end."""
    outlines = [(el, outline(el)) for el in shapes if el.kind == Kind.SHAPE]
    out: list[Element] = []
    for piece in pieces:
        if piece.head_only:
            piece = _short_arrow(piece, outlines)
            if piece is None:
                continue
        short = piece.length < MIN_LENGTH_PX and not piece.heads
        if short and piece.length < MIN_STUB_PX:
            continue
        points = list(piece.points)
        heads = dict(piece.heads)
        marks = {e: piece.marks.get(e, "arrow") for e in heads}
        if 0 in heads and -1 not in heads:  # a lone head is the end
            points.reverse()
            heads, marks = {-1: heads[0]}, {-1: marks[0]}
        head_start, head_end = 0 in heads, -1 in heads
        if head_end:
            points[-1] = heads[-1][0]
        if head_start:
            points[0] = heads[0][0]
        if len(points) < 2 or math.dist(points[0], points[-1]) < 3 and len(points) == 2:
            continue
        points = _orthogonal(points) or points  # a straight line nearly level or upright is made exact too
        ends = []
        # A dashed line may end on a gap of its pattern: it reaches one period farther.
        reach = SNAP_PX + (float(np.median(piece.runs) + np.median(piece.gaps)) if piece.dashed and piece.gaps else 0.0)
        for which in (0, -1):
            tmp = Piece(points, piece.width_px, piece.colour)
            snapped, shape_id = _snap(points[which], tmp.direction(which), outlines, canvas, ground, reach_px=reach)
            points[which] = snapped
            ends.append(shape_id)
            if which not in heads and canvas is not None and ground is not None:
                dot = dot_at(canvas, ground, snapped, tmp.direction(which), piece.colour, piece.width_px)
                if dot is not None:
                    marks[which], points[which] = dot[0], dot[1]
                    heads[which] = (dot[1], dot[2], dot[2])
        if short and not _bridges(piece, points, ends):
            continue
        if 0 in heads and -1 not in heads:  # a lone mark is the end
            points.reverse()
            heads, marks = {-1: heads[0]}, {-1: marks[0]}
            ends.reverse()
        head_start, head_end = 0 in heads, -1 in heads
        round_marks = [h[1] for e, h in heads.items() if marks.get(e) in ("dot", "circle")]
        sizes = [h for e, h in heads.items() if marks.get(e) not in ("dot", "circle")] or list(heads.values())
        length = statistics.median(h[1] for h in sizes) if sizes else 0.0
        width = statistics.median(h[2] for h in sizes) if sizes else 0.0
        dash: tuple[float, ...] = ()
        if piece.dashed and piece.gaps:
            # A centre line stops half a stroke short of each end of its dash.
            on = statistics.median(piece.runs) + piece.width_px - 0.5 if piece.runs else 0.0
            off = statistics.median(piece.gaps) - piece.width_px + 0.5
            dash = (round(max(on, 1.0), 1), round(max(off, 1.0), 1))
        stroke = round(max(1.0, piece.width_px - 0.6), 1)  # the skeleton width counts anti-aliasing
        style = Style(fill=None, stroke=to_hex(piece.colour), stroke_width_px=stroke, dash_px=dash)
        content = ConnectorContent(
            points=tuple((round(x, 2), round(y, 2)) for x, y in points),
            routing=_routing(points),
            head_start=head_start,
            head_end=head_end,
            head_length_px=round(length, 2),
            head_width_px=round(width, 2),
            source_id=ends[0],
            target_id=ends[1],
            start_mark=marks.get(0, "arrow"),
            end_mark=marks.get(-1, "arrow"),
            dot_px=round(statistics.median(round_marks), 2) if round_marks else 0.0,
        )
        kind = "arrow" if head_end or head_start else "line"
        el = Element(
            id=new_id(Kind.CONNECTOR, first_index + len(out)),
            kind=Kind.CONNECTOR,
            box=Box.from_points(points),
            style=style,
            provenance=Provenance("opencv-skeleton", confidence=1.0),
            label=f"{'dashed ' if dash else ''}{kind}" + (f" {ends[0] or '?'} -> {ends[1] or '?'}" if any(ends) else ""),
            connector=content,
            reason=f"thin ink {piece.width_px:.1f} px wide, {content.routing}",
        )
        out.append(el)
    return out
