"""The command line behaves like the tools people already use (issue 18), tested as a user calls it: through
a subprocess. --version, '-' for standard input, completion, exit codes, provider/model names, one flag
vocabulary, help for everything, numbers without float noise."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
SEED = ROOT / "data" / "seed_2025-05-16.csv"
PAGES = sorted(str(p) for p in SAMPLES.glob("usage_completions_page*.json"))


def explorer(*args: str, stdin: str | bytes | None = None, cwd: Path = ROOT,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``explorer ARGS`` as a shell runs it (``python -m explorer``), standard input given or closed."""
    data = stdin.decode() if isinstance(stdin, bytes) else stdin
    return subprocess.run([sys.executable, "-m", "explorer", *args], input=data if data is not None else "",
                          capture_output=True, text=True, cwd=cwd, timeout=300, env={**os.environ, **(env or {})})


def ok(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    done = explorer(*args, **kw)  # type: ignore[arg-type]
    assert done.returncode == 0, (args, done.stderr[-800:])
    return done


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    return done.stderr


# ------------------------------------------------------------------------------------------------ --version


def test_version_is_the_distributions() -> None:
    from importlib import metadata

    done = ok("--version")
    assert done.stdout.strip() == f"explorer {metadata.version('llm-cost-explorer')}"


def test_version_falls_back_to_the_package_version_in_a_source_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    import explorer as pkg
    from explorer import cli

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert cli.version() == pkg.__version__


# ------------------------------------------------------------------------------------------------ stdin


@pytest.fixture(scope="module")
def usage_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = tmp_path_factory.mktemp("u") / "u.csv"
    f.write_text("model,input_tokens,output_tokens,timestamp\ngpt-4o,1000,500,2025-05-16\no3,200000,3000,2025-07-01\n")
    return f


def _same_from_stdin(file_args: list[str], stdin_args: list[str], path: Path) -> None:
    by_file = ok(*file_args)
    by_stdin = ok(*stdin_args, stdin=path.read_bytes())
    assert by_stdin.stdout == by_file.stdout


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_cost_usage_reads_standard_input(usage_csv: Path, fmt: str) -> None:
    _same_from_stdin(["cost", "--usage", str(usage_csv), "--format", fmt],
                     ["cost", "--usage", "-", "--format", fmt], usage_csv)


def test_usage_reads_a_json_export_from_standard_input() -> None:
    page = Path(PAGES[0])
    _same_from_stdin(["usage", str(page), "--format", "json"], ["usage", "-", "--format", "json"], page)


def test_audit_reads_standard_input() -> None:
    by_file, by_stdin = explorer("audit", str(SEED)), explorer("audit", "-", stdin=SEED.read_text())
    assert by_stdin.returncode == by_file.returncode == 1
    assert by_stdin.stdout == by_file.stdout and "3 wrong" in by_stdin.stdout


def test_scenario_overrides_text_and_messages_read_standard_input(tmp_path: Path) -> None:
    scenario = ROOT / "data" / "scenarios" / "support-chatbot.yaml"
    _same_from_stdin(["prices", "--changes-since", "2026-08-01", "--scenario", str(scenario), "--format", "json"],
                     ["prices", "--changes-since", "2026-08-01", "--scenario", "-", "--format", "json"], scenario)
    ov = tmp_path / "ov.csv"
    ov.write_text("model,input_usd_per_mtok,output_usd_per_mtok,note\ngpt-4o,1,1,deal\n")
    args = ["cost", "--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500", "--format", "json"]
    by_stdin = ok(*args, "--overrides", "-", stdin=ov.read_text())
    assert json.loads(by_stdin.stdout)["total_usd"] == 0.0015
    # the same answer; its source is named <stdin>, not a temporary file
    assert by_stdin.stdout == ok(*args, "--overrides", str(ov)).stdout.replace(str(ov), "<stdin>")
    assert '"price_source": "override <stdin> line 2: deal"' in by_stdin.stdout
    text = ROOT / "data" / "reference_corpus" / "ja.txt"
    _same_from_stdin(["tokens", "--model", "gpt-4o", "--file", str(text), "--format", "json"],
                     ["tokens", "--model", "gpt-4o", "--file", "-", "--format", "json"], text)
    chat = tmp_path / "chat.json"
    chat.write_text(json.dumps([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]))
    _same_from_stdin(["tokens", "--model", "gpt-4o", "--messages", str(chat)],
                     ["tokens", "--model", "gpt-4o", "--messages", "-"], chat)
    by_stdin = ok("compare", "--text-file", "-", "--output-tokens", "300", "--provider", "openai", "--limit", "3",
                  "--format", "json", stdin=text.read_text())
    by_file = ok("compare", "--text-file", str(text), "--output-tokens", "300", "--provider", "openai", "--limit", "3",
                 "--format", "json")
    assert json.loads(by_stdin.stdout)["rows"] == json.loads(by_file.stdout)["rows"]


def test_refresh_file_reads_standard_input(tmp_path: Path) -> None:
    models = [{"id": m, "match": {"equals": m}, "prices": {"input_mtok": 1, "output_mtok": 2}}
              for m in ("gpt-4o", "gpt-4o-mini", *(f"test-model-{i}" for i in range(23)))]
    payload = json.dumps([{"id": "openai", "name": "OpenAI", "api_pattern": "https://api\\.openai\\.com",
                           "models": models}])
    f = tmp_path / "data.json"
    f.write_text(payload)
    by_stdin = ok("refresh-prices", "--file", "-", "--dry-run", stdin=payload)  # a dry run changes nothing
    assert by_stdin.stdout == ok("refresh-prices", "--file", str(f), "--dry-run").stdout
    assert "dry run: nothing was changed" in by_stdin.stdout


def test_standard_input_errors_name_it_and_it_is_read_once() -> None:
    err = one_line_error(explorer("cost", "--usage", "-", stdin="model,input_tokens\ngpt-4o,1\n"))
    assert err.startswith("error: <stdin>") and "output_tokens" in err
    err = one_line_error(explorer("cost", "--usage", "-", "--overrides", "-", stdin="x"))
    assert "standard input can be read once: '-' is given to --usage, --overrides" in err


def test_a_file_name_given_as_text_is_counted_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "ja.txt").write_text("これは日本語の文章です。" * 50)
    done = ok("tokens", "--model", "gpt-4o", "ja.txt", cwd=tmp_path)
    assert done.stdout.startswith("2 tokens")  # the text "ja.txt", as asked
    assert done.stderr == ("warning: counting the text 'ja.txt' itself, which is also a file's name; "
                           "--file ja.txt counts the file's contents\n")
    by_file = ok("tokens", "--model", "gpt-4o", "--file", "ja.txt", cwd=tmp_path)
    assert int(by_file.stdout.split()[0]) > 100 and by_file.stderr == ""
    assert ok("tokens", "--model", "gpt-4o", "not a file", cwd=tmp_path).stderr == ""


