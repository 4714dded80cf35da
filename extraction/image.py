"""Loading and normalising raster figures: any supported file in, HWC uint8 RGB out.

Everything past this module sees one pixel format: a C-contiguous ``(H, W, 3)``
``uint8`` RGB array, transparency already flattened onto a background colour,
EXIF orientation already applied.  Problems with the input raise
:class:`crafteditor.model.errors.InputError` with a one-line message.
"""

from __future__ import annotations

import io
import logging
import os
import struct
import threading
import warnings
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from crafteditor.model.errors import InputError

log = logging.getLogger(__name__)

DEFAULT_MAX_PIXELS = 100_000_000
"""Largest image accepted by default (width x height), checked before decoding."""

FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "DIB", "TIFF", "GIF", "PPM")
"""Pillow decoders we allow; others (EPS through Ghostscript, say) are never tried."""

Source = Union[str, os.PathLike, bytes, bytearray, memoryview, np.ndarray]
RGB = tuple[int, int, int]

# Pillow's decompression-bomb limit is a module global; we set it to our own
# limit for the duration of one load, so loads are serialised on this lock.
_PILLOW_LIMIT_LOCK = threading.Lock()
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)


def load_image(
    source: Source, *, max_pixels: int = DEFAULT_MAX_PIXELS, background: RGB = (255, 255, 255)
) -> np.ndarray:
    """Load ``source`` (a path, the bytes of a file, or an image array) as HWC uint8 RGB.

    ``max_pixels`` bounds width x height; it is checked from the file header,
    before any pixel is decoded.  Transparent pixels are composited onto
    ``background`` (an ``(r, g, b)`` of 0..255 ints).
    """
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be positive, got {max_pixels}")
    bg = _check_background(background)
    if isinstance(source, np.ndarray):
        return _from_array(source, max_pixels=max_pixels, background=bg)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise InputError("input is empty (0 bytes)")
        return _decode(io.BytesIO(data), "input", max_pixels=max_pixels, background=bg)
    if isinstance(source, (str, os.PathLike)):
        return _load_path(Path(source), max_pixels=max_pixels, background=bg)
    raise TypeError(f"cannot load an image from {type(source).__name__}")


