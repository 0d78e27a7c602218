"""CreditModel as a scikit-learn estimator: the library's own checks, its tools, the input errors users expect."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from innoscore.credit import CreditModel

# checks expected to fail, each with its reason; none today
EXPECTED_FAILED_CHECKS: dict[str, str] = {}

CHECKS = """
import json
from sklearn.utils.estimator_checks import check_estimator
from innoscore.credit import CreditModel
results = check_estimator(CreditModel(), on_fail=None, expected_failed_checks=json.loads({expected!r}))
print(json.dumps([{{"check": r["check_name"], "status": r["status"], "error": repr(r["exception"])[:300]}}
                  for r in results]))
"""


def test_check_estimator_passes_every_check():
    # in a fresh process with SCIPY_ARRAY_API=1, which must be set before scipy is imported: with it,
    # the array-API check runs too instead of being skipped
    code = CHECKS.format(expected=json.dumps(EXPECTED_FAILED_CHECKS))
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "SCIPY_ARRAY_API": "1"}).stdout
    results = json.loads(out.strip().splitlines()[-1])
    not_passed = [r for r in results if r["status"] != "passed" and r["check"] not in EXPECTED_FAILED_CHECKS]
    assert len(results) >= 50 and not not_passed, not_passed
    assert {"check_classifiers_train", "check_supervised_y_no_nan", "check_fit_idempotent",
            "check_classifier_not_supporting_multiclass", "check_array_api_input"} <= {r["check"] for r in results}


def data(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    X[rng.random(n) < 0.1, 2] = np.nan
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 1.2 * X[:, 0] - 0.8 * X[:, 1])))).astype(int)
    return X, y


def test_numpy_arrays_work_with_names_x0_and_the_fitted_attributes():
    X, y = data()
    model = CreditModel(monotone=[1, -1, 0, 0]).fit(X, y)
    assert list(model.feature_names_in_) == ["x0", "x1", "x2", "x3"]
    assert model.n_features_in_ == 4 and list(model.classes_) == [0, 1]
    assert set(model.reasons(X[:200], k=1)["reason_1"].dropna()) <= {"x0", "x1", "x2", "x3"}
    assert model.monotone_ == [1, -1, 0, 0]
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2", "x3"])
    np.testing.assert_array_equal(model.predict_pd(frame), model.predict_pd(X))
    with pytest.raises(ValueError, match="X has 3 features, but CreditModel is expecting 4 features"):
        model.predict_pd(X[:, :3])


def test_any_two_labels_and_the_probability_of_the_greater_one():
    X, y = data()
    labels = np.where(y == 1, "default", "current")  # sorted: current < default
    model = CreditModel().fit(X, labels)
    assert list(model.classes_) == ["current", "default"]
    assert set(model.predict(X[:500])) <= {"current", "default"}
    numeric = CreditModel().fit(X, y)
    np.testing.assert_allclose(model.predict_pd(X[:500]), numeric.predict_pd(X[:500]))


def test_clone_pickle_and_a_pipeline_after_an_imputer():
    X, y = data()
    model = CreditModel(monotone=[1, -1, 0, 0], random_state=3)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "classes_")
    pipe = make_pipeline(SimpleImputer(strategy="median"), model).fit(X, y)  # the imputer hands over an array
    p = pipe.predict_proba(X[:300])[:, 1]
    assert ((p > 0) & (p < 1)).all()
    fitted = pipe[-1]
    assert list(fitted.feature_names_in_) == ["x0", "x1", "x2", "x3"]
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict_proba(X[:300]), pipe.predict_proba(X[:300]))
    assert pipe.score(X, y) == pytest.approx(np.mean(pipe.predict(X) == y))  # accuracy, as in scikit-learn


def test_grid_search_and_cross_val_score():
    X, y = data(2000)
    search = GridSearchCV(CreditModel(n_trees=0), {"segments": [1, 3]}, scoring="roc_auc", cv=3).fit(X, y)
    assert search.best_params_["segments"] in (1, 3) and 0.6 < search.best_score_ < 1
    scores = cross_val_score(CreditModel(), X, y, cv=3, scoring="neg_brier_score")
    assert scores.shape == (3,) and (scores < 0).all() and (scores > -0.25).all()


def test_calibrated_classifier_cv_wraps_it():
    X, y = data(2000)
    cal = CalibratedClassifierCV(CreditModel(n_trees=0), cv=3, method="isotonic").fit(X, y)
    p = cal.predict_proba(X)[:, 1]
    assert p.shape == (2000,) and ((p >= 0) & (p <= 1)).all()
    assert np.corrcoef(p, CreditModel(n_trees=0).fit(X, y).predict_pd(X))[0, 1] > 0.9


@pytest.mark.parametrize("make_bad, words", [
    (lambda X, y: (X, np.where(np.arange(len(y)) == 3, np.nan, y)), "Input y contains NaN"),
    (lambda X, y: (X, np.where(np.arange(len(y)) == 3, np.inf, y)), "Input y contains infinity"),
    (lambda X, y: (X, np.zeros(len(y))), "only one class"),
    (lambda X, y: (X, y % 3 + np.arange(len(y)) % 3), "Only binary classification is supported"),
    (lambda X, y: (X, y[:-1]), "inconsistent numbers of samples"),
    (lambda X, y: (X[:0], y[:0]), "0 sample"),
    (lambda X, y: (X[:, :0], y), "0 feature"),
    (lambda X, y: (np.where(np.arange(len(y))[:, None] == 2, np.inf, X), y), "infinity"),
    (lambda X, y: (X, None), "requires y to be passed"),
])
def test_bad_input_raises_the_value_error_scikit_learn_users_expect(make_bad, words):
    X, y = data(300)
    Xb, yb = make_bad(X, y)
    with pytest.raises(ValueError, match=words):
        CreditModel().fit(Xb, yb)


def test_predicting_before_fit_is_not_fitted_error():
    X, _ = data(50)
    for method in ("predict", "predict_proba", "predict_pd", "predict_score", "predict_grade", "reasons",
                   "decision_function"):
        with pytest.raises(NotFittedError):
            getattr(CreditModel(), method)(X)


def test_decision_function_is_the_log_odds_of_the_pd_and_predict_follows_it():
    X, y = data()
    model = CreditModel().fit(X, y)
    p = model.predict_pd(X)
    np.testing.assert_allclose(model.decision_function(X), np.log(p / (1 - p)), rtol=1e-10)
    np.testing.assert_array_equal(model.predict(X), (p > 0.5).astype(int))


def test_a_failed_fit_leaves_no_half_model_behind():
    X, y = data(400)
    model = CreditModel()
    with pytest.raises(ValueError, match="only one class"):
        model.fit(X, np.zeros(len(y)))
    with pytest.raises(NotFittedError):
        model.predict_pd(X)
    model.fit(X, y)
    with pytest.raises(ValueError, match="y_cal must hold both labels"):  # a refit that fails half way
        model.fit(X[:, :3], y, X[:50, :3], np.zeros(50))
    with pytest.raises(NotFittedError):
        model.predict_pd(X)


def test_the_default_label_says_which_label_is_a_default():
    X, y = data()
    labels = np.where(y == 1, "bad", "good")  # sorted: bad < good, so classes_[1] would be "good"
    model = CreditModel(default_label="bad").fit(X, labels)
    assert list(model.classes_) == ["bad", "good"] and model.default_label_ == "bad"
    p = model.predict_pd(X)
    np.testing.assert_allclose(model.predict_proba(X)[:, 0], p)  # the column of "bad"
    assert p.mean() == pytest.approx(y.mean(), abs=0.01)
    assert (model.predict(X) == np.where(p > 0.5, "bad", "good")).all()
    with pytest.raises(ValueError, match="default_label 'late' is not a label of y"):
        CreditModel(default_label="late").fit(X, labels)


@pytest.mark.parametrize("call, words", [
    (lambda m, X, y: m.fit(X, y, groups=np.where(np.arange(len(y)) == 5, None, np.arange(len(y)) % 40)),
     "groups has 1 missing values"),
    (lambda m, X, y: m.fit(X, y, X[:60], np.array([1, "x"] * 30, dtype=object)),
     "y_cal must hold both labels of y"),
    (lambda m, X, y: m.fit(X, y, y_cal=y), "y_cal was given without X_cal"),
    (lambda m, X, y: m.fit(X, y, X[:60]), "X_cal was given without y_cal"),
    (lambda m, X, y: m.set_params(random_state="seven").fit(X, y), "random_state must be a whole number"),
    (lambda m, X, y: m.set_params(params={"seed": 3}).fit(X, y), "params may not set seed"),
])
def test_bad_arguments_around_the_data_are_named(call, words):
    X, y = data(400)
    with pytest.raises(ValueError, match=words):
        call(CreditModel(), X, y)


def test_a_frame_model_wants_frames_and_unique_columns():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"lev": rng.random(600), "city": rng.choice(["a", "b"], 600)})
    y = (rng.random(600) < 0.2 + 0.3 * frame["lev"]).astype(int)
    model = CreditModel().fit(frame, y)
    with pytest.raises(ValueError, match="fitted on a DataFrame with categorical columns \\(city\\)"):
        model.predict_pd(np.zeros((3, 2)))
    doubled = pd.concat([frame, frame[["lev"]]], axis=1)
    with pytest.raises(ValueError, match="duplicate column names: \\['lev'\\]"):
        model.predict_pd(doubled)


def test_decision_function_stays_finite_with_isotonic_calibration_and_seed_none_works():
    X, y = data(2000)
    model = CreditModel(calibration="isotonic", random_state=None).fit(X, y)
    assert np.isfinite(model.decision_function(X)).all()
    np.testing.assert_array_equal(model.predict_pd(X), CreditModel(calibration="isotonic").fit(X, y).predict_pd(X))