# ------------------------------------------------------------------------------------------------ completion


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o"), ("zsh", "#compdef explorer"),
                                                ("fish", "complete --command explorer")])
def test_completion_scripts(shell: str, marker: str) -> None:
    script = ok("completion", shell).stdout
    assert marker in script and "_ARGCOMPLETE" in script


def _complete(line: str, tmp_path: Path) -> list[str]:
    out = tmp_path / "completions.txt"
    env = {"_ARGCOMPLETE": "1", "_ARGCOMPLETE_SHELL": "bash", "COMP_LINE": line, "COMP_POINT": str(len(line)),
           "COMP_TYPE": "9", "_ARGCOMPLETE_IFS": "\n", "_ARGCOMPLETE_STDOUT_FILENAME": str(out)}
    subprocess.run([sys.executable, "-m", "explorer"], capture_output=True, text=True, cwd=ROOT, timeout=120,
                   env={**os.environ, **env}, check=True)
    return out.read_text().split("\n")


def test_completion_of_subcommands_and_options(tmp_path: Path) -> None:
    assert {"usage", "tokens"} <= {c.strip() for c in _complete("explorer u", tmp_path) + _complete("explorer t", tmp_path)} \
        or "usage" in _complete("explorer us", tmp_path)
    assert [c.strip() for c in _complete("explorer us", tmp_path)] == ["usage"]
    opts = [c.strip() for c in _complete("explorer usage --what-if-", tmp_path)]
    assert set(opts) == {"--what-if-model", "--what-if-service-tier", "--what-if-as-of"}
    assert "--service-tier" not in _complete("explorer usage --serv", tmp_path)  # deprecated: hidden
    assert [c.strip() for c in _complete("explorer cost --service-tier fl", tmp_path)] == ["flex"]


