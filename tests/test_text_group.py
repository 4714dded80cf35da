import numpy as np
import pytest

from extraction.clean import lift_text
from extraction.text_group import group_labels
from extraction.text_measure import measure
from tests.drawing import render, word_at

FONT = "DejaVu Sans"


def _labels(body, words, **kw):
    rgb = render(body, **kw)
    lines = [m for m in (measure(rgb, w) for w in words) if m is not None]
    assert len(lines) == len(words)
    canvas, lifted = lift_text(rgb, lines)
    return rgb, canvas, lifted, group_labels(lines, canvas)


def test_two_centred_lines_in_a_box_become_one_middle_label():
    body = (
        '<rect x="50" y="40" width="200" height="90" rx="10" fill="#dbe9ff" stroke="#3366cc" stroke-width="2"/>'
        f'<text x="150" y="80" font-family="{FONT}" font-size="18" text-anchor="middle">Image</text>'
        f'<text x="150" y="103" font-family="{FONT}" font-size="18" text-anchor="middle">Encoder block</text>'
    )
    words = [word_at("Image", 150, 80, 18, FONT, anchor="middle"),
             word_at("Encoder block", 150, 103, 18, FONT, anchor="middle")]
    _, _, _, labels = _labels(body, words)
    assert len(labels) == 1
    (label,) = labels
    assert [m.text for m in label.lines] == ["Image", "Encoder block"]
    assert label.anchor == "middle"
    assert label.anchor_x == pytest.approx(150, abs=2)


def test_single_line_centred_in_container_is_middle_and_free_text_is_start():
    body = (
        '<rect x="40" y="40" width="220" height="60" fill="none" stroke="#000" stroke-width="2"/>'
        f'<text x="150" y="76" font-family="{FONT}" font-size="16" text-anchor="middle">Decoder</text>'
        f'<text x="40" y="160" font-family="{FONT}" font-size="16">Figure 2: caption text</text>'
    )
    words = [word_at("Decoder", 150, 76, 16, FONT, anchor="middle"),
             word_at("Figure 2: caption text", 40, 160, 16, FONT)]
    _, _, _, labels = _labels(body, words)
    by_text = {lb.lines[0].text: lb for lb in labels}
    assert by_text["Decoder"].anchor == "middle"
    assert by_text["Figure 2: caption text"].anchor == "start"
    assert by_text["Figure 2: caption text"].anchor_x == pytest.approx(40, abs=2)


def test_lines_separated_by_a_rule_stay_apart():
    # A UML-like class box: name, a horizontal rule, then a field.
    body = (
        '<rect x="40" y="20" width="220" height="100" fill="none" stroke="#000" stroke-width="2"/>'
        '<line x1="40" y1="60" x2="260" y2="60" stroke="#000" stroke-width="2"/>'
        f'<text x="60" y="48" font-family="{FONT}" font-size="16">Customer</text>'
        f'<text x="60" y="80" font-family="{FONT}" font-size="16">name string</text>'
    )
    words = [word_at("Customer", 60, 48, 16, FONT), word_at("name string", 60, 80, 16, FONT)]
    _, _, _, labels = _labels(body, words)
    assert len(labels) == 2


def test_fragments_on_one_baseline_are_joined():
    body = f'<text x="30" y="60" font-family="{FONT}" font-size="18">Multi head attention</text>'
    from PIL import ImageFont

    from extraction.fonts import candidates

    font = ImageFont.truetype(str(next(c.path for c in candidates() if c.family == FONT)), 18)
    split = font.getlength("Multi head ")
    words = [word_at("Multi head", 30, 60, 18, FONT, pad=0.05),
             word_at("attention", 30 + split, 60, 18, FONT, pad=0.05)]
    _, _, _, labels = _labels(body, words)
    assert len(labels) == 1 and len(labels[0].lines) == 1
    assert labels[0].lines[0].text == "Multi head attention"


