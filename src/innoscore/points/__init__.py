"""Innovation points (企业创新积分) and certification checks.

>>> from innoscore.points import load_points_config, prepare, score   # doctest: +SKIP
>>> prep = prepare(indicator_table, load_points_config(), "2026-10-31")  # doctest: +SKIP
>>> score(prep)                                                         # doctest: +SKIP
"""

from innoscore.points.config import (PointsConfig, PointsConfigError, load_points_config,
                                     parse_points_config)
from innoscore.points.engine import Prepared, effective_weights, normalise, prepare, score

__all__ = ["PointsConfig", "PointsConfigError", "load_points_config", "parse_points_config", "Prepared",
           "prepare", "score", "normalise", "effective_weights"]
