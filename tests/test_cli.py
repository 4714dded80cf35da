"""The command line (in a subprocess, as a user runs it) and crafteditor.model.io's safe writes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sys
import types
from pathlib import Path

import pytest

from crafteditor import cli
from crafteditor.model.errors import InputError, OutputError
from crafteditor.model.io import atomic_write, check_output_path
from crafteditor.model.scene import Box, Element, Kind, Scene


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_error_line(proc, match: str = "") -> str:
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got:\n{proc.stderr}"
    assert lines[0].startswith("crafteditor: error: "), lines[0]
    assert "Traceback" not in proc.stderr
    assert match in lines[0]
    return lines[0]


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- bad input, in a subprocess --------------------------------------------------------------


def _not_an_image(d: Path) -> Path:
    (d / "in.png").write_text("hello\n")
    return d / "in.png"


def _truncated(d: Path) -> Path:
    data = (Path(__file__).parents[1] / "fixtures" / "example_pipeline.png").read_bytes()
    (d / "in.png").write_bytes(data[: len(data) // 2])
    return d / "in.png"


def _empty(d: Path) -> Path:
    (d / "in.png").write_bytes(b"")
    return d / "in.png"


def _directory(d: Path) -> Path:
    (d / "in.png").mkdir()
    return d / "in.png"


BAD_INPUTS = {
    "missing": (lambda d: d / "missing.png", "not found"),
    "not-an-image": (_not_an_image, "not a supported image"),
    "truncated": (_truncated, "truncated or corrupt"),
    "empty": (_empty, "empty"),
    "directory": (_directory, "directory"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_cleanly(run_cli, tmp_path, case):
    make, match = BAD_INPUTS[case]
    src = make(tmp_path)
    digest = sha256(src) if src.is_file() else None
    before = files_in(tmp_path)
    proc = run_cli("convert", src, "-o", tmp_path / "out.svg", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert_one_error_line(proc, match)
    assert proc.stdout == ""
    assert files_in(tmp_path) == before, "no output and no temp files may be left behind"
    if digest is not None:
        assert sha256(src) == digest


def _svg_file(d: Path) -> Path:
    (d / "fig.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    return d / "fig.svg"


# every command that reads a file, with {bad} where the file it reads goes
READING_COMMANDS = {
    "convert": ["convert", "{bad}", "-o", "{d}/out.svg"],
    "check-svg": ["check", "{bad}", "--source", "{png}", "--ocr", "none"],
    "check-source": ["check", "{svg}", "--source", "{bad}", "--ocr", "none"],
    "inspect": ["inspect", "{bad}"],
    "edit": ["edit", "{bad}", "-o", "{d}/out.svg", "--where", "text:a", "--set-text", "b"],
    "export": ["export", "{bad}", "--to", "pptx", "-o", "{d}/out.pptx"],
}


def _fifo(d: Path) -> Path:
    os.mkfifo(d / "pipe")  # nobody writes to it: opening it for reading would block
    return d / "pipe"


NOT_REGULAR = {
    "fifo": (_fifo, "FIFO (named pipe), not a regular file"),
    "directory": (_directory, "is a directory"),
    "device": (lambda d: Path("/dev/zero"), "character device, not a regular file"),
}


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="needs FIFOs and /dev/zero")
@pytest.mark.parametrize("kind", sorted(NOT_REGULAR))
@pytest.mark.parametrize("command", sorted(READING_COMMANDS))
def test_only_regular_files_are_read(run_cli, tmp_path, example_png, command, kind):
    make, match = NOT_REGULAR[kind]
    names = {"bad": make(tmp_path), "d": tmp_path, "png": example_png, "svg": _svg_file(tmp_path)}
    before = files_in(tmp_path)
    proc = run_cli(*[a.format(**names) for a in READING_COMMANDS[command]], timeout_s=60)
    assert proc.returncode == 2, proc.stderr
    assert_one_error_line(proc, match)
    assert files_in(tmp_path) == before


@pytest.mark.parametrize("command", sorted(READING_COMMANDS))
def test_unreadable_input_is_one_line_and_exit_2(tmp_path, example_png, capsys, monkeypatch, command):
    secret = tmp_path / "secret"
    secret.write_bytes(example_png.read_bytes() if command in ("convert", "check-source") else
                       _svg_file(tmp_path).read_bytes())
    names = {"bad": secret, "d": tmp_path, "png": example_png, "svg": _svg_file(tmp_path)}
    real_open = os.open

    def refuse(path, *args, **kwargs):  # as for a user without read permission (root reads anything)
        if Path(path) == secret:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    assert cli.main([a.format(**names) for a in READING_COMMANDS[command]]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crafteditor: error: cannot read ") and "permission denied" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("wh", [(1, 5000), (5000, 1)] + [pytest.param(wh, marks=pytest.mark.slow)
                                                          for wh in [(1, 1), (2, 2), (3, 40), (40, 3)]])
def test_degenerate_images_convert(run_cli, tmp_path, wh):
    """One pixel wide or tall, or tiny: the figure converts (no text to find) and the SVG keeps its size."""
    from lxml import etree
    from PIL import Image

    width, height = wh
    src, out = tmp_path / "strip.png", tmp_path / "strip.svg"
    Image.new("RGB", wh, (30, 60, 200)).save(src)  # all ink: no background to stand on
    proc = run_cli("convert", src, "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"wrote {out}: 0 text labels") and proc.stderr == ""
    root = etree.parse(str(out), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    assert root.get("viewBox").split() == ["0", "0", str(width), str(height)]


def test_too_many_pixels_fails_before_decoding(run_cli, tmp_path, example_png):
    proc = run_cli("convert", example_png, "-o", tmp_path / "out.svg", "--max-pixels", "1000")
    assert proc.returncode == 2
    assert_one_error_line(proc, "too many pixels (1200x700")
    assert files_in(tmp_path) == set()


def test_missing_output_directory(run_cli, tmp_path, example_png):
    digest = sha256(example_png)
    proc = run_cli("convert", example_png, "-o", tmp_path / "no" / "such" / "dir" / "out.svg")
    assert proc.returncode == 2
    assert_one_error_line(proc, "output directory does not exist")
    assert not (tmp_path / "no").exists()
    assert sha256(example_png) == digest


def test_output_that_is_a_directory(run_cli, tmp_path, example_png):
    proc = run_cli("convert", example_png, "-o", tmp_path)
    assert proc.returncode == 2
    assert_one_error_line(proc, "is a directory")


def test_default_output_never_overwrites_the_input(run_cli, tmp_path, example_png):
    src = tmp_path / "figure.svg"  # a PNG named .svg: the default output would be itself
    shutil.copy(example_png, src)
    digest = sha256(src)
    proc = run_cli("convert", src)
    assert proc.returncode == 2
    assert_one_error_line(proc, "overwrite the input")
    assert sha256(src) == digest and files_in(tmp_path) == {"figure.svg"}


@pytest.mark.parametrize(
    "args",
    [[], ["convert"], ["frobnicate"], ["convert", "x.png", "--ocr", "magic"], ["convert", "x.png", "--max-pixels", "0"]],
)
def test_usage_errors_exit_2(run_cli, args):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["--help"], ["convert", "--help"], ["bench", "--help"]])
def test_help(run_cli, args):
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: crafteditor")
    if args == ["--help"]:
        assert "convert" in proc.stdout and "bench" in proc.stdout
    if args[0] == "convert":
        for option in ("--output", "--ocr", "--report", "--debug-dir", "--max-pixels", "--quiet", "--traceback"):
            assert option in proc.stdout


# --- the convert command against a stand-in pipeline (in-process) --------------------------


@pytest.fixture()
def fake_pipeline(monkeypatch):
    """Replace crafteditor.pipeline by a stand-in whose behaviour each test sets."""
    calls: list[dict] = []
    module = types.ModuleType("crafteditor.pipeline")
    module.behaviour = "ok"

    def convert_file(input_path, output_path, *, report_path=None, progress=None, **options):
        calls.append(dict(options, input_path=input_path, output_path=output_path, report_path=report_path))
        if progress is not None:
            progress("ocr")
        Path(output_path).write_text("<svg partial")  # as if it failed half-way after this
        if module.behaviour == "input-error":
            raise InputError("the figure is unreadable")
        if module.behaviour == "bug":
            raise ZeroDivisionError("division by zero")
        if module.behaviour == "interrupt":
            raise KeyboardInterrupt
        text = Element("text-0000", Kind.TEXT, Box(0, 0, 10, 10))
        scene = Scene(image_wh=(1200, 700), elements=(text, Element("trace-0001", Kind.TRACE, Box(0, 0, 5, 5))))
        Path(output_path).write_text("<svg/>")
        report = {"timings_s": {"ocr": 0.1}, "counts": {"text_labels": 1}}
        if report_path is not None:
            Path(report_path).write_text(json.dumps(report))
        return types.SimpleNamespace(svg="<svg/>", scene=scene, report=report)

    module.convert_file = convert_file
    module.calls = calls
    monkeypatch.setitem(sys.modules, "crafteditor.pipeline", module)
    return module


def test_convert_success_line_and_options(fake_pipeline, tmp_path, example_png, capsys):
    out, report = tmp_path / "fig.svg", tmp_path / "fig.json"
    status = cli.main(["convert", str(example_png), "-o", str(out), "--report", str(report), "--ocr", "tesseract"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert captured.out.count("\n") == 1
    assert captured.out.startswith(f"wrote {out}: 1 text label, 1 other element, ")
    assert "ocr" in captured.err  # progress goes to stderr
    call = fake_pipeline.calls[0]
    assert call["ocr"] == "tesseract" and call["max_pixels"] == 100_000_000 and call["debug_dir"] is None
    assert Path(call["report_path"]) == report and json.loads(report.read_text())["counts"]


def test_convert_default_output_and_quiet(fake_pipeline, tmp_path, example_png, capsys):
    src = tmp_path / "figure.png"
    shutil.copy(example_png, src)
    assert cli.main(["convert", str(src), "--quiet", "--max-pixels", "2_000_000"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert (tmp_path / "figure.svg").read_text() == "<svg/>"
    assert fake_pipeline.calls[0]["max_pixels"] == 2_000_000


@pytest.mark.parametrize(("behaviour", "status", "start"), [
    ("input-error", 2, "crafteditor: error: the figure is unreadable"),
    ("interrupt", 2, "crafteditor: error: interrupted"),
    ("bug", 1, "crafteditor: internal error: ZeroDivisionError: division by zero (re-run with --traceback"),
])
def test_convert_failure_leaves_no_partial_output(fake_pipeline, tmp_path, example_png, capsys, behaviour, status, start):
    fake_pipeline.behaviour = behaviour
    out = tmp_path / "fig.svg"
    assert cli.main(["convert", str(example_png), "-o", str(out), "-q"]) == status
    err = capsys.readouterr().err
    assert err.startswith(start) and err.count("\n") == 1
    assert not out.exists()


def test_existing_output_is_not_deleted_on_failure(fake_pipeline, tmp_path, example_png, capsys):
    """We only remove what this run created; an older file at OUTPUT is the pipeline's to keep safe."""
    fake_pipeline.behaviour = "input-error"
    out = tmp_path / "fig.svg"
    out.write_text("old")
    assert cli.main(["convert", str(example_png), "-o", str(out), "-q"]) == 2
    assert out.exists()


