"""The specification refiner: a critique's located defects turned into typed spec edits.

Each defect code has remedies the planner and executor can express, most direct
first (a label that leaves its box: that element drawn larger; connectors through
boxes: orthogonal routing, then more room).  :func:`revise` walks the defects in
the order that matters (content, then artefacts, text, layout, aesthetics, role),
keeps the first remedies that change the spec and were not tried from this base,
and stops at :data:`~crafteditor.generate.edits.MAX_EDITS_PER_ROUND`.  Every edit
says who made it (``agent``), in which round, and why (the defect's message).
A model critic's issues arrive as defects with codes ``vlm-<axis>``: their words
become element or layout notes and style avoid items, so what the critic says
is kept in the spec (and reaches an image model's prompt) instead of thrown away.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from crafteditor.generate import edits as ed
from crafteditor.generate.critic import Critique, Defect, norm
from crafteditor.generate.spec import FigureSpec, LayoutConstraint

__all__ = ["TYPOGRAPHY_CODES", "edit_key", "revise"]

AGENT = "critic"
_AXIS_ORDER = ("content", "artefact", "text", "layout", "aesthetic", "role")
_BIGGER = {"": "medium", "small": "medium", "medium": "large", "large": "large"}
TYPOGRAPHY_CODES = frozenset({"illegible-label", "text-overflow", "small-text", "vlm-text"})


def revise(spec: FigureSpec, critique: Critique, round_no: int, tried: Iterable[str] = (), *,
           typography_only: bool = False) -> list[ed._Edit]:
    """At most three edits that answer ``critique``'s defects, none of them in ``tried``
    (see :func:`edit_key`) and each one changing ``spec``.  ``typography_only``: only
    remedies that touch text size (the polish pass)."""
    tried = set(tried)
    chosen: list[ed._Edit] = []
    current = spec
    defects = sorted(critique.defects, key=lambda d: _AXIS_ORDER.index(d.axis) if d.axis in _AXIS_ORDER else 9)
    for defect in defects:
        if typography_only and defect.code not in TYPOGRAPHY_CODES:
            continue
        for edit in _remedies(current, defect, round_no):
            if edit_key(edit) in tried:
                continue
            changed = _applied(current, edit)
            if changed is None:
                continue
            chosen.append(edit)
            tried.add(edit_key(edit))
            current = changed
            break
        if len(chosen) == ed.MAX_EDITS_PER_ROUND:
            break
    return chosen


def edit_key(edit: ed._Edit) -> str:
    """What an edit does, without who, when and why: two edits with one key are the same change."""
    return edit.model_dump_json(exclude={"agent", "round", "reason"})


def _applied(spec: FigureSpec, edit: ed._Edit) -> FigureSpec | None:
    """``spec`` with ``edit`` done, or None when it cannot apply or changes nothing."""
    try:
        changed = ed.apply(spec, edit)
    except ed.SpecEditError:
        return None
    same = changed.model_dump(exclude={"history"}) == spec.model_dump(exclude={"history"})
    return None if same else changed


def _remedies(spec: FigureSpec, d: Defect, round_no: int) -> Iterator[ed._Edit]:
    """Candidate edits for one defect, most direct first."""
    why = dict(agent=AGENT, round=round_no, reason=f"{d.code}: {d.message}"[:300])
    ids = _ids(spec, d.labels)
    code = d.code
    if code in ("missing-label", "text-overflow"):
        for i in ids:
            yield ed.ResizeElement(element_id=i, size_hint=_BIGGER[_size(spec, i)], **why)
            yield ed.AddElementNote(element_id=i, note="its label must read in full inside its box", **why)
    elif code in ("illegible-label", "small-text"):
        yield ed.BanArtefact(artefact="small_text", **why)
        for i in ids:
            yield ed.ResizeElement(element_id=i, size_hint=_BIGGER[_size(spec, i)], **why)
    elif code == "missing-connection" and len(ids) == 2:
        yield ed.AddConstraint(constraint=LayoutConstraint(kind="order", ids=tuple(ids)), **why)
        yield ed.BanArtefact(artefact="crossing_edges", **why)
    elif code in ("overlap", "crowded"):
        yield ed.BanArtefact(artefact="overlap" if code == "overlap" else "cramped_whitespace", **why)
        yield ed.AddLayoutNote(note="leave clear space between boxes", **why)
    elif code in ("through-box", "unglued", "arrow-dangling"):
        yield ed.BanArtefact(artefact="diagonal_edges", **why)
        yield ed.BanArtefact(artefact="overlap", **why)
    elif code == "crossing":
        yield ed.BanArtefact(artefact="crossing_edges", **why)
        yield ed.AddLayoutNote(note="route connectors so that they do not cross", **why)
    elif code == "clutter":
        yield ed.BanArtefact(artefact="clutter", **why)
    elif code == "variety":
        yield ed.Restyle(palette="grey", **why)
        yield ed.BanArtefact(artefact="colour_noise", **why)
    elif code == "role":
        yield from _role_remedies(spec, d, why)
    elif code.startswith("vlm-"):
        yield from _model_remedies(spec, d, ids, why)


def _role_remedies(spec: FigureSpec, d: Defect, why: dict) -> Iterator[ed._Edit]:
    if spec.role == "academic":
        yield ed.Restyle(palette="grey", background="white", **why)
    elif spec.role == "infographic":
        yield ed.Restyle(palette="contrast", **why)
    else:
        yield ed.AddLayoutNote(note=d.message[:200], **why)


def _model_remedies(spec: FigureSpec, d: Defect, ids: list[str], why: dict) -> Iterator[ed._Edit]:
    note = d.message.strip()[:200] or d.code
    if d.axis == "text":
        yield ed.BanArtefact(artefact="small_text", **why)
    if d.axis in ("content", "text") and ids:
        for i in ids:
            yield ed.AddElementNote(element_id=i, note=note, **why)
    if d.axis in ("content", "layout", "role"):
        yield ed.AddLayoutNote(note=note, **why)
    yield ed.AddStyleAvoid(item=note, **why)


def _size(spec: FigureSpec, element_id: str) -> str:
    element = spec.element(element_id)
    return element.size_hint if element is not None else ""


def _ids(spec: FigureSpec, labels: tuple[str, ...]) -> list[str]:
    """The elements (or groups) whose names read as ``labels``, in the labels' order."""
    by_name: dict[str, str] = {}
    for item in (*spec.elements, *spec.groups):
        by_name.setdefault(norm(item.name), item.id)
    out = []
    for label in labels:
        found = by_name.get(norm(label))
        if found is not None and found not in out:
            out.append(found)
    return out
