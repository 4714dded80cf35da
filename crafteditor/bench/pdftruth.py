"""Ground truth of a PDF figure, in pixels of its rendering (the ``pdf`` set).

The PDF is the truth: pdfplumber gives every character with its font, size and
colour, every painted path and every image.  ``pdftext`` groups characters
into lines and words, ``pdfshapes`` classifies paths into shapes and arrows and
keeps visible images as pictures; ``pdfpage`` maps points to pixels.  What the
rendering does not show (text that left no ink, shapes whose outline does not
stand out, images that change no pixels) is left out, as the SVG sets leave out
what cairosvg did not draw.
"""

from __future__ import annotations

import numpy as np

from checkers.fidelity import DRAWN_THRESHOLD
from crafteditor.bench.pdffigs import PageRenders
from crafteditor.bench.pdfpage import TruthPage
from crafteditor.bench.pdfarrows import arrows_from_paths
from crafteditor.bench.pdfshapes import icons_from_images, pdf_path, shapes_from_paths
from crafteditor.bench.pdftext import pdf_chars, text_truth
from checkers.drawn import Truth, head_limit_px


def glyph_ink(rgb: np.ndarray, notext_rgb: np.ndarray) -> np.ndarray:
    """HxW mask of pixels the text changed (renderings with and without text, HWC uint8)."""
    return np.abs(rgb.astype(np.int16) - notext_rgb.astype(np.int16)).max(axis=2) > DRAWN_THRESHOLD


def truth_from_page(tpage: TruthPage, px_per_pt: float, renders: PageRenders) -> Truth:
    """The ``Truth`` of ``tpage`` rendered at ``px_per_pt`` as ``renders``."""
    rgb, notext_rgb = renders.rgb, renders.notext_rgb
    if not rgb.shape == notext_rgb.shape == renders.noimage_rgb.shape:
        raise ValueError(f"renderings differ in size: {rgb.shape}, {notext_rgb.shape}, {renders.noimage_rgb.shape}")
    h, w = rgb.shape[:2]
    frame = tpage.frame(px_per_pt)
    page = tpage.page.dedupe_chars(tolerance=1)
    chars = pdf_chars(page.chars, frame, glyph_ink(rgb, notext_rgb))
    lines, words, dropped = text_truth(chars)
    sizes = sorted(line.font_size_px for line in lines)
    limit = head_limit_px((w, h), sizes[len(sizes) // 2] if sizes else 0.0)
    objects = list(page.rects) + list(page.lines) + list(page.curves)
    paths = [p for p in (pdf_path(o, frame) for o in objects) if p is not None]
    return Truth(
        image_wh=(w, h),
        lines=tuple(lines),
        words=tuple(words),
        shapes=tuple(shapes_from_paths(paths, notext_rgb, limit)),
        arrows=tuple(arrows_from_paths(paths, limit)),
        icons=tuple(icons_from_images(list(page.images), frame, notext_rgb, renders.noimage_rgb)),
        dropped=tuple(dropped),
    )
