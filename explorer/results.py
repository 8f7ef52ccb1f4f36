"""The pure core behind every view: a scenario, a date and a price table in, results tables out.

Two ways through, one answer:

- :func:`compute_results` gives every table a view shows (ranking, curves, budget, projection,
  crossovers) for one scenario. Notebooks, the report and the CLI call it.
- :class:`RateTable` is the same prices, extracted once per (price table, models, date) into arrays:
  one row per model, one block per service tier and long-context slot. :func:`costs_from_rates` then
  prices any request shape and traffic mix with a few numpy operations (microseconds, not the
  milliseconds of a price-table lookup), so an interactive view recomputes only what a control changed.
  A test holds it equal to :func:`explorer.scenarios.scenario_costs` on random scenarios.

Nothing here imports ipywidgets; the app layer (``explorer.app``) is the only code that does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from explorer import charts as _charts
from explorer import crossovers as _x
from explorer import prices as _prices
from explorer import scenarios as _sc
from explorer.limits import clip

__all__ = [
    "CHART_ROW_COLUMNS",
    "MAX_CURVE_POINTS",
    "SERVICE_TIERS",
    "DashboardResults",
    "RateTable",
    "budget_reach",
    "chart_rows",
    "compute_results",
    "costs_from_rates",
    "crossover_result",
    "curve_points",
    "default_models",
    "image_costs",
    "override_rows",
    "projection",
    "ranked_table",
    "rate_table",
    "volume_curves",
]

MAX_CURVE_POINTS = _charts.CURVE_POINTS
"""Volume points per model on the cost curves (fewer when many models are selected)."""

SERVICE_TIERS: tuple[str, ...] = ("standard", "batch", "flex", "priority")
"""Service tiers a scenario's traffic is split over, in the order of :class:`RateTable`'s tier axis."""
RATE_PARTS: tuple[str, ...] = ("input", "cached_input", "output", "reasoning")
"""Token kinds a rate block holds, in order (USD per million tokens)."""
COMPONENTS: tuple[str, ...] = ("input_usd", "cached_input_usd", "output_usd", "reasoning_usd")


# --------------------------------------------------------------------------------------------------
# Rates: the prices of a model set on one date, as arrays


@dataclasses.dataclass(frozen=True)
class RateTable:
    """Prices of some models on one date, ready for vectorised pricing of any request shape.

    Row ``i`` is model ``keys[i]``. A model with ``priced[i]`` False has no usable price and carries the
    reason in ``skip_reason[i]``.
    """

    as_of: str
    """Price date, YYYY-MM-DD."""
    keys: tuple[tuple[str, str], ...]
    """(provider, model) per row, in the order asked for."""
    labels: tuple[str, ...]
    """Name shown in tables and charts per row."""
    priced: np.ndarray = dataclasses.field(repr=False)
    """(n,) bool: a standard price with input and output rates exists."""
    has_output_price: np.ndarray = dataclasses.field(repr=False)
    """(n,) bool: an output rate exists (a model without one cannot price a request with output)."""
    offered: np.ndarray = dataclasses.field(repr=False)
    """(n, 4) bool: the model has a price row on this service tier (:data:`SERVICE_TIERS` order)."""
    thresholds_tokens: np.ndarray = dataclasses.field(repr=False)
    """(n, 4, S) float: slot k of a tier applies when input tokens exceed this (slot 0: -1; unused: inf)."""
    usd_per_mtok: np.ndarray = dataclasses.field(repr=False)
    """(n, 4, S, 4) float: rates per tier and slot, :data:`RATE_PARTS` order, fallbacks applied."""
    is_override: np.ndarray = dataclasses.field(repr=False)
    """(n, 4) bool: the tier's price comes from a user override."""
    context_window_tokens: np.ndarray = dataclasses.field(repr=False)
    """(n,) float: largest request (input + output), NaN when unknown."""
    price_source: tuple[str, ...] = ()
    """Where each model's standard price comes from."""
    skip_reason: tuple[str, ...] = ()
    """Why a model cannot be priced ("" when it can)."""

    def __len__(self) -> int:
        return len(self.keys)

    def model_rates(self, shares: dict[str, float]) -> tuple[list[_x.ModelRates], list[str]]:
        """Blended rates per model for a traffic mix, as :func:`explorer.crossovers.model_rates` gives."""
        shares = {t: s for t, s in shares.items() if s > 0} or {"standard": 1.0}
        out: list[_x.ModelRates] = []
        skipped: list[str] = []
        total = sum(shares.values())
        for i, label in enumerate(self.labels):
            if not self.priced[i] or not self.has_output_price[i]:
                skipped.append(f"{label}: {self.skip_reason[i] or 'no input or output price'}")
                continue
            used = [(SERVICE_TIERS.index(t) if self.offered[i, SERVICE_TIERS.index(t)] else 0, s)
                    for t, s in shares.items()]
            thresholds = sorted({int(v) if v >= 0 else 0 for j, _ in used for v in self.thresholds_tokens[i, j]
                                 if np.isfinite(v)})
            blended = []
            for thr in thresholds:
                acc = np.zeros(len(RATE_PARTS))
                for j, s in used:
                    slot = int((self.thresholds_tokens[i, j] < max(thr, 0) + 0.5).sum()) - 1
                    acc += s * self.usd_per_mtok[i, j, max(slot, 0)]
                blended.append(tuple(float(v) for v in acc / total))
            window = self.context_window_tokens[i]
            out.append(
                _x.ModelRates(
                    self.keys[i][0], self.keys[i][1], label, tuple(thresholds), tuple(blended),  # type: ignore[arg-type]
                    None if np.isnan(window) else int(window),
                    bool(any(self.is_override[i, j] for j, _ in used)),
                )
            )
        return out, skipped


