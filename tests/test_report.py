"""The kernel-free report: one self-contained HTML file whose controls reprice everything in the page.

Checked as text (offline, escaped, small, labelled) and in headless Chromium with the network cut: a grid
of inputs typed into the page's controls gives the Python engine's numbers to the cent, in the ranking
table and in every chart's data; every chart draws marks from data; bad input keeps the last good numbers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from explorer import report as rep
from explorer import results as res
from explorer.cli import main
from explorer.costs import price_usage
from explorer.prices import price_history
from explorer.report import build_report, external_references
from explorer.scenarios import load_scenario, scenario_costs
from tests.browser import browser_page

TITLE = "<script>alert('x')</script> Q4 & costs"
SCENARIO = "data/scenarios/rag-long-context.yaml"
AS_OF = "2026-11-27"
# Long-context tiers (gpt-5.4 past 272k input, claude-sonnet-4-5 and gemini-2.5-pro past 200k), a model
# without a batch tier and a small window (deepseek-chat, 64k), a model without an output price
# (text-embedding-3-small), and a model priced from an override (gpt-4o).
MODELS = ["gpt-5.4", "claude-sonnet-4-5", "gemini-2.5-pro", "deepseek-chat", "gpt-5-mini", "text-embedding-3-small",
          "gpt-4o"]
OVERRIDES = "model,input_usd_per_mtok,output_usd_per_mtok,note\ngpt-4o,1.1,3.3,negotiated\n"
LABELS = {
    "input": "Input tokens per request",
    "output": "Output tokens per request",
    "requests": "Requests per month",
    "cached": "Cached share of input",
    "batch": "Share of traffic on batch",
}


@pytest.fixture(scope="module")
def overrides(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("overrides") / "ov.csv"
    path.write_text(OVERRIDES, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, overrides: Path) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    build_report(out, scenario_file=SCENARIO, models=MODELS, as_of=AS_OF, title=TITLE, overrides=overrides)
    return out


@pytest.fixture(scope="module")
def table(overrides: Path) -> pd.DataFrame:
    return price_history(overrides=overrides)


# --------------------------------------------------------------------------------------------------
# The file


def test_self_contained_small_and_kernel_free(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert external_references(text) == []
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    assert "cdn.jsdelivr" not in text and "cdnjs" not in text and "unpkg" not in text
    assert report.stat().st_size <= 3_000_000
    # one inlined Vega bundle, the engine's data, the specs of 4 live and 3 static charts, the script
    assert text.count("vegaEmbed") >= 2 and 'id="engine-data"' in text
    specs = json.loads(_script_json(text, "live-specs"))
    assert set(specs) == set(rep.LIVE_CHARTS)
    assert all(list(s["datasets"]) == [rep.DATASET] for s in specs.values())
    assert len(json.loads(_script_json(text, "static-specs"))) == 3
    assert "papermill" not in text and "jupyter" not in text.lower()


def _script_json(text: str, ident: str) -> str:
    m = re.search(rf'<script type="application/json" id="{ident}">(.*?)</script>', text, re.S)
    assert m, ident
    return m.group(1)


def test_reads_as_a_report(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    for heading in ("Monthly cost per model", "What each model's cost is made of", "Cost curves",
                    "How far the budget goes", "Projection", "Where the cheapest model changes", "Assumptions",
                    "What is estimated", "Where each price comes from"):
        assert f">{heading}</h2>" in text or f">{heading}</h3>" in text, heading
    assert "prices in force on <b>2026-11-27</b>" in text
    # provenance: every model's price source, the override named as such
    assert "<b>gpt-5.4</b>: genai-prices" in text
    assert re.search(r"<b>gpt-4o</b>: override \S*ov\.csv line 2: negotiated; unverified \(your override\); "
                     r"deprecated 2026-10-14, shuts down 2027-01-14; context window [\d,]+ tokens; "
                     r"override prices</li>", text)
    # Every footnote says whether the price was verified, and where the model is in its lifecycle that day.
    assert re.search(r"<b>gpt-5-mini</b>: genai-prices [\d.]+; unverified; deprecated 2026-06-11, shuts down "
                     r"2026-12-11; context window", text)
    assert re.search(r"<b>gpt-5.4</b>: genai-prices [\d.]+; unverified; on sale since 2026-03-05;", text)


def test_untrusted_title_is_escaped(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert "<script>alert('x')</script>" not in text
    assert re.search(r"<h1>&lt;script&gt;alert\((&#x27;|')x(&#x27;|')\)&lt;/script&gt; Q4 &amp; costs</h1>", text)
    assert "<title>&lt;script&gt;" in text


def test_json_in_script_cannot_close_the_element() -> None:
    text = rep._json_for_script({"label": "</script><img src=x onerror=alert(1)> & co"})
    assert "</script>" not in text and "<" not in text and "&" not in text
    assert json.loads(text) == {"label": "</script><img src=x onerror=alert(1)> & co"}


def test_each_control_has_a_label_naming_it(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    for name in LABELS.values():
        m = re.search(rf'<label for="([a-z-]+)">{re.escape(name)}</label>', text)
        assert m, name
        assert f'id="{m.group(1)}"' in text
    assert "<legend>Models</legend>" in text
    for i, model in enumerate(MODELS):
        assert f'<label for="model-{i}">{model}</label>' in text


def test_engine_data_is_the_rate_table(report: Path, table: pd.DataFrame, overrides: Path) -> None:
    data = json.loads(_script_json(report.read_text(encoding="utf-8"), "engine-data"))
    rates = res.rate_table(MODELS, prices=table, as_of=AS_OF)
    assert [m["label"] for m in data["models"]] == list(rates.labels)
    for i, m in enumerate(data["models"]):
        back_thr = [[math.inf if v is None else v for v in tier] for tier in m["thresholds"]]
        assert back_thr == rates.thresholds_tokens[i].tolist()
        back = [[[math.nan if v is None else v for v in slot] for slot in tier] for tier in m["rates"]]
        np.testing.assert_array_equal(np.array(back, dtype=float), rates.usd_per_mtok[i])
        assert m["offered"] == rates.offered[i].tolist()
        assert m["price_source"] == rates.price_source[i]
    assert data["models"][MODELS.index("gpt-4o")]["is_override"][0] is True


def test_refuses_a_page_that_loads_from_another_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "r.html"
    out.write_text("old", encoding="utf-8")
    real = rep.render
    monkeypatch.setattr(rep, "render", lambda r: real(r).replace("</body>", '<img src="https://x.example/p.gif"></body>'))
    with pytest.raises(ValueError, match="another host"):
        build_report(out)
    assert out.read_text(encoding="utf-8") == "old"
    monkeypatch.setattr(rep, "render", real)
    monkeypatch.setattr(rep, "MAX_BYTES", 1000)
    with pytest.raises(ValueError, match="over the 0 MB limit; not written"):
        build_report(out)
    assert out.read_text(encoding="utf-8") == "old"
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_bad_input_fails_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    with pytest.raises(ValueError, match="unknown model 'gpt-4x'; closest known"):
        build_report(out, models=["gpt-4x"])
    with pytest.raises(ValueError, match=r"no/such\.yaml"):
        build_report(out, scenario_file="no/such.yaml")
    with pytest.raises(ValueError, match="directory does not exist"):
        build_report(tmp_path / "missing" / "r.html")
    assert not out.exists()


def test_cli_writes_the_report(capsys, tmp_path: Path, overrides: Path) -> None:
    out = tmp_path / "r.html"
    assert main(["report", "--scenario", "data/scenarios/support-chatbot.yaml", "--model", "gpt-4o", "--model", "gpt-5-mini",
                 "--overrides", str(overrides), "--title", "T", "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "<h1>T</h1>" in text
    assert re.search(r"<b>gpt-4o</b>: override \S*ov\.csv line 2: negotiated", text)


def test_cli_bad_input_exit_2(capsys, tmp_path: Path) -> None:
    assert main(["report", "--model", "gpt-4x", "--out", str(tmp_path / "r.html"), "--quiet"]) == 2
    assert "gpt-4x" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------------
# In Chromium, no kernel, network cut


@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[Any, Any]]:
    with browser_page({"width": 1280, "height": 1000}) as (page, watch):
        yield page, watch
    assert watch.external == [], watch.external
    assert watch.console_errors == [] and watch.page_errors == [], (watch.console_errors, watch.page_errors)


def _open(page: Any, report: Path) -> None:
    page.goto(report.as_uri())
    page.wait_for_function("window.costExplorer !== undefined", timeout=30_000)
    page.evaluate("window.costExplorer.ready.then(() => window.costExplorer.flush()).then(() => true)")


def _settle(page: Any) -> None:
    """Recompute from the controls and bring every chart up to date, scrolled into view or not."""
    page.evaluate("window.costExplorer.update().then(() => window.costExplorer.flush()).then(() => true)")


def _table(page: Any) -> list[list[str]]:
    return page.eval_on_selector_all(
        "#ranking tbody tr", "trs => trs.map(tr => Array.from(tr.children).map(td => td.textContent))")


def _view_rows(page: Any, chart: str) -> list[dict[str, Any]]:
    return page.evaluate(
        "([c, d]) => window.costExplorer.views[c].data(d).map(r => Object.fromEntries("
        "Object.entries(r).filter(([k]) => !k.startsWith('Symbol'))))", [chart, rep.DATASET])


def _set(page: Any, *, models: list[str] | None = None, **values: str) -> None:
    if models is not None:
        for m in MODELS:
            page.get_by_label(m, exact=True).set_checked(m in models)
    for key, text in values.items():
        page.get_by_label(LABELS[key], exact=True).fill(text)
    _settle(page)


GRID = [
    # (models, input, output, requests, cached %, batch %) as typed
    (MODELS, "300,000", "2000", "1000", "0", "0"),  # past every long-context threshold; claude's window exceeded
    (MODELS, "272000", "1200", "5000", "25", "0"),  # exactly at gpt-5.4's threshold: still the base rate
    (MODELS, "272001", "1200", "5000", "25", "50"),  # one token past it, half the traffic on batch
    (MODELS, "200001", "4096", "1.5", "37.5", "100"),  # all batch: deepseek-chat has none (note)
    (MODELS, "5", "0", "12,345,678", "50", "12.5"),  # 2.5 cached tokens round to 2 (half to even); no output
    (["deepseek-chat", "gpt-5.4", "gpt-4o"], "64001", "1", "0", "99.9", "33.3"),  # deepseek's 64k window
    (["gemini-2.5-pro", "gpt-4o"], "199999", "300", "250000", "60", "0"),
]


def _python(table: pd.DataFrame, models: list[str], inp: str, out: str, requests: str, cached: str,
            batch: str) -> tuple[Any, pd.DataFrame]:
    num = lambda s: float(s.replace(",", ""))  # noqa: E731
    scenario = load_scenario(SCENARIO).replace(
        input_tokens_per_request=int(num(inp)), output_tokens_per_request=int(num(out)),
        requests_per_month=num(requests), cached_input_share=num(cached) / 100, batch_share=num(batch) / 100,
    )
    chosen = [m for m in MODELS if m in models]
    return scenario, scenario_costs(scenario, chosen, prices=table, as_of=AS_OF)


def _close(a: Any, b: Any, *, cent: bool) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return False
    return abs(a - b) < 0.005 if cent else math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.browser
def test_grid_of_inputs_equals_the_engine_to_the_cent(browser, report: Path, table: pd.DataFrame) -> None:
    page, _ = browser
    _open(page, report)
    for case in GRID:
        models, inp, out, requests, cached, batch = case
        _set(page, models=models, input=inp, output=out, requests=requests, cached=cached, batch=batch)
        scenario, costs = _python(table, *case)
        ranked = res.ranked_table(costs)
        # The table, as text: every cell formatted as explorer.fmt does, notes included.
        assert _table(page) == rep.ranking_cells(ranked), case
        # The numbers behind it.
        js = page.evaluate("window.costExplorer.state.result.ranked")
        assert [r["model"] for r in js] == ranked["model"].tolist()
        for r, (_, p) in zip(js, ranked.iterrows(), strict=True):
            assert _close(r["monthly_usd"], p["monthly_usd"], cent=True), (case, r["model"])
            assert _close(r["cost_per_request_usd"], p["cost_per_request_usd"], cent=False), (case, r["model"])
        # Every chart's data: one row per priced model, equal to chart_rows.
        expected = res.chart_rows(costs, scenario)
        for chart in rep.LIVE_CHARTS:
            rows = _view_rows(page, chart)
            want = expected
            if chart in ("curves", "budget"):
                want = expected[expected["cost_per_request_usd"] > 0]
            assert [r["shown"] for r in rows] == want["shown"].tolist(), (case, chart)
            for r, (_, p) in zip(rows, want.iterrows(), strict=True):
                for col in ("monthly_usd", "input_usd", "cached_input_usd", "output_usd", "reasoning_usd"):
                    assert _close(r[col], p[col], cent=True), (case, chart, col)
                assert _close(r["cost_per_request_usd"], p["cost_per_request_usd"], cent=False)
                assert (r["fits"], r["cheapest"], r["prices"]) == (p["fits"], p["cheapest"], p["prices"])
                assert (r["requests_per_month"], r["budget_usd"]) == (p["requests_per_month"], p["budget_usd"])


@pytest.mark.browser
def test_long_context_request_equals_price_usage(browser, report: Path, table: pd.DataFrame) -> None:
    """One request past gpt-5.4's 272k threshold, priced by the cost engine directly."""
    page, _ = browser
    _open(page, report)
    _set(page, models=MODELS, input="300000", output="2000", requests="1000", cached="30", batch="40")
    usage = pd.DataFrame([
        {"model": "gpt-5.4", "input_tokens": 300_000, "output_tokens": 2000, "cached_input_tokens": 90_000,
         "service_tier": tier} for tier in ("standard", "batch")])
    priced = price_usage(usage, prices=table, as_of=AS_OF)
    per_request = 0.6 * priced["total_usd"].iloc[0] + 0.4 * priced["total_usd"].iloc[1]
    def gpt_54() -> dict[str, Any]:
        return next(r for r in page.evaluate("window.costExplorer.state.result.costs") if r["label"] == "gpt-5.4")

    row = gpt_54()
    assert row["cost_per_request_usd"] == pytest.approx(per_request, rel=1e-12)
    assert abs(row["monthly_usd"] - per_request * 1000) < 0.005
    # Past the threshold the whole request pays the long-context rates: more than proportionally dearer.
    _set(page, input="272000")
    assert row["cost_per_request_usd"] > gpt_54()["cost_per_request_usd"] * 300_000 / 272_000 * 1.2


