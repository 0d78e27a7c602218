"""Policy subsidies, each amount and cap computed by hand (work plan 二(一)1-4, features/policy.yaml)."""

from __future__ import annotations

import copy
import datetime as dt

import pandas as pd
import pytest

from innoscore.config import load_yaml
from innoscore.matching.subsidies import load_subsidies, parse_subsidies, subsidies
from innoscore.policy import PolicyConfigError

from .helpers import uscc

AS_OF = dt.date(2025, 12, 31)
T = pd.Timestamp


def _ent(rows):
    base = {"name": "x", "city": "石家庄市", "county": "长安区", "park": None, "industry": "info_intelligence",
            "founded_on": T("2020-01-01"), "listing_status": "unlisted", "listed_on": pd.NaT, "valuation": None,
            "consent_banks": None}
    return pd.DataFrame([{**base, "enterprise_id": uscc(i), **r} for i, r in enumerate(rows)])


def _loans(rows):
    base = {"bank": "ICBC", "product": "p", "rate": 4.0, "collateral": "none", "defaulted_on": pd.NaT}
    return pd.DataFrame([{**base, "loan_id": f"L{i}", **r} for i, r in enumerate(rows)])


def _rounds(rows):
    return pd.DataFrame([{"round_id": f"R{i}", "investor": "FundX", "guidance_fund_share": None, "exited_on": pd.NaT,
                          **r} for i, r in enumerate(rows)])


def _by(frame, kind):
    return frame[frame["subsidy"] == kind].reset_index(drop=True)


def test_unicorn_interest_30pct_of_the_lpr_of_its_term_on_the_signing_date_capped_per_year():
    rich = {"valuation": 4e9}  # 4,000,000,000 yuan >= USD 500M x 7.1
    ent = _ent([rich, rich, {"valuation": 3e9}, {**rich, "founded_on": T("2014-01-01")},
                {**rich, "listing_status": "star"}, rich])
    rounds = _rounds([{"enterprise_id": uscc(i), "closed_on": T("2021-06-01"), "amount": 5e7, "investor_kind": kind}
                      for i, kind in [(0, "vc"), (1, "pe"), (2, "vc"), (3, "vc"), (4, "vc"), (5, "corporate")]])
    loans = _loans([
        # 0: 2 loans; a 3-year loan takes the 1-year LPR, 3.10 on 2025-03-01 -> 0.3 x 3.10% x 1e10 = 93,000,000
        # > the 30M cap
        {"enterprise_id": uscc(0), "amount": 1e10, "signed_on": T("2025-03-01"), "originated_on": T("2025-03-05"),
         "maturity_on": T("2028-03-05")},
        # then 2025-06-01 another: the year's cap is used up
        {"enterprise_id": uscc(0), "amount": 1e9, "signed_on": T("2025-06-01"), "originated_on": T("2025-06-02"),
         "maturity_on": T("2027-06-02")},
        # 1: 0.3 x 3.00% (1-year, 2025-07-01) x 100,000,000 = 900,000
        {"enterprise_id": uscc(1), "amount": 1e8, "signed_on": T("2025-07-01"), "originated_on": T("2025-07-10"),
         "maturity_on": T("2027-07-10")},
        # 1: a one-year loan is not medium or long term
        {"enterprise_id": uscc(1), "amount": 1e8, "signed_on": T("2025-07-01"), "originated_on": T("2025-07-01"),
         "maturity_on": T("2026-07-01")},
        # 1: signed the year before: not this year's
        {"enterprise_id": uscc(1), "amount": 1e8, "signed_on": T("2024-12-31"), "originated_on": T("2025-01-02"),
         "maturity_on": T("2027-01-02")},
        # 2: valued too low; 3: founded more than 10 years before signing; 4: listed; 5: no private equity
        *[{"enterprise_id": uscc(i), "amount": 1e8, "signed_on": T("2025-07-01"), "originated_on": T("2025-07-01"),
           "maturity_on": T("2028-07-01")} for i in (2, 3, 4, 5)],
        # 1: no signing date recorded: the drawdown date stands for it; exactly five years: 1-year LPR 3.00
        {"enterprise_id": uscc(1), "amount": 2e7, "signed_on": pd.NaT, "originated_on": T("2025-08-01"),
         "maturity_on": T("2030-08-01")},
        # 1: a seven-year loan takes the 5-year LPR: 0.3 x 3.50% x 100,000,000 = 1,050,000
        {"enterprise_id": uscc(1), "amount": 1e8, "signed_on": T("2025-09-01"), "originated_on": T("2025-09-02"),
         "maturity_on": T("2032-09-02")},
        # 1: signed before the first LPR (2019-08-20) but in another year: not this year's anyway
        {"enterprise_id": uscc(1), "amount": 1e8, "signed_on": T("2019-01-02"), "originated_on": T("2019-01-02"),
         "maturity_on": T("2022-01-02")},
    ])
    got = _by(subsidies({"enterprises": ent, "loans": loans, "equity_rounds": rounds}, AS_OF), "unicorn_interest")
    assert list(got["event"]) == ["loan L0", "loan L1", "loan L2", "loan L9", "loan L10"]
    assert got["amount"].tolist() == pytest.approx([30_000_000, 0, 900_000, 180_000, 1_050_000])
    assert "capped at 30,000,000 a year" in got["rule_en"][0] and "one-year LPR 3.10%" in got["rule_en"][0]
    assert "1年期LPR 3.10%" in got["rule_zh"][0] and "5年期以上LPR 3.50%" in got["rule_zh"][4]


