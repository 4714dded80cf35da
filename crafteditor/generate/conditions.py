"""Input conditions beyond the instruction: a sketch, and a partial figure with a mask.

    spec = spec_from_sketch("sketch.png", "Add a Renderer after the Decoder")
    kept, region = complete("partial.png", "mask.png", spec)
    figure = merge(kept, region_scene(spec, kept, region), region)

A **sketch** is a layout reference: our own extraction grounds it (``convert``, offline,
no refinement, nothing traced) into boxes, labels and arrows
(:mod:`crafteditor.generate.sketch`), which become elements, containers, connections
and the sketch's rows, columns and reading order (:mod:`crafteditor.generate.arrange`).
Each element keeps its sketch box, scaled to the output canvas, as a pinned position:
pins keep the two-dimensional arrangement exactly (order constraints alone let the
layout engine re-rank a grid), while the redraw is cleaned by aligning every row and
column and by sizing each box for its label.  What the instruction adds with structure
(a connection, a container) joins; a component of the same name is the sketch's.

**Mask completion** lives in :mod:`crafteditor.generate.completion`.
"""

from __future__ import annotations

from pathlib import Path

from crafteditor.generate import arrange
from crafteditor.generate.completion import complete, merge, region_request, region_scene
from crafteditor.generate.intent import read_intent
from crafteditor.generate.phrases import name_key
from crafteditor.generate.sketch import SketchReading, read_sketch
from crafteditor.generate.spec import (REFERENCE_OF, Connection, Element, FigureSpec, Group, InputCondition,
                                       LayoutConstraint, PanelLayout, Role, fresh_id)
from crafteditor.model.scene import Box

__all__ = ["complete", "merge", "region_request", "region_scene", "sketch_reading", "sketch_spec", "spec_from_sketch"]


def spec_from_sketch(sketch_path: str | Path, instruction: str = "", context: str = "",
                     style: Role = "academic") -> FigureSpec:
    """The specification a sketch and an instruction describe, the sketch's arrangement
    pinned.  ``context`` (paper text) is not read for components: the sketch names them."""
    return sketch_spec(sketch_reading(sketch_path), instruction, style)


def sketch_reading(sketch_path: str | Path) -> SketchReading:
    """The sketch converted (no refinement, nothing traced) and read as components."""
    from crafteditor.pipeline import convert

    return read_sketch(convert(Path(sketch_path), loop=None, leftovers=False).scene)


def sketch_spec(found: SketchReading, instruction: str = "", style: Role = "academic") -> FigureSpec:
    condition = InputCondition.SKETCH
    parts = found.parts
    members = {p.id: tuple(q.id for q in parts if q.parent == p.id) for p in parts if p.group}
    spec = FigureSpec(
        instruction=instruction, title=found.title, show_title=bool(found.title), role=style,
        condition=condition, reference_role=REFERENCE_OF[condition],
        elements=tuple(Element(id=p.id, name=p.name, placement="as sketched") for p in found.components()),
        groups=tuple(Group(id=p.id, name=p.name, members=members[p.id]) for p in parts if p.group and members[p.id]),
        connections=tuple(Connection(id=f"c{i}", source=k.source, target=k.target, kind=k.kind)
                          for i, k in enumerate(found.links, start=1)
                          if _known(k.source, parts, members) and _known(k.target, parts, members)),
        constraints=(*arrange.constraints(found.components()),
                     LayoutConstraint(kind="direction", value=arrange.direction(parts, found.links))),
        layout=PanelLayout(notes=found.notes),
    )
    if instruction.strip():
        spec = _with_instruction(spec, read_intent(instruction, style=style, condition=condition))
    return _pinned(spec, found)


def _known(part_id: str, parts, members: dict) -> bool:
    """A link's end is drawn: a component, or a container that holds something."""
    return any(p.id == part_id and (not p.group or members.get(p.id)) for p in parts)


