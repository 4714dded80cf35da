"""The offline critic: upstream CRAFTER's six axes, computed from the SVG as drawn.

A candidate is read back the way ``crafteditor inspect`` reads any SVG
(``crafteditor.svg.items``), and drawn once by the one renderer.  Each axis
starts at 10 and loses points for located defects:

- content: every asked-for label present as ``<text>`` (and, with an OCR engine,
  legible on the rendering); every asked-for connection drawn as a connector
  glued to the shapes that carry the two labels;
- layout: no two shapes overlapping unless one holds the other, boxes aligned,
  ink neither crowded nor lost on the page;
- text: no label leaving its box, none smaller than ``MIN_TEXT_PX``;
- aesthetic: few fills, font families and stroke widths; clutter caps it;
- role: what the style asks for (a white page and a restrained palette for an
  academic figure, a title and panels for a poster, colour for an infographic);
- artefact: connectors running through boxes they do not join, crossing each
  other, glued to nothing, or ending short of the shape they are glued to.

``check``'s own text-overflow and overlap checkers also run on every candidate (against a
blank page), and what they find beyond the critic's own defects costs the text and layout axes.

``overall`` weighs them as upstream does (role match is reported, not weighed).
Defects name their elements and the labels they concern, so the reviser can
turn them into typed specification edits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from crafteditor.generate.graph import DrawRequest, EdgeKind
from crafteditor.model.scene import Box

WEIGHTS = {"content": 0.20, "layout": 0.25, "text": 0.20, "aesthetic": 0.20, "artefact": 0.15}
PASS_MARK = 7.5
MIN_TEXT_PX = 10.0
ALIGN_PX = 2.0
ARROW_END_PX = 3.0  # a glued connector's end lies this close to its shape's box at most
CROWDED_INK = 0.45  # share of the page drawn: more is too little whitespace
CLUTTER_EDGES = 0.12  # share of pixels on an edge: more is clutter


@dataclass(frozen=True)
class Defect:
    axis: str
    code: str  # missing-label, illegible-label, missing-connection, overlap, text-overflow, small-text, ...
    message: str
    labels: tuple[str, ...] = ()  # the asked-for labels it concerns
    element_ids: tuple[str, ...] = ()  # the SVG elements it concerns


@dataclass(frozen=True)
class Scores:
    content: float
    layout: float
    text: float
    aesthetic: float
    role: float
    artefact: float

    @property
    def overall(self) -> float:
        return round(sum(getattr(self, axis) * w for axis, w in WEIGHTS.items()), 3)

    def as_dict(self) -> dict[str, float]:
        return {**{k: round(getattr(self, k), 3) for k in (*WEIGHTS, "role")}, "overall": self.overall}


@dataclass(frozen=True)
class Critique:
    scores: Scores
    defects: tuple[Defect, ...]
    labels_found: int
    labels_asked: int
    connections_found: int
    connections_asked: int

    @property
    def passed(self) -> bool:
        return self.scores.overall >= PASS_MARK


def norm(text: str) -> str:
    """A label compared as words: case, spacing, hyphenation and punctuation dropped."""
    text = re.sub(r"-\s*\n\s*", "", text.lower())
    return " ".join(re.findall(r"[^\W_]+", text))


def _axis(points: float, floor: float = 0.0) -> float:
    return float(min(10.0, max(floor, 10.0 - points)))


def critique(svg: bytes, request: DrawRequest, *, style: str = "academic", ocr: Any = None) -> Critique:
    """Score ``svg`` as a drawing of ``request`` (``ocr``: an ``extraction.ocr`` engine, or None
    to judge legibility from the ``<text>`` alone)."""
    from checkers.render import render_rgb
    from crafteditor.svg.doc import SvgDocument
    from crafteditor.svg.items import items

    doc = SvgDocument.from_bytes(svg)
    found = _as_shapes(it for it in items(doc) if it.box is not None)
    rgb = render_rgb(svg)
    reading = _Reading(found, rgb)
    content, c_defects, counts = _content(reading, request, ocr)
    layout, l_defects = _layout(reading)
    text, t_defects = _text(reading)
    aesthetic, a_defects = _aesthetic(reading)
    role, r_defects = _role(reading, request, style)
    artefact, x_defects = _artefacts(reading)
    for extra in _checker_defects(svg, rgb, l_defects + t_defects):  # what ``check`` finds beyond these
        if extra.axis == "text":
            text, t_defects = _axis(10.0 - text + 2.0), t_defects + [extra]
        else:
            layout, l_defects = _axis(10.0 - layout + 3.0), l_defects + [extra]
    if reading.ink_share > CROWDED_INK:  # too little whitespace caps layout and text
        layout, text = min(layout, 6.0), min(text, 6.0)
        l_defects.append(Defect("layout", "crowded", f"{reading.ink_share:.0%} of the page is drawn"))
    scores = Scores(content, layout, text, aesthetic, role, artefact)
    return Critique(scores, tuple(c_defects + l_defects + t_defects + a_defects + r_defects + x_defects), *counts)


def _checker_defects(svg: bytes, rgb: np.ndarray, known: list[Defect]) -> list[Defect]:
    """``check``'s own text-overflow and overlap findings on ``svg``, against a blank page of
    its page colour (a source that draws nothing excuses no overflow and no overlap), that
    name an element none of ``known`` names for the same code."""
    from checkers import layout as layout_checks
    from checkers.base import read_figure, run_checks

    page = tuple(int(v) for v in rgb[0, 0])
    blank = np.empty_like(rgb)
    blank[:] = page
    figure = read_figure(svg, blank, background_rgb=page)
    named = {(d.code, i) for d in known for i in d.element_ids}
    out = []
    for f in run_checks(figure, (layout_checks.text_overflow, layout_checks.overlap)):
        if f.severity == "info" or (f.code, f.element_id) in named:
            continue
        named.add((f.code, f.element_id))
        out.append(Defect("text" if f.code == "text-overflow" else "layout", f.code, f.message,
                          element_ids=(f.element_id,) if f.element_id else ()))
    return out


def _as_shapes(found) -> list[Any]:
    """The items, with a closed path that a connector is glued to read as a shape (a cylinder,
    a free outline): what a connector joins is a shape by its role, whatever its tag."""
    from dataclasses import replace

    found = list(found)
    glued = {i for it in found if it.kind == "connector" for i in (it.source_id, it.target_id) if i}
    return [replace(it, kind="shape") if it.kind == "path" and it.id in glued else it for it in found]


class _Reading:
    """The candidate's items by kind, its labels by the shape that holds them, its pixels."""

    def __init__(self, found: list[Any], rgb: np.ndarray) -> None:
        from checkers.fidelity import drawn_mask
        from crafteditor.svg.items import label_owners

        h, w = rgb.shape[:2]
        self.page = Box(0, 0, w, h)
        self.rgb = rgb
        self.texts = [it for it in found if it.kind == "text" and it.text.strip()]
        self.shapes = [it for it in found if it.kind == "shape" and not it.box.contains(self.page, 1.0)]
        self.images = [it for it in found if it.kind == "image"]
        self.connectors = [it for it in found if it.kind in ("connector", "line") and len(it.points) >= 2]
        self.by_id = {it.id: it for it in found}
        owners = label_owners(found, self.page)
        self.shape_label = {sid: norm(" ".join(t.text for t in ts)) for sid, ts in owners.items()}
        drawn = drawn_mask(rgb, tuple(int(v) for v in rgb[0, 0]))  # the checkers' drawn pixels
        self.ink_share = float(drawn.mean())

    def shapes_labelled(self, label: str) -> set[str]:
        want = norm(label)
        return {sid for sid, have in self.shape_label.items() if have == want}