# ------------------------------------------------------------------------------------------------ exit codes


def test_audit_exits_1_on_findings_0_when_clean_2_on_bad_input(tmp_path: Path) -> None:
    assert explorer("audit", str(SEED)).returncode == 1
    clean = tmp_path / "clean.csv"
    clean.write_text("".join(line for i, line in enumerate(SEED.read_text().splitlines(keepends=True))
                             if i in (0, 1, 2)))  # GPT-4o and GPT-4o mini, both right
    done = explorer("audit", str(clean))
    assert done.returncode == 0 and "wrong" not in done.stdout, done.stdout
    one_line_error(explorer("audit", str(tmp_path / "missing.csv")))
    assert explorer("audit", str(SEED), "--format", "json").returncode == 1


def test_exit_codes_are_in_every_help() -> None:
    parser = build_parser()
    for name, sub in _subparsers(parser).items():
        assert "exit codes: 0 success; 1 findings" in (sub.epilog or ""), name
    assert "2 bad input" in ok("--help").stdout and "2 bad input" in ok("audit", "--help").stdout


# ------------------------------------------------------------------------------------------------ names


@pytest.mark.parametrize("name", ["gpt-4o", "openai/gpt-4o", "openai:gpt-4o", "OpenAI:GPT-4o"])
def test_provider_model_forms_resolve_alike_in_cost(name: str) -> None:
    data = json.loads(ok("cost", "--model", name, "--input-tokens", "1000", "--output-tokens", "500",
                         "--as-of", "2025-05-16", "--format", "json").stdout)
    assert (data["provider"], data["resolved_model"], data["total_usd"]) == ("openai", "gpt-4o", 0.0075)


def test_provider_model_forms_in_compare_prices_tokens_usage_and_scenarios(tmp_path: Path) -> None:
    def compared(*models: str) -> list[tuple[str, str]]:
        args = [a for m in models for a in ("--model", m)]
        rows = json.loads(ok("compare", "--input-tokens", "1000", "--output-tokens", "100", *args,
                             "--format", "json").stdout)["rows"]
        return sorted((r["provider"], r["model"]) for r in rows)

    assert compared("openai:gpt-4o", "anthropic/claude-sonnet-4-5") == compared("gpt-4o", "claude-sonnet-4-5") == [
        ("anthropic", "claude-sonnet-4-5"), ("openai", "gpt-4o")]
    for name in ("openai/gpt-4o", "OpenAI:gpt-4o"):
        rows = json.loads(ok("prices", "--model", name, "--format", "json").stdout)["rows"]
        assert ("openai", "gpt-4o") in {(r["provider"], r["model"]) for r in rows}, name
    counts = {json.loads(ok("tokens", "--model", m, "Hello there", "--format", "json").stdout)["tokens"]
              for m in ("gpt-4o", "openai:gpt-4o", "openai/gpt-4o")}
    assert len(counts) == 1
    what_if = {json.loads(ok("usage", PAGES[0], "--what-if-model", m, "--format", "json").stdout)["what_if"]["total_usd"]
               for m in ("gpt-5-mini", "openai:gpt-5-mini", "OpenAI/gpt-5-mini")}
    assert len(what_if) == 1
    base = (ROOT / "data/scenarios/support-chatbot.yaml").read_text()
    changes = []
    for models in ("[gpt-4o-mini, gpt-5-nano]", "['openai:gpt-4o-mini', 'OpenAI/gpt-5-nano']"):
        scenario = tmp_path / "s.yaml"
        scenario.write_text(re.sub(r"(?m)^models: .*$", f"models: {models}", base))
        changes.append(json.loads(ok("prices", "--changes-since", "2024-01-01", "--scenario", str(scenario),
                                     "--format", "json", "--as-of", "2026-11-27").stdout)["changes"])
    assert changes[0] == changes[1] and {r["model"] for r in changes[1]} == {"gpt-4o-mini", "gpt-5-nano"}


