"""cairocffi's bindings precompiled once into the cache, and the same drawing either way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect x="3.5" y="4.25" width="20" '
       'height="12" rx="3" fill="#3366cc" stroke="#222" stroke-width="1.3"/><circle cx="30" cy="20" r="6" '
       'fill="none" stroke="#c00"/></svg>')
PROBE = f"""
import hashlib, json, sys
{{plain}}
from checkers.render import render_rgb
digest = hashlib.sha256(render_rgb({SVG!r}.encode(), scale=2.0).tobytes()).hexdigest()
print(json.dumps([type(sys.modules["cairocffi.ffi"]).__name__, digest]))
"""


def _probe(cache: Path, plain: bool = False) -> tuple[str, str, str]:
    env = {**os.environ, "CRAFTEDITOR_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    code = PROBE.format(plain="import cairocffi" if plain else "")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    kind, digest = json.loads(done.stdout)
    return kind, digest, done.stdout


def test_bindings_are_written_once_and_draw_as_cairocffi_does(tmp_path):
    first, first_digest, out = _probe(tmp_path)
    assert first == "_Bindings" and out.count("\n") == 1  # nothing else on standard output
    written = sorted((tmp_path / "cffi").glob("_crafteditor_cairo_ffi_*.py"))
    assert len(written) == 1
    stamp = written[0].stat().st_mtime_ns
    again, again_digest, _ = _probe(tmp_path)
    assert again == "_Bindings" and again_digest == first_digest
    assert written[0].stat().st_mtime_ns == stamp  # read, not rewritten
    plain, plain_digest, _ = _probe(tmp_path, plain=True)  # cairocffi loaded first: its own bindings
    assert plain == "module" and plain_digest == first_digest


def test_an_unwritable_cache_leaves_cairocffi_to_parse(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    kind, digest, _ = _probe(blocked)
    assert kind == "module" and len(digest) == 64
