"""Finding and reading the configuration people edit (``features/``, ``models/``, ``pipelines/``,
``synthetic/``).

In a checkout the files are read from the repository's top level; a built wheel carries a
copy under ``innoscore/_config``.  ``INNOSCORE_CONFIG_DIR`` points elsewhere.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import yaml

from innoscore.errors import InnoscoreError

__all__ = ["config_dir", "shipped_config_dir", "load_yaml", "ConfigError", "is_finite_number"]


class ConfigError(InnoscoreError, ValueError):
    """A configuration file is missing or does not say what it must."""


def config_dir() -> Path:
    """The folder holding ``features/``, ``models/`` and ``pipelines/``."""
    env = os.environ.get("INNOSCORE_CONFIG_DIR")
    if env:
        return Path(env)
    return shipped_config_dir()


def shipped_config_dir() -> Path:
    """The configuration that came with this code (the checkout's, or the installed package's copy),
    whatever ``INNOSCORE_CONFIG_DIR`` says: the reference a changed file is checked against."""
    here = Path(__file__).resolve().parent
    checkout = here.parents[1]  # src/innoscore -> repository root
    if (checkout / "pipelines").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    return here / "_config"


def load_yaml(relative: str | Path) -> Any:
    """Read one YAML file, given relative to :func:`config_dir` or as an absolute path."""
    path = Path(relative)
    if not path.is_absolute():
        path = config_dir() / path
    if not path.is_file():
        raise ConfigError(f"configuration file {path} not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc


def is_finite_number(value: Any) -> bool:
    """A configuration value that is a real number: an int or float (not a bool), finite, and small
    enough to be a float (YAML reads 1 followed by 400 zeros as an int)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False
