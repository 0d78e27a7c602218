"""The sign-constrained ramp regression under the credit model."""

from __future__ import annotations

import numpy as np

from innoscore.credit.regression import RampLogisticRegression


def test_the_regression_learns_a_monotone_shape_not_just_a_line():
    # risk that only starts above 0.6 of leverage: ramps fit it, a straight line cannot
    rng = np.random.default_rng(5)
    lev = rng.uniform(0, 1, 40_000)
    y = (rng.uniform(size=lev.size) < 1 / (1 + np.exp(-(-4.0 + 8.0 * np.maximum(lev - 0.6, 0))))).astype(int)
    X = lev[:, None]
    line = RampLogisticRegression([1], segments=1).fit(X, y)
    ramps = RampLogisticRegression([1], segments=8).fit(X, y)
    assert (ramps.coef_[:8] >= 0).all()  # every ramp of a +1 feature keeps its sign
    grid = np.linspace(0, 1, 101)[:, None]
    f = ramps.decision_function(grid)
    assert (np.diff(f) >= -1e-12).all()
    assert f[60] - f[0] < 0.3 and f[100] - f[60] > 2.5  # flat, then steep
    truth = -4.0 + 8.0 * np.maximum(grid[:, 0] - 0.6, 0)
    assert np.abs(f - truth).mean() < 0.5 * np.abs(line.decision_function(grid) - truth).mean()


def test_the_regression_handles_missing_constant_and_empty_columns():
    rng = np.random.default_rng(6)
    X = np.column_stack([rng.normal(size=3000), np.ones(3000), np.full(3000, np.nan), rng.normal(size=3000)])
    X[rng.random(3000) < 0.3, 3] = np.nan
    y = (rng.random(3000) < 1 / (1 + np.exp(-(-2 + X[:, 0])))).astype(int)
    model = RampLogisticRegression([1, 0, 0, -1], segments=4).fit(X, y)
    p = model.predict_proba(X)[:, 1]
    assert np.isfinite(p).all() and 0.5 < model.coef_[:len(model.column_feature_)][model.column_feature_ == 0].sum()
    c = model.contributions(X)
    np.testing.assert_allclose(c.sum(axis=1) + model.intercept_, model.decision_function(X), atol=1e-9)
    assert np.allclose(c[:, 1], 0) and np.allclose(c[:, 2], 0)  # no information, no contribution


def test_a_level_is_an_indicator_shrunk_to_the_average_by_its_count():
    # levels 1 and 2 carry the same risk; the rare level 2 is pulled further toward the average,
    # and a level never seen (NaN) reads as the average itself
    rng = np.random.default_rng(7)
    n = 20_000
    level = rng.choice([0.0, 1.0, 2.0], n, p=[0.495, 0.495, 0.01])
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2 + np.where(level == 0, -0.5, 0.5))))).astype(int)
    model = RampLogisticRegression(categorical=[True], C=0.01).fit(level[:, None], y)
    f = model.decision_function(np.array([[0.0], [1.0], [2.0], [np.nan]]))
    assert f[0] < f[2] < f[1]
    assert f[0] < f[3] < f[1]
    c = model.contributions(np.array([[0.0], [2.0]]))
    np.testing.assert_allclose(c[:, 0] + model.intercept_, f[[0, 2]], atol=1e-9)


def test_a_start_lends_its_design_and_its_solution():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(5000, 3))
    y = (rng.random(5000) < 1 / (1 + np.exp(-(-2 + X[:, 0] - 0.5 * X[:, 1])))).astype(int)
    cold = RampLogisticRegression([1, -1, 0], segments=4).fit(X, y)
    design = RampLogisticRegression([1, -1, 0], segments=4).learn_design(X)
    same = RampLogisticRegression([1, -1, 0], segments=4).fit(X, y, start=design)
    np.testing.assert_array_equal(same.decision_function(X), cold.decision_function(X))
    warm = RampLogisticRegression([1, -1, 0], segments=4).fit(X, y, start=cold)
    assert warm.n_iter_ < cold.n_iter_ / 2
    np.testing.assert_allclose(warm.decision_function(X), cold.decision_function(X), atol=1e-3)
    # a fold of the rows, on the design of all of them: the knots are those of all rows
    part = RampLogisticRegression([1, -1, 0], segments=4).fit(X[:2500], y[:2500], start=design)
    assert all(np.array_equal(a, b) for a, b in zip(part.knots_, design.knots_))
