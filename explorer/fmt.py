"""The one way numbers are written for people: money, shares, counts. Tables, HTML, the report and the
app all call these, so $0.0075 never shows as 0.007500 in one view and $0.01 in another."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["count", "pct", "usd"]


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
