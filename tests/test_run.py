"""The monthly run end to end on a small province: a published month, its manifest, refusals, reruns."""

from __future__ import annotations

import hashlib
import json
import shutil

import pandas as pd
import pytest

from innoscore.cli import main

from .helpers import SMALL, run_args


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_month_is_published_with_its_manifest_and_rerun_byte_identical(setup, tmp_path, capsys):
    root, data, model = setup
    runs = tmp_path / "runs"
    assert main(run_args(root, data, model, runs)) == 0
    month = runs / SMALL.extracted_on.strftime("%Y-%m")
    assert f"published {month}" in capsys.readouterr().out
    files = _files(month)
    for name in ("indicators.parquet", "points.parquet", "scores.parquet", "tiers.parquet", "first_loan.parquet",
                 "subsidies.parquet", "statistics.parquet", "report.html", "report_en.html", "manifest.json",
                 "shortlists/ICBC.xlsx", "shortlists/ICBC.csv"):
        assert name in files, name
    manifest = json.loads(files["manifest.json"])
    assert manifest["as_of"] == SMALL.extracted_on.isoformat() and manifest["model"]["uri"] == str(model)
    for name, digest in manifest["input_files"].items():
        assert hashlib.sha256((data / name).read_bytes()).hexdigest() == digest
    assert set(manifest["input_files"]) >= {"enterprises.parquet", "loans.parquet", "dataset.yaml"}
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256(files[name]).hexdigest() == digest
    assert [s["step"] for s in manifest["steps"]][0] == "validate"
    scores = pd.read_parquet(month / "scores.parquet")
    assert list(scores.columns[:5]) == ["enterprise_id", "points", "pd", "score", "grade"]
    assert manifest["rows"]["enterprises"] == len(scores)
    # logged to MLflow as a run of the experiment innoscore-monthly, with the report and manifest
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{root}/mlflow.db")
    exp = client.get_experiment_by_name("innoscore-monthly")
    logged = [r for r in client.search_runs([exp.experiment_id]) if r.data.params.get("month") == month.name]
    assert logged and logged[0].data.metrics["rows_enterprises"] == len(pd.read_parquet(month / "scores.parquet"))
    assert {a.path for a in client.list_artifacts(logged[0].info.run_id, "month")} >= {
        "month/report.html", "month/manifest.json"}
    # the month exists: refused without --force, and left as it was
    assert main(run_args(root, data, model, runs)) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert _files(month) == files
    # --force: the same inputs and model give the same bytes (the manifest's timings aside)
    assert main(run_args(root, data, model, runs, "--force")) == 0
    again = _files(month)
    assert {k: v for k, v in again.items() if k != "manifest.json"} == \
        {k: v for k, v in files.items() if k != "manifest.json"}
    assert json.loads(again["manifest.json"])["outputs"] == manifest["outputs"]
    assert len([p for p in runs.iterdir() if p.name.startswith(".2024-06.v-")]) == 1  # the old version is gone


@pytest.mark.parametrize("damage, words", [
    (lambda d: (d / "enterprises.parquet").write_bytes(b"not parquet"), "not a Parquet file"),
    (lambda d: (d / "enterprises.parquet").unlink(), "missing required table"),
])
def test_bad_input_stops_the_run_before_anything_is_written(setup, tmp_path, capsys, damage, words):
    root, data, model = setup
    runs = tmp_path / "runs"
    assert main(run_args(root, data, model, runs)) == 0
    before = {p: _files(p) for p in runs.iterdir() if not p.name.startswith(".")}
    bad = tmp_path / "bad"
    shutil.copytree(data, bad)
    damage(bad)
    capsys.readouterr()
    assert main(run_args(root, bad, model, runs, "--force")) == 2
    assert words in capsys.readouterr().err
    assert {p: _files(p) for p in runs.iterdir() if not p.name.startswith(".")} == before


def test_a_missing_model_or_a_date_after_the_data_exits_2_and_writes_nothing(setup, tmp_path, capsys):
    root, data, _ = setup
    runs = tmp_path / "runs"
    assert main(run_args(root, data, "models:/innoscore-credit@nobody", runs)) == 2
    assert "cannot load the model models:/innoscore-credit@nobody" in capsys.readouterr().err
    assert main(run_args(root, data, root / "model", runs, "--as-of", "2099-01-31")) == 2
    assert "after the data's extraction date" in capsys.readouterr().err
    assert not runs.exists() or not any(runs.iterdir())


