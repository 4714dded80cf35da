"""Scene to SVG: an Inkscape-friendly document in source pixels.

The document has a ``viewBox`` in source pixels, the inkscape and sodipodi
namespaces, one named layer per role (Background, Shapes, Drawing,
Connectors, Icons, Text), and a stable ``id`` and ``inkscape:label`` on every
element.  Text is always real ``<text>`` with a ``<tspan>`` per line (its sub- and
superscripts inner tspans with a ``baseline-shift`` and a smaller size): never
paths, never ``foreignObject``.  Shapes are ``<rect>``, ``<ellipse>``,
``<circle>`` and ``<polygon>`` (``<path>`` only for cylinders and free
outlines); a shape and the labels inside it form one group, containers below
their contents.  Connectors are paths with ``<marker>`` arrowheads sized like
the source and Inkscape connector attributes naming the shapes they join, so
they follow a moved shape in Inkscape.  Pictures are embedded PNG ``<image>``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from lxml import etree

from crafteditor.model.scene import Element, Kind, Scene, Style, TextRun

SVG_NS = "http://www.w3.org/2000/svg"
INKSCAPE_NS = "http://www.inkscape.org/namespaces/inkscape"
SODIPODI_NS = "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
XLINK_NS = "http://www.w3.org/1999/xlink"
NSMAP = {None: SVG_NS, "inkscape": INKSCAPE_NS, "sodipodi": SODIPODI_NS, "xlink": XLINK_NS}

INK = f"{{{INKSCAPE_NS}}}"
SODI = f"{{{SODIPODI_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# (layer id, layer label, element kinds drawn in it), lowest first
LAYERS: tuple[tuple[str, str, tuple[Kind, ...]], ...] = (
    ("layer-background", "Background", ()),
    ("layer-shapes", "Shapes", (Kind.SHAPE, Kind.GROUP)),
    ("layer-drawing", "Drawing", (Kind.TRACE,)),
    ("layer-connectors", "Connectors", (Kind.CONNECTOR,)),
    ("layer-icons", "Icons", (Kind.ICON,)),
    ("layer-text", "Text", (Kind.TEXT,)),
)


def _num(value: float) -> str:
    """Compact decimal: two places at most, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _family_attr(families: Iterable[str]) -> str:
    generic = {"serif", "sans-serif", "monospace", "cursive", "fantasy"}
    return ", ".join(f if f in generic or " " not in f else f"'{f}'" for f in families)


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{SVG_NS}}}{tag}")
    for key, value in attrs.items():
        node.set(key, value)
    return node


def _layer(root: etree._Element, layer_id: str, label: str) -> etree._Element:
    g = _sub(root, "g", id=layer_id)
    g.set(f"{INK}groupmode", "layer")
    g.set(f"{INK}label", label)
    return g


def _paint(node: etree._Element, style: Style) -> None:
    node.set("fill", style.fill or "none")
    if style.fill_rule != "nonzero":
        node.set("fill-rule", style.fill_rule)
    if style.stroke:
        node.set("stroke", style.stroke)
        if style.stroke_width_px:
            node.set("stroke-width", _num(style.stroke_width_px))
        if style.dash_px:
            node.set("stroke-dasharray", " ".join(_num(v) for v in style.dash_px))
    if style.opacity < 1.0:
        node.set("opacity", _num(style.opacity))


def _text(parent: etree._Element, el: Element) -> None:
    content = el.text
    if content is None or not content.lines:
        raise ValueError(f"text element {el.id} has no lines")
    style = el.style
    node = _sub(parent, "text", id=el.id)
    node.set(f"{INK}label", el.label or content.string.replace("\n", " "))
    node.set(XML_SPACE, "preserve")
    first = content.lines[0]
    node.set("x", _num(content.anchor_x))
    node.set("y", _num(first.baseline_y))
    if style.font_size_px:
        node.set("font-size", _num(style.font_size_px))
    if style.font_family:
        node.set("font-family", _family_attr(style.font_family))
    if style.font_weight != "normal":
        node.set("font-weight", style.font_weight)
    if style.font_style != "normal":
        node.set("font-style", style.font_style)
    node.set("fill", style.fill or "#000000")
    if content.anchor != "start":
        node.set("text-anchor", content.anchor)
    if len(content.lines) > 1 and style.font_size_px:
        steps = [b.baseline_y - a.baseline_y for a, b in zip(content.lines, content.lines[1:])]
        node.set("style", f"line-height:{_num(sum(steps) / len(steps) / style.font_size_px)}")
    if content.rotation_deg:
        px, py = content.pivot
        node.set("transform", f"rotate({_num(content.rotation_deg)} {_num(px)} {_num(py)})")
    for i, line in enumerate(content.lines):
        span = _sub(node, "tspan", id=f"{el.id}-line{i + 1}", x=_num(content.anchor_x), y=_num(line.baseline_y))
        span.set(f"{SODI}role", "line")
        if line.runs:
            if content.anchor != "start":  # see _runs: from its left edge, every renderer keeps the runs together
                span.set("x", _num(line.box.x0))
                span.set("text-anchor", "start")
            _runs(span, line.runs)
        else:
            span.text = line.text


