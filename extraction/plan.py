"""Grounding the cleaned canvas, and the cleaning plan that records it.

    regions -> shapes -> residual ink -> connectors, icons -> leftovers

Shapes come from the flat regions (``ground``).  What their fills and
outlines do not explain is residual ink: thin pieces become connectors
(``connectors``, ``links``), compact pieces and picture tiles become icons
(``assets``), and whatever is left is handed to the tracer on an otherwise
empty page, so nothing is drawn twice.  Every grounded region gets a
``RegionDecision`` (lift and redraw as vector, or keep as a raster asset)
with its reason; the ``CleaningPlan`` is the record a VLM designer may later
replace.  The offline planner here is the default.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from crafteditor.model.scene import Box, Element
from extraction.assets import RASTER_COLOURS, colour_count, icon_elements
from extraction.chains import chain_dashes
from extraction.connectors import Piece, pieces_from_component
from extraction.ground import GroundedShape, ground_shapes, outline_band
from extraction.shape_elements import shape_elements
from extraction.links import connector_elements
from extraction.marks import dot_at
from extraction.pixels import blend_position, differ, far_from_colour
from extraction.regions import Flatness, fill_holes, find_regions
from extraction.segment import Segmenter

RESIDUAL_DIFF = 28  # a pixel this far (any channel) from the ground under it is ink
MIN_INK_PX = 5
THICK_PX = 13  # solid ink this wide is a picture or an arrowhead, never a line
SMALL_BLOB_PX = 900  # a flat solid blob smaller than this may be an arrowhead


@dataclass(frozen=True, slots=True)
class RegionDecision:
    """What the planner decided for one region: ``lift`` it off the canvas and
    redraw it as vector, or ``keep`` it as a raster asset; and why."""

    element_id: str
    kind: str
    action: str  # "lift" | "keep"
    box: Box
    reason: str


@dataclass(frozen=True, slots=True)
class CleaningPlan:
    planner: str
    decisions: tuple[RegionDecision, ...]


@dataclass(frozen=True, slots=True, eq=False)  # holds arrays: compared by identity
class Grounding:
    """Grounded elements, the plan, and the leftover canvas (page colour where
    everything grounded was, HWC uint8) for the tracer."""

    shapes: tuple[Element, ...]
    connectors: tuple[Element, ...]
    icons: tuple[Element, ...]
    plan: CleaningPlan
    leftover_rgb: np.ndarray
    leftover_px: int


def _ground_image(shape_hw: tuple[int, int], background_rgb: tuple[int, int, int],
                  shapes: list[GroundedShape], canvas: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The colour each pixel would have with only the shapes' insides painted, the
    mask of their outlines (explained ink), and, on dashed outlines, the ink that
    is none of theirs (``_foreign``; none without ``canvas``): a dashed frame is
    drawn round a group, and lines cross it or end on it with their heads."""
    h, w = shape_hw
    ground = np.empty((h, w, 3), np.uint8)
    ground[:] = background_rgb
    explained = np.zeros((h, w), dtype=bool)
    foreign = np.zeros((h, w), dtype=bool)
    for s in sorted(shapes, key=lambda s: -s.area_px):
        x0, y0, x1, y1 = s.xyxy
        sil = s.silhouette
        ground[y0:y1, x0:x1][sil] = np.round(s.interior_rgb).astype(np.uint8)
        ring = cv2.dilate(outline_band(s).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        explained[y0:y1, x0:x1] |= ring
        if canvas is not None and s.paint.stroke_rgb is not None and s.paint.dash_px:
            crop = canvas[y0:y1, x0:x1]
            foreign[y0:y1, x0:x1][ring] |= _foreign(crop[ring], s.paint.stroke_rgb, s.interior_rgb, background_rgb)
    return ground, explained, foreign


def _foreign(pixels: np.ndarray, stroke_rgb, inside_rgb, outside_rgb, off_px: float = 40.0) -> np.ndarray:
    """Which ``pixels`` (N x 3) on an outline its stroke did not paint: far from the
    stroke's colour and from every blend of it with the colour inside or outside
    (anti-aliasing, dash gaps).  An arrowhead or a line of another colour crossing
    the outline is such ink."""
    out = far_from_colour(pixels, stroke_rgb, 60)
    for ground in (inside_rgb, outside_rgb):
        out &= blend_position(pixels, stroke_rgb, ground)[1] > off_px
    return out


def ground_canvas(canvas: np.ndarray, background_rgb: tuple[int, int, int],
                  text_boxes: tuple[Box, ...] = (), segmenter: Segmenter | None = None) -> Grounding:
    """Ground ``canvas`` (HWC uint8, text already lifted) into shapes, connectors and
    icons; ``text_boxes`` are the labels' boxes (a tile holding text is no picture);
    ``segmenter`` may propose the shape regions instead of the flat regions."""
    h, w = canvas.shape[:2]
    flatness = find_regions(canvas, background_rgb)
    proposed = segmenter.interiors(canvas) if segmenter is not None else None
    grounded = ground_shapes(canvas, flatness, proposed)
    ground, explained, foreign = _ground_image((h, w), background_rgb, grounded, canvas)
    residual = differ(canvas, ground, RESIDUAL_DIFF) & ~explained
    residual |= _joined(foreign & differ(canvas, ground, RESIDUAL_DIFF), residual)
    # Solid ink wider than any line or arrowhead (pictures) is split off first, so a
    # line touching a picture stays a line.
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (THICK_PX, THICK_PX))
    thick = cv2.morphologyEx(residual.astype(np.uint8), cv2.MORPH_OPEN, kernel)
    thick = _pictures(cv2.dilate(thick, np.ones((5, 5), np.uint8)) > 0, canvas) & residual
    thin = residual & ~thick
    n, labels, stats, _ = cv2.connectedComponentsWithStats(thin.astype(np.uint8), connectivity=8)
    pieces: list[Piece] = []
    line_labels: list[int] = []
    near_outline = cv2.dilate(explained.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0

    def end_mark(end: tuple[float, float], out: tuple[float, float], colour: tuple[int, int, int],
                 width: float) -> object:
        return dot_at(canvas, ground, end, out, colour, width)

    for i in np.nonzero(stats[:, cv2.CC_STAT_AREA] >= MIN_INK_PX)[0]:
        if i == 0:
            continue
        x, y, bw, bh, area = (int(v) for v in stats[i])
        mask = labels[y:y + bh, x:x + bw] == i
        sliver = area <= 2.5 * max(bw, bh)  # at most a couple of pixels thick
        if sliver and near_outline[y:y + bh, x:x + bw][mask].mean() >= 0.8:
            line_labels.append(i)  # the soft edge of an outline already drawn
            continue
        found = pieces_from_component(mask, canvas[y:y + bh, x:x + bw], (x, y),
                                      ground[y:y + bh, x:x + bw].reshape(-1, 3).mean(axis=0), end_mark)
        if found is not None:
            pieces.extend(found)
            line_labels.append(i)
    is_line = np.zeros(n, dtype=bool)
    is_line[line_labels] = True
    line_mask = is_line[labels]
    blob_mask = residual & ~line_mask
    nb, blob_labels, blob_stats, _ = cv2.connectedComponentsWithStats(blob_mask.astype(np.uint8), connectivity=8)
    compact = blob_mask & (blob_stats[blob_labels, cv2.CC_STAT_AREA] >= MIN_INK_PX)
    shape_els = shape_elements(grounded)
    fills, fill_rgb = _unexplained_fills(flatness, ground)
    # An unfitted panel's flat fill is ground for what lies on it, not part of a picture.
    icons, shape_els, icon_mask = icon_elements(canvas, compact & ~_ground_fills(fills), shape_els,
                                                background_rgb, text_boxes)
    pieces = [p for p in pieces if not _inside_any(p, icons)]
    connectors = connector_elements(chain_dashes(pieces, outlines=explained), shape_els, canvas=canvas, ground=ground)
    fills &= ~icon_mask
    leftover_mask = blob_mask & ~icon_mask
    for piece in pieces:
        if piece.extra_px is not None:
            leftover_mask[piece.extra_px[:, 1], piece.extra_px[:, 0]] = True
    leftover = np.empty_like(canvas)
    leftover[:] = background_rgb
    leftover[fills] = fill_rgb[fills]
    grown = cv2.dilate(leftover_mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    leftover[grown] = canvas[grown]
    leftover_mask |= fills
    decisions = [RegionDecision(e.id, e.shape.kind if e.shape else "shape", "lift", e.box, e.reason) for e in shape_els]
    decisions += [RegionDecision(e.id, "connector", "lift", e.box, e.reason) for e in connectors]
    decisions += [RegionDecision(e.id, "icon", "keep" if e.image is not None else "lift", e.box, e.reason)
                  for e in icons]
    return Grounding(tuple(shape_els), tuple(connectors), tuple(icons), CleaningPlan("offline", tuple(decisions)),
                     leftover, int(leftover_mask.sum()))


def _joined(extra: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """The pixels of ``extra`` (HW bool) in pieces that touch ``ink`` (HW bool): ink
    crossing an outline, or a head on it, continues the ink beyond the outline."""
    if not extra.any():
        return extra
    n, labels = cv2.connectedComponents((extra | ink).astype(np.uint8), connectivity=8)
    touching = np.zeros(n, dtype=bool)
    touching[labels[ink]] = True
    touching[0] = False
    return extra & touching[labels]


def _ground_fills(fills: np.ndarray) -> np.ndarray:
    """The flat fills of ``fills`` (HW bool) that are ground for what lies on them:
    all but those lying inside another fill's outline (a flat glyph on a tile,
    which is the tile's picture, not its ground)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fills.astype(np.uint8), connectivity=8)
    h, w = fills.shape
    lies_on = np.zeros(n, dtype=bool)
    for k in range(1, n):
        x, y, bw, bh, _area = (int(v) for v in stats[k])
        x1, y1 = min(x + bw, w), min(y + bh, h)
        crop = labels[y:y1, x:x1]
        own = crop == k
        inside = np.bincount(crop[fill_holes(own) & ~own])  # labels up to the largest held
        lies_on[:len(inside)] |= inside >= 0.9 * stats[:len(inside), cv2.CC_STAT_AREA]
    lies_on[0] = False
    return fills & ~lies_on[labels]


def _unexplained_fills(flatness: Flatness, ground: np.ndarray,
                       min_area_px: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Flat fills no shape accounts for (a panel whose outline could not be fitted),
    as a mask and an image holding each fill in its one colour.  Too faint to count
    as ink, yet part of the figure, so the tracer draws them; one flat colour leaves
    it no specks to trace."""
    h, w = ground.shape[:2]
    out = np.zeros((h, w), dtype=bool)
    colours = np.zeros((h, w, 3), np.uint8)
    for region in flatness.interiors:
        if region.area_px < min_area_px or region.dashed_pass:
            continue
        x0, y0, x1, y1 = region.xyxy
        off = far_from_colour(ground[y0:y1, x0:x1][region.mask], region.colour, 6, np.int16)
        if off.mean() >= 0.5:
            window = out[y0:y1, x0:x1]
            window[region.mask] |= off
            colours[y0:y1, x0:x1][region.mask] = np.round(region.colour).astype(np.uint8)
    return out, colours


def _pictures(thick: np.ndarray, canvas: np.ndarray) -> np.ndarray:
    """The solid blobs that may be pictures: big ones, or small ones of many colours
    (a small flat blob is an arrowhead or part of a glyph)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(thick.astype(np.uint8), connectivity=8)
    side = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    keep = (stats[:, cv2.CC_STAT_AREA] >= SMALL_BLOB_PX) | (side > 48)
    keep[0] = False
    for i in np.nonzero(~keep & (side >= 24))[0]:  # smaller still: an arrowhead, however noisy its colours
        if i == 0:
            continue
        x, y, bw, bh, area = (int(v) for v in stats[i])
        mask = labels[y:y + bh, x:x + bw] == i
        keep[i] = colour_count(canvas[y:y + bh, x:x + bw][mask]) >= RASTER_COLOURS
    return keep[labels]


def _inside_any(piece: Piece, icons: list[Element]) -> bool:
    return any(all(icon.box.expand(2).contains_point(x, y) for x, y in piece.points) for icon in icons)
