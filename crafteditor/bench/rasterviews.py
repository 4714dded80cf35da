"""Raster paper figures converted for looking at: input and our rendering side by side.

The figures of ``shared/realfigs/png`` have no truth, so nothing is scored:
each is converted once, its output rendered at the input's size, and both are
saved for the report beside the ``pdf`` set.  A failed conversion or rendering
is recorded with its message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from crafteditor.bench.baselines import Converter, svg_of
from crafteditor.bench.pdffigs import list_raster_figures

THUMB_LONG_SIDE_PX = 1000


@dataclass(frozen=True, slots=True)
class RasterView:
    case_id: str
    source: str
    input: str  # paths relative to the output folder; "" when not written
    rendering: str
    time_s: float | None
    error: str | None


def save_thumbnail(path: Path, rgb: np.ndarray, long_side_px: int = THUMB_LONG_SIDE_PX) -> None:
    """Save HWC uint8 RGB as PNG, shrunk to ``long_side_px`` when larger."""
    image = Image.fromarray(rgb)
    scale = long_side_px / max(image.size)
    if scale < 1:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.BILINEAR)
    image.save(path, optimize=False)


def raster_figure_views(converter: Converter, out: Path, root: str | Path | None,
                        say: Callable[[str], None]) -> list[RasterView]:
    """Convert every raster paper figure under ``root/png`` and save input and rendering."""
    views = []
    for path in list_raster_figures(Path(root) if root else None):
        views.append(_view(converter, path, out))
        v = views[-1]
        say(f"[bench view] {v.case_id}: " + (f"ERROR {v.error}" if v.error else f"{v.time_s:.2f}s"))
    return views


def _view(converter: Converter, path: Path, out: Path) -> RasterView:
    from checkers.record import render_recorded

    folder = out / "views" / path.stem
    rel = f"views/{path.stem}"
    try:
        rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)
    except (OSError, ValueError) as exc:
        return RasterView(path.stem, str(path), "", "", None, f"unreadable: {exc}")
    folder.mkdir(parents=True, exist_ok=True)
    save_thumbnail(folder / "input.png", rgb)
    start = time.perf_counter()
    try:
        result = converter(rgb.copy())
        seconds = time.perf_counter() - start
        svg = svg_of(result)
        (folder / "crafteditor.svg").write_bytes(svg)
        rendered = render_recorded(svg, size_wh=(rgb.shape[1], rgb.shape[0])).rgb
    except Exception as exc:  # recorded in the report, the run goes on
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return RasterView(path.stem, str(path), f"{rel}/input.png", "", time.perf_counter() - start, message)
    save_thumbnail(folder / "crafteditor.png", rendered)
    return RasterView(path.stem, str(path), f"{rel}/input.png", f"{rel}/crafteditor.png", seconds, None)
