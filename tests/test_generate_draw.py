"""The offline executor: a draw request laid out by a real engine, drawn as a layered SVG,
then read back as ``inspect`` reads it and checked as ``check`` checks it."""

from __future__ import annotations

import io

import pytest

from checkers import layout as layout_checks
from checkers.base import read_figure, run_checks
from crafteditor.generate.draw import draw, layout_graph, measure, render_svg
from crafteditor.generate.graph import Constraint, Direction, DrawRequest, Edge, EdgeKind, Node, Routing
from crafteditor.generate.layout import available_engines, get_engine
from crafteditor.model.errors import EngineUnavailable, InputError
from crafteditor.model.kinds import ShapeKind
from crafteditor.svg.doc import SvgDocument
from crafteditor.svg.items import items

ENGINES = [pytest.param(name, marks=pytest.mark.skipif(name not in available_engines(),
                                                       reason=f"the {name} layout engine is not installed"))
           for name in ("elk", "dot")]


def _chain(n: int, direction: Direction = Direction.RIGHT, **kw) -> DrawRequest:
    nodes = tuple(Node(f"n{i}", f"Stage {i} of the pipeline" if i % 2 else f"Step {i}") for i in range(n))
    edges = tuple(Edge(f"e{i}", f"n{i}", f"n{i + 1}") for i in range(n - 1))
    return DrawRequest(nodes, edges, direction=direction, **kw)


def _branching() -> DrawRequest:
    nodes = (Node("data", "Raw data"), Node("clean", "Cleaning"), Node("ok", "Valid?", ShapeKind.DIAMOND),
             Node("train", "Training"), Node("reject", "Rejected samples", ShapeKind.ROUNDED_RECT),
             Node("eval", "Evaluation", ShapeKind.ELLIPSE))
    edges = (Edge("a", "data", "clean"), Edge("b", "clean", "ok"), Edge("c", "ok", "train", "yes"),
             Edge("d", "ok", "reject", "no", EdgeKind.DASHED), Edge("f", "train", "eval", kind=EdgeKind.BOTH))
    return DrawRequest(nodes, edges, title="A branching flow")


def _nested() -> DrawRequest:
    nodes = (Node("img", "Image"), Node("model", "Vision-language model"), Node("vis", "Vision tower", parent_id="model"),
             Node("enc", "Patch encoder", parent_id="vis"), Node("proj", "Projector", parent_id="vis"),
             Node("llm", "Language model", parent_id="model"), Node("ans", "Answer", ShapeKind.ROUNDED_RECT))
    edges = (Edge("e1", "img", "enc"), Edge("e2", "enc", "proj"), Edge("e3", "proj", "llm", "tokens"),
             Edge("e4", "llm", "ans"))
    return DrawRequest(nodes, edges, title="Nested containers")


def _loop() -> DrawRequest:
    nodes = (Node("policy", "Policy"), Node("env", "Environment"), Node("buffer", "Replay buffer"),
             Node("update", "Gradient update"))
    edges = (Edge("act", "policy", "env", "action"), Edge("obs", "env", "buffer", "transition"),
             Edge("batch", "buffer", "update"), Edge("back", "update", "policy", "new weights", EdgeKind.DASHED))
    return DrawRequest(nodes, edges, direction=Direction.DOWN)


def _png(colour: tuple[int, int, int], wh: tuple[int, int] = (32, 32)) -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", wh, "white")
    ImageDraw.Draw(im).ellipse((2, 2, wh[0] - 3, wh[1] - 3), fill=colour)
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def _icons() -> DrawRequest:
    nodes = (Node("cam", "Camera", icon_png=_png((200, 40, 40))), Node("det", "Detector"),
             Node("db", "Database", ShapeKind.CYLINDER, icon_png=_png((40, 90, 200), (48, 32))))
    return DrawRequest(nodes, (Edge("e1", "cam", "det"), Edge("e2", "det", "db")))


def _read(svg: bytes) -> dict:
    return {it.id: it for it in items(SvgDocument.from_bytes(svg))}


