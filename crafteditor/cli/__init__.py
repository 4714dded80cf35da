"""The ``crafteditor`` command line.

    crafteditor convert figure.png -o figure.svg
    crafteditor inspect figure.svg
    crafteditor edit figure.svg -o fixed.svg --where text:Encodr --set-text Encoder
    crafteditor export figure.svg --to drawio -o figure.drawio
    crafteditor batch figures/ -o svg/
    crafteditor generate "Encoder -> Decoder" -o figure.svg
    crafteditor bench --help

Exit status: 0 on success, 2 for anything the user can fix (bad input or
output, a missing engine, a usage error, Ctrl-C), 1 for a bug.  Errors are one
line on stderr; ``--traceback`` adds the Python traceback.  Heavy modules load
only when a command runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from crafteditor.cli.options import (LOOP_HELP, add_loop_options, describe_trace, loop_from_args, positive_int,
                                     vlm_from_args)
from crafteditor.model.errors import CraftEditorError, InputError, one_line

PROG = "crafteditor"
OCR_ENGINES = ("rapidocr", "tesseract", "easyocr")

DESCRIPTION = "Turn raster scientific figures (diagrams, flowcharts) into editable, layered SVG, offline."
CONVERT_HELP = """\
Convert a raster figure (PNG, JPEG, WebP, BMP, TIFF or GIF) into an SVG whose
text is real, editable text, whose boxes and containers are real rectangles,
ellipses and polygons, whose arrows are connectors glued to the shapes they
join (they follow a moved box in Inkscape), and whose pictures are embedded
PNG crops, in Inkscape layers Background, Shapes, Drawing (traced leftovers),
Connectors, Icons and Text.

The figure is refined before it is written: candidate skeletons are checked
against the source and the best is revised with typed fixes (see the options
below; --trace prints every round).

examples:
  crafteditor convert figure.png                  # writes figure.svg
  crafteditor convert figure.png -o out/fig.svg --report out/fig.json
  crafteditor convert scan.jpg --ocr tesseract --debug-dir debug/
  crafteditor convert figure.png --segmenter sam --sam-checkpoint sam_vit_b_01ec64.pth
  crafteditor convert figure.png --trace --vlm openai --vlm-base-url http://localhost:8000/v1 --vlm-model qwen
"""
EPILOG = "Run 'crafteditor COMMAND --help' for the options of one command."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (also for ``--help`` and usage errors)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return int(args.func(args) or 0)
    except CraftEditorError as exc:
        return _fail(args, f"error: {one_line(exc)}", 2)
    except KeyboardInterrupt:
        return _fail(args, "error: interrupted", 2)
    except Exception as exc:  # a bug: one line and a hint, not a wall of traceback
        hint = "" if args.traceback else " (re-run with --traceback for details)"
        return _fail(args, f"internal error: {type(exc).__name__}: {one_line(exc)}{hint}", 1)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: ``convert`` and ``check`` here, the other commands from this package's modules."""
    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=EPILOG)
    add_traceback_flag(parser, default=False)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND", required=True)
    _add_convert(commands)
    _add_check(commands)
    from crafteditor.cli import batch as cli_batch, edit as cli_edit
    from crafteditor.cli import bench as bench_cli
    from crafteditor.cli import generate as cli_generate

    cli_edit.add_parsers(commands, add_traceback_flag)
    cli_batch.add_parser(commands, add_traceback_flag)
    cli_generate.add_parser(commands, add_traceback_flag)

    bench_cli.add_parser(commands)
    return parser


