"""The credit model's configuration (``models/credit.yaml``), parsed once into frozen values.

Every error names the file and the key. Settings of the model itself that the file leaves out take
``CreditModel``'s own defaults (its ``__init__`` is their one home); the score scale and grade bands
default to :mod:`innoscore.credit.scaling`'s, the evaluation bins to :mod:`innoscore.credit.metrics`'.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from innoscore.config import ConfigError, config_dir, load_yaml
from innoscore.credit.metrics import ECE_BINS, PSI_BINS
from innoscore.credit.scaling import GradeBand, ScoreScale, as_grades, as_scale

__all__ = ["CreditConfig", "PanelSettings", "Gates", "Evaluation", "CreditConfigError", "load_credit_config",
           "parse_credit_config", "DEFAULT_CREDIT_CONFIG"]

DEFAULT_CREDIT_CONFIG = "models/credit.yaml"
# keyword arguments of CreditModel that come from elsewhere than the file's `model:` section
_NOT_FROM_MODEL_SECTION = {"monotone", "texts", "scaling", "grades"}


class CreditConfigError(ConfigError):
    """The credit configuration is not usable; the message names the file and the key."""


@dataclass(frozen=True)
class PanelSettings:
    """Observation dates and slices of the training panel."""

    horizon_months: int  # label: a loan of the enterprise defaults within this many months after D
    first_observation: dt.date
    train_until: dt.date  # observation dates up to and including this one train
    calibration_until: dt.date  # then up to this one calibrate; the rest is the out-of-time test


@dataclass(frozen=True)
class Evaluation:
    ece_bins: int = ECE_BINS
    psi_bins: int = PSI_BINS


@dataclass(frozen=True)
class Gates:
    """What a version must show on its out-of-time test before it may become ``champion``.
    A gate left out (None) is not checked."""

    min_auc: float | None = None  # test AUC at least this
    max_ece: float | None = None  # expected calibration error at most this
    max_score_psi: float | None = None  # score PSI between the calibration and the test slice at most this
    min_auc_over_baseline: float | None = None  # test AUC minus the logistic baseline's at least this
    calibration_in_the_large: bool | None = None  # true: mean PD inside the 95% interval of the observed rate


@dataclass(frozen=True)
class CreditConfig:
    source: str
    registered_model: str
    panel: PanelSettings
    exclude: tuple[str, ...]
    model_settings: tuple[tuple[str, Any], ...]  # CreditModel keyword arguments the file sets
    scaling: ScoreScale
    grades: tuple[GradeBand, ...]
    evaluation: Evaluation = field(default_factory=Evaluation)
    gates: Gates = field(default_factory=Gates)

    @property
    def model(self) -> dict[str, Any]:
        """The CreditModel keyword arguments the file sets (a fresh copy each time)."""
        return {k: copy.deepcopy(v) for k, v in self.model_settings}


def load_credit_config(path: str | Path | None = None) -> CreditConfig:
    """Read and check ``models/credit.yaml`` (or ``path``, relative to the configuration folder)."""
    rel = Path(path) if path is not None else Path(DEFAULT_CREDIT_CONFIG)
    source = str(rel if rel.is_absolute() else config_dir() / rel)
    return parse_credit_config(load_yaml(rel), source)


def parse_credit_config(doc: Any, source: str = "<credit config>") -> CreditConfig:
    def fail(key: str, message: str) -> CreditConfigError:
        return CreditConfigError(f"{source}: {key}: {message}")

    if not isinstance(doc, Mapping):
        raise CreditConfigError(f"{source}: expected a mapping of settings; got {type(doc).__name__}")
    known = {"registered_model", "panel", "features", "model", "scaling", "grades", "evaluation", "gates"}
    unknown = sorted(set(doc) - known, key=str)
    if unknown:
        raise fail(unknown[0], f"unknown section (known: {', '.join(sorted(known))})")
    for key in ("registered_model", "panel"):
        if key not in doc:
            raise fail(key, "missing")
    name = doc["registered_model"]
    if not isinstance(name, str) or not name.strip():
        raise fail("registered_model", f"expected a model name; got {name!r}")
    panel = _panel(_section(doc, "panel", fail), fail)
    features = _section(doc, "features", fail)
    unknown = sorted(set(features) - {"exclude"}, key=str)
    if unknown:
        raise fail(f"features.{unknown[0]}", "unknown key (known: exclude)")
    exclude = features.get("exclude") or []
    if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
        raise fail("features.exclude", f"expected a list of indicator ids; got {exclude!r}")
    try:
        scaling = as_scale(doc.get("scaling"))
    except ValueError as exc:
        raise fail("scaling", str(exc)) from None
    try:
        grades = as_grades(doc.get("grades"))
    except ValueError as exc:
        raise fail("grades", str(exc)) from None
    return CreditConfig(source=source, registered_model=name.strip(), panel=panel, exclude=tuple(exclude),
                        model_settings=tuple(_model(_section(doc, "model", fail), fail).items()), scaling=scaling,
                        grades=grades,
                        evaluation=_typed(Evaluation, _section(doc, "evaluation", fail), "evaluation", fail),
                        gates=_gates(_section(doc, "gates", fail), fail))


def _section(doc: Mapping, key: str, fail) -> Mapping:
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise fail(key, f"expected a mapping; got {value!r}")
    return value


def _date(value, key: str, fail) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise fail(key, f"expected a date YYYY-MM-DD; got {value!r}") from None


def _panel(section: Mapping, fail) -> PanelSettings:
    names = [f.name for f in fields(PanelSettings)]
    unknown = sorted(set(section) - set(names), key=str)
    if unknown:
        raise fail(f"panel.{unknown[0]}", f"unknown key (known: {', '.join(names)})")
    for key in names:
        if key not in section:
            raise fail(f"panel.{key}", "missing")
    horizon = section["horizon_months"]
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise fail("panel.horizon_months", f"expected a whole number of months >= 1; got {horizon!r}")
    dates = {k: _date(section[k], f"panel.{k}", fail) for k in names[1:]}
    if not dates["first_observation"] < dates["train_until"] < dates["calibration_until"]:
        raise fail("panel", "expected first_observation < train_until < calibration_until; got "
                            + ", ".join(f"{k} {v}" for k, v in dates.items()))
    return PanelSettings(horizon_months=horizon, **dates)


def _model(section: Mapping, fail) -> dict[str, Any]:
    """The CreditModel keyword arguments the file sets, each checked by the model's own rules."""
    from innoscore.credit.model import CreditModel

    allowed = [p for p in inspect.signature(CreditModel).parameters if p not in _NOT_FROM_MODEL_SECTION]
    unknown = sorted(set(section) - set(allowed), key=str)
    if unknown:
        raise fail(f"model.{unknown[0]}", f"unknown setting (CreditModel takes: {', '.join(allowed)})")
    kwargs = dict(section)
    for key in kwargs:
        try:
            CreditModel(**{key: kwargs[key]})._check_params()
        except ValueError as exc:
            raise fail(f"model.{key}", str(exc)) from None
    return kwargs


