"""Indicators from annual accounts.

A fiscal year counts from its ``published_on``.  Base columns: the latest published year's
values under the contract's column names (``revenue``, ``rd_expense``, ...), the year before
it with the suffix ``_prev`` and the one before that with ``_prev2`` ("the three latest
published years").  An enterprise with no published accounts yet has them all missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Grid, days
from innoscore.indicators.functions import indicator

TABLE = "financials"
_LATEST = ("revenue", "operating_costs", "net_profit", "total_assets", "total_liabilities", "rd_expense",
           "employees", "rd_staff", "high_tech_revenue", "tech_contract_turnover", "tax_paid", "main_business_revenue")
_EARLIER = ("revenue", "rd_expense", "net_profit", "total_assets", "total_liabilities", "main_business_revenue")


def _latest_rows(fin: pd.DataFrame, grid: Grid, depth: int = 3) -> list[np.ndarray]:
    """For each grid pair, the rows of its `depth` latest published fiscal years (-1 if none)."""
    ent = grid.codes(fin["enterprise_id"])
    keep = np.flatnonzero(ent >= 0)
    year = fin["fiscal_year"].to_numpy(dtype="float64", na_value=np.nan)[keep]
    order = keep[np.lexsort((year, ent[keep]))]  # by enterprise, then fiscal year
    e_sorted = ent[order]
    pub = days(fin["published_on"])[order]
    out = [np.full(len(grid), -1, dtype=np.int64) for _ in range(depth)]
    if len(order) == 0:
        return out
    starts = np.flatnonzero(np.r_[True, e_sorted[1:] != e_sorted[:-1]])
    block_of_ent = np.full(len(grid.ids), -1, dtype=np.int64)
    block_of_ent[e_sorted[starts]] = np.arange(len(starts))
    g_block = block_of_ent[grid.ent]
    positions = np.arange(len(order), dtype=np.int64)
    for d in grid.dates:  # a handful of month-ends; each pass is vectorised over all rows
        at = (grid.day == d) & (g_block >= 0)
        if not at.any():
            continue
        avail = np.where(pub <= d, positions, -1)
        for k in range(depth):
            latest = np.maximum.reduceat(avail, starts)  # per enterprise: latest published year
            pick = latest[g_block[at]]
            out[k][at] = np.where(pick >= 0, order[np.maximum(pick, 0)], -1)
            hit = latest[latest >= 0]
            avail[hit] = -1
    return out


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    fin = tables[TABLE]
    rows = _latest_rows(fin, grid)
    cols: dict[str, np.ndarray] = {}
    for k, suffix in enumerate(("", "_prev", "_prev2")):
        r = rows[k]
        names = _LATEST if k == 0 else _EARLIER
        for name in names:
            if name not in fin.columns:  # an optional column the data leaves out
                cols[name + suffix] = np.full(len(grid), np.nan)
                continue
            values = fin[name].to_numpy(dtype="float64", na_value=np.nan)
            cols[name + suffix] = np.where(r >= 0, values[np.maximum(r, 0)], np.nan) if len(values) else \
                np.full(len(grid), np.nan)
    return cols


def _sum_known(*parts: pd.Series) -> pd.Series:
    """Element-wise sum of the known values; missing where none is known."""
    total = parts[0].fillna(0.0)
    for p in parts[1:]:
        total = total + p.fillna(0.0)
    known = parts[0].notna()
    for p in parts[1:]:
        known |= p.notna()
    return total.where(known)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den, missing where den is missing or zero."""
    return num / den.where(den > 0)


@indicator(ge=0)
def rd_expense(rd_expense: pd.Series) -> pd.Series:
    """R&D expense in the latest published fiscal year, yuan."""
    return rd_expense


@indicator(ge=0)
def rd_intensity(rd_expense: pd.Series, revenue: pd.Series) -> pd.Series:
    """R&D expense over revenue in the latest published year, fraction (missing when revenue is 0)."""
    return _ratio(rd_expense, revenue)


