"""Ink in a window, read the same way on the rendering and on the source.

Text and shapes often sit on a fill, not on the page: ink is measured against
the window's own dominant colour, so a label inside a blue box is its glyphs,
not the box.  Both images go through the same function, so a comparison of
the two is fair even when the measure itself is rough.
"""

from __future__ import annotations

import numpy as np

from crafteditor.model.scene import Box
from extraction.pixels import dominant_colour

INK_DIFF = 60  # 0..255 per channel: glyphs against their ground


def window(box: Box, image_wh: tuple[int, int], pad_x: float, pad_y: float) -> tuple[int, int, int, int] | None:
    """Integer ``(x0, y0, x1, y1)`` of ``box`` grown by the pads, clipped; None when empty."""
    w, h = image_wh
    x0, y0, x1, y1 = Box(box.x0 - pad_x, box.y0 - pad_y, box.x1 + pad_x, box.y1 + pad_y).clip(w, h).to_int()
    return (x0, y0, x1, y1) if x1 - x0 >= 2 and y1 - y0 >= 2 else None


def dominant_rgb(crop: np.ndarray) -> np.ndarray:
    """The most common colour of a crop (``extraction.pixels.dominant_colour``), rounded to int16."""
    return np.round(dominant_colour(crop)).astype(np.int16)


def ink(crop: np.ndarray, ground: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of a crop's pixels far from ``ground`` (default: its dominant colour)."""
    from checkers.fidelity import far_from

    ground = dominant_rgb(crop) if ground is None else ground
    return far_from(crop, ground.astype(np.uint8), INK_DIFF)


def row_run(mask: np.ndarray, near: float) -> tuple[int, int] | None:
    """The run of inked rows ``[a, b)`` holding row ``near`` or closest to it."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    breaks = np.flatnonzero(np.diff(rows) > 1)
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]])) + 1
    dist = [0.0 if a <= near < b else min(abs(near - a), abs(near - b + 1)) for a, b in zip(starts, ends)]
    i = int(np.argmin(dist))
    return int(starts[i]), int(ends[i])
