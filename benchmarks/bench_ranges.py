"""Cost ranges speed and accuracy: a 10-model scenario with three token distributions and 10,000 draws
(the goal: <= 100 ms), side by side with the point estimate the app computes today (costs_from_rates,
the baseline), reported as a ratio; then the bands, and the error of the normal approximation against a
large direct simulation of monthly totals.

    python benchmarks/bench_ranges.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

AS_OF = "2026-11-27"


def _timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    fn()  # warm: first-call imports and caches are not what an interactive update pays
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1e3, statistics.median(times) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats and a smaller reference simulation")
    args = ap.parse_args()
    repeats = 5 if args.quick else 20

    from explorer import prices, ranges, results
    from explorer.distributions import LogNormal
    from explorer.scenarios import Scenario

    table = prices.price_history()
    models = list(results.default_models(table, AS_OF))[:10]
    rates = results.rate_table(models, prices=table, as_of=AS_OF)
    sc = Scenario(
        "bench", input_tokens_per_request=3000, output_tokens_per_request=900, reasoning_tokens_per_request=400,
        cached_input_share=0.3, batch_share=0.2, requests_per_month=100_000,
        input_tokens_distribution=LogNormal(2000, 9000),
        visible_output_tokens_distribution=LogNormal(400, 1500),
        reasoning_tokens_distribution=LogNormal(300, 3000),
    )
    costs = results.costs_from_rates(rates, sc)
    print(f"{len(rates)} models, 3 log-normal distributions, {ranges.DEFAULT_DRAWS:,} draws, 100,000 requests/month")
    base_min, base_med = _timed(lambda: results.costs_from_rates(rates, sc), repeats)
    print(f"  point estimate (costs_from_rates, baseline): min {base_min:7.1f} ms  median {base_med:7.1f} ms")
    r_min, r_med = _timed(lambda: ranges.cost_ranges(rates, sc, costs=costs), repeats)
    print(f"  ranges (cost_ranges, costs reused):          min {r_min:7.1f} ms  median {r_med:7.1f} ms"
          f"  = {r_med / base_med:.1f}x the point estimate; goal <= 100 ms: {'met' if r_med <= 100 else 'MISSED'}")
    full_min, full_med = _timed(lambda: ranges.cost_ranges(rates, sc), repeats)
    print(f"  ranges (cost_ranges, point costs included):  min {full_min:7.1f} ms  median {full_med:7.1f} ms")
    from explorer.ranges import EffortSetting

    effort = [EffortSetting("*", "high", multiplier=LogNormal(1.5, 3.0), source="benchmark")]
    e_min, e_med = _timed(lambda: ranges.cost_ranges(rates, sc, costs=costs, effort="high", efforts=effort), repeats)
    print(f"  ranges with an uncertain effort multiplier:  min {e_min:7.1f} ms  median {e_med:7.1f} ms")
    r = ranges.cost_ranges(rates, sc, costs=costs)
    _, c_med = _timed(lambda: ranges.curve_bands(r), repeats)
    _, p_med = _timed(lambda: ranges.projection_bands(r, sc), repeats)
    _, o_med = _timed(lambda: ranges.prob_cheaper(r), repeats)
    print(f"  curve bands (40 volumes): median {c_med:.1f} ms; projection bands: median {p_med:.1f} ms; "
          f"odds of the top pairs: median {o_med:.1f} ms")

    # Accuracy: the normal approximation against monthly totals summed request by request.
    label = r.labels[0]
    i = rates.labels.index(label)
    months = 2_000 if args.quick else 10_000
    print(f"\naccuracy on {label} (standard tier only), {months:,} months summed request by request as reference:")
    for volume in (101, 1_000, 3_000, 10_000):
        one = sc.replace(requests_per_month=volume, batch_share=0.0)
        pin, pc, pout, preas = np.nan_to_num(rates.usd_per_mtok[i, 0, 0])
        rng = np.random.default_rng(1)
        din, dvis, dreas = ranges.scenario_distributions(one)
        totals = np.empty(months)
        step = max(1, 2_000_000 // volume)
        for j in range(0, months, step):
            shape = (min(step, months - j), volume)
            inp = np.rint(din.draw(rng.standard_normal(shape)))
            vis = np.rint(dvis.draw(rng.standard_normal(shape)))
            reas = np.rint(dreas.draw(rng.standard_normal(shape)))
            cached = np.round(one.cached_input_share * inp)
            totals[j: j + shape[0]] = (((inp - cached) * pin + cached * pc + vis * pout + reas * preas) / 1e6).sum(1)
        ref = np.quantile(totals, [0.1, 0.5, 0.9])
        t = time.perf_counter()
        res = ranges.cost_ranges(rates, one)
        ms = (time.perf_counter() - t) * 1e3
        got = res.table.set_index("label").loc[label]
        est = got[["p10_usd", "p50_usd", "p90_usd"]].to_numpy(dtype=float)
        rel = (est - ref) / ref * 100
        print(f"  {volume:>6,} requests/month ({res.method}, {ms:.0f} ms): p10/p50/p90 off by {rel[0]:+.2f}% / "
              f"{rel[1]:+.2f}% / {rel[2]:+.2f}%; stated errors: Monte-Carlo {got['mc_error_usd'] / ref[1] * 100:.2f}%, "
              f"approximation {got['approx_error_usd'] / ref[1] * 100:.2f}% of p50")


if __name__ == "__main__":
    main()
