"""models/credit.yaml parsed into typed values: one home per default, errors that name the file and key."""

from __future__ import annotations

import copy

import pytest
import yaml

from innoscore.config import config_dir
from innoscore.credit.config import CreditConfigError, Gates, load_credit_config, parse_credit_config
from innoscore.credit.model import CreditModel
from innoscore.credit.scaling import DEFAULT_GRADES, ScoreScale

DOC = yaml.safe_load((config_dir() / "models" / "credit.yaml").read_text(encoding="utf-8"))


def parse(mutate) -> object:
    doc = copy.deepcopy(DOC)
    mutate(doc)
    return parse_credit_config(doc, "credit.yaml")


def test_the_shipped_file_parses_and_its_model_settings_build_a_model():
    config = load_credit_config()
    assert config.registered_model == "innoscore-credit" and config.panel.horizon_months == 12
    assert config.panel.train_until < config.panel.calibration_until
    assert isinstance(config.gates, Gates) and config.gates.min_auc == pytest.approx(0.70)
    model = CreditModel(**config.model)
    model._check_params()
    assert model.calibration == DOC["model"]["calibration"]
    import pickle

    assert pickle.loads(pickle.dumps(config)) == config  # it travels with a training result
    config.model["monotone_check"]["rows"] = 1  # a copy: the configuration stays as read
    assert config.model["monotone_check"] == DOC["model"]["monotone_check"]


def test_what_the_file_leaves_out_takes_the_one_default():
    def strip(doc):
        for key in ("scaling", "grades", "evaluation", "features"):
            doc.pop(key)
        doc["model"] = {}
        doc["gates"] = {"min_auc": 0.6}

    config = parse(strip)
    assert config.scaling == ScoreScale() and config.grades == DEFAULT_GRADES
    assert config.gates == Gates(min_auc=0.6) and config.exclude == ()
    # the model keeps its own defaults: nothing is passed for what the file does not set
    assert dict(config.model) == {}
    defaults = CreditModel()
    assert (defaults.calibration, defaults.anchor, defaults.n_trees) == ("sigmoid", "long_run", "auto")


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d.pop("panel"), "credit.yaml: panel: missing"),
    (lambda d: d["panel"].pop("train_until"), "panel.train_until: missing"),
    (lambda d: d["panel"].update(train_until="2025-01-31"), "first_observation < train_until < calibration_until"),
    (lambda d: d["panel"].update(horizon_months=0), "panel.horizon_months: expected a whole number"),
    (lambda d: d["panel"].update(first_observation="June 2020"), "panel.first_observation: expected a date"),
    (lambda d: d["model"].update(calibration="beta"), "model.calibration: calibration must be one of"),
    (lambda d: d["model"].update(isotonic_min_defaults=300), "model.isotonic_min_defaults: unknown setting"),
    (lambda d: d["model"].update(n_trees=-5), "model.n_trees: n_trees must be"),
    (lambda d: d["model"].update(monotone_check={"rows": 0}), "model.monotone_check"),
    (lambda d: d["gates"].update(monotonicity_verified=True), "gates.monotonicity_verified: unknown key"),
    (lambda d: d["gates"].update(min_auc="high"), "gates.min_auc: expected a number"),
    (lambda d: d["gates"].update(calibration_in_the_large="yes"), "gates.calibration_in_the_large: expected true"),
    (lambda d: d["grades"].reverse(), "grades: grades max_pd must rise strictly"),
    (lambda d: d["scaling"].update(pdo=-20), "scaling: scaling base_odds and pdo must be > 0"),
    (lambda d: d["evaluation"].update(ece_bins=1), "evaluation.ece_bins: expected a whole number >= 2"),
    (lambda d: d.update(extra={}), "extra: unknown section"),
    (lambda d: d["features"].update(exclude="leverage"), "features.exclude: expected a list"),
    (lambda d: d.pop("gates"), "gates: at least one gate is needed"),
    (lambda d: d["gates"].update(min_auc=70), "gates.min_auc: expected a value in [0, 1]"),
    (lambda d: d["gates"].update(max_score_psi=-0.1), "gates.max_score_psi: expected a value in [0, inf]"),
    (lambda d: d["model"].update(params={"n_estimators": 500}), "model.params: params may not set n_estimators"),
    (lambda d: d.update({2024: 1, "typo": 2}), "unknown section"),
])
def test_errors_name_the_file_and_the_key(mutate, words):
    with pytest.raises(CreditConfigError, match="^credit.yaml: ") as info:
        parse(mutate)
    assert words in str(info.value)
