"""The input of every step: the typed tables of one data folder and the date they were extracted.

:func:`innoscore.data.validation.load` (and ``read``) make one from a folder, checked against the contract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["Dataset"]


@dataclass(eq=False)
class Dataset(Mapping):
    """The ten input tables, typed as the contract says, and the extraction date.

    It is the input of every step; as a mapping from table name to table it reads like the plain
    ``dict`` of tables that :func:`innoscore.data.synth.generate` returns, so a step takes either.
    """

    tables: dict[str, pd.DataFrame]
    extracted_on: dt.date
    source: Path | None = None
    files: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)
