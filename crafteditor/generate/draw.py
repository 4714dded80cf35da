"""The default, offline executor: a :class:`DrawRequest` laid out by a real layout engine
and drawn as a :class:`Scene` in pixels, then written as a layered SVG by the same writer
as ``convert`` (so ``inspect``, ``edit``, ``check`` and the exports work on it).

A pass at a time: validate the request, measure every label with the real font
(boxes grow to hold them, long labels wrap), lay the boxes out (``layout``), keep pinned
boxes where they were asked, move the drawing inside the canvas margin, then make the
elements: containers below their contents, each label centred in its box as real text,
icons above their label, edges as connectors glued to the shapes they join.
"""

from __future__ import annotations

import dataclasses
import math

from crafteditor.generate import parts
from crafteditor.generate.graph import Direction, DrawRequest, Node, Routing
from crafteditor.generate.labels import Face, Measured, wrap
from crafteditor.generate.layout import (LayoutEdge, LayoutEngine, LayoutGraph, LayoutNode, Placement, get_engine,
                                         orthogonal_route, straight_route)
from crafteditor.generate.pins import apply_pins, check_request
from crafteditor.model.scene import Box, Element, Scene, from_hex, to_hex

MARGIN_PX = 24.0
TITLE_ID = "figure-title"
PAD_EM = 0.7  # between a box's outline and its content
ICON_EM = 2.6  # an icon's height
GAP_EM = 0.35  # between an icon and its label
EDGE_LABEL_SCALE = 0.85  # an edge label's size, of the body text's
CONTAINER_PAD_EM = 1.0  # around a container's children
SECONDARY_SCALE = 0.85  # a secondary (demoted) node's type and padding, of the body's
SECONDARY_TINT = 0.5  # how far a secondary node's fill and outline move toward the background
SECONDARY_TEXT_TINT = 0.3  # and its text (kept readable)


@dataclasses.dataclass(frozen=True)
class Sized:
    """A node measured: its label's lines, its icon's size and its box (a container's
    box is only its least width; ``header_px`` is the band its label takes)."""

    node: Node
    label: Measured
    icon_wh: tuple[float, float] | None
    wh_px: tuple[float, float]
    header_px: float = 0.0


def measure(request: DrawRequest) -> dict[str, Sized]:
    t = request.typography
    containers = {n.parent_id for n in request.nodes if n.parent_id}
    out = {}
    for n in request.nodes:
        container = n.id in containers
        size = t.size_px * (SECONDARY_SCALE if n.secondary and not container else 1.0)
        face = Face(t.family, size, bold=(n.emphasis and not n.secondary) or container)
        label = wrap(n.label, face)
        lw, lh = label.wh_px
        pad = PAD_EM * size
        if container:
            out[n.id] = Sized(n, label, None, (lw + 2 * pad, 0.0), lh + pad)
            continue
        icon = parts.icon_wh(n.icon_png, ICON_EM * size) if n.icon_png else None
        content = (max(lw, icon[0] if icon else 0.0), lh + (icon[1] + (GAP_EM * size if lh else 0) if icon else 0))
        w, h = parts.shape_wh(n.shape, content, pad)
        out[n.id] = Sized(n, label, icon, (max(w, n.min_wh_px[0]), max(h, n.min_wh_px[1])))
    return out


def _edge_face(request: DrawRequest) -> Face:
    return Face(request.typography.family, EDGE_LABEL_SCALE * request.typography.size_px)


def _hidden_edges(request: DrawRequest) -> list[LayoutEdge]:
    """Order wishes as edges that steer the layout but are not drawn: an ``order``, and a
    row (or column) that runs along the flow, as a chain in that order."""
    along = "same_row" if request.direction in (Direction.RIGHT, Direction.LEFT) else "same_column"
    out = []
    for i, c in enumerate(request.constraints):
        if c.kind in ("order", along):
            out += [LayoutEdge(f"--order-{i}-{j}", a, b, drawn=False)
                    for j, (a, b) in enumerate(zip(c.node_ids, c.node_ids[1:]))]
    return out


def layout_graph(request: DrawRequest, sized: dict[str, Sized]) -> LayoutGraph:
    face = _edge_face(request)
    edges = []
    for e in request.edges:
        lw, lh = wrap(e.label, face).wh_px if e.label.strip() else (0.0, 0.0)
        edges.append(LayoutEdge(e.id, e.source, e.target, (lw + 6, lh + 4) if lw else (0.0, 0.0)))
    nodes = tuple(LayoutNode(s.node.id, s.wh_px, s.node.parent_id, s.header_px) for s in sized.values())
    across = "same_column" if request.direction in (Direction.RIGHT, Direction.LEFT) else "same_row"
    return LayoutGraph(nodes, tuple(edges) + tuple(_hidden_edges(request)), request.direction, request.routing,
                       request.spacing_px, CONTAINER_PAD_EM * request.typography.size_px,
                       tuple(c.node_ids for c in request.constraints if c.kind == across))


