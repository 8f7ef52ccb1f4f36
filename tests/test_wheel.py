"""The wheel works anywhere: installed with its pinned dependencies into a fresh virtual environment outside the
clone, it runs `explorer cost`, `explorer tokens`, `explorer report` and starts the dashboard from an empty folder.

`make test` builds the wheel and the environment before the network is cut (installing needs the package index)
and hands them over in ``EXPLORER_WHEEL`` and ``EXPLORER_WHEEL_VENV``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from explorer import paths
from explorer.cli import main
from tests import browser

WHEEL = os.environ.get("EXPLORER_WHEEL", "")
VENV = os.environ.get("EXPLORER_WHEEL_VENV", "")
AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def venv() -> Path:
    if not (WHEEL and VENV):
        if os.environ.get("CI"):
            pytest.fail("EXPLORER_WHEEL / EXPLORER_WHEEL_VENV are not set: CI must run `make test`")
        pytest.skip("run through `make test`, which builds the wheel and installs it in a fresh environment")
    return Path(VENV)


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def _env(tmp_path: Path, venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), "/usr/bin", "/bin"])
    env["EXPLORER_HOME"] = str(tmp_path / "home")
    return env


def _run(venv: Path, args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(venv / "bin" / "explorer"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, (args, done.stderr[-2000:])
    return done


def _in_clone(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(args) == 0
    return capsys.readouterr().out


def test_the_wheel_carries_every_bundled_file(venv: Path) -> None:
    names = set(zipfile.ZipFile(WHEEL).namelist())
    repo = paths.REPO_DIR
    tracked = subprocess.run(["git", "ls-files", "data", "notebooks", "jupyter"], cwd=repo, capture_output=True,
                             text=True, check=True).stdout.split()
    bundled = [f"explorer/{f}" for f in tracked if not f.endswith(".py")]
    assert len(bundled) > 20
    # Every module and template too: a new subpackage or file type must be listed in pyproject.toml.
    package = subprocess.run(["git", "ls-files", "explorer"], cwd=repo, capture_output=True, text=True,
                             check=True).stdout.split()
    assert any(f.startswith("explorer/templates/") for f in package)
    missing = [f for f in [*bundled, *package] if f not in names]
    assert not missing, f"not in the wheel: {missing}"
    assert Path(WHEEL).name.startswith("llm_cost_explorer-")


def test_installed_package_reads_its_own_copy_of_the_data(venv: Path, empty: Path, tmp_path: Path) -> None:
    code = "from explorer import paths; print(paths.DATA_DIR); print(paths.JUPYTER_DIR); print(paths.NOTEBOOKS_DIR)"
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=empty, env=_env(tmp_path, venv),
                         capture_output=True, text=True, check=True).stdout.split()
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert out == [str(site / "explorer" / n) for n in ("data", "jupyter", "notebooks")]


def test_cost_and_tokens_from_an_empty_folder_match_the_clone(venv: Path, empty: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    env = _env(tmp_path, venv)
    for args in (
        ["cost", "--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500", "--as-of", AS_OF],
        ["cost", "--model", "claude-sonnet-4-5", "--input-tokens", "300000", "--output-tokens", "20",
         "--as-of", AS_OF, "--format", "json"],
        ["tokens", "--model", "gpt-4o", "Installed from a wheel, counted offline."],
        ["compare", "--input-tokens", "2000", "--output-tokens", "300", "--as-of", AS_OF, "--limit", "5"],
    ):
        assert _run(venv, args, empty, env).stdout == _in_clone(args, capsys), args
    assert list(empty.iterdir()) == []  # nothing written to the working folder


def test_report_from_an_empty_folder(venv: Path, empty: Path, tmp_path: Path) -> None:
    from explorer.report import external_references

    _run(venv, ["report", "--title", "From the wheel", "--as-of", AS_OF, "--out", "report.html"], empty,
         _env(tmp_path, venv))
    page = (empty / "report.html").read_text()
    assert "From the wheel" in page and "support" in page.lower()
    assert external_references(page) == []


@pytest.fixture
def dashboard(venv: Path, empty: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port, token = browser.free_port(8900), "wheel-check"
    log = tmp_path / "dashboard.log"
    with log.open("wb") as out:
        # Its own process group: stopping it stops Voila and the kernel it started too.
        proc = subprocess.Popen([str(venv / "bin" / "explorer"), "dashboard", "--port", str(port), "--token", token],
                                cwd=empty, env=_env(tmp_path, venv), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        yield f"http://127.0.0.1:{port}/?token={token}", log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_dashboard_starts_from_an_empty_folder(dashboard: tuple[str, Path]) -> None:
    url, log = dashboard
    deadline = time.monotonic() + 180
    page = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=60) as resp:
                assert resp.status == 200
                page = resp.read().decode()
                break
        except OSError:
            time.sleep(0.5)
    assert page, f"the dashboard did not answer {url}: {log.read_text()[-2000:]}"
    # Our offline Voila template, and the executed notebook's widget (the app itself), with no cell error.
    assert "/voila/templates/explorer/" in page
    assert "application/vnd.jupyter.widget-view+json" in page
    assert "There was an error when executing cell" not in page and "Traceback" not in page
