"""Certification checks: does the data say an enterprise meets each certification's rules?

Every certification is a list of conditions that must all hold, each one taken from its
official text (thresholds in ``features/certifications.yaml``; the assumptions behind each
are in ``features/README.md``).  A condition is ``pass``, ``fail`` or ``insufficient_data``
(the data cannot tell), per enterprise; a certification passes only when every condition
passed, fails when one failed, and otherwise has insufficient data.  A condition the data
can never decide (R&D spent in China, national market share, ...) is always
``insufficient_data``: never a silent pass.

Conditions with alternatives ("a score of 60 or a direct pass") are three-valued ORs, and
points scales are bounded: an item the data cannot measure scores anything from nothing to
its full points, a band that gives a range of points ("7-8") anything in that range; the
condition passes when even the lowest score passes and fails when even the highest does not.
Those bounds are reported as ``low`` and ``high``.

An enterprise holding a valid certificate that the data contradicts (``fail``) is flagged
for analysts, never excluded.

Why one module of about 700 lines: the five certifications' conditions are read side by side (the
same enterprise facts, the same insufficient-data rule); splitting them would scatter one table of rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from innoscore.certification_rules import load_certification_rules
from innoscore.indicators import build
from innoscore.indicators.catalog import Catalog, Indicator
from innoscore.indicators.functions import REGISTRY

__all__ = ["CHECKS", "RESULTS", "Condition", "check_features", "feature_catalog", "run_checks", "summarise", "FEATURES",
           "is_sme", "HELD_BY", "CERTIFICATION_KINDS_HELD"]

RESULTS = ("pass", "fail", "insufficient_data")
FEATURES = (
    "years_registered", "revenue", "rd_expense", "rd_expense_2y", "rd_intensity", "rd_intensity_prev",
    "rd_intensity_3y", "rd_gap_years", "rd_intensity_3y_floor", "rd_cost_ratio", "rd_staff_share", "high_tech_revenue_share", "main_business_share",
    "main_business_growth", "main_business_growth_2y", "revenue_growth_mean", "net_asset_growth_mean",
    "valid_ip_rights", "valid_invention_patents", "class_one_ip", "class_two_ip", "own_class_one_ip",
    "own_ip_rights", "high_value_patents", "best_advancement", "employees", "total_assets",
    "leverage", "equity_financing_2y", "equity_financing_3y", "rd_platforms", "provincial_rd_platforms",
    "national_awards_top_units", "st_awards_recent", "awards_top_units", "national_awards_recent_top_units",
    "standards_led", "major_incidents_1y", "major_incidents_2y", "major_incidents_3y", "blacklist_records", "high_tech_enterprise", "tech_sme", "innovative_sme",
    "specialised_sme", "little_giant", "tech_innovation_demo", "ip_advantage", "ip_demo", "gazelle", "unicorn",
    "tech_leader",
)

# the sources the conditions cite
HTE = "高新技术企业认定管理办法 (国科发火〔2016〕32号) art. 11"
HTE_GUIDE = "高新技术企业认定管理工作指引, 企业创新能力评价"
TSME = "科技型中小企业评价办法 (国科发政〔2022〕67号)"
QSME = "优质中小企业梯度培育管理暂行办法 (工信部企业〔2022〕63号)"
SIZE = "中小企业划型标准规定 (工信部联企业〔2011〕300号)"


def _feature_catalog() -> Catalog:
    return Catalog(tuple(Indicator(id=f, name_zh=f, description=REGISTRY[f].doc, unit="", group="credit",
                                   direction=1, table=REGISTRY[f].module, use="model", function=f)
                         for f in FEATURES), "certification features")


def feature_catalog() -> Catalog:
    """The indicators the checks read, as a catalog (to build them with others: ``indicators.build_sets``)."""
    return _feature_catalog()


def check_features(data, as_of: dt.date | str | pd.Timestamp, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The indicators the checks read, as of ``as_of``, with each enterprise's industry.  ``table``: the
    indicators of :func:`feature_catalog` as of that date, when they are built already."""
    table = build(data, as_of, _feature_catalog()) if table is None else table.copy()
    ent = data["enterprises"].set_index("enterprise_id")
    table["industry"] = ent["industry"].reindex(table.index).to_numpy()
    return table


# ----------------------------------------------------------------------------- three-valued logic


def _bool(values, index: pd.Index, known=None) -> pd.Series:
    """A nullable boolean Series: ``values`` where ``known`` (default: everywhere), else NA."""
    values = np.asarray(values, dtype=bool)
    mask = np.zeros(len(values), dtype=bool) if known is None else ~np.asarray(known, dtype=bool)
    return pd.Series(pd.arrays.BooleanArray(values, mask), index=index, copy=False)


def _compare(value: pd.Series, test: Callable[[pd.Series], pd.Series]) -> pd.Series:
    v = value.astype("float64")
    with np.errstate(invalid="ignore"):
        return _bool(test(v).to_numpy(dtype=bool), v.index, v.notna())


