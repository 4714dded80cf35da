"""The verify-then-refine loop: designer, executor, verifier, reviser.

One generic loop over a typed specification ``S`` (for the editor, the
``Scene``) and what executing it gives ``A`` (for the editor, the SVG text):

1. **design**: the designer proposes candidate skeletons (at most
   ``LoopConfig.design_rounds``); each is executed and verified, and the best
   becomes the best so far;
2. **refine**: up to ``refine_rounds`` times, the reviser turns the best
   verdict's findings into revised candidates (typed fixes applied); the first
   one not tried yet is executed and verified, and kept only when it scores
   better by ``min_gain``.  Otherwise the best so far stays (reversion).
   A candidate whose score cannot beat the best so far (``Roles.ceiling``, when
   the roles can bound it before executing) is rejected untried.
   The loop stops early when the best verdict passes the gate (nothing left to
   fix), even during design (a first candidate that passes is the answer, and
   no other is made or tried), or when the reviser has nothing new to offer.

Every round is recorded in the ``Trace``: what was tried, its findings by
code, its score, whether it was kept, its time and the VLM tokens it spent.
A stage that fails on a candidate (``StageFailed``) is a rejected round, not a
crash; when every design candidate fails, the loop raises.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Generic, Protocol, TypeVar

S = TypeVar("S")
A = TypeVar("A")


CEILING_MARGIN = 1e-6  # a ceiling this close to what beats the best still lets the candidate be tried


class StageFailed(RuntimeError):
    """A role could not execute or verify one candidate (the candidate is dropped)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The verifier's judgement: a score (higher is better) and the findings behind it."""

    score: float
    findings: tuple[Any, ...] = ()  # checkers.base.Finding
    metrics: tuple[tuple[str, float], ...] = ()

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)


@dataclass(frozen=True, slots=True)
class Candidate(Generic[S]):
    """A specification to try, and a short description of what makes it different."""

    spec: S
    label: str


@dataclass(frozen=True, slots=True)
class Usage:
    """What the roles spent on a round: VLM tokens and notes on their calls."""

    tokens: int = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoundRecord:
    stage: str  # "design" | "refine"
    index: int
    tried: str
    outcome: str  # "best" | "kept" | "rejected" | "failed"
    score: float | None
    findings: tuple[tuple[str, int], ...]  # (code, how many), warnings and errors only
    errors: int
    warnings: int
    time_s: float
    tokens: int = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Trace:
    rounds: tuple[RoundRecord, ...]
    best_round: int  # index into ``rounds``
    stopped: str  # why the loop ended

    @property
    def tokens(self) -> int:
        return sum(r.tokens for r in self.rounds)

    @property
    def first_score(self) -> float | None:
        return next((r.score for r in self.rounds if r.score is not None), None)

    @property
    def best_score(self) -> float | None:
        return self.rounds[self.best_round].score


@dataclass(frozen=True)
class LoopResult(Generic[S, A]):
    best: Candidate[S]
    artifact: A = field(repr=False)
    verdict: Verdict
    trace: Trace


class Roles(Protocol[S, A]):
    """What the loop needs; ``usage`` (optional) reports and resets what was spent;
    ``ceiling`` (optional) bounds a candidate's score before it is executed: a
    candidate that cannot beat the best so far is rejected without being executed
    or verified."""

    def design(self, spec: S) -> Sequence[Candidate[S]]: ...

    def execute(self, candidate: Candidate[S]) -> A: ...

    def verify(self, candidate: Candidate[S], artifact: A) -> Verdict: ...

    def revise(self, spec: S, verdict: Verdict) -> Iterable[Candidate[S]]: ...


def nothing_to_fix(verdict: Verdict) -> bool:
    """The default gate: no error and no warning left."""
    return verdict.count("error") == 0 and verdict.count("warning") == 0


@dataclass(frozen=True, slots=True)
class LoopConfig:
    design_rounds: int = 3  # candidate skeletons tried at most
    refine_rounds: int = 4  # revisions tried at most
    min_gain: float = 0.05  # score a revision must add to be kept
    gate: Callable[[Verdict], bool] = nothing_to_fix

    def __post_init__(self) -> None:
        if self.design_rounds < 1 or self.refine_rounds < 0:
            raise ValueError("design_rounds must be >= 1 and refine_rounds >= 0")


