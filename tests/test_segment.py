"""The optional SAM backend, through segment-anything's documented output format.

No package ships SAM weights, so the generator here is a scripted stand-in that
returns what ``SamAutomaticMaskGenerator.generate`` returns (binary masks):
one dict per mask with ``segmentation`` (HW bool), ``area``, ``bbox`` (XYWH),
``predicted_iou``, ``point_coords``, ``stability_score`` and ``crop_box``.
"""

import importlib.util

import cv2
import numpy as np
import pytest

from crafteditor import cli
from crafteditor.model.errors import EngineUnavailable, InputError
from extraction.plan import ground_canvas
from extraction.segment import SamSegmenter, from_sam, get_segmenter
from tests.drawing import render

BODY = ('<rect x="40" y="40" width="140" height="80" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>'
        '<ellipse cx="300" cy="140" rx="70" ry="40" fill="#fde2c8" stroke="#c55a11" stroke-width="2"/>')


def _record(mask: np.ndarray) -> dict:
    ys, xs = np.nonzero(mask)
    x, y = int(xs.min()), int(ys.min())
    return dict(segmentation=mask, area=int(mask.sum()), bbox=[x, y, int(xs.max()) - x, int(ys.max()) - y],
                predicted_iou=0.97, point_coords=[[float(xs.mean()), float(ys.mean())]], stability_score=0.95,
                crop_box=[0, 0, mask.shape[1], mask.shape[0]])


def _sam_output(h: int = 220, w: int = 400) -> list[dict]:
    rect = np.zeros((h, w), np.uint8)
    cv2.rectangle(rect, (39, 39), (181, 121), 1, -1)
    ellipse = np.zeros((h, w), np.uint8)
    cv2.ellipse(ellipse, (300, 140), (71, 41), 0, 0, 360, 1, -1)
    page = np.ones((h, w), np.uint8)
    return [_record(m > 0) for m in (page, rect, ellipse)]


class ScriptedGenerator:
    def __init__(self, masks):
        self.masks = masks
        self.calls = 0

    def generate(self, rgb):
        self.calls += 1
        return self.masks


def test_from_sam_reads_masks_and_boxes_and_drops_the_page():
    rgb = render(BODY, 400, 220)
    regions = from_sam(_sam_output(), rgb)
    assert [r.xyxy for r in regions] == [(39, 39, 182, 122), (229, 99, 372, 182)]
    assert regions[0].area_px == int(_sam_output()[1]["segmentation"].sum())
    assert max(abs(c - v) for c, v in zip(regions[0].colour, (0xDB, 0xE9, 0xF6))) <= 2


def test_from_sam_refuses_a_mask_of_another_size():
    with pytest.raises(ValueError, match="SAM mask"):
        from_sam(_sam_output(200, 380), render(BODY, 400, 220))


def test_grounding_with_sam_masks_fits_the_same_shapes():
    rgb = render(BODY, 400, 220)
    generator = ScriptedGenerator(_sam_output())
    sam = SamSegmenter("unused.pth", generator=generator)
    with_sam = ground_canvas(rgb, (255, 255, 255), segmenter=sam)
    default = ground_canvas(rgb, (255, 255, 255))
    assert generator.calls == 1
    assert sorted(s.shape.kind for s in with_sam.shapes) == ["ellipse", "rect"]
    for a, b in zip(sorted(with_sam.shapes, key=lambda s: s.box.x0), sorted(default.shapes, key=lambda s: s.box.x0)):
        assert a.box.iou(b.box) > 0.97 and a.style == b.style


def test_choosing_a_segmenter_checks_its_requirements(tmp_path):
    assert get_segmenter().name == "opencv"
    with pytest.raises(InputError, match="--sam-checkpoint"):
        get_segmenter("sam")
    with pytest.raises(InputError, match="not found"):
        get_segmenter("sam", tmp_path / "missing.pth")
    ckpt = tmp_path / "sam_vit_l_0b3195.pth"
    ckpt.write_bytes(b"not really weights")
    with pytest.raises(InputError, match="unknown SAM model"):
        get_segmenter("sam", ckpt, "vit_x")
    assert get_segmenter("sam", ckpt).model == "vit_l"
    with pytest.raises(InputError, match="unknown segmenter"):
        get_segmenter("watershed")


@pytest.mark.skipif(importlib.util.find_spec("segment_anything") is not None, reason="segment-anything is installed")
def test_sam_without_the_package_says_how_to_install_it(tmp_path):
    ckpt = tmp_path / "sam.pth"
    ckpt.write_bytes(b"x")
    with pytest.raises(EngineUnavailable, match="pip install"):
        get_segmenter("sam", ckpt).interiors(np.zeros((10, 10, 3), np.uint8))


def test_cli_sam_options_fail_cleanly(tmp_path, example_png, capsys):
    out = tmp_path / "o.svg"
    assert cli.main(["convert", str(example_png), "-o", str(out), "-q", "--segmenter", "sam"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--sam-checkpoint" in err[0]
    assert cli.main(["convert", str(example_png), "-o", str(out), "-q", "--sam-checkpoint", "x.pth"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "only used with --segmenter sam" in err[0]
    assert not out.exists()
