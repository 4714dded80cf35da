"""The planner: adaptive K, distinct candidates, and specs turned into draw requests."""

from __future__ import annotations

import pytest
from PIL import Image

from crafteditor.generate import graph as g
from crafteditor.generate.edits import AddLayoutNote, BanArtefact, DemoteElement, ResizeElement, Restyle, apply
from crafteditor.generate.intent import add_key_elements, read_intent
from crafteditor.generate.plan import DENSITIES, PALETTES, candidate_count, draw_request, plan, propose
from crafteditor.generate.spec import Element, InputCondition
from crafteditor.model.errors import InputError
from crafteditor.model.kinds import ShapeKind

PIPELINE = "Tokenizer → Embedding → Transformer → Classifier"
NESTED = ("The model consists of an encoder and a decoder. "
          "The encoder consists of a self-attention layer and a feed-forward layer.")


def test_k_is_adaptive_as_upstream():
    assert candidate_count(read_intent(PIPELINE)) == 3
    assert candidate_count(read_intent(PIPELINE, style="poster")) == 4
    assert candidate_count(read_intent(PIPELINE, condition=InputCondition.SKETCH)) == 2
    pinned = apply(read_intent(PIPELINE), Restyle(visual_style="flowchart"))
    assert candidate_count(pinned) == 1 and propose(pinned)[0].visual_style == "flowchart"
    assert candidate_count(read_intent(PIPELINE), override=5) == 5
    with pytest.raises(ValueError, match="at least 1"):
        candidate_count(read_intent(PIPELINE), override=0)


@pytest.mark.parametrize("text, style, k", [(PIPELINE, "academic", None), (NESTED, "academic", 5),
                                            ("A poster with three panels: Motivation, Method, Results.", "poster", None)])
def test_k_candidates_give_k_distinct_requests(text, style, k):
    spec = read_intent(text, style=style)
    planned = plan(spec, k)
    assert len(planned) == candidate_count(spec, k)
    requests = [r for _, r in planned]
    looks = {(r.direction, r.routing, r.spacing_px, r.palette, len(r.nodes)) for r in requests}
    assert len(looks) == len(requests)
    assert len({c.visual_style for c, _ in planned}) >= min(len(planned), 3)
    for request in requests:
        assert request.spacing_px in DENSITIES.values() and request.palette in PALETTES.values()


def test_a_request_carries_the_spec():
    spec = read_intent(NESTED)
    request = draw_request(spec, propose(spec)[0])
    by_id = {n.id: n for n in request.nodes}
    assert {n.label for n in request.nodes} == {"Model", "Encoder", "Decoder", "Self-attention layer",
                                                 "Feed-forward layer"}
    assert by_id["self-attention-layer"].parent_id == "encoder" and by_id["encoder"].parent_id == "model"
    order = [n.id for n in request.nodes]
    assert order.index("model") < order.index("encoder")  # containers before what they hold
    assert {(e.source, e.target) for e in request.edges} == {(c.source, c.target) for c in spec.connections}
    assert g.Constraint("same_row", ("encoder", "decoder")) in request.constraints
    assert request.direction == g.Direction.RIGHT and request.title == ""


def test_demoted_and_resized_elements_are_drawn_as_the_spec_says():
    spec = read_intent(PIPELINE)
    spec = apply(spec, DemoteElement(element_id="embedding", round=1))
    spec = apply(spec, ResizeElement(element_id="transformer", size_hint="large", round=1))
    nodes = {n.id: n for n in draw_request(spec, propose(spec)[0]).nodes}
    assert nodes["embedding"].secondary and not nodes["embedding"].emphasis
    assert nodes["tokenizer"].emphasis and not nodes["tokenizer"].secondary  # a must-have beside an optional one
    assert nodes["transformer"].emphasis and nodes["transformer"].min_wh_px > nodes["tokenizer"].min_wh_px


