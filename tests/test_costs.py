"""The cost engine: billing semantics, components, tiers, dates and errors that name the row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explorer import COMPONENTS, cost_of, price_usage, summarize
from explorer.costs import usage_frame

SEED_DAY = "2025-05-16"


def test_seed_worked_example() -> None:
    r = cost_of("gpt-4o", 1000, 500, as_of=SEED_DAY)
    assert r["input_usd"] == pytest.approx(0.0025, abs=1e-15)
    assert r["output_usd"] == pytest.approx(0.005, abs=1e-15)
    assert r["total_usd"] == pytest.approx(0.0075, abs=1e-15)


def test_components_sum_to_total() -> None:
    usage = usage_frame([
        dict(model="gpt-5", input_tokens=12_000, cached_input_tokens=4_000, output_tokens=3_000,
             reasoning_tokens=2_000, web_search_calls=3, file_search_calls=2),
        dict(model="gpt-4o-mini", input_tokens=100, output_tokens=5),
    ])
    out = price_usage(usage, as_of="2026-11-27")
    assert np.allclose(out[list(COMPONENTS)].sum(axis=1), out["total_usd"], rtol=0, atol=1e-15)


def test_cached_tokens_are_part_of_input() -> None:
    # gpt-5: $1.25 input, $0.125 cached, per 1M.
    r = cost_of("gpt-5", 10_000, 0, cached_input_tokens=4_000, as_of="2026-11-27")
    assert r["input_usd"] == pytest.approx(6_000 * 1.25 / 1e6)
    assert r["cached_input_usd"] == pytest.approx(4_000 * 0.125 / 1e6)
    assert r["total_usd"] < cost_of("gpt-5", 10_000, 0, as_of="2026-11-27")["total_usd"]


def test_reasoning_tokens_are_part_of_output_at_the_output_rate() -> None:
    with_r = cost_of("o3", 0, 1_000, reasoning_tokens=800, as_of="2026-11-27")
    without = cost_of("o3", 0, 1_000, as_of="2026-11-27")
    assert with_r["total_usd"] == pytest.approx(without["total_usd"])
    assert with_r["reasoning_usd"] == pytest.approx(800 * 8 / 1e6)
    assert with_r["output_usd"] == pytest.approx(200 * 8 / 1e6)


def test_model_without_cache_price_bills_cached_tokens_at_input_rate() -> None:
    r = cost_of("gpt-4", 1_000, 0, cached_input_tokens=500, as_of="2026-06-01")
    assert r["total_usd"] == pytest.approx(1_000 * 30 / 1e6)


def test_long_context_tier_applies_to_the_whole_request_above_threshold() -> None:
    at = cost_of("gpt-5.4", 272_000, 1_000, as_of="2026-11-27")
    above = cost_of("gpt-5.4", 272_001, 1_000, as_of="2026-11-27")
    assert at["input_usd"] == pytest.approx(272_000 * 2.5 / 1e6)
    assert at["output_usd"] == pytest.approx(1_000 * 15 / 1e6)
    assert above["input_usd"] == pytest.approx(272_001 * 5 / 1e6)
    assert above["output_usd"] == pytest.approx(1_000 * 22.5 / 1e6)


@pytest.mark.parametrize(
    ("tier", "factor"), [("standard", 1.0), ("batch", 0.5), ("flex", 0.5), ("priority", 2.0)]
)
def test_service_tiers(tier: str, factor: float) -> None:
    # 100K prompt tokens: under the 128K above which priority is billed at standard rates.
    r = cost_of("gpt-5", 100_000, 1_000_000, service_tier=tier, as_of="2025-09-01")
    assert r["total_usd"] == pytest.approx((0.125 + 10) * factor)


def test_default_service_tier_name_means_standard() -> None:
    out = price_usage(usage_frame([dict(model="gpt-4o", input_tokens=10, output_tokens=1, service_tier="default")]))
    assert out["service_tier"].iloc[0] == "standard"


def test_each_row_is_priced_as_of_its_timestamp() -> None:
    usage = usage_frame([
        dict(model="o3", input_tokens=1_000_000, output_tokens=0, timestamp="2025-06-09T23:59:59Z"),
        dict(model="o3", input_tokens=1_000_000, output_tokens=0, timestamp="2025-06-10T00:00:00Z"),
        dict(model="o3", input_tokens=1_000_000, output_tokens=0, timestamp=1_750_000_000),  # epoch seconds, 2025-06-15
    ])
    out = price_usage(usage)
    assert out["total_usd"].tolist() == pytest.approx([10.0, 2.0, 2.0])


def test_tool_calls_priced_per_thousand() -> None:
    r = cost_of("gpt-4.1", 0, 0, as_of="2026-11-27", web_search_calls=1000, file_search_calls=1000)
    assert r["web_search_usd"] == pytest.approx(10.0)
    assert r["file_search_usd"] == pytest.approx(2.5)


def test_other_columns_pass_through_and_optional_counts_default_to_zero() -> None:
    usage = usage_frame([dict(model="gpt-4o", input_tokens=10, output_tokens=1, project="p1")])
    out = price_usage(usage, as_of="2026-11-27")
    assert out["project"].tolist() == ["p1"]
    assert out["cached_input_usd"].iloc[0] == 0.0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (dict(model="gpt4o"), "usage row 1, column 'model': unknown model 'gpt4o'; closest known: gpt-4o"),
        (dict(model=""), "usage row 1, column 'model': empty model name"),
        (dict(input_tokens=-5), "usage row 1, column 'input_tokens': -5 is negative"),
        (dict(input_tokens=2.5), "usage row 1, column 'input_tokens': 2.5 is not a whole number"),
        (dict(input_tokens=float("nan")), "usage row 1, column 'input_tokens': is empty"),
        (dict(input_tokens="many"), "usage row 1, column 'input_tokens': 'many' is not a number"),
        (dict(input_tokens=float("inf")), "usage row 1, column 'input_tokens': inf is not finite"),
        (dict(input_tokens=10**18), "usage row 1, column 'input_tokens': 1e+18 is implausibly large"),
        (dict(cached_input_tokens=2_000), "usage row 1: cached_input_tokens 2000 exceeds input_tokens 1000"),
        (dict(reasoning_tokens=600), "usage row 1: reasoning_tokens 600 exceeds output_tokens 500"),
        (dict(service_tier="turbo"), "usage row 1, column 'service_tier': unknown tier 'turbo'"),
        (dict(service_tier="flex"), "usage row 1: service tier 'flex' is not offered for gpt-4o"),
        (dict(timestamp="someday"), "usage row 1, column 'timestamp': 'someday' is not a date or time"),
        (dict(timestamp="1999-12-31"), "usage row 1, column 'timestamp': 1999-12-31 is before the first API prices"),
        (dict(timestamp="2199-01-01"), "usage row 1, column 'timestamp': 2199-01-01 is in the future"),
        (dict(model="gpt-5", timestamp="2024-01-01"), "usage row 1: gpt-5 was not launched until 2025-08-07"),
        (dict(model="text-embedding-3-small"), "usage row 1: text-embedding-3-small has no price for text output"),
        (dict(model="gpt-4.1-nano", web_search_calls=1, timestamp="2026-06-01"),
         "usage row 1: gpt-4.1-nano has no price for web search calls"),
    ],
)
def test_bad_rows_are_named(row: dict, message: str) -> None:
    base = dict(model="gpt-4o", input_tokens=1_000, output_tokens=500)
    base.update(row)
    with pytest.raises(ValueError) as exc:
        price_usage(usage_frame([dict(model="gpt-4o", input_tokens=1, output_tokens=1), base]).iloc[[1]], as_of="2026-11-27")
    assert message.replace("row 1", "row 2") in str(exc.value)


def test_missing_required_column() -> None:
    with pytest.raises(ValueError, match="usage: missing column 'output_tokens'"):
        price_usage(pd.DataFrame({"model": ["gpt-4o"], "input_tokens": [1]}))


def test_unknown_models_are_never_free() -> None:
    usage = usage_frame([
        dict(model="gpt-4o", input_tokens=1_000, output_tokens=0),
        dict(model="my-local-llama", input_tokens=1_000, output_tokens=0),
    ])
    with pytest.raises(ValueError, match="my-local-llama"):
        price_usage(usage)
    out = price_usage(usage, skip_unknown=True, as_of="2026-11-27")
    assert out["priced"].tolist() == [True, False]
    assert np.isnan(out["total_usd"].iloc[1])
    assert "unknown model 'my-local-llama'" in out["unpriced_reason"].iloc[1]
    s = summarize(out)
    assert (s.priced_rows, s.unpriced_rows, s.unpriced_models) == (1, 1, ("my-local-llama",))
    assert s.total_usd == pytest.approx(0.0025)
    assert "1 row(s) NOT priced" in s.describe()


def test_overrides_flow_into_costs(write_csv) -> None:
    path = write_csv("ov.csv", "model,input_usd_per_mtok,output_usd_per_mtok,note\ngpt-4o,1,1,deal\n")
    out = price_usage(usage_frame([dict(model="gpt-4o", input_tokens=1_000_000, output_tokens=1_000_000)]),
                      overrides=path, as_of="2026-11-27")
    assert out["total_usd"].iloc[0] == pytest.approx(2.0)
    assert bool(out["is_override"].iloc[0])
    assert "override" in str(out["price_source"].iloc[0])


def test_private_model_from_overrides(write_csv) -> None:
    path = write_csv("ov.csv", "provider,model,input_usd_per_mtok,output_usd_per_mtok\nacme,acme-7b,0.1,0.2\n")
    from explorer import price_history

    table = price_history(overrides=path)
    out = price_usage(usage_frame([dict(model="acme-7b", provider="acme", input_tokens=10**6, output_tokens=10**6)]),
                      prices=table)
    assert out["total_usd"].iloc[0] == pytest.approx(0.3)


def test_many_rows_many_models_vectorised() -> None:
    rng = np.random.default_rng(7)
    models = np.array(["gpt-4o", "gpt-5.4", "o3", "claude-sonnet-4-5", "gemini-2.5-pro"])
    n = 5_000
    usage = pd.DataFrame({
        "model": models[rng.integers(0, len(models), n)],
        "input_tokens": rng.integers(0, 400_000, n),
        "output_tokens": rng.integers(0, 20_000, n),
    })
    out = price_usage(usage, as_of="2026-11-27")
    one_by_one = [
        float(cost_of(r.model, int(r.input_tokens), int(r.output_tokens), as_of="2026-11-27")["total_usd"])
        for r in usage.head(40).itertuples()
    ]
    assert out["total_usd"].head(40).tolist() == pytest.approx(one_by_one, rel=0, abs=1e-12)


def _mixed_log(n: int, seed: int = 3) -> pd.DataFrame:
    """Tiered and flat models, four service tiers, prices that change inside the span, an unknown model."""
    rng = np.random.default_rng(seed)
    models = np.array(["gpt-4o", "gpt-5.4", "o3", "gpt-4.1-mini", "claude-sonnet-4-5", "no-such-model"])
    inp = rng.integers(0, 400_000, n)
    out = rng.integers(0, 20_000, n)
    log = pd.DataFrame({
        "model": models[rng.integers(0, len(models), n)],
        "input_tokens": inp,
        "cached_input_tokens": (inp * rng.random(n) * 0.5).astype(np.int64),
        "output_tokens": out,
        "reasoning_tokens": (out * rng.random(n) * 0.5).astype(np.int64),
        "service_tier": np.array(["standard", "batch", "default", "priority"])[rng.integers(0, 4, n)],
        # 2025-05 to 2026-06: o3 changes price inside this span, so some pairs take the per-row date search
        "timestamp": pd.Timestamp("2025-05-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
    })
    late = log["model"] == "gpt-5.4"  # launched 2026-03-05
    log.loc[late, "timestamp"] = pd.Timestamp("2026-03-05") + pd.to_timedelta(rng.integers(0, 260, late.sum()), unit="D")
    # Only tiers that were on offer: Anthropic here is standard only, priority began 2025-06-16.
    standard = (log["model"] == "claude-sonnet-4-5") | (log["timestamp"] < "2025-06-16")
    log.loc[standard, "service_tier"] = "standard"
    return log


def test_block_size_never_changes_a_result(monkeypatch) -> None:
    """Rows are priced in blocks; any block size gives the same frame, and a frame equals its rows priced alone."""
    from explorer import costs

    usage = _mixed_log(3_000)
    whole = price_usage(usage, skip_unknown=True)
    monkeypatch.setattr(costs, "_BLOCK_ROWS", 7)
    blocked = price_usage(usage, skip_unknown=True)
    pd.testing.assert_frame_equal(whole, blocked)
    # Big frames run their blocks on several threads, in contiguous shares: same frame again.
    monkeypatch.setattr(costs, "_PARALLEL_ROWS", 100)
    monkeypatch.setattr(costs.os, "cpu_count", lambda: 3)
    assert costs._workers(len(usage)) == 3
    pd.testing.assert_frame_equal(whole, price_usage(usage, skip_unknown=True))
    assert whole["priced"].sum() < len(usage) and whole.loc[~whole["priced"], "total_usd"].isna().all()
    assert (whole.loc[whole["priced"], "total_usd"] > 0).all()
    for r in usage[usage["model"] != "no-such-model"].head(60).itertuples():
        alone = cost_of(r.model, r.input_tokens, r.output_tokens, cached_input_tokens=r.cached_input_tokens,
                        reasoning_tokens=r.reasoning_tokens, service_tier=r.service_tier, as_of=r.timestamp.date())
        assert whole.loc[r.Index, "total_usd"] == pytest.approx(alone["total_usd"], rel=0, abs=1e-12), r


@pytest.mark.parametrize("threads", [1, 3])
def test_errors_name_the_first_bad_row_in_a_later_block(monkeypatch, threads: int) -> None:
    from explorer import costs

    monkeypatch.setattr(costs, "_BLOCK_ROWS", 4)
    monkeypatch.setattr(costs, "_PARALLEL_ROWS", 10 if threads > 1 else 10**9)
    monkeypatch.setattr(costs.os, "cpu_count", lambda: threads)
    usage = _mixed_log(20)
    usage["model"] = "gpt-4o"
    usage.loc[13, "cached_input_tokens"] = usage.loc[13, "input_tokens"] + 1
    with pytest.raises(ValueError, match=r"^usage row 13: cached_input_tokens \d+ exceeds input_tokens"):
        price_usage(usage)
    usage = _mixed_log(20)
    usage["model"] = "gpt-4o"
    usage.loc[17, "timestamp"] = pd.Timestamp("2024-05-20")  # before gpt-4o had a priority price
    usage.loc[17, "service_tier"] = "priority"
    usage.loc[9, "service_tier"] = "flex"  # wrong too, earlier, in another block and thread share
    usage.loc[9, "timestamp"] = pd.Timestamp("2024-05-20")
    with pytest.raises(ValueError, match=r"^usage row 9: service tier 'flex' is not offered for gpt-4o"):
        price_usage(usage)
    usage.loc[9, "service_tier"] = "standard"
    with pytest.raises(ValueError, match=r"^usage row 17: service tier 'priority' is not offered for gpt-4o"):
        price_usage(usage)


@pytest.mark.parametrize("kind", ["str", "object", "category", "pyarrow"])
def test_any_column_type_gives_the_same_prices_and_errors(kind: str) -> None:
    """Model and tier columns are read through their own codes (categorical, Arrow, object): the results
    and the row an error names must not depend on which."""
    def as_kind(values: list) -> pd.Series:
        if kind == "category":  # extra, unused categories (one a typo) must neither count nor raise
            return pd.Series(pd.Categorical(values, categories=sorted({*filter(None, values), "zz-unused", "gpt-4o"})))
        if kind == "pyarrow":
            return pd.Series(values, dtype="string[pyarrow]")
        return pd.Series(values, dtype=object if kind == "object" else "str")

    models = ["o3", "gpt-4.1-mini", "o3", "gpt-5.4"]
    tiers = ["batch", None, "priority", "standard"]
    usage = pd.DataFrame({"model": as_kind(models), "service_tier": as_kind(tiers),
                          "input_tokens": [10**6, 2 * 10**6, 300_000, 400_000], "output_tokens": [1000, 0, 5, 7]})
    out = price_usage(usage, as_of="2026-11-27")
    one_by_one = [float(cost_of(m, int(i), int(o), service_tier=t or "standard", as_of="2026-11-27")["total_usd"])
                  for m, t, i, o in zip(models, tiers, usage["input_tokens"], usage["output_tokens"], strict=True)]
    assert out["total_usd"].tolist() == pytest.approx(one_by_one, rel=0, abs=1e-12)
    assert out["resolved_model"].astype(str).tolist() == models
    assert out["service_tier"].astype(str).tolist() == ["batch", "standard", "priority", "standard"]

    # Sorted categories put "a-bad-model" first, but the first row at fault is row 2 ("zz-bad", row 1 is fine).
    bad = pd.DataFrame({"model": as_kind(["gpt-4o", "zz-bad", "a-bad-model"]).array, "input_tokens": [1, 1, 1],
                        "output_tokens": [1, 1, 1]}, index=[1, 2, 3])
    with pytest.raises(ValueError, match=r"^usage row 2, column 'model': unknown model 'zz-bad'"):
        price_usage(bad, as_of="2026-11-27")
    bad = pd.DataFrame({"model": as_kind(["gpt-4o"] * 3).array, "service_tier": as_kind(["batch", "zzz", "aaa"]).array,
                        "input_tokens": [1, 1, 1], "output_tokens": [1, 1, 1]}, index=[1, 2, 3])
    with pytest.raises(ValueError, match=r"^usage row 2, column 'service_tier': unknown tier 'zzz'"):
        price_usage(bad, as_of="2026-11-27")
    empty = price_usage(pd.DataFrame({"model": as_kind([]), "input_tokens": [], "output_tokens": []}),
                        as_of="2026-11-27")
    assert len(empty) == 0 and "total_usd" in empty.columns


def test_missing_tier_in_python_strings_is_standard() -> None:
    usage = pd.DataFrame({"model": ["gpt-4o"] * 2, "input_tokens": [10**6] * 2, "output_tokens": [0, 0],
                          "service_tier": pd.Series(["batch", None], dtype="string[python]")})
    out = price_usage(usage, as_of="2025-05-01")
    assert out["service_tier"].astype(str).tolist() == ["batch", "standard"]
    assert out["total_usd"].tolist() == pytest.approx([1.25, 2.5])


def test_narrow_integer_parts_cannot_wrap_around() -> None:
    usage = pd.DataFrame({"model": ["gpt-4o"], "input_tokens": np.array([3_000_000_000]), "output_tokens": [1],
                          "cached_input_tokens": np.array([2_000_000_000], "int32"),
                          "cache_write_tokens": np.array([2_000_000_000], "int32")})
    with pytest.raises(ValueError, match=r"cached_input_tokens 2000000000 \+ cache_write_tokens 2000000000 exceeds"):
        price_usage(usage, as_of="2025-05-01")
    small = pd.DataFrame({"model": ["gpt-4o"], "input_tokens": np.array([250], "uint8"),
                          "cached_input_tokens": np.array([100], "int8"), "output_tokens": np.array([0], "int16")})
    assert price_usage(small, as_of="2025-05-01")["input_usd"].iloc[0] == pytest.approx(150 * 2.5e-6)


def test_long_context_tier_that_ends_inside_the_span() -> None:
    """claude-opus-4-6's 200k tier ended on 2026-03-13: a log across that day prices each row as of its day."""
    usage = pd.DataFrame({"model": ["claude-opus-4-6"] * 2, "input_tokens": [250_000] * 2, "output_tokens": [10] * 2,
                          "timestamp": pd.to_datetime(["2026-03-01", "2026-03-15"])})
    out = price_usage(usage)
    alone = [float(price_usage(usage.iloc[[i]])["input_usd"].iloc[0]) for i in range(2)]
    assert out["input_usd"].tolist() == pytest.approx(alone) and alone[0] != pytest.approx(alone[1])


@pytest.mark.parametrize("block_rows", [1, 2, 1 << 15])
def test_first_bad_row_wins_whatever_is_wrong_with_it(write_csv, monkeypatch, block_rows: int) -> None:
    from explorer import costs, price_history

    monkeypatch.setattr(costs, "_BLOCK_ROWS", block_rows)
    path = write_csv("ov.csv", "provider,model,input_usd_per_mtok,output_usd_per_mtok\nacme,no-output,1,\n")
    usage = usage_frame([
        dict(model="gpt-4o", provider="openai", input_tokens=10, output_tokens=1),
        dict(model="no-output", provider="acme", input_tokens=10, output_tokens=5),  # no output rate
        dict(model="gpt-4o", provider="openai", input_tokens=10, output_tokens=1, service_tier="flex"),  # no flex
    ])
    with pytest.raises(ValueError, match=r"^usage row 2: no-output has no price for text output"):
        price_usage(usage, prices=price_history(overrides=path), as_of="2025-05-01")
