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
    refuse(d, "stage mature: weights of group growth add up to 0.46, but groups gives 0.45")


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
    refuse(d, "bonus: high_tech_enterprise: unknown indicator 'medals'")
    d = copy.deepcopy(doc)
    d["penalty"]["cap"] = -1
    refuse(d, "penalty: cap: must be >= 0")


def test_the_shipped_file_loads():
    cfg = load_points_config()
    assert cfg.bonus_cap == 10 and cfg.penalty_cap == 20
    assert cfg.rules_for(2026)[0] == 2026 and cfg.rules_for(2023)[0] == 2019
