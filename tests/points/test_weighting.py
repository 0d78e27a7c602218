"""Weighting methods against a published AHP example and hand-computed entropy and CRITIC weights."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from innoscore.points.weighting import WeightingError, ahp, by_group, combine, critic, entropy, equal, pca

# Saaty's classic three-criteria example (Saaty 1980; e.g. the AHP article of the English Wikipedia's
# references): weights 0.637, 0.258, 0.105, lambda_max 3.039, CR 0.033
SAATY_3 = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]

# a 4 x 3 table, by hand (scaled to [0, 1] by min-max first):
#   A 0,1,2,3   -> 0, 1/3, 2/3, 1 -> p 0, 1/6, 2/6, 3/6 -> e = (ln6/6 + ln3/3 + ln2/2) / ln4 = 0.729576
#   B 1,1,1,2   -> 0, 0, 0, 1     -> p 0, 0, 0, 1       -> e = 0
#   C 5,10,10,5 -> 0, 1, 1, 0     -> p 0, .5, .5, 0     -> e = ln2 / ln4 = 0.5
#   entropy: d = 0.270424, 1, 0.5 -> w = d / 1.770424
#   CRITIC: sd (n-1) 0.430331, 0.5, 0.577350; r(A,B) 0.774597, r(A,C) 0, r(B,C) -0.577350;
#           C = sd x sum(1 - r) = 0.527327, 0.901377, 1.488034 -> w = C / 2.916738
TABLE = pd.DataFrame({"A": [0, 1, 2, 3], "B": [1, 1, 1, 2], "C": [5, 10, 10, 5]})


def test_ahp_matches_saatys_worked_example():
    w = ahp(SAATY_3, ["a", "b", "c"])
    assert w.to_numpy() == pytest.approx([0.6370, 0.2583, 0.1047], abs=5e-4)
    assert w.lambda_max == pytest.approx(3.0385, abs=5e-4) and w.cr == pytest.approx(0.0332, abs=5e-4)
    assert w.ri == 0.58 and w.sum() == pytest.approx(1.0)


def test_an_inconsistent_matrix_is_refused_unless_allowed_and_a_broken_one_always():
    cyclic = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]  # a > b > c > a
    with pytest.raises(WeightingError, match=r"consistency ratio \d\.\d+ >= 0.1"):
        ahp(cyclic)
    assert ahp(cyclic, allow_inconsistent=True).cr > 1
    with pytest.raises(WeightingError, match=r"not reciprocal: a\[c1\]\[c2\] = 3 but a\[c2\]\[c1\] = 0.5"):
        ahp([[1, 3], [0.5, 1]])
    with pytest.raises(WeightingError, match="positive"):
        ahp([[1, -2], [-0.5, 1]])
    assert ahp([[1, 1], [1, 1]]).tolist() == [0.5, 0.5]  # order 2 is always consistent


def test_entropy_and_critic_match_the_hand_computed_weights():
    assert entropy(TABLE).to_numpy() == pytest.approx(np.array([0.270424, 1, 0.5]) / 1.770424, abs=1e-6)
    assert critic(TABLE).to_numpy() == pytest.approx(np.array([0.527327, 0.901377, 1.488034]) / 2.916738,
                                                     abs=1e-6)


def test_negative_values_and_constant_columns_are_handled_not_nan():
    shifted = TABLE.assign(A=TABLE["A"] - 10.0, C=-TABLE["C"] * 1e6)  # negative values; C turned round
    assert entropy(shifted)["A"] == pytest.approx(entropy(TABLE)["A"])  # min-max: no shift needed
    assert not entropy(shifted).isna().any() and (entropy(shifted) >= 0).all()
    flat = TABLE.assign(D=7.0)
    with pytest.warns(UserWarning, match="B are mostly at their minimum"):  # B outweighs 2 / 4 now
        w = entropy(flat)
    assert w["D"] == 0.0 and w.sum() == pytest.approx(1.0)
    assert critic(flat)["D"] == 0.0
    with pytest.raises(WeightingError, match=r"missing or infinite values in \['A'\]"):
        entropy(TABLE.assign(A=[0, np.nan, 1, 2]))


def test_a_zero_heavy_indicator_taking_an_outsized_entropy_weight_is_warned_about():
    sparse = pd.DataFrame({"dense": np.arange(10.0), "sparse": [0.0] * 9 + [5.0], "other": np.arange(10.0) % 3})
    with pytest.warns(UserWarning, match="sparse are mostly at their minimum"):
        w = entropy(sparse)
    assert w["sparse"] > 2 / 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        entropy(TABLE)  # B is sparse too, but its weight is not outsized: no warning


def test_combined_group_and_equal_weights():
    a, b = pd.Series([0.5, 0.3, 0.2], index=list("xyz")), pd.Series([0.2, 0.2, 0.6], index=list("zyx"))
    assert combine([a, b]).round(6).tolist() == pytest.approx(np.round(np.array([0.3, 0.06, 0.04]) / 0.4, 6))
    assert combine([a, b], "linear", [0.5, 0.5]).tolist() == pytest.approx([0.55, 0.25, 0.2])
    with pytest.raises(WeightingError, match="the same indicators"):
        combine([a, b.rename({"x": "q"})])
    g = by_group({"technology": 0.6, "growth": 0.4}, {"technology": pd.Series([1.0, 3.0], index=["p", "q"]),
                                                         "growth": pd.Series([1.0], index=["r"])})
    assert g.to_dict() == pytest.approx({"p": 0.15, "q": 0.45, "r": 0.4})
    assert equal(["a", "b", "c", "d"]).tolist() == [0.25] * 4


def test_pca_weights_by_hand():
    # two columns moving together: one component (eigenvalues 2 and 0), coefficients 1/sqrt(2) each
    together = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [10.0, 20, 30, 40]})
    assert pca(together).tolist() == pytest.approx([0.5, 0.5])
    # two uncorrelated columns (eigenvalues 1 and 1, both kept): equal again, whatever the rotation
    apart = pd.DataFrame({"a": [1.0, -1, 1, -1], "b": [1.0, 1, -1, -1]})
    assert pca(apart).tolist() == pytest.approx([0.5, 0.5])
    # a third column repeating the first: the first component (eigenvalue 2.0 of 3) loads on a and c only
    three = apart.assign(c=apart["a"])
    w = pca(three)
    assert w["a"] == pytest.approx(w["c"]) and w.sum() == pytest.approx(1.0)
    with pytest.raises(WeightingError, match=r"constant columns .*\['d'\]"):
        pca(three.assign(d=1.0))