def rate_table(
    models: Iterable[str | tuple[str, str]], *, prices: pd.DataFrame, as_of: dt.date | str
) -> RateTable:
    """Extract the rates of ``models`` in force on ``as_of`` from a price table (overrides included)."""
    day = _prices._as_timestamp(as_of)
    keys = tuple(dict.fromkeys(_sc.model_key(m) for m in models))
    n = len(keys)
    table = prices[prices["model"].isin({m for _, m in keys})]
    live = table[_prices.in_force(table, day)]
    groups = live.groupby(["provider", "model", "service_tier"], sort=False).indices
    slots = 1
    for (prov, model, tier), idx in groups.items():
        if (prov, model) in keys and tier in SERVICE_TIERS:
            slots = max(slots, len(idx))
    priced = np.zeros(n, bool)
    has_out = np.zeros(n, bool)
    offered = np.zeros((n, len(SERVICE_TIERS)), bool)
    thr = np.full((n, len(SERVICE_TIERS), slots), np.inf)
    rates = np.full((n, len(SERVICE_TIERS), slots, len(RATE_PARTS)), np.nan)
    override = np.zeros((n, len(SERVICE_TIERS)), bool)
    window = np.full(n, np.nan)
    sources: list[str] = []
    reasons: list[str] = []
    for i, (prov, model) in enumerate(keys):
        source, reason = "", ""
        std = groups.get((prov, model, "standard"))
        if std is None:
            reason = f"no price on {day.date()}"
        for j, tier in enumerate(SERVICE_TIERS):
            idx = groups.get((prov, model, tier))
            if idx is None:
                continue
            rows = live.iloc[idx].sort_values("tier_above_input_tokens", kind="stable")
            offered[i, j] = True
            override[i, j] = bool(rows["is_override"].any())
            pin = rows["input_usd_per_mtok"].to_numpy(dtype=float)
            pout = rows["output_usd_per_mtok"].to_numpy(dtype=float)
            pc = rows["cached_input_usd_per_mtok"].to_numpy(dtype=float)
            pr = rows["reasoning_usd_per_mtok"].to_numpy(dtype=float)
            k = len(rows)
            levels = rows["tier_above_input_tokens"].to_numpy(dtype=float)
            thr[i, j, :k] = np.where(levels > 0, levels, -1.0)
            # An empty cached or reasoning price pays its parent's rate, as the cost engine bills it.
            rates[i, j, :k] = np.column_stack(
                [pin, np.where(np.isnan(pc), pin, pc), pout, np.where(np.isnan(pr), pout, pr)]
            )
            if tier == "standard":
                first = rows.iloc[0]
                source = str(first["source"]) if pd.notna(first["source"]) else ""
                cw = first["context_window_tokens"]
                window[i] = np.nan if pd.isna(cw) else float(cw)
                has_out[i] = not np.isnan(pout[0])
                if np.isnan(pin[0]):
                    reason = "no input price"
                else:
                    priced[i] = True
        sources.append(source)
        reasons.append(reason)
    return RateTable(
        as_of=str(day.date()),
        keys=keys,
        labels=tuple(_sc.model_label(*k) for k in keys),
        priced=priced,
        has_output_price=has_out,
        offered=offered,
        thresholds_tokens=thr,
        usd_per_mtok=rates,
        is_override=override,
        context_window_tokens=window,
        price_source=tuple(sources),
        skip_reason=tuple(reasons),
    )


