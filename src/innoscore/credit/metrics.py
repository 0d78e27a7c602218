"""Discrimination and calibration figures of a PD model, and a per-grade backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ECE_BINS", "PSI_BINS", "evaluate", "expected_calibration_error", "jeffreys_interval", "clustered_interval", "grade_backtest", "psi",
           "calibration_table"]


ECE_BINS = 10  # equal-mass PD bins of the expected calibration error
PSI_BINS = 10  # bins (deciles of the expected distribution) of the population stability index


def jeffreys_interval(defaults: np.ndarray | int, n: np.ndarray | int, level: float = 0.95) -> tuple:
    """Jeffreys interval of a default rate: Beta(d + 1/2, n - d + 1/2) quantiles."""
    from scipy.stats import beta

    d, n = np.asarray(defaults, dtype="float64"), np.asarray(n, dtype="float64")
    a = (1 - level) / 2
    lo = np.where(d > 0, beta.ppf(a, d + 0.5, n - d + 0.5), 0.0)
    hi = np.where(d < n, beta.ppf(1 - a, d + 0.5, n - d + 0.5), 1.0)
    return lo, hi


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> pd.DataFrame:
    """Equal-mass bins by PD: rows, mean PD, observed default rate."""
    order = np.argsort(p, kind="stable")
    parts = np.array_split(order, bins)
    rows = [{"bin": i + 1, "rows": len(ix), "mean_pd": float(p[ix].mean()), "observed": float(y[ix].mean())}
            for i, ix in enumerate(parts) if len(ix)]
    return pd.DataFrame(rows)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> float:
    """Row-weighted mean |observed rate - mean PD| over equal-mass PD bins."""
    t = calibration_table(np.asarray(y), np.asarray(p), bins)
    return float((t["rows"] * (t["observed"] - t["mean_pd"]).abs()).sum() / t["rows"].sum())


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = PSI_BINS) -> float:
    """Population stability index of ``actual`` against ``expected`` over expected's deciles."""
    expected, actual = np.asarray(expected, dtype="float64"), np.asarray(actual, dtype="float64")
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    e = np.histogram(expected, edges)[0] / len(expected)
    a = np.histogram(actual, edges)[0] / len(actual)
    e, a = np.maximum(e, 1e-6), np.maximum(a, 1e-6)
    return float(np.sum((a - e) * np.log(a / e)))


def grade_backtest(y: np.ndarray, p: np.ndarray, grades: np.ndarray, order: list[str],
                   groups: np.ndarray | None = None) -> pd.DataFrame:
    """Per grade: rows, defaults, mean PD, observed rate and its 95% interval (Jeffreys; with
    ``groups``, the wider of that and the cluster-robust interval, as in :func:`evaluate`)."""
    frame = pd.DataFrame({"y": y, "p": p, "grade": grades})
    g = frame.groupby("grade").agg(rows=("y", "size"), defaults=("y", "sum"), mean_pd=("p", "mean"))
    g = g.reindex([x for x in order if x in g.index])
    g["observed"] = g["defaults"] / g["rows"]
    lo, hi = jeffreys_interval(g["defaults"].to_numpy(), g["rows"].to_numpy())
    if groups is not None:
        groups = np.asarray(groups)
        for i, grade in enumerate(g.index):
            mask = np.asarray(grades) == grade
            clo, chi = clustered_interval(np.asarray(y)[mask], groups[mask])
            lo[i], hi[i] = min(lo[i], clo), max(hi[i], chi)
    g["ci_low"], g["ci_high"] = lo, hi
    g["pd_inside"] = (g["mean_pd"] >= g["ci_low"]) & (g["mean_pd"] <= g["ci_high"])
    return g


def clustered_interval(y: np.ndarray, groups: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Interval of a default rate when rows come in clusters (the same enterprise at successive
    observation dates, whose 12-month windows overlap, so one default makes up to 12 bad rows).

    The cluster-robust (sandwich) variance of the mean gives the design effect; the Jeffreys
    interval is then taken on the effective sample (rows / design effect), so it stays inside
    [0, 1] and asymmetric for rare defaults.
    """
    y = np.asarray(y, dtype="float64")
    n = len(y)
    if n == 0:
        return 0.0, 1.0
    codes, _ = pd.factorize(np.asarray(groups))
    k = int(codes.max()) + 1
    rate = float(y.mean())
    resid = np.bincount(codes, weights=y - rate, minlength=k)
    var_cluster = k / max(k - 1, 1) * float(np.sum(resid ** 2)) / n ** 2
    var_rows = rate * (1 - rate) / n
    deff = max(1.0, var_cluster / var_rows) if var_rows > 0 else 1.0
    n_eff = n / deff
    lo, hi = jeffreys_interval(rate * n_eff, n_eff, level)
    return float(lo), float(hi)


def evaluate(y, p, bins: int = ECE_BINS, groups=None) -> dict[str, float]:
    """AUC, Gini, KS, Brier, log loss, ECE and calibration-in-the-large with its 95% interval.

    The interval of the observed default rate is Jeffreys' (rows independent); with ``groups``
    (e.g. the enterprise id of each row) it is the wider of that and the cluster-robust interval,
    because panel rows of one enterprise are not independent.
    """
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score, roc_curve

    y, p = np.asarray(y, dtype=np.int64), np.clip(np.asarray(p, dtype="float64"), 0.0, 1.0)
    auc = float(roc_auc_score(y, p))
    fpr, tpr, _ = roc_curve(y, p)
    lo, hi = jeffreys_interval(int(y.sum()), len(y))
    lo, hi = float(lo), float(hi)
    if groups is not None:
        if len(groups) != len(y):
            raise ValueError(f"groups has {len(groups)} values for {len(y)} rows")
        clo, chi = clustered_interval(y, groups)
        lo, hi = min(lo, clo), max(hi, chi)
    return {
        "rows": float(len(y)),
        "defaults": float(y.sum()),
        "auc": auc,
        "gini": 2 * auc - 1,
        "ks": float(np.max(tpr - fpr)),
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1])),
        "ece": expected_calibration_error(y, p, bins),
        "mean_pd": float(p.mean()),
        "observed_rate": float(y.mean()),
        "citl": float(y.mean() - p.mean()),  # calibration in the large: observed minus predicted
        "observed_ci_low": float(lo),
        "observed_ci_high": float(hi),
        "citl_inside_ci": float(lo <= p.mean() <= hi),
    }
