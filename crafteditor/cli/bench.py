"""The ``crafteditor bench`` subcommand.

Importing this module is cheap: the benchmark and the converter are imported
when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crafteditor.cli.options import add_loop_options, loop_from_args, vlm_from_args

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
    parser.add_argument("--only", default="", metavar="SUBSTR[,SUBSTR...]",
                        help="only the cases whose id holds one of these substrings")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target of the converter fails")
    parser.add_argument("--batch", nargs="?", const="1,2", default=None, type=_worker_counts, metavar="N,N",
                        help="instead: convert --n-synthetic synthetic figures through `crafteditor batch` on a local "
                        "cluster of each number of workers (default 1,2); figures per minute, speed-up, warm time "
                        "per figure beside a cold convert")
    parser.add_argument("--no-cold", action="store_true",
                        help="do not also time each conversion as users run it (a fresh `crafteditor convert` "
                        "process per figure, with vtracer run the same way for reference)")
    parser.add_argument("--robustness", nargs="?", const="svg,pdf,png", default=None, type=_robust_sets,
                        metavar="SETS", help="instead: convert every figure of the shared sets (svg, pdf, png; "
                        "default all) at each --scales and report internal errors and times; exit 1 on any")
    parser.add_argument("--scales", default="own,900,2000", type=_scales, metavar="LIST",
                        help="with --robustness: 'own' and long sides in px (default: own,900,2000)")
    parser.add_argument("--generate", action="store_true",
                        help="instead: generate the 20 fixed instructions of crafteditor.bench.gencases, each by a "
                        "fresh `crafteditor generate`, and report labels and connections found, rounds, the loop's "
                        "gain over its first candidate per axis, and the median time")
    add_loop_options(parser)
    parser.set_defaults(func=run_from_args)
    return parser


def _run_batch_bench(args: argparse.Namespace) -> int:
    from crafteditor.batch import Settings
    from crafteditor.bench.batchbench import format_batch, run_batch_bench
    from crafteditor.bench.timing import ColdConfig

    settings = Settings(ocr=args.ocr, loop=loop_from_args(args), vlm=vlm_from_args(args))
    cold = None if args.no_cold else ColdConfig.default(cold_options(args), vtracer=False)
    result = run_batch_bench(args.out, settings, n=args.n_synthetic, workers=args.batch, seed=args.seed, cold=cold,
                             say=lambda m: print(m, file=sys.stderr, flush=True))
    print(format_batch(result))
    return 0


def _warm_up(converter: Any) -> None:
    """Load the engines and the modules a conversion imports, so that the first case's
    in-process (warm) time is a conversion's and not the process's start-up."""
    import numpy as np

    from crafteditor.bench.synth import make_case

    converter(np.ascontiguousarray(make_case(0).image_rgb[:160, :320]))


def cold_options(args: argparse.Namespace) -> list[str]:
    """The ``convert`` options that make a cold run convert as the warm one does."""
    options = ["--ocr", args.ocr]
    if args.no_refine:
        options.append("--no-refine")
    else:
        options += ["--design-rounds", str(args.design_rounds), "--refine-rounds", str(args.refine_rounds)]
    options += ["--vlm", args.vlm, "--vlm-timeout", str(args.vlm_timeout)]
    for flag, value in (("--vlm-base-url", args.vlm_base_url), ("--vlm-model", args.vlm_model),
                        ("--vlm-cache", args.vlm_cache)):
        if value:
            options += [flag, str(value)]
    if args.no_vlm_cache:
        options.append("--no-vlm-cache")
    return options


def _sets(value: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [n for n in names if n not in SETS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"sets must be among {', '.join(SETS)}; got {value!r}")
    return names


def _worker_counts(value: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"worker counts are whole numbers of at least 1; got {value!r}")
    return counts


def _robust_sets(value: str) -> tuple[str, ...]:
    from crafteditor.bench.robustness import SETS as ROBUST_SETS

    names = tuple(v.strip() for v in value.split(",") if v.strip())
    if not names or any(n not in ROBUST_SETS for n in names):
        raise argparse.ArgumentTypeError(f"sets must be among {', '.join(ROBUST_SETS)}; got {value!r}")
    return names


def _scales(value: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    if not names or any(n != "own" and not (n.isdigit() and int(n) > 0) for n in names):
        raise argparse.ArgumentTypeError(f"scales are 'own' or long sides in px; got {value!r}")
    return names


def _count(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return n


def _run_robustness(args: argparse.Namespace) -> int:
    """``crafteditor bench --robustness``: 0 when no conversion ended in an internal error, else 1."""
    from pathlib import Path

    from crafteditor.bench.realfigs import default_realfigs_dir
    from crafteditor.bench.robustness import Outcome, list_figures, summary_table, sweep
    from crafteditor.pipeline import convert

    root = Path(args.realfigs) if args.realfigs else default_realfigs_dir()
    figures = list_figures(root, args.robustness, args.limit_real)
    if not figures:
        print(f"crafteditor bench: no figures under {root}", file=sys.stderr)
        return 2
    loop, vlm = loop_from_args(args), vlm_from_args(args)

    def say(o: Outcome) -> None:
        print(f"{o.status:14} {o.set_name}/{o.figure} at {o.scale} {o.image_wh} {o.wall_s:.1f} s {o.error}",
              file=sys.stderr, flush=True)

    outcomes = sweep(figures, args.scales, lambda rgb: convert(rgb, ocr=args.ocr, loop=loop, vlm=vlm),
                     Path(args.out), say)
    print(summary_table(outcomes))
    return 1 if any(o.status == "internal-error" for o in outcomes) else 0


def run_from_args(args: argparse.Namespace) -> int:
    """Run the benchmark; 0 when it ran, 1 on a failed target with --strict, 2 on a setup error."""
    if args.generate:
        from crafteditor.bench.genbench import format_table, run

        print(format_table(run(args.out, say=lambda m: print(m, file=sys.stderr, flush=True))))
        return 0
    if args.robustness:
        return _run_robustness(args)
    if args.batch:
        return _run_batch_bench(args)
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

        _warm_up(converter)

    baselines = () if args.no_baselines else ("vtracer", "embed")
    if converter is None and not baselines:
        print("crafteditor bench: nothing to run (--baselines-only with --no-baselines)", file=sys.stderr)
        return 2
    from crafteditor.bench.runner import run_bench
    from crafteditor.bench.timing import ColdConfig

    cold = None if converter is None or args.no_cold else ColdConfig.default(cold_options(args))

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
            only=tuple(part.strip() for part in args.only.split(",") if part.strip()),
            cold=cold,
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
        if result.startup is not None and not result.startup.ok:
            failed.append(result.startup.line())
        if failed:
            print("failed targets: " + "; ".join(failed), file=sys.stderr)
            return 1
    return 0
