"""The three VLM roles, each with an offline default.

    design(client, image_rgb, scene)                    -> (DesignPlan, RoleCall)
    recover_text(client, image_rgb, scene)              -> (TextFix, RoleCall)
    critique(client, source_rgb, rendered_rgb, scene)   -> (Critique | None, [Finding], RoleCall)

With no client each role returns its offline default (mode ``"offline"``);
when the VLM fails it returns the same default with the error recorded (mode
``"fallback"``).  Answers are trusted only about elements the scene has: ids
the model invents are dropped.  Images are HWC uint8 RGB in source pixels.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel

from crafteditor.model.findings import Finding
from crafteditor.model.fixes import describe_all
from crafteditor.model.scene import Element, Kind, Scene
from crafteditor.vlm.client import Answer
from crafteditor.vlm.images import check_rgb, crop
from crafteditor.vlm.schemas import Critique, CriticIssue, DesignPlan, TextFix
from crafteditor.vlm.templates import render

__all__ = ["Asker", "RoleCall", "critique", "design", "findings_from", "recover_text"]

MAX_ICONS = 12  # icon crops sent to the designer
MAX_TEXTS = 40  # text crops sent for recovery
MAX_LISTED = 150  # elements listed for the critic
MAX_ISSUES = 20
TEXT_CROP_MIN_HEIGHT_PX = 32


class Asker(Protocol):
    """What a role needs of a client (``VlmClient`` is one)."""

    def ask(self, role: str, prompt: str, images: list[np.ndarray], schema: type[BaseModel]) -> Answer: ...


@dataclass(frozen=True, slots=True)
class RoleCall:
    """How a role was answered: by the VLM, offline, or offline after the VLM failed."""

    role: str
    mode: Literal["vlm", "offline", "fallback"]
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    error: str | None = None

    @classmethod
    def offline(cls, role: str) -> RoleCall:
        return cls(role, "offline")

    @classmethod
    def from_answer(cls, role: str, answer: Answer) -> RoleCall:
        mode = "vlm" if answer.value is not None else "fallback"
        return cls(role, mode, answer.attempts, answer.prompt_tokens, answer.completion_tokens,
                   answer.cached, answer.error)


def design(client: Asker | None, image_rgb: np.ndarray, scene: Scene) -> tuple[DesignPlan, RoleCall]:
    """Raster/vector advice and captions for the scene's icons.  Offline: no
    advice (every decision stays) and no captions."""
    check_rgb(image_rgb)
    icons = scene.of_kind(Kind.ICON)[:MAX_ICONS]
    if client is None or not icons:
        return DesignPlan(), RoleCall.offline("designer")
    h, w = image_rgb.shape[:2]
    prompt = render("designer", width_px=w, height_px=h, regions=_listing(icons))
    crops = [crop(image_rgb, e.box) for e in icons]
    answer = client.ask("designer", prompt, [image_rgb, *crops], DesignPlan)
    call = RoleCall.from_answer("designer", answer)
    if not isinstance(answer.value, DesignPlan):
        return DesignPlan(), call
    ids = {e.id for e in icons}
    plan = DesignPlan(
        regions=[r for r in answer.value.regions if r.element_id in ids],
        captions=[c for c in answer.value.captions if c.element_id in ids],
    )
    return plan, call


def recover_text(client: Asker | None, image_rgb: np.ndarray, scene: Scene) -> tuple[TextFix, RoleCall]:
    """Corrections of the OCR'd text labels, read again from their crops.
    Offline: no fixes.  Only changes to labels that were asked about are kept."""
    check_rgb(image_rgb)
    texts = [e for e in scene.of_kind(Kind.TEXT) if e.text is not None][:MAX_TEXTS]
    if client is None or not texts:
        return TextFix(), RoleCall.offline("text_recovery")
    prompt = render("text_recovery", labels=_listing(texts))
    crops = [crop(image_rgb, e.box, min_height_px=TEXT_CROP_MIN_HEIGHT_PX) for e in texts]
    answer = client.ask("text_recovery", prompt, crops, TextFix)
    call = RoleCall.from_answer("text_recovery", answer)
    if not isinstance(answer.value, TextFix):
        return TextFix(), call
    current = {e.id: e.text.string for e in texts if e.text is not None}
    fixes, seen = [], set()
    for fix in answer.value.fixes:
        if fix.element_id in current and fix.element_id not in seen and fix.text != current[fix.element_id]:
            fixes.append(fix)
            seen.add(fix.element_id)
    return TextFix(fixes=fixes), call


def critique(
    client: Asker | None, source_rgb: np.ndarray, rendered_rgb: np.ndarray, scene: Scene
) -> tuple[Critique | None, list[Finding], RoleCall]:
    """Scores and located issues of a redrawing against its source.  Offline:
    no critique and no findings."""
    check_rgb(source_rgb)
    check_rgb(rendered_rgb)
    if client is None:
        return None, [], RoleCall.offline("critic")
    h, w = source_rgb.shape[:2]
    prompt = render("critic", width_px=w, height_px=h, max_issues=MAX_ISSUES,
                    elements=_listing(scene.elements[:MAX_LISTED]), fixes=describe_all())
    answer = client.ask("critic", prompt, [source_rgb, rendered_rgb], Critique)
    call = RoleCall.from_answer("critic", answer)
    if not isinstance(answer.value, Critique):
        return None, [], call
    ids = {e.id for e in scene}
    kept = [i for i in answer.value.issues if i.element_id is None or i.element_id in ids]
    result = Critique(scores=answer.value.scores, issues=kept)
    return result, findings_from(result.issues, scene), call


def findings_from(issues: Sequence[CriticIssue], scene: Scene) -> list[Finding]:
    """The critic's issues as checker findings (``critic-<aspect>``, warnings),
    located at their element's box when the scene has it."""
    boxes = {e.id: e.box for e in scene}
    return [
        Finding(
            code=f"critic-{issue.aspect}", severity="warning", message=issue.message,
            element_id=issue.element_id, box=boxes.get(issue.element_id or ""),
            fix=issue.typed_fix(),
        )
        for issue in issues
    ]


def _listing(elements: Sequence[Element]) -> str:
    """One line per element: ``- <id> (<kind>) box x0,y0,x1,y1`` and its text, if any."""
    return "\n".join(_line(i, e) for i, e in enumerate(elements, start=1))


def _line(index: int, element: Element) -> str:
    x0, y0, x1, y1 = element.box.to_int()
    line = f"{index}. {element.id} ({element.kind.value}) box {x0},{y0},{x1},{y1}"
    if element.text is not None:
        line += " text " + json.dumps(" / ".join(t.text for t in element.text.lines), ensure_ascii=False)
    return line
