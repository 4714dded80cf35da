"""The reviser: each typed fix applied to a small hand-built scene."""

from __future__ import annotations

import dataclasses

import io
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from checkers.base import CheckedFigure, read_figure
from checkers.fidelity import missing_components
from checkers.render import render_rgb
from composition.refine import HANDLED, Evidence, apply_fixes, revisions
from crafteditor.model.findings import Finding
from crafteditor.model.fixes import FIX_TYPES, AddText, Move, Separate, fix_from_params
from composition.writer import write_svg
from crafteditor.model.scene import (
    Box, ConnectorContent, Element, Kind, Render, Scene, ShapeContent, Style, TextContent, TextLine,
)

SANS = ("Liberation Sans", "Arial", "sans-serif")
WH = (320, 160)


def _scene() -> Scene:
    """A box with a two-line label, an ellipse, a diamond, a cylinder and an arrow between the boxes."""
    return Scene(WH, elements=(
        Element(id="shape-0001", kind=Kind.SHAPE, box=Box(20, 30, 120, 90),
                style=Style(fill="#dbe9f6", stroke="#2f5597", stroke_width_px=2.0), shape=ShapeContent("rect")),
        Element(id="shape-0002", kind=Kind.SHAPE, box=Box(200, 40, 280, 110),
                style=Style(fill="#fde2c8", stroke="#c55a11", stroke_width_px=2.0), shape=ShapeContent("ellipse")),
        Element(id="shape-0003", kind=Kind.SHAPE, box=Box(140, 110, 180, 150),
                style=Style(fill="#e2f0d9", stroke="#548235", stroke_width_px=2.0),
                shape=ShapeContent("diamond", points=((160, 110), (180, 130), (160, 150), (140, 130)))),
        Element(id="shape-0004", kind=Kind.SHAPE, box=Box(20, 110, 60, 150),
                style=Style(fill="#f7f7f7", stroke="#7030a0", stroke_width_px=2.0),
                shape=ShapeContent("cylinder", d="M20,115 A20,5 0 0 1 60,115 L60,145 A20,5 0 0 1 20,145 Z")),
        Element(id="connector-0001", kind=Kind.CONNECTOR, box=Box(120, 60, 200, 60),
                style=Style(stroke="#333333", stroke_width_px=2.0),
                connector=ConnectorContent(((120, 60), (200, 60)), "straight", head_end=True,
                                           head_length_px=12.0, head_width_px=10.0)),
        Element(id="text-0001", kind=Kind.TEXT, box=Box(40, 38, 100, 82), label="Image Encoder",
                style=Style(fill="#1a1a1a", font_size_px=16.0, font_family=SANS),
                text=TextContent((TextLine("Image", Box(50, 38, 90, 56), 54.0),
                                  TextLine("Encodr", Box(40, 64, 100, 82), 80.0)),
                                 anchor="middle", anchor_x=70.0, pivot=(70.0, 60.0))),
    ))


def _source() -> np.ndarray:
    return render_rgb(write_svg(_scene()).encode(), size_wh=WH)


def _evidence(source: np.ndarray | None = None) -> Evidence:
    """Evidence whose figure only carries the source (the fixes but add_element read nothing else)."""
    return Evidence(CheckedFigure(record=None, drawn=None, source_rgb=_source() if source is None else source),
                    "#ffffff")


def _finding(kind: str, element_id: str | None = None, box: Box | None = None, **params) -> Finding:
    return Finding("planted", "warning", "planted", element_id=element_id, box=box, fix=fix_from_params(kind, params))


def _apply(finding: Finding, scene: Scene | None = None, ev: Evidence | None = None) -> tuple[Scene, Counter]:
    return apply_fixes(scene or _scene(), [finding], ev or _evidence())


def _changed(before: Scene, after: Scene) -> set[str]:
    old = {e.id: e for e in before}
    return {e.id for e in after if old.get(e.id) != e} | (set(old) - {e.id for e in after})


LINE2 = Box(40, 64, 100, 82)


@pytest.mark.parametrize(("kind", "params", "size"), [
    ("shrink_font", {"scale": 0.5}, 8.0), ("shrink_font", {"scale": 0.8}, 12.8), ("set_font_size", {"px": 16.8}, 16.8),
    ("set_font_size", {"px": 3.2}, 3.2),
])
def test_font_fixes_resize_the_text_the_finding_names(kind, params, size):
    scene, applied = _apply(_finding(kind, "text-0001", LINE2, **params))
    assert applied == Counter({kind: 1})
    assert scene.by_id("text-0001").style.font_size_px == size
    assert _changed(_scene(), scene) == {"text-0001"}


