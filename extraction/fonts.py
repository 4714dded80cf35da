"""Candidate fonts for matching text ink, rendered with Pillow.

A candidate is a family and weight with a font file on this machine and the
family stack written into the SVG.  Matching a line's ink against each
candidate's rendering of the same string gives the family class, the weight,
the font size and the baseline in one go.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from crafteditor.model.fonts import find_font_file


# (family, weight, class, file name, SVG family stack)
_CANDIDATES = (
    ("Liberation Sans", "normal", "sans", "LiberationSans-Regular.ttf",
     ("Liberation Sans", "Arial", "Helvetica", "sans-serif")),
    ("Liberation Sans", "bold", "sans", "LiberationSans-Bold.ttf",
     ("Liberation Sans", "Arial", "Helvetica", "sans-serif")),
    ("DejaVu Sans", "normal", "sans", "DejaVuSans.ttf",
     ("DejaVu Sans", "Verdana", "Bitstream Vera Sans", "sans-serif")),
    ("DejaVu Sans", "bold", "sans", "DejaVuSans-Bold.ttf",
     ("DejaVu Sans", "Verdana", "Bitstream Vera Sans", "sans-serif")),
    ("Liberation Serif", "normal", "serif", "LiberationSerif-Regular.ttf",
     ("Liberation Serif", "Times New Roman", "Times", "serif")),
    ("Liberation Serif", "bold", "serif", "LiberationSerif-Bold.ttf",
     ("Liberation Serif", "Times New Roman", "Times", "serif")),
    ("DejaVu Serif", "normal", "serif", "DejaVuSerif.ttf",
     ("DejaVu Serif", "Georgia", "serif")),
    ("Liberation Mono", "normal", "monospace", "LiberationMono-Regular.ttf",
     ("Liberation Mono", "Courier New", "Courier", "monospace")),
    ("Liberation Mono", "bold", "monospace", "LiberationMono-Bold.ttf",
     ("Liberation Mono", "Courier New", "Courier", "monospace")),
    ("DejaVu Sans Mono", "normal", "monospace", "DejaVuSansMono.ttf",
     ("DejaVu Sans Mono", "Menlo", "Consolas", "monospace")),
)

REFERENCE_SIZE_PX = 64


@dataclass(frozen=True, slots=True)
class FontCandidate:
    family: str
    weight: str  # "normal" | "bold"
    font_class: str  # "sans" | "serif" | "monospace"
    path: Path
    stack: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)  # holds arrays: compared by identity
class Rendering:
    """A string rendered at ``REFERENCE_SIZE_PX``: ink mask and its box relative to
    the pen origin (x at the start of the advance, y on the baseline)."""

    mask: np.ndarray  # HW bool, cropped to the ink
    coverage: np.ndarray  # HW float32 in 0..1 (anti-aliased ink), same crop
    ink_left: float
    ink_top: float  # negative: above the baseline
    ink_right: float
    ink_bottom: float
    advance: float
    extent_w: float  # anti-aliasing-aware ink extents (see ``coverage_extent``)
    extent_h: float


@functools.lru_cache(maxsize=1)
def candidates() -> tuple[FontCandidate, ...]:
    """The candidates whose files exist here (DejaVu always does on Debian)."""
    found = []
    for family, weight, cls, file_name, stack in _CANDIDATES:
        path = find_font_file(file_name, f"{family}:{weight}")  # fontconfig may know a path not searched
        if path is not None:
            found.append(FontCandidate(family, weight, cls, path, stack))
    if not found:
        raise RuntimeError("no usable fonts found (install fonts-dejavu-core)")
    return tuple(found)


@functools.lru_cache(maxsize=64)
def _font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size_px)


@functools.lru_cache(maxsize=256)  # a long line's coverage is ~0.5 MB: keep the cache small
def render(candidate: FontCandidate, text: str) -> Rendering | None:
    """Render ``text`` in ``candidate`` at the reference size; None if it has no ink."""
    font = _font(candidate.path, REFERENCE_SIZE_PX)
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    if right <= left or bottom <= top:
        return None
    pad = 2
    w, h = int(right - left) + 2 * pad, int(bottom - top) + 2 * pad
    canvas = Image.new("L", (w, h), 0)
    ImageDraw.Draw(canvas).text((pad - left, pad - top), text, font=font, fill=255, anchor="ls")
    grey = np.asarray(canvas, dtype=np.float32) / 255.0
    arr = grey > 0.43
    rows, cols = np.nonzero(arr.any(axis=1))[0], np.nonzero(arr.any(axis=0))[0]
    if len(cols) == 0:
        return None
    x0, x1, y0, y1 = cols[0], cols[-1] + 1, rows[0], rows[-1] + 1
    return Rendering(
        mask=arr[y0:y1, x0:x1],
        coverage=grey[y0:y1, x0:x1],
        ink_left=float(left + x0 - pad),
        ink_top=float(top + y0 - pad),
        ink_right=float(left + x1 - pad),
        ink_bottom=float(top + y1 - pad),
        advance=float(font.getlength(text)),
        extent_w=coverage_extent(grey, axis=0),
        extent_h=coverage_extent(grey, axis=1),
    )


def coverage_extent(coverage: np.ndarray, axis: int) -> float:
    """Ink extent along x (``axis=0``) or y (``axis=1``) with sub-pixel edges:
    the span of columns (rows) holding ink, less the uncovered part of the two
    edge columns.  Thresholded boxes gain up to a pixel on each side, which is
    a large error for 12 px text."""
    profile = np.clip(coverage.max(axis=axis), 0.0, 1.0)
    inked = np.nonzero(profile > 0.05)[0]
    if len(inked) == 0:
        return 0.0
    first, last = inked[0], inked[-1]
    if first == last:
        return float(profile[first])
    return float(last - first + 1 - (1 - profile[first]) - (1 - profile[last]))


def prefix_advance(candidate: FontCandidate, text: str, index: int) -> float:
    """Pen x (at the reference size) where character ``index`` of ``text`` starts."""
    return _font(candidate.path, REFERENCE_SIZE_PX).getlength(text[:index])


# A label drawn larger than this share of the ink it was read from is wrong:
# neither its rendered ink's width nor its height may exceed the source's by more.
MAX_GROWTH = 1.15


def candidate_for(family: tuple[str, ...], weight: str = "normal", font_class: str | None = None) -> FontCandidate:
    """The candidate that draws an SVG family stack: the first family found at
    the weight, else the class's first candidate, else the first candidate."""
    cands = candidates()
    for name in family:
        hit = [c for c in cands if c.family == name]
        if hit:
            return next((c for c in hit if c.weight == weight), hit[0])
    return next((c for c in cands if font_class and c.font_class == font_class), cands[0])


def largest_size_px(candidate: FontCandidate, text: str, ink_wh: tuple[float, float]) -> float | None:
    """The largest font size at which ``text`` in ``candidate`` keeps its ink within
    ``MAX_GROWTH`` of the ink box ``ink_wh`` (w, h) it was read from; None when it has no ink."""
    r = render(candidate, text)
    if r is None or r.extent_w <= 0 or r.extent_h <= 0:
        return None
    w, h = ink_wh
    return REFERENCE_SIZE_PX * MAX_GROWTH * min(w / r.extent_w, h / r.extent_h)


def size_bound_px(candidate: FontCandidate, lines: list[tuple[str, tuple[float, float]]]) -> float | None:
    """The largest size at which every ``(text, ink_wh)`` line stays within its ink box
    (``largest_size_px``); None when no line tells."""
    bounds = [largest_size_px(candidate, text.strip(), wh) for text, wh in lines if text.strip() and min(wh) > 0]
    bounds = [b for b in bounds if b is not None]
    return min(bounds) if bounds else None
