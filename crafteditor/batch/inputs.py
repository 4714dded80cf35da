"""Which files a batch converts, where each output goes, and which are already done.

Inputs are files, directories (searched recursively for the formats ``convert``
reads) and glob patterns.  Outputs mirror the input tree under the output
folder: ``figs/a/b.png`` given as ``figs`` becomes ``OUT/a/b.svg``.  A manifest
beside the outputs records, for each output, a digest of its input's bytes and
of the options it was converted with; an output whose digest still matches is
skipped.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crafteditor.model.errors import InputError

SUFFIXES = frozenset((".png", ".jpg", ".jpeg", ".webp", ".bmp", ".dib", ".tif", ".tiff", ".gif", ".ppm"))
MANIFEST = ".crafteditor-batch.jsonl"
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class Job:
    """One figure: where it is read from, where its SVG goes, and its digest."""

    source: Path
    output: Path
    digest: str


def find_inputs(specs: Sequence[str]) -> list[tuple[Path, Path]]:
    """(file, the folder its output path is taken relative to) for every input, in order,
    each file once.  Raises ``InputError`` for a path that does not exist or a pattern
    that matches nothing."""
    found: dict[Path, Path] = {}
    for spec in specs:
        path = Path(spec)
        if any(ch in spec for ch in _GLOB_CHARS) and not path.exists():
            matches = sorted(Path(m) for m in glob.glob(spec, recursive=True))
            files = [m for m in matches if m.is_file() and m.suffix.lower() in SUFFIXES]
            if not files:
                raise InputError(f"no figure matches {spec}")
            base = _glob_base(spec)
            for f in files:
                found.setdefault(f.resolve(), base)
        elif path.is_dir():
            for f in sorted(_walk(path)):
                found.setdefault(f.resolve(), path)
        elif path.exists() or path.is_symlink():
            found.setdefault(path.resolve(), path.parent)
        else:
            raise InputError(f"input not found: {spec}")
    return [(f, base.resolve()) for f, base in found.items()]


def _walk(folder: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if Path(name).suffix.lower() in SUFFIXES and not name.startswith("."):
                yield Path(root) / name


def _glob_base(pattern: str) -> Path:
    """The folder a pattern's matches are taken relative to: its part before the first wildcard."""
    parts = Path(pattern).parts
    fixed = []
    for part in parts:
        if any(ch in part for ch in _GLOB_CHARS):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


def output_paths(found: Sequence[tuple[Path, Path]], out_dir: Path) -> list[tuple[Path, Path]]:
    """(input, output SVG) pairs mirroring each input's place under its folder.  Two inputs
    that would share an output (``a.png`` and ``a.jpg``) keep their suffix (``a.png.svg``)."""
    rel = [f.relative_to(base) if f.is_relative_to(base) else Path(f.name) for f, base in found]
    plain = [r.with_suffix(".svg") for r in rel]
    clashes = {p for p in plain if plain.count(p) > 1}
    return [(f, out_dir / (p if p not in clashes else r.with_name(r.name + ".svg")))
            for (f, _), r, p in zip(found, rel, plain)]


def digest(source: Path, options: dict[str, Any]) -> str:
    """SHA-256 of the input's bytes and the conversion options (a changed file or option
    converts again).  An unreadable file gets a digest of its path and error, so it fails
    in the worker with its reason instead of here."""
    h = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode())
    try:
        with open(source, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        h.update(f"unreadable {source}: {exc}".encode())
    return h.hexdigest()


class Manifest:
    """The digests of finished outputs, one JSON line each, appended as figures finish."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / MANIFEST
        self.done: dict[str, str] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self.done[entry["output"]] = entry["digest"]
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut by an interruption

    def is_done(self, job: Job, exports: Sequence[str]) -> bool:
        if self.done.get(str(job.output)) != job.digest or not job.output.is_file():
            return False
        return all(export_path(job.output, fmt).is_file() for fmt in exports)

    def record(self, job: Job) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"output": str(job.output), "digest": job.digest}) + "\n")
        self.done[str(job.output)] = job.digest


def export_path(svg: Path, fmt: str) -> Path:
    from crafteditor.export import default_output

    return default_output(svg, fmt)
