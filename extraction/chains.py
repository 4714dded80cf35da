"""Joining line pieces: dashes into one dashed line, a line cut by an outline it
crosses back into one, and lone arrowheads onto the line ends they face.

Pairs of free ends that face each other across a short gap are joined closest
first, each end once, never into a loop; chains are then walked end to end.
A chain is dashed when it has several gaps and its runs are short against
them (an outline crossing leaves a gap or two between long runs).
"""

from __future__ import annotations

import math

import numpy as np

from crafteditor.model.unionfind import DisjointSet
from extraction.connectors import MAX_LINE_PX, Piece, Point, simplify_path


def attach_heads(pieces: list[Piece], reach_px: float = 16.0) -> list[Piece]:
    """Give a free line end the lone arrowhead lying just ahead of it (the last dash
    of a dashed arrow often ends short of its head).  Of several lone blobs in a
    row ahead of one end, each within reach of the one before, the farthest is the
    head and the others are dashes (one crossing an outline keeps a blob's shape)."""
    lines = [p for p in pieces if not p.head_only]
    out = list(lines)
    ahead: dict[tuple[int, int], list[tuple[float, Piece]]] = {}
    for head in (p for p in pieces if p.head_only):
        assert head.head_px is not None
        centre = head.head_px.mean(axis=0)
        best = None
        for li, line in enumerate(lines):
            for which in (0, -1):
                if which in line.heads:
                    continue
                end = line.end(which)
                d = math.dist(end, centre)
                ux, uy = line.direction(which)
                along = (centre[0] - end[0]) * ux + (centre[1] - end[1]) * uy
                if d <= 3 * reach_px and along >= 0.7 * d and (best is None or d < best[0]):
                    best = (d, li, which)
        if best is None:
            out.append(head)
            continue
        ahead.setdefault((best[1], best[2]), []).append((best[0], head))
    for (li, which), found in ahead.items():
        line = lines[li]
        reached, last, row = None, line.end(which), 0
        for _d, head in sorted(found, key=lambda f: f[0]):
            centre = head.head_px.mean(axis=0)
            if math.dist(last, centre) > reach_px:
                break
            reached, last, row = head, (float(centre[0]), float(centre[1])), row + 1
        out.extend(head for _d, head in sorted(found, key=lambda f: f[0])[row:])  # beyond the row: lone
        if reached is not None:
            _take_head(line, which, reached)
    return out


def _take_head(line: Piece, which: int, head: Piece) -> None:
    """Make the lone ``head`` the head at end ``which`` of ``line``."""
    end = line.end(which)
    dist = np.hypot(head.head_px[:, 0] - end[0], head.head_px[:, 1] - end[1])
    tip = head.head_px[int(np.argmax(dist))]
    ux, uy = line.direction(which)
    rel = head.head_px - np.asarray(end)
    across = np.abs(rel[:, 0] * -uy + rel[:, 1] * ux)
    # Measured from the head's own back, not from the line's end.
    along = rel[:, 0] * ux + rel[:, 1] * uy
    line.heads[which] = ((float(tip[0]), float(tip[1])), float(along.max() - along.min()) + 1.0,
                         2.0 * float(across.max()) + 1.0)


def _facing(a: Piece, ea: int, b: Piece, eb: int, gap_px: float,
            outlines: np.ndarray | None = None) -> float | None:
    """The gap between end ``ea`` of ``a`` and end ``eb`` of ``b`` if they face each other.
    Where the gap crosses an outline (``outlines``, HW bool: ink the shapes explain),
    the outline's own width does not count against ``gap_px``: a dashed line crossing
    an outline loses the dash that lay on it."""
    pa, pb = a.end(ea), b.end(eb)
    gap = math.dist(pa, pb)
    limit = max(gap_px, 4 * max(a.width_px, b.width_px))
    if gap > limit and (outlines is None or gap > 2 * limit or gap - _on_outline(pa, pb, outlines) > limit):
        return None
    if gap < 0.5:
        return None
    da, db = a.direction(ea), b.direction(eb)
    ux, uy = (pb[0] - pa[0]) / gap, (pb[1] - pa[1]) / gap
    parallel = -(da[0] * db[0] + da[1] * db[1])
    # Both ends point along one line and across the gap (an outline that cuts a
    # line leaves its two ends a little offset, hence the looser second test).
    if parallel < 0.9 or da[0] * ux + da[1] * uy < 0.7 or db[0] * -ux + db[1] * -uy < 0.7:
        return None
    if np.abs(np.subtract(a.colour, b.colour)).max() > 60:
        return None
    return gap