@pytest.mark.parametrize("scale", [1.5, 2.5, 4.0])
def test_a_font_never_grows_past_the_ink_box_it_was_read_from(scale):
    from extraction import fonts

    scene, applied = _apply(_finding("set_font_size", "text-0001", px=16.0 * scale))
    el = scene.by_id("text-0001")
    assert applied == Counter({"set_font_size": 1}) and 16.0 < el.style.font_size_px < 16.0 * scale
    cand = fonts.candidate_for(el.style.font_family, el.style.font_weight)
    for line in el.text.lines:  # each line's ink at the new size within 15% of the box it was read from
        r = fonts.render(cand, line.text)
        k = el.style.font_size_px / fonts.REFERENCE_SIZE_PX
        assert r.extent_w * k <= 1.15 * line.box.width + 0.01 and r.extent_h * k <= 1.15 * line.box.height + 0.01


def test_a_font_already_filling_its_box_does_not_grow():
    big = _scene().replace_elements(
        e.replace(style=dataclasses.replace(e.style, font_size_px=30.0)) if e.id == "text-0001" else e for e in _scene())
    scene, applied = _apply(_finding("set_font_size", "text-0001", px=45.0), big)
    assert scene == big and not applied


@pytest.mark.parametrize("finding", [
    _finding("shrink_font", "text-0001", scale=0.1),  # out of 0.2..5
    _finding("set_font_size", "text-0001", px=96.0),
    _finding("shrink_font", "shape-0001", scale=0.5),  # not a text
    _finding("shrink_font", None, LINE2, scale=0.5),  # names nothing: no text is guessed at from its box
])
def test_font_fixes_that_do_not_apply_change_nothing(finding):
    scene, applied = _apply(finding)
    assert scene == _scene() and not applied


@pytest.mark.parametrize(("dx", "dy"), [(-8.0, 0.0), (3.5, -4.0), (0.0, 6.0)])
def test_move_shifts_a_text_with_its_lines_baselines_anchor_and_pivot(dx, dy):
    scene, applied = _apply(_finding("move", "text-0001", LINE2, dx_px=dx, dy_px=dy))
    assert applied == Counter({"move": 1})
    before, after = _scene().by_id("text-0001"), scene.by_id("text-0001")
    assert after.box.xyxy == (before.box.x0 + dx, before.box.y0 + dy, before.box.x1 + dx, before.box.y1 + dy)
    for old, new in zip(before.text.lines, after.text.lines):
        assert new.box.xyxy == (old.box.x0 + dx, old.box.y0 + dy, old.box.x1 + dx, old.box.y1 + dy)
        assert new.baseline_y == old.baseline_y + dy and new.text == old.text
    assert after.text.anchor_x == before.text.anchor_x + dx
    assert after.text.pivot == (before.text.pivot[0] + dx, before.text.pivot[1] + dy)
    assert _changed(_scene(), scene) == {"text-0001"}


def test_move_shifts_a_box_shape_and_a_polygon_with_its_points():
    scene, _ = _apply(_finding("move", "shape-0001", Box(20, 30, 120, 90), dx_px=5.0, dy_px=-3.0))
    assert scene.by_id("shape-0001").box.xyxy == (25, 27, 125, 87)
    scene, _ = _apply(_finding("move", "shape-0003", Box(140, 110, 180, 150), dx_px=-4.0, dy_px=2.0))
    diamond = scene.by_id("shape-0003")
    assert diamond.box.xyxy == (136, 112, 176, 152)
    assert diamond.shape.points == ((156, 112), (176, 132), (156, 152), (136, 132))


@pytest.mark.parametrize("element_id", ["shape-0004", "connector-0001"])  # path data, connectors: not moved
def test_move_leaves_path_shapes_and_connectors_alone(element_id):
    scene, applied = _apply(_finding("move", element_id, _scene().by_id(element_id).box, dx_px=5.0, dy_px=5.0))
    assert scene == _scene() and not applied


