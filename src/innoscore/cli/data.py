"""The data commands: validate a folder, generate a synthetic province, summarise it, print the contract,
build indicators."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from innoscore.cli.common import EXIT_BAD_INPUT, EXIT_OK, add_spec_options, as_of_date, check_out, date_arg, synth_spec

__all__ = ["add_commands"]  # the commands are reached through the parser


def cmd_validate(args: argparse.Namespace) -> int:
    from innoscore.data.validation import validate

    report = validate(args.data_dir, extracted_on=args.extracted_on)
    print(report.to_text())
    if args.json:
        report.write_json(args.json)
        print(f"report written to {args.json}")
    return EXIT_OK if report.ok else EXIT_BAD_INPUT


def cmd_synth(args: argparse.Namespace) -> int:
    from innoscore.data.synth import synthesize, truth_dir_for

    spec = synth_spec(args)
    out = Path(args.out)
    truth = Path(args.truth) if args.truth else truth_dir_for(out)
    check_out(out, args.overwrite)
    check_out(truth, args.overwrite)
    t0 = time.perf_counter()
    synthesize(spec, out, truth, fmt=args.format)
    print(f"synthetic province: {spec.enterprises:,} enterprises, seed {spec.seed}, loans {spec.start}..{spec.end} "
          f"({time.perf_counter() - t0:.1f} s)")
    print(f"  input tables: {out}")
    print(f"  ground truth: {truth}  (not an input; for measuring models)")
    return EXIT_OK


def cmd_summary(args: argparse.Namespace) -> int:
    from innoscore.data.summary import format_data_summary
    from innoscore.data.validation import load

    print(format_data_summary(load(args.data_dir)))
    return EXIT_OK


def cmd_contract(args: argparse.Namespace) -> int:
    from innoscore.data.contract_doc import markdown

    print(markdown())
    return EXIT_OK


def cmd_indicators(args: argparse.Namespace) -> int:
    from innoscore.data.validation import load
    from innoscore.indicators import build, load_catalog
    from innoscore.indicators.build import write_indicators
    from innoscore.indicators.summary import format_indicator_summary

    catalog = load_catalog(args.catalog)
    data = load(args.data_dir)
    as_of = as_of_date(args, data.extracted_on)
    t0 = time.perf_counter()
    table = build(data, as_of, catalog)
    seconds = time.perf_counter() - t0
    write_indicators(table, as_of, args.out)
    print(format_indicator_summary(table, catalog, as_of))
    print(f"{len(table):,} enterprises x {len(catalog)} indicators built in {seconds:.1f} s; written to {args.out}")
    return EXIT_OK


def add_commands(sub) -> None:
    """Add this room's commands to the ``innoscore`` parser's subcommands."""
    p = sub.add_parser("validate", help="check a data folder against the data contract",
                       description="Check every table of DATA_DIR and report all problems, grouped by table and "
                                   "column. Exit 0 when valid, 2 when not.")
    p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
    p.add_argument("--json", metavar="FILE", type=Path, help="also write the report as JSON")
    p.add_argument("--extracted-on", type=date_arg, metavar="YYYY-MM-DD",
                   help="extraction date; default: dataset.yaml's extracted_on, else today")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("synth", help="generate a synthetic province",
                       description="Generate the ten input tables of a synthetic province into --out and its "
                                   "ground truth (true PDs) into a separate folder.")
    add_spec_options(p, 20_000)
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the input tables")
    p.add_argument("--truth", type=Path, metavar="DIR", help="folder for the ground truth (default DIR/../NAME_truth)")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="file format (default parquet)")
    p.add_argument("--overwrite", action="store_true", help="replace --out and the truth folder if they hold files")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("summary", help="print counts per table, city, certification and loan default rates")
    p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("contract", help="print the data contract (the input tables and their rules) as Markdown")
    p.set_defaults(func=cmd_contract)

    p = sub.add_parser("indicators", help="build the point-in-time indicator table of a data folder",
                       description="Build one row per enterprise existing at --as-of, one column per indicator of "
                                   "the catalog, using only what was known at --as-of; write it to --out (Parquet).")
    p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
    p.add_argument("--as-of", type=date_arg, metavar="YYYY-MM-DD", help="as-of date (default: the extraction date)")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.parquet", help="where to write the table")
    p.add_argument("--catalog", type=Path, metavar="FILE", help="indicator catalog (default features/indicators.yaml)")
    p.set_defaults(func=cmd_indicators)