def test_providers_are_case_insensitive_with_suggestions() -> None:
    rows = json.loads(ok("prices", "--provider", "Anthropic", "--format", "json").stdout)["rows"]
    assert rows and {r["provider"] for r in rows} == {"anthropic"}
    rows = json.loads(ok("compare", "--input-tokens", "10", "--output-tokens", "10", "--provider", "ANTHROPIC",
                         "--format", "json").stdout)["rows"]
    assert rows and {r["provider"] for r in rows} == {"anthropic"}
    err = one_line_error(explorer("prices", "--provider", "antropic"))
    assert "unknown 'antropic'; closest known: anthropic" in err


# ------------------------------------------------------------------------------------------------ flags


def test_one_vocabulary_old_spellings_still_work_with_a_note() -> None:
    new = ok("usage", PAGES[0], "--what-if-service-tier", "batch", "--format", "json")
    old = ok("usage", PAGES[0], "--service-tier", "batch", "--format", "json")
    assert old.stdout == new.stdout and json.loads(new.stdout)["what_if"]["service_tier"] == "batch"
    assert "warning: --service-tier is deprecated; use --what-if-service-tier" in old.stderr
    assert "deprecated" not in new.stderr
    # every other renamed option, parsed as a user types it
    parser = build_parser()
    args = parser.parse_args(["report", "--out", "r.html", "--models", "gpt-5", "o3", "--model", "gpt-4o"])
    assert args.models == ["gpt-5", "o3", "gpt-4o"]
    assert parser.parse_args(["report", "--out", "r.html", "--model", "gpt-5", "--model", "o3"]).models == ["gpt-5", "o3"]
    assert parser.parse_args(["tokens", "--corpus", "x", "--model", "gpt-4o", "--no-progress"]).quiet is True
    assert parser.parse_args(["compare", "--models", "a", "b"]).models == ["a", "b"]


def test_unknown_options_point_to_the_subcommand_help() -> None:
    err = one_line_error(explorer("usage", PAGES[0], "--what-if-modle", "gpt-5"))
    assert "error: explorer usage: unrecognized arguments: --what-if-modle gpt-5" in err
    assert "did you mean --what-if-model?" in err and "(see explorer usage --help)" in err
    err = one_line_error(explorer("cost", "--bogus"))
    assert "(see explorer cost --help)" in err


# ------------------------------------------------------------------------------------------------ help


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_subcommand_and_option_has_help_and_an_example() -> None:
    parser = build_parser()  # every plugin module loaded, as for `explorer --help`
    subs = _subparsers(parser)
    assert {"prices", "cost", "compare", "audit", "refresh-prices", "tokens", "usage", "caching", "report",
            "dashboard", "completion"} <= set(subs)
    sub_action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helped = {c.dest for c in sub_action._choices_actions if c.help}
    missing = []
    for name, sub in subs.items():
        if name not in helped:
            missing.append(name)
        if f"explorer {name}" not in (sub.epilog or "") or "examples:" not in (sub.epilog or ""):
            missing.append(f"{name}: no example")
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if not action.help:  # argparse.SUPPRESS (a hidden deprecated alias) is a string: allowed
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, missing
    compare_help = " ".join(ok("compare", "--help").stdout.split())
    assert "--requests REQUESTS" in compare_help and "total_usd covers them all" in compare_help


def test_readme_commands_use_options_their_help_lists() -> None:
    import shlex

    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## The command line\n\n```sh\n(.*?)```", readme, re.S)
    assert block is not None
    subs = _subparsers(build_parser())
    for line in block.group(1).replace("\\\n", " ").splitlines():
        if not line.startswith("explorer "):
            continue
        argv = shlex.split(line.split("  #")[0])
        sub = subs[argv[1]]
        shown = sub.format_help()
        for word in argv[2:]:
            for flag in re.findall(r"--[a-z][a-z-]*", word.split("=")[0]):
                assert flag in shown, f"README uses {argv[1]} {flag}, which `explorer {argv[1]} --help` lacks"


# ------------------------------------------------------------------------------------------------ numbers


