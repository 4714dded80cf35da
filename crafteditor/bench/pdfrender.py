"""Page 1 of a PDF as a raster figure (pypdfium2), for sweeps that need only the picture."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def render_page(path: str | Path, long_side_px: int) -> np.ndarray:
    """Page 1 of the PDF at ``path``, ``long_side_px`` on its long side, on white (HWC uint8 RGB)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        if len(document) < 1:
            raise ValueError(f"{path} has no page")
        page = document[0]
        bitmap = page.render(scale=long_side_px / max(page.get_size()), fill_color=(255, 255, 255, 255),
                             draw_annots=False)
        return np.ascontiguousarray(np.asarray(bitmap.to_pil().convert("RGB"), dtype=np.uint8))
    finally:
        document.close()
