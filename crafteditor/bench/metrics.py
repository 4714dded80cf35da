"""Scores of one converter output against one case's ground truth.

The output SVG is parsed by rendering it (``checkers.record``) at the size of the
converter's input, never by trusting the converter's scene.  Per case:

- ``line_recall`` / ``word_recall``: share of truth lines / words recovered as
  visible editable text (``textmatch``: same normalised string, case-sensitive,
  centre within tolerance);
- ``cer``: character error rate over spatially paired lines, unpaired truth and
  output lines counting in full (``textmatch.char_error_rate``);
- ``size_ok`` / ``colour_ok``: recovered lines whose rendered font size is within
  15% of the truth, and whose fill is within CIEDE2000 10 (lines with a gradient
  fill are not compared: ``colour_compared``);
- ``precision`` / ``recall`` / ``f1``: drawn pixels of the rendering against the
  converter's input (``checkers.fidelity``, 2 px slack); ``f1_vector`` the same
  with every ``<image>`` removed from the output;
- ghost text: the output is rendered without its "Text" layer (without any
  ``<text>`` if it has no such layer).  Inside each truth line box, on the truth
  glyph pixels (clean rendering vs. rendering without text), count the pixels
  that stand out from the box's median non-glyph colour; subtract the same count
  on the truth rendering without text (lines crossing a border).  A line with
  more than 20% of its glyph pixels left over has leftover ink (``ghost_lines``);
  ``drawn_twice`` counts those that are also recovered as text; ``ghost_ratio``
  is leftover / glyph pixels over the case;
- shapes: truth shapes matched one-to-one by an output closed painted shape with
  box IoU >= 0.75 (``shape_recall``), and the share of matches of the right kind;
  arrows: head within 8 px and tail within 12 px (either way round for two-headed
  arrows); ``arrow_head_recall`` the same over truth arrows marked by a visible
  arrowhead (``TruthArrow.visible_head``), ``dot_recall`` over connectors marked
  by dots or circles, matched only by output connectors whose marker at that end
  is a dot or circle too;
  icons: an output ``<image>`` with IoU >= 0.5;
- ``raster_share``: canvas share covered by output images; ``raster_excess`` the
  share of the canvas they cover outside the truth's own pictures; ``primitive_share``:
  share of painted output shapes drawn as rect/circle/ellipse/line/polyline/polygon,
  or as a ``<path>`` of one run of straight segments (a polyline in path syntax, as
  Inkscape connectors must be written); free curves and traced outlines are not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from checkers.fidelity import DRAWN_THRESHOLD, drawn_mask, drawn_pixel_f1
from extraction.image import estimate_background
from crafteditor.bench.cases import Case
from checkers.svgedit import strip_images, strip_text_layer
from checkers.record import RenderRecord, render_recorded
from crafteditor.bench.textmatch import char_error_rate, colour_difference, match_lines, match_words
from checkers.marker_kinds import DOTS
from checkers.drawn import Truth, TruthArrow, truth_from_record
from crafteditor.model.scene import Box

SIZE_TOLERANCE = 0.15
COLOUR_TOLERANCE = 10.0
GHOST_LINE_SHARE = 0.2
PRIMITIVES = frozenset(("rect", "circle", "ellipse", "line", "polyline", "polygon"))


@dataclass(frozen=True, slots=True)
class CaseScore:
    case_id: str
    set_name: str
    method: str
    error: str | None = None
    n_lines: int = 0
    n_words: int = 0
    line_recall: float = 0.0
    word_recall: float = 0.0
    cer: float = 1.0
    recovered_lines: int = 0
    size_ok: int = 0
    colour_ok: int = 0
    colour_compared: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    f1_vector: float = 0.0
    ghost_ratio: float = 0.0
    ghost_lines: int = 0
    drawn_twice: int = 0
    shape_recall: float | None = None
    shape_kind_ok: float | None = None
    arrow_recall: float | None = None
    arrow_head_recall: float | None = None
    dot_recall: float | None = None
    icon_recall: float | None = None
    raster_share: float = 0.0
    raster_excess: float = 0.0
    primitive_share: float | None = None
    text_layer: bool = False
    time_s: float | None = None  # warm: in-process, engines loaded
    peak_rss_mb: float | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    image_px: int = 0
    cold_s: float | None = None  # a fresh ``crafteditor convert`` process (``bench.timing``)
    cold_peak_rss_mb: float | None = None
    cold_timings_s: dict[str, float] = field(default_factory=dict)
    cold_error: str | None = None
    cold_same_svg: bool | None = None  # the cold process wrote the same SVG as the warm call
    vtracer_cold_s: float | None = None  # vtracer in a fresh process on the same file


@dataclass(frozen=True, slots=True)
class Evaluation:
    score: CaseScore
    rendered_rgb: np.ndarray


def evaluate(case: Case, svg: bytes, method: str) -> Evaluation:
    """Score ``svg`` against ``case``.  Raises ``SvgRenderError`` if it cannot be rendered."""
    wh = case.image_wh
    record = render_recorded(svg, size_wh=wh)
    out = truth_from_record(record)
    stripped, has_layer = strip_text_layer(svg)
    stripped_rgb = render_recorded(stripped, size_wh=wh).rgb
    vector_rgb = render_recorded(strip_images(svg), size_wh=wh).rgb
    background = estimate_background(case.image_rgb)
    fid = drawn_pixel_f1(record.rgb, case.image_rgb, background)
    fid_vector = drawn_pixel_f1(vector_rgb, case.image_rgb, background)
    text = _text_scores(case.truth, out)
    recovered = {ti for ti, _ in match_lines(case.truth.lines, out.lines)}
    ghost_ratio, ghost_lines, drawn_twice = ghost_text(case, stripped_rgb, recovered)
    score = CaseScore(
        case_id=case.case_id,
        set_name=case.set_name,
        method=method,
        **text,
        precision=fid.precision,
        recall=fid.recall,
        f1=fid.f1,
        f1_vector=fid_vector.f1,
        ghost_ratio=ghost_ratio,
        ghost_lines=ghost_lines,
        drawn_twice=drawn_twice,
        **_graphics_scores(case.truth, out, record),
        text_layer=has_layer,
    )
    return Evaluation(score, record.rgb)


def _text_scores(truth: Truth, out: Truth) -> dict:
    lines = match_lines(truth.lines, out.lines)
    words = match_words(truth.words, truth.lines, out.words)
    size_ok = colour_ok = compared = 0
    for ti, oi in lines:
        t, o = truth.lines[ti], out.lines[oi]
        size_ok += abs(o.font_size_px - t.font_size_px) <= SIZE_TOLERANCE * t.font_size_px
        if t.fill and o.fill:
            compared += 1
            colour_ok += colour_difference(t.fill, o.fill) <= COLOUR_TOLERANCE
    n_lines, n_words = len(truth.lines), len(truth.words)
    return dict(
        n_lines=n_lines,
        n_words=n_words,
        line_recall=len(lines) / n_lines if n_lines else 1.0,
        word_recall=len(words) / n_words if n_words else 1.0,
        cer=char_error_rate(truth.lines, out.lines),
        recovered_lines=len(lines),
        size_ok=size_ok,
        colour_ok=colour_ok,
        colour_compared=compared,
    )


def ghost_text(case: Case, stripped_rgb: np.ndarray, recovered: set[int]) -> tuple[float, int, int]:
    """(leftover share of glyph pixels, lines with leftover ink, of those recovered as text)."""
    glyphs = np.abs(case.clean_rgb.astype(np.int16) - case.notext_rgb.astype(np.int16)).max(axis=2)
    glyphs = glyphs > DRAWN_THRESHOLD
    h, w = glyphs.shape
    total = left_total = 0
    ghost_lines = twice = 0
    for i, line in enumerate(case.truth.lines):
        x0, y0, x1, y1 = line.box.expand(1).clip(w, h).to_int()
        g = glyphs[y0:y1, x0:x1]
        n = int(g.sum())
        if n == 0:
            continue
        left = max(0, _standing_out(stripped_rgb[y0:y1, x0:x1], g) - _standing_out(case.notext_rgb[y0:y1, x0:x1], g))
        total += n
        left_total += left
        if left > GHOST_LINE_SHARE * n:
            ghost_lines += 1
            twice += i in recovered
    return (left_total / total if total else 0.0), ghost_lines, twice


def _standing_out(patch: np.ndarray, glyphs: np.ndarray) -> int:
    """Glyph pixels of ``patch`` that differ from the patch's median non-glyph colour."""
    ground = patch[~glyphs] if (~glyphs).any() else patch.reshape(-1, 3)
    median = np.median(ground.reshape(-1, 3), axis=0)
    return int((drawn_mask(patch, tuple(median)) & glyphs).sum())


