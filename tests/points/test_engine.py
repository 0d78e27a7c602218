"""Innovation points: hand-computed totals, caps, reweighting, and the properties analysts rely on."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innoscore.config import config_dir
from innoscore.indicators import load_catalog, parse_catalog
from innoscore.points import PointsConfigError, load_points_config, parse_points_config, prepare, score

AS_OF = "2026-10-31"
INDICATORS = ["rd_intensity", "valid_invention_patents", "revenue_growth", "revenue", "certification_level"]
EXTRA = ["gazelle", "rd_platforms", "standards_led", "penalties_3y", "prior_defaults"]


def small_doc() -> dict:
    """A configuration small enough to score by hand."""
    return {
        "groups": {
            "startup": {"technology": 0.6, "growth": 0.3, "auxiliary": 0.1},
            "growth": {"technology": 0.5, "growth": 0.4, "auxiliary": 0.1},
            "mature": {"technology": 0.5, "growth": 0.4, "auxiliary": 0.1},
        },
        "weights": {
            "startup": {"rd_intensity": 0.4, "valid_invention_patents": 0.2, "revenue_growth": 0.2, "revenue": 0.1,
                        "certification_level": 0.1},
            "growth": {"rd_intensity": 0.3, "valid_invention_patents": 0.2, "revenue_growth": 0.2, "revenue": 0.2,
                       "certification_level": 0.1},
            "mature": {"rd_intensity": 0.3, "valid_invention_patents": 0.2, "revenue_growth": 0.1, "revenue": 0.3,
                       "certification_level": 0.1},
        },
        "reference_values": {2020: {
            "rd_intensity": {"rule": "linear", "reference": 0.1},
            "valid_invention_patents": {"rule": "log", "reference": 20, "scale": 1},
            "revenue_growth": {"rule": "banded", "bands": [{"from": 0.0, "score": 0.2}, {"from": 0.1, "score": 0.5},
                                                            {"from": 0.2, "score": 0.8}, {"from": 0.3, "score": 1.0}]},
            "revenue": {"rule": "log", "reference": 1e8, "scale": 1e5},
            "certification_level": {"rule": "linear", "reference": 2},
        }},
        "bonus": {"cap": 5, "items": [
            {"id": "gazelle", "indicator": "gazelle", "points": 3, "cap": 3},
            {"id": "platforms", "indicator": "rd_platforms", "points": 1, "cap": 2},
            {"id": "standards", "indicator": "standards_led", "points": 2, "cap": 4},
        ]},
        "penalty": {"cap": 8, "items": [
            {"id": "penalties", "indicator": "penalties_3y", "points": 3, "cap": 6},
            {"id": "defaults", "indicator": "prior_defaults", "points": 5, "cap": 5},
        ]},
    }


def table(rows: dict[str, dict]) -> pd.DataFrame:
    cols = ["stage"] + INDICATORS + EXTRA
    frame = pd.DataFrame([{c: r.get(c, 0.0) for c in cols} for r in rows.values()], index=pd.Index(list(rows), name="enterprise_id"))
    return frame


ROWS = {
    # startup: rd 0.05 -> 0.5 x 0.4; no patents; growth 0.15 -> band 0.5 x 0.2; revenue 1e7 -> log score x 0.1;
    # one certificate -> 0.5 x 0.1; one penalty -3
    "S": {"stage": "startup", "rd_intensity": 0.05, "valid_invention_patents": 0, "revenue_growth": 0.15,
          "revenue": 1e7, "certification_level": 1, "penalties_3y": 1},
    # growth stage, every indicator at its reference but growth missing; bonus 3 + 2 + 2 = 7 capped at 5
    "G": {"stage": "growth", "rd_intensity": 0.2, "valid_invention_patents": 20, "revenue_growth": math.nan,
          "revenue": 1e8, "certification_level": 3, "gazelle": 1, "rd_platforms": 3, "standards_led": 1},
    # mature: rd missing, 5 patents, shrinking revenue; penalties 9 -> 6 and defaults 10 -> 5, 11 capped at 8
    "M": {"stage": "mature", "rd_intensity": math.nan, "valid_invention_patents": 5, "revenue_growth": -0.1,
          "revenue": 5e8, "certification_level": 0, "penalties_3y": 3, "prior_defaults": 2},
    # everything at the top: 100 + 5 bonus is kept at 100
    "TOP": {"stage": "growth", "rd_intensity": 1.0, "valid_invention_patents": 100, "revenue_growth": 1.0,
            "revenue": 1e9, "certification_level": 5, "gazelle": 1, "standards_led": 2},
    # nothing but penalties: kept at 0
    "ZERO": {"stage": "startup", "rd_intensity": 0.0, "valid_invention_patents": 0, "revenue_growth": -0.5,
             "revenue": 0.0, "certification_level": 0, "penalties_3y": 2},
}
LOG_1E7 = math.log1p(100) / math.log1p(1000)  # revenue 1e7 against reference 1e8, scale 1e5
LOG_5 = math.log1p(5) / math.log1p(20)  # 5 patents against 20


@pytest.fixture(scope="module")
def small_config():
    return parse_points_config(small_doc(), load_catalog(), "small.yaml")


def test_hand_computed_totals(small_config):
    result = score(prepare(table(ROWS), small_config, AS_OF))
    s_base = 100 * (0.4 * 0.5 + 0 + 0.2 * 0.5 + 0.1 * LOG_1E7 + 0.1 * 0.5)
    expected = {
        "S": (s_base, 0, 3, s_base - 3),
        "G": (80.0, 5, 0, 85.0),
        "M": (100 * (0.2 * LOG_5 + 0.3 * 1.0), 0, 8, 100 * (0.2 * LOG_5 + 0.3) - 8),
        "TOP": (100.0, 5, 0, 100.0),
        "ZERO": (0.0, 0, 6, 0.0),
    }
    for eid, (base, bonus, penalty, total) in expected.items():
        row = result.loc[eid]
        assert row["base"] == pytest.approx(base, rel=1e-12), eid
        assert row["bonus"] == pytest.approx(bonus) and row["penalty"] == pytest.approx(penalty), eid
        assert row["total"] == pytest.approx(total, abs=5e-10), eid  # kept to 1e-9 points
    s = result.loc["S"]
    assert s["technology"] == pytest.approx(20.0) and s["growth"] == pytest.approx(10 + 10 * LOG_1E7)
    assert s["auxiliary"] == pytest.approx(5.0)
    assert s["pts_revenue"] == pytest.approx(10 * LOG_1E7)
    assert s["technology"] + s["growth"] + s["auxiliary"] == pytest.approx(s["base"])


def test_percentile_is_the_share_at_or_below(small_config):
    result = score(prepare(table(ROWS), small_config, AS_OF))
    totals = result["total"]
    for eid in result.index:
        assert result.loc[eid, "percentile"] == pytest.approx(100 * (totals <= totals[eid]).mean())


def test_missing_reweighted_within_its_group(small_config):
    doc = yaml.safe_load((config_dir() / "features" / "indicators.yaml").read_text(encoding="utf-8"))
    for entry in doc["indicators"]:
        if entry["id"] == "revenue_growth":
            entry["missing"] = "reweight"
    catalog = parse_catalog(doc, "reweight catalog")
    cfg = parse_points_config(small_doc(), catalog, "small.yaml")
    rows = {"G": dict(ROWS["G"], revenue=1e7)}
    result = score(prepare(table(rows), cfg, AS_OF)).loc["G"]
    # growth group keeps its 0.4: revenue carries it alone (0.4 instead of 0.2)
    assert result["pts_revenue"] == pytest.approx(40 * LOG_1E7)
    assert result["pts_revenue_growth"] == 0.0
    assert result["base"] == pytest.approx(30 + 20 + 40 * LOG_1E7 + 10)
    no_points = score(prepare(table(rows), small_config, AS_OF)).loc["G"]
    assert no_points["pts_revenue"] == pytest.approx(20 * LOG_1E7)


def test_reference_values_of_the_year_in_force(small_config):
    doc = small_doc()
    doc["reference_values"][2024] = copy.deepcopy(doc["reference_values"][2020])
    doc["reference_values"][2024]["rd_intensity"]["reference"] = 0.05
    cfg = parse_points_config(doc, load_catalog(), "small.yaml")
    s = {"S": ROWS["S"]}
    assert prepare(table(s), cfg, "2023-12-31").year == 2020
    assert score(prepare(table(s), cfg, "2023-12-31")).loc["S", "pts_rd_intensity"] == pytest.approx(20.0)
    assert score(prepare(table(s), cfg, "2024-01-31")).loc["S", "pts_rd_intensity"] == pytest.approx(40.0)
    with pytest.raises(PointsConfigError, match="no year on or before 2019"):
        prepare(table(s), cfg, "2019-06-30")


def test_rescoring_with_new_weights_needs_no_new_preparation(small_config):
    prep = prepare(table(ROWS), small_config, AS_OF)
    weights = copy.deepcopy(small_config.weights)
    weights["startup"]["rd_intensity"], weights["startup"]["valid_invention_patents"] = 0.2, 0.4
    new = score(prep, small_config.with_weights(weights))
    assert new.loc["S", "pts_rd_intensity"] == pytest.approx(10.0)
    assert new.loc["G", "total"] == score(prep).loc["G", "total"]  # other stages unchanged
    weights["startup"]["rd_intensity"] = 0.3  # group no longer adds up
    with pytest.raises(PointsConfigError, match="stage startup: weights of group technology add up to 0.7"):
        small_config.with_weights(weights)


# ----------------------------------------------------------------------------- properties

def property_config():
    """The default weights plus two indicators with direction -1 (linear and banded)."""
    doc = yaml.safe_load((config_dir() / "features" / "indicators.yaml").read_text(encoding="utf-8"))
    for entry in doc["indicators"]:
        if entry["id"] in ("leverage", "lending_banks"):
            entry.update(group="growth", use="both", missing="no_points", scope="local")
    catalog = parse_catalog(doc, "property catalog")
    pdoc = yaml.safe_load((config_dir() / "features" / "points.yaml").read_text(encoding="utf-8"))
    for stage in pdoc["weights"]:
        pdoc["weights"][stage]["revenue"] -= 0.04
        pdoc["weights"][stage]["leverage"] = 0.02
        pdoc["weights"][stage]["lending_banks"] = 0.02
    for year in pdoc["reference_values"]:
        pdoc["reference_values"][year]["leverage"] = {"rule": "linear", "reference": 0.5}
        pdoc["reference_values"][year]["lending_banks"] = {"rule": "banded", "bands": [
            {"to": 1, "score": 1.0}, {"to": 3, "score": 0.5}]}
    return parse_points_config(pdoc, catalog, "property points")


PROPERTY = property_config()
NAMES = PROPERTY.indicators + sorted({i.indicator for i in PROPERTY.bonus + PROPERTY.penalty} - set(PROPERTY.indicators))

value = st.one_of(st.just(math.nan), st.floats(-2, 1e9, allow_nan=False), st.integers(0, 50).map(float))


@st.composite
def populations(draw, n_min=1, n_max=6):
    n = draw(st.integers(n_min, n_max))
    rows = {f"E{i}": {"stage": draw(st.sampled_from(["startup", "growth", "mature"])),
                      **{k: draw(value) for k in NAMES}} for i in range(n)}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "enterprise_id"
    return frame


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(populations())
def test_points_stay_between_0_and_100(pop):
    result = score(prepare(pop, PROPERTY, AS_OF))
    assert result["total"].between(0, 100).all()
    assert (result[["technology", "growth", "auxiliary"]] >= 0).all().all()


@SETTINGS
@given(populations(1, 3), st.data())
def test_better_indicators_never_lower_the_points(pop, data):
    name = data.draw(st.sampled_from(NAMES))
    direction = PROPERTY.catalog[name].direction
    row = data.draw(st.sampled_from(list(pop.index)))
    start = pop.loc[row, name]
    if math.isnan(start):
        start = data.draw(st.floats(0, 1e6))
        pop.loc[row, name] = start
    step = data.draw(st.floats(1e-6, 1e8))
    better = pop.copy()
    better.loc[row, name] = start + step * direction  # higher for +1, lower for -1
    before = score(prepare(pop, PROPERTY, AS_OF)).loc[row, "total"]
    after = score(prepare(better, PROPERTY, AS_OF)).loc[row, "total"]
    assert after >= before - 1e-9, (name, direction, start, step)


@SETTINGS
@given(populations(1, 5), populations(1, 1))
def test_adding_an_enterprise_changes_no_one_elses_points(pop, newcomer):
    newcomer.index = ["NEW"]
    newcomer.index.name = "enterprise_id"
    before = score(prepare(pop, PROPERTY, AS_OF)).drop(columns="percentile")
    after = score(prepare(pd.concat([pop, newcomer]), PROPERTY, AS_OF)).drop(columns="percentile")
    pd.testing.assert_frame_equal(after.loc[pop.index], before, check_exact=True)


def test_default_configuration_loads_and_scores_the_demo_shape():
    cfg = load_points_config()
    assert set(cfg.weights) == {"startup", "growth", "mature"}
    for weights in cfg.weights.values():
        assert sum(weights.values()) == pytest.approx(1.0)
    bonus_only = {i.indicator for i in cfg.bonus}
    assert set(cfg.indicators) == {i.id for i in load_catalog().for_points()} - bonus_only
    assert np.isclose(cfg.groups["growth"]["technology"], 0.5)
