"""A benchmark case: a truth SVG, the image the converter gets, and its ground truth."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from checkers.drawn import Truth, render_truth


@dataclass(frozen=True, slots=True)
class Degradation:
    """How the converter's input differs from the clean rendering.

    ``render_scale`` renders the truth SVG at another scale (truth follows);
    ``resample`` shrinks the rendering by that factor and enlarges it back
    (blur, truth unchanged); ``jpeg_quality`` round-trips through JPEG.
    """

    jpeg_quality: int | None = None
    resample: float | None = None
    render_scale: float = 1.0

    @classmethod
    def random(cls, rng: random.Random) -> Degradation:
        quality = rng.randint(60, 85)
        if rng.random() < 0.5:
            return cls(jpeg_quality=quality, resample=round(rng.uniform(0.6, 0.8), 2))
        return cls(jpeg_quality=quality, render_scale=rng.choice((0.8, 0.9, 1.15, 1.25)))

    @property
    def label(self) -> str:
        parts = []
        if self.render_scale != 1.0:
            parts.append(f"scale{self.render_scale:g}")
        if self.resample:
            parts.append(f"resample{self.resample:g}")
        if self.jpeg_quality:
            parts.append(f"jpeg{self.jpeg_quality}")
        return "+".join(parts) or "clean"


@dataclass(frozen=True, slots=True)
class Case:
    """One figure.  Images are HWC uint8 RGB; ``truth`` is in ``image_rgb`` pixels."""

    case_id: str
    set_name: str
    svg: bytes  # the truth document
    render_scale: float
    image_rgb: np.ndarray  # what the converter gets (degraded if any)
    clean_rgb: np.ndarray  # the clean rendering at the same size
    notext_rgb: np.ndarray  # the clean rendering without any <text>
    truth: Truth
    degradation: Degradation | None = None
    source: str = ""
    planned_lines: tuple[str, ...] = field(default=())  # synthetic: the lines the generator wrote

    @property
    def image_wh(self) -> tuple[int, int]:
        return (self.image_rgb.shape[1], self.image_rgb.shape[0])

    def png_bytes(self) -> bytes:
        return encode_png(self.image_rgb)


def encode_png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def build_case(
    case_id: str,
    set_name: str,
    svg: bytes,
    *,
    render_scale: float = 1.0,
    degradation: Degradation | None = None,
    source: str = "",
    planned_lines: tuple[str, ...] = (),
) -> Case:
    scale = render_scale * (degradation.render_scale if degradation else 1.0)
    rendered = render_truth(svg, scale)
    image = degrade(rendered.rgb, degradation) if degradation else rendered.rgb
    return Case(
        case_id=case_id,
        set_name=set_name,
        svg=svg,
        render_scale=scale,
        image_rgb=image,
        clean_rgb=rendered.rgb,
        notext_rgb=rendered.notext_rgb,
        truth=rendered.truth,
        degradation=degradation,
        source=source,
        planned_lines=planned_lines,
    )


def degrade(rgb: np.ndarray, degradation: Degradation) -> np.ndarray:
    """Apply resampling then JPEG (deterministic for given inputs)."""
    out = rgb
    if degradation.resample:
        h, w = rgb.shape[:2]
        f = degradation.resample
        small = cv2.resize(out, (max(int(w * f), 1), max(int(h * f), 1)), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if degradation.jpeg_quality:
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, format="JPEG", quality=int(degradation.jpeg_quality))
        out = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(out)
