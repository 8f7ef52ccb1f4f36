"""A bounded load on the dashboard app over loopback: several viewers in Chromium, each with its own kernel,
changing a control in turn for a fixed time. Used by tests/test_app_load.py (small) and
benchmarks/bench_app_load.py (the full figures). Only 127.0.0.1 is ever contacted; every loop stops by itself.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from explorer import paths, serve
from tests.browser import ARGS, LOCAL, free_port, require_chromium, start_server, stop_server

_FIRST_CELL = "() => document.querySelector('table.explorer-ranked tbody tr td:nth-child(3)')?.innerText ?? ''"


@dataclasses.dataclass(frozen=True)
class LoadResult:
    """What a load run saw."""

    viewers: int
    """Pages open at once, each with its own kernel."""
    seconds: float
    """How long the viewers kept changing controls."""
    load_s: tuple[float, ...]
    """Per viewer: page requested -> ranking table shown."""
    changes: int
    """Control changes made."""
    answered: int
    """Changes whose new numbers reached the page."""
    latency_s: tuple[float, ...]
    """Per answered change: input event -> ranking table updated."""
    browser_errors: tuple[str, ...]
    """Console and page errors, all viewers."""
    server_errors: tuple[str, ...]
    """Lines of the server log that report an error."""
    kernels: int
    """Kernel processes running at the end."""
    kernel_rss_mib: tuple[float, ...]
    """Resident memory of each kernel at the end."""
    server_rss_mib: float
    """Resident memory of the Voila server itself."""


def _rss_tree(pid: int) -> tuple[float, list[float]]:
    import psutil

    root = psutil.Process(pid)
    kernels = [c for c in root.children(recursive=True) if "ipykernel" in " ".join(c.cmdline())]
    return root.memory_info().rss / 2**20, [k.memory_info().rss / 2**20 for k in kernels]


def _error_blocks(lines: list[str]) -> list[str]:
    """Each error line of the log with the traceback under it, so that a failure names its cause."""
    blocks: list[str] = []
    i = 0
    while i < len(lines):
        if re.search(r"Traceback|\bERROR\b|\[E ", lines[i]):
            j = i + 1
            while j < len(lines) and (lines[j].startswith((" ", "Traceback")) or not re.match(r"\[[A-Z]", lines[j])):
                j += 1
            blocks.append("\n".join(lines[i:j]))
            i = j
        else:
            i += 1
    return blocks


def run(viewers: int, seconds: float) -> LoadResult:
    """Start the app, open ``viewers`` pages, change the input tokens on each in turn for ``seconds``."""
    from playwright.sync_api import sync_playwright

    chromium = require_chromium()
    token = secrets.token_hex(12)
    port = free_port(8880)
    env = serve.server_env()
    home = tempfile.mkdtemp()
    env["EXPLORER_HOME"] = home
    log_path = Path(home) / "server.log"
    proc = start_server(serve.voila_command(port=port, token=token), f"http://127.0.0.1:{port}/login", env=env,
                        cwd=paths.REPO_DIR, log=log_path)
    try:
        url = f"http://127.0.0.1:{port}/?token={token}"
        errors: list[str] = []
        loads: list[float] = []
        latencies: list[float] = []
        changes = answered = 0
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
            pages = []
            for _ in range(viewers):
                ctx = browser.new_context(viewport={"width": 1300, "height": 1100})
                ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort())
                page = ctx.new_page()
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                t = time.perf_counter()
                page.goto(url, wait_until="domcontentloaded", timeout=180_000)
                pages.append((page, t))
            for page, t in pages:
                page.wait_for_selector("table.explorer-ranked", timeout=180_000)
                loads.append(time.perf_counter() - t)
            stop = time.monotonic() + seconds
            i = 0
            while time.monotonic() < stop:
                page = pages[i % viewers][0]
                i += 1
                before = page.evaluate(_FIRST_CELL)
                box = page.get_by_label("Input tokens per request", exact=True)
                box.fill(str(1000 + 97 * i))
                t = time.perf_counter()
                box.press("Enter")
                changes += 1
                try:
                    page.wait_for_function(f"b => ({_FIRST_CELL})() !== b", arg=before, timeout=30_000)
                except Exception:
                    continue
                answered += 1
                latencies.append(time.perf_counter() - t)
            server_rss, kernel_rss = _rss_tree(proc.pid)
            browser.close()
    finally:
        stop_server(proc)
    text = log_path.read_text(errors="replace")
    shutil.copy(log_path, Path(tempfile.gettempdir()) / "explorer-app-load-server.log")
    # Only what the server logged while serving: once it is told to stop, a pooled kernel still running the
    # notebook may fail to send its reply on a socket Voila already closed, which no viewer ever sees.
    serving = re.split(r"^\[Voila\] Handle signal", text, maxsplit=1, flags=re.M)[0]
    bad = _error_blocks(serving.splitlines())
    return LoadResult(viewers, seconds, tuple(loads), changes, answered, tuple(latencies), tuple(errors),
                      tuple(bad), len(kernel_rss), tuple(kernel_rss), server_rss)
