"""Does caching pay: with and without caching equal genai-prices' calc_price; break-even per provider."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import pytest
from genai_prices import Usage, calc_price

from explorer import caching, cli

AS_OF = "2026-11-01"
WHEN = dt.datetime(2026, 11, 1)


def _calc(model: str, provider: str, **usage: int) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(calc_price(Usage(**usage), model, provider_id=provider, genai_request_timestamp=WHEN).total_price)


@pytest.mark.parametrize(
    ("model", "provider", "duration"),
    [("claude-sonnet-4-5", "anthropic", "5m"), ("claude-sonnet-4-5", "anthropic", "1h"),
     ("claude-haiku-4-5", "anthropic", "1h"), ("gpt-4.1", "openai", "5m"), ("gemini-2.5-flash", "google", "5m")],
)
def test_with_and_without_equal_genai_prices(model: str, provider: str, duration: str) -> None:
    n, reuses = 12_000, [0, 1, 3, 50]
    got = caching.caching_pays(n, reuses, models=[model], write_duration=duration, as_of=AS_OF)
    one_hour = n if duration == "1h" else 0
    write = _calc(model, provider, input_tokens=n, cache_write_tokens=n, cache_write_1h_tokens=one_hour)
    read = _calc(model, provider, input_tokens=n, cache_read_tokens=n)
    plain = _calc(model, provider, input_tokens=n)
    assert got["without_cache_usd"].tolist() == pytest.approx([(1 + r) * plain for r in reuses], abs=1e-12)
    assert got["with_cache_usd"].tolist() == pytest.approx([write + r * read for r in reuses], abs=1e-12)
    even = got["break_even_reuses"].iloc[0]
    assert write + even * read <= (1 + even) * plain + 1e-12
    if even > 0:
        assert write + (even - 1) * read > even * plain


def test_break_even_per_provider() -> None:
    five = caching.caching_pays(10_000, [1], as_of=AS_OF).set_index("model")
    hour = caching.caching_pays(10_000, [1], write_duration="1h", as_of=AS_OF).set_index("model")
    assert five.loc["gpt-4.1", "break_even_reuses"] == 0 and five.loc["gpt-4.1", "write_vs_input"] == 1.0
    assert five.loc["claude-sonnet-4-5", "break_even_reuses"] == 1
    assert five.loc["claude-sonnet-4-5", "write_vs_input"] == pytest.approx(1.25)
    assert hour.loc["claude-sonnet-4-5", "break_even_reuses"] == 2
    assert hour.loc["claude-sonnet-4-5", "write_vs_input"] == pytest.approx(2.0)
    assert not hour.loc["claude-sonnet-4-5", "pays"]  # one reuse does not pay back a 1-hour write
    assert "storage per hour" in five.loc["gemini-2.5-flash", "note"]


def test_storage_moves_the_break_even() -> None:
    free = caching.caching_pays(100_000, [1], models=["gemini-2.5-flash"], as_of=AS_OF).iloc[0]
    kept = caching.caching_pays(100_000, [1], models=["gemini-2.5-flash"], as_of=AS_OF,
                                storage_usd_per_mtok_hour=1.0, hours=2).iloc[0]
    assert kept["with_cache_usd"] == pytest.approx(free["with_cache_usd"] + 100_000 * 2 * 1.0 / 1e6)
    assert kept["break_even_reuses"] > free["break_even_reuses"] and kept["note"] == "writes cost the same as plain input"


def test_long_context_tier_applies() -> None:
    """Past 200k input tokens the whole request pays Sonnet 4.5's long-context prices, cache reads too."""
    got = caching.caching_pays(250_000, [1], models=["claude-sonnet-4-5"], as_of=AS_OF).iloc[0]
    assert got["without_cache_usd"] == pytest.approx(2 * 250_000 * 6.0 / 1e6)
    assert got["with_cache_usd"] == pytest.approx(250_000 * (7.5 + 0.6) / 1e6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"prefix_tokens": 0}, "prefix_tokens: 0"), ({"prefix_tokens": -5}, "prefix_tokens: -5"),
     ({"reuses": [1, -1]}, "reuses: -1"), ({"write_duration": "2h"}, "write_duration: '2h'"),
     ({"models": ["claude-sonet-4-5"]}, "closest known: claude-sonnet-4-5"), ({"models": []}, "models:")],
)
def test_bad_input(kwargs: dict, message: str) -> None:
    args = {"prefix_tokens": 1000, **kwargs}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        caching.caching_pays(**args)


def test_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["caching", "--prefix-tokens", "20000", "--reuses", "1,3", "--model", "claude-sonnet-4-5",
                     "--model", "gpt-4.1", "--write-duration", "1h", "--as-of", AS_OF])
    out = capsys.readouterr().out
    assert code == 0
    assert "claude-sonnet-4-5: pays from 2 reuse(s) (write 2.00x, read 0.10x input)" in out
    assert "gpt-4.1: never costs more, saves from the first reuse" in out
    code = cli.main(["caching", "--prefix-tokens", "20000", "--format", "json", "--as-of", AS_OF])
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert code == 0 and {r["model"] for r in rows} == set(caching.DEFAULT_MODELS)
    assert cli.main(["caching", "--prefix-tokens", "1000", "--reuses", "1,x"]) == 2
    assert capsys.readouterr().err == "error: --reuses: '1,x' is not a comma-separated list of whole numbers\n"
