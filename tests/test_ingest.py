"""Ingest at engine speed (explorer/usage_read.py and the timestamp parser): the fast readers change how fast
a file is read, never what it means. Each shape the benchmarks use (benchmarks/bench_ingest.py) is checked
here on a small file against the engine on the same rows built in memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer import usage as u
from explorer.paths import REPO_DIR

sys.path.insert(0, str(REPO_DIR / "benchmarks"))
from bench_ingest import AS_OF, write_log  # the benchmark's own file generator: the same shapes

# ------------------------------------------------------------------------------------------------ timestamps


def _times(values: list, dtype: object = object) -> pd.Series:
    frame = pd.DataFrame({"t": pd.Series(values, dtype=dtype, index=range(2, 2 + len(values)))})
    return u._times(frame, "t", u._Where("log.csv"), required=False)


def _utc(text: str) -> pd.Timestamp:
    """One string as pandas alone reads it: the oracle (naive strings are UTC)."""
    ts = pd.Timestamp(text.strip())
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo else ts


@pytest.mark.parametrize("dtype", [object, "string", "category"])
def test_repeated_strings_parse_like_each_string_alone(dtype: object) -> None:
    distinct = ["2026-10-01T12:00:00Z", "2026-10-01T14:00:00+02:00", "2026-10-02 08:30:00", "2026-10-03"]
    rng = np.random.default_rng(3)
    values = list(rng.choice(distinct, 5_000))
    got = _times(values, dtype)
    assert got.tolist() == [_utc(v) for v in values]
    assert got.iloc[0] == _utc(values[0]) and got.dtype == "datetime64[ns]"


def test_mixed_offsets_naive_dates_and_epochs_in_one_column() -> None:
    values = [
        "2026-10-01T12:34:56Z",
        " 2026-10-01 12:34:56+02:00 ",
        "2026-10-01T12:34:56.5-0530",
        "2026-10-01T12:34:56.123456789+00:00",
        "2026-10-01T12:34:56",
        "2026-10-01",
        "Oct 1 2026",  # not ISO: pandas' parser, the same answer it gave before
        "2026-10-01T12:34:56,5",
    ]
    got = _times([*values, "1790812800", None, ""])
    assert got.iloc[: len(values)].tolist() == [_utc(v) for v in values]
    assert got.iloc[len(values)] == pd.Timestamp(1790812800, unit="s")
    assert got.iloc[-2:].isna().all()  # blank cells are no time, not an error


def test_one_shape_throughout_then_another_shape_still_parses() -> None:
    """The fast path casts the whole column; a later row of another shape must not be an error."""
    values = ["2026-10-01T00:00:00Z"] * 1000 + ["2026-10-05 10:00:00"] + ["2026-10-01T00:00:00Z"] * 10
    got = _times(values, "string")
    assert got.iloc[1000] == pd.Timestamp("2026-10-05 10:00:00") and got.iloc[0] == pd.Timestamp("2026-10-01")


@pytest.mark.parametrize("dtype", [object, "string", "category"])
def test_the_first_bad_row_is_named_among_repeated_strings(dtype: object) -> None:
    values = ["2026-10-01T00:00:00Z"] * 700 + ["2026-13-01T00:00:00Z"] + ["soon"] + ["2026-10-01T00:00:00Z"] * 50
    with pytest.raises(ValueError, match=r"^log\.csv, line 702, column 't': '2026-13-01T00:00:00Z' is not a date"):
        _times(values, dtype)


def test_bad_row_number_through_each_reader(tmp_path: Path) -> None:
    log = pd.DataFrame({"timestamp": ["2026-10-01T00:00:00Z"] * 300, "model": "gpt-4o",
                        "input_tokens": 10, "output_tokens": 1})
    log.loc[217, "timestamp"] = "yesterday"
    log.to_csv(tmp_path / "log.csv", index=False)
    log.to_json(tmp_path / "log.jsonl", orient="records", lines=True)
    log.to_parquet(tmp_path / "log.parquet")
    for name, label in (("log.csv", "line 219"), ("log.jsonl", "line 218"), ("log.parquet", "row 218")):
        with pytest.raises(ValueError, match=rf"{name}, {label}, column 'timestamp': 'yesterday' is not a date"):
            u.read_usage(tmp_path / name)
        with pytest.raises(ValueError, match=rf"{name}, {label}, column 'timestamp': 'yesterday' is not a date"):
            u.price_file(tmp_path / name, chunk_rows=100)


# ------------------------------------------------------------------------------------------------ readers


def test_readers_give_the_engines_column_types(tmp_path: Path) -> None:
    for suffix in ("parquet", "csv", "jsonl"):
        path = write_log(tmp_path / f"log.{suffix}", 2_000, seed=1)
        raw = u.read_table(path)
        assert isinstance(raw["model"].dtype, pd.CategoricalDtype), suffix
        assert raw["input_tokens"].dtype == np.int64, suffix
        usage = u.read_usage(path)
        assert not [c for c in usage.columns if usage[c].dtype == object], suffix
        assert isinstance(usage["model"].dtype, pd.CategoricalDtype)
        assert usage["timestamp"].dtype == "datetime64[ns]"


def test_parquet_chunks_read_labels_as_dictionaries_in_exact_chunks(tmp_path: Path) -> None:
    """Chunks of a Parquet log whose row groups are small and hold different models: each chunk exactly the
    rows asked for (the reader cuts batches at row groups), models read as dictionaries, never per-row
    strings, and the rows unchanged."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from explorer import usage_read

    frame = pd.DataFrame({
        "timestamp": ["2026-10-01T00:00:00Z"] * 1_000,
        "model": ["gpt-5-mini"] * 300 + ["gpt-4o"] * 400 + ["gpt-5-mini", "o3"] * 150,
        "input_tokens": np.arange(1_000), "output_tokens": 5})
    path = tmp_path / "log.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=70)
    chunks = list(usage_read.parquet_batches(path, 256, lambda name: name == "model"))
    assert [c.num_rows for c in chunks] == [256, 256, 256, 232]
    assert all(pa.types.is_dictionary(c.schema.field("model").type) for c in chunks)
    assert pa.types.is_large_string(chunks[0].schema.field("timestamp").type) or pa.types.is_string(
        chunks[0].schema.field("timestamp").type)
    back = pd.concat([usage_read.to_frame(c, lambda name: name == "model") for c in chunks], ignore_index=True)
    assert back["model"].astype(str).tolist() == frame["model"].tolist()
    assert back["input_tokens"].tolist() == list(range(1_000))
    whole = u.price(u.read_usage(path), as_of=AS_OF)["total_usd"].sum()
    assert abs(u.price_file(path, chunk_rows=256, as_of=AS_OF).summary.total_usd - whole) < 1e-9


