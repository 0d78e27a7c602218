"""Random tables into CreditModel: refused with a ValueError that says what is wrong, or fitted to the end."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innoscore.credit import CreditModel

NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.integers(-10**6, 10**6))
TEXTS = st.one_of(st.none(), st.sampled_from(["石家庄", "保定", "", "x", "0"]))


@st.composite
def tables(draw):
    n = draw(st.integers(0, 60))
    columns = {}
    for j in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["float", "int", "bool", "text", "category", "mixed"]))
        if kind == "float":
            values = draw(st.lists(NUMBERS, min_size=n, max_size=n))
            columns[f"f{j}"] = pd.Series(values, dtype="float64")
        elif kind == "int":
            columns[f"i{j}"] = pd.Series(draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)), dtype="int64")
        elif kind == "bool":
            columns[f"b{j}"] = pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        elif kind == "text":
            columns[f"t{j}"] = pd.Series(draw(st.lists(TEXTS, min_size=n, max_size=n)), dtype=object)
        elif kind == "category":
            columns[f"c{j}"] = pd.Series(draw(st.lists(TEXTS, min_size=n, max_size=n)), dtype="category")
        else:
            columns[f"m{j}"] = pd.Series(draw(st.lists(st.one_of(NUMBERS, TEXTS), min_size=n, max_size=n)),
                                         dtype=object)
    X = pd.DataFrame(columns, index=range(n))
    y = draw(st.one_of(
        st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n),
        st.lists(st.sampled_from([0, 1, 2, np.nan]), min_size=n, max_size=n),
        st.lists(st.sampled_from([0, 1]), min_size=max(n - 1, 0), max_size=max(n - 1, 0))))
    return X, np.array(y)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_any_table_is_refused_clearly_or_fitted_to_the_end(data):
    X, y = data
    try:
        model = CreditModel().fit(X, y)
    except ValueError as exc:
        assert str(exc).strip()  # a message, not a bare error
        return
    p = model.predict_pd(X)
    assert p.shape == (len(X),) and np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
    reasons = model.reasons(X, k=2)
    assert len(reasons) == len(X)
    assert set(reasons["reason_1"].dropna()) <= set(X.columns)
