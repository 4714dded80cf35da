"""draw.io export: an ``SvgDocument`` as an uncompressed mxGraph file (``.drawio``).

Inkscape layers become draw.io layers, groups are flattened.  Shapes become
vertices (rectangle, rounded rectangle, ellipse, rhombus, parallelogram); polygons, closed
paths and traced drawing become vertices showing a small SVG of themselves
(still vector).  Text becomes the value of the shape it labels, or a text cell;
connectors and lines become edges joined to their shapes' cells; embedded
images become image cells.  Coordinates are root user units shifted so the
viewBox origin is 0,0; cell ids are the SVG ids (made unique), so round trips
can be checked.  ``<use>``, external images and elements without extent are
left out, each with a warning.
"""

from __future__ import annotations

import base64
import html
from itertools import pairwise
from pathlib import Path

from lxml import etree

from crafteditor.export import Exported, ExportOptions, external_warnings
from crafteditor.model.kinds import ShapeKind
from crafteditor.model.scene import Box, TextRun
from crafteditor.svg.doc import SVG_NS, SvgDocument, decode_data_url
from crafteditor.svg.items import Item, Paint, Point, items, label_owners

DEFAULT_LAYER = "1"
SHAPE_STYLES = {ShapeKind.RECT: "rounded=0", ShapeKind.ELLIPSE: "ellipse", ShapeKind.CIRCLE: "ellipse",
                ShapeKind.DIAMOND: "rhombus"}
# marker kinds (scene.MARK_KINDS) as draw.io edge ends: the arrow style and whether it is filled
ARROWS = {"arrow": ("block", True), "open_arrow": ("open", False), "dot": ("oval", True),
          "circle": ("oval", False), "diamond": ("diamond", True), "open_diamond": ("diamond", False),
          "bar": ("dash", True)}
ALIGN = {"start": "left", "middle": "center", "end": "right"}
MODEL_FLAGS = {"grid": "0", "guides": "1", "connect": "1", "arrows": "1", "page": "1", "pageScale": "1", "math": "0"}


def _num(value: float) -> str:
    """Compact decimal: two places at most, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _style(*flags: str, **values: str | None) -> str:
    """A draw.io style: bare ``flags``, then ``key=value`` pairs (None left out; ';' cannot be in a value)."""
    pairs = [*flags, *(f"{key}={value.replace(';', ',')}" for key, value in values.items() if value is not None)]
    return "".join(f"{pair};" for pair in pairs)


def _stroke(paint: Paint) -> dict[str, str | None]:
    dashed = bool(paint.dash and paint.stroke)
    return {"strokeColor": paint.stroke or "none",
            "strokeWidth": _num(paint.stroke_width or 1.0) if paint.stroke else None,
            "dashed": "1" if dashed else None, "fixDash": "1" if dashed else None,  # dash lengths in px
            "dashPattern": " ".join(_num(v) for v in paint.dash) if dashed else None,
            "opacity": _num(paint.opacity * 100) if paint.opacity < 1 else None}


def _font(paint: Paint) -> dict[str, str | None]:
    return {"fontSize": _num(paint.font_size or 16.0), "fontColor": paint.fill or "#000000",
            "fontFamily": paint.family or None, "fontStyle": "1" if paint.bold else None}


def _line_html(line: str, runs: tuple[TextRun, ...]) -> str:
    """One line as HTML: escaped, its sub- and superscript runs in ``<sub>``/``<sup>``."""
    if not runs:
        return html.escape(line)
    tags = {"sub": "sub", "super": "sup"}
    return "".join(f"<{tags[r.shift]}>{html.escape(r.text)}</{tags[r.shift]}>" if r.shift else html.escape(r.text)
                   for r in runs)


def _value(texts: list[Item]) -> str:
    """HTML for an ``html=1`` cell: every line escaped (sub- and superscripts in ``<sub>``/``<sup>``),
    lines joined with ``<br>``.  The cell's
    style carries the first label's font; a later label in another font gets its own span."""
    first = _font(texts[0].paint) if texts else {}
    out = []
    for text in texts:
        lines = "<br>".join(_line_html(line, text.runs[i] if text.runs else ())
                            for i, line in enumerate(text.text.split("\n")))
        font = _font(text.paint)
        if font != first:
            css = (f"font-size:{font['fontSize']}px;color:{font['fontColor']};"
                   f"font-weight:{'bold' if font['fontStyle'] else 'normal'}"
                   + (f";font-family:{html.escape(font['fontFamily'])}" if font["fontFamily"] else ""))
            lines = f'<span style="{css}">{lines}</span>'
        out.append(lines)
    return "<br>".join(out)


