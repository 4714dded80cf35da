"""Reading untrusted SVG: entities, external references, limits; stable ids; items."""

import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from crafteditor import cli
from crafteditor.model.errors import InputError
from crafteditor.export import export
from crafteditor.svg.items import items
from crafteditor.svg.doc import MAX_DEPTH, SvgDocument, parse_svg
from tests.editing import figure_svg, png_bytes

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><text x="5" y="20">&secret;</text></svg>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>"""
EXTERNAL_DTD = b"""<?xml version="1.0" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5" height="5"/></svg>"""
REALFIGS = Path(__file__).resolve().parents[2] / "shared" / "realfigs" / "svg"


def _image_svg(href: str) -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" '
            f'height="60"><rect id="r" width="100" height="60" fill="#ffffff"/><image id="pic" x="10" y="10" '
            f'width="80" height="40" xlink:href="{href}"/></svg>').encode()


@pytest.mark.parametrize(("data", "says"), [
    (XXE, "entities"),
    (LAUGHS, "entities"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><rect", "not well-formed"),
    (b"<html><body/></html>", "not an SVG"),
    (b"\x1f\x8b\x08\x00rest", "compressed"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'>" + b"<g>" * (MAX_DEPTH + 5) + b"</g>" * (MAX_DEPTH + 5) + b"</svg>",
     "deep"),
])
def test_hostile_or_broken_svg_is_refused_with_one_line(data, says):
    with pytest.raises(InputError) as err:
        parse_svg(data, "in.svg")
    assert says in str(err.value) and "\n" not in str(err.value)


def test_a_doctype_naming_the_svg_dtd_is_read_without_the_network():
    root = parse_svg(EXTERNAL_DTD)
    assert root[0].get("width") == "5"


@pytest.mark.parametrize("command", [["inspect"], ["edit", "--where", "kind:text", "--delete", "-o", "OUT"],
                                     ["export", "--to", "plain", "-o", "OUT"]])
def test_every_command_refuses_an_external_entity_without_leaking_it(tmp_path, capsys, command):
    src = tmp_path / "evil.svg"
    src.write_bytes(XXE)
    out = tmp_path / "out.svg"
    argv = [c if c != "OUT" else str(out) for c in command]
    assert cli.main([argv[0], str(src), *argv[1:]]) == 2
    captured = capsys.readouterr()
    assert "entities" in captured.err and len(captured.err.strip().splitlines()) == 1
    assert "root:" not in captured.out + captured.err and not out.exists()


def test_an_image_on_disk_is_never_read_by_a_render(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes((250, 0, 0), (80, 40)))
    doc = SvgDocument.from_bytes(_image_svg(secret.as_uri()))
    assert doc.external_refs() == [("pic", secret.as_uri())]
    result = export(doc, "png")
    assert any("secret.png" in w and "not read" in w for w in result.warnings)
    import io

    rgb = np.asarray(Image.open(io.BytesIO(result.data)).convert("RGB"))
    assert not ((rgb[..., 0] > 200) & (rgb[..., 1] < 50)).any()  # no red from the file on disk


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (the handler's API)
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(png_bytes((0, 0, 250)))

    def log_message(self, *args):
        pass


@pytest.fixture()
def http_server():
    _Recorder.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("fmt", ["png", "pdf", "drawio", "pptx"])
def test_no_export_fetches_an_http_image(http_server, fmt):
    result = export(SvgDocument.from_bytes(_image_svg(f"{http_server}/track.png")), fmt)
    assert result.data and _Recorder.hits == []
    assert any("track.png" in w for w in result.warnings)


def test_check_does_not_fetch_an_http_image_either(http_server, tmp_path, capsys):
    svg = tmp_path / "fig.svg"
    svg.write_bytes(_image_svg(f"{http_server}/check.png"))
    src = tmp_path / "src.png"
    Image.new("RGB", (100, 60), "white").save(src)
    assert cli.main(["check", str(svg), "--source", str(src), "--ocr", "none"]) in (0, 3)
    assert _Recorder.hits == []


def test_ids_are_given_to_elements_without_one_stably_and_without_clashes():
    data = (b'<svg xmlns="http://www.w3.org/2000/svg"><defs><path d="M0,0 L1,1"/></defs><g><rect width="1" '
            b'height="1"/><rect id="rect-0001" width="2" height="2"/><text x="1" y="1">a<tspan>b</tspan></text>'
            b'</g><circle r="3"/></svg>')
    first, second = SvgDocument.from_bytes(data), SvgDocument.from_bytes(data)
    assert first.assigned_ids == second.assigned_ids == ("g-0001", "rect-0002", "text-0001", "circle-0001")
    assert first.to_bytes() == second.to_bytes()
    assert b'<path d="M0,0 L1,1"/>' in first.to_bytes()  # resources keep no new id
    assert b"<tspan>b</tspan>" in first.to_bytes()


def test_items_of_our_figure_have_kinds_layers_boxes_and_connections():
    found = {it.id: it for it in items(SvgDocument.from_bytes(figure_svg()))}
    assert found["shape-0001"].kind == "shape" and found["shape-0001"].layer == "Shapes"
    assert found["shape-0001"].box.xyxy == (20, 40, 140, 100) and found["shape-0001"].paint.fill == "#dbe9f6"
    assert found["text-0001"].kind == "text" and found["text-0001"].text == "Encoder"
    assert found["text-0001"].box.contains_point(80, 70)
    c = found["connector-0002"]
    assert c.kind == "connector" and (c.source_id, c.target_id) == ("shape-0002", "shape-0003")
    assert c.points == ((360, 70), (400, 70), (400, 230), (360, 230)) and c.marker_end
    assert found["icon-0001"].kind == "image" and found["icon-0001"].box.xyxy == (40, 200, 80, 230)
    assert found["layer-text"].kind == "layer" and found["layer-text"].box.contains_point(240, 20)


def test_item_boxes_apply_transforms_and_the_viewbox_origin():
    data = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-50 -20 200 100" width="400" height="200">'
            b'<g transform="translate(10,5) scale(2)"><rect id="r" x="1" y="2" width="10" height="5"/></g></svg>')
    (group, rect) = items(SvgDocument.from_bytes(data))
    assert rect.box.xyxy == pytest.approx((12, 9, 32, 19))
    assert group.box.xyxy == pytest.approx((12, 9, 32, 19))


@pytest.mark.slow
def test_every_real_figure_is_read_and_its_text_found():
    files = sorted(REALFIGS.glob("*.svg"))
    assert len(files) >= 20
    for path in files:
        found = items(SvgDocument.read(path))
        ids = [it.id for it in found]
        assert len(ids) == len(set(ids)), path.name
        assert any(it.kind == "text" and it.text for it in found), path.name


def test_a_gradient_fill_reads_as_its_first_stop_colour():
    data = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><defs>'
            b'<linearGradient id="base"><stop offset="0" style="stop-color:#336699"/></linearGradient>'
            b'<linearGradient id="g" xlink:href="#base"/></defs>'
            b'<rect id="r" fill="url(#g)" width="5" height="5"/><rect id="s" fill="url(#none)" width="5" height="5"/>'
            b'</svg>')
    found = {it.id: it for it in items(SvgDocument.from_bytes(data))}
    assert found["r"].paint.fill == "#336699"
