"""The conversion loop with a VLM behind a scripted OpenAI-compatible server on
127.0.0.1: the real client, real JSON parsing, and the harness's fallbacks.

Every conversion asks text recovery first (the figure has no icon, so no
designer call), then the critic once per verified round.
"""

from __future__ import annotations

import json
import re

import pytest

from crafteditor.loop.harness import LoopConfig
from crafteditor.pipeline import convert
from crafteditor.vlm.config import VlmConfig
from tests.drawing import render
from tests.openai_server import answer, http_error, malformed, scripted_server, slow

BODY = ('<rect x="30" y="50" width="150" height="70" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>'
        '<rect x="300" y="50" width="150" height="70" fill="#fde2c8" stroke="#c55a11" stroke-width="2"/>'
        '<text x="105" y="92" font-family="Liberation Sans" font-size="18" text-anchor="middle">Encoder</text>'
        '<text x="375" y="92" font-family="Liberation Sans" font-size="18" text-anchor="middle">Decoder</text>'
        '<path d="M180,85 L292,85" stroke="#333" stroke-width="2"/><path d="M300,85 L288,79 L288,91 z" fill="#333"/>')
SOURCE = render(BODY, 480, 170)
LOOP = LoopConfig(design_rounds=1, refine_rounds=1)
CRITIQUE = {"scores": {"position": 8, "colour": 9, "text": 9, "icon": 10, "arrow": 7, "style": 8, "overall": 8},
            "issues": [{"aspect": "arrow", "element_id": None, "message": "the arrow looks thin", "fix": "none"}]}


@pytest.fixture(scope="module")
def offline():
    return convert(SOURCE, loop=LOOP)


def _label_id(conversion, text: str) -> str:
    return next(e.id for e in conversion.scene.texts if e.text.string == text)


def _vlm(server, **options) -> VlmConfig:
    settings = {"timeout_s": 5.0, "retry_wait_s": 0.0, "max_attempts": 2, "cache_dir": None} | options
    return VlmConfig(server.base_url, "test-key", "test-model", **settings)


def _notes(conversion) -> list[str]:
    return [n for r in conversion.report["loop"]["rounds"] for n in r["notes"]]


def test_good_answers_fix_the_text_and_the_critic_findings_enter_the_trace(offline):
    fix = {"fixes": [{"element_id": _label_id(offline, "Decoder"), "text": "Decoder v2"}]}
    with scripted_server([answer(fix, 120, 15), answer(CRITIQUE, 300, 40)]) as server:
        result = convert(SOURCE, loop=LOOP, vlm=_vlm(server))
        requests = list(server.requests)
    assert "Decoder v2" in result.svg and "Decoder v2" not in offline.svg
    assert requests[0]["model"] == "test-model"
    assert any(part.get("type") == "image_url" for m in requests[0]["messages"]
               if isinstance(m.get("content"), list) for part in m["content"])
    notes = _notes(result)
    assert "text_recovery: vlm, 1 attempt(s)" in notes and "critic: vlm, 1 attempt(s)" in notes
    first = result.report["loop"]["rounds"][0]
    assert ["critic-arrow", 1] in first["findings"]
    assert result.report["loop"]["tokens"] >= 120 + 15 + 300 + 40


def test_malformed_json_is_asked_again_with_the_error(offline):
    fix = {"fixes": [{"element_id": _label_id(offline, "Encoder"), "text": "Encoder!"}]}
    with scripted_server([malformed('{"fixes": [ oops'), answer(fix), answer(CRITIQUE)]) as server:
        result = convert(SOURCE, loop=LOOP, vlm=_vlm(server))
        second = json.dumps(server.requests[1]["messages"])
    assert "Encoder!" in result.svg
    assert "text_recovery: vlm, 2 attempt(s)" in _notes(result)
    assert re.search(r"(?i)json|invalid|expect", second)


def test_a_schema_violation_is_asked_again_then_accepted(offline):
    bad = dict(CRITIQUE, scores=dict(CRITIQUE["scores"], overall=14))
    with scripted_server([answer({"fixes": []}), answer(bad), answer(CRITIQUE)]) as server:
        result = convert(SOURCE, loop=LOOP, vlm=_vlm(server))
        retry = json.dumps(server.requests[2]["messages"])
    assert "critic: vlm, 2 attempt(s)" in _notes(result)
    assert "overall" in retry and "10" in retry


def test_http_errors_fall_back_to_the_offline_roles_and_say_so(offline):
    with scripted_server([http_error(500)] * 8) as server:
        result = convert(SOURCE, loop=LOOP, vlm=_vlm(server))
    notes = _notes(result)
    assert any(n.startswith("text_recovery: fallback, 2 attempt(s)") and "500" in n for n in notes)
    assert any(n.startswith("critic: fallback") for n in notes)
    assert result.svg == offline.svg  # the offline roles' result, not a blank one


def test_a_slow_answer_past_the_timeout_falls_back(offline):
    late = slow(3.0, {"fixes": []})
    with scripted_server([late, late, late, late]) as server:
        result = convert(SOURCE, loop=LOOP, vlm=_vlm(server, timeout_s=0.4, max_attempts=1))
    notes = _notes(result)
    assert any(n.startswith("text_recovery: fallback") and "tim" in n.lower() for n in notes)
    assert result.svg == offline.svg


def test_without_a_vlm_every_role_is_offline_and_spends_nothing(offline):
    assert offline.report["loop"]["tokens"] == 0
    assert _notes(offline) == []