# a sub- or superscript's size, of its line's: in em, which cairosvg reads as CSS does
# (it takes a percentage of the viewport instead)
SHIFTED_SIZE = "0.65em"


def _runs(span: etree._Element, runs: Iterable[TextRun]) -> None:
    """A line's runs in its tspan: shifted ones as inner tspans, the others as plain text.

    Inkscape and browsers anchor the line as one chunk.  cairosvg anchors each text node
    by itself (and ignores ``baseline-shift``): in a centred or end-anchored line it would
    draw a run apart from the text before it, so a line with runs starts at its ink's left
    edge instead."""
    last: etree._Element | None = None
    for run in runs:
        if run.shift is not None:
            last = _sub(span, "tspan", **{"baseline-shift": run.shift, "font-size": SHIFTED_SIZE})
            last.text = run.text
        elif last is None:
            span.text = (span.text or "") + run.text
        else:
            last.tail = (last.tail or "") + run.text


def _path(parent: etree._Element, el: Element) -> None:
    if el.path is None:
        raise ValueError(f"element {el.id} has no path data")
    node = _sub(parent, "path", id=el.id, d=el.path.d)
    node.set(f"{INK}label", el.label or el.id)
    _paint(node, el.style)


def _shape(parent: etree._Element, el: Element) -> None:
    shape = el.shape
    if shape is None:
        raise ValueError(f"shape element {el.id} has no geometry")
    b = el.box
    kind = shape.kind
    if kind in ("rect", "rounded_rect"):
        node = _sub(parent, "rect", id=el.id, x=_num(b.x0), y=_num(b.y0), width=_num(b.width), height=_num(b.height))
        if kind == "rounded_rect" and shape.radius_px > 0:
            node.set("rx", _num(shape.radius_px))
    elif kind == "circle":
        cx, cy = b.center
        node = _sub(parent, "circle", id=el.id, cx=_num(cx), cy=_num(cy), r=_num((b.width + b.height) / 4))
    elif kind == "ellipse":
        cx, cy = b.center
        node = _sub(parent, "ellipse", id=el.id, cx=_num(cx), cy=_num(cy), rx=_num(b.width / 2), ry=_num(b.height / 2))
    elif shape.points:
        node = _sub(parent, "polygon", id=el.id, points=" ".join(f"{_num(x)},{_num(y)}" for x, y in shape.points))
    elif shape.d:
        node = _sub(parent, "path", id=el.id, d=shape.d)
    else:
        raise ValueError(f"shape element {el.id} ({kind}) has neither points nor path data")
    node.set(f"{INK}label", el.label or kind)
    _paint(node, el.style)