def _content(r: _Reading, request: DrawRequest, ocr: Any) -> tuple[float, list[Defect], tuple[int, int, int, int]]:
    asked = [n.label for n in request.nodes if n.label.strip()] + [e.label for e in request.edges if e.label.strip()]
    asked += [request.title] if request.title.strip() else []
    drawn = " \n ".join(norm(t.text) for t in r.texts)
    legible = _ocr_words(r.rgb, ocr) if ocr is not None else None
    defects: list[Defect] = []
    found = 0
    for label in asked:
        if norm(label) not in drawn:
            defects.append(Defect("content", "missing-label", f"no <text> reads {label!r}", (label,)))
        elif legible is not None and not _legible(label, legible):
            defects.append(Defect("content", "illegible-label", f"{label!r} does not read back by OCR", (label,)))
        else:
            found += 1
    glued = {(c.source_id, c.target_id) for c in r.connectors if c.source_id and c.target_id}
    label_of = {n.id: n.label for n in request.nodes}
    connected = 0
    for edge in request.edges:
        sources, targets = r.shapes_labelled(label_of[edge.source]), r.shapes_labelled(label_of[edge.target])
        pairs = {(s, t) for s in sources for t in targets}
        if edge.kind in (EdgeKind.LINE, EdgeKind.BOTH):
            pairs |= {(t, s) for s, t in pairs}
        if pairs & glued:
            connected += 1
        else:
            names = (label_of[edge.source], label_of[edge.target])
            defects.append(Defect("content", "missing-connection", f"no connector joins {names[0]!r} to {names[1]!r}",
                                  names))
    total = len(asked) + len(request.edges)
    score = 10.0 * (found + connected) / total if total else 10.0
    return score, defects, (found, len(asked), connected, len(request.edges))


