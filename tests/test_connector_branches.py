"""Connectors as drawn: branches, end marks and short arrows between stacked boxes."""

import math

import numpy as np
import pytest
from lxml import etree

from composition.writer import write_svg
from crafteditor.model.scene import Scene
from extraction.plan import ground_canvas
from tests.drawing import render

MARKS = {
    "arrow": '<path d="M0,0 L10,5 L0,10 z" fill="#333333"/>',
    "dot": '<circle cx="5" cy="5" r="4" fill="#333333"/>',
    "circle": '<circle cx="5" cy="5" r="4" fill="#ffffff" stroke="#333333" stroke-width="1.6"/>',
}
REF = {"arrow": 10, "dot": 5, "circle": 5}
BOXES = ('<rect x="40" y="60" width="120" height="70" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>'
         '<rect x="360" y="60" width="120" height="70" fill="#fde2c8" stroke="#c55a11" stroke-width="2"/>'
         '<rect x="360" y="260" width="120" height="70" fill="#e2f0d9" stroke="#548235" stroke-width="2"/>')
A_RIGHT, B_LEFT, C_LEFT = (160, 95), (360, 95), (360, 295)
A_BOTTOM_LEFT = (40, 330)


def _defs(size: int = 6) -> str:
    return "<defs>" + "".join(
        f'<marker id="{k}" viewBox="0 0 10 10" refX="{REF[k]}" refY="5" markerWidth="{size if k == "arrow" else 4}" '
        f'markerHeight="{size if k == "arrow" else 4}" orient="auto" markerUnits="strokeWidth">{v}</marker>'
        for k, v in MARKS.items()) + "</defs>"


def _path(points, end="arrow", start=None) -> str:
    d = " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))
    extra = f' marker-start="url(#{start})"' if start else ""
    return f'<path d="{d}" fill="none" stroke="#333333" stroke-width="2" marker-end="url(#{end})"{extra}/>'


def _ground(body: str, boxes: str = BOXES, size=(520, 380)):
    return ground_canvas(render(_defs() + boxes + body, *size), (255, 255, 255))


def _near(a, b, px: float) -> bool:
    return math.dist(a, b) <= px


def test_a_fan_out_is_one_connector_per_head_sharing_the_trunk():
    xj = 260
    g = _ground(_path([A_RIGHT, B_LEFT]) + _path([A_RIGHT, (xj, 95), (xj, 295), C_LEFT]))
    arrows = [e.connector for e in g.connectors if e.connector.head_end]
    assert len(arrows) == 2, [c.points for c in arrows]
    for target in (B_LEFT, C_LEFT):
        c = next(c for c in arrows if _near(c.points[-1], target, 4))
        assert _near(c.points[0], A_RIGHT, 5) and not c.head_start
    assert len({c.source_id for c in arrows}) == 1 and len({c.target_id for c in arrows}) == 2


def test_a_fan_in_joins_two_tails_into_one_head_with_a_tee():
    xj = 260
    g = _ground(_path([A_RIGHT, B_LEFT]) + _path([C_LEFT, (xj, 295), (xj, 95), B_LEFT]))
    arrows = [e.connector for e in g.connectors if e.connector.head_end]
    assert len(arrows) == 2, [c.points for c in arrows]
    tails = sorted((c.points[0] for c in arrows), key=lambda p: p[1])
    assert _near(tails[0], A_RIGHT, 5) and _near(tails[1], C_LEFT, 5)
    assert all(_near(c.points[-1], B_LEFT, 4) for c in arrows)
    assert len({c.target_id for c in arrows}) == 1


@pytest.mark.parametrize("kind", ["dot", "circle"])
def test_a_round_mark_on_an_outline_is_a_marker_of_its_shape(kind):
    g = _ground(_path([A_RIGHT, B_LEFT], end=kind))
    (el,) = g.connectors
    c = el.connector
    assert c.head_end and c.end_mark == kind and _near(c.points[-1], B_LEFT, 3), c
    svg = write_svg(Scene((520, 380), "#ffffff", (el,)))
    marker = etree.fromstring(svg.encode()).find(".//{http://www.w3.org/2000/svg}marker")
    assert marker.find("{http://www.w3.org/2000/svg}circle") is not None and marker.get("refX") == "5"


def test_an_arrow_with_a_dot_at_its_tail_keeps_both():
    g = _ground(_path([A_RIGHT, B_LEFT], end="arrow", start="dot"))
    (el,) = g.connectors
    c = el.connector
    assert (c.start_mark, c.end_mark) == ("dot", "arrow") and c.head_start and c.head_end
    assert _near(c.points[0], A_RIGHT, 3) and _near(c.points[-1], B_LEFT, 3)


def test_arrowheads_stay_arrowheads():
    g = _ground(_path([A_RIGHT, B_LEFT]) + _path([(420, 130), (420, 260)]))
    assert len(g.connectors) == 2
    assert all(e.connector.end_mark == "arrow" and not e.connector.head_start for e in g.connectors)


@pytest.mark.parametrize("gap", [18, 20])
@pytest.mark.parametrize("end", ["arrow", "dot"])
def test_a_short_arrow_between_stacked_boxes_is_kept(end, gap):
    # The head (or dot) takes most of the gap, and the outlines the rest.
    boxes = ('<rect x="100" y="40" width="160" height="50" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>'
             f'<rect x="100" y="{90 + gap}" width="160" height="50" fill="#dbe9f6" stroke="#2f5597" '
             'stroke-width="2"/>')
    g = _ground(_path([(180, 90 + gap), (180, 90)], end=end), boxes=boxes, size=(360, 220))
    (el,) = g.connectors
    c = el.connector
    assert c.head_end and c.end_mark == end, c
    assert _near(c.points[-1], (180, 90), 3) and _near(c.points[0], (180, 90 + gap), 3), c.points
    assert c.source_id and c.target_id and c.source_id != c.target_id


def test_a_short_stub_along_an_outline_is_no_connector():
    boxes = ('<rect x="100" y="40" width="160" height="50" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>'
             '<rect x="100" y="100" width="160" height="50" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>')
    g = _ground('<path d="M170,95 L180,95" stroke="#333333" stroke-width="2"/>', boxes=boxes, size=(360, 200))
    assert not g.connectors


def test_the_skeleton_is_scikit_images_without_importing_scipy():
    import subprocess
    import sys

    import cv2
    from skimage.morphology import skeletonize as public

    from extraction.junctions import _skeleton_core, skeletonize

    assert _skeleton_core() is not public  # the compiled core loaded by itself
    rng = np.random.default_rng(1)
    for _ in range(100):
        mask = cv2.GaussianBlur(rng.random((50, 70)), (7, 7), 0) > 0.5
        assert np.array_equal(skeletonize(mask), public(mask))
    code = ("import sys, numpy as np; from extraction.junctions import skeletonize; "
            "skeletonize(np.ones((9, 9), bool)); print('scipy' in sys.modules, 'skimage.morphology' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]

