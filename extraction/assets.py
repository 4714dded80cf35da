"""Icons and pictures: compact ink that is neither a shape outline nor a line.

Nearby blobs are grouped; an unoutlined filled tile holding a picture is the
picture's frame (the tile and anything fitted inside it belong to the icon).
Each group is then decided: many colours (photos, screenshots, plots,
gradients, detailed icons) or a tile means a raster asset, embedded as a PNG
crop that is transparent where the page showed through; a flat glyph of a
few colours is left to the tracer as a small vector group.  The decision and
its reason are recorded on the element.
"""

from __future__ import annotations

import io
from dataclasses import replace

import cv2
import numpy as np
from PIL import Image

from crafteditor.model.scene import Box, Element, ImageContent, Kind, Provenance, Render, new_id
from extraction.pixels import PAGE_DIFF, far_from_colour, near_colour
from extraction.regions import fill_holes
from extraction.tiles import faint_tiles

MIN_ICON_AREA_PX = 150
MIN_ICON_SIDE_PX = 10
RASTER_COLOURS = 6  # a picture shows at least this many distinct colours (4 bits a channel)
DENSE_SHARE = 0.3  # ink covering less of its box than this is line work, not a picture
SOLID_PX = 17  # solid ink this wide in both directions is no line (lines and bars are thinner)
PICTURE_SOLID = 0.6  # a drawing standing alone as one picture covers this much of its box


def _groups(items: list[tuple[Box, float]], overlap: float = 0.25) -> list[tuple[Box, float]]:
    """Boxes (with their ink area) merged while one covers at least ``overlap`` of
    the other: fragments of one picture, or a drawing and its parts.  Pictures
    side by side, touching or slightly overlapping, stay apart."""
    merged = list(items)
    changed = True
    while changed:
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                (a, ink_a), (b, ink_b) = merged[i], merged[j]
                common = a.intersection(b)
                if common is not None and common.area >= overlap * max(min(a.area, b.area), 1.0):
                    merged[i] = (a.union(b), ink_a + ink_b)
                    del merged[j]
                    changed = True
                    break
            if changed:
                break
    return merged


def _ink_groups(ink: np.ndarray, drawn: np.ndarray, gap_px: int = 4
                ) -> tuple[list[tuple[Box, float]], list[tuple[Box, float]]]:
    """Pieces of ``ink`` (HW bool) within ``gap_px`` of each other, grouped by their
    pixels, as (box, ink area): the dense ones (ink fills at least ``DENSE_SHARE``
    of the box), and the sparse ones.  A sparse group (a picture touching a long
    line, a frame of bars or a speech bubble) also yields the solid parts of what
    is drawn there (``drawn``, HW bool: not page), wider than any line
    (``SOLID_PX``) and holding its ink, as dense groups of their own: a line never
    glues pictures together, nor stretches one over the page."""
    n, labels = cv2.connectedComponents(
        cv2.dilate(ink.astype(np.uint8), np.ones((gap_px + 1, gap_px + 1), np.uint8)), connectivity=8)
    labels = np.where(ink, labels, 0)
    dense: list[tuple[Box, float]] = []
    sparse: list[tuple[Box, float]] = []
    for i, (x, y, bw, bh, count) in enumerate(_label_boxes(labels, n), start=1):
        if count == 0:
            continue
        box, area = Box(x, y, x + bw, y + bh), float(count)
        if area >= DENSE_SHARE * box.area:
            dense.append((box, area))
            continue
        sparse.append((box, area))
        part = (labels[y:y + bh, x:x + bw] == i) & ink[y:y + bh, x:x + bw]
        dense += _solid_parts(part, drawn[y:y + bh, x:x + bw] | part, (x, y))
    return dense, sparse


