"""Seeded synthetic diagrams with known ground truth.

A figure is a grid of nodes (rect, rounded rect, ellipse, diamond, cylinder,
raster icon) with centred one- to three-line labels, straight and elbow marker
arrows between neighbours, dashed containers with titles, a title, a caption
and sometimes a rotated axis label.  About half the figures also get the
features of ``synth_extra`` (a second seeded stream, so the rest of the figure
is unchanged): branching connectors, dot and circle markers, stacked boxes
joined by short connectors, small corner radii.  Labels never overlap each other and
arrows never cross text or foreign nodes: candidates that would are dropped.
The truth is read back from the rendering (``truth.render_truth``); the lines
the generator wrote are kept in ``Case.planned_lines`` to check it.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from shapely.geometry import LineString
from shapely.geometry import box as sbox

from crafteditor.bench import vocab
from crafteditor.bench.cases import Case, Degradation, build_case
from crafteditor.bench.fonts import measure
from crafteditor.bench.icons import make_icon
from crafteditor.model.scene import Box

FAMILIES = ("Liberation Sans", "Liberation Serif", "Liberation Mono", "DejaVu Sans")
GENERIC = {"Liberation Serif": "serif", "Liberation Mono": "monospace"}
PALETTES = {
    "light": dict(fills=("#dbe9f6", "#fde2c8", "#e2f0d9", "#fff2cc", "#ead1dc", "#d9d2e9"),
                  strokes=("#2f5597", "#c55a11", "#548235", "#bf9000", "#7030a0", "#404040"),
                  text=("#1f1f1f", "#222222", "#1f3864", "#3b3838")),
    "dark": dict(fills=("#1f4e79", "#385723", "#843c0c", "#3a3a3a", "#5b2c6f", "#0b5345"),
                 strokes=("#0d2a45", "#1e3012", "#4a2106", "#1a1a1a", "#2e1638", "#052a23"),
                 text=("#ffffff",)),
    "colour": dict(fills=("#ffffff", "#f7f7f7", "#fbfbf3"),
                   strokes=("#c00000", "#2e75b6", "#548235", "#7030a0", "#bf9000"),
                   text=("#c00000", "#2e75b6", "#548235", "#7030a0", "#9c5700")),
}
SHAPE_WEIGHTS = {"rect": 3, "rounded_rect": 3, "ellipse": 1.5, "diamond": 1, "cylinder": 1}


@dataclass
class _Label:
    lines: list[str]
    x: float
    cy: float  # centre of the block
    size: int
    family: str
    bold: bool
    fill: str
    anchor: str = "middle"
    rotate: bool = False
    lead: str = ""  # a bold run before the first line's text (start-anchored titles)

    @property
    def line_h(self) -> float:
        return round(self.size * 1.25, 1)

    def baselines(self) -> list[float]:
        n = len(self.lines)
        first = self.cy - (n - 1) * self.line_h / 2 + 0.35 * self.size
        return [round(first + i * self.line_h, 1) for i in range(n)]

    def width(self) -> float:
        return max(measure((self.lead + " " if self.lead else "") + s, self.family, self.bold, self.size)
                   for s in self.lines)

    def box(self) -> Box:
        w, b = self.width(), self.baselines()
        x0 = self.x - w / 2 if self.anchor == "middle" else self.x
        top, bottom = b[0] - 0.95 * self.size, b[-1] + 0.25 * self.size
        if self.rotate:  # rotate(-90) about (x, cy)
            return Box(self.x - (self.cy - top), self.cy - w / 2, self.x + (bottom - self.cy), self.cy + w / 2)
        return Box(x0, top, x0 + w, bottom)


@dataclass
class _Node:
    kind: str
    box: Box
    fill: str
    stroke: str
    label: _Label | None = None
    icon: bytes | None = None


@dataclass
class _Figure:
    width: int
    height: int
    background: str
    nodes: list[_Node] = field(default_factory=list)
    containers: list[tuple[Box, str, _Label]] = field(default_factory=list)
    labels: list[_Label] = field(default_factory=list)
    # points, colour, width, dashed, marker at the start; then the end and start marker kinds
    arrows: list[tuple] = field(default_factory=list)
    radius: float = 10.0  # corner radius of rounded rectangles
    grid: dict = field(default_factory=dict)  # (row, col) -> node
    cells: tuple = ()  # x0, y0, cell width, cell height, rows, cols
    family: str = "DejaVu Sans"
    palette: dict = field(default_factory=dict)

    def text_boxes(self) -> list[Box]:
        return [lab.box() for lab in self.labels]

    def fits(self, label: _Label) -> bool:
        box = label.box().expand(3)
        inside = 2 <= box.x0 and box.x1 <= self.width - 2 and 2 <= box.y0 and box.y1 <= self.height - 2
        return inside and all(box.intersection(other.expand(3)) is None for other in self.text_boxes())

    def add_label(self, label: _Label) -> bool:
        if self.fits(label):
            self.labels.append(label)
            return True
        return False


def make_case(seed: int, *, degrade: Degradation | bool | None = None) -> Case:
    """Synthetic case ``seed``; ``degrade=True`` draws a random degradation from the seed."""
    figure = build_figure(seed)
    svg = to_svg(figure).encode("utf-8")
    degradation = Degradation.random(random.Random(seed * 7919 + 1)) if degrade is True else degrade or None
    planned = tuple(" ".join(([lab.lead] if lab.lead and i == 0 else []) + [s]) for lab in figure.labels
                    for i, s in enumerate(lab.lines))
    set_name = "degraded" if degradation else "synthetic"
    return build_case(f"synth-{seed:04d}" + (f"-{degradation.label}" if degradation else ""), set_name, svg,
                      degradation=degradation, source=f"synth seed={seed}", planned_lines=planned)


def build_figure(seed: int) -> _Figure:
    """The figure of case ``seed``: the base figure, and for about half the seeds the extras."""
    from crafteditor.bench.synth_extra import add_extras

    fig = _build(random.Random(seed))
    add_extras(random.Random(seed * 1000003 + 17), fig)
    return fig


def _build(rng: random.Random) -> _Figure:
    width, height = rng.choice((1400, 1400, 1360, 1440)), rng.choice((800, 800, 760, 840))
    fig = _Figure(width, height, rng.choice(("#ffffff",) * 4 + ("#fafafa", "#f6f8fc")))
    palette = PALETTES[rng.choice(tuple(PALETTES))]
    family = rng.choice(FAMILIES)
    title_family = rng.choice((family, rng.choice(FAMILIES)))
    text_col = rng.choice(("#111111", "#1f3864", "#333333"))
    fig.add_label(_Label([vocab.title(rng)], width / 2, 38, rng.randint(22, 28), title_family,
                         rng.random() < 0.7, text_col))
    fig.add_label(_Label([vocab.caption(rng)], 50, height - 30, rng.randint(12, 15), family, False,
                         "#404040", anchor="start"))
    left = 60
    if rng.random() < 0.3:
        fig.add_label(_Label([rng.choice(vocab.AXIS_LABELS)], 32, height / 2, rng.randint(14, 18), family,
                             False, text_col, rotate=True))
        left = 90
    rows, cols = rng.choice((2, 3)), rng.choice((3, 4, 5))
    x0, y0, x1, y1 = left, 80, width - 40, height - 70
    cw, ch = (x1 - x0) / cols, (y1 - y0) / rows
    framed = _plan_containers(rng, rows, cols)
    grid: dict[tuple[int, int], _Node] = {}
    for r in range(rows):
        for c in range(cols):
            if rng.random() < 0.18 and not any(r == fr and c0 <= c <= c1 for fr, c0, c1 in framed):
                continue
            cell = Box(x0 + c * cw, y0 + r * ch, x0 + (c + 1) * cw, y0 + (r + 1) * ch)
            max_h = ch - (90 if any(r == fr for fr, _a, _b in framed) else 40)
            node = _make_node(rng, fig, cell, max_h, palette, family)
            if node is not None:
                grid[(r, c)] = node
                fig.nodes.append(node)
    for fr, c0, c1 in framed:
        _add_container(rng, fig, [grid[(fr, c)] for c in range(c0, c1 + 1) if (fr, c) in grid], family, text_col)
    _add_arrows(rng, fig, grid, palette)
    fig.grid, fig.cells = grid, (x0, y0, cw, ch, rows, cols)
    fig.family, fig.palette = family, palette
    return fig


def _plan_containers(rng: random.Random, rows: int, cols: int) -> list[tuple[int, int, int]]:
    if rng.random() > 0.6:
        return []
    out = []
    for r in rng.sample(range(rows), k=min(rows, rng.choice((1, 1, 2)))):
        span = rng.randint(2, min(3, cols))
        c0 = rng.randint(0, cols - span)
        out.append((r, c0, c0 + span - 1))
    return out


def _make_node(rng: random.Random, fig: _Figure, cell: Box, max_h: float, palette: dict, family: str) -> _Node | None:
    fill, stroke = rng.choice(palette["fills"]), rng.choice(palette["strokes"])
    cx, cy = cell.center
    if rng.random() < 0.15:
        size = rng.randint(56, min(96, int(max_h) - 30))
        _kind, png = make_icon(rng, size)
        box = Box(cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2)
        node = _Node("icon", box, fill, stroke, icon=png)
        cap = _Label([rng.choice(vocab.ICON_CAPTIONS)], cx, box.y1 + 16, rng.randint(12, 14), family, False,
                     "#333333")
        if fig.add_label(cap):
            node.label = cap
        return node
    kind = rng.choices(tuple(SHAPE_WEIGHTS), weights=tuple(SHAPE_WEIGHTS.values()))[0]
    text_fill = rng.choice(palette["text"])
    for _attempt in range(6):
        label = _Label(vocab.label(rng), cx, cy, rng.randint(13, 20), family, rng.random() < 0.3, text_fill)
        tw, th = label.width(), len(label.lines) * label.line_h
        w, h = {"ellipse": (tw * 1.45 + 24, th * 1.45 + 18), "diamond": (tw * 2 + 30, th * 2 + 24),
                "cylinder": (tw + 36, th + 48)}.get(kind, (tw + 32, th + 24))
        w = max(w, 100, rng.uniform(0.45, 0.7) * cell.width)
        h = max(h, 48, rng.uniform(0.35, 0.5) * cell.height)
        if w > cell.width - 60 or h > max_h:
            continue
        box = Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        if kind == "cylinder":
            label.cy = cy + min(max(h * 0.12, 6), 14)
        if fig.add_label(label):
            return _Node(kind, box, fill, stroke, label=label)
    return None


def _add_container(rng: random.Random, fig: _Figure, members: list[_Node], family: str, colour: str) -> None:
    if not members:
        return
    union = members[0].box
    for m in members:  # a container holds its members' captions too, never cuts through them
        union = union.union(m.box)
        if m.label is not None:
            union = union.union(m.label.box())
    size = rng.randint(13, 16)
    frame = Box(union.x0 - 16, union.y0 - 22 - size, union.x1 + 16, union.y1 + 16)
    title = _Label([rng.choice(vocab.CONTAINER_TITLES)], frame.x0 + 12, frame.y0 + 8 + size * 0.55, size,
                   family, False, colour, anchor="start",
                   lead=rng.choice(("", "", f"Stage {rng.randint(1, 4)}:")))
    if fig.add_label(title):
        fig.containers.append((frame, rng.choice(("#7f7f7f", "#2f5597", "#c55a11")), title))


def _anchor(node: _Node, side: str) -> tuple[float, float]:
    b = node.box
    cx, cy = b.center
    return {"left": (b.x0, cy), "right": (b.x1, cy), "top": (cx, b.y0), "bottom": (cx, b.y1)}[side]


def _add_arrows(rng: random.Random, fig: _Figure, grid: dict, palette: dict) -> None:
    candidates = []
    for (r, c), a in grid.items():
        for (dr, dc), kind in (((0, 1), "h"), ((1, 0), "v"), ((1, 1), "elbow"), ((1, -1), "elbow")):
            b = grid.get((r + dr, c + dc))
            if b is not None:
                candidates.append((a, b, kind))
    rng.shuffle(candidates)
    colour = rng.choice(("#000000", "#404040", rng.choice(palette["strokes"])))
    width = rng.choice((1.5, 2.0, 2.5))
    for a, b, kind in candidates:
        if rng.random() > (0.7 if kind != "elbow" else 0.4):
            continue
        if kind == "h":
            pts = [_anchor(a, "right"), _anchor(b, "left")]
        elif kind == "v":
            pts = [_anchor(a, "bottom"), _anchor(b, "top")]
        else:
            start, end = _anchor(a, "right" if b.box.x0 > a.box.x1 else "left"), _anchor(b, "top")
            pts = [start, (end[0], start[1]), end]
        if rng.random() < 0.3:
            pts.reverse()
        if _clear(fig, pts, a, b):
            both = rng.random() < 0.1
            fig.arrows.append((pts, colour, width, rng.random() < 0.15, both, "arrow", "arrow" if both else ""))


def _clear(fig: _Figure, pts: list[tuple[float, float]], a: _Node, b: _Node, min_px: float = 40.0,
           siblings: tuple = ()) -> bool:
    line = LineString(pts)
    if line.length < min_px or min(LineString(pts[-2:]).length, LineString(pts[:2]).length) < min(28, min_px):
        return False
    blockers = [t.expand(5) for t in fig.text_boxes()]
    blockers += [n.box.expand(3) for n in fig.nodes if n is not a and n is not b]
    if any(line.intersects(sbox(*k.xyxy)) for k in blockers):
        return False
    return not any(line.distance(LineString(p)) < 8 for p, *_rest in fig.arrows
                   if not any(p is q for q in siblings))


# -- SVG writing ----------------------------------------------------------------
def _family_attr(family: str) -> str:
    return f"{family}, {GENERIC.get(family, 'sans-serif')}"


def _text_svg(label: _Label, rng_tspans: bool) -> str:
    attrs = (f'font-family={quoteattr(_family_attr(label.family))} font-size="{label.size}" '
             f'fill="{label.fill}" text-anchor="{"middle" if label.anchor == "middle" else "start"}"'
             + (' font-weight="bold"' if label.bold else ""))
    ys = label.baselines()
    rot = f' transform="rotate(-90 {label.x:.1f} {label.cy:.1f})"' if label.rotate else ""
    lead = f'<tspan font-weight="bold">{escape(label.lead)}</tspan> ' if label.lead else ""
    if rng_tspans and len(label.lines) > 1:
        spans = "".join(f'<tspan x="{label.x:.1f}" y="{y}">{escape(s)}</tspan>'
                        for s, y in zip(label.lines, ys, strict=True))
        return f"<text {attrs}{rot}>{spans}</text>"
    return "".join(f'<text x="{label.x:.1f}" y="{y}" {attrs}{rot}>{lead if i == 0 else ""}{escape(s)}</text>'
                   for i, (s, y) in enumerate(zip(label.lines, ys, strict=True)))


def _shape_svg(n: _Node, radius: float = 10.0) -> str:
    b = n.box
    paint = f'fill="{n.fill}" stroke="{n.stroke}" stroke-width="2" data-bench-kind="{n.kind}"'
    x0, y0, x1, y1 = (round(v, 1) for v in b.xyxy)
    if n.kind in ("rect", "rounded_rect"):
        rx = f' rx="{radius:g}"' if n.kind == "rounded_rect" else ""
        return f'<rect x="{x0}" y="{y0}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}"{rx} {paint}/>'
    cx, cy = round((x0 + x1) / 2, 1), round((y0 + y1) / 2, 1)
    if n.kind == "ellipse":
        return f'<ellipse cx="{cx}" cy="{cy}" rx="{(x1 - x0) / 2:.1f}" ry="{(y1 - y0) / 2:.1f}" {paint}/>'
    if n.kind == "diamond":
        return f'<polygon points="{cx},{y0} {x1},{cy} {cx},{y1} {x0},{cy}" {paint}/>'
    rx, ry = (x1 - x0) / 2, round(min(max((y1 - y0) * 0.12, 6), 14), 1)
    body = (f"M{x0},{y0 + ry} A{rx:.1f},{ry} 0 0 1 {x1},{y0 + ry} L{x1},{y1 - ry} "
            f"A{rx:.1f},{ry} 0 0 1 {x0},{y1 - ry} Z")
    rim = f"M{x0},{y0 + ry} A{rx:.1f},{ry} 0 0 0 {x1},{y0 + ry}"
    return (f'<path d="{body}" {paint}/><path d="{rim}" fill="none" stroke="{n.stroke}" stroke-width="2" '
            f'data-bench-kind="part"/>')


def to_svg(fig: _Figure) -> str:
    rng = random.Random(len(fig.labels) * 31 + len(fig.nodes))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{fig.width}" height="{fig.height}" '
           f'viewBox="0 0 {fig.width} {fig.height}">', "<defs>"]
    colours = sorted({a[1] for a in fig.arrows})
    for i, col in enumerate(colours):
        for suffix, d, ref in (("e", "M0,0 L10,5 L0,10 z", 10), ("s", "M10,0 L0,5 L10,10 z", 0)):
            out.append(f'<marker id="ah{i}{suffix}" viewBox="0 0 10 10" refX="{ref}" refY="5" markerWidth="6" '
                       f'markerHeight="6" orient="auto" markerUnits="strokeWidth"><path d="{d}" fill="{col}"/>'
                       "</marker>")
        for kind, inner in (("dot", f'fill="{col}"'), ("circle", f'fill="{fig.background}" stroke="{col}" '
                                                               'stroke-width="1.6"')):
            out.append(f'<marker id="{kind}{i}" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="4" '
                       f'markerHeight="4" orient="auto" markerUnits="strokeWidth">'
                       f'<circle cx="5" cy="5" r="4" {inner}/></marker>')
    out.append(f'</defs><rect x="0" y="0" width="{fig.width}" height="{fig.height}" fill="{fig.background}"/>')
    for frame, colour, _title in fig.containers:
        x0, y0, x1, y1 = (round(v, 1) for v in frame.xyxy)
        out.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" rx="8" fill="none" '
                   f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="8 5" data-bench-kind="container"/>')
    for n in fig.nodes:
        if n.icon is not None:
            x0, y0, x1, y1 = (round(v, 1) for v in n.box.xyxy)
            data = base64.b64encode(n.icon).decode("ascii")
            out.append(f'<image x="{x0}" y="{y0}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" '
                       f'href="data:image/png;base64,{data}"/>')
        else:
            out.append(_shape_svg(n, fig.radius))
    for pts, colour, width, dashed, _both, end, start in fig.arrows:
        i = colours.index(colour)
        d = " ".join(f"{'M' if k == 0 else 'L'}{x:.1f},{y:.1f}" for k, (x, y) in enumerate(pts))
        extra = ' stroke-dasharray="6 4"' if dashed else ""
        if start:
            extra += f' marker-start="url(#{"ah" if start == "arrow" else start}{i}{"s" if start == "arrow" else ""})"'
        out.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{width}" '
                   f'marker-end="url(#{"ah" if end == "arrow" else end}{i}{"e" if end == "arrow" else ""})"{extra}/>')
    out.extend(_text_svg(lab, rng.random() < 0.5) for lab in fig.labels)
    out.append("</svg>")
    return "\n".join(out)
