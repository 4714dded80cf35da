"""A request checked before it is drawn, and pinned boxes kept where they were asked.

Pinned boxes (from a sketch, or the kept part of a partial figure) are in canvas pixels.
Each keeps its centre and grows only where its label needs more room.  With some nodes
pinned, the engine's drawing is moved so its pinned nodes sit, on average, where they
were asked; then every pinned box is put in its place and the edges that touch one are
routed again between the fixed boxes.  Containers that are not pinned wrap their children.
"""

from __future__ import annotations

from collections.abc import Callable

from crafteditor.generate.graph import DrawRequest
from crafteditor.generate.layout import LayoutGraph, Placement
from crafteditor.model.errors import InputError
from crafteditor.model.scene import Box

CONSTRAINT_KINDS = ("same_row", "same_column", "order")


def check_request(request: DrawRequest) -> None:
    """Raise ``InputError`` for a request that cannot be drawn: no nodes, repeated ids,
    an edge, parent, pin or constraint naming an unknown node, a container inside itself."""
    if not request.nodes:
        raise InputError("nothing to draw: the request has no nodes")
    ids = [n.id for n in request.nodes] + [e.id for e in request.edges]
    drawn = ids + [f"{n.id}-label" for n in request.nodes] + [f"{n.id}-icon" for n in request.nodes] + \
        [f"{e.id}-label" for e in request.edges] + ["figure-title"]
    repeated = sorted({i for i in drawn if drawn.count(i) > 1})
    if repeated or any(not i.strip() for i in ids):
        raise InputError(f"node and edge ids must be unique and not blank: {repeated[:5]}")
    known = {n.id for n in request.nodes}
    parents = {n.id: n.parent_id for n in request.nodes}
    for e in request.edges:
        if e.source not in known or e.target not in known:
            raise InputError(f"edge {e.id} joins an unknown node: {e.source} -> {e.target}")
    for n in request.nodes:
        seen, at = {n.id}, n.parent_id
        while at is not None:
            if at not in known:
                raise InputError(f"node {n.id} sits in an unknown container {at!r}")
            if at in seen:
                raise InputError(f"container {at!r} sits inside itself")
            seen.add(at)
            at = parents[at]
    for c in request.constraints:
        if c.kind not in CONSTRAINT_KINDS or not set(c.node_ids) <= known:
            raise InputError(f"bad layout constraint {c.kind} over {list(c.node_ids)}")
    for node_id, xyxy in request.pinned_xyxy:
        if node_id not in known or len(xyxy) != 4 or xyxy[2] <= xyxy[0] or xyxy[3] <= xyxy[1]:
            raise InputError(f"bad pinned box {list(xyxy)} for node {node_id!r}")


def _grown(asked: Box, wh: tuple[float, float]) -> Box:
    """``asked``, about its centre, at least ``wh`` big."""
    cx, cy = asked.center
    w, h = max(asked.width, wh[0]), max(asked.height, wh[1])
    return Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _shift(box: Box, dx: float, dy: float) -> Box:
    return Box(box.x0 + dx, box.y0 + dy, box.x1 + dx, box.y1 + dy)


def apply_pins(request: DrawRequest, graph: LayoutGraph, placement: Placement,
               pins: dict[str, tuple[float, float, float, float]],
               route: Callable[[DrawRequest, dict[str, Box], set[str]], dict]) -> Placement:
    """``placement`` with pinned boxes in place, containers wrapping their children, and the
    edges touching a pinned box routed by ``route`` (all edges where ``placement`` is empty)."""
    asked = {k: Box(*v) for k, v in pins.items()}
    nodes = {n.id: n for n in graph.nodes}
    laid = [k for k in asked if k in placement.boxes]
    dx = sum(asked[k].center[0] - placement.boxes[k].center[0] for k in laid) / len(laid) if laid else 0.0
    dy = sum(asked[k].center[1] - placement.boxes[k].center[1] for k in laid) / len(laid) if laid else 0.0
    boxes = {k: _shift(b, dx, dy) for k, b in placement.boxes.items()}
    containers = graph.containers()
    for k, b in asked.items():
        if k not in containers:
            boxes[k] = _grown(b, nodes[k].wh_px)
    pad = graph.padding_px
    depth = {n.id: _depth(n.id, nodes) for n in graph.nodes}
    for k in sorted(containers, key=lambda c: -depth[c]):  # innermost first
        inner = [boxes[n.id] for n in graph.nodes if n.parent_id == k]
        hull = Box.from_points([p for b in inner for p in ((b.x0, b.y0), (b.x1, b.y1))])
        wrap = Box(hull.x0 - pad, hull.y0 - pad - nodes[k].header_px, max(hull.x1 + pad, hull.x0 - pad +
                   nodes[k].wh_px[0]), hull.y1 + pad)
        boxes[k] = Box.from_points([(wrap.x0, wrap.y0), (wrap.x1, wrap.y1), *(
            ((asked[k].x0, asked[k].y0), (asked[k].x1, asked[k].y1)) if k in asked else ())])
    moved = set(asked) | containers if not placement.boxes else set(asked)
    again = {e.id for e in graph.edges if e.drawn and (e.source in moved or e.target in moved)} \
        if placement.boxes else {e.id for e in graph.edges if e.drawn}
    routes = {k: tuple((x + dx, y + dy) for x, y in r) for k, r in placement.routes.items() if k not in again}
    routes.update(route(request, boxes, again))
    labels = {k: _shift(b, dx, dy) for k, b in placement.label_boxes.items() if k not in again}
    return Placement(boxes, routes, labels)


def _depth(node_id: str, nodes: dict) -> int:
    depth, at = 0, nodes[node_id].parent_id
    while at is not None:
        depth, at = depth + 1, nodes[at].parent_id
    return depth