def _with_instruction(spec: FigureSpec, told: FigureSpec) -> FigureSpec:
    """``spec`` with what ``told`` states with structure: components in a connection or a
    container join (one of the sketch's name is the sketch's), their connections too."""
    mine = {name_key(e.name): e.id for e in spec.elements} | {name_key(g.name): g.id for g in spec.groups if g.name}
    linked = {i for c in told.connections for i in (c.source, c.target)} | {m for g in told.groups for m in g.members}
    taken = {e.id for e in spec.elements} | {g.id for g in spec.groups}
    ids: dict[str, str] = {}
    added: list[Element] = []
    for e in told.elements:
        if name_key(e.name) in mine:
            ids[e.id] = mine[name_key(e.name)]
        elif e.id in linked:
            ids[e.id] = fresh_id(e.id, taken)
            added.append(e.model_copy(update={"id": ids[e.id], "placement": "added by the instruction"}))
    for g in told.groups:
        if name_key(g.name) in mine:
            ids[g.id] = mine[name_key(g.name)]
    groups = [Group(id=fresh_id(g.id, taken), name=g.name, members=tuple(ids[m] for m in g.members))
              for g in told.groups if g.id not in ids and g.members and all(m in ids and ids[m] in
                                                                           {a.id for a in added} for m in g.members)]
    pairs = {(c.source, c.target) for c in spec.connections}
    connections = list(spec.connections)
    for c in told.connections:
        a, b = ids.get(c.source), ids.get(c.target)
        if a and b and a != b and (a, b) not in pairs and (b, a) not in pairs:
            pairs.add((a, b))
            connections.append(c.model_copy(update={"id": fresh_id(f"c{len(connections) + 1}", taken),
                                                    "source": a, "target": b}))
    return spec.model_copy(update={"elements": spec.elements + tuple(added), "groups": spec.groups + tuple(groups),
                                   "connections": tuple(connections)})


def _pinned(spec: FigureSpec, found: SketchReading) -> FigureSpec:
    """Every element with its box on the output canvas: the sketch's scaled and aligned,
    each one the instruction added beside a component it connects to where there is room,
    else in a row below them."""
    from crafteditor.generate.draw import measure
    from crafteditor.generate.plan import draw_request, propose

    sized = measure(draw_request(spec, propose(spec, 1)[0]))
    boxes = {k: Box(*v) for k, v in arrange.pins(found.components(), lambda i: sized[i].wh_px).items()}
    for e in spec.elements:
        if e.id not in boxes:
            boxes[e.id] = _free_place(spec, e.id, sized[e.id].wh_px, boxes)
    return spec.model_copy(update={"elements": tuple(e.model_copy(update={"xyxy": boxes[e.id].xyxy})
                                                     for e in spec.elements)})


def _free_place(spec: FigureSpec, element_id: str, wh: tuple[float, float], boxes: dict[str, Box]) -> Box:
    """A box of ``wh`` next to a placed neighbour (along the figure's direction first) that
    touches no placed box; else at the start of a new row below everything."""
    gap = 3 * arrange.GAP_PX
    w, h = wh
    sides = {"right": (1, 0), "down": (0, 1), "left": (-1, 0), "up": (0, -1)}
    first = spec.direction() or "right"
    order = [first, *(s for s in sides if s != first)]
    neighbours = [c.target if c.source == element_id else c.source for c in spec.connections
                  if element_id in (c.source, c.target)]
    for n in (b for b in (boxes.get(x) for x in neighbours) if b is not None):
        for side in order:
            sx, sy = sides[side]
            cx = n.center[0] + sx * (n.width / 2 + gap + w / 2)
            cy = n.center[1] + sy * (n.height / 2 + gap + h / 2)
            box = Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if box.x0 >= 0 and box.y0 >= 0 and not any(box.expand(arrange.GAP_PX).intersection(b)
                                                       for b in boxes.values()):
                return box
    placed = list(boxes.values())
    x0 = min((b.x0 for b in placed), default=gap)
    y0 = max((b.y1 for b in placed), default=0.0) + gap
    return Box(x0, y0, x0 + w, y0 + h)

