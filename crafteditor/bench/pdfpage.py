"""A PDF page read by pdfplumber, and the map from its points to rendered pixels.

pdfplumber gives coordinates in points with a top-left origin on the media
box (``top``/``bottom`` grow downwards); pypdfium2 renders the crop box.  A
point ``(x, top)`` lands at ``((x - crop_x0) * s, (top - crop_top) * s)``
pixels, ``s`` being pixels per point.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crafteditor.model.scene import Box

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class PageFrame:
    """Points (pdfplumber, top-left origin) to pixels of the rendered crop box."""

    crop_x0_pt: float
    crop_top_pt: float
    px_per_pt: float

    def point(self, x_pt: float, top_pt: float) -> Point:
        s = self.px_per_pt
        return ((x_pt - self.crop_x0_pt) * s, (top_pt - self.crop_top_pt) * s)

    def box(self, x0_pt: float, top_pt: float, x1_pt: float, bottom_pt: float) -> Box:
        a, b = self.point(x0_pt, top_pt), self.point(x1_pt, bottom_pt)
        return Box(min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]))


@dataclass(frozen=True, slots=True)
class TruthPage:
    """Page 1 of a PDF as pdfplumber reads it, with its crop box (points, top-left origin)."""

    page: Any  # pdfplumber.page.Page
    crop_pt: tuple[float, float, float, float]

    @property
    def crop_wh_pt(self) -> tuple[float, float]:
        x0, top, x1, bottom = self.crop_pt
        return (x1 - x0, bottom - top)

    def frame(self, px_per_pt: float) -> PageFrame:
        return PageFrame(self.crop_pt[0], self.crop_pt[1], px_per_pt)

    def font_sizes_pt(self) -> list[float]:
        """The em size of every upright or vertical character (points)."""
        sizes = []
        for char in self.page.chars:
            angle = char_angle_deg(char)
            axis = round(angle / 90.0)
            if abs(angle - 90.0 * axis) <= 1.0:
                sizes.append(char["x1"] - char["x0"] if axis % 2 else char["bottom"] - char["top"])
        return sizes


@contextmanager
def open_truth_page(path: str | Path) -> Iterator[TruthPage]:
    """Open page 1 of ``path`` with pdfplumber; closed on exit."""
    import pdfplumber

    pdf = pdfplumber.open(str(path))
    try:
        if not pdf.pages:
            raise ValueError("the PDF has no page")
        page = pdf.pages[0]
        if page.rotation % 360:
            raise ValueError(f"page 1 is rotated by {page.rotation} degrees")
        yield TruthPage(page, tuple(float(v) for v in page.cropbox))
    finally:
        pdf.close()


def char_angle_deg(char: dict[str, Any]) -> float:
    """Baseline direction of a pdfplumber character, clockwise degrees in image space."""
    a, b = char["matrix"][0], char["matrix"][1]
    return math.degrees(math.atan2(-b, a))


def pdf_colour(value: Any) -> str | None:
    """A pdfplumber colour (gray, RGB or CMYK components in 0..1) as ``#rrggbb``;
    None for patterns and anything else without a plain colour."""
    if isinstance(value, (int, float)):
        comps: Sequence[Any] = (value,)
    elif isinstance(value, (tuple, list)):
        comps = value
    else:
        return None
    if not comps or not all(isinstance(c, (int, float)) for c in comps):
        return None
    c = [min(max(float(v), 0.0), 1.0) for v in comps]
    if len(c) == 1:
        rgb = (c[0], c[0], c[0])
    elif len(c) == 3:
        rgb = (c[0], c[1], c[2])
    elif len(c) == 4:
        k = c[3]
        rgb = ((1 - c[0]) * (1 - k), (1 - c[1]) * (1 - k), (1 - c[2]) * (1 - k))
    else:
        return None
    return "#" + "".join(f"{round(v * 255):02x}" for v in rgb)
