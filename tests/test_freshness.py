"""Every table, chart and report says how old its prices are, and warns when they are stale."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from explorer import charts, prices
from explorer.cli import main

OLD = dt.date(2026, 6, 1)  # 179 days before 2026-11-27


@pytest.fixture
def stale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prices, "GENAI_PRICES_CHECKED", OLD)


def test_no_warning_when_fresh() -> None:
    assert prices.freshness_warning("2026-11-27") is None
    assert prices.freshness_warning("2025-05-16") is None  # asking about the past is fine


def test_warning_names_both_dates(stale: None) -> None:
    w = prices.freshness_warning("2026-11-27")
    assert w == ("prices were last checked on 2026-06-01, 179 days before 2026-11-27; they may have changed "
                 "(explorer refresh-prices downloads newer ones)")
    assert prices.freshness_warning("2026-08-30") is None  # 90 days: still fresh


def test_cli_warns_on_stderr_and_still_answers(stale: None, capsys) -> None:
    code = main(["cost", "--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500",
                 "--as-of", "2026-11-27"])
    out, err = capsys.readouterr()
    assert code == 0 and "$0.0075" in out
    assert err.startswith("warning: prices were last checked on 2026-06-01")
    main(["compare", "--input-tokens", "10", "--output-tokens", "5", "--limit", "1", "--as-of", "2026-11-27"])
    assert "warning:" in capsys.readouterr().err


def test_charts_show_date_and_warning(stale: None) -> None:
    curves = pd.DataFrame({"label": ["gpt-4o"], "prices": ["bundled"], "cost_per_request_usd": [1.0],
                           "requests_per_month": [1.0]})
    fresh_sub = charts.cost_curves_chart(curves, as_of="2026-07-01").to_dict()["title"]["subtitle"]
    assert fresh_sub[0] == "Prices as of 2026-07-01" and not any("Warning" in s for s in fresh_sub)
    sub = charts.cost_curves_chart(curves, as_of="2026-11-27").to_dict()["title"]["subtitle"]
    assert sub[0] == "Prices as of 2026-11-27"
    assert any(s.startswith("Warning: prices were last checked on 2026-06-01") for s in sub)


def test_dashboard_status_warns(stale: None) -> None:
    from explorer.widgets import Dashboard

    dash = Dashboard(as_of="2026-11-27", models=["gpt-4o", "gpt-4o-mini"])
    assert "prices as of 2026-11-27" in dash.status.value
    assert "Warning: prices were last checked on 2026-06-01" in dash.status.value


def test_report_header_warns(stale: None) -> None:
    from explorer import report

    r = report.prepare(models=["gpt-4o", "gpt-4o-mini"], as_of="2026-11-27", title="t")
    text = report.header(r).text
    assert "prices in force on <b>2026-11-27</b>" in text
    assert "prices were last checked on 2026-06-01" in text
