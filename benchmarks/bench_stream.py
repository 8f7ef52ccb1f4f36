"""`explorer cost --usage` on a big CSV: the chunked path against the whole-file path (the baseline), in the
same run, wall time and peak resident memory of each, ratios printed.

    python benchmarks/bench_stream.py            # 2,000,000 rows (about 80 MB)
    python benchmarks/bench_stream.py --quick    # 400,000 rows
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

# The child prints its own peak RSS (VmHWM: ru_maxrss would carry over this process's peak through fork).
CHILD = textwrap.dedent(
    """
    import sys
    from explorer.cli import main
    code = main(sys.argv[1:])
    sys.stdout.flush()
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
    print(f"peak_rss_kb={hwm}", file=sys.stderr)
    sys.exit(code)
    """
)


def _write(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    pd.DataFrame({
        "timestamp": "2026-10-01T10:00:00Z",
        "model": rng.choice(["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"], rows),
        "input_tokens": rng.integers(1, 5000, rows),
        "output_tokens": rng.integers(1, 500, rows),
    }).to_csv(path, index=False)


def _run(path: Path, fmt: str, stream: bool) -> tuple[float, float, str]:
    env = {**os.environ, "EXPLORER_STREAM_ABOVE_MB": "1" if stream else "100000"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, "cost", "--usage", str(path), "--as-of", "2026-11-27",
                           "--format", fmt], capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - start
    rss_mb = int(proc.stderr.rsplit("peak_rss_kb=", 1)[1]) / 1024
    total = proc.stdout.strip().splitlines()[-1] if fmt == "text" else ""
    return wall, rss_mb, total


def main() -> int:
    rows = 400_000 if "--quick" in sys.argv else 2_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        _write(path, rows)
        print(f"{rows:,} rows, {path.stat().st_size / 1e6:.0f} MB CSV")
        for fmt in ("text", "csv"):
            whole = _run(path, fmt, stream=False)
            chunked = _run(path, fmt, stream=True)
            if fmt == "text":
                assert whole[2] == chunked[2], (whole[2], chunked[2])  # the same total either way
            print(f"--format {fmt}: whole file {whole[0]:.1f} s, {whole[1]:,.0f} MB peak | chunked "
                  f"{chunked[0]:.1f} s, {chunked[1]:,.0f} MB peak | {whole[0] / chunked[0]:.1f}x faster, "
                  f"{whole[1] / chunked[1]:.1f}x less memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
