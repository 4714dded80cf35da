"""Tracing the cleaned canvas into vector paths with vtracer.

Text must be lifted first: the tracer's speckle filter erases thin glyph
parts, so text goes through OCR, never through here.
"""

from __future__ import annotations

import dataclasses
import io
import re
from dataclasses import dataclass

import numpy as np
from lxml import etree
from PIL import Image

from crafteditor.model.errors import EngineUnavailable
from crafteditor.model.xml import hardened_parser
from crafteditor.model.scene import Box, Element, Kind, PathContent, Provenance, Style, from_hex, new_id, to_hex

_TOKEN = re.compile(r"[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_TRANSLATE = re.compile(r"translate\(\s*(-?[\d.]+)[ ,]+(-?[\d.]+)\s*\)")


@dataclass(frozen=True, slots=True)
class TraceSettings:
    """vtracer's knobs, named as vtracer names them."""

    mode: str = "spline"
    filter_speckle: int = 4
    color_precision: int = 8
    layer_difference: int = 12
    corner_threshold: int = 60
    length_threshold: float = 4.0
    splice_threshold: int = 45
    path_precision: int = 2
    hierarchical: str = "stacked"  # "cutout": disjoint regions, holes cut out


def trace_svg(rgb: np.ndarray, settings: TraceSettings = TraceSettings()) -> str:
    """Run vtracer on an HWC uint8 RGB image and return its SVG text."""
    try:
        import vtracer
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise EngineUnavailable("vtracer is not installed: pip install vtracer") from exc
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", compress_level=1)
    return vtracer.convert_raw_image_to_svg(
        buf.getvalue(),
        img_format="png",
        colormode="color",
        hierarchical=settings.hierarchical,
        mode=settings.mode,
        filter_speckle=settings.filter_speckle,
        color_precision=settings.color_precision,
        layer_difference=settings.layer_difference,
        corner_threshold=settings.corner_threshold,
        length_threshold=settings.length_threshold,
        splice_threshold=settings.splice_threshold,
        path_precision=settings.path_precision,
    )


def _shift(d: str, dx: float, dy: float) -> tuple[str, Box | None]:
    """Bake a translation into absolute path data; also return the points' box.

    vtracer (and ``missing_parts``) write only absolute M, L, C and Z commands,
    whose numbers are x, y pairs; any other command is refused rather than
    mistranslated.
    """
    xs: list[float] = []
    ys: list[float] = []
    out: list[str] = []
    for token in _TOKEN.findall(d):
        if token.isalpha():
            if token not in "MLCZ":
                raise ValueError(f"unexpected path command {token!r} in traced path")
            out.append(token)
            continue
        if len(xs) == len(ys):
            xs.append(float(token) + dx)
            out.append(f"{xs[-1]:g}")
        else:
            ys.append(float(token) + dy)
            out.append(f"{ys[-1]:g}")
    if not ys:
        return "", None
    return " ".join(out), Box(min(xs), min(ys), max(xs), max(ys))


def paths_from_trace(svg_text: str, image_wh: tuple[int, int], background: str) -> list[Element]:
    """vtracer's SVG to TRACE elements in source pixels, minus the page-filling
    background path (the writer draws the background itself)."""
    root = etree.fromstring(svg_text.encode(), parser=hardened_parser(huge_tree=True))
    width, height = image_wh
    elements: list[Element] = []
    for node in root.iter("{http://www.w3.org/2000/svg}path"):
        dx = dy = 0.0
        m = _TRANSLATE.search(node.get("transform", ""))
        if m:
            dx, dy = float(m.group(1)), float(m.group(2))
        d, box = _shift(node.get("d", ""), dx, dy)
        if box is None:
            continue
        fill = node.get("fill", "#000000").lower()
        covers_page = box.width >= width - 1 and box.height >= height - 1
        if covers_page and not elements and _close(fill, background):
            continue
        index = len(elements) + 1
        elements.append(
            Element(
                id=new_id(Kind.TRACE, index),
                kind=Kind.TRACE,
                box=box,
                style=Style(fill=fill),
                provenance=Provenance("vtracer"),
                label=f"traced {fill}",
                path=PathContent(d=d.strip()),
            )
        )
    return elements


def _close(a: str, b: str, tolerance: int = 10) -> bool:
    return max(abs(x - y) for x, y in zip(from_hex(a), from_hex(b))) <= tolerance


def _render(elements: list[Element], image_wh: tuple[int, int], background: str) -> np.ndarray:
    """The elements as drawn by the one renderer (HWC uint8) on a transparent page: the
    colours its PNG would hold."""
    from checkers.render import render_rgb
    from composition.writer import write_svg
    from crafteditor.model.scene import Scene

    return render_rgb(write_svg(Scene(image_wh, background, tuple(elements))).encode(), background=None)


def _drawn(rgb: np.ndarray, background: str, threshold: int | None = None) -> np.ndarray:
    """HxW bool: pixels more than ``threshold`` from the page colour; by default those that
    stand out (``INK_DIFF``), so antialiased fringes a trace draws a little differently are
    not missing parts."""
    from extraction.pixels import INK_DIFF, far_from_colour

    return far_from_colour(rgb, from_hex(background), INK_DIFF if threshold is None else threshold, np.int16)


def missing_parts(
    rgb: np.ndarray, traced: list[Element], background: str, *, min_area_px: int = 6
) -> list[Element]:
    """Polygons for drawn pieces the tracer dropped.

    vtracer's clustering loses small repeated marks (the dashes of a dashed
    line, dotted leaders); rendering the trace and comparing it with the
    canvas finds them, and each becomes a small filled polygon.
    """
    import cv2

    h, w = rgb.shape[:2]
    rendered = _render(traced, (w, h), background)
    covered = cv2.dilate(_drawn(rendered, background).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    lost = (_drawn(rgb, background) & ~covered).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lost, connectivity=8)
    out: list[Element] = []
    for i in range(1, n):
        x, y, cw, ch, area = stats[i]
        if area < min_area_px:
            continue
        part = (labels[y:y + ch, x:x + cw] == i).astype(np.uint8)
        # Outer outlines and their holes, drawn even-odd: an outlined box the
        # tracer dropped must come back as a ring, not a filled rectangle.
        contours, _ = cv2.findContours(part, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        colour = np.median(rgb[y:y + ch, x:x + cw][part > 0], axis=0)
        d = " ".join(
            "M " + " L ".join(f"{px + x:g} {py + y:g}" for px, py in c.reshape(-1, 2)) + " Z"
            for c in contours if len(c) >= 2
        )
        if not d:
            continue
        fill = to_hex(colour)
        index = len(traced) + len(out) + 1
        out.append(
            Element(
                id=new_id(Kind.TRACE, index),
                kind=Kind.TRACE,
                box=Box(float(x), float(y), float(x + cw), float(y + ch)),
                style=Style(fill=fill, stroke=fill, stroke_width_px=1.0, fill_rule="evenodd"),
                provenance=Provenance("contour", note="dropped by the tracer"),
                label=f"mark {fill}",
                path=PathContent(d=d),
            )
        )
    return out


def trace_elements(rgb: np.ndarray, background: str, settings: TraceSettings = TraceSettings()) -> list[Element]:
    """The cleaned canvas as TRACE elements: vtracer's paths plus what it dropped."""
    h, w = rgb.shape[:2]
    traced = paths_from_trace(trace_svg(rgb, settings), (w, h), background)
    return traced + missing_parts(rgb, traced, background)


def trace_leftovers(rgb: np.ndarray, background: str, pad_px: int = 4,
                    settings: TraceSettings = TraceSettings(hierarchical="cutout")) -> list[Element]:
    """Trace only the part of ``rgb`` (HWC uint8, page colour elsewhere) that holds
    anything, and place the paths back in page pixels.  Regions are cut out of
    each other, so the page-coloured ones are nothing and are left out: they
    must not paint over the shapes below."""
    drawn = _drawn(rgb, background, threshold=8)
    if not drawn.any():
        return []
    ys, xs = np.nonzero(drawn)
    h, w = rgb.shape[:2]
    x0, y0 = max(int(xs.min()) - pad_px, 0), max(int(ys.min()) - pad_px, 0)
    x1, y1 = min(int(xs.max()) + 1 + pad_px, w), min(int(ys.max()) + 1 + pad_px, h)
    out = []
    for el in trace_elements(np.ascontiguousarray(rgb[y0:y1, x0:x1]), background, settings):
        if el.style.fill and _close(el.style.fill, background):
            continue
        d, box = _shift(el.path.d, x0, y0) if el.path else ("", None)
        if box is None:
            continue
        # Cut-out regions never overlap, so even-odd keeps their holes open
        # whichever way the tracer wound them.
        style = dataclasses.replace(el.style, fill_rule="evenodd")
        out.append(el.replace(box=box, path=PathContent(d=d), style=style))
    return out
