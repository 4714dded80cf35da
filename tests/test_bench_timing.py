"""Cold timing in the benchmark: a fresh process per figure, its memory, vtracer beside it."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

import pytest

from crafteditor.bench.metrics import CaseScore
from crafteditor.bench.report import check_targets, format_speed, summarise
from crafteditor.bench.timing import ColdConfig, cold_convert, crafteditor_command, run_child

EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "example_pipeline.png"


def test_a_child_reports_its_own_peak_memory_exit_code_and_stderr():
    big = run_child([sys.executable, "-c", "import numpy as np; a = np.ones(40_000_000); a.sum()"])
    small = run_child([sys.executable, "-c", "import sys; sys.stderr.write('first\\nlast line\\n'); sys.exit(3)"])
    assert big.ok and big.peak_rss_mb > 300  # 320 MB of float64, counted by the kernel for the child alone
    assert small.returncode == 3 and small.stderr.strip().endswith("last line")
    assert small.peak_rss_mb < big.peak_rss_mb - 250


def test_a_child_past_its_timeout_is_killed():
    run = run_child([sys.executable, "-c", "import time; time.sleep(30)"], timeout_s=0.5)
    assert not run.ok and run.returncode < 0 and run.seconds < 10


def test_cold_conversion_of_the_bundled_example_is_the_real_command():
    run = cold_convert(EXAMPLE, ColdConfig.default(["--no-refine"]))
    assert run.error is None, run.convert.stderr
    assert b"<text" in run.svg and {"load", "ocr", "ground"} <= set(run.stages_s)
    assert run.convert.seconds > sum(run.stages_s.values())  # the process also starts and imports
    assert run.convert.peak_rss_mb > 50
    assert run.vtracer is not None and run.vtracer.ok and run.vtracer.seconds < run.convert.seconds


def test_a_failed_cold_conversion_is_reported_with_its_message(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    run = cold_convert(bad, ColdConfig.default(vtracer=False))
    assert run.svg == b"" and run.vtracer is None
    assert run.error.startswith("exit 2: crafteditor: error:")


def test_the_console_script_is_preferred():
    command = crafteditor_command()
    assert command[-1].endswith("crafteditor")


def _score(set_name, warm, cold, tracer, px=1_000_000, stages=None, rss=400.0):
    return CaseScore("c", set_name, "crafteditor", time_s=warm, peak_rss_mb=rss, image_px=px,
                     timings_s=stages or {"ocr": warm / 2, "ground": warm / 4},
                     cold_s=cold, cold_peak_rss_mb=rss + 10, cold_timings_s={"ocr": warm / 2},
                     cold_same_svg=True, vtracer_cold_s=tracer)


def test_speed_summary_puts_cold_first_and_checks_the_targets():
    scores = [_score("synthetic", 1.0, 2.0, 0.2), _score("synthetic", 1.2, 2.5, 0.3),
              _score("synthetic", 1.4, 12.0, 0.25, px=5_000_000),  # over 4 Mpx: not held to the 10 s maximum
              _score("real", 3.0, 4.5, 0.5)]
    synthetic, real = summarise(scores)
    assert synthetic.cold_median_s == 2.5 and synthetic.cold_max_s == 2.5
    assert synthetic.vtracer_cold_median_s == 0.25 and synthetic.cold_vtracer_ratio == pytest.approx(10.0)
    assert synthetic.stage_medians_s == {"ocr": 0.6, "ground": 0.3}
    assert synthetic.cold_overhead_median_s == pytest.approx(2.5 - 0.6)
    assert synthetic.targets["cold_median_s <= 3"] is True and synthetic.targets["median_time_s <= 1.5"] is True
    assert real.targets["cold_median_s <= 4"] is False and real.targets["median_time_s <= 2.5"] is False
    assert real.targets["cold_vtracer_ratio <= 10"] is True and real.targets["cold_peak_rss_mb <= 1024"] is True
    table = format_speed([synthetic, real])
    header = next(line for line in table.splitlines() if line.startswith("set"))
    assert header.index("cold med") < header.index("warm med")
    assert any(line.startswith("synthetic") and " 2.50 " in line for line in table.splitlines())


def test_a_summary_without_cold_runs_leaves_its_targets_unmeasured():
    (summary,) = summarise([CaseScore("c", "real", "vtracer", time_s=0.2, peak_rss_mb=100.0)])
    assert summary.cold_median_s is None and summary.cold_vtracer_ratio is None
    assert check_targets(summary)["cold_median_s <= 4"] is None
    assert format_speed([summary]) == ""


FAKE_CLI = textwrap.dedent("""
    import json, sys
    args = sys.argv[1:]
    assert args[0] == "convert"
    out, report = args[args.index("-o") + 1], args[args.index("--report") + 1]
    svg = open(sys.argv[-1]).read() if "--same" in args else "<svg xmlns='http://www.w3.org/2000/svg'/>"
    open(out, "w").write(svg)
    json.dump({"timings_s": {"ocr": 0.01}}, open(report, "w"))
""")


def test_run_bench_times_cold_runs_and_compares_their_svg(tmp_path):
    from crafteditor.bench.runner import run_bench
    from crafteditor.bench.synth import make_case

    truth = make_case(0).svg
    fake = tmp_path / "fake_cli.py"
    fake.write_text(FAKE_CLI)
    saved = tmp_path / "truth.svg"
    saved.write_bytes(truth)
    cold = ColdConfig((sys.executable, str(fake)), ("--same", str(saved)), vtracer=True)
    result = run_bench(tmp_path / "out", sets=("synthetic",), n_synthetic=1, converter=lambda image: truth,
                       baselines=("embed",), progress=None, cold=cold)
    ours = next(s for s in result.scores if s.method == "crafteditor")
    embed = next(s for s in result.scores if s.method == "embed")
    assert ours.cold_s > 0 and ours.cold_timings_s == {"ocr": 0.01} and ours.cold_same_svg is True
    assert ours.vtracer_cold_s is not None and ours.image_px > 0
    assert embed.cold_s is None  # only the converter is timed cold
    assert result.startup is not None
    assert "== speed ==" in result.table and result.table.index("== speed ==") < result.table.index("== synthetic")
    cases = json.loads((tmp_path / "out" / "results.json").read_text())["cases"]
    assert any(c["cold_s"] for c in cases)
    assert not (tmp_path / "out" / "cases" / "synth-0000" / "input-full.png").exists()

    different = ColdConfig((sys.executable, str(fake)), (), vtracer=False)
    result = run_bench(tmp_path / "out2", sets=("synthetic",), n_synthetic=1, converter=lambda image: truth,
                       baselines=(), progress=None, cold=different)
    (ours,) = result.scores
    assert ours.cold_same_svg is False and ours.vtracer_cold_s is None
    assert result.summaries[0].cold_other_svg == 1


def test_cold_runs_get_the_options_of_the_warm_run():
    from crafteditor.cli.bench import add_parser, cold_options

    parser = argparse.ArgumentParser(prog="crafteditor")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", "--ocr", "tesseract", "--refine-rounds", "2"])
    options = cold_options(args)
    assert options[:2] == ["--ocr", "tesseract"] and "--refine-rounds" in options
    assert options[options.index("--refine-rounds") + 1] == "2" and "--vlm" in options
    assert "--no-refine" in cold_options(parser.parse_args(["bench", "--no-refine"]))
    assert parser.parse_args(["bench", "--no-cold"]).no_cold
