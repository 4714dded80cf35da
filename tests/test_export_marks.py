"""Connector end marks: the kind written by the converter or drawn by another tool is read into
``Item.start_mark``/``end_mark`` and exported as the matching draw.io and PowerPoint line ends."""

from __future__ import annotations

import io

import pytest
from lxml import etree

from composition.writer import write_svg
from crafteditor.export import ExportOptions
from crafteditor.export.drawio import to_drawio
from crafteditor.export.pptx import to_pptx
from crafteditor.svg.items import items
from crafteditor.model.scene import MARK_KINDS, Box, ConnectorContent, Element, Kind, Scene, Style
from crafteditor.svg.doc import SvgDocument

DRAWIO = {"arrow": ("block", "1"), "open_arrow": ("open", "0"), "dot": ("oval", "1"), "circle": ("oval", "0"),
          "diamond": ("diamond", "1"), "open_diamond": ("diamond", "0"), "bar": ("dash", "1")}
PPTX = {"arrow": "triangle", "open_arrow": "arrow", "dot": "oval", "circle": "oval", "diamond": "diamond",
        "open_diamond": "diamond", "bar": "diamond"}


def _written_svg() -> str:
    """One connector per kind, its end marked with the kind and its start with the next one."""
    elements = []
    for n, kind in enumerate(MARK_KINDS):
        start = MARK_KINDS[(n + 1) % len(MARK_KINDS)]
        y = 20 + 30 * n
        elements.append(Element(
            f"connector-{n:04d}", Kind.CONNECTOR, Box(20, y - 5, 200, y + 5),
            style=Style(stroke="#333333", stroke_width_px=2.0),
            connector=ConnectorContent(((20, y), (200, y)), head_start=True, head_end=True, head_length_px=10,
                                       head_width_px=8, start_mark=start, end_mark=kind)))
    return write_svg(Scene((240, 240), elements=tuple(elements)))


FOREIGN = '''<svg xmlns="http://www.w3.org/2000/svg" width="240" height="200" viewBox="0 0 240 200">
  <defs>
    <marker id="m1" orient="auto" viewBox="0 0 10 10" refX="10" refY="5"><path d="M0,0 L10,5 L0,10 z"/></marker>
    <marker id="m2" orient="auto" viewBox="0 0 10 10" refX="10" refY="5">
      <path d="M0,0 L10,5 L0,10" fill="none" stroke="black"/></marker>
    <marker id="m3" viewBox="0 0 10 10" refX="5" refY="5"><circle cx="5" cy="5" r="4" fill="#222"/></marker>
    <marker id="m4" viewBox="0 0 10 10" refX="5" refY="5">
      <circle cx="5" cy="5" r="4" fill="white" stroke="black"/></marker>
    <marker id="m5" orient="auto" viewBox="0 0 10 10" refX="10" refY="5">
      <polygon points="0,5 5,0 10,5 5,10" fill="navy"/></marker>
    <marker id="m6" orient="auto" viewBox="0 0 10 10" refX="10" refY="5">
      <polygon points="0,5 5,0 10,5 5,10" fill="none" stroke="navy"/></marker>
    <marker id="m7" orient="auto" viewBox="0 0 4 10" refX="2" refY="5">
      <rect x="1" y="0" width="2" height="10"/></marker>
    <marker id="m8" orient="auto" viewBox="-1 -1 2 2" refX="0" refY="0">
      <path d="M-1,0 A1,1 0 0 1 1,0 A1,1 0 0 1 -1,0 Z"/></marker>
    <marker id="m9" orient="auto" viewBox="0 0 10 10" refX="10" refY="5">
      <path d="M0,0 L10,5 L0,10 L3,5 z"/></marker>
  </defs>
  <path id="p1" d="M10,10 L200,10" stroke="black" marker-end="url(#m1)"/>
  <path id="p2" d="M10,30 L200,30" stroke="black" marker-end="url(#m2)"/>
  <path id="p3" d="M10,50 L200,50" stroke="black" marker-end="url(#m3)"/>
  <path id="p4" d="M10,70 L200,70" stroke="black" marker-end="url(#m4)"/>
  <path id="p5" d="M10,90 L200,90" stroke="black" marker-end="url(#m5)"/>
  <path id="p6" d="M10,110 L200,110" stroke="black" marker-end="url(#m6)"/>
  <path id="p7" d="M10,130 L200,130" stroke="black" style="marker-end:url(#m7)"/>
  <path id="p8" d="M10,150 L200,150" stroke="black" marker-end="url(#m8)"/>
  <line id="p9" x1="10" y1="170" x2="200" y2="170" stroke="black" marker-start="url(#m9)"/>
  <path id="p10" d="M10,190 L200,190" stroke="black" marker-start="none" marker-end="url(#nowhere)"/>
</svg>'''
FOREIGN_KINDS = {"p1": ("", "arrow"), "p2": ("", "open_arrow"), "p3": ("", "dot"), "p4": ("", "circle"),
                 "p5": ("", "diamond"), "p6": ("", "open_diamond"), "p7": ("", "bar"), "p8": ("", "dot"),
                 "p9": ("arrow", ""), "p10": ("", "arrow")}


