"""The dashboard: ipywidgets controls -> a :class:`Scenario` -> pure results -> tables and Altair charts.

Everything a control triggers goes through :func:`compute_results`, a pure function of the scenario,
the models and the price table, so tests (and the benchmark) set ``widget.value`` and read
``dashboard.results`` or a chart's data without a browser. Charts are ``alt.JupyterChart`` widgets in
offline mode: the Vega bundle comes from ``vl-convert-python`` through the kernel, never a CDN, and a
change of inputs only sends the new spec.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import html
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import altair as alt
import ipywidgets as W
import numpy as np
import pandas as pd

from explorer import charts as _charts
from explorer import crossovers as _x
from explorer import paths
from explorer import prices as _prices
from explorer import scenarios as _sc
from explorer.display import Shown, with_text

__all__ = [
    "DEFAULT_MODELS",
    "Dashboard",
    "DashboardResults",
    "budget_reach",
    "compute_results",
    "enable_offline",
    "override_rows",
    "projection",
    "ranked_table",
    "volume_curves",
]

DEFAULT_MODELS: tuple[str, ...] = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5",
    "gpt-5-mini",
    "o3",
    "claude-sonnet-4-5",
    "gemini-2.5-flash",
)
"""What the dashboard shows before anyone picks: the seed's models, their successors and two rivals."""

MAX_CURVE_POINTS = 200
"""Volume points per model on the cost curves (fewer when many models are selected)."""
MAX_OPTIONS = 400
"""Most models listed at once in the picker; the search narrows the rest."""

_ENABLED = False


def enable_offline() -> None:
    """Make Altair charts render with no network: ``JupyterChart`` gets its JavaScript from the kernel.

    Also routes plain ``chart`` display through the same offline widget, so a bare chart in a cell
    renders in JupyterLab and Voila without reaching a CDN.
    """
    global _ENABLED
    if not _ENABLED:
        alt.JupyterChart.enable_offline()
        alt.renderers.enable("jupyter", offline=True)
        _ENABLED = True


