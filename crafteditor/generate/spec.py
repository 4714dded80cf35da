"""The figure specification: the one record the generation harness reads and edits.

A :class:`FigureSpec` says *what* to draw (elements, groups, connections), *how to
arrange it* (layout constraints, panels, notes) and *how it looks* (style), with the
input condition it came from and the history of the typed edits that changed it
(``crafteditor.generate.edits``).  Every model is a frozen pydantic model: a change
is a new spec.  Elements and groups share one id space; connections and
constraints may name either.  Validation rejects dangling ids, duplicate ids and
groups that contain themselves, so a spec in hand is always whole.
"""

from __future__ import annotations

import enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ARTEFACTS", "ALIGNMENTS", "Connection", "Element", "EditRecord", "FigureSpec", "Group",
    "InputCondition", "LayoutConstraint", "Panel", "PanelLayout", "ReferenceRole", "Role", "Style",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InputCondition(str, enum.Enum):
    """What the user gave besides the instruction."""

    TEXT = "text"  # the instruction (and context) only
    SKETCH = "sketch"  # a layout reference: keep positions, connections and reading order
    MASK = "mask_completion"  # a partial figure: keep the unmasked part, fill the mask
    KEY_ELEMENTS = "key_elements"  # pictures that must appear at about their place


class ReferenceRole(str, enum.Enum):
    """How a reference image is to be treated (upstream's ``refer_image_role``)."""

    NONE = ""
    REFINE_SKETCH = "refine_sketch"
    PRESERVE_PARTIAL = "preserve_partial"
    USE_ELEMENTS = "use_elements"


REFERENCE_OF = {
    InputCondition.TEXT: ReferenceRole.NONE,
    InputCondition.SKETCH: ReferenceRole.REFINE_SKETCH,
    InputCondition.MASK: ReferenceRole.PRESERVE_PARTIAL,
    InputCondition.KEY_ELEMENTS: ReferenceRole.USE_ELEMENTS,
}

Role = Literal["academic", "poster", "infographic"]
SizeHint = Literal["", "small", "medium", "large"]
ConnectionKind = Literal["arrow", "line", "both", "dashed"]
XYXY = tuple[float, float, float, float]

# artefacts a critic can ban; each has a remedy the planner can express
ARTEFACTS: tuple[str, ...] = (
    "overlap", "text_overflow", "small_text", "crossing_edges", "diagonal_edges",
    "clutter", "low_contrast", "cramped_whitespace", "colour_noise",
)
ALIGNMENTS: tuple[str, ...] = ("left", "right", "top", "bottom", "center", "middle")


