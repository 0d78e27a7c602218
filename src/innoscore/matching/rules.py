"""Eligibility rules as data: ``{field, op, value}``, or ``{any: [rule, ...]}`` (met when one is met).

No string is ever evaluated: a rule is parsed once against the known fields
(:func:`innoscore.matching.fields.known_fields`) and evaluated as array operations over the whole
population.  A missing value never meets a comparison (an enterprise without a revenue figure is
not "revenue >= 1000万", one without a park not "park != X"); ``absent`` / ``not_in`` / ``none_of``
are met by it.

Operators per kind of field:

=========  ================================================================
number     ``>=  >  <=  <  ==  !=`` (a number), ``between`` ([low, high], both included),
           ``present``, ``absent``
category   ``in``, ``not_in`` (a list of text), ``==``, ``!=`` (a text), ``present``, ``absent``
flag       ``is`` (true or false)
set        ``any_of``, ``all_of``, ``none_of`` (a list of text)
=========  ================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from innoscore.config import is_finite_number
from innoscore.matching.fields import Fields, Population, label_of

__all__ = ["Rule", "AnyOf", "RuleError", "parse_rule", "evaluate", "describe", "OPERATORS", "THRESHOLDS"]

OPERATORS = {
    "number": (">=", ">", "<=", "<", "==", "!=", "between", "present", "absent"),
    "category": ("in", "not_in", "==", "!=", "present", "absent"),
    "flag": ("is",),
    "set": ("any_of", "all_of", "none_of"),
}
THRESHOLDS = (">=", ">", "<=", "<")  # the comparisons a near miss can be measured against
_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}


class RuleError(ValueError):
    """A rule that cannot be used; the message says which field, operator or value is wrong."""


@dataclass(frozen=True)
class Rule:
    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class AnyOf:
    rules: tuple[Rule, ...]


Condition = Union[Rule, AnyOf]


def _texts(v: Any) -> bool:
    return isinstance(v, list) and len(v) > 0 and all(isinstance(x, str) for x in v)


def _parse_one(raw: Any, fields: Fields) -> Rule:
    if not isinstance(raw, dict) or not {"field", "op"} <= set(raw) or not set(raw) <= {"field", "op", "value"}:
        raise RuleError(f"expected {{field, op, value}} or {{any: [...]}}; got {raw!r}")
    name, op, value = raw["field"], raw["op"], raw.get("value")
    if not isinstance(name, str) or not isinstance(op, str):
        raise RuleError(f"field and op must be texts; got field {name!r}, op {op!r}")
    if name not in fields:
        close = [f for f in fields if isinstance(name, str) and (name in f or f in name)][:5]
        raise RuleError(f"unknown field {name!r}" + (f" (did you mean {', '.join(close)}?)" if close else
                                                       "; see the fields in pipelines/README.md"))
    f = fields[name]
    if op not in OPERATORS[f.kind]:
        raise RuleError(f"field {name!r} ({f.kind}) takes the operators {', '.join(OPERATORS[f.kind])}; got {op!r}")
    if op in ("present", "absent"):
        if "value" in raw:
            raise RuleError(f"{name} {op} takes no value; got {value!r}")
        return Rule(name, op)
    if f.kind == "number":
        if op == "between":
            ok = isinstance(value, list) and len(value) == 2 and all(map(is_finite_number, value)) and value[0] <= value[1]
            if not ok:
                raise RuleError(f"{name} between expects [low, high] with low <= high; got {value!r}")
            return Rule(name, op, (float(value[0]), float(value[1])))
        if not is_finite_number(value):
            raise RuleError(f"{name} {op} expects a number; got {value!r}")
        if f.percent and op in THRESHOLDS and not 0 <= value <= 1:
            raise RuleError(f"{name} is a fraction (0-1; 3% is 0.03); got {value!r}")
        return Rule(name, op, float(value))
    if f.kind == "flag":
        if not isinstance(value, bool):
            raise RuleError(f"{name} expects true or false; got {value!r}")
        return Rule(name, op, value)
    if op in ("==", "!="):
        if not isinstance(value, str):
            raise RuleError(f"{name} {op} expects a text; got {value!r}")
        values = [value]
    else:
        if not _texts(value):
            raise RuleError(f"{name} {op} expects a non-empty list of texts; got {value!r}")
        values = value
    if f.values is not None:
        bad = [v for v in values if v not in f.values]
        if bad:
            raise RuleError(f"{name}: unknown value(s) {', '.join(map(repr, bad))}; expected some of "
                            f"{', '.join(f.values)}")
    return Rule(name, op, value if isinstance(value, str) else tuple(value))


def parse_rule(raw: Any, fields: Fields) -> Condition:
    """A rule from its YAML form, checked against the known fields."""
    if isinstance(raw, dict) and set(raw) == {"any"}:
        items = raw["any"]
        if not isinstance(items, list) or len(items) < 2:
            raise RuleError(f"any expects a list of at least two rules; got {items!r}")
        return AnyOf(tuple(_parse_one(r, fields) for r in items))
    return _parse_one(raw, fields)


def _compare(x: np.ndarray, op: str, v: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        if op == ">=":
            return x >= v
        if op == ">":
            return x > v
        if op == "<=":
            return x <= v
        if op == "<":
            return x < v
        if op == "==":
            return x == v
        return (x != v) & ~np.isnan(x)


def evaluate(rule: Condition, pop: Population) -> np.ndarray:
    """Where the rule is met, one boolean per enterprise of the population."""
    if isinstance(rule, AnyOf):
        out = np.zeros(len(pop), dtype=bool)
        for r in rule.rules:
            out |= evaluate(r, pop)
        return out
    f = pop.fields[rule.field]
    n = len(pop)
    if f.kind == "set":
        hits = pop.sets[rule.field].matches(rule.value, n)
        if rule.op == "any_of":
            return hits > 0
        if rule.op == "all_of":
            return hits == len(set(rule.value))
        return hits == 0
    if f.kind == "flag":
        x = pop.frame[rule.field].to_numpy(dtype=bool, na_value=False)
        return x if rule.value else ~x
    if f.kind == "number":
        x = pop.number(rule.field)
        if rule.op == "present":
            return ~np.isnan(x)
        if rule.op == "absent":
            return np.isnan(x)
        if rule.op == "between":
            with np.errstate(invalid="ignore"):
                return (x >= rule.value[0]) & (x <= rule.value[1])
        return _compare(x, rule.op, rule.value)
    col = pop.frame[rule.field]
    present = col.notna().to_numpy() & (col.astype("string").str.strip() != "").fillna(False).to_numpy(bool)
    if rule.op == "present":
        return present
    if rule.op == "absent":
        return ~present
    values = [rule.value] if isinstance(rule.value, str) else list(rule.value)
    inside = col.isin(values).to_numpy(dtype=bool) & present
    if rule.op in ("in", "=="):
        return inside
    return ~inside if rule.op == "not_in" else ~inside & present  # != is a comparison: a missing value fails


def _fmt(value: Any, f, lang: str) -> str:
    if isinstance(value, (tuple, list)):
        sep = "、" if lang == "zh" else ", "
        return sep.join(label_of(v, lang) for v in value)
    if isinstance(value, str):
        return label_of(value, lang)
    if f.percent:
        return f"{value * 100:.4g}%"
    if abs(value) >= 10_000 and lang == "zh":
        return f"{value / 10_000:,.6g}万"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"


def describe(rule: Condition, fields: Fields, lang: str = "zh") -> str:
    """The rule in words, e.g. ``创新积分 ≥ 65`` or ``valid certificates held: any of high-tech enterprise``."""
    if isinstance(rule, AnyOf):
        sep = " 或 " if lang == "zh" else " or "
        return "(" + sep.join(describe(r, fields, lang) for r in rule.rules) + ")"
    f = fields[rule.field]
    name = f.label(lang)
    zh = lang == "zh"
    if rule.op in _SYMBOL:
        return f"{name} {_SYMBOL[rule.op]} {_fmt(rule.value, f, lang)}"
    if rule.op == "between":
        lo, hi = (_fmt(v, f, lang) for v in rule.value)
        return f"{name} {lo}–{hi}" if zh else f"{name} between {lo} and {hi}"
    if rule.op == "present":
        return f"{name}有值" if zh else f"{name} known"
    if rule.op == "absent":
        return f"{name}为空" if zh else f"{name} empty"
    if rule.op == "is":
        if zh:
            return name if rule.value else f"非{name}"
        return name if rule.value else f"not {name}"
    words = {"in": ("属于", "in"), "not_in": ("不属于", "not in"), "any_of": ("含其一：", "any of"),
             "all_of": ("全部含：", "all of"), "none_of": ("不含：", "none of")}[rule.op]
    return f"{name}{words[0]}{_fmt(rule.value, f, lang)}" if zh else f"{name} {words[1]} {_fmt(rule.value, f, lang)}"
