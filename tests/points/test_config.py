"""The points configuration is checked at load time; errors name the file, the stage and the key."""

from __future__ import annotations

import copy

import pytest
import yaml

from innoscore.config import config_dir
from innoscore.indicators import load_catalog
from innoscore.points import PointsConfigError, load_points_config, parse_points_config


@pytest.fixture(scope="module")
def doc():
    return yaml.safe_load((config_dir() / "features" / "points.yaml").read_text(encoding="utf-8"))


def refuse(doc, words):
    with pytest.raises(PointsConfigError) as err:
        parse_points_config(doc, load_catalog(), "features/points.yaml")
    assert words in str(err.value), str(err.value)
    assert str(err.value).startswith("features/points.yaml")


def test_negative_weight(doc):
    d = copy.deepcopy(doc)
    d["weights"]["growth"]["rd_expense"] = -0.06
    refuse(d, "stage growth: rd_expense: must be >= 0; got -0.06")


def test_weights_must_add_up_to_the_group_share(doc):
    d = copy.deepcopy(doc)
    d["weights"]["mature"]["revenue"] += 0.01
    refuse(d, "stage mature: weights of group growth add up to 0.41, but groups gives 0.4")


def test_group_shares_add_up_to_one(doc):
    d = copy.deepcopy(doc)
    d["groups"]["startup"]["auxiliary"] = 0.2
    refuse(d, "stage startup: group shares must add up to 1")


def test_unknown_indicator_and_model_only_indicator(doc):
    d = copy.deepcopy(doc)
    d["weights"]["startup"]["rd_magic"] = 0.0
    refuse(d, "stage startup: rd_magic: unknown indicator")
    d = copy.deepcopy(doc)
    d["weights"]["startup"]["leverage"] = 0.0
    refuse(d, "stage startup: leverage: the catalog says use: model, not points")


def test_reference_values(doc):
    d = copy.deepcopy(doc)
    d["reference_values"][2019]["rd_intensity"] = {"rule": "linear", "reference": 0}
    refuse(d, "reference_values: 2019: rd_intensity: reference: must be > 0; got 0")
    d = copy.deepcopy(doc)
    del d["reference_values"][2019]["rd_intensity"]
    refuse(d, "reference_values: 2019: no reference for rd_intensity")
    d = copy.deepcopy(doc)
    d["reference_values"][2019]["best_trl"] = {"rule": "banded", "bands": [{"from": 3, "score": 1.5}]}
    refuse(d, "best_trl: band #1: score must be in [0, 1]")
    d = copy.deepcopy(doc)
    d["reference_values"][2019]["revenue"] = {"rule": "sqrt", "reference": 1}
    refuse(d, "revenue: expected rule: one of linear, log, banded")


def test_missing_stage_and_bad_items(doc):
    d = copy.deepcopy(doc)
    del d["weights"]["mature"]
    refuse(d, "stage mature: weights missing")
    d = copy.deepcopy(doc)
    d["bonus"]["items"][0]["indicator"] = "medals"
    refuse(d, "bonus: unicorn: unknown indicator 'medals'")
    d = copy.deepcopy(doc)
    d["penalty"]["cap"] = -1
    refuse(d, "penalty: cap: must be >= 0")


def test_the_shipped_file_loads():
    cfg = load_points_config()
    assert cfg.bonus_cap == 10 and cfg.penalty_cap == 20
    assert cfg.rules_for(2026)[0] == 2026 and cfg.rules_for(2023)[0] == 2023 and cfg.rules_for(2030)[0] == 2026
    with pytest.raises(PointsConfigError, match="reference_values has no year on or before 2018"):
        cfg.rules_for(2018)


# ----------------------------------------------------------------------------- one thing, one place


def test_an_indicator_weighted_and_a_bonus_is_refused(doc):
    """Issue: R&D platforms and national projects scored both as weighted indicators and as bonus."""
    d = copy.deepcopy(doc)
    d["bonus"]["items"].append({"id": "platforms", "indicator": "rd_platforms", "points": 1, "cap": 2})
    refuse(d, "bonus item platforms: rd_platforms already earns points as weighted indicator rd_platforms")


