"""Colour tests over whole images at the cost of one pass of uint8 work.

The test "every channel of a pixel lies within ``tolerance`` of a colour",
written with numpy, widens each pixel to a float or int16 triple first: 12
bytes of temporaries a pixel, which on a large canvas costs more than the rest
of a stage.  Here the same test is answered per channel with a 256-entry table
evaluated in the caller's arithmetic (so rounding and the comparison are
exactly the caller's), then applied with OpenCV's ``inRange`` on the uint8
pixels.  Pixels are HWC (or N x 3) RGB; anything but uint8 pixels and a finite
colour takes the plain numpy test.
"""

from __future__ import annotations

import cv2
import numpy as np

# The project's colour distances, 0..255 on the channel that differs most.
DRAWN_DIFF = 24  # from the page colour: a drawn pixel (light pastel fills count, JPEG noise on paper does not)
PAGE_DIFF = 28  # from the page colour: the canvas drawn once text is lifted (a margin over JPEG ringing)
INK_DIFF = 40  # from the colour under it: ink that stands out (a glyph on its box, a line across a gap)


def dominant_colour(pixels: np.ndarray) -> np.ndarray:
    """The most frequent colour (5 bits a channel) of an HWC crop, as float RGB: the mean
    of the pixels in that bin.

    Text covers well under half of its own box, so this is the colour the text
    sits on, even where the box straddles two cells of a table.
    """
    flat = pixels.reshape(-1, 3)
    if len(flat) == 0:
        raise ValueError("empty crop")
    keys = (flat[:, 0].astype(np.int32) >> 3) << 10 | (flat[:, 1].astype(np.int32) >> 3) << 5 | (flat[:, 2] >> 3)
    values, counts = np.unique(keys, return_counts=True)
    top = values[np.argmax(counts)]
    return np.clip(flat[keys == top].astype(np.float64).mean(axis=0), 0.0, 255.0)


_LEVELS = {np.dtype(t): np.arange(256, dtype=t) for t in (np.float32, np.float64, np.int16, np.int32)}


def near_colour(pixels: np.ndarray, colour, tolerance: float, dtype: type = np.float32) -> np.ndarray:
    """Bool mask (``pixels`` shape less its channel axis): where
    ``np.abs(pixels.astype(dtype) - np.asarray(colour, dtype)).max(axis=-1) <= tolerance``."""
    levels = _LEVELS.get(np.dtype(dtype))
    if levels is None or not _plain(pixels, colour, tolerance):
        return np.abs(pixels.astype(dtype) - np.asarray(colour, dtype)).max(axis=-1) <= tolerance
    lows, highs = [], []
    for c in np.asarray(colour, dtype).reshape(3):
        ok = np.nonzero(np.abs(levels - c) <= tolerance)[0]
        if len(ok) == 0:
            return np.zeros(pixels.shape[:-1], dtype=bool)
        if ok[-1] - ok[0] + 1 != len(ok):  # not one interval: cannot happen for |x - c|, kept exact anyway
            table = np.zeros(256, dtype=bool)
            table[ok] = True
            lows.append(table)
            highs.append(None)
            continue
        lows.append(int(ok[0]))
        highs.append(int(ok[-1]))
    if any(h is None for h in highs):
        out = np.ones(pixels.shape[:-1], dtype=bool)
        for ch, (lo, hi) in enumerate(zip(lows, highs)):
            values = pixels[..., ch]
            out &= lo[values] if hi is None else (values >= lo) & (values <= hi)
        return out
    return _in_range(pixels, tuple(lows), tuple(highs))


def far_from_colour(pixels: np.ndarray, colour, tolerance: float, dtype: type = np.float32) -> np.ndarray:
    """Bool mask: where ``np.abs(pixels.astype(dtype) - np.asarray(colour, dtype)).max(axis=-1) > tolerance``."""
    if np.dtype(dtype) not in _LEVELS or not _plain(pixels, colour, tolerance):
        return np.abs(pixels.astype(dtype) - np.asarray(colour, dtype)).max(axis=-1) > tolerance  # NaN: neither
    return ~near_colour(pixels, colour, tolerance, dtype)


def blend_position(pixels: np.ndarray, colour, ground) -> tuple[np.ndarray, np.ndarray]:
    """Where each pixel (N x 3, or HWC) lies on the blend from ``ground`` to ``colour``:
    its place along it, 0 (``ground``) to 1 (``colour``), and its distance off it.
    Anti-aliasing, dash gaps and partly covered pixels lie on that blend."""
    px = pixels.astype(np.float32)
    base = np.asarray(ground, np.float32)
    span = np.asarray(colour, np.float32) - base
    rel = px - base
    t = np.clip(rel @ span / max(float(span @ span), 1.0), 0.0, 1.0)
    return t, np.sqrt(((rel - t[..., None] * span) ** 2).sum(axis=-1))


def stroke_cover(pixels: np.ndarray, colour, ground, off_px: float = 40.0) -> np.ndarray:
    """How much of each pixel ``colour`` covers when drawn over ``ground`` (``blend_position``),
    or 0 where the pixel lies farther than ``off_px`` off that blend (another colour).

    A thin stroke at a fractional position shares its ink between two pixels,
    each about half covered: neither is near the stroke's colour, yet both are
    the stroke."""
    t, off = blend_position(pixels, colour, ground)
    return np.where(off <= off_px, t, 0.0)


def differ(a: np.ndarray, b: np.ndarray, threshold: int) -> np.ndarray:
    """Bool mask (HW): where ``np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > threshold``
    for two HWC uint8 images of one size and an integer ``threshold``."""
    if a.dtype != np.uint8 or b.dtype != np.uint8 or threshold != int(threshold):
        return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > threshold
    if threshold >= 255:
        return np.zeros(a.shape[:2], dtype=bool)
    if threshold < 0:
        return np.ones(a.shape[:2], dtype=bool)
    return ~_in_range(cv2.absdiff(a, b), (0, 0, 0), (int(threshold),) * 3)


def _plain(pixels: np.ndarray, colour, tolerance: float) -> bool:
    """uint8 RGB pixels and a finite colour and tolerance: the table answers for them."""
    return (pixels.dtype == np.uint8 and pixels.shape[-1:] == (3,) and bool(np.isfinite(tolerance))
            and bool(np.isfinite(np.asarray(colour, np.float64)).all()))


def _in_range(pixels: np.ndarray, lows: tuple[int, ...], highs: tuple[int, ...]) -> np.ndarray:
    shape = pixels.shape[:-1]
    src = pixels if pixels.ndim == 3 else pixels.reshape(-1, 1, 3)
    if src.size == 0:
        return np.zeros(shape, dtype=bool)
    return cv2.inRange(src, lows, highs).reshape(shape) > 0