class _Run(Generic[S, A]):
    def __init__(self, roles: Roles[S, A], progress: Callable[[str], None] | None) -> None:
        self.roles = roles
        self.progress = progress or (lambda _m: None)
        self.rounds: list[RoundRecord] = []
        self.best: tuple[Candidate[S], A, Verdict, int] | None = None

    def _usage(self) -> Usage:
        usage = getattr(self.roles, "usage", None)
        return usage() if callable(usage) else Usage()

    def attempt(self, stage: str, candidate: Candidate[S], min_gain: float) -> bool:
        """Execute and verify ``candidate``; keep it when it beats the best so far."""
        self.progress(f"{stage} {len(self.rounds)}: {candidate.label}")
        start = time.perf_counter()
        ceiling = getattr(self.roles, "ceiling", None)
        top = ceiling(candidate) if self.best is not None and callable(ceiling) else None
        if top is not None and top < self.best[2].score + min_gain - CEILING_MARGIN:
            self._record(stage, candidate, "rejected", None, start, (f"cannot beat the best: at most {top:.2f}",))
            return False
        try:
            artifact = self.roles.execute(candidate)
            verdict = self.roles.verify(candidate, artifact)
        except StageFailed as exc:
            self._record(stage, candidate, "failed", None, start, (f"failed: {exc}",))
            return False
        better = self.best is None or verdict.score > self.best[2].score + min_gain
        outcome = ("best" if stage == "design" else "kept") if better else "rejected"
        if better:
            self.best = (candidate, artifact, verdict, len(self.rounds))
        self._record(stage, candidate, outcome, verdict, start)
        return better

    def _record(self, stage: str, candidate: Candidate[S], outcome: str, verdict: Verdict | None,
                start: float, notes: tuple[str, ...] = ()) -> None:
        usage = self._usage()
        found = [f for f in (verdict.findings if verdict else ()) if f.severity != "info"]
        self.rounds.append(RoundRecord(
            stage=stage, index=len(self.rounds), tried=candidate.label, outcome=outcome,
            score=None if verdict is None else round(verdict.score, 4),
            findings=tuple(sorted(Counter(f.code for f in found).items())),
            errors=0 if verdict is None else verdict.count("error"),
            warnings=0 if verdict is None else verdict.count("warning"),
            time_s=round(time.perf_counter() - start, 4), tokens=usage.tokens, notes=usage.notes + notes,
        ))


def run_loop(roles: Roles[S, A], spec: S, config: LoopConfig = LoopConfig(),
             progress: Callable[[str], None] | None = None) -> LoopResult[S, A]:
    """Design candidates from ``spec``, keep the best, refine it; see the module text."""
    run: _Run[S, A] = _Run(roles, progress)
    for candidate in islice(roles.design(spec), config.design_rounds):  # made as they are tried
        run.attempt("design", candidate, 0.0)
        if run.best is not None and config.gate(run.best[2]):
            break  # nothing left to fix: no other reading is tried
    if run.best is None:
        raise StageFailed("no candidate could be executed and verified: "
                          + "; ".join(n for r in run.rounds for n in r.notes))
    tried: set[tuple[int, str]] = set()  # (round of the base, label)
    stopped = f"{config.refine_rounds} refine rounds done"
    for _ in range(config.refine_rounds):
        best, _artifact, verdict, base = run.best
        if config.gate(verdict):
            stopped = "nothing left to fix"
            break
        fresh = next((c for c in roles.revise(best.spec, verdict) if (base, c.label) not in tried), None)
        if fresh is None:
            stopped = "no revision left to try"
            break
        tried.add((base, fresh.label))
        run.attempt("refine", fresh, config.min_gain)
    best, artifact, verdict, index = run.best
    return LoopResult(best, artifact, verdict, Trace(tuple(run.rounds), index, stopped))
