"""The reviser: typed fixes (``crafteditor.model.fixes``) applied to a scene.

``revisions`` turns a verdict's findings into candidate scenes: all fixes at
once first, then each kind of fix alone (most findings first), so a kind
that makes things worse can be left out by the loop.  Each fix type has one
handler, chosen by its type; a handler changes the element its finding names
and no other, and returns a new scene or None when it does not apply (the
scene has no such element, or the change would be none).  Fixes that add
something take it from the source: the pixels the rendering misses are
traced, an element drawn unlike the source becomes a crop of it.
"""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from crafteditor.model.findings import Finding
from crafteditor.model.fixes import (
    AddElement, AddText, Move, RasterFallback, RefitShape, ScaleHead, Separate, SetFontSize, SetText, ShrinkFont,
    SnapEndpoint,
)
from crafteditor.model.scene import (
    Box, ConnectorContent, Element, ImageContent, Kind, Provenance, Render, Scene, Style, TextContent, TextLine,
    from_hex, to_hex,
)

ADD_PAD_PX = 2
TEXT_PAD_PX = 2
REFILL_INSET_PX = 2
REFILL_TOLERANCE = 12  # 0..255 a channel: closer is the same colour


@dataclasses.dataclass(frozen=True)
class Evidence:
    """What fixes read: the source (HWC uint8) and, from the verified rendering,
    where it draws (HxW bool); ``figure`` is the ``checkers.base.CheckedFigure``."""

    figure: Any
    background: str
    canvas_rgb: np.ndarray | None = None  # the source with its text lifted (HWC uint8)

    @property
    def source_rgb(self) -> np.ndarray:
        return self.figure.source_rgb

    @property
    def pixels_rgb(self) -> np.ndarray:
        """Where added pixels come from: the canvas when known, so no glyph is copied."""
        return self.canvas_rgb if self.canvas_rgb is not None else self.figure.source_rgb


def _named(scene: Scene, finding: Finding) -> Element | None:
    """The element the finding names, if the scene has it (a finding naming none changes none)."""
    if not finding.element_id:
        return None
    return next((e for e in scene if e.id == finding.element_id), None)


def _replace(scene: Scene, old: Element, new: Element) -> Scene:
    return scene.replace_elements(new if e.id == old.id else e for e in scene.elements)


def _size_bound_px(el: Element) -> float | None:
    """The largest size the text may grow to: each of its lines' ink stays within
    ``fonts.MAX_GROWTH`` of the ink box it was read from (in its reading frame) (a size check that
    misjudged the source, its glyphs merged with a border or a neighbour, must
    not blow the label up past its box)."""
    from extraction import fonts

    content = el.text
    if content is None:
        return None
    cand = fonts.candidate_for(el.style.font_family, el.style.font_weight, el.style.font_class)
    return fonts.size_bound_px(cand, [(line.text, (line.box.width, line.box.height)) for line in content.lines])


def _resized_text(scene: Scene, el: Element | None, scale: float) -> Scene | None:
    """``el``'s font scaled by ``scale``; growth stops at its size bound."""
    if el is None or el.kind is not Kind.TEXT or not el.style.font_size_px or not 0.2 <= scale <= 5.0:
        return None
    size = el.style.font_size_px * scale
    if scale > 1.0:
        bound = _size_bound_px(el)
        if bound is not None:
            size = min(size, max(bound, el.style.font_size_px))
        if size <= el.style.font_size_px + 0.05:
            return None
    return _replace(scene, el, el.replace(style=dataclasses.replace(el.style, font_size_px=round(size, 2))))


def _shrink_font(scene: Scene, finding: Finding, fix: ShrinkFont, _ev: Evidence) -> Scene | None:
    return _resized_text(scene, _named(scene, finding), fix.scale)


def _set_font_size(scene: Scene, finding: Finding, fix: SetFontSize, _ev: Evidence) -> Scene | None:
    el = _named(scene, finding)
    if el is None or not el.style.font_size_px:
        return None
    return _resized_text(scene, el, round(fix.px / el.style.font_size_px, 3))


def _shift_text(content: TextContent, dx: float, dy: float) -> TextContent:
    lines = tuple(dataclasses.replace(
        line, box=Box(line.box.x0 + dx, line.box.y0 + dy, line.box.x1 + dx, line.box.y1 + dy),
        baseline_y=line.baseline_y + dy) for line in content.lines)
    return dataclasses.replace(content, lines=lines, anchor_x=content.anchor_x + dx,
                               pivot=(content.pivot[0] + dx, content.pivot[1] + dy))


