"""The fields a product rule may name, and the population table that holds them.

A field is one of four kinds, and the kind decides the operators a rule may use on it:

``number``    indicators, innovation points and their group subtotals, PD, credit score, ...
``category``  one value per enterprise: city, county, park, industry, stage, grade, listing status
``flag``      true / false: in a high-tech zone, never borrowed
``set``       several values per enterprise: certificates held, certification checks passed,
              investor kinds, investors, the owners it consents to share data with

Every field is known before any data is read (the indicator catalog, the certification
features and the fixed fields below), so that a product catalog naming an unknown field is
refused when it loads.  The values come from the indicator, points, certification-check and
score tables of one as-of date (:func:`build_population`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from innoscore.data.contract import CERTIFICATION_KINDS, INVESTOR_KINDS, LISTING_STATUSES
from innoscore.indicators.catalog import Catalog
from innoscore.indicators.enterprises import STAGES
from innoscore.points.certification import HELD_BY
from innoscore.keys import positions

__all__ = ["Field", "Fields", "Population", "SetField", "build_population", "known_fields", "VALUE_LABELS",
           "label_of", "listing_status_on"]

KINDS = ("number", "category", "flag", "set")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    label_zh: str
    label_en: str
    percent: bool = False  # shown as a percentage
    count: bool = False  # whole numbers: a near miss may be one short
    values: tuple[str, ...] | None = None  # the values a rule may name (None: any text)

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


# Chinese and English names of coded values, for the bank files and the explanations
VALUE_LABELS: dict[str, tuple[str, str]] = {
    "high_tech_enterprise": ("高新技术企业", "high-tech enterprise"),
    "tech_sme": ("科技型中小企业", "technology SME"),
    "innovative_sme": ("创新型中小企业", "innovative SME"),
    "specialised_sme": ("专精特新中小企业", "specialised SME"),
    "little_giant": ("专精特新“小巨人”", "little giant"),
    "gazelle": ("瞪羚企业", "gazelle"),
    "unicorn": ("独角兽企业", "unicorn"),
    "tech_leader": ("科技领军企业", "technology leader"),
    "tech_innovation_demo": ("技术创新示范企业", "technology innovation demonstration enterprise"),
    "ip_advantage": ("知识产权优势企业", "IP advantage enterprise"),
    "ip_demo": ("知识产权示范企业", "IP demonstration enterprise"),
    "guidance_fund": ("政府引导基金", "government guidance fund"),
    "vc": ("创业投资", "venture capital"),
    "pe": ("私募股权", "private equity"),
    "corporate": ("产业资本", "corporate investor"),
    "bank_affiliated": ("银行系基金", "bank-affiliated fund"),
    "angel": ("天使投资", "angel investor"),
    "other": ("其他", "other"),
    "unlisted": ("未上市", "unlisted"),
    "regional_equity": ("区域性股权市场", "regional equity market"),
    "neeq_basic": ("新三板基础层", "NEEQ basic tier"),
    "neeq_innovation": ("新三板创新层", "NEEQ innovation tier"),
    "bse": ("北交所", "Beijing Stock Exchange"),
    "main_board": ("主板", "main board"),
    "star": ("科创板", "STAR market"),
    "chinext": ("创业板", "ChiNext"),
    "overseas": ("境外上市", "listed abroad"),
    "startup": ("初创期", "start-up"),
    "growth": ("成长期", "growth"),
    "mature": ("稳定期", "mature"),
}


def label_of(value, lang: str) -> str:
    """The readable name of a coded value (the value itself when it has none)."""
    pair = VALUE_LABELS.get(str(value))
    return str(value) if pair is None else (pair[0] if lang == "zh" else pair[1])


_FIXED = (
    Field("points", "number", "创新积分", "innovation points"),
    Field("points_technology", "number", "技术创新积分", "technology points"),
    Field("points_growth", "number", "成长经营积分", "growth points"),
    Field("points_auxiliary", "number", "辅助积分", "auxiliary points"),
    Field("points_bonus", "number", "加分", "bonus points"),
    Field("points_penalty", "number", "扣分", "penalty points"),
    Field("points_percentile", "number", "积分百分位", "points percentile"),
    Field("pd", "number", "违约概率", "probability of default", percent=True),
    Field("score", "number", "信用评分", "credit score"),
    Field("grade", "category", "信用等级", "grade"),
    Field("stage", "category", "发展阶段", "stage", values=STAGES),
    Field("city", "category", "地市", "city"),
    Field("county", "category", "区县", "county"),
    Field("park", "category", "高新区", "high-tech zone"),
    Field("industry", "category", "行业", "industry"),
    Field("listing_status", "category", "上市状态", "listing status", values=LISTING_STATUSES),
    Field("in_park", "flag", "位于高新区", "located in a high-tech zone"),
    Field("never_borrowed", "flag", "从未获得银行贷款", "has never had a bank loan"),
    Field("loans_to_date", "number", "历史贷款笔数", "loans originated to date", count=True),
    Field("export_revenue", "number", "境外收入（元）", "export revenue, yuan"),
    Field("valuation", "number", "估值（元）", "valuation, yuan"),
    Field("certifications_held", "set", "持有有效资质", "valid certificates held", values=CERTIFICATION_KINDS),
    Field("certifications_passing", "set", "资质评价达标", "certification checks passed",
          values=tuple(HELD_BY)),  # the certifications innoscore checks (points/certification.py)
    Field("investor_kinds", "set", "现有投资方类型", "kinds of current investors", values=INVESTOR_KINDS),
    Field("investors", "set", "现有投资方", "current investors"),
    Field("consent", "set", "授权共享数据的机构", "institutions it consents to share data with"),
)


class Fields(Mapping[str, Field]):
    """The known fields by name."""

    def __init__(self, fields: Iterable[Field]):
        self._by_name = {f.name: f for f in fields}

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def __iter__(self):
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)


def known_fields(catalog: Catalog) -> Fields:
    """The fixed fields, every indicator of the catalog and every feature the certification checks read."""
    from innoscore.points.certification import FEATURES

    fields = {f.name: f for f in _FIXED}
    for ind in catalog:
        if ind.id not in fields:
            fields[ind.id] = Field(ind.id, "number", ind.name_zh, ind.id.replace("_", " "),
                                   percent=ind.unit == "fraction", count=ind.unit == "count")
    for name in FEATURES:
        if name not in fields:
            fields[name] = Field(name, "number", name.replace("_", " "), name.replace("_", " "))
    return Fields(fields.values())


@dataclass(frozen=True)
class SetField:
    """Several values per enterprise: distinct (row, member) pairs."""

    rows: np.ndarray  # int64 row of the population
    members: np.ndarray  # object: the value

    def matches(self, values, n: int) -> np.ndarray:
        """How many of ``values`` each row has."""
        hit = np.isin(self.members, np.asarray(list(values), dtype=object))
        return np.bincount(self.rows[hit], minlength=n)

    def of_rows(self, rows: np.ndarray) -> list[list[str]]:
        """The members of the given rows, in order of the value."""
        pick = np.isin(self.rows, rows)
        found: dict[int, list[str]] = {}
        for r, m in zip(self.rows[pick].tolist(), self.members[pick].tolist()):  # sorted by (row, value)
            found.setdefault(r, []).append(m)
        return [found.get(int(r), []) for r in rows]


def _pairs(rows: np.ndarray, members: np.ndarray) -> SetField:
    """Distinct (row, member) pairs sorted by row, then member; a missing member is dropped."""
    rows = np.asarray(rows, dtype=np.int64)
    codes, values = pd.factorize(pd.Series(members, dtype=object), sort=True)  # codes in the values' order
    keep = codes >= 0
    k = max(len(values), 1)
    key = np.sort(rows[keep] * k + codes[keep])  # by (row, member); rows of -1 first
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
    return SetField(key // k, np.asarray(values, dtype=object)[key % k])


@dataclass
class Population:
    """Every enterprise existing at ``as_of`` with the fields rules read (row order: by enterprise id)."""

    as_of: dt.date
    frame: pd.DataFrame  # enterprise_id, name and one column per scalar field
    sets: dict[str, SetField]
    fields: Fields
    reasons: pd.DataFrame  # reason_1 ... reason_k: the credit model's features, in the frame's order
    reason_texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # feature -> (zh, en)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def ids(self) -> np.ndarray:
        return self.frame["enterprise_id"].to_numpy()

    def number(self, name: str) -> np.ndarray:
        return self.frame[name].to_numpy(dtype="float64", na_value=np.nan)

    def reason_text(self, rows: np.ndarray, lang: str) -> np.ndarray:
        """The risk reasons of the given rows, joined, in the language."""
        cols = [c for c in self.reasons.columns if not c.endswith("_text")]
        k = 0 if lang == "zh" else 1
        parts = self.reasons[cols].iloc[rows].to_numpy(dtype=object)
        out = []
        for row in parts:
            names = [self.reason_texts.get(f, (f, f))[k] for f in row if isinstance(f, str)]
            out.append("；".join(names) if lang == "zh" else "; ".join(names))
        return np.array(out, dtype=object)


def listing_status_on(ent: pd.DataFrame, day) -> pd.Series:
    """The listing status on ``day`` (one date, or one per row): the table holds only the current status
    and the date it began (``listed_on``); before that date the enterprise counts as unlisted (its
    earlier status, e.g. NEEQ before a move to a board, is not recorded)."""
    status = ent["listing_status"].astype(object)
    if "listed_on" not in ent:
        return status
    later = (ent["listed_on"] > day).fillna(False).to_numpy(bool)
    return status.where(~later, "unlisted")


def _held_sets(indicators: "_Rows", features: "_Rows", n: int) -> SetField:
    rows, members = [], []
    for kind in CERTIFICATION_KINDS:
        source = indicators if kind in indicators else features if kind in features else None
        if source is not None:
            held = np.nan_to_num(source.numbers(kind), nan=0.0) > 0
            r = np.flatnonzero(held)
            rows.append(r)
            members.append(np.full(len(r), kind, dtype=object))
    return _pairs(np.concatenate(rows or [np.zeros(0, np.int64)]),
                  np.concatenate(members or [np.zeros(0, object)]))


def _latest_published(fin: pd.DataFrame, column: str, as_of: pd.Timestamp, index: pa.Array) -> np.ndarray:
    """A financial column's value in the latest fiscal year published by ``as_of``, per enterprise of
    ``index`` (missing where none is)."""
    out = np.full(len(index), np.nan)
    if column not in fin or not len(fin):
        return out
    pos = positions(fin["enterprise_id"], index)
    keep = np.flatnonzero((fin["published_on"] <= as_of).fillna(False).to_numpy(bool) & (pos >= 0))
    year = fin["fiscal_year"].to_numpy("float64", na_value=np.inf)[keep]  # (a missing year sorts last)
    order = keep[np.lexsort((year, pos[keep]))]  # by enterprise, then year: the last of each is the latest
    last = order[np.r_[pos[order][1:] != pos[order][:-1], True]] if len(order) else order
    out[pos[last]] = fin[column].to_numpy("float64", na_value=np.nan)[last]
    return out


class _Rows:
    """The rows of a table (indexed by, or with a column of, enterprise ids) that hold the population's
    enterprises: each column is taken for those rows alone (missing where an enterprise has none), not
    the whole table reindexed."""

    def __init__(self, table: pd.DataFrame, index: pa.Array):
        self.table = table
        ids = table["enterprise_id"] if "enterprise_id" in table.columns else table.index
        self.pos = positions(index, ids)
        self.found = self.pos >= 0

    def __contains__(self, name: str) -> bool:
        return name in self.table.columns

    def column(self, name: str) -> pd.Series:
        values = self.table[name].iloc[np.maximum(self.pos, 0)].reset_index(drop=True) if len(self.table) else \
            pd.Series([None] * len(self.pos), dtype=object)
        return values.where(pd.Series(self.found)) if not self.found.all() else values

    def numbers(self, name: str) -> np.ndarray:
        values = self.table[name].to_numpy("float64", na_value=np.nan)
        out = values[np.maximum(self.pos, 0)] if len(values) else np.full(len(self.pos), np.nan)
        out[~self.found] = np.nan
        return out

    def objects(self, name: str) -> np.ndarray:
        return self.column(name).to_numpy(object) if name in self else np.full(len(self.pos), None, dtype=object)


def build_population(tables: Mapping[str, pd.DataFrame], as_of: dt.date, indicators: pd.DataFrame,
                     features: pd.DataFrame, points: pd.DataFrame, checks: pd.DataFrame, scores: pd.DataFrame,
                     fields: Fields, reason_texts: Mapping[str, tuple[str, str]] | None = None) -> Population:
    """The population of ``as_of``: enterprises in the indicator table (those existing then), sorted by id.

    ``indicators`` and ``features`` are indexed by enterprise id (``indicators.build`` and the
    certification features); ``points`` has enterprise_id and the totals (``points.engine.score``);
    ``checks`` is the per-certification summary (``enterprise_id``, ``check``, ``result``);
    ``scores`` has enterprise_id, pd, score, grade and reason_1 ... reason_k (``credit.scoring``).
    """
    day = pd.Timestamp(as_of)
    index = pd.Index(np.sort(indicators.index.astype(str).to_numpy()), name="enterprise_id")
    n = len(index)
    ids = pa.array(index.to_numpy(), type=pa.string())  # converted once for the lookups
    ent = _Rows(tables["enterprises"], ids)
    cols: dict[str, object] = {"enterprise_id": index.to_numpy(), "name": ent.objects("name")}
    for c in ("city", "county", "park", "industry"):
        cols[c] = ent.objects(c)
    status = pd.DataFrame({"listing_status": ent.objects("listing_status")})
    if "listed_on" in ent:
        status["listed_on"] = ent.column("listed_on")
    cols["listing_status"] = listing_status_on(status, day).to_numpy(object)
    cols["valuation"] = ent.numbers("valuation") if "valuation" in ent else np.nan
    cols["in_park"] = pd.notna(cols["park"]) & (pd.Series(cols["park"]).astype(str).str.strip() != "").to_numpy()
    # points, PD and the stage
    pts = _Rows(points, ids)
    cols["points"] = pts.numbers("total")
    for g in ("technology", "growth", "auxiliary", "bonus", "penalty", "percentile"):
        cols[f"points_{g}"] = pts.numbers(g) if g in pts else np.nan
    sc = _Rows(scores, ids)
    cols["pd"] = sc.numbers("pd")
    cols["score"] = sc.numbers("score")
    cols["grade"] = sc.objects("grade")
    ind = _Rows(indicators, ids)
    cols["stage"] = ind.column("stage").astype(object).to_numpy() if "stage" in ind else None
    # loans to date and export revenue, point in time
    loans = tables.get("loans")
    if loans is not None and len(loans):
        to_date = np.bincount(np.maximum(positions(loans["enterprise_id"][loans["originated_on"] <= day], ids), -1) + 1,
                              minlength=n + 1)[1:]
        cols["loans_to_date"] = to_date.astype("float64")
    else:
        cols["loans_to_date"] = np.zeros(n)
    cols["never_borrowed"] = cols["loans_to_date"] == 0
    fin = tables.get("financials")
    cols["export_revenue"] = _latest_published(fin, "export_revenue", day, ids) if fin is not None else np.nan
    frame = pd.DataFrame(cols)
    # every other number field from the indicator and feature tables
    feats = _Rows(features, ids)
    for name, f in fields.items():
        if f.kind == "number" and name not in frame:
            source = ind if name in ind else feats if name in feats else None
            frame[name] = source.numbers(name) if source is not None else np.nan
    # the set fields
    sets = {"certifications_held": _held_sets(ind, feats, n)}
    passing = checks[(checks["result"] == "pass").to_numpy(bool)]
    sets["certifications_passing"] = _pairs(positions(passing["enterprise_id"], ids),
                                            passing["check"].to_numpy(object))
    rounds = tables.get("equity_rounds")
    if rounds is not None and len(rounds):
        held = rounds["closed_on"] <= day
        if "exited_on" in rounds:
            held &= ~(rounds["exited_on"] <= day).fillna(False).astype(bool)
        current = rounds[held]
        r = positions(current["enterprise_id"], ids)
        sets["investor_kinds"] = _pairs(r, current["investor_kind"].to_numpy(object))
        inv = current["investor"] if "investor" in current else pd.Series(None, index=current.index, dtype=object)
        sets["investors"] = _pairs(r, inv.to_numpy(object))
    else:
        sets["investor_kinds"] = sets["investors"] = _pairs(np.zeros(0, np.int64), np.zeros(0, object))
    consent = pa.array(ent.objects("consent_banks"), type=pa.string(), from_pandas=True)
    parts = pc.split_pattern(consent, ";")  # in Arrow: a million lists of codes in a second
    owner = pc.dictionary_encode(pc.utf8_trim_whitespace(pc.list_flatten(parts)))  # a few distinct codes
    names = np.asarray(owner.dictionary.to_pylist() + [""], dtype=object)
    code = owner.indices.fill_null(len(names) - 1).to_numpy(zero_copy_only=False).astype(np.int64)
    row = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False).astype(np.int64)
    named = names[code] != ""
    sets["consent"] = _pairs(row[named], names[code[named]])
    for key in list(sets):  # rows of enterprises not in the population (-1) are dropped
        s = sets[key]
        keep = s.rows >= 0
        sets[key] = SetField(s.rows[keep], s.members[keep])
    reason_cols = [c for c in scores.columns if c.startswith("reason_") and not c.endswith("_text")]
    reasons = pd.DataFrame({c: sc.objects(c) for c in reason_cols})
    return Population(as_of, frame, sets, fields, reasons, dict(reason_texts or {}))