@indicator(ge=0)
def rd_intensity_3y(rd_expense: pd.Series, rd_expense_prev: pd.Series, rd_expense_prev2: pd.Series,
                    revenue: pd.Series, revenue_prev: pd.Series, revenue_prev2: pd.Series) -> pd.Series:
    """R&D expense over revenue summed over the three latest published years, fraction (a year counts where
    both are known)."""
    pairs = [(r, v) for r, v in ((rd_expense, revenue), (rd_expense_prev, revenue_prev),
                                 (rd_expense_prev2, revenue_prev2))]
    both = [r.notna() & v.notna() for r, v in pairs]
    return _ratio(_sum_known(*[r.where(b) for (r, _), b in zip(pairs, both)]),
                  _sum_known(*[v.where(b) for (_, v), b in zip(pairs, both)]))


@indicator(ge=0)
def rd_staff(rd_staff: pd.Series) -> pd.Series:
    """R&D / S&T staff at the end of the latest published year, persons."""
    return rd_staff


@indicator(ge=0, le=1)
def rd_staff_share(rd_staff: pd.Series, employees: pd.Series) -> pd.Series:
    """R&D staff over employees in the latest published year, fraction."""
    return _ratio(rd_staff, employees)


@indicator(ge=0)
def tech_contract_turnover(tech_contract_turnover: pd.Series) -> pd.Series:
    """Registered technology-contract turnover in the latest published year, yuan."""
    return tech_contract_turnover


@indicator(ge=0)
def revenue(revenue: pd.Series) -> pd.Series:
    """Operating revenue in the latest published year, yuan."""
    return revenue


@indicator(ge=-1)
def revenue_growth(revenue: pd.Series, revenue_prev: pd.Series) -> pd.Series:
    """Revenue growth over the year before, fraction (missing with one year only or zero revenue before)."""
    return _ratio(revenue, revenue_prev) - 1


@indicator(le=1)
def net_margin(net_profit: pd.Series, revenue: pd.Series) -> pd.Series:
    """Net profit over revenue in the latest published year, fraction."""
    return _ratio(net_profit, revenue)


@indicator(ge=0, le=1)
def high_tech_revenue_share(high_tech_revenue: pd.Series, revenue: pd.Series) -> pd.Series:
    """Revenue from high-tech products and services over revenue, fraction."""
    return _ratio(high_tech_revenue, revenue)


@indicator(ge=0)
def tax_paid(tax_paid: pd.Series) -> pd.Series:
    """Taxes paid in the latest published year, yuan."""
    return tax_paid


@indicator(ge=0)
def leverage(total_liabilities: pd.Series, total_assets: pd.Series) -> pd.Series:
    """Total liabilities over total assets, fraction (above 1 when insolvent)."""
    return _ratio(total_liabilities, total_assets)


@indicator()
def profit_to_liabilities(net_profit: pd.Series, total_liabilities: pd.Series) -> pd.Series:
    """Net profit over total liabilities, a liquidity proxy, fraction."""
    return _ratio(net_profit, total_liabilities)


@indicator()
def margin_trend(net_profit: pd.Series, revenue: pd.Series, net_profit_prev: pd.Series,
                 revenue_prev: pd.Series) -> pd.Series:
    """Change of the net margin from the year before to the latest year, fraction points."""
    return _ratio(net_profit, revenue) - _ratio(net_profit_prev, revenue_prev)


@indicator(ge=0)
def employees(employees: pd.Series) -> pd.Series:
    """Employees at the end of the latest published year, persons."""
    return employees


@indicator(ge=0)
def total_assets(total_assets: pd.Series) -> pd.Series:
    """Total assets at the end of the latest published year, yuan."""
    return total_assets


@indicator(ge=0)
def rd_expense_2y(rd_expense: pd.Series, rd_expense_prev: pd.Series) -> pd.Series:
    """R&D expense of the two latest published years added up, yuan (missing unless both are known)."""
    return rd_expense + rd_expense_prev



def _mean_growth(latest: pd.Series, prev: pd.Series, prev2: pd.Series) -> pd.Series:
    """Mean of the last two yearly growth rates, or the last one when only two years are known;
    missing with fewer years or a non-positive base."""
    last = _ratio(latest, prev) - 1
    before = _ratio(prev, prev2) - 1
    return ((last + before) / 2).where(before.notna(), last)


