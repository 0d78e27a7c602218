"""The credit panel on its own: observation dates, the out-of-time split and the default label by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from innoscore.credit.config import load_credit_config
from innoscore.credit.panel import PanelError, observation_dates, split, training_panel
from innoscore.data.validation import Dataset

from ..helpers import SMALL


def test_observation_dates_have_a_whole_window_before_the_extraction():
    dates = observation_dates("2024-01", dt.date(2025, 6, 30), 12)
    # D + 12 months must end by 2025-06-30: the last is 2024-06-30
    assert [d.date().isoformat() for d in dates] == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30",
                                                     "2024-05-31", "2024-06-30"]
    assert len(observation_dates("2024-01", dt.date(2025, 6, 29), 12)) == 5
    assert len(observation_dates("2024-01", dt.date(2024, 12, 31), 12)) == 0


def test_split_is_out_of_time():
    config = load_credit_config()
    p = config.panel
    days = pd.Series(pd.to_datetime([p.train_until, pd.Timestamp(p.train_until) + pd.offsets.MonthEnd(1),
                                     p.calibration_until, pd.Timestamp(p.calibration_until) + pd.offsets.MonthEnd(1)]))
    assert split(days, config).tolist() == ["train", "calibration", "calibration", "test"]


def test_the_default_label_is_a_default_within_the_horizon(small_province):
    tables = small_province[0]
    data = Dataset(tables, SMALL.extracted_on)
    dates = pd.DatetimeIndex(["2022-06-30", "2023-03-31"])
    panel = training_panel(data, dates=dates)
    frame = panel.frame
    assert set(frame["as_of"]) <= set(dates) and len(frame) > 50 and panel.horizon_months == 12
    loans = tables["loans"]
    for row in frame.itertuples():
        end = row.as_of + pd.DateOffset(months=12) + pd.offsets.MonthEnd(0)
        mine = loans[loans["enterprise_id"] == row.enterprise_id]
        expected = bool(((mine["defaulted_on"] > row.as_of) & (mine["defaulted_on"] <= end)).any())
        assert row.default == expected, (row.enterprise_id, row.as_of)
    assert set(panel.features) <= set(frame.columns)


def test_too_short_data_are_refused_with_the_reason(small_province):
    data = Dataset(small_province[0], dt.date(2021, 3, 31))
    config = load_credit_config()
    config = replace(config, panel=replace(config.panel, first_observation="2021-01"))
    with pytest.raises(PanelError, match="no observation date"):
        training_panel(data, config)
    with pytest.raises(PanelError, match="do not say when they were extracted"):
        training_panel(small_province[0], config)
