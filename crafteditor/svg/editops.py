"""The edit operations: each changes one selected element of an ``SvgDocument``
(and what belongs to it: its labels, the connector ends glued to it)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crafteditor.model.errors import InputError
from crafteditor.svg.items import Item
from crafteditor.model.scene import Box
from crafteditor.svg.doc import (SVG_NS, SvgDocument, check_embedded_images, check_picture, inkscape, local, parse_svg,
                               ref_id, set_href)
from crafteditor.svg.geom import fmt, move_end, scale_about, translate

SHAPE_TAGS = ("rect", "circle", "ellipse", "polygon", "path", "line", "polyline", "image", "use")
LINE_HEIGHT = 1.2  # em, for lines added by set_text
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_FUNC = re.compile(r"(?:rgb|rgba|hsl|hsla)\([^()]*\)", re.IGNORECASE)


def colour(value: str) -> str:
    """``value`` if it is an SVG colour (``#rgb``, ``#rrggbb``, ``rgb(...)``, a name, ``none``)."""
    from cairosvg.colors import COLORS

    text = value.strip()
    if _HEX.fullmatch(text) or _FUNC.fullmatch(text) or text.lower() in COLORS or text.lower() == "none":
        return text
    raise InputError(f"not a colour: {value!r} (use #rrggbb, rgb(r,g,b) or a name such as red)")


@dataclass
class Context:
    doc: SvgDocument
    found: list[Item]
    changed: list[str]
    notes: list[str]

    def item(self, element_id: str) -> Item:
        return next(it for it in self.found if it.id == element_id)

    def element(self, item: Item) -> Any:
        el = self.doc.by_id(item.id)
        if el is None:
            raise InputError(f"{item.id} is no longer in the document")
        return el

    def touched(self, element_id: str) -> None:
        if element_id not in self.changed:
            self.changed.append(element_id)

    def labels_of(self, shape: Item) -> list[Item]:
        """Text whose smallest enclosing shape is ``shape``."""
        if shape.kind != "shape" or shape.box is None:
            return []
        vx, vy, vw, vh = self.doc.viewbox()
        page = Box(vx, vy, vx + vw, vy + vh)  # a shape covering the page is a background, holding no label
        shapes = [s for s in self.found if s.kind == "shape" and s.box is not None and not s.box.contains(page, 1.0)]
        out = []
        for text in (t for t in self.found if t.kind == "text" and t.box is not None):
            cx, cy = text.box.center
            holders = [s for s in shapes if s.box.contains_point(cx, cy) and s.box.area > text.box.area]
            if holders and min(holders, key=lambda s: s.box.area).id == shape.id:
                out.append(text)
        return out

    def texts_under(self, item: Item) -> list[Item]:
        """The text an operation on ``item`` reaches: itself, a box's labels, a group's text."""
        if item.kind == "text":
            return [item]
        if item.kind == "shape":
            return self.labels_of(item)
        el = self.element(item)
        ids = {d.get("id") for d in el.iter() if local(d.tag) == "text"}
        return [t for t in self.found if t.id in ids]

    def glued(self, ids: set[str], inside: Any) -> Iterator[tuple[Item, str]]:
        """Connector ends glued to any of ``ids``, for connectors not inside ``inside``."""
        within = {d.get("id") for d in inside.iter() if isinstance(d.tag, str)}
        for c in self.found:
            if c.kind not in ("connector", "line") or c.id in within:
                continue
            if c.source_id in ids:
                yield c, "start"
            if c.target_id in ids:
                yield c, "end"


def _ids_in(el: Any) -> set[str]:
    return {d.get("id") for d in el.iter() if isinstance(d.tag, str) and d.get("id")}


def _set_property(ctx: Context, el: Any, prop: str, value: str) -> None:
    """Set a presentation property where it wins: in ``style`` when the element or
    the document uses CSS, else as an attribute."""
    style = el.get("style") or ""
    uses_css = bool(style.strip()) or el.get("class") is not None or any(
        local(s.tag) == "style" for s in ctx.doc.root.iter())
    kept = [p for p in style.split(";") if p.strip() and p.split(":", 1)[0].strip() != prop]
    if uses_css:
        el.set("style", ";".join(kept + [f"{prop}:{value}"]))
        el.attrib.pop(prop, None)
    else:
        if style:
            el.set("style", ";".join(kept)) if kept else el.attrib.pop("style", None)
        el.set(prop, value)
    ctx.touched(el.get("id") or local(el.tag))


def _text_property(ctx: Context, item: Item, prop: str, value: str) -> None:
    texts = ctx.texts_under(item)
    if not texts:
        raise InputError(f"{item.id} holds no text to change")
    for t in texts:
        el = ctx.element(t)
        _set_property(ctx, el, prop, value)
        for span in el.iter():
            if local(span.tag) == "tspan" and (span.get(prop) is not None or prop in (span.get("style") or "")) \
                    and not _relative_size(span, prop):
                _set_property(ctx, span, prop, value)


def _relative_size(span: Any, prop: str) -> bool:
    """Whether ``span`` sizes its font relative to its line's (a sub- or superscript), and so
    follows a new size of the line as it is."""
    if prop != "font-size":
        return False
    declared = re.search(r"(?:^|;)\s*font-size\s*:([^;]*)", span.get("style") or "")
    value = (declared.group(1) if declared else span.get("font-size") or "").strip().lower()
    return value.endswith(("em", "ex", "%")) or value in ("smaller", "larger")


def op_move(ctx: Context, item: Item, value: tuple[float, float]) -> None:
    dx, dy = value
    el = ctx.element(item)
    translate(el, dx, dy)
    ctx.touched(item.id)
    for label in ctx.labels_of(item):
        if label.id not in _ids_in(el):
            translate(ctx.element(label), dx, dy)
            ctx.touched(label.id)
    for conn, end in ctx.glued(_ids_in(el), el):
        move_end(ctx.element(conn), end, dx, dy)
        ctx.touched(conn.id)
        ctx.notes.append(f"{conn.id} follows {item.id} ({end})")


def op_resize(ctx: Context, item: Item, value: tuple) -> None:
    if item.kind in ("text", "layer"):
        raise InputError(f"{item.id} is {item.kind}: resize shapes, pictures and groups (use --font-size for text)")
    if item.box is None or item.box.width <= 0 or item.box.height <= 0:
        raise InputError(f"{item.id} has no size to resize")
    box = item.box
    if value[0] == "scale":
        sx = sy = float(value[1])
    else:
        sx, sy = float(value[1]) / max(box.width, 1e-9), float(value[2]) / max(box.height, 1e-9)
    origin = (box.x0, box.y0)
    el = ctx.element(item)
    try:
        scale_about(el, origin, sx, sy)
    except ValueError as exc:
        raise InputError(f"{item.id}: {exc}") from None
    ctx.touched(item.id)

    def delta(p: tuple[float, float]) -> tuple[float, float]:
        return (origin[0] + (p[0] - origin[0]) * sx - p[0], origin[1] + (p[1] - origin[1]) * sy - p[1])

    for label in ctx.labels_of(item):
        if label.id not in _ids_in(el):
            translate(ctx.element(label), *delta(label.box.center))
            ctx.touched(label.id)
    for conn, end in ctx.glued(_ids_in(el), el):
        if conn.points:
            move_end(ctx.element(conn), end, *delta(conn.points[0 if end == "start" else -1]))
            ctx.touched(conn.id)
            ctx.notes.append(f"{conn.id} follows {item.id} ({end})")


MARKER_ATTRS = ("marker-start", "marker-end", "marker-mid")


def _recolour_markers(ctx: Context, el: Any, value: str) -> None:
    """Give a connector's arrowheads its new colour (a marker others share is copied first)."""
    import copy

    for attr in MARKER_ATTRS:
        marker_id = ref_id(el.get(attr))
        marker = ctx.doc.by_id(marker_id) if marker_id else None
        if marker is None:
            continue
        users = [u for u in ctx.doc.root.iter() if isinstance(u.tag, str)
                 and any(ref_id(u.get(a)) == marker_id for a in MARKER_ATTRS)]
        if len(users) > 1:
            marker = copy.deepcopy(marker)
            marker.set("id", f"{marker_id}-{el.get('id')}")
            ctx.doc.by_id(marker_id).addnext(marker)
            el.set(attr, f"url(#{marker.get('id')})")
        for part in marker.iter():
            if local(part.tag) in SHAPE_TAGS:
                for prop in ("fill", "stroke"):
                    if (part.get(prop) or "none") != "none":
                        part.set(prop, value)
        ctx.touched(marker.get("id"))


def _paint(prop: str) -> Callable[[Context, Item, str], None]:
    def op(ctx: Context, item: Item, value: str) -> None:
        value = colour(value)
        el = ctx.element(item)
        targets = [el] if local(el.tag) != "g" else [d for d in el.iter() if local(d.tag) in SHAPE_TAGS]
        if not targets:
            raise InputError(f"{item.id} holds no shape to paint")
        for t in targets:
            _set_property(ctx, t, prop, value)
            if prop == "stroke":
                _recolour_markers(ctx, t, value)
    return op


def op_text_color(ctx: Context, item: Item, value: str) -> None:
    _text_property(ctx, item, "fill", colour(value))


def op_font_size(ctx: Context, item: Item, value: float) -> None:
    if not 0 < float(value) <= 10_000:
        raise InputError(f"a font size must be more than 0 px, got {value}")
    _text_property(ctx, item, "font-size", fmt(float(value)))


def op_font_family(ctx: Context, item: Item, value: str) -> None:
    name = value.strip()
    if not name or any(c in name for c in "<>;{}"):
        raise InputError(f"not a font family: {value!r}")
    _text_property(ctx, item, "font-family", name)


def op_set_text(ctx: Context, item: Item, value: str) -> None:
    texts = ctx.texts_under(item)
    if len(texts) != 1:
        raise InputError(f"{item.id} holds {len(texts)} text elements: select the one to change by id")
    el = ctx.element(texts[0])
    lines = value.split("\n")
    spans = [s for s in el if local(s.tag) == "tspan"]
    old = texts[0].text
    if not spans:
        for child in list(el):
            el.remove(child)
        el.text = lines[0]
        spans = [el]
    else:
        el.text = None
    size = texts[0].paint.font_size or 16.0
    for i, line in enumerate(lines):
        if i >= len(spans):
            _add_line(el, spans[-1], i, size)
            spans.append(el[-1])
        span = spans[i]
        for child in list(span):
            span.remove(child)
        span.text = line
    for span in spans[len(lines):]:
        el.remove(span)
    if el.get(inkscape("label")) in (None, old, old.replace("\n", " / ")):
        el.set(inkscape("label"), " / ".join(lines))
    ctx.touched(texts[0].id)


def _add_line(text_el: Any, last: Any, index: int, size_px: float) -> None:
    import copy

    span = copy.deepcopy(last)
    for child in list(span):
        span.remove(child)
    if span.get("id"):
        span.set("id", f"{text_el.get('id')}-line{index + 1}")
    y = last.get("y") or text_el.get("y") or "0"
    span.set("y", fmt(float(y.split()[0]) + LINE_HEIGHT * size_px))
    if last.get("x") is None and text_el.get("x") is not None:
        span.set("x", text_el.get("x").split()[0])
    last.addnext(span)


def op_delete(ctx: Context, item: Item, _value: Any) -> None:
    el = ctx.element(item)
    gone = [el] + [ctx.element(lab) for lab in ctx.labels_of(item) if lab.id not in _ids_in(el)]
    ids = set().union(*(_ids_in(g) for g in gone))
    for conn, end in ctx.glued(ids, el):
        if conn.id in ids:
            continue
        c_el = ctx.element(conn)
        c_el.attrib.pop(inkscape("connection-" + end), None)
        ctx.touched(conn.id)
        was = conn.source_id if end == "start" else conn.target_id
        ctx.notes.append(f"{conn.id} now dangles: its {end} was glued to {was}")
    for g in gone:
        parent = g.getparent()
        if parent is None:
            raise InputError("the root element cannot be deleted")
        parent.remove(g)
        ctx.touched(g.get("id"))
        if local(parent.tag) == "g" and parent.get(inkscape("groupmode")) != "layer" and not len(parent):
            parent.getparent().remove(parent)
            ctx.touched(parent.get("id"))


def image_data_url(path: str | Path) -> str:
    """A ``data:`` URL of a PNG, JPEG or SVG file, checked by decoding it."""
    from crafteditor.model.io import read_input_bytes

    p = Path(path)
    data = read_input_bytes(p, "image")
    if data.lstrip()[:1] == b"<":
        check_embedded_images(parse_svg(data, str(p)), str(p))
        mime = "image/svg+xml"
    else:
        check_picture(data, f"the image {p}")
        import io

        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as im:
                im.verify()
                fmt_name = im.format
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise InputError(f"{p} is not a PNG, JPEG or SVG image: {exc}") from None
        if fmt_name not in ("PNG", "JPEG"):
            raise InputError(f"{p} is {fmt_name}: swap in a PNG, JPEG or SVG image")
        mime = f"image/{fmt_name.lower()}"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def op_swap_image(ctx: Context, item: Item, value: str) -> None:
    from lxml import etree

    url = image_data_url(value)
    el = ctx.element(item)
    if local(el.tag) != "image":
        from crafteditor.svg.geom import parent_matrix

        if item.box is None or item.kind in ("layer", "text"):
            raise InputError(f"{item.id} is {item.kind}: swap images, pictures or shapes")
        if not parent_matrix(el).is_identity():
            raise InputError(f"{item.id} sits in a transformed group: only an <image> there can be swapped")
        image = etree.Element(f"{{{SVG_NS}}}image")
        for key in ("id", inkscape("label")):
            if el.get(key) is not None:
                image.set(key, el.get(key))
        b = item.box
        for key, v in (("x", b.x0), ("y", b.y0), ("width", b.width), ("height", b.height)):
            image.set(key, fmt(v))
        image.tail = el.tail
        el.getparent().replace(el, image)
        el = image
    set_href(el, url)
    el.set("preserveAspectRatio", "xMidYMid meet")
    ctx.touched(item.id)


def _restack(forward: bool) -> Callable[[Context, Item, Any], None]:
    def op(ctx: Context, item: Item, _value: Any) -> None:
        el = ctx.element(item)
        sib = el.getnext() if forward else el.getprevious()
        while sib is not None and not isinstance(sib.tag, str):
            sib = sib.getnext() if forward else sib.getprevious()
        if sib is None:
            ctx.notes.append(f"{item.id} is already {'in front' if forward else 'at the back'} of its group")
            return
        tail, el.tail = el.tail, sib.tail
        sib.tail = tail
        (sib.addnext if forward else sib.addprevious)(el)
        ctx.touched(item.id)
    return op


OPERATIONS: dict[str, Callable[[Context, Item, Any], None]] = {
    "set_text": op_set_text, "move": op_move, "resize": op_resize, "fill": _paint("fill"),
    "stroke": _paint("stroke"), "text_color": op_text_color, "font_size": op_font_size,
    "font_family": op_font_family, "delete": op_delete, "swap_image": op_swap_image,
    "bring_forward": _restack(True), "send_backward": _restack(False),
}
