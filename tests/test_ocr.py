"""OCR: the adapters on documented output formats, the filters, and the engines on rendered text."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from crafteditor.model.errors import EngineUnavailable
from crafteditor.model.scene import Box
from extraction import ocr_engines, ocr_vertical
from extraction.ocr import (
    LineReader,
    OcrWord,
    from_easyocr,
    from_rapidocr,
    from_tesseract,
    get_engine,
    is_text_reading,
    read_text,
    reading_order,
)

FONT_DIR = Path("/usr/share/fonts/truetype")
DEJAVU = FONT_DIR / "dejavu" / "DejaVuSans.ttf"
LIBERATION = FONT_DIR / "liberation2" / "LiberationSans-Regular.ttf"
FONTS = [pytest.param(DEJAVU, id="dejavu"),
         pytest.param(LIBERATION, id="liberation",
                      marks=pytest.mark.skipif(not LIBERATION.exists(), reason="fonts-liberation2 not installed"))]
WORDS = ["Encoder", "Decoder", "Attention", "Softmax", "Embedding", "Residual", "Projection", "Pooling"]
CENTRE_SLACK_PX = 3  # engine boxes are centred on the ink ...
EDGE_SLACK = 0.5  # ... and looser than it by up to half the line height (plus 2 px) on each side


def quad(x0: float, y0: float, x1: float, y1: float):
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def close(box, xyxy) -> bool:
    """``box`` (an engine's) sits on the ink box ``xyxy``: same centre, edges a little outside."""
    x0, y0, x1, y1 = xyxy
    slack = 2 + EDGE_SLACK * min(x1 - x0, y1 - y0)
    cx, cy = box.center
    return (abs(cx - (x0 + x1) / 2) <= CENTRE_SLACK_PX and abs(cy - (y0 + y1) / 2) <= CENTRE_SLACK_PX
            and all(abs(a - b) <= slack for a, b in zip(box.xyxy, xyxy)))


def rotated_label(text: str, font: ImageFont.FreeTypeFont, angle: int) -> Image.Image:
    """Black text on a transparent tile, turned ``angle`` degrees counter-clockwise (PIL convention)."""
    left, top, right, bottom = font.getbbox(text)
    tile = Image.new("RGBA", (right + 4, bottom + 4), (255, 255, 255, 0))
    ImageDraw.Draw(tile).text((2, 2), text, font=font, fill="black")
    return tile.rotate(angle, expand=True)


def paste_ink_box(page: Image.Image, tile: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int, int]:
    """Paste ``tile`` at ``xy``; return the page box of its ink."""
    page.paste(tile, xy, tile)
    ys, xs = np.nonzero(np.asarray(tile)[:, :, 3] > 60)
    return (xy[0] + int(xs.min()), xy[1] + int(ys.min()), xy[0] + int(xs.max()) + 1, xy[1] + int(ys.max()) + 1)


def diagram(font_path: Path, seed: int) -> tuple[np.ndarray, list[tuple[str, tuple[int, int, int, int]]]]:
    """Labels in bordered boxes, a few small free labels and arrows; returns the image and (word, ink box)."""
    rng = random.Random(seed)
    page = Image.new("RGB", (900, 420), "white")
    draw = ImageDraw.Draw(page)
    truth = []
    for i, word in enumerate(rng.sample(WORDS, 6)):
        font = ImageFont.truetype(str(font_path), rng.choice([12, 14, 16, 20]))
        x, y = 60 + (i % 3) * 280, 50 + (i // 3) * 180
        ink = draw.textbbox((x, y), word, font=font)
        if i % 2 == 0:
            draw.rectangle((ink[0] - 18, ink[1] - 14, ink[2] + 18, ink[3] + 14), outline="#333333", width=2,
                           fill="#dae8fc")
            draw.text((x, y), word, font=font, fill="black")
        else:
            draw.text((x, y), word, font=font, fill="#222222")
        truth.append((word, ink))
        draw.line((ink[2] + 30, y + 8, ink[2] + 120, y + 8), fill="#555555", width=2)
        draw.polygon([(ink[2] + 120, y + 3), (ink[2] + 130, y + 8), (ink[2] + 120, y + 13)], fill="#555555")
    return np.asarray(page).copy(), truth


# ---------------------------------------------------------------- adapters


def test_from_rapidocr_reads_the_documented_output():
    from rapidocr.utils.output import RapidOCROutput

    boxes = np.array([[[10, 20], [110, 20], [110, 44], [10, 44]],
                      [[50, 60], [80, 60], [80, 70], [50, 70]],
                      [[190, 90], [230, 90], [230, 130], [190, 130]]], dtype=np.float32)
    result = RapidOCROutput(boxes=boxes, txts=("Encoder", "  ", "x"), scores=(0.99, 0.9, 0.7))
    words = from_rapidocr(result, (200, 120))
    assert [w.text for w in words] == ["Encoder", "x"]
    assert words[0].quad == quad(10, 20, 110, 44) and words[0].confidence == pytest.approx(0.99)
    assert words[1].box.xyxy == (190, 90, 200, 120)  # clipped to the image
    assert from_rapidocr(RapidOCROutput(), (200, 120)) == []
    half = from_rapidocr(result, (100, 60), scale=2.0)  # rapidocr saw the image at twice its size
    assert half[0].quad == quad(5, 10, 55, 22) and half[1].box.xyxy == (95, 45, 100, 60)


def test_from_tesseract_maps_scaled_boxes_back():
    found = [("Attention", (40, 20, 240, 60), 96.0), ("", (0, 0, 5, 5), 90.0), (" \n", (1, 1, 2, 2), 95.0),
             ("x2", (300, 100, 340, 140), 42.5)]
    words = from_tesseract(found, (400, 300), scale=2.0)
    assert [w.text for w in words] == ["Attention", "x2"]
    assert words[0].quad == quad(20, 10, 120, 30)
    assert words[0].confidence == pytest.approx(0.96) and words[1].confidence == pytest.approx(0.425)
    assert words[0].angle_deg == 0.0
    with pytest.raises(ValueError):
        from_tesseract(found, (400, 300), scale=0)


def test_from_easyocr_reads_the_documented_output():
    result = [
        ([[10, 12], [90, 12], [90, 30], [10, 30]], "Softmax", 0.93),
        (np.array([[5, 200], [5, 100], [25, 100], [25, 200]], np.int32), "Loss", 0.81),
        ([[0, 0], [4, 0], [4, 4], [0, 4]], "", 0.99),
    ]
    words = from_easyocr(result, (300, 250))
    assert [w.text for w in words] == ["Softmax", "Loss"]
    assert words[0].box.xyxy == (10, 12, 90, 30)
    assert words[1].angle_deg == pytest.approx(-90)  # its first edge runs up the page
    assert words[1].box.xyxy == (5, 100, 25, 200)


@pytest.mark.parametrize(
    ("text", "confidence", "kept"),
    [("A", 0.9, True), ("x", 0.8, True), ("1", 0.7, True), ("α", 0.9, True), ("x2", 0.9, True),
     ("(%)", 0.9, True), ("Encoder", 0.49, False), ("●", 0.9, False), ("中", 0.9, False),
     ("一", 0.95, False), ("×", 0.9, False), ("—", 0.9, False), ("...", 0.9, False), ("- -", 0.9, False),
     ("个个", 0.9, False), ("1.5", 0.9, True)],
)
def test_is_text_reading(text, confidence, kept):
    assert is_text_reading(OcrWord(text, quad(0, 0, 10, 10), confidence)) is kept


def test_reading_order_is_lines_then_x():
    words = [OcrWord("c", quad(10, 50, 30, 62), 1), OcrWord("b", quad(60, 11, 90, 23), 1),
             OcrWord("a", quad(5, 10, 40, 22), 1), OcrWord("d", quad(50, 52, 70, 61), 1)]
    assert [w.text for w in reading_order(words)] == ["a", "b", "c", "d"]


# ---------------------------------------------------------------- engines: selection and errors


def test_get_engine_rejects_unknown_names():
    with pytest.raises(ValueError, match="rapidocr"):
        get_engine("magic")


@pytest.mark.parametrize(
    ("name", "module", "hint"),
    [("tesseract", "tesserocr", "pip install 'crafteditor[tesseract]'"),
     ("easyocr", "easyocr", "pip install 'crafteditor[easyocr]'"),
     ("rapidocr", "rapidocr", "pip install 'rapidocr")],
)
def test_missing_engine_package_says_how_to_install(monkeypatch, name, module, hint):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(EngineUnavailable) as info:
        ocr_engines.ENGINES[name]()
    message = str(info.value)
    assert hint in message and "\n" not in message
    if name == "tesseract":
        assert "apt-get install tesseract-ocr libtesseract-dev" in message


def test_importing_stays_light():
    code = ("import sys, crafteditor, extraction.ocr, extraction.ocr_engines, extraction.ocr_vertical\n"
            "heavy = [m for m in ('rapidocr', 'onnxruntime', 'torch', 'tesserocr', 'easyocr') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# ---------------------------------------------------------------- read_text with a scripted engine


class ScriptedEngine:
    """Returns fixed readings and counts its calls (goes through read_text's real filtering)."""

    name = "scripted"

    def __init__(self, words: list[OcrWord]) -> None:
        self.words, self.calls = words, 0

    def read(self, image_rgb: np.ndarray) -> list[OcrWord]:
        self.calls += 1
        return list(self.words)


def test_read_text_filters_marks_and_skips_the_vertical_pass_on_clean_pages():
    engine = ScriptedEngine([OcrWord("Decoder", quad(100, 80, 180, 100), 0.98),
                             OcrWord("中", quad(10, 10, 20, 20), 0.7), OcrWord("A", quad(20, 80, 32, 96), 0.95),
                             OcrWord("noise", quad(200, 10, 240, 20), 0.3)])
    words = read_text(np.full((200, 300, 3), 255, np.uint8), engine)
    assert [w.text for w in words] == ["A", "Decoder"]
    assert engine.calls == 1  # nothing uncovered: no second engine call
    with pytest.raises(ValueError):
        read_text(np.zeros((20, 20), np.uint8), engine)


@pytest.mark.parametrize("turn", [-1, 1])
@pytest.mark.parametrize("xy", [(20, 10), (35, 10), (24, 99), (30, 57)])
def test_vertical_canvas_maps_points_back_to_the_page(turn, xy):
    page = np.zeros((120, 90, 3), np.uint8)
    page[xy[1], xy[0]] = (255, 0, 0)  # one marked pixel inside the group
    canvas, slots = ocr_vertical._canvas(page, [Box(20, 10, 36, 100)])
    slot = next(s for s in slots if s.turn == turn)
    marks = [(x, y) for y, x in np.argwhere((canvas == (255, 0, 0)).all(axis=2)) if slot.contains(x + 0.5, y + 0.5)]
    assert len(marks) == 1
    x, y = marks[0]
    assert slot.to_page(x + 0.5, y + 0.5) == pytest.approx((xy[0] + 0.5, xy[1] + 0.5))


@pytest.mark.parametrize("count", [3, 40])
def test_vertical_crops_fill_the_canvas_in_columns_kept_a_gap_apart(count):
    page = np.full((400, 1200, 3), 255, np.uint8)
    groups = [Box(20 + 28 * i, 20 + (i % 3) * 100, 34 + 28 * i, 110 + (i % 3) * 100) for i in range(count)]
    canvas, slots = ocr_vertical._canvas(page, groups)
    gap = ocr_vertical.GAP_PX
    stacked = gap + sum(s.size_wh[1] + gap for s in slots)  # every crop in one column
    assert canvas.shape[1] == ocr_vertical.CANVAS_MIN_PX
    if stacked <= ocr_vertical.CANVAS_MIN_PX:
        assert {s.x for s in slots} == {gap} and canvas.shape[0] == ocr_vertical.CANVAS_MIN_PX
    else:
        assert len({s.x for s in slots}) > 1 and canvas.shape[0] < stacked / 2
    rects = [(s.x, s.y, s.x + s.size_wh[0], s.y + s.size_wh[1]) for s in slots]
    assert all(x1 <= canvas.shape[1] and y1 <= canvas.shape[0] for _, _, x1, y1 in rects)
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert max(b[0] - a[2], a[0] - b[2]) >= gap or max(b[1] - a[3], a[1] - b[3]) >= gap


def test_border_removal_keeps_glyphs_and_drops_box_edges():
    page = Image.new("RGB", (300, 120), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((20, 20, 280, 100), outline="black", width=2)
    draw.text((60, 45), "Pooling", font=ImageFont.truetype(str(DEJAVU), 24), fill="black")
    gray = ocr_engines.text_only_gray(np.asarray(page))
    assert (gray[20:22, 20:281] > 200).all() and (gray[20:101, 20:22] > 200).all()  # borders gone
    assert (gray[40:80, 55:160] < 100).sum() > 200  # text stays


@pytest.mark.parametrize("hw", [(1, 5000), (5000, 1), (3, 9000), (1, 1), (2, 2), (3, 40), (40, 3), (60, 20000)])
def test_strips_are_padded_until_rapidocr_can_size_them(hw):
    """rapidocr fits the long side in 4000 px and rounds sides to 32 px: a strip's short side
    rounded to nothing (ResizeImgError).  Padded, every shape passes its own preprocessing."""
    pytest.importorskip("rapidocr")
    from rapidocr.ch_ppocr_det.utils import DetPreProcess
    from rapidocr.utils.process_img import resize_image_within_bounds

    height, width = hw
    bgr = np.full((height, width, 3), 250, np.uint8)
    bgr[: max(1, height // 4), : max(1, width // 4)] = (10, 20, 30)  # ink at the top-left
    padded = ocr_engines.pad_for_detector(bgr)
    assert np.array_equal(padded[:height, :width], bgr)  # the original stays where it was
    assert (padded[height:] == 250).all() and (padded[:, width:] == 250).all()  # the pad is the border colour
    if max(hw) / min(hw) <= ocr_engines.MAX_SIDE_PX / ocr_engines.DET_STRIDE_PX:
        assert padded is bgr  # nothing to pad
    seen, _, _ = resize_image_within_bounds(padded, 30, ocr_engines.MAX_SIDE_PX)
    assert DetPreProcess(ocr_engines.MAX_SIDE_PX, "max").resize(seen) is not None


# ---------------------------------------------------------------- rapidocr for real


@pytest.fixture(scope="module")
def rapid():
    return get_engine("rapidocr")


@pytest.mark.slow
def test_get_engine_builds_once(rapid):
    assert get_engine("rapidocr") is rapid and get_engine() is rapid and rapid.name == "rapidocr"


@pytest.mark.slow
@pytest.mark.parametrize("font_path", FONTS)
def test_rapidocr_reads_rendered_words_where_they_are(rapid, font_path):
    image, truth = diagram(font_path, seed=3)
    words = read_text(image, rapid)
    assert sorted(w.text for w in words) == sorted(t for t, _ in truth)
    for text, ink in truth:
        word = next(w for w in words if w.text == text)
        assert close(word.box, ink), (text, word.box.xyxy, ink)
        assert abs(word.angle_deg) < 5


@pytest.mark.slow
def test_rapidocr_reads_rotated_labels_in_reading_order(rapid):
    page = Image.new("RGB", (700, 360), "white")
    ImageDraw.Draw(page).text((200, 30), "Training step", font=ImageFont.truetype(str(DEJAVU), 18), fill="black")
    font = ImageFont.truetype(str(DEJAVU), 16)
    cases = [("Accuracy (%)", 90, (40, 90), -90), ("Validation loss", -90, (300, 80), 90),
             ("Residual", 90, (560, 120), -90)]
    inks = {text: (paste_ink_box(page, rotated_label(text, font, turn), xy), angle)
            for text, turn, xy, angle in cases}
    words = {w.text: w for w in read_text(np.asarray(page), rapid)}
    assert set(words) == {"Training step", *inks}
    for text, (ink, angle) in inks.items():
        assert words[text].angle_deg == pytest.approx(angle, abs=4), text
        assert close(words[text].box, ink), (text, words[text].box.xyxy, ink)
    bottom_up = words["Accuracy (%)"].quad
    assert bottom_up[0][1] > bottom_up[1][1]  # the first corner is at the bottom of the page


@pytest.mark.slow
@pytest.mark.parametrize("recognition_alone", [True, False], ids=["read-lines", "canvas"])
def test_vertical_pass_reads_text_the_engine_missed(rapid, recognition_alone):
    class HorizontalOnly:
        """rapidocr with its vertical readings withheld, like an engine that misses them."""

        name = "horizontal-only"

        def __init__(self) -> None:
            self.calls = 0

        def read(self, image_rgb):
            self.calls += 1
            return [w for w in rapid.read(image_rgb) if abs(w.angle_deg) < 45]

    class HorizontalOnlyLines(HorizontalOnly):
        """The same, with rapidocr's recognition alone offered for located lines."""

        def read_lines(self, lines_rgb):
            return rapid.read_lines(lines_rgb)

    engine = HorizontalOnlyLines() if recognition_alone else HorizontalOnly()
    assert isinstance(engine, LineReader) == recognition_alone
    page = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((150, 100, 450, 160), outline="black", width=2)
    draw.text((220, 118), "Linear layer", font=ImageFont.truetype(str(DEJAVU), 18), fill="black")
    font = ImageFont.truetype(str(DEJAVU), 15)
    up = paste_ink_box(page, rotated_label("Feature map", font, 90), (40, 60))
    down = paste_ink_box(page, rotated_label("Output stage", font, -90), (530, 60))
    words = {w.text: w for w in read_text(np.asarray(page), engine)}
    assert set(words) == {"Linear layer", "Feature map", "Output stage"}
    assert words["Feature map"].angle_deg == pytest.approx(-90, abs=4) and close(words["Feature map"].box, up)
    assert words["Output stage"].angle_deg == pytest.approx(90, abs=4) and close(words["Output stage"].box, down)
    assert engine.calls == (1 if recognition_alone else 2)  # the vertical pass detects nothing when it can


@pytest.mark.slow
def test_read_lines_spans_the_characters_read(rapid):
    page = Image.new("RGB", (420, 40), "white")
    ImageDraw.Draw(page).text((150, 8), "Residual", font=ImageFont.truetype(str(DEJAVU), 18), fill="black")
    line = np.asarray(page)
    xs = np.nonzero((line < 128).any(axis=2).any(axis=0))[0]
    blank = np.full((40, 200, 3), 255, np.uint8)
    word, nothing = rapid.read_lines([line, blank])
    assert nothing is None and word.text == "Residual" and word.confidence > 0.9
    x0, x1 = word.quad[0][0], word.quad[1][0]
    step = 8 * 40 / 48  # the recogniser reads a line 48 px high in steps of 8 px
    assert abs(x0 - xs[0]) <= 2 * step and abs(x1 - (xs[-1] + 1)) <= 2 * step, ((x0, x1), (xs[0], xs[-1] + 1))
    assert [c[1] for c in word.quad] == [0.0, 0.0, 40.0, 40.0]


@pytest.mark.slow
def test_short_labels_kept_and_marks_dropped(rapid):
    page = Image.new("RGB", (640, 200), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(DEJAVU), 20)
    for i, label in enumerate(["A", "B", "7", "Q"]):
        x = 40 + 150 * i
        draw.rectangle((x, 30, x + 50, 80), outline="black", width=2)
        draw.text((x + 18, 42), label, font=font, fill="black")
    for i in range(5):  # arrow ends, bullets and a circle: marks, not text
        x = 40 + 120 * i
        draw.ellipse((x, 140, x + 10, 150), fill="#555555")
        draw.polygon([(x + 40, 135), (x + 54, 142), (x + 40, 149)], fill="black")
    draw.ellipse((560, 120, 600, 160), outline="black", width=2)
    texts = sorted(w.text for w in read_text(np.asarray(page), rapid))
    assert texts == ["7", "A", "B", "Q"]


# ---------------------------------------------------------------- tesseract for real


@pytest.fixture(scope="module")
def tesseract():
    if importlib.util.find_spec("tesserocr") is None:
        pytest.skip("tesserocr is not installed (pip install 'crafteditor[tesseract]')")
    try:
        return get_engine("tesseract")
    except EngineUnavailable as exc:
        pytest.skip(str(exc))


def test_tesseract_reads_labels_inside_bordered_boxes(tesseract):
    image, truth = diagram(DEJAVU, seed=5)
    words = read_text(image, tesseract)
    for text, ink in truth:
        word = next((w for w in words if w.text == text), None)
        assert word is not None, (text, [w.text for w in words])
        assert close(word.box, ink), (text, word.box.xyxy, ink)


def test_tesseract_gets_vertical_labels_from_the_vertical_pass(tesseract):
    page = Image.new("RGB", (400, 300), "white")
    up = paste_ink_box(page, rotated_label("Throughput", ImageFont.truetype(str(DEJAVU), 16), 90), (40, 60))
    words = [w for w in read_text(np.asarray(page), tesseract) if w.text == "Throughput"]
    assert len(words) == 1 and words[0].angle_deg == pytest.approx(-90, abs=4) and close(words[0].box, up)


@pytest.mark.parametrize("fill, ink", [("#4472c4", "#ffffff"), ("#ffffff", "#000000")])
@pytest.mark.parametrize("token", ["T2T", "MLP"])
def test_a_short_turned_token_is_a_vertical_group_on_either_polarity(fill, ink, token):
    from tests.drawing import render

    # A three-letter word running down a bar (dark on light or light on a dark fill).
    page = render(f'<rect x="30" y="20" width="26" height="150" rx="12" fill="{fill}"/>'
                  f'<text transform="rotate(90 43 40)" x="43" y="45" font-family="Liberation Sans" '
                  f'font-size="14" fill="{ink}">{token}</text>', width=120, height=200)
    groups = ocr_vertical.find_vertical_groups(page, [])
    assert len(groups) == 1, groups  # found, and once
    g = groups[0]
    assert g.x0 >= 30 and g.x1 <= 56 and g.y0 >= 34 and g.y1 <= 80, g


def test_a_light_page_beside_dark_strokes_is_no_vertical_text():
    from tests.drawing import render

    # Dark strokes on white: the page round them is lighter than the local mean, but no fill is dark.
    page = render(''.join(f'<rect x="{20 + 6 * i}" y="{20 + 9 * i}" width="4" height="7" fill="#000"/>' for i in range(6)),
                  width=120, height=120)
    assert ocr_vertical._light_ink(page).sum() == 0


class DarkLineReader:
    """An engine with recognition alone that reads the dark part of each line as "Label":
    surely when the line's red mark is at its right end (the mark sits at the top of the
    column: the column was turned clockwise, as text running up the page is), barely when not,
    and less surely when grey clutter shares the line."""

    name = "dark-lines"

    def __init__(self) -> None:
        self.calls, self.read_lines_calls = 0, []

    def read(self, image_rgb: np.ndarray) -> list[OcrWord]:
        self.calls += 1
        return []

    def read_lines(self, lines_rgb):
        self.read_lines_calls.append(len(lines_rgb))
        out = []
        for line in lines_rgb:
            xs = np.nonzero((line < 100).all(axis=2).any(axis=0))[0]
            red = np.argwhere((line == (255, 0, 0)).all(axis=2))
            sure = len(red) and red[:, 1].mean() > line.shape[1] / 2
            clutter = (line == 150).all(axis=2).any()
            h = float(line.shape[0])
            x0, x1 = float(xs[0]), float(xs[-1] + 1)
            confidence = (0.85 if clutter else 0.97) if sure else 0.4
            out.append(OcrWord("Label", ((x0, 0.0), (x1, 0.0), (x1, h), (x0, h)), confidence))
        return out


@pytest.mark.parametrize("mark_y, angle", [(37, -90), (142, 90)], ids=["up", "down"])
def test_vertical_groups_are_read_as_lines_when_the_engine_can(mark_y, angle):
    page = np.full((200, 120, 3), 255, np.uint8)
    page[50:130, 50:62] = 0  # the column's ink, inside the group box (50, 40, 62, 140)
    page[mark_y, 56] = (255, 0, 0)
    engine = DarkLineReader()
    words = ocr_vertical.read_vertical_groups(page, engine, [Box(50, 40, 62, 140)])
    assert engine.calls == 0 and engine.read_lines_calls[0] == 2  # no detection: the group, turned both ways
    assert [w.text for w in words] == ["Label"] and words[0].angle_deg == pytest.approx(angle)
    assert words[0].confidence == 0.97
    pad = ocr_vertical.PAD_PX
    assert words[0].box.xyxy == pytest.approx((50 - pad, 50, 62 + pad, 130))  # across: the crop; along: the ink
    first = words[0].quad[0]
    assert first[1] == pytest.approx(130 if angle < 0 else 50)  # the reading starts where the text does


def test_a_reading_of_part_of_a_column_is_read_again_from_that_part():
    page = np.full((240, 120, 3), 255, np.uint8)
    page[50:130, 50:62] = 0  # the text
    page[170:180, 52:60] = 150  # a grey mark further down the same column
    page[52, 56] = (255, 0, 0)  # the text reads up the page
    engine = DarkLineReader()
    words = ocr_vertical.read_vertical_groups(page, engine, [Box(50, 40, 62, 180)])
    assert engine.read_lines_calls == [2, 1]  # the surer turn is read again, without the mark
    assert [w.text for w in words] == ["Label"] and words[0].confidence == 0.97
    pad = ocr_vertical.PAD_PX
    assert words[0].box.xyxy == pytest.approx((50 - pad, 50, 62 + pad, 130))  # mapped back from the part


def test_an_engine_without_recognition_alone_reads_the_groups_on_a_canvas():
    page = np.full((200, 120, 3), 255, np.uint8)
    engine = ScriptedEngine([])
    assert not isinstance(engine, LineReader)
    assert ocr_vertical.read_vertical_groups(page, engine, [Box(50, 40, 62, 140)]) == []
    assert engine.calls == 1


@pytest.mark.parametrize("text, kept", [("Decode", True), ("SAA", True), ("A..", True), ("k of", True),
                                        ("0…0…00", False), ("III", False), ("mm", False), ("x", False)])
def test_a_vertical_reading_must_be_plausible_text(text, kept):
    word = OcrWord(text, quad(0, 0, 20, 70), 0.95)
    assert ocr_vertical._plausible([word], 70, 20) == kept


def test_a_dotted_line_is_no_vertical_text_but_a_word_beside_it_is():
    from tests.drawing import render

    # Small rings at fractional positions (their antialiased sizes differ by a pixel) and a
    # bigger one where the line ends: not all one size, still a run of one mark.
    ring = '<circle cx="30" cy="{:.1f}" r="{}" fill="none" stroke="#000" stroke-width="1.2"/>'
    page = render("".join(ring.format(20 + 9.3 * i, 2.6) for i in range(18)) + ring.format(190, 4.5) +
                  '<text transform="rotate(-90 80 150)" x="80" y="150" font-family="Liberation Sans" '
                  'font-size="14" fill="#000">Decoder</text>', width=140, height=220)
    groups = ocr_vertical.find_vertical_groups(page, [])
    assert len(groups) == 1 and groups[0].x0 > 60, groups
