"""Run the benchmark: cases x methods -> scores, images, results.json, report.html.

Cost of a conversion, measured in this process around the converter call:

- ``time_s``: wall time (``time.perf_counter``), including anything the
  converter loads on its first call;
- ``peak_rss_mb``: the process's resident set size at its highest during the
  call.  A thread samples ``/proc/self/statm`` every 5 ms; when the process's
  lifetime maximum (``getrusage(RUSAGE_SELF).ru_maxrss``) rose during the call,
  that exact kernel figure is used instead.  This counts native memory (ONNX,
  OpenCV), and everything the process already held (models, the benchmark's
  own images, about 150-250 MB of imports), so it is what a user's process
  needs; a peak shorter than 5 ms that does not raise the lifetime maximum can
  be missed.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import resource
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from checkers.render import SvgRenderError
from extraction.image import estimate_background
from crafteditor.bench import loopcmp, report
from crafteditor.bench.baselines import BASELINES, Converter, svg_of, timings_of
from crafteditor.bench.cases import Case
from crafteditor.bench.metrics import CaseScore, diff_image, evaluate
from crafteditor.bench.pdffigs import iter_pdf_cases, list_pdfs, load_pdf_case
from crafteditor.bench.rasterviews import RasterView, raster_figure_views, save_thumbnail
from crafteditor.bench.realfigs import Skipped, iter_real_cases, list_real_svgs
from crafteditor.bench.synth import make_case
from crafteditor.bench.timing import ColdConfig, Startup, cold_convert, measure_startup

SETS = ("synthetic", "degraded", "real", "pdf")
THUMB_LONG_SIDE_PX = 1000


@dataclass(frozen=True, slots=True)
class BenchResult:
    out_dir: Path
    scores: tuple[CaseScore, ...]
    summaries: tuple[report.SetSummary, ...]
    skipped: tuple[Skipped, ...]
    wall_s: float
    table: str
    comparison: tuple[loopcmp.LoopComparison, ...] = ()
    startup: Startup | None = None


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_bench(
    out_dir: str | Path,
    *,
    sets: Sequence[str] = SETS,
    n_synthetic: int = 20,
    n_degraded: int = 10,
    limit_real: int | None = None,
    converter: Converter | None = None,
    converter_name: str = "crafteditor",
    baselines: Sequence[str] = ("vtracer", "embed"),
    seed: int = 0,
    realfigs_dir: str | Path | None = None,
    pdffigs_dir: str | Path | None = None,
    limit_pdf: int | None = None,
    raster_views: bool = True,
    progress: Callable[[str], None] | None = _stderr,
    only: Sequence[str] = (),
    cold: ColdConfig | None = None,
) -> BenchResult:
    """Score ``converter`` (if any) and the named baselines on the chosen sets;
    with ``only``, on the cases whose id holds one of those substrings.  With
    ``cold``, each conversion is also timed as users run it: ``crafteditor
    convert`` in a fresh process, beside vtracer run the same way
    (``bench.timing``)."""
    unknown = [s for s in sets if s not in SETS] + [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ValueError(f"unknown sets or baselines: {unknown}")
    say = progress or (lambda _m: None)
    out = Path(out_dir)
    (out / "cases").mkdir(parents=True, exist_ok=True)
    methods: list[tuple[str, Converter]] = [(converter_name, converter)] if converter else []
    methods += [(name, BASELINES[name]) for name in baselines]
    if not methods:
        raise ValueError("nothing to run: no converter and no baselines")
    if "real" in sets:
        list_real_svgs(Path(realfigs_dir) if realfigs_dir else None)  # a missing folder fails before any work
    pdf_root = Path(pdffigs_dir or realfigs_dir) if (pdffigs_dir or realfigs_dir) else None
    if "pdf" in sets:
        list_pdfs(pdf_root)
    started = time.perf_counter()
    startup = measure_startup(cold.command) if cold is not None and converter else None
    if startup is not None:
        say(f"[bench] {startup.line()}")
    cold_for = converter_name if cold is not None and converter else None
    scores: list[CaseScore] = []
    skipped: list[Skipped] = []
    html_cases: list[dict[str, Any]] = []
    cases = _iter_cases(sets, n_synthetic, n_degraded, limit_real, seed, realfigs_dir)
    if "pdf" in sets:
        cases = itertools.chain(cases, _pdf_cases(pdf_root, limit_pdf, only))
    for index, item in enumerate(cases, 1):
        if only and not isinstance(item, Skipped) and not _wanted(item.case_id, only):
            continue
        if isinstance(item, Skipped):
            skipped.append(item)
            say(f"[bench] skipped {item.path}: {item.reason}")
            continue
        html_cases.append(_run_case(item, methods, out, scores, say, index, cold, cold_for))
    views: list[RasterView] = []
    if "pdf" in sets and converter is not None and raster_views:
        views = raster_figure_views(converter, out, pdf_root, say)
    summaries = report.summarise(scores)
    comparison = loopcmp.compare(scores, converter_name, SINGLE_PASS)
    table = (report.format_speed(summaries, startup) + report.format_tables(summaries)
             + loopcmp.format_comparison(comparison))
    wall = time.perf_counter() - started
    report.write_json(out / "results.json", {
        "config": dict(sets=list(sets), n_synthetic=n_synthetic, n_degraded=n_degraded, limit_real=limit_real,
                       seed=seed, methods=[m for m, _ in methods], realfigs_dir=str(realfigs_dir or ""),
                       pdffigs_dir=str(pdffigs_dir or ""), limit_pdf=limit_pdf),
        "wall_s": wall,
        "startup": startup,
        "process_max_rss_mb": _maxrss_mb(),
        "targets": [dict(metric=m, set=s, op=o, threshold=t) for m, s, o, t in report.TARGETS],
        "skipped": skipped,
        "summaries": summaries,
        "loop_vs_single_pass": comparison,
        "cases": scores,
        "raster_views": views,
    })
    report.write_html(out / "report.html", summaries, html_cases, table, skipped, views)
    return BenchResult(out, tuple(scores), tuple(summaries), tuple(skipped), wall, table, tuple(comparison),
                       startup)


def _iter_cases(sets: Sequence[str], n_synthetic: int, n_degraded: int, limit_real: int | None, seed: int,
                realfigs_dir: str | Path | None) -> Iterator[Case | Skipped]:
    """Cases one at a time (each holds a few megabytes of images)."""
    if "synthetic" in sets:
        for i in range(n_synthetic):
            yield make_case(seed + i)
    if "degraded" in sets:  # the same figures as the synthetic set, degraded
        for i in range(n_degraded):
            yield make_case(seed + i, degrade=True)
    if "real" in sets:
        yield from iter_real_cases(Path(realfigs_dir) if realfigs_dir else None, limit_real)


def _wanted(case_id: str, only: Sequence[str]) -> bool:
    return not only or any(part in case_id for part in only)


def _pdf_cases(root: Path | None, limit: int | None, only: Sequence[str]) -> Iterator[Case | Skipped]:
    """The pdf set's cases; with ``only``, just the files whose name holds one of those substrings
    (filtered before loading, which renders the page and reads its truth)."""
    if not only:
        yield from iter_pdf_cases(root, limit)
        return
    paths = [p for p in list_pdfs(root) if _wanted(p.stem, only)]
    for path in paths[:limit] if limit is not None else paths:
        yield load_pdf_case(path)


def _run_case(case: Case, methods: list[tuple[str, Converter]], out: Path, scores: list[CaseScore],
              say: Callable[[str], None], index: int, cold: ColdConfig | None = None,
              cold_for: str | None = None) -> dict[str, Any]:
    folder = out / "cases" / case.case_id
    folder.mkdir(parents=True, exist_ok=True)
    _save(folder / "input.png", case.image_rgb)
    background = estimate_background(case.image_rgb)
    entry: dict[str, Any] = dict(id=case.case_id, set=case.set_name, source=case.source, note=_note(case),
                                 input=f"cases/{case.case_id}/input.png", images={}, scores={})
    for name, convert in methods:
        score, rendered, first = _score_method(case, name, convert, folder)
        score = replace(score, image_px=case.image_wh[0] * case.image_wh[1])
        if cold is not None and name == cold_for:
            score = _with_cold(case, score, folder, cold)
        for method, sc, image in [(name, score, rendered)] + ([first] if first else []):
            _add_method(case, entry, folder, method, sc, image, scores, say, index, background)
    return entry


def _add_method(case: Case, entry: dict[str, Any], folder: Path, name: str, score: CaseScore,
                rendered: np.ndarray | None, scores: list[CaseScore], say: Callable[[str], None], index: int,
                background: tuple[int, int, int]) -> None:
    scores.append(score)
    render_rel = diff_rel = ""
    if rendered is not None:
        _save(folder / f"{name}.png", rendered)
        _save(folder / f"{name}-diff.png", diff_image(rendered, case.image_rgb, background))
        render_rel, diff_rel = f"cases/{case.case_id}/{name}.png", f"cases/{case.case_id}/{name}-diff.png"
    entry["images"][name] = (render_rel, diff_rel)
    entry["scores"][name] = _as_dict(score)
    say(f"[bench {index}] {case.set_name}/{case.case_id} {name}: "
        + (f"ERROR {score.error.splitlines()[0]}" if score.error else
           f"word {score.word_recall:.3f} line {score.line_recall:.3f} F1 {score.f1:.3f} "
           f"ghost {score.ghost_ratio:.2f}")
        + f" {score.time_s or 0:.2f}s {score.peak_rss_mb or 0:.0f}MB" + _cold_note(score))


def _cold_note(score: CaseScore) -> str:
    if score.cold_error:
        return f"; cold ERROR {score.cold_error}"
    if score.cold_s is None:
        return ""
    tracer = f", vtracer {score.vtracer_cold_s:.2f}s" if score.vtracer_cold_s is not None else ""
    return f"; cold {score.cold_s:.2f}s {score.cold_peak_rss_mb or 0:.0f}MB{tracer}"


def _with_cold(case: Case, score: CaseScore, folder: Path, cold: ColdConfig) -> CaseScore:
    """``score`` with the cold conversion of the case's input (the full image, written as PNG
    for the child process) and vtracer's cold time on the same file."""
    png = folder / "input-full.png"
    png.write_bytes(case.png_bytes())
    try:
        run = cold_convert(png, cold)
    finally:
        png.unlink(missing_ok=True)
    warm_svg = folder / f"{score.method}.svg"
    same = run.svg == warm_svg.read_bytes() if run.convert.ok and warm_svg.exists() else None
    return replace(score, cold_s=run.convert.seconds, cold_peak_rss_mb=run.convert.peak_rss_mb,
                   cold_timings_s=run.stages_s, cold_error=run.error, cold_same_svg=same,
                   vtracer_cold_s=run.vtracer.seconds if run.vtracer is not None and run.vtracer.ok else None)


