"""Indicators from awards, R&D platforms, standards and national S&T projects (counted from ``awarded_on``).

The certification rules read an award's level, its prize grade and the enterprise's place
among the co-winning units (``unit_rank``); windows and levels come from
``features/certifications.yaml``.  An award whose ``unit_rank`` is empty cannot say whether the
enterprise was among the first units: an indicator that needs it is missing (unknown) when no
award settles it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import Events, Grid, count_unless_open, days
from innoscore.indicators.functions import indicator

TABLE = "awards"
_PROVINCIAL_UP = ("international", "national", "industry", "provincial")
_YEAR = 365


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    aw = tables[TABLE]
    rules = config["certifications"]
    ent = grid.codes(aw["enterprise_id"])
    day = days(aw["awarded_on"])
    kind, level = aw["kind"], aw["level"]
    unit = aw["unit_rank"] if "unit_rank" in aw.columns else pd.Series(pd.NA, index=aw.index)
    unit = unit.astype("Float64")
    unit_known = unit.notna().to_numpy(dtype=bool)
    unit_rank = unit.fillna(np.inf).to_numpy(dtype="float64")
    award = (kind == "award").to_numpy(dtype=bool)

    def count(sel, years: int | None = None) -> np.ndarray:
        """Events of ``sel`` up to the as-of date, or in the last ``years`` calendar years."""
        sel = np.asarray(sel, dtype=bool)
        events = Events(grid, ent[sel], day[sel])
        return events.count() if years is None else events.count_years(years)

    def at(levels) -> np.ndarray:
        return level.isin(tuple(levels)).to_numpy(dtype=bool)

    sme = rules["tech_sme"]
    sme_back = int(sme["direct_years"])
    national_award = award & at(["national"])
    ino = rules["innovative_sme"]
    spec = rules["specialised_sme"]
    spec_back = int(spec["alternative_award_years"])
    top = spec["alternative_award_unit_rank"]
    spec_hit = award & ((at(["provincial"]) & (unit_rank <= top["provincial"]))
                        | (at(["national"]) & (unit_rank <= top["national"])))
    spec_open = award & at(["provincial", "national"]) & ~unit_known
    lg = rules["little_giant"]
    lg_years = int(lg["direct_award_years"])
    return {
        "national_awards_lg": count(national_award & (unit_rank <= lg["direct_award_unit_rank"]), lg_years),
        "national_awards_lg_unranked": count(national_award & ~unit_known, lg_years),
        "standards": count((kind == "standard").to_numpy(dtype=bool) & at(sme["direct_standard_levels"]),
                           sme_back),
        "rd_platforms_recognised": count(kind == "rd_platform"),
        "awards_won": count(award & at(_PROVINCIAL_UP), 5),
        "national_projects": count((kind == "st_project") & (level == "national")),
        "platforms_provincial_up": count((kind == "rd_platform") & level.isin(_PROVINCIAL_UP)),
        "national_awards_top_units": count(national_award & (unit_rank <= sme["direct_award_unit_rank"]),
                                           sme_back),
        "national_awards_unranked": count(national_award & ~unit_known, sme_back),
        "awards_direct": count(award & at(ino["direct_award_levels"]), int(ino["direct_award_years"])),
        "awards_top_units": count(spec_hit, spec_back),
        "awards_top_units_unranked": count(spec_open, spec_back),
    }


@indicator(ge=0)
def standards_led(standards: pd.Series) -> pd.Series:
    """International, national and industry standards led in the last 5 years (as the tech-SME rules count), count."""
    return standards


@indicator(ge=0)
def rd_platforms(rd_platforms_recognised: pd.Series) -> pd.Series:
    """Recognised R&D platforms (labs, engineering and technology centres), count."""
    return rd_platforms_recognised


@indicator(ge=0)
def st_awards(awards_won: pd.Series) -> pd.Series:
    """Science and technology awards at provincial level or above in the last 5 years, count."""
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
def national_awards_top_units(national_awards_top_units: pd.Series, national_awards_unranked: pd.Series
                              ) -> pd.Series:
    """National S&T awards in the tech-SME window with the enterprise among the first units, count (missing
    when none is known but an award's unit rank is empty)."""
    return count_unless_open(national_awards_top_units, national_awards_unranked)


@indicator(ge=0)
def st_awards_recent(awards_direct: pd.Series) -> pd.Series:
    """National or provincial S&T awards in the innovative-SME window (3 years), count."""
    return awards_direct


@indicator(ge=0)
def awards_top_units(awards_top_units: pd.Series, awards_top_units_unranked: pd.Series) -> pd.Series:
    """Provincial awards with the enterprise among the first 3 units or national ones among the first 5,
    in the specialised-SME window (3 years), count (missing when none is known but a unit rank is empty)."""
    return count_unless_open(awards_top_units, awards_top_units_unranked)


@indicator(ge=0)
def national_awards_recent_top_units(national_awards_lg: pd.Series, national_awards_lg_unranked: pd.Series
                                     ) -> pd.Series:
    """National S&T awards in the little-giant window (3 years) with the enterprise among the first 3 units,
    count (missing when none is known but a unit rank is empty)."""
    return count_unless_open(national_awards_lg, national_awards_lg_unranked)
