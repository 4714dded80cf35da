"""The refinement loop against a single pass, case by case.

Each conversion's first round (the grounded scene composed once, scored as the
method ``single-pass``) is compared with what the loop kept (``crafteditor``).
A case's *quality* is the mean of the recalls it can measure (text lines,
shapes, arrows, icons) and its drawn-pixel F1; the loop must raise the mean
over each set, and no case may end below its first round by more than
``WORSE_EPS``.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from crafteditor.bench.metrics import CaseScore

QUALITY_METRICS = ("line_recall", "shape_recall", "arrow_recall", "icon_recall", "f1")
WORSE_EPS = 0.002


def quality(score: CaseScore) -> float:
    values = [getattr(score, m) for m in QUALITY_METRICS if getattr(score, m) is not None]
    return statistics.fmean(values) if values else 0.0


@dataclass(frozen=True, slots=True)
class LoopComparison:
    set_name: str
    n: int
    single_pass: float  # mean quality
    loop: float
    better: int  # cases the loop improved
    worse: tuple[str, ...]  # cases the loop made worse
    targets: dict[str, bool]


def compare(scores: Sequence[CaseScore], loop_method: str = "crafteditor",
            single_method: str = "single-pass") -> list[LoopComparison]:
    """Per set, the loop's cases paired with their single pass (cases with both)."""
    by_key = {(s.set_name, s.case_id, s.method): s for s in scores}
    out = []
    for set_name in dict.fromkeys(s.set_name for s in scores):
        pairs = [(by_key[(set_name, s.case_id, single_method)], s) for s in scores
                 if s.set_name == set_name and s.method == loop_method
                 and (set_name, s.case_id, single_method) in by_key]
        if not pairs:
            continue
        first = [quality(a) for a, _ in pairs]
        final = [quality(b) for _, b in pairs]
        worse = tuple(b.case_id for (a, b), q0, q1 in zip(pairs, first, final) if q1 < q0 - WORSE_EPS)
        mean0, mean1 = statistics.fmean(first), statistics.fmean(final)
        out.append(LoopComparison(
            set_name, len(pairs), mean0, mean1, sum(q1 > q0 + WORSE_EPS for q0, q1 in zip(first, final)), worse,
            {"loop improves the mean quality": mean1 > mean0, "no case worse than its first round": not worse},
        ))
    return out


def format_comparison(rows: Sequence[LoopComparison]) -> str:
    if not rows:
        return ""
    lines = ["\n== refinement loop vs single pass (quality: mean of line/shape/arrow/icon recall and F1) ==",
             f"{'set':<11}{'n':>4}{'single':>9}{'loop':>9}{'gain':>9}{'better':>8}{'worse':>7}"]
    for r in rows:
        lines.append(f"{r.set_name:<11}{r.n:>4}{r.single_pass:>9.4f}{r.loop:>9.4f}{r.loop - r.single_pass:>+9.4f}"
                     f"{r.better:>8}{len(r.worse):>7}" + (f"  worse: {', '.join(r.worse)}" if r.worse else ""))
        lines.append("  targets loop: " + ", ".join(f"{k}: {'PASS' if v else 'FAIL'}" for k, v in r.targets.items()))
    return "\n".join(lines)
