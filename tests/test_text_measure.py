import random

import numpy as np
import pytest

from extraction.fonts import candidates
from extraction.ocr import OcrWord
from extraction.text_measure import measure
from tests.drawing import render, word_at

FAMILIES = sorted({c.family for c in candidates()})
WORDS = ["Encoder", "Self-Attention", "softmax(QK)", "Feature map 64x64", "Decoder layer", "Input image"]


def _cases(n: int = 24):
    rng = random.Random(7)
    for i in range(n):
        family = FAMILIES[i % len(FAMILIES)]
        weights = [c.weight for c in candidates() if c.family == family]
        yield dict(
            text=rng.choice(WORDS), family=family, weight=rng.choice(weights),
            size=rng.choice([12, 14, 16, 20, 24, 28]),
            fill=rng.choice(["#000000", "#1f3b73", "#c0392b", "#555555"]),
        )


@pytest.mark.parametrize("case", list(_cases()), ids=lambda c: f"{c['family']}-{c['weight']}-{c['size']}")
def test_measure_recovers_size_colour_weight_and_baseline(case):
    x, baseline = 30.0, 100.0
    rgb = render(
        f'<text x="{x}" y="{baseline}" font-family="{case["family"]}" font-size="{case["size"]}" '
        f'font-weight="{case["weight"]}" fill="{case["fill"]}">{case["text"]}</text>'
    )
    word = word_at(case["text"], x, baseline, case["size"], case["family"], case["weight"])
    m = measure(rgb, word)
    assert m is not None
    # Renderers hint 12 px text (vertical metrics snap to pixels) and two
    # serif faces can then match equally well: a known weak spot, bounded here.
    assert m.font_size_px == pytest.approx(case["size"], rel=0.08 if case["size"] > 12 else 0.3)
    assert abs(m.baseline_y - baseline) <= 1.5
    assert abs(m.pen_x - x) <= 2.0
    want = np.array([int(case["fill"][i:i + 2], 16) for i in (1, 3, 5)])
    assert np.abs(np.array(m.color_rgb) - want).max() <= 24
    family_class = next(c.font_class for c in candidates() if c.family == case["family"])
    assert m.font.font_class == family_class
    if case["size"] >= 16:
        assert m.font.weight == case["weight"]


def test_measure_ignores_box_border_crossing_the_reading():
    # A label in a tight box: the border runs through the OCR box's margin.
    rgb = render(
        '<rect x="20" y="70" width="150" height="40" fill="#dbe9ff" stroke="#3366cc" stroke-width="2"/>'
        '<text x="95" y="97" font-family="DejaVu Sans" font-size="18" text-anchor="middle" fill="#111111">Encoder</text>'
    )
    word = word_at("Encoder", 95, 97, 18, "DejaVu Sans", anchor="middle", pad=0.6)
    m = measure(rgb, word)
    assert m is not None
    assert m.font_size_px == pytest.approx(18, rel=0.08)
    assert m.background_rgb == (0xDB, 0xE9, 0xFF)
    assert m.mask.keep.any()  # the border was seen and kept apart
    assert m.page_box.y0 > 72 and m.page_box.y1 < 108


def test_measure_rotated_label_in_reading_frame():
    rgb = render(
        '<text transform="rotate(-90 60 100)" x="60" y="100" text-anchor="middle" font-family="DejaVu Sans" '
        'font-size="20" fill="#333333">Loss value</text>', width=200, height=260,
    )
    ys, xs = np.nonzero(np.abs(rgb.astype(int) - 255).max(axis=2) > 60)
    x0, x1, y0, y1 = xs.min() - 5, xs.max() + 5, ys.min() - 5, ys.max() + 5
    quad = ((x0, y1), (x0, y0), (x1, y0), (x1, y1))  # reads upward: starts bottom-left
    m = measure(rgb, OcrWord("Loss value", quad, 0.99))
    assert m is not None and m.angle_deg == -90
    assert m.font_size_px == pytest.approx(20, rel=0.08)
    assert m.page_box.height > 3 * m.page_box.width


def test_measure_returns_none_without_ink():
    rgb = render("")
    assert measure(rgb, OcrWord("ghost", ((10, 10), (60, 10), (60, 30), (10, 30)), 0.9)) is None


@pytest.mark.parametrize("reading, fixed", [
    ("DownsampIe", "Downsample"), ("PipeIine of the", "Pipeline of the"), ("CIassifier", "Classifier"),
    ("mIoU", "mIoU"), ("Inference", "Inference"), ("CIFAR-10", "CIFAR-10"), ("1O.5 ms", "10.5 ms"),
    ("O(n)", "O(n)"), ("IoU 0.5", "IoU 0.5"),
])
def test_look_alikes_fixed_by_context(reading, fixed):
    from extraction.fontmatch import fix_by_context

    assert fix_by_context(reading) == fixed


