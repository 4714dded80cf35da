import json

import pytest

from crafteditor.model.scene import (
    Box, Element, Kind, PathContent, Scene, Style, TextContent, TextLine, from_hex, new_id,
    to_hex, to_jsonable,
)


def test_box_geometry():
    a = Box(0, 0, 10, 10)
    b = Box(5, 5, 15, 20)
    assert a.intersection(b) == Box(5, 5, 10, 10)
    assert a.union(b) == Box(0, 0, 15, 20)
    assert a.iou(b) == pytest.approx(25 / (100 + 150 - 25))
    assert a.intersection(Box(20, 20, 30, 30)) is None
    assert a.iou(Box(20, 20, 30, 30)) == 0.0
    assert a.center == (5, 5)
    assert a.expand(2) == Box(-2, -2, 12, 12)
    assert a.expand(-20) == Box(5, 5, 5, 5)
    assert Box(-5, -5, 50, 8).clip(20, 10) == Box(0, 0, 20, 8)
    assert Box(0.2, 0.7, 3.1, 4.0).to_int() == (0, 0, 4, 4)
    assert a.contains(Box(1, 1, 9, 9)) and not a.contains(b)
    assert Box.from_points([(3, 4), (1, 8), (2, 2)]) == Box(1, 2, 3, 8)
    assert Box.from_xywh(1, 2, 3, 4).xyxy == (1, 2, 4, 6)


def test_box_rejects_inverted_corners():
    with pytest.raises(ValueError):
        Box(10, 0, 0, 10)


def _text(i: int, y: float) -> Element:
    line = TextLine("hello", Box(0, y, 40, y + 10), y + 9)
    return Element(
        id=new_id(Kind.TEXT, i), kind=Kind.TEXT, box=line.box,
        text=TextContent((line,), anchor_x=0.0),
    )


def test_scene_is_frozen_and_filtering_returns_new_scene():
    trace = Element(id="trace-0001", kind=Kind.TRACE, box=Box(0, 0, 5, 5), path=PathContent("M 0 0 L 5 5 Z"))
    scene = Scene((100, 50), "#ffffff", (trace, _text(1, 0), _text(2, 20)))
    only_text = scene.filter(lambda e: e.kind is Kind.TEXT)
    assert len(scene) == 3 and len(only_text) == 2
    assert scene.texts == only_text.elements
    assert scene.by_id("text-0002").box.y0 == 20
    with pytest.raises(KeyError):
        scene.by_id("nope")
    with pytest.raises(AttributeError):
        scene.background = "#000000"  # type: ignore[misc]
    moved = trace.replace(box=Box(1, 1, 6, 6))
    assert moved.box != trace.box and trace.box == Box(0, 0, 5, 5)


def test_scene_rejects_duplicate_ids():
    with pytest.raises(ValueError, match="duplicate"):
        Scene((10, 10), elements=(_text(1, 0), _text(1, 5)))


def test_colour_helpers_round_trip():
    assert to_hex((255, 0, 127.6)) == "#ff0080"
    assert from_hex("#ff0080") == (255, 0, 128)
    assert from_hex("#abc") == (0xAA, 0xBB, 0xCC)
    with pytest.raises(ValueError):
        from_hex("#12345")


def test_scene_to_json():
    scene = Scene((100, 50), elements=(_text(1, 0),))
    data = json.loads(json.dumps(to_jsonable(scene)))
    assert data["image_wh"] == [100, 50]
    assert data["elements"][0]["kind"] == "text"
    assert data["elements"][0]["text"]["lines"][0]["text"] == "hello"
    assert data["elements"][0]["style"] == to_jsonable(Style())


def test_box_stores_plain_floats():
    import numpy as np

    box = Box(np.int64(1), np.float32(2.5), np.int64(3), 4)
    assert all(type(v) is float for v in box.xyxy)
    json.dumps(box.xyxy)


def test_every_shape_kind_written_reads_back_as_one_kind_of_the_same_vocabulary():
    from composition.writer import write_svg
    from crafteditor.model.kinds import ShapeKind
    from crafteditor.model.scene import Box, Element, Kind, Scene, ShapeContent, Style
    from crafteditor.svg.doc import SvgDocument
    from crafteditor.svg.items import items

    box = Box(20, 20, 120, 80)
    geometry = {
        ShapeKind.DIAMOND: dict(points=((70, 20), (120, 50), (70, 80), (20, 50))),
        ShapeKind.PARALLELOGRAM: dict(points=((40, 20), (120, 20), (100, 80), (20, 80))),
        ShapeKind.POLYGON: dict(points=((20, 20), (120, 30), (90, 80), (30, 70), (25, 40))),
        ShapeKind.CYLINDER: dict(d="M20,25 A50,5 0 0 1 120,25 L120,75 A50,5 0 0 1 20,75 Z"),
        ShapeKind.PATH: dict(d="M20,20 L120,20 L70,80 Z"),
        ShapeKind.ROUNDED_RECT: dict(radius_px=6.0),
    }
    read_as = {ShapeKind.CYLINDER: ShapeKind.PATH}  # an SVG has no cylinder: its outline is a path
    for kind in ShapeKind:
        shape_box = Box(20, 20, 80, 80) if kind is ShapeKind.CIRCLE else box
        scene = Scene((140, 100), elements=(Element(
            id="shape-0001", kind=Kind.SHAPE, box=shape_box, style=Style(fill="#dddddd", stroke="#333333"),
            shape=ShapeContent(kind.value, **geometry.get(kind, {}))),))
        (item,) = [i for i in items(SvgDocument.from_bytes(write_svg(scene).encode())) if i.id == "shape-0001"]
        assert item.geometry is read_as.get(kind, kind), kind
