"""Programmatic checkers: each catches its planted defect, none fires on the truth."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from checkers.base import Finding, read_figure, run_checks
from checkers.fidelity import missing_components
from checkers.layout import arrow_endpoints, overlap, text_overflow
from crafteditor import cli
from crafteditor.bench.synth import make_case
from tests.drawing import render

MARKER = ('<defs><marker id="e" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
          'orient="auto" markerUnits="strokeWidth"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>')
BOX_A = '<rect x="40" y="60" width="140" height="70" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>'
BOX_B = '<rect x="320" y="60" width="140" height="70" fill="#fde2c8" stroke="#c55a11" stroke-width="2"/>'
LABEL = ('<text x="110" y="101" font-family="Liberation Sans" font-size="{size}" text-anchor="middle" '
         'fill="#222">Encoder</text>')
ARROW = '<path d="M180,95 L{x},95" stroke="#333" stroke-width="2" fill="none" marker-end="url(#e)"/>'


def _svg(body: str) -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="500" height="200" viewBox="0 0 500 200">'
            f'<rect width="500" height="200" fill="#ffffff"/>{MARKER}{body}</svg>').encode()


GOOD = BOX_A + BOX_B + LABEL.format(size=18) + ARROW.format(x=320)
SOURCE = render(MARKER + GOOD, 500, 200)


def _codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings if f.severity != "info"]


def test_the_correct_figure_raises_no_finding():
    assert _codes(run_checks(read_figure(_svg(GOOD), SOURCE))) == []


def test_a_label_overflowing_its_box_is_caught_with_a_shrink():
    bad = BOX_A + BOX_B + LABEL.format(size=40) + ARROW.format(x=320)
    (finding,) = text_overflow(read_figure(_svg(bad), SOURCE))
    assert finding.code == "text-overflow" and "Encoder" in finding.message
    assert finding.fix.kind == "shrink_font" and 0.3 < finding.fix.get("scale") < 0.9


def test_a_dangling_arrow_is_caught_with_the_point_to_snap_to():
    bad = BOX_A + BOX_B + LABEL.format(size=18) + ARROW.format(x=270)
    found = arrow_endpoints(read_figure(_svg(bad), SOURCE))
    (finding,) = [f for f in found if f.code == "arrow-dangling"]
    assert "head" in finding.message
    assert finding.fix.kind == "snap_endpoint" and abs(finding.fix.get("x") - 320) <= 2


def test_two_boxes_overlapping_where_the_source_has_none_are_caught():
    moved = BOX_B.replace('x="320"', 'x="140"')
    bad = BOX_A + moved + LABEL.format(size=18)
    found = overlap(read_figure(_svg(bad), SOURCE))
    assert [f.code for f in found] == ["overlap"]
    # Where the source itself overlaps, it is no defect.
    source = render(MARKER + bad, 500, 200)
    assert overlap(read_figure(_svg(bad), source)) == []


def test_a_deleted_element_is_a_missing_component_where_it_was():
    bad = BOX_A + LABEL.format(size=18) + ARROW.format(x=320)
    found = missing_components(read_figure(_svg(bad), SOURCE))
    assert found and found[0].severity == "error"
    x0, y0, x1, y1 = found[0].box.xyxy
    assert 315 <= x0 <= 325 and 455 <= x1 <= 465 and 55 <= y0 <= 65
    assert found[0].fix.kind == "add_element"


@pytest.mark.parametrize("seed", range(6))
def test_no_finding_on_the_ground_truth_of_the_synthetic_set(seed):
    case = make_case(seed)
    assert _codes(run_checks(read_figure(case.svg, case.image_rgb))) == []


def test_check_command_prints_findings_as_json(tmp_path, capsys):
    src = tmp_path / "source.png"
    Image.fromarray(SOURCE).save(src)
    bad = tmp_path / "bad.svg"
    bad.write_bytes(_svg(BOX_A + LABEL.format(size=18) + ARROW.format(x=270)))
    assert cli.main(["check", str(bad), "--source", str(src), "--json"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert {"arrow-dangling", "missing-component"} <= {f["code"] for f in data["findings"]}
    good = tmp_path / "good.svg"
    good.write_bytes(_svg(GOOD))
    assert cli.main(["check", str(good), "--source", str(src)]) == 0
    assert "no problems" in capsys.readouterr().out
    assert cli.main(["check", str(tmp_path / "missing.svg"), "--source", str(src)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
