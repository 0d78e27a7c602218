"""Indicators from equity financing (counted from ``closed_on``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Events, Grid, to_fen
from innoscore.indicators.functions import indicator

TABLE = "equity_rounds"


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    eq = tables[TABLE]
    events = Events(grid, eq["enterprise_id"], eq["closed_on"], weight=to_fen(eq["amount"]))
    return {
        "equity_raised_3y": events.total_years(3) / 100.0,
        "equity_rounds_3y": events.count_years(3),
        "equity_raised_2y": events.total_years(2) / 100.0,
    }


@indicator(ge=0)
def equity_financing_3y(equity_raised_3y: pd.Series) -> pd.Series:
    """Equity financing received in the 3 calendar years up to the as-of date, yuan."""
    return equity_raised_3y


@indicator(ge=0)
def equity_financing_2y(equity_raised_2y: pd.Series) -> pd.Series:
    """Equity financing received in the 2 calendar years up to the as-of date, yuan."""
    return equity_raised_2y
