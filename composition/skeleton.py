"""Candidate skeletons: other readings of the same scene, for the verifier to choose.

The grounded scene is the first candidate.  Others change how ambiguous parts
are read:

- ``close_containers``: straight lines attached to nothing whose ends meet at
  corners and run along the four sides of one box are the outline of a
  container (typically dashed, its dashes read as loose lines): they become
  one rectangle, and what lies inside it is its content;
- ``trace_ambiguous``: shapes whose primitive fits their silhouette least
  well are traced from the cleaned canvas instead.

Each returns None when it changes nothing, so no candidate is tried twice.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from crafteditor.model.scene import Box, Element, Kind, Provenance, Scene, ShapeContent, Style
from crafteditor.model.unionfind import DisjointSet

CORNER_PX = 14.0  # ends this close meet at a corner
SIDE_PX = 8.0  # a line this close to a side of the box runs along it
SIDE_COVER = 0.3  # each side must be drawn along at least this share of its length
AXIS_SLOPE = 0.02  # a segment this close to horizontal or vertical is (2 px at least)
MIN_SIDE_PX = 30.0
AMBIGUOUS_FIT = 0.97


def _axis_aligned(points: tuple[tuple[float, float], ...]) -> bool:
    def straight(dx: float, dy: float) -> bool:
        return min(dx, dy) <= max(2.0, AXIS_SLOPE * max(dx, dy))
    return all(straight(abs(a[0] - b[0]), abs(a[1] - b[1])) for a, b in zip(points, points[1:]))


def _loose_lines(scene: Scene) -> list[Element]:
    return [e for e in scene.of_kind(Kind.CONNECTOR) if e.connector and e.connector.source_id is None
            and e.connector.target_id is None and e.connector.routing != "curve" and _axis_aligned(e.connector.points)]


def _corner_groups(lines: list[Element]) -> list[list[Element]]:
    ends = [(i, p) for i, e in enumerate(lines) for p in (e.connector.points[0], e.connector.points[-1])]
    groups = DisjointSet(len(lines))
    for a in range(len(ends)):
        for b in range(a + 1, len(ends)):
            (i, p), (j, q) = ends[a], ends[b]
            if i != j and np.hypot(p[0] - q[0], p[1] - q[1]) <= CORNER_PX:
                groups.merge(i, j)
    return [[lines[i] for i in g] for g in groups.subsets() if len(g) >= 3]


def _on_border(box: Box, line: Element) -> bool:
    return all(min(abs(x - box.x0), abs(x - box.x1), abs(y - box.y0), abs(y - box.y1)) <= SIDE_PX
               for x, y in line.connector.points)


def _sides_covered(box: Box, lines: list[Element]) -> bool:
    """Every point on the box's border, and each side drawn along for ``SIDE_COVER`` of it."""
    cover = {"top": 0.0, "bottom": 0.0, "left": 0.0, "right": 0.0}
    for e in lines:
        pts = e.connector.points
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            for side, near, length in (
                ("top", abs(y0 - box.y0) <= SIDE_PX and abs(y1 - box.y0) <= SIDE_PX, abs(x1 - x0)),
                ("bottom", abs(y0 - box.y1) <= SIDE_PX and abs(y1 - box.y1) <= SIDE_PX, abs(x1 - x0)),
                ("left", abs(x0 - box.x0) <= SIDE_PX and abs(x1 - box.x0) <= SIDE_PX, abs(y1 - y0)),
                ("right", abs(x0 - box.x1) <= SIDE_PX and abs(x1 - box.x1) <= SIDE_PX, abs(y1 - y0)),
            ):
                cover[side] += length if near else 0.0
        if not _on_border(box, e):
            return False
    return (cover["top"] >= SIDE_COVER * box.width and cover["bottom"] >= SIDE_COVER * box.width
            and cover["left"] >= SIDE_COVER * box.height and cover["right"] >= SIDE_COVER * box.height)


