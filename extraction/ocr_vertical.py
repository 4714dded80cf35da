"""Vertical text the engine missed: find it in the ink, read it turned both ways.

Axis labels and side captions often run up (or down) the page, and engines
either miss them or read them as noise.  After the normal pass, ink that no
reading covers is split into glyph-sized components; components stacked in
tall, narrow columns are candidate vertical lines of text.  Each candidate is
cropped and turned a quarter turn each way.  An engine that can read a located
line by recognition alone (``extraction.ocr.LineReader``) reads each turned
crop as one line: the candidate is the line, there is nothing to detect.  Any
other engine reads all turned crops in one call on a shared canvas, in columns.
Per candidate the more confident direction wins and its quads are mapped back
to page pixels, in reading order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from crafteditor.model.scene import Box
from extraction.ocr import LineReader, OcrEngine, OcrWord, Quad, is_word_char

DARK_FILL_GRAY = 170  # a local mean below this is a dark fill that light text can stand on
LINE_LEN_PX = 41  # straight strokes at least this long are rules and borders, not glyphs
GLYPH_MAX_PX = 60  # a component wider or taller than this is not one glyph of a label
JOIN_GAP_PX = 9  # glyphs of one vertical line are at most this far apart along the line
MIN_COLUMN_PX = (5, 24)  # a candidate column is at least this wide and this tall
TALL_RATIO = 2.0  # and at least this many times taller than wide (a turned three-letter word is ~2.4)
MIN_GLYPHS = 3  # and made of at least this many components (arrowheads and stubs are fewer)
RUN_GLYPHS, RUN_ALIKE = 8, 0.9  # this many components, this share of them one size: a run of one mark
MIN_COVER = 0.6  # a detector's reading must span this share of its column
MIN_SCORE = 0.8  # and read confidently: real labels score ~1, marks read as text ~0.5-0.7
CLOSER_MIN_SCORE = 0.5  # a reading of part of a column this sure is read again from that part,
CLOSER_MARGIN = 0.25  # with this share of the line's height each side
PAD_PX = 4
GAP_PX = 24  # between crops on the canvas
CANVAS_MIN_PX = 736  # rapidocr upscales anything smaller; pad instead


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where a turned crop sits on the canvas (at 0, 0 when read alone), and how it maps back
    to the page."""

    group: int
    turn: int  # np.rot90 k: -1 turned clockwise (text reads up the page), 1 counter-clockwise
    x: int
    y: int
    crop: tuple[int, int, int, int]  # page x0, y0, x1, y1 of the crop before turning

    @property
    def size_wh(self) -> tuple[int, int]:
        x0, y0, x1, y1 = self.crop
        return (y1 - y0, x1 - x0)  # turned a quarter: width and height swap

    def contains(self, px: float, py: float) -> bool:
        w, h = self.size_wh
        return self.x <= px <= self.x + w and self.y <= py <= self.y + h

    def to_page(self, px: float, py: float) -> tuple[float, float]:
        u, v = px - self.x, py - self.y
        x0, y0, x1, y1 = self.crop
        if self.turn == -1:  # clockwise turn: crop (x, y) -> (h - y, x)
            return (x0 + v, y1 - u)
        return (x1 - v, y0 + u)  # counter-clockwise: crop (x, y) -> (y, w - x)


def _without_lines(ink: np.ndarray) -> np.ndarray:
    """``ink`` with straight strokes at least ``LINE_LEN_PX`` long (rules, borders) taken out."""
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (LINE_LEN_PX, 1)))
    lines |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, LINE_LEN_PX)))
    ink[cv2.dilate(lines, np.ones((3, 3), np.uint8)) > 0] = 0
    return ink


def _ink(image_rgb: np.ndarray) -> np.ndarray:
    """Dark-on-light strokes as a uint8 0/1 mask."""
    gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
    return _without_lines(cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 25))


def _light_ink(image_rgb: np.ndarray) -> np.ndarray:
    """Light strokes on a dark fill (a white label on a coloured bar) as a uint8 0/1 mask.

    Only where the surroundings are dark: beside dark strokes on a light page
    the page itself stands out from the local mean and would ring every glyph.
    """
    gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
    light = cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 31, -25)
    return _without_lines(light & (cv2.blur(gray, (31, 31)) < DARK_FILL_GRAY).astype(np.uint8))


