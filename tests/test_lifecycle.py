"""Prices you can trust on any date: lifecycle, no invented history, exceptions as data, provenance."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from explorer import changes, costs, prices
from explorer.cli import main
from explorer.compare import rank_models
from explorer.prices import load_prices


def row(table: pd.DataFrame, model: str, above: int = 0) -> pd.Series:
    hit = table[(table["model"] == model) & (table["tier_above_input_tokens"] == above)]
    assert len(hit) == 1, (model, above, len(hit))
    return hit.iloc[0]


def in_force_models(day: str, tier: str = "standard") -> set[str]:
    return set(load_prices(day, provider="openai", service_tier=tier)["model"])


# ---------------------------------------------------------------- lifecycle


def test_gpt3_base_models_are_gone_after_their_shutdown() -> None:
    assert {"ada", "babbage", "curie", "davinci"} <= in_force_models("2023-12-31")
    assert not {"ada", "babbage", "curie", "davinci", "text-davinci-003"} & in_force_models("2024-01-04")


def test_compare_in_2024_does_not_rank_ada() -> None:
    ranked = rank_models(1_000, 500, as_of="2024-06-01", provider="openai")
    assert "ada" not in set(ranked["model"])
    assert ranked["lifecycle_status"].isin(["active", "deprecated"]).all()


def test_no_price_row_outside_its_models_life() -> None:
    # Every date at once: a row in force on a day means the model was on sale that day.
    h = prices.price_history()
    lo = h["valid_from"].fillna(pd.Timestamp.min)
    hi = h["valid_to"].fillna(pd.Timestamp.max)
    assert (h["launched"].isna() | (lo >= h["launched"])).all()
    assert (h["shutdown_on"].isna() | (hi <= h["shutdown_on"])).all()


@pytest.mark.parametrize("day", ["2020-07-01", "2021-07-01", "2022-07-01", "2024-01-04", "2025-07-20",
                                 "2026-07-23", "2026-12-01"])
def test_rankings_only_hold_models_on_sale_that_day(day: str) -> None:
    ranked = rank_models(1_000, 200, as_of=day)
    ts = pd.Timestamp(day)
    launched = ranked["launched"].fillna(pd.Timestamp.min)
    assert (launched <= ts).all(), ranked.loc[launched > ts, "model"].tolist()
    ended = ranked["shutdown_on"].notna() & (ranked["shutdown_on"] <= ts)
    assert not ended.any(), ranked.loc[ended, "model"].tolist()


def test_naming_a_retired_model_says_so_with_its_last_price() -> None:
    note = prices.why_unpriced("openai", "davinci", "2024-06-01")
    assert note is not None
    assert note.startswith("davinci was shut down on 2024-01-04; its last price was $20 / $20 per 1M")
    with pytest.raises(ValueError, match=r"^davinci was shut down on 2024-01-04; its last price was \$20"):
        costs.cost_of("davinci", 1000, 10, as_of="2024-06-01")
    ranked = rank_models(1_000, 10, as_of="2024-06-01", models=["davinci", "gpt-4o"])
    assert list(ranked["model"]) == ["gpt-4o"]
    assert ranked.attrs["unpriced"]["davinci"].startswith("davinci was shut down on 2024-01-04")


def test_include_retired_shows_the_last_price_marked_retired() -> None:
    table = load_prices("2024-06-01", provider="openai", include_retired=True)
    davinci = row(table, "davinci")
    assert davinci["lifecycle_status"] == "retired"
    assert davinci["input_usd_per_mtok"] == 20
    assert "davinci" not in set(load_prices("2024-06-01", provider="openai")["model"])
    ranked = rank_models(1_000_000, 0, as_of="2024-06-01", models=["davinci"], include_retired=True)
    assert ranked.loc[0, "lifecycle_status"] == "retired"
    assert ranked.loc[0, "total_usd"] == pytest.approx(20.0)


def test_deprecated_but_running_models_are_marked() -> None:
    gpt5 = row(load_prices("2026-11-01", provider="openai"), "gpt-5")
    assert gpt5["lifecycle_status"] == "deprecated"
    assert gpt5["shutdown_on"] == pd.Timestamp("2026-12-11")
    assert row(load_prices("2026-06-10", provider="openai"), "gpt-5")["lifecycle_status"] == "active"


def test_shut_down_image_models_are_not_listed_today() -> None:
    img = prices.load_image_prices("2026-12-02")
    assert not {"dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini"} & set(img["model"])
    both = prices.load_image_prices("2026-12-02", include_retired=True)
    assert set(both.loc[both["model"] == "dall-e-3", "lifecycle_status"]) == {"retired"}
    earlier = prices.load_image_prices("2025-06-01")
    assert {"dall-e-3", "gpt-image-1"} <= set(earlier["model"])


# ---------------------------------------------------------------- no invented history


@pytest.mark.parametrize(("day", "usd"), [("2021-06-01", 60.0), ("2022-06-01", 60.0), ("2023-06-01", 20.0)])
def test_davinci_price_history(day: str, usd: float) -> None:
    r = row(load_prices(day, provider="openai"), "davinci")
    assert (r["input_usd_per_mtok"], r["output_usd_per_mtok"]) == (usd, usd)


def test_no_price_before_the_first_sourced_one() -> None:
    assert "davinci" not in in_force_models("2020-08-01")
    note = prices.why_unpriced("openai", "davinci", "2020-08-01")
    assert note is not None and "no sourced standard price on 2020-08-01" in note
    assert "first sourced price is $60 / $60" in note
    assert rank_models(1_000, 10, as_of="2020-08-01", provider="openai").empty


def test_realtime_audio_at_its_launch_price_until_2024_12_17() -> None:
    before = row(load_prices("2024-11-01", provider="openai"), "gpt-4o-realtime-preview")
    after = row(load_prices("2024-12-17", provider="openai"), "gpt-4o-realtime-preview")
    assert (before["input_audio_usd_per_mtok"], before["output_audio_usd_per_mtok"]) == (100, 200)
    assert (after["input_audio_usd_per_mtok"], after["output_audio_usd_per_mtok"]) == (40, 80)
    cost = costs.cost_of("gpt-4o-realtime-preview", 1_000_000, 0, input_audio_tokens=1_000_000, as_of="2024-11-01")
    assert cost["total_usd"] == pytest.approx(100.0)


def test_tool_fees_only_from_their_launch() -> None:
    before = row(load_prices("2025-03-10", provider="openai"), "gpt-4o")
    after = row(load_prices("2025-03-11", provider="openai"), "gpt-4o")
    assert math.isnan(before["web_search_usd_per_kcall"]) and math.isnan(before["file_search_usd_per_kcall"])
    assert after["web_search_usd_per_kcall"] > 0 and after["file_search_usd_per_kcall"] == 2.5
    with pytest.raises(ValueError, match="no price for file search calls"):
        costs.cost_of("gpt-4o", 100, 10, file_search_calls=1, as_of="2025-03-10")


# ---------------------------------------------------------------- exceptions as data


def test_priority_above_128k_prompt_tokens_is_billed_at_standard_rates() -> None:
    day = "2025-09-01"
    std_long = costs.cost_of("gpt-4.1", 200_000, 1_000, as_of=day)
    pri_long = costs.cost_of("gpt-4.1", 200_000, 1_000, as_of=day, service_tier="priority")
    pri_short = costs.cost_of("gpt-4.1", 100_000, 1_000, as_of=day, service_tier="priority")
    std_short = costs.cost_of("gpt-4.1", 100_000, 1_000, as_of=day)
    assert pri_long["total_usd"] == pytest.approx(std_long["total_usd"])
    assert pri_short["total_usd"] > std_short["total_usd"]
    assert "standard rates above 128,000 input tokens" in str(pri_long["price_source"])
    # gpt-4o's priority rows carry no such exclusion.
    assert costs.cost_of("gpt-4o", 120_000, 1_000, as_of=day, service_tier="priority")["total_usd"] > (
        costs.cost_of("gpt-4o", 120_000, 1_000, as_of=day)["total_usd"])


def test_image_models_batch_only_once_they_joined_the_batch_api() -> None:
    assert "gpt-image-1" not in in_force_models("2025-06-01", "batch")
    assert "gpt-image-1" in in_force_models("2026-03-01", "batch")
    assert "gpt-4o" in in_force_models("2025-06-01", "batch")


# ---------------------------------------------------------------- provenance


def test_verified_on_means_what_it_says() -> None:
    h = prices.price_history()
    genai = h["source"].str.startswith("genai-prices")
    assert h.loc[genai, "verified_on"].isna().all()
    unverified = h["source"].str.contains("unverified", case=False)
    assert h.loc[unverified & h["source"].str.startswith("data/price_history.csv"), "verified_on"].isna().all()
    realtime = row(load_prices("2024-11-01", provider="openai"), "gpt-4o-realtime-preview")
    assert realtime["verified_on"] == pd.Timestamp("2026-12-02")


def test_prices_text_and_json_show_sources_and_verification(capsys) -> None:
    assert main(["prices", "--model", "gpt-4o-realtime", "--provider", "openai", "--as-of", "2024-11-01"]) == 0
    out = capsys.readouterr().out
    assert "sources:" in out and "zappedia.com/openai-realtime-api-pricing" in out
    assert "verified 2026-12-02" in out
    assert main(["prices", "--model", "davinci", "--as-of", "2024-06-01", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert any(n.startswith("davinci was shut down on 2024-01-04") for n in payload["notes"])
    assert {"source", "verified_on", "lifecycle_status", "shutdown_on"} <= set(payload["rows"][0])


def test_compare_by_text_refuses_include_retired_in_one_line(capsys) -> None:
    assert main(["compare", "--chars", "1000", "--as-of", "2024-06-01", "--include-retired"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --include-retired ranks by --input-tokens") and err.count("\n") == 1


def test_compare_and_cost_show_provenance(capsys) -> None:
    assert main(["compare", "--input-tokens", "1000", "--output-tokens", "100", "--as-of", "2024-06-01",
                 "--model", "davinci", "--model", "gpt-4o"]) == 0
    out = capsys.readouterr().out
    assert "note: davinci was shut down on 2024-01-04" in out and "sources:" in out
    assert main(["compare", "--input-tokens", "1000", "--output-tokens", "100", "--as-of", "2024-06-01",
                 "--model", "davinci", "--include-retired"]) == 0
    assert "RETIRED 2024-01-04" in capsys.readouterr().out
    assert main(["cost", "--model", "gpt-5", "--input-tokens", "10", "--output-tokens", "1", "--as-of",
                 "2026-11-01", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["lifecycle_status"] == "deprecated" and payload["shutdown_on"] == "2026-12-11"
    assert payload["verified_on"] is None
    assert main(["cost", "--model", "davinci", "--input-tokens", "10", "--output-tokens", "1",
                 "--as-of", "2024-06-01"]) == 2
    assert "davinci was shut down on 2024-01-04" in capsys.readouterr().err


# ---------------------------------------------------------------- what changed


def test_changes_since_lists_cuts_launches_and_shutdowns() -> None:
    found = changes.price_changes("2026-07-01", until="2026-11-30", provider="openai")
    sol = found[(found["model"] == "gpt-5.6-sol") & (found["event"] == "price change")
                & (found["day"] == pd.Timestamp("2026-08-21"))]
    assert len(sol) == 1
    assert (sol.iloc[0]["input_usd_per_mtok_before"], sol.iloc[0]["input_usd_per_mtok_after"]) == (5, 4)
    events = set(zip(found["model"], found["event"], strict=True))
    assert ("gpt-5.6-sol", "launch") in events
    assert ("gpt-4.1-nano", "shutdown") in events
    assert found["day"].between(pd.Timestamp("2026-07-02"), pd.Timestamp("2026-11-30")).all()


def test_changes_effect_on_a_scenario() -> None:
    from explorer.scenarios import Scenario

    sc = Scenario(name="chat", models=("gpt-5.6-sol",), input_tokens_per_request=1_000,
                  output_tokens_per_request=500, requests_per_month=100_000)
    found = changes.scenario_effect(changes.price_changes("2026-08-01", until="2026-08-31", models=sc.models), sc)
    cut = found[found["event"] == "price change"].iloc[0]
    # 100k requests x (1000 x $5 + 500 x $30) / 1M = $2,000 before; x ($4, $20) = $1,400 after.
    assert (cut["monthly_usd_before"], cut["monthly_usd_after"]) == (pytest.approx(2000), pytest.approx(1400))
    assert cut["effect"] == "the 2026-08-21 gpt-5.6-sol price change saved chat $600.00 a month"


def test_changes_since_cli(capsys, tmp_path) -> None:
    assert main(["prices", "--changes-since", "2026-08-01", "--as-of", "2026-08-31", "--provider", "openai",
                 "--model", "gpt-5.6-sol", "--scenario", "support-chatbot", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["scenario"] == "Support chatbot"
    assert [c["event"] for c in payload["changes"]] == ["price change"]
    assert payload["changes"][0]["monthly_change_usd"] < 0
    assert main(["prices", "--changes-since", "2026-08-01", "--scenario", "no-such-thing"]) == 2
    assert "unknown scenario 'no-such-thing'" in capsys.readouterr().err
    assert main(["prices", "--changes-since", "soon"]) == 2
    assert "--changes-since: 'soon' is not a date" in capsys.readouterr().err


# ---------------------------------------------------------------- curated file validation


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("provider,model,launched,shutdown_on\nopenai,gpt-4o,2024-05-13,2024-01-01\n",
         r"l\.csv, line 2, column 'shutdown_on': 2024-01-01 is not after launch 2024-05-13"),
        ("provider,model,launched,deprecated_on\nopenai,gpt-4o,2024-05-13,2025-01-01\n",
         r"l\.csv, line 2, column 'shutdown_on': empty, but deprecated_on is given"),
        ("provider,model,launched,deprecated_on,shutdown_on\nopenai,gpt-4o,2024-05-13,2026-01-01,2025-01-01\n",
         r"l\.csv, line 2, column 'deprecated_on': 2026-01-01 is after the shutdown 2025-01-01"),
    ],
)
def test_lifecycle_csv_validation(write_csv, curated_csvs, text: str, message: str) -> None:
    bad = write_csv("l.csv", text)
    with pytest.raises(ValueError, match=message):
        load_prices(**{**curated_csvs, "launches_csv": bad})


def test_components_csv_validation(write_csv, curated_csvs) -> None:
    bad = write_csv("c.csv", "provider,model,price_column,valid_from,valid_to\nopenai,*,web_search_usd,2025-03-11,\n")
    with pytest.raises(ValueError, match=r"c\.csv, line 2, column 'price_column': unknown price column "
                                         r"'web_search_usd'; closest known: web_search_usd_per_kcall"):
        load_prices(**{**curated_csvs, "components_csv": bad})


# ---------------------------------------------------------------- images


def test_image_table_carries_provenance_and_lists_current_models() -> None:
    from explorer.images import IMAGE_TABLE_COLUMNS, image_price_table

    table = image_price_table(10, as_of="2026-12-02")
    assert list(table.columns) == list(IMAGE_TABLE_COLUMNS)
    assert not {"dall-e-3", "gpt-image-1", "gpt-image-1-mini"} & set(table["label"])
    # The current image models are all listed: per image where a price is sourced, else by tokens, with a note.
    on_sale = set(prices.load_prices("2026-12-02", provider="openai").query("model.str.startswith('gpt-image')")["model"])
    assert on_sale and on_sale <= set(table["label"])
    per_image = table[table["usd_per_image"].notna()]
    assert per_image["source"].str.len().gt(0).all() and per_image["note"].eq("").all()
    g2 = per_image[(per_image["label"] == "gpt-image-2") & (per_image["size"] == "1024x1024")].set_index("quality")
    assert g2["usd_per_image"].to_dict() == {"low": 0.006, "medium": 0.053, "high": 0.211}
    assert g2["source"].str.contains("developers.openai.com/api/docs/guides/image-generation").all()
    assert g2["verified_on"].notna().all()
    # The sourced figure is OpenAI's token count for the image at the price table's image-output rate.
    rate = row(load_prices("2026-12-02", provider="openai"), "gpt-image-2")["output_usd_per_mtok"]
    assert round(7024 * rate / 1e6, 3) == g2.loc["high", "usd_per_image"]
    current = table.set_index("label")
    for model in on_sale - set(per_image["label"]):
        assert math.isnan(current.loc[model, "usd_per_image"])
        assert current.loc[model, "note"].startswith("no sourced per-image price; priced by tokens")
    earlier = image_price_table(10, as_of="2025-06-01")
    gi = earlier[(earlier["label"] == "gpt-image-1") & (earlier["quality"] == "high") & (earlier["size"] == "1536x1024")]
    assert gi["total_usd"].iloc[0] == pytest.approx(2.5)
    assert gi["source"].iloc[0].startswith("memory, unverified") and pd.isna(gi["verified_on"].iloc[0])
    with pytest.raises(ValueError, match="count: expected a whole number >= 0, got -1"):
        image_price_table(-1, as_of="2025-06-01")


def test_image_chart_tooltip_names_source_and_verification() -> None:
    from explorer.charts import image_price_chart
    from explorer.images import image_price_table

    spec = image_price_chart(image_price_table(10, as_of="2025-06-01"), as_of="2025-06-01").to_dict()
    titles = [t["title"] for t in spec["encoding"]["tooltip"]]
    assert {"Source", "Verified", "Status"} <= set(titles)
    values = spec["datasets"][next(iter(spec["datasets"]))]
    # gpt-image-1's square sizes are checked against a quote of OpenAI's table; its other sizes are not.
    assert {v["verified"] for v in values} == {"unverified", "2026-12-02"}
    assert {v["verified"] for v in values if v["size"] != "1024x1024"} == {"unverified"}
    assert all(v["usd_per_image"] is not None for v in values)