def _label_boxes(labels: np.ndarray, n: int) -> list[tuple[int, int, int, int, int]]:
    """(x, y, width, height, pixel count) of labels 1..n-1 of ``labels`` (HW int)."""
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs]
    x0, y0 = np.full(n, labels.shape[1]), np.full(n, labels.shape[0])
    x1, y1 = np.zeros(n, int), np.zeros(n, int)
    for lows, highs, coords in ((x0, x1, xs), (y0, y1, ys)):
        np.minimum.at(lows, lab, coords)
        np.maximum.at(highs, lab, coords)
    counts = np.bincount(lab, minlength=n)
    return [(int(x0[i]), int(y0[i]), int(x1[i] - x0[i] + 1), int(y1[i] - y0[i] + 1), int(counts[i]))
            for i in range(1, n)]


def _solid_parts(part: np.ndarray, drawn: np.ndarray, offset_xy: tuple[int, int]) -> list[tuple[Box, float]]:
    """The parts of ``drawn`` wider than ``SOLID_PX`` every way that hold some of the
    ink ``part`` (both HW bool over one window at ``offset_xy``), as (box, area)."""
    solid = cv2.morphologyEx(drawn.astype(np.uint8), cv2.MORPH_OPEN, np.ones((SOLID_PX, SOLID_PX), np.uint8))
    m, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    held = np.bincount(labels[part], minlength=m)
    out = []
    for k in range(1, m):
        sx, sy, sw, sh, sarea = (int(v) for v in stats[k])
        if held[k] >= 0.1 * sarea and sarea >= DENSE_SHARE * sw * sh:
            x, y = offset_xy
            out.append((Box(x + sx, y + sy, x + sx + sw, y + sy + sh), float(sarea)))
    return out


def colour_count(pixels: np.ndarray, share: float = 0.9) -> int:
    """How many distinct colours (4 bits a channel), most frequent first, it takes
    to cover ``share`` of the pixels: 2 or 3 for a flat glyph, dozens for a photo."""
    if len(pixels) == 0:
        return 0
    q = pixels.reshape(-1, 3).astype(np.int32) >> 4
    keys = q[:, 0] << 8 | q[:, 1] << 4 | q[:, 2]
    _values, counts = np.unique(keys, return_counts=True)
    cumulative = np.cumsum(np.sort(counts)[::-1])
    return int(np.searchsorted(cumulative, share * len(keys)) + 1)


def png_crop(canvas: np.ndarray, box: tuple[int, int, int, int], background_rgb: tuple[int, int, int]) -> bytes:
    """PNG of ``canvas`` over ``box``; page-coloured pixels reachable from the crop's
    border are transparent."""
    x0, y0, x1, y1 = box
    crop = canvas[y0:y1, x0:x1]
    page = near_colour(crop, background_rgb, 6, np.int16)
    outside = ~fill_holes(~page)  # page pixels the border reaches
    rgba = np.dstack([crop, np.where(outside, 0, 255).astype(np.uint8)])
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _is_tile(el: Element, image_hw: tuple[int, int], text_boxes: tuple[Box, ...]) -> bool:
    """A filled shape without outline, small, holding no text: a picture's frame."""
    small = max(el.box.width, el.box.height) <= max(200.0, 0.3 * min(image_hw))
    return (el.style.stroke is None and el.style.fill is not None and small
            and not any(el.box.intersection(t) is not None for t in text_boxes))


def _on_tiles(items: list[tuple[Box, float]], tiles: list[Element]) -> list[tuple[Box, float]]:
    """``items`` with all those lying on one tile merged (the smaller tiles first):
    whatever is drawn on a picture's frame is one picture."""
    for tile in sorted(tiles, key=lambda el: el.box.area):
        frame = tile.box.expand(2)
        on = [item for item in items if frame.contains(item[0])]
        if len(on) >= 2:
            box = on[0][0]
            for item in on[1:]:
                box = box.union(item[0])
            items = [item for item in items if not frame.contains(item[0])] + [(box, sum(i[1] for i in on))]
    return items