def find_vertical_groups(image_rgb: np.ndarray, covered: Sequence[Box]) -> list[Box]:
    """Page boxes of tall narrow columns of glyph-like ink outside the ``covered`` boxes,
    dark on light or light on a dark fill."""
    merged: list[Box] = []
    for g in (g for ink in (_ink(image_rgb), _light_ink(image_rgb)) for g in _groups(ink, covered)):
        # Light glyphs on a fill are ringed by darker fill: both passes find them; read them once.
        same = next((m for m in merged if _overlap(m, g) > 0.5), None)
        if same is None:
            merged.append(g)
        else:
            merged[merged.index(same)] = same.union(g)
    return merged


def _overlap(a: Box, b: Box) -> float:
    """Shared area over the smaller box's."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return 0.0 if w <= 0 or h <= 0 else w * h / max(min(a.area, b.area), 1e-6)


def _groups(ink: np.ndarray, covered: Sequence[Box]) -> list[Box]:
    height, width = ink.shape
    for box in covered:
        x0, y0, x1, y1 = box.expand(2).clip(width, height).to_int()
        ink[y0:y1, x0:x1] = 0
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    w, h, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    solid = (area >= 0.85 * w * h) & (np.minimum(w, h) >= 4)  # filled blocks and edges of fills
    glyph = (w <= GLYPH_MAX_PX) & (h <= GLYPH_MAX_PX) & (area >= 3) & ~solid
    glyph[0] = False
    if not glyph.any():
        return []
    glyph_mask = glyph[labels].astype(np.uint8)
    joined = cv2.dilate(glyph_mask, cv2.getStructuringElement(cv2.MORPH_RECT, (1, JOIN_GAP_PX)))
    m, piece_labels, pieces, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    ys, xs = np.nonzero(glyph_mask)
    piece_of = np.zeros(n, np.int64)
    piece_of[labels[ys, xs]] = piece_labels[ys, xs]
    pieces = pieces.astype(np.int64)
    pieces[:, 1] += JOIN_GAP_PX // 2  # undo the dilation along y
    pieces[:, 3] -= 2 * (JOIN_GAP_PX // 2)
    groups = []
    for column in _columns(pieces):
        gx0, gy0 = pieces[column, 0].min(), pieces[column, 1].min()
        gx1, gy1 = (pieces[column, 0] + pieces[column, 2]).max(), (pieces[column, 1] + pieces[column, 3]).max()
        gw, gh = gx1 - gx0, gy1 - gy0
        if gw < MIN_COLUMN_PX[0] or gh < MIN_COLUMN_PX[1] or gh < TALL_RATIO * gw or gw > GLYPH_MAX_PX:
            continue
        members = np.flatnonzero(glyph & np.isin(piece_of, column))
        if len(members) < MIN_GLYPHS or _dash_like(stats[members], gw):
            continue
        groups.append(Box(float(gx0), float(gy0), float(gx1), float(gy1)))
    return groups


def _columns(pieces: np.ndarray) -> list[list[int]]:
    """Join narrow ink pieces (rows of ``pieces``: x, y, w, h; row 0 is the background) that sit
    one above the other, a word gap apart (at most 0.6 of the column width), into columns."""
    ids = sorted((i for i in range(1, len(pieces)) if pieces[i, 2] <= GLYPH_MAX_PX), key=lambda i: pieces[i, 0])
    parent = {i: i for i in ids}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for k, a in enumerate(ids):  # sweep in x: only pieces starting inside ``a`` can overlap it enough
        ax, ay, aw, ah = (int(v) for v in pieces[a, :4])
        for b in ids[k + 1:]:
            bx, by, bw, bh = (int(v) for v in pieces[b, :4])
            if bx >= ax + aw:
                break
            overlap = min(ax + aw, bx + bw) - bx
            gap = max(ay, by) - min(ay + ah, by + bh)
            if overlap >= 0.5 * min(aw, bw) and gap <= max(JOIN_GAP_PX, 0.6 * max(aw, bw)):
                parent[root(a)] = root(b)
    columns: dict[int, list[int]] = {}
    for i in ids:
        columns.setdefault(root(i), []).append(i)
    return list(columns.values())


def _dash_like(member_stats: np.ndarray, column_width: float) -> bool:
    """Dashes of a dashed line or hatching: three or more components of one size and shape,
    a long run of components nearly all of one size (a dotted line, a row of one mark: the
    glyphs of a word differ), or thin components long along the column (glyphs turned a
    quarter are about as wide as their column)."""
    w, h = member_stats[:, 2].astype(float), member_stats[:, 3].astype(float)
    if np.median(h / np.maximum(w, 1.0)) >= 2.0 and np.median(w) <= max(3.0, 0.5 * column_width):
        return True
    if len(member_stats) >= 3 and bool(np.ptp(w) <= 1 and np.ptp(h) <= 1):
        return True
    if len(member_stats) < RUN_GLYPHS:
        return False
    mw, mh = np.median(w), np.median(h)
    alike = (np.abs(w - mw) <= max(1.0, 0.1 * mw)) & (np.abs(h - mh) <= max(1.0, 0.1 * mh))
    return bool(alike.mean() >= RUN_ALIKE)


def _canvas(image_rgb: np.ndarray, groups: Sequence[Box]) -> tuple[np.ndarray, list[_Slot]]:
    """Every group's crop turned clockwise, then every one turned counter-clockwise, stacked
    in columns on a white canvas.

    The canvas is at least ``CANVAS_MIN_PX`` wide and high (the engine upscales anything
    smaller).  Crops that do not fit in that height go on in further columns, as many as fit
    in the width, filled one after the other to an even height, so that the canvas is no
    larger than it has to be.  Crops are a gap at least as long as the longest crop apart,
    across as along the columns, so that the engine never joins two crops into one line.
    """
    height, width = image_rgb.shape[:2]
    crops = [g.expand(PAD_PX).clip(width, height).to_int() for g in groups]
    gap = max([GAP_PX] + [x1 - x0 for x0, _, x1, _ in crops])
    column_w = max(y1 - y0 for _, y0, _, y1 in crops)
    canvas_w = max(2 * gap + column_w, CANVAS_MIN_PX)
    columns = max(1, (canvas_w - gap) // (column_w + gap))
    stacked = gap + 2 * sum(x1 - x0 + gap for x0, _, x1, _ in crops)
    limit = max(CANVAS_MIN_PX, -(-stacked // columns))
    slots, column, y = [], 0, gap
    for turn in (-1, 1):
        for index, crop in enumerate(crops):
            if y > gap and y + crop[2] - crop[0] > limit and column + 1 < columns:
                column, y = column + 1, gap
            slots.append(_Slot(index, turn, gap + column * (column_w + gap), y, crop))
            y += (crop[2] - crop[0]) + gap
    tops = [s.y + s.size_wh[1] + gap for s in slots]
    canvas = np.full((max(max(tops), CANVAS_MIN_PX), canvas_w, 3), 255, np.uint8)
    for slot in slots:
        x0, y0, x1, y1 = slot.crop
        turned = np.rot90(image_rgb[y0:y1, x0:x1], slot.turn)
        canvas[slot.y:slot.y + turned.shape[0], slot.x:slot.x + turned.shape[1]] = turned
    return canvas, slots


def _score(words: Sequence[OcrWord]) -> float:
    """Character-weighted mean confidence, halved when nothing reads as letters or digits."""
    chars = sum(len(w.text) for w in words)
    if chars == 0:
        return 0.0
    mean = sum(w.confidence * len(w.text) for w in words) / chars
    return mean if any(is_word_char(ch) for w in words for ch in w.text) else 0.5 * mean


def read_vertical_groups(image_rgb: np.ndarray, engine: OcrEngine, groups: Sequence[Box]) -> list[OcrWord]:
    """Read each group as text running up and as text running down the page; keep the better."""
    if not groups:
        return []
    if isinstance(engine, LineReader):
        found, fits = _read_lines(image_rgb, engine, groups), _fills_its_span
    else:
        found, fits = _read_canvas(image_rgb, engine, groups), _fills_column
    out = []
    for index, group in enumerate(groups):
        up, down = found.get((index, -1), []), found.get((index, 1), [])
        best = up if _score(up) >= _score(down) else down
        if _score(best) >= MIN_SCORE and fits(best, group):
            out.extend(best)
    return out


Readings = dict[tuple[int, int], list[OcrWord]]  # per (group index, turn)


def _read_lines(image_rgb: np.ndarray, engine: LineReader, groups: Sequence[Box]) -> Readings:
    """Each group's crop turned both ways, read as one line each by the engine's recogniser
    alone (the group is the line: nothing to detect).

    A column may hold more than its text (stubs, box corners, a second mark): a reading that
    could be text and spans only part of its crop is read again from that part with a margin,
    as a detector's box would crop it, and the surer of the two readings is kept."""
    height, width = image_rgb.shape[:2]
    slots = [_Slot(index, turn, 0, 0, group.expand(PAD_PX).clip(width, height).to_int())
             for turn in (-1, 1) for index, group in enumerate(groups)]
    lines = [np.ascontiguousarray(np.rot90(image_rgb[y0:y1, x0:x1], s.turn))
             for s in slots for x0, y0, x1, y1 in [s.crop]]
    words = engine.read_lines(lines)
    worth = [w is not None and w.confidence >= CLOSER_MIN_SCORE and _fills_its_span([_on_page(s, w)], groups[s.group])
             for s, w in zip(slots, words)]
    words = _read_closer(engine, lines, words, worth)
    return {(s.group, s.turn): [_on_page(s, w)] for s, w in zip(slots, words) if w is not None}


