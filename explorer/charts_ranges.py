"""Pure Altair builders for costs as ranges: the p10-p90 band of each model's monthly cost, on the ranking,
the cost curves and the projection. A frame in, an ``alt.Chart`` out; nothing displayed or saved.

The builders read plain ``p10`` / ``p50`` / ``p90`` columns already in the currency shown (:func:`band_frame`
makes them from the ``*_usd`` columns of :mod:`explorer.ranges` and a rate), so switching currency
swaps the data and the titles, never the engine's figures. Every band is a mark that carries data: an
error bar from p10 to p90 per model, an area between the p10 and p90 curves.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from explorer.charts import HEIGHT, WIDTH, _legend_colors, _title

__all__ = [
    "band_frame", "band_records", "curve_band_chart", "forecast_chart", "money_format", "projection_band_chart",
    "range_chart",
]


_KEEP = ("label", "requests_per_month", "month")


def band_frame(frame: pd.DataFrame, units_per_usd: float = 1.0, *, prefix: str = "") -> pd.DataFrame:
    """The chart data of a ranges frame: ``label`` (and ``requests_per_month`` / ``month`` where there),
    ``p10`` / ``p50`` / ``p90`` (from ``{prefix}p10_usd`` ...) in the currency whose rate is
    ``units_per_usd``, and ``prices`` (bundled / override) for the dash encoding. Only these columns: a
    live chart sends its whole data to the browser on every change."""
    # Built from plain arrays (object labels): this runs on every change of the app's Ranges tab.
    cols: dict[str, np.ndarray] = {}
    for c in _KEEP:
        if c in frame.columns:
            cols[c] = frame[c].to_numpy(dtype=object if c == "label" else None)
    for q in ("p10", "p50", "p90"):
        cols[q] = frame[f"{prefix}{q}_usd"].to_numpy(dtype=float) * float(units_per_usd)
    flag = (frame["is_override"].to_numpy(dtype=object) if "is_override" in frame.columns
            else np.zeros(len(frame), dtype=object))
    cols["prices"] = np.array(["override" if f is True or f == 1 else "bundled" for f in flag], dtype=object)
    return pd.DataFrame(cols, copy=False)


def band_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A :func:`band_frame` (plus any plain columns) as the rows a chart's dataset holds: Python numbers and
    strings, NaN as null. Equal to Altair's sanitising for these columns, at a fraction of its cost."""
    names = list(frame.columns)
    columns = []
    for c in names:
        values = frame[c].to_numpy()
        if values.dtype.kind == "f":
            columns.append([None if v != v else v for v in values.tolist()])
        else:
            columns.append(values.tolist())
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def money_format(currency: str) -> tuple[str, str]:
    """(axis format, tooltip format) for amounts in ``currency``: dollar signs only for USD."""
    return ("$~s", "$,.2f") if currency == "USD" else ("~s", ",.2f")


def range_chart(
    rows: pd.DataFrame, *, as_of: str | None = None, colors: alt.Scale | None = None, currency: str = "USD",
) -> alt.LayerChart:
    """Monthly cost per model as a range: an error bar from p10 to p90, a dot at p50, cheapest (by p50) on
    top, log scale (models' costs span decades).

    ``rows``: :func:`band_frame` of :attr:`explorer.ranges.CostRanges.table` (label, p10, p50, p90, prices),
    self-hosted rows included; rows without a p50 are left out.
    """
    df = rows[rows["p50"].notna() & (rows["p10"] > 0)]
    overridden = bool((df["prices"] == "override").any())
    axis_fmt, tip_fmt = money_format(currency)
    tooltip = [
        alt.Tooltip("label:N", title="Model"),
        alt.Tooltip("p10:Q", title=f"p10 ({currency}/month)", format=tip_fmt),
        alt.Tooltip("p50:Q", title=f"p50 ({currency}/month)", format=tip_fmt),
        alt.Tooltip("p90:Q", title=f"p90 ({currency}/month)", format=tip_fmt),
        alt.Tooltip("prices:N", title="Prices"),
    ]
    base = alt.Chart(df).encode(
        y=alt.Y("label:N", title=None, sort=alt.EncodingSortField(field="p50", op="min")),
        color=alt.Color("label:N", title="Model", scale=_legend_colors(df, colors), legend=None),
    )
    x = alt.X("p10:Q", title=f"Monthly cost ({currency}): p10 to p90, dot at p50", scale=alt.Scale(type="log"),
              axis=alt.Axis(format=axis_fmt))
    bars = base.mark_errorbar(ticks=True, thickness=3).encode(x=x, x2="p90:Q", tooltip=tooltip)
    dots = base.mark_circle(size=80, opacity=1).encode(x="p50:Q", tooltip=tooltip)
    chart = alt.LayerChart(layer=[bars, dots])
    return chart.properties(
        width=WIDTH, height=max(80, 24 * len(df)),
        title=_title("Monthly cost as a range", as_of, overridden,
                     "Bar: 80% of simulated months fall inside (p10 to p90); dot: the median month"),
    )


