"""Grounding drawn figures into shapes, with their paint, nesting and kind."""

import random

import numpy as np
import pytest

from crafteditor.model.scene import from_hex
from extraction.plan import ground_canvas
from tests.drawing import render

KINDS = ("rect", "rounded_rect", "ellipse", "circle", "diamond", "parallelogram", "cylinder")


def _case(kind: str, rng: random.Random) -> tuple[str, tuple[float, float, float, float], dict]:
    x, y = rng.uniform(30, 70), rng.uniform(30, 60)
    w, h = rng.uniform(140, 260), rng.uniform(80, 150)
    if kind == "circle":
        w = h
    if kind == "ellipse" and abs(w - h) < 0.25 * w:
        h = 0.55 * w
    fill = rng.choice(["#dbe9f6", "#fde2c8", "#1f4e79", "#ffffff"])
    stroke = rng.choice(["#c55a11", "#bf9000"] if fill == "#1f4e79" else ["#2f5597", "#c55a11", "#404040"])
    sw = rng.choice([1.5, 2.0, 3.0])
    dashed = kind in ("rect", "rounded_rect") and rng.random() < 0.5
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="{sw}"' + (' stroke-dasharray="8 5"' if dashed else "")
    x1, y1 = x + w, y + h
    cx, cy = x + w / 2, y + h / 2
    if kind in ("rect", "rounded_rect"):
        rx = ' rx="12"' if kind == "rounded_rect" else ""
        body = f'<rect x="{x}" y="{y}" width="{w}" height="{h}"{rx} {paint}/>'
    elif kind in ("ellipse", "circle"):
        body = f'<ellipse cx="{cx}" cy="{cy}" rx="{w / 2}" ry="{h / 2}" {paint}/>'
    elif kind == "diamond":
        body = f'<polygon points="{cx},{y} {x1},{cy} {cx},{y1} {x},{cy}" {paint}/>'
    elif kind == "parallelogram":
        k = 0.25 * w
        body = f'<polygon points="{x + k},{y} {x1},{y} {x1 - k},{y1} {x},{y1}" {paint}/>'
    else:
        ry = 12
        body = (f'<path d="M{x},{y + ry} A{w / 2},{ry} 0 0 1 {x1},{y + ry} L{x1},{y1 - ry} '
                f'A{w / 2},{ry} 0 0 1 {x},{y1 - ry} Z" {paint}/>'
                f'<path d="M{x},{y + ry} A{w / 2},{ry} 0 0 0 {x1},{y + ry}" fill="none" stroke="{stroke}" '
                f'stroke-width="{sw}"/>')
    return body, (x, y, x1, y1), dict(fill=fill, stroke=stroke, sw=sw, dashed=dashed)


def _close(a: str | None, b: str, tol: int) -> bool:
    return a is not None and max(abs(p - q) for p, q in zip(from_hex(a), from_hex(b))) <= tol


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("kind", KINDS)
def test_a_drawn_primitive_is_grounded_with_its_kind_and_paint(kind, seed):
    body, (x0, y0, x1, y1), paint = _case(kind, random.Random(KINDS.index(kind) * 100 + seed))
    grounding = ground_canvas(render(body, 360, 260), (255, 255, 255))
    assert len(grounding.shapes) == 1, [s.shape.kind for s in grounding.shapes]
    el = grounding.shapes[0]
    assert el.shape.kind == kind
    b = el.box
    assert abs(b.x0 - x0) <= 2.5 and abs(b.x1 - x1) <= 2.5 and abs(b.y0 - y0) <= 2.5 and abs(b.y1 - y1) <= 2.5
    assert _close(el.style.stroke, paint["stroke"], 40)
    assert abs(el.style.stroke_width_px - paint["sw"]) <= 0.8
    if paint["fill"] == "#ffffff":
        assert el.style.fill is None
    else:
        assert _close(el.style.fill, paint["fill"], 6)
    assert bool(el.style.dash_px) == paint["dashed"]
    if paint["dashed"]:
        on, off = el.style.dash_px
        assert abs(on - 8) <= 2.5 and abs(off - 5) <= 2.5
    if kind == "rounded_rect":
        assert 7 <= el.shape.radius_px <= 16


