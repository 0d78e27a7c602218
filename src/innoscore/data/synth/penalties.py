"""The penalties table: administrative and tax penalties, court enforcement, dishonest-debtor and
abnormal-operation listings.  The frailty (never in a table) shows through them.

Sets ``penalty_days`` (enterprise, day) for the risk model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data.synth.arrays import choice, dates, ids, shares
from innoscore.data.synth.world import World

__all__ = ["penalties"]

FINE_ROUNDING = -2  # fines in whole hundreds of yuan


def penalties(world: World) -> pd.DataFrame:
    rng, b = world.rng["pen"], world.behaviour["penalties"]
    r = b["rate"]
    k = rng.poisson(r["base"] + r["frailty"] * np.exp(r["frailty_slope"] * world.frailty + r["frailty_intercept"]))
    e, day = world.events(rng, k, b)
    m = len(e)
    kinds, kind_shares = shares(b["kind_shares"])
    ki = choice(rng, m, kind_shares)
    fined = np.isin(kinds[ki], b["fined_kinds"])
    amount = np.where(fined, np.round(np.exp(np.log(b["fine"]["median"]) + b["fine"]["sd"] * rng.standard_normal(m)),
                                      FINE_ROUNDING), np.nan)
    world.penalty_days = (e, day)
    frame = pd.DataFrame({"penalty_id": ids("PN", m, 9), "enterprise_id": world.ids[e], "kind": kinds[ki],
                          "occurred_on": dates(day), "amount": amount})
    return frame[day <= world.extract_day].reset_index(drop=True)
