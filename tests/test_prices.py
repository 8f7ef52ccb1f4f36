"""The price table: shape, dates, sources, resolution and validation."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from explorer import load_overrides, load_prices, prices, resolve_model
from explorer.prices import PRICE_COLUMNS, UnknownModelError


def row(table: pd.DataFrame, model: str, *, provider: str = "openai", above: int = 0) -> pd.Series:
    hit = table[(table["model"] == model) & (table["provider"] == provider) & (table["tier_above_input_tokens"] == above)]
    assert len(hit) == 1, f"{len(hit)} rows for {provider}/{model} above {above}"
    return hit.iloc[0]


def test_columns_dtypes_and_units_in_names() -> None:
    table = load_prices("2026-11-27")
    # The dated table's columns, plus the model's lifecycle status on the day asked for.
    assert list(table.columns) == [*PRICE_COLUMNS, "lifecycle_status"]
    assert set(table["lifecycle_status"]) <= set(prices.LIFECYCLE_STATUSES)
    for col, dtype in PRICE_COLUMNS.items():
        assert str(table[col].dtype).startswith(dtype.split("[")[0]), col
    price_cols = [c for c in table.columns if "usd" in c]
    assert all(c.endswith(("_per_mtok", "_per_kcall")) for c in price_cols)


def test_openai_first_then_every_genai_provider() -> None:
    from genai_prices.data import providers

    table = load_prices("2026-11-27")
    assert table["provider"].iloc[0] == "openai"
    first_other = table.index[table["provider"] != "openai"][0]
    assert (table["provider"].iloc[:first_other] == "openai").all()
    with_token_prices = {
        p.id for p in providers
        if any(not isinstance(m.prices, list) and m.prices.input_mtok is not None for m in p.models)
    }
    assert with_token_prices <= set(table["provider"])


def test_one_row_per_model_and_long_context_tier_on_a_day() -> None:
    table = load_prices("2026-11-27")
    assert not table.duplicated(["provider", "model", "tier_above_input_tokens"]).any()
    base, long = row(table, "gpt-5.4"), row(table, "gpt-5.4", above=272_000)
    assert (base["input_usd_per_mtok"], base["output_usd_per_mtok"]) == (2.5, 15)
    assert (long["input_usd_per_mtok"], long["output_usd_per_mtok"]) == (5, 22.5)


@pytest.mark.parametrize(
    ("model", "day", "expected"),
    [
        ("gpt-4o", "2024-06-01", (5.0, 15.0)),  # the alias pointed at gpt-4o-2024-05-13
        ("gpt-4o", "2025-05-16", (2.5, 10.0)),
        ("gpt-4o-2024-08-06", "2024-09-01", (2.5, 10.0)),
        ("o3", "2025-05-16", (10.0, 40.0)),
        ("o3", "2025-07-01", (2.0, 8.0)),  # the 2025-06-10 price cut, from genai-prices
        ("gpt-3.5-turbo", "2023-04-01", (2.0, 2.0)),
        ("gpt-3.5-turbo", "2023-09-01", (1.5, 2.0)),
        ("gpt-3.5-turbo", "2025-05-16", (0.5, 1.5)),
        ("gpt-4", "2023-06-01", (30.0, 60.0)),
    ],
)
def test_prices_in_force_on_a_day(model: str, day: str, expected: tuple[float, float]) -> None:
    r = row(load_prices(day, provider="openai"), model)
    assert (r["input_usd_per_mtok"], r["output_usd_per_mtok"]) == expected


def test_models_are_absent_before_launch() -> None:
    early = set(load_prices("2023-06-01", provider="openai")["model"])
    assert "gpt-4" in early and "gpt-3.5-turbo" in early
    assert not {"gpt-4o", "gpt-5", "o3", "gpt-4.1"} & early
    assert "gpt-5" in set(load_prices("2025-08-07", provider="openai")["model"])


def test_history_rows_do_not_overlap(history: pd.DataFrame) -> None:
    lo = history["valid_from"].fillna(pd.Timestamp.min)
    for _, g in history.assign(_lo=lo).groupby(["provider", "model", "service_tier", "tier_above_input_tokens"]):
        g = g.sort_values("_lo")
        ends, starts = g["valid_to"].iloc[:-1].to_numpy(), g["_lo"].iloc[1:].to_numpy()
        assert all(pd.notna(e) and e <= s for e, s in zip(ends, starts, strict=True))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpt-4o", ("openai", "gpt-4o")),
        ("GPT-4o", ("openai", "gpt-4o")),
        ("gpt-4o-2024-11-20", ("openai", "gpt-4o")),
        ("gpt-4o-2024-05-13", ("openai", "gpt-4o-2024-05-13")),
        ("gpt-4o-2024-08-06", ("openai", "gpt-4o-2024-08-06")),
        ("o3-2025-04-16", ("openai", "o3")),
        ("gpt-4.1-mini-2025-04-14", ("openai", "gpt-4.1-mini")),
        ("claude-sonnet-4-5", ("anthropic", "claude-sonnet-4-5")),
    ],
)
def test_resolve_model(name: str, expected: tuple[str, str]) -> None:
    assert resolve_model(name) == expected


def test_dated_snapshots_resolve_to_their_price() -> None:
    day = "2024-09-01"
    table = load_prices(day, provider="openai")
    assert row(table, "gpt-4o-2024-05-13")["input_usd_per_mtok"] == 5.0
    assert row(table, "gpt-4o-2024-08-06")["input_usd_per_mtok"] == 2.5


def test_misspelt_model_names_the_closest() -> None:
    with pytest.raises(UnknownModelError) as exc:
        resolve_model("gpt4o-mini")
    assert "gpt-4o-mini" in str(exc.value)
    assert exc.value.suggestions[0] == "gpt-4o-mini"
    with pytest.raises(UnknownModelError, match="closest known"):
        resolve_model("gtp-5")


def test_unknown_provider_is_named() -> None:
    with pytest.raises(ValueError, match="provider: unknown 'opnai'; closest known: openai"):
        load_prices(provider="opnai")


def test_sources_are_named(history: pd.DataFrame) -> None:
    assert history["source"].notna().all()
    assert history["source"].str.startswith(("genai-prices", "data/")).all()
    # Checked curated rows carry the day they were checked; genai-prices rows were never checked one by one.
    assert history["verified_on"].notna().any()
    assert history.loc[history["source"].str.startswith("genai-prices"), "verified_on"].isna().all()


def test_batch_is_half_price_since_the_batch_api_and_not_before() -> None:
    std = row(load_prices("2024-06-01", provider="openai"), "gpt-4-turbo")
    batch = row(load_prices("2024-06-01", provider="openai", service_tier="batch"), "gpt-4-turbo")
    assert batch["input_usd_per_mtok"] == std["input_usd_per_mtok"] / 2
    assert batch["output_usd_per_mtok"] == std["output_usd_per_mtok"] / 2
    before = load_prices("2024-04-14", provider="openai", service_tier="batch")
    assert before.empty


def test_flex_only_where_offered_and_priority_costs_more() -> None:
    flex = set(load_prices("2025-09-01", provider="openai", service_tier="flex")["model"])
    assert {"o3", "o4-mini", "gpt-5"} <= flex
    assert "gpt-4o" not in flex
    pri = row(load_prices("2025-09-01", provider="openai", service_tier="priority"), "gpt-5")
    assert pri["input_usd_per_mtok"] > 1.25


def test_realtime_models_have_no_batch_tier() -> None:
    batch = set(load_prices("2026-11-27", provider="openai", service_tier="batch")["model"])
    assert "gpt-4o" in batch
    assert "gpt-realtime" not in batch


def test_history_view_and_all_tiers() -> None:
    h = load_prices(history=True, provider="openai", model="gpt-4o-mini", service_tier=None)
    assert set(h["service_tier"]) >= {"standard", "batch", "priority"}
    assert h["valid_from"].nunique() > 1


# ---------------------------------------------------------------- overrides


def test_overrides_replace_and_are_marked(write_csv) -> None:
    path = write_csv(
        "ov.csv",
        """
