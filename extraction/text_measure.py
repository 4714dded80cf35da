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

from crafteditor.model.scene import Box, TextRun
from extraction import fonts
from extraction.fontmatch import (ObservedInk, drop_stroke_ends, fix_by_context, ink_extents, match_font,
                                  restore_spaces)
from extraction.lookalikes import keep_ink_capitals, verify_reading
from extraction.glyphs import border_ring, glyph_mask, plausible_glyphs, strongest, to_rgb, unit
from extraction.ocr import OcrWord
from extraction.pixels import dominant_colour
from extraction.text_shift import measure_head, shifted_tail


@dataclass(frozen=True, slots=True, eq=False)
class InkMask:
    """A boolean mask placed at ``(x0, y0)`` in page pixels."""

    x0: int
    y0: int
    mask: np.ndarray  # HW bool
    keep: np.ndarray  # HW bool: non-text strokes inside the crop, never erased
    faint: np.ndarray | None = None  # HW bool: pixels a little off the background (blur, halo)


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
    runs: tuple[TextRun, ...] = ()  # when a sub- or superscript ends the line: its runs (scene.TextLine)


MAX_TILT_DEG = 5.0


def _reading_angle(angle_deg: float) -> float:
    """The angle to measure a reading at: the nearest multiple of 90 degrees
    when within ``MAX_TILT_DEG`` of it (engines' boxes wobble), else the
    reading's own tilt (a label along a sloping arrow)."""
    for k in (0, 90, -90, 180):
        if abs(((angle_deg - k) + 180) % 360 - 180) <= MAX_TILT_DEG:
            return float(k)
    return float(((angle_deg + 180) % 360) - 180)


def _upright(angle: float) -> bool:
    """True when the reading runs more across the page than up or down it."""
    return abs(((angle + 90) % 180) - 90) < 45


