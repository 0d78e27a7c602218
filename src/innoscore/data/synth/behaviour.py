"""How the synthetic province behaves: ``synthetic/behaviour.yaml``, read and checked.

The file that ships with the code is the schema: the configuration folder's copy, a file given instead (or a dict passed to :func:`generate`) must
have the same sections and keys, a number wherever the shipped file has a number, a list of the same
length wherever it has a list, and shares between 0 and 1.  A mistake is reported with the key's
path, never found later as a wrong province.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from innoscore.config import ConfigError, is_finite_number, load_yaml, shipped_config_dir

__all__ = ["BEHAVIOUR_FILE", "load_behaviour", "check_behaviour"]

BEHAVIOUR_FILE = "synthetic/behaviour.yaml"


def load_behaviour(source: str | Path | dict | None = None) -> dict:
    """The behaviour to generate with: ``synthetic/behaviour.yaml`` of the configuration folder, another
    file, or a dict; checked against the file that ships with this code."""
    reference = load_yaml(shipped_config_dir() / BEHAVIOUR_FILE)
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


def check_behaviour(data: Any, reference: Any, where: str) -> None:
    """Raise :class:`ConfigError` naming the first key of ``data`` whose shape differs from ``reference``."""
    problems: list[str] = []
    _check(data, reference, [], problems)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ConfigError(f"{where}: " + "; ".join(problems[:5]) + more)


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
        for k in ref:
            if k in value:
                _check(value[k], ref[k], path + [str(k)], problems)
        if path and path[-1].endswith("shares") and not problems and sum(value.values()) <= 0:
            problems.append(f"{key}: the shares add up to {sum(value.values())}; expected a positive total")
    elif isinstance(ref, list):
        if not isinstance(value, list) or len(value) != len(ref):
            problems.append(f"{key} must be a list of {len(ref)}; got {value!r}")
            return
        for i, (v, r) in enumerate(zip(value, ref)):
            _check(v, r, path + [str(i)], problems)
        if all(is_finite_number(v) for v in value) and len(value) == 2 and _is_range(path) and value[0] > value[1]:
            problems.append(f"{key}: {value[0]} is above {value[1]}; expected [low, high]")
    elif isinstance(ref, str):
        if not isinstance(value, str):
            problems.append(f"{key} must be text; got {value!r}")
    elif isinstance(ref, (int, float)) and not isinstance(ref, bool):
        if not is_finite_number(value):
            problems.append(f"{key} must be a number; got {value!r}"
                            + (" (write numbers with a decimal point and a signed exponent: 2.5e+7)"
                               if isinstance(value, str) else ""))
        elif _is_whole(path) and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"{key} must be a whole number; got {value!r}")
        elif _is_share(path) and not 0 <= value <= 1:
            problems.append(f"{key} must be a share between 0 and 1; got {value!r}")
        elif path[-1].endswith("loading") and not -1 <= value <= 1:
            problems.append(f"{key} is a correlation: between -1 and 1; got {value!r}")
        elif _is_positive(path) and value <= 0:
            problems.append(f"{key} must be above 0; got {value!r}")
        elif _is_non_negative(path) and value < 0:
            problems.append(f"{key} must not be negative; got {value!r}")
    elif isinstance(ref, dt.date) and not isinstance(value, dt.date):
        problems.append(f"{key} must be a date; got {value!r}")


def _is_share(path: list[str]) -> bool:
    names = [p for p in path if not p.isdigit()]
    if not names:
        return False
    last, parent = names[-1], names[-2] if len(names) > 1 else ""
    return (last.endswith(("share", "_shares")) or last in ("uptake", "grant")
            or parent in ("uptake", "noise", "missing_share") or parent.endswith("_shares"))


def _is_whole(path: list[str]) -> bool:
    """Numbers counted in whole days, years of look-back, items or draws."""
    names = [p for p in path if not p.isdigit()]
    return any(p.endswith("_days") for p in names) or names[-1] in (
        "max_years", "max_units", "tech_leaders_per", "history_years", "equity_years", "first_within_years",
        "start_up_base", "start_up_per_year", "trials")


def _is_positive(path: list[str]) -> bool:
    """Scales, shapes and medians (a log is taken, or a division made)."""
    return path[-1].endswith(("median", "shape", "scale_years", "period_years", "width_years", "fade_years",
                              "loss_years", "mean_years", "full_credit_ratio", "multiple", "per", "max_years",
                              "max_units", "growth_years", "trials"))


def _is_non_negative(path: list[str]) -> bool:
    names = [p for p in path if not p.isdigit()]
    return any(p.endswith(("_days", "_years")) for p in names[-2:]) or \
        names[-1].endswith(("sd", "median", "_mean", "max", "min", "multiple", "shape", "per"))


def _is_range(path: list[str]) -> bool:
    """A pair read as [low, high] (an issue window is [first day, span])."""
    return not any(p.endswith("window_days") for p in path[-2:])
