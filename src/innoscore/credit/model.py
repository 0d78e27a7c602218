"""``CreditModel``: a calibrated, monotone probability-of-default model for any numeric table.

Underneath: a monotone piecewise-linear logistic regression (a smooth scorecard: each feature
enters as ramps between quantile knots, each ramp's coefficient bounded to the feature's
direction) fitted on every row, and LightGBM trees with ``monotone_constraints`` boosted from
its log-odds on the training rows, for what the regression misses.  On top: a probability
calibration fitted on the calibration slice (scikit-learn's ``CalibratedClassifierCV`` over a
``FrozenEstimator``), optionally moved to the long-run default rate; points scaling, PD grades
and reason codes.  Small samples choose between the regularised boosted model and the
regression alone by cross-validation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import StratifiedKFold

__all__ = ["CreditModel", "MonotonicityError", "DEFAULT_PARAMS", "DEFAULT_SCALING", "DEFAULT_GRADES"]

DEFAULT_PARAMS = {"n_estimators": 60, "learning_rate": 0.02, "num_leaves": 15, "min_child_samples": 200,
                  "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.8, "reg_lambda": 5.0}
DEFAULT_SCALING = {"base_score": 600.0, "base_odds": 50.0, "pdo": 20.0}
DEFAULT_GRADES = [{"grade": "A", "max_pd": 0.005}, {"grade": "B", "max_pd": 0.01}, {"grade": "C", "max_pd": 0.02},
                  {"grade": "D", "max_pd": 0.04}, {"grade": "E", "max_pd": 0.08}, {"grade": "F", "max_pd": 0.15},
                  {"grade": "G", "max_pd": 1.0}]
LARGE_SAMPLE_DEFAULTS = 2000  # at least this many defaults: the configured LightGBM, no model selection
PD_FLOOR = 1e-6
MAX_SEGMENTS = 10  # ramps per feature of the regression, one more per DEFAULTS_PER_SEGMENT defaults
DEFAULTS_PER_SEGMENT = 200
TAIL = 0.005  # with more than one segment, the function is flat beyond this quantile at either end
SMALL_SAMPLE_MARGIN = 0.98  # LightGBM's cross-validated Brier score must be 2% below the regression's


class MonotonicityError(RuntimeError):
    """The trained model's PD moves the wrong way along a constrained feature."""


def _lgbm(params: dict, monotone: list[int], random_state: int):
    from lightgbm import LGBMClassifier

    # "intermediate" and "advanced" were seen to break their constraints here (LightGBM 4.7.0, caught by the
    # verification after training); "basic" held in every run
    # deterministic: the same data, parameters and seed give the same trees, bit for bit
    return LGBMClassifier(**{"deterministic": True, "force_row_wise": True, **params}, monotone_constraints=monotone,
                          monotone_constraints_method="basic", random_state=random_state, n_jobs=-1, verbose=-1)


