"""PNG and PDF exports, drawn by the one renderer (``checkers.render``), which reads
nothing outside the document (only ``data:`` URLs are fetched)."""

from __future__ import annotations

from crafteditor.model.errors import InputError
from crafteditor.export import ExportOptions, Exported, external_warnings
from checkers.render import SvgRenderError, render_file
from crafteditor.svg.doc import SvgDocument

MAX_OUTPUT_PIXELS = 200_000_000


def _render(doc: SvgDocument, options: ExportOptions, fmt: str) -> bytes:
    w, h = doc.page_px()
    factor = options.factor()
    if fmt == "png" and w * h * factor * factor > MAX_OUTPUT_PIXELS:
        raise InputError(f"a {w * factor:.0f}x{h * factor:.0f} px PNG is too large: lower --scale or --dpi")
    try:
        return render_file(doc.to_bytes(), fmt, scale=factor)
    except SvgRenderError as exc:  # the user gets one line
        raise InputError(f"cannot render {doc.name}: {exc}") from None


def to_png(doc: SvgDocument, options: ExportOptions) -> Exported:
    return Exported(_render(doc, options, "png"), external_warnings(doc))


def to_pdf(doc: SvgDocument, options: ExportOptions) -> Exported:
    return Exported(_render(doc, options, "pdf"), external_warnings(doc))
