"""The ``crafteditor bench`` subcommand.

Importing this module is cheap: the benchmark and the converter are imported
when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crafteditor.cli_options import add_loop_options, loop_from_args, vlm_from_args

SETS = ("synthetic", "degraded", "real", "pdf")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``bench`` on an ``argparse`` subparsers object."""
    parser = subparsers.add_parser(
        "bench",
        help="score the converter and simple baselines on synthetic and real figures",
        description="Convert figures with known ground truth and score text, fidelity and cost. "
        "Writes results.json and report.html to --out.",
    )
    parser.add_argument("--out", default="bench-out", metavar="DIR", help="output folder (default: bench-out)")
    parser.add_argument("--sets", default=",".join(SETS), type=_sets,
                        help="comma-separated sets among synthetic, degraded, real, pdf (default: all)")
    parser.add_argument("--n-synthetic", type=_count, default=20, metavar="N", help="synthetic cases (default 20)")
    parser.add_argument("--n-degraded", type=_count, default=10, metavar="N", help="degraded cases (default 10)")
    parser.add_argument("--limit-real", type=_count, default=None, metavar="N", help="at most N real figures")
    parser.add_argument("--realfigs", default=None, metavar="DIR",
                        help="real figures folder (default: $CRAFTEDITOR_REALFIGS or ../shared/realfigs)")
    parser.add_argument("--limit-pdf", type=_count, default=None, metavar="N", help="at most N PDF figures")
    parser.add_argument("--pdffigs", default=None, metavar="DIR",
                        help="PDF figures folder, or one with pdf/ and png/ "
                        "(default: $CRAFTEDITOR_PDFFIGS, else the real figures folder)")
    parser.add_argument("--no-raster-views", action="store_true",
                        help="with the pdf set, do not convert the raster paper figures (png/) for viewing")
    parser.add_argument("--ocr", default="rapidocr", help="OCR engine passed to the converter (default rapidocr)")
    parser.add_argument("--no-baselines", action="store_true", help="do not run vtracer and embed")
    parser.add_argument("--baselines-only", action="store_true", help="do not run the converter")
    parser.add_argument("--seed", type=int, default=0, help="first synthetic seed (default 0)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target of the converter fails")
    add_loop_options(parser)
    parser.set_defaults(func=run_from_args)
    return parser


def _sets(value: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [n for n in names if n not in SETS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"sets must be among {', '.join(SETS)}; got {value!r}")
    return names


def _count(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return n


def run_from_args(args: argparse.Namespace) -> int:
    """Run the benchmark; 0 when it ran, 1 on a failed target with --strict, 2 on a setup error."""
    converter = None
    if not args.baselines_only:
        try:
            from crafteditor.pipeline import convert
        except ImportError as exc:
            print(f"crafteditor bench: the converter is unavailable ({exc}); "
                  "use --baselines-only to score the baselines alone", file=sys.stderr)
            return 2

        loop, vlm = loop_from_args(args), vlm_from_args(args)

        def converter(image: Any) -> Any:
            return convert(image, ocr=args.ocr, loop=loop, vlm=vlm)

    baselines = () if args.no_baselines else ("vtracer", "embed")
    if converter is None and not baselines:
        print("crafteditor bench: nothing to run (--baselines-only with --no-baselines)", file=sys.stderr)
        return 2
    from crafteditor.bench.runner import run_bench

    try:
        result = run_bench(
            args.out,
            sets=args.sets,
            n_synthetic=args.n_synthetic,
            n_degraded=args.n_degraded,
            limit_real=args.limit_real,
            converter=converter,
            baselines=baselines,
            seed=args.seed,
            realfigs_dir=args.realfigs,
            pdffigs_dir=args.pdffigs,
            limit_pdf=args.limit_pdf,
            raster_views=not args.no_raster_views,
        )
    except (FileNotFoundError, OSError) as exc:
        print(f"crafteditor bench: {exc}", file=sys.stderr)
        return 2
    print(result.table)
    print(f"\nwrote {result.out_dir / 'results.json'} and {result.out_dir / 'report.html'} "
          f"in {result.wall_s:.1f} s; skipped {len(result.skipped)} file(s)")
    if args.strict and converter is not None:
        failed = [f"{s.set_name}: {name}" for s in result.summaries if s.method == "crafteditor"
                  for name, ok in s.targets.items() if ok is False]
        failed += [f"{c.set_name}: {name}" for c in result.comparison for name, ok in c.targets.items() if not ok]
        if failed:
            print("failed targets: " + "; ".join(failed), file=sys.stderr)
            return 1
    return 0
