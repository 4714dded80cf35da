"""The closed set of typed fixes a finding can suggest and the reviser applies.

Each fix is a frozen dataclass whose ``kind`` names it on the wire (the VLM
critic's answers, the JSON report, the CLI).  The element a fix changes is the
one its finding names (``Finding.element_id``); fixes that add something carry
where.  ``FIX_TYPES`` is the whole set: the VLM schema's list of kinds is made
from it, and the reviser has a handler for each (a test checks both).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Union

End = Literal["head", "tail"]
XYXY = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class ShrinkFont:
    """Scale the named text's font by ``scale`` (< 1) so that it fits its container."""

    kind: ClassVar[str] = "shrink_font"
    scale: float


@dataclass(frozen=True, slots=True)
class SetFontSize:
    """Give the named text the font size ``px`` its source glyphs measure."""

    kind: ClassVar[str] = "set_font_size"
    px: float


@dataclass(frozen=True, slots=True)
class Move:
    """Move the named element (a shape, picture or text) by ``(dx_px, dy_px)``."""

    kind: ClassVar[str] = "move"
    dx_px: float
    dy_px: float


@dataclass(frozen=True, slots=True)
class SnapEndpoint:
    """Move the named connector's ``end`` to ``xy``, on the outline the source reaches."""

    kind: ClassVar[str] = "snap_endpoint"
    end: End
    xy: tuple[float, float]


@dataclass(frozen=True, slots=True)
class ScaleHead:
    """Scale the arrowhead at the named connector's ``end`` by ``scale`` of its ink
    (under ``NO_HEAD_BELOW``, the source has hardly more than the line there: no head)."""

    kind: ClassVar[str] = "scale_head"
    NO_HEAD_BELOW: ClassVar[float] = 0.35
    end: End
    scale: float


@dataclass(frozen=True, slots=True)
class SetText:
    """Make the line of the named text at the finding's box read ``text``."""

    kind: ClassVar[str] = "set_text"
    text: str


@dataclass(frozen=True, slots=True)
class AddText:
    """Add a text line reading ``text`` over ``xyxy``, where the source shows it."""

    kind: ClassVar[str] = "add_text"
    text: str
    xyxy: XYXY


@dataclass(frozen=True, slots=True)
class AddElement:
    """Draw what the source shows inside ``xyxy`` and the rendering misses."""

    kind: ClassVar[str] = "add_element"
    xyxy: XYXY


@dataclass(frozen=True, slots=True)
class Separate:
    """Move the named element by ``(dx_px, dy_px)``, the least shift that ends its overlap
    with its sibling ``other_id``."""

    kind: ClassVar[str] = "separate"
    other_id: str
    dx_px: float
    dy_px: float


@dataclass(frozen=True, slots=True)
class RefitShape:
    """Fit the named shape to the box ``xyxy`` its silhouette takes in the source."""

    kind: ClassVar[str] = "refit_shape"
    xyxy: XYXY


@dataclass(frozen=True, slots=True)
class RasterFallback:
    """Draw the named element over ``xyxy`` as the source does: a shape is repainted with
    the fill the source shows inside it, anything else becomes a crop of the source."""

    kind: ClassVar[str] = "raster_fallback"
    xyxy: XYXY


Fix = Union[ShrinkFont, SetFontSize, Move, SnapEndpoint, ScaleHead, SetText, AddText, AddElement, Separate,
            RefitShape, RasterFallback]
FIX_TYPES: tuple[type, ...] = Fix.__args__  # type: ignore[attr-defined]
BY_KIND: dict[str, type] = {t.kind: t for t in FIX_TYPES}
KINDS: tuple[str, ...] = tuple(BY_KIND)
_CORNERS = ("x0", "y0", "x1", "y1")


def fix_from_params(kind: str, params: Mapping[str, Any]) -> Fix:
    """The fix ``kind`` built from flat, named numbers and strings (as a VLM answers):
    ``x0, y0, x1, y1`` make ``xyxy`` and ``x, y`` make ``xy``; names the type does not take
    are left out.  Raises ``ValueError`` on an unknown kind, a missing parameter, or a value
    of the wrong type."""
    cls = BY_KIND.get(kind)
    if cls is None:
        raise ValueError(f"unknown fix {kind!r}; known: {', '.join(KINDS)}")
    found = dict(params)
    if all(k in found for k in _CORNERS):
        found["xyxy"] = tuple(found.pop(k) for k in _CORNERS)
    if "x" in found and "y" in found:
        found["xy"] = (found.pop("x"), found.pop("y"))
    fields = {f.name: f for f in dataclasses.fields(cls)}
    if set(fields) - set(found):
        raise ValueError(f"{kind} takes {', '.join(wire_params(cls))}; got {', '.join(sorted(params)) or 'nothing'}")
    return cls(**{name: _typed(kind, name, f.type, found[name]) for name, f in fields.items()})


def _typed(kind: str, name: str, annotation: Any, value: Any) -> Any:
    """``value`` checked against a field's annotation (written as a string, as
    ``from __future__ import annotations`` leaves it)."""
    text = str(annotation)
    if text == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{kind}.{name} must be a number, got {value!r}")
        return float(value)
    if text in ("XYXY", "tuple[float, float]"):
        size = 4 if text == "XYXY" else 2
        if len(value) != size or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value):
            raise ValueError(f"{kind}.{name} must be {size} numbers, got {value!r}")
        return tuple(float(v) for v in value)
    if text == "End":
        if value not in ("head", "tail"):
            raise ValueError(f"{kind}.{name} must be 'head' or 'tail', got {value!r}")
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{kind}.{name} must be some text, got {value!r}")
    return value


def wire_params(cls: type) -> tuple[str, ...]:
    """The flat parameter names a fix type takes in an answer (``fix_from_params``)."""
    names: list[str] = []
    for f in dataclasses.fields(cls):
        names += list(_CORNERS) if f.name == "xyxy" else ["x", "y"] if f.name == "xy" else [f.name]
    return tuple(names)


def describe_all() -> str:
    """One line per fix type, for a prompt: its kind, its parameters and what it does."""
    lines = []
    for cls in FIX_TYPES:
        doc = " ".join((cls.__doc__ or "").split())
        lines.append(f'- "{cls.kind}" (params: {", ".join(wire_params(cls))}): {doc}')
    return "\n".join(lines)


def fix_params(fix: Fix) -> dict[str, Any]:
    """A fix's parameters by name, for reports."""
    return {f.name: getattr(fix, f.name) for f in dataclasses.fields(fix)}
