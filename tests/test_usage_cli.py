"""``explorer usage``: breakdowns, what-if, reconciliation, formats, and one-line errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer import cli
from explorer import usage as u
from explorer.paths import DATA_DIR

SAMPLES = DATA_DIR / "samples"
PAGES = [str(SAMPLES / "usage_completions_page1.json"), str(SAMPLES / "usage_completions_page2.json")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["usage", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_by_model_with_reconciliation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *PAGES, str(SAMPLES / "costs.json"))
    assert code == 0
    total = u.price(u.read_usage(*PAGES))["total_usd"].sum()
    assert f"total ${total:,.2f} over 224 priced row(s)" in out
    assert out.splitlines()[1].split()[0] == "gpt-5-mini"  # dearest first
    assert "3 difference(s) beyond tolerance" in out
    assert "!! 2026-10-20 ft-gpt-4.1-mini-2025-04-14, training" in out


@pytest.mark.parametrize("by", ["day", "model", "project", "api_key"])
def test_json_has_total_and_breakdown(capsys: pytest.CaptureFixture[str], by: str) -> None:
    code, out, _ = run(capsys, *PAGES, "--by", by, "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["by"] == by
    assert sum(r["total_usd"] for r in payload["breakdown"]) == pytest.approx(payload["total_usd"])
    assert all(by in r for r in payload["breakdown"])


def test_what_if_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys, *PAGES, "--what-if-model", "gpt-4.1-mini", "--what-if-service-tier", "batch", "--format", "json"
    )
    payload = json.loads(out)
    expected = u.what_if(u.read_usage(*PAGES), model="gpt-4.1-mini", service_tier="batch")["total_usd"].sum()
    assert payload["what_if"]["total_usd"] == pytest.approx(expected)
    assert payload["what_if"]["model"] == "gpt-4.1-mini" and payload["what_if"]["service_tier"] == "batch"
    rows = {r["model"]: r for r in payload["breakdown"]}
    assert rows["gpt-4.1"]["change_usd"] < 0


def test_csv_and_request_log(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SAMPLES / "requests.parquet"), "--by", "api_key", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == "api_key,requests,input_tokens,output_tokens,total_usd,share"
    assert len(out.splitlines()) == 4


def test_what_if_as_of_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SAMPLES / "usage_completions.csv"), "--what-if-as-of", "2026-10-20")
    assert code == 0 and "what if as_of=2026-10-20: total $" in out


def test_skip_unknown(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "log.csv"
    p.write_text("model,input_tokens,output_tokens\ngpt-4o-mini,1000,10\ngpt-9-mega,5,5\n")
    code, _, err = run(capsys, str(p))
    assert code == 2 and err.startswith(f"error: {p}, line 3, column 'model': unknown model 'gpt-9-mega'")
    code, out, _ = run(capsys, str(p), "--skip-unknown", "--format", "json")
    payload = json.loads(out)
    assert payload["unpriced_rows"] == 1 and payload["unpriced_models"] == ["gpt-9-mega"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("model,input_tokens\ngpt-4o,1\n", "missing column 'output_tokens'"),
        (
            "model,input_tokens,output_tokens\ngpt-4o,x,1\n",
            "line 2, column 'input_tokens': 'x' is not a number",
        ),
        ("", "empty file"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(content)
    code, out, err = run(capsys, str(p), "--format", "json")
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_only_costs_file_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(SAMPLES / "costs.csv"))
    assert code == 2 and "no usage file" in err


def test_argparse_rejects_unknown_breakdown(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["usage", PAGES[0], "--by", "week"])
    assert info.value.code == 2


def test_usage_is_documented() -> None:
    text = cli.build_parser().format_help()
    assert "usage" in text and "reconcile" in text