def _moved(el: Element, dx: float, dy: float) -> Element | None:
    """``el`` moved by (dx, dy); None for what has no box to move (free paths, traces, connectors)."""
    if (el.shape and el.shape.d) or el.kind in (Kind.TRACE, Kind.CONNECTOR):
        return None
    b = el.box
    moved = el.replace(box=Box(b.x0 + dx, b.y0 + dy, b.x1 + dx, b.y1 + dy))
    if el.text:
        moved = moved.replace(text=_shift_text(el.text, dx, dy))
    if el.shape and el.shape.points:
        moved = moved.replace(shape=dataclasses.replace(
            el.shape, points=tuple((x + dx, y + dy) for x, y in el.shape.points)))
    return moved


def _move(scene: Scene, finding: Finding, fix: Move, _ev: Evidence) -> Scene | None:
    """Move the named element alone: it drifted from its place in the source, its neighbours did not."""
    el = _named(scene, finding)
    moved = _moved(el, fix.dx_px, fix.dy_px) if el is not None else None
    return _replace(scene, el, moved) if moved is not None else None


def _separate(scene: Scene, finding: Finding, fix: Separate, _ev: Evidence) -> Scene | None:
    """Move the named shape off its sibling ``fix.other_id``, with what belongs to it: its
    labels move along, and the connector ends glued to it follow."""
    el = _named(scene, finding)
    if el is None or el.kind is not Kind.SHAPE or all(e.id != fix.other_id for e in scene):
        return None
    shape = _moved(el, fix.dx_px, fix.dy_px)
    if shape is None:
        return None
    dx, dy = fix.dx_px, fix.dy_px
    out = []
    for e in scene.elements:
        if e.id == el.id:
            e = shape
        elif e.parent_id == el.id:
            e = _moved(e, dx, dy) or e
        elif e.connector is not None and el.id in (e.connector.source_id, e.connector.target_id):
            e = _with_ends(e, {i for i, glued in ((0, e.connector.source_id), (-1, e.connector.target_id))
                               if glued == el.id}, dx, dy)
        out.append(e)
    return scene.replace_elements(out)


def _with_ends(el: Element, ends: set[int], dx: float, dy: float) -> Element:
    """A connector with its end points at ``ends`` (0, -1) moved by (dx, dy)."""
    points = list(el.connector.points)
    for i in ends:
        points[i] = (points[i][0] + dx, points[i][1] + dy)
    content = dataclasses.replace(el.connector, points=tuple(points), routing=_snapped_routing(el.connector))
    return el.replace(connector=content, box=Box.from_points(points))


def _end_index(c: ConnectorContent, end: str) -> int:
    """Which point of ``c`` is its ``end``: the head is where an arrowhead is drawn (the last
    point unless only the first has one), the tail the other end."""
    head = -1 if c.head_end or not c.head_start else 0
    return head if end == "head" else -1 - head


def _snap(scene: Scene, finding: Finding, fix: SnapEndpoint, _ev: Evidence) -> Scene | None:
    """Move the named connector's end to the fix's point."""
    el = _named(scene, finding)
    if el is None or el.connector is None:
        return None
    at = _end_index(el.connector, fix.end)
    x, y = el.connector.points[at]
    return _replace(scene, el, _with_ends(el, {at}, fix.xy[0] - x, fix.xy[1] - y))


def _snapped_routing(c: ConnectorContent) -> str:
    """A connector whose end moved keeps straight or curved routing; an elbow becomes a polyline."""
    return c.routing if c.routing in ("straight", "curve") else "polyline"


def _scale_head(scene: Scene, finding: Finding, fix: ScaleHead, _ev: Evidence) -> Scene | None:
    """Scale the named connector's heads (they share one size); under ``NO_HEAD_BELOW`` the
    source has hardly more than the line at that end: its head goes."""
    el = _named(scene, finding)
    if el is None or el.connector is None:
        return None
    c = el.connector
    at_end = _end_index(c, fix.end) == -1
    if not (c.head_end if at_end else c.head_start):
        return None  # no head drawn at that end
    if fix.scale < ScaleHead.NO_HEAD_BELOW:
        content = dataclasses.replace(c, head_end=c.head_end and not at_end, head_start=c.head_start and at_end)
    else:
        root = float(np.sqrt(fix.scale))
        content = dataclasses.replace(c, head_length_px=c.head_length_px * root, head_width_px=c.head_width_px * root)
    return _replace(scene, el, el.replace(connector=content))


