"""CRAFTER generation: an instruction, a sketch, a partial figure or key elements to an
editable, layered SVG, through the same designer → executor → critic → reviser loop as
``convert``.

The API is :func:`crafteditor.generate.run.generate`, also importable from here:
``from crafteditor.generate import generate``.  The package sits one layer above
``crafteditor.convert`` (it converts sketches, partial figures and generated rasters
through it), beside ``crafteditor.batch``.
"""

from __future__ import annotations

from typing import Any


def generate(instruction: str, **options: Any) -> Any:
    """:func:`crafteditor.generate.run.generate` (loaded on first call, so importing the
    package's parts stays light)."""
    from crafteditor.generate.run import generate as run

    return run(instruction, **options)
