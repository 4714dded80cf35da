"""The shape of the marker an SVG path draws at each end, read from the ``<marker>``.

``end_marks(el)`` gives the kind of the marker at the start and at the end of a
path (one of ``scene.MARK_KINDS``, "" for none): ``arrow``, ``open_arrow``,
``dot``, ``circle``, ``diamond``, ``open_diamond`` or ``bar``.

The kind is read, in order, from
- the ``inkscape:stockid`` crafteditor's writer gives its markers
  ("arrowhead end", "open diamond start", ...);
- the marker's drawing: a circle or ellipse, or a closed path of curves, is a
  dot (a circle when only outlined); a triangle an arrowhead, an open
  three-point path a chevron (open arrowhead); four points a diamond when
  convex with its corners on its box's sides, an arrowhead when notched; a
  thin rectangle, a line or a two-point path a bar;
- words in the marker's id, class or stock id (``diamond``, ``dot``, ``stop``...);
- else it is an arrowhead, the marker editors draw most (also when the marker
  referred to is not in the document).
"""

from __future__ import annotations

from typing import Any

from crafteditor.model.scene import MARK_KINDS
from crafteditor.svg.doc import inkscape, local, ref_id

Point = tuple[float, float]
OPEN = {"arrow": "open_arrow", "dot": "circle", "diamond": "open_diamond"}
LIGHT = 235  # a fill this light in every channel, under a stroke, is the page showing through
# words naming a marker's shape in ids, classes and stock ids, checked in this order
WORDS = (("diamond", "diamond"), ("rhomb", "diamond"), ("dot", "dot"), ("circle", "dot"), ("oval", "dot"),
         ("ring", "circle"), ("ball", "dot"), ("stop", "bar"), ("bar", "bar"), ("tee", "bar"),
         ("arrow", "arrow"), ("triangle", "arrow"), ("head", "arrow"))
HOLLOW_WORDS = ("empty", "open", "hollow", "outline", "white")


def _declared(node: Any, prop: str) -> str | None:
    """``prop`` as ``node`` sets it: in its ``style`` (which wins) or as an attribute."""
    for part in (node.get("style") or "").split(";"):
        key, _, value = part.partition(":")
        if key.strip() == prop and value.strip():
            return value.strip()
    value = node.get(prop)
    return value.strip() if value and value.strip() else None


def marker_ref(el: Any, end: str) -> str | None:
    """The id of the marker ``el`` puts at ``end`` ("start" or "end"), from ``marker-<end>``
    or the ``marker`` shorthand (None for none)."""
    value = _declared(el, f"marker-{end}") or _declared(el, "marker")
    if not value or value == "none":
        return None
    return ref_id(value)


def end_marks(el: Any) -> tuple[str, str]:
    """The kinds of the markers at the start and the end of ``el`` ("" where none is drawn)."""
    out = []
    for end in ("start", "end"):
        ref = marker_ref(el, end)
        found = el.getroottree().getroot().xpath("//*[@id=$ref]", ref=ref) if ref else []
        marker = next((m for m in found if local(m.tag) == "marker"), None)
        # a reference to no marker here (its definitions stripped, or elsewhere): meant as a head
        out.append("" if ref is None else marker_kind(marker) if marker is not None else "arrow")
    return out[0], out[1]


def marker_kind(marker: Any) -> str:
    """The kind of the mark a ``<marker>`` element draws."""
    stock = (marker.get(inkscape("stockid")) or "").strip().lower()
    own = stock.rsplit(" ", 1)[0] if stock.endswith((" start", " end")) else ""
    own = "arrow" if own == "arrowhead" else own.replace(" ", "_")
    if own in MARK_KINDS:
        return own
    drawn = _drawn_kind(marker)
    if drawn:
        return drawn
    words = " ".join((marker.get("id") or "", marker.get("class") or "", stock)).lower()
    kind = next((k for word, k in WORDS if word in words), "arrow")
    return OPEN.get(kind, kind) if any(w in words for w in HOLLOW_WORDS) else kind


def _paint(node: Any, prop: str, stop: Any) -> str | None:
    """``prop`` of ``node`` as inherited up to ``stop`` (the marker), or None when none sets it."""
    while node is not None:
        value = _declared(node, prop)
        if value and value != "inherit":
            return value
        if node is stop:
            return None
        node = node.getparent()
    return None


