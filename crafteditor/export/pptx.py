"""PowerPoint export: an ``SvgDocument`` as one editable slide built with python-pptx.

The slide is the SVG's viewBox, its origin at the viewBox's, 1 user unit = 1 px
= 9525 EMU (scaled uniformly when a side would pass PowerPoint's 1 to 56 inch
range).  Rectangles, rounded rectangles, ellipses, diamonds and parallelograms become
autoshapes; polygons, rotated rectangles and closed paths become freeforms
(curves flattened).  The text whose centre lies in a shape (the draw.io
export's rule: one in the shape's own group first, else the smallest shape
holding it that holds no other shape and does not cover the page) becomes the
shape's text, a paragraph a line; other text becomes text boxes where it
stood.  Straight lines and axis-aligned elbows become connectors glued to the
shapes they join, with their arrowheads; other polylines become open
freeforms.  Embedded images become pictures (SVG ones rendered to PNG).  Each
shape is named by its SVG id.  Groups are flattened; ``<use>``, external
images and elements without extent are left out, each with a warning.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

from crafteditor.model.errors import InputError
from crafteditor.export import Exported, ExportOptions, external_warnings
from crafteditor.model.kinds import ShapeKind
from crafteditor.model.scene import Box, TextRun
from crafteditor.svg.doc import SvgDocument, decode_data_url, parse_svg
from crafteditor.svg.items import Item, Paint, Point, items, label_owners

EMU_PER_PX = 9525
EMU_PER_INCH = 914_400
SLIDE_RANGE_EMU = (EMU_PER_INCH, 56 * EMU_PER_INCH)  # PowerPoint's smallest and largest slide side
PT_PER_PX = 0.75
AUTOSHAPES = {ShapeKind.RECT: "RECTANGLE", ShapeKind.ROUNDED_RECT: "ROUNDED_RECTANGLE", ShapeKind.ELLIPSE: "OVAL",
              ShapeKind.CIRCLE: "OVAL", ShapeKind.DIAMOND: "DIAMOND", ShapeKind.PARALLELOGRAM: "PARALLELOGRAM"}
_C = (1 - math.sqrt(0.5)) / 2  # where an ellipse's 45-degree sites sit, as a fraction of its box
BOX_SITES = ((0.5, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 0.5))  # connection sites 0-3: top, left, bottom, right
OVAL_SITES = ((0.5, 0.0), (_C, _C), (0.0, 0.5), (_C, 1 - _C), (0.5, 1.0), (1 - _C, 1 - _C), (1.0, 0.5), (1 - _C, _C))
# marker kinds (scene.MARK_KINDS) as DrawingML line ends: type, width and length.  Its ends are solid
# except "arrow" (an open chevron), so outlined circles and diamonds become solid ones.  It has no bar
# (nor "stealth", a notched arrowhead, among our kinds): a bar becomes the nearest, a diamond as wide as
# the largest end and as short as the smallest, a flat tick across the line.
LINE_ENDS = {"arrow": ("triangle", "lg", "lg"), "open_arrow": ("arrow", "lg", "lg"), "dot": ("oval", "lg", "lg"),
             "circle": ("oval", "lg", "lg"), "diamond": ("diamond", "lg", "lg"),
             "open_diamond": ("diamond", "lg", "lg"), "bar": ("diamond", "lg", "sm")}
BASELINES = {"sub": "-25000", "super": "30000"}  # PowerPoint's sub- and superscript offsets
ALIGN = {"start": "LEFT", "middle": "CENTER", "end": "RIGHT"}
GENERIC_FONTS = {"sans-serif": "Arial", "serif": "Times New Roman", "monospace": "Courier New"}
CURVE_STEPS = 16  # at most this many points for a curve or arc segment,
CURVE_STEP_PX = 2.0  # and about one every this many px of its length
MAX_RASTER_PX = 4096


@dataclass(frozen=True)
class SlideFrame:
    """Root user units to slide EMU: ``emu = (px - origin) * emu_per_px``."""

    origin_xy: Point
    emu_per_px: float

    @classmethod
    def of(cls, viewbox: tuple[float, float, float, float]) -> SlideFrame:
        x, y, w, h = viewbox
        low, high = SLIDE_RANGE_EMU
        scale = min(max(1.0, low / (min(w, h) * EMU_PER_PX)), high / (max(w, h) * EMU_PER_PX))
        return cls((x, y), EMU_PER_PX * scale)

    @property
    def scale(self) -> float:
        return self.emu_per_px / EMU_PER_PX

    def xy(self, p: Point) -> tuple[int, int]:
        return round((p[0] - self.origin_xy[0]) * self.emu_per_px), round((p[1] - self.origin_xy[1]) * self.emu_per_px)

    def length(self, px: float) -> int:
        return round(px * self.emu_per_px)

    def xywh(self, box: Box) -> tuple[int, int, int, int]:
        x, y = self.xy((box.x0, box.y0))
        return x, y, max(self.length(box.width), 1), max(self.length(box.height), 1)


@dataclass(frozen=True)
class Route:
    """A connector: straight, or an elbow (``bentConnector3``: horizontal, vertical, horizontal in its own
    frame, which is ``turned`` 90 degrees about the ends' midpoint when the line leaves vertically)."""

    elbow: bool
    begin_xy: Point  # in the connector's own frame, root user units
    end_xy: Point
    middle: float = 0.5  # elbows: the middle segment's place, a fraction of the way from begin to end
    turned: bool = False


def simplify(points: tuple[Point, ...] | list[Point], tol_px: float = 0.5) -> list[Point]:
    """``points`` without repeats and without middle points lying on a straight run."""
    out: list[Point] = []
    for p in points:
        if out and math.dist(out[-1], p) <= tol_px:
            continue
        if len(out) >= 2:  # drop the last point when it lies on the way from the one before to p
            (ax, ay), (bx, by) = out[-2], out[-1]
            ahead = (bx - ax) * (p[0] - bx) + (by - ay) * (p[1] - by) >= 0
            if ahead and abs((bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax)) <= tol_px * math.dist((ax, ay), p):
                out.pop()
        out.append(p)
    return out


def connector_route(points: list[Point], tol_px: float = 0.5) -> Route | None:
    """How a connector through ``points`` (simplified) is drawn, or None when only a freeform can."""
    if len(points) == 2:
        return Route(False, points[0], points[1])
    if len(points) not in (3, 4):
        return None
    turned = abs(points[0][0] - points[1][0]) <= tol_px
    if turned:  # turn the line back by 90 degrees about the ends' midpoint: its first run becomes horizontal
        cx, cy = (points[0][0] + points[-1][0]) / 2, (points[0][1] + points[-1][1]) / 2
        points = [(cx + (y - cy), cy - (x - cx)) for x, y in points]
    runs = [abs(b[1] - a[1]) if n % 2 == 0 else abs(b[0] - a[0]) for n, (a, b) in enumerate(zip(points, points[1:]))]
    (xb, _), (xm, _), (xe, _) = points[0], points[1], points[-1]
    if max(runs) > tol_px or abs(xe - xb) <= tol_px:  # not horizontal, vertical[, horizontal]
        return None
    return Route(True, points[0], points[-1], (xm - xb) / (xe - xb), turned)


def flatten_path(d: str, steps: int = CURVE_STEPS) -> list[tuple[list[Point], bool]]:
    """Each subpath of the path data ``d`` as points (curves sampled every ``CURVE_STEP_PX``, at most
    ``steps`` times) and whether it closes."""
    import svgelements as se

    out: list[tuple[list[Point], bool]] = []
    run: list[Point] = []
    for seg in se.Path(d):
        if isinstance(seg, se.Move) or isinstance(seg, se.Close):
            if len(run) > 1:
                out.append((run, isinstance(seg, se.Close)))
            run = [(float(seg.end.x), float(seg.end.y))] if isinstance(seg, se.Move) else run[:1]
        elif isinstance(seg, se.Line):
            run.append((float(seg.end.x), float(seg.end.y)))
        else:  # python-pptx's freeform builder is quadratic in points: take no more than the curve needs
            rough = seg.npoint([0.0, 0.25, 0.5, 0.75, 1.0])
            n = min(steps, max(1, math.ceil(sum(math.dist(a, b) for a, b in zip(rough, rough[1:])) / CURVE_STEP_PX)))
            run.extend((float(x), float(y)) for x, y in seg.npoint([i / n for i in range(1, n + 1)]))
    if len(run) > 1:
        out.append((run, False))
    return out


class _SlideBuilder:
    """The slide being filled, the shapes connectors may glue to, and the warnings so far."""

    def __init__(self, slide: Any, frame: SlideFrame) -> None:
        self.slide, self.frame = slide, frame
        self.glue_targets: dict[str, tuple[Any, Box, tuple[Point, ...]]] = {}
        self.connectors: list[tuple[Any, Item, list[Point]]] = []
        self.warnings: list[str] = []

    def add(self, item: Item, labels: list[Item]) -> None:
        if item.kind == "use":
            self.warnings.append(f"{item.id} is a <use> element, which the PowerPoint export leaves out")
        elif item.box is None or (item.kind in ("shape", "image") and item.box.area <= 0):
            self.warnings.append(f"{item.id} ({item.kind}) has no extent and is left out")
        elif item.kind in ("shape", "path"):
            self._shape(item, labels)
        elif item.kind == "text":
            box = self.slide.shapes.add_textbox(*self.frame.xywh(item.box))
            self._finish(box, item, None)
            self._text(box.text_frame, [item], item.box)
        elif item.kind in ("connector", "line"):
            self._line(item)
        elif item.kind == "image":
            self._picture(item)
        else:
            self.warnings.append(f"{item.id} ({item.kind}) is not supported by the PowerPoint export: left out")

    def _shape(self, item: Item, labels: list[Item]) -> None:
        from pptx.enum.shapes import MSO_SHAPE

        upright = item.upright
        if item.geometry in AUTOSHAPES and (upright or item.geometry != "rect"):
            kind = getattr(MSO_SHAPE, AUTOSHAPES[item.geometry])
            shape = self.slide.shapes.add_shape(kind, *self.frame.xywh(item.box))
            if item.geometry == ShapeKind.ROUNDED_RECT:
                shape.adjustments[0] = min(item.radius / max(min(item.box.width, item.box.height), 1e-9), 0.5)
            elif item.geometry == ShapeKind.PARALLELOGRAM:  # PowerPoint's leans right, by its adjustment x the short side
                shape.adjustments[0] = abs(item.skew) / max(min(item.box.width, item.box.height), 1e-9)
                if item.skew < 0:
                    shape._element.spPr.get_or_add_xfrm().set("flipH", "1")
            sites = OVAL_SITES if shape.auto_shape_type == MSO_SHAPE.OVAL else BOX_SITES
            self.glue_targets[item.id] = (shape, item.box, sites)
            if not upright:
                self.warnings.append(f"{item.id} is rotated: drawn upright in its bounding box")
        else:
            closed = item.geometry in ("rect", "polygon", "diamond") and item.points
            contours = [(list(item.points), True)] if closed else flatten_path(item.path_d) if item.path_d else []
            if not contours:
                self.warnings.append(f"{item.id} has no outline to draw and is left out")
                for label in labels:  # its labels still show, as free text
                    self.add(label, [])
                return
            shape = self._freeform(contours)
        self._finish(shape, item, item.paint.fill)
        if labels:
            self._text(shape.text_frame, labels, item.box)

    def _freeform(self, contours: list[tuple[list[Point], bool]]) -> Any:
        """A freeform through ``contours`` (root user units), drawn in EMU so nothing is rounded to a px."""
        builder = self.slide.shapes.build_freeform(*self.frame.xy(contours[0][0][0]), scale=1.0)
        for n, (points, closed) in enumerate(contours):
            if n:
                builder.move_to(*self.frame.xy(points[0]))
            builder.add_line_segments([self.frame.xy(p) for p in points[1:]], close=closed)
        return builder.convert_to_shape()

    def _line(self, item: Item) -> None:
        from pptx.enum.shapes import MSO_CONNECTOR
        from pptx.oxml.ns import qn

        runs = flatten_path(item.path_d) if item.path_d else []  # the curves, when items gives the path
        points = simplify(runs[0][0] if len(runs) == 1 else item.points)
        if len(points) < 2:
            self.warnings.append(f"{item.id} has fewer than two distinct points and is left out")
            return
        route = connector_route(points)
        if route is None:
            shape = self._freeform([(points, False)])
        else:
            kind = MSO_CONNECTOR.ELBOW if route.elbow else MSO_CONNECTOR.STRAIGHT
            shape = self.slide.shapes.add_connector(kind, *self.frame.xy(route.begin_xy), *self.frame.xy(route.end_xy))
            if route.turned:
                shape.rotation = 90.0
            if route.elbow and abs(route.middle - 0.5) > 1e-4:
                shape._element.spPr.prstGeom.rewrite_guides([("adj1", round(route.middle * 100_000))])
            self.connectors.append((shape, item, points))
        self._finish(shape, item, None)
        ln = shape._element.spPr.get_or_add_ln()
        for mark, tag in ((item.start_mark, "a:headEnd"), (item.end_mark, "a:tailEnd")):
            if mark:  # after colour, width and dash, as the schema orders them
                kind, width, length = LINE_ENDS.get(mark, LINE_ENDS["arrow"])
                ln.append(ln.makeelement(qn(tag), {"type": kind, "w": width, "len": length}))

    def glue(self, connector: Any, item: Item, points: list[Point]) -> None:
        """Join the connector's ends to the sites nearest them on the shapes it names (its ends stay put)."""
        props = connector._element.nvCxnSpPr.cNvCxnSpPr
        for ref, xy, begin in ((item.source_id, points[0], True), (item.target_id, points[-1], False)):
            if ref not in self.glue_targets:
                continue
            shape, box, sites = self.glue_targets[ref]
            spots = [(box.x0 + fx * box.width, box.y0 + fy * box.height) for fx, fy in sites]
            cxn = props.get_or_add_stCxn() if begin else props.get_or_add_endCxn()
            cxn.id, cxn.idx = shape.shape_id, min(range(len(spots)), key=lambda i: math.dist(spots[i], xy))

    def _picture(self, item: Item) -> None:
        decoded = decode_data_url(item.href or "")
        if decoded is None:
            if not item.href or item.href.startswith("data:"):
                self.warnings.append(f"{item.id} is an image without readable data and is left out")
            return  # an external reference: external_warnings names it
        media, raw = decoded
        try:
            if media == "image/svg+xml":
                raw = self._rasterise(item, raw)
            picture = self.slide.shapes.add_picture(io.BytesIO(raw), *self.frame.xywh(item.box))
        except (InputError, OSError, ValueError) as exc:
            self.warnings.append(f"{item.id} is an image that cannot be read ({exc}) and is left out")
            return
        picture.name = item.id

    def _rasterise(self, item: Item, svg: bytes) -> bytes:
        from checkers.render import SvgRenderError, render_file

        parse_svg(svg, f"the SVG image in {item.id}")  # refuses entities and other unsafe input
        w, h = (min(max(round(v * self.frame.scale * 2), 1), MAX_RASTER_PX) for v in (item.box.width, item.box.height))
        self.warnings.append(f"{item.id} is an SVG image: embedded as a {w}x{h} px PNG rendering")
        try:
            return render_file(svg, "png", size_wh=(w, h))
        except SvgRenderError as exc:
            raise InputError(str(exc)) from None

    def _finish(self, shape: Any, item: Item, fill: str | None) -> None:
        """Name ``shape`` by the SVG id and give it ``item``'s own paint, without the theme's style."""
        from pptx.dml.color import RGBColor
        from pptx.enum.dml import MSO_LINE_DASH_STYLE
        from pptx.oxml.ns import qn

        shape.name = item.id
        style = shape._element.find(qn("p:style"))
        if style is not None:
            shape._element.remove(style)
        if item.kind == "text":
            return
        if fill:
            shape.fill.solid()
            shape.fill.fore_color.rgb = RGBColor.from_string(fill[1:])
        elif hasattr(shape, "fill"):  # connectors have none
            shape.fill.background()
        paint = item.paint
        if paint.stroke and paint.stroke_width > 0:
            shape.line.color.rgb = RGBColor.from_string(paint.stroke[1:])
            shape.line.width = self.frame.length(paint.stroke_width)
            if any(v > 0 for v in paint.dash):
                shape.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        else:
            shape.line.fill.background()
        if paint.opacity < 1:
            for colour in shape._element.spPr.xpath("./a:solidFill/a:srgbClr | ./a:ln/a:solidFill/a:srgbClr"):
                colour.append(colour.makeelement(qn("a:alpha"), {"val": str(round(paint.opacity * 100_000))}))

    def _text(self, frame: Any, texts: list[Item], holder: Box) -> None:
        """Each line of ``texts`` as a paragraph of ``frame``; insets keep the block where it stood in ``holder``."""
        from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN

        texts = sorted(texts, key=lambda t: (t.box.y0, t.box.x0))
        lines = ((t, line, t.runs[i] if t.runs else ()) for t in texts for i, (line, _box) in enumerate(t.lines))
        for n, (text, line, runs) in enumerate(lines):
            paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
            paragraph.alignment = getattr(PP_ALIGN, ALIGN.get(text.paint.anchor, "LEFT"))
            for piece in runs or (TextRun(line),):
                run = paragraph.add_run()
                run.text = piece.text
                self._font(run.font, text.paint)
                if piece.shift:  # a sub- or superscript: PowerPoint's own offset, in thousandths of a percent
                    run._r.get_or_add_rPr().set("baseline", BASELINES[piece.shift])
        frame.word_wrap, frame.auto_size, frame.vertical_anchor = False, MSO_AUTO_SIZE.NONE, MSO_ANCHOR.MIDDLE
        block = texts[0].box
        for t in texts[1:]:
            block = block.union(t.box)
        align = {ALIGN.get(t.paint.anchor, "LEFT") for t in texts}
        dx, dy = block.center[0] - holder.center[0], block.center[1] - holder.center[1]
        left, right = ((block.x0 - holder.x0, 0.0) if align == {"LEFT"} else (0.0, holder.x1 - block.x1)
                       if align == {"RIGHT"} else (2 * dx, -2 * dx))
        insets = (left, 2 * dy, right, -2 * dy)
        for name, px in zip(("margin_left", "margin_top", "margin_right", "margin_bottom"), insets):
            setattr(frame, name, self.frame.length(max(px, 0.0)))

    def _font(self, font: Any, paint: Paint) -> None:
        from pptx.dml.color import RGBColor
        from pptx.util import Pt

        size_pt = (paint.font_size or 16.0) * PT_PER_PX * self.frame.scale
        font.size = Pt(round(min(max(size_pt, 1.0), 4000.0), 2))  # PowerPoint's range
        font.bold = paint.bold
        family = paint.family
        if family:
            font.name = GENERIC_FONTS.get(family.lower(), family)
        if paint.fill:
            font.color.rgb = RGBColor.from_string(paint.fill[1:])


def to_pptx(doc: SvgDocument, options: ExportOptions) -> Exported:
    """``doc`` as a one-slide PowerPoint file (``options``' scale and dpi do not apply to it)."""
    from pptx import Presentation

    vx, vy, vw, vh = doc.viewbox()
    frame = SlideFrame.of((vx, vy, vw, vh))
    deck = Presentation()
    deck.slide_width, deck.slide_height = frame.length(vw), frame.length(vh)
    builder = _SlideBuilder(deck.slides.add_slide(deck.slide_layouts[6]), frame)  # layout 6: blank
    if abs(frame.scale - 1) > 1e-9:
        builder.warnings.append(f"the slide is scaled by {frame.scale:.3g} to fit PowerPoint's 1 to 56 inch sides")
    found = items(doc)
    owners = label_owners(found, Box(vx, vy, vx + vw, vy + vh))
    labelled = {text.id for texts in owners.values() for text in texts}
    for item in found:
        if item.kind in ("layer", "group") or item.id in labelled or (item.kind == "text" and not item.lines):
            continue  # groups flatten; labels went into their shapes; empty text shows nothing
        builder.add(item, owners.get(item.id, []))
    for connector, item, points in builder.connectors:
        builder.glue(connector, item, points)
    out = io.BytesIO()
    deck.save(out)
    return Exported(out.getvalue(), tuple(dict.fromkeys([*external_warnings(doc), *builder.warnings])))
