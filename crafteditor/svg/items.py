"""What a user sees in an SVG: its elements as typed ``Item`` records.

``items(doc)`` reads every selectable element of an ``SvgDocument`` (any SVG,
not only crafteditor's) into an ``Item``: id, kind, layer, label, text, a
box in the user units of the root (``xyxy``, every transform applied), its
paint and font, its points (connectors, lines, polygons) and the shapes a
connector joins (``inkscape:connection-start``/``-end``) and the kind of marker
at each of its ends (``crafteditor.svg.markers``).  Geometry and the
CSS cascade come from svgelements; text lines and their extents from
``crafteditor.svg.text``.

Kinds: ``layer``, ``group``, ``shape`` (closed primitives: ``geometry`` says
which), ``path`` (other closed paths, such as traced drawing), ``connector``
(an open line with an arrowhead or a recorded connection), ``line`` (other
open lines), ``text``, ``image`` and ``use``.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

from crafteditor.model.kinds import ShapeKind, parallelogram_skew
from crafteditor.model.scene import Box, TextRun
from crafteditor.svg.doc import SODIPODI_NS, SvgDocument, href_of, inkscape, local, ref_id, selectable
from crafteditor.svg.markers import end_marks
from crafteditor.svg.text import first_family, is_bold, line_runs, text_lines

Point = tuple[float, float]
KINDS = ("layer", "group", "shape", "path", "connector", "line", "text", "image", "use")


@dataclass(frozen=True)
class Paint:
    """Computed paint and font of an element (colours as ``#rrggbb`` or None for none)."""

    fill: str | None = None
    stroke: str | None = None
    stroke_width: float = 0.0
    dash: tuple[float, ...] = ()
    opacity: float = 1.0
    font_size: float = 0.0
    font_family: str = ""
    font_weight: str = "normal"
    anchor: str = "start"

    @property
    def bold(self) -> bool:
        return is_bold(self.font_weight)

    @property
    def family(self) -> str:
        """The first font family asked for, unquoted ("" for none)."""
        return first_family(self.font_family)


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    tag: str
    layer: str | None  # the label of the Inkscape layer holding it
    label: str
    box: Box | None
    paint: Paint = Paint()
    text: str = ""  # lines joined by "\n"
    lines: tuple[tuple[str, Box], ...] = ()  # each text line and its box
    runs: tuple[tuple[TextRun, ...], ...] = ()  # each line's sub/superscript runs (() for a plain line); () if none
    geometry: str = ""  # shapes: a crafteditor.model.kinds.ShapeKind (never cylinder: that is a path here)
    radius: float = 0.0  # rounded_rect corner radius
    skew: float = 0.0  # parallelogram: how far its top edge is shifted right of its bottom one (negative: left)
    points: tuple[Point, ...] = ()  # connectors, lines and polygons, root user units
    source_id: str | None = None
    target_id: str | None = None
    start_mark: str = ""  # connectors: the marker at each end, a kind of scene.MARK_KINDS ("" for none)
    end_mark: str = ""
    href: str | None = None  # images: the reference (a data: URL when embedded)
    parent_id: str | None = None
    path_d: str = ""  # closed paths and cylinders: the path, root user units
    locked: bool = False  # it or a group holding it is locked (``sodipodi:insensitive``)
    children: tuple[str, ...] = field(default=(), repr=False)

    @property
    def marker_start(self) -> bool:
        return bool(self.start_mark)

    @property
    def marker_end(self) -> bool:
        return bool(self.end_mark)

    @property
    def upright(self) -> bool:
        """Whether the outline touches its box as an unrotated one does (a rectangle at
        its corners, other outlines on the box edges)."""
        b = self.box
        if self.geometry == "circle":
            return True
        near = [(min(abs(x - b.x0), abs(x - b.x1)) < 0.5, min(abs(y - b.y0), abs(y - b.y1)) < 0.5)
                for x, y in self.points]
        return all(nx and ny if self.geometry == "rect" else nx or ny for nx, ny in near)


def _colour(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if value.value is None or value.alpha == 0:
            return None
        return value.hexrgb
    except AttributeError:
        return None


def _geometry_tree(doc: SvgDocument) -> dict[str, Any]:
    """svgelements elements by id, in the root's user units (its viewport mapping removed)."""
    import copy

    import svgelements as se
    from lxml import etree

    root = copy.deepcopy(doc.root)
    vx, vy, vw, vh = doc.viewbox()
    for attr in ("viewBox", "width", "height", "preserveAspectRatio"):
        root.attrib.pop(attr, None)
    if vx or vy:  # keep user units: the origin moves back where the viewBox puts it
        root.set("transform", f"translate({-vx},{-vy})")
    parsed = se.SVG.parse(io.BytesIO(etree.tostring(root)), reify=True)
    shift = se.Matrix(f"translate({vx},{vy})") if vx or vy else None
    out = {}
    for el in parsed.elements():
        el_id = getattr(el, "id", None)
        if el_id and el_id not in out:
            if shift is not None and isinstance(el, (se.Shape, se.Text, se.Image)):
                el *= shift
            out[el_id] = el
    return out


def _gradient_colour(el: Any, fill: Any) -> str | None:
    """The first stop colour of the gradient a ``url(#id)`` fill names (an editor's
    plain-colour stand-in), or None when the fill names none."""
    ref = ref_id(str(fill)) if isinstance(fill, str) and fill.strip().startswith("url(") else None
    if ref is None:
        return None
    import svgelements as se

    for _ in range(4):  # gradients may inherit their stops through xlink:href
        target = next((n for n in el.getroottree().iter() if isinstance(n.tag, str) and n.get("id") == ref), None)
        if target is None:
            return None
        for stop in target:
            if local(stop.tag) == "stop":
                style = dict(p.split(":", 1) for p in (stop.get("style") or "").replace(" ", "").split(";") if ":" in p)
                colour = _colour(se.Color(style.get("stop-color") or stop.get("stop-color") or "black"))
                return colour or "#000000"
        ref = ref_id(href_of(target))
        if ref is None:
            return None
    return None


def _paint(geo: Any, el: Any) -> Paint:
    if geo is None:
        return Paint()
    values = getattr(geo, "values", {})
    dash = tuple(float(v) for v in str(values.get("stroke-dasharray") or "").replace(",", " ").split()
                 if _is_number(v))
    stroke = _colour(getattr(geo, "stroke", None))
    width = float(getattr(geo, "stroke_width", 0.0) or 0.0) if stroke else 0.0
    try:
        width *= math.sqrt(abs(geo.transform.determinant)) if stroke else 1.0
    except (AttributeError, TypeError):
        pass
    family = str(getattr(geo, "font_family", "") or values.get("font-family") or "")
    size = float(getattr(geo, "font_size", 0.0) or 0.0)
    try:
        size *= math.sqrt(abs(geo.transform.determinant))
    except (AttributeError, TypeError):
        pass
    return Paint(
        fill=_gradient_colour(el, values.get("fill")) or _colour(getattr(geo, "fill", None)),
        stroke=stroke, stroke_width=round(width, 3), dash=dash,
        opacity=float(values.get("opacity", 1.0)) if _is_number(values.get("opacity", 1.0)) else 1.0,
        font_size=round(size, 3), font_family=family,
        font_weight=str(getattr(geo, "font_weight", "") or values.get("font-weight") or "normal"),
        anchor=str(values.get("text-anchor") or el.get("text-anchor") or "start"),
    )


def _is_number(v: Any) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def _points(geo: Any) -> tuple[Point, ...]:
    import svgelements as se

    if geo is None:
        return ()
    try:
        path = se.Path(geo) if not isinstance(geo, se.Path) else geo
    except Exception:  # a shape svgelements cannot turn into a path
        return ()
    pts: list[Point] = []
    for seg in abs(path):  # reified: a transform left on the element (the viewBox shift) applied
        end = getattr(seg, "end", None)
        if end is not None and not isinstance(seg, se.Close):
            pts.append((round(float(end.x), 3), round(float(end.y), 3)))
    return tuple(pts)


def _image_bbox(geo: Any) -> tuple[float, float, float, float] | None:
    """An ``<image>``'s x, y, width and height through its transform (svgelements bounds only loaded images)."""
    x, y, w, h = (getattr(geo, name, None) for name in ("x", "y", "width", "height"))
    if not all(_is_number(v) for v in (x, y, w, h)):
        return None
    corners = [geo.transform.point_in_matrix_space((float(cx), float(cy)))
               for cx in (x, float(x) + float(w)) for cy in (y, float(y) + float(h))]
    return min(p.x for p in corners), min(p.y for p in corners), max(p.x for p in corners), max(p.y for p in corners)


def _closed(geo: Any) -> bool:
    import svgelements as se

    if isinstance(geo, (se.Rect, se.Ellipse, se.Circle, se.Polygon)):
        return True
    if isinstance(geo, se.Path):
        return any(isinstance(seg, se.Close) for seg in geo)
    return False


def _shape_geometry(tag: str, el: Any, points: tuple[Point, ...]) -> tuple[ShapeKind, float, float]:
    """The shape's kind, its corner radius and its skew (see ``Item``)."""
    if tag == "rect":
        rx = el.get("rx") or el.get("ry")
        if rx and _is_number(rx) and float(rx) > 0:
            return ShapeKind.ROUNDED_RECT, float(rx), 0.0
        return ShapeKind.RECT, 0.0, 0.0
    if tag in ("circle", "ellipse"):
        if tag == "ellipse" and el.get("rx") != el.get("ry"):
            return ShapeKind.ELLIPSE, 0.0, 0.0
        return ShapeKind.CIRCLE if tag == "circle" else ShapeKind.ELLIPSE, 0.0, 0.0
    if tag == "polygon" and len(points) in (4, 5):
        box = Box.from_points(points)
        cx, cy = box.center
        if all(min(abs(x - cx), abs(y - cy)) < 0.05 * max(box.width, box.height) for x, y in points[:4]):
            return ShapeKind.DIAMOND, 0.0, 0.0
        skew = parallelogram_skew(points)
        if skew is not None:
            return ShapeKind.PARALLELOGRAM, 0.0, skew
    return (ShapeKind.POLYGON if tag == "polygon" else ShapeKind.PATH), 0.0, 0.0


def _kind(tag: str, el: Any, geo: Any) -> str:
    if tag == "g":
        return "layer" if el.get(inkscape("groupmode")) == "layer" else "group"
    if tag in ("text", "image", "use"):
        return tag
    joined = el.get(inkscape("connection-start")) or el.get(inkscape("connection-end"))
    marked = el.get("marker-end") or el.get("marker-start") or "marker" in (el.get("style") or "")
    if tag in ("line", "polyline") or (tag == "path" and not _closed(geo)):
        return "connector" if joined or marked or el.get(inkscape("connector-type")) else "line"
    if tag == "path" and not (el.get("id") or "").startswith("shape-"):
        return "path"
    return "shape"


def _layer_label(el: Any) -> str | None:
    for anc in el.iterancestors():
        if local(anc.tag) == "g" and anc.get(inkscape("groupmode")) == "layer":
            return anc.get(inkscape("label")) or anc.get("id")
    return None


def _locked(el: Any) -> bool:
    key = f"{{{SODIPODI_NS}}}insensitive"
    return any(node.get(key) in ("true", "1") for node in (el, *el.iterancestors()))


def _label(el: Any) -> str:
    label = el.get(inkscape("label"))
    if label:
        return label
    for child in el:
        if local(child.tag) == "title" and child.text:
            return child.text.strip()
    return ""


def item_of(el: Any, geo: Any) -> Item:
    tag = local(el.tag)
    kind = _kind(tag, el, geo)
    paint = _paint(geo, el)
    box = None
    lines: tuple[tuple[str, Box], ...] = ()
    runs: tuple[tuple[TextRun, ...], ...] = ()
    if kind == "text":
        lines = text_lines(el, geo, paint.font_size, paint.font_family, paint.font_weight, paint.anchor)
        runs = line_runs(el)
        runs = runs if any(runs) and len(runs) == len(lines) else ()
        box = Box.from_points([p for _t, b in lines for p in ((b.x0, b.y0), (b.x1, b.y1))]) if lines else None
    elif geo is not None:
        try:
            bb = _image_bbox(geo) if tag == "image" else geo.bbox()
        except Exception:  # an empty group, or geometry svgelements cannot bound
            bb = None
        if bb is not None and all(math.isfinite(v) for v in bb):
            box = Box(*(float(v) for v in bb))
    points = _points(geo) if kind in ("connector", "line", "shape") and tag != "g" else ()
    geometry, radius, skew = _shape_geometry(tag, el, points) if kind == "shape" else ("", 0.0, 0.0)
    start_mark, end_mark = end_marks(el) if kind in ("connector", "line") else ("", "")
    path_d = ""
    if tag == "path":
        try:
            path_d = __import__("svgelements").Path(geo).d()
        except Exception:  # nothing to draw
            path_d = ""
    parent = el.getparent()
    return Item(
        id=el.get("id"), kind=kind, tag=tag, layer=_layer_label(el), label=_label(el), box=box, paint=paint,
        text="\n".join(t for t, _b in lines), lines=lines, runs=runs, geometry=geometry, radius=radius, skew=skew, points=points,
        source_id=ref_id(el.get(inkscape("connection-start"))), target_id=ref_id(el.get(inkscape("connection-end"))),
        start_mark=start_mark, end_mark=end_mark,
        href=href_of(el) if tag in ("image", "use") else None,
        parent_id=parent.get("id") if parent is not None and local(parent.tag) == "g" else None,
        path_d=path_d, locked=_locked(el),
        children=tuple(c.get("id") for c in el if isinstance(c.tag, str) and c.get("id")
                       and local(c.tag) != "tspan") if tag == "g" else (),
    )


def items(doc: SvgDocument) -> list[Item]:
    """Every selectable element of ``doc`` as an ``Item``, in document order.  A group's
    box is the union of what it holds (text measured as drawn)."""
    from dataclasses import replace

    geo = _geometry_tree(doc)
    elements = [el for el in selectable(doc.root) if el.get("id") and not el.tag.startswith("{" + SODIPODI_NS)]
    found = [item_of(el, geo.get(el.get("id"))) for el in elements]
    boxes = {it.id: it.box for it in found}
    for i in range(len(found) - 1, -1, -1):  # innermost groups first
        if found[i].kind in ("group", "layer"):
            inner = [boxes.get(d.get("id")) for d in elements[i].iter() if d is not elements[i]]
            inner = [b for b in inner if b is not None]
            box = Box.from_points([p for b in inner for p in ((b.x0, b.y0), (b.x1, b.y1))]) if inner else None
            boxes[found[i].id] = box
            found[i] = replace(found[i], box=box)
    return found


def label_owners(found: list[Item], page: Box) -> dict[str, list[Item]]:
    """The text items each shape takes as its own text (its labels), by shape id.

    A text goes to the smallest shape holding its centre in its own group; else
    to the smallest shape holding its centre, unless that shape holds other
    shapes (a container) or covers the page (a background): then it stays free.
    """
    by_id = {it.id: it for it in found}
    shapes = [it for it in found
              if it.kind == "shape" and it.box and it.box.area > 0 and not it.box.contains(page, 1.0)]
    holders = {s.id for s in shapes if any(o is not s and s.box.contains(o.box) for o in shapes)}
    owners: dict[str, list[Item]] = {}
    for text in (it for it in found if it.kind == "text" and it.box and it.lines):
        inside = sorted((s for s in shapes if s.box.contains_point(*text.box.center)), key=lambda s: s.box.area)
        grouped = [s for s in inside if s.parent_id is not None and s.parent_id == text.parent_id
                   and s.parent_id in by_id and by_id[s.parent_id].kind == "group"]
        pick = grouped[0] if grouped else inside[0] if inside and inside[0].id not in holders else None
        if pick is not None:
            owners.setdefault(pick.id, []).append(text)
    return owners

