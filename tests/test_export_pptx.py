"""The PowerPoint export: shapes stay autoshapes, labels stay text, connectors stay glued.

Every check reads the exported bytes back with python-pptx (and, in the slow
test, has LibreOffice render them), never our own writer's view of them.
"""

from __future__ import annotations

import base64
import io
import math
import os
import shutil
import subprocess
import sys

import pytest
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE, MSO_SHAPE_TYPE
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn

from crafteditor.export import export
from crafteditor.export.pptx import EMU_PER_PX, Route, connector_route, flatten_path, simplify
from crafteditor.svg.doc import SvgDocument

HEAD = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" ')
FONT = "font-family=\"'Liberation Sans', Arial, sans-serif\""


def _png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _figure_svg(png: bytes) -> str:
    """A figure as crafteditor writes it: layers, a grouped label, glued connectors, an icon, a caption."""
    data = base64.b64encode(png).decode("ascii")
    return f"""{HEAD}width="480" height="300" viewBox="0 0 480 300">
  <defs><marker id="m" viewBox="0 0 10 10" refX="10" refY="5" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker>
        <marker id="s" viewBox="0 0 10 10" refX="0" refY="5" orient="auto"><path d="M10,0 L0,5 L10,10 z"/></marker>
  </defs>
  <g id="layer-shapes" inkscape:groupmode="layer" inkscape:label="Shapes">
    <g id="group-shape-0001" inkscape:label="Encoder">
      <rect id="shape-0001" x="40" y="60" width="120" height="60" rx="8" fill="#dbe9f6" stroke="#2f5597"
            stroke-width="2"/>
      <text id="text-0001" x="100" y="95" font-size="16" {FONT} font-weight="bold" fill="#1a1a1a"
            text-anchor="middle">Encoder</text>
    </g>
    <ellipse id="shape-0002" cx="280" cy="90" rx="50" ry="30" fill="#fde2c8" stroke="#c55a11" stroke-width="2"/>
    <text id="text-0002" x="280" y="95" font-size="14" {FONT} fill="#c55a11" text-anchor="middle">Decoder</text>
    <polygon id="shape-0003" points="100,180 140,220 100,260 60,220" fill="#e2f0d9" stroke="#548235"
             stroke-width="2"/>
  </g>
  <g id="layer-connectors" inkscape:groupmode="layer" inkscape:label="Connectors">
    <path id="connector-0001" d="M160,90 L230,90" fill="none" stroke="#333333" stroke-width="2"
          marker-end="url(#m)" inkscape:connection-start="#shape-0001" inkscape:connection-end="#shape-0002"/>
    <path id="connector-0002" d="M100,120 L100,180" fill="none" stroke="#333333" stroke-width="2"
          stroke-dasharray="6 4" marker-start="url(#s)" marker-end="url(#m)"
          inkscape:connection-start="#shape-0001" inkscape:connection-end="#shape-0003"/>
  </g>
  <g id="layer-icons" inkscape:groupmode="layer" inkscape:label="Icons">
    <image id="icon-0001" x="360" y="200" width="60" height="60" preserveAspectRatio="none"
           xlink:href="data:image/png;base64,{data}"/>
  </g>
  <g id="layer-text" inkscape:groupmode="layer" inkscape:label="Text">
    <text id="text-0003" x="30" y="290" font-size="12" {FONT} fill="#404040">Figure 1</text>
  </g>
</svg>"""


def _export(svg: str) -> tuple[dict, list[str], object]:
    """The shapes of the one slide by name, the warnings, and the presentation."""
    result = export(SvgDocument.from_bytes(svg.encode()), "pptx")
    deck = Presentation(io.BytesIO(result.data))
    assert len(deck.slides) == 1
    return {shape.name: shape for shape in deck.slides[0].shapes}, list(result.warnings), deck


@pytest.fixture(scope="module")
def figure():
    return _export(_figure_svg(_png_bytes()))


def _near_px(emu: int, px: float) -> bool:
    return abs(emu - px * EMU_PER_PX) <= EMU_PER_PX