class _Diagram:
    """The ``<root>`` of an mxGraphModel being filled: unique cell ids and the cell of each SVG id."""

    def __init__(self, root: etree._Element, origin_xy: Point) -> None:
        self.root = root
        self.origin_xy = origin_xy
        self.taken = {"0", DEFAULT_LAYER}
        self.cell_of: dict[str, str] = {}

    def cell(self, svg_id: str, parent: str, value: str, style: str = "", **flags: str) -> etree._Element:
        cell_id, n = svg_id, 1
        while cell_id in self.taken:
            n += 1
            cell_id = f"{svg_id}-{n}"
        self.taken.add(cell_id)
        self.cell_of[svg_id] = cell_id
        styled = {"style": style} if style else {}
        return etree.SubElement(self.root, "mxCell", id=cell_id, value=value, **styled, parent=parent, **flags)

    def vertex(self, item: Item, parent: str, value: str, style: str, box: Box) -> None:
        ox, oy = self.origin_xy
        cell = self.cell(item.id, parent, value, style, vertex="1")
        etree.SubElement(cell, "mxGeometry", x=_num(box.x0 - ox), y=_num(box.y0 - oy), width=_num(box.width),
                         height=_num(box.height), attrib={"as": "geometry"})

    def point(self, parent: etree._Element, xy: Point, role: str | None = None) -> None:
        x, y = xy[0] - self.origin_xy[0], xy[1] - self.origin_xy[1]
        etree.SubElement(parent, "mxPoint", x=_num(x), y=_num(y), attrib={"as": role} if role else {})


def _layer_of(item: Item, by_id: dict[str, Item], layers: dict[str, str]) -> str:
    """The cell id of the draw.io layer ``item`` goes in (its nearest Inkscape layer)."""
    at = item.parent_id
    while at is not None and at in by_id:
        if by_id[at].kind == "layer":
            return layers[at]
        at = by_id[at].parent_id
    by_label = {by_id[layer_id].label or layer_id: cell for layer_id, cell in reversed(layers.items())}
    return by_label.get(item.layer, DEFAULT_LAYER) if item.layer is not None else DEFAULT_LAYER


def _fill_rule(el: etree._Element | None) -> str:
    """The fill rule ``el`` is drawn with (its own, or inherited from a group)."""
    for node in [el, *el.iterancestors()] if el is not None else []:
        declared = dict(p.split(":", 1) for p in (node.get("style") or "").split(";") if ":" in p)
        rule = node.get("fill-rule") or declared.get("fill-rule")
        if rule:
            return rule.strip()
    return "nonzero"


def _svg_image(item: Item, fill_rule: str) -> tuple[str, Box] | None:
    """A data URL (draw.io's ``data:<type>,<base64>``) of a standalone SVG of ``item``, and its box."""
    d = item.path_d or ("M" + " L".join(f"{_num(x)},{_num(y)}" for x, y in item.points) + " Z" if item.points else "")
    if not d:
        return None
    p = item.paint
    box = item.box.expand(max(p.stroke_width / 2 if p.stroke else 0.0, 0.5))
    svg = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS}, width=_num(box.width), height=_num(box.height),
                        viewBox=" ".join(_num(v) for v in (box.x0, box.y0, box.width, box.height)),
                        preserveAspectRatio="none")
    optional = {"stroke-width": _num(p.stroke_width) if p.stroke else None,
                "stroke-dasharray": " ".join(_num(v) for v in p.dash) if p.stroke and p.dash else None,
                "opacity": _num(p.opacity) if p.opacity < 1 else None}
    etree.SubElement(svg, f"{{{SVG_NS}}}path", d=d, fill=p.fill or "none", stroke=p.stroke or "none",
                     attrib={"fill-rule": fill_rule, **{k: v for k, v in optional.items() if v is not None}})
    return "data:image/svg+xml," + base64.b64encode(etree.tostring(svg)).decode("ascii"), box


def _image_url(href: str) -> str | None:
    """An embedded ``data:`` URL as draw.io keeps it in a style (``data:<type>,<base64>``), or None."""
    decoded = decode_data_url(href)
    if decoded is None:
        return None
    mime, raw = decoded
    return f"data:{mime if mime != 'text/plain' else 'image/png'},{base64.b64encode(raw).decode('ascii')}"


