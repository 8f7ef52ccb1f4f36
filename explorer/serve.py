"""Local servers: the dashboard as a Voila app, JupyterLab for `make lab`. Localhost only, token login."""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from explorer import paths

__all__ = ["free_port", "lab_command", "register", "server_env", "voila_command"]

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


def server_env() -> dict[str, str]:
    """The child's environment: our Jupyter data dir first, so Voila finds the offline template."""
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(JUPYTER_DATA), env.get("JUPYTER_PATH", "")) if p)
    # The kernel must be this interpreter (explorer installed), whatever PATH says.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def voila_command(notebook: Path = DASHBOARD, *, port: int, token: str | None = None) -> list[str]:
    """Voila on localhost, code hidden, with token authentication (a given token, or a generated one)."""
    auth = [f"--Voila.token={token}"] if token else ["--token"]
    return [
        sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser", f"--Voila.ip={HOST}",
        "--template=explorer", "--strip_sources=True", "--show_tracebacks=False",
        # One kernel kept running the app ahead of the next viewer: the page then shows the ranking in about a
        # second instead of waiting for a kernel to start and import pandas, Altair and the price table.
        "--preheat_kernel=True", "--pool_size=1", *auth,
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
    token = args.token or secrets.token_urlsafe(16)
    # Voila masks the token in its own log line: print the URL to open here.
    print(f"dashboard: open http://{HOST}:{port}/?token={token}  (Ctrl-C stops it)", flush=True)
    return subprocess.call(voila_command(port=port, token=token), env=server_env())


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("dashboard", help="serve the dashboard as a web app (Voila, localhost, token login)")
    p.add_argument("--port", type=int, default=8866, help="first port to try (default 8866)")
    p.add_argument("--token", help="login token (default: a random one, printed with the URL)")
    p.set_defaults(func=_run_dashboard)