_MARKS = """([c, kind]) => {
  // Data marks (role "mark", not axes, legends, titles or the frame) of a chart's Vega scenegraph whose
  // items are drawn with a size and not fully transparent; live charts paint on canvas, so this reads what
  // was drawn from the scenegraph, the same for SVG and canvas.
  const out = {};
  const walk = node => (node.items || []).forEach(item => {
    if (item.marktype) {
      if (item.role === "mark" && item.marktype !== "group") {
        const shown = item.items.filter(i => i.bounds && i.opacity !== 0 &&
          (i.bounds.x2 - i.bounds.x1 > 0 || i.bounds.y2 - i.bounds.y1 > 0));
        out[item.marktype] = (out[item.marktype] || []).concat(shown.map(i => i[kind]));
      }
    }
    walk(item);
  });
  walk(window.costExplorer.views[c].scenegraph().root);
  return out;
}"""


def _marks(page: Any, chart: str) -> dict[str, int]:
    """Visible data marks per mark type in one chart."""
    return {k: len(v) for k, v in page.evaluate(_MARKS, [chart, "x"]).items()}


def _budget_heads(page: Any) -> list[float]:
    return page.evaluate(_MARKS, ["budget", "x"]).get("symbol", [])


@pytest.mark.browser
def test_every_chart_draws_marks_from_data(browser, report: Path) -> None:
    page, _ = browser
    _open(page, report)
    n_priced = len(_view_rows(page, "components"))
    assert n_priced == 6  # the embedding model has no output price: no row
    marks = {c: _marks(page, c) for c in (*rep.LIVE_CHARTS, "crossover-output-share", "crossover-cached-share",
                                          "crossover-input-tokens")}
    assert marks["components"]["rect"] >= n_priced, marks  # a bar (or more) per model
    assert marks["curves"]["line"] >= 2 * n_priced, marks  # a line of points per model
    assert marks["projection"]["line"] == 12 * n_priced, marks
    assert marks["budget"]["rule"] == marks["budget"]["symbol"] == marks["budget"]["text"] == n_priced, marks
    for c in ("crossover-output-share", "crossover-cached-share", "crossover-input-tokens"):
        assert marks[c].get("line", 0) >= 2 * len(MODELS) - 2, (c, marks[c])
    # the static charts are SVG: their marks are in the page too
    assert page.locator("#chart-crossover-input-tokens svg g.mark-line.role-mark > path").count() >= n_priced
    # marks follow the data: a model fewer, a lollipop fewer; a bigger budget moves them right
    before = _budget_heads(page)
    _set(page, models=MODELS[:3] + MODELS[4:5] + MODELS[6:])
    assert len(_budget_heads(page)) == n_priced - 1
    _set(page, models=MODELS[:2] + MODELS[4:5] + MODELS[6:])
    assert len(_budget_heads(page)) == n_priced - 2
    assert _marks(page, "projection")["line"] == 12 * (n_priced - 2)
    page.get_by_label("Monthly budget", exact=True).fill("200000")
    _settle(page)
    after = _budget_heads(page)
    assert len(after) == n_priced - 2 and min(after) > min(before)
    # no budget: the chart says so instead of drawing an empty frame
    page.get_by_label("Monthly budget", exact=True).fill("")
    _settle(page)
    assert _budget_heads(page) == []
    assert "Set a monthly budget" in " ".join(page.evaluate(_MARKS, ["budget", "text"]).get("text", []))


