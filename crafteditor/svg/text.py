"""Text of an SVG ``<text>`` as it is drawn: its lines (tspans that set their own y),
their positions and their extents, measured with the font files installed
(Liberation, DejaVu) or estimated at 0.55 em a glyph when none is found."""

from __future__ import annotations

from typing import Any

from crafteditor.model.fonts import face_file
from crafteditor.model.scene import Box, TextRun
from crafteditor.svg.doc import local

Point = tuple[float, float]
BOLD_WEIGHTS = frozenset({"bold", "bolder", "600", "700", "800", "900"})


def first_family(family: str) -> str:
    """The first name of a CSS font-family list, unquoted."""
    return family.split(",")[0].strip().strip("'\"")


def is_bold(weight: str) -> bool:
    return weight.strip().lower() in BOLD_WEIGHTS


def _font_file(family: str, bold: bool) -> str | None:
    path = face_file(first_family(family), bold)
    return None if path is None else str(path)


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


def _xy(node: Any, default: Point) -> Point:
    def first(v: str | None, d: float) -> float:
        try:
            return float(v.replace(",", " ").split()[0]) if v and v.strip() else d
        except ValueError:
            return d
    return first(node.get("x"), default[0]), first(node.get("y"), default[1])


def baseline_shift(node: Any) -> str | None:
    """"sub" or "super" when ``node`` shifts its baseline down or up (``baseline-shift``:
    a keyword, a length or a percentage), None when it does not say or keeps it."""
    value = None
    for part in (node.get("style") or "").split(";"):
        key, _, v = part.partition(":")
        if key.strip() == "baseline-shift" and v.strip():
            value = v.strip()
    value = (value or node.get("baseline-shift") or "").strip().lower()
    if value in ("sub", "super"):
        return value
    try:
        amount = float(value.rstrip("%").removesuffix("px").removesuffix("em").removesuffix("pt"))
    except ValueError:
        return None
    return "super" if amount > 0 else "sub" if amount < 0 else None


Piece = tuple[str, str | None]  # some text and its baseline shift


def _pieces(node: Any, shift: str | None) -> list[Piece]:
    """The text inside ``node`` (not its tail), each piece with the shift it is drawn at."""
    out = [(node.text or "", shift)]
    for child in node:
        if local(child.tag) == "tspan":
            out += _pieces(child, baseline_shift(child) or shift)
        elif isinstance(child.tag, str):
            out.append(("".join(child.itertext()), shift))
        out.append((child.tail or "", shift))
    return out


def _chunks(el: Any) -> list[tuple[list[Piece], Point]]:
    """The lines of a ``<text>`` as drawn, before whitespace is collapsed: their pieces and
    where each starts.  A tspan setting its own y starts a line."""
    start = _xy(el, (0.0, 0.0))
    chunks: list[tuple[list[Piece], Point]] = []

    def add(pieces: list[Piece], at: Point, new_line: bool) -> None:
        if new_line or not chunks:
            chunks.append((list(pieces), at))
        else:
            chunks[-1][0].extend(pieces)

    add([(el.text or "", None)], start, True)
    at = start
    for child in el:
        if local(child.tag) == "tspan":
            own = _xy(child, at)
            add(_pieces(child, baseline_shift(child)), own, child.get("y") is not None)
            at = own
        add([(child.tail or "", None)], at, False)  # titles and foreign elements draw nothing; their tails do
    return chunks


def _collapse(pieces: list[Piece]) -> tuple[TextRun, ...]:
    """``pieces`` with whitespace collapsed as ``" ".join(text.split())`` does, as runs of one
    shift each."""
    chars: list[Piece] = []
    for text, shift in pieces:
        for c in text:
            if not c.isspace():
                chars.append((c, shift))
            elif chars and chars[-1][0] != " ":
                chars.append((" ", shift))
    while chars and chars[-1][0] == " ":
        chars.pop()
    runs: list[TextRun] = []
    for c, shift in chars:
        if runs and runs[-1].shift == shift:
            runs[-1] = TextRun(runs[-1].text + c, shift)
        else:
            runs.append(TextRun(c, shift))
    return tuple(runs)


def line_runs(el: Any) -> tuple[tuple[TextRun, ...], ...]:
    """The runs of each line ``text_lines`` gives (the same lines, in order): () for a line
    drawn all on its baseline, else its pieces with their shifts ("sub", "super")."""
    out = []
    for pieces, _at in _chunks(el):
        runs = _collapse(pieces)
        if runs:
            out.append(runs if any(r.shift for r in runs) else ())
    return tuple(out)


def text_lines(el: Any, geo: Any, font_size: float, family: str, weight: str,
               anchor: str) -> tuple[tuple[str, Box], ...]:
    """Each line of a ``<text>``: its tspans that set their own y, or the whole element."""
    import svgelements as se

    chunks = [(" ".join("".join(t for t, _s in pieces).split()), at) for pieces, at in _chunks(el)]
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
