"""Corners of a drawn box, read from the ink itself: sharp, or rounded and how much.

The silhouette's missing corner area tells a large radius well, but a radius of
3 or 4 px leaves only a pixel or two out, as much as anti-aliasing does.  The
ink tells more: at a sharp corner the outermost pixel is inked as much as the
sides next to it; an arc of radius r leaves the corner clear and crosses the
diagonal (1 - 1/sqrt 2) r in from each side.  Ink is measured against the
colour outside, relative to the contrast of the paint (stroke, or fill when
there is no stroke), so it reads as pixel coverage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from crafteditor.model.scene import Box

DIAGONAL_SHARE = 1.0 - 1.0 / math.sqrt(2.0)  # where an arc crosses the diagonal, as a share of r
MIN_SIDE_PX = 12
SHARP_SHARE = 0.6  # a corner pixel inked this much of its sides is sharp
ROUND_SHARE = 0.35  # inked at most this much: the corner is cut by an arc
MIN_CONTRAST = 30.0


@dataclass(frozen=True, slots=True)
class Corners:
    """How many of the four corners read sharp or rounded, and the rounded ones' radius."""

    sharp: int
    rounded: int
    radius_px: float  # median over the rounded corners; 0 when none


def _ink(canvas: np.ndarray, outside: np.ndarray, contrast: float, x: int, y: int) -> float:
    h, w = canvas.shape[:2]
    if not (0 <= x < w and 0 <= y < h):
        return 0.0
    return min(1.0, float(np.abs(canvas[y, x].astype(np.float32) - outside).max()) / contrast)


def _inks(canvas: np.ndarray, outside: np.ndarray, contrast: float, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """``_ink`` at each pixel (xs[k], ys[k]), in one pass."""
    h, w = canvas.shape[:2]
    inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    out = np.zeros(len(xs), np.float64)
    diff = np.abs(canvas[ys[inside], xs[inside]].astype(np.float32) - outside).max(axis=1)
    out[inside] = np.minimum(diff.astype(np.float64) / contrast, 1.0)
    return out


def _corner(canvas: np.ndarray, outside: np.ndarray, contrast: float, corner: tuple[int, int, int, int],
            span: tuple[int, int]) -> tuple[str, float]:
    """("sharp" | "rounded" | "unclear", radius) of the corner at pixel (cx, cy) of
    ``corner`` (cx, cy, dx, dy), the box running on in directions (dx, dy) for
    ``span`` (w, h) px."""
    cx, cy, dx, dy = corner
    w, h = span

    def side(x: int, y: int, along_x: bool) -> float:
        """Median ink over the middle half of a side (clear of any corner's arc)."""
        n = w if along_x else h
        steps = np.arange(n // 4, 3 * n // 4)
        if along_x:
            return float(np.median(_inks(canvas, outside, contrast, x + dx * steps, np.full(len(steps), y))))
        return float(np.median(_inks(canvas, outside, contrast, np.full(len(steps), x), y + dy * steps)))

    # The outermost row or column may be only a sliver of anti-aliasing: then the
    # side starts one pixel in.
    ex = cx if side(cx, cy, along_x=False) >= 0.4 else cx + dx
    ey = cy if side(cx, cy, along_x=True) >= 0.4 else cy + dy
    left, top = side(ex, ey, along_x=False), side(ex, ey, along_x=True)
    if min(left, top) < 0.4:
        return "unclear", 0.0
    # A square corner's outermost pixel is covered as the product of its sides.
    square = left * top
    seen = _ink(canvas, outside, contrast, ex, ey)
    if seen >= SHARP_SHARE * square:
        return "sharp", 0.0
    if seen > ROUND_SHARE * square:
        return "unclear", 0.0
    # Where the ink along the diagonal first reaches half the sides' level; a thin
    # arc crosses the diagonal between pixels, so each step s takes the most ink of
    # the pixels (i, j) next to the diagonal with i + j = s.
    def across(s: int) -> float:
        return max(_ink(canvas, outside, contrast, ex + dx * i, ey + dy * (s - i))
                   for i in range((s - 1) // 2, s // 2 + 2) if 0 <= s - i and abs(2 * i - s) <= 2)

    profile = [across(s) for s in range(24)]
    half = 0.5 * min(left, top)
    k = next((k for k, v in enumerate(profile) if v >= half), None)
    if k is None or k == 0:
        return "unclear", 0.0
    t = (k - 1 + (half - profile[k - 1]) / max(profile[k] - profile[k - 1], 1e-6)) / 2
    # The sides' edges lie inside their outermost pixels by 1 - coverage.
    edge_in = 1.0 - 0.5 * (left + top)
    along = max(t + 0.5 - edge_in, 0.0)
    return "rounded", along / DIAGONAL_SHARE


def read_corners(canvas: np.ndarray, box: Box, ink_rgb: tuple[int, int, int] | None, outside: np.ndarray) -> Corners:
    """The corners of ``box`` (outer ink edge, page px) on ``canvas`` (HWC uint8), drawn
    in ``ink_rgb`` on ``outside``."""
    if ink_rgb is None:
        return Corners(0, 0, 0.0)
    out = np.asarray(outside, np.float32)
    contrast = float(np.abs(np.asarray(ink_rgb, np.float32) - out).max())
    if contrast < MIN_CONTRAST or min(box.width, box.height) < MIN_SIDE_PX:
        return Corners(0, 0, 0.0)
    x0, y0, x1, y1 = int(round(box.x0)), int(round(box.y0)), int(round(box.x1)) - 1, int(round(box.y1)) - 1
    span = (x1 - x0 + 1, y1 - y0 + 1)
    found = [_corner(canvas, out, contrast, corner, span)
             for corner in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x1, y1, -1, -1), (x0, y1, 1, -1))]
    radii = [r for kind, r in found if kind == "rounded"]
    return Corners(sum(kind == "sharp" for kind, _ in found), len(radii),
                   float(np.median(radii)) if radii else 0.0)
