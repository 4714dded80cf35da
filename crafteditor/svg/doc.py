"""Reading any SVG safely, and giving each of its elements a stable id.

An SVG handed to ``inspect``, ``edit``, ``export`` or ``check`` may come from
anywhere, so it is parsed with entity resolution, DTD loading and network
access off, within size, depth and element-count limits, and a document that
declares XML entities is refused.  References to external files
(``xlink:href="file:///..."``, ``http://...``) are never read: they are listed
by ``external_refs`` and every renderer here fetches ``data:`` URLs only.

Elements a user can select (shapes, paths, lines, text, images, groups) that
have no id get one on the way in: ``<tag>-<n>`` counted in document order, so
the same file always gets the same ids.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from crafteditor.model.errors import InputError
from crafteditor.model.xml import hardened_parser

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
INKSCAPE_NS = "http://www.inkscape.org/namespaces/inkscape"
SODIPODI_NS = "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
NSMAP = {"svg": SVG_NS, "xlink": XLINK_NS, "inkscape": INKSCAPE_NS, "sodipodi": SODIPODI_NS}

MAX_SVG_BYTES = 64 * 1024 * 1024
MAX_IMAGE_PIXELS = 100_000_000  # an embedded picture, as declared in its header (as for a convert input)
MAX_NESTED_SVG = 4  # SVG pictures inside SVG pictures, this deep at most
MAX_DEPTH = 200  # libxml2 itself stops at 256
MAX_ELEMENTS = 500_000
GRAPHIC_TAGS = frozenset({"g", "rect", "circle", "ellipse", "line", "polyline", "polygon", "path", "text",
                          "image", "use", "a", "switch"})
# elements whose children are not drawn where they stand (resources)
RESOURCE_TAGS = frozenset({"defs", "marker", "clipPath", "mask", "pattern", "symbol", "linearGradient",
                           "radialGradient", "filter", "metadata", "style", "title", "desc", "namedview"})


def local(tag: Any) -> str:
    """The tag without its namespace ("" for comments and processing instructions)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def inkscape(name: str) -> str:
    return f"{{{INKSCAPE_NS}}}{name}"


