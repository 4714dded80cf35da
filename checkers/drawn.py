"""Ground truth of a figure, read from the SVG it was rendered from.

Everything is in pixels of the rendered PNG.  Text comes from the glyphs the
renderer drew (``checkers.record``), so transforms, ``<use>``, CSS and font
substitution are exactly those of the image the converter sees.

Lines: every ``<text>`` element starts a line, and so does every ``<tspan>``
that sets its own ``x`` or ``y``; runs without their own position continue the
line.  Two chunks of the same ``<text>`` are joined again when they sit on the
same baseline (within 0.25 em) with a gap between -0.5 em and 1 em: exporters
such as Visio split one visual line into positioned runs ("Radio Interface (",
"Uu", "/PC5)").  A space is inserted where the gap exceeds 0.25 em.
A line's box is the page-space bounding box of its glyphs' ink; its font size
is the rendered em size in pixels.  Lines that leave no ink (white on white,
clipped, covered) are dropped and listed in ``Truth.dropped``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np

from checkers.fidelity import DRAWN_THRESHOLD
from checkers.svgedit import strip_text
from checkers.marker_kinds import ARROWHEADS, DOTS, end_mark, outward, shape_kind_at
from checkers.record import DrawnPath, Glyph, RenderRecord, TextPiece, render_recorded
from crafteditor.model.kinds import ShapeKind, parallelogram_skew
from crafteditor.model.scene import Box

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class TruthLine:
    text: str
    box: Box
    font_size_px: float
    fill: str | None  # "#rrggbb"; None for gradient fills
    rotation_deg: float  # clockwise, SVG convention
    font_family: str = ""
    font_weight: str = "normal"
    element_id: str | None = None  # the drawing SVG element's id, when it has one (so below)


@dataclass(frozen=True, slots=True)
class TruthWord:
    text: str
    box: Box
    line_index: int


@dataclass(frozen=True, slots=True)
class TruthShape:
    kind: str  # a ShapeKind, or a synthetic truth's own (container)
    box: Box
    element_id: str | None = None


@dataclass(frozen=True, slots=True)
class TruthArrow:
    tail: Point
    head: Point
    both_ends: bool = False
    head_kind: str = "arrow"  # marker shape at the head: one of marker_kinds.MARKER_KINDS
    tail_kind: str = ""  # marker shape at the tail; "" when it has no marker
    element_id: str | None = None  # the line's

    @property
    def visible_head(self) -> bool:
        """Does a visible arrowhead (filled or open) mark either end?"""
        return self.head_kind in ARROWHEADS or self.tail_kind in ARROWHEADS

    @property
    def dot_marked(self) -> bool:
        """Is either end marked by a dot or a circle (and neither by an arrowhead)?"""
        return not self.visible_head and (self.head_kind in DOTS or self.tail_kind in DOTS)


@dataclass(frozen=True, slots=True)
class TruthIcon:
    box: Box
    element_id: str | None = None


@dataclass(frozen=True, slots=True)
class Truth:
    image_wh: tuple[int, int]
    lines: tuple[TruthLine, ...]
    words: tuple[TruthWord, ...]
    shapes: tuple[TruthShape, ...] = ()
    arrows: tuple[TruthArrow, ...] = ()
    icons: tuple[TruthIcon, ...] = ()
    dropped: tuple[str, ...] = ()  # text that is hidden or left no ink


@dataclass(frozen=True, slots=True)
class TruthRender:
    """A truth with the two renderings the metrics need (HWC uint8 RGB)."""

    truth: Truth
    rgb: np.ndarray
    notext_rgb: np.ndarray


def normalise_text(text: str) -> str:
    """NFKC, whitespace collapsed to single spaces, stripped; case kept."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def truth_from_svg(svg_bytes: bytes, render_scale: float = 1.0) -> Truth:
    """Ground truth of ``svg_bytes`` rendered by cairosvg at ``render_scale``."""
    return render_truth(svg_bytes, render_scale).truth


def render_truth(svg_bytes: bytes, render_scale: float = 1.0) -> TruthRender:
    record = render_recorded(svg_bytes, scale=render_scale)
    notext = render_recorded(strip_text(svg_bytes), scale=render_scale).rgb
    return TruthRender(truth_from_record(record, notext), record.rgb, notext)


