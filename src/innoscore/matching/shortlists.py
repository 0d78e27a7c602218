"""Product shortlists: who is eligible, the suggested amount, the ranking and the cut at capacity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.matching.fields import Population, label_of
from innoscore.matching.products import TIE_BREAK, Amount, Product
from innoscore.matching.rules import AnyOf, Condition, Rule, describe, evaluate

__all__ = ["rank_order", "suggested_amount", "rule_results", "eligible", "shortlist", "why", "rule_texts",
           "SHORTLIST_COLUMNS"]

SHORTLIST_COLUMNS = ["product", "owner", "rank", "enterprise_id", "suggested_amount", "why_zh", "why_en"]


def rank_order(pop: Population, rows: np.ndarray, keys: tuple[tuple[str, bool], ...]) -> np.ndarray:
    """``rows`` sorted by the keys (field, descending), then points (high first), PD (low first) and the
    enterprise id; a missing value sorts after every present one, whichever the direction."""
    sort_keys = []
    for name, desc in tuple(keys) + TIE_BREAK:
        x = pop.number(name)[rows]
        x = -x if desc else x.copy()
        x[np.isnan(x)] = np.inf
        sort_keys.append(x)
    sort_keys.append(rows)  # the population is sorted by enterprise id: the row is the id's rank
    return rows[np.lexsort(tuple(reversed(sort_keys)))]


def suggested_amount(amount: Amount, pop: Population, rows: np.ndarray | None = None,
                     override: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """The suggested amount per enterprise (yuan), NaN where it falls below the minimum.

    The least of the cap, each ``field x times`` term and the ladder's step (0 below its first step),
    rounded down to ``round_down_to``.  A missing value in a term counts as 0: a loan is not sized
    on a figure nobody knows.  ``rows`` (default: all) picks enterprises; ``override`` gives other
    values of some fields for those rows (what the amount would be if a field reached a value).
    """
    def get(name: str) -> np.ndarray:
        if override is not None and name in override:
            return np.asarray(override[name], dtype="float64")
        x = pop.number(name)
        return x if rows is None else x[rows]

    a = np.full(len(pop) if rows is None else len(rows), amount.cap)
    for name, times in amount.terms:
        a = np.minimum(a, np.nan_to_num(get(name), nan=0.0) * times)
    if amount.ladder_field is not None:
        x = get(amount.ladder_field)
        starts = np.array([s for s, _ in amount.ladder])
        steps = np.array([v for _, v in amount.ladder])
        i = np.searchsorted(starts, np.nan_to_num(x, nan=-np.inf), side="right") - 1
        a = np.minimum(a, np.where(i >= 0, steps[np.maximum(i, 0)], 0.0))
    a = np.floor(np.maximum(a, 0.0) / amount.round_down_to) * amount.round_down_to
    return np.where((a >= amount.minimum) & (a > 0), a, np.nan)


def rule_results(product: Product, pop: Population) -> list[np.ndarray]:
    """One boolean array per rule of the product."""
    return [evaluate(r, pop) for r in product.rules]


def eligible(product: Product, pop: Population, consent: bool = True,
             results: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Where every rule holds (and the enterprise consents to the owner, and a loan's amount reaches
    its minimum); returns ``(mask, suggested amounts)``."""
    ok = np.ones(len(pop), dtype=bool)
    for r in results if results is not None else rule_results(product, pop):
        ok &= r
    if consent:
        ok &= pop.sets["consent"].matches([product.owner], len(pop)) > 0
    amounts = suggested_amount(product.amount, pop) if product.amount is not None else np.full(len(pop), np.nan)
    if product.amount is not None:
        ok &= ~np.isnan(amounts)
    return ok, amounts


_EMPTY = {"zh": "空", "en": "empty"}


