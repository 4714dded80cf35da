"""Text as scene elements: measured, grouped lines become TEXT elements."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from crafteditor.model.scene import Element, Kind, Provenance, Style, TextContent, TextLine, new_id, to_hex
from extraction import fonts
from extraction.text_group import Label


def label_element(label: Label, index: int, detector: str) -> Element:
    lines = label.lines
    weights = np.array([max(len(m.text), 1) for m in lines], dtype=float)
    size = float(np.average([m.font_size_px for m in lines], weights=weights))
    # Lines of one size share it, never larger than the size their ink allows
    # (weighted as the size is: one line cut short must not shrink the rest).
    bounds = [fonts.size_bound_px(m.font, [(m.text, (m.ink.width, m.ink.height))]) if not m.runs
              else m.font_size_px for m in lines]  # a line's sub- or superscript is drawn smaller
    if all(b is not None for b in bounds):
        size = min(size, float(np.average(bounds, weights=weights)))
    color = np.median(np.array([m.color_rgb for m in lines], dtype=float), axis=0)
    first = label.first
    page_box = lines[0].page_box
    for m in lines[1:]:
        page_box = page_box.union(m.page_box)
    content = TextContent(
        lines=tuple(TextLine(m.text, m.ink, m.baseline_y, m.confidence,
                             runs=m.runs if "".join(r.text for r in m.runs) == m.text else ()) for m in lines),
        anchor=label.anchor,
        anchor_x=label.anchor_x,
        rotation_deg=first.angle_deg,
        pivot=first.pivot,
    )
    match = float(np.mean([m.match_score for m in lines]))
    return Element(
        id=new_id(Kind.TEXT, index),
        kind=Kind.TEXT,
        box=page_box,
        style=Style(
            fill=to_hex(color),
            font_size_px=round(size, 2),
            font_weight=first.font.weight,
            font_class=first.font.font_class,
            font_family=first.font.stack,
        ),
        provenance=Provenance(
            detector,
            confidence=min(m.confidence for m in lines),
            note=f"font match {match:.2f} ({first.font.family} {first.font.weight})",
        ),
        label=" ".join(m.text for m in lines),
        text=content,
    )


def text_elements(labels: Sequence[Label], detector: str) -> list[Element]:
    """Labels in reading order (top to bottom, then left to right) as elements."""
    ordered = sorted(labels, key=lambda lb: (round(lb.lines[0].page_box.y0 / 8), lb.lines[0].page_box.x0))
    return [label_element(lb, i + 1, detector) for i, lb in enumerate(ordered)]
