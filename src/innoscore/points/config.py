"""The innovation-points configuration (``features/points.yaml``), checked once at load time.

Errors name the file, the stage and the key: an analyst editing weights learns exactly
what to fix before anything is scored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from innoscore.config import ConfigError, config_dir, is_finite_number, load_yaml
from innoscore.indicators.catalog import Catalog, load_catalog
from innoscore.indicators.enterprises import STAGES

__all__ = ["PointsConfig", "ScoreRule", "Item", "ReferenceRule", "PointsConfigError", "load_points_config",
           "parse_points_config", "DEFAULT_POINTS", "POINT_GROUPS", "to_document", "save_points_config",
           "load_weights"]

DEFAULT_POINTS = "features/points.yaml"
POINT_GROUPS = ("technology", "growth", "auxiliary")
RULES = ("linear", "log", "banded")
SUM_TOLERANCE = 1e-6


class PointsConfigError(ConfigError):
    """The points configuration is not usable; the message names the file, stage and key."""


@dataclass(frozen=True)
class ScoreRule:
    """How one indicator's value becomes a score in [0, 1]."""

    rule: str
    reference: float | None = None
    scale: float = 1.0
    bands: tuple[tuple[float, float], ...] = ()  # (from, score) for direction +1, (to, score) for -1

    def describe(self) -> str:
        if self.rule == "linear":
            return f"linear, reference {self.reference:g}"
        if self.rule == "log":
            return f"log, reference {self.reference:g}, scale {self.scale:g}"
        return "banded " + ", ".join(f"{b:g}:{s:g}" for b, s in self.bands)


@dataclass(frozen=True)
class Item:
    """A bonus or penalty item: ``points`` per unit of an indicator, at most ``cap``."""

    id: str
    indicator: str
    points: float
    cap: float


@dataclass(frozen=True)
class ReferenceRule:
    """How the reference values of a year are chosen (``innoscore points references`` applies it):
    the ``percentile`` of the indicator among the enterprises holding a valid ``population``
    certificate at the end of the year before that have a positive value, rounded to ``digits``
    significant digits, at least ``at_least`` for counts.  Banded rules keep their bands."""

    population: str
    percentile: float
    digits: int = 2
    at_least: float = 1.0

    def describe(self) -> str:
        return (f"P{self.percentile:g} of the valid {self.population} holders with a positive value at the end "
                f"of the year before, {self.digits} significant digits, counts at least {self.at_least:g}")


@dataclass(frozen=True)
class PointsConfig:
    weights: dict[str, dict[str, float]]  # stage -> indicator -> weight
    groups: dict[str, dict[str, float]]  # stage -> group -> share
    references: dict[int, dict[str, ScoreRule]]  # year -> indicator -> rule
    bonus: tuple[Item, ...]
    bonus_cap: float
    penalty: tuple[Item, ...]
    penalty_cap: float
    catalog: Catalog
    source: str = "<memory>"
    reference_rule: ReferenceRule | None = None

    @property
    def indicators(self) -> list[str]:
        """The weighted indicators, in catalog order."""
        named = set().union(*(w.keys() for w in self.weights.values()))
        return [i for i in self.catalog.ids if i in named]

    def rules_for(self, year: int) -> tuple[int, dict[str, ScoreRule]]:
        """The reference values in force in ``year``: the latest year not after it."""
        years = sorted(y for y in self.references if y <= year)
        if not years:
            raise PointsConfigError(f"{self.source}: reference_values has no year on or before {year} "
                                    f"(years: {', '.join(map(str, sorted(self.references)))})")
        return years[-1], self.references[years[-1]]

    def with_weights(self, weights: dict[str, dict[str, float]],
                     groups: dict[str, dict[str, float]] | None = None) -> "PointsConfig":
        """The same configuration with other weights (and group shares), checked like the file's."""
        source = self.source + " (weights replaced)"
        w, g = _parse_weights(weights, groups or self.groups, self.catalog, source)
        for year, rules in self.references.items():
            _check_references(w, rules, year, self.catalog, source)
        _check_places(w, self.bonus, self.penalty, self.catalog, source)
        return replace(self, weights=w, groups=g, source=source)

    def places(self) -> dict[str, str]:
        """Where each certificate kind earns points: the weighted indicator or bonus item counting it."""
        out = {}
        for name in _weighted(self.weights):
            for kind in self.catalog[name].certificates:
                out[kind] = f"weighted indicator {name} ({self.catalog[name].group})"
        for item in self.bonus:
            for kind in self.catalog[item.indicator].certificates:
                out[kind] = f"bonus item {item.id}"
        return out