def _fitted_box(box: Box, lines: list[Element]) -> Box:
    """Each side where the segments along it lie (their length-weighted mean)."""
    sums = {side: [0.0, 0.0] for side in ("x0", "y0", "x1", "y1")}
    for e in lines:
        pts = e.connector.points
        for (ax, ay), (bx, by) in zip(pts, pts[1:]):
            horizontal = abs(bx - ax) >= abs(by - ay)
            length = abs(bx - ax) if horizontal else abs(by - ay)
            at = (ay + by) / 2 if horizontal else (ax + bx) / 2
            sides = ("y0", "y1") if horizontal else ("x0", "x1")
            side = min(sides, key=lambda k: abs(getattr(box, k) - at))
            if abs(getattr(box, side) - at) <= SIDE_PX:
                sums[side][0] += length * at
                sums[side][1] += length
    x0, y0, x1, y1 = (sums[k][0] / sums[k][1] if sums[k][1] else getattr(box, k) for k in ("x0", "y0", "x1", "y1"))
    return Box(x0, y0, x1, y1)


def _container(index: int, box: Box, lines: list[Element]) -> Element:
    strokes = Counter(e.style.stroke for e in lines)
    width = float(np.median([e.style.stroke_width_px or 1.0 for e in lines]))
    dashes = [e.style.dash_px for e in lines if e.style.dash_px]
    dash = dashes[0] if dashes else (round(4 * width, 1), round(3 * width, 1))
    return Element(
        id=f"shape-container-{index:04d}", kind=Kind.SHAPE, box=box, label="dashed container",
        style=Style(fill=None, stroke=strokes.most_common(1)[0][0], stroke_width_px=width, dash_px=dash),
        provenance=Provenance("skeleton", 0.8, f"closed from {len(lines)} loose lines"),
        shape=ShapeContent("rect"), reason="loose lines along the four sides of one box",
    )


def close_containers(scene: Scene) -> Scene | None:
    """Loose straight lines that outline a box, replaced by one dashed rectangle."""
    made: list[tuple[Element, set[str]]] = []
    loose = _loose_lines(scene)
    for group in _corner_groups(loose):
        box = Box.from_points(p for e in group for p in e.connector.points)
        # pieces of a side cut where something crosses it join their side
        group = group + [e for e in loose if e not in group and _on_border(box, e)]
        if min(box.width, box.height) >= MIN_SIDE_PX and _sides_covered(box, group):
            made.append((_container(len(made), _fitted_box(box, group), group), {e.id for e in group}))
    if not made:
        return None
    gone = set().union(*(ids for _c, ids in made))
    containers = [c for c, _ids in made]
    kept = []
    for e in scene.elements:
        if e.id in gone:
            continue
        if e.parent_id is None and e.kind in (Kind.TEXT, Kind.SHAPE):
            holders = [c for c in containers if c.box.contains(e.box, 2.0) and c.box.area > e.box.area]
            if holders:
                e = e.replace(parent_id=min(holders, key=lambda c: c.box.area).id)
        kept.append(e)
    return scene.replace_elements(containers + kept)  # containers are painted first, under their content


def trace_ambiguous(scene: Scene, canvas_rgb: np.ndarray, background: str) -> Scene | None:
    """Shapes without shapes inside whose fit is below ``AMBIGUOUS_FIT``, traced from the canvas."""
    from composition.trace import trace_leftovers
    from crafteditor.model.scene import from_hex

    parents = {e.parent_id for e in scene.of_kind(Kind.SHAPE)}
    doubtful = [e for e in scene.of_kind(Kind.SHAPE)
                if e.shape and e.shape.fit_iou < AMBIGUOUS_FIT and e.id not in parents]
    if not doubtful:
        return None
    h, w = canvas_rgb.shape[:2]
    leftover = np.empty_like(canvas_rgb)
    leftover[:] = np.asarray(from_hex(background), np.uint8)
    for e in doubtful:
        pad = (e.style.stroke_width_px or 1.0) + 1.0
        x0, y0, x1, y1 = e.box.expand(pad).clip(w, h).to_int()
        leftover[y0:y1, x0:x1] = canvas_rgb[y0:y1, x0:x1]
    traces = trace_leftovers(leftover, background)
    gone = {e.id for e in doubtful}
    traces = [t.replace(id=f"trace-ambiguous-{i:04d}", provenance=Provenance("skeleton", 0.5, "ambiguous fit"))
              for i, t in enumerate(traces)]
    elements = [e.replace(parent_id=None) if e.parent_id in gone else e for e in scene.elements if e.id not in gone]
    first = next((i for i, e in enumerate(elements) if e.kind not in (Kind.SHAPE, Kind.TRACE)), len(elements))
    return scene.replace_elements(elements[:first] + traces + elements[first:])
