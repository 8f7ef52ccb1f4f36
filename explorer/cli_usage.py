"""``explorer usage FILE...``: what imported usage cost, broken down, re-priced, and checked against the bill.

Examples::

    explorer usage data/samples/usage_completions_page1.json data/samples/usage_completions_page2.json
    explorer usage requests.parquet --by day --what-if-model gpt-5-mini --format json
    explorer usage usage.json costs.json            # a Costs export among the files: reconcile too
    explorer usage requests.csv --forecast --budget 5000 --format json   # month-end forecast, budget day

Everything is computed before anything is printed, so bad input prints one error line and nothing else.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from explorer import outputs
from explorer import usage as u
from explorer.limits import clip

__all__ = ["register", "run", "run_caching"]


def register(subparsers: Any) -> None:
    """Add the ``usage`` subcommand to the ``explorer`` parser."""
    from explorer.cli import add_raw, add_usage_column_options
    from explorer.cli_args import deprecated, examples

    p = subparsers.add_parser(
        "usage",
        help="price usage exports or request logs; break down, re-price, reconcile with a Costs export",
        description="Price OpenAI Usage API exports (JSON pages or CSV) and request logs (CSV, JSON lines, "
        "Parquet). Costs API exports among the files are reconciled against the estimate. The --what-if-* "
        "options re-price all of the traffic (the model, tier or day it would have used).",
        epilog=examples(
            "explorer usage usage_completions_page1.json usage_completions_page2.json costs.json",
            "explorer usage requests.parquet --by day --what-if-model gpt-5-mini --format json",
            "explorer usage requests.csv --what-if-service-tier batch --what-if-as-of 2026-01-01",
            "cat requests.jsonl | explorer usage -",
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="usage exports, request logs, Costs exports ('-' reads one from standard input)")
    p.add_argument("--by", default="model", choices=list(u.BREAKDOWNS), help="breakdown (default: model)")
    p.add_argument("--what-if-model", metavar="M",
                   help="re-price all of the traffic on this model (provider/model or provider:model too)")
    p.add_argument(
        "--what-if-service-tier",
        choices=["standard", "batch", "flex", "priority"],
        help="re-price all of the traffic on this tier (rows whose model lacks it keep their own)",
    )
    # `cost --service-tier` prices AT a tier; here it re-priced TO one: the what-if name says which.
    deprecated(p, "--service-tier", "--what-if-service-tier", "what_if_service_tier",
               choices=["standard", "batch", "flex", "priority"])
    p.add_argument("--what-if-as-of", metavar="DATE", help="re-price at the prices in force on this day")
    p.add_argument("--skip-unknown", action="store_true", help="list rows with unknown models as unpriced")
    add_usage_column_options(p)
    p.add_argument(
        "--overrides", metavar="CSV",
        help="a user overrides CSV applied on top of the bundled prices ('-' reads standard input)"
    )
    p.add_argument(
        "--format", default="text", choices=["text", "csv", "json"], help="text (default), csv or json"
    )
    p.add_argument(
        "--forecast", action="store_true",
        help="forecast this month's spend from the log's daily trend: median with a p10-p90 band",
    )
    p.add_argument(
        "--budget", metavar="USD", type=_budget,
        help="with --forecast: the monthly budget; prints the day it runs out (budget_exhausted_on)",
    )
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar while a big log is priced in chunks (shown on a terminal only)")
    add_raw(p)
    p.set_defaults(func=run)

    c = subparsers.add_parser(
        "caching",
        help="does prompt caching pay? a prefix reused R times, with and without caching, per model",
        description="Cost of a prompt prefix of N tokens written to the cache once and read R times, against "
        "sending it uncached every time; the break-even number of reuses per model.",
        epilog=examples(
            "explorer caching --prefix-tokens 20000 --reuses 1,2,10 --write-duration 1h",
            "explorer caching --prefix-tokens 50000 --model gpt-5 --model anthropic:claude-sonnet-4-5",
        ),
    )
    c.add_argument("--prefix-tokens", type=int, required=True, metavar="N", help="tokens in the cached prefix")
    c.add_argument("--reuses", default="1,2,5,10,100", metavar="R,...", help="reuses to price (default 1,2,5,10,100)")
    c.add_argument("--model", action="append", metavar="M",
                   help="a model to price (repeat to compare; default: a few of each provider)")
    c.add_argument("--write-duration", choices=["5m", "1h"], default="5m",
                   help="cache lifetime asked for (Anthropic prices 1-hour writes higher)")
    c.add_argument("--storage-usd-per-mtok-hour", type=float, metavar="USD",
                   help="storage price of an explicit cache (Gemini), per 1M tokens per hour")
    c.add_argument("--hours", type=float, default=1.0, help="hours the explicit cache is kept (with storage)")
    c.add_argument("--as-of", metavar="DATE", help="prices in force on this day (default today)")
    c.add_argument("--format", default="text", choices=["text", "csv", "json"], help="text (default), csv or json")
    c.set_defaults(func=run_caching)


def run(args: argparse.Namespace) -> int:
    """Compute everything, then print it; errors are ValueErrors the CLI turns into one line, exit 2."""
    from explorer import prices
    from explorer.cli import money

    _check_flags(args)
    from explorer.cli import _split

    if (chunked := _run_chunked(args)) is not None:
        return chunked
    imported = u.load(*args.files, convention=args.convention, ignore_columns=_split(args.ignore_columns))
    if imported.usage is None:
        raise ValueError("no usage file among the files given (only Costs exports); add a usage export")
    table = prices.price_history(overrides=args.overrides)
    if args.what_if_model:
        try:
            u._check_target(args.what_if_model, table)  # may be a model only the overrides define
        except ValueError as exc:
            raise ValueError(f"--what-if-model: {str(exc).removeprefix('model: ')}") from None
    priced = u.price(imported.usage, prices=table, skip_unknown=args.skip_unknown)
    notes = [*imported.notes, *priced.attrs.get("notes", [])]
    if getattr(args, "forecast", False):
        return _run_forecast(args, priced, notes)
    summary = u._costs.summarize(priced)
    breakdown = u.cost_by(priced, args.by)
    scenario = _scenario(args)
    what_if_total = None
    if scenario:
        alt = u.what_if(imported.usage, prices=table, skip_unknown=args.skip_unknown, **scenario)
        breakdown = u.compare(priced, alt, args.by, prices=table)
        what_if_total = float(alt.loc[alt["priced"], "total_usd"].sum())
        fallback_rows = int(alt["tier_fallback"].sum())
        what_if_notes = _what_if_notes(priced, alt, table) if args.what_if_model else {}
    recon = u.reconcile(priced, imported.billed) if imported.billed is not None else None

    if args.format == "json":
        payload: dict[str, Any] = {
            "total_usd": summary.total_usd,
            "by": args.by,
            "breakdown": _records(breakdown),
            "priced_rows": summary.priced_rows,
            "unpriced_rows": summary.unpriced_rows,
            "unpriced_models": list(summary.unpriced_models),
            "components_usd": dict(summary.components_usd),
            "notes": notes,
        }
        if scenario:
            payload["what_if"] = {**scenario, "total_usd": what_if_total, "tier_fallback_rows": fallback_rows,
                                  **what_if_notes}
        if recon is not None:
            payload["billed_usd"] = float(imported.billed["amount_usd"].sum())
            payload["reconciliation"] = _records(recon[recon["flagged"]])
        print(outputs.dumps_json(payload))
        return 0
    if args.format == "csv":
        sys.stdout.write(outputs.to_csv(breakdown, raw=args.raw))
        return 0
    from explorer.cli import text_table

    shown = breakdown.copy()
    # A model no price is known for costs "unknown", not $0.00 and 0.0% of the total.
    unknown = (breakdown[args.by].isin(summary.unpriced_models) if args.by == "model"
               else pd.Series(False, index=breakdown.index))
    if "change_usd" in shown.columns:
        shown["change_usd"] = breakdown["change_usd"].map(_signed).where(~unknown, "")
        shown["change_pct"] = breakdown["change_pct"].map(lambda x: f"{x:+.1f}%" if x == x else "").where(~unknown, "")
    if "share" in shown.columns:
        shown["share"] = breakdown["share"].map(lambda x: f"{x:.1%}").where(~unknown, "")
    if "note" in shown.columns:
        shown["note"] = [_short_note(n, k, r) for n, k, r in zip(
            breakdown["note"], breakdown["requests_kept"], breakdown["requests"], strict=True)]
        shown = shown.drop(columns="requests_kept")
        if not shown["note"].astype(bool).any():
            shown = shown.drop(columns="note")
    print(text_table(shown, money_cols=["total_usd", "what_if_usd"], unknown=unknown))
    print(summary.describe())
    if scenario:
        what = ", ".join(f"{k}={v}" for k, v in scenario.items())
        print(f"what if {what}: total {money(what_if_total)} ({_signed(what_if_total - summary.total_usd)})")
        if fallback_rows:
            print(f"  {fallback_rows:,} row(s) kept another tier: their model lacks the one asked for")
        for line in what_if_notes.get("kept", []):
            print(f"  !! {line}")
        for line in what_if_notes.get("smaller_class", []):
            print(f"  !! {line}")
    if recon is not None:
        flagged = recon[recon["flagged"]]
        billed = float(imported.billed["amount_usd"].sum())
        print(f"billed {money(billed)}; {len(flagged)} difference(s) beyond tolerance:")
        for r in flagged.itertuples():
            print(
                f"  !! {r.day} {r.line_item}: estimated {money(r.estimated_usd)}, "
                f"billed {money(r.billed_usd)} ({r.status})"
            )
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _what_if_notes(priced: pd.DataFrame, alt: pd.DataFrame, table: pd.DataFrame) -> dict[str, Any]:
    """What a what-if model cannot take (traffic kept on its own model) and moves to a smaller class of model,
    per current model, whatever the breakdown: ``requests_kept``, ``kept`` and ``smaller_class`` lines."""
    per_model = u.compare(priced, alt, "model", prices=table)
    kept, smaller = [], []
    for r in per_model.itertuples():
        for part in str(r.note).split("; "):
            if not part:
                continue
            moved_to = part.startswith(("smaller class", "different kind"))
            (smaller if moved_to else kept).append(f"{r.model}: {part}")
    return {"requests_kept": int(per_model["requests_kept"].sum()), "kept": kept, "smaller_class": smaller}


def _short_note(note: str, kept: int, requests: int) -> str:
    """The breakdown table's mark; the full reasons print under the table."""
    marks = []
    if kept:
        what = " and ".join(w for w in ("audio", "image") if f"{w} " in note.split(" tokens kept")[0])
        marks.append(f"not moved: no {what} price" if kept >= requests else f"{kept:,} req. not moved: no {what} price")
    if "different kind" in note:
        marks.append("different kind")
    if "smaller class" in note:
        marks.append("smaller class")
    return "; ".join(marks)


