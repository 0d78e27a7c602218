"""The innovation points (企业创新积分) of every enterprise, from its indicators.

Scoring is split in two so that analysts can change weights and re-score in milliseconds:

* :func:`prepare` turns indicator values into scores in [0, 1] with the year's reference
  values (and computes the capped bonus and penalty items); it does not look at weights;
* :func:`score` applies the stage weights: points = 100 × Σ w·s + bonus − penalty in [0, 100].

Nothing depends on the rest of the population except the percentile: reference values are
fixed in configuration, so adding or removing an enterprise never moves another's points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from innoscore.indicators.enterprises import STAGES
from innoscore.points.config import POINT_GROUPS, PointsConfig, ScoreRule

__all__ = ["Prepared", "normalise", "prepare", "score", "percentiles", "CONTRIBUTION_PREFIX", "POINT_DIGITS"]

CONTRIBUTION_PREFIX = "pts_"
POINT_DIGITS = 9  # points are kept to 1e-9


def normalise(values: np.ndarray, rule: ScoreRule, direction: int) -> np.ndarray:
    """Scores in [0, 1] of an indicator's values by its rule; missing stays missing."""
    v = np.asarray(values, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if rule.rule == "linear":
            s = v / rule.reference if direction == 1 else np.where(v <= rule.reference, 1.0, rule.reference / v)
        elif rule.rule == "log":
            top = np.log1p(rule.reference / rule.scale)
            if direction == 1:
                s = np.log1p(np.maximum(v, 0.0) / rule.scale) / top
            else:
                s = np.where(v <= rule.reference, 1.0, top / np.log1p(np.maximum(v, 0.0) / rule.scale))
        else:
            s = np.zeros_like(v)
            for bound, band_score in rule.bands:
                reached = (v >= bound) if direction == 1 else (v <= bound)
                s = np.where(reached, np.maximum(s, band_score), s)
    s = np.clip(s, 0.0, 1.0)
    return np.where(np.isnan(v), np.nan, s)


@dataclass
class Prepared:
    """Indicator scores of a population, ready to be weighted."""

    ids: pd.Index
    stage: np.ndarray  # stage code per enterprise, index into STAGES
    indicators: list[str]
    values: np.ndarray  # n x k raw values
    scores: np.ndarray  # n x k in [0, 1], NaN where missing
    filled: np.ndarray  # the scores with missing as 0, column-major for fast column access
    reweight: np.ndarray  # k: a missing value is left out and its group's weights scaled up
    group: np.ndarray  # k: index into POINT_GROUPS
    bonus_items: pd.DataFrame  # n x items, capped per item
    penalty_items: pd.DataFrame
    year: int
    config: PointsConfig


def prepare(indicators: pd.DataFrame, config: PointsConfig, as_of: dt.date | str | pd.Timestamp) -> Prepared:
    """Scores of every weighted indicator with the reference values in force at ``as_of``.

    ``indicators`` is an indicator table (index ``enterprise_id``, a ``stage`` column and the
    indicators the configuration names), as :func:`innoscore.indicators.build` returns.
    """
    year, rules = config.rules_for(pd.Timestamp(as_of).year)
    names = config.indicators
    needed = set(names) | {i.indicator for i in config.bonus + config.penalty} | {"stage"}
    absent = sorted(needed - set(indicators.columns))
    if absent:
        raise ValueError(f"the indicator table lacks {', '.join(absent)} (needed by {config.source})")
    stage_text = indicators["stage"].astype("str")
    bad_stage = ~stage_text.isin(STAGES)
    if bad_stage.any():
        raise ValueError(f"unknown stage {sorted(set(stage_text[bad_stage]))[:5]}; expected one of {STAGES}")
    stage = pd.Categorical(stage_text, categories=list(STAGES)).codes.astype(np.int64)
    values = np.column_stack([indicators[n].to_numpy(dtype="float64", na_value=np.nan) for n in names]) \
        if names else np.zeros((len(indicators), 0))
    cat = config.catalog
    scores = np.column_stack([normalise(values[:, j], rules[n], cat[n].direction) for j, n in enumerate(names)]) \
        if names else values
    reweight = np.array([cat[n].missing == "reweight" for n in names], dtype=bool)
    group = np.array([POINT_GROUPS.index(cat[n].group) for n in names], dtype=np.int64)

    def items(specs) -> pd.DataFrame:
        cols = {}
        for it in specs:
            v = indicators[it.indicator].to_numpy(dtype="float64", na_value=0.0)
            cols[it.id] = np.minimum(np.maximum(v, 0.0) * it.points, it.cap)
        return pd.DataFrame(cols, index=indicators.index)

    filled = np.asfortranarray(np.nan_to_num(scores, nan=0.0))
    return Prepared(indicators.index, stage, names, values, scores, filled, reweight, group,
                    items(config.bonus), items(config.penalty), year, config)


def _weight_matrix(config: PointsConfig, names: list[str]) -> np.ndarray:
    return np.array([[config.weights[s].get(n, 0.0) for n in names] for s in STAGES], dtype="float64")


def _effective_columns(prep: Prepared, config: PointsConfig) -> list[np.ndarray]:
    """Per indicator, the weight that applies to each enterprise, after missing values are reweighted.

    Computed a column at a time: each enterprise's result depends on its own row only (a
    matrix product may add up in another order when rows are added, changing the last bit).
    """
    weights = _weight_matrix(config, prep.indicators)
    cols = [weights[:, j][prep.stage] for j in range(len(prep.indicators))]
    if not prep.reweight.any():
        return cols
    present = [~np.isnan(prep.scores[:, j]) | ~prep.reweight[j] for j in range(len(cols))]
    kept = np.zeros((len(prep.stage), len(POINT_GROUPS)))
    for j, g in enumerate(prep.group):
        kept[:, g] += cols[j] * present[j]
    shares = np.array([[config.groups[s][g] for g in POINT_GROUPS] for s in STAGES])[prep.stage]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(kept > 0, shares / kept, 0.0)
    return [cols[j] * present[j] * factor[:, g] for j, g in enumerate(prep.group)]


def effective_weights(prep: Prepared, config: PointsConfig | None = None) -> np.ndarray:
    """Per enterprise and indicator, the weight that applies (n x k), after missing values are reweighted."""
    cols = _effective_columns(prep, config or prep.config)
    return np.column_stack(cols) if cols else np.zeros((len(prep.stage), 0))


def score(prep: Prepared, config: PointsConfig | None = None) -> pd.DataFrame:
    """The points of every enterprise: total, group subtotals, bonus, penalty, province
    percentile and each indicator's contribution (columns ``pts_<indicator>``).

    Pass ``config`` (for example ``prep.config.with_weights(...)``) to re-score with other
    weights without preparing again.
    """
    config = config or prep.config
    n = len(prep.stage)
    contrib = {}
    subtotal = np.zeros((len(POINT_GROUPS), n))
    for j, (name, w) in enumerate(zip(prep.indicators, _effective_columns(prep, config))):
        c = 100.0 * w * prep.filled[:, j]
        contrib[CONTRIBUTION_PREFIX + name] = c
        subtotal[prep.group[j]] += c
    base = subtotal[0] + subtotal[1] + subtotal[2]
    bonus = np.minimum(_row_sums(prep.bonus_items), config.bonus_cap)
    penalty = np.minimum(_row_sums(prep.penalty_items), config.penalty_cap)
    # kept to 1e-9 points: equal points are then equal whichever way the sum was added up (0.06 + 0.02 and
    # 0.08 differ in the last bit), so that the matcher's tie break (PD, then id) decides between them
    total = np.round(np.clip(base + bonus - penalty, 0.0, 100.0), POINT_DIGITS)
    columns = {
        "stage": pd.Categorical.from_codes(prep.stage, categories=list(STAGES)),
        "total": total,
        "percentile": percentiles(total),
        **{g: subtotal[j] for j, g in enumerate(POINT_GROUPS)},
        "base": base,
        "bonus": bonus,
        "penalty": penalty,
        **contrib,
    }
    return pd.DataFrame(columns, index=prep.ids, copy=False)


def _row_sums(items: pd.DataFrame) -> np.ndarray:
    out = np.zeros(len(items))
    for col in items.columns:
        out += items[col].to_numpy(dtype="float64")
    return out


def percentiles(total: np.ndarray) -> np.ndarray:
    """Share of the province's enterprises with points at or below each one's, in percent."""
    order = np.argsort(total)  # equal points get the same share whatever their order: no stable sort needed
    ranked = total[order]
    out = np.empty(len(total))
    out[order] = 100.0 * np.searchsorted(ranked, ranked, side="right") / max(len(total), 1)
    return out
