"""Connectors: arrows between drawn boxes, their direction, heads, dashes and glue."""

import math
import random

import pytest

from extraction.plan import ground_canvas
from tests.drawing import render

MARKERS = ('<defs><marker id="e" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
           'orient="auto" markerUnits="strokeWidth"><path d="M0,0 L10,5 L0,10 z" fill="#333333"/></marker>'
           '<marker id="s" viewBox="0 0 10 10" refX="0" refY="5" markerWidth="6" markerHeight="6" '
           'orient="auto" markerUnits="strokeWidth"><path d="M10,0 L0,5 L10,10 z" fill="#333333"/></marker></defs>')
BOXES = ('<rect x="40" y="60" width="120" height="70" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>'
         '<rect x="360" y="60" width="120" height="70" fill="#fde2c8" stroke="#c55a11" stroke-width="2"/>'
         '<rect x="360" y="260" width="120" height="70" fill="#e2f0d9" stroke="#548235" stroke-width="2"/>')
# anchor points on the boxes: A right/bottom, B left/bottom, C top/left
A_RIGHT, A_BOTTOM = (160, 95), (100, 130)
B_LEFT, B_BOTTOM = (360, 95), (420, 130)
C_TOP, C_LEFT = (420, 260), (360, 295)

ROUTES = {
    "right": [A_RIGHT, B_LEFT],
    "left": [B_LEFT, A_RIGHT],
    "down": [B_BOTTOM, C_TOP],
    "up": [C_TOP, B_BOTTOM],
    "elbow": [A_BOTTOM, (A_BOTTOM[0], C_LEFT[1]), C_LEFT],
}


def _arrow(points, width=2.0, dashed=False, both=False):
    d = " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))
    extra = (' stroke-dasharray="6 4"' if dashed else "") + (' marker-start="url(#s)"' if both else "")
    return f'<path d="{d}" fill="none" stroke="#333333" stroke-width="{width}" marker-end="url(#e)"{extra}/>'


def _ground(body):
    g = ground_canvas(render(MARKERS + BOXES + body, 520, 380), (255, 255, 255))
    assert len(g.shapes) == 3
    return g


def _shape_at(g, point):
    return next(s.id for s in g.shapes if s.box.expand(3).contains_point(*point))


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_an_arrow_is_found_with_its_direction_and_glued_to_its_boxes(route, seed):
    width = random.Random(seed).choice([1.5, 2.0, 2.5])
    points = ROUTES[route]
    g = _ground(_arrow(points, width))
    assert len(g.connectors) == 1
    c = g.connectors[0].connector
    assert math.dist(c.points[-1], points[-1]) <= 3.0, c.points  # the head's tip, on the target's outline
    assert math.dist(c.points[0], points[0]) <= 4.0, c.points
    assert c.head_end and not c.head_start
    assert c.source_id == _shape_at(g, points[0]) and c.target_id == _shape_at(g, points[-1])
    assert c.source_id != c.target_id
    assert 6 * width * 0.6 <= c.head_length_px <= 6 * width * 1.5
    assert c.routing == ("orthogonal" if route == "elbow" else "straight")
    assert abs(g.connectors[0].style.stroke_width_px - width) <= 0.8
    assert g.connectors[0].style.stroke == "#333333" or max(
        abs(int(g.connectors[0].style.stroke[i:i + 2], 16) - 0x33) for i in (1, 3, 5)) <= 30


def test_a_double_headed_arrow_has_both_heads():
    g = _ground(_arrow(ROUTES["right"], both=True))
    (c,) = [e.connector for e in g.connectors]
    assert c.head_start and c.head_end
    ends = sorted([c.points[0], c.points[-1]])
    assert math.dist(ends[0], A_RIGHT) <= 3 and math.dist(ends[1], B_LEFT) <= 3


def test_a_dashed_arrow_is_one_dashed_connector_and_a_crossed_outline_is_not_a_dash():
    g = _ground(_arrow(ROUTES["down"], dashed=True))
    (el,) = g.connectors
    assert el.style.dash_px and el.connector.head_end
    on, off = el.style.dash_px
    assert 3 <= on <= 9 and 2 <= off <= 7
    assert math.dist(el.connector.points[-1], C_TOP) <= 3
    # A solid line crossing a dashed frame is cut by the frame's outline once: still solid.
    frame = ('<rect x="20" y="180" width="200" height="150" rx="6" fill="none" stroke="#7f7f7f" '
             'stroke-width="1.5" stroke-dasharray="8 5"/>')
    g = ground_canvas(render(MARKERS + BOXES + frame + _arrow([C_LEFT, (120, 295)]), 520, 380), (255, 255, 255))
    crossing = [e for e in g.connectors if e.connector.head_end]
    assert len(crossing) == 1 and not crossing[0].style.dash_px
    assert math.dist(crossing[0].connector.points[-1], (120, 295)) <= 3


def test_a_plain_line_is_a_connector_without_heads():
    g = _ground('<path d="M160,110 L360,110" stroke="#333333" stroke-width="2"/>')
    (c,) = [e.connector for e in g.connectors]
    assert not c.head_start and not c.head_end
    assert {c.source_id, c.target_id} == {_shape_at(g, A_RIGHT), _shape_at(g, B_LEFT)}


