"""A published month of the small province, the port's database with keys, and the port running on loopback."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from innoscore.cli import main
from innoscore.serve.app import Limits
from innoscore.serve.store import Store

from ..helpers import run_args, save_small_model, write_folder
from .helpers import Port, serve


@pytest.fixture(scope="package")
def port(tmp_path_factory, small_province):
    root = tmp_path_factory.mktemp("port")
    data = write_folder(root / "province", small_province[0], fmt="parquet")
    model = save_small_model(root)
    runs = root / "runs"
    assert main(run_args(root, data, model, runs)) == 0
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
