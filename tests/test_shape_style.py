import random

import cv2
import numpy as np
import pytest

from extraction.shape_style import region_paint
from tests.drawing import render


def _silhouette(rgb: np.ndarray) -> np.ndarray:
    ink = (np.abs(rgb.astype(int) - 255).max(axis=2) > 12).astype(np.uint8)
    # Dashed outlines leave gaps: close them before taking the outer contour.
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((21, 21), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros_like(ink)
    cv2.drawContours(filled, contours, -1, 1, -1)
    return filled > 0


def _hex(c: str) -> tuple[int, int, int]:
    return tuple(int(c[i:i + 2], 16) for i in (1, 3, 5))


def _cases(n: int = 18):
    rng = random.Random(5)
    for i in range(n):
        yield dict(
            fill=rng.choice(["none", "#dbe9ff", "#fde2c4", "#e2f0d9"]),
            stroke=rng.choice(["#335599", "#c0392b", "#555555"]),
            width=rng.choice([1.5, 2.0, 3.0, 4.0]),
            dash=rng.choice([None, (8, 5), (12, 6)]) if i % 3 else None,
            rx=rng.choice([0, 10]),
        )


@pytest.mark.parametrize("case", list(_cases()), ids=lambda c: f"{c['fill']}-{c['stroke']}-{c['width']}-{c['dash']}")
def test_paint_of_a_drawn_box(case):
    dash = f'stroke-dasharray="{case["dash"][0]} {case["dash"][1]}"' if case["dash"] else ""
    geometry = f'x="40" y="40" width="260" height="140" rx="{case["rx"]}" stroke-width="{case["width"]}"'
    rgb = render(f'<rect {geometry} fill="{case["fill"]}" stroke="{case["stroke"]}" {dash}/>', 360, 240)
    # The region's silhouette, as region finding will give it: the shape drawn solid.
    solid = render(f'<rect {geometry} fill="#000" stroke="#000"/>', 360, 240)
    paint = region_paint(rgb, solid[..., 0] < 128, (255, 255, 255))
    if case["fill"] == "none":
        assert paint.fill_rgb is None
    else:
        assert np.abs(np.subtract(paint.fill_rgb, _hex(case["fill"]))).max() <= 6
    assert paint.stroke_rgb is not None
    # A 1.5 px line never covers a pixel fully: its colour shows diluted.
    assert np.abs(np.subtract(paint.stroke_rgb, _hex(case["stroke"]))).max() <= (40 if case["width"] >= 2 else 70)
    assert paint.stroke_width_px == pytest.approx(case["width"], abs=1.1)
    if case["dash"]:
        on, off = paint.dash_px
        assert on == pytest.approx(case["dash"][0], abs=3) and off == pytest.approx(case["dash"][1], abs=3)
    else:
        assert paint.dash_px == ()


def test_filled_shape_without_outline():
    rgb = render('<ellipse cx="150" cy="100" rx="90" ry="50" fill="#fde2c4"/>', 300, 200)
    paint = region_paint(rgb, _silhouette(rgb), (255, 255, 255))
    assert paint.stroke_rgb is None and paint.fill_rgb is not None
