"""The bank files on a generated province: consent, no personal data, Chinese headers, safe cells,
byte-identical output."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from innoscore.data.contract import personal_columns
from innoscore.data.validation import Dataset
from innoscore.matching.export import COLUMNS, TIER_COLUMNS, owner_frames, write_owner_files
from innoscore.matching.match import match, write_match
from innoscore.points import load_points_config
from innoscore.points.certification import summarise
from innoscore.points.run import points_and_checks

from ..helpers import SMALL

FORMULAS = ['=HYPERLINK("http://example.com","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)"]
CONTROL = "响铃\x07企业\x1f有限公司"  # control characters an xlsx cannot hold


def fake_scores(indicators: pd.DataFrame) -> pd.DataFrame:
    """Scores without a trained model: a PD rising with leverage (enough to exercise the matcher)."""
    lev = indicators["leverage"].fillna(0.5).clip(0, 2).to_numpy()
    p = 0.002 + 0.03 * lev
    return pd.DataFrame({"enterprise_id": indicators.index.astype(str), "pd": p, "score": 600 - 1000 * p,
                         "grade": np.where(p < 0.01, "B", np.where(p < 0.02, "C", "D")),
                         "reason_1": "leverage", "reason_2": None, "reason_3": None})


@pytest.fixture(scope="module")
def matched(small_province):
    tables = small_province[0]
    data = Dataset(tables, SMALL.extracted_on)
    run = points_and_checks(data, SMALL.extracted_on, load_points_config())
    result = match(tables, SMALL.extracted_on, run.indicators, run.features, run.points,
                   summarise(run.checks, reasons=False), fake_scores(run.indicators),
                   reason_texts={"leverage": ("资产负债率偏高", "leverage is high")})
    # names that a spreadsheet would take for formulas, on enterprises that are shortlisted
    rows = result.shortlists["row"].drop_duplicates().to_numpy()[:len(FORMULAS) + 1]
    names = result.population.frame["name"].to_numpy(object).copy()
    names[rows] = (FORMULAS + [CONTROL])[:len(rows)]
    result.population.frame["name"] = names
    return tables, result


def _xlsx_cells(path):
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def test_the_province_gives_shortlists_for_several_owners(matched):
    _, result = matched
    assert result.shortlists["owner"].nunique() >= 5
    assert len(result.tiers) > 0 and len(result.first_loan) > 0


def test_owner_files_hold_only_consenting_enterprises_and_no_personal_data(matched, tmp_path):
    tables, result = matched
    folder = tmp_path / "out"
    write_match(result, folder)
    ent = tables["enterprises"].set_index("enterprise_id")
    consent = ent["consent_banks"].fillna("").str.split(";")
    personal = ent[personal_columns("enterprises")]
    secrets = set(personal["legal_rep_id_number"].dropna()) | set(personal["legal_rep_phone"].dropna())
    rep_names = set(personal["legal_rep_name"].dropna())
    assert secrets and rep_names
    checked = 0
    for path in sorted((folder / "shortlists").glob("*.*")):
        if path.suffix == ".parquet":
            continue
        owner = path.stem
        if path.suffix == ".csv":
            frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
            ids = frame["统一社会信用代码"].tolist()
            cells = set(frame.to_numpy().ravel().tolist())
            text = path.read_text(encoding="utf-8-sig")
        else:
            sheets = _xlsx_cells(path)
            ids = [row[1].value for rows in sheets.values() for row in rows[1:]]
            ids += [row[2].value for title, rows in sheets.items() if title == "十百千万" for row in rows[1:]]
            ids = [i for i in ids if isinstance(i, str) and len(i) == 18]
            cells = {c.value for rows in sheets.values() for row in rows for c in row}
            with zipfile.ZipFile(path) as z:
                text = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
        for i in ids:
            assert owner in consent[i], f"{i} in {path.name} without consent to {owner}"
        checked += len(ids)
        assert not any(s in text for s in secrets), f"personal data in {path.name}"
        assert not rep_names & cells, f"a legal representative's name in {path.name}"
    assert checked > 100
    for name in ("tiers", "first_loan", "near_misses", "subsidies"):
        frame = pd.read_parquet(folder / f"{name}.parquet")
        assert not set(personal_columns("enterprises")) & set(frame.columns)
        assert not secrets & set(frame.astype(str).to_numpy().ravel())


def test_xlsx_has_chinese_headers_frozen_and_csv_round_trips_with_bom(matched, tmp_path):
    _, result = matched
    write_match(result, tmp_path)
    owner = result.shortlists["owner"].value_counts().index[0]
    wb = openpyxl.load_workbook(tmp_path / "shortlists" / f"{owner}.xlsx")
    products = [p for p in result.catalog.products if p.owner == owner]
    assert wb.sheetnames == [p.name_zh for p in products] + ["十百千万"]
    about = dict(part.split(": ", 1) for part in wb.properties.description.split("; "))
    assert about["数据截止日期"] == SMALL.extracted_on.isoformat() and about["产品目录"] == "products.yaml"
    assert about["机构"].endswith(f"({owner})") and f"as_of={SMALL.extracted_on}" in wb.properties.keywords
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == [c[1] for c in COLUMNS]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width >= 20
    raw = (tmp_path / "shortlists" / f"{owner}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str)
    assert list(back.columns) == ["产品"] + [c[1] for c in COLUMNS]
    mine = result.shortlists[result.shortlists["owner"] == owner]
    names = result.population.frame.set_index("enterprise_id")["name"]
    expected = [("'" + n) if n.startswith(("=", "+", "-", "@")) else n for n in names[mine["enterprise_id"]]]
    assert back["企业名称"].tolist() == expected
    assert any("有限公司" in n for n in back["企业名称"])
    # the English switch
    sheets = owner_frames(result.catalog, result.population, result.shortlists, result.tiers, "en")
    write_owner_files(tmp_path / "en", result.catalog, sheets, result.as_of, "en")
    wb = openpyxl.load_workbook(tmp_path / "en" / f"{owner}.xlsx")
    assert [c.value for c in wb.worksheets[0][1]] == [c[2] for c in COLUMNS]
    assert wb.sheetnames[-1] == "tiers"


def test_formula_like_text_never_becomes_a_formula(matched, tmp_path):
    _, result = matched
    write_match(result, tmp_path)
    seen = set()
    for path in (tmp_path / "shortlists").glob("*.xlsx"):
        for rows in _xlsx_cells(path).values():
            for row in rows:
                for c in row:
                    assert c.data_type != "f"
                    if c.value in FORMULAS:
                        assert c.data_type == "s"
                        seen.add(c.value)
        with zipfile.ZipFile(path) as z:
            assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    for path in (tmp_path / "shortlists").glob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "@")) and not (cell.startswith("-") and not _number(cell))
                if cell.lstrip("'") in FORMULAS:
                    assert cell.startswith("'")
                    seen.add(cell[1:])
    assert seen == set(FORMULAS)


def test_control_characters_are_dropped_from_the_xlsx_and_kept_in_the_csv(matched, tmp_path):
    _, result = matched
    write_match(result, tmp_path)
    owner = result.shortlists[result.population.frame["name"].to_numpy(object)[result.shortlists["row"]]
                              == CONTROL]["owner"].iloc[0]
    values = {c.value for rows in _xlsx_cells(tmp_path / "shortlists" / f"{owner}.xlsx").values()
              for row in rows for c in row}
    assert "响铃企业有限公司" in values
    back = pd.read_csv(tmp_path / "shortlists" / f"{owner}.csv", encoding="utf-8-sig", dtype=str)
    assert CONTROL in set(back["企业名称"])


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_the_same_inputs_give_byte_identical_files(matched, small_province, tmp_path):
    _, result = matched
    tables = small_province[0]
    run = points_and_checks(Dataset(tables, SMALL.extracted_on), SMALL.extracted_on, load_points_config())
    again = match(tables, SMALL.extracted_on, run.indicators, run.features, run.points,
                  summarise(run.checks, reasons=False), fake_scores(run.indicators),
                  reason_texts={"leverage": ("资产负债率偏高", "leverage is high")})
    again.population.frame["name"] = result.population.frame["name"]  # the fixture's formula-like names
    write_match(result, tmp_path / "a")
    write_match(again, tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) > 20
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def test_every_xlsx_cell_holds_the_frame_value_with_its_format(matched, tmp_path):
    """The rows are written as SpreadsheetML by hand (fast); read back with openpyxl they are the frames'
    values: XML specials and edge spaces kept, characters XML cannot hold dropped, missing values empty,
    PD a percentage and amounts with thousands separators."""
    _, result = matched
    sheets = owner_frames(result.catalog, result.population, result.shortlists, result.tiers)
    owner = result.shortlists["owner"].value_counts().index[0]
    first = next(p for p in sheets[owner] if p != "_tiers" and len(sheets[owner][p]) >= 4)
    frame = sheets[owner][first]
    odd = ["A&B <科技> 公司", "  前后有空格  ", "非字符\uffff孤公司", "回\r车\"'公司"]
    frame.loc[frame.index[:4], "name"] = odd
    frame.loc[frame.index[0], "pd"] = np.nan
    write_owner_files(tmp_path, result.catalog, sheets, result.as_of)
    wb = openpyxl.load_workbook(tmp_path / f"{owner}.xlsx")
    assert len(wb.worksheets) == len(sheets[owner])
    for ws, (pid, want) in zip(wb.worksheets, sheets[owner].items()):
        keys = [c[0] for c in (COLUMNS if pid != "_tiers" else TIER_COLUMNS)]
        rows = list(ws.iter_rows(min_row=2))
        assert len(rows) == len(want), ws.title
        for row, values in zip(rows, want[keys].itertuples(index=False)):
            for cell, key, v in zip(row, keys, values):
                if v is None or (isinstance(v, float) and np.isnan(v)):
                    assert cell.value is None, (ws.title, key)
                elif isinstance(v, str):
                    assert cell.data_type == "s" and cell.value == re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\uffff]", "", v), (ws.title, key)
                else:
                    assert cell.data_type == "n" and cell.value == pytest.approx(float(v), rel=1e-15), (ws.title, key)
                if key == "pd" and cell.value is not None:
                    assert cell.number_format == "0.00%"
                if key == "suggested_amount" and cell.value is not None:
                    assert cell.number_format == "#,##0"
    names = [c.value for c in wb[result.catalog.product(first).name_zh]["C"][1:5]]
    assert names == ["A&B <科技> 公司", "  前后有空格  ", "非字符孤公司", "回\r车\"'公司"]
    assert wb[result.catalog.product(first).name_zh]["J2"].value is None  # the missing PD: an empty cell


def test_sheet_titles_differ_ignoring_case_and_fit_excel():
    from innoscore.matching.export import _sheet_title

    used: set[str] = set()
    assert [_sheet_title(t, used) for t in ("Loan", "loan", "LOAN", "a/b:c", "x" * 40)] == [
        "Loan", "loan(2)", "LOAN(3)", "a_b_c", "x" * 31]
