"""One request's cost from the cached price table, with the standard library only.

``explorer cost --model M --input-tokens N --output-tokens K`` is a command people put in scripts: it should
answer before they notice. The cost engine (explorer/costs.py) needs pandas, numpy and genai-prices, whose
imports alone take several times longer than the answer. This module prices the common case, an exact model
id or alias on a plain date with the bundled (or refreshed) prices and no overrides, straight from
:mod:`explorer.table_cache`, with the engine's semantics and float operations in the same order, so the
result is the same to the bit (tests/test_startup.py compares them over every cached model). Anything else
(an unknown or fuzzy name, a missing rate, a date out of range, overrides) returns None and the engine
answers, with its one-line errors.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from explorer import table_cache

__all__ = ["COMPONENTS", "PARTS", "Quote", "cost", "freshness_text"]

# component -> (count column, price column, fallback price column, per); the cost engine uses this table too.
PARTS: dict[str, tuple[str, str, str | None, float]] = {
    "input_usd": ("_text_input", "input_usd_per_mtok", None, 1e6),
    "cached_input_usd": ("cached_input_tokens", "cached_input_usd_per_mtok", "input_usd_per_mtok", 1e6),
    "cache_write_usd": ("cache_write_tokens", "cache_write_usd_per_mtok", "input_usd_per_mtok", 1e6),
    "input_audio_usd": ("input_audio_tokens", "input_audio_usd_per_mtok", "input_usd_per_mtok", 1e6),
    "input_image_usd": ("input_image_tokens", "input_image_usd_per_mtok", "input_usd_per_mtok", 1e6),
    "output_usd": ("_text_output", "output_usd_per_mtok", None, 1e6),
    "reasoning_usd": ("reasoning_tokens", "reasoning_usd_per_mtok", "output_usd_per_mtok", 1e6),
    "output_audio_usd": ("output_audio_tokens", "output_audio_usd_per_mtok", "output_usd_per_mtok", 1e6),
    "output_image_usd": ("output_image_tokens", "output_image_usd_per_mtok", "output_usd_per_mtok", 1e6),
    "web_search_usd": ("web_search_calls", "web_search_usd_per_kcall", None, 1e3),
    "file_search_usd": ("file_search_calls", "file_search_usd_per_kcall", None, 1e3),
}
COMPONENTS: tuple[str, ...] = tuple(PARTS)

EARLIEST_PRICES_DAY = dt.date(2020, 6, 11)
"""The OpenAI API opened (GPT-3 beta): no price table says anything about earlier days."""
STALE_AFTER_DAYS = 90
"""Warn when the price data in use was checked this many days or more before the date asked for."""
MAX_COUNT = 10**15  # the engine's limit: beyond it float64 stops being exact to the token
_PLAIN_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_NS_PER_DAY = 86_400 * 10**9
_EPOCH = dt.date(1970, 1, 1).toordinal()


@dataclasses.dataclass(frozen=True)
class Quote:
    """The cost of one request, as ``costs.cost_of`` prices it."""

    resolved_provider: str
    """Provider id of the model priced."""
    resolved_model: str
    """Model id in the price table."""
    service_tier: str
    """standard, batch, flex or priority."""
    components_usd: Mapping[str, float]
    """Each of :data:`COMPONENTS`, in order."""
    total_usd: float
    """The components' sum, added in the engine's order."""
    price_source: str
    """Where the price row comes from."""
    day: dt.date
    """The pricing date."""
    stale_warning: str | None
    """:func:`freshness_text` for ``day``."""
    verified_on: dt.date | None = None
    """When a person compared the price row with its source; None when nobody did."""
    launched: dt.date | None = None
    """The model's launch day, if known."""
    deprecated_on: dt.date | None = None
    """When its shutdown was announced, if it was."""
    shutdown_on: dt.date | None = None
    """Its shutdown day, if one is announced (no row is in force from that day on)."""
    lifecycle_status: str = "active"
    """``active`` or ``deprecated`` on ``day`` (a retired model has no row in force, so no quote)."""

    def provenance(self) -> dict[str, str | None]:
        """verified_on and the lifecycle as the CLI prints them (dates as YYYY-MM-DD, None when unknown)."""
        def text(d: dt.date | None) -> str | None:
            return None if d is None else d.isoformat()

        return {"verified_on": text(self.verified_on), "lifecycle_status": self.lifecycle_status,
                "launched": text(self.launched), "deprecated_on": text(self.deprecated_on),
                "shutdown_on": text(self.shutdown_on)}


def freshness_text(checked: dt.date, day: dt.date) -> str | None:
    """One line when prices checked on ``checked`` are more than 90 days older than ``day``."""
    age = (day - checked).days
    if age <= STALE_AFTER_DAYS:
        return None
    return (f"prices were last checked on {checked}, {age} days before {day}; they may have changed "
            "(explorer refresh-prices downloads newer ones)")


