"""The shape of the mark at a line's end, from its ink: arrowhead, dot, diamond
or bar when solid; open arrowhead, circle or open diamond when only outlined.

Measured in the frame of the line's end (``u`` along the line, pointing out of
it; ``v`` across), on the mark's profile (its pixels counted across, at each
step along), the line's own stub trimmed off: a mark much shorter along the line
than across is a bar; one widest near its back and narrower at its front an
arrowhead (also when an outline it touches cut its tip off); a round one (as long
as wide, widest in the middle, filling most of its box) a dot; one widest in the
middle and narrow at both ends a diamond.  Page pixels.
"""

from __future__ import annotations

import math

import numpy as np

Point = tuple[float, float]
HOLLOW = {"arrow": "open_arrow", "dot": "circle", "diamond": "open_diamond"}


def mark_kind(pts: np.ndarray, out: Point, solid: bool = True, line_px: float = 2.0) -> str:
    """Kind of the mark made of ``pts`` ((N, 2) page xy, filled) at a line end pointing
    ``out``; ``line_px`` is the line's width (its stub behind the mark is no part of it)."""
    ux, uy = out
    u = pts[:, 0] * ux + pts[:, 1] * uy
    v = -pts[:, 0] * uy + pts[:, 1] * ux
    counts = np.bincount(np.floor(u - u.min()).astype(int))
    back = 0
    while back < len(counts) - 1 and counts[back] <= line_px + 1.5:  # the line's stub
        back += 1
    counts = counts[back:]
    keep = np.floor(u - u.min()).astype(int) >= back
    along = float(len(counts))
    across = float(v[keep].max() - v[keep].min()) + 1.0 if keep.any() else 1.0
    if along < 0.5 * across:
        return "bar"
    top = float(counts.max())
    peak = float(np.mean(np.nonzero(counts >= 0.9 * top)[0]) + 0.5) / along
    edge = max(1, int(round(0.2 * along)))
    first, last = float(counts[:edge].mean()), float(counts[-edge:].mean())
    fill = float(counts.sum()) / max(along * across, 1.0)
    if peak <= 0.45 and last <= 0.7 * top:
        kind = "arrow"
    elif 0.7 <= along / across <= 1.45 and 0.25 <= peak <= 0.75 and fill >= 0.62:
        kind = "dot"
    elif 0.25 <= peak <= 0.75 and max(first, last) <= 0.6 * top:
        kind = "diamond"
    else:
        kind = "arrow"
    return kind if solid else HOLLOW[kind]


def round_size(pts: np.ndarray) -> float:
    """A round mark's diameter (px)."""
    span = pts.max(axis=0) - pts.min(axis=0) + 1.0
    return float(math.sqrt(span[0] * span[1]))


def dot_at(canvas: np.ndarray, ground: np.ndarray, end: Point, out: Point, colour: tuple[int, int, int],
           line_px: float, ink_diff: int = 28) -> tuple[str, Point, float] | None:
    """A dot or circle centred near ``end`` (page px) in the line's ``colour``: its kind,
    centre and diameter; None when the line just ends there.  Read on the canvas
    (HWC uint8) against ``ground`` (what the shapes' insides alone would paint), so a
    dot half over a box's outline, which the outline's own ink cuts in two, is seen
    whole: the largest disc of ink (holes filled) around the end must be clearly
    wider than the line (measured on the line itself, behind the end along ``out``,
    the unit direction out of the line), and the ring just outside it mostly empty
    (no filled box)."""
    import cv2

    from extraction.regions import fill_holes

    h, w = canvas.shape[:2]
    reach = int(3 * line_px + 10)
    ex, ey = int(round(end[0])), int(round(end[1]))
    x0, y0, x1, y1 = max(ex - reach, 0), max(ey - reach, 0), min(ex + reach + 1, w), min(ey + reach + 1, h)
    if x1 - x0 < 5 or y1 - y0 < 5:
        return None
    win, under = canvas[y0:y1, x0:x1].astype(np.int16), ground[y0:y1, x0:x1].astype(np.int16)
    ink = (np.abs(win - under).max(axis=2) > ink_diff) & _blend_of(win, under, colour)
    closed = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) > 0
    filled = fill_holes(closed)
    dist = cv2.distanceTransform(np.pad(filled, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    yy, xx = np.mgrid[y0:y1, x0:x1]
    around = np.hypot(xx - end[0], yy - end[1]) <= 2.0 + line_px
    if not around.any():
        return None
    best = np.argmax(np.where(around, dist, 0))
    radius = float(dist.flat[best])
    cx, cy = float(xx.flat[best]), float(yy.flat[best])
    line_r = _line_radius(dist, (end[0] - x0, end[1] - y0), out, reach)
    if line_r is None or radius < max(2.2, line_r + 1.0) or radius > 3.0 * line_px + 5:
        return None
    r_c = np.hypot(xx - cx, yy - cy)
    ring = (r_c >= radius + 2) & (r_c <= radius + 4)
    if not ring.any() or filled[ring].mean() >= 0.5 or _thick_arms(dist, (cx - x0, cy - y0), radius, line_r) > 1:
        return None
    inside = r_c <= radius - 0.5
    kind = "dot" if ink[inside].mean() >= 0.75 else "circle"
    return kind, (cx, cy), 2.0 * radius + 1.0


def _line_radius(dist: np.ndarray, end: Point, out: Point, reach: int) -> float | None:
    """The line's own half-width: the distance-to-edge on its centre, sampled
    behind ``end`` (window px) against the direction ``out``."""
    h, w = dist.shape
    found = []
    for t in np.linspace(0.5 * reach, 0.9 * reach, 5):
        x, y = int(round(end[0] - out[0] * t)), int(round(end[1] - out[1] * t))
        if 1 <= x < w - 1 and 1 <= y < h - 1:
            found.append(float(dist[y - 1:y + 2, x - 1:x + 2].max()))
    return float(np.median(found)) if found else None


def _blend_of(win: np.ndarray, under: np.ndarray, colour: tuple[int, int, int], off_px: float = 40.0) -> np.ndarray:
    """Pixels that are ``colour`` laid over ``under`` at some opacity (anti-aliased
    edges included): on the RGB segment from the ground to the colour, at least a
    third of the way."""
    span = np.asarray(colour, np.float32) - under.astype(np.float32)
    rel = win.astype(np.float32) - under.astype(np.float32)
    norm = np.maximum((span * span).sum(axis=2), 1.0)
    t = (rel * span).sum(axis=2) / norm
    off = np.sqrt(((rel - t[..., None] * span) ** 2).sum(axis=2))
    return (t >= 0.33) & (off <= off_px)


def _thick_arms(dist: np.ndarray, centre: Point, radius: float, line_r: float) -> int:
    """Directions (of 16) in which ink thicker than the line runs on past a disc of
    ``radius`` around ``centre``: none for a dot (only its line leaves it), some
    where a line meets a thick outline or another line."""
    h, w = dist.shape
    count = 0
    for a in np.linspace(0, 2 * math.pi, 16, endpoint=False):
        x = int(round(centre[0] + math.cos(a) * (radius + 1.5)))
        y = int(round(centre[1] + math.sin(a) * (radius + 1.5)))
        if 0 <= x < w and 0 <= y < h and dist[y, x] >= max(0.6 * radius, line_r + 0.4):
            count += 1
    return count
