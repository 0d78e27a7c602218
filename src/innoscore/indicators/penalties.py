"""Indicators from penalties and other negative records (counted from ``occurred_on``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Events, Grid, days
from innoscore.indicators.registry import indicator

TABLE = "penalties"
_THREE_YEARS = 3 * 365


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    pen = tables[TABLE]
    rules = config["certifications"]
    records = rules["records"]
    ent = grid.codes(pen["enterprise_id"])
    day = days(pen["occurred_on"])
    events = Events(grid, ent, day)
    fine = pen["amount"].astype("Float64") if "amount" in pen.columns else pd.Series(np.nan, index=pen.index)
    kind_major = pen["kind"].isin(tuple(records["major_incident_kinds"])).to_numpy(dtype=bool)
    min_fine = float(records["major_incident_min_fine"])
    # with a minimum fine, a record of those kinds without an amount cannot be judged: it counts as unknown
    major = kind_major & ((fine >= min_fine).fillna(min_fine <= 0).to_numpy(dtype=bool))
    unclear = kind_major & fine.isna().to_numpy(dtype=bool) & (min_fine > 0)
    listed = pen["kind"].isin(tuple(records["blacklist_kinds"])).to_numpy(dtype=bool)

    def count(sel: np.ndarray, back: int) -> np.ndarray:
        return Events(grid, ent[sel], day[sel]).count(back=back)

    ht_back = int(rules["high_tech_enterprise"]["incident_lookback_days"])
    sme_back = int(rules["tech_sme"]["incident_lookback_days"])
    return {
        "major_1y": count(major, ht_back),
        "unclear_1y": count(unclear, ht_back),
        "major_2y": count(major, sme_back),
        "unclear_2y": count(unclear, sme_back),
        "listed": Events(grid, ent[listed], day[listed]).count_years(int(records["blacklist_years"])),
        "penalties_recent": events.count(back=_THREE_YEARS),
        "last_penalty_day": events.last_day(),
        "as_of_day": grid.day.astype("float64"),
    }


@indicator(ge=0)
def penalties_3y(penalties_recent: pd.Series) -> pd.Series:
    """Penalties and negative records in the 3 years up to the as-of date, count."""
    return penalties_recent


@indicator(ge=0)
def days_since_last_penalty(last_penalty_day: pd.Series, as_of_day: pd.Series) -> pd.Series:
    """Days from the latest penalty to the as-of date (missing when there is none on record)."""
    return as_of_day - last_penalty_day


@indicator(ge=0)
def major_incidents_1y(major_1y: pd.Series, unclear_1y: pd.Series) -> pd.Series:
    """Major safety, quality or environmental records in the 高企 look-back (the year before), count
    (missing when none is known but a record of those kinds lacks the fine that would decide)."""
    return major_1y.where((major_1y > 0) | (unclear_1y == 0))


@indicator(ge=0)
def major_incidents_2y(major_2y: pd.Series, unclear_2y: pd.Series) -> pd.Series:
    """Major safety, quality or environmental records in the tech-SME look-back (the year before and this
    year), count (missing when undecidable, as for the 1-year count)."""
    return major_2y.where((major_2y > 0) | (unclear_2y == 0))


@indicator(ge=0)
def blacklist_records(listed: pd.Series) -> pd.Series:
    """Dishonest-debtor (失信) and abnormal-operation (经营异常) records still taken to stand, count."""
    return listed
