"""Certification checks on hand-made enterprises on each side of every threshold, at the exact boundary.

Each test names the text its rule comes from:
  32号   高新技术企业认定管理办法 (国科发火〔2016〕32号) art. 11, and its 工作指引
  67号   科技型中小企业评价办法 (国科发政〔2022〕67号)
  63号   优质中小企业梯度培育管理暂行办法 (工信部企业〔2022〕63号): 创新型, 专精特新, 小巨人
  300号  中小企业划型标准规定 (工信部联企业〔2011〕300号)
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from innoscore.config import load_yaml
from innoscore.points.certification import (CHECKS, FEATURES, check_high_tech_enterprise, check_innovative_sme,
                                            check_little_giant, check_specialised_sme, check_tech_sme, run_checks,
                                            summarise)

RULES = load_yaml("features/certifications.yaml")
EPS = 1e-9
NAN = math.nan

# an enterprise that meets every rule the data can decide for 科技型中小企业 and 专精特新; each test moves
# one value across a threshold
GOOD = {
    "years_registered": 6, "revenue": 40e6, "rd_expense": 3e6, "rd_expense_2y": 5e6, "rd_intensity": 0.075,
    "rd_intensity_prev": 0.07, "rd_intensity_3y": 0.07, "rd_gap_years": 0, "rd_intensity_3y_floor": 0.07, "rd_cost_ratio": 0.1, "rd_staff_share": 0.35,
    "high_tech_revenue_share": 0.8, "main_business_share": 0.85, "main_business_growth": 0.2,
    "main_business_growth_2y": 0.12, "revenue_growth_mean": 0.2, "net_asset_growth_mean": 0.2,
    "valid_ip_rights": 5, "valid_invention_patents": 0, "class_one_ip": 0, "class_two_ip": 5, "own_class_one_ip": 0,
    "own_ip_rights": 5, "high_value_patents": 0, "best_advancement": NAN, "employees": 120,
    "total_assets": 50e6, "leverage": 0.4, "equity_financing_2y": 0.0, "equity_financing_3y": 0.0,
    "rd_platforms": 1, "provincial_rd_platforms": 0, "national_awards_top_units": 0, "st_awards_recent": 0,
    "awards_top_units": 0, "national_awards_recent_top_units": 0, "standards_led": 0, "major_incidents_1y": 0,
    "major_incidents_2y": 0, "major_incidents_3y": 0,
    "blacklist_records": 0, "high_tech_enterprise": 0, "tech_sme": 0, "innovative_sme": 0, "specialised_sme": 0,
    "little_giant": 0, "tech_innovation_demo": 0, "ip_advantage": 0, "ip_demo": 0, "gazelle": 0, "unicorn": 0,
    "tech_leader": 0, "industry": "new_materials",
}


def frame(**changes) -> pd.DataFrame:
    unknown = set(changes) - set(GOOD)
    assert not unknown, unknown
    return pd.DataFrame([dict(GOOD, **changes)], index=pd.Index(["E"], name="enterprise_id"))


def conditions(check, rules: dict = RULES, **changes) -> dict[str, str]:
    """Each condition's result for the one enterprise."""
    out = {}
    for c in check(frame(**changes), rules):
        v = c.ok.iloc[0]
        out[c.id] = "insufficient_data" if pd.isna(v) else ("pass" if v else "fail")
    return out


def condition(check, rule: str, **changes) -> str:
    return conditions(check, **changes)[rule]


def bounds(check, rule: str, **changes) -> tuple[float, float]:
    c = next(c for c in check(frame(**changes), RULES) if c.id == rule)
    return float(c.low.iloc[0]), float(c.high.iloc[0])


def overall(check, **changes) -> str:
    out = run_checks(frame(**changes), RULES)
    name = next(k for k, v in CHECKS.items() if v is check)
    return str(out.loc[out["check"] == name, "check_result"].iloc[0])


def test_the_features_cover_what_the_checks_read():
    assert set(FEATURES) | {"industry"} == set(GOOD)


# ----------------------------------------------------------------------------- 高新技术企业

HT = RULES["high_tech_enterprise"]


