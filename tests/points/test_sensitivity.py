"""The Monte Carlo of the ranking, its batch scorer against the engine, and the Sobol indices."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from innoscore.config import config_dir
from innoscore.indicators import parse_catalog
from innoscore.points import parse_points_config, prepare, score
from innoscore.points.config import ScoreRule
from innoscore.points.sensitivity import (DIGITS, Level, Scorer, SensitivityError, monte_carlo, sobol,
                                          top_levels)

from .test_engine import AS_OF, EXTRA, INDICATORS, small_doc


def catalog_with(**changes: dict) -> object:
    """The indicator catalog with some entries changed, e.g. ``revenue={"missing": "reweight"}``."""
    doc = yaml.safe_load((config_dir() / "features" / "indicators.yaml").read_text(encoding="utf-8"))
    for entry in doc["indicators"]:
        entry.update(changes.get(entry["id"], {}))
    return parse_catalog(doc, "test catalog")


def random_indicators(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "stage": rng.choice(["startup", "growth", "mature"], n, p=[0.3, 0.5, 0.2]),
        "rd_intensity": np.where(rng.random(n) < 0.2, np.nan, rng.uniform(-0.01, 0.25, n)),
        "valid_invention_patents": rng.poisson(3, n).astype(float),
        "revenue_growth": np.where(rng.random(n) < 0.15, np.nan, rng.normal(0.1, 0.2, n)),
        "revenue": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(16, 2, n)),
        "certification_level": rng.integers(0, 4, n).astype(float),
        **{c: rng.poisson(0.3, n).astype(float) for c in EXTRA},
    }, index=pd.Index([f"E{i:05d}" for i in range(n)], name="enterprise_id"))
    frame.loc[frame.index[:7], INDICATORS[1:]] = 0.0  # a few equal totals
    return frame[["stage"] + INDICATORS + EXTRA]


@pytest.fixture(scope="module")
def reweight_config():
    catalog = catalog_with(revenue_growth={"missing": "reweight"}, rd_intensity={"missing": "reweight"})
    return parse_points_config(small_doc(), catalog, "small.yaml")


@pytest.fixture(scope="module")
def prep(reweight_config):
    return prepare(random_indicators(3000, 1), reweight_config, AS_OF)


def random_weights(config, rng) -> dict:
    """Random weights that keep technology at least growth in every stage."""
    out = {}
    for stage, w in config.weights.items():
        tech = rng.uniform(0.4, 0.7)
        shares = {"technology": tech, "growth": rng.uniform(0.05, min(tech, 1 - tech))}
        shares["auxiliary"] = 1 - shares["technology"] - shares["growth"]
        out[stage] = {}
        for g, share in shares.items():
            names = [k for k in w if config.catalog[k].group == g]
            out[stage].update(zip(names, (rng.dirichlet(np.ones(len(names))) * share).tolist()))
    return out


def as_config(config, weights: dict):
    groups = {s: {g: sum(v for k, v in w.items() if config.catalog[k].group == g)
                  for g in ("technology", "growth", "auxiliary")} for s, w in weights.items()}
    return config.with_weights(weights, groups)


def test_the_batch_scorer_gives_the_engines_points_for_any_weights(prep, reweight_config):
    rng = np.random.default_rng(3)
    configs = [as_config(reweight_config, random_weights(reweight_config, rng)) for _ in range(8)]
    scorer = Scorer(prep, reweight_config)
    batch = np.stack([Scorer(prep, c).weights for c in configs])
    totals = scorer.totals(batch)
    assert totals.shape == (3000, 8)
    for i, c in enumerate(configs):
        expected = score(prep, c)["total"].to_numpy()
        np.testing.assert_allclose(totals[:, i], expected, rtol=0, atol=10.0 ** -DIGITS)
    assert np.isnan(prep.scores).any()  # reweighting really happened


def test_the_scoring_choices_match_a_prepared_config_with_those_choices():
    catalog = catalog_with(rd_intensity={"direction": -1}, revenue={"direction": -1})
    config = parse_points_config(small_doc(), catalog, "small.yaml")
    frame = random_indicators(800, 2)
    prep = prepare(frame, config, AS_OF)
    scorer = Scorer(prep, config)
    names = [prep.indicators[j] for j in scorer.choice_cols]
    assert set(names) == {"rd_intensity", "valid_invention_patents", "revenue", "certification_level"}
    factors = np.array([1.3 if n in ("rd_intensity", "revenue") else 0.7 for n in names])
    linear = np.array([n == "valid_invention_patents" for n in names])
    rules = dict(config.references[2020])
    for n, f in zip(names, factors):
        r = rules[n]
        rules[n] = ScoreRule("linear", r.reference * f) if n == "valid_invention_patents" else replace(r, reference=r.reference * f)
    moved = replace(config, references={2020: rules})
    expected = prepare(frame, moved, AS_OF).filled
    got = np.empty_like(expected)
    for s, rows in enumerate(scorer.rows):
        got[rows] = scorer.choices(factors, linear)[s]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    unchanged = np.empty_like(expected)
    for s, rows in enumerate(scorer.rows):
        unchanged[rows] = scorer.choices(np.ones(len(names)), np.zeros(len(names), bool))[s]
    np.testing.assert_allclose(unchanged, prep.filled, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", ["dirichlet", "uniform"])
def test_zero_noise_gives_the_current_ranking_with_zero_width_bands(prep, method):
    pd_values = np.random.default_rng(4).uniform(0, 0.1, len(prep.stage))
    pd_values[::5] = np.nan  # no PD: after every enterprise with one, among equal points
    result = monte_carlo(prep, draws=20, weights=method, noise=0.0, levels=top_levels((10, 100, 1000)),
                         thresholds={"gate": 30.0}, pd_values=pd_values)
    e = result.enterprises
    assert (e["rank_low"] == e["rank"]).all() and (e["rank_high"] == e["rank"]).all()
    assert (e["median_rank"] == e["rank"]).all()
    # the current ranking is the points' ranking, equal points by PD then id, as the matcher ranks
    total = np.round(score(prep)["total"].to_numpy(), DIGITS)
    order = np.lexsort((np.arange(len(total)), np.nan_to_num(pd_values, nan=np.inf), -total))
    assert (e["rank"].to_numpy()[order] == np.arange(1, len(total) + 1)).all()
    for q in (10, 100, 1000):
        assert ((e[f"p_top_{q}"] == 1.0) == (e["rank"] <= q)).all() and e[f"p_top_{q}"].isin([0.0, 1.0]).all()
    assert (e["p_pass_gate"] == (e["points"] >= 30)).all()
    assert result.boundaries.empty


def test_noise_widens_the_bands_and_every_draw_fills_each_level(prep):
    result = monte_carlo(prep, draws=200, noise=0.3, levels=top_levels((10, 100)), thresholds={"gate": 30.0}, seed=5)
    e = result.enterprises
    assert (e["rank_low"] <= e["median_rank"]).all() and (e["median_rank"] <= e["rank_high"]).all()
    assert (e["rank_high"] - e["rank_low"]).max() > 10
    assert e["p_top_10"].sum() == pytest.approx(10) and e["p_top_100"].sum() == pytest.approx(100)
    assert (e["p_top_10"] <= e["p_top_100"]).all()  # nested
    b = result.boundary("top_10")
    assert len(b) and ((b["probability"] > 0.05) & (b["probability"] < 0.95)).all()
    assert (np.abs(b["probability"] - 0.5).diff().dropna() >= 0).all()  # most uncertain first
    again = monte_carlo(prep, draws=200, noise=0.3, levels=top_levels((10, 100)), thresholds={"gate": 30.0}, seed=5)
    pd.testing.assert_frame_equal(e, again.enterprises)
    other = monte_carlo(prep, draws=200, noise=0.3, levels=top_levels((10, 100)), seed=6)
    assert not np.array_equal(e["median_rank"], other.enterprises["median_rank"]) or \
        not np.array_equal(e["p_top_10"], other.enterprises["p_top_10"])


def test_exclusive_levels_take_eligible_enterprises_once(prep):
    n = len(prep.stage)
    rng = np.random.default_rng(8)
    levels = (Level("leaders", 5, rng.random(n) < 0.5, min_points=40.0, exclusive=True),
              Level("next", 50, None, exclusive=True))
    result = monte_carlo(prep, draws=100, noise=0.2, levels=levels, references=0.2, linear_share=0.5, seed=1)
    e = result.enterprises
    assert (e["p_leaders"] + e["p_next"] <= 1.0 + 1e-12).all()
    assert (e.loc[~levels[0].eligible, "p_leaders"] == 0).all()
    assert e["p_next"].sum() == pytest.approx(50)
    assert (e["level"] == "leaders").sum() == 5 and (e.loc[e["level"] == "leaders", "points"] >= 40).all()


def test_keep_groups_keeps_group_shares(prep):
    from innoscore.points.sensitivity import _weight_draws

    w0 = Scorer(prep).weights
    w = _weight_draws(np.random.default_rng(0), w0, 50, "dirichlet", 0.3, prep.group, keep_groups=True)
    for g in np.unique(prep.group):
        cols = prep.group == g
        np.testing.assert_allclose(w[:, :, cols].sum(axis=2), np.broadcast_to(w0[:, cols].sum(axis=1), (50, 3)))
    assert not np.allclose(w, w0[None])


def test_bad_settings_are_refused_clearly(prep):
    with pytest.raises(SensitivityError, match="weights must be one of dirichlet, uniform"):
        monte_carlo(prep, weights="gauss")
    with pytest.raises(SensitivityError, match="uniform noise must be below 1"):
        monte_carlo(prep, weights="uniform", noise=1.5)
    with pytest.raises(SensitivityError, match="draws must be a whole number"):
        monte_carlo(prep, draws=0)
    with pytest.raises(SensitivityError, match="tier names repeat"):
        monte_carlo(prep, levels=(Level("a", 1), Level("a", 2)))
    with pytest.raises(SensitivityError, match="eligible must be 3000 booleans"):
        monte_carlo(prep, levels=(Level("a", 1, np.ones(5, bool)),))
    with pytest.raises(SensitivityError, match="samples must be a power of 2"):
        sobol(prep, samples=100)
    with pytest.raises(SensitivityError, match=r"1,000 draws x 3,000 enterprises hold 0.0 GB of ranks"):
        monte_carlo(prep, max_ranks_gb=0.001)


def test_sobol_gives_no_index_to_a_group_that_cannot_move_the_ranking(prep):
    aux = prep.group == 2
    flat = prep.filled.copy()
    flat[:, aux] = 0.5  # every enterprise scores the same on the auxiliary group
    scores = prep.scores.copy()
    scores[:, aux] = 0.5
    # no bonus or penalty: a group's share then scales every enterprise's points alike
    fixed = replace(prep, filled=np.asfortranarray(flat), scores=scores, bonus_items=prep.bonus_items * 0,
                    penalty_items=prep.penalty_items * 0)
    table = sobol(fixed, samples=32, levels=top_levels((10, 100)), noise=0.3).set_index(["output", "factor"])
    assert table.loc[("spearman", "auxiliary"), "total"] == pytest.approx(0.0, abs=1e-4)  # rounding aside
    assert table.loc[("spearman", "technology"), "total"] > 0.05
    assert set(table.index.get_level_values("output")) == {"kept_top_10", "kept_top_100", "spearman"}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 12.5, 60.0, 99.999999999, 100.0, 33.333333333]),
                          st.one_of(st.none(), st.floats(0, 1))), min_size=1, max_size=60),
       st.integers(0, 2 ** 20))
def test_the_ranking_key_orders_as_the_matcher_does(rows, salt):
    from innoscore.points.sensitivity import _ranking, _tie_ranks

    rng = np.random.default_rng(salt)
    total = np.round(np.clip(np.array([t for t, _ in rows]) + rng.integers(0, 3, len(rows)) * 1e-9, 0, 100), 9)
    pd_values = np.array([np.nan if p is None else p for _, p in rows])
    expected = np.lexsort((np.arange(len(rows)), np.nan_to_num(pd_values, nan=np.inf), -total))
    assert _ranking(total, _tie_ranks(len(rows), pd_values)).tolist() == expected.tolist()
