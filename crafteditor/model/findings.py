"""What every checker returns: a located finding, with the typed fix it suggests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crafteditor.model.fixes import Fix, fix_params
from crafteditor.model.scene import Box

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Finding:
    """``element_id`` names the element the finding is about (the SVG's id) where there is
    one: its fix changes that element, and no other is guessed at."""

    code: str  # e.g. "text-overflow", "arrow-dangling", "overlap", "missing-component", "fidelity"
    severity: str  # "error" | "warning" | "info"
    message: str
    element_id: str | None = None
    box: Box | None = None
    fix: Fix | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    def to_json(self) -> dict[str, Any]:
        """The finding as plain JSON data; its fix as its kind and parameters."""
        return {
            "code": self.code, "severity": self.severity, "message": self.message, "element_id": self.element_id,
            "box": None if self.box is None else [round(v, 1) for v in self.box.xyxy],
            "fix": None if self.fix is None else {"kind": self.fix.kind, **_plain(fix_params(self.fix))},
        }


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: [round(x, 1) for x in v] if isinstance(v, tuple) else round(v, 3) if isinstance(v, float) else v
            for k, v in params.items()}