def _connectors(svg: str) -> dict[str, object]:
    return {it.id: it for it in items(SvgDocument.from_bytes(svg.encode())) if it.kind in ("connector", "line")}


def test_items_read_the_kind_the_writer_gave_each_end():
    found = _connectors(_written_svg())
    for n, kind in enumerate(MARK_KINDS):
        it = found[f"connector-{n:04d}"]
        assert (it.start_mark, it.end_mark) == (MARK_KINDS[(n + 1) % len(MARK_KINDS)], kind)
        assert it.marker_start and it.marker_end


def test_items_read_plain_markers_of_other_svgs_by_their_shape():
    found = _connectors(FOREIGN)
    assert {i: (it.start_mark, it.end_mark) for i, it in found.items()} == FOREIGN_KINDS


@pytest.mark.parametrize("marker, kind", [
    ('<marker id="EmptyDiamondL" inkscape:stockid="EmptyDiamondL"><g/></marker>', "open_diamond"),
    ('<marker id="DotM"><g/></marker>', "dot"),
    ('<marker id="x" class="tee-end"><g/></marker>', "bar"),
    ('<marker id="mystery"><g/></marker>', "arrow"),  # a marker that says nothing draws an arrowhead
])
def test_markers_that_draw_nothing_readable_are_named_by_their_id_or_class(marker, kind):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
           f'width="100" height="20"><defs>{marker}</defs>'
           f'<path id="p" d="M0,10 L90,10" stroke="black" marker-end="url(#{marker.split(chr(34))[1]})"/></svg>')
    assert _connectors(svg)["p"].end_mark == kind


def _drawio_ends(svg: str) -> dict[str, dict[str, str]]:
    out = to_drawio(SvgDocument.from_bytes(svg.encode()), ExportOptions())
    root = etree.fromstring(out.data, etree.XMLParser(resolve_entities=False, no_network=True))
    ends = {}
    for cell in root.iterfind("diagram/mxGraphModel/root/mxCell[@edge='1']"):
        style = dict(p.partition("=")[::2] for p in cell.get("style").split(";") if p)
        ends[cell.get("id")] = style
    return ends


def test_drawio_edges_end_in_the_marks_they_had():
    ends = _drawio_ends(_written_svg())
    for n, kind in enumerate(MARK_KINDS):
        style = ends[f"connector-{n:04d}"]
        start = MARK_KINDS[(n + 1) % len(MARK_KINDS)]
        assert (style["endArrow"], style["endFill"]) == DRAWIO[kind]
        assert (style["startArrow"], style["startFill"]) == DRAWIO[start]


def test_drawio_edges_of_a_foreign_svg_end_in_its_marks():
    ends = _drawio_ends(FOREIGN)
    for cell_id, (start, end) in FOREIGN_KINDS.items():
        style = ends[cell_id]
        assert style["endArrow"] == (DRAWIO[end][0] if end else "none")
        assert style["startArrow"] == (DRAWIO[start][0] if start else "none")
        assert style.get("endFill") == (DRAWIO[end][1] if end else None)


def _pptx_ends(svg: str) -> dict[str, tuple[tuple[str, str, str] | None, tuple[str, str, str] | None]]:
    from pptx import Presentation
    from pptx.oxml.ns import qn

    deck = Presentation(io.BytesIO(to_pptx(SvgDocument.from_bytes(svg.encode()), ExportOptions()).data))
    out = {}
    for shape in deck.slides[0].shapes:
        ln = shape._element.spPr.find(qn("a:ln"))
        if ln is None:
            continue
        head, tail = ln.find(qn("a:headEnd")), ln.find(qn("a:tailEnd"))
        out[shape.name] = tuple(None if e is None else (e.get("type"), e.get("w"), e.get("len"))
                                for e in (head, tail))
    return out


def test_pptx_lines_end_in_the_nearest_line_ends():
    ends = _pptx_ends(_written_svg())
    for n, kind in enumerate(MARK_KINDS):
        head, tail = ends[f"connector-{n:04d}"]
        start = MARK_KINDS[(n + 1) % len(MARK_KINDS)]
        assert (head[0], tail[0]) == (PPTX[start], PPTX[kind])
        assert tail[2] == ("sm" if kind == "bar" else "lg")  # a bar: a flat diamond across the line


def test_pptx_lines_of_a_foreign_svg_end_in_its_marks():
    ends = _pptx_ends(FOREIGN)
    for cell_id, (start, end) in FOREIGN_KINDS.items():
        head, tail = ends[cell_id]
        assert (head and head[0], tail and tail[0]) == (PPTX.get(start), PPTX.get(end))
