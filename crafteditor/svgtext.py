"""Text of an SVG ``<text>`` as it is drawn: its lines (tspans that set their own y),
their positions and their extents, measured with the font files installed
(Liberation, DejaVu) or estimated at 0.55 em a glyph when none is found."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from crafteditor.scene import Box
from crafteditor.svgdoc import local

Point = tuple[float, float]
BOLD_WEIGHTS = frozenset({"bold", "bolder", "600", "700", "800", "900"})


def first_family(family: str) -> str:
    """The first name of a CSS font-family list, unquoted."""
    return family.split(",")[0].strip().strip("'\"")


def is_bold(weight: str) -> bool:
    return weight.strip().lower() in BOLD_WEIGHTS


FONT_FILES = {
    "Sans": (("LiberationSans-Regular.ttf", "DejaVuSans.ttf"), ("LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf")),
    "Serif": (("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
              ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf")),
    "Mono": (("LiberationMono-Regular.ttf", "DejaVuSansMono.ttf"),
             ("LiberationMono-Bold.ttf", "DejaVuSansMono-Bold.ttf")),
}


@lru_cache(maxsize=64)
def _font_file(family: str, bold: bool) -> str | None:
    from extraction.fonts import _find_file

    name = first_family(family).lower()
    if "mono" in name or "courier" in name:
        kind = "Mono"
    elif ("serif" in name and "sans" not in name) or "times" in name or "georgia" in name:
        kind = "Serif"
    else:
        kind = "Sans"
    for candidate in FONT_FILES[kind][bold]:
        path = _find_file(candidate)
        if path is not None:
            return str(path)
    return None


def text_width(text: str, size: float, family: str = "", bold: bool = False) -> float:
    """The advance of ``text`` at ``size`` px in the closest installed font (0.55 em a glyph if none)."""
    if not text or size <= 0:
        return 0.0
    path = _font_file(family or "sans-serif", bold)
    if path is None:
        return 0.55 * size * len(text)
    from PIL import ImageFont

    font = ImageFont.truetype(path, 100)
    return font.getlength(text) * size / 100.0


def text_lines(el: Any, geo: Any, font_size: float, family: str, weight: str,
               anchor: str) -> tuple[tuple[str, Box], ...]:
    """Each line of a ``<text>``: its tspans that set their own y, or the whole element."""
    import svgelements as se

    def xy(node: Any, default: Point) -> Point:
        def first(v: str | None, d: float) -> float:
            try:
                return float(v.replace(",", " ").split()[0]) if v and v.strip() else d
            except ValueError:
                return d
        return first(node.get("x"), default[0]), first(node.get("y"), default[1])

    start = xy(el, (0.0, 0.0))
    chunks: list[tuple[str, Point]] = []

    def add(text: str, at: Point, new_line: bool) -> None:
        if new_line or not chunks:
            chunks.append((text, at))
        else:
            chunks[-1] = (chunks[-1][0] + text, chunks[-1][1])

    add(el.text or "", start, True)
    at = start
    for child in el:
        if local(child.tag) == "tspan":
            own = xy(child, at)
            add("".join(child.itertext()), own, child.get("y") is not None)
            at = own
        add(child.tail or "", at, False)  # titles and foreign elements draw nothing; their tails do
    chunks = [(" ".join(t.split()), p) for t, p in chunks]
    matrix = geo.transform if geo is not None else se.Matrix()
    size = font_size or 16.0
    out = []
    for text, (x, y) in chunks:
        if not text:
            continue
        width = text_width(text, size, family, is_bold(weight))
        x0 = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
        corners = [matrix.point_in_matrix_space((cx, cy)) for cx in (x0, x0 + width)
                   for cy in (y - 0.8 * size, y + 0.22 * size)]
        out.append((text, Box.from_points([(float(p.x), float(p.y)) for p in corners])))
    return tuple(out)