# --------------------------------------------------------------------------------------------------
# Pure computations


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
    usable = costs["monthly_usd"].notna() & costs["fits_context"].fillna(True).astype(bool)
    df = pd.concat([costs[usable], costs[~usable]], ignore_index=True)
    n_ranked = int(usable.sum())
    total = df["monthly_usd"].where(df["monthly_usd"] > 0)
    cheapest = costs.loc[usable, "monthly_usd"].min() if n_ranked else np.nan
    out = pd.DataFrame(
        {
            "rank": pd.array(list(range(1, n_ranked + 1)) + [pd.NA] * (len(df) - n_ranked), dtype="Int64"),
            "model": df["label"],
            "provider": df["provider"],
            "monthly_usd": df["monthly_usd"],
            "cost_per_request_usd": df["cost_per_request_usd"],
            "input_share": df["input_usd"] / total,
            "cached_input_share": df["cached_input_usd"] / total,
            "output_share": df["output_usd"] / total,
            "reasoning_share": df["reasoning_usd"] / total,
            "other_share": (df["other_usd"] + df["image_usd"]) / total,
            "vs_cheapest": df["monthly_usd"] / cheapest if cheapest else np.nan,
            "is_override": df["is_override"],
            "note": df["note"],
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
    n_points = min(MAX_CURVE_POINTS, max(2, _charts.MAX_CHART_ROWS // max(1, len(costs))))
    if crossover_axis == "requests_per_month":
        cross = _x.crossovers_along_volume(
            scenario, models, fixed_options, prices=prices, as_of=day, n_points=max(2, min(60, n_points))
        )
    else:
        cross = _x.crossovers(
            scenario,
            crossover_axis,
            models,
            prices=prices,
            as_of=day,
            n_points=max(2, min(101, n_points // 2)),
        )
    return DashboardResults(
        scenario=scenario,
        as_of=day,
        costs=costs,
        ranked=ranked_table(costs),
        curves=volume_curves(costs, scenario.requests_per_month, n_points),
        budget=budget_reach(costs, scenario.monthly_budget_usd),
        projection=projection(costs, scenario),
        crossover=cross,
    )


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
            raise ValueError(f"override {key[1]}: {name} price {value!r} is not a number >= 0")
    day = _prices._as_timestamp(as_of)
    prov, model = key
    live = table[
        (table["provider"] == prov)
        & (table["model"] == model)
        & _prices.in_force(table, day)
    ]
    source = "override (notebook)" + (f": {note}" if note else "")
    if live.empty:
        if usd_per_mtok.get("input") is None or usd_per_mtok.get("output") is None:
            raise ValueError(f"override {model}: unknown model; give at least input and output prices")
        row = {c: None for c in _prices.PRICE_COLUMNS}
        row.update(
            provider=prov,
            model=model,
            display_name=display_name or model,
            service_tier="standard",
            tier_above_input_tokens=0,
            valid_from=pd.NaT,
            valid_to=pd.NaT,
            deprecated=False,
            checked_date=pd.NaT,
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
            if (
                given.get(part) is None
                and given.get(parent) is not None
                and pd.notna(old_part)
                and old_parent
            ):
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
    rows["checked_date"] = pd.NaT
    frame = rows.reindex(columns=list(_prices.PRICE_COLUMNS))
    return frame.astype(_prices.PRICE_COLUMNS)


# --------------------------------------------------------------------------------------------------
# Display helpers


def _usd(x: float) -> str:
    if pd.isna(x):
        return "n/a"
    if x == 0:
        return "$0"
    if abs(x) < 0.01:
        return f"${x:.6f}"
    return f"${x:,.2f}"


def _usd_small(x: float) -> str:
    """Per-request amounts: enough digits to tell models apart (fractions of a cent)."""
    return "n/a" if pd.isna(x) else f"${x:,.6f}"


def _pct(x: float) -> str:
    return "" if pd.isna(x) or x == 0 else f"{x:.0%}"


def ranked_html(ranked: pd.DataFrame) -> str:
    """The ranked table as HTML: cheapest row highlighted, overridden prices marked, every cell escaped."""
    head = (
        "<tr><th>#</th><th>Model</th><th>Monthly cost</th><th>Per request</th><th>× cheapest</th>"
        "<th>Input</th><th>Cached</th><th>Output</th><th>Reasoning</th><th>Other</th><th>Note</th></tr>"
    )
    body = []
    for r in ranked.itertuples():
        style = ' style="background:#e3f4e1;font-weight:bold"' if r.cheapest else ""
        model = html.escape(str(r.model)) + (
            ' <span title="your override price">✎ override</span>' if r.is_override else ""
        )
        times = "" if pd.isna(r.vs_cheapest) else f"{r.vs_cheapest:,.1f}×"
        body.append(
            f"<tr{style}><td>{'' if pd.isna(r.rank) else r.rank}</td><td>{model}</td>"
            f"<td style='text-align:right'>{_usd(r.monthly_usd)}</td>"
            f"<td style='text-align:right'>{_usd_small(r.cost_per_request_usd)}</td><td>{times}</td>"
            f"<td>{_pct(r.input_share)}</td><td>{_pct(r.cached_input_share)}</td><td>{_pct(r.output_share)}</td>"
            f"<td>{_pct(r.reasoning_share)}</td><td>{_pct(r.other_share)}</td>"
            f"<td style='font-size:85%'>{html.escape(str(r.note))}</td></tr>"
        )
    return (
        "<table class='explorer-ranked' style='border-collapse:collapse'><thead>"
        + head
        + "</thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


def _frame_html(df: pd.DataFrame, money: Iterable[str] = (), shares: Iterable[str] = ()) -> str:
    shown = df.copy()
    for c in money:
        if c in shown:
            shown[c] = shown[c].map(_usd)
    for c in shares:
        if c in shown:
            shown[c] = shown[c].map(_pct)
    return shown.to_html(index=False, escape=True, na_rep="")




def show(chart: alt.TopLevelMixin, name: str = "chart") -> Shown:
    """An offline, live chart for a notebook cell, with a stable text fallback."""
    enable_offline()
    return Shown(alt.JupyterChart(chart), f"[{name}: an interactive chart; run the notebook to see it]")


# --------------------------------------------------------------------------------------------------
# The dashboard


class Dashboard:
    """The main dashboard's widget tree. Display it in a notebook cell; change any control and every
    table and chart below updates (observers call :meth:`refresh`)."""

    def __init__(
        self,
        scenario: _sc.Scenario | None = None,
        *,
        as_of: dt.date | str | None = None,
        models: Sequence[str | tuple[str, str]] | None = None,
        prices: pd.DataFrame | None = None,
    ) -> None:
        enable_offline()
        self._base_prices = prices if prices is not None else _prices.price_history()
        self._overrides: dict[tuple[str, str], pd.DataFrame] = {}
        self._overrides_version = 0
        self._prices_cache: pd.DataFrame | None = None
        self._refreshing = 0
        self._held = False
        self.refresh_count = 0
        """How many times outputs were recomputed (tests use it to check one change = one refresh)."""
        sc = scenario or _sc.Scenario("My workload", models=DEFAULT_MODELS)
        day = _prices._as_timestamp(as_of if as_of is not None else sc.as_of).date()
        picked = [_sc.model_key(m) for m in (models or sc.models or DEFAULT_MODELS)]
        self._build_controls(sc, day, picked)
        self._build_outputs()
        self.results: DashboardResults
        self.refresh()
        self._observe()

    # ---- controls

    def _catalogue(self) -> pd.DataFrame:
        """Models with input and output prices on the chosen date, OpenAI first then by provider."""
        day = pd.Timestamp(self.as_of.value)
        t = self.prices
        t = t[
            (t["service_tier"] == "standard")
            & (t["tier_above_input_tokens"] == 0)
            & _prices.in_force(t, day)
            & t["input_usd_per_mtok"].notna()
            & t["output_usd_per_mtok"].notna()
        ]
        t = t.drop_duplicates(["provider", "model"])[
            ["provider", "model", "input_usd_per_mtok", "output_usd_per_mtok", "is_override"]
        ]
        return (
            t.assign(_o=(t["provider"] != "openai"))
            .sort_values(["_o", "provider", "model"])
            .drop(columns="_o")
        )

    def _option_label(self, row: Any) -> str:
        mark = " ✎" if row.is_override else ""
        return (
            f"{row.provider} · {row.model}  (${row.input_usd_per_mtok:g} / ${row.output_usd_per_mtok:g})"
            f"{mark}"
        )

    def _build_controls(self, sc: _sc.Scenario, day: dt.date, picked: list[tuple[str, str]]) -> None:
        style = {"description_width": "190px"}
        wide = W.Layout(width="460px")
        self.as_of = W.DatePicker(
            value=day, description="Prices as of", style=style, layout=W.Layout(width="360px"),
            min=_prices.EARLIEST_PRICES.date(), max=dt.date.today(),
        )
        self.search = W.Text(
            placeholder="type to filter, e.g. mini, claude, gemini",
            description="Search models",
            style=style,
            layout=wide,
        )
        self.provider = W.Dropdown(description="Provider", style=style, layout=wide)
        self.models = W.SelectMultiple(
            description="Models (ctrl/shift-click)", rows=10, style=style, layout=W.Layout(width="620px")
        )
        self._refresh_model_options(selected=picked)
        self.input_tokens = W.BoundedIntText(
            value=sc.input_tokens_per_request,
            min=0,
            max=10_000_000,
            step=100,
            description="Input tokens per request",
            style=style,
        )
        self.output_tokens = W.BoundedIntText(
            value=sc.output_tokens_per_request,
            min=0,
            max=1_000_000,
            step=100,
            description="Output tokens per request",
            style=style,
        )
        self.reasoning_tokens = W.BoundedIntText(
            value=sc.reasoning_tokens_per_request,
            min=0,
            max=1_000_000,
            step=100,
            description="of which reasoning",
            style=style,
        )
        self.volume_unit = W.ToggleButtons(
            options=["per month", "per day"], value="per month", description="Requests", style=style
        )
        self.requests = W.FloatLogSlider(
            value=max(1.0, sc.requests_per_month),
            base=10,
            min=0,
            max=10,
            step=0.05,
            description="Requests per month",
            readout_format=",.0f",
            style=style,
            layout=wide,
        )
        self.cached_share = W.FloatSlider(
            value=sc.cached_input_share,
            min=0,
            max=1,
            step=0.05,
            description="Cached share of input",
            readout_format=".0%",
            style=style,
            layout=wide,
        )
        self.batch_share = W.FloatSlider(
            value=sc.batch_share,
            min=0,
            max=1,
            step=0.05,
            description="Traffic on batch",
            readout_format=".0%",
            style=style,
            layout=wide,
        )
        self.flex_share = W.FloatSlider(
            value=sc.flex_share,
            min=0,
            max=1,
            step=0.05,
            description="Traffic on flex",
            readout_format=".0%",
            style=style,
            layout=wide,
        )
        self.priority_share = W.FloatSlider(
            value=sc.priority_share,
            min=0,
            max=1,
            step=0.05,
            description="Traffic on priority",
            readout_format=".0%",
            style=style,
            layout=wide,
        )
        self.growth = W.FloatSlider(
            value=sc.monthly_growth_rate,
            min=-0.2,
            max=0.5,
            step=0.01,
            description="Monthly growth",
            readout_format="+.0%",
            style=style,
            layout=wide,
        )
        self.budget = W.BoundedFloatText(
            value=sc.monthly_budget_usd or 0.0,
            min=0,
            max=1e9,
            step=100,
            description="Monthly budget (USD)",
            style=style,
        )
        self.axis = W.Dropdown(
            options=[(title, name) for name, (title, _) in _x.AXES.items()],
            value="output_share",
            description="Crossovers along",
            style=style,
            layout=wide,
        )
        self.fixed_usd = W.BoundedFloatText(
            value=0.0, min=0, max=1e9, step=100, description="Fixed option: USD per month", style=style
        )
        self.fixed_in = W.BoundedFloatText(
            value=0.0, min=0, max=1e4, step=0.05, description="… plus USD per M input tokens", style=style
        )
        self.fixed_out = W.BoundedFloatText(
            value=0.0, min=0, max=1e4, step=0.05, description="… plus USD per M output tokens", style=style
        )
        self.name = W.Text(value=sc.name, description="Scenario name", style=style)
        self._description = sc.description
        self._images = (sc.images_per_request, sc.image_quality, sc.image_size)

    def _refresh_model_options(self, selected: Sequence[tuple[str, str]] | None = None) -> None:
        cat = self._catalogue()
        providers = list(dict.fromkeys(cat["provider"]))
        current = self.provider.value if self.provider.options else "(all providers)"
        with self._hold():
            self.provider.options = ["(all providers)", *providers]
            self.provider.value = current if current in self.provider.options else "(all providers)"
        keep = list(selected if selected is not None else self.models.value)
        text = self.search.value.strip().lower()
        shown = cat
        if self.provider.value != "(all providers)":
            shown = shown[shown["provider"] == self.provider.value]
        if text:
            hay = (shown["provider"] + " " + shown["model"]).str.lower()
            shown = shown[[all(w in h for w in text.split()) for h in hay]]
        shown = shown.head(MAX_OPTIONS)
        by_key = {(r.provider, r.model): r for r in cat.itertuples()}
        options = []
        for k in keep:  # selected models always stay listed, first, so filtering never drops them
            r = by_key.get(k)
            options.append((self._option_label(r) if r is not None else f"{k[0]} · {k[1]}  (no price)", k))
        for r in shown.itertuples():
            if (r.provider, r.model) not in keep:
                options.append((self._option_label(r), (r.provider, r.model)))
        with self._hold():
            self.models.options = options
            self.models.value = tuple(keep)

    def _build_outputs(self) -> None:
        self.ranked_out = W.HTML()
        self.status = W.HTML()
        self.crossover_text = W.HTML()
        self.crossover_table = W.HTML()
        self.compare_table = W.HTML()
        empty = alt.Chart(pd.DataFrame({"x": [0]})).mark_point()
        # SVG, not canvas: marks stay in the DOM with their values (screen readers, browser tests).
        svg = {"renderer": "svg"}
        self.curves_chart = alt.JupyterChart(empty, embed_options=svg)
        self.components_chart = alt.JupyterChart(empty, embed_options=svg)
        self.budget_chart = alt.JupyterChart(empty, embed_options=svg)
        self.projection_chart = alt.JupyterChart(empty, embed_options=svg)
        self.crossover_chart = alt.JupyterChart(empty, embed_options=svg)
        self.compare_chart = alt.JupyterChart(empty, embed_options=svg)
        # Overrides
        style = {"description_width": "160px"}
        self.ov_model = W.Dropdown(description="Model", style=style, layout=W.Layout(width="420px"))
        # Text, not FloatText: an empty box means "keep the bundled price" (NaN cannot travel as JSON).
        self.ov_input = W.Text(placeholder="keep", description="Input USD/M", style=style)
        self.ov_cached = W.Text(placeholder="keep", description="Cached input USD/M", style=style)
        self.ov_output = W.Text(placeholder="keep", description="Output USD/M", style=style)
        self.ov_apply = W.Button(description="Apply override", button_style="warning")
        self.ov_clear = W.Button(description="Clear all overrides")
        self.ov_save = W.Button(description="Save overrides", tooltip="to ~/.explorer/overrides.csv")
        self.ov_load = W.Button(description="Load saved overrides")
        self.ov_message = W.HTML()
        self.ov_list = W.HTML()
        self.ov_apply.on_click(lambda _: self._apply_override_from_form())
        self.ov_clear.on_click(lambda _: self.clear_overrides())
        self.ov_save.on_click(lambda _: self._report(self.ov_message, self.save_overrides))
        self.ov_load.on_click(lambda _: self._report(self.ov_message, self.load_overrides))
        # Scenarios
        self._scenarios = _sc.list_scenarios()
        self.sc_pick = W.Dropdown(
            options=list(self._scenarios), description="Scenario", style=style, layout=W.Layout(width="420px")
        )
        self.sc_load = W.Button(description="Load into the controls")
        self.sc_save = W.Button(description="Save current as scenario", button_style="info")
        self.sc_message = W.HTML()
        self.sc_compare = W.SelectMultiple(
            options=list(self._scenarios),
            value=tuple(self._scenarios),
            rows=6,
            description="Compare",
            style=style,
            layout=W.Layout(width="420px"),
        )
        self.sc_load.on_click(lambda _: self.load_scenario(self._scenarios[self.sc_pick.value]))
        self.sc_save.on_click(lambda _: self._save_from_form())

    def _observe(self) -> None:
        # Share trimming first, so the refresh that follows a share change sees the trimmed value.
        for w in (self.batch_share, self.flex_share, self.priority_share):
            w.observe(self._on_share, names="value")
        for w in (
            self.as_of,
            self.models,
            self.input_tokens,
            self.output_tokens,
            self.reasoning_tokens,
            self.requests,
            self.cached_share,
            self.batch_share,
            self.flex_share,
            self.priority_share,
            self.growth,
            self.budget,
            self.axis,
            self.fixed_usd,
            self.fixed_in,
            self.fixed_out,
        ):
            w.observe(self._on_change, names="value")
        self.search.observe(lambda _: self._refresh_model_options(), names="value")
        self.provider.observe(self._on_provider, names="value")
        self.volume_unit.observe(self._on_unit, names="value")
        self.as_of.observe(lambda _: self._refresh_model_options(), names="value")
        self.sc_compare.observe(lambda _: self._refresh_compare(), names="value")

    @contextlib.contextmanager
    def _hold(self) -> Iterator[None]:
        """Set several controls without a refresh per control (the caller refreshes once at the end)."""
        outer = not self._held
        self._held = True
        try:
            yield
        finally:
            if outer:
                self._held = False

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._held:
            try:
                self.refresh()
            except ValueError as exc:
                # A control set to something no price table can answer (a future date, say): say so where
                # the answer would be, keep the last good outputs, and never raise inside a widget callback.
                self.status.value = (
                    f"<span style='color:#b91c1c'><b>Cannot compute:</b> {html.escape(str(exc))}</span>"
                )

    def _on_provider(self, change: dict[str, Any]) -> None:
        if not self._held:
            self._refresh_model_options()

    def _on_unit(self, change: dict[str, Any]) -> None:
        factor = _sc.DAYS_PER_MONTH if change["new"] == "per day" else 1 / _sc.DAYS_PER_MONTH
        with self._hold():
            self.requests.value = self.requests.value / factor
            self.requests.description = f"Requests {change['new']}"
        self.refresh()

    def _on_share(self, change: dict[str, Any]) -> None:
        # Shares are of one traffic: keep batch + flex + priority <= 100% by trimming the one just moved.
        # No refresh here: the change's own refresh observer runs next and sees the trimmed value.
        others = sum(
            w.value
            for w in (self.batch_share, self.flex_share, self.priority_share)
            if w is not change["owner"]
        )
        if others + change["new"] > 1 + 1e-9:
            with self._hold():
                change["owner"].value = round(max(0.0, 1 - others), 6)

    # ---- state

    @property
    def prices(self) -> pd.DataFrame:
        """The price table in use: bundled prices with the notebook's overrides applied."""
        if not self._overrides:
            return self._base_prices
        if self._prices_cache is None:
            self._prices_cache = _prices.apply_overrides(
                self._base_prices, pd.concat(self._overrides.values(), ignore_index=True)
            )
        return self._prices_cache

    @property
    def requests_per_month(self) -> float:
        """The volume control, in requests per month whatever unit it shows."""
        factor = _sc.DAYS_PER_MONTH if self.volume_unit.value == "per day" else 1.0
        return float(self.requests.value) * factor

    @property
    def scenario(self) -> _sc.Scenario:
        """The controls' current values as a :class:`Scenario`."""
        images, quality, size = self._images
        return _sc.Scenario(
            name=self.name.value.strip() or "My workload",
            description=self._description,
            models=tuple(f"{p}/{m}" if _sc.model_label(p, m) != m else m for p, m in self.models.value),
            input_tokens_per_request=int(self.input_tokens.value),
            output_tokens_per_request=int(self.output_tokens.value),
            requests_per_month=round(self.requests_per_month, 6),
            cached_input_share=float(self.cached_share.value),
            reasoning_tokens_per_request=min(int(self.reasoning_tokens.value), int(self.output_tokens.value)),
            batch_share=float(self.batch_share.value),
            flex_share=float(self.flex_share.value),
            priority_share=float(self.priority_share.value),
            monthly_growth_rate=float(self.growth.value),
            images_per_request=images,
            image_quality=quality,
            image_size=size,
            monthly_budget_usd=float(self.budget.value) or None,
            as_of=self.as_of.value.isoformat(),
        )

    @property
    def fixed_options(self) -> tuple[_x.FixedCostOption, ...]:
        """The fixed-cost option described in the crossover controls, if any."""
        if not self.fixed_usd.value:
            return ()
        return (
            _x.FixedCostOption(
                "your fixed-cost option",
                float(self.fixed_usd.value),
                float(self.fixed_in.value),
                float(self.fixed_out.value),
            ),
        )

    def load_scenario(self, scenario: _sc.Scenario) -> None:
        """Set every control from a scenario; one refresh at the end."""
        keys = [_sc.model_key(m) for m in scenario.models] or list(self.models.value)
        with self._hold():
            if scenario.as_of:
                self.as_of.value = dt.date.fromisoformat(scenario.as_of)
            self.volume_unit.value = "per month"
            self.requests.description = "Requests per month"
            self.name.value = scenario.name
            self.input_tokens.value = scenario.input_tokens_per_request
            self.output_tokens.value = scenario.output_tokens_per_request
            self.reasoning_tokens.value = scenario.reasoning_tokens_per_request
            self.requests.value = max(1.0, scenario.requests_per_month)
            self.cached_share.value = scenario.cached_input_share
            self.batch_share.value, self.flex_share.value, self.priority_share.value = 0.0, 0.0, 0.0
            self.batch_share.value = scenario.batch_share
            self.flex_share.value = scenario.flex_share
            self.priority_share.value = scenario.priority_share
            self.growth.value = scenario.monthly_growth_rate
            self.budget.value = scenario.monthly_budget_usd or 0.0
            self._description = scenario.description
            self._images = (scenario.images_per_request, scenario.image_quality, scenario.image_size)
            self._refresh_model_options(selected=keys)
        self.refresh()

    def _save_from_form(self) -> None:
        try:
            path = _sc.save_scenario(self.scenario)
        except (ValueError, OSError) as exc:
            self.sc_message.value = f"<span style='color:#b00'>Not saved: {html.escape(str(exc))}</span>"
            return
        self._scenarios = _sc.list_scenarios()
        with self._hold():
            self.sc_pick.options = list(self._scenarios)
            self.sc_compare.options = list(self._scenarios)
            self.sc_compare.value = tuple(self._scenarios)
        where = path.relative_to(paths.user_dir()) if path.is_relative_to(paths.user_dir()) else path.name
        self.sc_message.value = f"Saved as <code>{html.escape(str(where))}</code> in your explorer folder."
        self._refresh_compare()

    # ---- overrides

    def set_override(
        self,
        model: str | tuple[str, str],
        *,
        input_usd_per_mtok: float | None = None,
        cached_input_usd_per_mtok: float | None = None,
        output_usd_per_mtok: float | None = None,
        reasoning_usd_per_mtok: float | None = None,
        note: str = "",
    ) -> None:
        """Override a model's prices from the dashboard's date on (a discount, a price cut, a private model:
        ``("acme", "acme-7b")``). Every table and chart follows and marks the model as overridden."""
        key = model if isinstance(model, tuple) else self._resolve_or_private(model)
        rows = override_rows(
            self._base_prices,
            key,
            as_of=self.as_of.value,
            note=note,
            input=input_usd_per_mtok,
            cached_input=cached_input_usd_per_mtok,
            output=output_usd_per_mtok,
            reasoning=reasoning_usd_per_mtok,
        )
        self._overrides[key] = rows
        self._overrides_version += 1
        self._prices_cache = None
        selected = list(self.models.value)
        if key not in selected:
            selected.append(key)
        with self._hold():
            self._refresh_model_options(selected=selected)
        self.refresh()

    def _resolve_or_private(self, name: str) -> tuple[str, str]:
        try:
            return _sc.model_key(name)
        except ValueError:
            return ("private", name)

    def save_overrides(self, path: str | Path | None = None) -> Path:
        """Write the current overrides to a CSV (default ``~/.explorer/overrides.csv``), atomically."""
        if not self._overrides:
            raise ValueError("overrides: nothing to save (no model is overridden)")
        return _prices.save_overrides(pd.concat(self._overrides.values(), ignore_index=True), path)

    def load_overrides(self, path: str | Path | None = None) -> Path:
        """Replace the current overrides with those of a CSV (default ``~/.explorer/overrides.csv``)."""
        source = Path(path) if path is not None else _prices.default_overrides_path()
        rows = _prices.apply_overrides(self._base_prices.iloc[0:0], _prices.load_overrides(source))
        self._overrides = {
            (str(p), str(m)): g.reset_index(drop=True) for (p, m), g in rows.groupby(["provider", "model"], sort=False)
        }
        self._overrides_version += 1
        self._prices_cache = None
        selected = list(dict.fromkeys([*self.models.value, *self._overrides]))
        with self._hold():
            self._refresh_model_options(selected=selected)
        self.refresh()
        return source

    @staticmethod
    def _report(target: W.HTML, action: Any) -> None:
        """Run a button's action; show its outcome (or its one-line error) instead of raising in a callback."""
        try:
            done = action()
        except ValueError as exc:
            target.value = f"<span style='color:#b91c1c'>{html.escape(str(exc))}</span>"
        else:
            target.value = f"Done: <code>{html.escape(str(done))}</code>"

    def clear_overrides(self) -> None:
        """Back to the bundled prices."""
        self._overrides.clear()
        self._overrides_version += 1
        self._prices_cache = None
        with self._hold():
            self._refresh_model_options()
        self.refresh()

    def _apply_override_from_form(self) -> None:
        if self.ov_model.value is None:
            return
        values: dict[str, float | None] = {}
        try:
            for key, box in (
                ("input_usd_per_mtok", self.ov_input),
                ("cached_input_usd_per_mtok", self.ov_cached),
                ("output_usd_per_mtok", self.ov_output),
            ):
                text = box.value.strip().lstrip("$")
                try:
                    values[key] = float(text) if text else None
                except ValueError:
                    raise ValueError(f"{box.description}: {box.value!r} is not a number") from None
            self.set_override(self.ov_model.value, **values)
        except ValueError as exc:
            self.ov_list.value = f"<span style='color:#b00'>{html.escape(str(exc))}</span>"

    # ---- outputs

    def refresh(self) -> None:
        """Recompute every output from the controls (the observers call this on each change)."""
        self.refresh_count += 1
        models = list(self.models.value)
        scenario = self.scenario
        res = compute_results(
            scenario,
            models,
            prices=self.prices,
            as_of=self.as_of.value,
            crossover_axis=self.axis.value,
            fixed_options=self.fixed_options,
        )
        self.results = res
        labels = list(res.costs["label"]) + [o.name for o in self.fixed_options]
        colors = _charts.model_colors(labels)
        self.status.value = self._status_html(res)
        self.ranked_out.value = ranked_html(res.ranked)
        self.curves_chart.chart = _charts.cost_curves_chart(
            res.curves, as_of=res.as_of, colors=colors, current_requests_per_month=scenario.requests_per_month
        )
        self.components_chart.chart = _charts.component_chart(res.costs, as_of=res.as_of)
        if scenario.monthly_budget_usd:
            self.budget_chart.chart = _charts.budget_chart(
                res.budget, budget_usd=scenario.monthly_budget_usd, as_of=res.as_of, colors=colors
            )
        else:
            self.budget_chart.chart = (
                alt.Chart(pd.DataFrame({"text": ["Set a monthly budget above"]}))
                .mark_text(size=14)
                .encode(text="text:N")
                .properties(width=_charts.WIDTH, height=60)
            )
        self.projection_chart.chart = _charts.projection_chart(
            res.projection,
            as_of=res.as_of,
            colors=colors,
            budget_usd=scenario.monthly_budget_usd,
            growth_rate=scenario.monthly_growth_rate,
        )
        self.crossover_chart.chart = _charts.crossover_chart(res.crossover, as_of=res.as_of, colors=colors)
        self.crossover_text.value = f"<p>{html.escape(res.crossover.statement)}</p>" + (
            "<p style='font-size:85%'>Left out: " + html.escape("; ".join(res.crossover.skipped)) + "</p>"
            if res.crossover.skipped
            else ""
        )
        pts = res.crossover.points
        self.crossover_table.value = _frame_html(pts, money=["monthly_usd"]) if len(pts) else ""
        with self._hold():
            self.ov_model.options = [
                (lbl, k)
                for lbl, k in zip(
                    res.costs["label"],
                    zip(res.costs["provider"], res.costs["model"], strict=True),
                    strict=True,
                )
            ]
        self.ov_list.value = self._overrides_html()
        self._refresh_compare()

    def _status_html(self, res: DashboardResults) -> str:
        r = res.ranked
        if r.empty or not r["cheapest"].any():
            return "<b>Pick at least one model that fits the request.</b>"
        best = r[r["cheapest"]].iloc[0]
        sc = res.scenario
        return (
            f"<b>{html.escape(str(best.model))}</b> is the cheapest of {int(r['rank'].notna().sum())}: "
            f"<b>{_usd(best.monthly_usd)}</b> a month for {sc.requests_per_month:,.0f} requests "
            f"({sc.requests_per_day:,.0f} a day) of {sc.input_tokens_per_request:,} input + "
            f"{sc.output_tokens_per_request:,} output tokens, prices as of {res.as_of}."
            + (f"<br><span style='color:#b45309'>Warning: {html.escape(stale)}</span>"
               if (stale := _prices.freshness_warning(res.as_of)) else "")
        )

    def _overrides_html(self) -> str:
        if not self._overrides:
            return "<i>No overrides: bundled prices.</i>"
        rows = pd.concat(self._overrides.values(), ignore_index=True)
        rows = rows[(rows["service_tier"] == "standard") & (rows["tier_above_input_tokens"] == 0)]
        shown = rows[
            [
                "provider",
                "model",
                "input_usd_per_mtok",
                "cached_input_usd_per_mtok",
                "output_usd_per_mtok",
                "source",
            ]
        ]
        return "<b>Overridden (✎):</b>" + _frame_html(shown)

    def _refresh_compare(self) -> None:
        chosen = [self._scenarios[n] for n in self.sc_compare.value if n in self._scenarios]
        if not chosen:
            self.compare_table.value = "<i>Pick scenarios to compare.</i>"
            return
        day = self.as_of.value
        key = (day, tuple(self.sc_compare.value), self._overrides_version)
        if key == getattr(self, "_compare_key", None):
            return  # the comparison depends on the date, the overrides and the picks only
        self._compare_key = key
        long = _sc.scenarios_costs(chosen, prices=self.prices, as_of=day)
        table = _sc.summarise_compare(chosen, long, as_of=day)
        self.compare_result = table
        self.compare_table.value = _frame_html(
            table[
                [
                    "scenario",
                    "requests_per_month",
                    "input_tokens_per_request",
                    "output_tokens_per_request",
                    "cached_input_share",
                    "cheapest_model",
                    "cheapest_monthly_usd",
                ]
            ],
            money=["cheapest_monthly_usd"],
            shares=["cached_input_share"],
        )
        colors = _charts.model_colors(long["label"])
        self.compare_chart.chart = _charts.scenario_compare_chart(long, as_of=str(day), colors=colors)

    # ---- layout

    def _section(self, title: str, *children: W.Widget) -> W.VBox:
        return W.VBox([W.HTML(f"<h3 style='margin:6px 0'>{html.escape(title)}</h3>"), *children])

    @property
    def widget(self) -> W.Widget:
        """The whole dashboard: controls on top, outputs in tabs."""
        if not hasattr(self, "_widget"):
            inputs = W.HBox(
                [
                    W.VBox([self.search, self.provider, self.models], layout=W.Layout(width="640px")),
                    W.VBox(
                        [
                            self.as_of,
                            self.input_tokens,
                            self.output_tokens,
                            self.reasoning_tokens,
                            self.cached_share,
                            self.volume_unit,
                            self.requests,
                        ]
                    ),
                    W.VBox(
                        [self.batch_share, self.flex_share, self.priority_share, self.growth, self.budget]
                    ),
                ],
                layout=W.Layout(flex_flow="row wrap"),
            )
            tabs = W.Tab(
                children=[
                    W.VBox([self.ranked_out, self.components_chart]),
                    W.VBox([self.curves_chart]),
                    W.VBox([self.budget_chart, self.projection_chart]),
                    W.VBox(
                        [
                            W.HBox([self.axis]),
                            W.HBox([self.fixed_usd, self.fixed_in, self.fixed_out]),
                            self.crossover_text,
                            self.crossover_chart,
                            self.crossover_table,
                        ]
                    ),
                    W.VBox(
                        [
                            W.HTML(
                                "<p>Change a model's prices (a discount, a price cut): every table "
                                "and chart follows, and overridden models are marked ✎ and drawn dashed.</p>"
                            ),
                            self.ov_model,
                            W.HBox([self.ov_input, self.ov_cached, self.ov_output]),
                            W.HBox([self.ov_apply, self.ov_clear, self.ov_save, self.ov_load]),
                            self.ov_message,
                            self.ov_list,
                        ]
                    ),
                    W.VBox(
                        [
                            W.HBox([self.sc_pick, self.sc_load]),
                            W.HBox([self.name, self.sc_save]),
                            self.sc_message,
                            self.sc_compare,
                            self.compare_table,
                            self.compare_chart,
                        ]
                    ),
                ]
            )
            for i, t in enumerate(
                [
                    "Ranking",
                    "Cost curves",
                    "Budget & projection",
                    "Crossovers",
                    "Override prices",
                    "Scenarios",
                ]
            ):
                tabs.set_title(i, t)
            self.tabs = tabs
            self._widget = W.VBox([inputs, self.status, tabs])
        return self._widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        text = "[the cost dashboard: live widgets; run the notebook (Run > Run All Cells) to use it]"
        return with_text(self.widget._repr_mimebundle_(**kwargs), text)


# --------------------------------------------------------------------------------------------------
# Helpers of the prices and images notebooks (pure, tested; the notebooks only call them)

PRICE_TABLE_COLUMNS = (
    "provider",
    "model",
    "input_usd_per_mtok",
    "cached_input_usd_per_mtok",
    "output_usd_per_mtok",
    "tier_above_input_tokens",
    "context_window_tokens",
    "source",
)


def filter_prices(
    prices: pd.DataFrame,
    *,
    provider: str | None = None,
    text: str = "",
    sort_by: str = "input_usd_per_mtok",
    ascending: bool = True,
    limit: int | None = 200,
) -> pd.DataFrame:
    """Price rows of one provider (None: all) whose provider or model contains every word of ``text``,
    sorted by a column; the columns a person compares."""
    if sort_by not in PRICE_TABLE_COLUMNS:
        raise ValueError(
            f"sort_by: unknown column {sort_by!r}; expected one of {', '.join(PRICE_TABLE_COLUMNS)}"
        )
    df = prices
    if provider:
        df = df[df["provider"] == provider]
    words = text.lower().split()
    if words:
        hay = (df["provider"] + " " + df["model"]).str.lower()
        df = df[[all(w in h for w in words) for h in hay]]
    df = df.sort_values(
        [sort_by, "provider", "model"], ascending=[ascending, True, True], kind="stable", na_position="last"
    )
    df = df[list(PRICE_TABLE_COLUMNS)].reset_index(drop=True)
    return df.head(limit) if limit else df


class StyledTable:
    """A styled table for a notebook cell: the Styler's HTML, and the plain table as its text fallback
    (a bare Styler's text is its memory address, which no stored output can check)."""

    def __init__(self, df: pd.DataFrame, styler: Any) -> None:
        self.df = df
        self.styler = styler

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"text/html": self.styler.to_html(), "text/plain": self.df.to_string(index=False)}


def styled_prices(df: pd.DataFrame) -> StyledTable:
    """Prices with dollar formats and a bar on each price so the cheap ones stand out."""
    money = [c for c in df.columns if c.endswith("_usd_per_mtok")]
    return StyledTable(
        df,
        (
            df.style.format({c: "${:,.3f}" for c in money}, na_rep="")
            .format({"context_window_tokens": "{:,.0f}", "tier_above_input_tokens": "{:,.0f}"}, na_rep="")
            .bar(
                subset=[c for c in ("input_usd_per_mtok", "output_usd_per_mtok") if c in df], color="#d9e8f5"
            )
            .hide(axis="index")
            .set_uuid("prices")  # a fixed id: the stored HTML stays the same run after run
        ),
    )


def price_table_widget(prices: pd.DataFrame) -> Shown:
    """Filter and sort the price table live: provider, search words, sort column and direction."""
    providers = ["(all providers)", *dict.fromkeys(prices["provider"])]
    # OpenAI first: the question this tool starts from; "(all providers)" is one click away.
    provider = W.Dropdown(options=providers, value="openai" if "openai" in providers else providers[0],
                          description="Provider")
    text = W.Text(placeholder="e.g. gpt-5 mini", description="Search")
    sort_by = W.Dropdown(
        options=[c for c in PRICE_TABLE_COLUMNS if c != "source"],
        value="input_usd_per_mtok",
        description="Sort by",
    )
    ascending = W.ToggleButtons(options=[("cheapest first", True), ("dearest first", False)], value=True)
    out = W.HTML()

    def update(_: Any = None) -> None:
        df = filter_prices(
            prices,
            provider=None if provider.value == providers[0] else provider.value,
            text=text.value,
            sort_by=sort_by.value,
            ascending=ascending.value,
            limit=100,
        )
        out.value = f"<p>{len(df)} row(s) shown (at most 100)</p>" + styled_prices(df).styler.to_html()

    for w in (provider, text, sort_by, ascending):
        w.observe(update, names="value")
    # (the table HTML comes from the same Styler as the static table below it in the notebook)
    update()
    box = W.VBox([W.HBox([provider, text]), W.HBox([sort_by, ascending]), out])
    box.update = update  # type: ignore[attr-defined]
    box.controls = {
        "provider": provider,
        "text": text,
        "sort_by": sort_by,  # type: ignore[attr-defined]
        "ascending": ascending,
        "out": out,
    }
    return Shown(box, "[price table: filter and sort it live after running the notebook]")


def price_history_frame(models: Sequence[str], prices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Dated standard-tier base prices of some models (one row per price period) for the step chart."""
    table = prices if prices is not None else _prices.price_history()
    keys = [_sc.model_key(m) for m in models]
    t = table[(table["service_tier"] == "standard") & (table["tier_above_input_tokens"] == 0)]
    frames = []
    for prov, model in keys:
        rows = t[(t["provider"] == prov) & (t["model"] == model)].sort_values(
            "valid_from", na_position="first"
        )
        if rows.empty:
            continue
        rows = rows.assign(label=_sc.model_label(prov, model))
        # An open start means "since launch, date unknown": draw it from the first known date.
        first = rows["valid_from"].dropna().min()
        rows["valid_from"] = rows["valid_from"].fillna(
            first if pd.notna(first) else pd.Timestamp("2023-01-01")
        )
        frames.append(rows)
    cols = ["label", "valid_from", "valid_to", "input_usd_per_mtok", "output_usd_per_mtok", "source"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)[cols]
    out["source"] = out["source"].astype(str)
    return out


def seed_vs_today(as_of: dt.date | str) -> pd.DataFrame:
    """The May-2025 answer's table beside the reference prices of that day and of ``as_of``, with the
    audit's verdict on each row."""
    from explorer.audit import audit_table, seed_table

    audit = audit_table(seed_table())
    today = []
    for name in audit["resolved_model"]:
        try:
            row = _prices.load_prices(as_of, model=None).pipe(
                lambda t, n=name: t[
                    (t["model"] == n) & (t["tier_above_input_tokens"] == 0) & (t["provider"] == "openai")
                ]
            )
        except ValueError:
            row = pd.DataFrame()
        today.append(
            (row["input_usd_per_mtok"].iloc[0], row["output_usd_per_mtok"].iloc[0])
            if len(row)
            else (np.nan, np.nan)
        )
    return pd.DataFrame(
        {
            "model (as the answer wrote it)": audit["model"],
            "answer input": audit["input_usd_per_mtok"],
            "answer output": audit["output_usd_per_mtok"],
            "2025-05-16 input": audit["reference_input_usd_per_mtok"],
            "2025-05-16 output": audit["reference_output_usd_per_mtok"],
            f"{as_of} input": [t[0] for t in today],
            f"{as_of} output": [t[1] for t in today],
            "verdict": audit["status"],
            "finding": audit["explanation"],
        }
    )


def image_cost_frame(
    count: int, *, as_of: dt.date | str, models: Sequence[str] | None = None
) -> pd.DataFrame:
    """Cost of ``count`` generated images per model, quality and size, from the per-image prices."""
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 0:
        raise ValueError(f"count: expected a whole number >= 0, got {count!r}")
    img = _prices.load_image_prices(as_of)
    if models is not None:
        img = img[img["model"].isin(models)]
    return pd.DataFrame(
        {
            "label": img["model"].astype(str).to_numpy(),
            "quality": img["quality"].to_numpy(),
            "size": img["size"].to_numpy(),
            "usd_per_image": img["usd_per_image"].to_numpy(dtype=float),
            "images": count,
            "total_usd": img["usd_per_image"].to_numpy(dtype=float) * count,
        }
    )


def image_input_costs(
    sizes_px: Sequence[tuple[int, int]], models: Sequence[str], *, as_of: dt.date | str, detail: str = "high"
) -> pd.DataFrame:
    """What sending one image costs as input tokens: tokens per image (``explorer.images``) x input price."""
    from explorer.images import image_tokens

    rows = []
    for model in models:
        prov, mid = _sc.model_key(model)
        cost = None
        for w, h in sizes_px:
            it = image_tokens(w, h, model=mid, detail=detail)  # type: ignore[arg-type]
            if cost is None:
                live = _prices.load_prices(as_of, provider=prov)
                live = live[(live["model"] == mid) & (live["tier_above_input_tokens"] == 0)]
                rate = live["input_image_usd_per_mtok"].fillna(live["input_usd_per_mtok"]).iloc[0]
                cost = float(rate)
            rows.append(
                {
                    "model": mid,
                    "size": f"{w}x{h}",
                    "detail": detail,
                    "tokens_per_image": it.tokens,
                    "input_usd_per_mtok": cost,
                    "usd_per_image": it.tokens * cost / 1e6,
                    "usd_per_1000_images": it.tokens * cost / 1e3,
                }
            )
    return pd.DataFrame(rows)


def image_widget(as_of: dt.date | str) -> Shown:
    """Per-image cost by model, quality and size for a chosen number of images, live."""
    count = W.IntText(value=1000, description="Images")
    quality = W.SelectMultiple(
        options=["low", "medium", "high", "standard", "hd"],
        value=("low", "medium", "high", "standard", "hd"),
        description="Quality",
        rows=5,
    )
    chart = alt.JupyterChart(alt.Chart(pd.DataFrame({"x": [0]})).mark_point())
    table = W.HTML()

    def update(_: Any = None) -> None:
        df = image_cost_frame(max(0, int(count.value or 0)), as_of=as_of)
        df = df[df["quality"].isin(quality.value)]
        chart.chart = _charts.image_cost_chart(df, as_of=str(as_of))
        table.value = _frame_html(df, money=["usd_per_image", "total_usd"])

    count.observe(update, names="value")
    quality.observe(update, names="value")
    enable_offline()
    update()
    box = W.VBox([W.HBox([count, quality]), chart, table])
    box.controls = {"count": count, "quality": quality, "chart": chart, "table": table}  # type: ignore[attr-defined]
    return Shown(box, "[image cost explorer: live after running the notebook]")