@pytest.mark.browser
def test_controls_are_labelled_and_bad_input_keeps_the_last_good_numbers(browser, report: Path) -> None:
    page, _ = browser
    _open(page, report)
    for name in LABELS.values():
        box = page.get_by_label(name, exact=True)
        assert box.count() == 1 and box.evaluate("el => el.tagName") == "INPUT"
    group = page.get_by_role("group", name="Models")
    assert group.get_by_role("checkbox").count() == len(MODELS)
    assert all(group.get_by_role("checkbox").nth(i).is_checked() for i in range(len(MODELS)))
    _set(page, input="1000", output="100", requests="1000", cached="0", batch="0")
    good = _table(page)
    cases = [
        ("input", "-5", "Input tokens per request: must be 0 or more"),
        ("input", "", "Input tokens per request: enter a number"),
        ("output", "lots", "Output tokens per request: \u201clots\u201d is not a number"),
        ("input", "12.5", "Input tokens per request: enter a whole number of tokens"),
        ("requests", "1e99", "Requests per month: implausibly large"),
        ("cached", "150", "Cached share of input: must be between 0 and 100%"),
        ("batch", "-1", "Share of traffic on batch: must be 0 or more"),
    ]
    for key, text, message in cases:
        box = page.get_by_label(LABELS[key], exact=True)
        before = box.input_value()
        box.fill(text)
        _settle(page)
        err = page.locator(f"#{box.get_attribute('id')}-error")
        assert err.inner_text().startswith(message), (key, text, err.inner_text())
        assert err.is_visible() and box.get_attribute("aria-invalid") == "true"
        assert page.locator("#stale").is_visible()
        assert _table(page) == good, (key, text)
        box.fill(before)
        _settle(page)
        assert err.inner_text() == "" and box.get_attribute("aria-invalid") == "false"
    _set(page, models=MODELS[:1])
    one = _table(page)
    assert len(one) == 1
    page.get_by_label(MODELS[0], exact=True).set_checked(False)
    _settle(page)
    assert page.locator("#models-error").inner_text() == "Models: choose at least one"
    assert _table(page) == one
    page.get_by_role("button", name="Back to the scenario").click()
    _settle(page)
    assert not page.locator("#stale").is_visible()
    assert page.get_by_label(LABELS["input"], exact=True).input_value() == "60,000"
    assert len(_table(page)) == len(MODELS)


