"""The monthly run: named steps from a data folder to a published month ``runs/YYYY-MM``.

    validate -> per enterprise, a block at a time: indicators, points, certification checks, scores
             -> matching -> programme statistics -> monitoring -> write -> report -> manifest -> publish

Every step is a function of the library; this module only wires them, times them and publishes
the month safely (:mod:`innoscore.publish`): bad input or configuration stops the run before
anything is written, a failing or killed run leaves the months as they were, and an existing month
is replaced only with ``force``.  The per-enterprise steps run on blocks of enterprises
(:func:`per_enterprise`, :func:`innoscore.data.partition.partitions`): the same values in a block's
memory, and the seam along which they could be spread over machines.

Why one module of about 450 lines: the run is one sequence of named steps around one manifest;
publishing, the lock and the report are in their own modules.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from innoscore.config import ConfigError, config_dir, load_yaml
from innoscore.data.contract import TABLES
from innoscore.errors import UsageError
from innoscore.io import sha256_file
from innoscore.resources import peak_gb, release_memory, reset_peak

__all__ = ["MonthlyConfig", "load_monthly", "run_month", "RunResult", "DEFAULT_MONTHLY", "month_of"]

DEFAULT_MONTHLY = "pipelines/monthly.yaml"
_KEYS = ("data", "runs", "model", "tracking_uri", "products", "lang", "port", "block", "targets")
DEFAULT_BLOCK = 100_000


@dataclass(frozen=True)
class MonthlyConfig:
    data: Path
    runs: Path
    model: str
    tracking_uri: str | None
    products: Path
    lang: str
    targets: dict = field(default_factory=dict)  # programme statistic -> target for the year
    source: str = "<memory>"
    block: int = DEFAULT_BLOCK  # enterprises per block of the per-enterprise steps
    port: str | None = None  # the data port's database: the banks' reported loans are read from it

    def with_(self, **changes: Any) -> MonthlyConfig:
        """The configuration with the given keys replaced (None leaves a key as it is)."""
        values = {k: getattr(self, k) for k in _KEYS}
        values.update({k: v for k, v in changes.items() if v is not None})
        return MonthlyConfig(Path(values["data"]), Path(values["runs"]), str(values["model"]),
                             values["tracking_uri"], Path(values["products"]), values["lang"], values["targets"],
                             self.source, int(values["block"]), values["port"])


def load_monthly(path: str | Path | None = None) -> MonthlyConfig:
    """Load and check ``pipelines/monthly.yaml`` (or another file)."""
    rel = Path(path) if path is not None else Path(DEFAULT_MONTHLY)
    source = str(rel if rel.is_absolute() else config_dir() / rel)
    doc = load_yaml(rel)
    if not isinstance(doc, dict) or not set(doc) <= set(_KEYS) or not {"data", "runs", "model"} <= set(doc):
        raise ConfigError(f"{source}: expected a mapping with data, runs, model and optionally "
                          f"{', '.join(_KEYS[3:])}; got {doc!r}")
    for key in _KEYS[:-2]:
        if key in doc and doc[key] is not None and not isinstance(doc[key], str):
            raise ConfigError(f"{source}: {key} must be a text; got {doc[key]!r}")
    lang = doc.get("lang", "zh")
    if lang not in ("zh", "en"):
        raise ConfigError(f"{source}: lang must be zh or en; got {lang!r}")
    from innoscore.monitoring.statistics import METRICS

    block = doc.get("block", DEFAULT_BLOCK)
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise ConfigError(f"{source}: block must be a whole number of enterprises, 1 or more; got {block!r}")
    targets = doc.get("targets") or {}
    if not isinstance(targets, dict) or any(k not in METRICS for k in targets) or any(
            isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0 for v in targets.values()):
        raise ConfigError(f"{source}: targets must map statistics ({', '.join(METRICS)}) to positive numbers; "
                          f"got {targets!r}")
    return MonthlyConfig(Path(doc["data"]), Path(doc["runs"]), doc["model"], doc.get("tracking_uri"),
                         Path(doc.get("products") or "pipelines/products.yaml"), lang, dict(targets), source, block,
                         doc.get("port"))


def with_feedback(loans: pd.DataFrame | None, port: str, as_of: dt.date) -> tuple[pd.DataFrame, int]:
    """The loans table with the loans the banks reported through the data port (approved outcomes) that it
    does not hold yet (the same bank and loan id), and how many were added.  A reported loan originated
    after ``as_of`` does not count yet."""
    from innoscore.serve.store import Store

    if "://" not in port or port.startswith("sqlite:///"):
        path = Path(port[len("sqlite:///"):] if port.startswith("sqlite:///") else port)
        if not path.is_file():  # no port has run against this file yet: no reported loans
            return loans, 0
    reported = Store(port).feedback_loans()
    reported = reported[reported["originated_on"] <= pd.Timestamp(as_of)]
    if loans is not None and len(loans) and len(reported):  # held already: the bank's own id, or ours
        raw = reported["loan_id"].str.split(":", n=1).str[1]
        held = pd.MultiIndex.from_frame(loans[["bank", "loan_id"]].astype(str))
        mine = pd.MultiIndex.from_arrays([reported["bank"], raw]).isin(held) | \
            reported["loan_id"].isin(set(loans["loan_id"].astype(str)))
        reported = reported[~mine]
    if not len(reported):
        return loans, 0
    if loans is None or not len(loans):
        return reported.reset_index(drop=True), len(reported)
    cols = list(loans.columns)
    return pd.concat([loans, reported.reindex(columns=cols).astype(loans.dtypes.to_dict(), errors="ignore")],
                     ignore_index=True), len(reported)


def month_of(as_of: dt.date) -> str:
    return f"{as_of.year:04d}-{as_of.month:02d}"


def months_before(month: str, n: int) -> str:
    y, m = map(int, month.split("-"))
    k = y * 12 + (m - 1) - n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def _earlier(runs: Path, month: str, n: int) -> tuple[Path | None, dict | None]:
    """The published month ``n`` months before, and its manifest, if there is one."""
    folder = runs / months_before(month, n)
    path = folder / "manifest.json"
    if not path.is_file():
        return None, None
    try:
        return folder, json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("innoscore")
    except PackageNotFoundError:
        return "unknown"


# tables that only the indicators read: the later steps (matching, statistics, monitoring) do without them
INDICATORS_ONLY = ("ip_rights", "awards", "penalties")


@dataclass
class PerEnterprise:
    """What the per-enterprise steps give for the whole province (indexed or keyed by enterprise_id)."""

    indicators: pd.DataFrame
    features: pd.DataFrame  # what the certification checks read that the indicators do not hold
    points: pd.DataFrame
    checks: pd.DataFrame  # one row per (enterprise, certification): result, holds, flag
    scores: pd.DataFrame  # enterprise_id, pd, score, grade, reasons


def per_enterprise(data, as_of: dt.date, points_config, model, checks_path: Path, block: int) -> PerEnterprise:
    """Indicators, points, certification checks and PD, score, grade and reasons, a block of ``block``
    enterprises at a time (:func:`innoscore.data.partition.partitions`): the same values as the whole
    province at once, in a block's memory.  The tables only the indicators read (:data:`INDICATORS_ONLY`)
    are taken out of ``data`` and let go a block at a time.  Every condition of every check goes to
    ``checks_path`` as it is computed (the province's 40 rows per enterprise are never held at once); the
    province percentile, the one value that depends on every enterprise, is computed at the end."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from innoscore.credit.scoring import score_enterprises
    from innoscore.data.partition import partitions
    from innoscore.points.certification import summarise
    from innoscore.points.engine import percentiles
    from innoscore.points.run import points_and_checks

    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in ("indicators", "features", "points", "checks", "scores")}
    writer = None
    try:
        for part in partitions(data, block, consume=INDICATORS_ONLY):
            run = points_and_checks(part, as_of, points_config)
            if len(run.indicators) == 0:  # none of the block's enterprises existed yet
                continue
            checks = pa.Table.from_pandas(run.checks, preserve_index=False)
            if writer is None:  # categories as 32-bit codes in every block (pandas picks 8 or 16 for few)
                schema = pa.schema([pa.field(f.name, pa.dictionary(pa.int32(), f.type.value_type))
                                    if pa.types.is_dictionary(f.type) else f for f in checks.schema],
                                   metadata=checks.schema.metadata)
                writer = pq.ParquetWriter(checks_path, schema)
            writer.write_table(checks.cast(schema))
            parts["checks"].append(summarise(run.checks, reasons=False))
            del checks, run.checks
            parts["indicators"].append(run.indicators)
            parts["features"].append(run.features.drop(columns=[c for c in run.features.columns
                                                                if c in run.indicators.columns]))
            parts["points"].append(run.points)
            parts["scores"].append(score_enterprises(model, run.indicators))
            del run, part
            release_memory()  # the block's working memory, before the next block's
    finally:
        if writer is not None:
            writer.close()
    if not parts["indicators"]:
        raise UsageError(f"no enterprise of the data existed on {as_of} (every founded_on is later)")
    out = {}
    for k in list(parts):  # one kind at a time, its blocks let go as soon as they are joined
        blocks = parts.pop(k)
        frame = pd.concat(blocks) if len(blocks) > 1 else blocks[0]
        for c in frame.columns:  # a block with no value in a text column made it objects: text again
            typed = {b[c].dtype for b in blocks if b[c].dtype != object}
            if frame[c].dtype == object and len(typed) == 1:
                frame[c] = frame[c].astype(typed.pop())
        out[k] = frame
        del blocks, frame
    out["checks"] = out["checks"].reset_index(drop=True).astype({"enterprise_id": "str"})
    out["scores"] = out["scores"].reset_index(drop=True)
    out["points"]["percentile"] = percentiles(out["points"]["total"].to_numpy())
    return PerEnterprise(**out)


