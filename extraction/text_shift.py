"""Sub- and superscripts at the end of a reading, from the ink of its glyphs.

A line's ink (in its reading frame) falls into glyph groups: runs of inked
columns.  The trailing groups are a subscript when each sits clearly below the
line's baseline (the median bottom of the groups before them) and starts
clearly below their tops, a superscript when each ends clearly above that
baseline and starts about as high as their tops; both are smaller than the
tallest glyph before them and not mere specks (commas, quotes, degree signs).
How many characters of the reading they hold is the split whose rendered
widths (the shifted part at ``SHIFTED_SCALE``) share the ink's width as the
groups do; and the cut stands only where the font would not draw those
characters as large and as placed on the line (a raised asterisk or quote is
in its place).  The string only says where to cut, never whether to.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from crafteditor.model.scene import TextRun
from extraction import fonts

SHIFTED_SCALE = 0.65  # the size of a sub- or superscript, of its line's (as the writer draws it)
MIN_HEIGHT_PX = 7  # below this the glyphs' positions are a pixel or two: no shift is read
CORE = 0.5  # the coverage of a glyph's core
MAX_WIDTH_ERROR = 0.08  # the split's share of the width may differ from the ink's by this much


@dataclass(frozen=True, slots=True)
class ShiftedTail:
    """The runs of a reading (its shifted part in plain characters, also where the
    engine read Unicode sub- or superscript forms) and the frame column where the
    shifted part starts."""

    runs: tuple[TextRun, ...]
    head_chars: int  # characters of the string before the shifted part
    split_x: int  # first column of the shifted part, in the frame mask


def _groups(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Glyph groups ``(x0, x1, top, bottom)`` (x1, bottom exclusive), left to right: connected
    pieces of ink, those stacked over one another (an i's dot, an equals sign) as one."""
    import cv2

    n, _labels, stats, _c = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    pieces = sorted([int(x), int(x + w), int(y), int(y + h)] for x, y, w, h, _a in stats[1:n])
    out: list[list[int]] = []
    for p in pieces:
        for g in out:
            overlap = min(g[1], p[1]) - max(g[0], p[0])
            if overlap >= 0.5 * min(g[1] - g[0], p[1] - p[0]):
                g[:] = [min(g[0], p[0]), max(g[1], p[1]), min(g[2], p[2]), max(g[3], p[3])]
                break
        else:
            out.append(p)
    return [tuple(g) for g in sorted(out)]


def _shift_of(group: tuple[int, int, int, int], head: list[tuple[int, int, int, int]]) -> str | None:
    """"sub" or "super" when ``group`` is one against the glyphs of ``head``; "small" for a
    speck (a hyphen, a plus) that may sit between shifted glyphs; else None."""
    tall = max(g[3] - g[2] for g in head)
    if tall < MIN_HEIGHT_PX:
        return None
    base = float(np.median([g[3] for g in head]))
    top = float(np.median([g[2] for g in head]))
    t, b = group[2], group[3]
    if b - t > tall:
        return None
    if b - t < 0.45 * tall:
        return "small"
    # nearly as tall as the tallest glyph (a subscript digit after x-height letters) only
    # when it starts below their middle, as no descending letter does
    if b >= base + 0.12 * tall and t >= top + (0.2 if b - t <= 0.9 * tall else 0.45) * tall:
        return "sub"
    if b - t > 0.9 * tall:
        return None
    if b <= base - 0.3 * tall and t <= top + 0.1 * tall:
        return "super"
    return None


def _tail(groups: list[tuple[int, int, int, int]]) -> tuple[str, int] | None:
    """The shift and the number of groups of the longest run of shifted glyphs ending the
    line (specks inside it lying within the shifted glyphs' height count in it)."""
    shift, n = None, 0
    for k in range(1, len(groups)):
        found = _shift_of(groups[-k], groups[:-k])
        if found == "small" and shift is not None:
            right = groups[-k + 1]
            if right[2] <= (groups[-k][2] + groups[-k][3]) / 2 <= right[3]:
                continue  # within the shifted glyphs' height: in the run if one stands left of it too
            break
        if found not in ("sub", "super") or (shift is not None and found != shift):
            break
        shift, n = found, k
    return (shift, n) if shift is not None else None


