"""Award windows and unit ranks at their exact boundaries, as the certification rules read them.

As of 2024-06-30: "in the last 3 years" counts from 2021-07-01 (an award on 2021-06-30 is
out), "in the last 5 years" from 2019-07-01.  Sources: 67号 (tech SME: national award among
the first 3 units in 5 years; standards international / national / industry in 5 years);
63号 (innovative SME: national or provincial award in 3 years; specialised SME: provincial
among the first 3 units or national among the first 5, in 3 years).
"""

from __future__ import annotations

import pandas as pd
import pytest

from innoscore.data.uscc import check_character
from innoscore.data.validation import load
from innoscore.points.certification import check_features
from tests.helpers import write_folder

AS_OF = "2024-06-30"


def _code(body: str) -> str:
    return body + check_character(body)


IDS = [_code(f"91130100MA0{i:02d}0001") for i in range(12)]


def _province(tmp_path, awards: list[tuple]) -> pd.DataFrame:
    ent = pd.DataFrame({"enterprise_id": IDS, "name": [f"E{i}" for i in range(len(IDS))], "city": "石家庄市",
                        "industry": "new_materials", "founded_on": "2010-01-01", "listing_status": "unlisted"})
    aw = pd.DataFrame([(f"W{i}", IDS[e], kind, level, on, grade, unit) for i, (e, kind, level, on, grade, unit)
                       in enumerate(awards)],
                      columns=["award_id", "enterprise_id", "kind", "level", "awarded_on", "prize_grade", "unit_rank"])
    for col in ("prize_grade", "unit_rank"):
        aw[col] = aw[col].astype("Int64")
    folder = write_folder(tmp_path / "p", {"enterprises": ent, "awards": aw}, extracted_on="2024-12-31")
    return check_features(load(folder), AS_OF)


@pytest.fixture
def features(tmp_path):
    return _province(tmp_path, [
        (0, "award", "provincial", "2021-06-30", 1, 1),   # exactly 3 years before: out of the 3-year window
        (1, "award", "provincial", "2021-07-01", 1, 1),   # the first day in it
        (2, "award", "national", "2019-06-30", 1, 1),     # exactly 5 years before: out of the 5-year window
        (3, "award", "national", "2019-07-01", 1, 3),     # in, third unit
        (4, "award", "national", "2023-01-01", 1, 4),     # fourth unit: not for the tech SME, yes for 专精特新
        (5, "award", "national", "2023-01-01", 1, 6),     # sixth unit: neither
        (6, "award", "provincial", "2023-01-01", 2, 3),   # provincial, third unit: 专精特新 yes
        (7, "award", "provincial", "2023-01-01", 2, 4),   # provincial, fourth unit: no
        (8, "award", "national", "2023-01-01", 1, None),  # unit rank unknown
        (9, "standard", "provincial", "2023-01-01", None, None),  # a local standard: not counted
        (10, "standard", "industry", "2019-07-01", None, None),   # industry standard, first day of 5 years
        (11, "standard", "national", "2019-06-30", None, None),   # one day too old
    ])


def col(features, name):
    return [features.loc[i, name] for i in IDS]


def test_innovative_sme_award_window_is_3_years_63(features):
    got = col(features, "st_awards_recent")
    assert got[0] == 0 and got[1] == 1
    assert got[3] == 0  # a national award 5 years back counts for the tech SME (below), not here


def test_tech_sme_national_award_window_5_years_and_first_3_units_67(features):
    got = col(features, "national_awards_top_units")
    assert got[2] == 0 and got[3] == 1  # 5-year boundary; third unit counts
    assert got[4] == 0 and got[5] == 0  # fourth and sixth units do not
    assert pd.isna(got[8])              # no unit rank: cannot tell


def test_specialised_sme_award_units_63(features):
    got = col(features, "awards_top_units")
    assert got[4] == 1 and got[5] == 0  # national: first 5 units
    assert got[6] == 1 and got[7] == 0  # provincial: first 3 units
    assert pd.isna(got[8])
    assert got[3] == 0                  # national, third unit, but 5 years back: outside the 3 years


def test_standards_count_levels_and_5_years_67(features):
    got = col(features, "standards_led")
    assert got[9] == 0 and got[10] == 1 and got[11] == 0


def test_years_before_is_calendar_years():
    import numpy as np

    from innoscore.indicators.pit import days, years_before

    d = days(np.array(["2024-06-30", "2024-02-29", "2026-10-31", "2024-06-30"], dtype="datetime64[D]"))
    got = np.array(years_before(d, 3), dtype="datetime64[D]").astype(str).tolist()
    assert got == ["2021-06-30", "2021-02-28", "2023-10-31", "2021-06-30"]


@pytest.mark.parametrize("as_of, years", [("2021-02-27", 0), ("2021-02-28", 1), ("2024-02-28", 3), ("2024-02-29", 4)])
def test_completed_years_from_29_february(tmp_path, as_of, years):
    """Founded 2020-02-29: the first anniversary is 2021-02-28 (the end of the month, as certificates expire)."""
    from innoscore.indicators import build
    from innoscore.indicators.catalog import Catalog, Indicator

    ent = pd.DataFrame({"enterprise_id": IDS[:1], "name": ["E"], "city": "石家庄市", "industry": "new_materials",
                        "founded_on": "2020-02-29", "listing_status": "unlisted"})
    data = load(write_folder(tmp_path / "p", {"enterprises": ent}, extracted_on="2024-12-31"))
    cat = Catalog((Indicator(id="years_registered", name_zh="", description="", unit="", group="credit",
                             direction=1, table="enterprises", use="model", function="years_registered"),))
    assert build(data, as_of, cat)["years_registered"].iloc[0] == years
