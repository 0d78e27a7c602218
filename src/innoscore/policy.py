"""Policy numbers outside the certification rules (``features/policy.yaml``): the loan prime
rates and the unicorn interest subsidy of the work plan (二(一)2).

>>> policy = load_policy()
>>> float(policy.lpr(["2019-09-20"], "one_year")[0])
4.2
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from innoscore.config import ConfigError, config_dir, is_finite_number, load_yaml
from innoscore.data.contract import INVESTOR_KINDS, LISTING_STATUSES

__all__ = ["Policy", "PolicyConfigError", "load_policy", "parse_policy", "TENORS", "BY_TERM", "DEFAULT_POLICY"]

DEFAULT_POLICY = "features/policy.yaml"
TENORS = ("one_year", "five_year")
BY_TERM = "by_term"  # the LPR of the loan's own term: one-year up to five years, five-year beyond
LONG_TERM_YEARS = 5
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNICORN_KEYS = ("max_years_since_founding", "min_valuation_usd", "share_of_lpr", "lpr_tenor", "max_per_year",
                 "yuan_per_usd", "private_equity_kinds", "unlisted_statuses", "min_loan_years")


class PolicyConfigError(ConfigError):
    """The policy file is not usable; the message names the file, the row and the key."""


@dataclass(frozen=True)
class UnicornSubsidy:
    """独角兽 / 潜在独角兽: a one-year subsidy of a share of the LPR on new medium and long-term loans."""

    max_years_since_founding: float
    min_valuation_usd: float
    share_of_lpr: float
    lpr_tenor: str
    max_per_year: float
    yuan_per_usd: float = 7.1
    private_equity_kinds: tuple[str, ...] = ("vc", "pe")
    unlisted_statuses: tuple[str, ...] = ("unlisted",)
    min_loan_years: float = 1.0

    @property
    def min_valuation_yuan(self) -> float:
        return self.min_valuation_usd * self.yuan_per_usd


@dataclass(frozen=True)
class Policy:
    """The checked policy file: the LPR table (one row per date a rate changed) and the unicorn subsidy."""

    lpr_from: tuple[dt.date, ...]  # dates from which each row is in force, increasing
    lpr_rates: dict[str, tuple[float, ...]]  # tenor -> rate per row, percent
    unicorn: UnicornSubsidy
    source: str = "<memory>"

    def lpr(self, dates, tenor: str = "one_year") -> np.ndarray:
        """The LPR (percent) in force on each date; NaN before the first published rate."""
        if tenor not in TENORS:
            raise ValueError(f"tenor must be one of {', '.join(TENORS)}; got {tenor!r}")
        days = np.asarray(dates, dtype="datetime64[D]").astype(np.int64)
        starts = np.array(self.lpr_from, dtype="datetime64[D]").astype(np.int64)
        rates = np.array(self.lpr_rates[tenor], dtype="float64")
        idx = np.searchsorted(starts, days, side="right") - 1
        return np.where(idx >= 0, rates[np.maximum(idx, 0)], np.nan)

    def unicorn_subsidy_rate(self, signing_dates, term_years=None) -> np.ndarray:
        """The subsidy in percentage points of interest: share_of_lpr x the LPR on the loan contract's
        signing date, of the configured tenor, or with ``by_term`` of the loan's term (``term_years``):
        the one-year rate up to five years, the five-year rate beyond."""
        tenor = self.unicorn.lpr_tenor
        if tenor != BY_TERM:
            return self.unicorn.share_of_lpr * self.lpr(signing_dates, tenor)
        if term_years is None:
            raise ValueError("lpr_tenor by_term needs each loan's term_years")
        long = np.asarray(term_years, dtype="float64") > LONG_TERM_YEARS
        rate = np.where(long, self.lpr(signing_dates, "five_year"), self.lpr(signing_dates, "one_year"))
        return self.unicorn.share_of_lpr * rate


def _date(value: Any, where: str) -> dt.date:
    """A calendar date: a YAML date or a string YYYY-MM-DD (not a timestamp, a number or a week date)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise PolicyConfigError(f"{where}: expected a date YYYY-MM-DD; got {value!r}")


