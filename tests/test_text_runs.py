"""Sub- and superscripts: a line's runs are written as shifted ``<tspan>``s, read back by items,
and exported as ``<sub>``/``<sup>`` to draw.io and as offset runs to PowerPoint."""

from __future__ import annotations

import html
import io

import numpy as np
import pytest
from lxml import etree

from composition.writer import SVG_NS, write_svg
from crafteditor.export import ExportOptions
from crafteditor.export.drawio import to_drawio
from crafteditor.export.pptx import to_pptx
from crafteditor.svg.items import items
from crafteditor.model.scene import Box, Element, Kind, Scene, Style, TextContent, TextLine, TextRun
from crafteditor.svg.doc import SvgDocument

LINES = (
    ("x0 and Ti+1", (TextRun("x"), TextRun("0", "sub"), TextRun(" and T"), TextRun("i+1", "sub"))),
    ("E=mc2", (TextRun("E=mc"), TextRun("2", "super"))),
    ("plain line", ()),
    ("2n", (TextRun("2"), TextRun("n", "super"))),
)


def _scene(lines=LINES) -> Scene:
    content = TextContent(tuple(TextLine(text, Box(10, 10 + 30 * i, 120, 30 + 30 * i), 26 + 30 * i, runs=runs)
                                for i, (text, runs) in enumerate(lines)), anchor_x=10)
    return Scene((200, 140), elements=(Element("text-0001", Kind.TEXT, Box(10, 10, 120, 130),
                                               style=Style(font_size_px=16.0), text=content),))


def _text_item(svg: str):
    return next(it for it in items(SvgDocument.from_bytes(svg.encode())) if it.kind == "text")


def test_runs_are_written_as_shifted_smaller_tspans_without_added_spaces():
    svg = write_svg(_scene())
    root = etree.fromstring(svg.encode())
    spans = root.findall(f".//{{{SVG_NS}}}text/{{{SVG_NS}}}tspan")
    assert [("".join(s.itertext())) for s in spans] == [text for text, _runs in LINES]
    inner = spans[0].findall(f"{{{SVG_NS}}}tspan")
    assert [(t.text, t.get("baseline-shift"), t.get("font-size")) for t in inner] == [
        ("0", "sub", "0.65em"), ("i+1", "sub", "0.65em")]
    assert spans[0].text == "x" and inner[0].tail == " and T" and inner[1].tail is None
    assert spans[1].find(f"{{{SVG_NS}}}tspan").get("baseline-shift") == "super"
    assert len(spans[2]) == 0 and spans[2].text == "plain line"


def test_lines_without_runs_are_written_as_before():
    plain = tuple((text, ()) for text, _runs in LINES)
    svg = write_svg(_scene(plain))
    assert "baseline-shift" not in svg
    assert ">x0 and Ti+1</tspan><tspan" in svg


def test_items_read_the_runs_back():
    it = _text_item(write_svg(_scene()))
    assert it.text == "\n".join(text for text, _runs in LINES)
    assert it.runs == tuple(runs for _text, runs in LINES)


@pytest.mark.parametrize("span, text, runs", [
    ('<tspan style="baseline-shift:-30%">i</tspan>', "x i", (TextRun("x "), TextRun("i", "sub"))),
    ('<tspan baseline-shift="4px">2</tspan>', "x 2", (TextRun("x "), TextRun("2", "super"))),
    ('<tspan baseline-shift="baseline">y</tspan>', "x y", ()),
])
def test_items_read_shifts_other_tools_write(span, text, runs):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40">'
           f'<text id="t" x="5" y="20">x {span}</text></svg>')
    it = _text_item(svg)
    assert it.text == text and it.runs == ((runs,) if runs else ())


def test_runs_must_join_to_their_line():
    with pytest.raises(ValueError, match="join"):
        TextLine("x0", Box(0, 0, 10, 10), 8, runs=(TextRun("x"), TextRun("1", "sub")))
    with pytest.raises(ValueError, match="shift"):
        TextRun("1", "low")


def test_drawio_labels_use_sub_and_sup():
    out = to_drawio(SvgDocument.from_bytes(write_svg(_scene()).encode()), ExportOptions())
    root = etree.fromstring(out.data, etree.XMLParser(resolve_entities=False, no_network=True))
    cell = next(c for c in root.iter("mxCell") if "sub" in (c.get("value") or ""))
    assert cell.get("value") == "x<sub>0</sub> and T<sub>i+1</sub><br>E=mc<sup>2</sup><br>plain line<br>2<sup>n</sup>"
    assert "html=1" in cell.get("style")


