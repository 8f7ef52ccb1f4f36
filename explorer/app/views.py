"""One view per tab: a ``.widget`` to show and an ``.update(ctx)`` that reads what it needs from the
app state. A new tab is one pure chart builder plus one small class here; no view knows another."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

import ipywidgets as W
import pandas as pd

from explorer import charts as _charts
from explorer import fmt
from explorer import prices as _prices
from explorer import scenarios as _sc
from explorer import text_costs as _text
from explorer.app.chart_slot import ChartSlot
from explorer.app.state import AppState
from explorer.crossovers import FixedCostOption
from explorer.tables import frame_html, ranked_html

__all__ = [
    "BudgetView", "Context", "CrossoverView", "CurvesView", "RankingView", "View", "ranking_extra", "status_html",
]


@dataclasses.dataclass(frozen=True)
class Context:
    """What every view reads on an update: the state and the current inputs."""

    state: AppState
    """Prices, overrides and cached results."""
    models: tuple[tuple[str, str], ...]
    """Selected models."""
    scenario: _sc.Scenario
    """The controls' values."""
    as_of: dt.date
    """Price date."""
    axis: str
    """Crossover axis."""
    fixed: tuple[FixedCostOption, ...]
    """Fixed-cost options for the volume crossover."""

    @property
    def rows(self) -> pd.DataFrame:
        """Chart rows (one per priced model)."""
        return self.state.chart_rows(self.models, self.scenario, self.as_of)

    @property
    def colors(self) -> object:
        """One colour per model, the same in every chart of this selection."""
        labels = list(self.state.rates(self.models, self.as_of).labels) + [o.name for o in self.fixed]
        return self.state.cached("colors", (tuple(labels),), lambda: _charts.model_colors(labels))

    def structure(self) -> tuple[object, ...]:
        """What chart specs depend on besides their data: models, date, overrides."""
        return (self.models, self.as_of, self.state.prices_version, tuple(self.rows["prices"]))


class View:
    """A tab's content."""

    title = ""
    widget: W.Widget

    def update(self, ctx: Context) -> None:  # pragma: no cover - every view overrides it
        raise NotImplementedError


def _request_input(sc: _sc.Scenario) -> str:
    """A request's input in words: its tokens, or its text (each model then counts its own tokens)."""
    if not sc.input_chars_per_request:
        return f"{sc.input_tokens_per_request:,} input"
    kind = _text.KIND_LABELS[sc.input_text_kind]
    return f"{sc.input_chars_per_request:,} characters of {kind} (each model's own input tokens)"


def status_html(ctx: Context) -> str:
    """The one line under the controls: the cheapest model and what it costs, or why nothing ranks."""
    ranked = ctx.state.ranked(ctx.models, ctx.scenario, ctx.as_of)
    if ranked.empty or not ranked["cheapest"].any():
        return "<b>Pick at least one model that fits the request.</b>"
    best = ranked[ranked["cheapest"]].iloc[0]
    sc = ctx.scenario
    stale = _prices.freshness_warning(str(ctx.as_of))
    gone = ""
    if ctx.state.include_retired:  # only then can a retired model rank
        prov = ctx.state.provenance(ctx.models, ctx.as_of)
        hit = prov[(prov["label"] == best.model) & (prov["lifecycle_status"] == "retired")]
        gone = f" ({hit['lifecycle'].iloc[0]})" if len(hit) else ""
    return (
        f"<b>{html.escape(str(best.model))}</b>{html.escape(gone)} is the cheapest of "
        f"{int(ranked['rank'].notna().sum())}: "
        f"<b>{fmt.usd(best.monthly_usd)}</b> a month for {fmt.count(sc.requests_per_month)} requests "
        f"({fmt.count(sc.requests_per_day)} a day) of {_request_input(sc)} + "
        f"{sc.output_tokens_per_request:,} output tokens, prices as of {ctx.as_of}."
        + (f"<br><span style='color:#b45309'>Warning: {html.escape(stale)}</span>" if stale else "")
    )