@pytest.mark.parametrize("field, at, below, rule", [
    ("years_registered", HT["min_years_registered"], HT["min_years_registered"] - 1, "registered"),
    ("valid_ip_rights", HT["min_core_ip"], HT["min_core_ip"] - 1, "core_ip"),
    ("rd_staff_share", HT["min_st_staff_share"], HT["min_st_staff_share"] - EPS, "st_staff_share"),
    ("high_tech_revenue_share", HT["min_high_tech_revenue_share"], HT["min_high_tech_revenue_share"] - EPS,
     "high_tech_revenue_share"),
])
def test_high_tech_enterprise_thresholds_32(field, at, below, rule):
    """32号 art. 11 (1), (2), (4), (6): 一年以上, core IP, 不低于10%, 不低于60% — the threshold itself passes."""
    assert condition(check_high_tech_enterprise, rule, **{field: at}) == "pass"
    assert condition(check_high_tech_enterprise, rule, **{field: below}) == "fail"
    assert overall(check_high_tech_enterprise, **{field: below}) == "fail"


@pytest.mark.parametrize("revenue, need", [(50e6, 0.05), (50e6 + 1, 0.04), (200e6, 0.04), (200e6 + 1, 0.03)])
def test_high_tech_rd_ratio_by_revenue_band_32(revenue, need):
    """32号 art. 11 (5): 5,000万元(含) 5%; 5,000万元至2亿元(含) 4%; 2亿元以上 3%."""
    assert condition(check_high_tech_enterprise, "rd_ratio_3y", revenue=revenue, rd_intensity_3y=need) == "pass"
    assert condition(check_high_tech_enterprise, "rd_ratio_3y", revenue=revenue, rd_intensity_3y=need - EPS) == "fail"


def test_high_tech_rd_ratio_with_a_missing_year_is_not_a_pass_32():
    """A year with revenue but no R&D figure is left out of the 3-year ratio, so the ratio decides nothing (the
    missing R&D may pull it either way); the floor, that R&D taken as 0, still passes when it reaches the band."""
    gap = dict(rd_gap_years=1, rd_intensity_3y_floor=0.03)
    assert condition(check_high_tech_enterprise, "rd_ratio_3y", **gap) == "insufficient_data"
    assert condition(check_high_tech_enterprise, "rd_ratio_3y", **gap, rd_intensity_3y=0.01) == "insufficient_data"
    assert condition(check_high_tech_enterprise, "rd_ratio_3y", **dict(gap, rd_intensity_3y_floor=0.05)) == "pass"


def test_high_tech_field_from_the_industry_mapping_32():
    """32号 art. 11 (3): 国家重点支持的高新技术领域, from the configured industry mapping."""
    assert condition(check_high_tech_enterprise, "supported_field", industry="new_materials") == "pass"
    assert condition(check_high_tech_enterprise, "supported_field", industry="steel") == "insufficient_data"  # partly
    assert condition(check_high_tech_enterprise, "supported_field", industry="no_such_code") == "insufficient_data"
    rules = copy.deepcopy(RULES)
    rules["industries"]["high_tech_field"]["steel"] = None
    assert conditions(check_high_tech_enterprise, rules, industry="steel")["supported_field"] == "fail"


def test_high_tech_rd_in_china_is_never_a_pass_32():
    """32号 art. 11 (5): ≥ 60% of R&D spent in China: not in the data, so the certification never passes."""
    assert condition(check_high_tech_enterprise, "rd_in_china") == "insufficient_data"
    assert overall(check_high_tech_enterprise) == "insufficient_data"


def test_high_tech_no_major_incident_in_the_year_before_32():
    """32号 art. 11 (8): 申请认定前一年内未发生重大安全、重大质量事故或严重环境违法行为."""
    assert condition(check_high_tech_enterprise, "no_major_incident", major_incidents_1y=0) == "pass"
    assert condition(check_high_tech_enterprise, "no_major_incident", major_incidents_1y=1) == "fail"
    assert condition(check_high_tech_enterprise, "no_major_incident", major_incidents_1y=NAN) == "insufficient_data"


def test_high_tech_capability_bounds_by_hand_32():
    """工作指引 创新能力评价: > 70 of 100.  The good enterprise, item by item (lowest, highest):
    IP: 5 Class II (5, 6) + advancement, no assessment (0, 8) + core support (0, 8) + own IP (1, 6) + no standard
        led (0, 2) = (6, 30) after the cap of 30;  conversion: not in the data (0, 30);
    R&D organisation: a platform (3, 6) + management (0, 14) = (3, 20);  growth 20% and 20% -> (5, 6) twice."""
    assert bounds(check_high_tech_enterprise, "innovation_capability") == (6 + 0 + 3 + 10, 30 + 30 + 20 + 12)
    assert condition(check_high_tech_enterprise, "innovation_capability") == "insufficient_data"
    # an advancement of 95 raises the lowest score by 7 and leaves the highest
    assert bounds(check_high_tech_enterprise, "innovation_capability", best_advancement=95.0) == (26, 92)
    # a weak advancement does not lower the highest (the proxy sets the lowest only)
    assert bounds(check_high_tech_enterprise, "innovation_capability", best_advancement=50.0)[1] == 92