def simple_routes(request: DrawRequest, boxes: dict[str, Box], edge_ids: set[str]) -> dict:
    """Routes between fixed boxes, without an engine: straight, or orthogonal elbows."""
    out = {}
    for e in request.edges:
        if e.id in edge_ids:
            a, b = boxes[e.source], boxes[e.target]
            out[e.id] = straight_route(a, b) if request.routing != Routing.ORTHOGONAL or a.intersection(b) \
                else orthogonal_route(a, b)
    return out


def place(request: DrawRequest, sized: dict[str, Sized], engine: LayoutEngine | None = None) -> Placement:
    """Every box and route: from the engine, with pinned boxes kept where they were asked;
    with every leaf pinned, the engine is not run."""
    graph = layout_graph(request, sized)
    leaves = {s.node.id for s in sized.values() if s.header_px == 0.0 and s.node.id not in graph.containers()}
    pins = dict(request.pinned_xyxy)
    if leaves and leaves <= set(pins):
        return apply_pins(request, graph, Placement({}, {}, {}), pins, simple_routes)
    placement = (engine or get_engine("auto")).layout(graph)
    return apply_pins(request, graph, placement, pins, simple_routes) if pins else placement


def _label_box(route: tuple, wh: tuple[float, float]) -> Box:
    """A label's box beside the middle of the longest segment of ``route``."""
    a, b = max(zip(route, route[1:]), key=lambda s: math.dist(*s))
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    w, h = wh
    if abs(b[0] - a[0]) >= abs(b[1] - a[1]):  # a horizontal run: above it
        return Box(mx - w / 2, my - h - 3, mx + w / 2, my - 3)
    return Box(mx + 4, my - h / 2, mx + 4 + w, my + h / 2)


def _node_elements(request: DrawRequest, s: Sized, box: Box, fill: str) -> list[Element]:
    n, t, pal = s.node, request.typography, request.palette
    if n.secondary and not s.header_px:  # drawn lighter: its outline and text toward the background
        pal = dataclasses.replace(pal, stroke=tint(pal.stroke, pal.background), text=tint(pal.text, pal.background, SECONDARY_TEXT_TINT))
        fill = tint(fill, pal.background)
    radius = 0.4 * t.size_px if n.shape.value == "rounded_rect" else 0.0
    out = [parts.shape(n.id, n.label, n.shape, box, fill, pal.stroke, n.parent_id, radius)]
    lw, lh = s.label.wh_px
    if s.header_px:  # a container: its label in the band along its top
        pad = PAD_EM * t.size_px
        if s.label.lines:
            out.append(parts.text(f"{n.id}-label", s.label, (box.x0 + pad, box.y0 + pad / 2), "start", pal.text, n.id))
        return out
    cx, cy = box.center
    gap = GAP_EM * s.label.face.size_px if s.label.lines else 0.0
    top = cy - (lh + (s.icon_wh[1] + gap if s.icon_wh else 0.0)) / 2
    if s.icon_wh:
        iw, ih = s.icon_wh
        out.append(parts.icon(f"{n.id}-icon", n.icon_png, Box(cx - iw / 2, top, cx + iw / 2, top + ih), n.label, n.id))
        top += ih + gap
    if s.label.lines:
        out.append(parts.text(f"{n.id}-label", s.label, (cx, top), "middle", pal.text, n.id))
    return out


def tint(colour: str, toward: str, share: float = SECONDARY_TINT) -> str:
    """``colour`` moved ``share`` of the way to ``toward`` (both ``#rrggbb``)."""
    a, b = from_hex(colour), from_hex(toward)
    return to_hex(x + share * (y - x) for x, y in zip(a, b))


def _fills(request: DrawRequest, containers: set[str]) -> dict[str, str]:
    """A fill per node: its own, else the container fill, else one palette colour per
    (container, shape) pair, so boxes of one role in one group share a colour."""
    roles: dict[tuple, int] = {}
    out = {}
    for n in request.nodes:
        if n.fill:
            out[n.id] = n.fill
        elif n.id in containers:
            out[n.id] = request.palette.container_fill
        else:
            role = roles.setdefault((n.parent_id, n.shape), len(roles))
            out[n.id] = request.palette.fills[role % len(request.palette.fills)]
    return out


