"""Small generated raster pictures for synthetic figures (seeded, PNG bytes).

Four families: smooth two-colour gradients with grain, blurred colour noise,
photo-like scenes of soft blobs over a sky gradient, and flat glyph icons
(document, database, gear, chart, person) drawn with PIL.
"""

from __future__ import annotations

import io
import math
import random

import cv2
import numpy as np
from PIL import Image, ImageDraw

KINDS = ("gradient", "noise", "photo", "glyph")


def make_icon(rng: random.Random, size_px: int, kind: str | None = None) -> tuple[str, bytes]:
    """A ``size_px`` square picture as ``(kind, png_bytes)``."""
    kind = kind or rng.choice(KINDS)
    np_rng = np.random.default_rng(rng.randrange(2**32))
    maker = {"gradient": _gradient, "noise": _noise, "photo": _photo, "glyph": _glyph}[kind]
    rgb = maker(np_rng, rng, size_px)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", optimize=True)
    return kind, buf.getvalue()


def _colour(rng: random.Random, lo: int = 30, hi: int = 230) -> np.ndarray:
    return np.array([rng.randint(lo, hi) for _ in range(3)], dtype=np.float32)


def _gradient(np_rng: np.random.Generator, rng: random.Random, n: int) -> np.ndarray:
    a, b = _colour(rng), _colour(rng)
    angle = rng.uniform(0, math.pi)
    yy, xx = np.mgrid[0:n, 0:n] / max(n - 1, 1)
    t = (xx * math.cos(angle) + yy * math.sin(angle)) / (abs(math.cos(angle)) + abs(math.sin(angle)))
    img = a + (b - a) * t[..., None]
    img += np_rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _noise(np_rng: np.random.Generator, rng: random.Random, n: int) -> np.ndarray:
    small = np_rng.uniform(0, 255, (max(n // 8, 2), max(n // 8, 2), 3)).astype(np.float32)
    img = cv2.resize(small, (n, n), interpolation=cv2.INTER_CUBIC)
    img = cv2.GaussianBlur(img, (0, 0), 1.5) + np_rng.normal(0, 10, (n, n, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _photo(np_rng: np.random.Generator, rng: random.Random, n: int) -> np.ndarray:
    sky_top, sky_bottom = _colour(rng, 120, 250), _colour(rng, 60, 200)
    t = np.linspace(0, 1, n, dtype=np.float32)[:, None, None]
    img = np.broadcast_to(sky_top + (sky_bottom - sky_top) * t, (n, n, 3)).copy()
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    for _ in range(rng.randint(3, 7)):
        cx, cy = rng.uniform(0, n), rng.uniform(0.3 * n, n)
        r = rng.uniform(0.12, 0.4) * n
        w = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)))[..., None]
        img = img * (1 - w) + _colour(rng, 10, 220) * w
    img += np_rng.normal(0, 8, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _glyph(np_rng: np.random.Generator, rng: random.Random, n: int) -> np.ndarray:
    scale = 4  # draw large, downsample for anti-aliasing
    m = n * scale
    bg = tuple(int(v) for v in _colour(rng, 225, 255))
    fg = tuple(int(v) for v in _colour(rng, 20, 140))
    img = Image.new("RGB", (m, m), bg)
    draw = ImageDraw.Draw(img)
    lw = max(m // 24, 2)
    p = m * 0.15
    shape = rng.choice(("document", "database", "gear", "chart", "person"))
    if shape == "document":
        draw.rectangle([p * 1.3, p, m - p * 1.3, m - p], outline=fg, width=lw)
        for i in range(4):
            y = p * 2 + i * (m - 4 * p) / 4
            draw.line([p * 2, y, m - p * 2, y], fill=fg, width=lw)
    elif shape == "database":
        for i in range(3):
            y = p + i * (m - 2 * p) / 3
            draw.ellipse([p, y, m - p, y + (m - 2 * p) / 3], outline=fg, fill=bg, width=lw)
    elif shape == "gear":
        c, r = m / 2, m * 0.3
        for k in range(8):
            a = k * math.pi / 4
            draw.line([c, c, c + math.cos(a) * r * 1.3, c + math.sin(a) * r * 1.3], fill=fg, width=lw * 3)
        draw.ellipse([c - r, c - r, c + r, c + r], fill=fg)
        draw.ellipse([c - r / 2.5, c - r / 2.5, c + r / 2.5, c + r / 2.5], fill=bg)
    elif shape == "chart":
        bars = [rng.uniform(0.2, 1.0) for _ in range(4)]
        bw = (m - 2 * p) / 5
        for i, h in enumerate(bars):
            x = p + i * bw * 1.25
            draw.rectangle([x, m - p - h * (m - 2 * p), x + bw, m - p], fill=fg)
    else:
        c = m / 2
        draw.ellipse([c - m * 0.15, p, c + m * 0.15, p + m * 0.3], fill=fg)
        draw.pieslice([p, m * 0.5, m - p, m * 1.3], 180, 360, fill=fg)
    return np.asarray(img.resize((n, n), Image.LANCZOS), dtype=np.uint8)
