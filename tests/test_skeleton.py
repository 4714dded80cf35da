"""Candidate skeletons: loose lines closed into containers, ambiguous shapes traced."""

from __future__ import annotations

import random

import pytest

from checkers.fidelity import drawn_pixel_f1
from checkers.render import render_rgb
from composition.skeleton import close_containers, trace_ambiguous
from composition.writer import write_svg
from crafteditor.model.scene import (
    Box, ConnectorContent, Element, Kind, Scene, ShapeContent, Style, TextContent, TextLine,
)
from tests.drawing import render

GREY = Style(stroke="#7f7f7f", stroke_width_px=1.5, dash_px=(6.0, 4.0))


def _line(i: int, *points: tuple[float, float], style: Style = GREY, **ends: object) -> Element:
    return Element(id=f"connector-{i:04d}", kind=Kind.CONNECTOR, box=Box.from_points(points), style=style,
                   connector=ConnectorContent(tuple(points), "straight", **ends))


def _text(i: int, box: Box, text: str = "Block", parent_id: str | None = None) -> Element:
    return Element(id=f"text-{i:04d}", kind=Kind.TEXT, box=box, parent_id=parent_id,
                   style=Style(fill="#222222", font_size_px=14.0),
                   text=TextContent((TextLine(text, box, box.y1 - 3),), anchor_x=box.x0))


def _shape(i: int, box: Box, fit: float = 1.0, kind: str = "rect", parent_id: str | None = None) -> Element:
    return Element(id=f"shape-{i:04d}", kind=Kind.SHAPE, box=box, parent_id=parent_id,
                   style=Style(fill="#dbe9f6", stroke="#2f5597", stroke_width_px=2.0),
                   shape=ShapeContent(kind, fit_iou=fit))


def _outline(x0: float, y0: float, x1: float, y1: float, gap: float = 3.0, first: int = 1,
             style: Style = GREY) -> list[Element]:
    """The four sides of a box as loose lines, stopping ``gap`` short of each corner."""
    return [
        _line(first, (x0 + gap, y0), (x1 - gap, y0), style=style),
        _line(first + 1, (x1, y0 + gap), (x1, y1 - gap), style=style),
        _line(first + 2, (x1 - gap, y1), (x0 + gap, y1), style=style),
        _line(first + 3, (x0, y1 - gap), (x0, y0 + gap), style=style),
    ]


@pytest.mark.parametrize("seed", range(6))
def test_four_loose_sides_become_one_dashed_rect_holding_what_is_inside(seed):
    rng = random.Random(seed)
    x0, y0 = rng.uniform(10, 60), rng.uniform(10, 60)
    x1, y1 = x0 + rng.uniform(60, 250), y0 + rng.uniform(40, 120)
    lines = _outline(x0, y0, x1, y1, gap=rng.uniform(0, 6))
    rng.shuffle(lines)
    inside = _text(1, Box(x0 + 10, y0 + 10, x0 + 50, y0 + 26))
    box_inside = _shape(1, Box(x0 + 8, y0 + 30, x0 + 40, y0 + 38))
    outside = _text(2, Box(x1 + 20, y0, x1 + 60, y0 + 16), "Caption")
    scene = Scene((400, 300), elements=(*lines, box_inside, inside, outside))
    closed = close_containers(scene)
    assert closed is not None
    container = closed.elements[0]  # painted first, under its content
    assert container.kind is Kind.SHAPE and container.shape.kind == "rect" and container.style.fill is None
    assert container.box.xyxy == pytest.approx((x0, y0, x1, y1), abs=1e-6)
    assert (container.style.stroke, container.style.stroke_width_px, container.style.dash_px) == (
        "#7f7f7f", 1.5, (6.0, 4.0))
    assert not closed.of_kind(Kind.CONNECTOR)
    assert closed.by_id("text-0001").parent_id == container.id
    assert closed.by_id("shape-0001").parent_id == container.id
    assert closed.by_id("text-0002").parent_id is None
    assert len(closed) == len(scene) - 4 + 1


