"""The "Forecast" tab: upload a usage log, optionally give a monthly budget, and see where the month's spend
is heading: the month-end forecast with its p10-p90 band, the daily spend trend, the day the budget runs
out, and the cumulative-spend chart.

Nothing here computes a figure: the file goes through :func:`explorer.usage.load_uploaded` and
:func:`explorer.usage.price` (the one reader the CLI uses), the figures are
:func:`explorer.forecast.forecast_json` (what ``explorer usage --forecast --format json`` prints) and the
chart is :func:`explorer.charts_ranges.forecast_chart` (the one the usage notebook shows).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as W
import pandas as pd

from explorer import charts_ranges as _cr
from explorer import forecast as _f
from explorer import usage as _usage
from explorer.app.chart_slot import ChartSlot
from explorer.app.views import Context, View

__all__ = ["BUDGET_LABEL", "ForecastView"]

BUDGET_LABEL = "Budget for this log (USD per month)"
"""The budget box's label (what screen readers announce and tests find); distinct from the main
controls' "Monthly budget (USD)", so each label names one box."""
WHAT_TO_UPLOAD = (
    "<p>Upload a usage log to forecast this month's spend: an OpenAI or Anthropic usage export, a request "
    "log (CSV, JSON lines or Parquet with a <code>timestamp</code>, <code>model</code>, "
    "<code>input_tokens</code> and <code>output_tokens</code> per row or bucket) or raw API responses. "
    "The columns accepted, provider by provider, are listed in "
    "<code>docs/usage.md</code> (in the repository, or <code>explorer usage --help</code>). "
    "The file is read in memory and never saved.</p>"
)
"""What the tab says before a file is uploaded."""


def _files(value: Any) -> list[Mapping[str, Any]]:
    """A FileUpload value as a list of ``{"name", "content"}`` (ipywidgets 8 gives a tuple of dicts)."""
    if isinstance(value, Mapping):  # ipywidgets 7 shape: name -> {"content": ...}
        return [{"name": k, **v} for k, v in value.items()]
    return list(value or ())