def test_a_certificate_counted_in_two_places_is_refused(doc):
    """Issue: a 高企 scored in certifications_held and again as a bonus; a 小巨人 three times."""
    d = copy.deepcopy(doc)
    d["bonus"]["items"].append({"id": "hte", "indicator": "high_tech_enterprise", "points": 3, "cap": 3})
    refuse(d, "the high_tech_enterprise certificate earns points twice: in weighted indicator certification_level "
              "and in bonus item hte")
    d = copy.deepcopy(doc)
    d["bonus"]["items"].append({"id": "lg", "indicator": "little_giant", "points": 3, "cap": 3})
    refuse(d, "the little_giant certificate earns points twice")


def test_the_default_places_each_certificate_once():
    places = load_points_config().places()
    ladder = {"high_tech_enterprise", "tech_sme", "innovative_sme", "specialised_sme", "little_giant"}
    assert {places[k] for k in ladder} == {"weighted indicator certification_level (auxiliary)"}
    assert places["gazelle"] == "bonus item gazelle" and places["unicorn"] == "bonus item unicorn"


@pytest.mark.parametrize("stage", ["startup", "growth", "mature"])
def test_technology_weighs_at_least_as_much_as_growth(doc, stage):
    """Issue: the system puts innovation first; mature was 0.40 technology / 0.45 growth."""
    cfg = load_points_config()
    assert cfg.groups[stage]["technology"] >= cfg.groups[stage]["growth"]
    d = copy.deepcopy(doc)
    g = d["groups"][stage]
    g["technology"], g["growth"] = g["growth"] - 0.01, g["technology"] + 0.01
    refuse(d, f"stage {stage}: technology ({g['technology']:g}) must weigh at least as much as growth")


@pytest.mark.parametrize("rule, words", [
    ({"population": "no_such_kind", "percentile": 70}, "population must be a certificate kind"),
    ({"population": "high_tech_enterprise", "percentile": 100}, "percentile must be below 100"),
    ({"population": "high_tech_enterprise", "percentile": 70, "digits": 0}, "digits must be a whole number"),
    ({"population": "high_tech_enterprise"}, "expected {population: CERTIFICATE KIND, percentile: P}"),
    ({"population": "high_tech_enterprise", "percentile": 70, "when": 1}, "unknown keys when"),
])
def test_reference_rule_is_checked(doc, rule, words):
    d = copy.deepcopy(doc)
    d["reference_rule"] = rule
    refuse(d, words)


def test_an_award_kind_counted_by_two_indicators_is_refused(doc):
    """Issue: R&D platforms scored twice.  A second indicator counting R&D platforms, given as a bonus while
    rd_platforms is weighted, is refused even under another name."""
    from innoscore.indicators import parse_catalog

    cat_doc = yaml.safe_load((config_dir() / "features" / "indicators.yaml").read_text(encoding="utf-8"))
    cat_doc["indicators"].append({"id": "provincial_rd_platforms", "name_zh": "省级以上研发平台数", "description": "x",
                                  "unit": "count", "group": "auxiliary", "direction": 1, "table": "awards",
                                  "use": "points", "scope": "local", "missing": "no_points", "counts": ["rd_platform"]})
    catalog = parse_catalog(cat_doc, "indicators.yaml")
    d = copy.deepcopy(doc)
    d["bonus"]["items"].append({"id": "platforms", "indicator": "provincial_rd_platforms", "points": 1, "cap": 2})
    with pytest.raises(PointsConfigError, match="the rd_platform award kind earns points twice: in weighted "
                                                "indicator rd_platforms and in bonus item platforms"):
        parse_points_config(d, catalog, "points.yaml")


def test_places_ignore_indicators_weighted_zero(doc):
    d = copy.deepcopy(doc)
    for stage, w in d["weights"].items():
        w["rd_platforms"] += w["certification_level"]  # keep the auxiliary group's share
        w["certification_level"] = 0.0
    cfg = parse_points_config(d, load_catalog(), "points.yaml")
    assert "high_tech_enterprise" not in cfg.places()