def _note(case: Case) -> str:
    truth = case.truth
    note = f"{len(truth.lines)} lines, {len(truth.words)} words, {case.image_wh[0]}x{case.image_wh[1]} px, "
    note += f"scale {case.render_scale:g}"
    if case.degradation:
        note += f", {case.degradation.label}"
    if truth.dropped:
        note += f", hidden text not counted: {len(truth.dropped)}"
    return note


def _as_dict(score: CaseScore) -> dict[str, Any]:
    return dataclasses.asdict(score)


SINGLE_PASS = "single-pass"


def _score_method(case: Case, name: str, convert: Converter, folder: Path) -> tuple[
        CaseScore, np.ndarray | None, tuple[str, CaseScore, np.ndarray | None] | None]:
    """The method's score and rendering, and, when its result carries the SVG of
    its loop's first round (``first_svg``), that round scored as ``single-pass``:
    the same conversion composed once, its time without the refinement."""
    base = CaseScore(case.case_id, case.set_name, name, n_lines=len(case.truth.lines), n_words=len(case.truth.words))
    measured = measured_call(convert, case.image_rgb.copy())
    seconds, peak, result = measured.seconds, measured.peak_rss_mb, measured.result
    base = replace(base, time_s=seconds, peak_rss_mb=peak)
    if measured.error is not None:  # the converter's failure is a result of the run
        return replace(base, error=_error_text("conversion failed", measured.error)), None, None
    base = replace(base, timings_s=timings_of(result))
    first = None
    first_svg = getattr(result, "first_svg", None)
    if first_svg:
        single = replace(base, method=SINGLE_PASS, time_s=seconds - base.timings_s.get("refine", 0.0))
        first = (SINGLE_PASS, *_scored(case, single, first_svg.encode("utf-8"), folder))
    try:
        svg = svg_of(result)
    except TypeError as exc:
        return replace(base, error=_error_text("output not renderable", exc)), None, first
    return (*_scored(case, base, svg, folder), first)


