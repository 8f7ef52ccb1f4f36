"""The audit explains every wrong row of the seed's May-2025 table."""

from __future__ import annotations

import pytest

from explorer import audit_file, audit_table, paths, prices, seed_table
from explorer.audit import normalise_name


@pytest.fixture(scope="module")
def seed_audit():
    return audit_table(seed_table()).set_index("model")


def test_seed_rows_that_are_right(seed_audit) -> None:
    ok = set(seed_audit.index[seed_audit["status"] == "ok"])
    assert ok == {"GPT-4o", "GPT-4o mini", "GPT-4.1", "GPT-4.1 mini", "GPT-4.1 nano", "OpenAI o3", "OpenAI o3-mini"}


def test_gpt35_is_its_2023_launch_price(seed_audit) -> None:
    r = seed_audit.loc["GPT-3.5 Turbo"]
    assert r["status"] == "wrong"
    assert (r["reference_input_usd_per_mtok"], r["reference_output_usd_per_mtok"]) == (0.5, 1.5)
    assert "its own price from 2023-03-01 until 2023-06-13" in r["explanation"]
    # curie was shut down on 2024-01-04: its same price is history, not "in force on 2025-05-16".
    assert "curie from 2022-09-01 until 2024-01-04" in r["explanation"]
    assert "curie (in force" not in r["explanation"]


def test_o1_is_o1_pro_price(seed_audit) -> None:
    r = seed_audit.loc["OpenAI o1"]
    assert r["status"] == "wrong"
    assert (r["reference_input_usd_per_mtok"], r["reference_output_usd_per_mtok"]) == (15, 60)
    assert r["matches"].startswith("o1-pro (in force on 2025-05-16)")


def test_gpt_image_input_is_its_image_input_rate(seed_audit) -> None:
    r = seed_audit.loc["GPT-image-1"]
    assert r["status"] == "wrong"
    assert r["reference_input_usd_per_mtok"] == 5
    assert "gpt-image-1's image input rate" in r["explanation"]


def test_every_wrong_row_is_explained(seed_audit) -> None:
    wrong = seed_audit[seed_audit["status"] != "ok"]
    assert len(wrong) == 3
    assert not wrong["explanation"].str.contains("matches no known price").any()


@pytest.mark.parametrize(
    ("given", "expected"),
    [("OpenAI o3", "o3"), ("GPT-4.1 mini", "gpt-4.1-mini"), ("GPT-3.5 Turbo", "gpt-3.5-turbo"), ("gpt-4o", "gpt-4o")],
)
def test_normalise_name(given: str, expected: str) -> None:
    assert normalise_name(given) == expected


