"""Point-in-time lookups over many (enterprise, date) pairs at once.

Every input table is an event log keyed by enterprise and a date from which a fact is
known.  The indicators ask, for each pair of the *grid* (enterprise, as-of date), how many
events of a kind happened on or before the date, what they add up to, or which was the
latest.  Sorting events once by (enterprise, day) turns each question into two binary
searches per grid pair, for every date at once; nothing is rebuilt per date.

Sums use integer arithmetic (amounts in fen), so that they do not depend on rows outside
the window: adding rows dated after the as-of date can never change a result, not even in
the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from innoscore.keys import positions

__all__ = ["Grid", "Events", "days", "expand", "to_fen", "NAT"]

_OFFSET = 200_000  # days added so that dates from 1425 on are positive
_SPAN = 1_000_000  # key = enterprise * _SPAN + day


def days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates as int64 days since 1970-01-01; NaT becomes :data:`NAT`."""
    arr = np.asarray(values, dtype="datetime64[D]")
    return arr.astype(np.int64)


NAT = np.iinfo(np.int64).min  # a missing date, as days


def years_after(day: np.ndarray, years: int) -> np.ndarray:
    """The day ``years`` calendar years after each day (29 February goes to 28 February); NAT stays NAT."""
    day = np.asarray(day, dtype=np.int64)
    out = np.full(len(day), NAT, dtype=np.int64)
    ok = day != NAT
    if ok.any():
        out[ok] = years_before(day[ok], -int(years))
    return out


def per_day(day: np.ndarray, fn: Callable[[pd.DatetimeIndex], np.ndarray]) -> np.ndarray:
    """``fn`` of the distinct days (a DatetimeIndex; a grid holds a handful of as-of dates), spread back to
    every day."""
    unique, inverse = np.unique(np.asarray(day, dtype=np.int64), return_inverse=True)
    return np.asarray(fn(pd.DatetimeIndex(unique.astype("datetime64[D]"))))[inverse]


def years_before(day: np.ndarray, years: int) -> np.ndarray:
    """The day ``years`` calendar years before each day (29 February goes to 28 February), as days.

    "In the last 3 years" up to an as-of date counts events after this day: with as-of
    2024-06-30, from 2021-07-01 on.
    """
    return per_day(day, lambda d: days(pd.to_datetime({
        "year": d.year - int(years), "month": d.month,
        "day": np.where((d.month == 2) & (d.day == 29), 28, d.day)})))


def count_unless_open(count: pd.Series, open_: pd.Series) -> pd.Series:
    """A count of the events that decide a question, missing where it is 0 but ``open_`` events might have
    decided it too (an award without a unit rank, an IP right of unknown origin, a fine under the amount)."""
    return count.where((count > 0) | (open_ == 0))


@dataclass(frozen=True)
class Grid:
    """The (enterprise, as-of date) pairs indicators are computed for.

    ``ent`` holds positions into ``ids`` (the enterprises table's ``enterprise_id``).
    """

    ids: pd.Index
    ent: np.ndarray
    day: np.ndarray

    def __len__(self) -> int:
        return len(self.ent)

    def codes(self, enterprise_id: pd.Series) -> np.ndarray:
        """Positions into ``ids`` of a child table's enterprise_id (-1 when unknown).

        Looked up in Arrow, without turning ten million ids into Python strings.
        """
        if isinstance(self.ids, pd.RangeIndex):
            return self.ids.get_indexer(enterprise_id)
        return positions(pa.array(enterprise_id, type=pa.string(), from_pandas=True), self._value_set)

    @property
    def _value_set(self) -> pa.Array:
        cached = self.__dict__.get("_value_set_cache")
        if cached is None:
            cached = pa.array(self.ids.to_numpy(dtype=object), type=pa.string())
            object.__setattr__(self, "_value_set_cache", cached)
        return cached

    @property
    def dates(self) -> np.ndarray:
        return np.unique(self.day)


