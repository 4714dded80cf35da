"""The import graph: read with ``ast`` from the sources, every import counted (also those
inside functions), so a lazy import cannot hide a dependency."""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crafteditor", "extraction", "composition", "checkers")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# lowest first; a package may import its own layer's or lower ones
LAYERS = {
    "crafteditor.model": 0,  # the kernel: scene, errors, io, findings, fixes, shape kinds, fonts
    "extraction": 1,
    "checkers": 2, "composition": 2, "crafteditor.vlm": 2, "crafteditor.svg": 2,
    "crafteditor.loop": 3, "crafteditor.export": 3,
    "crafteditor": 4,  # the API: crafteditor/__init__.py and pipeline.py
    "crafteditor.generate": 5,  # CRAFTER generation: it converts sketches and generated rasters through the API
    "crafteditor.batch": 5,
    "crafteditor.bench": 6,
    "crafteditor.cli": 7,
    "crafteditor.__main__": 8,  # ``python -m crafteditor``
}


def _unit(module: str) -> str:
    """A top-level package, or a subpackage of ``crafteditor`` (``crafteditor.bench``); the
    ``python -m`` entry point is a unit of its own, above the command line."""
    parts = module.split(".")
    if module == "crafteditor.__main__":
        return module
    if parts[0] == "crafteditor" and len(parts) > 1 and (ROOT / "crafteditor" / parts[1]).is_dir():
        return ".".join(parts[:2])
    return parts[0]


@cache
def _imports() -> dict[str, set[str]]:
    """Each project module and the project modules it imports."""
    out: dict[str, set[str]] = defaultdict(set)
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            module = _module(path)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level
                         else [])
                out[module] |= {n for n in names if n.split(".")[0] in PACKAGES}
    return out


def _edges() -> dict[tuple[str, str], set[str]]:
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for module, imported in _imports().items():
        for name in imported:
            if _unit(module) != _unit(name):
                edges[(_unit(module), _unit(name))].add(f"{module} -> {name}")
    return edges


def test_the_walk_sees_the_imports_it_must():
    edges = _edges()
    assert ("crafteditor.bench", "checkers") in edges and ("composition", "extraction") in edges


@pytest.mark.parametrize("lower", ["checkers", "composition", "extraction"])
def test_no_lower_package_imports_the_benchmark(lower):
    assert [why for (a, b), why in _edges().items() if a == lower and b == "crafteditor.bench"] == []


def test_every_package_has_a_layer():
    assert {_unit(m) for m in _imports()} == set(LAYERS)


def test_no_package_imports_one_of_a_higher_layer():
    upward = sorted(why for (a, b), whys in _edges().items() if LAYERS[a] < LAYERS[b] for why in whys)
    assert upward == []


def test_the_kernel_imports_nothing_of_the_project_but_itself():
    kernel = {m: names for m, names in _imports().items() if _unit(m) == "crafteditor.model"}
    assert len(kernel) >= 8
    assert {f"{m} -> {n}" for m, names in kernel.items() for n in names if _unit(n) != "crafteditor.model"} == set()


def test_no_import_cycle_between_packages():
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in _edges():
        graph[a].add(b)
    assert [unit for unit in list(graph) if _reaches(graph, unit, unit)] == []


def test_the_cycle_search_finds_a_cycle_of_three():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert [u for u in graph if _reaches(graph, u, u)] == ["a", "b", "c"]


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), list(graph.get(start, ()))
    while todo:
        unit = todo.pop()
        if unit == goal:
            return True
        if unit not in seen:
            seen.add(unit)
            todo.extend(graph.get(unit, ()))
    return False