def _add_shape(diagram: _Diagram, item: Item, parent: str, labels: list[Item], fill_rule: str) -> str | None:
    """Add a shape, closed path or traced path as a vertex; a warning when it cannot be."""
    text = {**_font(labels[0].paint), "whiteSpace": "wrap", "html": "1"} if labels else {"html": "1"}
    upright = item.upright
    if item.geometry in (*SHAPE_STYLES, ShapeKind.ROUNDED_RECT, ShapeKind.PARALLELOGRAM) and (
            upright or item.geometry != ShapeKind.RECT):
        flags = _vertex_flags(item)
        style = _style(*flags, fillColor=item.paint.fill or "none", **_stroke(item.paint), **text)
        diagram.vertex(item, parent, _value(labels), style, item.box)
        return None if upright else f"{item.id} is rotated: drawn upright in its bounding box"
    image = _svg_image(item, fill_rule)  # polygons, free paths and rotated rectangles
    if image is None:
        return f"{item.id} has no outline to draw and is left out"
    url, box = image
    style = _style("shape=image", imageAspect="0", image=url, strokeColor="none", fillColor="none", **text)
    diagram.vertex(item, parent, _value(labels), style, box)
    return None


def _vertex_flags(item: Item) -> tuple[str, ...]:
    """The draw.io style flags of a shape drawn as one of its own vertices."""
    if item.geometry == ShapeKind.ROUNDED_RECT:
        return ("rounded=1", "absoluteArcSize=1", f"arcSize={_num(item.radius * 2)}")
    if item.geometry == ShapeKind.PARALLELOGRAM:  # draw.io's leans right: its top edge shifted by ``size``
        return ("shape=parallelogram", "perimeter=parallelogramPerimeter", "fixedSize=1",
                f"size={_num(abs(item.skew))}") + (("flipH=1",) if item.skew < 0 else ())
    return (SHAPE_STYLES[item.geometry],)


def _add_text(diagram: _Diagram, item: Item, parent: str) -> None:
    style = _style("text", html="1", strokeColor="none", fillColor="none", align=ALIGN.get(item.paint.anchor, "left"),
                   verticalAlign="middle", whiteSpace="nowrap", spacing="0", **_font(item.paint))
    diagram.vertex(item, parent, _value([item]), style, item.box)


def _add_image(diagram: _Diagram, item: Item, parent: str) -> str | None:
    """Add an embedded image; external ones are left out (``external_warnings`` names them)."""
    href = item.href or ""
    url = _image_url(href)
    if url is None:  # an external reference is named by external_warnings
        return None if href and not href.startswith("data:") else f"{item.id} has no readable image data: left out"
    diagram.vertex(item, parent, "", _style("shape=image", imageAspect="0", image=url, html="1"), item.box)
    return None


def _terminal(side: str, box: Box, xy: Point) -> dict[str, str]:
    """Where an edge leaves or enters its shape, as draw.io's fractions of the shape's box."""
    fx = (xy[0] - box.x0) / box.width if box.width else 0.5
    fy = (xy[1] - box.y0) / box.height if box.height else 0.5
    return {f"{side}X": f"{min(max(fx, 0.0), 1.0):.3f}", f"{side}Y": f"{min(max(fy, 0.0), 1.0):.3f}"}


def _arrow(side: str, mark: str) -> dict[str, str | None]:
    """draw.io's ``<side>Arrow``/``<side>Fill`` for a marker kind ("" for none)."""
    if not mark:
        return {f"{side}Arrow": "none", f"{side}Fill": None}
    shape, filled = ARROWS.get(mark, ARROWS["arrow"])
    return {f"{side}Arrow": shape, f"{side}Fill": "1" if filled else "0"}


