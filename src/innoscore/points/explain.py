"""Explaining one enterprise's points: every indicator's value, reference, weight and points."""

from __future__ import annotations

import pandas as pd

from innoscore.data.contract import CERTIFICATION_KINDS
from innoscore.indicators.certifications import SME_LADDER, TECH_LADDER
from innoscore.points.engine import CONTRIBUTION_PREFIX, Prepared, effective_weights

__all__ = ["explain", "format_explanation", "certificate_places", "explain_enterprise", "format_checks"]

_LADDERS = {k: ladder for ladder in (TECH_LADDER, SME_LADDER) for k in ladder}


def certificate_places(held: dict[str, bool], prep: Prepared, bonus: pd.Series | None = None) -> pd.DataFrame:
    """For each certificate the enterprise holds, where it earns its points (once) or why it earns none.

    ``held``: certificate kind -> a valid certificate at the as-of date (``specialised_sme`` counts a
    小巨人 too, as the indicators do); ``bonus``: the enterprise's capped bonus items.
    """
    places = prep.config.places()
    held = dict(held)
    if held.get("little_giant"):
        held["specialised_sme"] = False  # the 小巨人 flag carries it; the ladder counts the top rung once
    rows = []
    for kind in CERTIFICATION_KINDS:
        if not held.get(kind):
            continue
        place = places.get(kind)
        ladder = _LADDERS.get(kind)
        if place is None:
            how = "earns no points (no weighted indicator or bonus item counts it)"
        elif ladder is not None:
            higher = [k for k in ladder[ladder.index(kind) + 1:] if held.get(k)]
            top = " -> ".join(ladder)
            how = (f"{place}: no points of its own, {higher[-1]} is a higher rung of the same ladder ({top})"
                   if higher else f"{place}: rung {ladder.index(kind) + 1} of the ladder {top}, counted once")
        else:
            item = place.removeprefix("bonus item ")
            pts = float(bonus[item]) if bonus is not None and item in bonus.index else float("nan")
            cap = prep.config.bonus_cap
            how = f"{place}: {pts:g} points (before the cap of {cap:g} on all bonus items)" \
                if place.startswith("bonus") else place
        rows.append({"certificate": kind, "earns": how})
    return pd.DataFrame(rows, columns=["certificate", "earns"])


def explain(prep: Prepared, result: pd.DataFrame, enterprise_id: str, held: dict[str, bool] | None = None) -> dict:
    """The parts of one enterprise's points, as tables: indicators, bonus, penalty, totals, and (given
    ``held``, the certificates it holds) where each certificate earned its points."""
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
    certificates = None if held is None else certificate_places(held, prep, bonus.set_index("item")["points"])
    return {"enterprise_id": enterprise_id, "stage": str(row["stage"]), "year": prep.year,
            "indicators": pd.DataFrame(rows), "bonus": bonus, "penalty": penalty, "certificates": certificates,
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
    certs = parts.get("certificates")
    if certs is not None and len(certs):
        lines.append("certificates held, and where each earns its points (once):")
        lines += [f"  {r.certificate}: {r.earns}" for r in certs.itertuples()]
    elif certs is not None:
        lines.append("certificates held: none")
    lines.append(f"total: {t['base']:.2f} + {t['bonus']:g} - {t['penalty']:g} = {t['total']:.2f} points "
                 f"(kept in 0-100); province percentile {t['percentile']:.1f}")
    return "\n".join(lines)


def format_checks(checks: pd.DataFrame) -> str:
    """One enterprise's certification checks (its rows of ``run_checks``): each certification's result,
    whether it holds the certificate (flagged when the data contradicts it), then every condition."""
    from innoscore.points.certification import summarise

    summary = summarise(checks).set_index("check")
    lines = ["certification checks (pass only when every condition passes):"]
    for name, rows in checks.groupby("check", observed=True, sort=False):
        s = summary.loc[name]
        held_note = " (holds it; FLAGGED: the data contradicts it)" if s["flag"] else (
            " (holds it)" if s["holds"] else "")
        lines.append(f"  {name}: {s['result']}{held_note}")
        for r in rows.itertuples():
            value = "" if pd.isna(r.low) else (f" [{r.low:.4g}]" if r.low == r.high else
                                               f" [{r.low:.4g} to {r.high:.4g}]")
            lines.append(f"    {r.result:<17} {r.rule}{value}: {r.description}")
    return "\n".join(lines)


def explain_enterprise(result, enterprise_id: str) -> str:
    """The points of one enterprise of a points run (``points.run.run``), indicator by indicator, and
    its certification checks, as printed by ``innoscore points explain``.  Raises KeyError when the
    enterprise is not in the run."""
    from innoscore.points.certification import CERTIFICATION_KINDS_HELD

    if enterprise_id not in result.points.index:
        raise KeyError(enterprise_id)
    row = result.features.loc[enterprise_id]
    held = {k: bool(row[k] > 0) for k in CERTIFICATION_KINDS_HELD if k in row.index}
    parts = explain(result.prepared, result.points, enterprise_id, held)
    cfg = result.prepared.config
    checks = result.checks[(result.checks["enterprise_id"] == enterprise_id).to_numpy(bool)]
    return format_explanation(parts, cfg.bonus_cap, cfg.penalty_cap) + "\n" + format_checks(checks)
