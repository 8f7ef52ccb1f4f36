"""What changed after a date: every price change, launch, deprecation and shutdown in the dated price table,
and what each one did to a scenario's monthly cost ("the 2026-08-21 cut saved this workload $X a month")."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from explorer import prices as _prices
from explorer.limits import clip

__all__ = ["CHANGE_COLUMNS", "EVENTS", "price_changes", "scenario_effect"]

EVENTS: tuple[str, ...] = ("launch", "first sourced price", "price change", "deprecation announced", "shutdown")
"""Kinds of change :func:`price_changes` lists."""

CHANGE_COLUMNS: tuple[str, ...] = (
    "day", "provider", "model", "event", "description", "input_usd_per_mtok_before", "input_usd_per_mtok_after",
    "output_usd_per_mtok_before", "output_usd_per_mtok_after", "source", "verified_on",
)
"""Columns of :func:`price_changes`: one row per event, oldest first. ``source`` and ``verified_on`` are the
new price's (the lifecycle source for deprecations and shutdowns)."""

_SHOWN = {"input_usd_per_mtok": "input", "cached_input_usd_per_mtok": "cached input",
          "output_usd_per_mtok": "output", "input_audio_usd_per_mtok": "audio input",
          "output_audio_usd_per_mtok": "audio output", "web_search_usd_per_kcall": "web search / 1K calls",
          "file_search_usd_per_kcall": "file search / 1K calls"}


def _usd(x: float) -> str:
    from explorer import fmt

    return fmt.rate(x, missing="none")


def _prices_text(row: pd.Series) -> str:
    return "; ".join(f"{label} {_usd(row[col])}" for col, label in _SHOWN.items() if pd.notna(row[col]))


def _differences(before: pd.Series | None, after: pd.Series) -> list[str]:
    out = []
    for col, label in _SHOWN.items():
        old = math.nan if before is None else before[col]
        new = after[col]
        if not (pd.isna(old) and pd.isna(new)) and (pd.isna(old) or pd.isna(new) or not math.isclose(old, new)):
            out.append(f"{label} {_usd(old)} -> {_usd(new)}")
    return out