def costs_from_rates(
    rates: RateTable, scenario: _sc.Scenario, *, image_usd_per_request: np.ndarray | None = None,
    image_notes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """:func:`explorer.scenarios.scenario_costs` computed from extracted rates: same columns, same order,
    same numbers (to float rounding), without touching the price table."""
    n = len(rates)
    inp = scenario.input_tokens_per_request
    out = scenario.output_tokens_per_request
    cached = scenario.cached_input_tokens_per_request
    reasoning = scenario.reasoning_tokens_per_request
    tokens = np.array([inp - cached, cached, out - reasoning, reasoning], dtype=float)
    shares = scenario.tier_shares() or {"standard": 1.0}
    usable = rates.priced & (rates.has_output_price | (out == 0))
    notes: list[list[str]] = [[] for _ in range(n)]
    for i in range(n):
        # The order of the checks is scenario_costs': no price at all, then no output, then no input price.
        if rates.priced[i] or rates.skip_reason[i] == "no input price":
            if out > 0 and not rates.has_output_price[i]:
                notes[i].append("no output price (not a text-generation model)")
            elif not rates.priced[i]:
                notes[i].append(rates.skip_reason[i])
        else:
            notes[i].append(rates.skip_reason[i])
    per_request = np.zeros((n, len(COMPONENTS)))
    override = np.zeros(n, bool)
    rows = np.arange(n)
    for tier, share in shares.items():
        j = SERVICE_TIERS.index(tier)
        has = rates.offered[:, j]
        for i in np.flatnonzero(usable & ~has):
            notes[i].append(f"no {tier} tier: its {share:.0%} priced at standard")
        col = np.where(has, j, 0)
        slot = (rates.thresholds_tokens[rows, col] < inp).sum(axis=1) - 1
        r = rates.usd_per_mtok[rows, col, np.maximum(slot, 0)]  # (n, 4)
        part = r * tokens / 1e6
        # A token count of zero costs nothing even where the rate is missing.
        part = np.where(tokens > 0, part, 0.0)
        per_request += share * part
        override |= rates.is_override[rows, col]
    per_request[~usable] = np.nan
    image = np.zeros(n) if image_usd_per_request is None else np.asarray(image_usd_per_request, dtype=float)
    if image_notes is not None:
        for i, note in enumerate(image_notes):
            if note:
                notes[i].append(note)
    need = inp + out
    window = rates.context_window_tokens
    fits = pd.array([pd.NA if np.isnan(w) else bool(w >= need) for w in window], dtype="boolean")
    for i in range(n):
        if not np.isnan(window[i]) and window[i] < need:
            notes[i].append(f"request of {need:,} tokens exceeds the {int(window[i]):,}-token context window")
    volume = scenario.requests_per_month
    cost_per_request = per_request.sum(axis=1) + image
    frame = pd.DataFrame(
        {
            "provider": [k[0] for k in rates.keys],
            "model": [k[1] for k in rates.keys],
            "label": list(rates.labels),
            "cost_per_request_usd": cost_per_request,
            "monthly_usd": cost_per_request * volume,
            **{c: per_request[:, j] * volume for j, c in enumerate(COMPONENTS)},
            "other_usd": np.where(usable, 0.0, np.nan) * volume,
            "image_usd": image * volume,
            "fits_context": fits,
            "context_window_tokens": pd.array(
                [pd.NA if np.isnan(w) else int(w) for w in window], dtype="Int64"
            ),
            "is_override": override & usable,
            "price_source": [s if usable[i] else "" for i, s in enumerate(rates.price_source)],
            "note": ["; ".join(dict.fromkeys(x for x in ns if x)) for ns in notes],
        }
    )
    frame = frame.sort_values(["monthly_usd", "provider", "model"], kind="stable", na_position="last")
    return frame.reset_index(drop=True)


def image_costs(
    keys: Sequence[tuple[str, str]], scenario: _sc.Scenario, as_of: dt.date | str
) -> tuple[np.ndarray, list[str]]:
    """Per-request cost of the scenario's generated images on each model, and a note where none is priced."""
    image = np.zeros(len(keys))
    notes = [""] * len(keys)
    if not scenario.images_per_request:
        return image, notes
    img = _prices.load_image_prices(as_of)
    lookup = {(r.provider, r.model, r.quality, r.size): r.usd_per_image for r in img.itertuples()}
    for i, (prov, model) in enumerate(keys):
        usd = lookup.get((prov, model, scenario.image_quality, scenario.image_size))
        if usd is None:
            image[i] = np.nan
            notes[i] = f"no per-image price for {scenario.image_quality} {scenario.image_size}"
        else:
            image[i] = scenario.images_per_request * usd
    return image, notes


# --------------------------------------------------------------------------------------------------
# Default models: the current generation, derived from the prices of the day

MAIN_PROVIDERS: dict[str, tuple[int, str]] = {
    "openai": (4, r"^(?:gpt|o\d)"),
    "anthropic": (3, r"^claude"),
    "google": (3, r"^gemini"),
    "deepseek": (1, r"^deepseek"),
    "mistral": (1, r"^(?:mistral|magistral|codestral|devstral|ministral)"),
    "x-ai": (1, r"^grok"),
}
"""Providers whose current models the dashboard opens on: how many model lines of each, and the names of
their own models (a platform also hosts others': Claude on Vertex is Anthropic's line, not Google's).
OpenAI first: the question this tool starts from."""

_NOT_CHAT = re.compile(
    r"(?:\d{4}-?\d{2}-?\d{2}|preview|audio|realtime|image|banana|search|transcribe|tts|embed|moderation|"
    r"ft:|codex|computer|instruct|latest|-exp|live|robotics|streaming|research|discovery|cyber|guard|vision|"
    r"whisper|dall-e|davinci|babbage|curie|\bada\b|-ocr|omni-moderation|oss|distill|\d+k\b)",
    re.IGNORECASE,
)
_VERSION = re.compile(r"(?<![a-z])(\d+(?:[.-]\d+)*)(?![a-z])", re.IGNORECASE)


def _line_and_version(model: str) -> tuple[str, tuple[int, ...]]:
    """``gpt-5.4-mini`` -> (``gpt-mini``, (5, 4)); ``claude-opus-4-6`` -> (``claude-opus``, (4, 6))."""
    model = re.sub(r"(\d)o\b", r"\1-o", model)  # gpt-4o is version 4 of the "o" line
    found = _VERSION.findall(model)
    version = tuple(int(x) for x in re.split(r"[.-]", found[0])) if found else ()
    line = re.sub(r"-+", "-", _VERSION.sub("", model)).strip("-.")
    return line.lower(), version


def default_models(prices: pd.DataFrame, as_of: dt.date | str) -> tuple[str, ...]:
    """What a newcomer sees first: the newest text models of the main providers on sale on ``as_of``.

    Derived from the price table for the date, never a fixed list: per provider, models with input and
    output prices in force, not marked deprecated, leaving out dated snapshots, fine-tunes and
    audio/realtime/image/search/preview variants; each model line (``gpt-mini``, ``claude-opus``) is
    represented by its highest version, and the lines with the newest versions are taken (ties: the
    cheaper first, the usual starting point of a comparison).
    """
    day = _prices._as_timestamp(as_of)
    t = prices[
        (prices["service_tier"] == "standard")
        & (prices["tier_above_input_tokens"] == 0)
        & _prices.in_force(prices, day)
        & prices["input_usd_per_mtok"].notna()
        & prices["output_usd_per_mtok"].notna()
        & prices["provider"].isin(list(MAIN_PROVIDERS))
        & ~prices["is_override"].fillna(False).astype(bool)
        & ~prices["deprecated"].fillna(False).astype(bool)
    ]
    t = t[~t["model"].astype(str).str.contains(_NOT_CHAT)].drop_duplicates(["provider", "model"])
    chosen: list[str] = []
    for prov, (want, own) in MAIN_PROVIDERS.items():
        best: dict[str, tuple[tuple[int, ...], float, str]] = {}
        for r in t[t["provider"] == prov].itertuples():
            if not re.match(own, str(r.model)):
                continue  # another provider's model on this platform: its home provider lists it
            line, version = _line_and_version(str(r.model))
            cand = (version, -float(r.input_usd_per_mtok), str(r.model))
            if line not in best or cand > best[line]:
                best[line] = cand
        ranked = sorted(best.values(), key=lambda c: (c[0], c[1]), reverse=True)[:want]
        chosen.extend(m if _sc.model_label(prov, m) == m else f"{prov}/{m}" for _, _, m in ranked)
    return tuple(chosen)


# --------------------------------------------------------------------------------------------------
# Results tables


@dataclasses.dataclass(frozen=True)
class DashboardResults:
    """Everything the dashboard shows for one scenario; each frame feeds one table or chart."""

    scenario: _sc.Scenario
    """The inputs, as a scenario."""
    as_of: str
    """Price date used, YYYY-MM-DD."""
    costs: pd.DataFrame
    """:func:`explorer.scenarios.scenario_costs` for the selected models, cheapest first."""
    ranked: pd.DataFrame
    """The ranked table: :func:`ranked_table`."""
    curves: pd.DataFrame
    """Cost curves: :func:`volume_curves`."""
    budget: pd.DataFrame
    """Budget reach: :func:`budget_reach` (empty without a budget)."""
    projection: pd.DataFrame
    """12-month projection: :func:`projection`."""
    crossover: _x.CrossoverResult
    """Cheapest model along the chosen axis."""


def ranked_table(costs: pd.DataFrame) -> pd.DataFrame:
    """Rank, model, monthly cost, cost per request and the share of each component, cheapest first.

    A model whose request does not fit its context window or that cannot be priced ranks last,
    unranked (rank NA), with the reason in ``note``; ``cheapest`` marks the first ranked row.
    """
    # One reorder and numpy arithmetic: every change of the app ranks again (pandas' masks and aligned
    # Series arithmetic on twenty rows cost about 5 ms; this about 1 ms).
    monthly_all = costs["monthly_usd"].to_numpy(dtype=float, na_value=np.nan)
    usable = ~np.isnan(monthly_all) & costs["fits_context"].fillna(True).astype(bool).to_numpy()
    n_ranked = int(usable.sum())
    order = np.concatenate([np.flatnonzero(usable), np.flatnonzero(~usable)])
    df = costs.iloc[order] if n_ranked < len(costs) else costs

    def num(col: str) -> np.ndarray:
        return df[col].to_numpy(dtype=float, na_value=np.nan)

    monthly = num("monthly_usd")
    total = np.where(monthly > 0, monthly, np.nan)
    cheapest = float(monthly_all[usable].min()) if n_ranked else np.nan
    rank = np.full(len(df), -1, dtype=np.int64)
    rank[:n_ranked] = np.arange(1, n_ranked + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "rank": pd.arrays.IntegerArray(rank, rank < 0),
                "model": df["label"].array,
                "provider": df["provider"].array,
                "monthly_usd": monthly,
                "cost_per_request_usd": num("cost_per_request_usd"),
                "input_share": num("input_usd") / total,
                "cached_input_share": num("cached_input_usd") / total,
                "output_share": num("output_usd") / total,
                "reasoning_share": num("reasoning_usd") / total,
                "other_share": (num("other_usd") + num("image_usd")) / total,
                "vs_cheapest": monthly / cheapest if cheapest else np.full(len(df), np.nan),
                "is_override": df["is_override"].array,
                "price_source": df["price_source"].array,
                "note": df["note"].array,
            }
        )
    out["cheapest"] = out["rank"].eq(1).fillna(False).astype(bool)
    return out