def _read_closer(engine: LineReader, lines: Sequence[np.ndarray], words: Sequence[OcrWord | None],
                 worth: Sequence[bool]) -> list[OcrWord | None]:
    """``words`` (one per line, in its pixels), each one ``worth`` it read again from the part
    of its line round it, and replaced by that reading when surer."""
    parts = {k: part for k, (line, word) in enumerate(zip(lines, words))
             if worth[k] and word is not None and (part := _around(line, word)) is not None}
    out = list(words)
    again = engine.read_lines([part for _, part in parts.values()]) if parts else []
    for (k, (x0, _)), word in zip(parts.items(), again):
        first = words[k]
        if word is not None and first is not None and word.confidence > first.confidence:
            quad: Quad = tuple((px + x0, py) for px, py in word.quad)  # type: ignore[assignment]
            out[k] = OcrWord(word.text, quad, word.confidence)
    return out


def _around(line: np.ndarray, word: OcrWord) -> tuple[int, np.ndarray] | None:
    """The part of ``line`` round ``word`` (its start and pixels), a margin each side; None
    when that is about the whole line."""
    margin = CLOSER_MARGIN * line.shape[0]
    x0 = max(0, int(word.quad[0][0] - margin))
    x1 = min(line.shape[1], int(np.ceil(word.quad[1][0] + margin)))
    if x1 - x0 > line.shape[1] - line.shape[0] * CLOSER_MARGIN:
        return None
    return x0, np.ascontiguousarray(line[:, x0:x1])


