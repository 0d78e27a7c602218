"""The product catalog (``pipelines/products.yaml``): owners, products, the 十百千万 tiers and the
first-loan work lists, loaded and checked once.

Every mistake is refused when the file loads, naming the file, the product and the rule: an
unknown field or operator, a value of the wrong type, an owner nobody declared, a budget on a
product without an amount rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from innoscore.config import ConfigError, config_dir, is_finite_number, load_yaml
from innoscore.indicators.catalog import Catalog, load_catalog
from innoscore.matching.fields import Fields, known_fields
from innoscore.matching.rules import Condition, RuleError, parse_rule

__all__ = ["Owner", "Product", "Amount", "Capacity", "Tier", "ProjectTier", "FirstLoan", "ProductCatalog",
           "ProductsError", "load_products", "parse_products", "DEFAULT_PRODUCTS", "PRODUCT_KINDS", "TIE_BREAK"]

DEFAULT_PRODUCTS = "pipelines/products.yaml"
PRODUCT_KINDS = ("loan", "equity", "pool")
OWNER_KINDS = ("bank", "fund", "programme")
# every ranking ends with these keys, so that ties are broken the same way every time
TIE_BREAK = (("points", True), ("pd", False))  # (field, descending); then the enterprise id


class ProductsError(ConfigError):
    """The product catalog is not usable; the message names the file, the product and the rule."""


@dataclass(frozen=True)
class Owner:
    code: str
    kind: str
    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Amount:
    """Suggested loan amount: the least of the cap, each ``field x times`` term and the ladder's step,
    rounded down; below ``minimum`` the enterprise is not offered the product."""

    cap: float
    minimum: float
    round_down_to: float
    terms: tuple[tuple[str, float], ...]  # (field, times)
    ladder_field: str | None
    ladder: tuple[tuple[float, float], ...]  # (from value, amount), increasing


@dataclass(frozen=True)
class Capacity:
    enterprises: int | None
    budget: float | None  # yuan, summed over suggested amounts in rank order


@dataclass(frozen=True)
class Product:
    id: str
    owner: str
    name_zh: str
    name_en: str
    kind: str
    rules: tuple[Condition, ...]
    ranking: tuple[tuple[str, bool], ...]  # (field, descending), before the tie break
    capacity: Capacity
    amount: Amount | None
    note: str = ""

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Tier:
    id: str
    name_zh: str
    name_en: str
    quota: int
    rules: tuple[Condition, ...]

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class ProjectTier(Tier):
    """The 100 major achievements: projects, ranked by a weighted score of advancement, maturity and
    market value; ``rules`` are about the enterprise that owns the project."""

    min_trl: int = 6
    weights: tuple[tuple[str, float], ...] = ()  # advancement, trl, market_value
    market_value_reference: float = 1e8
    per_enterprise: int = 1


@dataclass(frozen=True)
class FirstLoan:
    rules: tuple[Condition, ...]
    max_gap_share: float  # a near miss: a failed threshold within this share of its value
    exclude_fields: tuple[str, ...]  # fields that are not something an enterprise improves (pd, score)


@dataclass(frozen=True)
class ProductCatalog:
    owners: dict[str, Owner]
    products: tuple[Product, ...]
    tiers: tuple[Tier, ...]  # in configuration order; enterprise levels are filled top down
    first_loan: FirstLoan
    fields: Fields
    source: str = "<memory>"

    def product(self, pid: str) -> Product:
        for p in self.products:
            if p.id == pid:
                return p
        raise KeyError(pid)


def _need(raw: dict, keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in raw]
    if missing:
        raise ProductsError(f"{where}: missing {', '.join(missing)}")


def _unknown(raw: dict, allowed: tuple[str, ...], where: str) -> None:
    extra = sorted(map(str, set(raw) - set(allowed)))
    if extra:
        raise ProductsError(f"{where}: unknown key(s) {', '.join(extra)}; expected some of {', '.join(allowed)}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProductsError(f"{where}: expected a non-empty text; got {value!r}")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ProductsError(f"{where}: control characters are not allowed (it names sheets and files); got {value!r}")
    return value


def _positive(value: Any, where: str, integer: bool = False, zero: bool = False) -> float:
    ok = is_finite_number(value) and (value >= 0 if zero else value > 0) and (not integer or float(value).is_integer())
    if not ok:
        kind = "whole number" if integer else "number"
        raise ProductsError(f"{where}: expected a {'non-negative' if zero else 'positive'} {kind}; got {value!r}")
    return int(value) if integer else float(value)


def _rules(raw: Any, fields: Fields, where: str) -> tuple[Condition, ...]:
    if not isinstance(raw, list):
        raise ProductsError(f"{where}: rules must be a list; got {raw!r}")
    out = []
    for i, r in enumerate(raw):
        try:
            out.append(parse_rule(r, fields))
        except RuleError as exc:
            raise ProductsError(f"{where}: rule {i + 1}: {exc}") from None
    return tuple(out)


def _ranking(raw: Any, fields: Fields, where: str) -> tuple[tuple[str, bool], ...]:
    if not isinstance(raw, list) or not raw:
        raise ProductsError(f"{where}: ranking must be a non-empty list of {{field, order: desc|asc}}")
    out = []
    for i, r in enumerate(raw):
        w = f"{where}: ranking key {i + 1}"
        if not isinstance(r, dict) or set(r) != {"field", "order"}:
            raise ProductsError(f"{w}: expected {{field, order}}; got {r!r}")
        if not isinstance(r["field"], str) or r["field"] not in fields or fields[r["field"]].kind != "number":
            raise ProductsError(f"{w}: ranking needs a number field; got {r['field']!r}")
        if not isinstance(r["order"], str) or r["order"] not in ("desc", "asc"):
            raise ProductsError(f"{w}: order must be desc or asc; got {r['order']!r}")
        out.append((r["field"], r["order"] == "desc"))
    return tuple(out)


def _amount(raw: Any, fields: Fields, where: str) -> Amount:
    where = f"{where}: amount"
    if not isinstance(raw, dict):
        raise ProductsError(f"{where}: expected a mapping; got {raw!r}")
    _unknown(raw, ("cap", "minimum", "round_down_to", "of", "ladder"), where)
    _need(raw, ("cap",), where)
    cap = _positive(raw["cap"], f"{where}: cap")
    minimum = _positive(raw.get("minimum", 0), f"{where}: minimum", zero=True)
    step = _positive(raw.get("round_down_to", 10_000), f"{where}: round_down_to")
    if minimum > cap:
        raise ProductsError(f"{where}: minimum {minimum:,.0f} is above the cap {cap:,.0f}")
    terms = []
    if not isinstance(raw.get("of", []), list):
        raise ProductsError(f"{where}: of must be a list of {{field, times}}; got {raw['of']!r}")
    for i, t in enumerate(raw.get("of") or []):
        w = f"{where}: of {i + 1}"
        if not isinstance(t, dict) or set(t) != {"field", "times"}:
            raise ProductsError(f"{w}: expected {{field, times}}; got {t!r}")
        if not isinstance(t["field"], str) or t["field"] not in fields or fields[t["field"]].kind != "number":
            raise ProductsError(f"{w}: needs a number field; got {t['field']!r}")
        terms.append((t["field"], _positive(t["times"], f"{w}: times")))
    ladder_field, ladder = None, ()
    if "ladder" in raw:
        lad = raw["ladder"]
        w = f"{where}: ladder"
        if not isinstance(lad, dict) or set(lad) != {"field", "steps"}:
            raise ProductsError(f"{w}: expected {{field, steps: [[from, amount], ...]}}; got {lad!r}")
        if not isinstance(lad["field"], str) or lad["field"] not in fields or fields[lad["field"]].kind != "number":
            raise ProductsError(f"{w}: needs a number field; got {lad['field']!r}")
        steps = lad["steps"]
        if not isinstance(steps, list) or not steps or not all(isinstance(s, list) and len(s) == 2 for s in steps):
            raise ProductsError(f"{w}: steps must be a list of [from, amount]; got {steps!r}")
        pairs = [(float(s[0]) if is_finite_number(s[0]) else math.nan,
                  _positive(s[1], f"{w}: amount of step {j + 1}")) for j, s in enumerate(steps)]
        if any(math.isnan(a) for a, _ in pairs) or [a for a, _ in pairs] != sorted({a for a, _ in pairs}):
            raise ProductsError(f"{w}: the from values must be numbers in increasing order; got {steps!r}")
        ladder_field, ladder = lad["field"], tuple(pairs)
    return Amount(cap, minimum, step, tuple(terms), ladder_field, ladder)


def _product(raw: Any, owners: dict[str, Owner], fields: Fields, defaults: dict, source: str) -> Product:
    if not isinstance(raw, dict):
        raise ProductsError(f"{source}: each product must be a mapping; got {raw!r}")
    where = f"{source}: product {raw.get('id', '?')!s}"
    _unknown(raw, ("id", "owner", "name_zh", "name_en", "kind", "rules", "amount", "ranking", "capacity", "note"),
             where)
    _need(raw, ("id", "owner", "name_zh", "name_en", "kind", "rules", "capacity"), where)
    pid = _text(raw["id"], f"{where}: id")
    if not isinstance(raw["owner"], str) or raw["owner"] not in owners:
        raise ProductsError(f"{where}: owner {raw['owner']!r} is not among the owners ({', '.join(owners)})")
    if not isinstance(raw["kind"], str) or raw["kind"] not in PRODUCT_KINDS:
        raise ProductsError(f"{where}: kind must be one of {', '.join(PRODUCT_KINDS)}; got {raw['kind']!r}")
    cap = raw["capacity"]
    if not isinstance(cap, dict) or not cap or not set(cap) <= {"enterprises", "budget"}:
        raise ProductsError(f"{where}: capacity must give enterprises (a number of enterprises) and/or budget "
                            f"(yuan); got {cap!r}")
    capacity = Capacity(_positive(cap["enterprises"], f"{where}: capacity enterprises", integer=True)
                        if "enterprises" in cap else None,
                        _positive(cap["budget"], f"{where}: capacity budget") if "budget" in cap else None)
    amount = _amount(raw["amount"], fields, where) if "amount" in raw else None
    if raw["kind"] == "loan" and amount is None:
        raise ProductsError(f"{where}: a loan needs an amount rule (cap, and the terms it is the least of)")
    if capacity.budget is not None and amount is None:
        raise ProductsError(f"{where}: a budget needs an amount rule to sum")
    ranking = _ranking(raw.get("ranking", defaults.get("ranking", [{"field": "points", "order": "desc"}])), fields,
                       where)
    return Product(pid, raw["owner"], _text(raw["name_zh"], f"{where}: name_zh"),
                   _text(raw["name_en"], f"{where}: name_en"), raw["kind"],
                   _rules(raw["rules"], fields, where), ranking, capacity, amount, str(raw.get("note", "")))


def _tiers(raw: Any, fields: Fields, source: str) -> tuple[Tier, ...]:
    where = f"{source}: tiers"
    if not isinstance(raw, dict):
        raise ProductsError(f"{where}: expected a mapping with levels")
    _unknown(raw, ("levels",), where)
    _need(raw, ("levels",), where)
    levels = raw["levels"]
    if not isinstance(levels, list) or not levels:
        raise ProductsError(f"{where}: levels must be a non-empty list")
    out: list[Tier] = []
    for i, t in enumerate(levels):
        w = f"{where}: level {i + 1}"
        if not isinstance(t, dict):
            raise ProductsError(f"{w}: expected a mapping; got {t!r}")
        w = f"{where}: {t.get('id', i + 1)}"
        common = ("id", "name_zh", "name_en", "quota", "rules")
        kind = t.get("of", "enterprises")
        if kind == "projects":
            _unknown(t, common + ("of", "min_trl", "weights", "market_value_reference", "per_enterprise"), w)
        elif kind == "enterprises":
            _unknown(t, common + ("of",), w)
        else:
            raise ProductsError(f"{w}: of must be enterprises or projects; got {kind!r}")
        _need(t, ("id", "name_zh", "name_en", "quota"), w)
        args = dict(id=_text(t["id"], f"{w}: id"), name_zh=_text(t["name_zh"], f"{w}: name_zh"),
                    name_en=_text(t["name_en"], f"{w}: name_en"),
                    quota=_positive(t["quota"], f"{w}: quota", integer=True),
                    rules=_rules(t.get("rules", []), fields, w))
        if kind == "projects":
            weights = t.get("weights", {"advancement": 0.4, "trl": 0.3, "market_value": 0.3})
            if not isinstance(weights, dict) or set(weights) != {"advancement", "trl", "market_value"}:
                raise ProductsError(f"{w}: weights must give advancement, trl and market_value; got {weights!r}")
            wts = tuple((k, _positive(weights[k], f"{w}: weights {k}", zero=True)) for k in
                        ("advancement", "trl", "market_value"))
            if not math.isclose(sum(v for _, v in wts), 1.0, abs_tol=1e-9):
                raise ProductsError(f"{w}: weights must add up to 1; got {weights!r}")
            trl = t.get("min_trl", 6)
            if isinstance(trl, bool) or not isinstance(trl, int) or not 1 <= trl <= 9:
                raise ProductsError(f"{w}: min_trl must be a TRL 1-9; got {trl!r}")
            out.append(ProjectTier(**args, min_trl=trl, weights=wts,
                                   market_value_reference=_positive(t.get("market_value_reference", 1e8),
                                                                    f"{w}: market_value_reference"),
                                   per_enterprise=_positive(t.get("per_enterprise", 1), f"{w}: per_enterprise",
                                                            integer=True)))
        else:
            out.append(Tier(**args))
    ids = [t.id for t in out]
    if len(set(ids)) != len(ids):
        raise ProductsError(f"{where}: tier ids must be unique; got {ids}")
    if sum(isinstance(t, ProjectTier) for t in out) > 1:
        raise ProductsError(f"{where}: at most one level of projects")
    return tuple(out)


def _first_loan(raw: Any, fields: Fields, source: str) -> FirstLoan:
    where = f"{source}: first_loan"
    if not isinstance(raw, dict):
        raise ProductsError(f"{where}: expected a mapping with rules and near_miss")
    _unknown(raw, ("rules", "near_miss"), where)
    _need(raw, ("rules",), where)
    near = raw.get("near_miss", {})
    if not isinstance(near, dict) or not set(near) <= {"max_gap_share", "exclude_fields"}:
        raise ProductsError(f"{where}: near_miss takes max_gap_share and exclude_fields; got {near!r}")
    share = near.get("max_gap_share", 0.15)
    if not is_finite_number(share) or not 0 < share < 1:
        raise ProductsError(f"{where}: near_miss max_gap_share must be in (0, 1); got {share!r}")
    exclude = near.get("exclude_fields", ["pd", "score"])
    if not isinstance(exclude, list) or any(not isinstance(f, str) or f not in fields for f in exclude):
        raise ProductsError(f"{where}: near_miss exclude_fields must list known fields; got {exclude!r}")
    return FirstLoan(_rules(raw["rules"], fields, where), float(share), tuple(exclude))


def parse_products(doc: Any, fields: Fields, source: str = "<memory>") -> ProductCatalog:
    """Check a product catalog document (the parsed YAML) against the known fields."""
    if not isinstance(doc, dict):
        raise ProductsError(f"{source}: expected a mapping with owners, products, tiers and first_loan")
    _unknown(doc, ("owners", "defaults", "products", "tiers", "first_loan"), source)
    _need(doc, ("owners", "products", "tiers", "first_loan"), source)
    owners: dict[str, Owner] = {}
    if not isinstance(doc["owners"], list) or not doc["owners"]:
        raise ProductsError(f"{source}: owners must be a non-empty list")
    for raw in doc["owners"]:
        where = f"{source}: owner {raw.get('code', '?') if isinstance(raw, dict) else raw!r}"
        if not isinstance(raw, dict) or set(raw) != {"code", "kind", "name_zh", "name_en"}:
            raise ProductsError(f"{where}: expected {{code, kind, name_zh, name_en}}")
        code = _text(raw["code"], f"{where}: code")
        if not code.replace("_", "").isalnum() or not code.isascii():
            raise ProductsError(f"{where}: code must be letters, digits and _ (it names the bank's files); "
                                f"got {code!r}")
        if not isinstance(raw["kind"], str) or raw["kind"] not in OWNER_KINDS:
            raise ProductsError(f"{where}: kind must be one of {', '.join(OWNER_KINDS)}")
        if code in owners:
            raise ProductsError(f"{where}: declared twice")
        owners[code] = Owner(code, raw["kind"], _text(raw["name_zh"], f"{where}: name_zh"),
                             _text(raw["name_en"], f"{where}: name_en"))
    defaults = doc.get("defaults") or {}
    if not isinstance(defaults, dict) or not set(defaults) <= {"ranking"}:
        raise ProductsError(f"{source}: defaults may only give ranking; got {defaults!r}")
    if not isinstance(doc["products"], list) or not doc["products"]:
        raise ProductsError(f"{source}: products must be a non-empty list")
    products = tuple(_product(p, owners, fields, defaults, source) for p in doc["products"])
    ids = [p.id for p in products]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ProductsError(f"{source}: product ids must be unique; repeated: {', '.join(dupes)}")
    tiers = _tiers(doc["tiers"], fields, source)
    return ProductCatalog(owners, products, tiers, _first_loan(doc["first_loan"], fields, source),
                          fields, source)


def load_products(path: str | Path | None = None, catalog: Catalog | None = None) -> ProductCatalog:
    """Load and check ``pipelines/products.yaml`` (or another file)."""
    rel = Path(path) if path is not None else Path(DEFAULT_PRODUCTS)
    source = str(rel if rel.is_absolute() else config_dir() / rel)
    return parse_products(load_yaml(rel), known_fields(catalog or load_catalog()), source)
