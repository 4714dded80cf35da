"""Grounding shapes: each enclosed flat region becomes a fitted, painted primitive.

For every candidate interior (``regions.find_regions``) the silhouette is the
interior with its holes filled plus the outline ink around it; the simplest
primitive explaining the silhouette is fitted (``shapes.fit_shape``) and its
paint read (``shape_style.region_paint``).  A region must look drawn to be
kept: an outline of one colour all round (solid, or regularly dashed), or a
fill of its own.  Two regions of one fill stacked as a flat ellipse over a body
of its width are one cylinder.  ``shape_elements`` turns the result into
scene elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from crafteditor.model.scene import Box
from crafteditor.model.unionfind import DisjointSet
from extraction.corners import read_corners
from extraction.pixels import dominant_colour, far_from_colour, near_colour, stroke_cover
from extraction.regions import DASH_GAP_PX, Flatness, Region, fill_holes
from extraction.shape_style import Paint, region_paint
from extraction.shapes import ShapeFit, fit_shape

RING_PX = 6  # outline ink searched this far outside an interior
PAD_PX = RING_PX + 8
MIN_RADIUS_PX = 2.5  # a smaller corner radius reads as a square corner (blur rounds by ~2 px)
NEW_RADIUS_PX = 3.0  # a box fitted square is rounded only on this much, at all four corners
THIN_STROKE_PX = 1.5  # a thinner stroke may cover no pixel by more than ~65% (it straddles two)
HALF_COVER = 0.35  # and a pixel this much covered by it is its (a 0.8 px stroke shared by two pixels)


@dataclass(frozen=True, slots=True, eq=False)  # holds arrays: compared by identity
class GroundedShape:
    """A fitted shape before it becomes an element: fit, paint, and its silhouette."""

    fit: ShapeFit
    paint: Paint
    xyxy: tuple[int, int, int, int]  # silhouette crop in page px
    silhouette: np.ndarray  # HW bool over xyxy
    interior_rgb: tuple[float, float, float]
    dashed_pass: bool

    @property
    def area_px(self) -> int:
        return int(self.silhouette.sum())

    def full_mask(self, shape_hw: tuple[int, int]) -> np.ndarray:
        out = np.zeros(shape_hw, dtype=bool)
        x0, y0, x1, y1 = self.xyxy
        out[y0:y1, x0:x1] = self.silhouette
        return out


@dataclass(frozen=True, slots=True, eq=False)  # holds arrays: compared by identity
class Surroundings:
    """What lies around an interior: ``wide`` (HW bool) is page or the broad part
    of some interior; ``owner`` (HW int32) says whose: -1 the page, i + 1 the
    ``interiors[i]``, 0 neither."""

    wide: np.ndarray
    owner: np.ndarray
    interiors: tuple[Region, ...]
    flat: np.ndarray | None
    filled: dict[int, np.ndarray] = field(default_factory=dict)  # interior index -> its mask, holes filled

    def behind_beside(self, region: Region, window: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Over ``window`` (xyxy), the wide pixels that may lie behind ``region`` (the
        page, and interiors that enclose it) and those beside it: the insides of
        neighbours (the next box in a stack, across a gap), neither enclosing it
        nor within its box."""
        cx0, cy0, cx1, cy1 = window
        owner = self.owner[cy0:cy1, cx0:cx1]
        first_y, first_x = divmod(int(np.argmax(region.mask)), region.mask.shape[1])  # its first pixel
        px, py = first_x + region.xyxy[0], first_y + region.xyxy[1]
        rx0, ry0, rx1, ry1 = region.xyxy
        present = np.bincount(owner[owner > 0], minlength=1)
        # What each owner value counts as; the page (-1) is the tables' last entry.
        is_behind = np.zeros(len(present) + 1, dtype=bool)
        is_beside = np.zeros(len(present) + 1, dtype=bool)
        is_behind[-1] = True
        for label in np.nonzero(present)[0]:
            other = self.interiors[label - 1]
            x0, y0, x1, y1 = other.xyxy
            if other is region:
                continue
            if x0 <= px < x1 and y0 <= py < y1:
                if label not in self.filled:
                    self.filled[label] = fill_holes(other.mask)
                if self.filled[label][py - y0, px - x0] or _sides_held(owner == label, region.xyxy, window) >= 3:
                    is_behind[label] = True  # around it (a line cutting the panel leaves a notch, not a hole)
                    continue
            if not (rx0 - 2 <= x0 and ry0 - 2 <= y0 and x1 <= rx1 + 2 and y1 <= ry1 + 2):
                is_beside[label] = True
        return is_behind[owner], is_beside[owner]