def _one_line(exc: BaseException, names: Sequence[str]) -> str:
    """The error as one line that names the file (readers already name it; pricing and forecasting may not)."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if not any(n in text for n in names):
        text = f"{', '.join(names)}: {text}"
    return text


class ForecastView(View):
    """Month-end forecast of an uploaded usage log. ``prices``: the price table to use now (the dashboard's,
    overrides included)."""

    title = "Forecast"

    def __init__(self, prices: Callable[[], pd.DataFrame]) -> None:
        self._prices = prices
        # The same box as explorer.widgets.upload_box (not imported: explorer.widgets imports the app).
        self.upload = W.FileUpload(accept=".json,.jsonl,.csv,.parquet", multiple=True, description="Upload usage log",
                                  layout=W.Layout(width="210px"))
        self.budget = W.BoundedFloatText(
            value=0.0, min=0.0, max=1e12, step=100, description=BUDGET_LABEL,
            tooltip="optional: leave at 0 for no budget", style={"description_width": "160px"},
        )
        self.message = W.HTML(WHAT_TO_UPLOAD)
        self.figures = W.HTML()
        self.error: str | None = None
        """The one-line error shown for a bad file, or None."""
        self.data: dict[str, Any] | None = None
        """What the tab shows now: :func:`explorer.forecast.forecast_json` of the uploaded log."""
        self.result: _f.Forecast | None = None
        """The forecast behind the chart."""
        self._priced: tuple[Any, ...] | None = None
        self._slot: ChartSlot | None = None
        self._shown: tuple[pd.DataFrame, float | None] | None = None
        self.widget = W.VBox([W.HBox([self.upload, self.budget]), self.message, self.figures])
        self.widget.add_class("explorer-forecast")  # what browser tests and page styles find the tab by
        self.upload.observe(lambda _: self.refresh(), names="value")
        self.budget.observe(lambda _: self.refresh(), names="value")

    @property
    def chart(self) -> ChartSlot:
        """The month's cumulative spend with its band (made when first needed: a page that never uploads a
        log loads no chart widget for it)."""
        if self._slot is None:
            self._slot = ChartSlot()
            self.widget.children = [*self.widget.children, self._slot.widget]
        return self._slot

    def update(self, ctx: Context) -> None:
        self.refresh()  # the price table may have changed (overrides): the log is priced again if so

    def _priced_log(self, files: list[Mapping[str, Any]]) -> pd.DataFrame:
        table = self._prices()
        # The files' bytes and the table (a new frame on every override change) say when to read again.
        key = (tuple((f["name"], hashlib.sha256(bytes(f["content"])).hexdigest()) for f in files), id(table))
        if self._priced is not None and self._priced[0] == key:
            return self._priced[1]  # type: ignore[no-any-return]
        imported = _usage.load_uploaded(files)
        if imported.usage is None:
            raise ValueError("no usage log among the files (only cost exports); upload a usage export or request log")
        priced = _usage.price(imported.usage, prices=table)
        self._priced = (key, priced)
        return priced

    def refresh(self) -> None:
        """Show the forecast of the uploaded file(s), the one-line error of a bad one, or what to upload."""
        files = _files(self.upload.value)
        if not files:
            self.error, self.data, self.result, self._shown = None, None, None, None
            self.message.value, self.figures.value = WHAT_TO_UPLOAD, ""
            return
        names = [str(f["name"]) for f in files]
        budget = float(self.budget.value) or None
        try:
            priced = self._priced_log(files)
            if self._shown is not None and self._shown[0] is priced and self._shown[1] == budget:
                return  # nothing new (a dashboard control changed): the figures stand
            data = _f.forecast_json(priced, budget_usd=budget)
            result = _f.forecast(priced, budget_usd=budget)
        except Exception as exc:  # any bad file is one line in the tab, never a traceback
            self._priced = self._shown = None
            self.error, self.data, self.result = _one_line(exc, names), None, None
            self.message.value = f"<p style='color:#b00' role='alert'>{html.escape(self.error)}</p>"
            self.figures.value = ""
            if self._slot is not None:
                self._slot.widget.layout.display = "none"
            return
        self._shown = (priced, budget)
        self.error, self.data, self.result = None, data, result
        self.message.value = f"<p>Forecast of <b>{html.escape(', '.join(names))}</b>.</p>"
        self.figures.value = figures_html(data)
        self.chart.widget.layout.display = None
        self.chart.show(("forecast", budget), result.projection,
                        lambda d: _cr.forecast_chart(d, budget_usd=budget))


def _money(x: float) -> str:
    return f"${x:,.2f}"


def figures_html(data: Mapping[str, Any]) -> str:
    """The tab's figures from :func:`explorer.forecast.forecast_json`'s data, money to the cent."""
    rows = [
        ("Month", f"{data['month']} (data to {data['as_of']}; spent {_money(data['spent_to_date_usd'])} so far)"),
        ("Month-end forecast", f"{_money(data['forecast_month_usd'])} "
                               f"(p10–p90 band {_money(data['p10'])} to {_money(data['p90'])})"),
        ("Daily spend trend", f"{_money(data['trend_usd_per_day'])} a day, {data['daily_growth_rate']:+.2%} a day "
                              f"({data['monthly_growth_rate']:+.1%} a month; fitted on {data['days_fitted']} "
                              "day(s) with spend)"),
    ]
    if data["budget_usd"] is not None:
        out = data["budget_exhausted_on"] or "not this month"
        spread = (f" (earliest {data['budget_exhausted_earliest'] or 'not this month'}, "
                  f"latest {data['budget_exhausted_latest'] or 'not this month'})")
        rows.append((f"Budget {_money(data['budget_usd'])} runs out", out + spread))
    if data["unpriced_rows"]:
        rows.append(("Left out", f"{data['unpriced_rows']:,} unpriced row(s)"))
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in rows)
    return f"<table class='forecast-figures'>{body}</table>"
