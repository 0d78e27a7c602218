"""首贷培育: work lists for the technology-finance commissioners.

* first-loan candidates: enterprises that have never borrowed, with good points and an acceptable PD
  (``first_loan.rules`` in the catalog), ranked within their county and their park;
* near misses: enterprises that fail exactly one rule of a product, a threshold on a number they can
  improve, by a small margin, and that reaching it would make eligible (a loan's amount included);
  each row names the indicator, its value and the value needed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.matching.fields import Population
from innoscore.matching.products import ProductCatalog
from innoscore.matching.rules import THRESHOLDS, Rule, evaluate
from innoscore.matching.shortlists import eligible, rank_order, rule_results, suggested_amount

__all__ = ["candidates", "near_misses", "NEAR_MISS_COLUMNS", "CANDIDATE_COLUMNS"]

NEAR_MISS_COLUMNS = ["enterprise_id", "product", "owner", "field", "op", "threshold", "value", "gap", "needed"]
CANDIDATE_COLUMNS = ["enterprise_id", "name", "city", "county", "park", "industry", "stage", "points", "pd",
                     "grade", "rank_in_county", "rank_in_park", "products", "improve_product", "improve_field",
                     "improve_value", "improve_needed"]


def _ranks(pop: Population, rows: np.ndarray, group: str) -> np.ndarray:
    """1-based rank of each of ``rows`` within its group (points, PD, id); NaN where the group is empty."""
    ordered = rank_order(pop, rows, ())
    g = pd.Series(pop.frame[group].to_numpy(object)[ordered])
    rank = (g.groupby(g, sort=False, dropna=True).cumcount() + 1).reindex(g.index)
    out = pd.Series(rank.to_numpy("float64"), index=ordered).reindex(rows)
    return out.to_numpy("float64")


def near_misses(catalog: ProductCatalog, pop: Population, results: dict[str, list[np.ndarray]] | None = None
                ) -> pd.DataFrame:
    """For each product, the enterprises failing exactly one of its rules, where that rule is a threshold
    (``>= > <= <``) on a number field not excluded (PD and score are not something one improves), the
    value is known and the gap is at most ``max_gap_share`` of the threshold (or one, for counts).
    Consent does not matter here: the list is the commissioners', not the owner's."""
    cfg = catalog.first_loan
    parts = []
    for product in catalog.products:
        res = results[product.id] if results is not None else rule_results(product, pop)
        if not res:
            continue
        failed = np.sum([~r for r in res], axis=0)
        for rule, met in zip(product.rules, res):
            if not isinstance(rule, Rule) or rule.op not in THRESHOLDS or rule.field in cfg.exclude_fields:
                continue
            f = pop.fields[rule.field]
            rows = np.flatnonzero(~met & (failed == 1))
            x = pop.number(rule.field)[rows]
            v = rule.value
            # the value to reach: a count must pass a strict threshold by one; any other number must reach it
            # (for > and <, just pass it)
            needed = v + 1 if f.count and rule.op == ">" else v - 1 if f.count and rule.op == "<" else v
            gap = needed - x if rule.op in (">=", ">") else x - needed
            known = ~np.isnan(x)
            near = known & (((abs(v) > 0) & (gap <= cfg.max_gap_share * abs(v))) | (f.count & (gap <= 1)))
            rows, x, gap = rows[near], x[near], gap[near]
            if product.amount is not None and len(rows):  # reaching the threshold must also make the amount
                sized = suggested_amount(product.amount, pop, rows, {rule.field: np.full(len(rows), needed)})
                ok = ~np.isnan(sized)
                rows, x, gap = rows[ok], x[ok], gap[ok]
            parts.append(pd.DataFrame({
                "enterprise_id": pop.ids[rows], "product": product.id, "owner": product.owner,
                "field": rule.field, "op": rule.op, "threshold": v, "value": x, "gap": gap,
                "needed": np.full(len(rows), float(needed)), "row": rows}))
    if not parts:
        return pd.DataFrame(columns=NEAR_MISS_COLUMNS + ["row"])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["enterprise_id", "product", "field"], kind="stable").reset_index(drop=True)


def candidates(catalog: ProductCatalog, pop: Population, near: pd.DataFrame,
               results: dict[str, list[np.ndarray]] | None = None) -> pd.DataFrame:
    """The first-loan work list: per county (and park) rank, the products each candidate already
    qualifies for (consent aside: the commissioner helps it apply) and its closest near miss."""
    ok = np.ones(len(pop), dtype=bool)
    for r in catalog.first_loan.rules:
        ok &= evaluate(r, pop)
    rows = rank_order(pop, np.flatnonzero(ok), ())
    products = [[] for _ in rows]
    pos = pd.Series(np.arange(len(rows)), index=rows)
    for product in catalog.products:
        res = results[product.id] if results is not None else None
        mask, _ = eligible(product, pop, consent=False, results=res)
        for i in pos.reindex(np.flatnonzero(mask)).dropna().astype(int):
            products[i].append(product.id)
    frame = pop.frame
    out = pd.DataFrame({
        "enterprise_id": pop.ids[rows],
        **{c: frame[c].to_numpy(object)[rows] for c in ("name", "city", "county", "park", "industry", "stage")},
        "points": pop.number("points")[rows], "pd": pop.number("pd")[rows],
        "grade": frame["grade"].to_numpy(object)[rows],
        "rank_in_county": _ranks(pop, rows, "county"), "rank_in_park": _ranks(pop, rows, "park"),
        "products": [";".join(p) for p in products],
    })
    # the closest near miss (smallest gap relative to its threshold) of each candidate
    best = near[near["row"].isin(rows)].assign(rel=lambda d: d["gap"] / d["threshold"].abs().clip(lower=1e-12))
    best = best.sort_values(["row", "rel", "product"], kind="stable").drop_duplicates("row").set_index("row")
    best = best.reindex(rows)
    out["improve_product"] = best["product"].to_numpy(object)
    out["improve_field"] = best["field"].to_numpy(object)
    out["improve_value"] = best["value"].to_numpy("float64")
    out["improve_needed"] = best["needed"].to_numpy("float64")
    out = out.sort_values(["city", "county", "rank_in_county", "enterprise_id"], kind="stable", na_position="last")
    return out[CANDIDATE_COLUMNS].reset_index(drop=True)
