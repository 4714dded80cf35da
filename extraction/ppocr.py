"""rapidocr's bundled PP-OCR models run directly on onnxruntime.

rapidocr 3.x parses its YAML configuration with omegaconf on import and on
construction, which costs more than a second per process.  This module runs
the same two ONNX models (the PP-OCRv6 detector and recogniser that the
``rapidocr`` wheel ships) with the same pre- and post-processing, for the
settings ``extraction.ocr_engines`` uses: the detector limited to
``MAX_SIDE_PX`` on the long side, DB post-processing, boxes sorted in reading
order, crops recognised in batches of six at 48 px high, CTC decoding with the
character list stored in the recogniser's metadata.  The models are found
through the ``rapidocr`` package's location without importing it.

Importing this module is cheap: onnxruntime and pyclipper load when a
``PpOcr`` is built.
"""

from __future__ import annotations

import copy
import importlib.util
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
MAX_SIDE_PX = 4000  # the whole image and the detector's input fit their long side in this
MIN_SIDE_PX = 30  # an image is upscaled until its short side is at least this
STRIDE_PX = 32  # the detector's sides are multiples of this
PAD_MIN_HEIGHT_PX = 30  # a band this low, or wider than PAD_WIDTH_RATIO heights, is padded above and below
PAD_WIDTH_RATIO = 8
DB_THRESH = 0.3  # probability that marks a pixel as text
DB_BOX_THRESH = 0.5  # mean probability a box must reach
DB_UNCLIP_RATIO = 1.6
DB_MAX_CANDIDATES = 1000
DB_MIN_SIZE_PX = 3
SORT_LINE_PX = 10  # boxes whose tops are this close in y belong to one line
REC_HEIGHT_PX = 48
REC_MIN_WIDTH_PX = 320
REC_BATCH = 6
TALL_CROP_RATIO = 1.5  # crops at least this tall (h/w) are read a quarter turn counter-clockwise


@dataclass(frozen=True)
class PpOcrResult:
    """Boxes (N x 4 x 2 float32, pixels of the image read, clockwise from the top-left),
    texts and scores; empty tuples when nothing was read."""

    boxes: np.ndarray
    txts: tuple[str, ...]
    scores: tuple[float, ...]


EMPTY = PpOcrResult(np.zeros((0, 4, 2), np.float32), (), ())


@dataclass(frozen=True)
class RecLine:
    """A recognised line crop: its text, score 0..1, and the span ``(x0, x1)`` in the crop's
    pixels, along its width, of the steps that read characters other than spaces
    (``(0, 0)`` when there are none)."""

    text: str
    score: float
    span: tuple[float, float]


NOTHING = RecLine("", 0.0, (0.0, 0.0))


