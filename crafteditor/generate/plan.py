"""The planner: K candidate plans for one specification, each a :class:`graph.DrawRequest`.

    for candidate, request in plan(spec):      # K adaptive, or plan(spec, k=5)
        scene = executor.draw(request)

K is upstream's adaptive choice (:func:`candidate_count`): 1 when the visual style is
pinned, 2 with a reference image, 4 for a poster, 3 otherwise.  Candidates differ in
visual style (a small vocabulary, as upstream's), and through it in layout
(direction, grouping, orthogonal or straight routing, density) and palette; no two
are alike.  What the spec fixes is kept in every candidate: a direction the user
asked for (or a layout note names), a named palette, a pinned visual style.  Banned
artefacts and ``avoid`` words steer the request where it can express them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from crafteditor.generate import graph as g
from crafteditor.generate.phrases import layout_hints
from crafteditor.generate.spec import Element, FigureSpec, ReferenceRole
from crafteditor.model.io import read_input_bytes
from crafteditor.model.kinds import ShapeKind

__all__ = ["Candidate", "DENSITIES", "PALETTES", "VISUAL_STYLES", "candidate_count", "draw_request", "fit",
           "fixed_direction", "plan", "propose"]

DENSITIES = {"compact": 28.0, "normal": 40.0, "airy": 60.0}  # spacing between siblings, px
PALETTES = {
    "pastel": g.Palette(),
    "blues": g.Palette(fills=("#dbe9f6", "#c6dbef", "#e8f1fa", "#d0e1f2"), stroke="#2b4c7e", edge="#2b4c7e"),
    "warm": g.Palette(fills=("#fde5cc", "#fcd5b5", "#fff0d9", "#f9e0c7"), stroke="#7a4a1e", edge="#7a4a1e"),
    "grey": g.Palette(fills=("#f2f2f2", "#e6e6e6", "#d9d9d9"), stroke="#222222", edge="#222222"),
    "contrast": g.Palette(fills=("#cce3f5", "#fde2c4", "#cdeee3", "#f7d9e8", "#f6f1c1"), stroke="#1a1a1a"),
}
# visual style -> its layout and look: (direction, routing, density, palette, grouping)
VISUAL_STYLES: dict[str, tuple[g.Direction, g.Routing, str, str, bool]] = {
    "block_diagram": (g.Direction.RIGHT, g.Routing.ORTHOGONAL, "normal", "pastel", True),
    "flowchart": (g.Direction.DOWN, g.Routing.ORTHOGONAL, "normal", "blues", True),
    "multi_panel": (g.Direction.RIGHT, g.Routing.ORTHOGONAL, "airy", "contrast", True),
    "timeline": (g.Direction.RIGHT, g.Routing.STRAIGHT, "compact", "warm", False),
    "annotated_diagram": (g.Direction.RIGHT, g.Routing.STRAIGHT, "airy", "grey", True),
    "comparison_grid": (g.Direction.DOWN, g.Routing.STRAIGHT, "normal", "contrast", True),
}
_SIZE_MIN_WH_PX = {"": (0.0, 0.0), "small": (0.0, 0.0), "medium": (140.0, 56.0), "large": (200.0, 80.0)}
_TYPE_PX = {"academic": (16.0, 20.0), "poster": (20.0, 34.0), "infographic": (18.0, 28.0)}
_DATABASE = re.compile(r"\b(?:database|datastore|storage|repository|db)\b", re.I)
_ALIGN_AS = {"top": "same_row", "bottom": "same_row", "middle": "same_row",
             "left": "same_column", "right": "same_column", "center": "same_column"}


@dataclass(frozen=True)
class Candidate:
    """One plan's choices; ``density`` is a key of :data:`DENSITIES`, ``palette`` of :data:`PALETTES`."""

    visual_style: str
    direction: g.Direction
    routing: g.Routing
    density: str
    palette: str
    grouping: bool = True
    rationale: str = ""

    def key(self) -> tuple:
        return (self.direction, self.routing, self.density, self.palette, self.grouping)


