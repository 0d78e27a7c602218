"""The 十百千万 tiers: enterprise levels filled top down and exclusive, and the level of projects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.matching.fields import Population
from innoscore.matching.products import ProjectTier, Tier
from innoscore.matching.rules import evaluate
from innoscore.matching.shortlists import rank_order

__all__ = ["fill_tiers", "latest_assessments", "project_scores", "TIER_COLUMNS"]

TIER_COLUMNS = ["tier", "tier_rank", "enterprise_id", "project_id", "project_name", "trl", "advancement",
                "market_value", "project_score", "points", "pd"]


def latest_assessments(projects: pd.DataFrame | None, as_of) -> pd.DataFrame:
    """Each project's latest assessment known at ``as_of`` (a project assessed twice counts once)."""
    cols = ["project_id", "enterprise_id", "name", "assessed_on", "trl", "advancement", "market_value"]
    if projects is None or not len(projects):
        return pd.DataFrame(columns=cols)
    known = projects[projects["assessed_on"] <= pd.Timestamp(as_of)]
    known = known.sort_values(["project_id", "assessed_on"], kind="stable").drop_duplicates("project_id", keep="last")
    if "name" not in known:
        known = known.assign(name=None)
    return known[cols].reset_index(drop=True)


def project_scores(tier: ProjectTier, projects: pd.DataFrame) -> np.ndarray:
    """advancement / 100, (TRL - 1) / 8 and log(1 + market value) / log(1 + reference) capped at 1, weighted;
    a missing market value scores 0 on its part."""
    w = dict(tier.weights)
    adv = projects["advancement"].to_numpy("float64") / 100.0
    trl = (projects["trl"].to_numpy("float64") - 1.0) / 8.0
    mv = np.nan_to_num(projects["market_value"].to_numpy("float64", na_value=np.nan), nan=0.0)
    mv = np.minimum(np.log1p(np.maximum(mv, 0.0)) / np.log1p(tier.market_value_reference), 1.0)
    return w["advancement"] * adv + w["trl"] * trl + w["market_value"] * mv


def _enterprise_rows(pop: Population, tier: Tier, rows: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "tier": tier.id, "tier_rank": np.arange(1, len(rows) + 1, dtype=np.int64),
        "enterprise_id": pop.ids[rows], "project_id": None, "project_name": None,
        "trl": np.nan, "advancement": np.nan, "market_value": np.nan, "project_score": np.nan,
        "points": pop.number("points")[rows], "pd": pop.number("pd")[rows],
    })


def _projects(pop: Population, tier: ProjectTier, projects: pd.DataFrame) -> pd.DataFrame:
    ok = np.ones(len(pop), dtype=bool)
    for r in tier.rules:
        ok &= evaluate(r, pop)
    row = pd.Index(pop.ids).get_indexer(projects["enterprise_id"].astype(str))
    keep = (row >= 0) & (projects["trl"].to_numpy() >= tier.min_trl)
    keep[keep] = ok[row[keep]]
    cand = projects[keep].assign(row=row[keep])
    cand = cand.assign(project_score=project_scores(tier, cand),
                       points=pop.number("points")[cand["row"].to_numpy()],
                       pd=pop.number("pd")[cand["row"].to_numpy()])
    # best score first; ties by the enterprise's points, its PD, its id, then the project id
    neg_points = -cand["points"].fillna(-np.inf)
    order = np.lexsort((cand["project_id"].astype(str).to_numpy(), cand["row"].to_numpy(),
                        cand["pd"].fillna(np.inf).to_numpy(), neg_points.to_numpy(),
                        -cand["project_score"].to_numpy()))
    cand = cand.iloc[order]
    cand = cand[cand.groupby("row", sort=False).cumcount().to_numpy() < tier.per_enterprise].head(tier.quota)
    return pd.DataFrame({
        "tier": tier.id, "tier_rank": np.arange(1, len(cand) + 1, dtype=np.int64),
        "enterprise_id": cand["enterprise_id"].astype(str).to_numpy(), "project_id": cand["project_id"].astype(str).to_numpy(),
        "project_name": cand["name"].to_numpy(object), "trl": cand["trl"].to_numpy("float64"),
        "advancement": cand["advancement"].to_numpy("float64"),
        "market_value": cand["market_value"].to_numpy("float64", na_value=np.nan),
        "project_score": cand["project_score"].to_numpy("float64"),
        "points": cand["points"].to_numpy("float64"), "pd": cand["pd"].to_numpy("float64"),
    })


def fill_tiers(tiers: tuple[Tier, ...], pop: Population, projects: pd.DataFrame | None = None) -> pd.DataFrame:
    """The tiers in configuration order.  Enterprise levels are exclusive: each takes, from those no
    level above took, the eligible enterprises ranked by points, PD and id, up to its quota.  The
    level of projects ranks projects (``latest_assessments``) on its own."""
    taken = np.zeros(len(pop), dtype=bool)
    parts = []
    for tier in tiers:
        if isinstance(tier, ProjectTier):
            parts.append(_projects(pop, tier, latest_assessments(projects, pop.as_of)))
            continue
        ok = ~taken
        for r in tier.rules:
            ok &= evaluate(r, pop)
        rows = rank_order(pop, np.flatnonzero(ok), ())[:tier.quota]
        taken[rows] = True
        parts.append(_enterprise_rows(pop, tier, rows))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TIER_COLUMNS)
    for c in ("project_id", "project_name"):
        out[c] = out[c].astype(object)
    return out[TIER_COLUMNS]
