"""The app under load on loopback: 8 viewers in Chromium, each with its own kernel, changing a control in
turn for a minute. Prints page loads, answered changes, latency, memory per viewer and in total.

Run: .venv/bin/python benchmarks/bench_app_load.py [--quick] [--viewers N] [--seconds S]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import app_load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 viewers for 15 s")
    parser.add_argument("--viewers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    viewers, seconds = (3, 15.0) if args.quick else (args.viewers, args.seconds)
    r = app_load.run(viewers, seconds)
    lat = sorted(r.latency_s) or [float("nan")]
    total = r.server_rss_mib + sum(r.kernel_rss_mib)
    print(f"{r.viewers} viewers for {r.seconds:.0f} s on loopback")
    print(f"page -> ranking: median {statistics.median(r.load_s):.1f} s, slowest {max(r.load_s):.1f} s")
    median_ms = statistics.median(lat) * 1000
    print(f"changes answered: {r.answered} of {r.changes}; input -> table: median {median_ms:.0f} ms,"
          f" p90 {lat[int(0.9 * (len(lat) - 1))] * 1000:.0f} ms")
    per = statistics.median(r.kernel_rss_mib) if r.kernel_rss_mib else float("nan")
    print(f"memory: {r.kernels} kernels, {per:.0f} MiB each (median), server {r.server_rss_mib:.0f} MiB, "
          f"total {total:.0f} MiB")
    print(f"errors: browser {len(r.browser_errors)}, server log {len(r.server_errors)}")


if __name__ == "__main__":
    main()