def candidate_count(spec: FigureSpec, override: int | None = None) -> int:
    """How many candidates: ``override`` if given, else 1 with a pinned visual style, 2 with
    a reference image, 4 for a poster, 3 otherwise."""
    if override is not None:
        if override < 1:
            raise ValueError(f"candidates must be at least 1, got {override}")
        return override
    if spec.style.visual_style:
        return 1
    if spec.reference_role != ReferenceRole.NONE:
        return 2
    return 4 if spec.role == "poster" else 3


def propose(spec: FigureSpec, k: int | None = None) -> list[Candidate]:
    """``k`` (default :func:`candidate_count`) distinct candidates, best-suited first."""
    count = candidate_count(spec, k)
    out: list[Candidate] = []
    for style in _style_order(spec) * count:
        candidate = fit(spec, _from_style(style, spec))
        for variant in _variants(candidate):
            if variant.key() not in {c.key() for c in out}:
                out.append(variant)
                break
        if len(out) == count:
            break
    return out


def plan(spec: FigureSpec, k: int | None = None) -> list[tuple[Candidate, g.DrawRequest]]:
    return [(c, draw_request(spec, c)) for c in propose(spec, k)]


def draw_request(spec: FigureSpec, candidate: Candidate) -> g.DrawRequest:
    """The executor's request for ``spec`` drawn as ``candidate`` says."""
    grouped = candidate.grouping or _groups_needed(spec)
    nodes = [*(_group_node(spec, gid) for gid in (_outer_first(spec) if grouped else ())),
             *(_element_node(spec, e, candidate, grouped) for e in spec.elements)]
    drawn = {n.id for n in nodes}
    edges = tuple(g.Edge(c.id, c.source, c.target, c.label, g.EdgeKind(c.kind)) for c in spec.connections
                  if c.source in drawn and c.target in drawn)
    body_px, title_px = _TYPE_PX[spec.role]
    if "small_text" in spec.style.banned:
        body_px, title_px = body_px + 3, title_px + 3
    return g.DrawRequest(
        nodes=tuple(nodes), edges=edges, constraints=_constraints(spec, drawn),
        title=spec.title if spec.show_title else "", direction=candidate.direction,
        routing=candidate.routing, spacing_px=DENSITIES[candidate.density],
        palette=PALETTES[candidate.palette],
        typography=g.Typography(family=_family(spec.style.typography), size_px=body_px, title_size_px=title_px),
        pinned_xyxy=tuple((e.id, e.xyxy) for e in spec.elements if e.xyxy is not None),
    )


# -- choosing ---------------------------------------------------------------------


def _style_order(spec: FigureSpec) -> list[str]:
    if spec.style.visual_style in VISUAL_STYLES:
        return [spec.style.visual_style]
    chain = len(spec.connections) >= len(spec.elements) - 1 and not spec.groups
    if spec.role == "poster" or spec.layout.count > 1:
        return ["multi_panel", "block_diagram", "annotated_diagram", "comparison_grid"]
    if chain:
        return ["block_diagram", "flowchart", "timeline", "annotated_diagram"]
    return ["block_diagram", "flowchart", "annotated_diagram", "timeline", "comparison_grid"]


def _from_style(style: str, spec: FigureSpec) -> Candidate:
    direction, routing, density, palette, grouping = VISUAL_STYLES[style]
    return Candidate(style, direction, routing, density, palette, grouping, f"a {style.replace('_', ' ')}")


def fit(spec: FigureSpec, c: Candidate) -> Candidate:
    """What the spec fixes or bans, applied to a candidate."""
    direction = fixed_direction(spec)
    avoid = " ".join((*spec.style.avoid, *spec.style.banned)).lower()
    if direction is not None:
        c = replace(c, direction=g.Direction(direction))
    if spec.style.palette in PALETTES:
        c = replace(c, palette=spec.style.palette)
    elif re.search(r"low_contrast|colour_noise|colou?r", avoid):
        c = replace(c, palette="grey")
    if re.search(r"crossing|diagonal", avoid):
        c = replace(c, routing=g.Routing.ORTHOGONAL)
    if re.search(r"overlap|overflow|clutter|cramped|crowd|dense", avoid):
        c = replace(c, density="airy")
    return c