def _scored(case: Case, base: CaseScore, svg: bytes, folder: Path) -> tuple[CaseScore, np.ndarray | None]:
    try:
        (folder / f"{base.method}.svg").write_bytes(svg)
        evaluation = evaluate(case, svg, base.method)
    except SvgRenderError as exc:
        return replace(base, error=_error_text("output not renderable", exc)), None
    return replace(evaluation.score, time_s=base.time_s, peak_rss_mb=base.peak_rss_mb,
                   timings_s=base.timings_s), evaluation.rendered_rgb


def _error_text(what: str, exc: BaseException) -> str:
    tail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-3:])
    return f"{what}: {type(exc).__name__}: {exc}\n{tail}"


def _save(path: Path, rgb: np.ndarray) -> None:
    save_thumbnail(path, rgb, THUMB_LONG_SIDE_PX)


# -- cost measurement ---------------------------------------------------------------
def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _rss_mb() -> float:
    with open("/proc/self/statm", "rb") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024.0 * 1024.0)


class _RssSampler(threading.Thread):
    def __init__(self, interval_s: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self.peak_mb = _rss_mb()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak_mb = max(self.peak_mb, _rss_mb())
            self._halt.wait(self.interval_s)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return max(self.peak_mb, _rss_mb())


@dataclass(frozen=True, slots=True)
class Measured:
    result: Any
    error: BaseException | None
    seconds: float
    peak_rss_mb: float


def measured_call(fn: Callable[[Any], Any], arg: Any) -> Measured:
    """Call ``fn(arg)``; its result or exception, wall seconds and peak RSS (MiB) during the call."""
    before = _maxrss_mb()
    sampler = _RssSampler()
    sampler.start()
    start = time.perf_counter()
    result, error = None, None
    try:
        result = fn(arg)
    except Exception as exc:  # the caller records it
        error = exc
    seconds = time.perf_counter() - start
    sampled = sampler.stop()
    after = _maxrss_mb()
    return Measured(result, error, seconds, max(after, sampled) if after > before else sampled)