@pytest.mark.parametrize(("end", "to", "index"), [("head", (214.0, 61.0), -1), ("tail", (112.0, 60.0), 0)])
def test_snap_endpoint_moves_the_named_end_of_the_named_connector(end, to, index):
    scene, applied = _apply(_finding("snap_endpoint", "connector-0001", None, end=end, x=to[0], y=to[1]))
    assert applied == Counter({"snap_endpoint": 1})
    c = scene.by_id("connector-0001").connector
    assert c.points[index] == to and c.points[index + 1 if index == 0 else 0] in ((120, 60), (200, 60))
    assert c.routing == "straight" and scene.by_id("connector-0001").box == Box.from_points(c.points)


def test_snap_endpoint_turns_an_orthogonal_route_into_a_polyline():
    scene = _scene()
    elbow = scene.by_id("connector-0001").replace(connector=ConnectorContent(
        ((120, 60), (160, 60), (160, 100)), "orthogonal", head_end=True, head_length_px=12, head_width_px=10))
    scene = scene.replace_elements(elbow if e.id == elbow.id else e for e in scene)
    revised, _ = _apply(_finding("snap_endpoint", "connector-0001", None, end="head", x=165.0, y=110.0), scene)
    c = revised.by_id("connector-0001").connector
    assert c.points == ((120, 60), (160, 60), (165.0, 110.0)) and c.routing == "polyline"


@pytest.mark.parametrize("finding", [
    _finding("snap_endpoint", None, Box(198, 58, 202, 62), end="head", x=210.0, y=60.0),  # names no connector
    _finding("snap_endpoint", "shape-0001", None, end="head", x=210.0, y=60.0),  # not a connector
])
def test_snap_endpoint_without_its_connector_changes_nothing(finding):
    scene, applied = _apply(finding)
    assert scene == _scene() and not applied


@pytest.mark.parametrize(("kind", "params"), [
    ("snap_endpoint", {"end": "middle", "x": 1.0, "y": 2.0}), ("move", {"dx_px": 1.0}), ("move", {"dx": 1.0, "dy": 2.0}),
    ("scale_head", {"end": "head", "scale": "big"}), ("refit_shape", {"x0": 1.0, "y0": 2.0, "x1": 3.0}),
    ("teleport", {}),
])
def test_a_fix_is_built_only_from_the_parameters_its_type_takes(kind, params):
    with pytest.raises(ValueError):
        fix_from_params(kind, params)


@pytest.mark.parametrize("scale", [0.5, 0.81, 0.4])
def test_scale_head_shrinks_the_head_by_the_root_of_the_ink_ratio(scale):
    scene, applied = _apply(_finding("scale_head", "connector-0001", Box(198, 58, 202, 62), end="head", scale=scale))
    assert applied == Counter({"scale_head": 1})
    c = scene.by_id("connector-0001").connector
    assert c.head_end and c.head_length_px == pytest.approx(12.0 * np.sqrt(scale))
    assert c.head_width_px == pytest.approx(10.0 * np.sqrt(scale))
    assert c.points == ((120, 60), (200, 60))


@pytest.mark.parametrize("scale", [0.1, 0.34])
def test_scale_head_removes_a_head_the_source_hardly_has(scale):
    scene, _ = _apply(_finding("scale_head", "connector-0001", Box(198, 58, 202, 62), end="head", scale=scale))
    c = scene.by_id("connector-0001").connector
    assert not c.head_end and not c.head_start and c.head_length_px == 12.0


def test_scale_head_at_a_tail_without_a_head_changes_nothing():
    scene, applied = _apply(_finding("scale_head", "connector-0001", Box(118, 58, 122, 62), end="tail", scale=0.5))
    assert scene == _scene() and not applied


def test_add_text_adds_a_text_element_with_the_string_in_the_source_colour():
    # the source has a dark red word at (200, 125)-(260, 145) the scene lacks
    word = '<text x="200" y="141" font-family="Liberation Sans" font-size="18" fill="#8b0000">Decoder</text>'
    from tests.drawing import render

    source = render(word, *WH)
    scene, applied = _apply(_finding("add_text", None, Box(196, 124, 268, 146), text=" Decoder ",
                                     xyxy=(196.0, 124.0, 268.0, 146.0)), ev=_evidence(source))
    assert applied == Counter({"add_text": 1})
    (added,) = [e for e in scene if e.id not in {e.id for e in _scene()}]
    assert added.kind is Kind.TEXT and added.text.string == "Decoder" and added.id.startswith("text-fix-")
    assert added.box.xyxy == (196, 124, 268, 146) and added.style.font_size_px == pytest.approx(22 * 0.8)
    assert added.text.lines[0].baseline_y == pytest.approx(124 + 22 * 0.8)
    r, g, b = (int(added.style.fill[i:i + 2], 16) for i in (1, 3, 5))
    assert abs(r - 0x8B) <= 12 and g <= 12 and b <= 12  # the darkest tenth of the box: the glyphs' colour
    assert "Decoder" in write_svg(scene)