@pytest.mark.parametrize("drawn, read", [("128 x 128", "128 × 128"), ("3×3 conv", "3x3 conv")])
def test_look_alikes_settled_by_the_ink(drawn, read):
    rgb = render(f'<text x="30" y="100" font-family="Liberation Sans" font-size="22">{drawn}</text>')
    word = word_at(read, 30, 100, 22, "Liberation Sans")
    m = measure(rgb, word)
    assert m is not None and m.text == drawn


def test_frame_round_a_title_is_not_a_glyph():
    rgb = render(
        '<rect x="40" y="60" width="130" height="30" fill="none" stroke="#aa2222" stroke-width="1.5"/>'
        '<text x="48" y="81" font-family="Liberation Serif" font-size="16">Data pipeline</text>'
    )
    m = measure(rgb, word_at("Data pipeline", 48, 81, 16, "Liberation Serif", pad=0.5))
    assert m is not None
    assert m.font_size_px == pytest.approx(16, rel=0.08)
    assert m.page_box.width < 120 and m.page_box.height < 22
    assert m.mask.keep.any()


def test_reading_spanning_two_cells_is_split():
    from extraction.text_measure import measure_all

    rgb = render(
        '<text x="20" y="60" font-family="DejaVu Sans" font-size="20">Key 1</text>'
        '<text x="150" y="60" font-family="DejaVu Sans" font-size="20">Action 1</text>', width=300, height=100,
    )
    joined = OcrWord("Key 1Action 1", ((15, 38), (245, 38), (245, 68), (15, 68)), 0.95)
    lines = measure_all(rgb, joined)
    assert [m.text for m in lines] == ["Key 1", "Action 1"]
    assert lines[0].pen_x == pytest.approx(20, abs=2) and lines[1].pen_x == pytest.approx(150, abs=2)
    assert all(m.font_size_px == pytest.approx(20, rel=0.08) for m in lines)


def test_text_cut_by_the_page_edge_is_still_text():
    rgb = render('<text x="20" y="96" font-family="DejaVu Sans" font-size="24">subblocks</text>', height=100)
    m = measure(rgb, word_at("subblocks", 20, 96, 24, "DejaVu Sans"))
    assert m is not None and m.font_size_px == pytest.approx(24, rel=0.1)


def test_tilted_label_is_measured_along_its_slope():
    import math

    from extraction.clean import lift_text

    angle, x, y, size = 12.0, 40.0, 60.0, 20.0
    rgb = render(f'<text x="{x}" y="{y}" transform="rotate({angle} {x} {y})" font-family="DejaVu Sans" '
                 f'font-size="{size}">FOLLOW UP</text>', width=300, height=160)
    # The engine's quad: the em box along the text, turned with it.
    c, s_ = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    def turn(px, py):
        return (x + (px - x) * c - (py - y) * s_, y + (px - x) * s_ + (py - y) * c)
    quad = (turn(x - 4, y - 19), turn(x + 130, y - 19), turn(x + 130, y + 6), turn(x - 4, y + 6))
    m = measure(rgb, OcrWord("FOLLOW UP", quad, 0.99))
    assert m is not None and m.text == "FOLLOW UP"
    assert m.angle_deg == pytest.approx(angle, abs=1.5)
    assert m.font_size_px == pytest.approx(size, rel=0.1)
    canvas, _ = lift_text(rgb, [m])
    assert (np.abs(canvas.astype(int) - 255).max(axis=2) > 100).sum() < 20  # lifted off the canvas


@pytest.mark.parametrize("drawn, read", [
    ("Training of the model", "Trainingof the model"), ("Memory Bank", "MemoryBank"),
    ("(0, 1)", "(0,1)"), ("Self-Attention", "Self-Attention"), ("Camera", "Camera"),
    ("Feature map 64x64", "Feature map 64x64"),
])
def test_dropped_spaces_are_restored_from_the_gaps(drawn, read):
    rgb = render(f'<text x="30" y="100" font-family="DejaVu Sans" font-size="16">{drawn}</text>')
    m = measure(rgb, word_at(read, 30, 100, 16, "DejaVu Sans"))
    assert m is not None and m.text == drawn


@pytest.mark.parametrize("line", [
    '<line x1="111" y1="40" x2="111" y2="160" stroke="#000" stroke-width="2"/>',  # touches the last letter
    '<line x1="80" y1="160" x2="140" y2="40" stroke="#000" stroke-width="2.5"/>',  # crosses it, slanted
])
def test_glyphs_touching_a_line_are_still_glyphs(line):
    from extraction.clean import lift_text

    rgb = render(f'<text x="30" y="100" font-family="DejaVu Sans" font-size="20">YELLOW</text>{line}')
    m = measure(rgb, word_at("YELLOW", 30, 100, 20, "DejaVu Sans"))
    assert m is not None
    assert m.font_size_px == pytest.approx(20, rel=0.15)  # the line hides a sliver of the W
    assert m.page_box.x1 > 105  # the last letter (ending at x=112) is part of the text
    canvas, _ = lift_text(rgb, [m])
    ink = np.abs(canvas.astype(int) - 255).max(axis=2) > 100
    line_only = render(line)
    line_ink = np.abs(line_only.astype(int) - 255).max(axis=2) > 100
    assert (ink & ~line_ink).sum() < 15  # no text left on the canvas
    assert (ink & line_ink).sum() > 0.8 * line_ink.sum()  # the line is still there


