"""The benchmark: generator, truth, metrics, fidelity, real figures, runner and CLI."""

from __future__ import annotations

import argparse
import copy
import hashlib
import json

import numpy as np
import pytest
from lxml import etree

from checkers.fidelity import drawn_pixel_f1, mask_f1
from checkers.render import SvgRenderError
from crafteditor.bench.cases import Degradation
from crafteditor.bench.metrics import evaluate
from crafteditor.bench.realfigs import default_realfigs_dir, list_real_svgs
from checkers.svgedit import strip_text_layer
from checkers.record import render_recorded
from crafteditor.bench.synth import make_case
from crafteditor.bench.textmatch import char_error_rate, delta_e2000, levenshtein
from checkers.drawn import truth_from_svg

SVG_NS = "http://www.w3.org/2000/svg"
INK = "http://www.inkscape.org/namespaces/inkscape"


@pytest.fixture(scope="module")
def case():
    return make_case(3)


# -- generator -------------------------------------------------------------------
def test_generator_is_deterministic_per_seed():
    a, b, c = make_case(11), make_case(11), make_case(12)
    assert a.svg == b.svg
    assert np.array_equal(a.image_rgb, b.image_rgb)
    assert a.truth == b.truth
    assert a.svg != c.svg


@pytest.mark.parametrize("seed", [0, 1, 2, 5, 8])
def test_generator_truth_matches_its_svg(seed):
    case = make_case(seed)
    w, h = case.image_wh
    assert sorted(line.text for line in case.truth.lines) == sorted(case.planned_lines)
    svg_text = case.svg.decode("utf-8")
    for line in case.truth.lines:
        for word in line.text.split():
            assert word.replace("&", "&amp;").replace("<", "&lt;") in svg_text
        assert 0 <= line.box.x0 < line.box.x1 <= w and 0 <= line.box.y0 < line.box.y1 <= h
        assert 12 * 0.99 <= line.font_size_px <= 28 * 1.01
    assert not case.truth.dropped
    assert case.truth.shapes and case.truth.arrows
    assert len(case.truth.words) == sum(len(line.text.split()) for line in case.truth.lines)


def test_generated_labels_do_not_overlap_and_arrows_avoid_text():
    from shapely.geometry import LineString, box

    from crafteditor.bench import synth

    for seed in range(8):
        truth = make_case(seed).truth
        boxes = [line.box for line in truth.lines]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert a.intersection(b) is None
        figure = synth.build_figure(seed)  # the same figure: its arrows' polylines
        assert len(figure.arrows) == len(truth.arrows)
        for points, *_style in figure.arrows:
            assert not any(LineString(points).intersects(box(*b.xyxy)) for b in boxes)


def test_degraded_case_keeps_truth_in_image_pixels():
    case = make_case(4, degrade=Degradation(jpeg_quality=70, render_scale=1.25))
    clean = make_case(4)
    assert case.set_name == "degraded"
    assert case.image_wh == (round(clean.image_wh[0] * 1.25), round(clean.image_wh[1] * 1.25))
    assert case.truth.lines[0].box.center[0] == pytest.approx(clean.truth.lines[0].box.center[0] * 1.25, abs=3)
    blurred = make_case(4, degrade=Degradation(jpeg_quality=60, resample=0.7))
    assert blurred.image_wh == clean.image_wh
    assert not np.array_equal(blurred.image_rgb, blurred.clean_rgb)


# -- metrics -----------------------------------------------------------------------
def _layered(svg: bytes) -> etree._Element:
    """The truth in our output's shape: drawing in a "Drawing" layer, text in a "Text" layer."""
    root = etree.fromstring(svg)
    drawing = etree.Element(f"{{{SVG_NS}}}g", {f"{{{INK}}}groupmode": "layer", f"{{{INK}}}label": "Drawing"})
    text = etree.Element(f"{{{SVG_NS}}}g", {f"{{{INK}}}groupmode": "layer", f"{{{INK}}}label": "Text"})
    for child in list(root):
        if child.tag == f"{{{SVG_NS}}}defs":
            continue
        (text if child.tag == f"{{{SVG_NS}}}text" else drawing).append(child)
    root.append(drawing)
    root.append(text)
    return root


