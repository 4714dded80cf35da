"""The pdf benchmark set: rendering, truth read from the PDF, runner and report."""

from __future__ import annotations

import base64
import io
import json
import math

import numpy as np
import pytest
from PIL import Image

from crafteditor.bench.cases import Case
from crafteditor.bench.metrics import evaluate
from crafteditor.bench.pdffigs import choose_scale, list_pdfs, load_pdf_case, render_page
from crafteditor.bench.pdfpage import pdf_colour
from crafteditor.bench.pdftext import font_style
from crafteditor.bench.realfigs import Skipped, default_realfigs_dir

SVG_W, SVG_H = 400, 300
LONG_SIDE = 800  # the test renders at 2 px per SVG px
K = LONG_SIDE / SVG_W


def _picture_href() -> str:
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 255, size=(12, 16, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


FIGURE_SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
  width="{SVG_W}" height="{SVG_H}" viewBox="0 0 {SVG_W} {SVG_H}">
 <rect x="20" y="20" width="140" height="60" fill="#cfe2f3" stroke="#1f4e79" stroke-width="2"/>
 <text x="32" y="56" font-family="DejaVu Sans" font-size="18" fill="#1f4e79">Encoder block</text>
 <rect x="240" y="20" width="140" height="60" rx="10" fill="#fde9d9" stroke="#c00000" stroke-width="2"/>
 <text x="262" y="56" font-family="DejaVu Sans" font-size="16" font-weight="bold">Decoder</text>
 <line x1="160" y1="50" x2="228" y2="50" stroke="#000000" stroke-width="2"/>
 <polygon points="228,44 240,50 228,56" fill="#000000"/>
 <ellipse cx="90" cy="200" rx="60" ry="35" fill="#e2f0d9" stroke="#385723" stroke-width="2"/>
 <text x="62" y="205" font-family="DejaVu Sans" font-size="14" fill="#385723">Memory</text>
 <text x="180" y="140" font-family="DejaVu Sans" font-size="14">two words here</text>
 <text x="180" y="160" font-family="DejaVu Sans" font-size="14">second line</text>
 <text x="180" y="290" font-family="DejaVu Sans" font-size="14" fill="#ffffff">hidden text</text>
 <text transform="translate(385,260) rotate(-90)" font-family="DejaVu Sans" font-size="14">Vertical</text>
 <image x="260" y="190" width="80" height="60" xlink:href="{_picture_href()}"/>
</svg>"""


@pytest.fixture(scope="module")
def figure_pdf(tmp_path_factory):
    import cairosvg

    folder = tmp_path_factory.mktemp("figs")
    (folder / "pdf").mkdir()
    path = folder / "pdf" / "figure.pdf"
    cairosvg.svg2pdf(bytestring=FIGURE_SVG.encode("utf-8"), write_to=str(path))
    return path


@pytest.fixture(scope="module")
def pdf_case(figure_pdf) -> Case:
    case = load_pdf_case(figure_pdf)
    assert isinstance(case, Case), case
    return case


def _near(a, b, tol):
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def test_render_page_size_and_type(figure_pdf):
    rgb = render_page(figure_pdf, 1000)
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
    assert max(rgb.shape[:2]) in (999, 1000, 1001)
    assert abs(rgb.shape[1] / rgb.shape[0] - SVG_W / SVG_H) < 0.01
    assert rgb.min() < 100 and rgb[0, 0].tolist() == [255, 255, 255]  # ink on a white page


def test_scale_follows_the_long_side_and_raises_small_text():
    assert choose_scale((300.0, 200.0), [12.0] * 10) == pytest.approx(1500 / 300, abs=1e-3)
    raised = choose_scale((1000.0, 500.0), [8.0] * 10)  # 8 pt at 1.5 px/pt is 12 px: too small
    assert raised == pytest.approx(13.0 / 8.0, abs=1e-3)
    assert choose_scale((1000.0, 500.0), [1.0] * 10) == pytest.approx(2.0, abs=1e-3)  # capped at 2000 px


def test_pdf_truth_lines_sizes_and_colours(pdf_case):
    lines = {line.text: line for line in pdf_case.truth.lines}
    assert set(lines) == {"Encoder block", "Decoder", "Memory", "two words here", "second line", "Vertical"}
    k = pdf_case.image_wh[0] / SVG_W
    for text, size in (("Encoder block", 18), ("Decoder", 16), ("Memory", 14), ("Vertical", 14)):
        assert lines[text].font_size_px == pytest.approx(size * k, rel=0.03), text
    assert lines["Encoder block"].fill == "#1f4e79" and lines["Memory"].fill == "#385723"
    assert lines["Decoder"].font_weight == "bold" and lines["Memory"].font_weight == "normal"
    assert lines["Vertical"].rotation_deg == pytest.approx(-90.0)
    assert lines["Vertical"].box.height > 3 * lines["Vertical"].box.width
    # boxes hug the ink: "Encoder block" starts near x=32 and sits on its baseline y=56
    enc = lines["Encoder block"].box
    assert abs(enc.x0 - 33 * k) <= 3 * k and abs(enc.y1 - 56 * k) <= 1.5 * k
    assert enc.height < 18 * k
    assert "hidden text" in pdf_case.truth.dropped
    words = [w.text for w in pdf_case.truth.words]
    assert words.count("two") == 1 and words.count("here") == 1 and len(words) == 10


def test_pdf_truth_shapes_arrow_and_picture(pdf_case):
    k = pdf_case.image_wh[0] / SVG_W
    kinds = {s.kind: s.box for s in pdf_case.truth.shapes}
    assert sorted(s.kind for s in pdf_case.truth.shapes) == ["ellipse", "rect", "rounded_rect"]
    assert _near(kinds["rect"].xyxy, (20 * k, 20 * k, 160 * k, 80 * k), 1.5 * k)
    assert _near(kinds["rounded_rect"].xyxy, (240 * k, 20 * k, 380 * k, 80 * k), 1.5 * k)
    assert _near(kinds["ellipse"].xyxy, (30 * k, 165 * k, 150 * k, 235 * k), 1.5 * k)
    (arrow,) = pdf_case.truth.arrows
    assert math.dist(arrow.tail, (160 * k, 50 * k)) <= 1.5 * k
    assert math.dist(arrow.head, (240 * k, 50 * k)) <= 1.5 * k
    (icon,) = pdf_case.truth.icons
    assert _near(icon.box.xyxy, (260 * k, 190 * k, 340 * k, 250 * k), 1.0 * k)


def test_notext_rendering_has_no_glyphs_but_keeps_the_drawing(pdf_case):
    k = pdf_case.image_wh[0] / SVG_W
    diff = np.abs(pdf_case.clean_rgb.astype(int) - pdf_case.notext_rgb.astype(int)).max(axis=2) > 24
    line = next(li for li in pdf_case.truth.lines if li.text == "two words here")
    x0, y0, x1, y1 = line.box.to_int()
    assert diff[y0:y1, x0:x1].mean() > 0.1  # the glyphs are gone without text
    rx, ry = int(90 * k), int(22 * k)  # inside the first box, away from its text
    assert pdf_case.notext_rgb[ry, rx].tolist() == pdf_case.clean_rgb[ry, rx].tolist() != [255, 255, 255]
    assert pdf_case.svg == b"" and pdf_case.set_name == "pdf"


def test_the_source_svg_scores_perfectly_against_the_pdf_truth(pdf_case):
    score = evaluate(pdf_case, FIGURE_SVG.encode("utf-8"), "source").score
    assert score.line_recall == 1.0 and score.word_recall == 1.0
    assert score.size_ok == score.recovered_lines == len(pdf_case.truth.lines)
    assert score.shape_recall == 1.0 and score.arrow_recall == 1.0 and score.icon_recall == 1.0
    assert score.f1 > 0.97 and score.drawn_twice == 0


def test_a_figure_moved_or_missing_scores_lower(pdf_case):
    moved = FIGURE_SVG.replace('<line x1="160" y1="50" x2="228" y2="50"', '<line x1="160" y1="70" x2="228" y2="70"')
    moved = moved.replace(">Decoder<", ">Dec0der<")
    score = evaluate(pdf_case, moved.encode("utf-8"), "moved").score
    assert score.arrow_recall == 0.0
    assert score.line_recall == pytest.approx(5 / 6)


def test_broken_pdf_is_skipped_with_a_reason(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    result = load_pdf_case(bad)
    assert isinstance(result, Skipped) and result.reason and result.path == str(bad)


def test_colour_and_font_helpers():
    assert pdf_colour((0.0,)) == "#000000" and pdf_colour(1.0) == "#ffffff"
    assert pdf_colour((1.0, 0.5, 0.0)) == "#ff8000"
    assert pdf_colour((0.0, 1.0, 1.0, 0.0)) == "#ff0000"  # CMYK
    assert pdf_colour("P0") is None and pdf_colour(None) is None
    assert font_style("ABCDEF+Arial-BoldMT") == ("Arial", "bold")
    assert font_style("TimesNewRomanPSMT") == ("TimesNewRomanPSMT", "normal")


def test_run_bench_on_the_pdf_set_with_raster_views(tmp_path, figure_pdf):
    from crafteditor.bench.runner import run_bench

    figs = figure_pdf.parent.parent
    png = figs / "png"
    png.mkdir(exist_ok=True)
    Image.new("RGB", (60, 40), (200, 30, 30)).save(png / "view.png")
    result = run_bench(tmp_path / "out", sets=("pdf",), converter=lambda image: FIGURE_SVG, baselines=("embed",),
                       pdffigs_dir=figs, progress=None)
    (summary,) = [s for s in result.summaries if s.method == "crafteditor"]
    assert summary.set_name == "pdf" and summary.means["line_recall"] == 1.0
    assert summary.targets["word_recall >= 0.95"] is True and "max_time_ratio <= 3" in summary.targets
    payload = json.loads((tmp_path / "out" / "results.json").read_text())
    (view,) = payload["raster_views"]
    assert view["error"] is None and (tmp_path / "out" / view["rendering"]).is_file()
    assert "Raster paper figures" in (tmp_path / "out" / "report.html").read_text()


PDFS = default_realfigs_dir() / "pdf"


@pytest.mark.slow
@pytest.mark.skipif(not PDFS.is_dir(), reason="shared/realfigs/pdf is not beside the repository")
def test_every_shared_pdf_figure_loads_with_truth_inside_the_image():
    paths = list_pdfs(PDFS.parent)
    assert len(paths) >= 20
    for path in paths:
        case = load_pdf_case(path)
        assert isinstance(case, Case), case
        w, h = case.image_wh
        assert 1400 <= max(w, h) <= 2001, path.name
        assert case.truth.lines and len(case.truth.words) >= len(case.truth.lines)
        for item in (*case.truth.lines, *case.truth.shapes, *case.truth.icons):
            assert -1 <= item.box.x0 < item.box.x1 <= w + 1 and -1 <= item.box.y0 < item.box.y1 <= h + 1, path.name


ARROWS_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200">
 <text x="20" y="190" font-family="DejaVu Sans" font-size="14">arrows</text>
 <polygon points="20,29 100,29 100,31 20,31" fill="#000000"/>
 <polygon points="100,24 112,30 100,36" fill="#000000"/>
 <line x1="20" y1="80" x2="112" y2="80" stroke="#000000" stroke-width="1.5"/>
 <polyline points="104,75 112,80 104,85" fill="none" stroke="#000000" stroke-width="1.5"/>
 <line x1="200" y1="30" x2="280" y2="30" stroke="#000000" stroke-width="1.5"/>
 <rect x="280" y="22" width="16" height="16" rx="4" fill="#000000"/>
 <line x1="200" y1="80" x2="280" y2="80" stroke="#000000" stroke-width="1.5"/>
 <polygon points="292,74 280,80 292,86" fill="#000000"/>
 <path d="M 200 130 L 260 130 L 260 170" fill="none" stroke="#000000" stroke-width="1.5"/>
 <polygon points="254,160 260,172 266,160" fill="#000000"/>
</svg>"""


def test_arrow_kinds_in_a_pdf(tmp_path):
    import cairosvg

    path = tmp_path / "arrows.pdf"
    cairosvg.svg2pdf(bytestring=ARROWS_SVG.encode("utf-8"), write_to=str(path))
    case = load_pdf_case(path)
    assert isinstance(case, Case), case
    k = case.image_wh[0] / 400
    found = sorted((round(a.tail[0] / k), round(a.tail[1] / k), round(a.head[0] / k), round(a.head[1] / k))
                   for a in case.truth.arrows)
    # a line drawn as a thin filled band, a V-shaped open head, an elbow; not a line ending at a
    # rounded square, nor one whose head points back along it
    assert found == [(20, 30, 112, 30), (20, 80, 112, 80), (200, 130, 260, 172)]


def _char(text, x, y=100.0, em=20.0, adv=10.0):
    from crafteditor.bench.pdftext import PdfChar
    from crafteditor.model.scene import Box

    ink = None if not text.strip() else Box(x, y - 0.7 * em, x + adv, y)
    return PdfChar(text, (x, y), (adv, 0.0), em, 0.0, ink, "#000000", "Arial")


def test_lines_join_runs_drawn_out_of_order_and_split_words_by_gaps():
    from crafteditor.bench.pdftext import text_truth

    # "World" is drawn before "Hello"; "r" + narrow space + superscript "2" is one word;
    # a line 2 em lower is another line
    chars = [_char(c, 70 + 10 * i) for i, c in enumerate("World")]
    chars += [_char(c, 10 * i) for i, c in enumerate("Hello")]
    chars += [_char("r", 130), _char(" ", 140, adv=1.0), _char("2", 141.5, y=92.0, em=13.0, adv=7.0)]
    chars += [_char(c, 10 * i, y=140.0) for i, c in enumerate("below")]
    lines, words, dropped = text_truth(chars)
    assert [line.text for line in lines] == ["Hello World r2", "below"]
    assert [w.text for w in words] == ["Hello", "World", "r2", "below"]
    assert words[1].box.x0 == 70 and words[0].line_index == 0 and words[3].line_index == 1
    assert lines[0].font_size_px == 20.0 and not dropped


def test_a_picture_is_boxed_by_what_it_shows(tmp_path):
    import cairosvg

    rgba = np.zeros((40, 40, 4), dtype=np.uint8)
    rgba[10:30, 5:35] = (200, 40, 40, 255)  # opaque 30x20 in a transparent 40x40 picture
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    href = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="400" '
           f'height="200"><text x="20" y="190" font-family="DejaVu Sans" font-size="14">picture</text>'
           f'<image x="100" y="20" width="80" height="80" xlink:href="{href}"/>'
           f'<image x="300" y="20" width="40" height="40" xlink:href="{href}"/>'
           f'<rect x="290" y="10" width="60" height="60" fill="#3050a0"/></svg>')
    path = tmp_path / "picture.pdf"
    cairosvg.svg2pdf(bytestring=svg.encode("utf-8"), write_to=str(path))
    case = load_pdf_case(path)
    assert isinstance(case, Case), case
    k = case.image_wh[0] / 400
    (icon,) = case.truth.icons  # the second picture is covered by the rectangle
    assert _near(icon.box.xyxy, (110 * k, 40 * k, 170 * k, 80 * k), 1.5 * k)
