"""From the table a user gives to the float matrix the credit model reads.

Numeric and boolean columns pass as floats (missing: NaN). Categorical and text columns (pandas
``category``, ``object``, ``string``) become level codes 0, 1, ... learnt from the training rows
only: a missing value is a level of its own when the training rows have one, and a level the
training rows never showed reads as NaN, which the regression treats as no level (the average) and
LightGBM as missing. NumPy arrays must be numeric; their columns are named ``x0``, ``x1``, ...
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["TableEncoder", "MISSING_LEVEL"]

MISSING_LEVEL = "(missing)"
_NUMERIC_INFERRED = {"integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty"}


def _is_categorical(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(s.dtype):
        if s.dtype == object:  # object columns of numbers are numbers
            return pd.api.types.infer_dtype(s, skipna=True) not in _NUMERIC_INFERRED
        return True
    return False


class TableEncoder:
    """Learns the columns of a table (kinds, levels) and turns tables into float matrices."""

    def fit(self, X: pd.DataFrame) -> TableEncoder:
        self.columns_ = list(X.columns)
        self.categorical_ = []
        self.levels_: dict[int, pd.Index] = {}
        bad = []
        for j, c in enumerate(self.columns_):
            s = X.iloc[:, j]
            if _is_categorical(s):
                self.categorical_.append(True)
                values = s.astype(object).where(s.notna(), MISSING_LEVEL)
                self.levels_[j] = pd.Index(sorted(pd.unique(values), key=str), dtype=object)
            elif pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype) or s.dtype == object:
                self.categorical_.append(False)
            else:
                bad.append(f"{c!r} ({s.dtype})")
        if bad:
            raise ValueError("X columns must be numeric, boolean, categorical or text; not usable: "
                             f"{', '.join(bad[:10])} (convert dates to numbers, e.g. days or years)")
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The float matrix (rows x columns): numbers, or level codes of categorical columns."""
        out = np.empty((len(X), len(self.columns_)))
        for j in range(len(self.columns_)):
            s = X.iloc[:, j]
            if self.categorical_[j]:
                values = s.astype(object).where(s.notna(), MISSING_LEVEL)
                codes = self.levels_[j].get_indexer(pd.Index(values, dtype=object))
                out[:, j] = np.where(codes >= 0, codes, np.nan)
            else:
                out[:, j] = _numeric(s, self.columns_[j])
        bad = np.isinf(out)
        if bad.any():
            j = int(np.flatnonzero(bad.any(axis=0))[0])
            rows = np.flatnonzero(bad[:, j])
            raise ValueError(f"X column {self.columns_[j]!r} holds infinity in {len(rows)} rows (first: "
                             f"{', '.join(map(str, rows[:5]))}); Input contains infinity or a value too large. "
                             "Use NaN for a missing value")
        return out


def _numeric(s: pd.Series, name) -> np.ndarray:
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "fiub":
        return s.to_numpy(dtype="float64")
    try:
        return pd.to_numeric(s, errors="raise").astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X column {name!r} is numeric in the training rows but not here: {exc}") from None
