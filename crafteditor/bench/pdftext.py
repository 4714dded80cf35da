"""Text lines and words of a PDF page, from pdfplumber's characters.

Characters (duplicates drawn at the same place removed) are grouped into lines
in drawing order: a character continues the line when it runs in the same
direction, its baseline is within 0.25 em of the previous one's (0.6 em when
one of the two is at least 15% smaller: sub- and superscripts stay in their
line), and the gap from the previous character's advance is between -0.5 em
and 1 em.  Lines that meet end to start by the same rule are then joined
whatever their drawing order.  Words are split where the gap between two
glyphs exceeds 0.15 em, whether or not the PDF has a space character there
(a narrow space before a superscript is not a word break).  The same string
drawn again over an earlier line (box IoU >= 0.5: a shadow or a fake bold)
counts once.

Only upright and vertical text (baseline at a multiple of 90 degrees, within
1 degree) is counted; a line at another angle is listed as dropped, as are
lines holding a character whose text the font does not map (``(cid:N)``).
A character is visible when it changes pixels of the rendering (against the
same page rendered without text, by more than ``DRAWN_THRESHOLD``) inside its
box: white on white, covered, clipped or invisible-mode text is dropped.  Boxes
are the extent of that ink, so they match the glyph-ink boxes of the SVG sets;
the font size is the em size in pixels (the character box's extent across the
baseline).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from crafteditor.bench.pdfpage import PageFrame, char_angle_deg, pdf_colour
from checkers.drawn import TruthLine, TruthWord, normalise_text
from crafteditor.model.scene import Box

Point = tuple[float, float]
SPACE_EM = 0.15


@dataclass(frozen=True, slots=True)
class PdfChar:
    text: str
    origin: Point  # pen position on the baseline, px
    advance: Point  # px vector along the baseline
    em_px: float
    angle_deg: float  # clockwise, image space
    ink: Box | None  # extent of the glyph's ink, px; None when it left none
    fill: str | None
    fontname: str

    @property
    def is_space(self) -> bool:
        return not normalise_text(self.text)


def pdf_chars(chars: list[dict[str, Any]], frame: PageFrame, ink: np.ndarray) -> list[PdfChar]:
    """pdfplumber character dicts as ``PdfChar`` in pixels; ``ink`` is the HxW glyph-ink mask."""
    s = frame.px_per_pt
    out = []
    for c in chars:
        angle = char_angle_deg(c)
        a, b = c["matrix"][0], c["matrix"][1]  # adv is in text space: the matrix scales it
        # pdfplumber's top = y1-origin height - y, so the origin's top is (top + y1) - f
        origin = frame.point(c["matrix"][4], c["top"] + c["y1"] - c["matrix"][5])
        vertical = round(angle / 90.0) % 2 == 1
        em_pt = (c["x1"] - c["x0"]) if vertical else (c["bottom"] - c["top"])
        box = frame.box(c["x0"], c["top"], c["x1"], c["bottom"])
        out.append(PdfChar(
            text=c["text"],
            origin=origin,
            advance=(c["adv"] * a * s, -c["adv"] * b * s),
            em_px=em_pt * s,
            angle_deg=angle,
            ink=_ink_box(ink, box),
            fill=pdf_colour(c.get("non_stroking_color")),
            fontname=str(c.get("fontname", "")),
        ))
    return out


def _ink_box(ink: np.ndarray, box: Box) -> Box | None:
    h, w = ink.shape
    x0, y0, x1, y1 = box.expand(1).clip(w, h).to_int()
    ys, xs = np.nonzero(ink[y0:y1, x0:x1])
    if len(xs) < 2:
        return None
    return Box(x0 + float(xs.min()), y0 + float(ys.min()), x0 + float(xs.max()) + 1, y0 + float(ys.max()) + 1)


def axis_aligned(angle_deg: float) -> bool:
    return abs(angle_deg - 90.0 * round(angle_deg / 90.0)) <= 1.0


# -- grouping ------------------------------------------------------------------------
def _frame(angle_deg: float, point: Point) -> Point:
    """Coordinates along (u) and across (v) a baseline turned by ``angle_deg``."""
    a = math.radians(angle_deg)
    return point[0] * math.cos(a) + point[1] * math.sin(a), -point[0] * math.sin(a) + point[1] * math.cos(a)


def _gap(prev: PdfChar, nxt: PdfChar) -> tuple[float, float]:
    """(gap along the baseline after ``prev``'s advance, baseline offset), px."""
    end = (prev.origin[0] + prev.advance[0], prev.origin[1] + prev.advance[1])
    u0, v0 = _frame(prev.angle_deg, end)
    u1, v1 = _frame(prev.angle_deg, nxt.origin)
    return u1 - u0, v1 - v0


def continues(prev: PdfChar, nxt: PdfChar) -> bool:
    """Whether ``nxt`` continues the line that ends with ``prev`` (module docstring)."""
    if abs((nxt.angle_deg - prev.angle_deg + 180.0) % 360.0 - 180.0) > 1.0:
        return False
    em = max(prev.em_px, nxt.em_px, 1e-6)
    gap, dv = _gap(prev, nxt)
    shifted = min(prev.em_px, nxt.em_px) < 0.85 * em
    return abs(dv) <= (0.6 if shifted else 0.25) * em and -0.5 * em <= gap <= 1.0 * em


def group_lines(chars: list[PdfChar]) -> list[list[PdfChar]]:
    """Characters in drawing order -> lines (lists of characters in reading order)."""
    runs: list[list[PdfChar]] = []
    for char in chars:
        if runs and continues(runs[-1][-1], char):
            runs[-1].append(char)
        else:
            runs.append([char])
    return _chain(runs)


def _chain(runs: list[list[PdfChar]]) -> list[list[PdfChar]]:
    """Join runs meeting end to start (nearest start first), whatever their drawing order."""
    succ: dict[int, int] = {}
    taken: set[int] = set()
    for i, run in enumerate(runs):
        options = [(abs(_gap(run[-1], other[0])[0]), j) for j, other in enumerate(runs)
                   if j != i and j not in taken and continues(run[-1], other[0])]
        if options:
            succ[i] = min(options)[1]
            taken.add(succ[i])
    heads = [i for i in range(len(runs)) if i not in taken]
    seen: set[int] = set()
    lines = []
    for start in heads + list(range(len(runs))):  # the second round picks up cycles
        line: list[PdfChar] = []
        k: int | None = start
        while k is not None and k not in seen:
            seen.add(k)
            line.extend(runs[k])
            k = succ.get(k)
        if line:
            lines.append(line)
    return lines


def _tokens(line: list[PdfChar]) -> list[list[PdfChar]]:
    """The line's words: its glyphs split where the gap exceeds SPACE_EM (space characters
    narrower than that, such as one before a superscript, do not split)."""
    glyphs = [c for c in line if not c.is_space]
    words: list[list[PdfChar]] = [glyphs[:1]]
    for prev, char in zip(glyphs, glyphs[1:], strict=False):
        if _gap(prev, char)[0] > SPACE_EM * max(prev.em_px, char.em_px):
            words.append([])
        words[-1].append(char)
    return [w for w in words if w]


def build_line(line: list[PdfChar], index: int) -> tuple[TruthLine, list[TruthWord]] | None:
    """A ``TruthLine`` and its words; None when nothing in it left ink."""
    words = [(normalise_text("".join(c.text for c in w)), [c.ink for c in w if c.ink]) for w in _tokens(line)]
    words = [(t, boxes) for t, boxes in words if t and boxes]
    if not words:
        return None
    glyphs = [c for c in line if not c.is_space]
    fill, fontname = Counter((c.fill, c.fontname) for c in glyphs).most_common(1)[0][0]
    sizes = sorted(c.em_px for c in glyphs)
    family, weight = font_style(fontname)
    angle = line[0].angle_deg
    word_boxes = [_union(boxes) for _t, boxes in words]
    truth = TruthLine(
        text=" ".join(t for t, _b in words),
        box=_union(word_boxes),
        font_size_px=sizes[len(sizes) // 2],
        fill=fill,
        rotation_deg=round(angle, 3) if abs(angle) > 0.01 else 0.0,
        font_family=family,
        font_weight=weight,
    )
    return truth, [TruthWord(t, b, index) for (t, _), b in zip(words, word_boxes, strict=True)]


def _union(boxes: list[Box]) -> Box:
    out = boxes[0]
    for b in boxes[1:]:
        out = out.union(b)
    return out


def font_style(fontname: str) -> tuple[str, str]:
    """(family, weight) from a PDF font name such as ``ABCDEF+Arial-BoldMT``."""
    base = fontname.split("+", 1)[-1]
    family = base.replace(",", "-").split("-", 1)[0]
    lowered = base.lower()
    bold = any(k in lowered for k in ("bold", "black", "heavy", "semibold", "demi"))
    return family, "bold" if bold else "normal"


def _text(line: list[PdfChar]) -> str:
    return " ".join(normalise_text("".join(c.text for c in word)) for word in _tokens(line)).strip()


def _repeated(line: TruthLine, lines: list[TruthLine]) -> bool:
    """The same string drawn again over an earlier line (a shadow or a fake bold) shows once."""
    return any(o.text == line.text and o.box.iou(line.box) >= 0.5 for o in lines)


def text_truth(chars: list[PdfChar]) -> tuple[list[TruthLine], list[TruthWord], list[str]]:
    """(lines, words, dropped line texts) of a page's characters."""
    lines: list[TruthLine] = []
    words: list[TruthWord] = []
    hidden = [c for c in chars if not c.is_space and c.ink is None]
    dropped = [_text(g) for g in group_lines(hidden)]
    for group in group_lines([c for c in chars if c.is_space or c.ink is not None]):
        text = _text(group)
        if not text:
            continue
        built = build_line(group, len(lines))
        if built is None or not axis_aligned(group[0].angle_deg) or "(cid:" in text or _repeated(built[0], lines):
            dropped.append(text)
            continue
        lines.append(built[0])
        words.extend(built[1])
    return lines, words, dropped
