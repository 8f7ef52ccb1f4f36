"""Chart builders: specs round-trip, colours are stable, units and marks are where readers look."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest

from explorer import charts
from explorer.crossovers import crossovers
from explorer.scenarios import Scenario
from explorer.widgets import compute_results, price_history_frame

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


def test_cost_curves_log_log_with_units_and_dollar_tooltips(results) -> None:
    spec = _roundtrip(charts.cost_curves_chart(results.curves, as_of=AS_OF))
    enc = spec["layer"][0]["encoding"]
    assert enc["x"]["scale"]["type"] == "log" and enc["y"]["scale"]["type"] == "log"
    assert "USD" in enc["y"]["title"] and "per month" in enc["x"]["title"]
    assert any(t.get("format") == "$,.2f" for t in spec["layer"][1]["encoding"]["tooltip"])
    assert f"Prices as of {AS_OF}" in _all_text(spec["title"])


def test_curve_data_are_the_computed_costs(results) -> None:
    chart = charts.cost_curves_chart(results.curves, as_of=AS_OF)
    data = _data(chart)
    gpt4o = data[data["label"] == "gpt-4o"]
    per_request = float(results.costs.set_index("label").loc["gpt-4o", "cost_per_request_usd"])
    assert (gpt4o["monthly_usd"] / gpt4o["requests_per_month"]).to_numpy() == pytest.approx(per_request)


def test_overridden_rows_are_marked(results) -> None:
    curves = results.curves.copy()
    curves.loc[curves["label"] == "gpt-4o", "is_override"] = True
    spec = charts.cost_curves_chart(curves, as_of=AS_OF).to_dict()
    assert "override" in _all_text(spec["title"])
    costs = results.costs.copy()
    costs.loc[costs["label"] == "gpt-4o", "is_override"] = True
    comp = charts.component_chart(costs, as_of=AS_OF)
    assert "gpt-4o (override)" in set(_data(comp)["shown"])


def test_component_chart_marks_the_cheapest(results) -> None:
    chart = charts.component_chart(results.costs, as_of=AS_OF)
    _roundtrip(chart)
    cheapest = results.costs.dropna(subset=["monthly_usd"]).iloc[0]["label"]
    assert list(_data(chart, 1)["shown"]) == [cheapest]


@pytest.mark.parametrize("axis", ["output_share", "cached_share", "input_tokens", "requests_per_month"])
def test_crossover_chart_marks_every_point(axis: str) -> None:
    sc = Scenario("x", models=("gpt-5", "gpt-4.1", "gemini-2.5-pro"), as_of=AS_OF)
    res = crossovers(sc, axis)
    chart = charts.crossover_chart(res, as_of=AS_OF)
    spec = _roundtrip(chart)
    if len(res.points):
        assert list(_data(chart, 1)["at"]) == list(res.points["at"])
    assert "Monthly cost (USD)" in _all_text(spec)


def test_budget_projection_history_and_compare_build(results) -> None:
    _roundtrip(charts.budget_chart(results.budget, budget_usd=500, as_of=AS_OF))
    spec = _roundtrip(
        charts.projection_chart(results.projection, as_of=AS_OF, budget_usd=500, growth_rate=0.05)
    )
    assert "+5%" in _all_text(spec["title"])
    hist = charts.price_history_chart(price_history_frame(["o3", "gpt-4o"])).to_dict()
    assert hist["mark"]["interpolate"] == "step-after"
    long = results.costs.assign(scenario="s")
    _roundtrip(charts.scenario_compare_chart(long, as_of=AS_OF))


def test_empty_frames_still_build() -> None:
    empty = pd.DataFrame(columns=["label", "requests_per_month", "monthly_usd", "is_override"])
    charts.cost_curves_chart(empty).to_dict()
