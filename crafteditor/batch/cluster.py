"""The Dask side of a batch: the cluster, warm workers, and figures in flight.

A local cluster lets a task go down with no worker (``allowed-failures`` 0); the
client then submits a lost worker's figure once more, so it is retried once,
on whichever worker takes it.

Imported only when a batch runs (Dask takes about a second to import).
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

import dask
from distributed import Client, KilledWorker, LocalCluster, as_completed
from distributed.diagnostics.plugin import WorkerPlugin

from crafteditor.batch.inputs import Job
from crafteditor.batch.work import Outcome, Settings, convert_job, warm_up
from crafteditor.model.errors import InputError

IN_FLIGHT_PER_THREAD = 2  # figures submitted per worker thread: enough to keep it busy, bounded memory
RETRIES_ON_LOST_WORKER = 1


class WarmUp(WorkerPlugin):
    """The engines are built once when a worker joins, not once per figure."""

    idempotent = True

    def __init__(self, settings: Settings, threads: int | None = None) -> None:
        self.settings = settings
        self.threads = threads  # per worker process: the cores shared out between the workers

    def setup(self, worker: Any) -> None:
        if self.threads:
            import cv2

            from extraction.onnx_sessions import ENV_THREADS

            os.environ[ENV_THREADS] = str(self.threads)
            cv2.setNumThreads(self.threads)
        try:
            warm_up(self.settings)
        except Exception:  # a missing engine then fails each figure with its reason
            pass


def results(client: Client, todo: list[Job], settings: Settings, progress: bool) -> Iterator[tuple[Job, Outcome]]:
    """(job, outcome) as figures finish; at most ``IN_FLIGHT_PER_THREAD`` per worker thread
    are submitted at a time.  A figure whose worker died is retried once, then failed."""
    from tqdm import tqdm

    threads = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values()))
    limit = IN_FLIGHT_PER_THREAD * threads
    pending = iter(todo)
    owner: dict[Any, tuple[Job, int]] = {}

    def submit(job: Job, attempt: int = 0) -> Any:
        future = client.submit(convert_job, job, settings, key=f"crafteditor-{job.digest[:16]}-{attempt}-{id(job)}",
                               pure=False, retries=0)
        owner[future] = (job, attempt)
        return future

    queue = as_completed([submit(j) for j in itertools.islice(pending, limit)])
    bar = tqdm(total=len(todo), unit="fig", file=sys.stderr, disable=not progress, dynamic_ncols=True,
               desc="crafteditor batch")
    try:
        for future in queue:
            job, attempt = owner.pop(future)
            outcome = _outcome_of(future)
            if outcome is None and attempt < RETRIES_ON_LOST_WORKER:
                queue.add(submit(job, attempt + 1))
                continue
            yield job, outcome or Outcome("failed", "its worker died, and again on retry (killed or out of memory)")
            bar.update(1)
            following = next(pending, None)
            if following is not None:
                queue.add(submit(following))
    finally:
        bar.close()
        for future in owner:
            future.cancel()


def _outcome_of(future: Any) -> Outcome | None:
    """The figure's outcome, or None when its worker was lost."""
    try:
        return future.result()
    except KilledWorker:
        return None
    except Exception as exc:  # e.g. the task could not be sent or unpickled
        if "worker" in type(exc).__name__.lower() or "commclosed" in type(exc).__name__.lower():
            return None
        return Outcome("failed", f"internal error: {type(exc).__name__}: {exc}")


class cluster:
    """A client of ``scheduler``, or of a local cluster started here and closed on exit."""

    def __init__(self, workers: int | None, scheduler: str | None) -> None:
        self.workers, self.scheduler = workers, scheduler
        self.cluster = self.client = None

    def __enter__(self) -> Any:
        logging.getLogger("distributed").setLevel(logging.ERROR)
        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout="20s")
            except OSError as exc:
                raise InputError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None
            return self.client
        n = self.workers or os.cpu_count() or 1
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            # the scheduler always serves HTTP; on a free port, so a running Dask's 8787 draws no warning
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                        dashboard_address=":0", scheduler_kwargs={"dashboard": False},
                                        silence_logs=logging.ERROR)
        self.client = Client(self.cluster)
        return self.client

    def __exit__(self, *exc: Any) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