def _weighted(weights: dict[str, dict[str, float]]) -> set[str]:
    """Indicators with a weight above 0 at some stage."""
    return {n for w in weights.values() for n, v in w.items() if v > 0}


def _number(value: Any, where: str, positive: bool = False, non_negative: bool = False) -> float:
    if not is_finite_number(value):
        raise PointsConfigError(f"{where}: expected a number; got {value!r}")
    if positive and value <= 0:
        raise PointsConfigError(f"{where}: must be > 0; got {value!r}")
    if non_negative and value < 0:
        raise PointsConfigError(f"{where}: must be >= 0; got {value!r}")
    return float(value)


def _rule(raw: Any, where: str, direction: int) -> ScoreRule:
    if not isinstance(raw, dict) or raw.get("rule") not in RULES:
        raise PointsConfigError(f"{where}: expected rule: one of {', '.join(RULES)}; got {raw!r}")
    kind = raw["rule"]
    if kind in ("linear", "log"):
        ref = _number(raw.get("reference"), f"{where}: reference", positive=True)
        scale = _number(raw.get("scale", 1.0), f"{where}: scale", positive=True) if kind == "log" else 1.0
        return ScoreRule(kind, ref, scale)
    bound = "from" if direction == 1 else "to"  # direction -1: a band scores while the value stays under `to`
    bands = raw.get("bands")
    if not isinstance(bands, list) or not bands:
        raise PointsConfigError(f"{where}: a banded rule needs a non-empty list bands: [{{{bound}: X, score: S}}, ...]")
    parsed = []
    for j, b in enumerate(bands):
        if not isinstance(b, dict) or bound not in b:
            raise PointsConfigError(f"{where}: band #{j + 1}: expected {{{bound}: X, score: S}} "
                                    f"(direction {direction:+d}); got {b!r}")
        start = _number(b.get(bound), f"{where}: band #{j + 1}: {bound}")
        score = _number(b.get("score"), f"{where}: band #{j + 1}: score", non_negative=True)
        if score > 1:
            raise PointsConfigError(f"{where}: band #{j + 1}: score must be in [0, 1]; got {score:g}")
        parsed.append((start, score))
    return ScoreRule("banded", None, 1.0, tuple(sorted(parsed)))


def _items(raw: Any, kind: str, source: str, catalog: Catalog) -> tuple[tuple[Item, ...], float]:
    where = f"{source}: {kind}"
    if not isinstance(raw, dict) or not isinstance(raw.get("items", []), list):
        raise PointsConfigError(f"{where}: expected a mapping with cap and items")
    cap = _number(raw.get("cap"), f"{where}: cap", non_negative=True)
    items = []
    for j, it in enumerate(raw.get("items", [])):
        w = f"{where}: item #{j + 1}"
        if not isinstance(it, dict) or not {"id", "indicator", "points", "cap"} <= set(it):
            raise PointsConfigError(f"{w}: expected {{id, indicator, points, cap}}; got {it!r}")
        w = f"{where}: {it['id']}"
        if it["indicator"] not in catalog.ids:
            raise PointsConfigError(f"{w}: unknown indicator {it['indicator']!r} (not in {catalog.source})")
        items.append(Item(str(it["id"]), it["indicator"], _number(it["points"], f"{w}: points", non_negative=True),
                          _number(it["cap"], f"{w}: cap", non_negative=True)))
    return tuple(items), cap


