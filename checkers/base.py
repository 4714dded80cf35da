"""What checkers read: an SVG as it is drawn, beside its source.

Checkers are pure functions ``(figure: CheckedFigure) -> list[Finding]``
(``crafteditor.model.findings``), each finding located, naming its element where
there is one, and suggesting a typed fix (``crafteditor.model.fixes``): they
never raise on a bad figure, they report.  ``CheckedFigure`` is an SVG as it
is drawn (rendered and recorded at the source's size, so any SVG can be
checked, not only ours) next to its source raster.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from crafteditor.model.findings import SEVERITIES, Finding


class SourceSide:
    """The source as checks read it, measured once: its page colour, where it draws,
    and a memo of what checks measured on it (``measure``).

    Every rendering the loop checks is compared with the same source, so one
    ``SourceSide`` serves all its rounds: what depends on the source alone is
    measured once per figure, and what also depends on a window of the rendering
    is looked up by that window's pixels (``measure_drawn``), so only what changed
    is measured again.
    """

    def __init__(self, rgb: np.ndarray, background_rgb: tuple[int, int, int] | None = None) -> None:
        from extraction.image import estimate_background

        self.rgb = rgb
        self.background_rgb = tuple(background_rgb) if background_rgb is not None else estimate_background(rgb)
        self._memo: dict[Hashable, Any] = {}
        self._drawn_memo: dict[Hashable, list[tuple[np.ndarray, Any]]] = {}

    @cached_property
    def drawn(self) -> np.ndarray:
        """HxW bool: where the source differs from the page (``fidelity.drawn_mask``)."""
        from checkers.fidelity import drawn_mask

        return drawn_mask(self.rgb, self.background_rgb)

    def measure(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per ``key``: a key names the measure and everything it
        reads of the source (a window)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def measure_drawn(self, key: Hashable, drawn: np.ndarray, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per ``key`` and ``drawn`` (the window of a rendering it reads):
        a window drawn as in a rendering checked before gives the answer it gave then."""
        seen = self._drawn_memo.setdefault(key, [])
        for pixels, value in seen:
            if np.array_equal(pixels, drawn):
                return value
        value = compute()
        seen.append((drawn.copy(), value))
        return value


@dataclass(frozen=True)
class CheckedFigure:
    """An SVG drawn at its source's size (``record``, a ``checkers.record.RenderRecord``),
    what it draws read back from that (``drawn``), and the source (HWC uint8) with its page colour;
    ``source`` (made from them when not given) holds what is measured on the source."""

    record: Any
    drawn: Any  # checkers.drawn.Truth of the SVG's own rendering
    source_rgb: np.ndarray = field(repr=False)
    background_rgb: tuple[int, int, int] = (255, 255, 255)
    source_words: tuple[Any, ...] = ()  # OCR readings of the source (``extraction.ocr.OcrWord``)
    source: SourceSide | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.source is None or self.source.rgb is not self.source_rgb:
            object.__setattr__(self, "source", SourceSide(self.source_rgb, self.background_rgb))

    @property
    def image_wh(self) -> tuple[int, int]:
        h, w = self.source_rgb.shape[:2]
        return (w, h)

    @cached_property
    def drawn_ours(self) -> np.ndarray:
        """HxW bool: where the rendering differs from the page (``fidelity.drawn_mask``)."""
        from checkers.fidelity import drawn_mask

        return drawn_mask(self.record.rgb, self.background_rgb)

    @cached_property
    def near_ours(self) -> np.ndarray:
        """HxW bool: within 2 px of where the rendering draws (``fidelity.dilate``)."""
        from checkers.fidelity import dilate

        return dilate(self.drawn_ours, 2)

    @property
    def drawn_source(self) -> np.ndarray:
        """HxW bool: where the source differs from the page."""
        return self.source.drawn

    @cached_property
    def fidelity(self) -> Any:
        """Drawn-pixel precision, recall and F1 of the rendering against the source (2 px slack)."""
        from checkers.fidelity import dilate, mask_f1

        near_source = self.source.measure(("dilated source", 2), lambda: dilate(self.drawn_source, 2))
        return mask_f1(self.drawn_ours, self.drawn_source, 2, near_source=near_source, near_rendered=self.near_ours)


Checker = Callable[[CheckedFigure], list[Finding]]


def read_figure(svg: bytes, source_rgb: np.ndarray, source_words: Sequence[Any] = (),
                source: SourceSide | None = None, background_rgb: tuple[int, int, int] | None = None) -> CheckedFigure:
    """Render and record ``svg`` at the size of ``source_rgb``.  Raises
    ``SvgRenderError`` if the SVG cannot be drawn at all (that is no finding).
    ``source_words`` (OCR readings of the source) let ``missing_text`` work;
    ``source`` (a ``SourceSide`` of ``source_rgb``) shares source measures between
    renderings checked against the same source; without it, one is made with the page
    colour ``background_rgb`` (estimated from the source when not given)."""
    from checkers.drawn import truth_from_record
    from checkers.record import render_recorded

    if source is None or source.rgb is not source_rgb:
        source = SourceSide(source_rgb, background_rgb)
    h, w = source_rgb.shape[:2]
    record = render_recorded(svg, size_wh=(w, h))
    return CheckedFigure(record, truth_from_record(record), source_rgb, source.background_rgb,
                         tuple(source_words), source)


def all_checks() -> tuple[Checker, ...]:
    """Every programmatic checker, in the order their findings are listed."""
    from checkers import drift, fidelity, layout, text

    return (
        layout.text_overflow, text.text_size_drift, text.missing_text, layout.arrow_endpoints,
        layout.overlap, drift.position_drift, fidelity.missing_components, fidelity.element_fidelity,
        fidelity.fidelity_finding,
    )


def run_checks(figure: CheckedFigure, checks: Sequence[Checker] | None = None) -> list[Finding]:
    """All findings of ``checks`` (default: every programmatic checker), errors first."""
    checks = checks if checks is not None else all_checks()
    findings = [f for check in checks for f in check(figure)]
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))
