"""Indicators from penalties and other negative records (counted from ``occurred_on``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Events, Grid, count_unless_open, days, per_day
from innoscore.indicators.functions import indicator

TABLE = "penalties"
_THREE_YEARS = 3 * 365


def _start_of_year_before(day: np.ndarray) -> np.ndarray:
    """31 December two years before each day: "the year before and this year" counts events after it."""
    return per_day(day, lambda d: days(pd.to_datetime({"year": d.year - 2, "month": 12, "day": 31})))


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    pen = tables[TABLE]
    rules = config["certifications"]
    records = rules["records"]
    ent = grid.codes(pen["enterprise_id"])
    day = days(pen["occurred_on"])
    events = Events(grid, ent, day)
    fine = pen["amount"].astype("Float64") if "amount" in pen.columns else pd.Series(np.nan, index=pen.index)
    major_fine = (fine >= float(records["major_incident_min_fine"])).fillna(False).to_numpy(dtype=bool)
    kind = pen["kind"]

    def of(kinds) -> tuple[np.ndarray, np.ndarray]:
        """Records of these kinds known to be major, and those that may be (a smaller or unknown fine)."""
        sel = kind.isin(tuple(kinds)).to_numpy(dtype=bool)
        return sel & major_fine, sel & ~major_fine

    def events_of(sel: np.ndarray) -> Events:
        return Events(grid, ent[sel], day[sel])

    major, unclear = of(records["major_incident_kinds"])
    sme_major, sme_unclear = of(records["sme_incident_kinds"])
    listed = kind.isin(tuple(records["blacklist_kinds"])).to_numpy(dtype=bool)
    ht_years = int(rules["high_tech_enterprise"]["incident_years"])
    since = _start_of_year_before(grid.day)
    listings = events_of(listed)
    return {
        "major_1y": events_of(major).count_years(ht_years),
        "unclear_1y": events_of(unclear).count_years(ht_years),
        "major_2y": events_of(major).count_between(since, grid.day),
        "unclear_2y": events_of(unclear).count_between(since, grid.day),
        "sme_major_3y": events_of(sme_major).count_years(int(records["sme_incident_years"])),
        "sme_unclear_3y": events_of(sme_unclear).count_years(int(records["sme_incident_years"])),
        "listed": listings.count_years(int(records["blacklist_years"])),
        "listed_ever": listings.count(),
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
    """Major safety, quality or environmental records in the year before the as-of date (高企), count; missing
    when none is known to be major but one may be (its fine is under the configured amount or unknown)."""
    return count_unless_open(major_1y, unclear_1y)


@indicator(ge=0)
def major_incidents_2y(major_2y: pd.Series, unclear_2y: pd.Series) -> pd.Series:
    """Major safety, quality or environmental records from 1 January of the year before (科技型中小企业), count;
    missing when undecidable, as for the 1-year count."""
    return count_unless_open(major_2y, unclear_2y)


@indicator(ge=0)
def major_incidents_3y(sme_major_3y: pd.Series, sme_unclear_3y: pd.Series) -> pd.Series:
    """Major safety, quality, environmental or tax records in the configured years (3; 优质中小企业), count; missing
    when undecidable, as for the 1-year count."""
    return count_unless_open(sme_major_3y, sme_unclear_3y)


@indicator(ge=0)
def blacklist_records(listed: pd.Series, listed_ever: pd.Series) -> pd.Series:
    """Dishonest-debtor (失信) and abnormal-operation (经营异常) listings in the configured years, count; missing
    when there is none but an older one, whose removal the data does not record."""
    return count_unless_open(listed, listed_ever)
