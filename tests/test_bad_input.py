
"""The bad-input corpus (issue 8): every way a user can hand the explorer something wrong.

Each case is one row of :data:`CASES`: a readable id, its class of bad input, the files it needs, the
call (the CLI in-process, the CLI as a real process, or a Python function), and the substrings the
error must contain to name the culprit (file, line/row, column/field, model). For every case:

- the error is ONE line (no newline in the message); on the CLI, stderr is exactly one line starting
  with ``error: ``, the exit code is 2, stdout is empty and there is no traceback;
- every file that existed before (the case's files, the repo's ``data/``, the user's explorer home) is
  byte-for-byte unchanged afterwards, and no new file (a stray temporary, a half-written copy) appeared;
- every case runs under a memory limit (:data:`MEMORY_HEADROOM_BYTES` of address space over what the
  process already maps; a real process gets :data:`PROCESS_MEMORY_BYTES`) and a time limit
  (:data:`TIME_LIMIT_S`), so a case that would take the machine down (an alias bomb, 100 million Parquet
  rows, an endless stream) fails as a test instead.

Adding a case is one line in :data:`CASES`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import explorer
from explorer import images, paths, prices, report, scenarios, token_lab, tokens
from explorer import usage as u
from explorer.refresh import refresh_prices

REPO = paths.REPO_DIR
EXPLORER_BIN = Path(sys.executable).with_name("explorer")

# ------------------------------------------------------------------------------------------------ files

DIR = object()
"""A files-map value meaning "create a directory here" (for directory-where-a-file-is-expected cases)."""

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + bytes(16)


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("usage.csv", "timestamp,model,input_tokens,output_tokens\n")
    return buf.getvalue()


ZIP = _zip_bytes()

# A request log: line 2 is fine, the bad row (if any) is line 3.
LOG_HEAD = "timestamp,model,input_tokens,cached_input_tokens,output_tokens\n"
LOG_OK = "2026-10-01T10:00:00Z,gpt-4o-mini,1000,200,50\n"


def log(*rows: str) -> str:
    return LOG_HEAD + LOG_OK + "".join(r + "\n" for r in rows)


def jsonl(*rows: Mapping[str, Any]) -> str:
    ok = {"timestamp": "2026-10-01T10:00:00Z", "model": "gpt-4o-mini", "input_tokens": 1000, "output_tokens": 50}
    return "".join(json.dumps(r) + "\n" for r in (ok, *rows))


# An aggregated Usage export in CSV form (has num_model_requests): one line per bucket and grouping.
EXPORT_HEAD = "start_time_iso,model,project_id,num_model_requests,input_tokens,output_tokens\n"
EXPORT_ROW = "2026-10-01T00:00:00+00:00,gpt-4o-mini,proj_a,10,1000,100\n"


def result(**over: Any) -> dict[str, Any]:
    r: dict[str, Any] = {
        "object": "organization.usage.completions.result", "input_tokens": 1000, "input_cached_tokens": 0,
        "output_tokens": 100, "num_model_requests": 3, "model": "gpt-4o-mini", "project_id": "proj_a",
        "user_id": None, "api_key_id": None, "batch": False, "service_tier": None,
    }
    r.update(over)
    return r


def page(*results: Mapping[str, Any], start: Any = 1_790_812_800, end: Any = 1_790_899_200) -> str:
    bucket = {"object": "bucket", "start_time": start, "end_time": end, "results": list(results)}
    return json.dumps({"object": "page", "data": [bucket], "has_more": False, "next_page": None})


OVR_HEAD = "model,input_usd_per_mtok,output_usd_per_mtok\n"
OVR_OK = "gpt-4o,2.0,8.0\n"
AUDIT_HEAD = "model,input_usd_per_mtok,output_usd_per_mtok,as_of\n"
AUDIT_OK = "gpt-4o,2.50,10.00,2025-05-16\n"
SCEN = "name: test workload\nmodels: [gpt-4o, gpt-4o-mini]\ninput_tokens_per_request: 1000\n"
MESSAGES = '[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]'
REFRESH_TRUNCATED = '[{"id": "openai", "name": "OpenAI", "models": [{"id": "gpt-4o", "match": '

# ------------------------------------------------------------------------------------------------ cases


@dataclass(frozen=True)
class Case:
    id: str
    """Readable test id."""
    cls: str
    """Class of bad input (the report counts cases per class)."""
    expect: tuple[str, ...]
    """Substrings the one-line error must contain (the culprit: file, line/row, column, model, ...)."""
    files: Mapping[str, str | bytes | object] = field(default_factory=dict)
    """Files to create in tmp_path first: text (UTF-8), bytes (as is) or :data:`DIR`."""
    argv: tuple[str, ...] | None = None
    """CLI arguments; ``@name`` is the path of tmp_path/name."""
    process: bool = False
    """Run the CLI as a real process (``.venv/bin/explorer``) instead of in-process."""
    call: Callable[[Ctx], Any] | None = None
    """A Python call that must raise a one-line ValueError."""
    xfail: str | None = None
    """Why the case fails today, and in which file the fix belongs (strict xfail)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Extra environment for a real-process case (e.g. a lowered limit)."""


@dataclass
class Ctx:
    """What a Python-call case gets: paths in its tmp dir, and a shared dashboard."""

    tmp: Path
    dashboard_factory: Callable[[], Any]

    def p(self, name: str) -> str:
        return str(self.tmp / name)

    def text(self, name: str) -> str:
        return (self.tmp / name).read_text(encoding="utf-8")

    @property
    def dashboard(self) -> Any:
        return self.dashboard_factory()


def cli(id: str, cls: str, argv: Sequence[str], expect: Sequence[str], files: Mapping[str, Any] | None = None,
        *, process: bool = False, xfail: str | None = None, env: Mapping[str, str] | None = None) -> Case:
    return Case(id, cls, tuple(expect), dict(files or {}), argv=tuple(argv), process=process, xfail=xfail,
                env=dict(env or {}))


def api(id: str, cls: str, call: Callable[[Ctx], Any], expect: Sequence[str],
        files: Mapping[str, Any] | None = None, *, xfail: str | None = None) -> Case:
    return Case(id, cls, tuple(expect), dict(files or {}), call=call, xfail=xfail)


def frame(**cols: Any) -> pd.DataFrame:
    """A usage frame indexed 1..n (how price_usage names rows)."""
    df = pd.DataFrame(cols)
    df.index = pd.RangeIndex(1, len(df) + 1)
    return df


def upload(name: str, content: bytes | str) -> list[dict[str, Any]]:
    """The value of an ipywidgets.FileUpload holding one file."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return [{"name": name, "content": memoryview(data), "size": len(data), "type": ""}]


def yaml_scenario(**fields: str) -> str:
    return SCEN + "".join(f"{k}: {v}\n" for k, v in fields.items())


