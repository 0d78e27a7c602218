"""``CreditModel``: a calibrated probability-of-default model, with monotone directions, for any table.

What it is, from the bottom up (each part in its own module):

* the **regression** (:mod:`~innoscore.credit.regression`): a logistic regression on ramps of
  each numeric feature (a smooth scorecard) and indicators of each categorical level, every
  ramp's coefficient bounded to the feature's direction;
* the **trees** (:mod:`~innoscore.credit.boosting`): LightGBM boosted from the regression's
  log-odds, monotone in the same directions;
* a **calibration** of the log-odds to probabilities (Platt's sigmoid or isotonic), and the PD
  level moved to the long-run default rate;
* **score points and grades** (:mod:`~innoscore.credit.scaling`) and **reason codes**
  (:mod:`~innoscore.credit.reasons`).

Its structure is chosen inside ``fit``, from the data, by cross-validation on the training rows
(stratified, grouped by borrower when ``groups`` are given; one held-out fold when it alone holds
1,000 rows of the rarer class): the regression's shape (straight lines, or ramps when there are
defaults enough to learn a shape from), its penalty (when defaults are few) and the number of
trees (zero included), each candidate judged by the log loss it leaves on held-out rows after a
calibration, the simplest within one standard error of the best. The calibration is fitted on a
calibration slice when ``fit`` gets one (``fit(X, y, X_cal, y_cal)``, e.g. later months), else on
the held-out log-odds of the cross-validation.

Why one module of about 700 lines: ``CreditModel``'s fit is one sequence (segments, regression, trees,
calibration, direction checks) over shared state; its parts that stand alone are in their own modules.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_array, check_consistent_length, column_or_1d
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import assert_all_finite, check_is_fitted

from innoscore.credit.boosting import calibrated_log_loss, fit_trees, tree_log_odds, tree_params, validation_curve
from innoscore.credit.encoding import TableEncoder
from innoscore.credit.reasons import PathContributions, top_reasons
from innoscore.credit.regression import RampLogisticRegression
from innoscore.credit.scaling import as_grades, as_scale, grade_of

__all__ = ["CreditModel", "MonotonicityError"]

MAX_SEGMENTS = 10  # ramps per feature of the shaped regression, one per DEFAULTS_PER_SEGMENT defaults
DEFAULTS_PER_SEGMENT = 200
MAX_TREES = 2000  # when the number of trees is chosen on held-out rows
PENALTIES = (0.01, 0.03, 0.1, 0.3, 1.0)  # C of the regression tried with few defaults, strongest penalty first
HOLDOUT_MINORITY = 1000  # rows of the rarer class in one fold that make one held-out fold enough
PATIENCE = 50  # rounds without a new minimum of the held-out log loss before growing stops
CALIBRATIONS = ("sigmoid", "isotonic", "none")
# LightGBM parameters the model sets itself
_RESERVED_TREE_PARAMS = {"n_estimators", "num_iterations", "num_iteration", "n_iter", "num_tree", "num_trees",
                         "num_round", "num_rounds", "num_boost_round", "nrounds", "max_iter", "objective",
                         "objective_type", "app", "application", "loss", "metric", "metrics", "metric_types",
                         "seed", "random_seed", "random_state", "monotone_constraints", "mc", "monotone_constraint",
                         "monotone_constraints_method", "mc_method", "monotone_constraining_method",
                         "deterministic", "init_score", "verbose", "verbosity"}
ANCHORS = ("long_run", "calibration")


class MonotonicityError(RuntimeError):
    """The trained model's PD moves the wrong way along a constrained feature."""


class _Sigmoid:
    """Platt scaling: PD = expit(a * log-odds + b), fitted by maximum likelihood."""

    def fit(self, s: np.ndarray, y: np.ndarray) -> _Sigmoid:
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(s[:, None], y)
        self.a, self.b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        return self

    def __call__(self, s: np.ndarray) -> np.ndarray:
        return expit(self.a * s + self.b)


class _Isotonic:
    """A non-decreasing step function of the log-odds."""

    def fit(self, s: np.ndarray, y: np.ndarray) -> _Isotonic:
        from sklearn.isotonic import IsotonicRegression

        self.iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, y)
        return self

    def __call__(self, s: np.ndarray) -> np.ndarray:
        return self.iso.predict(s)


class _Identity:
    def fit(self, s, y):
        return self

    def __call__(self, s: np.ndarray) -> np.ndarray:
        return expit(s)