@pytest.mark.parametrize("fix", [AddText("  ", (10.0, 10.0, 40.0, 30.0)), AddText("x", (10.0, 10.0, 40.0, 12.0))])
def test_add_text_without_a_string_or_room_changes_nothing(fix):
    scene, applied = _apply(Finding("planted", "warning", "planted", box=Box(10, 10, 40, 30), fix=fix))
    assert scene == _scene() and not applied


def test_set_text_rewrites_the_named_texts_line_over_the_finding():
    scene, applied = _apply(_finding("set_text", "text-0001", LINE2, text="Encoder"))
    assert applied == Counter({"set_text": 1})
    el = scene.by_id("text-0001")
    assert [line.text for line in el.text.lines] == ["Image", "Encoder"]
    assert el.label == ""  # the writer labels it from its new text
    assert el.text.lines[1].box == LINE2
    assert 'inkscape:label="Image Encoder"' in write_svg(scene)


def test_raster_fallback_repaints_a_shape_with_the_fill_the_source_shows():
    source = _source().copy()
    source[45:105, 205:275] = (40, 160, 90)  # the ellipse's inside is green in the source
    scene, applied = _apply(_finding("raster_fallback", "shape-0002", Box(200, 40, 280, 110), xyxy=(200.0, 40.0, 280.0, 110.0)), ev=_evidence(source))
    assert applied == Counter({"raster_fallback": 1})
    shape = scene.by_id("shape-0002")
    assert shape.kind is Kind.SHAPE and shape.shape == _scene().by_id("shape-0002").shape
    assert shape.style.fill == "#28a05a" and shape.style.stroke == "#c55a11"
    assert _changed(_scene(), scene) == {"shape-0002"}


def test_raster_fallback_leaves_a_shape_whose_fill_matches_the_source():
    scene, applied = _apply(_finding("raster_fallback", "shape-0002", Box(200, 40, 280, 110), xyxy=(200.0, 40.0, 280.0, 110.0)))
    assert scene == _scene() and not applied


def _with_trace() -> Scene:
    trace = Element(id="trace-0001", kind=Kind.TRACE, box=Box(200, 40, 280, 110), style=Style(fill="#333333"),
                    shape=ShapeContent("path", d="M200,40 L280,40 L280,110 Z"))
    return _scene().replace_elements(trace if e.id == "shape-0002" else e for e in _scene().elements)


@pytest.mark.parametrize("with_canvas", [False, True])
def test_raster_fallback_replaces_a_trace_by_a_crop_of_the_canvas(with_canvas):
    source = _source()
    canvas = np.full_like(source, 255)
    canvas[50:90, 210:260] = (200, 30, 30)
    ev = Evidence(_evidence(source).figure, "#ffffff", canvas if with_canvas else None)
    scene, applied = _apply(_finding("raster_fallback", "trace-0001", Box(200, 40, 280, 110), xyxy=(200.0, 40.0, 280.0, 110.0)), _with_trace(), ev)
    assert applied == Counter({"raster_fallback": 1})
    icon = scene.by_id("trace-0001")
    assert icon.kind is Kind.ICON and icon.render is Render.RASTER and icon.shape is None
    assert icon.box.xyxy == (199, 39, 281, 111)  # one pixel round the box
    crop = np.asarray(Image.open(io.BytesIO(icon.image.png)).convert("RGB"))
    assert np.array_equal(crop, (canvas if with_canvas else source)[39:111, 199:281])
    assert [e.id for e in scene] == [e.id for e in _with_trace()]  # in its place in paint order


@pytest.mark.parametrize("finding", [
    _finding("raster_fallback", "text-0001", LINE2, xyxy=LINE2.xyxy),  # text stays text
    _finding("raster_fallback", None, Box(200, 40, 280, 110), xyxy=(200.0, 40.0, 280.0, 110.0)),  # no element named
    _finding("raster_fallback", "shape-9999", Box(200, 40, 280, 110), xyxy=(200.0, 40.0, 280.0, 110.0)),
])
def test_raster_fallback_that_does_not_apply_changes_nothing(finding):
    scene, applied = _apply(finding)
    assert scene == _scene() and not applied


