"""Fixtures shared by the test modules: where things are, and running the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def example_png() -> Path:
    """The bundled example figure (1200x700 px, made by fixtures/make_example.py)."""
    return REPO_ROOT / "fixtures" / "example_pipeline.png"


@pytest.fixture()
def run_cli():
    """Run ``python -m crafteditor ARGS`` in a subprocess; returns the CompletedProcess."""

    def run(*args: str | os.PathLike, cwd: Path | None = None, timeout_s: float = 600) -> subprocess.CompletedProcess:
        path = [str(REPO_ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
        return subprocess.run(
            [sys.executable, "-m", "crafteditor", *map(str, args)],
            cwd=cwd or REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout_s,
            stdin=subprocess.DEVNULL,
        )

    return run
