"""Certification checks on hand-made enterprises just above and just below each threshold."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from innoscore.config import load_yaml
from innoscore.points.certification import (FEATURES, check_high_tech_enterprise, check_innovative_sme,
                                            check_little_giant, check_specialised_sme, check_tech_sme, run_checks)

RULES = load_yaml("features/certifications.yaml")
EPS = 1e-9

# one enterprise that meets every rule comfortably; each case moves one value across a threshold
GOOD = {
    "years_in_business": 6.0, "revenue": 40e6, "rd_expense": 3e6, "rd_expense_2y": 5e6, "rd_intensity": 0.075,
    "rd_intensity_3y": 0.07, "rd_staff_share": 0.35, "high_tech_revenue_share": 0.8, "valid_ip_rights": 5,
    "class_one_ip": 0, "class_two_ip": 5, "employees": 120, "total_assets": 50e6, "revenue_growth": 0.2,
    "revenue_growth_2y": 0.12, "leverage": 0.4, "equity_financing_2y": 0.0, "equity_financing_3y": 0.0,
    "rd_platforms": 1, "provincial_rd_platforms": 0, "national_awards_5y": 0, "st_awards_5y": 0,
    "standards_led_5y": 0, "high_tech_enterprise": 0, "tech_sme": 0, "innovative_sme": 0, "specialised_sme": 0,
    "little_giant": 0, "industry": "new_materials",
}


def frame(**changes) -> pd.DataFrame:
    row = dict(GOOD, **changes)
    return pd.DataFrame([row], index=pd.Index(["E"], name="enterprise_id"))


def result(check, **changes) -> tuple[str, str]:
    r, why = check(frame(**changes), RULES)
    return r.iloc[0], why.iloc[0]


def test_the_good_enterprise_passes_what_it_should():
    assert result(check_high_tech_enterprise)[0] == "pass"
    assert result(check_tech_sme)[0] == "pass"
    assert result(check_specialised_sme)[0] == "pass"


HT = RULES["high_tech_enterprise"]


@pytest.mark.parametrize("field, above, below", [
    ("years_in_business", HT["min_years_registered"] + EPS, HT["min_years_registered"] - EPS),
    ("rd_staff_share", HT["min_st_staff_share"], HT["min_st_staff_share"] - EPS),
    ("high_tech_revenue_share", HT["min_high_tech_revenue_share"], HT["min_high_tech_revenue_share"] - EPS),
    ("valid_ip_rights", 1, 0),
])
def test_high_tech_enterprise_thresholds(field, above, below):
    assert result(check_high_tech_enterprise, **{field: above})[0] == "pass"
    r, why = result(check_high_tech_enterprise, **{field: below})
    assert r == "fail" and why.startswith("not ")


@pytest.mark.parametrize("revenue, need", [(50e6, 0.05), (50e6 + 1, 0.04), (200e6, 0.04), (200e6 + 1, 0.03)])
def test_high_tech_rd_ratio_by_revenue_band(revenue, need):
    assert result(check_high_tech_enterprise, revenue=revenue, rd_intensity_3y=need)[0] == "pass"
    r, why = result(check_high_tech_enterprise, revenue=revenue, rd_intensity_3y=need - EPS)
    assert r == "fail" and "R&D ratio" in why


def test_missing_data_is_insufficient_not_fail():
    r, why = result(check_high_tech_enterprise, rd_staff_share=math.nan)
    assert r == "insufficient_data" and "S&T staff share" in why
    # but a rule that fails decides, whatever is missing
    assert result(check_high_tech_enterprise, rd_staff_share=math.nan, valid_ip_rights=0)[0] == "fail"


SME = RULES["tech_sme"]


@pytest.mark.parametrize("field, limit", [("employees", SME["max_employees"]), ("revenue", SME["max_revenue"]),
                                          ("total_assets", SME["max_total_assets"])])
def test_tech_sme_size_limits(field, limit):
    extra = {"rd_intensity": 0.075} if field == "revenue" else {}
    assert result(check_tech_sme, **{field: limit}, **extra)[0] == "pass"
    assert result(check_tech_sme, **{field: limit + 1}, **extra)[0] == "fail"


def test_tech_sme_score_at_the_pass_line():
    # staff 30% -> 20, R&D 5% -> 40, no IP -> 0: 60 passes
    assert result(check_tech_sme, rd_staff_share=0.30, rd_intensity=0.05, class_one_ip=0, class_two_ip=0)[0] == "pass"
    # staff 29.99% -> 16: 56 fails
    r, why = result(check_tech_sme, rd_staff_share=0.30 - EPS, rd_intensity=0.05, class_one_ip=0, class_two_ip=0)
    assert r == "fail" and "evaluation score" in why
    # staff below 10% scores 0: fails whatever else scores
    assert result(check_tech_sme, rd_staff_share=0.10 - EPS, rd_intensity=0.2, class_one_ip=3)[0] == "fail"
    # one Class I right (30) + R&D 3% (20) + staff 10% (4) = 54 fails; 2 Class II (12) instead of 0 IP...
    assert result(check_tech_sme, rd_staff_share=0.10, rd_intensity=0.03, class_one_ip=1)[0] == "fail"
    assert result(check_tech_sme, rd_staff_share=0.15, rd_intensity=0.04, class_one_ip=1)[0] == "pass"  # 8+30+30


def test_tech_sme_unknown_items_bound_the_score():
    # staff 30% -> 20 and Class I -> 30 = 50; R&D unknown could add up to 50: not enough data
    assert result(check_tech_sme, rd_staff_share=0.3, class_one_ip=1, rd_intensity=math.nan)[0] == "insufficient_data"
    # staff 10% -> 4, no IP, R&D unknown: at most 54 < 60: fails even so
    assert result(check_tech_sme, rd_staff_share=0.1, class_one_ip=0, class_two_ip=0, rd_intensity=math.nan)[0] == "fail"


def test_tech_sme_direct_pass_but_not_over_the_size_limits():
    weak = dict(rd_staff_share=0.12, rd_intensity=0.0, class_one_ip=0, class_two_ip=0)
    assert result(check_tech_sme, **weak)[0] == "fail"
    r, why = result(check_tech_sme, **weak, high_tech_enterprise=1)
    assert r == "pass" and why.startswith("direct pass")
    assert result(check_tech_sme, **weak, standards_led_5y=1)[0] == "pass"
    assert result(check_tech_sme, **weak, high_tech_enterprise=1, employees=501)[0] == "fail"


SP = RULES["specialised_sme"]


@pytest.mark.parametrize("field, ok, bad", [
    ("years_in_business", SP["min_years"], SP["min_years"] - EPS),
    ("rd_expense", SP["min_rd_expense"], SP["min_rd_expense"] - 1),
    ("rd_intensity", SP["min_rd_ratio"], SP["min_rd_ratio"] - EPS),
])
def test_specialised_sme_thresholds(field, ok, bad):
    assert result(check_specialised_sme, **{field: ok})[0] == "pass"
    assert result(check_specialised_sme, **{field: bad})[0] == "fail"


def test_specialised_sme_revenue_or_equity():
    assert result(check_specialised_sme, revenue=SP["min_revenue"], rd_intensity=0.3)[0] == "pass"
    assert result(check_specialised_sme, revenue=SP["min_revenue"] - 1, rd_intensity=0.3)[0] == "fail"
    assert result(check_specialised_sme, revenue=SP["min_revenue"] - 1, rd_intensity=0.3,
                  equity_financing_2y=SP["min_equity_2y"])[0] == "pass"


LG = RULES["little_giant"]
BIG = dict(revenue=150e6, rd_intensity=0.03, class_one_ip=2, rd_platforms=1, revenue_growth_2y=0.05, leverage=0.7,
           years_in_business=3.0)


@pytest.mark.parametrize("field, bad", [
    ("years_in_business", LG["min_years"] - EPS), ("revenue_growth_2y", LG["min_growth_2y"] - EPS),
    ("leverage", LG["max_debt_ratio"] + EPS), ("class_one_ip", LG["min_class_one_ip"] - 1),
    ("rd_platforms", 0), ("rd_intensity", 0.03 - EPS),
])
def test_little_giant_thresholds(field, bad):
    assert result(check_little_giant, **BIG)[0] == "pass"
    assert result(check_little_giant, **dict(BIG, **{field: bad}))[0] == "fail"


def test_little_giant_rd_bands_and_small_firms():
    mid = dict(BIG, revenue=80e6)
    assert result(check_little_giant, **dict(mid, rd_intensity=0.06))[0] == "pass"
    assert result(check_little_giant, **dict(mid, rd_intensity=0.06 - EPS))[0] == "fail"
    small = dict(BIG, revenue=40e6, rd_intensity=0.5, equity_financing_3y=80e6, rd_expense_2y=30e6, rd_staff_share=0.5)
    assert result(check_little_giant, **small)[0] == "pass"
    assert result(check_little_giant, **dict(small, equity_financing_3y=80e6 - 1))[0] == "fail"
    assert result(check_little_giant, **dict(small, rd_staff_share=0.5 - EPS))[0] == "fail"


INN = RULES["innovative_sme"]


def test_innovative_sme_scale_and_direct_pass():
    # class I 20 + R&D 5% 20 | growth 15% 20 + debt < 55% 10 | strategic 15 + main business 15 = 100
    assert result(check_innovative_sme, class_one_ip=1, rd_intensity=0.05)[0] == "pass"
    # innovation 20 + 0 | growth 20 + 10 | specialisation 0 (not strategic, main business < 70%) -> fails the minimum
    r, why = result(check_innovative_sme, class_one_ip=1, rd_intensity=0.0, industry="food", high_tech_revenue_share=0.5)
    assert r == "fail" and "specialisation >= 15" in why
    assert result(check_innovative_sme, class_one_ip=1, rd_intensity=0.0, industry="food",
                  high_tech_revenue_share=0.5, equity_financing_3y=INN["direct_min_equity_3y"])[0] == "pass"
    assert result(check_innovative_sme, class_one_ip=1, rd_intensity=0.0, industry="food",
                  high_tech_revenue_share=0.5, equity_financing_3y=INN["direct_min_equity_3y"] - 1)[0] == "fail"


def test_run_checks_flags_holders_the_data_contradicts():
    rows = pd.concat([frame(high_tech_enterprise=1, valid_ip_rights=0), frame(high_tech_enterprise=1)])
    rows.index = pd.Index(["BAD", "OK"], name="enterprise_id")
    out = run_checks(rows, RULES)
    assert set(FEATURES) <= set(GOOD)
    ht = out[out["check"] == "high_tech_enterprise"].set_index("enterprise_id")
    assert ht.loc["BAD", "result"] == "fail" and bool(ht.loc["BAD", "flag"]) and bool(ht.loc["BAD", "holds"])
    assert ht.loc["OK", "result"] == "pass" and not bool(ht.loc["OK", "flag"])
    assert len(out) == 2 * 5


def test_synthetic_certificate_holders_mostly_meet_the_rules():
    """The synthetic province gives certificates mostly by the rules, with some noise."""
    from innoscore.data.synth import SynthSpec, generate
    from innoscore.points.certification import check_features

    tables, _ = generate(SynthSpec(enterprises=4000, seed=17))
    out = run_checks(check_features(tables, "2026-10-31"), RULES)
    held = out[out["holds"]]
    flagged = held.groupby("check", observed=True)["flag"].mean()
    assert flagged["high_tech_enterprise"] < 0.2
    assert flagged["tech_sme"] < 0.3
    assert flagged["specialised_sme"] < 0.3
    assert flagged["little_giant"] < 0.6
    assert (held.groupby("check", observed=True).size() > 10).all()
