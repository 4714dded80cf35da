"""Edits of an SVG document for scoring: drop text, the Text layer, or images.

XML is parsed with entity resolution and network access off.
"""

from __future__ import annotations

from typing import Any

from checkers.render import SvgRenderError
from crafteditor.model.xml import hardened_parser

_INKSCAPE = "http://www.inkscape.org/namespaces/inkscape"


def _parse_xml(svg: bytes) -> Any:
    from lxml import etree

    parser = hardened_parser(huge_tree=True)
    try:
        return etree.fromstring(svg, parser)
    except etree.XMLSyntaxError as exc:
        raise SvgRenderError(f"not well-formed XML: {exc}") from exc


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _remove(elements: list[Any]) -> None:
    for el in elements:
        parent = el.getparent()
        if parent is not None:
            # keep the tail text of the removed element in the document
            if el.tail and el.tail.strip():
                prev = el.getprevious()
                if prev is not None:
                    prev.tail = (prev.tail or "") + el.tail
                else:
                    parent.text = (parent.text or "") + el.tail
            parent.remove(el)


def strip_text(svg: bytes) -> bytes:
    """The document with every ``<text>`` element removed."""
    from lxml import etree

    root = _parse_xml(svg)
    _remove([el for el in root.iter() if _local(el.tag) == "text"])
    return etree.tostring(root)


def text_layers(root: Any) -> list[Any]:
    """Inkscape layers labelled "Text" (case-insensitive)."""
    return [
        el
        for el in root.iter()
        if _local(el.tag) == "g"
        and el.get(f"{{{_INKSCAPE}}}groupmode") == "layer"
        and str(el.get(f"{{{_INKSCAPE}}}label", "")).strip().lower() == "text"
    ]


def _in_shape_group(text: Any) -> bool:
    parent = text.getparent()
    if parent is None or _local(parent.tag) != "g" or parent.get(f"{{{_INKSCAPE}}}groupmode") == "layer":
        return False
    return any(_local(sib.tag) in ("rect", "ellipse", "circle", "polygon", "path") for sib in parent)


def strip_text_layer(svg: bytes) -> tuple[bytes, bool]:
    """Remove the Inkscape "Text" layer(s) and the labels grouped with a shape
    (a ``<g>`` that is not a layer holding a ``<text>`` beside other drawing);
    without a Text layer, remove every ``<text>``.

    Returns the document and whether a Text layer was found.
    """
    from lxml import etree

    root = _parse_xml(svg)
    layers = text_layers(root)
    if layers:
        _remove(layers)
        grouped = [el for el in root.iter() if _local(el.tag) == "text" and _in_shape_group(el)]
        _remove(grouped)
    else:
        _remove([el for el in root.iter() if _local(el.tag) == "text"])
    return etree.tostring(root), bool(layers)


def strip_images(svg: bytes) -> bytes:
    """The document with every ``<image>`` element removed."""
    from lxml import etree

    root = _parse_xml(svg)
    _remove([el for el in root.iter() if _local(el.tag) == "image"])
    return etree.tostring(root)
