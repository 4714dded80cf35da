"""SVG exports: ``inkscape`` (layers, labels, connectors and a namedview) and
``plain`` (standard SVG, every editor namespace removed)."""

from __future__ import annotations

from typing import Any

from crafteditor.export import ExportOptions, Exported, external_warnings
from crafteditor.svg.doc import (
    INKSCAPE_NS, RESOURCE_TAGS, SODIPODI_NS, SVG_NS, SvgDocument, inkscape, local, selectable,
)

EDITOR_NAMESPACES = (INKSCAPE_NS, SODIPODI_NS)
LOOSE_LAYER = "Figure"


def _rerooted(root: Any, nsmap: dict) -> Any:
    """A new root element like ``root`` declaring ``nsmap``, holding ``root``'s children
    (lxml fixes an element's namespace declarations when it is made)."""
    from lxml import etree

    new = etree.Element(root.tag, nsmap=nsmap)
    for key, value in root.attrib.items():
        new.set(key, value)
    new.text = root.text
    for child in list(root):
        new.append(child)
    return new


def _with_namespaces(root: Any) -> Any:
    """``root`` declaring the inkscape and sodipodi prefixes (a new root element when it does not)."""
    if root.nsmap.get("inkscape") == INKSCAPE_NS and root.nsmap.get("sodipodi") == SODIPODI_NS:
        return root
    nsmap = {k: v for k, v in root.nsmap.items() if v not in EDITOR_NAMESPACES and k not in ("inkscape", "sodipodi")}
    nsmap.update({"inkscape": INKSCAPE_NS, "sodipodi": SODIPODI_NS})
    return _rerooted(root, nsmap)


def _is_layer(el: Any) -> bool:
    return local(el.tag) == "g" and el.get(inkscape("groupmode")) == "layer"


def _gather_loose(root: Any) -> None:
    """Top-level drawing outside any layer goes into one layer, in place (drawing order kept)."""
    from lxml import etree

    run: list[Any] = []

    def flush() -> None:
        if not run:
            return
        layer = etree.Element(f"{{{SVG_NS}}}g")
        layer.set("id", _free_id(root, "layer-figure"))
        layer.set(inkscape("groupmode"), "layer")
        layer.set(inkscape("label"), LOOSE_LAYER)
        run[0].addprevious(layer)
        for el in run:
            layer.append(el)
        run.clear()

    for el in list(root):
        tag = local(el.tag)
        if not tag or tag in RESOURCE_TAGS or el.tag.startswith("{" + SODIPODI_NS) or _is_layer(el):
            flush()
        else:
            run.append(el)
    flush()


def _free_id(root: Any, stem: str) -> str:
    taken = {el.get("id") for el in root.iter() if isinstance(el.tag, str)}
    n, name = 1, stem
    while name in taken:
        n += 1
        name = f"{stem}-{n}"
    return name


def to_inkscape(doc: SvgDocument, _options: ExportOptions) -> Exported:
    from lxml import etree

    root = _with_namespaces(doc.root)
    if not any(local(el.tag) == "namedview" and el.tag.startswith("{" + SODIPODI_NS) for el in root):
        view = etree.Element(f"{{{SODIPODI_NS}}}namedview")
        view.set("id", _free_id(root, "namedview"))
        view.set("pagecolor", "#ffffff")
        view.set(inkscape("document-units"), "px")
        root.insert(0, view)
    _gather_loose(root)
    for el in selectable(root):
        if local(el.tag) == "text" and not el.get(inkscape("label")):
            words = " / ".join(" ".join("".join(el.itertext()).split()).splitlines())
            if words:
                el.set(inkscape("label"), words[:80])
    data = etree.tostring(root.getroottree() if root is doc.root else etree.ElementTree(root),
                          xml_declaration=True, encoding="UTF-8")
    return Exported(data, external_warnings(doc))


def to_plain(doc: SvgDocument, _options: ExportOptions) -> Exported:
    from lxml import etree

    root = doc.root
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        if el.tag.startswith(tuple("{" + ns for ns in EDITOR_NAMESPACES)):
            parent = el.getparent()
            if parent is not None:
                parent.remove(el)
            continue
        for key in [k for k in el.attrib if k.startswith(tuple("{" + ns for ns in EDITOR_NAMESPACES))]:
            del el.attrib[key]
    stripped = _rerooted(root, {k: v for k, v in root.nsmap.items() if v not in EDITOR_NAMESPACES})
    etree.cleanup_namespaces(stripped)
    return Exported(etree.tostring(etree.ElementTree(stripped), xml_declaration=True, encoding="UTF-8"),
                    external_warnings(doc))
