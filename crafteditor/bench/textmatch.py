"""Matching output text to truth text, edit distance and colour difference.

Definitions (see ``metrics.py`` for how they are combined):

- strings are compared after ``normalise_text`` (NFKC, whitespace collapsed),
  case-sensitively: a case error is a recognition error;
- line height of a truth line is 1.2 x its rendered font size;
- a truth line is recovered by an unused output line with the same string whose
  box centre is within ``max(0.5 line height, 8 px)`` of the truth box centre
  (page space, so rotated text is compared where it is drawn); pairs are taken
  greedily, nearest first, one output line per truth line;
- a truth word likewise, within ``max(0.75 line height, 10 px)``;
- colours are compared with CIEDE2000 in CIELAB (D65, sRGB).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from checkers.drawn import TruthLine, TruthWord
from crafteditor.model.scene import Box


def line_height_px(line: TruthLine) -> float:
    return 1.2 * line.font_size_px


def _greedy(pairs: list[tuple[float, int, int]]) -> list[tuple[int, int]]:
    used_t: set[int] = set()
    used_o: set[int] = set()
    out = []
    for _d, ti, oi in sorted(pairs):
        if ti in used_t or oi in used_o:
            continue
        used_t.add(ti)
        used_o.add(oi)
        out.append((ti, oi))
    return out


def _by_string(items: Sequence[TruthLine | TruthWord]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        index.setdefault(item.text, []).append(i)
    return index


def match_lines(truth: Sequence[TruthLine], output: Sequence[TruthLine]) -> list[tuple[int, int]]:
    """One-to-one (truth index, output index) pairs of recovered lines."""
    by_text = _by_string(output)
    pairs = []
    for ti, t in enumerate(truth):
        tol = max(0.5 * line_height_px(t), 8.0)
        for oi in by_text.get(t.text, ()):
            d = math.dist(t.box.center, output[oi].box.center)
            if d <= tol:
                pairs.append((d, ti, oi))
    return _greedy(pairs)


def match_words(
    truth: Sequence[TruthWord], truth_lines: Sequence[TruthLine], output: Sequence[TruthWord]
) -> list[tuple[int, int]]:
    by_text = _by_string(output)
    pairs = []
    for ti, t in enumerate(truth):
        tol = max(0.75 * line_height_px(truth_lines[t.line_index]), 10.0)
        for oi in by_text.get(t.text, ()):
            d = math.dist(t.box.center, output[oi].box.center)
            if d <= tol:
                pairs.append((d, ti, oi))
    return _greedy(pairs)


def _overlap(a: Box, b: Box) -> float:
    inter = a.intersection(b)
    if inter is None:
        return 0.0
    smaller = min(a.area, b.area)
    return inter.area / smaller if smaller > 0 else 0.0


def pair_by_overlap(truth: Sequence[TruthLine], output: Sequence[TruthLine]) -> list[tuple[int, int]]:
    """Spatial pairs for the character error rate: overlap >= 30% of the smaller box, best IoU first."""
    pairs = []
    for ti, t in enumerate(truth):
        for oi, o in enumerate(output):
            if _overlap(t.box, o.box) >= 0.3:
                pairs.append((-t.box.iou(o.box), ti, oi))
    return _greedy(pairs)


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def char_error_rate(truth: Sequence[TruthLine], output: Sequence[TruthLine]) -> float:
    """(edits in spatial pairs + unpaired truth chars + unpaired output chars) / truth chars."""
    total = sum(len(t.text) for t in truth)
    pairs = pair_by_overlap(truth, output)
    edits = sum(levenshtein(truth[ti].text, output[oi].text) for ti, oi in pairs)
    paired_t, paired_o = {ti for ti, _ in pairs}, {oi for _, oi in pairs}
    edits += sum(len(t.text) for i, t in enumerate(truth) if i not in paired_t)
    edits += sum(len(o.text) for i, o in enumerate(output) if i not in paired_o)
    if total == 0:
        return 0.0 if edits == 0 else 1.0
    return edits / total


# -- colour -----------------------------------------------------------------------
def hex_to_lab(colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` (sRGB, D65) to CIELAB."""
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    rgb = [int(value[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124564 * lin[0] + 0.3575761 * lin[1] + 0.1804375 * lin[2]) / 0.95047
    y = 0.2126729 * lin[0] + 0.7151522 * lin[1] + 0.0721750 * lin[2]
    z = (0.0193339 * lin[0] + 0.1191920 * lin[1] + 0.9503041 * lin[2]) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    dhh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_bar - 30)) + 0.24 * math.cos(math.radians(2 * h_bar))
         + 0.32 * math.cos(math.radians(3 * h_bar + 6)) - 0.20 * math.cos(math.radians(4 * h_bar - 63)))
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    sl = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    sc, sh = 1 + 0.045 * cp_bar, 1 + 0.015 * cp_bar * t
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2 + rt * (dc / sc) * (dhh / sh))


def colour_difference(a: str, b: str) -> float:
    return delta_e2000(hex_to_lab(a), hex_to_lab(b))
