"""Point in time: rows dated after the as-of date never change the indicators as of that date."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innoscore.data.synth import SynthSpec, generate
from innoscore.indicators import build, load_catalog, load_certifications_and_stages

# the date from which each table's row is known, and the other dates a row may carry
KNOWN_FROM = {
    "enterprises": ("founded_on", ()),
    "certifications": ("issued_on", ("expires_on",)),
    "financials": ("published_on", ()),
    "ip_rights": ("filed_on", ("granted_on", "lapsed_on")),
    "projects": ("assessed_on", ()),
    "equity_rounds": ("closed_on", ()),
    "awards": ("awarded_on", ()),
    "loans": ("originated_on", ("maturity_on", "defaulted_on", "repaid_on")),
    "penalties": ("occurred_on", ()),
}
ID_COLUMN = {"ip_rights": "ip_id", "equity_rounds": "round_id", "awards": "award_id", "loans": "loan_id",
             "penalties": "penalty_id", "enterprises": "enterprise_id"}
AS_OF = [pd.Timestamp("2022-06-30"), pd.Timestamp("2023-03-31"), pd.Timestamp("2023-12-31")]


@pytest.fixture(scope="module")
def province():
    tables, _ = generate(SynthSpec(enterprises=250, seed=21, start="2021-01", end="2024-06"))
    return tables


@pytest.fixture(scope="module")
def catalog_config():
    return load_catalog(), load_certifications_and_stages()


def _digest(frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(",".join(frame.columns).encode())
    h.update("|".join(frame.index.astype(str)).encode())
    for col in frame.columns:
        values = frame[col]
        h.update(values.astype(str).str.cat(sep="|").encode() if values.dtype.kind not in "fiub"
                 else np.ascontiguousarray(values.to_numpy()).tobytes())
    return h.hexdigest()


def _future_rows(frame: pd.DataFrame, table: str, as_of: pd.Timestamp, picks: list[int], shift_days: list[int]):
    """Copies of some rows, moved to after the as-of date (with fresh ids)."""
    known, others = KNOWN_FROM[table]
    rows = frame.iloc[[p % len(frame) for p in picks]].copy()
    offset = pd.to_timedelta(shift_days, unit="D")
    delta = as_of + offset - rows[known].to_numpy()
    rows[known] = as_of + offset
    for col in others:
        rows[col] = rows[col] + delta
    if table in ID_COLUMN:
        rows[ID_COLUMN[table]] = [f"{v}F{i}" for i, v in enumerate(rows[ID_COLUMN[table]])]
        if table == "enterprises":
            rows["enterprise_id"] = [f"FUTURE{i:012d}" for i in range(len(rows))]
    if table == "financials":
        rows["fiscal_year"] = rows["fiscal_year"] + 100  # a year that does not exist yet
    if table == "projects":
        rows["project_id"] = [f"{v}F{i}" for i, v in enumerate(rows["project_id"])]
    return rows


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    as_of_i=st.integers(0, len(AS_OF) - 1),
    table=st.sampled_from(sorted(KNOWN_FROM)),
    action=st.sampled_from(["drop_all", "drop_some", "add", "move_future_dates"]),
    picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=20),
    shifts=st.lists(st.integers(1, 2000), min_size=20, max_size=20),
)
def test_rows_after_the_as_of_date_change_nothing(province, catalog_config, as_of_i, table, action, picks, shifts):
    catalog, config = catalog_config
    as_of = AS_OF[as_of_i]
    before = _digest(build(province, as_of, catalog, config))
    tables = dict(province)
    frame = tables[table]
    known, others = KNOWN_FROM[table]
    future = frame[known] > as_of
    if action == "drop_all":
        tables[table] = frame[~future]
    elif action == "drop_some":
        idx = np.flatnonzero(future.to_numpy())
        drop = {idx[p % len(idx)] for p in picks} if len(idx) else set()
        tables[table] = frame.drop(index=frame.index[sorted(drop)])
    elif action == "add":
        extra = _future_rows(frame, table, as_of, picks, shifts[: len(picks)])
        tables[table] = pd.concat([frame, extra], ignore_index=True)
    else:  # dates after the as-of date move to other dates after it
        frame = frame.copy()
        for j, col in enumerate((known,) + others):
            late = frame[col] > as_of
            if late.any():
                frame.loc[late, col] = as_of + pd.Timedelta(days=shifts[j % len(shifts)])
        tables[table] = frame
    after = _digest(build(tables, as_of, catalog, config))
    assert after == before


def test_the_property_can_fail(province, catalog_config):
    """The digest does see a change made before the as-of date (so the property above is not vacuous)."""
    catalog, config = catalog_config
    as_of = AS_OF[1]
    before = _digest(build(province, as_of, catalog, config))
    tables = dict(province)
    fin = tables["financials"].copy()
    published = fin[fin["published_on"] <= as_of]
    latest = published.sort_values("fiscal_year").groupby("enterprise_id").tail(1).index[0]
    fin.loc[latest, "revenue"] = fin.loc[latest, "revenue"] + 1.0  # the latest year known at the as-of date
    tables["financials"] = fin
    assert _digest(build(tables, as_of, catalog, config)) != before