def test_traceback_flag(fake_pipeline, tmp_path, example_png, capsys):
    fake_pipeline.behaviour = "bug"
    for argv in (["--traceback", "convert"], ["convert", "--traceback"]):
        assert cli.main([*argv, str(example_png), "-o", str(tmp_path / "o.svg"), "-q"]) == 1
        err = capsys.readouterr().err
        assert "Traceback" in err and "ZeroDivisionError" in err and "re-run" not in err


def test_import_crafteditor_stays_light():
    code = "import sys, crafteditor, crafteditor.cli; bad = {'numpy', 'PIL', 'cv2', 'crafteditor.pipeline'} & set(sys.modules); print(sorted(bad))"
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_loop_and_vlm_options_reach_the_pipeline(fake_pipeline, tmp_path, example_png, capsys, monkeypatch):
    monkeypatch.delenv("CRAFTEDITOR_VLM", raising=False)
    out = tmp_path / "fig.svg"
    assert cli.main(["convert", str(example_png), "-o", str(out), "-q", "--design-rounds", "2",
                     "--refine-rounds", "1"]) == 0
    call = fake_pipeline.calls[-1]
    assert (call["loop"].design_rounds, call["loop"].refine_rounds) == (2, 1) and call["vlm"] is None
    assert cli.main(["convert", str(example_png), "-o", str(out), "-q", "--no-refine", "--vlm", "openai",
                     "--vlm-base-url", "http://127.0.0.1:9/v1", "--vlm-model", "m", "--no-vlm-cache"]) == 0
    call = fake_pipeline.calls[-1]
    assert call["loop"] is None
    assert (call["vlm"].base_url, call["vlm"].model, call["vlm"].cache_dir) == ("http://127.0.0.1:9/v1", "m", None)


