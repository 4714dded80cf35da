"""Programmatic checkers: each catches its planted defect, none fires on the truth."""

import json

import pytest
from PIL import Image

from checkers.base import Finding, read_figure, run_checks
from checkers.drift import position_drift
from checkers.fidelity import element_fidelity, missing_components
from checkers.layout import arrow_endpoints, overlap, text_overflow
from checkers.text import missing_text, text_size_drift
from crafteditor import cli
from crafteditor.bench.synth import make_case
from extraction.ocr import OcrWord
from tests.drawing import render, word_at

MARKER = ('<defs><marker id="e" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
          'orient="auto" markerUnits="strokeWidth"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>')
BOX_A = '<rect x="40" y="60" width="140" height="70" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>'
BOX_B = '<rect x="320" y="60" width="140" height="70" fill="#fde2c8" stroke="#c55a11" stroke-width="2"/>'
LABEL = ('<text x="110" y="101" font-family="Liberation Sans" font-size="{size}" text-anchor="middle" '
         'fill="#222">Encoder</text>')
ARROW = '<path d="M180,95 L{x},95" stroke="#333" stroke-width="2" fill="none" marker-end="url(#e)"/>'


def _svg(body: str) -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="500" height="200" viewBox="0 0 500 200">'
            f'<rect width="500" height="200" fill="#ffffff"/>{MARKER}{body}</svg>').encode()


GOOD = BOX_A + BOX_B + LABEL.format(size=18) + ARROW.format(x=320)
SOURCE = render(MARKER + GOOD, 500, 200)


def _codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings if f.severity != "info"]


def test_the_correct_figure_raises_no_finding():
    assert _codes(run_checks(read_figure(_svg(GOOD), SOURCE))) == []


def test_a_label_overflowing_its_box_is_caught_with_a_shrink():
    bad = BOX_A + BOX_B + LABEL.format(size=48) + ARROW.format(x=320)  # 12 px out on each side
    (finding,) = text_overflow(read_figure(_svg(bad), SOURCE))
    assert finding.code == "text-overflow" and "Encoder" in finding.message
    assert finding.fix.kind == "shrink_font" and 0.3 < finding.fix.scale < 0.9


def test_a_label_that_overflows_in_the_source_too_is_no_finding():
    wide = BOX_A + BOX_B + LABEL.format(size=48) + ARROW.format(x=320)
    assert text_overflow(read_figure(_svg(wide), render(MARKER + wide, 500, 200))) == []


def test_a_dangling_arrow_is_caught_with_the_point_to_snap_to():
    bad = BOX_A + BOX_B + LABEL.format(size=18) + ARROW.format(x=270)
    found = arrow_endpoints(read_figure(_svg(bad), SOURCE))
    (finding,) = [f for f in found if f.code == "arrow-dangling"]
    assert "head" in finding.message
    assert finding.fix.kind == "snap_endpoint" and abs(finding.fix.xy[0] - 320) <= 2


def test_two_boxes_overlapping_where_the_source_has_none_are_caught():
    moved = BOX_B.replace('x="320"', 'x="140"')
    bad = BOX_A + moved + LABEL.format(size=18)
    found = overlap(read_figure(_svg(bad), SOURCE))
    assert [f.code for f in found] == ["overlap"]
    # Where the source itself overlaps, it is no defect.
    source = render(MARKER + bad, 500, 200)
    assert overlap(read_figure(_svg(bad), source)) == []


def test_a_deleted_element_is_a_missing_component_where_it_was():
    bad = BOX_A + LABEL.format(size=18) + ARROW.format(x=320)
    found = missing_components(read_figure(_svg(bad), SOURCE))
    assert found and found[0].severity == "error"
    x0, y0, x1, y1 = found[0].box.xyxy
    assert 315 <= x0 <= 325 and 455 <= x1 <= 465 and 55 <= y0 <= 65
    assert found[0].fix.kind == "add_element"


@pytest.mark.parametrize("seed", range(6))
def test_no_finding_on_the_ground_truth_of_the_synthetic_set(seed):
    case = make_case(seed)
    assert _codes(run_checks(read_figure(case.svg, case.image_rgb))) == []


