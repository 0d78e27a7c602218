"""Indicators from certificates (高新技术企业, 科技型中小企业, 专精特新, 小巨人, ...).

A certificate counts from ``issued_on`` until ``expires_on`` (exclusive); when ``expires_on``
is empty, the kind's validity in ``features/certifications.yaml`` applies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Events, Grid, days
from innoscore.indicators.registry import indicator

TABLE = "certifications"
KINDS = ("high_tech_enterprise", "tech_sme", "innovative_sme", "specialised_sme", "little_giant")


def expiry(cert: pd.DataFrame, validity_years: dict[str, int]) -> pd.Series:
    """expires_on, or issued_on plus the kind's validity in calendar years when it is empty."""
    need = cert["expires_on"].isna()
    years = cert.loc[need, "kind"].map(validity_years)
    if years.isna().any():
        missing = sorted(set(cert.loc[need, "kind"][years.isna()]))
        raise ValueError(f"features/certifications.yaml: validity_years has no entry for {missing}")
    issued = cert.loc[need, "issued_on"]
    day = issued.dt.day.where(~((issued.dt.month == 2) & (issued.dt.day == 29)), 28)
    implied = pd.to_datetime(pd.DataFrame({"year": issued.dt.year + years.astype("int64"),
                                           "month": issued.dt.month, "day": day}))
    out = cert["expires_on"].copy()
    out[need] = implied.astype(out.dtype)
    return out


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    cert = tables[TABLE]
    ent = grid.codes(cert["enterprise_id"])
    issued = days(cert["issued_on"])
    ends = days(expiry(cert, config["certifications"]["validity_years"]))
    cols = {}
    for k in KINDS:
        sel = (cert["kind"] == k).to_numpy(dtype=bool)
        cols[f"valid_{k}"] = Events(grid, ent[sel], issued[sel]).count() - Events(grid, ent[sel], ends[sel]).count()
    return cols


def _held(count: pd.Series) -> pd.Series:
    return (count > 0).astype("int64")


@indicator(ge=0, le=1)
def high_tech_enterprise(valid_high_tech_enterprise: pd.Series) -> pd.Series:
    """1 while a 高新技术企业 certificate is valid at the as-of date, else 0."""
    return _held(valid_high_tech_enterprise)


@indicator(ge=0, le=1)
def tech_sme(valid_tech_sme: pd.Series) -> pd.Series:
    """1 while a 科技型中小企业 registration is valid, else 0."""
    return _held(valid_tech_sme)


@indicator(ge=0, le=1)
def specialised_sme(valid_specialised_sme: pd.Series, valid_little_giant: pd.Series) -> pd.Series:
    """1 while a 专精特新 (or 小巨人) certificate is valid, else 0."""
    return _held(valid_specialised_sme + valid_little_giant)


@indicator(ge=0, le=1)
def little_giant(valid_little_giant: pd.Series) -> pd.Series:
    """1 while a 专精特新"小巨人" certificate is valid, else 0."""
    return _held(valid_little_giant)


@indicator(ge=0, le=5)
def certifications_held(valid_high_tech_enterprise: pd.Series, valid_tech_sme: pd.Series,
                        valid_innovative_sme: pd.Series, valid_specialised_sme: pd.Series,
                        valid_little_giant: pd.Series) -> pd.Series:
    """Kinds of certification valid at the as-of date among 高企, 科小, 创新型, 专精特新, 小巨人, count."""
    return sum(_held(c) for c in (valid_high_tech_enterprise, valid_tech_sme, valid_innovative_sme,
                                  valid_specialised_sme, valid_little_giant))


@indicator(ge=0, le=1)
def innovative_sme(valid_innovative_sme: pd.Series) -> pd.Series:
    """1 while a 创新型中小企业 certificate is valid, else 0."""
    return _held(valid_innovative_sme)
