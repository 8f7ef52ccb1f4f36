"""Outputs that cannot attack their reader: CSV cells a spreadsheet would run as formulas, control
characters a terminal would obey.

- **CSV** (``--format csv``): a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is a formula to Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``, ``=cmd|...``). Such
  cells get a leading ``'``, the OWASP-recommended neutraliser: spreadsheets show the text, never run it.
  Only text cells change; numbers (a negative cost) are written as numbers. ``--raw`` writes cells as
  they are, for programs that read the CSV back.
- **Text** (the default format): ESC, BEL, carriage returns and other control characters in a model
  name, file name or any other cell are printed escaped (``\\x1b``), so a usage log cannot recolour,
  retitle or clear the terminal that prints it.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, TextIO

from explorer.limits import terminal_safe

if TYPE_CHECKING:  # pandas is imported by the functions that need it: `explorer cost` starts without it
    import pandas as pd

__all__ = ["FORMULA_PREFIXES", "SafeTextStream", "neutralise_formulas", "to_csv"]

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


def to_csv(frame: pd.DataFrame, *, raw: bool = False, header: bool = True) -> str:
    """``frame.to_csv(index=False)``, formula-leading text cells neutralised unless ``raw``."""
    return (frame if raw else neutralise_formulas(frame)).to_csv(index=False, header=header)


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