def volume_curves(
    costs: pd.DataFrame, requests_per_month: float, n_points: int = MAX_CURVE_POINTS
) -> pd.DataFrame:
    """Monthly cost against volume, from a hundredth to a hundred times the scenario's volume (log grid).

    Cost is linear in volume, so each model's curve is its cost per request times the volume: no
    re-pricing per point.
    """
    centre = max(float(requests_per_month), 1.0)
    grid = np.geomspace(centre / 100, centre * 100, max(2, n_points))
    ok = costs[costs["cost_per_request_usd"].notna() & (costs["cost_per_request_usd"] > 0)]
    n = len(ok)
    return pd.DataFrame(
        {
            "label": np.repeat(ok["label"].to_numpy(), len(grid)),
            "requests_per_month": np.tile(grid, n),
            "monthly_usd": np.outer(ok["cost_per_request_usd"].to_numpy(dtype=float), grid).ravel(),
            "is_override": np.repeat(ok["is_override"].to_numpy(dtype=bool), len(grid)),
        }
    )


def budget_reach(costs: pd.DataFrame, budget_usd: float | None) -> pd.DataFrame:
    """Requests (per month and per day) a monthly budget buys on each model."""
    if not budget_usd:
        return pd.DataFrame(columns=["label", "requests_per_month", "requests_per_day", "is_override"])
    ok = costs[costs["cost_per_request_usd"].notna() & (costs["cost_per_request_usd"] > 0)]
    per_month = budget_usd / ok["cost_per_request_usd"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "label": ok["label"].to_numpy(),
            "requests_per_month": np.floor(per_month),
            "requests_per_day": per_month / _sc.DAYS_PER_MONTH,
            "is_override": ok["is_override"].to_numpy(dtype=bool),
        }
    )


