"""Batch conversion on a real Dask cluster: resumption, fault isolation, lost workers."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from crafteditor.batch import Settings, plan_jobs, run_batch
from crafteditor.batch.inputs import Manifest, find_inputs, output_paths
from crafteditor.bench.synth import make_case
from crafteditor.cli import main
from crafteditor.model.errors import InputError


def _small_figure(path: Path, seed: int) -> Path:
    """A corner of a synthetic diagram: a few boxes and labels, quick to convert."""
    rgb = make_case(seed).image_rgb
    Image.fromarray(np.ascontiguousarray(rgb[:260, :420])).save(path)
    return path


def _lines(report: Path) -> dict[str, dict]:
    return {Path(r["input"]).name: r for r in map(json.loads, report.read_text().splitlines())}


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0",
                      scheduler_kwargs={"dashboard": False}) as local, Client(local) as client:
        yield local, client


# -- inputs and outputs ---------------------------------------------------------------------
def test_inputs_are_files_folders_and_globs_and_outputs_mirror_the_tree(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/one.png", "a/b/two.jpg", "a/b/two.png", "a/notes.txt", "three.PNG"):
        (tmp_path / name).write_bytes(b"x")
    found = find_inputs([str(tmp_path / "a"), str(tmp_path / "*.PNG"), str(tmp_path / "a" / "one.png")])
    assert sorted(f.name for f, _ in found) == ["one.png", "three.PNG", "two.jpg", "two.png"]  # each file once
    out = tmp_path / "out"
    pairs = dict((f.name, o.relative_to(out).as_posix()) for f, o in output_paths(found, out))
    assert pairs == {"one.png": "one.svg", "two.jpg": "b/two.jpg.svg", "two.png": "b/two.png.svg",
                     "three.PNG": "three.svg"}
    with pytest.raises(InputError, match="input not found"):
        find_inputs([str(tmp_path / "missing")])
    with pytest.raises(InputError, match="no figure matches"):
        find_inputs([str(tmp_path / "*.gif")])


def test_the_manifest_knows_a_changed_input_or_option(tmp_path):
    src = _small_figure(tmp_path / "f.png", 1)
    out = tmp_path / "out"
    (job,) = plan_jobs([str(src)], out, Settings())
    manifest = Manifest(out)
    assert not manifest.is_done(job, ())
    job.output.parent.mkdir(parents=True)
    job.output.write_text("<svg/>")
    manifest.record(job)
    assert Manifest(out).is_done(job, ()) and not Manifest(out).is_done(job, ("drawio",))
    (other_option,) = plan_jobs([str(src)], out, Settings(ocr="tesseract"))
    assert not Manifest(out).is_done(other_option, ())
    _small_figure(src, 2)
    (changed,) = plan_jobs([str(src)], out, Settings())
    assert not Manifest(out).is_done(changed, ())


# -- on a cluster ---------------------------------------------------------------------------
def test_a_batch_on_a_scheduler_converts_the_good_and_reports_the_bad(tmp_path, cluster, capsys):
    local, _client = cluster
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    _small_figure(src / "good1.png", 0)
    _small_figure(src / "sub" / "good2.png", 3)
    (src / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (src / "empty.png").write_bytes(b"")
    noise = np.random.default_rng(0).integers(0, 255, (3000, 4000, 3), dtype=np.uint8)  # reading it takes long
    Image.fromarray(noise).save(src / "slow.png")
    out, report = tmp_path / "out", tmp_path / "batch.jsonl"
    argv = ["batch", str(src), "-o", str(out), "--scheduler", local.scheduler_address, "--report", str(report),
            "--timeout", "15", "--exports", "drawio", "-q"]  # the noise takes ~25 s or more, a small figure ~3 s
    assert main(argv) == 1
    lines = _lines(report)
    assert {n: r["status"] for n, r in lines.items()} == {
        "good1.png": "converted", "good2.png": "converted", "corrupt.png": "failed", "empty.png": "failed",
        "slow.png": "failed"}
    assert "not a supported image" in lines["corrupt.png"]["reason"] or "cannot" in lines["corrupt.png"]["reason"]
    assert "empty" in lines["empty.png"]["reason"] and "timed out after 15 s" in lines["slow.png"]["reason"]
    assert lines["good1.png"]["counts"]["text_labels"] > 0 and lines["good1.png"]["peak_rss_mb"] > 50
    assert (out / "good1.svg").read_text().startswith("<?xml") or "<svg" in (out / "good1.svg").read_text()
    assert (out / "sub" / "good2.svg").is_file() and (out / "sub" / "good2.drawio").is_file()
    assert not (out / "corrupt.svg").exists() and not list(out.rglob(".*.tmp"))
    summary = capsys.readouterr().out
    assert "2 converted, 0 skipped, 3 failed of 5" in summary and "timed out" in summary

    # the second run skips what is done and tries the failures again
    assert main(argv[:-3] + ["--timeout", "1", "-q"]) == 1
    lines = _lines(report)
    assert lines["good1.png"]["status"] == lines["good2.png"]["status"] == "skipped"
    assert lines["slow.png"]["status"] == "failed"


def test_a_changed_input_is_converted_again(tmp_path, cluster):
    local, _client = cluster
    src = tmp_path / "in"
    src.mkdir()
    for i in range(2):
        _small_figure(src / f"f{i}.png", i)
    report = tmp_path / "r.jsonl"

    def run():
        return run_batch([str(src)], tmp_path / "out", scheduler=local.scheduler_address, report=report,
                         progress=False)

    first = run()
    assert (first.converted, first.skipped, first.failed) == (2, 0, 0)
    _small_figure(src / "f1.png", 5)
    second = run()
    assert (second.converted, second.skipped) == (1, 1)
    assert _lines(report)["f1.png"]["status"] == "converted"


def test_a_worker_killed_during_a_batch_loses_no_figure(tmp_path, cluster):
    local, client = cluster
    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):
        _small_figure(src / f"f{i}.png", 10 + i)
    pids = client.run(os.getpid)

    def kill_a_busy_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            busy = [w for w, tasks in client.processing().items() if tasks]
            if busy:
                os.kill(pids[busy[0]], signal.SIGKILL)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    report = tmp_path / "r.jsonl"
    summary = run_batch([str(src)], tmp_path / "out", scheduler=local.scheduler_address, report=report,
                        progress=False)
    killer.join()
    assert (summary.converted, summary.failed) == (4, 0), _lines(report)
    assert all((tmp_path / "out" / f"f{i}.svg").is_file() for i in range(4))
    assert set(client.run(os.getpid).values()) != set(pids.values())  # the killed worker was replaced


def test_a_local_cluster_by_default_and_clear_usage_errors(tmp_path, capsys):
    src = _small_figure(tmp_path / "one.png", 2)
    assert main(["batch", str(src), "-o", str(tmp_path / "out"), "--workers", "1", "-q"]) == 0
    assert (tmp_path / "out" / "one.svg").is_file()
    assert "1 converted, 0 skipped, 0 failed of 1" in capsys.readouterr().out
    assert main(["batch", str(tmp_path / "nothing"), "-o", str(tmp_path / "out")]) == 2
    assert "input not found" in capsys.readouterr().err
    assert main(["batch", str(src), "-o", str(tmp_path / "o"), "--exports", "svg"]) == 2
    assert main(["batch", str(src), "-o", str(tmp_path / "o"), "--workers", "2",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2


def test_the_batch_benchmark_runs_each_worker_count_and_reports_the_speed_up(tmp_path):
    from crafteditor.bench.batchbench import format_batch, run_batch_bench

    result = run_batch_bench(tmp_path, Settings(loop=None), n=2, workers=(1, 2), cold=None, say=lambda _m: None)
    one, two = result["runs"]
    assert (one["workers"], one["converted"], two["workers"], two["converted"]) == (1, 2, 2, 2)
    assert one["per_minute"] > 0 and result["speedup"][1] == 1.0 and result["speedup"][2] > 0
    assert one["figure_median_s"] > 0 and result["cold_median_s"] is None
    table = format_batch(result)
    assert "fig/min" in table and table.count("\n") >= 3
    assert json.loads((tmp_path / "batch.json").read_text())["runs"][1]["workers"] == 2
