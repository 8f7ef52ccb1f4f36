"""Currency: bundled, dated and sourced rates; a user's own rate; the rate travels with every figure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from explorer import currency as fx


def test_bundled_ecb_rate_converts_by_hand() -> None:
    # ECB, 28 February 2025: 1 EUR = 1.0411 USD, so 1,000 USD = 1,000 / 1.0411 EUR.
    c = fx.convert(1000.0, "eur")
    assert c.amount == pytest.approx(1000 / 1.0411, rel=1e-12)
    assert c.rate.rate_date == dt.date(2025, 2, 28)
    assert "ECB" in c.rate.source and c.rate.status.startswith("secondary")
    assert "2025-02-28" in c.rate.label()
    # A cross rate through the euro: 1 EUR = 156.96 JPY.
    assert fx.convert(1.0, "JPY").amount == pytest.approx(156.96 / 1.0411, rel=1e-12)


def test_older_date_picks_the_rate_in_force_then() -> None:
    # Federal Reserve H.10, 2 February 2024: 148.54 yen per dollar; 1 EUR = 1.0787 USD.
    jpy = fx.fx_rate("JPY", as_of="2024-12-31")
    assert (jpy.units_per_usd, jpy.rate_date, jpy.status) == (148.54, dt.date(2024, 2, 2), "primary")
    assert fx.fx_rate("EUR", as_of=dt.date(2024, 6, 1)).units_per_usd == pytest.approx(1 / 1.0787)
    # Before every bundled date: the earliest rate, still dated.
    assert fx.fx_rate("JPY", as_of="2020-01-01").rate_date == dt.date(2024, 2, 2)


def test_user_given_rate_is_labelled_as_such() -> None:
    c = fx.convert(250.0, "GBP", units_per_usd=0.8, rate_date="2026-12-01")
    assert c.amount == pytest.approx(200.0)
    assert (c.rate.source, c.rate.status, c.rate.rate_date) == ("user-given rate", "user", dt.date(2026, 12, 1))
    assert fx.convert(5.0, "usd").amount == 5.0


def test_frame_columns_convert_with_their_rate() -> None:
    costs = pd.DataFrame({"label": ["a"], "monthly_usd": [104.11], "p90_usd": [208.22]})
    out, rate = fx.convert_columns(costs, ["monthly_usd", "p90_usd"], "EUR")
    assert out["monthly_eur"].iloc[0] == pytest.approx(100.0)
    assert out["p90_eur"].iloc[0] == pytest.approx(200.0)
    assert rate.currency == "EUR"


def test_every_bundled_row_is_dated_and_sourced() -> None:
    table = fx.load_rates()
    assert len(table) > 40 and table["source"].str.len().gt(10).all()
    assert {"EUR", "GBP", "JPY", "INR", "CAD", "AUD", "CHF", "CNY"} <= set(fx.currencies())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fx.convert(1.0, "EUX"), "no bundled rate for 'EUX'; did you mean EUR"),
        (lambda: fx.convert(1.0, "EUR", units_per_usd=0), "units_per_usd: 0 is not a number > 0"),
        (lambda: fx.convert(float("nan"), "EUR"), "usd: nan"),
    ],
)
def test_bad_input_names_the_field(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_bad_table_row_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "fx.csv"
    bad.write_text("currency,rate_date,units_per_base,base,usd_per_base,source,status\n"
                   "EUR,2025-02-30,1,EUR,1.04,somewhere,primary\n")
    with pytest.raises(ValueError, match="row 2, column 'rate_date'"):
        fx.load_rates(bad)
