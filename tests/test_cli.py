"""The innoscore command: demo, summary, help and exit codes."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

from innoscore.cli import main
from innoscore.data.summary import summarize_data
from innoscore.data.validation import load


def test_demo_generates_validates_and_summarises(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--enterprises", "600", "--start", "2023-01", "--end", "2024-12"]) == 0
    text = capsys.readouterr().out
    data = load(out / "province")
    assert data.extracted_on.isoformat() == "2024-12-31"
    assert "valid (extraction date 2024-12-31" in text
    # the printed counts are the data's counts
    for name, frame in data.tables.items():
        assert re.search(rf"{name}\s+{len(frame)}\b", text), name
    for city, n in data["enterprises"]["city"].value_counts().items():
        assert re.search(rf"{city}\s+{n}\b", text), city
    loans = data["loans"]
    rate = round(loans["defaulted_on"].notna().mean(), 4)
    assert re.search(rf"all\s+{len(loans)}\s+{loans['defaulted_on'].notna().sum()}\s+{rate}", text)
    assert str(out / "province") in text and str(out / "province_truth") in text
    # the indicator table of the last month-end is written and summarised
    ind = pd.read_parquet(out / "indicators.parquet")
    assert (ind["as_of"] == pd.Timestamp("2024-12-31")).all()
    assert len(ind) == int((data["enterprises"]["founded_on"] <= pd.Timestamp("2024-12-31")).sum())
    assert "indicators as of 2024-12-31" in text and "研发投入强度" in text
    # points: the top 10 with their group subtotals, and both tables written
    pts = pd.read_parquet(out / "points" / "points.parquet")
    best = pts.sort_values(["total", "enterprise_id"], ascending=[False, True]).head(10)
    section = text.split("top 10 enterprises by points")[1].split("certification checks")[0]
    assert [line.split()[0] for line in section.strip().splitlines()[3:13]] == list(best["enterprise_id"])
    assert (out / "points" / "certification_checks.parquet").exists()
    # two years of loans are too few for the credit panel's dates: the step says why and is skipped
    credit = text.split("[6/7] credit model")[1]
    assert "skipped: the test slice of the credit panel has 0 rows" in credit and "models/credit.yaml" in credit
    assert "credit model   models:/" not in text
    assert "[7/7] monthly run skipped: no champion model" in text and not (out / "runs").exists()


def test_demo_trains_registers_and_promotes_the_credit_model(tmp_path, capsys, monkeypatch):
    import shutil

    import yaml
    from mlflow.tracking import MlflowClient

    from innoscore.config import config_dir

    # a small province with gates it can pass (the default gates are for the full-size demo)
    config = tmp_path / "config"
    for folder in ("features", "models", "pipelines", "synthetic"):
        shutil.copytree(config_dir() / folder, config / folder)
    credit = config / "models" / "credit.yaml"
    doc = yaml.safe_load(credit.read_text(encoding="utf-8"))
    doc["gates"].update(min_auc=0.6, max_ece=0.03)
    credit.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("INNOSCORE_CONFIG_DIR", str(config))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--enterprises", "3000"]) == 0
    printed = capsys.readouterr().out
    text = printed.split("[6/7] credit model")[1]
    uri = f"sqlite:///{(out / 'mlflow.db').resolve()}"
    assert (out / "mlflow.db").is_file() and (out / "mlartifacts").is_dir()
    client = MlflowClient(tracking_uri=uri)
    champion = client.get_model_version_by_alias("innoscore-credit", "champion")
    assert str(champion.version) == "1"
    metrics = client.get_run(champion.run_id).data.metrics
    # the printed test figures are the ones logged with the registered version
    row = re.search(r"CreditModel\s+(0\.\d{4})\s+(0\.\d{4})\s+(0\.\d{4})\s+(0\.\d{5})", text)
    assert row is not None
    assert float(row.group(1)) == round(metrics["test_auc"], 4)
    assert float(row.group(4)) == round(metrics["test_brier"], 5)
    assert "version 1 is now @champion" in text and f"models:/innoscore-credit@champion (version 1) in {uri}" in text

    # [7/7] the monthly run with the champion, three months on the batch's runner: each owner's shortlist
    # sizes and the top of the leaders' tier of the last, and its files
    matching = printed.split("[7/7] the monthly run")[1]
    month = out / "runs" / "2026-10"
    assert {p.name for p in (out / "runs").iterdir() if not p.name.startswith(".")} == {"2025-10", "2026-09", "2026-10"}
    assert (month / "report.html").is_file() and (month / "drift.parquet").is_file()
    assert (month / "backtest.parquet").is_file()  # the 2025-10 month's PDs against what happened since
    shortlists = pd.read_parquet(month / "shortlists" / "shortlists.parquet")
    for (owner, product), size in shortlists.groupby(["owner", "product"]).size().items():
        assert re.search(rf"{owner}\s+.*\b{product} {size:,}\b", matching), product
    tiers = pd.read_parquet(month / "tiers.parquet")
    leaders = tiers[tiers["tier"] == "leaders"]
    assert 1 <= len(leaders) <= 10 and f"  1  {leaders['enterprise_id'].iloc[0]}" in matching
    for owner in ("ICBC", "HB_POC_FUND"):
        assert (month / "shortlists" / f"{owner}.xlsx").is_file()
        assert (month / "shortlists" / f"{owner}.csv").is_file()

    # the same through `innoscore match`: identical files; and `match explain` for a shortlisted enterprise
    again = tmp_path / "again"
    assert main(["match", str(out / "province"), "--tracking-uri", uri, "--out", str(again)]) == 0
    written = sorted(again.rglob("*.*"))
    assert len(written) > 20
    for path in written:
        assert path.read_bytes() == (month / path.relative_to(again)).read_bytes(), path.name
    assert main(["match", str(out / "province"), "--tracking-uri", uri, "--out", str(again)]) == 2
    assert "pass --overwrite" in capsys.readouterr().err
    first = shortlists.iloc[0]
    assert main(["match", "explain", str(out / "province"), "--tracking-uri", uri, "--enterprise",
                 first["enterprise_id"]]) == 0
    explained = capsys.readouterr().out
    assert f"{first['product']} (" in explained and "SHORTLISTED rank 1" in explained
    assert main(["match", "explain", str(out / "province"), "--tracking-uri", uri, "--enterprise", "X" * 18]) == 2
    # a model alias that does not exist: exit 2, nothing written
    assert main(["match", str(out / "province"), "--tracking-uri", uri, "--model", "models:/innoscore-credit@nobody",
                 "--out", str(tmp_path / "none")]) == 2
    assert "cannot load the model models:/innoscore-credit@nobody" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()


def test_summary_counts_certificates_valid_on_the_extraction_date(tmp_path, small_province):
    from tests.helpers import write_folder

    tables = {k: v.copy() for k, v in small_province[0].items()}
    folder = write_folder(tmp_path / "p", tables)
    data = load(folder)
    cert = summarize_data(data)["certifications"]
    asof = pd.Timestamp(data.extracted_on)
    c = data["certifications"]
    ht = c[(c["kind"] == "high_tech_enterprise") & (c["issued_on"] <= asof)
           & (c["expires_on"].isna() | (c["expires_on"] > asof))]
    assert cert.loc["high_tech_enterprise", "enterprises_valid_now"] == ht["enterprise_id"].nunique()
    assert cert["certificates"].sum() == len(c)


def test_summary_of_invalid_data_exits_2(tmp_path, capsys):
    (tmp_path / "enterprises.csv").write_text("enterprise_id,name\n1,2\n", encoding="utf-8")
    assert main(["summary", str(tmp_path)]) == 2
    assert "missing column" in capsys.readouterr().err


def test_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "innoscore.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("validate", "synth", "summary", "demo", "match", "match-explain"):
        assert command in out.stdout


def _commands() -> dict:
    from innoscore.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    return sub.choices


def test_every_command_has_help_and_a_summary_in_the_list(capsys):
    from innoscore.cli import build_parser

    commands = _commands()
    assert len(commands) >= 20
    listed = build_parser().format_help()
    for name, parser in commands.items():
        assert name in listed, f"{name} is not in `innoscore --help`"
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        out = capsys.readouterr().out
        assert exc.value.code == 0 and out.startswith(f"usage: innoscore {name}"), name
        assert "options:" in out and "-h, --help" in out, name
        for action in parser._actions:  # every option says what it does
            if action.option_strings and action.dest != "help":
                assert action.help, f"innoscore {name} {action.option_strings[0]} has no help text"
    # the two-word spellings reach their commands
    for words in (["points", "explain"], ["points", "references"], ["match", "explain"], ["weights", "diff"],
                  ["weights", "stability"], ["keys", "add"], ["keys", "list"], ["keys", "revoke"],
                  ["outcomes", "export"]):
        with pytest.raises(SystemExit) as exc:
            main([*words, "--help"])
        assert exc.value.code == 0 and f"usage: innoscore {'-'.join(words)}" in capsys.readouterr().out


def test_every_command_function_of_the_rooms_is_reachable():
    import innoscore.cli as cli

    reachable = {parser.get_default("func") for parser in _commands().values()}
    defined = {getattr(room, name) for room in cli.ROOMS for name in dir(room) if name.startswith("cmd_")}
    assert defined == reachable  # no command function without a command, none outside the rooms


def test_unknown_option_exits_2():
    out = subprocess.run([sys.executable, "-m", "innoscore.cli", "validate"], capture_output=True, text=True)
    assert out.returncode == 2 and "DATA_DIR" in out.stderr


def test_every_error_a_user_can_fix_derives_from_one_base_class_and_exits_2(tmp_path, capsys):
    from innoscore.config import ConfigError
    from innoscore.credit.panel import PanelError
    from innoscore.data.validation_report import DataError
    from innoscore.errors import InnoscoreError, UsageError
    from innoscore.indicators.functions import IndicatorRangeError
    from innoscore.matching.products import ProductsError
    from innoscore.points.references import ReferencesError
    from innoscore.policy import PolicyConfigError

    for cls in (ConfigError, PanelError, DataError, UsageError, IndicatorRangeError, ProductsError,
                ReferencesError, PolicyConfigError):
        assert issubclass(cls, InnoscoreError), cls
    # one of each through the command line: a message, status 2, no traceback
    assert main(["points", "references", str(tmp_path), "--year", "1066"]) == 2
    assert main(["indicators", str(tmp_path / "nowhere"), "--out", str(tmp_path / "i.parquet")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--year 1066" in err
