"""The one SVG renderer: what it reads, how its pixels are read back, and that nothing else
in the project draws an SVG."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from checkers.render import SvgRenderError, render_file, render_rgb

ROOT = Path(__file__).resolve().parents[1]
SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{w}" height="{h}">{body}</svg>'


def test_a_local_file_an_svg_names_is_not_read(tmp_path):
    red = tmp_path / "red.png"
    Image.new("RGB", (20, 20), (255, 0, 0)).save(red)
    body = f'<image x="0" y="0" width="20" height="20" xlink:href="file://{red}"/>'
    rgb = render_rgb(SVG.format(w=20, h=20, body=body))
    assert (rgb == 255).all()  # a white page: the file was never opened


def test_a_data_url_picture_is_drawn(tmp_path):
    import base64
    import io

    buf = io.BytesIO()
    Image.new("RGB", (20, 20), (255, 0, 0)).save(buf, "PNG")
    href = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    rgb = render_rgb(SVG.format(w=20, h=20, body=f'<image x="0" y="0" width="20" height="20" xlink:href="{href}"/>'))
    assert tuple(rgb[10, 10]) == (255, 0, 0)


def test_a_partly_covered_last_column_is_composited_over_the_page():
    rgb = render_rgb(SVG.format(w="7cm", h=4, body=""))  # 264.57 px: 265 columns, the last partly covered
    assert rgb.shape == (4, 265, 3)
    assert (rgb == 255).all()  # not the grey of a premultiplied, half-covered white


def test_a_transparent_page_reads_back_the_colours_its_png_holds():
    body = '<rect width="8" height="8" fill="#ff0000" fill-opacity="0.5"/>'
    rgb = render_rgb(SVG.format(w=8, h=8, body=body), background=None)
    png = np.asarray(Image.open(__import__("io").BytesIO(render_file(SVG.format(w=8, h=8, body=body).encode(), "png"))).convert("RGBA"))
    assert tuple(rgb[4, 4]) == tuple(png[4, 4, :3]) == (255, 0, 0)


def test_a_size_stretches_the_page_and_a_scale_multiplies_it():
    svg = SVG.format(w=10, h=5, body='<rect width="5" height="5" fill="#000"/>')
    assert render_rgb(svg, size_wh=(40, 20)).shape == (20, 40, 3)
    assert render_rgb(svg, scale=3).shape == (15, 30, 3)
    assert render_file(svg.encode(), "pdf").startswith(b"%PDF")


def test_a_document_that_cannot_be_drawn_raises_one_error_type():
    with pytest.raises(SvgRenderError):
        render_rgb(b"<svg")


def _draws_svg(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom) and node.module:
        return node.module in ("cairosvg.surface", "cairosvg.parser") or (
            node.module == "cairosvg" and any(a.name.startswith("svg2") for a in node.names))
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id == "cairosvg" and node.attr.startswith("svg2")
    return False


def test_only_the_renderer_and_its_recording_surface_draw_an_svg():
    allowed = {ROOT / "checkers" / "render.py", ROOT / "checkers" / "record.py"}
    drawing = sorted(
        str(path.relative_to(ROOT))
        for package in ("crafteditor", "extraction", "composition", "checkers")
        for path in (ROOT / package).rglob("*.py")
        if path not in allowed and any(_draws_svg(n) for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))
    )
    assert drawing == []
