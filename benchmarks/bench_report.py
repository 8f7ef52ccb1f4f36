"""The kernel-free report: build time, size, first paint, and how fast the page reprices on a change.

Figures, each beside its baseline in the same run where one can run:

- build: wall and CPU seconds (CPU is the steadier figure on a shared machine) of ``explorer report`` as a
  process (cold: no cached Vega bundle; warm: cached) and ``build_report`` in a warm process, against the
  old report (papermill executing a notebook, then nbconvert) of the commit named by ``--baseline``,
  exported with ``git archive`` and run as a process in the same run, and against the floor of any
  kernel-based report, papermill + nbconvert of a notebook with one empty cell.
- time to a bad-input error (a missing scenario file, a missing output folder, an unknown model) and a
  warm build, as processes, against the same commands of the commit before issue 18's changes
  (``--before``, the same files exported with ``git archive``): the inputs are now checked before Altair
  and pandas load, and the report process declines imports it never uses.
- in Chromium (network refused), 20 candidate models: page open to every chart drawn, and a control's
  change to the ranking table and the charts on screen (then all four charts) showing the new numbers,
  median and p90.

    python benchmarks/bench_report.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline import export_tree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "data" / "scenarios" / "rag-long-context.yaml"
BEFORE = "ec18a95"
"""main before issue 18's command-line work: the report checked its inputs after loading everything."""
BAD_INPUTS = {
    "missing scenario file": ["--scenario", "no-such-scenario.yaml"],
    "missing output folder": ["--out", "no-such-folder/report.html"],
    "unknown model": ["--models", "gpt-4x"],
}
"""The bad-input cases timed (``--models`` is the spelling both commits accept)."""
BASELINE = "805b0b7"
"""The last commit whose report ran a notebook with papermill (the same baseline as bench_widgets)."""


def _p90(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.9 * len(xs)) - 1)]


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _cli(out: Path, home: Path, models: list[str], cpu: list[float] | None = None) -> float:
    """Wall seconds of one `explorer report` process; its CPU seconds (kernels included) go to ``cpu``."""
    env = {**os.environ, "EXPLORER_HOME": str(home)}
    c, t = _children_cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "explorer", "report", "--scenario", str(SCENARIO),
                    *[a for m in models for a in ("--model", m)], "--out", str(out), "--quiet"],
                   check=True, env=env, cwd=ROOT)
    if cpu is not None:
        cpu.append(_children_cpu() - c)
    return time.perf_counter() - t


def _old_build(tree: Path, out: Path, home: Path, models: list[str], cpu: list[float]) -> float:
    """The baseline's `explorer report` (papermill + nbconvert), its package first on the path."""
    env = {**os.environ, "EXPLORER_HOME": str(home), "PYTHONPATH": str(tree)}
    c, t = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "explorer", "report", "--scenario", str(SCENARIO), "--models",
                           *models, "--out", str(out), "--quiet"], env=env, cwd=tree, capture_output=True,
                          text=True)
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")
    cpu.append(_children_cpu() - c)
    return time.perf_counter() - t


