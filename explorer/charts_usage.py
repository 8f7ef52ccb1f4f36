"""Pure Altair builders for the usage notebook: a frame from :mod:`explorer.usage` in, a chart out.

Models keep one colour across charts through :func:`explorer.charts.model_colors` (when the notebooks'
chart module is present) and every chart is aggregated first, far under Altair's 5,000-row limit.
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd

from explorer import usage as u

__all__ = [
    "daily_by_model",
    "reconcile_chart",
    "savings_chart",
    "spend_over_time_chart",
    "top_chart",
    "what_if_chart",
]

WIDTH, HEIGHT = 560, 260


def _colors(labels: Iterable[str]) -> alt.Scale:
    try:
        from explorer.charts import model_colors
    except ImportError:  # the notebooks' chart module is optional here
        return alt.Scale(domain=sorted(set(map(str, labels))), scheme="tableau20")
    return model_colors(labels)


def daily_by_model(priced: pd.DataFrame) -> pd.DataFrame:
    """Spend per day and model (``day`` as YYYY-MM-DD, ``model``, ``total_usd``, ``requests``)."""
    p = priced[priced["priced"]]
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(p["day"]).dt.strftime("%Y-%m-%d").to_numpy(),
            "model": p["model_group"].astype(str).to_numpy(),
            "total_usd": p["total_usd"].to_numpy(),
            "requests": p["requests"].to_numpy() if "requests" in p.columns else 1,
        }
    )
    return frame.groupby(["day", "model"], sort=True).sum().reset_index()


def spend_over_time_chart(priced: pd.DataFrame, *, colors: alt.Scale | None = None) -> alt.Chart:
    """Daily spend as bars stacked by model."""
    data = daily_by_model(priced)
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT, title="Spend per day, by model")
        .mark_bar()
        .encode(
            x=alt.X("day:T", title="Day (UTC)", timeUnit="utcyearmonthdate"),
            y=alt.Y("sum(total_usd):Q", title="USD", axis=alt.Axis(format="$,.0f")),
            color=alt.Color("model:N", title="Model", scale=colors or _colors(data["model"])),
            order=alt.Order("model:N"),
            tooltip=[
                alt.Tooltip("day:N", title="Day"),
                alt.Tooltip("model:N", title="Model"),
                alt.Tooltip("total_usd:Q", title="USD", format="$,.2f"),
                alt.Tooltip("requests:Q", title="Requests", format=","),
            ],
        )
    )


def top_chart(priced: pd.DataFrame, by: str = "project", *, top: int = 10) -> alt.Chart:
    """The ``top`` groups (project, api_key, user, model, service_tier) by spend, as horizontal bars."""
    table = u.cost_by(priced, by).head(top)
    label = by.replace("_", " ")
    return (
        alt.Chart(table, width=WIDTH, height=alt.Step(22), title=f"Top {label}s by spend")
        .mark_bar(color="#4c78a8")
        .encode(
            x=alt.X("total_usd:Q", title="USD", axis=alt.Axis(format="$,.0f")),
            y=alt.Y(f"{by}:N", title=label.capitalize(), sort="-x"),
            tooltip=[
                alt.Tooltip(f"{by}:N", title=label.capitalize()),
                alt.Tooltip("total_usd:Q", title="USD", format="$,.2f"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
                alt.Tooltip("requests:Q", title="Requests", format=","),
            ],
        )
    )


def what_if_chart(
    compared: pd.DataFrame, by: str = "model", *, title: str = "Current vs what-if"
) -> alt.Chart:
    """Current and what-if spend side by side per group, from :func:`explorer.usage.compare`."""
    long = compared.melt(
        id_vars=[by], value_vars=["total_usd", "what_if_usd"], var_name="case", value_name="usd"
    )
    long["case"] = long["case"].map({"total_usd": "current", "what_if_usd": "what-if"})
    return (
        alt.Chart(long, width=WIDTH, height=alt.Step(14), title=title)
        .mark_bar()
        .encode(
            x=alt.X("usd:Q", title="USD", axis=alt.Axis(format="$,.0f")),
            y=alt.Y(f"{by}:N", title=by.replace("_", " ").capitalize(), sort=list(compared[by])),
            yOffset=alt.YOffset("case:N"),
            color=alt.Color(
                "case:N",
                title="",
                scale=alt.Scale(domain=["current", "what-if"], range=["#9d9d9d", "#2a7a2a"]),
            ),
            tooltip=[
                alt.Tooltip(f"{by}:N"),
                alt.Tooltip("case:N"),
                alt.Tooltip("usd:Q", title="USD", format="$,.2f"),
            ],
        )
    )


def savings_chart(savings: pd.DataFrame, *, top: int = 10) -> alt.Chart:
    """The largest monthly savings from :func:`explorer.usage.savings_table`."""
    data = savings.dropna(subset=["saves_usd_per_month"]).head(top).copy()
    data["move"] = data["from_model"] + " → " + data["to_model"]
    return (
        alt.Chart(data, width=WIDTH, height=alt.Step(20), title="Savings a month by moving traffic")
        .mark_bar(color="#2a7a2a")
        .encode(
            x=alt.X("saves_usd_per_month:Q", title="USD a month", axis=alt.Axis(format="$,.0f")),
            y=alt.Y("move:N", title="", sort="-x"),
            tooltip=[
                alt.Tooltip("summary:N", title="Move"),
                alt.Tooltip("saves_pct:Q", title="Saves %", format=".1f"),
                alt.Tooltip("note:N", title="Note"),
            ],
        )
    )


def reconcile_chart(by_day: pd.DataFrame) -> alt.Chart:
    """Estimated (bars) against billed (line) per day, flagged days in red, from
    ``reconcile(..., by=("day",))``."""
    data = by_day.assign(day=by_day["day"].astype(str))
    base = alt.Chart(data, width=WIDTH, height=HEIGHT, title="Estimated vs billed, per day")
    bars = base.mark_bar(color="#c6dbef").encode(
        x=alt.X("day:T", title="Day (UTC)", timeUnit="utcyearmonthdate"),
        y=alt.Y("estimated_usd:Q", title="USD", axis=alt.Axis(format="$,.0f")),
        tooltip=[
            alt.Tooltip("day:N"),
            alt.Tooltip("estimated_usd:Q", format="$,.2f"),
            alt.Tooltip("billed_usd:Q", format="$,.2f"),
            alt.Tooltip("diff_usd:Q", format="$,.2f"),
            alt.Tooltip("status:N"),
        ],
    )
    line = base.mark_line(color="#333", point=True).encode(
        x=alt.X("day:T", timeUnit="utcyearmonthdate"), y="billed_usd:Q"
    )
    flags = (
        base.transform_filter(alt.datum.flagged)
        .mark_point(color="#d62728", size=140, filled=True)
        .encode(
            x=alt.X("day:T", timeUnit="utcyearmonthdate"),
            y="billed_usd:Q",
            tooltip=[
                alt.Tooltip("day:N"),
                alt.Tooltip("diff_usd:Q", title="billed - estimated", format="$,.2f"),
                alt.Tooltip("status:N"),
            ],
        )
    )
    return bars + line + flags
