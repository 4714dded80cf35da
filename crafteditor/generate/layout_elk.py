"""ELK's layered algorithm (``elkjs``) run by Node: the default layout engine.

The graph goes to ``elk_runner.js`` (package data) as ELK JSON on stdin and comes back
laid out.  Containers are hierarchical ELK nodes laid out together with their contents
(``elk.hierarchyHandling: INCLUDE_CHILDREN``), so edges between nested boxes are routed
across container borders.  ELK positions a child relative to its parent and an edge
relative to the node it reports as its ``container``; ``from_elk`` makes both absolute.

Starting Node and loading ELK costs about half a second, so the runner is built once
into a V8 startup snapshot (a file in the user's cache, named by the Node binary,
the elkjs version and the runner): a layout then takes about 0.2 s.  Where a snapshot
cannot be built or read, the runner starts plainly.

elkjs is found at ``$CRAFTEDITOR_ELKJS`` (the package folder, or a ``node_modules``
holding it) or in ``node_modules/elkjs`` under the Python environment's prefix, where
``bash .ci/setup`` installs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from crafteditor.generate.graph import Routing
from crafteditor.generate.layout import LayoutGraph, Placement, straight_route
from crafteditor.model.errors import EngineUnavailable
from crafteditor.model.scene import Box

RUNNER = Path(__file__).with_name("elk_runner.js")
TIMEOUT_S = 60.0
INSTALL_HINT = "run bash .ci/setup, or npm install elkjs and set CRAFTEDITOR_ELKJS to its folder"


def _bundle_in(folder: Path) -> Path | None:
    for candidate in (folder / "lib" / "elk.bundled.js", folder / "elkjs" / "lib" / "elk.bundled.js"):
        if candidate.is_file():
            return candidate
    return None


def find_bundle() -> Path | None:
    """``elk.bundled.js`` of the elkjs package, or None."""
    given = os.environ.get("CRAFTEDITOR_ELKJS")
    if given:
        path = Path(given)
        return path if path.is_file() else _bundle_in(path)
    return _bundle_in(Path(sys.prefix) / "node_modules" / "elkjs")


def installed() -> bool:
    return shutil.which("node") is not None and find_bundle() is not None


def _require() -> tuple[str, Path]:
    node = shutil.which("node")
    if node is None:
        raise EngineUnavailable(f"the elk layout engine needs Node.js (apt-get install nodejs); {INSTALL_HINT}")
    bundle = find_bundle()
    if bundle is None:
        raise EngineUnavailable(f"the elk layout engine needs the elkjs package: {INSTALL_HINT}")
    return node, bundle


def _cache_dir() -> Path:
    root = os.environ.get("CRAFTEDITOR_CACHE") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "crafteditor"


def snapshot_path(node: str, bundle: Path) -> Path:
    """Where the snapshot for this Node binary, elkjs bundle and runner is kept."""
    key = hashlib.sha256()
    for path in (Path(node).resolve(), bundle.resolve()):
        stat = path.stat()
        key.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    key.update(RUNNER.read_bytes())
    return _cache_dir() / f"elk-{key.hexdigest()[:16]}.blob"


@lru_cache(maxsize=8)
def prepare_snapshot(node: str, bundle: Path) -> Path | None:
    """Build the runner's snapshot unless it exists; None where Node cannot build one."""
    blob = snapshot_path(node, bundle)
    if blob.is_file():
        return blob
    try:
        blob.parent.mkdir(parents=True, exist_ok=True)
        partial = blob.with_suffix(f".{os.getpid()}.part")
        done = subprocess.run([node, "--snapshot-blob", str(partial), "--build-snapshot", str(RUNNER)],
                              env={**os.environ, "CRAFTEDITOR_ELK_BUNDLE": str(bundle)}, capture_output=True,
                              timeout=TIMEOUT_S, check=False)
        if done.returncode != 0 or not partial.is_file():
            partial.unlink(missing_ok=True)
            return None
        os.replace(partial, blob)
    except (OSError, subprocess.SubprocessError):
        return None
    return blob


def prepare() -> Path | None:
    """Build the runner's snapshot now (``bash .ci/setup`` does), so the first layout is quick."""
    return prepare_snapshot(*_require())


def run_elk(graph: dict) -> dict:
    """Lay out one ELK JSON graph (through the snapshot when there is one)."""
    node, bundle = _require()
    payload = json.dumps(graph).encode()
    blob = prepare_snapshot(node, bundle)
    if blob is not None:
        done = subprocess.run([node, "--snapshot-blob", str(blob)], input=payload, capture_output=True,
                              timeout=TIMEOUT_S, check=False)
        if done.returncode == 0:
            return json.loads(done.stdout)
        if b"elk runner:" in done.stderr:  # ELK itself refused the graph
            raise RuntimeError(f"elk failed: {done.stderr.decode(errors='replace').strip()}")
        blob.unlink(missing_ok=True)  # a snapshot this Node cannot read: start plainly
        prepare_snapshot.cache_clear()
    done = subprocess.run([node, str(RUNNER), str(bundle)], input=payload, capture_output=True,
                          timeout=TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"elk failed: {done.stderr.decode(errors='replace').strip()}")
    return json.loads(done.stdout)