def ref_id(value: str | None) -> str | None:
    """The id a reference names: ``#id`` or ``url(#id)`` (None for none)."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("url(") and value.endswith(")"):
        value = value[4:-1].strip().strip("'\"")
    return value[1:] if value.startswith("#") else value or None


def href_of(el: Any) -> str | None:
    return el.get(f"{{{XLINK_NS}}}href") or el.get("href")


def set_href(el: Any, value: str) -> None:
    """Set the reference where the element keeps it (``xlink:href`` unless it uses plain ``href``)."""
    if el.get("href") is not None and el.get(f"{{{XLINK_NS}}}href") is None:
        el.set("href", value)
    else:
        el.set(f"{{{XLINK_NS}}}href", value)


def decode_data_url(href: str) -> tuple[str, bytes] | None:
    """The media type and bytes of a ``data:`` URL, or None when it is not one or does not decode."""
    import base64
    import binascii
    from urllib.parse import unquote_to_bytes

    head, comma, payload = href.partition(",")
    if not comma or not head.startswith("data:"):
        return None
    params = head[len("data:"):].split(";")
    try:
        raw = base64.b64decode(payload) if "base64" in params[1:] else unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        return None
    return (params[0] or "text/plain").strip().lower(), raw


def _parser() -> Any:
    return hardened_parser()


def parse_svg(data: bytes, name: str = "the SVG") -> Any:
    """The root element of ``data``, or ``InputError`` (one line) for anything unsafe or not SVG."""
    from lxml import etree

    if len(data) > MAX_SVG_BYTES:
        raise InputError(f"{name} is {len(data) / 1e6:.0f} MB, more than the {MAX_SVG_BYTES // 2**20} MiB allowed")
    if data[:2] == b"\x1f\x8b":
        raise InputError(f"{name} is compressed (SVGZ): decompress it first (gunzip -S z)")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name} is not well-formed XML: {exc}") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise InputError(f"{name} declares XML entities, which crafteditor refuses to expand")
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise InputError(f"{name} refers to an XML entity, which crafteditor refuses to expand")
    if local(root.tag) != "svg":
        raise InputError(f"{name} is not an SVG document: its root element is <{local(root.tag)}>")
    _check_shape(root, name)
    return root


def _check_shape(root: Any, name: str) -> None:
    count, stack = 0, [(root, 1)]
    while stack:
        el, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise InputError(f"{name} nests elements more than {MAX_DEPTH} deep")
        if count > MAX_ELEMENTS:
            raise InputError(f"{name} has more than {MAX_ELEMENTS} elements")
        stack.extend((child, depth + 1) for child in el)


def check_embedded_images(root: Any, name: str = "the SVG", max_pixels: int = MAX_IMAGE_PIXELS) -> None:
    """Refuse (``InputError``, one line) a document whose embedded pictures would decode too large.

    Renderers decode every ``data:`` picture in full, so a few bytes declaring
    50000x50000 px (a decompression bomb) would exhaust memory.  Each raster's
    width and height are read from its header only, before anything decodes it;
    one above ``max_pixels``, or all together above twice that, are refused.
    SVG pictures are checked inside, a few levels deep.
    """
    total = 0
    for el_id, width, height in _embedded_sizes(root, name, MAX_NESTED_SVG):
        _check_size(width, height, f"{name}: the embedded image {el_id}", max_pixels)
        total += width * height
        if total > 2 * max_pixels:
            raise InputError(f"{name}: its embedded images declare more than {2 * max_pixels:,} pixels together")


def check_picture(raw: bytes, what: str, max_pixels: int = MAX_IMAGE_PIXELS) -> None:
    """Refuse (``InputError``) a raster picture whose header declares more than ``max_pixels``."""
    size = _raster_size(raw)
    if size is not None:
        _check_size(size[0], size[1], what, max_pixels)


def _check_size(width: int, height: int, what: str, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise InputError(f"{what} declares {width}x{height} px, more than the {max_pixels:,} pixels allowed "
                         "(a decompression bomb?)")


def _embedded_sizes(root: Any, name: str, depth: int) -> Iterator[tuple[str, int, int]]:
    for el in root.iter():
        if not isinstance(el.tag, str) or local(el.tag) not in ("image", "feImage"):
            continue
        decoded = decode_data_url(href_of(el) or "")
        if decoded is None:
            continue  # an external reference: never read
        media, raw = decoded
        el_id = el.get("id") or local(el.tag)
        if media == "image/svg+xml" or raw.lstrip()[:1] == b"<":
            if depth <= 0:
                raise InputError(f"{name}: SVG images nested more than {MAX_NESTED_SVG} deep in {el_id}")
            inner = parse_svg(raw, f"the SVG image in {el_id}")
            yield from _embedded_sizes(inner, name, depth - 1)
            continue
        size = _raster_size(raw)
        if size is not None:
            yield el_id, size[0], size[1]


def _raster_size(raw: bytes) -> tuple[int, int] | None:
    """Width and height from a raster's header (None when Pillow cannot tell); nothing is decoded."""
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw)) as im:
                return im.size
        except Image.DecompressionBombError:
            return _png_size(raw) or (2**31 - 1, 1)  # beyond Pillow's own limit, which is above ours
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            return None


def _png_size(raw: bytes) -> tuple[int, int] | None:
    import struct

    if raw.startswith(b"\x89PNG\r\n\x1a\n") and len(raw) >= 24 and raw[12:16] == b"IHDR":
        return struct.unpack(">II", raw[16:24])
    return None


