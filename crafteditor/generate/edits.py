"""Typed, logged edits: the only way a specification changes after it is seeded.

Each edit is a frozen model carrying who made it (``agent``), in which refinement
``round`` and why (``reason``).  :func:`apply` returns a new spec with the edit done
and an :class:`~crafteditor.generate.spec.EditRecord` appended to its history; at
most :data:`MAX_EDITS_PER_ROUND` edits land in one round (upstream's rule: a few
targeted corrections, never a pile of free text).  An edit that names an unknown
id, or breaks the spec, raises :class:`SpecEditError`.  Nothing is ever deleted:
an element that crowds the figure is demoted.

    spec = apply(spec, DemoteElement(element_id="n3", agent="critic", round=1, reason="crowded"))
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from crafteditor.generate.spec import (
    ARTEFACTS, Connection, ConnectionKind, EditRecord, FigureSpec, LayoutConstraint, SizeHint,
)
from crafteditor.model.errors import CraftEditorError

__all__ = [
    "AddConstraint", "AddElementNote", "AddLayoutNote", "AddStyleAvoid", "BanArtefact",
    "DemoteElement", "Edit", "MAX_EDITS_PER_ROUND", "Reconnect", "Rename", "ResizeElement",
    "Restyle", "SpecEditError", "apply", "apply_all", "parse_edit",
]

MAX_EDITS_PER_ROUND = 3
_NOTE_CHARS = 200


class SpecEditError(CraftEditorError, ValueError):
    """An edit that cannot apply: an unknown id, a full round, or a spec it would break."""


class _Edit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    agent: str = "reviser"
    round: int = Field(default=1, ge=0)
    reason: str = ""


class ResizeElement(_Edit):
    action: Literal["resize_element"] = "resize_element"
    element_id: str
    size_hint: SizeHint


class AddElementNote(_Edit):
    action: Literal["add_element_note"] = "add_element_note"
    element_id: str
    note: str = Field(min_length=1, max_length=_NOTE_CHARS)


class DemoteElement(_Edit):
    action: Literal["demote_element"] = "demote_element"
    element_id: str


class AddLayoutNote(_Edit):
    action: Literal["add_layout_note"] = "add_layout_note"
    note: str = Field(min_length=1, max_length=_NOTE_CHARS)


class AddStyleAvoid(_Edit):
    action: Literal["add_style_avoid"] = "add_style_avoid"
    item: str = Field(min_length=1, max_length=_NOTE_CHARS)


class AddConstraint(_Edit):
    action: Literal["add_constraint"] = "add_constraint"
    constraint: LayoutConstraint


class Reconnect(_Edit):
    """Change a connection's ends, label or kind; with no ``connection_id``, add one
    (both ends then required)."""

    action: Literal["reconnect"] = "reconnect"
    connection_id: str = ""
    source: str = ""
    target: str = ""
    label: str | None = None
    kind: ConnectionKind | None = None


class Restyle(_Edit):
    action: Literal["restyle"] = "restyle"
    palette: str | None = None
    typography: str | None = None
    background: str | None = None
    visual_style: str | None = None


class BanArtefact(_Edit):
    action: Literal["ban_artefact"] = "ban_artefact"
    artefact: Literal[ARTEFACTS]  # type: ignore[valid-type]


class Rename(_Edit):
    """A new name for an element or a group."""

    action: Literal["rename"] = "rename"
    target_id: str
    name: str = Field(min_length=1, max_length=_NOTE_CHARS)


Edit = Annotated[
    Union[ResizeElement, AddElementNote, DemoteElement, AddLayoutNote, AddStyleAvoid,
          AddConstraint, Reconnect, Restyle, BanArtefact, Rename],
    Field(discriminator="action"),
]
_EDIT = TypeAdapter(Edit)


def parse_edit(data: dict) -> _Edit:
    """An edit from its JSON form (``{"action": "rename", ...}``); SpecEditError if malformed."""
    try:
        return _EDIT.validate_python(data)
    except ValidationError as exc:
        raise SpecEditError(f"not an edit: {exc.errors()[0]['msg']} ({data!r:.120})") from None


def apply(spec: FigureSpec, edit: _Edit) -> FigureSpec:
    """``spec`` with ``edit`` done and logged; SpecEditError if it cannot apply."""
    if spec.edits_in_round(edit.round) >= MAX_EDITS_PER_ROUND:
        raise SpecEditError(f"round {edit.round} already has {MAX_EDITS_PER_ROUND} edits; "
                            f"{edit.action} must wait for the next round")
    changes, target, value = _CHANGES[edit.action](spec, edit)
    record = EditRecord(agent=edit.agent, round=edit.round, action=edit.action, target=target,
                        value=value, reason=edit.reason)
    data = spec.model_dump() | changes | {"history": [*spec.model_dump()["history"], record.model_dump()]}
    try:
        return FigureSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecEditError(f"{edit.action} would break the spec: {exc.errors()[0]['msg']}") from None


def apply_all(spec: FigureSpec, edits) -> FigureSpec:
    for edit in edits:
        spec = apply(spec, edit)
    return spec


# -- one function per edit: (spec, edit) -> (changed fields, target, value) --------


def _element_change(spec: FigureSpec, element_id: str, **fields) -> dict:
    if spec.element(element_id) is None:
        raise SpecEditError(f"no element {element_id!r} (have: {', '.join(e.id for e in spec.elements)})")
    return {"elements": [e.model_copy(update=fields).model_dump() if e.id == element_id else e.model_dump()
                         for e in spec.elements]}


def _resize(spec, edit: ResizeElement):
    return _element_change(spec, edit.element_id, size_hint=edit.size_hint), \
        f"elements[{edit.element_id}].size_hint", edit.size_hint


def _note(spec, edit: AddElementNote):
    element = spec.element(edit.element_id)
    notes = element.notes if element is None or edit.note in element.notes else (*element.notes, edit.note)
    return _element_change(spec, edit.element_id, notes=notes), f"elements[{edit.element_id}].notes", edit.note


def _demote(spec, edit: DemoteElement):
    return _element_change(spec, edit.element_id, must_have=False), \
        f"elements[{edit.element_id}].must_have", "false"


def _layout_note(spec, edit: AddLayoutNote):
    notes = _added(spec.layout.notes, edit.note)
    return {"layout": spec.layout.model_copy(update={"notes": notes}).model_dump()}, "layout.notes", edit.note


def _avoid(spec, edit: AddStyleAvoid):
    avoid = _added(spec.style.avoid, edit.item)
    return {"style": spec.style.model_copy(update={"avoid": avoid}).model_dump()}, "style.avoid", edit.item


def _constraint(spec, edit: AddConstraint):
    c = edit.constraint
    added = [x.model_dump() for x in spec.constraints] + ([] if c in spec.constraints else [c.model_dump()])
    return {"constraints": added}, "constraints", f"{c.kind}({', '.join(c.ids)}){'=' + c.value if c.value else ''}"


def _reconnect(spec, edit: Reconnect):
    if not edit.connection_id:
        if not (edit.source and edit.target):
            raise SpecEditError("a new connection needs a source and a target")
        new_id = _fresh_id("c", {c.id for c in spec.connections})
        made = Connection(id=new_id, source=edit.source, target=edit.target, label=edit.label or "",
                          kind=edit.kind or "arrow")
        return {"connections": [*(c.model_dump() for c in spec.connections), made.model_dump()]}, \
            f"connections[{new_id}]", f"{made.source}->{made.target}"
    old = next((c for c in spec.connections if c.id == edit.connection_id), None)
    if old is None:
        raise SpecEditError(f"no connection {edit.connection_id!r}")
    update = {k: v for k, v in (("source", edit.source), ("target", edit.target), ("label", edit.label),
                                ("kind", edit.kind)) if v}
    if edit.label == "":
        update["label"] = ""
    new = old.model_copy(update=update)
    conns = [new.model_dump() if c.id == old.id else c.model_dump() for c in spec.connections]
    return {"connections": conns}, f"connections[{old.id}]", f"{new.source}->{new.target} {new.kind} {new.label!r}"


def _restyle(spec, edit: Restyle):
    update = {k: v for k, v in (("palette", edit.palette), ("typography", edit.typography),
                                ("background", edit.background), ("visual_style", edit.visual_style))
              if v is not None}
    if not update:
        raise SpecEditError("restyle changes nothing: give a palette, typography, background or visual style")
    value = ", ".join(f"{k}={v}" for k, v in update.items())
    return {"style": spec.style.model_copy(update=update).model_dump()}, "style", value


def _ban(spec, edit: BanArtefact):
    banned = _added(spec.style.banned, edit.artefact)
    return {"style": spec.style.model_copy(update={"banned": banned}).model_dump()}, "style.banned", edit.artefact


def _rename(spec, edit: Rename):
    if spec.element(edit.target_id) is not None:
        return _element_change(spec, edit.target_id, name=edit.name), f"elements[{edit.target_id}].name", edit.name
    if spec.group(edit.target_id) is None:
        raise SpecEditError(f"no element or group {edit.target_id!r}")
    groups = [g.model_copy(update={"name": edit.name}).model_dump() if g.id == edit.target_id else g.model_dump()
              for g in spec.groups]
    return {"groups": groups}, f"groups[{edit.target_id}].name", edit.name


def _added(items: tuple[str, ...], item: str) -> tuple[str, ...]:
    return items if item in items else (*items, item)


def _fresh_id(prefix: str, taken: set[str]) -> str:
    n = len(taken) + 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


_CHANGES = {
    "resize_element": _resize, "add_element_note": _note, "demote_element": _demote,
    "add_layout_note": _layout_note, "add_style_avoid": _avoid, "add_constraint": _constraint,
    "reconnect": _reconnect, "restyle": _restyle, "ban_artefact": _ban, "rename": _rename,
}
