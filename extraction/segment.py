"""Segmentation backends: where the candidate shape interiors come from.

The default is OpenCV's flat-region labelling (``regions.find_regions``),
which needs nothing more.  ``segment-anything`` is optional: it needs the
package, torch, and a checkpoint file the user supplies (no package ships
SAM weights).  Its masks enter through ``from_sam`` only, which reads SAM's
documented ``SamAutomaticMaskGenerator.generate`` output (a list of dicts
with a ``segmentation`` HW bool mask and an XYWH ``bbox`` in image pixels).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from crafteditor.model.errors import EngineUnavailable, InputError
from extraction.regions import MIN_AREA_PX, Region

SEGMENTERS = ("opencv", "sam")
SAM_MODELS = ("vit_b", "vit_l", "vit_h")


class Segmenter(Protocol):
    """Proposes shape interiors for an HWC uint8 RGB canvas; None means use the flat regions."""

    name: str

    def interiors(self, rgb: np.ndarray) -> tuple[Region, ...] | None: ...


class OpenCvSegmenter:
    name = "opencv"

    def interiors(self, rgb: np.ndarray) -> tuple[Region, ...] | None:
        return None  # the flat regions the grounding labels itself


def from_sam(masks: Sequence[dict[str, Any]], rgb: np.ndarray) -> tuple[Region, ...]:
    """SAM automatic masks (``segmentation`` HW bool, ``bbox`` XYWH in the pixels of
    ``rgb``) as regions; masks covering nearly the whole image (the page) are dropped."""
    h, w = rgb.shape[:2]
    out = []
    for m in masks:
        seg = np.asarray(m["segmentation"], dtype=bool)
        if seg.shape != (h, w):
            raise ValueError(f"SAM mask is {seg.shape[1]}x{seg.shape[0]}, the image {w}x{h}")
        bx, by, bw, bh = (int(round(float(v))) for v in m["bbox"])
        x0, y0 = max(bx, 0), max(by, 0)
        x1, y1 = min(bx + bw + 1, w), min(by + bh + 1, h)
        crop = seg[y0:y1, x0:x1]
        area = int(crop.sum())
        if area < MIN_AREA_PX or area >= 0.9 * h * w or x1 - x0 < 5 or y1 - y0 < 5:
            continue
        colour = tuple(float(c) for c in np.median(rgb[y0:y1, x0:x1][crop], axis=0))
        out.append(Region((x0, y0, x1, y1), crop, colour, area))  # type: ignore[arg-type]
    return tuple(out)


class SamSegmenter:
    """segment-anything's automatic mask generator over a user-supplied checkpoint."""

    name = "sam"

    def __init__(self, checkpoint: str | Path, model: str | None = None, generator: Any = None) -> None:
        self.checkpoint = Path(checkpoint)
        self.model = model or _model_from_name(self.checkpoint)
        self._generator = generator

    def _load(self) -> Any:
        try:
            from segment_anything import SamAutomaticMaskGenerator, sam_model_registry
        except ImportError as exc:
            raise EngineUnavailable(
                "segment-anything is not installed: pip install 'crafteditor[sam]' (it needs torch)") from exc
        try:
            sam = sam_model_registry[self.model](checkpoint=str(self.checkpoint))
        except Exception as exc:  # a wrong or damaged checkpoint: torch says why
            raise InputError(f"cannot load SAM checkpoint {self.checkpoint} as {self.model}: "
                             f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
        return SamAutomaticMaskGenerator(sam, output_mode="binary_mask")

    def interiors(self, rgb: np.ndarray) -> tuple[Region, ...] | None:
        if self._generator is None:
            self._generator = self._load()
        return from_sam(self._generator.generate(rgb), rgb)


def _model_from_name(path: Path) -> str:
    for model in SAM_MODELS:
        if model in path.name:
            return model
    return "vit_b"


def get_segmenter(name: str = "opencv", checkpoint: str | Path | None = None, model: str | None = None) -> Segmenter:
    """The segmenter called ``name``; SAM needs an existing ``checkpoint`` file."""
    if name == "opencv":
        return OpenCvSegmenter()
    if name != "sam":
        raise InputError(f"unknown segmenter {name!r}: choose one of {', '.join(SEGMENTERS)}")
    if checkpoint is None:
        raise InputError("--segmenter sam needs --sam-checkpoint PATH (a segment-anything checkpoint you supply)")
    path = Path(checkpoint)
    if not path.is_file():
        raise InputError(f"SAM checkpoint not found: {path}")
    if model is not None and model not in SAM_MODELS:
        raise InputError(f"unknown SAM model {model!r}: choose one of {', '.join(SAM_MODELS)}")
    return SamSegmenter(path, model)
