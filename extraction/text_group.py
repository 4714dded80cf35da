"""Grouping measured lines: fragments into lines, lines into labels.

Engines split a line at wide gaps and never join the lines of a label; a
label here is what a person typed as one text object: lines of one style,
stacked at a regular spacing, aligned, with no drawing between them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from crafteditor.model.scene import Box
from extraction.pixels import INK_DIFF
from extraction.text_measure import MeasuredLine


@dataclass(frozen=True, slots=True, eq=False)
class Label:
    lines: tuple[MeasuredLine, ...]  # top to bottom in the reading frame
    anchor: str  # "start" | "middle" | "end"
    anchor_x: float  # in the reading frame

    @property
    def first(self) -> MeasuredLine:
        return self.lines[0]


def _same_style(a: MeasuredLine, b: MeasuredLine, size_ratio: float) -> bool:
    ratio = max(a.font_size_px, b.font_size_px) / max(min(a.font_size_px, b.font_size_px), 1e-6)
    colour = np.abs(np.subtract(a.color_rgb, b.color_rgb)).max()
    return (
        a.angle_deg == b.angle_deg
        and ratio <= size_ratio
        and a.font.font_class == b.font.font_class
        and a.font.weight == b.font.weight
        and colour <= 48
    )


def _ink_between(canvas: np.ndarray, bg: Sequence[int], box: Box) -> np.ndarray:
    """Mask of drawn (non-background) pixels of ``canvas`` inside a page box."""
    h, w = canvas.shape[:2]
    x0, y0, x1, y1 = box.clip(w, h).to_int()
    if x1 <= x0 or y1 <= y0:
        return np.zeros((0, 0), dtype=bool)
    region = canvas[y0:y1, x0:x1].astype(np.int16)
    return np.abs(region - np.asarray(bg, dtype=np.int16)).max(axis=2) > INK_DIFF


Remeasure = Callable[[str, Box, float], "MeasuredLine | None"]


def _merge_fragments(a: MeasuredLine, b: MeasuredLine, remeasure: Remeasure | None) -> MeasuredLine:
    """One line from two readings; measured afresh when it can be (a fragment
    of a word alone matches fonts poorly), else combined."""
    gap = b.ink.x0 - a.ink.x1
    joiner = " " if gap > 0.2 * max(a.font_size_px, b.font_size_px) else ""
    text = a.text + joiner + b.text
    if remeasure is not None:  # the ink's own box: measuring adds its margins
        fresh = remeasure(text, a.page_box.union(b.page_box), min(a.confidence, b.confidence))
        if fresh is not None:
            return fresh
    wa, wb = len(a.text), len(b.text)
    size = (a.font_size_px * wa + b.font_size_px * wb) / max(wa + wb, 1)
    return dataclasses.replace(
        a,
        text=text,
        confidence=min(a.confidence, b.confidence),
        page_box=a.page_box.union(b.page_box),
        ink=a.ink.union(b.ink),
        baseline_y=(a.baseline_y * wa + b.baseline_y * wb) / max(wa + wb, 1),
        advance_px=b.pen_x + b.advance_px - a.pen_x,
        font_size_px=size,
    )


def _same_run(a: MeasuredLine, b: MeasuredLine) -> bool:
    """Loose style test for pieces of one line: close sizes and colours."""
    ratio = max(a.font_size_px, b.font_size_px) / max(min(a.font_size_px, b.font_size_px), 1e-6)
    return ratio <= 1.3 and int(np.abs(np.subtract(a.color_rgb, b.color_rgb)).max()) <= 48


def join_fragments(
    lines: Sequence[MeasuredLine], canvas: np.ndarray, remeasure: Remeasure | None = None
) -> list[MeasuredLine]:
    """Join readings that continue one another on the same baseline."""
    out: list[MeasuredLine] = []
    for line in sorted(lines, key=lambda m: m.ink.x0):
        for i, prev in enumerate(out):
            if prev.angle_deg != 0 or line.angle_deg != 0:
                continue
            size = max(prev.font_size_px, line.font_size_px)
            gap = line.ink.x0 - prev.ink.x1
            if (
                _same_run(prev, line)
                and abs(prev.baseline_y - line.baseline_y) <= 0.2 * size
                and -0.2 * size <= gap <= 0.6 * size
                and not _ink_between(
                    canvas, prev.background_rgb,
                    Box(prev.ink.x1, min(prev.ink.y0, line.ink.y0), max(prev.ink.x1, line.ink.x0),
                        max(prev.ink.y1, line.ink.y1)),
                ).any()
            ):
                out[i] = _merge_fragments(prev, line, remeasure)
                break
        else:
            out.append(line)
    return out


def _separated(canvas: np.ndarray, a: MeasuredLine, b: MeasuredLine) -> bool:
    """True if a drawn stroke runs between two stacked lines (a above b)."""
    if a.angle_deg != 0:
        return True
    strip = Box(min(a.ink.x0, b.ink.x0), a.ink.y1 + 1, max(a.ink.x1, b.ink.x1), max(a.ink.y1 + 1, b.ink.y0 - 1))
    ink = _ink_between(canvas, a.background_rgb, strip)
    if ink.size == 0:
        return False
    return bool((ink.mean(axis=1) > 0.3).any())


def _aligned(a: MeasuredLine, b: MeasuredLine) -> bool:
    tol = 0.6 * max(a.font_size_px, b.font_size_px)
    ca, cb = (a.ink.x0 + a.ink.x1) / 2, (b.ink.x0 + b.ink.x1) / 2
    return abs(a.pen_x - b.pen_x) <= tol or abs(ca - cb) <= tol or abs(a.ink.x1 - b.ink.x1) <= tol


def stack_labels(lines: Sequence[MeasuredLine], canvas: np.ndarray) -> list[list[MeasuredLine]]:
    """Stack lines into labels, top to bottom."""
    labels: list[list[MeasuredLine]] = []
    for line in sorted(lines, key=lambda m: (m.angle_deg, m.baseline_y)):
        best = None
        for group in labels:
            last = group[-1]
            size = max(last.font_size_px, line.font_size_px)
            step = line.baseline_y - last.baseline_y
            if (
                line.angle_deg == 0
                and _same_style(last, line, 1.25)
                and 0.85 * size <= step <= 1.7 * size
                and min(last.ink.x1, line.ink.x1) > max(last.ink.x0, line.ink.x0)
                and _aligned(last, line)
                and not _separated(canvas, last, line)
            ):
                if best is None or step < best[0]:
                    best = (step, group)
        if best is None:
            labels.append([line])
        else:
            best[1].append(line)
    return labels


def _wall_distance(canvas: np.ndarray, line: MeasuredLine, direction: int, limit: float) -> float | None:
    """Distance from the line's ink to the first drawn pixel along its middle row."""
    h, w = canvas.shape[:2]
    y = int(round((line.ink.y0 + line.ink.y1) / 2))
    if not 0 <= y < h:
        return None
    start = int(line.ink.x1) + 1 if direction > 0 else int(line.ink.x0) - 1
    end = int(min(w - 1, start + limit)) if direction > 0 else int(max(0, start - limit))
    if (direction > 0 and start > end) or (direction < 0 and start < end):
        return None
    row = canvas[y, min(start, end):max(start, end) + 1].astype(np.int16)
    hits = np.nonzero(np.abs(row - np.asarray(line.background_rgb, np.int16)).max(axis=1) > INK_DIFF)[0]
    if len(hits) == 0:
        return None
    return float(hits[0] if direction > 0 else len(row) - 1 - hits[-1])