def test_add_element_traces_the_source_pixels_missing_from_the_rendering():
    full = _scene()
    source = render_rgb(write_svg(full).encode(), size_wh=WH)
    partial = full.filter(lambda e: e.id != "shape-0002")
    figure = read_figure(write_svg(partial).encode(), source)
    findings = missing_components(figure)
    assert findings and all(f.fix.kind == "add_element" for f in findings)
    scene, applied = apply_fixes(partial, findings, Evidence(figure, "#ffffff"))
    assert applied == Counter({"add_element": len(findings)})
    added = [e for e in scene if e.id not in {e.id for e in partial}]
    assert added and all(e.kind is Kind.TRACE and e.id.startswith("trace-fix-") for e in added)
    ellipse = Box(200, 40, 280, 110).expand(6)
    assert all(ellipse.contains(e.box) for e in added)
    # painted above the shapes, below connectors and text
    kinds = [e.kind for e in scene]
    assert kinds.index(Kind.CONNECTOR) > max(i for i, k in enumerate(kinds) if k is Kind.TRACE)
    after = read_figure(write_svg(scene).encode(), source)
    assert figure.fidelity.recall < 0.9 and after.fidelity.recall > 0.97 and after.fidelity.f1 > 0.97


def test_add_element_with_nothing_missing_changes_nothing():
    source = _source()
    figure = read_figure(write_svg(_scene()).encode(), source)
    scene, applied = apply_fixes(_scene(), [_finding("add_element", None, Box(200, 40, 280, 110),
                                                     xyxy=(200.0, 40.0, 280.0, 110.0))], Evidence(figure, "#ffffff"))
    assert scene == _scene() and not applied


@pytest.mark.parametrize("finding", [
    _finding("separate", "shape-0002", Box(200, 40, 280, 110), other_id="shape-9999", dx_px=10.0, dy_px=0.0),
    _finding("separate", "text-0001", LINE2, other_id="shape-0001", dx_px=10.0, dy_px=0.0),  # not a shape
    _finding("refit_shape", "shape-0004", Box(20, 110, 60, 150), x0=18.0, y0=108.0, x1=64.0, y1=152.0),  # path data
    _finding("refit_shape", "connector-0001", None, x0=18.0, y0=108.0, x1=64.0, y1=152.0),
    Finding("planted", "warning", "no fix", element_id="shape-0002", box=Box(200, 40, 280, 110)),
    _finding("move", "shape-9999", Box(300, 0, 310, 10), dx_px=4.0, dy_px=0.0),  # named nothing the scene has
])
def test_fixes_that_do_not_apply_and_unfindable_elements_change_nothing(finding):
    scene, applied = _apply(finding)
    assert scene == _scene() and not applied
    assert list(revisions(_scene(), [finding], _evidence())) == []


@pytest.mark.parametrize(("kind", "params"), [
    ("shrink_font", {"scale": 0.5}), ("set_font_size", {"px": 8.0}), ("set_text", {"text": "Encoder"}),
])
def test_a_font_or_text_fix_naming_an_element_not_in_the_scene_changes_nothing(kind, params):
    scene, applied = _apply(_finding(kind, "text-9999", LINE2, **params))
    assert scene == _scene() and not applied


@pytest.mark.parametrize(("kind", "params"), [
    ("shrink_font", {"scale": 0.5}), ("move", {"dx_px": 3.0, "dy_px": 0.0}), ("set_text", {"text": "Encoder"}),
    ("snap_endpoint", {"end": "head", "x": 1.0, "y": 2.0}), ("scale_head", {"end": "head", "scale": 0.5}),
    ("add_element", {"xyxy": (200.0, 40.0, 280.0, 110.0)}),  # nothing is missing there
])
def test_a_fix_naming_no_element_changes_nothing(kind, params):
    source = _source()
    figure = read_figure(write_svg(_scene()).encode(), source)
    scene, applied = apply_fixes(_scene(), [_finding(kind, None, None, **params)], Evidence(figure, "#ffffff"))
    assert scene == _scene() and not applied


