"""The ``explorer`` command line: human tables by default, ``--format csv|json`` for machines.

Exit codes: 0 success, 1 findings (``audit`` found rows that are not ok), 2 bad input (one line on stderr,
no traceback).

Start-up time matters for a command people put in scripts: this module imports only the standard library,
each subcommand imports what it uses when it runs, and a subcommand that lives in its own module is imported
only when it is the one asked for (or to list them all, for ``--help`` and mistakes).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from explorer.limits import clip

if TYPE_CHECKING:
    import pandas as pd

from explorer import limits, outputs  # both standard library only at import: the fast path stays fast
from explorer.cli_args import EXIT_BAD_INPUT, EXIT_CODES, EXIT_FINDINGS, deprecated, examples

__all__ = ["main", "money"]

FORMATS = ("text", "csv", "json")

# Subcommands that live in their own modules register themselves through `register(subparsers)`; the
# command name each one adds is listed here so that only that module is imported to run it.
PLUGINS: dict[str, str] = {
    "tokens": "explorer.cli_tokens",
    "usage": "explorer.cli_usage",
    "caching": "explorer.cli_usage",
    "report": "explorer.cli_report",
    "dashboard": "explorer.serve",
}
PLUGIN_MODULES = tuple(dict.fromkeys(PLUGINS.values()))
BUILTIN_COMMANDS = ("prices", "cost", "compare", "audit", "refresh-prices", "completion")


class CliError(ValueError):
    """Bad input that the CLI reports as one line with exit code 2."""


def money(x: float | None) -> str:
    """Dollars as every table writes them (:func:`explorer.fmt.usd`): ``0.0075`` -> ``$0.0075``,
    ``31.221697`` -> ``$31.22``; a missing amount (an unknown model) is ``unknown``."""
    from explorer import fmt  # standard library only: the fast cost path stays fast

    return fmt.usd(x, missing=fmt.UNKNOWN)


def _positive_int(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{clip(text)} is not a whole number") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{value} is negative")
        return value

    return parse


def _warn_if_stale(as_of: str | None) -> None:
    from explorer.prices import freshness_warning

    warning = freshness_warning(as_of)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)


def _emit(frame: pd.DataFrame, fmt: str, *, money_cols: Sequence[str] = (), extra: dict[str, Any] | None = None,
          footer: str | None = None, key: str = "rows", raw: bool = False) -> None:
    if fmt == "json":
        payload: dict[str, Any] = dict(extra or {})
        payload[key] = outputs.records(frame)
        print(outputs.dumps_json(payload))
    elif fmt == "csv":
        sys.stdout.write(outputs.to_csv(frame, raw=raw))
    else:
        print(text_table(frame, money_cols=money_cols))
        if footer:
            print(footer)


NOT_COUNTS = frozenset({"line", "row", "index", "reuses"})
"""Integer columns that are positions or small labels, not amounts: written without thousands separators."""


def text_table(frame: pd.DataFrame, *, money_cols: Sequence[str] = (), unknown: Any = None) -> str:
    """A frame as a terminal table, the one way every command writes one: money by :func:`money`
    (``$31.22``, ``$0.0075``), counts with thousands separators (``38,282,810``), a missing value as
    ``unknown`` in a money column and blank elsewhere (never ``NaN``). ``unknown`` (a boolean mask) marks
    rows whose money is unknown although a number is there (an unpriced row counted as 0)."""
    import pandas as pd

    from explorer import fmt

    if frame.empty:
        return "(no rows)"
    shown = frame.copy()
    for col in shown.columns:
        values = frame[col]
        if col in money_cols:
            cells = values.map(money)
            if unknown is not None:
                cells = cells.where(~pd.Series(unknown, index=frame.index).astype(bool), fmt.UNKNOWN)
            shown[col] = cells
        elif (pd.api.types.is_integer_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
              and str(col) not in NOT_COUNTS):
            shown[col] = values.map(lambda x: fmt.count(x, missing=""))
        elif pd.api.types.is_float_dtype(values.dtype) and str(col).endswith(("tokens", "requests")):
            shown[col] = values.map(lambda x: fmt.count(x, missing=""))  # summed counts come out as floats
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            shown[col] = outputs._dates(values).fillna("")
        elif not pd.api.types.is_bool_dtype(values.dtype):
            shown[col] = values.astype(object).where(values.notna(), "")
    return str(shown.to_string(index=False))


# ------------------------------------------------------------------------------------------------ prices


def _date_text(value: Any) -> str | None:
    """YYYY-MM-DD of a Timestamp, date or ISO string; None for None, NaT and NaN (the standard library only:
    the fast cost path prints this without pandas)."""
    if value is None or value != value:  # NaT and NaN are the values != themselves
        return None
    if isinstance(value, str):
        return value[:10]
    return str(value.date() if hasattr(value, "date") else value)


def _verified_text(value: Any) -> str:
    day = _date_text(value)
    return "unverified" if day is None else f"verified {day}"


def _status_text(status: str, deprecated_on: Any, shutdown_on: Any) -> str:
    if status == "retired":
        return f"RETIRED {_date_text(shutdown_on)}"
    if status == "deprecated":
        return f"deprecated, shutdown {_date_text(shutdown_on)}"
    return ""


def _source_refs(sources: Sequence[str], verified: Sequence[Any]) -> tuple[list[str], str]:
    """``[n]`` per row and a numbered footnote list: sources are too long for a table cell."""
    numbers: dict[tuple[str, str], int] = {}
    refs = []
    for src, ver in zip(sources, verified, strict=True):
        key = (str(src), _verified_text(ver))
        numbers.setdefault(key, len(numbers) + 1)
        refs.append(f"[{numbers[key]}]")
    lines = [f"  [{n}] {src} ({ver})" for (src, ver), n in numbers.items()]
    return refs, "sources:\n" + "\n".join(lines) if lines else ""


def _unpriced_notes(pattern: str | None, table: pd.DataFrame, day: Any, tier: str) -> list[str]:
    """For models named with --model that have no price on the day: why (shut down, not launched, unknown)."""
    if not pattern:
        return []
    from explorer import prices

    hist = prices.price_history()
    hist = hist[hist["model"].str.contains(pattern, case=False, regex=False) & (hist["service_tier"] == tier)]
    shown = set(zip(table["provider"], table["model"], strict=True))
    notes = []
    for prov, model in hist[["provider", "model"]].drop_duplicates().itertuples(index=False):
        if (prov, model) not in shown:
            note = prices.why_unpriced(prov, model, day, table=hist, service_tier=tier)
            if note:
                notes.append(note)
    return notes


def _cmd_prices(args: argparse.Namespace) -> int:
    from explorer import fmt, prices

    if args.changes_since:
        return _cmd_changes(args)
    if args.scenario:
        raise CliError("--scenario needs --changes-since DATE")
    _warn_if_stale(args.as_of)
    table = prices.load_prices(
        args.as_of, provider=args.provider, model=args.model, service_tier=args.service_tier,
        overrides=args.overrides, include_retired=args.include_retired,
    )
    day = prices._as_timestamp(args.as_of)
    notes = [] if args.include_retired else _unpriced_notes(args.model, table, day, args.service_tier)
    if args.format == "text":
        cols = ["provider", "model", "service_tier", "tier_above_input_tokens", "input_usd_per_mtok",
                "cached_input_usd_per_mtok", "output_usd_per_mtok", "context_window_tokens", "valid_from"]
        shown = table[cols].copy()
        shown["valid_from"] = shown["valid_from"].dt.date.astype("string").fillna("")
        shown["context_window_tokens"] = shown["context_window_tokens"].map(lambda x: fmt.count(x, missing=""))
        shown["status"] = [_status_text(s, d, e) for s, d, e in
                           zip(table["lifecycle_status"], table["deprecated_on"], table["shutdown_on"], strict=True)]
        shown["verified"] = [_verified_text(v).removeprefix("verified ") for v in table["verified_on"]]
        refs, footnotes = _source_refs(table["source"].tolist(), table["verified_on"].tolist())
        shown["src"] = refs
        shown["note"] = table["is_override"].map({True: "OVERRIDE", False: ""})
        shown = shown.rename(columns={"tier_above_input_tokens": "above_tokens"})
        for c in ("input_usd_per_mtok", "cached_input_usd_per_mtok", "output_usd_per_mtok"):
            shown[c] = shown[c].map(lambda v: "" if v != v else f"{v:g}")  # NaN is the one value != itself
        retired = " and models retired by then at their last price" if args.include_retired else ""
        footer = f"{len(table)} row(s); prices in force on {day.date()}{retired}; USD per 1M tokens"
        for note in notes:
            footer += f"\nnote: {note}"
        _emit(shown, "text", footer=footer + ("\n" + footnotes if footnotes else ""))
    else:
        _emit(table, args.format, extra={"as_of": str(day.date()), "notes": notes}, raw=args.raw)
    return 0


def _cmd_changes(args: argparse.Namespace) -> int:
    from explorer import changes, prices

    if args.include_retired:
        raise CliError("--changes-since lists shutdowns already; drop --include-retired")
    # Named as the user typed them, before anything slow.
    since = prices._as_timestamp(args.changes_since, "--changes-since").date()
    until = prices._as_timestamp(args.as_of, "--as-of").date()
    table = prices.price_history(overrides=args.overrides)
    scenario = _load_scenario(args.scenario) if args.scenario else None
    # The scenario's own models, unless --model picks others to measure it on.
    models = list(scenario.models) if scenario is not None and scenario.models and not args.model else None
    found = changes.price_changes(args.changes_since, until=args.as_of, provider=args.provider, models=models,
                                  table=table)
    if args.model:
        found = found[found["model"].str.contains(args.model, case=False, regex=False)].reset_index(drop=True)
    if scenario is not None:
        found = changes.scenario_effect(found, scenario, table=table)
    what = f" for scenario {scenario.name!r}" if scenario is not None else ""
    footer = f"{len(found)} change(s) after {since} up to {until}{what}; standard tier, USD per 1M tokens"
    if args.format == "text":
        cols = ["day", "provider", "model", "event", "description"] + (["effect"] if scenario is not None else [])
        shown = found[cols].copy()
        shown["day"] = shown["day"].dt.date.astype("string")
        refs, footnotes = _source_refs(found["source"].tolist(), found["verified_on"].tolist())
        shown["src"] = refs
        _emit(shown, "text", footer=footer + ("\n" + footnotes if footnotes else ""))
    else:
        extra: dict[str, Any] = {"since": str(since), "until": str(until)}
        if scenario is not None:
            extra["scenario"] = scenario.name
            extra["monthly_change_usd"] = float(found["monthly_change_usd"].fillna(0).sum())
        _emit(found, args.format, extra=extra, key="changes", raw=args.raw)
    return 0


def _load_scenario(name: str) -> Any:
    """A scenario file, or the name of a shipped or saved scenario."""
    from explorer import scenarios

    if Path(name).suffix.lower() in (".yaml", ".yml", ".json") or Path(name).exists():
        return scenarios.load_scenario(name)
    found = scenarios.list_scenarios()
    by_slug = {scenarios._slug(k): v for k, v in found.items()}
    hit = found.get(name) or by_slug.get(scenarios._slug(name))
    if hit is None:
        import difflib

        close = difflib.get_close_matches(name, [*found, *by_slug], n=3, cutoff=0.4)
        hint = f"; closest known: {', '.join(close)}" if close else ""
        raise CliError(f"--scenario: unknown scenario {clip(name)}{hint}")
    return hit


# ------------------------------------------------------------------------------------------------ cost


def read_usage_file(path: str | Path, *, convention: str | None = None,
                    ignore_columns: Sequence[str] = ()) -> pd.DataFrame:
    """A usage file through the one usage reader (:func:`explorer.usage.read_usage`): aliases such as
    ``cached_tokens``, provider conventions, raw response logs, and an error for any unknown count column."""
    from explorer.usage import read_usage

    return read_usage(path, convention=convention, ignore_columns=ignore_columns)


def _cmd_cost(args: argparse.Namespace) -> int:
    from explorer import quick

    if args.usage:
        from explorer import costs

        clash = [f"--{n.replace('_', '-')}" for n in ("model", "input_tokens", "output_tokens") if getattr(args, n)]
        if clash:
            raise CliError(f"--usage prices a file; drop {', '.join(clash)}")
        if _stream_usage(args.usage) and (streamed := _cost_usage_streamed(args)) is not None:
            return streamed
        from explorer import usage as u

        usage = read_usage_file(args.usage, convention=args.convention, ignore_columns=_split(args.ignore_columns))
        priced = u.price(usage, as_of=args.as_of, overrides=args.overrides, skip_unknown=args.skip_unknown)
        summary = costs.summarize(priced)
        counts = [c for c in (*costs.COUNT_COLUMNS, "cache_write_1h_tokens") if c in usage.columns]
        show = ["model", *counts, "service_tier", "timestamp"]
        table = priced.reset_index()
        label = usage.index.name or "line"
        table = table.rename(columns={table.columns[0]: label})
        # Nothing of the file is dropped: csv/json carry its other columns too; text names them.
        own = [c for c in usage.columns if c not in show and c not in ("requests", "source_file")
               and not usage[c].isna().all()]
        cols = [label, *[c for c in show if c in table.columns], "resolved_model", "total_usd"]
        if args.format == "text":  # a column of zeros (or of no times) says nothing on a terminal
            cols = [c for c in cols if not (c == "timestamp" and usage[c].isna().all())
                    and not (c in counts and c not in ("input_tokens", "output_tokens") and not usage[c].any())]
        if args.format != "text":
            cols += own
        table = table[cols + (["unpriced_reason"] if "unpriced_reason" in table.columns else [])]
        extra = {
            "total_usd": summary.total_usd, "priced_rows": summary.priced_rows,
            "unpriced_rows": summary.unpriced_rows, "unpriced_models": list(summary.unpriced_models),
            "components_usd": dict(summary.components_usd), "notes": list(priced.attrs.get("notes", [])),
        }
        footer = summary.describe()
        if args.format == "text" and own:
            footer += f"\nother columns of the file (shown by --format csv/json): {', '.join(map(str, own))}"
        used = _price_sources(priced)
        extra["price_sources"] = used
        if args.format == "text":
            _, footnotes = _source_refs(used, _verified_of(used))
            footer += "\n" + footnotes if footnotes else ""
        _emit(table, args.format, money_cols=["total_usd"], extra=extra, footer=footer, raw=args.raw)
        for note in priced.attrs.get("notes", []):
            print(f"note: {note}", file=sys.stderr)
        return 0
    missing = [f"--{n.replace('_', '-')}" for n in ("model", "input_tokens", "output_tokens")
               if getattr(args, n) is None]
    quote = None if missing or args.overrides or args.format == "csv" else quick.cost(
        args.model, args.input_tokens, args.output_tokens, cached_input_tokens=args.cached_tokens,
        reasoning_tokens=args.reasoning_tokens, web_search_calls=args.web_search_calls,
        file_search_calls=args.file_search_calls, service_tier=args.service_tier, as_of=args.as_of,
    )
    if quote is not None:
        if quote.stale_warning:
            print(f"warning: {quote.stale_warning}", file=sys.stderr)
        _print_cost(args, quote.day, {
            "resolved_model": quote.resolved_model, "resolved_provider": quote.resolved_provider,
            "service_tier": quote.service_tier, **quote.components_usd, "total_usd": quote.total_usd,
            "price_source": quote.price_source, "is_override": False,
        }, quote.provenance())
        return 0
    from explorer import costs

    _warn_if_stale(args.as_of)
    if missing:
        raise CliError(f"missing {', '.join(missing)} (or give --usage FILE)")
    row = costs.cost_of(
        args.model, args.input_tokens, args.output_tokens, cached_input_tokens=args.cached_tokens,
        reasoning_tokens=args.reasoning_tokens, service_tier=args.service_tier, as_of=args.as_of,
        web_search_calls=args.web_search_calls, file_search_calls=args.file_search_calls,
        prices=_prices_with(args.overrides),
    )
    _print_cost(args, _day(args.as_of), row, _provenance(row, args))
    return 0


def _print_cost(args: argparse.Namespace, day: Any, row: Any, prov: dict[str, Any]) -> None:
    """One request's cost (a ``cost_of`` Series, or the same keys from the fast path) as text, JSON or CSV,
    with the provenance of its price row (``verified_on``, the model's lifecycle; dates as YYYY-MM-DD)."""
    from explorer import quick

    comps = {c: float(row[c]) for c in quick.COMPONENTS}
    if args.format == "json":
        print(outputs.dumps_json({
            "model": args.model, "resolved_model": str(row["resolved_model"]),
            "provider": str(row["resolved_provider"]), "service_tier": str(row["service_tier"]),
            "as_of": str(day), **comps, "total_usd": float(row["total_usd"]),
            "price_source": str(row["price_source"]), "is_override": bool(row["is_override"]), **prov,
        }))
    elif args.format == "csv":
        import pandas as pd

        frame = pd.DataFrame([{"model": args.model, "resolved_model": str(row["resolved_model"]), **comps,
                               "total_usd": float(row["total_usd"]), "price_source": str(row["price_source"]),
                               **prov}])
        sys.stdout.write(outputs.to_csv(frame, raw=args.raw))
    else:
        where = f"{row['resolved_provider']}, {row['service_tier']}, prices of {day}"
        print(f"{row['resolved_model']} ({where})")
        for c, v in comps.items():
            if v:
                print(f"  {c:<18} {money(v)}")
        print(f"  {'total_usd':<18} {money(float(row['total_usd']))}")
        print(f"source: {row['price_source']}{'  [OVERRIDE]' if row['is_override'] else ''}")
        print(f"{_verified_text(prov['verified_on'])}; {prov['lifecycle_status']}"
              + (f", shutdown {prov['shutdown_on']}" if prov["shutdown_on"] else ""))


def _provenance(row: pd.Series, args: argparse.Namespace) -> dict[str, Any]:
    """verified_on and the model's lifecycle for the price row a request was priced with."""
    from explorer import prices

    day = prices._as_timestamp(args.as_of)
    table = _prices_with(args.overrides)
    table = table if table is not None else prices.price_history()
    hit = table[(table["provider"] == row["resolved_provider"]) & (table["model"] == row["resolved_model"])
                & (table["source"] == row["price_source"]) & prices.in_force(table, day)]
    first = hit.iloc[0] if len(hit) else None

    def date(col: str) -> str | None:
        return None if first is None else _date_text(first[col])

    status = str(prices.lifecycle_status(hit, day).iloc[0]) if len(hit) else "active"
    return {"verified_on": date("verified_on"), "lifecycle_status": status, "launched": date("launched"),
            "deprecated_on": date("deprecated_on"), "shutdown_on": date("shutdown_on")}


def _verified_of(sources: Sequence[str]) -> list[Any]:
    """verified_on of each price source (the latest check among the rows that cite it)."""
    from explorer import prices

    table = prices.price_history()
    checked = table.groupby(table["source"].astype(str))["verified_on"].max()
    return [checked.get(s) for s in sources]


def _stream_usage(path: str) -> bool:
    """Whether ``cost --usage`` should stream the file in chunks: a CSV or JSON-lines file over
    :data:`limits.STREAM_ABOVE_MB`, or a Parquet file declaring more than :data:`limits.STREAM_ABOVE_ROWS`."""
    p = Path(path)
    try:
        suffix = p.suffix.lower()
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(p).metadata.num_rows) > limits.STREAM_ABOVE_ROWS.value()
        if suffix not in (".csv", ".jsonl", ".ndjson", ".json") or not p.is_file():
            return False
        if p.stat().st_size <= limits.STREAM_ABOVE_MB.value() * 1024 * 1024:
            return False
        if suffix == ".csv":
            return True
        from explorer.usage import is_json_lines_log

        # One object per line (a request log or raw API responses) reads in blocks of lines; API pages and
        # JSON documents are read whole, within the file-size limit.
        return is_json_lines_log(p)
    except limits.LimitError:  # a bad EXPLORER_STREAM_ABOVE_* value
        raise
    except Exception:  # a missing or damaged file: the whole-file reader names what is wrong with it
        return False


