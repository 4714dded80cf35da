"""Shapes and pictures of a PDF page, from pdfplumber's paths and images.

Every painted path (pdfplumber's rects, lines and curves; a path of several
subpaths comes as one object per subpath) is flattened to pixels.  A closed
path is classified by its geometry:

- ``rect``: four corners of its box; ``diamond``: four side midpoints;
- ``rounded_rect``: axis-aligned straight sides (two or more) joined by curves,
  every point near the box border (within 0.3 of the corner radius), radius at
  least 1 px;
- ``ellipse``: curves only, every point within 6% of the inscribed ellipse;
- ``polygon``: another convex polygon of 3 to 6 vertices; ``path`` otherwise.

Truth shapes are the closed painted paths of a primitive kind (not ``path``:
free outlines are icons, glyphs or decorations), at least 6 px on each side,
under 90% of the canvas, mostly inside the crop box (their box clipped to it),
that are not arrowheads (below), and that show on the rendering without text:
at 75% or more of 32 points along the outline, the outline or the inside
differs from the outside (3, 6 or 10 px out) by more than 12 in some channel.
So a shape mostly clipped away or covered is left out.  A shape painted twice
(fill, then stroke) counts once (same kind, IoU >= 0.9).

Arrowheads (``is_head``) are small pointed shapes: closed, at most
``truth.head_limit_px`` across, of 3 to 10 sides, curves only as rounded
joints, not rectangles, rounded rectangles or dots (``pdfarrows`` makes arrows
of them).

Pictures are the page's images, each boxed by the extent of the pixels it
changes inside its placement (renderings with and without images, by more than
8 in some channel): a transparent margin, a clip or a cover is left out.  An
image that changes under 2% of its placement, or whose extent is under 8 px on
a side, is left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from crafteditor.bench.pdfpage import PageFrame
from checkers.drawn import TruthIcon, TruthShape
from crafteditor.model.scene import Box

Point = tuple[float, float]
PRIMITIVE_KINDS = frozenset(("rect", "rounded_rect", "ellipse", "diamond", "polygon"))
VISIBLE_DIFF = 12
VISIBLE_SHARE = 0.75
OUTSIDE_PX = (3.0, 6.0, 10.0)  # beyond thin and thick strokes
CURVE_STEPS = 8
IMAGE_DIFF = 8


@dataclass(frozen=True, slots=True)
class PdfPath:
    """One painted subpath in pixels: flattened points, segments, paint."""

    points: tuple[Point, ...]
    segments: tuple[tuple[str, Point, Point], ...]  # ("l" | "c", start, end); closing segment included
    closed: bool
    filled: bool
    stroked: bool

    @property
    def box(self) -> Box:
        return Box.from_points(self.points)

    @property
    def vertices(self) -> tuple[Point, ...]:
        return tuple(seg[2] for seg in self.segments)

    @property
    def n_curves(self) -> int:
        return sum(seg[0] == "c" for seg in self.segments)


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point) -> list[Point]:
    out = []
    for i in range(1, CURVE_STEPS + 1):
        t = i / CURVE_STEPS
        a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
        out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out


def pdf_path(obj: dict[str, Any], frame: PageFrame) -> PdfPath | None:
    """A pdfplumber rect/line/curve as a ``PdfPath`` in pixels (None when empty or unpainted)."""
    points: list[Point] = []
    segments: list[tuple[str, Point, Point]] = []
    closed = False
    for cmd, *raw in obj.get("path") or ():
        pts = [frame.point(*p) for p in raw]
        if cmd == "m" and pts and not points:
            points.append(pts[0])
        elif cmd == "l" and pts and points:
            segments.append(("l", points[-1], pts[0]))
            points.append(pts[0])
        elif cmd in ("c", "v", "y") and points and len(pts) >= 2:
            p1, p2, p3 = (pts if cmd == "c" else [points[-1], *pts] if cmd == "v" else [pts[0], pts[1], pts[1]])
            segments.append(("c", points[-1], p3))
            points.extend(_bezier(points[-1], p1, p2, p3))
        elif cmd == "h" and points:
            closed = True
    if len(points) < 2 or not (obj.get("fill") or obj.get("stroke")):
        return None
    closed = closed or (len(points) > 2 and math.dist(points[0], points[-1]) <= 0.5)
    if closed and math.dist(points[0], points[-1]) > 0.5:
        segments.append(("l", points[-1], points[0]))
    return PdfPath(tuple(points), tuple(segments), closed, bool(obj.get("fill")), bool(obj.get("stroke")))


# -- kinds ---------------------------------------------------------------------------
def distinct(points: tuple[Point, ...], tol: float = 0.5) -> list[Point]:
    out: list[Point] = []
    for p in points:
        if not out or math.dist(p, out[-1]) > tol:
            out.append(p)
    if len(out) > 1 and math.dist(out[0], out[-1]) <= tol:
        out.pop()
    return out


def _near_all(pts: list[Point], targets: list[Point], tol: float) -> bool:
    return all(min(math.dist(p, t) for p in pts) <= tol for t in targets)


def _convex(pts: list[Point]) -> bool:
    signs = set()
    for i in range(len(pts)):
        (ax, ay), (bx, by), (cx, cy) = pts[i - 2], pts[i - 1], pts[i]
        cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx)
        if abs(cross) > 1e-6:
            signs.add(cross > 0)
    return len(signs) == 1


def _polygon_kind(path: PdfPath) -> str:
    pts = distinct(path.vertices)
    b = path.box
    tol = 0.12 * max(b.width, b.height)
    if len(pts) == 4:
        if _near_all(pts, [(b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1)], tol):
            return "rect"
        cx, cy = b.center
        if _near_all(pts, [(cx, b.y0), (b.x1, cy), (cx, b.y1), (b.x0, cy)], tol):
            return "diamond"
    return "polygon" if 3 <= len(pts) <= 6 and _convex(pts) else "path"


def _is_ellipse(path: PdfPath) -> bool:
    b = path.box
    (cx, cy), rx, ry = b.center, b.width / 2, b.height / 2
    if rx < 1 or ry < 1:
        return False
    return all(abs(math.hypot((x - cx) / rx, (y - cy) / ry) - 1.0) <= 0.06 for x, y in path.points)


def _border_distance(box: Box, p: Point) -> float:
    return min(abs(p[0] - box.x0), abs(box.x1 - p[0]), abs(p[1] - box.y0), abs(box.y1 - p[1]))


def _corner_radius(path: PdfPath) -> float | None:
    """The corner radius (px) when the path is a rectangle with rounded corners, else None."""
    b = path.box
    if any(seg[0] == "l" and abs(seg[1][0] - seg[2][0]) > 0.5 and abs(seg[1][1] - seg[2][1]) > 0.5
           for seg in path.segments):
        return None  # a slanted straight side
    spans = sorted(max(abs(e[0] - s[0]), abs(e[1] - s[1])) for kind, s, e in path.segments if kind == "c")
    radius = spans[len(spans) // 2]
    slack = 1.0 + 0.02 * max(b.width, b.height)
    if radius > 0.5 * min(b.width, b.height) + slack:
        return None
    ends_on_border = all(_border_distance(b, p) <= slack for kind, s, e in path.segments if kind == "c" for p in (s, e))
    hugs = all(_border_distance(b, p) <= 0.3 * radius + slack for p in path.points)
    return radius if ends_on_border and hugs else None


def shape_kind(path: PdfPath) -> str:
    if path.n_curves == 0:
        return _polygon_kind(path)
    if _is_ellipse(path):
        return "ellipse"
    radius = _corner_radius(path)
    straight = sum(kind == "l" and math.dist(a, b) >= 1.0 for kind, a, b in path.segments)
    if radius is None or straight < 2:
        return "path"
    return "rounded_rect" if radius >= 1.0 else "rect"


# -- selection -----------------------------------------------------------------------
def _outline_samples(points: tuple[Point, ...], n: int = 32) -> list[tuple[Point, Point]]:
    """``n`` (point, unit outward normal) pairs evenly along a closed outline."""
    pts = list(points) + [points[0]]
    lengths = [math.dist(p, q) for p, q in zip(pts, pts[1:], strict=False)]
    total = sum(lengths)
    area2 = sum(p[0] * q[1] - q[0] * p[1] for p, q in zip(pts, pts[1:], strict=False))
    sign = 1.0 if area2 > 0 else -1.0  # outward normal side for this winding (y down)
    out, seg, walked = [], 0, 0.0
    for i in range(n):
        target = total * (i + 0.5) / n
        while seg < len(lengths) - 1 and walked + lengths[seg] < target:
            walked += lengths[seg]
            seg += 1
        (x0, y0), (x1, y1), length = pts[seg], pts[seg + 1], max(lengths[seg], 1e-9)
        t = (target - walked) / length
        dx, dy = (x1 - x0) / length, (y1 - y0) / length
        out.append(((x0 + t * (x1 - x0), y0 + t * (y1 - y0)), (-dy * sign, dx * sign)))
    return out


def outline_visible(path: PdfPath, rgb: np.ndarray) -> bool:
    """Whether the outline shows on ``rgb`` (HWC uint8) at ``VISIBLE_SHARE`` of the samples (module docstring)."""
    h, w = rgb.shape[:2]

    def at(x: float, y: float) -> np.ndarray:
        return rgb[min(max(int(y), 0), h - 1), min(max(int(x), 0), w - 1)].astype(np.int16)

    shown = 0
    samples = _outline_samples(path.points)
    for (x, y), (nx, ny) in samples:
        nearby = [at(x + k * nx, y + k * ny) for k in (-1.0, 0.0, 1.0, -3.0)]
        shown += any(max(int(np.abs(c - at(x + d * nx, y + d * ny)).max()) for c in nearby) > VISIBLE_DIFF
                     for d in OUTSIDE_PX)
    return shown >= VISIBLE_SHARE * len(samples)


def is_head(path: PdfPath, limit_px: float) -> bool:
    """A small pointed shape: closed, at most ``limit_px`` across, 3 to 10 sides of which
    any curve is a rounded joint (at most 0.2 of its size), not a rectangle or a dot."""
    b = path.box
    size = max(b.width, b.height)
    if not path.closed or not 2 <= size <= limit_px or not 3 <= len(path.segments) <= 10:
        return False
    if any(kind == "c" and math.dist(p, q) > 0.2 * size for kind, p, q in path.segments):
        return False
    return len(distinct(path.vertices)) >= 3 and shape_kind(path) not in ("rect", "rounded_rect", "ellipse")


def shapes_from_paths(paths: list[PdfPath], rgb: np.ndarray, limit_px: float) -> list[TruthShape]:
    """Truth shapes of the painted paths (module docstring); ``rgb`` is the rendering without text."""
    h, w = rgb.shape[:2]
    out: list[TruthShape] = []
    for path in paths:
        box = path.box
        if not path.closed or min(box.width, box.height) < 6 or box.area >= 0.9 * w * h:
            continue
        if box.clip(w, h).area < 0.5 * box.area or is_head(path, limit_px):
            continue
        kind = shape_kind(path)
        if kind not in PRIMITIVE_KINDS or not outline_visible(path, rgb):
            continue
        box = box.clip(w, h)
        if not any(s.kind == kind and s.box.iou(box) >= 0.9 for s in out):
            out.append(TruthShape(kind, box))
    return out


def icons_from_images(images: list[dict[str, Any]], frame: PageFrame, rgb: np.ndarray,
                      noimage_rgb: np.ndarray) -> list[TruthIcon]:
    """Truth pictures: the extent of the pixels each embedded image changes (module docstring)."""
    h, w = rgb.shape[:2]
    changed = np.abs(rgb.astype(np.int16) - noimage_rgb.astype(np.int16)).max(axis=2) > IMAGE_DIFF
    out: list[TruthIcon] = []
    for image in images:
        x0, y0, x1, y1 = frame.box(image["x0"], image["top"], image["x1"], image["bottom"]).clip(w, h).to_int()
        ys, xs = np.nonzero(changed[y0:y1, x0:x1])
        if len(xs) < 0.02 * max((x1 - x0) * (y1 - y0), 1):
            continue
        box = Box(x0 + float(xs.min()), y0 + float(ys.min()), x0 + float(xs.max()) + 1, y0 + float(ys.max()) + 1)
        if min(box.width, box.height) >= 8 and not any(icon.box.iou(box) >= 0.9 for icon in out):
            out.append(TruthIcon(box))
    return out