def test_lifting_removes_glyphs_but_keeps_the_box_border():
    body = (
        '<rect x="50" y="40" width="200" height="60" fill="#ffffff" stroke="#204080" stroke-width="3"/>'
        f'<text x="150" y="77" font-family="{FONT}" font-size="20" text-anchor="middle" fill="#aa0000">Encoder</text>'
    )
    words = [word_at("Encoder", 150, 77, 20, FONT, anchor="middle", pad=0.9)]
    rgb, canvas, lifted, _ = _labels(body, words)
    inner = canvas[45:95, 56:244]
    assert np.abs(inner.astype(int) - 255).max() < 40  # no text ink left inside the box
    border = np.array([0x20, 0x40, 0x80])
    for x in (50, 250):  # left and right borders untouched
        assert np.abs(canvas[70, x].astype(int) - border).max() < 30
        assert np.array_equal(canvas[40:100, x], rgb[40:100, x])
    assert lifted.any() and not lifted[:, 48:53].any()


def test_a_label_element_never_draws_larger_than_the_ink_its_lines_were_read_from():
    import dataclasses

    from extraction import fonts
    from extraction.text import label_element

    body = (f'<text x="150" y="80" font-family="{FONT}" font-size="18" text-anchor="middle">Image</text>'
            f'<text x="150" y="103" font-family="{FONT}" font-size="18" text-anchor="middle">Encoder block</text>')
    words = [word_at("Image", 150, 80, 18, FONT, anchor="middle"),
             word_at("Encoder block", 150, 103, 18, FONT, anchor="middle")]
    _, _, _, (label,) = _labels(body, words)
    assert label_element(label, 1, "test").style.font_size_px == pytest.approx(18, rel=0.08)
    # A size measured far too large (a line merged with a neighbour's ink, say) is held to the ink.
    blown = dataclasses.replace(label, lines=tuple(dataclasses.replace(m, font_size_px=3 * m.font_size_px)
                                                   for m in label.lines))
    size = label_element(blown, 1, "test").style.font_size_px
    assert size <= fonts.MAX_GROWTH * 18 * 1.08


def test_stacked_lines_that_share_no_anchor_keep_their_own_places():
    # Centres 8 px apart (close enough to stack), left edges 40 px apart: one shared
    # x would move a line far off where it is drawn.
    body = (
        f'<text x="138" y="60" font-family="{FONT}" font-size="20">Robot</text>'
        f'<text x="90" y="85" font-family="{FONT}" font-size="20">[dx, dr, dgrip]</text>'
    )
    words = [word_at("Robot", 138, 60, 20, FONT), word_at("[dx, dr, dgrip]", 90, 85, 20, FONT)]
    _, _, _, labels = _labels(body, words)
    for label in labels:
        for line in label.lines:
            own_x = {"start": line.pen_x, "middle": line.pen_x + line.advance_px / 2,
                     "end": line.pen_x + line.advance_px}[label.anchor]
            assert label.anchor_x == pytest.approx(own_x, abs=0.2 * line.font_size_px), line.text


def test_lines_split_off_a_stack_keep_the_face_the_stack_is_written_in():
    import dataclasses

    from extraction import fonts

    body = (
        f'<text x="138" y="60" font-family="{FONT}" font-size="20">Robot</text>'
        f'<text x="90" y="85" font-family="{FONT}" font-size="20">[dx, dr, dgrip]</text>'
    )
    rgb = render(body)
    lines = [measure(rgb, w) for w in (word_at("Robot", 138, 60, 20, FONT),
                                       word_at("[dx, dr, dgrip]", 90, 85, 20, FONT))]
    # The second line, matched alone, took another sans face of the same class.
    other = next(c for c in fonts.candidates()
                 if c.font_class == lines[0].font.font_class and c.family != lines[0].font.family)
    lines[1] = dataclasses.replace(lines[1], font=other)
    canvas, _ = lift_text(rgb, lines)
    labels = group_labels(lines, canvas)
    assert len(labels) == 2
    assert {lb.lines[0].font.family for lb in labels} == {lines[0].font.family}