STREAM_CHUNK_ROWS = 250_000
"""Rows priced at a time when ``cost --usage`` streams a big file (peak memory is about this many rows)."""
_SPOOL_ROWS = 25_000  # rows formatted as CSV or JSON text at a time


def _cost_usage_streamed(args: argparse.Namespace) -> int | None:
    """``cost --usage`` on a big request log: each chunk read, normalised and priced exactly as a whole file
    is (:func:`explorer.usage.normalize_usage`, :func:`explorer.usage.price`), only running totals kept,
    so memory is bounded by the chunk size, not the file size.

    CSV and JSON rows go to a temporary spool file first and are copied out only once every chunk has
    priced, so bad input still prints one error line and nothing else. Text output gives the totals:
    millions of table lines help no one (``--format csv`` has every row). Returns None, having printed
    nothing, for an aggregated export (a ``requests`` column): its duplicate-bucket check needs the whole
    file, which the caller then reads.
    """
    import shutil
    import tempfile

    from explorer import costs, prices
    from explorer import usage as u

    path = Path(args.usage)
    opts = u._options(None, args.convention, _split(args.ignore_columns))
    table = prices.price_history(overrides=args.overrides)
    rows = priced_rows = unpriced_rows = 0
    unpriced_models: set[str] = set()
    notes: list[str] = []
    used: dict[str, None] = {}  # price sources in order of first use, as a whole read lists them
    components = dict.fromkeys(costs.COMPONENTS, 0.0)
    cols: list[str] = []
    first: dict[str, Any] = {}  # what the first chunk's header says

    def chunks() -> Iterator[pd.DataFrame]:
        for raw in u._chunks(path, STREAM_CHUNK_ROWS):
            if not first:
                where = u._Where(path, raw.index.name or "line")
                header = u._rename(raw.head(0), u.COLUMN_ALIASES, opts.mapping, where, opts.ignore_columns)
                first.update(in_file=set(header.columns), aggregated="requests" in header.columns)
                if first["aggregated"]:
                    return
            yield raw

    def work(raw: pd.DataFrame) -> tuple[str, int, pd.DataFrame, pd.DataFrame, costs.CostSummary]:
        unit, n = raw.index.name or "line", len(raw)
        usage = u._normalize(raw, path, unit, opts)
        del raw  # the last reference (see usage._in_order)
        with costs.one_thread():  # the chunks are the parallelism
            priced = u.price(usage, as_of=args.as_of, prices=table, skip_unknown=args.skip_unknown)
        return unit, n, usage, priced, costs.summarize(priced)

    # Text output keeps no rows: two chunks are priced at once while the next is read. CSV and JSON write every
    # row in order from the main thread, one chunk at a time, so their peak stays about one chunk's.
    workers = u._PIPELINE_WORKERS if args.format == "text" else 1
    from explorer import usage_read

    usage_read.keep_freed_memory()  # every chunk allocates what the one before freed
    # Every chunk prices against the same table: the engine reads its arrays once.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool, costs.holding(table):
        for unit, count, usage, priced, s in u._in_order(chunks(), work, workers):
            priced_rows += s.priced_rows
            unpriced_rows += s.unpriced_rows
            unpriced_models.update(s.unpriced_models)
            notes.extend(n for n in priced.attrs.get("notes", []) if n not in notes)
            used.update(dict.fromkeys(_price_sources(priced)))
            for c in costs.COMPONENTS:
                components[c] += s.components_usd[c]
            if args.format != "text":
                out = priced.reset_index()
                out = out.rename(columns={out.columns[0]: unit})
                if not cols:  # fixed by the first chunk, so every chunk writes the same columns
                    counts = [c for c in (*costs.COUNT_COLUMNS, "cache_write_1h_tokens") if c in usage.columns]
                    show = ["model", *counts, "service_tier", "timestamp"]
                    # The file's own columns (not the empty ones the reader adds), as a whole read gives.
                    own = [c for c in usage.columns if c not in show and c not in ("requests", "source_file")
                           and (c in first["in_file"] or not usage[c].isna().all())]
                    cols = [unit, *[c for c in show if c in out.columns], "resolved_model", "total_usd", *own]
                    if "unpriced_reason" in out.columns or args.skip_unknown:
                        cols.append("unpriced_reason")
                out = out.reindex(columns=cols)
                for at in range(0, len(out), _SPOOL_ROWS):  # the text of a few rows at a time, never a chunk's
                    part = out.iloc[at : at + _SPOOL_ROWS]
                    head = rows == 0 and at == 0
                    if args.format == "csv":
                        spool.write(outputs.to_csv(part, raw=args.raw, header=head))
                    else:
                        # JSON text straight from pandas (a record a line; a newline in a value is escaped),
                        # never a Python object per row; numbers and days as outputs.records writes them.
                        records = outputs.json_lines(part).rstrip("\n")
                        spool.write(("" if head else ",\n") + records.replace("\n", ",\n"))
            rows += count
        if first.get("aggregated"):
            return None
        if rows == 0:
            raise CliError(f"{args.usage}: no usage rows")
        summary = costs.CostSummary(
            total_usd=float(sum(components.values())), priced_rows=priced_rows, unpriced_rows=unpriced_rows,
            unpriced_models=tuple(sorted(unpriced_models)), components_usd=components,
        )
        spool.seek(0)
        if args.format == "json":
            extra = {"total_usd": summary.total_usd, "priced_rows": summary.priced_rows,
                     "unpriced_rows": summary.unpriced_rows, "unpriced_models": list(summary.unpriced_models),
                     "components_usd": dict(summary.components_usd), "notes": notes,
                     "price_sources": list(used), "streamed": True}
            sys.stdout.write(outputs.dumps_json(extra, indent=None)[:-1] + ', "rows": [\n')
            shutil.copyfileobj(spool, sys.stdout)
            sys.stdout.write("\n]}\n")
        elif args.format == "csv":
            shutil.copyfileobj(spool, sys.stdout)
        else:
            print(f"{path.name}: {rows:,} rows priced in chunks of {STREAM_CHUNK_ROWS:,} (a big file: per-row "
                  "table left out; --format csv lists every row)")
            for c, v in summary.components_usd.items():
                if v:
                    print(f"  {c:<18} {money(v)}")
            print(summary.describe())
            _, footnotes = _source_refs(list(used), _verified_of(list(used)))
            if footnotes:
                print(footnotes)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _price_sources(priced: pd.DataFrame) -> list[str]:
    """The price sources of a priced usage frame's priced rows, in order of first use."""
    return [str(s) for s in priced.loc[priced["priced"].to_numpy(dtype=bool), "price_source"].unique()]


