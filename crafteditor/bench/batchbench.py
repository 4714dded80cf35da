"""``crafteditor bench --batch``: figures per minute through ``crafteditor batch``.

The synthetic figures are written as PNG files and converted by ``run_batch``
on a local cluster of 1, then 2, ... workers, each into a fresh folder, so no
figure is skipped.  The wall time of each batch includes starting the cluster
and warming its workers, as a user's batch does.  Beside that, a few of the same
figures are converted cold (a fresh ``crafteditor convert`` process each,
``bench.timing``), so the warm per-figure time inside a worker can be read
against what one ``convert`` costs in the same run.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from crafteditor.batch.work import Settings
from crafteditor.bench.synth import make_case
from crafteditor.bench.timing import ColdConfig, cold_convert

COLD_SAMPLE = 3


@dataclass(frozen=True, slots=True)
class BatchRun:
    workers: int
    figures: int
    converted: int
    wall_s: float
    per_minute: float
    figure_median_s: float | None  # one figure's time inside a warm worker
    worker_peak_rss_mb: float | None


def run_batch_bench(out_dir: str | Path, settings: Settings, n: int = 20, workers: Sequence[int] = (1, 2),
                    seed: int = 0, cold: ColdConfig | None = None, say: Callable[[str], None] = print) -> dict:
    from crafteditor.batch import run_batch

    out = Path(out_dir)
    inputs = out / "batch-inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (inputs / f"synth-{seed + i:04d}.png").write_bytes(make_case(seed + i).png_bytes())
    runs = []
    for count in workers:
        folder, report = out / f"batch-{count}-workers", out / f"batch-{count}-workers.jsonl"
        summary = run_batch([str(inputs)], folder, settings, workers=count, report=report, progress=False)
        lines = [json.loads(line) for line in report.read_text().splitlines()]
        done = [r for r in lines if r["status"] == "converted"]
        runs.append(BatchRun(count, n, summary.converted, summary.wall_s, 60.0 * summary.converted / summary.wall_s,
                             statistics.median(r["seconds"] for r in done) if done else None,
                             max((r["peak_rss_mb"] for r in done), default=None)))
        say(f"[bench batch] {count} worker(s): {summary.converted}/{n} in {summary.wall_s:.1f} s, "
            f"{runs[-1].per_minute:.1f} figures per minute")
    cold_s = []
    if cold is not None:
        for png in sorted(inputs.glob("*.png"))[:COLD_SAMPLE]:
            run = cold_convert(png, cold)
            if run.error is None:
                cold_s.append(run.convert.seconds)
    result = dict(runs=[asdict(r) for r in runs], cold_median_s=statistics.median(cold_s) if cold_s else None,
                  cold_sample=len(cold_s))
    base = next((r for r in runs if r.workers == 1), None)
    result["speedup"] = {r.workers: r.per_minute / base.per_minute for r in runs} if base and base.per_minute else {}
    (out / "batch.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def format_batch(result: dict) -> str:
    lines = ["== batch: synthetic figures through `crafteditor batch` on a local cluster ==",
             f"{'workers':>8}{'figures':>9}{'wall s':>9}{'fig/min':>9}{'speed-up':>10}{'warm fig s':>12}{'rss MB':>9}"]
    for r in result["runs"]:
        lines.append(f"{r['workers']:>8}{r['converted']:>5}/{r['figures']:<3}{r['wall_s']:>9.1f}{r['per_minute']:>9.1f}"
                     f"{_cell(result['speedup'].get(r['workers'])):>10}{_cell(r['figure_median_s']):>12}"
                     f"{_cell(r['worker_peak_rss_mb'], 0):>9}")
    if result["cold_median_s"] is not None:
        lines.append(f"cold `crafteditor convert` of the same figures (median of {result['cold_sample']}): "
                     f"{result['cold_median_s']:.2f} s per figure")
    lines.append("wall time includes starting the cluster and warming its workers; warm fig s: the median time "
                 "of one figure inside a worker")
    return "\n".join(lines)


def _cell(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
