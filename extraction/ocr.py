"""OCR engines behind one small protocol.

Foreign outputs enter only through ``from_*`` adapters that name their
coordinate space; everything past this module sees ``OcrWord``.  The engines
themselves live in ``extraction.ocr_engines`` (heavy imports happen there, and
only when an engine is built); ``read_text`` adds the rotated-text pass of
``extraction.ocr_vertical`` and drops readings of non-text marks.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from crafteditor.model.scene import Box

Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]

ENGINE_NAMES = ("rapidocr", "tesseract", "easyocr")
DEFAULT_MIN_CONFIDENCE = 0.5
# Readings made only of these are marks (dashed lines, bullets, arrowheads), not text; the
# CJK ones are what rapidocr's Chinese-English models make of arrowheads and line ends.
_MARK_CHARS = set("-‐‑‒–—―_|¦·•●○◦▪▫■□◆◇▲△▼▽►◄→←↑↓~.,:;'\"`^") | set("一丨丶丿个丫人八十ー～")


@dataclass(frozen=True, slots=True)
class OcrWord:
    """A run of text read by an engine (a word or a line, whatever the engine returns).

    ``quad`` is in source pixels, in reading order: top-left, top-right,
    bottom-right, bottom-left of the text as it reads (so for text rotated
    90 degrees counter-clockwise, the first corner is the bottom-left one on
    the page).
    """

    text: str
    quad: Quad
    confidence: float

    @property
    def box(self) -> Box:
        return Box.from_points(self.quad)

    @property
    def angle_deg(self) -> float:
        """Reading direction, degrees clockwise from +x (SVG convention)."""
        (x0, y0), (x1, y1) = self.quad[0], self.quad[1]
        return math.degrees(math.atan2(y1 - y0, x1 - x0))


class OcrEngine(Protocol):
    """An OCR backend.  It may also set ``min_confidence`` (0..1, default 0.5):
    the confidence under which ``read_text`` drops its readings."""

    name: str

    def read(self, image_rgb: np.ndarray) -> list[OcrWord]:
        """Read text from an HWC uint8 RGB image; quads in that image's pixels."""
        ...


@runtime_checkable
class LineReader(Protocol):
    """An engine that can also read images already known to hold one line of text each,
    without looking for text in them first (recognition alone).  Optional: passes that
    read located lines use it when an engine offers it."""

    def read_lines(self, lines_rgb: Sequence[np.ndarray]) -> list[OcrWord | None]:
        """Per HWC uint8 RGB image, the text it reads as one line, left to right, with a quad
        in that image's pixels spanning the characters read (its full height), or None when
        it reads nothing."""
        ...


# ---------------------------------------------------------------- adapters


def _clip_quad(points: Iterable[Sequence[float]], image_wh: tuple[int, int], scale: float = 1.0) -> Quad:
    width, height = image_wh
    pts = [(min(max(float(p[0]) / scale, 0.0), float(width)), min(max(float(p[1]) / scale, 0.0), float(height)))
           for p in points]
    if len(pts) != 4:
        raise ValueError(f"a quad needs 4 points, got {len(pts)}")
    return (pts[0], pts[1], pts[2], pts[3])


def _rect_quad(xyxy: Sequence[float]) -> list[tuple[float, float]]:
    x0, y0, x1, y1 = (float(v) for v in xyxy)
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def from_rapidocr(result: Any, image_wh: tuple[int, int], *, scale: float = 1.0) -> list[OcrWord]:
    """Words from a rapidocr 3.x ``RapidOCROutput`` (``boxes`` N x 4 x 2, ``txts``, ``scores``).

    Boxes are in pixels of the image given to rapidocr, which is the source
    image (``image_wh``) scaled by ``scale``; corners run clockwise from the
    page top-left.  That is the reading order for horizontal text;
    ``RapidOcrEngine`` re-orders the corners of vertical text.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    boxes, txts, scores = (getattr(result, key, None) for key in ("boxes", "txts", "scores"))
    if boxes is None or txts is None or scores is None:
        return []
    return from_ppocr(boxes, txts, scores, image_wh, scale=scale)


def from_ppocr(boxes: Any, txts: Sequence[str], scores: Sequence[float], image_wh: tuple[int, int], *,
               scale: float = 1.0) -> list[OcrWord]:
    """Words from PP-OCR's plain outputs (``extraction.ppocr``, and rapidocr's fields):
    ``boxes`` N x 4 x 2 in pixels of the source image (``image_wh``) scaled by ``scale``,
    corners clockwise from the page top-left, with their texts and scores 0..1."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    words = []
    for box, text, score in zip(boxes, txts, scores):
        if text and text.strip():
            words.append(OcrWord(text.strip(), _clip_quad(box, image_wh, scale), float(score)))
    return words


