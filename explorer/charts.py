"""Pure Altair chart builders: a DataFrame in, an ``alt.Chart`` out, nothing displayed or saved.

Conventions every builder follows, so a chart reads the same in the dashboard, a report or the CLI:

- one colour per model everywhere: :func:`model_colors` derives it from the model's label, not from
  its position in a list, so adding a model to a selection does not repaint the others;
- money is formatted as dollars in tooltips and axes, token and request counts with separators, and
  volumes that span decades are on log scales;
- the prices' as-of date is in the subtitle, and rows priced from a user override are drawn dashed
  (lines) or outlined (bars) and say "override" in their tooltip.

Builders never touch ``alt.data_transformers``: callers keep data under :data:`MAX_CHART_ROWS` (the
dashboard thins its grids to that), so Altair's 5,000-row guard never fires.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence

import altair as alt
import pandas as pd

from explorer import prices as _prices
from explorer.crossovers import AXES, CrossoverResult

__all__ = [
    "MAX_CHART_ROWS",
    "PALETTE",
    "budget_chart",
    "component_chart",
    "cost_curves_chart",
    "crossover_chart",
    "image_cost_chart",
    "image_price_chart",
    "model_color",
    "model_colors",
    "price_history_chart",
    "projection_chart",
    "scenario_compare_chart",
]

MAX_CHART_ROWS = 4_000
"""Most rows a builder's data should hold: under Altair's 5,000-row limit with room for marks."""

PALETTE: tuple[str, ...] = (
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#72b7b2",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#eeca3b",
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
)
"""Colours models are drawn in (Vega's tableau10 and category20 families, distinct on white)."""

WIDTH, HEIGHT = 560, 320
COMPONENT_LABELS = {
    "input_usd": "input",
    "cached_input_usd": "cached input",
    "output_usd": "output",
    "reasoning_usd": "reasoning",
    "other_usd": "other (audio, tools)",
    "image_usd": "images",
}
COMPONENT_COLORS = ("#4c78a8", "#9ecae9", "#f58518", "#e45756", "#bab0ac", "#54a24b")


def model_color(label: str) -> str:
    """The colour a model is drawn in unless another model of the chart claims it (a hash of its label)."""
    return PALETTE[zlib.crc32(label.encode("utf-8")) % len(PALETTE)]


def model_colors(labels: Iterable[str]) -> alt.Scale:
    """A colour scale giving each model its own colour, the same one in every chart of a selection.

    Each label starts from :func:`model_color`; when two labels of the selection hash to the same colour,
    the one later in sorted order moves to the next free colour, so the result depends only on the set
    of labels (not their order) and a model keeps its colour across charts built from one selection.
    """
    domain = sorted(dict.fromkeys(str(x) for x in labels))
    used: dict[str, str] = {}
    taken: set[str] = set()
    for label in domain:
        start = PALETTE.index(model_color(label))
        for step in range(len(PALETTE)):
            colour = PALETTE[(start + step) % len(PALETTE)]
            if colour not in taken or len(taken) >= len(PALETTE):
                break
        used[label] = colour
        taken.add(colour)
    return alt.Scale(domain=domain, range=[used[x] for x in domain])


def _subtitle(as_of: str | None, overridden: bool, extra: str = "") -> list[str]:
    lines = [f"Prices as of {as_of}" if as_of else "Prices as of today"]
    if overridden:
        lines[0] += "; dashed or outlined = your override prices"
    stale = _prices.freshness_warning(as_of)
    if stale:
        lines.append(f"Warning: {stale}")
    if extra:
        lines.append(extra)
    return lines


def _title(text: str, as_of: str | None, overridden: bool, extra: str = "") -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=_subtitle(as_of, overridden, extra), anchor="start")


def _prices_field(df: pd.DataFrame) -> pd.Series:
    flag = df["is_override"] if "is_override" in df.columns else pd.Series(False, index=df.index)
    return flag.fillna(False).astype(bool).map({True: "override", False: "bundled"})


