"""The risk model: a latent monthly default hazard per enterprise, the failures drawn from it, and the
ground truth (the true 1- and 12-month PD of every loan-month, the latent traits).

The hazard depends non-linearly on the enterprise's situation in the year before (what lenders can see
once the accounts are published), with interactions, a business cycle that hits industries differently,
and parts that no input table shows (the frailty, the yearly shocks).  Its numbers are
``behaviour["risk"]``; the credit benchmarks are measured against the truth it writes.

Sets ``score_y``, ``cyclical``, ``fail_day`` and ``fail_year``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data.synth.arrays import WHOLE_YEAR_DAYS, dates, sigmoid
from innoscore.data.synth.cycle import stress
from innoscore.data.synth.world import World

__all__ = ["hazard", "hazard_months", "failures", "truth", "NEVER"]

NEVER = np.iinfo(np.int64).max  # the failure day of an enterprise that does not fail
FAILURE_ROWS = 200_000  # enterprises per block when drawing failures (memory)
TRUTH_ROWS = 100_000  # borrowers per block when computing the truth (memory)


def hazard(world: World) -> None:
    """The yearly hazard score (logit of the monthly hazard) per enterprise-year: the year before's accounts
    (what lenders can see from mid-year), age, innovation, certificates and penalties, plus parts no
    table shows."""
    rng, st, n, r = world.rng["haz"], world.state, world.n, world.behaviour["risk"]
    ny = len(world.years)

    def last_year(a: np.ndarray) -> np.ndarray:
        # risk follows the accounts of the year before, which lenders see from mid-year on
        return np.concatenate([a[:, :1], a[:, :-1]], axis=1)

    lev, margin, rev = last_year(st["leverage"]), last_year(st["margin"]), last_year(st["revenue"])
    growth = np.concatenate([np.zeros((n, 1)), rev[:, 1:] / np.maximum(rev[:, :-1], 1.0) - 1.0], axis=1)
    growth = np.where(rev[:, :1] > 0, growth, 0.0)
    rdc = r["rd"]
    rd = last_year(np.where(np.isfinite(st["rd_ratio"]), st["rd_ratio"], rdc["no_revenue_ratio"]))
    age = np.maximum(world.age_y, 0.0)
    year_end = world.year_days("12-31")
    pc, ye = r["penalties"], r["young_without_equity"]
    pen = _recent(world.penalty_days, year_end, pc["window_days"], n, count=True)
    equity = _recent(world.equity_closed, year_end, ye["equity_years"] * WHOLE_YEAR_DAYS, n, count=False)
    lv, mg, yt, sz, ds = r["leverage"], r["margin"], r["youth"], r["size"], r["distress"]
    score = (
        r["intercept"]
        + lv["slope"] * np.maximum(lev - lv["knot"], 0) + lv["high_slope"] * np.maximum(lev - lv["high_knot"], 0)
        + mg["effect"] * np.tanh(mg["steepness"] * margin)
        + r["decline_effect"] * np.clip(-growth, 0, 1)
        + rdc["effect"] * np.minimum(rd / rdc["full_credit_ratio"], 1.0)
        + rdc["excess_effect"] * np.maximum(rd - rdc["excess_above"], 0)
        + yt["effect"] * np.exp(-age / yt["fade_years"])
        + sz["effect"] * (np.log10(rev + sz["log10_offset"]) - sz["log10_reference"])
        + r["innovation_effect"] * world.innovation[:, None]
        + r["high_tech_effect"] * world.holds_ht
        + ds["effect"] * ((lev > ds["min_leverage"]) & (margin < 0))
        + ye["effect"] * ((age < ye["max_age_years"]) & ~equity)
        + pc["effect"] * np.minimum(pen, pc["cap"])
        + r["frailty_effect"] * world.frailty[:, None]  # never in the input tables (penalties hint at it)
        + r["credit_hunger_effect"] * world.credit_hunger[:, None]
        + r["yearly_shock_sd"] * rng.standard_normal((n, ny))  # yearly shocks: never in the input tables
    )
    world.score_y = score.astype(np.float32)
    world.cyclical = world.industry_values("cyclical", np.float32)


def _recent(events: tuple[np.ndarray, np.ndarray], year_end: np.ndarray, window: int, n: int,
            count: bool) -> np.ndarray:
    """Per enterprise and year, the events in the ``window`` days up to the year's end: how many
    (``count``) or whether any."""
    e, day = events
    out = np.zeros((n, len(year_end))) if count else np.zeros((n, len(year_end)), dtype=bool)
    for j, d in enumerate(year_end):
        hit = (day <= d) & (day > d - window)
        if count:
            np.add.at(out[:, j], e[hit], 1.0)
        else:
            out[e[hit], j] = True
    return out


def hazard_months(world: World, rows: np.ndarray) -> np.ndarray:
    """Monthly hazards of the given enterprises over ``world.month_ends`` (len(rows) x months)."""
    me, c = world.month_ends, world.behaviour["risk"]["cycle"]
    year_idx = np.clip(me.year.to_numpy() - world.y0, 0, len(world.years) - 1)
    t = me.year.to_numpy() + (me.month.to_numpy() - 0.5) / 12.0  # the middle of the month
    macro = stress(t, world.behaviour["cycle"]).astype(np.float32)
    # the cycle moves everyone, cyclical industries a little more (1: an average industry)
    logit = world.score_y[rows][:, year_idx] + \
        macro[None, :] * (c["effect"] + c["cyclical_effect"] * (world.cyclical[rows][:, None] - 1.0))
    return sigmoid(logit).astype(np.float32)


def failures(world: World) -> None:
    """Draw each enterprise's failure date from its hazard (months in the loan window)."""
    rng, n = world.rng["haz"], world.n
    n_months = world.spec.months
    fail_day = np.full(n, NEVER, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    month_starts = world.me_days - world.month_ends.days_in_month.to_numpy() + 1
    for lo in range(0, n, FAILURE_ROWS):
        rows = np.arange(lo, min(n, lo + FAILURE_ROWS))
        h = hazard_months(world, rows)[:, :n_months]
        draws = rng.random(h.shape, dtype=np.float32)
        exists = world.founded[rows][:, None] <= world.me_days[None, :n_months]
        hit = (draws < h) & exists
        first = np.where(hit.any(axis=1), hit.argmax(axis=1), -1)
        has = first >= 0
        ms = month_starts[first[has]]
        span = world.month_ends.days_in_month.to_numpy()[first[has]]
        fail_day[rows[has]] = ms + (rng.random(has.sum()) * span).astype(np.int64)
        alive[rows[has]] = False
    world.fail_day = fail_day
    world.fail_year = np.where(alive, 9999, pd.Series(dates(np.where(alive, 0, fail_day))).dt.year.to_numpy())


def truth(world: World, loans: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """True PDs of every loan-month, and each enterprise's latent traits."""
    n_months = world.spec.months
    me = world.me_days[:n_months]
    # month-end index range during which each loan is outstanding: orig <= D < end
    first = np.searchsorted(me, world.loan_orig, side="left")
    last = np.searchsorted(me, np.minimum(world.loan_end, world.extract_day + 1), side="left")
    count = np.maximum(last - first, 0)
    li = np.repeat(np.arange(len(loans)), count)
    offs = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    mi = first[li] + offs
    borrowers, inv = np.unique(world.loan_e, return_inverse=True)
    pd1 = np.empty(len(li), dtype=np.float32)
    pd12 = np.empty(len(li), dtype=np.float32)
    for lo in range(0, len(borrowers), TRUTH_ROWS):
        b = borrowers[lo:lo + TRUTH_ROWS]
        h = hazard_months(world, b).astype(np.float64)
        logs = np.concatenate([np.zeros((len(b), 1)), np.cumsum(np.log1p(-h), axis=1)], axis=1)
        sel = (inv[li] >= lo) & (inv[li] < lo + TRUTH_ROWS)
        r, c = inv[li][sel] - lo, mi[sel]
        pd1[sel] = h[r, c + 1]  # the month after the month-end; pd_12m: the twelve after it
        pd12[sel] = 1.0 - np.exp(logs[r, c + 13] - logs[r, c + 1])
    loan_months = pd.DataFrame({
        "loan_id": loans["loan_id"].to_numpy()[li],
        "enterprise_id": world.ids[world.loan_e[li]],
        "month_end": world.month_ends[:n_months].to_numpy()[mi].astype("datetime64[s]"),
        "pd_1m": pd1,
        "pd_12m": pd12,
    })
    failed = world.fail_day < NEVER
    latent = pd.DataFrame({
        "enterprise_id": world.ids,
        "quality": world.quality.astype(np.float32),
        "innovation": world.innovation.astype(np.float32),
        "frailty": world.frailty.astype(np.float32),
        "credit_hunger": world.credit_hunger.astype(np.float32),
        "failed_on": pd.Series(dates(np.where(failed, world.fail_day, 0))).where(failed),
    })
    return {"loan_months": loan_months, "enterprises": latent}