@dataclass
class RunResult:
    month: str
    folder: Path
    manifest: dict
    steps: list[dict] = field(default_factory=list)
    match: Any = None  # the MatchResult, for a summary
    mlflow_run: str | None = None


def run_month(as_of: dt.date | None, config: MonthlyConfig, force: bool = False,
              say: Callable[[str], None] | None = print, progress: bool = False) -> RunResult:
    """Run and publish one month; returns where it went and the manifest.

    Raises :class:`~innoscore.errors.InnoscoreError` (exit 2 on the command line) for bad input or
    configuration, before anything is written.  ``say`` prints each step's line (None: nothing);
    ``progress`` shows the steps as live lines with a spinner and the elapsed time instead (for a terminal).
    """
    bar = None
    if progress:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        bar.start()
    try:
        return _run_month(as_of, config, force, say, bar)
    finally:
        if bar is not None:
            bar.stop()


def _run_month(as_of, config: MonthlyConfig, force: bool, say, bar) -> RunResult:
    from innoscore.credit.registry import load_credit_model
    from innoscore.credit.scoring import reason_texts
    from innoscore.data.validation import read
    from innoscore.data.validation_report import DataError
    from innoscore.indicators import load_catalog
    from innoscore.matching.export import industry_names
    from innoscore.matching.match import match, write_match
    from innoscore.matching.products import load_products
    from innoscore.matching.subsidies import load_subsidies
    from innoscore.monitoring.drift import backtest, psi_with_missing, stability
    from innoscore.monitoring.statistics import programme_statistics
    from innoscore.points import load_points_config
    from innoscore.publish import lock, publish
    from innoscore.report.html import render_report

    steps: list[dict] = []

    def step(name: str, fn: Callable[[], Any]) -> Any:
        task = bar.add_task(name, total=None) if bar is not None else None
        reset_peak()  # each step's own peak, where the system allows it
        t0 = time.perf_counter()
        out = fn()
        release_memory()  # what the step freed, back to the system before the next step
        steps.append({"step": name, "seconds": round(time.perf_counter() - t0, 3), "peak_gb": round(peak_gb(), 3)})
        if bar is not None:
            bar.update(task, total=1, completed=1, description=f"{name}: {steps[-1]['seconds']:.1f} s")
        elif say is not None:
            say(f"  {name}: {steps[-1]['seconds']:.1f} s")
        return out

    # configuration and model first: nothing is written when any of it is wrong
    catalog = load_catalog()
    products = load_products(config.products, catalog)
    points_config = load_points_config(catalog=catalog)
    subsidy_config = load_subsidies()
    report, data = step("validate", lambda: read(config.data))
    if not report.ok:
        raise DataError(report)
    as_of = as_of or data.extracted_on
    if as_of > data.extracted_on:
        raise UsageError(f"--as-of {as_of} is after the data's extraction date {data.extracted_on}")
    month = month_of(as_of)
    if config.runs.exists() and not config.runs.is_dir():
        raise UsageError(f"--runs {config.runs} is a file, not a folder")
    target = config.runs / month
    if (target.exists() or target.is_symlink()) and not force:
        raise UsageError(f"{target} exists; pass --force to replace it (the old month stays until the new one "
                         "is complete)")
    model, version = load_credit_model(config.model, config.tracking_uri)
    # one run per runs folder, from here to the published month; the month is built in a hidden folder
    # and moved into place only when complete
    with lock(config.runs), publish(target, force=force) as tmp:
        run = step(f"indicators, points, certification checks and scores (blocks of {config.block:,} enterprises)",
                   partial(per_enterprise, data, as_of, points_config, model, tmp / "certification_checks.parquet",
                           config.block))
        tables = {name: t for name, t in data.items() if name not in INDICATORS_ONLY}
        del data  # the tables only the indicators read are not needed any more
        scores = run.scores
        result = step("matching", lambda: match(
            tables, as_of, run.indicators, run.features, run.points, run.checks, scores,
            products, reason_texts(model), subsidy_config))
        result.model = config.model
        banks = {c for c, o in products.owners.items() if o.kind == "bank"}
        feedback = 0
        if config.port:  # the loans the banks reported through the data port count as loans too; those the
            # month counted are published with it (its manifest hashes them)
            before = len(tables["loans"]) if tables.get("loans") is not None else 0
            tables["loans"], feedback = with_feedback(tables.get("loans"), config.port, as_of)
            if feedback:
                tables["loans"].iloc[before:].to_parquet(tmp / "reported_loans.parquet", index=False)
        statistics = step("programme statistics", lambda: programme_statistics(
            tables, as_of, run.indicators.index, banks, config.targets))
        score_table = run.points.reset_index()[["enterprise_id", "total"]].rename(columns={"total": "points"}) \
            .merge(scores, on="enterprise_id", how="right")

        def monitoring() -> tuple:
            previous, _ = _earlier(config.runs, month, 1)
            drift = score_psi = None
            if previous is not None:
                before = pd.read_parquet(previous / "indicators.parquet")
                cols = [c for c in run.indicators.columns if c != "stage" and run.indicators[c].dtype.kind in "fiub"]
                drift = stability(before, run.indicators, cols)
                before_scores = pd.read_parquet(previous / "scores.parquet")["score"]
                score_psi = psi_with_missing(before_scores, score_table["score"])
            year_ago, manifest = _earlier(config.runs, month, 12)
            back = None
            if year_ago is not None:
                back = backtest(pd.read_parquet(year_ago / "scores.parquet"), tables,
                                dt.date.fromisoformat(manifest["as_of"]), as_of)
            return drift, score_psi, back

        drift, score_psi, back = step("monitoring", monitoring)
        def write() -> None:
            indicators = run.indicators.reset_index()
            indicators.insert(0, "as_of", pd.Timestamp(as_of))
            indicators.to_parquet(tmp / "indicators.parquet", index=False)
            run.points.reset_index().to_parquet(tmp / "points.parquet", index=False)
            score_table.to_parquet(tmp / "scores.parquet", index=False)
            write_match(result, tmp, config.lang)
            statistics.to_parquet(tmp / "statistics.parquet", index=False)
            if drift is not None:
                drift.to_parquet(tmp / "drift.parquet", index=False)
            if back is not None:
                back.to_parquet(tmp / "backtest.parquet", index=False)

        step("write", write)

        def report() -> None:
            pop = result.population.frame[["enterprise_id", "name", "city", "park", "industry"]]
            summary = {"as_of": as_of.isoformat(), "data": str(config.data), "model": config.model,
                       "model_version": version or "", "enterprises": f"{len(run.indicators):,}",
                       "shortlisted": f"{len(result.shortlists):,}", "tiered": f"{len(result.tiers):,}",
                       "first_loan": f"{len(result.first_loan):,}",
                       "subsidies": f"{result.subsidies['amount'].sum():,.0f}"}  # timings: the manifest
            industries = industry_names()
            pop_zh = pop.assign(industry=pop["industry"].map(lambda i: industries.get(i, i)))
            for lang, name, other in (("zh", "report.html", "report_en.html"), ("en", "report_en.html",
                                                                                 "report.html")):
                names = {p.id: p.name(lang) for p in products.products} | {t.id: t.name(lang)
                                                                          for t in products.tiers}
                text = render_report(lang=lang, month=month, summary=summary, scores=score_table,
                                     tiers=result.tiers, population=pop_zh if lang == "zh" else pop,
                                     shortlists=result.shortlists,
                                     drift=drift, score_psi=score_psi, backtest=back, statistics=statistics,
                                     names=names, other_language_file=other,
                                     industries=industries if lang == "zh" else None)
                (tmp / name).write_text(text, encoding="utf-8")

        step("report", report)
        outputs = {str(p.relative_to(tmp)): sha256_file(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
        inputs = sorted(p for p in Path(config.data).iterdir()
                        if p.is_file() and (p.stem in TABLES and p.suffix in (".parquet", ".csv")
                                            or p.name == "dataset.yaml"))
        manifest = {
            "month": month, "as_of": as_of.isoformat(), "data": str(config.data),
            "input_files": {p.name: sha256_file(p) for p in inputs},
            "configuration": {str(p): sha256_file(p) for p in sorted(
                [config_dir() / "features" / f for f in ("indicators.yaml", "points.yaml", "certifications.yaml",
                                                         "stages.yaml", "policy.yaml")]
                + [config_dir() / "synthetic" / "province.yaml", Path(products.source), Path(config.source)])
                if Path(p).is_file()},
            "model": {"uri": config.model, "version": version, "tracking_uri": config.tracking_uri},
            "package_version": _package_version(),
            "rows": {"enterprises": len(run.indicators), "shortlisted": len(result.shortlists),
                     "tiers": len(result.tiers), "first_loan": len(result.first_loan),
                     "subsidies": len(result.subsidies), "reported_loans": feedback},
            "steps": steps,
            "outputs": outputs,
            "written_at": dt.datetime.now().isoformat(timespec="seconds"),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    run_id = _log_to_mlflow(config, manifest, statistics, score_psi, target)
    return RunResult(month, target, manifest, steps, result, run_id)


EXPERIMENT = "innoscore-monthly"


def _log_to_mlflow(config: MonthlyConfig, manifest: dict, statistics: pd.DataFrame, score_psi: float | None,
                   folder: Path) -> str | None:
    """Log the published month as an MLflow run (as-of date, model, counts, score PSI, the province's
    statistics for the year; the report and manifest as artifacts).  The month is published already:
    a tracking store that cannot be written to costs the log, not the month (a warning says so)."""
    import logging
    import warnings

    try:
        from innoscore.credit.registry import _experiment, _mlflow, tracking_uri

        uri = tracking_uri(config.tracking_uri)
        mlflow = _mlflow(uri)
        _experiment(mlflow, uri, EXPERIMENT)
        with mlflow.start_run(run_name=manifest["month"]) as run:
            mlflow.log_params({"month": manifest["month"], "as_of": manifest["as_of"], "data": manifest["data"],
                               "model_uri": manifest["model"]["uri"], "model_version": manifest["model"]["version"]})
            metrics = {f"rows_{k}": float(v) for k, v in manifest["rows"].items()}
            if score_psi is not None:
                metrics["score_psi"] = float(score_psi)
            year = statistics[(statistics["period"] == "year") & (statistics["group_by"] == "all")]
            metrics.update({f"ytd_{m}": float(v) for m, v in zip(year["metric"], year["value"]) if pd.notna(v)})
            mlflow.log_metrics(metrics)
            for name in ("report.html", "report_en.html", "manifest.json"):
                mlflow.log_artifact(str(folder / name), artifact_path="month")
        return run.info.run_id
    except Exception as exc:  # noqa: BLE001 - the month is published; the log is a convenience
        logging.getLogger(__name__).warning("the month is published, but logging it to MLflow failed: %s", exc)
        warnings.warn(f"the month is published, but logging it to MLflow failed: {exc}", stacklevel=2)
        return None
