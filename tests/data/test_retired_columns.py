"""A file still carrying a retired column is read, with a warning that says what replaced it."""

from __future__ import annotations

from innoscore.data.contract import TABLES
from innoscore.data.validation import load, validate


def test_the_old_awards_rank_column_is_a_warning_naming_its_replacements(province_dir):
    folder = province_dir(lambda t: t["awards"].__setitem__("rank", 1))
    report = validate(folder)
    assert report.ok
    warning = next(p for p in report.problems if (p.table, p.column) == ("awards", "rank"))
    assert warning.check == "unknown column" and warning.severity == "warning"
    assert "prize_grade" in warning.detail and "unit_rank" in warning.detail
    assert "rank" not in load(folder)["awards"].columns


def test_retired_columns_are_not_contract_columns():
    for table in TABLES.values():
        assert not {old for old, _ in table.retired} & set(table.column_names), table.name
