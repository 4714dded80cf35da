"""Export an SVG to the formats other editors open: every export keeps text as
text and shapes as shapes; none is a picture of the figure.

    inkscape   SVG with layers, labels, connectors and a namedview (``svgout``)
    plain      standard SVG without editor namespaces (``svgout``)
    png, pdf   rendered with cairosvg, at a scale or DPI (``raster``)
    drawio     mxGraph XML for draw.io / diagrams.net (``drawio``)
    pptx       a PowerPoint slide built with python-pptx (``pptx``)

Each exporter is one function ``(doc: SvgDocument, options: ExportOptions) ->
Exported``; external references in the document are never read, and what an
export leaves out is said in ``Exported.warnings``.
"""

from __future__ import annotations

import copy
import importlib
import os
from pathlib import Path
from dataclasses import dataclass

from crafteditor.model.errors import InputError
from crafteditor.svg.doc import SvgDocument, check_embedded_images

FORMATS = {
    "inkscape": ("svgout", "to_inkscape", ".svg"),
    "plain": ("svgout", "to_plain", ".svg"),
    "png": ("raster", "to_png", ".png"),
    "pdf": ("raster", "to_pdf", ".pdf"),
    "drawio": ("drawio", "to_drawio", ".drawio"),
    "pptx": ("pptx", "to_pptx", ".pptx"),
}


@dataclass(frozen=True)
class ExportOptions:
    scale: float = 1.0  # png and pdf: output size over the SVG's own size
    dpi: float | None = None  # png and pdf: overrides scale (96 dpi is scale 1)

    def factor(self) -> float:
        return self.dpi / 96.0 if self.dpi else self.scale


@dataclass(frozen=True)
class Exported:
    data: bytes
    warnings: tuple[str, ...] = ()


def export(doc: SvgDocument, fmt: str, options: ExportOptions | None = None) -> Exported:
    """``doc`` in format ``fmt`` (one of ``FORMATS``)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    options = options or ExportOptions()
    if not 0 < options.factor() <= 50:
        raise InputError(f"the scale must be more than 0 and at most 50 (96 dpi is 1), got {options.factor():g}")
    check_embedded_images(doc.root, doc.name)  # every format decodes or hands on its pictures
    module, func, _suffix = FORMATS[fmt]
    work = SvgDocument(copy.deepcopy(doc.root), doc.name, doc.assigned_ids)  # exporters may rework the tree
    return getattr(importlib.import_module(f"crafteditor.export.{module}"), func)(work, options)


def external_warnings(doc: SvgDocument) -> tuple[str, ...]:
    """One warning for each reference to a file or URL outside the document (never read)."""
    return tuple(f"{el_id} refers to {ref}, which is not read (only embedded data: images are)"
                 for el_id, ref in doc.external_refs())


def default_output(src: str | os.PathLike, fmt: str) -> Path:
    """``src`` with the suffix of format ``fmt``."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return Path(src).with_suffix(FORMATS[fmt][2])


def export_file(src: str | os.PathLike, fmt: str, out: str | os.PathLike | None = None,
                options: ExportOptions | None = None) -> Exported:
    """Export the SVG at ``src`` to ``out`` (default: ``default_output``), atomically."""
    from crafteditor.model.io import atomic_write, check_output_path

    target = check_output_path(out if out is not None else default_output(src, fmt), src)
    result = export(SvgDocument.read(src), fmt, options)
    atomic_write(target, result.data)
    return result