def _diagram_stretch(box: Box, ink: np.ndarray, shapes: list[Element], text_boxes: tuple[Box, ...]) -> bool:
    """Does ``box`` hold a stretch of diagram (a label, or two shapes or more) rather
    than a picture with marks drawn over it?  Around the shapes it holds, a
    picture's ink stays dense; a diagram's is only its connectors and outlines."""
    if any(box.contains(t, 1.0) for t in text_boxes):
        return True
    inner = [el.box for el in shapes if box.contains(el.box, 1.0)]
    if len(inner) < 2:
        return False
    x0, y0, x1, y1 = box.to_int()
    free = np.ones((y1 - y0, x1 - x0), dtype=bool)
    for b in inner:
        bx0, by0, bx1, by1 = b.to_int()
        free[max(by0 - y0, 0):by1 - y0, max(bx0 - x0, 0):bx1 - x0] = False
    if free.mean() < 0.5:
        return True
    return float(ink[y0:y1, x0:x1][free].mean()) < 2 * DENSE_SHARE


def icon_elements(canvas: np.ndarray, ink: np.ndarray, shapes: list[Element],
                  background_rgb: tuple[int, int, int], text_boxes: tuple[Box, ...] = ()
                  ) -> tuple[list[Element], list[Element], np.ndarray]:
    """Icons from the compact residual ink ``ink`` (HW bool).

    Returns the icons, the shapes that remain (tiles and shapes inside icons
    are the icons' own), and the mask of pixels the icons account for."""
    h, w = canvas.shape[:2]
    drawn = far_from_colour(canvas, background_rgb, PAGE_DIFF, np.int16)
    items, sparse = _ink_groups(ink, drawn)
    tile_shapes = [el for el in shapes if _is_tile(el, (h, w), text_boxes)]
    # Shapes fitted inside a tile (parts of a drawn glyph) count as its content.
    items += [(el.box, 0.5 * el.box.area) for el in shapes
              if any(t is not el and t.box.contains(el.box, 1.0) for t in tile_shapes)]
    # Largest first: a group inside a picture already kept is part of it.
    merged = sorted(_on_tiles(_groups(items), tile_shapes) + sparse, key=lambda item: -item[0].area)
    groups = [g for g, _ in merged]
    tiles: dict[int, Element] = {}
    for k, (g, area) in enumerate(merged):
        for el in tile_shapes:
            if el.box.expand(2).contains(g) and area >= 0.1 * el.box.area:
                if k not in tiles or el.box.area < tiles[k].box.area:
                    tiles[k] = el
    icons: list[Element] = []
    covered = np.zeros((h, w), dtype=bool)
    taken: set[str] = set()
    for k, g in enumerate(groups):
        tile = tiles.get(k)
        if tile is None and merged[k][1] < 0.3 * g.area:
            continue  # sparse ink (thick lines, strokes far apart) is no picture
        if tile is None and _diagram_stretch(g, ink, shapes, text_boxes):
            continue  # a stretch of diagram (labelled boxes) is no picture either
        box = tile.box if tile is not None else g
        if any(icon.box.expand(2).contains(box) for icon in icons):
            continue
        if box.width < MIN_ICON_SIDE_PX or box.height < MIN_ICON_SIDE_PX or box.area < MIN_ICON_AREA_PX:
            continue
        x0, y0, x1, y1 = box.clip(w, h).to_int()
        crop = canvas[y0:y1, x0:x1]
        colours = colour_count(crop)
        if (tile is None and colours < RASTER_COLOURS) or colours < 2:
            continue  # a flat glyph (or an empty tile): vector
        reason = (f"picture on a tile ({colours} colours)" if tile is not None
                  else f"{colours} distinct colours: a picture, kept as raster")
        icons.append(_picture(len(icons) + 1, (x0, y0, x1, y1), canvas, background_rgb, reason))
        covered[y0:y1, x0:x1] = True
        if tile is not None:
            taken.add(tile.id)
    icons = _whole_pictures(icons, canvas, drawn, shapes, text_boxes, background_rgb)
    icons = _on_faint_tiles(icons, canvas, background_rgb, text_boxes)
    covered[:] = False
    for icon in icons:
        x0, y0, x1, y1 = icon.box.to_int()
        covered[y0:y1, x0:x1] = True
    inside = [el for el in shapes if el.id not in taken and any(i.box.expand(2).contains(el.box) for i in icons)]
    taken.update(el.id for el in inside)
    return icons, [el for el in shapes if el.id not in taken], covered


