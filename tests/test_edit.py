"""Element-level editing: selectors, operations, what follows a change, what must not change."""

import base64

import pytest
from lxml import etree

from crafteditor import cli
from crafteditor.svg.edit import Operation, Selector, Step, edit_file, edit_svg
from crafteditor.model.errors import InputError, OutputError
from crafteditor.svg.items import items
from crafteditor.svg.doc import SvgDocument
from tests.editing import figure_svg, png_bytes


def _edit(*steps: Step, data: bytes | None = None):
    out, report = edit_svg(data or figure_svg(), list(steps))
    return {it.id: it for it in items(SvgDocument.from_bytes(out))}, report, out


def _step(selector: str, *ops: tuple, many: bool = False) -> Step:
    return Step((Selector.parse(selector),), tuple(Operation(*op) for op in ops), many)


def _elements(data: bytes) -> dict[str, bytes]:
    root = etree.fromstring(data)
    return {el.get("id"): etree.tostring(el) for el in root.iter() if isinstance(el.tag, str) and el.get("id")}


# -- selectors --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("selector", "expected"), [
    ("id:shape-0002", ["shape-0002"]),
    ("text:Decoder", ["text-0002"]),
    ("text:~PIPE", ["text-0004"]),
    ("label:Loss", ["group-shape-0003", "text-0003"]),
    ("label:~decod", ["group-shape-0002", "text-0002"]),
    ("kind:connector", ["connector-0001", "connector-0002"]),
    ("kind:image", ["icon-0001"]),
])
def test_selectors_pick_what_they_name(selector, expected):
    _found, report, _out = _edit(_step(selector, ("bring_forward",), many=True))
    assert list(report.selected[0]) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("colour:red", "bad selector"), ("id", "bad selector"), ("text:", "nothing after"),
    ("kind:blob", "the kinds are"),
])
def test_bad_selectors_are_errors(text, says):
    with pytest.raises(InputError, match=says):
        Selector.parse(text)


def test_a_selector_that_matches_nothing_is_an_error():
    with pytest.raises(InputError, match="nothing matches id:shape-9999"):
        _edit(_step("id:shape-9999", ("delete",)))


def test_a_selector_that_matches_several_needs_all():
    with pytest.raises(InputError, match="matches 2 elements"):
        _edit(_step("kind:connector", ("stroke", "red")))
    found, report, _ = _edit(_step("kind:connector", ("stroke", "red"), many=True))
    assert found["connector-0001"].paint.stroke == found["connector-0002"].paint.stroke == "#ff0000"


def test_selectors_of_one_step_must_all_match():
    step = Step((Selector.parse("kind:text"), Selector.parse("text:~o")), (Operation("text_color", "blue"),), True)
    found, report, _ = _edit(step)
    assert set(report.selected[0]) == {"text-0001", "text-0002", "text-0003"}  # Encoder, Decoder, Loss
    assert found["text-0004"].paint.fill == "#1a1a1a"


# -- operations -------------------------------------------------------------------------------------

def test_set_text_replaces_a_label_and_its_inkscape_label():
    found, _r, out = _edit(_step("text:Decoder", ("set_text", "Decoder v2")))
    assert found["text-0002"].text == "Decoder v2" and found["text-0002"].label == "Decoder v2"
    assert b">Decoder v2</tspan>" in out


def test_set_text_on_a_box_changes_its_label_and_new_lines_become_tspans():
    found, _r, out = _edit(_step("id:shape-0003", ("set_text", "Cross\nentropy")))
    assert found["text-0003"].text == "Cross\nentropy"
    (a, _), (b, _) = found["text-0003"].lines
    root = etree.fromstring(out)
    spans = root.xpath("//*[@id='text-0003']/*[local-name()='tspan']")
    assert [s.text for s in spans] == ["Cross", "entropy"]
    assert float(spans[1].get("y")) - float(spans[0].get("y")) == pytest.approx(1.2 * 16)


def test_move_takes_the_label_and_the_glued_connector_ends_along():
    found, report, _ = _edit(_step("id:shape-0002", ("move", (15, -10))))
    assert found["shape-0002"].box.xyxy == (255, 30, 375, 90)
    assert found["text-0002"].box.center == pytest.approx((315, 62.36), abs=0.01)
    assert found["connector-0001"].points == ((140, 70), (255, 60))  # its end follows
    # the elbow's first leg stays horizontal: its corner moves with the start
    assert found["connector-0002"].points == ((375, 60), (400, 60), (400, 230), (360, 230))
    assert found["shape-0001"].box.xyxy == (20, 40, 140, 100)
    assert sorted(report.notes) == ["connector-0001 follows shape-0002 (end)",
                                    "connector-0002 follows shape-0002 (start)"]


