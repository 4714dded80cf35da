"""The VLM client and roles, through the real openai client and a scripted local server."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from crafteditor.model.fixes import AddElement, Move, ShrinkFont, SnapEndpoint
from crafteditor.model.scene import Box, Element, Kind, Scene, TextContent, TextLine
from crafteditor.vlm import templates
from crafteditor.vlm.client import VlmClient
from crafteditor.vlm.config import VlmConfig, VlmConfigError, resolve
from crafteditor.vlm.roles import critique, design, recover_text
from crafteditor.vlm.schemas import Critique, DesignPlan, TextFix
from tests.openai_server import answer, http_error, malformed, scripted_server, slow

REPO_ROOT = Path(__file__).resolve().parents[1]
ENV_NAMES = (
    "CRAFTEDITOR_VLM_BASE_URL", "OPENAI_BASE_URL", "CRAFTEDITOR_VLM_API_KEY", "OPENAI_API_KEY",
    "CRAFTEDITOR_VLM_MODEL", "CRAFTEDITOR_CACHE_DIR",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
)
SCORES = {"position": 8, "colour": 9, "text": 7, "icon": 6, "arrow": 5, "style": 8, "overall": 7}
GOOD_CRITIQUE = {"scores": SCORES, "issues": []}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture()
def server():
    """A scripted server with an empty script; tests ``push`` their steps."""
    with scripted_server() as srv:
        yield srv


def make_client(server, **options) -> VlmClient:
    settings = {"timeout_s": 5.0, "retry_wait_s": 0.0, "cache_dir": None} | options
    return VlmClient(VlmConfig(server.base_url, "test-key", "test-model", **settings))


def figure_rgb(w: int = 200, h: int = 120) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def text_element(eid: str, box: Box, *lines: str) -> Element:
    text_lines = tuple(TextLine(t, box, box.y1 - 2) for t in lines)
    return Element(eid, Kind.TEXT, box, text=TextContent(text_lines))


def make_scene() -> Scene:
    return Scene((200, 120), elements=(
        Element("shape-0001", Kind.SHAPE, Box(5, 5, 60, 40)),
        Element("icon-0001", Kind.ICON, Box(100, 10, 140, 50)),
        Element("icon-0002", Kind.ICON, Box(150, 60, 190, 100)),
        text_element("text-0001", Box(10, 70, 80, 82), "Encodr"),
        text_element("text-0002", Box(10, 90, 90, 110), "Decoder", "layer"),
    ))


def user_parts(request: dict) -> list[dict]:
    return next(m for m in request["messages"] if m["role"] == "user")["content"]


def sent_images(request: dict) -> list[np.ndarray]:
    urls = [p["image_url"]["url"] for p in user_parts(request) if p["type"] == "image_url"]
    assert all(u.startswith("data:image/png;base64,") for u in urls)
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(u.split(",", 1)[1])))) for u in urls]


def prompt_text(request: dict) -> str:
    return next(p["text"] for p in user_parts(request) if p["type"] == "text")


# -- the roles, answered well ---------------------------------------------------


def test_design_keeps_advice_and_captions_for_listed_icons_only(server):
    server.push(answer({
        "regions": [
            {"element_id": "icon-0001", "action": "raster", "reason": "a photograph"},
            {"element_id": "icon-9999", "action": "lift", "reason": "invented"},
            {"element_id": "shape-0001", "action": "raster", "reason": "not an icon"},
        ],
        "captions": [{"element_id": "icon-0002", "caption": "microscope"}],
    }, prompt_tokens=321, completion_tokens=45))
    plan, call = design(make_client(server, max_image_px=64), figure_rgb(), make_scene())

    assert [(r.element_id, r.action) for r in plan.regions] == [("icon-0001", "raster")]
    assert [(c.element_id, c.caption) for c in plan.captions] == [("icon-0002", "microscope")]
    assert (call.role, call.mode, call.attempts, call.cached, call.error) == ("designer", "vlm", 1, False, None)
    assert (call.prompt_tokens, call.completion_tokens) == (321, 45)
    request = server.requests[0]
    assert request["model"] == "test-model"
    assert request["response_format"] == {"type": "json_object"}
    assert "icon-0001" in prompt_text(request) and "100,10,140,50" in prompt_text(request)
    assert "text-0001" not in prompt_text(request)
    whole, *crops = sent_images(request)
    assert whole.shape == (38, 64, 3)  # 200x120 shrunk to a 64 px long side
    assert len(crops) == 2 and all(c.shape[2] == 3 for c in crops)
    system = next(m for m in request["messages"] if m["role"] == "system")["content"]
    assert '"captions"' in system and "JSON Schema" in system


def test_recover_text_accepts_real_changes_to_known_labels(server):
    server.push(answer({"fixes": [
        {"element_id": "text-0001", "text": "Encoder"},
        {"element_id": "text-0002", "text": "Decoder\nlayer"},  # unchanged
        {"element_id": "text-0077", "text": "ghost"},  # no such label
        {"element_id": "icon-0001", "text": "not a label"},
    ]}))
    fix, call = recover_text(make_client(server), figure_rgb(), make_scene())

    assert [(f.element_id, f.text) for f in fix.fixes] == [("text-0001", "Encoder")]
    assert call.mode == "vlm" and call.role == "text_recovery"
    request = server.requests[0]
    crops = sent_images(request)
    assert len(crops) == 2 and min(c.shape[0] for c in crops) >= 32
    assert '"Encodr"' in prompt_text(request) and '"Decoder / layer"' in prompt_text(request)


def test_critique_issues_become_located_findings(server):
    server.push(answer({"scores": SCORES, "issues": [
        {"aspect": "text", "element_id": "text-0001", "message": "label overflows its box",
         "fix": "shrink_font", "params": {"scale": 0.8}},
        {"aspect": "color", "element_id": None, "message": "background too dark", "fix": "none"},
        {"aspect": "arrow", "element_id": "conn-0404", "message": "invented id", "fix": "move",
         "params": {"dx_px": 3, "dy_px": 0}},
        {"aspect": "arrow", "element_id": "shape-0001", "message": "end off", "fix": "snap_endpoint",
         "params": {"x": 12, "end": "head", "y": 4.5}},
        {"aspect": "icon", "message": "logo missing", "fix": "add_element",
         "params": {"x1": 40, "y1": 30, "x0": 20, "y0": 10, "kind": "icon"}},
    ]}))
    result, findings, call = critique(make_client(server), figure_rgb(), figure_rgb(), make_scene())

    assert isinstance(result, Critique) and result.scores.overall == 7 and len(result.issues) == 4
    assert [f.code for f in findings] == ["critic-text", "critic-colour", "critic-arrow", "critic-icon"]
    assert all(f.severity == "warning" for f in findings)
    assert findings[0].fix == ShrinkFont(0.8) and findings[0].element_id == "text-0001"
    assert findings[0].box == Box(10, 70, 80, 82)
    assert findings[1].fix is None and findings[1].element_id is None and findings[1].box is None
    assert findings[2].fix == SnapEndpoint("head", (12.0, 4.5))
    assert findings[3].fix == AddElement((20.0, 10.0, 40.0, 30.0))  # a name add_element does not take is left out
    assert call.mode == "vlm" and len(sent_images(server.requests[0])) == 2


def test_fenced_json_is_accepted(server):
    server.push(answer("```json\n" + json.dumps(GOOD_CRITIQUE) + "\n```"))
    result, _, call = critique(make_client(server), figure_rgb(), figure_rgb(), make_scene())
    assert result is not None and result.scores.position == 8 and call.attempts == 1


def test_offline_roles_make_no_request(server):
    image, scene = figure_rgb(), make_scene()
    plan, call = design(None, image, scene)
    fix, text_call = recover_text(None, image, scene)
    result, findings, critic_call = critique(None, image, image, scene)
    assert plan.regions == [] and plan.captions == [] and fix.fixes == []
    assert result is None and findings == []
    assert {c.mode for c in (call, text_call, critic_call)} == {"offline"}
    assert call.attempts == 0 and call.error is None
    assert server.requests == []


def test_a_role_with_nothing_to_ask_stays_offline(server):
    no_icons = make_scene().filter(lambda e: e.kind is not Kind.ICON)
    plan, call = design(make_client(server), figure_rgb(), no_icons)
    assert call.mode == "offline" and plan == DesignPlan() and server.requests == []


def test_bad_images_are_bugs_and_raise(server):
    with pytest.raises(ValueError, match="HWC uint8 RGB"):
        design(make_client(server), figure_rgb().astype(np.float32), make_scene())
    with pytest.raises(TypeError):
        make_client(server).ask("designer", "p", [figure_rgb()], dict)  # type: ignore[arg-type]
    assert server.requests == []


# -- re-asking, retrying, falling back --------------------------------------------


def test_malformed_json_is_reasked_with_the_error(server):
    server.push(malformed('{"fixes": [', prompt_tokens=100, completion_tokens=7),
                answer({"fixes": [{"element_id": "text-0001", "text": "Encoder"}]},
                       prompt_tokens=130, completion_tokens=9))
    fix, call = recover_text(make_client(server), figure_rgb(), make_scene())

    assert [f.text for f in fix.fixes] == ["Encoder"]
    assert (call.mode, call.attempts, call.error) == ("vlm", 2, None)
    assert (call.prompt_tokens, call.completion_tokens) == (230, 16)
    second = server.requests[1]["messages"]
    assert second[-2] == {"role": "assistant", "content": '{"fixes": ['}
    assert second[-1]["role"] == "user" and "Invalid JSON" in second[-1]["content"]
    assert len(sent_images(server.requests[1])) == 2  # the question is asked whole again


def test_schema_violation_is_reasked_with_the_error(server):
    server.push(answer({"scores": SCORES | {"overall": 14}, "issues": []}), answer(GOOD_CRITIQUE))
    result, _, call = critique(make_client(server), figure_rgb(), figure_rgb(), make_scene())

    assert result is not None and result.scores.overall == 7
    assert call.attempts == 2 and call.mode == "vlm"
    retry = server.requests[1]["messages"][-1]["content"]
    assert "scores.overall" in retry and "less than or equal to 10" in retry


def test_a_fix_without_the_parameters_its_type_takes_is_reasked_with_the_error(server):
    lacking = {"aspect": "position", "element_id": "shape-0001", "message": "box off", "fix": "move",
               "params": {"dx": 4}}
    whole = lacking | {"params": {"dx_px": 4, "dy_px": 0}}
    server.push(answer({"scores": SCORES, "issues": [lacking]}), answer({"scores": SCORES, "issues": [whole]}))
    result, findings, call = critique(make_client(server), figure_rgb(), figure_rgb(), make_scene())

    assert call.attempts == 2 and [f.fix for f in findings] == [Move(4.0, 0.0)]
    retry = server.requests[1]["messages"][-1]["content"]
    assert "move takes dx_px, dy_px" in retry


def test_http_500_is_retried(server):
    server.push(http_error(500), answer(GOOD_CRITIQUE, prompt_tokens=70, completion_tokens=20))
    result, _, call = critique(make_client(server), figure_rgb(), figure_rgb(), make_scene())

    assert result is not None and call.mode == "vlm" and call.attempts == 2
    assert (call.prompt_tokens, call.completion_tokens) == (70, 20)
    assert len(server.requests) == 2
    assert server.requests[0]["messages"] == server.requests[1]["messages"]  # no answer to correct


def test_three_failures_fall_back_to_offline_with_the_error(server):
    server.push(malformed(prompt_tokens=40, completion_tokens=5), http_error(503),
                answer({"scores": SCORES | {"text": -1}, "issues": []}, prompt_tokens=60, completion_tokens=6),
                answer(GOOD_CRITIQUE))
    result, findings, call = critique(make_client(server), figure_rgb(), figure_rgb(), make_scene())

    assert result is None and findings == []
    assert (call.mode, call.attempts) == ("fallback", 3)
    assert call.error is not None and "\n" not in call.error
    assert "3 attempts failed" in call.error and "scores.text" in call.error
    assert (call.prompt_tokens, call.completion_tokens) == (100, 11)
    assert len(server.requests) == 3 and server.pending() == 1


def test_client_errors_are_not_retried(server):
    server.push(http_error(400), answer({"fixes": []}))
    fix, call = recover_text(make_client(server), figure_rgb(), make_scene())
    assert fix == TextFix() and call.mode == "fallback" and call.attempts == 1
    assert "HTTP 400" in call.error and len(server.requests) == 1


def test_a_slow_answer_times_out_and_is_retried(server):
    server.push(slow(2.0, GOOD_CRITIQUE), answer(GOOD_CRITIQUE))
    started = time.monotonic()
    result, _, call = critique(make_client(server, timeout_s=0.5), figure_rgb(), figure_rgb(), make_scene())

    assert result is not None and call.mode == "vlm" and call.attempts == 2
    assert time.monotonic() - started < 1.8


def test_only_slow_answers_fall_back_quickly():
    started = time.monotonic()
    with scripted_server([slow(5.0, GOOD_CRITIQUE), slow(5.0, GOOD_CRITIQUE)]) as srv:
        _, _, call = critique(make_client(srv, timeout_s=0.4, max_attempts=2),
                              figure_rgb(), figure_rgb(), make_scene())
    assert call.mode == "fallback" and call.attempts == 2
    assert "APITimeoutError" in call.error and len(srv.requests) == 2
    assert time.monotonic() - started < 3.0  # the server stopped without waiting out its delays


# -- the cache ---------------------------------------------------------------


def test_a_cached_answer_makes_no_request(server, tmp_path):
    server.push(answer(GOOD_CRITIQUE, prompt_tokens=90, completion_tokens=30))
    image, scene = figure_rgb(), make_scene()
    first = critique(make_client(server, cache_dir=tmp_path), image, image, scene)[2]
    second = critique(make_client(server, cache_dir=tmp_path), image, image, scene)[2]

    assert (first.cached, first.prompt_tokens) == (False, 90)
    assert second.cached and second.mode == "vlm" and second.attempts == 0 and second.prompt_tokens == 0
    assert len(server.requests) == 1 and len(list(tmp_path.glob("*.json"))) == 1


def test_failures_are_not_cached_and_other_images_miss(server, tmp_path):
    server.push(http_error(500), answer(GOOD_CRITIQUE), answer(GOOD_CRITIQUE))
    image, scene = figure_rgb(), make_scene()
    client = make_client(server, cache_dir=tmp_path, max_attempts=1)
    assert critique(client, image, image, scene)[2].mode == "fallback"
    assert list(tmp_path.glob("*.json")) == []
    assert critique(client, image, image, scene)[2].cached is False
    other = image.copy()
    other[0, 0] ^= 1
    assert critique(client, image, other, scene)[2].cached is False
    assert critique(client, image, other, scene)[2].cached is True
    assert len(server.requests) == 3


def test_a_corrupt_cache_file_is_a_miss(server, tmp_path):
    server.push(answer(GOOD_CRITIQUE), answer(GOOD_CRITIQUE))
    image, scene = figure_rgb(), make_scene()
    critique(make_client(server, cache_dir=tmp_path), image, image, scene)
    (cached,) = tmp_path.glob("*.json")
    cached.write_text('{"scores": {"overall": 99}}')
    call = critique(make_client(server, cache_dir=tmp_path), image, image, scene)[2]
    assert call.cached is False and call.mode == "vlm" and len(server.requests) == 2


# -- configuration -----------------------------------------------------------


def test_resolve_none_and_auto_without_env_are_offline():
    assert resolve("none") is None
    assert resolve("auto") is None


def test_resolve_openai_names_the_missing_variable(monkeypatch):
    with pytest.raises(VlmConfigError, match="CRAFTEDITOR_VLM_BASE_URL"):
        resolve("openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    with pytest.raises(VlmConfigError, match="CRAFTEDITOR_VLM_MODEL") as err:
        resolve("openai")
    assert isinstance(err.value, ValueError) and "\n" not in str(err.value)
    with pytest.raises(VlmConfigError, match="unknown VLM choice"):
        resolve("gpt")


def test_resolve_reads_env_and_explicit_values_win(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CRAFTEDITOR_VLM_BASE_URL", "http://127.0.0.1:8/v1")
    monkeypatch.setenv("CRAFTEDITOR_VLM_MODEL", "env-model")
    monkeypatch.setenv("OPENAI_API_KEY", "env-key")
    monkeypatch.setenv("CRAFTEDITOR_CACHE_DIR", str(tmp_path))
    config = resolve("auto")
    assert config == VlmConfig("http://127.0.0.1:8/v1", "env-key", "env-model", cache_dir=tmp_path)
    explicit = resolve("openai", model="arg-model", api_key="arg-key", timeout_s=2.0, use_cache=False)
    assert (explicit.model, explicit.api_key, explicit.timeout_s, explicit.cache_dir) == (
        "arg-model", "arg-key", 2.0, None)


def test_default_cache_dir_is_under_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    config = VlmConfig.from_env("http://127.0.0.1:9/v1", model="m")
    assert config.cache_dir == tmp_path / ".cache" / "crafteditor" / "vlm"
    assert config.api_key  # the SDK needs some key even for servers that take none


def test_bad_settings_raise():
    with pytest.raises(VlmConfigError, match="max_attempts"):
        VlmConfig("http://127.0.0.1:9/v1", "k", "m", max_attempts=0)


# -- prompts and import cost ---------------------------------------------------


def test_prompts_render_strictly():
    assert {"designer", "text_recovery", "critic", "answer_format", "retry"} <= set(templates.names())
    text = templates.render("critic", width_px=200, height_px=120, max_issues=5, elements="1. text-0001",
                            fixes="- \"move\"")
    assert "200 x 120" in text and "text-0001" in text and "$" not in text
    assert "icon-0001" in templates.render("designer", width_px=1, height_px=1, regions="1. icon-0001")
    with pytest.raises(KeyError):
        templates.render("designer", width_px=1, height_px=1)
    with pytest.raises(ValueError, match="no placeholder"):
        templates.render("retry", error="e", extra="x")
    with pytest.raises(FileNotFoundError):
        templates.render("no_such_prompt")


def test_import_crafteditor_does_not_import_openai():
    code = "import sys, crafteditor, crafteditor.vlm; print('openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "False"