def test_revisions_yield_every_fix_together_then_each_kind_alone_most_findings_first():
    findings = [
        _finding("move", "text-0001", Box(48, 36, 92, 58), dx_px=2.0, dy_px=0.0),
        _finding("scale_head", "connector-0001", Box(198, 58, 202, 62), end="head", scale=0.5),
        _finding("set_text", "text-0001", LINE2, text="Encoder"),
        _finding("move", "shape-0003", Box(140, 110, 180, 150), dx_px=0.0, dy_px=-4.0),
        Finding("planted", "info", "info is not fixed", element_id="shape-0001", box=Box(20, 30, 120, 90),
                fix=Move(9.0, 0.0)),
    ]
    out = list(revisions(_scene(), findings, _evidence()))
    labels = [label for label, _scene_ in out]
    assert labels[0] == "fix move x2, scale_head x1, set_text x1"
    assert labels[1] == "fix move x2" and set(labels[2:]) == {"fix scale_head x1", "fix set_text x1"}
    whole = out[0][1]
    assert whole.by_id("text-0001").text.lines[1].text == "Encoder"
    assert whole.by_id("text-0001").box.x0 == 42.0  # moved once, by 2
    assert whole.by_id("shape-0001") == _scene().by_id("shape-0001")  # the info finding is left out
    assert whole.by_id("shape-0003").box.y0 == 106.0
    assert _changed(_scene(), out[1][1]) == {"text-0001", "shape-0003"}
    alone = dict(out)
    assert _changed(_scene(), alone["fix scale_head x1"]) == {"connector-0001"}
    assert _changed(_scene(), alone["fix set_text x1"]) == {"text-0001"}


def test_revisions_of_one_kind_yield_it_once():
    out = list(revisions(_scene(), [_finding("set_text", "text-0001", LINE2, text="Encoder")], _evidence()))
    assert [label for label, _s in out] == ["fix set_text x1"]


def test_every_fix_type_has_a_handler():
    assert HANDLED == set(FIX_TYPES)


def test_the_vlm_is_offered_every_fix_type_and_no_other():
    from crafteditor.model.fixes import KINDS
    from crafteditor.vlm.schemas import FIX_KINDS
    from crafteditor.vlm.templates import render

    assert set(FIX_KINDS) == set(KINDS) | {"none"}
    from crafteditor.model.fixes import describe_all

    prompt = render("critic", width_px=10, height_px=10, max_issues=3, elements="", fixes=describe_all())
    assert all(f'"{kind}"' in prompt for kind in KINDS)


def _glued_scene() -> Scene:
    """The small scene with the box's label inside it and the arrow glued from the box to the ellipse."""
    scene = _scene()
    out = []
    for e in scene:
        if e.id == "text-0001":
            e = e.replace(parent_id="shape-0001")
        elif e.id == "connector-0001":
            e = e.replace(connector=dataclasses.replace(e.connector, source_id="shape-0001", target_id="shape-0002"))
        out.append(e)
    return scene.replace_elements(out)


def test_separate_moves_a_shape_with_its_label_and_its_glued_connector_ends():
    scene, applied = _apply(Finding("overlap", "error", "planted", element_id="shape-0001", box=Box(60, 30, 120, 90),
                                    fix=Separate("shape-0002", -30.0, 0.0)), _glued_scene())
    assert applied == Counter({"separate": 1})
    before = _glued_scene()
    assert scene.by_id("shape-0001").box.xyxy == (-10, 30, 90, 90)
    label = scene.by_id("text-0001")
    assert label.box.x0 == before.by_id("text-0001").box.x0 - 30 and label.text.anchor_x == 40.0
    c = scene.by_id("connector-0001").connector
    assert c.points == ((90, 60), (200, 60))  # the start, glued to the box, moved; the end stayed
    assert _changed(before, scene) == {"shape-0001", "text-0001", "connector-0001"}


def test_refit_shape_fits_a_box_shape_or_a_polygons_points_to_the_new_box():
    scene, applied = _apply(_finding("refit_shape", "shape-0002", None, x0=190.0, y0=35.0, x1=290.0, y1=115.0))
    assert applied == Counter({"refit_shape": 1}) and scene.by_id("shape-0002").box.xyxy == (190, 35, 290, 115)
    scene, _ = _apply(_finding("refit_shape", "shape-0003", None, x0=140.0, y0=110.0, x1=200.0, y1=170.0))
    assert scene.by_id("shape-0003").shape.points == ((170, 110), (200, 140), (170, 170), (140, 140))