def test_nested_containers_keep_their_nesting_and_paint_order():
    body = ('<rect x="20" y="20" width="460" height="260" rx="8" fill="none" stroke="#7f7f7f" '
            'stroke-width="1.5" stroke-dasharray="8 5"/>'
            '<rect x="50" y="60" width="180" height="180" fill="#e2f0d9" stroke="#548235" stroke-width="2"/>'
            '<rect x="80" y="100" width="120" height="60" fill="#ffffff" stroke="#2f5597" stroke-width="2"/>'
            '<ellipse cx="360" cy="150" rx="80" ry="50" fill="#fde2c8" stroke="#c55a11" stroke-width="2"/>')
    shapes = ground_canvas(render(body, 500, 300), (255, 255, 255)).shapes
    by_kind = {}
    for s in shapes:
        by_kind.setdefault(s.shape.kind, []).append(s)
    assert sorted(s.shape.kind for s in shapes) == ["ellipse", "rect", "rect", "rounded_rect"]
    frame = by_kind["rounded_rect"][0]
    outer, inner = sorted(by_kind["rect"], key=lambda s: -s.box.area)
    assert frame.style.dash_px and frame.parent_id is None
    assert outer.parent_id == frame.id and by_kind["ellipse"][0].parent_id == frame.id
    assert inner.parent_id == outer.id
    order = [s.id for s in shapes]
    assert order.index(frame.id) < order.index(outer.id) < order.index(inner.id)
    assert frame.label.startswith("container")


def test_regions_that_only_look_enclosed_are_not_shapes():
    # Three lines of different colours closing a triangle: no outline of one colour.
    body = ('<path d="M40,200 L200,40" stroke="#c00000" stroke-width="2"/>'
            '<path d="M200,40 L360,200" stroke="#2e75b6" stroke-width="2"/>'
            '<path d="M40,200 L360,200" stroke="#548235" stroke-width="2"/>')
    assert ground_canvas(render(body, 400, 240), (255, 255, 255)).shapes == ()


def test_a_faint_fill_no_primitive_fits_is_traced_not_lost():
    # A pale star: too faint to count as ink, too many corners for a polygon.
    import math

    pts = []
    for i in range(10):
        r = 90 if i % 2 == 0 else 40
        a = math.pi * i / 5
        pts.append(f"{150 + r * math.sin(a):.1f},{120 - r * math.cos(a):.1f}")
    g = ground_canvas(render(f'<polygon points="{" ".join(pts)}" fill="#eef3fa"/>', 300, 240), (255, 255, 255))
    assert g.shapes == () and g.icons == ()
    assert g.leftover_px > 3000
    assert g.leftover_rgb[120, 150].tolist() == [0xEE, 0xF3, 0xFA]


def test_a_dashed_container_cut_by_a_row_of_boxes_and_touching_a_loop_is_one_rect():
    """The bundled example without its text: the "Model" container is cut into an upper
    and a lower half by the boxes and arrows across it, and its lower half touches the
    region closed by the dashed feedback arrow; the two halves still make one rect."""
    from pathlib import Path

    import cairosvg
    import numpy as np
    from PIL import Image

    from checkers.svgedit import strip_text

    svg = (Path(__file__).resolve().parents[1] / "fixtures" / "example_pipeline.svg").read_bytes()
    png = cairosvg.svg2png(bytestring=strip_text(svg))
    rgb = np.asarray(Image.open(__import__("io").BytesIO(png)).convert("RGB"))
    shapes = ground_canvas(rgb, (255, 255, 255)).shapes
    (container,) = [s for s in shapes if s.style.dash_px]
    assert container.box.iou(type(container.box)(500, 150, 930, 380)) > 0.95
    assert container.style.fill is None and container.style.stroke == "#666666"
    assert len(shapes) == 8  # the container and the seven boxes


