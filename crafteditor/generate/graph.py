"""The executor's contract: a laid-out-able graph of what a plan asks to draw.

A planner turns a specification and a candidate's choices (direction, routing,
density, style) into a :class:`DrawRequest`; an executor turns it into a
:class:`~crafteditor.model.scene.Scene` in pixels, which the writer composes into
the same layered SVG as ``convert``.  Sizes are in pixels; ids are the
specification's element and connection ids, so a drawn element can be traced back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from crafteditor.model.kinds import ShapeKind


class Direction(str, enum.Enum):
    RIGHT = "right"  # left to right
    DOWN = "down"  # top to bottom
    LEFT = "left"
    UP = "up"


class Routing(str, enum.Enum):
    ORTHOGONAL = "orthogonal"
    STRAIGHT = "straight"  # one straight segment between the boxes' borders
    POLYLINE = "polyline"


class EdgeKind(str, enum.Enum):
    ARROW = "arrow"  # head at the target
    LINE = "line"  # no head
    BOTH = "both"  # heads at both ends
    DASHED = "dashed"  # a dashed arrow (optional flow, feedback)


@dataclass(frozen=True)
class Palette:
    """Colours as ``#rrggbb``: fills cycle over the nodes by group or role."""

    fills: tuple[str, ...] = ("#dae8fc", "#d5e8d4", "#ffe6cc", "#e1d5e7", "#fff2cc")
    stroke: str = "#333333"
    text: str = "#111111"
    edge: str = "#333333"
    background: str = "#ffffff"
    container_fill: str = "#f5f5f5"


@dataclass(frozen=True)
class Typography:
    family: tuple[str, ...] = ("Liberation Sans", "Arial", "sans-serif")
    size_px: float = 16.0
    title_size_px: float = 20.0


@dataclass(frozen=True)
class Node:
    """A box to draw: a component, or a container when other nodes name it as parent."""

    id: str
    label: str
    shape: ShapeKind = ShapeKind.RECT
    parent_id: str | None = None  # the container it sits in
    fill: str | None = None  # None: from the palette
    icon_png: bytes | None = field(default=None, repr=False)  # a key element drawn as a picture
    min_wh_px: tuple[float, float] = (0.0, 0.0)  # at least this big (a size hint)
    emphasis: bool = False  # drawn bold (a must-have or title-like component)
    secondary: bool = False  # drawn smaller and lighter (a demoted, optional component)


@dataclass(frozen=True)
class Edge:
    id: str
    source: str  # node id
    target: str  # node id
    label: str = ""
    kind: EdgeKind = EdgeKind.ARROW


@dataclass(frozen=True)
class Constraint:
    """A layout wish: ``same_row``/``same_column``/``order`` over node ids, in order."""

    kind: str  # "same_row" | "same_column" | "order"
    node_ids: tuple[str, ...]


@dataclass(frozen=True)
class DrawRequest:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    title: str = ""
    direction: Direction = Direction.RIGHT
    routing: Routing = Routing.ORTHOGONAL
    spacing_px: float = 40.0  # between sibling boxes; density is this, smaller or larger
    palette: Palette = field(default_factory=Palette)
    typography: Typography = field(default_factory=Typography)
    # fixed positions (xyxy in pixels) a node must keep, e.g. from a sketch or a kept part
    pinned_xyxy: tuple[tuple[str, tuple[float, float, float, float]], ...] = ()
    canvas_wh: tuple[int, int] | None = None  # None: fit the layout