def _graphics_scores(truth: Truth, out: Truth, record: RenderRecord) -> dict:
    painted = [p for p in record.paths if p.painted]
    w, h = truth.image_wh
    canvas = np.zeros((h, w), dtype=bool)
    for image in record.images:
        x0, y0, x1, y1 = Box(*image.xyxy).clip(w, h).to_int()
        canvas[y0:y1, x0:x1] = True
    return dict(
        shape_recall=_recall(truth.shapes, out.shapes, lambda t, o: t.box.iou(o.box), 0.75),
        shape_kind_ok=_kind_share(truth, out),
        arrow_recall=_recall(truth.arrows, out.arrows, _arrow_closeness, 0.0),
        arrow_head_recall=_recall([a for a in truth.arrows if a.visible_head], out.arrows, _arrow_closeness, 0.0),
        dot_recall=_recall([a for a in truth.arrows if a.dot_marked], out.arrows, _dot_closeness, 0.0),
        icon_recall=_recall(truth.icons, out.icons, lambda t, o: t.box.iou(o.box), 0.5),
        raster_share=float(canvas.mean()) if canvas.size else 0.0,
        raster_excess=float((canvas & ~_icon_area(truth, w, h)).mean()) if canvas.size else 0.0,
        primitive_share=(sum(p.tag in PRIMITIVES or p.straight for p in painted) / len(painted)) if painted else None,
    )