def read_svg_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of an SVG file: a regular file no larger than ``MAX_SVG_BYTES`` (else ``InputError``)."""
    from crafteditor.model.io import read_input_bytes

    return read_input_bytes(path, "SVG file", MAX_SVG_BYTES)


def selectable(root: Any) -> Iterator[Any]:
    """Graphic elements a user can select, in document order, outside resources and ``<text>``."""
    stack = [iter(root)]
    while stack:
        for el in stack[-1]:
            tag = local(el.tag)
            if not tag or tag in RESOURCE_TAGS or el.tag.startswith("{" + SODIPODI_NS):
                continue
            if tag in GRAPHIC_TAGS:
                yield el
            if tag != "text":
                stack.append(iter(el))
                break
        else:
            stack.pop()


@dataclass
class SvgDocument:
    """A parsed SVG (``root``, an lxml element) and where it came from."""

    root: Any
    name: str = "the SVG"
    assigned_ids: tuple[str, ...] = ()

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "the SVG") -> SvgDocument:
        doc = cls(parse_svg(data, name), name)
        doc.assigned_ids = tuple(doc.ensure_ids())
        return doc

    @classmethod
    def read(cls, path: str | os.PathLike) -> SvgDocument:
        return cls.from_bytes(read_svg_bytes(path), str(path))

    def ensure_ids(self) -> list[str]:
        """Give every selectable element without an id a stable one; the ids given."""
        taken = {el.get("id") for el in self.root.iter() if isinstance(el.tag, str) and el.get("id")}
        counters: dict[str, int] = {}
        given = []
        for el in selectable(self.root):
            if el.get("id"):
                continue
            tag = local(el.tag)
            n = counters.get(tag, 0)
            while True:
                n += 1
                candidate = f"{tag}-{n:04d}"
                if candidate not in taken:
                    break
            counters[tag] = n
            el.set("id", candidate)
            taken.add(candidate)
            given.append(candidate)
        return given

    def by_id(self, element_id: str) -> Any | None:
        for el in self.root.iter():
            if isinstance(el.tag, str) and el.get("id") == element_id:
                return el
        return None

    def external_refs(self) -> list[tuple[str, str]]:
        """``(element id, reference)`` for every reference to something outside the document."""
        out = []
        for el in self.root.iter():
            if not isinstance(el.tag, str):
                continue
            ref = href_of(el)
            if ref and not ref.startswith(("#", "data:")):
                out.append((el.get("id") or local(el.tag), ref))
        return out

    def to_bytes(self) -> bytes:
        from lxml import etree

        return etree.tostring(self.root.getroottree(), xml_declaration=True, encoding="UTF-8")

    def page_px(self) -> tuple[float, float]:
        """The page's width and height in px (96 dpi), as a renderer sizes it at scale 1."""
        _x, _y, vw, vh = self.viewbox()
        w, h = self.root.get("width"), self.root.get("height")
        if w and h and not w.strip().endswith("%") and not h.strip().endswith("%"):
            return _length(w, vw), _length(h, vh)
        return vw, vh

    def viewbox(self) -> tuple[float, float, float, float]:
        """``(x, y, width, height)`` of the user space the page shows."""
        vb = (self.root.get("viewBox") or "").replace(",", " ").split()
        if len(vb) == 4:
            try:
                x, y, w, h = (float(v) for v in vb)
                if w > 0 and h > 0:
                    return x, y, w, h
            except ValueError:
                pass
        return 0.0, 0.0, _length(self.root.get("width"), 300.0), _length(self.root.get("height"), 150.0)


def _length(value: str | None, default: float) -> float:
    """An SVG length in px (absolute units converted at 96 dpi; % falls back to ``default``)."""
    if not value:
        return default
    units = {"px": 1.0, "pt": 96 / 72, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}
    text = value.strip()
    for unit, factor in units.items():
        if text.endswith(unit):
            text, scale = text[: -len(unit)], factor
            break
    else:
        scale = 1.0
    try:
        number = float(text)
    except ValueError:
        return default
    return number * scale if number > 0 else default
