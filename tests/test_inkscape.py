"""Inkscape is the real client of our SVG: it must open it, list our ids and export it."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from composition.writer import write_svg
from tests.test_writer import _scene

INKSCAPE = shutil.which("inkscape")
pytestmark = [
    pytest.mark.inkscape,
    pytest.mark.skipif(INKSCAPE is None and not os.environ.get("CI"), reason="inkscape is not installed"),
]


def _run(*args: str, cwd: Path) -> str:
    if INKSCAPE is None:
        pytest.fail("CI must install inkscape (see .ci/setup)")
    env = dict(os.environ, HOME=str(cwd), XDG_CONFIG_HOME=str(cwd / "cfg"))
    done = subprocess.run([INKSCAPE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_inkscape_lists_our_ids_and_exports(tmp_path):
    svg = tmp_path / "figure.svg"
    svg.write_text(write_svg(_scene()))
    listed = _run("--query-all", str(svg), cwd=tmp_path)
    ids = {line.split(",")[0] for line in listed.splitlines() if line}
    assert {"layer-background", "layer-drawing", "layer-text", "background", "trace-0001",
            "text-0001", "text-0002"} <= ids
    # The rotated label's box is tall and narrow in Inkscape's own geometry.
    row = next(line.split(",") for line in listed.splitlines() if line.startswith("text-0002,"))
    width, height = float(row[3]), float(row[4])
    assert height > 2 * width
    png = tmp_path / "figure.png"
    _run(str(svg), "--export-type=png", f"--export-filename={png}", cwd=tmp_path)
    assert png.stat().st_size > 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_inkscape_sees_each_grounded_element_and_keeps_connectors_where_we_drew_them(tmp_path):
    """Converted example: every shape, connector and label is its own object for
    Inkscape, and Inkscape's rendering (connectors included) matches ours."""
    import io

    import cairosvg
    import numpy as np
    from PIL import Image

    from checkers.fidelity import drawn_pixel_f1
    from crafteditor.pipeline import convert

    example = Path(__file__).parent.parent / "fixtures" / "example_pipeline.png"
    result = convert(example)
    svg = tmp_path / "example.svg"
    svg.write_text(result.svg)
    listed = _run("--query-all", str(svg), cwd=tmp_path)
    ids = {line.split(",")[0] for line in listed.splitlines() if line}
    grounded = [e for e in result.scene.elements if e.kind.value in ("shape", "connector", "text")]
    assert len([e for e in grounded if e.kind.value == "shape"]) >= 7
    assert len([e for e in grounded if e.kind.value == "connector"]) >= 7
    assert {e.id for e in grounded} <= ids
    png = tmp_path / "inkscape.png"
    _run(str(svg), "--export-type=png", f"--export-filename={png}", "--export-background=#ffffff",
         "--export-background-opacity=1", cwd=tmp_path)
    theirs = np.asarray(Image.open(png).convert("RGB"))
    ours = np.asarray(Image.open(io.BytesIO(cairosvg.svg2png(bytestring=result.svg.encode()))).convert("RGB"))
    assert theirs.shape == ours.shape
    assert drawn_pixel_f1(theirs, ours, (255, 255, 255)).f1 >= 0.97


REAL_FIGURES = ("rust-lang__book__src_img_trpl17-03", "dask__dask__docs_source_images_delayed-inc-double-add")


@pytest.mark.slow
@pytest.mark.parametrize("name", REAL_FIGURES)
def test_inkscape_lists_every_grounded_element_of_a_real_figure(tmp_path, name):
    from crafteditor.bench.realfigs import default_realfigs_dir, load_real_case
    from crafteditor.pipeline import convert

    path = default_realfigs_dir() / "svg" / f"{name}.svg"
    if not path.is_file():
        pytest.skip("shared/realfigs is not beside the repository")
    result = convert(load_real_case(path).image_rgb)
    svg = tmp_path / "figure.svg"
    svg.write_text(result.svg)
    ids = {line.split(",")[0] for line in _run("--query-all", str(svg), cwd=tmp_path).splitlines() if line}
    grounded = [e for e in result.scene.elements if e.kind.value in ("shape", "connector", "icon")]
    assert len([e for e in grounded if e.kind.value == "shape"]) >= 5
    assert any(e.kind.value == "connector" and e.connector.head_end for e in grounded)
    assert {e.id for e in grounded} <= ids


def test_inkscape_opens_an_edited_svg_lists_its_ids_and_exports_pdf_and_png(tmp_path):
    from crafteditor import cli
    from tests.editing import figure_svg

    src, edited = tmp_path / "fig.svg", tmp_path / "edited.svg"
    src.write_bytes(figure_svg())
    assert cli.main(["edit", str(src), "-o", str(edited), "--where", "id:shape-0002", "--move", "20,10",
                     "--where", "text:Decoder", "--set-text", "Decoder v2", "-q"]) == 0
    listed = _run("--query-all", str(edited), cwd=tmp_path)
    rows = {line.split(",")[0]: [float(v) for v in line.split(",")[1:]] for line in listed.splitlines() if line}
    assert {"shape-0001", "shape-0002", "text-0002", "connector-0001", "connector-0002", "icon-0001"} <= set(rows)
    x, y, w, h = rows["shape-0002"]
    assert abs(x - 259) < 1.5 and abs(y - 49) < 1.5  # moved by 20,10 (Inkscape's box includes the stroke)
    for kind in ("pdf", "png"):
        out = tmp_path / f"edited.{kind}"
        _run(str(edited), f"--export-type={kind}", f"--export-filename={out}", cwd=tmp_path)
        assert out.stat().st_size > 0
    text = subprocess.run(["pdftotext", str(tmp_path / "edited.pdf"), "-"], capture_output=True, text=True)
    if text.returncode == 0:
        assert "Decoder v2" in text.stdout


def test_inkscape_reads_the_layers_of_our_export_by_their_labels(tmp_path):
    from lxml import etree

    from crafteditor import cli
    from tests.editing import figure_svg

    src, ink = tmp_path / "fig.svg", tmp_path / "ink.svg"
    src.write_bytes(figure_svg())
    assert cli.main(["export", str(src), "--to", "inkscape", "-o", str(ink), "-q"]) == 0
    resaved = tmp_path / "resaved.svg"  # Inkscape's own save keeps what it understood as layers
    _run(str(ink), "--export-type=svg", f"--export-filename={resaved}", cwd=tmp_path)
    root = etree.parse(str(resaved)).getroot()
    ns = "{http://www.inkscape.org/namespaces/inkscape}"
    layers = [g.get(f"{ns}label") for g in root.iter("{http://www.w3.org/2000/svg}g")
              if g.get(f"{ns}groupmode") == "layer"]
    assert layers == ["Background", "Shapes", "Connectors", "Icons", "Text"]
    only_text = tmp_path / "text.png"  # one layer alone, chosen by its id
    _run(str(ink), "--export-id=layer-text", "--export-id-only", "--export-type=png",
         f"--export-filename={only_text}", cwd=tmp_path)
    from PIL import Image

    width, height = Image.open(only_text).size
    assert width > 2 * height  # the caption's box, not the page
