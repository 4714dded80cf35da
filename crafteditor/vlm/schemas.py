"""What each VLM role must answer, as pydantic models.

The client validates every answer against one of these; a violation is fed
back to the model as the next question, never raised.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crafteditor.model.fixes import KINDS, Fix, fix_from_params

__all__ = [
    "ASPECTS", "FIX_KINDS", "AspectScores", "Critique", "CriticIssue", "DesignPlan",
    "IconCaption", "RegionAdvice", "TextCorrection", "TextFix",
]

Aspect = Literal["position", "colour", "text", "icon", "arrow", "style", "overall"]
FixKind = Literal[(*KINDS, "none")]  # type: ignore[valid-type]  # the closed set of typed fixes, and none
ASPECTS: tuple[str, ...] = Aspect.__args__  # type: ignore[attr-defined]
FIX_KINDS: tuple[str, ...] = FixKind.__args__  # type: ignore[attr-defined]
_ASPECT_ALIASES = {"color": "colour", "arrows": "arrow", "icons": "icon", "layout": "position"}


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


# -- designer ---------------------------------------------------------------


class RegionAdvice(_Answer):
    """``lift`` redraws the region as vector and removes it from the canvas;
    ``keep`` leaves it on the canvas; ``raster``/``vector`` set how an element is drawn."""

    element_id: str
    action: Literal["lift", "keep", "raster", "vector"]
    reason: str = ""


class IconCaption(_Answer):
    element_id: str
    caption: str = Field(max_length=60)


class DesignPlan(_Answer):
    regions: list[RegionAdvice] = []
    captions: list[IconCaption] = []


# -- text recovery ----------------------------------------------------------


class TextCorrection(_Answer):
    element_id: str
    text: str


class TextFix(_Answer):
    fixes: list[TextCorrection] = []


# -- critic -----------------------------------------------------------------

Score = Annotated[int, Field(ge=0, le=10)]


class AspectScores(_Answer):
    """How close the redrawn figure is to the source, per aspect, 0 (wrong) to 10 (same)."""

    position: Score
    colour: Score
    text: Score
    icon: Score
    arrow: Score
    style: Score
    overall: Score


class CriticIssue(_Answer):
    aspect: Aspect
    element_id: str | None = None
    message: str
    fix: FixKind = "none"
    params: dict[str, float | str] = {}

    @model_validator(mode="after")
    def _fix_is_whole(self) -> CriticIssue:
        """A fix must come with the parameters its type takes (an answer that lacks them is
        asked again, with the error)."""
        if self.fix != "none":
            self.typed_fix()
        return self

    def typed_fix(self) -> Fix | None:
        """The issue's fix as its typed dataclass (``crafteditor.model.fixes``); None for none."""
        return None if self.fix == "none" else fix_from_params(self.fix, self.params)

    @field_validator("aspect", mode="before")
    @classmethod
    def _plain_aspect(cls, value: object) -> object:
        if isinstance(value, str):
            name = value.strip().lower()
            return _ASPECT_ALIASES.get(name, name)
        return value


class Critique(_Answer):
    scores: AspectScores
    issues: list[CriticIssue] = []
