"""Small helpers for tests: render an SVG snippet to an RGB array with cairosvg."""

from __future__ import annotations

import io

import cairosvg
import numpy as np
from PIL import Image

from extraction.fonts import candidates
from extraction.ocr import OcrWord


def render(body: str, width: int = 400, height: int = 200, background: str = "#ffffff") -> np.ndarray:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="{width}" height="{height}" fill="{background}"/>'
        f"{body}</svg>"
    )
    png = cairosvg.svg2png(bytestring=svg.encode())
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).copy()


def word_at(text: str, x: float, baseline: float, size: float, family: str, weight: str = "normal",
            anchor: str = "start", pad: float = 0.25) -> OcrWord:
    """An OCR reading as an engine would give it: a loose box around the text's em box."""
    from PIL import ImageFont

    cand = next(c for c in candidates() if c.family == family and c.weight == weight)
    width = ImageFont.truetype(str(cand.path), 100).getlength(text) * size / 100
    x0 = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    top, bottom = baseline - 0.95 * size, baseline + 0.3 * size
    x0, x1 = x0 - pad * size, x0 + width + pad * size
    return OcrWord(text, ((x0, top), (x1, top), (x1, bottom), (x0, bottom)), 0.99)
