"""Blocks of enterprises: every row in exactly one block, in order; consumed tables let go."""

from __future__ import annotations

import pandas as pd
import pytest

from innoscore.data.partition import partitions
from innoscore.data.validation import Dataset

from ..helpers import SMALL


def _dataset(small_province) -> Dataset:
    return Dataset({k: v.copy() for k, v in small_province[0].items()}, SMALL.extracted_on)


@pytest.mark.parametrize("size", [1, 37, 400, 10_000])
def test_every_row_is_in_the_block_of_its_enterprise(small_province, size):
    data = _dataset(small_province)
    whole = {k: v.copy() for k, v in data.items()}
    blocks = list(partitions(data, size, consume=("ip_rights",)))
    assert len(blocks) == -(-len(whole["enterprises"]) // size)
    joined = pd.concat([b["enterprises"] for b in blocks], ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole["enterprises"])  # in the enterprises table's order
    for name, table in whole.items():
        if name == "enterprises" or "enterprise_id" not in table.columns:
            continue
        mine = [set(b["enterprises"]["enterprise_id"]) for b in blocks]
        assert all(set(b[name]["enterprise_id"]) <= m for b, m in zip(blocks, mine)), name
        together = pd.concat([b[name] for b in blocks], ignore_index=True)
        assert len(together) == len(table), name
        key = list(table.columns)
        pd.testing.assert_frame_equal(together.sort_values(key, ignore_index=True),
                                      table.sort_values(key, ignore_index=True), obj=name)
    assert "ip_rights" not in data.tables and "ip_rights" in blocks[0]  # taken out, held by the blocks


def test_a_block_of_no_enterprise_is_refused(small_province):
    with pytest.raises(ValueError, match="at least one enterprise"):
        next(partitions(_dataset(small_province), 0))