def _one_word_label(root: etree._Element) -> etree._Element:
    for el in root.iter(f"{{{SVG_NS}}}text"):
        if el.get("text-anchor") == "middle" and len(el) == 0 and el.get("transform") is None:
            if el.text and " " not in el.text.strip() and float(el.get("font-size")) < 22:
                return el
    raise LookupError("no single-word label")


def _score(case, root):
    return evaluate(case, etree.tostring(root), "test").score


def test_truth_scored_as_output_is_perfect(case):
    for svg in (case.svg, etree.tostring(_layered(case.svg))):
        s = evaluate(case, svg, "truth").score
        assert s.line_recall == 1.0 and s.word_recall == 1.0 and s.cer == 0.0
        assert s.size_ok == s.recovered_lines == len(case.truth.lines)
        assert s.colour_ok == s.colour_compared == len(case.truth.lines)
        assert s.f1 > 0.999
        assert s.ghost_lines == 0 and s.drawn_twice == 0 and s.ghost_ratio < 0.01
        assert s.shape_recall == 1.0 and s.arrow_recall == 1.0 and s.icon_recall in (None, 1.0)
    assert evaluate(case, etree.tostring(_layered(case.svg)), "truth").score.text_layer


def test_perturbations_lower_exactly_their_metrics(case):
    n = len(case.truth.lines)
    base = _score(case, _layered(case.svg))

    deleted = _layered(case.svg)
    target = _one_word_label(deleted)
    target.getparent().remove(target)
    s = _score(case, deleted)
    assert s.line_recall == pytest.approx((n - 1) / n)
    assert s.word_recall == pytest.approx((len(case.truth.words) - 1) / len(case.truth.words))
    assert s.size_ok == s.colour_ok == s.recovered_lines == n - 1
    assert s.f1 < base.f1 and s.ghost_lines == 0

    bigger = _layered(case.svg)
    target = _one_word_label(bigger)
    target.set("font-size", str(2 * float(target.get("font-size"))))
    s = _score(case, bigger)
    assert s.line_recall == 1.0 and s.word_recall == 1.0
    assert s.size_ok == n - 1 and s.colour_ok == n and s.ghost_lines == 0

    recoloured = _layered(case.svg)
    _one_word_label(recoloured).set("fill", "#00ff00")
    s = _score(case, recoloured)
    assert s.line_recall == 1.0 and s.size_ok == n
    assert s.colour_ok == s.colour_compared - 1 == n - 1

    doubled = _layered(case.svg)
    drawing = doubled.find(f"{{{SVG_NS}}}g")
    drawing.append(copy.deepcopy(_one_word_label(doubled)))
    s = _score(case, doubled)
    assert s.line_recall == 1.0 and s.size_ok == n and s.colour_ok == n
    assert s.ghost_lines == 1 and s.drawn_twice == 1 and s.ghost_ratio > 0
    assert s.cer > 0


def test_text_layer_fallback_strips_all_text(case):
    stripped, found = strip_text_layer(case.svg)
    assert not found and b"<text" not in stripped
    stripped, found = strip_text_layer(etree.tostring(_layered(case.svg)))
    assert found and b"<text" not in stripped


def test_unrenderable_output_is_an_error(case):
    with pytest.raises(SvgRenderError):
        evaluate(case, b"<svg", "broken")


