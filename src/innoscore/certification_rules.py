"""The certification rules (``features/certifications.yaml``), checked once when loaded.

The indicators (validity years, windows, records), the certification checks and the
synthetic province all read this file; a typo in it is reported here, naming the file and
the key, instead of surfacing as a traceback deep inside a check.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable

from innoscore.config import ConfigError, config_dir, load_yaml
from innoscore.data.contract import CERTIFICATION_KINDS, PENALTY_KINDS

__all__ = ["CertificationRulesError", "load_certification_rules", "check_certification_rules", "DEFAULT_RULES"]

DEFAULT_RULES = "features/certifications.yaml"
SIZE_COLUMNS = ("employees", "revenue", "total_assets")
# 国家重点支持的高新技术领域: the eight fields
HIGH_TECH_FIELDS = ("electronic_information", "biomedicine", "aerospace", "new_materials", "high_tech_services",
                    "new_energy_and_efficiency", "resources_and_environment", "advanced_manufacturing")


class CertificationRulesError(ConfigError):
    """The certification rules are not usable; the message names the file and the key."""


Check = Callable[[Any, str], None]


def _fail(where: str, expected: str, got: Any) -> None:
    raise CertificationRulesError(f"{where}: expected {expected}; got {got!r}")


def number(low: float | None = None, strict: bool = False, integer: bool = False) -> Check:
    def check(v: Any, where: str) -> None:
        ok = not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)
        ok = ok and (not integer or float(v).is_integer())
        if ok and low is not None:
            ok = v > low if strict else v >= low
        if not ok:
            bound = "" if low is None else f" {'>' if strict else '>='} {low:g}"
            _fail(where, f"a{' whole' if integer else ''} number{bound}", v)
    return check


def fraction(v: Any, where: str) -> None:
    number(0)(v, where)
    if v > 1:
        _fail(where, "a fraction of 1 (0.6 for 60%)", v)


def points_range(v: Any, where: str) -> None:
    """Points, or [lowest, highest] points."""
    if isinstance(v, list):
        if len(v) != 2:
            _fail(where, "[lowest, highest] points", v)
        number(0)(v[0], where)
        number(0)(v[1], where)
        if v[0] > v[1]:
            _fail(where, "[lowest, highest] with lowest <= highest", v)
    else:
        number(0)(v, where)


def bands(bounds: tuple[str, ...] = ("from",), ranges: bool = False) -> Check:
    """A non-empty list of {<bound>: X, points: P}, best band first: `from` / `over` bounds decreasing, `to`
    bounds increasing.  With ``ranges``, P may be [lowest, highest]."""
    def check(v: Any, where: str) -> None:
        if not isinstance(v, list) or not v:
            _fail(where, f"a non-empty list of {{{'|'.join(bounds)}: X, points: P}}", v)
        previous = None
        for i, band in enumerate(v):
            w = f"{where}: band #{i + 1}"
            keys = [b for b in bounds if isinstance(band, dict) and b in band]
            if not isinstance(band, dict) or len(keys) != 1 or set(band) != {keys[0], "points"}:
                _fail(w, f"{{{'|'.join(bounds)}: X, points: P}}", band)
            number()(band[keys[0]], f"{w}: {keys[0]}")
            (points_range if ranges else number(0))(band["points"], f"{w}: points")
            bound = band[keys[0]]
            if previous is not None and ((keys[0] == "to" and bound <= previous) or
                                         (keys[0] != "to" and bound >= previous)):
                order = "increasing" if keys[0] == "to" else "decreasing"
                _fail(f"{w}: {keys[0]}", f"the best band first (bounds {order})", bound)
            previous = bound
    return check


def kinds(allowed: tuple[str, ...]) -> Check:
    def check(v: Any, where: str) -> None:
        if not isinstance(v, list) or not v or any(k not in allowed for k in v):
            _fail(where, f"a non-empty list of {', '.join(allowed)}", v)
    return check


def mapping(value: Check, keys: tuple[str, ...] | None = None) -> Check:
    def check(v: Any, where: str) -> None:
        if not isinstance(v, dict) or not v:
            _fail(where, "a mapping", v)
        if keys is not None:
            missing = [k for k in keys if k not in v]
            if missing:
                raise CertificationRulesError(f"{where}: missing {', '.join(missing)}")
        for k, item in v.items():
            value(item, f"{where}: {k}")
    return check


def one_of(*values: Any) -> Check:
    def check(v: Any, where: str) -> None:
        if v not in values:
            _fail(where, "one of " + ", ".join(map(repr, values)), v)
    return check


def field_value(v: Any, where: str) -> None:
    if v is not None and v != "partly" and v not in HIGH_TECH_FIELDS:
        _fail(where, f"one of {', '.join(HIGH_TECH_FIELDS)}, partly, or null", v)


def strategic_value(v: Any, where: str) -> None:
    if not isinstance(v, bool) and v != "partly":
        _fail(where, "true, false or partly", v)


def _revenue_bands(key: str, open_last: bool) -> Check:
    """A list of {<key>: X, min_ratio: R}; with ``open_last``, upper bounds increasing and the last null."""
    expected = f"{{{key}: X, min_ratio: R}}"

    def check(v: Any, where: str) -> None:
        if not isinstance(v, list) or not v:
            _fail(where, f"a list of {expected}" + (f", the last with {key}: null" if open_last else ""), v)
        for i, band in enumerate(v):
            w = f"{where}: band #{i + 1}"
            if not isinstance(band, dict) or set(band) != {key, "min_ratio"}:
                _fail(w, expected, band)
            if not open_last:
                number(0, strict=True)(band[key], f"{w}: {key}")
            fraction(band["min_ratio"], f"{w}: min_ratio")
            if not open_last:
                continue
            last = i == len(v) - 1
            if last != (band[key] is None):
                _fail(f"{w}: {key}", "null for the last band only (it has no upper bound)", band[key])
            if not last:
                number(0, strict=True)(band[key], f"{w}: {key}")
                if i and band[key] <= v[i - 1][key]:
                    _fail(f"{w}: {key}", "bands in increasing order of revenue", band[key])
    return check


def section(spec: dict[str, Check]) -> Check:
    def check(v: Any, where: str) -> None:
        if not isinstance(v, dict):
            _fail(where, "a mapping with " + ", ".join(spec), v)
        missing = [k for k in spec if k not in v]
        if missing:
            raise CertificationRulesError(f"{where}: missing {', '.join(missing)}")
        unknown = sorted(set(v) - set(spec))
        if unknown:
            raise CertificationRulesError(f"{where}: unknown keys {', '.join(map(str, unknown))}")
        for k, c in spec.items():
            c(v[k], f"{where}: {k}")
    return check


POSITIVE, COUNT, AMOUNT = number(0, strict=True), number(0, integer=True), number(0)


def YEARS(v: Any, where: str) -> None:  # noqa: N802 - a checker, named like its siblings
    number(1, integer=True)(v, where)
    if v > 100:
        _fail(where, "a number of years from 1 to 100", v)


RANGED = bands(("from",), ranges=True)
FROM = bands(("from",))
SPEC: dict[str, Check] = {
    "validity_years": mapping(YEARS, CERTIFICATION_KINDS),
    "industries": section({"high_tech_field": mapping(field_value), "strategic_emerging": mapping(strategic_value),
                           "size_sector": mapping(lambda v, w: isinstance(v, str) or _fail(w, "a sector name", v))}),
    "sme_size": mapping(lambda v, w: (isinstance(v, dict) and v and set(v) <= set(SIZE_COLUMNS)
                                      and all(POSITIVE(x, f"{w}: {k}") is None for k, x in v.items()))
                        or _fail(w, "{employees: N, revenue: YUAN, total_assets: YUAN} (one or more)", v)),
    "records": section({"major_incident_kinds": kinds(PENALTY_KINDS), "sme_incident_kinds": kinds(PENALTY_KINDS),
                        "sme_incident_years": YEARS, "major_incident_min_fine": AMOUNT,
                        "blacklist_kinds": kinds(PENALTY_KINDS),
                        "blacklist_years": YEARS}),
    "high_tech_enterprise": section({
        "min_years_registered": AMOUNT, "min_core_ip": COUNT, "min_st_staff_share": fraction,
        "rd_ratio_by_revenue": _revenue_bands("revenue_up_to", open_last=True), "min_rd_in_china_share": fraction,
        "min_high_tech_revenue_share": fraction, "incident_years": YEARS,
        "capability": section({
            "pass_above": AMOUNT,
            "ip_quantity": section({"class_one": points_range, "class_two": RANGED}),
            "ip_advancement": RANGED, "ip_core_support": AMOUNT,
            "ip_acquisition": section({"own": points_range, "acquired_only": points_range}),
            "ip_standards": points_range, "ip_max": AMOUNT, "conversion": AMOUNT, "rd_institution": AMOUNT,
            "rd_institution_platform": points_range, "rd_management": AMOUNT,
            "growth": bands(("from", "over"), ranges=True),
        }),
    }),
    "tech_sme": section({
        "max_employees": POSITIVE, "max_revenue": POSITIVE, "max_total_assets": POSITIVE, "pass_score": AMOUNT,
        "staff_share_points": FROM, "rd_ratio_points": FROM, "rd_cost_points": FROM, "class_one_points": AMOUNT,
        "class_two_points": FROM, "direct_years": YEARS, "direct_award_unit_rank": YEARS,
        "direct_standard_levels": kinds(("international", "national", "industry", "provincial", "municipal")),
    }),
    "innovative_sme": section({
        "pass_score": AMOUNT, "min_innovation": AMOUNT, "min_growth": AMOUNT, "min_specialisation": AMOUNT,
        "ip_points": section({"high_value_class_one": AMOUNT, "own_class_one": AMOUNT, "class_one": AMOUNT,
                              "class_two": AMOUNT}),
        "rd_ratio_points": FROM, "growth_points": FROM, "debt_ratio_points": bands(("to",)),
        "field_points": section({"strategic_emerging": AMOUNT, "other": AMOUNT}), "main_business_points": FROM,
        "direct_award_years": YEARS,
        "direct_award_levels": kinds(("international", "national", "industry", "provincial", "municipal")),
        "direct_certificates": kinds(CERTIFICATION_KINDS), "direct_min_equity_3y": AMOUNT,
    }),
    "high_value_ip": section({"min_years_in_force": YEARS}),
    "specialised_sme": section({
        "min_years": AMOUNT, "min_rd_expense": AMOUNT, "min_rd_ratio": fraction, "min_revenue": AMOUNT,
        "min_equity_2y": AMOUNT, "alternative_award_years": YEARS,
        "alternative_award_unit_rank": section({"provincial": YEARS, "national": YEARS}),
        "alternative_min_rd_mean_2y": AMOUNT, "alternative_min_equity_2y": AMOUNT,
    }),
    "little_giant": section({
        "min_years": AMOUNT, "min_main_business_share": fraction, "min_growth_2y": number(-1),
        "max_debt_ratio": POSITIVE, "min_class_one_ip": COUNT, "min_rd_platforms": COUNT,
        "rd_ratio_by_revenue": _revenue_bands("revenue_from", open_last=False),
        "small_firm": section({"min_equity_2y": AMOUNT, "min_rd_expense_2y": AMOUNT, "min_rd_staff_share": fraction}),
        "direct_award_years": YEARS, "direct_award_unit_rank": YEARS,
    }),
}


def check_certification_rules(doc: Any, source: str = "<memory>") -> dict:
    """Check a certification-rules document (the parsed YAML) and return it."""
    section(SPEC)(doc, source)
    sectors = set(doc["sme_size"])
    for code, sector in doc["industries"]["size_sector"].items():
        if sector not in sectors:
            raise CertificationRulesError(f"{source}: industries: size_sector: {code}: {sector!r} is not a sector "
                                          f"of sme_size ({', '.join(sorted(sectors))})")
    return doc


def load_certification_rules(path: str | Path | None = None) -> dict:
    """Load and check ``features/certifications.yaml`` (or another file)."""
    rel = Path(path) if path is not None else Path(DEFAULT_RULES)
    source = str(rel if rel.is_absolute() else config_dir() / rel)
    return check_certification_rules(load_yaml(rel), source)