def add_traceback_flag(parser: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    """``--traceback``, accepted before the command and after it.

    A subcommand's copy must default to ``SUPPRESS``, or it would reset the
    value given before the command.
    """
    parser.add_argument(
        "--traceback", action="store_true", default=default, help="on an error, also print the Python traceback"
    )


def _add_convert(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "convert",
        help="convert a raster figure into editable SVG",
        description=CONVERT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="INPUT", type=Path, help="the raster figure to convert")
    p.add_argument(
        "-o", "--output", metavar="OUTPUT.svg", type=Path,
        help="where to write the SVG (default: INPUT with the suffix .svg)",
    )
    p.add_argument(
        "--ocr", choices=OCR_ENGINES, default="rapidocr",
        help="OCR engine for the text (default: %(default)s; tesseract and easyocr are optional extras)",
    )
    p.add_argument(
        "--segmenter", choices=("opencv", "sam"), default="opencv",
        help="where shape regions come from (default: %(default)s; sam needs segment-anything, torch "
             "and --sam-checkpoint)",
    )
    p.add_argument("--sam-checkpoint", metavar="PATH", type=Path,
                   help="a segment-anything checkpoint file you supply (none ships with any package)")
    p.add_argument("--sam-model", choices=("vit_b", "vit_l", "vit_h"), default=None,
                   help="the checkpoint's model type (default: from its file name, else vit_b)")
    p.add_argument("--report", metavar="FILE.json", type=Path,
                   help="also write a JSON report (counts, timings, the cleaning plan)")
    p.add_argument(
        "--debug-dir", metavar="DIR", type=Path,
        help="write intermediate images (OCR boxes, text mask, cleaned canvas) and the scene here",
    )
    p.add_argument(
        "--max-pixels", metavar="N", type=positive_int, default=None,
        help="refuse images larger than N pixels (width x height; default: 100000000)",
    )
    p.add_argument("--trace", action="store_true", help="print every round of the refinement loop")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")
    add_loop_options(p)
    p.epilog = LOOP_HELP
    add_traceback_flag(p)
    p.set_defaults(func=_run_convert)


CHECK_HELP = """\
Check an SVG against the raster it should reproduce: text overflowing its
container or drawn at the wrong size, text the source shows (read by OCR) that
the SVG lacks or misspells, arrow ends short of the shape the source reaches
and oversized arrowheads, shapes overlapping where the source does not,
elements drifted from their place, drawn parts of the source missing from the
SVG, elements drawn unlike the source, and the overall drawn-pixel fidelity.
Works on any SVG, not only crafteditor's.

Exit status: 0 when nothing is wrong (warnings and notes may be printed), 3
when there are errors, 2 for bad input.

examples:
  crafteditor check figure.svg --source figure.png
  crafteditor check figure.svg --source figure.png --json > findings.json
"""


def _add_check(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "check", help="check an SVG against its source raster", description=CHECK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("svg", metavar="OUTPUT.svg", type=Path, help="the SVG to check")
    p.add_argument("--source", metavar="INPUT", type=Path, required=True, help="the raster it should reproduce")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.add_argument("--ocr", choices=OCR_ENGINES + ("none",), default="rapidocr",
                   help="OCR engine that reads the source for the missing-text check (default: %(default)s; "
                        "none skips that check)")
    add_traceback_flag(p)
    p.set_defaults(func=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    import json

    from checkers.base import read_figure, run_checks
    from checkers.render import SvgRenderError
    from extraction.image import load_image

    source = load_image(args.source)
    from crafteditor.svg.doc import check_embedded_images, parse_svg, read_svg_bytes

    svg = read_svg_bytes(args.svg)
    # refuses what is unsafe or no SVG, as every command does, and pictures too large to draw
    check_embedded_images(parse_svg(svg, str(args.svg)), str(args.svg))
    words = []
    if args.ocr != "none":
        from crafteditor.pipeline import source_readings
        from extraction.ocr import get_engine

        words = source_readings(source, get_engine(args.ocr))  # as the loop reads it
    try:
        findings = run_checks(read_figure(svg, source, words))
    except SvgRenderError as exc:
        raise InputError(f"cannot draw {args.svg}: {exc}") from None
    errors = sum(f.severity == "error" for f in findings)
    if args.json:
        print(json.dumps({"svg": str(args.svg), "source": str(args.source), "errors": errors,
                          "findings": [f.to_json() for f in findings]}, indent=2))
    else:
        for f in findings:
            where = f" at {tuple(round(v) for v in f.box.xyxy)}" if f.box is not None else ""
            fix = f" -> {f.fix.kind}" if f.fix is not None else ""
            print(f"{f.severity:7} {f.code:18} {f.message}{where}{fix}")
        if not errors:
            print("no problems found" if len(findings) <= 1 else "no errors found")
    return 3 if errors else 0


def _run_convert(args: argparse.Namespace) -> int:
    from crafteditor.model.io import check_output_path
    from extraction.image import DEFAULT_MAX_PIXELS, load_image
    from extraction.segment import get_segmenter

    started = time.perf_counter()
    say = _progress_printer(args.quiet, started)
    max_pixels = args.max_pixels or DEFAULT_MAX_PIXELS
    output = args.output if args.output is not None else args.input.with_suffix(".svg")
    # Check input and outputs before loading any engine, so mistakes fail fast and quietly.
    height, width = load_image(args.input, max_pixels=max_pixels).shape[:2]
    check_output_path(output, input_path=args.input)
    if args.report is not None:
        check_output_path(args.report, input_path=args.input)
    if args.sam_checkpoint is not None and args.segmenter != "sam":
        raise InputError("--sam-checkpoint is only used with --segmenter sam")
    segmenter = get_segmenter(args.segmenter, args.sam_checkpoint, args.sam_model)
    loop, vlm = loop_from_args(args), vlm_from_args(args)
    say(f"converting {args.input} ({width}x{height} px) with {args.ocr}")

    pipeline = importlib.import_module("crafteditor.pipeline")
    created = [p for p in (output, args.report) if p is not None and not p.exists()]
    try:
        result = pipeline.convert_file(
            args.input,
            output,
            ocr=args.ocr,
            report_path=args.report,
            debug_dir=args.debug_dir,
            max_pixels=max_pixels,
            segmenter=segmenter,
            loop=loop,
            vlm=vlm,
            progress=say,
        )
    except BaseException:
        _remove_quietly(created)  # no partial output
        raise
    texts = len(result.scene.texts)
    others = len(result.scene) - texts
    elapsed = time.perf_counter() - started
    if args.trace:
        print("\n".join(describe_trace(result.trace)), file=sys.stderr)
    print(f"wrote {output}: {_plural(texts, 'text label')}, {_plural(others, 'other element')}, {elapsed:.1f} s")
    return 0


def _progress_printer(quiet: bool, started: float) -> Callable[[str], None]:
    def say(message: str) -> None:
        if not quiet:
            print(f"{PROG}: [{time.perf_counter() - started:5.1f} s] {message}", file=sys.stderr, flush=True)

    return say


def _remove_quietly(paths: list[Path]) -> None:
    for path in paths:
        try:
            if path.is_file():
                os.unlink(path)
        except OSError:
            pass


def _fail(args: argparse.Namespace, message: str, status: int) -> int:
    if getattr(args, "traceback", False):
        traceback.print_exc()
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)
    return status


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _version() -> str:
    from crafteditor import __version__

    return __version__
