"""The generation loop with a model critic and an image model, through the real openai client
and the scripted local server: good answers join in, malformed and failing ones fall back to
the offline roles, and the trace records which."""

from __future__ import annotations

import pytest

from checkers.render import render_file
from crafteditor.generate.draw import render_svg
from crafteditor.generate.edits import AddLayoutNote, AddStyleAvoid, apply_all
from crafteditor.generate.imagegen import image_prompt
from crafteditor.generate.intent import read_intent
from crafteditor.generate.plan import plan
from crafteditor.generate.run import generate
from crafteditor.vlm.config import VlmConfig
from tests.openai_server import Step, answer, http_error, image, malformed, scripted_server

INSTRUCTION = "Encoder → Decoder → Head."
INTENT = {"components": [{"name": "Encoder"}, {"name": "Decoder"}, {"name": "Head"}],
          "connections": [{"source": "Encoder", "target": "Decoder"}, {"source": "Decoder", "target": "Head"}],
          "direction": "right"}
PLAN = {"candidates": [{"visual_style": "block_diagram", "direction": "right", "routing": "orthogonal",
                        "density": "normal", "palette": "grey", "grouping": True}]}
ADVICE = "Spread the three boxes further apart"
LOW = {"scores": {"content": 9, "layout": 0, "text": 5, "aesthetic": 0, "role": 8, "artefact": 9},
       "issues": [{"axis": "layout", "message": ADVICE, "labels": ["Decoder"]}]}
HIGH = {"scores": {"content": 10, "layout": 9, "text": 9, "aesthetic": 9, "role": 9, "artefact": 10}, "issues": []}


@pytest.fixture()
def server():
    with scripted_server() as srv:
        yield srv


def config(server, model: str = "test-model") -> VlmConfig:
    return VlmConfig(server.base_url, "test-key", model, timeout_s=10.0, max_attempts=2, retry_wait_s=0.0)


def test_the_model_critic_joins_its_scores_and_its_advice_becomes_a_logged_edit(server):
    server.push(answer(INTENT), answer(PLAN), answer(LOW), answer(HIGH))
    result = generate(INSTRUCTION, vlm=config(server), candidates=1, rounds=1, ocr=None)
    design, refine = result.trace.rounds
    assert design.decision == "best"  # the model's low layout score keeps it from shipping
    assert design.candidates[0].score("layout") < 7.0  # the mean of the offline score and the model's 2
    assert any(e.action == "add_layout_note" and e.value == ADVICE and e.agent == "critic" for e in refine.edits)
    assert ADVICE in result.spec.layout.notes and refine.decision == "improved"  # the best keeps the advice
    critics = [c for c in result.trace.calls if c.role == "critic"]
    assert [c.mode for c in critics] == ["vlm", "vlm"] and [c.round for c in critics] == [0, 1]
    assert {c.role: c.mode for c in result.trace.calls}["intent"] == "vlm"
    sent = server.requests[2]["messages"][1]["content"]
    assert any(p["type"] == "image_url" for p in sent) and "Decoder" in sent[0]["text"]


def test_a_malformed_critic_answer_is_asked_again_then_the_offline_critic_stands(server):
    server.push(answer(INTENT), answer(PLAN), malformed(), malformed('{"scores": {"content": 42}}'))
    result = generate(INSTRUCTION, vlm=config(server), candidates=1, rounds=1, ocr=None)
    critic = next(c for c in result.trace.calls if c.role == "critic")
    assert critic.mode == "fallback" and critic.attempts == 2 and "critic" in critic.error
    assert not [d for d in result.critique.defects if d.code.startswith("vlm-")]
    assert result.trace.rounds[0].decision == "ship"  # the offline critique alone ships it


def test_a_failing_endpoint_leaves_every_role_offline_and_says_so(server):
    server.push(*[http_error(500)] * 6)
    result = generate(INSTRUCTION, vlm=config(server), candidates=1, rounds=1, ocr=None)
    modes = {c.role: (c.mode, c.error) for c in result.trace.calls}
    assert {role: mode for role, (mode, _e) in modes.items()} == {"intent": "fallback", "planner": "fallback",
                                                                  "critic": "fallback"}
    assert all("HTTP 500" in error for _m, error in modes.values())
    assert {e.name for e in result.spec.elements} == {"Encoder", "Decoder", "Head"}  # read offline


def _painted() -> bytes:
    """A figure as an image model might paint it: the offline drawing, rasterised."""
    spec = read_intent(INSTRUCTION)
    return render_file(render_svg(plan(spec, 1)[0][1]), "png", scale=2.0)


def test_an_image_model_paints_the_plan_and_convert_makes_it_editable(server):
    server.push(image(_painted()))
    result = generate(INSTRUCTION, image_model=config(server, "paint-model"), candidates=1, rounds=0, ocr=None)
    drawn = result.trace.rounds[0].candidates[0]
    assert drawn.executor == "image-model" and "paint-model" in drawn.note
    assert server.paths == ["/v1/images/generations"] and server.requests[0]["model"] == "paint-model"
    assert "Encoder" in server.requests[0]["prompt"] and "Decoder -> Head" in server.requests[0]["prompt"]
    assert result.critique.labels_found == 3  # the converted raster's text is real text
    assert "<text" in result.svg and 'inkscape:groupmode="layer"' in result.svg
    assert [c.mode for c in result.trace.calls if c.role == "image-model"] == ["vlm"]


@pytest.mark.parametrize("steps", [
    [Step("%%% not base64 %%%")] * 2,  # malformed twice: asked again, then offline
    [image(b"GIF89a but not an image at all")],  # decodes, but is no image: convert refuses it
    [http_error(500)] * 2,
], ids=["malformed", "not-an-image", "failing"])
def test_an_image_model_that_fails_falls_back_to_the_offline_executor(server, steps):
    server.push(*steps)
    result = generate(INSTRUCTION, image_model=config(server, "paint-model"), candidates=1, rounds=0, ocr=None)
    drawn = result.trace.rounds[0].candidates[0]
    assert drawn.executor == "offline" and "image model paint-model failed" in drawn.note
    assert [c.mode for c in result.trace.calls if c.role == "image-model"] == ["fallback"]
    assert result.critique.labels_found == 3 and result.critique.connections_found == 2
    assert server.pending() == 0


def test_the_image_prompt_carries_layout_notes_and_avoid_items():
    spec = read_intent(INSTRUCTION)
    spec = apply_all(spec, [AddLayoutNote(note="keep the decoder in the middle", agent="critic"),
                            AddStyleAvoid(item="drop shadows", agent="critic")])
    prompt = image_prompt(spec, plan(spec, 1)[0][1])
    assert "keep the decoder in the middle" in prompt and "drop shadows" in prompt
    assert "- Encoder -> Decoder" in prompt and "left to right" in prompt