@indicator(ge=0)
def rd_intensity_prev(rd_expense_prev: pd.Series, revenue_prev: pd.Series) -> pd.Series:
    """R&D expense over revenue in the year before the latest published one, fraction."""
    return _ratio(rd_expense_prev, revenue_prev)


@indicator(ge=0)
def rd_cost_ratio(rd_expense: pd.Series, operating_costs: pd.Series) -> pd.Series:
    """R&D expense over operating costs in the latest published year, fraction (the tech-SME rules'
    "R&D over total costs and expenses", with operating costs standing for the total)."""
    return _ratio(rd_expense, operating_costs)


@indicator(ge=0, le=1)
def main_business_share(main_business_revenue: pd.Series, revenue: pd.Series) -> pd.Series:
    """Main-business revenue over revenue in the latest published year, fraction."""
    return _ratio(main_business_revenue, revenue)


@indicator(ge=-1)
def main_business_growth(main_business_revenue: pd.Series, main_business_revenue_prev: pd.Series) -> pd.Series:
    """Main-business revenue growth over the year before, fraction."""
    return _ratio(main_business_revenue, main_business_revenue_prev) - 1


@indicator(ge=-1)
def main_business_growth_2y(main_business_revenue: pd.Series, main_business_revenue_prev: pd.Series,
                            main_business_revenue_prev2: pd.Series) -> pd.Series:
    """Mean of the last two yearly main-business revenue growth rates (近2年平均增长率), fraction."""
    last = _ratio(main_business_revenue, main_business_revenue_prev) - 1
    before = _ratio(main_business_revenue_prev, main_business_revenue_prev2) - 1
    return (last + before) / 2


@indicator(ge=-1)
def revenue_growth_mean(revenue: pd.Series, revenue_prev: pd.Series, revenue_prev2: pd.Series) -> pd.Series:
    """Mean yearly revenue growth over the three latest years (over two when only two are known), fraction."""
    return _mean_growth(revenue, revenue_prev, revenue_prev2)


@indicator()
def net_asset_growth_mean(total_assets: pd.Series, total_liabilities: pd.Series, total_assets_prev: pd.Series,
                          total_liabilities_prev: pd.Series, total_assets_prev2: pd.Series,
                          total_liabilities_prev2: pd.Series) -> pd.Series:
    """Mean yearly net-asset growth over the three latest years (over two when only two are known), fraction;
    missing where an earlier year's net assets are not positive."""
    return _mean_growth(total_assets - total_liabilities, total_assets_prev - total_liabilities_prev,
                        total_assets_prev2 - total_liabilities_prev2)


@indicator(ge=0, le=3)
def rd_gap_years(rd_expense: pd.Series, rd_expense_prev: pd.Series, rd_expense_prev2: pd.Series,
                 revenue: pd.Series, revenue_prev: pd.Series, revenue_prev2: pd.Series) -> pd.Series:
    """Of the three latest published years, those with revenue but no R&D figure, count (the 3-year R&D
    ratio leaves them out, so it may be too high)."""
    return sum(((v.notna()) & r.isna()).astype("int64") for r, v in ((rd_expense, revenue),
               (rd_expense_prev, revenue_prev), (rd_expense_prev2, revenue_prev2)))


@indicator(ge=0)
def rd_intensity_3y_floor(rd_expense: pd.Series, rd_expense_prev: pd.Series, rd_expense_prev2: pd.Series,
                          revenue: pd.Series, revenue_prev: pd.Series, revenue_prev2: pd.Series) -> pd.Series:
    """The lowest the 3-year R&D ratio can be: over the years with revenue, a missing R&D figure taken as 0."""
    pairs = ((rd_expense, revenue), (rd_expense_prev, revenue_prev), (rd_expense_prev2, revenue_prev2))
    return _ratio(_sum_known(*[r.fillna(0.0).where(v.notna()) for r, v in pairs]),
                  _sum_known(*[v for _, v in pairs]))