def _parse_weights(weights_raw: Any, groups_raw: Any, catalog: Catalog, source: str
                   ) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    weights: dict[str, dict[str, float]] = {}
    groups: dict[str, dict[str, float]] = {}
    for stage in STAGES:
        where = f"{source}: stage {stage}"
        w = weights_raw.get(stage) if isinstance(weights_raw, dict) else None
        g = groups_raw.get(stage) if isinstance(groups_raw, dict) else None
        if not isinstance(w, dict) or not w:
            raise PointsConfigError(f"{where}: weights missing (expected weights: {stage}: {{indicator: weight}})")
        if not isinstance(g, dict) or set(g) != set(POINT_GROUPS):
            raise PointsConfigError(f"{where}: groups must give {', '.join(POINT_GROUPS)}; got {g!r}")
        groups[stage] = {k: _number(v, f"{where}: groups: {k}", non_negative=True) for k, v in g.items()}
        if abs(sum(groups[stage].values()) - 1) > SUM_TOLERANCE:
            raise PointsConfigError(f"{where}: group shares must add up to 1; got {sum(groups[stage].values()):.6g}")
        if groups[stage]["technology"] < groups[stage]["growth"] - SUM_TOLERANCE:
            raise PointsConfigError(f"{where}: technology ({groups[stage]['technology']:g}) must weigh at least as "
                                    f"much as growth ({groups[stage]['growth']:g}): the innovation points put "
                                    "innovation first")
        weights[stage] = {}
        for key, value in w.items():
            if key not in catalog.ids:
                raise PointsConfigError(f"{where}: {key}: unknown indicator (not in {catalog.source})")
            ind = catalog[key]
            if not ind.in_points:
                raise PointsConfigError(f"{where}: {key}: the catalog says use: {ind.use}, not points")
            weights[stage][key] = _number(value, f"{where}: {key}", non_negative=True)
        totals = {grp: 0.0 for grp in POINT_GROUPS}
        for key, value in weights[stage].items():
            totals[catalog[key].group] += value
        for grp in POINT_GROUPS:
            if abs(totals[grp] - groups[stage][grp]) > SUM_TOLERANCE:
                raise PointsConfigError(f"{where}: weights of group {grp} add up to {totals[grp]:.6g}, "
                                        f"but groups gives {groups[stage][grp]:.6g}")
    unknown_stages = sorted(set(weights_raw) - set(STAGES)) if isinstance(weights_raw, dict) else []
    if unknown_stages:
        raise PointsConfigError(f"{source}: unknown stage {', '.join(unknown_stages)} (stages: {', '.join(STAGES)})")
    return weights, groups


def _check_references(weights: dict[str, dict[str, float]], rules: dict[str, ScoreRule], year: int,
                      catalog: Catalog, source: str) -> None:
    weighted = set().union(*(w.keys() for w in weights.values()))
    missing = sorted(weighted - set(rules), key=catalog.ids.index)
    if missing:
        raise PointsConfigError(f"{source}: reference_values: {year}: no reference for {', '.join(missing)}")


def _check_places(weights: dict[str, dict[str, float]], bonus: tuple[Item, ...], penalty: tuple[Item, ...],
                  catalog: Catalog, source: str) -> None:
    """One thing earns points in one place: refuse double counting."""
    weighted = _weighted(weights)
    seen: dict[str, str] = {}
    for name in sorted(weighted, key=catalog.ids.index):
        seen[name] = f"weighted indicator {name}"
    for kind, items in (("bonus", bonus), ("penalty", penalty)):
        for it in items:
            if it.indicator in seen:
                raise PointsConfigError(f"{source}: {kind} item {it.id}: {it.indicator} already earns points as "
                                        f"{seen[it.indicator]}; one thing earns points in one place")
            seen[it.indicator] = f"{kind} item {it.id}"
    counted: dict[str, str] = {}
    for name, where in seen.items():
        for thing in catalog[name].counts:
            if thing in counted:
                what = "certificate" if thing in catalog[name].certificates else "award kind"
                raise PointsConfigError(f"{source}: the {thing} {what} earns points twice: in {counted[thing]} "
                                        f"and in {where} (both count it, {catalog.source}); keep one")
            counted[thing] = where


