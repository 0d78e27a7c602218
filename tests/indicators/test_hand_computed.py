"""Every indicator on a small inline fixture, against values computed by hand.

As of 2024-06-30:
  A  founded 2015-03-01, three published years, a lapsed patent, an expired tech-SME
     registration, a project re-assessed twice (the second re-assessment after the as-of date)
  B  founded 2023-01-01, nothing published yet (no financials, no loans)
  C  founded 2018-06-30, one published year with zero revenue
  D  founded 2024-07-15: after the as-of date, so not in the table
  E  founded 2019-01-01, its 2023 accounts published the day after the as-of date
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from innoscore.data.uscc import check_character
from innoscore.data.validation import load
from innoscore.indicators import build, build_panel, load_catalog
from tests.helpers import write_folder

AS_OF = "2024-06-30"
NAN = math.nan


def _code(body: str) -> str:
    return body + check_character(body)


A, B, C, D, E = (_code(f"91130100MA0{x}00001") for x in "ABCDE")


def fixture_tables() -> dict[str, pd.DataFrame]:
    ent = pd.DataFrame({
        "enterprise_id": [A, B, C, D, E],
        "name": ["甲科技有限公司", "乙", "丙", "丁", "戊"],
        "city": ["石家庄市"] * 5,
        "industry": ["new_materials"] * 5,
        "founded_on": ["2015-03-01", "2023-01-01", "2018-06-30", "2024-07-15", "2019-01-01"],
        "listing_status": ["unlisted"] * 5,
    })
    fin_cols = ["enterprise_id", "fiscal_year", "revenue", "operating_costs", "net_profit", "total_assets",
                "total_liabilities", "rd_expense", "employees", "rd_staff", "high_tech_revenue",
                "tech_contract_turnover", "tax_paid", "published_on", "main_business_revenue"]
    fin = pd.DataFrame([
        [A, 2021, 80e6, 70e6, 4e6, 100e6, 40e6, 4e6, 200, 30, 60e6, 1e6, 2e6, "2022-05-10", 70e6],
        [A, 2022, 100e6, 85e6, 8e6, 120e6, 60e6, 6e6, 220, 44, 70e6, 2e6, 3e6, "2023-05-10", 90e6],
        [A, 2023, 120e6, 105e6, 6e6, 150e6, 90e6, 9e6, 250, 50, 90e6, 0.0, 4e6, "2024-04-30", 96e6],
        [C, 2023, 0.0, 1e6, -1e6, 5e6, 1e6, 2e6, 10, 6, 0.0, NAN, 0.0, "2024-05-20", NAN],
        [E, 2021, 10e6, 8e6, 1e6, 8e6, 4e6, 1e6, 50, 5, 5e6, 0.0, 5e5, "2022-06-01", 8e6],
        [E, 2022, 8e6, 7e6, -0.4e6, 9e6, 6e6, 1.2e6, 40, NAN, NAN, 1e5, 3e5, "2023-06-01", 6e6],
        [E, 2023, 20e6, 15e6, 3e6, 20e6, 5e6, 3e6, 60, 12, 15e6, 1e6, 1e6, "2024-07-01", 18e6],
    ], columns=fin_cols)
    fin["employees"] = fin["employees"].astype("Int64")
    fin["rd_staff"] = fin["rd_staff"].astype("Int64")
    ip = pd.DataFrame([
        # pledged: a high-value patent (高价值) from its grant; developed in house
        ["i1", A, "invention", "2016-01-01", "2018-05-01", None, True, False],
        ["i2", A, "invention", "2017-01-01", "2019-03-01", "2023-01-01", False, False],   # lapsed
        ["i3", A, "invention", "2022-01-01", "2024-08-01", None, False, False],           # granted after the as-of date
        ["i4", A, "utility_model", "2023-03-01", "2023-09-01", None, False, None],       # new in the last 12 months
        ["i5", A, "software_copyright", "2023-01-01", "2023-02-01", None, False, False],
        ["i6", A, "pct", "2022-05-01", None, None, False, False],
        ["i7", A, "pct", "2024-09-01", None, None, False, False],                          # filed after the as-of date
        ["i8", A, "invention", "2016-06-01", "2018-06-01", "2024-07-15", False, True],   # lapses after; acquired
        ["i9", C, "design", "2019-06-01", "2020-01-01", "2022-01-01", False, False],
        # in force more than 10 years since filing by 2024-01-02: high value; origin not known
        ["i10", A, "invention", "2014-01-01", "2016-01-01", None, False, None],
        ["i11", E, "invention", "2020-01-01", "2022-01-01", None, None, None],           # origin not known
    ], columns=["ip_id", "enterprise_id", "kind", "filed_on", "granted_on", "lapsed_on", "pledged", "acquired"])
    cert = pd.DataFrame([
        [A, "high_tech_enterprise", "2021-11-01", "2024-11-01"],
        [A, "tech_sme", "2023-05-01", None],               # 1-year validity: expired 2024-05-01
        [A, "specialised_sme", "2022-09-01", "2025-09-01"],
        [E, "tech_sme", "2024-05-01", "2025-05-01"],
        [E, "high_tech_enterprise", "2020-12-01", "2023-12-01"],  # expired
        [C, "little_giant", "2024-07-01", "2027-07-01"],   # issued after the as-of date
        [E, "ip_advantage", "2023-01-01", None],           # 3-year validity
    ], columns=["enterprise_id", "kind", "issued_on", "expires_on"])
    proj = pd.DataFrame([
        ["P1", A, "2022-03-01", 4, 70.0, 10e6],
        ["P1", A, "2023-09-01", 6, 80.0, 30e6],   # re-assessed
        ["P1", A, "2024-08-01", 8, 90.0, 50e6],   # re-assessed again, after the as-of date
        ["P2", A, "2024-01-15", 3, 85.5, NAN],
        ["P3", E, "2024-09-01", 7, 60.0, 5e6],    # first assessed after the as-of date
        ["P4", C, "2021-01-01", 2, 50.0, 1e6],
    ], columns=["project_id", "enterprise_id", "assessed_on", "trl", "advancement", "market_value"])
    eq = pd.DataFrame([
        ["R1", A, "2020-01-01", 50e6, "vc"],       # more than 3 years before
        ["R2", A, "2022-03-01", 20e6, "pe"],
        ["R3", A, "2024-06-30", 5e6, "guidance_fund"],  # on the as-of date: counts
        ["R4", A, "2024-08-01", 7e6, "vc"],        # after
        ["R5", C, "2021-08-01", 3e6, "angel"],
    ], columns=["round_id", "enterprise_id", "closed_on", "amount", "investor_kind"])
    aw = pd.DataFrame([
        ["W1", A, "standard", "national", "2020-05-01", None, None],
        ["W2", A, "rd_platform", "provincial", "2019-01-01", None, None],
        ["W3", A, "award", "provincial", "2022-12-01", 2, 3],      # third of the winning units
        ["W4", A, "award", "municipal", "2023-01-01", 1, 1],      # below provincial: not counted
        ["W5", A, "st_project", "national", "2021-01-01", None, None],
        ["W6", A, "st_project", "provincial", "2022-01-01", None, None],  # not national
        ["W7", E, "standard", "industry", "2024-10-01", None, None],     # after
        ["W8", A, "award", "national", "2021-01-01", 2, 3],       # national, 3rd unit, 3.5 years ago
        ["W9", E, "award", "national", "2023-01-01", 1, 4],       # national, 4th unit
        ["W10", C, "award", "national", "2022-01-01", 3, None],   # unit rank not known
        ["W11", A, "standard", "provincial", "2023-03-01", None, None],  # a local standard: not counted
        ["W12", A, "standard", "national", "2019-01-01", None, None],    # more than 5 years before
    ], columns=["award_id", "enterprise_id", "kind", "level", "awarded_on", "prize_grade", "unit_rank"])
    aw["prize_grade"] = aw["prize_grade"].astype("Int64")
    aw["unit_rank"] = aw["unit_rank"].astype("Int64")
    loans = pd.DataFrame([
        ["L1", A, "ICBC", "科技贷", 5e6, 3.9, "2022-01-10", "2023-01-10", "none", None, "2023-01-10"],
        ["L2", A, "ICBC", "科技贷", 6e6, 3.8, "2023-09-01", "2024-09-01", "none", None, None],
        ["L3", A, "CCB", "科技贷", 4e6, 3.7, "2024-03-01", "2025-03-01", "guarantee", None, None],
        ["L4", A, "BOC", "科技贷", 3e6, 3.6, "2024-07-05", "2025-07-05", "none", None, None],  # after
        ["L5", E, "HEBEI_BANK", "创新积分贷", 1e6, 4.5, "2023-08-01", "2024-08-01", "none", "2024-02-01", None],
        ["L6", E, "HEBEI_BANK", "创新积分贷", 2e6, 4.5, "2024-03-01", "2025-03-01", "none", "2024-09-15", None],
    ], columns=["loan_id", "enterprise_id", "bank", "product", "amount", "rate", "originated_on", "maturity_on",
                "collateral", "defaulted_on", "repaid_on"])
    pen = pd.DataFrame([
        ["N1", A, "tax", "2020-01-01"],
        ["N2", A, "environmental", "2023-06-30"],  # 366 days before: outside the 高企 year, inside the tech-SME two
        ["N3", E, "quality", "2024-07-10"],   # after
        ["N4", C, "abnormal_operation", "2022-01-01"],  # 经营异常, within the 3 years it is taken to stand
    ], columns=["penalty_id", "enterprise_id", "kind", "occurred_on"])
    return {"enterprises": ent, "financials": fin, "ip_rights": ip, "certifications": cert, "projects": proj,
            "equity_rounds": eq, "awards": aw, "loans": loans, "penalties": pen}


def _years(founded: str) -> float:
    return (dt.date(2024, 6, 30) - dt.date.fromisoformat(founded)).days / 365.25


EXPECTED = {
    # indicator: (A, B, C, E)
    "rd_expense": (9e6, NAN, 2e6, 1.2e6),
    "rd_intensity": (9 / 120, NAN, NAN, 1.2 / 8),
    "rd_staff": (50, NAN, 6, NAN),
    "rd_staff_share": (0.2, NAN, 0.6, NAN),
    "valid_invention_patents": (3, 0, 0, 1),
    "new_ip_12m": (1, 0, 0, 0),
    "pct_applications": (1, 0, 0, 0),
    "tech_contract_turnover": (0.0, NAN, NAN, 1e5),
    "standards_led": (1, 0, 0, 0),  # W1; not the provincial W11 or W12 of more than 5 years ago
    "best_trl": (6, NAN, 2, NAN),
    "mean_trl": (4.5, NAN, 2, NAN),
    "best_advancement": (85.5, NAN, 50.0, NAN),
    "projects_market_value": (30e6, NAN, 1e6, NAN),
    "assessed_projects": (2, 0, 1, 0),
    "rd_intensity_3y": (19 / 300, NAN, NAN, 2.2 / 18),
    "valid_ip_rights": (5, 0, 0, 1),
    "revenue": (120e6, NAN, 0.0, 8e6),
    "revenue_growth": (0.2, NAN, NAN, -0.2),
    "net_margin": (0.05, NAN, NAN, -0.05),
    "high_tech_revenue_share": (0.75, NAN, NAN, NAN),
    "equity_financing_3y": (25e6, 0.0, 3e6, 0.0),
    "tax_paid": (4e6, NAN, 0.0, 3e5),
    "certification_level": (2 + 2, 0, 0, 1),  # A: 高企 (rung 2) + 专精特新 (rung 2); E: 科小 (rung 1)
    "gazelle": (0, 0, 0, 0),
    "unicorn": (0, 0, 0, 0),
    "tech_leader": (0, 0, 0, 0),
    "tech_innovation_demo": (0, 0, 0, 0),
    "ip_advantage": (0, 0, 0, 1),
    "ip_demo": (0, 0, 0, 0),
    "rd_platforms": (1, 0, 0, 0),
    "st_awards": (2, 0, 1, 1),  # 5 years, provincial or above: A W3 W8; C W10; E W9
    "national_st_projects": (1, 0, 0, 0),
    "high_tech_enterprise": (1, 0, 0, 0),
    "tech_sme": (0, 0, 0, 1),
    "specialised_sme": (1, 0, 0, 0),
    "little_giant": (0, 0, 0, 0),
    "years_in_business": (_years("2015-03-01"), _years("2023-01-01"), _years("2018-06-30"), _years("2019-01-01")),
    "leverage": (0.6, NAN, 0.2, 6 / 9),
    "profit_to_liabilities": (6 / 90, NAN, -1.0, -0.4 / 6),
    "margin_trend": (0.05 - 0.08, NAN, NAN, -0.05 - 0.1),
    "outstanding_loans": (2, 0, 0, 1),
    "outstanding_amount": (10e6, 0.0, 0.0, 2e6),
    "lending_banks": (2, 0, 0, 1),
    "prior_defaults": (0, 0, 0, 1),
    "first_loan": (0, 1, 1, 1),
    "penalties_3y": (1, 0, 1, 0),
    "days_since_last_penalty": (366, NAN, 911, NAN),
}


@pytest.fixture(scope="module")
def fixture_data(tmp_path_factory):
    folder = write_folder(tmp_path_factory.mktemp("hand") / "p", fixture_tables(), extracted_on="2024-12-31")
    return load(folder)


@pytest.fixture(scope="module")
def table(fixture_data):
    return build(fixture_data, AS_OF)


def test_every_catalog_indicator_has_a_hand_computed_value():
    assert set(EXPECTED) == set(load_catalog().ids)


def test_only_enterprises_existing_at_the_as_of_date(table):
    assert list(table.index) == [A, B, C, E]


@pytest.mark.parametrize("indicator", sorted(EXPECTED))
def test_hand_computed(table, indicator):
    got = table[indicator].to_numpy(dtype="float64")
    want = np.array(EXPECTED[indicator], dtype="float64")
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, equal_nan=True, err_msg=indicator)


def test_missing_is_not_zero(table):
    assert table.loc[B, ["revenue", "rd_expense", "leverage"]].isna().all()  # nothing published yet
    assert (table.loc[B, ["valid_invention_patents", "outstanding_loans", "standards_led"]] == 0).all()


def test_stages(table):
    assert table["stage"].astype(str).to_dict() == {A: "mature", B: "startup", C: "growth", E: "growth"}


def test_panel_rows_equal_single_date_builds(fixture_data):
    dates = ["2023-06-30", "2024-06-30", "2024-12-31"]
    panel = build_panel(fixture_data, dates)
    for d in dates:
        one = build(fixture_data, d)
        part = panel[panel["as_of"] == pd.Timestamp(d)].drop(columns="as_of").set_index("enterprise_id")
        pd.testing.assert_frame_equal(part, one, check_exact=True)
    # later dates see later facts: E's 2023 accounts (published 2024-07-01)
    late = panel[(panel["as_of"] == pd.Timestamp("2024-12-31")) & (panel["enterprise_id"] == E)]
    assert late["revenue"].iloc[0] == 20e6 and late["revenue_growth"].iloc[0] == pytest.approx(1.5)
    # D appears once founded
    assert D in set(panel.loc[panel["as_of"] == pd.Timestamp("2024-12-31"), "enterprise_id"])


def test_only_the_enterprises_table(tmp_path):
    folder = write_folder(tmp_path / "p", {"enterprises": fixture_tables()["enterprises"]}, extracted_on="2024-12-31")
    table = build(load(folder), AS_OF)
    assert list(table.index) == [A, B, C, E]
    assert table["revenue"].isna().all() and table["best_trl"].isna().all()
    assert (table[["valid_invention_patents", "outstanding_loans", "certification_level", "equity_financing_3y"]] == 0).all().all()
    assert (table["first_loan"] == 1).all()


def test_no_enterprise_exists_yet(fixture_data):
    table = build(fixture_data, "2000-01-01")
    assert len(table) == 0
    assert list(table.columns) == ["stage"] + load_catalog().ids


CERTIFICATION_FEATURES = {
    # the indicators only the certification checks read: (A, B, C, E)
    "class_one_ip": (3, 0, 0, 1),
    "class_two_ip": (2, 0, 0, 0),
    "employees": (250, NAN, 10, 40),
    "total_assets": (150e6, NAN, 5e6, 9e6),
    "rd_expense_2y": (15e6, NAN, NAN, 2.2e6),
    "provincial_rd_platforms": (1, 0, 0, 0),
    # tech SME: national awards among the first 3 units in 5 years (C: unit rank unknown)
    "national_awards_top_units": (1, 0, NAN, 0),
    # innovative SME: national or provincial awards in 3 years (A's W8 is 3.5 years old)
    "st_awards_recent": (1, 0, 1, 1),
    # specialised SME: provincial among the first 3 units or national among the first 5, in 3 years
    "awards_top_units": (1, 0, NAN, 1),
    "rd_intensity_prev": (6 / 100, NAN, NAN, 1 / 10),  # E's latest published year is 2022
    "rd_gap_years": (0, 0, 0, 0),
    "rd_intensity_3y_floor": (19 / 300, NAN, NAN, 2.2 / 18),  # C: revenue 0
    "rd_cost_ratio": (9 / 105, NAN, 2.0, 1.2 / 7),
    "main_business_share": (96 / 120, NAN, NAN, 6 / 8),
    "main_business_growth": (96 / 90 - 1, NAN, NAN, 6 / 8 - 1),
    "main_business_growth_2y": ((96 / 90 - 1 + 90 / 70 - 1) / 2, NAN, NAN, NAN),
    "revenue_growth_mean": ((0.2 + 0.25) / 2, NAN, NAN, -0.2),
    "net_asset_growth_mean": (0.0, NAN, NAN, 3 / 4 - 1),   # A's net assets 60M each year
    "own_class_one_ip": (1, 0, 0, NAN),                    # E: its one Class I right's origin is not known
    "own_ip_rights": (2, 0, 0, NAN),                        # A: i1, i5 (i4 unknown, i8 acquired)
    "high_value_patents": (1, 0, 0, 0),                     # A: i10 in force over 10 years (pledges are undated)
    "valid_invention_patents": (3, 0, 0, 1),
    # A's environmental record N2 (2023-06-30, no fine): outside the year before 2024-06-30; inside "the year
    # before and this year" and the last 3 years, where without a fine it may or may not have been major
    "major_incidents_1y": (0, 0, 0, 0),
    "major_incidents_2y": (NAN, 0, 0, 0),
    "major_incidents_3y": (NAN, 0, 0, 0),
    "blacklist_records": (0, 0, 1, 0),
    "years_registered": (9, 1, 6, 5),                       # C's sixth anniversary is the as-of date
    "national_awards_recent_top_units": (0, 0, NAN, 0),     # W8 is over 3 years old; W9 4th unit; W10 unranked
    "equity_financing_2y": (5e6, 0.0, 0.0, 0.0),
    "innovative_sme": (0, 0, 0, 0),
}


@pytest.mark.parametrize("feature", sorted(CERTIFICATION_FEATURES))
def test_certification_features_hand_computed(fixture_data, feature):
    from innoscore.points.certification import check_features

    table = check_features(fixture_data, AS_OF)
    got = table[feature].to_numpy(dtype="float64")
    np.testing.assert_allclose(got, np.array(CERTIFICATION_FEATURES[feature], dtype="float64"), rtol=1e-12,
                               equal_nan=True, err_msg=feature)
