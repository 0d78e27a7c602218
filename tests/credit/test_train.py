"""Training on its own (without MLflow): the slices, the figures, the baseline, the fingerprint and the
printed result, checked against what they are computed from."""

from __future__ import annotations

import datetime as dt
import re
import struct
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from innoscore.credit.config import load_credit_config
from innoscore.credit.metrics import evaluate
from innoscore.credit.panel import PanelError
from innoscore.credit.train import (baseline_logistic, calibration_plot, describe, fingerprint, flat_metrics,
                                    format_result, gate_results, train)
from innoscore.data.synth import SynthSpec, synthesize
from innoscore.data.validation import load
from innoscore.indicators import load_catalog


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train") / "province"
    synthesize(SynthSpec(enterprises=3000, seed=13), folder)
    data = load(folder)
    return folder, data, train(data)


def test_the_three_slices_are_the_panels_and_each_is_evaluated_on_its_own_rows(trained):
    _, _, result = trained
    frame, features = result.panel.frame, result.panel.features
    for split in ("train", "calibration", "test"):
        part = frame[frame["split"] == split]
        assert result.metrics[split]["rows"] == len(part)
        assert result.metrics[split]["defaults"] == int(part["default"].sum())
        # the figures are those of the fitted model's PDs on exactly these rows
        pd_ = result.model.predict_pd(part[features])
        again = evaluate(part["default"].to_numpy(), pd_, result.config.evaluation.ece_bins,
                         groups=part["enterprise_id"].to_numpy())
        assert again["auc"] == pytest.approx(result.metrics[split]["auc"])
        assert again["brier"] == pytest.approx(result.metrics[split]["brier"])
    # out of time: every test row is observed after every training row
    assert frame.loc[frame["split"] == "train", "as_of"].max() < frame.loc[frame["split"] == "test", "as_of"].min()


def test_the_baseline_is_the_logistic_regression_on_train_and_calibration(trained):
    _, _, result = trained
    frame, features = result.panel.frame, result.panel.features
    seen = frame[frame["split"].isin(["train", "calibration"])]
    test = frame[frame["split"] == "test"]
    base = baseline_logistic().fit(seen[features], seen["default"])
    auc = evaluate(test["default"].to_numpy(), base.predict_proba(test[features])[:, 1], 10)["auc"]
    assert result.baseline["auc"] == pytest.approx(auc)
    assert result.baseline["rows"] == len(test)


def test_the_backtest_lists_the_configured_grades_and_counts_every_test_row(trained):
    _, _, result = trained
    grades = [g.grade for g in result.config.grades]
    bt = result.backtest
    assert len(bt) >= 3 and list(bt.index) == [g for g in grades if g in bt.index]  # the configured order
    assert int(bt["rows"].sum()) == result.metrics["test"]["rows"]
    assert int(bt["defaults"].sum()) == result.metrics["test"]["defaults"]


def test_flat_metrics_are_the_figures_under_the_names_the_gates_read(trained):
    _, _, result = trained
    flat = flat_metrics(result)
    assert flat["test_auc"] == result.metrics["test"]["auc"]
    assert flat["calibration_brier"] == result.metrics["calibration"]["brier"]
    assert flat["baseline_test_auc"] == result.baseline["auc"]
    assert flat["score_psi"] == result.score_psi and flat["fit_seconds"] == result.fit_seconds
    gates = gate_results(flat, replace(result.config.gates, min_auc=flat["test_auc"] + 0.01))
    assert gates["min_auc"][0] is False and f"{flat['test_auc']:.4f}" in gates["min_auc"][1]


def test_the_printed_result_shows_the_figures_measured(trained):
    _, _, result = trained
    text = format_result(result)
    row = re.search(r"CreditModel\s+(0\.\d{4})\s+(0\.\d{4})\s+(0\.\d{4})\s+(0\.\d{5})", text)
    assert row and float(row.group(1)) == round(result.metrics["test"]["auc"], 4)
    assert float(row.group(4)) == round(result.metrics["test"]["brier"], 5)
    assert f"{len(result.panel.frame):,} rows x {len(result.panel.features)} features" in text
    assert describe(result.model) in text


def test_describe_says_what_the_fit_chose(trained):
    _, _, result = trained
    model = result.model
    text = describe(model)
    assert f"{model.n_trees_} trees" in text and model.calibration_method_ in text
    assert ("straight lines" in text) == (model.segments_ == 1)


def test_the_fingerprint_follows_the_files(trained, tmp_path):
    folder, data, result = trained
    assert result.fingerprint == fingerprint(data) == fingerprint(load(folder))
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    assert fingerprint(load(copy)) == result.fingerprint  # where the folder is does not matter
    meta = copy / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    assert fingerprint(load(copy)) != result.fingerprint  # its description does
    # in-memory tables: their contents
    tables = {"a": pd.DataFrame({"x": [1, 2]})}
    assert fingerprint(tables) == fingerprint({"a": pd.DataFrame({"x": [1, 2]})})
    assert fingerprint(tables) != fingerprint({"a": pd.DataFrame({"x": [1, 3]})})


def test_the_calibration_plot_is_a_png_of_the_test_bins(trained, tmp_path):
    _, _, result = trained
    path = calibration_plot(result, tmp_path / "calibration.png")
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (500, 500)  # 5 x 5 inches at 100 dpi


def test_a_slice_without_both_outcomes_is_refused_naming_the_configuration(trained):
    _, data, _ = trained
    config = load_credit_config()
    late = replace(config, panel=replace(config.panel, train_until=dt.date(2030, 12, 31),
                                        calibration_until=dt.date(2031, 12, 31)))
    with pytest.raises(PanelError) as exc:
        train(data, late, load_catalog())
    text = str(exc.value)
    assert "the calibration slice of the credit panel has 0 rows" in text and str(config.source) in text


def test_monotone_directions_come_from_the_catalog(trained):
    _, _, result = trained
    catalog = load_catalog()
    for feature, sign in result.model.monotone.items():
        assert sign == -catalog[feature].direction
    assert np.isfinite(result.score_psi)
