"""Hand-built populations for the matching tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from innoscore.indicators import load_catalog
from innoscore.matching.fields import Population, SetField, known_fields
from innoscore.matching.products import parse_products

FIELDS = known_fields(load_catalog())
AS_OF = dt.date(2026, 6, 30)


def uscc(i: int) -> str:
    """A well-formed enterprise id that sorts by ``i`` (the matcher does not check the check digit)."""
    return f"91130100{i:010d}"


def population(rows: list[dict], sets: dict[str, dict[int, list[str]]] | None = None) -> Population:
    """Enterprises 0..n-1 (ids by position) with the given scalar fields; ``sets`` maps a set field to
    {row: [values]}; every enterprise consents to every owner unless ``consent`` is given."""
    n = len(rows)
    frame = pd.DataFrame(rows)
    frame.insert(0, "enterprise_id", [uscc(i) for i in range(n)])
    defaults = {"name": None, "city": "石家庄市", "county": "长安区", "park": None, "industry": "info_intelligence",
                "listing_status": "unlisted", "stage": "growth", "grade": "C", "points": 50.0, "pd": 0.02,
                "score": 600.0, "in_park": False, "never_borrowed": False, "loans_to_date": 1.0}
    for k, v in defaults.items():
        if k not in frame:
            frame[k] = v
    frame["name"] = frame["name"].fillna(pd.Series([f"企业{i}" for i in range(n)]))
    for name, f in FIELDS.items():
        if f.kind == "number" and name not in frame:
            frame[name] = np.nan
    sets = dict(sets or {})
    sets.setdefault("consent", {i: ["ICBC", "BOC", "CCB", "FUND"] for i in range(n)})
    out = {}
    for name in ("certifications_held", "certifications_passing", "investor_kinds", "investors", "consent"):
        pairs = sorted((r, m) for r, ms in sets.get(name, {}).items() for m in set(ms))
        out[name] = SetField(np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=object))
    reasons = pd.DataFrame({"reason_1": ["leverage"] * n, "reason_2": [None] * n, "reason_3": [None] * n})
    return Population(AS_OF, frame, out, FIELDS, reasons, {"leverage": ("资产负债率偏高", "leverage is high")})


OWNERS = [{"code": c, "kind": "bank", "name_zh": c, "name_en": c} for c in ("ICBC", "BOC", "CCB")] + \
    [{"code": "FUND", "kind": "fund", "name_zh": "基金", "name_en": "fund"}]
TIERS = {"levels": [{"id": "t1", "name_zh": "一", "name_en": "one", "quota": 2}]}
FIRST = {"rules": [{"field": "never_borrowed", "op": "is", "value": True}]}


def catalog(products: list[dict], tiers: dict | None = None, first_loan: dict | None = None):
    doc = {"owners": OWNERS, "products": products, "tiers": tiers or TIERS, "first_loan": first_loan or FIRST}
    return parse_products(doc, FIELDS, "test.yaml")


def loan(pid: str = "p", owner: str = "ICBC", rules=None, amount=None, capacity=None, **extra) -> dict:
    return {"id": pid, "owner": owner, "name_zh": "产品", "name_en": "product", "kind": "loan",
            "rules": rules if rules is not None else [{"field": "points", "op": ">=", "value": 60}],
            "amount": amount or {"cap": 5_000_000, "minimum": 100_000},
            "capacity": capacity or {"enterprises": 100}, **extra}
