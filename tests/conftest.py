"""Shared fixtures: a small synthetic province, and a folder of it (possibly damaged); plain helpers are in helpers.py."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from innoscore.data.synth import generate

from .helpers import SMALL, save_small_model, write_folder


@pytest.fixture(scope="session")
def small_province() -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    return generate(SMALL)


@pytest.fixture
def province_dir(tmp_path, small_province) -> Callable[..., Path]:
    """``province_dir(mutate=None, fmt="csv")``: the small province written to a fresh folder.

    ``mutate`` receives a dict of copies of the tables (as strings for CSV edits) and may change them.
    """
    def make(mutate: Callable[[dict[str, pd.DataFrame]], None] | None = None, fmt: str = "csv") -> Path:
        tables = {k: v.copy() for k, v in small_province[0].items()}
        if mutate is not None:
            mutate(tables)
        return write_folder(tmp_path / "province", tables, fmt)

    return make


@pytest.fixture(scope="module")
def setup(tmp_path_factory, small_province):
    """A province folder and a credit model saved as an MLflow model folder: ``(root, data, model)``."""
    root = tmp_path_factory.mktemp("run")
    data = write_folder(root / "province", small_province[0], fmt="parquet")
    return root, data, save_small_model(root)