def test_a_side_cut_in_pieces_joins_the_container():
    top_pieces = [_line(1, (43, 30), (100, 30)), _line(2, (120, 30), (170, 30)), _line(3, (190, 30), (237, 30))]
    rest = _outline(40, 30, 240, 130, first=4)[1:]
    arrow = _line(9, (140, 5), (140, 29), style=Style(stroke="#333333", stroke_width_px=2.0), head_end=True)
    scene = Scene((300, 200), elements=(*top_pieces, *rest, arrow))
    closed = close_containers(scene)
    assert closed is not None
    assert [e.id for e in closed.of_kind(Kind.CONNECTOR)] == ["connector-0009"]  # the arrow crossing in stays
    (container,) = closed.of_kind(Kind.SHAPE)
    assert "6 loose lines" in container.provenance.note
    assert container.box.xyxy == pytest.approx((40, 30, 240, 130))


def test_an_undashed_outline_gets_a_dash_from_its_stroke_width():
    solid = Style(stroke="#000000", stroke_width_px=2.0)
    closed = close_containers(Scene((300, 200), elements=tuple(_outline(40, 30, 240, 130, style=solid))))
    (container,) = closed.elements
    assert container.style.dash_px == (8.0, 6.0) and container.style.stroke == "#000000"


def test_a_label_already_held_keeps_its_parent_and_the_smallest_container_holds_the_rest():
    outer = _outline(10, 10, 290, 190, first=1)
    inner = _outline(60, 50, 200, 140, first=5)
    held = _text(1, Box(70, 60, 110, 76), parent_id="shape-0009")
    free = _text(2, Box(70, 100, 110, 116))
    between = _text(3, Box(220, 60, 260, 76))
    scene = Scene((300, 200), elements=(_shape(9, Box(65, 55, 150, 80)), *outer, *inner, held, free, between))
    closed = close_containers(scene)
    containers = {e.box.xyxy: e.id for e in closed.of_kind(Kind.SHAPE) if e.label == "dashed container"}
    assert set(containers) == {(10, 10, 290, 190), (60, 50, 200, 140)}
    assert closed.by_id("text-0001").parent_id == "shape-0009"
    assert closed.by_id("text-0002").parent_id == containers[(60, 50, 200, 140)]
    assert closed.by_id("text-0003").parent_id == containers[(10, 10, 290, 190)]
    assert closed.by_id("shape-0009").parent_id == containers[(60, 50, 200, 140)]


def test_a_closed_container_is_written_as_one_dashed_rect():
    scene = Scene((300, 200), elements=(*_outline(40, 30, 240, 130), _text(1, Box(60, 50, 110, 66))))
    svg = write_svg(close_containers(scene))
    assert svg.count("<rect") == 2  # the page and the container
    assert 'stroke-dasharray="6 4"' in svg and "<path" not in svg and "layer-connectors" not in svg


def _not_closed() -> list[tuple[str, Scene]]:
    glued = [e.replace(connector=ConnectorContent(e.connector.points, "straight", source_id="shape-0001",
                                                  target_id="shape-0002")) for e in _outline(40, 30, 240, 130)]
    return [
        ("arrows between shapes", Scene((300, 200), elements=(
            _shape(1, Box(10, 10, 30, 30)), _shape(2, Box(260, 150, 290, 190)), *glued))),
        ("open L", Scene((300, 200), elements=tuple(_outline(40, 30, 240, 130)[:2]))),
        ("open U", Scene((300, 200), elements=tuple(_outline(40, 30, 240, 130)[:3]))),
        ("too small", Scene((300, 200), elements=tuple(_outline(40, 30, 240, 55)))),
        ("a side barely drawn", Scene((300, 200), elements=(
            *_outline(40, 30, 240, 130)[1:], _line(1, (43, 30), (60, 30)), _line(9, (223, 30), (237, 30))))),
        ("curved", Scene((300, 200), elements=tuple(
            e.replace(connector=ConnectorContent(e.connector.points, "curve")) for e in _outline(40, 30, 240, 130)))),
        ("slanted", Scene((300, 200), elements=(
            _line(1, (43, 30), (237, 45)), _line(2, (240, 48), (240, 127)), _line(3, (237, 130), (43, 130)),
            _line(4, (40, 127), (40, 33))))),
        ("no lines at all", Scene((300, 200), elements=(_shape(1, Box(40, 30, 240, 130)),))),
    ]


