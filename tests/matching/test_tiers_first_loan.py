"""The 十百千万 tiers and the first-loan work lists, by hand and as properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from innoscore.matching.first_loan import candidates, near_misses
from innoscore.matching.tiers import fill_tiers

from .helpers import AS_OF, catalog, loan, population, uscc

HT = {"field": "certifications_held", "op": "any_of", "value": ["high_tech_enterprise"]}
SME = {"field": "certifications_held", "op": "any_of", "value": ["tech_sme"]}


def _tiers(quotas=(1, 2, 3), projects=None):
    levels = [{"id": "leaders", "name_zh": "领军", "name_en": "leaders", "quota": quotas[0],
               "rules": [HT, {"field": "points", "op": ">=", "value": 80}]},
              {"id": "achievements", "of": "projects", "name_zh": "成果", "name_en": "achievements", "quota": 2,
               "min_trl": 6, "weights": {"advancement": 0.5, "trl": 0.5, "market_value": 0.0}, "per_enterprise": 1,
               "rules": [{"field": "pd", "op": "<=", "value": 0.05}]},
              {"id": "high_tech", "name_zh": "高企", "name_en": "high-tech", "quota": quotas[1], "rules": [HT]},
              {"id": "sme", "name_zh": "科小", "name_en": "SMEs", "quota": quotas[2], "rules": [SME]}]
    return catalog([loan()], tiers={"levels": levels})


def test_enterprise_tiers_are_filled_top_down_exclusive_and_ranked_by_points_pd_id():
    pop = population([{"points": 90.0, "pd": 0.01}, {"points": 85.0, "pd": 0.01}, {"points": 70.0, "pd": 0.01},
                      {"points": 70.0, "pd": 0.005}, {"points": 60.0}, {"points": 95.0}],
                     sets={"certifications_held": {0: ["high_tech_enterprise", "tech_sme"],
                                                   1: ["high_tech_enterprise"], 2: ["high_tech_enterprise"],
                                                   3: ["high_tech_enterprise"], 4: ["tech_sme"], 5: ["tech_sme"]}})
    t = fill_tiers(_tiers().tiers, pop)
    got = {k: list(g["enterprise_id"]) for k, g in t.groupby("tier", sort=False)}
    # 0 leads; 1 (85) then 3 (70, lower PD than 2) are the two high-tech places; 2 has no tech_sme
    assert got == {"leaders": [uscc(0)], "high_tech": [uscc(1), uscc(3)], "sme": [uscc(5), uscc(4)]}
    assert list(t[t["tier"] == "high_tech"]["tier_rank"]) == [1, 2]


def test_the_projects_tier_takes_latest_assessments_trl_6_and_one_per_enterprise():
    pop = population([{"points": 50.0, "pd": 0.01}, {"points": 60.0, "pd": 0.01}, {"points": 70.0, "pd": 0.2}])
    day = pd.Timestamp(AS_OF)
    projects = pd.DataFrame({
        "project_id": ["A", "A", "B", "C", "D", "E"],
        "enterprise_id": [uscc(0), uscc(0), uscc(0), uscc(1), uscc(2), uscc(1)],
        "name": ["a", "a", "b", "c", "d", "e"],
        "assessed_on": [day - pd.Timedelta(days=400), day - pd.Timedelta(days=10), day, day, day,
                        day + pd.Timedelta(days=1)],
        "trl": [9, 6, 7, 8, 9, 9], "advancement": [100.0, 80.0, 60.0, 50.0, 99.0, 100.0],
        "market_value": [np.nan] * 6})
    t = fill_tiers(_tiers().tiers, pop, projects)
    ach = t[t["tier"] == "achievements"]
    # A's latest assessment (TRL 6, 80) scores 0.5*0.8 + 0.5*5/8 = 0.7125; B 0.5*0.6 + 0.5*6/8 = 0.675:
    # one per enterprise keeps A; C 0.5*0.5 + 0.5*7/8 = 0.6875; D's enterprise fails PD; E is assessed after D
    assert list(ach["project_id"]) == ["A", "C"]
    np.testing.assert_allclose(ach["project_score"], [0.7125, 0.6875])


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), seed=st.integers(0, 10_000), quotas=st.tuples(*[st.integers(1, 8)] * 3))
def test_tiers_are_disjoint_and_within_quota(n, seed, quotas):
    rng = np.random.default_rng(seed)
    held = {i: list(rng.choice(["high_tech_enterprise", "tech_sme", "gazelle"], rng.integers(0, 3), replace=False))
            for i in range(n)}
    pop = population([{"points": float(rng.integers(50, 100)), "pd": float(rng.random() * 0.1)} for _ in range(n)],
                     sets={"certifications_held": held})
    t = fill_tiers(_tiers(quotas).tiers, pop)
    ent = t[t["tier"] != "achievements"]
    assert not ent["enterprise_id"].duplicated().any()
    for tier, quota in zip(("leaders", "high_tech", "sme"), quotas):
        assert (ent["tier"] == tier).sum() <= quota


def test_first_loan_candidates_are_never_borrowers_ranked_within_county_and_park():
    first = {"rules": [{"field": "never_borrowed", "op": "is", "value": True},
                       {"field": "points", "op": ">=", "value": 50}],
             "near_miss": {"max_gap_share": 0.1}}
    cat = catalog([loan(rules=[{"field": "points", "op": ">=", "value": 70}])], first_loan=first)
    pop = population([
        {"never_borrowed": True, "points": 60.0, "county": "长安区", "park": "P"},
        {"never_borrowed": True, "points": 65.0, "county": "长安区", "park": None},
        {"never_borrowed": False, "points": 90.0, "county": "长安区"},
        {"never_borrowed": True, "points": 80.0, "county": "桥西区", "park": "P"},
        {"never_borrowed": True, "points": 40.0, "county": "桥西区"},
    ])
    near = near_misses(cat, pop)
    c = candidates(cat, pop, near)
    # by city, county (in code-point order: 桥西区 before 长安区), then rank
    assert list(c["enterprise_id"]) == [uscc(3), uscc(1), uscc(0)]
    assert list(c["rank_in_county"]) == [1, 1, 2]
    assert list(c["rank_in_park"].fillna(0)) == [1, 0, 2]
    assert list(c["products"]) == ["p", "", ""]
    # 65 is within 10% of 70 (gap 5 <= 7): what to improve; 60 is not (gap 10)
    assert list(c["improve_field"].fillna("")) == ["", "points", ""]
    assert c["improve_needed"].iloc[1] == 70


def test_near_miss_is_exactly_one_failed_threshold_and_one_short_of_a_count():
    cat = catalog([loan(rules=[{"field": "valid_invention_patents", "op": ">=", "value": 2},
                               {"field": "pd", "op": "<=", "value": 0.03}])],
                  first_loan={"rules": [{"field": "never_borrowed", "op": "is", "value": True}],
                              "near_miss": {"max_gap_share": 0.15}})
    pop = population([{"valid_invention_patents": 1.0, "pd": 0.01},    # one short: a near miss
                      {"valid_invention_patents": 0.0, "pd": 0.01},    # two short: not near
                      {"valid_invention_patents": 1.0, "pd": 0.05},    # fails two rules
                      {"valid_invention_patents": 3.0, "pd": 0.031},   # fails only PD, which one does not improve
                      {"valid_invention_patents": None, "pd": 0.01}])  # unknown: not a near miss
    near = near_misses(cat, pop)
    assert list(near["enterprise_id"]) == [uscc(0)]
    assert near[["field", "value", "needed", "gap"]].iloc[0].tolist() == ["valid_invention_patents", 1.0, 2.0, 1.0]


def test_a_strict_threshold_at_zero_is_not_a_near_miss_but_a_count_one_short_is():
    cat = catalog([loan("abroad", rules=[{"field": "export_revenue", "op": ">", "value": 0}]),
                   loan("patents", rules=[{"field": "valid_invention_patents", "op": ">", "value": 1}]),
                   loan("margin", rules=[{"field": "net_margin", "op": ">", "value": 0.10}])],
                  first_loan={"rules": [{"field": "never_borrowed", "op": "is", "value": True}],
                              "near_miss": {"max_gap_share": 0.15}})
    pop = population([{"export_revenue": 0.0, "valid_invention_patents": 1.0, "net_margin": 0.10},
                      {"export_revenue": 0.0, "valid_invention_patents": 0.0, "net_margin": 0.08}])
    near = near_misses(cat, pop)
    # no export revenue is not "almost some"; one patent needs a second; a margin of exactly 10% must pass it
    assert near[["enterprise_id", "product", "needed"]].values.tolist() == [
        [uscc(0), "margin", 0.10], [uscc(0), "patents", 2.0]]


def test_a_near_miss_must_also_reach_the_loan_minimum_at_the_threshold():
    amount = {"cap": 40_000_000, "minimum": 3_000_000, "of": [{"field": "revenue", "times": 0.3}],
              "ladder": {"field": "points", "steps": [[70, 5_000_000]]}}
    cat = catalog([loan("torch", rules=[{"field": "points", "op": ">=", "value": 70}], amount=amount)],
                  first_loan={"rules": [{"field": "never_borrowed", "op": "is", "value": True}]})
    pop = population([{"points": 68.0, "revenue": 1e6},     # at 70 its amount is 300,000 < 3,000,000: not near
                      {"points": 68.0, "revenue": 1e8}])    # at 70 the ladder gives 5,000,000: near
    near = near_misses(cat, pop)
    assert list(near["enterprise_id"]) == [uscc(1)]
