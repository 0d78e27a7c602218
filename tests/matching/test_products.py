"""The product catalog: the shipped file, and every mistake refused when it loads, named."""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from innoscore.config import load_yaml
from innoscore.matching.products import ProductsError, load_products

from .helpers import FIELDS, catalog, loan

SHIPPED = load_yaml("pipelines/products.yaml")


def test_the_shipped_catalog_covers_every_bank_of_the_province_and_the_fund_chain():
    cat = load_products()
    banks = {b["code"] for b in load_yaml("synthetic/province.yaml")["banks"]}
    owners_with_products = {p.owner for p in cat.products}
    assert banks <= owners_with_products
    kinds = {p.kind for p in cat.products}
    assert kinds == {"loan", "equity", "pool"}
    assert 18 <= len(cat.products) <= 30
    assert [t.quota for t in cat.tiers] == [10, 100, 1000, 10000]
    # the proof-of-concept fund asks TRL 4-6 of start-ups; the IP pledge loans valid invention patents
    poc = cat.product("poc_fund")
    assert {(r.field, r.op, r.value) for r in poc.rules} >= {("best_trl", "between", (4.0, 6.0)),
                                                           ("stage", "in", ("startup",))}
    assert any(r.field == "valid_invention_patents" for r in cat.product("hebei_ip_pledge").rules)
    assert any(r.field == "export_revenue" for r in cat.product("boc_going_abroad").rules)


@pytest.mark.parametrize("rule, words", [
    ({"field": "pointz", "op": ">=", "value": 60}, "unknown field 'pointz'"),
    ({"field": "points", "op": "~", "value": 60}, "takes the operators"),
    ({"field": "points", "op": ">=", "value": "60"}, "expects a number"),
    ({"field": "points", "op": ">=", "value": True}, "expects a number"),
    ({"field": "pd", "op": "<=", "value": 3}, "is a fraction"),
    ({"field": "stage", "op": "in", "value": "startup"}, "non-empty list of texts"),
    ({"field": "stage", "op": "in", "value": ["start-up"]}, "unknown value(s) 'start-up'"),
    ({"field": "certifications_held", "op": "any_of", "value": ["high_tech"]}, "unknown value(s) 'high_tech'"),
    ({"field": "certifications_held", "op": ">=", "value": 1}, "takes the operators any_of"),
    ({"field": "in_park", "op": "is", "value": "yes"}, "expects true or false"),
    ({"field": "best_trl", "op": "between", "value": [6, 4]}, "low <= high"),
    ({"field": "park", "op": "present", "value": 1}, "takes no value"),
    ({"any": [{"field": "points", "op": ">=", "value": 1}]}, "at least two rules"),
    ({"field": "points", "op": ">=", "value": 1, "extra": 2}, "expected {field, op, value}"),
    ("points >= 60", "expected {field, op, value}"),
])
def test_a_bad_rule_is_refused_naming_file_product_and_rule(rule, words):
    with pytest.raises(ProductsError) as err:
        catalog([loan("good", rules=[{"field": "points", "op": ">=", "value": 1}]),
                 loan("bad_one", rules=[{"field": "pd", "op": "<=", "value": 0.05}, rule])])
    msg = str(err.value)
    assert msg.startswith("test.yaml: product bad_one: rule 2: ")
    assert words in msg


