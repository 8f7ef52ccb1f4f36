"""Spend forecast from a priced usage log: daily spend, its growth, the month-end total with a band, and the
day a monthly budget runs out.

The model, stated so it can be checked:

- Daily spend is summed per UTC day (days without requests count as $0) up to ``as_of`` (default: the
  last day in the log); the forecast is for the calendar month that contains ``as_of``.
- Trend: least squares of ``log(daily spend)`` on the day number over the days with spend (at most the
  last :data:`TREND_DAYS`), so spend grows by a constant daily rate ``exp(slope) - 1``. With one day
  of spend, the trend is flat at that day's spend.
- Band: every remaining day of the month is ``exp(trend + e)`` with ``e`` drawn from the residuals'
  normal law (day-to-day noise), and the trend's two coefficients drawn from their least-squares
  uncertainty; ``p10`` / ``p90`` are quantiles of the simulated month totals (month-to-date spend
  included), ``forecast_month_usd`` their median.
- Budget: the first day the month's cumulative spend reaches the budget, on the median path, and
  earliest / latest on the p90 / p10 paths. A budget already spent gives the observed day.

:func:`forecast_json` is what ``explorer usage --forecast [--budget USD]`` prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from explorer.limits import clip

__all__ = ["TREND_DAYS", "Forecast", "forecast", "forecast_json"]

TREND_DAYS = 56
"""Most recent days the trend is fitted on (eight weeks: long enough to see growth, short enough to follow it)."""
DRAWS = 10_000
"""Simulated futures behind the band."""


@dataclasses.dataclass(frozen=True)
class Forecast:
    """Where the month's spend is heading."""

    daily: pd.DataFrame
    """One row per day from the first day of the log to ``as_of``: ``day``, ``usd``, ``trend_usd``."""
    projection: pd.DataFrame
    """One row per day of the month: ``day``, ``observed`` (bool), and the month's cumulative spend
    ``cumulative_p10_usd`` / ``cumulative_p50_usd`` / ``cumulative_p90_usd`` (equal on observed days)."""
    as_of: dt.date
    """Last day of data used."""
    month_start: dt.date
    """First day of the month forecast."""
    month_end: dt.date
    """Last day of the month forecast."""
    spent_to_date_usd: float
    """Spend from the first of the month to ``as_of`` included."""
    daily_growth_rate: float
    """Fitted growth of daily spend per day (0.01 = +1% a day)."""
    monthly_growth_rate: float
    """The same over an average month: ``(1 + daily) ** (365.25 / 12) - 1``."""
    trend_usd_per_day: float
    """Fitted spend on ``as_of``."""
    forecast_month_usd: float
    """Median month total (month to date plus the remaining days)."""
    p10_usd: float
    """10th percentile of the month total."""
    p90_usd: float
    """90th percentile of the month total."""
    budget_usd: float | None
    """The monthly budget compared with, or None."""
    budget_exhausted_on: dt.date | None
    """First day the month's spend reaches the budget on the median path; None if it lasts the month."""
    budget_exhausted_earliest: dt.date | None
    """The same on the p90 path (spending fast)."""
    budget_exhausted_latest: dt.date | None
    """The same on the p10 path (spending slowly)."""
    days_fitted: int
    """Days with spend the trend was fitted on."""
    unpriced_rows: int
    """Rows of the log without a price (left out of the spend)."""


def _check(priced: pd.DataFrame) -> None:
    missing = [c for c in ("day", "total_usd") if c not in priced.columns]
    if missing:
        raise ValueError(
            f"forecast: column {clip(missing[0])} missing; pass the frame of explorer.usage.price "
            f"(have {', '.join(map(str, priced.columns))})"
        )


