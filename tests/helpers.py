"""What several test modules share: the small province's specification and writing tables to a folder.

(Fixtures stay in conftest.py; plain helpers live here, imported like any module.)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from innoscore.data.synth import SynthSpec

SMALL = SynthSpec(enterprises=400, seed=11, start="2021-01", end="2024-06")


def write_folder(folder: Path, tables: dict[str, pd.DataFrame], fmt: str = "csv",
                 extracted_on: str | None = SMALL.extracted_on.isoformat()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if frame is None:
            continue
        if fmt == "csv":
            frame.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")
        else:
            frame.to_parquet(folder / f"{name}.parquet", index=False)
    if extracted_on is not None:
        (folder / "dataset.yaml").write_text(yaml.safe_dump({"extracted_on": extracted_on}), encoding="utf-8")
    return folder


def save_small_model(folder: Path) -> Path:
    """A credit model fitted on two indicators (leverage, R&D intensity) with their reason texts, saved as an
    MLflow model folder under ``folder``: quick to fit, enough for a monthly run."""
    import mlflow
    import numpy as np

    from innoscore.credit import CreditModel

    rng = np.random.default_rng(5)
    X = pd.DataFrame({"leverage": rng.uniform(0, 1.5, 2000), "rd_intensity": rng.uniform(0, 0.2, 2000)})
    y = (rng.random(2000) < 1 / (1 + np.exp(4 - 2.5 * X["leverage"] + 10 * X["rd_intensity"]))).astype(int)
    model = CreditModel(monotone={"leverage": 1, "rd_intensity": -1}, n_trees=0,
                        texts={"leverage": ("资产负债率偏高", "leverage is high"),
                               "rd_intensity": ("研发投入强度偏低", "R&D intensity is low")}).fit(X, y)
    mlflow.sklearn.save_model(model, folder / "model", serialization_format="cloudpickle")
    return folder / "model"


def run_args(root: Path, data: Path, model: Path, runs: Path, *extra: str) -> list[str]:
    """`innoscore run` on ``data`` into ``runs`` with the model folder, an MLflow store and a port database
    of its own under ``root`` (never the checkout's)."""
    return ["run", "--data", str(data), "--runs", str(runs), "--model", str(model), "--port-db",
            f"sqlite:///{root}/port.db", "--tracking-uri", f"sqlite:///{root}/mlflow.db", "--quiet", *extra]
