"""The verify-then-refine loop, driven by scripted roles over an integer specification.

Each role is a table: the designer proposes fixed candidates, the executor
turns a spec into a string (or fails on the specs it is told to), the verifier
gives each spec its scripted score and findings, the reviser offers the
revisions scripted for the spec it is given.
"""

from __future__ import annotations

import random

import pytest

from checkers.base import Finding
from crafteditor.loop.harness import Candidate, LoopConfig, StageFailed, Usage, Verdict, run_loop

WARN = Finding("text-overflow", "warning", "a label runs out of its box")
ERROR = Finding("arrow-dangling", "error", "an arrow stops short")
INFO = Finding("fidelity", "info", "drawn-pixel F1 0.990")


class Scripted:
    """Roles whose every answer is looked up in the tables given."""

    def __init__(self, designs, scores, revise=None, findings=None, fail_execute=(), fail_verify=(),
                 tokens=None, notes=None):
        self.designs = [Candidate(spec, f"design {spec}") for spec in designs]
        self.scores = scores
        self.revise_table = revise or {}
        self.findings = findings or {}
        self.fail_execute, self.fail_verify = set(fail_execute), set(fail_verify)
        self.tokens, self.notes = tokens or {}, notes or {}
        self.executed: list[int] = []
        self.revised: list[tuple[int, float]] = []
        self._spent: list[int] = []

    def design(self, spec):
        return self.designs

    def execute(self, candidate):
        self.executed.append(candidate.spec)
        self._spent.append(candidate.spec)
        if candidate.spec in self.fail_execute:
            raise StageFailed(f"cannot draw {candidate.spec}")
        return f"drawing of {candidate.spec}"

    def verify(self, candidate, artifact):
        if artifact != f"drawing of {candidate.spec}":
            raise AssertionError("verify got another candidate's artifact")
        if candidate.spec in self.fail_verify:
            raise StageFailed(f"cannot read {candidate.spec}")
        return Verdict(self.scores[candidate.spec], self.findings.get(candidate.spec, (WARN,)))

    def revise(self, spec, verdict):
        self.revised.append((spec, verdict.score))
        return [Candidate(s, label) for s, label in self.revise_table.get(spec, ())]


class WithUsage(Scripted):
    def usage(self):
        spec = self._spent[-1] if self._spent else None
        return Usage(self.tokens.get(spec, 0), tuple(self.notes.get(spec, ())))


def _outcomes(result):
    return [(r.stage, r.tried, r.outcome) for r in result.trace.rounds]


def test_the_best_design_is_the_one_refined_and_a_better_revision_is_kept():
    roles = Scripted([1, 2, 3], {1: 1.0, 2: 5.0, 3: 3.0, 20: 7.0}, revise={2: [(20, "fix 2")]},
                     findings={20: ()})
    result = run_loop(roles, 0, LoopConfig(design_rounds=3, refine_rounds=4))
    assert roles.revised[0] == (2, 5.0)
    assert _outcomes(result) == [("design", "design 1", "best"), ("design", "design 2", "best"),
                                 ("design", "design 3", "rejected"), ("refine", "fix 2", "kept")]
    assert result.best == Candidate(20, "fix 2") and result.artifact == "drawing of 20"
    assert result.verdict.score == 7.0 and result.trace.best_round == 3 and result.trace.best_score == 7.0
    assert result.trace.first_score == 1.0
    assert result.trace.stopped == "nothing left to fix"  # 20 has no findings


def test_a_worse_revision_is_rejected_and_the_best_so_far_kept():
    roles = Scripted([1, 2], {1: 4.0, 2: 6.0, 21: 5.0, 22: 6.04},
                     revise={2: [(21, "worse"), (22, "hardly better")]})
    result = run_loop(roles, 0, LoopConfig(refine_rounds=4, min_gain=0.05))
    assert _outcomes(result)[2:] == [("refine", "worse", "rejected"), ("refine", "hardly better", "rejected")]
    assert result.best.spec == 2 and result.artifact == "drawing of 2" and result.trace.best_round == 1
    # every revision is asked of the best so far, never of a rejected one
    assert [spec for spec, _score in roles.revised] == [2, 2, 2]
    assert result.trace.stopped == "no revision left to try"


@pytest.mark.parametrize("seed", range(8))
def test_the_result_is_never_worse_than_the_first_round(seed):
    rng = random.Random(seed)
    n_designs = rng.randint(1, 3)
    scores = {spec: round(rng.uniform(0, 10), 2) for spec in range(1, 40)}
    # every spec revises into two fresh specs, drawn at random from the table
    revise = {spec: [(rng.randint(1, 39), f"fix {rng.randint(0, 3)}") for _ in range(2)] for spec in range(1, 40)}
    roles = Scripted(list(range(1, n_designs + 1)), scores, revise=revise)
    config = LoopConfig(design_rounds=3, refine_rounds=rng.randint(0, 6), min_gain=0.05)
    result = run_loop(roles, 0, config)
    rounds = result.trace.rounds
    assert result.trace.best_score >= result.trace.first_score
    assert result.trace.best_score == max(r.score for r in rounds if r.stage == "design" or r.outcome == "kept")
    assert result.verdict.score == scores[result.best.spec]
    assert sum(r.stage == "refine" for r in rounds) <= config.refine_rounds
    best = None
    for r in rounds:  # kept exactly when it beats the best so far by min_gain
        if r.stage == "refine":
            assert (r.outcome == "kept") == (r.score > best + config.min_gain)
        if r.outcome in ("best", "kept"):
            best = r.score


