"""The training panel of the credit model.

Observation dates D are month-ends; the features are the indicators as of D; the label is
whether any loan of the enterprise reaches default (``defaulted_on``) in (D, D + horizon];
the population is the enterprises with a loan outstanding at D.  Observation dates whose
window is not complete in the data (D + horizon after the extraction date) are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from innoscore.credit.config import CreditConfig, load_credit_config
from innoscore.errors import InnoscoreError
from innoscore.indicators import build_panel, load_catalog, load_certifications_and_stages
from innoscore.indicators.catalog import Catalog
from innoscore.indicators.loans import has_outstanding_loan
from innoscore.indicators.pit import Events, Grid, days

__all__ = ["PanelError", "observation_dates", "training_panel", "split", "Panel", "feature_names", "SPLITS"]


class PanelError(InnoscoreError, ValueError):
    """The data do not give the training panel the configuration asks for."""


SPLITS = ("train", "calibration", "test")


def feature_names(catalog: Catalog, config: CreditConfig) -> list[str]:
    """The model's features: the catalog's model indicators, minus the configured exclusions."""
    unknown = set(config.exclude) - set(catalog.ids)
    if unknown:
        from innoscore.config import ConfigError

        raise ConfigError(f"{config.source}: features.exclude: unknown indicators {sorted(unknown)}")
    return [i.id for i in catalog.for_model() if i.id not in config.exclude]


def observation_dates(first: str | dt.date, extracted_on: dt.date, horizon_months: int) -> pd.DatetimeIndex:
    """Month-ends from ``first`` whose window (D, D + horizon] ends on or before the extraction date."""
    last = pd.Timestamp(extracted_on) - pd.DateOffset(months=horizon_months)
    dates = pd.date_range(pd.Timestamp(first), last, freq="ME")
    return dates[dates + pd.DateOffset(months=horizon_months) + pd.offsets.MonthEnd(0)
                 <= pd.Timestamp(extracted_on)]


@dataclass
class Panel:
    frame: pd.DataFrame  # as_of, enterprise_id, stage, features..., default, split
    features: list[str]
    horizon_months: int


def training_panel(data, config: CreditConfig | None = None, catalog: Catalog | None = None,
                   dates: pd.DatetimeIndex | None = None) -> Panel:
    """Features as of each observation date, the 12-month default label and the split."""
    config = config or load_credit_config()
    catalog = catalog or load_catalog()
    tables = data
    extracted_on = data.extracted_on if hasattr(data, "extracted_on") else None
    horizon = config.panel.horizon_months
    if dates is None:
        if extracted_on is None:
            raise PanelError("the data do not say when they were extracted (dataset.yaml: extracted_on), so no "
                             "observation date can be known to have a complete window; pass dates")
        dates = observation_dates(config.panel.first_observation, extracted_on, horizon)
    if len(dates) == 0:
        raise PanelError(f"no observation date from panel.first_observation {config.panel.first_observation} has a "
                         f"complete {horizon}-month window before the extraction date {extracted_on}; the data are "
                         f"too short for {config.source}")
    frame = build_panel(tables, dates, catalog, load_certifications_and_stages(), where=has_outstanding_loan)
    # label: a default of one of the enterprise's loans in (D, D + horizon]
    ids = pd.Index(tables["enterprises"]["enterprise_id"])
    grid = Grid(ids, ids.get_indexer(frame["enterprise_id"]), days(frame["as_of"]))
    loans = tables["loans"]
    defaults = Events(grid, loans["enterprise_id"], loans["defaulted_on"])
    until = days(frame["as_of"] + pd.DateOffset(months=horizon) + pd.offsets.MonthEnd(0))
    frame["default"] = (defaults.count_between(grid.day, until) > 0).astype(np.int64)
    frame["split"] = split(frame["as_of"], config)
    return Panel(frame, feature_names(catalog, config), horizon)


def split(as_of: pd.Series, config: CreditConfig) -> pd.Series:
    """train / calibration / test by observation date (out of time)."""
    train_until = pd.Timestamp(config.panel.train_until)
    cal_until = pd.Timestamp(config.panel.calibration_until)
    out = np.where(as_of <= train_until, "train", np.where(as_of <= cal_until, "calibration", "test"))
    return pd.Series(pd.Categorical(out, categories=list(SPLITS)), index=as_of.index)
