from pathlib import Path

import pytest

from innoscore.data.contract import TABLES, Column, personal_columns
from innoscore.data.contract_doc import markdown

ROOT = Path(__file__).resolve().parents[2]


def test_docs_are_generated_from_the_contract():
    assert (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8").strip() == markdown().strip(), \
        "run: innoscore contract > docs/data-contract.md"


def test_ten_tables_with_keys_among_their_columns():
    assert len(TABLES) == 10 and list(TABLES)[-1] == "insurance_policies"
    for table in TABLES.values():
        assert set(table.key) <= set(table.column_names), table.name
        for rule in table.rules:
            assert {rule.column, rule.other} <= set(table.column_names)


def test_only_enterprises_is_required_and_holds_the_personal_data():
    assert [t.name for t in TABLES.values() if t.required] == ["enterprises"]
    assert personal_columns("enterprises") == ["legal_rep_name", "legal_rep_id_number", "legal_rep_phone"]
    assert all(not personal_columns(t) for t in TABLES if t != "enterprises")


def test_unknown_column_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of"):
        Column("x", "decimal", "?")
