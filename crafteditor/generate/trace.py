"""The generation loop's trace: what every round tried, how it scored, what changed and why.

The trace is typed (frozen dataclasses) and becomes JSON only at the edge
(:func:`to_json`, ``crafteditor generate --trace FILE.json``).  A round holds the
candidates it drew (their plan, executor, scores on the six axes and defects by
code), the typed edits made before it (``EditRecord``: agent, round, action,
reason) and the judge's decision with its reason.  The role calls (intent,
planner, critic, image model) say whether a model answered, was asked again or
fell back to the offline role.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from crafteditor.generate.critic import Critique
from crafteditor.generate.spec import EditRecord
from crafteditor.model.scene import to_jsonable

__all__ = ["CandidateRecord", "CallRecord", "GenerationTrace", "RoundRecord", "candidate_record", "to_json"]

AXES = ("content", "layout", "text", "aesthetic", "role", "artefact")


@dataclass(frozen=True)
class CandidateRecord:
    """One drawn candidate: its plan, who drew it, its scores and its defects by code."""

    label: str  # the visual style and its layout choices
    executor: str  # "offline" or "image-model"
    scores: tuple[tuple[str, float], ...]  # (axis, 0..10) for the six axes, then ("overall", ...)
    defects: tuple[tuple[str, int], ...]  # (code, how many)
    labels: tuple[int, int]  # (found, asked)
    connections: tuple[int, int]  # (found, asked)
    time_s: float
    note: str = ""  # e.g. why the image model was not used
    read_back: bool = True  # False: scored without the OCR read-back (it could not beat the best)

    def score(self, axis: str) -> float:
        return dict(self.scores)[axis]

    @property
    def overall(self) -> float:
        return self.score("overall")


@dataclass(frozen=True)
class RoundRecord:
    """``stage``: design (round 0, the K candidates), refine, retry (a regeneration after a
    drop), or polish (the typography-only pass).  ``decision`` is the judge's word:
    best, improved, kept, reverted, ship, continue, stop."""

    round: int
    stage: str
    candidates: tuple[CandidateRecord, ...]
    edits: tuple[EditRecord, ...]
    decision: str
    reason: str


@dataclass(frozen=True)
class CallRecord:
    """A model role's call: ``mode`` vlm (answered), offline (no model) or fallback (the model
    failed or answered badly after its retries; the offline role was used)."""

    role: str
    mode: str
    attempts: int = 0
    tokens: int = 0
    error: str = ""
    round: int | None = None

    @classmethod
    def of(cls, call: Any, round_no: int | None = None) -> CallRecord:
        """From a ``crafteditor.vlm.roles.RoleCall``."""
        return cls(call.role, call.mode, call.attempts, call.prompt_tokens + call.completion_tokens,
                   call.error or "", round_no)


@dataclass(frozen=True)
class GenerationTrace:
    rounds: tuple[RoundRecord, ...]
    best: tuple[int, int]  # (index into rounds, index into that round's candidates)
    stopped: str  # why the loop ended
    calls: tuple[CallRecord, ...] = ()

    @property
    def first(self) -> CandidateRecord:
        """The first candidate drawn (what a single pass gives)."""
        return self.rounds[0].candidates[0]

    @property
    def best_candidate(self) -> CandidateRecord:
        r, c = self.best
        return self.rounds[r].candidates[c]

    @property
    def edits(self) -> tuple[EditRecord, ...]:
        return tuple(e for r in self.rounds for e in r.edits)

    @property
    def tokens(self) -> int:
        return sum(c.tokens for c in self.calls)


def candidate_record(label: str, executor: str, critique: Critique, time_s: float, note: str = "",
                     read_back: bool = True) -> CandidateRecord:
    s = critique.scores
    scores = tuple((axis, round(getattr(s, axis), 3)) for axis in AXES) + (("overall", s.overall),)
    return CandidateRecord(label, executor, scores, tuple(sorted(Counter(d.code for d in critique.defects).items())),
                           (critique.labels_found, critique.labels_asked),
                           (critique.connections_found, critique.connections_asked), round(time_s, 3), note,
                           read_back)


def to_json(trace: GenerationTrace) -> dict[str, Any]:
    """The trace as plain JSON data (scores and defects as objects)."""
    def candidate(c: CandidateRecord) -> dict[str, Any]:
        data = to_jsonable(c)
        data["scores"], data["defects"] = dict(c.scores), dict(c.defects)
        return data

    return {
        "rounds": [{**to_jsonable(r), "candidates": [candidate(c) for c in r.candidates],
                    "edits": [e.model_dump() for e in r.edits]} for r in trace.rounds],
        "best": {"round": trace.best[0], "candidate": trace.best[1]},
        "first_scores": dict(trace.first.scores),
        "best_scores": dict(trace.best_candidate.scores),
        "stopped": trace.stopped,
        "calls": [to_jsonable(c) for c in trace.calls],
        "tokens": trace.tokens,
    }


def dumps(trace: GenerationTrace) -> str:
    return json.dumps(to_json(trace), indent=1, ensure_ascii=False)


def describe(trace: GenerationTrace) -> list[str]:
    """One line per candidate and decision, for the terminal."""
    lines = []
    for r in trace.rounds:
        for e in r.edits:
            lines.append(f"  round {r.round} edit: {e.action} {e.target} = {e.value!r} ({e.reason})")
        for c in r.candidates:
            axes = " ".join(f"{a[:4]} {v:.1f}" for a, v in c.scores[:-1])
            lines.append(f"  round {r.round} {r.stage:6} {c.overall:5.2f} [{axes}] {c.label} ({c.executor}, "
                         f"{c.time_s:.1f} s){'' if c.read_back else ' not read back: cannot beat the best'}"
                         f"{' ' + c.note if c.note else ''}")
        lines.append(f"  round {r.round} -> {r.decision}: {r.reason}")
    for call in trace.calls:
        if call.mode != "offline":
            lines.append(f"  {call.role}: {call.mode}{' (' + call.error + ')' if call.error else ''}")
    b = trace.best_candidate
    lines.append(f"  best: round {trace.best[0]} ({b.label}), overall {trace.first.overall:.2f} -> {b.overall:.2f}; "
                 f"stopped: {trace.stopped}")
    return lines
