"""The indicator catalog is checked at load time; errors name the file and the entry."""

from __future__ import annotations

import copy

import pytest
import yaml

from innoscore.config import config_dir
from innoscore.indicators import REGISTRY, CatalogError, load_catalog, parse_catalog
from innoscore.indicators.functions import IndicatorRangeError, check_range


@pytest.fixture(scope="module")
def doc():
    return yaml.safe_load((config_dir() / "features" / "indicators.yaml").read_text(encoding="utf-8"))


def test_default_catalog(doc):
    cat = load_catalog()
    assert len(cat) == len(doc["indicators"])
    # the province's working list stands for the national system's 18 indicators (names not retrieved)
    working = [i for i in cat if i.scope == "working_list"]
    assert len(working) == 18
    assert {i.group for i in working} == {"technology", "growth", "auxiliary"}
    local = {i.id for i in cat if i.scope == "local"}
    assert {"best_trl", "best_advancement", "projects_market_value"} <= local
    assert all(i.scope in ("working_list", "local") for i in cat.for_points())
    assert {"best_trl", "mean_trl", "best_advancement", "projects_market_value"} <= set(cat.ids)
    assert {"leverage", "margin_trend", "years_in_business", "lending_banks", "prior_defaults",
            "days_since_last_penalty", "first_loan"} <= set(cat.ids)
    assert cat.monotone()["leverage"] == -1 and cat.monotone()["rd_intensity"] == 1
    assert all(i.missing in ("no_points", "reweight") for i in cat.for_points())


def _with(doc, position, **changes):
    d = copy.deepcopy(doc)
    d["indicators"][position].update(changes)
    return d


@pytest.mark.parametrize("changes, words", [
    ({"function": "no_such_function"}, "unknown function 'no_such_function'"),
    ({"direction": 0}, "direction must be 1"),
    ({"direction": "up"}, "direction must be 1"),
    ({"direction": True}, "direction must be 1"),
    ({"group": "innovation"}, "group must be one of"),
    ({"use": "sometimes"}, "use must be one of"),
    ({"table": "patents"}, "table must be one of"),
    ({"missing": None}, "needs missing"),
    ({"id": "rd intensity"}, "id must be a name"),
    ({"colour": "red"}, "unknown keys colour"),
    ({"table": "ip_rights"}, "reads financials, not ip_rights"),
    ({"scope": None}, "an indicator used in the points needs scope: one of working_list, local"),
    ({"scope": "national"}, "needs scope: one of working_list, local"),
    ({"counts": ["gold_medal"]}, "counts must be a list of distinct certificate or award kinds"),
    ({"counts": ["tech_sme", "tech_sme"]}, "counts must be a list of distinct certificate or award kinds"),
    ({"counts": "tech_sme"}, "counts must be a list of distinct certificate or award kinds"),
])
def test_bad_entry_is_refused_naming_it(doc, changes, words):
    with pytest.raises(CatalogError) as err:
        parse_catalog(_with(doc, 2, **changes), "features/indicators.yaml")
    message = str(err.value)
    assert "features/indicators.yaml: indicator #3" in message
    assert words in message


def test_duplicate_id_is_refused(doc):
    d = copy.deepcopy(doc)
    d["indicators"].append(copy.deepcopy(d["indicators"][0]))
    with pytest.raises(CatalogError, match=r"indicator #\d+ \(rd_expense\): duplicate id, already declared as indicator #1"):
        parse_catalog(d, "cat.yaml")


def test_missing_keys_and_empty_catalog(doc):
    d = copy.deepcopy(doc)
    del d["indicators"][0]["unit"]
    with pytest.raises(CatalogError, match=r"#1 \(rd_expense\): missing unit"):
        parse_catalog(d)
    with pytest.raises(CatalogError, match="non-empty list"):
        parse_catalog({"indicators": []})


def test_catalog_file_path_errors(tmp_path):
    bad = tmp_path / "cat.yaml"
    bad.write_text("indicators: [", encoding="utf-8")
    with pytest.raises(Exception, match="not valid YAML"):
        load_catalog(bad)
    with pytest.raises(Exception, match="not found"):
        load_catalog(tmp_path / "none.yaml")


def test_every_function_has_a_docstring_and_reads_named_columns():
    for name, fn in REGISTRY.items():
        assert fn.doc, name
        assert fn.inputs, name


def test_range_check_names_the_indicator_and_enterprises():
    import pandas as pd

    fn = REGISTRY["rd_staff_share"]
    with pytest.raises(IndicatorRangeError, match=r"rd_staff_share \(financials.py\) outside \[0, 1\].*E1=1.5"):
        check_range(fn, pd.Series([0.5, 1.5]), pd.Series(["E0", "E1"]))
