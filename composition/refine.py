"""The reviser: typed fixes (``checkers.base.Fix``) applied to a scene.

``revisions`` turns a verdict's findings into candidate scenes: all fixes at
once first, then each kind of fix alone (most findings first), so a kind
that makes things worse can be left out by the loop.  Each fix returns a new
scene or None when it does not apply (its element cannot be found, its kind
is not one the reviser knows).  Fixes that add something take it from the
source: the pixels the rendering misses are traced, an element drawn unlike
the source becomes a crop of it.
"""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from crafteditor.scene import (
    Box, Element, ImageContent, Kind, Provenance, Render, Scene, Style, TextContent, TextLine,
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


def _text_at(scene: Scene, box: Box) -> Element | None:
    """The text element with a line best overlapping ``box``."""
    best, best_iou = None, 0.2
    for el in scene.texts:
        for line in el.text.lines if el.text and not el.text.rotation_deg else ():
            iou = line.box.iou(box)
            if iou > best_iou:
                best, best_iou = el, iou
    return best


def _named(scene: Scene, finding: Any) -> Element | None:
    """The element the finding names, if the scene has it."""
    if not finding.element_id:
        return None
    return next((e for e in scene if e.id == finding.element_id), None)


def _target_text(scene: Scene, finding: Any) -> Element | None:
    """The element the finding names or, when it names none, the text at its box."""
    if finding.element_id:
        return _named(scene, finding)
    return _text_at(scene, finding.box) if finding.box is not None else None


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


def _scale_font(scene: Scene, finding: Any, _ev: Evidence) -> Scene | None:
    el = _target_text(scene, finding)
    scale = float(finding.fix.get("scale", 1.0))
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


def _shift_text(content: TextContent, dx: float, dy: float) -> TextContent:
    lines = tuple(dataclasses.replace(
        line, box=Box(line.box.x0 + dx, line.box.y0 + dy, line.box.x1 + dx, line.box.y1 + dy),
        baseline_y=line.baseline_y + dy) for line in content.lines)
    return dataclasses.replace(content, lines=lines, anchor_x=content.anchor_x + dx,
                               pivot=(content.pivot[0] + dx, content.pivot[1] + dy))


def _move(scene: Scene, finding: Any, _ev: Evidence) -> Scene | None:
    el = _named(scene, finding) or (_text_at(scene, finding.box) if finding.box is not None else None)
    dx, dy = float(finding.fix.get("dx", 0.0)), float(finding.fix.get("dy", 0.0))
    if el is None or (el.shape and el.shape.d) or el.kind in (Kind.TRACE, Kind.CONNECTOR):
        return None
    b = el.box
    moved = el.replace(box=Box(b.x0 + dx, b.y0 + dy, b.x1 + dx, b.y1 + dy))
    if el.text:
        moved = moved.replace(text=_shift_text(el.text, dx, dy))
    if el.shape and el.shape.points:
        moved = moved.replace(shape=dataclasses.replace(
            el.shape, points=tuple((x + dx, y + dy) for x, y in el.shape.points)))
    return _replace(scene, el, moved)


def _snap(scene: Scene, finding: Any, _ev: Evidence) -> Scene | None:
    """Move the connector end drawn at the finding's box to the fix's point."""
    if finding.box is None:
        return None
    cx, cy = finding.box.center
    end = finding.fix.get("end")
    best, best_d, at = None, 6.0, 0
    for el in scene.of_kind(Kind.CONNECTOR):
        c = el.connector
        for i in (0, len(c.points) - 1):
            d = float(np.hypot(c.points[i][0] - cx, c.points[i][1] - cy))
            if d < best_d:
                best, best_d, at = el, d, i
    if best is None or end not in ("head", "tail"):
        return None
    c = best.connector
    points = list(c.points)
    points[at] = (float(finding.fix.get("x")), float(finding.fix.get("y")))
    routing = c.routing if c.routing in ("straight", "curve") else "polyline"
    content = dataclasses.replace(c, points=tuple(points), routing=routing)
    return _replace(scene, best, best.replace(connector=content, box=Box.from_points(points)))


def _scale_head(scene: Scene, finding: Any, _ev: Evidence) -> Scene | None:
    if finding.box is None:
        return None
    cx, cy = finding.box.center
    for el in scene.of_kind(Kind.CONNECTOR):
        c = el.connector
        tips = ([c.points[-1]] if c.head_end else []) + ([c.points[0]] if c.head_start else [])
        if any(np.hypot(x - cx, y - cy) < 6.0 for x, y in tips):
            scale = float(finding.fix.get("scale", 1.0))
            if scale < 0.35:  # the source has hardly more than the line there: no head
                content = dataclasses.replace(c, head_end=False, head_start=False)
            else:
                content = dataclasses.replace(c, head_length_px=c.head_length_px * np.sqrt(scale),
                                              head_width_px=c.head_width_px * np.sqrt(scale))
            return _replace(scene, el, el.replace(connector=content))
    return None


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


def _add_missing(scene: Scene, findings: Sequence[Any], ev: Evidence) -> Scene | None:
    """Trace the source pixels the rendering misses inside the findings' boxes, as one pass."""
    import cv2

    from composition.trace import trace_leftovers

    fig = ev.figure
    h, w = fig.source_rgb.shape[:2]
    missing = fig.drawn_source & ~cv2.dilate(fig.drawn_ours.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    keep = np.zeros((h, w), bool)
    for f in findings:
        if f.box is None:
            continue
        x0, y0, x1, y1 = f.box.expand(ADD_PAD_PX).clip(w, h).to_int()
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


def _add_text(scene: Scene, finding: Any, ev: Evidence) -> Scene | None:
    text = str(finding.fix.get("text", "")).strip()
    xyxy = finding.fix.get("xyxy") or (finding.box.xyxy if finding.box is not None else None)
    if not text or xyxy is None:
        return None
    box = Box(*xyxy)
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


def _set_text(scene: Scene, finding: Any, _ev: Evidence) -> Scene | None:
    el = _target_text(scene, finding)
    text = str(finding.fix.get("text", "")).strip()
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
    from extraction.glyphs import dominant_colour

    inside = dominant_colour(ev.pixels_rgb[y0:y1, x0:x1])
    current = el.style.fill or ev.background
    if np.abs(inside - from_hex(current)).max() <= REFILL_TOLERANCE:
        return None
    fill = None if np.abs(inside - from_hex(ev.background)).max() <= REFILL_TOLERANCE else to_hex(inside)
    return _replace(scene, el, el.replace(style=dataclasses.replace(el.style, fill=fill)))


def _raster(scene: Scene, finding: Any, ev: Evidence) -> Scene | None:
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


ONE_AT_A_TIME: dict[str, Callable[[Scene, Any, Evidence], Scene | None]] = {
    "shrink_font": _scale_font, "set_font_size": _scale_font, "move": _move, "snap_endpoint": _snap,
    "scale_head": _scale_head, "add_text": _add_text, "set_text": _set_text, "raster_fallback": _raster,
}
KINDS = frozenset(ONE_AT_A_TIME) | {"add_element"}


def apply_fixes(scene: Scene, findings: Sequence[Any], ev: Evidence) -> tuple[Scene, Counter]:
    """``scene`` with every applicable fix of ``findings``; the count of fixes applied by kind."""
    applied: Counter = Counter()
    adds = [f for f in findings if f.fix and f.fix.kind == "add_element"]
    for f in findings:
        fix = ONE_AT_A_TIME.get(f.fix.kind) if f.fix else None
        changed = fix(scene, f, ev) if fix else None
        if changed is not None:
            scene = changed
            applied[f.fix.kind] += 1
    if adds:
        changed = _add_missing(scene, adds, ev)
        if changed is not None:
            scene = changed
            applied["add_element"] += len(adds)
    return scene, applied


def _label(applied: Counter) -> str:
    return "fix " + ", ".join(f"{kind} x{n}" for kind, n in sorted(applied.items()))


def revisions(scene: Scene, findings: Sequence[Any], ev: Evidence) -> Iterator[tuple[str, Scene]]:
    """Candidate scenes, built as they are asked for: every fix together, then each
    kind of fix alone (most findings first)."""
    fixable = [f for f in findings if f.fix and f.fix.kind in KINDS and f.severity != "info"]
    whole, applied = apply_fixes(scene, fixable, ev)
    if not applied:
        return
    yield _label(applied), whole
    if len(applied) > 1:
        for kind, _n in applied.most_common():
            alone, done = apply_fixes(scene, [f for f in fixable if f.fix.kind == kind], ev)
            if done:
                yield _label(done), alone
