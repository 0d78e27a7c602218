import pandas as pd

from innoscore.cli import main
from innoscore.data.validation import load
from innoscore.indicators import build
from innoscore.points import load_points_config, prepare, score
from tests.helpers import write_folder


def test_points_command_writes_points_and_checks(tmp_path, small_province, capsys):
    folder = write_folder(tmp_path / "p", {k: v.copy() for k, v in small_province[0].items()})
    out = tmp_path / "out"
    assert main(["points", str(folder), "--as-of", "2024-03-31", "--out", str(out)]) == 0
    pts = pd.read_parquet(out / "points.parquet").set_index("enterprise_id")
    checks = pd.read_parquet(out / "certification_checks.parquet")
    data = load(folder)
    expected = score(prepare(build(data, "2024-03-31"), load_points_config(), "2024-03-31"))
    pd.testing.assert_series_equal(pts["total"], expected["total"])
    assert set(checks["check"]) == {"high_tech_enterprise", "tech_sme", "innovative_sme", "specialised_sme",
                                    "little_giant"}
    assert set(checks["result"]) <= {"pass", "fail", "insufficient_data"}
    per_enterprise = checks.groupby("enterprise_id").size()
    assert (per_enterprise == per_enterprise.iloc[0]).all() and len(per_enterprise) == len(pts)
    assert per_enterprise.iloc[0] == checks.drop_duplicates(["check", "rule"]).shape[0]
    text = capsys.readouterr().out
    best = expected["total"].idxmax()
    assert "top 10 enterprises by points" in text and best in text.split("certification checks")[0]
    share65 = (pts["total"] >= 65).mean()
    assert f">= 65: {int((pts['total'] >= 65).sum()):,} enterprises ({share65:.1%})" in text


def test_points_explain_adds_up(tmp_path, small_province, capsys):
    folder = write_folder(tmp_path / "p", {k: v.copy() for k, v in small_province[0].items()})
    data = load(folder)
    pts = score(prepare(build(data, "2024-06-30"), load_points_config(), "2024-06-30"))
    eid = pts["total"].idxmax()
    assert main(["points", "explain", str(folder), "--enterprise", eid]) == 0
    text = capsys.readouterr().out
    assert f"enterprise {eid}" in text and "研发投入强度" in text
    assert f"= {pts.loc[eid, 'total']:.2f} points" in text
    assert "certification checks" in text and "high_tech_enterprise:" in text
    assert "rd_in_china" in text  # every condition is listed with its result


def test_points_explain_unknown_enterprise_exits_2(tmp_path, small_province, capsys):
    folder = write_folder(tmp_path / "p", {k: v.copy() for k, v in small_province[0].items()})
    assert main(["points", "explain", str(folder), "--enterprise", "NOPE"]) == 2
    assert "NOPE is not among" in capsys.readouterr().err


def test_points_with_a_broken_weights_file_exits_2_and_writes_nothing(tmp_path, small_province, capsys):
    folder = write_folder(tmp_path / "p", {k: v.copy() for k, v in small_province[0].items()})
    bad = tmp_path / "points.yaml"
    bad.write_text("weights: {}\ngroups: {}\nreference_values: {}\nbonus: {}\npenalty: {}\n", encoding="utf-8")
    assert main(["points", str(folder), "--config", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "stage startup" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_points_references_prints_the_block_to_paste(tmp_path, small_province, capsys):
    import yaml

    folder = write_folder(tmp_path / "p", {k: v.copy() for k, v in small_province[0].items()})
    assert main(["points", "references", str(folder), "--year", "2024"]) == 0
    out = capsys.readouterr()
    block = yaml.safe_load(out.out)  # the comment line aside, it is the YAML to paste
    rules = block[2024]
    cfg = load_points_config()
    assert set(rules) == set(cfg.references[2024])
    assert rules["revenue_growth"]["rule"] == "banded"  # bands are kept
    assert rules["rd_intensity"]["reference"] > 0
    assert "holders with a positive value" in out.err  # how each value was found


def test_points_references_after_the_data_exits_2(tmp_path, small_province, capsys):
    folder = write_folder(tmp_path / "p", {k: v.copy() for k, v in small_province[0].items()})
    assert main(["points", "references", str(folder), "--year", "2030"]) == 2
    assert "after the data's extraction date" in capsys.readouterr().err
    assert main(["points", "references", str(folder), "--year", "0"]) == 2
    assert "--year 0: expected a year" in capsys.readouterr().err