def _icon_area(truth: Truth, w: int, h: int) -> np.ndarray:
    area = np.zeros((h, w), dtype=bool)
    for icon in truth.icons:
        x0, y0, x1, y1 = icon.box.clip(w, h).to_int()
        area[y0:y1, x0:x1] = True
    return area


def _pairs(truth, out, score, threshold: float) -> list[tuple[int, int]]:
    candidates = []
    for ti, t in enumerate(truth):
        for oi, o in enumerate(out):
            s = score(t, o)
            if s >= threshold and s > 0:
                candidates.append((-s, ti, oi))
    used_t, used_o, pairs = set(), set(), []
    for _s, ti, oi in sorted(candidates):
        if ti not in used_t and oi not in used_o:
            used_t.add(ti)
            used_o.add(oi)
            pairs.append((ti, oi))
    return pairs


def _recall(truth, out, score, threshold: float) -> float | None:
    if not truth:
        return None
    return len(_pairs(truth, out, score, threshold)) / len(truth)


_KIND_ALIASES = {"container": "rounded_rect", "cylinder": "path"}


def _kind_share(truth: Truth, out: Truth) -> float | None:
    pairs = _pairs(truth.shapes, out.shapes, lambda t, o: t.box.iou(o.box), 0.75)
    if not pairs:
        return None
    def same(a: str, b: str) -> bool:
        return a == b or _KIND_ALIASES.get(a) == b
    return sum(same(truth.shapes[ti].kind, out.shapes[oi].kind) for ti, oi in pairs) / len(pairs)


def _arrow_closeness(t, o, head_tol: float = 8.0, tail_tol: float = 12.0) -> float:
    """Positive (closer is larger) when the head is within ``head_tol`` px and the
    tail within ``tail_tol`` px (the issue's targets)."""
    def score(head: tuple[float, float], tail: tuple[float, float]) -> float:
        dh, dt = math.dist(t.head, head), math.dist(t.tail, tail)
        return (head_tol + tail_tol + 1e-6 - dh - dt) if dh <= head_tol and dt <= tail_tol else 0.0
    best = score(o.head, o.tail)
    if t.both_ends or o.both_ends:
        best = max(best, score(o.tail, o.head))
    return best


def _dot_closeness(t, o) -> float:
    """As ``_arrow_closeness``, for a dot-marked truth connector and an output one
    with a dot or circle at the matched end."""
    plain = _arrow_closeness(TruthArrow(t.tail, t.head), TruthArrow(o.tail, o.head))
    swapped = _arrow_closeness(TruthArrow(t.tail, t.head), TruthArrow(o.head, o.tail))
    best = 0.0
    if o.head_kind in DOTS or (o.tail_kind in DOTS and t.tail_kind in DOTS):
        best = plain
    if t.both_ends or t.tail_kind:  # the truth's other end may be the dot
        if o.tail_kind in DOTS or (o.head_kind in DOTS and t.tail_kind in DOTS):
            best = max(best, swapped)
    return best


def diff_image(rendered: np.ndarray, source: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """White: neither draws; grey: both; red: only the source (missed); blue: only the output (extra)."""
    r, s = drawn_mask(rendered, background), drawn_mask(source, background)
    out = np.full(source.shape, 255, dtype=np.uint8)
    out[r & s] = (170, 170, 170)
    out[s & ~r] = (220, 30, 30)
    out[r & ~s] = (30, 80, 230)
    return out
