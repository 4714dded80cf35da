"""Flat regions of a cleaned canvas: the page, and the insides of drawn shapes.

A pixel is flat when its 3x3 neighbourhood varies by less than a tolerance in
every channel; connected flat pixels of one colour form a region.  Strokes,
anti-aliased edges, pictures and gradients are not flat, so they separate
regions.  Regions of the page colour that touch the image border are the page;
every other wide region is a candidate shape interior.  Dashed outlines leak,
so a second labelling closes gaps of up to ``DASH_GAP_PX`` in the non-flat
pixels first and reports the regions that only that closing encloses.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from extraction.pixels import near_colour

FLAT_RANGE = 14  # max-min of a 3x3 neighbourhood, per channel, for a flat pixel
TINT_STEP = 6.0  # a smoothed colour this far from its region's is a tint of its own
TINT_STD = 3.0  # a tint split off the page is this uniform
DASH_GAP_PX = 9
MIN_AREA_PX = 120
MAX_STD = 9.0  # colour spread within a region (JPEG noise passes, gradients do not)
MIN_INSIDE_PX = 4.0  # an interior holds a disc of this radius; thinner flat ink is a stroke


@dataclass(frozen=True, slots=True, eq=False)  # holds arrays: compared by identity
class Region:
    """One flat region: its mask over ``xyxy`` (ints, exclusive ends), colour and area."""

    xyxy: tuple[int, int, int, int]
    mask: np.ndarray  # HW bool over xyxy
    colour: tuple[float, float, float]
    area_px: int
    dashed_pass: bool = False

    def full_mask(self, shape_hw: tuple[int, int]) -> np.ndarray:
        out = np.zeros(shape_hw, dtype=bool)
        x0, y0, x1, y1 = self.xyxy
        out[y0:y1, x0:x1] = self.mask
        return out


@dataclass(frozen=True, slots=True, eq=False)  # holds arrays: compared by identity
class Flatness:
    """The labelling of a canvas: ``page`` (HW bool) and the candidate interiors."""

    page: np.ndarray
    flat: np.ndarray
    interiors: tuple[Region, ...]


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` (HW bool) with every part it encloses (not reachable from the border) set."""
    padded = np.pad(mask.astype(np.uint8), 1)
    flood = padded.copy()
    cv2.floodFill(flood, None, (0, 0), 1)
    holes = flood == 0
    return (padded.astype(bool) | holes)[1:-1, 1:-1]


def flat_pixels(rgb: np.ndarray, tolerance: int = FLAT_RANGE) -> np.ndarray:
    kernel = np.ones((3, 3), np.uint8)
    spread = cv2.dilate(rgb, kernel) - cv2.erode(rgb, kernel)
    return near_colour(spread, (0, 0, 0), tolerance, np.int16)  # spread.max(axis=2) <= tolerance


