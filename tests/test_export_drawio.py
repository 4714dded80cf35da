"""draw.io export: the mxGraph file parses, and its cells are the SVG's shapes, text, edges, images and layers."""

from __future__ import annotations

import base64
import html
import io
import random

import numpy as np
import pytest
from lxml import etree
from PIL import Image

from crafteditor.export import ExportOptions, export
from crafteditor.export.drawio import to_drawio
from crafteditor.svg.doc import SvgDocument

HEAD = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" ')


def _png_bytes(seed: int = 7, size_px: int = 6) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (size_px, size_px, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, format="PNG")
    return out.getvalue()


def _crafteditor_svg(png: bytes) -> str:
    """A figure shaped like composition.writer's output: layers, shape+label groups, connectors, an icon."""
    data = base64.b64encode(png).decode("ascii")
    return HEAD + f'''width="400px" height="240px" viewBox="0 0 400 240">
  <defs id="defs">
    <marker id="arrowhead-1" viewBox="0 0 10 10" refX="10" refY="5" orient="auto">
      <path d="M0,0 L10,5 L0,10 z"/></marker>
    <marker id="arrowhead-2" viewBox="0 0 10 10" refX="0" refY="5" orient="auto">
      <path d="M10,0 L0,5 L10,10 z"/></marker>
  </defs>
  <g id="layer-background" inkscape:groupmode="layer" inkscape:label="Background" sodipodi:insensitive="true">
    <rect id="background" x="0" y="0" width="400" height="240" fill="#ffffff"/>
  </g>
  <g id="layer-shapes" inkscape:groupmode="layer" inkscape:label="Shapes">
    <g id="group-box-1" inkscape:label="Encoder">
      <rect id="box-1" x="20" y="40" width="100" height="50" rx="6" fill="#dbeafe" stroke="#1e3a8a" stroke-width="2"/>
      <text id="label-1" x="70" y="70" font-size="14" font-family="Liberation Sans" font-weight="bold"
            text-anchor="middle" fill="#111111"><tspan x="70" y="70">Encoder</tspan></text>
    </g>
    <g id="group-box-2">
      <ellipse id="box-2" cx="280" cy="65" rx="60" ry="30" fill="#fee2e2" stroke="#991b1b"/>
      <text id="label-2" x="280" y="60" font-size="12" text-anchor="middle"><tspan
            x="280" y="60">Loss &amp; &lt;b&gt;</tspan><tspan x="280" y="76">term</tspan></text>
    </g>
    <polygon id="gate" points="280,140 310,170 280,200 250,170" fill="#fef9c3" stroke="#854d0e"/>
  </g>
  <g id="layer-drawing" inkscape:groupmode="layer" inkscape:label="Drawing">
    <path id="trace-1" d="M 20 150 L 80 150 L 80 210 L 20 210 Z M 35 165 L 65 165 L 65 195 L 35 195 Z"
          fill="#334155" fill-rule="evenodd"/>
  </g>
  <g id="layer-connectors" inkscape:groupmode="layer" inkscape:label="Connectors">
    <path id="conn-1" d="M120,65 L220,65" fill="none" stroke="#000000" stroke-width="2" marker-end="url(#arrowhead-1)"
          inkscape:connector-type="polyline" inkscape:connection-start="#box-1" inkscape:connection-end="#box-2"/>
    <path id="conn-2" d="M280,95 L280,120 L200,120 L200,170 L250,170" fill="none" stroke="#475569"
          stroke-dasharray="4 2" marker-start="url(#arrowhead-2)" marker-end="url(#arrowhead-1)"
          inkscape:connector-type="orthogonal" inkscape:connection-start="#box-2" inkscape:connection-end="#gate"/>
  </g>
  <g id="layer-icons" inkscape:groupmode="layer" inkscape:label="Icons">
    <image id="icon-1" x="340" y="150" width="40" height="40" preserveAspectRatio="none"
           xlink:href="data:image/png;base64,{data}"/>
  </g>
  <g id="layer-text" inkscape:groupmode="layer" inkscape:label="Text">
    <text id="caption" x="150" y="225" font-size="13" fill="#222222"><tspan
          x="150" y="225">Figure 1: pipeline</tspan></text>
  </g>
</svg>'''