class _Markers:
    """``<marker>`` heads, one per colour, size, end and shape, shared by connectors.

    Arrowheads and diamonds put their tip on the end point; dots, circles and bars
    are centred on it.  Outlined shapes (open arrow, circle, open diamond) are
    stroked as wide as their line and filled with the page, so the line stops at
    their outline."""

    def __init__(self, defs: etree._Element, page: str = "#ffffff") -> None:
        self._defs = defs
        self._page = page
        self._ids: dict[tuple, str] = {}

    def ref(self, colour: str, length_px: float, width_px: float, end: str, kind: str = "arrow",
            stroke_px: float = 1.0) -> str:
        key = (colour, round(length_px, 1), round(width_px, 1), end, kind, round(stroke_px, 1))
        if key not in self._ids:
            marker_id = f"arrowhead-{len(self._ids) + 1}" if kind == "arrow" else f"{kind}-{len(self._ids) + 1}"
            m = _sub(self._defs, "marker", id=marker_id, viewBox="0 0 10 10", refY="5",
                     markerUnits="userSpaceOnUse", orient="auto",
                     markerWidth=_num(max(key[1], 1.0)), markerHeight=_num(max(key[2], 1.0)))
            m.set(f"{INK}stockid", f"{kind.replace('_', ' ') if kind != 'arrow' else 'arrowhead'} {end}")
            if kind == "arrow":
                m.set("refX", "10" if end == "end" else "0")
                d = "M0,0 L10,5 L0,10 z" if end == "end" else "M10,0 L0,5 L10,10 z"
                _sub(m, "path", d=d, fill=colour, stroke="none")
            else:
                m.set("preserveAspectRatio", "none")
                self._shape(m, kind, end, colour, 10.0 * stroke_px / max(min(key[1], key[2]), 1.0))
            self._ids[key] = marker_id
        return f"url(#{self._ids[key]})"

    def _shape(self, m: etree._Element, kind: str, end: str, colour: str, stroke: float) -> None:
        at_end = end == "end"
        line = dict(fill=self._page, stroke=colour, **{"stroke-width": _num(stroke)})
        inset = stroke / 2
        if kind in ("dot", "circle", "bar"):
            m.set("refX", "5")
        else:
            m.set("refX", _num(10 - inset) if at_end else _num(inset))
        if kind == "dot":
            _sub(m, "circle", cx="5", cy="5", r="5", fill=colour, stroke="none")
        elif kind == "circle":
            _sub(m, "circle", cx="5", cy="5", r=_num(5 - inset), **line)
        elif kind == "bar":
            _sub(m, "rect", x="3.5", y="0", width="3", height="10", fill=colour, stroke="none")
        elif kind in ("diamond", "open_diamond"):
            d = f"M{_num(inset)},5 L5,{_num(inset)} L{_num(10 - inset)},5 L5,{_num(10 - inset)} z"
            _sub(m, "path", d=d, **(line if kind == "open_diamond" else dict(fill=colour, stroke="none")))
        else:  # open_arrow: a chevron
            d = "M0,0 L10,5 L0,10" if at_end else "M10,0 L0,5 L10,10"
            _sub(m, "path", d=d, fill="none", stroke=colour, **{"stroke-width": _num(stroke)})


def connector_d(points: tuple[tuple[float, float], ...], curved: bool) -> str:
    """Path data through ``points``: straight segments, or smooth cubic Beziers
    (Catmull-Rom tangents) for curves."""
    if not curved or len(points) < 3:
        return "M" + " L".join(f"{_num(x)},{_num(y)}" for x, y in points)
    out = [f"M{_num(points[0][0])},{_num(points[0][1])}"]
    for i in range(len(points) - 1):
        p0 = points[max(i - 1, 0)]
        p1, p2 = points[i], points[i + 1]
        p3 = points[min(i + 2, len(points) - 1)]
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        out.append(f"C{_num(c1[0])},{_num(c1[1])} {_num(c2[0])},{_num(c2[1])} {_num(p2[0])},{_num(p2[1])}")
    return " ".join(out)


def _connector(parent: etree._Element, el: Element, markers: _Markers) -> None:
    c = el.connector
    if c is None or len(c.points) < 2:
        raise ValueError(f"connector element {el.id} has fewer than two points")
    node = _sub(parent, "path", id=el.id, d=connector_d(c.points, c.routing == "curve"))
    node.set(f"{INK}label", el.label or "connector")
    _paint(node, dataclasses.replace(el.style, fill=None))
    colour = el.style.stroke or "#000000"
    stroke = el.style.stroke_width_px or 1.0
    for on, attr, end, kind in ((c.head_end, "marker-end", "end", c.end_mark),
                                (c.head_start, "marker-start", "start", c.start_mark)):
        if on:
            size = (c.dot_px, c.dot_px) if kind in ("dot", "circle") and c.dot_px > 0 else \
                (c.head_length_px, c.head_width_px)
            node.set(attr, markers.ref(colour, size[0], size[1], end, kind, stroke))
    node.set(f"{INK}connector-type", "orthogonal" if c.routing == "orthogonal" else "polyline")
    node.set(f"{INK}connector-curvature", "0")
    if c.source_id:
        node.set(f"{INK}connection-start", f"#{c.source_id}")
    if c.target_id:
        node.set(f"{INK}connection-end", f"#{c.target_id}")