def truth_from_record(record: RenderRecord, notext_rgb: np.ndarray | None = None) -> Truth:
    """Build a ``Truth``; with ``notext_rgb``, drop lines that left no visible ink."""
    h, w = record.rgb.shape[:2]
    ink = None
    if notext_rgb is not None:
        diff = np.abs(record.rgb.astype(np.int16) - notext_rgb.astype(np.int16)).max(axis=2)
        ink = diff > DRAWN_THRESHOLD
    lines: list[TruthLine] = []
    words: list[TruthWord] = []
    dropped: list[str] = []
    dropped.extend(p.text for p in record.pieces if not p.visible and p.text.strip())
    for built in build_lines(tuple(p for p in record.pieces if p.visible)):
        line, line_words = built
        if not line.text:
            continue
        if ink is not None and not _has_ink(ink, line.box):
            dropped.append(line.text)
            continue
        index = len(lines)
        lines.append(line)
        words.extend(TruthWord(t, b, index) for t, b in line_words)
    paths = [p for p in record.paths if p.painted]
    sizes = sorted(line.font_size_px for line in lines)
    limit = head_limit_px((w, h), sizes[len(sizes) // 2] if sizes else 0.0)
    return Truth(
        image_wh=(w, h),
        lines=tuple(lines),
        words=tuple(words),
        shapes=tuple(shapes_from_paths(paths, (w, h), limit)),
        arrows=tuple(arrows_from_paths(paths, limit)),
        icons=tuple(TruthIcon(Box(*i.xyxy), i.element_id) for i in record.images if _big(i.xyxy, 8)),
        dropped=tuple(dropped),
    )


def _has_ink(ink: np.ndarray, box: Box) -> bool:
    h, w = ink.shape
    x0, y0, x1, y1 = box.clip(w, h).to_int()
    area = max((x1 - x0) * (y1 - y0), 1)
    count = int(ink[y0:y1, x0:x1].sum())
    return count >= max(3, 0.02 * area)


# -- text lines ----------------------------------------------------------------
@dataclass
class _Chunk:
    pieces: list[TextPiece]

    @property
    def glyphs(self) -> list[Glyph]:
        return [g for p in self.pieces for g in p.glyphs]


def _frame(angle_deg: float, point: Point) -> Point:
    """Coordinates along (u) and across (v) a baseline turned by ``angle_deg``."""
    a = math.radians(angle_deg)
    return point[0] * math.cos(a) + point[1] * math.sin(a), -point[0] * math.sin(a) + point[1] * math.cos(a)


def _gap(prev: list[Glyph], nxt: list[Glyph]) -> tuple[float, float, float]:
    """(gap along the baseline, baseline offset, em) between two glyph runs."""
    a, b = prev[-1], nxt[0]
    angle = a.angle_deg
    end_u, v0 = _frame(angle, (a.origin[0] + a.advance[0], a.origin[1] + a.advance[1]))
    start_u, v1 = _frame(angle, b.origin)
    return start_u - end_u, v1 - v0, max(a.font_size_px, 1e-6)


def _joiner(prev_text: str, prev: list[Glyph], next_text: str, nxt: list[Glyph]) -> str:
    gap, _dv, em = _gap(prev, nxt)
    if gap > 0.25 * em and not prev_text.endswith(" ") and not next_text.startswith(" "):
        return " "
    return ""


def _same_line(prev: list[Glyph], nxt: list[Glyph], max_dv_em: float = 0.25) -> bool:
    if abs(prev[-1].angle_deg - nxt[0].angle_deg) > 1.0:
        return False
    gap, dv, em = _gap(prev, nxt)
    return abs(dv) <= max_dv_em * em and -0.5 * em <= gap <= 1.0 * em


def build_lines(pieces: tuple[TextPiece, ...]) -> list[tuple[TruthLine, list[tuple[str, Box]]]]:
    """Group recorded text pieces into lines with their word boxes."""
    chunks: list[_Chunk] = []
    for piece in pieces:
        last = chunks[-1].pieces[-1] if chunks else None
        # a run without its own position continues the line, unless an enclosing
        # positioned <tspan> moved the pen (LibreOffice nests the x/y one level up)
        if (last is None or piece.starts_chunk or piece.root_index != last.root_index
                or not _same_line(list(last.glyphs), list(piece.glyphs), max_dv_em=0.6)):
            chunks.append(_Chunk([piece]))
        else:
            chunks[-1].pieces.append(piece)
    merged: list[_Chunk] = []
    for chunk in chunks:
        prev = merged[-1] if merged else None
        if prev and prev.pieces[0].root_index == chunk.pieces[0].root_index and _same_line(prev.glyphs, chunk.glyphs):
            prev.pieces.extend(chunk.pieces)
        else:
            merged.append(chunk)
    return [_line(chunk) for chunk in merged]


def _line(chunk: _Chunk) -> tuple[TruthLine, list[tuple[str, Box]]]:
    raw = chunk.pieces[0].text
    for prev, piece in zip(chunk.pieces, chunk.pieces[1:], strict=False):
        raw += _joiner(prev.text, list(prev.glyphs), piece.text, list(piece.glyphs)) + piece.text
    text = normalise_text(raw)
    glyphs = chunk.glyphs
    weights = Counter()
    for piece in chunk.pieces:
        weights[(piece.fill, piece.font_family, piece.font_weight)] += len(piece.glyphs)
    fill, family, weight = weights.most_common(1)[0][0]
    sizes = sorted(g.font_size_px for g in glyphs)
    angle = glyphs[0].angle_deg
    line = TruthLine(
        text=text,
        box=_quads_box([g.quad for g in glyphs]),
        font_size_px=sizes[len(sizes) // 2],
        fill=fill,
        rotation_deg=round(angle, 3) if abs(angle) > 0.01 else 0.0,
        font_family=family,
        font_weight=weight,
        element_id=chunk.pieces[0].element_id,
    )
    return line, _words(text, glyphs, line.box)


def _quads_box(quads: list[tuple[Point, ...]]) -> Box:
    return Box.from_points(p for q in quads for p in q)


def _words(text: str, glyphs: list[Glyph], line_box: Box) -> list[tuple[str, Box]]:
    tokens = text.split(" ")
    chars = "".join(tokens)
    if [g.char for g in glyphs if not g.char.isspace()] != [c for c in chars if not c.isspace()]:
        return _words_proportional(tokens, line_box)
    out, i = [], 0
    for token in tokens:
        n = sum(1 for c in token if not c.isspace())
        if n:
            out.append((token, _quads_box([g.quad for g in glyphs[i : i + n]])))
        i += n
    return out


def _words_proportional(tokens: list[str], box: Box) -> list[tuple[str, Box]]:
    total = max(sum(len(t) for t in tokens) + len(tokens) - 1, 1)
    out, pos = [], 0
    for token in tokens:
        x0 = box.x0 + box.width * pos / total
        x1 = box.x0 + box.width * (pos + len(token)) / total
        out.append((token, Box(x0, box.y0, x1, box.y1)))
        pos += len(token) + 1
    return out


# -- shapes, arrows ----------------------------------------------------------------
def _big(xyxy: tuple[float, float, float, float], px: float) -> bool:
    return xyxy[2] - xyxy[0] >= px and xyxy[3] - xyxy[1] >= px


def _is_head(path: DrawnPath, limit_px: float) -> bool:
    """A small closed polygon: an arrowhead candidate (at most ``limit_px`` across)."""
    x0, y0, x1, y1 = path.xyxy
    return path.closed and 2 <= max(x1 - x0, y1 - y0) <= limit_px and 3 <= len(set(path.points)) <= 6


def head_limit_px(image_wh: tuple[int, int], font_px: float = 0.0) -> float:
    """Largest arrowhead: 3% of the long side, or 0.8 em of the median text, at least 24 px."""
    return max(24.0, 0.03 * max(image_wh), 0.8 * font_px)


def _polygon_kind(path: DrawnPath) -> ShapeKind:
    pts = list(dict.fromkeys(path.points))
    if len(pts) != 4:
        return ShapeKind.POLYGON
    x0, y0, x1, y1 = path.xyxy
    tol = 0.12 * max(x1 - x0, y1 - y0)
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    mids = [((x0 + x1) / 2, y0), (x1, (y0 + y1) / 2), ((x0 + x1) / 2, y1), (x0, (y0 + y1) / 2)]

    def near_all(targets: list[Point]) -> bool:
        return all(min(math.dist(p, t) for p in pts) <= tol for t in targets)

    if near_all(corners):
        return ShapeKind.RECT
    if near_all(mids):
        return ShapeKind.DIAMOND
    return ShapeKind.PARALLELOGRAM if parallelogram_skew(tuple(pts)) is not None else ShapeKind.POLYGON


def shape_kind(path: DrawnPath) -> str:
    """A ``ShapeKind``, or the kind the synthetic set's truth names (``data-bench-kind``)."""
    if path.bench_kind:
        return path.bench_kind
    if path.tag == "rect":
        return ShapeKind.ROUNDED_RECT if path.rounded else ShapeKind.RECT
    if path.tag in ("circle", "ellipse"):
        return ShapeKind.ELLIPSE
    if path.points:
        return _polygon_kind(path)
    return ShapeKind.POLYGON if path.tag == "polygon" else ShapeKind.PATH


def shapes_from_paths(paths: list[DrawnPath], image_wh: tuple[int, int], limit: float) -> list[TruthShape]:
    """Closed painted shapes at least 6 px on each side, less than 90% of the canvas."""
    canvas = image_wh[0] * image_wh[1]
    out = []
    for p in paths:
        box = Box(*p.xyxy)
        if not p.closed or not _big(p.xyxy, 6) or box.area >= 0.9 * canvas or _is_head(p, limit):
            continue
        if p.bench_kind == "part":
            continue
        out.append(TruthShape(shape_kind(p), box, p.element_id))
    return out


def arrows_from_paths(paths: list[DrawnPath], limit: float) -> list[TruthArrow]:
    """Marker arrows (head at the marked end vertex) and open paths ending in a small
    filled polygon (Graphviz style; head at the polygon vertex farthest from the path)
    or a small dot (head at its centre).  Each marked end's shape is classified and
    the end put where its mark shows it (``marker_kinds.end_mark``: an arrowhead's
    tip, a dot's centre; a marker drawing nothing leaves the vertex)."""
    heads = [p for p in paths if _is_head(p, limit)]
    dots = [p for p in paths if _is_dot(p, limit)]
    out = []
    for p in paths:
        if p.closed or len(p.points) < 2:
            continue
        first, last = p.points[0], p.points[-1]
        if p.marker_end or p.marker_start:
            start_kind, start = end_mark(p, 0, limit) if p.marker_start else ("", first)
            if p.marker_end:
                kind, end = end_mark(p, -1, limit)
                out.append(TruthArrow(start, end, both_ends=p.marker_start, head_kind=kind, tail_kind=start_kind,
                                      element_id=p.element_id))
            else:
                out.append(TruthArrow(last, start, head_kind=start_kind, element_id=p.element_id))
            continue
        for end, other in ((last, first), (first, last)):
            head = next((h for h in heads if Box(*h.xyxy).expand(0.15 * limit).contains_point(*end)), None)
            if head is not None:
                tip = max(head.points, key=lambda q: math.dist(q, other))
                kind = shape_kind_at(head.points, True, outward(p.points, 0 if end == first else -1))
                out.append(TruthArrow(other, tip, head_kind=kind, element_id=p.element_id))
                break
            dot = next((d for d in dots if Box(*d.xyxy).expand(2.0).contains_point(*end)), None)
            if dot is not None:
                out.append(TruthArrow(other, Box(*dot.xyxy).center, head_kind="dot", element_id=p.element_id))
                break
    return out


def _is_dot(path: DrawnPath, limit_px: float) -> bool:
    """A small circle or ellipse: a dot marker candidate (Graphviz ``dot`` heads)."""
    x0, y0, x1, y1 = path.xyxy
    return path.tag in ("circle", "ellipse") and 2 <= max(x1 - x0, y1 - y0) <= 0.6 * limit_px