def _any(*parts: pd.Series) -> pd.Series:
    """Three-valued OR: true if one is true, false if all are false, else unknown."""
    yes = np.zeros(len(parts[0]), dtype=bool)
    no = np.ones(len(parts[0]), dtype=bool)
    for p in parts:
        yes |= (p == True).fillna(False).to_numpy(dtype=bool)  # noqa: E712 - three-valued
        no &= (p == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712
    return _bool(yes, parts[0].index, yes | no)


def _all(*parts: pd.Series) -> pd.Series:
    """Three-valued AND: false if one is false, true if all are true, else unknown."""
    yes = np.ones(len(parts[0]), dtype=bool)
    no = np.zeros(len(parts[0]), dtype=bool)
    for p in parts:
        yes &= (p == True).fillna(False).to_numpy(dtype=bool)  # noqa: E712
        no |= (p == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712
    return _bool(yes, parts[0].index, yes | no)


def _unknown(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="boolean")


@dataclass(frozen=True)
class Condition:
    """One condition of a certification, evaluated for every enterprise."""

    id: str  # short name, unique within the certification
    description: str  # what it asks, with the thresholds
    source: str  # the text it comes from
    ok: pd.Series  # nullable boolean: True / False / NA (the data cannot tell)
    low: pd.Series | None = None  # the value compared (a score's lowest possible value)
    high: pd.Series | None = None  # ... and its highest (equal to low for a measured value)


def _measured(id: str, description: str, source: str, value: pd.Series,
              test: Callable[[pd.Series], pd.Series]) -> Condition:
    v = value.astype("float64")
    return Condition(id, description, source, _compare(v, test), v, v)


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def _money(x: float) -> str:
    return f"{x / 1e4:,.0f}万元" if x < 1e8 else f"{x / 1e8:g}亿元"


# ----------------------------------------------------------------------------- points scales


@dataclass
class _Points:
    """Points of one item or a sum of items, between a lowest and a highest possible value."""

    low: pd.Series
    high: pd.Series

    def __add__(self, other: "_Points") -> "_Points":
        return _Points(self.low + other.low, self.high + other.high)

    def cap(self, most: float) -> "_Points":
        return _Points(self.low.clip(upper=most), self.high.clip(upper=most))

    @classmethod
    def fixed(cls, value, index: pd.Index) -> "_Points":
        s = pd.Series(value, index=index, dtype="float64")
        return cls(s, s.copy())


def _range(p) -> tuple[float, float]:
    """Points, or [lowest, highest] points, as (lowest, highest)."""
    return (float(p[0]), float(p[1])) if isinstance(p, list) else (float(p), float(p))


def _band_range(b: dict) -> tuple[float, float]:
    return _range(b["points"])


def _banded(value: pd.Series, bands: list[dict], top: float) -> _Points:
    """Points of the first band (best first) the value reaches: ``from`` (inclusive), ``over``
    (strict) or ``to`` (strictly below); 0 below every band; anything in [0, top] when missing."""
    v = value.astype("float64").to_numpy()
    low = np.zeros(len(v))
    high = np.zeros(len(v))
    done = np.zeros(len(v), dtype=bool)
    with np.errstate(invalid="ignore"):
        for b in bands:
            if "from" in b:
                hit = v >= b["from"]
            elif "over" in b:
                hit = v > b["over"]
            else:
                hit = v < b["to"]
            hit &= ~done
            lo, hi = _band_range(b)
            low[hit], high[hit] = lo, hi
            done |= hit
    missing = np.isnan(v)
    low[missing], high[missing] = 0.0, top
    return _Points(pd.Series(low, index=value.index), pd.Series(high, index=value.index))


def _top(bands: list[dict]) -> float:
    return max(_band_range(b)[1] for b in bands)


def _score_condition(id: str, description: str, source: str, pts: _Points, line: float,
                     strict: bool = False) -> Condition:
    """A points scale's pass line: pass when even the lowest score reaches it, fail when even the highest does not."""
    if strict:
        yes, no = pts.low > line, pts.high <= line
    else:
        yes, no = pts.low >= line, pts.high < line
    return Condition(id, description, source, _bool(yes.to_numpy(), pts.low.index, (yes | no).to_numpy()),
                     pts.low, pts.high)


# ----------------------------------------------------------------------------- shared conditions


def _factorize(industry: pd.Series) -> tuple[np.ndarray, list]:
    codes, uniques = pd.factorize(industry.astype("object"), use_na_sentinel=True)
    return codes, list(uniques)


def _lookup(industry: pd.Series, mapping: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per enterprise, its industry's value in ``mapping`` (object array) and whether the industry is mapped."""
    codes, uniques = _factorize(industry)
    values = np.array([mapping.get(u) for u in uniques] + [None], dtype=object)
    known = np.array([u in mapping for u in uniques] + [False], dtype=bool)
    return values[codes], known[codes]  # code -1 (missing industry) takes the last entry


def _mapped(industry: pd.Series, mapping: dict, test: Callable[[object], bool]) -> pd.Series:
    """Per enterprise, ``test`` of its industry's value in ``mapping``; unknown for an unmapped industry
    and for the value ``partly`` (some of the industry's enterprises are in, the code cannot tell which)."""
    codes, uniques = _factorize(industry)
    decided = [u in mapping and mapping[u] != "partly" for u in uniques]
    result = np.array([d and bool(test(mapping[u])) for u, d in zip(uniques, decided)] + [False], dtype=bool)
    known = np.array(decided + [False], dtype=bool)
    return _bool(result[codes], industry.index, known[codes])


def _field(industry: pd.Series, mapping: dict) -> pd.Series:
    """In a supported high-tech field: yes for a field, no for null, unknown for "partly" or an unmapped industry."""
    return _mapped(industry, mapping, lambda v: v is not None)


def is_sme(f: pd.DataFrame, cfg: dict) -> pd.Series:
    """The SME size test: under at least one of the sector's limits (以下: strictly below); unknown when
    the industry has no sector or the compared figures are missing."""
    sector, _ = _lookup(f["industry"], cfg["industries"]["size_sector"])
    yes = np.zeros(len(f), dtype=bool)
    known = np.zeros(len(f), dtype=bool)
    for name, limits in cfg["sme_size"].items():
        here = sector == name
        under = _any(*[_compare(f[col], lambda v, lim=lim: v < lim) for col, lim in limits.items()])
        decided = ~under.isna().to_numpy()
        yes |= here & under.fillna(False).to_numpy(dtype=bool)
        known |= here & decided
    return _bool(yes, f.index, known)


def _sme_condition(f: pd.DataFrame, cfg: dict) -> Condition:
    return Condition("sme_size", "a small or medium enterprise: under one of its sector's limits (employees, "
                     "revenue, total assets)",
                     SIZE, is_sme(f, cfg))


def _not_blacklisted(f: pd.DataFrame, cfg: dict, source: str) -> Condition:
    years = cfg["records"]["blacklist_years"]
    return _measured("not_blacklisted", f"not on the dishonest-entity (失信) or abnormal-operation (经营异常) "
                     f"lists (a listing in the last {years:g} years fails; an older one, whose removal the data "
                     "does not record, leaves it undecided)", source, f["blacklist_records"], lambda v: v == 0)


def _no_incident_3y(f: pd.DataFrame, cfg: dict) -> Condition:
    r = cfg["records"]
    return _measured("no_major_incident", "no major incident (" + ", ".join(r["sme_incident_kinds"]) + ") in the "
                     f"last {r['sme_incident_years']} years", QSME, f["major_incidents_3y"], lambda v: v == 0)


def _held(f: pd.DataFrame, kind: str) -> pd.Series:
    return _compare(f[kind], lambda v: v >= 1)


# ----------------------------------------------------------------------------- 高新技术企业


def _capability(f: pd.DataFrame, c: dict) -> _Points:
    """The 创新能力评价 score's bounds (100 points; proxies and unmeasured items as the configuration says)."""
    idx = f.index
    q = c["ip_quantity"]
    class_two = _banded(f["class_two_ip"], q["class_two"], _top(q["class_two"]))
    one = (f["class_one_ip"] >= 1).to_numpy(dtype=bool)
    one_lo, one_hi = _range(q["class_one"])
    quantity = _Points(class_two.low.where(~one, one_lo), class_two.high.where(~one, one_hi))
    quantity = _Points(quantity.low.where(f["class_one_ip"].notna(), 0.0),
                       quantity.high.where(f["class_one_ip"].notna(), one_hi))
    has_ip = f["valid_ip_rights"] > 0
    no_ip = (f["valid_ip_rights"] == 0).to_numpy(dtype=bool)
    # the project assessment stands in for the lowest score only; with no IP in force there is nothing to rate
    proxy = _banded(f["best_advancement"], c["ip_advancement"], _top(c["ip_advancement"]))
    top_adv = _top(c["ip_advancement"])
    advancement = _Points(proxy.low.where(~no_ip, 0.0), pd.Series(np.where(no_ip, 0.0, top_adv), index=idx))
    core = _Points(pd.Series(0.0, index=idx), pd.Series(float(c["ip_core_support"]), index=idx).where(~no_ip, 0.0))
    own_lo, own_hi = _range(c["ip_acquisition"]["own"])
    acq_lo, acq_hi = _range(c["ip_acquisition"]["acquired_only"])
    own = f["own_ip_rights"]
    acquisition = _Points(
        pd.Series(np.where(has_ip, min(own_lo, acq_lo), 0.0), index=idx),
        pd.Series(np.where(has_ip, np.where(own == 0, acq_hi, own_hi), 0.0), index=idx))
    acquisition.low = acquisition.low.where(~((own >= 1) & has_ip), float(own_lo))
    std_lo, std_hi = _range(c["ip_standards"])
    standards = _Points(pd.Series(np.where(f["standards_led"] >= 1, float(std_lo), 0.0), index=idx),
                        pd.Series(float(std_hi), index=idx))
    ip = (quantity + advancement + core + acquisition + standards).cap(float(c["ip_max"]))
    conversion = _Points(pd.Series(0.0, index=idx), pd.Series(float(c["conversion"]), index=idx))
    platform = (f["rd_platforms"] >= 1).to_numpy(dtype=bool)
    p_lo, p_hi = _range(c["rd_institution_platform"])
    institution = _Points(pd.Series(np.where(platform, float(p_lo), 0.0), index=idx),
                          pd.Series(np.where(platform, float(p_hi), float(c["rd_institution"])), index=idx))
    management = _Points(pd.Series(0.0, index=idx), pd.Series(float(c["rd_management"]), index=idx))
    growth = (_banded(f["net_asset_growth_mean"], c["growth"], _top(c["growth"]))
              + _banded(f["revenue_growth_mean"], c["growth"], _top(c["growth"])))
    return ip + conversion + institution + management + growth


def check_high_tech_enterprise(f: pd.DataFrame, cfg: dict) -> list[Condition]:
    c = cfg["high_tech_enterprise"]
    bands = c["rd_ratio_by_revenue"]
    rev = f["revenue"].astype("float64")
    need = pd.Series(float(bands[-1]["min_ratio"]), index=f.index)
    for band in reversed(bands[:-1]):
        need = need.where(~(rev <= band["revenue_up_to"]), float(band["min_ratio"]))
    need = need.where(rev.notna())
    ratio = f["rd_intensity_3y"].astype("float64")
    # a year with revenue but no R&D figure is left out of the ratio, so the ratio decides nothing then; the
    # floor (that R&D taken as 0) still passes when it reaches the band
    gaps = (f["rd_gap_years"].fillna(0) > 0).to_numpy(dtype=bool)
    meets = (ratio >= need).to_numpy(dtype=bool)
    floor_meets = (f["rd_intensity_3y_floor"] >= need).fillna(False).to_numpy(dtype=bool)
    meets = np.where(gaps, floor_meets, meets)
    rd_ok = _bool(meets, f.index, (ratio.notna() & need.notna()).to_numpy() & (~gaps | floor_meets))
    cap = c["capability"]
    return [
        _measured("registered", f"registered for {c['min_years_registered']} year or more", HTE + "(1)",
                  f["years_registered"], lambda v: v >= c["min_years_registered"]),
        _measured("core_ip", f"owns core IP: at least {c['min_core_ip']} IP right in force", HTE + "(2)",
                  f["valid_ip_rights"], lambda v: v >= c["min_core_ip"]),
        Condition("supported_field", "its technology is in a field of 国家重点支持的高新技术领域 (from its industry)",
                  HTE + "(3)", _field(f["industry"], cfg["industries"]["high_tech_field"])),
        _measured("st_staff_share", f"S&T staff >= {_pct(c['min_st_staff_share'])} of employees", HTE + "(4)",
                  f["rd_staff_share"], lambda v: v >= c["min_st_staff_share"]),
        Condition("rd_ratio_3y", "R&D over revenue of the last 3 years >= the latest revenue's band ("
                  + "; ".join(f"<= {_money(b['revenue_up_to'])}: {_pct(b['min_ratio'])}" for b in bands[:-1])
                  + f"; above: {_pct(bands[-1]['min_ratio'])})", HTE + "(5)", rd_ok, ratio, ratio),
        Condition("rd_in_china", f"R&D spent in China >= {_pct(c['min_rd_in_china_share'])} of all R&D "
                  "(not in the data)", HTE + "(5)", _unknown(f.index)),
        _measured("high_tech_revenue_share", f"high-tech products and services >= "
                  f"{_pct(c['min_high_tech_revenue_share'])} of revenue", HTE + "(6)", f["high_tech_revenue_share"],
                  lambda v: v >= c["min_high_tech_revenue_share"]),
        _score_condition("innovation_capability", f"innovation capability score > {cap['pass_above']} of 100 "
                         "(IP 30, conversion 30, R&D organisation 20, growth 20; advancement is a proxy for the lowest "
                         "score, conversion, core support and R&D management are not in the data, so it never passes "
                         "on data alone)", HTE + "(7); " + HTE_GUIDE,
                         _capability(f, cap), float(cap["pass_above"]), strict=True),
        _measured("no_major_incident", "no major safety or quality accident or serious environmental violation "
                  f"in the {c['incident_years']} year(s) before", HTE + "(8)", f["major_incidents_1y"],
                  lambda v: v == 0),
    ]


# ----------------------------------------------------------------------------- 科技型中小企业


def _tech_sme_score(f: pd.DataFrame, c: dict) -> tuple[_Points, pd.Series]:
    """The evaluation score's bounds and whether the S&T staff item scores (three-valued)."""
    staff = _banded(f["rd_staff_share"], c["staff_share_points"], _top(c["staff_share_points"]))
    by_revenue = _banded(f["rd_intensity"], c["rd_ratio_points"], _top(c["rd_ratio_points"]))
    by_cost = _banded(f["rd_cost_ratio"], c["rd_cost_points"], _top(c["rd_cost_points"]))
    rd = _Points(np.maximum(by_revenue.low, by_cost.low), np.maximum(by_revenue.high, by_cost.high))
    two = _banded(f["class_two_ip"], c["class_two_points"], _top(c["class_two_points"]))
    one = (f["class_one_ip"] >= 1).to_numpy(dtype=bool)
    top = float(c["class_one_points"])
    ip = _Points(two.low.where(~one, top), two.high.where(~one, top))
    ip = _Points(ip.low.where(f["class_one_ip"].notna(), 0.0), ip.high.where(f["class_one_ip"].notna(), top))
    staff_scores = _bool((staff.low > 0).to_numpy(), f.index, ((staff.low > 0) | (staff.high == 0)).to_numpy())
    return staff + rd + ip, staff_scores


def check_tech_sme(f: pd.DataFrame, cfg: dict) -> list[Condition]:
    c = cfg["tech_sme"]
    pts, staff_scores = _tech_sme_score(f, c)
    score = _score_condition("score", "", TSME, pts, float(c["pass_score"]))
    score_ok = _all(score.ok, staff_scores)
    levels = "/".join(c["direct_standard_levels"])
    direct = _any(_held(f, "high_tech_enterprise"),
                  _compare(f["national_awards_top_units"], lambda v: v >= 1),
                  _compare(f["provincial_rd_platforms"], lambda v: v >= 1),
                  _compare(f["standards_led"], lambda v: v >= 1))
    return [
        _measured("employees", f"employees <= {c['max_employees']}", TSME, f["employees"],
                  lambda v: v <= c["max_employees"]),
        _measured("revenue", f"revenue <= {_money(c['max_revenue'])}", TSME, f["revenue"],
                  lambda v: v <= c["max_revenue"]),
        _measured("total_assets", f"total assets <= {_money(c['max_total_assets'])}", TSME, f["total_assets"],
                  lambda v: v <= c["max_total_assets"]),
        _measured("no_major_incident", "no major safety or quality accident or serious environmental violation "
                  "in the year before or this year", TSME, f["major_incidents_2y"], lambda v: v == 0),
        _not_blacklisted(f, cfg, TSME),
        Condition("score_or_direct", f"evaluation score >= {c['pass_score']} of 100 with an S&T staff score "
                  "(staff 20, R&D over revenue or over costs 50, IP 30), or a direct pass: a valid 高企 certificate, "
                  f"a national S&T award among the first {c['direct_award_unit_rank']} units or a standard ({levels}) "
                  f"led in {c['direct_years']} years, a provincial or higher R&D institution", TSME,
                  _any(score_ok, direct), pts.low, pts.high),
    ]


# ----------------------------------------------------------------------------- 创新型中小企业


def _innovative_score(f: pd.DataFrame, cfg: dict) -> tuple[_Points, _Points, _Points]:
    c = cfg["innovative_sme"]
    idx = f.index
    p = c["ip_points"]
    strategic = _mapped(f["industry"], cfg["industries"]["strategic_emerging"], bool)
    high_value = _any(_compare(f["high_value_patents"], lambda v: v >= 1),
                      _all(_compare(f["valid_invention_patents"], lambda v: v >= 1), strategic))
    hv_yes = (high_value == True).fillna(False).to_numpy(dtype=bool)  # noqa: E712
    hv_open = high_value.isna().to_numpy(dtype=bool)
    one = (f["class_one_ip"] >= 1).to_numpy(dtype=bool)
    own = f["own_class_one_ip"]
    own_yes = (own >= 1).to_numpy(dtype=bool)
    own_open = own.isna().to_numpy(dtype=bool)
    two = (f["class_two_ip"] >= 1).to_numpy(dtype=bool)
    points = [p["high_value_class_one"], p["own_class_one"], p["class_one"], p["class_two"]]
    # lowest: the best item known to hold; highest: the best item not known to fail
    low = np.select([hv_yes, one & own_yes, one, two], points, 0.0)
    # a high-value patent may also be one with an overseas family or an award, which the data does not show
    maybe_hv = hv_yes | hv_open | (f["valid_invention_patents"] >= 1).to_numpy(dtype=bool)
    high = np.select([maybe_hv, one & (own_yes | own_open), one, two], points, 0.0)
    ip = _Points(pd.Series(low, index=idx, dtype="float64"), pd.Series(high, index=idx, dtype="float64"))
    innovation = ip + _banded(f["rd_intensity"], c["rd_ratio_points"], _top(c["rd_ratio_points"]))
    growth = (_banded(f["main_business_growth"], c["growth_points"], _top(c["growth_points"]))
              + _banded(f["leverage"], c["debt_ratio_points"], _top(c["debt_ratio_points"])))
    fp = c["field_points"]
    yes = (strategic == True).fillna(False).to_numpy(dtype=bool)  # noqa: E712
    no = (strategic == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712
    field = _Points(pd.Series(np.where(yes, fp["strategic_emerging"], fp["other"]), index=idx, dtype="float64"),
                    pd.Series(np.where(no, fp["other"], fp["strategic_emerging"]), index=idx, dtype="float64"))
    special = field + _banded(f["main_business_share"], c["main_business_points"], _top(c["main_business_points"]))
    return innovation, growth, special


def check_innovative_sme(f: pd.DataFrame, cfg: dict) -> list[Condition]:
    c = cfg["innovative_sme"]
    innovation, growth, special = _innovative_score(f, cfg)
    total = innovation + growth + special
    score_ok = _all(_score_condition("total", "", QSME, total, float(c["pass_score"])).ok,
                    _score_condition("innovation", "", QSME, innovation, float(c["min_innovation"])).ok,
                    _score_condition("growth", "", QSME, growth, float(c["min_growth"])).ok,
                    _score_condition("specialisation", "", QSME, special, float(c["min_specialisation"])).ok)
    direct = _any(_compare(f["st_awards_recent"], lambda v: v >= 1),
                  *[_held(f, k) for k in c["direct_certificates"]],
                  _compare(f["provincial_rd_platforms"], lambda v: v >= 1),
                  _compare(f["equity_financing_3y"], lambda v: v >= c["direct_min_equity_3y"]))
    return [
        _sme_condition(f, cfg),
        _not_blacklisted(f, cfg, QSME),
        _no_incident_3y(f, cfg),
        Condition("score_or_direct", f"score >= {c['pass_score']} of 100 (innovation >= {c['min_innovation']} of 40, "
                  f"growth >= {c['min_growth']} of 30, specialisation >= {c['min_specialisation']} of 30), or a direct "
                  f"pass: a national or provincial S&T award in {c['direct_award_years']} years, a valid 高企 / "
                  "技术创新示范 / 知识产权优势 / 知识产权示范 certificate, a provincial or higher R&D institution, "
                  f"equity raised in 3 years >= {_money(c['direct_min_equity_3y'])}", QSME,
                  _any(score_ok, direct), total.low, total.high),
    ]


# ----------------------------------------------------------------------------- 专精特新中小企业


def check_specialised_sme(f: pd.DataFrame, cfg: dict) -> list[Condition]:
    c = cfg["specialised_sme"]
    revenue_or_equity = _any(_compare(f["revenue"], lambda v: v >= c["min_revenue"]),
                             _compare(f["equity_financing_2y"], lambda v: v >= c["min_equity_2y"]))
    alternative = _any(_unknown(f.index),  # the 100-point score and the 创客中国 top 500: not in the data
                       _compare(f["awards_top_units"], lambda v: v >= 1),
                       _compare(f["rd_expense_2y"] / 2, lambda v: v >= c["alternative_min_rd_mean_2y"]),
                       _compare(f["equity_financing_2y"], lambda v: v >= c["alternative_min_equity_2y"]))
    top = c["alternative_award_unit_rank"]
    return [
        _sme_condition(f, cfg),
        _not_blacklisted(f, cfg, QSME),
        _no_incident_3y(f, cfg),
        _measured("years", f"in its niche for {c['min_years']} years or more (years since registration)",
                  QSME + " (一)", f["years_registered"], lambda v: v >= c["min_years"]),
        _measured("rd_expense", f"R&D expense >= {_money(c['min_rd_expense'])}", QSME + " (二)", f["rd_expense"],
                  lambda v: v >= c["min_rd_expense"]),
        _measured("rd_ratio", f"R&D >= {_pct(c['min_rd_ratio'])} of revenue", QSME + " (二)", f["rd_intensity"],
                  lambda v: v >= c["min_rd_ratio"]),
        Condition("revenue_or_equity", f"revenue >= {_money(c['min_revenue'])}, or new equity in 2 years >= "
                  f"{_money(c['min_equity_2y'])}", QSME + " (三)", revenue_or_equity),
        Condition("score_or_alternative", "score >= 60 (not in the data) or: a provincial S&T award among the "
                  f"first {top['provincial']} units or a national one among the first {top['national']} in "
                  f"{c['alternative_award_years']} years; mean R&D of 2 years >= "
                  f"{_money(c['alternative_min_rd_mean_2y'])}; new equity in 2 years >= "
                  f"{_money(c['alternative_min_equity_2y'])}; 创客中国 top 500 (not in the data)", QSME + " (四)",
                  alternative),
    ]


# ----------------------------------------------------------------------------- 专精特新"小巨人"


def little_giant_rd(f: pd.DataFrame, c: dict) -> pd.Series:
    """小巨人 新, R&D part: R&D over revenue in each of the last two years by the latest revenue's band, or the
    small-firm alternative (equity, R&D of two years, R&D staff) under the lowest band (three-valued)."""
    rev = f["revenue"].astype("float64")
    bands = sorted(c["rd_ratio_by_revenue"], key=lambda b: -b["revenue_from"])
    need = pd.Series(np.nan, index=f.index)
    for band in reversed(bands):  # lowest band first, the higher ones overwrite
        need = need.where(~(rev >= band["revenue_from"]), float(band["min_ratio"]))
    both_years = _all(_bool((f["rd_intensity"] >= need).to_numpy(dtype=bool), f.index,
                            (f["rd_intensity"].notna() & need.notna()).to_numpy()),
                      _bool((f["rd_intensity_prev"] >= need).to_numpy(dtype=bool), f.index,
                            (f["rd_intensity_prev"].notna() & need.notna()).to_numpy()))
    s = c["small_firm"]
    small = _all(_compare(f["equity_financing_2y"], lambda v: v >= s["min_equity_2y"]),
                 _compare(f["rd_expense_2y"], lambda v: v >= s["min_rd_expense_2y"]),
                 _compare(f["rd_staff_share"], lambda v: v >= s["min_rd_staff_share"]))
    is_small = (rev < min(b["revenue_from"] for b in bands)).to_numpy(dtype=bool)
    rd_ok = both_years.copy()
    rd_ok[is_small] = small[is_small]
    rd_ok[rev.isna().to_numpy()] = pd.NA
    return rd_ok


def check_little_giant(f: pd.DataFrame, cfg: dict) -> list[Condition]:
    c = cfg["little_giant"]
    bands = sorted(c["rd_ratio_by_revenue"], key=lambda b: -b["revenue_from"])
    s = c["small_firm"]
    rd_ok = little_giant_rd(f, c)
    hi, mid = bands[0], bands[1] if len(bands) > 1 else bands[0]
    general = _all(rd_ok, _compare(f["rd_platforms"], lambda v: v >= c["min_rd_platforms"]),
                   _compare(f["class_one_ip"], lambda v: v >= c["min_class_one_ip"]))
    direct = _compare(f["national_awards_recent_top_units"], lambda v: v >= 1)
    innovation = _any(general, direct, _unknown(f.index))  # the 创客中国 top 50: not in the data
    unknown = _unknown(f.index)
    return [
        _sme_condition(f, cfg),
        Condition("specialised_holder", "already a 专精特新中小企业 (a valid certificate)", QSME,
                  _held(f, "specialised_sme")),
        _not_blacklisted(f, cfg, QSME),
        _no_incident_3y(f, cfg),
        _measured("years", f"in its niche for {c['min_years']} years or more (years since registration)",
                  QSME + " 专", f["years_registered"], lambda v: v >= c["min_years"]),
        _measured("main_business_share", f"main business >= {_pct(c['min_main_business_share'])} of revenue",
                  QSME + " 专", f["main_business_share"], lambda v: v >= c["min_main_business_share"]),
        _measured("main_business_growth_2y", f"main-business revenue growth >= {_pct(c['min_growth_2y'])} a year "
                  "over 2 years (mean)", QSME + " 专", f["main_business_growth_2y"], lambda v: v >= c["min_growth_2y"]),
        _measured("debt_ratio", f"debt ratio <= {_pct(c['max_debt_ratio'])}", QSME + " 精", f["leverage"],
                  lambda v: v <= c["max_debt_ratio"]),
        Condition("management_certification", "a management system certification (not in the data)", QSME + " 精",
                  unknown),
        Condition("market_share", "national niche market share >= 10% (not in the data)", QSME + " 特", unknown),
        Condition("own_brand", "an own brand (not in the data)", QSME + " 特", unknown),
        Condition("innovation", f"新: R&D over revenue in each of the last 2 years >= {_pct(hi['min_ratio'])} with "
                  f"revenue of {_money(hi['revenue_from'])} or more, >= {_pct(mid['min_ratio'])} from "
                  f"{_money(mid['revenue_from'])} (below: equity in 2 years >= {_money(s['min_equity_2y'])}, R&D of "
                  f"2 years >= {_money(s['min_rd_expense_2y'])} and R&D staff >= {_pct(s['min_rd_staff_share'])}), its "
                  f"own R&D institution and >= {c['min_class_one_ip']} Class I rights in force; or directly a "
                  f"national S&T award in {c['direct_award_years']} years among the first "
                  f"{c['direct_award_unit_rank']} units, or the 创客中国 top 50 (not in the data)", QSME + " 新",
                  innovation),
        Condition("industrial_chain", "a key link of an industrial chain (not in the data)", QSME + " 链", unknown),
        Condition("key_field", "main products in the key fields (not in the data)", QSME + " 品", unknown),
    ]


# the checks, and the indicator saying whether a valid certificate of that kind is held
CHECKS: dict[str, Callable[[pd.DataFrame, dict], list[Condition]]] = {
    "high_tech_enterprise": check_high_tech_enterprise,
    "tech_sme": check_tech_sme,
    "innovative_sme": check_innovative_sme,
    "specialised_sme": check_specialised_sme,
    "little_giant": check_little_giant,
}
# the certificate flags among the features (specialised_sme counts a 小巨人 too)
CERTIFICATION_KINDS_HELD = ("high_tech_enterprise", "tech_sme", "innovative_sme", "specialised_sme", "little_giant",
                            "gazelle", "unicorn", "tech_leader", "tech_innovation_demo", "ip_advantage", "ip_demo")
HELD_BY = {"high_tech_enterprise": "high_tech_enterprise", "tech_sme": "tech_sme", "innovative_sme": "innovative_sme",
           "specialised_sme": "specialised_sme", "little_giant": "little_giant"}


def result_of(conditions: list[Condition]) -> np.ndarray:
    """The certification's result per enterprise: fail if a condition failed, pass if all passed."""
    ok = _all(*(c.ok for c in conditions))
    return np.where(ok.isna(), "insufficient_data", np.where(ok.fillna(False), "pass", "fail"))


def _codes(ok: pd.Series) -> np.ndarray:
    """0 pass, 1 fail, 2 insufficient_data."""
    return np.where(ok.isna(), 2, np.where(ok.fillna(False), 0, 1)).astype(np.int8)


def run_checks(features: pd.DataFrame, rules: dict | None = None) -> pd.DataFrame:
    """Every condition of every certification for every enterprise: one row per (enterprise,
    certification, condition).

    Columns: ``enterprise_id``, ``check`` (the certification), ``rule`` (the condition's id),
    ``result`` (pass / fail / insufficient_data), ``low`` and ``high`` (the value compared, or
    a score's bounds; empty where the condition compares no single number), ``check_result``
    (the certification's result: pass only when every condition passed), ``holds`` (a valid
    certificate of that kind at the as-of date), ``flag`` (holds it but the data says fail),
    ``description`` and ``source`` (what the condition asks, and where the rule is written).
    """
    rules = rules or load_certification_rules()
    n = len(features)
    ids = features.index.to_numpy()
    parts = []
    for name, check in CHECKS.items():
        conditions = check(features, rules)
        overall = _codes(_all(*(c.ok for c in conditions)))
        holds = features[HELD_BY[name]].fillna(0).to_numpy() > 0
        for c in conditions:
            nan = np.full(n, np.nan)
            parts.append({
                "position": np.arange(n), "check": name, "rule": c.id,
                "result": _codes(c.ok),
                "low": nan if c.low is None else c.low.to_numpy(dtype="float64", na_value=np.nan),
                "high": nan if c.high is None else c.high.to_numpy(dtype="float64", na_value=np.nan),
                "check_result": overall, "holds": holds, "flag": holds & (overall == 1),
                "description": c.description, "source": c.source,
            })
    k = len(parts)
    # enterprise by enterprise (each one's conditions together), so that the rows of a block of
    # enterprises are a block of the rows

    def stack(key: str) -> np.ndarray:
        return np.stack([p[key] for p in parts], axis=1).ravel() if k else np.zeros(0)

    def constant(key: str) -> pd.Categorical:
        values = [p[key] for p in parts]
        cats = list(dict.fromkeys(values))
        codes = np.tile(np.array([cats.index(v) for v in values], dtype=np.int16), n)
        return pd.Categorical.from_codes(codes, categories=cats)

    out = pd.DataFrame({
        # the id as a category of the enterprises: 40 conditions per enterprise repeat it, as a number
        "enterprise_id": pd.Categorical.from_codes(stack("position").astype(np.int32) if k else np.zeros(0, np.int32),
                                                   categories=pd.Index(ids, dtype="str")),
        "check": pd.Categorical.from_codes(np.tile(np.array([list(CHECKS).index(p["check"]) for p in parts],
                                                            dtype=np.int8), n), categories=list(CHECKS)),
        "rule": constant("rule"),
        "result": pd.Categorical.from_codes(stack("result").astype(np.int8), categories=list(RESULTS)),
        "low": stack("low"),
        "high": stack("high"),
        "check_result": pd.Categorical.from_codes(stack("check_result").astype(np.int8), categories=list(RESULTS)),
        "holds": stack("holds").astype(bool),
        "flag": stack("flag").astype(bool),
        "description": constant("description"),
        "source": constant("source"),
    })
    return out


def summarise(checks: pd.DataFrame, reasons: bool = True) -> pd.DataFrame:
    """One row per (enterprise, certification): ``result``, ``holds``, ``flag`` and (unless ``reasons`` is
    False, which is much faster for a whole province) ``reasons``: the conditions that failed, then those
    the data cannot decide.  ``checks`` is what :func:`run_checks` returns, or its rows for some enterprises
    (every condition of them: filter by enterprise, not by result)."""
    # every certification lists each enterprise once per condition: one condition's rows are enough
    # (compared a certification at a time: the rows' categories compare as small numbers)
    check, rule = checks["check"], checks["rule"]
    chosen = np.zeros(len(checks), dtype=bool)
    for name in pd.unique(check):
        of = (check == name).to_numpy(bool)
        chosen |= of & (rule == rule.iloc[int(np.argmax(of))]).to_numpy(bool)
    one = checks[chosen]
    first = one[["enterprise_id", "check", "check_result", "holds", "flag"]].rename(
        columns={"check_result": "result"}).reset_index(drop=True)
    if not reasons:
        return first
    failed = checks[checks["result"] == "fail"].groupby(["enterprise_id", "check"], observed=True)["rule"] \
        .agg(lambda r: ", ".join(map(str, r)))
    unknown = checks[checks["result"] == "insufficient_data"].groupby(["enterprise_id", "check"], observed=True)[
        "rule"].agg(lambda r: ", ".join(map(str, r)))
    key = pd.MultiIndex.from_frame(first[["enterprise_id", "check"]])
    text = []
    for f, u in zip(failed.reindex(key).to_numpy(), unknown.reindex(key).to_numpy()):
        said = ([f"fails: {f}"] if isinstance(f, str) else []) + ([f"no data for: {u}"] if isinstance(u, str) else [])
        text.append("; ".join(said) or "every condition holds")
    return first.assign(reasons=text)