def test_the_gate_stops_the_loop_before_any_revision():
    roles = Scripted([1], {1: 3.0, 2: 9.0}, revise={1: [(2, "fix")]}, findings={1: (INFO,)})
    result = run_loop(roles, 0, LoopConfig(refine_rounds=4))
    assert result.trace.stopped == "nothing left to fix"
    assert roles.revised == [] and roles.executed == [1]
    # a stricter gate refines the same verdict
    strict = LoopConfig(refine_rounds=4, gate=lambda v: v.score >= 9.0)
    roles = Scripted([1], {1: 3.0, 2: 9.0}, revise={1: [(2, "fix")]}, findings={1: (INFO,)})
    result = run_loop(roles, 0, strict)
    assert result.best.spec == 2 and result.trace.stopped == "nothing left to fix"


def test_a_first_design_with_nothing_to_fix_ends_the_loop_before_any_other_design():
    made = []

    class Lazy(Scripted):
        def design(self, spec):
            for candidate in self.designs:
                made.append(candidate.spec)
                yield candidate

    roles = Lazy([1, 2, 3], {1: 3.0, 2: 9.0, 3: 9.0}, revise={1: [(4, "fix")]}, findings={1: (INFO,)})
    result = run_loop(roles, 0, LoopConfig(design_rounds=3, refine_rounds=4))
    assert roles.executed == [1] and made == [1] and roles.revised == []
    assert result.best.spec == 1 and result.trace.stopped == "nothing left to fix"
    # a design with something to fix lets the next design be tried, and the first that passes ends it
    roles = Lazy([1, 2, 3], {1: 3.0, 2: 9.0, 3: 9.5}, findings={2: (INFO,)})
    result = run_loop(roles, 0, LoopConfig(design_rounds=3, refine_rounds=4))
    assert roles.executed == [1, 2] and result.best.spec == 2 and result.trace.stopped == "nothing left to fix"


def test_a_candidate_whose_ceiling_cannot_beat_the_best_is_rejected_untried():
    class Bounded(Scripted):
        def ceiling(self, candidate):
            return {2: 5.0, 3: 9.0, 4: 7.04, 5: 8.0}[candidate.spec]

    table = dict(designs=[1, 2, 3], scores={1: 6.0, 2: 4.0, 3: 7.0, 4: 6.02, 5: 8.0},
                 revise={3: [(4, "fix a"), (5, "fix b")]})
    plain = run_loop(Scripted(**table), 0, LoopConfig(design_rounds=3, refine_rounds=2, min_gain=0.05))
    roles = Bounded(**table)
    bounded = run_loop(roles, 0, LoopConfig(design_rounds=3, refine_rounds=2, min_gain=0.05))
    # design 2 (at most 5.0 < 6.0) and fix a (at most 7.04 < 7.0 + 0.05) are never drawn; the answer is the same
    assert roles.executed == [1, 3, 5]
    assert _outcomes(bounded) == _outcomes(plain)
    assert bounded.best.spec == plain.best.spec == 5
    assert [r.score for r in bounded.trace.rounds] == [6.0, None, 7.0, None, 8.0]
    assert "cannot beat the best" in bounded.trace.rounds[1].notes[0]


@pytest.mark.parametrize("refine_rounds", [0, 1, 3])
def test_refine_rounds_bound_the_revisions(refine_rounds):
    # each revision is a little better and still has something to fix
    scores = {spec: float(spec) for spec in range(1, 20)}
    revise = {spec: [(spec + 1, f"fix {spec}")] for spec in range(1, 19)}
    roles = Scripted([1], scores, revise=revise)
    result = run_loop(roles, 0, LoopConfig(refine_rounds=refine_rounds))
    refines = [r for r in result.trace.rounds if r.stage == "refine"]
    assert len(refines) == refine_rounds and all(r.outcome == "kept" for r in refines)
    assert result.best.spec == 1 + refine_rounds
    assert result.trace.stopped == f"{refine_rounds} refine rounds done"


@pytest.mark.parametrize(("design_rounds", "tried"), [(1, [1]), (2, [1, 2]), (5, [1, 2, 3, 4])])
def test_design_rounds_cap_the_candidates_tried(design_rounds, tried):
    roles = Scripted([1, 2, 3, 4], {1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0})
    result = run_loop(roles, 0, LoopConfig(design_rounds=design_rounds, refine_rounds=0))
    assert roles.executed == tried
    assert [r.stage for r in result.trace.rounds] == ["design"] * len(tried)
    assert result.best.spec == tried[-1]


