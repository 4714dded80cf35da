"""Connectors: thin ink left after shapes are explained becomes lines and arrows.

Each thin piece of ink is thinned to its centre line (``skimage`` skeleton)
and walked end to end; arrowheads are the blobs a morphological opening
wider than the line leaves behind, measured along the line.  ``chains``
joins dashes and cut lines; ``links`` glues the result to shapes.  Geometry
is in page pixels.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from extraction.junctions import leaf_pairs, skeleton_graph, skeleton_tree, walk
from extraction.marks import mark_kind, round_size
from extraction.regions import fill_holes

MAX_LINE_PX = 7.0  # a connector's stroke (anti-aliasing included) is at most this wide
SNAP_PX = 12.0
MIN_LENGTH_PX = 14.0

Point = tuple[float, float]


@dataclass
class Piece:
    """A centre line (page px) with the arrowheads found at its ends."""

    points: list[Point]
    width_px: float
    colour: tuple[int, int, int]
    heads: dict[int, tuple[Point, float, float]] = field(default_factory=dict)  # end (0/-1) -> tip, length, width
    dashed: bool = False
    runs: list[float] = field(default_factory=list)  # dash lengths, when chained
    gaps: list[float] = field(default_factory=list)
    head_px: np.ndarray | None = None  # (N, 2) page xy of a head with (almost) no line
    extra_px: np.ndarray | None = None  # (N, 2) page xy of ink on the line that is not drawn by it
    marks: dict[int, str] = field(default_factory=dict)  # end -> mark kind (marks.mark_kind); arrow if absent

    @property
    def head_only(self) -> bool:
        return self.head_px is not None

    def end(self, which: int) -> Point:
        return self.points[0] if which == 0 else self.points[-1]

    def direction(self, which: int, reach: float = 8.0) -> tuple[float, float]:
        """Unit vector pointing out of the line at end ``which``."""
        pts = self.points if which == -1 else self.points[::-1]
        tip = pts[-1]
        for p in reversed(pts[:-1]):
            if math.dist(p, tip) >= reach:
                break
        else:
            p = pts[0]
        dx, dy = tip[0] - p[0], tip[1] - p[1]
        n = math.hypot(dx, dy) or 1.0
        return dx / n, dy / n

    @property
    def length(self) -> float:
        return sum(math.dist(a, b) for a, b in zip(self.points, self.points[1:]))


def _skeleton_path(mask: np.ndarray, graph: tuple[list[tuple[int, int]], list[list[int]]] | None = None
                   ) -> list[tuple[int, int]]:
    """The longest end-to-end walk along the skeleton of ``mask`` as (x, y) pixels;
    ``graph`` is its ``skeleton_graph`` when already at hand."""
    xy, nbrs = graph if graph is not None else skeleton_graph(mask)
    if len(xy) < 2:
        return list(xy)
    ends = [i for i in range(len(xy)) if len(nbrs[i]) == 1] or [0]

    def farthest(start: int) -> tuple[int, list[int]]:
        prev, order = walk(nbrs, start)
        last = order[-1]
        path = []
        while last != -1:
            path.append(last)
            last = prev[last]
        return path[0], path

    a, _ = farthest(ends[0])
    _, path = farthest(a)
    return [xy[i] for i in path]


def simplify_path(path: list[tuple[int, int]], epsilon: float = 1.5, hook_px: float = 5.0) -> list[Point]:
    """Fewer points within ``epsilon``; a last short bend at either end (where a
    thinned line curls into what it touches) is dropped."""
    if len(path) < 3:
        return [(float(x), float(y)) for x, y in path]
    approx = cv2.approxPolyDP(np.array(path, np.float32).reshape(-1, 1, 2), epsilon, False).reshape(-1, 2)
    pts = [(float(x), float(y)) for x, y in approx]
    if len(pts) > 2 and math.dist(pts[0], pts[1]) < hook_px:
        pts.pop(0)
    if len(pts) > 2 and math.dist(pts[-1], pts[-2]) < hook_px:
        pts.pop()
    return pts


def _ink_colour(crop_rgb: np.ndarray, mask: np.ndarray, heads: list[np.ndarray], ground_rgb: np.ndarray
                ) -> tuple[int, int, int]:
    """The line's colour: an arrowhead's solid core when there is one, else the
    strongest tenth of the line's pixels (a thin line has no pixel of full ink)."""
    core = np.zeros_like(mask)
    for head in heads:
        core |= cv2.erode(np.pad(head, 1).astype(np.uint8), np.ones((3, 3), np.uint8))[1:-1, 1:-1] > 0
    pixels = crop_rgb[core] if core.sum() >= 3 else crop_rgb[mask]
    far = np.abs(pixels.astype(np.float32) - ground_rgb).max(axis=1)
    return tuple(int(v) for v in np.median(pixels[far >= np.percentile(far, 90)], axis=0))  # type: ignore[return-value]


