"""extraction.image: every supported format normalises to HWC uint8 RGB; bad input is one clear InputError."""

from __future__ import annotations

import io
import os
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from crafteditor.model.errors import InputError
from extraction.image import DEFAULT_MAX_PIXELS, estimate_background, load_image

WHITE = (255, 255, 255)


def save(im: Image.Image, path: Path, fmt: str | None = None, **params) -> Path:
    im.save(path, fmt, **params)
    return path


def two_tone(width: int = 40, height: int = 20) -> Image.Image:
    """Left half red, right half blue."""
    arr = np.zeros((height, width, 3), np.uint8)
    arr[:, : width // 2] = (220, 20, 20)
    arr[:, width // 2 :] = (20, 20, 220)
    return Image.fromarray(arr)


def png_bytes(width: int, height: int, idat: bytes | None = None) -> bytes:
    """A hand-made RGB PNG whose header claims ``width`` x ``height``."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = idat if idat is not None else zlib.compress(b"\0" * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def assert_rgb(arr: np.ndarray, shape_hw: tuple[int, int]) -> None:
    assert arr.dtype == np.uint8 and arr.shape == (*shape_hw, 3) and arr.flags.c_contiguous


# --- formats ------------------------------------------------------------------------------


def test_rgba_png_is_flattened_onto_the_background(tmp_path):
    arr = np.zeros((4, 6, 4), np.uint8)
    arr[:, :, 0] = 255
    arr[:, :, 3] = 128  # half transparent red
    arr[0, 0, 3] = 0  # fully transparent
    arr[0, 1, 3] = 255  # opaque
    path = save(Image.fromarray(arr, "RGBA"), tmp_path / "a.png")
    out = load_image(path)
    assert_rgb(out, (4, 6))
    assert tuple(out[0, 0]) == WHITE
    assert tuple(out[0, 1]) == (255, 0, 0)
    assert tuple(out[1, 1]) == (255, 127, 127)
    on_black = load_image(path, background=(0, 0, 0))
    assert tuple(on_black[0, 0]) == (0, 0, 0) and tuple(on_black[1, 1]) == (128, 0, 0)


def test_la_png(tmp_path):
    im = Image.new("LA", (3, 2), (100, 255))
    im.putpixel((0, 0), (100, 0))
    out = load_image(save(im, tmp_path / "la.png"), background=(10, 20, 30))
    assert_rgb(out, (2, 3))
    assert tuple(out[0, 0]) == (10, 20, 30)
    assert tuple(out[1, 2]) == (100, 100, 100)


def test_palette_png_with_transparent_index(tmp_path):
    im = Image.new("P", (4, 4), 1)
    im.putpalette([0, 0, 0, 200, 30, 30] + [0] * (254 * 3))
    im.putpixel((0, 0), 0)
    path = save(im, tmp_path / "p.png", transparency=0)
    assert "transparency" in Image.open(path).info
    out = load_image(path)
    assert tuple(out[0, 0]) == WHITE
    assert tuple(out[2, 2]) == (200, 30, 30)


def test_16bit_png_is_scaled_not_clipped(tmp_path):
    values = np.array([[0, 300, 1000, 32768, 65535]], np.uint16)
    im = Image.fromarray(values)
    assert im.mode == "I;16"
    out = load_image(save(im, tmp_path / "deep.png"))
    assert_rgb(out, (1, 5))
    assert list(out[0, :, 0]) == [0, 1, 4, 128, 255]
    assert (out[..., 0] == out[..., 2]).all()


def test_float_tiff_in_unit_range_is_scaled(tmp_path):
    im = Image.fromarray(np.array([[0.0, 0.5, 1.0]], np.float32))
    out = load_image(save(im, tmp_path / "f.tif"))
    assert list(out[0, :, 0]) == [0, 128, 255]


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display rotated 90 degrees clockwise
    path = save(two_tone(40, 20), tmp_path / "rot.jpg", quality=95, exif=exif.tobytes())
    out = load_image(path)
    assert_rgb(out, (40, 20))  # width and height swap
    top, bottom = out[5, 10].astype(int), out[34, 10].astype(int)
    assert top[0] > 150 and top[2] < 90, "the stored left (red) half must end up on top"
    assert bottom[2] > 150 and bottom[0] < 90


def test_gif_gives_the_first_frame(tmp_path):
    frames = [Image.new("RGB", (8, 8), c) for c in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(path).n_frames == 3
    out = load_image(path)
    assert_rgb(out, (8, 8))
    assert tuple(out[4, 4]) == (255, 0, 0)


@pytest.mark.parametrize(
    ("fmt", "suffix", "params"),
    [("TIFF", ".tif", {}), ("WEBP", ".webp", {"lossless": True}), ("BMP", ".bmp", {}), ("PNG", ".png", {})],
)
def test_lossless_formats_round_trip(tmp_path, fmt, suffix, params):
    im = two_tone(30, 10)
    out = load_image(save(im, tmp_path / f"x{suffix}", fmt, **params))
    assert np.array_equal(out, np.asarray(im))


@pytest.mark.parametrize("mode", ["1", "L", "CMYK", "I"])
def test_other_modes_become_rgb(tmp_path, mode):
    im = Image.new("RGB", (6, 4), (255, 255, 255)).convert(mode)
    fmt = "TIFF" if mode in ("CMYK", "I") else "PNG"
    out = load_image(save(im, tmp_path / f"m.{fmt.lower()}", fmt))
    assert_rgb(out, (4, 6))
    assert (out >= 250).all(), f"white in mode {mode} must stay white"


def test_bytes_and_array_sources(tmp_path):
    im = two_tone(12, 6)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    assert np.array_equal(load_image(buf.getvalue()), np.asarray(im))
    grey = np.full((3, 5), 7, np.uint8)
    assert tuple(load_image(grey)[0, 0]) == (7, 7, 7)
    rgba = np.zeros((2, 2, 4), np.uint8)
    assert tuple(load_image(rgba)[0, 0]) == WHITE
    deep = np.full((2, 2, 3), 65535, np.uint16)
    assert tuple(load_image(deep)[0, 0]) == WHITE
    src = np.asarray(im).copy()
    out = load_image(src)
    out[0, 0] = 0
    assert src[0, 0, 0] == 220, "the caller's array must not be changed"


def test_pillow_limit_is_restored():
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(InputError):
        load_image(png_bytes(100, 100), max_pixels=10)
    load_image(np.zeros((2, 2, 3), np.uint8))
    assert Image.MAX_IMAGE_PIXELS == before


# --- bad input ----------------------------------------------------------------------------


def raises_one_line(source, match: str, **kwargs) -> InputError:
    with pytest.raises(InputError, match=match) as info:
        load_image(source, **kwargs)
    assert "\n" not in str(info.value)
    return info.value


def test_missing_file(tmp_path):
    raises_one_line(tmp_path / "nope.png", "not found")


def test_directory(tmp_path):
    raises_one_line(tmp_path, "is a directory")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")  # nobody writes to it: opening it for reading would block
    raises_one_line(tmp_path / "pipe.png", "FIFO .*not a regular file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_device_is_refused():
    raises_one_line(Path("/dev/zero"), "character device, not a regular file")


def test_unreadable_file(tmp_path, monkeypatch):
    src = save(two_tone(), tmp_path / "secret.png")
    real_open = os.open

    def refuse(path, *args, **kwargs):  # as for a user without read permission (root reads anything)
        if Path(path) == src:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    if os.geteuid() == 0:
        monkeypatch.setattr(os, "open", refuse)
    src.chmod(0)
    raises_one_line(src, "permission denied")


@pytest.mark.parametrize("name", ["bad\0name.png", "x" * 5000 + ".png"])
def test_impossible_names(tmp_path, name):
    raises_one_line(tmp_path / name, "invalid name|name too long")


def test_path_through_a_file(tmp_path):
    src = save(two_tone(), tmp_path / "a.png")
    raises_one_line(src / "b.png", "Not a directory")


def test_empty_file(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    raises_one_line(tmp_path / "empty.png", "empty")
    raises_one_line(b"", "empty")


def test_not_an_image(tmp_path):
    (tmp_path / "notes.png").write_text("these are not pixels\n")
    raises_one_line(tmp_path / "notes.png", "not a supported image")


def test_svg_is_refused_with_a_hint(tmp_path):
    (tmp_path / "fig.png").write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')
    raises_one_line(tmp_path / "fig.png", "already an SVG")


def test_truncated_png(tmp_path):
    arr = np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    (tmp_path / "cut.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    raises_one_line(tmp_path / "cut.png", "truncated or corrupt")


def test_corrupt_jpeg_body(tmp_path):
    buf = io.BytesIO()
    two_tone(64, 64).save(buf, "JPEG")
    data = buf.getvalue()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    raises_one_line(tmp_path / "cut.jpg", "truncated or corrupt")


def test_zero_size_image():
    raises_one_line(png_bytes(0, 10), "zero size")
    raises_one_line(b"GIF89a" + struct.pack("<HH", 10, 0) + b"\0\0\0;", "zero size")


def test_pixel_limit_is_checked_before_decoding(tmp_path, monkeypatch):
    path = save(two_tone(100, 100), tmp_path / "big.png")

    def no_decoding(self):
        raise AssertionError("pixels were decoded before the size check")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    err = raises_one_line(path, "too many pixels", max_pixels=9_999)
    assert "100x100" in str(err)


def test_decompression_bomb_header_is_refused_fast():
    start = time.perf_counter()
    raises_one_line(png_bytes(200_000, 200_000), "too many pixels")
    assert time.perf_counter() - start < 1.0
    assert DEFAULT_MAX_PIXELS == 100_000_000


def test_limit_above_pillows_own_is_honoured():
    """Pillow alone would call 13000x13000 (169 MP) a bomb; our limit governs."""
    data = png_bytes(13_000, 13_000)
    assert 13_000**2 > Image.MAX_IMAGE_PIXELS
    raises_one_line(data, "truncated or corrupt", max_pixels=200_000_000)  # got past the size check


# --- background ---------------------------------------------------------------------------


def test_background_ignores_things_touching_the_border():
    rgb = np.full((100, 160, 3), (250, 248, 240), np.uint8)
    rgb[:, 70:80] = (0, 0, 0)  # a line crossing top and bottom edges
    rgb[:30, :40] = (30, 90, 200)  # a box in the corner
    assert estimate_background(rgb) == (250, 248, 240)


def test_background_is_robust_to_noise():
    rng = np.random.default_rng(1)
    rgb = np.clip(rng.normal(200, 3, (80, 80, 3)), 0, 255).astype(np.uint8)
    assert all(abs(c - 200) <= 2 for c in estimate_background(rgb))
    assert estimate_background(np.zeros((1, 1, 3), np.uint8)) == (0, 0, 0)