def test_check_command_prints_findings_as_json(tmp_path, capsys):
    src = tmp_path / "source.png"
    Image.fromarray(SOURCE).save(src)
    bad = tmp_path / "bad.svg"
    bad.write_bytes(_svg(BOX_A + LABEL.format(size=18) + ARROW.format(x=270)))
    assert cli.main(["check", str(bad), "--source", str(src), "--json"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert {"arrow-dangling", "missing-component"} <= {f["code"] for f in data["findings"]}
    snap = next(f["fix"] for f in data["findings"] if f["code"] == "arrow-dangling")
    assert snap["kind"] == "snap_endpoint" and snap["end"] in ("head", "tail") and len(snap["xy"]) == 2
    good = tmp_path / "good.svg"
    good.write_bytes(_svg(GOOD))
    assert cli.main(["check", str(good), "--source", str(src)]) == 0
    assert "no problems" in capsys.readouterr().out
    assert cli.main(["check", str(tmp_path / "missing.svg"), "--source", str(src)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


# -- the checkers that compare with the source: sizes, text, places, elements, heads --------------

DECODER = ('<text x="390" y="101" font-family="Liberation Sans" font-size="18" text-anchor="middle" '
           'fill="#222">Decoder</text>')
CROSS = ('<polygon id="shape-0002" points="320,60 460,130 460,60 320,130" fill="none" stroke="#c55a11" '
         'stroke-width="2"/>')


def _word(text: str, x: float = 110) -> OcrWord:
    return word_at(text, x, 101, 18, "Liberation Sans", anchor="middle")


def _marker(size: float) -> str:
    """MARKER with its size in stroke widths (MARKER's is 6: a 12 px head on a 2 px line)."""
    return MARKER.replace('markerWidth="6" markerHeight="6"', f'markerWidth="{size}" markerHeight="{size}"')


def _with_marker(size: float, body: str) -> bytes:
    return _svg(body).replace(MARKER.encode(), _marker(size).encode())


def _size_drift(factor: float) -> list[Finding]:
    bad = BOX_A + BOX_B + LABEL.format(size=round(18 * factor, 1)) + ARROW.format(x=320)
    return text_size_drift(read_figure(_svg(bad), SOURCE))


@pytest.mark.parametrize("factor", [1.3, 1.6, 2.0])
def test_a_label_drawn_bigger_than_the_source_is_caught_with_a_smaller_font(factor):
    (finding,) = _size_drift(factor)
    assert finding.code == "text-size-drift" and "Encoder" in finding.message
    assert finding.fix.kind == "set_font_size"
    assert abs(finding.fix.px - 18) < 2.5


@pytest.mark.xfail(strict=True, reason="the source's rows are read in the drawn line's box padded by 0.35 of "
                                       "its height, so glyphs sharing the baseline measure at most 1.35x the "
                                       "drawn ones: a ratio under 0.74 never shows")
@pytest.mark.parametrize("factor", [0.5, 0.6])
def test_a_label_drawn_smaller_than_the_source_is_caught_with_a_bigger_font(factor):
    (finding,) = _size_drift(factor)
    assert finding.fix.kind == "set_font_size" and finding.fix.px > 1.3 * 18


@pytest.mark.parametrize("factor", [0.85, 1.0, 1.15])
def test_a_label_about_the_source_size_is_no_drift(factor):
    assert _size_drift(factor) == []


@pytest.mark.parametrize(("dx", "dy"), [(8, 0), (-6, 0), (0, 5), (6, -6)])
def test_a_label_moved_a_few_pixels_is_caught_with_the_move_back(dx, dy):
    moved = LABEL.format(size=18).replace('x="110" y="101"', f'x="{110 + dx}" y="{101 + dy}"')
    moved = moved.replace("<text ", '<text id="text-0001" ', 1)
    found = position_drift(read_figure(_svg(BOX_A + BOX_B + moved + ARROW.format(x=320)), SOURCE))
    (finding,) = [f for f in found if "Encoder" in f.message]
    assert finding.code == "position-drift" and finding.fix.kind == "move" and finding.element_id == "text-0001"
    assert abs(finding.fix.dx_px + dx) <= 1 and abs(finding.fix.dy_px + dy) <= 1


def test_a_box_moved_a_few_pixels_is_caught_by_its_id():
    moved = BOX_B.replace('<rect x="320" y="60"', '<rect id="shape-0002" x="325" y="56"')
    found = position_drift(read_figure(_svg(BOX_A + moved + LABEL.format(size=18) + ARROW.format(x=320)), SOURCE))
    (finding,) = found
    assert finding.element_id == "shape-0002"
    assert abs(finding.fix.dx_px + 5) <= 1 and abs(finding.fix.dy_px - 4) <= 1


def test_a_word_the_source_reads_and_the_svg_lacks_is_missing_text():
    source = render(MARKER + GOOD + DECODER, 500, 200)
    figure = read_figure(_svg(GOOD), source, [_word("Encoder"), _word("Decoder", 390)])
    (finding,) = missing_text(figure)
    assert finding.code == "text-missing" and finding.severity == "error"
    assert finding.fix.kind == "add_text" and finding.fix.text == "Decoder"
    x0, y0, x1, y1 = finding.fix.xyxy
    assert x0 < 365 and x1 > 415 and y0 < 88 and y1 > 101


def test_a_misspelt_label_is_caught_with_the_source_text():
    figure = read_figure(_svg(GOOD.replace(">Encoder<", ">Encodr<")), SOURCE, [_word("Encoder")])
    (finding,) = missing_text(figure)
    assert finding.code == "text-misspelled" and "Encodr" in finding.message
    assert finding.fix.kind == "set_text" and finding.fix.text == "Encoder"


@pytest.mark.parametrize("words", [
    (),  # no readings: silent
    (OcrWord("Decoder", _word("Decoder", 390).quad, 0.5),),  # unsure readings are not trusted
    (_word("Encoder"),),  # read and drawn alike
    (OcrWord("ENC0DER", _word("Encoder").quad, 0.95),),  # case and OCR's confusions are no defect
    (_word("→", 390),),  # no letter to read
    (OcrWord("Decoder", tuple((390 + (y - 95), 95 - (x - 390)) for x, y in _word("Decoder", 390).quad), 0.99),),
])
def test_missing_text_trusts_only_clear_upright_readings(words):
    figure = read_figure(_svg(GOOD), SOURCE, words)
    assert missing_text(figure) == []


@pytest.mark.parametrize("drawn", [
    CROSS,  # a cross where the source has a filled box
    '<rect id="shape-0002" x="320" y="60" width="140" height="70" fill="none" stroke="#c55a11" stroke-width="2"/>',
])
def test_a_shape_drawn_unlike_the_source_is_caught_with_a_raster_fallback(drawn):
    figure = read_figure(_svg(BOX_A + drawn + LABEL.format(size=18) + ARROW.format(x=320)), SOURCE)
    (finding,) = element_fidelity(figure)
    assert finding.code == "element-fidelity" and finding.element_id == "shape-0002"
    assert finding.fix.kind == "raster_fallback" and finding.box.xyxy == (320, 60, 460, 130)


def test_a_shape_drawn_like_the_source_is_no_fidelity_finding():
    same = BOX_B.replace("<rect", '<rect id="shape-0002"')
    assert element_fidelity(read_figure(_svg(BOX_A + same + LABEL.format(size=18) + ARROW.format(x=320)),
                                        SOURCE)) == []


# source heads of 6 and 4 px (markers 3 and 2 stroke widths long) drawn 2-3x as big
@pytest.mark.parametrize(("source_marker", "factor"), [(3, 3), (3, 2), (2, 3)])
def test_an_arrowhead_much_bigger_than_the_source_is_caught_with_a_smaller_scale(source_marker, factor):
    source = render(_marker(source_marker) + GOOD, 500, 200)
    found = arrow_endpoints(read_figure(_with_marker(source_marker * factor, GOOD), source))
    (finding,) = found
    assert finding.code == "arrowhead-oversized" and "head" in finding.message
    assert finding.fix.kind == "scale_head" and finding.fix.end == "head"
    assert 0.2 < finding.fix.scale < 0.6
    assert finding.box.center == (320, 95)


@pytest.mark.parametrize("marker", [3, 6])
def test_an_arrowhead_the_size_of_the_source_is_no_finding(marker):
    source = render(_marker(marker) + GOOD, 500, 200)
    assert arrow_endpoints(read_figure(_with_marker(marker, GOOD), source)) == []


@pytest.mark.xfail(strict=True, reason="arrowhead ink is counted only in a 12 px square behind the tip: a head "
                                       "scaled up keeps its shape there once the source's head is 12 px long")
def test_an_arrowhead_three_times_a_12px_source_head_is_caught():
    (finding,) = arrow_endpoints(read_figure(_with_marker(18, GOOD), SOURCE))
    assert finding.code == "arrowhead-oversized"


def test_a_short_arrow_where_the_source_stops_short_too_is_not_dangling():
    short = BOX_A + BOX_B + LABEL.format(size=18) + ARROW.format(x=270)
    source = render(MARKER + short, 500, 200)
    assert [f.code for f in arrow_endpoints(read_figure(_svg(short), source))] == []
    # the same drawing against a source whose arrow reaches the box is dangling
    assert "arrow-dangling" in [f.code for f in arrow_endpoints(read_figure(_svg(short), SOURCE))]


def test_the_new_checkers_find_nothing_on_the_correct_figure_read_right():
    figure = read_figure(_svg(GOOD), SOURCE, [_word("Encoder")])
    for check in (text_size_drift, missing_text, position_drift, element_fidelity, arrow_endpoints):
        assert check(figure) == [], check.__name__


def _perfect_reading(case) -> list[OcrWord]:
    return [OcrWord(w.text, ((w.box.x0, w.box.y0), (w.box.x1, w.box.y0), (w.box.x1, w.box.y1),
                             (w.box.x0, w.box.y1)), 0.99) for w in case.truth.words]


@pytest.mark.parametrize("seed", range(20))  # the benchmark's synthetic set
def test_no_finding_on_the_ground_truth_read_without_a_mistake(seed):
    case = make_case(seed)
    figure = read_figure(case.svg, case.image_rgb, _perfect_reading(case))
    assert figure.source_words and _codes(run_checks(figure)) == []


@pytest.mark.parametrize("extra", [
    '<line x1="60" y1="{y}" x2="200" y2="{y}" stroke="#333" stroke-width="8"/>',  # a thick arrow under the label
    '<rect x="40" y="{y}" width="30" height="30" fill="none" stroke="#333" stroke-width="2"/>',  # a box's corner
])
def test_a_neighbour_touching_only_our_label_is_no_size_drift(extra):
    label = '<text x="130" y="{y}" font-family="Liberation Sans" font-size="18" text-anchor="middle">jogging</text>'
    source = render(label.format(y=100) + extra.format(y=111), 500, 200)
    ours = _svg(label.format(y=103) + extra.format(y=111))  # ours sits 3 px lower: its descenders touch
    assert text_size_drift(read_figure(ours, source)) == []
    bigger = _svg(label.replace('font-size="18"', 'font-size="30"').format(y=103) + extra.format(y=111))
    (finding,) = text_size_drift(read_figure(bigger, source))
    assert finding.fix.px < 0.8 * 30


def test_renderings_checked_against_one_source_side_find_what_each_finds_alone():
    from checkers.base import SourceSide

    words = [_word("Encoder")]
    variants = [
        GOOD,
        BOX_A + BOX_B.replace('<rect x="320" y="60"', '<rect id="shape-0002" x="325" y="56"')
        + LABEL.format(size=18) + ARROW.format(x=320),
        BOX_A + BOX_B + LABEL.format(size=26) + ARROW.format(x=300),
        BOX_A + '<rect id="shape-0003" x="320" y="60" width="140" height="70" fill="#222"/>' + ARROW.format(x=320),
        GOOD,  # drawn again: every window is answered from what was measured
    ]
    shared = SourceSide(SOURCE)
    for body in variants:
        alone = run_checks(read_figure(_svg(body), SOURCE, words))
        together = run_checks(read_figure(_svg(body), SOURCE, words, shared))
        assert together == alone


@pytest.mark.parametrize("seed", range(4))
def test_drawn_and_ink_masks_are_the_channel_distance_over_the_threshold(seed):
    import numpy as np

    from checkers import ink
    from checkers.fidelity import drawn_mask

    rng = np.random.default_rng(seed)
    rgb = (rng.integers(0, 256, (23, 31, 3)) // (1 + 40 * (seed % 2))).astype(np.uint8)[:, 2:]
    page = tuple(int(v) for v in rng.integers(0, 256, 3))
    for threshold in (0, 24, 60, 255):
        naive = np.abs(rgb.astype(int) - np.array(page)).max(axis=2) > threshold
        assert (drawn_mask(rgb, page, threshold) == naive).all()
    ground = ink.dominant_rgb(rgb)
    assert (ink.ink(rgb) == (np.abs(rgb.astype(int) - ground).max(axis=2) > ink.INK_DIFF)).all()


def test_check_reads_the_source_as_the_loop_does_and_finds_what_it_found(tmp_path, capsys, example_png):
    from crafteditor.pipeline import convert

    result = convert(example_png)
    best = result.report["loop"]["rounds"][result.report["loop"]["best_round"]]
    svg = tmp_path / "out.svg"
    svg.write_text(result.svg, encoding="utf-8")
    cli.main(["check", str(svg), "--source", str(example_png), "--json"])
    found = json.loads(capsys.readouterr().out)["findings"]
    codes: dict[str, int] = {}
    for f in found:
        if f["severity"] != "info":
            codes[f["code"]] = codes.get(f["code"], 0) + 1
    assert sorted(codes.items()) == sorted((code, n) for code, n in best["findings"])