_DASH = alt.Scale(domain=["bundled", "override"], range=[[1, 0], [6, 3]])


def _legend_colors(df: pd.DataFrame, colors: alt.Scale | None) -> alt.Scale:
    return colors if colors is not None else model_colors(df["label"])


CURVE_POINTS = 200
"""Volume points per model on the cost curves, generated in the chart from one row per model."""

_COMPONENT_EXPR = " : ".join(
    f"datum.component_key == '{key}' ? '{label}'" for key, label in COMPONENT_LABELS.items()
) + " : datum.component_key"


def _money_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Chart rows with a positive cost per request (log scales cannot draw $0)."""
    return rows[rows["cost_per_request_usd"].notna() & (rows["cost_per_request_usd"] > 0)]


EXTRA_TOOLTIPS: tuple[tuple[str, str], ...] = (
    ("tokens", "Input tokens"), ("lifecycle", "Lifecycle"), ("price_source", "Price source"), ("verified", "Verified"),
)
"""Optional chart-row columns shown in every model chart's tooltip when present: how the input tokens were
counted (a text workload), the model's lifecycle and its price's provenance (:mod:`explorer.provenance`)."""


def _extra_tooltips(df: pd.DataFrame) -> list[alt.Tooltip]:
    return [alt.Tooltip(f"{col}:N", title=title) for col, title in EXTRA_TOOLTIPS if col in df.columns]


def _estimated(df: pd.DataFrame) -> bool:
    return "exact" in df.columns and bool((~df["exact"].astype(bool)).any())


def cost_curves_chart(
    rows: pd.DataFrame,
    *,
    as_of: str | None = None,
    colors: alt.Scale | None = None,
    n_points: int = CURVE_POINTS,
) -> alt.LayerChart:
    """Monthly cost against monthly requests, log-log, one line per model, from a hundredth to a hundred
    times the scenario's volume; a dotted rule marks the scenario's own volume.

    ``rows``: :func:`explorer.results.chart_rows` (label, prices, cost_per_request_usd,
    requests_per_month). The volume grid is generated in the chart, so updating it means sending one row
    per model.
    """
    df = _money_rows(rows)
    overridden = bool((df["prices"] == "override").any())
    n = max(2, int(n_points))
    base = (
        alt.Chart(df)
        .transform_calculate(i=f"sequence(0, {n})")
        .transform_flatten(["i"])
        .transform_calculate(
            volume=f"max(datum.requests_per_month, 1) / 100 * pow(10000, datum.i / {n - 1})",
        )
        .transform_calculate(cost="datum.cost_per_request_usd * datum.volume")
        .encode(
            x=alt.X("volume:Q", title="Requests per month", scale=alt.Scale(type="log"), axis=alt.Axis(format="~s")),
            y=alt.Y("cost:Q", title="Monthly cost (USD)", scale=alt.Scale(type="log"), axis=alt.Axis(format="$~s")),
            color=alt.Color("label:N", title="Model", scale=_legend_colors(df, colors)),
        )
    )
    lines = base.mark_line(strokeWidth=2).encode(
        strokeDash=alt.StrokeDash("prices:N", title="Prices", scale=_DASH),
        detail="label:N",
    )
    points = base.mark_point(size=40, opacity=0, filled=True).encode(
        tooltip=[
            alt.Tooltip("label:N", title="Model"),
            alt.Tooltip("volume:Q", title="Requests per month", format=",.0f"),
            alt.Tooltip("cost:Q", title="Monthly cost (USD)", format="$,.2f"),
            alt.Tooltip("cost_per_request_usd:Q", title="Per request (USD)", format="$,.6f"),
            alt.Tooltip("prices:N", title="Prices"),
            *_extra_tooltips(df),
        ]
    )
    rule = (
        alt.Chart(df)
        .transform_aggregate(requests_per_month="max(requests_per_month)")
        .mark_rule(color="#666", strokeDash=[2, 2])
        .encode(
            x="requests_per_month:Q",
            tooltip=[alt.Tooltip("requests_per_month:Q", title="Your volume (requests/month)", format=",.0f")],
        )
    )
    return alt.layer(lines, points, rule).properties(
        width=WIDTH,
        height=HEIGHT,
        title=_title(
            "Monthly cost by volume",
            as_of,
            overridden,
            "Straight parallel lines: with per-token prices the ranking is the same at every volume; "
            "dotted: your volume",
        ),
    )


def component_chart(rows: pd.DataFrame, *, as_of: str | None = None) -> alt.Chart:
    """Monthly cost per model as stacked bars of its components, cheapest on top and named so.

    ``rows``: :func:`explorer.results.chart_rows` (shown, label, prices, monthly_usd, component columns).
    """
    comps = [c for c in COMPONENT_LABELS if c in rows.columns]
    df = rows[rows["monthly_usd"].notna()]
    overridden = bool((df["prices"] == "override").any())
    return (
        alt.Chart(df)
        .transform_fold(comps, as_=["component_key", "component_usd"])
        .transform_filter("datum.component_usd > 0")
        .transform_calculate(
            component=_COMPONENT_EXPR,
            share="datum.monthly_usd > 0 ? datum.component_usd / datum.monthly_usd : 0",
        )
        .mark_bar()
        .encode(
            y=alt.Y("shown:N", title=None, sort=alt.EncodingSortField(field="monthly_usd", op="max")),
            x=alt.X("component_usd:Q", title="Monthly cost (USD)", stack="zero", axis=alt.Axis(format="$,.0f")),
            color=alt.Color(
                "component:N",
                title="Component",
                scale=alt.Scale(domain=list(COMPONENT_LABELS.values()), range=list(COMPONENT_COLORS)),
            ),
            stroke=alt.condition(alt.datum.prices == "override", alt.value("black"), alt.value(None)),
            strokeDash=alt.value([4, 2]),
            tooltip=[
                alt.Tooltip("label:N", title="Model"),
                alt.Tooltip("component:N", title="Component"),
                alt.Tooltip("component_usd:Q", title="Component (USD/month)", format="$,.2f"),
                alt.Tooltip("share:Q", title="Share of the model's cost", format=".1%"),
                alt.Tooltip("monthly_usd:Q", title="Total (USD/month)", format="$,.2f"),
                alt.Tooltip("prices:N", title="Prices"),
                *_extra_tooltips(df),
            ],
            # A model whose input tokens are estimated (no tokenizer of its own) is drawn faded and named "≈".
            **({"fillOpacity": alt.condition("datum.exact === false", alt.value(0.4), alt.value(1.0))}
               if "exact" in df.columns else {}),
        )
        .properties(
            width=WIDTH,
            height=max(80, 22 * len(df)),
            title=_title("Monthly cost by model and component", as_of, overridden,
                         "Faded, ≈: input tokens estimated (no tokenizer of the model's own)" if _estimated(df)
                         else ""),
        )
    )


def budget_chart(
    rows: pd.DataFrame, *, as_of: str | None = None, colors: alt.Scale | None = None
) -> alt.LayerChart:
    """Requests a monthly budget buys on each model, as lollipops on a log scale (the counts span decades;
    a bar on a log scale has no zero to start from, so it would draw nothing).

    ``rows``: :func:`explorer.results.chart_rows` (label, prices, cost_per_request_usd, budget_usd). With no
    budget the chart says so instead of drawing an empty frame.
    """
    df = _money_rows(rows)
    overridden = bool((df["prices"] == "override").any())
    reach = (
        alt.Chart(df)
        .transform_filter("datum.budget_usd > 0")
        .transform_calculate(
            reach="floor(datum.budget_usd / datum.cost_per_request_usd)",
            per_day=f"datum.budget_usd / datum.cost_per_request_usd / {365.25 / 12}",
            one="1",
        )
        .encode(
            y=alt.Y("label:N", title=None, sort=alt.EncodingSortField(field="reach", op="max", order="descending")),
        )
    )
    tooltip = [
        alt.Tooltip("label:N", title="Model"),
        alt.Tooltip("reach:Q", title="Requests per month", format=",.0f"),
        alt.Tooltip("per_day:Q", title="Requests per day", format=",.0f"),
        alt.Tooltip("budget_usd:Q", title="Monthly budget (USD)", format="$,.2f"),
        alt.Tooltip("prices:N", title="Prices"),
        *_extra_tooltips(df),
    ]
    x = alt.X("reach:Q", title="Requests per month the budget buys", scale=alt.Scale(type="log"),
              axis=alt.Axis(format="~s"))
    stems = reach.mark_rule(strokeWidth=3).encode(
        x=x, x2="one:Q", color=alt.Color("label:N", scale=_legend_colors(df, colors), legend=None),
        strokeDash=alt.StrokeDash("prices:N", scale=_DASH, legend=None), tooltip=tooltip,
    )
    heads = reach.mark_circle(size=90, opacity=1).encode(
        x="reach:Q", color=alt.Color("label:N", scale=_legend_colors(df, colors), legend=None), tooltip=tooltip
    )
    labels = reach.mark_text(align="left", dx=8, fontSize=11).encode(
        x="reach:Q", text=alt.Text("reach:Q", format=",.3~s")
    )
    empty = (
        alt.Chart(df)
        .transform_aggregate(budget="max(budget_usd)", n="count()")
        .transform_filter("!(datum.budget > 0)")
        .mark_text(size=14, color="#555")
        .encode(text=alt.value("Set a monthly budget to see how many requests it buys"))
    )
    return alt.layer(stems, heads, labels, empty).properties(
        width=WIDTH,
        height=max(80, 22 * len(df)),
        title=_title("How far the monthly budget goes", as_of, overridden),
    )


def projection_chart(
    rows: pd.DataFrame,
    *,
    as_of: str | None = None,
    colors: alt.Scale | None = None,
    months: int = 12,
) -> alt.LayerChart:
    """Monthly cost over the next months with the scenario's growth, one line per model; the monthly budget
    as a red dashed rule.

    ``rows``: :func:`explorer.results.chart_rows` (label, prices, cost_per_request_usd, requests_per_month,
    growth_rate, budget_usd). The months are generated in the chart.
    """
    df = rows[rows["cost_per_request_usd"].notna()]
    overridden = bool((df["prices"] == "override").any())
    base = (
        alt.Chart(df)
        .transform_calculate(month=f"sequence(1, {months + 1})")
        .transform_flatten(["month"])
        .transform_calculate(
            volume="datum.requests_per_month * pow(1 + datum.growth_rate, datum.month - 1)",
            cumulative=(
                "datum.growth_rate == 0 ? datum.cost_per_request_usd * datum.requests_per_month * datum.month"
                " : datum.cost_per_request_usd * datum.requests_per_month"
                " * (pow(1 + datum.growth_rate, datum.month) - 1) / datum.growth_rate"
            ),
        )
        .transform_calculate(cost="datum.cost_per_request_usd * datum.volume")
        .encode(
            x=alt.X("month:O", title="Month"),
            y=alt.Y("cost:Q", title="Monthly cost (USD)", axis=alt.Axis(format="$,.0f")),
            color=alt.Color("label:N", title="Model", scale=_legend_colors(df, colors)),
        )
    )
    lines = base.mark_line(point=True).encode(
        strokeDash=alt.StrokeDash("prices:N", title="Prices", scale=_DASH),
        tooltip=[
            alt.Tooltip("label:N", title="Model"),
            alt.Tooltip("month:O", title="Month"),
            alt.Tooltip("volume:Q", title="Requests that month", format=",.0f"),
            alt.Tooltip("cost:Q", title="Cost that month (USD)", format="$,.2f"),
            alt.Tooltip("cumulative:Q", title="Total so far (USD)", format="$,.2f"),
            alt.Tooltip("prices:N", title="Prices"),
            *_extra_tooltips(df),
        ],
    )
    budget = (
        alt.Chart(df)
        .transform_aggregate(budget_usd="max(budget_usd)")
        .transform_filter("datum.budget_usd > 0")
        .mark_rule(color="#c00", strokeDash=[4, 4])
        .encode(y="budget_usd:Q", tooltip=[alt.Tooltip("budget_usd:Q", title="Monthly budget (USD)", format="$,.2f")])
    )
    return alt.layer(lines, budget).properties(
        width=WIDTH,
        height=HEIGHT,
        title=_title(
            f"{months}-month projection",
            as_of,
            overridden,
            "Volume grows by the monthly growth rate; red dashed line: the monthly budget",
        ),
    )


def crossover_frame(result: CrossoverResult) -> pd.DataFrame:
    """A crossover result as the chart's one dataset: curve points, the points where the cheapest model
    changes, and the scenario's own value, told apart by ``layer``."""
    curves = result.curves
    pts = result.points
    return pd.concat(
        [
            pd.DataFrame({
                "layer": "curve", "label": curves["label"], "x": curves["x"], "monthly_usd": curves["monthly_usd"],
                "order": curves["order"], "prices": _prices_field(curves), "change": "", "why": "",
            }),
            pd.DataFrame({
                "layer": "point", "label": "", "x": pts["at"], "monthly_usd": pts["monthly_usd"], "order": 0,
                "prices": "", "change": pts["from_label"] + " → " + pts["to_label"], "why": pts["kind"],
            }),
            pd.DataFrame({"layer": ["current"], "label": [""], "x": [result.current], "monthly_usd": [float("nan")],
                          "order": [0], "prices": [""], "change": [""], "why": [""]}),
        ],
        ignore_index=True,
    )