def _shifted(p: np.ndarray, shift: float) -> np.ndarray:
    """PDs moved by ``shift`` in log-odds (0 and 1 stay put)."""
    if not shift:
        return p
    with np.errstate(divide="ignore"):
        return expit(np.log(p) - np.log1p(-p) + shift)


def _level_shift(p: np.ndarray, target: float) -> float:
    """The log-odds shift that makes the mean of ``p`` equal ``target`` (the mean rises with the shift)."""
    from scipy.optimize import brentq

    inner = (p > 0) & (p < 1)
    if not inner.any() or not 0 < target < 1:
        return 0.0
    f = lambda d: float(_shifted(p, d).mean()) - target  # noqa: E731
    if f(-20.0) > 0 or f(20.0) < 0:
        return 0.0
    return float(brentq(f, -20.0, 20.0, xtol=1e-10))


def _fewest_rounds(curves: list[np.ndarray], weights: list[int]) -> int:
    """The number of trees from the held-out loss curves of the folds (a fold that stopped early
    keeps its last value): the fewest rounds whose mean loss is within one standard error of the
    lowest (the one-standard-error rule; the error of the paired difference across folds)."""
    longest = max(len(c) for c in curves)
    padded = np.array([np.concatenate([c, np.full(longest - len(c), c[-1])]) for c in curves])
    mean = np.average(padded, axis=0, weights=weights)
    best = int(np.argmin(mean))
    diff = padded - padded[:, [best]]
    se = diff.std(axis=0, ddof=1) / np.sqrt(len(curves))
    return int(np.flatnonzero(np.average(diff, axis=0, weights=weights) <= se)[0])


