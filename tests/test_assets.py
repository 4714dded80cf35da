"""Icons and pictures: the vector-or-raster decision, and the embedded crop."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from crafteditor.model.scene import Box, Render
from extraction.assets import colour_count, png_crop
from extraction.plan import ground_canvas
from tests.drawing import render


def _photo(size: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 255, (size // 4, size // 4, 3), dtype=np.uint8)
    img = Image.fromarray(noise).resize((size, size), Image.BICUBIC)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.mark.parametrize("seed", range(3))
def test_a_photo_becomes_an_embedded_png_placed_exactly(seed):
    x, y, size = 60 + 10 * seed, 40, 80 + 8 * seed
    body = (f'<image x="{x}" y="{y}" width="{size}" height="{size}" href="{_photo(size, seed)}"/>'
            '<rect x="260" y="60" width="100" height="50" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>')
    g = ground_canvas(render(body, 400, 200), (255, 255, 255))
    (icon,) = g.icons
    assert icon.render == Render.RASTER and "colours" in icon.reason
    assert abs(icon.box.x0 - x) <= 1 and abs(icon.box.y0 - y) <= 1
    assert abs(icon.box.width - size) <= 2 and abs(icon.box.height - size) <= 2
    png = Image.open(io.BytesIO(icon.image.png))
    assert png.mode == "RGBA" and png.size == (round(icon.box.width), round(icon.box.height))
    assert [s.shape.kind for s in g.shapes] == ["rect"]  # the box beside it stays a shape
    assert any(d.element_id == icon.id and d.action == "keep" for d in g.plan.decisions)
    assert any(d.kind == "rect" and d.action == "lift" for d in g.plan.decisions)


def test_a_picture_on_a_tile_is_one_icon_and_the_tile_is_not_a_shape():
    body = ('<rect x="40" y="40" width="90" height="90" fill="#fae3ee"/>'
            '<circle cx="85" cy="85" r="28" fill="#882a1a"/><rect x="80" y="50" width="10" height="70" fill="#882a1a"/>')
    g = ground_canvas(render(body, 300, 200), (255, 255, 255))
    (icon,) = g.icons
    assert abs(icon.box.x0 - 40) <= 1 and abs(icon.box.x1 - 130) <= 1
    assert "tile" in icon.reason
    assert g.shapes == ()


def test_a_flat_glyph_on_the_page_stays_vector():
    # A tag-shaped glyph with a hole: fitted as a filled polygon with the hole on top.
    body = '<path d="M60,40 L120,40 L140,70 L120,100 L60,100 Z M80,60 L80,80 L110,80 L110,60 Z" fill="#333333"/>'
    g = ground_canvas(render(body, 300, 200), (255, 255, 255))
    assert g.icons == ()
    assert [s.shape.kind for s in g.shapes] == ["polygon", "rect"] and g.shapes[0].style.fill == "#333333"
    # A curly glyph no primitive fits is handed to the tracer, not embedded.
    curl = '<path d="M60,100 C60,20 160,20 160,80 C160,120 100,120 100,90" fill="none" stroke="#333333" stroke-width="9"/>'
    g = ground_canvas(render(curl, 300, 200), (255, 255, 255))
    assert g.icons == () and g.leftover_px > 500
    assert g.leftover_rgb[96, 60].tolist() == [51, 51, 51]


def test_colour_count_tells_flat_from_photo():
    flat = np.zeros((40, 40, 3), np.uint8)
    flat[:20] = (200, 30, 30)
    photo = np.random.default_rng(1).integers(0, 255, (40, 40, 3), dtype=np.uint8)
    assert colour_count(flat) == 2
    assert colour_count(photo) > 100


def test_png_crop_is_transparent_only_where_the_page_shows_from_outside():
    canvas = np.full((50, 50, 3), 255, np.uint8)
    canvas[10:40, 10:40] = (20, 40, 200)
    canvas[20:30, 20:30] = 255  # a hole of page colour inside the picture stays opaque
    rgba = np.asarray(Image.open(io.BytesIO(png_crop(canvas, (5, 5, 45, 45), (255, 255, 255)))))
    assert rgba.shape == (40, 40, 4)
    assert rgba[0, 0, 3] == 0 and rgba[10, 10, 3] == 255 and rgba[20, 20, 3] == 255


def test_pictures_touching_a_frame_of_bars_each_stay_one_picture():
    # Thick black bars split the page into quadrants; one photo touches a bar, another
    # sits apart: the bars glue nothing and stretch no picture over the page.
    body = ('<rect x="0" y="145" width="600" height="12" fill="#000000"/>'
            '<rect x="295" y="0" width="12" height="300" fill="#000000"/>'
            f'<image x="60" y="57" width="88" height="88" href="{_photo(88, 1)}"/>'
            f'<image x="400" y="190" width="80" height="80" href="{_photo(80, 2)}"/>')
    g = ground_canvas(render(body, 600, 300), (255, 255, 255))
    boxes = sorted((icon.box for icon in g.icons), key=lambda b: b.x0)
    assert len(g.icons) == 2, [icon.box for icon in g.icons]
    assert boxes[0].iou(Box(60, 57, 148, 145)) >= 0.9 and boxes[1].iou(Box(400, 190, 480, 270)) >= 0.9


def test_pictures_side_by_side_stay_apart_and_marks_on_a_photo_are_its_own():
    # Two photos 6 px apart, the second with two outlined boxes drawn over it.
    body = (f'<image x="40" y="40" width="120" height="80" preserveAspectRatio="none" href="{_photo(120, 3)}"/>'
            f'<image x="40" y="126" width="120" height="80" preserveAspectRatio="none" href="{_photo(120, 4)}"/>'
            '<rect x="60" y="140" width="30" height="30" fill="none" stroke="#00b050" stroke-width="5"/>'
            '<rect x="110" y="150" width="30" height="40" fill="none" stroke="#ed7d31" stroke-width="5"/>')
    g = ground_canvas(render(body, 300, 250), (255, 255, 255))
    boxes = sorted((icon.box for icon in g.icons), key=lambda b: b.y0)
    assert len(boxes) == 2, boxes
    assert boxes[0].iou(Box(40, 40, 160, 120)) >= 0.9 and boxes[1].iou(Box(40, 126, 160, 206)) >= 0.9



@pytest.mark.parametrize("seed", [14, 18])
def test_a_flat_glyph_on_its_tile_stays_a_picture(seed):
    # The generator's gear is drawn in one flat colour on a tinted tile: both are
    # flat fills, but the gear lies on the tile, so it is the picture, not ground.
    from crafteditor.bench.synth import make_case
    from crafteditor.pipeline import convert

    case = make_case(seed)
    icons = [el.box for el in convert(case.image_rgb, loop=None).scene.elements if el.kind == "icon"]
    missed = [t.box for t in case.truth.icons if not any(b.iou(t.box) >= 0.5 for b in icons)]
    assert len(missed) <= len(case.truth.icons) // 6, (missed, icons)



def _crop_icon(canvas: np.ndarray, box: Box):
    from crafteditor.model.scene import Element, ImageContent, Kind, Provenance
    x0, y0, x1, y1 = box.to_int()
    return Element(id="icon-0001", kind=Kind.ICON, box=box, provenance=Provenance("test", 1.0), render=Render.RASTER,
                   image=ImageContent(png=png_crop(canvas, (x0, y0, x1, y1), (255, 255, 255))), reason="12 colours")


@pytest.mark.parametrize("label, joined_line", [(False, False), (True, False), (False, True)])
def test_a_picture_crop_widens_to_the_drawing_standing_alone(label, joined_line):
    """A crop of a drawing's many-coloured part grows to the whole drawing (its flat
    body too) when that stands alone on the page; not over a label, and not along a
    line that joins it to the rest of the diagram (its box would be mostly page)."""
    from extraction.assets import PAGE_DIFF, _whole_pictures
    from extraction.pixels import far_from_colour

    body = ('<rect x="60" y="40" width="90" height="24" fill="#404040"/>'
            '<rect x="60" y="64" width="90" height="60" fill="#e8202a"/>'
            '<circle cx="105" cy="94" r="16" fill="none" stroke="#ffffff" stroke-width="4"/>')
    if joined_line:
        body += '<line x1="150" y1="100" x2="390" y2="100" stroke="#e8202a" stroke-width="2"/>'
    canvas = render(body, 400, 200)
    drawn = far_from_colour(canvas, (255, 255, 255), PAGE_DIFF, np.int16)
    part = _crop_icon(canvas, Box(60, 40, 150, 64))
    texts = (Box(90, 100, 120, 115),) if label else ()
    (icon,) = _whole_pictures([part], canvas, drawn, [], texts, (255, 255, 255))
    if label or joined_line:
        assert icon.box == part.box
    else:
        assert icon.box.iou(Box(60, 40, 150, 124)) > 0.95, icon.box
        assert Image.open(io.BytesIO(icon.image.png)).size == (round(icon.box.width), round(icon.box.height))


def test_a_picture_with_flat_parts_stays_one_embedded_image():
    """A drawing standing alone (a clapperboard: shaded stripes over a flat red body
    with a white ring) is one picture: its flat body and ring are part of it, not
    shapes and speckles beside a crop of its shaded part."""
    body = ('<defs><linearGradient id="g"><stop offset="0" stop-color="#202020"/>'
            '<stop offset="0.5" stop-color="#d0d0d0"/><stop offset="1" stop-color="#404040"/></linearGradient></defs>'
            '<rect x="60" y="40" width="90" height="24" fill="url(#g)"/>'
            '<rect x="60" y="64" width="90" height="60" fill="#e8202a"/>'
            '<circle cx="105" cy="94" r="18" fill="none" stroke="#ffffff" stroke-width="4"/>'
            '<rect x="260" y="60" width="100" height="50" fill="#dbe9f6" stroke="#2f5597" stroke-width="2"/>')
    g = ground_canvas(render(body, 400, 200), (255, 255, 255))
    (icon,) = g.icons
    assert icon.box.iou(Box(60, 40, 150, 124)) > 0.9, icon.box
    assert not any(icon.box.intersection(s.box) for s in g.shapes if s.box.x0 < 200)
    assert [s.shape.kind for s in g.shapes] == ["rect"]  # the box beside it stays a shape


# A person: a head, and a body that stands on the tile's bottom edge.
GLYPH = ('<circle cx="{cx}" cy="{cy}" r="10" fill="#3a3a6a"/>'
         '<path d="M{x0},{y1} L{x0},{ym} Q{cx},{yq} {x1},{ym} L{x1},{y1} Z" fill="#3a3a6a"/>')


def _glyph_tile(x: int, y: int, fill: str, extra: str = "") -> str:
    tile = f'<rect x="{x}" y="{y}" width="60" height="60" fill="{fill}"{extra}/>'
    return tile + GLYPH.format(cx=x + 30, cy=y + 22, x0=x + 12, x1=x + 48, y1=y + 60, ym=y + 46, yq=y + 30)


@pytest.mark.parametrize("page", ["#ffffff", "#fafafa"])
@pytest.mark.parametrize("fill", ["#eae3e9", "#f4f0fd", "#e9ffe5"])
def test_a_flat_glyph_on_a_faint_tile_is_one_picture_with_its_tile(fill, page):
    # The tile is a few levels off the page, too pale to count as drawn ink.
    body = f'<rect x="0" y="0" width="300" height="180" fill="{page}"/>' + _glyph_tile(80, 50, fill)
    g = ground_canvas(render(body, 300, 180), tuple(int(page[i:i + 2], 16) for i in (1, 3, 5)))
    (icon,) = g.icons
    assert icon.render == Render.RASTER and icon.box.iou(Box(80, 50, 140, 110)) >= 0.9, icon.box


@pytest.mark.parametrize("extra", [' stroke="#404040" stroke-width="2"', ""])
def test_an_outlined_box_or_a_line_across_a_faint_tile_is_no_picture(extra):
    body = _glyph_tile(80, 50, "#eae3e9", extra)
    if not extra:  # a line across the tile, from side to side
        body += '<path d="M60,100 L170,100" stroke="#333333" stroke-width="2"/>'
    g = ground_canvas(render(body, 300, 180), (255, 255, 255))
    assert not any(icon.box.iou(Box(80, 50, 140, 110)) >= 0.5 for icon in g.icons), [i.box for i in g.icons]
