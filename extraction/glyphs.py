"""Glyph ink under an OCR reading: which pixels are text, which are drawing.

The background a reading sits on, the strokes that cross it (taken out so
that glyphs touching them survive), and the tests that keep the ends of
outlines, arrowheads and specks out of the glyphs.
"""

from __future__ import annotations

import cv2
import numpy as np



def border_ring(crop: np.ndarray, width: int = 2) -> np.ndarray:
    return np.concatenate(
        [crop[:width].reshape(-1, 3), crop[-width:].reshape(-1, 3),
         crop[:, :width].reshape(-1, 3), crop[:, -width:].reshape(-1, 3)]
    )


def strongest(crop: np.ndarray, glyphs: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """Offset from the background of the strongest glyph pixels (median of the top 30%)."""
    pixels = crop.astype(np.float64)
    dist = np.abs(pixels - bg).max(axis=2)
    strong = glyphs & (dist >= np.percentile(dist[glyphs], 70))
    return np.median(pixels[strong].reshape(-1, 3), axis=0) - bg


def unit(vector: np.ndarray) -> np.ndarray:
    length = float(np.linalg.norm(vector))
    return vector / length if length > 1e-6 else np.zeros(3)


def to_rgb(values: np.ndarray) -> tuple[int, int, int]:
    r, g, b = (int(round(min(max(float(v), 0.0), 255.0))) for v in values)
    return (r, g, b)


def plausible_glyphs(
    glyphs: np.ndarray, keep: np.ndarray, crop: np.ndarray, strict: tuple[float, float, float, float]
) -> np.ndarray:
    """Doubtful glyphs must have the text's colour.

    Doubtful are pieces past the engine's box (the margin that lets a clipped
    last letter in also lets in the end of a rounded box or an arrowhead) and
    pieces touching drawing (what taking a crossing line out leaves of the
    regions it bounded, the curved end of an outline).  The others set the
    text colour and height.
    """
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(glyphs.astype(np.uint8), connectivity=8)
    near_drawing = cv2.dilate(keep.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    touching = set(np.unique(labels[near_drawing & glyphs]).tolist()) - {0}
    sx0, sy0, sx1, sy1 = strict
    sure = [
        i for i in range(1, n)
        if i not in touching and sx0 <= centroids[i][0] <= sx1 and sy0 <= centroids[i][1] <= sy1
    ]
    out = glyphs.copy()
    gh, gw = glyphs.shape
    for i in range(1, n):  # taller than the reading itself: the end of an outline, not a glyph
        x, y, cw, ch, _area = stats[i]
        at_page_edge = x == 0 or y == 0 or x + cw >= gw or y + ch >= gh  # the engine's box is cut there too
        if ch > 1.15 * (sy1 - sy0) and not at_page_edge:
            out[labels == i] = False
    # Specks off the text's band (the faint arc of a rounded outline breaks
    # into them) are not glyphs; dots and underscores lie on the band.
    heights = [stats[i][3] for i in range(1, n) if out[labels == i].any()]
    if heights:
        tallest = max(heights)
        big = [i for i in range(1, n) if stats[i][3] >= 0.5 * tallest and out[labels == i].any()]
        top = min(stats[i][1] for i in big) - 0.15 * tallest
        bottom = max(stats[i][1] + stats[i][3] for i in big) + 0.15 * tallest
        for i in range(1, n):
            small = stats[i][3] < 0.5 * tallest and stats[i][2] < 0.3 * tallest
            if small and not top <= centroids[i][1] <= bottom:
                out[labels == i] = False
    if not sure or len(sure) == n - 1:
        return out
    text_colour = np.median(crop[np.isin(labels, sure)].reshape(-1, 3).astype(np.float32), axis=0)
    tallest = max(stats[i][3] for i in sure)
    for i in set(range(1, n)) - set(sure):
        colour = np.median(crop[labels == i].reshape(-1, 3).astype(np.float32), axis=0)
        if np.abs(colour - text_colour).max() > 60 or stats[i][3] > 1.3 * tallest:
            out[labels == i] = False
    return out


def _straight_lines(ink: np.ndarray, run: int) -> np.ndarray:
    """Pixels of straight strokes at least ``run`` long: horizontal and
    vertical ones by morphological opening, slanted ones by a Hough search
    among the strokes that leave the crop or meet those lines (glyph strokes
    are shorter)."""
    def opened(kernel: np.ndarray) -> np.ndarray:
        # Zero outside the crop: OpenCV's default border would let a stem that
        # touches the crop's edge pass for a long line.
        return cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)

    lines = opened(np.ones((1, 2 * run), np.uint8)) | opened(np.ones((run, 1), np.uint8))
    rest = ink & (1 - lines)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    h, w = ink.shape
    meets_line = set(np.unique(labels[cv2.dilate(lines, np.ones((3, 3), np.uint8)) > 0]).tolist())
    leaving = [i for i in range(1, n) if i in meets_line or stats[i][0] == 0 or stats[i][1] == 0
               or stats[i][0] + stats[i][2] >= w or stats[i][1] + stats[i][3] >= h]
    if not leaving:
        return lines
    candidates = np.isin(labels, leaving).astype(np.uint8) * 255
    # A slanted line may be cut short by the straight ones it meets, so the
    # search takes half of ``run`` (an em or so) and only truly slanted
    # segments: upright glyph stems are as long.
    length = max(run // 2, 10)
    segments = cv2.HoughLinesP(candidates, 1, np.pi / 180, threshold=max(length // 3, 8),
                               minLineLength=length, maxLineGap=3)
    if segments is None:
        return lines
    width = cv2.distanceTransform(candidates, cv2.DIST_L2, 3)
    thickness = int(np.clip(round(2 * float(np.percentile(width[candidates > 0], 90))), 1, 6)) + 1
    slanted = np.zeros_like(ink)
    for x1, y1, x2, y2 in segments.reshape(-1, 4):
        angle = abs(np.degrees(np.arctan2(float(y2 - y1), float(x2 - x1)))) % 180
        if 15 <= angle <= 165 and not 75 <= angle <= 105:
            cv2.line(slanted, (int(x1), int(y1)), (int(x2), int(y2)), 1, thickness)
    return lines | (slanted & ink)


def glyph_mask(
    dist: np.ndarray,
    size_hint: float,
    inner: tuple[float, float, float, float],
    page_edges: tuple[bool, bool, bool, bool] = (False, False, False, False),
) -> tuple[np.ndarray, np.ndarray]:
    """Split ink into glyphs (centred in ``inner``, the reading's own box in crop
    pixels) and strokes that run out of the crop.  Ink of neighbouring lines
    caught in the margin belongs to neither.  ``page_edges`` (left, top,
    right, bottom) marks crop sides that are the page's own edge: text cut by
    the page edge still is text."""
    peak = float(np.percentile(dist, 99.5)) if dist.size else 0.0
    threshold = max(28.0, 0.42 * peak)
    ink = (dist > threshold).astype(np.uint8)
    # Straight lines running through (a border a glyph touches, an arrow
    # crossing the label) are taken out first, so the glyphs they touch
    # still come out as glyphs; the lines themselves are kept.
    lines = _straight_lines(ink, int(max(1.5 * size_hint, 12)))
    ink &= 1 - lines
    line_zone = cv2.dilate(lines, np.ones((3, 3), np.uint8)) > 0
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    ix0, iy0, ix1, iy1 = inner
    h, w = ink.shape
    text_ids = np.zeros(n, dtype=bool)
    keep_ids = np.zeros(n, dtype=bool)
    for i in range(1, n):
        x, y, cw, ch, _area = stats[i]
        left, top, right, bottom = page_edges
        touches = (
            (x == 0 and not left) or (y == 0 and not top)
            or (x + cw >= w and not right) or (y + ch >= h and not bottom)
        )
        too_long = cw > 3.0 * max(size_hint, 4) and ch <= 3
        cx, cy = centroids[i]
        # The fringe a removed line leaves (its anti-aliased edge) is thin
        # and lies along it: drawing, not a glyph.
        fringe = min(cw, ch) <= 2 and line_zone[y:y + ch, x:x + cw][labels[y:y + ch, x:x + cw] == i].any()
        if touches or too_long or fringe:
            keep_ids[i] = True
        elif ix0 <= cx <= ix1 and iy0 <= cy <= iy1:
            text_ids[i] = True
    # A frame drawn round the text (a title box) is one component that holds
    # the glyphs' centres inside it: a drawing, not a glyph.
    glyph_ids = np.nonzero(text_ids)[0]
    for i in glyph_ids:
        x, y, cw, ch, _area = stats[i]
        inside = sum(
            1 for j in glyph_ids
            if j != i and x < centroids[j][0] < x + cw and y < centroids[j][1] < y + ch
        )
        if inside >= 2 and cw * ch > 4 * stats[i][4]:
            text_ids[i] = False
            keep_ids[i] = True
    return text_ids[labels], keep_ids[labels] | (lines > 0)
