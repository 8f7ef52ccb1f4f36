"""Does prompt caching pay? A prompt prefix of N tokens sent once to write the cache and then reused R times
within the cache's lifetime, priced with and without caching, per model, with the break-even R.

Every figure comes from the cost engine (:func:`explorer.usage.price`), so long-context tiers, price dates,
service tiers and overrides apply as everywhere else. What each provider charges:

- **OpenAI**: caching is automatic and writes cost nothing extra (a write is billed as plain input);
  reads are discounted. It pays from the first reuse.
- **Anthropic**: a write costs more than plain input (5-minute writes 1.25x, 1-hour writes 2x the input
  price in the bundled table), reads 0.1x; the break-even is one reuse for 5-minute writes, two for 1-hour.
- **Gemini**: implicit caching bills writes as plain input; explicit caches also pay storage per token-hour,
  which the price table does not carry: pass ``storage_usd_per_mtok_hour`` (and ``hours``) to include it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from explorer import prices as _prices
from explorer.limits import clip

__all__ = ["DEFAULT_MODELS", "WRITE_DURATIONS", "caching_pays"]

DEFAULT_MODELS: tuple[str, ...] = (
    "gpt-4.1",
    "gpt-5-mini",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "gemini-2.5-flash",
    "gemini-2.5-pro",
)
"""Models compared when none are named: two of each provider's."""

WRITE_DURATIONS: tuple[str, ...] = ("5m", "1h")
"""Cache lifetimes a write can ask for (Anthropic prices them differently; others ignore it)."""


def caching_pays(
    prefix_tokens: int,
    reuses: int | Sequence[int] = (1, 2, 5, 10, 100),
    *,
    models: Sequence[str] = DEFAULT_MODELS,
    other_input_tokens: int = 0,
    write_duration: Literal["5m", "1h"] = "5m",
    storage_usd_per_mtok_hour: float | None = None,
    hours: float = 1.0,
    service_tier: str = "standard",
    as_of: dt.date | str | None = None,
    prices: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cost of a cached prefix against sending it uncached every time, per model and number of reuses.

    The prefix goes out ``1 + reuses`` times: once to write the cache, then ``reuses`` reads. Each request
    may carry ``other_input_tokens`` of uncached input too (it only matters for long-context tiers, and is
    in both columns). ``write_duration`` picks Anthropic's 5-minute or 1-hour write price.
    ``storage_usd_per_mtok_hour`` (Gemini's explicit caches) adds ``prefix_tokens * hours`` of storage.

    Columns: ``provider``, ``model``, ``prefix_tokens``, ``reuses``, ``without_cache_usd``,
    ``with_cache_usd``, ``saving_usd``, ``pays`` (with < without), ``break_even_reuses`` (the fewest reuses
    for which caching costs no more; NA when it never does), ``write_vs_input`` (a write's price over plain
    input's), ``read_vs_input``, ``note``.

    Raises:
        ValueError: a bad count, an unknown model (naming the closest), a duration not in
            :data:`WRITE_DURATIONS`.
    """
    from explorer import usage as u

    reuse_list = [reuses] if isinstance(reuses, int) else list(reuses)
    for name, value in (("prefix_tokens", prefix_tokens), ("other_input_tokens", other_input_tokens),
                        *(("reuses", r) for r in reuse_list)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"{name}: {clip(value)} is not a whole number >= 0")
    if prefix_tokens == 0:
        raise ValueError("prefix_tokens: 0; a cached prefix needs at least one token")
    if not reuse_list:
        raise ValueError("reuses: give at least one number of reuses")
    if write_duration not in WRITE_DURATIONS:
        raise ValueError(f"write_duration: {clip(write_duration)}; expected one of {', '.join(WRITE_DURATIONS)}")
    if storage_usd_per_mtok_hour is not None and not (storage_usd_per_mtok_hour >= 0 and hours >= 0):
        raise ValueError("storage_usd_per_mtok_hour and hours must be numbers >= 0")
    if not models:
        raise ValueError("models: name at least one model")
    table = prices if prices is not None else _prices.price_history()
    keys = []
    for m in models:
        try:
            keys.append(_prices.resolve_model(m))
        except _prices.UnknownModelError as exc:
            raise ValueError(f"model: {exc}") from None
    total_in = prefix_tokens + other_input_tokens
    one_hour = prefix_tokens if write_duration == "1h" else 0
    rows = []
    for provider, model in keys:
        for kind, extra in (
            ("plain", {}),
            ("write", {"cache_write_tokens": prefix_tokens, "cache_write_1h_tokens": one_hour}),
            ("read", {"cached_input_tokens": prefix_tokens}),
        ):
            rows.append({"provider": provider, "model": model, "kind": kind, "input_tokens": total_in,
                         "output_tokens": 0, "service_tier": service_tier, **extra})
    frame = pd.DataFrame(rows).fillna(0)
    for c in ("cache_write_tokens", "cache_write_1h_tokens", "cached_input_tokens"):
        frame[c] = frame[c].astype(np.int64)
    frame.index = pd.Index([f"{r['model']} ({r['kind']})" for r in rows], name="request")
    priced = u.price(u.normalize_usage(frame, path="caching", unit="request"), as_of=as_of, prices=table)
    notes_1h = priced.attrs.get("notes", [])
    out = []
    for i, (provider, model) in enumerate(keys):
        plain, write, read = (float(x) for x in priced["total_usd"].iloc[3 * i : 3 * i + 3])
        other = _other_input_usd(priced.iloc[3 * i], prefix_tokens, total_in)
        prefix_plain = plain - other
        storage = 0.0
        notes = []
        if storage_usd_per_mtok_hour is not None:
            storage = prefix_tokens * hours * storage_usd_per_mtok_hour / 1e6
        elif provider == "google" and not model.startswith("claude"):
            notes.append("implicit caching (explicit caches also pay storage per hour, not in the price table)")
        if math.isclose(write, plain, rel_tol=1e-12, abs_tol=1e-15):
            notes.append("writes cost the same as plain input")
        elif write_duration == "1h" and any(f"{provider}/{model}" in n for n in notes_1h):
            notes.append("no 1-hour write price: the 5-minute one is used")
        if read >= plain:
            notes.append("no cache discount in the price table")
        gain = plain - read  # what each reuse saves
        cost = write + storage - plain  # what the first request costs extra
        even = max(0, math.ceil(cost / gain - 1e-12)) if gain > 0 else None
        for r in reuse_list:
            without = (1 + r) * plain
            with_cache = write + storage + r * read
            out.append({
                "provider": provider,
                "model": model,
                "prefix_tokens": prefix_tokens,
                "reuses": r,
                "without_cache_usd": without,
                "with_cache_usd": with_cache,
                "saving_usd": without - with_cache,
                "pays": with_cache < without - 1e-15,
                "break_even_reuses": even,
                "write_vs_input": (write - other) / prefix_plain if prefix_plain else float("nan"),
                "read_vs_input": (read - other) / prefix_plain if prefix_plain else float("nan"),
                "note": "; ".join(notes),
            })
    result = pd.DataFrame(out)
    result["break_even_reuses"] = result["break_even_reuses"].astype("Int64")
    return result


def _other_input_usd(row: pd.Series, prefix_tokens: int, total_in: int) -> float:
    """What the uncached request's other (non-prefix) input costs: input is priced per token, so its
    share of the input cost is proportional to its tokens."""
    return float(row["input_usd"]) * (total_in - prefix_tokens) / total_in if total_in else 0.0
