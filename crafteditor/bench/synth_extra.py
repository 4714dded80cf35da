"""Extra features for about half the synthetic figures, drawn from their own
seeded stream so the rest of the figure is unchanged:

- small corner radii (3-4 px) on rounded rectangles;
- dot and circle markers in place of some arrowheads, at either end;
- stacked boxes in an empty cell, joined by a short connector (16-24 px);
- branching connectors: a fan-out (one trunk, two heads), a fan-in (two tails
  joining into one trunk and head; one branch meets the trunk in a T).  Each
  branch is its own ``<path>`` from its tail to its head, so the branches share
  the trunk's pixels, as drawing tools write them.
"""

from __future__ import annotations

import random

from crafteditor.bench import vocab
from crafteditor.bench.synth import _anchor, _clear, _Figure, _Label, _Node
from crafteditor.model.scene import Box

EXTRA_SHARE = 0.5


def add_extras(rng: random.Random, fig: _Figure) -> None:
    if not fig.grid or rng.random() >= EXTRA_SHARE:
        return
    if rng.random() < 0.6:
        fig.radius = rng.choice((3.0, 4.0))
    _add_stack(rng, fig)
    _add_branches(rng, fig)
    _dot_markers(rng, fig)


def _dot_markers(rng: random.Random, fig: _Figure) -> None:
    for i, (pts, colour, width, dashed, both, end, start) in enumerate(fig.arrows):
        r = rng.random()
        if r < 0.2:
            end = rng.choice(("dot", "circle"))
        elif r < 0.35 and not both:
            start = rng.choice(("dot", "circle"))
        fig.arrows[i] = (pts, colour, width, dashed, both, end, start)


def _style(fig: _Figure) -> tuple[str, float]:
    if fig.arrows:
        return fig.arrows[0][1], fig.arrows[0][2]
    return "#404040", 2.0


def _add_stack(rng: random.Random, fig: _Figure) -> None:
    x0, y0, cw, ch, rows, cols = fig.cells
    empty = [(r, c) for r in range(rows) for c in range(cols) if (r, c) not in fig.grid]
    if not empty:
        return
    r, c = rng.choice(empty)
    cell = Box(x0 + c * cw, y0 + r * ch, x0 + (c + 1) * cw, y0 + (r + 1) * ch)
    gap = rng.uniform(16, 24)
    h = min(56.0, (cell.height - 30 - gap) / 2)
    w = min(cell.width - 60, rng.uniform(120, 170))
    if h < 36 or w < 90:
        return
    cx, cy = cell.center
    colour, width = _style(fig)
    fill, stroke = rng.choice(fig.palette["fills"]), rng.choice(fig.palette["strokes"])
    kind = rng.choice(("rect", "rounded_rect"))
    nodes = []
    for top in (cy - gap / 2 - h, cy + gap / 2):
        box = Box(cx - w / 2, top, cx + w / 2, top + h)
        label = _Label([rng.choice(vocab.CONTAINER_TITLES)], cx, top + h / 2, rng.randint(12, 14), fig.family,
                       False, rng.choice(fig.palette["text"]))
        if label.box().width > w - 16 or not fig.add_label(label):
            return
        nodes.append(_Node(kind, box, fill, stroke, label=label))
    fig.nodes.extend(nodes)
    pts = [_anchor(nodes[0], "bottom"), _anchor(nodes[1], "top")]
    if rng.random() < 0.3:
        pts.reverse()
    fig.arrows.append((pts, colour, width, False, False, "arrow", ""))


def _add_branches(rng: random.Random, fig: _Figure) -> None:
    """A fan-out from a node to its right neighbour and the node below that, or a
    fan-in from a node and the node below it into its right neighbour."""
    colour, width = _style(fig)
    options = []
    for (r, c), a in fig.grid.items():
        b = fig.grid.get((r, c + 1))
        for other, fan_out in ((fig.grid.get((r + 1, c + 1)), True), (fig.grid.get((r + 1, c)), False)):
            if b is not None and other is not None:
                options.append((a, b, other, fan_out))
    rng.shuffle(options)
    for a, b, other, fan_out in options:
        (ax, ay), (bx, by) = _anchor(a, "right"), _anchor(b, "left")
        ox, oy = _anchor(other, "left" if fan_out else "right")
        if bx - ax < 70 or abs(ox - ax) < 70 and fan_out:
            continue
        xj = ax + rng.uniform(0.35, 0.6) * ((min(bx, ox) if fan_out else bx) - max(ax, 0 if fan_out else ox))
        if fan_out:  # a -> b and a -> other, sharing a's trunk
            paths = [[(ax, ay), (bx, by)], [(ax, ay), (xj, ay), (xj, oy), (ox, oy)]]
            ends = [(a, b), (a, other)]
        else:  # a -> b and other -> b, the second joining the first in a T
            xj = max(ax, ox) + rng.uniform(0.35, 0.6) * (bx - max(ax, ox))
            paths = [[(ax, ay), (bx, by)], [(ox, oy), (xj, oy), (xj, ay), (bx, by)]]
            ends = [(a, b), (other, b)]
        siblings = tuple(paths)
        if all(_clear(fig, p, s, t, siblings=siblings) for p, (s, t) in zip(paths, ends)):
            for p in paths:
                fig.arrows.append((p, colour, width, False, False, "arrow", ""))
            return