@pytest.mark.browser
def test_longer_labels_are_not_clipped(browser, report: Path) -> None:
    """A change that lengthens axis labels ("(too long)") re-lays the chart out instead of clipping them."""
    page, _ = browser
    _open(page, report)
    leftmost = """() => { const v = window.costExplorer.views.components; const xs = [];
      const walk = n => (n.items || []).forEach(it => {
        if (it.marktype === 'text' && it.role === 'axis-label') it.items.forEach(i => xs.push(i.bounds.x1));
        walk(it); });
      walk(v.scenegraph().root);
      return [v.origin()[0] + Math.min(...xs), xs.join()]; }"""
    _set(page, input="1000")
    assert page.evaluate(leftmost)[0] >= 0
    _set(page, input="300000")
    x, labels = page.evaluate(leftmost)
    assert x >= 0 and "(too long)" in " ".join(r["shown"] for r in _view_rows(page, "components")), labels


@pytest.mark.browser
def test_charts_out_of_view_update_when_scrolled_to(browser, report: Path) -> None:
    page, _ = browser
    _open(page, report)
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_label(LABELS["requests"], exact=True).fill("777")
    page.evaluate("window.costExplorer.update().then(() => true)")
    # the table follows at once; the projection, far below, waits until it is scrolled to
    assert page.evaluate("window.costExplorer.state.result.scenario.requests_per_month") == 777
    assert "projection" in page.evaluate("Object.keys(window.costExplorer.pending)")
    assert {r["requests_per_month"] for r in _view_rows(page, "projection")} != {777}
    page.locator("#chart-projection").scroll_into_view_if_needed()
    page.wait_for_function("!('projection' in window.costExplorer.pending)", timeout=10_000)
    page.wait_for_function(
        "window.costExplorer.views.projection.data('rows').every(r => r.requests_per_month === 777)", timeout=10_000)


