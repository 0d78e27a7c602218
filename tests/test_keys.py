"""The Arrow lookups give pandas' answers: positions like get_indexer, duplicates like duplicated."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from innoscore.keys import duplicated, positions

texts = st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "甲", "", " a"])), max_size=40)


@settings(max_examples=200, deadline=None)
@given(values=texts, index=st.lists(st.sampled_from(["a", "b", "甲", "", "z"]), unique=True, max_size=5))
def test_positions_are_get_indexer(values, index):
    values = pd.Series(values, dtype="str")
    want = pd.Index(index, dtype="str").get_indexer(values)
    assert positions(values, pd.Index(index, dtype="str")).tolist() == want.tolist()


@settings(max_examples=200, deadline=None)
@given(a=texts, b=st.lists(st.sampled_from([1, 2, None]), max_size=40))
def test_duplicated_is_pandas_duplicated_apart_from_missing_keys(a, b):
    n = min(len(a), len(b))
    frame = pd.DataFrame({"a": pd.Series(a[:n], dtype="str"), "b": pd.Series(b[:n], dtype="Int64")})
    missing = frame.isna().any(axis=1).to_numpy()
    want = frame.duplicated(["a", "b"], keep=False).to_numpy() & ~missing
    assert duplicated(frame, ["a", "b"]).tolist() == want.tolist()
    want_one = frame.duplicated(["a"], keep=False).to_numpy() & frame["a"].notna().to_numpy()
    assert duplicated(frame, ["a"]).tolist() == want_one.tolist()


def test_many_distinct_codes_have_no_duplicate_and_one_repeat_is_found():
    ids = pd.Series([f"9113{i:014d}" for i in range(200_000)], dtype="str")
    assert not duplicated(pd.DataFrame({"id": ids}), ["id"]).any()
    ids[150_000] = ids[3]
    found = np.flatnonzero(duplicated(pd.DataFrame({"id": ids}), ["id"]))
    assert found.tolist() == [3, 150_000]


def test_anything_but_text_is_compared_as_pandas_does():
    mixed = pd.DataFrame({"a": pd.Series([1, "1", 1.0, None], dtype=object)})
    assert duplicated(mixed, ["a"]).tolist() == [True, False, True, False]
    assert positions(pd.Series([1, 2]), pd.Index(["1", "2"])).tolist() == [-1, -1]  # 1 is not "1"
    assert positions(pd.Series([2, 5], dtype=object), pd.Index([5, 2])).tolist() == [1, 0]
    days = pd.DataFrame({"d": pd.to_datetime(["2024-01-01", "2024-01-01", None])})
    assert duplicated(days, ["d"]).tolist() == [True, True, False]
