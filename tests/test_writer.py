import io
from pathlib import Path

import cairosvg
import numpy as np
import pytest
from lxml import etree
from PIL import Image

from composition.writer import INKSCAPE_NS, SVG_NS, write_svg
from crafteditor.model.scene import (
    Box, Element, Kind, PathContent, Provenance, Scene, Style, TextContent, TextLine,
)

GOLDEN = Path(__file__).parent / "golden"
NS = {"svg": SVG_NS, "inkscape": INKSCAPE_NS}


def _scene() -> Scene:
    sans = ("Liberation Sans", "Arial", "Helvetica", "sans-serif")
    return Scene(
        image_wh=(320, 200),
        background="#ffffff",
        elements=(
            Element(
                id="trace-0001", kind=Kind.TRACE, box=Box(20, 20, 200, 100),
                style=Style(fill="#dbe9ff"), provenance=Provenance("vtracer"), label="traced #dbe9ff",
                path=PathContent("M 20 20 L 200 20 L 200 100 L 20 100 Z"),
            ),
            Element(
                id="text-0001", kind=Kind.TEXT, box=Box(60, 40, 160, 86),
                style=Style(fill="#1a1a1a", font_size_px=18.0, font_family=sans),
                provenance=Provenance("rapidocr", 0.99), label="Image Encoder",
                text=TextContent(
                    lines=(TextLine("Image", Box(85, 40, 135, 58), 57.0),
                           TextLine("Encoder", Box(75, 64, 145, 82), 79.5)),
                    anchor="middle", anchor_x=110.0,
                ),
            ),
            Element(
                id="text-0002", kind=Kind.TEXT, box=Box(280, 60, 298, 160),
                style=Style(fill="#333333", font_size_px=16.0, font_weight="bold", font_family=sans),
                provenance=Provenance("rapidocr", 0.97), label="Loss & <value>",
                text=TextContent(
                    lines=(TextLine("Loss & <value>", Box(239, 103, 339, 117), 116.0),),
                    anchor="middle", anchor_x=289.0, rotation_deg=-90.0, pivot=(289.0, 110.0),
                ),
            ),
        ),
    )


def _canonical(svg: str) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    return etree.tostring(etree.fromstring(svg.encode(), parser), method="c14n")


def test_writer_matches_golden_file():
    out = write_svg(_scene())
    golden = GOLDEN / "writer_basic-after.svg"
    assert _canonical(out) == _canonical(golden.read_text())


def test_writer_output_is_inkscape_ready_and_renders():
    svg = write_svg(_scene())
    root = etree.fromstring(svg.encode())
    assert root.get("viewBox") == "0 0 320 200"
    layers = root.findall("svg:g[@inkscape:groupmode='layer']", NS)
    assert [g.get(f"{{{INKSCAPE_NS}}}label") for g in layers] == ["Background", "Drawing", "Text"]
    for node in root.iter(f"{{{SVG_NS}}}text", f"{{{SVG_NS}}}path", f"{{{SVG_NS}}}rect"):
        assert node.get("id") and node.get(f"{{{INKSCAPE_NS}}}label")
    texts = root.findall(".//svg:text", NS)
    assert ["".join(t.itertext()) for t in texts] == ["ImageEncoder", "Loss & <value>"]
    assert [len(t.findall("svg:tspan", NS)) for t in texts] == [2, 1]
    assert texts[1].get("transform") == "rotate(-90 289 110)"
    assert not root.findall(".//svg:foreignObject", NS)
    png = cairosvg.svg2png(bytestring=svg.encode())
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert rgb.shape == (200, 320, 3)
    assert tuple(rgb[30, 30]) == (0xDB, 0xE9, 0xFF)  # the traced box is drawn
    assert (rgb[40:86, 60:160] < 80).all(axis=2).any()  # and the label on it


def test_writer_refuses_kinds_it_cannot_draw():
    scene = Scene((10, 10), elements=(Element(id="group-0001", kind=Kind.GROUP, box=Box(0, 0, 5, 5)),))
    with pytest.raises(NotImplementedError, match="group"):
        write_svg(scene)


@pytest.mark.parametrize("kind", [Kind.ICON, Kind.SHAPE, Kind.CONNECTOR])
def test_writer_refuses_elements_without_their_content(kind):
    scene = Scene((10, 10), elements=(Element(id=f"{kind.value}-0001", kind=kind, box=Box(0, 0, 5, 5)),))
    with pytest.raises(ValueError, match=kind.value):
        write_svg(scene)


def _pixel_png(rgb: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (4, 4), rgb + (255,)).save(buf, format="PNG")
    return buf.getvalue()