def test_drawio_escapes_the_text_of_runs():
    lines = (("a<b>1", (TextRun("a<b>"), TextRun("1", "sub"))),)
    out = to_drawio(SvgDocument.from_bytes(write_svg(_scene(lines)).encode()), ExportOptions())
    root = etree.fromstring(out.data, etree.XMLParser(resolve_entities=False, no_network=True))
    values = [c.get("value") for c in root.iter("mxCell") if c.get("value")]
    assert f"{html.escape('a<b>')}<sub>1</sub>" in values


def test_pptx_runs_are_offset_by_powerpoint_sub_and_superscript_baselines():
    from pptx import Presentation

    deck = Presentation(io.BytesIO(to_pptx(SvgDocument.from_bytes(write_svg(_scene()).encode()),
                                           ExportOptions()).data))
    box = next(s for s in deck.slides[0].shapes if s.name == "text-0001")
    got = [[(r.text, r._r.rPr.get("baseline")) for r in p.runs] for p in box.text_frame.paragraphs]
    assert got == [[("x", None), ("0", "-25000"), (" and T", None), ("i+1", "-25000")],
                   [("E=mc", None), ("2", "30000")], [("plain line", None)], [("2", None), ("n", "30000")]]
    sizes = {r.font.size for p in box.text_frame.paragraphs for r in p.runs}
    assert len(sizes) == 1  # PowerPoint shrinks offset runs itself


def test_written_runs_render_smaller_in_cairosvg():
    import cairosvg
    from PIL import Image

    def glyph_heights(lines) -> list[int]:
        """Heights of the inked column groups of the rendering, left to right."""
        png = cairosvg.svg2png(bytestring=write_svg(_scene(lines)).encode())
        ink = np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 128
        cols = ink.any(axis=0)
        edges = np.flatnonzero(np.diff(np.r_[0, cols.astype(int), 0]))
        return [int(np.ptp(np.flatnonzero(ink[:, a:b].any(axis=1)))) + 1 for a, b in zip(edges[::2], edges[1::2])]

    plain = glyph_heights((("x0", ()),))
    sub = glyph_heights((("x0", (TextRun("x"), TextRun("0", "sub"))),))
    assert len(plain) == len(sub) == 2 and sub[0] == plain[0]
    assert 0.5 * plain[1] <= sub[1] <= 0.8 * plain[1]  # the digit at about 0.65 of its size


def test_a_new_font_size_leaves_runs_sized_relative_to_their_line():
    from crafteditor.svg.edit import Operation, Selector, Step, edit_svg

    out, _report = edit_svg(write_svg(_scene()).encode(),
                            [Step((Selector.parse("id:text-0001"),), (Operation("font_size", 24.0),), False)])
    root = etree.fromstring(out)
    text = root.find(f".//{{{SVG_NS}}}text")
    assert text.get("font-size") == "24" or "font-size:24" in (text.get("style") or "")
    inner = root.findall(f".//{{{SVG_NS}}}tspan/{{{SVG_NS}}}tspan")
    assert inner and all(t.get("font-size") == "0.65em" for t in inner)
    assert _text_item(out.decode()).runs == tuple(runs for _text, runs in LINES)


def test_a_centred_line_with_runs_renders_as_one_run_of_ink_inside_its_box():
    """cairosvg anchors every text node of a centred line by itself; a line with runs is
    written from its ink's left edge so the runs stay together where the source had them."""
    import cairosvg
    from PIL import Image

    line = TextLine("x0 and Ti+1", Box(40, 10, 150, 32), 28,
                    runs=(TextRun("x"), TextRun("0", "sub"), TextRun(" and T"), TextRun("i+1", "sub")))
    content = TextContent((line,), anchor="middle", anchor_x=95)
    scene = Scene((200, 44), elements=(Element("text-0001", Kind.TEXT, Box(40, 10, 150, 32),
                                               style=Style(font_size_px=18.0), text=content),))
    svg = write_svg(scene)
    span = etree.fromstring(svg.encode()).find(f".//{{{SVG_NS}}}text/{{{SVG_NS}}}tspan")
    assert span.get("text-anchor") == "start" and float(span.get("x")) == 40
    ink = np.asarray(Image.open(io.BytesIO(cairosvg.svg2png(bytestring=svg.encode()))).convert("L")) < 128
    cols = np.flatnonzero(ink.any(axis=0))
    gaps = np.diff(cols)
    assert cols[0] >= 38 and cols[-1] <= 160
    assert gaps.max() < 12  # no run drawn apart from the text before it
    assert _text_item(svg).runs == (line.runs,)
