"""CRAFTER generation: an instruction, a sketch, a partial figure or key elements to an
editable, layered SVG, through the same designer → executor → critic → reviser loop as
``convert``.

The package is callable: ``crafteditor.generate(instruction, ...)`` is
:func:`crafteditor.generate.run.generate` (loaded on first call, so importing the
package's parts stays light).
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    def __call__(self, instruction: str, **options: Any) -> Any:
        from crafteditor.generate.run import generate

        return generate(instruction, **options)


sys.modules[__name__].__class__ = _CallableModule
