"""Measuring one OCR reading against the pixels under it.

For each reading: the local background, the glyph ink (strokes that cross the
reading's box, such as box borders and arrows, are left out), and by matching
the ink against candidate fonts rendered with the same string: family class,
weight, font size, baseline and pen position.  Rotated readings (multiples of
90 degrees) are measured in their own reading frame.
"""

from __future__ import annotations

import re

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


MAX_TILT_DEG = 5.0


def _quantised_angle(angle_deg: float) -> int | None:
    """The multiple of 90 degrees a reading runs along, or None for tilted text."""
    for k in (0, 90, -90, 180):
        if abs(((angle_deg - k) + 180) % 360 - 180) <= MAX_TILT_DEG:
            return k
    return None


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


def _strongest(crop: np.ndarray, glyphs: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """Offset from the background of the strongest glyph pixels (median of the top 30%)."""
    pixels = crop.astype(np.float64)
    dist = np.abs(pixels - bg).max(axis=2)
    strong = glyphs & (dist >= np.percentile(dist[glyphs], 70))
    return np.median(pixels[strong].reshape(-1, 3), axis=0) - bg


def _unit(vector: np.ndarray) -> np.ndarray:
    length = float(np.linalg.norm(vector))
    return vector / length if length > 1e-6 else np.zeros(3)


def _rgb(values: np.ndarray) -> tuple[int, int, int]:
    r, g, b = (int(round(min(max(float(v), 0.0), 255.0))) for v in values)
    return (r, g, b)


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
    return np.clip(flat[keys == top].astype(np.float64).mean(axis=0), 0.0, 255.0)


def _text_coloured(
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


def _glyph_mask(
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


def _extents(coverage: np.ndarray, glyphs: np.ndarray) -> tuple[float, float]:
    """Sub-pixel ink width and height of the glyphs (their box grown by a pixel)."""
    ys, xs = np.nonzero(glyphs)
    y0, x0 = max(ys.min() - 1, 0), max(xs.min() - 1, 0)
    crop = coverage[y0:ys.max() + 2, x0:xs.max() + 2]
    return fonts.coverage_extent(crop, 0), fonts.coverage_extent(crop, 1)


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    """1 for equal non-negative arrays, 0 for disjoint ones."""
    return 1.0 - float(np.abs(a - b).sum()) / max(float((a + b).sum()), 1e-6)


BLUR_PAD = 3
BLUR_SIGMAS = (0.0, 0.6, 1.0, 1.5, 2.2)


@dataclass(frozen=True, slots=True, eq=False)
class _Observed:
    """A line's ink, prepared once for comparison with candidate renderings."""

    blurred: np.ndarray
    rows: np.ndarray
    width: int
    height: int
    extent_w: float
    extent_h: float
    mass: float
    width_weight: float
    contrast: np.ndarray  # signed contrast along the text's hue, glyph box + BLUR_PAD
    channels: np.ndarray  # signed contrast per RGB channel (HW3), same region
    inset: tuple[int, int]  # where the glyph box starts inside ``contrast`` (x, y)

    @classmethod
    def of(cls, glyphs: np.ndarray, coverage: np.ndarray, channels: np.ndarray, unit: np.ndarray) -> _Observed:
        ys, xs = np.nonzero(glyphs)
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        crop = coverage[y0:y1, x0:x1]
        ew, eh = _extents(coverage, glyphs)
        px0, py0 = max(x0 - BLUR_PAD, 0), max(y0 - BLUR_PAD, 0)
        region = channels[py0:y1 + BLUR_PAD, px0:x1 + BLUR_PAD].astype(np.float32)
        return cls(
            contrast=np.ascontiguousarray(region @ unit.astype(np.float32)),
            channels=region,
            inset=(int(x0 - px0), int(y0 - py0)),
            blurred=cv2.GaussianBlur(crop, (3, 3), 0.8),
            rows=crop.sum(axis=1),
            width=int(x1 - x0),
            height=int(y1 - y0),
            extent_w=ew,
            extent_h=eh,
            mass=float(crop.sum()),
            # Renderers hint small text: vertical metrics snap to the pixel
            # grid, so the width a height predicts is a weak clue below ~20 px.
            width_weight=1.5 * float(np.clip((eh - 8.0) / 12.0, 0.25, 1.0)),
        )

    def _ideal(self, r: fonts.Rendering) -> np.ndarray:
        ideal = np.zeros_like(self.contrast)
        ix, iy = self.inset
        resized = cv2.resize(r.coverage, (self.width, self.height), interpolation=cv2.INTER_AREA)
        ideal[iy:iy + self.height, ix:ix + self.width] = resized[: ideal.shape[0] - iy, : ideal.shape[1] - ix]
        return ideal

    @staticmethod
    def _fit(target: np.ndarray, ideal: np.ndarray) -> tuple[float, float, float]:
        """Fit ``target ≈ k · blur_σ(ideal)`` over a few σ; ``(k, residual share, σ)``."""
        energy = float((target ** 2).sum()) or 1.0
        best = (0.0, np.inf, 0.0)
        for sigma in BLUR_SIGMAS:
            b = cv2.GaussianBlur(ideal, (0, 0), sigma) if sigma > 0 else ideal
            bb = float((b * b).sum())
            if bb <= 0:
                continue
            k = float((b * target).sum()) / bb
            resid = float(((target - k * b) ** 2).sum()) / energy
            if resid < best[1]:
                best = (k, resid, sigma)
        return best

    def blur_fit(self, r: fonts.Rendering) -> tuple[float, float]:
        """How well ``r`` blurred explains the contrast along the text's hue.

        Returns ``(k, residual)``: ``k`` is the full contrast (what blur and
        resampling hide), the residual the unexplained share of its energy.
        """
        k, resid, _sigma = self._fit(self.contrast, self._ideal(r))
        return k, resid

    def colour_offset(self, r: fonts.Rendering, seen: np.ndarray) -> np.ndarray:
        """Full contrast per RGB channel, given ``seen``, the offset of the
        strongest glyph pixels.

        Sharp text shows its colour: ``seen`` is kept.  Blurred text never
        reaches it, but the ink's amount survives blur, so each channel is
        fitted with its own blur (JPEG blurs colour more than brightness).
        """
        ideal = self._ideal(r)
        _k, _resid, sigma = self._fit(self.contrast, ideal)
        if sigma == 0.0:
            return seen
        fitted = np.array([self._fit(np.ascontiguousarray(self.channels[..., c]), ideal)[0] for c in range(3)])
        return fitted if np.linalg.norm(fitted) > np.linalg.norm(seen) else seen

    def score(self, r: fonts.Rendering) -> float:
        """How well a rendering explains the ink: shape, less width and mass errors.

        Shapes are compared as anti-aliased coverage (stroke weight shows
        there, not in a thresholded mask).  Row profiles carry x-height,
        ascender and serif proportions without the horizontal drift that
        kerning and hinting add along a long line; the 2-D overlap adds glyph
        shape for short ones.
        """
        width_err = abs(r.extent_w * self.extent_h / r.extent_h - self.extent_w) / max(self.extent_w, 1)
        resized = cv2.resize(r.coverage, (self.width, self.height), interpolation=cv2.INTER_AREA)
        _k, resid = self.blur_fit(r)
        return 1.0 - resid - self.width_weight * width_err


def _match_font(observed: _Observed, text: str) -> tuple[fonts.FontCandidate, fonts.Rendering, float]:
    """The candidate whose rendering of ``text`` best explains the observed ink."""
    best = None
    for cand in fonts.candidates():
        r = fonts.render(cand, text)
        if r is None:
            continue
        score = observed.score(r)
        if best is None or score > best[2]:
            best = (cand, r, score)
    if best is None:
        raise ValueError(f"no font renders {text!r}")
    return best


# Look-alikes whose glyphs differ enough for the ink to decide.  ``l`` and
# ``I`` (one glyph in many sans faces) and ``O``/``0`` are left to context;
# case pairs (``c``/``C``) differ only in size, which a font missing from the
# candidates gets wrong, so the engine's reading stands.
CONFUSABLE: dict[str, tuple[str, ...]] = {
    "×": ("x",), "x": ("×", "X"), "X": ("x", "×"), "ð": ("d",), "ı": ("i",), "ℓ": ("l",),
    "ß": ("s", "ss", "B"),
}
_CAPITAL_I_IN_WORD = re.compile(r"(?<=[a-z])I(?=[a-z]|\b)|(?<=^[A-Z])I(?=[a-z]{3})")
_LETTER_O_IN_NUMBER = re.compile(r"(?<=[0-9])[Oo](?=[0-9.,])|(?<=[0-9][.,])[Oo]")


def fix_by_context(text: str) -> str:
    """Context rules for look-alikes the ink cannot settle.

    A capital I after a lowercase letter, or second in a capitalised word, in
    a word with no other capital inside it is an l ("DownsampIe", "CIassifier";
    "mIoU" is left alone); a letter O inside
    a number is a zero ("1O.5").
    """
    def word_fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if any(c.isupper() for c in word[1:].replace("I", "")):
            return word
        return _CAPITAL_I_IN_WORD.sub("l", word)

    text = re.sub(r"[A-Za-z]+", word_fix, text)
    return _LETTER_O_IN_NUMBER.sub("0", text)


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
MIN_SPACE_EM_PX = 14.0


def _ink_gaps(glyphs: np.ndarray, other: np.ndarray | None = None) -> list[tuple[float, float]]:
    """(centre, width) of the empty column runs between glyph ink, in glyph-box columns.

    Columns where ``other`` ink (a line crossing the text) runs through the
    glyphs' rows are not empty: taking the line out is no word space.
    """
    xs = np.nonzero(glyphs.any(axis=0))[0]
    if other is not None:
        ys = np.nonzero(glyphs.any(axis=1))[0]
        band = other[ys.min():ys.max() + 1, xs.min():xs.max() + 1].any(axis=0)
        xs = np.union1d(xs, np.nonzero(band)[0] + xs.min())
    cols = xs - xs.min()
    out = []
    for a, b in zip(cols[:-1], cols[1:]):
        if b - a > 1:
            out.append(((a + b) / 2.0, float(b - a - 1)))
    return out


def _restore_spaces(
    observed: _Observed, glyphs: np.ndarray, keep: np.ndarray, text: str, cand: fonts.FontCandidate,
    r: fonts.Rendering,
) -> tuple[str, fonts.Rendering]:
    """Put back word spaces an engine dropped ("Trainingof", "(0,0)").

    A gap in the ink clearly wider than the letter gaps is a space.  Gaps
    that already have a space in the reading anchor the mapping from ink to
    characters; each remaining wide gap goes to the nearest character
    boundary of its stretch, found from the matched font's advances.
    """
    gaps = _ink_gaps(glyphs, keep)
    if len(gaps) < 2 or len(text) < 3:
        return text, r
    em = fonts.REFERENCE_SIZE_PX * observed.extent_h / max(r.extent_h, 1e-6)
    if em < MIN_SPACE_EM_PX:
        return text, r
    typical = float(np.median([w for _c, w in gaps]))
    # A monospaced face leaves wide gaps round narrow letters; its space is a whole cell.
    extra = 0.3 if cand.font_class == "monospace" else 0.18
    wide = [c for c, w in gaps if w >= max(typical + extra * em, 0.25 * em)]
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if len(wide) <= len(spaces):
        return text, r
    sx = observed.width / max(r.ink_right - r.ink_left, 1e-6)
    at = [(fonts.prefix_advance(cand, text, i) - r.ink_left) * sx for i in range(len(text) + 1)]
    # Anchors: (ink x, character index) for the ends and each existing space.
    anchors = [(0.0, 0), (float(observed.width), len(text))]
    free = list(wide)
    for i in spaces:
        if not free:
            break
        nearest = min(free, key=lambda c: abs(c - (at[i] + at[i + 1]) / 2))
        anchors.append((nearest, i))
        free.remove(nearest)
    anchors.sort()
    cuts = set()
    char_w = observed.width / max(len(text), 1)
    for c in free:
        (xa, ia), (xb, ib) = next(
            ((a, b) for a, b in zip(anchors, anchors[1:]) if a[0] <= c <= b[0]), (anchors[0], anchors[-1]))
        if ib - ia < 2 or xb <= xa:
            continue
        # Map the gap into the rendered stretch between the two anchors.
        t = at[ia] + (c - xa) / (xb - xa) * (at[ib] - at[ia])
        i = min(range(ia + 1, ib), key=lambda k: abs(at[k] - t))
        if abs(at[i] - t) <= 0.6 * char_w and text[i - 1] != " " and text[i] != " ":
            cuts.add(i)
    if not cuts:
        return text, r
    spaced = "".join((" " + ch if i in cuts else ch) for i, ch in enumerate(text))
    rendered = fonts.render(cand, spaced)
    return (spaced, rendered) if rendered is not None else (text, r)


def _verify_reading(
    observed: _Observed, text: str, cand: fonts.FontCandidate, r: fonts.Rendering, margin: float = 0.06
) -> tuple[str, fonts.Rendering]:
    """Swap look-alike characters where the swap explains the ink clearly better.

    Each confusable character is judged on the columns it occupies only, in
    the matched font, so the rest of the line adds no noise.
    """
    def local(rendering: fonts.Rendering, c0: int, c1: int) -> float:
        img = cv2.resize(rendering.coverage, (observed.width, observed.height), interpolation=cv2.INTER_AREA)
        img = cv2.GaussianBlur(img, (3, 3), 0.8)
        return _similarity(img[:, c0:c1], observed.blurred[:, c0:c1])

    for i, ch in enumerate(text):
        alts = CONFUSABLE.get(ch, ())
        if not alts:
            continue
        sx = observed.width / max(r.ink_right - r.ink_left, 1e-6)
        c0 = max(int((fonts.prefix_advance(cand, text, i) - r.ink_left) * sx) - 2, 0)
        c1 = min(int(np.ceil((fonts.prefix_advance(cand, text, i + 1) - r.ink_left) * sx)) + 2, observed.width)
        if c1 - c0 < 2:
            continue
        current = local(r, c0, c1)
        for alt in alts:
            variant = text[:i] + alt + text[i + 1:]
            rv = fonts.render(cand, variant)
            if rv is not None and local(rv, c0, c1) > current + margin:
                text, r, current = variant, rv, local(rv, c0, c1)
    return text, r


def measure(rgb: np.ndarray, word: OcrWord) -> MeasuredLine | None:
    """Measure one reading as one line; None when no glyph ink is found under it."""
    lines = measure_all(rgb, word, depth=1)
    return lines[0] if lines else None


def measure_all(rgb: np.ndarray, word: OcrWord, *, depth: int = 0) -> list[MeasuredLine]:
    """Measure a reading; one that spans separate labels (an engine joins
    table cells on one row) comes back as one line per label."""
    h_img, w_img = rgb.shape[:2]
    angle = _quantised_angle(word.angle_deg)
    if angle is None:
        # Tilted text (a label along a sloping arrow) is not measured yet: it
        # stays on the canvas and is traced with the drawing.
        return []
    box = word.box
    across = box.height if angle in (0, 180) else box.width
    pad = max(3.0, 0.3 * across)
    x0, y0, x1, y1 = box.expand(pad).clip(w_img, h_img).to_int()
    crop = rgb[y0:y1, x0:x1]
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return []
    # Engines' boxes often clip the last glyph: let glyphs centred a little
    # past either end along the reading direction belong to the reading.
    grow_x, grow_y = (0.3 * across, 0.0) if angle in (0, 180) else (0.0, 0.3 * across)
    inner = (box.x0 - x0 - grow_x, box.y0 - y0 - grow_y, box.x1 - x0 + grow_x, box.y1 - y0 + grow_y)
    bx0, by0, bx1, by1 = (int(v) for v in (box.x0 - x0, box.y0 - y0, np.ceil(box.x1 - x0), np.ceil(box.y1 - y0)))
    bg = _dominant_colour(crop[max(by0, 0):by1, max(bx0, 0):bx1])
    ring = _ring(crop).astype(np.float32)
    flat = float(np.mean(np.abs(ring - bg).max(axis=1) < 12)) > 0.6
    dist = np.abs(crop.astype(np.float32) - bg).max(axis=2)
    edges = (x0 == 0, y0 == 0, x1 == w_img, y1 == h_img)
    glyphs, keep = _glyph_mask(dist, across, inner, edges)
    glyphs = _text_coloured(glyphs, keep, crop, (box.x0 - x0, box.y0 - y0, box.x1 - x0, box.y1 - y0))
    if not glyphs.any():
        return []
    if angle == 0 and depth == 0:
        parts = _split_at_gaps(word, glyphs, keep, x0)
        if len(parts) > 1:
            return [m for part in parts for m in measure_all(rgb, part, depth=1)]
    text = fix_by_context(word.text.strip())
    f_glyphs = _to_frame(glyphs, angle)
    f_dist = _to_frame(dist, angle)
    f_crop = _to_frame(crop, angle)
    peak = float(np.percentile(dist[glyphs], 90))
    near = cv2.dilate(glyphs.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    coverage = np.where(near, np.clip(dist / max(peak, 1.0), 0.0, 1.0), 0.0).astype(np.float32)
    f_cov = _to_frame(coverage, angle)
    seen = _strongest(crop, glyphs, bg)
    unit = _unit(seen)
    channels = crop.astype(np.float32) - bg.astype(np.float32)
    channels[cv2.dilate(keep.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 0.0
    observed = _Observed.of(f_glyphs, f_cov, _to_frame(channels, angle), unit)
    f_keep = _to_frame(keep, angle)
    # A dropped space makes every proportional face look too wide and a
    # monospaced one win: put spaces back with a plain sans first, then
    # match, then check the spaces again in the matched face.
    plain = fonts.candidates()[0]
    first = fonts.render(plain, text)
    if first is not None:
        text, _ = _restore_spaces(observed, f_glyphs, f_keep, text, plain, first)
    cand, r, score = _match_font(observed, text)
    text, r = _restore_spaces(observed, f_glyphs, f_keep, text, cand, r)
    text, r = _verify_reading(observed, text, cand, r)

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
        advance_px=float(r.advance * scale),
        font_size_px=float(size_px),
        color_rgb=_rgb(color),
        background_rgb=_rgb(bg),
        background_flat=flat,
        font=cand,
        match_score=score,
        mask=InkMask(x0, y0, glyphs, keep, faint=dist > 12),
    )]


def is_text(line: MeasuredLine, *, min_match: float = 0.1, sure_confidence: float = 0.9) -> bool:
    """False for a reading that no font explains and the engine doubted: a
    pictogram read as letters (a stack of rings as "00")."""
    return line.match_score >= min_match or line.confidence >= sure_confidence


def remeasure(rgb: np.ndarray, text: str, box: Box, confidence: float) -> MeasuredLine | None:
    """Measure ``text`` as one horizontal line read inside ``box`` (page pixels)."""
    quad = ((box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1))
    return measure(rgb, OcrWord(text, quad, confidence))