def _sides_held(mask: np.ndarray, xyxy: tuple[int, int, int, int], window: tuple[int, int, int, int]) -> int:
    """On how many of the four sides of box ``xyxy`` does ``mask`` (HW bool over
    ``window``, page px xyxy) hold a quarter of the strip just beyond it?"""
    x0, y0, x1, y1 = (v - o for v, o in zip(xyxy, window[:2] * 2))
    h, w = mask.shape
    strips = (mask[max(0, y0 - RING_PX - 4):max(0, y0 - 2), max(0, x0):x1].any(axis=0),
              mask[y1 + 2:y1 + RING_PX + 4, max(0, x0):x1].any(axis=0),
              mask[max(0, y0):y1, max(0, x0 - RING_PX - 4):max(0, x0 - 2)].any(axis=1),
              mask[max(0, y0):y1, x1 + 2:x1 + RING_PX + 4].any(axis=1))
    return sum(bool(strip.size) and strip.mean() >= 0.25 for strip in strips)


def _outside_colour(crop: np.ndarray, candidates: list[np.ndarray]) -> np.ndarray | None:
    """Median colour of the first candidate mask with enough pixels."""
    for mask in candidates:
        if mask.sum() >= 8:
            return np.median(crop[mask].reshape(-1, 3), axis=0)
    return None


