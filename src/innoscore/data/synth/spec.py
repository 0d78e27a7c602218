"""What to generate: the number of enterprises, the seed and the months the loan book covers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

__all__ = ["SynthSpec", "parse_month"]

EARLIEST_YEAR = 1990  # the contract's dates and the policy's rates do not reach further back


@dataclass(frozen=True)
class SynthSpec:
    """What to generate: size, seed and the months the loan book covers."""

    enterprises: int = 20_000
    seed: int = 7
    start: str = "2019-01"  # first month of loan originations
    end: str = "2026-10"  # last month; the extraction date is its last day

    def __post_init__(self) -> None:
        if self.enterprises < 1:
            raise ValueError(f"enterprises must be >= 1; got {self.enterprises}")
        s, e = parse_month(self.start, "start"), parse_month(self.end, "end")
        if e < s:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if s.year < EARLIEST_YEAR:
            raise ValueError(f"start must be {EARLIEST_YEAR}-01 or later; got {self.start}")

    @property
    def first_month(self) -> dt.date:
        return parse_month(self.start, "start")

    @property
    def extracted_on(self) -> dt.date:
        e = parse_month(self.end, "end")
        return (pd.Timestamp(e) + pd.offsets.MonthEnd(0)).date()

    @property
    def months(self) -> int:
        """Months from start to end, both included."""
        s, e = parse_month(self.start, "start"), parse_month(self.end, "end")
        return (e.year - s.year) * 12 + e.month - s.month + 1


def parse_month(text: str, what: str) -> dt.date:
    """``YYYY-MM`` -> the month's first day; a clear error naming ``what`` otherwise."""
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a month YYYY-MM; got {text!r}") from None
