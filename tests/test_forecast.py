"""Forecast from usage: a synthetic log with a known trend, the band's calibration, the budget date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer import usage
from explorer.forecast import forecast, forecast_json


def _priced(spend: list[float] | np.ndarray, start: str = "2026-11-01") -> pd.DataFrame:
    days = pd.date_range(start, periods=len(spend), freq="D")
    return pd.DataFrame({"day": days, "total_usd": np.asarray(spend, dtype=float), "priced": True})


def test_known_exponential_trend_is_recovered_exactly() -> None:
    # $100 on 1 November growing 2% a day, observed to 20 November.
    spend = 100 * 1.02 ** np.arange(20)
    f = forecast(_priced(spend), budget_usd=3000)
    assert f.daily_growth_rate == pytest.approx(0.02, rel=1e-9)
    assert f.monthly_growth_rate == pytest.approx(1.02 ** (365.25 / 12) - 1, rel=1e-9)
    assert (f.as_of, f.month_start, f.month_end) == (dt.date(2026, 11, 20), dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    month = 100 * (1.02**30 - 1) / 0.02  # the geometric sum over the 30 days of November
    assert f.forecast_month_usd == pytest.approx(month, rel=1e-9)
    assert f.p10_usd == pytest.approx(month, rel=1e-9) and f.p90_usd == pytest.approx(month, rel=1e-9)
    # 100 (1.02^(t+1) - 1) / 0.02 >= 3000  <=>  t + 1 >= ln 1.6 / ln 1.02 = 23.7: the 24th day.
    assert f.budget_exhausted_on == dt.date(2026, 11, 24)
    assert f.budget_exhausted_earliest == f.budget_exhausted_latest == dt.date(2026, 11, 24)
    assert f.spent_to_date_usd == pytest.approx(spend.sum())


def test_budget_already_spent_gives_the_observed_day_and_a_large_one_none() -> None:
    spend = [500.0] * 10
    assert forecast(_priced(spend), budget_usd=1200).budget_exhausted_on == dt.date(2026, 11, 3)
    assert forecast(_priced(spend), budget_usd=1e6).budget_exhausted_on is None


def test_band_is_calibrated_on_noisy_logs() -> None:
    rng = np.random.default_rng(1)
    inside = 0
    trials = 40
    for i in range(trials):
        # A month whose daily spend grows 1% a day with 25% day-to-day noise (log scale).
        whole = 200 * 1.01 ** np.arange(30) * np.exp(0.25 * rng.standard_normal(30))
        f = forecast(_priced(whole[:18]), seed=i)
        inside += f.p10_usd <= whole.sum() <= f.p90_usd
        assert f.p10_usd < f.forecast_month_usd < f.p90_usd
    # An 80% band: 32 of 40 expected; allow for chance (binomial sd ~2.5).
    assert 26 <= inside <= 38


def test_forecast_json_fields_and_iso_dates() -> None:
    spend = 100 * 1.02 ** np.arange(20)
    data = forecast_json(_priced(spend), budget_usd=3000)
    assert {"forecast_month_usd", "p10", "p90", "budget_exhausted_on"} <= set(data)
    assert data["budget_exhausted_on"] == "2026-11-24"
    assert data["forecast_month_usd"] == round(100 * (1.02**30 - 1) / 0.02, 2)
    json.dumps(data)  # plain JSON all the way
    assert forecast_json(_priced(spend))["budget_exhausted_on"] is None


def test_from_an_imported_request_log(tmp_path: Path) -> None:
    # One bucket per day on gpt-4.1 ($0.006 a request of 1,000 in / 500 out), requests growing 5% a day.
    n = np.round(1000 * 1.05 ** np.arange(15)).astype(int)
    days = pd.date_range("2026-11-01", periods=15, freq="D")
    log = pd.DataFrame({
        "timestamp": days.strftime("%Y-%m-%dT12:00:00Z"), "model": "gpt-4.1",
        "input_tokens": n * 1000, "output_tokens": n * 500, "requests": n,
    })
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    priced = usage.price(usage.read_usage(path), as_of="2026-11-27")
    f = forecast(priced)
    assert f.daily_growth_rate == pytest.approx(0.05, abs=0.001)
    expected = 0.006 * 1000 * (1.05**30 - 1) / 0.05
    assert f.forecast_month_usd == pytest.approx(expected, rel=0.01)
    assert f.daily["usd"].iloc[0] == pytest.approx(6.0)


def test_days_without_requests_count_as_zero() -> None:
    frame = _priced([10.0, 10.0])
    frame.loc[1, "day"] = pd.Timestamp("2026-11-04")
    f = forecast(frame)
    assert f.daily["usd"].tolist() == [10.0, 0.0, 0.0, 10.0]
    assert f.days_fitted == 2  # too few for a trend: flat, no spread claimed
    assert f.p10_usd == f.p90_usd == pytest.approx(20 + 26 * 10.0)


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (pd.DataFrame({"total_usd": [1.0]}), {}, "column 'day' missing"),
        (_priced([1.0]).assign(day=pd.NaT), {}, "no priced row has a timestamp"),
        (_priced([1.0]), {"budget_usd": -5}, "budget -5"),
        (_priced([1.0]), {"as_of": "2026-10-01"}, "before the first day"),
    ],
)
def test_bad_input_one_line_errors(frame: pd.DataFrame, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as err:
        forecast(frame, **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)
