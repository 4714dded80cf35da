"""Sub- and superscripts ending a reading are told from the ink of its glyphs and become runs.

Lines are drawn with cairosvg (which moves a run with ``dy``, not ``baseline-shift``) and
measured through the real measurement with a scripted reading covering their ink."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from crafteditor.model.scene import TextRun
from extraction.ocr import OcrWord
from extraction.text_measure import measure_all


def _line(body: str, family: str = "Liberation Sans", size: float = 20.0) -> np.ndarray:
    import cairosvg

    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="260" height="60"><rect width="260" height="60" '
           f'fill="white"/><text x="20" y="38" font-family="{family}" font-size="{size}">{body}</text></svg>')
    return np.asarray(Image.open(io.BytesIO(cairosvg.svg2png(bytestring=svg.encode()))).convert("RGB"))


def _measure(rgb: np.ndarray, text: str):
    ys, xs = np.nonzero(rgb.min(axis=2) < 160)
    x0, y0, x1, y1 = xs.min() - 3, ys.min() - 3, xs.max() + 4, ys.max() + 4
    lines = measure_all(rgb, OcrWord(text, ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), 0.99))
    assert len(lines) == 1
    return lines[0]


SUB = '<tspan dy="5" font-size="0.65em">{}</tspan>'
SUPER = '<tspan dy="-8" font-size="0.65em">{}</tspan>'


@pytest.mark.parametrize("body, read, runs", [
    ("x" + SUB.format("0"), "x0", (TextRun("x"), TextRun("0", "sub"))),
    ("x" + SUB.format("0"), "x₀", (TextRun("x"), TextRun("0", "sub"))),  # read as a Unicode form
    ("Hidden h" + SUB.format("t-1"), "Hidden ht-1", (TextRun("Hidden h"), TextRun("t-1", "sub"))),
    ("Energy E=mc" + SUPER.format("2"), "Energy E=mc²", (TextRun("Energy E=mc"), TextRun("2", "super"))),
    ("Energy E=mc" + SUPER.format("2"), "Energy E=mc2", (TextRun("Energy E=mc"), TextRun("2", "super"))),
])
def test_a_shifted_smaller_end_becomes_a_run(body, read, runs):
    line = _measure(_line(body), read)
    assert line.runs == runs and line.text == "".join(r.text for r in runs)


def test_a_superscript_in_a_serif_face_touching_its_letter_is_told_apart():
    line = _measure(_line("Weight W" + SUPER.format("T"), "Liberation Serif"), "Weight WT")
    assert line.runs == (TextRun("Weight W"), TextRun("T", "super"))


def test_the_line_is_sized_and_placed_by_its_unshifted_glyphs():
    plain = _measure(_line("Energy E=mc"), "Energy E=mc")
    shifted = _measure(_line("Energy E=mc" + SUPER.format("2")), "Energy E=mc2")
    assert abs(shifted.font_size_px - plain.font_size_px) < 0.1 * plain.font_size_px
    assert abs(shifted.baseline_y - plain.baseline_y) < 1.0


@pytest.mark.parametrize("body", [
    "Spring, gauge, day", "TYPE py", "Angle 30°", 'said "quoted"', "it's", "Fig. 3.", "f(x) = y", "x0", "E=mc2",
    "Total: 100%", "A_b", "Tg", "Attn*", "x'",
])
def test_glyphs_on_the_line_make_no_runs(body):
    line = _measure(_line(body.replace('"', "&quot;").replace("'", "&apos;")), body)
    assert line.runs == ()