@pytest.mark.browser
def test_money_and_shares_are_written_as_explorer_fmt_writes_them(browser, report: Path) -> None:
    from explorer import fmt

    page, _ = browser
    _open(page, report)
    amounts = [0.0, 1.0, 1.125, 1.135, 2.675, 1234.565, 0.125, 0.0075, 0.9999995, 0.1 + 0.2, 2.5e-06, 1e-06,
               9.99e-07, 2.5e-07, 123456789.005, -3.14159, 0.000001234, 1e15]
    js = page.evaluate("xs => xs.map(x => window.costExplorer.format.usd(x))", amounts)
    assert js == [fmt.usd(x) for x in amounts]
    shares = [0.125, 0.135, 0.005, 0.333333, 0.995, 1.0, 0.0, 0.0049, 0.5]
    js = page.evaluate("xs => xs.map(x => window.costExplorer.format.pct(x))", shares)
    assert js == [fmt.pct(x) for x in shares]
    assert page.evaluate("window.costExplorer.format.fixed(2.675, 2)") == f"{2.675:.2f}"


SCENARIOS = sorted(Path("data/scenarios").glob("*.yaml"))


@pytest.mark.browser
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_reprices_like_the_engine(browser, path: Path, tmp_path: Path) -> None:
    """Reasoning tokens, flex and priority shares, generated images, all-batch traffic: as each scenario
    opens, and with a long prompt and half the traffic on batch typed in."""
    page, _ = browser
    out = tmp_path / "r.html"
    build_report(out, scenario_file=path)
    _open(page, out)
    base = load_scenario(path)
    table = price_history()
    day = base.as_of
    for changes in ({}, {"input": "300,000", "batch": "50"}):
        for key, text in changes.items():
            page.get_by_label(LABELS[key], exact=True).fill(text)
        _settle(page)
        scenario = base.replace(**({"input_tokens_per_request": 300_000, "batch_share": 0.5} if changes else {}))
        costs = scenario_costs(scenario, list(base.models), prices=table, as_of=day)
        assert _table(page) == rep.ranking_cells(res.ranked_table(costs)), (path.name, changes)
        rows = _view_rows(page, "projection")
        want = res.chart_rows(costs, scenario)
        assert [r["shown"] for r in rows] == want["shown"].tolist()
        assert all(_close(r["monthly_usd"], w, cent=True) for r, w in zip(rows, want["monthly_usd"], strict=True))
    if base.reasoning_tokens_per_request:
        box = page.get_by_label(LABELS["output"], exact=True)
        box.fill(str(base.reasoning_tokens_per_request - 1))
        _settle(page)
        assert page.locator("#output-tokens-error").inner_text() == (
            f"Output tokens per request: must be at least the scenario's {base.reasoning_tokens_per_request:,} "
            "reasoning tokens")
    if base.flex_share + base.priority_share:
        page.get_by_label(LABELS["batch"], exact=True).fill("95")
        _settle(page)
        assert "add up to over 100%" in page.locator("#batch-share-error").inner_text()


