"""Indicators from awards, R&D platforms, standards and national S&T projects (counted from ``awarded_on``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Events, Grid, days
from innoscore.indicators.registry import indicator

TABLE = "awards"
_PROVINCIAL_UP = ("international", "national", "industry", "provincial")
_FIVE_YEARS = 5 * 365


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    aw = tables[TABLE]
    ent = grid.codes(aw["enterprise_id"])
    day = days(aw["awarded_on"])
    kind, level = aw["kind"], aw["level"]

    rank = aw["rank"].astype("Float64").fillna(np.inf)

    def count(sel: np.ndarray, back: int | None = None) -> np.ndarray:
        sel = sel.to_numpy(dtype=bool)
        return Events(grid, ent[sel], day[sel]).count(back=back)

    return {
        "standards": count(kind == "standard"),
        "rd_platforms_recognised": count(kind == "rd_platform"),
        "awards_won": count((kind == "award") & level.isin(_PROVINCIAL_UP)),
        "national_projects": count((kind == "st_project") & (level == "national")),
        "platforms_provincial_up": count((kind == "rd_platform") & level.isin(_PROVINCIAL_UP)),
        "standards_5y": count(kind == "standard", back=_FIVE_YEARS),
        "national_awards_top3_5y": count((kind == "award") & level.isin(("international", "national"))
                                         & (rank <= 3), back=_FIVE_YEARS),
        "awards_5y": count((kind == "award") & level.isin(_PROVINCIAL_UP), back=_FIVE_YEARS),
    }


@indicator(ge=0)
def standards_led(standards: pd.Series) -> pd.Series:
    """Standards (international, national, industry, local) led up to the as-of date, count."""
    return standards


@indicator(ge=0)
def rd_platforms(rd_platforms_recognised: pd.Series) -> pd.Series:
    """Recognised R&D platforms (labs, engineering and technology centres), count."""
    return rd_platforms_recognised


@indicator(ge=0)
def st_awards(awards_won: pd.Series) -> pd.Series:
    """Science and technology awards at provincial level or above, count."""
    return awards_won


@indicator(ge=0)
def national_st_projects(national_projects: pd.Series) -> pd.Series:
    """National science and technology projects undertaken, count."""
    return national_projects


@indicator(ge=0)
def provincial_rd_platforms(platforms_provincial_up: pd.Series) -> pd.Series:
    """R&D platforms recognised at provincial level or above, count."""
    return platforms_provincial_up


@indicator(ge=0)
def standards_led_5y(standards_5y: pd.Series) -> pd.Series:
    """Standards led in the 5 years up to the as-of date, count."""
    return standards_5y


@indicator(ge=0)
def national_awards_5y(national_awards_top3_5y: pd.Series) -> pd.Series:
    """National or international S&T awards of rank 1-3 in the last 5 years, count."""
    return national_awards_top3_5y


@indicator(ge=0)
def st_awards_5y(awards_5y: pd.Series) -> pd.Series:
    """S&T awards at provincial level or above in the last 5 years, count."""
    return awards_5y