def test_any_table_and_other_dates(write_csv) -> None:
    path = write_csv(
        "t.csv",
        """
model,input_usd_per_mtok,output_usd_per_mtok,as_of
gpt-4o,5,15,2024-06-01
gpt-4o,5,15,2025-01-01
gpt-5,1.25,10,2024-01-01
no-such-model,1,1,2025-01-01
o3,7,7,2025-05-16
""",
    )
    r = audit_file(path)
    assert r["status"].tolist() == ["ok", "wrong", "not-yet-priced", "unknown-model", "wrong"]
    assert "gpt-4o-2024-05-13" in r["matches"].iloc[1]
    assert "its own price from 2024-05-13 until 2024-10-02" in r["matches"].iloc[1]
    assert "matches no known price" in r["explanation"].iloc[4]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model,input_usd_per_mtok,output_usd_per_mtok\ngpt-4o,1,1\n", "missing column(s) 'as_of'"),
        ("model,input_usd_per_mtok,output_usd_per_mtok,as_of\n", "no rows (header only)"),
        ("model,input_usd_per_mtok,output_usd_per_mtok,as_of\ngpt-4o,x,1,2025-01-01\n", "line 2, column 'input_usd_per_mtok'"),
        ("model,input_usd_per_mtok,output_usd_per_mtok,as_of\ngpt-4o,1,1,\n", "line 2, column 'as_of': empty"),
    ],
)
def test_bad_tables(write_csv, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        audit_file(write_csv("t.csv", text))


# ---------------------------------------------------------------- the curated tables


def test_every_curated_row_is_verified_or_says_it_is_not() -> None:
    from explorer.audit import audit_curated

    result = audit_curated()
    problems = result[result["status"] == "problem"]
    assert problems.empty, problems.to_string()
    assert set(result["status"]) == {"ok", "unverified"}
    # Every curated file is covered, row by row.
    assert set(result["file"]) == {"model_launches.csv", "price_history.csv", "service_tiers.csv",
                                   "price_components.csv", "image_prices.csv"}
    launches = result[result["file"] == "model_launches.csv"]
    assert len(launches) == len(prices._curated(*(p.resolve() for p in (
        paths.MODEL_LAUNCHES_CSV, paths.PRICE_HISTORY_CSV, paths.SERVICE_TIERS_CSV, paths.PRICE_COMPONENTS_CSV)))[0])


def test_curated_audit_finds_what_is_wrong(write_csv, curated_csvs) -> None:
    from explorer.audit import audit_curated

    history = write_csv("h.csv", """
provider,model,valid_from,valid_to,input_usd_per_mtok,output_usd_per_mtok,source,verified_on
openai,davinci,2021-01-01,2022-09-01,6,6,$0.0600 / 1K tokens: openai.com/api/pricing,2026-12-01
openai,curie,2021-01-01,2022-09-01,6,6,"memory, unverified",2026-12-01
openai,babbage,2021-01-01,2022-09-01,1.2,1.2,the pricing page,
openai,ada,2024-02-01,,0.4,0.4,$0.0004 / 1K tokens: openai.com/api/pricing,2026-12-01
openai,gpt-4o,2024-05-13,,5,15,checked in ../shared/DESIGN.md,2026-12-01
openai,gpt-4o-mini,2024-07-18,,0.15,0.6,$0.15 / $0.60: openai.com/api/pricing,2099-01-01
""")
    result = audit_curated(today="2026-12-02", **{**curated_csvs, "history_csv": history})
    mine = result[result["file"] == "h.csv"].set_index("model")
    assert mine.loc["davinci", "detail"] == "the source quotes $60 per 1M tokens; the row holds $6, $6"
    assert mine.loc["curie", "detail"].startswith("verified_on 2026-12-01 but the source calls the row unverified")
    assert "names no page" in mine.loc["babbage", "detail"]
    assert "does not say the row is unverified" in mine.loc["babbage", "detail"]
    assert mine.loc["ada", "detail"] == "price from 2024-02-01, after the shutdown on 2024-01-04"
    assert mine.loc["gpt-4o", "detail"].startswith("cites an internal file, not a public source")
    assert mine.loc["gpt-4o-mini", "detail"] == "verified_on 2099-01-01 is in the future"
    assert (mine["status"] == "problem").all()


def test_audit_curated_cli(capsys) -> None:
    from explorer.cli import main

    assert main(["audit", "--curated"]) == 0
    out = capsys.readouterr().out
    assert "0 problem" in out and "unverified" in out
    assert main(["audit"]) == 2
    assert "give a FILE to audit, or --curated" in capsys.readouterr().err


def test_curated_audit_checks_per_image_prices_against_their_quotes(write_csv, curated_csvs) -> None:
    from explorer.audit import audit_curated

    images = write_csv("i.csv", """
provider,model,quality,size,usd_per_image,valid_from,valid_to,source,verified_on
openai,gpt-image-2,low,1024x1024,0.006,2026-04-21,,$0.006 per image: developers.openai.com/api/docs/guides/image-generation,2026-12-01
openai,gpt-image-2,high,1024x1024,0.3,2026-04-21,,$0.211 per image: developers.openai.com/api/docs/guides/image-generation,2026-12-01
openai,gpt-image-2,medium,1024x1024,0.053,2026-01-01,,$0.053 per image: developers.openai.com/api/docs/guides/image-generation,2026-12-01
""")
    result = audit_curated(today="2026-12-02", **{**curated_csvs, "images_csv": images})
    mine = result[result["file"] == "i.csv"].reset_index(drop=True)
    assert list(mine["status"]) == ["ok", "problem", "problem"]
    assert mine.loc[1, "detail"] == "the source does not quote the row's $0.3 per image"
    assert mine.loc[2, "detail"] == "price from 2026-01-01, before the launch on 2026-04-21"
