"""The trees' parameters, the calibrated held-out loss that chooses their number, and the choice rules."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from innoscore.credit.boosting import DEFAULT_TREE_PARAMS, calibrated_log_loss, tree_params, validation_curve
from innoscore.credit.model import _fewest_rounds, _simplest, _standard_error


def test_calibrated_log_loss_is_that_of_a_platt_fit():
    rng = np.random.default_rng(0)
    s = rng.normal(size=5000)
    y = (rng.random(5000) < 1 / (1 + np.exp(-(0.4 * s - 1.0)))).astype(int)  # log-odds off in scale and level
    platt = LogisticRegression(C=np.inf, tol=1e-12, max_iter=1000).fit(s[:, None], y)
    expected = log_loss(y, platt.predict_proba(s[:, None])[:, 1])
    assert calibrated_log_loss(s, y) == pytest.approx(expected, rel=1e-7)
    assert calibrated_log_loss(s, y) < log_loss(y, 1 / (1 + np.exp(-s)))  # calibration only helps
    np.testing.assert_allclose(calibrated_log_loss(s, y, per_row=True).mean(), calibrated_log_loss(s, y))


def test_tree_parameters_keep_directions_off_categoricals():
    p = tree_params({"num_leaves": 7, "n_jobs": 1}, [1, -1, 0], [False, False, True], seed=3)
    assert p["num_leaves"] == 7 and p["num_threads"] == 1 and "n_jobs" not in p
    assert p["monotone_constraints"] == [1, -1, 0] and p["monotone_constraints_method"] == "basic"
    assert p["deterministic"] and p["seed"] == 3 and p["learning_rate"] == DEFAULT_TREE_PARAMS["learning_rate"]
    assert "monotone_constraints" not in tree_params(None, [0, 0], [False, True], seed=0)


def test_the_curve_starts_before_any_tree_and_stops_after_its_patience():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4000, 3))
    y = (rng.random(4000) < 1 / (1 + np.exp(-(X[:, 0] * X[:, 1])))).astype(int)  # an interaction only trees see
    init = np.zeros(4000)
    curve, booster = validation_curve(tree_params(None, [0, 0, 0], [False] * 3, 0), X[:3000], y[:3000], init[:3000],
                                      X[3000:], y[3000:], init[3000:], [False] * 3, max_rounds=400, patience=20)
    assert curve[0] == pytest.approx(calibrated_log_loss(init[3000:], y[3000:]))
    best = int(np.argmin(curve))
    assert best > 0 and curve[best] < curve[0] - 0.01
    assert len(curve) - 1 == booster.current_iteration() <= best + 20


def test_the_fewest_rounds_within_one_standard_error():
    flat = np.array([1.0, 0.9, 0.8, 0.79, 0.789])
    curves = [flat + d for d in (0.0, 0.01, -0.01)]
    assert _fewest_rounds(curves, [1, 1, 1]) == 4  # folds that differ by a constant agree on every step: the lowest
    noisy = [np.array([1.0, 0.8, 0.79]), np.array([1.0, 0.8, 0.81]), np.array([1.0, 0.8, 0.80])]
    assert _fewest_rounds(noisy, [1, 1, 1]) == 1  # round 2 is not better than round 1 beyond the noise


def test_the_standard_error_counts_groups_not_rows():
    rng = np.random.default_rng(4)
    x = rng.normal(size=500)
    copies = np.repeat(x, 12)  # one enterprise's twelve overlapping panel rows say the same thing
    groups = np.repeat(np.arange(500), 12)
    assert _standard_error(copies, groups) == pytest.approx(x.std(ddof=1) / np.sqrt(500), rel=1e-9)
    assert _standard_error(copies, None) < 0.3 * _standard_error(copies, groups)


def test_the_simplest_candidate_within_one_standard_error():
    rng = np.random.default_rng(2)
    base = rng.exponential(size=2000)
    assert _simplest(["line", "shape"], [base + 0.001, base + rng.normal(0, 0.05, 2000)]) == "line"
    assert _simplest(["line", "shape"], [base + 0.05, base]) == "shape"
