"""The dashboard: set widget.value, assert the table and the chart data that follow."""

from __future__ import annotations

import pandas as pd
import pytest

from explorer import cost_of, paths, price_history, prices
from explorer.charts import MAX_CHART_ROWS
from explorer.scenarios import DAYS_PER_MONTH, list_scenarios, load_scenario
from explorer.widgets import Dashboard, filter_prices, image_cost_frame, override_rows, seed_vs_today

AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return price_history()


@pytest.fixture
def dash(table: pd.DataFrame) -> Dashboard:
    return Dashboard(as_of=AS_OF, prices=table, models=("gpt-4o", "gpt-4.1", "gpt-5", "o3"))


def _chart_rows(slot, label: str) -> pd.DataFrame:
    """The rows the browser receives for one model (the spec's only dataset)."""
    (records,) = slot.spec["datasets"].values()
    data = pd.DataFrame(records)
    return data[data["label"] == label]


def test_default_table_is_the_engine_times_volume(dash: Dashboard) -> None:
    ranked = dash.results.ranked.set_index("model")
    one = float(cost_of("gpt-4o", 1000, 500, as_of=AS_OF)["total_usd"])
    assert ranked.loc["gpt-4o", "monthly_usd"] == pytest.approx(one * 100_000)
    assert ranked["cheapest"].sum() == 1
    assert ranked.loc[ranked["cheapest"]].index[0] == dash.results.costs.iloc[0]["label"]


def test_one_change_one_refresh_and_charts_follow(dash: Dashboard) -> None:
    before = dash.refresh_count
    dash.input_tokens.value = 4000
    assert dash.refresh_count == before + 1
    one = float(cost_of("gpt-5", 4000, 500, as_of=AS_OF)["total_usd"])
    assert dash.results.ranked.set_index("model").loc["gpt-5", "monthly_usd"] == pytest.approx(one * 100_000)
    dash.tabs.selected_index = 1  # the curves tab updates when shown
    rows = _chart_rows(dash.curves_chart, "gpt-5")
    assert rows["cost_per_request_usd"].to_numpy() == pytest.approx(one)
    dash.tabs.selected_index = 2
    proj = _chart_rows(dash.projection_chart, "gpt-5")
    assert (proj["cost_per_request_usd"] * proj["requests_per_month"]).iloc[0] == pytest.approx(one * 100_000)
    # Further changes swap the data of the visible chart; its spec is not rebuilt.
    built = dash.projection_chart.rebuilds
    dash.input_tokens.value = 8000
    eight = float(cost_of("gpt-5", 8000, 500, as_of=AS_OF)["total_usd"])
    assert _chart_rows(dash.projection_chart, "gpt-5")["cost_per_request_usd"].iloc[0] == pytest.approx(eight)
    assert dash.projection_chart.rebuilds == built


def test_cached_share_and_reasoning_change_components(dash: Dashboard) -> None:
    dash.cached_share.value = 0.5
    dash.reasoning_tokens.value = 200
    row = dash.results.ranked.set_index("model").loc["gpt-4.1"]
    one = cost_of("gpt-4.1", 1000, 500, cached_input_tokens=500, reasoning_tokens=200, as_of=AS_OF)
    assert row["monthly_usd"] == pytest.approx(float(one["total_usd"]) * 100_000)
    assert row["cached_input_share"] == pytest.approx(float(one["cached_input_usd"] / one["total_usd"]))
    assert row["reasoning_share"] == pytest.approx(float(one["reasoning_usd"] / one["total_usd"]))


def test_requests_per_day_converts(dash: Dashboard) -> None:
    dash.volume_unit.value = "per day"
    assert dash.requests_per_month == pytest.approx(100_000, rel=1e-9)
    dash.requests.value = 1000
    assert dash.scenario.requests_per_month == pytest.approx(1000 * DAYS_PER_MONTH)


def test_tier_shares_stay_within_one_traffic(dash: Dashboard) -> None:
    dash.batch_share.value = 0.7
    dash.priority_share.value = 0.6
    assert dash.priority_share.value == pytest.approx(0.3)
    batch = float(cost_of("gpt-4o", 1000, 500, service_tier="batch", as_of=AS_OF)["total_usd"])
    prio = float(cost_of("gpt-4o", 1000, 500, service_tier="priority", as_of=AS_OF)["total_usd"])
    assert dash.results.costs.set_index("label").loc["gpt-4o", "cost_per_request_usd"] == pytest.approx(
        0.7 * batch + 0.3 * prio
    )