def _add_edge(diagram: _Diagram, item: Item, parent: str, by_id: dict[str, Item], curved: bool) -> str | None:
    """Add a connector or line as an edge through its points (a smooth curve through them when the
    SVG path bends in curves); a warning when it cannot be."""
    pts = [p for i, p in enumerate(item.points) if i == 0 or p != item.points[i - 1]]
    if len(pts) < 2:
        return f"{item.id} has fewer than two points and is left out"
    flags, style = {"edge": "1"}, {}
    ends = (("source", "exit", item.source_id, pts[0]), ("target", "entry", item.target_id, pts[-1]))
    for key, side, ref, xy in ends:
        if ref in diagram.cell_of and by_id[ref].box is not None:
            flags[key] = diagram.cell_of[ref]
            style.update(_terminal(side, by_id[ref].box, xy))
    square = len(pts) > 2 and all(abs(a[0] - b[0]) < 0.5 or abs(a[1] - b[1]) < 0.5 for a, b in pairwise(pts))
    arrows = {**_arrow("start", item.start_mark), **_arrow("end", item.end_mark)}
    routing = {"edgeStyle": "orthogonalEdgeStyle" if square and not curved else "none",
               "curved": "1" if curved else None}
    cell = diagram.cell(item.id, parent, "", _style(**routing, rounded="0", html="1", **arrows, **_stroke(item.paint),
                                                    **style), **flags)
    geometry = etree.SubElement(cell, "mxGeometry", relative="1", attrib={"as": "geometry"})
    diagram.point(geometry, pts[0], "sourcePoint")
    diagram.point(geometry, pts[-1], "targetPoint")
    if len(pts) > 2:
        waypoints = etree.SubElement(geometry, "Array", attrib={"as": "points"})
        for xy in pts[1:-1]:
            diagram.point(waypoints, xy)
    return None


def _add(diagram: _Diagram, it: Item, parent: str, labels: list[Item], el: etree._Element | None) -> str | None:
    """Add one vertex item (edges come after every vertex, so their ends exist); a warning or None."""
    if it.kind in ("connector", "line") or (it.kind == "text" and not it.text):  # edges later; empty text: nothing
        return None
    if it.kind == "use":
        return f"{it.id} is a <use> element, which draw.io cannot express: left out"
    if it.box is None or (it.kind != "text" and it.box.area <= 0 and it.kind != "path"):
        return f"{it.id} ({it.kind}) has no extent and is left out"
    if it.kind in ("shape", "path"):
        return _add_shape(diagram, it, parent, labels, _fill_rule(el))
    if it.kind == "text":
        return _add_text(diagram, it, parent)
    if it.kind == "image":
        return _add_image(diagram, it, parent)
    return f"{it.id} ({it.kind}) is not supported by the draw.io export: left out"


def _skeleton(doc: SvgDocument, width: float, height: float) -> tuple[etree._Element, etree._Element]:
    """The ``<mxfile>`` and the empty ``<root>`` of its one diagram (holding cell 0)."""
    mxfile = etree.Element("mxfile", host="crafteditor")
    name = Path(doc.name).stem if doc.name.lower().endswith(".svg") else "Page-1"
    diagram = etree.SubElement(mxfile, "diagram", name=name, id="page-1")
    model = etree.SubElement(diagram, "mxGraphModel", dx=_num(width), dy=_num(height), **MODEL_FLAGS,
                             pageWidth=_num(width), pageHeight=_num(height))
    root = etree.SubElement(model, "root")
    etree.SubElement(root, "mxCell", id="0")
    return mxfile, root


def to_drawio(doc: SvgDocument, options: ExportOptions) -> Exported:
    """``doc`` as an uncompressed draw.io file (``options``' scale and dpi do not apply to it)."""
    found = items(doc)
    by_id = {it.id: it for it in found}
    vx, vy, vw, vh = doc.viewbox()
    mxfile, root = _skeleton(doc, vw, vh)
    diagram = _Diagram(root, (vx, vy))
    layers = {it.id: diagram.cell(it.id, "0", it.label or it.id).get("id") for it in found if it.kind == "layer"}
    content = [it for it in found if it.kind not in ("layer", "group")]
    parents = {it.id: _layer_of(it, by_id, layers) for it in content}
    if not layers or DEFAULT_LAYER in parents.values():  # the bottom layer, for what is in no layer
        root.insert(1, etree.Element("mxCell", id=DEFAULT_LAYER, parent="0"))
    labels = label_owners(found, Box(vx, vy, vx + vw, vy + vh))
    labelled = {text.id for texts in labels.values() for text in texts}
    elements = {el.get("id"): el for el in doc.root.iter() if isinstance(el.tag, str) and el.get("id")}
    warnings = list(external_warnings(doc))
    for it in (it for it in content if it.id not in labelled):
        warnings.append(_add(diagram, it, parents[it.id], labels.get(it.id, []), elements.get(it.id)))
    for it in (it for it in content if it.kind in ("connector", "line")):
        curved = any(c in (elements[it.id].get("d") or "") for c in "CcSsQqTtAa")
        warnings.append(_add_edge(diagram, it, parents[it.id], by_id, curved))
    data = etree.tostring(mxfile, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return Exported(data, tuple(dict.fromkeys(w for w in warnings if w)))