def test_high_tech_capability_must_exceed_70_32():
    """工作指引: 70分以上 (不含70分): a highest possible score of exactly 70 fails, 72 does not."""
    weak = dict(valid_ip_rights=0, class_two_ip=0, own_ip_rights=0, rd_platforms=0, net_asset_growth_mean=0.0)
    # IP: no rights in force, so only the standards bonus (0, 2); conversion (0, 30); organisation (0, 20);
    # growth: net assets 0 -> 0, revenue 35% -> (9, 10): highest 2 + 30 + 20 + 10 = 62
    assert bounds(check_high_tech_enterprise, "innovation_capability", **weak, revenue_growth_mean=0.35)[1] == 62
    assert condition(check_high_tech_enterprise, "innovation_capability", **weak, revenue_growth_mean=0.35) == "fail"
    # no IP: highest 2 + 30 + 20 + growth; net assets 35% (9, 10) and revenue 25% (7, 8): exactly 70 fails
    at_70 = dict(weak, net_asset_growth_mean=0.35, revenue_growth_mean=0.25)
    assert bounds(check_high_tech_enterprise, "innovation_capability", **at_70)[1] == 70
    assert condition(check_high_tech_enterprise, "innovation_capability", **at_70) == "fail"
    # revenue 35% (9, 10): highest 72, so the data cannot rule out more than 70
    at_72 = dict(at_70, revenue_growth_mean=0.35)
    assert bounds(check_high_tech_enterprise, "innovation_capability", **at_72)[1] == 72
    assert condition(check_high_tech_enterprise, "innovation_capability", **at_72) == "insufficient_data"


# ----------------------------------------------------------------------------- 科技型中小企业

SME = RULES["tech_sme"]


@pytest.mark.parametrize("field, limit", [("employees", SME["max_employees"]), ("revenue", SME["max_revenue"]),
                                          ("total_assets", SME["max_total_assets"])])
def test_tech_sme_size_limits_67(field, limit):
    """67号 第六条(二): 职工总数不超过500人、年销售收入不超过2亿元、资产总额不超过2亿元 (the limit itself passes)."""
    assert condition(check_tech_sme, field, **{field: limit}) == "pass"
    assert condition(check_tech_sme, field, **{field: limit + 1}) == "fail"
    assert overall(check_tech_sme, **{field: limit + 1}, high_tech_enterprise=1) == "fail"  # no direct pass over it


def test_tech_sme_score_at_the_pass_line_67():
    """67号 附件: >= 60 with a non-zero S&T staff score."""
    no_ip = dict(class_one_ip=0, class_two_ip=0, rd_cost_ratio=0.0)
    # staff 30% -> 20, R&D 5% of revenue -> 40, no IP -> 0: 60 passes
    assert condition(check_tech_sme, "score_or_direct", rd_staff_share=0.30, rd_intensity=0.05, **no_ip) == "pass"
    assert bounds(check_tech_sme, "score_or_direct", rd_staff_share=0.30, rd_intensity=0.05, **no_ip) == (60, 60)
    # staff just under 30% -> 16: 56 fails
    assert condition(check_tech_sme, "score_or_direct", rd_staff_share=0.30 - EPS, rd_intensity=0.05, **no_ip) == "fail"
    # staff below 10% scores 0: fails whatever else scores
    assert condition(check_tech_sme, "score_or_direct", rd_staff_share=0.10 - EPS, rd_intensity=0.2,
                     class_one_ip=3) == "fail"