def crossover_chart(
    result: CrossoverResult, *, as_of: str | None = None, colors: alt.Scale | None = None
) -> alt.LayerChart:
    """Monthly cost along one axis with the exact points where the cheapest model changes marked.

    One dataset (:func:`crossover_frame`) feeds every layer, so a view can swap it without a new spec.
    """
    title, unit = AXES[result.axis]
    share = unit == "share"
    log = result.axis in ("input_tokens", "requests_per_month")
    df = crossover_frame(result)
    curves = df[df["layer"] == "curve"]
    overridden = bool((curves["prices"] == "override").any())
    fmt = ".1%" if share else ",.0f"
    x = alt.X(
        "x:Q",
        title=title,
        scale=alt.Scale(type="log") if log else alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format=".0%" if share else "~s"),
    )
    y_scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    base = alt.Chart(df)
    lines = (
        base.transform_filter("datum.layer == 'curve'")
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("monthly_usd:Q", title="Monthly cost (USD)", scale=y_scale, axis=alt.Axis(format="$~s")),
            color=alt.Color("label:N", title="Model", scale=_legend_colors(curves, colors)),
            strokeDash=alt.StrokeDash("prices:N", title="Prices", scale=_DASH),
            order="order:Q",
            detail="label:N",
            tooltip=[
                alt.Tooltip("label:N", title="Model"),
                alt.Tooltip("x:Q", title=title, format=fmt),
                alt.Tooltip("monthly_usd:Q", title="Monthly cost (USD)", format="$,.2f"),
            ],
        )
    )
    points = base.transform_filter("datum.layer == 'point'")
    rules = points.mark_rule(color="black", strokeWidth=1).encode(
        x="x:Q",
        tooltip=[
            alt.Tooltip("change:N", title="Cheapest changes"),
            alt.Tooltip("x:Q", title=f"At ({unit})", format=".2%" if share else ",.0f"),
            alt.Tooltip("monthly_usd:Q", title="Monthly cost there (USD)", format="$,.2f"),
            alt.Tooltip("why:N", title="Why"),
        ],
    )
    texts = points.mark_text(angle=270, align="left", dx=4, dy=-4, fontSize=10).encode(
        x="x:Q", y=alt.value(4), text="change:N"
    )
    current = (
        base.transform_filter("datum.layer == 'current'")
        .mark_rule(color="#888", strokeDash=[2, 2])
        .encode(x="x:Q", tooltip=[alt.Tooltip("x:Q", title="Your scenario", format=fmt)])
    )
    n = len(result.points)
    extra = (
        f"{n} change(s) of the cheapest model, marked by black rules; grey dotted: your scenario"
        if n
        else "The cheapest model does not change along this axis; grey dotted: your scenario"
    )
    return alt.layer(lines, rules, texts, current).properties(
        width=WIDTH, height=HEIGHT, title=_title(f"Cost along the {title.lower()}", as_of, overridden, extra)
    )