def _convert(svg: str) -> tuple[etree._Element, tuple[str, ...]]:
    out = to_drawio(SvgDocument.from_bytes(svg.encode()), ExportOptions())
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(out.data, parser), out.warnings


def _cells(mxfile: etree._Element) -> dict[str, etree._Element]:
    return {c.get("id"): c for c in mxfile.iterfind("diagram/mxGraphModel/root/mxCell")}


def _style(cell: etree._Element) -> dict[str, str]:
    parts = [p for p in (cell.get("style") or "").split(";") if p]
    return {k: v for k, _eq, v in (p.partition("=") for p in parts)}


def _geometry(cell: etree._Element) -> tuple[float, float, float, float]:
    g = cell.find("mxGeometry")
    return tuple(float(g.get(k)) for k in ("x", "y", "width", "height"))


def _point(cell: etree._Element, role: str) -> tuple[float, float]:
    p = cell.find(f"mxGeometry/mxPoint[@as='{role}']")
    return float(p.get("x")), float(p.get("y"))


def _image_data(cell: etree._Element) -> tuple[str, bytes]:
    """The media type and the bytes of a cell's ``image=data:<type>,<base64>`` style."""
    url = _style(cell)["image"]
    head, _comma, payload = url.partition(",")
    return head[len("data:"):], base64.b64decode(payload)


@pytest.fixture(scope="module")
def figure() -> tuple[etree._Element, dict[str, etree._Element], tuple[str, ...]]:
    mxfile, warnings = _convert(_crafteditor_svg(_png_bytes()))
    return mxfile, _cells(mxfile), warnings


def test_file_is_an_uncompressed_mxgraph_model(figure):
    mxfile, cells, warnings = figure
    assert mxfile.tag == "mxfile" and mxfile.get("host") == "crafteditor"
    model = mxfile.find("diagram/mxGraphModel")
    assert (model.get("pageWidth"), model.get("pageHeight"), model.get("grid")) == ("400", "240", "0")
    assert cells["0"].get("parent") is None
    assert all(c.get("parent") in cells for cid, c in cells.items() if cid != "0")
    assert len(cells) == len(mxfile.findall("diagram/mxGraphModel/root/mxCell"))  # ids are unique
    assert warnings == ()


def test_inkscape_layers_become_layers_holding_their_cells(figure):
    _mxfile, cells, _warnings = figure
    layers = {c.get("value"): cid for cid, c in cells.items() if c.get("parent") == "0"}
    assert layers == {"Background": "layer-background", "Shapes": "layer-shapes", "Drawing": "layer-drawing",
                      "Connectors": "layer-connectors", "Icons": "layer-icons", "Text": "layer-text"}
    expected = {"background": "Background", "box-1": "Shapes", "box-2": "Shapes", "gate": "Shapes",
                "trace-1": "Drawing", "conn-1": "Connectors", "conn-2": "Connectors", "icon-1": "Icons",
                "caption": "Text"}
    assert {cid: cells[cells[cid].get("parent")].get("value") for cid in expected} == expected
    assert "group-box-1" not in cells  # groups are flattened


@pytest.mark.parametrize(("cell_id", "flags", "colours", "box"), [
    ("box-1", {"rounded": "1", "absoluteArcSize": "1", "arcSize": "12"}, ("#dbeafe", "#1e3a8a", "2"),
     (20, 40, 100, 50)),
    ("box-2", {"ellipse": ""}, ("#fee2e2", "#991b1b", "1"), (220, 35, 120, 60)),
    ("gate", {"rhombus": ""}, ("#fef9c3", "#854d0e", "1"), (250, 140, 60, 60)),
    ("background", {"rounded": "0"}, ("#ffffff", "none", None), (0, 0, 400, 240)),
])
def test_shapes_become_vertices_with_their_style(figure, cell_id, flags, colours, box):
    _mxfile, cells, _warnings = figure
    cell = cells[cell_id]
    style = _style(cell)
    assert cell.get("vertex") == "1"
    assert flags.items() <= style.items()
    assert (style["fillColor"], style["strokeColor"], style.get("strokeWidth")) == colours
    assert _geometry(cell) == pytest.approx(box, abs=0.01)


