"""Faint tiles: a picture drawn on a square of its own pale colour.

A glyph icon often sits on a tile only a little darker than the page (a few
levels to a couple of dozen): too faint to count as drawn ink, so the glyph
alone would be cut out, or traced, and the tile lost.  A faint tile is found
as a patch of one flat colour off the page's, without outline (its own colour
runs along three sides of its border at least), nearly filling its bounding box, small, holding
no text, and holding some other ink (the picture).  Lines and arrowheads
touching it (a connector's end) are cut off by an opening first.  Page pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

from crafteditor.model.scene import Box
from extraction.pixels import far_from_colour, near_colour
from extraction.regions import fill_holes

TINT_DIFF = 4  # a pixel this far (any channel) from the page is tinted
FAINT_DIFF = 48  # a tile's colour at most this far (any channel) from the page: pale
FLAT_PX = 6  # a tile's pixels lie this close to its colour
MIN_SIDE_PX = 24
OPEN_PX = 13  # lines and arrowheads touching a tile are narrower than this
MIN_BOX_SHARE = 0.92  # of its bounding box a tile covers (holes filled)
BORDER_SHARE = 0.85  # of a side's edge band in its own colour (three sides at least): no outline
CONTENT_SHARE = 0.03  # of its box drawn in other colours: a picture on it


def faint_tiles(canvas: np.ndarray, background_rgb: tuple[int, int, int],
                text_boxes: tuple[Box, ...] = ()) -> list[Box]:
    """Boxes (page px) of the faint tiles of ``canvas`` (HWC uint8) that hold a
    picture."""
    h, w = canvas.shape[:2]
    tint = far_from_colour(canvas, background_rgb, TINT_DIFF, np.int16)
    core = cv2.morphologyEx(tint.astype(np.uint8), cv2.MORPH_OPEN, np.ones((OPEN_PX, OPEN_PX), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(core, connectivity=4)
    max_side = max(200.0, 0.3 * min(h, w))
    out = []
    for k in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[k])
        if min(bw, bh) < MIN_SIDE_PX or max(bw, bh) > max_side or area < MIN_BOX_SHARE * bw * bh * 0.5:
            continue
        box = Box(x, y, x + bw, y + bh)
        if any(box.intersection(t) is not None for t in text_boxes):
            continue
        own = fill_holes(labels[y:y + bh, x:x + bw] == k)
        if own.mean() < MIN_BOX_SHARE:
            continue
        crop = canvas[y:y + bh, x:x + bw]
        if _is_tile(crop, own, background_rgb):
            out.append(box)
    return out


def _is_tile(crop: np.ndarray, own: np.ndarray, background_rgb: tuple[int, int, int]) -> bool:
    """Is the patch ``own`` (HW bool over ``crop``) a pale flat tile with a picture on it?"""
    pixels = crop[own].reshape(-1, 3)
    colour = np.median(pixels, axis=0)
    if not far_from_colour(colour[None], background_rgb, TINT_DIFF)[0] or \
            far_from_colour(colour[None], background_rgb, FAINT_DIFF)[0]:
        return False  # no tint, or no pale one (a cell of a coloured grid)
    flat = near_colour(crop, colour, FLAT_PX) & own
    content = own & ~flat & far_from_colour(crop, colour, 3 * FLAT_PX)
    # Just inside each edge (the outermost pixels blend with the page): an outline
    # runs along every side, a picture on the tile reaches one side at most (a line
    # across the tile reaches two).
    sides = ((slice(1, 5), slice(4, -4)), (slice(-5, -1), slice(4, -4)),
             (slice(4, -4), slice(1, 5)), (slice(4, -4), slice(-5, -1)))
    if sum(flat[s].size > 0 and flat[s].mean() >= BORDER_SHARE for s in sides) < 3:
        return False  # an outline runs round it, or it is no flat colour
    if sum(int(content[s].sum()) >= 2 for s in sides) > 1:
        return False
    return CONTENT_SHARE * own.size <= content.sum() <= (1.0 - 0.3) * own.sum()
