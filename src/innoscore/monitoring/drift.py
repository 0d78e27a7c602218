"""Monitoring a month against earlier ones: population stability of the score and of each indicator
against the previous month, and the calibration backtest of the PDs predicted twelve months earlier."""

from __future__ import annotations

import datetime as dt
from typing import Mapping

import numpy as np
import pandas as pd

from innoscore.credit.metrics import grade_backtest

__all__ = ["stability", "psi_with_missing", "backtest", "PSI_WARN", "PSI_ALERT"]

PSI_WARN, PSI_ALERT = 0.10, 0.25  # the usual thresholds: watch above 0.1, act above 0.25


def psi_with_missing(expected, actual, bins: int = 10) -> float:
    """Population stability index over the expected values' deciles (each distinct value when there are
    no more of them than bins: flags, small counts), missing values a bin of their own."""
    e = np.asarray(expected, dtype="float64")
    a = np.asarray(actual, dtype="float64")
    if not len(e) or not len(a):
        return float("nan")
    e_known, a_known = e[~np.isnan(e)], a[~np.isnan(a)]
    values = np.unique(np.concatenate([e_known, a_known]))
    if len(values) <= bins:  # few distinct values (a flag, a count): each value is its own bin
        pe = np.array([(e_known == v).sum() for v in values] + [np.isnan(e).sum()]) / len(e)
        pa = np.array([(a_known == v).sum() for v in values] + [np.isnan(a).sum()]) / len(a)
    else:  # the expected values' inner deciles, open at both ends
        inner = np.unique(np.quantile(e_known, np.linspace(0, 1, bins + 1)[1:-1])) if len(e_known) else np.array([])
        edges = np.concatenate([[-np.inf], inner, [np.inf]])
        pe = np.append(np.histogram(e_known, edges)[0], np.isnan(e).sum()) / len(e)
        pa = np.append(np.histogram(a_known, edges)[0], np.isnan(a).sum()) / len(a)
    pe, pa = np.maximum(pe, 1e-6), np.maximum(pa, 1e-6)
    return float(np.sum((pa - pe) * np.log(pa / pe)))


def stability(previous: pd.DataFrame, current: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """PSI of each column of ``current`` against ``previous`` with its flag: ``stable`` (< 0.1),
    ``watch`` (0.1-0.25) or ``alert`` (>= 0.25); sorted by PSI, largest first."""
    rows = []
    for c in columns:
        if c in previous and c in current:
            value = psi_with_missing(previous[c].to_numpy("float64", na_value=np.nan),
                                     current[c].to_numpy("float64", na_value=np.nan))
            rows.append({"column": c, "psi": value})
    out = pd.DataFrame(rows, columns=["column", "psi"])
    out["flag"] = np.where(out["psi"] >= PSI_ALERT, "alert", np.where(out["psi"] >= PSI_WARN, "watch", "stable"))
    return out.sort_values(["psi", "column"], ascending=[False, True], kind="stable").reset_index(drop=True)


def backtest(earlier_scores: pd.DataFrame, tables: Mapping[str, pd.DataFrame], earlier: dt.date,
             as_of: dt.date) -> pd.DataFrame:
    """The PDs predicted at ``earlier`` for enterprises with a loan outstanding then, against what
    happened in the twelve months after (the model's label: a loan of theirs defaulting in that
    window): per grade, rows, defaults, mean PD, observed rate and its 95% interval, and whether the
    mean PD lies inside it.  None when the window has not ended by ``as_of``."""
    loans = tables.get("loans")
    start = pd.Timestamp(earlier)
    end = start + pd.DateOffset(months=12)
    if start.is_month_end:
        end = end + pd.offsets.MonthEnd(0)
    if end > pd.Timestamp(as_of):
        return None
    if loans is None or not len(loans) or earlier_scores is None or not len(earlier_scores):
        return pd.DataFrame(columns=["grade", "rows", "defaults", "mean_pd", "observed", "ci_low", "ci_high",
                                     "pd_inside"])
    repaid = loans["repaid_on"] if "repaid_on" in loans else pd.Series(pd.NaT, index=loans.index)
    ended = pd.concat([repaid, loans["maturity_on"], loans["defaulted_on"]], axis=1).min(axis=1)
    open_then = loans[(loans["originated_on"] <= start) & ~(ended <= start)]
    borrowers = pd.Index(open_then["enterprise_id"].unique())
    went_bad = loans[(loans["defaulted_on"] > start) & (loans["defaulted_on"] <= end)]["enterprise_id"].unique()
    s = earlier_scores[earlier_scores["enterprise_id"].isin(borrowers)]
    y = s["enterprise_id"].isin(went_bad).to_numpy(int)
    order = sorted(s["grade"].astype(str).unique())
    table = grade_backtest(y, s["pd"].to_numpy("float64"), s["grade"].astype(str).to_numpy(), order)
    return table.reset_index().rename(columns={"index": "grade"})
