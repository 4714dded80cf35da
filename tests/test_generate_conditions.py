"""Input conditions of generation: a sketch redrawn with its arrangement kept, key elements as
pictures, a partial figure completed in its masked region.  Outputs are read back as
``inspect`` reads them."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest

from crafteditor.generate.conditions import (complete, merge, region_request, region_scene, sketch_reading, sketch_spec,
                                           spec_from_sketch)
from crafteditor.generate.draw import draw, render_svg
from crafteditor.generate.graph import DrawRequest, Node
from crafteditor.generate.intent import add_key_elements, read_intent
from crafteditor.generate.phrases import name_key
from crafteditor.generate.plan import draw_request, propose
from crafteditor.generate.sketch import read_sketch
from crafteditor.model.errors import InputError
from crafteditor.model.kinds import ShapeKind
from crafteditor.model.scene import Box, ConnectorContent, Element, Kind, Scene, ShapeContent, TextContent, TextLine
from crafteditor.svg.doc import SvgDocument
from crafteditor.svg.items import items

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CRAFTBENCH = Path(__file__).resolve().parents[1] / ".." / "shared" / "craftbench"
SKETCH_BOXES = {"Camera": (40, 60, 220, 140), "Detector": (360, 60, 540, 140), "Tracker": (680, 60, 860, 140),
                "Database": (200, 270, 380, 350), "Dashboard": (520, 270, 700, 350)}
SKETCH_ARROWS = [("Camera", "Detector"), ("Detector", "Tracker"), ("Tracker", "Dashboard"), ("Database", "Dashboard")]


# -- drawing test figures -----------------------------------------------------------


def _arrow(draw_, a, b, width=3):
    draw_.line([a, b], fill="black", width=width)
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    back = [(b[0] - 14 * math.cos(angle) + s * 7 * math.sin(angle), b[1] - 14 * math.sin(angle) - s * 7 * math.cos(angle))
            for s in (1, -1)]
    draw_.polygon([b, *back], fill="black")


def _border_point(box, toward):
    """Where the segment from ``box``'s centre toward ``toward`` leaves it, 2 px out."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    dx, dy = toward[0] - cx, toward[1] - cy
    t = min(((box[2] - box[0]) / 2 + 2) / abs(dx) if dx else math.inf,
            ((box[3] - box[1]) / 2 + 2) / abs(dy) if dy else math.inf)
    return (cx + dx * t, cy + dy * t)


def _figure(path: Path, boxes: dict, arrows: list, title: str = "", size=(900, 420)) -> None:
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype(FONT, 22)
    for name, b in boxes.items():
        d.rectangle(b, outline="black", width=3)
        d.text(((b[0] + b[2]) / 2, (b[1] + b[3]) / 2), name, font=font, fill="black", anchor="mm")
    if title:
        d.text((size[0] / 2, 22), title, font=ImageFont.truetype(FONT, 26), fill="black", anchor="mm")
    for a, b in arrows:
        ca = ((boxes[a][0] + boxes[a][2]) / 2, (boxes[a][1] + boxes[a][3]) / 2)
        cb = ((boxes[b][0] + boxes[b][2]) / 2, (boxes[b][1] + boxes[b][3]) / 2)
        _arrow(d, _border_point(boxes[a], cb), _border_point(boxes[b], ca))
    im.save(path)


def _png(colour, wh=(32, 32)) -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", wh, "white")
    ImageDraw.Draw(im).ellipse((2, 2, wh[0] - 3, wh[1] - 3), fill=colour)
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def _read(svg: bytes) -> list:
    return items(SvgDocument.from_bytes(svg))


def _centres_by_text(found: list) -> dict[str, tuple[float, float]]:
    return {name_key(" ".join(it.text.split())): it.box.center for it in found if it.kind == "text"}


def _same_order(before: dict[str, Box], after: dict[str, tuple[float, float]]) -> list[str]:
    """Pairs whose order left to right (top to bottom) is reversed, counting the pairs the
    sketch puts side by side (one above the other): their boxes apart along that axis."""
    wrong = []
    names = sorted(before)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for axis in (0, 1):
                lo, hi = (before[a], before[b]) if before[a].center[axis] < before[b].center[axis] else (before[b], before[a])
                if (lo.x1 < hi.x0) if axis == 0 else (lo.y1 < hi.y0):
                    first, second = (a, b) if lo is before[a] else (b, a)
                    if after[second][axis] - after[first][axis] < -1.0:
                        wrong.append(f"{first} / {second} along {'xy'[axis]}")
    return wrong


# -- a hand-made sketch ----------------------------------------------------------------