def grounded_scene() -> Scene:
    """Shapes (a container with a box and its label inside, an ellipse, a diamond, a
    cylinder), connectors glued to them (straight with a head, orthogonal dashed with
    two heads), and a picture."""
    from crafteditor.model.scene import ConnectorContent, ImageContent, ShapeContent

    sans = ("Liberation Sans", "Arial", "sans-serif")
    box = Box(40, 60, 160, 120)
    return Scene(
        image_wh=(480, 300),
        elements=(
            Element(id="shape-0001", kind=Kind.SHAPE, box=Box(20, 20, 300, 280), label="container dashed rounded rect",
                    style=Style(stroke="#7f7f7f", stroke_width_px=1.5, dash_px=(8.0, 5.0)),
                    shape=ShapeContent("rounded_rect", radius_px=8.0)),
            Element(id="shape-0002", kind=Kind.SHAPE, box=box, parent_id="shape-0001", label="rect",
                    style=Style(fill="#dbe9f6", stroke="#2f5597", stroke_width_px=2.0), shape=ShapeContent("rect")),
            Element(id="shape-0003", kind=Kind.SHAPE, box=Box(200, 60, 280, 120), parent_id="shape-0001",
                    label="ellipse", style=Style(fill="#fde2c8", stroke="#c55a11", stroke_width_px=2.0),
                    shape=ShapeContent("ellipse")),
            Element(id="shape-0004", kind=Kind.SHAPE, box=Box(60, 180, 140, 260), parent_id="shape-0001",
                    label="diamond", style=Style(fill="#e2f0d9", stroke="#548235", stroke_width_px=2.0),
                    shape=ShapeContent("diamond", points=((100, 180), (140, 220), (100, 260), (60, 220)))),
            Element(id="shape-0005", kind=Kind.SHAPE, box=Box(360, 40, 440, 140), label="cylinder",
                    style=Style(fill="#f7f7f7", stroke="#7030a0", stroke_width_px=2.0),
                    shape=ShapeContent("cylinder", radius_px=10.0,
                                       d="M360,50 A40,10 0 0 1 440,50 L440,130 A40,10 0 0 1 360,130 Z "
                                         "M360,50 A40,10 0 0 0 440,50")),
            Element(id="connector-0001", kind=Kind.CONNECTOR, box=Box(160, 90, 200, 90), label="arrow",
                    style=Style(stroke="#333333", stroke_width_px=2.0),
                    connector=ConnectorContent(((160, 90), (200, 90)), "straight", head_end=True,
                                               head_length_px=12.0, head_width_px=12.0,
                                               source_id="shape-0002", target_id="shape-0003")),
            Element(id="connector-0002", kind=Kind.CONNECTOR, box=Box(100, 120, 100, 180), label="dashed arrow",
                    style=Style(stroke="#333333", stroke_width_px=2.0, dash_px=(6.0, 4.0)),
                    connector=ConnectorContent(((100, 120), (100, 150), (100, 180)), "orthogonal", head_start=True,
                                               head_end=True, head_length_px=12.0, head_width_px=12.0,
                                               source_id="shape-0002", target_id="shape-0004")),
            Element(id="icon-0001", kind=Kind.ICON, box=Box(360, 200, 420, 260), label="picture 60x60",
                    reason="40 distinct colours: a picture, kept as raster",
                    image=ImageContent(_pixel_png((200, 40, 40)))),
            Element(id="text-0001", kind=Kind.TEXT, box=Box(70, 80, 130, 98), parent_id="shape-0002",
                    style=Style(fill="#1a1a1a", font_size_px=16.0, font_family=sans), label="Encoder",
                    text=TextContent(lines=(TextLine("Encoder", Box(70, 80, 130, 98), 95.0),), anchor="middle",
                                     anchor_x=100.0)),
            Element(id="text-0002", kind=Kind.TEXT, box=Box(30, 284, 120, 298),
                    style=Style(fill="#404040", font_size_px=12.0, font_family=sans), label="caption",
                    text=TextContent(lines=(TextLine("Figure 1", Box(30, 284, 80, 298), 295.0),), anchor_x=30.0)),
        ),
    )


def test_grounded_scene_matches_golden_file():
    out = write_svg(grounded_scene())
    golden = GOLDEN / "writer_grounded-after.svg"
    assert _canonical(out) == _canonical(golden.read_text())


def test_grounded_scene_writes_primitives_markers_connections_groups_and_images():
    svg = write_svg(grounded_scene())
    root = etree.fromstring(svg.encode())
    layers = [g.get(f"{{{INKSCAPE_NS}}}label") for g in root.findall("svg:g", NS)]
    assert layers == ["Background", "Shapes", "Connectors", "Icons", "Text"]
    shapes = root.find("svg:g[@id='layer-shapes']", NS)
    assert [el.tag.split("}")[1] for el in shapes] == ["rect", "g", "ellipse", "polygon", "path"]
    group = shapes.find("svg:g", NS)  # the box and its label, together
    assert [el.get("id") for el in group] == ["shape-0002", "text-0001"]
    assert shapes.find("svg:rect[@id='shape-0001']", NS).get("stroke-dasharray") == "8 5"
    assert shapes.find("svg:rect[@id='shape-0001']", NS).get("rx") == "8"
    arrow = root.find(".//svg:path[@id='connector-0001']", NS)
    assert arrow.get(f"{{{INKSCAPE_NS}}}connection-start") == "#shape-0002"
    assert arrow.get(f"{{{INKSCAPE_NS}}}connection-end") == "#shape-0003"
    assert arrow.get("fill") == "none" and arrow.get("marker-end", "").startswith("url(#arrowhead-")
    marker = root.find(f".//svg:marker[@id='{arrow.get('marker-end')[5:-1]}']", NS)
    assert marker.get("markerWidth") == "12" and marker.get("markerUnits") == "userSpaceOnUse"
    dashed = root.find(".//svg:path[@id='connector-0002']", NS)
    assert dashed.get(f"{{{INKSCAPE_NS}}}connector-type") == "orthogonal" and dashed.get("marker-start")
    image = root.find(".//svg:image[@id='icon-0001']", NS)
    assert image.get("{http://www.w3.org/1999/xlink}href").startswith("data:image/png;base64,")
    assert image.find("svg:desc", NS).text.startswith("40 distinct colours")
    assert root.find("svg:g[@id='layer-text']", NS).find("svg:text", NS).get("id") == "text-0002"
    rgb = np.asarray(Image.open(io.BytesIO(cairosvg.svg2png(bytestring=svg.encode()))).convert("RGB"))
    assert tuple(rgb[230, 390]) == (200, 40, 40)  # the picture
    assert tuple(rgb[70, 60]) == (0xDB, 0xE9, 0xF6)  # the box's fill
    assert rgb[90, 196].max() < 120  # the arrowhead, just before the ellipse
