"""Categorical and text columns in CreditModel: learnt inside fit, unseen levels, reasons by column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from innoscore.credit import CreditModel
from innoscore.credit.encoding import MISSING_LEVEL, TableEncoder

CITIES = ["石家庄", "保定", "唐山", "邯郸", "廊坊"]
RISK = {"石家庄": -0.8, "保定": -0.3, "唐山": 0.0, "邯郸": 0.5, "廊坊": 1.0}  # log-odds by city


def make(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    city = rng.choice(CITIES, n)
    X = pd.DataFrame({
        "leverage": rng.uniform(0, 1, n),
        "city": pd.Series(city, dtype="category"),
        "stage": pd.Series(rng.choice(["start-up", "growth", "mature"], n), dtype="string"),
        "park": pd.Series(np.where(rng.random(n) < 0.3, None, rng.choice(["高新区", "经开区"], n)), dtype=object),
    })
    logit = (-2.5 + 2.0 * X["leverage"] + pd.Series(city).map(RISK).to_numpy()
             + np.where(X["stage"] == "start-up", 0.6, 0))
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = make(20_000, seed=1)
    return CreditModel(monotone={"leverage": 1}).fit(X, y), X, y


def test_category_string_and_object_columns_are_used(fitted):
    model, X, y = fitted
    Xt, yt = make(10_000, seed=2)
    with_cats = roc_auc_score(yt, model.predict_pd(Xt))
    numeric_only = CreditModel(monotone={"leverage": 1}).fit(X[["leverage"]], y)
    assert with_cats > roc_auc_score(yt, numeric_only.predict_pd(Xt[["leverage"]])) + 0.03
    # the riskier the city, the higher the PD of an otherwise equal enterprise
    row = Xt.head(1)
    pds = [model.predict_pd(row.assign(city=pd.Categorical([c], categories=CITIES)))[0] for c in CITIES]
    assert pds == sorted(pds)  # CITIES are in the order of their risk
    assert model.encoder_.categorical_ == [False, True, True, True]


def test_the_encoding_is_learnt_from_the_training_rows_only():
    X, y = make(6000, seed=3)
    Xc, yc = make(3000, seed=4)
    Xc["city"] = Xc["city"].cat.add_categories(["衡水"])
    Xc.loc[Xc.index[:500], "city"] = "衡水"  # a level only the calibration slice has
    model = CreditModel(n_trees=20).fit(X, y, Xc, yc)
    levels = model.encoder_.levels_[1]
    assert "衡水" not in levels and set(CITIES) <= set(levels)
    # the park's missing values were a level of the training rows: it keeps its own effect
    assert MISSING_LEVEL in model.encoder_.levels_[3]


def test_an_unseen_level_is_handled_as_no_level(fitted):
    model, X, _ = fitted
    row = X.head(20).copy()
    unseen = row.assign(city=pd.Categorical(["衡水"] * 20), stage=pd.array(["研发期"] * 20, dtype="string"))
    p = model.predict_pd(unseen)
    assert np.isfinite(p).all() and ((p > 0) & (p < 1)).all()
    # city had no missing value in training: a missing city and an unseen one read the same
    missing = row.assign(city=pd.Categorical([None] * 20, categories=CITIES), stage=unseen["stage"])
    np.testing.assert_allclose(model.predict_pd(missing), p)


def test_reasons_name_the_original_column(fitted):
    model, X, _ = fitted
    risky = X[(X["city"] == "廊坊") & (X["leverage"] < 0.2)].head(50)
    reasons = model.reasons(risky, k=1)
    assert (reasons["reason_1"] == "city").mean() > 0.8
    contrib = model.contributions(risky)
    assert list(contrib.columns) == ["leverage", "city", "stage", "park"]


def test_numeric_columns_keep_their_monotone_direction_beside_categoricals(fitted):
    model, X, _ = fitted
    rows = X.sample(200, random_state=0)
    pds = np.array([model.predict_pd(rows.assign(leverage=v)) for v in np.linspace(0, 1, 25)])
    assert (np.diff(pds, axis=0) >= -1e-12).all()
    assert set(model.monotonicity_) == {"leverage"}


def test_a_direction_on_a_categorical_column_is_refused():
    X, y = make(2000, seed=5)
    with pytest.raises(ValueError, match="monotone directions need numeric columns; categorical: city"):
        CreditModel(monotone={"city": 1}).fit(X, y)


def test_a_date_column_is_refused_with_advice():
    X, y = make(2000, seed=6)
    with pytest.raises(ValueError, match=r"not usable: 'founded' \(datetime64.*convert dates to numbers"):
        CreditModel().fit(X.assign(founded=pd.Timestamp("2020-01-01")), y)


def test_the_encoder_turns_columns_into_numbers_and_codes():
    frame = pd.DataFrame({"a": [1.5, None, 3.0], "b": pd.array([True, False, None], dtype="boolean"),
                          "c": ["x", None, "y"], "d": np.array([1, 2, 3], dtype="int8"),
                          "e": pd.Series([1, "2", 3.5], dtype=object)})
    enc = TableEncoder().fit(frame)
    assert enc.categorical_ == [False, False, True, False, True]
    Z = enc.transform(frame)
    np.testing.assert_array_equal(Z[:, 0], [1.5, np.nan, 3.0])
    np.testing.assert_array_equal(Z[:, 1], [1.0, 0.0, np.nan])
    assert list(enc.levels_[2]) == [MISSING_LEVEL, "x", "y"]  # sorted as text
    np.testing.assert_array_equal(Z[:, 2], [1.0, 0.0, 2.0])
    Z2 = enc.transform(frame.assign(c=["z", "y", None]))
    np.testing.assert_array_equal(Z2[:, 2], [np.nan, 2.0, 0.0])
    with pytest.raises(ValueError, match="'a' holds infinity in 1 rows"):
        enc.transform(frame.assign(a=[1.0, np.inf, 2.0]))
