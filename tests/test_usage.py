"""Usage import, pricing, breakdowns, what-if, savings and reconciliation (explorer.usage)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import explorer
from explorer import usage as u
from explorer.paths import DATA_DIR

SAMPLES = DATA_DIR / "samples"
PAGE1 = SAMPLES / "usage_completions_page1.json"
PAGE2 = SAMPLES / "usage_completions_page2.json"
DAY = 1_790_812_800  # 2026-10-01T00:00:00Z


def result(**kw: Any) -> dict[str, Any]:
    base = {
        "object": "organization.usage.completions.result",
        "input_tokens": 1_000_000,
        "output_tokens": 100_000,
        "input_cached_tokens": 0,
        "input_audio_tokens": 0,
        "output_audio_tokens": 0,
        "num_model_requests": 100,
        "project_id": "proj_a",
        "user_id": None,
        "api_key_id": "key_a",
        "model": "gpt-4.1-2025-04-14",
        "batch": None,
        "service_tier": None,
    }
    base.update(kw)
    return base


def page(*buckets: list[dict[str, Any]], start: int = DAY, has_more: bool = False) -> dict[str, Any]:
    data = [
        {
            "object": "bucket",
            "start_time": start + i * 86400,
            "end_time": start + (i + 1) * 86400,
            "results": r,
        }
        for i, r in enumerate(buckets)
    ]
    return {"object": "page", "data": data, "has_more": has_more, "next_page": "p2" if has_more else None}


def write(tmp_path: Path, name: str, doc: Any) -> Path:
    p = tmp_path / name
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return p


def rate(model: str, tier: str, col: str, day: str = "2026-10-01") -> float:
    t = explorer.load_prices(day, service_tier=tier, model=model)
    row = t[(t["model"] == model) & (t["tier_above_input_tokens"] == 0)]
    return float(row[col].iloc[0])


# ------------------------------------------------------------------------------------------------ import


def test_usage_page_columns_and_labels(tmp_path: Path) -> None:
    p = write(tmp_path, "u.json", page([result(), result(model="gpt-4o-mini", api_key_id=None)]))
    frame = u.read_usage(p)
    assert list(frame.index) == ["data[0].results[0]", "data[0].results[1]"]
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2026-10-01")
    assert frame["cached_input_tokens"].dtype == np.int64
    assert frame["requests"].tolist() == [100, 100]
    assert frame["service_tier"].astype(str).tolist() == ["standard", "standard"]
    assert frame["api_key_id"].isna().tolist() == [False, True]


def test_batch_rows_priced_at_batch_rates(tmp_path: Path) -> None:
    p = write(tmp_path, "u.json", page([result(batch=True), result(batch=False, project_id="b")]))
    priced = u.price(u.read_usage(p))
    batch, std = priced.iloc[0], priced.iloc[1]
    assert str(batch["service_tier"]) == "batch"
    assert batch["input_usd"] == pytest.approx(1.0 * rate("gpt-4.1", "batch", "input_usd_per_mtok"))
    assert std["input_usd"] == pytest.approx(1.0 * rate("gpt-4.1", "standard", "input_usd_per_mtok"))
    assert batch["total_usd"] == pytest.approx(std["total_usd"] / 2)


@pytest.mark.parametrize(
    ("given", "tier"),
    [
        ("priority", "priority"),
        ("flex", "flex"),
        ("default", "standard"),
        ("auto", "standard"),
        (None, "standard"),
    ],
)
def test_service_tier_honoured(tmp_path: Path, given: str | None, tier: str) -> None:
    p = write(tmp_path, "u.json", page([result(model="gpt-5-mini-2025-08-07", service_tier=given)]))
    priced = u.price(u.read_usage(p))
    assert str(priced["service_tier"].iloc[0]) == tier
    assert priced["input_usd"].iloc[0] == pytest.approx(rate("gpt-5-mini", tier, "input_usd_per_mtok"))


def test_audio_tokens_priced_at_audio_rates(tmp_path: Path) -> None:
    row = result(
        model="gpt-audio",
        input_tokens=1_000_000,
        input_audio_tokens=400_000,
        output_tokens=500_000,
        output_audio_tokens=200_000,
    )
    priced = u.price(u.read_usage(write(tmp_path, "u.json", page([row]))))
    r = priced.iloc[0]
    assert r["input_audio_usd"] == pytest.approx(
        0.4 * rate("gpt-audio", "standard", "input_audio_usd_per_mtok")
    )
    assert r["output_audio_usd"] == pytest.approx(
        0.2 * rate("gpt-audio", "standard", "output_audio_usd_per_mtok")
    )
    assert r["input_usd"] == pytest.approx(0.6 * rate("gpt-audio", "standard", "input_usd_per_mtok"))


def test_cached_tokens_are_part_of_input(tmp_path: Path) -> None:
    priced = u.price(u.read_usage(write(tmp_path, "u.json", page([result(input_cached_tokens=600_000)]))))
    r = priced.iloc[0]
    assert r["input_usd"] == pytest.approx(0.4 * rate("gpt-4.1", "standard", "input_usd_per_mtok"))
    assert r["cached_input_usd"] == pytest.approx(
        0.6 * rate("gpt-4.1", "standard", "cached_input_usd_per_mtok")
    )


def test_long_context_tier_judged_per_average_request(tmp_path: Path) -> None:
    rows = [
        result(model="gpt-5.4", input_tokens=1_000_000, num_model_requests=10, project_id="avg_100k"),
        result(model="gpt-5.4", input_tokens=3_000_000, num_model_requests=10, project_id="avg_300k"),
        result(model="gpt-5.4", input_tokens=300_000, num_model_requests=1, project_id="one_300k"),
    ]
    priced = u.price(u.read_usage(write(tmp_path, "u.json", page(rows))))
    base = rate("gpt-5.4", "standard", "input_usd_per_mtok")
    per_mtok = priced["input_usd"] / (priced["input_tokens"] / 1e6)
    assert per_mtok.iloc[0] == pytest.approx(base)
    assert per_mtok.iloc[1] > base  # past 272k a request: the long-context price
    assert per_mtok.iloc[2] == pytest.approx(per_mtok.iloc[1])


def test_several_pages_in_files_lists_and_lines(tmp_path: Path) -> None:
    p1 = page([result()], has_more=True)
    p2 = page([result(project_id="b")], start=DAY + 86400)
    a = u.read_usage(write(tmp_path, "a.json", p1), write(tmp_path, "b.json", p2))
    b = u.read_usage(write(tmp_path, "list.json", [p1, p2]))
    c = u.read_usage(write(tmp_path, "lines.jsonl", json.dumps(p1) + "\n" + json.dumps(p2) + "\n"))
    assert len(a) == len(b) == len(c) == 2
    assert set(a["source_file"].astype(str)) == {str(tmp_path / "a.json"), str(tmp_path / "b.json")}
    assert list(b.index) == ["page 1 data[0].results[0]", "page 2 data[0].results[0]"]
    assert list(c.index) == ["line 1 data[0].results[0]", "line 2 data[0].results[0]"]
    totals = {round(u.price(f)["total_usd"].sum(), 9) for f in (a, b, c)}
    assert len(totals) == 1


def test_incomplete_export_is_noted(tmp_path: Path) -> None:
    only_first = u.load(write(tmp_path, "a.json", page([result()], has_more=True)))
    assert only_first.notes and "has_more" in only_first.notes[0]
    assert u.load(PAGE1, PAGE2).notes == ()


def test_same_page_twice_is_an_error(tmp_path: Path) -> None:
    p = write(tmp_path, "a.json", page([result()]))
    q = write(tmp_path, "b.json", page([result()]))
    with pytest.raises(ValueError, match=r"b\.json, row data\[0\]\.results\[0\]: the same bucket.*a\.json"):
        u.read_usage(p, q)


def test_csv_export_with_its_own_headers_matches_json() -> None:
    csv = u.price(u.read_usage(SAMPLES / "usage_completions.csv"))
    js = u.price(u.read_usage(PAGE1))
    week = js[js["day"] < "2026-10-08"]
    assert csv["total_usd"].sum() == pytest.approx(week["total_usd"].sum(), rel=1e-12)
    assert (csv["service_tier"].astype(str) == "batch").sum() == (
        week["service_tier"].astype(str) == "batch"
    ).sum()


def test_explicit_mapping(tmp_path: Path) -> None:
    p = write(tmp_path, "u.csv", "When,Engine,In,Out\n2026-10-01,gpt-4o-mini,1000,10\n")
    frame = u.read_usage(
        p, mapping={"When": "timestamp", "Engine": "model", "In": "input_tokens", "Out": "output_tokens"}
    )
    assert frame.loc[2, "input_tokens"] == 1000
    with pytest.raises(
        ValueError, match=r"'inputs' is not a column this importer knows; did you mean 'input_tokens'"
    ):
        u.read_usage(p, mapping={"In": "inputs"})


def test_request_log_csv_jsonl_parquet_agree(tmp_path: Path) -> None:
    log = pd.read_csv(SAMPLES / "requests.csv").head(50)
    log.to_json(tmp_path / "r.jsonl", orient="records", lines=True)
    log.to_parquet(tmp_path / "r.parquet")
    log.to_csv(tmp_path / "r.csv", index=False)
    totals = [
        u.price(u.read_usage(tmp_path / f"r.{ext}"))["total_usd"].sum() for ext in ("csv", "jsonl", "parquet")
    ]
    assert totals[0] == pytest.approx(totals[1], rel=1e-12) == pytest.approx(totals[2], rel=1e-12)
    assert list(u.read_usage(tmp_path / "r.csv").index[:2]) == [2, 3]  # CSV rows are named by line
    assert list(u.read_usage(tmp_path / "r.parquet").index[:2]) == [1, 2]


def test_costs_export_json_and_csv() -> None:
    billed = u.read_costs(SAMPLES / "costs.json")
    assert set(billed.columns) >= {"day", "line_item", "project_id", "amount_usd"}
    assert billed["day"].min() == pd.Timestamp("2026-10-01")
    csv = u.read_costs(SAMPLES / "costs.csv")
    week = billed[billed["day"] < "2026-10-08"]
    assert csv["amount_usd"].sum() == pytest.approx(week["amount_usd"].sum(), rel=1e-9)


def test_detect_kind() -> None:
    assert u.detect_kind(PAGE1) == "usage"
    assert u.detect_kind(SAMPLES / "costs.json") == "costs"
    assert u.detect_kind(SAMPLES / "costs.csv") == "costs"
    assert u.detect_kind(SAMPLES / "requests.parquet") == "usage"


# ------------------------------------------------------------------------------------------------ bad input

BAD_USAGE = [
    (
        "missing_col.csv",
        "timestamp,model,input_tokens\n2026-10-01,gpt-4o,10\n",
        r"missing column 'output_tokens'",
    ),
    ("misnamed.csv", "model,input_tokens,output_tokns\ngpt-4o,10,1\n", r"is 'output_tokns' it\?"),
    ("semicolons.csv", "model;input_tokens;output_tokens\ngpt-4o;1;1\n", r"looks ';'-separated"),
    (
        "text.csv",
        "model,input_tokens,output_tokens\ngpt-4o,10,1\ngpt-4o,ten,1\n",
        r"line 3, column 'input_tokens': 'ten' is not a number",
    ),
    (
        "neg.csv",
        "model,input_tokens,output_tokens\ngpt-4o,-5,1\n",
        r"line 2, column 'input_tokens': -5 is negative",
    ),
    (
        "frac.csv",
        "model,input_tokens,output_tokens\ngpt-4o,1.5,1\n",
        r"line 2, column 'input_tokens': 1.5 is not a whole",
    ),
    ("nan.csv", "model,input_tokens,output_tokens\ngpt-4o,,1\n", r"line 2, column 'input_tokens': is empty"),
    (
        "cached.csv",
        "model,input_tokens,cached_input_tokens,output_tokens\ngpt-4o,10,20,1\n",
        r"line 2, column 'cached_input_tokens': .*exceeds input_tokens",
    ),
    (
        "date.csv",
        "timestamp,model,input_tokens,output_tokens\nyesterday,gpt-4o,1,1\n",
        r"line 2, column 'timestamp': 'yesterday' is not a date",
    ),
    (
        "old.csv",
        "timestamp,model,input_tokens,output_tokens\n1999-01-01,gpt-4o,1,1\n",
        r"line 2, column 'timestamp': .*out of range",
    ),
    (
        "tier.csv",
        "model,input_tokens,output_tokens,service_tier\ngpt-4o,1,1,turbo\n",
        r"line 2, column 'service_tier': unknown service tier 'turbo'",
    ),
    (
        "batch.csv",
        "model,input_tokens,output_tokens,batch\ngpt-4o,1,1,maybe\n",
        r"line 2, column 'batch': 'maybe' is not true or false",
    ),
    (
        "reqs.csv",
        "model,input_tokens,output_tokens,num_model_requests\ngpt-4o,1,1,0\n",
        r"line 2, column 'requests': 0 requests but tokens",
    ),
    ("nomodel.csv", "model,input_tokens,output_tokens\n,1,1\n", r"line 2, column 'model': is empty"),
    ("empty.csv", "", r"empty file"),
    ("header.csv", "model,input_tokens,output_tokens\n", r"header only"),
    (
        "dupcols.csv",
        "prompt_tokens,input_tokens,model,output_tokens\n1,1,gpt-4o,1\n",
        r"both mean 'input_tokens'",
    ),
    ("bad.json", "{not json", r"not valid JSON"),
    (
        "shape.json",
        '{"object": "page", "data": [{"start_time": 1790812800}]}',
        r"data\[0\]: missing 'results' list",
    ),
    (
        "order.json",
        '{"object":"page","data":[{"start_time":1790812800,"end_time":1790812800,"results":[]}]}',
        r"end_time .* is not after start_time",
    ),
    (
        "types.jsonl",
        '{"model": "gpt-4o", "input_tokens": true, "output_tokens": 1}\n',
        r"column 'input_tokens': holds true/false",
    ),
    (
        "line.jsonl",
        '{"model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}\n[1]\n',
        r"line 2: expected a JSON object",
    ),
    ("type.xlsx", "x", r"unknown file type '.xlsx'"),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD_USAGE, ids=[b[0] for b in BAD_USAGE])
def test_bad_usage_files_name_file_row_column(tmp_path: Path, name: str, text: str, message: str) -> None:
    p = write(tmp_path, name, text)
    before = p.read_bytes()
    with pytest.raises(ValueError, match=message) as info:
        u.load(p)
    assert str(info.value).startswith(str(p))
    assert "\n" not in str(info.value)
    assert p.read_bytes() == before  # nothing is ever written back


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (result(input_cached_tokens=2_000_000), r"results\[0\], column 'cached_input_tokens'"),
        (result(output_tokens=-1), r"results\[0\], column 'output_tokens': -1 is negative"),
        (result(model=None), r"results\[0\], column 'model': is empty"),
        (result(batch=True, service_tier="priority"), r"results\[0\], column 'batch': .*no priority"),
        (result(num_model_requests="many"), r"column 'requests': 'many' is not a number"),
    ],
)
def test_bad_usage_results(tmp_path: Path, row: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        u.read_usage(write(tmp_path, "u.json", page([row])))


def test_unknown_model_is_an_error_or_skipped(tmp_path: Path) -> None:
    p = write(tmp_path, "u.json", page([result(), result(model="gpt-4.7-turbo", project_id="b")]))
    usage = u.read_usage(p)
    with pytest.raises(
        ValueError, match=r"u\.json, result data\[0\]\.results\[1\], column 'model': unknown model"
    ):
        u.price(usage)
    priced = u.price(usage, skip_unknown=True)
    summary = explorer.summarize(priced)
    assert summary.unpriced_rows == 1 and summary.unpriced_models == ("gpt-4.7-turbo",)
    assert u.cost_by(priced, "project").set_index("project").loc["b", "total_usd"] == 0


def test_bad_costs(tmp_path: Path) -> None:
    eur = page(
        [
            {
                "object": "organization.costs.result",
                "amount": {"value": 1.0, "currency": "eur"},
                "line_item": "x",
            }
        ]
    )
    with pytest.raises(ValueError, match=r"column 'currency': currency 'eur': only USD"):
        u.read_costs(write(tmp_path, "c.json", eur))
    nan = write(tmp_path, "c.csv", "date,amount_value,line_item\n2026-10-01,abc,x\n")
    with pytest.raises(ValueError, match=r"c\.csv, line 2, column 'amount_usd': 'abc' is not an amount"):
        u.read_costs(nan)
    with pytest.raises(ValueError, match=r"not a Costs API export"):
        u.read_costs(PAGE1)
    with pytest.raises(ValueError, match=r"Costs API export .*read_costs"):
        u.read_usage(SAMPLES / "costs.json")


def test_missing_path_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"nope\.json: file not found"):
        u.load(tmp_path / "nope.json")
    d = tmp_path / "d.csv"
    d.mkdir()
    with pytest.raises(ValueError, match=r"is a directory"):
        u.read_usage(d)
    b = tmp_path / "b.csv"
    b.write_bytes(b"model,input_tokens\n\xff\xfe,1\n")
    with pytest.raises(ValueError, match=r"not UTF-8"):
        u.read_usage(b)


# ------------------------------------------------------------------------------------------------ analysis


@pytest.fixture(scope="module")
def sample() -> u.Imported:
    return u.load(PAGE1, PAGE2, SAMPLES / "costs.json")


@pytest.fixture(scope="module")
def priced(sample: u.Imported) -> pd.DataFrame:
    return u.price(sample.usage)


@pytest.mark.parametrize("by", list(u.BREAKDOWNS))
def test_cost_by_sums_to_total(priced: pd.DataFrame, by: str) -> None:
    table = u.cost_by(priced, by)
    assert table["total_usd"].sum() == pytest.approx(priced["total_usd"].sum(), rel=1e-12)
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["requests"].sum() == priced["requests"].sum()
    if by == "day":
        assert list(table["day"]) == sorted(table["day"])
        assert len(table) == 30
    else:
        assert list(table["total_usd"]) == sorted(table["total_usd"], reverse=True)


def test_cost_by_model_groups_snapshots(priced: pd.DataFrame) -> None:
    models = set(u.cost_by(priced, "model")["model"])
    assert "gpt-4.1" in models and "gpt-4.1-2025-04-14" not in models
    assert u.cost_by(priced, "user")["user"].tolist() == [u.NOT_GROUPED]
    with pytest.raises(ValueError, match=r"by: unknown 'week'"):
        u.cost_by(priced, "week")


def test_what_if_model(sample: u.Imported, priced: pd.DataFrame) -> None:
    # (gpt-4.1-nano, shut down on 2026-10-23, could not have served the month's later traffic.)
    alt = u.what_if(sample.usage, model="gpt-4o-mini")
    kept = alt["kept"].astype(bool).to_numpy()
    assert set(alt.loc[~kept, "resolved_model"].astype(str)) == {"gpt-4o-mini"}
    # gpt-audio's audio traffic stays where it is: gpt-4o-mini has no audio price (tests/test_candidates.py)
    assert set(alt.loc[kept, "resolved_model"].astype(str)) == {"gpt-audio"}
    assert alt["input_tokens"].sum() == priced["input_tokens"].sum()
    # gpt-5-mini flex traffic: gpt-4o-mini has no flex tier, it falls back
    assert alt["tier_fallback"].any()
    table = u.compare(priced, alt, "model")
    assert table["total_usd"].sum() == pytest.approx(priced["total_usd"].sum())
    assert table["what_if_usd"].sum() == pytest.approx(alt["total_usd"].sum())
    assert "gpt-4.1" in set(table["model"])  # grouped by the traffic's current model


def test_what_if_model_mapping_moves_only_that_model(sample: u.Imported, priced: pd.DataFrame) -> None:
    alt = u.what_if(sample.usage, model={"gpt-4.1": "gpt-4.1-mini"})
    moved = (priced["model_group"] == "gpt-4.1").to_numpy()
    assert set(alt.loc[moved, "resolved_model"].astype(str)) == {"gpt-4.1-mini"}
    np.testing.assert_allclose(alt.loc[~moved, "total_usd"], priced.loc[~moved, "total_usd"])
    # gpt-4.1 -> gpt-4.1-mini is exactly 5x cheaper on every component
    np.testing.assert_allclose(alt.loc[moved, "total_usd"] * 5, priced.loc[moved, "total_usd"])


def test_what_if_tier_and_strict_mode(sample: u.Imported, priced: pd.DataFrame) -> None:
    alt = u.what_if(sample.usage, service_tier="batch")
    kept = alt["tier_fallback"].to_numpy()
    assert set(alt.loc[kept, "resolved_model"].astype(str)) == {"gpt-audio"}
    assert (alt.loc[~kept, "service_tier"].astype(str) == "batch").all()
    np.testing.assert_allclose(alt.loc[kept, "total_usd"], priced.loc[kept, "total_usd"])
    with pytest.raises(ValueError, match=r"has no batch tier"):
        u.what_if(sample.usage, service_tier="batch", keep_unavailable=False)
    with pytest.raises(ValueError, match=r"service_tier: unknown 'cheap'"):
        u.what_if(sample.usage, service_tier="cheap")


def test_what_if_cache(sample: u.Imported, priced: pd.DataFrame) -> None:
    none = u.what_if(sample.usage, cached_share=0.0)
    full = u.what_if(sample.usage, cached_share=1.0)
    assert none["cached_input_usd"].sum() == 0
    assert full["total_usd"].sum() < priced["total_usd"].sum() < none["total_usd"].sum()
    free = u.what_if(sample.usage, cached_discount=1.0)
    assert free["cached_input_usd"].sum() == 0
    assert free["input_usd"].sum() == pytest.approx(priced["input_usd"].sum())
    with pytest.raises(ValueError, match=r"cached_share: 1.5 is not between 0 and 1"):
        u.what_if(sample.usage, cached_share=1.5)


def test_what_if_as_of(tmp_path: Path, sample: u.Imported) -> None:
    row = result(model="gpt-4o-mini", input_cached_tokens=500_000, batch=True)
    usage = u.read_usage(write(tmp_path, "u.json", page([row])))
    now, later = u.price(usage), u.what_if(usage, as_of="2026-10-20")  # batch cache discount ended 10-14
    assert (later["timestamp"] == pd.Timestamp("2026-10-20")).all()
    assert later["cached_input_usd"].iloc[0] == pytest.approx(2 * now["cached_input_usd"].iloc[0])
    assert later["output_usd"].iloc[0] == pytest.approx(now["output_usd"].iloc[0])
    with pytest.raises(
        ValueError, match=r"gpt-4.1 was not launched until 2025-04-14"
    ):
        u.what_if(sample.usage, as_of="2024-08-01")


def test_savings_table(sample: u.Imported) -> None:
    table = u.savings_table(sample.usage, ["gpt-5-nano", "gpt-4.1-mini"])
    assert list(table.columns[:3]) == ["from_model", "to_model", "current_usd"]
    top = table.iloc[0]
    assert top["summary"].startswith(
        f"moving {top['from_model']} to {top['to_model']} saves ${top['saves_usd_per_month']:,.2f} a month"
    )
    assert top["saves_usd_per_month"] == pytest.approx(top["saves_usd"] * u.DAYS_PER_MONTH / 30)
    priced_rows = table.dropna(subset=["saves_usd"])
    assert (priced_rows["saves_usd"] > 0).all()
    assert list(priced_rows["saves_usd_per_month"]) == sorted(
        priced_rows["saves_usd_per_month"], reverse=True
    )
    audio = table[table["from_model"] == "gpt-audio"]
    assert audio["saves_usd"].isna().all() and audio["note"].str.contains("audio").all()
    assert not ((table["from_model"] == "gpt-4.1-mini") & (table["to_model"] == "gpt-4.1-mini")).any()


def test_reconcile_finds_the_planted_differences(sample: u.Imported, priced: pd.DataFrame) -> None:
    rec = u.reconcile(priced, sample.billed)
    flagged = rec[rec["flagged"]]
    got = {(str(d), li, s) for d, li, s in flagged[["day", "line_item", "status"]].itertuples(index=False)}
    assert got == {
        ("2026-10-09", "gpt-4.1-2025-04-14, output", "billed more"),
        ("2026-10-20", "ft-gpt-4.1-mini-2025-04-14, training", "billed only"),
        ("2026-10-23", "gpt-5-2025-08-07, input", "estimated only"),
    }
    assert rec.loc[~rec["flagged"], "status"].eq("ok").all()
    by_day = u.reconcile(priced, sample.billed, by=("day",))
    # by day, 10-09's $0.32 is under 1% of that day's spend: within tolerance
    assert len(by_day) == 30
    assert set(map(str, by_day.loc[by_day["flagged"], "day"])) == {"2026-10-20", "2026-10-23"}
    assert by_day["diff_usd"].sum() == pytest.approx(
        sample.billed["amount_usd"].sum() - priced["total_usd"].sum()
    )


def test_reconcile_ignores_case_and_spacing_and_checks_keys(priced: pd.DataFrame) -> None:
    est = u.line_items(priced)
    day1 = est[est["day"] == "2026-10-01"].copy()
    day1["line_item"] = day1["line_item"].str.upper().str.replace(", ", " ,  ")
    rec = u.reconcile(priced, day1)
    assert not rec["flagged"].any() and len(rec) == len(day1.groupby("line_item"))
    with pytest.raises(ValueError, match=r"by: unknown 'model'"):
        u.reconcile(priced, day1, by=("model",))
    with pytest.raises(ValueError, match=r"no common day"):
        u.reconcile(priced, day1.assign(day=pd.Timestamp("2025-01-01")))


# ------------------------------------------------------------------------------------------------ scale


@pytest.mark.parametrize("suffix", ["parquet", "csv", "jsonl"])
def test_price_file_in_chunks_equals_whole_file(tmp_path: Path, suffix: str) -> None:
    log = pd.read_csv(SAMPLES / "requests.csv")
    path = tmp_path / f"log.{suffix}"
    if suffix == "parquet":
        log.to_parquet(path, row_group_size=100)
    elif suffix == "csv":
        log.to_csv(path, index=False)
    else:
        log.to_json(path, orient="records", lines=True)
    whole = u.price(u.read_usage(path))
    chunked = u.price_file(path, chunk_rows=333)
    assert chunked.rows == len(log) and chunked.chunks == math.ceil(len(log) / 333)
    assert chunked.summary.total_usd == pytest.approx(whole["total_usd"].sum(), rel=1e-12)
    for by in ("day", "model", "api_key"):
        a = chunked.cost_by(by).set_index(by)["total_usd"].sort_index()
        b = u.cost_by(whole, by).set_index(by)["total_usd"].sort_index()
        pd.testing.assert_series_equal(a, b, rtol=1e-12)


def test_price_file_errors_name_the_line_of_the_whole_file(tmp_path: Path) -> None:
    log = pd.read_csv(SAMPLES / "requests.csv").head(20)
    log.loc[14, "output_tokens"] = -3
    log.to_csv(tmp_path / "log.csv", index=False)
    with pytest.raises(ValueError, match=r"log\.csv, line 16, column 'output_tokens': -3 is negative"):
        u.price_file(tmp_path / "log.csv", chunk_rows=4)
    log.to_parquet(tmp_path / "log.parquet")
    with pytest.raises(ValueError, match=r"log\.parquet, row 15, column 'output_tokens'"):
        u.price_file(tmp_path / "log.parquet", chunk_rows=4)


def test_price_file_progress_bar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pd.read_csv(SAMPLES / "requests.csv").to_parquet(tmp_path / "log.parquet", row_group_size=500)
    u.price_file(tmp_path / "log.parquet", chunk_rows=500, progress=True)
    err = capsys.readouterr().err
    assert "log.parquet" in err and "1.50k/1.50k" in err