def _actual(rule: Rule, pop: Population, rows: np.ndarray, lang: str) -> list[str]:
    """Each row's own value of the rule's field ("空" / "empty" when it has none); for a set, the
    members the rule names."""
    f = pop.fields[rule.field]
    if f.kind == "number":
        x = pop.number(rule.field)[rows]
        return [_EMPTY[lang] if np.isnan(v) else f"{v * 100:.2f}%" if f.percent else
                f"{v:,.4g}" if abs(v) < 10_000 else f"{v:,.0f}" for v in x]
    if f.kind == "category":
        return [_EMPTY[lang] if v is None or (isinstance(v, float) and np.isnan(v)) else label_of(v, lang)
                for v in pop.frame[rule.field].to_numpy(object)[rows]]
    if f.kind == "set":
        wanted = set(rule.value)
        sep = "、" if lang == "zh" else ", "
        return [sep.join(label_of(m, lang) for m in ms if m in wanted) for ms in pop.sets[rule.field].of_rows(rows)]
    return ["" for _ in rows]


def _with_value(text: str, value: str, lang: str) -> str:
    return text if not value else f"{text}（{value}）" if lang == "zh" else f"{text} ({value})"


def rule_texts(rule: Condition, pop: Population, rows: np.ndarray, lang: str, compact: bool = True) -> list[str]:
    """The rule in words with each row's own value.  ``compact`` (for rules the rows met): a set or
    category membership shows just the field and the values that matched, and an any-of rule only the
    options met; otherwise the whole rule and the value, e.g. ``地市属于沧州市、衡水市（石家庄市）``."""
    if isinstance(rule, AnyOf):
        texts = [rule_texts(r, pop, rows, lang, compact) for r in rule.rules]
        met = [evaluate(r, pop)[rows] for r in rule.rules]
        sep = " 或 " if lang == "zh" else " or "
        out = []
        for i in range(len(rows)):
            chosen = [t[i] for t, m in zip(texts, met) if m[i]] if compact else []
            chosen = chosen or [t[i] for t in texts]
            out.append(chosen[0] if len(chosen) == 1 else "(" + sep.join(chosen) + ")")
        return out
    text = describe(rule, pop.fields, lang)
    if rule.op in ("present", "absent", "is"):
        return [text] * len(rows)
    values = _actual(rule, pop, rows, lang)
    if compact and rule.op in ("any_of", "all_of", "in", "=="):
        label = pop.fields[rule.field].label(lang)  # the value says it
        return [_with_value(label, v, lang) if v else text for v in values]
    return [_with_value(text, v, lang) for v in values]


def why(rules: tuple[Condition, ...], pop: Population, rows: np.ndarray, lang: str) -> np.ndarray:
    """Per row, the rules it met with its own values, e.g. ``创新积分 ≥ 65（72.4）；违约概率 ≤ 3%（1.20%）``."""
    columns = [rule_texts(rule, pop, rows, lang) for rule in rules]
    sep = "；" if lang == "zh" else "; "
    return np.array([sep.join(parts) for parts in zip(*columns)] if columns else [""] * len(rows), dtype=object)


def shortlist(product: Product, pop: Population) -> pd.DataFrame:
    """The product's shortlist: consenting eligible enterprises in ranking order, cut at capacity
    (the count first, then the budget: the suggested amounts summed in rank order stay within it)."""
    ok, amounts = eligible(product, pop)
    rows = rank_order(pop, np.flatnonzero(ok), product.ranking)
    cap = product.capacity
    if cap.enterprises is not None:
        rows = rows[:cap.enterprises]
    if cap.budget is not None:
        within = np.cumsum(amounts[rows]) <= cap.budget
        rows = rows[:int(np.argmin(within)) if not within.all() else len(rows)]
    return pd.DataFrame({
        "product": product.id,
        "owner": product.owner,
        "rank": np.arange(1, len(rows) + 1, dtype=np.int64),
        "row": rows,
        "enterprise_id": pop.ids[rows],
        "suggested_amount": amounts[rows],
        "why_zh": why(product.rules, pop, rows, "zh"),
        "why_en": why(product.rules, pop, rows, "en"),
    })
