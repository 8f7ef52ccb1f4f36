"""The kernel-free report's "Costs as ranges" section, in headless Chromium with the network cut: the page's
p10 / p50 / p90 equal explorer.ranges.cost_ranges for the same inputs wherever the page says they are the
engine's own (the volume, the budget and the models checked changed), and the page says "approximation"
where they are not."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from explorer import range_results as rr
from explorer import ranges, results
from explorer.prices import price_history
from explorer.report import build_report, ranges_data
from explorer.scenarios import load_scenario
from tests.browser import browser_page

SCENARIO = "data/scenarios/reasoning-agent.yaml"
AS_OF = "2026-11-27"
MODELS = ["gpt-5.4", "claude-sonnet-4-5", "gemini-2.5-pro", "deepseek-chat", "gpt-5-mini", "o3"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    build_report(out, scenario_file=SCENARIO, models=MODELS, as_of=AS_OF)
    return out


@pytest.fixture(scope="module")
def page(report: Path) -> Iterator[Any]:
    with browser_page({"width": 1280, "height": 1000}) as (pg, watch):
        pg.goto(report.as_uri())
        pg.wait_for_function("window.costExplorer !== undefined && window.costExplorer.ranges !== undefined",
                             timeout=30_000)
        pg.evaluate("window.costExplorer.ready.then(() => window.costExplorer.ranges.ready).then(() => true)")
        yield pg
    assert watch.external == [], watch.external
    assert watch.console_errors == [] and watch.page_errors == [], (watch.console_errors, watch.page_errors)


def _set(page: Any, *, spread: str, requests: str, models: list[str] | None = None, **boxes: str) -> None:
    page.select_option("#spread", spread)
    for m in MODELS:
        page.get_by_label(m, exact=True).set_checked(models is None or m in models)
    page.get_by_label("Requests per month", exact=True).fill(requests)
    for label, text in boxes.items():
        page.get_by_label(label, exact=True).fill(text)
    page.evaluate("window.costExplorer.update().then(() => window.costExplorer.ranges.render()).then(() => true)")


def _python(spread: str, requests: float, models: list[str]) -> dict[str, tuple[float, float, float]]:
    table = price_history()
    sc = rr.with_spread(load_scenario(SCENARIO).replace(requests_per_month=requests), *rr.SPREAD_PRESETS[spread])
    rates = results.rate_table(MODELS, prices=table, as_of=AS_OF)
    got = ranges.cost_ranges(rates, sc).table.dropna(subset=["rank"])
    return {r.label: (r.p10_usd, r.p50_usd, r.p90_usd) for r in got.itertuples() if r.label in models}


@pytest.mark.parametrize(("spread", "requests", "models"), [
    ("medium", "5,000", MODELS),
    ("high", "250000", MODELS),
    ("low", "1001", ["o3", "gpt-5-mini"]),
    ("none", "42,000", MODELS),
])
def test_page_bands_equal_cost_ranges(page: Any, spread: str, requests: str, models: list[str]) -> None:
    _set(page, spread=spread, requests=requests, models=models)
    want = _python(spread, float(requests.replace(",", "")), models)
    rows = page.evaluate("window.costExplorer.ranges.rows()")
    assert [r["label"] for r in rows] == sorted(want, key=lambda k: (want[k][1], k))
    for r in rows:
        for got, exp in zip((r["p10"], r["p50"], r["p90"]), want[r["label"]], strict=True):
            assert math.isclose(got, exp, rel_tol=1e-9), (spread, requests, r["label"], got, exp)
    assert page.evaluate("window.costExplorer.ranges.state.exact") is True
    assert "the engine's own figures" in page.inner_text("#ranges-note")
    # The table shows the same figures as explorer.fmt writes them.
    cells = page.eval_on_selector_all("#ranges tbody tr", "trs => trs.map(tr => Array.from(tr.children).map(td => "
                                      "td.textContent))")
    from explorer import fmt

    assert cells == [[str(k + 1), r["label"], fmt.usd(r["p10"]), fmt.usd(r["p50"]), fmt.usd(r["p90"])]
                     for k, r in enumerate(rows)]
    if spread != "none":
        assert all(r["p10"] < r["p50"] < r["p90"] for r in rows)
    # The chart's view holds the same rows (those it can draw on a log scale).
    drawn = page.evaluate("window.costExplorer.views.ranges === undefined")
    assert drawn  # the range chart is the section's own view, not one of the ranking's
    shown = page.evaluate("""() => document.querySelector('#chart-ranges canvas') !== null""")
    assert shown


def test_other_request_shapes_are_flagged_as_approximate(page: Any) -> None:
    _set(page, spread="medium", requests="5000", **{"Input tokens per request": "1234"})
    assert page.evaluate("window.costExplorer.ranges.state.exact") is False
    assert "approximation" in page.inner_text("#ranges-note")
    _set(page, spread="medium", requests="500")  # few requests: the engine sums them one by one
    assert "approximation" in page.inner_text("#ranges-note")


def test_ranges_data_lists_every_preset() -> None:
    from explorer.report import prepare

    data = ranges_data(prepare(scenario_file=SCENARIO, models=MODELS, as_of=AS_OF))
    assert set(data["options"]) == set(rr.SPREAD_PRESETS) and data["default"] == "medium"
    none = data["options"]["none"]["models"]
    assert all(m is None or (math.isclose(m["mean"], 1.0, rel_tol=1e-9) and m["sd"] < 1e-9) for m in none)
    assert any(m is not None for m in none)