def test_tech_sme_rd_over_total_costs_67():
    """67号 附件: R&D (50 points) on R&D over revenue OR over total costs (≥30/25/20/15/10% → 50/40/30/20/10)."""
    base = dict(rd_staff_share=0.10, rd_intensity=0.0, class_one_ip=0, class_two_ip=1)  # 4 + ? + 6
    assert bounds(check_tech_sme, "score_or_direct", **base, rd_cost_ratio=0.30) == (60, 60)
    assert condition(check_tech_sme, "score_or_direct", **base, rd_cost_ratio=0.30) == "pass"
    assert condition(check_tech_sme, "score_or_direct", **base, rd_cost_ratio=0.30 - EPS) == "fail"  # 40 -> 50
    # whichever of the two scores more
    assert bounds(check_tech_sme, "score_or_direct", **dict(base, rd_intensity=0.06), rd_cost_ratio=0.10)[0] == 60
    # one of the two unknown: the other sets the lowest, the highest is 50
    assert bounds(check_tech_sme, "score_or_direct", **base, rd_cost_ratio=NAN) == (10, 60)


def test_tech_sme_unknown_items_bound_the_score_67():
    # staff 30% -> 20 and Class I -> 30 = 50; R&D unknown both ways could add up to 50: not enough data
    assert condition(check_tech_sme, "score_or_direct", rd_staff_share=0.3, class_one_ip=1, rd_intensity=NAN,
                     rd_cost_ratio=NAN) == "insufficient_data"
    # staff 10% -> 4, no IP, R&D unknown: at most 54 < 60: fails even so
    assert condition(check_tech_sme, "score_or_direct", rd_staff_share=0.1, class_one_ip=0, class_two_ip=0,
                     rd_intensity=NAN, rd_cost_ratio=NAN) == "fail"


WEAK = dict(rd_staff_share=0.12, rd_intensity=0.0, rd_cost_ratio=0.0, class_one_ip=0, class_two_ip=0)


@pytest.mark.parametrize("field", ["high_tech_enterprise", "national_awards_top_units", "provincial_rd_platforms",
                                   "standards_led"])
def test_tech_sme_direct_passes_67(field):
    """67号 第七条: 有效期内高企; 近五年国家级科技奖励并在获奖单位中排名前三; 省部级以上研发机构;
    近五年主导制定国际标准、国家标准或行业标准 (windows and levels counted by the indicators)."""
    assert condition(check_tech_sme, "score_or_direct", **WEAK) == "fail"
    assert condition(check_tech_sme, "score_or_direct", **WEAK, **{field: 1}) == "pass"
    assert overall(check_tech_sme, **WEAK, **{field: 1}) == "pass"


def test_tech_sme_award_with_unknown_unit_rank_is_undecided_67():
    assert condition(check_tech_sme, "score_or_direct", **WEAK, national_awards_top_units=NAN) == "insufficient_data"


@pytest.mark.parametrize("field, rule", [("major_incidents_2y", "no_major_incident"),
                                         ("blacklist_records", "not_blacklisted")])
def test_tech_sme_exclusions_67(field, rule):
    """67号 第六条(四): no major incident in the year before and this one; not on the 失信 / 经营异常 lists."""
    assert condition(check_tech_sme, rule, **{field: 0}) == "pass"
    assert condition(check_tech_sme, rule, **{field: 1}) == "fail"
    assert overall(check_tech_sme, **{field: 1}, high_tech_enterprise=1) == "fail"


# ----------------------------------------------------------------------------- SME size (300号)


@pytest.mark.parametrize("industry, employees, revenue, want", [
    ("advanced_equipment", 999, 500e6, "pass"),     # 工业: 从业人员1000人以下 ...
    ("advanced_equipment", 1000, 399_999_999, "pass"),  # ... 或营业收入40000万元以下
    ("advanced_equipment", 1000, 400e6, "fail"),    # neither: "以下" excludes the number
    ("info_intelligence", 299, 200e6, "pass"),       # 软件和信息技术服务业: 300人 / 10000万元
    ("info_intelligence", 300, 100e6, "fail"),
    ("modern_agriculture", 5000, 199_999_999, "pass"),  # 农、林、牧、渔业: 营业收入20000万元以下
    ("modern_agriculture", 10, 200e6, "fail"),
    ("no_such_code", 10, 1e6, "insufficient_data"),  # no sector for the industry
    ("advanced_equipment", NAN, 500e6, "insufficient_data"),
])
def test_sme_size_by_sector_300(industry, employees, revenue, want):
    """300号: small and medium when under one of its sector's limits; required by 创新型, 专精特新, 小巨人 (63号)."""
    for check in (check_innovative_sme, check_specialised_sme, check_little_giant):
        assert condition(check, "sme_size", industry=industry, employees=employees, revenue=revenue) == want


# ----------------------------------------------------------------------------- 创新型中小企业