def test_labels_become_values_of_their_shapes(figure):
    _mxfile, cells, _warnings = figure
    assert cells["box-1"].get("value") == "Encoder"
    assert html.unescape(cells["box-2"].get("value")).split("<br>") == ["Loss & <b>", "term"]
    assert "&lt;b&gt;" in cells["box-2"].get("value")  # the text's "<b>" is not markup
    style = _style(cells["box-1"])
    assert (style["fontSize"], style["fontColor"], style["fontFamily"], style["fontStyle"]) == (
        "14", "#111111", "Liberation Sans", "1")
    assert "fontStyle" not in _style(cells["box-2"]) and _style(cells["box-2"])["fontSize"] == "12"
    assert not {"label-1", "label-2"} & set(cells)


def test_free_text_becomes_a_text_cell(figure):
    _mxfile, cells, _warnings = figure
    cell = cells["caption"]
    style = _style(cell)
    assert cell.get("value") == "Figure 1: pipeline" and cell.get("vertex") == "1"
    assert {"text": "", "strokeColor": "none", "fillColor": "none", "align": "left", "fontColor": "#222222"}.items() \
        <= style.items()
    x, y, w, h = _geometry(cell)
    assert x == pytest.approx(150) and y < 225 < y + h and w > 50


@pytest.mark.parametrize(("edge_id", "source", "target", "ends", "waypoints"), [
    ("conn-1", "box-1", "box-2", ((120, 65), (220, 65)), []),
    ("conn-2", "box-2", "gate", ((280, 95), (250, 170)), [(280, 120), (200, 120), (200, 170)]),
])
def test_connectors_become_edges_between_shape_cells(figure, edge_id, source, target, ends, waypoints):
    _mxfile, cells, _warnings = figure
    edge = cells[edge_id]
    assert (edge.get("edge"), edge.get("source"), edge.get("target")) == ("1", source, target)
    assert _point(edge, "sourcePoint") == pytest.approx(ends[0], abs=1.0)
    assert _point(edge, "targetPoint") == pytest.approx(ends[1], abs=1.0)
    inner = [float(p.get(k)) for p in edge.iterfind("mxGeometry/Array[@as='points']/mxPoint") for k in "xy"]
    assert inner == pytest.approx([v for xy in waypoints for v in xy], abs=1.0)
    assert edge.find("mxGeometry").get("relative") == "1"


def test_edge_styles_follow_markers_dashes_and_routing(figure):
    _mxfile, cells, _warnings = figure
    one, two = _style(cells["conn-1"]), _style(cells["conn-2"])
    assert (one["endArrow"], one["endFill"], one["startArrow"], one["edgeStyle"]) == ("block", "1", "none", "none")
    assert (one["strokeColor"], one["strokeWidth"], one["rounded"]) == ("#000000", "2", "0")
    assert (two["startArrow"], two["endArrow"], two["edgeStyle"]) == ("block", "block", "orthogonalEdgeStyle")
    assert (two["dashed"], two["dashPattern"], two["strokeColor"]) == ("1", "4 2", "#475569")
    assert (one["exitX"], one["exitY"], one["entryX"], one["entryY"]) == ("1.000", "0.500", "0.000", "0.500")


def test_embedded_png_becomes_an_image_cell_with_the_same_bytes(figure):
    _mxfile, cells, _warnings = figure
    cell = cells["icon-1"]
    assert _style(cell)["shape"] == "image" and _style(cell)["imageAspect"] == "0"
    assert ";base64" not in cell.get("style")
    assert _image_data(cell) == ("image/png", _png_bytes())
    assert _geometry(cell) == pytest.approx((340, 150, 40, 40))


def test_traced_drawing_stays_vector_as_an_svg_image(figure):
    _mxfile, cells, _warnings = figure
    media, data = _image_data(cells["trace-1"])
    assert media == "image/svg+xml"
    svg = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    path = svg.find("{http://www.w3.org/2000/svg}path")
    assert (path.get("fill"), path.get("fill-rule")) == ("#334155", "evenodd")
    assert path.get("d").startswith("M 20,150")
    x, y, w, h = _geometry(cells["trace-1"])
    assert (x, y, x + w, y + h) == pytest.approx((20, 150, 80, 210), abs=1.0)