def _ocr_words(rgb: np.ndarray, engine: Any) -> set[str]:
    """The words OCR reads on the rendering, its short side padded with the page colour up
    to the detector's least short side: a wide strip of a pipeline is otherwise upscaled
    whole, which costs many times the pixels and reads no better (the text is drawn at a
    legible size already).  A page that is large enough is read as it is."""
    from extraction.ocr import read_text
    from extraction.ocr_engines import MIN_SIDE_PX

    h, w = rgb.shape[:2]
    page = np.empty((max(h, min(MIN_SIDE_PX, w)), max(w, min(MIN_SIDE_PX, h)), 3), np.uint8)
    page[:] = rgb[0, 0]
    page[:h, :w] = rgb
    return {w for word in read_text(page, engine) for w in norm(word.text).split()}


def _legible(label: str, words: set[str]) -> bool:
    wanted = norm(label).split()
    return not wanted or sum(w in words for w in wanted) >= 0.8 * len(wanted)


def _layout(r: _Reading) -> tuple[float, list[Defect]]:
    defects = []
    for i, a in enumerate(r.shapes):
        for b in r.shapes[i + 1:]:
            inter = a.box.intersection(b.box)
            if inter is None or inter.area <= 0.02 * min(a.box.area, b.box.area):
                continue
            if a.box.contains(b.box, 1.0) or b.box.contains(a.box, 1.0):
                continue
            defects.append(Defect("layout", "overlap", f"{a.id} and {b.id} overlap",
                                  _labels(r, a.id, b.id), (a.id, b.id)))
    leaves = [s for s in r.shapes if not any(o is not s and s.box.contains(o.box, 1.0) for o in r.shapes)]
    aligned = sum(any(o is not s and (abs(o.box.center[0] - s.box.center[0]) <= ALIGN_PX
                                      or abs(o.box.center[1] - s.box.center[1]) <= ALIGN_PX) for o in leaves)
                  for s in leaves)
    unaligned = (len(leaves) - aligned) / len(leaves) if len(leaves) > 1 else 0.0
    return _axis(3.0 * len(defects) + 4.0 * unaligned + 4.0 * _margin_imbalance(r)), defects


def _margin_imbalance(r: _Reading) -> float:
    """0 when the drawing sits centred on the page, towards 1 as it leans to one side."""
    boxes = [it.box for it in (*r.shapes, *r.texts, *r.images)]
    if not boxes:
        return 0.0
    x0, y0 = min(b.x0 for b in boxes), min(b.y0 for b in boxes)
    x1, y1 = max(b.x1 for b in boxes), max(b.y1 for b in boxes)
    left, right, top, bottom = x0, r.page.x1 - x1, y0, r.page.y1 - y1
    return max(abs(left - right) / max(r.page.width, 1.0), abs(top - bottom) / max(r.page.height, 1.0))


def _labels(r: _Reading, *ids: str) -> tuple[str, ...]:
    return tuple(r.shape_label[i] for i in ids if r.shape_label.get(i))


def _text(r: _Reading) -> tuple[float, list[Defect]]:
    from crafteditor.svg.items import label_owners

    defects = []
    owners = label_owners([*r.shapes, *r.texts], r.page)
    for sid, texts in owners.items():
        shape = r.by_id[sid]
        for t in texts:
            if not shape.box.contains(t.box, 2.0):
                defects.append(Defect("text", "text-overflow", f"{t.text!r} leaves its box {sid}",
                                      _labels(r, sid), (t.id, sid)))
    for t in r.texts:
        if 0 < t.paint.font_size < MIN_TEXT_PX:
            defects.append(Defect("text", "small-text", f"{t.text!r} is {t.paint.font_size:.1f} px",
                                  (norm(t.text),), (t.id,)))
    return _axis(2.0 * len(defects)), defects


