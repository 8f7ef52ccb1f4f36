"""Headless Chromium (Debian's package) driven by Playwright, with every non-local request refused."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("EXPLORER_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps",
]
LOCAL = ("file:", "data:", "blob:", "about:", "http://127.0.0.1", "http://localhost", "ws://127.0.0.1",
         "ws://localhost")


def require_chromium() -> str:
    """Chromium's path; skip with instructions on a user's machine, fail in CI (CI=true)."""
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path:
        return path
    msg = ("Chromium is needed for the browser tests: sudo apt-get install -y chromium chromium-driver "
           "(or set EXPLORER_CHROMIUM to a Chromium binary)")
    if os.environ.get("CI") == "true":
        pytest.fail(msg)
    pytest.skip(msg)
    raise AssertionError  # unreachable


@dataclass
class Watch:
    """What a page did: requests that tried to leave the machine, console errors, page errors."""

    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def browser_page(viewport: dict[str, int] | None = None) -> Iterator[tuple[Any, Watch]]:
    from playwright.sync_api import sync_playwright

    path = require_chromium()
    watch = Watch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=ARGS)
        try:
            ctx = browser.new_context(viewport=viewport or {"width": 1200, "height": 900})

            def route(r: Any) -> None:
                url = r.request.url
                if url.startswith(LOCAL):
                    r.continue_()
                else:
                    watch.external.append(url)
                    r.abort()

            ctx.route("**/*", route)
            page = ctx.new_page()
            page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: watch.page_errors.append(str(e)))
            yield page, watch
        finally:
            browser.close()


def start_server(cmd: list[str], url: str, *, env: dict[str, str], cwd: Path, log: Path,
                 timeout_s: float = 180) -> subprocess.Popen[bytes]:
    """Start a local server (its output to ``log``) and return once ``url`` answers; fail naming the log's
    end if it exits or stays silent."""
    out = log.open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
    out.close()  # the child holds its own copy
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=5).read(1)
            return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise AssertionError(f"server did not answer {url}: {log.read_text(errors='replace')[-2000:]}")


def stop_server(proc: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    """Terminate a server started by :func:`start_server`; kill it if it does not stop in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port(start: int) -> int:
    """A free port from ``start`` in a range of this pytest-xdist worker's own (``make test`` runs two):
    two workers asking from one start at the same moment could both be given a port before either binds."""
    from explorer import serve

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return serve.free_port(start + 1000 * (int(worker[2:]) if worker[2:].isdigit() else 0))
