"""Conversion as a list of named passes: raster in, scene and SVG out.

    load -> background -> ocr -> measure -> clean -> group -> ground -> trace -> refine

Grounding turns the cleaned canvas into shapes, connectors and icons
(``extraction.plan``); only what it leaves over is traced.  ``refine`` is the
harness (``crafteditor.loop.harness``): candidate skeletons are composed, checked
against the source and the best is revised with typed fixes for a bounded
number of rounds; with ``loop=None`` the grounded scene is composed once.

Each pass returns a new value; the report records what each found and how
long it took.
"""

from __future__ import annotations

import dataclasses
import time
from functools import partial
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crafteditor.loop.harness import LoopConfig
from crafteditor.model.scene import Element, Kind, Scene, to_hex, to_jsonable
from extraction.image import DEFAULT_MAX_PIXELS

DEFAULT_LOOP = LoopConfig()
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Conversion:
    """What ``convert`` returns: the SVG text, the scene it was written from, the loop's
    typed trace (None with the loop off) and the JSON report, whose ``loop`` is made from it."""

    svg: str
    scene: Scene
    report: dict[str, Any] = field(repr=False)
    first_svg: str | None = field(default=None, repr=False)  # the loop's first round (the single pass)
    trace: Any = field(default=None, repr=False)  # crafteditor.loop.harness.Trace


class _Timer:
    def __init__(self, progress: Progress | None) -> None:
        self.timings: dict[str, float] = {}
        self._progress = progress

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self._progress is not None:
            self._progress(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - start, 4)


def convert(
    source: str | Path | bytes | np.ndarray,
    *,
    ocr: str = "rapidocr",
    segmenter: Any = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    loop: Any = DEFAULT_LOOP,
    vlm: Any = None,
    debug_dir: str | Path | None = None,
    progress: Progress | None = None,
    leftovers: bool = True,
) -> Conversion:
    """Convert a raster figure (path, encoded bytes, or HWC uint8 RGB array) to editable SVG.

    ``segmenter`` proposes shape regions (``extraction.segment``); the default is
    OpenCV's flat regions.  ``loop`` bounds the verify-then-refine harness
    (``crafteditor.loop.harness.LoopConfig``; None composes the grounded scene once).
    ``vlm`` is a ``crafteditor.vlm.config.VlmConfig`` (None: every role offline).
    ``leftovers=False`` skips tracing what grounding leaves over (for a sketch read only
    for its boxes, labels and arrows)."""
    from composition.trace import trace_leftovers
    from composition.writer import write_svg
    from extraction.clean import lift_text
    from extraction.image import estimate_background, load_image
    from extraction.plan import ground_canvas
    from extraction.ocr import get_engine, read_text
    from extraction.text import text_elements
    from extraction.text_group import group_labels
    from extraction.text_measure import is_text, measure_all, remeasure

    timer = _Timer(progress)
    with timer.stage("load"):
        rgb = load_image(source, max_pixels=max_pixels)
    height, width = rgb.shape[:2]
    with timer.stage("background"):
        background_rgb = estimate_background(rgb)
        background = to_hex(background_rgb)
    with timer.stage("ocr"):
        engine = get_engine(ocr)
        words = read_text(rgb, engine)
    with timer.stage("measure"):
        measured = [m for w in words for m in measure_all(rgb, w) if is_text(m)]
    with timer.stage("clean"):
        canvas, lifted = lift_text(rgb, measured)
    with timer.stage("group"):
        labels = group_labels(measured, canvas, remeasure=partial(remeasure, rgb))
        texts = text_elements(labels, engine.name)
    with timer.stage("ground"):
        grounding = ground_canvas(canvas, background_rgb, tuple(t.box for t in texts), segmenter=segmenter)
        texts = attach_labels(texts, grounding.shapes)
    with timer.stage("trace"):
        traces = trace_leftovers(grounding.leftover_rgb, background) if leftovers and grounding.leftover_px else []
    scene = Scene(
        image_wh=(width, height),
        background=background,
        elements=grounding.shapes + tuple(traces) + grounding.connectors + grounding.icons + tuple(texts),
    )
    trace, first_svg = None, None
    if loop is None:
        with timer.stage("compose"):
            svg = write_svg(scene)
    else:
        with timer.stage("refine"):
            scene, svg, trace, first_svg = _refine(scene, rgb, canvas, background, checked_readings(words, measured),
                                                   loop, vlm, progress)

    report = {
        "input": str(source) if isinstance(source, (str, Path)) else type(source).__name__,
        "image_wh": [width, height],
        "background": background,
        "ocr_engine": engine.name,
        "segmenter": getattr(segmenter, "name", "opencv"),
        "counts": {
            "ocr_readings": len(words),
            "measured_lines": len(measured),
            "unmeasured_readings": len(words) - len(measured),
            **_counts(scene),
        },
        "loop": None if trace is None else loop_report(trace),
        "plan": {"planner": grounding.plan.planner,
                 "decisions": [to_jsonable(d) for d in grounding.plan.decisions]},
        "timings_s": timer.timings,
        "total_s": round(sum(timer.timings.values()), 4),
        "texts": [_text_summary(e) for e in scene.of_kind(Kind.TEXT)],
    }
    if debug_dir is not None:
        _write_debug(Path(debug_dir), rgb, words, lifted, canvas, scene)
    return Conversion(svg=svg, scene=scene, report=report, first_svg=first_svg, trace=trace)


