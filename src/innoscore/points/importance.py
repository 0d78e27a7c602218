"""Effective weights: what each indicator really does to the points, beside the weight it is given.

An indicator weighted 10 % may move the ranking much less (most enterprises score the same on it)
or much more (it is the one that differs most).  Per stage, an indicator's importance is the share of
the total's variance its contribution explains: the correlation ratio (eta squared) of the total
on the indicator's score where the score takes few values (banded rules, small counts), otherwise
the squared correlation of its contribution with the total.  The importances of a stage are then
divided by their sum and set beside the nominal weights; an indicator whose importance is below
``low`` or above ``high`` times its weight is flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.enterprises import STAGES
from innoscore.points.config import POINT_GROUPS, PointsConfig
from innoscore.points.engine import CONTRIBUTION_PREFIX, Prepared, score

__all__ = ["effective_weights_table", "explained_share", "FEW_VALUES"]

FEW_VALUES = 20  # a score taking at most this many values is treated as categories (correlation ratio)


def explained_share(x: np.ndarray, total: np.ndarray, categories: np.ndarray | None = None) -> float:
    """The share of ``total``'s variance that ``x`` explains: eta squared over ``categories`` (the
    distinct values of a few-valued score) if given, else the squared correlation; 0 when either is constant."""
    if len(total) < 2:
        return 0.0
    dev = total - total.mean()
    ss_total = float(dev @ dev)
    if ss_total <= 0:
        return 0.0
    if categories is not None:
        _, inverse = np.unique(categories, return_inverse=True)
        counts = np.bincount(inverse)
        if len(counts) < 2:
            return 0.0
        means = np.bincount(inverse, weights=total) / counts
        return float(np.clip(counts @ (means - total.mean()) ** 2 / ss_total, 0.0, 1.0))
    xd = x - x.mean()
    ss_x = float(xd @ xd)
    if ss_x <= 1e-12 * len(x) * max(float(np.abs(x).max()), 1.0) ** 2:  # constant up to rounding
        return 0.0
    return float(np.clip((xd @ dev) ** 2 / (ss_x * ss_total), 0.0, 1.0))


def effective_weights_table(prep: Prepared, config: PointsConfig | None = None, points: pd.DataFrame | None = None,
                            low: float = 0.5, high: float = 2.0) -> pd.DataFrame:
    """One row per stage and indicator: ``weight`` (nominal), ``explained`` (share of the stage's total's
    variance its contribution explains; 0 for an indicator without weight in the stage, which contributes
    nothing), ``importance`` (explained, divided by the stage's sum), ``ratio`` (importance / weight) and
    ``flag`` (``below`` under ``low`` x weight, ``above`` over ``high`` x weight).  A stage whose points
    do not vary (fewer than two enterprises, or all equal) has no importance (NaN) and no flag.
    ``points`` is ``score(prep, config)`` if already computed."""
    config = config or prep.config
    points = score(prep, config) if points is None else points
    total_all = points["total"].to_numpy(dtype="float64")
    rows = []
    for s, stage in enumerate(STAGES):
        sel = prep.stage == s
        total = total_all[sel]
        weights = np.array([float(config.weights[stage].get(n, 0.0)) for n in prep.indicators])
        explained = np.zeros(len(prep.indicators))
        for j, name in enumerate(prep.indicators):
            if weights[j] <= 0:
                continue
            x = prep.filled[sel, j]
            values = len(np.unique(x))
            few = values <= FEW_VALUES and len(x) >= 10 * values  # categories only with enough in each
            contrib = points[CONTRIBUTION_PREFIX + name].to_numpy(dtype="float64")[sel]
            explained[j] = explained_share(contrib, total, x if few else None)
        varies = explained.sum() > 0
        importance = explained / explained.sum() if varies else np.full(len(explained), np.nan)
        for j, name in enumerate(prep.indicators):
            w = weights[j]
            ratio = importance[j] / w if w > 0 and varies else np.nan
            flag = "below" if ratio < low else "above" if ratio > high else ""
            rows.append({"stage": stage, "indicator": name, "group": POINT_GROUPS[prep.group[j]],
                         "enterprises": int(sel.sum()), "weight": w, "explained": explained[j],
                         "importance": importance[j], "ratio": ratio, "flag": flag})
    return pd.DataFrame(rows)
