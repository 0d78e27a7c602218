"""points.run on the small province: the points of a data set, the top, the gates' shares, the summary, the files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from innoscore.data.validation import Dataset
from innoscore.points import load_points_config, prepare, score
from innoscore.points.explain import explain_enterprise
from innoscore.points.run import format_points, gate_shares, points_and_checks, top, write_points

from ..helpers import SMALL


@pytest.fixture(scope="module")
def result(small_province):
    return points_and_checks(Dataset(small_province[0], SMALL.extracted_on), SMALL.extracted_on, load_points_config())


def test_the_points_of_a_data_set_are_the_engines_on_its_indicators(result):
    pts = result.points
    assert list(pts.index) == list(result.indicators.index) and len(pts) > 300
    again = score(prepare(result.indicators, load_points_config(), SMALL.extracted_on))
    np.testing.assert_array_equal(pts["total"].to_numpy(), again["total"].to_numpy())
    assert pts["total"].between(0, 100).all()
    checked = set(result.checks["enterprise_id"].astype(str))
    assert checked == set(pts.index)  # every enterprise's certifications are checked


def test_top_sorts_by_points_then_id():
    pts = pd.DataFrame({"stage": "growth", "total": [50.0, 70.0, 70.0, 10.0], "technology": 0.0, "growth": 0.0,
                        "auxiliary": 0.0, "bonus": 0.0, "penalty": 0.0, "percentile": 0.0},
                       index=pd.Index(["D", "C", "A", "B"], name="enterprise_id"))
    assert list(top(pts, 3).index) == ["A", "C", "D"]


def test_gate_shares_count_by_hand():
    pts = pd.DataFrame({"total": [64.9, 65.0, 70.0, 80.0]}, index=["a", "b", "c", "d"])
    holders = pd.Series([1, 0, 1, 1], index=["a", "b", "c", "d"])
    g = gate_shares(pts, holders, gates=(65.0, 75.0)).set_index("gate")
    assert g.loc[65.0, "enterprises"] == 3 and g.loc[65.0, "share"] == 0.75
    assert g.loc[65.0, "holders"] == 2 and g.loc[65.0, "holders_share"] == pytest.approx(2 / 3)
    assert g.loc[75.0, "enterprises"] == 1 and g.loc[75.0, "holders"] == 1


def test_the_summary_the_files_and_one_enterprises_explanation(result, tmp_path):
    text = format_points(result)
    assert f"{len(result.points):,} enterprises" in text and "top 10 enterprises by points" in text
    assert ">= 65:" in text and "certification checks" in text
    write_points(result, tmp_path)
    back = pd.read_parquet(tmp_path / "points.parquet").set_index("enterprise_id")
    assert back["total"].equals(result.points["total"])
    assert len(pd.read_parquet(tmp_path / "certification_checks.parquet")) == len(result.checks)
    best = result.points["total"].idxmax()
    explained = explain_enterprise(result, best)
    assert explained.startswith(f"enterprise {best}:") and f"= {result.points.loc[best, 'total']:.2f} points" in explained
    with pytest.raises(KeyError):
        explain_enterprise(result, "NOT-AN-ID")