def _to_frame(arr: np.ndarray, angle: float) -> np.ndarray:
    """Turn a page crop so that text reading at ``angle`` reads left to right.

    Quarter turns are exact.  Other angles turn about the crop's centre onto
    a canvas large enough to hold it, whose centre is the crop's centre, so
    frame coordinates keep meaning "about the pivot"; outside is zero.
    """
    if angle == 0:
        return arr
    if angle == -90:
        return np.rot90(arr, -1)  # clockwise: upward text becomes rightward
    if angle == 90:
        return np.rot90(arr, 1)
    if angle == 180:
        return np.rot90(arr, 2)
    h, w = arr.shape[:2]
    rad = np.radians(angle)
    fw = int(np.ceil(abs(w * np.cos(rad)) + abs(h * np.sin(rad))))
    fh = int(np.ceil(abs(w * np.sin(rad)) + abs(h * np.cos(rad))))
    matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0)  # positive: counter-clockwise
    matrix[0, 2] += (fw - w) / 2.0
    matrix[1, 2] += (fh - h) / 2.0
    is_mask = arr.dtype == bool
    src = arr.astype(np.uint8) if is_mask else np.ascontiguousarray(arr)
    out = cv2.warpAffine(src, matrix, (fw, fh), flags=cv2.INTER_NEAREST if is_mask else cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out > 0 if is_mask else out


def _core_colour(colours: np.ndarray, mask: np.ndarray, ground: np.ndarray) -> np.ndarray:
    """The colour of a piece of ink where it stands farthest from its ground (its
    anti-aliased rim left out, so thin glyphs keep the colour they are drawn in)."""
    px = colours[mask]
    dist = np.abs(px - ground).max(axis=1)
    return np.median(px[dist >= np.median(dist)], axis=0)


def _drop_stray_ends(glyphs: np.ndarray, crop: np.ndarray, text: str, angle: float) -> np.ndarray:
    """Drop a narrow mark standing apart at either end of a reading that the
    reading's string does not account for (a dash of a container's border
    just inside the engine's box): it differs from the text's colour, and
    without it the ink's width is closer to the width the string has at the
    ink's height."""
    frame = _to_frame(glyphs, angle)
    cols = np.nonzero(frame.any(axis=0))[0]
    rows = np.nonzero(frame.any(axis=1))[0]
    if len(cols) < 2 or not text:
        return glyphs
    height = rows[-1] - rows[0] + 1
    r = fonts.render(fonts.candidates()[0], text)
    if r is None:
        return glyphs
    want = r.extent_w / r.extent_h * height
    gaps = np.nonzero(np.diff(cols) > 0.5 * height)[0]
    if len(gaps) == 0:
        return glyphs
    width = cols[-1] - cols[0] + 1
    keep_cols = None
    first_cut, last_cut = gaps[0], gaps[-1]
    ends = (
        (cols[first_cut + 1], cols[-1], cols[first_cut] - cols[0] + 1),  # drop the first piece
        (cols[0], cols[last_cut], cols[-1] - cols[last_cut + 1] + 1),  # drop the last piece
    )
    colours = _to_frame(crop.astype(np.float32), angle)
    ground = np.median(colours[~frame], axis=0) if (~frame).any() else np.full(3, 255.0, np.float32)
    for lo, hi, piece in ends:
        # Only a narrow mark (one stroke), never a word, not in the text's
        # colour, and only where that brings the width clearly closer to the string's.
        mark = frame.copy()
        mark[:, lo:hi + 1] = False
        text_part = frame & ~mark
        if not mark.any() or not text_part.any():
            continue
        apart = np.abs(_core_colour(colours, mark, ground) - _core_colour(colours, text_part, ground)).max() > 30
        if apart and piece <= 0.6 * height and abs((hi - lo + 1) - want) < 0.5 * abs(width - want):
            keep_cols = (lo, hi)
            break
    if keep_cols is None:
        return glyphs
    kept = np.zeros_like(frame)
    kept[:, keep_cols[0]:keep_cols[1] + 1] = frame[:, keep_cols[0]:keep_cols[1] + 1]
    if angle == 0:
        return kept
    return glyphs & _from_frame(kept, angle, glyphs.shape)


def _from_frame(arr: np.ndarray, angle: float, shape: tuple[int, ...]) -> np.ndarray:
    """The inverse of ``_to_frame`` for quarter turns; other angles keep the page mask."""
    turns = {90: -1, -90: 1, 180: 2}.get(int(angle)) if float(angle).is_integer() else None
    if turns is None:
        return np.ones(shape, dtype=bool)
    return np.rot90(arr, turns)


def _split_at_gaps(word: OcrWord, glyphs: np.ndarray, keep: np.ndarray, crop_x0: int) -> list[OcrWord]:
    """Cut a reading where its glyphs have a gap half as wide again as the text is tall.

    No label has such a gap between its words; a reading that does spans two
    labels (table cells on one row).  A gap mostly filled by other ink is no
    cut: there a line crossing the text has swallowed glyphs.  The string is
    cut where rendered widths share the line as the ink does.
    """
    ys, xs = np.nonzero(glyphs)
    y0, y1 = ys.min(), ys.max() + 1
    height = y1 - y0
    cols = np.unique(xs)
    other = keep[y0:y1].any(axis=0)
    jumps = np.array([
        j for j in np.nonzero(np.diff(cols) > max(1.5 * height, 8))[0]
        if other[cols[j] + 1:cols[j + 1]].mean() < 0.3
    ], dtype=int)
    text = word.text.strip()
    if len(jumps) == 0 or len(text) < 2:
        return [word]
    # Ink spans of the pieces, and the cut of the string whose rendered
    # widths share the line the same way (any candidate font will do).
    bounds = [cols[0]] + [b for j in jumps for b in (cols[j], cols[j + 1])] + [cols[-1]]
    spans = [bounds[2 * k + 1] - bounds[2 * k] + 1 for k in range(len(jumps) + 1)]
    font = fonts.candidates()[0]
    width = lambda t: fonts.prefix_advance(font, t, len(t))  # noqa: E731
    pieces, start_char = [], 0
    for k in range(len(jumps)):
        want = spans[k] / float(sum(spans[k:]))
        best = None
        for i in range(start_char + 1, len(text)):
            left, right = width(text[start_char:i].strip()), width(text[i:].strip())
            err = abs(left / max(left + right, 1e-6) - want) + (0.0 if " " in text[i - 1:i + 1] else 0.02)
            if best is None or err < best[0]:
                best = (err, i)
        if best is None:
            break
        pieces.append((text[start_char:best[1]], bounds[2 * k], bounds[2 * k + 1]))
        start_char = best[1]
    pieces.append((text[start_char:], bounds[2 * len(pieces)], bounds[-1]))
    y0, y1 = word.box.y0, word.box.y1
    out = []
    for piece, c0, c1 in pieces:
        piece = piece.strip()
        if not piece:
            continue
        pad = 0.15 * height
        px0, px1 = crop_x0 + c0 - pad, crop_x0 + c1 + 1 + pad
        out.append(OcrWord(piece, ((px0, y0), (px1, y0), (px1, y1), (px0, y1)), word.confidence))
    return out


# Below this size a word space is two or three pixels, no wider than the gap
# between two serifed letters once the figure is blurred: spaces stay as read.


def measure(rgb: np.ndarray, word: OcrWord) -> MeasuredLine | None:
    """Measure one reading as one line; None when no glyph ink is found under it."""
    lines = measure_all(rgb, word, depth=1)
    return lines[0] if lines else None


def measure_all(rgb: np.ndarray, word: OcrWord, *, depth: int = 0) -> list[MeasuredLine]:
    """Measure a reading; one that spans separate labels (an engine joins
    table cells on one row) comes back as one line per label."""
    h_img, w_img = rgb.shape[:2]
    angle = _reading_angle(word.angle_deg)
    box = word.box
    q = np.asarray(word.quad, dtype=np.float64)
    across = float(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))  # the reading's own height
    pad = max(3.0, 0.3 * across)
    x0, y0, x1, y1 = box.expand(pad).clip(w_img, h_img).to_int()
    crop = rgb[y0:y1, x0:x1]
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return []
    # Engines' boxes often clip the last glyph: let glyphs centred a little
    # past either end along the reading direction belong to the reading.
    grow_x, grow_y = (0.3 * across, 0.0) if _upright(angle) else (0.0, 0.3 * across)
    inner = (box.x0 - x0 - grow_x, box.y0 - y0 - grow_y, box.x1 - x0 + grow_x, box.y1 - y0 + grow_y)
    bx0, by0, bx1, by1 = (int(v) for v in (box.x0 - x0, box.y0 - y0, np.ceil(box.x1 - x0), np.ceil(box.y1 - y0)))
    bg = dominant_colour(crop[max(by0, 0):by1, max(bx0, 0):bx1])
    ring = border_ring(crop).astype(np.float32)
    flat = float(np.mean(np.abs(ring - bg).max(axis=1) < 12)) > 0.6
    dist = np.abs(crop.astype(np.float32) - bg).max(axis=2)
    edges = (x0 == 0, y0 == 0, x1 == w_img, y1 == h_img)
    glyphs, keep = glyph_mask(dist, across, inner, edges)
    glyphs = plausible_glyphs(glyphs, keep, crop, (box.x0 - x0, box.y0 - y0, box.x1 - x0, box.y1 - y0))
    if not glyphs.any():
        return []
    glyphs = _drop_stray_ends(glyphs, crop, word.text.strip(), angle)
    if not glyphs.any():
        return []
    rows = np.nonzero(_to_frame(glyphs, angle).any(axis=1))[0]
    if rows[-1] - rows[0] + 1 < 0.3 * across and any(c.isalnum() for c in word.text):
        return []  # letters no taller than a dash: a dashed line read as "ew"
    if angle == 0 and depth == 0:
        parts = _split_at_gaps(word, glyphs, keep, x0)
        if len(parts) > 1:
            return [m for part in parts for m in measure_all(rgb, part, depth=1)]
    engine_read = word.text.strip()
    text = fix_by_context(engine_read)
    f_glyphs = _to_frame(glyphs, angle)
    peak = float(np.percentile(dist[glyphs], 90))
    near = cv2.dilate(glyphs.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    coverage = np.where(near, np.clip(dist / max(peak, 1.0), 0.0, 1.0), 0.0).astype(np.float32)
    f_cov = _to_frame(coverage, angle)
    seen = strongest(crop, glyphs, bg)
    hue = unit(seen)
    channels = crop.astype(np.float32) - bg.astype(np.float32)
    channels[cv2.dilate(keep.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 0.0
    observed = ObservedInk.of(f_glyphs, f_cov, _to_frame(channels, angle), hue)
    f_keep = _to_frame(keep, angle)
    # A dropped space makes every proportional face look too wide and a
    # monospaced one win: put spaces back with a plain sans first, then
    # match, then check the spaces again in the matched face.
    plain = fonts.candidates()[0]
    first = fonts.render(plain, text)
    read = text
    if first is not None:
        text, _ = restore_spaces(observed, f_glyphs, f_keep, text, plain, first)
    cand, r, score = match_font(observed, text)
    if text != read:
        # The spaces stand only if the best face with them explains the ink
        # better than the best face without (a fixed-width face leaves wide
        # gaps round narrow letters: "Ma trix").
        plain_match = match_font(observed, read)
        if plain_match[2] >= score:
            text, (cand, r, score) = read, plain_match
    text, (cand, r, score) = drop_stroke_ends(observed, text, (cand, r, score))
    text, r = restore_spaces(observed, f_glyphs, f_keep, text, cand, r)
    text, r = verify_reading(observed, text, cand, r)
    kept = keep_ink_capitals(observed, engine_read, text, cand, r)
    if kept != text and fonts.render(cand, kept) is not None:
        text, r = kept, fonts.render(cand, kept)

    ys, xs = np.nonzero(f_glyphs)
    fx0, fx1, fy0, fy1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    # Small text: the height is a few pixels, so lean on the (longer) width
    # when the matched font predicts it well.
    ew, eh = ink_extents(f_cov, f_glyphs)
    scale_h, scale_w = eh / r.extent_h, ew / r.extent_w
    h_ink, w_ink = fy1 - fy0, fx1 - fx0
    if abs(scale_w / scale_h - 1) < 0.25:
        scale = float((scale_h * h_ink + scale_w * w_ink) / (h_ink + w_ink))
    else:
        # Height and width disagree: sub- or superscripts stretch the ink's
        # height ("I₁·T₁" read as "I1·T1"), a dropped character shrinks its
        # width.  The smaller size never spills out of the source's box.
        scale = float(min(scale_h, scale_w))
    size_px = scale * fonts.REFERENCE_SIZE_PX

    # Frame coordinates: the crop turned into reading order, placed so that its
    # centre sits on the page crop's centre (the pivot).
    pivot = ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
    fh, fw = f_glyphs.shape
    ox, oy = pivot[0] - fw / 2.0, pivot[1] - fh / 2.0
    ink = Box(ox + fx0, oy + fy0, ox + fx1, oy + fy1)
    baseline = ((ink.y0 - r.ink_top * scale) + (ink.y1 - r.ink_bottom * scale)) / 2.0
    pen_x = ink.x0 - r.ink_left * scale

    advance_px = r.advance * scale
    runs: tuple[TextRun, ...] = ()
    tail = shifted_tail(f_glyphs, f_cov, text, cand)
    head = measure_head(f_glyphs, f_cov, text, cand, tail, (ox, oy)) if tail is not None else None
    if head is not None:  # a sub- or superscript ends the line: the rest gives its size and baseline
        runs, (size_px, baseline, pen_x, advance_px) = tail.runs, head
        text = "".join(run.text for run in runs)

    color = np.clip(bg + observed.colour_offset(r, seen), 0.0, 255.0)
    gy, gx = np.nonzero(glyphs)
    page_box = Box(x0 + gx.min(), y0 + gy.min(), x0 + gx.max() + 1, y0 + gy.max() + 1)
    return [MeasuredLine(
        text=text,
        confidence=float(word.confidence),
        angle_deg=float(angle),
        pivot=pivot,
        page_box=page_box,
        ink=ink,
        baseline_y=float(baseline),
        pen_x=float(pen_x),
        advance_px=float(advance_px),
        font_size_px=float(size_px),
        color_rgb=to_rgb(color),
        background_rgb=to_rgb(bg),
        background_flat=flat,
        font=cand,
        match_score=score,
        mask=InkMask(x0, y0, glyphs, keep, faint=dist > 12),
        runs=runs,
    )]


def is_text(line: MeasuredLine, *, min_match: float = 0.1, sure_confidence: float = 0.9) -> bool:
    """False for a reading that no font explains and the engine doubted: a
    pictogram read as letters (a stack of rings as "00")."""
    return line.match_score >= min_match or line.confidence >= sure_confidence


def remeasure(rgb: np.ndarray, text: str, box: Box, confidence: float) -> MeasuredLine | None:
    """Measure ``text`` as one horizontal line read inside ``box`` (page pixels)."""
    quad = ((box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1))
    return measure(rgb, OcrWord(text, quad, confidence))