def _on_page(slot: _Slot, word: OcrWord) -> OcrWord:
    quad: Quad = tuple(slot.to_page(px, py) for px, py in word.quad)  # type: ignore[assignment]
    return OcrWord(word.text, quad, word.confidence)


def _read_canvas(image_rgb: np.ndarray, engine: OcrEngine, groups: Sequence[Box]) -> Readings:
    """Readings from one ``engine.read`` of all groups' crops, turned both ways, on a canvas."""
    canvas, slots = _canvas(image_rgb, groups)
    found: dict[tuple[int, int], list[OcrWord]] = {}
    for word in engine.read(canvas):
        cx, cy = word.box.center
        slot = next((s for s in slots if s.contains(cx, cy)), None)
        if slot is None:
            continue
        quad: Quad = tuple(slot.to_page(px, py) for px, py in word.quad)  # type: ignore[assignment]
        found.setdefault((slot.group, slot.turn), []).append(OcrWord(word.text, quad, word.confidence))
    return found


def _fills_column(words: Sequence[OcrWord], group: Box) -> bool:
    """A detector's reading of a real label spans most of its column (its boxes are loose
    round the text it finds; what it finds in a corner of the column is a mark) and is
    plausible text for the column's length."""
    return _span(words) >= MIN_COVER * group.height and _plausible(words, group.height, group.width)


def _fills_its_span(words: Sequence[OcrWord], group: Box) -> bool:
    """A recogniser's reading of a real label is plausible text for the length it spans: it
    reads the whole column, and where it read characters is where the text is (stubs and
    corners that share the column read as nothing)."""
    return _plausible(words, _span(words), group.width)


def _span(words: Sequence[OcrWord]) -> float:
    return sum(w.box.height for w in words)


def _plausible(words: Sequence[OcrWord], length_px: float, width_px: float) -> bool:
    """Text of a real label: a plausible number of letters for ``length_px`` of a line
    ``width_px`` high (glyphs are 0.3 to 1.2 line heights long), not all the same, nor one
    letter or digit repeated among marks; marks read as text ("I", "TT", "XXXX", "0…0…0")
    are not."""
    if not words:
        return False
    chars = [ch for w in words for ch in w.text if not ch.isspace()]
    word_chars = [ch for ch in chars if is_word_char(ch)]
    expected = length_px / max(width_px, 1.0)
    return (len(chars) >= 2 and len(set(chars)) >= 2 and not (len(word_chars) >= 2 and len(set(word_chars)) == 1)
            and expected / 3.5 <= len(chars) <= expected * 3.5)


def read_uncovered_vertical(image_rgb: np.ndarray, engine: OcrEngine, words: Sequence[OcrWord]) -> list[OcrWord]:
    """Vertical text in ``image_rgb`` that none of ``words`` covers (nothing when there is none)."""
    groups = find_vertical_groups(image_rgb, [w.box for w in words])
    return read_vertical_groups(image_rgb, engine, groups)
