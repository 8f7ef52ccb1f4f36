"""The one way numbers are written for people: money, shares, counts. Tables, HTML, the report and the
app all call these, so $0.0075 never shows as 0.007500 in one view and $0.01 in another."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["UNKNOWN", "count", "pct", "rate", "usd", "usd_sig"]

UNKNOWN = "unknown"
"""What a table shows for a cost that could not be computed (an unknown model): never $0.00, never NaN."""


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(x))
    except TypeError:
        return x is getattr(__import__("pandas"), "NA", object())


def usd(x: Any, *, missing: str = "n/a") -> str:
    """Dollars: ``1234.5`` -> ``$1,234.50``; ``0.0075`` -> ``$0.0075``; ``2.5e-06`` -> ``$0.0000025``.

    Amounts of a dollar or more get cents; smaller ones keep up to six decimals (at least two), and
    amounts below a millionth keep three significant digits, so a per-request cost never reads $0.00.
    """
    if _missing(x):
        return missing
    x = float(x)
    sign = "-" if x < 0 else ""
    a = abs(x)
    if a >= 1 or a == 0:
        return f"{sign}${a:,.2f}"
    if a >= 1e-6:
        whole, _, frac = f"{a:.6f}".rstrip("0").partition(".")
        return f"{sign}${whole}.{frac.ljust(2, '0')}"
    decimals = 2 - math.floor(math.log10(a))
    return f"{sign}${a:.{decimals}f}"


def pct(x: Any, *, digits: int = 0, blank_zero: bool = True) -> str:
    """A share as a percentage: ``0.333333`` -> ``33%``; missing (and, by default, zero) -> blank."""
    if _missing(x) or (blank_zero and x == 0):
        return ""
    return f"{float(x):.{digits}%}"


def count(x: Any, *, missing: str = "n/a") -> str:
    """A count with thousands separators: ``38282810`` -> ``38,282,810``; fractions rounded."""
    if _missing(x):
        return missing
    return f"{float(x):,.0f}"


def usd_sig(x: Any, *, digits: int = 3, missing: str = "") -> str:
    """Dollars with ``digits`` significant digits however small (a sentence costs millionths of a dollar):
    ``2.5e-06`` -> ``$0.00000250``; a dollar or more gets cents; zero is ``$0``."""
    if _missing(x):
        return missing
    x = float(x)
    if x == 0:
        return "$0"
    if abs(x) >= 1:
        return f"${x:,.2f}"
    # Spelled out: $0.00000250 reads better than $2.5e-06.
    decimals = digits - 1 - math.floor(math.log10(abs(x)))
    return f"${x:.{decimals}f}"


def rate(x: Any, *, missing: str = "n/a") -> str:
    """A price per 1M tokens as quoted: ``2.5`` -> ``$2.5``, ``0.075`` -> ``$0.075`` (no padding, no noise)."""
    if _missing(x):
        return missing
    return f"${float(x):g}"
