"""Dashboard latency, server side: from ``widget.value = ...`` to every table and chart spec updated.

20 models x 200 volume points on the cost curves. Prints figures; asserts nothing.
Run: .venv/bin/python benchmarks/bench_widgets.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

MODELS = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "o3",
    "o4-mini",
    "o3-mini",
    "o1",
    "gpt-5.1",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "claude-opus-4-1",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "deepseek-chat",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    reps = 5 if args.quick else 30

    from explorer.widgets import Dashboard

    t0 = time.perf_counter()
    dash = Dashboard(as_of="2026-11-27", models=MODELS)
    build_s = time.perf_counter() - t0
    assert len(dash.results.costs) == 20 and dash.results.curves["label"].nunique() == 20
    points = len(dash.results.curves) // 20
    print(f"dashboard build (20 models, cold caches): {build_s * 1000:8.1f} ms")
    print(f"cost-curve points per model: {points}")
    changes = {
        "requests slider": (dash.requests, [1e3, 1e5, 3e6]),
        "cached share slider": (dash.cached_share, [0.0, 0.3, 0.6]),
        "input tokens box": (dash.input_tokens, [500, 5_000, 50_000]),
        "crossover axis": (dash.axis, ["output_share", "cached_share", "input_tokens"]),
    }
    for name, (widget, values) in changes.items():
        times = []
        for i in range(reps):
            t = time.perf_counter()
            widget.value = values[i % len(values)]
            _ = dash.curves_chart.spec  # the spec the browser receives is built
            times.append(time.perf_counter() - t)
        times.sort()
        print(
            f"{name:22s} median {statistics.median(times) * 1000:7.1f} ms   "
            f"p90 {times[int(0.9 * (len(times) - 1))] * 1000:7.1f} ms   ({reps} changes)"
        )


if __name__ == "__main__":
    main()
