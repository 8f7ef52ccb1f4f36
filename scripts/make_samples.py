"""Generate the synthetic sample exports in data/samples/ (deterministic: same bytes on every run).

    .venv/bin/python scripts/make_samples.py

Nothing here is real usage: an invented organisation with three projects, priced with the bundled
prices. The Costs export is the estimate with deliberate discrepancies, so reconciliation has
something to find (see data/samples/README.md).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from explorer import usage as u

OUT = Path(__file__).resolve().parent.parent / "data" / "samples"
START = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
DAYS = 30
SEED = 20261001

# project, api key, model as exported, service tier, batch, requests/day, input/request, cached share,
# output/request, audio input/request, audio output/request
STREAMS = [
    ("proj_support", "key_support_prod", "gpt-4.1-2025-04-14", "default", False, 900, 2400, 0.55, 380, 0, 0),
    (
        "proj_support",
        "key_support_prod",
        "gpt-4.1-mini-2025-04-14",
        "default",
        False,
        2600,
        1500,
        0.40,
        220,
        0,
        0,
    ),
    (
        "proj_support",
        "key_support_voice",
        "gpt-audio-2025-08-28",
        "default",
        False,
        160,
        900,
        0.0,
        300,
        700,
        260,
    ),
    (
        "proj_search",
        "key_search_prod",
        "gpt-5-mini-2025-08-07",
        "default",
        False,
        5200,
        3100,
        0.62,
        540,
        0,
        0,
    ),
    ("proj_search", "key_search_prod", "gpt-5-mini-2025-08-07", "flex", False, 1800, 3100, 0.30, 600, 0, 0),
    ("proj_search", "key_search_rerank", "o4-mini-2025-04-16", "priority", False, 420, 1800, 0.20, 950, 0, 0),
    (
        "proj_analytics",
        "key_analytics_batch",
        "gpt-4o-mini-2024-07-18",
        "default",
        True,
        7000,
        1100,
        0.0,
        160,
        0,
        0,
    ),
    (
        "proj_analytics",
        "key_analytics_batch",
        "gpt-5-2025-08-07",
        "default",
        True,
        350,
        6200,
        0.10,
        1400,
        0,
        0,
    ),
]


# o4-mini was shut down on 2026-10-23 (data/model_launches.csv): from that day its traffic runs on the
# replacement, as an organisation that migrated on time would show it.
SHUTDOWN = pd.Timestamp("2026-10-23", tz="UTC")
MIGRATED = {"o4-mini-2025-04-16": "gpt-5.6-terra", "o4-mini": "gpt-5.6-terra"}


def usage_results(rng: np.random.Generator) -> list[tuple[int, list[dict]]]:
    buckets = []
    for d in range(DAYS):
        day = START + dt.timedelta(days=d)
        weekday = day.weekday()
        season = 0.55 if weekday >= 5 else 1.0
        growth = 1.0 + 0.012 * d
        results = []
        for proj, key, model, tier, batch, req, inp, cshare, out, ain, aout in STREAMS:
            if day >= SHUTDOWN:
                model = MIGRATED.get(model, model)
            if batch and weekday >= 5:
                continue  # analytics batch jobs run on weekdays only
            n = int(rng.poisson(req * season * growth))
            if n == 0:
                continue
            input_tokens = int(n * inp * rng.uniform(0.85, 1.15))
            audio_in = int(n * ain * rng.uniform(0.9, 1.1))
            audio_out = int(n * aout * rng.uniform(0.9, 1.1))
            input_tokens += audio_in
            cached = int((input_tokens - audio_in) * cshare * rng.uniform(0.9, 1.05))
            output_tokens = int(n * out * rng.uniform(0.85, 1.15)) + audio_out
            results.append(
                {
                    "object": "organization.usage.completions.result",
                    "input_tokens": input_tokens,
                    "output_tokens": output_tokens,
                    "input_cached_tokens": cached,
                    "input_audio_tokens": audio_in,
                    "output_audio_tokens": audio_out,
                    "num_model_requests": n,
                    "project_id": proj,
                    "user_id": None,
                    "api_key_id": key,
                    "model": model,
                    "batch": batch,
                    "service_tier": tier,
                }
            )
        start = int(day.timestamp())
        buckets.append((start, results))
    return buckets


def page(buckets: list[tuple[int, list[dict]]], has_more: bool, next_page: str | None) -> dict:
    return {
        "object": "page",
        "data": [
            {"object": "bucket", "start_time": s, "end_time": s + 86400, "results": r} for s, r in buckets
        ],
        "has_more": has_more,
        "next_page": next_page,
    }


def write_json(path: Path, doc: dict) -> None:
    # One result per line keeps the files small and readable.
    text = json.dumps(doc, indent=1)
    path.write_text(text + "\n", encoding="utf-8")


def costs_page(billed: pd.DataFrame) -> dict:
    buckets = []
    for day, sub in billed.groupby("day", sort=True):
        start = int(pd.Timestamp(day).tz_localize("UTC").timestamp())
        results = [
            {
                "object": "organization.costs.result",
                "amount": {"value": round(float(r.amount_usd), 10), "currency": "usd"},
                "line_item": r.line_item,
                "project_id": r.project_id,
            }
            for r in sub.itertuples()
        ]
        buckets.append(
            {"object": "bucket", "start_time": start, "end_time": start + 86400, "results": results}
        )
    return {"object": "page", "data": buckets, "has_more": False, "next_page": None}


def request_log(rng: np.random.Generator, n: int) -> pd.DataFrame:
    models = np.array(["gpt-4.1-mini", "gpt-5-mini", "gpt-4o-mini", "o4-mini", "gpt-4.1"])
    weights = np.array([0.35, 0.3, 0.2, 0.1, 0.05])
    model = rng.choice(models, size=n, p=weights)
    seconds = np.sort(rng.integers(0, 7 * 86400, size=n))
    ts = pd.Timestamp("2026-10-20", tz="UTC") + pd.to_timedelta(seconds, unit="s")
    inp = rng.lognormal(7.2, 0.8, size=n).astype(np.int64) + 20
    cached = (inp * rng.choice([0.0, 0.5, 0.8], size=n, p=[0.5, 0.3, 0.2])).astype(np.int64)
    out = rng.lognormal(5.5, 0.7, size=n).astype(np.int64) + 1
    reasoning = np.where(np.isin(model, ["o4-mini", "gpt-5-mini"]), (out * 0.6).astype(np.int64), 0)
    tier = rng.choice(["default", "flex", "priority"], size=n, p=[0.85, 0.1, 0.05])
    tier = np.where(np.isin(model, ["gpt-5-mini", "o4-mini"]) | (tier != "flex"), tier, "default")
    model = np.where((ts >= SHUTDOWN) & (model == "o4-mini"), MIGRATED["o4-mini"], model)
    return pd.DataFrame(
        {
            "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "model": model,
            "input_tokens": inp,
            "cached_input_tokens": cached,
            "output_tokens": out,
            "reasoning_tokens": reasoning,
            "service_tier": tier,
            "project_id": rng.choice(["proj_support", "proj_search"], size=n),
            "api_key_id": rng.choice(["key_app_a", "key_app_b", "key_cron"], size=n, p=[0.5, 0.4, 0.1]),
        }
    )


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    buckets = usage_results(rng)
    half = DAYS // 2
    p1 = OUT / "usage_completions_page1.json"
    p2 = OUT / "usage_completions_page2.json"
    write_json(p1, page(buckets[:half], True, "page_2026-10-16"))
    write_json(p2, page(buckets[half:], False, None))

    priced = u.price(u.read_usage(p1, p2))
    est = u.line_items(priced)
    billed = est.copy()
    # Deliberate discrepancies for the reconciliation to find:
    # 1. on 10-09 support's gpt-4.1 output is billed 12% above the usage export (a late-arriving bucket);
    hit = (billed["day"] == "2026-10-09") & (billed["line_item"] == "gpt-4.1-2025-04-14, output")
    billed.loc[hit, "amount_usd"] *= 1.12
    # 2. a fine-tuning job appears only on the bill;
    extra = pd.DataFrame(
        [
            {
                "day": pd.Timestamp("2026-10-20"),
                "line_item": "ft-gpt-4.1-mini-2025-04-14, training",
                "project_id": "proj_support",
                "amount_usd": 25.0,
            }
        ]
    )
    # 3. on 10-23 analytics' batch gpt-5 input is missing from the bill (a credit, say).
    gone = (billed["day"] == "2026-10-23") & (billed["line_item"] == "gpt-5-2025-08-07, input")
    billed = pd.concat([billed[~gone], extra], ignore_index=True).sort_values(
        ["day", "project_id", "line_item"]
    )
    write_json(OUT / "costs.json", costs_page(billed))

    # The same data as the dashboard's CSV downloads, first week only, with their own header names.
    week = priced[priced["day"] < "2026-10-08"]
    csv = pd.DataFrame(
        {
            "start_time_iso": week["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "model": week["model"],
            "project_id": week["project_id"],
            "api_key_id": week["api_key_id"],
            "batch": week["service_tier"].astype(str).eq("batch"),
            "service_tier": np.where(
                week["service_tier"].astype(str) == "batch", "default", week["service_tier"].astype(str)
            ),
            "num_model_requests": week["requests"],
            "input_tokens": week["input_tokens"],
            "input_cached_tokens": week["cached_input_tokens"],
            "output_tokens": week["output_tokens"],
            "input_audio_tokens": week["input_audio_tokens"],
            "output_audio_tokens": week["output_audio_tokens"],
        }
    )
    csv.to_csv(OUT / "usage_completions.csv", index=False, lineterminator="\n")
    bweek = billed[billed["day"] < "2026-10-08"]
    pd.DataFrame(
        {
            "start_time_iso": bweek["day"].dt.strftime("%Y-%m-%d"),
            "line_item": bweek["line_item"],
            "project_id": bweek["project_id"],
            "amount_value": bweek["amount_usd"].round(10),
            "amount_currency": "usd",
        }
    ).to_csv(OUT / "costs.csv", index=False, lineterminator="\n")

    log = request_log(rng, 1500)
    log.to_csv(OUT / "requests.csv", index=False, lineterminator="\n")
    log.head(500).to_parquet(OUT / "requests.parquet", index=False, compression="zstd")
    total = sum(f.stat().st_size for f in OUT.iterdir())
    print(f"wrote {len(list(OUT.iterdir()))} files, {total / 1024:.0f} KiB, to {OUT.name}/")


if __name__ == "__main__":
    main()
