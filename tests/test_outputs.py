"""Outputs that cannot attack their reader: formula-leading CSV cells neutralised (``--raw`` opts out),
control characters escaped in text output and in error lines."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from explorer import outputs, paths
from explorer.cli import main
from explorer.limits import terminal_safe

EVIL = ["=HYPERLINK(\"http://x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def test_neutralise_formulas_prefixes_text_cells_only() -> None:
    frame = pd.DataFrame({"model": [*EVIL, "gpt-4o", "a=b"], "total_usd": [-1.5] * 6 + [2.0, 3.0]})
    frame["tier"] = pd.Categorical(["=x"] * 8)
    frame["label"] = pd.array(["-y"] * 8, dtype="string")
    out = outputs.neutralise_formulas(frame)
    assert out["model"].tolist() == ["'" + e for e in EVIL] + ["gpt-4o", "a=b"]
    assert out["total_usd"].tolist() == frame["total_usd"].tolist()  # negative numbers stay numbers
    assert set(out["tier"]) == {"'=x"} and set(out["label"]) == {"'-y"}
    assert frame["model"].iloc[0] == EVIL[0], "the input frame is not modified"
    assert outputs.to_csv(pd.DataFrame({"=a": [1]})).startswith("'=a")


def _usage(tmp_path: Path) -> Path:
    f = tmp_path / "u.csv"
    rows = "".join(f'2026-10-01T10:00:00Z,"{m}",10,5\n' for m in ["=1+1", "@cmd", "gpt-4o-mini"])
    f.write_text("timestamp,model,input_tokens,output_tokens\n" + rows)
    return f


@pytest.mark.parametrize("command", ["cost", "usage"])
def test_cli_csv_neutralises_and_raw_opts_out(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    f = _usage(tmp_path)
    argv = ["cost", "--usage", str(f)] if command == "cost" else ["usage", str(f)]
    assert main([*argv, "--skip-unknown", "--format", "csv"]) == 0
    safe = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert {"'=1+1", "'@cmd"} <= set(safe["model"]) and "gpt-4o-mini" in set(safe["model"])
    assert main([*argv, "--skip-unknown", "--format", "csv", "--raw"]) == 0
    raw = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert {"=1+1", "@cmd"} <= set(raw["model"])


def test_text_output_escapes_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "u.csv"
    f.write_text("timestamp,model,input_tokens,output_tokens\n"
                 "2026-10-01T10:00:00Z,\"evil\x1b]0;owned\x07\x1b[2J\",10,5\n")
    assert main(["cost", "--usage", str(f), "--skip-unknown"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "evil\\x1b]0;owned\\x07\\x1b[2J" in out
    assert main(["usage", str(f), "--skip-unknown"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "evil\\x1b" in out


def test_error_lines_escape_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad\x1b[31m.csv"
    f.write_text("not,a\nusage,file\n")
    assert main(["usage", str(f)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "bad\\x1b[31m.csv" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("text", "shown"),
    [("plain", "plain"), ("a\x1bb", "a\\x1bb"), ("bel\x07", "bel\\x07"), ("cr\rx", "cr\\rx"),
     ("c1\x9b31m", "c1\\x9b31m"), ("rtl\u202egnp.exe", "rtl\\u202egnp.exe"), ("café ünï", "café ünï"),
     ("nb\xa0sp", "nb\xa0sp")],
)
def test_terminal_safe(text: str, shown: str) -> None:
    assert terminal_safe(text) == shown


# Every text output path, as a user runs it: nothing a file, folder or model name carries reaches the
# terminal as a control character (stdout and stderr, warnings included).
CONTROL = "evil\x1b]0;owned\x07\x1b[2J"


def _run_cli(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "EXPLORER_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, timeout=300,
                          env=env, cwd=paths.REPO_DIR)


def _assert_escaped(done: subprocess.CompletedProcess[str], shown: str) -> None:
    both = done.stdout + done.stderr
    assert "\x1b" not in both and "\x07" not in both, both[-500:]
    assert shown in both, both[-500:]


def test_tokens_corpus_text_escapes_file_and_folder_names(tmp_path: Path) -> None:
    folder = tmp_path / f"corpus{CONTROL}"
    folder.mkdir()
    (folder / "ok.txt").write_text("hello world\n")
    (folder / f"bin{CONTROL}.dat").write_bytes(b"\x00\x01binary")
    done = _run_cli(["tokens", "--corpus", str(folder), "--model", "gpt-4o", "--no-progress"], tmp_path / "home")
    assert done.returncode == 0, done.stderr[-500:]
    _assert_escaped(done, "bin" + "evil\\x1b]0;owned\\x07\\x1b[2J" + ".dat")


def test_audit_text_escapes_model_names(tmp_path: Path) -> None:
    f = tmp_path / "table.csv"
    f.write_text(f"model,input_usd_per_mtok,output_usd_per_mtok,as_of\n{CONTROL},2.50,10.00,2025-05-16\n")
    done = _run_cli(["audit", str(f)], tmp_path / "home")
    _assert_escaped(done, "evil\\x1b]0;owned\\x07\\x1b[2J")


def test_compare_by_text_escapes_the_file_name(tmp_path: Path) -> None:
    f = tmp_path / f"doc{CONTROL}.txt"
    f.write_text("some text to price " * 20)
    done = _run_cli(["compare", "--text-file", str(f), "--output-tokens", "10", "--limit", "3"], tmp_path / "home")
    assert done.returncode == 0, done.stderr[-500:]
    _assert_escaped(done, "doc" + "evil\\x1b]0;owned\\x07\\x1b[2J" + ".txt")


def test_prices_error_escapes_the_provider_name(tmp_path: Path) -> None:
    done = _run_cli(["prices", "--provider", CONTROL], tmp_path / "home")
    assert done.returncode == 2
    _assert_escaped(done, "evil\\x1b]0;owned\\x07\\x1b[2")  # provider ids are matched lower-cased


def test_report_stdout_escapes_the_output_path(tmp_path: Path) -> None:
    out = tmp_path / f"r{CONTROL}.html"
    done = _run_cli(["report", "--models", "gpt-4o", "--out", str(out)], tmp_path / "home")
    assert done.returncode == 0, done.stderr[-500:]
    _assert_escaped(done, "r" + "evil\\x1b]0;owned\\x07\\x1b[2J" + ".html")


def test_warning_lines_escape_control_characters(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "scenarios").mkdir(parents=True)
    (home / "scenarios" / f"bad{CONTROL}.yaml").write_text("name: [unclosed\n")
    done = _run_cli(["prices", "--changes-since", "2026-08-01", "--scenario", "Support chatbot"], home)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stderr.startswith("warning: skipped scenario file")
    _assert_escaped(done, "bad" + "evil\\x1b]0;owned\\x07\\x1b[2J" + ".yaml")