def shifted_tail(glyphs: np.ndarray, coverage: np.ndarray, text: str,
                 font: fonts.FontCandidate) -> ShiftedTail | None:
    """The sub- or superscript ending the reading ``text`` whose glyph ink (reading frame,
    HW bool, with its 0..1 ``coverage``) is ``glyphs``, drawn in ``font``; None when its
    last glyphs sit on the line.  Glyphs are told apart on their cores (coverage of a
    half at least): anti-aliasing joins glyphs that nearly touch."""
    groups = _groups(glyphs & (coverage >= CORE))
    if len(groups) < 2 or len(text) < 2 or text != text.strip():
        return None
    found = _tail(groups)
    if found is None:
        return None
    shift, n = found
    head, tail = groups[:-n], groups[-n:]
    ink_share = (tail[-1][1] - tail[0][0]) / float(tail[-1][1] - head[0][0])
    # an engine may read shifted glyphs as the Unicode sub- and superscript forms (x₀, mc²)
    forms = [_form(c) for c in text]
    plain = "".join(unicodedata.normalize("NFKC", c) if form else c for c, form in zip(text, forms))
    best = None
    for i in range(1, len(plain)):
        if plain[i].isspace() or plain[i - 1].isspace() or len(plain) - i > 2 * n + 1:
            continue
        a_head = fonts.prefix_advance(font, plain, i)
        a_tail = SHIFTED_SCALE * fonts.prefix_advance(font, plain[i:], len(plain) - i)
        err = abs(a_tail / max(a_head + a_tail, 1e-6) - ink_share)
        if best is None or err < best[0]:
            best = (err, i)
    if best is None or best[0] > MAX_WIDTH_ERROR:
        return None
    i = best[1]
    if any(forms[:i]) or any(form not in (None, shift) for form in forms[i:]):
        return None  # forms the ink does not bear out
    if _as_on_the_line(head, tail, plain[:i], plain[i:], font):
        return None
    return ShiftedTail((TextRun(text[:i]), TextRun(plain[i:], shift)), i, tail[0][0])


def _as_on_the_line(head: list[tuple[int, int, int, int]], tail: list[tuple[int, int, int, int]],
                    head_text: str, tail_text: str, font: fonts.FontCandidate) -> bool:
    """Whether the font draws ``tail_text`` on the line where and as large as its ink is
    (an asterisk, a quote): the ink is compared with the characters unshifted, at the size
    and baseline the head's ink gives its own characters."""
    r_head, r_tail = fonts.render(font, head_text), fonts.render(font, tail_text)
    if r_head is None or r_tail is None:
        return False
    top, bottom = min(g[2] for g in head), max(g[3] for g in head)
    scale = (bottom - top) / max(r_head.ink_bottom - r_head.ink_top, 1e-6)
    baseline = bottom - r_head.ink_bottom * scale
    want_top, want_bottom = baseline + r_tail.ink_top * scale, baseline + r_tail.ink_bottom * scale
    got_top, got_bottom = min(g[2] for g in tail), max(g[3] for g in tail)
    want_h = want_bottom - want_top
    moved = abs((got_top + got_bottom) - (want_top + want_bottom)) / 2
    return got_bottom - got_top >= 0.8 * want_h and moved <= 0.2 * want_h


def _form(c: str) -> str | None:
    """"sub" or "super" for a Unicode sub- or superscript form of one character."""
    tag = unicodedata.decomposition(c).split(" ")[0]
    return {"<sub>": "sub", "<super>": "super"}.get(tag) if len(unicodedata.normalize("NFKC", c)) == 1 else None


def measure_head(glyphs: np.ndarray, coverage: np.ndarray, text: str, font: fonts.FontCandidate,
                 tail: ShiftedTail, origin_xy: tuple[float, float]) -> tuple[float, float, float, float] | None:
    """Font size, baseline y, pen x and advance of a line ending in ``tail``, measured on
    the glyphs before it (the shifted ones would stretch its height): reading-frame
    ``glyphs`` and ``coverage`` placed at ``origin_xy``.  None when nothing is left."""
    from extraction.fontmatch import ink_extents

    r = fonts.render(font, text[:tail.head_chars])
    head, cov = glyphs[:, :tail.split_x], coverage[:, :tail.split_x]
    if r is None or not head.any():
        return None
    ys, xs = np.nonzero(head)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    ew, eh = ink_extents(cov, head)
    scale_h, scale_w = eh / r.extent_h, ew / r.extent_w
    if abs(scale_w / scale_h - 1) < 0.25:  # as the line's own measure weighs them
        scale = float((scale_h * (y1 - y0) + scale_w * (x1 - x0)) / ((y1 - y0) + (x1 - x0)))
    else:
        scale = float(min(scale_h, scale_w))
    ox, oy = origin_xy
    baseline = ((oy + y0 - r.ink_top * scale) + (oy + y1 - r.ink_bottom * scale)) / 2.0
    rest = tail.runs[-1].text
    advance = (r.advance + SHIFTED_SCALE * fonts.prefix_advance(font, rest, len(rest))) * scale
    return scale * fonts.REFERENCE_SIZE_PX, baseline, ox + x0 - r.ink_left * scale, advance
