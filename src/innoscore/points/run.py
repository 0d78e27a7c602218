"""Points and certification checks of a whole data set as of one date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from innoscore.indicators import build_sets
from innoscore.points.certification import check_features, feature_catalog, run_checks
from innoscore.points.config import PointsConfig, load_points_config
from innoscore.points.engine import Prepared, prepare, score

__all__ = ["PointsRun", "points_and_checks", "top", "gate_shares", "format_points", "write_points"]


@dataclass
class PointsRun:
    as_of: dt.date
    indicators: pd.DataFrame
    prepared: Prepared
    points: pd.DataFrame
    checks: pd.DataFrame  # one row per (enterprise, certification, condition): run_checks
    features: pd.DataFrame  # what the checks read, with the certificates held


def points_and_checks(data, as_of: dt.date, config: PointsConfig | None = None,
        indicators: pd.DataFrame | None = None) -> PointsRun:
    """Indicators (unless given, built with the configuration's catalog), points and
    certification checks as of ``as_of``."""
    config = config or load_points_config()
    if indicators is None:  # one pass over the tables for both
        indicators, table = build_sets(data, as_of, [config.catalog, feature_catalog()])
        features = check_features(data, as_of, table)
    else:
        features = check_features(data, as_of)
    prepared = prepare(indicators, config, as_of)
    return PointsRun(as_of, indicators, prepared, score(prepared), run_checks(features), features)


def top(points: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The n enterprises with the most points (ties by enterprise id), with their group subtotals."""
    cols = ["stage", "total", "technology", "growth", "auxiliary", "bonus", "penalty", "percentile"]
    ranked = points[cols].reset_index().sort_values(["total", "enterprise_id"], ascending=[False, True],
                                                     kind="stable")
    return ranked.head(n).set_index("enterprise_id")


def gate_shares(points: pd.DataFrame, holders: pd.Series, gates: tuple[float, ...] = (65.0, 70.0)) -> pd.DataFrame:
    """Share of all enterprises, and of the holders (a 0/1 Series), with points at or above each gate."""
    total = points["total"].to_numpy()
    held = holders.reindex(points.index).fillna(0).to_numpy() > 0
    rows = []
    for g in gates:
        at = total >= g
        rows.append({"gate": g, "enterprises": int(at.sum()), "share": float(at.mean()) if len(at) else 0.0,
                     "holders": int((at & held).sum()),
                     "holders_share": float(at[held].mean()) if held.any() else float("nan")})
    return pd.DataFrame(rows)


def write_points(result: PointsRun, folder) -> None:
    """``points.parquet`` and ``certification_checks.parquet`` into ``folder``, each replaced whole."""
    from pathlib import Path

    from innoscore.io import write_parquets_atomic

    folder = Path(folder)
    write_parquets_atomic({folder / "points.parquet": result.points.reset_index(),
                           folder / "certification_checks.parquet": result.checks})


def format_points(result: PointsRun) -> str:
    """The points' summary: mean and median, the shares at the banks' gates, the top 10 with group
    subtotals and the certification checks' results."""
    from innoscore.points.certification import summarise

    pts = result.points
    lines = [f"innovation points as of {result.as_of}: {len(pts):,} enterprises, reference values of "
             f"{result.prepared.year}; mean {pts['total'].mean():.1f}, median {pts['total'].median():.1f}"]
    hte = result.features["high_tech_enterprise"]
    held = hte.reindex(pts.index).fillna(0) > 0
    median_held = f"{pts.loc[held, 'total'].median():.1f}" if held.any() else "-"
    lines.append(f"at or above the banks' gates ({int(held.sum()):,} valid 高新技术企业 holders, median {median_held}):")
    for g in gate_shares(pts, hte).itertuples():
        of_holders = f"{g.holders_share:.1%} of them" if held.any() else "no holders"
        lines.append(f"  >= {g.gate:g}: {g.enterprises:,} enterprises ({g.share:.1%}); {g.holders:,} 高企 holders "
                     f"({of_holders})")
    lines.append("top 10 enterprises by points, with group subtotals:")
    with pd.option_context("display.width", 200, "display.float_format", "{:.2f}".format):
        lines.append(top(pts, 10).to_string())
    checks = summarise(result.checks, reasons=False)
    table = pd.crosstab(checks["check"], checks["result"])
    table["holders"] = checks.groupby("check", observed=False)["holds"].sum()
    table["flagged"] = checks.groupby("check", observed=False)["flag"].sum()
    lines.append("certification checks (a certification passes only when every condition does; insufficient_data: "
                 "a condition the data cannot decide; flagged = holds a valid certificate the data contradicts):")
    lines.append(table.to_string())
    return "\n".join(lines)