def _variants(c: Candidate):
    """The candidate, then the same with another density, routing or grouping (for when
    what the spec fixes makes two styles alike)."""
    yield c
    for density in DENSITIES:
        yield replace(c, density=density)
    other = g.Routing.STRAIGHT if c.routing == g.Routing.ORTHOGONAL else g.Routing.ORTHOGONAL
    for density in DENSITIES:
        yield replace(c, routing=other, density=density)
    yield replace(c, grouping=not c.grouping)


def fixed_direction(spec: FigureSpec) -> str | None:
    """The latest layout note's direction, else the spec's direction constraint."""
    for note in reversed(spec.layout.notes):
        direction = layout_hints(note)[1]
        if direction:
            return direction
    return spec.direction()


# -- drawing ----------------------------------------------------------------------


def _groups_needed(spec: FigureSpec) -> bool:
    """Groups stay when one has a name (its label is content), or a connection or a panel
    names one: flattening would lose it."""
    ids = {grp.id for grp in spec.groups}
    named = {x for c in spec.connections for x in (c.source, c.target)} | {p.id for p in spec.layout.panels}
    return bool(ids & named) or any(grp.name.strip() for grp in spec.groups)


def _outer_first(spec: FigureSpec) -> list[str]:
    """Group ids, every container before the groups inside it."""
    def depth(gid: str) -> int:
        n, parent = 0, spec.parent_of(gid)
        while parent is not None and n <= len(spec.groups):
            n, parent = n + 1, spec.parent_of(parent)
        return n
    return sorted((grp.id for grp in spec.groups), key=depth)


def _group_node(spec: FigureSpec, group_id: str) -> g.Node:
    return g.Node(group_id, spec.name_of(group_id), ShapeKind.ROUNDED_RECT, parent_id=spec.parent_of(group_id))


def _element_node(spec: FigureSpec, e: Element, c: Candidate, grouped: bool) -> g.Node:
    demoted = any(not x.must_have for x in spec.elements)
    return g.Node(
        id=e.id, label=e.name, shape=_shape(e, c), parent_id=spec.parent_of(e.id) if grouped else None,
        icon_png=read_input_bytes(e.image_path, "key element picture") if e.image_path else None,
        min_wh_px=_SIZE_MIN_WH_PX[e.size_hint],
        emphasis=e.size_hint == "large" or (e.must_have and demoted),
        secondary=not e.must_have or e.size_hint == "small",
    )


def _shape(e: Element, c: Candidate) -> ShapeKind:
    if e.name.rstrip().endswith("?"):
        return ShapeKind.DIAMOND  # a decision
    if _DATABASE.search(e.name) or "cylinder" in e.realization:
        return ShapeKind.CYLINDER
    return ShapeKind.ROUNDED_RECT if c.visual_style in ("flowchart", "timeline") else ShapeKind.RECT


def _constraints(spec: FigureSpec, drawn: set[str]) -> tuple[g.Constraint, ...]:
    out: list[g.Constraint] = []
    for c in spec.constraints:
        kind = _ALIGN_AS.get(c.value) if c.kind == "align" else c.kind
        ids = tuple(i for i in c.ids if i in drawn)
        if kind in ("order", "same_row", "same_column") and len(ids) >= 2:
            made = g.Constraint(kind, ids)
            if made not in out:
                out.append(made)
    return tuple(out)


def _family(typography: str) -> tuple[str, ...]:
    words = typography.lower()
    if "serif" in words and "sans" not in words:
        return ("Liberation Serif", "Times New Roman", "serif")
    if "mono" in words:
        return ("Liberation Mono", "Courier New", "monospace")
    return g.Typography().family