model,input_usd_per_mtok,output_usd_per_mtok,note
gpt-4o,2.0,8.0,negotiated 20% off
my-finetune,1.0,4.0,private model
""",
    )
    table = load_prices("2026-11-27", overrides=path)
    g = row(table, "gpt-4o")
    assert (g["input_usd_per_mtok"], g["output_usd_per_mtok"], g["is_override"]) == (2.0, 8.0, True)
    assert "negotiated" in g["source"] and g["source"].startswith("override")
    mine = row(table, "my-finetune", provider="override")
    assert mine["is_override"]
    assert not row(table, "gpt-4o-mini")["is_override"]


def test_with_overrides_is_one_way_to_get_the_table(write_csv) -> None:
    """A given table, the default one, a CSV path or a loaded frame: the same overridden prices."""
    from explorer.prices import price_history, with_overrides

    path = write_csv("ov.csv", "model,input_usd_per_mtok,output_usd_per_mtok\ngpt-4o,2.0,8.0\n")
    base = price_history()
    assert with_overrides(base, None) is base
    expected = price_history(overrides=path)
    for got in (with_overrides(base, path), with_overrides(None, path), with_overrides(base, load_overrides(path))):
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
    assert expected["is_override"].any() and not base["is_override"].any()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model,input_usd_per_mtok\ngpt-4o,-1\n", "ov.csv, line 2, column 'input_usd_per_mtok': negative price -1"),
        ("model,input_usd_per_mtok,colour\ngpt-4o,1,red\n", "ov.csv, line 1, column 'colour': unknown column"),
        ("model,input_usd_per_mtok\ngpt-4o,1\ngpt-4o,2\n", "ov.csv, line 3, column 'model': duplicate row (model=gpt-4o, service_tier=standard), first seen on line 2"),
        ("model,input_usd_per_mtok\ngpt-4o,abc\n", "ov.csv, line 2, column 'input_usd_per_mtok': 'abc' is not a number"),
        ("model,input_usd_per_mtok\n", "ov.csv: no rows (header only)"),
        ("model,output_usd_per_mtok,valid_from\ngpt-4o,1,2025-13-01\n", "line 2, column 'valid_from': '2025-13-01' is not a date"),
        ("model,note\ngpt-4o,nothing\n", "ov.csv, line 2: no price given for 'gpt-4o'"),
        (
            "model,input_usd_per_mtok,valid_from,valid_to\nm,1,2025-01-01,2025-06-01\nm,2,2025-05-01,\n",
            "ov.csv, line 3, column 'valid_from': date range overlaps line 2",
        ),
        (
            "model,input_usd_per_mtok,tier_above_input_tokens\nm,1,200000\nm,2,0\n",
            "ov.csv, line 3, column 'tier_above_input_tokens': tiers not ascending",
        ),
        ("model,input_usd_per_mtok,service_tier\ngpt-4o,1,turbo\n", "line 2, column 'service_tier': unknown service tier 'turbo'"),
        ("", "ov.csv: empty file"),
    ],
)
def test_override_validation_names_file_line_column(write_csv, text: str, message: str) -> None:
    path = write_csv("ov.csv", text)
    with pytest.raises(ValueError) as exc:
        load_overrides(path)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_curated_csv_validation(write_csv, curated_csvs: dict[str, Path]) -> None:
    bad_history = write_csv(
        "h.csv",
        """