def _depth(node_id: str, parents: dict[str, str | None]) -> int:
    depth = 0
    while parents.get(node_id):
        node_id, depth = parents[node_id], depth + 1
    return depth


def _shifted(placement: Placement, dx: float, dy: float) -> Placement:
    def move(b: Box) -> Box:
        return Box(b.x0 + dx, b.y0 + dy, b.x1 + dx, b.y1 + dy)

    return Placement({k: move(b) for k, b in placement.boxes.items()},
                     {k: tuple((x + dx, y + dy) for x, y in r) for k, r in placement.routes.items()},
                     {k: move(b) for k, b in placement.label_boxes.items()})


def draw(request: DrawRequest, engine: LayoutEngine | None = None) -> Scene:
    """Lay out and draw ``request``; raises ``InputError`` for an inconsistent request and
    ``EngineUnavailable`` when no layout engine is installed."""
    check_request(request)
    sized = measure(request)
    placement = place(request, sized, engine)
    t, pal = request.typography, request.palette
    title = wrap(request.title, Face(t.family, t.title_size_px, bold=True), 40 * t.title_size_px) \
        if request.title.strip() else None
    title_h = title.wh_px[1] + 0.6 * t.title_size_px if title else 0.0
    edge_face = _edge_face(request)
    edge_labels = {e.id: wrap(e.label, edge_face) for e in request.edges if e.label.strip()}
    label_boxes = {eid: placement.label_boxes.get(eid) or _label_box(placement.routes[eid], m.wh_px)
                   for eid, m in edge_labels.items() if eid in placement.routes}
    placement = dataclasses.replace(placement, label_boxes=label_boxes)
    b = placement.bounds()
    pinned = bool(request.pinned_xyxy)
    dx = max(MARGIN_PX - b.x0, 0.0) if pinned else MARGIN_PX - b.x0
    dy = max(MARGIN_PX + title_h - b.y0, 0.0) if pinned else MARGIN_PX + title_h - b.y0
    want_w, want_h = request.canvas_wh or (0, 0)
    if not pinned:  # centred on a canvas bigger than the drawing
        dx += max(want_w - (b.width + 2 * MARGIN_PX), 0.0) / 2
        dy += max(want_h - (b.height + title_h + 2 * MARGIN_PX), 0.0) / 2
    placement = _shifted(placement, dx, dy)
    b = placement.bounds()
    width = math.ceil(max(b.x1 + MARGIN_PX, (title.wh_px[0] if title else 0) + 2 * MARGIN_PX, want_w))
    height = math.ceil(max(b.y1 + MARGIN_PX, want_h))
    return Scene((width, height), pal.background,
                 tuple(_elements(request, sized, placement, edge_labels, title, (width, b.y0 - title_h))))


def _elements(request: DrawRequest, sized: dict[str, Sized], placement: Placement, edge_labels: dict,
              title: Measured | None, title_at: tuple[float, float]) -> list[Element]:
    containers = {n.parent_id for n in request.nodes if n.parent_id}
    parents = {n.id: n.parent_id for n in request.nodes}
    fills = _fills(request, containers)
    order = sorted(request.nodes, key=lambda n: (n.id not in containers, _depth(n.id, parents)))
    out = [el for n in order for el in _node_elements(request, sized[n.id], placement.boxes[n.id], fills[n.id])]
    kinds = {n.id: n.shape for n in request.nodes}
    for e in request.edges:
        route = placement.routes.get(e.id)
        if route is None or len(route) < 2:
            continue
        a, bx = placement.boxes[e.source], placement.boxes[e.target]
        route = (parts.to_outline(kinds[e.source], a, route[0], route[1]), *route[1:-1],
                 parts.to_outline(kinds[e.target], bx, route[-1], route[-2]))
        out.append(parts.connector(e.id, e.label, route, e.kind, request.routing.value, request.palette.edge,
                                   e.source, e.target))
        if e.id in edge_labels:
            box = placement.label_boxes[e.id]
            m = edge_labels[e.id]
            out.append(parts.text(f"{e.id}-label", m, (box.center[0], box.center[1] - m.wh_px[1] / 2), "middle",
                                  request.palette.text, None))
    if title is not None:
        width, top = title_at
        out.append(parts.text(TITLE_ID, title, (width / 2, top), "middle", request.palette.text, None))
    return out


def render_svg(request: DrawRequest, engine: LayoutEngine | None = None) -> bytes:
    """``draw`` written as a layered, editable SVG document."""
    from composition.writer import write_svg

    return write_svg(draw(request, engine)).encode("utf-8")