def _assert_readable(request: DrawRequest, svg: bytes) -> dict:
    """Every label is a <text> within its box, every edge a connector glued to its shapes,
    no two sibling boxes overlap."""
    found = _read(svg)
    for n in request.nodes:
        shape = found[n.id]
        assert shape.kind in ("shape", "path")
        label = found[f"{n.id}-label"]
        assert label.kind == "text" and label.text.replace("\n", " ") == " ".join(n.label.split())
        assert shape.box.contains(label.box, 1.0), (n.id, shape.box, label.box)
    for e in request.edges:
        c = found[e.id]
        assert c.kind == "connector" and (c.source_id, c.target_id) == (e.source, e.target)
        assert (c.end_mark == "arrow") == (e.kind != EdgeKind.LINE)
        assert (c.start_mark == "arrow") == (e.kind == EdgeKind.BOTH)
        for end, node_id in ((c.points[0], e.source), (c.points[-1], e.target)):
            assert found[node_id].box.expand(2.0).contains_point(*end), (e.id, end, found[node_id].box)
    for a in request.nodes:
        for b in request.nodes:
            if a.id < b.id and a.parent_id == b.parent_id:
                assert found[a.id].box.intersection(found[b.id].box) is None, (a.id, b.id)
    return found


def _check_findings(svg: bytes) -> list:
    """``check``'s overflow and overlap findings, against a blank page of the figure's size: a
    source that draws nothing excuses no overflow and no overlap."""
    import numpy as np

    width, height = (int(float(v)) for v in SvgDocument.from_bytes(svg).root.get("viewBox").split()[2:])
    figure = read_figure(svg, np.full((height, width, 3), 255, np.uint8))
    return run_checks(figure, (layout_checks.text_overflow, layout_checks.overlap))


CASES = {"pipeline": lambda: _chain(5), "branching": _branching, "nested": _nested, "loop": _loop, "icons": _icons}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_drawn_request_reads_back_as_text_shapes_and_glued_connectors(case, engine):
    request = CASES[case]()
    svg = render_svg(request, get_engine(engine))
    _assert_readable(request, svg)
    assert [f.code for f in _check_findings(svg)] == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("direction, axis", [(Direction.RIGHT, 0), (Direction.DOWN, 1), (Direction.LEFT, 0)])
def test_the_direction_orders_a_chain(engine, direction, axis):
    request = _chain(5, direction)
    found = _read(render_svg(request, get_engine(engine)))
    centres = [found[f"n{i}"].box.center[axis] for i in range(5)]
    assert centres == sorted(centres, reverse=direction == Direction.LEFT)
    across = [found[f"n{i}"].box.center[1 - axis] for i in range(5)]
    assert max(across) - min(across) < 1.0  # a chain is drawn on one line


@pytest.mark.parametrize("engine", ENGINES)
def test_containers_hold_their_children_below_them(engine):
    request = _nested()
    scene = draw(request, get_engine(engine))
    boxes = {e.id: e.box for e in scene.elements}
    for n in request.nodes:
        if n.parent_id:
            assert boxes[n.parent_id].contains(boxes[n.id])
    order = [e.id for e in scene.elements]
    assert order.index("model") < order.index("vis") < order.index("enc")  # painted below their contents
    svg = render_svg(request, get_engine(engine))
    assert all(f.code != "text-overflow" for f in _check_findings(svg))


def test_the_check_used_here_flags_a_label_run_out_of_its_box():
    request = _chain(2)
    svg = render_svg(request)
    longer = svg.replace(b">Step 0<", b">Step 0 runs out<")
    assert longer != svg
    assert [f.code for f in _check_findings(longer)] == ["text-overflow"]


def test_icons_sit_in_their_box_above_their_label():
    request = _icons()
    found = _read(render_svg(request))
    for node_id in ("cam", "db"):
        picture, label, box = found[f"{node_id}-icon"], found[f"{node_id}-label"], found[node_id].box
        assert picture.kind == "image" and picture.href.startswith("data:image/png")
        assert box.contains(picture.box, 1.0) and picture.box.y1 <= label.box.y0
    assert found["db-icon"].box.width == pytest.approx(1.5 * found["db-icon"].box.height, rel=0.01)


def test_a_long_label_wraps_and_its_box_grows_to_hold_it():
    words = "a deliberately long component name that would never fit on a single line of a box"
    request = DrawRequest((Node("a", words), Node("b", "Short")), (Edge("e", "a", "b"),))
    found = _read(render_svg(request))
    label = found["a-label"]
    assert 2 <= len(label.lines) <= 3
    assert found["a"].box.contains(label.box, 1.0)
    assert found["a"].box.height > found["b"].box.height


def test_straight_routing_draws_one_segment_between_borders():
    request = _chain(3, routing=Routing.STRAIGHT)
    found = _assert_readable(request, render_svg(request))
    assert all(len(found[f"e{i}"].points) == 2 for i in range(2))