_GATE_RANGES = {"min_auc": (0.0, 1.0), "max_ece": (0.0, 1.0), "max_score_psi": (0.0, math.inf),
                "min_auc_over_baseline": (-1.0, 1.0)}


def _gates(section: Mapping, fail) -> Gates:
    """The promotion gates: at least one (no gate would promote any model), each in its range."""
    gates = _typed(Gates, section, "gates", fail)
    for name, (lo, hi) in _GATE_RANGES.items():
        value = getattr(gates, name)
        if value is not None and not lo <= value <= hi:
            raise fail(f"gates.{name}", f"expected a value in [{lo:g}, {hi:g}]; got {value!r}")
    if all(getattr(gates, f.name) in (None, False) for f in fields(Gates)):
        raise fail("gates", f"at least one gate is needed, else any model would be promoted (gates: "
                            f"{', '.join(f.name for f in fields(Gates))})")
    return gates


def _typed(kind, section: Mapping, key: str, fail):
    names = {f.name: f for f in fields(kind)}
    unknown = sorted(set(section) - set(names), key=str)
    if unknown:
        raise fail(f"{key}.{unknown[0]}", f"unknown key (known: {', '.join(names)})")
    values = {}
    for name, value in section.items():
        want = names[name].type
        if "bool" in want:
            if not isinstance(value, bool):
                raise fail(f"{key}.{name}", f"expected true or false; got {value!r}")
        elif "int" in want:
            if isinstance(value, bool) or not isinstance(value, int) or value < 2:
                raise fail(f"{key}.{name}", f"expected a whole number >= 2; got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise fail(f"{key}.{name}", f"expected a number; got {value!r}")
        values[name] = value
    return kind(**values)
