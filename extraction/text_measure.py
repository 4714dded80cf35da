"""Measuring one OCR reading against the pixels under it.

For each reading: the local background, the glyph ink (strokes that cross the
reading's box, such as box borders and arrows, are left out), and by matching
the ink against candidate fonts rendered with the same string: family class,
weight, font size, baseline and pen position.  Rotated readings (multiples of
90 degrees) are measured in their own reading frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from crafteditor.scene import Box
from extraction import fonts
from extraction.ocr import OcrWord


@dataclass(frozen=True, slots=True, eq=False)
class InkMask:
    """A boolean mask placed at ``(x0, y0)`` in page pixels."""

    x0: int
    y0: int
    mask: np.ndarray  # HW bool
    keep: np.ndarray  # HW bool: non-text strokes inside the crop, never erased


@dataclass(frozen=True, slots=True, eq=False)
class MeasuredLine:
    """One line of text measured in its reading frame.

    ``angle_deg`` is the reading direction (0, 90, -90 or 180, clockwise);
    ``pivot`` the page point the frame turns about.  ``ink`` (tight ink box),
    ``baseline_y``, ``pen_x`` and ``advance_px`` are in the reading frame, which
    is the page frame turned by ``-angle_deg`` about ``pivot``.
    """

    text: str
    confidence: float
    angle_deg: float
    pivot: tuple[float, float]
    page_box: Box
    ink: Box
    baseline_y: float
    pen_x: float
    advance_px: float
    font_size_px: float
    color_rgb: tuple[int, int, int]
    background_rgb: tuple[int, int, int]
    background_flat: bool
    font: fonts.FontCandidate
    match_score: float
    mask: InkMask = field(repr=False)


def _quantised_angle(angle_deg: float) -> int:
    for k in (0, 90, -90, 180):
        if abs(((angle_deg - k) + 180) % 360 - 180) <= 30:
            return k
    return 0


def _to_frame(arr: np.ndarray, angle: int) -> np.ndarray:
    """Turn a page crop so that text reading at ``angle`` reads left to right."""
    if angle == -90:
        return np.rot90(arr, -1)  # clockwise: upward text becomes rightward
    if angle == 90:
        return np.rot90(arr, 1)
    if angle == 180:
        return np.rot90(arr, 2)
    return arr


def _ring(crop: np.ndarray, width: int = 2) -> np.ndarray:
    return np.concatenate(
        [crop[:width].reshape(-1, 3), crop[-width:].reshape(-1, 3),
         crop[:, :width].reshape(-1, 3), crop[:, -width:].reshape(-1, 3)]
    )


def _dominant_colour(pixels: np.ndarray) -> np.ndarray:
    """The most frequent colour (5 bits a channel) of an HWC crop, as float RGB.

    Text covers well under half of its own box, so this is the colour the
    text sits on, even where the box straddles two cells of a table.
    """
    flat = pixels.reshape(-1, 3)
    if len(flat) == 0:
        raise ValueError("empty crop")
    keys = (flat[:, 0].astype(np.int32) >> 3) << 10 | (flat[:, 1].astype(np.int32) >> 3) << 5 | (flat[:, 2] >> 3)
    values, counts = np.unique(keys, return_counts=True)
    top = values[np.argmax(counts)]
    return flat[keys == top].astype(np.float32).mean(axis=0)


def _glyph_mask(
    dist: np.ndarray, size_hint: float, inner: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Split ink into glyphs (centred in ``inner``, the reading's own box in crop
    pixels) and strokes that run out of the crop.  Ink of neighbouring lines
    caught in the margin belongs to neither."""
    peak = float(np.percentile(dist, 99.5)) if dist.size else 0.0
    threshold = max(28.0, 0.42 * peak)
    ink = (dist > threshold).astype(np.uint8)
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    ix0, iy0, ix1, iy1 = inner
    h, w = ink.shape
    text_ids = np.zeros(n, dtype=bool)
    keep_ids = np.zeros(n, dtype=bool)
    for i in range(1, n):
        x, y, cw, ch, _area = stats[i]
        touches = x == 0 or y == 0 or x + cw >= w or y + ch >= h
        too_long = cw > 3.0 * max(size_hint, 4) and ch <= 3
        cx, cy = centroids[i]
        if touches or too_long:
            keep_ids[i] = True
        elif ix0 <= cx <= ix1 and iy0 <= cy <= iy1:
            text_ids[i] = True
    return text_ids[labels], keep_ids[labels]


def _extents(coverage: np.ndarray, glyphs: np.ndarray) -> tuple[float, float]:
    """Sub-pixel ink width and height of the glyphs (their box grown by a pixel)."""
    ys, xs = np.nonzero(glyphs)
    y0, x0 = max(ys.min() - 1, 0), max(xs.min() - 1, 0)
    crop = coverage[y0:ys.max() + 2, x0:xs.max() + 2]
    return fonts.coverage_extent(crop, 0), fonts.coverage_extent(crop, 1)