def _aesthetic(r: _Reading) -> tuple[float, list[Defect]]:
    import cv2

    fills = {s.paint.fill for s in r.shapes if s.paint.fill and s.paint.fill.lower() not in ("#ffffff", "none")}
    families = {t.paint.font_family.split(",")[0].strip("'\" ").lower() for t in r.texts if t.paint.font_family}
    widths = {round(it.paint.stroke_width, 1) for it in (*r.shapes, *r.connectors) if it.paint.stroke_width}
    defects = []
    for what, count, most in (("fills", len(fills), 6), ("font families", len(families), 2),
                              ("stroke widths", len(widths), 3)):
        if count > most:
            defects.append(Defect("aesthetic", "variety", f"{count} {what} (at most {most} keep a figure calm)"))
    score = _axis(1.5 * len(defects))
    grey = cv2.cvtColor(r.rgb, cv2.COLOR_RGB2GRAY)
    edges = float((cv2.Canny(grey, 60, 160) > 0).mean())
    if edges > CLUTTER_EDGES:
        defects.append(Defect("aesthetic", "clutter", f"{edges:.0%} of the page is edges"))
        score = min(score, 6.0)
    return score, defects


def _role(r: _Reading, request: DrawRequest, style: str) -> tuple[float, list[Defect]]:
    defects = []
    page = tuple(int(v) for v in r.rgb[0, 0])
    fills = {s.paint.fill for s in r.shapes if s.paint.fill}
    if style == "academic":
        if min(page) < 235:
            defects.append(Defect("role", "role", "an academic figure sits on a white page"))
        if len(fills) > 6:
            defects.append(Defect("role", "role", "an academic figure keeps a restrained palette"))
    elif style == "poster":
        containers = {n.parent_id for n in request.nodes if n.parent_id}
        if request.title and not any(norm(request.title) == norm(t.text) for t in r.texts):
            defects.append(Defect("role", "role", "a poster shows its title", (request.title,)))
        if len(containers) < 2:
            defects.append(Defect("role", "role", "a poster is laid out in panels"))
    elif style == "infographic" and len(fills) < 3 and not r.images:
        defects.append(Defect("role", "role", "an infographic uses colour or pictures"))
    return _axis(3.0 * len(defects)), defects


def _artefacts(r: _Reading) -> tuple[float, list[Defect]]:
    from shapely.geometry import LineString
    from shapely.geometry import box as sbox

    defects, crossings = [], 0
    lines = [(c, LineString(c.points)) for c in r.connectors]
    leaves = [s for s in r.shapes if not any(o is not s and s.box.contains(o.box, 1.0) for o in r.shapes)]
    for c, line in lines:
        if not (c.source_id and c.target_id):
            defects.append(Defect("artefact", "unglued", f"connector {c.id} is glued to nothing at one end",
                                  element_ids=(c.id,)))
        for end, owner in ((c.points[0], c.source_id), (c.points[-1], c.target_id)):
            shape = r.by_id.get(owner) if owner else None
            if shape is not None and shape.box is not None and not shape.box.expand(ARROW_END_PX).contains_point(*end):
                defects.append(Defect("artefact", "arrow-dangling", f"connector {c.id} ends short of {owner}",
                                      _labels(r, owner), (c.id, owner)))
        for s in leaves:
            if s.id in (c.source_id, c.target_id) or s.box.width < 6 or s.box.height < 6:
                continue
            if line.intersects(sbox(*s.box.expand(-3).xyxy)):
                defects.append(Defect("artefact", "through-box", f"connector {c.id} runs through {s.id}",
                                      _labels(r, s.id), (c.id, s.id)))
    for i, (a, la) in enumerate(lines):
        for b, lb in lines[i + 1:]:
            shared = {a.source_id, a.target_id} & {b.source_id, b.target_id} - {None}
            if not shared and la.crosses(lb):
                crossings += 1
    if crossings:
        defects.append(Defect("artefact", "crossing", f"{crossings} connector crossing(s)"))
    return _axis(2.0 * (len(defects) - bool(crossings)) + 0.5 * crossings), defects
