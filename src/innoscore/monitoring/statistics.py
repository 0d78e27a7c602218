"""Programme statistics of the work plan (二(四)2, 三(三)): first-loan rate, loan-access rate, credit-loan
share, average rate, NPL ratio, new technology loans, evaluated projects pushed to banks; for the month,
the quarter and the year to date, for the province and by city, park and industry.

Definitions (all as known at the as-of date D, from the loans, projects and enterprises tables):

* ``enterprises``: technology enterprises existing at D (the run's population);
* ``new_loans``, ``new_loan_amount``: loans originated in the period, their number and principal;
* ``first_loans``: enterprises whose first loan ever was originated in the period; ``first_loan_rate``
  (首贷率): those over the enterprises that had never borrowed before the period began;
* ``loan_access_rate`` (获贷率): enterprises with a loan outstanding at D over all enterprises;
* ``credit_loan_share`` (信用贷款率): the share of the period's new principal lent without security
  (collateral ``none``);
* ``average_rate``: the period's new loans' interest rate, weighted by principal (percent);
* ``npl_ratio`` (不良贷款率): principal of loans in default at D and not yet at maturity over the principal
  of every loan then on the book (performing or in default); the data has no write-offs, so a defaulted
  loan leaves the book at its maturity;
* ``projects_assessed``: projects with an assessment in the period; ``projects_pushed``: those of
  enterprises that consent to share their data with at least one bank (they reach the banks).
"""

from __future__ import annotations

import datetime as dt
from typing import Mapping

import numpy as np
import pandas as pd

__all__ = ["programme_statistics", "METRICS", "PERIODS", "GROUPS", "period_starts"]

METRICS = ("enterprises", "new_loans", "new_loan_amount", "first_loans", "first_loan_rate", "loan_access_rate",
           "credit_loan_share", "average_rate", "npl_ratio", "projects_assessed", "projects_pushed")
PERIODS = ("month", "quarter", "year")
GROUPS = ("all", "city", "park", "industry")


def period_starts(as_of: dt.date) -> dict[str, pd.Timestamp]:
    """The first day of the month, the quarter and the year of ``as_of``."""
    q = (as_of.month - 1) // 3 * 3 + 1
    return {"month": pd.Timestamp(as_of.year, as_of.month, 1), "quarter": pd.Timestamp(as_of.year, q, 1),
            "year": pd.Timestamp(as_of.year, 1, 1)}


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype("float64")


