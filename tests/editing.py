"""A small figure written by crafteditor's own writer, for the editing and export tests:
two boxes with labels joined by an arrow, an elbow from the second box down to a
third, a free caption and an embedded picture."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from composition.writer import write_svg
from crafteditor.model.scene import (
    Box, ConnectorContent, Element, ImageContent, Kind, Render, Scene, ShapeContent, Style, TextContent, TextLine,
)

SANS = ("Liberation Sans", "Arial", "sans-serif")


def png_bytes(rgb: tuple[int, int, int], size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((size[1], size[0], 3), rgb, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _label(el_id: str, text: str, box: Box, parent: str | None, size: float = 16.0) -> Element:
    return Element(id=el_id, kind=Kind.TEXT, box=box, parent_id=parent,
                   style=Style(fill="#1a1a1a", font_size_px=size, font_family=SANS),
                   text=TextContent((TextLine(text, box, box.y1 - 3),), anchor="middle",
                                    anchor_x=(box.x0 + box.x1) / 2))


def figure_scene() -> Scene:
    def box(el_id: str, b: Box, fill: str) -> Element:
        return Element(id=el_id, kind=Kind.SHAPE, box=b, shape=ShapeContent("rect"),
                       style=Style(fill=fill, stroke="#2f5597", stroke_width_px=2.0))

    return Scene((480, 300), "#ffffff", (
        box("shape-0001", Box(20, 40, 140, 100), "#dbe9f6"),
        box("shape-0002", Box(240, 40, 360, 100), "#e2f0d9"),
        box("shape-0003", Box(240, 200, 360, 260), "#fde2d4"),
        Element(id="connector-0001", kind=Kind.CONNECTOR, box=Box(140, 70, 240, 70),
                style=Style(stroke="#333333", stroke_width_px=2.0),
                connector=ConnectorContent(((140, 70), (240, 70)), "straight", head_end=True, head_length_px=10,
                                           head_width_px=8, source_id="shape-0001", target_id="shape-0002")),
        Element(id="connector-0002", kind=Kind.CONNECTOR, box=Box(360, 70, 400, 230),
                style=Style(stroke="#333333", stroke_width_px=2.0),
                connector=ConnectorContent(((360, 70), (400, 70), (400, 230), (360, 230)), "orthogonal",
                                           head_end=True, head_length_px=10, head_width_px=8,
                                           source_id="shape-0002", target_id="shape-0003")),
        Element(id="icon-0001", kind=Kind.ICON, box=Box(40, 200, 80, 230), render=Render.RASTER,
                image=ImageContent(png_bytes((200, 30, 30))), reason="a picture"),
        _label("text-0001", "Encoder", Box(45, 60, 115, 80), "shape-0001"),
        _label("text-0002", "Decoder", Box(265, 60, 335, 80), "shape-0002"),
        _label("text-0003", "Loss", Box(280, 220, 320, 240), "shape-0003"),
        _label("text-0004", "Training pipeline", Box(150, 8, 330, 30), None, 18.0),
    ))


def figure_svg() -> bytes:
    return write_svg(figure_scene()).encode("utf-8")
