"""How the synthetic province behaves: ``synthetic/behaviour.yaml``, read and checked.

The file that ships with the code is the schema: the configuration folder's copy, a file given instead
(or a dict passed to :func:`generate`) must have the same sections and keys, a number wherever the
shipped file has a number, a list of the same length wherever it has a list of numbers (any names
where it has a list of names).  Then each number is held to what it is, by its name (the rules are
stated once, below): shares between 0 and 1, whole days and counts, positive scales and medians,
[low, high] pairs in order, and the few rules between keys.  A mistake is reported with the key's path.

What the checks cannot foresee, numbers so extreme that a draw becomes impossible or a generated table
leaves the data contract, is refused when generating (``sequence``), naming the step or the table.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

from innoscore.config import ConfigError, is_finite_number, load_yaml, shipped_config_dir

__all__ = ["BEHAVIOUR_FILE", "load_behaviour", "check_behaviour"]

BEHAVIOUR_FILE = "synthetic/behaviour.yaml"


def load_behaviour(source: str | Path | dict | None = None) -> dict:
    """The behaviour to generate with: ``synthetic/behaviour.yaml`` of the configuration folder, another
    file, or a dict; checked against the file that ships with this code."""
    reference = _shipped()
    if source is None:
        data = load_yaml(BEHAVIOUR_FILE)
        check_behaviour(data, reference, BEHAVIOUR_FILE)
        return data
    if isinstance(source, dict):
        check_behaviour(source, reference, "behaviour")
        return source
    data = load_yaml(source)
    check_behaviour(data, reference, str(source))
    return data


def is_shipped(behaviour: dict) -> bool:
    """Whether ``behaviour`` says what the file shipped with the code says (whose province is tested)."""
    return behaviour == _shipped()


@lru_cache(maxsize=1)
def _shipped() -> dict:
    """The file shipped with the code, read once (only compared with, never handed out)."""
    return load_yaml(shipped_config_dir() / BEHAVIOUR_FILE)


def check_behaviour(data: Any, reference: Any, where: str) -> None:
    """Raise :class:`ConfigError` naming the keys of ``data`` whose shape differs from ``reference`` or
    whose value is out of its range."""
    problems: list[str] = []
    _check(data, reference, [], problems)
    if not problems:
        _check_across(data, problems)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ConfigError(f"{where}: " + "; ".join(problems[:5]) + more)


# Which numbers are what, by name (the dotted path's last parts); each rule is stated once here.
SHARE_NAMES = ("uptake", "grant", "focused", "diversified", "early_repaid_at", "vc_pe_with_guidance",
               "premium_rate", "revenue_rate", "profit_rate")
SHARE_PARENTS = ("uptake", "noise", "missing_share")
WHOLE_NAMES = ("history_years", "equity_years", "first_within_years", "max_years", "max_units", "tech_leaders_per",
               "trials", "min")  # look-back windows in whole years, counts; `min`: the fewest employees
POSITIVE_SUFFIXES = ("median", "shape", "scale_years", "period_years", "width_years", "fade_years", "loss_years",
                     "mean_years", "full_credit_ratio", "multiple", "tech_leaders_per", "max_years", "max_units",
                     "size_reference", "log10_offset")
NON_NEGATIVE_SUFFIXES = ("sd", "_mean", "cap", "trials", "max")
POISSON_RATE_PARTS = ("base", "innovation", "frailty")  # under a `rate`: a negative rate is no rate


def _names(path: list[str]) -> list[str]:
    return [p for p in path if not p.isdigit()]


def _is_days(path: list[str]) -> bool:
    return any("_days" in p for p in _names(path))


def _is_share(path: list[str]) -> bool:
    names = _names(path)
    if not names:
        return False
    last, parent = names[-1], names[-2] if len(names) > 1 else ""
    return (last.endswith(("share", "_shares", "_shares_national")) or last in SHARE_NAMES
            or parent in SHARE_PARENTS or parent.endswith("_shares") or names[-2:] == ["main_business", "range"])


def _is_whole(path: list[str]) -> bool:
    """Numbers counted in whole days, years of look-back, items or draws."""
    return _is_days(path) or _names(path)[-1] in WHOLE_NAMES


def _is_positive(path: list[str]) -> bool:
    """Scales, shapes and medians (a log is taken, or a division made), counts that divide."""
    return _names(path)[-1].endswith(POSITIVE_SUFFIXES) or _names(path)[-2:] == ["employees", "min"]


def _is_non_negative(path: list[str]) -> bool:
    names = _names(path)
    return (_is_days(path) or any(p.endswith("_years") and p != "lockdown_years" for p in names[-2:])
            or names[-1].endswith(NON_NEGATIVE_SUFFIXES)
            or (len(names) > 1 and names[-2] == "rate" and names[-1] in POISSON_RATE_PARTS))


def _is_window(path: list[str]) -> bool:
    """An issue window is [first day, days it spans], not [low, high]."""
    return any(p.endswith("window_days") for p in path[-2:])


def _check(value: Any, ref: Any, path: list[str], problems: list[str]) -> None:
    key = ".".join(path) or "the file"
    if isinstance(ref, dict):
        if not isinstance(value, dict):
            problems.append(f"{key} must be a mapping; got {value!r}")
            return
        missing = [k for k in ref if k not in value]
        unknown = [k for k in value if k not in ref]
        if missing:
            problems.append(f"{key}: missing {', '.join(map(str, missing))}")
        if unknown:
            problems.append(f"{key}: unknown {', '.join(map(str, unknown))} (expected {', '.join(map(str, ref))})")
        before = len(problems)
        for k in ref:
            if k in value:
                _check(value[k], ref[k], path + [str(k)], problems)
        if path and path[-1].endswith("_shares") and len(problems) == before:
            _positive_total(key, list(value.values()), problems)
    elif isinstance(ref, list):
        if ref and all(isinstance(r, str) for r in ref):  # a set of names: any number of them
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"{key} must be a list of names; got {value!r}")
            return
        if not isinstance(value, list) or len(value) != len(ref):
            problems.append(f"{key} must be a list of {len(ref)}; got {value!r}")
            return
        before = len(problems)
        for i, (v, r) in enumerate(zip(value, ref)):
            _check(v, r, path + [str(i)], problems)
        if len(problems) > before:
            return
        if path[-1].endswith("_shares") or path[-1].endswith("_shares_national"):
            _positive_total(key, value, problems)
        elif len(value) == 2 and not _is_window(path):
            if _is_days(path) and value[0] >= value[1]:  # whole days drawn from [low, high)
                problems.append(f"{key}: {value[0]} is not below {value[1]}; expected [low, high) in whole days")
            elif value[0] > value[1]:
                problems.append(f"{key}: {value[0]} is above {value[1]}; expected [low, high]")
    elif isinstance(ref, str):
        if not isinstance(value, str):
            problems.append(f"{key} must be text; got {value!r}")
    elif isinstance(ref, (int, float)) and not isinstance(ref, bool):
        if not is_finite_number(value):
            problems.append(f"{key} must be a number; got {value!r}"
                            + (" (write numbers with a decimal point and a signed exponent: 2.5e+7)"
                               if isinstance(value, str) else ""))
        elif _is_whole(path) and not isinstance(value, int):
            problems.append(f"{key} must be a whole number; got {value!r}")
        elif path[-1].endswith("loading") and not -1 <= value <= 1:
            problems.append(f"{key} is a correlation: between -1 and 1; got {value!r}")
        elif _is_share(path) and not 0 <= value <= 1:
            problems.append(f"{key} must be a share between 0 and 1; got {value!r}")
        elif _is_positive(path) and value <= 0:
            problems.append(f"{key} must be above 0; got {value!r}")
        elif _is_non_negative(path) and value < 0:
            problems.append(f"{key} must not be negative; got {value!r}")
    elif isinstance(ref, dt.date) and not isinstance(value, dt.date):
        problems.append(f"{key} must be a date; got {value!r}")


def _positive_total(key: str, shares: list, problems: list[str]) -> None:
    if sum(shares) <= 0:
        problems.append(f"{key}: the shares add up to {sum(shares)}; expected a positive total")


def _check_across(data: dict, problems: list[str]) -> None:
    """Rules between keys, and bounds the data contract sets."""
    kinds = set(data["penalties"]["kind_shares"])
    unknown = [k for k in data["penalties"]["fined_kinds"] if k not in kinds]
    if unknown:
        problems.append(f"penalties.fined_kinds: {', '.join(unknown)} not in penalties.kind_shares "
                        f"({', '.join(kinds)})")
    if sum(k["share"] for k in data["ip"]["kinds"].values()) <= 0:
        problems.append("ip.kinds: the shares add up to 0; expected a positive total")
    low, high = data["loans"]["rate_range"]
    if not 0 < low <= high <= 36:
        problems.append(f"loans.rate_range: {[low, high]}; the contract's rates are above 0 and at most 36 (percent)")
    if data["loans"]["amount"]["range"][0] <= 0:
        problems.append(f"loans.amount.range: {data['loans']['amount']['range']}; a loan's amount is above 0")
