"""Tracing the cleaned canvas into vector paths with vtracer.

Text must be lifted first: the tracer's speckle filter erases thin glyph
parts, so text goes through OCR, never through here.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
from lxml import etree
from PIL import Image

from crafteditor.errors import EngineUnavailable
from crafteditor.scene import Box, Element, Kind, PathContent, Provenance, Style, from_hex, new_id

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
        hierarchical="stacked",
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

    vtracer writes only absolute M, L, C and Z commands, whose numbers are
    x, y pairs; any other command is refused rather than mistranslated.
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
    root = etree.fromstring(svg_text.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True))
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


def trace_elements(rgb: np.ndarray, background: str, settings: TraceSettings = TraceSettings()) -> list[Element]:
    h, w = rgb.shape[:2]
    return paths_from_trace(trace_svg(rgb, settings), (w, h), background)
