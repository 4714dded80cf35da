"""The offline critic reads a candidate back as ``inspect`` does and scores it on six axes."""

from __future__ import annotations

import pytest

from composition.writer import write_svg
from crafteditor.generate.critic import PASS_MARK, critique, norm
from crafteditor.generate.graph import DrawRequest, Edge, EdgeKind, Node
from crafteditor.model.kinds import ShapeKind
from crafteditor.model.scene import (Box, ConnectorContent, Element, Kind, Scene, ShapeContent, Style, TextContent,
                                     TextLine)

FONT = ("Liberation Sans", "sans-serif")
REQUEST = DrawRequest(nodes=(Node("a", "Encoder"), Node("b", "Decoder")), edges=(Edge("e", "a", "b"),))


def _box(i: str, xyxy: tuple[float, float, float, float], fill: str = "#dae8fc") -> Element:
    return Element(id=i, kind=Kind.SHAPE, box=Box(*xyxy), style=Style(fill=fill, stroke="#333333", stroke_width_px=1.5),
                   shape=ShapeContent(kind=ShapeKind.RECT))


def _label(i: str, text: str, cx: float, cy: float, parent: str | None, size: float = 16.0) -> Element:
    width = 0.55 * size * len(text)
    box = Box(cx - width / 2, cy - size * 0.6, cx + width / 2, cy + size * 0.4)
    line = TextLine(text=text, box=box, baseline_y=cy + size * 0.35)
    return Element(id=i, kind=Kind.TEXT, box=box, parent_id=parent,
                   style=Style(fill="#111111", font_size_px=size, font_family=FONT),
                   text=TextContent(lines=(line,), anchor="middle", anchor_x=cx))


def _arrow(i: str, points, source: str | None, target: str | None) -> Element:
    return Element(id=i, kind=Kind.CONNECTOR, box=Box.from_points(points),
                   style=Style(stroke="#333333", stroke_width_px=1.5),
                   connector=ConnectorContent(points=tuple(points), head_end=True, head_length_px=8, head_width_px=6,
                                              source_id=source, target_id=target))


def _svg(*elements: Element, wh: tuple[int, int] = (400, 140)) -> bytes:
    return write_svg(Scene(wh, "#ffffff", elements)).encode()


def _good() -> bytes:
    return _svg(_box("s1", (40, 40, 160, 100)), _label("t1", "Encoder", 100, 70, "s1"),
                _box("s2", (240, 40, 360, 100)), _label("t2", "Decoder", 300, 70, "s2"),
                _arrow("c1", [(160, 70), (240, 70)], "s1", "s2"))


def test_a_clean_drawing_of_the_request_passes_with_full_content():
    result = critique(_good(), REQUEST)
    assert result.scores.content == 10.0
    assert (result.labels_found, result.connections_found) == (2, 1)
    assert result.scores.overall >= PASS_MARK and result.passed
    assert not [d for d in result.defects if d.axis in ("content", "layout", "text", "artefact")]


def test_a_missing_label_and_an_unglued_connection_cost_content_and_are_named():
    svg = _svg(_box("s1", (40, 40, 160, 100)), _label("t1", "Encoder", 100, 70, "s1"),
               _box("s2", (240, 40, 360, 100)), _arrow("c1", [(160, 70), (240, 70)], "s1", None))
    result = critique(svg, REQUEST)
    codes = {d.code: d for d in result.defects}
    assert codes["missing-label"].labels == ("Decoder",)
    assert codes["missing-connection"].labels == ("Encoder", "Decoder")
    assert "unglued" in codes
    assert result.scores.content == pytest.approx(10.0 / 3)


def test_overlapping_boxes_overflowing_and_tiny_text_are_found():
    svg = _svg(_box("s1", (40, 40, 160, 100)), _label("t1", "Encoder", 100, 70, "s1"),
               _box("s2", (120, 50, 240, 110)), _label("t2", "Decoder with a very long name", 180, 80, "s2"),
               _label("t3", "note", 300, 20, None, size=7.0),
               _arrow("c1", [(160, 75), (200, 75)], "s1", "s2"))
    result = critique(svg, REQUEST)
    codes = [d.code for d in result.defects]
    assert "overlap" in codes and "text-overflow" in codes and "small-text" in codes
    overlap = next(d for d in result.defects if d.code == "overlap")
    assert set(overlap.element_ids) == {"s1", "s2"}
    assert result.scores.layout < 8 and result.scores.text < 7
    assert not result.passed


def test_a_connector_through_a_third_box_is_an_artefact():
    request = DrawRequest(nodes=(Node("a", "A"), Node("m", "Middle"), Node("b", "B")),
                          edges=(Edge("e", "a", "b", kind=EdgeKind.ARROW),))
    svg = _svg(_box("s1", (10, 40, 80, 100)), _label("t1", "A", 45, 70, "s1"),
               _box("s3", (160, 40, 240, 100)), _label("t3", "Middle", 200, 70, "s3"),
               _box("s2", (320, 40, 390, 100)), _label("t2", "B", 355, 70, "s2"),
               _arrow("c1", [(80, 70), (320, 70)], "s1", "s2"))
    result = critique(svg, request)
    through = [d for d in result.defects if d.code == "through-box"]
    assert [d.element_ids for d in through] == [("c1", "s3")]
    assert result.scores.artefact < 10


def test_the_poster_role_asks_for_panels_and_the_title():
    request = DrawRequest(nodes=(Node("a", "Encoder"), Node("b", "Decoder")), title="Our method")
    result = critique(_good(), request, style="poster")
    assert {d.message for d in result.defects if d.axis == "role"} >= {"a poster is laid out in panels",
                                                                         "a poster shows its title"}
    assert result.scores.role < critique(_good(), request, style="academic").scores.role


def test_labels_compare_as_words():
    assert norm("Multi-\nHead  Attention!") == "multihead attention"
    assert norm("Feed-Forward") == "feed forward"


def test_the_checkers_of_check_find_the_same_overlap_and_overflow():
    from checkers.render import render_rgb
    from crafteditor.generate.critic import _checker_defects

    svg = _svg(_box("s1", (40, 40, 160, 100)), _label("t1", "Encoder", 100, 70, "s1"),
               _box("s2", (120, 50, 240, 110)), _label("t2", "Decoder with a very long name", 180, 80, "s2"))
    found = _checker_defects(svg, render_rgb(svg), [])
    assert {d.code for d in found} == {"overlap", "text-overflow"}
    assert all(d.element_ids for d in found)
    assert _checker_defects(_good(), render_rgb(_good()), []) == []
    named = critique(svg, REQUEST).defects  # the critic's own defects name these elements: none is counted twice
    assert len([d for d in named if d.code == "overlap"]) == 1


def test_a_glued_connector_ending_short_of_its_shape_dangles():
    svg = _svg(_box("s1", (40, 40, 160, 100)), _label("t1", "Encoder", 100, 70, "s1"),
               _box("s2", (240, 40, 360, 100)), _label("t2", "Decoder", 300, 70, "s2"),
               _arrow("c1", [(160, 70), (215, 70)], "s1", "s2"))
    dangling = [d for d in critique(svg, REQUEST).defects if d.code == "arrow-dangling"]
    assert [d.element_ids for d in dangling] == [("c1", "s2")]
    assert not [d for d in critique(_good(), REQUEST).defects if d.code == "arrow-dangling"]
