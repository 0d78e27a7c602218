"""Credit-history indicators from loans.

A loan is outstanding from ``originated_on`` until the first of ``defaulted_on``,
``repaid_on`` and ``maturity_on``; a default is known from ``defaulted_on``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Events, Grid, days, expand, to_fen
from innoscore.indicators.functions import indicator

TABLE = "loans"
_YEAR = 365


def loan_end(loans: pd.DataFrame) -> pd.Series:
    """The day a loan stops being outstanding: default, repayment or maturity, whichever is first."""
    return loans[["defaulted_on", "repaid_on", "maturity_on"]].min(axis=1)


def has_outstanding_loan(tables: dict[str, pd.DataFrame], grid: Grid) -> np.ndarray:
    """For each grid pair, whether the enterprise has a loan outstanding at the as-of date."""
    loans = tables[TABLE]
    ent = grid.codes(loans["enterprise_id"])
    started = Events(grid, ent, days(loans["originated_on"])).count()
    ended = Events(grid, ent, days(loan_end(loans))).count()
    return started - ended > 0


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    loans = tables[TABLE]
    ent = grid.codes(loans["enterprise_id"])
    originated, end = days(loans["originated_on"]), days(loan_end(loans))
    fen = to_fen(loans["amount"])
    started = Events(grid, ent, originated, weight=fen)
    ended = Events(grid, ent, end, weight=fen)
    # banks with a loan outstanding: loans outstanding per (enterprise, bank) pair, pairs with any
    pair, pairs = pd.factorize(loans["enterprise_id"] + "|" + loans["bank"], sort=True)
    owner = np.full(len(pairs), -1, dtype=np.int64)
    owner[pair] = ent
    pair_grid, g_rows = expand(grid, owner)
    pair = pair.astype(np.int64)
    on = Events(pair_grid, pair, originated).count() - Events(pair_grid, pair, end).count()
    lending = np.bincount(g_rows, weights=(on > 0), minlength=len(grid)).astype(np.int64)
    return {
        "loans_started": started.count(),
        "loans_started_before_12m": started.count(lag=_YEAR),
        "loans_ended": ended.count(),
        "outstanding_fen": started.total() - ended.total(),
        "defaults_known": Events(grid, ent, days(loans["defaulted_on"])).count(),
        "banks_lending": lending,
    }


@indicator(ge=0)
def outstanding_loans(loans_started: pd.Series, loans_ended: pd.Series) -> pd.Series:
    """Loans outstanding at the as-of date, count."""
    return loans_started - loans_ended


@indicator(ge=0)
def outstanding_amount(outstanding_fen: pd.Series) -> pd.Series:
    """Principal of the loans outstanding at the as-of date, yuan."""
    return outstanding_fen / 100.0


@indicator(ge=0)
def lending_banks(banks_lending: pd.Series) -> pd.Series:
    """Banks with a loan outstanding to the enterprise at the as-of date, count."""
    return banks_lending


@indicator(ge=0)
def prior_defaults(defaults_known: pd.Series) -> pd.Series:
    """Loans that reached 90 days past due on or before the as-of date, count."""
    return defaults_known


@indicator(ge=0, le=1)
def first_loan(loans_started_before_12m: pd.Series) -> pd.Series:
    """1 for a new borrower (no loan originated more than 12 months before the as-of date), else 0."""
    return (loans_started_before_12m == 0).astype("int64")