def _on_outline(pa: Point, pb: Point, outlines: np.ndarray) -> float:
    """How much of the straight gap from ``pa`` to ``pb`` (page px) lies on ``outlines``."""
    h, w = outlines.shape
    n = max(int(math.ceil(math.dist(pa, pb))), 1)
    t = (np.arange(n) + 0.5) / n
    xs = np.clip(np.round(pa[0] + (pb[0] - pa[0]) * t).astype(int), 0, w - 1)
    ys = np.clip(np.round(pa[1] + (pb[1] - pa[1]) * t).astype(int), 0, h - 1)
    return float(outlines[ys, xs].sum()) * math.dist(pa, pb) / n


def chain_dashes(pieces: list[Piece], gap_px: float = 14.0, outlines: np.ndarray | None = None) -> list[Piece]:
    """Join pieces whose free ends face each other across a short gap (dashed
    lines), closest pairs first, each end at most once; then give free ends the
    lone arrowheads ahead of them.  ``outlines`` (HW bool) is the outline ink the
    shapes explain: a gap that crosses it may be longer by its width."""
    lone_heads = [p for p in pieces if p.head_only]
    lines = [p for p in pieces if not p.head_only]
    cell = 2 * max(gap_px, 4 * MAX_LINE_PX)
    grid: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i, p in enumerate(lines):
        for e in (0, -1):
            if e not in p.heads:
                x, y = p.end(e)
                grid.setdefault((int(x // cell), int(y // cell)), []).append((i, e))
    pairs = []
    for (cx, cy), members in grid.items():
        near = [m for dx in (-1, 0, 1) for dy in (-1, 0, 1) for m in grid.get((cx + dx, cy + dy), [])]
        for i, ea in members:
            for j, eb in near:
                if j <= i:
                    continue
                gap = _facing(lines[i], ea, lines[j], eb, gap_px, outlines)
                if gap is not None:
                    pairs.append((gap, i, ea, j, eb))
    chains = DisjointSet(len(lines))
    link: dict[tuple[int, int], tuple[int, int, float]] = {}
    for gap, i, ea, j, eb in sorted(pairs):
        if (i, ea) in link or (j, eb) in link or chains.connected(i, j):
            continue
        link[(i, ea)] = (j, eb, gap)
        link[(j, eb)] = (i, ea, gap)
        chains.merge(i, j)
    out: list[Piece] = []
    seen: set[int] = set()
    for i in range(len(lines)):
        if i in seen or ((i, 0) in link and (i, -1) in link):
            continue  # chains are walked from an end that has no partner
        start_end = 0 if (i, 0) not in link else -1
        out.append(_walk(lines, link, i, start_end, seen))
    for p in out:  # gaps where outlines cut a line are no dash pattern: dashes are short and many
        p.dashed = len(p.gaps) >= 2 and float(np.median(p.runs)) <= 5 * float(np.median(p.gaps)) + 4
    return attach_heads(out + lone_heads)


def _walk(lines: list[Piece], link: dict, i: int, free_end: int, seen: set[int]) -> Piece:
    """Merge the chain starting at piece ``i`` whose end ``free_end`` is unlinked."""
    points: list[Point] = []
    runs: list[float] = []
    gaps: list[float] = []
    heads: dict[int, tuple[Point, float, float]] = {}
    marks: dict[int, str] = {}
    first = lines[i]
    if free_end in first.heads:
        heads[0] = first.heads[free_end]
        marks[0] = first.marks.get(free_end, "arrow")
    k, entry = i, free_end
    members: list[int] = []
    while True:
        seen.add(k)
        members.append(k)
        p = lines[k]
        pts = p.points if entry == 0 else p.points[::-1]
        points.extend(pts)
        runs.append(p.length)
        exit_end = -1 if entry == 0 else 0
        nxt = link.get((k, exit_end))
        if nxt is None or nxt[0] in seen:
            if exit_end in p.heads:
                heads[-1] = p.heads[exit_end]
                marks[-1] = p.marks.get(exit_end, "arrow")
            break
        k, entry, gap = nxt
        gaps.append(gap)
    if len(runs) == 1:
        return Piece(points, first.width_px, first.colour, heads, marks=marks)
    simplified = simplify_path([(round(x), round(y)) for x, y in points], 2.0)
    simplified[0], simplified[-1] = points[0], points[-1]
    width = float(np.median([lines[n].width_px for n in members]))
    return Piece(simplified, width, first.colour, heads, True, runs, gaps, marks=marks)