def _blurred(mask: np.ndarray, core: np.ndarray) -> bool:
    """Is the ink's faint band at least two pixels wider than its dark core?"""
    def widest(m: np.ndarray) -> float:
        dist = cv2.distanceTransform(np.pad(m, 1).astype(np.uint8), cv2.DIST_L2, 3)[1:-1, 1:-1]
        return 2.0 * float(dist.max(initial=0.0)) if m.any() else 0.0

    return float(mask.sum()) / max(float(core.sum()), 1.0) >= 1.8 and widest(mask) - widest(core) >= 2.0


def _widened_ends(mask: np.ndarray, path: list[tuple[int, int]], on_line: np.ndarray, width: float
                  ) -> list[np.ndarray]:
    """Heads too small for the opening: where the line, near one of its ends,
    grows clearly wider than its own median width.  ``on_line`` is the distance
    to the edge at each ``path`` pixel.  Width is read twice: as that distance,
    and as the ink's span across the line, for a small triangle's inscribed
    circle (what the distance measures) is under a third of its base: a head
    twice as wide as its line shows hardly wider by distance alone."""
    out = []
    reach = int(min(len(path) // 3, 4 * width + 8))
    if reach < 3:
        return out
    middle = range(reach, len(path) - reach, max(1, (len(path) - 2 * reach) // 40))
    line_span = float(np.median([_span(mask, path[i], _normal(path[max(i - 3, 0)], path[i + 3]))
                                 for i in middle])) if len(middle) else 0.0
    n = len(path)
    for at in (list(range(reach)), list(range(n - 1, n - 1 - reach, -1))):
        # Across the end's own run (the skeleton may curl into a head's corner).
        normal = _normal(path[at[-1]], path[at[0]])
        local = 2.0 * on_line[at]
        spans = np.array([_span(mask, path[i], normal) for i in at], dtype=float)
        wide = local >= 1.3 * width if local.max() >= max(1.5 * width, width + 1.8) else np.zeros(len(at), bool)
        by_span = spans >= max(1.8 * line_span, line_span + 2.5) if line_span else np.zeros(len(at), bool)
        if by_span.sum() >= 2:
            wide |= by_span
        if not wide.any():
            continue
        head = np.zeros(mask.shape, np.uint8)
        for i, r, span, keep in zip(at, local, spans, wide):
            if keep:
                cv2.circle(head, path[i], int(math.ceil(max(r, span) / 2 + 1.5)), 1, -1)
        out.append((head > 0) & mask)
    return out


def _normal(a: tuple[int, int], b: tuple[int, int]) -> tuple[float, float]:
    """Unit normal of the direction from ``a`` to ``b``."""
    d = math.hypot(b[0] - a[0], b[1] - a[1]) or 1.0
    return -(b[1] - a[1]) / d, (b[0] - a[0]) / d


def _span(mask: np.ndarray, xy: tuple[int, int], normal: tuple[float, float], limit_px: int = 24) -> int:
    """The run of ``mask`` (px) through pixel ``xy`` along ``normal``."""
    h, w = mask.shape
    x, y = xy
    span = 1
    for sign in (1, -1):
        for t in range(1, limit_px):
            px, py = int(round(x + sign * normal[0] * t)), int(round(y + sign * normal[1] * t))
            if not (0 <= px < w and 0 <= py < h and mask[py, px]):
                break
            span += 1
    return span


EndMark = Callable[[Point, Point, tuple[int, int, int], float], object]


def pieces_from_component(mask: np.ndarray, crop_rgb: np.ndarray, offset_xy: tuple[int, int],
                          ground_rgb: np.ndarray, end_mark: EndMark | None = None) -> list[Piece] | None:
    """Centre line and heads of one thin ink component (``mask`` HW bool over a crop);
    None when the ink is not thin enough to be a line.  ``end_mark(end, out, colour,
    width)`` (page px; ``out`` the unit direction out of the line) tells whether a
    free end of a branching line carries a mark the residual ink does not show
    whole (a dot centred on an outline), so that end takes a head, not a tail."""
    ox, oy = offset_xy
    h, w = mask.shape
    if 4 <= min(h, w) and max(h, w) <= 24 and 0.35 * h * w <= mask.sum() <= 0.8 * h * w:
        # A small solid blob, not a bar: an arrowhead on its own (its line ends short of it).
        ys, xs = np.nonzero(mask)
        pts = np.stack([xs + ox, ys + oy], axis=1).astype(np.float64)
        centre = (float(pts[:, 0].mean()), float(pts[:, 1].mean()))
        colour = tuple(int(v) for v in np.median(crop_rgb[mask], axis=0))
        return [Piece([centre, centre], 2.0, colour, head_px=pts)]  # type: ignore[arg-type]
    # Blur spreads a thin line over a wide faint band: its width and its head are
    # read on the core, the half that is at least half as dark as the darkest.
    # (Only when blurred: on a crisp line the core is a pixel narrower, no more.)
    far = np.abs(crop_rgb[mask].astype(np.float32) - np.asarray(ground_rgb, np.float32)).max(axis=1)  # on the ink only
    core = np.zeros_like(mask)
    core[mask] = far >= 0.5 * float(np.percentile(far, 95))
    shape_mask = core if core.sum() >= 0.3 * mask.sum() and _blurred(mask, core) else mask
    dist = cv2.distanceTransform(np.pad(shape_mask, 1).astype(np.uint8), cv2.DIST_L2, 3)[1:-1, 1:-1]
    path = _skeleton_path(shape_mask)
    if len(path) < 3:
        return None
    on_line = np.array([dist[y, x] for x, y in path])
    width = 2.0 * float(np.median(on_line))
    if width > MAX_LINE_PX:
        return None
    k = max(3, int(math.ceil(width + 2.5)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    pad = k + 1  # morphology treats the outside of the crop as ink: pad it with none
    blobs = cv2.morphologyEx(np.pad(shape_mask, pad).astype(np.uint8), cv2.MORPH_OPEN, kernel)[pad:-pad, pad:-pad]
    n, labels, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    # Each head whole again: the opening rounded its tip off.
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k + 2, k + 2))
    heads = [(cv2.dilate((labels == i).astype(np.uint8), grow) > 0) & mask
             for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= 6]
    if not heads:  # small or blurred heads: a widening at an end of the line
        heads = _widened_ends(shape_mask, path, on_line, width)
    solid = [True] * len(heads)
    colour = _ink_colour(crop_rgb, mask, heads, ground_rgb)
    for ring in _hollow_marks(mask, width):
        # An outlined mark is drawn in the line's colour (a line across a glyph's bowl is none).
        ring_rgb = np.median(crop_rgb[ring & mask].astype(np.float32), axis=0) if (ring & mask).any() else None
        if ring_rgb is None or np.abs(ring_rgb - np.asarray(colour, np.float32)).max() > 60:
            continue
        if not any((ring & h).sum() > 0.5 * ring.sum() for h in heads):
            heads.append(ring)
            solid.append(False)
    line = mask.copy()
    for head in heads:
        line &= ~(cv2.dilate(head.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    graph = skeleton_graph(line) if line.sum() >= 3 else None  # once, for the tree and the plain walk
    tree = skeleton_tree(line, spur_px=max(8.0, 2.0 * width + 4.0), graph=graph) if graph is not None else None
    if tree is not None and 3 <= len(tree.leaves) <= MAX_BRANCHES:
        tree = _same_colour_leaves(tree, crop_rgb, colour)
    if tree is not None and 3 <= len(tree.leaves) <= MAX_BRANCHES:
        marked = _marked_leaves(tree, end_mark, offset_xy, colour, width) if end_mark is not None else set()
        routes = _branch_routes(tree, heads, k, marked)
        if routes:
            return [_finish(Piece([(x + ox, y + oy) for x, y in simplify_path(r)], width, colour),  # type: ignore[arg-type]
                            r, mask, heads, solid, width, offset_xy, only_ends=ends)
                    for r, ends in routes]
    line_path = _skeleton_path(line, graph) if graph is not None else []
    if len(line_path) < 2:
        line_path = path
    points = [(x + ox, y + oy) for x, y in simplify_path(line_path)]
    piece = Piece(points, width, colour)  # type: ignore[arg-type]
    if len(heads) == 1 and line.sum() < 2 * width * width + 4:
        ys, xs = np.nonzero(mask)
        piece.head_px = np.stack([xs + ox, ys + oy], axis=1).astype(np.float64)
        return [piece]
    return [_finish(piece, line_path, mask, heads, solid, width, offset_xy)]


MAX_BRANCHES = 6  # more free ends than this is no connector tree (a glyph, a hatching)


def _same_colour_leaves(tree, crop_rgb: np.ndarray, colour: tuple[int, int, int], reach_px: int = 10):
    """``tree`` with only the leaves whose branch is drawn in the line's own colour
    (a box edge or another line crossing it is no branch of this connector)."""
    keep = []
    for leaf in tree.leaves:
        other = next(o for o in tree.leaves if o != leaf)
        route = tree.route(leaf, other)[:reach_px]
        if not route:
            continue
        seen = np.median(np.array([crop_rgb[y, x] for x, y in route], np.float32), axis=0)
        if np.abs(seen - np.asarray(colour, np.float32)).max() <= 60:
            keep.append(leaf)
    return dataclasses.replace(tree, leaves=keep)


def _marked_leaves(tree, end_mark: EndMark, offset_xy: tuple[int, int], colour: tuple[int, int, int],
                   width: float) -> set[int]:
    """The leaves of ``tree`` at which ``end_mark`` finds a mark."""
    ox, oy = offset_xy
    out = set()
    other = {leaf: next(o for o in tree.leaves if o != leaf) for leaf in tree.leaves}
    for leaf in tree.leaves:
        route = tree.route(leaf, other[leaf])
        if len(route) < 3:
            continue
        (x0, y0), (x1, y1) = route[0], route[min(8, len(route) - 1)]
        n = math.hypot(x0 - x1, y0 - y1) or 1.0
        if end_mark((x0 + ox, y0 + oy), ((x0 - x1) / n, (y0 - y1) / n), colour, width) is not None:
            out.add(leaf)
    return out


def _branch_routes(tree, heads: list[np.ndarray], k: int, marked: set[int] = frozenset()
                   ) -> list[tuple[list[tuple[int, int]], set[int]]]:
    """Routes (crop pixels, tail first) through a branching line, each with the
    ends (0 / -1) at which it may take a head: one per tail and head pair when
    there are heads (or ``marked`` leaves), else the longest line and each branch
    hung on it."""
    head_leaves: set[int] = set(marked)
    for head in heads:
        ys, xs = np.nonzero(head)
        pts = np.stack([xs, ys], axis=1)
        best = min(tree.leaves, key=lambda i: float(np.min(np.hypot(*(pts - tree.xy[i]).T))))
        if float(np.min(np.hypot(*(pts - tree.xy[best]).T))) <= k + 3:
            head_leaves.add(best)
    pairs = leaf_pairs(tree, head_leaves)
    if pairs:
        both = {0, -1} if all(leaf in head_leaves for leaf in tree.leaves) else {-1}
        return [(r, both) for r in (tree.route(t, h) for t, h in pairs) if len(r) >= 2]
    a, b = max(((a, b) for i, a in enumerate(tree.leaves) for b in tree.leaves[i + 1:]),
               key=lambda ab: len(tree.route(*ab)))
    main = tree.route(a, b)
    out = [(main, {0, -1})]
    index = {p: i for i, p in enumerate(tree.xy)}
    on_main = {index[p] for p in main}
    for leaf in tree.leaves:
        if leaf not in (a, b):
            branch = tree.route_to(leaf, on_main)[::-1]  # from the junction out
            if len(branch) >= 2:
                out.append((branch, {-1}))
    return out


def _hollow_marks(mask: np.ndarray, width: float) -> list[np.ndarray]:
    """Outlined marks (a circle, an open triangle or diamond): small holes in the
    ink, each with the ring around it."""
    filled = fill_holes(mask)
    holes = filled & ~mask
    n, labels, stats, _ = cv2.connectedComponentsWithStats(holes.astype(np.uint8), connectivity=4)
    out = []
    limit = max(14.0, 8.0 * width)
    ring = int(math.ceil(width)) * 2 + 3
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ring, ring))
    for i in range(1, n):
        if stats[i, cv2.CC_STAT_AREA] >= 2 and max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]) <= limit:
            out.append((cv2.dilate((labels == i).astype(np.uint8), kernel) > 0) & filled)
    return out


def _finish(piece: Piece, line_path: list[tuple[int, int]], mask: np.ndarray, heads: list[np.ndarray],
            solid: list[bool], width: float, offset_xy: tuple[int, int], only_ends: set[int] | None = None) -> Piece:
    """Measure the heads at ``piece``'s ends (only those in ``only_ends`` when given)
    and record the ink on the line that it does not draw."""
    ox, oy = offset_xy
    drawn = np.zeros(mask.shape, np.uint8)
    line_px = np.round(np.array(simplify_path(line_path))).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(drawn, [line_px], False, 1, thickness=int(math.ceil(width)) + 2)
    for head, full in zip(heads, solid):
        ys, xs = np.nonzero(head)
        pts = np.stack([xs + ox, ys + oy], axis=1).astype(np.float64)
        near = [float(np.min(np.hypot(*(pts - np.asarray(piece.end(e))).T))) for e in (0, -1)]
        which = 0 if near[0] <= near[1] else -1
        if min(near) > 2.0 * width + 8 or (only_ends is not None and which not in only_ends):
            continue
        found = _mark(piece, which, pts, full)
        if found is not None:
            piece.heads[which], piece.marks[which] = found
            drawn[head] = 1
    extra = mask & (drawn == 0)
    if extra.sum() >= 12:  # ink on the line that is no part of it (a tee, a mark): traced instead
        ys, xs = np.nonzero(extra)
        piece.extra_px = np.stack([xs + ox, ys + oy], axis=1)
    return piece


def _mark(piece: Piece, which: int, pts: np.ndarray, solid: bool
          ) -> tuple[tuple[Point, float, float], str] | None:
    """The head at end ``which`` made of ``pts`` and its kind; a round mark's tip is
    its centre, an arrowhead's or diamond's its far point."""
    kind = mark_kind(pts, piece.direction(which), solid, piece.width_px)
    if kind in ("dot", "circle"):
        size = round_size(pts)
        if size < 1.8 * piece.width_px:
            return None
        centre = (float(pts[:, 0].mean()), float(pts[:, 1].mean()))
        return (centre, size, size), kind
    if kind == "bar":
        return None
    found = _head(piece, which, pts)
    if found is None and not solid:
        return None
    return (found, kind) if found is not None else None


def _head(piece: Piece, which: int, pts: np.ndarray) -> tuple[Point, float, float] | None:
    """Tip, length and width of the arrowhead made of ``pts`` at end ``which``, measured
    along the line's own direction; None for a blob that is no arrowhead (a bar, a tee)."""
    attach = piece.end(which)
    ux, uy = piece.direction(which)
    rel = pts - np.asarray(attach)
    along = rel[:, 0] * ux + rel[:, 1] * uy
    across = np.abs(rel[:, 0] * -uy + rel[:, 1] * ux)
    # The tip is where the head's profile, narrowing from its base, runs out: an
    # outline the tip touches must not lengthen it.
    start = min(float(along.min()), 0.0)
    bins = np.floor(along - start).astype(int)
    counts = np.bincount(bins)
    base = int(np.argmax(counts))
    after = np.nonzero(counts[base:] <= max(1, 0.15 * counts[base]))[0]
    reach = float(base + after[0]) + start if len(after) else float(along.max())
    keep = along <= reach + 0.5
    rel, along, across = rel[keep], along[keep], across[keep]
    length = reach - start + 1.0
    # Ink the head touches (an outline) must not widen it: the bulk of its pixels.
    width = 2.0 * float(np.percentile(across, 97)) + 1.0 if len(across) else 0.0
    # Against the size limit the head counts from where it grows wider than the
    # line: a stub of line left between the traced end and its base is none of it.
    wider = counts > piece.width_px + 1.5
    own = reach - start - min(int(np.argmax(wider)) if wider.any() else 0, base) + 1.0
    limit = 12.0 * max(piece.width_px, 1.5)
    if width > limit or own > limit:
        return None
    fill = len(rel) / max(length * width, 1.0)
    if length < 0.5 * width or width < 1.8 * piece.width_px or fill > 0.8 or reach < 2:
        return None
    return (attach[0] + ux * reach, attach[1] + uy * reach), length, width
