"""Prompt templates: package data files ``prompts/<name>.md`` rendered strictly.

Templates use ``string.Template`` syntax (``$name``; ``$$`` for a dollar sign).
A placeholder without a value raises ``KeyError``, and a value without a
placeholder raises ``ValueError``: both are bugs in the caller.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from string import Template

__all__ = ["names", "render", "template"]

_PACKAGE = "crafteditor.vlm"


def names() -> tuple[str, ...]:
    """Every template's name (its file name without ``.md``), sorted."""
    folder = resources.files(_PACKAGE) / "prompts"
    return tuple(sorted(p.name[:-3] for p in folder.iterdir() if p.name.endswith(".md")))


@lru_cache(maxsize=None)
def template(name: str) -> Template:
    """The template ``prompts/<name>.md``; ``FileNotFoundError`` if there is none."""
    path = resources.files(_PACKAGE) / "prompts" / f"{name}.md"
    if not path.is_file():
        raise FileNotFoundError(f"no prompt template {name!r} (have: {', '.join(names())})")
    return Template(path.read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    """The template ``name`` with every placeholder filled from ``values``."""
    tmpl = template(name)
    unused = set(values) - set(tmpl.get_identifiers())
    if unused:
        raise ValueError(f"prompt {name!r} has no placeholder for {sorted(unused)}")
    return tmpl.substitute(values).strip() + "\n"
