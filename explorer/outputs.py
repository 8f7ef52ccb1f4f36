"""Outputs that cannot attack their reader: CSV cells a spreadsheet would run as formulas, control
characters a terminal would obey.

- **CSV** (``--format csv``): a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is a formula to Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``, ``=cmd|...``). Such
  cells get a leading ``'``, the OWASP-recommended neutraliser: spreadsheets show the text, never run it.
  Only text cells change; numbers (a negative cost) are written as numbers. ``--raw`` writes cells as
  they are, for programs that read the CSV back.
- **Numbers** (``--format json`` and ``csv``): floats are rounded to 10 decimal places (1e-10 USD, far
  below any bill's precision) and written in plain decimal notation, so a cost reads ``0.02825``, never
  ``0.028250000000000004`` or ``9.900000000000001e-05``; a missing number is ``null`` (JSON) or an empty
  cell (CSV). Days are ``YYYY-MM-DD``; times of day, when a column has them, ``YYYY-MM-DDTHH:MM:SS``.
- **Text** (the default format): ESC, BEL, carriage returns and other control characters in a model
  name, file name or any other cell are printed escaped (``\\x1b``), so a usage log cannot recolour,
  retitle or clear the terminal that prints it.
"""

from __future__ import annotations

import io
import json
import math
from typing import TYPE_CHECKING, Any, TextIO

from explorer.limits import terminal_safe

if TYPE_CHECKING:  # pandas is imported by the functions that need it: `explorer cost` starts without it
    import pandas as pd

__all__ = ["DECIMALS", "FORMULA_PREFIXES", "PER_REQUEST_COLUMNS", "SafeTextStream", "dumps_json",
           "neutralise_formulas", "number", "per_request_names", "records", "to_csv"]

DECIMALS = 10
"""Decimal places kept in JSON and CSV numbers: money to 1e-10 USD."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula."""