INN = RULES["innovative_sme"]
# R&D 5% 20 | growth 15% 20, debt 40% 10 | strategic 10, main business 70% 20  = 80 + the IP item
INN_BASE = dict(rd_intensity=0.05, main_business_growth=0.15, leverage=0.4, main_business_share=0.70,
                class_one_ip=0, class_two_ip=0)


@pytest.mark.parametrize("changes, ip_points", [
    ({}, 0),
    ({"class_two_ip": 1}, 5),                                                  # Ⅱ类 5
    ({"class_one_ip": 1, "own_class_one_ip": 0}, 10),                          # Ⅰ类 (acquired) 10
    ({"class_one_ip": 1, "own_class_one_ip": 1}, 15),                          # 自主研发Ⅰ类 15
    ({"class_one_ip": 1, "valid_invention_patents": 1, "high_value_patents": 1}, 20),  # 高价值Ⅰ类 20
    ({"class_one_ip": 1, "valid_invention_patents": 1, "industry": "new_materials"}, 20),  # strategic emerging
    ({"class_one_ip": 1, "own_class_one_ip": 1, "valid_invention_patents": 1, "industry": "food"}, (15, 20)),
])
def test_innovative_sme_ip_item_points_63(changes, ip_points):
    """63号 创新型中小企业评价标准 1: IP 20 high-value Class I / 15 self-developed Class I / 10 Class I / 5 Class II.
    An invention patent not known to be high-value may still be one (overseas family, awards): up to 20."""
    low, high = ip_points if isinstance(ip_points, tuple) else (ip_points, ip_points)
    field = 5 if changes.get("industry") == "food" else 0
    assert bounds(check_innovative_sme, "score_or_direct", **dict(INN_BASE, **changes)) == (80 - field + low,
                                                                                         80 - field + high)


def test_innovative_sme_ip_origin_unknown_gives_a_range_63():
    low, high = bounds(check_innovative_sme, "score_or_direct", **dict(INN_BASE, class_one_ip=1, own_class_one_ip=NAN))
    assert (low, high) == (90, 95)


@pytest.mark.parametrize("share, points", [(0.70, 20), (0.70 - EPS, 15), (0.60, 15), (0.60 - EPS, 10), (0.55, 10),
                                           (0.55 - EPS, 5), (0.50, 5), (0.50 - EPS, 0)])
def test_innovative_sme_main_business_bands_63(share, points):
    """63号 创新型 6: 主营业务收入占比 70%以上 20, 60%-70% 15, 55%-60% 10, 50%-55% 5."""
    assert bounds(check_innovative_sme, "score_or_direct", **dict(INN_BASE, main_business_share=share))[0] == 60 + points


def test_innovative_sme_field_points_63():
    """63号 创新型 5: 属于《战略性新兴产业分类》 10, 其他领域 5 (an unmapped industry: either)."""
    assert bounds(check_innovative_sme, "score_or_direct", **INN_BASE, industry="new_materials")[0] == 80
    assert bounds(check_innovative_sme, "score_or_direct", **INN_BASE, industry="food") == (75, 75)
    assert bounds(check_innovative_sme, "score_or_direct", **INN_BASE, industry="no_such_code") == (75, 80)
    assert bounds(check_innovative_sme, "score_or_direct", **INN_BASE, industry="health_care") == (75, 80)  # partly


def test_innovative_sme_group_minimums_63():
    """63号: >= 60 with innovation >= 20, growth >= 15 and specialisation >= 15."""
    # innovation: R&D 1% -> 5, no IP: 5 < 20 fails though the total is 5 + 30 + 30 = 65
    assert condition(check_innovative_sme, "score_or_direct", **dict(INN_BASE, rd_intensity=0.01)) == "fail"
    # R&D 3% -> 15 + Class II 5 = 20: passes
    assert condition(check_innovative_sme, "score_or_direct", **dict(INN_BASE, rd_intensity=0.03, class_two_ip=1)) \
        == "pass"


@pytest.mark.parametrize("field, value", [("st_awards_recent", 1), ("high_tech_enterprise", 1),
                                          ("tech_innovation_demo", 1), ("ip_advantage", 1), ("ip_demo", 1),
                                          ("provincial_rd_platforms", 1),
                                          ("equity_financing_3y", INN["direct_min_equity_3y"])])
