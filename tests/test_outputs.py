"""Outputs that cannot attack their reader: formula-leading CSV cells neutralised (``--raw`` opts out),
control characters escaped in text output and in error lines."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from explorer import outputs
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