def test_text_helpers():
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    # Sharma, Wu & Dalal (2005) CIEDE2000 test data, pair 1
    assert delta_e2000((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert delta_e2000((50.0, 2.5, 0.0), (73.0, 25.0, -18.0)) == pytest.approx(27.1492, abs=1e-4)
    assert char_error_rate([], []) == 0.0


# -- fidelity ------------------------------------------------------------------------
def test_drawn_pixel_f1_on_hand_made_arrays():
    white = (255, 255, 255)
    source = np.full((30, 30, 3), 255, np.uint8)
    source[10:15, 10:15] = 0
    shifted = np.full_like(source, 255)
    shifted[11:16, 10:15] = 0
    assert drawn_pixel_f1(source, source, white).f1 == 1.0
    assert drawn_pixel_f1(shifted, source, white, slack_px=2).f1 == 1.0
    strict = drawn_pixel_f1(shifted, source, white, slack_px=0)
    assert strict.precision == pytest.approx(20 / 25) and strict.recall == pytest.approx(20 / 25)
    blank = np.full_like(source, 255)
    empty = drawn_pixel_f1(blank, source, white)
    assert (empty.precision, empty.recall, empty.f1) == (0.0, 0.0, 0.0)
    extra = source.copy()
    extra[25:30, 0:5] = 0
    s = drawn_pixel_f1(extra, source, white)
    assert s.recall == 1.0 and s.precision == pytest.approx(0.5)
    faint = np.full_like(source, 250)  # within the threshold of white: nothing drawn
    assert drawn_pixel_f1(faint, blank, white).f1 == 1.0
    assert mask_f1(np.zeros((2, 2), bool), np.zeros((2, 2), bool)).f1 == 1.0
    with pytest.raises(ValueError):
        drawn_pixel_f1(source, source[:10], white)


# -- real figures ------------------------------------------------------------------------
REAL = default_realfigs_dir() / "svg"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="shared/realfigs is not beside the repository")


@needs_real
@pytest.mark.parametrize(
    "name, expected",
    [
        ("xflr6__graphviz__docs__static_structs", ["left", "middle", "right", "one", "two", "hello", "world"]),
        ("apache__arrow__docs_source_developers_cpp_img_async",
         ["Thread Pool", "Blocked on IO", "Future<Buffer>", "Add Continuation", "Process Read Result"]),
        ("DPDK__dpdk__doc_guides_prog_guide_img_pdcp_functional_overview",
         ["Radio Interface (Uu/PC5)", "UE/NG-RAN/UE A", "Transmission buffer:", "Integrity Verification"]),
    ],
)
def test_real_figure_truth_has_the_expected_strings(name, expected):
    truth = truth_from_svg((REAL / f"{name}.svg").read_bytes(), 1.5)
    texts = [line.text for line in truth.lines]
    for string in expected:
        assert string in texts
    w, h = truth.image_wh
    assert all(0 <= ln.box.x0 and ln.box.x1 <= w + 1 and 0 <= ln.box.y0 and ln.box.y1 <= h + 1 for ln in truth.lines)


@needs_real
def test_real_rotated_labels_are_in_page_space():
    truth = truth_from_svg((REAL / "DPDK__dpdk__doc_guides_prog_guide_img_pdcp_functional_overview.svg").read_bytes())
    rotated = [line for line in truth.lines if line.rotation_deg]
    assert {line.text for line in rotated} >= {"Packets not", "PDCP SDU"}
    assert all(line.box.height > line.box.width for line in rotated)


@needs_real
def test_real_figures_list_and_render_scale():
    from crafteditor.bench.realfigs import choose_scale

    paths = list_real_svgs()
    assert len(paths) >= 30
    svg = (REAL / "xflr6__graphviz__docs__static_fsm.svg").read_bytes()
    scale = choose_scale(svg)
    record = render_recorded(svg, scale=scale)
    assert max(record.rgb.shape[:2]) == pytest.approx(1400, abs=2)


# -- runner and CLI ------------------------------------------------------------------------
def test_run_bench_end_to_end(tmp_path):
    from crafteditor.bench.runner import run_bench

    truths = {hashlib.sha1(c.image_rgb.tobytes()).hexdigest(): c.svg for c in (make_case(0), make_case(1))}

    def perfect(image):
        return truths[hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()]

    messages = []
    result = run_bench(tmp_path, sets=("synthetic",), n_synthetic=2, converter=perfect,
                       baselines=("vtracer", "embed"), progress=messages.append)
    data = json.loads((tmp_path / "results.json").read_text())
    assert len(data["cases"]) == 6 and len(messages) == 6
    html = (tmp_path / "report.html").read_text()
    assert "synth-0000" in html and "cases/synth-0000/input.png" in html
    assert (tmp_path / "cases" / "synth-0001" / "vtracer-diff.png").is_file()
    ours = [s for s in result.summaries if s.method == "crafteditor"][0]
    assert ours.means["word_recall"] == 1.0 and ours.targets["word_recall >= 0.99"] is True
    embed = [s for s in result.summaries if s.method == "embed"][0]
    assert embed.means["word_recall"] == 0.0 and embed.means["f1"] > 0.999
    assert all(s.time_s is not None and s.peak_rss_mb > 10 for s in result.scores)


def test_cli_registers_bench_and_runs_baselines(tmp_path, capsys):
    from crafteditor.cli.bench import add_parser

    parser = argparse.ArgumentParser(prog="crafteditor")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", "--out", str(tmp_path), "--sets", "synthetic", "--n-synthetic", "1",
                              "--baselines-only", "--seed", "7"])
    assert args.func(args) == 0
    assert "== synthetic (1 cases) ==" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        parser.parse_args(["bench", "--sets", "nonsense"])


