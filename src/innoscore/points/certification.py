"""Certification checks: does the data say an enterprise meets each certification's rules?

Each check returns, per enterprise, ``pass``, ``fail`` or ``insufficient_data`` with the
reasons, as far as the data allows (domain.md §3; thresholds in
``features/certifications.yaml``).  An enterprise holding a valid certificate that the data
contradicts (``fail``) is flagged for analysts, never excluded.

A rule whose input is missing is *unknown*: a check fails when a known rule fails, passes
when every rule holds, and otherwise has insufficient data.  Point scales work the same way:
the score is bounded below (unknown items score nothing) and above (unknown items score in
full); the check passes when even the lower bound passes, fails when even the upper bound
does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from innoscore.config import load_yaml
from innoscore.indicators import build
from innoscore.indicators.catalog import Catalog, Indicator
from innoscore.indicators.registry import REGISTRY

__all__ = ["CHECKS", "RESULTS", "check_features", "run_checks", "FEATURES"]

RESULTS = ("pass", "fail", "insufficient_data")
FEATURES = ("years_in_business", "revenue", "rd_expense", "rd_expense_2y", "rd_intensity", "rd_intensity_3y",
            "rd_staff_share", "high_tech_revenue_share", "valid_ip_rights", "class_one_ip", "class_two_ip",
            "employees", "total_assets", "revenue_growth", "revenue_growth_2y", "leverage", "equity_financing_2y",
            "equity_financing_3y", "rd_platforms", "provincial_rd_platforms", "national_awards_5y", "st_awards_5y",
            "standards_led_5y", "high_tech_enterprise", "tech_sme", "innovative_sme", "specialised_sme",
            "little_giant")


def _feature_catalog() -> Catalog:
    return Catalog(tuple(Indicator(id=f, name_zh=f, description=REGISTRY[f].doc, unit="", group="credit",
                                   direction=1, table=REGISTRY[f].module, use="model", function=f)
                         for f in FEATURES), "certification features")


def check_features(data, as_of: dt.date | str | pd.Timestamp) -> pd.DataFrame:
    """The indicators the checks read, as of ``as_of``, with each enterprise's industry."""
    table = build(data, as_of, _feature_catalog())
    ent = (data.tables if hasattr(data, "tables") else data)["enterprises"].set_index("enterprise_id")
    table["industry"] = ent["industry"].reindex(table.index).to_numpy()
    return table


# ----------------------------------------------------------------------------- three-valued rules


@dataclass
class Rule:
    label: str  # what the rule asks, e.g. "S&T staff share >= 10%"
    ok: pd.Series  # True / False / NA (unknown)


def _rule(label: str, value: pd.Series, test) -> Rule:
    v = value.astype("float64")
    ok = pd.Series(test(v), index=v.index).astype("boolean")
    ok[v.isna()] = pd.NA
    return Rule(label, ok)


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def _money(x: float) -> str:
    return f"{x / 1e4:,.0f}万元" if x < 1e8 else f"{x / 1e8:g}亿元"


def _combine(rules: list[Rule], direct: list[Rule] | None = None) -> tuple[pd.Series, pd.Series]:
    """Result and reasons from rules that must all hold, or one direct-pass condition."""
    index = rules[0].ok.index
    failed = pd.Series(False, index=index)
    unknown = pd.Series(False, index=index)
    reasons_fail = pd.Series("", index=index, dtype="str")
    reasons_unknown = pd.Series("", index=index, dtype="str")
    for r in rules:
        f = (r.ok == False).fillna(False).astype(bool)  # noqa: E712 - three-valued
        u = r.ok.isna()
        failed |= f
        unknown |= u
        reasons_fail = reasons_fail.where(~f, reasons_fail + "not " + r.label + "; ")
        reasons_unknown = reasons_unknown.where(~u, reasons_unknown + r.label + "; ")
    result = np.where(failed, "fail", np.where(unknown, "insufficient_data", "pass"))
    reasons = np.where(failed, reasons_fail, np.where(unknown, "no data for: " + reasons_unknown,
                                                      "all rules hold"))
    if direct:
        hit = pd.Series(False, index=index)
        label = pd.Series("", index=index, dtype="str")
        for d in direct:
            yes = (d.ok == True).fillna(False).astype(bool)  # noqa: E712
            label = label.where(~yes | hit, "direct pass: " + d.label)
            hit |= yes
        result = np.where(hit, "pass", result)
        reasons = np.where(hit, label, reasons)
    return pd.Series(result, index=index), pd.Series(reasons, index=index).str.rstrip("; ")


