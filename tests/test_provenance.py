"""Lifecycle and provenance beside a ranking: the pure parts (explorer.provenance), the dashboard's "Show
retired models" toggle and its Lifecycle / Price source columns, and the charts' tooltips, read from the
rendered SVG."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from explorer import charts as C
from explorer import prices, provenance
from explorer.compare import rank_models
from explorer.results import chart_rows
from explorer.scenarios import Scenario, scenario_costs
from explorer.widgets import Dashboard
from tests.chart_marks import data_marks, visible

TODAY = "2026-12-02"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return prices.price_history()


def test_with_retired_keeps_only_the_last_price_open_after_shutdown(table: pd.DataFrame) -> None:
    both = provenance.with_retired(table)
    # A model not shut down by the day prices exactly as before; the only rows added are shut-down models'.
    for day in ("2023-06-01", "2025-06-01"):
        gone = both["shutdown_on"].notna() & (both["shutdown_on"] <= day)
        assert both[prices.in_force(both, day) & ~gone].drop(columns="valid_to").equals(
            table[prices.in_force(table, day)].drop(columns="valid_to"))
        assert not table[prices.in_force(table, day) & gone].shape[0]
    # After it, a retired model has exactly its last price (the one rank_models(include_retired) uses).
    live = both[prices.in_force(both, TODAY) & (both["model"] == "davinci") & (both["provider"] == "openai")
                & (both["service_tier"] == "standard")]
    assert live[["input_usd_per_mtok", "output_usd_per_mtok"]].values.tolist() == [[20.0, 20.0]]
    ranked = rank_models(1_000_000, 0, models=["davinci"], as_of=TODAY, prices=table, include_retired=True)
    assert ranked["total_usd"].iloc[0] == pytest.approx(20.0)
    assert not table[prices.in_force(table, TODAY) & (table["model"] == "davinci") & (table["provider"] == "openai")].shape[0]


def test_model_provenance_says_where_and_when(table: pd.DataFrame) -> None:
    keys = [("openai", "gpt-5"), ("openai", "gpt-6-luna"), ("openai", "davinci")]
    prov = provenance.model_provenance(keys, prices=table, as_of="2026-11-27").set_index("label")
    assert prov.loc["gpt-5", "lifecycle"] == "deprecated 2026-06-11, shuts down 2026-12-11"
    assert prov.loc["gpt-6-luna", "lifecycle"] == "on sale since 2026-09-22"
    assert prov.loc["davinci", "lifecycle"] == "retired 2024-01-04 (last price)"
    assert prov.loc["davinci", "verified"] == "no price"  # without the toggle it has no price that day
    assert prov.loc["gpt-5", "verified"] == "unverified"
    assert prov.loc["gpt-5", "price_source"].startswith("genai-prices")
    curated = provenance.model_provenance([("openai", "gpt-3.5-turbo")], prices=table, as_of="2023-04-01").iloc[0]
    assert curated["verified"] == "verified 2026-11-27" and "$0.002/1K tokens" in curated["price_source"]
    assert curated["lifecycle"] == "on sale since 2023-03-01"  # the shutdown was not announced yet
    shown = provenance.model_provenance([("openai", "davinci")], prices=provenance.with_retired(table), as_of=TODAY)
    assert shown["verified"].iloc[0] == "unverified" and "$0.0200 / 1K tokens" in shown["price_source"].iloc[0]


def test_table_columns_and_annotated_rows(table: pd.DataFrame) -> None:
    t = provenance.with_retired(table)
    keys = [("openai", "gpt-4.1-nano"), ("openai", "gpt-6-luna")]
    prov = provenance.model_provenance(keys, prices=t, as_of=TODAY)
    cols = provenance.table_columns(prov)
    text, tip = cols.loc["gpt-4.1-nano", "Lifecycle"]
    assert text == "retired 2026-10-23"
    assert tip == "retired 2026-10-23 (last price) (launched 2025-04-14; deprecated 2026-04-22; shut down 2026-10-23)"
    assert cols.loc["gpt-6-luna", "Lifecycle"][0] == "since 2026-09-22"
    text, tip = cols.loc["gpt-6-luna", "Price source"]
    assert re.fullmatch(r"genai-prices [\d.]+, unverified", text) and tip.startswith("unverified; source: genai-prices")
    sc = Scenario("x", models=("gpt-4.1-nano", "gpt-6-luna"))
    rows = provenance.annotate_rows(chart_rows(scenario_costs(sc, prices=t, as_of=TODAY), sc), prov)
    by = rows.set_index("label")
    assert by.loc["gpt-4.1-nano", "shown"].endswith("(retired)") and not by.loc["gpt-6-luna", "shown"].endswith(")")
    assert by.loc["gpt-4.1-nano", "lifecycle"] == "retired 2026-10-23 (last price)"


def test_chart_tooltips_carry_lifecycle_and_provenance(table: pd.DataFrame) -> None:
    keys = [("openai", "gpt-5"), ("openai", "gpt-6-luna")]
    sc = Scenario("x", models=("gpt-5", "gpt-6-luna"), monthly_budget_usd=100.0)
    rows = provenance.annotate_rows(chart_rows(scenario_costs(sc, prices=table, as_of="2026-11-27"), sc),
                                    provenance.model_provenance(keys, prices=table, as_of="2026-11-27"))
    builders = {"rect": C.component_chart(rows), "symbol": C.cost_curves_chart(rows),
                "rule": C.budget_chart(rows)}
    for mark, chart in builders.items():
        drawn = data_marks(chart.to_dict()).get(mark, [])
        # The curves' points are invisible hover targets (the lines are drawn): they carry the tooltips.
        marks = drawn if mark == "symbol" else visible(drawn)
        labels = [m.get("aria-label", "") for m in marks if "gpt-5" in m.get("aria-label", "")]
        assert labels, mark
        assert all("Lifecycle: deprecated 2026-06-11, shuts down 2026-12-11" in x for x in labels), mark
        assert all("Price source: genai-prices" in x and "Verified: unverified" in x for x in labels), mark
    proj = data_marks(C.projection_chart(rows).to_dict())
    assert any("Lifecycle: on sale since 2026-09-22" in m.get("aria-label", "") for m in proj["symbol"])


# ---------------------------------------------------------------- the dashboard


@pytest.fixture
def dash(table: pd.DataFrame) -> Dashboard:
    return Dashboard(as_of=TODAY, prices=table, models=("gpt-6-luna", "gpt-5"))


def _option(dash: Dashboard, model: str) -> tuple[str, tuple[str, str]]:
    return next((label, key) for label, key in dash.models.options if key[1] == model)


def test_retired_models_only_when_asked_and_marked(dash: Dashboard) -> None:
    assert dash.show_retired.value is False and dash.show_retired.description == "Show retired models"
    assert not any(k[1] == "gpt-4.1-nano" for _, k in dash.models.options)
    assert "gpt-4.1-nano" not in set(dash.results.ranked["model"])
    # Deprecated but running: marked in the picker.
    assert _option(dash, "gpt-5")[0].endswith("· deprecated, shuts down 2026-12-11")
    dash.show_retired.value = True
    label, key = _option(dash, "gpt-4.1-nano")
    assert label == "openai · gpt-4.1-nano  ($0.1 / $0.4)  · retired 2026-10-23, last price"
    dash.models.value = (*dash.models.value, key)
    ranked = dash.results.ranked.set_index("model")
    last = rank_models(1000, 500, models=["gpt-4.1-nano"], as_of=TODAY, include_retired=True)
    assert ranked.loc["gpt-4.1-nano", "cost_per_request_usd"] == pytest.approx(last["cost_per_request_usd"].iloc[0])
    assert dash.status.value.startswith("<b>gpt-4.1-nano</b> (retired 2026-10-23 (last price)) is the cheapest")
    row = re.search(r"<tr[^>]*><td>\d*</td><td>gpt-4\.1-nano</td>.*?</tr>", dash.ranked_out.value).group(0)
    assert ">retired 2026-10-23<" in row
    assert 'title="retired 2026-10-23 (last price) (launched 2025-04-14; deprecated 2026-04-22; shut down 2026-10-23)"' in row
    (records,) = dash.components_chart.spec["datasets"].values()
    shown = {r["label"]: r for r in records}["gpt-4.1-nano"]
    assert shown["shown"].endswith("(retired)") and shown["lifecycle"] == "retired 2026-10-23 (last price)"
    # Hidden again: the retired model leaves the picker, the selection and the ranking.
    dash.show_retired.value = False
    assert key not in dash.models.value and key not in [k for _, k in dash.models.options]
    assert "gpt-4.1-nano" not in set(dash.results.ranked["model"])


def test_ranking_table_has_lifecycle_and_source_columns(dash: Dashboard) -> None:
    head = re.search(r"<thead>(.*?)</thead>", dash.ranked_out.value).group(1)
    assert re.findall(r"<th>([^<]*)</th>", head)[-3:] == ["Lifecycle", "Price source", "Note"]
    row = re.search(r"<td>gpt-5</td>.*?</tr>", dash.ranked_out.value).group(0)
    assert ">deprecated, ends 2026-12-11<" in row and re.search(r">genai-prices [\d.]+, unverified<", row)