def test_grounded_shapes_compare_by_identity_not_by_their_arrays():
    """Two fits of one place with different silhouettes never reach array equality."""
    from extraction.ground import GroundedShape, _merge_cylinders, _unique
    from extraction.shapes import ShapeFit
    from crafteditor.model.scene import Box

    fit = ShapeFit("ellipse", Box(10, 10, 50, 20), 0.9)
    paint = None
    a = GroundedShape(fit, paint, (10, 10, 50, 20), np.ones((10, 40), bool), (200.0, 200.0, 200.0), False)
    b = GroundedShape(fit, paint, (10, 10, 50, 20), np.eye(10, 40, dtype=bool), (200.0, 200.0, 200.0), False)
    assert a != b and a == a
    merged = _merge_cylinders([a, b])
    assert len(merged) == 2 and merged[0] is a and merged[1] is b
    assert _unique([a, b]) == [a]


@pytest.mark.parametrize("gap, stroke", [(2, True), (3, True), (4, False)])
def test_each_box_of_a_tight_stack_keeps_its_own_fill_and_box(gap, stroke):
    """Six grey boxes stacked with thin gaps: a box's fill comes from its own inside,
    not from the neighbours' insides around it, and a neighbour's outline across
    the gap is not part of its own."""
    paint = 'stroke="#404040" stroke-width="1.5"' if stroke else ""
    tops = [20 + i * (30 + gap) for i in range(6)]
    body = "".join(f'<rect x="40" y="{y}" width="200" height="30" fill="#d9d9d9" {paint}/>' for y in tops)
    shapes = sorted(ground_canvas(render(body, 280, tops[-1] + 50), (255, 255, 255)).shapes, key=lambda s: s.box.y0)
    assert len(shapes) == 6
    for el, y in zip(shapes, tops):
        assert _close(el.style.fill, "#d9d9d9", 6)
        assert abs(el.box.y0 - y) <= 1.5 and abs(el.box.y1 - (y + 30)) <= 1.5
        assert (el.style.stroke is not None) == stroke


@pytest.mark.parametrize("radius", [3, 4])
@pytest.mark.parametrize("paint", ['fill="#ffffff" stroke="#333333" stroke-width="1"',
                                   'fill="#dae8fc" stroke="#6c8ebf" stroke-width="2"'])
def test_small_rounded_corners_stay_rounded_and_square_ones_square(radius, paint):
    """A corner radius of 3 or 4 px hides in the silhouette's anti-aliasing; the ink
    of the corner shows it.  Square corners beside them stay square."""
    body = (f'<rect x="20.5" y="30.5" width="70" height="40" rx="{radius}" {paint}/>'
            f'<rect x="140.5" y="30.5" width="70" height="40" {paint}/>')
    shapes = sorted(ground_canvas(render(body, 240, 100), (255, 255, 255)).shapes, key=lambda s: s.box.x0)
    assert [s.shape.kind for s in shapes] == ["rounded_rect", "rect"]
    assert radius - 1.5 <= shapes[0].shape.radius_px <= radius + 1.5


@pytest.mark.parametrize("jpeg_quality", [None, 75])
@pytest.mark.parametrize("tint", ["#f3f6fb", "#f0f4fa"])
def test_a_light_tint_panel_without_outline_stays_one_flat_fill(tint, jpeg_quality):
    """A panel lighter than the page's flatness tolerance away from it joins the page
    in one flat region unless its own colour splits it off: it stays one rect with
    its tint, under the white boxes it holds."""
    from crafteditor.bench.cases import Degradation, degrade

    body = f'<rect x="20" y="20" width="560" height="260" fill="{tint}"/>'
    for x, y in ((50, 60), (250, 60), (50, 170), (250, 170)):
        body += f'<rect x="{x}" y="{y}" width="150" height="60" fill="#ffffff" stroke="#333333" stroke-width="1.5"/>'
    rgb = degrade(render(body, 600, 300), Degradation(jpeg_quality=jpeg_quality))
    shapes = sorted(ground_canvas(rgb, (255, 255, 255)).shapes, key=lambda s: -s.box.area)
    assert len(shapes) == 5
    panel = shapes[0]
    assert panel.box.iou(type(panel.box)(20, 20, 580, 280)) > 0.97
    assert _close(panel.style.fill, tint, 3) and panel.style.stroke is None
    assert all(s.style.fill in (None, "#ffffff") or _close(s.style.fill, "#ffffff", 3) for s in shapes[1:])


