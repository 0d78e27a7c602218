"""Train, register, promote and load the credit model through MLflow: a local SQLite store and a real server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import yaml

from innoscore.cli import main
from innoscore.config import config_dir
from innoscore.credit.config import load_credit_config
from innoscore.credit.panel import training_panel
from innoscore.data.synth import SynthSpec, synthesize
from innoscore.data.validation import load

LENIENT = {"min_auc": 0.5, "max_ece": 0.05, "max_score_psi": 1.0}


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    folder = tmp_path_factory.mktemp("credit") / "province"
    synthesize(SynthSpec(enterprises=3000, seed=13), folder)
    return folder


def config_with(tmp_path: Path, gates: dict) -> Path:
    doc = yaml.safe_load((config_dir() / "models" / "credit.yaml").read_text(encoding="utf-8"))
    doc["gates"] = gates
    path = tmp_path / "credit.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def fresh_process_pd(uri: str, rows: Path) -> np.ndarray:
    code = ("import sys, pandas as pd, numpy as np; from innoscore.credit.registry import load_model; "
            "m = load_model('innoscore-credit', uri=sys.argv[1]); "
            "print(json.dumps(m.predict_pd(pd.read_parquet(sys.argv[2])).tolist()))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code, uri, str(rows)], capture_output=True,
                         text=True, check=True)
    return np.array(json.loads(out.stdout.strip().splitlines()[-1]))


def train_promote_load(tmp_path, province, uri, capsys) -> None:
    cfg = config_with(tmp_path, LENIENT)
    assert main(["train", str(province), "--tracking-uri", uri, "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "registered innoscore-credit version 1" in out and "logistic baseline" in out
    (tmp_path / "strict").mkdir(exist_ok=True)
    strict = config_with(tmp_path / "strict", dict(LENIENT, min_auc=0.99))
    assert main(["promote", "1", "--tracking-uri", uri, "--config", str(strict)]) == 2
    captured = capsys.readouterr()
    assert "FAIL min_auc" in captured.out and "failing gates: min_auc" in captured.err
    assert main(["promote", "1", "--tracking-uri", uri, "--config", str(cfg)]) == 0
    assert "is now @champion" in capsys.readouterr().out
    assert main(["promote", "7", "--tracking-uri", uri, "--config", str(cfg)]) == 2
    # the champion loaded in a fresh process predicts exactly what the model trained in memory does
    data = load(province)
    panel = training_panel(data, load_credit_config(cfg))
    rows = panel.frame[panel.frame["split"] == "test"][panel.features].head(300).astype("float64")
    rows.to_parquet(tmp_path / "rows.parquet")
    from innoscore.credit.registry import load_model

    in_memory = load_model("innoscore-credit", uri=uri).predict_pd(rows)
    np.testing.assert_array_equal(fresh_process_pd(uri, tmp_path / "rows.parquet"), in_memory)
    # the generic pyfunc flavour answers predict_proba, as its signature says: n x 2, column 1 the PD
    import mlflow

    pyfunc = mlflow.pyfunc.load_model("models:/innoscore-credit@champion")
    out = np.asarray(pyfunc.predict(rows))
    assert out.shape == (300, 2)
    np.testing.assert_allclose(out[:, 1], in_memory)
    assert list(pyfunc.metadata.signature.outputs.inputs[0].shape) == [-1, 2]


def test_local_sqlite_store(tmp_path, province, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # artifacts go beside the store, never into the repository
    train_promote_load(tmp_path, province, f"sqlite:///{tmp_path}/mlflow.db", capsys)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_through_a_real_mlflow_server(tmp_path, province, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    port = _free_port()
    mlflow_bin = Path(sys.executable).with_name("mlflow")
    server = subprocess.Popen([str(mlflow_bin), "server", "--host", "127.0.0.1", "--port", str(port),
                               "--backend-store-uri", f"sqlite:///{tmp_path}/server.db",
                               "--artifacts-destination", str(tmp_path / "artifacts"), "--workers", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        uri = f"http://127.0.0.1:{port}"
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(uri + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    pytest.fail(f"mlflow server did not start on port {port}")
                time.sleep(0.5)
        train_promote_load(tmp_path, province, uri, capsys)
        assert any((tmp_path / "artifacts").rglob("MLmodel"))  # the model went through the server
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.mark.parametrize("start, end, words", [
    # loans for two years: the panel has dates, but its slices lack outcomes
    ("2023-01", "2024-12", ["the test slice of the credit panel has 0 rows", "observation dates", "calibration_until"]),
    # data that end before any observation date has a complete 12-month window
    ("2019-01", "2021-03", ["no observation date from panel.first_observation 2020-06-30 has a complete 12-month "
                            "window", "extraction date 2021-03-31"]),
])
def test_train_on_too_short_a_history_exits_2_says_why_and_writes_nothing(tmp_path, capsys, start, end, words):
    folder = tmp_path / "short"
    synthesize(SynthSpec(enterprises=300, seed=3, start=start, end=end), folder)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert main(["train", str(folder), "--tracking-uri", uri]) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words) and "credit.yaml" in err and "Traceback" not in err
    assert not (tmp_path / "mlflow.db").exists()