def projection(costs: pd.DataFrame, scenario: _sc.Scenario, months: int = 12) -> pd.DataFrame:
    """Monthly and cumulative cost per model for ``months`` months, volume growing by the scenario's rate."""
    ok = costs[costs["cost_per_request_usd"].notna()]
    month = np.arange(1, months + 1)
    volume = scenario.requests_per_month * (1 + scenario.monthly_growth_rate) ** (month - 1)
    monthly = np.outer(ok["cost_per_request_usd"].to_numpy(dtype=float), volume)
    return pd.DataFrame(
        {
            "label": np.repeat(ok["label"].to_numpy(), months),
            "month": np.tile(month, len(ok)),
            "requests_per_month": np.tile(volume, len(ok)),
            "monthly_usd": monthly.ravel(),
            "cumulative_usd": np.cumsum(monthly, axis=1).ravel(),
            "is_override": np.repeat(ok["is_override"].to_numpy(dtype=bool), months),
        }
    )


def curve_points(n_models: int) -> int:
    """Points per model on the cost curves so that all models stay under the chart row limit."""
    return min(MAX_CURVE_POINTS, max(2, _charts.MAX_CHART_ROWS // max(1, n_models)))


def crossover_result(
    scenario: _sc.Scenario,
    axis: str,
    models: Sequence[tuple[str, str] | str],
    *,
    prices: pd.DataFrame,
    as_of: str,
    fixed_options: Sequence[_x.FixedCostOption] = (),
    n_models: int | None = None,
    rates: RateTable | None = None,
    costs: pd.DataFrame | None = None,
) -> _x.CrossoverResult:
    """Cheapest model along one axis; reuses extracted rates or costs when the caller has them."""
    n_points = curve_points(n_models if n_models is not None else len(models))
    if axis == "requests_per_month":
        return _x.crossovers_along_volume(
            scenario, models, fixed_options, prices=prices, as_of=as_of, n_points=max(2, min(60, n_points)),
            costs=costs,
        )
    blended = rates.model_rates(scenario.tier_shares()) if rates is not None else None
    return _x.crossovers(
        scenario, axis, models, prices=prices, as_of=as_of, n_points=max(2, min(101, n_points // 2)),
        rates=blended,
    )


def compute_results(
    scenario: _sc.Scenario,
    models: Sequence[tuple[str, str] | str],
    *,
    prices: pd.DataFrame,
    as_of: dt.date | str,
    crossover_axis: str = "output_share",
    fixed_options: Sequence[_x.FixedCostOption] = (),
) -> DashboardResults:
    """Every table and chart input of the dashboard for one scenario (pure: no widgets involved)."""
    day = str(_prices._as_timestamp(as_of).date())
    costs = _sc.scenario_costs(scenario, models, prices=prices, as_of=day)
    cross = crossover_result(
        scenario, crossover_axis, models, prices=prices, as_of=day, fixed_options=fixed_options,
        n_models=len(costs), costs=costs,
    )
    return DashboardResults(
        scenario=scenario,
        as_of=day,
        costs=costs,
        ranked=ranked_table(costs),
        curves=volume_curves(costs, scenario.requests_per_month, curve_points(len(costs))),
        budget=budget_reach(costs, scenario.monthly_budget_usd),
        projection=projection(costs, scenario),
        crossover=cross,
    )


# --------------------------------------------------------------------------------------------------
# Overrides


def override_rows(
    table: pd.DataFrame,
    key: tuple[str, str],
    *,
    as_of: dt.date | str,
    note: str = "",
    display_name: str | None = None,
    **usd_per_mtok: float | None,
) -> pd.DataFrame:
    """Price-table rows that override one model's token prices from ``as_of`` on, for every service tier.

    ``usd_per_mtok`` takes ``input``, ``cached_input``, ``output``, ``reasoning`` (None keeps the bundled
    value). Batch, flex and priority keep their ratio to standard (a negotiated 20% off standard stays
    50% less again on batch), and long-context tiers keep theirs. A model the table does not know
    becomes a private model with only the given prices (``input`` and ``output`` required).
    """
    allowed = {"input", "cached_input", "output", "reasoning"}
    unknown = sorted(set(usd_per_mtok) - allowed)
    if unknown:
        raise ValueError(
            f"override: unknown price(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}"
        )
    for name, value in usd_per_mtok.items():
        if value is None:
            continue
        ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
        if not ok or not np.isfinite(value) or value < 0:
            raise ValueError(f"override {key[1]}: {name} price {clip(value)} is not a number >= 0")
    day = _prices._as_timestamp(as_of)
    prov, model = key
    live = table[(table["provider"] == prov) & (table["model"] == model) & _prices.in_force(table, day)]
    source = "override (notebook)" + (f": {note}" if note else "")
    if live.empty:
        if usd_per_mtok.get("input") is None or usd_per_mtok.get("output") is None:
            raise ValueError(f"override {model}: unknown model; give at least input and output prices")
        row: dict[str, Any] = {c: None for c in _prices.PRICE_COLUMNS}
        row.update(
            provider=prov,
            model=model,
            display_name=display_name or model,
            service_tier="standard",
            tier_above_input_tokens=0,
            valid_from=pd.NaT,
            valid_to=pd.NaT,
            deprecated=False,
            unmodeled_prices="",
        )
        for name, value in usd_per_mtok.items():
            row[f"{name}_usd_per_mtok"] = value
        rows = pd.DataFrame([row])
    else:
        rows = live.copy()
        std = rows[(rows["service_tier"] == "standard")].set_index("tier_above_input_tokens")
        base0 = std.loc[0] if 0 in std.index else rows.iloc[0]
        given = dict(usd_per_mtok)
        # A cut to the input (output) price carries over to cached input (reasoning) unless they are given:
        # providers quote those as a fixed fraction of the parent price.
        for part, parent in (("cached_input", "input"), ("reasoning", "output")):
            old_parent = base0[f"{parent}_usd_per_mtok"]
            old_part = base0[f"{part}_usd_per_mtok"]
            if given.get(part) is None and given.get(parent) is not None and pd.notna(old_part) and old_parent:
                given[part] = given[parent] * old_part / old_parent
        for name, value in given.items():
            if value is None:
                continue
            col = f"{name}_usd_per_mtok"
            fallback = "input_usd_per_mtok" if name in ("input", "cached_input") else "output_usd_per_mtok"
            old = base0[col] if pd.notna(base0[col]) else base0[fallback]
            ratio = rows[col].fillna(rows[fallback]) / old if old else 1.0
            rows[col] = value * ratio
        rows["valid_from"] = day  # history before the override stays as it was
        rows["valid_to"] = pd.NaT
    rows["is_override"] = True
    rows["source"] = source
    rows["verified_on"] = pd.NaT  # nobody compared an override with a source
    frame = rows.reindex(columns=list(_prices.PRICE_COLUMNS))
    return frame.astype(_prices.PRICE_COLUMNS)


# --------------------------------------------------------------------------------------------------
# Chart rows: one row per priced model, the data every main chart is computed from

CHART_ROW_COLUMNS: tuple[str, ...] = (
    "label", "prices", "shown", "cheapest", "fits", "cost_per_request_usd", "monthly_usd",
    "input_usd", "cached_input_usd", "output_usd", "reasoning_usd", "other_usd",
    "requests_per_month", "budget_usd", "growth_rate",
)
"""Columns of :func:`chart_rows`. The charts derive curves, budget reach and the projection from these in
Vega-Lite transforms, so a view (or the kernel-free report's script) only sends one row per model."""


def chart_rows(costs: pd.DataFrame, scenario: _sc.Scenario) -> pd.DataFrame:
    """One row per model with a cost: the data of the ranking, curve, budget and projection charts."""
    ok = costs[costs["cost_per_request_usd"].notna()]
    fits = ok["fits_context"].fillna(True).astype(bool).to_numpy()
    monthly = ok["monthly_usd"].to_numpy(dtype=float)
    ranked = np.where(fits, monthly, np.inf)
    cheapest = np.zeros(len(ok), bool)
    if len(ok) and np.isfinite(ranked).any():
        cheapest[int(np.argmin(ranked))] = True
    override = ok["is_override"].to_numpy(dtype=bool)
    labels = ok["label"].astype(str).to_numpy()
    shown = [
        lbl + (" (override)" if o else "") + (" (cheapest)" if c else "") + ("" if f else " (too long)")
        for lbl, o, c, f in zip(labels, override, cheapest, fits, strict=True)
    ]
    return pd.DataFrame(
        {
            "label": labels,
            "prices": np.where(override, "override", "bundled"),
            "shown": shown,
            "cheapest": cheapest,
            "fits": fits,
            "cost_per_request_usd": ok["cost_per_request_usd"].to_numpy(dtype=float),
            "monthly_usd": monthly,
            "input_usd": ok["input_usd"].to_numpy(dtype=float),
            "cached_input_usd": ok["cached_input_usd"].to_numpy(dtype=float),
            "output_usd": ok["output_usd"].to_numpy(dtype=float),
            "reasoning_usd": ok["reasoning_usd"].to_numpy(dtype=float),
            "other_usd": (ok["other_usd"].fillna(0) + ok["image_usd"].fillna(0)).to_numpy(dtype=float),
            "requests_per_month": float(scenario.requests_per_month),
            "budget_usd": float(scenario.monthly_budget_usd or 0.0),
            "growth_rate": float(scenario.monthly_growth_rate),
        },
        columns=list(CHART_ROW_COLUMNS),
    )
