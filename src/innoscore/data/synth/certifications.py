"""The certifications table: certificates that mostly follow their rules (``features/certifications.yaml``)
with some noise, issued on each kind's cadence; honours; tech leaders and unicorns.

Needs the yearly state and ``valuation``; sets ``holds_ht`` (a 高企 certificate each year, which lowers
the risk) and ``first_issue`` (the first 高企 and 小巨人 certificates, which IP and awards follow).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data.synth.arrays import WHOLE_YEAR_DAYS, band_points, dates, days
from innoscore.data.synth.world import World

__all__ = ["certifications"]

CERTIFICATE_NO_WIDTH = 10
RD_RATIO_YEARS = 3  # the 高企 rule's R&D ratio is over the last three years
IP_LED = ("high_tech_enterprise", "little_giant")  # kinds whose first certificate IP and a platform precede


def certifications(world: World) -> pd.DataFrame:
    rng, st, cfg, b = world.rng["cert"], world.state, world.certs, world.behaviour["certifications"]
    n, years = world.n, world.years
    ny = len(years)
    alive = st["exists"] & (years[None, :] <= world.fail_year[:, None])  # existing, not yet failed
    elig = _eligible(world, alive)
    honours = b["honours"]
    uptake = {**b["uptake"], **{k: h["uptake"] for k, h in honours.items()}}
    noise = {**b["noise"], **dict.fromkeys(honours, 0.0)}
    issue_window = {**b["issue_window_days"], **dict.fromkeys(honours, b["honour_window_days"])}
    ystart = world.year_days("01-01")
    rows = []
    holds_ht = np.zeros((n, ny), dtype=bool)
    for kind, ok in elig.items():
        valid = int(cfg["validity_years"][kind])
        phase = rng.integers(0, valid, n)
        cadence = ((np.arange(ny)[None, :] - phase[:, None]) % valid) == 0
        draw = rng.random((n, ny))
        take = alive & cadence & ((ok & (draw < uptake[kind])) | (~ok & (draw < noise[kind])))
        e, j = np.nonzero(take)
        lo, span = issue_window[kind]
        issued = ystart[j] + lo + (rng.random(len(e)) * span).astype(np.int64)
        if kind == "high_tech_enterprise":
            for step in range(valid):
                jj = np.minimum(j + step, ny - 1)
                holds_ht[e, jj] = True
        rows.append(pd.DataFrame({"e": e, "kind": kind, "issued": issued, "valid": valid}))
    # a few of the largest, most innovative firms are tech leaders and unicorns
    score = world.innovation + b["tech_leader_size_weight"] * \
        (world.log_size - np.log(world.behaviour["enterprises"]["size"]["median"]))
    n_leaders = max(1, n // b["tech_leaders_per"])
    leaders = np.argsort(-score, kind="stable")[:n_leaders]
    lead_issue = world.extract_day - rng.integers(*b["tech_leader_issued_days_before"], len(leaders))
    rows.append(pd.DataFrame({"e": leaders, "kind": "tech_leader", "issued": lead_issue,
                              "valid": int(cfg["validity_years"]["tech_leader"])}))
    u = b["unicorn"]
    uni = np.flatnonzero((world.valuation >= u["min_valuation"]) & (world.age_now() <= u["max_age_years"])
                         & ~world.listed)
    rows.append(pd.DataFrame({"e": uni, "kind": "unicorn",
                              "issued": world.extract_day - rng.integers(*u["issued_days_before"], len(uni)),
                              "valid": int(cfg["validity_years"]["unicorn"])}))
    certs = pd.concat(rows, ignore_index=True)
    certs = certs[(certs["issued"] <= world.extract_day) & (certs["issued"] > world.founded[certs["e"]])]
    certs = certs.sort_values(["e", "kind", "issued"], kind="stable").drop_duplicates(["e", "kind", "issued"])
    world.holds_ht = holds_ht
    first = certs.groupby(["kind", "e"])["issued"].min()
    world.first_issue = {k: (first[k].index.to_numpy(), first[k].to_numpy()) if k in first.index.levels[0]
                         else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
                         for k in IP_LED}
    issued = certs["issued"].to_numpy()
    expires = days(pd.Series(dates(issued)).add(
        pd.to_timedelta(certs["valid"].to_numpy() * WHOLE_YEAR_DAYS, "D")).to_numpy())
    no_expiry = rng.random(len(certs)) < b["no_expiry_share"]  # some registries leave it empty
    m = len(certs)
    return pd.DataFrame({
        "enterprise_id": world.ids[certs["e"].to_numpy()],
        "kind": certs["kind"].to_numpy(dtype=object),
        "issued_on": dates(issued),
        "expires_on": pd.Series(dates(expires)).where(~no_expiry),
        "certificate_no": "GR" + pd.Series(np.arange(m)).astype("str").str.zfill(CERTIFICATE_NO_WIDTH),
    })


def _eligible(world: World, alive: np.ndarray) -> dict[str, np.ndarray]:
    """Per certificate kind, who among the ``alive`` meets its rules each year (n x years), in the order
    they are drawn."""
    st, cfg, b = world.state, world.certs, world.behaviour["certifications"]
    n, years, age = world.n, world.years, world.age_y
    rev = st["revenue"]
    # three-year R&D ratio and the revenue band's minimum (高新技术企业)
    rd3 = np.zeros_like(rev)
    rv3 = np.zeros_like(rev)
    for j in range(len(years)):
        lo = max(0, j - (RD_RATIO_YEARS - 1))
        rd3[:, j] = st["rd_expense"][:, lo:j + 1].sum(axis=1)
        rv3[:, j] = rev[:, lo:j + 1].sum(axis=1)
    ratio3 = np.where(rv3 > 0, rd3 / np.maximum(rv3, 1), 0)
    ht = cfg["high_tech_enterprise"]
    need = np.full_like(rev, ht["rd_ratio_by_revenue"][-1]["min_ratio"])
    for band in reversed(ht["rd_ratio_by_revenue"][:-1]):
        need = np.where(rev <= band["revenue_up_to"], band["min_ratio"], need)
    sme = _sme(world)
    ts, ss, gz = cfg["tech_sme"], cfg["specialised_sme"], b["gazelle"]
    elig = {
        "high_tech_enterprise": alive & (age >= ht["min_years_registered"]) & (ratio3 >= need)
        & (st["staff_share"] >= ht["min_st_staff_share"]) & (st["ht_share"] >= ht["min_high_tech_revenue_share"])
        & (world.innovation[:, None] > b["high_tech_min_innovation"]) & (rev > 0),
        "tech_sme": alive & (st["employees"] <= ts["max_employees"]) & (rev <= ts["max_revenue"])
        & (st["assets"] <= ts["max_total_assets"]) & (_tech_sme_score(world) >= ts["pass_score"]),
        "innovative_sme": alive & sme & (age >= b["innovative_sme_min_age_years"]),  # and the score, below
        "specialised_sme": alive & sme & (age >= ss["min_years"]) & (st["rd_expense"] >= ss["min_rd_expense"])
        & (st["rd_ratio"] >= ss["min_rd_ratio"]) & (rev >= ss["min_revenue"]),
        "gazelle": alive & (age >= gz["min_age_years"])
        & (np.concatenate([np.zeros((n, 1)), rev[:, 1:] / np.maximum(rev[:, :-1], 1)], axis=1)
           > gz["min_growth_multiple"]),
    }
    lg = cfg["little_giant"]
    band = lg["rd_ratio_by_revenue"][0]  # the synthetic 小巨人 are the large ones: the rule's first band
    growth = _growth(rev * st["mb_share"])
    growth_2y = (growth + np.concatenate([np.full((n, 1), np.nan), growth[:, :-1]], axis=1)) / 2
    rd = np.where(np.isfinite(st["rd_ratio"]), st["rd_ratio"], 0.0)
    rd_before = np.concatenate([np.zeros((n, 1)), rd[:, :-1]], axis=1)
    elig["little_giant"] = elig["specialised_sme"] & (age >= lg["min_years"]) & \
        (st["leverage"] <= lg["max_debt_ratio"]) & (rev >= band["revenue_from"]) & (growth_2y >= lg["min_growth_2y"]) & \
        (np.minimum(rd, rd_before) >= band["min_ratio"]) & (st["mb_share"] >= lg["min_main_business_share"])
    elig["innovative_sme"] &= elig["high_tech_enterprise"] | _innovative_score(world, growth, rd)
    for kind, h in b["honours"].items():
        elig[kind] = alive & (age >= h["min_age_years"]) & (rev >= h["min_revenue"]) & \
            (world.innovation >= h["min_innovation"])[:, None]
    return elig


def _growth(values: np.ndarray) -> np.ndarray:
    """Yearly growth (n x years); NaN in the first year and after a zero."""
    before = np.concatenate([np.full((len(values), 1), np.nan), values[:, :-1]], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(before > 0, values / before - 1, np.nan)


def _innovative_score(world: World, main_growth: np.ndarray, rd: np.ndarray) -> np.ndarray:
    """The 创新型中小企业 score (n x years) by the published items passes, with its group minima; IP is
    judged from the latent innovation capacity, which the patents later reflect."""
    cfg, st, b = world.certs, world.state, world.behaviour["certifications"]
    c = cfg["innovative_sme"]
    p, ipb = c["ip_points"], b["innovative_sme_ip"]
    iota = world.innovation
    ip = np.where(iota > ipb["own_class_one_above"], p["own_class_one"],
                  np.where(iota > ipb["class_one_above"], p["class_one"], p["class_two"]))
    innovation = ip[:, None] + band_points(rd, c["rd_ratio_points"])
    growth = band_points(np.nan_to_num(main_growth, nan=-1.0), c["growth_points"]) + \
        band_points(st["leverage"], c["debt_ratio_points"])
    codes = np.array(world.codes("industries"), dtype=object)[world.industry]
    # an industry only partly in 战略性新兴产业: each of its enterprises is in with the configured chance
    field = np.array([cfg["industries"]["strategic_emerging"].get(k, False) for k in codes], dtype=object)
    partly = field == "partly"
    strategic = np.where(partly, world.rng["field"].random(len(codes)) < b["partly_strategic_share"],
                         field == True)  # noqa: E712
    strategic = strategic.astype(bool)
    fp = c["field_points"]
    special = np.where(strategic, fp["strategic_emerging"], fp["other"])[:, None] + \
        band_points(st["mb_share"], c["main_business_points"])
    return (innovation + growth + special >= c["pass_score"]) & (innovation >= c["min_innovation"]) & \
        (growth >= c["min_growth"]) & (special >= c["min_specialisation"])


def _sme(world: World) -> np.ndarray:
    """Small or medium by 中小企业划型标准规定 (n x years): under at least one of the sector's limits."""
    st, cfg = world.state, world.certs
    sectors = cfg["industries"]["size_sector"]
    metric = {"employees": st["employees"], "revenue": st["revenue"], "total_assets": st["assets"]}
    out = np.zeros_like(st["revenue"], dtype=bool)
    for i, code in enumerate(world.codes("industries")):
        limits = cfg["sme_size"].get(sectors.get(code), {})
        rows = world.industry == i
        under = np.zeros((int(rows.sum()), len(world.years)), dtype=bool)
        for key, limit in limits.items():
            under |= metric[key][rows] < limit
        out[rows] = under
    return out


def _tech_sme_score(world: World) -> np.ndarray:
    """The 科技型中小企业 evaluation score (n x years) by the configured bands; 0 without an S&T staff score.
    IP is judged from the latent innovation capacity, which the patents later reflect."""
    st, rules, b = world.state, world.certs["tech_sme"], world.behaviour["certifications"]["tech_sme_ip"]
    staff = band_points(st["staff_share"], rules["staff_share_points"])
    rd = band_points(np.where(np.isfinite(st["rd_ratio"]), st["rd_ratio"], 0.0), rules["rd_ratio_points"])
    ip = np.where(world.innovation > b["class_one_above"], float(rules["class_one_points"]), b["other_points"])[:, None]
    return np.where(staff > 0, staff + rd + ip, 0.0)
