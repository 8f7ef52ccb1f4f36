"""Local servers: the dashboard as a Voila app, JupyterLab for `make lab`. Localhost only, token login."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from explorer import paths

__all__ = ["free_port", "lab_command", "register", "server_env", "supervise", "voila_command"]

DASHBOARD = paths.NOTEBOOKS_DIR / "app.ipynb"  # the app page: controls and tabs, no tutorial
TUTORIAL = paths.NOTEBOOKS_DIR / "dashboard.ipynb"  # what `make lab` opens
JUPYTER_DATA = paths.JUPYTER_DIR  # our Voila template (no CDN stylesheets)
HOST = "127.0.0.1"


def free_port(start: int = 8866, host: str = HOST, tries: int = 100) -> int:
    """``start`` unless something listens there, else the next free port."""
    for port in range(start, start + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    raise ValueError(f"port: no free port on {host} between {start} and {start + tries - 1}")


CULL_IDLE_MINUTES = 15.0
"""Default idle time after which a dashboard kernel nobody is connected to is shut down."""
STOP_GRACE_S = 10.0
"""How long Voila gets to shut its kernels down after a stop signal before they are killed."""


def server_env(token: str | None = None) -> dict[str, str]:
    """The child's environment: our Jupyter data dir first, so Voila finds the offline template; the login
    token, if given, as ``JUPYTER_TOKEN`` (the environment of a process is private to its user, its
    command line is not: ``ps`` shows it to everyone)."""
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(JUPYTER_DATA), env.get("JUPYTER_PATH", "")) if p)
    # The kernel must be this interpreter (explorer installed), whatever PATH says.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("JUPYTER_TOKEN_FILE", None)  # would win over nothing, but never mix two token sources
    if token:
        env["JUPYTER_TOKEN"] = token
    return env


def _private_config(token: str) -> Path:
    """A folder only this user can read, holding a voila.json with the token (for callers that start Voila
    with their own environment: the token still stays out of the command line)."""
    folder = Path(tempfile.mkdtemp(prefix="explorer-voila-"))  # mode 0700
    atexit.register(shutil.rmtree, folder, True)  # Voila reads it at start; gone when the caller exits
    fd = os.open(folder / "voila.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"Voila": {"token": token}}, fh)
    return folder


def voila_command(notebook: Path = DASHBOARD, *, port: int, token: str | None = None,
                  cull_idle_minutes: float = CULL_IDLE_MINUTES) -> list[str]:
    """Voila on localhost, code hidden, token login; nothing secret on the command line.

    The token comes from ``JUPYTER_TOKEN`` in the environment (:func:`server_env`), or, when ``token`` is
    given here, from a private config file; with neither, Voila generates one. Config files are read only
    from that private folder or our own Jupyter data dir, never the working directory (a ``voila.py``
    there would run as code). The URL cannot switch the template or theme (``?template=lab`` would load
    the stock template, which fetches from CDNs). Kernels idle for ``cull_idle_minutes`` with no page
    connected are shut down.
    """
    config_dir = _private_config(token) if token else JUPYTER_DATA
    idle_s = max(1, round(cull_idle_minutes * 60))
    return [
        sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser", f"--Voila.ip={HOST}",
        "--template=explorer", "--strip_sources=True", "--show_tracebacks=False",
        # One kernel kept running the app ahead of the next viewer: the page then shows the ranking in about a
        # second instead of waiting for a kernel to start and import pandas, Altair and the price table.
        "--preheat_kernel=True", "--pool_size=1",
        "--token",  # auto token: JUPYTER_TOKEN or the config file's, else a generated one; never empty
        f"--Voila.config_file_paths={config_dir}",
        "--VoilaConfiguration.allow_template_override=NO", "--VoilaConfiguration.allow_theme_override=NO",
        f"--MappingKernelManager.cull_idle_timeout={idle_s}",
        f"--MappingKernelManager.cull_interval={min(60, idle_s)}",
        "--MappingKernelManager.cull_connected=False",
    ]


def lab_command(notebook: Path = TUTORIAL, *, port: int | None = None, token: str | None = None,
                open_browser: bool = True, root_dir: Path = paths.REPO_DIR) -> list[str]:
    """JupyterLab as `make lab` runs it: localhost only, token authentication kept."""
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.ip={HOST}", f"--ServerApp.root_dir={root_dir}"]
    if port:
        cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if token:
        cmd.append(f"--IdentityProvider.token={token}")
    if not open_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root; Jupyter refuses without this
    cmd.append(str(notebook.resolve()))  # absolute: Jupyter resolves a relative one against the cwd
    return cmd


def _run_dashboard(args: argparse.Namespace) -> int:
    port = free_port(args.port)
    if port != args.port:
        print(f"port {args.port} is taken; using {port}", file=sys.stderr)
    token = args.token or os.environ.get("JUPYTER_TOKEN") or secrets.token_urlsafe(16)
    if args.cull_idle_minutes <= 0:
        raise ValueError(f"--cull-idle-minutes: {args.cull_idle_minutes:g} must be more than 0")
    notebook = Path(args.notebook) if args.notebook else DASHBOARD
    if not notebook.is_file():
        raise ValueError(f"--notebook: {notebook}: file not found")
    # Voila masks the token in its own log line: print the URL to open here.
    print(f"dashboard: open http://{HOST}:{port}/?token={token}  (Ctrl-C stops it)", flush=True)
    cmd = voila_command(notebook, port=port, cull_idle_minutes=args.cull_idle_minutes)
    return supervise(cmd, env=server_env(token))


def supervise(cmd: list[str], *, env: dict[str, str], grace_s: float = STOP_GRACE_S) -> int:
    """Run a server until it exits or this process is told to stop (SIGINT, SIGTERM, SIGHUP); then stop it
    *and everything it started*: the signal is forwarded as SIGTERM (Voila then shuts its kernels down),
    and whatever is left of it, or of the kernels it started, after ``grace_s`` is killed.

    Kernels run in sessions of their own, so they are found by walking the server's children while it
    runs (psutil), not by process group: once the server is gone they are no longer its children.
    """
    import psutil  # type: ignore[import-untyped]

    # Its own session: a Ctrl-C in the terminal reaches only us, and we stop the server in order.
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    seen: dict[int, psutil.Process] = {}
    stop_at: list[float] = []

    def on_signal(signum: int, _frame: object) -> None:
        if not stop_at:
            stop_at.append(time.monotonic())
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)

    handled = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, on_signal) for s in handled}
    try:
        while True:
            _remember_children(proc.pid, seen)
            try:
                code = proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if stop_at and time.monotonic() - stop_at[0] > grace_s:
                    _kill(seen.values(), grace_s=0)
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if proc.poll() is None:  # an exception here (not a signal): still never leave the server running
            proc.kill()
            proc.wait()
        _kill(seen.values(), grace_s=grace_s)
    return 0 if stop_at else code


def _remember_children(pid: int, seen: dict[int, Any]) -> None:
    import psutil  # type: ignore[import-untyped]

    try:
        for child in psutil.Process(pid).children(recursive=True):
            seen.setdefault(child.pid, child)
    except psutil.Error:
        pass


def _kill(procs: Iterable[Any], *, grace_s: float) -> None:
    """SIGTERM what is still running of ``procs`` (same processes: psutil checks the start time, so a reused
    pid is never hit), then SIGKILL what is left after ``grace_s``."""
    import psutil  # type: ignore[import-untyped]

    alive = [p for p in procs if p.is_running()]
    for p in alive:
        with contextlib.suppress(psutil.Error):
            p.terminate()
    _, left = psutil.wait_procs(alive, timeout=grace_s)
    for p in left:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(left, timeout=5)


def register(subparsers: argparse._SubParsersAction) -> None:
    from explorer.cli_args import examples

    p = subparsers.add_parser("dashboard", help="serve the dashboard as a web app (Voila, localhost, token login)",
                              epilog=examples("explorer dashboard", "explorer dashboard --port 9000 --token secret",
                                              "explorer dashboard --notebook my_app.ipynb"))
    p.add_argument("--port", type=int, default=8866, help="first port to try (default 8866)")
    p.add_argument("--token", help="login token (default: $JUPYTER_TOKEN, else a random one, printed with the URL)")
    p.add_argument("--cull-idle-minutes", type=float, default=CULL_IDLE_MINUTES, metavar="M",
                   help=f"shut down a kernel no page has used for M minutes (default {CULL_IDLE_MINUTES:g})")
    p.add_argument("--notebook", metavar="FILE", help="serve another notebook as the app (default: the dashboard)")
    p.set_defaults(func=_run_dashboard)
