"""PNG and PDF exports, rendered by cairosvg without reading anything outside
the document (only ``data:`` URLs are fetched)."""

from __future__ import annotations

from crafteditor.model.errors import InputError
from crafteditor.export import ExportOptions, Exported, external_warnings
from crafteditor.svg.doc import SvgDocument, safe_url_fetcher

MAX_OUTPUT_PIXELS = 200_000_000


def _render(doc: SvgDocument, options: ExportOptions, fmt: str) -> bytes:
    from cairosvg.surface import PDFSurface, PNGSurface

    w, h = doc.page_px()
    factor = options.factor()
    if fmt == "png" and w * h * factor * factor > MAX_OUTPUT_PIXELS:
        raise InputError(f"a {w * factor:.0f}x{h * factor:.0f} px PNG is too large: lower --scale or --dpi")
    surface = PNGSurface if fmt == "png" else PDFSurface
    try:  # keyword arguments beyond the surface's own reach cairosvg's Tree: the fetcher is honoured
        return surface.convert(bytestring=doc.to_bytes(), scale=factor, url_fetcher=safe_url_fetcher, unsafe=False)
    except Exception as exc:  # cairosvg raises many kinds; the user gets one line
        raise InputError(f"cannot render {doc.name}: {type(exc).__name__}: {exc}") from None


def to_png(doc: SvgDocument, options: ExportOptions) -> Exported:
    return Exported(_render(doc, options, "png"), external_warnings(doc))


def to_pdf(doc: SvgDocument, options: ExportOptions) -> Exported:
    return Exported(_render(doc, options, "pdf"), external_warnings(doc))
