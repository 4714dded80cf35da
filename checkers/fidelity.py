"""Pixel fidelity: does the rendering of an SVG draw where its source draws?

A pixel is *drawn* when any RGB channel differs from the background colour by
more than ``threshold`` (0..255, default 24: light pastel fills count, JPEG
noise on flat paper does not).  Precision is the share of the rendering's
drawn pixels that lie within ``slack_px`` (a disc) of a drawn source pixel;
recall is the converse; F1 their harmonic mean.  A rendering that fails is an
``SvgRenderError``, never a blank image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from extraction.pixels import DRAWN_DIFF, far_from_colour

DRAWN_THRESHOLD = DRAWN_DIFF


@dataclass(frozen=True, slots=True)
class FidelityScore:
    precision: float
    recall: float
    f1: float


def drawn_mask(
    rgb: np.ndarray, background_rgb: tuple[int, int, int], threshold: int = DRAWN_THRESHOLD
) -> np.ndarray:
    """Boolean HxW mask of pixels differing from the background by more than ``threshold``."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected HWC RGB, got shape {rgb.shape}")
    return far_from(rgb, background_rgb, threshold)


def far_from(rgb: np.ndarray, colour: Any, threshold: int) -> np.ndarray:
    """Boolean HxW mask of the pixels of ``rgb`` (HWC uint8) where some channel differs
    from ``colour`` by more than ``threshold`` (one uint8 pass: ``extraction.pixels``)."""
    return far_from_colour(rgb, colour, threshold, np.int16)


def dilate(mask: np.ndarray, slack_px: int) -> np.ndarray:
    """``mask`` grown by a disc of radius ``slack_px`` (the slack of ``mask_f1``)."""
    if slack_px <= 0:
        return mask
    size = 2 * slack_px + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def mask_f1(rendered: np.ndarray, source: np.ndarray, slack_px: int = 2,
            near_source: np.ndarray | None = None, near_rendered: np.ndarray | None = None) -> FidelityScore:
    """Slack-tolerant precision/recall/F1 of two boolean masks of the same shape;
    ``near_source`` and ``near_rendered`` are their ``dilate(mask, slack_px)`` when the
    caller has them."""
    if rendered.shape != source.shape:
        raise ValueError(f"mask shapes differ: {rendered.shape} vs {source.shape}")
    n_rendered, n_source = int(rendered.sum()), int(source.sum())
    if n_rendered == 0 and n_source == 0:
        return FidelityScore(1.0, 1.0, 1.0)
    if n_rendered and near_source is None:
        near_source = dilate(source, slack_px)
    precision = float((rendered & near_source).sum()) / n_rendered if n_rendered else 0.0
    if n_source and near_rendered is None:
        near_rendered = dilate(rendered, slack_px)
    recall = float((source & near_rendered).sum()) / n_source if n_source else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return FidelityScore(precision, recall, f1)


def drawn_pixel_f1(
    rendered_rgb: np.ndarray,
    source_rgb: np.ndarray,
    background_rgb: tuple[int, int, int],
    slack_px: int = 2,
    threshold: int = DRAWN_THRESHOLD,
) -> FidelityScore:
    """F1 of drawn pixels of a rendering against its source (both HWC uint8, same size)."""
    if rendered_rgb.shape != source_rgb.shape:
        raise ValueError(f"image shapes differ: {rendered_rgb.shape} vs {source_rgb.shape}")
    return mask_f1(
        drawn_mask(rendered_rgb, background_rgb, threshold),
        drawn_mask(source_rgb, background_rgb, threshold),
        slack_px,
    )


# -- checkers ------------------------------------------------------------------------
MISSING_MIN_PX = 40  # smaller differences are anti-aliasing and noise
FIDELITY_WARN_F1 = 0.95


def missing_components(figure, slack_px: int = 2) -> list:
    """Drawn regions of the source with nothing drawn near them in the SVG's rendering
    (connected pieces of the difference), largest first."""
    from crafteditor.model.findings import Finding
    from crafteditor.model.fixes import AddElement
    from crafteditor.model.scene import Box

    near_ours = figure.near_ours if slack_px == 2 else dilate(figure.drawn_ours, slack_px)
    missing = (figure.drawn_source & ~near_ours).astype(np.uint8)
    # pieces are found within the box that holds them all (its corner on even pixels,
    # so the scan meets them in the same order as over the whole page)
    bx, by, bw, bh = cv2.boundingRect(missing)
    if bw == 0 or bh == 0:
        return []
    ox, oy = bx - bx % 2, by - by % 2
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(missing[oy:by + bh, ox:bx + bw], connectivity=8)
    out = []
    for i in sorted(range(1, n), key=lambda i: -int(stats[i, cv2.CC_STAT_AREA])):
        x, y, w, h, area = (int(v) for v in stats[i])
        x, y = x + ox, y + oy
        if area < MISSING_MIN_PX:
            continue
        box = Box(x, y, x + w, y + h)
        out.append(Finding(
            "missing-component", "error" if area >= 4 * MISSING_MIN_PX else "warning",
            f"{area} source pixels at ({x}, {y}, {x + w}, {y + h}) have nothing drawn near them",
            box=box, fix=AddElement(box.xyxy),
        ))
    return out


def fidelity_finding(figure) -> list:
    """The overall drawn-pixel F1 of the rendering against the source, as one finding."""
    from crafteditor.model.findings import Finding

    score = figure.fidelity
    severity = "info" if score.f1 >= FIDELITY_WARN_F1 else "warning"
    return [Finding("fidelity", severity, f"drawn-pixel F1 {score.f1:.3f} (precision {score.precision:.3f}, "
                    f"recall {score.recall:.3f})")]


ELEMENT_MIN_F1 = 0.7
ELEMENT_MIN_AREA_PX = 400


def element_fidelity(figure, slack_px: int = 2) -> list:
    """Shapes and pictures (drawn elements with an id) whose own box draws unlike the
    source: drawn-pixel F1 within the box below ``ELEMENT_MIN_F1``."""
    from crafteditor.model.findings import Finding
    from crafteditor.model.fixes import RasterFallback
    from crafteditor.model.scene import Box

    w, h = figure.image_wh
    ours_all, theirs_all = figure.drawn_ours, figure.drawn_source
    out = []
    seen: set[str] = set()
    for path in figure.record.paths:
        box = Box(*path.xyxy)
        if not (path.element_id and path.closed and path.painted) or path.element_id in seen:
            continue
        seen.add(path.element_id)
        x0, y0, x1, y1 = box.expand(slack_px + 1).clip(w, h).to_int()
        if (x1 - x0) * (y1 - y0) < ELEMENT_MIN_AREA_PX:
            continue
        ours = ours_all[y0:y1, x0:x1]
        score = figure.source.measure_drawn(("element fidelity", (x0, y0, x1, y1), slack_px), ours,
                                            lambda: mask_f1(ours, theirs_all[y0:y1, x0:x1], slack_px))
        if score.f1 >= ELEMENT_MIN_F1:
            continue
        out.append(Finding(
            "element-fidelity", "warning",
            f"{path.tag} {path.element_id} draws unlike the source in its box (F1 {score.f1:.2f})",
            element_id=path.element_id, box=box, fix=RasterFallback(box.xyxy),
        ))
    return out
