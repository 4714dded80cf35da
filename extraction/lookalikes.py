"""Look-alike characters settled by the glyph's own ink.

A reading's character is swapped for a look-alike only where its ink
decides it, never by the shape of the word around it:

- ``x`` and ``X`` differ in height.  The glyph's top is set against the
  line's own x-height and cap height, measured on the other letters of the
  same line; with neither measured the reading stands.
- ``×`` and ``x`` differ in shape and place: the sign floats above the
  baseline (in most faces) and has thin, even diagonals.  The sign is taken
  only where no candidate face's ``x`` explains the glyph's ink as well as
  some face's ``×``, and never where the glyph sits on the baseline and
  reaches the x-height like the line's lowercase letters.
- A few rare readings (``ð``, ``ı``, ``ℓ``, ``ß``) are checked against their
  plain look-alikes in the matched face.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from extraction import fonts

# Rare readings checked against plain look-alikes in the matched face.
CONFUSABLE: dict[str, tuple[str, ...]] = {"ð": ("d",), "ı": ("i",), "ℓ": ("l",), "ß": ("s", "ss", "B")}

X_FAMILY = "xX×"
SHORT = set("acemnorsuvwz")  # lowercase letters standing between baseline and x-height
TALL = set("ABCDEFGHIKLMNOPRSTUVWYZ0123456789bdhkl")  # reach the cap (or ascender) line
SITS = (SHORT | TALL | set("fit")) - set("AMW")  # rest on the baseline in their middle columns
SHORT_TOP = set("acemnorsz")  # reach the x-height in their middle columns
DESCEND = set("gjpqyQJ,;()[]{}|/_@$")  # reach below the baseline
RISE = set("()[]{}|/'\"^`´¨˜ÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜÝ")  # reach above the cap line


@dataclass(frozen=True, slots=True)
class Extent:
    """A character's ink rows in the line's glyph box (top inclusive, bottom exclusive)."""

    top: float
    bottom: float


@dataclass(frozen=True, slots=True)
class LineLevels:
    """The line's baseline, x-height and cap line in glyph-box rows, where measured."""

    baseline: float | None
    x_line: float | None
    cap_line: float | None

    @property
    def x_height(self) -> float | None:
        if self.baseline is None:
            return None
        top = self.x_line if self.x_line is not None else (
            self.baseline - 0.72 * (self.baseline - self.cap_line) if self.cap_line is not None else None)
        return None if top is None else self.baseline - top


def char_spans(text: str, cand: fonts.FontCandidate, r: fonts.Rendering, width: int) -> list[tuple[float, float]]:
    """Each character's column span in the glyph box, from the matched face's advances."""
    sx = width / max(r.ink_right - r.ink_left, 1e-6)
    at = [(fonts.prefix_advance(cand, text, i) - r.ink_left) * sx for i in range(len(text) + 1)]
    return list(zip(at[:-1], at[1:]))


def column_extent(mask: np.ndarray, span: tuple[float, float], shrink: float = 0.0) -> Extent | None:
    """Ink rows in the columns of ``span`` (less ``shrink`` of its width at each side)."""
    a, b = span
    c0 = max(int(np.ceil(a + shrink * (b - a))), 0)
    c1 = min(int(np.floor(b - shrink * (b - a))) + 1, mask.shape[1])
    if c1 <= c0:
        return None
    rows = np.nonzero(mask[:, c0:c1].any(axis=1))[0]
    return Extent(float(rows[0]), float(rows[-1] + 1)) if len(rows) else None


