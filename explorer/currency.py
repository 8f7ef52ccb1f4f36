"""Any USD figure in another currency, offline: a bundled, dated and sourced rate table, or a rate you give.

``data/fx_rates.csv`` holds published reference rates, one row per currency and date, each with its
source and how it was checked (``status``): the rate as published (``units_per_base`` of the currency
for one ``base`` unit, and the US dollars one base unit was worth), so a row can be compared with its
source as is. Every conversion returns the rate it used with that date and source, so a figure is never
shown in another currency without saying which rate made it.

The bundled rates are old by the time anyone reads them: pass ``units_per_usd`` (your bank's or
today's rate) to use your own; it is then labelled as yours.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from explorer import paths
from explorer.limits import clip

__all__ = ["FX_RATES_CSV", "Conversion", "FxRate", "convert", "convert_columns", "currencies", "fx_rate", "load_rates"]

FX_RATES_CSV = paths.DATA_DIR / "fx_rates.csv"
"""The bundled rate table."""
_COLUMNS = ("currency", "rate_date", "units_per_base", "base", "usd_per_base", "source", "status")


@dataclasses.dataclass(frozen=True)
class FxRate:
    """One rate: how many units of a currency one US dollar buys, with its date and source."""

    currency: str
    """ISO 4217 code (EUR, GBP, JPY, ...)."""
    units_per_usd: float
    """Units of the currency for one US dollar."""
    rate_date: dt.date | None
    """Day the rate was published for (None: a rate given without a date)."""
    source: str
    """Where the rate comes from (a publication, or "user-given rate")."""
    status: str
    """How it was checked: ``primary`` (read from the publisher), ``secondary`` (a copy), ``user``."""

    def label(self) -> str:
        """One line to show beside converted figures."""
        when = self.rate_date.isoformat() if self.rate_date else "undated"
        return f"1 USD = {self.units_per_usd:,.4f} {self.currency} ({when}; {self.source}; {self.status})"


@dataclasses.dataclass(frozen=True)
class Conversion:
    """A USD amount converted, with the rate that converted it."""

    usd: float
    """The amount in US dollars."""
    amount: float
    """The amount in ``rate.currency``."""
    rate: FxRate
    """The rate used (date and source included)."""


def load_rates(path: str | Path = FX_RATES_CSV) -> pd.DataFrame:
    """The rate table with ``units_per_usd`` derived; a bad row raises one line naming file, row and column."""
    path = Path(path)
    where = paths.DATA_DIR.name + "/" + path.name if path.parent == paths.DATA_DIR else str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise ValueError(f"{where}: file not found") from None
    missing = [c for c in _COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"{where}: column {clip(missing[0])} missing")
    out = []
    for i, row in enumerate(raw.itertuples(index=False), start=2):
        cur = str(row.currency).strip().upper()
        if len(cur) != 3 or not cur.isalpha():
            raise ValueError(f"{where}, row {i}, column 'currency': {clip(row.currency)} is not an ISO code")
        try:
            day = dt.date.fromisoformat(str(row.rate_date))
        except ValueError:
            raise ValueError(f"{where}, row {i}, column 'rate_date': {clip(row.rate_date)} is not YYYY-MM-DD") from None
        nums = {}
        for col in ("units_per_base", "usd_per_base"):
            try:
                v = float(getattr(row, col))
            except ValueError:
                v = math.nan
            if not math.isfinite(v) or v <= 0:
                raise ValueError(f"{where}, row {i}, column {clip(col)}: {clip(getattr(row, col))} is not a number > 0")
            nums[col] = v
        if not str(row.source).strip():
            raise ValueError(f"{where}, row {i}, column 'source': empty (every rate needs its source)")
        out.append({
            "currency": cur,
            "rate_date": day,
            "units_per_usd": nums["units_per_base"] / nums["usd_per_base"],
            "source": str(row.source),
            "status": str(row.status) or "unverified",
        })
    frame = pd.DataFrame(out, columns=["currency", "rate_date", "units_per_usd", "source", "status"])
    dup = frame.duplicated(["currency", "rate_date"])
    if dup.any():
        r = frame[dup].iloc[0]
        raise ValueError(f"{where}: {r['currency']} on {r['rate_date']} given twice")
    return frame


_TABLE: pd.DataFrame | None = None


def _table() -> pd.DataFrame:
    global _TABLE
    if _TABLE is None:
        _TABLE = load_rates()
    return _TABLE


def currencies() -> list[str]:
    """Currencies the bundled table has a rate for (USD always converts at 1)."""
    return sorted({"USD", *_table()["currency"]})


def fx_rate(
    currency: str,
    *,
    as_of: dt.date | str | None = None,
    units_per_usd: float | None = None,
    rate_date: dt.date | str | None = None,
    table: pd.DataFrame | None = None,
) -> FxRate:
    """The rate for ``currency``: the bundled one published on or before ``as_of`` (the latest when None;
    the earliest if every rate is later), or the ``units_per_usd`` you give (dated ``rate_date``)."""
    if not isinstance(currency, str) or not currency.strip():
        raise ValueError(f"currency: {clip(currency)} is not a currency code")
    cur = currency.strip().upper()
    if units_per_usd is not None:
        ok = isinstance(units_per_usd, int | float | np.floating) and not isinstance(units_per_usd, bool)
        if not ok or not math.isfinite(units_per_usd) or units_per_usd <= 0:
            raise ValueError(f"units_per_usd: {clip(units_per_usd)} is not a number > 0")
        day = dt.date.fromisoformat(str(rate_date)) if rate_date is not None else None
        return FxRate(cur, float(units_per_usd), day, "user-given rate", "user")
    if cur == "USD":
        return FxRate("USD", 1.0, None, "identity", "exact")
    rates = table if table is not None else _table()
    rows = rates[rates["currency"] == cur]
    if rows.empty:
        known = sorted({"USD", *rates["currency"]})
        close = difflib.get_close_matches(cur, known, n=3, cutoff=0.3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(
            f"currency: no bundled rate for {clip(cur)}{hint} (give units_per_usd to use your own rate)"
        )
    rows = rows.sort_values("rate_date")
    if as_of is not None:
        day = dt.date.fromisoformat(str(as_of)[:10]) if not isinstance(as_of, dt.date) else as_of
        before = rows[rows["rate_date"] <= day]
        rows = before if len(before) else rows.iloc[:1]
    r = rows.iloc[-1]
    return FxRate(cur, float(r["units_per_usd"]), r["rate_date"], str(r["source"]), str(r["status"]))


def convert(usd: float, currency: str, **rate_options: object) -> Conversion:
    """``usd`` in ``currency``, with the rate used (see :func:`fx_rate` for the options)."""
    if isinstance(usd, bool) or not isinstance(usd, int | float | np.floating) or not math.isfinite(usd):
        raise ValueError(f"usd: {clip(usd)} is not a finite number")
    rate = fx_rate(currency, **rate_options)  # type: ignore[arg-type]
    return Conversion(float(usd), float(usd) * rate.units_per_usd, rate)


def convert_columns(
    frame: pd.DataFrame, columns: Sequence[str], currency: str, **rate_options: object
) -> tuple[pd.DataFrame, FxRate]:
    """A copy of ``frame`` with each ``*_usd`` column in ``columns`` also in ``currency``
    (``monthly_usd`` -> ``monthly_eur``), and the rate used."""
    rate = fx_rate(currency, **rate_options)  # type: ignore[arg-type]
    out = frame.copy()
    suffix = rate.currency.lower()
    for col in columns:
        if col not in frame.columns:
            raise ValueError(f"convert_columns: column {clip(col)} missing")
        name = col[: -len("_usd")] + f"_{suffix}" if col.endswith("_usd") else f"{col}_{suffix}"
        out[name] = frame[col].to_numpy(dtype=float) * rate.units_per_usd
    return out, rate
