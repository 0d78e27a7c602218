"""LightGBM trees boosted from the regression's log-odds: what an additive model misses.

The trees start from the regression's log-odds (``init_score``), keep the monotone directions
(``monotone_constraints``), and their number is chosen on held-out rows: after each round the
held-out log loss *after calibration* (a Platt fit on those rows) is recorded, and the round where
it is lowest wins (zero trees included). Calibrated, because a calibration follows: trees that
rank the held-out rows better but move their level (e.g. later months with another default rate)
are not held against the trees.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["DEFAULT_TREE_PARAMS", "tree_params", "validation_curve", "fit_trees", "tree_log_odds",
           "calibrated_log_loss"]

# LightGBM parameters of the trees (scikit-learn names are LightGBM aliases). Shallow, slow and
# regularised: they correct a model that already carries the additive part of the risk.
DEFAULT_TREE_PARAMS = {"learning_rate": 0.05, "num_leaves": 15, "min_child_samples": 50, "subsample": 0.8,
                       "subsample_freq": 1, "colsample_bytree": 0.8, "reg_lambda": 5.0}


def tree_params(params: dict | None, monotone: list[int], categorical: list[bool], seed: int) -> dict:
    """Native LightGBM parameters: the defaults, the caller's (CreditModel refuses those that
    would clash with what is set here: the number of trees, seed, objective, directions), the
    directions and determinism."""
    out = {**DEFAULT_TREE_PARAMS, **(params or {})}
    mono = [0 if c else int(m) for m, c in zip(monotone, categorical)]
    out.update(objective="binary", verbose=-1, seed=seed, deterministic=True, force_row_wise=True,
               num_threads=out.get("n_jobs", out.get("num_threads", 0)))
    out.pop("n_jobs", None)
    if any(mono):
        # "intermediate" and "advanced" were seen to break their constraints (LightGBM 4.7.0, caught by
        # the verification after training); "basic" held in every run
        out.update(monotone_constraints=mono, monotone_constraints_method="basic")
    return out


def calibrated_log_loss(log_odds: np.ndarray, y: np.ndarray, per_row: bool = False):
    """Log loss of ``expit(a * log_odds + b)`` with (a, b) fitted by maximum likelihood (Newton's
    method on two parameters): what a sigmoid calibration on these rows leaves; the mean, or
    each row's loss."""
    s = np.asarray(log_odds, dtype="float64")
    y = np.asarray(y, dtype="float64")
    w = np.array([1.0, 0.0])

    def loss(w):
        eta = w[0] * s + w[1]
        return float(np.mean(np.logaddexp(0.0, eta) - y * eta))

    current = loss(w)
    for _ in range(50):
        eta = w[0] * s + w[1]
        p = expit(eta)
        r, h = p - y, p * (1 - p)
        g = np.array([np.mean(r * s), np.mean(r)])
        H = np.array([[np.mean(h * s * s), np.mean(h * s)], [np.mean(h * s), np.mean(h)]]) + 1e-12 * np.eye(2)
        step = np.linalg.solve(H, g)
        t = 1.0
        while t > 1e-4:  # halve the step until the loss falls
            trial = loss(w - t * step)
            if trial <= current:
                break
            t /= 2
        else:
            break
        w, gain, current = w - t * step, current - trial, trial
        if gain < 1e-12:
            break
    if per_row:
        eta = w[0] * s + w[1]
        return np.logaddexp(0.0, eta) - y * eta
    return current


def _dataset(X: np.ndarray, y: np.ndarray, init: np.ndarray, categorical: list[bool], reference=None):
    import lightgbm as lgb

    cats = [j for j, c in enumerate(categorical) if c]
    return lgb.Dataset(X, label=y, init_score=init, categorical_feature=cats or "auto", reference=reference,
                       free_raw_data=True, params={"verbose": -1})


def validation_curve(params: dict, X: np.ndarray, y: np.ndarray, init: np.ndarray, X_val: np.ndarray,
                     y_val: np.ndarray, init_val: np.ndarray, categorical: list[bool], max_rounds: int,
                     patience: int):
    """Calibrated validation log loss before any tree (index 0) and after each round, until
    ``patience`` rounds pass without a new minimum or ``max_rounds`` are grown; and the booster."""
    import lightgbm as lgb

    def calibrated(preds: np.ndarray, data) -> tuple[str, float, bool]:
        p = np.clip(preds, 1e-15, 1 - 1e-15)  # LightGBM hands over expit(init + trees)
        return "calibrated_log_loss", calibrated_log_loss(np.log(p) - np.log1p(-p), y_val), False

    train = _dataset(X, y, init, categorical)
    valid = _dataset(X_val, y_val, init_val, categorical, reference=train)
    record: dict = {}
    booster = lgb.train({**params, "metric": "None"}, train, num_boost_round=max_rounds, valid_sets=[valid],
                        valid_names=["valid"], feval=calibrated, keep_training_booster=True,  # every tree grown
                        callbacks=[lgb.record_evaluation(record), lgb.early_stopping(patience, verbose=False)])
    start = calibrated_log_loss(init_val, y_val)
    return np.concatenate([[start], record["valid"]["calibrated_log_loss"]]), booster


def fit_trees(params: dict, X: np.ndarray, y: np.ndarray, init: np.ndarray, categorical: list[bool], rounds: int):
    """``rounds`` trees boosted from ``init`` (None for no tree)."""
    import lightgbm as lgb

    if rounds <= 0:
        return None
    return lgb.train(params, _dataset(X, y, init, categorical), num_boost_round=int(rounds))


def tree_log_odds(booster, X: np.ndarray) -> np.ndarray:
    """The trees' part of the log-odds (0 without trees)."""
    if booster is None:
        return np.zeros(len(X))
    return booster.predict(X, raw_score=True)