def price_history_chart(history: pd.DataFrame, *, colors: alt.Scale | None = None) -> alt.Chart:
    """Input and output price over time as step lines: when did each price change.

    ``history``: label, valid_from (dates), input_usd_per_mtok, output_usd_per_mtok, source.
    """
    keep = ["label", "valid_from", "input_usd_per_mtok", "output_usd_per_mtok", "source"]
    long = history[keep].melt(
        id_vars=["label", "valid_from", "source"], var_name="price", value_name="usd_per_mtok"
    )
    long["price"] = long["price"].map({"input_usd_per_mtok": "input", "output_usd_per_mtok": "output"})
    long = long[long["usd_per_mtok"].notna()]
    return (
        alt.Chart(long)
        .mark_line(interpolate="step-after", point=True)
        .encode(
            x=alt.X("valid_from:T", title="Price in force from"),
            y=alt.Y(
                "usd_per_mtok:Q",
                title="USD per million tokens",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format="$,.2~f"),
            ),
            color=alt.Color("label:N", title="Model", scale=_legend_colors(long, colors)),
            strokeDash=alt.StrokeDash(
                "price:N", title="Price", scale=alt.Scale(domain=["input", "output"], range=[[1, 0], [5, 3]])
            ),
            detail="price:N",
            tooltip=[
                alt.Tooltip("label:N", title="Model"),
                alt.Tooltip("price:N", title="Price"),
                alt.Tooltip("valid_from:T", title="From", format="%Y-%m-%d"),
                alt.Tooltip("usd_per_mtok:Q", title="USD per million tokens", format="$,.3f"),
                alt.Tooltip("source:N", title="Source"),
            ],
        )
        .properties(
            width=WIDTH,
            height=HEIGHT,
            title=alt.TitleParams(
                "Price history (standard tier)",
                subtitle="Each step is a dated price change; log scale",
                anchor="start",
            ),
        )
    )


