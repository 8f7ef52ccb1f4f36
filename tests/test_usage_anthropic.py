"""Anthropic's Admin API usage report and cost report: imported, priced per context window, reconciled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from explorer import cli
from explorer import usage as u

USAGE, COSTS = u.sample_paths("anthropic")


def _report(results: list[dict[str, Any]], **bucket: Any) -> dict[str, Any]:
    b = {"starting_at": "2026-10-20T00:00:00Z", "ending_at": "2026-10-21T00:00:00Z", "results": results, **bucket}
    return {"data": [b], "has_more": False, "next_page": None}


def _result(**over: Any) -> dict[str, Any]:
    r = {"uncached_input_tokens": 1000, "cache_read_input_tokens": 4000,
         "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 200},
         "output_tokens": 500, "server_tool_use": {"web_search_requests": 2}, "api_key_id": None,
         "workspace_id": "wrkspc_a", "model": "claude-sonnet-4-5-20250929", "service_tier": "standard",
         "context_window": "0-200k"}
    r.update(over)
    return r


def test_usage_report_counts_and_prices(tmp_path: Path) -> None:
    p = tmp_path / "report.json"
    p.write_text(json.dumps(_report([_result(), _result(context_window="200k-1M")])))
    usage = u.read_usage(p)
    first = usage.iloc[0]
    assert first["input_tokens"] == 1000 + 4000 + 500  # uncached + reads + writes
    assert (first["cached_input_tokens"], first["cache_write_tokens"], first["cache_write_1h_tokens"]) == (
        4000, 500, 200)
    assert first["web_search_calls"] == 2 and first["project_id"] == "wrkspc_a"
    assert str(first["timestamp"]) == "2026-10-20 00:00:00"
    priced = u.price(usage)
    base = (1000 * 3 + 4000 * 0.3 + 300 * 3.75 + 200 * 6 + 500 * 15) / 1e6 + 2 * 10 / 1e3
    long = (1000 * 6 + 4000 * 0.6 + 300 * 7.5 + 200 * 12 + 500 * 22.5) / 1e6 + 2 * 10 / 1e3
    assert priced["total_usd"].tolist() == pytest.approx([base, long], abs=1e-12)


def test_a_whole_day_is_not_one_long_request(tmp_path: Path) -> None:
    """A bucket's input is many requests: 3M tokens in the 0-200k window is priced at base rates."""
    p = tmp_path / "report.json"
    p.write_text(json.dumps(_report([_result(uncached_input_tokens=3_000_000)])))
    priced = u.price(u.read_usage(p))
    assert priced["input_usd"].iloc[0] == pytest.approx(3_000_000 * 3 / 1e6)


def test_notes_say_what_the_report_lacks(tmp_path: Path) -> None:
    p = tmp_path / "report.json"
    p.write_text(json.dumps(_report([_result(context_window=None)])))
    notes = u.load(p).notes
    assert any("no request counts" in n for n in notes)
    assert any("not grouped by context_window" in n for n in notes)


def test_cost_report_is_cents_and_line_items() -> None:
    billed = u.read_costs(COSTS)
    raw = json.loads(COSTS.read_text())["data"][0]["results"][0]
    assert billed["amount_usd"].iloc[0] == pytest.approx(float(raw["amount"]) / 100)
    assert billed["line_item"].iloc[0] == f"{raw['model']}, input"
    items = set(billed["line_item"])
    assert any(i.endswith(", cache write") for i in items) and any(i.endswith(", web search") for i in items)
    assert "Code Execution Usage" in items


def test_reconcile_finds_the_planted_differences() -> None:
    imported = u.load(USAGE, COSTS)
    check = u.reconcile(u.price(imported.usage), imported.billed)
    flagged = check[check["flagged"]]
    assert [(str(r.day), r.line_item, r.status) for r in flagged.itertuples()] == [
        ("2026-10-19", "claude-sonnet-4-5-20250929, output", "billed more"),
        ("2026-10-21", "code execution usage", "billed only"),
    ]


def test_cli_reconciles(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["usage", str(USAGE), str(COSTS)]) == 0
    captured = capsys.readouterr()
    assert "2 difference(s) beyond tolerance" in captured.out
    assert "!! 2026-10-21 code execution usage" in captured.out.lower()
    assert "no request counts" in captured.err


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_report([_result()], starting_at="yesterday"), "data[0]: starting_at 'yesterday' is not an RFC 3339 time"),
        (_report([_result(model=None)]), "data[0].results[0], column 'model': is empty"),
        (_report([_result(service_tier="flex_discount")]), "unknown service tier 'flex_discount'"),
        (_report([_result(uncached_input_tokens=-1)]), "column 'uncached_input_tokens': -1 is negative"),
        (_report([{"currency": "USD", "amount": "12.x", "model": "m", "token_type": "output_tokens"}]),
         "data[0].results[0]: amount '12.x' is not a number"),
        (_report([{"currency": "EUR", "amount": "12", "model": "m", "token_type": "output_tokens"}]),
         "currency 'EUR': only USD is supported"),
    ],
)
def test_bad_reports_name_the_place(tmp_path: Path, doc: dict[str, Any], message: str) -> None:
    p = tmp_path / "report.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(ValueError) as err:
        imported = u.load(p)
        if imported.usage is not None:
            u.price(imported.usage)
    assert str(err.value).startswith(str(p)) and message in str(err.value)