def _match_font(
    glyphs: np.ndarray, coverage: np.ndarray, text: str
) -> tuple[fonts.FontCandidate, fonts.Rendering, float]:
    """The candidate whose rendering of ``text`` best matches the observed ink.

    Shapes are compared as anti-aliased coverage (stroke weight shows there,
    not in a thresholded mask), and the width the height predicts must agree
    with the width observed.
    """
    ys, xs = np.nonzero(glyphs)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    observed = cv2.GaussianBlur(coverage[y0:y1, x0:x1], (3, 3), 0.8)
    w_obs, h_obs = x1 - x0, y1 - y0
    ew_obs, eh_obs = _extents(coverage, glyphs)
    mass_obs = float(coverage[y0:y1, x0:x1].sum())
    # Renderers hint small text: vertical metrics snap to the pixel grid, so
    # the width a height predicts is a weak clue below ~20 px of ink.
    width_weight = 1.5 * float(np.clip((eh_obs - 8.0) / 12.0, 0.25, 1.0))
    best = None
    for cand in fonts.candidates():
        r = fonts.render(cand, text)
        if r is None:
            continue
        width_err = abs(r.extent_w * eh_obs / r.extent_h - ew_obs) / max(ew_obs, 1)
        resized = cv2.resize(r.coverage, (int(w_obs), int(h_obs)), interpolation=cv2.INTER_AREA)
        mass_err = abs(float(resized.sum()) - mass_obs) / max(mass_obs, 1e-6)
        resized = cv2.GaussianBlur(resized, (3, 3), 0.8)
        shape = 1.0 - np.abs(resized - observed).sum() / max(float((resized + observed).sum()), 1e-6)
        score = float(shape) - width_weight * width_err - 0.5 * mass_err
        if best is None or score > best[2]:
            best = (cand, r, score)
    if best is None:
        raise ValueError(f"no font renders {text!r}")
    return best


def measure(rgb: np.ndarray, word: OcrWord) -> MeasuredLine | None:
    """Measure one reading; None when no glyph ink is found under it."""
    h_img, w_img = rgb.shape[:2]
    angle = _quantised_angle(word.angle_deg)
    box = word.box
    across = box.height if angle in (0, 180) else box.width
    pad = max(3.0, 0.3 * across)
    x0, y0, x1, y1 = box.expand(pad).clip(w_img, h_img).to_int()
    crop = rgb[y0:y1, x0:x1]
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return None
    # Engines' boxes often clip the last glyph: let glyphs centred a little
    # past either end along the reading direction belong to the reading.
    grow_x, grow_y = (0.3 * across, 0.0) if angle in (0, 180) else (0.0, 0.3 * across)
    inner = (box.x0 - x0 - grow_x, box.y0 - y0 - grow_y, box.x1 - x0 + grow_x, box.y1 - y0 + grow_y)
    bx0, by0, bx1, by1 = (int(v) for v in (box.x0 - x0, box.y0 - y0, np.ceil(box.x1 - x0), np.ceil(box.y1 - y0)))
    bg = _dominant_colour(crop[max(by0, 0):by1, max(bx0, 0):bx1])
    ring = _ring(crop).astype(np.float32)
    flat = float(np.mean(np.abs(ring - bg).max(axis=1) < 12)) > 0.6
    dist = np.abs(crop.astype(np.float32) - bg).max(axis=2)
    glyphs, keep = _glyph_mask(dist, across, inner)
    if not glyphs.any():
        return None
    text = word.text.strip()
    f_glyphs = _to_frame(glyphs, angle)
    f_dist = _to_frame(dist, angle)
    f_crop = _to_frame(crop, angle)
    peak = float(np.percentile(dist[glyphs], 90))
    near = cv2.dilate(glyphs.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    coverage = np.where(near, np.clip(dist / max(peak, 1.0), 0.0, 1.0), 0.0).astype(np.float32)
    f_cov = _to_frame(coverage, angle)
    cand, r, score = _match_font(f_glyphs, f_cov, text)

    ys, xs = np.nonzero(f_glyphs)
    fx0, fx1, fy0, fy1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    # Small text: the height is a few pixels, so lean on the (longer) width
    # when the matched font predicts it well.
    ew, eh = _extents(f_cov, f_glyphs)
    scale_h, scale_w = eh / r.extent_h, ew / r.extent_w
    h_ink, w_ink = fy1 - fy0, fx1 - fx0
    if abs(scale_w / scale_h - 1) < 0.25:
        scale = float((scale_h * h_ink + scale_w * w_ink) / (h_ink + w_ink))
    else:
        scale = float(scale_h)
    size_px = scale * fonts.REFERENCE_SIZE_PX

    # Frame coordinates: the crop turned into reading order, placed so that its
    # centre sits on the page crop's centre (the pivot).
    pivot = ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
    fh, fw = f_glyphs.shape
    ox, oy = pivot[0] - fw / 2.0, pivot[1] - fh / 2.0
    ink = Box(ox + fx0, oy + fy0, ox + fx1, oy + fy1)
    baseline = ((ink.y0 - r.ink_top * scale) + (ink.y1 - r.ink_bottom * scale)) / 2.0
    pen_x = ink.x0 - r.ink_left * scale

    core = f_dist[f_glyphs]
    strong = f_glyphs & (f_dist >= np.percentile(core, 70))
    color = np.median(f_crop[strong].reshape(-1, 3), axis=0)
    gy, gx = np.nonzero(glyphs)
    page_box = Box(x0 + gx.min(), y0 + gy.min(), x0 + gx.max() + 1, y0 + gy.max() + 1)
    return MeasuredLine(
        text=text,
        confidence=float(word.confidence),
        angle_deg=float(angle),
        pivot=pivot,
        page_box=page_box,
        ink=ink,
        baseline_y=float(baseline),
        pen_x=float(pen_x),
        advance_px=float(r.advance * scale),
        font_size_px=float(size_px),
        color_rgb=tuple(int(round(c)) for c in color),
        background_rgb=tuple(int(round(c)) for c in bg),
        background_flat=flat,
        font=cand,
        match_score=score,
        mask=InkMask(x0, y0, glyphs, keep),
    )