@pytest.mark.parametrize("suffix", ["parquet", "csv", "jsonl"])
def test_benchmark_shapes_total_what_the_engine_totals_in_memory(tmp_path: Path, suffix: str) -> None:
    """Every file shape bench_ingest.py times: the same totals (to 1e-9 USD) as the engine on the same rows
    built in memory with the engine's own column names, whole and chunked."""
    path = write_log(tmp_path / f"log.{suffix}", 30_000, seed=5)
    frame = pd.read_parquet(path) if suffix == "parquet" else (
        pd.read_csv(path) if suffix == "csv" else pd.read_json(path, lines=True, dtype=False))
    memory = frame.rename(columns={"cached_tokens": "cached_input_tokens"}).assign(
        timestamp=pd.to_datetime(frame["timestamp"], utc=True).dt.tz_localize(None))
    expected = float(u.price(memory, as_of=AS_OF)["total_usd"].sum())
    whole = u.price(u.read_usage(path), as_of=AS_OF)
    assert abs(float(whole["total_usd"].sum()) - expected) < 1e-9
    chunked = u.price_file(path, chunk_rows=7_000, as_of=AS_OF)
    assert chunked.rows == 30_000 and abs(chunked.summary.total_usd - expected) < 1e-9


def test_blank_lines_keep_json_line_numbers(tmp_path: Path) -> None:
    p = tmp_path / "log.jsonl"
    p.write_text('{"model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}\n\n\n'
                 '{"model": "gpt-4o", "input_tokens": -1, "output_tokens": 1}\n')
    with pytest.raises(ValueError, match=r"log\.jsonl, line 4, column 'input_tokens': -1 is negative"):
        u.read_usage(p)