def _reference_rule(raw: Any, source: str) -> ReferenceRule | None:
    if raw is None:
        return None
    where = f"{source}: reference_rule"
    from innoscore.data.contract import CERTIFICATION_KINDS

    if not isinstance(raw, dict) or not {"population", "percentile"} <= set(raw):
        raise PointsConfigError(f"{where}: expected {{population: CERTIFICATE KIND, percentile: P}}; got {raw!r}")
    unknown = sorted(set(raw) - {"population", "percentile", "digits", "at_least"})
    if unknown:
        raise PointsConfigError(f"{where}: unknown keys {', '.join(map(str, unknown))}")
    if raw["population"] not in CERTIFICATION_KINDS:
        raise PointsConfigError(f"{where}: population must be a certificate kind ({', '.join(CERTIFICATION_KINDS)}); "
                                f"got {raw['population']!r}")
    pct = _number(raw["percentile"], f"{where}: percentile", positive=True)
    if pct >= 100:
        raise PointsConfigError(f"{where}: percentile must be below 100; got {pct:g}")
    digits = raw.get("digits", 2)
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 6:
        raise PointsConfigError(f"{where}: digits must be a whole number from 1 to 6; got {digits!r}")
    return ReferenceRule(raw["population"], pct, digits, _number(raw.get("at_least", 1), f"{where}: at_least",
                                                                 non_negative=True))


def parse_points_config(doc: Any, catalog: Catalog | None = None, source: str = "<memory>") -> PointsConfig:
    """Check a points document (the parsed YAML) against the indicator catalog."""
    catalog = catalog or load_catalog()
    if not isinstance(doc, dict):
        raise PointsConfigError(f"{source}: expected a mapping with weights, groups, reference_values, bonus, penalty")
    for key in ("weights", "groups", "reference_values", "bonus", "penalty"):
        if key not in doc:
            raise PointsConfigError(f"{source}: missing {key}")
    weights, groups = _parse_weights(doc["weights"], doc["groups"], catalog, source)
    refs_raw = doc["reference_values"]
    if not isinstance(refs_raw, dict) or not refs_raw:
        raise PointsConfigError(f"{source}: reference_values must map years to {{indicator: rule}}")
    references: dict[int, dict[str, ScoreRule]] = {}
    for year, rules in refs_raw.items():
        if not isinstance(year, int):
            raise PointsConfigError(f"{source}: reference_values: year must be a whole number; got {year!r}")
        if not isinstance(rules, dict):
            raise PointsConfigError(f"{source}: reference_values: {year}: expected {{indicator: rule}}")
        references[year] = {}
        for key, raw in rules.items():
            if key not in catalog.ids:
                raise PointsConfigError(f"{source}: reference_values: {year}: {key}: unknown indicator")
            references[year][key] = _rule(raw, f"{source}: reference_values: {year}: {key}", catalog[key].direction)
        _check_references(weights, references[year], year, catalog, source)
    bonus, bonus_cap = _items(doc["bonus"], "bonus", source, catalog)
    penalty, penalty_cap = _items(doc["penalty"], "penalty", source, catalog)
    _check_places(weights, bonus, penalty, catalog, source)
    return PointsConfig(weights, groups, references, bonus, bonus_cap, penalty, penalty_cap, catalog, source,
                        _reference_rule(doc.get("reference_rule"), source))


def load_points_config(path: str | Path | None = None, catalog: Catalog | None = None) -> PointsConfig:
    """Load and check ``features/points.yaml`` (or another file)."""
    rel = Path(path) if path is not None else Path(DEFAULT_POINTS)
    source = str(rel if rel.is_absolute() else config_dir() / rel)
    return parse_points_config(load_yaml(rel), catalog, source)