CHUNKED_ABOVE_ROWS = 100_000
"""``explorer usage`` prices one request log of more rows than this in chunks (only the aggregate kept)."""
CHUNK_ROWS = 100_000
"""Rows priced at a time in that case; the peak is about three chunks' (one being read, two priced at once).
1M rows of Parquet peaked at 242 MiB in chunks of 100,000 (the rows adding 96 MiB, 1.5x their size in
memory) and at about 345 MiB in chunks of 250,000, which were only about 10% faster."""


def _run_chunked(args: argparse.Namespace) -> int | None:
    """One request log of more than :data:`CHUNKED_ABOVE_ROWS` rows, and nothing asked that needs its rows (a
    what-if, a bill to reconcile): priced in chunks by :func:`explorer.usage.price_file`, only the
    aggregate kept, so the peak is about one chunk's, whatever the file's size. The same breakdown and
    totals as a whole read (to float rounding). None, having done nothing, when the whole read applies."""
    from explorer import prices
    from explorer.cli import _split, money

    if len(args.files) != 1 or _scenario(args) or not u.chunked_pays(args.files[0], CHUNKED_ABOVE_ROWS):
        return None
    table = prices.price_history(overrides=args.overrides)
    from explorer import usage_read

    usage_read.keep_freed_memory()
    # A bar on a terminal only: piped or captured output stays clean, as with the tools people already use.
    bar = not args.quiet and sys.stderr.isatty()
    result = u.price_file(args.files[0], chunk_rows=CHUNK_ROWS, prices=table, skip_unknown=args.skip_unknown,
                          convention=args.convention, ignore_columns=_split(args.ignore_columns), progress=bar)
    breakdown = result.cost_by(args.by)
    summary = result.summary
    if args.format == "json":
        print(outputs.dumps_json({
            "total_usd": summary.total_usd, "by": args.by, "breakdown": _records(breakdown),
            "priced_rows": summary.priced_rows, "unpriced_rows": summary.unpriced_rows,
            "unpriced_models": list(summary.unpriced_models), "components_usd": dict(summary.components_usd),
            "notes": list(result.notes),
        }))
        return 0
    if args.format == "csv":
        sys.stdout.write(outputs.to_csv(breakdown, raw=args.raw))
        return 0
    shown = breakdown.copy()
    shown["total_usd"] = shown["total_usd"].map(money)
    shown["share"] = breakdown["share"].map(lambda x: f"{x:.1%}")
    print(shown.to_string(index=False))
    print(summary.describe())
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _check_flags(args: argparse.Namespace) -> None:
    """Bad option values are named by their flag, before any file is read (and never blamed on a row)."""
    from explorer import prices

    if args.what_if_as_of:
        prices._as_timestamp(args.what_if_as_of, "--what-if-as-of")
    if getattr(args, "budget", None) is not None and not getattr(args, "forecast", False):
        raise ValueError("--budget: needs --forecast (the budget is compared with the month's forecast)")
    if getattr(args, "forecast", False):
        clash = [f for f, on in (("--what-if-model", args.what_if_model),
                                 ("--what-if-service-tier", args.what_if_service_tier),
                                 ("--what-if-as-of", args.what_if_as_of)) if on]
        if clash:
            raise ValueError(f"--forecast: cannot be combined with {clash[0]} (the forecast follows the log as billed)")


