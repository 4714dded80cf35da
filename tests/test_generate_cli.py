"""``crafteditor generate``: what it writes, what it says, and its one-line errors."""

from __future__ import annotations

import json

import pytest

from crafteditor import cli
from crafteditor.svg.doc import SvgDocument
from crafteditor.svg.items import items
from tests.openai_server import http_error, scripted_server


def test_generate_writes_the_svg_png_and_trace(tmp_path, capsys):
    out, png, trace = tmp_path / "fig.svg", tmp_path / "fig.png", tmp_path / "trace.json"
    status = cli.main(["generate", "Tokenizer → Encoder → Decoder, left to right", "-o", str(out),
                       "--png", str(png), "--trace", str(trace), "--candidates", "2", "--rounds", "1"])
    captured = capsys.readouterr()
    assert status == 0
    assert captured.out.startswith(f"wrote {out}: 3/3 labels, 2/2 connections")
    assert "round 0: drawing" in captured.err and "best: round" in captured.err  # progress and the trace
    texts = {it.text for it in items(SvgDocument.from_bytes(out.read_bytes())) if it.kind == "text"}
    assert {"Tokenizer", "Encoder", "Decoder"} <= texts
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(trace.read_text())
    assert len(data["rounds"][0]["candidates"]) == 2
    assert set(data["best_scores"]) >= {"content", "layout", "text", "aesthetic", "role", "artefact", "overall"}
    assert data["stopped"]


def test_generate_reads_the_instruction_and_context_from_files_quietly(tmp_path, capsys):
    instruction, context, out = tmp_path / "i.txt", tmp_path / "paper.md", tmp_path / "fig.svg"
    instruction.write_text("Draw the method.")
    context.write_text("# Method\nOur method: Sampler → Scorer → Selector.\n")
    assert cli.main(["generate", "--instruction-file", str(instruction), "--context", str(context),
                     "-o", str(out), "--quiet", "--rounds", "0"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.startswith(f"wrote {out}")
    texts = {it.text for it in items(SvgDocument.from_bytes(out.read_bytes())) if it.kind == "text"}
    assert {"Sampler", "Scorer", "Selector"} <= {t.capitalize() for t in texts}


@pytest.mark.parametrize("args, message", [
    (["-o", "{out}"], "no instruction"),
    (["A → B", "--instruction-file", "{inst}", "-o", "{out}"], "not both"),
    (["A → B", "--partial", "{png}", "-o", "{out}"], "--partial and --mask go together"),
    (["A → B", "--mask", "{png}", "-o", "{out}"], "--partial and --mask go together"),
    (["A → B", "--sketch", "{png}", "--partial", "{png}", "--mask", "{png}", "-o", "{out}"], "not both"),
    (["A → B", "--context", "{missing}", "-o", "{out}"], "not found"),
    (["A → B", "--elements", "{missing}", "-o", "{out}"], "not found"),
    (["--instruction-file", "{inst}", "-o", "{inst}"], "overwrite the input"),
    (["A → B", "--elements", "{png}", "-o", "{png}"], "overwrite the input"),
    (["A → B", "-o", "{out}", "--trace", "{out}"], "different files"),
    (["A → B", "-o", "{tmp}/nowhere/fig.svg"], "does not exist"),
    (["   ", "-o", "{out}"], "empty"),
    (["Please draw it nicely.", "-o", "{out}"], "no component to draw"),
    (["A → B", "-o", "{out}", "--vlm", "openai", "--vlm-base-url", "http://127.0.0.1:9/v1"], "no VLM model"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.delenv("CRAFTEDITOR_VLM_MODEL", raising=False)
    inst, png = tmp_path / "inst.txt", tmp_path / "pic.png"
    inst.write_text("A → B")
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    names = {"out": tmp_path / "out.svg", "inst": inst, "png": png, "missing": tmp_path / "missing.md", "tmp": tmp_path}
    assert cli.main(["generate", *(a.format(**names) for a in args)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()  # progress lines may come first
    assert [line for line in lines if "error" in line] == [lines[-1]] and "Traceback" not in "".join(lines)
    assert lines[-1].startswith("crafteditor: error:") and message in lines[-1]
    assert not (tmp_path / "out.svg").exists()
    assert inst.read_text() == "A → B" and png.read_bytes() == b"\x89PNG\r\n\x1a\n"  # inputs untouched


def test_help_explains_the_loop_and_the_options(capsys):
    assert cli.main(["generate", "--help"]) == 0
    out = capsys.readouterr().out
    for words in ("candidate plans", "typed edits", "--instruction-file", "--partial", "--image-model", "--trace",
                  "--vlm-base-url", "--rounds"):
        assert words in out


def test_a_failing_image_model_still_writes_the_offline_figure_and_the_trace_says_why(tmp_path, capsys):
    out, trace = tmp_path / "fig.svg", tmp_path / "trace.json"
    with scripted_server([http_error(503)] * 2) as server:
        status = cli.main(["generate", "Encoder → Decoder", "-o", str(out), "--trace", str(trace), "-q",
                           "--candidates", "1", "--rounds", "0", "--image-model", "paint",
                           "--vlm-base-url", server.base_url])
    assert status == 0 and out.is_file()
    data = json.loads(trace.read_text())
    drawn = data["rounds"][0]["candidates"][0]
    assert drawn["executor"] == "offline" and "image model paint failed" in drawn["note"]
    assert [c["mode"] for c in data["calls"] if c["role"] == "image-model"] == ["fallback"]


def test_the_api_generates_an_editable_figure():
    from crafteditor.generate import generate

    result = generate("Encoder → Decoder", candidates=1, rounds=0, ocr=None, png=True)
    assert type(result).__name__ == "Generation" and "<text" in result.svg and result.png[:4] == b"\x89PNG"
    assert result.critique.connections_found == 1 and result.trace.rounds[0].stage == "design"
