"""Deriving indicator weights: equal, AHP, entropy (熵权法), CRITIC and combinations (组合赋权).

Each method returns a ``pd.Series`` of weights summing to 1, indexed by indicator, for an analyst to
look at and put into the weights configuration.  Subjective methods (AHP) start from judgements;
objective ones (entropy, CRITIC) from a table of indicator values (enterprises x indicators, larger
is better: turn a "smaller is better" indicator round before).

* AHP: the principal eigenvector of a reciprocal pairwise-comparison matrix on Saaty's 1-9 scale;
  the consistency ratio CR = CI / RI with CI = (lambda_max - n) / (n - 1) and Saaty's random indices
  (:data:`SAATY_RI`, the table Chinese practice uses); CR >= 0.10 is refused unless allowed.
* Entropy: each column scaled to [0, 1] (min-max, so negative values need no special care), shares
  p = x / sum(x), entropy e = -sum(p ln p) / ln(n) with 0 ln 0 = 0, weight proportional to 1 - e.  A
  constant column carries no information and gets weight 0.  A column that is mostly zeros can take an
  outsized weight (its few non-zero values look very "informative"): a warning says so.
* CRITIC: each column scaled to [0, 1]; information C = standard deviation x sum over the other columns
  of (1 - correlation); weight proportional to C.
* PCA: the principal components of the columns' correlation matrix with an eigenvalue of 1 or more
  (Kaiser's rule; at least the first); an indicator's weight is proportional to the mean of its
  absolute coefficients in them, each component counted by its share of the variance.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd

from innoscore.errors import InnoscoreError

if TYPE_CHECKING:
    from innoscore.points.config import PointsConfig
    from innoscore.points.engine import Prepared

__all__ = ["SAATY_RI", "AHPResult", "WeightingError", "equal", "ahp", "entropy", "critic", "combine", "by_group", "pca",
           "indicator_scores", "to_config"]

# Saaty's random consistency index by matrix order (Saaty 1980; orders 1-2 are always consistent)
SAATY_RI = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49, 11: 1.51,
            12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}
CR_LIMIT = 0.10
SPARSE_SHARE = 0.5  # a column more than half zeros (or at its minimum) is sparse
OUTSIZED = 2.0  # ... and its weight is outsized above twice the equal weight


class WeightingError(InnoscoreError, ValueError):
    """Inputs a weighting method cannot use; the message says which and why."""


def _normalised(weights: np.ndarray, names: Sequence[str]) -> pd.Series:
    total = float(np.sum(weights))
    if not np.isfinite(total) or total <= 0:
        raise WeightingError(f"weights of {list(names)} do not add up to a positive number: {weights.tolist()}")
    return pd.Series(np.asarray(weights, dtype=float) / total, index=list(names), name="weight")


def equal(names: Sequence[str]) -> pd.Series:
    """The same weight for every indicator."""
    if not len(names):
        raise WeightingError("no indicators to weight")
    return _normalised(np.ones(len(names)), names)


class AHPResult(pd.Series):
    """AHP weights with the consistency figures as attributes: ``lambda_max``, ``ci``, ``ri``, ``cr``."""

    _metadata = ["lambda_max", "ci", "ri", "cr"]

    @property
    def _constructor(self):
        return AHPResult


def ahp(matrix, names: Sequence[str] | None = None, allow_inconsistent: bool = False) -> AHPResult:
    """Weights from a pairwise-comparison matrix ``a[i][j]`` = how much more important i is than j (1-9
    and reciprocals).  Refused when the matrix is not square, positive and reciprocal, or when its
    consistency ratio is 0.10 or more (unless ``allow_inconsistent``)."""
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise WeightingError(f"a pairwise-comparison matrix is square; got shape {a.shape}")
    n = a.shape[0]
    names = list(names) if names is not None else [f"c{i + 1}" for i in range(n)]
    if len(names) != n:
        raise WeightingError(f"{len(names)} names for a {n} x {n} matrix")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise WeightingError("every comparison is a positive number (1-9 or its reciprocal)")
    bad = np.argwhere(~np.isclose(a * a.T, 1.0, rtol=1e-6))
    if len(bad):
        i, j = bad[0]
        raise WeightingError(f"the matrix is not reciprocal: a[{names[i]}][{names[j]}] = {a[i, j]:g} but "
                             f"a[{names[j]}][{names[i]}] = {a[j, i]:g} (expected {1 / a[i, j]:g})")
    if n > max(SAATY_RI):
        raise WeightingError(f"Saaty's random index is tabled up to order {max(SAATY_RI)}; got {n}: group the "
                             "indicators and weight each group")
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    lambda_max = float(values[k].real)
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    ri = SAATY_RI[n]
    cr = ci / ri if ri > 0 else 0.0
    if cr >= CR_LIMIT and not allow_inconsistent:
        raise WeightingError(f"consistency ratio {cr:.3f} >= {CR_LIMIT} (lambda_max {lambda_max:.4f}, CI {ci:.4f}, "
                             f"RI {ri}): revise the comparisons, or pass allow_inconsistent=True to keep them")
    out = AHPResult(_normalised(w, names))
    out.lambda_max, out.ci, out.ri, out.cr = lambda_max, ci, ri, cr
    return out


def _scaled(values: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(values, pd.DataFrame) or values.shape[1] == 0 or values.shape[0] < 2:
        raise WeightingError("an objective method needs a table of at least two enterprises and one indicator")
    x = values.astype(float)
    if not np.all(np.isfinite(x.to_numpy())):
        cols = [c for c in x.columns if not np.all(np.isfinite(x[c].to_numpy()))]
        raise WeightingError(f"missing or infinite values in {cols}: fill or drop them first")
    low, high = x.min(), x.max()
    span = (high - low).where(high > low, 1.0)
    return (x - low) / span  # a constant column becomes all zeros


def entropy(values: pd.DataFrame) -> pd.Series:
    """Entropy weights of the columns of ``values`` (enterprises x indicators, larger is better)."""
    x = _scaled(values)
    n = len(x)
    totals = x.sum()
    p = x / totals.where(totals > 0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(n)
    d = np.where(totals.to_numpy() > 0, 1.0 - e, 0.0)  # a constant column: no information
    w = _normalised(d, x.columns)
    sparse = (x == 0).mean()
    big = [c for c in x.columns if sparse[c] > SPARSE_SHARE and w[c] > OUTSIZED / len(w)]
    if big:
        warnings.warn(f"entropy weights: {', '.join(big)} are mostly at their minimum (zero) yet take "
                      f"{', '.join(f'{w[c]:.1%}' for c in big)}: a sparse indicator looks informative to the entropy "
                      "method; check whether that is meant", stacklevel=2)
    return w


def critic(values: pd.DataFrame) -> pd.Series:
    """CRITIC weights of the columns of ``values`` (enterprises x indicators, larger is better)."""
    x = _scaled(values)
    sd = x.std(ddof=1).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant column: no correlation (0), weight 0
        r = np.nan_to_num(np.corrcoef(x.to_numpy(), rowvar=False), nan=0.0) if x.shape[1] > 1 else np.ones((1, 1))
    conflict = (1.0 - r).sum(axis=0)
    return _normalised(sd * conflict if x.shape[1] > 1 else sd, x.columns)


def pca(values: pd.DataFrame) -> pd.Series:
    """PCA weights of the columns of ``values`` (enterprises x indicators)."""
    x = _scaled(values)
    sd = x.std(ddof=1)
    if (sd == 0).any():
        raise WeightingError(f"constant columns have no principal component: {list(sd.index[sd == 0])}")
    corr = np.corrcoef(x.to_numpy(), rowvar=False) if x.shape[1] > 1 else np.ones((1, 1))
    eigenvalues, vectors = np.linalg.eigh(corr)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, vectors = eigenvalues[order], vectors[:, order]
    keep = max(1, int(np.sum(eigenvalues >= 1.0 - 1e-12)))
    share = eigenvalues[:keep] / eigenvalues.sum()
    return _normalised(np.abs(vectors[:, :keep]) @ share / share.sum(), x.columns)


def combine(parts: Sequence[pd.Series], how: str = "product", shares: Sequence[float] | None = None) -> pd.Series:
    """Combined weights (组合赋权) of several weight sets over the same indicators: ``product`` (w1 * w2 ...,
    normalised: the multiplicative synthesis used with AHP x entropy) or ``linear`` (sum of share * w)."""
    if not parts:
        raise WeightingError("nothing to combine")
    names = list(parts[0].index)
    if any(set(p.index) != set(names) for p in parts):
        raise WeightingError("the weight sets to combine must weight the same indicators")
    table = np.vstack([p.reindex(names).to_numpy(float) for p in parts])
    if how == "product":
        return _normalised(np.prod(table, axis=0), names)
    if how == "linear":
        s = np.full(len(parts), 1 / len(parts)) if shares is None else np.asarray(shares, dtype=float)
        if len(s) != len(parts) or np.any(s < 0) or not np.isclose(s.sum(), 1.0):
            raise WeightingError(f"shares must be {len(parts)} non-negative numbers adding up to 1; got {list(s)}")
        return _normalised(s @ table, names)
    raise WeightingError(f"how must be product or linear; got {how!r}")


def by_group(groups: Mapping[str, float], within: Mapping[str, pd.Series]) -> pd.Series:
    """Expert weights from a hierarchy: each group's weight times its indicators' weights within it."""
    missing = set(groups) ^ set(within)
    if missing:
        raise WeightingError(f"groups and their indicator weights do not match: {sorted(missing)}")
    g = _normalised(np.array(list(groups.values()), dtype=float), list(groups))
    parts = [w / w.sum() * g[name] for name, w in within.items()]
    return _normalised(pd.concat(parts).to_numpy(), list(pd.concat(parts).index))


def indicator_scores(prep: "Prepared", stage: str | None = None) -> pd.DataFrame:
    """The indicator scores in [0, 1] (larger is better whatever the indicator's direction, a missing
    value as 0) of the enterprises of ``stage`` (default: all): the table the objective methods take."""
    from innoscore.indicators.enterprises import STAGES

    rows = np.ones(len(prep.stage), dtype=bool) if stage is None else prep.stage == STAGES.index(stage)
    return pd.DataFrame(prep.filled[rows], index=prep.ids[rows], columns=prep.indicators)


def to_config(base: "PointsConfig", weights: pd.Series | Mapping[str, pd.Series],
              keep_groups: bool = True) -> "PointsConfig":
    """``base`` with derived weights: one weight set for every stage, or one per stage (``{stage: weights}``).

    With ``keep_groups`` (the default) each group keeps its share in ``base`` and the derived weights only
    divide it among the group's indicators; otherwise the group shares become the sums of the derived
    weights (checked like the file: technology at least growth).  Indicators the weights leave out get 0.
    Save the result with :func:`innoscore.points.config.save_points_config`."""
    from innoscore.indicators.enterprises import STAGES
    from innoscore.points.config import POINT_GROUPS

    per_stage = dict(weights) if isinstance(weights, Mapping) else {s: weights for s in STAGES}
    unknown = sorted(set(per_stage) - set(STAGES))
    if unknown or set(per_stage) != set(STAGES):
        raise WeightingError(f"weights per stage must give every stage ({', '.join(STAGES)}); got "
                             f"{', '.join(map(str, per_stage))}")
    cat = base.catalog
    new_weights: dict[str, dict[str, float]] = {}
    new_groups: dict[str, dict[str, float]] = {}
    for stage in STAGES:
        w = pd.Series(per_stage[stage], dtype=float)
        strange = [n for n in w.index if n not in cat.ids or not cat[n].in_points]
        if strange:
            raise WeightingError(f"stage {stage}: {', '.join(map(str, strange))} are not points indicators of "
                                 f"{cat.source}")
        if not np.all(np.isfinite(w.to_numpy())) or (w < 0).any() or w.sum() <= 0:
            raise WeightingError(f"stage {stage}: weights must be non-negative numbers with a positive sum")
        w = (w / w.sum()).reindex(list(dict.fromkeys([*base.indicators, *w.index])), fill_value=0.0)  # left out: 0
        sums = {g: float(w[[n for n in w.index if cat[n].group == g]].sum()) for g in POINT_GROUPS}
        if keep_groups:
            shares = dict(base.groups[stage])
            empty = [g for g in POINT_GROUPS if shares[g] > 0 and sums[g] <= 0]
            if empty:
                raise WeightingError(f"stage {stage}: group {', '.join(empty)} has a share in {base.source} but "
                                     "no weight among the derived weights (pass keep_groups=False to drop it)")
            new_weights[stage] = {n: float(v / sums[cat[n].group] * shares[cat[n].group])
                                  if sums[cat[n].group] > 0 else 0.0 for n, v in w.items()}
        else:
            shares = sums
            new_weights[stage] = {n: float(v) for n, v in w.items()}
        # the shares the weights add up to, so that the file's check (a group's weights add up to its
        # share) holds to the last digit
        new_groups[stage] = {g: float(sum(v for n, v in new_weights[stage].items() if cat[n].group == g))
                             for g in POINT_GROUPS}
        if abs(sum(new_groups[stage].values()) - 1.0) > 1e-9:
            raise WeightingError(f"stage {stage}: weights add up to {sum(new_groups[stage].values())}")
    return base.with_weights(new_weights, new_groups)