@pytest.fixture(scope="module")
def sketch(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sketch") / "sketch.png"
    _figure(path, SKETCH_BOXES, SKETCH_ARROWS, title="Traffic monitoring")
    return path


@pytest.fixture(scope="module")
def sketched(sketch):
    return spec_from_sketch(sketch, "Tracker → Alert service")


def test_a_sketch_gives_every_label_as_an_element_and_every_arrow_as_a_connection(sketched):
    names = {name_key(e.name): e.id for e in sketched.elements}
    assert set(map(name_key, SKETCH_BOXES)) | {"alert service"} == set(names)
    assert sketched.title == "Traffic monitoring" and "traffic monitoring" not in names
    pairs = {(c.source, c.target) for c in sketched.connections}
    wanted = {(names[name_key(a)], names[name_key(b)]) for a, b in SKETCH_ARROWS}
    assert wanted | {(names["tracker"], names["alert service"])} == pairs
    kinds = {(c.kind, tuple(c.ids)) for c in sketched.constraints}
    top = tuple(names[k] for k in ("camera", "detector", "tracker"))
    assert ("same_row", top) in kinds and ("order", top) in kinds
    assert ("same_row", (names["database"], names["dashboard"])) in kinds
    assert sketched.direction() == "right" and sketched.condition.value == "sketch"


def test_the_redraw_keeps_the_sketchs_order_and_aligns_its_rows(sketched):
    svg = render_svg(draw_request(sketched, propose(sketched, 1)[0]))
    found = _read(svg)
    centres = _centres_by_text(found)
    before = {name_key(k): Box(*v) for k, v in SKETCH_BOXES.items()}
    assert set(before) <= set(centres)
    assert _same_order(before, centres) == []
    assert len({round(centres[k][1], 3) for k in ("camera", "detector", "tracker")}) == 1
    glued = {(it.source_id, it.target_id) for it in found if it.kind == "connector"}
    assert {(c.source, c.target) for c in sketched.connections} <= glued
    boxes = [it.box for it in found if it.kind == "shape" and it.layer != "Background"]
    assert all(a.intersection(b) is None for i, a in enumerate(boxes) for b in boxes[i + 1:])


def _text(tid: str, s: str, xyxy, parent=None) -> Element:
    box = Box(*xyxy)
    return Element(tid, Kind.TEXT, box, parent_id=parent,
                   text=TextContent(tuple(TextLine(ln, box, box.y1) for ln in s.split("\n"))))


def _rect(sid: str, xyxy) -> Element:
    return Element(sid, Kind.SHAPE, Box(*xyxy), shape=ShapeContent(ShapeKind.RECT))


def test_free_prose_becomes_notes_and_an_unlabelled_box_around_boxes_a_container():
    scene = Scene((800, 400), elements=(
        _rect("outer", (20, 60, 520, 260)), _rect("a", (40, 120, 200, 200)), _rect("b", (300, 120, 480, 200)),
        _text("ta", "Encoder", (80, 150, 160, 166), "a"), _text("tb", "Decoder", (350, 150, 430, 166), "b"),
        _text("tc", "Output", (620, 150, 690, 166)),
        _text("prose", "The model reads the input and writes the output.", (40, 300, 560, 316)),
        Element("c1", Kind.CONNECTOR, Box(200, 160, 300, 160), connector=ConnectorContent(
            ((300.0, 160.0), (200.0, 160.0)), head_start=True)),
        Element("c2", Kind.CONNECTOR, Box(480, 160, 615, 160), connector=ConnectorContent(
            ((482.0, 160.0), (615.0, 160.0)), head_end=True))))
    found = read_sketch(scene)
    spec = sketch_spec(found)
    ids = {e.name: e.id for e in spec.elements}
    assert set(ids) == {"Encoder", "Decoder", "Output"}
    assert spec.layout.notes == ("The model reads the input and writes the output.",)
    assert len(spec.groups) == 1 and set(spec.groups[0].members) == {ids["Encoder"], ids["Decoder"]}
    assert {(c.source, c.target) for c in spec.connections} == {(ids["Encoder"], ids["Decoder"]),
                                                                (ids["Decoder"], ids["Output"])}


# -- key elements and secondary nodes ---------------------------------------------------


def test_key_elements_are_drawn_as_images_that_inspect_lists(tmp_path, capsys):
    from crafteditor import cli

    for name, colour in (("camera.png", (200, 40, 40)), ("satellite_dish.png", (40, 90, 200))):
        (tmp_path / name).write_bytes(_png(colour))
    spec = add_key_elements(read_intent("Camera → Detector → Database"),
                            [tmp_path / "camera.png", tmp_path / "satellite_dish.png"])
    svg = render_svg(draw_request(spec, propose(spec, 1)[0]))
    found = {it.id: it for it in _read(svg)}
    pictured = {e.id for e in spec.elements if e.image_path}
    assert len(pictured) == 2 and any(name_key(e.name) == "satellite dish" for e in spec.elements)
    for element_id in pictured:
        picture = found[f"{element_id}-icon"]
        assert picture.kind == "image" and found[element_id].box.contains(picture.box, 1.0)
    out = tmp_path / "fig.svg"
    out.write_bytes(svg)
    assert cli.main(["inspect", str(out), "--json", "--kind", "image"]) == 0
    assert {r["id"] for r in json.loads(capsys.readouterr().out)} == {f"{i}-icon" for i in pictured}


def test_a_secondary_node_is_drawn_smaller_and_lighter():
    scene = draw(DrawRequest((Node("a", "Main stage"), Node("b", "Main stage", secondary=True))))
    a, b = scene.by_id("a"), scene.by_id("b")
    ta, tb = scene.by_id("a-label"), scene.by_id("b-label")
    assert tb.style.font_size_px < ta.style.font_size_px and b.box.width < a.box.width
    lum = lambda c: sum(int(c[i:i + 2], 16) for i in (1, 3, 5))  # noqa: E731
    assert lum(b.style.fill) > lum(a.style.fill) and lum(b.style.stroke) > lum(a.style.stroke)
    assert lum(tb.style.fill) > lum(ta.style.fill)


# -- mask completion -------------------------------------------------------------------

ROW = {"Input": (30, 120, 190, 200), "Encoder": (250, 120, 410, 200), "Decoder": (470, 120, 630, 200),
       "Output": (690, 120, 850, 200)}
MASK = (440, 90, 660, 230)


@pytest.fixture(scope="module")
def completed(tmp_path_factory):
    from PIL import Image, ImageDraw

    folder = tmp_path_factory.mktemp("mask")
    full = folder / "full.png"
    _figure(full, ROW, [("Input", "Encoder"), ("Encoder", "Decoder"), ("Decoder", "Output")], size=(880, 320))
    partial = Image.open(full).convert("RGB")
    ImageDraw.Draw(partial).rectangle(MASK, fill=(128, 128, 128))  # the masked part, blanked grey
    partial.save(folder / "partial.png")
    mask = Image.new("L", partial.size, 0)
    ImageDraw.Draw(mask).rectangle(MASK, fill=255)
    mask.save(folder / "mask.png")
    spec = read_intent("Input → Encoder → Decoder → Output")
    kept, region = complete(folder / "partial.png", folder / "mask.png", spec)
    return spec, kept, region, folder


def test_mask_completion_keeps_the_unmasked_part_and_finds_the_region(completed):
    spec, kept, region, _ = completed
    assert region == pytest.approx((MASK[0], MASK[1], MASK[2] + 1, MASK[3] + 1))
    texts = {name_key(t.text.string): t for t in kept.texts}
    assert set(texts) == {"input", "encoder", "output"}
    for name in ("Input", "Encoder", "Output"):
        holder = kept.by_id(texts[name_key(name)].parent_id)
        assert holder.box.iou(Box(*ROW[name])) > 0.9
    request = region_request(spec, kept, region)
    assert [n.label for n in request.nodes] == ["Decoder"] and request.canvas_wh == (221, 141)


def test_the_region_is_filled_with_the_missing_component_glued_to_the_kept_ones(completed):
    from composition.writer import write_svg

    spec, kept, region, _ = completed
    merged = merge(kept, region_scene(spec, kept, region), region)
    assert len({e.id for e in merged}) == len(merged)
    for e in kept:
        assert merged.by_id(e.id).box == e.box
    found = _read(write_svg(merged).encode())
    by_id = {it.id: it for it in found}
    decoder = next(it for it in found if it.kind == "text" and name_key(it.text) == "decoder")
    assert Box(*region).contains(decoder.box)
    holder = {name_key(t.text.string): t.parent_id for t in kept.texts}
    glued = {(it.source_id, it.target_id) for it in found if it.kind == "connector"}
    new_box = next(e.id for e in merged if e.kind == Kind.SHAPE and Box(*region).contains(e.box))
    assert (holder["encoder"], new_box) in glued and (new_box, holder["output"]) in glued
    for it in found:
        if it.kind == "connector" and new_box in (it.source_id, it.target_id):
            for end, owner in ((it.points[0], it.source_id), (it.points[-1], it.target_id)):
                assert by_id[owner].box.expand(3.0).contains_point(*end)


def test_a_mask_that_marks_nothing_is_an_input_error(completed, tmp_path):
    from PIL import Image

    spec, _, _, folder = completed
    Image.new("L", (880, 320), 0).save(tmp_path / "empty.png")
    with pytest.raises(InputError, match="marks no region"):
        complete(folder / "partial.png", tmp_path / "empty.png", spec)


# -- CraftBench -----------------------------------------------------------------------


@pytest.mark.slow
def test_craftbench_sketch_sample_keeps_every_component_and_its_arrangement():
    sample = json.loads((CRAFTBENCH / "samples" / "craftbench-0004.json").read_text())
    found = sketch_reading(CRAFTBENCH / sample["input_image"])
    spec = sketch_spec(found, sample["instruction"], style=sample["style"])
    assert len(spec.elements) >= 10
    read_back = _read(render_svg(draw_request(spec, propose(spec, 1)[0])))
    labels = {it.id: " ".join(it.text.split()) for it in read_back if it.kind == "text"}
    for e in spec.elements:
        assert labels.get(f"{e.id}-label") == " ".join(e.name.split())
    parts = {p.id: p.box for p in found.components()}
    drawn = {it.id: it.box.center for it in read_back if it.id in parts}
    assert set(drawn) == set(parts)
    assert _same_order(parts, drawn) == []


def test_merge_moves_the_generated_part_into_the_region_and_keeps_ids_unique():
    from svgelements import Path as SvgPath

    kept = Scene((400, 200), elements=(_rect("a", (10, 10, 90, 60)), _text("a-label", "Store", (20, 30, 80, 40), "a")))
    generated = draw(DrawRequest((Node("a", "Feature store", ShapeKind.CYLINDER),)))
    region = (200.0, 50.0, 200.0 + generated.image_wh[0], 50.0 + generated.image_wh[1])
    merged = merge(kept, generated, region)
    assert len({e.id for e in merged}) == len(merged) == len(kept) + len(generated)
    assert merged.by_id("a") == kept.by_id("a") and merged.by_id("a-label") == kept.by_id("a-label")
    moved = next(e for e in merged if e.kind == Kind.SHAPE and e.id != "a")
    label = next(e for e in merged if e.kind == Kind.TEXT and e.parent_id == moved.id)
    assert Box(*region).contains(moved.box) and moved.box.contains(label.box)
    x0, y0, x1, y1 = SvgPath(moved.shape.d).bbox()
    assert (x0, y0, x1, y1) == pytest.approx(moved.box.xyxy, abs=0.5)


# -- end to end, through ``crafteditor generate`` ----------------------------------------


def test_generate_redraws_a_sketch_keeping_its_order(sketch, tmp_path, capsys):
    from crafteditor import cli

    out = tmp_path / "redrawn.svg"
    status = cli.main(["generate", "Tracker → Alert service", "--sketch", str(sketch), "-o", str(out),
                       "--candidates", "1", "--rounds", "1", "--quiet"])
    assert status == 0, capsys.readouterr().err
    found = _read(out.read_bytes())
    centres = _centres_by_text(found)
    assert set(map(name_key, SKETCH_BOXES)) | {"alert service"} <= set(centres)
    before = {name_key(k): Box(*v) for k, v in SKETCH_BOXES.items()}
    assert _same_order(before, {k: centres[k] for k in before}) == []
    glued = {(it.source_id, it.target_id) for it in found if it.kind == "connector"}
    assert len(glued) >= len(SKETCH_ARROWS) + 1


def test_generate_completes_a_masked_figure(completed, tmp_path, capsys):
    from crafteditor import cli

    _, kept, region, folder = completed
    out = tmp_path / "completed.svg"
    status = cli.main(["generate", "Input → Encoder → Decoder → Output", "--partial", str(folder / "partial.png"),
                       "--mask", str(folder / "mask.png"), "-o", str(out), "--candidates", "1", "--rounds", "0",
                       "--quiet"])
    assert status == 0, capsys.readouterr().err
    found = _read(out.read_bytes())
    texts = {name_key(it.text): it for it in found if it.kind == "text"}
    assert {"input", "encoder", "decoder", "output"} <= set(texts)
    assert Box(*region).contains(texts["decoder"].box)
    for name in ("Input", "Encoder", "Output"):  # the kept part stays where it was
        assert Box(*ROW[name]).contains(texts[name_key(name)].box, 2.0)
    assert sum(bool(it.kind == "connector" and it.source_id and it.target_id) for it in found) >= 3