def test_export_dispatches_to_drawio():
    out = export(SvgDocument.from_bytes(_crafteditor_svg(_png_bytes()).encode()), "drawio")
    assert b"<mxGraphModel" in out.data and b"Figure 1: pipeline" in out.data


@pytest.mark.parametrize(("transform", "expected"), [
    ("translate(10,20) scale(2)", (20, 30, 40, 20)),
    ("translate(-5,0)", (0, 5, 20, 10)),
    ("matrix(3,0,0,1,1,2)", (16, 7, 60, 10)),
])
def test_group_transforms_apply_to_geometry(transform, expected):
    svg = HEAD + f'''viewBox="0 0 300 200"><g id="g" transform="{transform}">
      <rect id="r" x="5" y="5" width="20" height="10" fill="#ff0000"/>
      <path id="l" d="M5,20 L25,20" stroke="#000000"/></g></svg>'''
    _mxfile, _warnings = _convert(svg)
    cells = _cells(_mxfile)
    assert _geometry(cells["r"]) == pytest.approx(expected, abs=0.01)
    x, y, w, h = expected
    assert _point(cells["l"], "sourcePoint") == pytest.approx((x, y + 1.5 * h), abs=0.01)
    assert _point(cells["l"], "targetPoint") == pytest.approx((x + w, y + 1.5 * h), abs=0.01)


def test_viewbox_origin_moves_to_zero():
    svg = HEAD + '''width="200" height="100" viewBox="100 50 200 100">
      <rect id="r" x="110" y="60" width="30" height="20" fill="#00ff00"/>
      <rect id="s" x="200" y="60" width="30" height="20" fill="#0000ff"/>
      <path id="c" d="M140,70 L200,70" stroke="#000000" marker-end="url(#m)"
            inkscape:connection-start="#r" inkscape:connection-end="#s"/>
      <text id="t" x="150" y="130" font-size="10">note</text></svg>'''
    mxfile, _warnings = _convert(svg)
    cells = _cells(mxfile)
    model = mxfile.find("diagram/mxGraphModel")
    assert (model.get("pageWidth"), model.get("pageHeight")) == ("200", "100")
    assert _geometry(cells["r"]) == pytest.approx((10, 10, 30, 20))
    assert _point(cells["c"], "sourcePoint") == pytest.approx((40, 20), abs=1.0)
    assert _point(cells["c"], "targetPoint") == pytest.approx((100, 20), abs=1.0)
    assert (cells["c"].get("source"), cells["c"].get("target")) == ("r", "s")
    assert _geometry(cells["t"])[0] == pytest.approx(50)


