"""The harness's roles for conversion: the specification is the ``Scene``, the
artifact its SVG.

- designer: candidate skeletons of the grounded scene (``composition.skeleton``),
  plus, with a VLM, its raster/vector advice and icon captions;
- executor: the writer;
- verifier: every programmatic checker against the source, plus the VLM
  critic's findings when one is configured, scored by ``score``;
- reviser: the findings' typed fixes (``composition.refine``).

Without a VLM every role runs offline; a VLM that fails falls back to the
offline role, and the trace's notes say so.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from crafteditor.loop.harness import Candidate, StageFailed, Usage, Verdict
from crafteditor.model.scene import Kind, Render, Scene, from_hex

ERROR_COST = 2.0
WARNING_COST = 0.5
UNEDITABLE_COST = 300.0  # per share of the page drawn as traces or raster: 1% costs 3 points
LOOSE_LINE_COST = 0.25  # per connector attached to nothing at either end


def score(figure: Any, findings: Sequence[Any], scene: Scene) -> tuple[float, tuple[tuple[str, float], ...]]:
    """Higher is better: 100 x drawn-pixel F1, less ``ERROR_COST`` per error and
    ``WARNING_COST`` per warning, less ``UNEDITABLE_COST`` x the share of the page
    covered by traced paths and raster crops (so fidelity is not bought with
    editability), less ``LOOSE_LINE_COST`` per line glued to nothing (structure
    a user can move shapes with)."""
    w, h = scene.image_wh
    uneditable = sum(e.box.area for e in scene if e.kind is Kind.TRACE or e.render is Render.RASTER) / max(w * h, 1)
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    loose = sum(1 for e in scene.of_kind(Kind.CONNECTOR)
                if e.connector and e.connector.source_id is None and e.connector.target_id is None)
    f1 = figure.fidelity.f1
    value = (100.0 * f1 - ERROR_COST * errors - WARNING_COST * warnings - UNEDITABLE_COST * min(uneditable, 1.0)
             - LOOSE_LINE_COST * loose)
    return value, (("f1", round(f1, 4)), ("uneditable_share", round(uneditable, 4)), ("loose_lines", loose))


def ceiling(scene: Scene) -> float:
    """The most ``score`` can give ``scene``: a rendering drawing exactly as the source
    (F1 1) with no finding still pays for its uneditable share and loose lines.
    Computed with the same operations as ``score``, so no score exceeds it."""
    w, h = scene.image_wh
    uneditable = sum(e.box.area for e in scene if e.kind is Kind.TRACE or e.render is Render.RASTER) / max(w * h, 1)
    loose = sum(1 for e in scene.of_kind(Kind.CONNECTOR)
                if e.connector and e.connector.source_id is None and e.connector.target_id is None)
    return 100.0 - UNEDITABLE_COST * min(uneditable, 1.0) - LOOSE_LINE_COST * loose


class EditorRoles:
    """Roles bound to one figure: its source, its cleaned canvas and OCR readings."""

    def __init__(self, source_rgb: np.ndarray, canvas_rgb: np.ndarray, background: str,
                 words: Sequence[Any] = (), client: Any = None) -> None:
        self.source_rgb = source_rgb
        self.canvas_rgb = canvas_rgb
        self.background = background
        self.words = tuple(words)
        self.client = client
        self._figures: dict[int, Any] = {}
        self._checked: dict[str, tuple[Any, list[Any]]] = {}  # SVG text -> its figure and findings
        self._source: Any = None  # checkers.base.SourceSide, made on the first check
        # id of a revised scene -> (its verdict, the scene, candidates made so far, the rest to make)
        self._revisions: dict[int, tuple[Verdict, Scene, list[Candidate[Scene]], Iterator[Any]]] = {}
        self._tokens = 0
        self._notes: list[str] = []

    def usage(self) -> Usage:
        out = Usage(self._tokens, tuple(self._notes))
        self._tokens, self._notes = 0, []
        return out

    def _called(self, call: Any) -> None:
        self._tokens += call.prompt_tokens + call.completion_tokens
        if call.mode != "offline":
            tries = "cached" if call.cached else f"{call.attempts} attempt(s)"
            self._notes.append(f"{call.role}: {call.mode}, {tries}" + (f": {call.error}" if call.error else ""))

    def prepare(self, scene: Scene) -> Scene:
        """Before the loop: the VLM's text recovery (offline: the scene as it is)."""
        if self.client is None:
            return scene
        from crafteditor.vlm.roles import recover_text

        fixes, call = recover_text(self.client, self.source_rgb, scene)
        self._called(call)
        for fix in fixes.fixes:
            el = scene.by_id(fix.element_id)
            new_lines = fix.text.split("\n")
            if el.text is None or len(new_lines) != len(el.text.lines):
                continue
            lines = tuple(dataclasses.replace(line, text=t, runs=line.runs if t == line.text else ())
                          for line, t in zip(el.text.lines, new_lines))
            scene = scene.replace_elements(
                e.replace(text=dataclasses.replace(el.text, lines=lines), label="") if e.id == el.id else e
                for e in scene.elements)
        return scene

    def design(self, scene: Scene) -> Iterator[Candidate[Scene]]:
        from composition.skeleton import close_containers, trace_ambiguous

        scene = self._advised(scene)
        yield Candidate(scene, "grounded primitives")
        closed = close_containers(scene)
        if closed is not None:
            yield Candidate(closed, "loose lines closed into containers")
        traced = trace_ambiguous(scene, self.canvas_rgb, self.background)
        if traced is not None:
            yield Candidate(traced, "ambiguous shapes traced")

    def _advised(self, scene: Scene) -> Scene:
        """The designer's captions become the icons' labels; its advice to draw an
        icon as vector is recorded in the icon's reason (the crop stays)."""
        if self.client is None:
            return scene
        from crafteditor.vlm.roles import design

        plan, call = design(self.client, self.source_rgb, scene)
        self._called(call)
        captions = {c.element_id: c.caption for c in plan.captions}
        advice = {r.element_id: r for r in plan.regions}
        if not captions and not advice:
            return scene

        def advised(e: Any) -> Any:
            if e.id in captions:
                e = e.replace(label=captions[e.id])
            if e.id in advice:
                e = e.replace(reason=f"{e.reason}; designer: {advice[e.id].action} ({advice[e.id].reason})")
            return e
        return scene.replace_elements(advised(e) for e in scene.elements)

    def ceiling(self, candidate: Candidate[Scene]) -> float:
        """The most the verifier can score ``candidate`` (``ceiling``)."""
        return ceiling(candidate.spec)

    def execute(self, candidate: Candidate[Scene]) -> str:
        from composition.writer import write_svg

        try:
            return write_svg(candidate.spec)
        except ValueError as exc:
            raise StageFailed(f"the writer refused the scene: {exc}") from exc

    def verify(self, candidate: Candidate[Scene], svg: str) -> Verdict:
        from checkers.base import SourceSide, read_figure, run_checks
        from checkers.render import SvgRenderError

        if svg in self._checked:  # a candidate written as one already checked is not drawn again
            figure, findings = self._checked[svg]
        else:
            if self._source is None:
                self._source = SourceSide(self.source_rgb, from_hex(self.background))  # the page colour, as found
            try:
                figure = read_figure(svg.encode("utf-8"), self.source_rgb, self.words, self._source)
            except SvgRenderError as exc:
                raise StageFailed(str(exc)) from exc
            findings = run_checks(figure)
            self._checked[svg] = (figure, findings)
        if self.client is not None:
            from crafteditor.vlm.roles import critique

            _critique, critic_findings, call = critique(self.client, self.source_rgb, figure.record.rgb,
                                                        candidate.spec)
            self._called(call)
            findings = findings + critic_findings
        value, metrics = score(figure, findings, candidate.spec)
        self._figures[id(candidate.spec)] = figure
        return Verdict(value, tuple(findings), metrics)

    def revise(self, scene: Scene, verdict: Verdict) -> Iterator[Candidate[Scene]]:
        from composition.refine import Evidence, revisions

        figure = self._figures.get(id(scene))
        if figure is None:
            return
        made = self._revisions.get(id(scene))
        if made is None or made[0] is not verdict:  # asked again for the same verdict: what was made is reused
            found = revisions(scene, verdict.findings, Evidence(figure, self.background, self.canvas_rgb))
            made = (verdict, scene, [], iter(found))
            self._revisions[id(scene)] = made
        done, pending = made[2], made[3]
        for i in itertools.count():
            if i == len(done):
                step = next(pending, None)
                if step is None:
                    return
                done.append(Candidate(step[1], step[0]))
            yield done[i]
