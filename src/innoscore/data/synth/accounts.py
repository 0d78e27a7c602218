"""The yearly state behind the accounts (revenue, margin, R&D, staff, assets, leverage ...) and the
financials table, the accounts as published 4-6 months after the year's end.

Sets on the world: ``state`` (n x years: revenue, margin, rd_ratio, rd_expense, employees, rd_staff,
assets, leverage, ht_share, net_profit, exists, staff_share, mb_share) and ``age_y`` (age at each year's
end).  ``financials`` needs ``fail_year`` (no accounts after failing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data.synth.arrays import YEAR_DAYS, dates, days, sigmoid
from innoscore.data.synth.cycle import stress_by_year
from innoscore.data.synth.world import World

__all__ = ["yearly_state", "drop_state", "financials"]

RAMP_FLOOR = 1e-4  # the growth ramp's smallest factor (keeps the log finite)


def yearly_state(world: World) -> None:
    """Revenue, margins, leverage ... per enterprise and fiscal year (n x years)."""
    rng, n, years, b = world.rng["fin"], world.n, world.years, world.behaviour["accounts"]
    q, iota = world.quality, world.innovation
    ny = len(years)
    age = (world.year_days("12-31")[None, :] - world.founded[:, None]) / YEAR_DAYS  # age at year end
    world.age_y = age
    exists = age > 0
    macro = stress_by_year(years, world.behaviour["cycle"])
    cyc = world.industry_values("cyclical")
    # revenue path: logistic growth towards the mature size, random-walk shocks, business cycle
    r = b["revenue"]
    shock = np.cumsum(r["shock_sd"] * rng.standard_normal((n, ny)), axis=1)
    ramp = 1.0 / (1.0 + np.exp(-(age - r["ramp_midpoint_years"]) / r["ramp_width_years"]))
    log_rev = world.log_size[:, None] + np.log(np.maximum(ramp, RAMP_FLOOR)) + shock \
        + r["cycle_effect"] * macro[None, :] * cyc[:, None]
    revenue = np.exp(log_rev)
    zero_rev = (age < r["no_revenue_before_years"]) | \
        ((age < r["slow_start_before_years"]) & (rng.random((n, 1)) < r["slow_start_share"]))
    revenue = np.where(zero_rev, 0.0, revenue)
    m = b["margin"]
    margin = (m["base"] + m["quality_effect"] * q[:, None] + m["sd"] * rng.standard_normal((n, ny))
              + m["start_up_loss"] * np.exp(-age / m["start_up_loss_years"])
              + m["cycle_effect"] * macro[None, :] * cyc[:, None])
    rr = b["rd_ratio"]
    rd_ratio = np.exp(np.log(rr["median"]) + rr["innovation_effect"] * iota[:, None]
                      + rr["sd"] * rng.standard_normal((n, ny)))
    rd_ratio = np.clip(rd_ratio, 0.0, rr["max"])
    su = b["start_up_rd"]
    startup_rd = np.exp(np.log(su["median"]) + su["innovation_effect"] * iota + su["sd"] * rng.standard_normal(n))
    rd_expense = np.where(revenue > 0, rd_ratio * revenue, startup_rd[:, None] * np.minimum(age, 1.0))
    e = b["employees"]
    productivity = np.exp(np.log(e["revenue_per_employee_median"]) + e["revenue_per_employee_sd"]
                          * rng.standard_normal(n))
    start_up_staff = e["start_up_base"] + e["start_up_per_year"] * np.minimum(age, e["start_up_growth_years"])
    employees = np.maximum(np.round(np.where(revenue > 0, revenue / productivity[:, None], start_up_staff)), e["min"])
    st = b["rd_staff"]
    staff_share = np.clip(st["base"] + st["rd_ratio_effect"] * rd_ratio + st["innovation_effect"] * iota[:, None]
                          + st["sd"] * rng.standard_normal((n, ny)), *st["range"])
    rd_staff = np.minimum(np.round(staff_share * employees), employees)
    a = b["assets"]
    turnover = np.exp(np.log(a["turnover_median"]) + a["turnover_sd"] * rng.standard_normal(n))
    assets = np.where(revenue > 0, revenue / turnover[:, None], startup_rd[:, None] * a["start_up_multiple"]) * \
        np.exp(a["yearly_sd"] * rng.standard_normal((n, ny)))
    lv = b["leverage"]
    lev_base = lv["base"] + lv["quality_effect"] * q + lv["enterprise_sd"] * rng.standard_normal(n) \
        + lv["credit_hunger_effect"] * world.credit_hunger
    leverage = sigmoid(lev_base[:, None] + lv["yearly_sd"] * rng.standard_normal((n, ny))
                       + lv["cycle_effect"] * macro[None, :])
    leverage = np.where(rng.random((n, 1)) < lv["over_indebted_share"], leverage * lv["over_indebted_multiple"],
                        leverage)
    ht = b["high_tech_revenue"]
    ht_share = np.clip(sigmoid(ht["base"] + ht["innovation_effect"] * iota)[:, None]
                       + ht["yearly_sd"] * rng.standard_normal((n, ny)), 0, 1)
    net_profit = np.where(revenue > 0, margin * revenue, -rd_expense - su["other_costs"] * np.minimum(age, 1))
    # main business over revenue (主营业务收入占比): steady per enterprise; a minority is diversified
    mb, mbc = world.rng["main_business"], b["main_business"]
    diversified = mb.random(n) < mbc["diversified_share"]
    mb_base = np.where(diversified, mb.uniform(*mbc["diversified"], n), mb.uniform(*mbc["focused"], n))
    mb_share = np.clip(mb_base[:, None] + mbc["yearly_sd"] * mb.standard_normal((n, ny)), *mbc["range"])
    world.state = dict(revenue=revenue, margin=margin, rd_ratio=np.where(revenue > 0, rd_ratio, np.inf),
                       rd_expense=rd_expense, employees=employees, rd_staff=rd_staff, assets=assets,
                       leverage=leverage, ht_share=ht_share, net_profit=net_profit, exists=exists,
                       staff_share=rd_staff / employees, mb_share=mb_share)


def drop_state(world: World, keep: tuple[str, ...]) -> None:
    """Free the yearly matrices no later step needs."""
    world.state = {k: v for k, v in world.state.items() if k in keep}


def financials(world: World) -> pd.DataFrame:
    """The accounts of each year an enterprise existed, published by the extraction date, up to its failure."""
    rng, st, b = world.rng["fin"], world.state, world.behaviour["financials"]
    n, years = world.n, world.years
    ny = len(years)
    publish = _next_year(world)[None, :] + rng.integers(*b["published_days_after_year_end"], (n, ny))
    never = rng.random(n) < b["never_file_share"]
    keep = st["exists"] & (publish <= world.extract_day) & ~never[:, None]
    keep &= years[None, :] <= world.fail_year[:, None]
    e_idx, y_idx = np.nonzero(keep)
    m = len(e_idx)

    def take(name: str) -> np.ndarray:
        return st[name][e_idx, y_idx]

    revenue = np.round(take("revenue"))
    ht_rev = np.round(revenue * take("ht_share"))
    costs = np.round(np.maximum(revenue * (1 - take("margin") - b["other_expense_share"]), 0.0))
    tc = b["tech_contract"]
    tech_contract = np.where(rng.random(m) < tc["none_share"], 0.0,
                             np.round(revenue * np.exp(tc["log_share_of_revenue"]
                                                      + tc["log_sd"] * rng.standard_normal(m))))
    exporter = rng.random(n) < b["exporter_share"]
    exports = np.where(exporter[e_idx], np.round(revenue * rng.uniform(*b["export_share"], m)), 0.0)
    tax = np.round(np.maximum(revenue * b["tax"]["revenue_rate"]
                              + np.maximum(take("net_profit"), 0) * b["tax"]["profit_rate"], 0))
    frame = pd.DataFrame({
        "enterprise_id": world.ids[e_idx],
        "fiscal_year": years[y_idx],
        "revenue": revenue,
        "operating_costs": costs,
        "net_profit": np.round(take("net_profit")),
        "total_assets": np.round(take("assets")),
        "total_liabilities": np.round(take("assets") * take("leverage")),
        "rd_expense": np.round(take("rd_expense")),
        "employees": take("employees").astype(np.int64),
        "rd_staff": take("rd_staff").astype(np.int64),
        "high_tech_revenue": ht_rev,
        "tech_contract_turnover": tech_contract,
        "export_revenue": exports,
        "tax_paid": tax,
        "published_on": dates(publish[e_idx, y_idx]),
        "main_business_revenue": np.round(revenue * take("mb_share")),
    })
    # missing values where real filings leave them out
    for col, share in b["missing_share"].items():
        frame.loc[rng.random(m) < share, col] = np.nan
    frame.loc[frame["employees"].isna(), "rd_staff"] = np.nan
    for col in ("employees", "rd_staff"):
        frame[col] = frame[col].astype("Int64")
    return frame


def _next_year(world: World) -> np.ndarray:
    """1 January after each fiscal year, as day numbers."""
    return days(np.array([f"{y + 1}-01-01" for y in world.years], dtype="datetime64[D]"))
