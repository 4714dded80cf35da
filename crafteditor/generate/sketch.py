"""A converted sketch read as components: what its boxes, labels, icons and arrows say.

    found = read_sketch(conversion.scene)

- a shape that holds other shapes is a container, named by its own label (if any);
- a shape with a label and no shapes inside is a component named by its label;
- a short free label (a name, not a sentence) is a component too, its box joined with
  the icon right above or below it (a pictured component with its caption);
- the top-most wide or large free line is the title; other free text (sentences,
  paragraphs) becomes notes, never boxes;
- a connector becomes a link when each end is glued to, or lies near, a component or
  container: its direction comes from its heads.

Everything is in the sketch's pixels; :mod:`crafteditor.generate.arrange` turns it into
layout constraints and pinned boxes on the output canvas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crafteditor.generate.reading import Reading
from crafteditor.generate.spec import fresh_id
from crafteditor.model.scene import Box, Element, Kind, Scene

__all__ = ["Link", "Part", "SketchReading", "read_sketch"]

NAME_MAX_WORDS = 4  # per line: a longer line is prose
NAME_MAX_LINES = 3
TITLE_MIN_WIDTH = 0.3  # of the page, for the top line to be the title
TITLE_MIN_SCALE = 1.2  # or its line height, of the median label's
LEADING = 0.75  # the most room between two lines of one label, of a line's height
ICON_GAP = 1.5  # an icon's caption lies within this many line heights of it
END_SLACK = 0.02  # a connector's end is on a component within this share of the page's short side
_SENTENCE_END = re.compile(r"[.:;,!]\s*$")


@dataclass(frozen=True)
class Part:
    """A component (``group`` False) or a container (``group`` True) in sketch pixels."""

    id: str
    name: str
    box: Box
    parent: str | None = None
    group: bool = False
    drawn: bool = True  # a box the sketch draws (its size is kept); False: a free label, sized for its text


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    kind: str  # "arrow" | "line" | "both" | "dashed"


@dataclass(frozen=True)
class SketchReading:
    parts: tuple[Part, ...]
    links: tuple[Link, ...]
    title: str
    notes: tuple[str, ...]
    page_wh: tuple[int, int]

    def components(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if not p.group)


def read_sketch(scene: Scene) -> SketchReading:
    shapes = scene.of_kind(Kind.SHAPE)
    holder = {s.id: _smallest_holder(s.box, shapes, s.id) for s in shapes}
    holding = {h for h in holder.values() if h}
    texts = [t for t in scene.texts if t.text and t.text.string.strip()]
    title = _title(texts, scene.image_wh)
    ids: dict[str, str] = {}  # scene id -> part id
    taken: set[str] = set()
    parts: list[Part] = []
    notes: list[str] = []
    by_shape = {s.id: sorted((t for t in texts if t.parent_id == s.id and t is not title), key=_reading_key)
                for s in shapes}
    for s in sorted(shapes, key=lambda s: -s.box.area):  # containers before what they hold
        own = by_shape[s.id]
        if s.id in holding:
            name = _text(own[0]) if own else ""
            ids[s.id] = fresh_id(f"group-{Reading.slug(name) if name else 'box'}", taken)
            parts.append(Part(ids[s.id], name, s.box, ids.get(holder[s.id] or ""), group=True))
            own = own[1:]
        elif own:
            ids[s.id] = fresh_id(Reading.slug(" ".join(_text(t) for t in own)), taken)
            parts.append(Part(ids[s.id], " ".join(_text(t) for t in own), s.box, ids.get(holder[s.id] or "")))
            continue
        for t in own:  # a container's other labels are components inside it
            parts.append(Part(fresh_id(Reading.slug(_text(t)), taken), _text(t), t.box, ids[s.id]))
    icons = list(scene.of_kind(Kind.ICON))
    free = [t for t in texts if t.parent_id not in ids and t is not title]
    notes += [_text(t) for t in sorted(free, key=_reading_key) if not is_name(t)]
    for name, box, line_h in _joined([(_text(t), t.box, t.box.height / len(t.text.lines)) for t in free if is_name(t)]):
        icon = _caption_of(box, line_h, icons)
        if icon is not None:
            icons.remove(icon)
            box = box.union(icon.box)
        parts.append(Part(fresh_id(Reading.slug(name), taken), name, box, _container_of(box, parts), drawn=False))
    links = _links(scene, parts, ids)
    return SketchReading(tuple(parts), links, _text(title) if title else "", tuple(notes), scene.image_wh)


def is_name(text: Element) -> bool:
    """Whether a free label names a component: a few short lines with letters, not a sentence."""
    lines = [ln.text.strip() for ln in text.text.lines if ln.text.strip()]
    return (0 < len(lines) <= NAME_MAX_LINES and all(len(ln.split()) <= NAME_MAX_WORDS for ln in lines)
            and not _SENTENCE_END.search(lines[-1]) and len(re.findall(r"[^\W\d_]", "".join(lines))) >= 2)


def _text(t: Element) -> str:
    return " ".join(t.text.string.split())


def _reading_key(t: Element) -> tuple[float, float]:
    return (t.box.y0, t.box.x0)


def _smallest_holder(box: Box, shapes: tuple[Element, ...], own_id: str) -> str | None:
    holders = [s for s in shapes if s.id != own_id and s.box.contains(box, slack_px=2.0) and s.box.area > box.area]
    return min(holders, key=lambda s: s.box.area).id if holders else None


def _container_of(box: Box, parts: list[Part]) -> str | None:
    holders = [p for p in parts if p.group and p.box.contains(box, slack_px=2.0)]
    return min(holders, key=lambda p: p.box.area).id if holders else None


def _title(texts: list[Element], page_wh: tuple[int, int]) -> Element | None:
    """The top-most line when nothing lies above it and it is wide or larger than the labels."""
    if len(texts) < 2:
        return None
    top = min(texts, key=lambda t: t.box.y0)
    if any(t.box.y1 <= top.box.y0 for t in texts if t is not top) or len(top.text.lines) > 2:
        return None
    heights = sorted(t.box.height / len(t.text.lines) for t in texts)
    median = heights[len(heights) // 2]
    large = top.box.height / len(top.text.lines) >= TITLE_MIN_SCALE * median
    return top if large or top.box.width >= TITLE_MIN_WIDTH * page_wh[0] else None


def _joined(labels: list[tuple[str, Box, float]]) -> list[tuple[str, Box, float]]:
    """Pieces of one label that reading split: on one line with less than a line height
    between them, or stacked with less than :data:`LEADING` of a line between them and
    overlapping across; in reading order, with their line height."""
    items = sorted(labels, key=lambda x: (x[1].y0, x[1].x0))
    merged = True
    while merged:
        merged = False
        for i, (na, a, ha) in enumerate(items):
            for j in range(i + 1, len(items)):
                nb, b, hb = items[j]
                h = min(ha, hb)
                same_line = abs(a.center[1] - b.center[1]) <= h / 2 and max(a.x0, b.x0) - min(a.x1, b.x1) <= h
                stacked = (max(a.y0, b.y0) - min(a.y1, b.y1) <= LEADING * h and min(a.x1, b.x1) > max(a.x0, b.x0)
                           and abs(a.center[1] - b.center[1]) > h / 2)
                if same_line or stacked:
                    first, second = (na, nb) if (a.y0, a.x0) <= (b.y0, b.x0) else (nb, na)
                    items[i] = (f"{first} {second}", a.union(b), max(ha, hb))
                    del items[j]
                    merged = True
                    break
            if merged:
                break
    return items


def _caption_of(box: Box, line_h: float, icons: list[Element]) -> Element | None:
    """The icon right above (or below) a label whose centre lies under it."""
    cx = box.center[0]
    near = [i for i in icons if i.box.x0 - line_h <= cx <= i.box.x1 + line_h
            and min(abs(box.y0 - i.box.y1), abs(i.box.y0 - box.y1)) <= ICON_GAP * line_h + 0.25 * i.box.height]
    return min(near, key=lambda i: abs(i.box.center[0] - cx)) if near else None


def _links(scene: Scene, parts: list[Part], ids: dict[str, str]) -> tuple[Link, ...]:
    slack = max(4.0, END_SLACK * min(scene.image_wh))
    out: list[Link] = []
    for c in scene.of_kind(Kind.CONNECTOR):
        k = c.connector
        a = ids.get(k.source_id or "") or _part_at(k.points[0], parts, slack)
        b = ids.get(k.target_id or "") or _part_at(k.points[-1], parts, slack)
        if a is None or b is None or a == b:
            continue
        if k.head_start and not k.head_end:
            a, b = b, a
        kind = "both" if k.head_start and k.head_end else "arrow" if k.head_start or k.head_end else "line"
        kind = "dashed" if kind == "arrow" and c.style.dash_px else kind
        if not any({x.source, x.target} == {a, b} for x in out):
            out.append(Link(a, b, kind))
    return tuple(out)


def _part_at(point: tuple[float, float], parts: list[Part], slack_px: float) -> str | None:
    """The smallest component (else container) whose box, grown by ``slack_px``, holds ``point``."""
    near = [p for p in parts if p.box.expand(slack_px).contains_point(*point)]
    return min(near, key=lambda p: (p.group, p.box.area)).id if near else None