# Hostile inputs (issue 19): small files that would take the machine down without the limits.
def alias_bomb(levels: int = 9) -> str:
    """A 500-byte YAML whose aliases expand to 9**10 strings."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\nname: x\nmodels: *a{levels}\n"


DEEP = "[" * 100_000 + "]" * 100_000
"""Brackets nested 100,000 deep: a RecursionError in any recursive parser."""


def many_rows_parquet(rows: int = 100_000_000) -> Callable[[Path], None]:
    """A Parquet request log of ``rows`` identical rows (about 1 MB on disk, gigabytes in memory),
    written one row group at a time so that building it stays small."""

    def write(path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        group = 1_000_000
        table = pa.table({
            "timestamp": pa.array(["2026-10-01T10:00:00Z"] * group).dictionary_encode(),
            "model": pa.array(["gpt-4o-mini"] * group).dictionary_encode(),
            "input_tokens": pa.array([1000] * group, pa.int64()),
            "output_tokens": pa.array([50] * group, pa.int64()),
        })
        with pq.ParquetWriter(path, table.schema, compression="zstd") as w:
            for _ in range(rows // group):
                w.write_table(table)

    return write


def big_csv(mb: int) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        row = LOG_OK
        with path.open("w") as fh:
            fh.write(LOG_HEAD)
            fh.write(row * (mb * 1024 * 1024 // len(row) + 1))

    return write


def genai_payload(**price_overrides: Any) -> str:
    """genai-prices data with enough OpenAI models to pass the sanity check; ``price_overrides`` go into the
    last model's prices."""
    models = [{"id": f"test-model-{i}", "match": {"equals": f"test-model-{i}"},
               "prices": {"input_mtok": 1, "output_mtok": 2}} for i in range(25)]
    models[-1]["prices"].update(price_overrides)
    return json.dumps([{"id": "openai", "name": "OpenAI", "api_pattern": "https://api\\.openai\\.com",
                        "models": models}])


def page_nested_deep() -> str:
    return '{"object": "page", "data": ' + DEEP + "}"


NAN = float("nan")
sc = scenarios
D = "d"  # a directory name used in several cases

