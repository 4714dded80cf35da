"""Matching a line's ink against fonts rendered with the same string.

Gives the family, weight and size, and checks the reading itself: word
spaces the engine dropped (look-alike characters: ``extraction.lookalikes``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

from extraction import fonts


def ink_extents(coverage: np.ndarray, glyphs: np.ndarray) -> tuple[float, float]:
    """Sub-pixel ink width and height of the glyphs (their box grown by a pixel)."""
    ys, xs = np.nonzero(glyphs)
    y0, x0 = max(ys.min() - 1, 0), max(xs.min() - 1, 0)
    crop = coverage[y0:ys.max() + 2, x0:xs.max() + 2]
    return fonts.coverage_extent(crop, 0), fonts.coverage_extent(crop, 1)


BLUR_PAD = 3
LONG_LINE = 14  # a line wider than this many heights is compared by its start only
WINDOW_HEIGHTS = 10


BLUR_SIGMAS = (0.0, 0.6, 1.0, 1.5, 2.2)


@dataclass(frozen=True, slots=True, eq=False)
class ObservedInk:
    """A line's ink, prepared once for comparison with candidate renderings."""

    blurred: np.ndarray
    width: int
    height: int
    extent_w: float
    extent_h: float
    width_weight: float
    contrast: np.ndarray  # signed contrast along the text's hue, glyph box + BLUR_PAD
    channels: np.ndarray  # signed contrast per RGB channel (HW3), same region
    inset: tuple[int, int]  # where the glyph box starts inside ``contrast`` (x, y)
    mask: np.ndarray  # HW bool: the glyphs, cropped to their box

    @classmethod
    def of(cls, glyphs: np.ndarray, coverage: np.ndarray, channels: np.ndarray, unit: np.ndarray) -> ObservedInk:
        ys, xs = np.nonzero(glyphs)
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        crop = coverage[y0:y1, x0:x1]
        ew, eh = ink_extents(coverage, glyphs)
        px0, py0 = max(x0 - BLUR_PAD, 0), max(y0 - BLUR_PAD, 0)
        region = channels[py0:y1 + BLUR_PAD, px0:x1 + BLUR_PAD].astype(np.float32)
        return cls(
            contrast=np.ascontiguousarray(region @ unit.astype(np.float32)),
            channels=region,
            inset=(int(x0 - px0), int(y0 - py0)),
            mask=np.ascontiguousarray(glyphs[y0:y1, x0:x1]),
            blurred=cv2.GaussianBlur(crop, (3, 3), 0.8),
            width=int(x1 - x0),
            height=int(y1 - y0),
            extent_w=ew,
            extent_h=eh,
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
        if self.width <= LONG_LINE * self.height:
            k, resid, _sigma = self._fit(self.contrast, self._ideal(r))
            return k, resid
        # A long line: hinting in the source's renderer shifts each advance
        # a little, and stretched to the whole line a rendering drifts off its
        # glyphs, the right face most of all.  Compare it in stretches of a
        # few heights, each placed where it fits best (a few pixels either way
        # of where the line's proportions put it), the rendering scaled by
        # height alone.
        ix, iy = self.inset
        scaled_w = max(int(round(r.coverage.shape[1] * self.height / r.coverage.shape[0])), 1)
        ref = cv2.resize(r.coverage, (scaled_w, self.height), interpolation=cv2.INTER_AREA)
        ink = self.contrast[iy:iy + self.height, ix:ix + self.width]
        chunk = int(WINDOW_HEIGHTS * self.height)
        total_energy = float((ink ** 2).sum()) or 1.0
        unexplained, gains = 0.0, []
        for a in range(0, self.width, chunk):
            target = np.ascontiguousarray(ink[:, a:a + chunk])
            start = int(round(a * scaled_w / self.width))
            best = None
            for shift in range(-3, 4):
                lo = start + shift
                r0, r1 = max(lo, 0), min(lo + target.shape[1], scaled_w)
                piece = np.zeros_like(target)
                if r1 > r0:
                    piece[:, r0 - lo:r1 - lo] = ref[:, r0:r1]
                k, resid, _sigma = self._fit(target, piece)
                if best is None or resid < best[1]:
                    best = (k, resid)
            energy = float((target ** 2).sum())
            unexplained += best[1] * energy
            gains.append((best[0], energy))
        k = sum(g * e for g, e in gains) / max(sum(e for _g, e in gains), 1e-6)
        return k, unexplained / total_energy

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
        """How well a rendering explains the ink, 1 at best.

        The rendering, blurred as the ink is, must explain the ink's contrast
        (anti-aliased coverage shows stroke weight, which a thresholded mask
        hides, and blurred normal text does not pass for bold), and the width
        its height predicts must be the width observed.
        """
        _k, resid = self.blur_fit(r)
        return 1.0 - resid - self.width_weight * self.width_error(r)

    def width_error(self, r: fonts.Rendering) -> float:
        """Relative difference between the ink's width and the width the
        rendering predicts from the ink's height."""
        return abs(r.extent_w * self.extent_h / r.extent_h - self.extent_w) / max(self.extent_w, 1)


# A serif or monospaced face is taken only where its rendering explains the
# ink clearly better than every sans face: at small sizes the faces' scores
# lie close, and a wrong serif or fixed-width face shows more than a wrong sans.
CLASS_MARGIN = 0.03


def match_font(observed: ObservedInk, text: str) -> tuple[fonts.FontCandidate, fonts.Rendering, float]:
    """The candidate whose rendering of ``text`` best explains the observed ink
    (sans unless another class wins by ``CLASS_MARGIN``)."""
    best = sans = None
    for cand in fonts.candidates():
        r = fonts.render(cand, text)
        if r is None:
            continue
        score = observed.score(r)
        if best is None or score > best[2]:
            best = (cand, r, score)
        if cand.font_class == "sans" and (sans is None or score > sans[2]):
            sans = (cand, r, score)
    if best is None:
        raise ValueError(f"no font renders {text!r}")
    if sans is not None and best[2] - sans[2] < CLASS_MARGIN:
        return sans
    return best


# Marks an engine reads where a line or an arrow meets a label ("Outputs-", "- Call-").
STROKE_MARKS = "-‐‑‒–—―_|"


def drop_stroke_ends(
    observed: ObservedInk, text: str, match: tuple[fonts.FontCandidate, fonts.Rendering, float]
) -> tuple[str, tuple[fonts.FontCandidate, fonts.Rendering, float]]:
    """Strip dashes and bars from the ends of a reading where the glyph ink does not
    show them: a connector touching a label is read as a dash, but its stroke runs
    out of the reading and is no glyph (``glyphs.glyph_mask``), so the string
    without the marks, matched afresh (a narrower face must not make room for
    them), explains the glyphs better.  ``match`` is ``text``'s (``match_font``);
    returns the text kept and its match."""
    stripped = text.strip(STROKE_MARKS + " ")
    if stripped == text or not stripped:
        return text, match
    try:
        fresh = match_font(observed, stripped)
    except ValueError:  # no face draws what is left
        return text, match
    return (stripped, fresh) if fresh[2] > match[2] else (text, match)


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


def restore_spaces(
    observed: ObservedInk, glyphs: np.ndarray, keep: np.ndarray, text: str, cand: fonts.FontCandidate,
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
    # The spaces must make the rendering explain the ink's width better
    # (ink of another word caught in the box has gaps too).
    if rendered is None or observed.width_error(rendered) >= observed.width_error(r):
        return text, r
    return spaced, rendered