def _day(as_of: str | None) -> Any:
    from explorer import prices

    return prices._as_timestamp(as_of).date()


def _prices_with(overrides: str | None) -> pd.DataFrame | None:
    if not overrides:
        return None
    from explorer import prices

    return prices.price_history(overrides=overrides)


# ------------------------------------------------------------------------------------------------ compare


def _cmd_compare(args: argparse.Namespace) -> int:
    from explorer.compare import rank_models

    _warn_if_stale(args.as_of)
    if args.text_file is not None or args.chars is not None:
        from explorer.cli_tokens import run_compare_text

        if args.include_retired:  # the text ranking lists models on sale only: say so rather than ignore it
            raise CliError("--include-retired ranks by --input-tokens/--output-tokens only; drop it with "
                           "--text-file/--chars")
        if args.kind != "chat" or args.include_fine_tuned or args.include_third_party:
            raise CliError("--kind, --include-fine-tuned and --include-third-party rank by --input-tokens/"
                           "--output-tokens only (a text ranks chat models); drop them with --text-file/--chars")

        return run_compare_text(args, _prices_with(args.overrides), _emit)
    if args.input_tokens is None or args.output_tokens is None:
        raise CliError("compare needs --input-tokens and --output-tokens, or --text-file F / --chars N")
    ranked = rank_models(
        args.input_tokens, args.output_tokens, requests=args.requests, cached_input_tokens=args.cached_tokens,
        reasoning_tokens=args.reasoning_tokens, provider=args.provider, service_tier=args.service_tier,
        as_of=args.as_of, prices=_prices_with(args.overrides), models=args.models,
        include_retired=args.include_retired, kind=args.kind, include_fine_tuned=args.include_fine_tuned,
        first_party_only=False if args.include_third_party else None,
    )
    _show_ranking(args, ranked)
    return 0


