"""The intent and planner roles with a VLM or LLM, each falling back to its offline reader.

    spec, call = read_intent_with(client, instruction, context, style="poster")
    candidates, call = propose_with(client, spec, k=3)

They ask through the converter's client (``crafteditor.vlm.client.VlmClient`` or any
:class:`~crafteditor.vlm.roles.Asker`) with the package-data prompts ``intent`` and
``planner`` and the pydantic schemas below.  The client re-asks a malformed answer
with its validation error; when it still fails, the offline result is returned and
the :class:`~crafteditor.vlm.roles.RoleCall` says ``fallback`` with the error, as
``convert``'s roles do.  With no client the roles are offline and ask nothing.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crafteditor.generate import graph as g
from crafteditor.generate import plan as planner
from crafteditor.generate.intent import read_intent
from crafteditor.generate.phrases import name_key
from crafteditor.generate.reading import Reading
from crafteditor.generate.spec import FigureSpec, InputCondition, Role
from crafteditor.vlm.roles import Asker, RoleCall
from crafteditor.vlm.templates import render

__all__ = ["IntentAnswer", "PlanAnswer", "propose_with", "read_intent_with"]

MAX_CONTEXT_CHARS = 6000
MAX_COMPONENTS = 40


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class IntentComponent(_Answer):
    name: str = Field(min_length=1, max_length=80)
    realization: str = "box"
    placement: str = ""
    parent: str = ""


class IntentConnection(_Answer):
    source: str
    target: str
    label: str = ""
    kind: Literal["arrow", "line", "both", "dashed"] = "arrow"


class IntentAnswer(_Answer):
    title: str = ""
    components: list[IntentComponent] = Field(min_length=1, max_length=MAX_COMPONENTS)
    connections: list[IntentConnection] = []
    direction: Literal["right", "down", "left", "up", ""] = ""
    panels: list[str] = []

    @model_validator(mode="after")
    def _names_are_listed(self) -> IntentAnswer:
        """Every name a connection, a parent or a panel uses is a listed component (else the
        answer is asked again, with this error)."""
        listed = {name_key(c.name) for c in self.components}
        used = [(f"connection {c.source!r} -> {c.target!r}", n) for c in self.connections
                for n in (c.source, c.target)]
        used += [(f"parent of {c.name!r}", c.parent) for c in self.components if c.parent]
        used += [("panel", p) for p in self.panels]
        unknown = [f"{where} names {name!r}" for where, name in used if name_key(name) not in listed]
        if unknown:
            raise ValueError("names that are not listed components: " + "; ".join(unknown[:5]))
        return self


class PlanChoice(_Answer):
    visual_style: Literal[tuple(planner.VISUAL_STYLES)]  # type: ignore[valid-type]
    direction: Literal["right", "down", "left", "up"]
    routing: Literal["orthogonal", "straight", "polyline"]
    density: Literal[tuple(planner.DENSITIES)]  # type: ignore[valid-type]
    palette: Literal[tuple(planner.PALETTES)]  # type: ignore[valid-type]
    grouping: bool = True
    rationale: str = ""


class PlanAnswer(_Answer):
    candidates: list[PlanChoice] = Field(min_length=1)


def read_intent_with(client: Asker | None, instruction: str, context: str = "", *, style: Role = "academic",
                     caption: str = "", condition: InputCondition = InputCondition.TEXT) -> tuple[FigureSpec, RoleCall]:
    """The seed spec, read by the model when there is one, else (or when it fails) offline."""
    offline = read_intent(instruction, context, style=style, caption=caption, condition=condition)
    if client is None:
        return offline, RoleCall.offline("intent")
    prompt = render("intent", style=style, instruction=instruction.strip(), caption=caption.strip(),
                    context=context.strip()[:MAX_CONTEXT_CHARS])
    answer = client.ask("intent", prompt, [], IntentAnswer)
    call = RoleCall.from_answer("intent", answer)
    if not isinstance(answer.value, IntentAnswer):
        return offline, call
    return _spec_of(answer.value, offline), call


def propose_with(client: Asker | None, spec: FigureSpec, k: int | None = None) -> tuple[list[planner.Candidate], RoleCall]:
    """``k`` distinct candidates: the model's (with what the spec fixes kept), topped up
    with offline ones; all offline without a model or when it fails."""
    count = planner.candidate_count(spec, k)
    offline = planner.propose(spec, count)
    if client is None:
        return offline, RoleCall.offline("planner")
    prompt = render("planner", k=count, spec=_summary(spec), fixed=_fixed(spec),
                    styles=", ".join(planner.VISUAL_STYLES), palettes=", ".join(planner.PALETTES))
    answer = client.ask("planner", prompt, [], PlanAnswer)
    call = RoleCall.from_answer("planner", answer)
    if not isinstance(answer.value, PlanAnswer):
        return offline, call
    chosen: list[planner.Candidate] = []
    for choice in answer.value.candidates:
        candidate = planner.fit(spec, planner.Candidate(
            choice.visual_style, g.Direction(choice.direction), g.Routing(choice.routing), choice.density,
            choice.palette, choice.grouping, choice.rationale))
        if candidate.key() not in {c.key() for c in chosen}:
            chosen.append(candidate)
    for candidate in offline:
        if candidate.key() not in {c.key() for c in chosen}:
            chosen.append(candidate)
    return chosen[:count], call


def _spec_of(answer: IntentAnswer, offline: FigureSpec) -> FigureSpec:
    """The model's reading as a spec, with the offline reading's title, role and condition."""
    reading = Reading()
    keys = {name_key(c.name): reading.add(c.name) for c in answer.components}
    for c in answer.components:
        if c.parent:
            reading.contain(keys[name_key(c.parent)], [keys[name_key(c.name)]])
    for c in answer.connections:
        reading.link(keys[name_key(c.source)], keys[name_key(c.target)], c.label, c.kind)
    reading.direction = answer.direction or offline.direction()
    reading.set_panels([keys[name_key(p)] for p in answer.panels])
    reading.finish()
    title = answer.title.strip() or offline.title
    spec = reading.to_spec(instruction=offline.instruction, title=title,
                           show_title=bool(title) and (offline.show_title or offline.role != "academic"),
                           role=offline.role, condition=offline.condition, reference_role=offline.reference_role)
    looks = {name_key(c.name): c for c in answer.components}
    elements = tuple(e.model_copy(update={"realization": looks[name_key(e.name)].realization or "box",
                                          "placement": looks[name_key(e.name)].placement})
                     for e in spec.elements)
    return spec.model_copy(update={"elements": elements})


def _summary(spec: FigureSpec) -> str:
    """The spec as the planner needs it: names, containment, connections, panels, notes."""
    data = {
        "role": spec.role,
        "components": [{"name": e.name, "must_have": e.must_have, "inside": spec.name_of(p) if (p := spec.parent_of(e.id)) else ""}
                       for e in spec.elements],
        "containers": [{"name": grp.name, "members": [spec.name_of(m) for m in grp.members]} for grp in spec.groups],
        "connections": [f"{spec.name_of(c.source)} -> {spec.name_of(c.target)}" for c in spec.connections],
        "panels": [p.title for p in spec.layout.panels],
        "layout_notes": list(spec.layout.notes),
    }
    return json.dumps(data, indent=1, ensure_ascii=False)


def _fixed(spec: FigureSpec) -> str:
    lines = []
    if (direction := planner.fixed_direction(spec)) is not None:
        lines.append(f"- direction: {direction}")
    if spec.style.palette in planner.PALETTES:
        lines.append(f"- palette: {spec.style.palette}")
    if spec.style.avoid or spec.style.banned:
        lines.append(f"- avoid: {', '.join((*spec.style.avoid, *spec.style.banned))}")
    return "\n".join(lines) or "- nothing"
