"""The synthetic province: realistic input tables generated from a seed.

No real enterprise data can ship with the project, so the demo, the tests and the
benchmarks run on a generated province.  What makes it useful for testing a credit model:

* enterprises founded over decades, with start-up / growth / mature trajectories,
  heavy-tailed revenue and R&D expense, zero-inflated patents, missing values;
* certificates that mostly follow their rules (``features/certifications.yaml``), with noise;
* annual accounts published 4-6 months after year end, so the latest year is not yet known;
* a **latent monthly default hazard** per enterprise that depends non-linearly on its
  situation in the year before (seen by lenders only once published), with interactions, a
  mild business cycle that hits industries differently, and parts that no input table shows (a frailty, yearly shocks,
  latent innovation capacity of which patents are only a noisy trace);
* loans originated month by month from several banks; a loan outstanding when its
  enterprise fails gets ``defaulted_on``.

The true 1-month and 12-month PD of every loan-month goes to a ground-truth folder that
is **not** part of the input folder.  The same seed gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from innoscore.certification_rules import load_certification_rules
from innoscore.config import load_yaml
from innoscore.data import uscc
from innoscore.data.contract import TABLES
from innoscore.data.schemas import DTYPES
from innoscore.io import atomic_dir
from innoscore.policy import load_policy

__all__ = ["SynthSpec", "generate", "write", "synthesize", "truth_dir_for"]


# main business over revenue: most enterprises focus on it, a minority is diversified
MAIN_BUSINESS = {"diversified_share": 0.2, "focused": (0.70, 0.98), "diversified": (0.40, 0.70),
                 "yearly_noise": 0.02, "missing_share": 0.05}
# chance that an enterprise of an industry only partly in 战略性新兴产业 has its main products in it
PARTLY_STRATEGIC = 0.5
# IP obtained by transfer, gift or merger, and registries that leave the origin empty
IP_ORIGIN = {"acquired_share": 0.10, "unknown_share": 0.04}
# prize grades (special, first, second, third) and the chance of leading the co-winning units
AWARDS = {"grade_shares_national": [0.02, 0.18, 0.40, 0.40], "grade_shares": [0.0, 0.20, 0.35, 0.45],
          "lead_base": -0.3, "lead_innovation": 0.6, "max_units": 15}
# honours outside the two ladders: who may get one (innovation, age, revenue) and how many who may do
# equity funds: the guidance fund's share of its sub-funds and of other funds, exits, consent to funds
FUNDS = {"sub_fund_share": (0.2, 0.4), "vc_pe_with_guidance": 0.25, "vc_pe_share": (0.05, 0.25),
         "exit_share": 0.15, "exit_years": (1.0, 6.0), "consent": 0.35}
# no enterprise is valued above the largest listed companies (about 2万亿 yuan): the size distribution's
# Pareto tail would otherwise value a handful of a million enterprises above China's GDP
MAX_VALUATION = 1e13
# listing (挂牌 / 上市) dates: years after founding, at least
LISTING = {"min_years": 2.0, "mean_extra_years": 5.0}
# loan contracts are signed a few days before the drawdown
CONTRACT_LEAD_DAYS = 30
# first-set (首台套) equipment insurance: who buys it, the sum insured, premium rates, policy years
INSURANCE = {"industries": ("advanced_equipment", "new_energy", "new_materials"), "min_innovation": 0.8,
             "uptake": 0.25, "log_insured": (16.8, 0.8), "rate": (0.01, 0.045), "max_years": 3}
HONOURS = {
    "ip_advantage": {"min_innovation": 1.0, "min_age": 3, "min_revenue": 0.0, "uptake": 0.06},
    "ip_demo": {"min_innovation": 1.6, "min_age": 5, "min_revenue": 0.0, "uptake": 0.05},
    "tech_innovation_demo": {"min_innovation": 0.8, "min_age": 5, "min_revenue": 2e8, "uptake": 0.2},
}


@dataclass(frozen=True)
class SynthSpec:
    """What to generate: size, seed and the months the loan book covers."""

    enterprises: int = 20_000
    seed: int = 7
    start: str = "2019-01"  # first month of loan originations
    end: str = "2026-10"  # last month; the extraction date is its last day

    def __post_init__(self) -> None:
        if self.enterprises < 1:
            raise ValueError(f"enterprises must be >= 1; got {self.enterprises}")
        s, e = _month(self.start, "start"), _month(self.end, "end")
        if e < s:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if s.year < 1990:
            raise ValueError(f"start must be 1990-01 or later; got {self.start}")

    @property
    def extracted_on(self) -> dt.date:
        e = _month(self.end, "end")
        return (pd.Timestamp(e) + pd.offsets.MonthEnd(0)).date()


def _month(text: str, what: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a month YYYY-MM; got {text!r}") from None


def _days(dates: np.ndarray) -> np.ndarray:
    """datetime64[D] -> int days since epoch."""
    return dates.astype("datetime64[D]").astype(np.int64)


def _dates(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[s]")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _band_points(values: np.ndarray, bands: list[dict]) -> np.ndarray:
    """Points of the best band each value reaches (`from`: at least; `to`: below), 0 when none; NaN reaches none."""
    out = np.zeros_like(values, dtype="float64")
    with np.errstate(invalid="ignore"):
        for band in bands:
            hit = (values >= band["from"]) if "from" in band else (values < band["to"])
            out = np.where(hit, np.maximum(out, band["points"]), out)
    return out


def _choice(rng: np.random.Generator, n: int, shares: list[float]) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _ids(prefix: str, n: int, width: int) -> pd.Series:
    return prefix + pd.Series(np.arange(1, n + 1)).astype("str").str.zfill(width)


class _Province:
    """Generates the tables; one instance per call of :func:`generate`."""

    def __init__(self, spec: SynthSpec, province: dict, certs: dict):
        self.spec = spec
        self.province = province
        self.certs = certs
        self.n = spec.enterprises
        seeds = np.random.SeedSequence(spec.seed).spawn(32)  # children keep their index: new streams go last
        self.rng = {name: np.random.default_rng(s) for name, s in zip(
            ["ent", "fin", "ip", "cert", "proj", "eq", "award", "pen", "haz", "loan", "names", "misc",
             "main_business", "ip_origin", "award_rank", "honours", "field", "funds", "listing", "loan_contract",
             "insurance"], seeds)}
        self.policy = load_policy()
        self.extract = np.datetime64(spec.extracted_on, "D")
        self.extract_day = int(self.extract.astype(np.int64))
        start = _month(spec.start, "start")
        self.start_day = int(np.datetime64(start, "D").astype(np.int64))
        self.y0 = start.year - 4  # first fiscal year with accounts
        self.y1 = spec.extracted_on.year  # current year
        self.years = np.arange(self.y0, self.y1 + 1)
        # month-ends of the loan window, plus 12 months beyond for the 12-month truth
        first_me = pd.Timestamp(start) + pd.offsets.MonthEnd(0)
        self.month_ends = pd.date_range(first_me, periods=self._n_months() + 12, freq="ME")
        self.me_days = _days(self.month_ends.to_numpy())

    def _n_months(self) -> int:
        s, e = _month(self.spec.start, "start"), _month(self.spec.end, "end")
        return (e.year - s.year) * 12 + e.month - s.month + 1

    # ------------------------------------------------------------------ enterprises
    def enterprises(self) -> pd.DataFrame:
        rng, n, prov = self.rng["ent"], self.n, self.province
        cities, industries = prov["cities"], prov["industries"]
        city = _choice(rng, n, [c["share"] for c in cities])
        industry = _choice(rng, n, [i["share"] for i in industries])
        self.city, self.industry = city, industry
        # age: a mix of young firms and established ones founded over decades
        young = rng.random(n) < 0.45
        age = np.where(young, rng.exponential(3.5, n), rng.gamma(2.2, 6.0, n))
        age = np.clip(age, 0.1, 45.0)
        founded = self.extract_day - np.round(age * 365.25).astype(np.int64)
        self.founded = founded
        # latent traits: quality q, innovation capacity iota, frailty u (never observed), credit hunger h
        q = rng.standard_normal(n)
        iota = 0.5 * q + np.sqrt(0.75) * rng.standard_normal(n)
        iota += np.array([i["rd_intensity"] for i in industries])[industry] - 1.0
        u = rng.standard_normal(n)
        hunger = rng.standard_normal(n)
        self.q, self.iota, self.u, self.hunger = q, iota, u, hunger
        # mature size: log-normal body with a Pareto tail
        log_size = np.log(2.5e7) + 0.6 * q + 1.1 * rng.standard_normal(n)
        tail = rng.random(n) < 0.03
        log_size = np.where(tail, log_size + np.log(rng.pareto(1.2, n) + 1.0) * 2.0, log_size)
        self.log_size = log_size

        county_names = [c["counties"] for c in cities]
        county = self._vector_pick(rng, city, county_names)
        park_by_city: dict[str, list[str]] = {}
        for p in prov["parks"]:
            park_by_city.setdefault(p["city"], []).append(p["name"])
        parks_of_city = [park_by_city.get(c["name"], []) for c in cities]
        in_park = rng.random(n) < float(prov.get("park_share", 0.3))
        park = self._vector_pick(rng, city, [p or [None] for p in parks_of_city])
        park = np.where(in_park, park, None)

        codes = uscc.generate(self.rng["misc"], np.array([cities[c]["code"] for c in range(len(cities))])[city])
        self.ids = codes
        # listing status grows with size and age
        big = _sigmoid(1.8 * (log_size - np.log(3e8)) + 0.15 * np.minimum(age, 20) - 2.0)
        listed_draw = rng.random(n)
        status = np.full(n, "unlisted", dtype=object)
        status[listed_draw < big * 0.30] = "regional_equity"
        status[listed_draw < big * 0.22] = "neeq_basic"
        status[listed_draw < big * 0.15] = "neeq_innovation"
        status[listed_draw < big * 0.10] = "bse"
        status[listed_draw < big * 0.07] = "chinext"
        status[listed_draw < big * 0.05] = "star"
        status[listed_draw < big * 0.03] = "main_board"
        self.listed = status != "unlisted"
        banks = prov["banks"]
        consent = rng.random((n, len(banks))) < 0.35
        funds = prov.get("funds", [])
        fund_consent = self.rng["funds"].random((n, len(funds))) < FUNDS["consent"]
        consent_str = self._join_codes(np.concatenate([consent, fund_consent], axis=1),
                                       [b["code"] for b in banks] + [f["code"] for f in funds])
        lr = self.rng["listing"]
        earliest = founded + int(LISTING["min_years"] * 365.25)
        listed_day = earliest + np.round(lr.exponential(LISTING["mean_extra_years"], n) * 365.25).astype(np.int64)
        listed_day = np.minimum(listed_day, self.extract_day)
        listed_on = pd.Series(_dates(listed_day)).where(self.listed & (earliest <= self.extract_day))
        names, rep_name, rep_id, rep_phone = self._names(n, city, industry)
        frame = pd.DataFrame({
            "enterprise_id": codes,
            "name": names,
            "city": np.array([c["name"] for c in cities], dtype=object)[city],
            "county": county,
            "park": park,
            "industry": np.array([i["code"] for i in industries], dtype=object)[industry],
            "founded_on": _dates(founded),
            "listing_status": status,
            "listed_on": listed_on,
            "valuation": np.nan,  # filled once equity rounds exist
            "consent_banks": consent_str,
            "legal_rep_name": rep_name,
            "legal_rep_id_number": rep_id,
            "legal_rep_phone": rep_phone,
        })
        return frame

    @staticmethod
    def _vector_pick(rng: np.random.Generator, group: np.ndarray, options: list[list]) -> np.ndarray:
        sizes = np.array([len(o) for o in options])
        flat = np.array([x for o in options for x in o], dtype=object)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        k = (rng.random(len(group)) * sizes[group]).astype(np.int64)
        return flat[offsets[group] + k]

    @staticmethod
    def _join_codes(mask: np.ndarray, codes: list[str]) -> pd.Series:
        out = pd.Series("", index=np.arange(mask.shape[0]), dtype="str")
        for j, code in enumerate(codes):
            sep = np.where(out.to_numpy() == "", "", ";")
            out = out.where(~mask[:, j], out + pd.Series(sep, dtype="str") + code)
        return out.where(out != "", None)

    def _names(self, n: int, city: np.ndarray, industry: np.ndarray):
        rng = self.rng["names"]
        syll = list("华德瑞博信通恒盛达宇泰鑫源科创智联新辰星航润康安宏远嘉睿诚凯正明天启航中微芯光能")
        words = ["科技", "智能", "生物", "新材料", "电子", "装备", "能源", "信息", "医药", "精密",
                 "环保", "数据", "光电", "自动化", "软件"]
        forms = ["有限公司", "股份有限公司", "有限责任公司"]
        city_short = np.array([c["name"].rstrip("市") for c in self.province["cities"]], dtype=object)
        s = np.array(syll, dtype=object)
        a, b, c = (s[rng.integers(0, len(s), n)] for _ in range(3))
        w = np.array(words, dtype=object)[rng.integers(0, len(words), n)]
        f = np.array(forms, dtype=object)[_choice(rng, n, [0.75, 0.2, 0.05])]
        names = pd.Series(city_short[city]) + a + b + c + w + f
        surnames = np.array(list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"), dtype=object)
        given = np.array(list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英"), dtype=object)
        rep_name = pd.Series(surnames[rng.integers(0, len(surnames), n)]) + given[rng.integers(0, len(given), n)]
        birth = rng.integers(_days(np.array(["1955-01-01"], dtype="datetime64[D]"))[0],
                             _days(np.array(["1998-12-31"], dtype="datetime64[D]"))[0], n)
        bstr = pd.Series(_dates(birth)).dt.strftime("%Y%m%d")
        region = pd.Series(np.array([c["code"] for c in self.province["cities"]], dtype=object)[city])
        seq = pd.Series(rng.integers(0, 1000, n)).astype("str").str.zfill(3)
        rep_id = region.str[:4] + "02" + bstr + seq + pd.Series(rng.integers(0, 10, n)).astype("str")
        rep_phone = "1" + pd.Series(rng.integers(3_000_000_000, 9_999_999_999, n)).astype("str")
        return names, rep_name, rep_id, rep_phone

    # ------------------------------------------------------------------ yearly state
    def yearly_state(self) -> None:
        """Revenue, margins, leverage ... per enterprise and fiscal year (N x Y)."""
        rng, n, years = self.rng["fin"], self.n, self.years
        ny = len(years)
        year_end = _days(np.array([f"{y}-12-31" for y in years], dtype="datetime64[D]"))
        age = (year_end[None, :] - self.founded[:, None]) / 365.25  # age at year end
        self.age_y = age
        exists = age > 0
        macro = self._macro_by_year()
        cyc = np.array([i["cyclical"] for i in self.province["industries"]])[self.industry]
        # revenue path: logistic growth towards the mature size, AR(1) shocks, business cycle
        shock = np.cumsum(0.10 * rng.standard_normal((n, ny)), axis=1)
        ramp = 1.0 / (1.0 + np.exp(-(age - 3.0) / 1.6))
        log_rev = self.log_size[:, None] + np.log(np.maximum(ramp, 1e-4)) + shock - 0.12 * macro[None, :] * cyc[:, None]
        revenue = np.exp(log_rev)
        zero_rev = (age < 0.8) | ((age < 2.5) & (rng.random((n, 1)) < 0.25))
        revenue = np.where(zero_rev, 0.0, revenue)
        margin = (0.05 + 0.05 * self.q[:, None] + 0.025 * rng.standard_normal((n, ny))
                  - 0.18 * np.exp(-age / 2.0) - 0.03 * macro[None, :] * cyc[:, None])
        rd_ratio = np.exp(np.log(0.035) + 0.45 * self.iota[:, None] + 0.25 * rng.standard_normal((n, ny)))
        rd_ratio = np.clip(rd_ratio, 0.0, 0.6)
        startup_rd = np.exp(np.log(8e5) + 0.8 * self.iota + 0.7 * rng.standard_normal(n))
        rd_expense = np.where(revenue > 0, rd_ratio * revenue, startup_rd[:, None] * np.minimum(age, 1.0))
        productivity = np.exp(np.log(9e5) + 0.4 * rng.standard_normal(n))
        employees = np.maximum(np.round(np.where(revenue > 0, revenue / productivity[:, None], 5 + 10 * np.minimum(age, 2))), 3)
        staff_share = np.clip(0.06 + 1.2 * rd_ratio + 0.04 * self.iota[:, None]
                              + 0.03 * rng.standard_normal((n, ny)), 0.01, 0.95)
        rd_staff = np.minimum(np.round(staff_share * employees), employees)
        turnover = np.exp(np.log(1.1) + 0.3 * rng.standard_normal(n))
        assets = np.where(revenue > 0, revenue / turnover[:, None], startup_rd[:, None] * 3.0) * \
            np.exp(0.1 * rng.standard_normal((n, ny)))
        lev_base = -0.2 - 0.35 * self.q + 0.5 * rng.standard_normal(n) + 0.35 * self.hunger
        leverage = _sigmoid(lev_base[:, None] + 0.12 * rng.standard_normal((n, ny)) + 0.1 * macro[None, :])
        leverage = np.where(rng.random((n, 1)) < 0.02, leverage * 1.5, leverage)
        ht_share = np.clip(_sigmoid(0.6 + 1.1 * self.iota)[:, None] + 0.08 * rng.standard_normal((n, ny)), 0, 1)
        net_profit = np.where(revenue > 0, margin * revenue, -rd_expense - 2e5 * np.minimum(age, 1))
        # main business over revenue (主营业务收入占比): steady per enterprise; a minority is diversified
        mb = self.rng["main_business"]
        diversified = mb.random(n) < MAIN_BUSINESS["diversified_share"]
        mb_base = np.where(diversified, mb.uniform(*MAIN_BUSINESS["diversified"], n), mb.uniform(*MAIN_BUSINESS["focused"], n))
        mb_share = np.clip(mb_base[:, None] + MAIN_BUSINESS["yearly_noise"] * mb.standard_normal((n, ny)), 0.3, 1.0)
        self.state = dict(revenue=revenue, margin=margin, rd_ratio=np.where(revenue > 0, rd_ratio, np.inf),
                          rd_expense=rd_expense, employees=employees, rd_staff=rd_staff, assets=assets,
                          leverage=leverage, ht_share=ht_share, net_profit=net_profit, exists=exists,
                          staff_share=rd_staff / employees, mb_share=mb_share)

    def drop_state(self, keep: tuple[str, ...]) -> None:
        """Free the yearly matrices no later step needs."""
        self.state = {k: v for k, v in self.state.items() if k in keep}

    def _macro_by_year(self) -> np.ndarray:
        return np.array([self._macro(y + 0.5) for y in self.years])

    @staticmethod
    def _macro(t: np.ndarray | float) -> np.ndarray:
        """Business-cycle stress (higher is worse) at fractional year t."""
        t = np.asarray(t, dtype=float)
        wave = 0.15 * np.sin(2 * np.pi * (t - 2019.3) / 5.0)
        lockdown = 0.25 * ((t >= 2022.2) & (t < 2023.0))
        return wave + lockdown

    def financials(self) -> pd.DataFrame:
        rng, st = self.rng["fin"], self.state
        n, ny = self.n, len(self.years)
        publish = self.pub_days = (_days(np.array([f"{y + 1}-01-01" for y in self.years], dtype="datetime64[D]"))[None, :]
                                   + rng.integers(119, 181, (n, ny)))
        never = rng.random(n) < 0.07  # enterprises that never file accounts
        keep = st["exists"] & (publish <= self.extract_day) & ~never[:, None]
        keep &= self.years[None, :] <= self.fail_year[:, None]
        e_idx, y_idx = np.nonzero(keep)
        m = len(e_idx)

        def take(name: str) -> np.ndarray:
            return st[name][e_idx, y_idx]

        revenue = np.round(take("revenue"))
        ht_rev = np.round(revenue * take("ht_share"))
        costs = np.round(np.maximum(revenue * (1 - take("margin") - 0.03), 0.0))
        tech_contract = np.where(rng.random(m) < 0.7, 0.0, np.round(revenue * np.exp(-3.5 + rng.standard_normal(m))))
        exporter = rng.random(n) < 0.2
        exports = np.where(exporter[e_idx], np.round(revenue * rng.uniform(0.05, 0.6, m)), 0.0)
        tax = np.round(np.maximum(revenue * 0.03 + np.maximum(take("net_profit"), 0) * 0.15, 0))
        frame = pd.DataFrame({
            "enterprise_id": self.ids[e_idx],
            "fiscal_year": self.years[y_idx],
            "revenue": revenue,
            "operating_costs": costs,
            "net_profit": np.round(take("net_profit")),
            "total_assets": np.round(take("assets")),
            "total_liabilities": np.round(take("assets") * take("leverage")),
            "rd_expense": np.round(take("rd_expense")),
            "employees": take("employees").astype(np.int64),
            "rd_staff": take("rd_staff").astype(np.int64),
            "high_tech_revenue": ht_rev,
            "tech_contract_turnover": tech_contract,
            "export_revenue": exports,
            "tax_paid": tax,
            "published_on": _dates(publish[e_idx, y_idx]),
            "main_business_revenue": np.round(revenue * take("mb_share")),
        })
        # missing values where real filings leave them out
        for col, share in (("high_tech_revenue", 0.15), ("tech_contract_turnover", 0.2), ("rd_staff", 0.08),
                           ("operating_costs", 0.05), ("export_revenue", 0.3), ("tax_paid", 0.1),
                           ("employees", 0.03), ("main_business_revenue", MAIN_BUSINESS["missing_share"])):
            frame.loc[rng.random(m) < share, col] = np.nan
        frame.loc[frame["employees"].isna(), "rd_staff"] = np.nan
        for col in ("employees", "rd_staff"):
            frame[col] = frame[col].astype("Int64")
        return frame

    # ------------------------------------------------------------------ events
    def equity_rounds(self) -> pd.DataFrame:
        rng, n = self.rng["eq"], self.n
        age_now = (self.extract_day - self.founded) / 365.25
        rate = 0.15 + 1.5 * _sigmoid(1.5 * self.iota - 1.0) * np.exp(-age_now / 15.0)
        k = rng.poisson(rate)
        e = np.repeat(np.arange(n), k)
        m = len(e)
        lo = np.maximum(self.founded[e] + 90, self.start_day - 6 * 365)
        closed = lo + (rng.random(m) * np.maximum(self.extract_day - lo, 1)).astype(np.int64)
        ok = closed <= self.extract_day
        e, closed = e[ok], closed[ok]
        m = len(e)
        kind = np.array(["vc", "pe", "guidance_fund", "corporate", "bank_affiliated", "angel", "other"],
                        dtype=object)[_choice(rng, m, [0.38, 0.15, 0.15, 0.1, 0.08, 0.11, 0.03])]
        amount = np.round(np.exp(np.log(1.5e7) + 0.5 * self.iota[e] + 1.1 * rng.standard_normal(m)), -4)
        banks = np.array([b["code"] for b in self.province["banks"]], dtype=object)
        funds = np.array(["冀创投资", "燕赵基金", "京津冀协同基金", "河北省科技投资引导基金", "红杉中国",
                          "深创投", "君联资本", "高瓴创投", "启明创投", "IDG资本"], dtype=object)
        investor = np.where(kind == "bank_affiliated", banks[rng.integers(0, len(banks), m)],
                            funds[rng.integers(0, len(funds), m)])
        investor = np.where((kind != "bank_affiliated") & (rng.random(m) < 0.2), None, investor)
        funds = [f["code"] for f in self.province.get("funds", [])]
        fr = self.rng["funds"]
        if funds:  # the province's guidance sub-funds are recorded by their code
            investor = np.where(kind == "guidance_fund", np.array(funds, dtype=object)[fr.integers(0, len(funds), m)],
                                investor)
        vc_pe = np.isin(kind, ["vc", "pe"])
        guided = vc_pe & (fr.random(m) < FUNDS["vc_pe_with_guidance"])
        share = np.where(kind == "guidance_fund", fr.uniform(*FUNDS["sub_fund_share"], m),
                         np.where(guided, fr.uniform(*FUNDS["vc_pe_share"], m), np.where(vc_pe, 0.0, np.nan)))
        exit_day = closed + np.round(fr.uniform(*FUNDS["exit_years"], m) * 365.25).astype(np.int64)
        exited = (fr.random(m) < FUNDS["exit_share"]) & (exit_day <= self.extract_day)
        order = np.lexsort((closed, e))
        e, closed, kind, amount, investor = e[order], closed[order], kind[order], amount[order], investor[order]
        share, exit_day, exited = share[order], exit_day[order], exited[order]
        # raised equity in the 3 years before each year end, for the hazard
        yend = _days(np.array([f"{y}-12-31" for y in self.years], dtype="datetime64[D]"))
        self.equity_3y = np.zeros((n, len(self.years)), dtype=bool)
        for j, d in enumerate(yend):
            hit = (closed <= d) & (closed > d - 3 * 365)
            self.equity_3y[e[hit], j] = True
        valuation = np.full(n, np.nan)
        valuation[e] = amount * np.exp(rng.normal(np.log(6.0), 0.4, len(e)))  # the last round wins
        listed_val = np.exp(self.log_size + np.log(3.0))
        valued = np.where(self.listed, np.round(listed_val, -4), np.round(valuation, -4))
        self.valuation = np.minimum(valued, MAX_VALUATION)
        return pd.DataFrame({
            "round_id": _ids("R", m, 9),
            "enterprise_id": self.ids[e],
            "closed_on": _dates(closed),
            "amount": amount,
            "investor_kind": kind,
            "investor": investor,
            "guidance_fund_share": np.round(share, 3),
            "exited_on": pd.Series(_dates(exit_day)).where(exited),
        })

    def ip_rights(self) -> pd.DataFrame:
        rng, n = self.rng["ip"], self.n
        age_now = (self.extract_day - self.founded) / 365.25
        p_any = _sigmoid(0.4 + 1.3 * self.iota + 0.5 * np.log1p(age_now))
        mean = np.exp(1.1 + 0.75 * self.iota + 0.55 * np.log1p(age_now) + 0.25 * (self.log_size - np.log(2.5e7)))
        lam = rng.gamma(0.8, mean / 0.8)
        k = np.where(rng.random(n) < p_any, rng.poisson(lam), 0)
        e = np.repeat(np.arange(n), k)
        m = len(e)
        life = self.extract_day - self.founded[e]
        filed = self.founded[e] + (rng.random(m) * life).astype(np.int64)  # at a steady rate over its life
        kinds = np.array(["invention", "utility_model", "design", "software_copyright", "pct", "ic_layout",
                          "plant_variety"], dtype=object)
        kind_i = _choice(rng, m, [0.26, 0.38, 0.08, 0.23, 0.03, 0.01, 0.01])
        # grant probability, lag in days (low, high) and term in years, per kind
        p_grant = np.array([0.6, 0.9, 0.92, 1.0, 0.0, 0.95, 0.7])[kind_i]
        lag_lo = np.array([540, 150, 120, 30, 0, 60, 720])[kind_i]
        lag_hi = np.array([1460, 365, 240, 90, 1, 180, 1100])[kind_i]
        term = np.array([20, 10, 15, 50, 0, 10, 20])[kind_i]
        granted = filed + lag_lo + (rng.random(m) * (lag_hi - lag_lo)).astype(np.int64)
        granted_ok = (rng.random(m) < p_grant) & (granted <= self.extract_day)
        term_end = filed + (term * 365.25).astype(np.int64)
        early = granted + (rng.exponential(6.0, m) * 365.25).astype(np.int64)
        lapse = np.where(rng.random(m) < 0.35, np.minimum(early, term_end), term_end)
        lapse_ok = granted_ok & (lapse <= self.extract_day)
        pledged = granted_ok & np.isin(kind_i, [0, 1]) & (rng.random(m) < 0.03)
        year = pd.Series(_dates(filed)).dt.year.astype("str")
        code = np.array(["1", "2", "3", "SR", "PCT", "BT", "PV"], dtype=object)[kind_i]
        ip_id = "CN" + year + pd.Series(code) + pd.Series(np.arange(m)).astype("str").str.zfill(9)
        frame = pd.DataFrame({
            "ip_id": ip_id,
            "enterprise_id": self.ids[e],
            "kind": kinds[kind_i],
            "filed_on": _dates(filed),
            "granted_on": pd.Series(_dates(granted)).where(granted_ok),
            "lapsed_on": pd.Series(_dates(lapse)).where(lapse_ok),
            "pledged": pledged,
        })
        out = pd.concat([frame, self._certified_inventions(rng)], ignore_index=True)
        # obtained by transfer, gift or merger rather than developed in house; some registries leave it empty
        origin = self.rng["ip_origin"]
        draw = origin.random(len(out))
        acquired = pd.Series(draw < IP_ORIGIN["acquired_share"], dtype="boolean")
        acquired[origin.random(len(out)) < IP_ORIGIN["unknown_share"]] = pd.NA
        acquired[len(frame):] = False  # the core patents of a certificate were developed in house
        out["acquired"] = acquired
        return out

    def _certified_inventions(self, rng: np.random.Generator) -> pd.DataFrame:
        """Invention patents granted before an enterprise's first 高企 (one) or 小巨人 (two) certificate,
        as those rules ask for core IP."""
        e = np.concatenate([self.first_issue["high_tech_enterprise"][0]] + [self.first_issue["little_giant"][0]] * 2)
        first = np.concatenate([self.first_issue["high_tech_enterprise"][1]] + [self.first_issue["little_giant"][1]] * 2)
        m = len(e)
        filed = np.maximum(first - rng.integers(700, 1800, m), self.founded[e] + 30)
        granted = np.maximum(first - rng.integers(30, 200, m), filed + 30)
        keep = granted <= self.extract_day
        e, filed, granted = e[keep], filed[keep], granted[keep]
        year = pd.Series(_dates(filed)).dt.year.astype("str")
        return pd.DataFrame({
            "ip_id": "CN" + year + "1C" + pd.Series(np.arange(len(e))).astype("str").str.zfill(8),
            "enterprise_id": self.ids[e],
            "kind": "invention",
            "filed_on": _dates(filed),
            "granted_on": _dates(granted),
            "lapsed_on": pd.Series(pd.NaT, index=range(len(e)), dtype="datetime64[s]"),
            "pledged": False,
        })

    def certifications(self) -> pd.DataFrame:
        rng, st, cfg = self.rng["cert"], self.state, self.certs
        n, years = self.n, self.years
        ny = len(years)
        rev = st["revenue"]
        # three-year R&D ratio and the revenue band's minimum (高新技术企业)
        rd3 = np.zeros_like(rev)
        rv3 = np.zeros_like(rev)
        for j in range(ny):
            lo = max(0, j - 2)
            rd3[:, j] = st["rd_expense"][:, lo:j + 1].sum(axis=1)
            rv3[:, j] = rev[:, lo:j + 1].sum(axis=1)
        ratio3 = np.where(rv3 > 0, rd3 / np.maximum(rv3, 1), 0)
        ht = cfg["high_tech_enterprise"]
        need = np.full_like(rev, ht["rd_ratio_by_revenue"][-1]["min_ratio"])
        for band in reversed(ht["rd_ratio_by_revenue"][:-1]):
            need = np.where(rev <= band["revenue_up_to"], band["min_ratio"], need)
        alive = st["exists"] & (years[None, :] <= self.fail_year[:, None])
        sme = self._sme(cfg)
        elig = {
            "high_tech_enterprise": alive & (self.age_y >= ht["min_years_registered"]) & (ratio3 >= need)
            & (st["staff_share"] >= ht["min_st_staff_share"]) & (st["ht_share"] >= ht["min_high_tech_revenue_share"])
            & (self.iota[:, None] > -0.8) & (rev > 0),
            "tech_sme": alive & (st["employees"] <= cfg["tech_sme"]["max_employees"])
            & (rev <= cfg["tech_sme"]["max_revenue"]) & (st["assets"] <= cfg["tech_sme"]["max_total_assets"])
            & (self._tech_sme_score(cfg["tech_sme"]) >= cfg["tech_sme"]["pass_score"]),
            "innovative_sme": alive & sme & (self.age_y >= 1),  # and the published score, below
            "specialised_sme": alive & sme & (self.age_y >= cfg["specialised_sme"]["min_years"])
            & (st["rd_expense"] >= cfg["specialised_sme"]["min_rd_expense"])
            & (st["rd_ratio"] >= cfg["specialised_sme"]["min_rd_ratio"]) & (rev >= cfg["specialised_sme"]["min_revenue"]),
            "gazelle": alive & (self.age_y >= 3) & (np.concatenate([np.zeros((n, 1)), rev[:, 1:] / np.maximum(rev[:, :-1], 1)], axis=1) > 1.3),
        }
        lg = cfg["little_giant"]
        main = rev * st["mb_share"]
        growth = self._growth(main)
        growth_2y = (growth + np.concatenate([np.full((n, 1), np.nan), growth[:, :-1]], axis=1)) / 2
        rd = np.where(np.isfinite(st["rd_ratio"]), st["rd_ratio"], 0.0)
        rd_before = np.concatenate([np.zeros((n, 1)), rd[:, :-1]], axis=1)
        elig["little_giant"] = elig["specialised_sme"] & (self.age_y >= lg["min_years"]) & \
            (st["leverage"] <= lg["max_debt_ratio"]) & (rev >= 1e8) & (growth_2y >= lg["min_growth_2y"]) & \
            (np.minimum(rd, rd_before) >= 0.03) & (st["mb_share"] >= lg["min_main_business_share"])
        elig["innovative_sme"] &= elig["high_tech_enterprise"] | self._innovative_score(cfg, growth, rd)
        for kind, h in HONOURS.items():
            elig[kind] = alive & (self.age_y >= h["min_age"]) & (rev >= h["min_revenue"]) & \
                (self.iota >= h["min_innovation"])[:, None]
        uptake = {"high_tech_enterprise": 0.85, "tech_sme": 0.7, "innovative_sme": 0.35,
                  "specialised_sme": 0.4, "little_giant": 0.35, "gazelle": 0.3,
                  **{k: h["uptake"] for k, h in HONOURS.items()}}
        noise = {"high_tech_enterprise": 0.02, "tech_sme": 0.02, "innovative_sme": 0.01,
                 "specialised_sme": 0.005, "little_giant": 0.001, "gazelle": 0.002, **dict.fromkeys(HONOURS, 0.0)}
        issue_window = {"high_tech_enterprise": (274, 90), "tech_sme": (90, 150), "innovative_sme": (120, 180),
                        "specialised_sme": (150, 180), "little_giant": (180, 120), "gazelle": (60, 120),
                        **dict.fromkeys(HONOURS, (300, 60))}
        ystart = _days(np.array([f"{y}-01-01" for y in years], dtype="datetime64[D]"))
        rows = []
        holds_ht = np.zeros((n, ny), dtype=bool)
        for kind, ok in elig.items():
            valid = int(cfg["validity_years"][kind])
            phase = rng.integers(0, valid, n)
            cadence = ((np.arange(ny)[None, :] - phase[:, None]) % valid) == 0
            draw = rng.random((n, ny))
            take = alive & cadence & ((ok & (draw < uptake[kind])) | (~ok & (draw < noise[kind])))
            e, j = np.nonzero(take)
            lo, span = issue_window[kind]
            issued = ystart[j] + lo + (rng.random(len(e)) * span).astype(np.int64)
            if kind == "high_tech_enterprise":
                for step in range(valid):
                    jj = np.minimum(j + step, ny - 1)
                    holds_ht[e, jj] = True
            rows.append(pd.DataFrame({"e": e, "kind": kind, "issued": issued, "valid": valid}))
        # a few of the largest, most innovative firms are tech leaders and unicorns
        score = self.iota + 0.5 * (self.log_size - np.log(2.5e7))
        n_leaders = max(1, n // 2000)
        leaders = np.argsort(-score, kind="stable")[:n_leaders]
        lead_issue = self.extract_day - rng.integers(200, 900, len(leaders))
        rows.append(pd.DataFrame({"e": leaders, "kind": "tech_leader", "issued": lead_issue,
                                  "valid": int(cfg["validity_years"]["tech_leader"])}))
        age_now = (self.extract_day - self.founded) / 365.25
        uni = np.flatnonzero((self.valuation >= 3.5e9) & (age_now <= 10) & ~self.listed)
        rows.append(pd.DataFrame({"e": uni, "kind": "unicorn", "issued": self.extract_day - rng.integers(30, 300, len(uni)),
                                  "valid": int(cfg["validity_years"]["unicorn"])}))
        certs = pd.concat(rows, ignore_index=True)
        certs = certs[(certs["issued"] <= self.extract_day) & (certs["issued"] > self.founded[certs["e"]])]
        certs = certs.sort_values(["e", "kind", "issued"], kind="stable").drop_duplicates(["e", "kind", "issued"])
        self.holds_ht = holds_ht
        # the first certificate of the kinds whose rules ask for IP and an R&D institution
        first = certs.groupby(["kind", "e"])["issued"].min()
        self.first_issue = {k: (first[k].index.to_numpy(), first[k].to_numpy()) if k in first.index.levels[0]
                            else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
                            for k in ("high_tech_enterprise", "little_giant")}
        issued = certs["issued"].to_numpy()
        expires = _days(pd.Series(_dates(issued)).add(pd.to_timedelta(certs["valid"].to_numpy() * 365, "D")).to_numpy())
        no_expiry = rng.random(len(certs)) < 0.03  # some registries leave it empty
        m = len(certs)
        return pd.DataFrame({
            "enterprise_id": self.ids[certs["e"].to_numpy()],
            "kind": certs["kind"].to_numpy(dtype=object),
            "issued_on": _dates(issued),
            "expires_on": pd.Series(_dates(expires)).where(~no_expiry),
            "certificate_no": "GR" + pd.Series(np.arange(m)).astype("str").str.zfill(10),
        })

    @staticmethod
    def _growth(values: np.ndarray) -> np.ndarray:
        """Yearly growth (N x Y); NaN in the first year and after a zero."""
        before = np.concatenate([np.full((len(values), 1), np.nan), values[:, :-1]], axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(before > 0, values / before - 1, np.nan)

    def _innovative_score(self, cfg: dict, main_growth: np.ndarray, rd: np.ndarray) -> np.ndarray:
        """The 创新型中小企业 score (N x Y) by the published items passes, with its group minima; IP is
        judged from the latent innovation capacity, which the patents later reflect."""
        c, st = cfg["innovative_sme"], self.state

        p = c["ip_points"]
        ip = np.where(self.iota > 0.8, p["own_class_one"], np.where(self.iota > 0.0, p["class_one"], p["class_two"]))
        innovation = ip[:, None] + _band_points(rd, c["rd_ratio_points"])
        growth = _band_points(np.nan_to_num(main_growth, nan=-1.0), c["growth_points"]) + \
            _band_points(st["leverage"], c["debt_ratio_points"])
        codes = np.array([i["code"] for i in self.province["industries"]], dtype=object)[self.industry]
        # an industry only partly in 战略性新兴产业: each of its enterprises is in with the configured chance
        field = np.array([cfg["industries"]["strategic_emerging"].get(k, False) for k in codes], dtype=object)
        partly = field == "partly"
        strategic = np.where(partly, self.rng["field"].random(len(codes)) < PARTLY_STRATEGIC, field == True)  # noqa: E712
        strategic = strategic.astype(bool)
        fp = c["field_points"]
        special = np.where(strategic, fp["strategic_emerging"], fp["other"])[:, None] + \
            _band_points(st["mb_share"], c["main_business_points"])
        return (innovation + growth + special >= c["pass_score"]) & (innovation >= c["min_innovation"]) & \
            (growth >= c["min_growth"]) & (special >= c["min_specialisation"])

    def _sme(self, cfg: dict) -> np.ndarray:
        """Small or medium by 中小企业划型标准规定 (N x Y): under at least one of the sector's limits."""
        st = self.state
        codes = [i["code"] for i in self.province["industries"]]
        sectors = cfg["industries"]["size_sector"]
        metric = {"employees": st["employees"], "revenue": st["revenue"], "total_assets": st["assets"]}
        out = np.zeros_like(st["revenue"], dtype=bool)
        for i, code in enumerate(codes):
            limits = cfg["sme_size"].get(sectors.get(code), {})
            rows = self.industry == i
            under = np.zeros((int(rows.sum()), len(self.years)), dtype=bool)
            for key, limit in limits.items():
                under |= metric[key][rows] < limit
            out[rows] = under
        return out

    def _tech_sme_score(self, rules: dict) -> np.ndarray:
        """The 科技型中小企业 evaluation score (N x Y) by the configured bands; 0 without an S&T staff score.
        IP is judged from the latent innovation capacity, which the patents later reflect."""
        st = self.state

        staff = _band_points(st["staff_share"], rules["staff_share_points"])
        rd = _band_points(np.where(np.isfinite(st["rd_ratio"]), st["rd_ratio"], 0.0), rules["rd_ratio_points"])
        ip = np.where(self.iota > 0.3, float(rules["class_one_points"]), 12.0)[:, None]
        return np.where(staff > 0, staff + rd + ip, 0.0)

    def projects(self) -> pd.DataFrame:
        rng, n = self.rng["proj"], self.n
        k = np.where(rng.random(n) < _sigmoid(-1.6 + 0.9 * self.iota), 1 + rng.poisson(0.6, n), 0)
        e = np.repeat(np.arange(n), k)
        m = len(e)
        lo = np.maximum(self.founded[e] + 180, self.start_day - 2 * 365)
        first = lo + (rng.random(m) * np.maximum(self.extract_day - lo, 1)).astype(np.int64)
        reps = 1 + rng.binomial(2, 0.25, m)
        p = np.repeat(np.arange(m), reps)
        group_start = np.repeat(np.cumsum(reps) - reps, reps)
        step = np.arange(len(p)) - group_start
        gaps = np.cumsum(np.where(step > 0, rng.integers(180, 720, len(p)), 0))
        assessed = first[p] + gaps - gaps[group_start]  # re-assessed 6-24 months after the previous one
        trl0 = np.clip(np.round(3.5 + 1.3 * self.iota[e] + 0.8 * rng.standard_normal(m)), 1, 9)
        trl = np.clip(trl0[p] + np.round(step * rng.uniform(0.3, 1.2, len(p))), 1, 9).astype(np.int64)
        adv = np.clip(np.round(68 + 9 * self.iota[e][p] + 9 * rng.standard_normal(len(p)), 1), 0, 100)
        value = np.round(np.exp(np.log(1.5e7) + 0.5 * self.q[e][p] + 0.25 * trl + 0.8 * rng.standard_normal(len(p))), -3)
        value = np.where(rng.random(len(p)) < 0.2, np.nan, value)
        keep = (assessed <= self.extract_day) & (assessed > self.founded[e][p])
        topics = np.array(["关键技术研发", "成果转化", "中试验证", "产业化示范", "核心部件攻关"], dtype=object)
        frame = pd.DataFrame({
            "project_id": _ids("PJ", m, 8).to_numpy()[p],
            "enterprise_id": self.ids[e][p],
            "name": topics[rng.integers(0, len(topics), len(p))],
            "assessed_on": _dates(assessed),
            "trl": trl,
            "advancement": adv,
            "market_value": value,
        })
        return frame[keep].reset_index(drop=True)

    def insurance_policies(self) -> pd.DataFrame:
        """首台(套) insurance: equipment makers with strong innovation insure a catalogue product for one to
        three consecutive policy years, the premium a rate of the sum insured."""
        rng, n, cfg = self.rng["insurance"], self.n, INSURANCE
        codes = [i["code"] for i in self.province["industries"]]
        maker = np.isin(np.array(codes, dtype=object)[self.industry], list(cfg["industries"]))
        who = np.flatnonzero(maker & (self.iota > cfg["min_innovation"]) & (rng.random(n) < cfg["uptake"]))
        years = rng.integers(1, cfg["max_years"] + 1, len(who))
        first = np.maximum(self.founded[who] + 365, self.start_day) + \
            (rng.random(len(who)) * 4 * 365).astype(np.int64)
        e = np.repeat(who, years)
        k = np.arange(years.sum()) - np.repeat(np.cumsum(years) - years, years)
        start = np.repeat(first, years) + np.round(k * 365.25).astype(np.int64)
        keep = start <= self.extract_day
        e, k, start = e[keep], k[keep], start[keep]
        m = len(e)
        insured = np.round(np.exp(rng.normal(*cfg["log_insured"], m)), -4)
        premium = np.round(insured * rng.uniform(*cfg["rate"], m), 2)
        return pd.DataFrame({
            "policy_id": _ids("FS", m, 8),
            "enterprise_id": self.ids[e],
            "equipment": pd.Series(self.ids[e]).str[-6:].radd("首台套装备-").to_numpy(),
            "insured_amount": insured,
            "premium": premium,
            "starts_on": _dates(start),
            "ends_on": _dates(start + np.round(365.25).astype(np.int64)),
        })

    def awards(self) -> pd.DataFrame:
        rng, n = self.rng["award"], self.n
        k = rng.poisson(0.04 + 0.5 * _sigmoid(2.0 * self.iota - 2.0))
        e = np.repeat(np.arange(n), k)
        m = len(e)
        lo = np.maximum(self.founded[e] + 365, self.start_day - 8 * 365)
        day = lo + (rng.random(m) * np.maximum(self.extract_day - lo, 1)).astype(np.int64)
        kind_i = _choice(rng, m, [0.35, 0.3, 0.2, 0.15])
        kinds = np.array(["award", "rd_platform", "standard", "st_project"], dtype=object)
        level = np.array(["international", "national", "industry", "provincial", "municipal"],
                         dtype=object)[_choice(rng, m, [0.02, 0.1, 0.08, 0.5, 0.3])]
        grade, unit = self._award_ranks(m, level, self.iota[e])
        is_award = kind_i == 0
        frame = pd.DataFrame({"award_id": _ids("AW", m, 9), "enterprise_id": self.ids[e], "kind": kinds[kind_i],
                              "level": level, "awarded_on": _dates(day),
                              "prize_grade": pd.Series(grade, dtype="Int64").where(is_award),
                              "unit_rank": pd.Series(unit, dtype="Int64").where(is_award)})
        # a 小巨人 has its own R&D institution: a provincial platform recognised before its first certificate
        lg_e, lg_first = self.first_issue["little_giant"]
        lg_day = np.maximum(lg_first - rng.integers(60, 700, len(lg_e)), self.founded[lg_e] + 30)
        platforms = pd.DataFrame({"award_id": _ids("AWP", len(lg_e), 8), "enterprise_id": self.ids[lg_e],
                                  "kind": "rd_platform", "level": "provincial", "awarded_on": _dates(lg_day)})
        frame = pd.concat([frame[day <= self.extract_day], platforms[lg_day <= self.extract_day]], ignore_index=True)
        return frame

    def _award_ranks(self, m: int, level: np.ndarray, iota: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Prize grade (0 special, 1 first, 2 second, 3 third) and the enterprise's place among the
        co-winning units; more innovative enterprises tend to lead."""
        rng = self.rng["award_rank"]
        national = np.isin(level, ["national", "international"])
        grade = np.where(national, _choice(rng, m, AWARDS["grade_shares_national"]),
                         _choice(rng, m, AWARDS["grade_shares"]))
        lead = _sigmoid(AWARDS["lead_base"] + AWARDS["lead_innovation"] * iota)
        unit = np.minimum(rng.geometric(lead), AWARDS["max_units"])
        return grade, unit

    def penalties(self) -> pd.DataFrame:
        rng, n = self.rng["pen"], self.n
        k = rng.poisson(0.04 + 0.12 * np.exp(0.8 * self.u - 0.3))  # the frailty shows through penalties
        e = np.repeat(np.arange(n), k)
        m = len(e)
        lo = np.maximum(self.founded[e] + 30, self.start_day - 4 * 365)
        day = lo + (rng.random(m) * np.maximum(self.extract_day - lo, 1)).astype(np.int64)
        kinds = np.array(["administrative", "tax", "environmental", "safety", "quality", "court_enforcement",
                          "dishonest_debtor", "abnormal_operation"], dtype=object)
        ki = _choice(rng, m, [0.3, 0.15, 0.15, 0.08, 0.08, 0.12, 0.04, 0.08])
        amount = np.where(ki <= 4, np.round(np.exp(np.log(3e4) + 1.2 * rng.standard_normal(m)), -2), np.nan)
        self.penalty_days = (e, day)
        frame = pd.DataFrame({"penalty_id": _ids("PN", m, 9), "enterprise_id": self.ids[e], "kind": kinds[ki],
                              "occurred_on": _dates(day), "amount": amount})
        return frame[day <= self.extract_day].reset_index(drop=True)

    # ------------------------------------------------------------------ risk and loans
    def hazard(self) -> None:
        """Monthly default hazard per enterprise-year: the year before's accounts (what lenders can see
        from mid-year), age, innovation, certificates and penalties, plus parts no table shows."""
        rng, st, n = self.rng["haz"], self.state, self.n
        ny = len(self.years)

        def last_year(a: np.ndarray) -> np.ndarray:
            # risk follows the accounts of the year before, which lenders see from mid-year on
            return np.concatenate([a[:, :1], a[:, :-1]], axis=1)

        lev, margin, rev = last_year(st["leverage"]), last_year(st["margin"]), last_year(st["revenue"])
        growth = np.concatenate([np.zeros((n, 1)), rev[:, 1:] / np.maximum(rev[:, :-1], 1.0) - 1.0], axis=1)
        growth = np.where(rev[:, :1] > 0, growth, 0.0)
        rd = last_year(np.where(np.isfinite(st["rd_ratio"]), st["rd_ratio"], 0.3))
        age = np.maximum(self.age_y, 0.0)
        # recent penalties (last 24 months before each year end)
        pen_e, pen_day = self.penalty_days
        yend = _days(np.array([f"{y}-12-31" for y in self.years], dtype="datetime64[D]"))
        pen = np.zeros((n, ny))
        for j, d in enumerate(yend):
            hit = (pen_day <= d) & (pen_day > d - 730)
            np.add.at(pen[:, j], pen_e[hit], 1.0)
        score = (
            -6.2
            + 3.0 * np.maximum(lev - 0.55, 0) + 5.0 * np.maximum(lev - 0.85, 0)
            - 1.6 * np.tanh(6.0 * margin)
            + 1.1 * np.clip(-growth, 0, 1)
            - 0.35 * np.minimum(rd / 0.05, 1.0) + 2.0 * np.maximum(rd - 0.25, 0)
            + 0.9 * np.exp(-age / 3.0)
            - 0.12 * (np.log10(rev + 1e5) - 7.0)
            - 0.25 * self.iota[:, None]
            - 0.25 * self.holds_ht
            + 1.6 * ((lev > 0.7) & (margin < 0))
            + 1.0 * ((age < 3) & ~self.equity_3y)
            + 0.35 * np.minimum(pen, 3)
            + 0.25 * self.u[:, None]  # frailty: never in the input tables (penalties hint at it)
            + 0.25 * self.hunger[:, None]
            + 0.15 * rng.standard_normal((n, ny))  # yearly shocks: never in the input tables
        )
        self.score_y = score.astype(np.float32)
        self.cyc = np.array([i["cyclical"] for i in self.province["industries"]], dtype=np.float32)[self.industry]

    def hazard_months(self, rows: np.ndarray) -> np.ndarray:
        """Monthly hazards of the given enterprises over ``self.month_ends`` (len(rows) x months)."""
        me = self.month_ends
        year_idx = np.clip(me.year.to_numpy() - self.y0, 0, len(self.years) - 1)
        t = me.year.to_numpy() + (me.month.to_numpy() - 0.5) / 12.0
        macro = self._macro(t).astype(np.float32)
        # the cycle moves everyone, cyclical industries a little more
        logit = self.score_y[rows][:, year_idx] + macro[None, :] * (0.15 + 0.06 * (self.cyc[rows][:, None] - 1.0))
        return _sigmoid(logit).astype(np.float32)

    def failures(self) -> None:
        """Draw each enterprise's failure date from its hazard (months in the loan window)."""
        rng, n = self.rng["haz"], self.n
        n_months = self._n_months()
        fail_day = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        alive = np.ones(n, dtype=bool)
        chunk = 200_000
        month_starts = self.me_days - self.month_ends.days_in_month.to_numpy() + 1
        for lo in range(0, n, chunk):
            rows = np.arange(lo, min(n, lo + chunk))
            h = self.hazard_months(rows)[:, :n_months]
            draws = rng.random(h.shape, dtype=np.float32)
            exists = self.founded[rows][:, None] <= self.me_days[None, :n_months]
            hit = (draws < h) & exists
            first = np.where(hit.any(axis=1), hit.argmax(axis=1), -1)
            has = first >= 0
            ms = month_starts[first[has]]
            span = self.month_ends.days_in_month.to_numpy()[first[has]]
            fail_day[rows[has]] = ms + (rng.random(has.sum()) * span).astype(np.int64)
            alive[rows[has]] = False
        self.fail_day = fail_day
        self.fail_year = np.where(alive, 9999, pd.Series(_dates(np.where(alive, 0, fail_day))).dt.year.to_numpy())

    def loans(self) -> pd.DataFrame:
        rng, n, prov = self.rng["loan"], self.n, self.province
        banks = prov["banks"]
        window_end = np.minimum(self.extract_day, self.fail_day)
        window_start = np.maximum(self.start_day, self.founded + 180)
        months = np.maximum(window_end - window_start, 0) / 30.44
        size = np.clip(self.log_size - np.log(2.5e7), -3, 4)
        rate = np.exp(-3.3 + 0.35 * size + 0.45 * self.hunger + 0.2 * self.q)
        borrower = rng.random(n) < _sigmoid(0.2 + 0.5 * size + 0.6 * self.hunger)
        k = np.where(borrower, rng.poisson(rate * months), 0)
        e = np.repeat(np.arange(n), k)
        m = len(e)
        orig = window_start[e] + (rng.random(m) * np.maximum(window_end[e] - window_start[e], 1)).astype(np.int64)
        keep = orig < window_end[e]
        e, orig = e[keep], orig[keep]
        m = len(e)
        primary = _choice(rng, n, [b["share"] for b in banks])
        other = _choice(rng, m, [b["share"] for b in banks])
        bank_i = np.where(rng.random(m) < 0.3 + 0.1 * np.clip(self.hunger[e], -2, 2), other, primary[e])
        products = [b["products"] for b in banks]
        product = self._vector_pick(rng, bank_i, products)
        tenor = np.array([12, 24, 36])[_choice(rng, m, [0.55, 0.27, 0.18])]
        maturity = _days((_dates(orig).astype("datetime64[M]") + tenor).astype("datetime64[D]")) + \
            (orig - _days(_dates(orig).astype("datetime64[M]").astype("datetime64[D]")))
        maturity = np.maximum(maturity, orig + 28)
        # enterprise's revenue in the year of origination sizes the loan
        year = pd.Series(_dates(orig)).dt.year.to_numpy()
        jy = np.clip(year - self.y0, 0, len(self.years) - 1)
        rev = self.state["revenue"][e, jy]
        amount = np.where(rev > 0, rev * rng.uniform(0.04, 0.25, m), np.exp(np.log(1e6) + 0.6 * rng.standard_normal(m)))
        amount = np.clip(np.round(amount, -4), 1e5, 5e7)
        lpr = self._lpr(orig)
        seen_risk = self.score_y[e, jy] - 0.45 * self.u[e]  # banks see part of the risk
        spread = np.clip(0.4 + 0.35 * (seen_risk + 6.0) + 0.4 * rng.standard_normal(m), -0.4, 5.0)
        rate_pct = np.round(np.clip(lpr + spread, 1.5, 12.0), 2)
        coll = np.array(["none", "guarantee", "property", "ip_pledge", "equity_pledge", "receivables", "mixed"],
                        dtype=object)[_choice(rng, m, [0.32, 0.22, 0.2, 0.08, 0.03, 0.1, 0.05])]
        failed = self.fail_day[e]
        early = orig + ((maturity - orig) * rng.uniform(0.3, 0.95, m)).astype(np.int64)
        early_ok = rng.random(m) < 0.08
        end_contract = np.where(early_ok, early, maturity)
        defaulted = (failed >= orig) & (failed < end_contract)
        repaid_day = np.where(defaulted, -1, end_contract)
        repaid_ok = ~defaulted & (repaid_day <= self.extract_day)
        order = np.lexsort((orig, e))
        frame = pd.DataFrame({
            "enterprise_id": self.ids[e],
            "bank": np.array([b["code"] for b in banks], dtype=object)[bank_i],
            "product": product,
            "amount": amount,
            "rate": rate_pct,
            "signed_on": _dates(orig - self.rng["loan_contract"].integers(0, CONTRACT_LEAD_DAYS + 1, m)),
            "originated_on": _dates(orig),
            "maturity_on": _dates(maturity),
            "collateral": coll,
            "defaulted_on": pd.Series(_dates(np.where(defaulted, failed, 0))).where(defaulted),
            "repaid_on": pd.Series(_dates(np.maximum(repaid_day, 0))).where(repaid_ok),
        }).iloc[order].reset_index(drop=True)
        frame.insert(0, "loan_id", _ids("LN", len(frame), 10))
        self.loan_e = e[order]
        self.loan_orig, self.loan_end = orig[order], np.where(defaulted, failed, end_contract)[order]
        return frame

    def _lpr(self, days: np.ndarray) -> np.ndarray:
        """The one-year LPR on each day (the loans here run up to 3 years, which price off the one-year
        rate); before the first published rate, the first."""
        rates = self.policy.lpr(_dates(days), "one_year")
        return np.where(np.isnan(rates), self.policy.lpr_rates["one_year"][0], rates)

    def truth(self, loans: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """True PDs of every loan-month, and each enterprise's latent traits."""
        n_months = self._n_months()
        me = self.me_days[:n_months]
        # month-end index range during which each loan is outstanding: orig <= D < end
        first = np.searchsorted(me, self.loan_orig, side="left")
        last = np.searchsorted(me, np.minimum(self.loan_end, self.extract_day + 1), side="left")
        count = np.maximum(last - first, 0)
        li = np.repeat(np.arange(len(loans)), count)
        offs = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        mi = first[li] + offs
        borrowers, inv = np.unique(self.loan_e, return_inverse=True)
        pd1 = np.empty(len(li), dtype=np.float32)
        pd12 = np.empty(len(li), dtype=np.float32)
        chunk = 100_000
        for lo in range(0, len(borrowers), chunk):
            b = borrowers[lo:lo + chunk]
            h = self.hazard_months(b).astype(np.float64)
            logs = np.concatenate([np.zeros((len(b), 1)), np.cumsum(np.log1p(-h), axis=1)], axis=1)
            sel = (inv[li] >= lo) & (inv[li] < lo + chunk)
            r, c = inv[li][sel] - lo, mi[sel]
            pd1[sel] = h[r, c + 1]
            pd12[sel] = 1.0 - np.exp(logs[r, c + 13] - logs[r, c + 1])
        loan_months = pd.DataFrame({
            "loan_id": loans["loan_id"].to_numpy()[li],
            "enterprise_id": self.ids[self.loan_e[li]],
            "month_end": self.month_ends[:n_months].to_numpy()[mi].astype("datetime64[s]"),
            "pd_1m": pd1,
            "pd_12m": pd12,
        })
        failed = self.fail_day < np.iinfo(np.int64).max
        latent = pd.DataFrame({
            "enterprise_id": self.ids,
            "quality": self.q.astype(np.float32),
            "innovation": self.iota.astype(np.float32),
            "frailty": self.u.astype(np.float32),
            "credit_hunger": self.hunger.astype(np.float32),
            "failed_on": pd.Series(_dates(np.where(failed, self.fail_day, 0))).where(failed),
        })
        return {"loan_months": loan_months, "enterprises": latent}


def _stream(spec: SynthSpec, province: dict | None, certifications: dict | None
            ) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """Yield ``("input" | "truth", name, frame)`` one table at a time, so that a caller can
    write each and let it go (a province of 10^6 enterprises does not fit twice in memory)."""
    province = province or load_yaml("synthetic/province.yaml")
    certifications = certifications or load_certification_rules()
    gen = _Province(spec, province, certifications)
    enterprises = gen.enterprises()
    gen.yearly_state()
    equity = gen.equity_rounds()
    enterprises["valuation"] = gen.valuation
    yield "input", "enterprises", _conform("enterprises", enterprises)
    del enterprises
    yield "input", "equity_rounds", _conform("equity_rounds", equity)
    del equity
    penalties = gen.penalties()
    yield "input", "penalties", _conform("penalties", penalties)
    del penalties
    gen.fail_year = np.full(gen.n, 9999)
    certs = gen.certifications()  # certificates lower the risk: decide them before the hazard
    gen.hazard()
    gen.failures()
    # a failed enterprise gets no certificate afterwards
    fail_day = gen.fail_day[_index_of(gen.ids, certs["enterprise_id"].to_numpy())]
    keep_cert = _days(certs["issued_on"].to_numpy()) <= fail_day
    yield "input", "certifications", _conform("certifications", certs[keep_cert])
    del certs, keep_cert, fail_day
    yield "input", "financials", _conform("financials", gen.financials())
    gen.drop_state(keep=("revenue",))
    yield "input", "ip_rights", _conform("ip_rights", gen.ip_rights())
    yield "input", "projects", _conform("projects", gen.projects())
    yield "input", "awards", _conform("awards", gen.awards())
    yield "input", "insurance_policies", _conform("insurance_policies", gen.insurance_policies())
    loans = _conform("loans", gen.loans())
    yield "input", "loans", loans
    gen.drop_state(keep=())
    truth = gen.truth(loans)
    del loans
    for name in list(truth):
        yield "truth", name, truth.pop(name)


def generate(spec: SynthSpec, province: dict | None = None, certifications: dict | None = None
             ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Generate the ten input tables and the ground truth, in memory.

    Returns ``(tables, truth)``: ``tables`` in the contract's order; ``truth`` holds
    ``loan_months`` (true PDs of every loan-month) and ``enterprises`` (latent traits).
    """
    tables: dict[str, pd.DataFrame] = {}
    truth: dict[str, pd.DataFrame] = {}
    for kind, name, frame in _stream(spec, province, certifications):
        (tables if kind == "input" else truth)[name] = frame
    return {name: tables[name] for name in TABLES}, truth


def _index_of(ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    order = np.argsort(ids, kind="stable")
    return order[np.searchsorted(ids, values, sorter=order)]


def _conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in contract order and dtype."""
    out = {}
    for col in TABLES[name].columns:
        s = frame[col.name] if col.name in frame else pd.Series(None, index=frame.index, dtype=object)
        out[col.name] = s.astype(DTYPES[col.kind])
    return pd.DataFrame(out).reset_index(drop=True)


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = []
    arrays = []
    for f, arr in zip(table.schema, table.columns):
        if pa.types.is_timestamp(f.type):
            arr = arr.cast(pa.date32())
            f = pa.field(f.name, pa.date32())
        fields.append(f)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(_to_arrow(frame).replace_schema_metadata(None), path, compression="zstd")
    else:
        frame.to_csv(path, index=False, date_format="%Y-%m-%d", encoding="utf-8")


def truth_dir_for(out: Path) -> Path:
    """The default ground-truth folder: beside the data folder, named ``<name>_truth``."""
    out = Path(out)
    return out.parent / f"{out.name}_truth"


_TRUTH_README = """Ground truth of a synthetic province (the input folder beside this one); not an input table.
loan_months: the true probability that the loan's enterprise defaults in the next month (pd_1m)
and in the next 12 months (pd_12m), at every month-end at which the loan is outstanding.
enterprises: latent traits (the frailty is never visible in the input tables) and failure date.
"""


def _write_all(items: Iterator[tuple[str, str, pd.DataFrame]], spec: SynthSpec, out: Path,
               truth_dir: Path | None, fmt: str) -> tuple[Path, Path]:
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"format must be parquet or csv; got {fmt!r}")
    out = Path(out)
    truth_dir = Path(truth_dir) if truth_dir is not None else truth_dir_for(out)
    if truth_dir.resolve() == out.resolve() or out.resolve() in truth_dir.resolve().parents:
        raise ValueError(f"the ground truth must not be inside the input folder: {truth_dir}")
    meta = {  # nothing here depends on where or when it is written: same seed, same bytes
        "extracted_on": spec.extracted_on.isoformat(),
        "generator": "innoscore synth",
        "seed": spec.seed,
        "enterprises": spec.enterprises,
        "start": spec.start,
        "end": spec.end,
    }
    # both folders appear together, or neither changes
    with atomic_dir(out) as tmp_in, atomic_dir(truth_dir) as tmp_truth:
        for kind, name, frame in items:
            if kind == "input":
                _write_frame(frame, tmp_in / f"{name}.{fmt}", fmt)
            else:
                _write_frame(frame, tmp_truth / f"{name}.parquet", "parquet")
            del frame
        (tmp_in / "dataset.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False),
                                             encoding="utf-8")
        (tmp_truth / "README.md").write_text(_TRUTH_README, encoding="utf-8")
    return out, truth_dir


def write(tables: dict[str, pd.DataFrame], truth: dict[str, pd.DataFrame], spec: SynthSpec, out: Path,
          truth_dir: Path | None = None, fmt: str = "parquet") -> tuple[Path, Path]:
    """Write generated tables to ``out`` and the ground truth to ``truth_dir`` (default
    :func:`truth_dir_for`), replacing both folders atomically."""
    items = [("input", k, v) for k, v in tables.items()] + [("truth", k, v) for k, v in truth.items()]
    return _write_all(iter(items), spec, out, truth_dir, fmt)


def synthesize(spec: SynthSpec, out: Path, truth_dir: Path | None = None, fmt: str = "parquet",
               province: dict | None = None, certifications: dict | None = None) -> tuple[Path, Path]:
    """Generate a synthetic province and write it, one table at a time."""
    return _write_all(_stream(spec, province, certifications), spec, out, truth_dir, fmt)