def test_a_csv_arrow_cannot_read_goes_to_the_exact_reader(tmp_path: Path) -> None:
    p = tmp_path / "log.csv"
    p.write_text('model,input_tokens,output_tokens,note\ngpt-4o,10,1,"two\nlines"\ngpt-4o,10,1,x\n')
    usage = u.read_usage(p)
    assert usage["note"].tolist() == ["two\nlines", "x"]
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("model,input_tokens,output_tokens\ngpt-4o,10,1\ngpt-4o,10,1,9\n")
    with pytest.raises(ValueError, match=r"ragged\.csv: malformed CSV"):
        u.read_usage(ragged)


def test_is_json_lines_log(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    log.write_text('{"model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}\n')
    page = tmp_path / "p.json"
    page.write_text('{"object": "page", "data": []}\n')
    pretty = tmp_path / "q.json"
    pretty.write_text('{\n  "object": "page",\n  "data": []\n}\n')
    array = tmp_path / "r.json"
    array.write_text('[{"model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}]\n')
    assert u.is_json_lines_log(log)
    assert not any(u.is_json_lines_log(p) for p in (page, pretty, array))


# ------------------------------------------------------------------------------------------------ streaming


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env}, cwd=REPO_DIR)


def test_cost_usage_streams_json_lines_with_the_same_rows(tmp_path: Path) -> None:
    path = write_log(tmp_path / "log.jsonl", 40_000, seed=9)  # about 4 MB: streamed over a 1 MB threshold
    args = ["cost", "--usage", str(path), "--as-of", AS_OF, "--format", "json"]
    streamed, whole = _cli(*args, EXPLORER_STREAM_ABOVE_MB="1"), _cli(*args, EXPLORER_STREAM_ABOVE_MB="1000")
    assert streamed.returncode == 0 and whole.returncode == 0, streamed.stderr + whole.stderr
    a, b = json.loads(streamed.stdout), json.loads(whole.stdout)
    assert a.pop("streamed") is True and "streamed" not in b
    assert abs(a.pop("total_usd") - b.pop("total_usd")) < 1e-9
    assert a["rows"] == b["rows"] and len(a["rows"]) == 40_000
    csv_args = [*args[:-1], "csv"]
    assert _cli(*csv_args, EXPLORER_STREAM_ABOVE_MB="1").stdout == _cli(*csv_args, EXPLORER_STREAM_ABOVE_MB="1000").stdout


