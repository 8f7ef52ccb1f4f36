"""Rank every model by what one workload costs on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from explorer import costs as _costs
from explorer import prices as _prices

__all__ = ["PROVENANCE_COLUMNS", "rank_models"]

PROVENANCE_COLUMNS: tuple[str, ...] = (
    "price_source", "verified_on", "launched", "deprecated_on", "shutdown_on", "lifecycle_status",
)
"""Where each ranked price comes from, when a person checked it (NaT: never), and the model's lifecycle."""


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
    include_retired: bool = False,
) -> pd.DataFrame:
    """Every model (or the given ones) ranked by the cost of ``requests`` requests of this shape.

    Models whose context window is smaller than ``input_tokens + output_tokens`` are left out (unless
    ``include_too_small``); models with no known context window stay in, with ``fits_context`` NA.
    Models that cannot price this workload (no output price, e.g. embeddings, with output tokens > 0)
    are left out.

    Only models on sale on ``as_of`` with a sourced price that day are ranked. ``include_retired`` adds the
    models shut down by then, priced at their last price and marked ``retired``. Models named in ``models``
    that cannot be ranked are listed, with the reason ("davinci was shut down on 2024-01-04; its last price
    was ..."), in ``result.attrs["unpriced"]`` (model -> reason): never priced silently.

    Returns columns provider, model, display_name, cost_per_request_usd, total_usd, the cost components
    for one request, context_window_tokens, fits_context, is_override, and the provenance and lifecycle of
    the price used (:data:`PROVENANCE_COLUMNS`); cheapest first.
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
    base = table[(table["service_tier"] == service_tier) & (table["tier_above_input_tokens"] == 0)
                 & table["input_usd_per_mtok"].notna()]
    live = base[_prices.in_force(base, day)]
    if include_retired:
        live = pd.concat([live, _prices.last_prices(base, day)])
    if output_tokens > 0:
        live = live[live["output_usd_per_mtok"].notna()]
    if provider is not None:
        wanted = [provider] if isinstance(provider, str) else list(provider)
        unknown = sorted(set(wanted) - set(table["provider"]))
        if unknown:
            raise ValueError(f"provider: unknown {unknown[0]!r}")
        live = live[live["provider"].isin(wanted)]
    unpriced: dict[str, str] = {}
    if models is not None:
        keys = {_prices.resolve_model(m) for m in models}
        live = live[[(p, m) in keys for p, m in zip(live["provider"], live["model"], strict=True)]]
        ranked = set(zip(live["provider"], live["model"], strict=True))
        for p, m in sorted(keys - ranked):
            reason = _prices.why_unpriced(p, m, day, table=table, service_tier=service_tier)
            unpriced[m] = reason or f"{m} cannot price this workload on {day.date()}"
    live = live.drop_duplicates(["provider", "model"])
    if live.empty:
        empty = pd.DataFrame(columns=["provider", "model", "display_name", "cost_per_request_usd", "total_usd",
                                      *PROVENANCE_COLUMNS])
        empty.attrs["unpriced"] = unpriced
        return empty
    window = live["context_window_tokens"]
    fits = (window >= input_tokens + output_tokens).astype("boolean").where(window.notna(), pd.NA)
    live = live.assign(fits_context=fits)
    if not include_too_small:
        live = live[live["fits_context"].fillna(True).astype(bool)]
    retired = live["shutdown_on"].notna() & (live["shutdown_on"] <= day)
    # A retired model is priced on the eve of its shutdown: the last day its last price was in force.
    when = live["valid_to"].where(retired, day + pd.Timedelta(days=1)) - pd.Timedelta(days=1)
    usage = pd.DataFrame({
        "provider": live["provider"].to_numpy(),
        "model": live["model"].to_numpy(),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cached_input_tokens": cached_input_tokens,
        "reasoning_tokens": reasoning_tokens,
        "service_tier": service_tier,
        "timestamp": when.to_numpy(),
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
    out["verified_on"] = live["verified_on"].to_numpy()
    for col in ("launched", "deprecated_on", "shutdown_on"):
        out[col] = live[col].to_numpy()
    out["lifecycle_status"] = _prices.lifecycle_status(out, day).to_numpy()
    provider_rank = (out["provider"] != "openai").astype(int)
    out = out.assign(_p=provider_rank).sort_values(["total_usd", "_p", "provider", "model"], kind="stable")
    out = out.drop(columns="_p").reset_index(drop=True)
    out.attrs["unpriced"] = unpriced
    return out
