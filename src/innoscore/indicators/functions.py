"""The indicator functions and the range each one promises.

An indicator is a plain function named after what it returns, its arguments named after
the base columns it reads (see each table's module), with a one-line docstring giving its
meaning and unit.  ``@indicator(ge=..., le=...)`` registers it and declares the range its
values must stay in; :func:`check_range` enforces it after every build.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from innoscore.errors import InnoscoreError

__all__ = ["indicator", "REGISTRY", "IndicatorFunction", "IndicatorRangeError", "check_range"]


@dataclass(frozen=True)
class IndicatorFunction:
    func: Callable[..., pd.Series]
    ge: float | None
    le: float | None
    module: str

    @property
    def name(self) -> str:
        return self.func.__name__

    @property
    def inputs(self) -> list[str]:
        return list(inspect.signature(self.func).parameters)

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip().splitlines()[0] if self.func.__doc__ else ""


REGISTRY: dict[str, IndicatorFunction] = {}


def indicator(ge: float | None = None, le: float | None = None) -> Callable:
    """Register an indicator function with the range its values must stay in (missing allowed)."""

    def register(func: Callable) -> Callable:
        if func.__name__ in REGISTRY:
            raise ValueError(f"indicator function {func.__name__} is defined twice")
        if not func.__doc__:
            raise ValueError(f"indicator function {func.__name__} needs a one-line docstring")
        REGISTRY[func.__name__] = IndicatorFunction(func, ge, le, func.__module__.rsplit(".", 1)[-1])
        return func

    return register


class IndicatorRangeError(InnoscoreError, ValueError):
    """An indicator produced values outside its declared range: a bug or a data problem."""


def check_range(fn: IndicatorFunction, values: pd.Series, ids: pd.Series) -> None:
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    bad = np.zeros(len(v), dtype=bool)
    if fn.ge is not None:
        bad |= v < fn.ge
    if fn.le is not None:
        bad |= v > fn.le
    if bad.any():
        idx = np.flatnonzero(bad)[:5]
        examples = ", ".join(f"{ids.iloc[i]}={v[i]:g}" for i in idx)
        raise IndicatorRangeError(
            f"indicator {fn.name} ({fn.module}.py) outside [{fn.ge}, {fn.le}] for {bad.sum()} "
            f"enterprise-dates, e.g. {examples}")
