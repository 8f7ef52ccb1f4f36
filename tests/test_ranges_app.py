"""The app's Ranges tab and its chart builders: set widget.value, compare what the tab shows with the core
functions it stands on (explorer.ranges, explorer.selfhost, explorer.currency, explorer.terms)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from explorer import charts_ranges as cr
from explorer import currency, ranges, selfhost
from explorer import range_results as rr
from explorer.app.ranges_view import APP_DRAWS, NO_DEFAULTS
from explorer.scenarios import Scenario
from explorer.widgets import Dashboard

from .chart_marks import data_marks, visible

AS_OF = "2026-11-27"
MODELS = ("gpt-4o", "gpt-4.1-mini", "gpt-5", "o3")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    from explorer import price_history

    return price_history()


@pytest.fixture
def dash(table: pd.DataFrame) -> Dashboard:
    d = Dashboard(as_of=AS_OF, prices=table, models=MODELS)
    d.tabs.selected_index = d.views.index(d.ranges_view)
    return d


def _shown(dash: Dashboard) -> pd.DataFrame:
    res = dash.ranges_view.result
    assert res is not None
    return res.table.set_index("label")


def _records(slot) -> pd.DataFrame:
    (rows,) = slot.spec["datasets"].values()
    return pd.DataFrame(rows)


def test_no_spread_gives_the_point_ranking(dash: Dashboard) -> None:
    dash.ranges_view.controls.spread.value = "none"
    shown = _shown(dash)
    point = dash.results.costs.set_index("label")["monthly_usd"]
    for label in MODELS:
        assert shown.loc[label, "p10_usd"] == pytest.approx(point[label], rel=1e-9)
        assert shown.loc[label, "p90_usd"] == pytest.approx(point[label], rel=1e-9)
    assert list(shown.index) == list(dash.results.costs["label"])


def test_spread_widens_the_band_and_charts_carry_the_table(dash: Dashboard) -> None:
    dash.requests.value = 300
    dash.reasoning_tokens.value = 200
    c = dash.ranges_view.controls
    c.spread.value = "high"
    assert (c.input_spread.value, c.output_spread.value, c.reasoning_spread.value) == rr.SPREAD_PRESETS["high"]
    shown = _shown(dash)
    assert (shown["p10_usd"] < shown["p50_usd"]).all() and (shown["p50_usd"] < shown["p90_usd"]).all()
    # The same as the core on the same inputs (the typed counts as the log-normals' means).
    sc = rr.with_spread(dash.scenario, *rr.SPREAD_PRESETS["high"])
    rates = dash.state.rates(tuple(dash.models.value), dash.as_of.value)
    direct = ranges.cost_ranges(rates, sc, draws=APP_DRAWS).table.set_index("label")
    assert np.allclose(shown.loc[list(MODELS), ["p10_usd", "p50_usd", "p90_usd"]].to_numpy(dtype=float),
                       direct.loc[list(MODELS), ["p10_usd", "p50_usd", "p90_usd"]].to_numpy(dtype=float), rtol=1e-12)
    band = _records(dash.ranges_view.chart).set_index("label")
    assert band.loc["o3", "p10"] == pytest.approx(shown.loc["o3", "p10_usd"])
    assert band.loc["o3", "p90"] == pytest.approx(shown.loc["o3", "p90_usd"])
    curves = _records(dash.ranges_view.curves)
    assert (curves["p90"] > curves["p10"]).all() and set(curves["label"]) == set(MODELS)
    proj = _records(dash.ranges_view.projection)
    assert len(proj) == 12 * len(MODELS)
    # Editing one ratio makes the preset "custom".
    c.input_spread.value = 7.0
    assert c.spread.value == "custom"
    assert "median" in c.spread_note.value and "p90" in c.spread_note.value


def test_odds_of_the_top_pairs_are_shown(dash: Dashboard) -> None:
    dash.requests.value = 50
    dash.ranges_view.controls.spread.value = "high"
    odds = dash.ranges_view.result.odds
    assert len(odds) == 6  # four models: every pair
    assert ((odds["p_month"] >= 0) & (odds["p_month"] <= 1)).all()
    assert "Probability that A costs less than B" in dash.ranges_view.odds.value
    first = odds.iloc[0]
    assert f"{first['p_month']:.1%}" in dash.ranges_view.odds.value


def test_currency_converts_every_figure_and_names_the_rate(dash: Dashboard) -> None:
    usd = _shown(dash)["p50_usd"]
    c = dash.ranges_view.controls
    c.currency.value = "EUR"
    rate = currency.fx_rate("EUR", as_of=AS_OF)
    assert rate.rate_date is not None and rate.rate_date.isoformat() in c.rate_note.value
    assert "ECB" in c.rate_note.value
    band = _records(dash.ranges_view.chart).set_index("label")
    assert band.loc["gpt-5", "p50"] == pytest.approx(usd["gpt-5"] * rate.units_per_usd)
    assert f"{usd['gpt-5'] * rate.units_per_usd:,.2f} EUR" in dash.ranges_view.table.value
    assert "(EUR)" in dash.ranges_view.chart.spec["layer"][0]["encoding"]["x"]["title"]
    c.own_rate.value = 2.0  # the user's own rate, labelled as such
    assert "user-given rate" in c.rate_note.value
    assert _records(dash.ranges_view.chart).set_index("label").loc["gpt-5", "p50"] == pytest.approx(2 * usd["gpt-5"])


def test_self_hosted_option_enters_ranking_and_volume_crossovers(dash: Dashboard) -> None:
    c = dash.ranges_view.controls
    c.spread.value = "none"
    c.sh_on.value = True
    assert "nothing is assumed" in c.sh_message.value and "self-hosted" not in _shown(dash).index
    c.sh_gpu_usd.value = 2.0
    c.sh_in_tps.value = 20_000
    c.sh_out_tps.value = 2_000
    option = selfhost.SelfHostedOption("self-hosted", 2.0, 1, 20_000, 2_000, utilisation=0.5)
    shown = _shown(dash)
    assert shown.loc["self-hosted", "p50_usd"] == pytest.approx(float(option.monthly_usd(dash.scenario)))
    # By hand: one replica all month is $2 x 730.5 h = $1,461, which covers 100,000 requests of 1,000 in /
    # 500 out here; the cheapest API model's cost per request times v equals it at v = 1,461 / cost.
    cheapest = dash.results.ranked.iloc[0]
    cpr = cheapest["monthly_usd"] / dash.scenario.requests_per_month
    dash.axis.value = "requests_per_month"
    dash.tabs.selected_index = 3
    pts = dash.state.crossover(tuple(dash.models.value), dash.scenario, dash.as_of.value, "requests_per_month",
                               dash.fixed_options).points
    hit = pts[pts["to_label"] == "self-hosted"]
    assert len(hit) == 1 and hit["at"].iloc[0] == pytest.approx(2.0 * selfhost.HOURS_PER_MONTH / cpr, rel=1e-9)
    assert "self-hosted" in dash.crossover_text.value


def test_effort_setting_needs_a_source_and_scales_reasoning(dash: Dashboard) -> None:
    dash.reasoning_tokens.value = 300
    c = dash.ranges_view.controls
    c.spread.value = "none"
    assert NO_DEFAULTS in c.eff_message.value  # no shipped multipliers, said where the setting is made
    before = _shown(dash)
    c.eff_model.value = "o3"
    c.eff_level.value = "high"
    c.eff_multiplier.value = 3.0
    c.add_effort()
    assert "source" in c.eff_message.value and c.efforts == ()  # refused without a source
    c.eff_source.value = "our own logs, 2026-11"
    c.add_effort()
    assert c.effort.value == "high"
    after = _shown(dash)
    rates = dash.state.rates(tuple(dash.models.value), dash.as_of.value)
    i = rates.labels.index("o3")
    reasoning_usd_per_mtok = float(np.nan_to_num(rates.usd_per_mtok[i, 0, 0, 3]))
    extra = 2 * 300 * reasoning_usd_per_mtok / 1e6 * dash.scenario.requests_per_month
    assert after.loc["o3", "p50_usd"] == pytest.approx(before.loc["o3", "p50_usd"] + extra, rel=1e-9)
    assert after.loc["gpt-4o", "p50_usd"] == pytest.approx(before.loc["gpt-4o", "p50_usd"], rel=1e-12)
    assert after.loc["o3", "effort_source"] == "our own logs, 2026-11"
    assert "our own logs, 2026-11" in dash.ranges_view.table.value
    # An uncertain level (a multiplier drawn once a month) widens the monthly band.
    c.eff_uncertainty.value = 3.0
    c.add_effort()
    wide = _shown(dash)
    assert wide.loc["o3", "p90_usd"] - wide.loc["o3", "p10_usd"] > 0.5 * wide.loc["o3", "p50_usd"] * 0.5
    c.clear_efforts()
    assert c.effort.value == "(the scenario's reasoning tokens)"
    assert _shown(dash).loc["o3", "p50_usd"] == pytest.approx(before.loc["o3", "p50_usd"])


def test_negotiated_discount_and_commitment(dash: Dashboard) -> None:
    c = dash.ranges_view.controls
    before = _shown(dash)
    c.terms_provider.value = "openai"
    c.terms_discount.value = 0.2
    c.set_terms()
    after = _shown(dash)
    assert after.loc["gpt-5", "p50_usd"] == pytest.approx(0.8 * before.loc["gpt-5", "p50_usd"], rel=1e-9)
    assert "20.0%" in c.terms_list.value
    c.terms_commit.value = 10_000.0  # above the month: the commitment is what the month costs
    c.set_terms()
    assert _shown(dash).loc["gpt-4.1-mini", "p10_usd"] == pytest.approx(10_000.0)


def test_same_inputs_same_figures_and_no_recompute_going_back(table: pd.DataFrame) -> None:
    a = Dashboard(as_of=AS_OF, prices=table, models=MODELS)
    b = Dashboard(as_of=AS_OF, prices=table, models=MODELS)
    for d in (a, b):
        d.requests.value = 200
        d.tabs.selected_index = d.views.index(d.ranges_view)
    pd.testing.assert_frame_equal(a.ranges_view.result.table, b.ranges_view.result.table)
    first = a.ranges_view.result
    a.input_tokens.value = 3000
    assert a.ranges_view.result is not first
    built = a.ranges_view.curves.rebuilds
    a.input_tokens.value = 1000
    assert a.ranges_view.result is first  # from the keyed cache
    assert a.ranges_view.curves.rebuilds == built  # data swapped, spec kept


def test_scenario_file_distributions_are_used(dash: Dashboard) -> None:
    from explorer.distributions import Empirical

    sc = Scenario("two-point", input_tokens_per_request=1000, output_tokens_per_request=500,
                  requests_per_month=10, models=MODELS,
                  input_tokens_distribution=Empirical((100.0, 100_000.0), (0.5, 0.5)))
    dash.load_scenario(sc)
    assert dash.ranges_view.controls.spread.value == "scenario"
    shown = _shown(dash)
    # Ten requests, each 100 or 100,000 input tokens at even odds: the month holds K ~ Binomial(10, 1/2) long
    # ones, whose p10 / p50 / p90 are 3, 5 and 7.
    from explorer import cost_of

    short = float(cost_of("gpt-5", 100, 500, as_of=AS_OF)["total_usd"])
    long = float(cost_of("gpt-5", 100_000, 500, as_of=AS_OF)["total_usd"])
    for q, k in (("p10_usd", 3), ("p50_usd", 5), ("p90_usd", 7)):
        assert shown.loc["gpt-5", q] == pytest.approx(k * long + (10 - k) * short, rel=1e-9)


@pytest.mark.parametrize("builder", ["range", "curves", "projection"])
def test_band_charts_draw_bands_that_carry_data(builder: str) -> None:
    sc = rr.with_spread(Scenario("x", input_tokens_per_request=2000, output_tokens_per_request=600,
                                 reasoning_tokens_per_request=200, requests_per_month=100,
                                 monthly_budget_usd=5.0), 2, 3, 4)
    from explorer import price_history, results
    from explorer.scenarios import model_key

    rates = results.rate_table([model_key(m) for m in MODELS], prices=price_history(), as_of=AS_OF)
    res = rr.range_results(rates, sc, draws=2_000)
    if builder == "range":
        frame = cr.band_frame(res.table)
        chart = cr.range_chart(frame, as_of=AS_OF)
    elif builder == "curves":
        frame = cr.band_frame(res.curves).assign(your_volume=100)
        chart = cr.curve_band_chart(frame, as_of=AS_OF)
    else:
        frame = cr.band_frame(res.projection).assign(budget=5.0)
        chart = cr.projection_band_chart(frame, as_of=AS_OF)
    spec = chart.to_dict()  # validated against the Vega-Lite schema
    marks = data_marks(spec)
    if builder == "range":
        bars = visible(marks["rule"])
        assert len(bars) == len(MODELS)
        for label in MODELS:  # each bar runs from that model's p10 to its p90 (in its tooltip)
            row = res.table.set_index("label").loc[label]
            (bar,) = [b for b in bars if f"label: {label};" in b["aria-label"]]
            assert f"p90 (USD/month): ${row['p90_usd']:,.2f}" in bar["aria-label"]
            assert float(bar["x2"]) > 0
        assert len(visible(marks["symbol"])) == len(MODELS)
    else:
        areas = visible(marks["area"])
        assert len(areas) == len(MODELS)
        for a in areas:  # a band with width: its outline has as many points as the grid, twice
            assert len(re.findall(r"L", a["d"])) >= 2 * (12 if builder == "projection" else 30) - 1
        assert len(visible(marks["line"])) == len(MODELS)
        assert visible(marks["rule"])  # your volume / the budget


def test_spread_distribution_keeps_the_mean() -> None:
    d = rr.spread_distribution(1000, 4.0)
    assert d.mean() == pytest.approx(1000, rel=1e-12)
    assert float(d.quantile(np.array([0.9]))[0]) / float(d.quantile(np.array([0.5]))[0]) == pytest.approx(4.0)
    assert rr.spread_distribution(1000, 1.0).is_point and rr.spread_distribution(0, 5.0).is_point
    with pytest.raises(ValueError, match="p90 / p50"):
        rr.spread_distribution(1000, 0.5)


def test_band_records_are_what_altair_would_send() -> None:
    from explorer.app.chart_slot import records

    frame = cr.band_frame(pd.DataFrame({
        "label": ["a", "b", "c"], "requests_per_month": [10.0, np.nan, 1e9], "p10_usd": [1.0, 2.0, np.nan],
        "p50_usd": [1.5, 2.5, np.nan], "p90_usd": [2.0, np.nan, np.nan], "is_override": [True, False, False],
    }), 2.0)
    frame["your_volume"] = 10.0
    assert cr.band_records(frame) == records(frame)
    assert cr.band_records(frame)[0] == {"label": "a", "requests_per_month": 10.0, "p10": 2.0, "p50": 3.0,
                                         "p90": 4.0, "prices": "override", "your_volume": 10.0}


def test_forecast_chart_draws_the_band_the_median_and_the_budget() -> None:
    from explorer.forecast import forecast

    days = pd.date_range("2026-11-01", periods=12, freq="D")
    spend = 100 * 1.03 ** np.arange(12) * np.exp(0.2 * np.random.default_rng(3).standard_normal(12))
    f = forecast(pd.DataFrame({"day": days, "total_usd": spend, "priced": True}), budget_usd=3000)
    marks = data_marks(cr.forecast_chart(f.projection, budget_usd=3000).to_dict())
    (area,) = visible(marks["area"])
    assert area["d"].count("L") >= 2 * (30 - 12) - 1  # p10 and p90 over the 18 days left
    assert len(visible(marks["symbol"])) == 30  # a point per day: observed, then the median
    (rule,) = visible(marks["rule"])
    assert "$3,000.00" in rule["aria-label"]


def test_an_override_redraws_the_band_charts_marked_and_clearing_it_unmarks_them(dash: Dashboard) -> None:
    """The band charts' specs follow the prices drawn: an override gives each chart the override title (and
    its rows the override mark) on the next change, and clearing it takes both away again."""
    slots = (dash.ranges_view.chart, dash.ranges_view.curves, dash.ranges_view.projection)
    assert not any("override" in str(s.spec["title"]) for s in slots)
    model = MODELS[0]
    dash.set_override(model, input_usd_per_mtok=0.5, output_usd_per_mtok=2.0, note="deal")
    for slot in slots:
        assert "override" in str(slot.spec["title"]), slot.spec["title"]
        rows = _records(slot)
        assert (rows.loc[rows["label"] == model, "prices"] == "override").all() and len(rows)
    dash.clear_overrides()
    assert not any("override" in str(s.spec["title"]) for s in slots)
    assert all((_records(s)["prices"] == "bundled").all() for s in slots)
