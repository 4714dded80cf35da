"""Reading inputs and writing results safely.

Inputs are read only from regular files: a directory, FIFO, socket or device is
refused before it is opened (a FIFO would block the read forever).  Results
are either fully written or not touched at all.  Errors the user can fix (a
missing or unreadable input, a missing directory, no permission, the output
path being a directory or the input itself) raise :class:`InputError` or
:class:`OutputError` with one line.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from crafteditor.model.errors import InputError, OutputError

__all__ = ["atomic_write", "check_output_path", "open_input", "read_input_bytes"]

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


ENV_CACHE_DIR = "CRAFTEDITOR_CACHE_DIR"


def user_cache_dir(part: str) -> Path:
    """``$CRAFTEDITOR_CACHE_DIR/part``, or ``~/.cache/crafteditor/part``: where the project
    keeps what it can rebuild (optimised graphs, compiled bindings, answers)."""
    root = os.environ.get(ENV_CACHE_DIR, "").strip()
    return (Path(root).expanduser() if root else Path("~/.cache/crafteditor").expanduser()) / part


def open_input(path: str | os.PathLike, what: str = "input file") -> BinaryIO:
    """Open ``path`` for binary reading, but only if it is a regular file.

    The path is checked with ``os.stat`` before it is opened, and the opened
    descriptor again (the path may change in between); the open itself never
    blocks.  Anything else raises :class:`InputError` with one line naming
    ``what``.
    """
    p = Path(path)
    _check_regular(_stat(p, what), p, what)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(_read_error(p, what, exc)) from None
    try:
        _check_regular(os.fstat(fd), p, what)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_input_bytes(path: str | os.PathLike, what: str = "input file", max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file ``path`` (see :func:`open_input`), refused above ``max_bytes``."""
    p = Path(path)
    with open_input(p, what) as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            if max_bytes is not None and size > max_bytes:
                raise InputError(f"{what} {p} is {size / 1e6:.0f} MB, more than the {max_bytes // 2**20} MiB allowed")
            data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(_read_error(p, what, exc)) from None
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(f"{what} {p} is larger than the {max_bytes // 2**20} MiB allowed")
    return data


def _stat(p: Path, what: str) -> os.stat_result:
    try:
        return os.stat(p)
    except FileNotFoundError:
        raise InputError(f"{what} not found: {p}") from None
    except OSError as exc:
        raise InputError(_read_error(p, what, exc)) from None
    except ValueError as exc:  # a NUL byte in the name
        raise InputError(f"{what} has an invalid name ({exc}): {p!r}") from None


def _check_regular(st: os.stat_result, p: Path, what: str) -> None:
    if stat.S_ISREG(st.st_mode):
        return
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{what} is a directory, not a file: {p}")
    kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
    raise InputError(f"{what} is {kind}, not a regular file; only regular files are read: {p}")


def _read_error(p: Path, what: str, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return f"cannot read {what} (permission denied): {p}"
    return f"cannot read {what}: {p} ({_reason(exc)})"


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