def curve_band_chart(
    bands: pd.DataFrame, *, as_of: str | None = None, colors: alt.Scale | None = None, currency: str = "USD",
) -> alt.LayerChart:
    """Cost curves with their bands: the p10-p90 monthly cost of each model as a shaded area along the
    volume, the p50 as a line, log-log; a dotted rule at the scenario's own volume.

    ``bands``: :func:`band_frame` of :func:`explorer.ranges.curve_bands` (label, requests_per_month, p10,
    p50, p90, prices, and ``your_volume``: the scenario's volume, for the rule); self-hosted options as rows
    whose three quantiles are their step function. One dataset, so a live chart can swap it.
    """
    df = bands[bands["p50"].notna() & (bands["p10"] > 0)]
    overridden = bool((df["prices"] == "override").any())
    axis_fmt, tip_fmt = money_format(currency)
    base = alt.Chart(df).encode(
        x=alt.X("requests_per_month:Q", title="Requests per month", scale=alt.Scale(type="log"),
                axis=alt.Axis(format="~s")),
        color=alt.Color("label:N", title="Model", scale=_legend_colors(df, colors)),
        tooltip=[
            alt.Tooltip("label:N", title="Model"),
            alt.Tooltip("requests_per_month:Q", title="Requests per month", format=",.0f"),
            alt.Tooltip("p10:Q", title=f"p10 ({currency}/month)", format=tip_fmt),
            alt.Tooltip("p50:Q", title=f"p50 ({currency}/month)", format=tip_fmt),
            alt.Tooltip("p90:Q", title=f"p90 ({currency}/month)", format=tip_fmt),
        ],
    )
    y = alt.Y("p10:Q", title=f"Monthly cost ({currency})", scale=alt.Scale(type="log"), axis=alt.Axis(format=axis_fmt))
    area = base.mark_area(opacity=0.25).encode(y=y, y2="p90:Q", detail="label:N")
    line = base.mark_line(strokeWidth=2).encode(
        y="p50:Q", strokeDash=alt.StrokeDash("prices:N", title="Prices", scale=alt.Scale(
            domain=["bundled", "override"], range=[[1, 0], [6, 3]])),
    )
    rule = (
        alt.Chart(df).transform_aggregate(your_volume="max(your_volume)")
        .mark_rule(color="#666", strokeDash=[2, 2])
        .encode(x="your_volume:Q", tooltip=[alt.Tooltip("your_volume:Q", title="Your volume", format=",.0f")])
    )
    chart = alt.LayerChart(layer=[area, line, rule])
    return chart.properties(
        width=WIDTH, height=HEIGHT,
        title=_title("Monthly cost by volume, with its p10-p90 band", as_of, overridden,
                     "Shaded: 80% of simulated months; line: the median; dotted: your volume"),
    )