def _at(shape, x0: float, y0: float, x1: float, y1: float) -> bool:
    return (_near_px(shape.left, x0) and _near_px(shape.top, y0) and _near_px(shape.width, x1 - x0)
            and _near_px(shape.height, y1 - y0))


def test_slide_is_the_viewbox_and_nothing_is_left_out(figure):
    shapes, warnings, deck = figure
    assert (deck.slide_width, deck.slide_height) == (480 * EMU_PER_PX, 300 * EMU_PER_PX)
    assert warnings == []
    assert set(shapes) == {"shape-0001", "shape-0002", "shape-0003", "connector-0001", "connector-0002",
                           "icon-0001", "text-0003"}  # labels went into their shapes, groups flattened


@pytest.mark.parametrize("name, kind, box, fill, line", [
    ("shape-0001", MSO_SHAPE.ROUNDED_RECTANGLE, (40, 60, 160, 120), "DBE9F6", "2F5597"),
    ("shape-0002", MSO_SHAPE.OVAL, (230, 60, 330, 120), "FDE2C8", "C55A11"),
    ("shape-0003", MSO_SHAPE.DIAMOND, (60, 180, 140, 260), "E2F0D9", "548235"),
])
def test_shapes_are_autoshapes_with_their_paint_and_place(figure, name, kind, box, fill, line):
    shape = figure[0][name]
    assert shape.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE and shape.auto_shape_type == kind
    assert _at(shape, *box)
    assert shape.fill.fore_color.rgb == RGBColor.from_string(fill)
    assert shape.line.color.rgb == RGBColor.from_string(line)
    assert shape.line.width == 2 * EMU_PER_PX  # 2 px = 1.5 pt
    assert shape._element.find(qn("p:style")) is None  # no theme colours leak in


def test_rounded_corner_is_the_radius_over_the_short_side(figure):
    assert figure[0]["shape-0001"].adjustments[0] == pytest.approx(8 / 60, abs=1e-4)


@pytest.mark.parametrize("name, text, size_pt, colour, bold", [
    ("shape-0001", "Encoder", 12.0, "1A1A1A", True),  # the label in the shape's own group
    ("shape-0002", "Decoder", 10.5, "C55A11", False),  # a sibling label: the smallest shape holding it
])
def test_labels_are_the_text_of_their_shapes(figure, name, text, size_pt, colour, bold):
    frame = figure[0][name].text_frame
    assert frame.text == text
    run = frame.paragraphs[0].runs[0]
    assert run.font.size.pt == pytest.approx(size_pt)
    assert run.font.color.rgb == RGBColor.from_string(colour)
    assert run.font.bold is bold
    assert run.font.name == "Liberation Sans"
    assert frame.paragraphs[0].alignment == PP_ALIGN.CENTER
    assert frame.word_wrap is False and frame.auto_size == MSO_AUTO_SIZE.NONE


def test_free_text_is_a_text_box_where_it_stood(figure):
    box = figure[0]["text-0003"]
    assert box.shape_type == MSO_SHAPE_TYPE.TEXT_BOX and box.text_frame.text == "Figure 1"
    assert _near_px(box.left, 30) and _near_px(box.top, 290 - 0.8 * 12)  # the baseline minus the ascent
    frame = box.text_frame
    assert (frame.margin_left, frame.margin_top, frame.margin_right, frame.margin_bottom) == (0, 0, 0, 0)
    assert frame.word_wrap is False and frame.auto_size == MSO_AUTO_SIZE.NONE
    run = frame.paragraphs[0].runs[0]
    assert run.font.size.pt == pytest.approx(9.0) and run.font.color.rgb == RGBColor.from_string("404040")
    assert frame.paragraphs[0].alignment == PP_ALIGN.LEFT


def _cxn(connector, tag: str) -> tuple[int, int] | None:
    found = connector._element.nvCxnSpPr.cNvCxnSpPr.find(qn(tag))
    return None if found is None else (int(found.get("id")), int(found.get("idx")))


