"""Report build and render time: papermill + nbconvert to HTML, then first paint of every chart in
headless Chromium (network refused). Baseline: the same build with the default (CDN) Altair HTML would
not render offline at all, so the figures here are absolute.

    python benchmarks/bench_report.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    repeats = 1 if args.quick else 3
    from explorer.report import build_report
    from tests.browser import browser_page

    builds, renders = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        for _ in range(repeats):
            builds.append(build_report(out).seconds)
        size = out.stat().st_size
        try:
            with browser_page() as (page, watch):
                for _ in range(repeats):
                    t = time.perf_counter()
                    page.goto(out.as_uri())
                    page.wait_for_function("document.querySelectorAll('.report-chart svg').length >= 5",
                                           timeout=60_000)
                    renders.append(time.perf_counter() - t)
                assert not watch.external
        except BaseException as exc:  # no Chromium here: report what we can
            print(f"browser render: not measured ({type(exc).__name__}: {exc})")
    print(f"report size:                         {size / 1e6:.2f} MB (Vega bundle inlined once, 0.9 MB)")
    print(f"build (papermill + nbconvert):        median {statistics.median(builds):.1f} s over {repeats}")
    if renders:
        print(f"render, open to every chart drawn:    median {statistics.median(renders) * 1e3:.0f} ms over {repeats}")


if __name__ == "__main__":
    main()