def test_a_loan_signed_before_the_first_lpr_gets_no_subsidy_rather_than_nan():
    ent = _ent([{"valuation": 4e9, "founded_on": T("2015-01-01")}])
    rounds = _rounds([{"enterprise_id": uscc(0), "closed_on": T("2016-01-01"), "amount": 5e7, "investor_kind": "vc"}])
    loans = _loans([{"enterprise_id": uscc(0), "amount": 1e8, "signed_on": T("2019-03-01"),
                     "originated_on": T("2019-03-01"), "maturity_on": T("2022-03-01")}])
    got = subsidies({"enterprises": ent, "loans": loans, "equity_rounds": rounds}, dt.date(2019, 12, 31))
    assert len(_by(got, "unicorn_interest")) == 0


def test_neeq_listing_one_off_and_first_raise_bonus_with_its_cap():
    ent = _ent([{"listing_status": "neeq_basic", "listed_on": T("2025-04-01")},
                {"listing_status": "neeq_innovation", "listed_on": T("2023-04-01")},
                {"listing_status": "neeq_basic", "listed_on": T("2024-12-31")},
                {"listing_status": "bse", "listed_on": T("2025-04-01")}])
    rounds = _rounds([
        {"enterprise_id": uscc(0), "closed_on": T("2025-01-01"), "amount": 1e8, "investor_kind": "vc"},  # before
        {"enterprise_id": uscc(0), "closed_on": T("2025-05-01"), "amount": 3e7, "investor_kind": "vc"},  # 1% = 300k
        {"enterprise_id": uscc(0), "closed_on": T("2025-06-01"), "amount": 9e7, "investor_kind": "vc"},  # not first
        {"enterprise_id": uscc(1), "closed_on": T("2025-02-01"), "amount": 8e7, "investor_kind": "pe"},  # 800k -> 500k
        {"enterprise_id": uscc(2), "closed_on": T("2024-12-31"), "amount": 8e7, "investor_kind": "pe"},  # same day
        {"enterprise_id": uscc(2), "closed_on": T("2026-01-05"), "amount": 8e7, "investor_kind": "pe"},  # next year
    ])
    got = subsidies({"enterprises": ent, "equity_rounds": rounds}, AS_OF)
    listing = _by(got, "neeq_listing")
    assert list(listing["enterprise_id"]) == [uscc(0)] and listing["amount"].tolist() == [100_000]
    raise_ = _by(got, "neeq_first_raise")
    assert list(zip(raise_["enterprise_id"], raise_["amount"])) == [(uscc(1), 500_000), (uscc(0), 300_000)]


def test_equity_exchange_listing_for_certified_or_poor_county_manufacturers():
    ent = _ent([{"listing_status": "regional_equity", "listed_on": T("2025-05-01")},
                {"listing_status": "regional_equity", "listed_on": T("2025-05-01"), "county": "承德县",
                 "industry": "advanced_equipment"},
                {"listing_status": "regional_equity", "listed_on": T("2025-05-01"), "county": "承德县"},
                {"listing_status": "regional_equity", "listed_on": T("2025-05-01")}])
    certs = pd.DataFrame({"enterprise_id": [uscc(0), uscc(3)], "kind": ["high_tech_enterprise", "tech_sme"],
                          "issued_on": [T("2023-01-01"), T("2024-01-01")], "expires_on": [pd.NaT, T("2025-01-01")]})
    got = _by(subsidies({"enterprises": ent, "certifications": certs}, AS_OF), "equity_exchange_listing")
    # 0 holds a valid 高企; 1 makes equipment in a poverty county; 2 is not a manufacturer; 3's certificate lapsed
    assert list(got["enterprise_id"]) == [uscc(0), uscc(1)]
    assert got["amount"].tolist() == [50_000, 50_000]