def estimate_background(rgb: np.ndarray, *, ring_px: int = 2) -> RGB:
    """Dominant colour of the outer ``ring_px`` pixels of an HWC uint8 RGB image.

    Drawn things touching the border are outvoted: colours are binned coarsely,
    the most common bin wins, and the answer is the median of the border
    pixels close to that bin (so JPEG noise does not shift it).
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ValueError(f"expected a non-empty HWC RGB image, got shape {rgb.shape}")
    h, w = rgb.shape[:2]
    r = max(1, min(ring_px, h // 2, w // 2))
    border = np.concatenate(
        [
            rgb[:r].reshape(-1, 3),
            rgb[h - r :].reshape(-1, 3),
            rgb[r : h - r, :r].reshape(-1, 3),
            rgb[r : h - r, w - r :].reshape(-1, 3),
        ]
    ).astype(np.int32)
    keys = (border[:, 0] >> 3) * 1024 + (border[:, 1] >> 3) * 32 + (border[:, 2] >> 3)
    top = np.bincount(keys).argmax()
    seed = np.median(border[keys == top], axis=0)
    near = border[np.abs(border - seed).max(axis=1) <= 12]
    return tuple(int(round(v)) for v in np.median(near, axis=0))  # type: ignore[return-value]


def _check_background(background: RGB) -> np.ndarray:
    bg = np.asarray(background)
    if bg.shape != (3,) or not np.issubdtype(bg.dtype, np.integer) or bg.min() < 0 or bg.max() > 255:
        raise ValueError(f"background must be three ints in 0..255, got {background!r}")
    return bg.astype(np.uint32)


def _load_path(path: Path, *, max_pixels: int, background: np.ndarray) -> np.ndarray:
    from crafteditor.model.io import open_input

    with open_input(path, "input file") as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(512)
            fh.seek(0)
        except OSError as exc:
            raise InputError(f"cannot read input file: {path} ({exc.strerror or exc})") from None
        if size == 0 and not head:
            raise InputError(f"input file is empty (0 bytes): {path}")
        if _looks_like_svg(head):
            raise InputError(f"input is already an SVG; crafteditor converts raster images: {path}")
        return _decode(fh, str(path), max_pixels=max_pixels, background=background)


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text)


def _decode(fp: io.IOBase, name: str, *, max_pixels: int, background: np.ndarray) -> np.ndarray:
    with _PILLOW_LIMIT_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        saved_limit = Image.MAX_IMAGE_PIXELS
        try:
            Image.MAX_IMAGE_PIXELS = None  # our own header check, just after open, governs
            im = _open_checked(fp, name, max_pixels)
            Image.MAX_IMAGE_PIXELS = max_pixels  # for decoders that check frames or tiles
            try:
                im.load()
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise InputError(f"image has too many pixels (limit {max_pixels:,}): {name}") from None
            except _DECODE_ERRORS as exc:
                raise InputError(f"image is truncated or corrupt: {name} ({exc})") from None
        finally:
            Image.MAX_IMAGE_PIXELS = saved_limit
    im = _apply_orientation(im, name)
    return _flatten(_to_rgba_array(im, name), background)


def _open_checked(fp: io.IOBase, name: str, max_pixels: int) -> Image.Image:
    """Parse the header only, and check the size before anything is decoded."""
    try:
        im = Image.open(fp, formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(f"image has too many pixels (limit {max_pixels:,}): {name}") from None
    except UnidentifiedImageError:
        fp.seek(0)
        dims = _header_dims(fp.read(32))
        if dims is not None and 0 in dims:
            raise InputError(f"image has zero size ({dims[0]}x{dims[1]}): {name}") from None
        kinds = "PNG, JPEG, WebP, BMP, TIFF, GIF"
        raise InputError(f"not a supported image ({kinds}): {name}") from None
    except _DECODE_ERRORS as exc:
        raise InputError(f"image is truncated or corrupt: {name} ({exc})") from None
    width, height = im.size
    if width <= 0 or height <= 0:
        raise InputError(f"image has zero size ({width}x{height}): {name}")
    if width * height > max_pixels:
        raise InputError(
            f"image has too many pixels ({width}x{height} = {width * height:,}; "
            f"limit {max_pixels:,}, see --max-pixels): {name}"
        )
    return im


def _header_dims(head: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG, GIF or BMP header, for images Pillow refuses."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24 and head[12:16] == b"IHDR":
        return struct.unpack(">II", head[16:24])
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        return struct.unpack("<HH", head[6:10])
    if head.startswith(b"BM") and len(head) >= 26:
        width, height = struct.unpack("<ii", head[18:26])
        return abs(width), abs(height)
    return None


def _apply_orientation(im: Image.Image, name: str) -> Image.Image:
    try:
        return ImageOps.exif_transpose(im)
    except _DECODE_ERRORS as exc:
        log.warning("ignoring unreadable EXIF orientation in %s: %s", name, exc)
        return im


def _to_rgba_array(im: Image.Image, name: str) -> np.ndarray:
    """Any Pillow mode as an HWC uint8 array with 3 (RGB) or 4 (RGBA) channels."""
    mode = im.mode
    if mode in ("I", "F") or mode.startswith("I;16"):
        grey = _scale_to_uint8(np.asarray(im), mode)
        return np.repeat(grey[:, :, None], 3, axis=2)
    has_alpha = "A" in mode or "a" in mode or "transparency" in im.info
    try:
        im = im.convert("RGBA" if has_alpha else "RGB")
    except ValueError as exc:
        raise InputError(f"unsupported pixel format {mode!r}: {name} ({exc})") from None
    return np.array(im, dtype=np.uint8)  # a writable copy, not a view of Pillow's bytes


def _scale_to_uint8(values: np.ndarray, mode: str) -> np.ndarray:
    """Map a high-bit-depth greyscale plane onto 0..255 by scaling, never by clipping.

    16-bit planes use their full 0..65535 range; 32-bit integer planes whose
    values fit 16 bits are treated the same way (older decoders widen 16-bit
    PNGs to ``I``); float planes in 0..1 are scaled by 255; any other range is
    stretched from its own minimum and maximum.
    """
    v = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
    if mode.startswith("I;16") or (mode == "I" and lo >= 0 and 255 < hi <= 65535):
        out = v / 257.0
    elif mode == "F" and lo >= 0 and hi <= 1.0:
        out = v * 255.0
    elif lo >= 0 and hi <= 255:
        out = v
    else:
        out = (v - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(v)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _flatten(arr: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Composite an HWC RGB/RGBA uint8 array onto ``background``; returns RGB."""
    if arr.shape[2] == 3:
        return np.ascontiguousarray(arr, dtype=np.uint8)
    rgb = arr[:, :, :3].astype(np.uint32)
    alpha = arr[:, :, 3:4].astype(np.uint32)
    out = (rgb * alpha + background * (255 - alpha) + 127) // 255
    return np.ascontiguousarray(out, dtype=np.uint8)


def _from_array(source: np.ndarray, *, max_pixels: int, background: np.ndarray) -> np.ndarray:
    """Normalise a caller's array (HW or HWC, 1-4 channels, uint8/uint16/bool/float) into a new one."""
    arr = source
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 2, 3, 4):
        raise InputError(f"expected an HW or HWC image array with 1-4 channels, got shape {arr.shape}")
    height, width = arr.shape[:2]
    if height == 0 or width == 0:
        raise InputError(f"image has zero size ({width}x{height})")
    if height * width > max_pixels:
        raise InputError(f"image has too many pixels ({width}x{height}; limit {max_pixels:,})")
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8) * 255
    elif arr.dtype == np.uint16:
        arr = _scale_to_uint8(arr, "I;16")
    elif np.issubdtype(arr.dtype, np.floating):
        arr = np.clip(np.rint(np.nan_to_num(arr.astype(np.float64)) * 255.0), 0, 255).astype(np.uint8)
    elif arr.dtype != np.uint8:
        raise InputError(f"unsupported image array dtype {arr.dtype} (use uint8, uint16, bool or float)")
    if arr.shape[2] in (1, 2):  # grey, grey + alpha
        arr = np.concatenate([np.repeat(arr[:, :, :1], 3, axis=2), arr[:, :, 1:]], axis=2)
    out = _flatten(arr, background)
    return out.copy() if np.shares_memory(out, source) else out
