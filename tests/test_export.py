"""Exports: Inkscape and plain SVG, PNG and PDF, and the round trip convert -> edit -> every format."""

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from PIL import Image

from crafteditor import cli
from crafteditor.model.errors import InputError
from crafteditor.export import FORMATS, ExportOptions, export
from crafteditor.svg.items import items
from crafteditor.svg.doc import INKSCAPE_NS, SODIPODI_NS, SvgDocument
from tests.editing import figure_svg

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FOREIGN = (b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><defs><style>.a{fill:#f00}</style>'
           b'</defs><rect class="a" x="10" y="10" width="50" height="30"/><text x="20" y="80">Hello</text></svg>')


def _doc(data: bytes | None = None) -> SvgDocument:
    return SvgDocument.from_bytes(data or figure_svg())


def test_inkscape_export_gives_a_foreign_svg_a_layer_a_namedview_and_text_labels():
    out = export(_doc(FOREIGN), "inkscape").data
    root = etree.fromstring(out)
    assert root.nsmap["inkscape"] == INKSCAPE_NS and root.nsmap["sodipodi"] == SODIPODI_NS
    assert root.find(f"{{{SODIPODI_NS}}}namedview") is not None
    (layer,) = [g for g in root if g.get(f"{{{INKSCAPE_NS}}}groupmode") == "layer"]
    assert layer.get(f"{{{INKSCAPE_NS}}}label") == "Figure"
    assert [c.get("id") for c in layer] == ["rect-0001", "text-0001"]  # drawing order kept, defs stay out
    assert layer[1].get(f"{{{INKSCAPE_NS}}}label") == "Hello"


def test_inkscape_export_of_our_svg_keeps_its_layers_and_connectors():
    out = export(_doc(), "inkscape").data
    root = etree.fromstring(out)
    labels = [g.get(f"{{{INKSCAPE_NS}}}label") for g in root if g.get(f"{{{INKSCAPE_NS}}}groupmode") == "layer"]
    assert labels == ["Background", "Shapes", "Connectors", "Icons", "Text"]
    conn = root.xpath("//*[@id='connector-0001']")[0]
    assert conn.get(f"{{{INKSCAPE_NS}}}connection-start") == "#shape-0001"


def test_plain_export_has_no_editor_namespace_and_draws_the_same():
    doc = _doc()
    plain = export(doc, "plain").data
    assert b"inkscape" not in plain and b"sodipodi" not in plain
    ours = np.asarray(Image.open(io.BytesIO(export(doc, "png").data)).convert("RGB"), np.int16)
    theirs = np.asarray(Image.open(io.BytesIO(export(SvgDocument.from_bytes(plain), "png").data)).convert("RGB"),
                        np.int16)
    assert np.abs(ours - theirs).max() == 0
    assert {it.id for it in items(SvgDocument.from_bytes(plain))} >= {"shape-0001", "connector-0002", "text-0004"}


@pytest.mark.parametrize(("options", "size"), [(ExportOptions(), (480, 300)), (ExportOptions(scale=2), (960, 600)),
                                               (ExportOptions(dpi=48), (240, 150))])
def test_png_export_is_sized_by_scale_or_dpi(options, size):
    png = export(_doc(), "png", options).data
    image = Image.open(io.BytesIO(png))
    assert image.size == size
    rgb = np.asarray(image.convert("RGB"))
    y, x = int(70 * size[1] / 300), int(30 * size[0] / 480)
    assert tuple(rgb[y, x]) == (0xdb, 0xe9, 0xf6)  # inside the first box


def test_pdf_export_keeps_the_text_as_text():
    pdf = export(_doc(), "pdf", ExportOptions(scale=0.75)).data
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        words = " ".join(text.split())
        assert all(label in words for label in ("Encoder", "Decoder", "Loss", "Training pipeline"))


@pytest.mark.parametrize(("fmt", "options", "says"), [("gif", ExportOptions(), "unknown export format"),
                                                      ("png", ExportOptions(scale=0), "scale"),
                                                      ("png", ExportOptions(scale=1000), "scale")])
def test_bad_export_requests_are_errors(fmt, options, says):
    with pytest.raises(InputError, match=says):
        export(_doc(), fmt, options)


def test_export_command_writes_the_format_next_to_the_input_and_refuses_to_overwrite_it(tmp_path, capsys):
    src = tmp_path / "fig.svg"
    src.write_bytes(figure_svg())
    assert cli.main(["export", str(src), "--to", "png", "--dpi", "192"]) == 0
    assert Image.open(tmp_path / "fig.png").size == (960, 600)
    assert cli.main(["export", str(src), "--to", "plain"]) == 2  # fig.svg is the input
    assert "overwrite the input" in capsys.readouterr().err
    assert src.read_bytes() == figure_svg()
    assert cli.main(["export", str(tmp_path / "missing.svg"), "--to", "pdf"]) == 2


# -- decompression bombs: pictures are sized from their headers before anything decodes them ---------------


def _png(width: int, height: int, rows: int = 2) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` but which holds only ``rows`` rows (a few hundred bytes)."""
    import struct
    import zlib

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * (3 * width + 1) * rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _svg_with_picture(picture: bytes, media: str = "image/png") -> bytes:
    import base64

    url = f"data:{media};base64,{base64.b64encode(picture).decode()}"
    return (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="400" '
            b'height="300"><rect x="10" y="10" width="100" height="50" fill="#abc"/><text x="20" y="40">Hi</text>'
            b'<image id="pic" x="150" y="50" width="200" height="200" xlink:href="' + url.encode() + b'"/></svg>')


BOMB = _svg_with_picture(_png(50_000, 50_000))
NESTED_BOMB = _svg_with_picture(_svg_with_picture(_png(50_000, 50_000)), "image/svg+xml")


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("svg", [BOMB, NESTED_BOMB], ids=["bomb", "nested"])
def test_a_decompression_bomb_is_refused_by_every_export(fmt, svg):
    with pytest.raises(InputError, match="pic declares 50000x50000 px, more than the 100,000,000 pixels") as info:
        export(_doc(svg), fmt)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("fmt", ["pptx", "png", "pdf", "drawio"])
def test_an_honest_picture_still_exports(fmt):
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(picture, "PNG")
    assert export(_doc(_svg_with_picture(picture.getvalue())), fmt).data


@pytest.mark.parametrize("argv", [["export", "{svg}", "--to", "pptx", "-o", "{d}/out.pptx"],
                                  ["export", "{svg}", "--to", "png", "-o", "{d}/out.png"],
                                  ["check", "{svg}", "--source", "{png}", "--ocr", "none"],
                                  ["edit", "{ok}", "-o", "{d}/out.svg", "--where", "id:pic", "--swap-image", "{bomb}"]])
def test_bomb_commands_exit_2_with_one_line(tmp_path, capsys, argv):
    names = {"svg": tmp_path / "bomb.svg", "d": tmp_path, "png": FIXTURES / "example_pipeline.png",
             "ok": tmp_path / "ok.svg", "bomb": tmp_path / "bomb.png"}
    names["svg"].write_bytes(BOMB)
    names["ok"].write_bytes(_svg_with_picture(_png(8, 8, rows=8)))
    names["bomb"].write_bytes(_png(50_000, 50_000))
    before = set(tmp_path.iterdir())
    assert cli.main([a.format(**names) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crafteditor: error: ") and err.count("\n") == 1 and "declares 50000x50000 px" in err
    assert set(tmp_path.iterdir()) == before


# -- the round trip: convert the bundled example, edit a label, export to every format ---------------

@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """The converted example with its "Labels" box relabelled."""
    work = tmp_path_factory.mktemp("roundtrip")
    svg, out = work / "example.svg", work / "edited.svg"
    assert cli.main(["convert", str(FIXTURES / "example_pipeline.png"), "-o", str(svg), "-q"]) == 0
    assert cli.main(["edit", str(svg), "-o", str(out), "--where", "text:Labels", "--set-text", "Targets",
                     "--text-color", "#c00000", "-q"]) == 0
    return out


def _texts(fmt: str, data: bytes) -> str:
    if fmt in ("inkscape", "plain"):
        return " ".join(t.text or "" for t in etree.fromstring(data).iter() if isinstance(t.tag, str)
                        and t.tag.endswith(("}text", "}tspan")))
    if fmt == "drawio":
        return " ".join(c.get("value") or "" for c in etree.fromstring(data).iter("mxCell"))
    if fmt == "pptx":
        from pptx import Presentation

        slide = Presentation(io.BytesIO(data)).slides[0]
        return " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    if fmt == "pdf":
        if not shutil.which("pdftotext"):
            pytest.skip("pdftotext is not installed")
        return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    from extraction.ocr import get_engine, read_text  # png: the label is drawn, read it back

    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    return " ".join(w.text for w in read_text(rgb, get_engine("rapidocr")))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_round_trip_keeps_the_edited_label_as_text_in_every_format(edited, tmp_path, fmt):
    out = tmp_path / f"fig{FORMATS[fmt][2]}"
    assert cli.main(["export", str(edited), "--to", fmt, "-o", str(out), "-q"]) == 0
    text = _texts(fmt, out.read_bytes())
    assert "Targets" in text and "Labels" not in text.split()
    assert "Predictions" in text  # the labels the edit did not touch are there too
    if fmt == "pptx":
        assert zipfile.is_zipfile(out)


def test_png_size_follows_the_page_size_in_absolute_units():
    data = (b'<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="50mm" viewBox="0 0 10000 5000">'
            b'<rect width="10000" height="5000" fill="#ff0000"/></svg>')
    doc = SvgDocument.from_bytes(data)
    assert doc.page_px() == pytest.approx((377.95, 188.98), abs=0.01)
    assert Image.open(io.BytesIO(export(doc, "png").data)).size == (378, 189)