class Element(_Frozen):
    """A component to draw: a box with a label, or a picture (``image_path``).

    ``xyxy`` is a place it must keep, in pixels (from a sketch, a kept partial figure
    or a key element's position); None lets the layout decide."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    realization: str = "box"  # how it is drawn: "box", "icon", "picture", "text", or free words
    placement: str = ""  # where, in words: "top-right", "after the encoder"
    must_have: bool = True  # a demoted element stays, drawn smaller; never deleted
    size_hint: SizeHint = ""
    notes: tuple[str, ...] = ()
    image_path: str = ""  # a key element's picture (PNG), drawn as an icon
    xyxy: XYXY | None = None


class Group(_Frozen):
    """A container around ``members`` (element or group ids), drawn as a box with a title."""

    id: str = Field(min_length=1)
    name: str
    members: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


class Connection(_Frozen):
    id: str = Field(min_length=1)
    source: str  # element or group id ("from")
    target: str  # element or group id ("to")
    label: str = ""
    kind: ConnectionKind = "arrow"  # "dashed" marks optional flow or feedback


class LayoutConstraint(_Frozen):
    """A layout wish over ids, in order.

    ``order``: reading order; ``same_row``/``same_column``; ``align`` with ``value`` one of
    :data:`ALIGNMENTS`; ``contain``: ``ids[0]`` holds the rest; ``direction`` with
    ``value`` right/down/left/up (no ids: the whole figure)."""

    kind: Literal["order", "same_row", "same_column", "align", "contain", "direction"]
    ids: tuple[str, ...] = ()
    value: str = ""

    @model_validator(mode="after")
    def _well_formed(self) -> LayoutConstraint:
        if self.kind == "direction" and self.value not in ("right", "down", "left", "up"):
            raise ValueError(f"a direction constraint needs right/down/left/up, got {self.value!r}")
        if self.kind == "align" and self.value not in ALIGNMENTS:
            raise ValueError(f"an align constraint needs one of {ALIGNMENTS}, got {self.value!r}")
        if self.kind in ("order", "same_row", "same_column", "align", "contain") and len(self.ids) < 2:
            raise ValueError(f"a {self.kind} constraint needs at least two ids")
        return self


class Panel(_Frozen):
    id: str
    title: str
    position: str = ""  # "left", "top-right", ...
    components: tuple[str, ...] = ()  # element or group ids


class PanelLayout(_Frozen):
    count: int = Field(default=1, ge=1)
    arrangement: Literal["single", "horizontal", "vertical", "grid"] = "single"
    panels: tuple[Panel, ...] = ()
    notes: tuple[str, ...] = ()


class Style(_Frozen):
    """``palette`` is a name of the planner's vocabulary or free words; ``visual_style``
    pins one candidate style (block_diagram, flowchart, ...); ``banned`` holds
    artefacts (:data:`ARTEFACTS`) a critic saw and the planner must steer away from."""

    palette: str = ""
    typography: str = "sans-serif"
    background: str = "white"
    avoid: tuple[str, ...] = ()
    banned: tuple[str, ...] = ()
    visual_style: str = ""


class EditRecord(_Frozen):
    """One applied edit, for the trace: who, in which round, what, and why."""

    agent: str
    round: int
    action: str
    target: str
    value: str
    reason: str = ""


class FigureSpec(_Frozen):
    instruction: str = ""
    title: str = ""
    show_title: bool = False  # draw the title (posters, infographics, an explicit title)
    role: Role = "academic"
    condition: InputCondition = InputCondition.TEXT
    reference_role: ReferenceRole = ReferenceRole.NONE
    elements: tuple[Element, ...] = ()
    groups: tuple[Group, ...] = ()
    connections: tuple[Connection, ...] = ()
    constraints: tuple[LayoutConstraint, ...] = ()
    layout: PanelLayout = PanelLayout()
    style: Style = Style()
    history: tuple[EditRecord, ...] = ()

    @model_validator(mode="after")
    def _whole(self) -> FigureSpec:
        ids = [e.id for e in self.elements] + [g.id for g in self.groups]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate ids: {', '.join(dupes)}")
        known = set(ids)
        _check_known(known, ((g.id, m) for g in self.groups for m in g.members), "group")
        _check_known(known, ((c.id, end) for c in self.connections for end in (c.source, c.target)), "connection")
        _check_known(known, ((c.kind, i) for c in self.constraints for i in c.ids), "constraint")
        _check_known(known, ((p.id, i) for p in self.layout.panels for i in p.components), "panel")
        conn_ids = [c.id for c in self.connections]
        if len(set(conn_ids)) != len(conn_ids):
            raise ValueError("duplicate connection ids")
        _check_acyclic(self.groups)
        return self

    # -- queries ----------------------------------------------------------

    def element(self, element_id: str) -> Element | None:
        return next((e for e in self.elements if e.id == element_id), None)

    def group(self, group_id: str) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def parent_of(self, item_id: str) -> str | None:
        """The group that holds ``item_id`` directly, if any (the first, if several)."""
        return next((g.id for g in self.groups if item_id in g.members), None)

    def name_of(self, item_id: str) -> str:
        item = self.element(item_id) or self.group(item_id)
        return item.name if item is not None else item_id

    def direction(self) -> str | None:
        """The whole figure's direction constraint, the last one given; None if none."""
        found = [c.value for c in self.constraints if c.kind == "direction" and not c.ids]
        return found[-1] if found else None

    def edits_in_round(self, round_no: int) -> int:
        return sum(1 for r in self.history if r.round == round_no)


def _check_known(known: set[str], pairs, what: str) -> None:
    for owner, ref in pairs:
        if ref not in known:
            raise ValueError(f"{what} {owner!r} names unknown id {ref!r}")


def _check_acyclic(groups: tuple[Group, ...]) -> None:
    members = {g.id: set(g.members) for g in groups}
    for start in members:
        seen, todo = set(), list(members[start])
        while todo:
            item = todo.pop()
            if item == start:
                raise ValueError(f"group {start!r} contains itself")
            if item not in seen:
                seen.add(item)
                todo.extend(members.get(item, ()))


def fresh_id(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... the first not in ``taken``; it is added to ``taken``."""
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name