def test_external_image_is_not_read_and_is_warned_about(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(_png_bytes(seed=3) + b"SECRET-CONTENT")
    svg = HEAD + f'''viewBox="0 0 100 100">
      <image id="leak" x="0" y="0" width="10" height="10" xlink:href="file:///etc/passwd"/>
      <image id="leak-2" x="20" y="0" width="10" height="10" xlink:href="{secret.as_uri()}"/>
      <rect id="r" x="40" y="40" width="10" height="10" fill="#000000"/></svg>'''
    out = to_drawio(SvgDocument.from_bytes(svg.encode()), ExportOptions())
    cells = _cells(etree.fromstring(out.data))
    assert not {"leak", "leak-2"} & set(cells) and "r" in cells
    assert any("leak" in w and "/etc/passwd" in w for w in out.warnings)
    assert any("leak-2" in w for w in out.warnings)
    assert b"root:" not in out.data and b"SECRET" not in out.data and b"passwd" not in out.data
    assert base64.b64encode(secret.read_bytes()[:12]) not in out.data


def test_use_elements_are_left_out_with_a_warning_naming_them():
    svg = HEAD + '''viewBox="0 0 100 100"><defs><rect id="proto" width="5" height="5"/></defs>
      <use id="copy-1" xlink:href="#proto" x="10" y="10"/>
      <circle id="c" cx="50" cy="50" r="10" fill="#123456"/></svg>'''
    mxfile, warnings = _convert(svg)
    cells = _cells(mxfile)
    assert "copy-1" not in cells and _style(cells["c"])["ellipse"] == ""
    assert [w for w in warnings if "copy-1" in w]


def test_file_without_layers_gets_one_default_layer():
    svg = HEAD + '''viewBox="0 0 100 100"><rect id="1" x="1" y="1" width="5" height="5" fill="#000000"/>
      <rect id="0" x="10" y="1" width="5" height="5" fill="#000000"/></svg>'''
    mxfile, _warnings = _convert(svg)
    root = mxfile.find("diagram/mxGraphModel/root")
    assert [(c.get("id"), c.get("parent")) for c in root[:2]] == [("0", None), ("1", "0")]
    shapes = [c for c in root if c.get("vertex") == "1"]
    assert [c.get("id") for c in shapes] == ["1-2", "0-2"]  # SVG ids kept, made unique against 0 and 1
    assert all(c.get("parent") == "1" for c in shapes)


def test_text_in_a_container_stays_text_and_smallest_shape_takes_a_label():
    svg = HEAD + '''viewBox="0 0 300 200">
      <rect id="frame" x="10" y="10" width="280" height="180" fill="none" stroke="#000000"/>
      <text id="title" x="150" y="30" font-size="12" text-anchor="middle">Stage one</text>
      <rect id="outer" x="40" y="60" width="120" height="100" fill="#eeeeee"/>
      <rect id="inner" x="200" y="80" width="60" height="40" fill="#dddddd"/>
      <text id="name" x="230" y="104" font-size="10" text-anchor="middle">Block</text></svg>'''
    mxfile, _warnings = _convert(svg)
    cells = _cells(mxfile)
    assert cells["title"].get("value") == "Stage one" and _style(cells["title"])["align"] == "center"
    assert cells["frame"].get("value") == "" and cells["inner"].get("value") == "Block"
    assert "name" not in cells


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_grids_of_shapes_round_trip(seed):
    rng = random.Random(seed)
    kinds = ["rect", "ellipse", "circle", "diamond"]
    drawn, expected = [], {}
    for i in range(12):
        x, y, w, h = rng.randint(0, 400), rng.randint(0, 300), rng.randint(5, 80), rng.randint(5, 80)
        fill = f"#{rng.randrange(0x1000000):06x}"
        kind = rng.choice(kinds)
        if kind == "rect":
            drawn.append(f'<rect id="s{i}" x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"/>')
        elif kind == "ellipse":
            centre = f'cx="{x + w / 2}" cy="{y + h / 2}"'
            drawn.append(f'<ellipse id="s{i}" {centre} rx="{w / 2}" ry="{h / 2}" fill="{fill}"/>')
        elif kind == "circle":
            h = w
            drawn.append(f'<circle id="s{i}" cx="{x + w / 2}" cy="{y + w / 2}" r="{w / 2}" fill="{fill}"/>')
        else:
            pts = f"{x + w / 2},{y} {x + w},{y + h / 2} {x + w / 2},{y + h} {x},{y + h / 2}"
            drawn.append(f'<polygon id="s{i}" points="{pts}" fill="{fill}"/>')
        expected[f"s{i}"] = (kind, fill, (x, y, w, h))
    mxfile, warnings = _convert(HEAD + 'viewBox="0 0 500 400">' + "".join(drawn) + "</svg>")
    cells = _cells(mxfile)
    flag = {"rect": "rounded", "ellipse": "ellipse", "circle": "ellipse", "diamond": "rhombus"}
    for cell_id, (kind, fill, box) in expected.items():
        style = _style(cells[cell_id])
        assert flag[kind] in style and style["fillColor"] == fill and style["strokeColor"] == "none"
        assert _geometry(cells[cell_id]) == pytest.approx(box, abs=0.01)
    assert warnings == ()


def test_rotated_rectangle_is_drawn_as_its_outline():
    svg = HEAD + '''viewBox="0 0 200 200">
      <rect id="r" x="50" y="50" width="40" height="40" fill="#ff0000" transform="rotate(45 70 70)"/></svg>'''
    mxfile, warnings = _convert(svg)
    media, data = _image_data(_cells(mxfile)["r"])
    assert media == "image/svg+xml" and b"#ff0000" in data
    half = 20 * 2 ** 0.5 + 0.5  # the rotated square's half diagonal, and half a pixel of margin
    assert _geometry(_cells(mxfile)["r"]) == pytest.approx((70 - half, 70 - half, 2 * half, 2 * half), abs=0.05)
    assert warnings == ()


def test_curved_connector_becomes_a_curved_edge_through_its_points():
    svg = HEAD + '''viewBox="0 0 200 100">
      <path id="curve" d="M10,50 C30,10 50,10 70,50 C90,90 110,90 130,50" fill="none" stroke="#ff0000"
            marker-end="url(#m)"/></svg>'''
    mxfile, _warnings = _convert(svg)
    edge = _cells(mxfile)["curve"]
    assert (_style(edge)["curved"], _style(edge)["edgeStyle"]) == ("1", "none")
    assert _point(edge, "sourcePoint") == (10, 50) and _point(edge, "targetPoint") == (130, 50)
    assert [float(p.get("x")) for p in edge.iterfind("mxGeometry/Array/mxPoint")] == [70]


def test_url_encoded_data_image_is_kept_as_base64():
    inner = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'
    href = "data:image/svg+xml," + "".join(f"%{b:02X}" if chr(b) in '<>"# ' else chr(b) for b in inner.encode())
    svg = HEAD + f'''viewBox="0 0 50 50">
      <image id="pic" x="5" y="5" width="20" height="20" xlink:href='{href}'/></svg>'''
    mxfile, warnings = _convert(svg)
    assert _image_data(_cells(mxfile)["pic"]) == ("image/svg+xml", inner.encode()) and warnings == ()


def test_a_second_label_in_another_font_keeps_its_font_in_a_span():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 120"><g>'
           '<rect id="box" x="10" y="10" width="200" height="80" fill="#dbe9f6"/><text id="title" x="110" y="45" font-size="20" font-weight="bold" '
           'text-anchor="middle">Encoder</text><text id="sub" x="110" y="70" font-size="14" fill="#444444" '
           'text-anchor="middle">a &lt;b&gt; c</text></g></svg>')
    mxfile, _warnings = _convert(svg)
    value = _cells(mxfile)["box"].get("value")
    assert value.startswith("Encoder<br><span style=\"font-size:14px;color:#444444;font-weight:normal")
    assert value.endswith(">a &lt;b&gt; c</span>")
    assert "fontSize=20;" in _cells(mxfile)["box"].get("style")


