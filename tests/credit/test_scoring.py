"""Scoring every enterprise of an indicator table with a fitted model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from innoscore.config import ConfigError
from innoscore.credit import CreditModel
from innoscore.credit.scoring import reason_texts, score_enterprises


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"leverage": rng.uniform(0, 1.5, 3000), "rd_intensity": rng.uniform(0, 0.2, 3000)})
    logit = -4 + 2.5 * X["leverage"] - 10 * X["rd_intensity"]
    y = (rng.random(3000) < 1 / (1 + np.exp(-logit))).astype(int)
    return CreditModel(monotone={"leverage": 1, "rd_intensity": -1}, n_trees=0,
                       texts={"leverage": ("资产负债率偏高", "leverage is high"),
                              "rd_intensity": ("研发投入强度偏低", "R&D intensity is low")}).fit(X, y)


def test_scores_are_the_models_pd_score_grade_and_reasons_per_enterprise(model):
    ind = pd.DataFrame({"leverage": [0.1, 1.4, np.nan], "rd_intensity": [0.15, 0.0, 0.05], "other": [1, 2, 3]},
                       index=pd.Index(["A", "B", "C"], name="enterprise_id"))
    got = score_enterprises(model, ind, k=2)
    X = ind[["leverage", "rd_intensity"]]
    assert list(got["enterprise_id"]) == ["A", "B", "C"]
    np.testing.assert_allclose(got["pd"], model.predict_pd(X))
    np.testing.assert_allclose(got["score"], model.predict_score(X))
    assert list(got["grade"]) == list(model.predict_grade(X))
    assert got.loc[1, "pd"] > got.loc[0, "pd"]
    # the riskier enterprise's first reason is its high leverage; no reason_3 column when k = 2
    assert got.loc[1, "reason_1"] == "leverage" and "reason_3" not in got
    assert reason_texts(model)["rd_intensity"] == ("研发投入强度偏低", "R&D intensity is low")


def test_a_table_without_the_models_features_is_refused_by_name(model):
    ind = pd.DataFrame({"leverage": [0.1]}, index=pd.Index(["A"], name="enterprise_id"))
    with pytest.raises(ConfigError, match="lacks the model's features rd_intensity"):
        score_enterprises(model, ind)


def test_reason_texts_say_a_flag_is_or_is_not_the_case_and_a_quantity_is_low_or_high():
    from innoscore.credit.train import _texts
    from innoscore.indicators import load_catalog

    catalog = load_catalog()
    assert _texts(catalog, "high_tech_enterprise") == ("非高新技术企业", "not high tech enterprise")
    assert _texts(catalog, "first_loan") == ("是首贷户", "first loan: yes")
    assert _texts(catalog, "leverage")[0] == "资产负债率偏高"
    assert _texts(catalog, "rd_intensity")[0] == "研发投入强度偏低"