def _on_faint_tiles(icons: list[Element], canvas: np.ndarray, background_rgb: tuple[int, int, int],
                    text_boxes: tuple[Box, ...]) -> list[Element]:
    """Each picture on a faint tile (``tiles.faint_tiles``) grown to the tile, and a
    flat glyph on one (left to the tracer so far) kept as a picture with it: the
    tile is the picture's frame, too pale to be drawn ink."""
    out = list(icons)
    for tile in faint_tiles(canvas, background_rgb, text_boxes):
        if any(icon.box.expand(2).contains(tile) for icon in out):
            continue
        out = [icon for icon in out if not tile.expand(2).contains(icon.box)]
        out.append(_picture(len(out) + 1, tile.to_int(), canvas, background_rgb,
                            "a picture on a faint tile of its own colour"))
    return [replace(icon, id=new_id(Kind.ICON, i + 1)) for i, icon in enumerate(out)]


def _picture(index: int, xyxy: tuple[int, int, int, int], canvas: np.ndarray, background_rgb: tuple[int, int, int],
             reason: str) -> Element:
    """The ``index``-th picture: the canvas cropped to ``xyxy``, embedded as raster."""
    x0, y0, x1, y1 = xyxy
    return Element(
        id=new_id(Kind.ICON, index),
        kind=Kind.ICON,
        box=Box(x0, y0, x1, y1),
        provenance=Provenance("opencv-regions", confidence=1.0),
        label=f"picture {x1 - x0}x{y1 - y0}",
        render=Render.RASTER,
        image=ImageContent(png=png_crop(canvas, (x0, y0, x1, y1), background_rgb)),
        reason=reason,
    )


def _whole_pictures(icons: list[Element], canvas: np.ndarray, drawn: np.ndarray, shapes: list[Element],
                    text_boxes: tuple[Box, ...], background_rgb: tuple[int, int, int]) -> list[Element]:
    """Each picture crop widened to the whole drawing it is part of, when that
    drawing stands alone on the page (a solid blob, ``PICTURE_SOLID`` of its box
    drawn, holes included, holding no label and no stretch of diagram) and the
    crop is a fragment of it (under half its box).  Flat parts of a picture (a
    red body, a white ring) fit shapes or look like lines of their own, so its
    many-coloured parts alone leave it cut into crops and speckles; a picture
    is one embedded image."""
    if not icons:
        return icons
    h, w = drawn.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(
        cv2.dilate(drawn.astype(np.uint8), np.ones((3, 3), np.uint8)), connectivity=8)
    out: list[Element] = []
    for icon in icons:
        x0, y0, x1, y1 = icon.box.to_int()
        held = labels[y0:y1, x0:x1][drawn[y0:y1, x0:x1]]
        box = icon.box
        if held.size:
            k = int(np.bincount(held).argmax())
            cx, cy, cw, ch, _area = (int(v) for v in stats[k])
            whole = Box(cx, cy, cx + cw, cy + ch)
            part = fill_holes(labels[cy:cy + ch, cx:cx + cw] == k)
            # A crop holding most of its drawing is the picture, and what touches it
            # (an arrowhead, a line end) is drawn beside it; a fragment grows.
            fragment = icon.box.area < 0.5 * whole.area
            alone = fragment and whole.area <= 0.1 * w * h and float(part.mean()) >= PICTURE_SOLID
            if k and alone and not any(whole.intersection(t) is not None for t in text_boxes) \
                    and not _diagram_stretch(whole, drawn, shapes, text_boxes):
                box = box.union(whole)
        if any(o.box.expand(2).contains(box) for o in out):
            continue
        out = [o for o in out if not box.expand(2).contains(o.box)]
        if box == icon.box:
            out.append(icon)
            continue
        bx0, by0, bx1, by1 = box.to_int()
        out.append(replace(icon, box=Box(bx0, by0, bx1, by1), label=f"picture {bx1 - bx0}x{by1 - by0}",
                           image=ImageContent(png=png_crop(canvas, (bx0, by0, bx1, by1), background_rgb)),
                           reason=icon.reason + "; the whole drawing it belongs to"))
    return [replace(icon, id=new_id(Kind.ICON, i + 1)) for i, icon in enumerate(out)]
