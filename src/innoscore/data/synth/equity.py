"""The equity rounds table, and each enterprise's valuation (the last round's post-money value, or a
multiple of revenue when listed).

Sets on the world: ``equity_closed`` (enterprise, closing day of each round, in table order) and
``valuation``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data.synth.arrays import YEAR_DAYS, choice, dates, ids, shares, sigmoid
from innoscore.data.synth.world import World

__all__ = ["equity_rounds"]

VALUATION_ROUNDING = -4  # valuations and amounts in whole 10,000 yuan


def equity_rounds(world: World) -> pd.DataFrame:
    rng, n, b = world.rng["eq"], world.n, world.behaviour["equity"]
    iota = world.innovation
    r = b["rate"]
    rate = r["base"] + r["innovation"] * sigmoid(r["innovation_slope"] * iota + r["innovation_intercept"]) * \
        np.exp(-world.age_now() / r["fade_years"])
    k = rng.poisson(rate)
    e, closed = world.events(rng, k, b)
    ok = closed <= world.extract_day
    e, closed = e[ok], closed[ok]
    m = len(e)
    kinds, kind_shares = shares(b["investor_shares"])
    kind = kinds[choice(rng, m, kind_shares)]
    a = b["amount"]
    amount = np.round(np.exp(np.log(a["median"]) + a["innovation_effect"] * iota[e] + a["sd"] * rng.standard_normal(m)),
                      VALUATION_ROUNDING)
    banks = np.array(world.codes("banks"), dtype=object)
    named = np.array(world.province.get("investors") or [None], dtype=object)  # none named: left empty
    investor = np.where(kind == "bank_affiliated", banks[rng.integers(0, len(banks), m)],
                        named[rng.integers(0, len(named), m)])
    investor = np.where((kind != "bank_affiliated") & (rng.random(m) < b["unnamed_investor_share"]), None, investor)
    funds = world.codes("funds")
    fr, fc = world.rng["funds"], b["funds"]
    if funds:  # the province's guidance sub-funds are recorded by their code
        investor = np.where(kind == "guidance_fund", np.array(funds, dtype=object)[fr.integers(0, len(funds), m)],
                            investor)
    vc_pe = np.isin(kind, ["vc", "pe"])
    guided = vc_pe & (fr.random(m) < fc["vc_pe_with_guidance"])
    share = np.where(kind == "guidance_fund", fr.uniform(*fc["sub_fund_share"], m),
                     np.where(guided, fr.uniform(*fc["vc_pe_share"], m), np.where(vc_pe, 0.0, np.nan)))
    exit_day = closed + np.round(fr.uniform(*fc["exit_years"], m) * YEAR_DAYS).astype(np.int64)
    exited = (fr.random(m) < fc["exit_share"]) & (exit_day <= world.extract_day)
    order = np.lexsort((closed, e))
    e, closed, kind, amount, investor = e[order], closed[order], kind[order], amount[order], investor[order]
    share, exit_day, exited = share[order], exit_day[order], exited[order]
    world.equity_closed = (e, closed)
    valuation = np.full(n, np.nan)
    pm = b["post_money_multiple"]
    valuation[e] = amount * np.exp(rng.normal(np.log(pm["median"]), pm["sd"], len(e)))  # the last round wins
    listed_val = np.exp(world.log_size + np.log(b["listed_revenue_multiple"]))
    valued = np.where(world.listed, np.round(listed_val, VALUATION_ROUNDING), np.round(valuation, VALUATION_ROUNDING))
    world.valuation = np.minimum(valued, b["max_valuation"])
    return pd.DataFrame({
        "round_id": ids("R", m, 9),
        "enterprise_id": world.ids[e],
        "closed_on": dates(closed),
        "amount": amount,
        "investor_kind": kind,
        "investor": investor,
        "guidance_fund_share": np.round(share, 3),
        "exited_on": pd.Series(dates(exit_day)).where(exited),
    })