def _refine(scene: Scene, rgb: np.ndarray, canvas: np.ndarray, background: str, words: list, loop: Any,
            vlm: Any, progress: Progress | None) -> tuple[Scene, str, Any, str]:
    """Run the harness on the grounded scene: (best scene, its SVG, the trace, the
    SVG of the first round, which is what a single pass writes)."""
    from composition.writer import write_svg
    from crafteditor.loop.editor import EditorRoles
    from crafteditor.loop.harness import run_loop

    client = None
    if vlm is not None:
        from crafteditor.vlm.client import VlmClient

        client = VlmClient(vlm)
    try:
        roles = EditorRoles(rgb, canvas, background, words, client)
        scene = roles.prepare(scene)
        prepared = roles.usage()
        first_svg = write_svg(scene)
        result = run_loop(roles, scene, loop, progress=(lambda m: progress(f"refine: {m}")) if progress else None)
    finally:
        if client is not None:
            client.close()
    trace = result.trace
    if prepared.tokens or prepared.notes:
        first = dataclasses.replace(trace.rounds[0], tokens=trace.rounds[0].tokens + prepared.tokens,
                                    notes=prepared.notes + trace.rounds[0].notes)
        trace = dataclasses.replace(trace, rounds=(first,) + trace.rounds[1:])
    return result.best.spec, result.artifact, trace, first_svg


def source_readings(rgb: np.ndarray, engine: Any) -> list:
    """What the verifier takes a source to say, read as ``convert`` reads it (for ``check``)."""
    from extraction.ocr import read_text
    from extraction.text_measure import is_text, measure_all

    words = read_text(rgb, engine)
    return checked_readings(words, [m for w in words for m in measure_all(rgb, w) if is_text(m)])


def checked_readings(words: list, measured: list) -> list:
    """What the verifier takes the source to say: upright lines as measured against
    their ink (look-alikes settled, split where the ink splits), others as read."""
    from extraction.ocr import OcrWord

    out = [w for w in words if abs(w.angle_deg) > 10]
    for m in measured:
        if m.angle_deg == 0 and m.text.strip():
            b = m.page_box
            out.append(OcrWord(m.text, ((b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1)), m.confidence))
    return out


