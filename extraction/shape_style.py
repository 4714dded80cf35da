"""Paint of a drawn region: fill colour, stroke colour, stroke width and dashes.

The region is given by its silhouette (holes filled) on the cleaned canvas,
with the page background colour.  The outline band is what differs from the
interior near the silhouette's edge; its width is the stroke width; walking
the outer contour tells a dashed stroke (regular runs of ink and gaps) from a
solid one.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from extraction.glyphs import to_rgb
from extraction.pixels import far_from_colour


@dataclass(frozen=True, slots=True)
class Paint:
    fill_rgb: tuple[int, int, int] | None  # None: the interior is the background
    stroke_rgb: tuple[int, int, int] | None  # None: no outline
    stroke_width_px: float = 0.0
    dash_px: tuple[float, ...] = ()  # on, off lengths; empty for a solid stroke


def _far(a: np.ndarray, b, tolerance: float = 24.0) -> np.ndarray:
    if a.dtype == np.uint8:
        return far_from_colour(a, b, tolerance)
    return np.abs(a.astype(np.float32) - np.asarray(b, np.float32)).max(axis=-1) > tolerance


def region_paint(canvas: np.ndarray, silhouette: np.ndarray, background_rgb: tuple[int, int, int],
                 fill_tolerance: float = 4.0, interior_rgb: tuple[float, float, float] | None = None,
                 fine_dashes: bool = False) -> Paint:
    """Paint of the region ``silhouette`` (HW bool, same size as ``canvas``, HWC uint8).

    ``background_rgb`` is the colour around the region; an interior within
    ``fill_tolerance`` of it (per channel) is unfilled.  ``interior_rgb`` is the
    inside colour when known (otherwise read from the silhouette's deep inside).
    ``fine_dashes``: the outline is known to have gaps (the inside leaks through
    it), so dots too short for the usual walk are looked for along the stroke."""
    mask = silhouette.astype(np.uint8)
    depth = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    if interior_rgb is not None:
        interior = np.asarray(interior_rgb, np.float64)
    else:
        deep = depth > max(3.0, 0.25 * float(depth.max()))
        if not deep.any():
            deep = depth >= depth.max()
        interior = np.median(canvas[deep].reshape(-1, 3), axis=0)
    fill_is_bg = not _far(interior[None], background_rgb, fill_tolerance)[0]
    fill = None if fill_is_bg else to_rgb(interior)
    # The outline: pixels near the edge that are neither interior nor background.
    band = silhouette & (depth <= 12)  # the edge zone; colours are compared on it only
    zone = canvas[band]
    far = _far(zone, background_rgb)
    if not fill_is_bg:
        far &= _far(zone, interior)
    band[band] = far
    if not band.any():
        return Paint(fill, None)
    # Anti-aliased edges lie between the interior and the background; an
    # outline's core lies off that segment.
    pixels = canvas[band].reshape(-1, 3).astype(np.float32)
    off = _off_segment(pixels, interior, np.asarray(background_rgb, np.float32))
    core = off > 30
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    perimeter = max(cv2.arcLength(max(contours, key=len), True), 1.0) if contours else 1.0
    if core.sum() < 0.5 * perimeter:
        return Paint(fill, None)
    # The stroke's middle, not its soft edges: a thin stroke has one full pixel in three.
    strongest = core & (off >= np.percentile(off[core], 75))
    stroke = np.median(pixels[strongest], axis=0)
    full = float(np.median(off[strongest]))
    coverage = float(np.clip(off / max(full, 1.0), 0.0, 1.0).sum())
    dashes = _dashes(silhouette, band, contours)
    if not dashes and fine_dashes:
        dashes = _dots(silhouette, band)
    inked_share = dashes[0] / (dashes[0] + dashes[1]) if dashes else 1.0
    width = coverage / (perimeter * inked_share)
    return Paint(fill_rgb=fill, stroke_rgb=to_rgb(stroke), stroke_width_px=round(max(width, 1.0), 1), dash_px=dashes)


def _off_segment(pixels: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of each RGB pixel from the segment between colours ``a`` and ``b``."""
    ab = b.astype(np.float32) - a.astype(np.float32)
    denom = float((ab * ab).sum())
    t = np.clip(((pixels - a) @ ab) / denom, 0.0, 1.0) if denom > 0 else np.zeros(len(pixels), np.float32)
    nearest = a + t[:, None] * ab
    return np.linalg.norm(pixels - nearest, axis=1)


def _dots(silhouette: np.ndarray, band: np.ndarray) -> tuple[float, ...]:
    """(on, off) lengths of short dashes or dots, walking a contour one pixel inside
    the outer edge, through the stroke, where gaps of 1 to 3 px stay open."""
    inner = cv2.erode(silhouette.astype(np.uint8), np.ones((3, 3), np.uint8))
    return _runs(inner, band, grow=False)


def _dashes(silhouette: np.ndarray, band: np.ndarray, contours: tuple | None = None) -> tuple[float, ...]:
    """(on, off) lengths in px if the outline is dashed, walking the outer contour."""
    return _runs(silhouette, band, grow=True, contours=contours)


def _runs(silhouette: np.ndarray, band: np.ndarray, grow: bool, contours: tuple | None = None) -> tuple[float, ...]:
    """``contours``: the outer contours of ``silhouette`` when already at hand."""
    if contours is None:
        contours, _ = cv2.findContours(silhouette.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return ()
    contour = max(contours, key=len).reshape(-1, 2)
    grown = cv2.dilate(band.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0 if grow else band
    inked = grown[contour[:, 1], contour[:, 0]]
    if inked.all() or not inked.any():
        return ()
    # Runs along the closed contour, starting at an ink-to-gap change.
    start = int(np.argmax(inked != np.roll(inked, 1)))
    seq = np.roll(inked, -start)
    bounds = np.concatenate(([0], np.nonzero(seq[1:] != seq[:-1])[0] + 1, [len(seq)]))
    lengths, values = np.diff(bounds), seq[bounds[:-1]]
    on, off = lengths[values], lengths[~values]
    if len(on) < 4 or len(off) < 4:
        return ()
    # The 3x3 growth that lets faint outer edges count lengthens each dash by 2 px.
    grown_px = 2.0 if grow else 0.0
    on_len, off_len = float(np.median(on)) - grown_px, float(np.median(off)) + grown_px
    regular = np.std(on) <= 0.35 * on_len + 1 and np.std(off) <= 0.35 * off_len + 1
    return (round(on_len, 1), round(off_len, 1)) if regular else ()