def _image(parent: etree._Element, el: Element) -> None:
    import base64

    if el.image is None:
        raise ValueError(f"icon element {el.id} has no image data")
    b = el.box
    node = _sub(parent, "image", id=el.id, x=_num(b.x0), y=_num(b.y0), width=_num(b.width), height=_num(b.height))
    node.set("preserveAspectRatio", "none")
    node.set(f"{{{XLINK_NS}}}href", "data:image/png;base64," + base64.b64encode(el.image.png).decode("ascii"))
    node.set(f"{INK}label", el.label or "picture")
    if el.reason:
        _sub(node, "desc").text = el.reason


_DRAW = {Kind.TEXT: _text, Kind.TRACE: _path, Kind.SHAPE: _shape, Kind.ICON: _image}


def _draw_layer(layer: etree._Element, members: list[Element], children: dict[str, list[Element]],
                markers: _Markers) -> None:
    """Draw ``members`` in order; a shape and the labels inside it (``children``,
    by shape id) form one group."""
    for el in members:
        if el.kind == Kind.CONNECTOR:
            _connector(layer, el, markers)
            continue
        draw = _DRAW.get(el.kind)
        if draw is None:
            raise NotImplementedError(f"no SVG drawer for {el.kind.value} elements yet")
        labels = children.get(el.id, []) if el.kind == Kind.SHAPE else []
        if labels:
            group = _sub(layer, "g", id=f"group-{el.id}")
            group.set(f"{INK}label", " / ".join(t.text.string.replace("\n", " ") for t in labels if t.text)[:60]
                      or el.label)
            draw(group, el)
            for t in labels:
                _text(group, t)
        else:
            draw(layer, el)


def write_svg(scene: Scene) -> str:
    """Serialise a scene.  Every element kind must have a drawer: none is dropped."""
    width, height = scene.image_wh
    root = etree.Element(f"{{{SVG_NS}}}svg", nsmap=NSMAP)
    root.set("version", "1.1")
    root.set("width", f"{width}px")
    root.set("height", f"{height}px")
    root.set("viewBox", f"0 0 {width} {height}")
    view = etree.SubElement(root, f"{SODI}namedview", id="namedview")
    view.set("pagecolor", scene.background)
    view.set(f"{INK}document-units", "px")
    defs = _sub(root, "defs", id="defs")
    markers = _Markers(defs, scene.background or "#ffffff")
    shape_ids = {e.id for e in scene.elements if e.kind == Kind.SHAPE}
    children: dict[str, list[Element]] = {}  # labels drawn with their shape, not in the Text layer
    for el in scene.elements:
        if el.kind == Kind.TEXT and el.parent_id in shape_ids:
            children.setdefault(el.parent_id, []).append(el)

    for layer_id, label, kinds in LAYERS:
        if layer_id == "layer-background":
            layer = _layer(root, layer_id, label)
            layer.set(f"{SODI}insensitive", "true")
            rect = _sub(layer, "rect", id="background", x="0", y="0", width=str(width), height=str(height))
            rect.set("fill", scene.background)
            rect.set(f"{INK}label", "Background colour")
            continue
        members = [e for e in scene.elements
                   if e.kind in kinds and not (e.kind == Kind.TEXT and e.parent_id in shape_ids)]
        if not members:
            continue
        _draw_layer(_layer(root, layer_id, label), members, children, markers)
    if not len(defs):
        root.remove(defs)
    texts = list(root.iter(f"{{{SVG_NS}}}text"))
    # the runs inside lines, as written: indenting would add spaces between them
    runs = [(n, n.text, n.tail if n.getparent() is not text else None)
            for text in texts for span in text if len(span) for n in span.iter()]
    etree.indent(root, space="  ")
    for text in texts:
        # xml:space="preserve": indentation inside a label would be drawn as spaces.
        text.text = None
        for span in text:
            span.tail = None
    for node, inner, tail in runs:
        node.text, node.tail = inner, tail
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8") + "\n"
