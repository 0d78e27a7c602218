"""Small array tools the generators share: day numbers and dates, draws from shares, ids, bands."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["YEAR_DAYS", "WHOLE_YEAR_DAYS", "days", "dates", "sigmoid", "band_points", "choice", "ids",
           "pick_within", "join_codes", "shares"]

YEAR_DAYS = 365.25  # a year on average: ages, terms and waits drawn in years
WHOLE_YEAR_DAYS = 365  # a year as a whole number of days: look-back windows and validity


def days(values: np.ndarray) -> np.ndarray:
    """datetime64 -> int days since 1970-01-01."""
    return values.astype("datetime64[D]").astype(np.int64)


def dates(day_numbers: np.ndarray) -> np.ndarray:
    """int days since 1970-01-01 -> datetime64[s] (the contract's date columns)."""
    return np.asarray(day_numbers, dtype=np.int64).astype("datetime64[D]").astype("datetime64[s]")


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def band_points(values: np.ndarray, bands: list[dict]) -> np.ndarray:
    """Points of the best band each value reaches (`from`: at least; `to`: below), 0 when none; NaN reaches none."""
    out = np.zeros_like(values, dtype="float64")
    with np.errstate(invalid="ignore"):
        for band in bands:
            hit = (values >= band["from"]) if "from" in band else (values < band["to"])
            out = np.where(hit, np.maximum(out, band["points"]), out)
    return out


def choice(rng: np.random.Generator, n: int, weights: list[float]) -> np.ndarray:
    """n indices drawn with the given weights (normalised)."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def shares(mapping: dict) -> tuple[np.ndarray, list[float]]:
    """A configuration's ``{name: share}`` as (names as an object array, shares), in the file's order."""
    return np.array(list(mapping), dtype=object), [float(v) for v in mapping.values()]


def ids(prefix: str, n: int, width: int) -> pd.Series:
    """prefix + 1..n, zero-padded to width."""
    return prefix + pd.Series(np.arange(1, n + 1)).astype("str").str.zfill(width)


def pick_within(rng: np.random.Generator, group: np.ndarray, options: list[list]) -> np.ndarray:
    """For each row, one of its group's options, uniformly (``options[group[i]]``)."""
    sizes = np.array([len(o) for o in options])
    flat = np.array([x for o in options for x in o], dtype=object)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    k = (rng.random(len(group)) * sizes[group]).astype(np.int64)
    return flat[offsets[group] + k]


def join_codes(mask: np.ndarray, codes: list[str]) -> pd.Series:
    """Per row, the codes whose column is true, joined with ``;`` (None when none)."""
    out = pd.Series("", index=np.arange(mask.shape[0]), dtype="str")
    for j, code in enumerate(codes):
        sep = np.where(out.to_numpy() == "", "", ";")
        out = out.where(~mask[:, j], out + pd.Series(sep, dtype="str") + code)
    return out.where(out != "", None)