def test_converter_failures_and_bad_output_are_recorded(tmp_path):
    from crafteditor.bench.runner import run_bench

    def broken(image):
        raise RuntimeError("boom")

    result = run_bench(tmp_path, sets=("synthetic",), n_synthetic=1, converter=broken, baselines=(), progress=None)
    (score,) = result.scores
    assert score.error.startswith("conversion failed: RuntimeError: boom") and score.time_s is not None
    assert score.word_recall == 0.0 and result.summaries[0].errors == 1

    result = run_bench(tmp_path, sets=("synthetic",), n_synthetic=1, converter=lambda image: "<svg", baselines=(),
                       progress=None)
    assert result.scores[0].error.startswith("output not renderable")
    assert json.loads((tmp_path / "results.json").read_text())["cases"][0]["error"]


def test_measured_call_sees_native_allocations():
    from crafteditor.bench.runner import measured_call

    baseline = measured_call(lambda _: None, None).peak_rss_mb
    measured = measured_call(lambda _: float(np.ones(40_000_000).sum()), None)  # 320 MB
    assert measured.error is None and measured.result == 40_000_000.0
    assert measured.peak_rss_mb > baseline + 250


def test_the_loop_is_compared_with_its_first_round_case_by_case():
    from crafteditor.bench.loopcmp import compare, format_comparison
    from crafteditor.bench.metrics import CaseScore

    def score(case, method, f1, shapes):
        return CaseScore(case, "synthetic", method, line_recall=1.0, f1=f1, shape_recall=shapes)

    scores = [score("a", "single-pass", 0.90, 0.5), score("a", "crafteditor", 0.95, 1.0),
              score("b", "single-pass", 0.99, 1.0), score("b", "crafteditor", 0.97, 1.0),
              score("c", "crafteditor", 0.50, 0.0)]  # no single pass: not paired
    (row,) = compare(scores)
    assert row.n == 2 and row.better == 1 and row.worse == ("b",)
    assert row.loop > row.single_pass
    assert row.targets == {"loop improves the mean quality": True, "no case worse than its first round": False}
    assert "worse: b" in format_comparison([row])


def test_extras_add_branches_dots_stacks_and_small_radii_to_some_figures():
    import random

    from crafteditor.bench import synth

    kinds, extra_arrows, small_radius = set(), 0, 0
    for seed in range(12):
        figure = synth.build_figure(seed)
        base = synth._build(random.Random(seed))
        assert [a[0] for a in base.arrows] == [a[0] for a in figure.arrows[: len(base.arrows)]]
        extra_arrows += len(figure.arrows) - len(base.arrows)
        small_radius += figure.radius <= 4
        kinds |= {(a.head_kind, a.tail_kind) for a in make_case(seed).truth.arrows}
        heads = [a.head for a in make_case(seed).truth.arrows]
        assert len(heads) == len(figure.arrows)
    assert {("dot", ""), ("circle", ""), ("arrow", "dot")} <= kinds
    assert extra_arrows >= 6 and small_radius >= 2
