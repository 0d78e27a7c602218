"""Point-in-time indicators: one module per input table, one function per indicator.

>>> from innoscore.indicators import build, load_catalog   # doctest: +SKIP
>>> build(data, "2026-10-31")                               # doctest: +SKIP
"""

from innoscore.indicators.build import build, build_panel, build_sets, load_certifications_and_stages
from innoscore.indicators.catalog import Catalog, CatalogError, Indicator, load_catalog, parse_catalog
from innoscore.indicators.functions import REGISTRY, IndicatorRangeError

__all__ = ["build", "build_panel", "build_sets", "load_certifications_and_stages", "load_catalog", "parse_catalog",
           "Catalog", "CatalogError", "Indicator", "REGISTRY", "IndicatorRangeError"]