def _light(colour: str) -> bool:
    c = colour.strip().lower()
    if c in ("white", "#fff"):
        return True
    digits = c[1:]
    if len(c) != 7 or not c.startswith("#") or any(ch not in "0123456789abcdef" for ch in digits):
        return False
    return all(int(digits[i:i + 2], 16) >= LIGHT for i in (0, 2, 4))


def _filled(shape: Any, marker: Any) -> bool:
    """Whether ``shape`` is solid: painted inside, not only outlined over the page colour."""
    fill = (_paint(shape, "fill", marker) or "black").lower()
    stroke = (_paint(shape, "stroke", marker) or "none").lower()
    if fill in ("none", "transparent"):
        return False
    return stroke in ("none", fill) or not _light(fill)


def _drawn_kind(marker: Any) -> str:
    """The kind the marker's first drawn shape has, or "" when its shape says nothing clear."""
    shape = next((n for n in marker.iter() if local(n.tag) in
                  ("path", "polygon", "polyline", "circle", "ellipse", "rect", "line")), None)
    if shape is None:
        return ""
    tag = local(shape.tag)
    filled = _filled(shape, marker)
    kind = ""
    if tag in ("circle", "ellipse"):
        kind = "dot"
    elif tag == "line":
        kind = "bar"
    elif tag == "rect":
        w, h = (_number(shape.get(k)) for k in ("width", "height"))
        kind = "bar" if min(w, h) < 0.5 * max(w, h) else ""
    else:
        outline = _outline(shape, tag)
        if outline is not None:
            kind = _outline_kind(*outline, filled)
            if kind == "open_arrow":
                return kind
    return (kind if filled else OPEN.get(kind, kind)) if kind else ""


def _number(value: str | None) -> float:
    try:
        return float((value or "0").rstrip("px"))
    except ValueError:
        return 0.0


def _outline(shape: Any, tag: str) -> tuple[list[Point], bool, bool] | None:
    """The corners of a polygon, polyline or path, whether it is closed and whether it is
    all curves (None when it cannot be read)."""
    import svgelements as se

    if tag in ("polygon", "polyline"):
        nums = [_number(v) for v in (shape.get("points") or "").replace(",", " ").split()]
        return [(nums[i], nums[i + 1]) for i in range(0, len(nums) - 1, 2)], tag == "polygon", False
    try:
        path = se.Path(shape.get("d") or "")
    except Exception:  # path data svgelements cannot read
        return None
    segments = [s for s in path if not isinstance(s, se.Move)]
    curves = [s for s in segments if not isinstance(s, (se.Line, se.Close))]
    closed = any(isinstance(s, se.Close) for s in segments)
    points: list[Point] = []
    for seg in path:
        end = getattr(seg, "end", None)
        if end is not None and not isinstance(seg, se.Close):
            points.append((float(end.x), float(end.y)))
    return points, closed, bool(curves) and len(curves) >= len(segments) - 1


def _outline_kind(points: list[Point], closed: bool, round_: bool, filled: bool) -> str:
    """The kind of a closed or open outline through ``points`` (before hollowness)."""
    corners: list[Point] = []
    for p in points:
        if not corners or abs(p[0] - corners[-1][0]) + abs(p[1] - corners[-1][1]) > 1e-6:
            corners.append(p)
    if len(corners) > 2 and abs(corners[0][0] - corners[-1][0]) + abs(corners[0][1] - corners[-1][1]) <= 1e-6:
        corners.pop()
        closed = True
    if round_ and closed:
        return "dot"
    n = len(corners)
    if n == 2:
        return "bar"
    if n == 3:
        return "arrow" if closed or filled else "open_arrow"
    if n == 4 and closed:
        if not _convex(corners):
            return "arrow"  # a notched (stealth) arrowhead
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
        on_side = [(min(abs(x - min(xs)), abs(x - max(xs))) < 0.05 * span)
                   != (min(abs(y - min(ys)), abs(y - max(ys))) < 0.05 * span) for x, y in corners]
        return "diamond" if all(on_side) else ""
    return ""


def _convex(corners: list[Point]) -> bool:
    signs = set()
    for i, (ax, ay) in enumerate(corners):
        bx, by = corners[(i + 1) % len(corners)]
        cx, cy = corners[(i + 2) % len(corners)]
        cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx)
        if abs(cross) > 1e-9:
            signs.add(cross > 0)
    return len(signs) == 1
