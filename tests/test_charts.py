"""Chart builders: specs round-trip, colours are stable, units and marks are where readers look."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest

from explorer import charts
from explorer.crossovers import crossovers
from explorer.results import chart_rows, compute_results
from explorer.scenarios import Scenario
from explorer.widgets import price_history_frame

from .chart_marks import data_marks, visible

AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def results():
    from explorer import price_history

    sc = Scenario("c", models=("gpt-4o", "gpt-4.1", "gpt-5", "o3"), monthly_budget_usd=500, as_of=AS_OF)
    return compute_results(sc, sc.models, prices=price_history(), as_of=AS_OF)


def _data(chart: alt.TopLevelMixin, layer: int = 0) -> pd.DataFrame:
    """A layer's data frame (Altair hoists data shared by all layers to the top)."""
    if hasattr(chart, "layer"):
        own = chart.layer[layer].data
        return own if isinstance(own, pd.DataFrame) else chart.data
    return chart.data


def _all_text(spec: dict) -> str:
    return json.dumps(spec)


def _roundtrip(chart: alt.TopLevelMixin) -> dict:
    spec = chart.to_dict()
    again = alt.Chart.from_dict(spec) if "layer" not in spec else alt.LayerChart.from_dict(spec)
    assert again.to_dict() == spec
    return spec


def test_model_colour_is_independent_of_selection_order() -> None:
    a = charts.model_colors(["gpt-4o", "o3", "gpt-5"])
    b = charts.model_colors(["gpt-5", "gpt-4o", "o3"])
    assert a.to_dict() == b.to_dict()
    colours = dict(zip(a.domain, a.range, strict=True))
    assert len(set(colours.values())) == 3


def test_model_colour_survives_adding_a_model_unless_it_collides() -> None:
    small = dict(zip(*(lambda s: (s.domain, s.range))(charts.model_colors(["gpt-4o", "o3"])), strict=True))
    big_scale = charts.model_colors(["gpt-4o", "o3", "claude-sonnet-4-5"])
    big = dict(zip(big_scale.domain, big_scale.range, strict=True))
    for m in small:
        if charts.model_color("claude-sonnet-4-5") != charts.model_color(m):
            assert big[m] == small[m]


def test_twenty_models_get_twenty_colours() -> None:
    scale = charts.model_colors([f"model-{i}" for i in range(20)])
    assert len(set(scale.range)) == 20


@pytest.fixture(scope="module")
def rows(results):
    return chart_rows(results.costs, results.scenario)


def test_cost_curves_log_log_with_units_and_dollar_tooltips(rows) -> None:
    spec = _roundtrip(charts.cost_curves_chart(rows, as_of=AS_OF))
    enc = spec["layer"][0]["encoding"]
    assert enc["x"]["scale"]["type"] == "log" and enc["y"]["scale"]["type"] == "log"
    assert "USD" in enc["y"]["title"] and "per month" in enc["x"]["title"]
    assert any(t.get("format") == "$,.2f" for t in spec["layer"][1]["encoding"]["tooltip"])
    assert f"Prices as of {AS_OF}" in _all_text(spec["title"])


def test_curves_draw_one_line_per_model_from_the_computed_costs(results, rows) -> None:
    chart = charts.cost_curves_chart(rows, as_of=AS_OF)
    per_request = results.costs.set_index("label")["cost_per_request_usd"]
    data = chart.data.set_index("label")
    assert data["cost_per_request_usd"].to_dict() == pytest.approx(per_request.dropna().to_dict())
    marks = data_marks(chart.to_dict())
    assert len(visible(marks["line"])) == len(per_request.dropna())
    assert len(visible(marks["rule"])) == 1  # the scenario's own volume


def test_overridden_rows_are_marked(results) -> None:
    costs = results.costs.copy()
    costs.loc[costs["label"] == "gpt-4o", "is_override"] = True
    marked = chart_rows(costs, results.scenario)
    spec = charts.cost_curves_chart(marked, as_of=AS_OF).to_dict()
    assert "override" in _all_text(spec["title"])
    assert "strokeDash" in spec["layer"][0]["encoding"]
    assert any(s.startswith("gpt-4o (override)") for s in charts.component_chart(marked, as_of=AS_OF).data["shown"])