def _budget(text: str) -> float:
    """``--budget``: a number of USD > 0 (``$`` and thousands separators allowed)."""
    import math

    try:
        value = float(text.strip().lstrip("$").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{clip(text)} is not a number of USD") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{clip(text)} is not a number of USD > 0")
    return value


def _run_forecast(args: argparse.Namespace, priced: pd.DataFrame, notes: list[str]) -> int:
    """``--forecast``: :func:`explorer.forecast.forecast_json` as JSON, the daily projection as CSV, or text."""
    from explorer import forecast as _f
    from explorer.cli import money

    data = _f.forecast_json(priced, budget_usd=args.budget)
    if args.format == "json":
        print(outputs.dumps_json({**data, "notes": notes}))
        return 0
    if args.format == "csv":
        proj = _f.forecast(priced, budget_usd=args.budget).projection.copy()
        proj["day"] = proj["day"].dt.strftime("%Y-%m-%d")
        sys.stdout.write(outputs.to_csv(proj, raw=args.raw))
        return 0
    growth = data["daily_growth_rate"]
    print(f"month {data['month']}, data to {data['as_of']}: spent {money(data['spent_to_date_usd'])} so far")
    print(f"trend: {money(data['trend_usd_per_day'])} a day, {growth:+.2%} a day "
          f"({data['monthly_growth_rate']:+.1%} a month), fitted on {data['days_fitted']} day(s) with spend")
    print(f"month-end forecast: {money(data['forecast_month_usd'])} "
          f"(80% band {money(data['p10'])} to {money(data['p90'])})")
    if args.budget is not None:
        if data["budget_exhausted_on"] is None:
            print(f"budget {money(args.budget)}: lasts the month on the median path"
                  + (f" (runs out on {data['budget_exhausted_earliest']} if spending is at p90)"
                     if data["budget_exhausted_earliest"] else ""))
        else:
            spread = (f"earliest {data['budget_exhausted_earliest']}, latest "
                      f"{data['budget_exhausted_latest'] or 'not this month'}")
            print(f"budget {money(args.budget)}: runs out on {data['budget_exhausted_on']} ({spread})")
    if data["unpriced_rows"]:
        print(f"  {data['unpriced_rows']:,} unpriced row(s) left out of the spend")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _signed(x: float) -> str:
    from explorer.cli import money

    return ("+" if x >= 0 else "-") + money(abs(x)) if x == x else "n/a"


