"""`compare`'s candidate rules: what they cost on top of ranking every row (the baseline, the ranking before
the rules: every kind, every host, fine-tunes), and the dashboard's candidate list built afresh. And the
what-if's check that a target has a price for every part (audio traffic kept on its own model), against
pricing the same traffic on the target directly (the baseline).

    python benchmarks/bench_compare.py [--quick]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm: caches of names and kinds filled once, as in a session
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    repeats = 3 if args.quick else 11

    from explorer import candidates, price_history
    from explorer.compare import rank_models

    table = price_history()
    day = "2026-11-27"
    every = _median_ms(lambda: rank_models(1000, 200, as_of=day, prices=table, kind=None, first_party_only=False,
                                           include_fine_tuned=True), repeats)
    default = _median_ms(lambda: rank_models(1000, 200, as_of=day, prices=table), repeats)
    picker = _median_ms(lambda: candidates.candidates(table, day), repeats)
    n_every = len(rank_models(1000, 200, as_of=day, prices=table, kind=None, first_party_only=False,
                              include_fine_tuned=True))
    n_default = len(rank_models(1000, 200, as_of=day, prices=table))
    print(f"rank every row (baseline)        {every:7.1f} ms  {n_every:,} rows")
    print(f"rank candidates (compare default) {default:7.1f} ms  {n_default:,} rows  ({default / every:.2f}x baseline)")
    print(f"dashboard candidate list          {picker:7.1f} ms  (built once per price table and date)")

    import numpy as np
    import pandas as pd

    from explorer import usage

    n = 50_000 if args.quick else 500_000
    audio = np.arange(n) % 2 == 0
    traffic = pd.DataFrame({
        "model": np.where(audio, "gpt-audio", "gpt-4.1"), "input_tokens": 1000, "output_tokens": 500,
        "input_audio_tokens": np.where(audio, 400, 0), "output_audio_tokens": 0,
        "timestamp": pd.Timestamp("2026-10-01") + pd.to_timedelta(np.arange(n) % 30, "D"),
    })
    for label, frame in (("half audio", traffic), ("no audio", traffic.assign(input_audio_tokens=0))):
        direct = frame.assign(model="gpt-5-mini")
        plain = _median_ms(functools.partial(usage.price, direct, prices=table), repeats)
        moved = _median_ms(functools.partial(usage.what_if, frame, model="gpt-5-mini", prices=table), repeats)
        print(f"what-if to gpt-5-mini, {n:,} rows, {label:10s} {moved:7.1f} ms  "
              f"({moved / plain:.2f}x pricing the moved traffic directly, {plain:.1f} ms)")


if __name__ == "__main__":
    main()
