"""Path contributions of LightGBM trees and the reasons read from contributions."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from innoscore.credit.reasons import PathContributions, top_reasons


def test_path_contributions_add_up_to_the_raw_score():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 4))
    X[:, 3] = 1.0  # a constant column: never split on
    y = (rng.random(3000) < 1 / (1 + np.exp(-(X[:, 0] * X[:, 1] - X[:, 2])))).astype(int)
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7}, lgb.Dataset(X, y), 40)
    contrib = PathContributions(booster, 4)(X[:500])
    roots = sum(t["tree_structure"].get("internal_value", t["tree_structure"].get("leaf_value", 0.0))
                for t in booster.dump_model()["tree_info"])
    np.testing.assert_allclose(contrib.sum(axis=1) + roots, booster.predict(X[:500], raw_score=True), atol=1e-9)
    assert np.all(contrib[:, 3] == 0)


def test_trees_of_a_single_leaf_contribute_nothing():
    X = np.zeros((40, 2))
    y = np.r_[np.zeros(20), np.ones(20)]
    booster = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(X, y), 3)
    np.testing.assert_array_equal(PathContributions(booster, 2)(X), np.zeros((40, 2)))


def test_top_reasons_name_only_what_raises_the_pd_in_order():
    contrib = np.array([[0.5, -0.2, 0.9], [-0.1, -0.3, -0.2], [0.0, 0.2, 0.1]])
    out = top_reasons(contrib, ["lev", "margin", 7], {"lev": ("杠杆率偏高", "leverage is high")}, k=2)
    assert list(out.columns) == ["reason_1", "reason_1_text", "reason_2", "reason_2_text"]
    assert out.iloc[0].tolist() == [7, "7", "lev", "杠杆率偏高 / leverage is high"]
    assert out.iloc[1].isna().all()  # nothing pushes the PD up
    assert out.iloc[2].tolist()[:3] == ["margin", "margin", 7]


def test_k_larger_than_the_features_gives_one_reason_per_feature():
    out = top_reasons(np.array([[0.1, 0.2]]), ["a", "b"], {}, k=5)
    assert [c for c in out.columns if not c.endswith("_text")] == ["reason_1", "reason_2"]
    from innoscore.credit import CreditModel

    with pytest.raises(ValueError, match="k must be a whole number >= 1; got 0"):
        CreditModel().reasons(np.zeros((1, 2)), k=0)
