"""Indicators from the enterprise register, and the enterprise's stage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Grid, days, per_day
from innoscore.indicators.functions import indicator

TABLE = "enterprises"
STAGES = ("startup", "growth", "mature")


def _ymd(day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Year and month*100+day of each day."""
    return per_day(day, lambda d: d.year), per_day(day, lambda d: d.month * 100 + d.day)


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    founded_day = days(tables[TABLE]["founded_on"])
    founded = founded_day[grid.ent]
    f_year, f_md = _ymd(founded_day)
    a_year, a_md = _ymd(grid.day)
    born = f_md[grid.ent]
    # founded on 29 February: in a year without one, the anniversary is 28 February (as everywhere here)
    leap = (a_year % 4 == 0) & ((a_year % 100 != 0) | (a_year % 400 == 0))
    born = np.where((born == 229) & ~leap, 228, born)
    full = a_year - f_year[grid.ent] - (a_md < born)
    return {"days_since_founded": (grid.day - founded).astype("float64"), "full_years": full.astype("float64")}


@indicator(ge=0)
def years_in_business(days_since_founded: pd.Series) -> pd.Series:
    """Years since registration at the as-of date."""
    return days_since_founded / 365.25


@indicator(ge=0)
def years_registered(full_years: pd.Series) -> pd.Series:
    """Completed years since registration at the as-of date (the anniversary itself completes a year)."""
    return full_years


def stage(years: pd.Series, revenue: pd.Series, rules: dict) -> pd.Series:
    """start-up / growth / mature from age and revenue, by the thresholds in features/stages.yaml.

    A start-up is younger than ``startup.max_years``; a mature enterprise is at least
    ``mature.min_years`` old with revenue of at least ``mature.min_revenue`` yuan (missing
    revenue does not qualify); everything else is growth.
    """
    startup = years < float(rules["startup"]["max_years"])
    mature = (years >= float(rules["mature"]["min_years"])) & \
        (revenue >= float(rules["mature"]["min_revenue"])).fillna(False).astype(bool)
    out = np.where(startup, "startup", np.where(mature, "mature", "growth"))
    return pd.Series(pd.Categorical(out, categories=list(STAGES)), index=years.index)
