"""Simple peers scored in the same run: trace everything, or embed the PNG.

A converter is any callable taking an HWC uint8 RGB image and returning an
object with ``.svg`` (str or bytes) and optionally ``.report`` (a dict with
``"timings_s"``), or the SVG itself.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crafteditor.bench.cases import encode_png

Converter = Callable[[np.ndarray], Any]


@dataclass(frozen=True, slots=True)
class BaselineOutput:
    svg: str
    report: dict[str, Any] = field(default_factory=dict)


def embed(image_rgb: np.ndarray) -> BaselineOutput:
    """The PNG embedded as one ``<image>`` covering the canvas."""
    start = time.perf_counter()
    h, w = image_rgb.shape[:2]
    data = base64.b64encode(encode_png(image_rgb)).decode("ascii")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
        f'<image x="0" y="0" width="{w}" height="{h}" href="data:image/png;base64,{data}"/></svg>'
    )
    return BaselineOutput(svg, {"timings_s": {"embed": time.perf_counter() - start}})


def vtracer_trace(image_rgb: np.ndarray) -> BaselineOutput:
    """vtracer's default colour tracing of the whole image into paths (no text)."""
    import vtracer

    start = time.perf_counter()
    svg = vtracer.convert_raw_image_to_svg(encode_png(image_rgb), img_format="png")
    return BaselineOutput(svg, {"timings_s": {"vtracer": time.perf_counter() - start}})


BASELINES: dict[str, Converter] = {"vtracer": vtracer_trace, "embed": embed}


def svg_of(result: Any) -> bytes:
    """The SVG bytes of a converter's result (``.svg`` attribute, str or bytes)."""
    svg = getattr(result, "svg", result)
    if isinstance(svg, str):
        return svg.encode("utf-8")
    if isinstance(svg, bytes):
        return svg
    raise TypeError(f"converter returned {type(result).__name__} without an SVG string")


def timings_of(result: Any) -> dict[str, float]:
    report = getattr(result, "report", None)
    timings = report.get("timings_s", {}) if isinstance(report, dict) else {}
    return {str(k): float(v) for k, v in timings.items() if isinstance(v, (int, float))}