NOISE = re.compile(r"\d\.\d*(?:0000000|9999999)\d|\de-\d\d")
"""Float noise (0.028250000000000004, 0.30000000000000004, 0.8999999999999999) or exponents (9.9e-05)."""


def test_json_and_csv_money_has_no_float_noise() -> None:
    cost = ok("cost", "--model", "o3", "--input-tokens", "20000", "--cached-tokens", "5000", "--output-tokens", "3000",
              "--reasoning-tokens", "2500", "--service-tier", "flex", "--as-of", "2025-09-01", "--format", "json")
    assert '"total_usd": 0.02825,' in cost.stdout and not NOISE.search(cost.stdout)
    tiny = ok("compare", "--input-tokens", "10", "--output-tokens", "10", "--provider", "openai", "--format", "csv")
    assert not NOISE.search(tiny.stdout)
    usage = ok("usage", *PAGES, "--format", "json")
    assert not NOISE.search(usage.stdout)
    total = json.loads(usage.stdout)["total_usd"]
    assert total == round(total, 10)


def test_compare_names_per_request_and_total_columns() -> None:
    done = ok("compare", "--input-tokens", "1000", "--output-tokens", "100", "--requests", "10", "--model", "gpt-4o",
              "--as-of", "2025-05-16", "--format", "csv")
    header, row = done.stdout.splitlines()[:2]
    values = dict(zip(header.split(","), row.split(","), strict=False))
    assert "input_usd" not in values and "cost_per_request_usd" not in values
    assert float(values["input_usd_per_request"]) == 0.0025 and float(values["output_usd_per_request"]) == 0.001
    assert float(values["usd_per_request"]) == 0.0035 and float(values["total_usd"]) == 0.035


def test_days_are_written_one_way_in_every_json_section() -> None:
    payload = json.loads(ok("usage", *PAGES, str(SAMPLES / "costs.json"), "--by", "day", "--format", "json").stdout)
    days = [r["day"] for r in payload["breakdown"]] + [r["day"] for r in payload["reconciliation"]]
    assert days and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in days), days


def test_text_tables_are_readable_and_unknown_is_unknown(tmp_path: Path) -> None:
    table = ok("usage", *PAGES, "--by", "day").stdout
    assert "38,282,810" in table and "$31.22 " in table
    assert not re.search(r"\$\d+\.\d{3,}", table) and not re.search(r"\d{5,}", table)
    f = tmp_path / "u.csv"
    f.write_text("model,input_tokens,output_tokens\ngpt-4o,1000,500\nmystery-9000,5,5\n")
    usage = ok("usage", str(f), "--skip-unknown").stdout
    mystery = next(line for line in usage.splitlines() if line.startswith("mystery-9000"))
    assert mystery.split()[-1] == "unknown" and "$0.00" not in mystery and "0.0%" not in mystery
    cost = ok("cost", "--usage", str(f), "--skip-unknown").stdout
    assert "NaN" not in cost and "<NA>" not in cost
    assert "unknown" in next(line for line in cost.splitlines() if "mystery-9000" in line)


# ------------------------------------------------------------------------------------------------ report


CHECKED_FIRST = """
import sys
from explorer.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("altair", "vl_convert", "explorer.report", "explorer.charts") if m in sys.modules)
print(code, heavy)
"""