@pytest.mark.browser
def test_a_hostile_model_name_stays_text(browser, tmp_path: Path) -> None:
    """Model names reach the page in HTML, in JSON inside <script> and through the script: text everywhere."""
    import dataclasses

    page, watch = browser
    evil = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"
    r = rep.prepare(models=["gpt-4o", "gpt-5-mini"], as_of=AS_OF)
    first = r.rates.labels[0]
    r = dataclasses.replace(
        r, rates=dataclasses.replace(r.rates, labels=(evil, *r.rates.labels[1:])),
        costs=r.costs.assign(label=r.costs["label"].replace({first: evil})))
    text = rep.render(r)
    assert "<img src=x" not in text and "<script>alert" not in text and "&lt;img src=x" in text
    out = tmp_path / "evil.html"
    out.write_text(text, encoding="utf-8")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _open(page, out)
    _set(page, input="2000")
    assert page.locator("label[for=model-0]").inner_text() == evil
    assert evil in [row[1] for row in _table(page)]
    assert page.locator("#ranking img, .controls img").count() == 0
    assert dialogs == [] and watch.page_errors == []


# --------------------------------------------------------------------------------------------------
# Requests described by text: each model's own input tokens, counted in the page


TEXT_LABELS = {"describe": "Describe requests by", "chars": "Characters per request", "kind": "Kind of text"}


