"""`make dashboard` / `explorer dashboard`: localhost, token login kept out of the command line, no template
switching from the URL, idle kernels culled, and stopping it stops Voila and every kernel (real processes on
loopback; each test checks that nothing it started is left behind)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from explorer import serve
from explorer.cli import main
from tests import browser

TOKEN = "t0k3n-" + "x" * 20


def test_dashboard_uses_the_next_free_port_and_prints_the_token(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(serve, "supervise", lambda cmd, env: calls.append((cmd, env)) or 0)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", "--port", str(port), "--token", "s3cret"]) == 0
    out, err = capsys.readouterr()
    cmd, env = calls[0]
    used = int(next(a for a in cmd if a.startswith("--port=")).split("=")[1])
    assert used > port and f"port {port} is taken; using {used}" in err
    assert f"http://127.0.0.1:{used}/?token=s3cret" in out
    assert "--Voila.ip=127.0.0.1" in cmd and "--template=explorer" in cmd
    assert not any("s3cret" in a for a in cmd), "the token must not be on the command line (ps shows it)"
    assert env["JUPYTER_TOKEN"] == "s3cret"
    assert "--VoilaConfiguration.allow_template_override=NO" in cmd
    assert "--VoilaConfiguration.allow_theme_override=NO" in cmd
    assert "--MappingKernelManager.cull_idle_timeout=900" in cmd


def test_a_token_given_to_voila_command_goes_to_a_private_file() -> None:
    cmd = serve.voila_command(port=8866, token="s3cret")
    assert not any("s3cret" in a for a in cmd)
    folder = Path(next(a for a in cmd if a.startswith("--Voila.config_file_paths=")).split("=", 1)[1])
    try:
        assert json.loads((folder / "voila.json").read_text()) == {"Voila": {"token": "s3cret"}}
        assert folder.stat().st_mode & 0o777 == 0o700 and (folder / "voila.json").stat().st_mode & 0o777 == 0o600
    finally:
        (folder / "voila.json").unlink()
        folder.rmdir()


def test_server_env_puts_our_template_first() -> None:
    env = serve.server_env()
    assert env["JUPYTER_PATH"].split(":")[0] == str(serve.JUPYTER_DATA)
    assert (serve.JUPYTER_DATA / "voila" / "templates" / "explorer" / "index.html.j2").is_file()


@pytest.mark.parametrize("bad", ["0", "-1"])
def test_cull_time_must_be_positive(bad: str, capsys) -> None:
    assert main(["dashboard", "--cull-idle-minutes", bad]) == 2
    assert "--cull-idle-minutes" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ real processes


def _notebook(tmp_path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('hello from the app')")]
    path = tmp_path / "app.ipynb"
    nbformat.write(nb, path)
    return path


def _get(url: str, timeout: float = 60) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _tree(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _kernels(pid: int) -> list[psutil.Process]:
    return [p for p in _tree(pid) if "ipykernel" in " ".join(_cmdline(p))]


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def _dashboard(tmp_path: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[bytes], int, dict[int, psutil.Process]]]:
    """`explorer dashboard` as a real process, the token in its environment; yields it, its port and every
    process seen under it. Afterwards, whatever happened, fails if any of those is still running."""
    port = browser.free_port(8900)
    env = {**os.environ, "JUPYTER_TOKEN": TOKEN, "EXPLORER_HOME": str(tmp_path / "home")}
    log = (tmp_path / "dashboard.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer", "dashboard", "--port", str(port), "--notebook", str(_notebook(tmp_path)),
         *extra],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    seen: dict[int, psutil.Process] = {}
    try:
        def up() -> bool:
            assert proc.poll() is None, (tmp_path / "dashboard.log").read_text()[-3000:]
            seen.update((p.pid, p) for p in _tree(proc.pid))
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5).read(1)
                return True
            return False

        _wait(up, 120, "the dashboard to answer")
        yield proc, port, seen
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the test failed midway: clean up, then report
        leftover = [p for p in seen.values() if p.is_running()]
        for p in leftover:
            with contextlib.suppress(psutil.Error):
                p.kill()
        log.close()
        assert not leftover, f"left running: {[_cmdline(p) for p in leftover]}"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_stopping_the_dashboard_stops_voila_and_its_kernels(tmp_path: Path, signum: int) -> None:
    with _dashboard(tmp_path) as (proc, port, seen):
        status, body = _get(f"http://127.0.0.1:{port}/?token={TOKEN}")
        assert status == 200 and "hello from the app" in body
        seen.update((p.pid, p) for p in _tree(proc.pid))
        assert _kernels(proc.pid), "the page started a kernel"
        voila = [p for p in seen.values() if "voila" in " ".join(_cmdline(p))]
        assert voila and all(TOKEN not in " ".join(_cmdline(p)) for p in [psutil.Process(proc.pid), *seen.values()])
        proc.send_signal(signum)
        assert proc.wait(timeout=60) == 0
        _wait(lambda: not any(p.is_running() for p in seen.values()), 30, "Voila and its kernels to stop")


def test_url_cannot_switch_template_or_theme_and_the_token_is_required(tmp_path: Path) -> None:
    with _dashboard(tmp_path) as (proc, port, _):
        base = f"http://127.0.0.1:{port}/"
        assert _get(base)[0] in (401, 403) or "hello from the app" not in _get(base)[1]
        assert _get(f"{base}?token=wrong")[1].count("hello from the app") == 0
        status, normal = _get(f"{base}?token={TOKEN}")
        assert status == 200 and "cdn.jsdelivr.net" not in normal
        for query in ("template=lab", "template=classic", "theme=dark"):
            status, body = _get(f"{base}?token={TOKEN}&{query}")
            assert status == 200 and "hello from the app" in body, query
            assert "cdn.jsdelivr.net" not in body and "theme-dark" not in body, query
        proc.terminate()
        assert proc.wait(timeout=60) == 0


def test_idle_kernels_are_culled(tmp_path: Path) -> None:
    with _dashboard(tmp_path, "--cull-idle-minutes", "0.1") as (proc, port, seen):  # 6 seconds
        # Voila keeps one kernel ready with the app already run (the pool): the next page takes it.
        _wait(lambda: bool(_kernels(proc.pid)), 60, "the pooled kernel")
        time.sleep(3)  # let the pooled kernel finish running the app
        pooled = _kernels(proc.pid)
        seen.update((p.pid, p) for p in pooled)
        status, body = _get(f"http://127.0.0.1:{port}/?token={TOKEN}")
        assert status == 200 and "hello from the app" in body
        _wait(lambda: len(_kernels(proc.pid)) > len(pooled) - 1 and set(_kernels(proc.pid)) != set(pooled), 60,
              "a new pooled kernel")
        seen.update((p.pid, p) for p in _kernels(proc.pid))
        # Nobody connects to the page's kernel (no browser): it is shut down, the server keeps running and
        # keeps a kernel ready for the next page.
        _wait(lambda: not any(k.is_running() for k in pooled), 90, "the idle kernel to be culled")
        assert proc.poll() is None and _get(f"http://127.0.0.1:{port}/login")[0] == 200
        assert _kernels(proc.pid), "the pool's next kernel is not culled"
        proc.terminate()
        assert proc.wait(timeout=60) == 0


# A server that ignores SIGTERM and starts a child in a session of its own that ignores it too, as a hung
# kernel would: after the grace period both are killed, and nothing is left.
_STUBBORN = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
    subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    print("ready", flush=True)
    time.sleep(600)
    """
)


def test_supervise_kills_what_ignores_the_stop_signal(tmp_path: Path) -> None:
    runner = textwrap.dedent(
        f"""
        import sys
        from explorer import serve
        sys.exit(serve.supervise([sys.executable, "-c", {_STUBBORN!r}], env=dict(__import__("os").environ),
                                 grace_s=2))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", runner], stdout=subprocess.PIPE, start_new_session=True)
    seen: dict[int, psutil.Process] = {}
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"

        def both() -> bool:
            seen.update((p.pid, p) for p in _tree(proc.pid))
            return len(seen) >= 2

        _wait(both, 30, "the server and its child")
        time.sleep(1)  # let supervise() see the grandchild too
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        _wait(lambda: not any(p.is_running() for p in seen.values()), 15, "the stubborn processes to be killed")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for p in seen.values():
            with contextlib.suppress(psutil.Error):
                p.kill()