def _silhouette(region: Region, canvas: np.ndarray, around_of: Surroundings
                ) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray] | None:
    """Crop box, silhouette (interior, holes filled, plus its outline ink) and outside colour."""
    wide, flat = around_of.wide, around_of.flat
    h, w = wide.shape
    x0, y0, x1, y1 = region.xyxy
    cx0, cy0, cx1, cy1 = max(0, x0 - PAD_PX), max(0, y0 - PAD_PX), min(w, x1 + PAD_PX), min(h, y1 + PAD_PX)
    inside = np.zeros((cy1 - cy0, cx1 - cx0), dtype=bool)
    inside[y0 - cy0:y1 - cy0, x0 - cx0:x1 - cx0] = region.mask
    filled = fill_holes(inside)
    k = 2 * RING_PX + 1
    near = cv2.dilate(filled.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0
    crop, wide_crop = canvas[cy0:cy1, cx0:cx1], wide[cy0:cy1, cx0:cx1]
    around = cv2.dilate(near.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    around &= ~filled & wide_crop
    # hemmed in by thin strips (a double outline): look farther out
    far_out = cv2.dilate(filled.astype(np.uint8), np.ones((2 * PAD_PX + 1, 2 * PAD_PX + 1), np.uint8)) > 0
    far_out &= ~filled & wide_crop
    behind, beside = around_of.behind_beside(region, (cx0, cy0, cx1, cy1))
    outside = _outside_colour(crop, [around & behind, far_out & behind, around, far_out])
    if outside is None:
        return None
    ring = near & ~filled & ~wide_crop  # colours are compared on this band only, not the whole crop
    pixels = crop[ring]
    inked = far_from_colour(pixels, outside, 10)
    if flat is not None:
        # A flat strip (the inside of a neighbour, between two outlines) is not
        # outline: flat pixels count only when they stand far from both sides.
        strong = far_from_colour(pixels, outside, 60) & far_from_colour(pixels, region.colour, 60)
        inked &= ~flat[cy0:cy1, cx0:cx1][ring] | strong
    ring[ring] = inked
    # Ink nearer a neighbour's inside than ours (the outline of the next box in a
    # stack, across a thin gap) is the neighbour's.
    beside &= ~filled
    if ring.any() and beside.any():
        own = cv2.distanceTransform((~filled).astype(np.uint8), cv2.DIST_L2, 3)
        other = cv2.distanceTransform((~beside).astype(np.uint8), cv2.DIST_L2, 3)
        ring &= own <= other
    if ring.any():
        # Lines that touch the outline (connector ends) reach farther than the
        # outline's own thickness: keep the ring to that thickness.
        dist = cv2.distanceTransform((~filled).astype(np.uint8), cv2.DIST_C, 3)  # square corners stay square
        ring &= dist <= float(np.percentile(dist[ring], 85)) + 1.0
    silhouette = filled | ring
    if region.dashed_pass:  # bridge the gaps between the dashes and the inside
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (DASH_GAP_PX, DASH_GAP_PX))  # keeps round corners
        silhouette = cv2.morphologyEx(silhouette.astype(np.uint8), cv2.MORPH_CLOSE, disk) > 0
    return (cx0, cy0, cx1, cy1), fill_holes(silhouette), outside


def _outline_consistent(canvas: np.ndarray, silhouette: np.ndarray, paint: Paint, outside: np.ndarray,
                        partly_covered: bool = False) -> bool:
    """Is the outline one colour all round (dashes count where they are regular)?
    With ``partly_covered``, pixels half covered by the stroke count as the stroke."""
    if paint.stroke_rgb is None:
        return False
    contours, _ = cv2.findContours(silhouette.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return False
    pts = max(contours, key=len).reshape(-1, 2)
    stroke = np.asarray(paint.stroke_rgb, np.float32)
    tolerance = max(40.0, 0.35 * float(np.abs(stroke - outside).max()))
    like = near_colour(canvas, stroke, tolerance)
    if partly_covered:
        like |= stroke_cover(canvas, stroke, outside) >= HALF_COVER
    like &= silhouette
    reach = 2 * max(1, int(round(paint.stroke_width_px))) + 1
    near_stroke = cv2.dilate(like.astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0
    share = float(near_stroke[pts[:, 1], pts[:, 0]].mean())
    return share >= (0.5 if paint.dash_px else 0.85)


def ground_shapes(canvas: np.ndarray, flatness: Flatness,
                  proposed: tuple[Region, ...] | None = None) -> list[GroundedShape]:
    """Fitted, painted shapes for the interiors of ``flatness`` on ``canvas`` (HWC uint8),
    or for the regions a segmenter ``proposed``; a shape found twice is kept once."""
    wide = flatness.page.copy()
    owner = np.where(flatness.page, -1, 0).astype(np.int32)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    for i, region in enumerate(flatness.interiors):
        if not region.dashed_pass:
            # Only the region's broad parts: solid lines joined to it are outline ink.
            x0, y0, x1, y1 = region.xyxy
            core = cv2.morphologyEx(np.pad(region.mask, 5).astype(np.uint8), cv2.MORPH_OPEN, disc)[5:-5, 5:-5] > 0
            wide[y0:y1, x0:x1] |= core
            owner[y0:y1, x0:x1][core] = i + 1
    around_of = Surroundings(wide, owner, flatness.interiors, flatness.flat)
    found: list[GroundedShape] = []
    failed: list[Region] = []
    pieces: list[tuple[Region, GroundedShape]] = []  # dashed-pass regions that fitted on their own
    fitted: list[tuple[Region, GroundedShape]] = []
    for region in (flatness.interiors if proposed is None else proposed):
        shape = _ground(region, canvas, around_of)
        if shape is not None:
            found.append(shape)
            fitted.append((region, shape))
            if region.dashed_pass and shape.fit.kind != "unfit":
                pieces.append((region, shape))
        if shape is None or shape.fit.kind == "unfit":
            failed.append(region)
    for union, _members in _split_unions(failed + [r for r, _ in pieces]):
        shape = _ground(union, canvas, around_of)
        if shape is None or shape.fit.kind == "unfit":
            continue
        # A container cut in two by a line through it: its halves may fit on
        # their own, but the whole, when it fits a primitive, replaces them.
        inside = [s for r, s in pieces if shape.fit.box.expand(2).contains(s.fit.box)]
        if inside and shape.fit.kind in ("polygon", "unfit"):
            continue
        found = [s for s in found if not any(s is t for t in inside)]
        found.append(shape)
    found = _join_crossed_panels(found, fitted, failed, canvas, flatness, around_of)
    shapes = _unique([s for s in _merge_cylinders(found) if s.fit.kind != "unfit"])
    return _without_line_crossings(shapes, canvas)


def _join_crossed_panels(found: list[GroundedShape], fitted: list[tuple[Region, GroundedShape]],
                         failed: list[Region], canvas: np.ndarray, flatness: Flatness,
                         around_of: Surroundings) -> list[GroundedShape]:
    """A tinted panel (a fill without outline) that lines run across is one flat
    fill: its pieces between the lines (fitted or not) are joined again, and the
    whole replaces the pieces when it fits a box of one fill without outline.
    ``fitted`` pairs each region grounded on its own with its shape."""
    panels = {id(r): s for r, s in fitted if _unstroked_fill(s) and not r.dashed_pass and s.fit.kind != "unfit"}
    if not panels:
        return found
    regions = [r for r, _ in fitted if id(r) in panels] + [r for r in failed if not r.dashed_pass]
    page_rgb = np.median(canvas[flatness.page][::31], axis=0) if flatness.page.any() else np.full(3, 255.0)
    joined: set[int] = set()
    for union, members in _split_unions(regions):  # each whole set before its pairs
        if not any(id(m) in panels for m in members) or any(id(m) in joined for m in members):
            continue
        held = _held(union, members)
        if not _inked(union, held, canvas, page_rgb) or not _crossed(union, held, flatness.flat):
            continue
        shape = _ground(union, canvas, around_of)
        if shape is None or shape.fit.kind not in ("rect", "rounded_rect") or not _unstroked_fill(shape):
            continue
        # The pieces go, and so does any shape made of them (failed pieces joined otherwise).
        found = [s for s in found if _share_on(s, union.xyxy, held) < 0.6] + [shape]
        joined.update(id(m) for m in members)
    return found


def _held(union: Region, members: list[Region]) -> np.ndarray:
    """The members' insides (holes filled) over the union's box (HW bool)."""
    x0, y0 = union.xyxy[:2]
    held = np.zeros_like(union.mask)
    for m in members:
        mx0, my0, mx1, my1 = m.xyxy
        held[my0 - y0:my1 - y0, mx0 - x0:mx1 - x0] |= fill_holes(m.mask)
    return held


def _share_on(shape: GroundedShape, xyxy: tuple[int, int, int, int], mask: np.ndarray) -> float:
    """Share of ``shape``'s silhouette on ``mask`` (HW bool over box ``xyxy``)."""
    sx0, sy0, sx1, sy1 = shape.xyxy
    x0, y0, x1, y1 = xyxy
    ix0, iy0, ix1, iy1 = max(sx0, x0), max(sy0, y0), min(sx1, x1), min(sy1, y1)
    if ix0 >= ix1 or iy0 >= iy1:
        return 0.0
    on = shape.silhouette[iy0 - sy0:iy1 - sy0, ix0 - sx0:ix1 - sx0] & mask[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0]
    return float(on.sum()) / max(shape.area_px, 1)


def _unstroked_fill(shape: GroundedShape) -> bool:
    return shape.paint.fill_rgb is not None and shape.paint.stroke_rgb is None


def _inked(union: Region, held: np.ndarray, canvas: np.ndarray, page_rgb: np.ndarray, tolerance: int = 28) -> bool:
    """Is what lies between the pieces ``held`` of ``union`` ink: off the panel's colour,
    and, there, off the page's too?  Cells a page-coloured rule separates are cells."""
    x0, y0, x1, y1 = union.xyxy
    gap = canvas[y0:y1, x0:x1][union.mask & ~held]
    off = gap[far_from_colour(gap, union.colour, tolerance)]
    return len(off) > 0 and bool(far_from_colour(np.median(off, axis=0)[None], page_rgb, tolerance)[0])


def _crossed(union: Region, held: np.ndarray, flat: np.ndarray, beyond_px: tuple[int, int] = (3, 7)) -> bool:
    """Do lines run across ``union`` between the pieces it ``held`` (``_held``), rather
    than divide it?  Some stretch between the pieces spans the union from side to
    side and runs on past both of those sides (non-flat pixels ``beyond_px`` out, in
    line with it): a line crossing a panel comes from elsewhere and goes on, while
    a divider stops at the panel's edge and a gap between two boxes opens on page."""
    x0, y0, x1, y1 = union.xyxy
    h, w = flat.shape
    near, far = beyond_px
    n, labels, stats, _ = cv2.connectedComponentsWithStats((union.mask & ~held).astype(np.uint8), connectivity=8)
    for k in range(1, n):
        gx, gy, gw, gh, _area = (int(v) for v in stats[k])
        if gy <= 1 and gy + gh >= y1 - y0 - 1:  # top to bottom
            cols = np.nonzero((labels[:, gx:gx + gw] == k).any(axis=0))[0] + x0 + gx
            ends = (flat[max(0, y0 - far):max(0, y0 - near), cols], flat[min(h, y1 + near):min(h, y1 + far), cols])
        elif gx <= 1 and gx + gw >= x1 - x0 - 1:  # side to side
            rows = np.nonzero((labels[gy:gy + gh] == k).any(axis=1))[0] + y0 + gy
            ends = (flat[rows, max(0, x0 - far):max(0, x0 - near)], flat[rows, min(w, x1 + near):min(w, x1 + far)])
        else:
            continue
        if all(end.size and not end.all() for end in ends):
            return True
    return False


def outline_band(shape: GroundedShape) -> np.ndarray:
    """The silhouette's rim as wide as the outline and 2 px more (2 px without an outline),
    over ``shape.xyxy``: where the shape's own outline ink lies."""
    band = max(2, int(round(shape.paint.stroke_width_px)) + 2) if shape.paint.stroke_rgb is not None else 2
    sil = shape.silhouette.astype(np.uint8)
    return (sil > 0) & ~(cv2.erode(sil, np.ones((2 * band + 1, 2 * band + 1), np.uint8)) > 0)


def _without_line_crossings(shapes: list[GroundedShape], canvas: np.ndarray) -> list[GroundedShape]:
    """``shapes`` less the unfilled boxes and polygons that lines crossing each other
    closed in: a drawn shape's sides end at its corners.  Dropped are those where
    at two or more corners a side's line runs on past the corner, beyond any other
    shape's outline (a lifeline past the arrow that meets it, crossing connectors).
    In a grid of cells a side runs on as the next cell's outline, which does not count."""
    candidates = [s for s in shapes if s.fit.kind in ("rect", "polygon") and s.paint.fill_rgb is None
                  and s.paint.stroke_rgb is not None]
    if not candidates:
        return shapes
    h, w = canvas.shape[:2]
    bands = np.zeros((h, w), np.uint8)  # how many shapes' outlines lie on each pixel
    own = {}
    for s in shapes:
        x0, y0, x1, y1 = s.xyxy
        own[id(s)] = outline_band(s)
        bands[y0:y1, x0:x1] += own[id(s)]
    dropped = {id(s) for s in candidates if _corners_run_on(s, canvas, bands, own[id(s)]) >= 2}
    return [s for s in shapes if id(s) not in dropped]


def _corners_run_on(shape: GroundedShape, canvas: np.ndarray, bands: np.ndarray, own: np.ndarray) -> int:
    """At how many corners of ``shape`` one of the two sides' lines runs on straight past the
    corner, off the other shapes' outlines (``bands`` less the shape's ``own``).  Read in a
    window round the shape that holds every point looked at and the dilations' reach."""
    box = shape.fit.box
    points = shape.fit.points or ((box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1))
    pts = np.asarray(points, np.float64)
    stroke = shape.paint.stroke_rgb
    width = max(1.0, shape.paint.stroke_width_px)
    start, reach = width + 3.0, max(8.0, 3.0 * width)
    h, w = canvas.shape[:2]
    wx0, wy0, wx1, wy1 = box.expand(start + reach + 4.0).clip(w, h).to_int()
    others = bands[wy0:wy1, wx0:wx1].copy()
    x0, y0, x1, y1 = shape.xyxy
    ox0, oy0, ox1, oy1 = max(x0, wx0), max(y0, wy0), min(x1, wx1), min(y1, wy1)
    if ox1 > ox0 and oy1 > oy0:
        others[oy0 - wy0:oy1 - wy0, ox0 - wx0:ox1 - wx0] -= own[oy0 - y0:oy1 - y0, ox0 - x0:ox1 - x0]
    window = canvas[wy0:wy1, wx0:wx1]
    outside = _page_colour_around(canvas, box)
    ink = near_colour(window, stroke, max(40.0, 0.35 * float(np.abs(np.subtract(stroke, outside)).max())))
    ink |= stroke_cover(window, stroke, outside) >= HALF_COVER
    ink = cv2.dilate(ink.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0  # a line a pixel off its side
    ink &= ~(cv2.dilate((others > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0)  # and its anti-aliasing
    crossed = 0
    for k, corner in enumerate(pts):
        for neighbour in (pts[k - 1], pts[(k + 1) % len(pts)]):
            side = corner - neighbour
            length = float(np.hypot(*side))
            if length < 2 * reach:
                continue
            steps = np.arange(start, start + reach + 0.5)
            xy = np.rint(corner + np.outer(steps, side / length)).astype(int)
            inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
            if inside.all() and ink[xy[:, 1] - wy0, xy[:, 0] - wx0].mean() >= 0.8:
                crossed += 1
                break
    return crossed


def _page_colour_around(canvas: np.ndarray, box: Box) -> tuple[int, int, int]:
    """The most common colour in a thin frame just outside ``box``."""
    h, w = canvas.shape[:2]
    x0, y0, x1, y1 = box.expand(6).clip(w, h).to_int()
    frame = np.concatenate([canvas[y0:y0 + 2, x0:x1].reshape(-1, 3), canvas[max(y1 - 2, y0):y1, x0:x1].reshape(-1, 3),
                            canvas[y0:y1, x0:x0 + 2].reshape(-1, 3), canvas[y0:y1, max(x1 - 2, x0):x1].reshape(-1, 3)])
    return tuple(int(v) for v in dominant_colour(frame)) if len(frame) else (255, 255, 255)


def _unique(shapes: list[GroundedShape]) -> list[GroundedShape]:
    """One shape per place: of two fits with nearly the same box, the closer fit."""
    out: list[GroundedShape] = []
    for s in sorted(shapes, key=lambda s: -s.fit.iou):
        if not any(o.fit.box.iou(s.fit.box) > 0.9 for o in out):
            out.append(s)
    return sorted(out, key=lambda s: shapes.index(s))


def _ground(region: Region, canvas: np.ndarray, around_of: Surroundings) -> GroundedShape | None:
    found_silhouette = _silhouette(region, canvas, around_of)
    if found_silhouette is None:
        return None
    xyxy, silhouette, outside = found_silhouette
    x0, y0, x1, y1 = xyxy
    crop = canvas[y0:y1, x0:x1]
    outside_rgb = tuple(int(v) for v in outside)
    paint = region_paint(crop, silhouette, outside_rgb, interior_rgb=region.colour, fine_dashes=region.dashed_pass)
    if region.dashed_pass and not paint.dash_px:
        return None
    unstroked_fill = paint.fill_rgb is not None and paint.stroke_rgb is None
    if not unstroked_fill and not _outline_consistent(crop, silhouette, paint, outside):
        if paint.stroke_rgb is None or paint.dash_px:
            return None
        # An outline of dots too short to walk as dashes is not a solid one with holes.
        dotted = region_paint(crop, silhouette, outside_rgb, interior_rgb=region.colour, fine_dashes=True)
        if dotted.dash_px and _outline_consistent(crop, silhouette, dotted, outside):
            paint = dotted
        elif not (paint.stroke_width_px < THIN_STROKE_PX
                  and _outline_consistent(crop, silhouette, paint, outside, partly_covered=True)):
            # A thin solid stroke at a fractional position is two half-covered pixels
            # wide, neither near the stroke's colour: both are the stroke.
            return None
    if unstroked_fill and _line_work(region):
        return None  # lines and arrowheads: the connectors take them
    fit = _best_fit(silhouette, (x0, y0))
    if fit is not None and fit.kind in ("rect", "rounded_rect"):
        fit = _true_corners(fit, canvas, paint, outside)
    if fit is None:  # kept for now: it may be a cylinder's body
        ys, xs = np.nonzero(silhouette)
        box = Box(float(xs.min() + x0), float(ys.min() + y0), float(xs.max() + 1 + x0), float(ys.max() + 1 + y0))
        fit = ShapeFit("unfit", box, 0.0)
    return GroundedShape(fit, paint, xyxy, silhouette, region.colour, region.dashed_pass)


def _true_corners(fit: ShapeFit, canvas: np.ndarray, paint: Paint, outside: np.ndarray) -> ShapeFit:
    """A box fit with the corners its ink shows: blur and JPEG noise round the
    corners of a flat inside, and a radius of 3 or 4 px hides in the
    silhouette's anti-aliasing, but neither holds for the ink of the corner."""
    colour = paint.stroke_rgb if paint.stroke_rgb is not None else paint.fill_rgb
    corners = read_corners(canvas, fit.box, colour, outside)
    if corners.rounded >= 3 and corners.radius_px >= MIN_RADIUS_PX:
        if fit.kind == "rect" and corners.rounded == 4 and corners.radius_px >= NEW_RADIUS_PX:
            return ShapeFit("rounded_rect", fit.box, fit.iou, radius_px=corners.radius_px)
        if fit.kind == "rounded_rect" and fit.radius_px < 8:
            return ShapeFit("rounded_rect", fit.box, fit.iou, radius_px=corners.radius_px)
        return fit
    if fit.kind == "rounded_rect" and (_sharp_corners(canvas, fit.box, paint, outside) or corners.sharp >= 2):
        return ShapeFit("rect", fit.box, fit.iou)
    return fit


def _sharp_corners(canvas: np.ndarray, box: Box, paint: Paint, outside: np.ndarray) -> bool:
    """Does the outline's own ink reach into at least three corners of ``box``?

    Blur and JPEG noise round the corners of a flat inside, never those of the
    ink around it: a drawn radius r leaves the corner r(sqrt 2 - 1) clear along
    the diagonal, a sharp corner at most the anti-aliasing."""
    colour = paint.stroke_rgb if paint.stroke_rgb is not None else paint.fill_rgb
    if colour is None:
        return False
    h, w = canvas.shape[:2]
    ink = np.asarray(colour, np.float32)
    contrast = float(np.abs(ink - outside.astype(np.float32)).max())
    if contrast < 30:
        return False
    sharp = 0
    x0, y0, x1, y1 = int(round(box.x0)), int(round(box.y0)), int(round(box.x1)) - 1, int(round(box.y1)) - 1
    for cx, cy, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x1, y1, -1, -1), (x0, y1, 1, -1)):
        for k in range(3):  # up to 2 px in along the diagonal
            x, y = cx + k * dx, cy + k * dy
            if 0 <= x < w and 0 <= y < h:
                seen = np.abs(canvas[y, x].astype(np.float32) - outside.astype(np.float32)).max()
                if seen >= 0.5 * contrast:
                    sharp += 1
                    break
    return sharp >= 3



def _line_work(region: Region, max_side_px: int = 48) -> bool:
    """Solid ink that is mostly lines (a grid of thick rules, a curve with its head),
    a small solid triangle, or a small solid blob with a line running out of it."""
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    core = cv2.morphologyEx(np.pad(region.mask, 5).astype(np.uint8), cv2.MORPH_OPEN, disc)[5:-5, 5:-5] > 0
    ys, xs = np.nonzero(core)
    if len(xs) < 0.6 * region.area_px:
        return True  # mostly lines
    cw, ch = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    if max(cw, ch) > max_side_px:
        return False
    h, w = region.mask.shape
    line_attached = w > 1.5 * cw + 6 or h > 1.5 * ch + 6
    triangular = region.mask.sum() <= 0.62 * w * h
    return line_attached or triangular


def _split_unions(regions: list[Region], gap_px: int = 15) -> list[tuple[Region, list[Region]]]:
    """Regions of one colour that a thin line (a connector crossing a container)
    cut apart, joined again with the line between them; each with its members."""
    joined_sets = DisjointSet(len(regions))
    touching: list[tuple[int, int]] = []

    kernel = np.ones((gap_px + 4, gap_px + 4), np.uint8)  # reaches across a line and the dash closing round it
    for i, a in enumerate(regions):
        for j in range(i + 1, len(regions)):
            b = regions[j]
            if a.dashed_pass != b.dashed_pass or np.abs(np.subtract(a.colour, b.colour)).max() > 10:
                continue
            ax0, ay0, ax1, ay1 = a.xyxy
            bx0, by0, bx1, by1 = b.xyxy
            x0, y0, x1, y1 = min(ax0, bx0), min(ay0, by0), max(ax1, bx1), max(ay1, by1)
            if max(ax0, bx0) > min(ax1, bx1) + gap_px or max(ay0, by0) > min(ay1, by1) + gap_px:
                continue
            ma = np.zeros((y1 - y0, x1 - x0), np.uint8)
            mb = np.zeros_like(ma)
            ma[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0] = a.mask
            mb[by0 - y0:by1 - y0, bx0 - x0:bx1 - x0] = b.mask
            if (cv2.dilate(ma, kernel) & mb).any():
                joined_sets.merge(i, j)
                touching.append((i, j))
    subsets = [sorted(subset) for subset in joined_sets.subsets() if len(subset) >= 2]
    # a container's halves may touch a third region across its own outline: each
    # touching pair of a larger set is tried too, after the whole set
    subsets += [list(pair) for pair in touching if len(joined_sets.subset(pair[0])) > 2]
    out = []
    for subset in subsets:
        members = [regions[i] for i in subset]
        x0 = min(m.xyxy[0] for m in members)
        y0 = min(m.xyxy[1] for m in members)
        x1 = max(m.xyxy[2] for m in members)
        y1 = max(m.xyxy[3] for m in members)
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        for m in members:
            mx0, my0, mx1, my1 = m.xyxy
            mask[my0 - y0:my1 - y0, mx0 - x0:mx1 - x0] |= m.mask.astype(np.uint8)
        pad = gap_px
        padded = cv2.morphologyEx(np.pad(mask, pad), cv2.MORPH_CLOSE, np.ones((gap_px + 2, gap_px + 2), np.uint8))
        joined = padded[pad:-pad, pad:-pad] > 0
        colour = tuple(float(np.mean([m.colour[c] for m in members])) for c in range(3))
        out.append((Region((x0, y0, x1, y1), joined, colour, int(joined.sum()), members[0].dashed_pass), members))
    return out


def _best_fit(silhouette: np.ndarray, offset_xy: tuple[int, int]) -> ShapeFit | None:
    """Fit the silhouette, and again without thin protrusions (line ends touching
    the outline); a primitive beats a polygon, then the closer fit wins."""
    fits = [fit_shape(silhouette, offset_xy)]
    opened = cv2.morphologyEx(silhouette.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)) > 0
    if opened.sum() >= 0.97 * silhouette.sum():
        fits.append(fit_shape(opened, offset_xy))
    fits = [f for f in fits if f is not None]
    if not fits:
        return None
    return max(fits, key=lambda f: (f.kind != "polygon", f.iou))


def _merge_cylinders(shapes: list[GroundedShape]) -> list[GroundedShape]:
    """A flat ellipse sitting on a body of its width and fill is a cylinder's top."""
    out = list(shapes)
    for top in shapes:
        flat = top.fit.box.height < 0.5 * top.fit.box.width
        if top.fit.kind not in ("ellipse", "circle", "polygon", "unfit") or not flat or top not in out:
            continue
        tb = top.fit.box
        for body in shapes:
            if body is top or body not in out:
                continue
            bb = body.fit.box
            if body.fit.kind in ("ellipse", "circle") and bb.height <= tb.height:
                continue
            same_fill = np.abs(np.subtract(top.interior_rgb, body.interior_rgb)).max() <= 12
            aligned = abs(tb.x0 - bb.x0) <= 4 and abs(tb.x1 - bb.x1) <= 4
            stacked = bb.y0 - 3 <= tb.center[1] <= bb.y0 + tb.height and bb.height > tb.height
            if same_fill and aligned and stacked:
                box = Box(min(tb.x0, bb.x0), tb.y0, max(tb.x1, bb.x1), bb.y1)
                x0, y0 = min(top.xyxy[0], body.xyxy[0]), min(top.xyxy[1], body.xyxy[1])
                x1, y1 = max(top.xyxy[2], body.xyxy[2]), max(top.xyxy[3], body.xyxy[3])
                sil = np.zeros((y1 - y0, x1 - x0), dtype=bool)
                for part in (top, body):
                    px0, py0, px1, py1 = part.xyxy
                    sil[py0 - y0:py1 - y0, px0 - x0:px1 - x0] |= part.silhouette
                fit = ShapeFit("cylinder", box, min(top.fit.iou, body.fit.iou), radius_px=tb.height / 2)
                merged = GroundedShape(fit, body.paint, (x0, y0, x1, y1), sil, body.interior_rgb, False)
                out.remove(top)
                out[out.index(body)] = merged
                break
    return out
