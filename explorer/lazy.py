"""Modules imported on first use: genai-prices takes about 0.3 s to import (its pydantic models and its whole
data snapshot), and a command that finds the price table in its cache (explorer/table_cache.py) never needs it."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["LazyModule", "distribution_version"]


class LazyModule:
    """Stands for a module; the first attribute asked for imports it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _load(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)


def distribution_version(package: str) -> str:
    """An installed package's version, read from its ``*.dist-info`` folder's name beside it (no import of the
    package, nor of :mod:`importlib.metadata`, which costs as much as a small package), else from metadata."""
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations))).parent
        found = sorted(folder.glob(f"{package}-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len(package) + 1 : -len(".dist-info")]
    from importlib.metadata import version

    return version(package)
