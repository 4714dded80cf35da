"""The generation specification and its typed, logged, limited edits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from crafteditor.generate.edits import (
    MAX_EDITS_PER_ROUND, AddConstraint, AddElementNote, AddLayoutNote, AddStyleAvoid, BanArtefact,
    DemoteElement, Reconnect, Rename, ResizeElement, Restyle, SpecEditError, apply, apply_all, parse_edit,
)
from crafteditor.generate.spec import (
    Connection, Element, FigureSpec, Group, InputCondition, LayoutConstraint, Panel, PanelLayout,
)
from crafteditor.model.errors import CraftEditorError


def make_spec() -> FigureSpec:
    return FigureSpec(
        instruction="a -> b -> c inside a box",
        elements=(Element(id="a", name="Alpha"), Element(id="b", name="Beta"), Element(id="c", name="Gamma")),
        groups=(Group(id="box", name="Box", members=("b", "c")),),
        connections=(Connection(id="c1", source="a", target="b"), Connection(id="c2", source="b", target="c")),
        constraints=(LayoutConstraint(kind="direction", value="right"),),
    )


# -- the specification --------------------------------------------------------------


def test_a_spec_is_frozen_and_answers_queries():
    spec = make_spec()
    with pytest.raises(ValidationError):
        spec.title = "x"
    assert spec.element("b").name == "Beta" and spec.element("box") is None
    assert spec.parent_of("c") == "box" and spec.parent_of("a") is None
    assert spec.name_of("box") == "Box" and spec.direction() == "right"
    assert spec.condition == InputCondition.TEXT and spec.history == ()


@pytest.mark.parametrize("change, message", [
    ({"connections": (Connection(id="c1", source="a", target="zz"),)}, "unknown id 'zz'"),
    ({"elements": (Element(id="a", name="A"), Element(id="a", name="B"))}, "duplicate ids: a"),
    ({"groups": (Group(id="g", name="G", members=("h",)), Group(id="h", name="H", members=("g",)))},
     "contains itself"),
    ({"layout": PanelLayout(count=2, panels=(Panel(id="p", title="P", components=("nope",)),))}, "unknown id"),
])
def test_a_spec_with_dangling_or_cyclic_ids_is_refused(change, message):
    data = make_spec().model_dump() | {k: v for k, v in change.items()}
    if "elements" in change:
        data |= {"groups": (), "connections": (), "constraints": ()}
    with pytest.raises(ValidationError, match=message):
        FigureSpec.model_validate(data)


def test_constraints_check_their_own_shape():
    with pytest.raises(ValidationError, match="direction"):
        LayoutConstraint(kind="direction", value="sideways")
    with pytest.raises(ValidationError, match="at least two ids"):
        LayoutConstraint(kind="same_row", ids=("a",))
    with pytest.raises(ValidationError, match="align"):
        LayoutConstraint(kind="align", ids=("a", "b"), value="diagonal")


# -- edits ---------------------------------------------------------------------------


def test_each_edit_changes_only_its_field_and_is_logged():
    spec = make_spec()
    edits = [
        ResizeElement(element_id="a", size_hint="large", agent="critic", round=1, reason="too small"),
        AddElementNote(element_id="b", note="draw as a cylinder", round=1),
        DemoteElement(element_id="c", round=1, reason="crowds the row"),
        AddLayoutNote(note="arrange top to bottom", round=2),
        AddStyleAvoid(item="drop shadows", round=2),
        AddConstraint(constraint=LayoutConstraint(kind="same_row", ids=("a", "b")), round=2),
        Reconnect(connection_id="c2", target="a", kind="dashed", round=3),
        Restyle(palette="grey", round=3),
        BanArtefact(artefact="crossing_edges", round=3),
        Rename(target_id="box", name="Core", round=4),
    ]
    out = apply_all(spec, edits)
    assert out.element("a").size_hint == "large" and out.element("b").notes == ("draw as a cylinder",)
    assert out.element("c").must_have is False and out.element("c").name == "Gamma"  # demoted, not deleted
    assert out.layout.notes == ("arrange top to bottom",) and out.style.avoid == ("drop shadows",)
    assert LayoutConstraint(kind="same_row", ids=("a", "b")) in out.constraints
    c2 = next(c for c in out.connections if c.id == "c2")
    assert (c2.source, c2.target, c2.kind) == ("b", "a", "dashed")
    assert out.style.palette == "grey" and out.style.banned == ("crossing_edges",)
    assert out.group("box").name == "Core"
    assert [r.action for r in out.history] == [e.action for e in edits]
    assert out.history[0].agent == "critic" and out.history[0].reason == "too small"
    assert out.history[0].target == "elements[a].size_hint" and out.history[0].value == "large"
    assert spec.history == () and spec.element("c").must_have  # the original is untouched


def test_reconnect_without_an_id_adds_a_connection():
    out = apply(make_spec(), Reconnect(source="c", target="a", label="feedback", kind="dashed"))
    added = out.connections[-1]
    assert (added.source, added.target, added.label, added.kind) == ("c", "a", "feedback", "dashed")
    assert added.id not in {c.id for c in make_spec().connections}


def test_a_round_takes_at_most_three_edits():
    spec = make_spec()
    for i in range(MAX_EDITS_PER_ROUND):
        spec = apply(spec, AddLayoutNote(note=f"note {i}", round=1))
    with pytest.raises(SpecEditError, match="round 1 already has 3 edits"):
        apply(spec, AddStyleAvoid(item="gradients", round=1))
    assert apply(spec, AddStyleAvoid(item="gradients", round=2)).style.avoid == ("gradients",)


@pytest.mark.parametrize("edit, message", [
    (ResizeElement(element_id="nope", size_hint="small"), "no element 'nope'"),
    (DemoteElement(element_id="box"), "no element 'box'"),
    (Rename(target_id="ghost", name="X"), "no element or group 'ghost'"),
    (Reconnect(connection_id="c9", target="a"), "no connection 'c9'"),
    (Reconnect(source="a"), "needs a source and a target"),
    (Reconnect(connection_id="c1", target="ghost"), "unknown id 'ghost'"),
    (AddConstraint(constraint=LayoutConstraint(kind="order", ids=("a", "ghost"))), "unknown id"),
    (Restyle(), "changes nothing"),
])
def test_invalid_edits_raise_a_clear_error(edit, message):
    with pytest.raises(SpecEditError, match=message) as caught:
        apply(make_spec(), edit)
    assert isinstance(caught.value, CraftEditorError)


def test_edits_parse_from_json_and_bad_ones_are_refused():
    edit = parse_edit({"action": "ban_artefact", "artefact": "overlap", "agent": "vlm-critic", "round": 2})
    assert isinstance(edit, BanArtefact) and edit.round == 2
    with pytest.raises(SpecEditError, match="not an edit"):
        parse_edit({"action": "delete_element", "element_id": "a"})
    with pytest.raises(SpecEditError, match="not an edit"):
        parse_edit({"action": "ban_artefact", "artefact": "ugly"})
