"""The intent and planner roles through the real openai client and the scripted local server."""

from __future__ import annotations

import pytest

from crafteditor.generate import graph as g
from crafteditor.generate.edits import AddLayoutNote, apply
from crafteditor.generate.intent import read_intent
from crafteditor.generate.plan import propose
from crafteditor.generate.roles import propose_with, read_intent_with
from crafteditor.vlm import templates
from crafteditor.vlm.client import VlmClient
from crafteditor.vlm.config import VlmConfig
from tests.openai_server import answer, http_error, malformed, scripted_server

INSTRUCTION = "A retrieval pipeline: the query encoder feeds the retriever, which feeds the ranker."
GOOD_INTENT = {
    "title": "Retrieval",
    "components": [
        {"name": "Query encoder"}, {"name": "Retriever", "parent": "Search stack"},
        {"name": "Ranker", "parent": "Search stack", "realization": "box", "placement": "right"},
        {"name": "Search stack"}, {"name": "Index", "realization": "icon"},
    ],
    "connections": [
        {"source": "Query encoder", "target": "Retriever"}, {"source": "Retriever", "target": "Ranker"},
        {"source": "Index", "target": "Retriever", "label": "documents", "kind": "dashed"},
    ],
    "direction": "right",
}
GOOD_PLAN = {"candidates": [
    {"visual_style": "flowchart", "direction": "down", "routing": "orthogonal", "density": "compact",
     "palette": "blues", "grouping": True, "rationale": "a vertical flow"},
    {"visual_style": "flowchart", "direction": "down", "routing": "orthogonal", "density": "compact",
     "palette": "blues", "grouping": True, "rationale": "the same again"},
]}


@pytest.fixture()
def server():
    with scripted_server() as srv:
        yield srv


def make_client(server) -> VlmClient:
    return VlmClient(VlmConfig(server.base_url, "test-key", "test-model", timeout_s=5.0, retry_wait_s=0.0))


def user_text(request: dict) -> str:
    return " ".join(p["text"] for m in request["messages"] if m["role"] == "user"
                    for p in (m["content"] if isinstance(m["content"], list) else [{"text": m["content"]}]))


def test_a_good_intent_answer_becomes_the_spec(server):
    server.push(answer(GOOD_INTENT))
    spec, call = read_intent_with(make_client(server), INSTRUCTION, "Paper text about search.", caption="Fig. 1: x")
    assert call.mode == "vlm" and call.attempts == 1 and call.prompt_tokens == 50
    assert {e.name for e in spec.elements} == {"Query encoder", "Retriever", "Ranker", "Index"}
    assert [(grp.name, grp.members) for grp in spec.groups] == [("Search stack", ("retriever", "ranker"))]
    index = next(c for c in spec.connections if c.source == "index")
    assert (index.target, index.label, index.kind) == ("retriever", "documents", "dashed")
    assert spec.element("index").realization == "icon" and spec.direction() == "right"
    assert spec.title == "Retrieval" and spec.instruction == INSTRUCTION
    prompt = user_text(server.requests[0])
    assert INSTRUCTION in prompt and "Paper text about search." in prompt and "$" not in prompt


def test_a_malformed_intent_answer_is_asked_again_with_the_error(server):
    server.push(malformed('{"components": [{"name": "A"'), answer(GOOD_INTENT))
    spec, call = read_intent_with(make_client(server), INSTRUCTION)
    assert call.mode == "vlm" and call.attempts == 2 and len(server.requests) == 2
    retry = server.requests[1]["messages"][-1]["content"]
    assert "could not be used" in retry and len(spec.elements) == 4


def test_an_answer_naming_unlisted_components_is_asked_again(server):
    bad = GOOD_INTENT | {"connections": [{"source": "Query encoder", "target": "Reranker"}]}
    server.push(answer(bad), answer(GOOD_INTENT))
    spec, call = read_intent_with(make_client(server), INSTRUCTION)
    assert call.attempts == 2 and "Reranker" in server.requests[1]["messages"][-1]["content"]
    assert "reranker" not in {e.id for e in spec.elements}


def test_a_failing_model_falls_back_to_the_offline_reading(server):
    server.push(http_error(500), http_error(500), http_error(500))
    spec, call = read_intent_with(make_client(server), INSTRUCTION)
    assert call.mode == "fallback" and call.attempts == 3 and "HTTP 500" in call.error
    assert spec == read_intent(INSTRUCTION)
    assert {e.name for e in spec.elements} == {"Query encoder", "Retriever", "Ranker"}


def test_without_a_client_the_roles_ask_nothing(server):
    spec, call = read_intent_with(None, INSTRUCTION)
    candidates, plan_call = propose_with(None, spec)
    assert call.mode == plan_call.mode == "offline" and server.requests == []
    assert candidates == propose(spec)


def test_planner_answers_are_kept_distinct_fitted_and_topped_up(server):
    spec = apply(read_intent(INSTRUCTION), AddLayoutNote(note="lay it out left to right"))
    server.push(answer(GOOD_PLAN))
    candidates, call = propose_with(make_client(server), spec, 3)
    assert call.mode == "vlm" and len(candidates) == 3
    assert candidates[0].visual_style == "flowchart" and candidates[0].palette == "blues"
    assert all(c.direction == g.Direction.RIGHT for c in candidates)  # the note wins over the model
    assert len({c.key() for c in candidates}) == 3  # the duplicate was dropped, offline ones filled in
    prompt = user_text(server.requests[0])
    assert "Query encoder -> Retriever" in prompt and "direction: right" in prompt


def test_a_planner_that_keeps_failing_gives_the_offline_candidates(server):
    bad = {"candidates": [{"visual_style": "sculpture", "direction": "down", "routing": "orthogonal",
                           "density": "compact", "palette": "blues"}]}
    server.push(answer(bad), malformed("not json"), answer({"candidates": []}))
    spec = read_intent(INSTRUCTION)
    candidates, call = propose_with(make_client(server), spec)
    assert call.mode == "fallback" and call.attempts == 3 and call.error
    assert candidates == propose(spec)


def test_the_generation_prompts_render_strictly():
    assert {"intent", "planner"} <= set(templates.names())
    text = templates.render("intent", style="poster", instruction="A -> B", caption="", context="")
    assert "poster" in text and "A -> B" in text and "$" not in text
    with pytest.raises(KeyError):
        templates.render("planner", k=3, spec="{}", fixed="- nothing", styles="a")
