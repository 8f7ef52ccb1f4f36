"""LLM API cost explorer: one validated price table, an exact vectorised cost engine, and the tools on top.

>>> from explorer import cost_of
>>> round(float(cost_of("gpt-4o", 1000, 500, as_of="2025-05-16")["total_usd"]), 6)
0.0075
"""

from explorer.audit import audit_file, audit_table, seed_table
from explorer.compare import rank_models
from explorer.costs import COMPONENTS, CostSummary, cost_of, price_usage, summarize
from explorer.prices import (
    SERVICE_TIERS,
    UnknownModelError,
    freshness_warning,
    load_image_prices,
    load_overrides,
    load_prices,
    price_history,
    resolve_model,
    save_overrides,
)

__all__ = [
    "COMPONENTS",
    "SERVICE_TIERS",
    "CostSummary",
    "UnknownModelError",
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
