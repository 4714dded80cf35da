import io

import cairosvg
import numpy as np
import pytest
from PIL import Image

from composition.trace import _shift, paths_from_trace, trace_elements
from composition.writer import write_svg
from crafteditor.model.scene import Kind, Scene
from tests.drawing import render


def _drawn(rgb):
    return np.abs(rgb.astype(int) - 255).max(axis=2) > 40


def _f1(a, b):
    import cv2

    da, db = _drawn(a), _drawn(b)
    k = np.ones((5, 5), np.uint8)
    p = (da & (cv2.dilate(db.astype(np.uint8), k) > 0)).sum() / max(da.sum(), 1)
    r = (db & (cv2.dilate(da.astype(np.uint8), k) > 0)).sum() / max(db.sum(), 1)
    return 2 * p * r / max(p + r, 1e-9)


def test_shift_bakes_translation_and_reports_box():
    d, box = _shift("M0 0 C1 2 3 4 5 6 L10,20 Z", 100, 50)
    assert d == "M 100 50 C 101 52 103 54 105 56 L 110 70 Z"
    assert box.xyxy == (100, 50, 110, 70)
    with pytest.raises(ValueError):
        _shift("M0 0 a 1 1 0 0 0 5 5", 0, 0)


def test_page_background_path_is_dropped():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">'
           '<path d="M0 0 L100 0 L100 50 L0 50 Z" fill="#FEFEFE" transform="translate(0,0)"/>'
           '<path d="M0 0 L10 0 L10 10 Z" fill="#FF0000" transform="translate(20,5)"/></svg>')
    elements = paths_from_trace(svg, (100, 50), "#ffffff")
    assert [e.style.fill for e in elements] == ["#ff0000"]
    assert elements[0].box.xyxy == (20, 5, 30, 15)


def test_dashed_container_survives_tracing():
    rgb = render(
        '<rect x="40" y="30" width="300" height="120" fill="none" stroke="#777777" stroke-width="2" '
        'stroke-dasharray="8 5"/><rect x="90" y="60" width="120" height="50" fill="#2b4c7e"/>'
        '<line x1="210" y1="85" x2="320" y2="85" stroke="#333" stroke-width="2"/>'
    )
    elements = trace_elements(rgb, "#ffffff")
    assert all(e.kind is Kind.TRACE and e.path for e in elements)
    assert any(e.provenance.detector == "contour" for e in elements)  # dashes vtracer dropped
    svg = write_svg(Scene((400, 200), "#ffffff", tuple(elements)))
    out = np.asarray(Image.open(io.BytesIO(cairosvg.svg2png(bytestring=svg.encode()))).convert("RGB"))
    assert _f1(out, rgb) > 0.97
    dashes = _drawn(out)[29:32, 40:340]
    assert 0.4 < dashes.any(axis=0).mean() < 0.9  # dashed, not solid, not gone


def test_outlined_box_dropped_by_the_tracer_comes_back_as_a_ring():
    from composition.trace import missing_parts

    rgb = render('<rect x="60" y="40" width="200" height="80" fill="none" stroke="#4472c4" stroke-width="1.5"/>')
    parts = missing_parts(rgb, [], "#ffffff")  # as if the tracer had dropped everything
    assert parts and all(p.style.fill_rule == "evenodd" for p in parts)
    svg = write_svg(Scene((400, 200), "#ffffff", tuple(parts)))
    out = np.asarray(Image.open(io.BytesIO(cairosvg.svg2png(bytestring=svg.encode()))).convert("RGB"))
    assert not _drawn(out)[60:100, 100:220].any()  # the inside stays empty
    assert _f1(out, rgb) > 0.95


def test_leftovers_are_traced_in_place_without_painting_the_page():
    from composition.trace import trace_leftovers

    rgb = np.full((300, 400, 3), 255, np.uint8)
    rgb[100:150, 200:260] = (200, 30, 30)
    rgb[120:135, 215:235] = 255  # a hole: must stay open
    elements = trace_leftovers(rgb, "#ffffff")
    assert elements and all(e.style.fill.lower() != "#ffffff" for e in elements)
    box = elements[0].box
    assert (box.x0, box.y0, box.x1, box.y1) == (200, 100, 260, 150)
    png = cairosvg.svg2png(bytestring=write_svg(Scene((400, 300), "#ffffff", tuple(elements))).encode())
    out = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert tuple(out[110, 205]) == (200, 30, 30) and tuple(out[127, 225]) == (255, 255, 255)
    assert trace_leftovers(np.full((50, 50, 3), 255, np.uint8), "#ffffff") == []


def test_traced_marks_are_read_off_the_surface_as_their_png_would_show_them():
    from composition.trace import _drawn as drawn_px
    from composition.trace import _render

    source = render('<rect x="10.5" y="8.3" width="50" height="30" fill="#2f5597"/>'
                    '<circle cx="90" cy="40" r="17.4" fill="none" stroke="#c55a11" stroke-width="3"/>', 140, 70)
    traced = trace_elements(source, "#ffffff")
    ours = _render(traced, (140, 70), "#ffffff")
    png = cairosvg.svg2png(bytestring=write_svg(Scene((140, 70), "#ffffff", tuple(traced))).encode())
    assert (ours == np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))).all()
    for page, threshold in (("#ffffff", 40), ("#1e2a3c", 8)):
        colour = np.array([int(page[i:i + 2], 16) for i in (1, 3, 5)])
        assert (drawn_px(source, page, threshold) == (np.abs(source.astype(int) - colour).max(axis=2) > threshold)).all()