def test_moving_the_group_moves_the_box_its_label_and_the_connector_ends():
    found, _r, out = _edit(_step("id:group-shape-0001", ("move", (0, 20))))
    assert found["shape-0001"].box.xyxy == (20, 60, 140, 120)
    assert found["connector-0001"].points == ((140, 90), (240, 70))
    assert b'<g id="group-shape-0001" inkscape:label="Encoder" transform="translate(0,20)">' in out


@pytest.mark.parametrize(("value", "box"), [
    (("size", 180, 90), (240, 200, 420, 290)),
    (("scale", 0.5), (240, 200, 300, 230)),
])
def test_resize_keeps_the_corner_and_moves_the_label_and_the_connector_end(value, box):
    found, _r, _ = _edit(_step("id:shape-0003", ("resize", value)))
    assert found["shape-0003"].box.xyxy == pytest.approx(box)
    b = found["shape-0003"].box
    sx, sy = b.width / 120, b.height / 60
    (cx, cy) = {it.id: it for it in items(SvgDocument.from_bytes(figure_svg()))}["text-0003"].box.center
    assert found["text-0003"].box.center == pytest.approx((240 + (cx - 240) * sx, 200 + (cy - 200) * sy), abs=0.01)
    end = found["connector-0002"].points[-1]
    assert end == pytest.approx((b.x1, b.y0 + 0.5 * b.height))  # still at the middle of the right side


def test_resize_refuses_text():
    with pytest.raises(InputError, match="font-size"):
        _edit(_step("id:text-0004", ("resize", ("scale", 2.0))))


def test_fill_stroke_and_text_colour_and_the_arrowhead_follows_its_line():
    found, _r, out = _edit(_step("id:shape-0001", ("fill", "#ffcc00"), ("stroke", "navy"), ("text_color", "red")),
                           _step("id:connector-0001", ("stroke", "#c00000")))
    assert found["shape-0001"].paint.fill == "#ffcc00" and found["shape-0001"].paint.stroke == "#000080"
    assert found["text-0001"].paint.fill == "#ff0000"
    root = etree.fromstring(out)
    conn = root.xpath("//*[@id='connector-0001']")[0]
    own = conn.get("marker-end")[5:-1]
    assert own != "arrowhead-1"  # the shared marker was copied for it
    assert root.xpath(f"//*[@id='{own}']/*")[0].get("fill") == "#c00000"
    assert root.xpath("//*[@id='arrowhead-1']/*")[0].get("fill") == "#333333"  # the other arrow keeps its head


def test_font_size_and_family_on_a_box_change_its_label():
    found, _r, _ = _edit(_step("id:shape-0001", ("font_size", 22.5), ("font_family", "Liberation Serif, serif")))
    assert found["text-0001"].paint.font_size == 22.5
    assert found["text-0001"].paint.font_family.startswith("Liberation Serif")


@pytest.mark.parametrize(("op", "value", "says"), [
    ("fill", "blurple", "not a colour"), ("font_size", -3, "more than 0"), ("font_family", "a;b", "font family"),
])
def test_bad_operation_values_are_errors(op, value, says):
    with pytest.raises(InputError, match=says):
        _edit(_step("id:shape-0001", (op, value)))


def test_delete_takes_the_label_and_reports_the_connectors_left_dangling():
    found, report, out = _edit(_step("id:shape-0002", ("delete",)))
    assert "shape-0002" not in found and "text-0002" not in found and "group-shape-0002" not in found
    assert found["connector-0001"].target_id is None and found["connector-0001"].source_id == "shape-0001"
    assert found["connector-0002"].source_id is None
    assert sorted(report.notes) == ["connector-0001 now dangles: its end was glued to shape-0002",
                                    "connector-0002 now dangles: its start was glued to shape-0002"]