def crossed(piece: np.ndarray) -> bool:
    """Whether an ink piece (HW bool, its columns) is drawn as two crossing
    strokes, as ``x``, ``X`` and ``×`` are: apart at its top and bottom, joined
    in the middle.  Another letter found in the span (drift of the advances
    over a long line) is not judged."""
    rows = np.nonzero(piece.any(axis=1))[0]
    if len(rows) < 3 or piece.shape[1] < 3:
        return False
    piece = piece[rows[0]:rows[-1] + 1]
    h, w = piece.shape
    band = max(1, h // 5)
    middle = piece[h // 2 - h // 6:h // 2 + max(h // 6, 1)]
    if not middle.any():
        return False
    cx = int(round(float(np.nonzero(middle)[1].mean())))  # where the strokes cross
    centre = slice(max(cx - w // 10, 0), cx + w // 10 + 1)  # the crossing's column or so, clear of serifs
    return not piece[:band, centre].any() and not piece[-band:, centre].any()


def glyph_extent(mask: np.ndarray, span: tuple[float, float]) -> Extent | None:
    """Ink rows of the x-family glyph drawn in ``span``: the ink piece with most
    pixels in the span's middle columns, as far as both its halves reach; None
    when no piece stands alone near the span (glyphs run together)."""
    a, b = span
    width = b - a
    n, labels, stats, _centroids = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    c0, c1 = max(int(a + 0.25 * width), 0), min(int(np.ceil(b - 0.25 * width)), mask.shape[1])
    if n < 2 or c1 <= c0:
        return None
    counts = np.bincount(labels[:, c0:c1].ravel(), minlength=n)
    counts[0] = 0
    k = int(counts.argmax())
    if counts[k] == 0:
        return None
    x, _y, w, _h = stats[k][:4]
    if x < a - 0.4 * width or x + w > b + 0.4 * width:
        return None  # run together with a neighbour: the ink does not say where the glyph ends
    if not crossed(labels[:, x:x + w] == k):
        return None
    if abs((x + w / 2) - (a + b) / 2) > 0.5 * width:
        return None
    # The x family has four arms: both halves reach the glyph's top and bottom.
    mid = x + w // 2
    halves = [(labels[:, c0:c1] == k).any(axis=1) for c0, c1 in ((x, mid), (mid, x + w)) if c1 > c0]
    if len(halves) < 2 or not all(h.any() for h in halves):
        return None
    top = max(int(np.argmax(h)) for h in halves)
    bottom = min(len(h) - int(np.argmax(h[::-1])) for h in halves)
    return Extent(float(top), float(bottom)) if bottom > top else None


def line_levels(text: str, mask: np.ndarray, spans: list[tuple[float, float]], skip: set[int]) -> LineLevels:
    """The line's baseline, x-line and cap line, measured on its other letters.

    Without descenders the glyph box ends on the baseline; with a tall letter
    and nothing rising above the cap line it starts on the cap line.
    Otherwise each level is the median over the letters that reach it,
    measured in the middle of their columns (where neighbours do not reach).
    """
    others = [(ch, span) for i, (ch, span) in enumerate(zip(text, spans)) if i not in skip]

    def median(chars: set[str], end: str) -> float | None:
        values = [getattr(e, end) for ch, span in others if ch in chars
                  for e in [column_extent(mask, span, 0.25)] if e is not None]
        return float(np.median(values)) if values else None

    chars = {ch for ch, _span in others}
    baseline = float(mask.shape[0]) if not chars & DESCEND else median(SITS, "bottom")
    if chars & TALL and not chars & RISE:
        cap_line = 0.0
    else:
        cap_line = median(TALL - set("AMVWY"), "top")
    return LineLevels(baseline=baseline, x_line=median(SHORT_TOP, "top"), cap_line=cap_line)


def case_by_height(e: Extent, levels: LineLevels) -> str | None:
    """``x`` or ``X`` by where the glyph's top stands; None when the ink does not say."""
    if levels.baseline is None:
        return None
    height = e.bottom - e.top
    if levels.x_line is not None and levels.cap_line is not None:
        gap = levels.x_line - levels.cap_line
        if gap < 1.5:
            return None
        frac = (levels.x_line - e.top) / gap  # 0 at the x-height, 1 at the cap line
    elif levels.cap_line is not None:
        # x-heights run from about 0.66 to 0.83 of the cap height (and the cap
        # line measured on ascenders stands a little higher): clear of both.
        # A row of anti-aliasing above an x's top must not keep it from being read low.
        cap = max(levels.baseline - levels.cap_line, 1e-6)
        return "X" if height / cap >= 0.9 else "x" if (height - 1.0) / cap <= 0.8 else None
    elif levels.x_line is not None:
        # Cap heights run from about 1.2 to 1.5 x-heights; a pixel of rounding
        # must not make an x a capital.
        xh = levels.baseline - levels.x_line
        if levels.x_line - e.top < max(1.5, 0.12 * xh):
            return "x" if abs(e.top - levels.x_line) <= 1.0 else None
        frac = (height / max(xh, 1e-6) - 1.0) / 0.2
    else:
        return None
    if frac >= 0.65:
        return "X"
    if frac <= 0.35:
        return "x"
    return None


def on_baseline(e: Extent, levels: LineLevels) -> bool:
    """True when the glyph's foot is on the line's baseline (a ``×`` floats above it in most faces)."""
    if levels.baseline is None:
        return False
    xh = levels.x_height or (e.bottom - e.top)
    return e.bottom >= levels.baseline - max(0.75, 0.08 * xh)


def rests_like_a_letter(e: Extent, levels: LineLevels) -> bool:
    """True when the glyph sits on the baseline and reaches the x-height as the
    line's lowercase letters do: an ``x``, never a raised ``×``."""
    xh = levels.x_height
    if levels.x_line is None or xh is None:
        return False
    return on_baseline(e, levels) and abs(e.top - levels.x_line) <= max(1.0, 0.12 * xh)


def _local(observed, rendering: fonts.Rendering, c0: int, c1: int) -> float:
    img = cv2.resize(rendering.coverage, (observed.width, observed.height), interpolation=cv2.INTER_AREA)
    img = cv2.GaussianBlur(img, (3, 3), 0.8)
    a, b = img[:, c0:c1], observed.blurred[:, c0:c1]
    return 1.0 - float(np.abs(a - b).sum()) / max(float((a + b).sum()), 1e-6)


def _best_over_faces(observed, text: str, c0: int, c1: int) -> float:
    best = -np.inf
    for cand in fonts.candidates():
        r = fonts.render(cand, text)
        if r is not None:
            best = max(best, _local(observed, r, c0, c1))
    return best


def _window(spans: list[tuple[float, float]], i: int, width: int) -> tuple[int, int]:
    a, b = spans[i]
    return max(int(a) - 2, 0), min(int(np.ceil(b)) + 2, width)


def _times_lead(observed, text: str, i: int, window: tuple[int, int]) -> float:
    """How much better some face's ``×`` explains the glyph than any face's ``x`` or ``X``."""
    def best(ch: str) -> float:
        return _best_over_faces(observed, text[:i] + ch + text[i + 1:], *window)

    return best("×") - max(best("x"), best("X"))


def is_times(observed, text: str, i: int, e: Extent, levels: LineLevels, spans, margin: float) -> bool:
    """Whether the x-family glyph at ``i`` is a multiplication sign.

    Never one reaching the cap line or resting like the line's lowercase
    letters; read as a letter, the sign must explain the ink clearly better;
    read as the sign, a glyph standing on the baseline must still be
    explained better by the sign, one floating above it need not be worse
    by much.
    """
    if case_by_height(e, levels) == "X" or rests_like_a_letter(e, levels):
        return False
    lead = _times_lead(observed, text, i, _window(spans, i, observed.width))
    if text[i] != "×":
        return lead > margin
    return lead > (0.0 if on_baseline(e, levels) else -margin)


def verify_reading(
    observed, text: str, cand: fonts.FontCandidate, r: fonts.Rendering, margin: float = 0.06
) -> tuple[str, fonts.Rendering]:
    """Swap look-alike characters where the glyph's own ink decides it.

    ``observed`` is the line's :class:`extraction.fontmatch.ObservedInk`.
    """
    spans = char_spans(text, cand, r, observed.width)
    chars = list(text)
    if any(ch in X_FAMILY for ch in text):
        levels = line_levels(text, observed.mask, spans, {i for i, ch in enumerate(text) if ch in X_FAMILY})
        for i, ch in enumerate(text):
            if ch not in X_FAMILY:
                continue
            e = glyph_extent(observed.mask, spans[i])
            if e is None or spans[i][1] - spans[i][0] < 2:
                continue
            if is_times(observed, text, i, e, levels, spans, margin):
                choice = "×"
            else:
                choice = case_by_height(e, levels) or (ch if ch != "×" else "x")
            chars[i] = choice
    for i, ch in enumerate(text):
        for alt in CONFUSABLE.get(ch, ()):
            c0, c1 = _window(spans, i, observed.width)
            rv = fonts.render(cand, text[:i] + alt + text[i + 1:])
            if c1 - c0 >= 2 and rv is not None and _local(observed, rv, c0, c1) > _local(observed, r, c0, c1) + margin:
                chars[i] = alt
                break
    fixed = "".join(chars)
    if fixed == text:
        return text, r
    rendered = fonts.render(cand, fixed)
    return (fixed, rendered) if rendered is not None else (text, r)


def serifed_capital_i(mask: np.ndarray, span: tuple[float, float]) -> bool:
    """Whether the bar drawn in ``span`` has a serif on both sides at its top, as a
    serif face's ``I`` has and its ``l`` (a flag to the left only) has not."""
    a, b = span
    c0, c1 = max(int(np.floor(a)), 0), min(int(np.ceil(b)), mask.shape[1])
    if c1 - c0 < 3:
        return False
    piece = mask[:, c0:c1]
    rows = np.nonzero(piece.any(axis=1))[0]
    if len(rows) < 6:
        return False
    piece = piece[rows[0]:rows[-1] + 1]
    cols = piece.sum(axis=0)
    stem = np.nonzero(cols >= 0.8 * piece.shape[0])[0]  # the bar runs the glyph's height
    if len(stem) == 0:
        return False
    top = piece[:max(1, piece.shape[0] // 6)]
    return bool(top[:, :stem[0]].any() and top[:, stem[-1] + 1:].any())


def keep_ink_capitals(observed, read: str, text: str, cand: fonts.FontCandidate, r: fonts.Rendering) -> str:
    """Undo a context swap of ``I`` to ``l`` (``fontmatch.fix_by_context``) where the
    glyph's ink shows a serifed ``I``: context settles only what the ink cannot."""
    if len(read.replace(" ", "")) != len(text.replace(" ", "")):
        return text
    flat_read = read.replace(" ", "")
    at = [j for j, ch in enumerate(text) if ch != " "]
    spans = char_spans(text, cand, r, observed.width)
    chars = list(text)
    for k, ch in enumerate(flat_read):
        j = at[k]
        if ch == "I" and text[j] == "l" and serifed_capital_i(observed.mask, spans[j]):
            chars[j] = "I"
    return "".join(chars)