def family_chart(
    prices: pd.DataFrame, *, as_of: str | None = None, colors: alt.Scale | None = None
) -> alt.Chart:
    """Input, cached input and output prices of models side by side (one row of bars per model)."""
    cols = {
        "input_usd_per_mtok": "input",
        "cached_input_usd_per_mtok": "cached input",
        "output_usd_per_mtok": "output",
    }
    long = prices[["label", *cols]].melt(id_vars="label", var_name="price", value_name="usd_per_mtok")
    long["price"] = long["price"].map(cols)
    long = long[long["usd_per_mtok"].notna()]
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=prices["label"].tolist()),
            yOffset=alt.YOffset("price:N", sort=list(cols.values())),
            x=alt.X("usd_per_mtok:Q", title="USD per million tokens", axis=alt.Axis(format="$,.2f")),
            color=alt.Color(
                "price:N",
                title="Price",
                scale=alt.Scale(domain=list(cols.values()), range=["#4c78a8", "#9ecae9", "#f58518"]),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Model"),
                alt.Tooltip("price:N", title="Price"),
                alt.Tooltip("usd_per_mtok:Q", title="USD per million tokens", format="$,.3f"),
            ],
        )
        .properties(
            width=WIDTH,
            height=max(80, 30 * prices["label"].nunique()),
            title=_title("Prices per million tokens", as_of, False),
        )
    )