def projection_band_chart(
    bands: pd.DataFrame, *, as_of: str | None = None, colors: alt.Scale | None = None, currency: str = "USD",
) -> alt.LayerChart:
    """The 12-month projection with bands: each month's p10-p90 cost as an area, the p50 as a line with
    points; the monthly budget (in ``currency``) as a red dashed rule.

    ``bands``: :func:`band_frame` of :func:`explorer.ranges.projection_bands` (label, month, p10, p50, p90,
    and ``budget``: the monthly budget in ``currency``, 0 for none). One dataset, so a live chart can swap it.
    """
    df = bands[bands["p50"].notna()]
    overridden = bool((df["prices"] == "override").any())
    axis_fmt, tip_fmt = money_format(currency)
    base = alt.Chart(df).encode(
        x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=0)),
        color=alt.Color("label:N", title="Model", scale=_legend_colors(df, colors)),
        tooltip=[
            alt.Tooltip("label:N", title="Model"),
            alt.Tooltip("month:O", title="Month"),
            alt.Tooltip("requests_per_month:Q", title="Requests that month", format=",.0f"),
            alt.Tooltip("p10:Q", title=f"p10 ({currency})", format=tip_fmt),
            alt.Tooltip("p50:Q", title=f"p50 ({currency})", format=tip_fmt),
            alt.Tooltip("p90:Q", title=f"p90 ({currency})", format=tip_fmt),
        ],
    )
    area = base.mark_area(opacity=0.25).encode(
        y=alt.Y("p10:Q", title=f"Monthly cost ({currency})", axis=alt.Axis(format=axis_fmt)), y2="p90:Q",
        detail="label:N")
    line = base.mark_line(point=True).encode(y="p50:Q")
    rule = (
        alt.Chart(df).transform_aggregate(budget="max(budget)").transform_filter("datum.budget > 0")
        .mark_rule(color="#c00", strokeDash=[4, 4])
        .encode(y="budget:Q", tooltip=[alt.Tooltip("budget:Q", title=f"Monthly budget ({currency})", format=tip_fmt)])
    )
    chart = alt.LayerChart(layer=[area, line, rule])
    return chart.properties(
        width=WIDTH, height=HEIGHT,
        title=_title("12-month projection, with its p10-p90 band", as_of, overridden,
                     "Volume grows by the monthly growth rate; red dashed line: the monthly budget"),
    )


def forecast_chart(projection: pd.DataFrame, *, budget_usd: float | None = None) -> alt.LayerChart:
    """The month's cumulative spend: observed days as a line, the rest of the month as the p10-p90 band
    with its median, the monthly budget as a red dashed rule.

    ``projection``: :attr:`explorer.forecast.Forecast.projection` (day, observed, cumulative_p10_usd,
    cumulative_p50_usd, cumulative_p90_usd).
    """
    df = projection.assign(
        day=pd.to_datetime(projection["day"]).dt.strftime("%Y-%m-%d"),
        part=["observed" if o else "forecast" for o in projection["observed"]],
        budget=float(budget_usd or 0.0),
    )
    tooltip = [
        alt.Tooltip("day:T", title="Day", format="%Y-%m-%d"),
        alt.Tooltip("part:N", title="Spend"),
        alt.Tooltip("cumulative_p10_usd:Q", title="Month so far, p10 (USD)", format="$,.2f"),
        alt.Tooltip("cumulative_p50_usd:Q", title="Month so far, p50 (USD)", format="$,.2f"),
        alt.Tooltip("cumulative_p90_usd:Q", title="Month so far, p90 (USD)", format="$,.2f"),
    ]
    base = alt.Chart(df).encode(x=alt.X("day:T", title="Day", axis=alt.Axis(format="%d %b")), tooltip=tooltip)
    band = base.transform_filter("datum.part == 'forecast'").mark_area(opacity=0.25, color="#4c78a8").encode(
        y=alt.Y("cumulative_p10_usd:Q", title="Spend this month (USD)", axis=alt.Axis(format="$,.2~f")),
        y2="cumulative_p90_usd:Q")
    line = base.mark_line(point=True).encode(
        y="cumulative_p50_usd:Q",
        color=alt.Color("part:N", title=None, scale=alt.Scale(domain=["observed", "forecast"],
                                                              range=["#333333", "#4c78a8"])))
    rule = (alt.Chart(df).transform_aggregate(budget="max(budget)").transform_filter("datum.budget > 0")
            .mark_rule(color="#c00", strokeDash=[4, 4])
            .encode(y="budget:Q", tooltip=[alt.Tooltip("budget:Q", title="Monthly budget (USD)", format="$,.2f")]))
    chart = alt.LayerChart(layer=[band, line, rule])
    return chart.properties(
        width=WIDTH, height=HEIGHT,
        title=alt.TitleParams("Where this month's spend is heading", anchor="start", subtitle=[
            "Black: spent so far; blue: the trend's median, shaded: 80% of simulated months (p10 to p90); "
            "red dashed: the monthly budget"]),
    )