def _banded_points(value: pd.Series, bands: list[dict], key: str = "from") -> pd.Series:
    """Points of the best band the value reaches (NaN where the value is missing)."""
    v = value.astype("float64")
    out = pd.Series(0.0, index=v.index)
    for band in bands:
        reached = (v >= band[key]) if key == "from" else (v < band[key])
        out = out.where(~reached | (out >= band["points"]), float(band["points"]))
    return out.where(v.notna())


@dataclass
class _Scale:
    low: pd.Series
    high: pd.Series

    @classmethod
    def of(cls, items: list[tuple[pd.Series, float]]) -> "_Scale":
        """items: (points, most points the item can give); NaN points are unknown."""
        low = sum(p.fillna(0.0) for p, _ in items)
        high = sum(p.fillna(top) for p, top in items)
        return cls(low, high)


# ----------------------------------------------------------------------------- the checks


def check_high_tech_enterprise(f: pd.DataFrame, cfg: dict) -> tuple[pd.Series, pd.Series]:
    c = cfg["high_tech_enterprise"]
    bands = c["rd_ratio_by_revenue"]
    need = pd.Series(float(bands[-1]["min_ratio"]), index=f.index)
    for band in reversed(bands[:-1]):
        need = need.where(~(f["revenue"] <= band["revenue_up_to"]), float(band["min_ratio"]))
    need = need.where(f["revenue"].notna())
    rd_ok = pd.Series(f["rd_intensity_3y"] >= need, index=f.index).astype("boolean")
    rd_ok[f["rd_intensity_3y"].isna() | need.isna()] = pd.NA
    rules = [
        _rule(f"registered >= {c['min_years_registered']} year", f["years_in_business"],
              lambda v: v >= c["min_years_registered"]),
        _rule(f"S&T staff share >= {_pct(c['min_st_staff_share'])}", f["rd_staff_share"],
              lambda v: v >= c["min_st_staff_share"]),
        Rule("3-year R&D ratio >= the revenue band's minimum (5% / 4% / 3%)", rd_ok),
        _rule(f"high-tech revenue share >= {_pct(c['min_high_tech_revenue_share'])}", f["high_tech_revenue_share"],
              lambda v: v >= c["min_high_tech_revenue_share"]),
        _rule(f"core IP in force (>= {c['min_core_ip']})", f["valid_ip_rights"], lambda v: v >= c["min_core_ip"]),
    ]
    return _combine(rules)


def check_tech_sme(f: pd.DataFrame, cfg: dict) -> tuple[pd.Series, pd.Series]:
    c = cfg["tech_sme"]
    staff = _banded_points(f["rd_staff_share"], c["staff_share_points"])
    rd = _banded_points(f["rd_intensity"], c["rd_ratio_points"])
    ip = pd.Series(np.where(f["class_one_ip"] >= 1, float(c["class_one_points"]), np.nan), index=f.index)
    ip = ip.fillna(_banded_points(f["class_two_ip"], c["class_two_points"]))
    scale = _Scale.of([(staff, max(b["points"] for b in c["staff_share_points"])),
                       (rd, max(b["points"] for b in c["rd_ratio_points"])),
                       (ip, float(c["class_one_points"]))])
    score_ok = pd.Series(pd.NA, index=f.index, dtype="boolean")
    score_ok[(scale.low >= c["pass_score"]) & (staff > 0)] = True
    score_ok[(scale.high < c["pass_score"]) | (staff == 0)] = False
    rules = [
        _rule(f"employees <= {c['max_employees']}", f["employees"], lambda v: v <= c["max_employees"]),
        _rule(f"revenue <= {_money(c['max_revenue'])}", f["revenue"], lambda v: v <= c["max_revenue"]),
        _rule(f"total assets <= {_money(c['max_total_assets'])}", f["total_assets"],
              lambda v: v <= c["max_total_assets"]),
        Rule(f"evaluation score >= {c['pass_score']} with an S&T staff score", score_ok),
    ]
    direct = [
        _rule("valid 高新技术企业 certificate", f["high_tech_enterprise"], lambda v: v >= 1),
        _rule("national award (rank 1-3) in 5 years", f["national_awards_5y"], lambda v: v >= 1),
        _rule("R&D platform at provincial level or above", f["provincial_rd_platforms"], lambda v: v >= 1),
        _rule("led a standard in 5 years", f["standards_led_5y"], lambda v: v >= 1),
    ]
    # the size limits hold for a direct pass too
    size_failed = pd.concat([(r.ok == False).fillna(False) for r in rules[:3]], axis=1).any(axis=1)  # noqa: E712
    direct = [Rule(d.label, d.ok.where(~size_failed, False)) for d in direct]
    return _combine(rules, direct)