def test_text_controls_are_labelled_and_plans_inlined(report: Path) -> None:
    from explorer import families
    from explorer import text_costs as T

    text = report.read_text(encoding="utf-8")
    for name in TEXT_LABELS.values():
        m = re.search(rf'<label for="([a-z-]+)">{re.escape(name)}</label>', text)
        assert m and f'id="{m.group(1)}"' in text, name
    data = json.loads(_script_json(text, "engine-data"))
    keys = [(m["provider"], m["model"]) for m in data["models"]]
    for kind in families.KINDS:
        for m, plan in zip(data["models"], T.plans_for(keys, kind), strict=True):
            t = m["text"]
            assert (t["per_kchar"][kind], t["ratio"][kind], t["own"]) == (plan.per_kchar, plan.ratio, plan.own)
            assert (t["low"], t["high"], t["method"][kind]) == (plan.factor_low, plan.factor_high, plan.method)
    assert [k for k, _ in data["kinds"]] == list(families.KINDS)


TEXT_GRID = [
    # (models, characters, kind, output, requests, cached %, batch %)
    (MODELS, "4,000", "en", "500", "100000", "0", "0"),
    (MODELS, "250,000", "ja", "2000", "1000", "25", "50"),  # past long-context thresholds on some models only
    (["claude-sonnet-4-5", "gpt-5.4", "deepseek-chat"], "77", "code", "0", "12,345", "60", "100"),
]


