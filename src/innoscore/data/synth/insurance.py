"""The insurance policies table: first-set (首台套) equipment insurance.  Equipment makers with strong
innovation insure a catalogue product for one to a few consecutive policy years, the premium a rate of
the sum insured."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data.synth.arrays import WHOLE_YEAR_DAYS, YEAR_DAYS, dates, ids
from innoscore.data.synth.world import World

__all__ = ["insurance_policies"]

INSURED_ROUNDING = -4  # sums insured in whole 10,000 yuan


def insurance_policies(world: World) -> pd.DataFrame:
    rng, n, cfg = world.rng["insurance"], world.n, world.behaviour["insurance"]
    maker = np.isin(np.array(world.codes("industries"), dtype=object)[world.industry], list(cfg["industries"]))
    who = np.flatnonzero(maker & (world.innovation > cfg["min_innovation"]) & (rng.random(n) < cfg["uptake"]))
    years = rng.integers(1, cfg["max_years"] + 1, len(who))
    first = np.maximum(world.founded[who] + cfg["first_after_founding_days"], world.start_day) + \
        (rng.random(len(who)) * cfg["first_within_years"] * WHOLE_YEAR_DAYS).astype(np.int64)
    e = np.repeat(who, years)
    k = np.arange(years.sum()) - np.repeat(np.cumsum(years) - years, years)
    start = np.repeat(first, years) + np.round(k * YEAR_DAYS).astype(np.int64)
    keep = start <= world.extract_day
    e, k, start = e[keep], k[keep], start[keep]
    m = len(e)
    insured = np.round(np.exp(rng.normal(cfg["insured"]["log_mean"], cfg["insured"]["sd"], m)), INSURED_ROUNDING)
    premium = np.round(insured * rng.uniform(*cfg["premium_rate"], m), 2)
    return pd.DataFrame({
        "policy_id": ids("FS", m, 8),
        "enterprise_id": world.ids[e],
        "equipment": pd.Series(world.ids[e]).str[-6:].radd("首台套装备-").to_numpy(),
        "insured_amount": insured,
        "premium": premium,
        "starts_on": dates(start),
        "ends_on": dates(start + np.round(YEAR_DAYS).astype(np.int64)),
    })
