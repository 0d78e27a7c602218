"""The sign-constrained logistic regression under the credit model: a smooth scorecard.

Each numeric feature enters as ramps between quantile knots (a piecewise-linear function of the
value) with every ramp's coefficient bounded to the feature's direction, so the fitted effect is
monotone with whatever shape the data show; a categorical feature enters as one indicator per
level. The penalised log-likelihood is maximised by L-BFGS-B with bounds.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from threadpoolctl import threadpool_limits

__all__ = ["RampLogisticRegression", "FromLogOdds", "knots"]

TAIL = 0.005  # with more than one segment, the function is flat beyond this quantile at either end
_DESIGN = ("is_categorical_", "knots_", "fill_", "column_feature_", "starts_", "flags_", "flag_mean_", "flag_scale_",
           "mean_", "scale_", "penalty_")
# L-BFGS-B stopping rules on the objective per row and unit of variance: converged far below the
# sampling noise of the coefficients (tighter rules gave the same held-out figures, 3-5 times slower)
MAX_ITER, FTOL, GTOL = 2000, 1e-8, 1e-4


class FromLogOdds(ClassifierMixin, BaseEstimator):
    """Probabilities and labels of a binary classifier from its ``decision_function`` (log-odds)."""

    def predict_proba(self, X) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.decision_function(X) >= 0).astype(np.int64)


def knots(v: np.ndarray, k: int, fence: float) -> np.ndarray:
    """Knots of the ramps over the non-missing values ``v`` of one feature.

    One segment (a straight line): from the data's minimum to its maximum, cut to far-out fences
    (``fence`` x the 1%-99% range beyond those quantiles), so ordinary data are left as they are.
    Several segments (a shape): k segments between the 0.5% and 99.5% quantiles, flat beyond
    them, as a scorecard's outer bins are: the tails are too thin to learn a shape from.
    """
    if k > 1:
        return np.unique(np.quantile(v, np.linspace(TAIL, 1 - TAIL, k + 1)))
    lo_q, hi_q = np.quantile(v, [0.01, 0.99])
    vmin, vmax = float(v.min()), float(v.max())
    if hi_q > lo_q:
        span = fence * (hi_q - lo_q)
        vmin, vmax = max(vmin, lo_q - span), min(vmax, hi_q + span)
    return np.unique([vmin, vmax])


class RampLogisticRegression(FromLogOdds):
    """Monotone piecewise-linear logistic regression over numeric and categorical features.

    Parameters
    ----------
    monotone : sequence of {-1, 0, +1}, optional
        Direction of each column: the log-odds may only rise (+1) or only fall (-1) with it.
    categorical : sequence of bool, optional
        Columns that hold category codes 0, 1, ... (NaN: a level not learnt); each level seen in
        training becomes an indicator. Categorical columns take no direction.
    C : float
        Inverse strength of the L2 penalty on the standardised coefficients (scikit-learn's convention).
    fence : float
        With one segment, values beyond ``fence`` x the 1%-99% range outside it count as the fence.
    segments : int
        Ramps per numeric feature (1 = a straight line).

    A missing numeric value takes the feature's median and a missing flag (free sign).
    """

    def __init__(self, monotone=None, categorical=None, C: float = 1.0, fence: float = 1.5, segments: int = 1):
        self.monotone = monotone
        self.categorical = categorical
        self.C = C
        self.fence = fence
        self.segments = segments

    # ------------------------------------------------------------------ design
    def _blocks(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ramps and indicators (n x columns) and the missing mask of the numeric features."""
        miss = np.isnan(X)
        out = np.empty((X.shape[0], len(self.column_feature_)))
        c = 0
        for j, cuts in enumerate(self.knots_):
            if self.is_categorical_[j]:
                for level in cuts:
                    np.equal(X[:, j], level, out=out[:, c])
                    c += 1
                continue
            x = np.where(miss[:, j], self.fill_[j], X[:, j])
            for a, b in zip(cuts[:-1], cuts[1:]):
                np.clip(x, a, b, out=out[:, c])
                out[:, c] -= a
                c += 1
        return out, miss

    def design(self, X) -> np.ndarray:
        """The standardised design matrix: ramps and indicators, then missing flags."""
        R, miss = self._blocks(np.asarray(X, dtype="float64"))
        R -= self.mean_
        R /= self.scale_
        if len(self.flags_):
            R = np.hstack([R, (miss[:, self.flags_] - self.flag_mean_) / self.flag_scale_])
        return R

    def learn_design(self, X) -> RampLogisticRegression:
        """Learn the design (knots, medians, missing flags, standardisation) from X alone, no
        label: a regression to ``start`` fits on parts of these rows from."""
        X = np.asarray(X, dtype="float64")
        k = max(1, int(self.segments))
        n, p = X.shape
        cat = np.zeros(p, bool) if self.categorical is None else np.asarray(self.categorical, bool)
        self.is_categorical_ = cat
        cuts, fill = [], np.zeros(p)
        for j in range(p):
            v = X[:, j][~np.isnan(X[:, j])]
            if cat[j]:
                levels = np.unique(v)  # one indicator per level seen; none seen: a column of zeros
                cuts.append(levels if len(levels) else np.array([np.nan]))
                continue
            if len(v) == 0:
                cuts.append(np.zeros(2))
                continue
            q = knots(v, k, self.fence)
            cuts.append(q if len(q) > 1 else np.repeat(q, 2))
            fill[j] = np.median(np.clip(v, q[0], q[-1]))
        self.knots_, self.fill_ = cuts, fill
        widths = [len(q) if cat[j] else len(q) - 1 for j, q in enumerate(cuts)]
        self.column_feature_ = np.repeat(np.arange(p), widths)
        self.starts_ = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.int64)
        miss = np.isnan(X) & ~cat
        self.flags_ = np.flatnonzero(miss.any(axis=0) & ~miss.all(axis=0))
        self.flag_mean_ = miss[:, self.flags_].mean(axis=0)
        self.flag_scale_ = miss[:, self.flags_].std(axis=0)  # > 0: flags_ are neither never nor always set
        R, _ = self._blocks(X)
        self.mean_ = R.mean(axis=0)
        scale = R.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        # every column is standardised (the solver converges in far fewer steps), but a level's
        # indicator keeps the penalty on its raw coefficient: a rare level is shrunk to the average
        # more than a common one, as in a ridge on one-hot columns
        indicator = cat[self.column_feature_]
        self.penalty_ = np.where(indicator, 1.0 / self.scale_ ** 2, 1.0)
        return self

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y, start: RampLogisticRegression | None = None):
        """Fit on (X, y). ``start``, a regression of the same columns whose design was learnt
        (:meth:`learn_design`, e.g. on all rows when these are a fold of them), lends that design;
        if it was fitted too, its coefficients start the solver: fewer steps than a whole solve."""
        X = np.asarray(X, dtype="float64")
        y = np.asarray(y, dtype="float64")
        n, p = X.shape
        if start is None:
            self.learn_design(X)
        else:
            for name in _DESIGN:
                setattr(self, name, getattr(start, name))
        D = self.design(X)
        mono = np.zeros(p, int) if self.monotone is None else np.asarray(self.monotone, int)
        signs = np.where(self.is_categorical_, 0, mono)[self.column_feature_]
        bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in signs]
        bounds += [(None, None)] * (len(self.flags_) + 1)  # missing flags, intercept
        C = float(self.C)
        pen = np.concatenate([self.penalty_, np.ones(len(self.flags_))])
        rate = min(max(y.mean(), 1e-6), 1 - 1e-6)
        # per row and per unit of Bernoulli variance: the gradient has the same scale whatever the
        # default rate, so one tolerance means the same precision for 2% and for 30% bad
        unit = n * rate * (1 - rate)

        def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
            eta = D @ w[:-1] + w[-1]
            loss = np.logaddexp(0.0, eta).sum() - y @ eta
            r = expit(eta) - y
            pw = pen * w[:-1]
            grad = np.concatenate([C * (D.T @ r) + pw, [C * r.sum()]])
            return (C * loss + 0.5 * w[:-1] @ pw) / unit, grad / unit

        if start is not None and hasattr(start, "coef_"):
            w0 = np.append(start.coef_, start.intercept_)
        else:
            w0 = np.concatenate([np.zeros(D.shape[1]), [math.log(rate / (1 - rate))]])
        # one BLAS thread: the products are memory-bound, and OpenBLAS threads spinning beside
        # LightGBM's OpenMP threads made the solver ten times slower on two cores
        with threadpool_limits(1, user_api="blas"):
            res = minimize(objective, w0, jac=True, method="L-BFGS-B", bounds=bounds,
                           options={"maxiter": MAX_ITER, "ftol": FTOL, "gtol": GTOL})
        self.coef_, self.intercept_ = res.x[:-1], float(res.x[-1])
        self.n_iter_ = int(res.nit)
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X) -> np.ndarray:
        return self.design(X) @ self.coef_ + self.intercept_

    def contributions(self, X) -> np.ndarray:
        """Per-feature contributions to the log-odds (n x features): the feature's ramps or
        indicators and its missing flag, each centred on the training mean; they sum to the
        log-odds minus the intercept."""
        Z = self.design(X)
        m = len(self.column_feature_)
        parts = Z[:, :m] * self.coef_[:m]
        out = np.add.reduceat(parts, self.starts_, axis=1)  # every feature has at least one column
        if len(self.flags_):
            out[:, self.flags_] += Z[:, m:] * self.coef_[m:]
        return out
