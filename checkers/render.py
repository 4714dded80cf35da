"""The project's one SVG renderer: cairosvg, reading nothing outside the document.

Every rendering goes through here: the checkers' recorded renderings
(``checkers.record``), the tracer's check of what it drew, the PNG and PDF
exports and the benchmark's inputs.  Each document is parsed without entity
resolution, and only ``data:`` URLs are fetched, so an SVG cannot make the
renderer read a local file or the network.  Pixels are read off the cairo
surface (HWC uint8 RGB), never through an encoded PNG.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from checkers.cairo_ffi import preload

preload()  # before cairosvg loads cairocffi: its bindings precompiled, not parsed


class SvgRenderError(RuntimeError):
    """cairosvg could not parse or draw an SVG document."""


WHITE = (255, 255, 255)
BLANK_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


def safe_url_fetcher(url: str, resource_type: str) -> bytes:
    """A cairosvg ``url_fetcher`` that reads ``data:`` URLs and nothing else."""
    if url.startswith("data:"):
        from cairosvg.url import fetch

        return fetch(url, resource_type)
    return BLANK_SVG


def parse_tree(svg: bytes) -> Any:
    """cairosvg's tree of ``svg``: no entities, only ``data:`` URLs."""
    from cairosvg.parser import Tree

    return Tree(bytestring=svg, unsafe=False, url_fetcher=safe_url_fetcher)


def surface_args(
    *, scale: float = 1.0, size_wh: tuple[int, int] | None = None, background: str | None = "#ffffff"
) -> tuple[Any, ...]:
    """The positional arguments after the tree of a cairosvg surface: output, dpi, parent
    surface, parent width and height, scale, output width and height, background colour."""
    width, height = size_wh if size_wh else (None, None)
    return (None, 96, None, None, None, scale, width, height, background)


def surface_rgb(cairo_surface: Any, page_rgb: tuple[int, int, int] | None = WHITE) -> np.ndarray:
    """HWC uint8 RGB of a cairo ARGB32 surface.  Where a pixel is not opaque (the page's
    last, partly covered row or column, or a transparent page):
    - with ``page_rgb``, it is composited over that colour;
    - without, cairo's premultiplied colour is divided by its alpha as cairo's PNG writer
      does (``(c * 255 + a / 2) / a``, and 0 where ``a`` is 0): the colours its PNG holds."""
    import cv2

    cairo_surface.flush()
    w, h, stride = cairo_surface.get_width(), cairo_surface.get_height(), cairo_surface.get_stride()
    bgra = np.frombuffer(cairo_surface.get_data(), np.uint8).reshape(h, stride // 4, 4)[:, :w]
    rgb = cv2.cvtColor(bgra, cv2.COLOR_BGRA2RGB)
    alpha = bgra[..., 3]
    if (alpha == 255).all():
        return rgb
    a = alpha.astype(np.uint32)[..., None]
    if page_rgb is not None:
        under = np.asarray(page_rgb, np.uint32) * (255 - a)
        return np.minimum((rgb.astype(np.uint32) * 255 + under + 127) // 255, 255).astype(np.uint8)
    straight = (rgb.astype(np.uint32) * 255 + a // 2) // np.maximum(a, 1)
    return np.where(a > 0, straight, 0).astype(np.uint8)


def render_rgb(
    svg: bytes | str,
    *,
    scale: float = 1.0,
    size_wh: tuple[int, int] | None = None,
    background: str | None = "#ffffff",
) -> np.ndarray:
    """``svg`` drawn at ``scale`` (or stretched to ``size_wh`` pixels) on ``background``
    (None: a transparent page, read back un-premultiplied), as HWC uint8 RGB.

    Raises ``SvgRenderError`` when cairosvg cannot parse or draw the document."""
    from cairosvg.surface import PNGSurface

    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    try:
        surface = PNGSurface(parse_tree(data), *surface_args(scale=scale, size_wh=size_wh, background=background))
        rgb = surface_rgb(surface.cairo, _rgb(background) if background else None)
        surface.finish()
    except Exception as exc:  # cairosvg raises many kinds; callers get one type
        raise SvgRenderError(f"cairosvg failed: {type(exc).__name__}: {exc}") from exc
    return rgb


def render_file(
    svg: bytes, fmt: str, *, scale: float = 1.0, size_wh: tuple[int, int] | None = None
) -> bytes:
    """``svg`` as a PNG (transparent page) or PDF file's bytes, at ``scale`` or ``size_wh``.

    Raises ``SvgRenderError`` when cairosvg cannot parse or draw the document."""
    import io

    from cairosvg.surface import PDFSurface, PNGSurface

    surface_type = {"png": PNGSurface, "pdf": PDFSurface}[fmt]
    out = io.BytesIO()
    try:
        args = surface_args(scale=scale, size_wh=size_wh, background=None)
        surface_type(parse_tree(svg), out, *args[1:]).finish()
    except Exception as exc:  # cairosvg raises many kinds; callers get one type
        raise SvgRenderError(f"cairosvg failed: {type(exc).__name__}: {exc}") from exc
    return out.getvalue()


def _rgb(colour: str) -> tuple[int, int, int]:
    from cairosvg.colors import color

    r, g, b, _ = color(colour)
    return round(r * 255), round(g * 255), round(b * 255)
