"""What the command rooms share: exit codes, argument types, the --out and --as-of checks, the synthetic
province's options."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from innoscore.errors import UsageError

__all__ = ["EXIT_OK", "EXIT_FAILURE", "EXIT_BAD_INPUT", "DEFAULT_MODEL_URI", "date_arg", "whole", "positive_int",
           "non_negative_int", "check_out", "synth_spec", "as_of_date", "add_spec_options"]

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_MODEL_URI = "models:/innoscore-credit@champion"


def date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD; got {text!r}") from None


def whole(text: str, minimum: int) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number; got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a number >= {minimum}; got {value}")
    return value


def positive_int(text: str) -> int:
    return whole(text, 1)


def non_negative_int(text: str) -> int:
    return whole(text, 0)


def check_out(out: Path, overwrite: bool) -> None:
    from innoscore.io import out_folder

    out_folder(out)
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise UsageError(f"--out {out} is not empty; pass --overwrite to replace it")


def synth_spec(args: argparse.Namespace):
    from innoscore.data.synth import SynthSpec

    try:
        return SynthSpec(enterprises=args.enterprises, seed=args.seed, start=args.start, end=args.end)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def as_of_date(args: argparse.Namespace, extracted_on: dt.date) -> dt.date:
    as_of = args.as_of or extracted_on
    if as_of > extracted_on:
        raise UsageError(f"--as-of {as_of} is after the data's extraction date {extracted_on}: "
                         "what happened in between is not in the data")
    return as_of


def add_spec_options(p: argparse.ArgumentParser, default_n: int) -> None:
    p.add_argument("--enterprises", type=positive_int, default=default_n, metavar="N",
                   help=f"number of enterprises (default {default_n:,})")
    p.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives identical files (default 7)")
    p.add_argument("--start", default="2019-01", metavar="YYYY-MM", help="first month of loans (default 2019-01)")
    p.add_argument("--end", default="2026-10", metavar="YYYY-MM",
                   help="last month; the extraction date is its last day (default 2026-10)")
