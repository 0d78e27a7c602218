"""A data set split by enterprise, for the steps that look at one enterprise at a time.

Indicators, points, certification checks and scores of an enterprise depend only on its own rows,
so a province can be processed a block of enterprises at a time: less memory (a block's working
tables, not the province's), the same values, and the blocks could go to different machines.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from innoscore.data.validation import Dataset
from innoscore.keys import positions

__all__ = ["partitions"]


def partitions(data: Dataset, size: int) -> Iterator[Dataset]:
    """The data set in blocks of at most ``size`` consecutive enterprises (in the enterprises table's
    order), each with every row of the other tables that belongs to its enterprises (rows naming an
    unknown enterprise, which validation refuses, belong to none).  Concatenated, the blocks' results
    are in the order of the whole data set's."""
    if size < 1:
        raise ValueError(f"a block holds at least one enterprise; got {size}")
    ent = data["enterprises"]
    n = len(ent)
    blocks = max(1, -(-n // size))
    if blocks == 1:
        yield data
        return
    ids = ent["enterprise_id"]
    split = {}  # per table: its rows in block order, and where each block starts
    for name, table in data.items():
        if name == "enterprises" or "enterprise_id" not in table.columns:
            continue
        block = positions(table["enterprise_id"], ids)
        block = np.where(block >= 0, block // size, blocks)  # unknown enterprises: after the last block
        order = np.argsort(block, kind="stable")
        split[name] = (order, np.searchsorted(block[order], np.arange(blocks + 1)))
    for b in range(blocks):
        tables = {}
        for name, table in data.items():
            if name == "enterprises":
                tables[name] = table.iloc[b * size:(b + 1) * size].reset_index(drop=True)
            elif name in split:
                order, starts = split[name]
                tables[name] = table.iloc[order[starts[b]:starts[b + 1]]].reset_index(drop=True)
            else:
                tables[name] = table
        yield Dataset(tables, data.extracted_on, data.source, data.files)