def test_innovative_sme_direct_passes_63(field, value):
    """63号 创新型 直通条件: 近三年国家级、省级科技奖励; 高企 / 国家级技术创新示范企业 / 知识产权优势企业 /
    知识产权示范企业; 省部级以上研发机构; 近三年新增股权融资 500万元以上."""
    weak = dict(INN_BASE, rd_intensity=0.0)
    assert condition(check_innovative_sme, "score_or_direct", **weak) == "fail"
    assert condition(check_innovative_sme, "score_or_direct", **weak, **{field: value}) == "pass"
    if field == "equity_financing_3y":
        assert condition(check_innovative_sme, "score_or_direct", **weak, equity_financing_3y=value - 1) == "fail"


# ----------------------------------------------------------------------------- 专精特新中小企业

SP = RULES["specialised_sme"]


@pytest.mark.parametrize("field, ok, bad, rule", [
    ("years_registered", SP["min_years"], SP["min_years"] - 1, "years"),
    ("rd_expense", SP["min_rd_expense"], SP["min_rd_expense"] - 1, "rd_expense"),
    ("rd_intensity", SP["min_rd_ratio"], SP["min_rd_ratio"] - EPS, "rd_ratio"),
])
def test_specialised_sme_thresholds_63(field, ok, bad, rule):
    """63号 专精特新 (一)(二): 2年以上; 研发费用不低于100万元且占比不低于3%."""
    assert condition(check_specialised_sme, rule, **{field: ok}) == "pass"
    assert condition(check_specialised_sme, rule, **{field: bad}) == "fail"


def test_specialised_sme_revenue_or_equity_63():
    """63号 专精特新 (三): 营业收入1000万元以上, 或近2年新增股权融资2000万元以上."""
    rule = "revenue_or_equity"
    assert condition(check_specialised_sme, rule, revenue=SP["min_revenue"]) == "pass"
    assert condition(check_specialised_sme, rule, revenue=SP["min_revenue"] - 1) == "fail"
    assert condition(check_specialised_sme, rule, revenue=SP["min_revenue"] - 1,
                     equity_financing_2y=SP["min_equity_2y"]) == "pass"


@pytest.mark.parametrize("changes, want", [
    ({}, "insufficient_data"),                                   # the 100-point score is not in the data
    ({"awards_top_units": 1}, "pass"),
    ({"awards_top_units": NAN}, "insufficient_data"),
    ({"rd_expense_2y": 2 * SP["alternative_min_rd_mean_2y"]}, "pass"),
    ({"rd_expense_2y": 2 * SP["alternative_min_rd_mean_2y"] - 1}, "insufficient_data"),
    ({"equity_financing_2y": SP["alternative_min_equity_2y"]}, "pass"),
    ({"equity_financing_2y": SP["alternative_min_equity_2y"] - 1}, "insufficient_data"),
])
def test_specialised_sme_condition_four_63(changes, want):
    """63号 专精特新 (四): 评价得分60分以上 or 省级奖励前三/国家级前五 (3 years), 近两年研发费用均值1000万元以上,
    近两年新增股权融资6000万元以上, 创客中国500强: never a fail, the score may always reach 60."""
    assert condition(check_specialised_sme, "score_or_alternative", **changes) == want


@pytest.mark.parametrize("check", [check_innovative_sme, check_specialised_sme, check_little_giant])
def test_quality_smes_exclude_incidents_and_tax_violations_in_3_years_63(check):
    """63号: 近三年未发生重大安全（含网络安全、数据安全）、质量、环境污染等事故以及偷漏税等违法违规行为; the data
    shows a record, not whether it was major: a record that may have been one leaves the rule undecided."""
    assert condition(check, "no_major_incident", major_incidents_3y=0) == "pass"
    assert condition(check, "no_major_incident", major_incidents_3y=1) == "fail"
    assert condition(check, "no_major_incident", major_incidents_3y=NAN) == "insufficient_data"
    assert condition(check, "not_blacklisted", blacklist_records=NAN) == "insufficient_data"  # an old listing


def test_specialised_sme_passes_only_on_an_alternative_63():
    assert overall(check_specialised_sme) == "insufficient_data"
    assert overall(check_specialised_sme, awards_top_units=1) == "pass"
    assert overall(check_specialised_sme, awards_top_units=1, blacklist_records=1) == "fail"


# ----------------------------------------------------------------------------- 专精特新"小巨人"

