"""Text checkers: glyphs drawn at the wrong size, and text the source shows that
the SVG lacks or misspells.

Sizes are compared by the height of the inked rows around each drawn line,
measured the same way on the rendering and on the source (``checkers.ink``),
so a label whose font came out too big or too small is found without knowing
which font the SVG asked for.  Missing text needs what the source says:
``CheckedFigure.source_words`` (OCR readings); without them the check is silent.
"""

from __future__ import annotations

import math
from collections import Counter
from difflib import SequenceMatcher

from checkers import ink
from checkers.base import CheckedFigure
from crafteditor.model.findings import Finding
from crafteditor.model.fixes import AddText, SetFontSize, SetText
from crafteditor.model.scene import Box

SIZE_RANGE = (0.7, 1.3)  # rendered glyph height over the source's
MAX_GROWTH = 1.15  # larger than this (give or take a row) is caught
MIN_INK_ROWS = 5  # shorter ink is too coarse to compare
SIZE_PAD = 0.35  # rows read above and below a drawn line, in its heights (more reaches neighbouring ink)
MIN_WORD_CONFIDENCE = 0.8
MISSPELT_MIN_SIMILARITY = 0.5  # below this the drawn text is something else


def _inside(mask, box: Box, origin: tuple[int, int]):
    """``mask`` (a window whose top-left is ``origin``) cleared outside ``box``: the glyphs a
    drawn line's own box holds, without a neighbouring shape's outline."""
    import numpy as np

    x0, y0 = origin
    bx0, by0 = max(int(box.x0) - x0, 0), max(int(box.y0) - y0, 0)
    bx1, by1 = max(int(round(box.x1)) - x0 + 1, 0), max(int(round(box.y1)) - y0 + 1, 0)
    out = np.zeros_like(mask)
    out[by0:by1, bx0:bx1] = mask[by0:by1, bx0:bx1]
    return out


def _ratio(ours_mask, theirs_mask, near: float) -> tuple[float, float] | None:
    """Height of our run of inked rows at ``near`` over the source's, and the
    source's height in rows; None when too short to tell."""
    ours, theirs = ink.row_run(ours_mask, near), ink.row_run(theirs_mask, near)
    if ours is None or theirs is None:
        return None
    h_ours, h_theirs = ours[1] - ours[0], theirs[1] - theirs[0]
    return None if min(h_ours, h_theirs) < MIN_INK_ROWS else (h_ours / h_theirs, float(h_theirs))


def _too_big(ratio: float, rows: float) -> bool:
    """Drawn more than ``MAX_GROWTH`` larger than the source, give or take a row
    of rounding (short glyphs cannot show 15%)."""
    return ratio > min(SIZE_RANGE[1], MAX_GROWTH * (rows + 1) / rows)


def _through(mask, near: float):
    """The connected pieces of ``mask`` that cross row ``near`` (glyphs, not a line beside them)."""
    import cv2
    import numpy as np

    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    row = int(np.clip(round(near), 0, mask.shape[0] - 1))
    crossing = np.unique(labels[max(row - 1, 0):row + 2][mask[max(row - 1, 0):row + 2]])
    return np.isin(labels, crossing[crossing > 0])


def _measures(figure: CheckedFigure, win: tuple[int, int, int, int], box: Box, drawn):
    """Both glyph-height ratios of a drawn line (``drawn``: the rendering over ``win``)."""
    x0, y0, x1, y1 = win
    near = box.center[1] - y0
    their_ink, their_glyphs = figure.source.measure(("source glyphs", win, near),
                                                    lambda: _source_glyphs(figure, win, near))
    our_ink = ink.ink(drawn)
    # Two measures, and a drift only where both see it: the window's rows as they
    # are (a neighbour both draw merges alike), and the glyphs alone (ours inside
    # the line's own box, the source's ink through the line's middle).
    return (_ratio(our_ink, their_ink, near), _ratio(_inside(our_ink, box, (x0, y0)), their_glyphs, near))


