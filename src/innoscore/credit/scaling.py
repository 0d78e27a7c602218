"""From a probability of default to the numbers a credit officer reads: score points and grades."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["ScoreScale", "GradeBand", "DEFAULT_GRADES", "grade_of", "as_scale", "as_grades", "PD_FLOOR"]

PD_FLOOR = 1e-6  # PDs are held inside [PD_FLOOR, 1 - PD_FLOOR] before taking odds


@dataclass(frozen=True)
class ScoreScale:
    """score = offset + factor * ln(good:bad odds), factor = pdo / ln 2: ``base_score`` points at
    odds ``base_odds``:1, ``pdo`` more points each time the odds double; higher is safer.

    Examples
    --------
    >>> ScoreScale(base_score=600, base_odds=50, pdo=20).score([1 / 51, 1 / 101]).round(1).tolist()
    [600.0, 620.0]
    """

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def __post_init__(self) -> None:
        for name in ("base_score", "base_odds", "pdo"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"scaling {name} must be a finite number; got {value!r}")
        if self.base_odds <= 0 or self.pdo <= 0:
            raise ValueError(f"scaling base_odds and pdo must be > 0; got {self.base_odds!r} and {self.pdo!r}")

    def score(self, pd_) -> np.ndarray:
        """The credit score of each PD."""
        factor = self.pdo / math.log(2)
        offset = self.base_score - factor * math.log(self.base_odds)
        p = np.clip(np.asarray(pd_, dtype="float64"), PD_FLOOR, 1 - PD_FLOOR)
        return offset + factor * np.log((1 - p) / p)


@dataclass(frozen=True)
class GradeBand:
    """A grade and the highest PD it takes."""

    grade: str
    max_pd: float


DEFAULT_GRADES = (GradeBand("A", 0.005), GradeBand("B", 0.01), GradeBand("C", 0.02), GradeBand("D", 0.04),
                  GradeBand("E", 0.08), GradeBand("F", 0.15), GradeBand("G", 1.0))


def as_scale(value: ScoreScale | Mapping | None) -> ScoreScale:
    """A ScoreScale from itself, a mapping of its fields, or None (the defaults)."""
    if value is None:
        return ScoreScale()
    if isinstance(value, ScoreScale):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(f"scaling must be a mapping of base_score, base_odds and pdo; got {value!r}")
    unknown = sorted(set(value) - {"base_score", "base_odds", "pdo"})
    if unknown:
        raise ValueError(f"scaling takes base_score, base_odds and pdo; unknown: {', '.join(map(str, unknown))}")
    return ScoreScale(**{k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                         for k, v in value.items()})


def as_grades(value: Sequence | None) -> tuple[GradeBand, ...]:
    """Grade bands from GradeBands or mappings ``{grade, max_pd}``, checked: PD bounds rise
    strictly, lie in (0, 1], and the last is 1 so that every PD has a grade."""
    if value is None:
        return DEFAULT_GRADES
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence) or not value:
        raise ValueError(f"grades must be a non-empty list of {{grade, max_pd}}; got {value!r}")
    bands = []
    for i, b in enumerate(value):
        if isinstance(b, GradeBand):
            bands.append(b)
            continue
        if not isinstance(b, Mapping) or set(b) != {"grade", "max_pd"}:
            raise ValueError(f"grades[{i}] must have exactly grade and max_pd; got {b!r}")
        bound = b["max_pd"]
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            raise ValueError(f"grades[{i}] max_pd must be a number; got {bound!r}")
        bands.append(GradeBand(str(b["grade"]), float(bound)))
    bounds = [b.max_pd for b in bands]
    if not all(0 < x <= 1 for x in bounds) or any(b <= a for a, b in zip(bounds, bounds[1:])):
        raise ValueError(f"grades max_pd must rise strictly within (0, 1]; got {bounds}")
    if bounds[-1] != 1:
        raise ValueError(f"the last grade must take every PD up to 1 (max_pd: 1.0); got {bounds[-1]}")
    names = [b.grade for b in bands]
    if len(set(names)) != len(names):
        raise ValueError(f"grade names must differ; got {names}")
    return tuple(bands)


def grade_of(pd_, bands: Sequence[GradeBand]) -> np.ndarray:
    """The grade of each PD: the first band whose ``max_pd`` it does not exceed.

    >>> grade_of([0.004, 0.005, 0.03, 0.5], DEFAULT_GRADES).tolist()
    ['A', 'A', 'D', 'G']
    """
    bounds = np.array([b.max_pd for b in bands])
    names = np.array([b.grade for b in bands], dtype=object)
    idx = np.minimum(np.searchsorted(bounds, np.asarray(pd_, dtype="float64"), side="left"), len(bands) - 1)
    return names[idx]
