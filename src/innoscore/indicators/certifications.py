"""Indicators from certificates (高新技术企业, 科技型中小企业, 专精特新, 小巨人, ...).

A certificate counts from ``issued_on`` until ``expires_on`` (exclusive); when ``expires_on``
is empty, the kind's validity in ``features/certifications.yaml`` applies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.data.contract import CERTIFICATION_KINDS
from innoscore.indicators.pit import Events, Grid, days
from innoscore.indicators.functions import indicator

TABLE = "certifications"
KINDS = CERTIFICATION_KINDS
# the two ladders of recognition; a ladder counts once, at the highest rung held
TECH_LADDER = ("tech_sme", "high_tech_enterprise")  # 科技型中小企业 -> 高新技术企业
SME_LADDER = ("innovative_sme", "specialised_sme", "little_giant")  # 梯度培育: 创新型 -> 专精特新 -> 小巨人


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


def _rung(*counts: pd.Series) -> pd.Series:
    """The highest rung held (1 for the first kind, ...), 0 when none."""
    out = pd.Series(0, index=counts[0].index, dtype="int64")
    for step, c in enumerate(counts, start=1):
        out = out.where(~(c > 0), step)
    return out


@indicator(ge=0, le=len(TECH_LADDER) + len(SME_LADDER))
def certification_level(valid_tech_sme: pd.Series, valid_high_tech_enterprise: pd.Series,
                        valid_innovative_sme: pd.Series, valid_specialised_sme: pd.Series,
                        valid_little_giant: pd.Series) -> pd.Series:
    """Rungs held on the two ladders (科小 1 / 高企 2; 创新型 1 / 专精特新 2 / 小巨人 3), each counted once at its top, 0-5."""
    return _rung(valid_tech_sme, valid_high_tech_enterprise) + \
        _rung(valid_innovative_sme, valid_specialised_sme, valid_little_giant)


@indicator(ge=0, le=1)
def innovative_sme(valid_innovative_sme: pd.Series) -> pd.Series:
    """1 while a 创新型中小企业 certificate is valid, else 0."""
    return _held(valid_innovative_sme)


@indicator(ge=0, le=1)
def gazelle(valid_gazelle: pd.Series) -> pd.Series:
    """1 while a 瞪羚企业 recognition is valid, else 0."""
    return _held(valid_gazelle)


@indicator(ge=0, le=1)
def unicorn(valid_unicorn: pd.Series) -> pd.Series:
    """1 while a (potential) 独角兽企业 recognition is valid, else 0."""
    return _held(valid_unicorn)


@indicator(ge=0, le=1)
def tech_leader(valid_tech_leader: pd.Series) -> pd.Series:
    """1 while a 科技领军企业 recognition is valid, else 0."""
    return _held(valid_tech_leader)


@indicator(ge=0, le=1)
def tech_innovation_demo(valid_tech_innovation_demo: pd.Series) -> pd.Series:
    """1 while a 国家级技术创新示范企业 recognition is valid, else 0."""
    return _held(valid_tech_innovation_demo)


@indicator(ge=0, le=1)
def ip_advantage(valid_ip_advantage: pd.Series) -> pd.Series:
    """1 while a 国家知识产权优势企业 recognition is valid, else 0."""
    return _held(valid_ip_advantage)


@indicator(ge=0, le=1)
def ip_demo(valid_ip_demo: pd.Series) -> pd.Series:
    """1 while a 国家知识产权示范企业 recognition is valid, else 0."""
    return _held(valid_ip_demo)
