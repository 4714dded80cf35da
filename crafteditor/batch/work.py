"""What a worker does with one figure: convert it, write the SVG and its exports.

Runs in the worker process.  The OCR engine and the segmenter are built once
per process (``extraction.ocr.get_engine`` caches engines; segmenters are cached
here) and reused for every figure the worker converts.  A figure never raises
out of ``convert_job``: its outcome says converted or failed, and why.
"""

from __future__ import annotations

import functools
import os
import resource
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crafteditor.batch.inputs import Job, export_path
from crafteditor.model.errors import CraftEditorError, one_line


@dataclass(frozen=True, slots=True)
class Settings:
    """The conversion options of a batch, as plain values a worker can rebuild from."""

    ocr: str = "rapidocr"
    segmenter: str = "opencv"
    sam_checkpoint: str | None = None
    sam_model: str | None = None
    max_pixels: int | None = None
    loop: Any = None  # crafteditor.loop.harness.LoopConfig, or None for one pass
    vlm: Any = None  # crafteditor.vlm.config.VlmConfig, or None (offline)
    exports: tuple[str, ...] = ()
    timeout_s: float | None = None

    def digest_options(self) -> dict[str, Any]:
        """What decides the SVG: a change here converts a figure again."""
        loop = None if self.loop is None else (self.loop.design_rounds, self.loop.refine_rounds)
        vlm = None if self.vlm is None else (self.vlm.base_url, self.vlm.model)
        return dict(ocr=self.ocr, segmenter=self.segmenter, sam_checkpoint=self.sam_checkpoint,
                    sam_model=self.sam_model, max_pixels=self.max_pixels, loop=loop, vlm=vlm)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # "converted" or "failed"
    reason: str = ""
    seconds: float = 0.0
    peak_rss_mb: float = 0.0  # the worker process's peak so far
    counts: dict[str, int] = field(default_factory=dict)
    worker: str = ""


class _Deadline(Exception):
    """Raised at the next stage boundary once a figure's time is up."""


def warm_up(settings: Settings) -> None:
    """Build the engines a conversion needs, once per worker process."""
    from extraction.ocr import get_engine

    get_engine(settings.ocr)
    _segmenter(settings.segmenter, settings.sam_checkpoint, settings.sam_model)


def convert_job(job: Job, settings: Settings) -> Outcome:
    """Convert ``job``; with ``settings.timeout_s``, give up on it once that time has passed."""
    started = time.perf_counter()
    if settings.timeout_s is None:
        outcome = _convert(job, settings, None)
    else:
        outcome = _with_deadline(job, settings, started + settings.timeout_s)
    return Outcome(outcome.status, outcome.reason, round(time.perf_counter() - started, 3),
                   _peak_rss_mb(), outcome.counts, f"pid {os.getpid()}")


def _with_deadline(job: Job, settings: Settings, deadline: float) -> Outcome:
    """The conversion runs in a thread of its own; past the deadline its outcome is a
    timeout, and the thread stops at the pipeline's next stage boundary."""
    box: list[Outcome] = []
    thread = threading.Thread(target=lambda: box.append(_convert(job, settings, deadline)), daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.perf_counter()))
    if box:
        return box[0]
    return Outcome("failed", f"timed out after {settings.timeout_s:g} s")


def _convert(job: Job, settings: Settings, deadline: float | None) -> Outcome:
    from crafteditor.model.io import atomic_write, check_output_path
    from crafteditor.pipeline import convert

    def progress(_message: str) -> None:
        if deadline is not None and time.perf_counter() > deadline:
            raise _Deadline

    try:
        job.output.parent.mkdir(parents=True, exist_ok=True)
        check_output_path(job.output, input_path=job.source)
        options: dict[str, Any] = {}
        if settings.max_pixels:
            options["max_pixels"] = settings.max_pixels
        result = convert(job.source, ocr=settings.ocr, loop=settings.loop, vlm=settings.vlm, progress=progress,
                         segmenter=_segmenter(settings.segmenter, settings.sam_checkpoint, settings.sam_model),
                         **options)
        progress("write")  # a figure past its time writes nothing
        atomic_write(job.output, result.svg)
        _export(job.output, result.svg, settings.exports)
    except _Deadline:
        return Outcome("failed", f"timed out after {settings.timeout_s:g} s")
    except CraftEditorError as exc:
        return Outcome("failed", one_line(exc, 300))
    except MemoryError:
        return Outcome("failed", "out of memory")
    except Exception as exc:  # a bug in the converter: recorded, and the batch goes on
        return Outcome("failed", f"internal error: {type(exc).__name__}: {one_line(exc, 300)}")
    return Outcome("converted", counts=dict(result.report.get("counts", {})))


def _export(svg_path: Path, svg: str, formats: tuple[str, ...]) -> None:
    if not formats:
        return
    from crafteditor.export import export
    from crafteditor.model.io import atomic_write
    from crafteditor.svg.doc import SvgDocument

    doc = SvgDocument.from_bytes(svg.encode("utf-8"), str(svg_path))
    for fmt in formats:
        atomic_write(export_path(svg_path, fmt), export(doc, fmt).data)


@functools.lru_cache(maxsize=None)
def _segmenter(name: str, checkpoint: str | None, model: str | None) -> Any:
    from extraction.segment import get_segmenter

    return get_segmenter(name, checkpoint, model)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