def test_growth_budget_and_as_of(dash: Dashboard) -> None:
    dash.growth.value = 0.1
    proj = dash.results.projection
    gpt4o = proj[proj["label"] == "gpt-4o"]
    assert gpt4o["monthly_usd"].iloc[11] == pytest.approx(gpt4o["monthly_usd"].iloc[0] * 1.1**11)
    dash.budget.value = 750.0
    reach = dash.results.budget.set_index("label")
    assert reach.loc["gpt-4o", "requests_per_month"] == 100_000  # $0.0075 a request
    import datetime as dt

    dash.as_of.value = dt.date(2025, 5, 16)
    o3 = float(cost_of("o3", 1000, 500, as_of="2025-05-16")["total_usd"])
    assert dash.results.costs.set_index("label").loc["o3", "cost_per_request_usd"] == pytest.approx(o3)


def test_model_search_keeps_selection_and_filters(dash: Dashboard) -> None:
    dash.search.value = "claude sonnet"
    keys = [k for _, k in dash.models.options]
    assert keys[:4] == list(dash.models.value)
    assert all("claude" in m and "sonnet" in m for _, m in keys[4:])
    dash.provider.value = "anthropic"
    keys = [k for _, k in dash.models.options]
    assert {p for p, _ in keys[4:]} == {"anthropic"}
    dash.models.value = (*dash.models.value, ("anthropic", "claude-sonnet-4-5"))
    assert "claude-sonnet-4-5" in set(dash.results.ranked["model"])


def test_override_followed_everywhere_and_marked(dash: Dashboard) -> None:
    dash.set_override("gpt-4o", input_usd_per_mtok=1.0, output_usd_per_mtok=4.0, note="deal")
    row = dash.results.ranked.set_index("model").loc["gpt-4o"]
    assert row["monthly_usd"] == pytest.approx((1000 * 1.0 + 500 * 4.0) / 1e6 * 100_000)
    assert row["is_override"]
    assert "override" in dash.ranked_out.value
    dash.tabs.selected_index = 1
    assert (_chart_rows(dash.curves_chart, "gpt-4o")["prices"] == "override").all()
    assert "override" in str(dash.curves_chart.spec["title"])
    dash.clear_overrides()
    assert not dash.results.ranked["is_override"].any()


def test_override_keeps_batch_discount_and_cache_ratio(table: pd.DataFrame) -> None:
    rows = override_rows(table, ("openai", "gpt-4o"), as_of=AS_OF, input=2.0)
    std = rows[(rows["service_tier"] == "standard")].iloc[0]
    batch = rows[(rows["service_tier"] == "batch")].iloc[0]
    assert std["input_usd_per_mtok"] == 2.0 and batch["input_usd_per_mtok"] == pytest.approx(1.0)
    assert std["cached_input_usd_per_mtok"] == pytest.approx(1.0)  # was 1.25 of 2.50
    assert rows["is_override"].all()


def test_an_override_is_not_verified_even_over_a_verified_row(table: pd.DataFrame) -> None:
    day = "2025-05-01"
    live = table[(table["model"] == "o3") & prices.in_force(table, day)]
    assert live["verified_on"].notna().any()  # the curated o3 rows were checked against their source
    rows = override_rows(table, ("openai", "o3"), as_of=day, input=1.0)
    assert len(rows) and rows["verified_on"].isna().all() and rows["source"].str.startswith("override").all()


def test_private_model_override(dash: Dashboard) -> None:
    dash.set_override(("acme", "acme-7b"), input_usd_per_mtok=0.1, output_usd_per_mtok=0.2)
    row = dash.results.ranked.set_index("model").loc["acme/acme-7b"]
    assert row["monthly_usd"] == pytest.approx((1000 * 0.1 + 500 * 0.2) / 1e6 * 100_000)


def test_override_form_rejects_text(dash: Dashboard) -> None:
    dash.ov_model.value = ("openai", "gpt-4o")
    dash.ov_input.value = "cheap"
    dash.ov_apply.click()
    assert "is not a number" in dash.ov_list.value
    dash.ov_input.value = "1.5"
    dash.ov_apply.click()
    assert dash.results.ranked.set_index("model").loc["gpt-4o", "is_override"]


