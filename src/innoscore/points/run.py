"""Points and certification checks of a whole data set as of one date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from innoscore.indicators import build
from innoscore.points.certification import check_features, run_checks
from innoscore.points.config import PointsConfig, load_points_config
from innoscore.points.engine import Prepared, prepare, score

__all__ = ["PointsRun", "run"]


@dataclass
class PointsRun:
    as_of: dt.date
    indicators: pd.DataFrame
    prepared: Prepared
    points: pd.DataFrame
    checks: pd.DataFrame  # one row per (enterprise, certification, condition): run_checks
    features: pd.DataFrame  # what the checks read, with the certificates held


def run(data, as_of: dt.date, config: PointsConfig | None = None,
        indicators: pd.DataFrame | None = None) -> PointsRun:
    """Indicators (unless given, built with the configuration's catalog), points and
    certification checks as of ``as_of``."""
    config = config or load_points_config()
    if indicators is None:
        indicators = build(data, as_of, config.catalog)
    prepared = prepare(indicators, config, as_of)
    features = check_features(data, as_of)
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
