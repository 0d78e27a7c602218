"""Promotion gates: each one is a gate a bad model fails."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from innoscore.credit import CreditModel
from innoscore.credit.config import Gates
from innoscore.credit.metrics import evaluate, psi
from innoscore.credit.train import baseline_logistic, gate_results

GATES = Gates(min_auc=0.70, max_ece=0.01, max_score_psi=0.25, min_auc_over_baseline=0.0,
              calibration_in_the_large=True)


def make(n: int, seed: int, shift: float = 0.0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"leverage": rng.uniform(0, 1, n) + shift, "margin": rng.normal(0, 0.1, n)})
    logit = -4.2 + 3.5 * X["leverage"] ** 2 - 6.0 * X["margin"] + 1.5 * (X["leverage"] > 0.8)
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


@pytest.fixture(scope="module")
def rows():
    X, y = make(40_000, seed=1)
    Xc, yc = make(15_000, seed=2)
    Xt, yt = make(40_000, seed=3)
    base = baseline_logistic().fit(pd.concat([X, Xc]), np.concatenate([y, yc]))
    return X, y, Xc, yc, Xt, yt, base


def figures(model, rows, Xt=None, pd_test=None) -> dict[str, float]:
    """The flat figures gate_results reads, as flat_metrics names them."""
    X, y, Xc, yc, Xt0, yt, base = rows
    Xt = Xt0 if Xt is None else Xt
    p = model.predict_pd(Xt) if pd_test is None else pd_test
    out = {f"test_{k}": v for k, v in evaluate(yt, p).items()}
    out["baseline_test_auc"] = evaluate(yt, base.predict_proba(Xt)[:, 1])["auc"]
    out["score_psi"] = psi(model.score_of(model.predict_pd(Xc)), model.score_of(p))
    return out


def test_a_good_model_passes_every_gate(rows):
    X, y, Xc, yc, *_ = rows
    model = CreditModel(monotone={"leverage": 1, "margin": -1}).fit(X, y, Xc, yc)
    results = gate_results(figures(model, rows), GATES)
    assert set(results) == {"min_auc", "max_ece", "max_score_psi", "min_auc_over_baseline",
                            "calibration_in_the_large"}
    assert all(ok for ok, _ in results.values()), results


def test_a_model_that_learnt_noise_fails_auc_and_the_baseline_gate(rows):
    X, y, Xc, yc, *_ = rows
    rng = np.random.default_rng(0)
    model = CreditModel().fit(X, rng.permutation(y), Xc, rng.permutation(yc))
    results = gate_results(figures(model, rows), GATES)
    assert not results["min_auc"][0] and not results["min_auc_over_baseline"][0]
    assert "vs the logistic baseline's" in results["min_auc_over_baseline"][1]


def test_a_model_at_the_wrong_level_fails_calibration(rows):
    X, y, Xc, yc, *_ = rows
    model = CreditModel(monotone={"leverage": 1, "margin": -1}).fit(X, y, Xc, yc)
    p = model.predict_pd(rows[4])
    results = gate_results(figures(model, rows, pd_test=np.clip(2.0 * p, 0, 1)), GATES)  # PDs twice too high
    assert not results["calibration_in_the_large"][0] and not results["max_ece"][0]
    assert results["min_auc"][0]  # the ranks are untouched


def test_a_population_that_moved_fails_the_stability_gate(rows):
    X, y, Xc, yc, *_ = rows
    model = CreditModel(monotone={"leverage": 1, "margin": -1}).fit(X, y, Xc, yc)
    moved, _ = make(40_000, seed=3, shift=0.5)  # every enterprise half a unit more leveraged
    results = gate_results(figures(model, rows, Xt=moved), GATES)
    assert not results["max_score_psi"][0]


def test_a_gate_left_out_is_not_checked():
    results = gate_results({"test_auc": 0.5}, Gates(min_auc=0.6))
    assert list(results) == ["min_auc"] and not results["min_auc"][0]