def _source_glyphs(figure: CheckedFigure, win: tuple[int, int, int, int], near: float):
    """The source's ink over ``win``, and its pieces crossing row ``near``."""
    x0, y0, x1, y1 = win
    their_ink = ink.ink(figure.source_rgb[y0:y1, x0:x1])
    return their_ink, _through(their_ink, near)


def text_size_drift(figure: CheckedFigure) -> list[Finding]:
    """A drawn line whose glyphs are under 0.7x the height of the source's, or over
    1.15x of it give or take a row (at most 1.3x)."""
    out = []
    for line in figure.drawn.lines:
        if line.rotation_deg or not line.text.strip():
            continue
        win = ink.window(line.box, figure.image_wh, 0.0, SIZE_PAD * line.box.height)
        if win is None:
            continue
        x0, y0, x1, y1 = win
        drawn = figure.record.rgb[y0:y1, x0:x1]
        measured, measured_alone = figure.source.measure_drawn(
            ("text size", win, line.box.xyxy), drawn, lambda: _measures(figure, win, line.box, drawn))
        if measured is None or measured_alone is None:
            continue
        (alike, rows), (alone, rows_alone) = measured, measured_alone
        if (alike > 1) != (alone > 1):
            continue
        ratio, rows = min((alike, rows), (alone, rows_alone), key=lambda m: abs(math.log(m[0])))
        if ratio >= SIZE_RANGE[0] and not _too_big(ratio, rows):
            continue
        out.append(Finding(
            "text-size-drift", "warning",
            f"text {line.text!r} is drawn {ratio:.2f}x the height of the source's glyphs",
            element_id=line.element_id, box=line.box, fix=SetFontSize(round(line.font_size_px / ratio, 2)),
        ))
    return out


# characters OCR confuses with each other: a reading differing only in these agrees
CONFUSABLE = str.maketrans({"i": "l", "1": "l", "|": "l", "!": "l", "0": "o", "×": "x", "–": "-", "—": "-",
                            "’": "'", "‘": "'", "“": '"', "”": '"'})


def _squash(text: str) -> str:
    return "".join(text.split()).casefold().translate(CONFUSABLE)


def _drawn_text_over(figure: CheckedFigure, box: Box) -> tuple[str, str | None]:
    """The drawn words whose centres lie in ``box`` (widened by half its height), left to
    right, and the id of the text element that draws most of them."""
    pad = box.height / 2.0
    words = [w for w in figure.drawn.words
             if box.x0 - pad <= w.box.center[0] <= box.x1 + pad and box.y0 <= w.box.center[1] <= box.y1]
    owners = Counter(figure.drawn.lines[w.line_index].element_id for w in words)
    owner = owners.most_common(1)[0][0] if owners else None
    return " ".join(w.text for w in sorted(words, key=lambda w: (w.box.x0, w.box.y0))), owner


def missing_text(figure: CheckedFigure) -> list[Finding]:
    """Source readings (``figure.source_words``) with no drawn text over them, or
    with drawn text that reads otherwise."""
    out = []
    for word in figure.source_words:
        said = _squash(word.text)
        if word.confidence < MIN_WORD_CONFIDENCE or len(said) < 2 or not any(c.isalnum() for c in said):
            continue
        if abs(word.angle_deg) > 10:
            continue
        drawn, owner = _drawn_text_over(figure, word.box)
        if not drawn:
            out.append(Finding(
                "text-missing", "error", f"the source reads {word.text!r} here and the SVG has no text",
                box=word.box, fix=AddText(word.text, word.box.xyxy),
            ))
            continue
        got = _squash(drawn)
        if said in got:
            continue
        if SequenceMatcher(None, said, got).ratio() >= MISSPELT_MIN_SIMILARITY:
            out.append(Finding(
                "text-misspelled", "warning", f"the SVG reads {drawn!r} where the source reads {word.text!r}",
                element_id=owner, box=word.box, fix=SetText(word.text),
            ))
    return out