def model_dir() -> Path:
    """The directory of the models bundled with the ``rapidocr`` package (not imported)."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'rapidocr'")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class PpOcr:
    """The detector and recogniser as rapidocr runs them (no angle classifier)."""

    def __init__(self, models: Path | None = None) -> None:
        import pyclipper

        from extraction.onnx_sessions import load_session

        models = model_dir() if models is None else models
        for name in (DET_MODEL, REC_MODEL):
            if not (models / name).is_file():
                raise FileNotFoundError(f"{models / name} is missing")
        self._pyclipper = pyclipper
        self._det = load_session(models / DET_MODEL)
        self._rec = load_session(models / REC_MODEL)
        meta = self._rec.get_modelmeta().custom_metadata_map
        self._chars = ["blank", *meta["character"].splitlines(), " "]

    def read(self, bgr: np.ndarray, wanted: Callable[[np.ndarray], bool] | None = None) -> PpOcrResult:
        """Detect text lines in an HWC uint8 BGR image and read each; boxes in its pixels.

        ``wanted``, given a detected box (4 x 2, the image's pixels), says whether to read it;
        boxes it turns down are left out, unread.
        """
        ori_h, ori_w = bgr.shape[:2]
        img, ratio_h, ratio_w = _within_bounds(bgr)
        img, top = _vertical_padding(img)
        boxes = self._detect(img)
        if len(boxes) == 0:
            return EMPTY
        mapped = boxes.copy()
        mapped[:, :, 1] -= top
        mapped[:, :, 0] *= ratio_w
        mapped[:, :, 1] *= ratio_h
        mapped = np.where(mapped < 0, 0, mapped)
        mapped[..., 0] = np.where(mapped[..., 0] > ori_w, ori_w, mapped[..., 0])
        mapped[..., 1] = np.where(mapped[..., 1] > ori_h, ori_h, mapped[..., 1])
        chosen = [i for i in range(len(boxes)) if wanted is None or wanted(mapped[i])]
        txts, scores = self.recognise([_rotate_crop(img, copy.deepcopy(boxes[i])) for i in chosen])
        keep = [k for k, text in enumerate(txts) if text.strip()]
        if not keep:
            return EMPTY
        return PpOcrResult(np.array([mapped[chosen[k]] for k in keep]), tuple(txts[k] for k in keep),
                           tuple(scores[k] for k in keep))

    def read_line(self, bgr: np.ndarray) -> tuple[str, float]:
        """The text of an image holding one line (no detection), and its score."""
        img, _, _ = _within_bounds(bgr)
        txts, scores = self.recognise([img])
        return txts[0], scores[0]

    # ---------------------------------------------------------------- detection

    def _detect(self, img: np.ndarray) -> np.ndarray:
        """Quads (N x 4 x 2 float32) in ``img``'s pixels, in reading order."""
        height, width = img.shape[:2]
        ratio = MAX_SIDE_PX / max(height, width) if max(height, width) > MAX_SIDE_PX else 1.0
        size_h, size_w = (int(round(int(v * ratio) / STRIDE_PX) * STRIDE_PX) for v in (height, width))
        if size_h <= 0 or size_w <= 0:
            return np.zeros((0, 4, 2), np.float32)
        tensor = _det_tensor(cv2.resize(img, (size_w, size_h)))
        pred = self._det.run(None, {self._det.get_inputs()[0].name: tensor})[0][:, 0, :, :]
        mask = cv2.dilate(np.array(pred[0] > DB_THRESH).astype(np.uint8), np.array([[1, 1], [1, 1]]))
        boxes = self._boxes_from_bitmap(pred[0], mask, width, height)
        kept = []
        for box in boxes:
            box = _order_clockwise(box)
            box[:, 0] = np.clip(box[:, 0], 0, width - 1).astype(np.int32)
            box[:, 1] = np.clip(box[:, 1], 0, height - 1).astype(np.int32)
            if int(np.linalg.norm(box[0] - box[1])) > 3 and int(np.linalg.norm(box[0] - box[3])) > 3:
                kept.append(box)
        return _sorted_boxes(np.array(kept)) if kept else np.zeros((0, 4, 2), np.float32)

    def _boxes_from_bitmap(self, pred: np.ndarray, bitmap: np.ndarray, dest_w: int, dest_h: int) -> list:
        height, width = bitmap.shape
        contours, _ = cv2.findContours((bitmap * 255).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        boxes = []
        for contour in contours[:DB_MAX_CANDIDATES]:
            points, short_side = _mini_box(contour)
            if short_side < DB_MIN_SIZE_PX or _box_score(pred, points.reshape(-1, 2)) < DB_BOX_THRESH:
                continue
            box, short_side = _mini_box(self._unclip(points))
            if short_side < DB_MIN_SIZE_PX + 2:
                continue
            box[:, 0] = np.clip(np.round(box[:, 0] / width * dest_w), 0, dest_w)
            box[:, 1] = np.clip(np.round(box[:, 1] / height * dest_h), 0, dest_h)
            boxes.append(box.astype(np.int32))
        return boxes

    def _unclip(self, box: np.ndarray) -> np.ndarray:
        distance = _polygon_area(box) * DB_UNCLIP_RATIO / _polygon_length(box)
        offset = self._pyclipper.PyclipperOffset()
        offset.AddPath(box, self._pyclipper.JT_ROUND, self._pyclipper.ET_CLOSEDPOLYGON)
        return np.array(offset.Execute(distance)).reshape((-1, 1, 2))

    # ---------------------------------------------------------------- recognition

    def recognise(self, crops: list[np.ndarray]) -> tuple[list[str], list[float]]:
        """Text and score of each line crop (HWC uint8 BGR), batched by width as rapidocr does."""
        lines = self.recognise_lines(crops)
        return [line.text for line in lines], [line.score for line in lines]

    def recognise_lines(self, crops: list[np.ndarray], batch_size: int = REC_BATCH) -> list[RecLine]:
        """``recognise`` with where along each crop its characters were read.

        Crops are read ``batch_size`` at a time, each padded to the widest of its batch (which
        can change a reading a little); ``batch_size=1`` reads every crop as if alone."""
        if not crops:
            return []
        order = np.argsort(np.array([img.shape[1] / float(img.shape[0]) for img in crops]))
        lines = [NOTHING] * len(crops)
        for begin in range(0, len(crops), batch_size):
            batch = [crops[i] for i in order[begin:begin + batch_size]]
            max_ratio = max([REC_MIN_WIDTH_PX / REC_HEIGHT_PX] + [img.shape[1] * 1.0 / img.shape[0] for img in batch])
            tensor = np.concatenate([_rec_tensor(img, max_ratio)[np.newaxis, :] for img in batch]).astype(np.float32)
            preds = self._rec.run(None, {self._rec.get_inputs()[0].name: tensor})[0]
            step_px = tensor.shape[3] / preds.shape[1]  # tensor columns per CTC step
            for k, (text, score, steps) in enumerate(self._decode(preds)):
                img = batch[k]
                to_crop = step_px * img.shape[1] / _rec_width(img, max_ratio)  # crop pixels per step
                span = (0.0, 0.0) if steps is None else (
                    max(0.0, steps[0] * to_crop), min(float(img.shape[1]), (steps[1] + 1) * to_crop))
                lines[order[begin + k]] = RecLine(text, score, span)
        return lines

    def _decode(self, preds: np.ndarray) -> list[tuple[str, float, tuple[int, int] | None]]:
        """Greedy CTC: best class per step, repeats merged, blanks dropped; the score is the mean
        probability of the kept steps, rounded to five places as rapidocr does.  Each reading
        also gives the first and last step of its characters other than spaces (None if none)."""
        indices, probs = preds.argmax(axis=2), preds.max(axis=2)
        out = []
        for tokens, prob in zip(indices, probs):
            keep = np.ones(len(tokens), dtype=bool)
            keep[1:] = tokens[1:] != tokens[:-1]
            keep &= tokens != 0
            confs = [round(c, 5) for c in np.array(prob[keep]).tolist()] or [0]
            inked = [i for i in np.flatnonzero(keep) if not self._chars[tokens[i]].isspace()]
            out.append(("".join(self._chars[t] for t in tokens[keep]), np.mean(confs).round(5).tolist(),
                        (int(inked[0]), int(inked[-1])) if inked else None))
        return out


# ---------------------------------------------------------------- geometry shared with rapidocr


def _within_bounds(img: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The image with its long side at most ``MAX_SIDE_PX`` and its short side at least
    ``MIN_SIDE_PX`` (sides rounded to the stride when resized), and the ratios back."""
    ratio_h = ratio_w = 1.0
    if max(img.shape[:2]) > MAX_SIDE_PX:
        img, ratio_h, ratio_w = _resize_side(img, MAX_SIDE_PX / max(img.shape[:2]))
    if min(img.shape[:2]) < MIN_SIDE_PX:
        img, ratio_h, ratio_w = _resize_side(img, MIN_SIDE_PX / min(img.shape[:2]))
    return img, ratio_h, ratio_w


def _resize_side(img: np.ndarray, ratio: float) -> tuple[np.ndarray, float, float]:
    h, w = img.shape[:2]
    size_h, size_w = (int(round(int(v * ratio) / STRIDE_PX) * STRIDE_PX) for v in (h, w))
    if size_h <= 0 or size_w <= 0:
        raise ValueError(f"an image of {w}x{h} px cannot be resized for OCR")
    return cv2.resize(img, (size_w, size_h)), h / size_h, w / size_w


def _vertical_padding(img: np.ndarray) -> tuple[np.ndarray, int]:
    """A low or very wide band padded with black above and below; returns the image and the top pad."""
    h, w = img.shape[:2]
    if h > PAD_MIN_HEIGHT_PX and w / h <= PAD_WIDTH_RATIO:
        return img, 0
    pad = int(abs(max(int(w / PAD_WIDTH_RATIO), PAD_MIN_HEIGHT_PX) * 2 - h) / 2)
    return cv2.copyMakeBorder(img, pad, pad, 0, 0, cv2.BORDER_CONSTANT, value=(0, 0, 0)), pad


def _mini_box(contour: np.ndarray) -> tuple[np.ndarray, float]:
    """The minimum-area rectangle's corners from the top-left, clockwise, and its short side."""
    rect = cv2.minAreaRect(contour)
    points = sorted(list(cv2.boxPoints(rect)), key=lambda p: p[0])
    first, fourth = (0, 1) if points[1][1] > points[0][1] else (1, 0)
    second, third = (2, 3) if points[3][1] > points[2][1] else (3, 2)
    return np.array([points[first], points[second], points[third], points[fourth]]), min(rect[1])


def _box_score(pred: np.ndarray, box: np.ndarray) -> float:
    """Mean probability inside the box."""
    h, w = pred.shape[:2]
    box = box.copy()
    xmin = np.clip(np.floor(box[:, 0].min()).astype(np.int32), 0, w - 1)
    xmax = np.clip(np.ceil(box[:, 0].max()).astype(np.int32), 0, w - 1)
    ymin = np.clip(np.floor(box[:, 1].min()).astype(np.int32), 0, h - 1)
    ymax = np.clip(np.ceil(box[:, 1].max()).astype(np.int32), 0, h - 1)
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), dtype=np.uint8)
    box[:, 0] -= xmin
    box[:, 1] -= ymin
    cv2.fillPoly(mask, box.reshape(1, -1, 2).astype(np.int32), 1)
    return cv2.mean(pred[ymin:ymax + 1, xmin:xmax + 1], mask)[0]


def _polygon_area(points: np.ndarray) -> float:
    """Area of a closed polygon, summed as GEOS sums it (shapely's ``Polygon.area``)."""
    xs, ys = [float(p[0]) for p in points], [float(p[1]) for p in points]
    xs.append(xs[0])
    ys.append(ys[0])
    total = 0.0
    for i in range(1, len(xs) - 1):
        total += (xs[i] - xs[0]) * (ys[i - 1] - ys[i + 1])
    return abs(total / 2.0)


def _polygon_length(points: np.ndarray) -> float:
    """Perimeter of a closed polygon (shapely's ``Polygon.length``)."""
    pts = [(float(p[0]), float(p[1])) for p in points]
    pts.append(pts[0])
    return sum(math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2) for (x0, y0), (x1, y1) in zip(pts, pts[1:]))


