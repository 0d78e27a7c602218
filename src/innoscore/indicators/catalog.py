"""The indicator catalog (``features/indicators.yaml``), loaded and checked once at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from innoscore.config import ConfigError, config_dir, load_yaml
from innoscore.data.contract import AWARD_KINDS, CERTIFICATION_KINDS, TABLE_NAMES
from innoscore.indicators.functions import REGISTRY, IndicatorFunction

__all__ = ["Indicator", "Catalog", "CatalogError", "load_catalog", "GROUPS", "DEFAULT_CATALOG"]

DEFAULT_CATALOG = "features/indicators.yaml"
GROUPS = {"technology": "技术创新", "growth": "成长经营", "auxiliary": "辅助", "credit": "credit"}
USES = ("points", "model", "both")
MISSING = ("no_points", "reweight")
# where a points indicator comes from: the province's working list standing for the national
# system's 18 indicators (whose names were not retrieved: shared/domain.md §1.3), or a local one
SCOPES = ("working_list", "local")
_REQUIRED = ("id", "name_zh", "description", "unit", "group", "direction", "table", "use")
_OPTIONAL = ("function", "scope", "missing", "counts")
# what an indicator may count, so that the points can refuse to count one thing twice
COUNTABLE = CERTIFICATION_KINDS + AWARD_KINDS


class CatalogError(ConfigError):
    """The indicator catalog is not usable; the message names the file and the entry."""


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    description: str
    unit: str
    group: str
    direction: int
    table: str
    use: str
    function: str
    scope: str | None = None
    missing: str | None = None
    counts: tuple[str, ...] = ()  # the certificates (kinds) and awards (kinds) this indicator counts

    @property
    def certificates(self) -> tuple[str, ...]:
        """The certificate kinds among what the indicator counts."""
        return tuple(c for c in self.counts if c in CERTIFICATION_KINDS)

    @property
    def in_points(self) -> bool:
        return self.use in ("points", "both")

    @property
    def in_model(self) -> bool:
        return self.use in ("model", "both")

    @property
    def fn(self) -> IndicatorFunction:
        return REGISTRY[self.function]


@dataclass(frozen=True)
class Catalog:
    indicators: tuple[Indicator, ...]
    source: str = "<memory>"

    def __iter__(self):
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def __getitem__(self, key: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == key:
                return ind
        raise KeyError(f"no indicator {key!r} in {self.source}")

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    def for_points(self) -> list[Indicator]:
        return [i for i in self.indicators if i.in_points]

    def for_model(self) -> list[Indicator]:
        return [i for i in self.indicators if i.in_model]

    def monotone(self) -> dict[str, int]:
        """Monotone directions of the model's features, for LightGBM's monotone_constraints."""
        return {i.id: i.direction for i in self.for_model()}


def _entry(raw: Any, position: int, source: str) -> Indicator:
    where = f"{source}: indicator #{position + 1}"
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected a mapping with keys {', '.join(_REQUIRED)}; got {raw!r}")
    ident = raw.get("id")
    if isinstance(ident, str):
        where += f" ({ident})"
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise CatalogError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise CatalogError(f"{where}: unknown keys {', '.join(unknown)}")
    if not isinstance(ident, str) or not ident.isidentifier():
        raise CatalogError(f"{where}: id must be a name like rd_intensity; got {ident!r}")
    direction = raw["direction"]
    if isinstance(direction, bool) or direction not in (1, -1):
        raise CatalogError(f"{where}: direction must be 1 (higher is better) or -1 (lower is better); "
                           f"got {direction!r}")
    if raw["group"] not in GROUPS:
        raise CatalogError(f"{where}: group must be one of {', '.join(GROUPS)}; got {raw['group']!r}")
    if raw["use"] not in USES:
        raise CatalogError(f"{where}: use must be one of {', '.join(USES)}; got {raw['use']!r}")
    if raw["table"] not in TABLE_NAMES:
        raise CatalogError(f"{where}: table must be one of {', '.join(TABLE_NAMES)}; got {raw['table']!r}")
    function = raw.get("function", ident)
    if function not in REGISTRY:
        raise CatalogError(f"{where}: unknown function {function!r}; known: {', '.join(sorted(REGISTRY))}")
    fn = REGISTRY[function]
    if fn.module != raw["table"]:
        raise CatalogError(f"{where}: function {function} reads {fn.module}, not {raw['table']}")
    miss = raw.get("missing")
    if raw["use"] in ("points", "both") and miss not in MISSING:
        raise CatalogError(f"{where}: an indicator used in the points needs missing: one of "
                           f"{', '.join(MISSING)}; got {miss!r}")
    if raw["group"] == "credit" and raw["use"] != "model":
        raise CatalogError(f"{where}: a credit feature is model-only (use: model); got use: {raw['use']}")
    scope = raw.get("scope")
    if raw["use"] in ("points", "both") and scope not in SCOPES:
        raise CatalogError(f"{where}: an indicator used in the points needs scope: one of {', '.join(SCOPES)} "
                           f"(working_list: the province's list standing for the national indicators; local: added "
                           f"by the province); got {scope!r}")
    if scope is not None and scope not in SCOPES:
        raise CatalogError(f"{where}: scope must be one of {', '.join(SCOPES)}; got {scope!r}")
    counts = raw.get("counts", [])
    if not isinstance(counts, list) or any(c not in COUNTABLE for c in counts) or len(set(counts)) < len(counts):
        raise CatalogError(f"{where}: counts must be a list of distinct certificate or award kinds "
                           f"({', '.join(COUNTABLE)}); got {counts!r}")
    return Indicator(id=ident, name_zh=str(raw["name_zh"]), description=str(raw["description"]),
                     unit=str(raw["unit"]), group=raw["group"], direction=int(direction), table=raw["table"],
                     use=raw["use"], function=function, scope=scope, missing=miss, counts=tuple(counts))


def parse_catalog(doc: Any, source: str = "<memory>") -> Catalog:
    """Check a catalog document (the parsed YAML) and return the catalog."""
    if not isinstance(doc, dict) or not isinstance(doc.get("indicators"), list) or not doc["indicators"]:
        raise CatalogError(f"{source}: expected a mapping with a non-empty list 'indicators'")
    entries = [_entry(raw, i, source) for i, raw in enumerate(doc["indicators"])]
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if entry.id in seen:
            raise CatalogError(f"{source}: indicator #{i + 1} ({entry.id}): duplicate id, "
                               f"already declared as indicator #{seen[entry.id] + 1}")
        seen[entry.id] = i
    return Catalog(tuple(entries), source)


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load ``features/indicators.yaml`` (or another catalog file) and check every entry."""
    rel = Path(path) if path is not None else Path(DEFAULT_CATALOG)
    source = str(rel if rel.is_absolute() else (config_dir() / rel))
    return parse_catalog(load_yaml(rel), source)
