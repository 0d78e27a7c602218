"""Indicators from assessed projects (GB/T 22900-2022 maturity evaluations).

Each project counts with its latest assessment made on or before the as-of date; a project
assessed twice counts once, with the newer figures.  An enterprise with no assessed project
has the project indicators missing (not TRL 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Events, Grid, expand, to_fen
from innoscore.indicators.functions import indicator

TABLE = "projects"


def _latest_assessments(proj: pd.DataFrame, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (grid row, projects row) of each project's latest assessment up to the as-of date."""
    codes, uniques = pd.factorize(proj["project_id"], sort=True)  # sorted: independent of row order
    ent_of_row = grid.codes(proj["enterprise_id"])
    owner = np.full(len(uniques), -1, dtype=np.int64)
    known = ent_of_row >= 0
    owner[codes[known]] = ent_of_row[known]  # validation guarantees one enterprise per project
    project_grid, g_rows = expand(grid, owner)
    latest = Events(project_grid, codes.astype(np.int64), proj["assessed_on"]).last()
    found = latest >= 0
    return g_rows[found], latest[found]


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    proj = tables[TABLE]
    g, r = _latest_assessments(proj, grid)
    n = len(grid)
    count = np.bincount(g, minlength=n)
    trl = proj["trl"].to_numpy(dtype="float64", na_value=np.nan)[r]
    adv = proj["advancement"].to_numpy(dtype="float64", na_value=np.nan)[r]
    value = proj["market_value"].iloc[r]
    has_value = np.bincount(g, weights=value.notna().to_numpy(), minlength=n)
    value_fen = np.zeros(n, dtype=np.int64)
    np.add.at(value_fen, g, to_fen(value))
    best_trl = np.full(n, -np.inf)
    np.maximum.at(best_trl, g, trl)
    best_adv = np.full(n, -np.inf)
    np.maximum.at(best_adv, g, adv)
    trl_sum = np.bincount(g, weights=trl, minlength=n)
    none = count == 0
    return {
        "projects_assessed": count,
        "trl_best": np.where(none, np.nan, best_trl),
        "trl_mean": np.where(none, np.nan, trl_sum / np.maximum(count, 1)),
        "advancement_best": np.where(none, np.nan, best_adv),
        "market_value_total": np.where(has_value > 0, value_fen / 100.0, np.nan),
    }


@indicator(ge=0)
def assessed_projects(projects_assessed: pd.Series) -> pd.Series:
    """Projects with a maturity assessment on or before the as-of date, count."""
    return projects_assessed


@indicator(ge=1, le=9)
def best_trl(trl_best: pd.Series) -> pd.Series:
    """Highest technology readiness level among the enterprise's assessed projects, TRL 1-9."""
    return trl_best


@indicator(ge=1, le=9)
def mean_trl(trl_mean: pd.Series) -> pd.Series:
    """Mean technology readiness level of the enterprise's assessed projects, TRL 1-9."""
    return trl_mean


@indicator(ge=0, le=100)
def best_advancement(advancement_best: pd.Series) -> pd.Series:
    """Highest technical advancement score among the assessed projects, points 0-100."""
    return advancement_best


@indicator(ge=0)
def projects_market_value(market_value_total: pd.Series) -> pd.Series:
    """Assessed market value of the enterprise's projects, summed, yuan."""
    return market_value_total
