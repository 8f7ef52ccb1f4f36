"""Rank every model by what one workload costs on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from explorer import costs as _costs
from explorer import prices as _prices

__all__ = ["rank_models"]


def rank_models(
    input_tokens: int,
    output_tokens: int,
    *,
    requests: int = 1,
    cached_input_tokens: int = 0,
    reasoning_tokens: int = 0,
    provider: str | Sequence[str] | None = None,
    models: Sequence[str] | None = None,
    service_tier: str = "standard",
    as_of: dt.date | str | None = None,
    prices: pd.DataFrame | None = None,
    include_too_small: bool = False,
) -> pd.DataFrame:
    """Every model (or the given ones) ranked by the cost of ``requests`` requests of this shape.

    Models whose context window is smaller than ``input_tokens + output_tokens`` are left out (unless
    ``include_too_small``); models with no known context window stay in, with ``fits_context`` NA.
    Models that cannot price this workload (no output price, e.g. embeddings, with output tokens > 0)
    are left out.

    Returns columns provider, model, display_name, cost_per_request_usd, total_usd, the cost components
    for one request, context_window_tokens, fits_context, is_override, price_source; cheapest first.
    """
    for name, value in (("input_tokens", input_tokens), ("output_tokens", output_tokens), ("requests", requests),
                        ("cached_input_tokens", cached_input_tokens), ("reasoning_tokens", reasoning_tokens)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name}: expected a whole number >= 0, got {value!r}")
    if cached_input_tokens > input_tokens:
        raise ValueError(f"cached_input_tokens: {cached_input_tokens} exceeds input_tokens {input_tokens}")
    if reasoning_tokens > output_tokens:
        raise ValueError(f"reasoning_tokens: {reasoning_tokens} exceeds output_tokens {output_tokens}")
    table = prices if prices is not None else _prices.price_history()
    day = _prices._as_timestamp(as_of)
    live = table[
        (table["service_tier"] == service_tier)
        & (table["tier_above_input_tokens"] == 0)
        & _prices.in_force(table, day)
        & table["input_usd_per_mtok"].notna()
    ]
    if output_tokens > 0:
        live = live[live["output_usd_per_mtok"].notna()]
    if provider is not None:
        wanted = [provider] if isinstance(provider, str) else list(provider)
        unknown = sorted(set(wanted) - set(table["provider"]))
        if unknown:
            raise ValueError(f"provider: unknown {unknown[0]!r}")
        live = live[live["provider"].isin(wanted)]
    if models is not None:
        keys = {_prices.resolve_model(m) for m in models}
        live = live[[(p, m) in keys for p, m in zip(live["provider"], live["model"], strict=True)]]
    live = live.drop_duplicates(["provider", "model"])
    if live.empty:
        return pd.DataFrame(columns=["provider", "model", "display_name", "cost_per_request_usd", "total_usd"])
    window = live["context_window_tokens"]
    fits = (window >= input_tokens + output_tokens).astype("boolean").where(window.notna(), pd.NA)
    live = live.assign(fits_context=fits)
    if not include_too_small:
        live = live[live["fits_context"].fillna(True).astype(bool)]
    usage = pd.DataFrame({
        "provider": live["provider"].to_numpy(),
        "model": live["model"].to_numpy(),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cached_input_tokens": cached_input_tokens,
        "reasoning_tokens": reasoning_tokens,
        "service_tier": service_tier,
    })
    priced = _costs.price_usage(usage, as_of=day, prices=table)
    out = pd.DataFrame({
        "provider": live["provider"].to_numpy(),
        "model": live["model"].to_numpy(),
        "display_name": live["display_name"].to_numpy(),
        "cost_per_request_usd": priced["total_usd"].to_numpy(),
        "total_usd": priced["total_usd"].to_numpy() * requests,
    })
    for comp in ("input_usd", "cached_input_usd", "output_usd", "reasoning_usd"):
        out[comp] = priced[comp].to_numpy()
    out["context_window_tokens"] = live["context_window_tokens"].array
    out["fits_context"] = live["fits_context"].array
    out["is_override"] = priced["is_override"].to_numpy()
    out["price_source"] = priced["price_source"].astype(str).to_numpy()
    provider_rank = (out["provider"] != "openai").astype(int)
    out = out.assign(_p=provider_rank).sort_values(["total_usd", "_p", "provider", "model"], kind="stable")
    return out.drop(columns="_p").reset_index(drop=True)
