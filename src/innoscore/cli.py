"""The ``innoscore`` command.

Exit status: 0 success, 2 bad input (invalid data, arguments or configuration),
1 an unexpected failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from innoscore.data.validation_report import DataError
from innoscore.errors import InnoscoreError, UsageError

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD; got {text!r}") from None


def _whole(text: str, minimum: int) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number; got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a number >= {minimum}; got {value}")
    return value


def _positive_int(text: str) -> int:
    return _whole(text, 1)


def _non_negative_int(text: str) -> int:
    return _whole(text, 0)


# ----------------------------------------------------------------------------- commands


def cmd_validate(args: argparse.Namespace) -> int:
    from innoscore.data.validation import validate

    report = validate(args.data_dir, extracted_on=args.extracted_on)
    print(report.to_text())
    if args.json:
        report.write_json(args.json)
        print(f"report written to {args.json}")
    return EXIT_OK if report.ok else EXIT_BAD_INPUT


def _check_out(out: Path, overwrite: bool) -> None:
    from innoscore.io import out_folder

    out_folder(out)
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise UsageError(f"--out {out} is not empty; pass --overwrite to replace it")


def cmd_synth(args: argparse.Namespace) -> int:
    from innoscore.data.synth import synthesize, truth_dir_for

    spec = _spec(args)
    out = Path(args.out)
    truth = Path(args.truth) if args.truth else truth_dir_for(out)
    _check_out(out, args.overwrite)
    _check_out(truth, args.overwrite)
    t0 = time.perf_counter()
    synthesize(spec, out, truth, fmt=args.format)
    print(f"synthetic province: {spec.enterprises:,} enterprises, seed {spec.seed}, loans {spec.start}..{spec.end} "
          f"({time.perf_counter() - t0:.1f} s)")
    print(f"  input tables: {out}")
    print(f"  ground truth: {truth}  (not an input; for measuring models)")
    return EXIT_OK


def _spec(args: argparse.Namespace):
    from innoscore.data.synth import SynthSpec

    try:
        return SynthSpec(enterprises=args.enterprises, seed=args.seed, start=args.start, end=args.end)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def cmd_summary(args: argparse.Namespace) -> int:
    from innoscore.data.summary import format_data_summary
    from innoscore.data.validation import load

    print(format_data_summary(load(args.data_dir)))
    return EXIT_OK


def _as_of(args: argparse.Namespace, extracted_on: dt.date) -> dt.date:
    as_of = args.as_of or extracted_on
    if as_of > extracted_on:
        raise UsageError(f"--as-of {as_of} is after the data's extraction date {extracted_on}: "
                         "what happened in between is not in the data")
    return as_of


def cmd_indicators(args: argparse.Namespace) -> int:
    from innoscore.data.validation import load
    from innoscore.indicators import build, load_catalog
    from innoscore.indicators.build import write_indicators
    from innoscore.indicators.summary import format_indicator_summary

    catalog = load_catalog(args.catalog)
    data = load(args.data_dir)
    as_of = _as_of(args, data.extracted_on)
    t0 = time.perf_counter()
    table = build(data, as_of, catalog)
    seconds = time.perf_counter() - t0
    write_indicators(table, as_of, args.out)
    print(format_indicator_summary(table, catalog, as_of))
    print(f"{len(table):,} enterprises x {len(catalog)} indicators built in {seconds:.1f} s; written to {args.out}")
    return EXIT_OK


def _points_run(args: argparse.Namespace):
    from innoscore.data.validation import load
    from innoscore.indicators import load_catalog
    from innoscore.points import load_points_config
    from innoscore.points.run import points_and_checks

    config = load_points_config(args.config, load_catalog(args.catalog))
    data = load(args.data_dir)
    return points_and_checks(data, _as_of(args, data.extracted_on), config)


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


DEFAULT_MODEL_URI = "models:/innoscore-credit@champion"


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
    as_of = _as_of(args, data.extracted_on)
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


def _store(args: argparse.Namespace):
    from innoscore.run import load_monthly
    from innoscore.serve.store import Store

    url = args.db or load_monthly().port
    if not url:
        raise UsageError("no port database: pass --db URL or set port: in pipelines/monthly.yaml")
    return Store(url)


def _owners() -> dict:
    from innoscore.matching.products import load_products

    return load_products().owners


def cmd_keys_add(args: argparse.Namespace) -> int:
    owners = _owners()
    if args.owner not in owners:
        raise UsageError(f"unknown owner {args.owner!r}; the product catalog's owners: {', '.join(sorted(owners))}")
    if args.expires is not None and args.expires < dt.date.today():
        raise UsageError(f"--expires {args.expires} is in the past")
    key_id, secret = _store(args).add_key(args.owner, args.expires, args.note)
    print(f"key {key_id} for {args.owner}" + (f", valid until {args.expires}" if args.expires else "") +
          "; the secret is shown once, only its hash is stored:")
    print(secret)
    return EXIT_OK


def cmd_keys_list(args: argparse.Namespace) -> int:
    from innoscore.serve.store import format_keys

    print(format_keys(_store(args).keys(args.owner), dt.date.today()))
    return EXIT_OK


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    n = _store(args).revoke(args.key)
    if not n:
        raise UsageError(f"no active key {args.key!r} (a key id or an owner); `innoscore keys list` shows them")
    print(f"revoked {n} key(s)")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    import pandas as pd

    rows = _store(args).audit_rows(args.owner, args.limit)
    with pd.option_context("display.width", 200, "display.max_colwidth", 80, "display.max_rows", None):
        print(rows.astype(object).where(rows.notna(), "-").to_string(index=False) if len(rows) else
              "no requests recorded")
    return EXIT_OK


def cmd_outcomes_export(args: argparse.Namespace) -> int:
    n, decisions = _store(args).export_feedback(args.out)
    print(f"{n:,} reported loans (the loans contract's columns) written to {args.out}; decisions stored: "
          + (", ".join(f"{k} {v:,}" for k, v in decisions.items()) or "none"))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from innoscore.run import load_monthly
    from innoscore.serve.app import Limits, create_app

    runs = args.runs or load_monthly().runs
    if not Path(runs).is_dir():
        raise UsageError(f"--runs {runs} is not a folder of published months")
    app = create_app(runs, _store(args), Limits(args.max_body, args.rate, args.burst))
    print(f"serving {runs} at http://{args.host}:{args.port}/ (API docs at /docs); Ctrl-C stops")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


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


def cmd_contract(args: argparse.Namespace) -> int:
    from innoscore.data.contract_doc import markdown

    print(markdown())
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from innoscore.demo import run_demo

    return run_demo(_spec(args), Path(args.out), args.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI"))


# ----------------------------------------------------------------------------- parser


def _add_spec_options(p: argparse.ArgumentParser, default_n: int) -> None:
    p.add_argument("--enterprises", type=_positive_int, default=default_n, metavar="N",
                   help=f"number of enterprises (default {default_n:,})")
    p.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives identical files (default 7)")
    p.add_argument("--start", default="2019-01", metavar="YYYY-MM", help="first month of loans (default 2019-01)")
    p.add_argument("--end", default="2026-10", metavar="YYYY-MM",
                   help="last month; the extraction date is its last day (default 2026-10)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="innoscore",
        description="Enterprise innovation points, credit scoring and bank matching. "
                    "Exit status: 0 ok, 2 bad input, 1 unexpected failure.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a data folder against the data contract",
                       description="Check every table of DATA_DIR and report all problems, grouped by table and "
                                   "column. Exit 0 when valid, 2 when not.")
    p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
    p.add_argument("--json", metavar="FILE", type=Path, help="also write the report as JSON")
    p.add_argument("--extracted-on", type=_date, metavar="YYYY-MM-DD",
                   help="extraction date; default: dataset.yaml's extracted_on, else today")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("synth", help="generate a synthetic province",
                       description="Generate the ten input tables of a synthetic province into --out and its "
                                   "ground truth (true PDs) into a separate folder.")
    _add_spec_options(p, 20_000)
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the input tables")
    p.add_argument("--truth", type=Path, metavar="DIR", help="folder for the ground truth (default DIR/../NAME_truth)")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="file format (default parquet)")
    p.add_argument("--overwrite", action="store_true", help="replace --out and the truth folder if they hold files")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("summary", help="print counts per table, city, certification and loan default rates")
    p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("indicators", help="build the point-in-time indicator table of a data folder",
                       description="Build one row per enterprise existing at --as-of, one column per indicator of "
                                   "the catalog, using only what was known at --as-of; write it to --out (Parquet).")
    p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
    p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="as-of date (default: the extraction date)")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.parquet", help="where to write the table")
    p.add_argument("--catalog", type=Path, metavar="FILE", help="indicator catalog (default features/indicators.yaml)")
    p.set_defaults(func=cmd_indicators)

    def points_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
        p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="as-of date (default: the extraction date)")
        p.add_argument("--config", type=Path, metavar="FILE", help="points configuration (default features/points.yaml)")
        p.add_argument("--catalog", type=Path, metavar="FILE", help="indicator catalog (default features/indicators.yaml)")

    p = sub.add_parser("points", help="innovation points and certification checks (see also: points explain)",
                       description="Score every enterprise's innovation points (企业创新积分) and check it against the "
                                   "certification rules; write points.parquet and certification_checks.parquet to "
                                   "--out. `innoscore points explain DATA_DIR --enterprise ID` explains one enterprise.")
    points_options(p)
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the two tables")
    p.set_defaults(func=cmd_points)

    p = sub.add_parser("points-explain", help="(written `points explain`) explain one enterprise's points",
                       description="Print each indicator's value, reference, weight and points, the bonuses and "
                                   "penalties, the total and the certification checks of one enterprise.")
    points_options(p)
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

    def match_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("data_dir", metavar="DATA_DIR", type=Path)
        p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="as-of date (default: the extraction date)")
        p.add_argument("--model", default=DEFAULT_MODEL_URI, metavar="URI",
                       help=f"the credit model (default {DEFAULT_MODEL_URI})")
        p.add_argument("--tracking-uri", metavar="URI", help="MLflow tracking URI (as for train)")
        p.add_argument("--products", type=Path, metavar="FILE",
                       help="product catalog (default pipelines/products.yaml)")
        p.add_argument("--catalog", type=Path, metavar="FILE", help="indicator catalog (default features/indicators.yaml)")

    p = sub.add_parser("match", help="shortlists per bank and fund, the 十百千万 tiers, first-loan lists and subsidies "
                                     "(see also: match explain)",
                       description="Score every enterprise of DATA_DIR (points, certification checks, PD from the "
                                   "model), rank the eligible, consenting enterprises for each product of the catalog, "
                                   "fill the tiers and the first-loan work lists, compute the policy subsidies of the "
                                   "year to date, and write tiers.parquet, first_loan.parquet, near_misses.parquet, "
                                   "subsidies.parquet and shortlists/ (one xlsx and csv per owner) into --out. "
                                   "`innoscore match explain DATA_DIR --enterprise ID` explains one enterprise.")
    match_options(p)
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the results")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the bank files (default zh)")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it holds files")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("match-explain", help="(written `match explain`) every product's rules for one enterprise",
                       description="Print, for one enterprise, every product with the rules it met and failed, its "
                                   "consent, suggested amount and shortlist rank, its tiers, near misses and subsidies.")
    match_options(p)
    p.add_argument("--enterprise", required=True, metavar="ID", help="the enterprise's unified social credit code")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the rules (default en)")
    p.set_defaults(func=cmd_match_explain)

    p = sub.add_parser("run", help="the monthly run: score, match and publish one month into runs/YYYY-MM",
                       description="Validate the data folder, build indicators, points and certification checks, "
                                   "score with the credit model, match to the product catalog and publish the month "
                                   "as RUNS/YYYY-MM (indicators, points, scores, tiers, shortlists, first-loan lists, "
                                   "subsidies, programme statistics, drift, backtest, report.html, manifest.json). "
                                   "Defaults come from pipelines/monthly.yaml. Bad input stops the run before "
                                   "anything is written; an existing month is replaced only with --force, and stays "
                                   "whole until the new one is complete.")
    p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="as-of date (default: the data's extraction date)")
    p.add_argument("--config", type=Path, metavar="FILE", help="run definition (default pipelines/monthly.yaml)")
    p.add_argument("--data", type=Path, metavar="DIR", help="data folder (default: the run definition's)")
    p.add_argument("--runs", type=Path, metavar="DIR", help="where months are published (default: the run definition's)")
    p.add_argument("--model", metavar="URI", help="the credit model (default: the run definition's)")
    p.add_argument("--tracking-uri", metavar="URI", help="MLflow tracking URI (default: the run definition's)")
    p.add_argument("--products", type=Path, metavar="FILE", help="product catalog (default: the run definition's)")
    p.add_argument("--lang", choices=("zh", "en"), help="language of the bank files (default: the run definition's)")
    p.add_argument("--port-db", metavar="URL",
                   help="the data port's database whose reported loans count as loans (default: the run definition's)")
    p.add_argument("--block", type=_positive_int, metavar="N",
                   help="enterprises per block of the per-enterprise steps: fewer use less memory, the results are "
                        "the same (default: the run definition's, 100,000)")
    p.add_argument("--force", action="store_true", help="replace an existing month")
    p.add_argument("--quiet", action="store_true", help="print only the result")
    p.set_defaults(func=cmd_run)

    def month_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--run", type=Path, metavar="RUNS/YYYY-MM",
                       help="a published month: its date, PD and the data folder it read (checked unchanged)")
        p.add_argument("--data", type=Path, metavar="DIR", help="a data folder (with --run: the folder the run read)")
        p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="with --data: the date (default: extraction)")
        p.add_argument("--model", metavar="URI", help="with --data: the credit model for PD (default: pipelines/monthly.yaml's)")
        p.add_argument("--tracking-uri", metavar="URI", help="MLflow tracking URI (default: pipelines/monthly.yaml's)")
        p.add_argument("--products", type=Path, metavar="FILE", help="product catalog (default pipelines/products.yaml)")

    p = sub.add_parser("weights-diff", help="(written `weights diff`) compare two weights files on one month",
                       description="Re-score one month with the weights of OLD and of NEW (each a complete points "
                                   "file like features/points.yaml, or one with only groups and weights) and report "
                                   "Spearman and Kendall between the rankings, moves in and out of each tier, the "
                                   "enterprises whose eligibility for a product changes, and the effective weights "
                                   "side by side. Writes CSV files and diff.html into --out.")
    p.add_argument("old", type=Path, metavar="OLD.yaml", help="the current weights")
    p.add_argument("new", type=Path, metavar="NEW.yaml", help="the proposed weights")
    month_options(p)
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
    month_options(p)
    p.add_argument("--draws", type=_positive_int, default=1000, help="number of draws (default 1000)")
    p.add_argument("--method", choices=("dirichlet", "uniform"), default="dirichlet",
                   help="dirichlet: around the current weights; uniform: each weight times 1 ± noise (default dirichlet)")
    p.add_argument("--noise", type=float, default=0.1,
                   help="dirichlet: relative standard deviation of an average weight; uniform: the ± share (default 0.1)")
    p.add_argument("--keep-groups", action="store_true", help="keep each group's share; move weights within groups")
    p.add_argument("--references", type=float, default=0.0, metavar="X",
                   help="move each reference value by up to ±X (e.g. 0.2; default 0)")
    p.add_argument("--linear-share", type=float, default=0.0, metavar="P",
                   help="chance that a log indicator is scored capped-linear in a draw (default 0)")
    p.add_argument("--seed", type=_non_negative_int, default=0, help="random seed, 0 or more (default 0)")
    p.add_argument("--out", type=Path, default=Path("weights-stability"), metavar="DIR",
                   help="folder for stability.csv and boundaries.csv (default ./weights-stability)")
    p.set_defaults(func=cmd_weights_stability)

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", metavar="URL", help="the port's database, an SQLAlchemy URL or an SQLite file "
                                                   "(default: port in pipelines/monthly.yaml)")

    p = sub.add_parser("serve", help="the bank data port: shortlists, enterprise details and outcome reports over HTTP",
                       description="Serve the published months to the banks and funds: each API key reads only its "
                                   "owner's shortlists and enterprises that consent to it, and reports loan outcomes "
                                   "back (POST /v1/outcomes). A web page for bank staff at /, API docs at /docs.")
    p.add_argument("--runs", type=Path, metavar="DIR", help="the published months (default: pipelines/monthly.yaml's)")
    db_option(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_positive_int, default=8000, help="port (default 8000)")
    p.add_argument("--max-body", type=_positive_int, default=20_000_000, metavar="BYTES",
                   help="largest request body accepted (default 20,000,000)")
    p.add_argument("--rate", type=_positive_int, default=50, help="requests a second per key (default 50)")
    p.add_argument("--burst", type=_positive_int, default=200, help="requests a key may send at once (default 200)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("keys-add", help="(written `keys add OWNER`) a new API key for a bank or fund")
    p.add_argument("owner", metavar="OWNER", help="the owner code of the product catalog, e.g. ICBC")
    p.add_argument("--expires", type=_date, metavar="YYYY-MM-DD", help="last day the key is valid")
    p.add_argument("--note", help="a note kept with the key (who holds it)")
    db_option(p)
    p.set_defaults(func=cmd_keys_add)
    p = sub.add_parser("keys-list", help="(written `keys list [OWNER]`) the keys and their state")
    p.add_argument("owner", nargs="?", metavar="OWNER")
    db_option(p)
    p.set_defaults(func=cmd_keys_list)
    p = sub.add_parser("keys-revoke", help="(written `keys revoke KEY_ID|OWNER`) revoke a key, or all of an owner's")
    p.add_argument("key", metavar="KEY_ID|OWNER")
    db_option(p)
    p.set_defaults(func=cmd_keys_revoke)
    p = sub.add_parser("outcomes-export", help="(written `outcomes export OUT`) the loans the banks reported, as a "
                                               "loans table (the monthly run reads them from the database itself)")
    p.add_argument("out", type=Path, metavar="OUT.parquet|OUT.csv")
    db_option(p)
    p.set_defaults(func=cmd_outcomes_export)
    p = sub.add_parser("audit", help="the data port's requests: who read what, when, and the answer")
    p.add_argument("--owner", metavar="OWNER", help="only this owner's requests")
    p.add_argument("--limit", type=_positive_int, default=50, help="the latest N requests (default 50)")
    db_option(p)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("contract", help="print the data contract (the input tables and their rules) as Markdown")
    p.set_defaults(func=cmd_contract)

    p = sub.add_parser("demo", help="run the whole flow on a freshly generated synthetic province",
                       description="Generate the synthetic province into OUT/province, validate it, summarise it, "
                                   "build the indicators and innovation points, train, register and promote the "
                                   "credit model, and run the latest month (with the month before and a year "
                                   "before) on the monthly runner into OUT/runs. Replaces what an earlier demo left "
                                   "in OUT.")
    _add_spec_options(p, 20_000)
    p.add_argument("--out", type=Path, default=Path("demo"), metavar="OUT", help="output folder (default ./demo)")
    p.add_argument("--tracking-uri", metavar="URI",
                   help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///OUT/mlflow.db)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] in (["points", "explain"], ["points", "references"], ["match", "explain"], ["weights", "diff"],
                    ["weights", "stability"], ["keys", "add"], ["keys", "list"], ["keys", "revoke"],
                    ["outcomes", "export"]):
        argv = [f"{argv[0]}-{argv[1]}", *argv[2:]]
    if argv[:1] == ["weights"]:  # `weights` alone is no command: say which there are
        print("usage: innoscore weights diff OLD.yaml NEW.yaml (--run RUNS/YYYY-MM | --data DIR) [...]\n"
              "       innoscore weights stability [WEIGHTS.yaml] (--run RUNS/YYYY-MM | --data DIR) [...]\n"
              "`innoscore weights diff --help` and `innoscore weights stability --help` describe them.",
              file=sys.stdout if argv[1:2] in (["--help"], ["-h"]) else sys.stderr)
        return EXIT_OK if argv[1:2] in (["--help"], ["-h"]) else EXIT_BAD_INPUT
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DataError as exc:
        print(exc.report.to_text(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except InnoscoreError as exc:  # bad input or configuration: the message says what and where
        print(f"innoscore {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader went away (`| head`): no traceback, but no claim of success either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
