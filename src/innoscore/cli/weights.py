"""The weights commands: compare two weights files on a month, and the ranking's stability over weights."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from innoscore.cli.common import EXIT_OK, date_arg, non_negative_int, positive_int
from innoscore.errors import UsageError

__all__ = ["add_commands"]  # the commands are reached through the parser


def _month(args: argparse.Namespace):
    from innoscore.weights import load_month

    if args.run is None and args.data is None:
        raise UsageError("give a published month (--run runs/YYYY-MM) or a data folder (--data DIR)")
    model, tracking_uri = args.model, args.tracking_uri
    if args.run is None:  # PD from the model: the monthly run's unless given
        from innoscore.run import load_monthly

        monthly = load_monthly()
        model, tracking_uri = model or monthly.model, tracking_uri or monthly.tracking_uri
    return load_month(args.run, args.data, args.as_of, model, tracking_uri, args.products)


def _weights(path: Path, base):
    from innoscore.points.config import load_weights

    if not path.is_file():
        raise UsageError(f"weights file {path} not found")
    return load_weights(path, base)


def cmd_weights_diff(args: argparse.Namespace) -> int:
    from innoscore.weights import diff

    month = _month(args)
    old, new = _weights(args.old, month.config), _weights(args.new, month.config)
    result = diff(month, old, new, str(args.old), str(args.new))
    paths = result.write(args.out, args.lang)  # the files first: a closed pipe cannot stop them
    print(result.format("en"))
    print(f"written to {args.out}/: " + ", ".join(p.name for p in paths.values()))
    return EXIT_OK


def cmd_weights_stability(args: argparse.Namespace) -> int:
    from innoscore.io import out_folder
    from innoscore.weights import format_stability, stability, write_stability

    out_folder(args.out)  # before the draws, not after
    month = _month(args)
    config = _weights(args.weights, month.config) if args.weights else month.config
    t0 = time.perf_counter()
    result = stability(month, config, draws=args.draws, weights=args.method, noise=args.noise,
                       keep_groups=args.keep_groups, references=args.references, linear_share=args.linear_share,
                       seed=args.seed)
    elapsed = time.perf_counter() - t0
    paths = write_stability(month, result, args.out)  # the files first: a closed pipe cannot stop them
    print(f"{args.draws:,} draws over {len(result.enterprises):,} enterprises in {elapsed:.1f} s "
          f"({args.method} weights, noise {args.noise:g}; references ±{args.references:.0%}; "
          f"log scored linear {args.linear_share:.0%} of the time)")
    print(format_stability(month, result))
    print(f"written to {args.out}/: " + ", ".join(p.name for p in paths.values()))
    return EXIT_OK


def _month_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", type=Path, metavar="RUNS/YYYY-MM",
                   help="a published month: its date, PD and the data folder it read (checked unchanged)")
    p.add_argument("--data", type=Path, metavar="DIR", help="a data folder (with --run: the folder the run read)")
    p.add_argument("--as-of", type=date_arg, metavar="YYYY-MM-DD", help="with --data: the date (default: extraction)")
    p.add_argument("--model", metavar="URI", help="with --data: the credit model for PD (default: pipelines/monthly.yaml's)")
    p.add_argument("--tracking-uri", metavar="URI", help="MLflow tracking URI (default: pipelines/monthly.yaml's)")
    p.add_argument("--products", type=Path, metavar="FILE", help="product catalog (default pipelines/products.yaml)")


def add_commands(sub) -> None:
    """Add this room's commands to the ``innoscore`` parser's subcommands."""
    p = sub.add_parser("weights-diff", help="(written `weights diff`) compare two weights files on one month",
                       description="Re-score one month with the weights of OLD and of NEW (each a complete points "
                                   "file like features/points.yaml, or one with only groups and weights) and report "
                                   "Spearman and Kendall between the rankings, moves in and out of each tier, the "
                                   "enterprises whose eligibility for a product changes, and the effective weights "
                                   "side by side. Writes CSV files and diff.html into --out.")
    p.add_argument("old", type=Path, metavar="OLD.yaml", help="the current weights")
    p.add_argument("new", type=Path, metavar="NEW.yaml", help="the proposed weights")
    _month_options(p)
    p.add_argument("--out", type=Path, default=Path("weights-diff"), metavar="DIR",
                   help="folder for the CSV files and diff.html (default ./weights-diff)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of diff.html (default zh)")
    p.set_defaults(func=cmd_weights_diff)

    p = sub.add_parser("weights-stability", help="(written `weights stability`) Monte Carlo of the ranking over weights",
                       description="Re-score one month many times with perturbed weights (and optionally reference "
                                   "values and log-vs-linear scoring) and write, per enterprise, the median rank, the "
                                   "5-95%% rank band, the probability of each tier and of passing each product's "
                                   "points threshold (stability.csv), and the enterprises on each boundary "
                                   "(boundaries.csv).")
    p.add_argument("weights", type=Path, nargs="?", metavar="WEIGHTS.yaml",
                   help="the weights to study (default features/points.yaml)")
    _month_options(p)
    p.add_argument("--draws", type=positive_int, default=1000, help="number of draws (default 1000)")
    p.add_argument("--method", choices=("dirichlet", "uniform"), default="dirichlet",
                   help="dirichlet: around the current weights; uniform: each weight times 1 ± noise (default dirichlet)")
    p.add_argument("--noise", type=float, default=0.1,
                   help="dirichlet: relative standard deviation of an average weight; uniform: the ± share (default 0.1)")
    p.add_argument("--keep-groups", action="store_true", help="keep each group's share; move weights within groups")
    p.add_argument("--references", type=float, default=0.0, metavar="X",
                   help="move each reference value by up to ±X (e.g. 0.2; default 0)")
    p.add_argument("--linear-share", type=float, default=0.0, metavar="P",
                   help="chance that a log indicator is scored capped-linear in a draw (default 0)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="random seed, 0 or more (default 0)")
    p.add_argument("--out", type=Path, default=Path("weights-stability"), metavar="DIR",
                   help="folder for stability.csv and boundaries.csv (default ./weights-stability)")
    p.set_defaults(func=cmd_weights_stability)
