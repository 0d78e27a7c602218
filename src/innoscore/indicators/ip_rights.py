"""Indicators from intellectual property.

A right is valid from ``granted_on`` until ``lapsed_on`` (exclusive); an application counts
from ``filed_on``.  No rights on record means 0, not missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innoscore.indicators.pit import NAT, Events, Grid, count_unless_open, days, years_after
from innoscore.indicators.functions import indicator

TABLE = "ip_rights"
_YEAR = 365
# the certification rules' "Class I" and "Class II" IP (科技型中小企业评价办法)
CLASS_ONE = ("invention", "ic_layout", "plant_variety")
CLASS_TWO = ("utility_model", "design", "software_copyright")


def base(tables: dict[str, pd.DataFrame], grid: Grid, config: dict) -> dict[str, np.ndarray]:
    ip = tables[TABLE]
    ent = grid.codes(ip["enterprise_id"])
    kind = ip["kind"]  # compared in Arrow: no Python string per row
    filed, granted = days(ip["filed_on"]), days(ip["granted_on"])
    # a granted right stops counting at its lapse, but never before its grant
    lapsed = np.where(days(ip["lapsed_on"]) == NAT, NAT, np.maximum(days(ip["lapsed_on"]), granted))
    lapsed = np.where(granted == NAT, NAT, lapsed)
    inv = (kind == "invention").to_numpy(dtype=bool)
    pct = (kind == "pct").to_numpy(dtype=bool)
    class_one = kind.isin(CLASS_ONE).to_numpy(dtype=bool)
    class_two = kind.isin(CLASS_TWO).to_numpy(dtype=bool)
    rights = ~pct  # PCT filings are applications, not rights
    granted_rights = Events(grid, ent[rights], granted[rights])
    acquired = ip["acquired"] if "acquired" in ip.columns else pd.Series(pd.NA, index=ip.index, dtype="boolean")
    acquired = acquired.astype("boolean")
    own = (acquired == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712 - known to be developed in house
    unknown_origin = acquired.isna().to_numpy(dtype=bool)
    # a high-value invention patent (高价值发明专利) known from the data: in force more than
    # `min_years_in_force` calendar years after filing (pledges are not dated, so they do not count)
    years_in_force = int(config["certifications"]["high_value_ip"]["min_years_in_force"])
    anniversary = years_after(filed, years_in_force) + 1
    anniversary = np.where(filed == NAT, NAT, anniversary)
    hv_start = np.where((granted == NAT) | (anniversary == NAT), NAT, np.maximum(granted, anniversary))
    hv_end = np.where((lapsed == NAT) | (hv_start == NAT), NAT, np.maximum(lapsed, hv_start))

    def in_force(sel: np.ndarray, start: np.ndarray = granted, end: np.ndarray = lapsed) -> np.ndarray:
        return Events(grid, ent[sel], start[sel]).count() - Events(grid, ent[sel], end[sel]).count()

    return {
        "own_class_one": in_force(class_one & own),
        "unknown_origin_class_one": in_force(class_one & unknown_origin),
        "own_rights": in_force(rights & own),
        "unknown_origin_rights": in_force(rights & unknown_origin),
        "high_value_inventions": in_force(inv, hv_start, hv_end),
        "pct_filed_3y": Events(grid, ent[pct], filed[pct]).count_years(3),
        "inventions_granted": Events(grid, ent[inv], granted[inv]).count(),
        "inventions_lapsed": Events(grid, ent[inv], lapsed[inv]).count(),
        "rights_granted": granted_rights.count(),
        "rights_granted_12m": granted_rights.count(back=_YEAR),
        "rights_lapsed": Events(grid, ent[rights], lapsed[rights]).count(),
        "class_one_granted": Events(grid, ent[class_one], granted[class_one]).count(),
        "class_one_lapsed": Events(grid, ent[class_one], lapsed[class_one]).count(),
        "class_two_granted": Events(grid, ent[class_two], granted[class_two]).count(),
        "class_two_lapsed": Events(grid, ent[class_two], lapsed[class_two]).count(),
    }


@indicator(ge=0)
def valid_invention_patents(inventions_granted: pd.Series, inventions_lapsed: pd.Series) -> pd.Series:
    """Invention patents granted and not lapsed at the as-of date, count."""
    return inventions_granted - inventions_lapsed


@indicator(ge=0)
def valid_ip_rights(rights_granted: pd.Series, rights_lapsed: pd.Series) -> pd.Series:
    """IP rights of every kind (patents, software copyrights, ...) in force at the as-of date, count."""
    return rights_granted - rights_lapsed


@indicator(ge=0)
def new_ip_12m(rights_granted_12m: pd.Series) -> pd.Series:
    """IP rights granted in the 12 months up to the as-of date, count."""
    return rights_granted_12m


@indicator(ge=0)
def pct_applications(pct_filed_3y: pd.Series) -> pd.Series:
    """PCT international applications filed in the 3 years up to the as-of date, count."""
    return pct_filed_3y


@indicator(ge=0)
def class_one_ip(class_one_granted: pd.Series, class_one_lapsed: pd.Series) -> pd.Series:
    """Class I IP in force (invention patents, IC layouts, plant varieties), count."""
    return class_one_granted - class_one_lapsed


@indicator(ge=0)
def class_two_ip(class_two_granted: pd.Series, class_two_lapsed: pd.Series) -> pd.Series:
    """Class II IP in force (utility models, designs, software copyrights), count."""
    return class_two_granted - class_two_lapsed


@indicator(ge=0)
def own_class_one_ip(own_class_one: pd.Series, unknown_origin_class_one: pd.Series) -> pd.Series:
    """Class I IP in force developed in house (not acquired), count; missing when none is known to be
    and some rights' origin is empty."""
    return count_unless_open(own_class_one, unknown_origin_class_one)


@indicator(ge=0)
def own_ip_rights(own_rights: pd.Series, unknown_origin_rights: pd.Series) -> pd.Series:
    """IP rights in force developed in house (not acquired), count; missing when none is known to be
    and some rights' origin is empty."""
    return count_unless_open(own_rights, unknown_origin_rights)


@indicator(ge=0)
def high_value_patents(high_value_inventions: pd.Series) -> pd.Series:
    """Invention patents in force for more than the configured years since filing (known high-value), count."""
    return high_value_inventions
