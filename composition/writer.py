"""Scene to SVG: an Inkscape-friendly document in source pixels.

The document has a ``viewBox`` in source pixels, the inkscape and sodipodi
namespaces, one named layer per role (Background, Drawing, Text), and a stable
``id`` and ``inkscape:label`` on every element.  Text is always real
``<text>`` with a ``<tspan>`` per line: never paths, never ``foreignObject``.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from crafteditor.scene import Element, Kind, Scene, Style

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
    ("layer-drawing", "Drawing", (Kind.TRACE, Kind.SHAPE, Kind.GROUP)),
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
        span.text = line.text


def _path(parent: etree._Element, el: Element) -> None:
    if el.path is None:
        raise ValueError(f"element {el.id} has no path data")
    node = _sub(parent, "path", id=el.id, d=el.path.d)
    node.set(f"{INK}label", el.label or el.id)
    _paint(node, el.style)


_DRAW = {Kind.TEXT: _text, Kind.TRACE: _path}


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

    for layer_id, label, kinds in LAYERS:
        if layer_id == "layer-background":
            layer = _layer(root, layer_id, label)
            layer.set(f"{SODI}insensitive", "true")
            rect = _sub(layer, "rect", id="background", x="0", y="0", width=str(width), height=str(height))
            rect.set("fill", scene.background)
            rect.set(f"{INK}label", "Background colour")
            continue
        members = [e for e in scene.elements if e.kind in kinds]
        if not members:
            continue
        layer = _layer(root, layer_id, label)
        for el in members:
            draw = _DRAW.get(el.kind)
            if draw is None:
                raise NotImplementedError(f"no SVG drawer for {el.kind.value} elements yet")
            draw(layer, el)
    etree.indent(root, space="  ")
    for text in root.iter(f"{{{SVG_NS}}}text"):
        # xml:space="preserve": indentation inside a label would be drawn as spaces.
        text.text = None
        for span in text:
            span.tail = None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8") + "\n"