def test_a_second_month_is_compared_with_the_first_and_the_report_renders_in_chromium(setup, tmp_path):
    import subprocess

    from innoscore.report.html import SECTIONS

    root, data, model = setup
    runs = tmp_path / "runs"
    assert main(run_args(root, data, model, runs, "--as-of", "2024-05-31")) == 0
    assert main(run_args(root, data, model, runs)) == 0
    month = runs / "2024-06"
    drift = pd.read_parquet(month / "drift.parquet")
    assert len(drift) > 10 and set(drift["flag"]) <= {"stable", "watch", "alert"}
    assert not (month / "backtest.parquet").exists()  # no month twelve months earlier
    stats = pd.read_parquet(month / "statistics.parquet")
    assert set(stats["period"]) == {"month", "quarter", "year"} and set(stats["group_by"]) == {
        "all", "city", "park", "industry"}
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "make test installs Debian's chromium (apt-get install chromium chromium-driver)"
    for name, heading in (("report.html", "稳定性（与上月相比）"), ("report_en.html", "Drift against the previous month")):
        dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                              (month / name).as_uri()], capture_output=True, text=True, timeout=120).stdout
        for sid in SECTIONS:
            assert f'<section id="{sid}">' in dom, (name, sid)
        assert dom.count('src="data:image/png;base64,') == 2  # the points and PD distributions
        assert heading in dom and 'id="lang-switch"' in dom
    shot = tmp_path / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,2000",
                    f"--screenshot={shot}", (month / "report.html").as_uri()], capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_the_run_definition_is_checked(tmp_path, capsys):
    path = tmp_path / "monthly.yaml"
    path.write_text("data: x\nruns: y\nmodel: 3\n", encoding="utf-8")
    assert main(["run", "--config", str(path)]) == 2
    assert "model must be a text" in capsys.readouterr().err


