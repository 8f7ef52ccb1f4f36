"""Requests described as text in the dashboard: each model's own input tokens (explorer.text_costs) equal
text_workload.tokens_by_model, the costs equal scenario_costs, and the dashboard's "Describe requests by"
control, table columns and chart marks follow."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from explorer import charts as C
from explorer import families, prices
from explorer import results as R
from explorer import text_costs as T
from explorer.scenarios import Scenario, scenario_costs
from explorer.text_workload import tokens_by_model
from explorer.widgets import Dashboard
from tests.chart_marks import data_marks, visible

AS_OF = "2026-11-27"
# Own tokenizers (OpenAI, Qwen 3.5, DeepSeek V4), Claude calibrated with ctok, a sibling estimate (older
# DeepSeek), the generic estimate (Gemini, Mistral).
MODELS = ["gpt-6-luna", "gpt-4o", "claude-haiku-4-5", "claude-sonnet-4-5", "deepseek-v3.2", "google/gemini-2.5-flash",
          "mistral-small-2603"]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return prices.price_history()


@pytest.mark.parametrize("kind", families.KINDS)
def test_plans_count_as_tokens_by_model(kind: str) -> None:
    keys = [prices.resolve_model(m) for m in MODELS]
    plans = T.plans_for(keys, kind)
    for chars in (1, 7, 999, 4000, 123_457, 10_000_001):
        counted = tokens_by_model([f"{p}/{m}" for p, m in keys], chars=chars, kind=kind)
        assert [T.plan_tokens(p, chars) for p in plans] == [(c.tokens, c.tokens_low, c.tokens_high) for c in counted]
    own = {p.label: p.own for p in plans}
    assert own["gpt-6-luna"] and not own["claude-haiku-4-5"] and not own["gemini-2.5-flash"]
    est = next(p for p in plans if p.label == "claude-haiku-4-5")
    assert re.fullmatch(r"estimate: o200k_base x \d\.\d\d, range \d\.\d\d-\d\.\d\d", est.method)


@pytest.mark.parametrize(("chars", "kind", "cached", "batch", "out"), [
    (4000, "en", 0.0, 0.0, 500), (123_457, "ja", 0.3, 0.5, 700), (300_000, "zh", 0.0, 0.0, 100),  # long context
    (1, "code", 0.99, 1.0, 0), (64_000, "json", 0.0, 0.0, 8000),
])
def test_text_costs_equal_scenario_costs(table, chars, kind, cached, batch, out) -> None:
    sc = Scenario("x", models=tuple(MODELS), input_chars_per_request=chars, input_text_kind=kind,
                  cached_input_share=cached, batch_share=batch, output_tokens_per_request=out)
    rates = R.rate_table(MODELS, prices=table, as_of=AS_OF)
    fast = T.text_costs(rates, sc, T.plans_for(rates.keys, kind))
    slow = scenario_costs(sc, prices=table, as_of=AS_OF)
    assert list(fast["label"]) == list(slow["label"])
    np.testing.assert_allclose(fast["monthly_usd"].to_numpy(float), slow["monthly_usd"].to_numpy(float), rtol=1e-12)
    assert list(fast["note"]) == list(slow["note"])
    assert list(fast["fits_context"].astype(object)) == list(slow["fits_context"].astype(object))


def test_text_columns_and_rows_mark_estimates(table) -> None:
    sc = Scenario("x", models=tuple(MODELS), input_chars_per_request=10_000, input_text_kind="ja")
    rates = R.rate_table(MODELS, prices=table, as_of=AS_OF)
    plans = T.plans_for(rates.keys, "ja")
    costs = T.text_costs(rates, sc, plans)
    cols = T.text_columns(costs, plans, sc)
    counted = {c.model: c for c in tokens_by_model(MODELS, chars=10_000, kind="ja")}
    text, tip = cols.loc["gpt-4o", "Input tokens"]
    assert text == f"{counted['gpt-4o'].tokens:,}" and tip.startswith("o200k_base (own tokenizer)")
    text, tip = cols.loc["claude-haiku-4-5", "Input tokens"]
    c = counted["claude-haiku-4-5"]
    assert text == f"≈ {c.tokens:,}"
    assert re.match(r"estimate: o200k_base x \d\.\d\d, range \d\.\d\d-\d\.\d\d \(", tip)
    assert f"({c.tokens_low:,}-{c.tokens_high:,} tokens)" in tip
    row = costs.set_index("label").loc["gpt-4o"]
    per_k = (row["input_usd"] + row["cached_input_usd"]) / sc.requests_per_month * 1000 / 10_000
    assert cols.loc["gpt-4o", "Input per 1,000 chars"] == f"${per_k:.6f}".rstrip("0")
    rows = T.annotate_text_rows(R.chart_rows(costs, sc), plans, 10_000).set_index("label")
    assert not rows.loc["claude-haiku-4-5", "exact"] and rows.loc["claude-haiku-4-5", "shown"].endswith(" ≈")
    assert rows.loc["gpt-4o", "exact"] and not rows.loc["gpt-4o", "shown"].endswith("≈")


def test_estimated_bars_are_drawn_faded_with_their_basis_in_the_tooltip(table) -> None:
    sc = Scenario("x", models=tuple(MODELS), input_chars_per_request=10_000, input_text_kind="ja")
    rates = R.rate_table(MODELS, prices=table, as_of=AS_OF)
    plans = T.plans_for(rates.keys, "ja")
    rows = T.annotate_text_rows(R.chart_rows(T.text_costs(rates, sc, plans), sc), plans, 10_000)
    spec = C.component_chart(rows, as_of=AS_OF).to_dict()
    assert "Faded, ≈: input tokens estimated" in " ".join(spec["title"]["subtitle"])
    bars = visible(data_marks(spec)["rect"])
    faded = [b for b in bars if b.get("fill-opacity") == "0.4"]
    solid = [b for b in bars if b.get("fill-opacity") in (None, "1")]
    assert faded and solid and len(faded) + len(solid) == len(bars)
    assert all("Input tokens: ≈" in b["aria-label"] and "estimate: " in b["aria-label"] for b in faded)
    assert all("(own tokenizer)" in b["aria-label"] for b in solid)
    assert {re.search(r"Model: ([^;]+);", b["aria-label"]).group(1) for b in solid} == {"gpt-6-luna", "gpt-4o"}


# ---------------------------------------------------------------- the dashboard


def test_dashboard_describe_requests_by_text(table) -> None:
    dash = Dashboard(as_of=AS_OF, prices=table, models=tuple(MODELS))
    assert dash.describe_by.options == ("tokens", "text") and dash.describe_by.value == "tokens"
    assert dash.chars.layout.display == "none" and dash.input_tokens.layout.display is None
    before = dash.refresh_count
    dash.describe_by.value = "text"
    assert dash.refresh_count == before + 1
    assert dash.chars.layout.display is None and dash.input_tokens.layout.display == "none"
    dash.chars.value = 20_000
    dash.text_kind.value = "zh"
    sc = dash.scenario
    assert (sc.input_chars_per_request, sc.input_text_kind) == (20_000, "zh")
    want = R.ranked_table(scenario_costs(sc, prices=table, as_of=AS_OF))
    got = dash.results.ranked
    assert list(got["model"]) == list(want["model"])
    np.testing.assert_allclose(got["monthly_usd"].to_numpy(float), want["monthly_usd"].to_numpy(float), rtol=1e-12)
    assert "20,000 characters of Chinese (each model's own input tokens)" in dash.status.value
    row = re.search(r"<td>claude-haiku-4-5</td>.*?</tr>", dash.ranked_out.value).group(0)
    n = tokens_by_model(["claude-haiku-4-5"], chars=20_000, kind="zh")[0].tokens
    assert f">≈ {n:,}<" in row and 'title="estimate: o200k_base x' in row
    (records,) = dash.components_chart.spec["datasets"].values()
    assert {r["label"]: r["exact"] for r in records}["claude-haiku-4-5"] is False
    # Saved and loaded back as a scenario: the text description travels.
    dash.describe_by.value = "tokens"
    assert dash.scenario.input_chars_per_request == 0
    dash.load_scenario(sc)
    assert (dash.describe_by.value, dash.chars.value, dash.text_kind.value) == ("text", 20_000, "zh")