def test_equity_fund_reward_after_two_years_net_of_the_guidance_share_capped():
    ent = _ent([{}] * 5)
    rounds = _rounds([
        {"enterprise_id": uscc(0), "closed_on": T("2023-03-01"), "amount": 4e7, "investor_kind": "vc",
         "guidance_fund_share": 0.25},                          # 1% x 40M x 0.75 = 300,000 on 2025-03-01
        {"enterprise_id": uscc(1), "closed_on": T("2023-03-01"), "amount": 2.9e7, "investor_kind": "vc"},  # < 30M
        {"enterprise_id": uscc(2), "closed_on": T("2023-03-01"), "amount": 5e9, "investor_kind": "pe"},    # cap 20M
        {"enterprise_id": uscc(3), "closed_on": T("2023-03-01"), "amount": 5e7, "investor_kind": "pe",
         "exited_on": T("2025-02-28")},                          # sold before two years
        {"enterprise_id": uscc(4), "closed_on": T("2024-03-01"), "amount": 5e7, "investor_kind": "pe"},    # due 2026
        {"enterprise_id": uscc(4), "closed_on": T("2023-06-01"), "amount": 5e7, "investor_kind": "guidance_fund"},
    ])
    got = _by(subsidies({"enterprises": ent, "equity_rounds": rounds}, AS_OF), "equity_fund_reward")
    assert list(got["enterprise_id"]) == [uscc(0), uscc(2)]
    assert got["amount"].tolist() == pytest.approx([300_000, 20_000_000])
    assert list(got["beneficiary"]) == ["FundX", "FundX"]
    assert got["event_on"].tolist() == [T("2025-03-01")] * 2


def test_first_set_insurance_80pct_of_premium_at_most_3pct_rate_three_years():
    pol = pd.DataFrame({
        "policy_id": [f"P{i}" for i in range(6)], "enterprise_id": [uscc(0)] * 4 + [uscc(1)] * 2,
        "equipment": ["E"] * 4 + ["F", "G"],
        "insured_amount": [1e7] * 6, "premium": [200_000, 200_000, 200_000, 200_000, 400_000, 100_000],
        "starts_on": [T("2022-02-01"), T("2023-02-01"), T("2024-02-01"), T("2025-02-01"), T("2025-03-01"),
                      T("2025-04-01")],
        "ends_on": [T("2023-02-01"), T("2024-02-01"), T("2025-02-01"), T("2026-02-01"), T("2026-03-01"),
                    T("2026-04-01")]})
    got = _by(subsidies({"enterprises": _ent([{}, {}]), "insurance_policies": pol}, AS_OF), "first_set_insurance")
    # E's fourth policy year is past the three; F's 4% rate counts as 3% (300,000) x 80%; G 100,000 x 80%
    assert list(got["event"]) == ["policy P4", "policy P5"]
    assert got["amount"].tolist() == pytest.approx([240_000, 80_000])


def test_the_shipped_policy_loads_and_a_bad_rate_is_refused_by_name():
    cfg = load_subsidies()
    assert cfg.neeq["one_off"] == 100_000 and cfg.fund["cap"] == 20_000_000 and cfg.insurance["max_rate"] == 0.03
    doc = copy.deepcopy(load_yaml("features/policy.yaml"))
    doc["first_set_insurance_subsidy"]["premium_share"] = 80
    with pytest.raises(PolicyConfigError, match="first_set_insurance_subsidy: premium_share must be a number"):
        parse_subsidies(doc, "policy.yaml")
    doc = copy.deepcopy(load_yaml("features/policy.yaml"))
    doc["neeq_listing_subsidy"]["statuses"] = ["neeq"]
    with pytest.raises(PolicyConfigError, match="unknown neeq"):
        parse_subsidies(doc, "policy.yaml")


def test_a_listing_after_the_contract_does_not_undo_the_unicorn_subsidy_nor_count_before_it():
    from innoscore.matching.fields import listing_status_on

    ent = _ent([{"valuation": 4e9, "listing_status": "star", "listed_on": T("2025-09-01")},
                {"valuation": 4e9, "listing_status": "star", "listed_on": T("2025-03-01")}])
    assert listing_status_on(ent, T("2025-08-31")).tolist() == ["unlisted", "star"]
    rounds = _rounds([{"enterprise_id": uscc(i), "closed_on": T("2021-06-01"), "amount": 5e7, "investor_kind": "vc"}
                      for i in (0, 1)])
    loans = _loans([{"enterprise_id": uscc(i), "amount": 1e8, "signed_on": T("2025-07-01"),
                     "originated_on": T("2025-07-01"), "maturity_on": T("2028-07-01")} for i in (0, 1)])
    got = _by(subsidies({"enterprises": ent, "loans": loans, "equity_rounds": rounds}, AS_OF), "unicorn_interest")
    # 0 was unlisted when it signed (it listed in September); 1 had listed in March
    assert list(got["enterprise_id"]) == [uscc(0)]
    assert got["amount"].tolist() == pytest.approx([900_000])
