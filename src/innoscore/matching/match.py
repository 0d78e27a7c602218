"""Matching one as-of date: shortlists, tiers, first-loan work lists, near misses and subsidies,
and writing them as files."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from innoscore.matching.export import owner_frames, write_owner_files
from innoscore.matching.fields import Population, build_population
from innoscore.matching.first_loan import candidates, near_misses
from innoscore.matching.products import ProductCatalog, load_products
from innoscore.matching.shortlists import eligible, rule_results, rule_texts, shortlist, suggested_amount
from innoscore.matching.subsidies import SubsidyConfig, subsidies
from innoscore.matching.tiers import fill_tiers

__all__ = ["MatchResult", "match", "match_dataset", "match_population", "write_match", "explain", "format_match"]


@dataclass
class MatchResult:
    as_of: dt.date
    catalog: ProductCatalog
    population: Population
    shortlists: pd.DataFrame  # product, owner, rank, row, enterprise_id, suggested_amount, why_zh, why_en
    tiers: pd.DataFrame
    first_loan: pd.DataFrame
    near_misses: pd.DataFrame
    subsidies: pd.DataFrame
    model: str = ""  # the credit model the PDs came from, e.g. models:/innoscore-credit@champion


def match_population(pop: Population, catalog: ProductCatalog, projects: pd.DataFrame | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Shortlists, tiers, first-loan candidates and near misses of a population (no input tables needed
    but the projects, for the tier of major achievements)."""
    results = {p.id: rule_results(p, pop) for p in catalog.products}
    lists = [shortlist(p, pop) for p in catalog.products]
    shortlists = pd.concat(lists, ignore_index=True)
    tiers = fill_tiers(catalog.tiers, pop, projects)
    near = near_misses(catalog, pop, results)
    first = candidates(catalog, pop, near, results)
    return shortlists, tiers, first, near


def match(tables: Mapping[str, pd.DataFrame], as_of: dt.date, indicators: pd.DataFrame, features: pd.DataFrame,
          points: pd.DataFrame, checks: pd.DataFrame, scores: pd.DataFrame, catalog: ProductCatalog | None = None,
          reason_texts: Mapping[str, tuple[str, str]] | None = None,
          subsidy_config: SubsidyConfig | None = None) -> MatchResult:
    """Everything the matcher produces for ``as_of`` from the tables of one step each: indicators,
    certification features, points, the per-certification check summary and the scores."""
    catalog = catalog or load_products()
    pop = build_population(tables, as_of, indicators, features, points, checks, scores, catalog.fields,
                           reason_texts)
    shortlists, tiers, first, near = match_population(pop, catalog, tables.get("projects"))
    return MatchResult(as_of, catalog, pop, shortlists, tiers, first, near,
                       subsidies(tables, as_of, subsidy_config))


PORT_COLUMNS = ["enterprise_id", "name", "city", "county", "park", "industry", "stage", "grade", "consent"]


def port_table(pop: Population) -> pa.Table:
    """What the data port serves about each enterprise besides points and scores: its name and place, stage,
    grade and the owners it consents to share data with (``;``-joined); its risk reasons are the codes in
    ``scores.parquet`` with their texts in ``reason_texts.json``.  No field of the legal representative is
    in it.  Built in Arrow: no Python object per value."""
    frame = pop.frame
    n = len(pop)

    def text(values) -> pa.Array:
        return pa.array(values, type=pa.string(), from_pandas=True)

    pairs = pop.sets["consent"]  # (row, owner) pairs sorted by row: joined per row
    offsets = np.concatenate([[0], np.cumsum(np.bincount(pairs.rows, minlength=n))]).astype(np.int32)
    owners = pa.ListArray.from_arrays(pa.array(offsets), text(pairs.members))
    columns = {"enterprise_id": text(frame["enterprise_id"]),
               **{c: text(frame[c]) for c in ("name", "city", "county", "park", "industry", "stage", "grade")},
               "consent": pc.binary_join(owners, ";")}
    return pa.table({c: columns[c] for c in PORT_COLUMNS})