def _refit(scene: Scene, finding: Finding, fix: RefitShape, _ev: Evidence) -> Scene | None:
    """Fit the named shape to the fix's box: a box primitive takes it, a polygon's points are
    mapped from the old box onto it; a free path is left as it is."""
    el = _named(scene, finding)
    box = Box(*fix.xyxy)
    if el is None or el.kind is not Kind.SHAPE or el.shape is None or el.shape.d or box.width < 2 or box.height < 2:
        return None
    old = el.box
    shape = el.shape
    if shape.points:
        sx, sy = box.width / max(old.width, 1e-6), box.height / max(old.height, 1e-6)
        shape = dataclasses.replace(shape, points=tuple((box.x0 + (x - old.x0) * sx, box.y0 + (y - old.y0) * sy)
                                                        for x, y in shape.points))
    return _replace(scene, el, el.replace(box=box, shape=shape))


def _fresh_id(scene: Scene, stem: str) -> Callable[[], str]:
    taken = {e.id for e in scene}
    n = 0

    def next_id() -> str:
        nonlocal n
        while f"{stem}-{n:04d}" in taken:
            n += 1
        taken.add(f"{stem}-{n:04d}")
        return f"{stem}-{n:04d}"
    return next_id


def _text_boxes(fig: Any) -> Iterator[Box]:
    """Where text is drawn in the rendering or read in the source."""
    for line in fig.drawn.lines:
        yield line.box
    for word in fig.source_words:
        yield word.box


