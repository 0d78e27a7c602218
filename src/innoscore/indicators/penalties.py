"""Indicators from penalties and other negative records (counted from ``occurred_on``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Events, Grid
from innoscore.indicators.registry import indicator

TABLE = "penalties"
_THREE_YEARS = 3 * 365


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    pen = tables[TABLE]
    events = Events(grid, pen["enterprise_id"], pen["occurred_on"])
    return {
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