COMPARE_LIMIT = 20
"""Rows ``compare`` shows unless ``--limit`` says otherwise (``--limit 0``: all)."""
UNKNOWN_CONTEXT_SHOWN = 5
"""Models with an unknown context window listed under the ranking unless ``--limit`` says otherwise."""


def _show_ranking(args: argparse.Namespace, ranked: pd.DataFrame) -> None:
    import pandas as pd

    from explorer import fmt

    unpriced = dict(ranked.attrs.get("unpriced", {}))
    left_out = dict(ranked.attrs.get("left_out", {}))
    limit = args.limit if args.limit is not None else (0 if args.models else COMPARE_LIMIT)
    unknown = ranked["context_unknown"].astype(bool)
    fits, maybe = ranked[~unknown], ranked[unknown]
    n_fits, n_maybe = len(fits), len(maybe)
    if limit:
        fits = fits.head(limit)
        maybe = maybe.head(limit if args.limit is not None else min(limit, UNKNOWN_CONTEXT_SHOWN))
    per_request = args.input_tokens + args.output_tokens
    cols = ["provider", "model", "cost_per_request_usd", "total_usd", "context_window_tokens"]
    extra: dict[str, Any] = {
        "input_tokens": args.input_tokens, "output_tokens": args.output_tokens, "requests": args.requests,
        "as_of": str(_day(args.as_of)), "kind": None if args.models else args.kind, "ranked": n_fits,
        "more": n_fits - len(fits), "context_unknown_count": n_maybe, "left_out": left_out, "unpriced": unpriced,
    }
    retired = "; retired models at their last price" if args.include_retired else (
        "; models not on sale that day are left out")
    what = "model(s)" if args.models else f"{args.kind} model(s)" if args.kind else "model(s) of every kind"
    footer = (f"{len(fits)} of {n_fits} {what} ranked for {args.requests:,} request(s) of {args.input_tokens:,} "
              f"input + {args.output_tokens:,} output tokens, prices of {_day(args.as_of)}; models whose context "
              f"window is too small are left out{retired}")
    if n_fits > len(fits):
        footer += f"\n{n_fits - len(fits)} more; --limit 0 for all"
    footer += "".join(f"\nnote: {line}" for line in _left_out_lines(args, left_out))
    n_small = int(fits["context_window_tokens"].isna().sum())
    if n_small:
        floor = int(ranked.attrs.get("context_floor_tokens", 0))
        footer += (f"\nnote: {n_small} ranked model(s) have no known context window; this request fits every "
                   f"known one ({floor:,} tokens or more that day)")
    for note in unpriced.values():
        footer += f"\nnote: {note}"
    if args.format == "json":
        payload = {**extra, "rows": _json_rows(fits), "context_unknown": _json_rows(maybe)}
        print(outputs.dumps_json(payload))
        return
    if args.format == "csv":
        both = pd.concat([fits, maybe]) if len(maybe) else fits
        both = both.assign(alternatives=[" ".join(a) for a in both["alternatives"]]) if len(both) else both
        sys.stdout.write(outputs.to_csv(outputs.per_request_names(both), raw=args.raw))
        return
    frames = [(fits, footer)]
    if n_maybe:
        head = (f"\ncontext window unknown ({n_maybe} model(s)): ranked apart, they may not take "
                f"{per_request:,} tokens per request")
        tail = f"{n_maybe - len(maybe)} more; --limit 0 for all" if n_maybe > len(maybe) else ""
        frames.append((maybe, tail))
    for i, (frame_in, foot) in enumerate(frames):
        if i:
            print(head)
        frame = frame_in[cols].copy()
        frame["model"] = [_model_text(r) for r in frame_in.itertuples()]
        frame["context_window_tokens"] = frame["context_window_tokens"].map(lambda x: fmt.count(x, missing="unknown"))
        if len(frame_in):
            frame["status"] = [_status_text(s, d, e) for s, d, e in zip(
                frame_in["lifecycle_status"], frame_in["deprecated_on"], frame_in["shutdown_on"], strict=True)]
            frame["verified"] = [_verified_text(v).removeprefix("verified ") for v in frame_in["verified_on"]]
            refs, footnotes = _source_refs(frame_in["price_source"].tolist(), frame_in["verified_on"].tolist())
            frame["src"] = refs
            foot = f"{foot}\n{footnotes}" if foot else footnotes
            if any(len(a) for a in frame_in["alternatives"]):
                frame["also_named"] = [", ".join(a) for a in frame_in["alternatives"]]
        _emit(outputs.per_request_names(frame), "text", money_cols=["usd_per_request", "total_usd"],
              footer=foot or None)


