"""The province being generated: its calendar, random streams and everything one generator leaves for
the next.

The generators run in the order of :mod:`innoscore.data.synth.sequence`; each reads what the ones before
it left here and adds its own (named below, with the module that sets it).  Per-enterprise arrays are
indexed by enterprise number (0..n-1); yearly ones are n x years.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from innoscore.data.synth.arrays import WHOLE_YEAR_DAYS, YEAR_DAYS, days
from innoscore.data.synth.spec import SynthSpec
from innoscore.policy import Policy, load_policy

__all__ = ["World", "STREAMS", "FIRST_ACCOUNTS_YEARS_BEFORE", "TRUTH_MONTHS_AFTER"]

# One random stream per purpose, so that a change to one table's draws leaves the others as they were.
# A stream keeps its position in this list: new streams go last.
STREAMS = ("ent", "fin", "ip", "cert", "proj", "eq", "award", "pen", "haz", "loan", "names", "misc",
           "main_business", "ip_origin", "award_rank", "honours", "field", "funds", "listing", "loan_contract",
           "insurance")
SPAWNED_STREAMS = 32  # streams spawned from the seed (room for new ones)
FIRST_ACCOUNTS_YEARS_BEFORE = 4  # accounts start this many years before the loan window
TRUTH_MONTHS_AFTER = 12  # month-ends beyond the window, for the 12-month truth


@dataclass
class World:
    spec: SynthSpec
    province: dict  # synthetic/province.yaml
    certs: dict  # features/certifications.yaml
    behaviour: dict  # synthetic/behaviour.yaml
    step: str = "start"  # the section of behaviour.yaml being generated (named when a draw fails)
    rng: dict[str, np.random.Generator] = field(init=False)
    policy: Policy = field(init=False)
    extract_day: int = field(init=False)  # the extraction date, as a day number
    start_day: int = field(init=False)  # first day of the loan window
    years: np.ndarray = field(init=False)  # fiscal years with accounts, up to the extraction year
    y0: int = field(init=False)  # the first of them
    month_ends: pd.DatetimeIndex = field(init=False)  # of the loan window, then TRUTH_MONTHS_AFTER more
    me_days: np.ndarray = field(init=False)  # the same as day numbers

    # enterprises.py: who they are (latent traits are standard normal, never in an input table)
    n: int = field(init=False)
    ids: np.ndarray = field(init=False)  # unified social credit codes
    city: np.ndarray = field(init=False)  # index into province["cities"]
    industry: np.ndarray = field(init=False)  # index into province["industries"]
    founded: np.ndarray = field(init=False)  # day number
    quality: np.ndarray = field(init=False)
    innovation: np.ndarray = field(init=False)  # latent innovation capacity (patents are a noisy trace)
    frailty: np.ndarray = field(init=False)
    credit_hunger: np.ndarray = field(init=False)
    log_size: np.ndarray = field(init=False)  # log of the mature revenue
    listed: np.ndarray = field(init=False)
    # accounts.py: the yearly state (revenue, margin, rd_ratio, ..., exists), n x years, and age at year end
    state: dict[str, np.ndarray] = field(init=False)
    age_y: np.ndarray = field(init=False)
    # equity.py: the rounds (enterprise, closing day) and the valuation
    equity_closed: tuple[np.ndarray, np.ndarray] = field(init=False)
    valuation: np.ndarray = field(init=False)
    # penalties.py: (enterprise, day) of each penalty
    penalty_days: tuple[np.ndarray, np.ndarray] = field(init=False)
    # certifications.py: who holds a 高企 certificate each year, and the first certificate of the kinds
    # whose rules ask for IP and an R&D institution: kind -> (enterprises, day)
    holds_ht: np.ndarray = field(init=False)
    first_issue: dict[str, tuple[np.ndarray, np.ndarray]] = field(init=False)
    # risk.py: the yearly hazard score (logit), the industry's cyclicality, failures
    score_y: np.ndarray = field(init=False)
    cyclical: np.ndarray = field(init=False)
    fail_day: np.ndarray = field(init=False)  # int64 max when the enterprise does not fail
    fail_year: np.ndarray = field(init=False)  # 9999 when it does not fail
    # loans.py: each loan's enterprise, origination day and last day at risk (sorted as the loans table)
    loan_e: np.ndarray = field(init=False)
    loan_orig: np.ndarray = field(init=False)
    loan_end: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        spec = self.spec
        seeds = np.random.SeedSequence(spec.seed).spawn(SPAWNED_STREAMS)
        self.rng = {name: np.random.default_rng(s) for name, s in zip(STREAMS, seeds)}
        self.policy = load_policy()
        self.n = spec.enterprises
        self.extract_day = int(np.datetime64(spec.extracted_on, "D").astype(np.int64))
        start = spec.first_month
        self.start_day = int(np.datetime64(start, "D").astype(np.int64))
        self.y0 = start.year - FIRST_ACCOUNTS_YEARS_BEFORE
        self.years = np.arange(self.y0, spec.extracted_on.year + 1)
        first_me = pd.Timestamp(start) + pd.offsets.MonthEnd(0)
        self.month_ends = pd.date_range(first_me, periods=spec.months + TRUTH_MONTHS_AFTER, freq="ME")
        self.me_days = days(self.month_ends.to_numpy())
        self.fail_year = np.full(self.n, 9999)  # until risk.failures draws them

    def events(self, rng: np.random.Generator, counts: np.ndarray, section: dict) -> tuple[np.ndarray, np.ndarray]:
        """The enterprise of each event (``counts`` per enterprise) and its day, uniform from the later of
        founding + ``first_after_founding_days`` and ``history_years`` before the loan window, to the
        extraction date (``section`` is the table's part of behaviour.yaml)."""
        e = np.repeat(np.arange(self.n), counts)
        lo = np.maximum(self.founded[e] + section["first_after_founding_days"],
                        self.start_day - section["history_years"] * WHOLE_YEAR_DAYS)
        day = lo + (rng.random(len(e)) * np.maximum(self.extract_day - lo, 1)).astype(np.int64)
        return e, day

    def year_days(self, month_day: str) -> np.ndarray:
        """The day number of ``month_day`` (``"12-31"``) in each fiscal year."""
        return days(np.array([f"{y}-{month_day}" for y in self.years], dtype="datetime64[D]"))

    def codes(self, key: str) -> list[str]:
        """The codes of a province list (``"industries"``, ``"banks"``, ``"funds"``)."""
        return [item["code"] for item in self.province.get(key, [])]

    def industry_values(self, key: str, dtype=float) -> np.ndarray:
        """Each enterprise's industry's value of ``key`` (``"cyclical"``, ``"rd_intensity"``)."""
        return np.array([i[key] for i in self.province["industries"]], dtype=dtype)[self.industry]

    def age_now(self) -> np.ndarray:
        """Age in years at the extraction date."""
        return (self.extract_day - self.founded) / YEAR_DAYS