def test_swap_image_puts_the_new_picture_in_the_same_box(tmp_path):
    new = tmp_path / "logo.png"
    new.write_bytes(png_bytes((0, 120, 255), (64, 64)))
    found, _r, out = _edit(_step("id:icon-0001", ("swap_image", str(new))))
    assert found["icon-0001"].box.xyxy == (40, 200, 80, 230)
    href = found["icon-0001"].href
    assert href.startswith("data:image/png;base64,") and base64.b64decode(href.split(",", 1)[1]) == new.read_bytes()
    assert b'preserveAspectRatio="xMidYMid meet"' in out


def test_swap_image_replaces_a_shape_by_a_picture_in_its_box(tmp_path):
    new = tmp_path / "icon.svg"
    new.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>')
    found, _r, _ = _edit(_step("id:shape-0003", ("swap_image", str(new))))
    assert found["shape-0003"].kind == "image" and found["shape-0003"].box.xyxy == (240, 200, 360, 260)
    assert found["shape-0003"].href.startswith("data:image/svg+xml;base64,")


@pytest.mark.parametrize(("content", "says"), [(b"GIF89a....", "not a PNG, JPEG or SVG"),
                                               (b"<svg><!ENTITY", "not well-formed")])
def test_swap_image_refuses_what_is_not_an_image(tmp_path, content, says):
    bad = tmp_path / "bad.img"
    bad.write_bytes(content)
    with pytest.raises(InputError, match=says):
        _edit(_step("id:icon-0001", ("swap_image", str(bad))))


def test_bring_forward_and_send_backward_swap_with_the_next_sibling():
    def order(data):
        return [el.get("id") for el in etree.fromstring(data).iter() if (el.get("id") or "").startswith("group-")]
    _f, _r, fwd = _edit(_step("id:group-shape-0001", ("bring_forward",)))
    assert order(fwd) == ["group-shape-0002", "group-shape-0001", "group-shape-0003"]
    _f, _r, back = _edit(_step("id:group-shape-0003", ("send_backward",)))
    assert order(back) == ["group-shape-0001", "group-shape-0003", "group-shape-0002"]
    _f, report, _ = _edit(_step("id:group-shape-0003", ("bring_forward",)))
    assert report.notes == ["group-shape-0003 is already in front of its group"]


# -- what must not change ---------------------------------------------------------------------------

@pytest.mark.parametrize("step", [
    _step("id:shape-0002", ("move", (15, -10))),
    _step("text:Encoder", ("set_text", "Image encoder"), ("font_size", 18)),
    _step("id:shape-0003", ("resize", ("scale", 1.5)), ("fill", "#ffffff")),
    _step("id:shape-0001", ("delete",)),
])
def test_every_element_the_edit_does_not_touch_stays_byte_identical(step):
    before = _elements(figure_svg())
    _f, report, out = _edit(step)
    after = _elements(out)
    touched = set(report.changed)
    root = etree.fromstring(figure_svg())
    # an element holding a changed one changes with it; everything else must be as it was
    holders = {a.get("id") for t in touched for el in root.xpath(f"//*[@id='{t}']") for a in el.iterancestors()}
    for el_id, text in before.items():
        if el_id in touched or el_id in holders or any(el_id.startswith(t + "-") for t in touched):
            continue
        assert after.get(el_id) == text, el_id
    assert len(touched) < len(before) / 2


def test_a_foreign_svg_is_edited_by_the_ids_it_is_given():
    data = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><rect x="10" y="10" width="50" '
            b'height="30" style="fill:#00ff00"/><text x="20" y="30">Hello</text><text x="100" y="80">Hello</text>'
            b'</svg>')
    with pytest.raises(InputError, match="matches 2 elements"):
        edit_svg(data, [_step("text:Hello", ("set_text", "Hi"))])
    found, _r, out = _edit(_step("id:rect-0001", ("fill", "#0000ff"), ("move", (5, 5))), data=data)
    assert found["rect-0001"].paint.fill == "#0000ff" and found["rect-0001"].box.xyxy == (15, 15, 65, 45)
    assert b'style="fill:#0000ff"' in out  # CSS wins over attributes, so the new colour goes where the old was
    assert found["text-0001"].box.x0 == pytest.approx(25, abs=0.5)  # the label inside the box moved too
    assert found["text-0002"].box.x0 == pytest.approx(100, abs=0.5)