def _day(as_of: str | None) -> dt.date | None:
    """A plain YYYY-MM-DD (or today) inside the range the engine accepts; None sends anything else to it."""
    if as_of is None:
        day = dt.date.today()
    elif _PLAIN_DAY.fullmatch(as_of):
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            return None
    else:
        return None
    if day < EARLIEST_PRICES_DAY or day > dt.date.today() + dt.timedelta(days=1):
        return None
    return day


@dataclasses.dataclass(frozen=True)
class _Loaded:
    table: table_cache.CachedTable
    rows: Mapping[tuple[str, str, str], list[int]]  # (provider, model, tier) -> row positions


_LOADED: dict[str, _Loaded] = {}


def _load() -> _Loaded | None:
    cached = table_cache.read()
    if cached is None:
        return None
    if cached.key not in _LOADED:
        cols = cached.columns
        rows: dict[tuple[str, str, str], list[int]] = {}
        for i, key in enumerate(zip(cols["provider"], cols["model"], cols["service_tier"], strict=True)):
            rows.setdefault(key, []).append(i)
        _LOADED.clear()
        _LOADED[cached.key] = _Loaded(cached, rows)
    return _LOADED[cached.key]


def _date_of(ns: int | None) -> dt.date | None:
    """A cached datetime (int ns since 1970, None for NaT) as a date."""
    return None if ns is None else dt.date.fromordinal(_EPOCH + ns // _NS_PER_DAY)


def _price_row(loaded: _Loaded, pair: tuple[str, str], tier: str, day: dt.date, input_tokens: int) -> int | None:
    """The row the engine picks: in force on ``day``, the highest long-context threshold passed."""
    cols = loaded.table.columns
    at = (day.toordinal() - _EPOCH) * _NS_PER_DAY
    live = [i for i in loaded.rows.get((*pair, tier), [])
            if (cols["valid_from"][i] is None or cols["valid_from"][i] <= at)
            and (cols["valid_to"][i] is None or cols["valid_to"][i] > at)]
    thresholds = [int(cols["tier_above_input_tokens"][i]) for i in live]
    if 0 not in thresholds or len(set(thresholds)) != len(thresholds):
        return None  # no base price, or overlapping rows: the engine explains or decides
    passed = [(t, i) for t, i in zip(thresholds, live, strict=True) if t == 0 or input_tokens > t]
    return max(passed)[1]


def cost(
    model: str,
    input_tokens: int,
    output_tokens: int,
    *,
    cached_input_tokens: int = 0,
    reasoning_tokens: int = 0,
    web_search_calls: int = 0,
    file_search_calls: int = 0,
    service_tier: str = "standard",
    as_of: str | None = None,
) -> Quote | None:
    """:func:`explorer.costs.cost_of` for the common case, or None when only the engine can answer."""
    day = _day(as_of)
    counts: dict[str, int] = {
        "_text_input": input_tokens - cached_input_tokens,
        "_text_output": output_tokens - reasoning_tokens,
        "cached_input_tokens": cached_input_tokens,
        "reasoning_tokens": reasoning_tokens,
        "web_search_calls": web_search_calls,
        "file_search_calls": file_search_calls,
    }
    given = (input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, web_search_calls, file_search_calls)
    if day is None or "/" in model or ":" in model or min(counts.values()) < 0 or max(given) > MAX_COUNT:
        return None
    loaded = _load()
    if loaded is None:
        return None
    pair = loaded.table.resolved.get(model.strip().lower())
    if pair is None:
        return None
    i = _price_row(loaded, pair, service_tier, day, input_tokens)
    if i is None:
        return None
    cols: Mapping[str, Any] = loaded.table.columns
    components: dict[str, float] = {}
    total = 0.0
    for name, (count_col, price_col, fallback, per) in PARTS.items():
        count = counts.get(count_col, 0)
        rate = cols[price_col][i]
        if rate is None and fallback is not None:
            rate = cols[fallback][i]
        if rate is None and count > 0:
            return None  # the engine names the missing rate
        # The engine's operations, in its order: rate per unit, times the count (as float64), summed.
        value = float(count) * (0.0 if rate is None else float(rate) / per)
        components[name] = value
        total += value
    deprecated_on = _date_of(cols["deprecated_on"][i])
    # No row is in force from the shutdown on, so the model is deprecated or active here (prices.lifecycle_status).
    status = "deprecated" if deprecated_on is not None and deprecated_on <= day else "active"
    return Quote(pair[0], pair[1], service_tier, components, total, str(cols["source"][i]), day,
                 freshness_text(loaded.table.checked, day), verified_on=_date_of(cols["verified_on"][i]),
                 launched=_date_of(cols["launched"][i]), deprecated_on=deprecated_on,
                 shutdown_on=_date_of(cols["shutdown_on"][i]), lifecycle_status=status)