def _model_text(row: Any) -> str:
    """``claude-sonnet-4-5 on Google Vertex AI``, ``my-model [OVERRIDE]``: the model as a person reads it."""
    text = str(row.model)
    if row.served_by:
        text += f" on {row.served_by}"
    if bool(row.is_override):
        text += " [OVERRIDE]"
    return text


def _left_out_lines(args: argparse.Namespace, left_out: dict[str, int]) -> list[str]:
    lines = []
    if left_out.get("other_kinds"):
        lines.append(f"{left_out['other_kinds']:,} model(s) of other kinds left out (speech, transcription, image, "
                     f"embedding, ...: not {args.kind}); --kind KIND ranks another kind")
    if left_out.get("fine_tuned"):
        lines.append(f"{left_out['fine_tuned']:,} fine-tuned snapshot(s) left out; --include-fine-tuned adds them")
    if left_out.get("third_party"):
        lines.append(f"{left_out['third_party']:,} offering(s) by cloud platforms, routers and inference hosts left "
                     "out (each maker's own API is ranked); --include-third-party or --provider P ranks them")
    if left_out.get("duplicates"):
        lines.append(f"{left_out['duplicates']:,} duplicate name(s) of the same offering shown once (also_named)")
    return lines


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    listed = frame.assign(alternatives=[list(a) for a in frame["alternatives"]])
    return outputs.records(outputs.per_request_names(listed))


