"""Layout engines behind one small protocol: boxes of known size in, positions and routes out.

A :class:`LayoutGraph` holds leaf boxes already measured (pixels), containers (nodes
other nodes name as parent, sized by the engine around their children, with a header
band for their label), edges with the size of their label, and the layout choices
(direction, routing, spacing).  An engine returns a :class:`Placement`: every node's box
and every edge's route in absolute pixels, the origin at the drawing's top left.

Two engines: ELK's layered algorithm (``elkjs`` run by Node, the default: it lays out
nested containers and routes orthogonal edges through the hierarchy) and Graphviz
``dot``, used when Node or elkjs is missing.  ``get_engine("auto")`` picks the first
one installed; a chosen engine that is missing raises ``EngineUnavailable``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from crafteditor.generate.graph import Direction, Routing
from crafteditor.model.errors import EngineUnavailable
from crafteditor.model.scene import Box

Point = tuple[float, float]


@dataclass(frozen=True)
class LayoutNode:
    id: str
    wh_px: tuple[float, float]  # a leaf's size; a container's is found by the engine
    parent_id: str | None = None
    header_px: float = 0.0  # a container's band above its children, for its label


@dataclass(frozen=True)
class LayoutEdge:
    id: str
    source: str
    target: str
    label_wh_px: tuple[float, float] = (0.0, 0.0)  # (0, 0): no label
    drawn: bool = True  # False: only steers the layout (an order constraint)


@dataclass(frozen=True)
class LayoutGraph:
    nodes: tuple[LayoutNode, ...]
    edges: tuple[LayoutEdge, ...] = ()
    direction: Direction = Direction.RIGHT
    routing: Routing = Routing.ORTHOGONAL
    spacing_px: float = 40.0
    padding_px: float = 16.0  # inside a container, around its children
    # node groups to put side by side across the flow (one rank): dot keeps these, ELK cannot
    same_rank: tuple[tuple[str, ...], ...] = ()

    def containers(self) -> set[str]:
        return {n.parent_id for n in self.nodes if n.parent_id is not None}


@dataclass(frozen=True)
class Placement:
    """Absolute boxes of every node and routes (first point on the source) of drawn edges."""

    boxes: dict[str, Box]
    routes: dict[str, tuple[Point, ...]]
    label_boxes: dict[str, Box]  # edge labels the engine placed

    def bounds(self) -> Box:
        boxes = list(self.boxes.values()) + list(self.label_boxes.values())
        points = [p for b in boxes for p in ((b.x0, b.y0), (b.x1, b.y1))]
        points += [p for route in self.routes.values() for p in route]
        return Box.from_points(points)


class LayoutEngine(Protocol):
    name: str

    def layout(self, graph: LayoutGraph) -> Placement: ...


def available_engines() -> tuple[str, ...]:
    """Names of the engines installed here, preferred first."""
    from crafteditor.generate import layout_dot, layout_elk

    return tuple(name for name, ok in (("elk", layout_elk.installed()), ("dot", layout_dot.installed())) if ok)


def get_engine(name: str = "auto") -> LayoutEngine:
    """``elk``, ``dot`` or ``auto`` (the first installed of them)."""
    from crafteditor.generate import layout_dot, layout_elk

    engines = {"elk": layout_elk.ElkEngine, "dot": layout_dot.DotEngine}
    if name == "auto":
        found = available_engines()
        if not found:
            raise EngineUnavailable(
                "no layout engine: install Node.js with elkjs (bash .ci/setup does) or Graphviz "
                "(apt-get install graphviz)")
        name = found[0]
    if name not in engines:
        raise ValueError(f"unknown layout engine {name!r}: elk, dot or auto")
    return engines[name]()


def straight_route(a: Box, b: Box) -> tuple[Point, Point]:
    """The segment between the borders of two boxes along the line joining their centres."""
    (ax, ay), (bx, by) = a.center, b.center
    return clip_to_box(a, (ax, ay), (bx, by)), clip_to_box(b, (bx, by), (ax, ay))


def clip_to_box(box: Box, inside: Point, toward: Point) -> Point:
    """Where the ray from ``inside`` (the box's centre) toward ``toward`` leaves ``box``."""
    dx, dy = toward[0] - inside[0], toward[1] - inside[1]
    ts = [t for t in ((box.x1 - inside[0]) / dx if dx > 0 else None, (box.x0 - inside[0]) / dx if dx < 0 else None,
                      (box.y1 - inside[1]) / dy if dy > 0 else None, (box.y0 - inside[1]) / dy if dy < 0 else None)
          if t is not None]
    t = min(ts, default=0.0)
    return (inside[0] + dx * t, inside[1] + dy * t)


def orthogonal_route(a: Box, b: Box) -> tuple[Point, ...]:
    """A route of horizontal and vertical segments between two boxes that do not overlap:
    one straight segment where they face each other, else an elbow out of the side
    facing the larger offset."""
    (ax, ay), (bx, by) = a.center, b.center
    lo_x, hi_x = max(a.x0, b.x0), min(a.x1, b.x1)
    lo_y, hi_y = max(a.y0, b.y0), min(a.y1, b.y1)
    if hi_x - lo_x > 1:  # one above the other
        x = (lo_x + hi_x) / 2
        return ((x, a.y1), (x, b.y0)) if by > ay else ((x, a.y0), (x, b.y1))
    if hi_y - lo_y > 1:  # side by side
        y = (lo_y + hi_y) / 2
        return ((a.x1, y), (b.x0, y)) if bx > ax else ((a.x0, y), (b.x1, y))
    if abs(bx - ax) >= abs(by - ay):  # leave sideways, enter from above or below
        start = (a.x1 if bx > ax else a.x0, ay)
        return start, (bx, ay), (bx, b.y0 if by > ay else b.y1)
    start = (ax, a.y1 if by > ay else a.y0)
    return start, (ax, by), (b.x0 if bx > ax else b.x1, by)
