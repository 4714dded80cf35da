"""Moving and resizing SVG elements in place, in the root's user units.

Each function edits the one lxml element it is given and nothing else.  Where
an element has no ``transform``, its own coordinates change (``x``/``y``,
``cx``/``cy``, ``points``, the path data), so editors show plain geometry;
otherwise a translation is put in front of its transform.  Deltas are given in
the root's user units and turned into the element's parent frame first.
"""

from __future__ import annotations

import re
from typing import Any

from crafteditor.svg.doc import local

Point = tuple[float, float]
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def fmt(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _matrix(el: Any) -> Any:
    import svgelements as se

    return se.Matrix(el.get("transform")) if el.get("transform") else se.Matrix()


def parent_matrix(el: Any) -> Any:
    """The matrix from ``el``'s parent frame to the root's user units."""
    import svgelements as se

    m = se.Matrix()
    for anc in el.iterancestors():
        if anc.getparent() is None:
            break
        m = m * _matrix(anc)  # svgelements composes left to right: the inner transform first
    return m


def _displacement_in(m: Any, dx: float, dy: float) -> Point:
    """A root-units displacement in the frame that matrix ``m`` maps to the root."""
    inv = ~m
    return float(inv.a * dx + inv.c * dy), float(inv.b * dx + inv.d * dy)


def to_parent(el: Any, dx: float, dy: float) -> Point:
    """A root-units displacement in ``el``'s parent frame."""
    return _displacement_in(parent_matrix(el), dx, dy)


def _shift_list(value: str | None, delta: float) -> str | None:
    if value is None or not value.strip():
        return value
    return " ".join(fmt(float(v) + delta) for v in _NUMBER.findall(value))


def _points(value: str) -> list[Point]:
    nums = [float(v) for v in _NUMBER.findall(value or "")]
    return list(zip(nums[0::2], nums[1::2]))


def _set_points(el: Any, pts: list[Point]) -> None:
    el.set("points", " ".join(f"{fmt(x)},{fmt(y)}" for x, y in pts))


def _map_path(el: Any, fn: Any) -> None:
    """Apply the matrix ``fn`` to the path data of ``el``."""
    import svgelements as se

    path = se.Path(el.get("d") or "")
    path *= fn
    path.reify()
    el.set("d", rounded_d(path.d()))


def translate(el: Any, dx: float, dy: float) -> None:
    """Move ``el`` by ``(dx, dy)`` root units."""
    import svgelements as se

    ldx, ldy = to_parent(el, dx, dy)
    tag = local(el.tag)
    if el.get("transform") or tag in ("g", "a", "switch"):
        el.set("transform", f"translate({fmt(ldx)},{fmt(ldy)}) {el.get('transform') or ''}".strip())
    elif tag in ("rect", "image", "use"):
        el.set("x", fmt(float(el.get("x") or 0) + ldx))
        el.set("y", fmt(float(el.get("y") or 0) + ldy))
    elif tag in ("circle", "ellipse"):
        el.set("cx", fmt(float(el.get("cx") or 0) + ldx))
        el.set("cy", fmt(float(el.get("cy") or 0) + ldy))
    elif tag == "line":
        for axis, delta in (("x", ldx), ("y", ldy)):
            for n in ("1", "2"):
                el.set(axis + n, fmt(float(el.get(axis + n) or 0) + delta))
    elif tag in ("polygon", "polyline"):
        _set_points(el, [(x + ldx, y + ldy) for x, y in _points(el.get("points"))])
    elif tag == "path":
        _map_path(el, se.Matrix(f"translate({ldx},{ldy})"))
    elif tag == "text":
        for node in el.iter():
            if local(node.tag) in ("text", "tspan"):
                for attr, delta in (("x", ldx), ("y", ldy)):
                    if node.get(attr) is not None:
                        node.set(attr, _shift_list(node.get(attr), delta))
    else:
        el.set("transform", f"translate({fmt(ldx)},{fmt(ldy)})")


def scale_about(el: Any, origin: Point, sx: float, sy: float) -> None:
    """Scale ``el`` by ``(sx, sy)`` about the root-units point ``origin`` (no rotation assumed)."""
    import svgelements as se

    tag = local(el.tag)
    inv = ~parent_matrix(el)
    p = inv.point_in_matrix_space(origin)
    ox, oy = float(p.x), float(p.y)
    if el.get("transform") or tag in ("g", "a", "switch", "use"):
        m = f"translate({fmt(ox)},{fmt(oy)}) scale({fmt(sx)},{fmt(sy)}) translate({fmt(-ox)},{fmt(-oy)})"
        el.set("transform", f"{m} {el.get('transform') or ''}".strip())
    elif tag in ("rect", "image"):
        x, y = float(el.get("x") or 0), float(el.get("y") or 0)
        el.set("x", fmt(ox + (x - ox) * sx))
        el.set("y", fmt(oy + (y - oy) * sy))
        el.set("width", fmt(float(el.get("width") or 0) * sx))
        el.set("height", fmt(float(el.get("height") or 0) * sy))
    elif tag in ("circle", "ellipse"):
        cx, cy = float(el.get("cx") or 0), float(el.get("cy") or 0)
        rx = float(el.get("rx") or el.get("r") or 0)
        ry = float(el.get("ry") or el.get("r") or 0)
        if tag == "circle" and abs(sx - sy) > 1e-9:
            el.tag = el.tag[: -len("circle")] + "ellipse"
            el.attrib.pop("r", None)
        el.set("cx", fmt(ox + (cx - ox) * sx))
        el.set("cy", fmt(oy + (cy - oy) * sy))
        if local(el.tag) == "circle":
            el.set("r", fmt(rx * sx))
        else:
            el.set("rx", fmt(rx * sx))
            el.set("ry", fmt(ry * sy))
    elif tag in ("polygon", "polyline"):
        _set_points(el, [(ox + (x - ox) * sx, oy + (y - oy) * sy) for x, y in _points(el.get("points"))])
    elif tag == "line":
        for n in ("1", "2"):
            el.set("x" + n, fmt(ox + (float(el.get("x" + n) or 0) - ox) * sx))
            el.set("y" + n, fmt(oy + (float(el.get("y" + n) or 0) - oy) * sy))
    elif tag == "path":
        _map_path(el, se.Matrix(f"translate({ox},{oy}) scale({sx},{sy}) translate({-ox},{-oy})"))
    else:
        raise ValueError(f"cannot resize a <{tag}>")


def move_end(el: Any, which: str, dx: float, dy: float) -> None:
    """Move the first (``which="start"``) or last (``"end"``) point of a line-like
    element by a root-units delta; an axis-aligned first or last leg stays aligned."""
    ldx, ldy = _to_own(el, dx, dy)
    tag = local(el.tag)
    if tag == "line":
        n = "1" if which == "start" else "2"
        el.set("x" + n, fmt(float(el.get("x" + n) or 0) + ldx))
        el.set("y" + n, fmt(float(el.get("y" + n) or 0) + ldy))
    elif tag in ("polyline", "polygon"):
        _set_points(el, _moved_ends(_points(el.get("points")), which, ldx, ldy))
    elif tag == "path":
        _move_path_end(el, which, ldx, ldy)


def _to_own(el: Any, dx: float, dy: float) -> Point:
    return _displacement_in(_matrix(el) * parent_matrix(el), dx, dy)  # its own transform, then its parents'


def _moved_ends(pts: list[Point], which: str, dx: float, dy: float) -> list[Point]:
    if not pts:
        return pts
    i, j = (0, 1) if which == "start" else (len(pts) - 1, len(pts) - 2)
    x, y = pts[i]
    if len(pts) >= 3:  # keep the leg next to the end horizontal or vertical
        nx, ny = pts[j]
        if abs(ny - y) < 1e-6:
            pts[j] = (nx, ny + dy)
        elif abs(nx - x) < 1e-6:
            pts[j] = (nx + dx, ny)
    pts[i] = (x + dx, y + dy)
    return pts


def _move_path_end(el: Any, which: str, dx: float, dy: float) -> None:
    import svgelements as se

    path = se.Path(el.get("d") or "")
    segs = [s for s in path if not isinstance(s, se.Close)]
    if len(segs) < 2:
        return
    delta = se.Point(dx, dy)
    if which == "start":
        first, nxt = segs[0], segs[1]
        if len(segs) >= 3 and isinstance(nxt, se.Line):
            _keep_leg(nxt, segs[2], first.end, delta, at_start=True)
        first.end += delta
        nxt.start += delta
        if isinstance(nxt, (se.CubicBezier, se.QuadraticBezier)):
            nxt.control1 = nxt.control1 + delta if isinstance(nxt, se.CubicBezier) else nxt.control + delta
    else:
        last = segs[-1]
        if len(segs) >= 3 and isinstance(last, se.Line):
            _keep_leg(last, segs[-2], last.end, delta, at_start=False)
        last.end += delta
        if isinstance(last, se.CubicBezier):
            last.control2 += delta
        elif isinstance(last, se.QuadraticBezier):
            last.control += delta
    el.set("d", rounded_d(path.d()))


def rounded_d(d: str) -> str:
    """Path data with every number at most 3 decimals long."""
    return _NUMBER.sub(lambda m: fmt(float(m.group(0))), d)


def _keep_leg(leg: Any, neighbour: Any, end: Any, delta: Any, at_start: bool) -> None:
    """Shift the inner corner of an axis-aligned end leg so the leg stays aligned."""
    import svgelements as se

    corner = leg.end if at_start else leg.start
    if abs(corner.y - end.y) < 1e-6:
        shift = se.Point(0, delta.y)
    elif abs(corner.x - end.x) < 1e-6:
        shift = se.Point(delta.x, 0)
    else:
        return
    if at_start:
        leg.end += shift
        neighbour.start += shift
    else:
        leg.start += shift
        neighbour.end += shift