def test_connectors_are_glued_to_the_shapes_they_join(figure):
    shapes = figure[0]
    first, second = shapes["connector-0001"], shapes["connector-0002"]
    assert first.shape_type == MSO_SHAPE_TYPE.LINE
    encoder, decoder, check = (shapes[n].shape_id for n in ("shape-0001", "shape-0002", "shape-0003"))
    assert _cxn(first, "a:stCxn") == (encoder, 3)  # the rectangle's right side
    assert _cxn(first, "a:endCxn") == (decoder, 2)  # the ellipse's left (of its eight sites)
    assert _cxn(second, "a:stCxn") == (encoder, 2)  # bottom
    assert _cxn(second, "a:endCxn") == (check, 0)  # the diamond's top
    assert (first.begin_x, first.begin_y, first.end_x, first.end_y) == tuple(
        round(v * EMU_PER_PX) for v in (160, 90, 230, 90))  # the ends stay where the SVG drew them


def test_connectors_keep_arrowheads_colour_width_and_dash(figure):
    shapes = figure[0]
    first, second = shapes["connector-0001"], shapes["connector-0002"]
    ln_first = first._element.spPr.find(qn("a:ln"))
    assert ln_first.find(qn("a:tailEnd")).get("type") == "triangle" and ln_first.find(qn("a:headEnd")) is None
    ln_second = second._element.spPr.find(qn("a:ln"))
    assert ln_second.find(qn("a:headEnd")) is not None and ln_second.find(qn("a:tailEnd")) is not None
    assert first.line.color.rgb == RGBColor.from_string("333333") and first.line.width == 2 * EMU_PER_PX
    assert second.line.dash_style == MSO_LINE_DASH_STYLE.DASH and first.line.dash_style is None


def test_embedded_png_is_a_picture(figure):
    picture = figure[0]["icon-0001"]
    assert picture.shape_type == MSO_SHAPE_TYPE.PICTURE
    assert picture.image.blob == _png_bytes() and picture.image.content_type == "image/png"
    assert _at(picture, 360, 200, 420, 260)


