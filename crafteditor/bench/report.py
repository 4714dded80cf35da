"""Summaries per set and method, target checks, the text table, results.json and report.html.

Aggregation: per-case recalls, CER and F1 are averaged over cases (mean and
median; a case whose conversion or rendering failed counts with its zero
scores and is counted in ``errors``).  Font-size and colour shares are pooled
over all recovered lines of the set.  Time is the median wall time of a
conversion; memory the largest per-conversion peak RSS; ``max_time_ratio`` the
slowest conversion over the median one.
"""

from __future__ import annotations

import dataclasses
import html
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crafteditor.bench.metrics import CaseScore

MEAN_METRICS = ("word_recall", "line_recall", "cer", "f1", "f1_vector", "ghost_ratio",
                "shape_recall", "shape_kind_ok", "arrow_recall", "arrow_head_recall", "dot_recall", "icon_recall",
                "raster_share", "raster_excess",
                "primitive_share")
# (metric, set or "*", comparison, threshold)
TARGETS: tuple[tuple[str, str, str, float], ...] = (
    ("word_recall", "synthetic", ">=", 0.99),
    ("line_recall", "synthetic", ">=", 0.97),
    ("word_recall", "degraded", ">=", 0.97),
    ("word_recall", "real", ">=", 0.93),
    ("line_recall", "real", ">=", 0.85),
    ("size_share", "*", ">=", 0.90),
    ("colour_share", "*", ">=", 0.90),
    ("f1", "*", ">=", 0.95),
    ("drawn_twice", "*", "==", 0),
    ("shape_recall", "synthetic", ">=", 0.92),
    ("shape_kind_ok", "synthetic", ">=", 0.90),
    ("raster_excess", "synthetic", "<=", 0.02),
    ("primitive_share", "synthetic", ">=", 0.80),
    ("shape_recall", "real", ">=", 0.75),
    ("arrow_recall", "real", ">=", 0.60),
    ("arrow_recall", "synthetic", ">=", 0.92),
    ("icon_recall", "synthetic", ">=", 0.92),
    ("arrow_head_recall", "real", ">=", 0.70),
    ("dot_recall", "real", ">=", 0.70),
    ("f1", "real", ">=", 0.93),
    ("word_recall", "pdf", ">=", 0.95),
    ("line_recall", "pdf", ">=", 0.90),
    ("shape_recall", "pdf", ">=", 0.85),
    ("icon_recall", "pdf", ">=", 0.80),
    ("arrow_recall", "pdf", ">=", 0.60),
    ("f1", "pdf", ">=", 0.97),
    ("max_time_ratio", "pdf", "<=", 3.0),
    ("median_time_s", "*", "<=", 4.0),
    ("peak_rss_mb", "*", "<=", 1536.0),
    # as users run it: a fresh ``crafteditor convert`` process per figure (``bench.timing``)
    ("cold_median_s", "synthetic", "<=", 3.0),
    ("cold_median_s", "real", "<=", 4.0),
    ("cold_max_s", "*", "<=", 10.0),
    ("cold_vtracer_ratio", "*", "<=", 10.0),
    ("cold_peak_rss_mb", "*", "<=", 1024.0),
    ("median_time_s", "synthetic", "<=", 1.5),
    ("median_time_s", "real", "<=", 2.5),
)
COLD_MAX_PIXELS = 4_000_000  # ``cold_max_s`` is over the figures smaller than this


@dataclass(frozen=True, slots=True)
class SetSummary:
    set_name: str
    method: str
    n: int
    errors: int
    means: dict[str, float | None]
    medians: dict[str, float | None]
    size_share: float | None
    colour_share: float | None
    drawn_twice: int
    ghost_lines: int
    median_time_s: float | None
    peak_rss_mb: float | None
    targets: dict[str, bool | None]
    max_time_ratio: float | None = None  # slowest conversion / median conversion
    max_time_s: float | None = None
    stage_medians_s: dict[str, float] = dataclasses.field(default_factory=dict)  # warm, per stage
    cold_median_s: float | None = None
    cold_max_s: float | None = None  # over figures under COLD_MAX_PIXELS
    cold_peak_rss_mb: float | None = None
    cold_overhead_median_s: float | None = None  # cold wall time outside the stages: start-up and exit
    cold_errors: int = 0
    cold_other_svg: int = 0  # cold runs whose SVG differs from the warm call's
    vtracer_cold_median_s: float | None = None
    cold_vtracer_ratio: float | None = None  # cold median / vtracer's cold median


