"""Time conversions the way users run them: a fresh process per figure.

The benchmark's own conversion runs in-process with the engines already loaded
(*warm*).  A user who runs ``crafteditor convert fig.png -o fig.svg`` pays every
start-up cost each time (*cold*): the interpreter, the imports, the OCR engine.
This module runs that command in a child process and reads its wall time and
its peak resident set size from the kernel (``os.wait4``), and its per-stage
times from the ``--report`` it writes.  vtracer, run the same way on the same
figure, gives a reference that moves with the machine's speed and load.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

COLD_TIMEOUT_S = 600.0
STARTUP_REPEATS = 3
_VTRACER_SNIPPET = "import sys, vtracer; vtracer.convert_image_to_svg_py(sys.argv[1], sys.argv[2])"


@dataclass(frozen=True, slots=True)
class ChildRun:
    """One child process: wall seconds, peak RSS (MiB), exit code, and the tail of its stderr."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass(frozen=True, slots=True)
class ColdRun:
    """A cold conversion and vtracer's cold trace of the same figure."""

    convert: ChildRun
    stages_s: dict[str, float] = field(default_factory=dict)  # from the conversion's --report
    svg: bytes = b""
    vtracer: ChildRun | None = None

    @property
    def error(self) -> str | None:
        if self.convert.ok:
            return None
        last = self.convert.stderr.strip().splitlines()
        return f"exit {self.convert.returncode}: {last[-1] if last else 'no message'}"


@dataclass(frozen=True, slots=True)
class ColdConfig:
    """How cold runs are started: the ``crafteditor`` command and the options of the warm run."""

    command: tuple[str, ...]
    options: tuple[str, ...] = ()
    vtracer: bool = True
    timeout_s: float = COLD_TIMEOUT_S

    @classmethod
    def default(cls, options: Sequence[str] = (), vtracer: bool = True) -> ColdConfig:
        return cls(crafteditor_command(), tuple(options), vtracer)


def crafteditor_command() -> tuple[str, ...]:
    """The ``crafteditor`` console script beside this interpreter (as the README runs it),
    else ``python -m crafteditor``."""
    script = Path(sys.executable).with_name("crafteditor")
    if script.is_file() and os.access(script, os.X_OK):
        return (str(script),)
    found = shutil.which("crafteditor")
    return (found,) if found else (sys.executable, "-m", "crafteditor")


# The child is started from a small launcher process.  The kernel's peak RSS of a process
# (``ru_maxrss``) includes the memory of the process it was forked from, up to its ``exec``;
# forked from the benchmark itself it would count the benchmark's hundreds of megabytes.
_LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
print(json.dumps([time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]))
"""


def run_child(argv: Sequence[str], timeout_s: float = COLD_TIMEOUT_S) -> ChildRun:
    """Run ``argv`` with stdout discarded; its wall time, its own peak RSS, its exit code
    (-9 when killed at ``timeout_s``) and the end of its stderr."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, *argv], stdout=subprocess.PIPE, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            out = json.dumps([timeout_s, 0, -signal.SIGKILL]).encode()
        err.seek(0)
        tail = err.read()[-4000:].decode("utf-8", "replace")
    try:
        seconds, maxrss_kib, code = json.loads(out)
    except ValueError:  # the launcher itself failed
        return ChildRun(0.0, 0.0, proc.returncode or 1, tail)
    return ChildRun(float(seconds), maxrss_kib / 1024.0, int(code), tail)  # ru_maxrss: KiB on Linux


def cold_convert(png: Path, config: ColdConfig) -> ColdRun:
    """``crafteditor convert png`` in a fresh process, then vtracer on the same file."""
    with tempfile.TemporaryDirectory(prefix="crafteditor-cold-") as tmp:
        svg_path, report_path = Path(tmp) / "out.svg", Path(tmp) / "report.json"
        argv = [*config.command, "convert", str(png), "-o", str(svg_path), "-q",
                "--report", str(report_path), *config.options]
        run = run_child(argv, config.timeout_s)
        stages: dict[str, float] = {}
        svg = b""
        if run.ok:
            report = json.loads(report_path.read_text(encoding="utf-8"))
            stages = {str(k): float(v) for k, v in report.get("timings_s", {}).items()}
            svg = svg_path.read_bytes()
        tracer = None
        if config.vtracer:
            tracer = run_child([sys.executable, "-c", _VTRACER_SNIPPET, str(png), str(Path(tmp) / "vtracer.svg")],
                               config.timeout_s)
    return ColdRun(run, stages, svg, tracer)


@dataclass(frozen=True, slots=True)
class Startup:
    """Median seconds of ``crafteditor --help`` and of ``python -c 'import crafteditor'``."""

    help_s: float
    import_s: float
    limit_s: float = 0.3

    @property
    def ok(self) -> bool:
        return self.help_s <= self.limit_s and self.import_s <= self.limit_s

    def line(self) -> str:
        verdict = "PASS" if self.ok else "FAIL"
        return (f"start-up: `crafteditor --help` {self.help_s:.2f} s, `python -c 'import crafteditor'` "
                f"{self.import_s:.2f} s (medians of {STARTUP_REPEATS}; target <= {self.limit_s:g} s: {verdict})")


def measure_startup(command: Sequence[str], repeats: int = STARTUP_REPEATS) -> Startup:
    def median(argv: list[str]) -> float:
        return statistics.median(run_child(argv, 60.0).seconds for _ in range(repeats))

    return Startup(median([*command, "--help"]), median([sys.executable, "-c", "import crafteditor"]))
