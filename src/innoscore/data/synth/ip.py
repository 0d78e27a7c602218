"""The IP rights table: patents, software copyrights and the like, filed over an enterprise's life, some
granted, some lapsed, a few pledged; plus the core inventions that 高企 and 小巨人 certificates ask for.

Needs ``first_issue`` (certifications.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data.synth.arrays import YEAR_DAYS, choice, dates, sigmoid
from innoscore.data.synth.world import World

__all__ = ["ip_rights"]

# the letters an IP number carries for each kind (CN + year + these + a sequence number)
ID_CODES = {"invention": "1", "utility_model": "2", "design": "3", "software_copyright": "SR", "pct": "PCT",
            "ic_layout": "BT", "plant_variety": "PV"}
CORE_ID_CODE = "1C"  # the core inventions behind a certificate
PLEDGEABLE = ("invention", "utility_model")
# how many core inventions a first certificate needs: the rule's key in features/certifications.yaml
CORE_IP_RULES = {"high_tech_enterprise": "min_core_ip", "little_giant": "min_class_one_ip"}


def ip_rights(world: World) -> pd.DataFrame:
    rng, n, b = world.rng["ip"], world.n, world.behaviour["ip"]
    iota, age_now = world.innovation, world.age_now()
    a, c = b["any"], b["count"]
    p_any = sigmoid(a["intercept"] + a["innovation_effect"] * iota + a["log_age_effect"] * np.log1p(age_now))
    size_ref = world.behaviour["enterprises"]["size"]["median"]
    mean = np.exp(c["intercept"] + c["innovation_effect"] * iota + c["log_age_effect"] * np.log1p(age_now)
                  + c["log_size_effect"] * (world.log_size - np.log(size_ref)))
    lam = rng.gamma(c["dispersion_shape"], mean / c["dispersion_shape"])
    k = np.where(rng.random(n) < p_any, rng.poisson(lam), 0)
    e = np.repeat(np.arange(n), k)
    m = len(e)
    life = world.extract_day - world.founded[e]
    filed = world.founded[e] + (rng.random(m) * life).astype(np.int64)  # at a steady rate over its life
    table = b["kinds"]
    kinds = np.array(list(table), dtype=object)
    kind_i = choice(rng, m, [t["share"] for t in table.values()])
    p_grant = np.array([t["grant"] for t in table.values()])[kind_i]
    lag_lo = np.array([t["grant_days"][0] for t in table.values()])[kind_i]
    lag_hi = np.array([t["grant_days"][1] for t in table.values()])[kind_i]
    term = np.array([t["term_years"] for t in table.values()])[kind_i]
    granted = filed + lag_lo + (rng.random(m) * (lag_hi - lag_lo)).astype(np.int64)
    granted_ok = (rng.random(m) < p_grant) & (granted <= world.extract_day)
    term_end = filed + (term * YEAR_DAYS).astype(np.int64)
    early = granted + (rng.exponential(b["early_lapse_mean_years"], m) * YEAR_DAYS).astype(np.int64)
    lapse = np.where(rng.random(m) < b["early_lapse_share"], np.minimum(early, term_end), term_end)
    lapse_ok = granted_ok & (lapse <= world.extract_day)
    pledgeable = np.flatnonzero(np.isin(kinds, PLEDGEABLE))
    pledged = granted_ok & np.isin(kind_i, pledgeable) & (rng.random(m) < b["pledged_share"])
    year = pd.Series(dates(filed)).dt.year.astype("str")
    code = np.array([ID_CODES[k] for k in kinds], dtype=object)[kind_i]
    ip_id = "CN" + year + pd.Series(code) + pd.Series(np.arange(m)).astype("str").str.zfill(9)
    frame = pd.DataFrame({
        "ip_id": ip_id,
        "enterprise_id": world.ids[e],
        "kind": kinds[kind_i],
        "filed_on": dates(filed),
        "granted_on": pd.Series(dates(granted)).where(granted_ok),
        "lapsed_on": pd.Series(dates(lapse)).where(lapse_ok),
        "pledged": pledged,
    })
    out = pd.concat([frame, _core_inventions(world, rng)], ignore_index=True)
    # obtained by transfer, gift or merger rather than developed in house; some registries leave it empty
    origin = world.rng["ip_origin"]
    draw = origin.random(len(out))
    acquired = pd.Series(draw < b["acquired_share"], dtype="boolean")
    acquired[origin.random(len(out)) < b["unknown_origin_share"]] = pd.NA
    acquired[len(frame):] = False  # the core patents of a certificate were developed in house
    out["acquired"] = acquired
    return out


def _core_inventions(world: World, rng: np.random.Generator) -> pd.DataFrame:
    """Invention patents granted before an enterprise's first 高企 or 小巨人 certificate, as many as those
    rules ask for (one and two in features/certifications.yaml)."""
    b = world.behaviour["ip"]
    counts = {kind: int(world.certs[kind][key]) for kind, key in CORE_IP_RULES.items()}
    e = np.concatenate([world.first_issue[k][0] for k, count in counts.items() for _ in range(count)])
    first = np.concatenate([world.first_issue[k][1] for k, count in counts.items() for _ in range(count)])
    m = len(e)
    gap = b["core_min_days"]
    filed = np.maximum(first - rng.integers(*b["core_filed_days_before"], m), world.founded[e] + gap)
    granted = np.maximum(first - rng.integers(*b["core_granted_days_before"], m), filed + gap)
    keep = granted <= world.extract_day
    e, filed, granted = e[keep], filed[keep], granted[keep]
    year = pd.Series(dates(filed)).dt.year.astype("str")
    return pd.DataFrame({
        "ip_id": "CN" + year + CORE_ID_CODE + pd.Series(np.arange(len(e))).astype("str").str.zfill(8),
        "enterprise_id": world.ids[e],
        "kind": "invention",
        "filed_on": dates(filed),
        "granted_on": dates(granted),
        "lapsed_on": pd.Series(pd.NaT, index=range(len(e)), dtype="datetime64[s]"),
        "pledged": False,
    })
