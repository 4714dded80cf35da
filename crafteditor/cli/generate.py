"""The ``crafteditor generate`` subcommand: an instruction to an editable, layered SVG.

Importing this module is cheap: the generator loads when the command runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from crafteditor.cli.options import _count, add_vlm_options, positive_int, vlm_from_args
from crafteditor.model.errors import InputError

STYLES = ("academic", "poster", "infographic")
GENERATE_HELP = """\
Generate an editable scientific figure from an instruction, offline by default.
The output is the same layered SVG as 'convert' writes (real <text>, shapes,
connectors glued to the boxes they join, in Inkscape layers), so inspect, edit,
check and every export work on it.

How: the instruction (and --context) is read into a specification of
components, connections, containers and layout hints; K candidate plans that
differ in layout and style are drawn by a layout engine (ELK, else Graphviz
dot); a critic scores each on six axes (content read back by OCR, layout,
text, aesthetics, role, artefacts) and names its defects; the defects become
at most three typed edits of the specification per round, and the best
figure so far is kept, for at most T rounds (CRAFTER's harness).

Inputs besides the instruction: --sketch (a drawn layout to keep and redraw
cleanly), --partial with --mask (keep the unmasked part, fill the masked
region), --elements (pictures that must appear as icons).  With --vlm the
intent, planner and critic roles also ask a model; with --image-model an
OpenAI-compatible images endpoint paints each plan and 'convert' makes the
raster editable (on failure the offline drawing is used, and the trace says
so).

examples:
  crafteditor generate "Tokenizer -> Encoder -> Decoder, left to right" -o fig.svg
  crafteditor generate --instruction-file caption.txt --context paper.md -o fig.svg --png fig.png
  crafteditor generate "A poster with three panels: Motivation, Method, Results" --style poster -o p.svg
  crafteditor generate "Camera feeds the detector" --elements camera.png -o fig.svg --trace trace.json
"""


def add_parser(commands: Any, add_traceback_flag: Any) -> argparse.ArgumentParser:
    p = commands.add_parser("generate", help="generate an editable figure from an instruction",
                            description=GENERATE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("instruction", nargs="?", metavar="INSTRUCTION", help="what the figure shows, in words")
    p.add_argument("--instruction-file", type=Path, metavar="FILE", help="read the instruction from FILE instead")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.svg", help="where to write the SVG")
    p.add_argument("--context", type=Path, metavar="FILE",
                   help="paper text or markdown the components may be read from")
    p.add_argument("--caption", metavar="TEXT", help="the figure's caption (picks the passage of --context to draw)")
    p.add_argument("--style", choices=STYLES, default="academic", help="the figure's role (default: %(default)s)")
    p.add_argument("--sketch", type=Path, metavar="FILE", help="a sketch whose arrangement the figure keeps")
    p.add_argument("--partial", type=Path, metavar="FILE", help="a partial figure to complete (needs --mask)")
    p.add_argument("--mask", type=Path, metavar="FILE", help="the region of --partial to fill (white = fill)")
    p.add_argument("--elements", type=Path, nargs="+", default=[], metavar="FILE",
                   help="pictures (PNG) that must appear as icons, named after their files")
    p.add_argument("--candidates", type=positive_int, default=None, metavar="K",
                   help="candidate plans in the first round (default: 1 with a fixed style, 2 with a "
                        "reference image, 4 for a poster, else 3)")
    p.add_argument("--rounds", type=_count, default=3, metavar="T", help="refinement rounds at most (default 3)")
    p.add_argument("--png", type=Path, metavar="OUT.png", help="also write the figure as PNG")
    p.add_argument("--trace", type=Path, metavar="FILE.json",
                   help="write every round (candidates, scores per axis, edits, decisions) as JSON")
    group = p.add_argument_group("models (optional; offline without them)")
    add_vlm_options(group)
    group.add_argument("--image-model", metavar="NAME",
                       help="paint each plan with this model on the OpenAI-compatible images endpoint "
                            "(--vlm-base-url or $CRAFTEDITOR_VLM_BASE_URL) and convert it to SVG")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")
    add_traceback_flag(p)
    p.set_defaults(func=run_from_args)
    return p


def run_from_args(args: argparse.Namespace) -> int:
    from crafteditor.model.io import atomic_write

    started = time.perf_counter()
    say = _say(args.quiet, started)
    instruction = _instruction(args)
    context = _text(args.context, "context file") if args.context is not None else None
    _check_paths(args)
    vlm = vlm_from_args(args)
    image_model = _image_model(args, vlm)
    say(f"generating the figure ({args.style})")
    from crafteditor.generate.run import generate

    result = generate(instruction, context=context, caption=args.caption, style=args.style, sketch=args.sketch, partial=args.partial,
                      mask=args.mask, elements=args.elements, candidates=args.candidates, rounds=args.rounds,
                      vlm=vlm, image_model=image_model, png=args.png is not None, progress=say)
    atomic_write(args.output, result.svg)
    if args.png is not None:
        atomic_write(args.png, result.png)
    if args.trace is not None:
        from crafteditor.generate.trace import dumps

        atomic_write(args.trace, dumps(result.trace))
    if not args.quiet:
        from crafteditor.generate.trace import describe

        print("\n".join(describe(result.trace)), file=sys.stderr)
    c = result.critique
    print(f"wrote {args.output}: {c.labels_found}/{c.labels_asked} labels, {c.connections_found}/"
          f"{c.connections_asked} connections, score {c.scores.overall:.2f}, {len(result.trace.rounds)} round(s), "
          f"{time.perf_counter() - started:.1f} s")
    return 0


def _instruction(args: argparse.Namespace) -> str:
    if args.instruction is not None and args.instruction_file is not None:
        raise InputError("give the instruction or --instruction-file, not both")
    if args.instruction is None and args.instruction_file is None:
        raise InputError("no instruction: give INSTRUCTION or --instruction-file FILE")
    text = args.instruction if args.instruction is not None else _text(args.instruction_file, "instruction file")
    if not text.strip():
        raise InputError("the instruction is empty: say what the figure shows")
    return text


def _text(path: Path, what: str) -> str:
    from crafteditor.model.io import read_input_bytes

    data = read_input_bytes(path, what, max_bytes=8 * 2**20)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{what} {path} is not UTF-8 text") from None


def _check_paths(args: argparse.Namespace) -> None:
    """Inputs exist; outputs can be written, differ from each other and overwrite no input."""
    from crafteditor.model.io import check_output_path, read_input_bytes
    from crafteditor.model.errors import OutputError

    if (args.partial is None) != (args.mask is None):
        raise InputError("--partial and --mask go together: the partial figure and the region to fill")
    if args.sketch is not None and args.partial is not None:
        raise InputError("give --sketch or --partial/--mask, not both")
    inputs = [(args.instruction_file, "instruction file"), (args.context, "context file"), (args.sketch, "sketch"),
              (args.partial, "partial figure"), (args.mask, "mask"), *((e, "key element picture") for e in args.elements)]
    inputs = [(p, what) for p, what in inputs if p is not None]
    for path, what in inputs:
        read_input_bytes(path, what, max_bytes=100 * 2**20)
    outputs = [p for p in (args.output, args.png, args.trace) if p is not None]
    for out in outputs:
        for path, _what in inputs:
            check_output_path(out, input_path=path)
        check_output_path(out)
    resolved = [o.resolve() for o in outputs]
    if len(set(resolved)) != len(resolved):
        raise OutputError("-o, --png and --trace must name different files")


def _image_model(args: argparse.Namespace, vlm: Any) -> Any:
    if not args.image_model:
        return None
    from crafteditor.vlm.config import VlmConfig

    return VlmConfig.from_env(args.vlm_base_url, None, args.image_model,
                              timeout_s=max(args.vlm_timeout, 60.0), use_cache=False)


def _say(quiet: bool, started: float):
    def say(message: str) -> None:
        if not quiet:
            print(f"crafteditor: [{time.perf_counter() - started:5.1f} s] {message}", file=sys.stderr, flush=True)

    return say
