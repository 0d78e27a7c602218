"""pandera schemas of the input tables, derived from :mod:`innoscore.data.contract`.

A schema is built per data set, because two of its checks depend on the data set: no
date may lie after the extraction date, and every ``enterprise_id`` of a child table
must exist in ``enterprises``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from innoscore.data import uscc
from innoscore.data.contract import TABLES, Column, Table
from innoscore.keys import positions

__all__ = ["schema_for", "DTYPES", "EARLIEST_DATE"]

# dtype of each contract kind once loaded
DTYPES = {
    "str": "str",
    "uscc": "str",
    "float": "float64",
    "int": "Int64",
    "date": "datetime64[s]",
    "bool": "boolean",
}
EARLIEST_DATE = pd.Timestamp("1900-01-01")

# Check names double as the "what was expected" text of the validation report.
USCC_FORMAT = "18 characters of 0-9 and A-Y without I, O, S, V, Z (GB 32100-2015)"
USCC_CHECK = "last character is the GB 32100-2015 check character of the first 17"


def _column_checks(col: Column, extracted_on: pd.Timestamp | None, enterprise_ids: pd.Index | None,
                   table: Table) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if col.categories is not None:
        checks.append(pa.Check.isin(list(col.categories), error="one of " + ", ".join(col.categories)))
    if col.ge is not None:
        checks.append(pa.Check.ge(col.ge, error=f">= {col.ge:g}"))
    if col.gt is not None:
        checks.append(pa.Check.gt(col.gt, error=f"> {col.gt:g}"))
    if col.le is not None:
        checks.append(pa.Check.le(col.le, error=f"<= {col.le:g}"))
    if col.kind == "uscc" and table.name == "enterprises":
        checks.append(pa.Check(uscc.is_well_formed, error=USCC_FORMAT, ignore_na=True))
        checks.append(pa.Check(uscc.has_valid_check, error=USCC_CHECK, ignore_na=True))
    if col.kind == "uscc" and table.name != "enterprises":
        # codes of child tables are checked against the enterprises table, whose codes are verified
        if enterprise_ids is not None:
            ids = pa_arrow.array(enterprise_ids.to_numpy(), type=pa_arrow.string(), from_pandas=True)  # once

            def known(s: pd.Series) -> pd.Series:
                return pd.Series(positions(s, ids) >= 0, index=s.index)

            checks.append(pa.Check(known, error="an enterprise_id present in the enterprises table",
                                   ignore_na=True))
    if col.kind == "date":
        checks.append(pa.Check.ge(EARLIEST_DATE, error=f"a date on or after {EARLIEST_DATE.date()}"))
        if extracted_on is not None and not col.future_allowed:
            checks.append(pa.Check.le(extracted_on,
                                      error=f"a date on or before the extraction date {extracted_on.date()}"))
    return checks


def schema_for(table_name: str, extracted_on: dt.date | pd.Timestamp | None = None,
               enterprise_ids: pd.Index | None = None, uniqueness: bool = True) -> pa.DataFrameSchema:
    """The pandera schema of one input table.

    Parameters
    ----------
    table_name
        One of :data:`innoscore.data.contract.TABLE_NAMES`.
    extracted_on
        No date (except those allowed in the future, such as ``maturity_on``) may be later.
    enterprise_ids
        The distinct ``enterprise_id`` values of the enterprises table; child tables must use only
        these.  Pass the same Index to every table: its hash table is built once and reused.
    uniqueness
        False leaves out the unique columns and key (for checking a table in row blocks, with the
        uniqueness checked on the whole table by ``innoscore.keys.duplicated``).
    """
    table = TABLES[table_name]
    ts = pd.Timestamp(extracted_on) if extracted_on is not None else None
    columns = {
        col.name: pa.Column(
            DTYPES[col.kind],
            checks=_column_checks(col, ts, enterprise_ids, table),
            nullable=col.nullable,
            unique=col.unique and uniqueness,
            required=True,  # the loader adds absent optional columns as empty
            report_duplicates="all",
        )
        for col in table.columns
    }
    wide = [pa.Check(rule.ok, name=f"rule:{rule.column}", error=rule.expected) for rule in table.rules]
    multi_key = list(table.key) if len(table.key) > 1 and uniqueness else None
    return pa.DataFrameSchema(
        columns,
        checks=wide,
        unique=multi_key,
        report_duplicates="all",
        strict=False,
        coerce=False,
        name=table_name,
    )


def empty_frame(table_name: str) -> pd.DataFrame:
    """An empty table with the contract's columns and dtypes."""
    table = TABLES[table_name]
    return pd.DataFrame({c.name: pd.Series([], dtype=DTYPES[c.kind]) for c in table.columns})