@pytest.mark.parametrize("skew", [24.0, -24.0])
def test_a_parallelogram_from_the_scene_is_a_draw_io_parallelogram_leaning_as_drawn(skew):
    from composition.writer import write_svg
    from crafteditor.model.scene import Box, Element, Kind, Scene, ShapeContent, Style

    x0, y0, x1, y1 = 40.0, 30.0, 200.0, 90.0
    top, bottom = (x0 + max(skew, 0), x1 + min(skew, 0)), (x0 - min(skew, 0), x1 - max(skew, 0))
    points = ((top[0], y0), (top[1], y0), (bottom[1], y1), (bottom[0], y1))
    scene = Scene((240, 120), elements=(Element(
        id="shape-0001", kind=Kind.SHAPE, box=Box(x0, y0, x1, y1), style=Style(fill="#e2f0d9", stroke="#548235"),
        shape=ShapeContent("parallelogram", points=points)),))
    mxfile, warnings = _convert(write_svg(scene))
    style = _style(_cells(mxfile)["shape-0001"])
    assert style["shape"] == "parallelogram" and float(style["size"]) == abs(skew) and style["fixedSize"] == "1"
    assert ("flipH" in style) == (skew < 0)
    assert _geometry(_cells(mxfile)["shape-0001"]) == pytest.approx((x0, y0, x1 - x0, y1 - y0), abs=0.01)
    assert warnings == ()