@pytest.mark.parametrize(("why", "scene"), _not_closed(), ids=[why for why, _s in _not_closed()])
def test_nothing_qualifies_gives_none(why, scene):
    assert close_containers(scene) is None


STAR = ('<polygon points="100,30 115,70 160,70 122,95 137,140 100,112 63,140 78,95 40,70 85,70" '
        'fill="#f4b183" stroke="#843c0c" stroke-width="2"/>')
BOX = '<rect x="220" y="40" width="120" height="60" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>'
CANVAS = render(STAR + BOX, 400, 200)
STAR_BOX = Box(40, 30, 160, 140)


def _star_scene(star_fit: float, box_fit: float = 0.99) -> Scene:
    star = _shape(1, STAR_BOX, star_fit, "ellipse").replace(
        style=Style(fill="#f4b183", stroke="#843c0c", stroke_width_px=2.0))
    return Scene((400, 200), elements=(
        star, _shape(2, Box(220, 40, 340, 100), box_fit),
        _line(1, (160, 70), (220, 70), style=Style(stroke="#333333", stroke_width_px=2.0)),
        _text(1, Box(90, 80, 112, 95), "A", parent_id="shape-0001"),
    ))


@pytest.mark.parametrize("fit", [0.5, 0.8, 0.969])
def test_a_shape_fitted_badly_is_traced_from_the_canvas(fit):
    scene = _star_scene(fit)
    traced = trace_ambiguous(scene, CANVAS, "#ffffff")
    assert traced is not None
    ids = [e.id for e in traced]
    assert "shape-0001" not in ids and "shape-0002" in ids
    traces = traced.of_kind(Kind.TRACE)
    assert traces and [e.id for e in traces] == [f"trace-ambiguous-{i:04d}" for i in range(len(traces))]
    assert all(STAR_BOX.expand(4).contains(e.box) for e in traces)
    assert traced.by_id("text-0001").parent_id is None  # its shape is gone
    kinds = [e.kind for e in traced]  # traces sit with the shapes, under connectors and text
    assert max(i for i, k in enumerate(kinds) if k is Kind.TRACE) < kinds.index(Kind.CONNECTOR)
    # the trace draws the star better than the ellipse did
    star_only = render(STAR, 400, 200)

    def f1(s: Scene) -> float:
        kept = s.filter(lambda e: e.kind in (Kind.SHAPE, Kind.TRACE) and e.id != "shape-0002")
        return drawn_pixel_f1(render_rgb(write_svg(kept).encode(), size_wh=(400, 200)), star_only, (255, 255, 255)).f1

    assert f1(traced) > 0.95 > f1(scene)


@pytest.mark.parametrize("fit", [0.97, 0.99, 1.0])
def test_all_fits_good_gives_none(fit):
    assert trace_ambiguous(_star_scene(fit), CANVAS, "#ffffff") is None


def test_a_shape_holding_other_shapes_is_not_traced():
    container = _shape(5, Box(10, 10, 390, 190), 0.6)
    scene = Scene((400, 200), elements=(container, _shape(6, Box(220, 40, 340, 100), 0.99, parent_id="shape-0005")))
    assert trace_ambiguous(scene, CANVAS, "#ffffff") is None


def test_tracing_on_a_coloured_page_leaves_the_page_out():
    page = "#f2f2f2"
    canvas = render(STAR, 400, 200, background=page)
    traced = trace_ambiguous(_star_scene(0.7), canvas, page)
    fills = {e.style.fill for e in traced.of_kind(Kind.TRACE)}
    assert fills and page not in fills
    assert all(STAR_BOX.expand(4).contains(e.box) for e in traced.of_kind(Kind.TRACE))