@pytest.mark.parametrize("route", ["right", "left", "down", "up"])
def test_a_level_or_upright_arrow_comes_out_exactly_level_or_upright(route):
    c = _ground(_arrow(ROUTES[route], 2.5)).connectors[0].connector
    (x0, y0), (x1, y1) = c.points
    assert (y0 == y1) if route in ("right", "left") else (x0 == x1), c.points


def test_a_sloping_arrow_keeps_its_slope():
    c = _ground(_arrow([A_RIGHT, C_LEFT], 2.0)).connectors[0].connector
    (x0, y0), (x1, y1) = c.points
    assert abs((y1 - y0) / (x1 - x0) - (C_LEFT[1] - A_RIGHT[1]) / (C_LEFT[0] - A_RIGHT[0])) < 0.05


def _sized_marker(head_px: float, line_px: float) -> str:
    """An arrowhead marker ``head_px`` long and wide on a ``line_px`` wide line."""
    size = head_px / line_px
    return (f'<defs><marker id="h" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="{size}" '
            f'markerHeight="{size}" orient="auto" markerUnits="strokeWidth">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#333333"/></marker></defs>')


FREE_ROUTES = {"right": [A_RIGHT, (300, 95)], "down": [B_BOTTOM, (420, 220)],
               "elbow": [A_BOTTOM, (A_BOTTOM[0], 300), (250, 300)]}


@pytest.mark.parametrize("head_px, line_px", [(21.0, 1.5), (20.0, 2.0)])
@pytest.mark.parametrize("route", sorted(FREE_ROUTES))
def test_a_head_ten_times_as_wide_as_its_line_is_found(route, head_px, line_px):
    """A head ten times its line's width, measured from its own base (not from the
    end of the traced line, a few pixels short of it), is an arrowhead whose tip
    is where it is drawn."""
    points = FREE_ROUTES[route]
    d = " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))
    body = f'<path d="{d}" fill="none" stroke="#333333" stroke-width="{line_px}" marker-end="url(#h)"/>'
    g = ground_canvas(render(_sized_marker(head_px, line_px) + BOXES + body, 520, 380), (255, 255, 255))
    (c,) = [e.connector for e in g.connectors]
    assert c.head_end and not c.head_start
    assert math.dist(c.points[-1], points[-1]) <= 4.0, c.points
    assert 0.6 * head_px <= c.head_width_px <= 1.3 * head_px


@pytest.mark.parametrize("seed", range(3))
def test_a_small_head_beyond_its_line_is_found(seed):
    """A line that stops at the base of a head little more than twice its width (as
    PDF figures draw them: the head a polygon of its own) is an arrow: the head is
    too small for the opening and hardly wider than the line by distance to the
    edge, but twice as wide across."""
    rng = random.Random(seed)
    line_px, head_w, head_l = rng.choice([1.5, 2.0]), rng.choice([6.0, 7.0]), rng.choice([5.0, 6.0])
    x0, y, tip = 170 + rng.randint(0, 10), 200 + rng.randint(0, 10) + rng.random(), 300 + rng.randint(0, 20)
    body = (f'<path d="M{x0},{y} L{tip - head_l},{y}" stroke="#2f5597" stroke-width="{line_px}"/>'
            f'<path d="M{tip - head_l},{y - head_w / 2} L{tip},{y} L{tip - head_l},{y + head_w / 2} z" '
            'fill="#2f5597"/>')
    g = ground_canvas(render(body, 400, 300), (255, 255, 255))
    (c,) = [e.connector for e in g.connectors]
    assert c.head_end and not c.head_start
    assert math.dist(c.points[-1], (tip, y)) <= 3.0, c.points
    assert math.dist(c.points[0], (x0, y)) <= 3.0, c.points


@pytest.mark.parametrize("margin", [16, 20])
@pytest.mark.parametrize("around", ["target", "source"])
def test_a_dashed_arrow_crossing_a_dashed_frame_near_its_end_keeps_both_ends(around, margin):
    # A dashed frame ``margin`` px around one of the boxes the arrow joins: the dash
    # lying on its edge is lost, and the head lies on the box's outline.
    x, y = (360 - margin, 260 - margin) if around == "target" else (360 - margin, 60 - margin)
    w, h = 120 + 2 * margin, 70 + 2 * margin
    rect = (f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="none" stroke="#c55a11" '
            'stroke-width="1.5" stroke-dasharray="8 5"/>')
    g = ground_canvas(render(MARKERS + BOXES + rect + _arrow(ROUTES["down"], dashed=True), 520, 400),
                      (255, 255, 255))
    arrows = [e for e in g.connectors if e.connector.head_end and e.style.dash_px]
    assert len(arrows) == 1, [e.connector.points for e in g.connectors]
    c = arrows[0].connector
    assert math.dist(c.points[-1], C_TOP) <= 4, c.points
    assert math.dist(c.points[0], B_BOTTOM) <= 4, c.points
