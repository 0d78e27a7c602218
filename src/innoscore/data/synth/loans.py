"""The loans table: loans originated month by month from several banks, priced off the one-year LPR
with a spread for the risk banks can see; a loan outstanding when its enterprise fails gets
``defaulted_on``.

Needs ``fail_day`` and ``score_y`` (risk.py) and the yearly revenue; sets ``loan_e``, ``loan_orig`` and
``loan_end`` for the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data.synth.arrays import choice, dates, days, ids, pick_within, shares, sigmoid
from innoscore.data.synth.world import World

__all__ = ["loans"]

DAYS_PER_MONTH = 30.44  # on average: a borrower's months in the window
AMOUNT_ROUNDING = -4  # loans in whole 10,000 yuan


def loans(world: World) -> pd.DataFrame:
    rng, n, b = world.rng["loan"], world.n, world.behaviour["loans"]
    banks = world.province["banks"]
    hunger, q = world.credit_hunger, world.quality
    window_end = np.minimum(world.extract_day, world.fail_day)
    window_start = np.maximum(world.start_day, world.founded + b["first_after_founding_days"])
    months = np.maximum(window_end - window_start, 0) / DAYS_PER_MONTH
    size = np.clip(world.log_size - np.log(world.behaviour["enterprises"]["size"]["median"]), *b["size_range"])
    r, br = b["rate"], b["borrower"]
    rate = np.exp(r["intercept"] + r["size_effect"] * size + r["credit_hunger_effect"] * hunger
                  + r["quality_effect"] * q)
    borrower = rng.random(n) < sigmoid(br["intercept"] + br["size_effect"] * size
                                       + br["credit_hunger_effect"] * hunger)
    k = np.where(borrower, rng.poisson(rate * months), 0)
    e = np.repeat(np.arange(n), k)
    m = len(e)
    orig = window_start[e] + (rng.random(m) * np.maximum(window_end[e] - window_start[e], 1)).astype(np.int64)
    keep = orig < window_end[e]
    e, orig = e[keep], orig[keep]
    m = len(e)
    primary = choice(rng, n, [bk["share"] for bk in banks])
    other = choice(rng, m, [bk["share"] for bk in banks])
    ob = b["other_bank"]
    cap = ob["credit_hunger_cap"]
    bank_i = np.where(rng.random(m) < ob["share"] + ob["credit_hunger_effect"] * np.clip(hunger[e], -cap, cap),
                      other, primary[e])
    product = pick_within(rng, bank_i, [bk["products"] for bk in banks])
    tenors, tenor_shares = shares(b["tenor_month_shares"])
    tenor = tenors.astype(np.int64)[choice(rng, m, tenor_shares)]
    month_of = dates(orig).astype("datetime64[M]")
    maturity = days((month_of + tenor).astype("datetime64[D]")) + (orig - days(month_of.astype("datetime64[D]")))
    maturity = np.maximum(maturity, orig + b["min_days"])
    # the enterprise's revenue in the year of origination sizes the loan
    year = pd.Series(dates(orig)).dt.year.to_numpy()
    jy = np.clip(year - world.y0, 0, len(world.years) - 1)
    rev = world.state["revenue"][e, jy]
    a = b["amount"]
    amount = np.where(rev > 0, rev * rng.uniform(*a["revenue_share"], m),
                      np.exp(np.log(a["no_revenue"]["median"]) + a["no_revenue"]["sd"] * rng.standard_normal(m)))
    amount = np.clip(np.round(amount, AMOUNT_ROUNDING), *a["range"])
    lpr = _lpr(world, orig)
    seen_risk = world.score_y[e, jy] + b["seen_frailty"] * world.frailty[e]  # banks see part of the risk
    sp = b["spread"]
    spread = np.clip(sp["base"] + sp["risk_effect"] * (seen_risk + sp["risk_offset"])
                     + sp["sd"] * rng.standard_normal(m), *sp["range"])
    rate_pct = np.round(np.clip(lpr + spread, *b["rate_range"]), 2)
    collaterals, collateral_shares = shares(b["collateral_shares"])
    coll = collaterals[choice(rng, m, collateral_shares)]
    failed = world.fail_day[e]
    early = orig + ((maturity - orig) * rng.uniform(*b["early_repaid_at"], m)).astype(np.int64)
    early_ok = rng.random(m) < b["early_repaid_share"]
    end_contract = np.where(early_ok, early, maturity)
    defaulted = (failed >= orig) & (failed < end_contract)
    repaid_day = np.where(defaulted, -1, end_contract)
    repaid_ok = ~defaulted & (repaid_day <= world.extract_day)
    order = np.lexsort((orig, e))
    signed = orig - world.rng["loan_contract"].integers(0, b["signed_days_before"] + 1, m)
    frame = pd.DataFrame({
        "enterprise_id": world.ids[e],
        "bank": np.array(world.codes("banks"), dtype=object)[bank_i],
        "product": product,
        "amount": amount,
        "rate": rate_pct,
        "signed_on": dates(signed),
        "originated_on": dates(orig),
        "maturity_on": dates(maturity),
        "collateral": coll,
        "defaulted_on": pd.Series(dates(np.where(defaulted, failed, 0))).where(defaulted),
        "repaid_on": pd.Series(dates(np.maximum(repaid_day, 0))).where(repaid_ok),
    }).iloc[order].reset_index(drop=True)
    frame.insert(0, "loan_id", ids("LN", len(frame), 10))
    world.loan_e = e[order]
    world.loan_orig, world.loan_end = orig[order], np.where(defaulted, failed, end_contract)[order]
    return frame


def _lpr(world: World, day_numbers: np.ndarray) -> np.ndarray:
    """The one-year LPR on each day (the loans here run up to 3 years, which price off the one-year
    rate); before the first published rate, the first."""
    rates = world.policy.lpr(dates(day_numbers), "one_year")
    return np.where(np.isnan(rates), world.policy.lpr_rates["one_year"][0], rates)