def forecast(
    priced: pd.DataFrame,
    *,
    budget_usd: float | None = None,
    as_of: dt.date | str | None = None,
    seed: int = 0,
) -> Forecast:
    """The month-end forecast of a priced usage log (:func:`explorer.usage.price`'s frame)."""
    _check(priced)
    if budget_usd is not None:
        ok = isinstance(budget_usd, int | float) and not isinstance(budget_usd, bool)
        if not ok or not math.isfinite(budget_usd) or budget_usd <= 0:
            raise ValueError(f"forecast: budget {clip(budget_usd)} is not a number of USD > 0")
    day = pd.to_datetime(priced["day"])
    usd = pd.to_numeric(priced["total_usd"], errors="coerce")
    ok_rows = priced["priced"].fillna(False).astype(bool) if "priced" in priced.columns else usd.notna()
    unpriced = int((~ok_rows).sum())
    dated = day.notna() & ok_rows
    if not dated.any():
        raise ValueError("forecast: no priced row has a timestamp (the log must have a time per row or bucket)")
    per_day = usd[dated].fillna(0).groupby(day[dated].dt.normalize()).sum()
    first = per_day.index.min()
    last = per_day.index.max() if as_of is None else pd.Timestamp(as_of).normalize()
    if last < first:
        raise ValueError(f"forecast: as_of {last.date()} is before the first day of the log ({first.date()})")
    days = pd.date_range(first, last, freq="D")
    spend = per_day.reindex(days, fill_value=0.0).to_numpy(dtype=float)
    t = np.arange(len(days), dtype=float)
    month_start = last.replace(day=1)
    month_end = (month_start + pd.offsets.MonthEnd(1)).normalize()
    in_month = days >= month_start
    spent = float(spend[in_month].sum())

    # ---- trend
    window = t >= len(days) - TREND_DAYS
    fit = window & (spend > 0)
    x, y = t[fit], np.log(spend[fit])
    if len(x) >= 3:
        design = np.column_stack([np.ones_like(x), x - x.mean()])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ coef
        sigma = float(np.sqrt(resid @ resid / (len(x) - 2)))
        coef_cov = sigma**2 * np.linalg.inv(design.T @ design)
        centre = float(x.mean())
    else:
        # Too few days to see a trend: flat at the mean of the days with spend, no spread claimed.
        level = float(np.log(spend[fit].mean())) if fit.any() else -np.inf
        coef, sigma, coef_cov, centre = np.array([level, 0.0]), 0.0, np.zeros((2, 2)), 0.0
    growth = math.exp(float(coef[1])) - 1
    trend = np.exp(coef[0] + coef[1] * (t - centre))

    # ---- the rest of the month
    remaining = pd.date_range(last + pd.Timedelta(days=1), month_end, freq="D")
    t_future = t[-1] + 1 + np.arange(len(remaining))
    rng = np.random.default_rng(seed)
    if len(remaining) and np.isfinite(coef[0]):
        vals, vecs = np.linalg.eigh(coef_cov)
        ab = coef[None, :] + rng.standard_normal((DRAWS, 2)) @ (vecs * np.sqrt(np.clip(vals, 0, None))).T
        noise = sigma * rng.standard_normal((DRAWS, len(remaining)))
        future = np.exp(ab[:, :1] + ab[:, 1:] * (t_future[None, :] - centre) + noise)
    else:
        future = np.zeros((DRAWS, len(remaining)))
    cum_future = spent + np.cumsum(future, axis=1)
    totals = cum_future[:, -1] if len(remaining) else np.full(DRAWS, spent)
    p10, p50, p90 = (float(v) for v in np.quantile(totals, [0.1, 0.5, 0.9]))
    observed_cum = np.cumsum(spend[in_month])
    month_days = pd.date_range(month_start, month_end, freq="D")
    # Days of the month before the log starts count as no spend.
    before = pd.date_range(month_start, first - pd.Timedelta(days=1), freq="D") if first > month_start else []
    obs = np.concatenate([np.zeros(len(before)), observed_cum])
    q = np.quantile(cum_future, [0.1, 0.5, 0.9], axis=0) if len(remaining) else np.zeros((3, 0))
    cum = {name: np.concatenate([obs, q[j]]) for j, name in enumerate(("p10", "p50", "p90"))}
    projection = pd.DataFrame({
        "day": month_days,
        "observed": np.arange(len(month_days)) < len(obs),
        **{f"cumulative_{k}_usd": v for k, v in cum.items()},
    })

    def exhausted(path: np.ndarray) -> dt.date | None:
        if budget_usd is None:
            return None
        hit = np.flatnonzero(path >= budget_usd)
        return month_days[int(hit[0])].date() if len(hit) else None

    return Forecast(
        daily=pd.DataFrame({"day": days, "usd": spend, "trend_usd": trend}),
        projection=projection,
        as_of=last.date(),
        month_start=month_start.date(),
        month_end=month_end.date(),
        spent_to_date_usd=spent,
        daily_growth_rate=growth,
        monthly_growth_rate=(1 + growth) ** (365.25 / 12) - 1,
        trend_usd_per_day=float(trend[-1]) if len(trend) else 0.0,
        forecast_month_usd=p50,
        p10_usd=p10,
        p90_usd=p90,
        budget_usd=None if budget_usd is None else float(budget_usd),
        budget_exhausted_on=exhausted(cum["p50"]),
        budget_exhausted_earliest=exhausted(cum["p90"]),
        budget_exhausted_latest=exhausted(cum["p10"]),
        days_fitted=int(fit.sum()),
        unpriced_rows=unpriced,
    )


def forecast_json(
    priced: pd.DataFrame, *, budget_usd: float | None = None, as_of: dt.date | str | None = None, seed: int = 0
) -> dict[str, Any]:
    """The forecast as plain JSON data: ``forecast_month_usd``, ``p10``, ``p90``, ``budget_exhausted_on``
    (ISO date or null) and the figures behind them; money rounded to the cent."""
    f = forecast(priced, budget_usd=budget_usd, as_of=as_of, seed=seed)

    def iso(d: dt.date | None) -> str | None:
        return d.isoformat() if d is not None else None

    return {
        "forecast_month_usd": round(f.forecast_month_usd, 2),
        "p10": round(f.p10_usd, 2),
        "p90": round(f.p90_usd, 2),
        "budget_exhausted_on": iso(f.budget_exhausted_on),
        "budget_exhausted_earliest": iso(f.budget_exhausted_earliest),
        "budget_exhausted_latest": iso(f.budget_exhausted_latest),
        "budget_usd": f.budget_usd,
        "month": f.month_start.strftime("%Y-%m"),
        "as_of": iso(f.as_of),
        "spent_to_date_usd": round(f.spent_to_date_usd, 2),
        "trend_usd_per_day": round(f.trend_usd_per_day, 2),
        "daily_growth_rate": round(f.daily_growth_rate, 6),
        "monthly_growth_rate": round(f.monthly_growth_rate, 6),
        "days_fitted": f.days_fitted,
        "unpriced_rows": f.unpriced_rows,
    }