class Events:
    """Events of one kind: (enterprise, day) pairs, sorted once, optionally with integer weights."""

    def __init__(self, grid: Grid, enterprise_id: pd.Series | np.ndarray, day: pd.Series | np.ndarray,
                 weight: np.ndarray | None = None):
        # enterprise_id: the ids, or their positions in grid.ids (faster when a table is used often;
        # for a grid made by `expand`, the item numbers)
        ent = np.asarray(enterprise_id, dtype=np.int64) if isinstance(enterprise_id, np.ndarray) \
            else grid.codes(enterprise_id)
        d = day if isinstance(day, np.ndarray) and day.dtype == np.int64 else days(day)
        keep = (ent >= 0) & (d != NAT)
        key = ent[keep].astype(np.int64) * _SPAN + (d[keep] + _OFFSET)
        order = np.argsort(key, kind="stable")
        self.key = key[order]
        self.day = d[keep][order]
        self.rows = np.flatnonzero(keep)[order]  # positions in the source table
        self.grid = grid
        if weight is not None:
            w = np.asarray(weight)[keep][order]
            self.prefix = np.concatenate([[0], np.cumsum(w, dtype=np.int64)])
        else:
            self.prefix = None
        self._start = np.searchsorted(self.key, grid.ent.astype(np.int64) * _SPAN, side="left")

    def _upto(self, day: np.ndarray) -> np.ndarray:
        q = self.grid.ent.astype(np.int64) * _SPAN + (day + _OFFSET)
        return np.searchsorted(self.key, q, side="right")

    def count(self, back: int | None = None, lag: int = 0) -> np.ndarray:
        """Events with day <= as_of - lag (and > as_of - back when given), per grid pair."""
        hi = self._upto(self.grid.day - lag)
        lo = self._start if back is None else self._upto(self.grid.day - back)
        return (hi - np.maximum(lo, self._start)).astype(np.int64)

    def total_years(self, years: int) -> np.ndarray:
        """Sum of the integer weights of events in the ``years`` calendar years up to the as-of date."""
        if self.prefix is None:
            raise ValueError("these events carry no weights")
        after = years_before(self.grid.day, years)
        hi = np.maximum(self._upto(self.grid.day), self._start)
        lo = np.maximum(self._upto(after), self._start)
        return self.prefix[hi] - self.prefix[lo]

    def count_years(self, years: int) -> np.ndarray:
        """Events in the ``years`` calendar years up to the as-of date (after the same date ``years`` before)."""
        return self.count_between(years_before(self.grid.day, years), self.grid.day)

    def count_between(self, after: np.ndarray, until: np.ndarray) -> np.ndarray:
        """Events with after < day <= until (days, one pair per grid row)."""
        return (np.maximum(self._upto(until), self._start) - np.maximum(self._upto(after), self._start)).astype(np.int64)

    def total(self, back: int | None = None) -> np.ndarray:
        """Sum of the integer weights of events with day <= as_of (and > as_of - back)."""
        if self.prefix is None:
            raise ValueError("these events carry no weights")
        hi = self._upto(self.grid.day)
        lo = self._start if back is None else np.maximum(self._upto(self.grid.day - back), self._start)
        return self.prefix[hi] - self.prefix[lo]

    def last(self) -> np.ndarray:
        """Position in the source table of the latest event with day <= as_of, or -1."""
        hi = self._upto(self.grid.day)
        found = hi > self._start
        out = np.full(len(self.grid), -1, dtype=np.int64)
        out[found] = self.rows[hi[found] - 1]
        return out

    def last_day(self) -> np.ndarray:
        """Day of the latest event with day <= as_of, as float (NaN when there is none)."""
        hi = self._upto(self.grid.day)
        found = hi > self._start
        out = np.full(len(self.grid), np.nan)
        out[found] = self.day[hi[found] - 1]
        return out


def expand(grid: Grid, owner: np.ndarray) -> tuple[Grid, np.ndarray]:
    """A grid over items (projects, enterprise-bank pairs, ...) and as-of dates.

    ``owner[i]`` is the enterprise (position in ``grid.ids``) owning item ``i``, or -1.  Each grid
    row is repeated once for every item of its enterprise, in item order.  Returns that grid,
    whose ``ent`` holds item numbers, and for each of its rows the grid row it came from.
    """
    owner = np.asarray(owner, dtype=np.int64)
    items = np.flatnonzero(owner >= 0)
    items = items[np.argsort(owner[items], kind="stable")]
    n_per = np.bincount(owner[items], minlength=len(grid.ids))
    first = np.concatenate([[0], np.cumsum(n_per)[:-1]])
    reps = n_per[grid.ent]
    g_rows = np.repeat(np.arange(len(grid)), reps)
    offs = np.arange(len(g_rows)) - np.repeat(np.cumsum(reps) - reps, reps)
    item = items[first[grid.ent][g_rows] + offs]
    return Grid(pd.RangeIndex(len(owner)), item, grid.day[g_rows]), g_rows


def to_fen(amount: pd.Series) -> np.ndarray:
    """Yuan as int64 fen (0.01 yuan), missing as 0: exact sums."""
    return np.round(amount.to_numpy(dtype="float64", na_value=0.0) * 100).astype(np.int64)
