"""The awards table: prizes, R&D platforms, standards and S&T projects, at levels from municipal to
international; a 小巨人 gets the provincial R&D platforms its rules ask for before its first certificate.

Needs ``first_issue`` (certifications.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data.synth.arrays import choice, dates, ids, shares, sigmoid
from innoscore.data.synth.world import World

__all__ = ["awards"]

NATIONAL_LEVELS = ("national", "international")


def awards(world: World) -> pd.DataFrame:
    rng, b = world.rng["award"], world.behaviour["awards"]
    r = b["rate"]
    k = rng.poisson(r["base"] + r["innovation"] * sigmoid(r["innovation_slope"] * world.innovation
                                                          + r["innovation_intercept"]))
    e, day = world.events(rng, k, b)
    m = len(e)
    kinds, kind_shares = shares(b["kind_shares"])
    kind_i = choice(rng, m, kind_shares)
    levels, level_shares = shares(b["level_shares"])
    level = levels[choice(rng, m, level_shares)]
    grade, unit = _ranks(world, m, level, world.innovation[e])
    is_award = kinds[kind_i] == "award"
    frame = pd.DataFrame({"award_id": ids("AW", m, 9), "enterprise_id": world.ids[e], "kind": kinds[kind_i],
                          "level": level, "awarded_on": dates(day),
                          "prize_grade": pd.Series(grade, dtype="Int64").where(is_award),
                          "unit_rank": pd.Series(unit, dtype="Int64").where(is_award)})
    lg_e, lg_first = world.first_issue["little_giant"]
    per = int(world.certs["little_giant"]["min_rd_platforms"])  # as many as the rule asks for
    lg_e, lg_first = np.concatenate([lg_e] * per), np.concatenate([lg_first] * per)
    lg_day = np.maximum(lg_first - rng.integers(*b["little_giant_platform_days_before"], len(lg_e)),
                        world.founded[lg_e] + b["little_giant_platform_min_days"])
    platforms = pd.DataFrame({"award_id": ids("AWP", len(lg_e), 8), "enterprise_id": world.ids[lg_e],
                              "kind": "rd_platform", "level": "provincial", "awarded_on": dates(lg_day)})
    return pd.concat([frame[day <= world.extract_day], platforms[lg_day <= world.extract_day]], ignore_index=True)


def _ranks(world: World, m: int, level: np.ndarray, iota: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prize grade (0 special, 1 first, 2 second, 3 third) and the enterprise's place among the
    co-winning units; more innovative enterprises tend to lead."""
    rng, b = world.rng["award_rank"], world.behaviour["awards"]
    national = np.isin(level, NATIONAL_LEVELS)
    grade = np.where(national, choice(rng, m, b["grade_shares_national"]), choice(rng, m, b["grade_shares"]))
    lead = sigmoid(b["lead_intercept"] + b["lead_innovation_effect"] * iota)
    unit = np.minimum(rng.geometric(lead), b["max_units"])
    return grade, unit