def test_what_the_spec_fixes_holds_in_every_candidate():
    spec = read_intent(PIPELINE)
    for edit in (AddLayoutNote(note="arrange the stages top to bottom"), BanArtefact(artefact="crossing_edges"),
                 BanArtefact(artefact="overlap")):
        spec = apply(spec, edit)
    for candidate, request in plan(spec):
        assert request.direction == g.Direction.DOWN  # the layout note reaches every plan
        assert request.routing == g.Routing.ORTHOGONAL
    assert all(c.density == "airy" for c in propose(spec, 1))
    greyed = apply(spec, Restyle(palette="grey", round=2))
    assert {r.palette for _, r in plan(greyed)} == {PALETTES["grey"]}


def test_a_user_direction_is_kept_while_other_choices_vary():
    spec = read_intent(f"{PIPELINE}, top to bottom")
    planned = plan(spec)
    assert {r.direction for _, r in planned} == {g.Direction.DOWN}
    assert len({(c.routing, c.density, c.palette) for c, _ in planned}) == len(planned)


def test_grouping_is_dropped_only_when_no_group_carries_content():
    loose = read_intent("The web system has:\n- a browser client\n- an API server\n- a database")
    for candidate in propose(loose, 4):  # a named container is content: every plan draws it
        request = draw_request(loose, candidate)
        assert next(n for n in request.nodes if n.label == "API server").parent_id == "web-system"
    assert next(n for n in request.nodes if n.label == "Database").shape == ShapeKind.CYLINDER
    unnamed = loose.model_copy(update={"groups": tuple(g_.model_copy(update={"name": ""}) for g_ in loose.groups)})
    flat = next(c for c in propose(unnamed, 4) if not c.grouping)
    assert all(n.parent_id is None for n in draw_request(unnamed, flat).nodes)
    tied = read_intent("The backend consists of an API and a queue. The client feeds the backend.")
    for candidate in propose(tied.model_copy(update={"groups": tuple(
            g_.model_copy(update={"name": ""}) for g_ in tied.groups)}), 4):
        assert any(n.id == "backend" for n in draw_request(tied, candidate).nodes)


def test_a_question_is_a_decision_diamond():
    spec = read_intent("Start → Is the input valid? → Process")
    shapes = {n.label: n.shape for n in draw_request(spec, propose(spec)[0]).nodes}
    assert shapes["Is the input valid?"] == ShapeKind.DIAMOND and shapes["Start"] != ShapeKind.DIAMOND


def test_poster_titles_are_drawn_in_larger_type():
    spec = read_intent('A poster titled "Graph Learning": Motivation → Method → Results', style="poster")
    request = draw_request(spec, propose(spec)[0])
    assert request.title == "Graph Learning" and request.typography.size_px > g.Typography().size_px


def test_key_elements_become_icons_and_pinned_boxes_stay(tmp_path):
    icon = tmp_path / "microscope.png"
    Image.new("RGB", (8, 8), (200, 30, 30)).save(icon)
    spec = add_key_elements(read_intent("The microscope feeds the segmenter."), [icon])
    pinned = spec.model_copy(update={"elements": tuple(
        e.model_copy(update={"xyxy": (10.0, 20.0, 110.0, 70.0)}) if e.name == "Segmenter" else e
        for e in spec.elements)})
    request = draw_request(pinned, propose(pinned)[0])
    scope = next(n for n in request.nodes if n.label == "Microscope")
    assert scope.icon_png == icon.read_bytes()
    assert request.pinned_xyxy == (("segmenter", (10.0, 20.0, 110.0, 70.0)),)


def test_a_missing_key_element_picture_is_an_input_error(tmp_path):
    spec = read_intent("A -> B").model_copy(update={"elements": (
        Element(id="a", name="A", image_path=str(tmp_path / "gone.png")), Element(id="b", name="B"))})
    spec = spec.model_copy(update={"connections": ()})
    with pytest.raises(InputError):
        draw_request(spec, propose(spec)[0])
