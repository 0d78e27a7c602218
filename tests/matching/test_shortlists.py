"""Shortlists: eligibility, suggested amounts, ranking, consent and the cut at capacity, by hand."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from innoscore.matching.rules import evaluate
from innoscore.matching.shortlists import shortlist, suggested_amount

from .helpers import catalog, loan, population, uscc


def test_amount_is_the_least_of_cap_share_of_revenue_and_ladder_rounded_down():
    cat = catalog([loan(amount={"cap": 5_000_000, "minimum": 200_000, "round_down_to": 10_000,
                                "of": [{"field": "revenue", "times": 0.25}],
                                "ladder": {"field": "points", "steps": [[60, 1_000_000], [70, 3_000_000]]}})])
    pop = population([
        {"points": 75.0, "revenue": 100_000_000.0},   # cap 5M, 25M, ladder 3M -> 3,000,000
        {"points": 65.0, "revenue": 100_000_000.0},   # ladder 1M -> 1,000,000
        {"points": 75.0, "revenue": 2_345_678.0},     # 586,419.5 -> 580,000
        {"points": 75.0, "revenue": 600_000.0},       # 150,000 < minimum 200,000 -> not offered
        {"points": 59.9, "revenue": 100_000_000.0},   # below the ladder's first step -> 0 -> not offered
        {"points": 75.0, "revenue": None},            # revenue unknown counts as 0 -> not offered
        {"points": 70.0, "revenue": 40_000_000.0},    # exactly on the 70 step: 3M (10M share) -> 3,000,000
    ])
    got = suggested_amount(cat.products[0].amount, pop)
    np.testing.assert_array_equal(got, [3_000_000, 1_000_000, 580_000, np.nan, np.nan, np.nan, 3_000_000])


def test_shortlist_ranks_breaks_ties_and_cuts_at_count_then_budget():
    rules = [{"field": "points", "op": ">=", "value": 60}, {"field": "pd", "op": "<=", "value": 0.03}]
    amount = {"cap": 1_000_000, "minimum": 100_000}
    pop = population([
        {"points": 80.0, "pd": 0.010},   # 0: rank 2 (tie on points with 3, higher PD)
        {"points": 90.0, "pd": 0.020},   # 1: rank 1
        {"points": 59.0, "pd": 0.001},   # 2: fails points
        {"points": 80.0, "pd": 0.005},   # 3: rank 1 among the 80s
        {"points": 80.0, "pd": 0.010},   # 4: same points and PD as 0: the id decides (0 before 4)
        {"points": 70.0, "pd": 0.031},   # 5: fails PD
        {"points": 60.0, "pd": 0.030},   # 6: exactly on both thresholds: eligible, last
    ])
    cat = catalog([loan(rules=rules, amount=amount, capacity={"enterprises": 100})])
    s = shortlist(cat.products[0], pop)
    assert list(s["enterprise_id"]) == [uscc(i) for i in (1, 3, 0, 4, 6)]
    assert list(s["rank"]) == [1, 2, 3, 4, 5]
    # count first ...
    cat = catalog([loan(rules=rules, amount=amount, capacity={"enterprises": 3})])
    assert list(shortlist(cat.products[0], pop)["enterprise_id"]) == [uscc(i) for i in (1, 3, 0)]
    # ... then the budget: 1M each, 2.5M takes two
    cat = catalog([loan(rules=rules, amount=amount, capacity={"enterprises": 3, "budget": 2_500_000})])
    s = shortlist(cat.products[0], pop)
    assert list(s["enterprise_id"]) == [uscc(1), uscc(3)]
    assert s["suggested_amount"].sum() <= 2_500_000
    # a budget exactly met keeps the last one
    cat = catalog([loan(rules=rules, amount=amount, capacity={"budget": 3_000_000})])
    assert len(shortlist(cat.products[0], pop)) == 3


def test_only_consenting_enterprises_are_shortlisted_and_why_names_the_rules_met():
    pop = population([{"points": 70.0}, {"points": 80.0}, {"points": 90.0}],
                     sets={"consent": {0: ["ICBC"], 1: ["BOC"], 2: ["ICBC", "BOC"]},
                           "certifications_held": {0: ["tech_sme"], 2: ["high_tech_enterprise", "gazelle"]}})
    rules = [{"field": "points", "op": ">=", "value": 60},
             {"field": "certifications_held", "op": "any_of", "value": ["high_tech_enterprise", "tech_sme"]}]
    cat = catalog([loan("a", "ICBC", rules=rules), loan("b", "BOC", rules=rules)])
    a, b = (shortlist(p, pop) for p in cat.products)
    assert list(a["enterprise_id"]) == [uscc(2), uscc(0)]
    assert list(b["enterprise_id"]) == [uscc(2)]  # 1 consents to BOC but holds no certificate
    assert a["why_zh"].iloc[0] == "创新积分 ≥ 60（90）；持有有效资质（高新技术企业）"
    assert a["why_en"].iloc[1] == "innovation points ≥ 60 (70); valid certificates held (technology SME)"


def test_rules_treat_missing_values_as_not_met_except_the_negative_operators():
    pop = population([{"revenue": None, "park": None}, {"revenue": 5.0, "park": "石家庄高新技术产业开发区"}])
    cat = catalog([loan(rules=[
        {"field": "revenue", "op": ">=", "value": 0}, {"field": "revenue", "op": "!=", "value": 1},
        {"field": "park", "op": "not_in", "value": ["石家庄高新技术产业开发区"]}, {"field": "park", "op": "absent"},
        {"field": "revenue", "op": "between", "value": [5, 5]},
        {"any": [{"field": "revenue", "op": "absent"}, {"field": "park", "op": "in", "value": ["x"]}]},
        {"field": "certifications_held", "op": "none_of", "value": ["tech_sme"]},
        {"field": "park", "op": "!=", "value": "X"},
    ])])
    got = [list(evaluate(r, pop)) for r in cat.products[0].rules]
    assert got == [[False, True], [False, True], [True, False], [True, False], [False, True], [True, False],
                   [True, True], [False, True]]


@settings(max_examples=60, deadline=None)
@given(points=st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=30),
       pd_=st.lists(st.floats(0, 0.2), min_size=30, max_size=30), who=st.integers(0, 29),
       lift=st.floats(0.01, 50))
def test_raising_points_never_lowers_a_rank_in_a_points_ranked_list(points, pd_, who, lift):
    n = len(points)
    who %= n
    rules = [{"field": "points", "op": ">=", "value": 40}, {"field": "pd", "op": "<=", "value": 0.1}]
    cat = catalog([loan(rules=rules, amount={"cap": 1e6}, capacity={"enterprises": 1000})])
    before_pop = population([{"points": p, "pd": d} for p, d in zip(points, pd_[:n])])
    after = list(points)
    after[who] = min(after[who] + lift, 100.0)
    after_pop = population([{"points": p, "pd": d} for p, d in zip(after, pd_[:n])])
    b = shortlist(cat.products[0], before_pop).set_index("enterprise_id")["rank"]
    a = shortlist(cat.products[0], after_pop).set_index("enterprise_id")["rank"]
    if uscc(who) in b.index:
        assert a[uscc(who)] <= b[uscc(who)]


@settings(max_examples=60, deadline=None)
@given(amounts=st.lists(st.floats(0, 5e7), min_size=1, max_size=40), budget=st.floats(1e5, 2e8),
       count=st.integers(1, 50))
def test_a_budget_and_a_count_are_never_exceeded(amounts, budget, count):
    pop = population([{"points": 70.0, "revenue": a} for a in amounts])
    cat = catalog([loan(amount={"cap": 1e7, "minimum": 1e5, "of": [{"field": "revenue", "times": 0.3}]},
                        capacity={"enterprises": count, "budget": budget})])
    s = shortlist(cat.products[0], pop)
    assert s["suggested_amount"].sum() <= budget
    assert len(s) <= count
    assert (s["suggested_amount"] >= 1e5).all()


def test_why_of_an_any_of_rule_names_the_options_met_with_values_and_missing_values_read_empty():
    from innoscore.matching.shortlists import rule_texts

    pop = population([{"valid_invention_patents": 6.0, "park": None}, {"valid_invention_patents": 1.0}],
                     sets={"certifications_held": {1: ["high_tech_enterprise"]}})
    any_rule = {"any": [{"field": "certifications_held", "op": "any_of", "value": ["high_tech_enterprise"]},
                        {"field": "valid_invention_patents", "op": ">=", "value": 5}]}
    cat = catalog([loan(rules=[any_rule, {"field": "park", "op": "not_in", "value": ["B"]}],
                        amount={"cap": 1e6, "minimum": 0})])
    s = shortlist(cat.products[0], pop)
    assert s["why_zh"].tolist() == ["有效发明专利数 ≥ 5（6）；高新区不属于B（空）",
                                    "持有有效资质（高新技术企业）；高新区不属于B（空）"]
    # not compact (what explain prints): the whole rule and the value, also for a failed rule
    rule = cat.products[0].rules[0]
    assert rule_texts(rule, pop, np.array([1]), "en", compact=False) == [
        "(valid certificates held any of high-tech enterprise (high-tech enterprise) or "
        "valid invention patents ≥ 5 (1))"]
