"""Scene elements moved by an offset: every coordinate an element carries, path data included."""

from __future__ import annotations

import dataclasses

from crafteditor.model.scene import Box, Element

__all__ = ["shifted", "shifted_box"]


def shifted_box(box: Box, dx: float, dy: float) -> Box:
    return Box(box.x0 + dx, box.y0 + dy, box.x1 + dx, box.y1 + dy)


def shifted(e: Element, dx: float, dy: float) -> Element:
    """``e`` moved by ``(dx, dy)`` pixels: its box, text lines and anchor, shape points and
    path, connector points."""
    if dx == 0 and dy == 0:
        return e

    def pts(points):
        return tuple((x + dx, y + dy) for x, y in points)

    changes: dict = {"box": shifted_box(e.box, dx, dy)}
    if e.text is not None:
        lines = tuple(dataclasses.replace(ln, box=shifted_box(ln.box, dx, dy), baseline_y=ln.baseline_y + dy)
                      for ln in e.text.lines)
        px, py = e.text.pivot
        changes["text"] = dataclasses.replace(e.text, lines=lines, anchor_x=e.text.anchor_x + dx,
                                              pivot=(px + dx, py + dy) if e.text.rotation_deg else e.text.pivot)
    if e.shape is not None:
        changes["shape"] = dataclasses.replace(e.shape, points=pts(e.shape.points), d=_path(e.shape.d, dx, dy))
    if e.path is not None:
        changes["path"] = dataclasses.replace(e.path, d=_path(e.path.d, dx, dy))
    if e.connector is not None:
        changes["connector"] = dataclasses.replace(e.connector, points=pts(e.connector.points))
    return e.replace(**changes)


def _path(d: str, dx: float, dy: float) -> str:
    if not d.strip():
        return d
    from svgelements import Matrix, Path

    path = Path(d)
    path *= Matrix(f"translate({dx},{dy})")
    return path.d()
