"""The command line: answers, formats, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.cli import main, money


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) if argv and argv[0] == "--help" else _nullcontext():
        code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


def test_seed_example_prints_the_seed_answer(capsys) -> None:
    code, out, _ = run(capsys, "cost", "--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500")
    assert code == 0
    assert "$0.0075" in out


def test_cost_json_has_total_and_components(capsys) -> None:
    code, out, _ = run(capsys, "cost", "--model", "gpt-5", "--input-tokens", "10000", "--cached-tokens", "4000",
                       "--output-tokens", "2000", "--reasoning-tokens", "1500", "--format", "json",
                       "--as-of", "2026-11-27")
    data = json.loads(out)
    assert code == 0
    assert data["total_usd"] == pytest.approx(0.0075 + 0.0005 + 0.005 + 0.015)
    assert data["input_usd"] == pytest.approx(0.0075)
    assert data["cached_input_usd"] == pytest.approx(0.0005)
    assert data["reasoning_usd"] == pytest.approx(0.015)
    assert data["output_usd"] == pytest.approx(0.005)
    assert data["resolved_model"] == "gpt-5"


def test_cost_service_tier_and_as_of(capsys) -> None:
    _, out, _ = run(capsys, "cost", "--model", "o3", "--input-tokens", "1000000", "--output-tokens", "0",
                    "--service-tier", "batch", "--as-of", "2025-05-16", "--format", "json")
    assert json.loads(out)["total_usd"] == pytest.approx(5.0)


def test_cost_usage_file(capsys, tmp_path: Path) -> None:
    f = tmp_path / "u.csv"
    f.write_text("model,input_tokens,output_tokens,timestamp\ngpt-4o,1000,500,2025-05-16\no3,1000000,0,2025-07-01\n")
    code, out, _ = run(capsys, "cost", "--usage", str(f), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["total_usd"] == pytest.approx(0.0075 + 2.0)
    assert [r["total_usd"] for r in data["rows"]] == pytest.approx([0.0075, 2.0])
    assert [r["line"] for r in data["rows"]] == [2, 3]
    code, out, _ = run(capsys, "cost", "--usage", str(f), "--format", "csv")
    assert out.splitlines()[0].endswith("total_usd")


def test_cost_usage_jsonl_and_skip_unknown(capsys, tmp_path: Path) -> None:
    f = tmp_path / "u.jsonl"
    f.write_text('{"model": "gpt-4o", "input_tokens": 1000, "output_tokens": 500, "timestamp": "2025-05-16"}\n'
                 '{"model": "mystery-9000", "input_tokens": 5, "output_tokens": 5}\n')
    code, _, err = run(capsys, "cost", "--usage", str(f))
    assert code == 2
    assert "u.jsonl, line 2, column 'model': unknown model 'mystery-9000'" in err
    code, out, _ = run(capsys, "cost", "--usage", str(f), "--skip-unknown")
    assert code == 0
    assert "1 row(s) NOT priced" in out and "mystery-9000" in out


def test_compare_ranks_and_leaves_out_small_windows(capsys) -> None:
    code, out, _ = run(capsys, "compare", "--input-tokens", "300000", "--output-tokens", "1000", "--provider", "openai",
                       "--format", "json", "--as-of", "2026-11-27")
    data = json.loads(out)
    assert code == 0
    totals = [r["total_usd"] for r in data["rows"]]
    assert totals == sorted(totals)
    models = {r["model"] for r in data["rows"]}
    assert "gpt-4o" not in models  # 128k window
    assert "gpt-4.1" in models  # 1M window
    assert all(r["fits_context"] in (True, None) for r in data["rows"])


def test_compare_requests_multiply(capsys) -> None:
    _, out, _ = run(capsys, "compare", "--input-tokens", "1000", "--output-tokens", "500", "--requests", "1000",
                    "--provider", "openai", "--format", "json", "--as-of", "2025-05-16")
    row = next(r for r in json.loads(out)["rows"] if r["model"] == "gpt-4o")
    assert row["total_usd"] == pytest.approx(7.5)


def test_prices_filters_and_formats(capsys) -> None:
    code, out, _ = run(capsys, "prices", "--provider", "openai", "--model", "gpt-4o-mini", "--as-of", "2025-05-16")
    assert code == 0 and "gpt-4o-mini" in out and "prices in force on 2025-05-16" in out
    _, out, _ = run(capsys, "prices", "--provider", "anthropic", "--format", "json")
    rows = json.loads(out)["rows"]
    assert rows and {r["provider"] for r in rows} == {"anthropic"}


def test_audit_command(capsys) -> None:
    code, out, _ = run(capsys, "audit", "data/seed_2025-05-16.csv")
    assert code == 1  # findings: three wrong rows
    assert "7 ok, 3 wrong" in out
    _, out, _ = run(capsys, "audit", "data/seed_2025-05-16.csv", "--format", "json")
    assert json.loads(out)["counts"] == {"ok": 7, "wrong": 3}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cost", "--model", "gpt4o", "--input-tokens", "1", "--output-tokens", "1"], "closest known: gpt-4o"),
        (["cost", "--model", "gpt-4o", "--input-tokens", "1"], "missing --output-tokens"),
        (["cost", "--model", "gpt-4o", "--input-tokens", "10", "--output-tokens", "1", "--cached-tokens", "20"],
         "cached_input_tokens 20 exceeds input_tokens 10"),
        (["cost", "--model", "gpt-4o", "--input-tokens", "1", "--output-tokens", "1", "--as-of", "2025-02-30"],
         "as_of: '2025-02-30' is not a date"),
        (["cost", "--usage", "no/such/file.csv"], "no/such/file.csv: file not found"),
        (["prices", "--provider", "opnai"], "provider: unknown 'opnai'"),
        (["audit", "no-such.csv"], "no-such.csv: file not found"),
        (["cost", "--model", "gpt-4o", "--input-tokens", "1", "--output-tokens", "1", "--overrides", "nope.csv"],
         "nope.csv: file not found"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv: list[str], message: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_argparse_errors_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["cost", "--input-tokens", "-5"])
    assert exc.value.code == 2
    assert "negative" in capsys.readouterr().err


@pytest.mark.parametrize("entry", [["explorer"], [sys.executable, "-m", "explorer"]])
def test_console_script_and_module(entry: list[str]) -> None:
    exe = Path(sys.executable).parent / "explorer"
    cmd = [str(exe)] if entry == ["explorer"] else entry
    done = subprocess.run([*cmd, "cost", "--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500",
                           "--as-of", "2025-05-16"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "$0.0075" in done.stdout
    bad = subprocess.run([*cmd, "cost", "--model", "nope-model", "--input-tokens", "1", "--output-tokens", "1"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr


@pytest.mark.parametrize(("x", "text"), [(0.0075, "$0.0075"), (1.5, "$1.50"), (1234.5, "$1,234.50"), (0, "$0.00")])
def test_money(x: float, text: str) -> None:
    assert money(x) == text


def test_overrides_are_marked_in_every_command(capsys, tmp_path: Path) -> None:
    ov = tmp_path / "ov.csv"
    ov.write_text("model,input_usd_per_mtok,output_usd_per_mtok,note\ngpt-4o,1,1,deal\n")
    _, out, _ = run(capsys, "compare", "--input-tokens", "1000", "--output-tokens", "500", "--provider", "openai",
                    "--overrides", str(ov))
    assert "gpt-4o [OVERRIDE]" in out
    _, out, _ = run(capsys, "cost", "--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500",
                    "--overrides", str(ov))
    assert "[OVERRIDE]" in out and "$0.0015" in out
    _, out, _ = run(capsys, "prices", "--provider", "openai", "--model", "gpt-4o", "--overrides", str(ov))
    assert "OVERRIDE" in out
