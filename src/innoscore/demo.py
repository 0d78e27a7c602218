"""The demo: make a synthetic province, look at it, train and promote the credit model, and run the
latest complete month (with the month before and the month a year before, so that the report has
drift and a backtest) on the same runner as the monthly batch."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Callable

from innoscore.credit.panel import PanelError

__all__ = ["run_demo", "DEMO_MONTHS"]

DEMO_MONTHS = (12, 1, 0)  # months before the latest month-end that the demo runs, oldest first
MODEL_URI = "models:/innoscore-credit@champion"


def _month_end(day, back: int):
    import pandas as pd

    return (pd.Timestamp(day) - pd.offsets.MonthEnd(back)).date() if back else day


def _credit(data, catalog, uri: str, say: Callable[[str], None]) -> str | None:
    """Train, register and promote the credit model; the version if it became champion."""
    from innoscore.credit.config import load_credit_config
    from innoscore.credit.registry import CHAMPION, promote, train_and_register
    from innoscore.credit.train import format_result

    config = load_credit_config()
    try:
        result, run_id, version = train_and_register(data, config, catalog, uri)
    except PanelError as exc:
        say(f"skipped: {exc}")
        return None
    say(format_result(result))
    say(f"registered {config.registered_model} version {version} (run {run_id})")
    gates = promote(version, config.gates, config.registered_model, uri)
    for gate, (ok, text) in gates.items():
        say(f"  {'pass' if ok else 'FAIL'} {gate}: {text}")
    if not all(ok for ok, _ in gates.values()):
        say(f"version {version} NOT promoted: a gate failed")
        return None
    say(f"version {version} is now @{CHAMPION}")
    return version


def _port_keys(config, port_db: Path, runs: Path) -> str:
    """A demo key per bank in the port's database, and the command that starts the port."""
    from innoscore.matching.products import load_products
    from innoscore.serve.store import Store

    store = Store(port_db)
    banks = sorted(c for c, o in load_products(config.products).owners.items() if o.kind == "bank")
    lines = [f"  data port:     innoscore serve --runs {runs} --db sqlite:///{port_db}   (then http://127.0.0.1:8000/)",
             "                 demo keys (one per bank; `innoscore keys list --db ...` lists them):"]
    for bank in banks:
        lines.append(f"                   {bank:<14} {store.add_key(bank, note='demo')[1]}")
    return "\n".join(lines)


def run_demo(spec, root: Path, tracking_uri: str | None = None, say: Callable[[str], None] = print) -> int:
    """Run the whole flow into ``root`` (replacing what an earlier demo left there); the exit status."""
    from innoscore.data.summary import format_data_summary
    from innoscore.data.synth import synthesize, truth_dir_for
    from innoscore.data.validation import read
    from innoscore.indicators import build, load_catalog
    from innoscore.indicators.build import write_indicators
    from innoscore.indicators.summary import format_indicator_summary
    from innoscore.matching.match import format_match
    from innoscore.points import load_points_config
    from innoscore.points.run import format_points, points_and_checks, write_points
    from innoscore.publish import LOCK_FILE, lock
    from innoscore.run import load_monthly, month_of, run_month

    steps = 7
    data_dir = root / "province"
    truth_dir = truth_dir_for(data_dir)
    say(f"[1/{steps}] generating the synthetic province: {spec.enterprises:,} enterprises, seed {spec.seed}, "
        f"loans {spec.start}..{spec.end}")
    t0 = time.perf_counter()
    synthesize(spec, data_dir, truth_dir)
    say(f"      done in {time.perf_counter() - t0:.1f} s")
    say(f"[2/{steps}] validating it against the data contract")
    report, data = read(data_dir)
    say(report.to_text())
    if not report.ok:
        return 2
    say(f"[3/{steps}] summary")
    say(format_data_summary(data))
    say("")
    say(f"[4/{steps}] indicators as of the last month-end, {data.extracted_on}")
    catalog = load_catalog()
    table = build(data, data.extracted_on, catalog)
    indicators_file = root / "indicators.parquet"
    write_indicators(table, data.extracted_on, indicators_file)
    say(format_indicator_summary(table, catalog, data.extracted_on))
    say("")
    say(f"[5/{steps}] innovation points and certification checks as of {data.extracted_on}")
    result = points_and_checks(data, data.extracted_on, load_points_config(catalog=catalog), indicators=table)
    points_dir = root / "points"
    write_points(result, points_dir)
    say(format_points(result))
    say("")
    uri = tracking_uri
    if uri is None:  # the demo's own store: replaced like the rest of OUT
        (root / "mlflow.db").unlink(missing_ok=True)
        shutil.rmtree(root / "mlartifacts", ignore_errors=True)
        uri = f"sqlite:///{(root / 'mlflow.db').resolve()}"
    say(f"[6/{steps}] credit model: train on the panel of month-ends, register and promote (MLflow at {uri})")
    version = _credit(data, catalog, uri, say)
    say("")
    runs = root / "runs"
    if runs.is_dir():
        with lock(runs):  # the months of an earlier demo's province go; not while a run writes there
            for p in runs.iterdir():
                if p.name != LOCK_FILE:
                    p.unlink() if p.is_symlink() or p.is_file() else shutil.rmtree(p)
    last = None
    if version is not None:
        port_db = root / "port.db"
        port_db.unlink(missing_ok=True)  # an earlier demo's keys and reported loans go with its province
        config = load_monthly().with_(data=data_dir, runs=runs, model=MODEL_URI, tracking_uri=uri,
                                      port=f"sqlite:///{port_db.resolve()}")
        months = [_month_end(data.extracted_on, back) for back in DEMO_MONTHS]
        say(f"[7/{steps}] the monthly run on the same runner as the batch: {', '.join(month_of(m) for m in months)} "
            "(the last is the one to read; the earlier two give it drift and a backtest)")
        for as_of in months:
            t0 = time.perf_counter()
            last = run_month(as_of, config, say=None)
            say(f"  published {last.folder} in {time.perf_counter() - t0:.1f} s")
        say(format_match(last.match))
    else:
        say(f"[7/{steps}] monthly run skipped: no champion model")
    say("")
    say("results:")
    say(f"  input tables   {data_dir}")
    say(f"  ground truth   {truth_dir}")
    say(f"  indicators     {indicators_file}")
    say(f"  points         {points_dir / 'points.parquet'}, {points_dir / 'certification_checks.parquet'}")
    if last is not None:
        say(f"  credit model   {MODEL_URI} (version {version}) in {uri}")
        say(f"  the month      {last.folder}: report.html (English: report_en.html), manifest.json")
        say(f"  shortlists     {last.folder / 'shortlists'} (one xlsx and csv per bank and fund)")
        say(f"  tiers, lists   {last.folder}: tiers, first_loan, near_misses, subsidies, statistics (.parquet)")
        say(f"  see the runs:  mlflow ui --backend-store-uri {uri}")
        first = last.match.tiers["enterprise_id"].iloc[0] if len(last.match.tiers) else "ID"
        say(f"  explain one:   innoscore match explain {data_dir} --tracking-uri {uri} --enterprise {first}")
        say(f"  weights:       make notebooks (notebooks/01_refine_weights.ipynb), or innoscore weights stability "
            f"--run {last.folder}")
        say(_port_keys(config, port_db, runs))
    say(f"  try: innoscore validate {data_dir}")
    return 0