LG = RULES["little_giant"]
BIG = dict(revenue=100e6, rd_intensity=0.03, rd_intensity_prev=0.03, class_one_ip=2, rd_platforms=1,
           main_business_growth_2y=0.05, main_business_share=0.70, leverage=0.7, years_registered=3,
           specialised_sme=1, employees=300)
LG_DECIDABLE = ("sme_size", "specialised_holder", "not_blacklisted", "no_major_incident", "years",
                "main_business_share", "main_business_growth_2y", "debt_ratio", "innovation")
LG_NOT_IN_DATA = ("market_share", "own_brand", "management_certification", "industrial_chain", "key_field")


def test_little_giant_big_enterprise_meets_every_decidable_rule_63():
    got = conditions(check_little_giant, **BIG)
    assert {k: got[k] for k in LG_DECIDABLE} == dict.fromkeys(LG_DECIDABLE, "pass")
    # 特, 精, 链 and 品 conditions the data lacks: never a silent pass
    assert {got[k] for k in LG_NOT_IN_DATA} == {"insufficient_data"}
    assert overall(check_little_giant, **BIG) == "insufficient_data"


@pytest.mark.parametrize("field, bad, rule", [
    ("years_registered", LG["min_years"] - 1, "years"),
    ("main_business_share", LG["min_main_business_share"] - EPS, "main_business_share"),
    ("main_business_growth_2y", LG["min_growth_2y"] - EPS, "main_business_growth_2y"),
    ("leverage", LG["max_debt_ratio"] + EPS, "debt_ratio"),
    ("specialised_sme", 0, "specialised_holder"),
    ("major_incidents_3y", 1, "no_major_incident"),
])
def test_little_giant_thresholds_63(field, bad, rule):
    """63号 小巨人: 3年以上; 主营业务收入占比不低于70%; 近2年主营业务收入平均增长率不低于5%; 资产负债率不高于70%;
    已是专精特新中小企业; 近三年未发生重大安全、质量、环境事故及偷漏税."""
    assert condition(check_little_giant, rule, **BIG) == "pass"
    assert condition(check_little_giant, rule, **dict(BIG, **{field: bad})) == "fail"
    assert overall(check_little_giant, **dict(BIG, **{field: bad})) == "fail"


@pytest.mark.parametrize("field, bad", [("class_one_ip", LG["min_class_one_ip"] - 1), ("rd_platforms", 0),
                                        ("rd_intensity", 0.03 - EPS)])
def test_little_giant_innovation_general_route_or_direct_63(field, bad):
    """63号 小巨人 新: the general route (R&D by revenue band, its own R&D institution, 2 or more Class I rights)
    or a direct route (a national award in 3 years among the first 3 units; the 创客中国 top 50, not in the data):
    short of the general route, it passes on the award and is otherwise undecided, never a fail."""
    weak = dict(BIG, **{field: bad})
    assert condition(check_little_giant, "innovation", **weak) == "insufficient_data"
    assert condition(check_little_giant, "innovation", **weak, national_awards_recent_top_units=1) == "pass"
    assert condition(check_little_giant, "innovation", **weak, national_awards_recent_top_units=NAN) \
        == "insufficient_data"


def lg_rd(**changes) -> str:
    from innoscore.points.certification import little_giant_rd

    v = little_giant_rd(frame(**changes), LG).iloc[0]
    return "insufficient_data" if pd.isna(v) else ("pass" if v else "fail")


@pytest.mark.parametrize("revenue, need", [(100e6, 0.03), (100e6 - 1, 0.06), (50e6, 0.06)])
def test_little_giant_rd_band_at_exactly_one_yi_63(revenue, need):
    """63号 小巨人 新: 营业收入1亿元以上 (1亿 included) 近2年研发占比均不低于3%; 5000万-1亿元 均不低于6%."""
    base = dict(BIG, revenue=revenue)
    assert lg_rd(**dict(base, rd_intensity=need, rd_intensity_prev=need)) == "pass"
    assert lg_rd(**dict(base, rd_intensity=need - EPS, rd_intensity_prev=need)) == "fail"


def test_little_giant_rd_in_each_of_two_years_63():
    """63号 小巨人: 近2年 ... 均不低于 — one of the two years below the band fails the R&D part."""
    assert lg_rd(**dict(BIG, rd_intensity=0.10, rd_intensity_prev=0.03 - EPS)) == "fail"
    assert lg_rd(**dict(BIG, rd_intensity_prev=NAN)) == "insufficient_data"