def test_cost_usage_streams_raw_responses(tmp_path: Path) -> None:
    sample = (REPO_DIR / "data" / "samples" / "responses_openai_chat.jsonl").read_text()
    lines = [line for line in sample.splitlines() if line.strip()]
    path = tmp_path / "responses.jsonl"
    path.write_text("\n".join(lines * (2_000 // len(lines) + 1)) + "\n")
    args = ["cost", "--usage", str(path), "--as-of", AS_OF, "--format", "json"]
    streamed, whole = _cli(*args, EXPLORER_STREAM_ABOVE_MB="1"), _cli(*args, EXPLORER_STREAM_ABOVE_MB="1000")
    assert streamed.returncode == 0 and whole.returncode == 0, streamed.stderr + whole.stderr
    a, b = json.loads(streamed.stdout), json.loads(whole.stdout)
    assert a["streamed"] is True and abs(a["total_usd"] - b["total_usd"]) < 1e-9 and a["rows"] == b["rows"]


# ------------------------------------------------------------------------------------------------ fixed costs

_IMPORTS = """
import sys
from explorer.cli import main
code = main(sys.argv[1:])
print("genai_prices" in sys.modules, "explorer.audit" in sys.modules, file=sys.stderr)
sys.exit(code)
"""


def test_explorer_usage_needs_neither_genai_prices_nor_audit_once_the_table_is_cached(tmp_path: Path) -> None:
    path = write_log(tmp_path / "log.parquet", 500, seed=2)
    env = {**os.environ, "EXPLORER_HOME": str(tmp_path / "home")}
    runs = [subprocess.run([sys.executable, "-c", _IMPORTS, "usage", str(path), "--format", "json"],
                           capture_output=True, text=True, timeout=300, env=env, cwd=REPO_DIR) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert runs[0].stderr.split()[-2:] == ["True", "False"]  # the first run builds the table (and caches it)
    assert runs[1].stderr.split()[-2:] == ["False", "False"]
    assert json.loads(runs[0].stdout) == json.loads(runs[1].stdout)


def test_explorer_usage_prices_a_big_log_in_chunks_with_the_same_breakdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from explorer import cli, cli_usage

    path = write_log(tmp_path / "log.parquet", cli_usage.CHUNKED_ABOVE_ROWS + 20_000, seed=4)
    chunked: list[int] = []
    real = u.price_file
    monkeypatch.setattr(u, "price_file", lambda *a, **k: chunked.append(k["chunk_rows"]) or real(*a, **k))
    assert cli.main(["usage", str(path), "--by", "day", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert chunked == [cli_usage.CHUNK_ROWS]
    whole = u.price(u.read_usage(path))
    expected = u.cost_by(whole, "day")
    got = pd.DataFrame(payload["breakdown"])
    assert got["day"].tolist() == expected["day"].tolist()
    assert got["requests"].tolist() == expected["requests"].tolist()
    assert np.abs(got["total_usd"].to_numpy() - expected["total_usd"].to_numpy()).max() < 1e-9
    assert abs(payload["total_usd"] - float(whole["total_usd"].sum())) < 1e-9
    # A what-if needs every row again: the whole read, as before.
    assert cli.main(["usage", str(path), "--what-if-model", "gpt-5-mini", "--format", "json"]) == 0
    assert chunked == [cli_usage.CHUNK_ROWS]


def test_several_files_keep_label_columns_categorical(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.jsonl"
    a.write_text("model,provider,input_tokens,output_tokens\ngpt-4o,openai,10,1\nclaude-sonnet-4-5,,10,1\n")
    b.write_text('{"model": "claude-haiku-4-5", "provider": "anthropic", "input_tokens": 5, "output_tokens": 1}\n')
    usage = u.read_usage(a, b, convention="openai")
    assert [c for c in usage.columns if usage[c].dtype == object] == []
    assert isinstance(usage["provider"].dtype, pd.CategoricalDtype)
    assert usage["provider"].isna().tolist() == [False, True, False]


# ------------------------------------------------------------------------------------------------ aggregates


def _priced_chunk(n: int, seed: int, *, days: bool = True, projects: bool = True) -> pd.DataFrame:
    """A priced chunk as :func:`explorer.usage.price_file` aggregates it: NA in every key somewhere."""
    rng = np.random.default_rng(seed)
    stamps = np.datetime64("2026-10-01", "ns") + rng.integers(0, 40 * 86_400, n).astype("timedelta64[s]")
    if not days:
        stamps[rng.random(n) < 0.1] = np.datetime64("NaT")
    model = pd.Categorical(rng.choice(["gpt-4o", "gpt-5", None], n), categories=["gpt-4o", "gpt-5", "unused"])
    project = pd.array(rng.choice(["p1", "p2", None], n) if projects else [None] * n, dtype="string")
    return pd.DataFrame({
        "day": u._days(stamps), "model_group": model, "project_id": project,
        "api_key_id": pd.array([None] * n, dtype="string"),
        "user_id": pd.array(rng.choice([f"u{i}" for i in range(20)], n), dtype="string"),
        "service_tier": pd.Categorical(rng.choice(["default", "batch"], n)),
        "requests": np.ones(n, dtype=np.int64), "input_tokens": rng.integers(0, 5_000, n),
        "output_tokens": rng.integers(0, 500, n), "priced": rng.random(n) < 0.9, "total_usd": rng.random(n),
    })


@pytest.mark.parametrize(("days", "projects", "dense"), [(True, True, True), (False, True, True),
                                                         (True, False, False)])
def test_chunk_aggregates_equal_pandas_groupby(days: bool, projects: bool, dense: bool,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The codes-and-bincount aggregate (dense, or hashed when the combinations are many) sums exactly what
    pandas' groupby sums, NA keys and NaT days included, and names each group by its own keys."""
    chunk = _priced_chunk(5_000, seed=7, days=days, projects=projects)
    hashed: list[bool] = []  # for each pd.factorize call: was it the combined key (a plain int64 array)?
    factorize = pd.factorize
    monkeypatch.setattr(u.pd, "factorize", lambda v, **kw: hashed.append(
        isinstance(v, np.ndarray) and v.dtype == np.int64) or factorize(v, **kw))
    if not dense:  # as if the combinations outnumbered the rows many times over
        monkeypatch.setattr(u, "_key_codes", _wide(u._key_codes))
    agg = u._aggregate(chunk)
    assert any(hashed) is not dense  # the combined key was hashed only when it had to be
    monkeypatch.undo()
    got, want = u._combine([agg]), u._combine([u._aggregate_grouped(chunk)])
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)
    assert got["requests"].sum() == 5_000


def _wide(codes_of):  # type: ignore[no-untyped-def]
    def wide(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        codes, values = codes_of(col)
        pad = np.concatenate([values, np.repeat(values[-1:], 1_000)])  # unused values: a sparse product
        return codes, pad

    return wide


def test_a_chunk_resolves_its_model_names_with_one_cache_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each chunk of a big log pays the engine's fixed costs: its names are looked up in one read of the cached
    table, not one cache check (a stat of every input file) per name."""
    from explorer import costs, prices, table_cache

    if table_cache.read() is None:  # this test's home has no cache file yet: build the table, which writes it
        prices._history_table.cache_clear()
        prices.price_history()
    assert table_cache.read() is not None
    frame = pd.DataFrame({"model": ["gpt-4o", "gpt-5-mini", "o3", "gpt-4.1", "claude-haiku-4-5"] * 4,
                          "input_tokens": 1_000, "output_tokens": 100, "timestamp": pd.Timestamp(AS_OF)})
    reads = 0
    real = table_cache.read

    def counting(*a: object, **kw: object) -> object:
        nonlocal reads
        reads += 1
        return real(*a, **kw)

    costs.price_usage(frame, as_of=AS_OF)  # first-use work (the names file) out of the count
    monkeypatch.setattr(table_cache, "read", counting)
    costs.price_usage(frame.iloc[:1], as_of=AS_OF)
    one_name, reads = reads, 0
    priced = costs.price_usage(frame, as_of=AS_OF)
    assert reads == one_name, "reads of the cache do not grow with the names in a frame"
    assert priced["priced"].all()
    assert priced["model"].astype(str).tolist()[:2] == ["gpt-4o", "gpt-5-mini"]


# ------------------------------------------------------------------------------------------------ chunk pipeline


class _Item:
    """A chunk stand-in that counts how many are alive at once."""

    alive = 0
    peak = 0

    def __init__(self, n: int) -> None:
        self.n = n
        _Item.alive += 1
        _Item.peak = max(_Item.peak, _Item.alive)

    def __del__(self) -> None:
        _Item.alive -= 1


def test_chunks_are_priced_two_at_a_time_in_order_holding_few() -> None:
    """Results come in the chunks' order whatever order the workers finish in, work really overlaps, and no
    more than workers + 1 chunks are alive at once (memory is bounded by the chunk size)."""
    import threading
    import time

    _Item.alive = _Item.peak = 0
    running, most = 0, 0
    lock = threading.Lock()

    def work(item: _Item) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02 if item.n % 2 == 0 else 0.001)  # even chunks finish last
        with lock:
            running -= 1
        return item.n * 10

    out = list(u._in_order((_Item(i) for i in range(12)), work, 2))
    assert out == [i * 10 for i in range(12)]
    assert most == 2, "two chunks were priced at once"
    assert _Item.peak <= 3, f"{_Item.peak} chunks alive at once"


def test_the_first_bad_chunk_names_the_error_even_if_the_reader_fails_later() -> None:
    """A worker's error on chunk 3 comes before the reader's error on chunk 4 (one at a time, chunk 3 fails
    first), and a worker's error stops the run."""
    def items():  # type: ignore[no-untyped-def]
        yield from range(4)
        raise ValueError("reader: chunk 4 is damaged")

    def work(n: int) -> int:
        if n == 3:
            raise ValueError("chunk 3: bad row")
        return n

    got: list[int] = []
    with pytest.raises(ValueError, match="chunk 3: bad row"):
        for n in u._in_order(items(), work, 2):
            got.append(n)
    assert got == [0, 1, 2]
    with pytest.raises(ValueError, match="reader: chunk 4"):
        list(u._in_order(items(), lambda n: n, 2))


def test_a_price_file_reads_its_price_table_once_and_prices_alike(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine reads the table's arrays once for all the chunks of a log (costs.holding), and each chunk on
    one thread (costs.one_thread): the totals and breakdowns are those of a whole read."""
    from explorer import costs, prices

    path = write_log(tmp_path / "log.parquet", 5_000, seed=9)
    table = prices.price_history()
    made: list[int] = []
    real = costs._TableArrays.of
    monkeypatch.setattr(costs._TableArrays, "of", classmethod(lambda cls, t: made.append(id(t)) or real(t)))
    workers: list[int] = []
    real_workers = costs._workers
    monkeypatch.setattr(costs, "_workers", lambda n: workers.append(real_workers(n)) or workers[-1])
    chunked = u.price_file(path, chunk_rows=500, prices=table, as_of=AS_OF)
    assert chunked.chunks == 10 and made == [id(table)]
    assert set(workers) == {1}
    monkeypatch.undo()
    whole = u.price(u.read_usage(path), prices=table, as_of=AS_OF)
    assert abs(chunked.summary.total_usd - float(whole["total_usd"].sum())) < 1e-9
    for by in ("day", "model"):
        a = chunked.cost_by(by).set_index(by)["total_usd"].sort_index()
        b = u.cost_by(whole, by).set_index(by)["total_usd"].sort_index()
        pd.testing.assert_series_equal(a, b, rtol=1e-12)
    assert not costs._HELD, "the table is let go when the log is priced"


def test_one_thread_and_holding_nest_and_undo() -> None:
    from explorer import costs, prices

    big = costs._PARALLEL_ROWS
    assert costs._workers(big) == max(1, min(os.cpu_count() or 1, 4))
    with costs.one_thread():
        assert costs._workers(big) == 1
        with costs.one_thread():
            assert costs._workers(big) == 1
        assert costs._workers(big) == 1
    assert costs._workers(big) == max(1, min(os.cpu_count() or 1, 4))
    table = prices.price_history()
    with costs.holding(table):
        held = costs._arrays(table)
        with costs.holding(table):
            assert costs._arrays(table) is held
        assert costs._arrays(table) is held, "an inner hold of the same table does not let it go"
        assert costs._arrays(table.copy()) is not held, "another frame is read afresh"
    assert costs._arrays(table) is not held


def test_chunk_days_and_model_groups_without_the_key_columns(tmp_path: Path) -> None:
    """A priced chunk is aggregated from its timestamps and resolved models without building day and
    model_group columns; rows without a time, an unknown model (skipped) and a log spanning a year still group
    exactly as the whole read groups them (rows without a time take the codes' slow path)."""
    log = pd.DataFrame({
        "timestamp": ["2026-10-01T23:59:59Z", "", "2026-10-02T00:00:00Z", "2025-06-01T00:00:00Z"] * 50,
        "model": ["gpt-4o", "gpt-5-mini", "my-own-model", "o3"] * 50,
        "input_tokens": np.arange(200) * 10, "output_tokens": 7})
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    chunked = u.price_file(path, chunk_rows=30, skip_unknown=True, as_of=AS_OF)
    whole = u.price(u.read_usage(path), skip_unknown=True, as_of=AS_OF)
    assert chunked.summary.unpriced_models == ("my-own-model",)
    for by in ("day", "model"):
        a = chunked.cost_by(by).set_index(by).sort_index()
        b = u.cost_by(whole, by).set_index(by).sort_index()
        assert a.index.astype(str).tolist() == b.index.astype(str).tolist(), by
        assert a["requests"].tolist() == b["requests"].tolist(), by
        np.testing.assert_allclose(a["total_usd"].to_numpy(), b["total_usd"].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("labels", [["gpt-4o", "o3"], ["gpt-4o ", "o3"], ["gpt-4o", "", "o3"],
                                    ["gpt-4o\u00a0", "gpt-4o"], ["o3", "o3 "]])
def test_clean_label_categories_are_kept_and_others_cleaned(labels: list[str]) -> None:
    """Categories that are already clean labels keep their codes as they are; any other set (padded, blank,
    padded with a non-breaking space, two that become one) is cleaned exactly as text is."""
    values = labels * 3
    cat = pd.DataFrame({"m": pd.Categorical(values)}, index=range(2, 2 + len(values)))
    text = pd.DataFrame({"m": pd.Series(values, dtype=object, index=cat.index)})
    got, want = u._labels(cat, "m"), u._labels(text, "m")
    assert got.astype(object).where(got.notna(), None).tolist() == want.astype(object).where(want.notna(), None).tolist()
    assert isinstance(got.dtype, pd.CategoricalDtype) and isinstance(got.dtype.categories.dtype, pd.StringDtype)
    kept = u._clean_categories(cat["m"].cat.categories) is not None
    assert kept == (labels == ["gpt-4o", "o3"])


def test_text_blocks_count_lines_only_when_asked(tmp_path: Path) -> None:
    from explorer import usage_read

    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"a": 1}\n' * 1_000 + b'{"a": 2}')
    blocks = list(usage_read.text_batches(path, block_bytes=2_000))
    assert [b[1] for b in blocks] == [1 + sum(x[2] for x in blocks[:i]) for i in range(len(blocks))]
    assert sum(b[2] for b in blocks) == 1_000 and b"".join(b[0] for b in blocks) == path.read_bytes()
    plain = list(usage_read.text_batches(path, block_bytes=2_000, numbered=False))
    assert [b[0] for b in plain] == [b[0] for b in blocks] and {b[1:] for b in plain} == {(0, 0)}


def test_explorer_usage_shows_a_progress_bar_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A big log priced in chunks shows a bar on a terminal (stderr), none when stderr is piped or with
    --quiet; stdout holds the answer alone either way."""
    from explorer import cli, cli_usage

    path = write_log(tmp_path / "log.parquet", cli_usage.CHUNKED_ABOVE_ROWS + 1_000, seed=6)
    for tty, flags, shown in ((True, [], True), (True, ["--quiet"], False), (False, [], False)):
        monkeypatch.setattr(sys.stderr, "isatty", lambda tty=tty: tty, raising=False)
        assert cli.main(["usage", str(path), "--format", "json", *flags]) == 0
        out, err = capsys.readouterr()
        assert json.loads(out)["priced_rows"] == cli_usage.CHUNKED_ABOVE_ROWS + 1_000
        assert ("log.parquet" in err and "rows" in err) is shown, (tty, flags, err)


def test_cost_usage_text_prices_chunks_two_at_a_time_with_the_whole_files_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Streamed text output keeps no rows, so its chunks are priced two at a time: the same totals as a whole
    read, and a bad row in a later chunk is still named by its own line, with nothing on stdout. An
    aggregated export (a requests column) is still read whole."""
    from explorer import cli

    path = write_log(tmp_path / "log.parquet", 6_000, seed=11)
    args = ["cost", "--usage", str(path), "--as-of", AS_OF]
    monkeypatch.setenv("EXPLORER_STREAM_ABOVE_ROWS", "1000000")
    assert cli.main(args) == 0
    whole = capsys.readouterr().out
    monkeypatch.setenv("EXPLORER_STREAM_ABOVE_ROWS", "1000")
    monkeypatch.setattr(cli, "STREAM_CHUNK_ROWS", 500)
    seen: list[int] = []
    real = u._in_order
    monkeypatch.setattr(u, "_in_order", lambda items, work, workers: seen.append(workers) or real(items, work, workers))
    assert cli.main(args) == 0
    streamed = capsys.readouterr().out
    assert seen == [2]
    assert "6,000 rows priced in chunks of 500" in streamed
    total = [line for line in whole.splitlines() if line.startswith("total $")]
    assert len(total) == 1 and total[0] in streamed.splitlines(), (whole, streamed)

    bad = pd.read_parquet(path)
    bad.loc[4_321, "output_tokens"] = -1
    bad.to_parquet(tmp_path / "bad.parquet")
    assert cli.main(["cost", "--usage", str(tmp_path / "bad.parquet"), "--as-of", AS_OF]) != 0
    out, err = capsys.readouterr()
    assert out == "" and "row 4322, column 'output_tokens'" in err and "negative" in err

    agg = pd.DataFrame({"day": "2026-10-01", "model": ["gpt-4o", "gpt-5-mini"] * 1_500, "requests": 3,
                        "project_id": [f"p{i}" for i in range(3_000)], "input_tokens": 900, "output_tokens": 30})
    agg.to_parquet(tmp_path / "agg.parquet")
    seen.clear()
    assert cli.main(["cost", "--usage", str(tmp_path / "agg.parquet"), "--as-of", AS_OF]) == 0
    assert "priced in chunks" not in capsys.readouterr().out


def test_keep_freed_memory_sets_glibcs_thresholds_where_there_is_glibc() -> None:
    """The setting is taken where the C library is glibc (the Linux machines this runs on), and skipped
    quietly elsewhere. Its effect is measured, not tested: on 1M rows of Parquet from a fresh process, 38,000
    page faults and 0.13 s of system time fell to 27,000 and 0.07 s (docs/usage.md)."""
    import platform

    code = "from explorer.usage_read import keep_freed_memory as k; print(k())"  # a process of its own
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO_DIR)
    assert run.returncode == 0, run.stderr
    expected = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert run.stdout.strip() == str(expected)


def test_the_chunked_commands_keep_freed_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from explorer import cli, cli_usage

    calls: list[str] = []
    from explorer import usage_read

    monkeypatch.setattr(usage_read, "keep_freed_memory", lambda: calls.append("kept") or True)
    path = write_log(tmp_path / "log.parquet", cli_usage.CHUNKED_ABOVE_ROWS + 1_000, seed=13)
    assert cli.main(["usage", str(path), "--format", "json", "--quiet"]) == 0
    assert calls == ["kept"]
    monkeypatch.setenv("EXPLORER_STREAM_ABOVE_ROWS", "1000")
    assert cli.main(["cost", "--usage", str(path), "--as-of", AS_OF]) == 0
    assert calls == ["kept", "kept"]
    small = write_log(tmp_path / "small.parquet", 500, seed=13)
    assert cli.main(["usage", str(small), "--format", "json"]) == 0
    assert calls == ["kept", "kept"], "a small file is read whole: the allocator is left alone"
    capsys.readouterr()


def test_the_bare_parquet_floor_does_all_its_work(tmp_path: Path) -> None:
    """The benchmark's floor is only a floor if it reads, checks and sums every row: its total equals the same
    made-up rates summed row by row with pandas, and a bad count stops it."""
    import pyarrow.parquet as pq
    from bench_ingest import bare_parquet, log_frame

    path = write_log(tmp_path / "log.parquet", 3_000, seed=5)
    rows = log_frame(3_000, seed=5)
    # The floor's rate per model follows its dictionary (first appearance), so the oracle reads it the same way.
    order = pq.read_table(path, read_dictionary=["model"])["model"].combine_chunks().dictionary.to_pylist()
    rate = dict(zip(order, np.linspace(1.0, 2.0, len(order)), strict=True))
    per_row = ((rows["input_tokens"] - rows["cached_tokens"]) + rows["cached_tokens"] / 10
               + rows["output_tokens"] * 4) * rows["model"].astype(str).map(rate) / 1e6
    assert bare_parquet(path) == pytest.approx(float(per_row.sum()), rel=1e-12)
    rows.loc[7, "cached_tokens"] = rows.loc[7, "input_tokens"] + 1
    bad = tmp_path / "bad.parquet"
    rows.to_parquet(bad, index=False)
    with pytest.raises(SystemExit, match="a bad count"):
        bare_parquet(bad)


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_a_read_log_can_be_edited_like_any_frame(tmp_path: Path, suffix: str) -> None:
    """A notebook user fixes a row or scales a column of read_usage's result: the fast readers' arrays (often
    Arrow's, read-only) must never show through as a read-only column."""
    path = write_log(tmp_path / f"log{suffix}", 50, seed=6)
    usage = u.read_usage(path)
    first = usage.index[0]
    for col in ("input_tokens", "cached_input_tokens", "output_tokens", "requests"):
        usage.loc[first, col] = 1
    usage.iloc[1, usage.columns.get_loc("input_tokens")] = 900_000
    usage["output_tokens"] *= 2
    assert usage.loc[first, ["input_tokens", "output_tokens", "requests"]].tolist() == [1, 2, 1]
    assert usage["input_tokens"].iloc[1] == 900_000
    assert (u.price(usage, as_of=AS_OF)["total_usd"] > 0).all()