def _segments(n_bad: int) -> int:
    """Ramps per feature by sample size: a straight line for a few hundred defaults, shapes for more."""
    return int(min(MAX_SEGMENTS, max(1, n_bad // DEFAULTS_PER_SEGMENT)))


def _small_params(base: dict, n: int, n_bad: int) -> dict:
    """LightGBM parameters for a small sample: shallower, slower and more regularised."""
    if n_bad >= LARGE_SAMPLE_DEFAULTS:
        return dict(base)
    leaves = 7 if n_bad >= 300 else 4
    return dict(base, num_leaves=leaves, min_child_samples=max(20, n // 40),
                n_estimators=min(int(base.get("n_estimators", 60)), 300),
                learning_rate=min(float(base.get("learning_rate", 0.02)), 0.03),
                reg_lambda=max(float(base.get("reg_lambda", 0.0)), 10.0))


def _shifted(p: np.ndarray, shift: float) -> np.ndarray:
    """PDs moved by ``shift`` in log-odds (0 and 1 stay put)."""
    from scipy.special import expit, logit

    with np.errstate(divide="ignore"):
        return expit(logit(np.asarray(p, dtype="float64")) + shift)


def _level_shift(p: np.ndarray, target: float) -> float:
    """The log-odds shift that makes the mean of ``p`` equal ``target`` (bisection; the mean is
    increasing in the shift)."""
    from scipy.optimize import brentq

    inner = (p > 0) & (p < 1)
    if not inner.any() or not 0 < target < 1:
        return 0.0
    f = lambda d: float(_shifted(p, d).mean()) - target  # noqa: E731
    lo, hi = -20.0, 20.0
    if f(lo) > 0 or f(hi) < 0:
        return 0.0
    return float(brentq(f, lo, hi, xtol=1e-10))


def _knots(v: np.ndarray, k: int, fence: float) -> np.ndarray:
    """Knots of the ramps over the non-missing values v.

    One segment (a straight line): from the data's minimum to its maximum, cut to far-out
    fences (``fence`` x the 1%-99% range beyond those quantiles), so ordinary data are left as
    they are. Several segments (a shape): k segments between the 0.5% and 99.5% quantiles, flat
    beyond them, as a scorecard's outer bins are: the tails are too thin to learn a shape from.
    """
    if k > 1:
        return np.unique(np.quantile(v, np.linspace(TAIL, 1 - TAIL, k + 1)))
    lo_q, hi_q = np.quantile(v, [0.01, 0.99])
    vmin, vmax = float(v.min()), float(v.max())
    if hi_q > lo_q:
        span = fence * (hi_q - lo_q)
        vmin, vmax = max(vmin, lo_q - span), min(vmax, hi_q + span)
    return np.unique([vmin, vmax])


class _FromLogOdds(ClassifierMixin, BaseEstimator):
    """Probabilities and labels of a binary classifier from its ``decision_function`` (log-odds)."""

    def predict_proba(self, X) -> np.ndarray:
        from scipy.special import expit

        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.decision_function(X) >= 0).astype(np.int64)


class _SignedLogit(_FromLogOdds):
    """Monotone piecewise-linear logistic regression: a smooth scorecard.

    Each feature is cut at ``segments`` quantile knots between its 0.5% and 99.5% quantiles and
    enters as one ramp per segment, the part of the value inside that segment (flat beyond the
    outer knots). With ``segments=1`` it is a straight line: a linear logistic regression whose
    values beyond far-out fences (``fence`` times the 1%-99% range outside it) count as the
    fence, so a few huge amounts cannot lever the fit while ordinary data are left as they are.
    A missing value takes the feature's median and a missing flag.

    Columns are standardised and the L2-penalised log-likelihood (scikit-learn's convention,
    strength ``C``) is maximised by L-BFGS-B, with every ramp of a constrained feature bounded
    to its sign (>= 0 for +1, <= 0 for -1): the fitted function of each feature is then
    monotone in the required direction, with whatever shape the data show. Missing flags and
    unconstrained features are free.
    """

    def __init__(self, monotone: list[int] | None = None, C: float = 1.0, fence: float = 1.5, segments: int = 1):
        self.monotone = monotone
        self.C = C
        self.fence = fence
        self.segments = segments

    def _ramps(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        miss = np.isnan(X)
        out = np.empty((X.shape[0], len(self.column_feature_)))
        c = 0
        for j, knots in enumerate(self.knots_):
            x = np.where(miss[:, j], self.fill_[j], X[:, j])
            for a, b in zip(knots[:-1], knots[1:]):
                np.clip(x, a, b, out=out[:, c])
                out[:, c] -= a
                c += 1
        return out, miss

    def _design(self, X) -> np.ndarray:
        R, miss = self._ramps(np.asarray(X, dtype="float64"))
        R -= self.mean_
        R /= self.scale_
        if len(self.flags_):
            R = np.hstack([R, (miss[:, self.flags_] - self.flag_mean_) / self.flag_scale_])
        return R

    def fit(self, X, y):
        from scipy.optimize import minimize
        from scipy.special import expit

        X = np.asarray(X, dtype="float64")
        y = np.asarray(y, dtype="float64")
        n, p = X.shape
        k = max(1, int(self.segments))
        knots, fill = [], np.zeros(p)
        for j in range(p):
            v = X[:, j][~np.isnan(X[:, j])]
            if len(v) == 0:
                knots.append(np.zeros(2))
                continue
            q = _knots(v, k, self.fence)
            knots.append(q if len(q) > 1 else np.repeat(q, 2))
            fill[j] = np.median(np.clip(v, q[0], q[-1]))
        self.knots_, self.fill_ = knots, fill
        self.column_feature_ = np.repeat(np.arange(p), [len(q) - 1 for q in knots])
        self.starts_ = np.concatenate([[0], np.cumsum([len(q) - 1 for q in knots])[:-1]]).astype(np.int64)
        miss = np.isnan(X)
        self.flags_ = np.flatnonzero(miss.any(axis=0) & ~miss.all(axis=0))
        self.flag_mean_ = miss[:, self.flags_].mean(axis=0)
        self.flag_scale_ = miss[:, self.flags_].std(axis=0)  # > 0: flags_ are neither never nor always set
        R, _ = self._ramps(X)
        self.mean_ = R.mean(axis=0)
        scale = R.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        del R
        D = self._design(X)
        signs = np.asarray(list(self.monotone) if self.monotone is not None else [0] * p)[self.column_feature_]
        bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in signs]
        bounds += [(None, None)] * (len(self.flags_) + 1)  # missing flags, intercept
        C = float(self.C)

        def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
            eta = D @ w[:-1] + w[-1]
            loss = np.logaddexp(0.0, eta).sum() - y @ eta
            r = expit(eta) - y
            grad = np.concatenate([C * (D.T @ r) + w[:-1], [C * r.sum()]])
            return (C * loss + 0.5 * w[:-1] @ w[:-1]) / n, grad / n

        rate = min(max(y.mean(), 1e-6), 1 - 1e-6)
        w0 = np.concatenate([np.zeros(D.shape[1]), [math.log(rate / (1 - rate))]])
        res = minimize(objective, w0, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-7})
        self.coef_, self.intercept_ = res.x[:-1], float(res.x[-1])
        self.n_iter_ = int(res.nit)
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X) -> np.ndarray:
        return self._design(X) @ self.coef_ + self.intercept_


    def contributions(self, X) -> np.ndarray:
        """Per-feature contributions to the log-odds (n x features): the feature's ramps and its
        missing flag, each centred on the training mean; they sum to the log-odds minus the intercept."""
        Z = self._design(X)
        m = len(self.column_feature_)
        parts = Z[:, :m] * self.coef_[:m]
        out = np.add.reduceat(parts, self.starts_, axis=1) if m else np.zeros((Z.shape[0], len(self.knots_)))
        if len(self.flags_):
            out[:, self.flags_] += Z[:, m:] * self.coef_[m:]
        return out


class _Boosted(_FromLogOdds):
    """The monotone regression, with monotone LightGBM trees boosted from its
    log-odds: the regression carries the smooth, additive part of the risk (and learns from every
    row it is given), the trees what it misses (thresholds, interactions)."""

    def __init__(self, params: dict | None = None, monotone: list[int] | None = None, random_state: int = 0,
                 segments: int = 1):
        self.params = params
        self.monotone = monotone
        self.random_state = random_state
        self.segments = segments

    def fit(self, X: pd.DataFrame, y, X_base: pd.DataFrame | None = None, y_base=None):
        """Trees on (X, y); the regression on (X_base, y_base), by default the same rows."""
        if X_base is None:
            X_base, y_base = X, y
        self.base_ = _SignedLogit(self.monotone, segments=self.segments).fit(X_base.to_numpy(), y_base)
        self.trees_ = _lgbm(self.params or {}, self.monotone, self.random_state).fit(
            X, y, init_score=self.base_.decision_function(X.to_numpy()))
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return self.base_.decision_function(X.to_numpy()) + self.trees_.predict(X, raw_score=True)



class CreditModel(ClassifierMixin, BaseEstimator):
    """Calibrated probability of default with monotone directions, score, grade and reasons.

    Parameters
    ----------
    monotone : dict, optional
        ``{column: +1 | -1}``: the PD may only rise (+1) or only fall (-1) as the column rises
        (LightGBM's convention). Unlisted columns are unconstrained.
    params : dict, optional
        LightGBM parameters for large samples (default :data:`DEFAULT_PARAMS`).
    calibration : {"sigmoid", "isotonic", "auto"}
        Calibration fitted on the calibration slice. "sigmoid" (default): Platt scaling of the
        log-odds, two parameters, stable on few defaults; "isotonic": a step function, for large
        slices; "auto": isotonic when the slice has at least ``isotonic_min_defaults`` defaults.
    segments : int, optional
        Ramps per feature in the regression under the trees (its shape per feature); default by
        sample size, one per 200 defaults up to 10 (1 = a straight line).
    anchor : {"long_run", "calibration"}
        The level of the PD. "calibration": as calibrated on the calibration slice.
        "long_run" (default): the calibrated PD is shifted by one constant in log-odds so that its
        mean over every row given to ``fit`` (training and calibration) equals their observed
        default rate: the long-run average default rate, not the rate of the latest months only
        (the Basel rule for PD estimates). Ranks, and so AUC, are the same either way.
    cal_fraction : float
        Without ``X_cal``, the last part of the rows (order kept) calibrates.
    scaling : dict, optional
        ``base_score``, ``base_odds`` (good:bad) and ``pdo``: score = offset + pdo/ln 2 · ln(odds).
    grades : list of dict, optional
        ``[{grade, max_pd}, ...]`` ascending; a PD above every bound takes the last grade.
    texts : dict, optional
        ``{column: (zh, en)}`` readable names for the reasons (default: the column name).
    monotone_check : dict, optional
        ``rows`` and ``grid`` of the monotonicity verification after training.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"leverage": rng.uniform(0, 1, 4000), "margin": rng.normal(0, 0.1, 4000)})
    >>> y = (rng.uniform(size=4000) < 0.02 + 0.2 * X["leverage"] ** 3).astype(int)
    >>> model = CreditModel(monotone={"leverage": 1, "margin": -1}, params={"n_estimators": 50}).fit(X, y)
    >>> pd_ = model.predict_pd(X)
    >>> bool(((pd_ >= 0) & (pd_ <= 1)).all()), model.monotonicity_verified_
    (True, True)
    """

    def __init__(self, monotone: dict[str, int] | None = None, params: dict | None = None,
                 calibration: str = "sigmoid", cal_fraction: float = 0.2, isotonic_min_defaults: int = 300,
                 scaling: dict | None = None, grades: list[dict] | None = None,
                 texts: dict[str, tuple[str, str]] | None = None, monotone_check: dict | None = None,
                 random_state: int = 0, anchor: str = "long_run", segments: int | None = None):
        self.monotone = monotone
        self.params = params
        self.calibration = calibration
        self.cal_fraction = cal_fraction
        self.isotonic_min_defaults = isotonic_min_defaults
        self.scaling = scaling
        self.grades = grades
        self.texts = texts
        self.monotone_check = monotone_check
        self.random_state = random_state
        self.anchor = anchor
        self.segments = segments

    # ------------------------------------------------------------------ fitting
    def _check_X(self, X, fit: bool = False) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"X must be a pandas DataFrame of numeric columns; got {type(X).__name__}")
        bad = [c for c in X.columns if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
        if bad:
            raise ValueError(f"X columns must be numeric; not numeric: {', '.join(map(str, bad[:10]))}")
        if not fit:
            missing = [c for c in self.feature_names_in_ if c not in X.columns]
            if missing:
                raise ValueError(f"X lacks the model's columns: {', '.join(missing[:10])}")
            X = X[self.feature_names_in_]
        return X.astype("float64")

    @staticmethod
    def _check_y(y, n: int) -> np.ndarray:
        y = np.asarray(y)
        if len(y) != n:
            raise ValueError(f"y has {len(y)} values for {n} rows")
        values = set(np.unique(y[~pd.isna(y)]).tolist()) if len(y) else set()
        if pd.isna(y).any() or not values <= {0, 1}:
            raise ValueError(f"y must hold 0 (good) and 1 (default) only; got {sorted(map(str, values))[:5]}")
        return y.astype(np.int64)

    def fit(self, X: pd.DataFrame, y, X_cal: pd.DataFrame | None = None, y_cal=None) -> CreditModel:
        """Fit on (X, y) and calibrate on (X_cal, y_cal), or on the last ``cal_fraction`` of the rows."""
        X = self._check_X(X, fit=True)
        y = self._check_y(y, len(X))
        if self.calibration not in ("isotonic", "sigmoid", "auto"):
            raise ValueError(f"calibration must be 'isotonic', 'sigmoid' or 'auto'; got {self.calibration!r}")
        if self.anchor not in ("long_run", "calibration"):
            raise ValueError(f"anchor must be 'long_run' or 'calibration'; got {self.anchor!r}")
        if X_cal is None:
            if not 0 < self.cal_fraction < 1:
                raise ValueError(f"cal_fraction must be in (0, 1); got {self.cal_fraction}")
            cut = int(round(len(X) * (1 - self.cal_fraction)))
            X, X_cal, y, y_cal = X.iloc[:cut], X.iloc[cut:], y[:cut], y[cut:]
        else:
            X_cal = self._check_X(X_cal, fit=True)[list(X.columns)]
            y_cal = self._check_y(y_cal, len(X_cal))
        for name, yy in (("training", y), ("calibration", y_cal)):
            if len(np.unique(yy)) < 2:
                raise ValueError(f"the {name} rows need both defaults and non-defaults; got only {np.unique(yy)}")
        self.feature_names_in_ = list(X.columns)
        self.n_features_in_ = len(self.feature_names_in_)
        mono = dict(self.monotone or {})
        unknown = sorted(set(mono) - set(self.feature_names_in_))
        if unknown:
            raise ValueError(f"monotone names columns not in X: {', '.join(unknown)}")
        bad = {k: v for k, v in mono.items() if v not in (-1, 0, 1)}
        if bad:
            raise ValueError(f"monotone directions must be +1, -1 or 0; got {bad}")
        self.monotone_ = [int(mono.get(c, 0)) for c in self.feature_names_in_]
        params = dict(DEFAULT_PARAMS, **(self.params or {}))
        n_bad = int(y.sum())
        if self.segments is not None and int(self.segments) < 1:
            raise ValueError(f"segments must be >= 1; got {self.segments}")
        X_all, y_all = pd.concat([X, X_cal]), np.concatenate([y, y_cal])  # every row given to fit
        self.segments_ = int(self.segments) if self.segments is not None else _segments(int(y_all.sum()))
        self.family_, self.params_ = self._choose(X, y, params, n_bad)
        if self.family_ == "lightgbm":
            # the regression learns from every row (it is calibrated by its own loss and has a
            # penalised, sign-bounded coefficient per ramp); the trees learn from the training rows
            # only, so the calibration slice stays unseen by the part that can overfit it
            base = _Boosted(self.params_, self.monotone_, self.random_state, self.segments_).fit(X, y, X_all, y_all)
            method = self.calibration
            if method == "auto":
                method = "isotonic" if int(y_cal.sum()) >= self.isotonic_min_defaults else "sigmoid"
            self.calibration_method_ = method
            self.calibrator_ = CalibratedClassifierCV(FrozenEstimator(base), method=method).fit(X_cal, y_cal)
        else:
            # logistic regression is calibrated by its own loss: it learns from every row
            base = _SignedLogit(self.monotone_, segments=self.segments_).fit(X_all.to_numpy(), y_all)
            self.calibration_method_ = "none (logistic regression)"
            self.calibrator_ = None
        self.estimator_ = base
        self.classes_ = np.array([0, 1])
        self.shift_ = 0.0
        if self.anchor == "long_run" and self.calibrator_ is not None:
            self.shift_ = _level_shift(self.predict_pd(X_all), float(y_all.mean()))
        self._verify_monotone(X_all)
        return self

    def _choose(self, X: pd.DataFrame, y: np.ndarray, params: dict, n_bad: int) -> tuple[str, dict]:
        """LightGBM for large samples; for small ones the better of a regularised LightGBM and a
        sign-constrained logistic regression by 5-fold cross-validated Brier score."""
        small = _small_params(params, len(X), n_bad)
        if n_bad >= LARGE_SAMPLE_DEFAULTS:
            return "lightgbm", small
        folds = StratifiedKFold(n_splits=min(5, max(2, n_bad)), shuffle=True, random_state=self.random_state)
        losses = {"lightgbm": [], "logistic": []}
        Xn = X.to_numpy()
        for train, test in folds.split(Xn, y):
            k = self.segments if self.segments is not None else _segments(int(y[train].sum()))
            gbm = _Boosted(small, self.monotone_, self.random_state, k).fit(X.iloc[train], y[train])
            lr = _SignedLogit(self.monotone_, segments=k).fit(Xn[train], y[train])
            losses["lightgbm"].append(brier_score_loss(y[test], gbm.predict_proba(X.iloc[test])[:, 1]))
            losses["logistic"].append(brier_score_loss(y[test], lr.predict_proba(Xn[test])[:, 1]))
        self.selection_ = {k: float(np.mean(v)) for k, v in losses.items()}
        # LightGBM must earn its place: it learns from fewer rows (the calibration slice is held
        # out) and its calibration is fitted on few defaults, so a tie goes to the regression
        family = "lightgbm" if self.selection_["lightgbm"] < SMALL_SAMPLE_MARGIN * self.selection_["logistic"] \
            else "logistic"
        return family, small

    def _verify_monotone(self, X: pd.DataFrame) -> None:
        """Move each constrained feature over a grid on sampled rows; the PD must never move the wrong way."""
        check = {"rows": 1000, "grid": 20, **(self.monotone_check or {})}
        rng = np.random.default_rng(self.random_state)
        rows = X.iloc[rng.choice(len(X), size=min(len(X), int(check["rows"])), replace=False)]
        self.monotonicity_ = {}
        for col, sign in zip(self.feature_names_in_, self.monotone_):
            if sign == 0:
                continue
            values = X[col].dropna().to_numpy()
            if len(values) == 0:
                self.monotonicity_[col] = True
                continue
            grid = np.unique(np.quantile(values, np.linspace(0, 1, int(check["grid"]))))
            if len(grid) < 2:
                self.monotonicity_[col] = True
                continue
            stacked = pd.concat([rows] * len(grid), ignore_index=True)
            stacked[col] = np.repeat(grid, len(rows))
            pd_grid = self.predict_pd(stacked).reshape(len(grid), len(rows))
            steps = np.diff(pd_grid, axis=0) * sign
            worst = float(steps.min())
            self.monotonicity_[col] = worst >= -1e-12
            if not self.monotonicity_[col]:
                raise MonotonicityError(
                    f"the calibrated PD moves the wrong way along {col} (direction {sign:+d}): by {worst:.3g} "
                    f"between grid values; training refused")
        self.monotonicity_verified_ = all(self.monotonicity_.values())

    # ------------------------------------------------------------------ prediction
    def _raw(self, X: pd.DataFrame) -> np.ndarray:
        return self.estimator_.predict_proba(X if self.family_ == "lightgbm" else X.to_numpy())[:, 1]

    @property
    def booster_(self):
        """The LightGBM booster of the trees (None for the logistic regression)."""
        return self.estimator_.trees_.booster_ if self.family_ == "lightgbm" else None

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities (n x 2): column 1 is the PD."""
        X = self._check_X(X)
        if self.calibrator_ is not None:
            p = self.calibrator_.predict_proba(X)[:, 1]
        else:
            p = self._raw(X)
        if getattr(self, "shift_", 0.0):
            p = _shifted(p, self.shift_)
        p = np.clip(p, 0.0, 1.0)
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the PD is at least 0.5 (for scikit-learn compatibility; use predict_pd)."""
        return (self.predict_pd(X) >= 0.5).astype(np.int64)

    def predict_pd(self, X: pd.DataFrame) -> np.ndarray:
        """The calibrated probability of default of each row."""
        return self.predict_proba(X)[:, 1]

    def score(self, X: pd.DataFrame, y=None) -> np.ndarray:  # noqa: D401 - a credit score, not accuracy
        """Credit score points: offset + factor · ln(good:bad odds), higher is safer."""
        return self.points(self.predict_pd(X))

    def points(self, pd_: np.ndarray) -> np.ndarray:
        s = dict(DEFAULT_SCALING, **(self.scaling or {}))
        factor = float(s["pdo"]) / math.log(2)
        offset = float(s["base_score"]) - factor * math.log(float(s["base_odds"]))
        p = np.clip(np.asarray(pd_, dtype="float64"), PD_FLOOR, 1 - PD_FLOOR)
        return offset + factor * np.log((1 - p) / p)

    def grade(self, X: pd.DataFrame) -> np.ndarray:
        """PD grade of each row by the configured bands."""
        return self.grade_of(self.predict_pd(X))

    def grade_of(self, pd_: np.ndarray) -> np.ndarray:
        bands = self.grades or DEFAULT_GRADES
        bounds = np.array([float(b["max_pd"]) for b in bands])
        names = np.array([str(b["grade"]) for b in bands], dtype=object)
        idx = np.minimum(np.searchsorted(bounds, np.asarray(pd_), side="left"), len(bands) - 1)
        return names[idx]

    # ------------------------------------------------------------------ reasons
    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per-feature contributions to the model's raw score (log-odds), one column per feature.

        The regression's part is coefficient × winsorised, standardised value (its missing flag
        folded in); the trees' part are path contributions read off LightGBM's ``pred_leaf``
        (each split on the path to a row's leaf credits its feature with the change of the node
        value), exact and additive. Both are in log-odds and add up per feature.
        """
        X = self._check_X(X)
        if self.family_ == "logistic":
            return pd.DataFrame(self.estimator_.contributions(X.to_numpy()), index=X.index,
                                columns=self.feature_names_in_)
        by_feature = self._feature_tables()
        leaves = self.booster_.predict(X, pred_leaf=True).astype(np.int32, copy=False)
        out = self.estimator_.base_.contributions(X.to_numpy())
        step = 50_000  # rows at a time: the gathered block stays small
        for lo in range(0, len(X), step):
            block = leaves[lo:lo + step]
            for f, (trees, offsets, flat) in by_feature.items():
                # every tree that splits on f at once: one gather, one row sum (trees in a fixed order)
                out[lo:lo + step, f] += flat[block[:, trees] + offsets].sum(axis=1)
        return pd.DataFrame(out, index=X.index, columns=self.feature_names_in_)

    def _feature_tables(self) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per feature: the trees that split on it, each tree's offset into one flat array of
        per-leaf contributions, and that array."""
        cached = getattr(self, "_feature_tables_", None)
        if cached is not None:
            return cached
        parts: dict[int, list[tuple[int, np.ndarray]]] = {}
        for t, per_feature in enumerate(self._path_tables()):
            for f, values in per_feature.items():
                parts.setdefault(f, []).append((t, values))
        tables = {}
        for f, items in sorted(parts.items()):
            trees = np.array([t for t, _ in items], dtype=np.int64)
            sizes = np.array([len(v) for _, v in items], dtype=np.int32)
            offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int32)  # int32: half the index traffic
            tables[f] = (trees, offsets, np.concatenate([v for _, v in items]))
        self._feature_tables_ = tables
        return tables

    def _path_tables(self) -> list[dict[int, np.ndarray]]:
        cached = getattr(self, "_path_tables_", None)
        if cached is not None:
            return cached
        tables = []
        for tree in self.booster_.dump_model()["tree_info"]:
            per_feature: dict[int, dict[int, float]] = {}
            n_leaves = tree["num_leaves"]

            def walk(node: dict, credits: dict[int, float], value: float) -> None:
                if "leaf_index" in node:
                    for f, c in credits.items():
                        per_feature.setdefault(f, {})[node["leaf_index"]] = c
                    return
                f = node["split_feature"]
                for side in ("left_child", "right_child"):
                    child = node[side]
                    child_value = child.get("leaf_value", child.get("internal_value", 0.0))
                    new = dict(credits)
                    new[f] = new.get(f, 0.0) + child_value - value
                    walk(child, new, child_value)

            root = tree["tree_structure"]
            walk(root, {}, root.get("internal_value", root.get("leaf_value", 0.0)))
            dense = {}
            for f, by_leaf in per_feature.items():
                arr = np.zeros(n_leaves)
                for leaf, c in by_leaf.items():
                    arr[leaf] = c
                dense[f] = arr
            tables.append(dense)
        self._path_tables_ = tables
        return tables

    def reasons(self, X: pd.DataFrame, k: int = 3) -> pd.DataFrame:
        """The k features that push each row's PD up most, as ids and readable text.

        Columns ``reason_1`` ... ``reason_k`` (feature ids, empty when fewer features push the
        PD up) and ``reason_1_text`` ... (Chinese / English from ``texts``).
        """
        if k < 1:
            raise ValueError(f"k must be >= 1; got {k}")
        contrib = self.contributions(X).to_numpy()
        k = min(k, self.n_features_in_)
        order = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
        top = np.take_along_axis(contrib, order, axis=1)
        names = np.array(self.feature_names_in_, dtype=object)
        texts = self.texts or {}
        readable = np.array([" / ".join(map(str, texts.get(c, (c,)))) for c in self.feature_names_in_], dtype=object)
        out = {}
        for i in range(k):
            up = top[:, i] > 0
            out[f"reason_{i + 1}"] = np.where(up, names[order[:, i]], None)
            out[f"reason_{i + 1}_text"] = np.where(up, readable[order[:, i]], None)
        return pd.DataFrame(out, index=X.index)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_path_tables_", None)  # rebuilt on demand
        state.pop("_feature_tables_", None)
        return state
