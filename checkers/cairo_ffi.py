"""cairocffi's bindings without parsing cairo's C declarations in every process.

``import cairocffi`` hands cairo's header text to cffi, which parses it with
pycparser: about a third of a second, paid by every fresh ``crafteditor``
process that renders.  cffi can instead write the parsed declarations out as
a Python module (its out-of-line ABI mode) that loads in milliseconds.  The
first process writes that module under the user's cache directory
(``$CRAFTEDITOR_CACHE_DIR/cffi``), named after cairocffi's and cffi's
versions and the declarations' file; later ones put it in place of
``cairocffi.ffi`` before cairocffi is imported.  The declarations are
cairocffi's own, so the bindings are the same.  Anything unexpected (another
cairocffi layout, an unwritable cache) leaves cairocffi to parse as usual.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import sys
import tempfile
import types
from contextlib import redirect_stdout, suppress
from pathlib import Path

from crafteditor.model.io import user_cache_dir

MODULE = "cairocffi.ffi"


def preload() -> bool:
    """Put precompiled bindings in place of ``cairocffi.ffi`` (once per process); True when
    they are in place, False when cairocffi will parse its declarations itself."""
    if "cairocffi" in sys.modules or MODULE in sys.modules:
        return isinstance(sys.modules.get(MODULE), _Bindings)
    with suppress(Exception):
        ffi = _compiled_ffi()
        if ffi is not None:
            sys.modules[MODULE] = _Bindings(ffi)
            return True
    return False


class _Bindings(types.ModuleType):
    """``cairocffi.ffi`` with the cairo bindings precompiled.  ``ffi_pixbuf`` (used only to
    decode images through gdk-pixbuf) is built from cairocffi's own module when first asked for."""

    def __init__(self, ffi: object) -> None:
        super().__init__(MODULE)
        self.ffi = ffi

    def __getattr__(self, name: str) -> object:
        if name != "ffi_pixbuf":
            raise AttributeError(name)
        spec = importlib.util.find_spec("cairocffi.ffi")
        own = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(own)  # parses the headers: only for gdk-pixbuf decoding
        self.ffi_pixbuf = own.ffi_pixbuf
        return self.ffi_pixbuf


def _compiled_ffi() -> object | None:
    import cffi

    constants = _constants_file()
    if constants is None:
        return None
    stat = constants.stat()
    parts = (_version("cairocffi"), cffi.__version__, constants, stat.st_size, stat.st_mtime_ns)
    name = "_crafteditor_cairo_ffi_" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]
    path = user_cache_dir("cffi") / f"{name}.py"
    if not path.is_file():
        headers = _headers(constants)
        if headers is None:
            return None
        _write(path, name, headers)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ffi


def _constants_file() -> Path | None:
    """cairocffi's ``constants.py`` (found without importing the package, which would parse
    the declarations), or None when the xcb bindings are installed (they add their own)."""
    spec = importlib.util.find_spec("cairocffi")
    if spec is None or not spec.submodule_search_locations or importlib.util.find_spec("xcffib") is not None:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "constants.py"
    return path if path.is_file() else None


def _headers(constants: Path) -> str | None:
    """cairocffi's C declarations, as its ``constants`` module holds them."""
    namespace: dict = {}
    exec(compile(constants.read_text(encoding="utf-8"), str(constants), "exec"), namespace)
    headers = namespace.get("_CAIRO_HEADERS")
    return headers if isinstance(headers, str) else None


def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


def _write(path: Path, name: str, headers: str) -> None:
    """cffi's out-of-line module for ``headers``, written atomically to ``path``."""
    from cffi import FFI

    builder = FFI()
    builder.cdef(headers)
    builder.set_source(name, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with redirect_stdout(io.StringIO()):  # cffi says what it writes
            builder.emit_python_code(tmp)
        os.replace(tmp, path)
    finally:
        with suppress(OSError):
            os.unlink(tmp)
