"""The monthly run and the demo built on it."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from innoscore.cli.common import EXIT_OK, add_spec_options, date_arg, positive_int, synth_spec

__all__ = ["add_commands"]  # the commands are reached through the parser


def cmd_run(args: argparse.Namespace) -> int:
    from innoscore.run import load_monthly, run_month

    here = (lambda p: p.resolve() if p is not None and not p.is_absolute() and p.exists() else p)  # ./my.yaml
    config = load_monthly(here(args.config)).with_(data=args.data, runs=args.runs, model=args.model,
                                                   tracking_uri=args.tracking_uri, products=here(args.products),
                                                   lang=args.lang, block=args.block, port=args.port_db)
    live = not args.quiet and sys.stdout.isatty()  # a live progress display on a terminal, plain lines elsewhere
    t0 = time.perf_counter()
    result = run_month(args.as_of, config, force=args.force, say=None if args.quiet else print, progress=live)
    rows = result.manifest["rows"]
    print(f"published {result.folder} in {time.perf_counter() - t0:.1f} s: {rows['enterprises']:,} enterprises, "
          f"{rows['shortlisted']:,} shortlisted rows, {rows['tiers']:,} tiered, {rows['first_loan']:,} first-loan "
          f"candidates, {rows['subsidies']:,} subsidies; model {result.manifest['model']['uri']} "
          f"(version {result.manifest['model']['version']}); manifest {result.folder / 'manifest.json'}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from innoscore.demo import run_demo

    return run_demo(synth_spec(args), Path(args.out), args.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI"))


def add_commands(sub) -> None:
    """Add this room's commands to the ``innoscore`` parser's subcommands."""
    p = sub.add_parser("run", help="the monthly run: score, match and publish one month into runs/YYYY-MM",
                       description="Validate the data folder, build indicators, points and certification checks, "
                                   "score with the credit model, match to the product catalog and publish the month "
                                   "as RUNS/YYYY-MM (indicators, points, scores, tiers, shortlists, first-loan lists, "
                                   "subsidies, programme statistics, drift, backtest, report.html, manifest.json). "
                                   "Defaults come from pipelines/monthly.yaml. Bad input stops the run before "
                                   "anything is written; an existing month is replaced only with --force, and stays "
                                   "whole until the new one is complete.")
    p.add_argument("--as-of", type=date_arg, metavar="YYYY-MM-DD", help="as-of date (default: the data's extraction date)")
    p.add_argument("--config", type=Path, metavar="FILE", help="run definition (default pipelines/monthly.yaml)")
    p.add_argument("--data", type=Path, metavar="DIR", help="data folder (default: the run definition's)")
    p.add_argument("--runs", type=Path, metavar="DIR", help="where months are published (default: the run definition's)")
    p.add_argument("--model", metavar="URI", help="the credit model (default: the run definition's)")
    p.add_argument("--tracking-uri", metavar="URI", help="MLflow tracking URI (default: the run definition's)")
    p.add_argument("--products", type=Path, metavar="FILE", help="product catalog (default: the run definition's)")
    p.add_argument("--lang", choices=("zh", "en"), help="language of the bank files (default: the run definition's)")
    p.add_argument("--port-db", metavar="URL",
                   help="the data port's database whose reported loans count as loans (default: the run definition's)")
    p.add_argument("--block", type=positive_int, metavar="N",
                   help="enterprises per block of the per-enterprise steps: fewer use less memory, the results are "
                        "the same (default: the run definition's, 100,000)")
    p.add_argument("--force", action="store_true", help="replace an existing month")
    p.add_argument("--quiet", action="store_true", help="print only the result")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="run the whole flow on a freshly generated synthetic province",
                       description="Generate the synthetic province into OUT/province, validate it, summarise it, "
                                   "build the indicators and innovation points, train, register and promote the "
                                   "credit model, and run the latest month (with the month before and a year "
                                   "before) on the monthly runner into OUT/runs. Replaces what an earlier demo left "
                                   "in OUT.")
    add_spec_options(p, 20_000)
    p.add_argument("--out", type=Path, default=Path("demo"), metavar="OUT", help="output folder (default ./demo)")
    p.add_argument("--tracking-uri", metavar="URI",
                   help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///OUT/mlflow.db)")
    p.set_defaults(func=cmd_demo)
