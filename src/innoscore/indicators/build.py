"""Joining the tables' indicators into one table: one row per enterprise (and as-of date)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from innoscore.certification_rules import load_certification_rules
from innoscore.config import load_yaml
from innoscore.indicators import (awards, certifications, enterprises, equity_rounds, financials, ip_rights,
                                  loans, penalties, projects)
from innoscore.indicators.catalog import Catalog, load_catalog
from innoscore.indicators.pit import Grid, days
from innoscore.indicators.functions import check_range

__all__ = ["build", "build_panel", "build_sets", "load_certifications_and_stages", "write_indicators"]

MODULES = {m.TABLE: m for m in (enterprises, financials, ip_rights, certifications, projects, equity_rounds,
                                awards, loans, penalties)}


def load_certifications_and_stages() -> dict:
    """What the indicators read besides the catalog: certificate validity (features/certifications.yaml) and the
    stage thresholds (features/stages.yaml)."""
    return {"certifications": load_certification_rules(), "stages": load_yaml("features/stages.yaml")}


def _grid(ent: pd.DataFrame, dates: Iterable) -> Grid:
    stamps = sorted({pd.Timestamp(d).normalize() for d in dates})
    if not stamps:
        raise ValueError("no as-of dates given")
    ids = pd.Index(ent["enterprise_id"])
    founded = days(ent["founded_on"])
    e_parts, d_parts = [], []
    for ts in stamps:
        day = int(np.datetime64(ts.date(), "D").astype(np.int64))
        alive = np.flatnonzero(founded <= day)  # enterprises existing at the as-of date
        e_parts.append(alive)
        d_parts.append(np.full(len(alive), day, dtype=np.int64))
    return Grid(ids, np.concatenate(e_parts), np.concatenate(d_parts))


def _compute(tables, grid: Grid, catalog: Catalog, config: dict) -> pd.DataFrame:
    needed = {ind.fn.module for ind in catalog} | {"enterprises", "financials"}  # the stage needs both
    base: dict[str, np.ndarray] = {}
    for name in MODULES:
        if name in needed:
            base.update(MODULES[name].base(tables, grid, config))
    ids = pd.Series(grid.ids.to_numpy()[grid.ent])
    out: dict[str, pd.Series] = {}
    for ind in catalog:
        fn = ind.fn
        values = fn.func(**{arg: pd.Series(base[arg]) for arg in fn.inputs})
        values = pd.Series(values).reset_index(drop=True)
        if values.dtype.kind not in "iu":
            values = values.astype("float64")
        check_range(fn, values, ids)
        out[ind.id] = values
    years = enterprises.years_in_business(pd.Series(base["days_since_founded"]))
    stage = enterprises.stage(years, pd.Series(base["revenue"]), config["stages"])
    frame = pd.DataFrame({"stage": stage, **out})
    frame.insert(0, "enterprise_id", ids.astype("str"))
    return frame


def build_panel(tables, dates: Iterable, catalog: Catalog | None = None, config: dict | None = None,
                where: Callable[[Mapping[str, pd.DataFrame], Grid], np.ndarray] | None = None) -> pd.DataFrame:
    """Indicators of every enterprise existing at each date, for many dates at once.

    Returns columns ``as_of``, ``enterprise_id``, ``stage`` and one per catalog indicator, sorted
    by date and then in the enterprises table's order.  Only what was known at each date is used.
    ``where(tables, grid)`` may pick the (enterprise, date) pairs to compute (a boolean mask over
    the grid), e.g. the enterprises with a loan outstanding.
    """
    catalog = catalog or load_catalog()
    config = config or load_certifications_and_stages()
    grid = _grid(tables["enterprises"], dates)
    if where is not None:
        keep = np.asarray(where(tables, grid), dtype=bool)
        grid = Grid(grid.ids, grid.ent[keep], grid.day[keep])
    frame = _compute(tables, grid, catalog, config)
    frame.insert(0, "as_of", pd.Series(grid.day.astype("datetime64[D]").astype("datetime64[s]")))
    return frame


def build(tables, as_of: dt.date | str | pd.Timestamp, catalog: Catalog | None = None,
          config: dict | None = None) -> pd.DataFrame:
    """Indicators as of one date: one row per enterprise existing then (index ``enterprise_id``),
    the column ``stage`` and one column per catalog indicator."""
    frame = build_panel(tables, [as_of], catalog, config)
    return frame.drop(columns="as_of").set_index("enterprise_id")


def build_sets(tables, as_of: dt.date | str | pd.Timestamp, catalogs: Sequence[Catalog],
               config: dict | None = None) -> list[pd.DataFrame]:
    """What :func:`build` returns for each catalog, from one pass over the tables: the values the
    catalogs share (counts of rights in force, the latest accounts, ...) are computed once."""
    merged = Catalog(tuple(replace(ind, id=f"{k}:{ind.id}") for k, cat in enumerate(catalogs) for ind in cat),
                     " + ".join(cat.source for cat in catalogs))
    table = build(tables, as_of, merged, config)
    out = []
    for k, cat in enumerate(catalogs):
        part = table[["stage"] + [f"{k}:{ind.id}" for ind in cat]]
        part.columns = ["stage"] + [ind.id for ind in cat]
        out.append(part)
    return out


def write_indicators(table: pd.DataFrame, as_of, path) -> None:
    """The indicator table as written: ``as_of``, ``enterprise_id``, ``stage``, one column per indicator."""
    from innoscore.io import write_parquet_atomic

    out = table.reset_index()
    out.insert(0, "as_of", pd.Timestamp(as_of))
    write_parquet_atomic(out, path)
