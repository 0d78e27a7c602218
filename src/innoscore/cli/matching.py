"""The matching commands: shortlists, tiers, first-loan lists and subsidies of one date, and one enterprise's rules."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from innoscore.cli.common import DEFAULT_MODEL_URI, EXIT_OK, as_of_date, date_arg
from innoscore.errors import UsageError

__all__ = ["add_commands"]  # the commands are reached through the parser


def _match(args: argparse.Namespace):
    from innoscore.credit.registry import load_credit_model
    from innoscore.data.validation import load
    from innoscore.indicators import load_catalog
    from innoscore.matching.match import match_dataset
    from innoscore.matching.products import load_products
    from innoscore.matching.subsidies import load_subsidies
    from innoscore.points import load_points_config

    catalog = load_catalog(args.catalog)  # every configuration is checked before any work
    products = load_products(args.products, catalog)
    config = load_points_config(catalog=catalog)
    subsidy_config = load_subsidies()
    data = load(args.data_dir)
    as_of = as_of_date(args, data.extracted_on)
    model, _ = load_credit_model(args.model, args.tracking_uri)
    return match_dataset(data, as_of, model, products, config, subsidy_config, model_name=args.model)


def cmd_match(args: argparse.Namespace) -> int:
    from innoscore.io import atomic_dir
    from innoscore.matching.match import format_match, write_match

    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not args.overwrite:
        raise UsageError(f"--out {out} exists and is not an empty folder; pass --overwrite to replace it")
    t0 = time.perf_counter()
    result = _match(args)
    with atomic_dir(out) as tmp:
        write_match(result, tmp, args.lang)
    print(format_match(result))
    print(f"matched {len(result.population):,} enterprises as of {result.as_of} against "
          f"{len(result.catalog.products)} products in {time.perf_counter() - t0:.1f} s; written to {out}")
    return EXIT_OK


def cmd_match_explain(args: argparse.Namespace) -> int:
    from innoscore.matching.match import explain

    result = _match(args)
    try:
        print(explain(result, args.enterprise, args.lang))
    except KeyError:
        raise UsageError(f"enterprise {args.enterprise} is not in {args.data_dir} as of {result.as_of}") from None
    return EXIT_OK


def _match_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
    p.add_argument("--as-of", type=date_arg, metavar="YYYY-MM-DD", help="as-of date (default: the extraction date)")
    p.add_argument("--model", default=DEFAULT_MODEL_URI, metavar="URI",
                   help=f"the credit model (default {DEFAULT_MODEL_URI})")
    p.add_argument("--tracking-uri", metavar="URI", help="MLflow tracking URI (as for train)")
    p.add_argument("--products", type=Path, metavar="FILE",
                   help="product catalog (default pipelines/products.yaml)")
    p.add_argument("--catalog", type=Path, metavar="FILE", help="indicator catalog (default features/indicators.yaml)")


def add_commands(sub) -> None:
    """Add this room's commands to the ``innoscore`` parser's subcommands."""
    p = sub.add_parser("match", help="shortlists per bank and fund, the 十百千万 tiers, first-loan lists and subsidies "
                                     "(see also: match explain)",
                       description="Score every enterprise of DATA_DIR (points, certification checks, PD from the "
                                   "model), rank the eligible, consenting enterprises for each product of the catalog, "
                                   "fill the tiers and the first-loan work lists, compute the policy subsidies of the "
                                   "year to date, and write tiers.parquet, first_loan.parquet, near_misses.parquet, "
                                   "subsidies.parquet and shortlists/ (one xlsx and csv per owner) into --out. "
                                   "`innoscore match explain DATA_DIR --enterprise ID` explains one enterprise.")
    _match_options(p)
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the results")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the bank files (default zh)")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it holds files")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("match-explain", help="(written `match explain`) every product's rules for one enterprise",
                       description="Print, for one enterprise, every product with the rules it met and failed, its "
                                   "consent, suggested amount and shortlist rank, its tiers, near misses and subsidies.")
    _match_options(p)
    p.add_argument("--enterprise", required=True, metavar="ID", help="the enterprise's unified social credit code")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the rules (default en)")
    p.set_defaults(func=cmd_match_explain)
