"""Paper figures drawn as vector PDFs, as benchmark cases (the ``pdf`` set).

The files live outside the repository, in ``shared/realfigs/pdf`` beside it;
``CRAFTEDITOR_PDFFIGS`` or ``--pdffigs DIR`` point elsewhere (a folder holding
the PDFs, or one with a ``pdf`` subfolder).  They are read in place.

Input: page 1 rendered by pypdfium2 on white, its crop box at a long side of
1500 px, except that small text is not rendered below legibility: the scale is
raised until the 10th percentile of the page's font sizes reaches 13 px (as
for the real SVG set), capped at a long side of 2000 px.  Truth comes from the
same PDF (``pdftruth``), in pixels of that rendering.  The rendering without
text, which the ghost-text metric needs, is the same page with every text
object removed (form XObjects included).

A PDF that cannot be read or rendered, whose first page is rotated (/Rotate),
or that has no visible text, is skipped and reported (``Skipped``).

The raster paper figures of ``shared/realfigs/png`` have no truth; they are
listed here for the report's side-by-side views only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from crafteditor.bench.cases import Case
from crafteditor.bench.realfigs import MIN_FONT_PX, Skipped, default_realfigs_dir

ENV_VAR = "CRAFTEDITOR_PDFFIGS"
TARGET_LONG_SIDE_PX = 1500
MAX_LONG_SIDE_PX = 2000
SET_NAME = "pdf"


def default_pdffigs_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else default_realfigs_dir()


def _folder(root: Path | None, sub: str) -> Path:
    root = Path(root) if root is not None else default_pdffigs_dir()
    return root / sub if (root / sub).is_dir() else root


def list_pdfs(root: Path | None = None) -> list[Path]:
    """PDF files under ``root/pdf`` (or directly in ``root``), sorted by name."""
    folder = _folder(root, "pdf")
    if not folder.is_dir():
        raise FileNotFoundError(f"no PDF figure folder at {folder} (set {ENV_VAR} or --pdffigs)")
    return sorted(folder.glob("*.pdf"))


def list_raster_figures(root: Path | None = None) -> list[Path]:
    """The raster paper figures (``root/png``) shown beside the pdf set; none when absent."""
    root = Path(root) if root is not None else default_pdffigs_dir()
    folder = root / "png"
    return sorted(folder.glob("*.png")) if folder.is_dir() else []


def _open_page(path: Path):  # -> (PdfDocument, PdfPage)
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    if len(document) < 1:
        raise ValueError("the PDF has no page")
    page = document[0]
    if page.get_rotation() % 360:
        raise ValueError(f"page 1 is rotated by {page.get_rotation()} degrees")
    return document, page


def _render(page, px_per_pt: float) -> np.ndarray:
    bitmap = page.render(scale=px_per_pt, fill_color=(255, 255, 255, 255), draw_annots=False)
    return np.ascontiguousarray(np.asarray(bitmap.to_pil().convert("RGB"), dtype=np.uint8))


def render_page(path: str | Path, long_side_px: int) -> np.ndarray:
    """Page 1 of the PDF at ``path``, its crop box ``long_side_px`` on its long side (HWC uint8 RGB)."""
    document, page = _open_page(Path(path))
    try:
        return _render(page, long_side_px / max(page.get_size()))
    finally:
        document.close()


def render_page_pair(path: Path, px_per_pt: float) -> tuple[np.ndarray, np.ndarray]:
    """(page 1, page 1 without its text objects) at ``px_per_pt``, HWC uint8 RGB."""
    import pypdfium2.raw as pdfium_c

    document, page = _open_page(path)
    try:
        rgb = _render(page, px_per_pt)
        texts = [o for o in page.get_objects(max_depth=32) if o.type == pdfium_c.FPDF_PAGEOBJ_TEXT]
        for obj in texts:  # rendering reads the object lists, no content regeneration needed
            page.remove_obj(obj)
        return rgb, _render(page, px_per_pt)
    finally:
        document.close()


def choose_scale(crop_wh_pt: tuple[float, float], font_sizes_pt: list[float]) -> float:
    """Pixels per point for a page whose crop box is ``crop_wh_pt`` (see the module docstring)."""
    long_side = max(*crop_wh_pt, 1e-6)
    scale = TARGET_LONG_SIDE_PX / long_side
    sizes = sorted(s for s in font_sizes_pt if s > 0)
    if sizes:
        p10 = sizes[int(0.1 * (len(sizes) - 1))]
        if p10 * scale < MIN_FONT_PX:
            scale = MIN_FONT_PX / p10
    return round(min(scale, MAX_LONG_SIDE_PX / long_side), 4)


def iter_pdf_cases(root: Path | None = None, limit: int | None = None) -> Iterator[Case | Skipped]:
    """Cases for the PDF figures, one at a time, or ``Skipped`` records."""
    paths = list_pdfs(root)
    for path in paths[:limit] if limit is not None else paths:
        yield load_pdf_case(path)


def load_pdf_case(path: Path) -> Case | Skipped:
    from crafteditor.bench.pdfpage import open_truth_page
    from crafteditor.bench.pdftruth import truth_from_page

    try:
        with open_truth_page(path) as tpage:
            scale = choose_scale(tpage.crop_wh_pt, tpage.font_sizes_pt())
            rgb, notext = render_page_pair(path, scale)
            truth = truth_from_page(tpage, scale, rgb, notext)
    except Exception as exc:  # a broken file is reported, the run goes on
        return Skipped(str(path), f"{type(exc).__name__}: {exc}")
    if not truth.lines:
        return Skipped(str(path), "no visible text")
    return Case(case_id=path.stem, set_name=SET_NAME, svg=b"", render_scale=scale, image_rgb=rgb,
                clean_rgb=rgb, notext_rgb=notext, truth=truth, source=str(path))
