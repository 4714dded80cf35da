"""The generation loop: K candidates, a critic, typed edits and upstream's convergence judge.

    best, trace = run(spec, OfflineExecutor(), critic, GenConfig(rounds=3))

1. **Design** (round 0): the planner's K candidates (they differ in layout and style)
   are drawn and critiqued; the best is the one with the highest overall score (the
   first on a tie).  When it already ships, refinement is skipped.  A critic that
   ``bounds`` (offline, with OCR) scores every candidate without the OCR read-back
   first, an upper bound, and reads back only those that can still be the best.
2. **Refine** (rounds 1..T): the critic's defects on the current attempt become at
   most three typed edits (``revise``); the edited spec is drawn with the current
   plan (what the spec now fixes or bans applied to it) and critiqued.

   - The best changes only on a strictly higher overall score.
   - A drop of more than 0.3 below the previous attempt is drawn again once: an image
     model paints the same plan again; the deterministic offline executor draws the
     same spec with the planner's next candidate instead (its only freedom).  The
     better of the two counts.  If it still falls below the previous attempt, the
     loop reverts to the best round's spec and plan.
   - The judge stops at T rounds, continues while an artefact shows (a defect of the
     artefact axis, an overlap or a label leaving its box), and otherwise stops once
     the attempt ships.
3. **Polish**: one typography-only pass when the best's text readability is below
   7.5 (and its content at least 5.5); it is kept when text readability strictly
   improves, content stays at least 5.5 and the overall score drops by 0.5 at most
   (upstream's gates for this pass).

**Shipping.**  Upstream ships at content ≥ 6.5 (or overall ≥ 7.5) with no artefact,
where content is a model's loose judgement.  The offline critic measures content
exactly (every label read back, every connection glued) and gives 10 almost always,
so content ≥ 6.5 alone would stop every run before it looked at layout or text.
Here an attempt ships when it has no artefact, content ≥ 6.5, role match ≥ 6.5 and
overall ≥ 7.5: content stays a necessary bar, overall is the sufficient one.  The
same rule gates skipping refinement after the design round.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from crafteditor.generate import plan as planner
from crafteditor.generate.critic import PASS_MARK, Critique, Defect
from crafteditor.generate.edits import apply_all
from crafteditor.generate.execute import Drawn, Executor
from crafteditor.generate.graph import DrawRequest
from crafteditor.generate.revise import edit_key, revise
from crafteditor.generate.spec import FigureSpec
from crafteditor.generate.trace import CandidateRecord, GenerationTrace, RoundRecord, candidate_record

__all__ = ["Attempt", "GenConfig", "artefacts", "run", "ships"]

ARTEFACT_CODES = frozenset({"overlap", "text-overflow"})
Critic = Callable[..., Critique]  # (svg, request, spec, round_no[, read_back=False]) -> Critique
Progress = Callable[[str], None]


@dataclass(frozen=True)
class GenConfig:
    rounds: int = 3  # T: refinement rounds at most
    candidates: int | None = None  # K: None is the planner's adaptive count
    drop: float = 0.3  # a fall in overall score larger than this is drawn again once
    content_bar: float = 6.5
    role_bar: float = 6.5
    overall_bar: float = PASS_MARK
    text_bar: float = 7.5  # below it, one typography-only polish pass
    polish_content_min: float = 5.5
    polish_overall_slack: float = 0.5

    def __post_init__(self) -> None:
        if self.rounds < 0:
            raise ValueError(f"rounds must be at least 0, got {self.rounds}")
        if self.candidates is not None and self.candidates < 1:
            raise ValueError(f"candidates must be at least 1, got {self.candidates}")


@dataclass(frozen=True)
class Attempt:
    spec: FigureSpec
    candidate: planner.Candidate
    request: DrawRequest = field(repr=False)
    drawn: Drawn = field(repr=False)
    critique: Critique
    record: CandidateRecord

    @property
    def overall(self) -> float:
        return self.critique.scores.overall


def artefacts(critique: Critique) -> list[Defect]:
    return [d for d in critique.defects if d.axis == "artefact" or d.code in ARTEFACT_CODES]


def ships(critique: Critique, config: GenConfig) -> tuple[bool, str]:
    """Whether an attempt is good enough to stop, and why (see the module text)."""
    s = critique.scores
    found = artefacts(critique)
    if found:
        return False, "artefact: " + ", ".join(sorted({d.code for d in found}))
    for axis, bar in (("content", config.content_bar), ("role", config.role_bar), ("overall", config.overall_bar)):
        value = s.overall if axis == "overall" else getattr(s, axis)
        if value < bar:
            return False, f"{axis} {value:.2f} < {bar}"
    return True, f"no artefact, content {s.content:.1f} >= {config.content_bar}, overall {s.overall:.2f} >= " \
                 f"{config.overall_bar}"


class _Run:
    def __init__(self, executor: Executor, critic: Critic, config: GenConfig, progress: Progress | None) -> None:
        self.executor, self.critic, self.config = executor, critic, config
        self.say = progress or (lambda _m: None)
        self.rounds: list[RoundRecord] = []
        self.best: Attempt | None = None
        self.best_at = (0, 0)
        self.tried: set[str] = set()

    def attempt(self, spec: FigureSpec, candidate: planner.Candidate, round_no: int,
                read_back: bool = True) -> Attempt:
        self.say(f"round {round_no}: drawing {_label(candidate)}")
        start = time.perf_counter()
        request = planner.draw_request(spec, candidate)
        drawn = self.executor.execute(spec, request)
        critique = self.critic(drawn.svg, request, spec, round_no, **({} if read_back else {"read_back": False}))
        record = candidate_record(_label(candidate), drawn.executor, critique, time.perf_counter() - start,
                                  drawn.note, read_back)
        return Attempt(spec, candidate, request, drawn, critique, record)

    def read_back(self, a: Attempt, round_no: int) -> Attempt:
        """``a`` critiqued again with the OCR read-back."""
        start = time.perf_counter()
        critique = self.critic(a.drawn.svg, a.request, a.spec, round_no)
        record = candidate_record(a.record.label, a.record.executor, critique,
                                  a.record.time_s + time.perf_counter() - start, a.drawn.note)
        return replace(a, critique=critique, record=record)

    def keep_if_better(self, attempt: Attempt, position: int) -> bool:
        if self.best is None or attempt.overall > self.best.overall:
            self.best, self.best_at = attempt, (len(self.rounds), position)
            return True
        return False

    def record(self, round_no: int, stage: str, attempts: list[Attempt], edits, decision: str, reason: str) -> None:
        self.rounds.append(RoundRecord(round_no, stage, tuple(a.record for a in attempts), tuple(edits),
                                       decision, reason))
        self.say(f"round {round_no}: {decision} ({reason})")

    def design(self, spec: FigureSpec, candidates: list[planner.Candidate]) -> tuple[bool, str]:
        lazy = bool(getattr(self.critic, "bounds", False)) and len(candidates) > 1
        attempts = [self.attempt(spec, c, 0, read_back=not lazy) for c in candidates]
        if lazy:  # read back the most promising first; the rest only while they can still win
            top = None
            for i in sorted(range(len(attempts)), key=lambda i: -attempts[i].overall):
                if top is None or attempts[i].overall > top:
                    attempts[i] = self.read_back(attempts[i], 0)
                    top = max(top or 0.0, attempts[i].overall)
        for i, a in enumerate(attempts):
            if a.record.read_back:
                self.keep_if_better(a, i)
        done, why = ships(self.best.critique, self.config)
        first = f"candidate {self.best_at[1] + 1} of {len(attempts)} scores highest ({self.best.overall:.2f})"
        self.record(0, "design", attempts, (), "ship" if done else "best",
                    f"{first}; {'refinement skipped: ' if done else 'refine: '}{why}")
        return done, why

    def refine(self, round_no: int, current: Attempt) -> tuple[Attempt | None, str]:
        """One round from ``current``; (the attempt the next round starts from, or None to
        stop, and why it stopped)."""
        edits = revise(current.spec, current.critique, round_no, self.tried)
        if not edits:
            return None, "no edit left to make"
        self.tried |= {edit_key(e) for e in edits}
        spec = apply_all(current.spec, edits)
        logged = spec.history[-len(edits):]
        new = self.attempt(spec, planner.fit(spec, current.candidate), round_no)
        attempts = [new]
        if self.keep_if_better(new, 0):
            decision, reason = "improved", f"{current.overall:.2f} -> {new.overall:.2f}, the best so far"
        elif new.overall < current.overall - self.config.drop:
            new, decision, reason = self._regenerate(round_no, current, new, attempts)
        else:
            decision, reason = "kept", f"{new.overall:.2f} is not above the best ({self.best.overall:.2f})"
        start_from = self.best if decision == "reverted" else new
        stop, why = self._judge(round_no, new)
        self.record(round_no, "refine", attempts, logged, decision, f"{reason}; {why}")
        return (None if stop else start_from), why

    def _regenerate(self, round_no: int, before: Attempt, new: Attempt, attempts: list[Attempt]):
        drop = f"dropped {before.overall:.2f} -> {new.overall:.2f}"
        again_plan = new.candidate if not self.executor.deterministic else _another(new.spec, new.candidate)
        if again_plan is not None:
            again = self.attempt(new.spec, again_plan, round_no)
            attempts.append(again)
            self.keep_if_better(again, 1)
            if again.overall > new.overall:
                new = again
        if new.overall <= before.overall:
            back = self.rounds[self.best_at[0]].round  # the best is an earlier round's: new < before <= best
            return new, "reverted", f"{drop}; drawn again: {new.overall:.2f}; back to round {back}'s spec and plan"
        return new, "regenerated", f"{drop}; drawn again: {new.overall:.2f}"

    def _judge(self, round_no: int, latest: Attempt) -> tuple[bool, str]:
        if round_no >= self.config.rounds:
            return True, f"{self.config.rounds} rounds done"
        found = artefacts(latest.critique)
        if found:
            return False, "continue: artefact " + ", ".join(sorted({d.code for d in found}))
        done, why = ships(latest.critique, self.config)
        return done, ("stop: " if done else "continue: ") + why

    def polish(self, round_no: int) -> None:
        best, cfg = self.best, self.config
        s = best.critique.scores
        if s.text >= cfg.text_bar or s.content < cfg.polish_content_min:
            return
        edits = revise(best.spec, best.critique, round_no, self.tried, typography_only=True)
        if not edits:
            return
        spec = apply_all(best.spec, edits)
        new = self.attempt(spec, planner.fit(spec, best.candidate), round_no)
        n = new.critique.scores
        keep = n.text > s.text and n.content >= cfg.polish_content_min and \
            new.overall >= best.overall - cfg.polish_overall_slack
        if keep:
            self.best, self.best_at = new, (len(self.rounds), 0)
        self.record(round_no, "polish", [new], spec.history[-len(edits):], "improved" if keep else "kept",
                    f"text {s.text:.1f} -> {n.text:.1f}, overall {best.overall:.2f} -> {new.overall:.2f}")


def run(spec: FigureSpec, executor: Executor, critic: Critic, config: GenConfig = GenConfig(),
        progress: Progress | None = None,
        candidates: list[planner.Candidate] | None = None) -> tuple[Attempt, GenerationTrace]:
    """Design, refine and polish ``spec``; the best attempt and the trace.  ``candidates``
    (default: the planner's) are the design round's plans."""
    state = _Run(executor, critic, config, progress)
    shipped, stopped = state.design(spec, candidates or planner.propose(spec, config.candidates))
    stopped = f"refinement skipped: {stopped}" if shipped else f"{config.rounds} rounds done"
    current: Attempt | None = None if shipped else state.best
    for round_no in range(1, config.rounds + 1):
        if current is None:
            break
        current, why = state.refine(round_no, current)
        if current is None:
            stopped = why
    state.polish(state.rounds[-1].round + 1)
    return state.best, GenerationTrace(tuple(state.rounds), state.best_at, stopped)


def _another(spec: FigureSpec, candidate: planner.Candidate) -> planner.Candidate | None:
    """The planner's next plan for ``spec`` unlike ``candidate``: what a deterministic
    executor can vary when it draws a spec again."""
    return next((c for c in planner.propose(spec, len(planner.VISUAL_STYLES)) if c.key() != candidate.key()), None)


def _label(c: planner.Candidate) -> str:
    return f"{c.visual_style}: {c.direction.value}, {c.routing.value}, {c.density}, {c.palette}" \
           f"{'' if c.grouping else ', flat'}"
