"""A printable summary of an indicator table, per indicator, for the operator and the demo."""

from __future__ import annotations

import pandas as pd

from innoscore.indicators.catalog import Catalog

__all__ = ["summarize_indicators", "format_indicator_summary"]


def summarize_indicators(table: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Per indicator: group, unit, share present, median, 90th percentile and maximum."""
    rows = []
    for ind in catalog:
        v = table[ind.id].astype("float64")
        rows.append({
            "indicator": ind.id,
            "name": ind.name_zh,
            "group": ind.group,
            "unit": ind.unit,
            "present": round(float(v.notna().mean()), 3) if len(v) else 0.0,
            "median": v.median(),
            "p90": v.quantile(0.9),
            "max": v.max(),
        })
    return pd.DataFrame(rows).set_index("indicator")


def format_indicator_summary(table: pd.DataFrame, catalog: Catalog, as_of) -> str:
    stats = summarize_indicators(table, catalog)
    stages = table["stage"].value_counts().reindex(["startup", "growth", "mature"]).fillna(0).astype(int)
    lines = [f"indicators as of {pd.Timestamp(as_of).date()}: {len(table):,} enterprises, {len(catalog)} indicators; "
             "stages: " + ", ".join(f"{k} {v:,}" for k, v in stages.items())]
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200,
                           "display.max_rows", 500, "display.float_format", "{:,.4g}".format):
        lines.append(stats.to_string())
    return "\n".join(lines)
