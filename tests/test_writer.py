import io
from pathlib import Path

import cairosvg
import numpy as np
import pytest
from lxml import etree
from PIL import Image

from composition.writer import INKSCAPE_NS, SVG_NS, write_svg
from crafteditor.scene import (
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