def _positive(value: Any) -> bool:
    return is_finite_number(value) and value > 0


def _rate(value: Any, where: str) -> float:
    if not _positive(value):
        raise PolicyConfigError(f"{where}: expected a positive rate in percent; got {value!r}")
    return float(value)


def parse_policy(doc: Any, source: str = "<memory>") -> Policy:
    """Check a policy document (the parsed YAML)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("lpr"), list) or not doc["lpr"]:
        raise PolicyConfigError(f"{source}: expected a mapping with a non-empty list lpr: "
                                "[{from: YYYY-MM-DD, one_year: R, five_year: R}, ...]")
    dates: list[dt.date] = []
    rates: dict[str, list[float]] = {t: [] for t in TENORS}
    for i, row in enumerate(doc["lpr"]):
        where = f"{source}: lpr row {i + 1}"
        if not isinstance(row, dict) or set(row) != {"from", *TENORS}:
            raise PolicyConfigError(f"{where}: expected {{from, one_year, five_year}}; got {row!r}")
        day = _date(row["from"], f"{where}: from")
        if dates and day <= dates[-1]:
            raise PolicyConfigError(f"{where}: from {day} is not after the row before ({dates[-1]}): "
                                    "dates must increase")
        dates.append(day)
        for t in TENORS:
            rates[t].append(_rate(row[t], f"{where}: {t}"))
    raw = doc.get("unicorn_interest_subsidy")
    where = f"{source}: unicorn_interest_subsidy"
    if not isinstance(raw, dict) or set(raw) != set(_UNICORN_KEYS):
        raise PolicyConfigError(f"{where}: expected the keys {', '.join(_UNICORN_KEYS)}; got {raw!r}")
    if not isinstance(raw["lpr_tenor"], str) or raw["lpr_tenor"] not in TENORS + (BY_TERM,):
        raise PolicyConfigError(f"{where}: lpr_tenor must be one of {', '.join(TENORS + (BY_TERM,))}; "
                                f"got {raw['lpr_tenor']!r}")
    share = raw["share_of_lpr"]
    if not _positive(share) or not share <= 1:
        raise PolicyConfigError(f"{where}: share_of_lpr must be in (0, 1]; got {share!r}")
    numbers = {}
    for key in ("max_years_since_founding", "min_valuation_usd", "max_per_year", "yuan_per_usd", "min_loan_years"):
        v = raw[key]
        if not _positive(v):
            raise PolicyConfigError(f"{where}: {key} must be a positive number; got {v!r}")
        numbers[key] = float(v)
    for key, allowed in (("private_equity_kinds", INVESTOR_KINDS), ("unlisted_statuses", LISTING_STATUSES)):
        v = raw[key]
        if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
            raise PolicyConfigError(f"{where}: {key} must be a non-empty list of codes; got {v!r}")
        bad = [x for x in v if x not in allowed]
        if bad:
            raise PolicyConfigError(f"{where}: {key}: unknown {', '.join(bad)}; expected some of {', '.join(allowed)}")
        numbers[key] = tuple(v)
    unicorn = UnicornSubsidy(share_of_lpr=float(share), lpr_tenor=raw["lpr_tenor"], **numbers)
    return Policy(tuple(dates), {t: tuple(v) for t, v in rates.items()}, unicorn, source)


def load_policy(path: str | Path | None = None) -> Policy:
    """Load and check ``features/policy.yaml`` (or another file)."""
    rel = Path(path) if path is not None else Path(DEFAULT_POLICY)
    source = str(rel if rel.is_absolute() else config_dir() / rel)
    return parse_policy(load_yaml(rel), source)