def summarise(scores: Sequence[CaseScore]) -> list[SetSummary]:
    groups: dict[tuple[str, str], list[CaseScore]] = {}
    for s in scores:
        groups.setdefault((s.set_name, s.method), []).append(s)
    return [_summary(set_name, method, group) for (set_name, method), group in groups.items()]


def _stat(values: list[float | None], fn: Any) -> float | None:
    clean = [v for v in values if v is not None]
    return float(fn(clean)) if clean else None


def _summary(set_name: str, method: str, group: list[CaseScore]) -> SetSummary:
    means = {m: _stat([getattr(s, m) for s in group], statistics.fmean) for m in MEAN_METRICS}
    medians = {m: _stat([getattr(s, m) for s in group], statistics.median) for m in MEAN_METRICS}
    recovered = sum(s.recovered_lines for s in group)
    compared = sum(s.colour_compared for s in group)
    times = [s.time_s for s in group if s.time_s is not None]
    rss = [s.peak_rss_mb for s in group if s.peak_rss_mb is not None]
    summary = SetSummary(
        set_name=set_name,
        method=method,
        n=len(group),
        errors=sum(s.error is not None for s in group),
        means=means,
        medians=medians,
        size_share=sum(s.size_ok for s in group) / recovered if recovered else None,
        colour_share=sum(s.colour_ok for s in group) / compared if compared else None,
        drawn_twice=sum(s.drawn_twice for s in group),
        ghost_lines=sum(s.ghost_lines for s in group),
        median_time_s=statistics.median(times) if times else None,
        peak_rss_mb=max(rss) if rss else None,
        targets={},
        max_time_ratio=max(times) / statistics.median(times) if times and statistics.median(times) > 0 else None,
        max_time_s=max(times) if times else None,
        **_speed(group),
    )
    return dataclasses.replace(summary, targets=check_targets(summary))


def _speed(group: list[CaseScore]) -> dict[str, Any]:
    """Stage medians of the warm runs, and the cold runs' times, memory and vtracer ratio."""
    stages: dict[str, list[float]] = {}
    for s in group:
        for name, seconds in s.timings_s.items():
            stages.setdefault(name, []).append(seconds)
    cold = [s for s in group if s.cold_s is not None and s.cold_error is None]
    cold_s = [s.cold_s for s in cold]
    small = [s.cold_s for s in cold if not s.image_px or s.image_px < COLD_MAX_PIXELS]
    tracer = [s.vtracer_cold_s for s in cold if s.vtracer_cold_s is not None]
    cold_median = statistics.median(cold_s) if cold_s else None
    tracer_median = statistics.median(tracer) if tracer else None
    return dict(
        stage_medians_s={name: statistics.median(v) for name, v in stages.items()},
        cold_median_s=cold_median,
        cold_max_s=max(small) if small else None,
        cold_peak_rss_mb=max((s.cold_peak_rss_mb for s in cold if s.cold_peak_rss_mb), default=None),
        cold_overhead_median_s=statistics.median(
            s.cold_s - sum(s.cold_timings_s.values()) for s in cold) if cold else None,
        cold_errors=sum(s.cold_error is not None for s in group),
        cold_other_svg=sum(s.cold_same_svg is False for s in group),
        vtracer_cold_median_s=tracer_median,
        cold_vtracer_ratio=cold_median / tracer_median if cold_median and tracer_median else None,
    )


def _value(summary: SetSummary, metric: str) -> float | None:
    if metric in summary.means:
        return summary.means[metric]
    return getattr(summary, metric)