def _neutral(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _starts(values: pd.Series) -> pd.Series:
    """Text cells that start like a formula (vectorised; non-text cells are False)."""
    try:
        starts = values.astype(object).str.startswith(FORMULA_PREFIXES)
    except AttributeError:  # no text at all in the column (all missing): nothing to neutralise
        return pd.Series(False, index=values.index)
    return starts.fillna(False).astype(bool)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells that would run as spreadsheet formulas start with ``'``;
    column names too. Numeric columns are untouched."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if isinstance(dtype, pd.CategoricalDtype):  # check the few categories, not every row
            cats = pd.Series(dtype.categories.astype(object))
            if _starts(cats).any():
                out[col] = out[col].cat.rename_categories([_neutral(c) for c in cats])
        elif pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            mask = _starts(out[col])
            if mask.any():
                values = out[col].astype(object)
                out[col] = values.where(~mask, "'" + values[mask].astype(str))
    out.columns = [_neutral(c) for c in out.columns]
    return out


PER_REQUEST_COLUMNS = {
    "cost_per_request_usd": "usd_per_request", "input_usd": "input_usd_per_request",
    "cached_input_usd": "cached_input_usd_per_request", "output_usd": "output_usd_per_request",
    "reasoning_usd": "reasoning_usd_per_request",
}
"""compare's per-request amounts as the CLI names them, so no column is mistaken for a total: ``total_usd``
covers all --requests, every ``*_per_request`` column one request."""


def per_request_names(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :data:`PER_REQUEST_COLUMNS` renamed (compare's output, in every format)."""
    return frame.rename(columns=PER_REQUEST_COLUMNS)


def number(x: float) -> str:
    """A float as written in JSON and CSV: rounded to :data:`DECIMALS` places, plain decimal notation,
    no trailing zeros (``0.028250000000000004`` -> ``0.02825``, ``9.900000000000001e-05`` -> ``0.000099``,
    ``5.0`` -> ``5.0``)."""
    text = f"{round(float(x), DECIMALS):.{DECIMALS}f}".rstrip("0")
    if text.endswith("."):
        text += "0"
    return "0.0" if text == "-0.0" else text


def dumps_json(payload: Any, *, indent: int | None = 2) -> str:
    """``json.dumps`` with every float written by :func:`number` (NaN and infinities as ``null``) and
    dates as ``YYYY-MM-DD``: the one way the CLI writes JSON."""
    import secrets

    marker = secrets.token_hex(8)
    numbers: list[str] = []

    def walk(value: Any) -> Any:
        if isinstance(value, bool) or value is None or isinstance(value, str | int):
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                return None
            numbers.append(number(value))
            return f"{marker}{len(numbers) - 1}"
        if isinstance(value, dict):
            return {str(k): walk(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        if hasattr(value, "item") and not hasattr(value, "__len__"):  # a numpy scalar
            return walk(value.item())
        if hasattr(value, "isoformat"):  # date, datetime, Timestamp
            return _date_text(value)
        return str(value)

    text = json.dumps(walk(payload), indent=indent, ensure_ascii=False)
    if not numbers:
        return text
    # Placeholders are whole JSON strings holding a random marker: nothing else can match them.
    import re

    return re.sub(f'"{marker}(\\d+)"', lambda m: numbers[int(m.group(1))], text)


def _date_text(value: Any) -> str | None:
    """``YYYY-MM-DD`` for a day (midnight), ``YYYY-MM-DDTHH:MM:SS`` for a time; None for NaT."""
    if value != value:  # NaT
        return None
    text = value.isoformat()
    if "T" not in text:
        return text
    day, _, clock = text.partition("T")
    if clock.startswith("00:00:00") and clock[8:9] in ("", ".", "+", "Z") and not clock[8:].strip(".0+:Z"):
        return day
    return text[:19]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-ready dicts: floats rounded to :data:`DECIMALS` places, a datetime column as
    ``YYYY-MM-DD`` when all its values are days (``YYYY-MM-DDTHH:MM:SS`` otherwise), missing as None."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[col] = _dates(values)
        elif values.dtype == object and len(values.dropna()) and hasattr(values.dropna().iloc[0], "isoformat"):
            # Timestamps held in an object column (a groupby key): the same day format as a datetime column.
            out[col] = _dates(pd.to_datetime(values, errors="coerce")) if values.map(
                lambda v: v is None or v != v or hasattr(v, "isoformat")).all() else values
    return json.loads(out.to_json(orient="records", date_format="iso", double_precision=DECIMALS))


def json_lines(frame: pd.DataFrame) -> str:
    """A frame as JSON lines (one record a line), numbers and days as :func:`records` writes them, straight
    from pandas (no Python object per row: the streamed ``cost --usage`` path)."""
    import pandas as pd

    dated = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c].dtype)]
    if dated:
        frame = frame.assign(**{str(c): _dates(frame[c]) for c in dated})
    return str(frame.to_json(orient="records", lines=True, date_format="iso", double_precision=DECIMALS))


def _dates(values: pd.Series) -> pd.Series:
    """A datetime column as text: days when every value is midnight, else times to the second."""
    stamp = values.dt.tz_convert("UTC").dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
    days = stamp.dt.normalize()
    layout = "%Y-%m-%d" if bool((stamp.dropna() == days.dropna()).all()) else "%Y-%m-%dT%H:%M:%S"
    return stamp.dt.strftime(layout).astype(object).where(stamp.notna(), None)


def to_csv(frame: pd.DataFrame, *, raw: bool = False, header: bool = True) -> str:
    """``frame.to_csv(index=False)``, formula-leading text cells neutralised unless ``raw``; floats written
    by :func:`number` (no float noise, no exponents)."""
    import pandas as pd

    dated = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c].dtype)]
    if dated:
        frame = frame.assign(**{str(c): _dates(frame[c]) for c in dated})
    return (frame if raw else neutralise_formulas(frame)).to_csv(index=False, header=header, float_format=number)


class SafeTextStream(io.TextIOBase):
    """Wraps a text stream (stdout) and escapes control characters in everything written, except the
    newline that ends a line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        lines = text.split("\n")
        self._stream.write("\n".join(terminal_safe(line) for line in lines))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", "utf-8")

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self._stream.fileno()
