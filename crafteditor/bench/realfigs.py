"""Real diagrams (SVG with real ``<text>``) as benchmark cases.

The files live outside the repository, in ``shared/realfigs/svg`` beside it;
``CRAFTEDITOR_REALFIGS`` or ``--realfigs DIR`` point elsewhere.  They are read
in place, never copied.

Render scale: a long side of about 1400 px, except that small text is never
rendered below legibility: the scale is raised until the 10th percentile of the
figure's rendered font sizes reaches 13 px (cap height about 9-10 px, the
smallest OCR reads reliably), capped at a long side of 2800 px.  Downscaling
below 1x is allowed when the text stays legible (a 1600 px wide Excalidraw
export with 20 px text is rendered at 0.86x).

A file that fails to parse or render, or that has no visible text, is skipped
and reported (``Skipped``), never silently dropped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crafteditor.bench.cases import Case, build_case
from checkers.record import render_recorded
from checkers.drawn import truth_from_record

ENV_VAR = "CRAFTEDITOR_REALFIGS"
TARGET_LONG_SIDE_PX = 1400
MAX_LONG_SIDE_PX = 2800
MIN_FONT_PX = 13.0


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


def default_realfigs_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "realfigs"


def list_real_svgs(root: Path | None = None) -> list[Path]:
    """SVG files under ``root/svg`` (or directly in ``root``), sorted by name."""
    root = Path(root) if root is not None else default_realfigs_dir()
    folder = root / "svg" if (root / "svg").is_dir() else root
    if not folder.is_dir():
        raise FileNotFoundError(f"no real-figure folder at {folder} (set {ENV_VAR} or --realfigs)")
    return sorted(folder.glob("*.svg"))


def choose_scale(svg: bytes) -> float:
    """Render scale for a real figure (see the module docstring)."""
    record = render_recorded(svg, scale=1.0)
    h, w = record.rgb.shape[:2]
    long_side = max(w, h, 1)
    scale = TARGET_LONG_SIDE_PX / long_side
    sizes = sorted(line.font_size_px for line in truth_from_record(record).lines)
    if sizes:
        p10 = sizes[int(0.1 * (len(sizes) - 1))]
        if p10 > 0 and p10 * scale < MIN_FONT_PX:
            scale = MIN_FONT_PX / p10
    return round(min(scale, MAX_LONG_SIDE_PX / long_side), 4)


def iter_real_cases(root: Path | None = None, limit: int | None = None) -> Iterator[Case | Skipped]:
    """Cases for the real figures, one at a time, or ``Skipped`` records."""
    paths = list_real_svgs(root)
    if limit is not None:
        paths = paths[:limit]
    for path in paths:
        yield load_real_case(path)


def load_real_case(path: Path) -> Case | Skipped:
    try:
        svg = path.read_bytes()
        scale = choose_scale(svg)
        case = build_case(path.stem, "real", svg, render_scale=scale, source=str(path))
    except Exception as exc:  # a broken file is reported, the run goes on
        return Skipped(str(path), f"{type(exc).__name__}: {exc}")
    if not case.truth.lines:
        return Skipped(str(path), "no visible text")
    return case
