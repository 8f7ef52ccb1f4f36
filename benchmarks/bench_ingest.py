"""Ingest at engine speed: `explorer usage` on request-log files, side by side with genai-prices' calc_price.

    .venv/bin/python benchmarks/bench_ingest.py            # 1M-row files, 10M rows chunked
    .venv/bin/python benchmarks/bench_ingest.py --quick    # 100k rows, 1M chunked: a smoke run

The files are a realistic request log (ISO-8601 `timestamp` strings with a zone, six current OpenAI models,
the `cached_tokens` alias), generated into a temporary folder. Printed, each a median of several runs:

- calc_price: microseconds per row, called row by row on a sample of the same rows;
- marginal cost of the extra rows: `explorer usage FILE --format json` (a fresh process, as a user runs it)
  on the big file minus the same on a 1,000-row file, per row, for Parquet, CSV and JSON lines, and its
  ratio to calc_price (goals: >= 1,000x from Parquet, >= 500x from CSV and JSON lines);
- the whole command on the 1M-row Parquet file: wall time (goal <= 1.0 s) and peak resident memory (the
  process's VmHWM), beside the file's in-memory size (its Arrow table) and the peak of the same command on
  the 1,000-row file (the interpreter and its imports);
- 10M rows, chunked (`usage.price_file` and `explorer cost --usage`, which streams a Parquet file over
  1M rows): wall time (goal <= 5 s) and peak;
- every total against the engine on the same rows built in memory (`usage.price` on the frame with the
  engine's column names): equal to 1e-9 USD;
- the floors, in process: the engine alone on those 1M rows already in memory, each format's library
  reader alone (pyarrow's Parquet, CSV and JSON readers, multithreaded) on the 1M-row file, and the least
  any Parquet path must do (`bare_parquet`), each per row and as a multiple of calc_price. A file can be
  priced no faster than its reader reads it, so the reader's multiple is a ceiling on that format's; the
  engine's is the speed "at engine speed" means.

The machine is shared: the load average (`uptime`) is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from bench_stream import CHILD

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-01"
MODELS = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-5", "gpt-5-mini")


def log_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` requests over October 2026, as a logging proxy writes them (ISO-8601 UTC strings, one a second
    at most, so busy seconds repeat)."""
    rng = np.random.default_rng(seed)
    inp = rng.integers(50, 20_000, n)
    secs = np.sort(rng.integers(0, 30 * 86_400, n))
    stamps = (np.datetime64("2026-10-01T00:00:00", "s") + secs).astype(str)
    return pd.DataFrame({
        "timestamp": pd.array(np.char.add(stamps, "Z"), dtype="string"),
        "model": pd.array(np.asarray(MODELS)[rng.integers(0, len(MODELS), n)], dtype="string"),
        "input_tokens": inp,
        "cached_tokens": (inp * rng.choice([0.0, 0.5, 0.9], n)).astype(np.int64),
        "output_tokens": rng.integers(1, 2_000, n),
    })


def write_log(path: Path, n: int, seed: int = 0, *, step: int = 1_000_000) -> Path:
    """The log as Parquet, CSV or JSON lines (by suffix), written ``step`` rows at a time."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    suffix = path.suffix.lower()
    writer = None
    with path.open("wb") as f:
        for i in range(0, n, step):
            part = log_frame(min(step, n - i), seed=seed + i)
            if suffix == ".parquet":
                table = pa.Table.from_pandas(part, preserve_index=False)
                writer = writer or pq.ParquetWriter(f, table.schema, compression="zstd")
                writer.write_table(table, row_group_size=500_000)
            elif suffix == ".csv":
                opts = pcsv.WriteOptions(include_header=i == 0, quoting_style="none")
                pcsv.write_csv(pa.Table.from_pandas(part, preserve_index=False), f, write_options=opts)
            else:
                f.write(part.to_json(orient="records", lines=True).encode())
        if writer is not None:
            writer.close()
    return path


def calc_price_us_per_row(frame: pd.DataFrame, sample: int) -> float:
    """genai-prices' calc_price called once per row, as a script would: microseconds per row."""
    import warnings

    from genai_prices import Usage, calc_price

    rows = frame.head(sample)
    when = pd.to_datetime(rows["timestamp"], utc=True).dt.to_pydatetime()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        for r, ts in zip(rows.itertuples(index=False), when, strict=True):
            calc_price(Usage(input_tokens=int(r.input_tokens), cache_read_tokens=int(r.cached_tokens),
                             output_tokens=int(r.output_tokens)), model_ref=str(r.model), provider_id="openai",
                       genai_request_timestamp=ts)
        return (time.perf_counter() - t0) / sample * 1e6


