"""Fitting drawing primitives to a region's silhouette.

A region is a boolean mask (its filled outline, holes filled) in page pixels
at an offset.  Each primitive the figure could have been drawn with is
rendered at the fitted geometry and compared with the silhouette; the
simplest one that explains it wins, and a general polygon is the fallback.
Geometry is in page pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from crafteditor.model.scene import Box

# Silhouette IoU a primitive must reach to be chosen, simplest first.
MIN_IOU = {"rect": 0.97, "rounded_rect": 0.965, "ellipse": 0.96, "diamond": 0.95, "polygon": 0.93}


@dataclass(frozen=True, slots=True)
class ShapeFit:
    """A fitted primitive.  ``kind`` is rect, rounded_rect, ellipse, circle,
    diamond or polygon; ``box`` its extent; ``radius_px`` the corner radius of
    a rounded rectangle; ``points`` the vertices of a diamond or polygon."""

    kind: str
    box: Box
    iou: float
    radius_px: float = 0.0
    points: tuple[tuple[float, float], ...] = ()


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(np.logical_or(a, b))
    return float(np.count_nonzero(np.logical_and(a, b))) / float(union) if union else 0.0


def _draw(shape: str, size: tuple[int, int], box: tuple[float, float, float, float], radius: float = 0.0,
          points: np.ndarray | None = None) -> np.ndarray:
    """Rasterise a primitive (4x supersampled edges) into a mask of ``size`` (h, w)."""
    h, w = size
    canvas = np.zeros((h, w), np.uint8)
    shift = 2  # fixed-point bits: quarter-pixel geometry
    f = 1 << shift
    x0, y0, x1, y1 = box
    if shape == "rect":
        cv2.rectangle(canvas, (round(x0 * f), round(y0 * f)), (round((x1 - 1) * f), round((y1 - 1) * f)),
                      1, -1, cv2.LINE_8, shift)
    elif shape == "rounded_rect":
        r = min(radius, (x1 - x0) / 2, (y1 - y0) / 2)
        pts = _rounded_outline(x0, y0, x1 - 1, y1 - 1, r)
        cv2.fillPoly(canvas, [np.round(pts * f).astype(np.int32)], 1, cv2.LINE_8, shift)
    elif shape == "ellipse":
        cx, cy = (x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2
        cv2.ellipse(canvas, (round(cx * f), round(cy * f)), (round(((x1 - x0) / 2 - 0.5) * f), round(((y1 - y0) / 2 - 0.5) * f)),
                    0, 0, 360, 1, -1, cv2.LINE_8, shift)
    elif points is not None:
        cv2.fillPoly(canvas, [np.round(points * f).astype(np.int32)], 1, cv2.LINE_8, shift)
    return canvas > 0


def _rounded_outline(x0: float, y0: float, x1: float, y1: float, r: float, steps: int = 8) -> np.ndarray:
    pts = []
    for cx, cy, start in ((x1 - r, y0 + r, -90), (x1 - r, y1 - r, 0), (x0 + r, y1 - r, 90), (x0 + r, y0 + r, 180)):
        for i in range(steps + 1):
            a = math.radians(start + 90 * i / steps)
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return np.array(pts, dtype=np.float64)


def _corner_radius(mask: np.ndarray, xyxy: tuple[int, int, int, int]) -> float:
    """Corner radius from the pixels missing in each corner square of the box (an
    arc of radius r leaves (1 - pi/4) r^2 out, a sharp corner a pixel or two of
    anti-aliasing); the median of the four corners, so a line end touching one
    side does not count."""
    x0, y0, x1, y1 = xyxy
    limit = max(1, min(x1 - x0, y1 - y0) // 2)
    side = min(16, limit)
    while True:  # small corner squares first: edges carry notches that are not corners
        missing = [
            float((~mask[ys, xs]).sum())
            for ys, xs in ((slice(y0, y0 + side), slice(x0, x0 + side)), (slice(y0, y0 + side), slice(x1 - side, x1)),
                           (slice(y1 - side, y1), slice(x1 - side, x1)), (slice(y1 - side, y1), slice(x0, x0 + side)))
        ]
        r = math.sqrt(max(float(np.median(missing)) - 2.0, 0.0) / (1 - math.pi / 4))  # less anti-aliasing
        if r < 0.7 * side or side >= limit:
            return r
        side = min(2 * side, limit)


def _diamond_from_profile(mask: np.ndarray) -> np.ndarray | None:
    """Diamond vertices from the row widths between its tips and its middle: widths
    fall linearly from the full width at the middle to nothing at the tips, so a
    line fitted there finds tips that anti-aliasing thinned away."""
    rows = mask.sum(axis=1).astype(np.float64)
    ys = np.nonzero(rows)[0]
    if len(ys) < 12:
        return None
    y0, y1 = ys[0], ys[-1] + 1
    cy = (y0 + y1 - 1) / 2
    half = (y1 - y0) / 2
    d = np.abs(np.arange(len(rows)) - cy)
    use = (rows > 0) & (d >= 0.15 * half) & (d <= 0.8 * half)
    if use.sum() < 6:
        return None
    slope, width = np.polyfit(d[use], rows[use], 1)
    if slope >= -1e-6 or width <= 0:
        return None
    half_h = width / -slope
    cols = np.nonzero(mask.any(axis=0))[0]
    mid_rows = mask[max(int(cy) - 1, 0):int(cy) + 2]
    xs = np.nonzero(mid_rows.any(axis=0))[0]
    cx = (xs[0] + xs[-1]) / 2 if len(xs) else (cols[0] + cols[-1]) / 2
    half_w = (width - 1) / 2
    return np.array([(cx, cy - half_h + 0.5), (cx + half_w, cy), (cx, cy + half_h - 0.5), (cx - half_w, cy)])


def fit_shape(mask: np.ndarray, offset_xy: tuple[int, int] = (0, 0)) -> ShapeFit | None:
    """The simplest primitive whose silhouette matches ``mask`` (HW bool); None if empty."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 9:
        return None
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    w, h = x1 - x0, y1 - y0
    size = mask.shape
    box = (float(x0), float(y0), float(x1), float(y1))
    ox, oy = offset_xy

    def page(b: tuple[float, float, float, float]) -> Box:
        return Box(b[0] + ox, b[1] + oy, b[2] + ox, b[3] + oy)

    candidates: list[ShapeFit] = []
    iou = _iou(mask, _draw("rect", size, box))
    candidates.append(ShapeFit("rect", page(box), iou))
    ellipse_iou = _iou(mask, _draw("ellipse", size, box))
    r = _corner_radius(mask, (int(x0), int(y0), int(x1), int(y1)))
    if r >= 3.0:
        r = min(r, min(w, h) / 2)
        iou = _iou(mask, _draw("rounded_rect", size, box, radius=r))
        roundish = max(w, h) <= 1.15 * min(w, h)  # all corner, nearly square: a circle
        if r < 0.35 * min(w, h) or (not roundish and iou > ellipse_iou + 0.01):  # else an ellipse
            candidates.append(ShapeFit("rounded_rect", page(box), iou, radius_px=r))
    kind = "circle" if abs(w - h) <= max(2, 0.04 * max(w, h)) else "ellipse"
    candidates.append(ShapeFit(kind, page(box), ellipse_iou))
    diamond = _diamond_from_profile(mask)
    if diamond is None:
        diamond = np.array([((x0 + x1 - 1) / 2, y0), (x1 - 1, (y0 + y1 - 1) / 2), ((x0 + x1 - 1) / 2, y1 - 1),
                            (x0, (y0 + y1 - 1) / 2)], dtype=np.float64)
    iou = _iou(mask, _draw("polygon", size, box, points=diamond))
    dpts = tuple((float(px) + ox, float(py) + oy) for px, py in diamond)
    candidates.append(ShapeFit("diamond", Box.from_points(dpts), iou, points=dpts))

    passing = [c for c in candidates if c.iou >= MIN_IOU["ellipse" if c.kind == "circle" else c.kind]]
    rounded = next((c for c in passing if c.kind == "rounded_rect"), None)
    if rounded is not None and rounded.iou >= candidates[0].iou:
        # The corners themselves say rounded: a large box hides them in the overall IoU.
        passing = [c for c in passing if c.kind != "rect"]
    if passing:
        miss = 1.0 - max(c.iou for c in passing)
        # The simplest primitive (candidates are in order of simplicity) that
        # leaves about as little unexplained as the best one.
        return next(c for c in passing if 1.0 - c.iou <= 1.3 * miss + 0.0005)
    return _polygon(mask, offset_xy)


def _polygon(mask: np.ndarray, offset_xy: tuple[int, int]) -> ShapeFit | None:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    approx = cv2.approxPolyDP(contour, 0.01 * cv2.arcLength(contour, True), True).reshape(-1, 2).astype(np.float64)
    if len(approx) < 3:
        return None
    iou = _iou(mask, _draw("polygon", mask.shape, (0, 0, 0, 0), points=approx))
    if iou < MIN_IOU["polygon"] or len(approx) > 8:  # more corners than that: a region between lines
        return None
    ox, oy = offset_xy
    pts = tuple((float(px) + ox, float(py) + oy) for px, py in approx)
    return ShapeFit("polygon", Box.from_points(pts), iou, points=pts)