@pytest.mark.parametrize("page", ["#ffffff", "#f0f0f0"])
@pytest.mark.parametrize("dash", ["2 3", "3 3"])
def test_a_dotted_circle_and_box_are_kept_with_their_dots(page, dash):
    """Dots too short for the outer walk (its 3x3 growth closes their gaps) are read
    along the stroke: a dotted circle is a dashed circle, not lost ink."""
    body = (f'<circle cx="90" cy="90" r="60" fill="#ffffff" stroke="#1f3b57" stroke-width="2" stroke-dasharray="{dash}"/>'
            f'<rect x="180" y="30" width="200" height="110" fill="#ffffff" stroke="#1f3b57" stroke-width="2" '
            f'stroke-dasharray="{dash}"/>')
    shapes = sorted(ground_canvas(render(body, 400, 180, background=page), from_hex(page)).shapes, key=lambda s: s.box.x0)
    assert [s.shape.kind for s in shapes] == ["circle", "rect"]
    assert shapes[0].box.iou(type(shapes[0].box)(30, 30, 150, 150)) > 0.95
    assert all(s.style.dash_px for s in shapes)


def test_dashed_and_dotted_outlines_inside_a_container_are_found():
    """A dashed box and a dotted circle inside a white container on a grey page: their
    insides leak into the container's, not into the page, and are still enclosed
    once the gaps are closed."""
    body = ('<rect x="20" y="20" width="460" height="260" fill="#ffffff" stroke="#222222" stroke-width="2"/>'
            '<rect x="60" y="60" width="180" height="160" rx="8" fill="none" stroke="#1f3b57" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
            '<circle cx="360" cy="140" r="70" fill="none" stroke="#1f3b57" stroke-width="2" stroke-dasharray="2 3"/>')
    shapes = sorted(ground_canvas(render(body, 500, 300, background="#eeeeee"), (238, 238, 238)).shapes,
                    key=lambda s: -s.box.area)
    assert [s.shape.kind for s in shapes] == ["rect", "rounded_rect", "circle"]
    assert not shapes[0].style.dash_px and shapes[1].style.dash_px and shapes[2].style.dash_px
    assert shapes[1].style.fill is None and shapes[2].style.fill is None


def test_a_box_on_a_tinted_panel_cut_by_a_line_keeps_its_outline():
    """A line across the panel runs along the box, so the panel's part around the box
    holds it in a notch, not a hole: the panel is still what lies behind the box,
    and the box's outline next to it is the box's own."""
    body = ('<rect x="20" y="20" width="460" height="200" fill="#fbe5d6"/>'
            '<path d="M199,20 V220" stroke="#000000" stroke-width="2"/>'
            '<rect x="200" y="90" width="72" height="26" fill="#f8cbad" stroke="#383230" stroke-width="2"/>'
            '<rect x="320" y="90" width="72" height="26" fill="#f8cbad" stroke="#383230" stroke-width="2"/>')
    shapes = [s for s in ground_canvas(render(body, 500, 240), (255, 255, 255)).shapes if s.box.height < 40]
    assert len(shapes) == 2
    for el in shapes:
        assert el.shape.kind == "rect" and _close(el.style.fill, "#f8cbad", 6) and el.style.stroke is not None


def _fills(body: str, w: int = 520, h: int = 320) -> list:
    return [s for s in ground_canvas(render(body, w, h), (255, 255, 255)).shapes if s.style.stroke is None]


@pytest.mark.parametrize("crossing", [1, 2])
def test_a_tinted_panel_crossed_by_lines_stays_one_fill(crossing):
    """Lines running across a panel without outline (from above it to below it) cut
    its flat inside apart; the panel is still one flat fill, not one box per piece."""
    panel = '<rect x="40" y="60" width="440" height="200" rx="14" fill="#fff2cc"/>'
    lines = "".join(f'<line x1="{x}" y1="20" x2="{x}" y2="300" stroke="#000000" stroke-width="2"/>'
                    for x in (170, 330)[:crossing])
    fills = [s for s in _fills(panel + lines) if _close(s.style.fill, "#fff2cc", 6)]
    assert len(fills) == 1, [s.box for s in fills]
    assert fills[0].box.iou(type(fills[0].box)(40, 60, 480, 260)) > 0.95


