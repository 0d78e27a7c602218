"""Random damage to a valid province: every folder is either refused with a report or runs to the end
(validation, indicators, points, the matcher), never a traceback.  The cases found by hand come first."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from innoscore.data.contract import TABLES
from innoscore.data.validation import read, validate

from ..helpers import SMALL, write_folder


@pytest.fixture(scope="module")
def parquet_province(tmp_path_factory, small_province):
    return write_folder(tmp_path_factory.mktemp("fuzz") / "province", small_province[0], fmt="parquet")


def _copy(src, tmp_path):
    out = tmp_path / "p"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(src, out)
    return out


def _set(folder, table, column, values, arrow_type=None):
    path = folder / f"{table}.parquet"
    t = pq.read_table(path)
    i = t.schema.get_field_index(column)
    t = t.set_column(i, column, pa.array(values, arrow_type) if arrow_type else pa.array(values))
    pq.write_table(t, path)


@pytest.mark.parametrize("case, table, column, words", [
    ("a huge float in an integer column", "financials", "employees", "a whole number"),
    ("infinity in an amount", "loans", "amount", "a finite number"),
    ("an amount of 2^62 yuan", "loans", "amount", "a finite number"),
    ("a date 270,000 years on", "loans", "originated_on", "a date YYYY-MM-DD from 1000 to 9999"),
])
def test_values_beyond_any_enterprise_are_refused_by_name(parquet_province, tmp_path, case, table, column, words):
    folder = _copy(parquet_province, tmp_path)
    frame = pd.read_parquet(folder / f"{table}.parquet")
    n = len(frame)
    if column == "employees":
        values = np.array(frame[column], dtype="float64")
        values[0] = 1e300
        _set(folder, table, column, values)
    elif column == "originated_on":
        days = np.array(frame[column].to_numpy().astype("datetime64[D]").astype(np.int32))
        days[0] = 10**8
        _set(folder, table, column, days, pa.date32())
    else:
        values = np.array(frame[column], dtype="float64")
        values[0] = np.inf if "infinity" in case else 2.0**62
        _set(folder, table, column, values)
    report = validate(folder)
    assert not report.ok and n > 0
    problem = next(p for p in report.problems if p.table == table and p.column == column)
    assert words in problem.expected and problem.examples[0][0] == 1


def test_inf_spelled_in_a_csv_integer_column_is_a_wrong_type(tmp_path, small_province):
    tables = {k: v.copy() for k, v in small_province[0].items()}
    fin = tables["financials"].astype({"employees": object})
    fin.loc[0, "employees"] = "inf"
    tables["financials"] = fin
    report = validate(write_folder(tmp_path / "p", tables))
    assert [(p.column, p.check) for p in report.problems if p.table == "financials"] == [("employees", "wrong type")]


_EXTREMES = [np.inf, -np.inf, np.nan, 1e300, -1e300, 2.0**62, -1.0, 0.0, 1e15, 1e-300]
_ODD = ["", " ", "=1+1", "NaN", "inf", "1e999", "２０２０-０１-０１", "2020-02-30", "9999-12-31", "0001-01-01",
        "\x00", "中文", "-0", "1,000", "true"]


@settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", 40)), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_damaged_folder_is_refused_with_a_report_or_runs_to_the_end(parquet_province, tmp_path, data):
    folder = _copy(parquet_province, tmp_path)
    table = data.draw(st.sampled_from(sorted(p.stem for p in folder.glob("*.parquet"))))
    path = folder / f"{table}.parquet"
    how = data.draw(st.sampled_from(["flip bytes", "truncate", "odd cell", "extreme number", "column as text",
                                     "drop column", "to csv with odd cells"]))
    frame = pd.read_parquet(path)
    column = data.draw(st.sampled_from(list(frame.columns)))
    row = data.draw(st.integers(0, len(frame) - 1))
    if how == "flip bytes":
        raw = bytearray(path.read_bytes())
        for _ in range(data.draw(st.integers(1, 20))):
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= 0xFF
        path.write_bytes(bytes(raw))
    elif how == "truncate":
        raw = path.read_bytes()
        path.write_bytes(raw[:data.draw(st.integers(0, len(raw) - 1))])
    elif how == "odd cell":
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = data.draw(st.sampled_from(_ODD))
        frame.astype(str).where(frame.notna(), None).to_parquet(path, index=False)
    elif how == "extreme number":
        if frame[column].dtype.kind not in "fiu":
            return
        frame[column] = frame[column].astype("float64")
        frame.loc[row, column] = data.draw(st.sampled_from(_EXTREMES))
        frame.to_parquet(path, index=False)
    elif how == "column as text":
        frame[column] = frame[column].astype(str)
        frame.to_parquet(path, index=False)
    elif how == "drop column":
        frame.drop(columns=column).to_parquet(path, index=False)
    else:
        frame = frame.astype(object)
        frame.loc[row, column] = data.draw(st.sampled_from(_ODD))
        path.unlink()
        frame.to_csv(folder / f"{table}.csv", index=False, date_format="%Y-%m-%d")
    report, dataset = read(folder)
    if not report.ok:
        assert report.problems and all(p.table in TABLES or p.table for p in report.problems)
        assert report.to_text()  # the report renders
        return
    # valid after all: the whole chain runs to the end
    from innoscore.matching.match import match
    from innoscore.points import load_points_config
    from innoscore.points.certification import summarise
    from innoscore.points.run import points_and_checks

    from ..matching.test_export import fake_scores

    run = points_and_checks(dataset, SMALL.extracted_on, load_points_config())
    result = match(dataset.tables, SMALL.extracted_on, run.indicators, run.features, run.points,
                   summarise(run.checks, reasons=False), fake_scores(run.indicators))
    assert len(result.population) == len(run.indicators)


def test_the_open_ended_date_9999_12_31_is_a_valid_maturity_or_expiry(tmp_path, small_province):
    tables = {k: v.copy() for k, v in small_province[0].items()}
    tables["certifications"].loc[0, "expires_on"] = pd.Timestamp("9999-12-31")
    tables["loans"].loc[0, "maturity_on"] = pd.Timestamp("9999-12-31")
    report, dataset = read(write_folder(tmp_path / "p", tables, fmt="parquet"))
    assert report.ok, report.to_text()
    from innoscore.matching.match import match
    from innoscore.monitoring.statistics import programme_statistics
    from innoscore.points import load_points_config
    from innoscore.points.certification import summarise
    from innoscore.points.run import points_and_checks

    from ..matching.test_export import fake_scores

    run = points_and_checks(dataset, SMALL.extracted_on, load_points_config())
    result = match(dataset.tables, SMALL.extracted_on, run.indicators, run.features, run.points,
                   summarise(run.checks, reasons=False), fake_scores(run.indicators))
    stats = programme_statistics(dataset.tables, SMALL.extracted_on, run.indicators.index)
    assert len(result.population) == len(run.indicators) and len(stats) > 0