def test_component_chart_marks_the_cheapest_and_draws_every_part(results, rows) -> None:
    chart = charts.component_chart(rows, as_of=AS_OF)
    _roundtrip(chart)
    cheapest = results.costs.dropna(subset=["monthly_usd"]).iloc[0]["label"]
    assert [s for s in chart.data["shown"] if "(cheapest)" in s] == [f"{cheapest} (cheapest)"]
    parts = int((rows[["input_usd", "cached_input_usd", "output_usd", "reasoning_usd", "other_usd"]] > 0).sum().sum())
    assert len(visible(data_marks(chart.to_dict())["rect"])) == parts


@pytest.mark.parametrize("axis", ["output_share", "cached_share", "input_tokens", "requests_per_month"])
def test_crossover_chart_marks_every_point(axis: str) -> None:
    sc = Scenario("x", models=("gpt-5", "gpt-4.1", "gemini-2.5-pro"), as_of=AS_OF)
    res = crossovers(sc, axis)
    chart = charts.crossover_chart(res, as_of=AS_OF)
    spec = _roundtrip(chart)
    frame = charts.crossover_frame(res)
    assert list(frame.loc[frame["layer"] == "point", "x"]) == list(res.points["at"])
    marks = data_marks(spec)
    assert len(visible(marks["line"])) == res.curves["label"].nunique()
    assert len(visible(marks["rule"])) == len(res.points) + 1  # each change, and the scenario's own value
    assert "Monthly cost (USD)" in _all_text(spec)


def test_budget_reach_draws_a_mark_per_model_and_says_when_there_is_no_budget(results, rows) -> None:
    spec = _roundtrip(charts.budget_chart(rows, as_of=AS_OF))
    marks = data_marks(spec)
    n = len(rows)
    assert len(visible(marks["rule"])) == n and len(visible(marks["symbol"])) == n
    reach = [t["text"] for t in visible(marks["text"])]
    gpt4o = float(results.costs.set_index("label").loc["gpt-4o", "cost_per_request_usd"])
    assert f"{500 / gpt4o / 1000:.3g}k".replace(".0k", "k") in reach or any(r.startswith("66.") for r in reach)
    none = data_marks(charts.budget_chart(chart_rows(results.costs, results.scenario.replace(monthly_budget_usd=None))).to_dict())
    assert [t["text"] for t in none["text"]] == ["Set a monthly budget to see how many requests it buys"]
    assert "rule" not in none


def test_projection_grows_and_shows_the_budget(results, rows) -> None:
    grown = chart_rows(results.costs, results.scenario.replace(monthly_growth_rate=0.05))
    spec = _roundtrip(charts.projection_chart(grown, as_of=AS_OF))
    marks = data_marks(spec)
    assert len(visible(marks["line"])) == len(rows) and len(visible(marks["symbol"])) == 12 * len(rows)
    assert len(visible(marks["rule"])) == 1  # the budget
    assert "12-month projection" in _all_text(spec["title"])


def test_history_and_compare_build(results) -> None:
    hist = charts.price_history_chart(price_history_frame(["o3", "gpt-4o"])).to_dict()
    assert hist["mark"]["interpolate"] == "step-after"
    long = results.costs.assign(scenario="s")
    spec = _roundtrip(charts.scenario_compare_chart(long, as_of=AS_OF))
    assert len(visible(data_marks(spec)["rect"])) == int(results.costs["monthly_usd"].notna().sum())


def test_empty_frames_still_build(results) -> None:
    empty = chart_rows(results.costs.iloc[0:0], results.scenario)
    for build in (charts.cost_curves_chart, charts.component_chart, charts.budget_chart, charts.projection_chart):
        build(empty).to_dict()
