"""crafteditor: raster scientific figures to editable, layered SVG.

``import crafteditor`` is light: the pipeline and its engines load on first use.

    >>> import crafteditor
    >>> result = crafteditor.convert("figure.png")      # doctest: +SKIP
    >>> result.svg, result.scene, result.report          # doctest: +SKIP
    >>> from crafteditor.generate import generate          # doctest: +SKIP
    >>> figure = generate("Encoder -> Decoder")              # doctest: +SKIP
    >>> figure.svg, figure.trace                          # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crafteditor.model.errors import CraftEditorError, EngineUnavailable, InputError, OutputError
from crafteditor.model.scene import Box, Element, Kind, Scene, Style

__version__ = "0.1.0"

__all__ = [
    "Box", "Conversion", "CraftEditorError", "Element", "EngineUnavailable", "InputError",
    "Kind", "OutputError", "Scene", "Style", "convert", "convert_file", "edit_file", "edit_svg", "export_file",
]

if TYPE_CHECKING:
    from crafteditor.pipeline import Conversion, convert, convert_file


def __getattr__(name: str) -> Any:
    if name in ("convert", "convert_file", "Conversion"):
        from crafteditor import pipeline

        return getattr(pipeline, name)
    if name in ("edit_file", "edit_svg"):
        from crafteditor.svg import edit

        return getattr(edit, name)
    if name == "export_file":
        from crafteditor.export import export_file

        return export_file
    raise AttributeError(f"module 'crafteditor' has no attribute {name!r}")
