import pandas as pd

from innoscore.cli import main
from innoscore.data.validation import load
from innoscore.indicators import build, load_catalog
from tests.helpers import write_folder


def test_indicators_command_writes_the_table(tmp_path, small_province, capsys):
    folder = write_folder(tmp_path / "p", {k: v.copy() for k, v in small_province[0].items()})
    out = tmp_path / "out" / "ind.parquet"
    assert main(["indicators", str(folder), "--as-of", "2023-12-31", "--out", str(out)]) == 0
    written = pd.read_parquet(out)
    expected = build(load(folder), "2023-12-31").reset_index()
    assert list(written.columns) == ["as_of", "enterprise_id", "stage"] + load_catalog().ids
    assert (written["as_of"] == pd.Timestamp("2023-12-31")).all()
    pd.testing.assert_frame_equal(written.drop(columns="as_of"), expected, check_categorical=False)
    text = capsys.readouterr().out
    assert "研发投入强度" in text and f"{len(expected):,} enterprises" in text


def test_indicators_as_of_defaults_to_the_extraction_date_and_may_not_pass_it(tmp_path, small_province, capsys):
    folder = write_folder(tmp_path / "p", {k: v.copy() for k, v in small_province[0].items()})
    out = tmp_path / "ind.parquet"
    assert main(["indicators", str(folder), "--out", str(out)]) == 0
    assert (pd.read_parquet(out)["as_of"] == pd.Timestamp("2024-06-30")).all()
    before = out.read_bytes()
    assert main(["indicators", str(folder), "--as-of", "2025-01-01", "--out", str(out)]) == 2
    assert "after the data's extraction date" in capsys.readouterr().err
    assert out.read_bytes() == before  # nothing overwritten


def test_indicators_with_a_broken_catalog_exits_2(tmp_path, small_province, capsys):
    folder = write_folder(tmp_path / "p", {k: v.copy() for k, v in small_province[0].items()})
    cat = tmp_path / "cat.yaml"
    cat.write_text("indicators:\n  - {id: x, name_zh: x, description: x, unit: x, group: growth, direction: 2,"
                   " table: financials, use: model}\n", encoding="utf-8")
    assert main(["indicators", str(folder), "--catalog", str(cat), "--out", str(tmp_path / "o.parquet")]) == 2
    err = capsys.readouterr().err
    assert "indicator #1 (x)" in err and "direction" in err
    assert not (tmp_path / "o.parquet").exists()
