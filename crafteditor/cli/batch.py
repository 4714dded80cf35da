"""The ``crafteditor batch`` command: many figures on a Dask cluster.

Importing this module is cheap; Dask and the converter load when a batch runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crafteditor.cli.options import add_loop_options, loop_from_args, positive_int, seconds, vlm_from_args

BATCH_HELP = """\
Convert many figures: files, folders (searched recursively for PNG, JPEG,
WebP, BMP, TIFF and GIF) and glob patterns.  The SVGs go under OUTPUT_DIR,
mirroring the input tree.  Figures run on a local Dask cluster, one worker per
core by default, or on a cluster you already run (--scheduler).  Each worker
loads the OCR engine once and converts figure after figure.

Running the same command again skips every figure whose input and options are
unchanged since its SVG was written (a manifest in OUTPUT_DIR records them), so
an interrupted batch resumes where it stopped.  A corrupt file, a figure past
--timeout or a worker that dies is recorded with its reason and the batch goes
on; a lost worker's figures are retried once.

Exit status: 0 when every figure converted or was skipped, 1 when some failed,
2 for usage errors and Ctrl-C.

examples:
  crafteditor batch figures/ -o svg/
  crafteditor batch 'thesis/**/*.png' -o out/ --exports drawio,pptx --report out/batch.jsonl
  dask scheduler --port 8786 &  dask worker tcp://127.0.0.1:8786 --nthreads 1 &
  crafteditor batch figures/ -o svg/ --scheduler tcp://127.0.0.1:8786
"""


def add_parser(commands: Any, add_traceback_flag: Any) -> argparse.ArgumentParser:
    from crafteditor.cli import OCR_ENGINES

    p = commands.add_parser("batch", help="convert many figures, on a local or existing Dask cluster",
                            description=BATCH_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="figure files, folders or glob patterns")
    p.add_argument("-o", "--output-dir", required=True, type=Path, metavar="OUTPUT_DIR",
                   help="where the SVGs go (created if missing)")
    p.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="local Dask workers, one thread each (default: one per core)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="use this running Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--report", type=Path, metavar="FILE.jsonl",
                   help="one JSON line per figure: input, output, status, reason, seconds, peak RSS, counts")
    p.add_argument("--timeout", type=seconds, default=None, metavar="S", help="give up on a figure after S seconds")
    p.add_argument("--exports", type=_formats, default=(), metavar="FMT[,FMT...]",
                   help="also write these formats next to each SVG: drawio, pptx, pdf, png")
    p.add_argument("--ocr", choices=OCR_ENGINES, default="rapidocr", help="OCR engine (default: %(default)s)")
    p.add_argument("--segmenter", choices=("opencv", "sam"), default="opencv",
                   help="where shape regions come from (default: %(default)s)")
    p.add_argument("--sam-checkpoint", metavar="PATH", help="a segment-anything checkpoint you supply")
    p.add_argument("--sam-model", choices=("vit_b", "vit_l", "vit_h"), default=None)
    p.add_argument("--max-pixels", type=positive_int, default=None, metavar="N",
                   help="refuse images larger than N pixels (default: 100000000)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_loop_options(p)
    add_traceback_flag(p)
    p.set_defaults(func=run_from_args)
    return p


def run_from_args(args: argparse.Namespace) -> int:
    from crafteditor.batch import Settings, run_batch
    from crafteditor.model.errors import InputError

    if args.workers and args.scheduler:
        raise InputError("--workers starts a local cluster; leave it out with --scheduler")
    if args.sam_checkpoint and args.segmenter != "sam":
        raise InputError("--sam-checkpoint is only used with --segmenter sam")
    if args.segmenter == "sam":
        from extraction.segment import get_segmenter

        get_segmenter("sam", args.sam_checkpoint, args.sam_model)  # a missing checkpoint fails here, once
    settings = Settings(ocr=args.ocr, segmenter=args.segmenter, sam_checkpoint=args.sam_checkpoint,
                        sam_model=args.sam_model, max_pixels=args.max_pixels, loop=loop_from_args(args),
                        vlm=vlm_from_args(args), exports=args.exports, timeout_s=args.timeout)
    summary = run_batch(args.inputs, args.output_dir, settings, workers=args.workers, scheduler=args.scheduler,
                        report=args.report, progress=not args.quiet)
    print("\n".join(summary.lines()))
    if summary.interrupted:
        print("crafteditor: interrupted; run the same command again to resume (finished figures are skipped)",
              file=sys.stderr)
        return 2
    return 1 if summary.failed else 0


def _formats(text: str) -> tuple[str, ...]:
    from crafteditor.export import FORMATS

    allowed = [name for name, (_module, _func, suffix) in FORMATS.items() if suffix != ".svg"]
    names = tuple(dict.fromkeys(v.strip().lower() for v in text.split(",") if v.strip()))
    if not names or any(n not in allowed for n in names):
        raise argparse.ArgumentTypeError(f"formats are among {', '.join(allowed)}; got {text!r}")
    return names
