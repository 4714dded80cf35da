"""Lifting text off the canvas so that nothing is drawn twice.

Each measured line's glyph ink, grown by its anti-aliasing halo, is painted
over with the local background where that background is flat, and inpainted
where it is not (text over a gradient or a picture).  Strokes that cross a
line's box (borders, arrows) are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from extraction.text_measure import MeasuredLine


def halo_px(font_size_px: float) -> int:
    return int(np.clip(round(font_size_px / 14.0), 1, 4))


def lift_text(rgb: np.ndarray, lines: Sequence[MeasuredLine]) -> tuple[np.ndarray, np.ndarray]:
    """Return the cleaned canvas (HWC uint8, a copy) and the page mask that was lifted."""
    canvas = rgb.copy()
    lifted = np.zeros(rgb.shape[:2], dtype=bool)
    needs_inpaint = np.zeros(rgb.shape[:2], dtype=np.uint8)
    for line in lines:
        m = line.mask
        r = halo_px(line.font_size_px)
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        glyphs = m.mask.astype(np.uint8)
        grown = cv2.dilate(glyphs, kernel) > 0
        if m.faint is not None:
            # Blurred text spreads past the halo: follow its faint ink a little further.
            reach = cv2.dilate(glyphs, np.ones((2 * r + 5, 2 * r + 5), np.uint8)) > 0
            grown |= reach & m.faint
        grown &= ~m.keep
        h, w = grown.shape
        view = canvas[m.y0:m.y0 + h, m.x0:m.x0 + w]
        if line.background_flat:
            view[grown] = line.background_rgb
        else:
            needs_inpaint[m.y0:m.y0 + h, m.x0:m.x0 + w] |= grown.astype(np.uint8)
        lifted[m.y0:m.y0 + h, m.x0:m.x0 + w] |= grown
    if needs_inpaint.any():
        canvas = _inpaint(canvas, needs_inpaint)
    return canvas, lifted


def _inpaint(canvas: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Inpaint only around the masked pixels, so the cost follows the text, not the page."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(mask, np.ones((15, 15), np.uint8)))
    out = canvas.copy()
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        sub = out[y:y + h, x:x + w]
        filled = cv2.inpaint(np.ascontiguousarray(sub), mask[y:y + h, x:x + w], 3, cv2.INPAINT_TELEA)
        out[y:y + h, x:x + w] = filled
    return out