def _scenario(args: argparse.Namespace) -> dict[str, Any]:
    scenario: dict[str, Any] = {}
    if args.what_if_model:
        scenario["model"] = args.what_if_model
    if args.what_if_service_tier:
        scenario["service_tier"] = args.what_if_service_tier
    if args.what_if_as_of:
        scenario["as_of"] = args.what_if_as_of
    return scenario


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return outputs.records(frame)


def run_caching(args: argparse.Namespace) -> int:
    """``explorer caching``: :func:`explorer.caching.caching_pays` as a table and one line per model."""
    from explorer import caching
    from explorer.cli import money

    try:
        reuses = [int(r) for r in args.reuses.split(",") if r.strip()]
    except ValueError:
        raise ValueError(f"--reuses: {clip(args.reuses)} is not a comma-separated list of whole numbers") from None
    table = caching.caching_pays(
        args.prefix_tokens, reuses, models=args.model or caching.DEFAULT_MODELS,
        write_duration=args.write_duration, storage_usd_per_mtok_hour=args.storage_usd_per_mtok_hour,
        hours=args.hours, as_of=args.as_of,
    )
    if args.format == "json":
        print(outputs.dumps_json({"prefix_tokens": args.prefix_tokens, "write_duration": args.write_duration,
                          "rows": _records(table)}))
        return 0
    if args.format == "csv":
        sys.stdout.write(outputs.to_csv(table))
        return 0
    shown = table[["model", "reuses", "without_cache_usd", "with_cache_usd", "saving_usd"]].copy()
    for col in ("without_cache_usd", "with_cache_usd"):
        shown[col] = shown[col].map(money)
    shown["saving_usd"] = table["saving_usd"].map(_signed)
    print(shown.to_string(index=False))
    print(f"a {args.prefix_tokens:,}-token prefix, {args.write_duration} cache writes:")
    for model, g in table.groupby("model", sort=False):
        first = g.iloc[0]
        even = first["break_even_reuses"]
        when = "never pays" if even is pd.NA or pd.isna(even) else (
            "never costs more, saves from the first reuse" if even == 0 else f"pays from {int(even)} reuse(s)")
        ratio = f"write {first['write_vs_input']:.2f}x, read {first['read_vs_input']:.2f}x input"
        note = f"; {first['note']}" if first["note"] else ""
        print(f"  {model}: {when} ({ratio}){note}")
    return 0
