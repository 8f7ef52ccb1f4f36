"""Stated limits (explorer.limits) and the chunked path that big inputs take on `explorer cost --usage`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer import limits


def test_a_limit_is_raised_through_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert limits.ROWS.value() == 10_000_000
    monkeypatch.setenv("EXPLORER_MAX_ROWS", "50_000_000")
    assert limits.ROWS.value() == 50_000_000
    limits.check_rows(40_000_000, "x.parquet")
    monkeypatch.setenv("EXPLORER_MAX_ROWS", "0")
    with pytest.raises(limits.LimitError, match="EXPLORER_MAX_ROWS: 0 must be at least 1"):
        limits.ROWS.value()


def test_clip_bounds_any_value() -> None:
    huge = {"models": [list(range(1000))] * 1000, "name": "x" * 10**6}
    assert len(limits.clip(huge)) <= 80
    assert limits.clip("short") == "'short'"
    nested: list = []
    for _ in range(10_000):
        nested = [nested]
    assert len(limits.clip(nested)) <= 80


def test_check_depth_is_iterative() -> None:
    deep: list = []
    for _ in range(200_000):  # far past the interpreter's recursion limit
        deep = [deep]
    with pytest.raises(limits.LimitError, match="nested more than 64 levels"):
        limits.check_depth(deep, "x")
    limits.check_depth({"a": [{"b": [1, 2]}]}, "x")


def _log(path: Path, rows: int) -> Path:
    rng = np.random.default_rng(7)
    pd.DataFrame({
        "timestamp": "2026-10-01T10:00:00Z",
        "model": rng.choice(["gpt-4o-mini", "gpt-4o", "claude-haiku-4-5", "=bad()"], rows),
        "input_tokens": rng.integers(1, 5000, rows),
        "output_tokens": rng.integers(1, 500, rows),
    }).to_csv(path, index=False)
    return path


# A CLI run in a child, under an address-space cap if CAP_MB is set, reporting its peak resident memory.
_CHILD = textwrap.dedent(
    """
    import os, resource, sys
    if os.environ.get("CAP_MB"):
        cap = int(os.environ["CAP_MB"]) << 20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from explorer.cli import main
    code = main(sys.argv[1:])
    sys.stdout.flush()
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
    print(f"peak_rss_kb={hwm}", file=sys.stderr)
    sys.exit(code)
    """
)


def _run(args: list[str], *, cap_mb: int | None = 2048, **env: str) -> subprocess.CompletedProcess[str]:
    if cap_mb:
        env["CAP_MB"] = str(cap_mb)
    return subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


@pytest.mark.parametrize("fmt", ["csv", "json", "text"])
def test_cost_usage_streams_big_files_with_the_same_result(tmp_path: Path, fmt: str) -> None:
    f = _log(tmp_path / "big.csv", 300_000)  # about 11 MB: streamed when the threshold is 1 MB
    args = ["cost", "--usage", str(f), "--skip-unknown", "--as-of", "2026-11-27", "--format", fmt]
    streamed = _run(args, EXPLORER_STREAM_ABOVE_MB="1")  # capped at 2 GB of address space
    whole = _run(args, cap_mb=None, EXPLORER_STREAM_ABOVE_MB="1000")
    assert streamed.returncode == 0 and whole.returncode == 0, streamed.stderr + whole.stderr
    if fmt == "csv":
        assert streamed.stdout == whole.stdout and "'=bad()" in streamed.stdout
    elif fmt == "json":
        a, b = json.loads(streamed.stdout), json.loads(whole.stdout)
        assert a.pop("streamed") is True and "streamed" not in b
        assert a["total_usd"] == pytest.approx(b["total_usd"], rel=1e-12)
        a.pop("total_usd"), b.pop("total_usd")
        for x, y in zip(a.pop("components_usd").values(), b.pop("components_usd").values(), strict=True):
            assert x == pytest.approx(y, rel=1e-12)
        assert a == b
    else:
        assert "300,000 rows priced in chunks of 250,000" in streamed.stdout
        assert streamed.stdout.splitlines()[-1].split(";")[0] == whole.stdout.splitlines()[-1].split(";")[0]


def test_cost_usage_streaming_keeps_one_error_line_and_prints_nothing(tmp_path: Path) -> None:
    f = _log(tmp_path / "big.csv", 300_000)
    with f.open("a") as fh:
        fh.write("2026-10-01T10:00:00Z,gpt-4o,-5,10\n")  # the last line: found after 300,000 rows priced
    proc = _run(["cost", "--usage", str(f), "--skip-unknown", "--format", "csv"], EXPLORER_STREAM_ABOVE_MB="1")
    err = [line for line in proc.stderr.splitlines() if not line.startswith("peak_rss_kb=")]
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(err) == 1 and "big.csv, line 300002" in err[0] and "input_tokens" in err[0]


def test_parquet_over_the_row_limit_streams_on_cost_and_is_refused_whole(tmp_path: Path) -> None:
    f = tmp_path / "log.parquet"
    _log(tmp_path / "log.csv", 50_000)
    pd.read_csv(tmp_path / "log.csv").to_parquet(f)
    proc = _run(["usage", str(f), "--skip-unknown"], EXPLORER_MAX_ROWS="10000")
    assert proc.returncode == 2 and "50,000 rows is over the 10,000-row limit" in proc.stderr
    assert "set EXPLORER_MAX_ROWS to raise it" in proc.stderr
    proc = _run(["cost", "--usage", str(f), "--skip-unknown", "--format", "json"], EXPLORER_STREAM_ABOVE_ROWS="10000")
    assert proc.returncode == 0 and json.loads(proc.stdout)["streamed"] is True


def test_cost_usage_streams_from_the_size_explorer_usage_chunks_at(tmp_path: Path) -> None:
    """By default, a request log over 100,000 rows streams (text: the totals, not a table of every row;
    read whole, a million rows took 37 s and 2 GB), as `explorer usage` prices it in chunks."""
    from explorer import cli_usage

    f = tmp_path / "log.parquet"
    _log(tmp_path / "log.csv", cli_usage.CHUNKED_ABOVE_ROWS + 1)
    pd.read_csv(tmp_path / "log.csv").to_parquet(f)
    big_csv = _log(tmp_path / "big.csv", 150_000)  # over 4 MB
    for path in (f, big_csv):
        proc = _run(["cost", "--usage", str(path), "--skip-unknown", "--format", "json"])
        assert proc.returncode == 0 and json.loads(proc.stdout)["streamed"] is True, (path, proc.stderr[-500:])
    text = _run(["cost", "--usage", str(f), "--skip-unknown"])
    assert text.returncode == 0 and "rows priced in chunks of" in text.stdout and len(text.stdout.splitlines()) < 40


def test_running_out_of_memory_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Memory running out while a log is priced: one line naming the way out, exit 2, never a traceback."""
    from explorer import cli, costs

    f = _log(tmp_path / "log.csv", 1_000)

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(costs, "price_usage", exhausted)
    assert cli.main(["cost", "--usage", str(f), "--skip-unknown", "--format", "json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert err.startswith("error: out of memory") and "EXPLORER_STREAM_ABOVE_MB" in err
