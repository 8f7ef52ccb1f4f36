"""LLM API cost explorer: one validated price table, an exact vectorised cost engine, and the tools on top.

>>> from explorer import cost_of
>>> round(float(cost_of("gpt-4o", 1000, 500, as_of="2025-05-16")["total_usd"]), 6)
0.0075
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
"""The package version (pyproject.toml reads it from here); part of the price table cache's key."""

# The public names are imported on first use: `explorer cost` imports this package but needs none of
# pandas, Altair or genai-prices for a single request (explorer/quick.py).
_EXPORTS: dict[str, str] = {
    "audit_file": "explorer.audit",
    "audit_table": "explorer.audit",
    "seed_table": "explorer.audit",
    "rank_models": "explorer.compare",
    "COMPONENTS": "explorer.costs",
    "CostSummary": "explorer.costs",
    "cost_of": "explorer.costs",
    "price_usage": "explorer.costs",
    "summarize": "explorer.costs",
    "SERVICE_TIERS": "explorer.prices",
    "UnknownModelError": "explorer.prices",
    "as_of_day": "explorer.prices",
    "freshness_warning": "explorer.prices",
    "load_image_prices": "explorer.prices",
    "load_overrides": "explorer.prices",
    "load_prices": "explorer.prices",
    "price_history": "explorer.prices",
    "resolve_model": "explorer.prices",
    "save_overrides": "explorer.prices",
}

__all__ = [  # the names of _EXPORTS (tests/test_startup.py checks)
    "COMPONENTS",
    "SERVICE_TIERS",
    "CostSummary",
    "UnknownModelError",
    "as_of_day",
    "audit_file",
    "audit_table",
    "cost_of",
    "freshness_warning",
    "load_image_prices",
    "load_overrides",
    "load_prices",
    "price_history",
    "price_usage",
    "rank_models",
    "resolve_model",
    "save_overrides",
    "seed_table",
    "summarize",
]

if TYPE_CHECKING:
    from explorer.audit import audit_file, audit_table, seed_table
    from explorer.compare import rank_models
    from explorer.costs import COMPONENTS, CostSummary, cost_of, price_usage, summarize
    from explorer.prices import (
        SERVICE_TIERS,
        UnknownModelError,
        as_of_day,
        freshness_warning,
        load_image_prices,
        load_overrides,
        load_prices,
        price_history,
        resolve_model,
        save_overrides,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'explorer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
