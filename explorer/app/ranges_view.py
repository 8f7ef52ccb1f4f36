"""The "Ranges" tab: costs as ranges, not points. Its own controls (how unequal requests are, reasoning effort
per model with its source, the currency shown, negotiated terms per provider, a self-hosted option) and
what follows from them: the ranking by p50 with the p10-p90 band, the odds that one model costs less
than another, and the bands on the cost curves and the projection.

The figures come from :func:`explorer.range_results.range_results` through the app state's keyed cache
(seed fixed, so the same inputs show the same figures); the controls only describe the inputs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from explorer import charts_ranges as _cr
from explorer import currency as _fx
from explorer import distributions as _d
from explorer import fmt
from explorer import range_results as _rr
from explorer import ranges as _ranges
from explorer import scenarios as _sc
from explorer import terms as _terms
from explorer.app.chart_slot import ChartSlot
from explorer.app.views import Context, View
from explorer.selfhost import SelfHostedOption
from explorer.tables import frame_html

__all__ = ["EFFORT_LEVELS", "NO_EFFORT", "RangeControls", "RangesView"]

EFFORT_LEVELS = ("minimal", "low", "medium", "high", "xhigh")
"""Effort level names a setting can be made for (the names vendors use)."""
NO_EFFORT = "(the scenario's reasoning tokens)"
"""The effort choice that applies no setting."""
NO_DEFAULTS = (
    "No vendor publishes how many reasoning tokens each effort level spends (the levels are described in "
    "words), so no multiplier ships: set one per model and level from your own measurements, with its source."
)
_STYLE = {"description_width": "210px"}


def _money_html(x: float, code: str) -> str:
    """An amount in ``code`` written as :func:`explorer.fmt.usd` writes dollars (small amounts keep their
    digits), with the code after it for other currencies."""
    if x != x:  # NaN
        return ""
    text = fmt.usd(x)
    return text if code == "USD" else f"{text.replace('$', '')} {code}"


class RangeControls:
    """The inputs of the ranges tab. ``on_change`` is called after any of them changes."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._on_change = on_change
        self._held = False
        self.efforts: tuple[_ranges.EffortSetting, ...] = ()
        self.terms: dict[str, _terms.ProviderTerms] = {}
        self.loaded: tuple[_d.Distribution | None, _d.Distribution | None, _d.Distribution | None] = (None, None, None)
        """Distributions of a loaded scenario file, used while the spread says "from the scenario"."""
        self.spread = W.Dropdown(
            options=[("none: every request alike", "none"), ("low (assumed)", "low"), ("medium (assumed)", "medium"),
                     ("high (assumed)", "high"), ("custom", "custom")],
            value="medium", description="How unequal are requests", style=_STYLE, layout=W.Layout(width="420px"),
        )
        ratio = dict(min=1.0, max=1000.0, step=0.5, style=_STYLE, layout=W.Layout(width="300px"))
        self.input_spread = W.BoundedFloatText(value=2.0, description="p90 ÷ median, input tokens", **ratio)
        self.output_spread = W.BoundedFloatText(value=3.0, description="p90 ÷ median, output tokens", **ratio)
        self.reasoning_spread = W.BoundedFloatText(value=4.0, description="p90 ÷ median, reasoning", **ratio)
        self.spread_note = W.HTML()
        # Reasoning effort
        self.effort = W.Dropdown(options=[NO_EFFORT], value=NO_EFFORT, description="Reasoning effort in use",
                                 style=_STYLE, layout=W.Layout(width="420px"))
        self.eff_model = W.Dropdown(options=[("every model", "*")], value="*", description="Effort setting for",
                                    style=_STYLE, layout=W.Layout(width="420px"))
        self.eff_level = W.Dropdown(options=list(EFFORT_LEVELS), value="high", description="at level", style=_STYLE)
        self.eff_multiplier = W.BoundedFloatText(value=1.0, min=0.0, max=1000.0, step=0.1, style=_STYLE,
                                                 description="× the scenario's reasoning tokens")
        self.eff_uncertainty = W.BoundedFloatText(value=1.0, min=1.0, max=100.0, step=0.5, style=_STYLE,
                                                  description="unsure by: p90 ÷ median")
        self.eff_source = W.Text(placeholder="required: your measurement, a vendor page...", description="Source",
                                 style=_STYLE, layout=W.Layout(width="520px"))
        self.eff_add = W.Button(description="Set effort", button_style="info")
        self.eff_clear = W.Button(description="Clear effort settings")
        self.eff_message = W.HTML(f"<i>{html.escape(NO_DEFAULTS)}</i>")
        # Currency
        self.currency = W.Dropdown(options=_fx.currencies(), value="USD", description="Show figures in",
                                   style=_STYLE)
        self.own_rate = W.BoundedFloatText(value=0.0, min=0.0, max=1e7, step=0.01, style=_STYLE,
                                           description="your rate, units per USD (0: bundled)")
        self.rate_note = W.HTML()
        # Negotiated terms
        self.terms_provider = W.Dropdown(options=[], description="Negotiated terms for", style=_STYLE)
        self.terms_discount = W.BoundedFloatText(value=0.0, min=0.0, max=1.0, step=0.01, style=_STYLE,
                                                 description="discount (share off list)")
        self.terms_commit = W.BoundedFloatText(value=0.0, min=0.0, max=1e9, step=100, style=_STYLE,
                                               description="commitment, USD per month")
        self.terms_set = W.Button(description="Set terms", button_style="info")
        self.terms_list = W.HTML("<i>List prices.</i>")
        # Self-hosting: nothing is assumed; the option counts once its price and throughputs are given.
        self.sh_on = W.Checkbox(value=False, description="Add a self-hosted option", indent=False)
        self.sh_name = W.Text(value="self-hosted", description="Name", style=_STYLE)
        num = dict(min=0.0, max=1e9, style=_STYLE)
        self.sh_gpu_usd = W.BoundedFloatText(value=0.0, step=0.1, description="GPU price, USD per hour", **num)
        self.sh_gpus = W.BoundedIntText(value=1, min=1, max=4096, description="GPUs per replica", style=_STYLE)
        self.sh_in_tps = W.BoundedFloatText(value=0.0, step=100, description="input tokens per second", **num)
        self.sh_out_tps = W.BoundedFloatText(value=0.0, step=10, description="output tokens per second", **num)
        self.sh_util = W.BoundedFloatText(value=0.5, min=0.01, max=1.0, step=0.05, style=_STYLE,
                                          description="utilisation")
        self.sh_fixed = W.BoundedFloatText(value=0.0, step=100, description="fixed USD per month", **num)
        self.sh_message = W.HTML()
        self._wire()

    # ---- wiring

    def _changed(self, _: Any = None) -> None:
        if not self._held:
            self._on_change()

    def _wire(self) -> None:
        self.spread.observe(self._on_preset, names="value")
        for w in (self.input_spread, self.output_spread, self.reasoning_spread):
            w.observe(self._on_ratio, names="value")
        for w in (self.effort, self.currency, self.own_rate, self.sh_on, self.sh_name, self.sh_gpu_usd, self.sh_gpus,
                  self.sh_in_tps, self.sh_out_tps, self.sh_util, self.sh_fixed):
            w.observe(self._changed, names="value")
        self.terms_provider.observe(self._show_terms, names="value")
        self.eff_add.on_click(lambda _: self.add_effort())
        self.eff_clear.on_click(lambda _: self.clear_efforts())
        self.terms_set.on_click(lambda _: self.set_terms())

    def _on_preset(self, change: dict[str, Any]) -> None:
        if change["new"] in _rr.SPREAD_PRESETS:
            self._held = True
            try:
                self.input_spread.value, self.output_spread.value, self.reasoning_spread.value = (
                    _rr.SPREAD_PRESETS[change["new"]])
            finally:
                self._held = False
        self._changed()

    def _on_ratio(self, change: dict[str, Any]) -> None:
        if self._held:
            return
        ratios = (self.input_spread.value, self.output_spread.value, self.reasoning_spread.value)
        match = [k for k, v in _rr.SPREAD_PRESETS.items() if v == ratios]
        self._held = True
        try:
            self.spread.value = match[0] if match else "custom"
        finally:
            self._held = False
        self._changed()

    # ---- what the controls describe

    def scenario(self, base: _sc.Scenario) -> _sc.Scenario:
        """``base`` (the dashboard's controls) with the token spread and the negotiated terms."""
        sc = _rr.with_spread(base, float(self.input_spread.value), float(self.output_spread.value),
                             float(self.reasoning_spread.value))
        if self.spread.value == "scenario" and any(d is not None for d in self.loaded):
            sc = base.replace(input_tokens_distribution=self.loaded[0],
                              visible_output_tokens_distribution=self.loaded[1],
                              reasoning_tokens_distribution=self.loaded[2])
        return sc.replace(provider_terms=tuple(sorted(self.terms.values(), key=lambda t: t.provider)))

    def load(self, scenario: _sc.Scenario) -> None:
        """Take a loaded scenario's distributions and terms (the dashboard calls this from load_scenario)."""
        self._held = True
        try:
            self.loaded = (scenario.input_tokens_distribution, scenario.visible_output_tokens_distribution,
                           scenario.reasoning_tokens_distribution)
            options = [o for o in self.spread.options if o[1] != "scenario"]
            if any(d is not None for d in self.loaded):
                options.append(("from the scenario file", "scenario"))
            self.spread.options = options
            if any(d is not None for d in self.loaded):
                self.spread.value = "scenario"
            self.terms = {t.provider: t for t in scenario.provider_terms}
            self._list_terms()
        finally:
            self._held = False

    @property
    def effort_level(self) -> str | None:
        return None if self.effort.value == NO_EFFORT else str(self.effort.value)

    def rate(self, as_of: dt.date) -> _fx.FxRate:
        """The rate figures are shown at: the user's own, or the bundled one published on or before ``as_of``."""
        if self.own_rate.value and self.currency.value != "USD":
            return _fx.fx_rate(self.currency.value, units_per_usd=float(self.own_rate.value))
        return _fx.fx_rate(self.currency.value, as_of=as_of)

    def self_hosted(self) -> tuple[SelfHostedOption, ...]:
        """The self-hosted option, once ticked and given a GPU price and both throughputs."""
        if not self.sh_on.value:
            self.sh_message.value = ""
            return ()
        if not (self.sh_gpu_usd.value > 0 and self.sh_in_tps.value > 0 and self.sh_out_tps.value > 0):
            self.sh_message.value = ("<i>Give the GPU price and both throughputs (yours: measured or quoted); "
                                     "nothing is assumed.</i>")
            return ()
        try:
            option = SelfHostedOption(
                name=self.sh_name.value.strip() or "self-hosted", gpu_usd_per_hour=float(self.sh_gpu_usd.value),
                gpus=int(self.sh_gpus.value), input_tokens_per_second=float(self.sh_in_tps.value),
                output_tokens_per_second=float(self.sh_out_tps.value), utilisation=float(self.sh_util.value),
                fixed_usd_per_month=float(self.sh_fixed.value),
            )
        except ValueError as exc:
            self.sh_message.value = f"<span style='color:#b91c1c'>{html.escape(str(exc))}</span>"
            return ()
        self.sh_message.value = "In the ranking below and in the crossovers along requests per month."
        return (option,)

    # ---- buttons

    def add_effort(self) -> None:
        """Add (or replace) the setting described in the effort form and put its level in use."""
        try:
            mult: _d.Distribution | float = float(self.eff_multiplier.value)
            if self.eff_uncertainty.value > 1:
                mult = _rr.spread_distribution(float(self.eff_multiplier.value), float(self.eff_uncertainty.value))
            setting = _ranges.EffortSetting(str(self.eff_model.value), str(self.eff_level.value), multiplier=mult,
                                            source=self.eff_source.value.strip())
        except ValueError as exc:
            self.eff_message.value = f"<span style='color:#b91c1c'>{html.escape(str(exc))}</span>"
            return
        kept = [s for s in self.efforts if (s.model, s.effort) != (setting.model, setting.effort)]
        self.efforts = (*kept, setting)
        self._list_efforts()
        self._held = True
        try:
            self.effort.value = setting.effort
        finally:
            self._held = False
        self._changed()

    def clear_efforts(self) -> None:
        self.efforts = ()
        self._list_efforts()
        self._changed()

    def _list_efforts(self) -> None:
        levels = sorted({s.effort for s in self.efforts}, key=lambda x: (*EFFORT_LEVELS, x).index(x))
        self._held = True
        try:
            current = self.effort.value
            self.effort.options = [NO_EFFORT, *levels]
            self.effort.value = current if current in self.effort.options else NO_EFFORT
        finally:
            self._held = False
        if not self.efforts:
            self.eff_message.value = f"<i>{html.escape(NO_DEFAULTS)}</i>"
            return
        rows = pd.DataFrame([{
            "model": "every model" if s.model == "*" else s.model, "level": s.effort,
            "multiplier": (f"{s.multiplier.mean():g} on average, p90 ÷ median "
                           f"{s.multiplier.to_dict().get('p90', 1) / s.multiplier.to_dict().get('p50', 1):g}"
                           if isinstance(s.multiplier, _d.LogNormal) else
                           f"{s.multiplier.mean():g}" if isinstance(s.multiplier, _d.Distribution) else ""),
            "source": s.source} for s in self.efforts])
        self.eff_message.value = frame_html(rows) + f"<i>{html.escape(NO_DEFAULTS)}</i>"

    def set_terms(self) -> None:
        """Set the chosen provider's discount and commitment (both 0: back to list prices)."""
        prov = self.terms_provider.value
        if not prov:
            return
        if self.terms_discount.value == 0 and self.terms_commit.value == 0:
            self.terms.pop(prov, None)
        else:
            self.terms[prov] = _terms.ProviderTerms(prov, discount=float(self.terms_discount.value),
                                                    committed_usd_per_month=float(self.terms_commit.value))
        self._list_terms()
        self._changed()

    def _show_terms(self, change: dict[str, Any]) -> None:
        t = self.terms.get(change["new"])
        self.terms_discount.value = t.discount if t else 0.0
        self.terms_commit.value = t.committed_usd_per_month if t else 0.0

    def _list_terms(self) -> None:
        if not self.terms:
            self.terms_list.value = "<i>List prices.</i>"
            return
        rows = pd.DataFrame([{"provider": t.provider, "discount": t.discount,
                              "committed_usd_per_month": t.committed_usd_per_month} for t in self.terms.values()])
        self.terms_list.value = frame_html(rows, shares=["discount"], money=["committed_usd_per_month"],
                                           titles={"committed_usd_per_month": "commitment per month"})

    def follow(self, ctx: Context) -> None:
        """Keep the model and provider pickers to the dashboard's selection."""
        rates = ctx.state.rates(ctx.models, ctx.as_of)
        models = [("every model", "*"), *((lbl, lbl) for lbl in rates.labels)]
        providers = sorted({p for p, _ in rates.keys})
        self._held = True
        try:
            if list(self.eff_model.options) != models:
                self.eff_model.options = models
                self.eff_model.value = "*"
            if list(self.terms_provider.options) != providers:
                self.terms_provider.options = providers
        finally:
            self._held = False

    @property
    def widget(self) -> W.Widget:
        def section(title: str, *rows: W.Widget) -> W.Widget:
            return W.VBox([W.HTML(f"<b>{html.escape(title)}</b>"), *rows],
                          layout=W.Layout(margin="0 24px 8px 0", width="560px"))

        return W.HBox([
            section("Token counts per request", self.spread, self.input_spread, self.output_spread,
                    self.reasoning_spread, self.spread_note),
            section("Reasoning effort", self.effort, self.eff_model, self.eff_level, self.eff_multiplier,
                    self.eff_uncertainty, self.eff_source, W.HBox([self.eff_add, self.eff_clear]), self.eff_message),
            section("Currency", self.currency, self.own_rate, self.rate_note),
            section("Negotiated prices", W.HTML("<small>Per provider, for this tab's figures (the other tabs "
                                                "show list prices).</small>"),
                    self.terms_provider, self.terms_discount, self.terms_commit, self.terms_set, self.terms_list),
            section("Self-hosting", self.sh_on, self.sh_name, self.sh_gpu_usd, self.sh_gpus, self.sh_in_tps,
                    self.sh_out_tps, self.sh_util, self.sh_fixed, self.sh_message),
        ], layout=W.Layout(flex_flow="row wrap"))


