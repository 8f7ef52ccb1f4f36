"""Cold start of the command line, as whole processes side by side with the genai-prices one-liner.

    python benchmarks/bench_startup.py            # 9 runs of each command, interleaved
    python benchmarks/bench_startup.py --quick    # 3 runs

Each row is a fresh interpreter running one command to completion (wall time, median of the runs; the
commands take turns so that machine noise hits them alike). The baseline is what a script would do without
this package: ``python -c "from genai_prices import Usage, calc_price; calc_price(...)"``. Goal:
``explorer cost`` <= 1.0x the baseline. The other rows show where the time goes: the same command priced
by the full engine (pandas, genai-prices) instead of the standard-library fast path, the first run of all
(no price table cache yet: it is built and written), and the commands that need pandas.
``explorer tokens`` is compared with its own baseline, tiktoken's first count (``get_encoding`` + ``encode``
from the same verified vocabulary file): goal <= 1.2x, for an OpenAI model and for a name only the price
table knows. bench_tokens.py has the in-process counters and CPU times.

Children run with bytecode caches (in a temporary prefix), as a user's Python has them: with
``PYTHONDONTWRITEBYTECODE`` set, this package's modules would be compiled from source on every run while the
baselines' packages, installed by pip, come precompiled.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ONE_LINER = ("from genai_prices import Usage, calc_price; "
             "print(calc_price(Usage(input_tokens=1000, output_tokens=500), model_ref='gpt-4o', "
             "provider_id='openai').total_price)")
COST = ["cost", "--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500"]
# The same command with the fast path switched off: what `explorer cost` cost before it.
TIKTOKEN = "tiktoken first count (tokens baseline)"
ENGINE = ("import sys; from explorer import cli, quick; quick.cost = lambda *a, **k: None; "
          f"sys.exit(cli.main({COST!r}))")


def _explorer() -> list[str]:
    script = Path(sys.executable).with_name("explorer")
    return [str(script)] if script.exists() else [sys.executable, "-m", "explorer"]


def _time(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 runs instead of 9")
    runs = 3 if ap.parse_args().quick else 9
    explorer = _explorer()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(EXPLORER_HOME=str(Path(tmp) / "home"), PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        os.environ["EXPLORER_HOME"] = env["EXPLORER_HOME"]  # extracts the vocabularies into the benchmark's home
        from explorer import vocab

        env.update(vocab.tiktoken_cache_env())  # tiktoken reads the same verified files, never the network
        rows: dict[str, list[str]] = {
            "genai-prices one-liner (baseline)": [sys.executable, "-c", ONE_LINER],
            TIKTOKEN: [sys.executable, "-c", "import tiktoken; tiktoken.get_encoding('o200k_base').encode('hello')"],
            "explorer tokens --model gpt-4o": [*explorer, "tokens", "--model", "gpt-4o", "hello"],
            "explorer tokens --model claude-sonnet-4-5": [*explorer, "tokens", "--model", "claude-sonnet-4-5", "hello"],
            "explorer tokens --model gpt-4o-2024-08-06": [*explorer, "tokens", "--model", "gpt-4o-2024-08-06", "hello"],
            "explorer cost": [*explorer, *COST],
            "explorer cost, full engine (no fast path)": [sys.executable, "-c", ENGINE],
            "explorer prices --provider openai": [*explorer, "prices", "--provider", "openai"],
            "explorer compare --limit 10": [*explorer, "compare", "--input-tokens", "1000", "--output-tokens", "500",
                                            "--limit", "10"],
        }
        # The first run of all builds the price table cache: timed apart, each time with an empty home.
        first = []
        for i in range(max(1, runs // 3)):
            fresh = dict(env, EXPLORER_HOME=str(Path(tmp) / f"first-{i}"))
            first.append(_time([*explorer, *COST], fresh, tmp))
        for cmd in rows.values():  # warm the caches the rows share (price table, model names, bytecode, OS)
            _time(cmd, env, tmp)
        times: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(runs):
            for name, cmd in rows.items():
                times[name].append(_time(cmd, env, tmp))
    base = statistics.median(times["genai-prices one-liner (baseline)"])
    best = min(times["genai-prices one-liner (baseline)"])
    # Best of the runs too: on a shared machine it is the figure least moved by other work.
    print(f"{'command (whole process, wall)':<46} {'median s':>9} {'x base':>7} {'best s':>8} {'x base':>7}")
    for name, values in [*times.items(), ("explorer cost, first run (builds the cache)", first)]:
        med = statistics.median(values)
        print(f"{name:<46} {med:>9.3f} {med / base:>6.2f}x {min(values):>8.3f} {min(values) / best:>6.2f}x")
    ratio = statistics.median(times["explorer cost"]) / base
    print(f"\nexplorer cost / genai-prices one-liner: {ratio:.2f}x (goal <= 1.0x) "
          f"{'met' if ratio <= 1.0 else 'NOT met'}; {runs} runs each, medians")
    tk = statistics.median(times[TIKTOKEN])
    for name in ("explorer tokens --model gpt-4o", "explorer tokens --model claude-sonnet-4-5",
                 "explorer tokens --model gpt-4o-2024-08-06"):
        r = statistics.median(times[name]) / tk
        print(f"{name} / tiktoken's first count: {r:.2f}x (goal <= 1.2x) {'met' if r <= 1.2 else 'NOT met'}")
    one, five, _ = os.getloadavg()
    print(f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
