"""Shared fixtures: a small synthetic province, and a helper that writes it (possibly damaged) to a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pandas as pd
import pytest
import yaml

from innoscore.data.synth import SynthSpec, generate

SMALL = SynthSpec(enterprises=400, seed=11, start="2021-01", end="2024-06")


@pytest.fixture(scope="session")
def small_province() -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    return generate(SMALL)


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
