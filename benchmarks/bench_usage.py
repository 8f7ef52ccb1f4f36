"""Usage pricing at scale: vectorised vs genai-prices row by row, and a 10M-row Parquet log in chunks.

    .venv/bin/python benchmarks/bench_usage.py            # 1M rows vectorised, 10M rows chunked
    .venv/bin/python benchmarks/bench_usage.py --quick    # 100k and 1M rows: a smoke run

Prints both figures: the vectorised time and its ratio to calc_price (extrapolated from a sample),
and the chunked run's time and peak RSS (the process's high-water mark, via resource.getrusage).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from genai_prices import Usage, calc_price

from explorer import prices as _prices
from explorer import usage as u

MODELS = np.array(["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini", "gpt-5-mini"])


def synthetic_log(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    inp = rng.integers(50, 20_000, n)
    out = rng.integers(1, 2_000, n)
    return pd.DataFrame(
        {
            "timestamp": pd.Timestamp("2026-10-01")
            + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s"),
            "model": rng.choice(MODELS, n),
            "input_tokens": inp,
            "cached_input_tokens": (inp * rng.choice([0.0, 0.5], n)).astype(np.int64),
            "output_tokens": out,
        }
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def bench_vectorised(n: int, sample: int, table: pd.DataFrame, repeats: int = 11) -> None:
    log = synthetic_log(n)
    usage = u.normalize_usage(log, path="synthetic")
    u.price(usage.head(1000), prices=table)  # warm the resolver caches, as a long session would be
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        priced = u.price(usage, prices=table)
        times.append(time.perf_counter() - t0)
    vec_s = statistics.median(times)
    rows = log.head(sample)
    t0 = time.perf_counter()
    oracle = 0.0
    for r in rows.itertuples(index=False):
        calc = calc_price(
            Usage(
                input_tokens=int(r.input_tokens),
                cache_read_tokens=int(r.cached_input_tokens),
                output_tokens=int(r.output_tokens),
            ),
            model_ref=str(r.model),
            provider_id="openai",
            genai_request_timestamp=r.timestamp.to_pydatetime(),
        )
        oracle += float(calc.total_price)
    per_row_s = (time.perf_counter() - t0) / sample
    ours = float(priced["total_usd"].iloc[:sample].sum())
    print(
        f"vectorised: {n:,} rows priced in {vec_s:.3f} s ({vec_s / n * 1e9:.0f} ns/row; median of {repeats}, "
        f"best {min(times):.3f} s, first {times[0]:.3f} s)"
    )
    print(
        f"calc_price: {per_row_s * 1e6:.1f} us/row over {sample:,} rows -> {per_row_s * n:.1f} s for {n:,} "
        f"(extrapolated); totals agree to ${abs(ours - oracle):.2e}"
    )
    goal = "goal >= 1000x" if n >= 1_000_000 else "the >= 1000x goal is for 1M rows; fixed costs weigh more here"
    print(f"ratio: {per_row_s * n / vec_s:,.0f}x on the median ({goal})")


def bench_chunked(n: int, chunk_rows: int, table: pd.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.parquet"
        writer = None
        step = 1_000_000
        for i in range(0, n, step):  # written in pieces too, so writing never holds the whole log
            part = pa.Table.from_pandas(synthetic_log(min(step, n - i), seed=i), preserve_index=False)
            writer = writer or pq.ParquetWriter(path, part.schema, compression="zstd")
            writer.write_table(part, row_group_size=chunk_rows)
        assert writer is not None
        writer.close()
        size_mib = path.stat().st_size / 2**20
        before = peak_rss_mib()
        t0 = time.perf_counter()
        result = u.price_file(path, chunk_rows=chunk_rows, progress=True, prices=table)
        took = time.perf_counter() - t0
        print(
            f"chunked: {result.rows:,} rows ({size_mib:.0f} MiB Parquet) in {result.chunks} chunks of "
            f"{chunk_rows:,}: {took:.1f} s, total ${result.summary.total_usd:,.2f}"
        )
        print(f"peak RSS: {peak_rss_mib():.0f} MiB (before the chunked run: {before:.0f} MiB)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run in seconds")
    args = ap.parse_args(argv)
    table = _prices.price_history()
    if args.quick:
        bench_vectorised(100_000, 500, table)
        bench_chunked(1_000_000, 250_000, table)
    else:
        bench_vectorised(1_000_000, 2_000, table)
        bench_chunked(10_000_000, 500_000, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
