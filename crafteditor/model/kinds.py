"""The one vocabulary of shape kinds, shared by the scene, the items read from any SVG,
the reading of what an SVG draws and the exporters.

A ``str`` enum: a kind compares equal to its name, so JSON and SVG labels keep plain strings.
"""

from __future__ import annotations

import enum


class ShapeKind(str, enum.Enum):
    RECT = "rect"
    ROUNDED_RECT = "rounded_rect"
    ELLIPSE = "ellipse"
    CIRCLE = "circle"
    DIAMOND = "diamond"
    PARALLELOGRAM = "parallelogram"
    CYLINDER = "cylinder"
    POLYGON = "polygon"
    PATH = "path"

    def __str__(self) -> str:
        return self.value


PARALLELOGRAM_MIN_SKEW = 0.05  # of the width: a smaller shift of the top edge is a rectangle's


def parallelogram_skew(points: tuple[tuple[float, float], ...]) -> float | None:
    """How far a four-cornered outline's top edge is shifted right of its bottom edge (negative:
    left), when it is a parallelogram with horizontal top and bottom edges of one length; else None."""
    corners = list(dict.fromkeys(points))
    if len(corners) != 4:
        return None
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    tol = 0.03 * max(width, height, 1e-6)
    top = sorted(sorted(corners, key=lambda p: p[1])[:2])
    bottom = sorted(sorted(corners, key=lambda p: p[1])[2:])
    flat = abs(top[0][1] - top[1][1]) <= tol and abs(bottom[0][1] - bottom[1][1]) <= tol
    same = abs((top[1][0] - top[0][0]) - (bottom[1][0] - bottom[0][0])) <= tol
    skew = top[0][0] - bottom[0][0]
    if not (flat and same) or abs(skew) < PARALLELOGRAM_MIN_SKEW * width or height < tol:
        return None
    return skew
