"""A data set split by enterprise, for the steps that look at one enterprise at a time.

Indicators, points, certification checks and scores of an enterprise depend only on its own rows,
so a province can be processed a block of enterprises at a time: less memory (a block's working
tables, not the province's), the same values, and the blocks could go to different machines.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np

from innoscore.data.validation import Dataset
from innoscore.keys import positions

__all__ = ["partitions"]


def partitions(data: Dataset, size: int, consume: Iterable[str] = ()) -> Iterator[Dataset]:
    """The data set in blocks of at most ``size`` consecutive enterprises (in the enterprises table's
    order), each with every row of the other tables that belongs to its enterprises (rows naming an
    unknown enterprise, which validation refuses, belong to none).  Concatenated, the blocks' results
    are in the order of the whole data set's.

    Tables named in ``consume`` are split into their blocks at the start and taken out of ``data``
    (the caller needs them only through the blocks): each block's share is let go with the block, so
    that memory falls as the blocks are done instead of holding the whole table to the end.
    """
    if size < 1:
        raise ValueError(f"a block holds at least one enterprise; got {size}")
    ent = data["enterprises"]
    n = len(ent)
    blocks = max(1, -(-n // size))
    ids = ent["enterprise_id"]
    split = {}  # per table: its rows in block order, and where each block starts
    for name, table in data.items():
        if name == "enterprises" or "enterprise_id" not in table.columns or blocks == 1:
            continue
        block = positions(table["enterprise_id"], ids)
        block = np.where(block >= 0, block // size, blocks)  # unknown enterprises: after the last block
        order = np.argsort(block, kind="stable")
        split[name] = (order, np.searchsorted(block[order], np.arange(blocks + 1)))

    def rows(name: str, b: int):
        table = data.tables[name]
        if blocks == 1:
            return table
        if name == "enterprises":
            return table.iloc[b * size:(b + 1) * size].reset_index(drop=True)
        if name not in split:
            return table
        order, starts = split[name]
        return table.iloc[order[starts[b]:starts[b + 1]]].reset_index(drop=True)

    names = list(data.tables)
    consumed = {}
    for name in [c for c in consume if c in data.tables]:  # one table at a time: one table's copy at most
        consumed[name] = [rows(name, b) for b in range(blocks)]
        del data.tables[name]
    for b in range(blocks):
        tables = {name: consumed[name][b] if name in consumed else rows(name, b) for name in names}
        for name in consumed:
            consumed[name][b] = None  # the block holds it now; gone when the block is
        yield Dataset(tables, data.extracted_on, data.source, data.files)
        del tables