def test_dashed_line_read_as_letters_is_not_text():
    from extraction.text_measure import measure_all

    rgb = render('<line x1="20" y1="60" x2="200" y2="60" stroke="#555" stroke-width="2" stroke-dasharray="8 6"/>')
    assert measure_all(rgb, OcrWord("ew", ((60, 50), (90, 50), (90, 70), (60, 70)), 0.47)) == []


def test_spaces_are_not_put_where_another_word_was_caught():
    # The box holds "Training pipeline for" but the reading is two words only.
    rgb = render('<text x="20" y="60" font-family="Liberation Sans" font-size="28" font-weight="bold">'
                 'Training pipeline for</text>', width=420)
    m = measure(rgb, OcrWord("Training pipeline", ((15, 30), (330, 30), (330, 70), (15, 70)), 0.9))
    assert m is not None and "pipe lin" not in m.text and "pipelin e" not in m.text


def test_long_small_caption_matches_its_face():
    # A 70-character caption at 10.4 px: along the whole line the renderer's
    # hinted advances drift, so it is compared stretch by stretch.
    text = "Figure 2: Training of the data engine. Boxes denote modules and arrows the data flow."
    rgb = render(f'<text x="20" y="60" font-family="Liberation Sans" font-size="10.4" fill="#404040">{text}</text>',
                 width=520, height=100)
    m = measure(rgb, word_at(text, 20, 60, 10.4, "Liberation Sans"))
    assert m is not None
    assert m.font.family == "Liberation Sans"
    assert m.font_size_px == pytest.approx(10.4, rel=0.08)


def test_a_border_dash_inside_the_engine_box_is_not_a_letter():
    # A dashed container's side passes just inside the reading's box.
    rgb = render('<line x1="24" y1="20" x2="24" y2="140" stroke="#666" stroke-width="2" stroke-dasharray="8 6"/>'
                 '<text x="36" y="80" font-family="Liberation Sans" font-size="14">logits</text>')
    m = measure(rgb, OcrWord("logits", ((22, 66), (80, 66), (80, 86), (22, 86)), 0.99))
    assert m is not None and m.text == "logits"
    assert m.page_box.x0 >= 34
    assert m.font_size_px == pytest.approx(14, rel=0.1)


def test_a_border_dash_lighter_than_thin_grey_text_is_not_a_letter():
    # The bundled example: #333 text of 15 px, whose anti-aliased rims are lighter
    # than its core, beside a #666 container side inside the reading's box.
    rgb = render('<line x1="30" y1="20" x2="30" y2="140" stroke="#666666" stroke-width="2" stroke-dasharray="10 6"/>'
                 '<text x="62" y="79" font-family="Liberation Sans" font-size="15" fill="#333333" '
                 'text-anchor="middle">logits</text>')
    m = measure(rgb, OcrWord("logits", ((29, 64), (77, 64), (77, 85), (29, 85)), 0.99))
    assert m is not None and m.text == "logits"
    assert m.page_box.x0 >= 38


@pytest.mark.parametrize("family", ["Liberation Sans", "DejaVu Sans", "Liberation Serif"])
@pytest.mark.parametrize("read", ["Outputs-", "- Outputs-", "Outputs—"])
def test_a_connector_read_as_a_dash_at_a_label_end_is_no_character(family, read):
    # A connector meets the label on both sides; the engine reads its ends as dashes.
    size = 20
    rgb = render(f'<line x1="0" y1="33" x2="36" y2="33" stroke="#000" stroke-width="2"/>'
                 f'<text x="40" y="40" font-family="{family}" font-size="{size}">Outputs</text>'
                 f'<line x1="118" y1="33" x2="260" y2="33" stroke="#000" stroke-width="2"/>', width=260, height=60)
    m = measure(rgb, word_at(read, 40 - (8 if read.startswith("-") else 0), 40, size, family))
    assert m is not None and m.text == "Outputs"


@pytest.mark.parametrize("family", ["Liberation Sans", "DejaVu Sans", "Liberation Serif"])
@pytest.mark.parametrize("text", ["draws spatial fil-", "-1", "x_"])
def test_a_drawn_dash_at_a_label_end_stays(family, text):
    size = 20
    rgb = render(f'<text x="10" y="40" font-family="{family}" font-size="{size}">{text}</text>',
                 width=int(40 + 0.75 * size * len(text)), height=60)
    m = measure(rgb, word_at(text, 10, 40, size, family))
    assert m is not None and m.text == text