def test_a_vlm_asked_for_without_endpoint_is_a_one_line_error(fake_pipeline, tmp_path, example_png, capsys,
                                                              monkeypatch):
    for name in ("CRAFTEDITOR_VLM_BASE_URL", "OPENAI_BASE_URL", "CRAFTEDITOR_VLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "fig.svg"
    assert cli.main(["convert", str(example_png), "-o", str(out), "-q", "--vlm", "openai"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crafteditor: error:") and err.count("\n") == 1
    assert not out.exists() and not fake_pipeline.calls


# --- the real pipeline (slow: OCR on the bundled example) ----------------------------------


@pytest.mark.slow
def test_convert_example_end_to_end(run_cli, tmp_path, example_png):
    from lxml import etree

    out, report = tmp_path / "example.svg", tmp_path / "example.json"
    proc = run_cli("convert", example_png, "-o", out, "--report", report)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"wrote {out}:") and proc.stdout.count("\n") == 1
    root = etree.parse(str(out), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    words = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    found = [w for w in ("Raw images", "Predictions", "Labels", "Model", "Classifier head") if w in words]
    assert len(found) >= 3, words
    data = json.loads(report.read_text())
    assert data["timings_s"] and data["counts"]
    loop = data["loop"]  # the refinement ran and never ended worse than it began
    assert loop["rounds"] and loop["best_score"] >= loop["first_score"]
    assert {p.name for p in tmp_path.iterdir()} == {"example.svg", "example.json"}


# --- crafteditor.model.io ------------------------------------------------------------------------


def test_atomic_write_text_and_bytes(tmp_path):
    target = tmp_path / "a.svg"
    atomic_write(target, "<svg>é</svg>")
    assert target.read_text(encoding="utf-8") == "<svg>é</svg>"
    atomic_write(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert files_in(tmp_path) == {"a.svg"}
    assert stat.S_IMODE(target.stat().st_mode) & 0o644 == 0o644


def test_atomic_write_keeps_the_mode_of_an_existing_file(tmp_path):
    target = tmp_path / "a.svg"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == "new"


@pytest.mark.parametrize(("where", "match"), [("missing", "does not exist"), ("dir", "is a directory")])
def test_atomic_write_refuses(tmp_path, where, match):
    path = tmp_path / "no" / "a.svg" if where == "missing" else tmp_path
    with pytest.raises(OutputError, match=match):
        atomic_write(path, "x")
    assert files_in(tmp_path) == set()


def test_atomic_write_failure_keeps_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "a.svg"
    target.write_text("old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OutputError, match="No space left on device") as info:
        atomic_write(target, "new")
    assert "\n" not in str(info.value)
    assert target.read_text() == "old" and files_in(tmp_path) == {"a.svg"}


def test_atomic_write_interrupted_removes_temp(tmp_path, monkeypatch):
    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "a.svg", "x")
    assert files_in(tmp_path) == set()


def test_atomic_write_unwritable_directory(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root writes anywhere: make the access check answer as for a user
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != locked)
    with pytest.raises(OutputError, match="not writable"):
        atomic_write(locked / "a.svg", "x")
    assert files_in(locked) == set()


def test_check_output_path(tmp_path):
    src = tmp_path / "fig.png"
    src.write_bytes(b"png")
    with pytest.raises(OutputError, match="overwrite the input"):
        check_output_path(src, input_path=src)
    with pytest.raises(OutputError, match="overwrite the input"):
        check_output_path(tmp_path / "." / "fig.png", input_path=src)
    assert check_output_path(src, input_path=src, overwrite_input=True) == src
    assert check_output_path(tmp_path / "new.svg", input_path=src) == tmp_path / "new.svg"
    with pytest.raises(OutputError, match="is a directory"):
        check_output_path(tmp_path)
    with pytest.raises(OutputError, match="does not exist"):
        check_output_path(tmp_path / "nope" / "x.svg")