# ------------------------------------------------------------------------------------------------ audit


def _cmd_audit(args: argparse.Namespace) -> int:
    from explorer.audit import audit_curated, audit_file

    if args.curated:
        if args.file:
            raise CliError("give a FILE to audit, or --curated, not both")
        curated = audit_curated()
        counts = {k: int(curated["status"].eq(k).sum()) for k in ("ok", "unverified", "problem")}
        if args.format == "text":
            for _, r in curated[curated["status"] == "problem"].iterrows():
                print(f"{r['file']} line {r['line']} {r['model']}: {r['detail']}")
            print(f"{counts['ok']} verified, {counts['unverified']} unverified (their sources say why), "
                  f"{counts['problem']} problem(s) in the curated tables")
        else:
            _emit(curated, args.format, extra={"counts": counts}, raw=args.raw)
        return EXIT_FINDINGS if counts["problem"] else 0
    if not args.file:
        raise CliError("give a FILE to audit, or --curated to audit the bundled curated tables")
    result = audit_file(args.file)
    counts = result["status"].value_counts().to_dict()
    extra = {"file": str(args.file), "counts": counts}
    if args.format == "text":
        for _, r in result.iterrows():
            mark = "OK   " if r["status"] == "ok" else "WRONG" if r["status"] == "wrong" else r["status"].upper()
            print(f"line {r['line']:>3} {mark} {r['model']}: {r['explanation']}")
        print(", ".join(f"{v} {k}" for k, v in counts.items()))
    else:
        _emit(result, args.format, extra=extra, raw=args.raw)
    # A row that is not ok (wrong, unknown model, priced before the model was) is a finding: exit 1, so a
    # pipeline can gate on it.
    return EXIT_FINDINGS if (result["status"] != "ok").any() else 0


# ------------------------------------------------------------------------------------------------ refresh


def _cmd_refresh(args: argparse.Namespace) -> int:
    from explorer import refresh

    if args.versions:
        kept = refresh.versions()
        for v in kept:
            print(f"{'*' if v.active else ' '} {v.id}  fetched {v.fetched}  from {v.source}")
        bundled_active = not any(v.active for v in kept)
        print(f"{'*' if bundled_active else ' '} bundled  genai-prices snapshot shipped with the package")
        return 0
    if args.rollback:
        path = refresh.rollback(None if args.rollback is True else args.rollback)
        print(f"rolled back: now using {'the bundled snapshot' if path.name == 'bundled' else path}")
    elif args.bundled:
        was = refresh.use_bundled()
        print("using the bundled genai-prices snapshot"
              + (f" (refreshed copy kept at {was}; explorer refresh-prices --rollback)" if was else ""))
    else:
        candidate = refresh.prepare_refresh(args.url or refresh.DEFAULT_UPDATE_URL, source_file=args.file)
        blockers = candidate.diff.blockers()
        if blockers and not args.force and not args.dry_run:
            refresh.install(candidate)  # refuses, one line with the counts: bad input prints nothing else
        # The difference is shown before anything is replaced (and is all a dry run does).
        print("compared with the prices in use: " + "\n".join(candidate.diff.lines()), flush=True)
        if args.dry_run:
            print("dry run: nothing was changed"
                  + (f"; a refresh would be refused: it {'; it '.join(blockers)} (--force)" if blockers else ""))
            return 0
        res = refresh.install(candidate, force=args.force)
        print(f"refreshed: {res.providers} providers, {res.openai_models} token-priced OpenAI models, "
              f"sha256 {res.sha256[:12]}; version {res.version}"
              + (" (already kept: made active, nothing stored twice)" if res.reused else "")
              + (f"; previous kept at {res.previous} (explorer refresh-prices --rollback)" if res.previous else ""))
    return 0


# ------------------------------------------------------------------------------------------------ parser


def _split(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def add_usage_column_options(p: argparse.ArgumentParser) -> None:
    """``--convention`` and ``--ignore-columns``: the same on every command that reads usage files."""
    p.add_argument("--convention", choices=["openai", "anthropic", "gemini"],
                   help="how ambiguous input_tokens / output_tokens count (needed when the headers do not say)")
    p.add_argument("--ignore-columns", metavar="COLS",
                   help="comma-separated columns to leave unpriced (an unknown count column is otherwise an error)")


def _provider(text: str) -> str:
    """Provider ids are lower case; ``--provider Anthropic`` means ``anthropic``."""
    return text.strip().lower()


def _add_common(p: argparse.ArgumentParser, *, tier: bool = True) -> None:
    p.add_argument("--as-of", metavar="DATE", help="prices in force on this day (YYYY-MM-DD; default today)")
    p.add_argument("--overrides", metavar="CSV",
                   help="a user overrides CSV applied on top of the bundled prices ('-' reads standard input)")
    if tier:
        p.add_argument("--service-tier", default="standard", choices=["standard", "batch", "flex", "priority"],
                       help="price at this service tier (default standard)")
    p.add_argument("--format", default="text", choices=FORMATS, help="text (default), csv or json")
    add_raw(p)


def add_raw(p: argparse.ArgumentParser) -> None:
    """``--raw``: CSV cells exactly as they are (by default formula-leading cells are neutralised)."""
    p.add_argument("--raw", action="store_true",
                   help="CSV: write cells as they are (default: cells starting with = + - @ get a leading ')")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2), like every other bad input here, naming
    the subcommand's own --help; epilogs keep their line breaks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")

    def unrecognized(self, extras: Sequence[str]) -> NoReturn:
        """Options this (sub)command does not have, with the closest ones it does."""
        import difflib

        known = [o for a in self._actions for o in a.option_strings if a.help != argparse.SUPPRESS]
        close = [m for x in extras if x.startswith("--")
                 for m in difflib.get_close_matches(x.split("=")[0], known, n=1, cutoff=0.6)]
        hint = f"; did you mean {', '.join(dict.fromkeys(close))}?" if close else ""
        self.error(f"unrecognized arguments: {' '.join(extras)}{hint}")


