"""End to end, in Debian's Chromium with the network refused: the Voila app reacts to its controls with
exactly the numbers the Python API gives, and JupyterLab (as `make lab` runs it) renders the main
notebook's charts offline. Both save screenshots under build/screenshots (never a tracked file: `make
screenshots` copies them to docs/ deliberately), and a blank screenshot fails."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from explorer import paths, serve
from explorer.widgets import Dashboard, ranked_html
from tests import browser
from tests.browser import browser_page, require_chromium, start_server, stop_server
from tests.png import busy_share

pytestmark = pytest.mark.browser
SHOTS = paths.REPO_DIR / "build" / "screenshots"
AS_OF = "2026-11-27"
LABELS = ("Models", "Input tokens per request", "Output tokens per request", "Requests per month",
          "Cached share of input")
MIN_BUSY = 0.04
"""Least share of non-background pixels a screenshot of the dashboard has (a blank page: about 0.01)."""


_MARKS = """least => {
  // Data marks of the charts on screen (a hidden tab's charts measure 0 x 0): lines, bars, points, text.
  const marks = Array.from(document.querySelectorAll('.vega-embed svg g.role-mark > *')).filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 || r.height > 0;
  });
  return marks.length >= least;
}"""


def _in_view(page, selector: str) -> bool:
    return bool(page.evaluate(
        """sel => Array.from(document.querySelectorAll(sel)).some(e => {
               const r = e.getBoundingClientRect();
               return r.width > 0 && r.height > 0 && r.top < innerHeight && r.bottom > 0; })""",
        selector,
    ))


def _start(cmd: list[str], url: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = serve.server_env()
    env["EXPLORER_HOME"] = str(tmp_path / "home")
    return start_server(cmd, url, env=env, cwd=paths.REPO_DIR, log=tmp_path / "server.log", timeout_s=120)


@pytest.fixture
def voila(tmp_path: Path) -> Iterator[str]:
    require_chromium()
    token = secrets.token_hex(12)
    port = browser.free_port(8866)
    url = f"http://127.0.0.1:{port}/?token={token}"
    proc = _start(serve.voila_command(port=port, token=token), f"http://127.0.0.1:{port}/login", tmp_path)
    try:
        yield url
    finally:
        stop_server(proc)


def _ranked_rows(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "table.explorer-ranked tbody tr", "trs => trs.map(tr => Array.from(tr.cells).map(td => td.innerText.trim()))"
    )


def _expected_rows(ranked) -> list[list[str]]:
    """The ranking table's cells as text: ``ranked`` (a frame, rendered by ranked_html) or the HTML itself."""
    import html as _html

    page = ranked if isinstance(ranked, str) else ranked_html(ranked)
    text = re.sub(r"<[^>]+>", "\t", page)
    rows = []
    for tr in page.split("<tr")[2:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        rows.append([_html.unescape(re.sub(r"<[^>]+>", "", c)).replace("\u00a0", " ").strip() for c in cells])
    assert text
    return rows


def _chart_totals(page) -> dict[str, str]:
    labels = page.eval_on_selector_all(
        ".vega-embed svg [aria-label]", "els => els.map(e => e.getAttribute('aria-label'))")
    out = {}
    for label in labels:
        m = re.search(r"Model: ([^;]+);.*Total \(USD/month\): (\$[\d,.]+)", label)
        if m:
            out[m.group(1)] = m.group(2)
    return out


_BANDS = """() => {
  // The Ranges tab's bands: shaded areas (cost curves, projection) and p10-p90 error bars, on screen.
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 || r.height > 0; };
  const areas = Array.from(document.querySelectorAll('.vega-embed svg g.mark-area path')).filter(shown);
  const bars = Array.from(document.querySelectorAll('.vega-embed svg [aria-roledescription="errorbar"]')).filter(shown);
  return {areas: areas.map(e => e.getAttribute('d') || ''), bars: bars.map(e => e.getAttribute('aria-label') || '')};
}"""


def _check_ranges_tab(page, dash: Dashboard) -> None:
    """The Ranges tab draws a p10-p90 bar per model with the figures Python computes, and the bands."""
    page.get_by_role("tab", name="Ranges").click()
    dash.tabs.selected_index = dash.views.index(dash.ranges_view)
    table = dash.ranges_view.result.table.dropna(subset=["rank"])
    want = {str(r.label): f"p90 (USD/month): ${r.p90_usd:,.2f}" for r in table.itertuples()}
    deadline = time.monotonic() + 60
    seen: dict[str, list[str]] = {"areas": [], "bars": []}
    while time.monotonic() < deadline:
        seen = page.evaluate(_BANDS)
        bars = {m.group(1): b for b in seen["bars"] if (m := re.search(r"label: ([^;]+);", b))}
        if set(bars) == set(want) and len(seen["areas"]) >= 2 * len(want):
            break
        time.sleep(0.5)
    assert set(bars) == set(want), (seen, want)
    for label, text in want.items():
        assert text in bars[label], (label, bars[label])
    # A band with data: an outline of many points, one per volume or month, both ways.
    assert all(d.count("L") >= 20 for d in seen["areas"]), seen["areas"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".explorer-ranges").first.scroll_into_view_if_needed()
    shot = SHOTS / "dashboard_ranges.png"
    page.screenshot(path=str(shot), full_page=True)
    assert busy_share(shot) > MIN_BUSY, f"{shot}: looks blank"


def _check_forecast_tab(page) -> None:
    """The Forecast tab says what to upload, then shows the shipped request log's month-end forecast with the
    figures the same tab computes in Python, and draws its chart."""
    import datetime as dt

    from explorer.app.forecast_view import ForecastView
    from explorer.prices import price_history

    page.get_by_role("tab", name="Forecast").click()
    tab = page.locator(".explorer-forecast").first
    assert "docs/usage.md" in tab.inner_text(timeout=30_000)
    sample = paths.DATA_DIR / "samples" / "requests.csv"
    # The upload box's file input is never in the page: its button opens the browser's file chooser.
    with page.expect_file_chooser(timeout=30_000) as chooser:
        tab.locator(".widget-upload").first.click()
    chooser.value.set_files(str(sample))
    view = ForecastView(price_history)
    view.upload.value = ({"name": sample.name, "type": "text/csv", "size": sample.stat().st_size,
                          "content": memoryview(sample.read_bytes()), "last_modified": dt.datetime.now(dt.UTC)},)
    assert view.data is not None, view.error
    want = f"${view.data['forecast_month_usd']:,.2f} (p10–p90 band ${view.data['p10']:,.2f}"
    page.wait_for_function(
        "w => (document.querySelector('.explorer-forecast table.forecast-figures') || {}).innerText?.includes(w)",
        arg=want, timeout=60_000)
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('.explorer-forecast .vega-embed svg g.role-mark > *'))
                 .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 || r.height > 0; })
                 .length >= 10""", timeout=60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.scroll_into_view_if_needed()
    shot = SHOTS / "dashboard_forecast.png"
    page.screenshot(path=str(shot), full_page=True)
    assert busy_share(shot) > MIN_BUSY, f"{shot}: looks blank"


def _box(page, label: str):
    return page.locator(".widget-inline-hbox", has=page.locator("label", has_text=re.compile(f"^{re.escape(label)}$")))


def test_voila_page_loads_beside_a_malformed_user_scenario_and_names_it(voila: str, tmp_path: Path) -> None:
    folder = tmp_path / "home" / "scenarios"  # the server's EXPLORER_HOME (see _start)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.yaml").write_text("name: [unclosed\n")  # each page load lists the scenarios afresh
    with browser_page({"width": 1400, "height": 1000}) as (page, _watch):
        page.goto(voila, wait_until="domcontentloaded", timeout=120_000)
        page.wait_for_selector("table.explorer-ranked", timeout=120_000)  # the page loaded, cells all ran
        warning = page.locator(".explorer-skipped-scenarios")
        warning.wait_for(timeout=60_000)
        text = warning.inner_text()
        assert "broken.yaml" in text and "not valid YAML" in text, text
        assert len(text.strip().splitlines()) == 1
        assert "There was an error when executing cell" not in page.content()


def test_voila_dashboard_matches_the_python_api(voila: str) -> None:
    picks = ["gpt-4o", "gpt-5-mini", "claude-haiku-4-5"]
    import datetime as dt
    with browser_page({"width": 1400, "height": 1400}) as (page, watch):
        page.goto(voila, wait_until="domcontentloaded", timeout=120_000)
        page.wait_for_selector("table.explorer-ranked", timeout=120_000)
        page.wait_for_function("document.querySelectorAll('.vega-embed svg').length >= 1", timeout=60_000)
        # no code shown: no editors, and the notebook's code text is nowhere on the page
        assert page.locator(".cm-editor, .CodeMirror, .jp-InputArea-editor").count() == 0
        assert "from explorer" not in page.content() and "Dashboard()" not in page.content()
        for label in LABELS:  # every control is named by what it sets, for screen readers and for tests
            assert page.get_by_label(label, exact=True).count() >= 1, label
        before = _ranked_rows(page)

        # the same dashboard in Python (today's prices, the default models), driven the same way
        dash = Dashboard(as_of=dt.date.today())
        assert _expected_rows(dash.ranked_out.value) == before
        # the lifecycle and provenance columns are explorer.provenance's, model by model
        from explorer import provenance
        prov = provenance.table_columns(provenance.model_provenance(dash.models.value, prices=dash.prices,
                                                                    as_of=dt.date.today()))
        assert [r[10:12] for r in before] == [
            [prov.at[r[1], "Lifecycle"][0], prov.at[r[1], "Price source"][0]] for r in before]

        options = page.eval_on_selector_all("select[multiple] option", "els => els.map(e => e.value)")
        chosen = [o for o in options if re.match(r"^\w[\w-]* · (" + "|".join(map(re.escape, picks)) + r")  ", o)]
        assert len(chosen) == 3, chosen
        page.select_option("select[multiple]", chosen)
        dash.models.value = tuple(value for label, value in dash.models.options if label in chosen)
        tokens = _box(page, "Input tokens per request").locator("input")
        tokens.fill("4321")
        tokens.press("Enter")
        dash.input_tokens.value = 4321
        volume = page.get_by_label("Requests per month", exact=True)
        volume.fill("123456")  # a number box: any volume, not only the slider's grid
        volume.press("Enter")
        dash.requests.value = 123456

        expected = _expected_rows(dash.ranked_out.value)
        page.wait_for_function(
            "n => document.querySelectorAll('table.explorer-ranked tbody tr').length === n", arg=len(expected),
            timeout=60_000)
        deadline = time.monotonic() + 60
        while _ranked_rows(page) != expected and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _ranked_rows(page) == expected
        assert {r[1] for r in expected} == set(picks)
        assert expected != before

        want = {r.model: f"${r.monthly_usd:,.2f}" for r in dash.results.ranked.itertuples()}
        deadline = time.monotonic() + 30
        while _chart_totals(page) != want and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _chart_totals(page) == want
        # Every tab's charts draw marks that carry data (not an empty frame): lines, bars, points with a size.
        for tab, least in (("Cost curves", 3), ("Budget & projection", 6), ("Crossovers", 3), ("Ranking", 3)):
            page.get_by_role("tab", name=tab).click()
            page.wait_for_function(_MARKS, arg=least, timeout=60_000)
        _check_ranges_tab(page, dash)
        _check_forecast_tab(page)
        page.get_by_role("tab", name="Ranking").click()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        assert _in_view(page, "table.explorer-ranked") and _in_view(page, ".vega-embed svg")
        shot = SHOTS / "dashboard_voila.png"
        page.screenshot(path=str(shot))
    assert busy_share(shot) > MIN_BUSY, f"{shot}: looks blank"
    assert watch.external == [], watch.external
    assert watch.page_errors == [], watch.page_errors


def _wait_rows(page, expected: list[list[str]]) -> None:
    deadline = time.monotonic() + 60
    while _ranked_rows(page) != expected and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _ranked_rows(page) == expected


def test_voila_retired_models_and_requests_described_by_text(voila: str) -> None:
    """The new controls, each found by its label: retired models on demand (marked, with their last price and
    shutdown date), and requests described by text (each model's own tokens, estimates marked ≈)."""
    import datetime as dt
    with browser_page({"width": 1400, "height": 1500}) as (page, watch):
        page.goto(voila, wait_until="domcontentloaded", timeout=120_000)
        page.wait_for_selector("table.explorer-ranked", timeout=120_000)
        dash = Dashboard(as_of=dt.date.today())
        retired = page.get_by_label("Show retired models", exact=True)
        assert not retired.is_checked()
        assert not [o for o in page.eval_on_selector_all("select[multiple] option", "els => els.map(e => e.value)")
                    if "retired" in o]
        retired.check()
        dash.show_retired.value = True
        page.wait_for_function("Array.from(document.querySelectorAll('select[multiple] option'))"
                               ".some(o => o.value.includes(' · gpt-4.1-nano ') && o.value.includes('retired'))",
                               timeout=60_000)
        options = page.eval_on_selector_all("select[multiple] option", "els => els.map(e => e.value)")
        nano = next(o for o in options if " · gpt-4.1-nano  " in o)
        assert nano.endswith("· retired 2026-10-23, last price")
        keep = [o for o in options if re.match(r"^openai · gpt-6-luna  ", o)]
        page.select_option("select[multiple]", [*keep, nano])
        dash.models.value = tuple(v for label, v in dash.models.options if label in (*keep, nano))
        _wait_rows(page, _expected_rows(dash.ranked_out.value))
        row = next(r for r in _ranked_rows(page) if r[1] == "gpt-4.1-nano")
        assert row[10] == "retired 2026-10-23"

        page.get_by_label("Describe requests by", exact=True).select_option("text")
        chars = page.get_by_label("Characters per request", exact=True)
        chars.fill("12000")
        chars.press("Enter")
        page.get_by_label("Kind of text", exact=True).select_option(label="Japanese")
        dash.describe_by.value = "text"
        dash.chars.value = 12000
        dash.text_kind.value = "ja"
        assert not page.get_by_label("Input tokens per request", exact=True).is_visible()
        _wait_rows(page, _expected_rows(dash.ranked_out.value))
        heads = page.eval_on_selector_all("table.explorer-ranked thead th", "ths => ths.map(t => t.innerText)")
        assert {"Input tokens", "Input per 1,000 chars", "Lifecycle", "Price source"} <= set(heads)
        page.wait_for_function(
            "Array.from(document.querySelectorAll('.vega-embed svg [aria-label]'))"
            ".some(e => e.getAttribute('aria-label').includes('Lifecycle: retired 2026-10-23'))", timeout=60_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = SHOTS / "dashboard_text.png"
        page.locator("table.explorer-ranked").scroll_into_view_if_needed()
        page.screenshot(path=str(shot), full_page=True)
    assert busy_share(shot) > MIN_BUSY, f"{shot}: looks blank"
    assert watch.external == [], watch.external
    assert watch.page_errors == [], watch.page_errors


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    require_chromium()
    token = secrets.token_hex(12)
    port = browser.free_port(8890)
    # A copy: JupyterLab autosaves what it runs, and the committed notebooks must stay as they are.
    root = tmp_path / "lab"
    shutil.copytree(paths.NOTEBOOKS_DIR, root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    proc = _start(serve.lab_command(root / "notebooks" / "dashboard.ipynb", port=port, token=token,
                                    open_browser=False, root_dir=root),
                  f"http://127.0.0.1:{port}/api/status?token={token}", tmp_path)
    try:
        yield f"http://127.0.0.1:{port}/lab/tree/notebooks/dashboard.ipynb?token={token}"
    finally:
        stop_server(proc)


def test_jupyterlab_runs_the_main_notebook_offline(lab: str) -> None:
    assert "--ServerApp.ip=127.0.0.1" in serve.lab_command()
    with browser_page({"width": 1400, "height": 1000}) as (page, watch):
        page.goto(lab, wait_until="domcontentloaded", timeout=120_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        # "Run All" before the kernel is ready can be lost: wait for the status bar to say Idle.
        page.wait_for_function("document.body.innerText.includes('| Idle')", timeout=120_000)
        page.get_by_role("menuitem", name="Run", exact=True).first.click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).first.click()
        page.wait_for_function(
            "document.querySelectorAll('.jp-OutputArea-output .vega-embed svg, "
            ".jp-OutputArea-output .vega-embed canvas').length >= 2", timeout=180_000)
        page.wait_for_selector(".jp-OutputArea-output table.explorer-ranked", timeout=60_000)
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count()
        assert errors == 0
        # Cells after the dashboard's may still be running and redraw its table (an HTML widget's value
        # replaced): a table found a moment ago can be detached by now, so find it afresh until it holds still.
        for attempt in range(20):
            try:
                page.locator(".jp-OutputArea-output table.explorer-ranked").first.scroll_into_view_if_needed(
                    timeout=5_000)
                break
            except Exception:
                if attempt == 19:
                    raise
                page.wait_for_timeout(500)
        news = page.get_by_role("button", name="No", exact=True)
        if news.count():  # JupyterLab's "get notified about news?" toast would cover the table
            news.first.click()
        page.wait_for_timeout(500)
        assert _in_view(page, ".jp-OutputArea-output table.explorer-ranked")
        # Every tab title whole in Lab's narrower output area ("Budget & projection" was cut off).
        labels = page.eval_on_selector_all(
            ".jp-OutputArea-output .jupyter-widget-tab > .lm-TabBar .lm-TabBar-tabLabel",
            "els => els.map(e => [e.innerText, e.scrollWidth, e.clientWidth])")
        assert len(labels) == 8 and "Budget & projection" in [t for t, _, _ in labels], labels
        assert all(0 < shown >= full for _, full, shown in labels), labels
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = SHOTS / "dashboard_lab.png"
        page.screenshot(path=str(shot))
    assert busy_share(shot) > MIN_BUSY, f"{shot}: looks blank"
    assert watch.external == [], watch.external
    assert watch.page_errors == [], watch.page_errors


def test_servers_listen_on_localhost_with_tokens() -> None:
    v = serve.voila_command(port=8866)
    assert "--Voila.ip=127.0.0.1" in v and "--token" in v and "--strip_sources=True" in v
    lab_cmd = serve.lab_command()
    assert "--ServerApp.ip=127.0.0.1" in lab_cmd and not any("token=" in a and a.endswith("=") for a in lab_cmd)
    assert os.environ.get("EXPLORER_HOME")
