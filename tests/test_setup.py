"""The two-command set-up holds together: pins, environment.yml, Makefile, CI, README."""

from __future__ import annotations

import re
import tomllib

import yaml

from explorer import paths
from explorer.cli import build_parser

ROOT = paths.REPO_DIR


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirement_names(reqs: list[str]) -> dict[str, str]:
    out = {}
    for r in reqs:
        name, _, version = r.partition("==")
        out[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return out


def test_environment_yml_lists_the_same_packages_as_pyproject() -> None:
    project = _pyproject()["project"]
    wanted = _requirement_names(project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert _requirement_names([r for r in pip_section if not r.startswith("-")]) == wanted
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"] if isinstance(d, str))


def test_direct_dependencies_are_pinned_and_in_the_lock() -> None:
    project = _pyproject()["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    assert all("==" in r for r in reqs), [r for r in reqs if "==" not in r]
    lock = _requirement_names([line for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line])
    for name, version in _requirement_names(reqs).items():
        assert lock.get(name) == version, f"{name}=={version} not pinned the same in requirements.lock"


def test_required_packages_are_dependencies() -> None:
    names = _requirement_names(_pyproject()["project"]["dependencies"] + _pyproject()["project"]["optional-dependencies"]["dev"])
    assert {"jupyterlab", "ipywidgets", "pandas", "altair", "tiktoken", "nbval", "genai-prices"} <= set(names)


def test_layout() -> None:
    for p in ("explorer", "notebooks", "data", "tests", "benchmarks", "environment.yml", "README.md", "pyproject.toml",
              "Makefile", ".ci/run"):
        assert (ROOT / p).exists(), p
    assert _pyproject()["project"]["scripts"]["explorer"] == "explorer.cli:main"


def test_makefile_targets_and_ci() -> None:
    mk = (ROOT / "Makefile").read_text()
    for target in ("help", "venv", "lab", "test", "bench"):
        assert re.search(rf"^{target}:.*## ", mk, re.M), target
    assert "requirements.lock" in mk
    assert "ServerApp.ip=127.0.0.1" in mk and "token=''" not in mk and "NotebookApp.token" not in mk
    ci = (ROOT / ".ci/run").read_text()
    assert "make test" in ci and "apt-get install" in ci and "chromium" in ci


def test_readme_starts_with_the_two_commands_and_documents_every_command() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", readme, re.S)
    assert first_block is not None
    assert [line.strip() for line in first_block.group(1).strip().splitlines()] == ["make lab", "make test"]
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"explorer {name}" in readme, f"README does not show `explorer {name}`"


def test_readme_commands_run() -> None:
    """Every `explorer ...` line of the README's command block works as written (but the network one and
    the report, which tests/test_report.py builds)."""
    import shlex
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## The command line\n\n```sh\n(.*?)```", readme, re.S).group(1)
    lines = block.replace("\\\n", " ").splitlines()
    commands = [shlex.split(line.split("  #")[0]) for line in lines if line.startswith("explorer ")]
    assert len(commands) >= 10
    for argv in commands:
        if argv[1] in ("refresh-prices", "report"):
            continue
        # the shell would expand globs
        args = [x for a in argv[1:] for x in (sorted(str(p) for p in ROOT.glob(a)) if "*" in a else [a])]
        done = subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True,
                              cwd=ROOT, timeout=300)
        # audit exits 1 when it finds wrong rows: the README's seed table has three
        assert done.returncode == (1 if argv[1] == "audit" else 0), (argv, done.stderr[-500:])
        assert done.stdout.strip(), argv


def test_package_docstring_example_runs() -> None:
    import doctest

    import explorer

    result = doctest.testmod(explorer)
    assert result.attempted >= 2 and result.failed == 0
