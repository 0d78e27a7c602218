"""Indicators from equity financing (counted from ``closed_on``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Events, Grid, to_fen
from innoscore.indicators.registry import indicator

TABLE = "equity_rounds"
_THREE_YEARS = 3 * 365
_TWO_YEARS = 2 * 365


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    eq = tables[TABLE]
    events = Events(grid, eq["enterprise_id"], eq["closed_on"], weight=to_fen(eq["amount"]))
    return {
        "equity_raised_3y": events.total(back=_THREE_YEARS) / 100.0,
        "equity_rounds_3y": events.count(back=_THREE_YEARS),
        "equity_raised_2y": events.total(back=_TWO_YEARS) / 100.0,
    }


@indicator(ge=0)
def equity_financing_3y(equity_raised_3y: pd.Series) -> pd.Series:
    """Equity financing received in the 3 years (1,095 days) up to the as-of date, yuan."""
    return equity_raised_3y


@indicator(ge=0)
def equity_financing_2y(equity_raised_2y: pd.Series) -> pd.Series:
    """Equity financing received in the 2 years (730 days) up to the as-of date, yuan."""
    return equity_raised_2y
