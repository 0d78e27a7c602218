"""The business cycle: stress (higher is worse) at a fractional year, a wave and the 2022 lockdowns."""

from __future__ import annotations

import numpy as np

__all__ = ["stress", "stress_by_year"]


def stress(t: np.ndarray | float, cycle: dict) -> np.ndarray:
    """Business-cycle stress at fractional year ``t`` (``behaviour["cycle"]``)."""
    t = np.asarray(t, dtype=float)
    wave = cycle["wave_amplitude"] * np.sin(2 * np.pi * (t - cycle["wave_phase_year"]) / cycle["wave_period_years"])
    since, until = cycle["lockdown_years"]
    lockdown = cycle["lockdown_stress"] * ((t >= since) & (t < until))
    return wave + lockdown


def stress_by_year(years: np.ndarray, cycle: dict) -> np.ndarray:
    """The stress at the middle of each year."""
    return np.array([stress(y + 0.5, cycle) for y in years])
