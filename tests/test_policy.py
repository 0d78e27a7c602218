"""Loan prime rates and the unicorn interest subsidy (features/policy.yaml)."""

from __future__ import annotations

import copy
import datetime as dt
import math

import numpy as np
import pytest
import yaml

from innoscore.config import config_dir
from innoscore.policy import PolicyConfigError, load_policy, parse_policy


@pytest.fixture(scope="module")
def doc():
    return yaml.safe_load((config_dir() / "features" / "policy.yaml").read_text(encoding="utf-8"))


def test_lpr_around_a_change_date():
    """2019-09-20: the one-year LPR went from 4.25 to 4.20 (a date the old table missed)."""
    p = load_policy()
    got = p.lpr(["2019-09-19", "2019-09-20", "2019-09-21"], "one_year")
    np.testing.assert_array_equal(got, [4.25, 4.20, 4.20])
    assert p.lpr(["2019-09-20"], "five_year")[0] == 4.85


def test_lpr_on_2025_05_20_both_tenors_and_before_the_first_date():
    p = load_policy()
    assert p.lpr(["2025-05-19", "2025-05-20"], "one_year").tolist() == [3.10, 3.00]
    assert p.lpr(["2025-05-20"], "five_year")[0] == 3.50
    assert math.isnan(p.lpr(["2019-08-19"], "one_year")[0])
    with pytest.raises(ValueError, match="tenor must be one of"):
        p.lpr(["2025-01-01"], "ten_year")


def test_unicorn_subsidy_takes_the_lpr_of_the_loans_term():
    """二(一)2: 30% of the LPR on the signing date; a loan prices off the one-year LPR up to five years and
    the five-year LPR beyond (shared/domain.md §4's example: 30% x 3.0% = 0.90 pp)."""
    p = load_policy()
    assert p.unicorn.lpr_tenor == "by_term"
    got = p.unicorn_subsidy_rate(["2025-06-01", "2025-06-01", "2025-06-01"], [3.0, 5.0, 5.1])
    assert got == pytest.approx([0.30 * 3.00, 0.30 * 3.00, 0.30 * 3.50])
    assert got[0] == pytest.approx(0.90)
    assert p.unicorn.max_per_year == 30_000_000 and p.unicorn.max_years_since_founding == 10
    with pytest.raises(ValueError, match="term_years"):
        p.unicorn_subsidy_rate(["2025-06-01"])


@pytest.mark.parametrize("change, words", [
    (lambda d: d["lpr"].__setitem__(1, dict(d["lpr"][1], **{"from": "2019-01-01"})), "dates must increase"),
    (lambda d: d["lpr"][2].__setitem__("one_year", -4.15), "lpr row 3: one_year: expected a positive rate"),
    (lambda d: d["lpr"][0].__setitem__("from", "2019-13-01"), "lpr row 1: from: expected a date"),
    # a timestamp, a number or an ISO week date is not a calendar date YYYY-MM-DD
    (lambda d: d["lpr"][1].__setitem__("from", dt.datetime(2019, 9, 20)), "lpr row 2: from: expected a date"),
    (lambda d: d["lpr"][1].__setitem__("from", 20190920), "lpr row 2: from: expected a date"),
    (lambda d: d["lpr"][1].__setitem__("from", "2019-W38-5"), "lpr row 2: from: expected a date"),
    (lambda d: d["lpr"][0].pop("five_year"), "lpr row 1: expected {from, one_year, five_year}"),
    (lambda d: d["unicorn_interest_subsidy"].__setitem__("lpr_tenor", "ten_year"), "lpr_tenor must be one of"),
    (lambda d: d["unicorn_interest_subsidy"].__setitem__("private_equity_kinds", ["VC"]), "unknown VC"),
    (lambda d: d["unicorn_interest_subsidy"].__setitem__("max_per_year", 10**400), "must be a positive number"),
    (lambda d: d["unicorn_interest_subsidy"].__setitem__("share_of_lpr", 30), "share_of_lpr must be in (0, 1]"),
    (lambda d: d.pop("lpr"), "expected a mapping with a non-empty list lpr"),
])
def test_a_bad_policy_file_is_refused_naming_the_problem(doc, change, words):
    d = copy.deepcopy(doc)
    change(d)
    with pytest.raises(PolicyConfigError) as err:
        parse_policy(d, "policy.yaml")
    assert words in str(err.value) and str(err.value).startswith("policy.yaml")
