"""The certification rules file is checked when loaded: a typo is a clear error, never a traceback later."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from innoscore.certification_rules import CertificationRulesError, check_certification_rules, load_certification_rules
from innoscore.config import ConfigError, config_dir, load_yaml
from innoscore.indicators import build
from innoscore.data.synth import SynthSpec, generate
from innoscore.points.certification import run_checks
from tests.points.test_certification import frame

DOC = yaml.safe_load((config_dir() / "features" / "certifications.yaml").read_text(encoding="utf-8"))


def refuse(doc, words):
    with pytest.raises(CertificationRulesError) as err:
        check_certification_rules(doc, "certifications.yaml")
    assert str(err.value).startswith("certifications.yaml") and words in str(err.value), str(err.value)
    assert isinstance(err.value, ConfigError)  # the CLI's exit 2


def test_the_shipped_rules_load():
    rules = load_certification_rules()
    assert rules["little_giant"]["rd_ratio_by_revenue"][0]["revenue_from"] == 100_000_000


@pytest.mark.parametrize("change, words", [
    (lambda d: d["tech_sme"].pop("max_employees"), "tech_sme: missing max_employees"),
    (lambda d: d["tech_sme"].__setitem__("max_employee", 500), "tech_sme: unknown keys max_employee"),
    (lambda d: d["tech_sme"]["rd_ratio_points"][0].pop("from"), "rd_ratio_points: band #1: expected {from: X"),
    (lambda d: d["high_tech_enterprise"]["rd_ratio_by_revenue"].reverse(), "null for the last band only"),
    (lambda d: d["high_tech_enterprise"].__setitem__("min_st_staff_share", 10), "min_st_staff_share: expected a fraction"),
    (lambda d: d["industries"]["size_sector"].__setitem__("steel", "mining"), "'mining' is not a sector of sme_size"),
    (lambda d: d["sme_size"].__setitem__("industry", {"staff": 1000}), "sme_size: industry: expected {employees"),
    (lambda d: d["validity_years"].pop("ip_demo"), "validity_years: missing ip_demo"),
    (lambda d: d["records"].__setitem__("blacklist_kinds", ["fraud"]), "blacklist_kinds: expected a non-empty list"),
    (lambda d: d["industries"]["strategic_emerging"].__setitem__("food", "yes"), "expected true, false or partly"),
    (lambda d: d["high_tech_enterprise"]["capability"]["ip_standards"].reverse(), "lowest <= highest"),
    (lambda d: d["tech_sme"]["staff_share_points"].reverse(), "the best band first (bounds decreasing)"),
    (lambda d: d["innovative_sme"]["debt_ratio_points"].reverse(), "the best band first (bounds increasing)"),
    (lambda d: d["tech_sme"]["rd_ratio_points"][0].__setitem__("points", [40, 50]), "expected a number >= 0"),
    (lambda d: d["industries"]["high_tech_field"].__setitem__("steel", "partley"), "one of electronic_information"),
    (lambda d: d["records"].__setitem__("blacklist_years", 10 ** 12), "a number of years from 1 to 100"),
])
def test_a_broken_rule_is_refused_naming_the_key(change, words):
    doc = copy.deepcopy(DOC)
    change(doc)
    refuse(doc, words)


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


PATHS = list(_paths(DOC))
TINY = SynthSpec(enterprises=40, seed=1, start="2023-01", end="2024-06")
JUNK = st.sampled_from([None, -1, 0, 0.5, 1e12, "x", "partly", True, [], {}, [1, 2], [2, 1], {"from": 1}])


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PATHS), JUNK, st.booleans())
def test_any_mutation_is_refused_or_checks_run_to_the_end(path, value, delete):
    """Random mutations of the shipped file: refused with a CertificationRulesError, or usable by every check."""
    doc = copy.deepcopy(DOC)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    try:
        rules = check_certification_rules(doc, "certifications.yaml")
    except CertificationRulesError:
        return
    rows = pd.concat([frame(), frame(industry="steel", revenue=float("nan"), employees=1000)])
    rows.index = pd.Index(["A", "B"], name="enterprise_id")
    out = run_checks(rows, rules)
    assert set(out["result"].astype(str)) <= {"pass", "fail", "insufficient_data"}
    # the indicators and the synthetic province read the same file
    tables, _ = generate(TINY, certifications=rules)
    config = {"certifications": rules, "stages": load_yaml("features/stages.yaml")}
    assert len(build(tables, "2024-06-30", config=config)) > 0