def _order_clockwise(pts: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left (float32)."""
    by_x = pts[np.argsort(pts[:, 0]), :]
    left, right = by_x[:2, :], by_x[2:, :]
    top_left, bottom_left = left[np.argsort(left[:, 1]), :]
    top_right, bottom_right = right[np.argsort(right[:, 1]), :]
    return np.array([top_left, top_right, bottom_right, bottom_left], dtype="float32")


def _sorted_boxes(boxes: np.ndarray) -> np.ndarray:
    """Top to bottom (stable), then left to right within lines of tops ``SORT_LINE_PX`` apart."""
    y_order = np.argsort(boxes[:, 0, 1], kind="stable")
    by_y = boxes[y_order]
    lines = np.concatenate([[0], np.cumsum((np.diff(by_y[:, 0, 1]) >= SORT_LINE_PX).astype(np.int32))])
    return by_y[np.lexsort((by_y[:, 0, 0], lines))]


def _rotate_crop(img: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The quad's content as an upright rectangle, turned a quarter counter-clockwise when tall."""
    width = int(max(np.linalg.norm(points[0] - points[1]), np.linalg.norm(points[2] - points[3])))
    height = int(max(np.linalg.norm(points[0] - points[3]), np.linalg.norm(points[1] - points[2])))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]]).astype(np.float32)
    crop = cv2.warpPerspective(img, cv2.getPerspectiveTransform(points, target), (width, height),
                               borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    return np.rot90(crop) if crop.shape[0] * 1.0 / crop.shape[1] >= TALL_CROP_RATIO else crop


def _det_tensor(seen: np.ndarray) -> np.ndarray:
    """An HWC uint8 image as the detector's 1 x C x H x W float32 input, normalised to -1..1.

    Computed in float32 in place: ``(v / 255 - 0.5) / 0.5`` rounds to the same float32 values
    as rapidocr's float64 arithmetic (the subtraction and the halving are exact in float64,
    so rounding once to float32 at the end equals float32's correctly rounded subtraction),
    with a fraction of the memory traffic."""
    tensor = seen.transpose((2, 0, 1)).astype(np.float32, order="C")
    tensor *= np.float32(1 / 255.0)
    tensor -= np.float32(0.5)
    tensor /= np.float32(0.5)
    return tensor[np.newaxis]


def _rec_width(img: np.ndarray, max_ratio: float) -> int:
    """The width a crop is resized to at the recogniser's height, in a batch of ``max_ratio``."""
    width = int(REC_HEIGHT_PX * max_ratio)
    h, w = img.shape[:2]
    ratio = w / float(h)
    return width if math.ceil(REC_HEIGHT_PX * ratio) > width else int(math.ceil(REC_HEIGHT_PX * ratio))


def _rec_tensor(img: np.ndarray, max_ratio: float) -> np.ndarray:
    """A crop resized to the recogniser's height, normalised to -1..1, padded right with zeros
    to the batch's width."""
    width = int(REC_HEIGHT_PX * max_ratio)
    resized_w = _rec_width(img, max_ratio)
    resized = cv2.resize(img, (resized_w, REC_HEIGHT_PX)).astype("float32").transpose((2, 0, 1)) / 255
    resized -= 0.5
    resized /= 0.5
    padded = np.zeros((3, REC_HEIGHT_PX, width), dtype=np.float32)
    padded[:, :, 0:resized_w] = resized
    return padded