def _grouped_folds(y: np.ndarray, groups, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds that keep each group's rows together, stratified by whether a group has any
    positive row: the groups of each kind are shuffled and dealt to the folds in turn.
    (scikit-learn's StratifiedGroupKFold balances finer but took 46 s for 800,000 rows.)"""
    codes, _ = pd.factorize(np.asarray(groups))
    n_groups = int(codes.max()) + 1
    positive = np.bincount(codes, weights=y, minlength=n_groups) > 0
    order = np.random.default_rng(seed).permutation(n_groups)
    fold_of = np.empty(n_groups, dtype=np.int64)
    for kind in (positive, ~positive):
        members = order[kind[order]]
        fold_of[members] = np.arange(len(members)) % k
    fold = fold_of[codes]
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(k)]


def _standard_error(d: np.ndarray, groups: np.ndarray | None) -> float:
    """Standard error of the mean of per-row values ``d``; with ``groups``, cluster-robust (rows
    of one group are not independent: a borrower's panel rows share their outcome windows)."""
    n = len(d)
    if n < 2:
        return float("inf")
    if groups is None:
        return float(d.std(ddof=1) / np.sqrt(n))
    codes, _ = pd.factorize(groups)
    k = int(codes.max()) + 1
    if k < 2:
        return float("inf")
    sums = np.bincount(codes, weights=d - d.mean(), minlength=k)
    return float(np.sqrt(k / (k - 1) * np.sum(sums ** 2)) / n)


def _simplest(names: list, losses: list[np.ndarray], groups: np.ndarray | None = None):
    """The first (simplest) candidate whose held-out loss is within one standard error of the
    lowest; the error is that of the mean per-row difference from the lowest (by group)."""
    means = [float(np.mean(v)) for v in losses]
    best = int(np.argmin(means))
    for i, v in enumerate(losses):
        diff = v - losses[best]
        if i == best or diff.mean() <= _standard_error(diff, groups):
            return names[i]
    return names[best]


class CreditModel(ClassifierMixin, BaseEstimator):
    """Calibrated probability of default with monotone directions, score, grade and reasons.

    A scikit-learn binary classifier: ``predict_pd(X)`` is the probability of the default label,
    by default the greater label (``classes_[1]``: 1 when ``y`` holds 0 and 1, True for booleans;
    with text labels name it, e.g. ``default_label="bad"``). ``X`` is a pandas
    ``DataFrame`` (numeric, boolean, categorical and text columns; missing values allowed) or a
    numeric array (columns named ``x0``, ``x1``, ...).

    Parameters
    ----------
    monotone : dict or sequence, optional
        ``{column: +1 | -1}`` (or one direction per column): the PD may only rise (+1) or only
        fall (-1) as the column rises. Unlisted and categorical columns are unconstrained.
    params : dict, optional
        LightGBM parameters of the trees, over :data:`~innoscore.credit.boosting.DEFAULT_TREE_PARAMS`.
    n_trees : "auto" or int
        "auto": the number of trees (up to 2,000; 0 is the regression alone) whose held-out log
        loss is lowest, or with several folds the fewest within one standard error of the
        lowest; a number fixes it.
    segments : "auto" or int
        Ramps per numeric feature in the regression. "auto": straight lines, or one ramp per
        200 rows of the rarer class (up to 10) when that shape predicts held-out rows better by
        more than one standard error; a number fixes it.
    calibration : {"sigmoid", "isotonic", "none"}
        From the model's log-odds to probabilities, fitted on the calibration slice or else on
        the held-out log-odds of the cross-validation: Platt's sigmoid (two parameters, stable
        on few defaults), an isotonic step function (for many), or none.
    cv : int
        Folds of the internal cross-validation that chooses the structure. With fewer than two
        rows (or groups) of the rarer class per fold, nothing is held out: the straight-line
        regression alone, its probabilities uncalibrated, whatever ``n_trees`` and ``segments`` say.
    anchor : {"long_run", "calibration"}
        With a calibration slice: "long_run" moves the PD by one log-odds shift so that its mean
        over every row given to ``fit`` equals their default rate (the long-run average, the
        Basel rule for PD estimates); "calibration" keeps the level of the calibration slice.
        Ranks, and so AUC, are the same either way.
    scaling : dict or ScoreScale, optional
        ``base_score``, ``base_odds`` (good:bad) and ``pdo`` of :meth:`predict_score`.
    grades : list of dict or GradeBand, optional
        ``[{grade, max_pd}, ...]`` with rising bounds, the last 1.0, for :meth:`predict_grade`.
    texts : dict, optional
        ``{column: text or (zh, en)}``: readable names for the reasons (default: the column name).
    monotone_check : dict, optional
        ``rows`` and ``grid`` of the verification of the directions after training.
    default_label : optional
        The label of a default in ``y`` (default: the greater of the two labels).
    random_state : int or None
        Seed of the folds and the trees (None: 0); the same data and seed give the same model, bit for bit.

    Attributes
    ----------
    classes_, n_features_in_, feature_names_in_
        As in scikit-learn (``feature_names_in_`` is ``x0, x1, ...`` for an array).
    n_trees_, segments_ : int
        The structure chosen.
    selection_ : dict
        Held-out log loss of each candidate structure.
    calibration_method_ : str

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"leverage": rng.uniform(0, 1, 4000), "margin": rng.normal(0, 0.1, 4000),
    ...                   "city": rng.choice(["石家庄", "保定", "唐山"], 4000)})
    >>> y = (rng.uniform(size=4000) < 0.02 + 0.2 * X["leverage"] ** 3).astype(int)
    >>> model = CreditModel(monotone={"leverage": 1, "margin": -1}).fit(X, y)
    >>> model.predict_pd(X.head(2)).round(3).tolist(), model.predict_grade(X.head(2)).tolist()
    ([0.09, 0.027], ['F', 'D'])
    >>> model.reasons(X.head(1), k=1)["reason_1"].tolist()
    ['leverage']
    """

    def __init__(self, monotone: Mapping | Sequence | None = None, params: dict | None = None,
                 n_trees: str | int = "auto", segments: str | int = "auto", calibration: str = "sigmoid",
                 cv: int = 5, anchor: str = "long_run", scaling=None, grades=None,
                 texts: Mapping | None = None, monotone_check: Mapping | None = None, default_label=None,
                 random_state: int | None = 0):
        self.monotone = monotone
        self.params = params
        self.n_trees = n_trees
        self.segments = segments
        self.calibration = calibration
        self.cv = cv
        self.anchor = anchor
        self.scaling = scaling
        self.grades = grades
        self.texts = texts
        self.monotone_check = monotone_check
        self.default_label = default_label
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        return tags

    # ------------------------------------------------------------------ input
    def _table(self, X, reset: bool) -> pd.DataFrame:
        """X as a DataFrame of the model's columns, checked as scikit-learn checks it."""
        if isinstance(X, pd.DataFrame):
            if X.shape[0] == 0 or X.shape[1] == 0:
                check_array(np.empty(X.shape), ensure_min_samples=1, ensure_min_features=1)  # its message
            if not X.columns.is_unique:
                dup = X.columns[X.columns.duplicated()].unique().tolist()
                raise ValueError(f"X has duplicate column names: {dup[:10]}")
            if reset:
                return X
            missing = [c for c in self.feature_names_in_ if c not in X.columns]
            if missing:
                raise ValueError(f"X lacks the model's columns: {', '.join(map(str, missing[:10]))}")
            return X[list(self.feature_names_in_)]
        if not reset and any(self.encoder_.categorical_):
            cats = [c for c, k in zip(self.feature_names_in_, self.encoder_.categorical_) if k]
            raise ValueError(f"the model was fitted on a DataFrame with categorical columns "
                             f"({', '.join(map(str, cats[:5]))}); pass a DataFrame with them, not {type(X).__name__}")
        A = check_array(X, dtype="numeric", ensure_all_finite="allow-nan", ensure_min_samples=1,
                        ensure_min_features=1, input_name="X")
        if not reset and A.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {A.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input.")
        names = [f"x{j}" for j in range(A.shape[1])] if reset else list(self.feature_names_in_)
        return pd.DataFrame(A, columns=names, copy=False)

    def _target(self, y, n: int) -> tuple[np.ndarray, Any, np.ndarray]:
        """The labels, the default label and y as 0/1 (1 = the default label)."""
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        y = column_or_1d(y, warn=True)
        check_consistent_length(np.empty(n), y)
        if y.dtype.kind in "fc":
            assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind not in ("binary", "multiclass") or len(np.unique(y)) > 2:
            raise ValueError(f"Only binary classification is supported. The type of the target is {kind} "
                             f"({type(self).__name__} tells defaults from non-defaults).")
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(f"{type(self).__name__} needs two classes (defaults and non-defaults); y has only "
                             f"one class: {classes[0]!r}")
        if self.default_label is None:
            default = classes[1]
        elif self.default_label in classes.tolist():
            default = classes[classes.tolist().index(self.default_label)]
        else:
            raise ValueError(f"default_label {self.default_label!r} is not a label of y "
                             f"({', '.join(map(repr, classes.tolist()))})")
        return classes, default, (y == default).astype(np.int64)

    @property
    def _seed(self) -> int:
        return 0 if self.random_state is None else int(self.random_state)

    def _encoded(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self.encoder_.transform(self._table(X, reset=False))

    def _check_params(self) -> tuple:
        """Check the settings (models/credit.yaml's parser uses this too); return the score scale
        and the grade bands they give."""
        def is_int(v) -> bool:
            return isinstance(v, numbers.Integral) and not isinstance(v, bool)

        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"calibration must be one of {', '.join(CALIBRATIONS)}; got {self.calibration!r}")
        if self.anchor not in ANCHORS:
            raise ValueError(f"anchor must be 'long_run' or 'calibration'; got {self.anchor!r}")
        if not (self.n_trees == "auto" or (is_int(self.n_trees) and self.n_trees >= 0)):
            raise ValueError(f"n_trees must be 'auto' or a whole number >= 0; got {self.n_trees!r}")
        if not (self.segments == "auto" or (is_int(self.segments) and self.segments >= 1)):
            raise ValueError(f"segments must be 'auto' or a whole number >= 1; got {self.segments!r}")
        if not (is_int(self.cv) and self.cv >= 2):
            raise ValueError(f"cv must be a whole number >= 2; got {self.cv!r}")
        if self.params is not None and not isinstance(self.params, Mapping):
            raise ValueError(f"params must be a mapping of LightGBM parameters; got {self.params!r}")
        if not (self.random_state is None or is_int(self.random_state)):
            raise ValueError(f"random_state must be a whole number or None (0); got {self.random_state!r}")
        check = self.monotone_check or {}
        if not isinstance(check, Mapping) or set(check) - {"rows", "grid"} or not all(
                is_int(v) and v >= 2 for v in check.values()):
            raise ValueError(f"monotone_check takes rows and grid, whole numbers >= 2; got {self.monotone_check!r}")
        if self.texts is not None and not isinstance(self.texts, Mapping):
            raise ValueError(f"texts must map columns to text; got {self.texts!r}")
        params = dict(self.params or {})
        reserved = sorted(set(params) & _RESERVED_TREE_PARAMS, key=str)
        if reserved:
            raise ValueError(f"params may not set {', '.join(reserved)}: the number of trees is n_trees, the seed "
                             "random_state, the directions monotone; the objective and metric are the model's")
        return as_scale(self.scaling), as_grades(self.grades)

    def _directions(self, X: pd.DataFrame, categorical: list[bool]) -> list[int]:
        names = list(X.columns)
        mono = self.monotone
        if mono is None:
            return [0] * len(names)
        if isinstance(mono, Mapping):
            unknown = [k for k in mono if k not in names]
            if unknown:
                raise ValueError(f"monotone names columns not in X: {', '.join(map(str, unknown))}")
            directions = [mono.get(c, 0) for c in names]
        else:
            directions = list(mono)
            if len(directions) != len(names):
                raise ValueError(f"monotone has {len(directions)} directions for {len(names)} columns")
        bad = {names[j]: d for j, d in enumerate(directions) if d not in (-1, 0, 1) or isinstance(d, bool)}
        if bad:
            raise ValueError(f"monotone directions must be +1, -1 or 0; got {bad}")
        cat = [names[j] for j, d in enumerate(directions) if d and categorical[j]]
        if cat:
            raise ValueError(f"monotone directions need numeric columns; categorical: {', '.join(map(str, cat))}")
        return [int(d) for d in directions]

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y, X_cal=None, y_cal=None, groups=None) -> CreditModel:
        """Fit on (X, y).

        The structure is chosen by stratified ``cv``-fold cross-validation on (X, y); ``groups``
        (one label per row, e.g. the enterprise of each panel row) keeps each group's rows in one
        fold, so that rows of one borrower never train and judge each other. The calibration is
        fitted on a calibration slice (X_cal, y_cal) when one is given (e.g. later months), else
        on the cross-validated log-odds. The trees never see the calibration slice; the
        regression learns from it too (penalised and sign-bounded, it has little to overfit, and
        the later months weigh in its level).
        """
        self._forget()
        try:
            return self._fit(X, y, X_cal, y_cal, groups)
        except BaseException:
            self._forget()  # a failed fit leaves no half of a model behind: predicting says NotFittedError
            raise

    def _forget(self) -> None:
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)
        self._reasons_cache = None

    def _fit(self, X, y, X_cal, y_cal, groups) -> CreditModel:
        self.score_scale_, self.grades_ = self._check_params()
        table = self._table(X, reset=True)
        self.classes_, self.default_label_, yb = self._target(y, len(table))
        if groups is not None:
            groups = column_or_1d(groups)
            check_consistent_length(np.empty(len(table)), groups)
            if pd.isna(groups).any():
                raise ValueError(f"groups has {int(pd.isna(groups).sum())} missing values; every row needs its group")
        if X_cal is None and y_cal is not None:
            raise ValueError("y_cal was given without X_cal")
        self.n_features_in_ = table.shape[1]
        self.feature_names_in_ = np.asarray(table.columns, dtype=object)
        self.encoder_ = TableEncoder().fit(table)
        self.monotone_ = self._directions(table, self.encoder_.categorical_)
        self.tree_params_ = tree_params(self.params, self.monotone_, self.encoder_.categorical_,
                                        self._seed)
        Z = self.encoder_.transform(table)
        cal = None
        if X_cal is not None:
            Zc = self.encoder_.transform(self._table(X_cal, reset=False))
            cal = (Zc, self._target_cal(y_cal, len(Zc), self.classes_, self.default_label_))
        Z_all, y_all = (Z, yb) if cal is None else (np.vstack([Z, cal[0]]), np.concatenate([yb, cal[1]]))
        folds = self._folds(yb, groups)
        # the knots need X alone: every row given to fit lends them
        best = self._select(Z, yb, folds, Z_all, groups) if folds is not None else self._no_selection()
        start = best["regs"][-1] if best else None
        if cal is None:
            self._fit_parts(Z, yb, Z, yb, start)
            if best:
                # calibration on the held-out log-odds; their calibrated mean is the level (the long run)
                held = best["held"]
                self._calibrate(best["raw"][held], yb[held], level=best["raw"][held], rate=float(yb[held].mean()))
            else:
                # its own loss calibrates the regression's probabilities
                self.calibrator_, self.calibration_method_, self.shift_ = _Identity(), "none (too few rows)", 0.0
        else:
            # the regression learns from every row (it is penalised and sign-bounded); the trees from
            # the training rows only, so the calibration slice stays unseen by the part that can overfit it
            self._fit_parts(Z_all, y_all, Z, yb, start)
            self._calibrate(self._raw(cal[0]), cal[1], level=self._raw(Z_all), rate=float(y_all.mean()))
        self._verify_monotone(Z_all)
        return self

    def _fit_parts(self, Z_reg, y_reg, Z_trees, y_trees, start) -> None:
        """The final regression (started from a fold's) and the trees boosted from it."""
        self.regression_ = self._regression(self.segments_, self.C_).fit(Z_reg, y_reg, start=start)
        self.booster_ = fit_trees(self.tree_params_, Z_trees, y_trees, self.regression_.decision_function(Z_trees),
                                  self.encoder_.categorical_, self.n_trees_)

    def _no_selection(self) -> None:
        """Too few rows of one class to hold any out: the straight-line regression alone."""
        self.segments_, self.n_trees_, self.C_, self.selection_ = 1, 0, 1.0, {}
        return None

    def _folds(self, y: np.ndarray, groups) -> list | None:
        """Stratified (and grouped) folds; one held-out fold when it alone holds
        ``HOLDOUT_MINORITY`` rows of the rarer class (as precise, k times cheaper); None when
        the rarer class has too few rows (or groups) for two folds."""
        n_minor = int(min(y.sum(), len(y) - y.sum()))
        k = min(int(self.cv), n_minor)
        seed = self._seed
        if groups is None:
            if k < 2:
                return None
            folds = list(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.empty(len(y)), y))
        else:
            folds = _grouped_folds(y, groups, k, seed) if k >= 2 else []
            folds = [(train, test) for train, test in folds if 0 < y[test].sum() < len(test)]
            if len(folds) < 2:
                return None
            k = len(folds)
        if n_minor / k >= HOLDOUT_MINORITY:
            folds = folds[:1]
        return folds

    @staticmethod
    def _target_cal(y_cal, n: int, classes: np.ndarray, default) -> np.ndarray:
        """y_cal as 0/1 (1 = the default label); both of y's labels, and only those."""
        if y_cal is None:
            raise ValueError("X_cal was given without y_cal")
        y_cal = column_or_1d(y_cal)
        check_consistent_length(np.empty(n), y_cal)
        labels = pd.unique(pd.Series(y_cal, dtype=object))
        known = classes.tolist()
        if any(pd.isna(v) or v not in known for v in labels) or len(labels) < 2:
            raise ValueError(f"y_cal must hold both labels of y ({', '.join(map(repr, known))}) and no other; "
                             f"got {', '.join(map(repr, labels[:5].tolist()))}")
        return (y_cal == default).astype(np.int64)

    def _segment_candidates(self, n_rarer: int) -> list[int]:
        """Straight lines, and a shape of one ramp per DEFAULTS_PER_SEGMENT rows of the rarer class."""
        if self.segments != "auto":
            return [int(self.segments)]
        shaped = int(min(MAX_SEGMENTS, max(1, n_rarer // DEFAULTS_PER_SEGMENT)))
        return sorted({1, shaped})

    def _regression(self, k: int, C: float = 1.0) -> RampLogisticRegression:
        return RampLogisticRegression(self.monotone_, self.encoder_.categorical_, C=C, segments=k)

    def _regressions(self, Z: np.ndarray, y: np.ndarray, folds: list, seg: int, search: bool, X_design: np.ndarray):
        """The regression of ``seg`` segments on each fold's training rows, at the penalty whose
        held-out calibrated log loss is lowest (``PENALTIES``, strongest first, each fold starting
        from the previous penalty's solution; only C = 1 without ``search``). Returns C, the
        regressions and the held-out log-odds."""
        design = self._regression(seg).learn_design(X_design)  # knots and standardisation: X alone, every row
        starts, best = [design] * len(folds), None
        held = np.concatenate([t for _, t in folds])
        for C in (PENALTIES if search else (1.0,)):
            regs, raw, losses = [], np.full(len(y), np.nan), np.full(len(y), np.nan)
            for (train, test), start in zip(folds, starts):
                regs.append(self._regression(seg, C).fit(Z[train], y[train], start=start))
                raw[test] = regs[-1].decision_function(Z[test])
                losses[test] = calibrated_log_loss(raw[test], y[test], per_row=True)
            loss = float(np.mean(losses[held]))
            if best is None or loss < best[0]:
                best = (loss, C, regs, raw)
            starts = regs
        return best[1:]

    def _select(self, Z: np.ndarray, y: np.ndarray, folds: list, X_design: np.ndarray, groups) -> dict:
        """Each candidate structure (regression shape and penalty, then as many trees as help) on
        the folds: learnt on each fold's training rows, scored by the calibrated log loss of its
        held-out rows. Returns the chosen candidate's regressions, held-out log-odds and the held-out rows."""
        # with many defaults (one held-out fold) the penalty is negligible beside the likelihood:
        # it is searched only with few
        search = len(folds) > 1
        weights = [len(test) for _, test in folds]
        cats = self.encoder_.categorical_
        candidates = {}
        for seg in self._segment_candidates(int(min(y.sum(), len(y) - y.sum()))):
            C, regs, raw = self._regressions(Z, y, folds, seg, search, X_design)
            init = [r.decision_function(Z[train]) for (train, _), r in zip(folds, regs)]
            if self.n_trees == "auto":
                grown = [validation_curve(self.tree_params_, Z[train], y[train], i, Z[test], y[test], raw[test], cats,
                                          MAX_TREES, PATIENCE) for (train, test), i in zip(folds, init)]
                boosters = [b for _, b in grown]
                # several (small) folds: the fewest rounds within one standard error across folds;
                # one held-out fold (it holds 1,000 defaults or more): the lowest of its curve
                if len(folds) > 1:
                    rounds = _fewest_rounds([c for c, _ in grown], weights)
                else:
                    rounds = int(np.argmin(grown[0][0]))
            else:
                rounds = int(self.n_trees)
                boosters = [fit_trees(self.tree_params_, Z[train], y[train], i, cats, rounds)
                            for (train, _), i in zip(folds, init)]
            losses = np.full(len(y), np.nan)  # per held-out row, after each fold's own calibration
            for (train, test), i, b in zip(folds, init, boosters):
                if rounds:
                    if b is None or b.current_iteration() < rounds:  # that fold stopped early: grow it again
                        b = fit_trees(self.tree_params_, Z[train], y[train], i, cats, rounds)
                    raw[test] += b.predict(Z[test], raw_score=True, num_iteration=rounds)
                losses[test] = calibrated_log_loss(raw[test], y[test], per_row=True)
            candidates[seg] = {"C": C, "regs": regs, "raw": raw, "trees": rounds, "losses": losses}
        held = np.concatenate([test for _, test in folds])
        self.selection_ = {f"segments={s}": {"C": c["C"], "trees": c["trees"],
                                             "held_out_log_loss": float(np.mean(c["losses"][held]))}
                           for s, c in candidates.items()}
        # straight lines unless a shape is better beyond the noise (measured out of time on five synthetic
        # provinces: this held up better than the lowest loss, whose pick the noise of one fold can decide)
        self.segments_ = _simplest(list(candidates), [candidates[c]["losses"][held] for c in candidates],
                                   None if groups is None else groups[held])
        best = candidates[self.segments_]
        self.n_trees_, self.C_ = best["trees"], best["C"]
        return {**best, "held": held}

    def _calibrate(self, raw: np.ndarray, y: np.ndarray, level: np.ndarray, rate: float) -> None:
        """The calibration from held-out log-odds ``raw`` and outcomes ``y``; with the long-run
        anchor, one log-odds shift then makes the mean PD of the rows whose log-odds are
        ``level`` equal their observed default ``rate``."""
        kind = {"sigmoid": _Sigmoid, "isotonic": _Isotonic, "none": _Identity}[self.calibration]
        self.calibrator_ = kind().fit(raw, y)
        self.calibration_method_ = self.calibration
        self.shift_ = 0.0
        if self.anchor == "long_run":
            self.shift_ = _level_shift(self.calibrator_(level), rate)

    def _verify_monotone(self, Z: np.ndarray) -> None:
        """Move each constrained feature over a grid on sampled rows; the PD must never move the wrong way."""
        check = {"rows": 1000, "grid": 20, **(self.monotone_check or {})}
        rng = np.random.default_rng(self._seed)
        rows = Z[rng.choice(len(Z), size=min(len(Z), int(check["rows"])), replace=False)]
        self.monotonicity_ = {}
        for j, sign in enumerate(self.monotone_):
            if sign == 0:
                continue
            name = self.feature_names_in_[j]
            values = Z[:, j][~np.isnan(Z[:, j])]
            grid = np.unique(np.quantile(values, np.linspace(0, 1, int(check["grid"])))) if len(values) else []
            if len(grid) < 2:
                self.monotonicity_[name] = 0.0
                continue
            stacked = np.repeat(rows[None, :, :], len(grid), axis=0)
            stacked[:, :, j] = grid[:, None]
            pd_grid = self._pd(stacked.reshape(-1, Z.shape[1])).reshape(len(grid), len(rows))
            worst = float((np.diff(pd_grid, axis=0) * sign).min())
            self.monotonicity_[name] = worst
            if worst < -1e-12:
                raise MonotonicityError(
                    f"the calibrated PD moves the wrong way along {name} (direction {sign:+d}): by {worst:.3g} "
                    f"between grid values; training refused")

    # ------------------------------------------------------------------ prediction
    def _raw(self, Z: np.ndarray) -> np.ndarray:
        """The uncalibrated log-odds: the regression's plus the trees'."""
        return self.regression_.decision_function(Z) + tree_log_odds(self.booster_, Z)

    def _pd(self, Z: np.ndarray) -> np.ndarray:
        p = _shifted(self.calibrator_(self._raw(Z)), self.shift_)
        return np.clip(p, 0.0, 1.0)

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities (n x 2) of ``classes_`` in order; the PD is the column of the
        default label (column 1 unless ``default_label`` is ``classes_[0]``)."""
        p = self._pd(self._encoded(X))
        if self.default_label_ == self.classes_[1]:
            return np.column_stack([1 - p, p])
        return np.column_stack([p, 1 - p])

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of ``classes_[1]`` (positive: it is the likelier); held finite where the PD is 0 or 1."""
        p = np.clip(self.predict_proba(X)[:, 1], np.finfo(float).tiny, np.nextafter(1.0, 0.0))
        return np.log(p) - np.log1p(-p)

    def predict(self, X) -> np.ndarray:
        """The likelier label: ``classes_[1]`` where its probability exceeds 0.5 (scikit-learn's rule;
        credit decisions use :meth:`predict_pd` and the grades)."""
        decision = self.decision_function(X)
        return self.classes_[(decision > 0).astype(np.int64)]

    def predict_pd(self, X) -> np.ndarray:
        """The calibrated probability of default (of the default label) of each row."""
        return self._pd(self._encoded(X))

    def predict_score(self, X) -> np.ndarray:
        """Credit score points of each row: higher is safer (``scaling``)."""
        return self.score_of(self.predict_pd(X))

    def predict_grade(self, X) -> np.ndarray:
        """The PD grade of each row (``grades``)."""
        return self.grade_of(self.predict_pd(X))

    def score_of(self, pd_) -> np.ndarray:
        """Credit score points of given PDs."""
        check_is_fitted(self)
        return self.score_scale_.score(pd_)

    def grade_of(self, pd_) -> np.ndarray:
        """Grades of given PDs."""
        check_is_fitted(self)
        return grade_of(pd_, self.grades_)

    # ------------------------------------------------------------------ reasons
    def contributions(self, X) -> pd.DataFrame:
        """Per-feature contributions to the model's log-odds, one column per feature.

        The regression's part is each feature's ramps or level indicators (and missing flag) times
        their coefficients, relative to the training average; the trees' part is their exact path
        contributions. Both are in log-odds and add up, with a constant, to the raw log-odds.
        """
        index = X.index if isinstance(X, pd.DataFrame) else None
        Z = self._encoded(X)
        out = self.regression_.contributions(Z)
        if self.booster_ is not None:
            if self._reasons_cache is None:
                self._reasons_cache = PathContributions(self.booster_, Z.shape[1])
            out += self._reasons_cache(Z)
        return pd.DataFrame(out, index=index, columns=list(self.feature_names_in_))

    def reasons(self, X, k: int = 3) -> pd.DataFrame:
        """The k features that push each row's PD up most, as column names and readable text.

        Columns ``reason_1`` ... ``reason_k`` (None when fewer features push the PD up) and
        ``reason_1_text`` ... (from ``texts``); a feature that lowers the PD is never named.
        """
        if not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"k must be a whole number >= 1; got {k!r}")
        contrib = self.contributions(X)
        return top_reasons(contrib.to_numpy(), list(self.feature_names_in_), dict(self.texts or {}), int(k),
                           index=contrib.index)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state["_reasons_cache"] = None  # rebuilt on demand
        return state