def _rule_document(rule: ScoreRule) -> dict[str, Any]:
    if rule.rule == "linear":
        return {"rule": "linear", "reference": rule.reference}
    if rule.rule == "log":
        return {"rule": "log", "reference": rule.reference, "scale": rule.scale}
    return {"rule": "banded", "bands": [{"from": b, "score": s} for b, s in rule.bands]}


def to_document(config: PointsConfig) -> dict[str, Any]:
    """The configuration as a points document (what :func:`parse_points_config` reads back to an equal one).

    Banded rules are written with ``from`` bounds; an indicator of direction -1 reads ``to``, so its
    bands are written with ``to``."""
    def rule(name: str, r: ScoreRule) -> dict[str, Any]:
        doc = _rule_document(r)
        if r.rule == "banded" and config.catalog[name].direction == -1:
            doc["bands"] = [{"to": b["from"], "score": b["score"]} for b in doc["bands"]]
        return doc

    def items(specs: tuple[Item, ...], cap: float) -> dict[str, Any]:
        return {"cap": cap, "items": [{"id": i.id, "indicator": i.indicator, "points": i.points, "cap": i.cap}
                                      for i in specs]}

    order = config.catalog.ids.index
    doc: dict[str, Any] = {
        "groups": {s: {g: config.groups[s][g] for g in POINT_GROUPS} for s in STAGES},
        "weights": {s: {n: config.weights[s][n] for n in sorted(config.weights[s], key=order)} for s in STAGES},
    }
    if config.reference_rule is not None:
        r = config.reference_rule
        doc["reference_rule"] = {"population": r.population, "percentile": r.percentile, "digits": r.digits,
                                 "at_least": r.at_least}
    doc["reference_values"] = {y: {n: rule(n, r) for n, r in sorted(rules.items(), key=lambda kv: order(kv[0]))}
                               for y, rules in sorted(config.references.items())}
    doc["bonus"] = items(config.bonus, config.bonus_cap)
    doc["penalty"] = items(config.penalty, config.penalty_cap)
    return doc


def save_points_config(config: PointsConfig, path: str | Path, note: str = "") -> Path:
    """Write ``config`` as a complete points file (``features/points.yaml``'s form) at ``path``; ``note``
    goes at the top as comment lines (where the weights came from).  The file is written whole or not
    at all, and it is read back and checked before it replaces anything."""
    import yaml

    from innoscore.io import write_text_atomic

    path = Path(path)
    header = "".join(f"# {line}\n" if line else "#\n" for line in note.splitlines())
    text = header + yaml.safe_dump(to_document(config), allow_unicode=True, sort_keys=False, width=120)
    parse_points_config(yaml.safe_load(text), config.catalog, str(path))  # what is written reads back
    write_text_atomic(path, text)
    return path


def load_weights(path: str | Path, base: PointsConfig | None = None) -> PointsConfig:
    """A weights file: either a complete points file, or one with only ``groups`` and ``weights`` (the
    rest, reference values and bonus and penalty items, taken from ``base``, by default
    ``features/points.yaml``).  A relative path is relative to the current folder."""
    path = Path(path).expanduser().resolve()
    doc = load_yaml(path)
    if isinstance(doc, dict) and "reference_values" not in doc and {"weights", "groups"} <= set(doc):
        extra = sorted(set(doc) - {"weights", "groups"})
        if extra:
            raise PointsConfigError(f"{path}: a weights-only file holds groups and weights; got also "
                                    f"{', '.join(map(str, extra))} (a complete points file needs reference_values)")
        base = base or load_points_config()
        w, g = _parse_weights(doc["weights"], doc["groups"], base.catalog, str(path))
        return replace(base.with_weights(w, g), source=str(path))
    return parse_points_config(doc, base.catalog if base is not None else None, str(path))
