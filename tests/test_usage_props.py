"""Property tests for the usage importers: any valid export reads back exactly, however it is split or
written; any single corrupted value is an error naming its file, row and column."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import explorer
from explorer import usage as u

# o3 rather than o4-mini: o4-mini was shut down on 2026-10-23, inside the days these tests span.
MODELS = ["gpt-4.1-2025-04-14", "gpt-4o-mini", "gpt-5-mini", "o3", "gpt-audio"]
DAY = 1_790_812_800  # 2026-10-01
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def results(draw: st.DrawFn) -> dict[str, Any]:
    model = draw(st.sampled_from(MODELS))
    audio = model == "gpt-audio"
    text_in = draw(st.integers(0, 10**9))
    audio_in = draw(st.integers(0, 10**7)) if audio else 0
    output = draw(st.integers(0, 10**8))
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": text_in + audio_in,
        "input_cached_tokens": draw(st.integers(0, text_in)),
        "input_audio_tokens": audio_in,
        "output_tokens": output,
        "output_audio_tokens": draw(st.integers(0, output)) if audio else 0,
        "num_model_requests": draw(st.integers(1, 10**5)),
        "model": model,
        "project_id": draw(st.sampled_from(["proj_a", "proj_b", None])),
        "api_key_id": draw(st.sampled_from(["key_a", "key_b"])),
        "user_id": None,
        "batch": draw(st.sampled_from([True, False, None])) if not audio else False,
        "service_tier": draw(st.sampled_from(["default", None])),
    }


@st.composite
def exports(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    days = draw(st.lists(st.lists(results(), min_size=0, max_size=4), min_size=1, max_size=4))
    # one result per (bucket, grouping): the Usage API never lists a grouping twice in a bucket
    out = []
    for rows in days:
        seen, kept = set(), []
        for r in rows:
            key = (
                r["model"],
                r["project_id"],
                r["api_key_id"],
                bool(r["batch"]),
                r["service_tier"] or "default",
            )
            if key not in seen:
                seen.add(key)
                kept.append(r)
        out.append(kept)
    if not any(out):
        out[0] = [draw(results())]
    return out


def pages_of(days: list[list[dict[str, Any]]], split: int) -> list[dict[str, Any]]:
    buckets = [
        {"object": "bucket", "start_time": DAY + i * 86400, "end_time": DAY + (i + 1) * 86400, "results": r}
        for i, r in enumerate(days)
    ]
    cut = max(1, min(split, len(buckets)))
    chunks = [buckets[:cut], buckets[cut:]] if cut < len(buckets) else [buckets]
    return [
        {"object": "page", "data": c, "has_more": i < len(chunks) - 1, "next_page": None}
        for i, c in enumerate(chunks)
    ]


def direct_total(days: list[list[dict[str, Any]]]) -> float:
    """The engine on the same rows, built by hand: the importer must add nothing and lose nothing."""
    rows = []
    for i, r_list in enumerate(days):
        for r in r_list:
            tier = "batch" if r["batch"] else "standard"
            rows.append(
                {
                    "model": r["model"],
                    "input_tokens": r["input_tokens"],
                    "output_tokens": r["output_tokens"],
                    "cached_input_tokens": r["input_cached_tokens"],
                    "input_audio_tokens": r["input_audio_tokens"],
                    "output_audio_tokens": r["output_audio_tokens"],
                    "service_tier": tier,
                    "timestamp": DAY + i * 86400,
                }
            )
    return float(explorer.price_usage(pd.DataFrame(rows))["total_usd"].sum())


@SETTINGS
@given(days=exports(), split=st.integers(1, 4))
def test_any_export_prices_like_the_engine_however_split(
    days: list[list[dict[str, Any]]], split: int
) -> None:
    pages = pages_of(days, split)
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, p in enumerate(pages):
            f = Path(tmp) / f"p{i}.json"
            f.write_text(json.dumps(p))
            files.append(f)
        one = Path(tmp) / "all.jsonl"
        one.write_text("".join(json.dumps(p) + "\n" for p in pages))
        split_files = u.read_usage(*files)
        single = u.read_usage(one)
    n = sum(len(r) for r in days)
    assert len(split_files) == len(single) == n
    assert split_files["requests"].sum() == sum(r["num_model_requests"] for d in days for r in d)
    expected = direct_total(days)
    assert u.price(split_files)["total_usd"].sum() == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert u.price(single)["total_usd"].sum() == pytest.approx(expected, rel=1e-12, abs=1e-12)


@SETTINGS
@given(days=exports())
def test_csv_round_trip_equals_json(days: list[list[dict[str, Any]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        js = Path(tmp) / "u.json"
        js.write_text(json.dumps(pages_of(days, 99)[0]))
        frame = u.read_usage(js)
        csv = Path(tmp) / "u.csv"
        out = frame.rename(
            columns={"cached_input_tokens": "input_cached_tokens", "requests": "num_model_requests"}
        )
        out.drop(columns="source_file").to_csv(csv, index=False)
        back = u.read_usage(csv)
    cols = ["model", "input_tokens", "cached_input_tokens", "output_tokens", "requests", "input_audio_tokens"]
    np.testing.assert_array_equal(back[cols].to_numpy(), frame[cols].to_numpy())
    assert back["service_tier"].astype(str).tolist() == frame["service_tier"].astype(str).tolist()
    assert u.price(back)["total_usd"].sum() == pytest.approx(u.price(frame)["total_usd"].sum(), rel=1e-12)


CORRUPTIONS = [
    ("input_tokens", -1, "is negative"),
    ("output_tokens", 2.5, "is not a whole number"),
    ("input_tokens", "lots", "is not a number"),
    ("num_model_requests", -4, "is negative"),
    ("batch", "sometimes", "is not true or false"),
    ("service_tier", "turbo", "unknown service tier"),
    ("model", "", "is empty"),
]
CANON = {"num_model_requests": "requests"}


@SETTINGS
@given(days=exports(), data=st.data(), corruption=st.sampled_from(CORRUPTIONS))
def test_one_bad_value_names_file_row_and_column(
    days: list[list[dict[str, Any]]], data: st.DataObject, corruption: tuple[str, Any, str]
) -> None:
    spots = [(i, j) for i, d in enumerate(days) for j in range(len(d))]
    i, j = data.draw(st.sampled_from(spots))
    field, value, what = corruption
    days[i][j][field] = value
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "u.json"
        f.write_text(json.dumps(pages_of(days, 99)[0]))
        before = f.read_bytes()
        with pytest.raises(ValueError) as info:
            u.read_usage(f)
        assert f.read_bytes() == before
    msg = str(info.value)
    assert msg.startswith(f"{f}, result data[{i}].results[{j}], column '{CANON.get(field, field)}'")
    assert what in msg


@SETTINGS
@given(rows=st.integers(1, 120), chunk=st.integers(1, 50), seed=st.integers(0, 2**16))
def test_chunked_equals_whole(
    tmp_path_factory: pytest.TempPathFactory, rows: int, chunk: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    inp = rng.integers(0, 400_000, rows)
    log = pd.DataFrame(
        {
            "timestamp": pd.Timestamp("2026-10-01")
            + pd.to_timedelta(rng.integers(0, 5 * 86400, rows), unit="s"),
            "model": rng.choice(["gpt-5.4", "gpt-4o-mini", "o4-mini"], rows),
            "input_tokens": inp,
            "cached_input_tokens": inp // 3,
            "output_tokens": rng.integers(0, 9000, rows),
        }
    )
    path = tmp_path_factory.mktemp("log") / "log.parquet"
    log.to_parquet(path, row_group_size=max(1, rows // 3))
    whole = u.price(u.read_usage(path))
    chunked = u.price_file(path, chunk_rows=chunk)
    assert chunked.summary.total_usd == pytest.approx(whole["total_usd"].sum(), rel=1e-12, abs=1e-15)
    assert chunked.summary.priced_rows == rows
