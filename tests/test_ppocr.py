"""The PP-OCR models run directly (extraction.ppocr) read as the rapidocr package does.

rapidocr stays installed as the reference: for the same image, both give the
same texts, boxes within a pixel and scores within 0.01.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from extraction import onnx_sessions, ppocr
from extraction.ocr_engines import RAPIDOCR_PARAMS

EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "example_pipeline.png"
BOX_SLACK_PX = 1.0
SCORE_SLACK = 0.01


def variants() -> dict[str, np.ndarray]:
    """The example figure (BGR) and images made from it that take other paths through the
    processing: upscaled, shrunk, a low band (padded above and below), turned a quarter
    (tall boxes), a strip wider than the detector's limit, and a blank page."""
    bgr = cv2.imread(str(EXAMPLE))
    h, w = bgr.shape[:2]
    return {
        "example": bgr,
        "upscaled": cv2.resize(bgr, None, fx=1.6, fy=1.6, interpolation=cv2.INTER_CUBIC),
        "shrunk": cv2.resize(bgr, None, fx=0.45, fy=0.45, interpolation=cv2.INTER_AREA),
        "band": np.ascontiguousarray(bgr[h // 2 - 14: h // 2 + 14]),
        "turned": np.ascontiguousarray(np.rot90(bgr)),
        "wide": np.ascontiguousarray(np.concatenate([bgr] * 4, axis=1)),
        "blank": np.full((300, 400, 3), 255, np.uint8),
    }


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    pytest.importorskip("rapidocr")
    from rapidocr import RapidOCR

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(onnx_sessions.ENV_CACHE_DIR, str(tmp_path_factory.mktemp("cache")))
        direct = ppocr.PpOcr()
    return RapidOCR(params=dict(RAPIDOCR_PARAMS)), direct


def assert_same(ref_txts, ref_scores, ref_boxes, txts, scores, boxes) -> None:
    assert list(txts) == list(ref_txts)
    assert np.allclose(scores, ref_scores, atol=SCORE_SLACK, rtol=0), (scores, ref_scores)
    assert np.asarray(boxes).shape == np.asarray(ref_boxes).reshape(-1, 4, 2).shape
    if len(boxes):
        assert np.abs(np.asarray(boxes, float) - np.asarray(ref_boxes, float)).max() <= BOX_SLACK_PX


@pytest.mark.slow
@pytest.mark.parametrize("name", list(variants()))
def test_reads_images_as_rapidocr_does(engines, name):
    reference, direct = engines
    image = variants()[name]
    expected = reference(image, use_det=True, use_cls=False, use_rec=True)
    got = direct.read(image)
    ref_txts = getattr(expected, "txts", None) or ()
    ref_boxes = getattr(expected, "boxes", None)
    assert_same(ref_txts, getattr(expected, "scores", None) or (),
                np.zeros((0, 4, 2)) if ref_boxes is None else ref_boxes, got.txts, got.scores, got.boxes)
    if name in ("example", "turned"):
        assert len(got.txts) >= 10


@pytest.mark.slow
def test_reads_lines_as_rapidocr_does(engines):
    """Recognition alone, on crops of every size class: tiny (upscaled first), tall, long."""
    reference, direct = engines
    bgr = variants()["example"]
    rng = random.Random(7)
    crops = []
    for box in direct.read(bgr).boxes:
        x0, y0 = np.floor(box.min(axis=0)).astype(int)
        x1, y1 = np.ceil(box.max(axis=0)).astype(int)
        crop = bgr[y0:y1 + 1, x0:x1 + 1]
        crops += [crop, np.rot90(crop, rng.choice([1, -1])), cv2.resize(crop, None, fx=0.5, fy=0.5)]
    crops.append(bgr[100:112, 100:106])  # a sliver of page
    for crop in crops:
        crop = np.ascontiguousarray(crop)
        expected = reference(crop, use_det=False, use_cls=False, use_rec=True)
        text, score = direct.read_line(crop)
        assert text == expected.txts[0] and score == pytest.approx(expected.scores[0], abs=SCORE_SLACK)


def test_polygon_measures_match_shapely():
    from shapely.geometry import Polygon

    rng = np.random.default_rng(3)
    for _ in range(300):
        centre, size = rng.uniform(0, 900, 2), rng.uniform(2, 200, 2)
        rect = cv2.boxPoints((tuple(centre), tuple(size), float(rng.uniform(-90, 90))))
        poly = Polygon(rect)
        assert ppocr._polygon_area(rect) == poly.area and ppocr._polygon_length(rect) == poly.length


def test_the_detector_input_equals_rapidocrs_float64_normalisation():
    every_value = np.arange(256, dtype=np.uint8).repeat(3).reshape(16, 16, 3)
    image = np.concatenate([every_value, every_value[::-1, :, ::-1]], axis=1)  # channels differ
    float64 = (image.astype("float32") * (1 / 255.0) - np.array([0.5] * 3)) / np.array([0.5] * 3)
    expected = np.expand_dims(float64.transpose((2, 0, 1)), axis=0).astype(np.float32)
    tensor = ppocr._det_tensor(image)
    assert tensor.dtype == np.float32 and tensor.flags["C_CONTIGUOUS"]
    assert np.array_equal(tensor, expected)


def test_importing_and_building_skip_the_rapidocr_package(tmp_path):
    code = ("import sys\n"
            "import extraction.ppocr, extraction.onnx_sessions\n"
            "assert not [m for m in ('rapidocr', 'onnxruntime', 'omegaconf', 'pyclipper') if m in sys.modules]\n"
            "from extraction.ocr import get_engine\n"
            "import numpy as np\n"
            "get_engine('rapidocr').read(np.full((64, 64, 3), 255, np.uint8))\n"
            "assert not [m for m in ('rapidocr', 'omegaconf') if m in sys.modules]\n")
    env = {"CRAFTEDITOR_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, env=env)


# ---------------------------------------------------------------- the optimised-graph cache


def run_model(session) -> np.ndarray:
    x = np.random.default_rng(0).uniform(-1, 1, (1, 3, 64, 96)).astype(np.float32)
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def test_the_optimised_graph_is_cached_and_read_back(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("CRAFTEDITOR_CACHE_DIR", str(tmp_path))
    model = ppocr.model_dir() / ppocr.DET_MODEL
    first = onnx_sessions.load_session(model)
    cached = list((tmp_path / "onnx").iterdir())
    assert len(cached) == 1 and cached[0].suffix == ".onnx" and cached[0].stat().st_size > 0  # no temp file left
    second = onnx_sessions.load_session(model)
    assert np.array_equal(run_model(first), run_model(second))


def test_a_bad_cache_falls_back_to_the_bundled_model(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    model = ppocr.model_dir() / ppocr.DET_MODEL
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("CRAFTEDITOR_CACHE_DIR", str(blocker))  # the cache cannot be created
    expected = run_model(onnx_sessions.load_session(model))
    assert blocker.read_text() == "not a directory"
    monkeypatch.setenv("CRAFTEDITOR_CACHE_DIR", str(tmp_path / "cache"))
    onnx_sessions.load_session(model)
    (entry,) = (tmp_path / "cache" / "onnx").iterdir()
    entry.write_bytes(b"truncated")  # a damaged entry is ignored
    assert np.array_equal(run_model(onnx_sessions.load_session(model)), expected)


# ---------------------------------------------------------------- the engine's second reading


def test_a_sure_first_reading_is_never_replaced():
    """What lets the second reading skip the boxes over sure first readings: with scores at
    most 1, nothing beats a reading within ``MERGE_MARGIN`` of 1."""
    from extraction.ocr import OcrWord
    from extraction.ocr_engines import MERGE_MARGIN, _merge

    def word(text, x0, y0, x1, y1, confidence):
        return OcrWord(text, ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), confidence)

    sure, unsure = word("Encoder", 10, 10, 90, 30, 1.0 - MERGE_MARGIN), word("Dec0der", 10, 50, 90, 70, 0.6)
    second = [word("Encodor", 12, 11, 88, 29, 1.0), word("Decoder", 12, 51, 88, 69, 0.95),
              word("x", 200, 10, 210, 20, 0.7)]
    assert _merge([sure, unsure], second) == [sure, second[1], second[2]]


@pytest.mark.slow
def test_the_second_reading_reads_only_where_it_can_change_the_result(tmp_path, monkeypatch):
    from extraction import ocr_engines

    monkeypatch.setenv(onnx_sessions.ENV_CACHE_DIR, str(tmp_path))
    engine = ocr_engines.RapidOcrEngine()
    bgr = cv2.resize(variants()["example"], None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # read upscaled
    rgb = np.ascontiguousarray(bgr[:, :, ::-1])
    first = engine._detect(bgr, ocr_engines.MIN_SIDE_PX / min(bgr.shape[:2]))
    full = ocr_engines._merge(first, engine._detect(bgr, 1.0))  # both readings in full
    expected = sorted((w.text, w.quad) for w in (engine._orient(bgr, w) for w in full))
    read = []
    recognise = engine._ocr.recognise
    monkeypatch.setattr(engine._ocr, "recognise", lambda crops: read.append(len(crops)) or recognise(crops))
    words = engine.read(rgb)
    assert sorted((w.text, w.quad) for w in words) == expected
    assert read[1] < read[0] / 2  # most places were read surely the first time (later calls orient words)


def test_a_thread_count_in_the_environment_limits_each_session(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("CRAFTEDITOR_CACHE_DIR", str(tmp_path))
    model = ppocr.model_dir() / ppocr.DET_MODEL
    default = onnx_sessions.load_session(model)
    monkeypatch.setenv("CRAFTEDITOR_THREADS", "1")
    limited = onnx_sessions.load_session(model)
    assert limited.get_session_options().intra_op_num_threads == 1
    assert default.get_session_options().intra_op_num_threads == 0  # onnxruntime's own choice
    assert np.array_equal(run_model(default), run_model(limited))
    for junk in ("", "zero", "0", "-2"):
        monkeypatch.setenv("CRAFTEDITOR_THREADS", junk)
        assert onnx_sessions.threads_from_env() is None