def _image_tooltip() -> list[alt.Tooltip]:
    """The per-image charts' common tooltip fields (model, quality, size, price per image, images, total)."""
    return [
        alt.Tooltip("label:N", title="Model"),
        alt.Tooltip("quality:N", title="Quality"),
        alt.Tooltip("size:N", title="Size (px)"),
        alt.Tooltip("usd_per_image:Q", title="USD per image", format="$,.3f"),
        alt.Tooltip("images:Q", title="Images", format=",.0f"),
        alt.Tooltip("total_usd:Q", title="Total (USD)", format="$,.2f"),
    ]


def image_cost_chart(
    images: pd.DataFrame, *, as_of: str | None = None, colors: alt.Scale | None = None
) -> alt.Chart:
    """Cost of a batch of generated images by model, quality and size.

    ``images``: label, quality, size, usd_per_image, images, total_usd.
    """
    return (
        alt.Chart(images)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None),
            yOffset=alt.YOffset("size:N"),
            x=alt.X("total_usd:Q", title="Cost (USD)", axis=alt.Axis(format="$,.2f")),
            color=alt.Color("label:N", title="Model", scale=_legend_colors(images, colors), legend=None),
            opacity=alt.Opacity("size:N", title="Size", legend=alt.Legend(orient="bottom")),
            column=alt.Column("quality:N", title="Quality", sort=["low", "medium", "high", "standard", "hd"]),
            tooltip=[
                *_image_tooltip(),
            ],
        )
        .properties(width=180, height=120, title=_title("Image generation cost", as_of, False))
    )


