"""Branching lines: the skeleton of a thin ink piece as a tree, and the routes
through it that become one connector each.

A line that fans out to two heads, two lines that join into one, or a line
that meets another in a T leave one piece of ink whose centre line has more
than two free ends.  The skeleton (``skimage``) becomes a graph of pixels;
spurs shorter than ``spur_px`` (where a thinned stroke frays at a corner or
an end) are pruned; the remaining free ends are the leaves.  Routes are the
pixel paths between two leaves, so branches share their trunk's pixels, as
drawing tools draw them.  Pixel coordinates are (x, y) within the piece's crop.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

XY = tuple[int, int]


@dataclass(frozen=True, slots=True, eq=False)  # holds lists of arrays' worth of pixels: compared by identity
class Tree:
    """The pruned skeleton: pixel coordinates, neighbour lists and free ends."""

    xy: list[XY]
    nbrs: list[list[int]]
    leaves: list[int]

    def route(self, a: int, b: int) -> list[XY]:
        """The pixels from leaf ``a`` to leaf ``b`` (the tree's one path between them)."""
        prev = self._bfs(a, stop=b)
        if b not in prev:
            return []
        out, k = [], b
        while k != -1:
            out.append(self.xy[k])
            k = prev[k]
        return out[::-1]

    def route_to(self, a: int, targets: set[int]) -> list[XY]:
        """The pixels from leaf ``a`` to the nearest pixel of ``targets``."""
        prev = self._bfs(a, stop_set=targets)
        end = next((k for k in prev if k in targets), None)
        if end is None:
            return []
        out, k = [], end
        while k != -1:
            out.append(self.xy[k])
            k = prev[k]
        return out[::-1]

    def _bfs(self, start: int, stop: int | None = None, stop_set: set[int] | None = None) -> dict[int, int]:
        return walk(self.nbrs, start, stop, stop_set)[0]


def walk(nbrs: list[list[int]], start: int, stop: int | None = None, stop_set: set[int] | None = None
         ) -> tuple[dict[int, int], list[int]]:
    """Breadth-first from ``start`` over neighbour lists: each reached node's
    predecessor (-1 for ``start``) and the order reached, ending at ``stop`` or at
    the first node of ``stop_set`` other than ``start``."""
    prev = {start: -1}
    order = [start]
    k = 0
    while k < len(order):
        i = order[k]
        k += 1
        if i == stop or (stop_set and i in stop_set and i != start):
            break
        for j in nbrs[i]:
            if j not in prev:
                prev[j] = i
                order.append(j)
    return prev, order


def skeletonize(mask: np.ndarray) -> np.ndarray:
    """scikit-image's 2D skeleton (Zhang's method) of an HW bool mask."""
    return _skeleton_core()(np.ascontiguousarray(mask, dtype=bool))


@functools.lru_cache(maxsize=1)
def _skeleton_core() -> Callable[[np.ndarray], np.ndarray]:
    """scikit-image's compiled skeleton, loaded by itself.

    ``skimage.morphology.skeletonize`` only checks its input and calls this core, but
    importing ``skimage.morphology`` imports ``scipy.ndimage`` too: about 0.3 s of every
    cold conversion.  Should the core not load (another scikit-image layout), the public
    function is used.
    """
    try:
        spec = importlib.util.find_spec("skimage")
        folder = Path(spec.submodule_search_locations[0]) / "morphology"
        (path,) = folder.glob("_skeletonize_various_cy.*")
        core_spec = importlib.util.spec_from_file_location("skimage.morphology._skeletonize_various_cy", path)
        module = importlib.util.module_from_spec(core_spec)
        core_spec.loader.exec_module(module)
        return module._fast_skeletonize
    except Exception:  # noqa: BLE001 - any other layout: the public function
        from skimage.morphology import skeletonize as public

        return public


def skeleton_graph(mask: np.ndarray) -> tuple[list[XY], list[list[int]]]:
    """The skeleton of the largest piece of ``mask`` (HW bool) as pixels and their
    8-neighbour lists, in ``np.nonzero`` order."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n > 2:  # the routes lie in the largest piece
        mask = labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    ys, xs = np.nonzero(skeletonize(mask))
    xy = list(zip(xs.tolist(), ys.tolist()))
    # Each pixel's index on a grid padded by one, read at the eight offsets in
    # (dx, dy) order: -1 where there is no skeleton pixel.
    index = np.full((mask.shape[0] + 2, mask.shape[1] + 2), -1, np.int64)
    index[ys + 1, xs + 1] = np.arange(len(xy))
    around = np.stack([index[ys + 1 + dy, xs + 1 + dx] for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy], axis=1)
    nbrs: list[list[int]] = [[j for j in row if j >= 0] for row in around.tolist()]
    return xy, nbrs


def skeleton_tree(mask: np.ndarray, spur_px: float,
                  graph: tuple[list[XY], list[list[int]]] | None = None) -> Tree:
    """The skeleton of ``mask`` (HW bool) as a graph with spurs under ``spur_px``
    pruned; ``graph`` is its ``skeleton_graph`` when already at hand (not changed)."""
    xy, nbrs = graph if graph is not None else skeleton_graph(mask)
    nbrs = [list(row) for row in nbrs]
    _thin_corners(xy, nbrs)
    alive = [True] * len(xy)
    for _round in range(2):  # a pruned spur may leave a short spur behind
        for leaf in [i for i in range(len(xy)) if alive[i] and _degree(nbrs, alive, i) == 1]:
            spur = _spur(nbrs, alive, leaf, spur_px)
            if spur is not None:
                for i in spur:
                    alive[i] = False
    keep = [i for i in range(len(xy)) if alive[i]]
    remap = {old: new for new, old in enumerate(keep)}
    new_nbrs = [[remap[j] for j in nbrs[i] if alive[j]] for i in keep]
    new_xy = [xy[i] for i in keep]
    leaves = [i for i in range(len(keep)) if len(new_nbrs[i]) == 1]
    return Tree(new_xy, new_nbrs, leaves)


def _thin_corners(xy: list[XY], nbrs: list[list[int]]) -> None:
    """Drop diagonal links that short-cut a 4-connected corner, so a skeleton's
    L-turns are no three-way junctions."""
    index = {p: i for i, p in enumerate(xy)}
    for i, (x, y) in enumerate(xy):
        for j in list(nbrs[i]):
            x2, y2 = xy[j]
            if abs(x2 - x) == 1 and abs(y2 - y) == 1 and ((x2, y) in index or (x, y2) in index):
                nbrs[i].remove(j)
                if i in nbrs[j]:
                    nbrs[j].remove(i)


def _degree(nbrs: list[list[int]], alive: list[bool], i: int) -> int:
    return sum(alive[j] for j in nbrs[i])


def _spur(nbrs: list[list[int]], alive: list[bool], leaf: int, spur_px: float) -> list[int] | None:
    """The pixels from ``leaf`` up to (not including) the first junction, when that
    walk is shorter than ``spur_px``; None for a longer branch or a lone line."""
    path, prev, k, length = [leaf], -1, leaf, 0.0
    while True:
        nxt = [j for j in nbrs[k] if alive[j] and j != prev]
        if len(nxt) != 1:
            return None  # the whole piece is this one line
        j = nxt[0]
        if _degree(nbrs, alive, j) >= 3:
            return path if length < spur_px else None
        length += 1.0
        prev, k = k, j
        path.append(k)
        if length >= spur_px:
            return None


def leaf_pairs(tree: Tree, head_leaves: set[int]) -> list[tuple[int, int]]:
    """Which leaves each connector joins: a tail to every head when one side is
    single (fan-out, fan-in), else each head to its straightest tail; with no head,
    none (the caller keeps the longest line and hangs the branches on it)."""
    tails = [leaf for leaf in tree.leaves if leaf not in head_leaves]
    heads = [leaf for leaf in tree.leaves if leaf in head_leaves]
    if not heads:
        return []
    if not tails:  # heads everywhere (crossing two-headed arrows): the straightest pairs
        return _straight_pairs(tree, heads)
    if len(tails) == 1 or len(heads) == 1:
        return [(t, h) for t in tails for h in heads]

    return [(min(tails, key=lambda t: _bend(tree, t, h)), h) for h in heads]


def _bend(tree: Tree, a: int, b: int) -> float:
    """Route length over straight distance: 1 for a straight route."""
    return len(tree.route(a, b)) / max(math.dist(tree.xy[a], tree.xy[b]), 1.0)


def _straight_pairs(tree: Tree, leaves: list[int]) -> list[tuple[int, int]]:
    """Leaves paired straightest first, each once (a lone one is left out)."""
    ranked = sorted((_bend(tree, a, b), a, b) for i, a in enumerate(leaves) for b in leaves[i + 1:])
    used: set[int] = set()
    out = []
    for _bend_ratio, a, b in ranked:
        if a not in used and b not in used:
            used |= {a, b}
            out.append((a, b))
    return out
