"""A short, printable summary of a data set: what the operator looks at after loading it."""

from __future__ import annotations

import pandas as pd

from innoscore.data.contract import TABLE_NAMES
from innoscore.data.validation import Dataset

__all__ = ["summarize_data", "format_data_summary"]


def summarize_data(data: Dataset) -> dict[str, pd.DataFrame]:
    """Counts per table, per city and per certification, and loan default rates."""
    asof = pd.Timestamp(data.extracted_on)
    ent = data["enterprises"]
    counts = pd.DataFrame({"table": list(TABLE_NAMES), "rows": [len(data[t]) for t in TABLE_NAMES]})

    by_city = ent.groupby("city", sort=True).size().rename("enterprises").to_frame()
    by_city["in_high_tech_zone"] = ent["park"].notna().groupby(ent["city"]).sum()
    by_city = by_city.sort_values("enterprises", ascending=False, kind="stable")

    cert = data["certifications"]
    valid_now = (cert["issued_on"] <= asof) & (cert["expires_on"].isna() | (cert["expires_on"] > asof))
    by_cert = pd.DataFrame({
        "certificates": cert.groupby("kind").size(),
        "enterprises_ever": cert.groupby("kind")["enterprise_id"].nunique(),
        "enterprises_valid_now": cert[valid_now].groupby("kind")["enterprise_id"].nunique(),
    }).fillna(0).astype("int64").sort_values("certificates", ascending=False, kind="stable")

    loans = data["loans"]
    year = loans["originated_on"].dt.year.rename("originated")
    defaulted = loans["defaulted_on"].notna()
    by_year = pd.DataFrame({"loans": loans.groupby(year).size(),
                            "defaulted": defaulted.groupby(year).sum()})
    total = pd.DataFrame({"loans": [len(loans)], "defaulted": [int(defaulted.sum())]}, index=pd.Index(["all"], name="originated"))
    by_year.index = by_year.index.astype("str")
    defaults = pd.concat([by_year, total])
    defaults["default_rate"] = (defaults["defaulted"] / defaults["loans"].where(defaults["loans"] > 0)).round(4)
    return {"tables": counts, "cities": by_city, "certifications": by_cert, "loan_defaults": defaults}


def format_data_summary(data: Dataset) -> str:
    parts = summarize_data(data)
    lines = [f"data set {data.source} (extraction date {data.extracted_on.isoformat()})"]
    titles = {
        "tables": "rows per table",
        "cities": "enterprises per city",
        "certifications": f"certifications (valid now = on {data.extracted_on.isoformat()})",
        "loan_defaults": "loans and defaults by year of origination",
    }
    with pd.option_context("display.unicode.east_asian_width", True):  # aligns Chinese city names
        for key, frame in parts.items():
            lines.append("")
            lines.append(titles[key])
            lines.append(frame.to_string(index=key != "tables"))
    return "\n".join(lines)
