"""Weighting methods against a published AHP example and hand-computed entropy and CRITIC weights."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

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


# ---------------------------------------------------------------- from derived weights to a weights file

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from innoscore.config import ConfigError  # noqa: E402
from innoscore.points import load_points_config, prepare  # noqa: E402
from innoscore.points.config import (PointsConfigError, load_weights,  # noqa: E402
                                     save_points_config, to_document)
from innoscore.points.importance import effective_weights_table, explained_share  # noqa: E402
from innoscore.points.weighting import indicator_scores, to_config  # noqa: E402


@pytest.fixture(scope="module")
def base():
    return load_points_config()


def test_a_saved_points_file_reads_back_equal(base, tmp_path):
    path = save_points_config(base, tmp_path / "copy.yaml", note="a copy\nof the file")
    again = load_weights(path)
    assert path.read_text(encoding="utf-8").startswith("# a copy\n# of the file\n")
    assert again.weights == base.weights and again.groups == base.groups
    assert again.references == base.references and again.bonus == base.bonus and again.penalty == base.penalty
    assert again.reference_rule == base.reference_rule and to_document(again) == to_document(base)


def test_derived_weights_keep_the_group_shares_unless_told_otherwise(base):
    names = base.indicators
    w = pd.Series(np.arange(1, len(names) + 1, dtype=float), index=names)
    kept = to_config(base, w)
    for stage in base.weights:
        assert kept.groups[stage] == pytest.approx(base.groups[stage])
        tech = [n for n in names if base.catalog[n].group == "technology"]
        ratio = kept.weights[stage][tech[1]] / kept.weights[stage][tech[0]]
        assert ratio == pytest.approx(w[tech[1]] / w[tech[0]])  # proportions within a group kept
    free = to_config(base, w, keep_groups=False)
    assert sum(free.weights["growth"].values()) == pytest.approx(1.0)
    assert free.weights["growth"][names[-1]] == pytest.approx(w.iloc[-1] / w.sum())
    per_stage = to_config(base, {"startup": w, "growth": w[::-1], "mature": equal(names)})
    assert per_stage.weights["startup"] != per_stage.weights["growth"]


def test_derived_weights_that_cannot_be_used_are_refused(base):
    names = base.indicators
    with pytest.raises(WeightingError, match="not points indicators"):
        to_config(base, pd.Series(1.0, index=names + ["leverage"]))
    with pytest.raises(WeightingError, match="group auxiliary has a share"):
        to_config(base, pd.Series(1.0, index=[n for n in names if base.catalog[n].group != "auxiliary"]))
    with pytest.raises(WeightingError, match="every stage"):
        to_config(base, {"startup": equal(names)})
    growth_heavy = pd.Series([1.0 if base.catalog[n].group == "growth" else 0.01 for n in names], index=names)
    with pytest.raises(PointsConfigError, match="technology .* must weigh at least as much as growth"):
        to_config(base, growth_heavy, keep_groups=False)


def test_a_weights_only_file_takes_the_rest_from_the_base(base, tmp_path):
    doc = to_document(to_config(base, equal(base.indicators)))
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump({"groups": doc["groups"], "weights": doc["weights"]}), encoding="utf-8")
    loaded = load_weights(path, base)
    assert loaded.weights == doc["weights"] and loaded.references == base.references and loaded.source == str(path)
    path.write_text(yaml.safe_dump({"groups": doc["groups"], "weights": doc["weights"], "bonsu": 1}), encoding="utf-8")
    with pytest.raises(PointsConfigError, match="also bonsu"):
        load_weights(path, base)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_weights_file_is_loaded_or_refused_with_a_message(base, tmp_path, data):
    doc = {"groups": copy.deepcopy(to_document(base)["groups"]), "weights": copy.deepcopy(base.weights)}
    stage = data.draw(st.sampled_from(sorted(doc["weights"])))
    part = data.draw(st.sampled_from(["groups", "weights"]))
    key = data.draw(st.sampled_from(sorted(doc[part][stage])))
    doc[part][stage][key] = data.draw(st.one_of(st.floats(allow_nan=True), st.text(max_size=3), st.none(),
                                                st.integers(-5, 5), st.lists(st.integers(), max_size=2),
                                                st.integers(min_value=10 ** 300, max_value=10 ** 400)))
    if data.draw(st.booleans()):
        doc[part][data.draw(st.text(max_size=4))] = {}
    path = tmp_path / "mutated.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        loaded = load_weights(path, base)
    except ConfigError as exc:
        assert str(path) in str(exc)
    else:
        assert all(abs(sum(w.values()) - 1) < 1e-6 for w in loaded.weights.values())


# ---------------------------------------------------------------------------------- effective weights

def test_explained_share_by_hand():
    assert explained_share(np.array([0, 0, 1, 1.0]), np.array([1, 2, 3, 4.0])) == pytest.approx(0.8)
    # eta squared over three categories: group means 0.5, 5.5, 0.5 around 13/6; SSB 100/3, SST 209/6
    x, t = np.array([0, 1, 2, 0, 1, 2.0]), np.array([0, 5, 1, 1, 6, 0.0])
    assert explained_share(x, t, categories=x) == pytest.approx(200 / 209)
    assert explained_share(x, t) == pytest.approx(np.corrcoef(x, t)[0, 1] ** 2)  # linear: far less
    assert explained_share(np.ones(4), np.array([1, 2, 3, 4.0])) == 0.0
    assert explained_share(np.array([1, 2, 3, 4.0]), np.ones(4)) == 0.0


def test_effective_weights_flag_an_indicator_nobody_differs_on(base, small_province):
    from innoscore.data.validation import Dataset
    from innoscore.points.run import points_and_checks

    tables, _ = small_province
    result = points_and_checks(Dataset(tables, pd.Timestamp("2024-06-30").date(), None), pd.Timestamp("2024-06-30").date(), base)
    table = effective_weights_table(result.prepared)
    assert set(table["stage"]) == {"startup", "growth", "mature"}
    assert table.groupby("stage")["importance"].sum().to_numpy() == pytest.approx(1.0)
    assert ((table["flag"] == "below") == ((table["weight"] > 0) & (table["ratio"] < 0.5))).all()
    ind = result.indicators.copy()
    ind["revenue"] = 1e7  # every enterprise the same revenue
    flat = effective_weights_table(prepare(ind, base, "2024-06-30"))
    rev = flat[flat["indicator"] == "revenue"]
    assert (rev["importance"] == 0).all() and (rev["flag"] == "below").all()
    scores = indicator_scores(prepare(ind, base, "2024-06-30"), "growth")
    assert (scores["revenue"].nunique() == 1) and scores.to_numpy().min() >= 0 and scores.to_numpy().max() <= 1


def test_an_unweighted_indicator_has_no_importance_and_a_still_stage_none_at_all(base, small_province):
    from innoscore.data.validation import Dataset
    from innoscore.points.run import points_and_checks

    day = pd.Timestamp("2024-06-30").date()
    result = points_and_checks(Dataset(small_province[0], day, None), day, base)
    weights = {s: dict(w) for s, w in base.weights.items()}
    weights["growth"]["rd_staff"] += weights["growth"]["valid_invention_patents"]
    weights["growth"]["valid_invention_patents"] = 0.0  # few values: the correlation ratio would see it
    table = effective_weights_table(result.prepared, base.with_weights(weights))
    row = table[(table["stage"] == "growth") & (table["indicator"] == "valid_invention_patents")].iloc[0]
    assert row["importance"] == 0.0 and row["flag"] == ""
    one = result.indicators.iloc[:1]
    still = effective_weights_table(prepare(one, base, "2024-06-30"))
    assert still["importance"].isna().all() and (still["flag"] == "").all()
