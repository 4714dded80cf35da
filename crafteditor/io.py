"""Writing results safely: a file is either fully written or not touched at all.

Errors the user can fix (a missing directory, no permission, the output path
being a directory or the input itself) raise :class:`OutputError` with one line.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path

from crafteditor.errors import OutputError

__all__ = ["atomic_write", "check_output_path"]


def check_output_path(
    path: str | os.PathLike, input_path: str | os.PathLike | None = None, overwrite_input: bool = False
) -> Path:
    """Check, before any work is done, that ``path`` can be written; return it as a ``Path``.

    Refuses a path that is a directory, whose directory is missing or not
    writable, or that names the same file as ``input_path`` (unless
    ``overwrite_input``).
    """
    out = Path(path)
    if out.is_dir():
        raise OutputError(f"output path is a directory: {out}")
    if input_path is not None and not overwrite_input and _same_file(out, Path(input_path)):
        raise OutputError(f"output would overwrite the input file: {out} (choose another path with -o)")
    _check_parent(out)
    return out


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (``str`` is encoded as UTF-8) to ``path`` atomically.

    The bytes go to a temporary file in the same directory, which then replaces
    ``path`` in one ``os.replace``; on any failure the temporary file is removed
    and ``path`` is left as it was.  An existing file keeps its permission bits.
    """
    out = Path(path)
    if out.is_dir():
        raise OutputError(f"output path is a directory: {out}")
    parent = _check_parent(out)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    mode = _mode_for(out)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(f"cannot write to directory {parent}: {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, out)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {out}: {_reason(exc)}") from None
        raise
    return out


def _check_parent(out: Path) -> Path:
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"output directory does not exist: {parent}")
    if not parent.is_dir():
        raise OutputError(f"output directory is not a directory: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"output directory is not writable: {parent}")
    return parent


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _mode_for(out: Path) -> int:
    """Permission bits for the new file: the old file's, or 0o666 less the umask."""
    with suppress(OSError):
        return out.stat().st_mode & 0o7777
    return 0o666 & ~_umask()


def _umask() -> int:
    with suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    current = os.umask(0o022)  # no /proc: read it the portable way
    os.umask(current)
    return current


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