def programme_statistics(tables: Mapping[str, pd.DataFrame], as_of: dt.date, enterprise_ids,
                         banks: set[str] | None = None, targets: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One row per (period, group_by, group, metric): ``value``, and ``target`` where the run definition
    sets one (for the province, the year to date).  ``enterprise_ids``: the population at ``as_of``;
    ``banks``: the owner codes that are banks (consent to one of them counts a project as pushed)."""
    day = pd.Timestamp(as_of)
    ent = tables["enterprises"].set_index("enterprise_id").reindex(pd.Index(enterprise_ids, name="enterprise_id"))
    base = pd.DataFrame(index=ent.index)
    for g in GROUPS[1:]:
        base[g] = ent[g].astype(object).where(ent[g].notna(), None) if g in ent else None
    loans = tables.get("loans")
    if loans is None:
        loans = pd.DataFrame(columns=["enterprise_id", "amount", "rate", "originated_on", "maturity_on",
                                      "collateral", "defaulted_on", "repaid_on"])
    loans = loans[loans["enterprise_id"].isin(base.index) & (loans["originated_on"] <= day)]
    first_loan = loans.groupby("enterprise_id")["originated_on"].min()
    repaid = loans["repaid_on"] if "repaid_on" in loans else pd.Series(pd.NaT, index=loans.index)
    defaulted = (loans["defaulted_on"] <= day).fillna(False)
    ended = pd.concat([repaid.where(repaid <= day), loans["maturity_on"].where(loans["maturity_on"] <= day),
                       loans["defaulted_on"].where(defaulted)], axis=1).min(axis=1)
    performing = ended.isna()
    in_default = defaulted & (loans["maturity_on"] > day)
    outstanding_ent = set(loans.loc[performing, "enterprise_id"])
    projects = tables.get("projects")
    consent = ent["consent_banks"].fillna("").astype(str) if "consent_banks" in ent else pd.Series("", index=ent.index)
    banks = set(banks or ())
    consents_bank = consent.map(lambda s: bool({c.strip() for c in s.split(";")} & banks))
    rows = []
    for period, start in period_starts(as_of).items():
        new = loans[loans["originated_on"] >= start]
        per_ent = pd.DataFrame(index=base.index)
        per_ent["enterprises"] = 1.0
        per_ent["new_loans"] = new.groupby("enterprise_id").size().reindex(base.index).fillna(0)
        per_ent["new_loan_amount"] = new.groupby("enterprise_id")["amount"].sum().reindex(base.index).fillna(0)
        per_ent["credit_amount"] = new[new["collateral"] == "none"].groupby("enterprise_id")["amount"].sum() \
            .reindex(base.index).fillna(0)
        per_ent["rate_x_amount"] = (new["rate"] * new["amount"]).groupby(new["enterprise_id"]).sum() \
            .reindex(base.index).fillna(0)
        first = first_loan.reindex(base.index)
        per_ent["first_loans"] = ((first >= start) & (first <= day)).astype(float)
        per_ent["never_before"] = (first.isna() | (first >= start)).astype(float)
        per_ent["with_loan"] = base.index.isin(list(outstanding_ent)).astype(float)
        per_ent["book"] = loans[performing | in_default].groupby("enterprise_id")["amount"].sum() \
            .reindex(base.index).fillna(0)
        per_ent["npl"] = loans[in_default].groupby("enterprise_id")["amount"].sum().reindex(base.index).fillna(0)
        if projects is not None and len(projects):
            p = projects[(projects["assessed_on"] >= start) & (projects["assessed_on"] <= day)]
            assessed = p.groupby("enterprise_id")["project_id"].nunique().reindex(base.index).fillna(0)
        else:
            assessed = pd.Series(0.0, index=base.index)
        per_ent["projects_assessed"] = assessed
        per_ent["projects_pushed"] = assessed.where(consents_bank.reindex(base.index).fillna(False).to_numpy(), 0.0)
        for group_by in GROUPS:
            keys = pd.Series("all", index=base.index) if group_by == "all" else base[group_by]
            sums = per_ent.groupby(keys.to_numpy(), dropna=True).sum()
            values = pd.DataFrame(index=sums.index)
            for m in ("enterprises", "new_loans", "new_loan_amount", "first_loans", "projects_assessed",
                      "projects_pushed"):
                values[m] = sums[m]
            values["first_loan_rate"] = _ratio(sums["first_loans"], sums["never_before"])
            values["loan_access_rate"] = _ratio(sums["with_loan"], sums["enterprises"])
            values["credit_loan_share"] = _ratio(sums["credit_amount"], sums["new_loan_amount"])
            values["average_rate"] = _ratio(sums["rate_x_amount"], sums["new_loan_amount"])
            values["npl_ratio"] = _ratio(sums["npl"], sums["book"])
            long = values[list(METRICS)].stack(future_stack=True).rename("value").reset_index()
            long.columns = ["group", "metric", "value"]
            long.insert(0, "group_by", group_by)
            long.insert(0, "period_end", day)
            long.insert(0, "period_start", start)
            long.insert(0, "period", period)
            rows.append(long)
    out = pd.concat(rows, ignore_index=True)
    out["group"] = out["group"].astype(str)
    targets = dict(targets or {})
    mask = (out["period"] == "year") & (out["group_by"] == "all")
    out["target"] = np.where(mask, out["metric"].map(targets).astype("float64"), np.nan)
    return out.sort_values(["period", "group_by", "group", "metric"], kind="stable").reset_index(drop=True)