def check_innovative_sme(f: pd.DataFrame, cfg: dict) -> tuple[pd.Series, pd.Series]:
    c = cfg["innovative_sme"]
    ip = pd.Series(np.where(f["class_one_ip"] >= 1, float(c["class_one_points"]),
                            np.where(f["class_two_ip"] >= 1, float(c["class_two_points"]), 0.0)), index=f.index)
    rd = _banded_points(f["rd_intensity"], c["rd_ratio_points"])
    growth = _banded_points(f["revenue_growth"], c["growth_points"])
    debt = _banded_points(f["leverage"], c["debt_ratio_points"], key="to")
    strategic = pd.Series(np.where(f["industry"].isin(c["strategic_industries"]),
                                   float(c["strategic_industry_points"]), 0.0), index=f.index)
    main = pd.Series(np.where(f["high_tech_revenue_share"] >= c["min_main_business_share"],
                              float(c["main_business_points"]), 0.0), index=f.index)
    main = main.where(f["high_tech_revenue_share"].notna())
    top = lambda bands: float(max(b["points"] for b in bands))  # noqa: E731
    innovation = _Scale.of([(ip, float(c["class_one_points"])), (rd, top(c["rd_ratio_points"]))])
    grow = _Scale.of([(growth, top(c["growth_points"])), (debt, top(c["debt_ratio_points"]))])
    special = _Scale.of([(strategic, float(c["strategic_industry_points"])), (main, float(c["main_business_points"]))])
    low = innovation.low + grow.low + special.low
    high = innovation.high + grow.high + special.high
    ok = pd.Series(pd.NA, index=f.index, dtype="boolean")
    ok[(low >= c["pass_score"]) & (innovation.low >= c["min_innovation"]) & (grow.low >= c["min_growth"])
       & (special.low >= c["min_specialisation"])] = True
    ok[(high < c["pass_score"]) | (innovation.high < c["min_innovation"]) | (grow.high < c["min_growth"])
       | (special.high < c["min_specialisation"])] = False
    rules = [Rule(f"score >= {c['pass_score']} (innovation >= {c['min_innovation']}, growth >= {c['min_growth']}, "
                  f"specialisation >= {c['min_specialisation']})", ok)]
    direct = [
        _rule("valid 高新技术企业 certificate", f["high_tech_enterprise"], lambda v: v >= 1),
        _rule("S&T award in 5 years", f["st_awards_5y"], lambda v: v >= 1),
        _rule("R&D platform at provincial level or above", f["provincial_rd_platforms"], lambda v: v >= 1),
        _rule(f"equity raised in 3 years >= {_money(c['direct_min_equity_3y'])}", f["equity_financing_3y"],
              lambda v: v >= c["direct_min_equity_3y"]),
    ]
    return _combine(rules, direct)


def check_specialised_sme(f: pd.DataFrame, cfg: dict) -> tuple[pd.Series, pd.Series]:
    c = cfg["specialised_sme"]
    revenue_or_equity = pd.Series((f["revenue"] >= c["min_revenue"]) | (f["equity_financing_2y"] >= c["min_equity_2y"]),
                                  index=f.index).astype("boolean")
    revenue_or_equity[f["revenue"].isna() & ~(f["equity_financing_2y"] >= c["min_equity_2y"])] = pd.NA
    rules = [
        _rule(f"in business >= {c['min_years']} years", f["years_in_business"], lambda v: v >= c["min_years"]),
        _rule(f"R&D expense >= {_money(c['min_rd_expense'])}", f["rd_expense"], lambda v: v >= c["min_rd_expense"]),
        _rule(f"R&D ratio >= {_pct(c['min_rd_ratio'])}", f["rd_intensity"], lambda v: v >= c["min_rd_ratio"]),
        Rule(f"revenue >= {_money(c['min_revenue'])} or equity in 2 years >= {_money(c['min_equity_2y'])}",
             revenue_or_equity),
    ]
    return _combine(rules)


