"""Validation of a data folder: every kind of bad input gets a clear, located message."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from innoscore.cli import main
from innoscore.data.validation import DataError, load, validate


def set_cell(frame: pd.DataFrame, row: int, column: str, value) -> None:
    """Put any value into a cell (the column becomes text, as in a CSV file)."""
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value


# (id, mutation of the tables, table, column, words of the check, rows expected to be named)
# Rows are counted from 1; the mutations change 0-based row 3 (reported as row 4) unless said otherwise.
CELL_CASES = [
    ("revenue not a number", lambda t: set_cell(t["financials"], 3, "revenue", "12,5 万"),
     "financials", "revenue", "wrong type", [4]),
    ("date not a date", lambda t: set_cell(t["ip_rights"], 3, "filed_on", "2020-13-45"),
     "ip_rights", "filed_on", "wrong type", [4]),
    ("fractional staff count", lambda t: set_cell(t["financials"], 3, "employees", "12.5"),
     "financials", "employees", "wrong type", [4]),
    ("boolean not a boolean", lambda t: set_cell(t["ip_rights"], 3, "pledged", "maybe"),
     "ip_rights", "pledged", "wrong type", [4]),
    ("empty required value", lambda t: set_cell(t["enterprises"], 3, "name", None),
     "enterprises", "name", "empty value", [4]),
    ("unknown category", lambda t: set_cell(t["certifications"], 3, "kind", "high_tech"),
     "certifications", "kind", "value not allowed", [4]),
    ("negative revenue", lambda t: set_cell(t["financials"], 3, "revenue", -5.0),
     "financials", "revenue", "value not allowed", [4]),
    ("negative R&D expense", lambda t: set_cell(t["financials"], 3, "rd_expense", -1.0),
     "financials", "rd_expense", "value not allowed", [4]),
    ("negative employees", lambda t: set_cell(t["financials"], 3, "employees", -3),
     "financials", "employees", "value not allowed", [4]),
    ("TRL above 9", lambda t: set_cell(t["projects"], 3, "trl", 10),
     "projects", "trl", "value not allowed", [4]),
    ("TRL below 1", lambda t: set_cell(t["projects"], 3, "trl", 0),
     "projects", "trl", "value not allowed", [4]),
    ("advancement above 100", lambda t: set_cell(t["projects"], 3, "advancement", 120.5),
     "projects", "advancement", "value not allowed", [4]),
    ("R&D staff above employees", lambda t: (set_cell(t["financials"], 3, "employees", 10),
                                             set_cell(t["financials"], 3, "rd_staff", 11)),
     "financials", "rd_staff", "rule broken", [4]),
    ("high-tech revenue above revenue", lambda t: (set_cell(t["financials"], 3, "revenue", 100.0),
                                                   set_cell(t["financials"], 3, "high_tech_revenue", 101.0)),
     "financials", "high_tech_revenue", "rule broken", [4]),
    ("accounts published before the year ended", lambda t: set_cell(
        t["financials"], 3, "published_on", f"{int(t['financials'].loc[3, 'fiscal_year'])}-06-30"),
     "financials", "published_on", "rule broken", [4]),
    ("duplicate enterprise", lambda t: set_cell(t["enterprises"], 5, "enterprise_id",
                                                t["enterprises"].loc[3, "enterprise_id"]),
     "enterprises", "enterprise_id", "duplicate value", [4, 6]),
    ("duplicate enterprise-year", lambda t: t.__setitem__("financials", pd.concat(
        [t["financials"], t["financials"].iloc[[3]]], ignore_index=True)),
     "financials", "enterprise_id, fiscal_year", "duplicate key", None),
    ("unknown enterprise in a child table", lambda t: set_cell(t["loans"], 3, "enterprise_id", "91130100MA0000000X"),
     "loans", "enterprise_id", "value not allowed", [4]),
    ("granted before filed", lambda t: set_cell(t["ip_rights"], 3, "granted_on", "1990-01-01"),
     "ip_rights", "granted_on", "rule broken", [4]),
    ("expires before issued", lambda t: set_cell(t["certifications"], 3, "expires_on",
                                                 t["certifications"].loc[3, "issued_on"]),
     "certifications", "expires_on", "rule broken", [4]),
    ("matures before originated", lambda t: set_cell(t["loans"], 3, "maturity_on", "2000-01-01"),
     "loans", "maturity_on", "rule broken", [4]),
    ("defaulted before originated", lambda t: set_cell(t["loans"], 3, "defaulted_on", "2000-01-01"),
     "loans", "defaulted_on", "rule broken", [4]),
    ("date after the extraction date", lambda t: set_cell(t["penalties"], 3, "occurred_on", "2031-01-01"),
     "penalties", "occurred_on", "value not allowed", [4]),
    ("wrong USCC check character", lambda t: set_cell(
        t["enterprises"], 3, "enterprise_id",
        t["enterprises"].loc[3, "enterprise_id"][:17] + ("0" if t["enterprises"].loc[3, "enterprise_id"][17] != "0" else "1")),
     "enterprises", "enterprise_id", "value not allowed", [4]),
    ("malformed USCC", lambda t: set_cell(t["enterprises"], 3, "enterprise_id", "9113010ABC"),
     "enterprises", "enterprise_id", "value not allowed", [4]),
    ("project owned by two enterprises", lambda t: _two_owner_project(t),
     "projects", "project_id", "rule broken", None),
]


def _two_owner_project(t) -> None:
    p = t["projects"]
    other = p.index[p["enterprise_id"] != p.loc[0, "enterprise_id"]][0]
    set_cell(p, other, "project_id", p.loc[0, "project_id"])
    set_cell(p, other, "assessed_on", "2021-02-03")  # keep (project_id, assessed_on) unique


def _find(report, table: str, column: str | None):
    return [p for p in report.problems if p.table == table and p.column == column]


@pytest.mark.parametrize("case", CELL_CASES, ids=[c[0] for c in CELL_CASES])
def test_bad_cell_is_reported_with_table_column_and_rows(province_dir, case):
    _, mutate, table, column, check, rows = case
    report = validate(province_dir(mutate))
    assert not report.ok
    found = [p for p in _find(report, table, column) if check in p.check and p.severity == "error"]
    assert found, f"no {check!r} for {table}.{column}; got:\n{report.to_text()}"
    problem = found[0]
    assert problem.expected  # says what was expected
    if rows is not None:
        assert [r for r, _ in problem.examples] == rows
        assert problem.count == len(rows)
    else:
        assert problem.count >= 1 and problem.examples


def test_clean_province_is_valid(province_dir):
    report = validate(province_dir())
    assert report.ok, report.to_text()
    assert report.problems == []


def test_all_problems_are_reported_not_the_first(province_dir):
    def damage(t):
        set_cell(t["financials"], 3, "revenue", -1.0)
        set_cell(t["financials"], 7, "revenue", -2.0)
        set_cell(t["projects"], 2, "trl", 12)
        set_cell(t["loans"], 4, "maturity_on", "2000-01-01")
        set_cell(t["enterprises"], 9, "name", None)

    report = validate(province_dir(damage))
    located = {(p.table, p.column) for p in report.errors}
    assert {("financials", "revenue"), ("projects", "trl"), ("loans", "maturity_on"), ("enterprises", "name")} <= located
    revenue = _find(report, "financials", "revenue")[0]
    assert revenue.count == 2 and [r for r, _ in revenue.examples] == [4, 8]
    assert [v for _, v in revenue.examples] == ["-1", "-2"]


def test_at_most_five_examples_with_the_full_count(province_dir):
    def damage(t):
        for r in range(12):
            set_cell(t["ip_rights"], r, "kind", "trademark")

    problem = _find(validate(province_dir(damage)), "ip_rights", "kind")[0]
    assert problem.count == 12
    assert [r for r, _ in problem.examples] == [1, 2, 3, 4, 5]
    assert all(v == "trademark" for _, v in problem.examples)
    assert "invention" in problem.expected


# ----------------------------------------------------------------------------- whole files


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


FILE_CASES = [
    ("binary junk", lambda d: _write(d / "loans.csv", bytes(range(256)) * 20), "loans", "not a text file"),
    ("empty file", lambda d: _write(d / "awards.csv", b""), "awards", "empty file"),
    ("header only", lambda d: _write(d / "penalties.csv", b"penalty_id,enterprise_id,kind,occurred_on,amount\n"),
     "penalties", "no rows"),
    ("wrong delimiter", lambda d: _write(d / "equity_rounds.csv",
                                         (d / "equity_rounds.csv").read_text(encoding="utf-8").replace(",", ";").encode()),
     "equity_rounds", "wrong delimiter"),
    ("not UTF-8", lambda d: _write(d / "enterprises.csv",
                                   (d / "enterprises.csv").read_text(encoding="utf-8").encode("gb18030")),
     "enterprises", "not UTF-8"),
    ("ragged rows", lambda d: _write(d / "projects.csv",
                                     (d / "projects.csv").read_bytes() + b"a,b,c,d,e,f,g,h,i,j,k\n"),
     "projects", "malformed CSV"),
    ("parquet that is not parquet", lambda d: ((d / "loans.csv").unlink(), _write(d / "loans.parquet", b"PAR1 junk")),
     "loans", "not a Parquet file"),
    ("two files for one table", lambda d: _write(d / "awards.parquet", b"x"), "awards", "more than one file"),
    ("missing required table", lambda d: (d / "enterprises.csv").unlink(), "enterprises", "missing required table"),
    ("duplicate column names", lambda d: _write(d / "awards.csv", b"award_id,award_id,enterprise_id\n1,2,3\n"),
     "awards", "duplicate column names"),
    ("unreadable dataset.yaml", lambda d: _write(d / "dataset.yaml", b"extracted_on: [unclosed\n"),
     "dataset.yaml", "unreadable"),
    ("dataset.yaml without a date", lambda d: _write(d / "dataset.yaml", b"extracted_on: soon\n"),
     "dataset.yaml", "not a date"),
]


@pytest.mark.parametrize("case", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_bad_file_is_reported_without_traceback(province_dir, capsys, case):
    _, damage, table, check = case
    folder = province_dir()
    damage(folder)
    report = validate(folder)
    found = [p for p in report.errors if p.table == table and check in p.check]
    assert found, report.to_text()
    assert found[0].expected
    assert main(["validate", str(folder)]) == 2
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    assert table in out.out and check in out.out


def test_missing_required_column(province_dir):
    report = validate(province_dir(lambda t: t.__setitem__("financials", t["financials"].drop(columns=["revenue"]))))
    problems = _find(report, "financials", "revenue")
    assert [p.check for p in problems] == ["missing column"]  # not also "empty value" in every row
    assert "revenue" in problems[0].expected


def test_a_value_that_does_not_convert_is_reported_once(province_dir):
    report = validate(province_dir(lambda t: set_cell(t["ip_rights"], 3, "filed_on", "yesterday")))
    problems = _find(report, "ip_rights", "filed_on")
    assert [(p.check, p.count) for p in problems] == [("wrong type", 1)]


def test_missing_optional_table_and_column_are_empty(province_dir):
    def drop(t):
        t["awards"] = None
        t["enterprises"] = t["enterprises"].drop(columns=["park", "legal_rep_phone"])

    data = load(province_dir(drop))
    assert len(data["awards"]) == 0 and "award_id" in data["awards"].columns
    assert data["enterprises"]["park"].isna().all()


def test_unknown_columns_and_files_are_warnings_not_errors(province_dir):
    folder = province_dir(lambda t: t["loans"].__setitem__("branch", "x"))
    (folder / "enterprise.csv").write_text("a\n1\n", encoding="utf-8")
    report = validate(folder)
    assert report.ok
    kinds = {(p.table, p.column, p.check) for p in report.problems}
    assert ("loans", "branch", "unknown column") in kinds
    assert ("enterprise", None, "unknown table") in kinds


def test_personal_data_never_appears_in_the_report(province_dir):
    def damage(t):
        set_cell(t["enterprises"], 3, "legal_rep_id_number", 12345)  # fine as text, but make a bad row too
        set_cell(t["enterprises"], 3, "name", None)
        t["enterprises"].loc[[5, 6], "enterprise_id"] = t["enterprises"].loc[4, "enterprise_id"]

    folder = province_dir(damage)
    ids = set(pd.read_csv(folder / "enterprises.csv", dtype=str)["legal_rep_id_number"].dropna())
    text = validate(folder).to_text() + validate(folder).to_json()
    assert not any(i in text for i in ids)


def test_csv_with_bom_and_chinese_text_loads_intact(province_dir):
    folder = province_dir()
    raw = (folder / "enterprises.csv").read_text(encoding="utf-8")
    (folder / "enterprises.csv").write_bytes("\ufeff".encode() + raw.encode("utf-8"))
    data = load(folder)
    original = pd.read_csv(folder / "enterprises.csv", dtype=str, encoding="utf-8-sig")
    assert list(data["enterprises"]["name"]) == list(original["name"])
    assert data["enterprises"]["name"].str.contains("有限").all()


def test_parquet_and_csv_load_to_the_same_tables(province_dir, tmp_path):
    csv = load(province_dir())
    pq_dir = province_dir(fmt="parquet")
    for f in pq_dir.glob("*.csv"):
        f.unlink()
    par = load(pq_dir)
    for name in csv.tables:
        pd.testing.assert_frame_equal(csv[name], par[name], check_dtype=True)


def test_load_raises_with_the_full_report(province_dir):
    folder = province_dir(lambda t: set_cell(t["projects"], 3, "trl", 11))
    with pytest.raises(DataError) as err:
        load(folder)
    assert "projects" in str(err.value) and "trl" in str(err.value) and "row 4" in str(err.value)


def test_extraction_date_defaults_to_dataset_yaml_and_can_be_overridden(province_dir):
    import datetime as dt

    folder = province_dir()
    assert validate(folder).extracted_on == dt.date(2024, 6, 30)
    early = validate(folder, extracted_on=dt.date(2022, 1, 1))
    late_dates = [p for p in early.errors if "extraction date" in p.expected]
    assert late_dates and all("2022-01-01" in p.expected for p in late_dates)


def test_json_report_matches_text_report(province_dir, tmp_path, capsys):
    folder = province_dir(lambda t: set_cell(t["financials"], 3, "revenue", -5.0))
    out = tmp_path / "report.json"
    assert main(["validate", str(folder), "--json", str(out)]) == 2
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["ok"] is False and doc["error_count"] >= 1
    problem = next(p for p in doc["problems"] if p["table"] == "financials" and p["column"] == "revenue")
    assert problem["count"] == 1 and problem["examples"] == [{"row": 4, "value": "-5"}]
    assert problem["expected"] == ">= 0"
    assert doc["tables"]["financials"]["file"] == "financials.csv"


def test_validate_exit_zero_when_clean(province_dir, capsys):
    assert main(["validate", str(province_dir())]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_missing_folder(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().out


def test_not_utf8_names_the_line(province_dir):
    folder = province_dir()
    lines = (folder / "awards.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].rstrip("\n") + "一等奖\n"
    (folder / "awards.csv").write_bytes("".join(lines[:3]).encode() + lines[3].encode("gbk") + "".join(lines[4:]).encode())
    problem = [p for p in validate(folder).errors if p.table == "awards"][0]
    assert problem.check == "not UTF-8" and "(line 4)" in problem.detail


def test_a_file_in_another_format_is_named(province_dir):
    folder = province_dir()
    (folder / "enterprises.csv").rename(folder / "enterprises.xlsx")
    problem = [p for p in validate(folder).errors if p.table == "enterprises"][0]
    assert problem.check == "missing required table" and "enterprises.xlsx" in problem.detail
