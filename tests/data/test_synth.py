"""The synthetic province: reproducible, valid, realistic where the tests rely on it, truth kept apart."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from innoscore.cli import main
from innoscore.data.contract import TABLE_NAMES
from innoscore.data.synth import SynthSpec, synthesize
from innoscore.data.validation import load

SPEC = SynthSpec(enterprises=300, seed=5, start="2022-01", end="2024-12")


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path):
    a, ta = synthesize(SPEC, tmp_path / "a")
    b, tb = synthesize(SPEC, tmp_path / "b")
    c, _ = synthesize(SynthSpec(enterprises=300, seed=6, start="2022-01", end="2024-12"), tmp_path / "c")
    assert _digest(a) == _digest(b)
    assert _digest(ta) == _digest(tb)
    differs = {k for k in _digest(a) if _digest(a)[k] != _digest(c)[k]}
    assert "enterprises.parquet" in differs and "loans.parquet" in differs


def test_csv_output_is_reproducible_and_valid(tmp_path):
    a, _ = synthesize(SPEC, tmp_path / "a", fmt="csv")
    b, _ = synthesize(SPEC, tmp_path / "b", fmt="csv")
    assert _digest(a) == _digest(b)
    assert load(a)["enterprises"].shape[0] == 300


def test_input_folder_holds_only_the_tables_and_the_truth_is_elsewhere(tmp_path):
    data, truth = synthesize(SPEC, tmp_path / "prov")
    assert truth == tmp_path / "prov_truth"
    assert sorted(p.name for p in data.iterdir()) == sorted([f"{t}.parquet" for t in TABLE_NAMES] + ["dataset.yaml"])
    lm = pd.read_parquet(truth / "loan_months.parquet")
    assert {"loan_id", "enterprise_id", "month_end", "pd_1m", "pd_12m"} <= set(lm.columns)
    assert lm["pd_1m"].between(0, 1).all() and lm["pd_12m"].between(0, 1).all()
    assert (lm["pd_12m"] >= lm["pd_1m"] - 1e-7).all()
    # the latent frailty is in the truth and in no input table
    latent = pd.read_parquet(truth / "enterprises.parquet")
    assert "frailty" in latent.columns
    for name in TABLE_NAMES:
        assert "frailty" not in pd.read_parquet(data / f"{name}.parquet").columns


def test_truth_inside_the_input_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="must not be inside"):
        synthesize(SPEC, tmp_path / "prov", truth_dir=tmp_path / "prov" / "truth")


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth") / "prov"
    _, truth = synthesize(SynthSpec(enterprises=3000, seed=3), folder)
    return load(folder), truth


def test_generated_province_passes_validation_and_has_every_table(province):
    data, _ = province
    for name in TABLE_NAMES:
        assert len(data[name]) > 0, name


def test_truth_covers_exactly_the_outstanding_loan_months(province):
    data, truth = province
    lm = pd.read_parquet(truth / "loan_months.parquet")
    lm["month_end"] = pd.to_datetime(lm["month_end"])
    loans = data["loans"].set_index("loan_id")
    end = loans[["defaulted_on", "repaid_on", "maturity_on"]].min(axis=1)
    joined = lm.join(loans[["originated_on"]].assign(end=end), on="loan_id")
    assert (joined["originated_on"] <= joined["month_end"]).all()
    assert (joined["month_end"] < joined["end"]).all()
    # every loan outstanding at some month-end up to the extraction date has its rows
    month_ends = pd.date_range("2019-01-31", "2026-10-31", freq="ME")
    counts = [((loans["originated_on"] <= d) & (end > d)).sum() for d in month_ends[::7]]
    assert counts == [int((lm["month_end"] == d).sum()) for d in month_ends[::7]]


def test_true_pd_separates_defaulters(province):
    data, truth = province
    lm = pd.read_parquet(truth / "loan_months.parquet")
    first = lm.sort_values("month_end").groupby("loan_id").first()
    defaulted = data["loans"].set_index("loan_id")["defaulted_on"].notna().reindex(first.index)
    assert defaulted.sum() >= 20
    assert first.loc[defaulted, "pd_12m"].mean() > 2 * first.loc[~defaulted, "pd_12m"].mean()


def test_realistic_shapes(province):
    data, _ = province
    ent, fin, ip, loans = data["enterprises"], data["financials"], data["ip_rights"], data["loans"]
    # founded over decades
    assert (ent["founded_on"].dt.year.max() - ent["founded_on"].dt.year.min()) >= 25
    # heavy-tailed revenue and R&D expense
    rev = fin.loc[fin["revenue"] > 0, "revenue"]
    assert rev.max() / rev.median() > 100
    assert fin["rd_expense"].max() / fin["rd_expense"].median() > 100
    # zero-inflated patents
    with_ip = ip["enterprise_id"].nunique() / len(ent)
    assert 0.3 < with_ip < 0.9
    # missing values where real filings leave them out, but never in required columns
    assert fin["high_tech_revenue"].isna().mean() > 0.05
    # accounts published 4-6 months after year end
    lag = (fin["published_on"] - pd.to_datetime(fin["fiscal_year"].astype(str) + "-12-31")).dt.days
    assert lag.between(110, 185).all()
    # loans from several banks, originated in most months of the window
    assert loans["bank"].nunique() >= 5
    assert loans["originated_on"].dt.to_period("M").nunique() >= 90
    rate = loans["defaulted_on"].notna().mean()
    assert 0.01 < rate < 0.15
    # cities, parks, stages
    assert ent["city"].nunique() == 11
    assert ent["park"].nunique() > 20


def test_certificates_mostly_follow_their_rules(province):
    data, _ = province
    cert, fin = data["certifications"], data["financials"]
    ht = cert[cert["kind"] == "high_tech_enterprise"].copy()
    ht["fiscal_year"] = ht["issued_on"].dt.year
    joined = ht.merge(fin, on=["enterprise_id", "fiscal_year"], how="inner")
    share = joined["rd_staff"] / joined["employees"]
    ok = (share >= 0.10) & (joined["high_tech_revenue"] >= 0.6 * joined["revenue"])
    assert len(joined) > 50
    assert 0.75 < ok[share.notna() & joined["high_tech_revenue"].notna()].mean() < 1.0  # mostly, with noise
    assert (ht["expires_on"].dropna() - ht.loc[ht["expires_on"].notna(), "issued_on"]).dt.days.between(1094, 1096).all()


def test_synth_cli_refuses_to_overwrite_without_flag(tmp_path, capsys):
    out = tmp_path / "p"
    args = ["synth", "--enterprises", "50", "--start", "2023-01", "--end", "2023-12", "--out", str(out)]
    assert main(args) == 0
    before = _digest(out)
    assert main(args[:-2] + ["--seed", "9", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert _digest(out) == before
    assert main(args[:-2] + ["--seed", "9", "--out", str(out), "--overwrite"]) == 0
    assert _digest(out) != before


@pytest.mark.parametrize("bad", [["--start", "2024-13"], ["--start", "2024-05", "--end", "2024-01"],
                                 ["--enterprises", "0"], ["--enterprises", "many"]])
def test_synth_cli_bad_arguments_exit_2(tmp_path, capsys, bad):
    with pytest.raises(SystemExit) as exc:
        code = main(["synth", "--out", str(tmp_path / "x"), *bad])
        raise SystemExit(code)
    assert exc.value.code == 2
    assert not (tmp_path / "x").exists()


def test_failed_generation_leaves_the_old_folder_intact(tmp_path, monkeypatch):
    from innoscore.data.synth import ip

    out, _ = synthesize(SPEC, tmp_path / "p")
    before = _digest(out)

    def boom(*a, **k):
        raise RuntimeError("killed half-way")

    monkeypatch.setattr(ip, "ip_rights", boom)
    with pytest.raises(RuntimeError):
        synthesize(SynthSpec(enterprises=300, seed=99, start="2022-01", end="2024-12"), out)
    assert _digest(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_new_columns_are_filled_as_a_registry_would(province):
    data, _ = province
    aw, ip, fin = data["awards"], data["ip_rights"], data["financials"]
    award = aw["kind"] == "award"
    # prize grade and unit rank on awards only, within the contract's ranges; most lead their co-winners
    assert aw.loc[~award, ["prize_grade", "unit_rank"]].isna().all().all()
    assert aw.loc[award, "prize_grade"].between(0, 3).all() and (aw.loc[award, "unit_rank"] >= 1).all()
    assert 0.3 < (aw.loc[award, "unit_rank"] == 1).mean() < 0.8 and (aw.loc[award, "unit_rank"] > 3).any()
    assert (aw.loc[award & (aw["prize_grade"] == 0), "level"].isin(["national", "international"])).all()
    # a minority of IP rights acquired, a few of unknown origin
    acquired = ip["acquired"]
    assert 0.03 < acquired.fillna(False).mean() < 0.3 and 0.005 < acquired.isna().mean() < 0.1
    # main business never above revenue, steady per enterprise
    mb = fin["main_business_revenue"]
    assert (mb.dropna() <= fin.loc[mb.notna(), "revenue"]).all()
    share = (mb / fin["revenue"].where(fin["revenue"] > 0)).groupby(fin["enterprise_id"]).std()
    assert share.dropna().median() < 0.05


def test_sme_certificates_only_for_smes(province):
    """优质中小企业 (创新型, 专精特新, 小巨人) are SMEs by 中小企业划型标准规定 in the year they are issued."""
    from innoscore.config import load_yaml

    data, _ = province
    rules = load_yaml("features/certifications.yaml")
    cert, fin, ent = data["certifications"], data["financials"], data["enterprises"]
    sme_kinds = cert[cert["kind"].isin(["innovative_sme", "specialised_sme", "little_giant"])].copy()
    sme_kinds["fiscal_year"] = sme_kinds["issued_on"].dt.year
    joined = sme_kinds.merge(fin, on=["enterprise_id", "fiscal_year"]).merge(ent[["enterprise_id", "industry"]])
    sector = joined["industry"].map(rules["industries"]["size_sector"])
    under = pd.Series(False, index=joined.index)
    for name, limits in rules["sme_size"].items():
        here = sector == name
        for key, limit in limits.items():
            under |= here & (joined[key].astype("float64") < limit)
    assert len(joined) > 50
    # noise certificates aside (a few per thousand), all SMEs
    assert under.mean() > 0.97