_PRICE_FILE = textwrap.dedent(
    """
    import json, sys
    from explorer import usage as u
    r = u.price_file(sys.argv[1], chunk_rows=int(sys.argv[2]), as_of=sys.argv[3])
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
    print(json.dumps({"total_usd": r.summary.total_usd, "rows": r.rows, "peak_rss_kb": int(hwm)}))
    """
)


def run(args: list[str], script: str = CHILD) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of one child run."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{args}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
    peak = [line for line in proc.stderr.splitlines() if line.startswith("peak_rss_kb=")]
    kb = int(peak[-1].split("=")[1]) if peak else json.loads(proc.stdout)["peak_rss_kb"]
    return wall, kb / 1024, proc.stdout


def timed(args: list[str], repeats: int, script: str = CHILD) -> tuple[float, float, str]:
    """Median wall time, median peak and the last output of ``repeats`` runs."""
    runs = [run(args, script) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[-1][2]


def engine_total(path: Path) -> float:
    """The engine on the file's rows built in memory, with its own column names (the reference total)."""
    import pyarrow.parquet as pq

    from explorer import usage as u

    suffix = path.suffix.lower()
    frames = ((b.to_pandas() for b in pq.ParquetFile(path).iter_batches(1_000_000)) if suffix == ".parquet"
              else [pd.read_csv(path) if suffix == ".csv" else pd.read_json(path, lines=True, dtype=False)])
    total = 0.0
    for frame in frames:  # a million rows at a time: a 10M-row file is priced in memory too
        total += float(u.price(engine_columns(frame), as_of=AS_OF)["total_usd"].sum())
    return total


def engine_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The log's rows as the engine takes them: its column names, naive UTC timestamps."""
    frame = frame.rename(columns={"cached_tokens": "cached_input_tokens"})
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True).dt.tz_localize(None)
    return frame