def _child_run(root, data, model, runs):
    """``innoscore run`` in a subprocess, its step lines readable as they come."""
    import os
    import subprocess
    import sys

    args = [a for a in run_args(root, data, model, runs) if a != "--quiet"]
    return subprocess.Popen([sys.executable, "-m", "innoscore.cli", *args], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_for(child, words: str) -> None:
    for line in child.stdout:
        if words in line:
            return
    raise AssertionError(f"the run ended before {words!r}")


def test_a_run_killed_mid_way_leaves_no_month_and_the_next_run_succeeds(setup, tmp_path):
    import signal

    root, data, model = setup
    runs = tmp_path / "runs"
    child = _child_run(root, data, model, runs)
    _wait_for(child, "matching:")  # computed, not yet published
    child.send_signal(signal.SIGKILL)
    child.wait()
    month = runs / SMALL.extracted_on.strftime("%Y-%m")
    assert not month.exists() and not month.is_symlink()
    assert main(run_args(root, data, model, runs)) == 0  # the killed run's lock and leftovers are taken over
    assert (month / "manifest.json").is_file()
    left = sorted(p.name for p in runs.iterdir())
    assert len(left) == 3 and left[0].startswith(".2024-06.v-") and left[1:] == [".innoscore.lock", "2024-06"]


def test_two_runs_on_one_folder_the_second_is_refused(setup, tmp_path, capsys):
    root, data, model = setup
    runs = tmp_path / "runs"
    child = _child_run(root, data, model, runs)
    try:
        _wait_for(child, "matching:")  # it holds the lock from the indicators on
        assert main(run_args(root, data, model, runs)) == 2
        assert f"being written by another run (process {child.pid}" in capsys.readouterr().err
    finally:
        child.wait(timeout=120)
    assert child.returncode == 0


def test_a_store_that_does_not_exist_is_refused_not_created(setup, tmp_path, capsys):
    root, data, _ = setup
    missing = tmp_path / "nowhere" / "mlflow.db"
    args = ["run", "--data", str(data), "--runs", str(tmp_path / "runs"), "--tracking-uri", f"sqlite:///{missing}",
            "--quiet"]
    assert main(args) == 2
    assert "no MLflow store at" in capsys.readouterr().err
    assert not missing.parent.exists() and not (tmp_path / "runs").exists()


def test_blocks_of_enterprises_give_the_month_of_the_whole_province(setup, tmp_path):
    """The per-enterprise steps run a block of enterprises at a time: blocks of 130 (the last one short,
    so its categories take narrower codes) give the same indicators, points (the province percentile
    included), checks and scores as one block, and the same bank files."""
    from innoscore.run import load_monthly, run_month

    root, data, model = setup
    base = load_monthly().with_(data=data, model=str(model), tracking_uri=f"sqlite:///{root}/mlflow.db")
    whole = run_month(None, base.with_(runs=tmp_path / "one", block=10**9), say=None)
    blocks = run_month(None, base.with_(runs=tmp_path / "blocks", block=130), say=None)
    assert whole.manifest["rows"]["enterprises"] > 130 * 2
    for name in ("indicators.parquet", "points.parquet", "scores.parquet", "certification_checks.parquet",
                 "tiers.parquet", "first_loan.parquet"):
        a, b = pd.read_parquet(whole.folder / name), pd.read_parquet(blocks.folder / name)
        pd.testing.assert_frame_equal(a, b, check_categorical=False, obj=name)
    assert _files(whole.folder / "shortlists") == _files(blocks.folder / "shortlists")
    with pytest.raises(Exception, match="block must be a whole number"):
        path = tmp_path / "monthly.yaml"
        path.write_text("data: x\nruns: y\nmodel: m\nblock: 0\n", encoding="utf-8")
        load_monthly(path)


def test_a_block_of_enterprises_founded_after_the_date_is_skipped(setup, small_province, tmp_path):
    """Enterprises listed newest first and an as-of date before the 20 newest were founded: the first
    block of 20 has nobody to score; the others give what one block gives.  Nobody at all: a clear error."""
    import datetime as dt

    import mlflow

    from innoscore.data.validation import Dataset
    from innoscore.errors import UsageError
    from innoscore.points import load_points_config
    from innoscore.run import per_enterprise

    model = mlflow.sklearn.load_model(str(setup[2]))
    tables = {k: v.copy() for k, v in small_province[0].items()}
    ent = tables["enterprises"].sort_values("founded_on", ascending=False, ignore_index=True)
    tables["enterprises"] = ent
    as_of = (ent["founded_on"].iloc[19] - pd.Timedelta(days=1)).date()
    assert (ent["founded_on"].iloc[:20] > pd.Timestamp(as_of)).all() and len(ent) > 60
    config = load_points_config()
    one = per_enterprise(Dataset(dict(tables), SMALL.extracted_on), as_of, config, model, tmp_path / "a.parquet",
                         10**9)
    blocks = per_enterprise(Dataset(dict(tables), SMALL.extracted_on), as_of, config, model, tmp_path / "b.parquet",
                            20)
    pd.testing.assert_frame_equal(one.indicators, blocks.indicators)
    pd.testing.assert_frame_equal(one.scores, blocks.scores)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet"),
                                  check_categorical=False)
    tables["enterprises"] = ent.assign(founded_on=pd.Timestamp("2024-01-01"))
    with pytest.raises(UsageError, match="no enterprise of the data existed"):
        per_enterprise(Dataset(dict(tables), SMALL.extracted_on), dt.date(2023, 6, 30), config, model,
                       tmp_path / "c.parquet", 20)


def test_the_block_size_can_be_set_on_the_command_line(setup, tmp_path, capsys):
    root, data, model = setup
    with pytest.raises(SystemExit) as exit_:
        main(run_args(root, data, model, tmp_path / "runs", "--block", "0"))
    assert exit_.value.code == 2 and "expected a number >= 1" in capsys.readouterr().err
    assert main(run_args(root, data, model, tmp_path / "runs", "--block", "150")) == 0
    manifest = json.loads((tmp_path / "runs" / SMALL.extracted_on.strftime("%Y-%m") / "manifest.json").read_text())
    assert any("blocks of 150 enterprises" in s["step"] for s in manifest["steps"])