def ranking_extra(ctx: Context) -> pd.DataFrame:
    """The ranking table's added columns: each model's input tokens for the text (a request described as text)
    and its lifecycle and price provenance."""
    prov = ctx.state.provenance_columns(ctx.models, ctx.as_of)
    sc = ctx.scenario
    if not sc.input_chars_per_request:
        return prov
    plans = ctx.state.text_plans(ctx.models, sc.input_text_kind)
    text = _text.text_columns(ctx.state.costs(ctx.models, sc, ctx.as_of), plans, sc)
    return pd.concat([text, prov], axis=1)


class RankingView(View):
    """Ranked table and the cost of each model by component."""

    title = "Ranking"

    def __init__(self) -> None:
        self.table = W.HTML()
        self.chart = ChartSlot()
        self.widget = W.VBox([self.table, self.chart.widget])

    def update(self, ctx: Context) -> None:
        self.table.value = ranked_html(ctx.state.ranked(ctx.models, ctx.scenario, ctx.as_of), extra=ranking_extra(ctx))
        rows = ctx.rows
        text = bool(ctx.scenario.input_chars_per_request)  # estimated models faded, a subtitle says so
        self.chart.show(
            (*ctx.structure(), len(rows), text), rows, lambda d: _charts.component_chart(d, as_of=str(ctx.as_of))
        )


class CurvesView(View):
    """Monthly cost against volume."""

    title = "Cost curves"

    def __init__(self) -> None:
        self.chart = ChartSlot()
        self.widget = W.VBox([self.chart.widget])

    def update(self, ctx: Context) -> None:
        self.chart.show(
            ctx.structure(), ctx.rows,
            lambda d: _charts.cost_curves_chart(d, as_of=str(ctx.as_of), colors=ctx.colors),  # type: ignore[arg-type]
        )


class BudgetView(View):
    """How far the budget goes and the 12-month projection."""

    title = "Budget & projection"

    def __init__(self) -> None:
        self.budget = ChartSlot()
        self.projection = ChartSlot()
        self.widget = W.VBox([self.budget.widget, self.projection.widget])

    def update(self, ctx: Context) -> None:
        rows = ctx.rows
        key = (*ctx.structure(), len(rows))
        self.budget.show(key, rows, lambda d: _charts.budget_chart(d, as_of=str(ctx.as_of), colors=ctx.colors))  # type: ignore[arg-type]
        self.projection.show(
            key, rows, lambda d: _charts.projection_chart(d, as_of=str(ctx.as_of), colors=ctx.colors)  # type: ignore[arg-type]
        )


class CrossoverView(View):
    """Where the cheapest model changes along one axis."""

    title = "Crossovers"

    def __init__(self, controls: list[W.Widget]) -> None:
        self.text = W.HTML()
        self.table = W.HTML()
        self.chart = ChartSlot()
        self.widget = W.VBox([*controls, self.text, self.chart.widget, self.table])

    def update(self, ctx: Context) -> None:
        res = ctx.state.crossover(ctx.models, ctx.scenario, ctx.as_of, ctx.axis, ctx.fixed)
        caveat = (
            f"<p style='font-size:85%'>Requests are described by text: the crossovers are for "
            f"{ctx.scenario.input_tokens_per_request:,} input tokens per request on every model (the tokens box); "
            "each model's own count of the text applies to the other tabs.</p>"
            if ctx.scenario.input_chars_per_request else ""
        )
        self.text.value = caveat + f"<p>{html.escape(res.statement)}</p>" + (
            "<p style='font-size:85%'>Left out: " + html.escape("; ".join(res.skipped)) + "</p>" if res.skipped else ""
        )
        self.chart.show(
            (*ctx.structure(), ctx.axis, len(res.points), bool(res.curves["is_override"].any())),
            _charts.crossover_frame(res),
            lambda _d: _charts.crossover_chart(res, as_of=str(ctx.as_of), colors=ctx.colors),  # type: ignore[arg-type]
        )
        pts = res.points
        self.table.value = (
            frame_html(
                pts, money=["monthly_usd"],
                titles={"at": "at", "from_label": "cheapest before", "to_label": "cheapest after",
                        "monthly_usd": "monthly cost there", "kind": "why"},
            )
            if len(pts) else ""
        )