def loop_report(trace: Any) -> dict[str, Any]:
    """The harness's trace as JSON data: every round, the best, why it stopped."""
    return {
        "rounds": [to_jsonable(r) for r in trace.rounds],
        "best_round": trace.best_round,
        "first_score": trace.first_score,
        "best_score": trace.best_score,
        "stopped": trace.stopped,
        "tokens": trace.tokens,
    }


def attach_labels(texts: list[Element], shapes: tuple[Element, ...]) -> list[Element]:
    """A label inside a shape belongs to it (the smallest shape that holds it)."""
    out = []
    for t in texts:
        holders = [s for s in shapes if s.box.contains(t.box, slack_px=2.0)]
        if holders and not (t.text and t.text.rotation_deg):
            t = t.replace(parent_id=min(holders, key=lambda s: s.box.area).id)
        out.append(t)
    return out


def _counts(scene: Scene) -> dict[str, int]:
    """What the final scene holds, by kind."""
    texts, connectors = scene.of_kind(Kind.TEXT), scene.of_kind(Kind.CONNECTOR)
    return {
        "text_labels": len(texts),
        "text_lines": sum(len(e.text.lines) for e in texts if e.text),
        "shapes": len(scene.of_kind(Kind.SHAPE)),
        "connectors": len(connectors),
        "connected_ends": sum((c.connector.source_id is not None) + (c.connector.target_id is not None)
                              for c in connectors if c.connector),
        "icons": len(scene.of_kind(Kind.ICON)),
        "traced_paths": len(scene.of_kind(Kind.TRACE)),
    }


def _text_summary(element: Any) -> dict[str, Any]:
    return {
        "id": element.id,
        "text": element.text.string,
        "box_xyxy": [round(v, 1) for v in element.box.xyxy],
        "font_size_px": element.style.font_size_px,
        "font_weight": element.style.font_weight,
        "font_family": list(element.style.font_family),
        "fill": element.style.fill,
        "anchor": element.text.anchor,
        "rotation_deg": element.text.rotation_deg,
        "confidence": round(element.provenance.confidence, 3),
    }


def _write_debug(out: Path, rgb: np.ndarray, words: list, lifted: np.ndarray, canvas: np.ndarray, scene: Scene) -> None:
    import json

    import cv2

    from crafteditor.model.errors import OutputError
    from crafteditor.model.io import atomic_write

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create debug directory {out}: {exc.strerror}") from exc
    boxes = rgb.copy()
    for w in words:
        pts = np.array(w.quad, dtype=np.int32).reshape(-1, 1, 2)
        cv2.polylines(boxes, [pts], True, (230, 0, 0), 1)
        cv2.circle(boxes, tuple(int(v) for v in w.quad[0]), 3, (0, 160, 0), -1)

    def png(name: str, arr: np.ndarray) -> None:
        ok, data = cv2.imencode(".png", cv2.cvtColor(arr, cv2.COLOR_RGB2BGR) if arr.ndim == 3 else arr)
        if not ok:
            raise OutputError(f"cannot encode debug image {name}")
        atomic_write(out / name, data.tobytes())

    png("ocr_boxes.png", boxes)
    png("text_mask.png", (lifted * 255).astype(np.uint8))
    png("cleaned_canvas.png", canvas)
    atomic_write(out / "scene.json", json.dumps(to_jsonable(scene), indent=1))


def convert_file(
    input_path: str | Path,
    output_path: str | Path,
    *,
    report_path: str | Path | None = None,
    overwrite_input: bool = False,
    **options: Any,
) -> Conversion:
    """Convert a file and write the SVG (and the JSON report) atomically."""
    import json

    from crafteditor.model.io import atomic_write, check_output_path

    check_output_path(output_path, input_path=input_path, overwrite_input=overwrite_input)
    if report_path is not None:
        check_output_path(report_path, input_path=input_path, overwrite_input=False)
    result = convert(Path(input_path), **options)
    atomic_write(output_path, result.svg)
    if report_path is not None:
        report = dict(result.report, output=str(output_path))
        atomic_write(report_path, json.dumps(report, indent=2))
    return result
