"""Rank every model by what one workload costs on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from explorer import candidates as _cand
from explorer import costs as _costs
from explorer import prices as _prices
from explorer.limits import clip

__all__ = ["CANDIDATE_COLUMNS", "PROVENANCE_COLUMNS", "context_floor_tokens", "rank_models"]

CANDIDATE_COLUMNS: tuple[str, ...] = ("kind", "maker", "first_party", "host_kind", "served_by", "fine_tuned",
                                      "alternatives")
"""What :mod:`explorer.candidates` says of each ranked row: its kind, maker, who serves it, whether it is a
fine-tune, and the other names of the same offering."""

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
    kind: str | None = _cand.DEFAULT_KIND,
    include_fine_tuned: bool = False,
    first_party_only: bool | None = None,
) -> pd.DataFrame:
    """Every comparable candidate (or the given models) ranked by the cost of ``requests`` requests of this shape.

    Candidates (:mod:`explorer.candidates`): models of ``kind`` (chat by default; None: every kind), fine-tuned
    snapshots only with ``include_fine_tuned``, names of one offering collapsed into one row (the others in
    ``alternatives``), and, when neither ``provider`` nor ``models`` is given, only each maker's own API
    (``first_party_only``, default True then: Claude on Anthropic, not on a router); each row says who made
    it (``maker``) and who serves it when not the maker (``served_by``, ``"Google Vertex AI"``). Models
    named in ``models`` are ranked whatever their kind.

    Models whose context window is smaller than ``input_tokens + output_tokens`` are left out (unless
    ``include_too_small``). Models with no known context window are never counted as fitting a request
    bigger than :func:`context_floor_tokens` (every known window that day): they come after every model
    known to fit, with ``fits_context`` NA and ``context_unknown`` True (ranked among themselves), so a
    caller can show them apart. Smaller requests rank them with the rest (window NA, ``fits_context``
    True).
    Models that cannot price this workload (no output price, e.g. embeddings, with output tokens > 0)
    are left out.

    Only models on sale on ``as_of`` with a sourced price that day are ranked. ``include_retired`` adds the
    models shut down by then, priced at their last price and marked ``retired``. Models named in ``models``
    that cannot be ranked are listed, with the reason ("davinci was shut down on 2024-01-04; its last price
    was ..."), in ``result.attrs["unpriced"]`` (model -> reason): never priced silently.

    Returns columns provider, model, display_name, cost_per_request_usd, total_usd, the cost components
    for one request, context_window_tokens, fits_context, context_unknown, is_override, the provenance and
    lifecycle of the price used (:data:`PROVENANCE_COLUMNS`), and :data:`CANDIDATE_COLUMNS`; cheapest first
    (models known to fit, then those whose context window is unknown). ``result.attrs["left_out"]`` counts
    the offerings left out by the candidate rules (``other_kinds``, ``fine_tuned``, ``third_party``,
    ``duplicates``).
    """
    for name, value in (("input_tokens", input_tokens), ("output_tokens", output_tokens), ("requests", requests),
                        ("cached_input_tokens", cached_input_tokens), ("reasoning_tokens", reasoning_tokens)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name}: expected a whole number >= 0, got {clip(value)}")
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
            raise ValueError(f"provider: unknown {clip(unknown[0])}")
        live = live[live["provider"].isin(wanted)]
    if first_party_only is None:
        first_party_only = provider is None and models is None
    left_out: dict[str, int] = {}
    unpriced: dict[str, str] = {}
    if models is not None:
        keys = {_prices.resolve_model(m) for m in models}
        live = live[[(p, m) in keys for p, m in zip(live["provider"], live["model"], strict=True)]]
        ranked = set(zip(live["provider"], live["model"], strict=True))
        for p, m in sorted(keys - ranked):
            reason = _prices.why_unpriced(p, m, day, table=table, service_tier=service_tier)
            unpriced[m] = reason or f"{m} cannot price this workload on {day.date()}"
    live = _cand.annotate(live.drop_duplicates(["provider", "model"]))
    if models is None:
        n = len(live)
        kept = _cand.select(live, kind=kind, include_fine_tuned=True)
        left_out["other_kinds"] = n - len(kept)
        n = len(kept)
        kept = _cand.select(kept, kind=None, include_fine_tuned=include_fine_tuned)
        left_out["fine_tuned"] = n - len(kept)
        n = len(kept)
        kept = _cand.select(kept, kind=None, include_fine_tuned=True, first_party_only=first_party_only)
        left_out["third_party"] = n - len(kept)
        n = len(kept)
        # Collapse before the context filter so that a name's twin is never counted twice.
        live = _cand.collapse_duplicates(kept, _cand.SAME_OFFERING_COLUMNS)
        left_out["duplicates"] = n - len(live)
    else:
        live = live.assign(alternatives=[()] * len(live))
    if live.empty:
        empty = pd.DataFrame(columns=["provider", "model", "display_name", "cost_per_request_usd", "total_usd",
                                      "context_unknown", *PROVENANCE_COLUMNS, *CANDIDATE_COLUMNS])
        empty.attrs["unpriced"] = unpriced
        empty.attrs["left_out"] = left_out
        return empty
    window = live["context_window_tokens"]
    need = input_tokens + output_tokens
    # An unknown context window is only a doubt for a request bigger than every known window of a model
    # that generates text on that day: a 1,200-token request fits them all, so gemini-2.5-pro (no window in
    # genai-prices) is ranked with the rest, not set apart.
    floor = context_floor_tokens(base, day, kind=kind) if window.isna().any() else 0
    fits = (window >= need).astype("boolean").where(window.notna(), True if need <= floor else pd.NA)
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
    out["context_unknown"] = out["fits_context"].isna().to_numpy()
    out["is_override"] = priced["is_override"].to_numpy()
    out["price_source"] = priced["price_source"].astype(str).to_numpy()
    out["verified_on"] = live["verified_on"].to_numpy()
    for col in ("launched", "deprecated_on", "shutdown_on"):
        out[col] = live[col].to_numpy()
    out["lifecycle_status"] = _prices.lifecycle_status(out, day).to_numpy()
    for col in CANDIDATE_COLUMNS:
        out[col] = live[col].to_numpy()
    provider_rank = (out["provider"] != "openai").astype(int)
    out = out.assign(_p=provider_rank).sort_values(
        ["context_unknown", "total_usd", "_p", "provider", "model"], kind="stable")
    out = out.drop(columns="_p").reset_index(drop=True)
    out.attrs["unpriced"] = unpriced
    out.attrs["left_out"] = left_out
    out.attrs["context_floor_tokens"] = floor
    return out


def context_floor_tokens(table: pd.DataFrame, day: pd.Timestamp, *, kind: str | None = _cand.DEFAULT_KIND) -> int:
    """The smallest known context window of a model of ``kind`` (None: any that generates text) on ``day``.

    A request of at most this many tokens fits every such model whose window is known (4,095 tokens for
    chat models on 2026-12-02); derived from the data for the day rather than fixed, so it follows the table.
    """
    live = table[_prices.in_force(table, day) & table["output_usd_per_mtok"].notna()
                 & table["context_window_tokens"].notna()]
    live = live.drop_duplicates(["provider", "model"])
    if kind is not None and len(live):
        live = _cand.select(_cand.annotate(live), kind=kind, include_fine_tuned=True)
    known = live["context_window_tokens"]
    return int(known.min()) if len(known) else 0