def test_little_giant_small_firms_63():
    """63号 小巨人: 5000万元以下: 近2年新增股权融资8000万元以上, 研发费用3000万元以上, 研发人员占比50%以上."""
    small = dict(BIG, revenue=50e6 - 1, rd_intensity=0.0, rd_intensity_prev=0.0, equity_financing_2y=80e6,
                 rd_expense_2y=30e6, rd_staff_share=0.5)
    assert lg_rd(**small) == "pass"
    for field, value in (("equity_financing_2y", 80e6 - 1), ("rd_expense_2y", 30e6 - 1), ("rd_staff_share", 0.5 - EPS)):
        assert lg_rd(**dict(small, **{field: value})) == "fail"


# ----------------------------------------------------------------------------- the output table


def test_run_checks_one_row_per_condition_and_flags():
    rows = pd.concat([frame(high_tech_enterprise=1, valid_ip_rights=0), frame(high_tech_enterprise=1)])
    rows.index = pd.Index(["BAD", "OK"], name="enterprise_id")
    out = run_checks(rows, RULES)
    per_check = {name: len(check(frame(), RULES)) for name, check in CHECKS.items()}
    assert len(out) == 2 * sum(per_check.values())
    assert list(out.columns) == ["enterprise_id", "check", "rule", "result", "low", "high", "check_result", "holds",
                                 "flag", "description", "source"]
    ht = summarise(out)
    ht = ht[ht["check"] == "high_tech_enterprise"].set_index("enterprise_id")
    assert ht.loc["BAD", "result"] == "fail" and bool(ht.loc["BAD", "flag"]) and bool(ht.loc["BAD", "holds"])
    assert "core_ip" in ht.loc["BAD", "reasons"]
    assert ht.loc["OK", "result"] == "insufficient_data" and not bool(ht.loc["OK", "flag"])
    assert "rd_in_china" in ht.loc["OK", "reasons"]
    assert out["source"].str.contains("32号|67号|63号|300号").all()
    quick = summarise(out, reasons=False)
    pd.testing.assert_frame_equal(quick, summarise(out).drop(columns="reasons"))
    assert len(quick) == 2 * len(CHECKS)


_VALUE = st.one_of(st.just(NAN), st.floats(-1, 3), st.integers(0, 3).map(float),
                   st.floats(0, 5e8, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[_VALUE for _ in FEATURES]), min_size=1, max_size=6),
       st.lists(st.sampled_from(["new_materials", "steel", "food", "info_intelligence", "unknown"]), min_size=6,
                max_size=6))
def test_a_certification_passes_only_when_every_condition_passed(rows, industries):
    """Property: check_result is pass iff every condition passed, fail iff one failed; a flag needs a holder."""
    f = pd.DataFrame(rows, columns=list(FEATURES), index=pd.Index([f"E{i}" for i in range(len(rows))]))
    f.index.name = "enterprise_id"
    f["industry"] = industries[:len(rows)]
    out = run_checks(f, RULES)
    g = out.groupby(["enterprise_id", "check"], observed=True)
    all_pass = g["result"].apply(lambda r: (r == "pass").all())
    any_fail = g["result"].apply(lambda r: (r == "fail").any())
    result = g["check_result"].first()
    assert ((result == "pass") == all_pass).all()
    assert ((result == "fail") == any_fail).all()
    assert (~out["flag"] | out["holds"]).all()
    assert set(out["result"].astype(str)) <= {"pass", "fail", "insufficient_data"}


def test_synthetic_certificate_holders_are_rarely_contradicted():
    """The synthetic province gives certificates mostly by the rules, with some noise: few holders fail."""
    from innoscore.data.synth import SynthSpec, generate
    from innoscore.points.certification import check_features

    tables, _ = generate(SynthSpec(enterprises=4000, seed=17))
    out = summarise(run_checks(check_features(tables, "2026-10-31"), RULES))
    held = out[out["holds"]]
    flagged = held.groupby("check", observed=True)["flag"].mean()
    assert flagged["high_tech_enterprise"] < 0.2
    assert flagged["tech_sme"] < 0.3
    assert flagged["specialised_sme"] < 0.3
    assert (held.groupby("check", observed=True).size() > 10).all()
    # the conditions the data can never decide keep 高企 and 小巨人 from passing
    assert not (out.loc[out["check"].isin(["high_tech_enterprise", "little_giant"]), "result"] == "pass").any()
    assert np.isin(["pass", "fail"], out.loc[out["check"] == "tech_sme", "result"]).all()
