"""A published month of the small province, the port's database with keys, and the port running on loopback."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import pytest
import uvicorn

from innoscore.cli import main
from innoscore.serve.app import Limits, create_app
from innoscore.serve.store import Store

from ..conftest import write_folder
from ..test_run import _args


@dataclass
class Port:
    url: str
    store: Store
    runs: Path
    month: str
    keys: dict  # name -> secret: "a" and "b" (two banks), "expired", "revoked"
    owners: dict  # name -> owner
    data: Path
    root: Path
    model: Path

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys.get(key, key)}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(runs: Path, store: Store, limits: Limits):
    """The port on a free loopback port, in a thread: ``(url, stop)``."""
    number = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runs, store, limits), host="127.0.0.1", port=number,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return f"http://127.0.0.1:{number}", stop


@pytest.fixture(scope="package")
def port(tmp_path_factory, small_province):
    import mlflow
    import numpy as np

    from innoscore.credit import CreditModel

    root = tmp_path_factory.mktemp("port")
    data = write_folder(root / "province", small_province[0], fmt="parquet")
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"leverage": rng.uniform(0, 1.5, 2000), "rd_intensity": rng.uniform(0, 0.2, 2000)})
    y = (rng.random(2000) < 1 / (1 + np.exp(4 - 2.5 * X["leverage"] + 10 * X["rd_intensity"]))).astype(int)
    model = CreditModel(monotone={"leverage": 1, "rd_intensity": -1}, n_trees=0,
                        texts={"leverage": ("资产负债率偏高", "leverage is high"),
                               "rd_intensity": ("研发投入强度偏低", "R&D intensity is low")}).fit(X, y)
    mlflow.sklearn.save_model(model, root / "model", serialization_format="cloudpickle")
    model = root / "model"
    runs = root / "runs"
    assert main(_args(root, data, model, runs)) == 0
    month = next(p.name for p in runs.iterdir() if p.is_dir() and not p.name.startswith("."))
    short = pd.read_parquet(runs / month / "shortlists" / "shortlists.parquet")
    counts = short["owner"].value_counts()
    a, b = counts.index[0], counts.index[1]
    store = Store(root / "port.db")
    keys = {"a": store.add_key(a)[1], "b": store.add_key(b)[1],
            "expired": store.add_key(a, expires_on=dt.date.today() - dt.timedelta(days=1))[1]}
    revoked_id, keys["revoked"] = store.add_key(a)
    store.revoke(revoked_id)
    url, stop = serve(runs, store, Limits(max_body=200_000, rate=1000, burst=1000))
    yield Port(url, store, runs, month, keys, {"a": a, "b": b}, data, root, model)
    stop()
