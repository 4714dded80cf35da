"""Graphviz ``dot``: the layout engine used where Node or elkjs is missing.

Boxes are fixed-size nodes, containers are clusters whose label is an empty table cell
of the header's size (so the band is reserved exactly), and an edge label is an empty
cell of the label's size.  ``dot -Tjson`` answers in points with y up; one point is
taken as one pixel and y is flipped.
"""

from __future__ import annotations

import json
import shutil
import subprocess

from crafteditor.generate.graph import Routing
from crafteditor.generate.layout import LayoutGraph, Placement, straight_route
from crafteditor.model.errors import EngineUnavailable
from crafteditor.model.scene import Box

TIMEOUT_S = 60.0
RANKDIR = {"right": "LR", "down": "TB", "left": "RL", "up": "BT"}
SPLINES = {Routing.ORTHOGONAL: "ortho", Routing.POLYLINE: "polyline", Routing.STRAIGHT: "line"}


def installed() -> bool:
    return shutil.which("dot") is not None


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cell(w: float, h: float) -> str:
    return (f'<<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="0"><TR><TD FIXEDSIZE="TRUE" '
            f'WIDTH="{max(round(w), 1)}" HEIGHT="{max(round(h), 1)}"></TD></TR></TABLE>>')


def to_dot(graph: LayoutGraph) -> str:
    s = graph.spacing_px
    lines = ["digraph G {",
             f"graph [rankdir={RANKDIR[graph.direction.value]}, nodesep={s / 72:.3f}, "
             f"ranksep={s * 1.25 / 72:.3f}, splines={SPLINES[graph.routing]}, newrank=true, "
             "outputorder=edgesfirst];",
             'node [shape=box, fixedsize=true, label="", margin=0];']
    containers = graph.containers()
    children: dict[str | None, list] = {}
    for n in graph.nodes:
        children.setdefault(n.parent_id, []).append(n)

    def emit(parent: str | None, depth: int) -> None:
        for n in children.get(parent, []):
            if n.id in containers:
                lines.append(f"subgraph {_q('cluster_' + n.id)} {{ graph [margin={graph.padding_px:.0f}, "
                             f"labeljust=l, labelloc=t, label={_cell(n.wh_px[0], n.header_px)}];")
                emit(n.id, depth + 1)
                lines.append("}")
            else:
                lines.append(f"{_q(n.id)} [width={n.wh_px[0] / 72:.4f}, height={n.wh_px[1] / 72:.4f}];")

    emit(None, 0)
    label_attr = "xlabel" if graph.routing == Routing.ORTHOGONAL else "label"  # ortho routes take xlabels only
    for e in graph.edges:
        attrs = [f"id={_q(e.id)}"]
        if e.label_wh_px[0] > 0:
            attrs.append(f"{label_attr}={_cell(*e.label_wh_px)}")
        if not e.drawn:
            attrs.append("style=invis")
        lines.append(f"{_q(e.source)} -> {_q(e.target)} [{', '.join(attrs)}];")
    for group in graph.same_rank:
        lines.append("{rank=same; " + " ".join(_q(k) for k in group if k not in containers) + "}")
    lines.append("}")
    return "\n".join(lines)


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.replace(",", " ").split()]


def from_dot(graph: LayoutGraph, laid: dict) -> Placement:
    height = _floats(laid["bb"])[3]

    def pt(x: float, y: float) -> tuple[float, float]:
        return (x, height - y)

    boxes: dict[str, Box] = {}
    by_gvid: dict[int, str] = {}
    for obj in laid.get("objects", []):
        name = obj.get("name", "")
        if name.startswith("cluster_") and "bb" in obj:
            x0, y0, x1, y1 = _floats(obj["bb"])
            boxes[name[len("cluster_"):]] = Box(x0, height - y1, x1, height - y0)
        elif "pos" in obj:
            cx, cy = pt(*_floats(obj["pos"]))
            w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
            boxes[name] = Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            by_gvid[obj["_gvid"]] = name
    edges = {e.id: e for e in graph.edges}
    routes, labels = {}, {}
    for e in laid.get("edges", []):
        spec = edges.get(e.get("id", ""))
        if spec is None or not spec.drawn or "pos" not in e:
            continue
        start = end = None
        body = []
        for part in e["pos"].split():
            if part.startswith("s,"):
                start = pt(*_floats(part[2:]))
            elif part.startswith("e,"):
                end = pt(*_floats(part[2:]))
            else:
                body.append(pt(*_floats(part)))
        route = ([start] if start else []) + body[::3] + ([end] if end else [])
        routes[spec.id] = tuple(route) if graph.routing != Routing.STRAIGHT else \
            straight_route(boxes[spec.source], boxes[spec.target])
        at = e.get("lp") or e.get("xlp")
        if at and spec.label_wh_px[0] > 0:
            cx, cy = pt(*_floats(at))
            w, h = spec.label_wh_px
            labels[spec.id] = Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    return Placement(boxes, routes, labels)


class DotEngine:
    name = "dot"

    def layout(self, graph: LayoutGraph) -> Placement:
        dot = shutil.which("dot")
        if dot is None:
            raise EngineUnavailable("the dot layout engine needs Graphviz (apt-get install graphviz)")
        done = subprocess.run([dot, "-Tjson"], input=to_dot(graph).encode(), capture_output=True,
                              timeout=TIMEOUT_S, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        return from_dot(graph, json.loads(done.stdout))
