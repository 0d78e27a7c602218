"""The projects table: technology maturity (TRL, GB/T 22900-2022) assessments, re-assessed as projects
mature, with an advancement score and an estimated market value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data.synth.arrays import dates, ids, sigmoid
from innoscore.data.synth.world import World

__all__ = ["projects"]

TOPICS = ("关键技术研发", "成果转化", "中试验证", "产业化示范", "核心部件攻关")
TRL_RANGE = (1, 9)
ADVANCEMENT_RANGE = (0, 100)
VALUE_ROUNDING = -3  # market values in whole thousands of yuan


def projects(world: World) -> pd.DataFrame:
    rng, n, b = world.rng["proj"], world.n, world.behaviour["projects"]
    iota = world.innovation
    k = np.where(rng.random(n) < sigmoid(b["any"]["intercept"] + b["any"]["innovation_effect"] * iota),
                 1 + rng.poisson(b["extra_mean"], n), 0)
    e, first = world.events(rng, k, b)
    m = len(e)
    reps = 1 + rng.binomial(b["reassessments"]["trials"], b["reassessments"]["share"], m)
    p = np.repeat(np.arange(m), reps)
    group_start = np.repeat(np.cumsum(reps) - reps, reps)
    step = np.arange(len(p)) - group_start
    gaps = np.cumsum(np.where(step > 0, rng.integers(*b["reassessed_after_days"], len(p)), 0))
    assessed = first[p] + gaps - gaps[group_start]  # re-assessed some months after the previous one
    t = b["trl"]
    trl0 = np.clip(np.round(t["mean"] + t["innovation_effect"] * iota[e] + t["sd"] * rng.standard_normal(m)),
                   *TRL_RANGE)
    trl = np.clip(trl0[p] + np.round(step * rng.uniform(*t["gain_per_assessment"], len(p))),
                  *TRL_RANGE).astype(np.int64)
    a = b["advancement"]
    adv = np.clip(np.round(a["mean"] + a["innovation_effect"] * iota[e][p] + a["sd"] * rng.standard_normal(len(p)),
                           1), *ADVANCEMENT_RANGE)
    v = b["market_value"]
    value = np.round(np.exp(np.log(v["median"]) + v["quality_effect"] * world.quality[e][p] + v["trl_effect"] * trl
                            + v["sd"] * rng.standard_normal(len(p))), VALUE_ROUNDING)
    value = np.where(rng.random(len(p)) < v["missing_share"], np.nan, value)
    keep = (assessed <= world.extract_day) & (assessed > world.founded[e][p])
    topics = np.array(TOPICS, dtype=object)
    frame = pd.DataFrame({
        "project_id": ids("PJ", m, 8).to_numpy()[p],
        "enterprise_id": world.ids[e][p],
        "name": topics[rng.integers(0, len(topics), len(p))],
        "assessed_on": dates(assessed),
        "trl": trl,
        "advancement": adv,
        "market_value": value,
    })
    return frame[keep].reset_index(drop=True)
