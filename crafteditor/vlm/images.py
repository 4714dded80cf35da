"""Images as the VLM sees them: checked, cropped, downscaled, PNG data URLs.

Every image is HWC uint8 RGB; anything else is a bug in the caller and raises.
"""

from __future__ import annotations

import base64
import hashlib
import io

import numpy as np

from crafteditor.model.scene import Box

__all__ = ["check_rgb", "crop", "data_url", "digest", "fit_long_side"]


def check_rgb(image: np.ndarray) -> np.ndarray:
    """``image`` itself when it is HWC uint8 RGB with a pixel in it; else raise."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"an image must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"an image must be HWC uint8 RGB, got {image.dtype} {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"an image must not be empty, got {image.shape}")
    return image


def digest(image: np.ndarray) -> str:
    """sha256 of the pixels and their shape: equal images, equal digests."""
    check_rgb(image)
    h = hashlib.sha256(repr(image.shape).encode())
    h.update(np.ascontiguousarray(image).tobytes())
    return h.hexdigest()


def fit_long_side(image: np.ndarray, max_px: int) -> np.ndarray:
    """``image`` shrunk (area-averaged) so its long side is at most ``max_px``."""
    from PIL import Image

    h, w = check_rgb(image).shape[:2]
    scale = max_px / max(h, w)
    if scale >= 1.0:
        return image
    size_wh = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(image).resize(size_wh, Image.Resampling.BOX))


def data_url(image: np.ndarray, max_px: int) -> str:
    """A ``data:image/png;base64,`` URL of ``image`` with its long side at most ``max_px``."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(fit_long_side(image, max_px)).save(buf, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def crop(image: np.ndarray, box: Box, pad_px: int = 4, min_height_px: int = 0) -> np.ndarray:
    """The pixels under ``box`` (source px) grown by ``pad_px``, clipped to the image;
    enlarged (bicubic) to at least ``min_height_px`` tall so small text stays legible."""
    from PIL import Image

    h, w = check_rgb(image).shape[:2]
    x0, y0, x1, y1 = box.expand(pad_px).clip(w, h).to_int()
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    x0, y0 = min(x0, w - 1), min(y0, h - 1)
    piece = np.ascontiguousarray(image[y0:y1, x0:x1])
    ph, pw = piece.shape[:2]
    if ph >= min_height_px:
        return piece
    scale = min_height_px / ph
    size_wh = (max(1, round(pw * scale)), min_height_px)
    return np.asarray(Image.fromarray(piece).resize(size_wh, Image.Resampling.BICUBIC))