def test_the_api_writes_atomically_and_never_the_input_unless_asked(tmp_path):
    src = tmp_path / "fig.svg"
    src.write_bytes(figure_svg())
    with pytest.raises(InputError, match="-o OUT.svg"):
        edit_file(src, [_step("id:shape-0001", ("delete",))])
    with pytest.raises(OutputError, match="overwrite the input"):
        edit_file(src, [_step("id:shape-0001", ("delete",))], out=src)
    with pytest.raises(InputError, match="nothing matches"):
        edit_file(src, [_step("id:nope", ("delete",))], out=tmp_path / "out.svg")
    assert not (tmp_path / "out.svg").exists() and src.read_bytes() == figure_svg()
    edit_file(src, [_step("id:shape-0001", ("delete",))], in_place=True)
    assert b"shape-0001" not in src.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["fig.svg"]  # no temporary file left


# -- the command line -------------------------------------------------------------------------------

def test_edit_command_applies_several_selections_in_order(tmp_path, capsys):
    src, out = tmp_path / "fig.svg", tmp_path / "out.svg"
    src.write_bytes(figure_svg())
    argv = ["edit", str(src), "-o", str(out), "--where", "text:Decoder", "--set-text", r"New\ndecoder",
            "--where", "kind:shape", "--where", "label:rect", "--fill", "#eeeeee", "--all",
            "--where", "id:shape-0001", "--move", "10,0"]
    assert cli.main(argv) == 0
    found = {it.id: it for it in items(SvgDocument.read(out))}
    assert found["text-0002"].text == "New\ndecoder"
    assert all(found[f"shape-000{i}"].paint.fill == "#eeeeee" for i in (1, 2, 3))
    assert found["background"].paint.fill == "#ffffff"
    assert found["shape-0001"].box.x0 == 30 and found["connector-0001"].points[0] == (150, 70)
    io = capsys.readouterr()
    assert "connector-0001 follows shape-0001 (start)" in io.err and f"wrote {out}" in io.out


@pytest.mark.parametrize(("args", "says"), [
    (["--fill", "red"], "needs a selection first"),
    (["--where", "id:shape-0001"], "followed by no operation"),
    ([], "nothing to do"),
    (["--where", "nope:x", "--delete"], "bad selector"),
    (["--where", "kind:shape", "--delete"], "add --all"),
    (["--where", "id:shape-0001", "--delete", "--in-place", "-o", "x.svg"], "not both"),
])
def test_edit_command_errors_are_one_line_and_leave_the_input_alone(tmp_path, capsys, args, says):
    src = tmp_path / "fig.svg"
    src.write_bytes(figure_svg())
    out = ["-o", str(tmp_path / "out.svg")] if "-o" not in args else []
    assert cli.main(["edit", str(src), *out, *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0]
    assert src.read_bytes() == figure_svg() and not (tmp_path / "out.svg").exists()


def test_inspect_lists_every_element_as_a_table_and_as_json(tmp_path, capsys):
    import json

    src = tmp_path / "fig.svg"
    src.write_bytes(figure_svg())
    assert cli.main(["inspect", str(src)]) == 0
    table = capsys.readouterr().out
    assert "connector-0002" in table and "shape-0002 -> shape-0003" in table and "Training pipeline" in table
    assert cli.main(["inspect", str(src), "--json", "--kind", "connector"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["connector-0001", "connector-0002"]
    assert rows[0]["connects"] == {"start": "shape-0001", "end": "shape-0002"} and rows[0]["layer"] == "Connectors"
    assert rows[0]["marks"] == {"start": None, "end": "arrow"}
    assert cli.main(["inspect", str(src), "--kind", "blob"]) == 2


def test_a_page_sized_background_holds_no_label():
    data = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><rect width="200" height="100" '
            b'fill="#ffffff"/><text x="20" y="30">Title</text></svg>')
    found, _r, _ = _edit(_step("id:rect-0001", ("move", (0, 10))), data=data)
    assert found["text-0001"].box.y1 == pytest.approx(30 + 0.22 * 16, abs=0.01)  # the text stays


def test_locked_elements_are_selected_by_id_only():
    _f, report, _ = _edit(_step("kind:shape", ("stroke", "#444444"), many=True))
    assert "background" not in report.selected[0] and "shape-0001" in report.selected[0]
    found, _r, _ = _edit(_step("id:background", ("fill", "#fafafa")))
    assert found["background"].paint.fill == "#fafafa" and found["background"].locked
