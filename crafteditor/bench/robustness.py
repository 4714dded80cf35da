"""No crash at any scale: every shared figure converted at its own size and at fixed long sides.

Sets, under the real-figures folder: ``svg`` (rendered by cairosvg), ``pdf`` (page 1 rendered by
pypdfium2) and ``png`` (read as they are).  A figure's own size is an SVG's page at scale 1, a PNG's
pixels, and for a PDF the long side the benchmark gives it (``PDF_OWN_LONG_SIDE_PX``); a scale given
in px sets the long side.  Each conversion ends ``ok``, ``refused`` (a ``CraftEditorError``: bad input,
said in one line) or ``internal-error`` (any other exception: a bug), with its wall and CPU time.

Outcomes go to ``robustness.jsonl`` as each one finishes.  A rerun into the same folder keeps the
conversions that ended ``ok`` or ``refused`` and runs the rest again, so a sweep can be resumed and
the failures retried after a fix.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from crafteditor.model.errors import CraftEditorError

SETS = ("svg", "pdf", "png")
SCALES = ("own", "900", "2000")
PDF_OWN_LONG_SIDE_PX = 1500
RESULTS = "robustness.jsonl"


@dataclass(frozen=True, slots=True)
class Figure:
    set_name: str
    path: Path


@dataclass(frozen=True, slots=True)
class Outcome:
    set_name: str
    figure: str
    scale: str
    status: str  # ok, refused, internal-error, unloadable (the sweep could not draw the input)
    image_wh: tuple[int, int] | None = None
    error: str = ""
    where: str = ""  # innermost frame outside installed packages, for an internal error
    wall_s: float = 0.0
    cpu_s: float = 0.0

    @property
    def key(self) -> tuple[str, str, str]:
        return self.set_name, self.figure, self.scale


def list_figures(root: Path, sets: Iterable[str] = SETS, limit: int | None = None) -> list[Figure]:
    """The figures of each set under ``root`` (``root/<set>/*.<set>``), sorted, at most ``limit`` a set."""
    out = []
    for name in sets:
        if name not in SETS:
            raise ValueError(f"unknown set {name!r}: choose among {', '.join(SETS)}")
        paths = sorted((Path(root) / name).glob(f"*.{name}"))
        out += [Figure(name, p) for p in paths[:limit]]
    return out


def load_figure(figure: Figure, scale: str) -> np.ndarray:
    """The figure as HWC uint8 RGB at ``scale`` (``own`` or a long side in px)."""
    long_side = None if scale == "own" else int(scale)
    if figure.set_name == "pdf":
        from crafteditor.bench.pdffigs import render_page

        return render_page(figure.path, long_side or PDF_OWN_LONG_SIDE_PX)
    if figure.set_name == "svg":
        return _render_svg(figure.path.read_bytes(), long_side)
    from extraction.image import load_image

    rgb = load_image(figure.path)
    return rgb if long_side is None else _resize(rgb, long_side)


def _render_svg(svg: bytes, long_side: int | None) -> np.ndarray:
    from checkers.render import render_rgb
    from crafteditor.svg.doc import SvgDocument

    scale = 1.0 if long_side is None else long_side / max(SvgDocument.from_bytes(svg).page_px())
    return render_rgb(svg, scale=scale)  # on a white page


def _resize(rgb: np.ndarray, long_side: int) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    factor = long_side / max(h, w)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)


def convert_one(figure: Figure, scale: str, converter: Callable[[np.ndarray], Any]) -> Outcome:
    """Load and convert one figure at one scale; exceptions become the outcome, never escape."""
    base = {"set_name": figure.set_name, "figure": figure.path.name, "scale": scale}
    try:
        rgb = load_figure(figure, scale)
    except Exception as exc:  # noqa: BLE001 - the sweep's own drawing failed: recorded, not ours to judge
        return Outcome(**base, status="unloadable", error=_one_line(exc))
    wall, cpu = time.perf_counter(), time.process_time()
    status, error, where = "ok", "", ""
    try:
        converter(rgb)
    except CraftEditorError as exc:
        status, error = "refused", _one_line(exc)
    except Exception as exc:  # noqa: BLE001 - a bug: that is what the sweep looks for
        status, error, where = "internal-error", _one_line(exc), _where(exc)
    return Outcome(**base, status=status, image_wh=(int(rgb.shape[1]), int(rgb.shape[0])), error=error,
                   where=where, wall_s=round(time.perf_counter() - wall, 2),
                   cpu_s=round(time.process_time() - cpu, 2))


def sweep(figures: list[Figure], scales: Iterable[str], converter: Callable[[np.ndarray], Any], out_dir: Path,
          progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Every figure at every scale; outcomes appended to ``out_dir/robustness.jsonl`` as they end."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RESULTS
    kept = {o.key: o for o in read_outcomes(path) if o.status in ("ok", "refused")}
    path.write_text("".join(json.dumps(asdict(o)) + "\n" for o in kept.values()))
    outcomes = list(kept.values())
    for scale in scales:  # one scale over every figure first: the first pass already covers them all
        for figure in figures:
            if (figure.set_name, figure.path.name, scale) in kept:
                continue
            outcome = convert_one(figure, scale, converter)
            with path.open("a") as fh:
                fh.write(json.dumps(asdict(outcome)) + "\n")
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
    return outcomes


def read_outcomes(path: Path) -> list[Outcome]:
    if not Path(path).is_file():
        return []
    out = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            data = json.loads(line)
            data["image_wh"] = tuple(data["image_wh"]) if data.get("image_wh") else None
            out.append(Outcome(**data))
    return out


def summary_table(outcomes: list[Outcome]) -> str:
    """Per set and scale: conversions, refusals, internal errors, unloadable inputs, median and max time."""
    rows = ["set  scale  runs  ok  refused  internal  unloadable  median_s  max_s"]
    groups: dict[tuple[str, str], list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault((o.set_name, o.scale), []).append(o)
    for (set_name, scale), group in sorted(groups.items()):
        times = sorted(o.wall_s for o in group if o.status in ("ok", "refused"))
        count = {s: sum(o.status == s for o in group) for s in ("ok", "refused", "internal-error", "unloadable")}
        median = f"{times[len(times) // 2]:.1f}" if times else "-"
        rows.append(f"{set_name:4} {scale:>5}  {len(group):4} {count['ok']:3} {count['refused']:8} "
                    f"{count['internal-error']:9} {count['unloadable']:11} {median:>9} "
                    f"{max(times) if times else 0:6.1f}")
    for o in outcomes:
        if o.status in ("internal-error", "unloadable"):
            rows.append(f"{o.status}: {o.set_name}/{o.figure} at {o.scale}: {o.error} [{o.where}]")
    return "\n".join(rows)


def _one_line(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 300 else text[:297] + "..."


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "site-packages" not in f.filename and not f.filename.startswith(sys.base_prefix)]
    frame = (ours or frames)[-1] if frames else None
    return "" if frame is None else f"{Path(frame.filename).parent.name}/{Path(frame.filename).name}:{frame.lineno}"