def test_crossover_axis_and_fixed_option(dash: Dashboard) -> None:
    dash.tabs.selected_index = 3  # the crossover tab computes when shown
    dash.axis.value = "requests_per_month"
    assert "never changes along volume" in dash.crossover_text.value
    dash.fixed_usd.value = 500.0
    assert len(dash.results.crossover.points) >= 1
    assert "your fixed-cost option" in set(dash.results.crossover.points["to_label"])
    dash.axis.value = "output_share"
    assert "output share" in dash.crossover_text.value


def test_scenario_load_save_and_compare(dash: Dashboard) -> None:
    chatbot = list_scenarios()["Support chatbot"]
    count = dash.refresh_count
    dash.load_scenario(chatbot)
    assert dash.refresh_count == count + 1
    assert dash.scenario.replace(name=chatbot.name, description=chatbot.description) == chatbot
    dash.name.value = "Chatbot v2"
    dash.sc_save.click()
    assert "Saved as" in dash.sc_message.value
    saved = load_scenario(paths.user_scenarios_dir() / "chatbot-v2.yaml")
    assert saved.input_tokens_per_request == 2500 and saved.name == "Chatbot v2"
    assert "Chatbot v2" in set(dash.compare_result["scenario"])


def test_no_max_rows_error_with_every_model(table: pd.DataFrame) -> None:
    d = Dashboard(as_of=AS_OF, prices=table, models=("gpt-4o",))
    d.models.options = d.models.options  # the listed ones (up to MAX_OPTIONS)
    d.search.value = ""
    d.models.value = tuple(k for _, k in d.models.options)
    assert len(d.results.curves) <= MAX_CHART_ROWS
    d.update_all()
    assert d.curves_chart.spec["datasets"] and d.crossover_chart.spec["datasets"]


def test_notebook_helpers() -> None:
    from explorer import load_prices

    cheap = filter_prices(
        load_prices(AS_OF), provider="openai", text="mini", sort_by="output_usd_per_mtok", limit=5
    )
    assert cheap["model"].str.contains("mini").all()
    assert cheap["output_usd_per_mtok"].is_monotonic_increasing
    with pytest.raises(ValueError, match="sort_by"):
        filter_prices(load_prices(AS_OF), sort_by="colour")
    # gpt-image-1 was shut down on 2026-10-23: its per-image prices are listed on a day it was on sale.
    imgs = image_cost_frame(10, as_of="2026-06-01").set_index(["label", "quality", "size"])
    assert imgs.loc[("gpt-image-1", "high", "1024x1024"), "total_usd"] == pytest.approx(1.67)
    seed = seed_vs_today(AS_OF).set_index("model (as the answer wrote it)")
    assert seed.loc["OpenAI o1", "verdict"] == "wrong"
    assert seed.loc["GPT-4o", f"{AS_OF} input"] == 2.5


def test_a_control_the_prices_cannot_answer_shows_why_instead_of_raising(monkeypatch) -> None:
    import datetime as dt

    from explorer import widgets

    dash = widgets.Dashboard(as_of="2026-11-27", models=["gpt-4o"])
    dash.as_of.value = dt.date(2031, 1, 1)  # the picker stops at today
    assert dash.as_of.value <= dt.date.today()

    def boom(*_a, **_k):
        raise ValueError("as_of: 2031-01-01 is in the future")

    from explorer import results

    monkeypatch.setattr(results, "costs_from_rates", boom)
    dash.input_tokens.value = 1234
    assert "Cannot compute:</b> as_of: 2031-01-01 is in the future" in dash.status.value


def test_price_table_opens_on_openai() -> None:
    from explorer import price_history
    from explorer.widgets import price_table_widget

    controls = price_table_widget(price_history()).widget.controls
    assert controls["provider"].value == "openai"
    assert "gpt-4o" in controls["out"].value and "anthropic" not in controls["out"].value


def test_a_change_resolves_no_model_name_again(dash: Dashboard, monkeypatch: pytest.MonkeyPatch) -> None:
    """The picked models are resolved once per selection: a token or volume change (tens of milliseconds in
    all) must not pay a price-table lookup per model."""
    dash.input_tokens.value = 1_234
    calls: list[str] = []
    real = prices.resolve_model
    monkeypatch.setattr(prices, "resolve_model", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    for v in (2_000, 3_000):
        dash.input_tokens.value = v
    dash.requests.value = 5_000
    assert calls == []
    assert dash.scenario.models == ("gpt-4o", "gpt-4.1", "gpt-5", "o3")
