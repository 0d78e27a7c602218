"""The synthetic province's behaviour file: checked like any configuration, and each number moves the
province in one place."""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innoscore.config import ConfigError, load_yaml
from innoscore.data.synth import SynthSpec, generate, load_behaviour
from innoscore.data.synth.behaviour import BEHAVIOUR_FILE

SPEC = SynthSpec(enterprises=400, seed=5, start="2022-01", end="2024-12")


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path, node


def _set(doc, path, value):
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


def test_the_shipped_file_holds_numbers_not_text_that_looks_like_one():
    doc = load_yaml(BEHAVIOUR_FILE)
    for path, value in _leaves(doc):
        if isinstance(value, str):
            with pytest.raises(ValueError):
                float(value)  # 2.5e7 (no sign) is text to YAML: it would be refused as a number
    assert load_behaviour() == doc


@pytest.mark.parametrize("path, value, message", [
    (("financials", "never_file_share"), 1.5, "financials.never_file_share must be a share between 0 and 1"),
    (("financials", "never_file_share"), "2.5e7", "must be a number; got '2.5e7' (write numbers"),
    (("enterprises", "size", "median"), 0.0, "enterprises.size.median must be above 0"),
    (("equity", "funds", "exit_years"), [6.0, 1.0], "equity.funds.exit_years: 6.0 is above 1.0"),
    (("equity", "funds", "exit_years"), [1.0], "equity.funds.exit_years must be a list of 2"),
    (("projects", "reassessed_after_days"), [180.5, 720], "projects.reassessed_after_days.0 must be a whole number"),
    (("enterprises", "innovation", "quality_loading"), 1.2, "quality_loading is a correlation: between -1 and 1"),
    (("risk", "intercept"), float("nan"), "risk.intercept must be a number"),
    (("risk", "intercept"), True, "risk.intercept must be a number"),
    (("loans", "collateral_shares", "none"), -0.1, "loans.collateral_shares.none must be a share"),
    (("awards", "grade_shares"), [0.5, 0.5], "awards.grade_shares must be a list of 4"),
    (("insurance", "industries"), ["steel", 3], "insurance.industries must be a list of names"),
    (("financials", "published_days_after_year_end"), [120, 120], "120 is not below 120; expected [low, high)"),
    (("ip", "core_granted_days_before"), [-5, 10], "ip.core_granted_days_before.0 must not be negative"),
    (("accounts", "main_business", "focused"), [0.7, 1.2], "accounts.main_business.focused.1 must be a share"),
    (("loans", "early_repaid_at"), [-0.1, 0.9], "loans.early_repaid_at.0 must be a share"),
    (("awards", "grade_shares_national"), [0.0, 0.0, 0.0, 0.0], "awards.grade_shares_national: the shares add up"),
    (("risk", "size", "log10_offset"), 0.0, "risk.size.log10_offset must be above 0"),
    (("penalties", "rate", "base"), -0.01, "penalties.rate.base must not be negative"),
    (("accounts", "employees", "min"), 0, "accounts.employees.min must be above 0"),
    (("penalties", "fined_kinds"), ["tax", "parking"], "penalties.fined_kinds: parking not in penalties.kind_shares"),
    (("loans", "rate_range"), [1.5, 40.0], "loans.rate_range: [1.5, 40.0]; the contract's rates"),
])
def test_a_wrong_value_is_refused_naming_its_key(path, value, message):
    doc = load_yaml(BEHAVIOUR_FILE)
    _set(doc, path, value)
    with pytest.raises(ConfigError) as exc:
        load_behaviour(doc)
    assert message in str(exc.value)


def test_a_set_of_names_may_be_longer_or_shorter_but_must_name_known_things():
    doc = load_yaml(BEHAVIOUR_FILE)
    doc["penalties"]["fined_kinds"] = ["tax"]
    doc["insurance"]["industries"] = ["advanced_equipment", "biomedicine", "new_energy", "new_materials"]
    tables, _ = generate(SPEC, behaviour=doc)
    fined = tables["penalties"].loc[tables["penalties"]["amount"].notna(), "kind"]
    assert set(fined) == {"tax"}
    doc["insurance"]["industries"] = ["advanced_equipment", "quantum"]
    with pytest.raises(ConfigError, match="insurance.industries: quantum not among the province's industries"):
        generate(SPEC, behaviour=doc)


def test_edited_numbers_that_break_the_contract_are_refused_naming_the_table():
    doc = load_yaml(BEHAVIOUR_FILE)
    doc["enterprises"]["size"]["median"] = 1.0e+14  # revenues beyond the contract's 1e15 yuan
    with pytest.raises(ConfigError) as exc:
        generate(SPEC, behaviour=doc)
    text = str(exc.value)
    assert "the generated financials table breaks the data contract: revenue: " in text and "1e+15" in text


def test_missing_and_unknown_keys_are_named(tmp_path):
    doc = load_yaml(BEHAVIOUR_FILE)
    del doc["risk"]["frailty_effect"]
    doc["risk"]["fraility_effect"] = 0.25
    path = tmp_path / "behaviour.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_behaviour(path)
    text = str(exc.value)
    assert str(path) in text and "risk: missing frailty_effect" in text and "risk: unknown fraility_effect" in text


