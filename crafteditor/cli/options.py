"""Command-line options of the refinement loop and the VLM, shared by ``convert``
and ``bench``: how they are declared and what they become."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

VLM_CHOICES = ("none", "auto", "openai")
LOOP_HELP = """\
refinement (on by default, offline): candidate skeletons of the figure are
drawn, checked against the source (text overflow and size, missing text,
dangling arrows, overlaps, drift, missing parts, fidelity) and the best is
revised with typed fixes, keeping the best result so far.  A VLM behind any
OpenAI-compatible endpoint can add text recovery, icon captions and a critic:
  --vlm openai --vlm-base-url http://localhost:8000/v1 --vlm-model NAME
or set CRAFTEDITOR_VLM_BASE_URL (or OPENAI_BASE_URL), CRAFTEDITOR_VLM_MODEL and
CRAFTEDITOR_VLM_API_KEY (or OPENAI_API_KEY).  With --vlm auto the VLM is used
when the endpoint and the model are set; answers are cached in
$CRAFTEDITOR_CACHE_DIR (default ~/.cache/crafteditor/vlm).
"""


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value <= 20:
        raise argparse.ArgumentTypeError(f"must be between 0 and 20, got {value}")
    return value


def positive_int(text: str) -> int:
    """An ``argparse`` type: a whole number of at least 1 (``_`` separators allowed)."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seconds(text: str) -> float:
    """An ``argparse`` type: a number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {value}")
    return value


def add_loop_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("refinement and VLM")
    group.add_argument("--no-refine", action="store_true",
                       help="compose the grounded scene once: no candidates, checks or fixes")
    group.add_argument("--design-rounds", type=_count, default=3, metavar="N",
                       help="candidate skeletons tried at most (default %(default)s)")
    group.add_argument("--refine-rounds", type=_count, default=4, metavar="N",
                       help="rounds of typed fixes at most (default %(default)s)")
    add_vlm_options(group)


def add_vlm_options(group: Any) -> None:
    """``--vlm`` and its endpoint, model, timeout and cache options, on a parser or a group."""
    group.add_argument("--vlm", choices=VLM_CHOICES, default=os.environ.get("CRAFTEDITOR_VLM", "none"),
                       help="none: offline; auto: use the VLM when its endpoint and model are set; openai: "
                            "require it (default: $CRAFTEDITOR_VLM or none)")
    group.add_argument("--vlm-base-url", metavar="URL", help="OpenAI-compatible endpoint, e.g. http://host:8000/v1")
    group.add_argument("--vlm-model", metavar="NAME", help="the model to ask")
    group.add_argument("--vlm-timeout", type=seconds, default=30.0, metavar="S",
                       help="seconds before a VLM request is abandoned (default %(default)s)")
    group.add_argument("--vlm-cache", type=Path, metavar="DIR", help="where VLM answers are cached")
    group.add_argument("--no-vlm-cache", action="store_true", help="do not cache VLM answers")


def loop_from_args(args: argparse.Namespace) -> Any:
    """The ``LoopConfig`` the options ask for, or None with ``--no-refine``."""
    from crafteditor.loop.harness import LoopConfig

    if args.no_refine:
        return None
    if args.design_rounds < 1:
        from crafteditor.model.errors import InputError

        raise InputError("--design-rounds must be at least 1 (use --no-refine to skip the loop)")
    return LoopConfig(design_rounds=args.design_rounds, refine_rounds=args.refine_rounds)


def vlm_from_args(args: argparse.Namespace) -> Any:
    """The ``VlmConfig`` the options ask for, or None (offline).  Raises
    ``VlmConfigError`` (one line) when ``--vlm openai`` lacks an endpoint or model."""
    from crafteditor.vlm.config import resolve

    return resolve(args.vlm, base_url=args.vlm_base_url, model=args.vlm_model, timeout_s=args.vlm_timeout,
                   cache_dir=args.vlm_cache, use_cache=not args.no_vlm_cache)


def describe_trace(trace: Any) -> list[str]:
    """One line per round of the loop's trace (``crafteditor.loop.harness.Trace``; None with
    the loop off), for the terminal."""
    if trace is None:
        return ["refinement: off"]
    lines = []
    for r in trace.rounds:
        found = ", ".join(f"{code} x{n}" for code, n in r.findings) or "no findings"
        score = "-" if r.score is None else f"{r.score:.2f}"
        notes = f" [{'; '.join(r.notes)}]" if r.notes else ""
        lines.append(f"  {r.stage:6} {r.outcome:8} score {score:>7}  {r.tried}: {found} ({r.time_s:.2f} s){notes}")
    lines.append(f"  best: round {trace.best_round}, score {trace.first_score:.2f} -> {trace.best_score:.2f}; "
                 f"stopped: {trace.stopped}; VLM tokens: {trace.tokens}")
    return ["refinement:"] + lines
