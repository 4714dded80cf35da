"""The loop's critic role: the offline critic, joined by a model's scores and issues when one
is configured.

    critic = CriticRole(ocr=get_engine("rapidocr"), client=None)
    critique = critic(svg, request, spec, round_no)      # crafteditor.generate.critic.Critique

Offline, the critique is :func:`crafteditor.generate.critic.critique` on the SVG (with an
OCR read-back when an engine is given).  With a client, the drawing is shown to the model
with the package-data prompt ``gen_critic`` and its answer validated as
:class:`GenCritique`; a malformed answer is asked again by the client, and when it still
fails the offline critique stands and the call is recorded as ``fallback`` with the error.
A good answer joins the offline one: each axis is the mean of the two, and every issue
becomes a defect ``vlm-<axis>`` naming the components it concerns, which the reviser turns
into notes the spec keeps.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crafteditor.generate.critic import Critique, Defect, Scores, critique, norm
from crafteditor.generate.graph import DrawRequest
from crafteditor.generate.spec import FigureSpec
from crafteditor.generate.trace import AXES, CallRecord
from crafteditor.vlm.templates import render

__all__ = ["CriticRole", "GenCritique", "GenIssue", "join"]

MAX_ISSUES = 12
MAX_LISTED = 60
Axis = Literal["content", "layout", "text", "aesthetic", "role", "artefact"]


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class AxisScores(_Answer):
    content: float = Field(ge=0, le=10)
    layout: float = Field(ge=0, le=10)
    text: float = Field(ge=0, le=10)
    aesthetic: float = Field(ge=0, le=10)
    role: float = Field(ge=0, le=10)
    artefact: float = Field(ge=0, le=10)


class GenIssue(_Answer):
    axis: Axis
    message: str = Field(min_length=1, max_length=300)
    labels: list[str] = []


class GenCritique(_Answer):
    scores: AxisScores
    issues: list[GenIssue] = Field(default=[], max_length=MAX_ISSUES)


class CriticRole:
    """Calls are recorded in ``calls`` (one per model question) for the trace.

    ``bounds``: without a model, a critique made without the OCR read-back is an upper
    bound of the full one (reading back can only find labels illegible), so the loop may
    skip reading back a candidate that cannot beat the best anyway."""

    def __init__(self, ocr: Any = None, client: Any = None) -> None:
        self.ocr = ocr
        self.client = client
        self.calls: list[CallRecord] = []

    @property
    def bounds(self) -> bool:
        return self.client is None and self.ocr is not None

    def __call__(self, svg: bytes, request: DrawRequest, spec: FigureSpec, round_no: int, *,
                 read_back: bool = True) -> Critique:
        offline = critique(svg, request, style=spec.role, ocr=self.ocr if read_back else None)
        if self.client is None or not read_back:
            return offline
        from checkers.render import render_rgb
        from crafteditor.vlm.roles import RoleCall

        rgb = render_rgb(svg)
        h, w = rgb.shape[:2]
        prompt = render("gen_critic", role=spec.role, width_px=w, height_px=h, max_issues=MAX_ISSUES,
                        instruction=spec.instruction.strip()[:2000] or spec.title or "(none)",
                        components="\n".join(f"- {n.label}" for n in request.nodes[:MAX_LISTED]) or "- (none)",
                        connections=_connections(request))
        answer = self.client.ask("gen_critic", prompt, [rgb], GenCritique)
        self.calls.append(CallRecord.of(RoleCall.from_answer("critic", answer), round_no))
        return join(offline, answer.value) if isinstance(answer.value, GenCritique) else offline


def join(offline: Critique, model: GenCritique) -> Critique:
    """The offline critique with the model's: each axis the mean of both, the model's issues
    added as defects ``vlm-<axis>``."""
    mean = {axis: round((getattr(offline.scores, axis) + getattr(model.scores, axis)) / 2, 3) for axis in AXES}
    issues = tuple(Defect(i.axis, f"vlm-{i.axis}", " ".join(i.message.split()), tuple(norm(x) for x in i.labels))
                   for i in model.issues)
    return replace(offline, scores=Scores(**mean), defects=offline.defects + issues)


def _connections(request: DrawRequest) -> str:
    label = {n.id: n.label for n in request.nodes}
    lines = [f"- {label[e.source]} -> {label[e.target]}{f' ({e.label})' if e.label else ''}"
             for e in request.edges[:MAX_LISTED]]
    return "\n".join(lines) or "- (none)"