class RangesView(View):
    """Costs as ranges: the ranking by p50 with its band, the odds between the top models, and the bands on
    the cost curves and the projection."""

    title = "Ranges"

    def __init__(self, on_change: Callable[[], None]) -> None:
        self.controls = RangeControls(on_change)
        self.summary = W.HTML()
        self.table = W.HTML()
        self.odds = W.HTML()
        self.result: _rr.RangeResults | None = None
        """What the tab shows now (tests and notebook readers)."""
        self.widget = W.VBox([self.controls.widget, self.summary, self.table, self.odds])
        self._slots: tuple[ChartSlot, ChartSlot, ChartSlot] | None = None

    def _charts(self) -> tuple[ChartSlot, ChartSlot, ChartSlot]:
        # Made when the tab is first shown: a page that never opens it loads no more chart widgets than
        # before (each is a front-end model to initialise; under load their start-up is what fails first).
        if self._slots is None:
            self._slots = (ChartSlot(), ChartSlot(), ChartSlot())
            chart, curves, projection = self._slots
            self.widget.children = [self.controls.widget, self.summary, self.table, chart.widget, self.odds,
                                    curves.widget, projection.widget]
        return self._slots

    @property
    def chart(self) -> ChartSlot:
        """The ranking's range chart."""
        return self._charts()[0]

    @property
    def curves(self) -> ChartSlot:
        """The cost curves with their bands."""
        return self._charts()[1]

    @property
    def projection(self) -> ChartSlot:
        """The projection with its bands."""
        return self._charts()[2]

    def update(self, ctx: Context) -> None:
        c = self.controls
        c.follow(ctx)
        scenario = c.scenario(ctx.scenario)
        effort, efforts, hosted, rate = c.effort_level, c.efforts, c.self_hosted(), c.rate(ctx.as_of)
        key = (ctx.state.prices_version, ctx.as_of, ctx.models, scenario, effort, efforts, hosted, rate)
        # Tables and chart rows are cached with the figures: going back to an earlier input costs no pandas.
        shown = ctx.state.cached("ranges_shown", key, lambda: _shown(ctx, scenario, effort, efforts, hosted, rate))
        self.result = shown.result
        c.rate_note.value = shown.rate_note
        c.spread_note.value = shown.spread_note
        self.summary.value = shown.summary
        self.table.value = shown.table
        self.odds.value = shown.odds
        code = rate.currency
        labels = tuple(str(x) for x in shown.result.table["label"])
        # What the band charts' specs depend on: the models, date and prices, the currency, the models drawn and
        # whether any is drawn at an override price (a dashed band). Not the ranking's chart rows
        # (ctx.structure()): building those only to key these specs cost a fifth of a change on this tab.
        skey = (ctx.models, ctx.as_of, ctx.state.prices_version, code, labels)
        colors = ctx.colors
        (rows, rrec), (curves, crec), (proj, prec) = shown.charts
        self.chart.show((*skey, len(rows), _overridden(rows)), rows,
                        lambda d: _cr.range_chart(d, as_of=str(ctx.as_of), colors=colors, currency=code),  # type: ignore[arg-type]
                        records=rrec)
        self.curves.show((*skey, _overridden(curves)), curves,
                         lambda d: _cr.curve_band_chart(d, as_of=str(ctx.as_of), colors=colors, currency=code),  # type: ignore[arg-type]
                         records=crec)
        self.projection.show((*skey, _overridden(proj)), proj,
                             lambda d: _cr.projection_band_chart(d, as_of=str(ctx.as_of), colors=colors, currency=code),  # type: ignore[arg-type]
                             records=prec)