CASES: list[Case] = [
    # -- unknown and misspelt models: the message names the closest known models
    cli("cli-cost-misspelt-model", "model", ["cost", "--model", "gpt-4oo", "--input-tokens", "10", "--output-tokens", "5"],
        ["'gpt-4oo'", "closest known", "gpt-4o"]),
    cli("cli-cost-misspelt-rival-model", "model", ["cost", "--model", "claude-sonet-4-5", "--input-tokens", "1", "--output-tokens", "1"],
        ["'claude-sonet-4-5'", "claude-sonnet-4-5"]),
    cli("cli-cost-usage-misspelt-model", "model", ["cost", "--usage", "@u.csv"], ["u.csv", "line 3", "'gtp-4o-mini'", "gpt-4o-mini"],
        {"u.csv": log("2026-10-01T11:00:00Z,gtp-4o-mini,10,0,5")}),
    cli("cli-usage-jsonl-misspelt-model", "model", ["usage", "@u.jsonl"], ["u.jsonl", "line 2", "'gpt-5-mimi'", "gpt-5-mini"],
        {"u.jsonl": jsonl({"model": "gpt-5-mimi", "input_tokens": 5, "output_tokens": 1})}),
    cli("cli-usage-what-if-misspelt", "model", ["usage", "@u.csv", "--what-if-model", "gtp-5"], ["--what-if-model", "'gtp-5'", "gpt-5"],
        {"u.csv": log()}),
    api("what_if-misspelt-target", "model", lambda c: u.what_if(u.read_usage(c.p("u.csv")), model="gpt-4.1-mimi"), ["model:", "gpt-4.1-mini"],
        {"u.csv": log()}),
    cli("cli-tokens-misspelt-model", "model", ["tokens", "--model", "gpt-4o-minii", "hello"], ["'gpt-4o-minii'", "gpt-4o-mini"]),
    cli("cli-prices-misspelt-provider", "model", ["prices", "--provider", "opneai"], ["provider", "'opneai'", "openai"]),
    cli("proc-cost-unknown-model", "model", ["cost", "--model", "gpt-9-ultra", "--input-tokens", "1", "--output-tokens", "1"],
        ["'gpt-9-ultra'"], process=True),
    api("cost_of-misspelt", "model", lambda c: explorer.cost_of("gpt4o-mini", 100, 10), ["model", "'gpt4o-mini'", "gpt-4o-mini"]),
    api("price_usage-misspelt", "model", lambda c: explorer.price_usage(frame(model=["gpt-4o", "o4-minni"], input_tokens=[1, 2], output_tokens=[1, 1])),
        ["row 2", "column 'model'", "'o4-minni'", "o4-mini"]),
    api("load_prices-misspelt-provider", "model", lambda c: explorer.load_prices(provider="antropic"), ["'antropic'", "anthropic"]),
    api("count_text-misspelt", "model", lambda c: tokens.count_text("hi", model="gpt-4.1-nanoo"), ["'gpt-4.1-nanoo'", "gpt-4.1-nano"]),
    api("count_text-unknown-encoding", "model", lambda c: tokens.count_text("hi", encoding="o300k_base"), ["'o300k_base'", "o200k_base"]),
    api("image_tokens-misspelt", "model", lambda c: images.image_tokens(512, 512, model="gpt-4o-mino"), ["'gpt-4o-mino'", "gpt-4o-mini"]),
    api("report-misspelt-model", "model", lambda c: report.build_report(c.p("r.html"), models=["gpt-4oo"]), ["'gpt-4oo'", "gpt-4o"]),
    api("token_lab-cost_table-misspelt", "model", lambda c: token_lab.cost_table("hi", ["gpt-4o", "gpt-5-nanoo"], as_of="2025-10-01"),
        ["'gpt-5-nanoo'", "gpt-5-nano"]),
    api("dashboard-scenario-misspelt", "model", lambda c: c.dashboard.load_scenario(sc.Scenario("x", models=("gpt-4.1-minii",))),
        ["'gpt-4.1-minii'", "gpt-4.1-mini"]),
    api("upload-misspelt-model", "model", lambda c: u.price(u.load_uploaded(upload("log.csv", log("2026-10-01T11:00:00Z,gpt4o,1,0,1"))).usage),
        ["log.csv", "line 3", "'gpt4o'", "gpt-4o"]),

    # -- negative, NaN, fractional, huge and non-numeric token counts
    cli("cli-usage-negative", "counts", ["usage", "@u.csv"], ["u.csv", "line 3", "'input_tokens'", "negative"],
        {"u.csv": log("2026-10-01T11:00:00Z,gpt-4o-mini,-10,0,5")}),
    cli("cli-usage-nan", "counts", ["usage", "@u.csv"], ["u.csv", "line 3", "'output_tokens'"],
        {"u.csv": log("2026-10-01T11:00:00Z,gpt-4o-mini,10,0,NaN")}),
    cli("cli-usage-fractional", "counts", ["usage", "@u.csv"], ["u.csv", "line 3", "'cached_input_tokens'", "whole number"],
        {"u.csv": log("2026-10-01T11:00:00Z,gpt-4o-mini,10,2.5,5")}),
    cli("cli-usage-huge", "counts", ["usage", "@u.csv"], ["u.csv", "line 3", "'input_tokens'", "implausibly large"],
        {"u.csv": log("2026-10-01T11:00:00Z,gpt-4o-mini,1e20,0,5")}),
    cli("cli-usage-jsonl-text-count", "counts", ["usage", "@u.jsonl"], ["u.jsonl", "line 2", "'output_tokens'", "'many'"],
        {"u.jsonl": jsonl({"model": "gpt-4o", "input_tokens": 5, "output_tokens": "many"})}),
    cli("cli-usage-cached-over-input", "counts", ["usage", "@u.csv"], ["u.csv", "line 3", "'cached_input_tokens'", "exceeds input_tokens"],
        {"u.csv": log("2026-10-01T11:00:00Z,gpt-4o-mini,10,20,5")}),
    cli("cli-cost-usage-negative", "counts", ["cost", "--usage", "@u.csv"], ["u.csv", "line 3", "'output_tokens'", "negative"],
        {"u.csv": log("2026-10-01T11:00:00Z,gpt-4o-mini,10,0,-5")}),
    cli("cli-cost-negative-flag", "counts", ["cost", "--model", "gpt-4o", "--input-tokens", "-5", "--output-tokens", "1"],
        ["--input-tokens", "negative"]),
    cli("cli-cost-text-flag", "counts", ["cost", "--model", "gpt-4o", "--input-tokens", "10", "--output-tokens", "lots"],
        ["--output-tokens", "'lots'"]),
    cli("proc-usage-negative", "counts", ["usage", "@u.csv"], ["u.csv", "line 3", "'input_tokens'", "negative"],
        {"u.csv": log("2026-10-01T11:00:00Z,gpt-4o-mini,-1,0,5")}, process=True),
    api("cost_of-negative", "counts", lambda c: explorer.cost_of("gpt-4o", -1, 5), ["input_tokens", "negative"]),
    api("cost_of-nan", "counts", lambda c: explorer.cost_of("gpt-4o", 10, NAN), ["output_tokens", "NaN"]),
    api("cost_of-fractional", "counts", lambda c: explorer.cost_of("gpt-4o", 10.5, 5), ["input_tokens", "10.5", "whole number"]),
    api("cost_of-huge", "counts", lambda c: explorer.cost_of("gpt-4o", 10**18, 5), ["input_tokens", "implausibly large"]),
    api("cost_of-text", "counts", lambda c: explorer.cost_of("gpt-4o", "ten", 5), ["input_tokens", "'ten'"]),
    api("price_usage-reasoning-over-output", "counts",
        lambda c: explorer.price_usage(frame(model=["o3"], input_tokens=[1], output_tokens=[5], reasoning_tokens=[9])),
        ["row 1", "reasoning_tokens", "exceeds output_tokens"]),
    api("load-json-page-negative", "counts", lambda c: u.load(c.p("p.json")), ["p.json", "data[0].results[0]", "'output_tokens'", "negative"],
        {"p.json": page(result(output_tokens=-3))}),
    api("price_file-fractional", "counts", lambda c: u.price_file(c.p("u.csv")), ["u.csv", "line 3", "'input_tokens'", "whole number"],
        {"u.csv": log("2026-10-01T11:00:00Z,gpt-4o-mini,7.25,0,5")}),
    api("image_tokens-negative", "counts", lambda c: images.image_tokens(-512, 512, model="gpt-4o"), ["width_px", "-512"]),
    api("image_tokens-fractional", "counts", lambda c: images.image_tokens(512, 511.5, model="gpt-4o"), ["height_px", "511.5"]),
    api("image_tokens-nan", "counts", lambda c: images.image_tokens(NAN, 512, model="gpt-4o"), ["width_px", "nan"]),
    api("token_lab-requests-zero", "counts", lambda c: token_lab.cost_table("hi", ["gpt-4o"], as_of="2025-10-01", requests=0), ["requests", "0"]),
    api("scenario-negative-tokens", "counts", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "'output_tokens_per_request'", "negative"],
        {"s.yaml": yaml_scenario(output_tokens_per_request="-5")}),
    api("scenario-nan-share", "counts", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "'cached_input_share'", "finite"],
        {"s.yaml": yaml_scenario(cached_input_share=".nan")}),
    api("scenario-fractional-tokens", "counts", lambda c: sc.load_scenario(c.p("s.json")), ["s.json", "'input_tokens_per_request'", "whole number"],
        {"s.json": json.dumps({"name": "x", "input_tokens_per_request": 10.5})}),
    api("scenario-text-requests", "counts", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "'requests_per_month'", "'lots'"],
        {"s.yaml": yaml_scenario(requests_per_month="lots")}),
    api("scenario-huge-tokens", "counts", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "'output_tokens_per_request'", "implausibly large"],
        {"s.yaml": yaml_scenario(output_tokens_per_request="1.0e+30")}),
    api("scenario-huge-requests", "counts", lambda c: sc.load_scenario(c.p("s.json")), ["s.json", "'requests_per_month'", "implausibly large"],
        {"s.json": json.dumps({"name": "x", "requests_per_month": 1e300})}),

    # -- malformed or out-of-range dates (before 2020-06-11, in the future)
    cli("cli-prices-before-api", "dates", ["prices", "--as-of", "2019-01-01"], ["as_of", "2019-01-01", "before the first API prices"]),
    cli("cli-cost-future", "dates", ["cost", "--model", "gpt-4o", "--input-tokens", "1", "--output-tokens", "1", "--as-of", "2999-01-01"],
        ["as_of", "2999-01-01", "future"]),
    cli("cli-prices-malformed", "dates", ["prices", "--as-of", "2024-13-45"], ["as_of", "'2024-13-45'", "not a date"]),
    cli("cli-usage-what-if-as-of-early", "dates", ["usage", "@u.csv", "--what-if-as-of", "2020-01-01"], ["--what-if-as-of", "2020-01-01", "before the first API prices"],
        {"u.csv": log()}),
    cli("cli-usage-row-before-api", "dates", ["usage", "@u.csv"], ["u.csv", "line 3", "'timestamp'", "before the first API prices"],
        {"u.csv": log("2020-03-01T00:00:00Z,gpt-4o-mini,10,0,5")}),
    cli("cli-usage-row-future", "dates", ["usage", "@u.csv"], ["u.csv", "line 3", "'timestamp'", "future"],
        {"u.csv": log("2099-01-01T00:00:00Z,gpt-4o-mini,10,0,5")}),
    cli("cli-usage-row-malformed", "dates", ["usage", "@u.csv"], ["u.csv", "line 3", "'timestamp'", "'2026-02-30'"],
        {"u.csv": log("2026-02-30,gpt-4o-mini,10,0,5")}),
    cli("proc-prices-future", "dates", ["prices", "--as-of", "2100-01-01"], ["2100-01-01", "future"], process=True),
    api("load_prices-malformed", "dates", lambda c: explorer.load_prices("yesterday"), ["as_of", "'yesterday'"]),
    api("load-page-text-start-time", "dates", lambda c: u.load(c.p("p.json")), ["p.json", "data[0]", "start_time"],
        {"p.json": page(result(), start="2026-10-01")}),
    api("load-costs-csv-bad-day", "dates", lambda c: u.load(c.p("u.csv"), c.p("costs.csv")), ["costs.csv", "line 2", "'day'", "'01/13/2026x'"],
        {"u.csv": log(), "costs.csv": "start_time_iso,line_item,amount_value\n01/13/2026x,\"gpt-4o-mini, input\",0.5\n"}),
    api("overrides-malformed-valid_from", "dates", lambda c: explorer.load_overrides(c.p("o.csv")), ["o.csv", "line 2", "'valid_from'", "'2025/13/01'"],
        {"o.csv": "model,input_usd_per_mtok,output_usd_per_mtok,valid_from\ngpt-4o,1,2,2025/13/01\n"}),
    api("audit-malformed-as_of", "dates", lambda c: explorer.audit_file(c.p("a.csv")), ["a.csv", "line 3", "'as_of'", "'May 2025'"],
        {"a.csv": AUDIT_HEAD + AUDIT_OK + "gpt-4o-mini,0.15,0.60,May 2025\n"}),
    api("audit-as_of-before-api", "dates", lambda c: explorer.audit_file(c.p("a.csv")), ["a.csv", "line 3", "'as_of'", "before the first API prices"],
        {"a.csv": AUDIT_HEAD + AUDIT_OK + "gpt-4o-mini,0.15,0.60,2019-05-16\n"}),
    api("audit-as_of-future", "dates", lambda c: explorer.audit_file(c.p("a.csv")), ["a.csv", "line 2", "'as_of'", "future"],
        {"a.csv": AUDIT_HEAD + "gpt-4o,2.50,10.00,2999-05-16\n"}),
    api("scenario-as_of-before-api", "dates", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "'as_of'", "before the first API prices"],
        {"s.yaml": yaml_scenario(as_of="'2019-12-31'")}),
    api("scenario-as_of-future", "dates", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "'as_of'", "future"],
        {"s.yaml": yaml_scenario(as_of="2999-01-01")}),
    api("scenario-as_of-malformed", "dates", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "'as_of'", "not a date"],
        {"s.yaml": yaml_scenario(as_of="'2025-02-30'")}),
    api("report-as_of-before-api", "dates", lambda c: report.build_report(c.p("r.html"), as_of="1999-01-01"), ["as_of", "1999-01-01"]),

    # -- empty files
    cli("cli-usage-empty-csv", "empty", ["usage", "@u.csv"], ["u.csv", "empty"], {"u.csv": ""}),
    cli("cli-cost-usage-empty", "empty", ["cost", "--usage", "@u.csv"], ["u.csv", "empty"], {"u.csv": ""}),
    cli("cli-audit-empty", "empty", ["audit", "@a.csv"], ["a.csv", "empty"], {"a.csv": ""}),
    api("load-empty-json", "empty", lambda c: u.load(c.p("u.json")), ["u.json", "empty"], {"u.json": "  \n"}),
    api("overrides-empty", "empty", lambda c: explorer.load_overrides(c.p("o.csv")), ["o.csv", "empty"], {"o.csv": ""}),
    api("scenario-empty-yaml", "empty", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "empty"], {"s.yaml": ""}),
    api("scenario-empty-json", "empty", lambda c: sc.load_scenario(c.p("s.json")), ["s.json", "empty"], {"s.json": "\n"}),
    api("refresh-empty", "empty", lambda c: refresh_prices(source_file=c.p("prices.json")), ["prices.json", "empty"], {"prices.json": ""}),
    api("messages-empty", "empty", lambda c: tokens.messages_from_json(c.text("m.json"), where=c.p("m.json")), ["m.json", "empty"], {"m.json": ""}),
    api("upload-empty", "empty", lambda c: u.load_uploaded(upload("usage.csv", b"")), ["usage.csv", "empty"]),

    # -- header-only files
    cli("cli-usage-header-only", "header-only", ["usage", "@u.csv"], ["u.csv", "header only"], {"u.csv": LOG_HEAD}),
    cli("cli-cost-usage-header-only", "header-only", ["cost", "--usage", "@u.csv"], ["u.csv", "header only"], {"u.csv": LOG_HEAD}),
    api("overrides-header-only", "header-only", lambda c: explorer.load_overrides(c.p("o.csv")), ["o.csv", "header only"], {"o.csv": OVR_HEAD}),
    api("audit-header-only", "header-only", lambda c: explorer.audit_file(c.p("a.csv")), ["a.csv", "header only"], {"a.csv": AUDIT_HEAD}),
    api("costs-csv-header-only", "header-only", lambda c: u.load(c.p("u.csv"), c.p("costs.csv")), ["costs.csv", "header only"],
        {"u.csv": log(), "costs.csv": "start_time_iso,line_item,amount_value\n"}),
    api("corpus-csv-header-only", "header-only", lambda c: tokens.count_corpus(c.p("c.csv"), model="gpt-4o", column="text", progress=False),
        ["c.csv", "header only"], {"c.csv": "id,text\n"}),

    # -- wrong delimiters
    cli("cli-usage-semicolons", "delimiter", ["usage", "@u.csv"], ["u.csv", "';'-separated"], {"u.csv": log().replace(",", ";")}),
    cli("cli-usage-tabs", "delimiter", ["usage", "@u.csv"], ["u.csv", "'\\t'-separated"], {"u.csv": log().replace(",", "\t")}),
    cli("cli-cost-usage-semicolons", "delimiter", ["cost", "--usage", "@u.csv"], ["u.csv", "';'-separated"], {"u.csv": log().replace(",", ";")}),
    api("overrides-semicolons", "delimiter", lambda c: explorer.load_overrides(c.p("o.csv")), ["o.csv", "line 1", "';'-separated"],
        {"o.csv": (OVR_HEAD + OVR_OK).replace(",", ";")}),
    api("audit-tabs", "delimiter", lambda c: explorer.audit_file(c.p("a.csv")), ["a.csv", "line 1"], {"a.csv": (AUDIT_HEAD + AUDIT_OK).replace(",", "\t")}),
    api("corpus-csv-semicolons", "delimiter", lambda c: tokens.count_corpus(c.p("c.csv"), model="gpt-4o", column="text", progress=False),
        ["c.csv", "'text'", "';'-separated"], {"c.csv": "id;text\n1;hello\n"}),

    # -- missing and extra columns (extra columns pass through usage logs: see test_usage_extra_columns_pass_through)
    cli("cli-usage-missing-output", "columns", ["usage", "@u.csv"], ["u.csv", "'output_tokens'", "missing"],
        {"u.csv": "timestamp,model,input_tokens\n2026-10-01,gpt-4o,5\n"}),
    cli("cli-usage-missing-model-jsonl", "columns", ["usage", "@u.jsonl"], ["u.jsonl", "'model'", "missing"],
        {"u.jsonl": '{"input_tokens": 5, "output_tokens": 1}\n'}),
    cli("cli-usage-misnamed-column", "columns", ["usage", "@u.csv"], ["u.csv", "'output_tokens'", "'output_tokenz'"],
        {"u.csv": "timestamp,model,input_tokens,output_tokenz\n2026-10-01,gpt-4o,5,1\n"}),
    cli("cli-audit-missing-as_of", "columns", ["audit", "@a.csv"], ["a.csv", "'as_of'", "missing"],
        {"a.csv": "model,input_usd_per_mtok,output_usd_per_mtok\ngpt-4o,2.5,10\n"}),
    cli("cli-audit-extra-column", "columns", ["audit", "@a.csv"], ["a.csv", "'currency'", "unknown column"],
        {"a.csv": "model,input_usd_per_mtok,output_usd_per_mtok,as_of,currency\ngpt-4o,2.5,10,2025-05-16,usd\n"}),
    cli("cli-cost-extra-override-column", "columns", ["cost", "--model", "gpt-4o", "--input-tokens", "1", "--output-tokens", "1", "--overrides", "@o.csv"],
        ["o.csv", "'discount'", "unknown column"], {"o.csv": "model,input_usd_per_mtok,output_usd_per_mtok,discount\ngpt-4o,2,8,0.2\n"}),
    api("overrides-missing-model-column", "columns", lambda c: explorer.load_overrides(c.p("o.csv")), ["o.csv", "'model'", "missing"],
        {"o.csv": "input_usd_per_mtok,output_usd_per_mtok\n1,2\n"}),
    api("load-page-result-without-model", "columns", lambda c: u.load(c.p("p.json")), ["p.json", "data[0].results[0]", "'model'"],
        {"p.json": page(result(model=None))}),
    api("costs-csv-missing-amount", "columns", lambda c: u.read_costs(c.p("costs.csv")), ["costs.csv", "'amount_usd'", "missing"],
        {"costs.csv": "start_time_iso,line_item,amount_value_cents\n2026-10-01,x,5\n"}),
    api("scenario-extra-field", "columns", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "'requests_per_day'", "unknown field"],
        {"s.yaml": yaml_scenario(requests_per_day="100")}),
    api("scenario-missing-name", "columns", lambda c: sc.load_scenario(c.p("s.json")), ["s.json", "'name'", "missing"],
        {"s.json": '{"models": ["gpt-4o"]}'}),
    api("corpus-csv-missing-column", "columns", lambda c: tokens.count_corpus(c.p("c.csv"), model="gpt-4o", column="text", progress=False),
        ["c.csv", "'text'"], {"c.csv": "id,body\n1,hello\n"}),
    api("corpus-jsonl-missing-field", "columns", lambda c: tokens.count_corpus(c.p("c.jsonl"), model="gpt-4o", column="text", progress=False),
        ["c.jsonl", "line 2", "'text'"], {"c.jsonl": '{"text": "a"}\n{"body": "b"}\n'}),

    # -- duplicate rows: duplicate keys in overrides, duplicate buckets in Usage exports
    api("overrides-duplicate-key", "duplicates", lambda c: explorer.load_overrides(c.p("o.csv")), ["o.csv", "line 3", "duplicate", "line 2"],
        {"o.csv": OVR_HEAD + OVR_OK + "gpt-4o,1.0,4.0\n"}),
    cli("cli-cost-overrides-duplicate", "duplicates", ["cost", "--model", "gpt-4o", "--input-tokens", "1", "--output-tokens", "1", "--overrides", "@o.csv"],
        ["o.csv", "line 3", "duplicate"], {"o.csv": OVR_HEAD + OVR_OK + OVR_OK}),
    cli("cli-usage-export-csv-duplicate-bucket", "duplicates", ["usage", "@e.csv"], ["e.csv", "line 3", "line 2", "double-count"],
        {"e.csv": EXPORT_HEAD + EXPORT_ROW + EXPORT_ROW}),
    api("load-page-duplicate-result", "duplicates", lambda c: u.load(c.p("p.json")), ["p.json", "data[0].results[1]", "double-count"],
        {"p.json": page(result(), result())}),
    cli("cli-usage-same-page-twice", "duplicates", ["usage", "@p1.json", "@p2.json"], ["p2.json", "p1.json", "given twice"],
        {"p1.json": page(result()), "p2.json": page(result())}),
    api("scenario-duplicate-yaml-key", "duplicates", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "line 4", "'input_tokens_per_request'", "twice"],
        {"s.yaml": SCEN + "input_tokens_per_request: 2000\n"}),
    api("scenario-duplicate-json-key", "duplicates", lambda c: sc.load_scenario(c.p("s.json")), ["s.json", "'name'", "twice"],
        {"s.json": '{"name": "a", "name": "b"}'}),

    # -- non-UTF-8 (latin-1) and binary files (PNG bytes, zip)
    cli("cli-usage-latin1", "encoding", ["usage", "@u.csv"], ["u.csv", "not UTF-8"],
        {"u.csv": (log() + "2026-10-01,gpt-4o,1,0,1,caf\xe9\n").encode("latin-1")}),
    cli("cli-usage-png", "encoding", ["usage", "@u.json"], ["u.json", "binary"], {"u.json": PNG}),
    cli("cli-usage-zip", "encoding", ["usage", "@u.csv"], ["u.csv", "binary"], {"u.csv": ZIP}),
    cli("cli-usage-png-as-parquet", "encoding", ["usage", "@u.parquet"], ["u.parquet", "Parquet"], {"u.parquet": PNG}),
    cli("cli-cost-usage-png", "encoding", ["cost", "--usage", "@u.csv"], ["u.csv", "binary file"], {"u.csv": PNG}),
    cli("cli-tokens-file-latin1", "encoding", ["tokens", "--model", "gpt-4o", "--file", "@t.txt"], ["t.txt", "not UTF-8"],
        {"t.txt": "caf\xe9 au lait".encode("latin-1")}),
    cli("proc-audit-zip", "encoding", ["audit", "@a.csv"], ["a.csv", "binary"], {"a.csv": ZIP}, process=True),
    api("overrides-latin1", "encoding", lambda c: explorer.load_overrides(c.p("o.csv")), ["o.csv", "not UTF-8"],
        {"o.csv": (OVR_HEAD + "gpt-4o,1,2\nmod\xe8le,1,2\n").encode("latin-1")}),
    api("overrides-png", "encoding", lambda c: explorer.load_overrides(c.p("o.csv")), ["o.csv"], {"o.csv": PNG}),
    api("audit-png", "encoding", lambda c: explorer.audit_file(c.p("a.csv")), ["a.csv"], {"a.csv": PNG}),
    api("scenario-latin1", "encoding", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "not UTF-8"],
        {"s.yaml": "name: caf\xe9\n".encode("latin-1")}),
    api("scenario-png", "encoding", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "binary"], {"s.yaml": PNG}),
    api("refresh-zip", "encoding", lambda c: refresh_prices(source_file=c.p("prices.json")), ["prices.json"], {"prices.json": ZIP}),
    api("corpus-csv-latin1", "encoding", lambda c: tokens.count_corpus(c.p("c.csv"), model="gpt-4o", column="text", progress=False),
        ["c.csv", "not UTF-8"], {"c.csv": "id,text\n1,caf\xe9\n".encode("latin-1")}),
    api("upload-png-as-csv", "encoding", lambda c: u.load_uploaded(upload("usage.csv", PNG)), ["usage.csv", "binary"]),
    api("upload-latin1", "encoding", lambda c: u.load_uploaded(upload("usage.csv", log("2026-10-01,gpt-4o,1,0,1").replace("gpt-4o,", "gpt-4o\xe9,").encode("latin-1"))),
        ["usage.csv", "not UTF-8"]),

    # -- a directory or a missing path where a file is expected
    cli("cli-usage-missing-file", "path", ["usage", "@nope.csv"], ["nope.csv", "not found"]),
    cli("cli-usage-directory", "path", ["usage", "@d.csv"], ["d.csv", "directory"], {"d.csv": DIR}),
    cli("cli-cost-usage-directory", "path", ["cost", "--usage", "@d"], ["d", "directory"], {D: DIR}),
    cli("cli-cost-overrides-missing", "path", ["cost", "--model", "gpt-4o", "--input-tokens", "1", "--output-tokens", "1", "--overrides", "@nope.csv"],
        ["nope.csv", "not found"]),
    cli("cli-tokens-messages-directory", "path", ["tokens", "--model", "gpt-4o", "--messages", "@d"], ["d", "directory"], {D: DIR}),
    cli("cli-report-scenario-missing", "path", ["report", "--scenario", "@nope.yaml", "--out", "@r.html", "--quiet"], ["nope.yaml", "not found"]),
    cli("cli-report-out-directory", "path", ["report", "--out", "@d", "--quiet"], ["d", "directory"], {D: DIR}),
    cli("proc-usage-missing", "path", ["usage", "@nope.json"], ["nope.json", "not found"], process=True),
    api("overrides-directory", "path", lambda c: explorer.load_overrides(c.p("d")), ["d", "directory"], {D: DIR}),
    api("audit-missing", "path", lambda c: explorer.audit_file(c.p("nope.csv")), ["nope.csv", "not found"]),
    api("scenario-directory", "path", lambda c: sc.load_scenario(c.p("d")), ["d", "directory"], {D: DIR}),
    api("save-scenario-onto-directory", "path", lambda c: sc.save_scenario(sc.Scenario("x"), c.p("d.yaml")), ["d.yaml", "directory"], {"d.yaml": DIR}),
    api("save-scenario-under-a-file", "path", lambda c: sc.save_scenario(sc.Scenario("x"), c.p("f.txt") + "/s.yaml"), ["f.txt", "not a directory"],
        {"f.txt": "a file"}),
    api("price_file-missing", "path", lambda c: u.price_file(c.p("nope.parquet")), ["nope.parquet", "not found"]),
    api("refresh-missing", "path", lambda c: refresh_prices(source_file=c.p("nope.json")), ["nope.json", "not found"]),
    api("refresh-directory", "path", lambda c: refresh_prices(source_file=c.p("d")), ["d", "directory"], {D: DIR}),
    api("corpus-missing", "path", lambda c: tokens.count_corpus(c.p("nope"), model="gpt-4o", progress=False), ["nope", "not found"]),
    api("report-out-missing-dir", "path", lambda c: report.build_report(c.p("nodir") + "/r.html"), ["nodir", "does not exist"]),

    # -- truncated or wrongly shaped JSON and YAML
    cli("cli-usage-truncated-page", "json-yaml", ["usage", "@p.json"], ["p.json", "not valid JSON"], {"p.json": page(result())[:-40]}),
    cli("cli-usage-list-of-numbers", "json-yaml", ["usage", "@p.json"], ["p.json", "Usage API page", "found a int"], {"p.json": "[1, 2, 3]"}),
    cli("cli-usage-jsonl-array-line", "json-yaml", ["usage", "@u.jsonl"], ["u.jsonl", "line 2", "JSON object"],
        {"u.jsonl": jsonl() + "[1, 2]\n"}),
    cli("cli-tokens-messages-truncated", "json-yaml", ["tokens", "--model", "gpt-4o", "--messages", "@m.json"], ["m.json", "not valid JSON"],
        {"m.json": MESSAGES[:-5]}),
    cli("cli-tokens-tools-wrong-shape", "json-yaml", ["tokens", "--model", "gpt-4o", "--messages", "@m.json", "--tools", "@t.json"],
        ["t.json", "list of tool definitions"], {"m.json": MESSAGES, "t.json": '{"name": "f"}'}),
    cli("cli-report-scenario-list", "json-yaml", ["report", "--scenario", "@s.yaml", "--out", "@r.html", "--quiet"], ["s.yaml", "mapping", "list"],
        {"s.yaml": "- gpt-4o\n- gpt-5\n"}),
    api("load-page-data-not-list", "json-yaml", lambda c: u.load(c.p("p.json")), ["p.json", "'data'", "not a list"],
        {"p.json": '{"object": "page", "data": {"a": 1}}'}),
    api("load-bucket-without-results", "json-yaml", lambda c: u.load(c.p("p.json")), ["p.json", "data[0]", "'results'"],
        {"p.json": '{"object": "page", "data": [{"start_time": 1790812800, "end_time": 1790899200}]}'}),
    api("upload-truncated-json", "json-yaml", lambda c: u.load_uploaded(upload("usage.json", page(result())[:100])), ["usage.json", "not valid JSON"]),
    api("scenario-truncated-yaml", "json-yaml", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "line", "not valid YAML"],
        {"s.yaml": "name: x\nmodels: [gpt-4o, gpt-5\n"}),
    api("scenario-truncated-json", "json-yaml", lambda c: sc.load_scenario(c.p("s.json")), ["s.json", "line 1", "not valid JSON"],
        {"s.json": '{"name": "x", "models": ["gpt-4o"'}),
    api("scenario-yaml-scalar", "json-yaml", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "mapping", "str"],
        {"s.yaml": "just some text\n"}),
    api("scenario-yaml-python-tag", "json-yaml", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "line 1", "not valid YAML"],
        {"s.yaml": "!!python/object/apply:os.system ['touch pwned']\n"}),
    api("scenario-models-wrong-shape", "json-yaml", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "'models'"],
        {"s.yaml": "name: x\nmodels: {gpt-4o: 1}\n"}),
    api("messages-wrong-shape", "json-yaml", lambda c: tokens.messages_from_json(c.text("m.json"), where=c.p("m.json")), ["m.json", "list of messages"],
        {"m.json": '{"msgs": []}'}),
    api("messages-missing-role", "json-yaml", lambda c: tokens.count_messages([{"content": "hi"}], model="gpt-4o"), ["message 0", "'role'"]),
    api("refresh-truncated", "json-yaml", lambda c: refresh_prices(source_file=c.p("prices.json")), ["prices.json", "not JSON"],
        {"prices.json": REFRESH_TRUNCATED}),
    api("refresh-wrong-shape", "json-yaml", lambda c: refresh_prices(source_file=c.p("prices.json")), ["prices.json", "list of providers", "dict"],
        {"prices.json": '{"providers": []}'}),
    api("refresh-not-genai-prices", "json-yaml", lambda c: refresh_prices(source_file=c.p("prices.json")), ["prices.json", "not genai-prices data", "providers[0].id"],
        {"prices.json": '[{"id": 3}]'}),
    api("corpus-chat-truncated-line", "json-yaml", lambda c: tokens.count_corpus(c.p("chat.jsonl"), model="gpt-4o", progress=False),
        ["chat.jsonl", "line 2", "not valid JSON"], {"chat.jsonl": json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n{\"messages\": [\n"}),

    # -- overrides with negative (or otherwise impossible) prices
    api("overrides-negative-input", "negative-price", lambda c: explorer.load_overrides(c.p("o.csv")), ["o.csv", "line 3", "'input_usd_per_mtok'", "negative"],
        {"o.csv": OVR_HEAD + OVR_OK + "gpt-4o-mini,-0.15,0.6\n"}),
    api("overrides-nan-price", "negative-price", lambda c: explorer.load_overrides(c.p("o.csv")), ["o.csv", "line 2", "'output_usd_per_mtok'", "finite"],
        {"o.csv": OVR_HEAD + "gpt-4o,1,nan\n"}),
    api("overrides-text-price", "negative-price", lambda c: explorer.load_prices(overrides=c.p("o.csv")), ["o.csv", "line 2", "'input_usd_per_mtok'", "'cheap'"],
        {"o.csv": OVR_HEAD + "gpt-4o,cheap,8\n"}),
    cli("cli-usage-overrides-negative", "negative-price", ["usage", "@u.csv", "--overrides", "@o.csv"], ["o.csv", "line 2", "'output_usd_per_mtok'", "negative"],
        {"u.csv": log(), "o.csv": OVR_HEAD + "gpt-4o-mini,0.1,-1\n"}),
    cli("cli-compare-overrides-negative", "negative-price", ["compare", "--input-tokens", "1", "--output-tokens", "1", "--overrides", "@o.csv"],
        ["o.csv", "line 2", "negative"], {"o.csv": OVR_HEAD + "gpt-4o,-2,8\n"}),
    cli("proc-prices-overrides-negative", "negative-price", ["prices", "--overrides", "@o.csv"], ["o.csv", "line 2", "negative"],
        {"o.csv": OVR_HEAD + "gpt-4o,-2,8\n"}, process=True),
    api("audit-negative-price", "negative-price", lambda c: explorer.audit_file(c.p("a.csv")), ["a.csv", "line 2", "'output_usd_per_mtok'", "negative"],
        {"a.csv": AUDIT_HEAD + "gpt-4o,2.5,-10,2025-05-16\n"}),
    api("dashboard-override-negative", "negative-price", lambda c: c.dashboard.set_override("gpt-4o", input_usd_per_mtok=-1.0), ["gpt-4o", "input", "-1"]),
    api("dashboard-override-nan", "negative-price", lambda c: c.dashboard.set_override("gpt-4o", output_usd_per_mtok=NAN), ["gpt-4o", "output", "nan"]),
    api("dashboard-override-text", "negative-price", lambda c: c.dashboard.set_override("gpt-4o", input_usd_per_mtok="cheap"), ["gpt-4o", "'cheap'"]),

    # -- hostile files: each would take the machine down (or hang) without a stated limit; the error names it
    api("scenario-yaml-alias-bomb", "limits", lambda c: sc.load_scenario(c.p("bomb.yaml")), ["bomb.yaml", "line 2", "aliases are not allowed"],
        {"bomb.yaml": alias_bomb()}),
    api("scenario-yaml-deep-brackets", "limits", lambda c: sc.load_scenario(c.p("deep.yaml")), ["deep.yaml", "nested more than 64 levels", "EXPLORER_MAX_NESTING"],
        {"deep.yaml": "name: x\nmodels: " + DEEP + "\n"}),
    api("scenario-json-deep-brackets", "limits", lambda c: sc.load_scenario(c.p("deep.json")), ["deep.json", "nested more than 64 levels", "EXPLORER_MAX_NESTING"],
        {"deep.json": '{"name": "x", "models": ' + DEEP + "}"}),
    api("scenario-too-big", "limits", lambda c: sc.load_scenario(c.p("big.yaml")), ["big.yaml", "over the 1,048,576-byte limit"],
        {"big.yaml": "name: x\ndescription: " + "y" * (2 << 20) + "\n"}),
    api("scenario-huge-value-bounded-message", "limits", lambda c: sc.load_scenario(c.p("s.yaml")), ["s.yaml", "'requests_per_month'", "..."],
        {"s.yaml": "name: x\nrequests_per_month: [" + ", ".join(["many"] * 100_000) + "]\n"}),
    cli("proc-report-scenario-alias-bomb", "limits", ["report", "--scenario", "@bomb.yaml", "--out", "@r.html", "--quiet"],
        ["bomb.yaml", "aliases are not allowed"], {"bomb.yaml": alias_bomb()}, process=True),
    cli("proc-usage-parquet-100M-rows", "limits", ["usage", "@rows.parquet"],
        ["rows.parquet", "100,000,000 rows", "10,000,000-row limit", "EXPLORER_MAX_ROWS"], {"rows.parquet": many_rows_parquet()}, process=True),
    cli("proc-usage-csv-over-size-limit", "limits", ["usage", "@u.csv"], ["u.csv", "over the 1 MB limit", "EXPLORER_MAX_FILE_MB"],
        {"u.csv": big_csv(2)}, process=True, env={"EXPLORER_MAX_FILE_MB": "1"}),
    cli("proc-usage-bad-limit-setting", "limits", ["usage", "@u.csv"], ["EXPLORER_MAX_FILE_MB", "'lots'", "not a whole number"],
        {"u.csv": log()}, process=True, env={"EXPLORER_MAX_FILE_MB": "lots"}),
    cli("cli-usage-json-page-deep", "limits", ["usage", "@u.json"], ["u.json", "nested more than 64 levels"], {"u.json": page_nested_deep()}),
    cli("cli-usage-jsonl-line-deep", "limits", ["usage", "@u.jsonl"], ["u.jsonl", "line 2", "nested more than 64 levels"],
        {"u.jsonl": jsonl() + '{"model": ' + DEEP + "}\n"}),
    cli("cli-cost-usage-jsonl-line-deep", "limits", ["cost", "--usage", "@u.jsonl"], ["u.jsonl", "line 2", "nested more than 64 levels"],
        {"u.jsonl": jsonl() + '{"model": ' + DEEP + "}\n"}),
    api("read_usage-parquet-100M-rows", "limits", lambda c: u.read_usage(c.p("rows.parquet")), ["rows.parquet", "100,000,000 rows", "EXPLORER_MAX_ROWS"],
        {"rows.parquet": many_rows_parquet()}),
    cli("cli-dashboard-cull-zero", "limits", ["dashboard", "--cull-idle-minutes", "0"], ["--cull-idle-minutes", "more than 0"]),
    cli("cli-tokens-messages-deep", "limits", ["tokens", "--model", "gpt-4o", "--messages", "@m.json"], ["m.json", "nested more than 64 levels"],
        {"m.json": '[{"role": "user", "content": ' + DEEP + "}]"}),
    api("count_corpus-jsonl-deep", "limits", lambda c: tokens.count_corpus(c.p("chat.jsonl"), model="gpt-4o", progress=False),
        ["chat.jsonl", "line 1", "nested more than 64 levels"], {"chat.jsonl": '{"messages": ' + DEEP + "}\n"}),
    api("refresh-deep-json", "limits", lambda c: refresh_prices(source_file=c.p("prices.json")), ["prices.json", "nested more than 64 levels"],
        {"prices.json": DEEP}),
    cli("proc-refresh-file-over-download-cap", "limits", ["refresh-prices", "--file", "@prices.json"], ["prices.json", "over the 1 MB limit", "EXPLORER_MAX_DOWNLOAD_MB"],
        {"prices.json": genai_payload() + " " * (2 << 20)}, process=True, env={"EXPLORER_MAX_DOWNLOAD_MB": "1"}),

    # -- refreshed prices that are nonsense, or that would lose what the explorer relies on
    api("refresh-negative-price", "refresh", lambda c: refresh_prices(source_file=c.p("prices.json"), force=True),
        ["prices.json", "openai/test-model-24", "output_mtok", "negative price -5"], {"prices.json": genai_payload(output_mtok=-5)}),
    api("refresh-price-1e12", "refresh", lambda c: refresh_prices(source_file=c.p("prices.json"), force=True),
        ["prices.json", "input_mtok", "over the plausible maximum of $2,000"], {"prices.json": genai_payload(input_mtok=1e12)}),
    api("refresh-tier-negative", "refresh", lambda c: refresh_prices(source_file=c.p("prices.json"), force=True),
        ["prices.json", "input_mtok", "negative price -1"],
        {"prices.json": genai_payload(input_mtok={"base": 1, "tiers": [{"start": 1000, "price": -1}]})}),
    api("refresh-per-call-implausible", "refresh", lambda c: refresh_prices(source_file=c.p("prices.json"), force=True),
        ["prices.json", "web_searches_kcount", "per thousand", "plausible maximum"], {"prices.json": genai_payload(web_searches_kcount=50_000)}),
    cli("proc-refresh-openai-only-refused", "refresh", ["refresh-prices", "--file", "@prices.json"],
        ["prices.json", "refusing to replace the prices in use", "drops provider(s) anthropic", "used by the shipped scenarios", "--force"],
        {"prices.json": genai_payload()}, process=True),
    cli("cli-refresh-rollback-unknown-version", "refresh", ["refresh-prices", "--rollback", "20990101"], ["--rollback", "'20990101'", "kept"]),
]

assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


def _param(c: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []
    return pytest.param(c, id=f"{c.cls}:{c.id}", marks=marks)


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One explorer home for the module, already holding what a user has (a saved scenario, the verified
    vocabulary cache, the price table cache), so "nothing changed" also covers the user's own files."""
    h = tmp_path_factory.mktemp("bad-input-home")
    old = os.environ.get("EXPLORER_HOME")
    os.environ["EXPLORER_HOME"] = str(h)
    try:
        from explorer import vocab

        for name in tokens.KNOWN_ENCODINGS:
            vocab.vocab_file(name)
        prices._history_table.cache_clear()
        prices.price_history()  # the price table cache a user's first command writes
        scenarios.save_scenario(scenarios.Scenario("mine", models=("gpt-4o",)))
        yield h
    finally:
        if old is None:
            os.environ.pop("EXPLORER_HOME", None)
        else:
            os.environ["EXPLORER_HOME"] = old


@pytest.fixture(autouse=True)
def _use_home(_user_home: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # After conftest's per-test home: this module's cases share the prepared one.
    monkeypatch.setenv("EXPLORER_HOME", str(home))


@pytest.fixture(scope="module")
def dashboard_factory() -> Callable[[], Any]:
    built: list[Any] = []

    def get() -> Any:
        if not built:
            from explorer.widgets import Dashboard

            built.append(Dashboard(as_of="2025-10-01", models=("gpt-4o", "gpt-4o-mini")))
        return built[0]

    return get


MEMORY_HEADROOM_BYTES = 2 << 30
"""Address space an in-process case may add to what the test process already maps."""
PROCESS_MEMORY_BYTES = 3 << 30
"""Address space of a real-process case (Python, pandas, pyarrow and the explorer need about 1.2 GB)."""
TIME_LIMIT_S = 120
"""Wall-clock limit of any case."""


def _vm_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize in /proc/self/status")


class CaseTimeout(BaseException):
    """Raised in the test process when a case runs past :data:`TIME_LIMIT_S` (not a ValueError: the case fails)."""


@contextlib.contextmanager
def _limited() -> Iterator[None]:
    """Run an in-process case with a memory limit (a soft RLIMIT_AS: a case that tries to allocate gigabytes
    gets MemoryError and fails, the machine is untouched) and a time limit (SIGALRM)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _vm_bytes() + MEMORY_HEADROOM_BYTES
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)

    def timeout(*_: Any) -> None:
        raise CaseTimeout(f"over the {TIME_LIMIT_S} s limit")

    previous = signal.signal(signal.SIGALRM, timeout)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _limit_child() -> None:
    """In a real-process case's child, before exec: its memory and CPU time are capped."""
    resource.setrlimit(resource.RLIMIT_AS, (PROCESS_MEMORY_BYTES, PROCESS_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (TIME_LIMIT_S, TIME_LIMIT_S))


def _hashes(*roots: Path) -> dict[str, str]:
    out = {}
    for root in roots:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
            elif p.is_dir():
                out[str(p)] = "<dir>"
    return out


def _make_files(tmp: Path, files: Mapping[str, Any]) -> None:
    for name, content in files.items():
        p = tmp / name
        if callable(content):  # a file too big to spell out: the callable writes it
            content(p)
        elif content is DIR:
            p.mkdir(parents=True)
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(str(content), encoding="utf-8")


def _argv(argv: Sequence[str], tmp: Path) -> list[str]:
    return [str(tmp / a[1:]) if a.startswith("@") else a for a in argv]


def _check_message(msg: str, case: Case, tmp: Path) -> None:
    assert "\n" not in msg.rstrip("\n"), f"not one line: {msg!r}"
    assert "Traceback" not in msg
    # The tmp dir's name holds the test id: look for the culprit in the rest of the message only.
    shown = msg.replace(str(tmp) + os.sep, "")
    assert str(tmp) not in shown
    missing = [s for s in case.expect if s not in shown]
    assert not missing, f"{msg!r} does not name {missing}"


# ------------------------------------------------------------------------------------------------ the corpus


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input(
    case: Case, tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str],
    dashboard_factory: Callable[[], Any],
) -> None:
    _make_files(tmp_path, case.files)
    roots = (tmp_path, paths.DATA_DIR, home)
    dash_before = None
    if case.call is not None and "dashboard" in case.id:
        d = dashboard_factory()
        dash_before = (d.scenario, dict(d._overrides), d.results.ranked.to_json())
    before = _hashes(*roots)

    if case.argv is not None and case.process:
        env = {**os.environ, "EXPLORER_HOME": str(home), **case.env}
        proc = subprocess.run([str(EXPLORER_BIN), *_argv(case.argv, tmp_path)], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=TIME_LIMIT_S, preexec_fn=_limit_child)
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    elif case.argv is not None:
        from explorer import cli

        with _limited():
            try:
                code = cli.main(_argv(case.argv, tmp_path))
            except SystemExit as exc:  # argparse usage errors
                code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
    else:
        assert case.call is not None
        with _limited(), pytest.raises(ValueError) as info:
            case.call(Ctx(tmp_path, dashboard_factory))
        code, out, err = None, "", f"error: {info.value}\n"

    if code is not None:
        assert code == 2, f"exit code {code}; stderr {err!r}"
        assert out == "", f"printed before failing: {out!r}"
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), f"stderr is not one error line: {err!r}"
    _check_message(lines[0], case, tmp_path)

    assert _hashes(*roots) == before, "a file was changed, created or removed"
    if dash_before is not None:
        d = dashboard_factory()
        assert (d.scenario, dict(d._overrides), d.results.ranked.to_json()) == dash_before, "the dashboard changed"


def test_the_memory_limit_bites() -> None:
    """Guards the guard: a case allocating past the headroom gets MemoryError, not the machine's memory."""
    with pytest.raises(MemoryError), _limited():
        bytearray(MEMORY_HEADROOM_BYTES + (1 << 30))
    bytearray(64 << 20)  # and the limit is lifted afterwards


def test_the_time_limit_bites(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys.modules[__name__], "TIME_LIMIT_S", 1)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(CaseTimeout), _limited():
        fifo.read_bytes()  # blocks forever: no writer


def test_a_real_process_case_is_capped() -> None:
    code = "bytearray(4 << 30)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          preexec_fn=_limit_child)
    assert proc.returncode != 0 and "MemoryError" in proc.stderr


def test_corpus_size_and_classes() -> None:
    """Issue 8 asks for at least 40 cases; the brief for this corpus 50, every class with several."""
    by_class: dict[str, int] = {}
    for c in CASES:
        by_class[c.cls] = by_class.get(c.cls, 0) + 1
    assert len(CASES) >= 50
    assert all(n >= 3 for n in by_class.values()), by_class
    assert sum(c.process for c in CASES) >= 3


# ------------------------------------------------------------------------------------------------ passes through


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("u.csv", "timestamp,model,input_tokens,output_tokens,team,ticket\n2026-10-01T10:00:00Z,gpt-4o-mini,1000,50,ml,T-1\n"),
        ("u.jsonl", json.dumps({"timestamp": "2026-10-01T10:00:00Z", "model": "gpt-4o-mini", "input_tokens": 1000,
                                "output_tokens": 50, "team": "ml", "ticket": "T-1"}) + "\n"),
    ],
    ids=["csv", "jsonl"],
)
def test_usage_extra_columns_pass_through(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                          text: str) -> None:
    """Extra columns in a usage log are the user's own labels: kept, not an error (unlike curated CSVs)."""
    from explorer import cli

    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    frame = u.read_usage(f)
    assert frame["team"].tolist() == ["ml"] and frame["ticket"].tolist() == ["T-1"]
    priced = u.price(frame)
    assert priced["team"].tolist() == ["ml"]
    expected = explorer.cost_of("gpt-4o-mini", 1000, 50, as_of="2026-10-01")["total_usd"]
    assert priced["total_usd"].sum() == pytest.approx(float(expected))
    assert cli.main(["usage", str(f), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_usd"] == pytest.approx(float(expected))
    assert cli.main(["cost", "--usage", str(f), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_usd"] == pytest.approx(float(expected))
