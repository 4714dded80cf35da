"""Labels measured with the installed font the SVG will be drawn in, and wrapped.

Sizes come from the font file (``crafteditor.model.fonts.face_file``), so a box sized
here holds its label as a renderer draws it.  A label wider than ``WRAP_EM`` is broken
at spaces onto two or three lines of about equal width.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

from crafteditor.model.fonts import face_file

WRAP_EM = 12.0  # a line longer than this many font sizes is wrapped
MAX_LINES = 3
LINE_HEIGHT = 1.25  # baseline to baseline, in font sizes
GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy"}
MEASURE_PX = 100  # the size fonts are loaded at; measures scale from it


@lru_cache(maxsize=32)
def _font(family: str, bold: bool):  # -> PIL.ImageFont.FreeTypeFont | None
    from PIL import ImageFont

    path = face_file(family, bold)
    return None if path is None else ImageFont.truetype(str(path), MEASURE_PX)


@dataclass(frozen=True)
class Face:
    """A font as a label asks for it: families most wanted first, size in px, weight."""

    family: tuple[str, ...]
    size_px: float
    bold: bool = False

    @property
    def _loaded(self):
        first = next((f for f in self.family if f not in GENERIC), self.family[0] if self.family else "sans-serif")
        return _font(first, self.bold)

    def width_px(self, text: str) -> float:
        font = self._loaded
        if font is None:
            return 0.6 * self.size_px * len(text)
        return font.getlength(text) * self.size_px / MEASURE_PX

    def ascent_descent_px(self) -> tuple[float, float]:
        font = self._loaded
        if font is None:
            return 0.9 * self.size_px, 0.22 * self.size_px
        ascent, descent = font.getmetrics()
        return ascent * self.size_px / MEASURE_PX, descent * self.size_px / MEASURE_PX

    @property
    def line_px(self) -> float:
        return LINE_HEIGHT * self.size_px


@dataclass(frozen=True)
class Measured:
    """A label broken into lines, with each line's width and the block's size (px)."""

    lines: tuple[str, ...]
    widths_px: tuple[float, ...]
    face: Face

    @property
    def wh_px(self) -> tuple[float, float]:
        if not self.lines:
            return (0.0, 0.0)
        ascent, descent = self.face.ascent_descent_px()
        return (max(self.widths_px), (len(self.lines) - 1) * self.face.line_px + ascent + descent)


def _split(words: list[str], cuts: tuple[int, ...]) -> list[str]:
    bounds = (0, *cuts, len(words))
    return [" ".join(words[a:b]) for a, b in zip(bounds, bounds[1:])]


def wrap(text: str, face: Face, max_width_px: float | None = None) -> Measured:
    """``text`` on as few lines (up to ``MAX_LINES``) as keep each within ``max_width_px``
    (default ``WRAP_EM`` font sizes), the words shared out so the widest line is narrowest.
    Line breaks in ``text`` are kept."""
    limit = max_width_px if max_width_px is not None else WRAP_EM * face.size_px
    lines: list[str] = []
    for given in (text.splitlines() or [""]):
        lines.extend(_wrap_one(given.strip(), face, limit) if given.strip() else [])
    return Measured(tuple(lines), tuple(face.width_px(line) for line in lines), face)


def _wrap_one(line: str, face: Face, limit: float) -> list[str]:
    words = line.split()
    if face.width_px(line) <= limit or len(words) == 1:
        return [" ".join(words)]
    best: list[str] = [line]
    for count in range(2, min(MAX_LINES, len(words)) + 1):
        options = (_split(words, cuts) for cuts in itertools.combinations(range(1, len(words)), count - 1))
        best = min(options, key=lambda parts: max(face.width_px(p) for p in parts))
        if max(face.width_px(p) for p in best) <= limit:
            break
    return best