def _label(flat: np.ndarray, rgb: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(flat.astype(np.uint8), connectivity=4)
    counts = stats[:, cv2.CC_STAT_AREA].astype(np.float64)  # pixels of each label (the unlabelled too)
    counts[counts == 0] = 1
    sums, sq = _channel_sums(labels, rgb, n)
    mean = sums / counts[:, None]
    std = np.sqrt(np.maximum(sq / counts[:, None] - mean**2, 0.0)).max(axis=1)
    return n, labels, stats, mean, std


_LEVELS = np.arange(256, dtype=np.int64)
MAX_HISTOGRAM_BINS = 1 << 22


def _channel_sums(labels: np.ndarray, rgb: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per label of ``labels`` (HW int32, 0..n-1) and channel of ``rgb``: the sum of
    the values and of their squares (n x 3 float64, exact: integers below 2**53).

    With few labels, one histogram of (label, value) per channel gives both by a
    dot product, counting instead of adding floats; with many, weighted counts."""
    sums, sq = np.empty((n, 3)), np.empty((n, 3))
    if n * 256 <= MAX_HISTOGRAM_BINS:
        base = labels.astype(np.intp) * 256
        for c in range(3):
            hist = np.bincount((base + rgb[:, :, c]).ravel(), minlength=n * 256).reshape(n, 256)
            sums[:, c], sq[:, c] = hist @ _LEVELS, hist @ (_LEVELS * _LEVELS)
        return sums, sq
    flat_labels = labels.ravel().astype(np.intp)  # once, not once per bincount
    for c in range(3):  # one channel at a time: a float copy of the whole image would be 24 bytes a pixel
        v = rgb[:, :, c].ravel().astype(np.float64)
        sums[:, c], sq[:, c] = np.bincount(flat_labels, v, minlength=n), np.bincount(flat_labels, v * v, minlength=n)
    return sums, sq


def _near_all(colours: np.ndarray, other: np.ndarray, tolerance: float = 10.0) -> np.ndarray:
    """For each row of ``colours`` (N x 3): is it within ``tolerance`` of ``other`` in every channel?"""
    return np.abs(np.asarray(colours, np.float64) - np.asarray(other, np.float64)).max(axis=1) <= tolerance


def _touches_border(stats: np.ndarray, shape_hw: tuple[int, int]) -> np.ndarray:
    """For each component of ``stats`` (OpenCV's): does its box touch the image border?"""
    h, w = shape_hw
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    return (x == 0) | (y == 0) | (x + stats[:, cv2.CC_STAT_WIDTH] == w) | (y + stats[:, cv2.CC_STAT_HEIGHT] == h)


def find_regions(rgb: np.ndarray, background_rgb: tuple[int, int, int], tolerance: int = FLAT_RANGE) -> Flatness:
    """Label the flat regions of ``rgb`` (HWC uint8) and split page from interiors."""
    h, w = rgb.shape[:2]
    flat = flat_pixels(rgb, tolerance)
    n, labels, stats, mean, std = _label(flat, rgb)
    cut = _tint_edges(rgb, flat, (n, labels, stats, mean), background_rgb)
    if cut.any():
        flat &= ~cut
        n, labels, stats, mean, std = _label(flat, rgb)
    is_page = _touches_border(stats, (h, w)) & _near_all(mean, background_rgb, 14)
    is_page[0] = False
    page = is_page[labels]
    interiors: list[Region] = []
    candidate = ~is_page & (stats[:, cv2.CC_STAT_AREA] >= MIN_AREA_PX) & ~(std > MAX_STD)
    candidate &= np.minimum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= 5
    candidate[0] = False
    for i in np.nonzero(candidate)[0]:
        x, y, bw, bh, area = (int(v) for v in stats[i])
        mask = labels[y:y + bh, x:x + bw] == i
        if not _wide(mask):
            continue
        interiors.append(Region((x, y, x + bw, y + bh), mask, tuple(float(c) for c in mean[i]), area))
    interiors.extend(_dashed_interiors(flat, rgb, (labels, stats[:, cv2.CC_STAT_AREA])))
    return Flatness(page=page, flat=flat, interiors=tuple(interiors))


def _tint_edges(rgb: np.ndarray, flat: np.ndarray, labelled: tuple[int, np.ndarray, np.ndarray, np.ndarray],
                background_rgb: tuple[int, int, int]) -> np.ndarray:
    """Where a light tint meets the page (or a region of another shade) without an
    outline, each pixel's neighbourhood varies less than ``FLAT_RANGE`` and the two
    join into one flat region.  Within each large region, a wide part whose
    smoothed colour stands ``TINT_STEP`` or more from the region's own colour (the
    page's: the background) is a tint of its own: the returned mask (HW bool)
    is the edge to cut between them."""
    n, labels, stats, mean = labelled
    cut = np.zeros(flat.shape, dtype=bool)
    # Only the page: a shade within a shape may be a gradient.
    pages = (stats[:, cv2.CC_STAT_AREA] >= 8 * MIN_AREA_PX) & _touches_border(stats, flat.shape)
    pages &= _near_all(mean, background_rgb, 14)
    pages[0] = False
    if not pages.any():
        return cut
    weight = cv2.blur(flat.astype(np.float32), (5, 5))
    smooth = cv2.blur(rgb.astype(np.float32) * flat[..., None], (5, 5)) / np.maximum(weight, 1e-6)[..., None]
    own = np.asarray(background_rgb, np.float32)
    for i in np.nonzero(pages)[0]:
        x, y, bw, bh, area = (int(v) for v in stats[i])
        mask = labels[y:y + bh, x:x + bw] == i
        window = smooth[y:y + bh, x:x + bw]
        off = np.abs(window[..., 0] - own[0]) >= TINT_STEP  # any channel that far (one at a time: no HxWx3 temporaries)
        for c in (1, 2):
            off |= np.abs(window[..., c] - own[c]) >= TINT_STEP
        off &= mask
        if off.sum() < 4 * MIN_AREA_PX:
            continue
        m, parts, part_stats, _ = cv2.connectedComponentsWithStats(off.astype(np.uint8), connectivity=4)
        for j in np.nonzero(part_stats[:, cv2.CC_STAT_AREA] >= 4 * MIN_AREA_PX)[0]:
            if j == 0:
                continue
            # Each part on its own box (a pixel wider all round for its edge), not the region's.
            px, py, pw, ph = (int(v) for v in part_stats[j, :4])
            part = parts[py:py + ph, px:px + pw] == j
            if not _wide(part):
                continue
            if float(rgb[y + py:y + py + ph, x + px:x + px + pw][part].astype(np.float32).std(axis=0).max()) > TINT_STD:
                continue  # a gradient, not one flat tint
            gx0, gy0, gx1, gy1 = max(px - 1, 0), max(py - 1, 0), min(px + pw + 1, bw), min(py + ph + 1, bh)
            part = parts[gy0:gy1, gx0:gx1] == j
            edge = cv2.dilate(part.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
            cut[y + gy0:y + gy1, x + gx0:x + gx1] |= edge & ~part & mask[gy0:gy1, gx0:gx1]
    return cut


def _wide(mask: np.ndarray) -> bool:
    """Does the region hold a disc of radius ``MIN_INSIDE_PX`` (lines of solid ink do not)?"""
    dist = cv2.distanceTransform(np.pad(mask, 1).astype(np.uint8), cv2.DIST_L2, 3)
    return float(dist.max()) >= MIN_INSIDE_PX


def _dashed_interiors(flat: np.ndarray, rgb: np.ndarray, first: tuple[np.ndarray, np.ndarray]) -> list[Region]:
    """Regions enclosed once gaps up to ``DASH_GAP_PX`` in the ink are closed, that
    without the closing leak into a larger flat region of their colour (the page,
    or the inside of a container holding a dotted circle).  ``first`` is the
    labelling without closing: labels (HW int32) and each label's area."""
    h, w = flat.shape
    first_labels, first_areas = first
    ink = (~flat).astype(np.uint8)
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((DASH_GAP_PX, DASH_GAP_PX), np.uint8))
    closed = cv2.dilate(closed, np.ones((3, 3), np.uint8)) > 0  # diagonal gaps at rounded corners
    flat2 = flat & ~closed
    n, labels, stats, mean, std = _label(flat2, rgb)
    out = []
    candidate = ~_touches_border(stats, (h, w)) & (stats[:, cv2.CC_STAT_AREA] >= 4 * MIN_AREA_PX) & ~(std > MAX_STD)
    candidate &= np.minimum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= 12
    candidate[0] = False
    for i in np.nonzero(candidate)[0]:
        x, y, bw, bh, area = (int(v) for v in stats[i])
        mask = labels[y:y + bh, x:x + bw] == i
        under = first_labels[y:y + bh, x:x + bw][mask]
        host = int(np.bincount(under).argmax())
        if host == 0 or (under == host).mean() < 0.9 or not _leaks(first_labels, host, first_areas[host], (x, y), mask):
            continue  # already enclosed without closing: found by the first pass
        out.append(Region((x, y, x + bw, y + bh), mask, tuple(float(c) for c in mean[i]), area, dashed_pass=True))
    return out


def _leaks(labels: np.ndarray, host: int, host_area: int, origin_xy: tuple[int, int], mask: np.ndarray) -> bool:
    """Does the flat region ``host`` of ``labels`` (HW int32) reach beyond the
    outline round ``mask`` (at ``origin_xy``), through the gaps closing sealed?"""
    x, y = origin_xy
    pad = 2 * DASH_GAP_PX
    h, w = labels.shape
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(w, x + mask.shape[1] + pad), min(h, y + mask.shape[0] + pad)
    near = np.zeros((y1 - y0, x1 - x0), np.uint8)
    near[y - y0:y - y0 + mask.shape[0], x - x0:x - x0 + mask.shape[1]] = mask
    near = cv2.dilate(near, np.ones((2 * pad + 1, 2 * pad + 1), np.uint8)) > 0
    return int(host_area) - int(((labels[y0:y1, x0:x1] == host) & near).sum()) >= MIN_AREA_PX