def price_changes(
    since: dt.date | str,
    *,
    until: dt.date | str | None = None,
    provider: str | Sequence[str] | None = None,
    models: Iterable[str] | None = None,
    table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every standard-tier price change, launch, deprecation notice and shutdown after ``since`` (exclusive)
    up to ``until`` (default today, inclusive), oldest first.

    ``models`` are any names the resolver accepts; ``provider`` keeps those providers only.
    """
    lo = _prices._as_timestamp(since, "since")
    hi = _prices._as_timestamp(until, "until")
    if hi < lo:
        raise ValueError(f"until: {hi.date()} is before since {lo.date()}")
    table = table if table is not None else _prices.price_history()
    base = table[(table["service_tier"] == "standard") & (table["tier_above_input_tokens"] == 0)]
    if provider is not None:
        wanted = [provider] if isinstance(provider, str) else list(provider)
        unknown = sorted(set(wanted) - set(table["provider"]))
        if unknown:
            raise ValueError(f"provider: unknown {clip(unknown[0])}")
        base = base[base["provider"].isin(wanted)]
    if models is not None:
        keys = {_prices.resolve_model(m) for m in models}
        base = base[[(p, m) in keys for p, m in zip(base["provider"], base["model"], strict=True)]]
    base = base[base[list(_prices.PRICE_VALUE_COLUMNS)].notna().any(axis=1)]
    # Only models with a row or a lifecycle date after `since` can have an event there: skip the rest early.
    touched = (base["valid_from"] > lo) | (base["valid_to"] > lo) | (base["shutdown_on"] > lo) | (
        base["deprecated_on"] > lo)
    keys_touched = set(zip(base.loc[touched, "provider"], base.loc[touched, "model"], strict=True))
    rows: list[dict[str, Any]] = []

    def add(day: pd.Timestamp, prov: str, model: str, event: str, text: str, before: pd.Series | None,
            after: pd.Series | None, source: str, verified: Any) -> None:
        if not (lo < day <= hi):
            return
        rows.append({
            "day": day, "provider": prov, "model": model, "event": event, "description": text,
            "input_usd_per_mtok_before": math.nan if before is None else before["input_usd_per_mtok"],
            "input_usd_per_mtok_after": math.nan if after is None else after["input_usd_per_mtok"],
            "output_usd_per_mtok_before": math.nan if before is None else before["output_usd_per_mtok"],
            "output_usd_per_mtok_after": math.nan if after is None else after["output_usd_per_mtok"],
            "source": source, "verified_on": verified,
        })

    for (prov, model), g in base.groupby(["provider", "model"], sort=False):
        if (prov, model) not in keys_touched:
            continue
        g = g.sort_values("valid_from", na_position="first")
        first = g.iloc[0]
        launched = first["launched"]
        prev: pd.Series | None = None
        for _, r in g.iterrows():
            start = r["valid_from"]
            if pd.isna(start):
                prev = r
                continue
            if prev is None:
                event = "launch" if pd.notna(launched) and start <= launched else "first sourced price"
                add(start, prov, model, event, _prices_text(r), None, r, r["source"],
                    r["verified_on"])
            else:
                diff = _differences(prev, r)
                if diff:
                    add(start, prov, model, "price change", "; ".join(diff), prev, r, r["source"], r["verified_on"])
            prev = r
        life = _prices.model_lifecycle(prov, model)
        lsrc = life.lifecycle_source if life else ""
        lver = life.verified_on if life else pd.NaT
        last = g.iloc[-1]
        if pd.notna(first["deprecated_on"]):
            end = first["shutdown_on"]
            add(first["deprecated_on"], prov, model, "deprecation announced",
                f"shutdown on {end.date()}" + (f"; replacement: {life.replacement}" if life and life.replacement
                                               else ""), last, last, lsrc, lver)
        if pd.notna(first["shutdown_on"]):
            add(first["shutdown_on"], prov, model, "shutdown", "no longer served; last price: "
                + _prices_text(last), last, None, lsrc, lver)
    out = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    order = {e: i for i, e in enumerate(EVENTS)}
    out = out.assign(_e=out["event"].map(order)).sort_values(["day", "provider", "model", "_e"], kind="stable")
    out = out.drop(columns="_e").reset_index(drop=True)
    out["day"] = pd.to_datetime(out["day"])
    out["verified_on"] = pd.to_datetime(out["verified_on"])
    return out


def scenario_effect(changes: pd.DataFrame, scenario: Any, *, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """``changes`` with the scenario's monthly cost on the model the day before and the day of each change.

    Adds ``monthly_usd_before``, ``monthly_usd_after`` (NaN where the model had no price: before a launch,
    after a shutdown) and ``monthly_change_usd`` (after - before; negative = a saving), plus ``effect``, a
    sentence such as ``"the 2026-08-21 price change saved this workload $1,234.50 a month"``.
    """
    from explorer.scenarios import scenario_costs

    table = table if table is not None else _prices.price_history()
    before = np.full(len(changes), np.nan)
    after = np.full(len(changes), np.nan)
    cache: dict[tuple[str, str, pd.Timestamp], float] = {}

    def monthly(prov: str, model: str, day: pd.Timestamp) -> float:
        key = (prov, model, day)
        if key not in cache:
            if day < _prices.EARLIEST_PRICES:
                cache[key] = math.nan
            else:
                res = scenario_costs(scenario, [(prov, model)], prices=table, as_of=day)
                cache[key] = float(res["monthly_usd"].iloc[0]) if len(res) else math.nan
        return cache[key]

    for i, r in enumerate(changes.itertuples(index=False)):
        day = pd.Timestamp(r.day)
        before[i] = monthly(r.provider, r.model, day - pd.Timedelta(days=1))
        after[i] = monthly(r.provider, r.model, day)
    out = changes.copy()
    out["monthly_usd_before"] = before
    out["monthly_usd_after"] = after
    out["monthly_change_usd"] = after - before
    out["effect"] = [_effect(r, getattr(scenario, "name", "this workload")) for r in out.itertuples(index=False)]
    return out


def _effect(r: Any, name: str) -> str:
    day = pd.Timestamp(r.day).date()
    if pd.isna(r.monthly_usd_before) and pd.notna(r.monthly_usd_after):
        return f"from {day} {name} could run on {r.model} for ${r.monthly_usd_after:,.2f} a month"
    if pd.notna(r.monthly_usd_before) and pd.isna(r.monthly_usd_after):
        return f"from {day} {name} can no longer run on {r.model} (was ${r.monthly_usd_before:,.2f} a month)"
    if pd.isna(r.monthly_change_usd) or r.monthly_change_usd == 0:
        return "no change to the monthly cost"
    verb = "saved" if r.monthly_change_usd < 0 else "added"
    what = f"{r.event} of {r.model}" if r.event != "price change" else f"{r.model} price change"
    return f"the {day} {what} {verb} {name} ${abs(r.monthly_change_usd):,.2f} a month"
