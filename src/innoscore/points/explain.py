"""Explaining one enterprise's points: every indicator's value, reference, weight and points."""

from __future__ import annotations

import pandas as pd

from innoscore.points.engine import CONTRIBUTION_PREFIX, Prepared, effective_weights

__all__ = ["explain", "format_explanation"]


def explain(prep: Prepared, result: pd.DataFrame, enterprise_id: str) -> dict:
    """The parts of one enterprise's points, as tables: indicators, bonus, penalty, totals."""
    if enterprise_id not in prep.ids:
        raise KeyError(enterprise_id)
    i = prep.ids.get_loc(enterprise_id)
    cfg = prep.config
    _, rules = cfg.rules_for(prep.year)
    weights = effective_weights(prep)[i]
    rows = []
    for j, name in enumerate(prep.indicators):
        ind = cfg.catalog[name]
        rows.append({
            "indicator": name,
            "name": ind.name_zh,
            "group": ind.group,
            "value": prep.values[i, j],
            "unit": ind.unit,
            "rule": rules[name].describe(),
            "weight": weights[j],
            "score": prep.scores[i, j],
            "points": result[CONTRIBUTION_PREFIX + name].iloc[i],
        })
    bonus = pd.DataFrame({"item": prep.bonus_items.columns,
                          "points": prep.bonus_items.iloc[i].to_numpy() if len(prep.bonus_items.columns) else []})
    penalty = pd.DataFrame({"item": prep.penalty_items.columns,
                            "points": prep.penalty_items.iloc[i].to_numpy() if len(prep.penalty_items.columns) else []})
    row = result.iloc[i]
    return {"enterprise_id": enterprise_id, "stage": str(row["stage"]), "year": prep.year,
            "indicators": pd.DataFrame(rows), "bonus": bonus, "penalty": penalty,
            "totals": row[["base", "technology", "growth", "auxiliary", "bonus", "penalty", "total", "percentile"]]}


def format_explanation(parts: dict, bonus_cap: float, penalty_cap: float) -> str:
    ind = parts["indicators"].copy()
    ind["value"] = ind["value"].map(lambda v: "(missing)" if pd.isna(v) else f"{v:,.4g}")
    ind["score"] = ind["score"].map(lambda v: "-" if pd.isna(v) else f"{v:.3f}")
    ind["weight"] = ind["weight"].map(lambda v: f"{v:.3f}")
    ind["points"] = ind["points"].map(lambda v: f"{v:.2f}")
    t = parts["totals"]
    lines = [f"enterprise {parts['enterprise_id']}: stage {parts['stage']}, reference values of {parts['year']}"]
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250, "display.max_rows", 200):
        lines.append(ind.to_string(index=False))
    lines.append(f"weighted indicators: {t['base']:.2f} points (technology {t['technology']:.2f}, "
                 f"growth {t['growth']:.2f}, auxiliary {t['auxiliary']:.2f})")
    for kind, cap in (("bonus", bonus_cap), ("penalty", penalty_cap)):
        items = parts[kind]
        shown = ", ".join(f"{r.item} {r.points:g}" for r in items.itertuples() if r.points) or "none"
        raw = float(items["points"].sum()) if len(items) else 0.0
        lines.append(f"{kind}: {shown}; {raw:g} before the cap of {cap:g} -> {t[kind]:g}")
    lines.append(f"total: {t['base']:.2f} + {t['bonus']:g} - {t['penalty']:g} = {t['total']:.2f} points "
                 f"(kept in 0-100); province percentile {t['percentile']:.1f}")
    return "\n".join(lines)
