"""Weights studies on a published month: the diff, its files, the stability command and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from innoscore.cli import main
from innoscore.points.config import save_points_config, to_document
from innoscore.points.weighting import equal, to_config
from innoscore.weights import diff, levels, load_month, thresholds

from .helpers import run_args


@pytest.fixture(scope="module")
def month_dir(setup, tmp_path_factory):
    root, data, model = setup
    runs = tmp_path_factory.mktemp("weights") / "runs"
    assert main(run_args(root, data, model, runs)) == 0
    return next(p for p in runs.iterdir() if p.is_dir() and not p.name.startswith("."))


@pytest.fixture(scope="module")
def month(month_dir):
    return load_month(month_dir)


@pytest.fixture(scope="module")
def files(month, tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights_files")
    current = save_points_config(month.config, folder / "current.yaml")
    proposed = save_points_config(to_config(month.config, equal(month.config.indicators)), folder / "equal.yaml",
                                  note="equal weights within each group")
    return current, proposed


def test_a_month_loads_with_its_points_and_pd(month, month_dir):
    points = pd.read_parquet(month_dir / "points.parquet").set_index("enterprise_id").sort_index()
    assert list(points.index) == list(month.indicators.index)
    np.testing.assert_allclose(month.population.number("points"), points["total"].to_numpy())
    scores = pd.read_parquet(month_dir / "scores.parquet").set_index("enterprise_id").loc[points.index]
    np.testing.assert_allclose(month.pd_values, scores["pd"].to_numpy())


def test_the_diff_of_a_weights_file_against_itself_reports_no_moves(month, files, tmp_path, capsys):
    current, _ = files
    assert main(["weights", "diff", str(current), str(current), "--run", str(month.source.split(" ")[0]),
                 "--out", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "moves in or out of a tier: 0" in out and "product eligibility changes: 0" in out
    summary = pd.read_csv(tmp_path / "d" / "summary.csv").set_index("metric")["value"]
    assert float(summary["spearman"]) == 1.0 and float(summary["kendall"]) == 1.0
    assert int(summary["tier_moves"]) == 0 and int(summary["crossings"]) == 0
    assert pd.read_csv(tmp_path / "d" / "tier_moves.csv").empty and pd.read_csv(tmp_path / "d" / "crossings.csv").empty
    tiers = pd.read_csv(tmp_path / "d" / "tiers.csv")
    assert (tiers["before"] == tiers["after"]).all() and (tiers["kept"] == tiers["before"]).all()
    page = (tmp_path / "d" / "diff.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "积分权重调整对比" in page


def test_a_weight_change_is_reported_tier_by_tier_and_product_by_product(month, files, tmp_path):
    current, proposed = files
    result = diff(month, month.config, to_config(month.config, equal(month.config.indicators)), "current", "equal")
    moves = result.tier_moves
    for row in result.tiers.to_dict("records"):
        assert row["after"] - row["before"] == row["in"] - row["out"]
        assert row["out"] == ((moves["tier"] == row["tier"]) & (moves["move"] == "out")).sum()
    assert len(moves)
    assert result.summary.set_index("metric")["value"]["spearman"] < 1.0
    # a product whose only points rule is points >= X: who came in crossed X upwards, who left downwards
    floors = thresholds(month.catalog)
    simple = [p.id for p in month.catalog.products if p.id in floors and
              sum(f.startswith("points") for r in p.rules for f in ([r.field] if hasattr(r, "field") else [])) == 1]
    c = result.crossings[result.crossings["product"].isin(simple)]
    assert len(c)
    ins, outs = c[c["move"] == "in"], c[c["move"] == "out"]
    assert (ins["points_after"] >= ins["threshold"]).all() and (ins["points_before"] < ins["threshold"]).all()
    assert (outs["points_before"] >= outs["threshold"]).all() and (outs["points_after"] < outs["threshold"]).all()
    assert c["name"].notna().all()
    eff = result.effective
    assert (eff["weight_before"] != eff["weight_after"]).any()
    assert eff.groupby("stage")["weight_after"].sum().to_numpy() == pytest.approx(1.0)
    zh = result.to_html("zh")
    tier = month.catalog.tiers[0]
    assert tier.name_zh in zh and "新进" in zh and f"<td>{moves['tier'].iloc[0]}</td>" not in zh  # names, not ids
    paths = result.write(tmp_path / "en", lang="en")
    page = paths["html"].read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Effective weights" in page and "积分权重" not in page
    assert len(pd.read_csv(paths["crossings"])) == len(result.crossings)


def test_monte_carlo_levels_follow_the_catalogs_tiers(month):
    lv = levels(month)
    ids = [t.id for t in month.catalog.tiers if not hasattr(t, "min_trl")]
    assert [x.id for x in lv] == ids and all(x.exclusive for x in lv)
    leaders = next(x for x in lv if x.id == "leaders")
    assert leaders.min_points == 70.0 and leaders.eligible.dtype == bool


def test_the_stability_command_writes_bands_and_boundaries(month, tmp_path, capsys):
    run = month.source.split(" ")[0]
    assert main(["weights", "stability", "--run", run, "--draws", "40", "--noise", "0.2", "--out",
                 str(tmp_path / "s")]) == 0
    frame = pd.read_csv(tmp_path / "s" / "stability.csv")
    assert len(frame) == len(month.indicators)
    assert (frame["rank_low"] <= frame["median_rank"]).all() and (frame["median_rank"] <= frame["rank_high"]).all()
    assert (frame["rank_high"] > frame["rank_low"]).any()  # 20 % noise moves some ranks
    assert {"p_leaders", "p_high_tech", "p_tech_sme"} <= set(frame.columns)
    bounds = pd.read_csv(tmp_path / "s" / "boundaries.csv")
    assert set(bounds.columns) >= {"kind", "target", "enterprise_id", "probability", "name"}
    assert "40 draws" in capsys.readouterr().out


def test_bad_input_exits_2_with_a_message(month, month_dir, files, tmp_path, capsys, setup):
    current, _ = files
    assert main(["weights", "diff", str(current), str(tmp_path / "nope.yaml"), "--run", str(month_dir)]) == 2
    assert "nope.yaml not found" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    doc = to_document(month.config)
    doc["weights"]["growth"]["revenue"] = -1
    bad.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert main(["weights", "diff", str(current), str(bad), "--run", str(month_dir)]) == 2
    assert "stage growth: revenue: must be >= 0" in capsys.readouterr().err
    assert main(["weights", "diff", str(current), str(current), "--run", str(tmp_path)]) == 2
    assert "not a published month" in capsys.readouterr().err
    assert main(["weights", "diff", str(current), str(current)]) == 2
    assert "--run" in capsys.readouterr().err
    assert main(["weights"]) == 2 and "innoscore weights diff OLD.yaml NEW.yaml" in capsys.readouterr().err
    assert main(["weights", "stability", "--run", str(month_dir), "--noise", "-1", "--out", str(tmp_path / "s")]) == 2
    assert "noise must be a number from 0" in capsys.readouterr().err
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["weights", "stability", "--run", str(month_dir), "--out", str(afile)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["weights", "stability", "--run", str(month_dir), "--seed", "-1"])
    assert exc.value.code == 2 and "expected a number >= 0" in capsys.readouterr().err
    # the data folder changed since the run: refused, naming the file
    root, data, _ = setup
    manifest = json.loads((month_dir / "manifest.json").read_text())
    copy = tmp_path / "data"
    copy.mkdir()
    for name in manifest["input_files"]:
        (copy / name).write_bytes((data / name).read_bytes())
    (copy / "loans.parquet").write_bytes((data / "loans.parquet").read_bytes() + b"x")
    assert main(["weights", "diff", str(current), str(current), "--run", str(month_dir), "--data", str(copy)]) == 2
    assert "loans.parquet changed since" in capsys.readouterr().err


def test_the_sliders_move_the_same_enterprises_as_the_diff(month):
    from innoscore.errors import UsageError
    from innoscore.notebook import WeightSliders

    sliders = WeightSliders.for_month(month, stage="mature", top=5)  # the leaders' tier takes mature enterprises only
    top, moves = sliders.update()
    assert moves.empty and (top["points"] == top["before"]).all() and list(top.index) == [1, 2, 3, 4, 5]
    # all the technology weight on R&D intensity: the leaders' points gate (70) lets others in
    tech = [n for n in month.config.indicators if month.config.catalog[n].group == "technology"]
    top, moves = sliders.update(**{"group:technology": 0.9, **{n: 0.0 for n in tech if n != "rd_intensity"}})
    config = sliders.config_now()
    assert config.weights["mature"]["rd_staff"] == 0.0 and config.weights["startup"] == month.config.weights["startup"]
    assert config.groups["mature"]["technology"] == pytest.approx(0.9 / (0.9 + 0.40 + 0.15))
    # the levels the sliders (and the Monte Carlo) fill agree with the matcher's tiers in the diff
    result = diff(month, month.config, config)
    assert len(moves)
    assert set(map(tuple, moves[["tier", "move", "enterprise_id"]].to_numpy())) == \
        set(map(tuple, result.tier_moves[["tier", "move", "enterprise_id"]].to_numpy()))
    np.testing.assert_allclose(top["points"].to_numpy(), np.sort(result_points(month, config))[::-1][:5], atol=1e-9)
    with pytest.raises(UsageError, match="no slider 'revenu'"):
        sliders.update(revenu=0.1)
    with pytest.raises(UsageError, match="a weight is a number >= 0"):
        sliders.update(revenue=-1.0)


def result_points(month, config):
    from innoscore.points import score

    return score(month.prepare(config), config)["total"].to_numpy()


def test_the_monte_carlos_current_tiers_are_the_published_ones(month, month_dir):
    from innoscore.points.sensitivity import monte_carlo

    result = monte_carlo(month.prepare(), draws=5, noise=0.0, levels=levels(month),
                         thresholds=thresholds(month.catalog), pd_values=month.pd_values)
    e = result.enterprises
    published = pd.read_parquet(month_dir / "tiers.parquet")
    published = published[published["project_id"].isna()].set_index("enterprise_id")["tier"]
    assert (e["level"] != "").sum() == len(published) > 0
    assert e.loc[published.index, "level"].tolist() == published.tolist()
    for tier in published.unique():
        assert set(e.index[e[f"p_{tier}"] == 1.0]) == set(published.index[published == tier])
    shortlists = pd.read_parquet(month_dir / "points.parquet").set_index("enterprise_id")["total"]
    np.testing.assert_array_equal(e["points"].to_numpy(), shortlists.loc[e.index].to_numpy())
    assert (e["rank_low"] == e["rank_high"]).all()


def test_a_proposal_that_drops_an_indicator_shows_it_at_weight_zero(month):
    names = [n for n in month.config.indicators if n != "st_awards"]
    proposed = to_config(month.config, equal(names))
    assert all(proposed.weights[s]["st_awards"] == 0.0 for s in proposed.weights)
    eff = diff(month, month.config, proposed).effective
    dropped = eff[eff["indicator"] == "st_awards"]
    assert len(dropped) == 3 and (dropped["weight_after"] == 0).all() and (dropped["weight_before"] > 0).all()
    assert (dropped["flag_after"] == "").all()


def test_a_data_folder_and_date_work_without_a_run(month, files, setup, tmp_path, capsys):
    root, data, model = setup
    current, _ = files
    assert main(["weights", "diff", str(current), str(current), "--data", str(data), "--as-of", "2024-03-31",
                 "--model", str(model), "--tracking-uri", f"sqlite:///{root}/mlflow.db", "--out",
                 str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "(2024-03-31)" in out and "moves in or out of a tier: 0" in out
    assert main(["weights", "diff", str(current), str(current), "--data", str(data), "--as-of", "2031-01-31",
                 "--model", str(model), "--tracking-uri", f"sqlite:///{root}/mlflow.db"]) == 2
    assert "after the data's extraction date" in capsys.readouterr().err
