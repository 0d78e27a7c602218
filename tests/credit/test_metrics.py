"""Figures of a PD model: the interval of calibration-in-the-large when panel rows repeat an enterprise."""

from __future__ import annotations

import numpy as np
import pytest

from innoscore.credit.metrics import clustered_interval, evaluate, jeffreys_interval


def test_clustered_interval_widens_with_repeated_rows():
    rng = np.random.default_rng(0)
    y1 = (rng.random(4000) < 0.05).astype(int)
    groups1 = np.arange(4000)
    lo, hi = clustered_interval(y1, groups1)
    jlo, jhi = jeffreys_interval(int(y1.sum()), len(y1))
    assert hi - lo == pytest.approx(float(jhi - jlo), rel=0.05)  # one row per enterprise: the usual interval
    # the same enterprises seen at 12 observation dates with the same outcome: no new information
    y12, groups12 = np.repeat(y1, 12), np.repeat(groups1, 12)
    lo12, hi12 = clustered_interval(y12, groups12)
    assert hi12 - lo12 == pytest.approx(hi - lo, rel=0.01)
    jlo12, jhi12 = jeffreys_interval(int(y12.sum()), len(y12))
    assert (jhi12 - jlo12) < 0.35 * (hi12 - lo12)  # Jeffreys on rows would claim sqrt(12) times the precision


def test_evaluate_takes_the_wider_interval_with_groups():
    rng = np.random.default_rng(1)
    y = np.repeat((rng.random(2000) < 0.05).astype(int), 12)
    groups = np.repeat(np.arange(2000), 12)
    p = np.full(len(y), 0.05)
    rows = evaluate(y, p)
    clustered = evaluate(y, p, groups=groups)
    assert clustered["observed_ci_low"] < rows["observed_ci_low"] and clustered["observed_ci_high"] > rows["observed_ci_high"]
    assert clustered["auc"] == rows["auc"] and clustered["brier"] == rows["brier"]
    with pytest.raises(ValueError, match="groups has 3 values"):
        evaluate(y, p, groups=groups[:3])


def test_grade_backtest_intervals_count_enterprises_and_stay_in_0_1():
    from innoscore.credit.metrics import grade_backtest

    rng = np.random.default_rng(2)
    p1 = rng.choice([0.002, 0.05], size=1500)
    y = np.repeat((rng.random(1500) < p1).astype(int), 12)
    p, groups = np.repeat(p1, 12), np.repeat(np.arange(1500), 12)
    grades = np.where(p < 0.01, "A", "B")
    rows = grade_backtest(y, p, grades, ["A", "B"])
    clustered = grade_backtest(y, p, grades, ["A", "B"], groups=groups)
    assert list(clustered.index) == ["A", "B"] and (clustered["rows"] == rows["rows"]).all()
    assert ((clustered["ci_low"] >= 0) & (clustered["ci_high"] <= 1)).all()
    assert (clustered["ci_high"] - clustered["ci_low"] > 2.5 * (rows["ci_high"] - rows["ci_low"])).all()