def test_a_share_that_is_zero_everywhere_is_refused():
    doc = load_yaml(BEHAVIOUR_FILE)
    doc["loans"]["collateral_shares"] = dict.fromkeys(doc["loans"]["collateral_shares"], 0.0)
    with pytest.raises(ConfigError, match="loans.collateral_shares: the shares add up to 0"):
        load_behaviour(doc)


def _share_never_filing(tables):
    ent, fin = tables["enterprises"], tables["financials"]
    old = ent["founded_on"] < np.datetime64("2020-01-01")  # existed for years with published accounts
    return 1 - ent.loc[old, "enterprise_id"].isin(fin["enterprise_id"]).mean()


def test_one_number_changes_one_behaviour():
    base, base_truth = generate(SPEC)
    doc = load_yaml(BEHAVIOUR_FILE)
    doc["financials"]["never_file_share"] = 0.5
    tables, truth = generate(SPEC, behaviour=doc)
    assert _share_never_filing(base) < 0.15 < 0.35 < _share_never_filing(tables)
    # the other tables draw from their own streams: the enterprises and their patents are unchanged
    assert tables["enterprises"].equals(base["enterprises"]) and tables["ip_rights"].equals(base["ip_rights"])


def test_a_riskier_province_fails_more():
    _, base_truth = generate(SPEC)
    doc = load_yaml(BEHAVIOUR_FILE)
    doc["risk"]["intercept"] += 1.5
    tables, truth = generate(SPEC, behaviour=doc)
    base_pd, pd12 = base_truth["loan_months"]["pd_12m"].mean(), truth["loan_months"]["pd_12m"].mean()
    assert pd12 > 1.8 * base_pd  # exp(1.5) = 4.5 on the hazard; fewer survive to be at risk
    assert truth["enterprises"]["failed_on"].notna().sum() > base_truth["enterprises"]["failed_on"].notna().sum()


NUMERIC = [p for p, v in _leaves(load_yaml(BEHAVIOUR_FILE)) if isinstance(v, (int, float)) and not isinstance(v, bool)]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # extreme numbers overflow on the way to a refusal
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(NUMERIC),
       value=st.one_of(st.sampled_from([0, 0.0, -1, 1, 1e300, -1e300, 10 ** 400, "1e5", None, [], {}, True]),
                       st.floats(allow_nan=True, allow_infinity=True), st.integers(-10 ** 6, 10 ** 6)))
def test_any_one_mutation_is_refused_or_generates(path, value):
    doc = copy.deepcopy(load_yaml(BEHAVIOUR_FILE))
    _set(doc, path, value)
    try:
        load_behaviour(doc)
    except ConfigError as exc:
        named = path[:-1] if isinstance(path[-1], int) else path  # a pair's fault may be the pair's
        assert ".".join(map(str, named)) in str(exc)  # the key is named
        return
    try:
        tables, truth = generate(SynthSpec(enterprises=200, seed=1, start="2023-01", end="2024-06"), behaviour=doc)
    except ConfigError as exc:  # a draw made impossible, or a table out of the contract: named
        assert ("these numbers cannot generate a province; step " in str(exc)
                or "table breaks the data contract: " in str(exc))
        return
    assert len(tables["enterprises"]) == 200 and set(truth) == {"loan_months", "enterprises"}
    from innoscore.data.validation import validate_table

    for name, frame in tables.items():  # what was generated keeps the contract
        assert validate_table(frame, name, dt.date(2024, 6, 30), name)[0].ok, name


def test_the_command_refuses_a_broken_behaviour_file_with_exit_2(tmp_path, monkeypatch, capsys):
    import shutil

    from innoscore.cli import main
    from innoscore.config import config_dir

    config = tmp_path / "config"
    for folder in ("features", "models", "pipelines", "synthetic"):
        shutil.copytree(config_dir() / folder, config / folder)
    path = config / "synthetic" / "behaviour.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("never_file_share: 0.07", "never_file_share: 7%"),
                    encoding="utf-8")
    monkeypatch.setenv("INNOSCORE_CONFIG_DIR", str(config))
    out = tmp_path / "p"
    assert main(["synth", "--enterprises", "50", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "behaviour.yaml" in err and "financials.never_file_share must be a number; got '7%'" in err
    assert not out.exists() and not (tmp_path / "p_truth").exists()


def test_the_stream_keeps_no_table_the_caller_has_let_go(monkeypatch):
    """A province of 10^6 enterprises does not fit twice in memory: once written, a table must be freed
    before the next is generated (the writer deletes its reference; nothing else may hold one)."""
    import gc
    import weakref

    from innoscore.data.synth import sequence

    refs, held = [], []
    conform = sequence.conform

    def watching(name, frame):  # runs while the next table is being generated
        gc.collect()
        held.extend((name, n) for n, r in refs if r() is not None)
        return conform(name, frame)

    monkeypatch.setattr(sequence, "conform", watching)
    for kind, name, frame in sequence.stream(SynthSpec(enterprises=200, seed=2, start="2023-01", end="2024-06")):
        refs.append((name, weakref.ref(frame)))
        del frame
    assert not held, f"(table being made, table still held): {held}"
    assert len(refs) == 12