REQUESTS_HELP = ("how many requests of this size (default 1): total_usd covers them all; the per-request "
                 "columns cover one")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with ``command``, one whose other plugin subcommands are left out (not imported)."""
    parser = _Parser(prog="explorer", description="What will this cost on the OpenAI API, and on the alternatives?",
                     epilog="Run `explorer COMMAND --help` for a command's options and examples; docs/cli.md for "
                     "conventions ('-' reads standard input, provider/model names, numbers).\n\n" + EXIT_CODES)
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("prices", help="the price table in force on a date, with sources; or what changed since one",
                       epilog=examples("explorer prices --provider openai --model gpt-4o",
                                       "explorer prices --model openai/gpt-4o --as-of 2024-06-01 --format csv",
                                       "explorer prices --changes-since 2026-08-01 --scenario support-chatbot"))
    p.add_argument("--provider", type=_provider,
                   help="provider id, e.g. openai, anthropic, google (any case)")
    p.add_argument("--model", metavar="PATTERN",
                   help="models whose id contains this text; provider/model or provider:model picks the provider")
    p.add_argument("--include-retired", action="store_true",
                   help="also list models shut down by --as-of, at their last price, marked RETIRED")
    p.add_argument("--changes-since", metavar="DATE",
                   help="list every price change, launch, deprecation and shutdown after DATE (up to --as-of)")
    p.add_argument("--scenario", metavar="NAME|FILE",
                   help="with --changes-since: each change's effect on this scenario's monthly cost "
                   "('-' reads the file from standard input)")
    _add_common(p)
    p.set_defaults(func=_cmd_prices)

    p = sub.add_parser("cost", help="the cost of one request, or of every row of a usage file",
                       epilog=examples("explorer cost --model gpt-4o --input-tokens 1000 --output-tokens 500",
                                       "explorer cost --model anthropic:claude-sonnet-4-5 --input-tokens 20000 "
                                       "--output-tokens 800 --format json",
                                       "explorer cost --usage requests.csv --skip-unknown",
                                       "cat requests.jsonl | explorer cost --usage - --format csv"))
    p.add_argument("--model", help="model id or alias; provider/model or provider:model picks the provider")
    p.add_argument("--input-tokens", type=_positive_int("--input-tokens"),
                   help="input (prompt) tokens of the request, cached ones included")
    p.add_argument("--output-tokens", type=_positive_int("--output-tokens"),
                   help="output tokens of the request, reasoning ones included")
    p.add_argument("--cached-tokens", type=_positive_int("--cached-tokens"), default=0,
                   help="part of --input-tokens read from the prompt cache (default 0)")
    p.add_argument("--reasoning-tokens", type=_positive_int("--reasoning-tokens"), default=0,
                   help="part of --output-tokens spent reasoning (default 0)")
    p.add_argument("--web-search-calls", type=_positive_int("--web-search-calls"), default=0,
                   help="web search tool calls made by the request (default 0)")
    p.add_argument("--file-search-calls", type=_positive_int("--file-search-calls"), default=0,
                   help="file search tool calls made by the request (default 0)")
    p.add_argument("--usage", metavar="FILE", help="a usage file: request log (CSV, JSON lines, Parquet), "
                   "usage export, or raw API responses (JSON lines); '-' reads standard input; see docs/usage.md")
    p.add_argument("--skip-unknown", action="store_true", help="list rows with unknown models as unpriced")
    add_usage_column_options(p)
    _add_common(p)
    p.set_defaults(func=_cmd_cost)

    p = sub.add_parser("compare", help="every model ranked by cost for one workload",
                       epilog=examples("explorer compare --input-tokens 2000 --output-tokens 500 --requests 10000 "
                                       "--provider openai --limit 10",
                                       "explorer compare --input-tokens 2000 --output-tokens 500 --model openai:gpt-4o "
                                       "--model anthropic/claude-sonnet-4-5",
                                       "explorer compare --text-file prompt.txt --output-tokens 300 --limit 10"))
    p.add_argument("--input-tokens", type=_positive_int("--input-tokens"),
                   help="input tokens of one request, cached ones included")
    p.add_argument("--output-tokens", type=_positive_int("--output-tokens"),
                   help="output tokens of one request, reasoning ones included")
    from explorer.families import KINDS  # light: the token machinery loads only when a text is given

    g = p.add_mutually_exclusive_group()
    g.add_argument("--text-file", metavar="F", help="input of each request is this text (a folder: each file one "
                   "request; '-' reads standard input); each model counts it with its own tokenizer")
    g.add_argument("--chars", type=_positive_int("--chars"), metavar="N", help="input is N characters of text")
    p.add_argument("--language", choices=KINDS, help="kind of text (for --chars, and for estimated models)")
    p.add_argument("--cached-tokens", type=_positive_int("--cached-tokens"), default=0,
                   help="part of --input-tokens read from the prompt cache, per request (default 0)")
    p.add_argument("--reasoning-tokens", type=_positive_int("--reasoning-tokens"), default=0,
                   help="part of --output-tokens spent reasoning, per request (default 0)")
    p.add_argument("--requests", type=_positive_int("--requests"), default=1, help=REQUESTS_HELP)
    p.add_argument("--provider", action="append", type=_provider,
                   help="only this provider (any case); repeat to compare several")
    p.add_argument("--model", action="append", dest="models", metavar="MODEL",
                   help="compare only these models (repeat; provider/model or provider:model); a model not on "
                   "sale that day is named with the reason")
    deprecated(p, "--models", "--model (repeated)", "models", nargs="+", extend=True)
    p.add_argument("--include-retired", action="store_true",
                   help="also rank models shut down by --as-of, at their last price, marked RETIRED")
    p.add_argument("--limit", type=_positive_int("--limit"), default=None,
                   help=f"show only the N cheapest (default {COMPARE_LIMIT}; 0: all)")
    from explorer.candidates import KINDS as MODEL_KINDS

    p.add_argument("--kind", choices=list(MODEL_KINDS), default="chat",
                   help="kind of model to rank (default chat: text generation; e.g. --kind transcription); "
                        "models named with --model are ranked whatever their kind")
    p.add_argument("--include-fine-tuned", action="store_true", help="also rank fine-tuned snapshots (ft:...)")
    p.add_argument("--include-third-party", action="store_true",
                   help="with no --provider, also rank models served by cloud platforms, routers and inference "
                        "hosts (default: each maker's own API)")
    _add_common(p)
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("audit", help="check a price table CSV (model,input_usd_per_mtok,output_usd_per_mtok,as_of), "
                                      "or --curated: every row of the bundled curated tables against its source",
                       epilog=examples("explorer audit data/seed_2025-05-16.csv      # exit 1: it has wrong rows",
                                       "explorer audit my_prices.csv --format json",
                                       "explorer audit --curated"))
    p.add_argument("file", nargs="?", help="the price table CSV to check ('-' reads standard input)")
    p.add_argument("--curated", action="store_true", help="audit the bundled curated CSVs row by row")
    p.add_argument("--format", default="text", choices=FORMATS, help="text (default), csv or json")
    add_raw(p)
    p.set_defaults(func=_cmd_audit)

    p = sub.add_parser("refresh-prices", help="explicitly download newer genai-prices data (the only network use)",
                       epilog=examples("explorer refresh-prices --dry-run",
                                       "explorer refresh-prices --file data.json",
                                       "explorer refresh-prices --versions",
                                       "explorer refresh-prices --rollback"))
    g = p.add_mutually_exclusive_group()
    # No default here: genai-prices (which names the default URL) is imported only when refreshing.
    g.add_argument("--url", help="where to download from (default: genai-prices' data)")
    g.add_argument("--file", help="install a data file you downloaded yourself ('-' reads standard input)")
    g.add_argument("--rollback", nargs="?", const=True, metavar="VERSION",
                   help="go back to the price data used before, or to a kept VERSION (see --versions)")
    g.add_argument("--bundled", action="store_true", help="stop using refreshed data; use the bundled snapshot")
    g.add_argument("--versions", action="store_true", help="list the kept price data versions (* = in use)")
    p.add_argument("--dry-run", action="store_true", help="download and compare with the prices in use; change nothing")
    p.add_argument("--force", action="store_true",
                   help="install even if it drops providers, many models or models the shipped scenarios use")
    p.set_defaults(func=_cmd_refresh)

    p = sub.add_parser("completion", help="print the shell completion script for bash, zsh or fish",
                       epilog=examples('eval "$(explorer completion bash)"       # in ~/.bashrc',
                                       'eval "$(explorer completion zsh)"        # in ~/.zshrc',
                                       "explorer completion fish > ~/.config/fish/completions/explorer.fish"))
    p.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    p.set_defaults(func=_cmd_completion)

    wanted = [] if command in BUILTIN_COMMANDS else [PLUGINS[command]] if command in PLUGINS else PLUGIN_MODULES
    for name in wanted:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


SHELLS = ("bash", "zsh", "fish")


def _cmd_completion(args: argparse.Namespace) -> int:
    """argcomplete's script for the shell: it calls ``explorer`` back to complete subcommands and options."""
    import argcomplete

    sys.stdout.write(argcomplete.shellcode(["explorer"], shell=args.shell))
    return 0