def check_targets(summary: SetSummary) -> dict[str, bool | None]:
    """Target name -> pass (True), fail (False) or not measurable (None)."""
    out: dict[str, bool | None] = {}
    for metric, set_name, op, threshold in TARGETS:
        if set_name not in ("*", summary.set_name):
            continue
        value = _value(summary, metric)
        name = f"{metric} {op} {threshold:g}"
        if value is None:
            out[name] = None
        elif op == ">=":
            out[name] = value >= threshold
        elif op == "<=":
            out[name] = value <= threshold
        else:
            out[name] = value == threshold
    return out


# -- text table ---------------------------------------------------------------------
def format_speed(summaries: Sequence[SetSummary], startup: Any = None) -> str:
    """Time and memory per set, cold first: the cold run is what users feel."""
    rows = [s for s in summaries if s.cold_median_s is not None or s.cold_errors]
    if not rows and startup is None:
        return ""
    lines = ["\n== speed ==  cold: a fresh `crafteditor convert` process per figure; "
             "warm: the Python API, engines loaded"]
    if startup is not None:
        lines.append(startup.line())
    lines.append(f"{'set':<11}{'n':>4}{'cold med':>10}{'cold max':>10}{'warm med':>10}{'warm max':>10}"
                 f"{'vtracer':>9}{'ratio':>7}{'start':>7}{'rss cold':>10}{'rss warm':>10}{'errors':>8}"
                 f"{'other svg':>10}  warm stage medians (s)")
    for s in rows:
        stages = " ".join(f"{k} {v:.2f}" for k, v in s.stage_medians_s.items() if v >= 0.005)
        lines.append(f"{s.set_name:<11}{s.n:>4}{_fmt(s.cold_median_s):>10}{_fmt(s.cold_max_s):>10}"
                     f"{_fmt(s.median_time_s):>10}{_fmt(s.max_time_s):>10}{_fmt(s.vtracer_cold_median_s):>9}"
                     f"{_fmt(s.cold_vtracer_ratio, 1):>7}{_fmt(s.cold_overhead_median_s):>7}"
                     f"{_fmt(s.cold_peak_rss_mb, 0):>10}{_fmt(s.peak_rss_mb, 0):>10}{s.cold_errors:>8}"
                     f"{s.cold_other_svg:>10}  {stages}")
    lines.append("  times in s (medians and maxima per figure); ratio: cold median / vtracer's cold median; "
                 "start: cold time outside the stages (interpreter, imports, exit); rss: peak MB")
    return "\n".join(lines) + "\n"



_COLUMNS = (("wordR", "word_recall"), ("lineR", "line_recall"), ("CER", "cer"), ("F1", "f1"),
            ("F1vec", "f1_vector"), ("ghost", "ghost_ratio"), ("shapeR", "shape_recall"),
            ("kind", "shape_kind_ok"), ("arrowR", "arrow_recall"), ("headR", "arrow_head_recall"),
            ("dotR", "dot_recall"), ("iconR", "icon_recall"),
            ("raster", "raster_share"), ("rastX", "raster_excess"), ("prim", "primitive_share"))


def _fmt(v: float | None, digits: int = 2) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def format_tables(summaries: Sequence[SetSummary]) -> str:
    """One table per set: mean/median of each metric per method, then target verdicts."""
    lines: list[str] = []
    for set_name in dict.fromkeys(s.set_name for s in summaries):
        rows = [s for s in summaries if s.set_name == set_name]
        lines.append(f"\n== {set_name} ({rows[0].n} cases) ==  cells: mean/median")
        header = f"{'method':<12}{'err':>4}" + "".join(f"{c:>11}" for c, _ in _COLUMNS)
        header += f"{'size%':>7}{'col%':>7}{'twice':>6}{'t_med':>7}{'t_max/':>7}{'rssMB':>7}"
        lines.append(header)
        for s in rows:
            cells = "".join(f"{_fmt(s.means[m]) + '/' + _fmt(s.medians[m]):>11}" for _, m in _COLUMNS)
            lines.append(f"{s.method:<12}{s.errors:>4}{cells}{_fmt(s.size_share):>7}{_fmt(s.colour_share):>7}"
                         f"{s.drawn_twice:>6}{_fmt(s.median_time_s):>7}{_fmt(s.max_time_ratio):>7}{_fmt(s.peak_rss_mb, 0):>7}")
        for s in rows:
            verdicts = ", ".join(f"{k}: {'PASS' if v else 'n/a' if v is None else 'FAIL'}"
                                 for k, v in s.targets.items())
            lines.append(f"  targets {s.method}: {verdicts}")
    return "\n".join(lines)