def test_the_editor_roles_check_an_svg_once_and_revise_a_verdict_once(monkeypatch):
    import checkers.base
    import composition.refine
    from crafteditor.loop.editor import EditorRoles, ceiling
    from crafteditor.loop.harness import Candidate

    full = _scene()
    source = render_rgb(write_svg(full).encode(), size_wh=WH)
    partial = full.filter(lambda e: e.id != "shape-0002")
    roles = EditorRoles(source, source, "#ffffff")
    drawn, revised = [], []
    read, revise = checkers.base.read_figure, composition.refine.revisions
    monkeypatch.setattr(checkers.base, "read_figure", lambda *a, **k: drawn.append(1) or read(*a, **k))
    monkeypatch.setattr(composition.refine, "revisions", lambda *a, **k: revised.append(1) or revise(*a, **k))
    first = Candidate(partial, "partial")
    verdict = roles.verify(first, roles.execute(first))
    again = roles.verify(Candidate(partial, "the same again"), roles.execute(first))
    assert len(drawn) == 1 and again == verdict
    # the score never passes the ceiling known before drawing
    assert verdict.score <= ceiling(partial) == 100.0 - 0.25  # its arrow is glued to nothing
    one = list(roles.revise(partial, verdict))
    two = list(roles.revise(partial, verdict))
    assert one and [c.label for c in one] == [c.label for c in two] and all(a is b for a, b in zip(one, two))
    assert len(revised) == 1


def _two_boxes(dx_first: float) -> Scene:
    """Two labelled boxes side by side; the first moved ``dx_first`` px to the right."""
    def box(i: int, x0: float) -> list[Element]:
        shape = Element(id=f"shape-000{i}", kind=Kind.SHAPE, box=Box(x0, 40, x0 + 100, 100),
                        style=Style(fill="#dbe9f6", stroke="#2f5597", stroke_width_px=2.0), shape=ShapeContent("rect"))
        label = Element(id=f"text-000{i}", kind=Kind.TEXT, box=Box(x0 + 20, 62, x0 + 80, 78), parent_id=shape.id,
                        style=Style(fill="#1a1a1a", font_size_px=16.0, font_family=SANS),
                        text=TextContent((TextLine(f"Step {i}", Box(x0 + 20, 62, x0 + 80, 78), 76.0),),
                                         anchor="middle", anchor_x=x0 + 50, pivot=(x0 + 50, 70.0)))
        return [shape, label]
    return Scene((420, 140), elements=tuple(box(1, 40 + dx_first) + box(2, 180)))


def test_a_box_moved_onto_its_neighbour_is_reported_as_an_overlap_and_the_loop_separates_it():
    from checkers.layout import overlap
    from crafteditor.loop.editor import EditorRoles
    from crafteditor.loop.harness import LoopConfig, run_loop

    source = render_rgb(write_svg(_two_boxes(0.0)).encode(), size_wh=(420, 140))
    planted = _two_boxes(90.0)  # the first box now covers most of the second's left half
    (finding,) = overlap(read_figure(write_svg(planted).encode(), source))
    assert finding.code == "overlap" and finding.element_id == "shape-0001"
    assert isinstance(finding.fix, Separate) and finding.fix.other_id == "shape-0002" and finding.fix.dx_px < -40
    result = run_loop(EditorRoles(source, source, "#ffffff"), planted, LoopConfig(design_rounds=1, refine_rounds=4))
    first, second = result.best.spec.by_id("shape-0001").box, result.best.spec.by_id("shape-0002").box
    assert first.x1 <= second.x0 and second == planted.by_id("shape-0002").box
    assert result.best.spec.by_id("text-0001").box.x0 == first.x0 + 20  # its label went with it
    assert any("separate" in r.tried for r in result.trace.rounds)


def test_a_separation_is_tried_alone_never_with_the_other_fixes():
    overlap = Finding("overlap", "error", "planted", element_id="shape-0003", box=Box(140, 110, 180, 150),
                      fix=Separate("shape-0001", 0.0, 30.0))
    findings = [_finding("set_text", "text-0001", LINE2, text="Encoder"), overlap]
    out = list(revisions(_scene(), findings, _evidence()))
    assert [label for label, _s in out] == ["fix set_text x1", "fix separate x1"]
    assert _changed(_scene(), out[0][1]) == {"text-0001"} and _changed(_scene(), out[1][1]) == {"shape-0003"}