def _add_missing(scene: Scene, findings: Sequence[Finding], ev: Evidence) -> Scene | None:
    """Trace the source pixels the rendering misses inside the findings' boxes, as one pass."""
    import cv2

    from composition.trace import trace_leftovers

    fig = ev.figure
    h, w = fig.source_rgb.shape[:2]
    missing = fig.drawn_source & ~cv2.dilate(fig.drawn_ours.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    keep = np.zeros((h, w), bool)
    for f in findings:
        x0, y0, x1, y1 = Box(*f.fix.xyxy).expand(ADD_PAD_PX).clip(w, h).to_int()
        keep[y0:y1, x0:x1] = True
    for box in _text_boxes(fig):  # text goes through OCR, never the tracer: no glyph is drawn twice
        x0, y0, x1, y1 = box.expand(TEXT_PAD_PX).clip(w, h).to_int()
        keep[y0:y1, x0:x1] = False
    mask = cv2.dilate((missing & keep).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    if not mask.any():
        return None
    leftover = np.empty_like(fig.source_rgb)
    leftover[:] = np.asarray(fig.background_rgb, np.uint8)
    leftover[mask] = ev.pixels_rgb[mask]
    traces = trace_leftovers(leftover, ev.background)
    if not traces:
        return None
    next_id = _fresh_id(scene, "trace-fix")
    added = [t.replace(id=next_id(), provenance=Provenance("reviser", 1.0, "missing from the rendering"))
             for t in traces]
    shapes_end = max((i + 1 for i, e in enumerate(scene.elements) if e.kind in (Kind.SHAPE, Kind.TRACE)), default=0)
    elements = list(scene.elements)
    return scene.replace_elements(elements[:shapes_end] + added + elements[shapes_end:])


def _add_text(scene: Scene, _finding: Finding, fix: AddText, ev: Evidence) -> Scene | None:
    text = fix.text.strip()
    box = Box(*fix.xyxy)
    if not text:
        return None
    if box.height < 4:
        return None
    x0, y0, x1, y1 = box.clip(*ev.figure.image_wh).to_int()
    crop = ev.source_rgb[y0:y1, x0:x1].reshape(-1, 3).astype(np.int32)
    ink = crop[np.argsort(crop.sum(axis=1))[: max(len(crop) // 10, 1)]]  # the darkest tenth
    size = round(box.height * 0.8, 2)
    line = TextLine(text, box, baseline_y=box.y0 + box.height * 0.8)
    el = Element(
        id=_fresh_id(scene, "text-fix")(), kind=Kind.TEXT, box=box,
        style=Style(fill=to_hex(np.median(ink, axis=0)), font_size_px=size,
                    font_family=("Liberation Sans", "Arial", "sans-serif")),
        provenance=Provenance("reviser", 0.5, "read in the source, absent from the SVG"),
        text=TextContent((line,), anchor="start", anchor_x=box.x0),
    )
    return scene.add(el)


def _set_text(scene: Scene, finding: Finding, fix: SetText, _ev: Evidence) -> Scene | None:
    """The line of the named text that best overlaps the finding's box reads the fix's text."""
    el = _named(scene, finding)
    text = fix.text.strip()
    if el is None or el.text is None or not text:
        return None
    box = finding.box or el.box
    i = max(range(len(el.text.lines)), key=lambda k: el.text.lines[k].box.iou(box))
    lines = list(el.text.lines)
    lines[i] = dataclasses.replace(lines[i], text=text, runs=lines[i].runs if text == lines[i].text else ())
    return _replace(scene, el, el.replace(text=dataclasses.replace(el.text, lines=tuple(lines)), label=""))


def _refill(scene: Scene, el: Element, ev: Evidence) -> Scene | None:
    """Paint a shape with the colour the source shows inside it (text lifted), when that differs."""
    pad = max(el.style.stroke_width_px or 0.0, 1.0) + REFILL_INSET_PX
    x0, y0, x1, y1 = el.box.expand(-pad).clip(*ev.figure.image_wh).to_int()
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    from extraction.pixels import dominant_colour

    inside = dominant_colour(ev.pixels_rgb[y0:y1, x0:x1])
    current = el.style.fill or ev.background
    if np.abs(inside - from_hex(current)).max() <= REFILL_TOLERANCE:
        return None
    fill = None if np.abs(inside - from_hex(ev.background)).max() <= REFILL_TOLERANCE else to_hex(inside)
    return _replace(scene, el, el.replace(style=dataclasses.replace(el.style, fill=fill)))


def _raster(scene: Scene, finding: Finding, _fix: RasterFallback, ev: Evidence) -> Scene | None:
    """A shape drawn unlike the source is repainted with the source's fill; any other
    element is replaced by a crop of the canvas over its box (text lifted, so no glyph
    is drawn twice)."""
    from PIL import Image

    el = _named(scene, finding)
    if el is None or el.kind is Kind.TEXT:
        return None
    if el.kind is Kind.SHAPE:
        return _refill(scene, el, ev)
    x0, y0, x1, y1 = el.box.expand(1).clip(*ev.figure.image_wh).to_int()
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(ev.pixels_rgb[y0:y1, x0:x1])).save(buf, format="PNG", optimize=True)
    crop = Element(id=el.id, kind=Kind.ICON, box=Box(x0, y0, x1, y1), render=Render.RASTER,
                   provenance=Provenance("reviser", 1.0, "drawn unlike the source"), label=el.label,
                   image=ImageContent(buf.getvalue()), reason=f"raster fallback: {finding.message}")
    return _replace(scene, el, crop)


Handler = Callable[[Scene, Finding, Any, Evidence], Scene | None]
ONE_AT_A_TIME: dict[type, Handler] = {
    ShrinkFont: _shrink_font, SetFontSize: _set_font_size, Move: _move, Separate: _separate, SnapEndpoint: _snap,
    ScaleHead: _scale_head, AddText: _add_text, SetText: _set_text, RefitShape: _refit, RasterFallback: _raster,
}
TOGETHER: frozenset[type] = frozenset((AddElement,))  # applied in one pass over all their findings
HANDLED: frozenset[type] = frozenset(ONE_AT_A_TIME) | TOGETHER
ALONE: frozenset[type] = frozenset((Separate,))  # never bundled with the other fixes (``revisions``)


def apply_fixes(scene: Scene, findings: Sequence[Finding], ev: Evidence) -> tuple[Scene, Counter]:
    """``scene`` with every applicable fix of ``findings``; the count of fixes applied by kind."""
    applied: Counter = Counter()
    adds = [f for f in findings if isinstance(f.fix, AddElement)]
    for f in findings:
        handler = ONE_AT_A_TIME.get(type(f.fix))
        changed = handler(scene, f, f.fix, ev) if handler is not None else None
        if changed is not None:
            scene = changed
            applied[f.fix.kind] += 1
    if adds:
        changed = _add_missing(scene, adds, ev)
        if changed is not None:
            scene = changed
            applied[AddElement.kind] += len(adds)
    return scene, applied


def _label(applied: Counter) -> str:
    return "fix " + ", ".join(f"{kind} x{n}" for kind, n in sorted(applied.items()))


def revisions(scene: Scene, findings: Sequence[Finding], ev: Evidence) -> Iterator[tuple[str, Scene]]:
    """Candidate scenes, built as they are asked for: every fix together, then each kind of
    fix alone (most findings first).  A separation moves a shape with everything glued to it,
    and two shapes drawn overlapping may overlap in the source too (cuboids, stacked cards):
    it is tried only alone, so that it stands or falls by itself."""
    fixable = [f for f in findings if type(f.fix) in HANDLED and f.severity != "info"]
    whole, applied = apply_fixes(scene, [f for f in fixable if type(f.fix) not in ALONE], ev)
    if applied:
        yield _label(applied), whole
    kinds = [kind for kind, _n in applied.most_common()] if len(applied) > 1 else []
    kinds += sorted({f.fix.kind for f in fixable if type(f.fix) in ALONE})
    for kind in kinds:
        alone, done = apply_fixes(scene, [f for f in fixable if f.fix is not None and f.fix.kind == kind], ev)
        if done:
            yield _label(done), alone
