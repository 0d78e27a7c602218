"""CreditModel on any table: properties of a calibrated, monotone PD model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss

from innoscore.credit import CreditModel, MonotonicityError


def make(n: int, seed: int = 0, rate: float = 1.0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"leverage": rng.uniform(0, 1, n), "margin": rng.normal(0, 0.1, n),
                      "noise": rng.normal(size=n)})
    X.loc[rng.random(n) < 0.1, "margin"] = np.nan
    logit = -4.0 + 3.0 * X["leverage"] ** 2 - 6.0 * X["margin"].fillna(0.0) + np.log(rate)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


MONO = {"leverage": 1, "margin": -1}
TREES = 120  # a fixed number of trees, where a test needs trees to be there


@pytest.fixture(scope="module")
def fitted():
    X, y = make(30_000, seed=1, rate=2.0)
    model = CreditModel(monotone=MONO, n_trees=TREES, calibration="isotonic").fit(X, y)
    assert model.booster_ is not None and model.booster_.current_iteration() == TREES
    return model, X, y


def raw_log_odds(model: CreditModel, X: pd.DataFrame) -> np.ndarray:
    """The uncalibrated log-odds, computed here from the parts: the regression's plus the trees'."""
    Z = X.to_numpy(dtype="float64")
    trees = model.booster_.predict(Z, raw_score=True) if model.booster_ is not None else 0.0
    return model.regression_.decision_function(Z) + trees


def test_probabilities_are_probabilities(fitted):
    model, X, _ = fitted
    proba = model.predict_proba(X.head(2000))
    assert proba.shape == (2000, 2)
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("method", ["isotonic", "sigmoid"])
def test_calibration_does_not_worsen_brier_on_held_out_rows(method):
    # the default rate moves between the training years and later ones, as it does in life
    X, y = make(30_000, seed=2, rate=2.0)
    Xc, yc = make(15_000, seed=3)
    Xh, yh = make(20_000, seed=4)
    model = CreditModel(monotone=MONO, n_trees=TREES, calibration=method, anchor="calibration").fit(X, y, Xc, yc)
    raw = 1 / (1 + np.exp(-raw_log_odds(model, Xh)))
    assert brier_score_loss(yh, model.predict_pd(Xh)) < brier_score_loss(yh, raw)


def test_long_run_anchor_sets_the_level_and_keeps_the_ranks():
    X, y = make(30_000, seed=2, rate=2.0)  # training years default twice as often as the calibration ones
    Xc, yc = make(15_000, seed=3)
    Xh, _ = make(5_000, seed=4)
    slice_level = CreditModel(monotone=MONO, n_trees=TREES, anchor="calibration").fit(X, y, Xc, yc)
    long_run = CreditModel(monotone=MONO, n_trees=TREES, anchor="long_run").fit(X, y, Xc, yc)
    seen = pd.concat([X, Xc])
    long_rate = np.concatenate([y, yc]).mean()
    assert long_run.predict_pd(seen).mean() == pytest.approx(long_rate, rel=1e-6)
    assert slice_level.predict_pd(Xc).mean() == pytest.approx(yc.mean(), rel=0.02)
    assert long_run.shift_ > 0.1 and slice_level.shift_ == 0.0  # the long-run rate is the higher one
    a, b = slice_level.predict_pd(Xh), long_run.predict_pd(Xh)
    assert (np.sign(np.diff(a[np.argsort(b, kind="stable")])) >= 0).all()  # same order of the rows


def test_monotone_directions_hold(fitted):
    model, X, _ = fitted
    assert set(model.monotonicity_) == {"leverage", "margin"} and min(model.monotonicity_.values()) >= -1e-12
    rows = X.sample(300, random_state=0)
    grid = np.linspace(0, 1, 30)
    pds = np.array([model.predict_pd(rows.assign(leverage=v)) for v in grid])
    assert (np.diff(pds, axis=0) >= -1e-12).all()
    grid = np.linspace(-0.3, 0.3, 30)
    pds = np.array([model.predict_pd(rows.assign(margin=v)) for v in grid])
    assert (np.diff(pds, axis=0) <= 1e-12).all()


def test_a_wrong_way_model_is_refused(monkeypatch):
    X, y = make(5000, seed=4)
    from innoscore.credit import model as module

    real = module.CreditModel._pd

    def flipped(self, Z):  # a broken model whose PD falls with leverage
        return 1 - real(self, Z)

    monkeypatch.setattr(module.CreditModel, "_pd", flipped)
    with pytest.raises(MonotonicityError, match="moves the wrong way along leverage"):
        CreditModel(monotone=MONO).fit(X, y)


def test_reasons_name_only_features_that_raise_the_pd(fitted):
    model, X, _ = fitted
    rows = X.head(500)
    contrib = model.contributions(rows)
    bias = raw_log_odds(model, rows) - contrib.sum(axis=1).to_numpy()
    np.testing.assert_allclose(bias, bias[0], atol=1e-9)  # path contributions add up to the raw score
    reasons = model.reasons(rows, k=2)
    for i, row in enumerate(reasons.itertuples(index=False)):
        named = [r for r in (row.reason_1, row.reason_2) if isinstance(r, str)]
        assert all(contrib.iloc[i][r] > 0 for r in named)
        positive = contrib.iloc[i][contrib.iloc[i] > 0].sort_values(ascending=False)
        assert named == list(positive.index[:2])


def test_reasons_point_at_the_risk_driver(fitted):
    model, X, _ = fitted
    risky = X[(X["leverage"] > 0.95) & (X["margin"].abs() < 0.02)].head(50)
    assert (model.reasons(risky, k=1)["reason_1"] == "leverage").mean() > 0.9


def test_contributions_of_the_regression_alone_add_up_too():
    X, y = make(1500, seed=8)
    model = CreditModel(monotone=MONO, n_trees=0).fit(X, y)
    assert model.booster_ is None
    contrib = model.contributions(X.head(200))
    bias = raw_log_odds(model, X.head(200)) - contrib.sum(axis=1).to_numpy()
    np.testing.assert_allclose(bias, bias[0], atol=1e-9)


def test_score_and_grade_follow_the_pd(fitted):
    model, X, _ = fitted
    rows = X.head(1000)
    pd_ = model.predict_pd(rows)
    score = model.predict_score(rows)
    order = np.argsort(pd_)
    assert (np.diff(score[order]) <= 1e-9).all()  # higher PD, lower score
    np.testing.assert_array_equal(score, model.score_of(pd_))
    assert model.score_of(np.array([1 / 51]))[0] == pytest.approx(600.0)  # base odds 50:1 score 600
    assert model.score_of(np.array([1 / 101]))[0] == pytest.approx(600.0 + 20 * np.log2(100 / 50))
    assert list(model.grade_of(np.array([0.004, 0.005, 0.0051, 0.5]))) == ["A", "A", "B", "G"]
    np.testing.assert_array_equal(model.predict_grade(rows), model.grade_of(pd_))
    y = (pd_ > 0.5).astype(int)  # score(X, y) is scikit-learn's accuracy, not credit points
    assert model.score(rows, y) == pytest.approx(np.mean(model.predict(rows) == y))


def test_without_a_calibration_slice_cross_validation_chooses_and_calibrates():
    X, y = make(10_000, seed=5)
    model = CreditModel(monotone=MONO).fit(X, y)
    assert list(model.feature_names_in_) == ["leverage", "margin", "noise"]
    # every candidate shape was scored on held-out rows, and the one kept is among the best
    losses = {k: v["held_out_log_loss"] for k, v in model.selection_.items()}
    assert f"segments={model.segments_}" in losses and len(losses) >= 1
    assert model.C_ in (0.01, 0.03, 0.1, 0.3, 1.0)
    assert model.predict_pd(X).mean() == pytest.approx(y.mean(), rel=0.05)  # calibrated level
    with pytest.raises(ValueError, match="lacks the model's columns: noise"):
        model.predict_pd(X.drop(columns="noise"))


@pytest.mark.parametrize("bad, words", [
    (dict(monotone={"nope": 1}), "monotone names columns not in X: nope"),
    (dict(monotone={"leverage": 2}), "monotone directions must be"),
    (dict(monotone=[1, 0]), "monotone has 2 directions for 3 columns"),
    (dict(calibration="beta"), "calibration must be"),
    (dict(n_trees=-1), "n_trees must be"),
    (dict(segments=0), "segments must be"),
    (dict(cv=1), "cv must be"),
    (dict(grades=[{"grade": "A", "max_pd": 0.5}]), "last grade must take every PD"),
    (dict(scaling={"pdo": 0}), "pdo must be > 0"),
])
def test_bad_arguments_are_named(bad, words):
    X, y = make(2000)
    with pytest.raises(ValueError, match=words):
        CreditModel(**bad).fit(X, y)


def test_the_same_data_and_seed_give_the_same_model_bit_for_bit():
    X, y = make(20_000, seed=9, rate=2.0)
    a = CreditModel(monotone=MONO, random_state=3).fit(X, y)
    b = CreditModel(monotone=MONO, random_state=3).fit(X, y)
    rows = X.head(3000)
    assert a.predict_pd(rows).tobytes() == b.predict_pd(rows).tobytes()
    assert a.reasons(rows).equals(b.reasons(rows))


def test_any_numeric_table_nullable_small_ints_and_non_string_names():
    rng = np.random.default_rng(0)
    n = 6000
    X = pd.DataFrame({"a": pd.array(rng.integers(0, 5, n), dtype="Int64"),
                      "b": pd.array(rng.random(n) < 0.3, dtype="boolean"),
                      "c": rng.normal(size=n).astype("float32"), "d": rng.integers(0, 3, n).astype("uint8"),
                      7: rng.normal(size=n)})
    X.loc[::10, "a"] = pd.NA
    X.loc[::7, "b"] = pd.NA
    y = (rng.random(n) < 1 / (1 + np.exp(-(-3 + 1.5 * X["c"].to_numpy())))).astype(int)
    model = CreditModel(monotone={"c": 1}).fit(X, y)
    p = model.predict_pd(X)
    assert np.isfinite(p).all() and p[X["c"].to_numpy() > 1].mean() > p[X["c"].to_numpy() < -1].mean()
    reasons = model.reasons(X.head(50), k=5)
    assert set(reasons["reason_1"].dropna()) <= {"a", "b", "c", "d", 7}
    assert reasons["reason_1_text"].dropna().map(type).eq(str).all()


def test_grouped_folds_keep_each_group_together_and_share_out_the_defaults():
    from innoscore.credit.model import _grouped_folds

    rng = np.random.default_rng(0)
    groups = rng.integers(0, 2000, 20_000)
    y = (rng.random(20_000) < 0.05).astype(int)
    folds = _grouped_folds(y, groups, 5, seed=1)
    seen = np.zeros(20_000, int)
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        assert abs(y[test].mean() - y.mean()) < 0.01
        seen[test] += 1
    assert len(folds) == 5 and (seen == 1).all()
    again = _grouped_folds(y, groups, 5, seed=1)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))


def test_panel_rows_of_one_borrower_never_train_and_judge_each_other():
    # each borrower repeated 6 times with its outcome: with groups the held-out rows are new borrowers,
    # so the trees cannot score by recognising them, and fewer trees are found to help
    rng = np.random.default_rng(1)
    X, y = make(3000, seed=10, rate=3.0)
    X["noise"] = rng.normal(size=3000)  # a borrower's own fingerprint, no risk in it
    rep = np.repeat(np.arange(3000), 6)
    Xp, yp = X.iloc[rep].reset_index(drop=True), y[rep]
    grouped = CreditModel(monotone=MONO).fit(Xp, yp, groups=rep)
    rows_alone = CreditModel(monotone=MONO).fit(Xp, yp)
    assert grouped.n_trees_ < rows_alone.n_trees_