provider,model,valid_from,valid_to,input_usd_per_mtok,cached_input_usd_per_mtok,output_usd_per_mtok,source,verified_on
openai,gpt-4o,2024-05-13,2024-10-02,5,,15,x,
openai,gpt-4o,2024-09-01,,2.5,,10,y,
""",
    )
    with pytest.raises(ValueError, match=r"h\.csv, line 3, column 'valid_from': date range overlaps line 2"):
        load_prices(**{**curated_csvs, "history_csv": bad_history})
    neg = write_csv(
        "t.csv",
        "provider,model,service_tier,valid_from,valid_to,price_multiplier\nopenai,*,batch,2024-04-15,,-0.5\n",
    )
    with pytest.raises(ValueError, match=r"t\.csv, line 2, column 'price_multiplier': negative price"):
        load_prices(**{**curated_csvs, "tiers_csv": neg})
    backwards = write_csv(
        "l.csv", "provider,model,launched\nopenai,gpt-4o,2024-05-13\nopenai,gpt-4o,2024-05-14\n"
    )
    with pytest.raises(ValueError, match=r"l\.csv, line 3, column 'model': duplicate row \(provider=openai, model=gpt-4o\)"):
        load_prices(**{**curated_csvs, "launches_csv": backwards})


def test_bundled_curated_csvs_are_valid(curated_csvs: dict[str, Path]) -> None:
    prices._curated.cache_clear()
    la, hi, ti, co = prices._curated(*(p.resolve() for p in curated_csvs.values()))
    assert len(la) > 50 and len(hi) > 5 and len(ti) > 20 and len(co) >= 2


def test_image_prices() -> None:
    img = load_prices_image = prices.load_image_prices("2025-05-16")
    gi = load_prices_image[(img["model"] == "gpt-image-1") & (img["size"] == "1024x1024")]
    assert dict(zip(gi["quality"], gi["usd_per_image"], strict=True)) == {"low": 0.011, "medium": 0.042, "high": 0.167}
    assert prices.load_image_prices("2024-01-01").query("model == 'gpt-image-1'").empty


def test_bad_as_of_is_named() -> None:
    with pytest.raises(ValueError, match="as_of: 'soon' is not a date"):
        load_prices("soon")
    with pytest.raises(ValueError, match=r"as_of: 2019-01-01 is before the first API prices \(2020-06-11\)"):
        load_prices("2019-01-01")
    with pytest.raises(ValueError, match="as_of: 2101-01-01 is in the future; prices are known up to today"):
        load_prices("2101-01-01")


def test_no_price_is_zero_by_accident(history: pd.DataFrame) -> None:
    # A missing price is NaN, never 0: 0 would silently make a model look free.
    openai = history[history["provider"] == "openai"]
    assert not (openai["input_usd_per_mtok"] == 0).any()
    assert math.isnan(row(load_prices("2026-11-27"), "text-embedding-3-small")["output_usd_per_mtok"])