def _overridden(frame: pd.DataFrame) -> bool:
    """Whether a band frame draws any model at an override price (its chart then has a dash legend)."""
    return bool((frame["prices"] == "override").any()) if "prices" in frame.columns else False


APP_DRAWS = 4_000
"""Simulated requests (and months) behind the tab's figures: fewer than :data:`explorer.ranges.DEFAULT_DRAWS`
so that a change stays interactive with twenty models (the Monte-Carlo error is in each row's
``mc_error_usd``; at large volumes the quantiles come from exact moments and hardly move)."""


APP_CURVE_POINTS = 21
"""Volumes per band along the cost curves (five a decade over four decades): every row of a live chart is
sent to the browser on each change."""
MAX_BAND_MODELS = 20
"""Most models the band charts draw (the cheapest by p50): 20 x 40 curve points stays far under the row limit."""


@dataclasses.dataclass(frozen=True)
class _Shown:
    """What the tab shows for one set of inputs, ready to put in the widgets."""

    result: _rr.RangeResults
    rate_note: str
    spread_note: str
    summary: str
    table: str
    odds: str
    charts: tuple[tuple[pd.DataFrame, list[dict[str, Any]]], ...]


def _shown(
    ctx: Context, scenario: _sc.Scenario, effort: str | None, efforts: tuple[_ranges.EffortSetting, ...],
    hosted: tuple[SelfHostedOption, ...], rate: _fx.FxRate,
) -> _Shown:
    res = ctx.state.range_results(ctx.models, scenario, ctx.as_of, effort=effort, efforts=efforts,
                                  self_hosted=hosted, draws=APP_DRAWS, curve_points=APP_CURVE_POINTS)
    code = rate.currency
    k = rate.units_per_usd
    rate_note = "" if code == "USD" else f"Every figure of this tab in {code}: <code>{html.escape(rate.label())}</code>"
    d_in, d_out, d_reas = _ranges.scenario_distributions(scenario)
    spread_note = "<small>" + html.escape(
        "; ".join(f"{name}: median {d.quantile(np.array([0.5]))[0]:,.0f}, p90 {d.quantile(np.array([0.9]))[0]:,.0f}"
                  for name, d in (("input", d_in), ("output", d_out), ("reasoning", d_reas)))
        + " tokens (the typed counts stay the averages)") + "</small>"
    table = res.table
    ok = table[table["rank"].notna()]
    if len(ok):
        best = ok.iloc[0]
        summary = (
            f"<p><b>{html.escape(str(best['label']))}</b> is the cheapest by its median month: "
            f"<b>{_money_html(best['p50_usd'] * k, code)}</b> (80% of months between "
            f"{_money_html(best['p10_usd'] * k, code)} and {_money_html(best['p90_usd'] * k, code)}). "
            f"<small>{html.escape(res.statement)}</small></p>")
    else:
        summary = "<b>Pick at least one model that fits the request.</b>"
    shown = table[["rank", "label", "p10_usd", "p50_usd", "p90_usd", "point_monthly_usd", "request_p50_usd",
                   "request_p90_usd", "effort_source", "note"]].copy()
    for col in ("p10_usd", "p50_usd", "p90_usd", "point_monthly_usd", "request_p50_usd", "request_p90_usd"):
        shown[col] = [_money_html(float(v) * k, code) for v in shown[col].astype(float)]
    table_html = "<div class='explorer-ranges'>" + frame_html(shown, titles={
        "label": "model", "p10_usd": f"p10 per month ({code})", "p50_usd": f"p50 per month ({code})",
        "p90_usd": f"p90 per month ({code})", "point_monthly_usd": f"point estimate ({code})",
        "request_p50_usd": f"one request, p50 ({code})", "request_p90_usd": f"one request, p90 ({code})",
        "effort_source": "reasoning tokens from"}) + "</div>"
    odds_html = ""
    if len(res.odds):
        odds = res.odds.rename(columns={"model_a": "A", "model_b": "B", "p_month": "over a month",
                                        "p_request": "on one request"})
        odds_html = ("<p><b>Probability that A costs less than B</b> (the top models by p50, the same "
                     "simulated requests priced on both)</p>"
                     + frame_html(odds, shares=["over a month", "on one request"]))
    # The charts draw the cheapest few (a band per model stops being readable long before the row limit).
    drawn = set(ok["label"].head(MAX_BAND_MODELS))
    if len(ok) > MAX_BAND_MODELS:
        summary += f"<p><small>Charts: the {MAX_BAND_MODELS} cheapest by p50; the table lists all.</small></p>"
    every = len(ok) <= MAX_BAND_MODELS

    def only(frame: pd.DataFrame) -> pd.DataFrame:
        return frame if every else frame[frame["label"].isin(drawn)]

    rows = _cr.band_frame(ok if every else ok[ok["label"].isin(drawn)], k)
    curves = _cr.band_frame(only(res.curves), k)
    curves["your_volume"] = float(scenario.requests_per_month)
    proj = _cr.band_frame(only(res.projection), k)
    proj["budget"] = float(scenario.monthly_budget_usd or 0.0) * k
    charts = tuple((f, _cr.band_records(f)) for f in (rows, curves, proj))
    return _Shown(res, rate_note, spread_note, summary, table_html, odds_html, charts)
