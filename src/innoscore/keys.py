"""Looking up and comparing key columns (enterprise ids, record ids) of millions of rows, in Arrow.

pandas 3 keeps text in Arrow, but hashes it as Python objects: finding 14.6 million ids among a
million takes 2.2 s with ``Index.get_indexer`` and 0.35 s with Arrow's ``index_in``; finding the
duplicated ids of 14.6 million rights takes 6 s with ``Series.duplicated`` and about 3 s from Arrow's
dictionary codes.  Text (``str`` columns, Arrow strings, categories of text) goes through Arrow;
anything else (numbers, dates, Python objects of mixed kinds) through pandas, so that the answers are
always pandas' answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["positions", "codes", "duplicated"]


def _is_text(values) -> bool:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        kind = values.type.value_type if pa.types.is_dictionary(values.type) else values.type
        return pa.types.is_string(kind) or pa.types.is_large_string(kind)
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype):
        return isinstance(dtype.categories.dtype, pd.StringDtype)
    return isinstance(dtype, pd.StringDtype)


def _arrow(values) -> pa.Array | pa.ChunkedArray:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    return pa.Array.from_pandas(values) if isinstance(values, pd.Series) else pa.array(values, from_pandas=True)


def _pandas(values):
    return values.to_pandas() if isinstance(values, (pa.Array, pa.ChunkedArray)) else values


def positions(values, index) -> np.ndarray:
    """The position of each value in ``index`` (distinct values), -1 where absent or missing; like
    ``pd.Index(index).get_indexer(values)``."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    if not (_is_text(values) and _is_text(index)):
        return pd.Index(_pandas(index)).get_indexer(_pandas(values)).astype(np.int64)
    found = pc.index_in(_arrow(values), value_set=_arrow(index))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def codes(values) -> tuple[np.ndarray, int]:
    """A code per value (equal values, equal codes; -1 for a missing value) and the number of distinct values."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64), 0
    if not _is_text(values):  # numbers and dates (pandas is fast), and objects (pandas' equality)
        c, uniques = pd.factorize(_pandas(values), use_na_sentinel=True)
        return c.astype(np.int64), len(uniques)
    arr = _arrow(values)
    if isinstance(arr, pa.ChunkedArray):  # one array first: unifying a dictionary per chunk is far slower
        arr = arr.combine_chunks()
    enc = pc.dictionary_encode(arr)
    return enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64), len(enc.dictionary)


def duplicated(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Rows whose key (the values of ``columns``) occurs more than once; a row missing any key value
    is not counted (it is reported as empty instead)."""
    n = len(frame)
    key = np.zeros(n, dtype=np.int64)
    missing = np.zeros(n, dtype=bool)
    for i, col in enumerate(columns):
        c, k = codes(frame[col])
        missing |= c < 0
        if i == 0:
            key = np.maximum(c, 0)
        else:  # the pair's code: below n * k, so no overflow; then renumbered below n
            key = pd.factorize(key * max(k, 1) + np.maximum(c, 0))[0].astype(np.int64)
    key[missing] = -1
    counts = np.bincount(key[~missing], minlength=1) if n else np.zeros(0, dtype=np.int64)
    return ~missing & (counts[np.maximum(key, 0)] > 1) if n else np.zeros(0, dtype=bool)