def _to_error(args: list[str], home: Path, tree: Path | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one `explorer report` with bad input until it exits 2 (``tree``: an older
    package)."""
    env = {**os.environ, "EXPLORER_HOME": str(home), **({"PYTHONPATH": str(tree)} if tree else {})}
    argv = ["--out", "report.html", *args] if "--out" not in args else args
    c, t = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "explorer", "report", *argv], env=env, cwd=tree or ROOT,
                          capture_output=True, text=True)
    took = time.perf_counter() - t
    if done.returncode != 2:
        raise RuntimeError(f"{args}: exit {done.returncode}, expected 2")
    return took, _children_cpu() - c


def _median_pair(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in pairs), statistics.median(c for _, c in pairs)


def _errors_and_build(tmp: Path, home: Path, models: list[str], repeats: int, before: str) -> None:
    """Time to error and warm build time, now and at ``before``, in this run (wall, and CPU: the steadier
    figure on a shared machine)."""
    now = {name: _median_pair([_to_error(a, home) for _ in range(repeats)]) for name, a in BAD_INPUTS.items()}
    cpu_now: list[float] = []
    build_now = statistics.median(_cli(tmp / "now.html", home, models, cpu_now) for _ in range(repeats))
    old: dict[str, tuple[float, float]] = {}
    build_old = None
    try:
        (tmp / "before").mkdir()
        tree = export_tree(before, tmp / "before")
        old_home = tmp / "before-home"
        _to_error(BAD_INPUTS["unknown model"], old_home, tree)  # builds that commit's price table cache once
        old = {name: _median_pair([_to_error(a, old_home, tree) for _ in range(repeats)])
               for name, a in BAD_INPUTS.items()}
        cpu_old: list[float] = []
        build_old = statistics.median(_old_build(tree, tmp / "before.html", old_home, models, cpu_old)
                                      for _ in range(repeats))
    except Exception as exc:
        print(f"before {before}: not measured ({type(exc).__name__}: {exc})")
    for name, (wall, cpu) in now.items():
        was = ""
        if name in old:
            ow, oc = old[name]
            was = f"; {before}: {ow:.2f} s, CPU {oc:.2f} s ({ow / wall:.1f}x wall, {oc / cpu:.1f}x CPU)"
        print(f"time to error, {name + ':':<24} {wall:.2f} s, CPU {cpu:.2f} s{was}")
    was = ""
    if build_old is not None:
        oc = statistics.median(cpu_old)
        was = (f"; {before}: {build_old:.2f} s, CPU {oc:.2f} s ({build_old / build_now:.2f}x wall, "
               f"{oc / statistics.median(cpu_now):.2f}x CPU)")
    print(f"build, `explorer report` process, warm: median {build_now:.2f} s, CPU {statistics.median(cpu_now):.2f} s"
          f"{was}")


def _kernel_floor(tmp: Path) -> float | None:
    """papermill + nbconvert of a one-empty-cell notebook: the least the old report path paid."""
    try:
        import nbformat
        import papermill as pm
        from nbconvert import HTMLExporter
    except ImportError:
        return None
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
    src, done = tmp / "empty.ipynb", tmp / "done.ipynb"
    nbformat.write(nb, src)
    t = time.perf_counter()
    pm.execute_notebook(str(src), str(done), kernel_name="python3", progress_bar=False, log_output=False)
    HTMLExporter().from_notebook_node(nbformat.read(done, as_version=4))
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--baseline", default=BASELINE, help=f"git ref of the papermill report (default {BASELINE})")
    ap.add_argument("--before", default=BEFORE, help=f"git ref timed for errors and builds (default {BEFORE})")
    args = ap.parse_args()
    repeats = 1 if args.quick else 3
    changes = 10 if args.quick else 50

    from explorer import prices, results
    from explorer.report import build_report
    from explorer.scenarios import load_scenario

    scenario = load_scenario(SCENARIO)
    table = prices.price_history()
    models = list(dict.fromkeys([*scenario.models, *results.default_models(table, scenario.as_of or "2026-11-27")]))
    models = models[:20]

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        out = tmp / "report.html"
        home = tmp / "home"
        cold = _cli(out, home, models)
        _errors_and_build(tmp, home, models, repeats, args.before)
        warm_cpu: list[float] = []
        warm = [_cli(out, home, models, warm_cpu) for _ in range(repeats)]
        os.environ["EXPLORER_HOME"] = str(home)
        build_report(out, scenario_file=SCENARIO, models=models)  # imports and caches paid once
        in_process = [build_report(out, scenario_file=SCENARIO, models=models).seconds for _ in range(repeats)]
        size = out.stat().st_size
        try:
            floor = _kernel_floor(tmp)
        except Exception as exc:  # no kernel here: say so, keep the other figures
            print(f"kernel floor: not measured ({type(exc).__name__}: {exc})")
            floor = None
        try:
            tree = export_tree(args.baseline, tmp)
            old_cpu: list[float] = []
            old = [_old_build(tree, tmp / "old.html", tmp / "old-home", models, old_cpu) for _ in range(repeats)]
        except Exception as exc:
            print(f"baseline {args.baseline}: not measured ({type(exc).__name__}: {exc})")
            old = []

        print(f"models: {len(models)}; report size {size / 1e6:.2f} MB (limit 3 MB; Vega bundle inlined once, 0.9 MB)")
        print(f"build, `explorer report` process, no cached bundle: {cold:.2f} s")
        print(f"build, `explorer report` process, cached bundle:    median {statistics.median(warm):.2f} s "
              f"over {repeats}, CPU {statistics.median(warm_cpu):.2f} s")
        print(f"build_report() in a warm process:                  median {statistics.median(in_process):.2f} s")
        if old:
            print(f"baseline {args.baseline}, papermill + nbconvert process:   median {statistics.median(old):.2f} s, "
                  f"CPU {statistics.median(old_cpu):.2f} s ({statistics.median(old) / statistics.median(warm):.1f}x "
                  f"the new process's wall time, {statistics.median(old_cpu) / statistics.median(warm_cpu):.1f}x "
                  "its CPU time)")
        if floor is not None:
            print(f"baseline floor, papermill + nbconvert, empty cell:  {floor:.2f} s "
                  f"in this process ({floor / statistics.median(in_process):.1f}x build_report() here)")

        try:
            from tests.browser import browser_page

            opens: list[float] = []
            with browser_page() as (page, watch):
                for _ in range(repeats):
                    t = time.perf_counter()
                    page.goto(out.as_uri())
                    page.wait_for_function(
                        "document.querySelectorAll('.report-chart svg, .report-chart canvas').length >= 7",
                        timeout=60_000)
                    page.evaluate("window.costExplorer.ready.then(() => true)")
                    opens.append(time.perf_counter() - t)
                # One change = a new value in a box -> table rewritten, charts re-run, next frame painted:
                # the charts on screen (as a reader sees it: the table and the component chart), then all four.
                measure = """async ([n, all]) => {
                      const box = document.getElementById('input-tokens');
                      const out = [];
                      for (let i = 0; i < n; i++) {
                        const t = performance.now();
                        box.value = String(1000 + 7919 * i + (all ? 1 : 0));
                        await window.costExplorer.update();
                        if (all) await window.costExplorer.flush();
                        await new Promise(r => requestAnimationFrame(() => r()));
                        out.push(performance.now() - t);
                      }
                      return out;
                    }"""
                page.evaluate("window.scrollTo(0, 0)")
                on_screen = page.evaluate(measure, [changes, False])
                latencies = page.evaluate(measure, [changes, True])
                assert not watch.external and not watch.console_errors, (watch.external, watch.console_errors)
            print(f"open in Chromium to every chart drawn:              median {statistics.median(opens) * 1e3:.0f} ms")
            print(f"control change -> table + charts on screen, painted: median {statistics.median(on_screen):.1f} ms, "
                  f"p90 {_p90(on_screen):.1f} ms over {changes} changes")
            print(f"control change -> table + all 4 charts, painted:     median {statistics.median(latencies):.1f} ms, "
                  f"p90 {_p90(latencies):.1f} ms (the dashboard's goal: median <= 50, p90 <= 80)")
        except Exception as exc:  # no Chromium here: report what we can
            print(f"browser figures: not measured ({type(exc).__name__}: {exc})")


if __name__ == "__main__":
    main()