# -- files -------------------------------------------------------------------------
def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=1, default=_jsonable), encoding="utf-8")


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


_CSS = ("body{font-family:sans-serif;margin:1em}table{border-collapse:collapse;font-size:12px}"
        "td,th{border:1px solid #ccc;padding:2px 5px;text-align:right}th{background:#eee}"
        ".imgs img{max-width:32%;border:1px solid #ccc;margin:2px}.fail{color:#b00}.pass{color:#070}"
        "pre{background:#f6f6f6;padding:1em}")


def write_html(path: Path, summaries: Sequence[SetSummary], cases: Sequence[dict[str, Any]],
               tables: str, skipped: Sequence[Any], views: Sequence[Any] = ()) -> None:
    """``cases``: dicts with id, set, source, note, images {method: (render, diff)}, input, scores."""
    out = [f"<!doctype html><meta charset='utf-8'><title>crafteditor bench</title><style>{_CSS}</style>",
           "<h1>crafteditor bench</h1>", f"<pre>{html.escape(tables)}</pre>"]
    if skipped:
        out.append("<h2>Skipped</h2><ul>" + "".join(
            f"<li>{html.escape(s.path)}: {html.escape(s.reason)}</li>" for s in skipped) + "</ul>")
    fields = [f.name for f in dataclasses.fields(CaseScore) if f.name not in ("case_id", "set_name", "method")]
    for case in cases:
        out.append(f"<h3 id='{html.escape(case['id'])}'>{html.escape(case['set'])} / {html.escape(case['id'])}</h3>"
                   f"<p>{html.escape(case['source'])} {html.escape(case['note'])}</p>")
        for method, (render, diff) in case["images"].items():
            imgs = [(case["input"], "input")] + [(p, t) for p, t in ((render, method), (diff, "difference")) if p]
            out.append(f"<div class='imgs'><b>{html.escape(method)}</b> (input | rendering | red: missed, blue: extra)"
                       "<br>" + "".join(f"<img src='{html.escape(p)}' alt='{t}' loading='lazy'>" for p, t in imgs)
                       + "</div>")
        out.append("<table><tr><th>metric</th>" + "".join(f"<th>{html.escape(m)}</th>" for m in case["scores"])
                   + "</tr>")
        for name in fields:
            row = [case["scores"][m].get(name) for m in case["scores"]]
            out.append(f"<tr><th>{name}</th>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>")
        out.append("</table>")
    out.extend(_views_html(views))
    path.write_text("\n".join(out), encoding="utf-8")


def _views_html(views: Sequence[Any]) -> list[str]:
    """Raster paper figures (``rasterviews.RasterView``): input and rendering, no scores."""
    if not views:
        return []
    out = ["<h2>Raster paper figures (no truth: for looking at)</h2>"]
    for v in views:
        status = f"error: {v.error}" if v.error else f"{v.time_s:.1f} s"
        out.append(f"<h3 id='{html.escape(v.case_id)}'>png / {html.escape(v.case_id)}</h3>"
                   f"<p>{html.escape(v.source)} ({html.escape(status)})</p><div class='imgs'>"
                   + "".join(f"<img src='{html.escape(p)}' alt='{t}' loading='lazy'>"
                             for p, t in ((v.input, "input"), (v.rendering, "crafteditor")) if p) + "</div>")
    return out


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, dict):
        return ", ".join(f"{k}={_cell(x)}" for k, x in v.items())
    return "" if v is None else str(v)