DIRECTIONS = {"right": "RIGHT", "down": "DOWN", "left": "LEFT", "up": "UP"}


def to_elk(graph: LayoutGraph) -> dict:
    """The ELK JSON of a layout graph: containers as nested nodes, edges at the root."""
    s = graph.spacing_px
    routing = "ORTHOGONAL" if graph.routing == Routing.ORTHOGONAL else "POLYLINE"
    options = {
        "elk.algorithm": "layered", "elk.direction": DIRECTIONS[graph.direction.value],
        "elk.hierarchyHandling": "INCLUDE_CHILDREN", "elk.edgeRouting": routing,
        "elk.spacing.nodeNode": s, "elk.layered.spacing.nodeNodeBetweenLayers": s * 1.25,
        "elk.spacing.edgeNode": s / 3, "elk.layered.spacing.edgeNodeBetweenLayers": s / 3,
        "elk.spacing.edgeEdge": s / 4, "elk.layered.spacing.edgeEdgeBetweenLayers": s / 4,
        "elk.spacing.edgeLabel": 4, "elk.padding": "[top=0,left=0,bottom=0,right=0]",
        "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
        "elk.layered.cycleBreaking.strategy": "GREEDY_MODEL_ORDER",  # a cycle turns back at its last edge
        "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
        "elk.edgeLabels.placement": "CENTER",
    }
    containers = graph.containers()
    p = graph.padding_px
    made: dict[str | None, list[dict]] = {}
    for n in graph.nodes:
        entry: dict = {"id": n.id}
        if n.id in containers:
            entry["layoutOptions"] = {
                "elk.padding": f"[top={n.header_px + p},left={p},bottom={p},right={p}]",
                "elk.nodeSize.constraints": "MINIMUM_SIZE",
                "elk.nodeSize.minimum": f"({n.wh_px[0]},{n.header_px + 2 * p})"}
        else:
            entry["width"], entry["height"] = n.wh_px
        made.setdefault(n.parent_id, []).append(entry)
    first = _first_index(graph)
    for siblings in made.values():
        siblings.sort(key=lambda entry: first[entry["id"]])  # a container where its first member is
        for entry in siblings:
            if entry["id"] in made:
                entry["children"] = made[entry["id"]]
    edges = []
    for e in graph.edges:
        entry = {"id": e.id, "sources": [e.source], "targets": [e.target]}
        if e.label_wh_px[0] > 0:
            entry["labels"] = [{"id": f"{e.id}--label", "text": " ", "width": e.label_wh_px[0],
                                "height": e.label_wh_px[1]}]
        edges.append(entry)
    return {"id": "--root", "layoutOptions": options, "children": made.get(None, []), "edges": edges}


def _first_index(graph: LayoutGraph) -> dict[str, int]:
    """Each node's place in the request, a container's the least of its members'."""
    parents = {n.id: n.parent_id for n in graph.nodes}
    first: dict[str, int] = {}
    for i, n in enumerate(graph.nodes):
        at: str | None = n.id
        while at is not None:
            first[at] = min(first.get(at, i), i)
            at = parents.get(at)
    return first


def from_elk(graph: LayoutGraph, laid: dict) -> Placement:
    """Absolute boxes and routes of an ELK layout."""
    boxes: dict[str, Box] = {}
    origin: dict[str, tuple[float, float]] = {"--root": (0.0, 0.0)}

    def walk(entries: list[dict], ox: float, oy: float) -> None:
        for c in entries:
            x, y = ox + c.get("x", 0.0), oy + c.get("y", 0.0)
            boxes[c["id"]] = Box(x, y, x + c.get("width", 0.0), y + c.get("height", 0.0))
            origin[c["id"]] = (x, y)
            walk(c.get("children", []), x, y)

    walk(laid.get("children", []), 0.0, 0.0)
    edges = {e.id: e for e in graph.edges}
    routes, labels = {}, {}
    for e in laid.get("edges", []):
        spec = edges.get(e["id"])
        if spec is None or not spec.drawn or not e.get("sections"):
            continue
        ox, oy = origin.get(e.get("container", "--root"), (0.0, 0.0))
        sec = e["sections"][0]
        pts = [sec["startPoint"], *sec.get("bendPoints", []), sec["endPoint"]]
        routes[e["id"]] = tuple((ox + q["x"], oy + q["y"]) for q in pts)
        if graph.routing == Routing.STRAIGHT:
            routes[e["id"]] = straight_route(boxes[spec.source], boxes[spec.target])
        for lab in e.get("labels", []):
            if "x" in lab:
                x, y = ox + lab["x"], oy + lab["y"]
                labels[e["id"]] = Box(x, y, x + lab["width"], y + lab["height"])
    return Placement(boxes, routes, labels)


class ElkEngine:
    name = "elk"

    def layout(self, graph: LayoutGraph) -> Placement:
        return from_elk(graph, run_elk(to_elk(graph)))
