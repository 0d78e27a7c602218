"""Indicators from awards, R&D platforms, standards and national S&T projects (counted from ``awarded_on``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Events, Grid, days
from innoscore.indicators.registry import indicator

TABLE = "awards"
_PROVINCIAL_UP = ("international", "national", "industry", "provincial")


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    aw = tables[TABLE]
    ent = grid.codes(aw["enterprise_id"])
    day = days(aw["awarded_on"])
    kind, level = aw["kind"].to_numpy(), aw["level"].to_numpy()

    def count(sel: np.ndarray) -> np.ndarray:
        return Events(grid, ent[sel], day[sel]).count()

    return {
        "standards": count(kind == "standard"),
        "rd_platforms_recognised": count(kind == "rd_platform"),
        "awards_won": count((kind == "award") & np.isin(level, _PROVINCIAL_UP)),
        "national_projects": count((kind == "st_project") & (level == "national")),
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
