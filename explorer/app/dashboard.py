"""The dashboard: controls on top, one view per tab below. Every control writes the app state; a change
recomputes the visible tab only (the others update when shown), from rates extracted once per model set
and date, and the charts swap their data instead of rebuilding their specs.

The public surface notebooks use stays: the controls by name (``dash.input_tokens.value = 4000``),
``dash.results`` (every results frame, computed on first read), overrides and scenarios.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as W
import pandas as pd

from explorer import charts as _charts
from explorer import crossovers as _x
from explorer import paths
from explorer import prices as _prices
from explorer import results as _r
from explorer import scenarios as _sc
from explorer import text_costs as _text
from explorer.app.chart_slot import ChartSlot, enable_offline
from explorer.app.forecast_view import ForecastView
from explorer.app.ranges_view import RangesView
from explorer.app.state import AppState
from explorer.app.views import BudgetView, Context, CrossoverView, CurvesView, RankingView, View, status_html
from explorer.display import with_text
from explorer.limits import clip
from explorer.tables import frame_html

__all__ = ["MAX_OPTIONS", "Dashboard", "lifecycle_mark", "retired_toggle"]

MAX_OPTIONS = 400
"""Most models listed at once in the picker; the search narrows the rest."""


def _pair(box: W.Widget, slider: W.Widget, *, tolerance: float, log: bool = False) -> None:
    """Keep a slider beside its number box. The box holds the exact value; the slider follows it and moves
    it, but a slider snapping a typed value to its grid (123,456 to 10^5.1) never writes back."""
    import math

    def distance(a: float, b: float) -> float:
        return abs(math.log10(max(a, 1e-12)) - math.log10(max(b, 1e-12))) if log else abs(a - b)

    def from_box(change: dict[str, Any]) -> None:
        if distance(slider.value, change["new"]) > 1e-12:
            slider.value = change["new"]

    def from_slider(change: dict[str, Any]) -> None:
        if distance(box.value, change["new"]) > tolerance:
            box.value = round(change["new"]) if log else round(change["new"], 6)

    box.observe(from_box, names="value")
    slider.observe(from_slider, names="value")


def retired_toggle() -> W.Checkbox:
    """"Show retired models": off by default, so defaults and rankings hold only models on sale."""
    return W.Checkbox(value=False, description="Show retired models", indent=False,
                      tooltip="list models shut down by the date, at their last price, marked retired")


def _retired_on(key: tuple[str, str], day: pd.Timestamp) -> bool:
    life = _prices.model_lifecycle(*key)
    return life is not None and pd.notna(life.shutdown_on) and life.shutdown_on <= day


def lifecycle_mark(row: Any, day: dt.date) -> str:
    """What a model option says about its lifecycle on ``day``: retired (with the date) or deprecated."""
    when = pd.Timestamp(day)
    if pd.notna(row.shutdown_on) and row.shutdown_on <= when:
        return f"  · retired {row.shutdown_on.date()}, last price"
    if pd.notna(row.deprecated_on) and row.deprecated_on <= when:
        end = f", shuts down {row.shutdown_on.date()}" if pd.notna(row.shutdown_on) else ""
        return f"  · deprecated{end}"
    return ""


def skipped_scenarios_html(messages: list[str]) -> str:
    """One warning line per scenario file that was skipped, naming it and why; empty when none was."""
    if not messages:
        return ""
    lines = "".join(f"<div>&#9888; {html.escape(m)}</div>" for m in messages)
    return f"<div class='explorer-skipped-scenarios' style='color:#8a4b00;font-size:90%'>{lines}</div>"


TAB_STYLE = (
    "<style>.jupyter-widgets.jupyter-widget-tab.explorer-tabs > .lm-TabBar .lm-TabBar-tab,"
    ".jupyter-widgets.widget-tab.explorer-tabs > .p-TabBar .p-TabBar-tab{flex:0 1 auto}</style>"
)
"""Tabs as wide as their titles: ipywidgets gives each tab the same 144 px and shrinks them alike, so in
JupyterLab's narrower output area "Budget & projection" was cut to "Budget & projecti"."""


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
        self.state = AppState(prices if prices is not None else _prices.price_history())
        self._held = False
        self._rows: dict[W.Widget, W.Widget] = {}
        self._stale: set[int] = set()
        self.refresh_count = 0
        """How many times outputs were recomputed (tests use it to check one change = one refresh)."""
        sc = scenario or _sc.Scenario("My workload")
        day = _prices._as_timestamp(as_of if as_of is not None else sc.as_of).date()
        chosen = models or sc.models or _r.default_models(self.state.base_prices, day)
        picked = [_sc.model_key(m) for m in chosen]
        self._build_controls(sc, day, picked)
        self._build_outputs()
        self._layout()
        self.refresh()
        self._observe()

    # ---- controls

    def _catalogue(self) -> pd.DataFrame:
        """Comparable candidates on the chosen date (:func:`explorer.candidates.candidates`: chat models with
        input and output prices, fine-tunes left out, one row per offering under several names, the host named
        when it is not the maker), OpenAI first then by provider; kept per price table and date, so typing in
        the search box does not rebuild it."""
        from explorer import candidates as _cand

        day = pd.Timestamp(self.as_of.value)
        cached = getattr(self, "_catalogue_cache", None)
        if cached is not None and cached[0] is self.prices and cached[1] == day:
            return cached[2]
        t = _cand.candidates(self.prices, day)
        t = t[t["output_usd_per_mtok"].notna()][
            ["provider", "model", "input_usd_per_mtok", "output_usd_per_mtok", "is_override", "served_by",
             "deprecated_on", "shutdown_on"]
        ]
        out = (
            t.assign(_o=(t["provider"] != "openai"))
            .sort_values(["_o", "provider", "model"])
            .drop(columns="_o")
        )
        self._catalogue_cache = (self.prices, day, out)
        return out

    def _option_label(self, row: Any) -> str:
        mark = " ✎" if row.is_override else ""
        host = f" on {row.served_by}" if getattr(row, "served_by", "") else ""
        return (
            f"{row.provider} · {row.model}{host}  (${row.input_usd_per_mtok:g} / ${row.output_usd_per_mtok:g})"
            f"{mark}{lifecycle_mark(row, self.as_of.value)}"
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
        self.show_retired = retired_toggle()
        self.models = W.SelectMultiple(
            description="Models", description_allow_html=False, tooltip="ctrl- or shift-click to pick several",
            rows=10, style=style, layout=W.Layout(width="620px"),
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
        self.requests = W.BoundedFloatText(
            value=max(1.0, sc.requests_per_month),
            min=1,
            max=1e10,
            step=1000,
            description="Requests per month",
            style=style,
        )
        self.requests_slider = W.FloatLogSlider(
            value=max(1.0, sc.requests_per_month),
            base=10,
            min=0,
            max=10,
            step=0.05,
            readout=False,
            tooltip="Requests per month (log scale)",
            layout=W.Layout(width="200px"),
        )
        # The box is the control (it takes any number); the slider moves it, and follows it.
        _pair(self.requests, self.requests_slider, tolerance=0.05 / 2, log=True)
        self.cached_share = self._share_box("Cached share of input", sc.cached_input_share)
        self.batch_share = self._share_box("Share of traffic on batch", sc.batch_share)
        self.flex_share = self._share_box("Share of traffic on flex", sc.flex_share)
        self.priority_share = self._share_box("Share of traffic on priority", sc.priority_share)
        self.growth = self._share_box("Monthly growth", sc.monthly_growth_rate, lo=-0.2, hi=0.5, step=0.01)
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
        self._build_text_controls(sc, style)
        self.name = W.Text(value=sc.name, description="Scenario name", style=style)
        self._description = sc.description
        self._images = (sc.images_per_request, sc.image_quality, sc.image_size)

    def _build_text_controls(self, sc: _sc.Scenario, style: dict[str, str]) -> None:
        """"Describe requests by: tokens | text". By text, a request is N characters of a kind of text and each
        model gets its own input tokens for it (its tokenizer, or a labelled estimate)."""
        text = bool(sc.input_chars_per_request)
        self.describe_by = W.Dropdown(options=["tokens", "text"], value="text" if text else "tokens",
                                      description="Describe requests by", style=style)
        self.chars = W.BoundedIntText(value=sc.input_chars_per_request or 4000, min=1, max=100_000_000, step=500,
                                      description="Characters per request", style=style)
        self.text_kind = W.Dropdown(options=[(v, k) for k, v in _text.KIND_LABELS.items()],
                                    value=sc.input_text_kind, description="Kind of text", style=style)
        self._show_text_controls()

    def _show_text_controls(self) -> None:
        text = self.describe_by.value == "text"
        self.input_tokens.layout.display = "none" if text else None
        self.chars.layout.display = None if text else "none"
        self.text_kind.layout.display = None if text else "none"

    def _on_describe(self, change: dict[str, Any]) -> None:
        self._show_text_controls()
        self._on_change(change)

    def _share_box(self, label: str, value: float, *, lo: float = 0.0, hi: float = 1.0,
                   step: float = 0.05) -> W.BoundedFloatText:
        """A number box named ``label`` (what screen readers and tests find) with a slider beside it that
        moves it; the box is the control the dashboard observes."""
        box = W.BoundedFloatText(value=value, min=lo, max=hi, step=step, description=label,
                                 style={"description_width": "190px"}, layout=W.Layout(width="290px"))
        slider = W.FloatSlider(value=value, min=lo, max=hi, step=step, readout_format="+.0%" if lo < 0 else ".0%",
                               layout=W.Layout(width="200px"), tooltip=label)
        _pair(box, slider, tolerance=step / 2)
        self._rows[box] = W.HBox([box, slider])
        return box

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
        self.status = W.HTML()
        self.compare_table = W.HTML()
        self.compare_slot = ChartSlot()
        self.ranking_view = RankingView()
        self.curves_view = CurvesView()
        self.budget_view = BudgetView()
        self.crossover_view = CrossoverView(
            [W.HBox([self.axis]), W.HBox([self.fixed_usd, self.fixed_in, self.fixed_out])]
        )
        self.ranges_view = RangesView(on_change=lambda: self._on_change({}))
        self.forecast_view = ForecastView(lambda: self.prices)
        self.views: list[View] = [self.ranking_view, self.curves_view, self.budget_view, self.crossover_view,
                                  self.ranges_view, self.forecast_view]
        # Names notebooks and tests use for the outputs.
        self.ranked_out = self.ranking_view.table
        self.crossover_text = self.crossover_view.text
        self.crossover_table = self.crossover_view.table
        self.components_chart = self.ranking_view.chart
        self.curves_chart = self.curves_view.chart
        self.budget_chart = self.budget_view.budget
        self.projection_chart = self.budget_view.projection
        self.crossover_chart = self.crossover_view.chart
        self.compare_chart = self.compare_slot
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
        self.sc_skipped = W.HTML()
        self._scenarios = self._list_scenarios()
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
        self.sc_load.on_click(
            lambda _: self.load_scenario(self._scenarios[self.sc_pick.value]) if self.sc_pick.value else None
        )
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
        self.show_retired.observe(self._on_retired, names="value")
        self.describe_by.observe(self._on_describe, names="value")
        self.chars.observe(self._on_change, names="value")
        self.text_kind.observe(self._on_change, names="value")
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

    def _on_retired(self, change: dict[str, Any]) -> None:
        """Show or hide the models shut down by the date (listed at their last price, marked retired)."""
        self.state.set_include_retired(bool(change["new"]))
        keep = None
        if not change["new"]:  # hidden again: retired models leave the selection and the ranking
            day = pd.Timestamp(self.as_of.value)
            keep = [k for k in self.models.value if not _retired_on(k, day)]
        with self._hold():
            self._refresh_model_options(selected=keep)
        self.refresh()

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
        return self.state.prices

    @property
    def _base_prices(self) -> pd.DataFrame:
        return self.state.base_prices

    @property
    def _overrides(self) -> dict[tuple[str, str], pd.DataFrame]:
        return self.state.overrides

    @property
    def requests_per_month(self) -> float:
        """The volume control, in requests per month whatever unit it shows."""
        factor = _sc.DAYS_PER_MONTH if self.volume_unit.value == "per day" else 1.0
        return float(self.requests.value) * factor

    def _scenario_models(self, keys: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
        """The picked models as a scenario names them (``provider/model`` where the id alone means another
        provider's model): resolved once per selection, not on every change."""
        return self.state.cached(
            "scenario_models", (self.state.prices_version, keys),
            lambda: tuple(f"{p}/{m}" if _sc.model_label(p, m) != m else m for p, m in keys),
        )

    @property
    def scenario(self) -> _sc.Scenario:
        """The controls' current values as a :class:`Scenario`."""
        images, quality, size = self._images
        return _sc.Scenario(
            name=self.name.value.strip() or "My workload",
            description=self._description,
            models=self._scenario_models(tuple(self.models.value)),
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
            input_chars_per_request=int(self.chars.value) if self.describe_by.value == "text" else 0,
            input_text_kind=str(self.text_kind.value),
        )

    @property
    def fixed_options(self) -> tuple[_x.FixedCostOption, ...]:
        """The fixed-cost option described in the crossover controls, if any, and the self-hosted option of
        the ranges tab, if any (both enter the crossovers along volume)."""
        own = self.ranges_view.controls.self_hosted() if hasattr(self, "ranges_view") else ()
        if not self.fixed_usd.value:
            return own  # type: ignore[return-value]
        return (
            _x.FixedCostOption(
                "your fixed-cost option",
                float(self.fixed_usd.value),
                float(self.fixed_in.value),
                float(self.fixed_out.value),
            ),
            *own,  # type: ignore[arg-type]
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
            self.describe_by.value = "text" if scenario.input_chars_per_request else "tokens"
            self.chars.value = scenario.input_chars_per_request or self.chars.value
            self.text_kind.value = scenario.input_text_kind
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
            self.ranges_view.controls.load(scenario)
        self.refresh()

    def _save_from_form(self) -> None:
        try:
            path = _sc.save_scenario(self.scenario)
        except (ValueError, OSError) as exc:
            self.sc_message.value = f"<span style='color:#b00'>Not saved: {html.escape(str(exc))}</span>"
            return
        self._scenarios = self._list_scenarios()
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
        rows = _r.override_rows(
            self._base_prices,
            key,
            as_of=self.as_of.value,
            note=note,
            input=input_usd_per_mtok,
            cached_input=cached_input_usd_per_mtok,
            output=output_usd_per_mtok,
            reasoning=reasoning_usd_per_mtok,
        )
        self.state.set_overrides({**self.state.overrides, key: rows})
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
        self.state.set_overrides({
            (str(p), str(m)): g.reset_index(drop=True) for (p, m), g in rows.groupby(["provider", "model"], sort=False)
        })
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
        self.state.set_overrides({})
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
                    raise ValueError(f"{box.description}: {clip(box.value)} is not a number") from None
            self.set_override(self.ov_model.value, **values)
        except ValueError as exc:
            self.ov_list.value = f"<span style='color:#b00'>{html.escape(str(exc))}</span>"

    # ---- outputs

    def _context(self) -> Context:
        return Context(
            state=self.state,
            models=tuple(self.models.value),
            scenario=self.scenario,
            as_of=self.as_of.value,
            axis=self.axis.value,
            fixed=self.fixed_options,
        )

    @property
    def results(self) -> _r.DashboardResults:
        """Every results frame for the current controls (computed on first read, then cached)."""
        ctx = self._context()
        return self.state.results(ctx.models, ctx.scenario, ctx.as_of, ctx.axis, ctx.fixed)

    def refresh(self) -> None:
        """Recompute what the controls changed: the status line and the visible tab now, the other tabs
        when they are shown (the observers call this on each change)."""
        self.refresh_count += 1
        ctx = self._context()
        self.status.value = status_html(ctx)
        visible = self.tabs.selected_index if hasattr(self, "tabs") else 0
        self._stale = set(range(len(self.views)))
        self._update_view(visible if visible is not None and visible < len(self.views) else 0, ctx)
        self._refresh_override_tab()  # the model list of the override form follows the selection
        if hasattr(self, "tabs") and self.tabs.selected_index == len(self.views) + 1:
            self._refresh_compare()

    def _update_view(self, index: int, ctx: Context | None = None) -> None:
        if index in self._stale:
            self.views[index].update(ctx or self._context())
            self._stale.discard(index)

    def update_all(self) -> None:
        """Bring every tab up to date now (a notebook reader printing several charts, or a screenshot)."""
        ctx = self._context()
        for i in range(len(self.views)):
            self._update_view(i, ctx)
        self._refresh_override_tab()
        self._refresh_compare()

    def _on_tab(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if index is None:
            return
        if index < len(self.views):
            self._update_view(index)
        elif index == len(self.views):
            self._refresh_override_tab()
        else:
            self._refresh_compare()

    def _refresh_override_tab(self) -> None:
        rates = self.state.rates(tuple(self.models.value), self.as_of.value)
        options = list(zip(rates.labels, rates.keys, strict=True))
        if options != list(self.ov_model.options):
            with self._hold():
                self.ov_model.options = options
        self.ov_list.value = self._overrides_html()

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
        return "<b>Overridden (✎):</b>" + frame_html(shown, titles={
            "input_usd_per_mtok": "input $/M", "cached_input_usd_per_mtok": "cached input $/M",
            "output_usd_per_mtok": "output $/M"})

    def _refresh_compare(self) -> None:
        chosen = [self._scenarios[n] for n in self.sc_compare.value if n in self._scenarios]
        if not chosen:
            self.compare_table.value = "<i>Pick scenarios to compare.</i>"
            return
        day = self.as_of.value
        key = (day, tuple(self.sc_compare.value), self.state.prices_version)
        if key == getattr(self, "_compare_key", None):
            return  # the comparison depends on the date, the overrides and the picks only
        self._compare_key = key
        long = _sc.scenarios_costs(chosen, prices=self.prices, as_of=day)
        table = _sc.summarise_compare(chosen, long, as_of=day)
        self.compare_result = table
        self.compare_table.value = frame_html(
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
            counts=["requests_per_month", "input_tokens_per_request", "output_tokens_per_request"],
            titles={"requests_per_month": "requests per month", "input_tokens_per_request": "input tokens",
                    "output_tokens_per_request": "output tokens", "cached_input_share": "cached share",
                    "cheapest_model": "cheapest model", "cheapest_monthly_usd": "its monthly cost"},
        )
        colors = _charts.model_colors(long["label"])
        self.compare_slot.show(
            (key,), long, lambda d: _charts.scenario_compare_chart(d, as_of=str(day), colors=colors)
        )

    # ---- layout

    def _layout(self) -> None:
        inputs = W.HBox(
            [
                W.VBox([self.search, self.provider, self.models, self.show_retired], layout=W.Layout(width="640px")),
                W.VBox(
                    [
                        self.as_of,
                        self.describe_by,
                        self.input_tokens,
                        self.chars,
                        self.text_kind,
                        self.output_tokens,
                        self.reasoning_tokens,
                        self._rows[self.cached_share],
                        self.volume_unit,
                        W.HBox([self.requests, self.requests_slider]),
                    ]
                ),
                W.VBox([self._rows[w] for w in (self.batch_share, self.flex_share, self.priority_share, self.growth)]
                       + [self.budget]),
            ],
            layout=W.Layout(flex_flow="row wrap"),
        )
        overrides = W.VBox(
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
        )
        scenarios = W.VBox(
            [
                W.HBox([self.sc_pick, self.sc_load]),
                W.HBox([self.name, self.sc_save]),
                self.sc_message,
                self.sc_compare,
                self.compare_table,
                self.compare_slot.widget,
            ]
        )
        self.tabs = W.Tab(children=[*(v.widget for v in self.views), overrides, scenarios])
        for i, title in enumerate([*(v.title for v in self.views), "Override prices", "Scenarios"]):
            self.tabs.set_title(i, title)
        self.tabs.observe(self._on_tab, names="selected_index")
        self.tabs.add_class("explorer-tabs")
        self._widget = W.VBox([inputs, self.status, self.sc_skipped, self.tabs, W.HTML(TAB_STYLE)])

    def _list_scenarios(self) -> dict[str, _sc.Scenario]:
        """The scenarios, and a visible line for each of the user's files that could not be loaded (the
        page would otherwise only log a warning nobody sees)."""
        skipped: list[str] = []
        found = _sc.list_scenarios(skipped=skipped)
        self.sc_skipped.value = skipped_scenarios_html(skipped)
        return found

    @property
    def widget(self) -> W.Widget:
        """The whole dashboard: controls on top, the status line, outputs in tabs."""
        return self._widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        text = "[the cost dashboard: live widgets; run the notebook (Run > Run All Cells) to use it]"
        return with_text(self.widget._repr_mimebundle_(**kwargs), text)

