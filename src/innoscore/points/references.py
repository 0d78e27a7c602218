"""Reference values (满分值参考) by the rule written in ``features/points.yaml``.

The engine never recomputes reference values while scoring: they are fixed per year in the
file, so one enterprise entering or leaving never moves another's points.  This module
applies the file's ``reference_rule`` to a data set once a year, and prints the values to
paste under ``reference_values`` (``innoscore points references DATA_DIR --year Y``).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from innoscore.errors import InnoscoreError
from innoscore.indicators import build
from innoscore.indicators.catalog import Catalog, Indicator
from innoscore.indicators.functions import REGISTRY
from innoscore.points.config import PointsConfig, ReferenceRule, ScoreRule

__all__ = ["reference_date", "derive", "derive_from_data", "format_references", "ReferencesError"]

COUNT_UNITS = ("count", "persons")


class ReferencesError(InnoscoreError, ValueError):
    """The rule cannot be applied to this data for this year; the message says why."""


def reference_date(year: int) -> dt.date:
    """The population of year ``year``'s reference values is taken at the end of the year before."""
    return dt.date(year - 1, 12, 31)


def _round(x: float, digits: int) -> float:
    if x <= 0 or not math.isfinite(x):
        return x
    return float(f"{x:.{digits}g}")


def _is_count(ind: Indicator) -> bool:
    return ind.unit in COUNT_UNITS or ind.unit.startswith("rungs")


def holders(data, as_of: dt.date, kind: str) -> pd.Series:
    """1 where the enterprise holds a valid certificate of ``kind`` at ``as_of``."""
    if kind not in REGISTRY:
        raise ValueError(f"no indicator tells who holds {kind}")
    cat = Catalog((Indicator(id=kind, name_zh=kind, description="", unit="flag", group="credit", direction=1,
                             table="certifications", use="model", function=kind),), "reference population")
    return build(data, as_of, cat)[kind]


def derive(indicators: pd.DataFrame, population: pd.Series, config: PointsConfig, year: int,
           rule: ReferenceRule | None = None) -> tuple[dict[str, ScoreRule], pd.DataFrame]:
    """Year ``year``'s rules: linear and log references from ``rule`` over the ``population``
    (a 0/1 Series on the indicator table's index); banded rules as they are.

    Returns the rules and a table per indicator: the old and new reference and how it was found.
    """
    rule = rule or config.reference_rule
    if rule is None:
        raise ValueError(f"{config.source} has no reference_rule")
    _, current = config.rules_for(year)
    mask = population.reindex(indicators.index).fillna(0).to_numpy() > 0
    rules: dict[str, ScoreRule] = {}
    rows = []
    for name, old in current.items():
        if name not in config.indicators or old.rule == "banded":
            rules[name] = old
            rows.append({"indicator": name, "rule": old.rule, "old": old.reference, "new": old.reference,
                         "how": "kept (banded or not weighted)"})
            continue
        values = indicators.loc[mask, name].to_numpy(dtype="float64", na_value=np.nan)
        values = values[~np.isnan(values)]
        positive = values[values > 0]  # holders that have none (no patent, no platform, a loss) are left out
        how = f"P{rule.percentile:g} of the {len(positive):,} holders with a positive value"
        ref = float(np.percentile(positive, rule.percentile)) if len(positive) else math.nan
        ind = config.catalog[name]
        if _is_count(ind) and (not ref > 0 or ref < rule.at_least):
            ref, how = rule.at_least, how + f", raised to {rule.at_least:g}"
        if not ref > 0:
            ref, how = old.reference, "kept: no holder has a positive value"
        ref = _round(ref, rule.digits)
        rules[name] = ScoreRule(old.rule, ref, old.scale, old.bands)
        rows.append({"indicator": name, "rule": old.rule, "old": old.reference, "new": ref, "how": how})
    return rules, pd.DataFrame(rows)


def _yaml_rule(r: ScoreRule) -> str:
    if r.rule == "linear":
        return f"{{rule: linear, reference: {r.reference:g}}}"
    if r.rule == "log":
        return f"{{rule: log, reference: {r.reference:.0f}, scale: {r.scale:g}}}" if r.reference >= 1e6 \
            else f"{{rule: log, reference: {r.reference:g}, scale: {r.scale:g}}}"
    bands = ", ".join(f"{{from: {b:g}, score: {s:g}}}" for b, s in r.bands)
    return f"{{rule: banded, bands: [{bands}]}}"


def format_references(year: int, rules: dict[str, ScoreRule], rule: ReferenceRule) -> str:
    """The YAML block to paste under ``reference_values``."""
    lines = [f"  {year}:    # {rule.describe()}: population at {reference_date(year)}"]
    lines += [f"    {name}: {_yaml_rule(r)}" for name, r in rules.items()]
    return "\n".join(lines)


def derive_from_data(data, year: int, config: PointsConfig) -> tuple[dict[str, ScoreRule], pd.DataFrame]:
    """The configuration's ``reference_rule`` applied to a data set (a :class:`Dataset`) for ``year``:
    the indicators and the holders at the end of the year before, then :func:`derive`."""
    if not 1900 < year < 2200:
        raise ReferencesError(f"year {year}: expected a year such as 2026")
    if config.reference_rule is None:
        raise ReferencesError(f"{config.source} has no reference_rule to apply")
    on = reference_date(year)
    if on > data.extracted_on:
        raise ReferencesError(f"year {year} takes its population at {on}, after the data's extraction date "
                              f"{data.extracted_on}")
    population = holders(data, on, config.reference_rule.population)
    if not (population > 0).any():
        raise ReferencesError(f"no enterprise holds a valid {config.reference_rule.population} certificate at {on}")
    return derive(build(data, on, config.catalog), population, config, year)