class _VersionAction(argparse.Action):
    """``--version``, looked up only when asked: reading the installed metadata costs every other run
    a few tens of milliseconds."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(f"explorer {version()}")  # on standard output, as argparse's own version action prints it
        parser.exit()


def version() -> str:
    """The installed distribution's version; the package's own when it is not installed (a source tree)."""
    from importlib import metadata

    try:
        return metadata.version("llm-cost-explorer")
    except metadata.PackageNotFoundError:
        from explorer import __version__

        return __version__


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the top-level parser has no options but --help)."""
    return next((a for a in argv if not a.startswith("-")), None)


def _one_line_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                      line: str | None = None) -> str:
    return f"warning: {limits.terminal_safe(str(message))}\n"  # a file name in a warning reaches the terminal too


STDIN_SUFFIXES: dict[str, str | None] = {
    "usage": None, "files": None, "scenario": ".yaml", "file": None, "overrides": ".csv", "text_file": ".txt",
    "messages": ".json", "tools": ".json",
}
"""Options whose value is a file that ``-`` may stand for, with the file type standard input is read as
(None: sniffed: ``PAR1`` Parquet, ``{``/``[`` JSON, else CSV; for ``file`` it depends on the command)."""

FILE_SUFFIX_BY_COMMAND = {"audit": ".csv", "refresh-prices": ".json", "tokens": ".txt"}


def _sniff(data: bytes) -> str:
    if data.startswith(b"PAR1"):
        return ".parquet"
    return ".json" if data.lstrip()[:1] in (b"{", b"[") else ".csv"


@contextlib.contextmanager
def _stdin_files(args: argparse.Namespace) -> Iterator[str | None]:
    """Where an option or argument names ``-``, standard input is copied to a temporary file of the right
    type and the option points there for the command's readers (every reader takes a path); yields that
    path (errors name it ``<stdin>``). Standard input can be read once: two ``-`` are an error."""
    wanted = [(dest, i) for dest in STDIN_SUFFIXES for i, v in enumerate(_as_list(getattr(args, dest, None)))
              if v == "-"]
    if args.command == "tokens" and getattr(args, "text", None) == "-":
        wanted.append(("text", 0))  # read by the command itself; counted here so two '-' are refused
    if len(wanted) > 1:
        names = ", ".join("FILE" if d in ("files", "file", "text") else f"--{d.replace('_', '-')}" for d, _ in wanted)
        raise CliError(f"standard input can be read once: '-' is given to {names}")
    if not wanted or wanted[0][0] == "text":
        yield None
        return
    import tempfile

    dest, index = wanted[0]
    data = sys.stdin.buffer.read()
    suffix = STDIN_SUFFIXES[dest] or FILE_SUFFIX_BY_COMMAND.get(args.command) or _sniff(data)
    stdout = sys.stdout
    with tempfile.TemporaryDirectory(prefix="explorer-stdin-") as folder:
        path = Path(folder) / f"stdin{suffix}"
        path.write_bytes(data)
        value = getattr(args, dest)
        if isinstance(value, list):
            value[index] = str(path)
        else:
            setattr(args, dest, str(path))
        # What the command writes names the temporary copy (a price source, a file column) as <stdin>.
        sys.stdout = _Renaming(stdout, str(path), STDIN_NAME)
        try:
            yield str(path)
        finally:
            sys.stdout = stdout


STDIN_NAME = "<stdin>"


class _Renaming(io.TextIOBase):
    """A text stream that writes ``old`` as ``new``."""

    def __init__(self, stream: Any, old: str, new: str) -> None:
        self._stream, self._old, self._new = stream, old, new

    def write(self, text: str) -> int:
        self._stream.write(text.replace(self._old, self._new))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def writable(self) -> bool:
        return True


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None or value is True else [value]


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    completing = "_ARGCOMPLETE" in os.environ
    # --version alone needs no subcommand module; completion needs them all.
    parser = build_parser(None if completing else "prices" if argv == ["--version"] else _command(argv))
    if completing:
        import argcomplete

        argcomplete.autocomplete(parser)  # answers the shell and exits
    # argparse exits 2 on usage errors already, with its own one-line message; options a subcommand does
    # not know are reported by that subcommand, pointing at its own --help.
    args, extras = parser.parse_known_args(argv)
    if extras:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        target = sub.choices.get(args.command, parser)
        (target if isinstance(target, _Parser) else parser).unrecognized(extras)  # type: ignore[attr-defined]
    formatwarning = warnings.formatwarning
    warnings.formatwarning = _one_line_warning  # e.g. a damaged price cache: one line, like every message here
    stdout = sys.stdout
    if getattr(args, "format", "text") == "text":
        # Text goes to a terminal: a model or file name must not be able to send it escape sequences.
        sys.stdout = outputs.SafeTextStream(stdout)
    stdin_path: str | None = None
    try:
        with _stdin_files(args) as stdin_path:
            return int(args.func(args) or 0)
    except BrokenPipeError:  # e.g. `explorer prices | head`
        return 0
    except MemoryError:  # the frames that held the memory are gone by now: one line, as for any bad input
        print("error: out of memory: the input is too big to hold at once (docs/limits.md: a usage log streams "
              "above EXPLORER_STREAM_ABOVE_MB / EXPLORER_STREAM_ABOVE_ROWS; lower them to stream it)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValueError, OSError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if stdin_path:  # the temporary copy is standard input to the user
            msg = msg.replace(stdin_path, STDIN_NAME).replace(Path(stdin_path).name, STDIN_NAME)
        print(f"error: {limits.terminal_safe(msg)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        warnings.formatwarning = formatwarning
        sys.stdout = stdout


if __name__ == "__main__":
    sys.exit(main())