def shared_anchor(group: Sequence[MeasuredLine]) -> str | None:
    """The anchor (start, middle, end) the lines of a stack share within a fifth of
    their size, or None when no edge nor centre lines them up: one x for all of them
    would then move some lines off the place they were read."""
    lefts = np.array([m.pen_x for m in group])
    rights = lefts + np.array([m.advance_px for m in group])
    spreads = {"start": np.ptp(lefts), "middle": np.ptp((lefts + rights) / 2), "end": np.ptp(rights)}
    anchor = min(spreads, key=spreads.get)
    return anchor if spreads[anchor] <= 0.2 * max(m.font_size_px for m in group) else None


def choose_alignment(group: Sequence[MeasuredLine], canvas: np.ndarray) -> tuple[str, float]:
    """``text-anchor`` and the x it refers to, in the reading frame."""
    lefts = np.array([m.pen_x for m in group])
    rights = np.array([m.pen_x + m.advance_px for m in group])
    centres = (lefts + rights) / 2
    if len(group) > 1:
        anchor = shared_anchor(group) or "start"
    else:
        anchor = "start"
        line = group[0]
        if line.angle_deg == 0:
            limit = max(3 * line.advance_px, 40)
            dl = _wall_distance(canvas, line, -1, limit)
            dr = _wall_distance(canvas, line, +1, limit)
            if dl is not None and dr is not None and abs(dl - dr) <= 3 + 0.15 * (dl + dr) / 2:
                anchor = "middle"
        else:
            anchor = "middle"
    x = {"start": float(lefts.min()), "middle": float(np.mean(centres)), "end": float(rights.max())}[anchor]
    return anchor, x


def group_labels(
    lines: Sequence[MeasuredLine], canvas: np.ndarray, remeasure: Remeasure | None = None
) -> list[Label]:
    """Fragments into lines, lines into labels, each with its alignment.

    ``canvas`` is the figure with the text already lifted off, so that what
    lies between lines is drawing, not text.  ``remeasure(text, box, confidence)``
    measures a joined line afresh on the source.
    """
    joined = join_fragments(lines, canvas, remeasure)
    labels = []
    for stack in stack_labels(joined, canvas):
        # Lines that share no anchor stay labels of their own, each where it was read,
        # still in the one face the stack is written in (its style is shared).
        groups = [stack] if len(stack) == 1 or shared_anchor(stack) else [
            [dataclasses.replace(m, font=stack[0].font)] for m in stack]
        for group in groups:
            anchor, x = choose_alignment(group, canvas)
            labels.append(Label(tuple(group), anchor, x))
    return labels
