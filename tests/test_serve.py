"""`make dashboard` / `explorer dashboard`: localhost, token login, next free port when 8866 is taken."""

from __future__ import annotations

import socket
import subprocess

import pytest

from explorer import serve
from explorer.cli import main


def test_dashboard_uses_the_next_free_port_and_prints_the_token(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, env=None: calls.append(cmd) or 0)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", "--port", str(port), "--token", "s3cret"]) == 0
    out, err = capsys.readouterr()
    cmd = calls[0]
    used = int(next(a for a in cmd if a.startswith("--port=")).split("=")[1])
    assert used > port and f"port {port} is taken; using {used}" in err
    assert f"http://127.0.0.1:{used}/?token=s3cret" in out
    assert "--Voila.ip=127.0.0.1" in cmd and "--Voila.token=s3cret" in cmd and "--template=explorer" in cmd


def test_server_env_puts_our_template_first() -> None:
    env = serve.server_env()
    assert env["JUPYTER_PATH"].split(":")[0] == str(serve.JUPYTER_DATA)
    assert (serve.JUPYTER_DATA / "voila" / "templates" / "explorer" / "index.html.j2").is_file()
