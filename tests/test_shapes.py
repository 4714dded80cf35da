import random

import numpy as np
import pytest

from extraction.shapes import fit_shape
from tests.drawing import render


def _silhouette(body: str, width: int = 500, height: int = 400) -> np.ndarray:
    import cv2

    rgb = render(body, width, height)
    ink = (np.abs(rgb.astype(int) - 255).max(axis=2) > 12).astype(np.uint8)  # pastel fills count
    contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros_like(ink)
    cv2.drawContours(filled, contours, -1, 1, -1)
    return filled > 0


def _cases(n: int = 30):
    rng = random.Random(11)
    for i in range(n):
        kind = ("rect", "rounded_rect", "ellipse", "circle", "diamond", "hexagon")[i % 6]
        x, y = rng.uniform(20, 80), rng.uniform(20, 60)
        w, h = rng.uniform(80, 260), rng.uniform(50, 200)
        stroke = rng.choice(["none", "#335599"])
        fill = rng.choice(["#dbe9ff", "#fde2c4", "#2b4c7e"])
        yield kind, x, y, w, h, fill, stroke, rng.uniform(8, 20)


def _svg(kind, x, y, w, h, fill, stroke, r):
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="2"'
    if kind == "rect":
        return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" {paint}/>'
    if kind == "rounded_rect":
        return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{r}" {paint}/>'
    if kind == "ellipse":
        h = w * 0.6 if abs(w - h) < 0.15 * w else h  # clearly not a circle
        return f'<ellipse cx="{x + w / 2}" cy="{y + h / 2}" rx="{w / 2}" ry="{h / 2}" {paint}/>'
    if kind == "circle":
        return f'<circle cx="{x + h / 2}" cy="{y + h / 2}" r="{h / 2}" {paint}/>'
    if kind == "diamond":
        return f'<polygon points="{x + w / 2},{y} {x + w},{y + h / 2} {x + w / 2},{y + h} {x},{y + h / 2}" {paint}/>'
    pts = " ".join(f"{x + w / 2 + w / 2 * np.cos(a):.1f},{y + h / 2 + h / 2 * np.sin(a):.1f}"
                   for a in np.linspace(0, 2 * np.pi, 7)[:-1])
    return f'<polygon points="{pts}" {paint}/>'


@pytest.mark.parametrize("case", list(_cases()), ids=lambda c: f"{c[0]}-{c[3]:.0f}x{c[4]:.0f}")
def test_fit_recovers_the_primitive(case):
    kind, x, y, w, h, fill, stroke, r = case
    mask = _silhouette(_svg(kind, x, y, w, h, fill, stroke, r))
    fit = fit_shape(mask)
    assert fit is not None
    want = "polygon" if kind == "hexagon" else kind
    assert fit.kind == want, (fit.kind, fit.iou)
    assert fit.iou >= 0.93
    ys, xs = np.nonzero(mask)
    assert abs(fit.box.x0 - xs.min()) <= 1.5 and abs(fit.box.y1 - (ys.max() + 1)) <= 1.5
    if kind == "rounded_rect":
        assert fit.radius_px == pytest.approx(r, abs=max(2.5, 0.2 * r))
    if kind in ("diamond", "hexagon"):
        assert len(fit.points) == (4 if kind == "diamond" else 6)


def test_fit_offsets_into_page_pixels_and_rejects_noise():
    mask = _silhouette('<rect x="10" y="20" width="100" height="60" fill="#000"/>')
    fit = fit_shape(mask, offset_xy=(500, 300))
    assert fit is not None and fit.kind == "rect"
    assert fit.box.x0 == pytest.approx(510, abs=1) and fit.box.y0 == pytest.approx(320, abs=1)
    rng = np.random.default_rng(0)
    assert fit_shape(rng.random((80, 80)) > 0.5) is None  # speckle is no primitive
    assert fit_shape(np.zeros((10, 10), bool)) is None