def test_tinted_cells_a_divider_separates_stay_apart():
    """A divider that stops at the panel's edge separates two cells: each keeps its box."""
    cells = '<rect x="40" y="60" width="440" height="200" fill="#dae8fc"/>'
    divider = '<line x1="260" y1="60" x2="260" y2="260" stroke="#000000" stroke-width="2"/>'
    fills = sorted((s for s in _fills(cells + divider) if _close(s.style.fill, "#dae8fc", 6)), key=lambda s: s.box.x0)
    assert len(fills) == 2, [s.box for s in fills]
    assert fills[0].box.x1 <= 262 and fills[1].box.x0 >= 258


def test_table_cells_page_coloured_rules_separate_stay_apart():
    """Rows of tinted cells with page-coloured rules between them: a rule running
    from row to row is no line crossing a panel, so every cell keeps its own box."""
    cells = "".join(f'<rect x="{40 + 82 * i}" y="{60 + 40 * j}" width="80" height="38" fill="#5b9bd5"/>'
                    for i in range(5) for j in range(3))
    fills = [s for s in _fills(cells) if _close(s.style.fill, "#5b9bd5", 8)]
    assert len(fills) >= 12
    assert all(s.box.width <= 82 and s.box.height <= 40 for s in fills), [s.box for s in fills]


@pytest.mark.parametrize("width", [1.0, 1.15])
def test_a_thin_outline_between_pixels_is_a_box(width):
    """A thin outline whose left side lies on a pixel edge (two half-covered grey
    pixels wide) and whose other sides are crisp is still one colour all round:
    the box is a box, not loose lines."""
    body = "".join(f'<rect x="{x}" y="40.5" width="63.43" height="41" fill="#ffffff" '
                   f'stroke="#000000" stroke-width="{width}"/>' for x in (40.07, 160.07, 280.07))
    rgb = render(body, 400, 140)
    assert (np.abs(rgb[60, 35:45].astype(int) - 0).max(axis=1) > 89).all()  # no left-side pixel near black
    shapes = ground_canvas(rgb, (255, 255, 255)).shapes
    assert sorted(s.shape.kind for s in shapes) == ["rect"] * 3
    assert all(s.style.stroke is not None and not s.style.dash_px for s in shapes)


def test_lines_crossing_are_no_box_but_a_grid_of_cells_is():
    """Two lifelines and the two arrows between them close in a white rectangle whose
    sides run on past its corners: lines, not a box.  In a table of cells every side
    runs on too, but as the next cell's outline: the cells stay boxes."""
    head = '<polygon points="{x},{y} {b},{t} {b},{u}" fill="#333333"/>'
    lines = ('<line x1="60" y1="20" x2="60" y2="300" stroke="#333333" stroke-width="2"/>'
             '<line x1="260" y1="20" x2="260" y2="300" stroke="#333333" stroke-width="2"/>'
             '<line x1="60" y1="110" x2="248" y2="110" stroke="#333333" stroke-width="2"/>'
             + head.format(x=259, y=110, b=245, t=104, u=116)
             + '<line x1="260" y1="200" x2="72" y2="200" stroke="#333333" stroke-width="2"/>'
             + head.format(x=61, y=200, b=75, t=194, u=206))
    grounding = ground_canvas(render(lines, 320, 320), (255, 255, 255))
    assert not grounding.shapes
    assert len(grounding.connectors) >= 2
    cells = "".join(f'<rect x="{40 + 80 * i}" y="{40 + 40 * j}" width="80" height="40" fill="none" '
                    f'stroke="#333333" stroke-width="1.5"/>' for i in range(3) for j in range(3))
    table = ground_canvas(render(cells, 320, 200), (255, 255, 255))
    assert len(table.shapes) == 9
