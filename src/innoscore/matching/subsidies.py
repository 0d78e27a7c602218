"""Policy subsidies of the work plan (二(一)1-4), each rate and cap from ``features/policy.yaml``.

Each function returns the eligible enterprises with the amount and the rule that produced it, for
the events of a period (by default the calendar year up to the as-of date): one row per payment,
columns :data:`SUBSIDY_COLUMNS`.

* ``unicorn_interest``: 独角兽 / 潜在独角兽 interest subsidy on new medium and long-term loans;
* ``neeq_listing``: NEEQ basic / innovation tier listing, and the first equity raise after it;
* ``equity_exchange_listing``: Hebei equity exchange main board listing;
* ``equity_fund_reward``: equity funds holding an investment of 3,000万 or more for two years;
* ``first_set_insurance``: 首台(套) equipment insurance premiums.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from innoscore.certification_rules import load_certification_rules
from innoscore.config import config_dir, is_finite_number, load_yaml
from innoscore.data.contract import CERTIFICATION_KINDS, INVESTOR_KINDS, LISTING_STATUSES
from innoscore.indicators.certifications import expiry
from innoscore.matching.fields import listing_status_on
from innoscore.policy import BY_TERM, DEFAULT_POLICY, LONG_TERM_YEARS, Policy, PolicyConfigError, parse_policy

__all__ = ["SubsidyConfig", "load_subsidies", "parse_subsidies", "subsidies", "unicorn_interest", "neeq_listing",
           "equity_exchange_listing", "equity_fund_reward", "first_set_insurance", "SUBSIDY_COLUMNS", "SUBSIDIES"]

SUBSIDY_COLUMNS = ["subsidy", "enterprise_id", "beneficiary", "event", "event_on", "base", "amount", "rule_en",
                   "rule_zh"]
SUBSIDIES = {
    "unicorn_interest": ("独角兽企业贷款贴息", "unicorn interest subsidy"),
    "neeq_listing": ("新三板挂牌补助", "NEEQ listing subsidy"),
    "neeq_first_raise": ("新三板首次股权融资补助", "NEEQ first-raise bonus"),
    "equity_exchange_listing": ("河北股权交易所挂牌补助", "equity exchange listing subsidy"),
    "equity_fund_reward": ("股权投资基金奖励", "equity fund investment reward"),
    "first_set_insurance": ("首台(套)保险保费补贴", "first-set insurance premium subsidy"),
}


@dataclass(frozen=True)
class SubsidyConfig:
    policy: Policy  # the LPR table and the unicorn subsidy
    neeq: dict
    exchange: dict
    fund: dict
    insurance: dict
    source: str = "<memory>"


def _num(raw: dict, key: str, where: str, lo: float = 0.0, hi: float = math.inf, integer: bool = False) -> float:
    v = raw.get(key)
    ok = is_finite_number(v) and lo < v <= hi and (not integer or float(v).is_integer())
    if not ok:
        raise PolicyConfigError(f"{where}: {key} must be a number in ({lo:g}, {hi:g}]; got {v!r}")
    return float(v)


def _codes(raw: dict, key: str, where: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
    v = raw.get(key)
    if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
        raise PolicyConfigError(f"{where}: {key} must be a non-empty list; got {v!r}")
    if allowed is not None and any(x not in allowed for x in v):
        bad = [x for x in v if x not in allowed]
        raise PolicyConfigError(f"{where}: {key}: unknown {', '.join(bad)}; expected some of {', '.join(allowed)}")
    return tuple(v)


def _section(doc: dict, name: str, keys: tuple[str, ...], source: str) -> tuple[dict, str]:
    raw = doc.get(name)
    where = f"{source}: {name}"
    if not isinstance(raw, dict) or set(raw) != set(keys):
        raise PolicyConfigError(f"{where}: expected the keys {', '.join(keys)}; got {raw!r}")
    return raw, where


def parse_subsidies(doc: Any, source: str = "<memory>") -> SubsidyConfig:
    """Check the subsidy sections of a policy document (the parsed YAML)."""
    policy = parse_policy(doc, source)
    raw, w = _section(doc, "neeq_listing_subsidy", ("statuses", "one_off", "first_raise_share", "first_raise_cap"),
                      source)
    neeq = {"statuses": _codes(raw, "statuses", w, LISTING_STATUSES), "one_off": _num(raw, "one_off", w),
            "first_raise_share": _num(raw, "first_raise_share", w, hi=1.0),
            "first_raise_cap": _num(raw, "first_raise_cap", w)}
    raw, w = _section(doc, "equity_exchange_listing_subsidy", ("statuses", "one_off", "certifications",
                                                                "manufacturing_industries", "poverty_counties"), source)
    exchange = {"statuses": _codes(raw, "statuses", w, LISTING_STATUSES), "one_off": _num(raw, "one_off", w),
                "certifications": _codes(raw, "certifications", w, CERTIFICATION_KINDS),
                "manufacturing_industries": _codes(raw, "manufacturing_industries", w),
                "poverty_counties": _codes(raw, "poverty_counties", w)}
    raw, w = _section(doc, "equity_fund_reward", ("min_investment", "min_years", "share", "cap", "fund_kinds",
                                                   "guidance_fund_kinds"), source)
    fund = {"min_investment": _num(raw, "min_investment", w), "min_years": _num(raw, "min_years", w, integer=True),
            "share": _num(raw, "share", w, hi=1.0), "cap": _num(raw, "cap", w),
            "fund_kinds": _codes(raw, "fund_kinds", w, INVESTOR_KINDS),
            "guidance_fund_kinds": _codes(raw, "guidance_fund_kinds", w, INVESTOR_KINDS)}
    raw, w = _section(doc, "first_set_insurance_subsidy", ("premium_share", "max_rate", "max_years"), source)
    insurance = {"premium_share": _num(raw, "premium_share", w, hi=1.0), "max_rate": _num(raw, "max_rate", w, hi=1.0),
                 "max_years": _num(raw, "max_years", w, integer=True)}
    return SubsidyConfig(policy, neeq, exchange, fund, insurance, source)


def load_subsidies(path: str | Path | None = None) -> SubsidyConfig:
    """Load and check the subsidy sections of ``features/policy.yaml`` (or another file)."""
    rel = Path(path) if path is not None else Path(DEFAULT_POLICY)
    source = str(rel if rel.is_absolute() else config_dir() / rel)
    return parse_subsidies(load_yaml(rel), source)


# ----------------------------------------------------------------------------- helpers


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("base", "amount") else
                                      "datetime64[s]" if c == "event_on" else object) for c in SUBSIDY_COLUMNS})


def _frame(kind: str, ent, beneficiary, event, on, base, amount, rule_en, rule_zh) -> pd.DataFrame:
    n = len(amount)
    events = np.full(n, event, dtype=object) if isinstance(event, str) else np.asarray(event, dtype=object)
    return pd.DataFrame({"subsidy": np.full(n, kind, dtype=object), "enterprise_id": np.asarray(ent, dtype=object),
                         "beneficiary": np.asarray(beneficiary, dtype=object), "event": events,
                         "event_on": pd.to_datetime(pd.Series(on).reset_index(drop=True)).astype("datetime64[s]"),
                         "base": np.asarray(base, dtype="float64"), "amount": np.round(np.asarray(amount, "float64"), 2),
                         "rule_en": list(rule_en), "rule_zh": list(rule_zh)})


def _add_years(dates: pd.Series, years: float) -> pd.Series:
    """The same calendar day ``years`` later (whole months for a fraction of a year; a day the month
    lacks goes to its last day, 29 February to 28 February); empty stays empty."""
    d = pd.to_datetime(dates)
    months = int(round(years * 12))
    out = pd.Series(pd.NaT, index=d.index, dtype="datetime64[ns]")
    ok = d.notna()
    out[ok] = (d[ok] + pd.DateOffset(months=months)).astype("datetime64[ns]")
    return out


def _in(dates: pd.Series, since: pd.Timestamp, until: pd.Timestamp) -> np.ndarray:
    return ((dates >= since) & (dates <= until)).fillna(False).to_numpy(bool)


def _yuan(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".")


# ----------------------------------------------------------------------------- the subsidies


def unicorn_interest(tables: Mapping[str, pd.DataFrame], since: pd.Timestamp, until: pd.Timestamp,
                     cfg: SubsidyConfig) -> pd.DataFrame:
    """二(一)2: for an enterprise founded at most 10 years before the contract, backed by private equity
    before it, unlisted on the signing date and valued at USD 500M or more, a one-year subsidy of 30% of
    the LPR (on the contract's signing date) on each new medium or long-term loan, at most 3,000万 per
    calendar year.  The valuation is the enterprises table's latest one (it keeps no history)."""
    u = cfg.policy.unicorn
    loans, ent = tables.get("loans"), tables["enterprises"]
    if loans is None or not len(loans):
        return _empty()
    signed = loans["signed_on"].fillna(loans["originated_on"]) if "signed_on" in loans else loans["originated_on"]
    year_start = pd.Timestamp(since.year, 1, 1)  # earlier loans of the year count towards the cap
    term_long = (loans["maturity_on"] > _add_years(signed, u.min_loan_years)).fillna(False).to_numpy(bool)
    sel = _in(signed, year_start, until) & term_long
    cand = loans[sel].assign(signed=signed[sel])
    info = ent.set_index("enterprise_id").reindex(cand["enterprise_id"])
    young = (_add_years(info["founded_on"].reset_index(drop=True), u.max_years_since_founding).to_numpy()
             >= cand["signed"].to_numpy())
    at_signing = listing_status_on(info.reset_index(drop=True), cand["signed"].reset_index(drop=True))
    unlisted = at_signing.isin(u.unlisted_statuses).to_numpy(bool)
    valuation = info["valuation"] if "valuation" in info else pd.Series(np.nan, index=info.index)
    valued = (valuation >= u.min_valuation_yuan).fillna(False).to_numpy(bool)
    rounds = tables.get("equity_rounds")
    backed = np.zeros(len(cand), dtype=bool)
    if rounds is not None and len(rounds):
        pe = rounds[rounds["investor_kind"].isin(u.private_equity_kinds)]
        first_pe = pe.groupby("enterprise_id")["closed_on"].min()
        backed = (first_pe.reindex(cand["enterprise_id"]).to_numpy() <= cand["signed"].to_numpy())
    cand = cand[young & unlisted & valued & backed]
    if not len(cand):
        return _empty()
    days = cand["signed"].dt.date.to_numpy()
    term = ((cand["maturity_on"] - cand["signed"]).dt.days / 365.25).to_numpy("float64")
    rate = cfg.policy.unicorn_subsidy_rate(days, term) / 100.0  # share x LPR, a fraction
    tenor = np.where(term > LONG_TERM_YEARS, "five_year", "one_year") if u.lpr_tenor == BY_TERM else \
        np.full(len(cand), u.lpr_tenor)
    lpr = np.where(tenor == "five_year", cfg.policy.lpr(days, "five_year"), cfg.policy.lpr(days, "one_year"))
    known = ~np.isnan(rate)  # no LPR before the first published one (2019-08-20)
    cand, rate, tenor, lpr = cand[known], rate[known], tenor[known], lpr[known]
    raw = cand["amount"].to_numpy("float64") * rate
    cand = cand.assign(raw=raw, lpr=lpr, tenor=tenor, year=cand["signed"].dt.year).sort_values(
        ["enterprise_id", "signed", "loan_id"], kind="stable")
    before = cand.groupby(["enterprise_id", "year"])["raw"].cumsum() - cand["raw"]
    paid = np.clip(u.max_per_year - before.to_numpy(), 0.0, cand["raw"].to_numpy())
    cand = cand.assign(paid=paid)
    cand = cand[_in(cand["signed"], since, until)]
    share = f"{u.share_of_lpr:.0%}"
    rows = list(zip(cand["lpr"], cand["tenor"], cand["signed"], cand["amount"], cand["raw"], cand["paid"]))
    en = [f"{share} x {t.replace('_', '-')} LPR {r:.2f}% on {d.date()} x {_yuan(a)} = {_yuan(x)}"
          + (f", capped at {_yuan(u.max_per_year)} a year" if p < x else "") for r, t, d, a, x, p in rows]
    zh = [f"合同签订日{d.date()} {'5年期以上' if t == 'five_year' else '1年期'}LPR {r:.2f}% × {share} × 贷款{_yuan(a)}元 = "
          f"{_yuan(x)}元" + (f"，每年最高{_yuan(u.max_per_year)}元" if p < x else "") for r, t, d, a, x, p in rows]
    return _frame("unicorn_interest", cand["enterprise_id"], cand["enterprise_id"],
                  [f"loan {i}" for i in cand["loan_id"]], cand["signed"], cand["amount"], cand["paid"], en, zh)


def neeq_listing(tables: Mapping[str, pd.DataFrame], since: pd.Timestamp, until: pd.Timestamp,
                 cfg: SubsidyConfig) -> pd.DataFrame:
    """二(一)3: a one-off 10万 for listing on the NEEQ basic or innovation tier; the first equity raise
    after the listing earns 1% of its amount, at most 50万.  ``listed_on`` is the date the current
    status began: a move between the two tiers within the period would count as a new listing (the
    table keeps no listing history)."""
    c = cfg.neeq
    ent = tables["enterprises"]
    if "listed_on" not in ent:
        return _empty()
    listed = ent[ent["listing_status"].isin(c["statuses"]) & ent["listed_on"].notna() & (ent["listed_on"] <= until)]
    parts = []
    now = listed[_in(listed["listed_on"], since, until)]
    if len(now):
        amt = np.full(len(now), c["one_off"])
        parts.append(_frame("neeq_listing", now["enterprise_id"], now["enterprise_id"], "listing", now["listed_on"],
                            amt, amt, [f"one-off {_yuan(c['one_off'])} for the NEEQ listing"] * len(now),
                            [f"新三板挂牌一次性补助{_yuan(c['one_off'])}元"] * len(now)))
    rounds = tables.get("equity_rounds")
    if rounds is not None and len(rounds) and len(listed):
        r = rounds.merge(listed[["enterprise_id", "listed_on"]], on="enterprise_id")
        r = r[r["closed_on"] > r["listed_on"]].sort_values(["enterprise_id", "closed_on", "round_id"], kind="stable")
        first = r.drop_duplicates("enterprise_id")
        first = first[_in(first["closed_on"], since, until)]
        if len(first):
            raw = first["amount"].to_numpy("float64") * c["first_raise_share"]
            amt = np.minimum(raw, c["first_raise_cap"])
            pct = f"{c['first_raise_share']:.0%}"
            en = [f"{pct} x first raise {_yuan(a)} = {_yuan(x)}" + (f", capped at {_yuan(c['first_raise_cap'])}"
                                                                     if x > c["first_raise_cap"] else "")
                  for a, x in zip(first["amount"], raw)]
            zh = [f"挂牌后首次股权融资{_yuan(a)}元 × {pct} = {_yuan(x)}元" + (f"，最高{_yuan(c['first_raise_cap'])}元"
                                                                        if x > c["first_raise_cap"] else "")
                  for a, x in zip(first["amount"], raw)]
            parts.append(_frame("neeq_first_raise", first["enterprise_id"], first["enterprise_id"],
                                [f"round {i}" for i in first["round_id"]], first["closed_on"], first["amount"], amt,
                                en, zh))
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def _held_on(certs: pd.DataFrame | None, ids: pd.Series, days: pd.Series, kinds: tuple[str, ...]) -> np.ndarray:
    """Whether each (enterprise, day) held a valid certificate of one of ``kinds`` that day."""
    if certs is None or not len(certs):
        return np.zeros(len(ids), dtype=bool)
    c = certs[certs["kind"].isin(kinds)]
    c = c.assign(ends=expiry(c, load_certification_rules()["validity_years"]))
    q = pd.DataFrame({"enterprise_id": ids.to_numpy(), "day": days.to_numpy(), "i": np.arange(len(ids))})
    m = q.merge(c[["enterprise_id", "issued_on", "ends"]], on="enterprise_id")
    hit = m[(m["issued_on"] <= m["day"]) & (m["day"] < m["ends"])]["i"].unique()
    out = np.zeros(len(ids), dtype=bool)
    out[hit] = True
    return out


def equity_exchange_listing(tables: Mapping[str, pd.DataFrame], since: pd.Timestamp, until: pd.Timestamp,
                            cfg: SubsidyConfig) -> pd.DataFrame:
    """二(一)3: a one-off 5万 for listing on the Hebei equity exchange's main board, for a 高新技术企业 or
    科技型中小企业 (valid on the listing date) or a manufacturer registered in a county lifted out of poverty."""
    c = cfg.exchange
    ent = tables["enterprises"]
    if "listed_on" not in ent:
        return _empty()
    now = ent[ent["listing_status"].isin(c["statuses"]) & _in(ent["listed_on"], since, until)]
    if not len(now):
        return _empty()
    certified = _held_on(tables.get("certifications"), now["enterprise_id"], now["listed_on"], c["certifications"])
    county = now["county"] if "county" in now else pd.Series(None, index=now.index)
    poor_maker = (now["industry"].isin(c["manufacturing_industries"]) & county.isin(c["poverty_counties"])).to_numpy()
    ok = certified | poor_maker
    now = now[ok]
    why_en = np.where(certified[ok], "certified high-tech enterprise or technology SME",
                      "manufacturer registered in a county lifted out of poverty")
    why_zh = np.where(certified[ok], "高新技术企业或科技型中小企业", "脱贫县注册的制造业企业")
    amt = np.full(len(now), c["one_off"])
    return _frame("equity_exchange_listing", now["enterprise_id"], now["enterprise_id"], "listing", now["listed_on"],
                  amt, amt, [f"one-off {_yuan(c['one_off'])} for the equity exchange listing ({w})" for w in why_en],
                  [f"河北股权交易所挂牌一次性补助{_yuan(c['one_off'])}元（{w}）" for w in why_zh])


def equity_fund_reward(tables: Mapping[str, pd.DataFrame], since: pd.Timestamp, until: pd.Timestamp,
                       cfg: SubsidyConfig) -> pd.DataFrame:
    """二(一)4: a fund's investment of 3,000万 or more (one round it led: the contract records the round,
    not each fund's ticket) still held two years later earns, on that anniversary, 1% of the amount
    net of the government guidance fund's share, at most 2,000万.  A guidance fund's round without a
    recorded share counts as the guidance fund's own money; another fund's, as having none."""
    c = cfg.fund
    rounds = tables.get("equity_rounds")
    if rounds is None or not len(rounds):
        return _empty()
    r = rounds[rounds["investor_kind"].isin(c["fund_kinds"]) & (rounds["amount"] >= c["min_investment"])]
    if "investor" in r:
        r = r[r["investor"].notna()]  # nobody to pay
    else:
        return _empty()
    due = _add_years(r["closed_on"].reset_index(drop=True), c["min_years"]).set_axis(r.index)
    held = due.notna()
    if "exited_on" in r:
        held &= ~(r["exited_on"] < due).fillna(False)
    ok = held.to_numpy(bool) & _in(due, since, until)
    r, due = r[ok], due[ok]
    if not len(r):
        return _empty()
    g = r["guidance_fund_share"] if "guidance_fund_share" in r else pd.Series(np.nan, index=r.index)
    g = g.fillna(pd.Series(np.where(r["investor_kind"].isin(c["guidance_fund_kinds"]), 1.0, 0.0), index=r.index))
    net = r["amount"].to_numpy("float64") * (1.0 - g.to_numpy("float64"))
    raw = net * c["share"]
    amt = np.minimum(raw, c["cap"])
    keep = amt > 0
    r, due, g, net, raw, amt = r[keep], due[keep], g[keep], net[keep], raw[keep], amt[keep]
    pct = f"{c['share']:.0%}"
    en = [f"{pct} x ({_yuan(a)} less the guidance fund's {s:.0%}) = {_yuan(x)}"
          + (f", capped at {_yuan(c['cap'])}" if x > c["cap"] else "") for a, s, x in zip(r["amount"], g, raw)]
    zh = [f"投资额{_yuan(a)}元扣除政府引导基金{s:.0%}后 × {pct} = {_yuan(x)}元"
          + (f"，最高{_yuan(c['cap'])}元" if x > c["cap"] else "") for a, s, x in zip(r["amount"], g, raw)]
    return _frame("equity_fund_reward", r["enterprise_id"], r["investor"],
                  [f"round {i} held {c['min_years']:g} years" for i in r["round_id"]], due, net, amt, en, zh)


def first_set_insurance(tables: Mapping[str, pd.DataFrame], since: pd.Timestamp, until: pd.Timestamp,
                        cfg: SubsidyConfig) -> pd.DataFrame:
    """二(一)1: 80% of a policy year's premium, the premium counted at a rate of at most 3% of the sum
    insured, for the first three policy years of each insured product."""
    c = cfg.insurance
    pol = tables.get("insurance_policies")
    if pol is None or not len(pol):
        return _empty()
    pol = pol.sort_values(["enterprise_id", "equipment", "starts_on", "policy_id"], kind="stable")
    year = pol.groupby(["enterprise_id", "equipment"]).cumcount() + 1
    pol = pol[(year <= c["max_years"]).to_numpy() & _in(pol["starts_on"], since, until)]
    if not len(pol):
        return _empty()
    ceiling = pol["insured_amount"].to_numpy("float64") * c["max_rate"]
    counted = np.minimum(pol["premium"].to_numpy("float64"), ceiling)
    amt = counted * c["premium_share"]
    pct, cap = f"{c['premium_share']:.0%}", f"{c['max_rate']:.0%}"
    en = [f"{pct} x premium {_yuan(p)}" + (f" counted at {cap} of {_yuan(s)} = {_yuan(k)}" if p > k else "")
          for p, s, k in zip(pol["premium"], pol["insured_amount"], counted)]
    zh = [f"保费{_yuan(p)}元" + (f"按费率上限{cap}计{_yuan(k)}元" if p > k else "") + f" × {pct}"
          for p, s, k in zip(pol["premium"], pol["insured_amount"], counted)]
    return _frame("first_set_insurance", pol["enterprise_id"], pol["enterprise_id"],
                  [f"policy {i}" for i in pol["policy_id"]], pol["starts_on"], counted, amt, en, zh)


def subsidies(tables: Mapping[str, pd.DataFrame], as_of: dt.date, cfg: SubsidyConfig | None = None,
              since: dt.date | None = None) -> pd.DataFrame:
    """Every subsidy for the events from ``since`` (default: 1 January of the as-of year) to ``as_of``."""
    cfg = cfg or load_subsidies()
    until = pd.Timestamp(as_of)
    start = pd.Timestamp(since) if since is not None else pd.Timestamp(until.year, 1, 1)
    parts = [f(tables, start, until, cfg) for f in (unicorn_interest, neeq_listing, equity_exchange_listing,
                                                    equity_fund_reward, first_set_insurance)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["subsidy", "event_on", "enterprise_id", "event"], kind="stable").reset_index(drop=True)
