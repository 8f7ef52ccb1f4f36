"""The app's Forecast tab: upload a synthetic log whose daily spend grows by exactly 2% a day (as
tests/test_usage_forecast_cli.py does) and check what the tab shows against ``explorer usage --forecast``
run as a user runs it; a bad file gives one line naming it; the chart draws the month."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer import cost_of, price_history
from explorer.app.forecast_view import BUDGET_LABEL, WHAT_TO_UPLOAD
from explorer.widgets import Dashboard

from .chart_marks import data_marks, visible

GROWTH = 0.02
DAYS = 20  # 1 to 20 November 2026 observed


def _log_bytes() -> bytes:
    tokens = np.round(50_000_000 * (1 + GROWTH) ** np.arange(DAYS)).astype(int)
    days = pd.date_range("2026-11-01", periods=DAYS, freq="D")
    frame = pd.DataFrame({
        "timestamp": days.strftime("%Y-%m-%dT12:00:00Z"), "model": "gpt-4.1",
        "input_tokens": tokens, "output_tokens": 0, "requests": 1,
    })
    return frame.to_csv(index=False).encode()


@pytest.fixture(scope="module")
def first_day_usd() -> float:
    return float(cost_of("gpt-4.1", 50_000_000, 0, as_of="2026-11-01")["total_usd"])


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return price_history()


@pytest.fixture
def dash(table: pd.DataFrame) -> Dashboard:
    d = Dashboard(as_of="2026-11-20", prices=table, models=("gpt-4.1",))
    d.tabs.selected_index = d.views.index(d.forecast_view)
    return d


def _upload(dash: Dashboard, name: str, content: bytes) -> None:
    # The shape the browser sends (ipywidgets 8): one dict per file.
    dash.forecast_view.upload.value = ({"name": name, "type": "text/csv", "size": len(content),
                                        "content": memoryview(content), "last_modified": dt.datetime.now(dt.UTC)},)


def _cli_json(path: Path, budget: float, home: Path) -> dict[str, object]:
    env = dict(os.environ, EXPLORER_HOME=str(home))
    done = subprocess.run([sys.executable, "-m", "explorer", "usage", str(path), "--forecast", "--budget",
                           f"{budget:.2f}", "--format", "json"], capture_output=True, text=True, env=env,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _cell(shown: str, row: str) -> str:
    m = re.search(rf"<th[^>]*>{re.escape(row)}[^<]*</th><td>([^<]*)</td>", shown)
    assert m, f"no row {row!r} in {shown}"
    return m.group(1)


def _dollars(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"\$([\d,]+\.\d\d)", text)]


def test_before_an_upload_the_tab_says_what_to_upload(dash: Dashboard) -> None:
    view = dash.forecast_view
    assert view.message.value == WHAT_TO_UPLOAD and "docs/usage.md" in view.message.value
    assert "timestamp" in view.message.value and view.figures.value == "" and view.data is None
    assert view.budget.description == BUDGET_LABEL == "Budget for this log (USD per month)"
    assert dash.tabs.get_title(dash.views.index(view)) == "Forecast"


def test_tab_shows_the_cli_forecast(dash: Dashboard, tmp_path: Path, first_day_usd: float) -> None:
    content = _log_bytes()
    (tmp_path / "log.csv").write_bytes(content)
    budget = round(30 * first_day_usd, 2)
    cli = _cli_json(tmp_path / "log.csv", budget, tmp_path)
    view = dash.forecast_view
    view.budget.value = budget
    _upload(dash, "log.csv", content)
    assert view.error is None
    shown = view.figures.value
    assert _dollars(_cell(shown, "Month-end forecast")) == [cli["forecast_month_usd"], cli["p10"], cli["p90"]]
    trend = _cell(shown, "Daily spend trend")
    assert _dollars(trend)[0] == cli["trend_usd_per_day"] and "+2.00% a day" in trend
    assert _cell(shown, "Budget").startswith(f"{cli['budget_exhausted_on']} (earliest")
    assert cli["budget_exhausted_on"] == "2026-11-24"  # worked by hand in tests/test_usage_forecast_cli.py
    month = first_day_usd * ((1 + GROWTH) ** 30 - 1) / GROWTH
    assert _dollars(_cell(shown, "Month-end forecast"))[0] == pytest.approx(month, abs=0.01)
    # A budget larger than the month: it lasts.
    view.budget.value = 10 * month
    assert _cell(view.figures.value, "Budget").startswith("not this month")
    # No budget: no budget row, same forecast.
    view.budget.value = 0
    assert "Budget" not in view.figures.value
    assert _dollars(_cell(view.figures.value, "Month-end forecast"))[0] == cli["forecast_month_usd"]


def test_chart_draws_the_month(dash: Dashboard, first_day_usd: float) -> None:
    view = dash.forecast_view
    view.budget.value = round(30 * first_day_usd, 2)
    _upload(dash, "log.csv", _log_bytes())
    assert len(view.chart.data) == 30 and view.chart.widget in view.widget.children
    marks = data_marks(view.chart.spec)
    assert visible(marks.get("area", [])), "no band drawn"
    assert len(visible(marks.get("symbol", []))) >= 30  # a point per day of November
    assert visible(marks.get("rule", [])), "no budget line drawn"


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("broken.csv", b"when,what\n1,2\n", "broken.csv"),
    ("notes.json", b"{not json", "notes.json"),
    ("nodates.csv", b"model,input_tokens,output_tokens\ngpt-4.1,10,5\n", "nodates.csv"),
])
def test_bad_file_is_one_line_naming_it(dash: Dashboard, name: str, content: bytes, expected: str) -> None:
    view = dash.forecast_view
    _upload(dash, name, content)
    assert view.error is not None and expected in view.error and "\n" not in view.error
    assert "Traceback" not in view.message.value and view.data is None and view.figures.value == ""
    assert view.message.value.count("<p") == 1 and expected in view.message.value
    # A good file afterwards replaces the error.
    _upload(dash, "log.csv", _log_bytes())
    assert view.error is None and "Month-end forecast" in view.figures.value


def test_other_controls_leave_the_forecast_alone(dash: Dashboard) -> None:
    view = dash.forecast_view
    _upload(dash, "log.csv", _log_bytes())
    shown = view.result
    dash.input_tokens.value = 4321  # the tab is visible: the dashboard updates it, nothing of its own changed
    assert view.result is shown
    _upload(dash, "log.csv", _log_bytes().replace(b"gpt-4.1,", b"gpt-4.1-mini,"))  # same name, new content
    assert view.result is not shown and view.data is not None
    assert view.data["forecast_month_usd"] < shown.forecast_month_usd  # the mini model costs less
