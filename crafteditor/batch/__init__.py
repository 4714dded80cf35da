"""Batch conversion on Dask: a local cluster by default, or any existing scheduler.

``run_batch`` finds the figures, skips those whose output is up to date,
submits the rest to the cluster with a bounded number in flight (memory stays
flat on a large folder), and writes one JSON line per figure to the report as
each finishes.  Workers build their engines once (a worker plugin) and convert
figure after figure.  A failed figure, one past its time limit, or one whose
worker died is recorded with its reason and the batch goes on; a lost worker's
figures are retried on another worker once.

Dask is imported only here, when a batch runs.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crafteditor.batch.inputs import Job, Manifest, digest, find_inputs, output_paths
from crafteditor.batch.work import Outcome, Settings
from crafteditor.model.errors import InputError

__all__ = ["BatchSummary", "Settings", "run_batch"]

@dataclass(frozen=True, slots=True)
class BatchSummary:
    total: int
    converted: int
    skipped: int
    failed: int
    wall_s: float
    reasons: dict[str, int] = field(default_factory=dict)  # failure reason -> figures
    interrupted: bool = False
    workers: int = 0

    @property
    def per_minute(self) -> float:
        done = self.converted + self.failed
        return 60.0 * done / self.wall_s if self.wall_s > 0 else 0.0

    def lines(self) -> list[str]:
        out = [f"{self.converted} converted, {self.skipped} skipped, {self.failed} failed of {self.total} "
               f"in {self.wall_s:.1f} s ({self.per_minute:.1f} figures per minute on {self.workers} worker(s))"]
        out += [f"  failed ({n}): {reason}" for reason, n in sorted(self.reasons.items(), key=lambda r: -r[1])]
        return out


def plan_jobs(inputs: Sequence[str], out_dir: str | Path, settings: Settings) -> list[Job]:
    """The figures of ``inputs`` with their outputs under ``out_dir`` and their digests."""
    out = Path(out_dir).resolve()
    pairs = output_paths(find_inputs(inputs), out)
    options = settings.digest_options()
    return [Job(src, dst, digest(src, options)) for src, dst in pairs if not _inside(src, out)]


def _inside(path: Path, folder: Path) -> bool:
    return path.is_relative_to(folder)  # outputs of an earlier batch are not inputs


def run_batch(
    inputs: Sequence[str],
    out_dir: str | Path,
    settings: Settings = Settings(),
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    report: str | Path | None = None,
    progress: bool = True,
) -> BatchSummary:
    """Convert every figure of ``inputs`` into ``out_dir``.  ``scheduler`` is the address of
    a running Dask scheduler; without it a local cluster of ``workers`` processes (default:
    one per core) with one thread each is started and closed again."""
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = plan_jobs(inputs, out, settings)
    if not jobs:
        raise InputError("no figures to convert among the inputs")
    manifest = Manifest(out.resolve())
    todo = [j for j in jobs if not manifest.is_done(j, settings.exports)]
    sink = _Report(Path(report) if report else None)
    for job in jobs:
        if job not in todo:
            sink.write(job, Outcome("skipped", "up to date"))
    counts: Counter[str] = Counter(skipped=len(jobs) - len(todo))
    reasons: Counter[str] = Counter()
    interrupted, n_workers = False, 0
    try:
        if todo:
            from crafteditor.batch.cluster import WarmUp, cluster, results

            with cluster(workers, scheduler) as client:
                n_workers = len(client.scheduler_info().get("workers", {})) or (workers or 0)
                threads = None if scheduler else max(1, (os.cpu_count() or 1) // max(n_workers, 1))
                client.register_plugin(WarmUp(settings, threads), name="crafteditor-warm-up")
                for job, outcome in results(client, todo, settings, progress):
                    sink.write(job, outcome)
                    counts[outcome.status] += 1
                    if outcome.status == "converted":
                        manifest.record(job)
                    else:
                        reasons[_reason_group(outcome.reason)] += 1
    except KeyboardInterrupt:
        interrupted = True
    finally:
        sink.close()
    return BatchSummary(len(jobs), counts["converted"], counts["skipped"], counts["failed"],
                        time.perf_counter() - started, dict(reasons), interrupted, n_workers)


def _reason_group(reason: str) -> str:
    """Reasons grouped for the summary: the part before the first path-like detail."""
    text = reason.split(": ", 1)[0] if reason.startswith("internal error") else reason
    return text if len(text) <= 120 else text[:117] + "..."


class _Report:
    """One JSON line per figure, flushed as each finishes."""

    def __init__(self, path: Path | None) -> None:
        self._fh = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "w", encoding="utf-8")

    def write(self, job: Job, outcome: Outcome) -> None:
        if self._fh is None:
            return
        line = dict(input=str(job.source), output=str(job.output), **asdict(outcome))
        self._fh.write(json.dumps(line) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


