"""``explorer usage --forecast [--budget USD]`` run as a user runs it (a subprocess), on a synthetic request
log whose daily spend grows by exactly 2% a day: the month-end figure is the geometric sum worked by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer import cost_of

GROWTH = 0.02
DAYS = 20  # 1 to 20 November 2026 observed


def _explorer(*argv: str, home: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ, EXPLORER_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "explorer", *argv], capture_output=True, text=True, env=env,
                          check=False, timeout=300)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """A log of one bucket a day on gpt-4.1, input tokens only, growing 2% a day; and day one's spend."""
    tmp = tmp_path_factory.mktemp("forecast")
    tokens = np.round(50_000_000 * (1 + GROWTH) ** np.arange(DAYS)).astype(int)
    days = pd.date_range("2026-11-01", periods=DAYS, freq="D")
    pd.DataFrame({
        "timestamp": days.strftime("%Y-%m-%dT12:00:00Z"), "model": "gpt-4.1",
        "input_tokens": tokens, "output_tokens": 0, "requests": 1,
    }).to_csv(tmp / "log.csv", index=False)
    first = float(cost_of("gpt-4.1", 50_000_000, 0, as_of="2026-11-01")["total_usd"])
    return tmp / "log.csv", first


def test_json_forecast_is_the_geometric_sum_and_the_budget_day(log: tuple[Path, float], tmp_path: Path) -> None:
    path, first = log
    budget = 30 * first  # the month's cumulative spend first reaches 30 days' worth of day one on ...
    done = _explorer("usage", str(path), "--forecast", "--budget", f"{budget:.2f}", "--format", "json", home=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    month = first * ((1 + GROWTH) ** 30 - 1) / GROWTH  # all 30 days of November on the trend
    assert data["forecast_month_usd"] == pytest.approx(month, abs=0.01)
    assert data["p10"] == pytest.approx(month, rel=1e-4) and data["p90"] == pytest.approx(month, rel=1e-4)
    assert data["daily_growth_rate"] == pytest.approx(GROWTH, abs=1e-6)
    # ... day t + 1 where first ((1.02)^(t+1) - 1) / 0.02 >= 30 first: t + 1 >= ln 1.6 / ln 1.02 = 23.7.
    assert data["budget_exhausted_on"] == "2026-11-24"
    assert data["month"] == "2026-11" and data["as_of"] == "2026-11-20"
    assert data["spent_to_date_usd"] == pytest.approx(first * ((1 + GROWTH) ** DAYS - 1) / GROWTH, abs=0.006)
    # Without a budget the field is there and null.
    plain = json.loads(_explorer("usage", str(path), "--forecast", "--format", "json", home=tmp_path).stdout)
    assert plain["budget_exhausted_on"] is None and plain["forecast_month_usd"] == data["forecast_month_usd"]


def test_text_forecast_names_the_figures(log: tuple[Path, float], tmp_path: Path) -> None:
    path, first = log
    done = _explorer("usage", str(path), "--forecast", "--budget", f"{30 * first:.2f}", home=tmp_path)
    assert done.returncode == 0, done.stderr
    month = first * ((1 + GROWTH) ** 30 - 1) / GROWTH
    assert f"month-end forecast: ${month:,.2f}" in done.stdout
    assert "+2.00% a day" in done.stdout
    assert "runs out on 2026-11-24" in done.stdout


def test_csv_forecast_is_one_row_per_day_of_the_month(log: tuple[Path, float], tmp_path: Path) -> None:
    path, _ = log
    done = _explorer("usage", str(path), "--forecast", "--format", "csv", home=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("day,observed,cumulative_p10_usd") and len(lines) == 31
    assert lines[1].startswith("2026-11-01,True") and lines[-1].startswith("2026-11-30,False")


@pytest.mark.parametrize(("argv", "needle"), [
    (["--forecast", "--budget", "lots"], "--budget"),
    (["--forecast", "--budget", "-5"], "--budget"),
    (["--budget", "100"], "--budget: needs --forecast"),
    (["--forecast", "--what-if-model", "gpt-5"], "--forecast: cannot be combined with --what-if-model"),
])
def test_bad_flags_are_one_line_exit_2(log: tuple[Path, float], tmp_path: Path, argv: list[str], needle: str) -> None:
    path, _ = log
    done = _explorer("usage", str(path), *argv, home=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and needle in done.stderr
