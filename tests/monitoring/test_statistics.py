"""Programme statistics and drift, computed by hand on a few enterprises and loans."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from innoscore.monitoring.drift import backtest, psi_with_missing, stability
from innoscore.monitoring.statistics import period_starts, programme_statistics

T = pd.Timestamp
AS_OF = dt.date(2026, 5, 31)


def _ent(n):
    return pd.DataFrame({"enterprise_id": [f"E{i}" for i in range(n)], "city": ["A", "A", "B", "B"][:n],
                         "park": ["P", None, None, "P"][:n], "industry": ["x"] * n,
                         "consent_banks": ["ICBC", None, "FUND", "BOC;FUND"][:n]})


def _loans(rows):
    base = {"bank": "ICBC", "product": "p", "rate": 4.0, "collateral": "none", "defaulted_on": pd.NaT,
            "repaid_on": pd.NaT}
    return pd.DataFrame([{**base, "loan_id": f"L{i}", **r} for i, r in enumerate(rows)])


def test_the_periods_start_on_the_first_of_the_month_quarter_and_year():
    assert period_starts(dt.date(2026, 5, 31)) == {"month": T("2026-05-01"), "quarter": T("2026-04-01"),
                                                   "year": T("2026-01-01")}


def test_statistics_by_hand():
    ent = _ent(4)
    loans = _loans([
        # E0: borrowed in 2025 (repaid) and again in May: not a first loan; outstanding at D
        {"enterprise_id": "E0", "amount": 100.0, "originated_on": T("2025-03-01"), "maturity_on": T("2025-12-01"),
         "repaid_on": T("2025-12-01")},
        {"enterprise_id": "E0", "amount": 300.0, "rate": 5.0, "collateral": "property",
         "originated_on": T("2026-05-10"), "maturity_on": T("2027-05-10")},
        # E1: first loan ever in February, in default since April (maturity later): non-performing
        {"enterprise_id": "E1", "amount": 200.0, "rate": 3.0, "originated_on": T("2026-02-01"),
         "maturity_on": T("2027-02-01"), "defaulted_on": T("2026-04-15")},
        # E2: first loan in May
        {"enterprise_id": "E2", "amount": 100.0, "rate": 3.0, "originated_on": T("2026-05-20"),
         "maturity_on": T("2027-05-20")},
        # after the as-of date: not known
        {"enterprise_id": "E3", "amount": 999.0, "originated_on": T("2026-06-02"), "maturity_on": T("2027-06-02")},
    ])
    projects = pd.DataFrame({"project_id": ["a", "b", "c"], "enterprise_id": ["E0", "E2", "E1"],
                             "assessed_on": [T("2026-05-03"), T("2026-02-03"), T("2026-05-04")]})
    s = programme_statistics({"enterprises": ent, "loans": loans, "projects": projects}, AS_OF, ent["enterprise_id"],
                             banks={"ICBC", "BOC"}, targets={"first_loan_rate": 0.5})
    v = s[s["group_by"] == "all"].set_index(["period", "metric"])["value"]
    assert v[("month", "new_loans")] == 2 and v[("month", "new_loan_amount")] == 400
    assert v[("year", "new_loans")] == 3 and v[("year", "new_loan_amount")] == 600
    # month: E2's first loan among E1..E3 never before May (E1 borrowed in Feb): 1 / 2
    assert v[("month", "first_loans")] == 1 and v[("month", "first_loan_rate")] == pytest.approx(1 / 2)
    # year: E1, E2 among E1, E2, E3: 2 / 3
    assert v[("year", "first_loan_rate")] == pytest.approx(2 / 3)
    # outstanding at D: E0 and E2 performing (E1 in default): 2 / 4
    assert v[("month", "loan_access_rate")] == pytest.approx(0.5)
    # May's new principal: 100 of 400 without security; rate (5 x 300 + 3 x 100) / 400
    assert v[("month", "credit_loan_share")] == pytest.approx(0.25)
    assert v[("month", "average_rate")] == pytest.approx(4.5)
    # book at D: 300 + 100 performing, 200 in default
    assert v[("month", "npl_ratio")] == pytest.approx(200 / 600)
    # projects assessed in May: a (E0 consents to ICBC) and c (E1 consents to nobody): pushed 1
    assert v[("month", "projects_assessed")] == 2 and v[("month", "projects_pushed")] == 1
    by_city = s[(s["group_by"] == "city") & (s["period"] == "year")].set_index(["group", "metric"])["value"]
    assert by_city[("A", "new_loans")] == 2 and by_city[("B", "new_loans")] == 1
    targets = s[s["target"].notna()]
    assert targets[["period", "group_by", "metric", "target"]].values.tolist() == [
        ["year", "all", "first_loan_rate", 0.5]]


def test_psi_is_zero_for_the_same_values_grows_with_a_shift_and_counts_missing_values():
    rng = np.random.default_rng(1)
    x = rng.normal(size=5000)
    assert psi_with_missing(x, x) == pytest.approx(0.0, abs=1e-9)
    assert psi_with_missing(x, x + 0.1) < 0.1 < psi_with_missing(x, x + 1.0)
    y = x.copy()
    y[:2500] = np.nan  # half the values go missing
    assert psi_with_missing(x, y) > 0.25
    # a flag or a small count: each value its own bin (5% ones becoming 50% is a large shift)
    assert psi_with_missing([0] * 95 + [1] * 5, [0] * 50 + [1] * 50) == pytest.approx(
        0.45 * np.log(0.5 / 0.95) * -1 + 0.45 * np.log(0.5 / 0.05))
    assert psi_with_missing([0] * 95 + [1] * 5, [1] * 5 + [0] * 95) == pytest.approx(0.0, abs=1e-12)
    table = stability(pd.DataFrame({"a": x, "b": x}), pd.DataFrame({"a": x + 1.0, "b": x}), ["a", "b"])
    assert table["column"].tolist() == ["a", "b"] and table["flag"].tolist() == ["alert", "stable"]


def test_backtest_compares_the_pds_of_a_year_ago_with_the_defaults_since():
    loans = _loans([
        {"enterprise_id": "E0", "amount": 1.0, "originated_on": T("2025-01-01"), "maturity_on": T("2027-01-01"),
         "defaulted_on": T("2025-09-01")},
        {"enterprise_id": "E1", "amount": 1.0, "originated_on": T("2025-01-01"), "maturity_on": T("2027-01-01")},
        {"enterprise_id": "E2", "amount": 1.0, "originated_on": T("2025-08-01"), "maturity_on": T("2027-01-01"),
         "defaulted_on": T("2025-10-01")},  # no loan a year ago: not in the backtest
    ])
    earlier = pd.DataFrame({"enterprise_id": ["E0", "E1", "E2"], "pd": [0.1, 0.05, 0.5], "grade": ["E", "D", "G"]})
    got = backtest(earlier, {"loans": loans}, dt.date(2025, 5, 31), dt.date(2026, 5, 31)).set_index("grade")
    assert got.index.tolist() == ["D", "E"]
    assert got.loc["E", "defaults"] == 1 and got.loc["D", "defaults"] == 0
    assert got.loc["E", "mean_pd"] == pytest.approx(0.1)
    # the twelve-month window has not ended by a mid-month as-of date: no backtest yet
    assert backtest(earlier, {"loans": loans}, dt.date(2025, 5, 31), dt.date(2026, 5, 20)) is None