@pytest.mark.parametrize("stage", ["execute", "verify"])
def test_a_failed_design_candidate_is_a_failed_round_and_the_loop_goes_on(stage):
    fails = {"fail_execute": {1}} if stage == "execute" else {"fail_verify": {1}}
    roles = Scripted([1, 2], {1: 9.0, 2: 2.0}, **fails)
    result = run_loop(roles, 0, LoopConfig(refine_rounds=0))
    failed, ok = result.trace.rounds
    assert (failed.outcome, failed.score, failed.errors, failed.warnings) == ("failed", None, 0, 0)
    word = "draw" if stage == "execute" else "read"
    assert failed.notes == (f"failed: cannot {word} 1",)
    assert ok.outcome == "best" and result.best.spec == 2 and result.trace.best_round == 1
    assert result.trace.first_score == 2.0


@pytest.mark.parametrize("stage", ["execute", "verify"])
def test_a_failed_revision_is_a_failed_round_and_the_next_is_tried(stage):
    fails = {"fail_execute": {10}} if stage == "execute" else {"fail_verify": {10}}
    roles = Scripted([1], {1: 1.0, 10: 50.0, 11: 3.0}, revise={1: [(10, "broken"), (11, "fine")]}, **fails)
    result = run_loop(roles, 0, LoopConfig(refine_rounds=2))
    assert _outcomes(result) == [("design", "design 1", "best"), ("refine", "broken", "failed"),
                                 ("refine", "fine", "kept")]
    assert result.trace.rounds[1].notes[0].startswith("failed: cannot")
    assert result.best.spec == 11


def test_every_design_failing_raises_with_each_reason():
    roles = Scripted([1, 2], {1: 1.0, 2: 2.0}, fail_execute={1}, fail_verify={2})
    with pytest.raises(StageFailed, match="cannot draw 1.*cannot read 2"):
        run_loop(roles, 0)
    assert roles.revised == []


def test_a_revision_already_tried_from_the_same_base_is_not_tried_again():
    # the reviser keeps offering the same fix for the same best: it is tried once
    roles = Scripted([1], {1: 5.0, 2: 1.0}, revise={1: [(2, "same fix")]})
    result = run_loop(roles, 0, LoopConfig(refine_rounds=5))
    assert roles.executed == [1, 2]
    assert result.trace.stopped == "no revision left to try"
    assert [r.outcome for r in result.trace.rounds] == ["best", "rejected"]


def test_the_same_label_is_tried_again_from_a_new_best():
    roles = Scripted([1], {1: 1.0, 2: 2.0, 3: 3.0}, revise={1: [(2, "fix")], 2: [(3, "fix")], 3: [(1, "fix")]})
    result = run_loop(roles, 0, LoopConfig(refine_rounds=5))
    assert roles.executed == [1, 2, 3, 1]
    assert [r.outcome for r in result.trace.rounds] == ["best", "kept", "kept", "rejected"]
    assert result.best.spec == 3 and result.trace.stopped == "no revision left to try"


def test_usage_tokens_and_notes_land_in_the_round_that_spent_them():
    roles = WithUsage([1, 2], {1: 1.0, 2: 2.0, 3: 4.0}, revise={2: [(3, "fix")]}, fail_execute={1},
                      tokens={1: 7, 2: 120, 3: 35},
                      notes={2: ["critic: vlm"], 3: ["critic: offline after 2 attempt(s)"]})
    result = run_loop(roles, 0, LoopConfig(refine_rounds=1))
    rounds = result.trace.rounds
    assert [r.tokens for r in rounds] == [7, 120, 35]
    assert rounds[0].notes == ("failed: cannot draw 1",)  # the role's notes first, then the failure
    assert rounds[1].notes == ("critic: vlm",)
    assert rounds[2].notes == ("critic: offline after 2 attempt(s)",)
    assert result.trace.tokens == 162


def test_roles_without_usage_spend_nothing():
    result = run_loop(Scripted([1], {1: 1.0}), 0, LoopConfig(refine_rounds=0))
    assert result.trace.tokens == 0 and result.trace.rounds[0].notes == ()


def test_round_records_count_findings_by_code_leaving_out_info():
    findings = (WARN, ERROR, WARN, INFO)
    result = run_loop(Scripted([1], {1: 1.0}, findings={1: findings}), 0, LoopConfig(refine_rounds=0))
    (record,) = result.trace.rounds
    assert record.findings == (("arrow-dangling", 1), ("text-overflow", 2))
    assert (record.errors, record.warnings) == (1, 2)
    assert result.verdict.count("info") == 1


def test_progress_hears_of_every_round():
    heard: list[str] = []
    roles = Scripted([1, 2], {1: 1.0, 2: 2.0, 3: 4.0}, revise={2: [(3, "fix")]})
    run_loop(roles, 0, LoopConfig(refine_rounds=1), progress=heard.append)
    assert heard == ["design 0: design 1", "design 1: design 2", "refine 2: fix"]


@pytest.mark.parametrize(("design_rounds", "refine_rounds"), [(0, 2), (-1, 2), (1, -1)])
def test_loop_config_rejects_bad_round_counts(design_rounds, refine_rounds):
    with pytest.raises(ValueError, match="design_rounds"):
        LoopConfig(design_rounds=design_rounds, refine_rounds=refine_rounds)