def test_every_pinned_box_is_kept_and_no_engine_is_run():
    class Refuses:
        name = "refuses"

        def layout(self, graph):
            raise AssertionError("the engine must not run when every box is pinned")

    pins = (("n0", (40.0, 300.0, 200.0, 360.0)), ("n1", (400.0, 60.0, 560.0, 120.0)), ("n2", (400.0, 300.0, 560.0, 360.0)))
    request = _chain(3, pinned_xyxy=pins)
    scene = draw(request, Refuses())
    for node_id, xyxy in pins:
        box = scene.by_id(node_id).box
        assert box.contains(type(box)(*xyxy)) and box.center == pytest.approx(type(box)(*xyxy).center)
    _assert_readable(request, render_svg(request, Refuses()))


def test_a_partly_pinned_request_keeps_its_pins():
    request = _chain(4, pinned_xyxy=(("n3", (600.0, 400.0, 760.0, 460.0)),))
    scene = draw(request)
    assert scene.by_id("n3").box.center == pytest.approx((680.0, 430.0))
    _assert_readable(request, render_svg(request))


def test_an_order_constraint_is_kept_without_an_edge():
    nodes = tuple(Node(k, k.upper()) for k in ("a", "b", "c"))
    request = DrawRequest(nodes, constraints=(Constraint("order", ("c", "a", "b")),))
    found = _read(render_svg(request))
    xs = [found[k].box.center[0] for k in ("c", "a", "b")]
    assert xs == sorted(xs)
    assert not [it for it in found.values() if it.kind == "connector"]


@pytest.mark.parametrize("request_, message", [
    (DrawRequest(()), "no nodes"),
    (DrawRequest((Node("a", "A"), Node("a", "B"))), "unique"),
    (DrawRequest((Node("a", "A"),), (Edge("e", "a", "zz"),)), "unknown node"),
    (DrawRequest((Node("a", "A", parent_id="b"), Node("b", "B", parent_id="a"))), "inside itself"),
    (DrawRequest((Node("a", "A"),), pinned_xyxy=(("a", (10.0, 10.0, 5.0, 20.0)),)), "pinned"),
])
def test_an_inconsistent_request_is_an_input_error(request_, message):
    with pytest.raises(InputError, match=message):
        draw(request_)


def test_a_missing_engine_is_named_with_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("CRAFTEDITOR_ELKJS", str(tmp_path))
    with pytest.raises(EngineUnavailable, match="elkjs"):
        get_engine("elk").layout(layout_graph(_chain(2), measure(_chain(2))))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_loop_runs_in_the_requests_order_and_only_its_feedback_turns_back(engine):
    request = _loop()  # drawn top to bottom
    found = _read(render_svg(request, get_engine(engine)))
    ys = [found[n.id].box.center[1] for n in request.nodes]
    assert ys == sorted(ys)
    back = found["back"].points
    assert back[0][1] > back[-1][1]  # the feedback edge climbs back to the first node


ELK_ONLY = pytest.mark.skipif("elk" not in available_engines(), reason="the elk layout engine is not installed")


@ELK_ONLY
def test_elk_lays_out_without_its_snapshot(monkeypatch):
    from crafteditor.generate import layout_elk

    monkeypatch.setattr(layout_elk, "prepare_snapshot", lambda node, bundle: None)
    request = _chain(3)
    _assert_readable(request, render_svg(request, get_engine("elk")))


@ELK_ONLY
def test_a_snapshot_node_cannot_read_is_dropped_and_elk_runs_plainly(monkeypatch, tmp_path):
    import shutil

    from crafteditor.generate import layout_elk

    monkeypatch.setenv("CRAFTEDITOR_CACHE", str(tmp_path))
    layout_elk.prepare_snapshot.cache_clear()
    blob = layout_elk.snapshot_path(shutil.which("node"), layout_elk.find_bundle())
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"not a snapshot")
    try:
        request = _chain(3)
        _assert_readable(request, render_svg(request, get_engine("elk")))
        assert not blob.exists()
    finally:
        layout_elk.prepare_snapshot.cache_clear()


@pytest.mark.skipif("dot" not in available_engines(), reason="Graphviz is not installed")
def test_dot_puts_a_column_across_the_flow_on_one_rank():
    nodes = (Node("a", "Source"), Node("b", "Long branch one"), Node("c", "Middle"), Node("d", "Short"))
    edges = (Edge("1", "a", "b"), Edge("2", "b", "c"), Edge("3", "a", "d"))
    request = DrawRequest(nodes, edges, constraints=(Constraint("same_column", ("c", "d")),))
    found = _read(render_svg(request, get_engine("dot")))
    assert found["c"].box.center[0] == pytest.approx(found["d"].box.center[0], abs=1.0)
    unconstrained = _read(render_svg(DrawRequest(nodes, edges), get_engine("dot")))
    assert unconstrained["c"].box.center[0] != pytest.approx(unconstrained["d"].box.center[0], abs=1.0)
