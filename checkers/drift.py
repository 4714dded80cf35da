"""Position drift: an element drawn a few pixels away from where the source has it.

Each drawn text line, closed shape and picture is looked for in the source
around its own place: its ink (``checkers.ink``) is slid over the source's ink
up to ``SEARCH_PX`` each way (normalised cross-correlation).  When the best
match lies more than ``DRIFT_PX`` away and matches clearly better than where
the element is, the element has drifted, and the fix moves it by that offset.
"""

from __future__ import annotations

import cv2
import numpy as np

from checkers import ink
from checkers.base import CheckedFigure
from crafteditor.model.findings import Finding
from crafteditor.model.fixes import Move
from crafteditor.model.scene import Box

SEARCH_PX = 10
DRIFT_PX = 3.0
MIN_MATCH = 0.6  # correlation of the best placement
MIN_GAIN = 0.15  # how much better than where it is
MIN_INK_PX = 30
MAX_SHARE = 0.15  # larger elements (containers, the page) are not searched


def _targets(figure: CheckedFigure) -> list[tuple[str, str | None, Box]]:
    """(what, element id, box) for every line, closed painted shape and picture drawn."""
    out: list[tuple[str, str | None, Box]] = [
        (f"text {line.text!r}", line.element_id, line.box) for line in figure.drawn.lines if not line.rotation_deg
    ]
    for path in figure.record.paths:
        box = Box(*path.xyxy)
        if path.closed and path.painted and not path.marker_end and box.width >= 8 and box.height >= 8:
            out.append((f"{path.tag} {path.element_id or ''}".strip(), path.element_id, box))
    out += [("picture", image.element_id, Box(*image.xyxy)) for image in figure.record.images]
    w, h = figure.image_wh
    return [t for t in out if t[2].area <= MAX_SHARE * w * h]


def _shift(figure: CheckedFigure, box: Box) -> tuple[float, float, float, float] | None:
    """(dx, dy, match where it is, best match) of ``box``'s ink against the source's."""
    inner = ink.window(box, figure.image_wh, 1.0, 1.0)
    outer = ink.window(box, figure.image_wh, 1.0 + SEARCH_PX, 1.0 + SEARCH_PX)
    if inner is None or outer is None:
        return None
    x0, y0, x1, y1 = inner
    ground, search = figure.source.measure(("drift search", inner, outer), lambda: _search(figure, inner, outer))
    drawn = figure.record.rgb[y0:y1, x0:x1]
    return figure.source.measure_drawn(("drift", inner, outer), drawn,
                                       lambda: _match(drawn, ground, search, inner, outer))


def _search(figure: CheckedFigure, inner: tuple[int, int, int, int],
            outer: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The ground of the source's ``inner`` window, and the source's ink over ``outer`` against it."""
    x0, y0, x1, y1 = inner
    X0, Y0, X1, Y1 = outer
    ground = ink.dominant_rgb(figure.source_rgb[y0:y1, x0:x1])
    return ground, ink.ink(figure.source_rgb[Y0:Y1, X0:X1], ground).astype(np.float32)


def _match(drawn: np.ndarray, ground: np.ndarray, search: np.ndarray, inner: tuple[int, int, int, int],
           outer: tuple[int, int, int, int]) -> tuple[float, float, float, float] | None:
    x0, y0, _x1, _y1 = inner
    X0, Y0, _X1, _Y1 = outer
    template = ink.ink(drawn, ground).astype(np.float32)
    if template.sum() < MIN_INK_PX or search.shape[0] < template.shape[0] or search.shape[1] < template.shape[1]:
        return None
    scores = cv2.matchTemplate(search, template, cv2.TM_CCORR_NORMED)
    zy, zx = y0 - Y0, x0 - X0
    by, bx = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return float(bx - zx), float(by - zy), float(scores[zy, zx]), float(scores[by, bx])


def position_drift(figure: CheckedFigure) -> list[Finding]:
    """Elements drawn more than ``DRIFT_PX`` from their place in the source."""
    out = []
    for what, element_id, box in _targets(figure):
        found = _shift(figure, box)
        if found is None:
            continue
        dx, dy, here, best = found
        if np.hypot(dx, dy) <= DRIFT_PX or best < MIN_MATCH or best - here < MIN_GAIN:
            continue
        out.append(Finding(
            "position-drift", "warning", f"{what} sits ({dx:+.0f}, {dy:+.0f}) px from its place in the source",
            element_id=element_id, box=box, fix=Move(dx, dy),
        ))
    return out
