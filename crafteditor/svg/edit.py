"""Element-level editing of any SVG: select elements, change them, keep the rest.

    from crafteditor.svg.edit import Selector, Step, Operation, edit_svg
    svg, report = edit_svg(data, [Step((Selector.parse("text:Encoder"),),
                                       (Operation("set_text", "Encoder v2"),))])

A ``Step`` is selectors (all must match) and operations applied in order to
what they select.  A selector that matches nothing is an error, and one that
matches several is an error unless the step allows ``many``.  Elements in a
locked layer (the Background) are chosen by ``id:`` only, as Inkscape's own
selection skips them.

Operations: ``set_text``, ``move`` ``(dx, dy)``, ``resize`` ``(w, h)`` or
``("scale", s)``, ``fill``, ``stroke``, ``text_color``, ``font_size`` (px),
``font_family``, ``delete``, ``swap_image`` (a path), ``bring_forward``,
``send_backward``.  Connectors glued to a moved or resized shape follow it
(``inkscape:connection-start``/``-end``); the labels a box holds (text whose
smallest enclosing shape it is) move, resize and go with it; connectors left
dangling by a deletion are reported.  Nothing else in the document changes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from crafteditor.svg.editops import OPERATIONS, Context
from crafteditor.model.errors import InputError
from crafteditor.svg.items import KINDS, Item, items
from crafteditor.svg.doc import SvgDocument

FIELDS = ("id", "text", "label", "kind")


@dataclass(frozen=True)
class Selector:
    field: str  # one of FIELDS
    value: str
    substring: bool = False  # "~value": the value anywhere, case-insensitive

    @classmethod
    def parse(cls, text: str) -> Selector:
        name, sep, value = text.partition(":")
        if not sep or name not in FIELDS:
            raise InputError(f"bad selector {text!r}: use id:ID, text:STRING, text:~PART, label:NAME or kind:KIND")
        substring = value.startswith("~") and name in ("text", "label")
        value = value[1:] if substring else value
        if not value:
            raise InputError(f"bad selector {text!r}: nothing after '{name}:'")
        if name == "kind" and value not in KINDS:
            raise InputError(f"bad selector {text!r}: the kinds are {', '.join(KINDS)}")
        return cls(name, value, substring)

    def matches(self, item: Item) -> bool:
        if self.field == "id":
            return item.id == self.value
        if self.field == "kind":
            return item.kind == self.value
        if self.field == "label":
            candidates = [item.label]
        else:
            if item.kind != "text":
                return False
            candidates = [item.text, item.text.replace("\n", " ")] + [t for t, _b in item.lines]
        if self.substring:
            return any(self.value.casefold() in c.casefold() for c in candidates)
        return self.value in candidates

    def __str__(self) -> str:
        return f"{self.field}:{'~' if self.substring else ''}{self.value}"


@dataclass(frozen=True)
class Operation:
    name: str
    value: Any = None

    def __post_init__(self) -> None:
        if self.name not in OPERATIONS:
            raise InputError(f"unknown operation {self.name!r}: choose one of {', '.join(sorted(OPERATIONS))}")


@dataclass(frozen=True)
class Step:
    selectors: tuple[Selector, ...]
    operations: tuple[Operation, ...]
    many: bool = False


@dataclass
class EditReport:
    selected: list[tuple[str, ...]] = field(default_factory=list)  # the ids each step selected
    changed: list[str] = field(default_factory=list)  # ids of elements changed, added or removed
    notes: list[str] = field(default_factory=list)  # what followed, what dangles


def select(found: Sequence[Item], selectors: Sequence[Selector], many: bool = False) -> list[Item]:
    """The items every selector matches; an ``InputError`` for none, or several without ``many``."""
    if not selectors:
        raise InputError("an operation needs a selection first: add --where before it")
    by_id = any(s.field == "id" for s in selectors)  # locked elements are chosen by id only, as in Inkscape
    hits = [it for it in found if all(s.matches(it) for s in selectors) and (by_id or not it.locked)]
    what = " and ".join(str(s) for s in selectors)
    if not hits:
        raise InputError(f"nothing matches {what}")
    if len(hits) > 1 and not many:
        shown = ", ".join(it.id for it in hits[:6]) + (", ..." if len(hits) > 6 else "")
        raise InputError(f"{what} matches {len(hits)} elements ({shown}): add --all to change them all, "
                         "or select one by id")
    return hits


def apply_steps(doc: SvgDocument, steps: Sequence[Step]) -> EditReport:
    """Apply ``steps`` to ``doc`` in order (the document changes in place)."""
    report = EditReport()
    for step in steps:
        found = items(doc)
        hits = select(found, step.selectors, step.many)
        report.selected.append(tuple(it.id for it in hits))
        for op in step.operations:
            ctx = Context(doc, items(doc) if op is not step.operations[0] else found, report.changed, report.notes)
            for it in hits:
                if doc.by_id(it.id) is None:
                    continue  # deleted by an earlier operation of this step
                OPERATIONS[op.name](ctx, ctx.item(it.id), op.value)
    return report


def edit_svg(data: bytes, steps: Sequence[Step], name: str = "the SVG") -> tuple[bytes, EditReport]:
    """``data`` edited by ``steps``: the new document and what was done."""
    doc = SvgDocument.from_bytes(data, name)
    report = apply_steps(doc, steps)
    return doc.to_bytes(), report


def edit_file(src: str | os.PathLike, steps: Sequence[Step], out: str | os.PathLike | None = None,
              in_place: bool = False) -> EditReport:
    """Edit the SVG at ``src`` and write it to ``out`` atomically (``in_place`` writes ``src``)."""
    from crafteditor.model.io import atomic_write, check_output_path

    if out is None and not in_place:
        raise InputError("say where the edited SVG goes (-o OUT.svg), or pass --in-place to change the input")
    target = check_output_path(src if in_place else out, src, overwrite_input=in_place)
    doc = SvgDocument.read(src)
    report = apply_steps(doc, steps)
    atomic_write(target, doc.to_bytes())
    return report
