"""Odd but valid inputs are matched to the end: optional tables or columns missing, empty values,
strange consent lists.  The consent invariant holds whatever the input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from innoscore.data.schemas import empty_frame
from innoscore.data.validation import Dataset
from innoscore.matching.match import match
from innoscore.points import load_points_config
from innoscore.points.certification import summarise
from innoscore.points.run import points_and_checks

from ..helpers import SMALL
from .test_export import fake_scores

OPTIONAL = ["certifications", "financials", "ip_rights", "projects", "equity_rounds", "awards", "loans",
            "penalties", "insurance_policies"]


@pytest.fixture(scope="module")
def steps(small_province):
    tables = small_province[0]
    run = points_and_checks(Dataset(tables, SMALL.extracted_on), SMALL.extracted_on, load_points_config())
    return tables, run, summarise(run.checks, reasons=False), fake_scores(run.indicators)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drop=st.sets(st.sampled_from(OPTIONAL)), blank=st.sets(st.sampled_from(
    ["listed_on", "valuation", "park", "county", "signed_on", "guidance_fund_share", "exited_on", "investor",
     "export_revenue", "market_value"])),
    consent=st.lists(st.sampled_from(["ICBC", " BOC ", ";", "", "HB_POC_FUND", "XYZ", "icbc", "CCB;CCB"]),
                     max_size=4), seed=st.integers(0, 1000))
def test_any_valid_variation_is_matched_to_the_end_and_consent_holds(steps, drop, blank, consent, seed):
    tables, run, checks, scores = steps
    t = {k: v.copy() for k, v in tables.items()}
    for name in drop:
        t[name] = empty_frame(name)
    for name, frame in t.items():
        for col in blank & set(frame.columns):
            frame[col] = frame[col].where(np.zeros(len(frame), dtype=bool))
    rng = np.random.default_rng(seed)
    ent = t["enterprises"]
    ent["consent_banks"] = [";".join(rng.choice(consent, rng.integers(0, len(consent) + 1))) if consent else None
                            for _ in range(len(ent))]
    result = match(t, SMALL.extracted_on, run.indicators, run.features, run.points, checks, scores)
    allowed = ent.set_index("enterprise_id")["consent_banks"].fillna("").map(
        lambda s: {c.strip() for c in s.split(";") if c.strip()})
    for owner, eid in zip(result.shortlists["owner"], result.shortlists["enterprise_id"]):
        assert owner in allowed[eid]
    assert set(result.subsidies.columns) >= {"subsidy", "enterprise_id", "amount"}
    assert (result.subsidies["amount"] >= 0).all()
    assert not result.tiers[result.tiers["tier"] != "achievements"]["enterprise_id"].duplicated().any()
