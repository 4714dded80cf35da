"""onnxruntime sessions for bundled models, with their optimised graphs cached on disk.

Optimising a graph is a good part of building a session.  The first process
saves the optimised graph under the user's cache directory
(``$CRAFTEDITOR_CACHE_DIR/onnx``, default ``~/.cache/crafteditor/onnx``); later
ones load it and skip the work.  The cached file is named after the model's
size and time, onnxruntime's version, the optimisation level and the
processor, so a new model, runtime or machine never reads an old graph.  It is
written atomically; a cache that cannot be written or read is skipped silently
and the bundled model used.

Sessions use onnxruntime's default thread count (one per physical core), or
``$CRAFTEDITOR_THREADS`` when set (a batch sets it so that its workers share the
cores instead of each taking all of them), with waiting threads sleeping
instead of spinning.
"""

from __future__ import annotations

import hashlib
import os
import platform
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from crafteditor.model.io import ENV_CACHE_DIR, user_cache_dir

ENV_THREADS = "CRAFTEDITOR_THREADS"


def cache_dir() -> Path:
    """Where optimised graphs go: ``$CRAFTEDITOR_CACHE_DIR/onnx`` or ``~/.cache/crafteditor/onnx``."""
    return user_cache_dir("onnx")


def threads_from_env() -> int | None:
    """``$CRAFTEDITOR_THREADS`` as a thread count of at least 1, or None when unset or not a number."""
    try:
        value = int(os.environ.get(ENV_THREADS, ""))
    except ValueError:
        return None
    return value if value >= 1 else None


def load_session(model: Path) -> Any:
    """A CPU session for ``model``, from its cached optimised graph when there is one."""
    import onnxruntime as ort

    level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    cached = _cached_path(model, ort.__version__, int(level))
    if cached is not None and cached.is_file():
        with suppress(Exception):  # an unreadable cache entry: build from the bundled model
            return _session(ort, cached, ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    if cached is not None:
        with suppress(Exception):
            return _session_saving(ort, model, level, cached)
    return _session(ort, model, level)


def _session(ort: Any, model: Path, level: Any, save_to: Path | None = None) -> Any:
    options = ort.SessionOptions()
    options.log_severity_level = 4
    options.enable_cpu_mem_arena = False
    options.graph_optimization_level = level
    # Waiting threads sleep instead of spinning: on two shared cores a spinning pool takes
    # the CPU from the other thread and from the rest of the pipeline between runs.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    threads = threads_from_env()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    if save_to is not None:
        options.optimized_model_filepath = str(save_to)
    providers = [("CPUExecutionProvider", {"arena_extend_strategy": "kSameAsRequested"})]
    return ort.InferenceSession(str(model), sess_options=options, providers=providers)


def _session_saving(ort: Any, model: Path, level: Any, cached: Path) -> Any:
    """A session built from ``model`` that leaves its optimised graph at ``cached``."""
    cached.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=cached.stem + ".", suffix=".tmp", dir=cached.parent)
    os.close(fd)
    try:
        session = _session(ort, model, level, save_to=Path(tmp))
        if os.path.getsize(tmp) > 0:
            os.replace(tmp, cached)
        return session
    finally:
        with suppress(OSError):
            os.unlink(tmp)


def _cached_path(model: Path, ort_version: str, level: int) -> Path | None:
    try:
        stat = model.stat()
    except OSError:
        return None
    parts = (model.name, stat.st_size, stat.st_mtime_ns, ort_version, level, _cpu())
    key = hashlib.sha256("|".join(map(str, parts)).encode())
    return cache_dir() / f"{model.stem}-{key.hexdigest()[:16]}.onnx"


def _cpu() -> str:
    """The processor's model and instruction sets: a fully optimised graph holds layouts
    chosen for them, so a cache shared between machines keeps one graph per kind."""
    with suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            fields = {}
            for line in info:
                if not line.strip():
                    break
                name, _, value = line.partition(":")
                fields[name.strip()] = value.strip()
            return f"{fields.get('model name', '')}|{fields.get('flags', '')}"
    return f"{platform.machine()}|{platform.processor()}"