def test_external_image_is_not_read_and_warned():
    svg = f"""{HEAD}viewBox="0 0 100 100"><rect id="r" x="10" y="10" width="20" height="20" fill="#00ff00"/>
      <image id="secret" x="0" y="0" width="50" height="50" xlink:href="file:///etc/passwd"/></svg>"""
    shapes, warnings, _deck = _export(svg)
    assert not [s for s in shapes.values() if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert any("secret" in w and "file:///etc/passwd" in w for w in warnings)
    assert "r" in shapes


def test_svg_image_is_rendered_to_png_with_a_warning():
    icon = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>'
    svg = f"""{HEAD}viewBox="0 0 100 100"><image id="vec" x="10" y="20" width="40" height="30"
      xlink:href="data:image/svg+xml;base64,{base64.b64encode(icon).decode()}"/></svg>"""
    shapes, warnings, _deck = _export(svg)
    picture = shapes["vec"]
    assert picture.shape_type == MSO_SHAPE_TYPE.PICTURE and picture.image.blob[:8] == b"\x89PNG\r\n\x1a\n"
    assert _at(picture, 10, 20, 50, 50)
    assert any("vec" in w and "PNG" in w for w in warnings)


def test_viewbox_origin_is_the_slide_origin_and_big_figures_scale_down():
    shapes, warnings, deck = _export(f"""{HEAD}viewBox="100 50 200 100">
      <rect id="r" x="100" y="50" width="20" height="10" fill="#ff0000"/></svg>""")
    assert (shapes["r"].left, shapes["r"].top) == (0, 0) and warnings == []
    shapes, warnings, deck = _export(f"""{HEAD}viewBox="0 0 10000 500">
      <rect id="r" x="5000" y="100" width="1000" height="200" fill="#ff0000"/></svg>""")
    scale = 56 * 914_400 / (10000 * EMU_PER_PX)
    assert deck.slide_width == 56 * 914_400 and deck.slide_height == round(500 * EMU_PER_PX * scale)
    assert abs(shapes["r"].left - 5000 * EMU_PER_PX * scale) <= 1
    assert abs(shapes["r"].width - 1000 * EMU_PER_PX * scale) <= 1
    assert any("scaled" in w for w in warnings)


def test_polygons_paths_and_slanted_polylines_are_freeforms():
    shapes, warnings, _deck = _export(f"""{HEAD}viewBox="0 0 300 200">
      <polygon id="tri" points="10,10 90,10 50,80" fill="#123456" opacity="0.5"/>
      <path id="blob" d="M120,20 C160,0 200,40 180,80 Z" fill="#abcdef" stroke="#000000"/>
      <polyline id="zig" points="10,150 60,120 110,170 160,120" fill="none" stroke="#ff0000"
                marker-end="url(#nothing)"/>
      <use id="copy" xlink:href="#tri" x="100"/></svg>""")
    for name in ("tri", "blob", "zig"):
        assert shapes[name].shape_type == MSO_SHAPE_TYPE.FREEFORM
    assert _at(shapes["tri"], 10, 10, 90, 80)
    assert shapes["tri"].fill.fore_color.rgb == RGBColor.from_string("123456")
    alpha = shapes["tri"]._element.spPr.find(f"{qn('a:solidFill')}/{qn('a:srgbClr')}/{qn('a:alpha')}")
    assert alpha.get("val") == "50000"  # opacity 0.5
    path = shapes["blob"]._element.spPr.find(f"{qn('a:custGeom')}/{qn('a:pathLst')}/{qn('a:path')}")
    assert len(path.findall(qn("a:lnTo"))) > 10 and path.find(qn("a:close")) is not None  # the curve, flattened
    zig = shapes["zig"]._element.spPr
    assert zig.find(f".//{qn('a:close')}") is None and zig.find(f"{qn('a:ln')}/{qn('a:tailEnd')}") is not None
    assert "copy" not in shapes and any("copy" in w and "<use>" in w for w in warnings)


def test_a_vertical_elbow_is_a_turned_elbow_connector():
    shapes, _warnings, _deck = _export(f"""{HEAD}viewBox="0 0 300 300">
      <polyline id="elbow" points="50,50 50,80 250,80 250,150" fill="none" stroke="#000000"/></svg>""")
    connector = shapes["elbow"]
    assert connector.shape_type == MSO_SHAPE_TYPE.LINE
    geometry = connector._element.spPr.find(qn("a:prstGeom"))
    assert geometry.get("prst") == "bentConnector3"
    assert connector._element.spPr.find(qn("a:xfrm")).get("rot") == "5400000"
    guide = geometry.find(f"{qn('a:avLst')}/{qn('a:gd')}")
    assert (guide.get("name"), guide.get("fmla")) == ("adj1", "val 30000")  # the middle run 30 of 100 px along


def test_curved_connectors_are_drawn_through_their_curve_when_items_give_the_path(monkeypatch):
    """``items`` keeps ``path_d`` for closed paths; when it gives one for an open path, its curve is used."""
    import dataclasses

    import crafteditor.export.pptx as exporter

    real = exporter.items
    monkeypatch.setattr(exporter, "items", lambda doc: [
        dataclasses.replace(it, path_d="M10,100 C60,0 140,0 190,100") if it.id == "arc" else it for it in real(doc)])
    shapes, _warnings, _deck = _export(f"""{HEAD}viewBox="0 0 200 120">
      <path id="arc" d="M10,100 C60,0 140,0 190,100" fill="none" stroke="#000000" marker-end="url(#m)"/></svg>""")
    arc = shapes["arc"]
    assert arc.shape_type == MSO_SHAPE_TYPE.FREEFORM and _near_px(arc.top, 25)  # the curve's top, not a chord
    assert arc._element.spPr.find(f"{qn('a:ln')}/{qn('a:tailEnd')}") is not None


def _drawn(route: Route) -> list[tuple[float, float]]:
    """The corners a ``bentConnector3`` (or a straight line) shows for ``route``, on the slide."""
    (xb, yb), (xe, ye) = route.begin_xy, route.end_xy
    if not route.elbow:
        return [(xb, yb), (xe, ye)]
    xm = xb + route.middle * (xe - xb)
    pts = [(xb, yb), (xm, yb), (xm, ye), (xe, ye)]
    if route.turned:  # PowerPoint turns the frame 90 degrees clockwise about its centre
        cx, cy = (xb + xe) / 2, (yb + ye) / 2
        pts = [(cx - (y - cy), cy + (x - cx)) for x, y in pts]
    return simplify(pts)


@pytest.mark.parametrize("points", [
    [(0, 0), (100, 0)],
    [(0, 0), (40, 0), (40, 80), (100, 80)],  # horizontal, vertical, horizontal
    [(100, 0), (30, 0), (30, 80), (0, 80)],  # the same, leftwards
    [(0, 0), (0, 50), (100, 50), (100, 80)],  # vertical first: turned
    [(0, 100), (0, 130), (-60, 130), (-60, 20)],  # vertical, overshooting the end (middle outside 0..1)
    [(0, 0), (100, 0), (100, 80)],  # an L
    [(0, 0), (0, 80), (100, 80)],  # an L leaving vertically
])
def test_connector_routes_draw_the_polyline(points):
    route = connector_route(simplify(points))
    assert route is not None
    drawn = _drawn(route)
    assert len(drawn) == len(points)
    assert all(math.dist(a, b) < 1e-6 for a, b in zip(drawn, points))


def test_slanted_or_long_polylines_have_no_connector_route():
    assert connector_route([(0, 0), (50, 30), (100, 0)]) is None
    assert connector_route([(0, 0), (10, 0), (10, 10), (20, 10), (20, 20)]) is None
    assert simplify([(0, 0), (5, 0), (10, 0), (10, 0), (10, 10)]) == [(0, 0), (10, 0), (10, 10)]


def test_flatten_path_keeps_subpaths_and_closes():
    parts = flatten_path("M0,0 L10,0 L10,10 Z M20,20 Q30,30 40,20", steps=4)
    assert parts[0] == ([(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)], True)
    points, closed = parts[1]
    assert not closed and len(points) == 5 and points[-1] == (40.0, 20.0)


def test_importing_the_exporter_does_not_load_python_pptx():
    code = "import sys, crafteditor, crafteditor.export.pptx; print('pptx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="needs LibreOffice (soffice) and poppler (pdftotext)")
def test_libreoffice_opens_the_slide_and_shows_its_text(tmp_path):
    deck = tmp_path / "figure.pptx"
    deck.write_bytes(export(SvgDocument.from_bytes(_figure_svg(_png_bytes()).encode()), "pptx").data)
    env = dict(os.environ, HOME=str(tmp_path / "home"))
    done = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
                          env=env, capture_output=True, text=True, timeout=120)
    pdf = tmp_path / "figure.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr[-2000:]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
    for label in ("Encoder", "Decoder", "Figure 1"):
        assert label in text


@pytest.mark.parametrize("skew", [20.0, -20.0])
def test_a_parallelogram_is_an_autoshape_leaning_as_drawn(skew):
    top = (40 + max(skew, 0), 200 + min(skew, 0))
    bottom = (40 - min(skew, 0), 200 - max(skew, 0))
    pts = f"{top[0]},30 {top[1]},30 {bottom[1]},90 {bottom[0]},90"
    svg = HEAD + f'viewBox="0 0 240 120"><polygon id="p" points="{pts}" fill="#e2f0d9" stroke="#548235"/></svg>'
    shapes, warnings, _deck = _export(svg)
    shape = shapes["p"]
    assert shape.auto_shape_type == MSO_SHAPE.PARALLELOGRAM and _at(shape, 40, 30, 200, 90)
    assert shape.adjustments[0] == pytest.approx(20 / 60, abs=1e-4)  # the skew over the short side
    assert (shape._element.spPr.xfrm.get("flipH") == "1") == (skew < 0)
    assert warnings == []
