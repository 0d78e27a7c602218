"""The scoring commands: innovation points, their explanations and reference values; training and promoting
the credit model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from innoscore.cli.common import EXIT_BAD_INPUT, EXIT_OK, as_of_date, date_arg
from innoscore.errors import UsageError

__all__ = ["add_commands"]  # the commands are reached through the parser


def _points_run(args: argparse.Namespace):
    from innoscore.data.validation import load
    from innoscore.indicators import load_catalog
    from innoscore.points import load_points_config
    from innoscore.points.run import points_and_checks

    config = load_points_config(args.config, load_catalog(args.catalog))
    data = load(args.data_dir)
    return points_and_checks(data, as_of_date(args, data.extracted_on), config)


def cmd_points(args: argparse.Namespace) -> int:
    from innoscore.points.run import format_points, write_points

    from innoscore.io import out_folder

    out = out_folder(args.out)
    result = _points_run(args)
    write_points(result, out)
    print(format_points(result))
    print(f"written: {out / 'points.parquet'}, {out / 'certification_checks.parquet'} (one row per enterprise, "
          "certification and condition)")
    return EXIT_OK


def cmd_points_explain(args: argparse.Namespace) -> int:
    from innoscore.points.explain import explain_enterprise

    result = _points_run(args)
    try:
        print(explain_enterprise(result, args.enterprise))
    except KeyError:
        raise UsageError(f"--enterprise {args.enterprise} is not among the {len(result.points):,} enterprises "
                         f"existing on {result.as_of}") from None
    return EXIT_OK


def cmd_points_references(args: argparse.Namespace) -> int:
    import pandas as pd

    from innoscore.data.validation import load
    from innoscore.indicators import load_catalog
    from innoscore.points import load_points_config
    from innoscore.points.references import derive_from_data, format_references

    if not 1900 < args.year < 2200:
        raise UsageError(f"--year {args.year}: expected a year such as 2026")
    config = load_points_config(args.config, load_catalog(args.catalog))
    rules, how = derive_from_data(load(args.data_dir), args.year, config)  # ReferencesError: exit 2
    with pd.option_context("display.width", 200, "display.float_format", "{:,.4g}".format):
        print(how.to_string(index=False), file=sys.stderr)
    print(f"# paste under reference_values in {config.source}")
    print(format_references(args.year, rules, config.reference_rule))
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    from innoscore.credit.config import load_credit_config
    from innoscore.credit.registry import tracking_uri, train_and_register
    from innoscore.credit.train import format_result
    from innoscore.data.validation import load
    from innoscore.indicators import load_catalog

    config = load_credit_config(args.config)
    catalog = load_catalog(args.catalog)
    data = load(args.data_dir)
    result, run_id, version = train_and_register(data, config, catalog, args.tracking_uri, str(args.data_dir))
    print(format_result(result))
    print(f"registered {config.registered_model} version {version} (run {run_id}) in {tracking_uri(args.tracking_uri)}")
    print(f"next: innoscore promote {version}" + (f" --tracking-uri {args.tracking_uri}" if args.tracking_uri else ""))
    return EXIT_OK


def _print_gates(results: dict[str, tuple[bool, str]]) -> None:
    for gate, (ok, text) in results.items():
        print(f"  {'pass' if ok else 'FAIL'} {gate}: {text}")


def cmd_promote(args: argparse.Namespace) -> int:
    from innoscore.credit.config import load_credit_config
    from innoscore.credit.registry import CHAMPION, promote

    config = load_credit_config(args.config)
    name = config.registered_model
    try:
        results = promote(args.version, config.gates, name, args.tracking_uri)
    except Exception as exc:  # MLflow raises its own kinds for an unknown version
        if type(exc).__name__ in ("MlflowException", "RestException"):
            raise UsageError(f"no version {args.version} of {name}: {str(exc).splitlines()[0]}") from None
        raise
    _print_gates(results)
    failed = [g for g, (ok, _) in results.items() if not ok]
    if failed:
        print(f"{name} version {args.version} NOT promoted; failing gates: {', '.join(failed)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{name} version {args.version} is now @{CHAMPION}")
    return EXIT_OK


def _points_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
    p.add_argument("--as-of", type=date_arg, metavar="YYYY-MM-DD", help="as-of date (default: the extraction date)")
    p.add_argument("--config", type=Path, metavar="FILE", help="points configuration (default features/points.yaml)")
    p.add_argument("--catalog", type=Path, metavar="FILE", help="indicator catalog (default features/indicators.yaml)")


def add_commands(sub) -> None:
    """Add this room's commands to the ``innoscore`` parser's subcommands."""
    p = sub.add_parser("points", help="innovation points and certification checks (see also: points explain)",
                       description="Score every enterprise's innovation points (企业创新积分) and check it against the "
                                   "certification rules; write points.parquet and certification_checks.parquet to "
                                   "--out. `innoscore points explain DATA_DIR --enterprise ID` explains one enterprise.")
    _points_options(p)
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the two tables")
    p.set_defaults(func=cmd_points)

    p = sub.add_parser("points-explain", help="(written `points explain`) explain one enterprise's points",
                       description="Print each indicator's value, reference, weight and points, the bonuses and "
                                   "penalties, the total and the certification checks of one enterprise.")
    _points_options(p)
    p.add_argument("--enterprise", required=True, metavar="ID", help="the enterprise's unified social credit code")
    p.set_defaults(func=cmd_points_explain)

    p = sub.add_parser("points-references", help="(written `points references`) reference values of a year by the "
                       "rule in points.yaml",
                       description="Apply the reference_rule of the points configuration to DATA_DIR for --year: "
                                   "each linear or log indicator's reference is a percentile of its values among the "
                                   "certificate holders at the end of the year before. Prints the YAML block to paste "
                                   "under reference_values (and, on stderr, how each value was found); scoring never "
                                   "recomputes them.")
    p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
    p.add_argument("--year", required=True, type=int, metavar="YYYY", help="the year the values are for")
    p.add_argument("--config", type=Path, metavar="FILE", help="points configuration (default features/points.yaml)")
    p.add_argument("--catalog", type=Path, metavar="FILE", help="indicator catalog (default features/indicators.yaml)")
    p.set_defaults(func=cmd_points_references)

    p = sub.add_parser("train", help="train the credit model, evaluate it out of time and register it in MLflow",
                       description="Build the training panel of DATA_DIR, fit the calibrated credit model, evaluate it "
                                   "and a logistic-regression baseline on the out-of-time test, and log everything "
                                   "to MLflow as a new version of the registered model.")
    p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
    p.add_argument("--tracking-uri", metavar="URI", help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, "
                                                         "else sqlite:///mlflow.db in the working directory)")
    p.add_argument("--config", type=Path, metavar="FILE", help="model specification (default models/credit.yaml)")
    p.add_argument("--catalog", type=Path, metavar="FILE", help="indicator catalog (default features/indicators.yaml)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("promote", help="give a registered model version the alias champion if it passes the gates",
                       description="Check the version's test figures against the gates in models/credit.yaml; set "
                                   "the alias champion only when all pass, else exit 2 naming each failing gate.")
    p.add_argument("version", metavar="VERSION")
    p.add_argument("--tracking-uri", metavar="URI", help="MLflow tracking URI (as for train)")
    p.add_argument("--config", type=Path, metavar="FILE", help="model specification (default models/credit.yaml)")
    p.set_defaults(func=cmd_promote)