def check_little_giant(f: pd.DataFrame, cfg: dict) -> tuple[pd.Series, pd.Series]:
    c = cfg["little_giant"]
    rev = f["revenue"]
    need = pd.Series(np.nan, index=f.index)
    for band in sorted(c["rd_ratio_by_revenue"], key=lambda b: b["revenue_over"]):
        need = need.where(~(rev > band["revenue_over"]), float(band["min_ratio"]))
    small = c["small_firm"]
    big_ok = pd.Series(f["rd_intensity"] >= need, index=f.index).astype("boolean")
    big_ok[f["rd_intensity"].isna()] = pd.NA
    small_ok = ((f["equity_financing_3y"] >= small["min_equity_3y"]) & (f["rd_expense_2y"] >= small["min_rd_expense_2y"])
                & (f["rd_staff_share"] >= small["min_rd_staff_share"])).astype("boolean")
    small_ok[(f["rd_expense_2y"].isna() | f["rd_staff_share"].isna()) & (f["equity_financing_3y"] >= small["min_equity_3y"])] = pd.NA
    rd_ok = big_ok.where(need.notna(), small_ok)
    rd_ok[rev.isna()] = pd.NA
    rules = [
        _rule(f"in business >= {c['min_years']} years", f["years_in_business"], lambda v: v >= c["min_years"]),
        _rule(f"2-year revenue growth >= {_pct(c['min_growth_2y'])} a year", f["revenue_growth_2y"],
              lambda v: v >= c["min_growth_2y"]),
        _rule(f"debt ratio <= {_pct(c['max_debt_ratio'])}", f["leverage"], lambda v: v <= c["max_debt_ratio"]),
        Rule("R&D by revenue band (3% above 1亿元, 6% above 5000万元, else equity, R&D and staff minima)", rd_ok),
        _rule(f"own R&D institution (>= {c['min_rd_platforms']})", f["rd_platforms"],
              lambda v: v >= c["min_rd_platforms"]),
        _rule(f"Class I IP in force >= {c['min_class_one_ip']}", f["class_one_ip"], lambda v: v >= c["min_class_one_ip"]),
    ]
    return _combine(rules)


CHECKS = {
    "high_tech_enterprise": (check_high_tech_enterprise, "high_tech_enterprise"),
    "tech_sme": (check_tech_sme, "tech_sme"),
    "innovative_sme": (check_innovative_sme, "innovative_sme"),
    "specialised_sme": (check_specialised_sme, "specialised_sme"),
    "little_giant": (check_little_giant, "little_giant"),
}


def run_checks(features: pd.DataFrame, rules: dict | None = None) -> pd.DataFrame:
    """Every check for every enterprise: one row per (enterprise, check).

    Columns: ``enterprise_id``, ``check``, ``result`` (pass / fail / insufficient_data),
    ``holds`` (a valid certificate of that kind at the as-of date), ``flag`` (holds it but
    the data says fail: for analysts to look at) and ``reasons``.
    """
    rules = rules or load_yaml("features/certifications.yaml")
    parts = []
    for name, (check, held) in CHECKS.items():
        result, reasons = check(features, rules)
        holds = features[held].fillna(0).to_numpy() > 0
        parts.append(pd.DataFrame({
            "enterprise_id": features.index.to_numpy(),
            "check": name,
            "result": pd.Categorical(result.to_numpy(), categories=list(RESULTS)),
            "holds": holds,
            "flag": holds & (result.to_numpy() == "fail"),
            "reasons": reasons.to_numpy(),
        }))
    out = pd.concat(parts, ignore_index=True)
    out["check"] = pd.Categorical(out["check"], categories=list(CHECKS))
    return out
