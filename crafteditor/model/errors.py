"""Errors a user can cause and fix.  The CLI prints them as one line and exits 2.

Bugs are not wrapped: they raise whatever they raise.
"""


class CraftEditorError(Exception):
    """Base of every error that is the input's or the environment's fault."""


class InputError(CraftEditorError):
    """The input file is missing, unreadable, not an image, empty or too large."""


class OutputError(CraftEditorError):
    """The output cannot be written where the user asked."""


class EngineUnavailable(CraftEditorError):
    """An optional engine was chosen but its package or binary is missing."""


def one_line(exc: BaseException, limit: int = 500) -> str:
    """An error's message on one line, at most ``limit`` characters (its type's name if empty)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."