@pytest.mark.parametrize("change, words", [
    (lambda p: p.update(owner="NOBODY"), "owner 'NOBODY' is not among the owners"),
    (lambda p: p.update(owner=["ICBC"]), "owner ['ICBC'] is not among the owners"),
    (lambda p: p.update(kind=["loan"]), "kind must be one of loan, equity, pool"),
    (lambda p: p.update(ranking=[{"field": ["points"], "order": "desc"}]), "ranking needs a number field"),
    (lambda p: p.update(kind="bond"), "kind must be one of loan, equity, pool"),
    (lambda p: p.pop("amount"), "a loan needs an amount rule"),
    (lambda p: p.update(capacity={}), "capacity must give"),
    (lambda p: p.update(capacity={"enterprises": 1.5}), "whole number"),
    (lambda p: p.update(amount={"cap": 1_000, "minimum": 5_000}), "minimum 5,000 is above the cap"),
    (lambda p: p.update(amount={"cap": 1e6, "of": [{"field": "grade", "times": 1}]}), "needs a number field"),
    (lambda p: p.update(amount={"cap": 1e6, "ladder": {"field": "points", "steps": [[70, 1], [60, 2]]}}),
     "increasing order"),
    (lambda p: p.update(ranking=[{"field": "city", "order": "desc"}]), "ranking needs a number field"),
    (lambda p: p.update(ranking=[{"field": "points", "order": "down"}]), "order must be desc or asc"),
    (lambda p: p.update(colour="red"), "unknown key(s) colour"),
    (lambda p: p.update({1: "x", None: 2}), "unknown key(s) 1, None"),
    (lambda p: p.update(capacity={"budget": 10**400}), "expected a positive number"),
    (lambda p: p.update(amount={"cap": 1e6, "of": 5}), "of must be a list"),
    (lambda p: p.update(name_zh="工银\x01科创贷"), "control characters are not allowed"),
    (lambda p: p.update(rules=[{"field": "points", "op": ">=", "value": 10**400}]), "expects a number"),
])
def test_a_bad_product_is_refused_naming_it(change, words):
    p = loan("bad_one")
    change(p)
    with pytest.raises(ProductsError) as err:
        catalog([p])
    assert "product bad_one" in str(err.value) and words in str(err.value)


def test_duplicate_product_ids_and_bad_tiers_are_refused():
    with pytest.raises(ProductsError, match="repeated: p"):
        catalog([loan("p"), loan("p")])
    with pytest.raises(ProductsError, match="quota"):
        catalog([loan()], tiers={"levels": [{"id": "a", "name_zh": "a", "name_en": "a", "quota": 0}]})
    with pytest.raises(ProductsError, match="weights must add up to 1"):
        catalog([loan()], tiers={"levels": [
            {"id": "a", "of": "projects", "name_zh": "a", "name_en": "a", "quota": 5,
             "weights": {"advancement": 0.5, "trl": 0.5, "market_value": 0.5}}]})


def test_a_catalog_not_saved_as_utf8_is_refused_with_exit_2(tmp_path, capsys):
    from innoscore.cli import main

    path = tmp_path / "products.yaml"
    path.write_bytes(yaml.safe_dump(SHIPPED, allow_unicode=True).encode("gbk"))
    assert main(["match", str(tmp_path), "--products", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "not UTF-8 text" in capsys.readouterr().err


def test_the_cli_refuses_a_bad_catalog_with_exit_2(tmp_path, capsys):
    from innoscore.cli import main

    doc = copy.deepcopy(SHIPPED)
    doc["products"][0]["rules"][1]["field"] = "innovation_points"
    path = tmp_path / "products.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert main(["match", str(tmp_path), "--products", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{path}: product icbc_kechuang: rule 2: unknown field 'innovation_points'" in err
    assert not (tmp_path / "out").exists()


_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 100), st.floats(allow_nan=True),
                    st.text(max_size=6), st.lists(st.sampled_from(["startup", "tech_sme", "x", 1]), max_size=3))


@settings(max_examples=200, deadline=None)
@given(field=st.one_of(st.sampled_from(["points", "pd", "stage", "certifications_held", "in_park", "park", "nope"]),
                       st.lists(st.just("points"), max_size=1), st.none(), st.integers()),
       op=st.one_of(st.sampled_from([">=", "<", "==", "in", "not_in", "any_of", "is", "between", "present", "??"]),
                    st.lists(st.just(">="), max_size=1), st.none()),
       value=_values, with_value=st.booleans())
def test_any_rule_document_is_either_refused_clearly_or_usable(field, op, value, with_value):
    rule = {"field": field, "op": op, **({"value": value} if with_value else {})}
    try:
        cat = catalog([loan("fuzz", rules=[rule])])
    except ProductsError as exc:
        assert str(exc).startswith("test.yaml: product fuzz: rule 1: ")
        return
    from innoscore.matching.rules import evaluate

    from .helpers import population
    pop = population([{"points": 70.0, "pd": 0.01}, {"points": None, "pd": None}])
    assert evaluate(cat.products[0].rules[0], pop).dtype == bool
    assert FIELDS[field]  # a parsed rule names a known field