@pytest.mark.browser
def test_text_workload_equals_the_engine(browser, report: Path, table: pd.DataFrame) -> None:
    from explorer import text_costs as T

    page, _ = browser
    _open(page, report)
    assert page.locator("#text-tokens").is_hidden() and page.get_by_label(TEXT_LABELS["chars"]).is_hidden()
    page.get_by_label(TEXT_LABELS["describe"], exact=True).select_option("text")
    assert page.get_by_label(TEXT_LABELS["chars"], exact=True).is_visible()
    assert page.get_by_label(LABELS["input"], exact=True).is_hidden()
    for models, chars, kind, out, requests, cached, batch in TEXT_GRID:
        page.get_by_label(TEXT_LABELS["chars"], exact=True).fill(chars)
        page.get_by_label(TEXT_LABELS["kind"], exact=True).select_option(kind)
        _set(page, models=models, output=out, requests=requests, cached=cached, batch=batch)
        scenario, _ = _python(table, models, "1000", out, requests, cached, batch)
        scenario = scenario.replace(input_chars_per_request=int(chars.replace(",", "")), input_text_kind=kind)
        chosen = [m for m in MODELS if m in models]
        costs = scenario_costs(scenario, chosen, prices=table, as_of=AS_OF)
        ranked = res.ranked_table(costs)
        keys = [res.rate_table([m], prices=table, as_of=AS_OF).keys[0] for m in chosen]
        plans = T.plans_for(keys, kind)
        assert _table(page) == rep.text_ranking_cells(ranked, plans), (chars, kind)
        js = page.evaluate("window.costExplorer.state.result.ranked")
        for r, (_, p) in zip(js, ranked.iterrows(), strict=True):
            assert _close(r["monthly_usd"], p["monthly_usd"], cent=True), (chars, kind, r["model"])
        # The token table: each model's own count ("≈" before an estimate) and its input cost per 1,000 chars.
        shown = page.eval_on_selector_all(
            "#text-tokens tbody tr", "trs => trs.map(tr => Array.from(tr.children).map(td => td.textContent))")
        cols = T.text_columns(costs, plans, scenario)
        assert [[r[0], r[1], r[3]] for r in shown] == [
            [m, cols.at[m, "Input tokens"][0], cols.at[m, "Input per 1,000 chars"]] for m in ranked["model"]]
        estimated = [p.label for p in plans if not p.own]
        assert estimated and all(r[2].startswith("estimate: ") for r in shown if r[0] in estimated)
        # The charts' rows: "≈" and faded for estimates, the count and its basis in the tooltip, as in Python.
        want = T.annotate_text_rows(res.chart_rows(costs, scenario), plans, scenario.input_chars_per_request)
        got = _view_rows(page, "components")
        assert [(r["shown"], r["tokens"], r["exact"]) for r in got] == list(
            zip(want["shown"], want["tokens"], want["exact"], strict=True))
        assert any(not r["exact"] for r in got) and any(r["exact"] for r in got)
    page.get_by_label(TEXT_LABELS["describe"], exact=True).select_option("tokens")
    _settle(page)
    assert page.locator("#text-tokens").is_hidden() and page.get_by_label(LABELS["input"], exact=True).is_visible()
    assert page.evaluate("window.costExplorer.state.result.scenario.input_chars_per_request") == 0