def from_tesseract(
    words: Iterable[tuple[str, Sequence[float], float]], image_wh: tuple[int, int], *, scale: float = 1.0
) -> list[OcrWord]:
    """Words from tesseract's word-level result iterator.

    Each item is ``(GetUTF8Text(RIL.WORD), BoundingBox(RIL.WORD), Confidence(RIL.WORD))``:
    the text, ``(x0, y0, x1, y1)`` in pixels of the image tesseract saw, which is
    the source image (``image_wh``) scaled by ``scale``, and a confidence 0..100.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out = []
    for text, xyxy, conf in words:
        if text and text.strip():
            quad = _clip_quad(_rect_quad(xyxy), image_wh, scale)
            out.append(OcrWord(text.strip(), quad, min(max(float(conf) / 100.0, 0.0), 1.0)))
    return out


def from_easyocr(
    result: Iterable[tuple[Sequence[Sequence[float]], str, float]], image_wh: tuple[int, int]
) -> list[OcrWord]:
    """Words from ``easyocr.Reader.readtext(..., detail=1)``: ``[(4 points, text, confidence 0..1), ...]``.

    Points are in pixels of the image given to easyocr (``image_wh``), clockwise
    from the top-left of the text.
    """
    out = []
    for points, text, conf in result:
        if text and text.strip():
            out.append(OcrWord(text.strip(), _clip_quad(points, image_wh), float(conf)))
    return out


# ---------------------------------------------------------------- filtering


def is_word_char(ch: str) -> bool:
    """A letter or digit of an alphabetic script (Latin, Greek, Cyrillic...), not a CJK ideograph."""
    return ch.isalnum() and ord(ch) < 0x2E80 and unicodedata.category(ch)[0] in "LN"


def is_text_reading(word: OcrWord, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> bool:
    """False for low-confidence readings and for readings of marks rather than text.

    A single character must be a letter or digit ("A", "x", "1", "α"); a longer
    reading must not be made only of dashes, bullets and similar marks.
    """
    text = word.text.strip()
    if word.confidence < min_confidence or not text:
        return False
    if len(text) == 1:
        return is_word_char(text)
    return not all(ch in _MARK_CHARS or ch.isspace() for ch in text)


def reading_order(words: Iterable[OcrWord]) -> list[OcrWord]:
    """Sort top to bottom, then left to right within a line (centres within half a line height)."""
    items = sorted(words, key=lambda w: w.box.center[1])
    lines: list[list[OcrWord]] = []
    for w in items:
        cy, h = w.box.center[1], min(w.box.height, w.box.width) or 1.0
        if lines and abs(lines[-1][-1].box.center[1] - cy) <= 0.5 * h:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [w for line in lines for w in sorted(line, key=lambda w: w.box.x0)]


# ---------------------------------------------------------------- entry points


def get_engine(name: str = "rapidocr") -> OcrEngine:
    """The engine called ``name`` ("rapidocr", "tesseract", "easyocr"), built once and cached.

    Raises ``ValueError`` for an unknown name and ``EngineUnavailable`` when
    the engine's package or data is not installed.
    """
    if name not in ENGINE_NAMES:
        raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
    return _build_engine(name)


@functools.lru_cache(maxsize=None)
def _build_engine(name: str) -> OcrEngine:
    from extraction import ocr_engines

    return ocr_engines.ENGINES[name]()


def read_text(image_rgb: np.ndarray, engine: OcrEngine) -> list[OcrWord]:
    """Every text reading in an HWC uint8 RGB image, quads in its pixels, in reading order.

    Runs the engine, drops readings of marks and low-confidence ones, then
    reads text-like ink that no reading covers as vertical text (both ways)
    and adds what reads well.
    """
    from extraction.ocr_vertical import read_uncovered_vertical

    if image_rgb.ndim != 3 or image_rgb.shape[2] != 3 or image_rgb.dtype != np.uint8:
        raise ValueError(f"expected an HWC uint8 RGB image, got {image_rgb.dtype} {image_rgb.shape}")
    min_conf = float(getattr(engine, "min_confidence", DEFAULT_MIN_CONFIDENCE))
    words = [w for w in engine.read(image_rgb) if is_text_reading(w, min_conf)]
    extra = [w for w in read_uncovered_vertical(image_rgb, engine, words) if is_text_reading(w, min_conf)]
    return reading_order(words + extra)