def median_of(work: Callable[[], object], repeats: int) -> float:
    """Median seconds of ``repeats`` calls, after one to warm up."""
    work()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bare_parquet(path: Path) -> float:
    """The least a Parquet path must do, as one pass of Arrow and numpy: read, parse the times, check the
    counts, find each row's rate (here one made-up rate per model: no dates, tiers or fallbacks) and sum by
    day x model. Not the product: a floor to compare it with."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path, read_dictionary=["model"])
    ns = pc.cast(table["timestamp"], pa.timestamp("ns", tz="UTC")).combine_chunks().cast(pa.int64()).to_numpy()
    model = table["model"].combine_chunks()
    codes = model.indices.to_numpy().astype(np.int64)
    ins, cached, outs = (table[c].to_numpy() for c in ("input_tokens", "cached_tokens", "output_tokens"))
    if min(ins.min(), cached.min(), outs.min()) < 0 or (cached > ins).any():
        raise SystemExit(f"{path}: a bad count")
    day = ns // 86_400_000_000_000
    key = (day - day.min()) * len(model.dictionary) + codes
    size = int(key.max()) + 1
    which = np.arange(size) % len(model.dictionary)
    rate = np.linspace(1.0, 2.0, len(model.dictionary))[which]
    usd = (np.bincount(key, ins - cached, size) + np.bincount(key, cached, size) / 10
           + np.bincount(key, outs, size) * 4) * rate / 1e6
    return float(usd.sum())


def floors(folder: Path, rows: int, repeats: int, us_per_row: float) -> None:
    """The engine alone on rows in memory, and each library reader alone on the files (see the docstring)."""
    import pyarrow.csv as pcsv
    import pyarrow.json as pjson
    import pyarrow.parquet as pq

    from explorer import prices
    from explorer import usage as u

    table = prices.price_history()
    frame = engine_columns(pq.read_table(folder / "large.parquet").to_pandas())
    frame["model"] = frame["model"].astype("category")  # as a fast reader gives it
    engine = median_of(lambda: u.price(frame, as_of=AS_OF, prices=table), repeats)
    readers = {"parquet": pq.read_table, "csv": pcsv.read_csv, "jsonl": pjson.read_json}
    seconds = {"engine": engine}
    for fmt, read in readers.items():
        seconds[f"{fmt} reader"] = median_of(lambda read=read, fmt=fmt: read(folder / f"large.{fmt}"), repeats)
    seconds["bare_parquet"] = median_of(lambda: bare_parquet(folder / "large.parquet"), repeats)
    print(f" floors: in process, {rows:,} rows, median of {repeats}; a format's ratio cannot pass its reader's")
    for name, s in seconds.items():
        ns = s / rows * 1e9
        print(f"         {name:>14}: {ns:4.0f} ns/row = {us_per_row * 1000 / ns:,.0f}x calc_price")


def uptime() -> str:
    return ", ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--repeats", type=int, default=5, help="runs per timing (median reported)")
    opts = ap.parse_args(argv)
    big, huge = (100_000, 1_000_000) if opts.quick else (1_000_000, 10_000_000)
    print(f"load average (1, 5, 15 min) before: {uptime()}; {os.cpu_count()} cores")
    us_per_row = calc_price_us_per_row(log_frame(2_000, seed=42), 2_000)
    print(f"calc_price: {us_per_row:.1f} us/row (2,000 rows, row by row)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # A price-table cache of its own: other checkouts on the machine keep theirs in ~/.explorer.
        os.environ["EXPLORER_HOME"] = str(folder / "home")
        usage = ["usage", "--format", "json"]
        for suffix, goal in ((".parquet", 1_000), (".csv", 500), (".jsonl", 500)):
            small = write_log(folder / f"small{suffix}", 1_000, seed=1)
            large = write_log(folder / f"large{suffix}", big, seed=2)
            run([*usage, str(small)])  # warm the price-table cache and the page cache
            t_small, p_small, _ = timed([*usage, str(small)], opts.repeats)
            t_large, p_large, out = timed([*usage, str(large)], opts.repeats)
            marginal_us = (t_large - t_small) / (big - 1_000) * 1e6
            total = json.loads(out)["total_usd"]
            diff = abs(total - engine_total(large))
            print(f"{suffix[1:]:>7}: {big:,} rows {t_large:.2f} s, 1,000 rows {t_small:.2f} s -> "
                  f"{marginal_us * 1000:.0f} ns/row marginal = {us_per_row / marginal_us:,.0f}x calc_price "
                  f"(goal >= {goal:,}x); peak {p_large:.0f} MiB; total ${total:,.2f}, engine in memory "
                  f"differs by ${diff:.1e}")
            if suffix == ".parquet":
                import pyarrow.parquet as pq

                in_memory = pq.read_table(large).nbytes / 2**20
                print(f"         whole `explorer usage` on {big:,} rows of Parquet: {t_large:.2f} s wall (goal <= "
                      f"1.0 s); peak {p_large:.0f} MiB = {p_large / in_memory:.1f}x the file's in-memory size "
                      f"({in_memory:.0f} MiB as Arrow; goal <= 2x); the same command on 1,000 rows peaks at "
                      f"{p_small:.0f} MiB (interpreter and imports), so the rows add {p_large - p_small:.0f} MiB "
                      f"= {(p_large - p_small) / in_memory:.1f}x")
        floors(folder, big, opts.repeats, us_per_row)
        path = write_log(folder / "huge.parquet", huge, seed=3)
        in_memory = huge * (8 * 3 + 21 + 8 + 12 + 8) / 2**20  # three counts, the strings and their offsets
        repeats = max(1, opts.repeats // 2)
        wall, peak, out = timed([str(path), "500000", AS_OF], repeats, _PRICE_FILE)
        total = json.loads(out)["total_usd"]
        diff = abs(total - engine_total(path))
        print(f"chunked: usage.price_file on {huge:,} rows of Parquet ({path.stat().st_size / 2**20:.0f} MiB file, "
              f"about {in_memory:,.0f} MiB in memory), chunks of 500,000: {wall:.2f} s wall (goal <= 5 s), peak "
              f"{peak:.0f} MiB; total ${total:,.2f}, engine in memory differs by ${diff:.1e}")
        wall, peak, _ = timed(["cost", "--usage", str(path), "--as-of", AS_OF], repeats)
        print(f"chunked: `explorer cost --usage` (text) on the same file: {wall:.2f} s wall, peak {peak:.0f} MiB")
    print(f"load average after: {uptime()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