def scenario_compare_chart(
    costs: pd.DataFrame, *, as_of: str | None = None, colors: alt.Scale | None = None
) -> alt.Chart:
    """Monthly cost of several scenarios side by side, one bar per model in each (log scale).

    ``costs``: scenario, label, monthly_usd, is_override.
    """
    df = costs[costs["monthly_usd"].notna() & (costs["monthly_usd"] > 0)].copy()
    df["prices"] = _prices_field(df)
    overridden = bool((df["prices"] == "override").any())
    # Bars on a log scale have no zero to start from: they start a decade below the cheapest cost instead.
    return (
        alt.Chart(df)
        .transform_joinaggregate(cheapest="min(monthly_usd)")
        .transform_calculate(base="datum.cheapest / 10")
        .mark_bar()
        .encode(
            y=alt.Y("scenario:N", title=None),
            yOffset=alt.YOffset("label:N"),
            x=alt.X(
                "monthly_usd:Q",
                title="Monthly cost, first month (USD)",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format="$~s"),
            ),
            x2="base:Q",
            color=alt.Color("label:N", title="Model", scale=_legend_colors(df, colors)),
            stroke=alt.condition(alt.datum.prices == "override", alt.value("black"), alt.value(None)),
            tooltip=[
                alt.Tooltip("scenario:N", title="Scenario"),
                alt.Tooltip("label:N", title="Model"),
                alt.Tooltip("monthly_usd:Q", title="Monthly cost (USD)", format="$,.2f"),
                alt.Tooltip("prices:N", title="Prices"),
            ],
        )
        .properties(
            width=WIDTH,
            height=max(120, 14 * len(df)),
            title=_title("Scenarios side by side", as_of, overridden),
        )
    )


def legend_order(labels: Sequence[str]) -> list[str]:
    """Labels in the order the colour scale lists them (sorted), for tests and legends."""
    return sorted(dict.fromkeys(labels))


def image_price_chart(table: pd.DataFrame, *, as_of: str | None = None) -> alt.Chart:
    """The image cost chart of :func:`image_price_table`'s rows that have a per-image price, with each
    price's source, verification and lifecycle in its tooltip."""
    shown = table[table["usd_per_image"].notna()].copy()
    shown["verified"] = [("unverified" if pd.isna(v) else str(pd.Timestamp(v).date())) for v in shown["verified_on"]]
    shown = shown.drop(columns=["verified_on", "shutdown_on"])
    return image_cost_chart(shown, as_of=as_of).encode(tooltip=[
        *_image_tooltip(),
        alt.Tooltip("lifecycle_status:N", title="Status"),
        alt.Tooltip("verified:N", title="Verified"),
        alt.Tooltip("source:N", title="Source"),
    ])
