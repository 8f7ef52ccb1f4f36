"""Dashboard latency, server side: from ``widget.value = ...`` to every visible table and chart updated.

20 models, cost curves of 200 points each. The same changes are timed on the dashboard before the app
layer (the commit named by ``--baseline``, exported with ``git archive`` and run in a subprocess) and on
this checkout, in one run, and the ratios printed. Prints figures; asserts nothing.

Run: .venv/bin/python benchmarks/bench_widgets.py [--quick] [--baseline REF]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline import export_tree

REPO = Path(__file__).resolve().parent.parent
BASELINE = "805b0b7"
"""The last commit with the old dashboard (widgets.Dashboard rebuilding every spec on each change)."""
AS_OF = "2026-11-27"
MODELS = (
    "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5", "gpt-5-mini", "gpt-5-nano",
    "o3", "o4-mini", "o3-mini", "o1", "gpt-5.1", "claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1",
    "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "deepseek-chat",
)
CHANGES = {
    "requests box": ("requests", [1e3, 1e5, 3e6]),
    "cached share": ("cached_share", [0.0, 0.3, 0.6]),
    "input tokens box": ("input_tokens", [500, 5_000, 50_000]),
    "crossover axis (tab shown)": ("axis", ["output_share", "cached_share", "input_tokens"]),
}
TEXT_CHANGES = {
    "characters box (text)": ("chars", [500, 5_000, 50_000]),
    "kind of text (text)": ("text_kind", ["en", "ja", "code"]),
}
"""Requests described by text (this checkout only): each model counts its own tokens, so a change prices one
group of models per tokenizer. Compared with the input tokens box of the same run."""

_RUN = r"""
import json, statistics, sys, time
reps, as_of, models, changes, new, text_changes = json.loads(sys.argv[1])
from explorer.widgets import Dashboard
t = time.perf_counter(); dash = Dashboard(as_of=as_of, models=models); cold = time.perf_counter() - t
t = time.perf_counter(); dash = Dashboard(as_of=as_of, models=models); warm = time.perf_counter() - t
assert len(dash.results.costs) == 20
out = {"build cold": [cold], "build warm": [warm]}
for name, (attr, values) in changes.items():
    if new:
        dash.tabs.selected_index = 3 if attr == "axis" else 0
    widget = getattr(dash, attr)
    times = []
    for i in range(reps):
        t = time.perf_counter()
        widget.value = values[i % len(values)]
        if not new:
            _ = dash.curves_chart.spec  # the old dashboard rebuilt every chart on each change
        times.append(time.perf_counter() - t)
    out[name] = times
if new and hasattr(dash, "ranges_view"):
    # The Ranges tab shown: p10/p50/p90 of 20 models recomputed (4,000 simulated requests), tables and three
    # band charts swapped. New values each time (no cache hit), then values seen before (cache hits).
    dash.tabs.selected_index = dash.views.index(dash.ranges_view)
    for name, attr, values in (("input tokens, Ranges tab (new)", "input_tokens", [700 + 37 * i for i in range(reps)]),
                               ("requests, Ranges tab (new)", "requests", [2e5 + 1e3 * i for i in range(reps)]),
                               ("input tokens, Ranges tab (seen)", "input_tokens", [500, 5_000, 50_000])):
        widget = getattr(dash, attr)
        for v in values:
            widget.value = v  # warms the cache: the "seen" row reuses these, the "new" rows add 1 to each
        times = []
        for i in range(reps):
            v = values[i % len(values)] + (1 if "new" in name else 0)
            t = time.perf_counter()
            widget.value = v
            times.append(time.perf_counter() - t)
        out[name] = times
if new:
    dash.tabs.selected_index = 0
    dash.describe_by.value = "text"
    for name, (attr, values) in text_changes.items():
        widget = getattr(dash, attr)
        times = []
        for i in range(reps):
            t = time.perf_counter()
            widget.value = values[i % len(values)]
            times.append(time.perf_counter() - t)
        out[name] = times
print(json.dumps(out))
"""


def _run(pythonpath: Path, reps: int, new: bool) -> dict[str, list[float]]:
    env = dict(os.environ, PYTHONPATH=str(pythonpath), EXPLORER_HOME=tempfile.mkdtemp())
    arg = json.dumps([reps, AS_OF, list(MODELS), CHANGES, new, TEXT_CHANGES])
    done = subprocess.run([sys.executable, "-c", _RUN, arg], env=env, capture_output=True, text=True, check=False,
                          cwd=pythonpath)
    if done.returncode:
        raise SystemExit(f"benchmark run in {pythonpath} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _ms(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    return statistics.median(xs) * 1000, xs[int(0.9 * (len(xs) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--baseline", default=BASELINE, help=f"git ref of the old dashboard (default {BASELINE})")
    args = parser.parse_args()
    reps = 6 if args.quick else 30
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = export_tree(args.baseline, Path(tmp))
        t = time.perf_counter()
        old = _run(old_tree, max(3, reps // 5), new=False)  # the old one is slow: fewer repetitions
        new = _run(REPO, reps, new=True)
    print(f"dashboard, 20 models, 200-point cost curves; baseline {args.baseline} vs this checkout "
          f"({time.perf_counter() - t:.0f} s)")
    print(f"{'':32s} {'old median':>11s} {'old p90':>9s} {'new median':>11s} {'new p90':>9s} {'speed-up':>9s}")
    for name in new:
        nm, np_ = _ms(new[name])
        if name in TEXT_CHANGES:  # text mode: compared with the tokens box of the same run
            ref, _ = _ms(new["input tokens box"])
            print(f"{name:32s} {'-':>11s} {'-':>9s} {nm:9.1f}ms {np_:7.1f}ms {nm / ref:7.2f}x of the tokens box")
            continue
        if name not in old:  # a tab the baseline has not got
            print(f"{name:32s} {'':>11s} {'':>9s} {nm:9.1f}ms {np_:7.1f}ms")
            continue
        om, op = _ms(old[name])
        print(f"{name:32s} {om:9.1f}ms {op:7.1f}ms {nm:9.1f}ms {np_:7.1f}ms {om / nm:8.1f}x")
    print("goal: a change <= 50 ms median, <= 80 ms p90; build <= 500 ms warm")


if __name__ == "__main__":
    main()