@pytest.mark.parametrize(("args", "message"), [
    (["--scenario", "no-such.yaml", "--out", "r.html"], "error: --scenario: no-such.yaml: file not found"),
    (["--out", "no-such-folder/r.html"], "error: --out: no-such-folder: directory does not exist"),
    (["--scenario", "bad.yaml", "--out", "r.html"], "error: --scenario: bad.yaml, line 2: not valid YAML"),
    (["--scenario", "list.yaml", "--out", "r.html"], "error: --scenario: list.yaml: expected a mapping"),
    (["--model", "gpt-4x", "--out", "r.html"], "error: --model: unknown model 'gpt-4x'; closest known: gpt-4"),
    (["--as-of", "2025-13-01", "--out", "r.html"], "error: --as-of: '2025-13-01' is not a date"),
])
def test_report_checks_its_inputs_before_loading_the_report_machinery(tmp_path: Path, args: list[str],
                                                                     message: str) -> None:
    (tmp_path / "bad.yaml").write_text("name: [unclosed\n")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    done = subprocess.run([sys.executable, "-c", CHECKED_FIRST, "report", *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr
    assert done.stdout.strip() == "2 []"  # exit 2 with nothing heavy imported: under a second, `make bench`
    assert not (tmp_path / "r.html").exists()


def test_report_quiet_is_quiet_and_the_file_gets_a_normal_files_mode(tmp_path: Path) -> None:
    out = tmp_path / "r.html"

    def build(umask: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "explorer", "report", "--model", "gpt-4o", "--model",
                               "openai:gpt-5-mini", "--out", str(out), "--quiet"], capture_output=True, text=True,
                              cwd=ROOT, timeout=300, preexec_fn=lambda: os.umask(umask))

    done = build(0o027)
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")
    assert out.stat().st_mode & 0o777 == 0o640  # 0666 less the umask, as any new file
    out.chmod(0o600)  # a file that exists keeps the mode its owner gave it
    assert build(0o022).returncode == 0 and out.stat().st_mode & 0o777 == 0o600
    assert "gpt-5-mini" in out.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------ README, notebooks


def test_readme_python_examples_run_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks and "explorer.price_usage(df)" in "".join(blocks)
    script = tmp_path / "readme_example.py"
    # each block as written; the last expression of the last block printed, to check it computed something
    script.write_text("\n".join(blocks) + "\nprint(_ := explorer.price_usage(df)['total_usd'].round(6).tolist())\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-800:]
    assert done.stdout.strip().startswith("[0.0075, ")


def test_notebooks_default_to_today_unless_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    import explorer

    for name in ("dashboard", "images", "prices"):
        source = (ROOT / "notebooks" / f"{name}.ipynb").read_text()
        assert 'AS_OF = None' in source and "as_of_day(AS_OF)" in source, name
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        assert not re.search(r'AS_OF = \\"\d{4}-', path.read_text()), f"{path.name} hard-codes its day"
    monkeypatch.delenv("EXPLORER_AS_OF", raising=False)
    assert explorer.as_of_day(None) == dt.date.today().isoformat()
    assert explorer.as_of_day("2025-05-16") == "2025-05-16"
    monkeypatch.setenv("EXPLORER_AS_OF", "2026-11-27")
    assert explorer.as_of_day(None) == "2026-11-27" and explorer.as_of_day("2025-05-16") == "2025-05-16"
    monkeypatch.setenv("EXPLORER_AS_OF", "next tuesday")
    with pytest.raises(ValueError, match="EXPLORER_AS_OF: 'next tuesday' is not a date"):
        explorer.as_of_day(None)
    pinned = re.search(r'NOTEBOOK_AS_OF = "([\d-]+)"', (ROOT / "conftest.py").read_text())
    script = (ROOT / "scripts" / "execute_notebooks.py").read_text()
    assert pinned and f'NOTEBOOK_AS_OF = "{pinned.group(1)}"' in script and 'os.environ["EXPLORER_AS_OF"]' in script


def test_compare_text_ranks_only_the_models_named() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "explorer", "compare", "--chars", "2000", "--output-tokens", "100",
         "--model", "openai:gpt-4o", "--model", "anthropic/claude-sonnet-4-5", "--model", "davinci",
         "--as-of", "2026-11-27", "--format", "json"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert sorted(r["model"] for r in rows) == ["claude-sonnet-4-5", "gpt-4o"]
    text = subprocess.run(
        [sys.executable, "-m", "explorer", "compare", "--chars", "2000", "--output-tokens", "100",
         "--model", "gpt-4o", "--model", "davinci", "--as-of", "2026-11-27"],
        capture_output=True, text=True, timeout=300,
    )
    assert text.returncode == 0, text.stderr
    assert "note: davinci was shut down on 2024-01-04" in text.stdout
    gone = subprocess.run(
        [sys.executable, "-m", "explorer", "compare", "--chars", "2000", "--model", "davinci", "--as-of", "2026-11-27"],
        capture_output=True, text=True, timeout=300,
    )
    assert gone.returncode == 2 and len(gone.stderr.strip().splitlines()) == 1 and "davinci" in gone.stderr