def write_match(result: MatchResult, folder: Path, lang: str = "zh") -> dict[str, Path]:
    """Write ``tiers.parquet``, ``first_loan.parquet``, ``near_misses.parquet``, ``subsidies.parquet``,
    ``enterprises.parquet`` and ``reason_texts.json`` (what the data port serves: :func:`port_table`),
    ``shortlists/shortlists.parquet`` and each owner's xlsx and csv into ``folder`` (which should be
    a fresh folder: the caller publishes it whole)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    short = result.shortlists.drop(columns="row")
    tables = {"tiers": result.tiers, "first_loan": result.first_loan,
              "near_misses": result.near_misses.drop(columns="row"), "subsidies": result.subsidies}
    for name, frame in tables.items():
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        paths[name] = path
    pq.write_table(port_table(result.population), folder / "enterprises.parquet")
    (folder / "reason_texts.json").write_text(json.dumps(
        {f: list(t) for f, t in sorted(result.population.reason_texts.items())}, ensure_ascii=False, indent=1),
        encoding="utf-8")
    paths["enterprises"] = folder / "enterprises.parquet"
    lists = folder / "shortlists"
    lists.mkdir(exist_ok=True)
    short.to_parquet(lists / "shortlists.parquet", index=False)
    paths["shortlists"] = lists
    sheets = owner_frames(result.catalog, result.population, result.shortlists, result.tiers, lang)
    write_owner_files(lists, result.catalog, sheets, result.as_of, lang, result.model)
    return paths


def format_match(result: MatchResult, top: int = 10) -> str:
    """Each owner's shortlist sizes and amounts, the tiers' sizes, the top of the first tier, the
    first-loan and subsidy counts."""
    lines = ["shortlists (consenting, eligible, cut at capacity):"]
    s = result.shortlists
    for code, owner in result.catalog.owners.items():
        mine = [p for p in result.catalog.products if p.owner == code]
        parts = []
        for p in mine:
            rows = s[s["product"] == p.id]
            amount = rows["suggested_amount"].sum()
            parts.append(f"{p.id} {len(rows):,}" + (f" ({amount / 1e8:,.2f}亿)" if p.amount is not None else ""))
        lines.append(f"  {code:<15} {'; '.join(parts)}")
    t = result.tiers
    lines.append("tiers: " + ", ".join(f"{tier.id} {int((t['tier'] == tier.id).sum()):,}/{tier.quota:,}"
                                       for tier in result.catalog.tiers))
    first = result.catalog.tiers[0]
    head = t[t["tier"] == first.id].head(top)
    names = result.population.frame.set_index("enterprise_id")["name"]
    lines.append(f"top of {first.id} ({first.name_zh}):")
    for r in head.itertuples():
        lines.append(f"  {r.tier_rank:>3}  {r.enterprise_id}  {names.get(r.enterprise_id, '')}  points {r.points:.1f}"
                     f"  PD {r.pd:.2%}")
    fl = result.first_loan
    lines.append(f"first-loan candidates: {len(fl):,} in {fl['county'].nunique():,} counties; near misses: "
                 f"{len(result.near_misses):,} (enterprise, product) pairs")
    sub = result.subsidies
    if len(sub):
        agg = sub.groupby("subsidy")["amount"].agg(["size", "sum"])
        lines.append("subsidies: " + "; ".join(f"{k} {int(v['size'])} ({v['sum']:,.0f} yuan)" for k, v in agg.iterrows()))
    else:
        lines.append("subsidies: none in the period")
    return "\n".join(lines)


def _number(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"


def explain(result: MatchResult, enterprise_id: str, lang: str = "en") -> str:
    """For one enterprise: every product with the rules it met and failed, consent, the suggested
    amount and its place on the shortlist; its tiers, near misses and subsidies."""
    pop = result.population
    ids = pd.Index(pop.ids)
    row = ids.get_indexer([enterprise_id])[0]
    if row < 0:
        raise KeyError(enterprise_id)
    f = pop.frame.iloc[row]
    where = " ".join(str(f[c]) for c in ("city", "county", "park") if isinstance(f[c], str) and f[c].strip())
    lines = [f"{enterprise_id} {f['name']}  as of {result.as_of}",
             f"  points {f['points']:.1f}  PD {f['pd']:.2%}  score {f['score']:.0f}  grade {f['grade']}  "
             f"stage {f['stage']}  {where}".rstrip()]
    s = result.shortlists
    for p in result.catalog.products:
        res = rule_results(p, pop)
        ok, amounts = eligible(p, pop, consent=False, results=res)
        consents = pop.sets["consent"].matches([p.owner], len(pop))[row] > 0
        on = s[(s["product"] == p.id) & (s["enterprise_id"] == enterprise_id)]
        if len(on):
            verdict = f"SHORTLISTED rank {int(on['rank'].iloc[0])}"
        elif ok[row] and not consents:
            verdict = f"eligible, but no consent to share with {p.owner}"
        elif ok[row]:
            verdict = "eligible, beyond the capacity"
        else:
            verdict = "not eligible"
        lines.append(f"{p.id} ({p.name(lang)}, {p.owner}): {verdict}")
        for rule, met in zip(p.rules, res):
            text = rule_texts(rule, pop, np.array([row]), lang, compact=False)[0]
            lines.append(f"    {'met   ' if met[row] else 'FAILED'} {text}")
        if p.amount is not None:
            raw = suggested_amount(p.amount, pop)[row]
            text = f"{raw:,.0f}" if not np.isnan(raw) else f"below the minimum {p.amount.minimum:,.0f}"
            lines.append(f"    {'met   ' if not np.isnan(raw) else 'FAILED'} suggested amount: {text}")
    t = result.tiers[result.tiers["enterprise_id"] == enterprise_id]
    lines.append("tiers: " + (", ".join(f"{r.tier} rank {r.tier_rank}" for r in t.itertuples()) or "none"))
    nm = result.near_misses[result.near_misses["enterprise_id"] == enterprise_id]
    for r in nm.itertuples():
        lines.append(f"near miss: {r.product}: {r.field} is {_number(r.value)}, needs {r.op} {_number(r.threshold)}")
    sub = result.subsidies[result.subsidies["enterprise_id"] == enterprise_id]
    for r in sub.itertuples():
        lines.append(f"subsidy: {r.subsidy} {r.amount:,.2f} yuan to {r.beneficiary}: {r.rule_en}")
    return "\n".join(lines)


def match_dataset(data, as_of: dt.date, model, catalog: ProductCatalog | None = None, points_config=None,
                  subsidy_config: SubsidyConfig | None = None, model_name: str = "") -> MatchResult:
    """From a loaded data set and a credit model: indicators, points and checks, scores, then :func:`match`.
    ``model_name`` (e.g. its URI) is recorded in the bank files."""
    from innoscore.credit.scoring import reason_texts, score_enterprises
    from innoscore.points import load_points_config
    from innoscore.points.certification import summarise
    from innoscore.points.run import points_and_checks

    catalog = catalog or load_products()
    run = points_and_checks(data, as_of, points_config or load_points_config())
    scores = score_enterprises(model, run.indicators)
    result = match(data.tables, as_of, run.indicators, run.features, run.points,
                   summarise(run.checks, reasons=False), scores, catalog, reason_texts(model), subsidy_config)
    result.model = model_name
    return result
