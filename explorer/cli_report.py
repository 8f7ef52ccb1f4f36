"""``explorer report``: one self-contained, offline HTML file whose controls work with no kernel.

Bad input is reported before anything slow is imported (Altair, pandas, the price table): the output folder,
the scenario file and the price date are checked with the standard library and PyYAML, the models with the
cached price table's names, so a mistake takes well under a second to name (``make bench``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from explorer.limits import clip


def register(subparsers: argparse._SubParsersAction) -> None:
    from explorer.cli_args import deprecated, examples

    p = subparsers.add_parser(
        "report", help="write a shareable, self-contained HTML explorer (controls work offline, no kernel)",
        epilog=examples("explorer report --out build/report.html",
                        'explorer report --scenario data/scenarios/rag-long-context.yaml --title "RAG costs" '
                        "--out report.html",
                        "explorer report --model gpt-5 --model anthropic:claude-sonnet-4-5 --out report.html --quiet"),
    )
    p.add_argument("--scenario", metavar="FILE",
                   help="scenario YAML/JSON (default: the support-chatbot example; '-' reads standard input)")
    p.add_argument("--model", action="append", dest="models", metavar="M",
                   help="a candidate model (repeat; provider/model or provider:model; default: the scenario's)")
    deprecated(p, "--models", "--model (repeated)", "models", nargs="+", extend=True)
    p.add_argument("--as-of", metavar="DATE", help="prices in force on this day (YYYY-MM-DD)")
    p.add_argument("--overrides", metavar="CSV",
                   help="a user overrides CSV applied on top of the bundled prices ('-' reads standard input)")
    p.add_argument("--title", help="report title (shown as text, never as HTML)")
    p.add_argument("--out", required=True, metavar="FILE.html", help="where to write the report")
    p.add_argument("--quiet", action="store_true", help="print nothing on success (stdout and stderr)")
    p.set_defaults(func=run)


def check_inputs(args: argparse.Namespace) -> None:
    """Everything about the arguments that can be checked without the price engine: ValueError, one line."""
    out = Path(args.out)
    if out.is_dir():
        raise ValueError(f"--out: {out} is a directory, expected an .html file path")
    folder = out.parent
    if not folder.exists():
        raise ValueError(f"--out: {folder}: directory does not exist")
    if not folder.is_dir():
        raise ValueError(f"--out: {folder}: not a directory")
    if not os.access(folder, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise ValueError(f"--out: {out}: not writable")
    for flag, value in (("--scenario", args.scenario), ("--overrides", args.overrides)):
        if value is not None and not Path(value).is_file():
            what = "is a directory, expected a file" if Path(value).is_dir() else "file not found"
            raise ValueError(f"{flag}: {value}: {what}")
    if args.scenario is not None:
        _check_scenario_syntax(Path(args.scenario))
    if args.as_of is not None:
        try:
            dt.datetime.fromisoformat(args.as_of)  # ISO 8601, as --help says; the engine checks the range
        except ValueError:
            raise ValueError(f"--as-of: {clip(args.as_of)} is not a date (YYYY-MM-DD)") from None
    _check_models(args.models or [])


def _check_scenario_syntax(path: Path) -> None:
    """The scenario file reads (through the one scenario reader, with its size, alias and depth limits) into a
    mapping; its fields are checked by the full loader."""
    from explorer.scenario_file import ScenarioError, read_data

    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        return  # the full loader names the unknown format
    try:
        doc = read_data(path, str(path))
    except ScenarioError as exc:
        raise ValueError(f"--scenario: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"--scenario: {path}: expected a mapping of scenario fields, got {type(doc).__name__}")


def _check_models(models: list[str]) -> None:
    """Names the cached price table knows pass at once; any other goes through the resolver, which names the
    closest known models (a second, not the seconds a build takes before failing)."""
    from explorer import table_cache

    cached = table_cache.read()
    known = cached.resolved if cached is not None else {}
    for m in models:
        if m.strip().lower() not in known:
            from explorer import prices

            try:
                prices.resolve_model(m)
            except prices.UnknownModelError as exc:
                raise ValueError(f"--model: {exc}") from None


UNUSED_IMPORTS = ("rfc3987_syntax", "anywidget")
"""Packages Altair imports when they are installed that a report never uses: jsonschema's IRI format
checker (building its grammar was a third of a report's CPU time) and anywidget (with ipywidgets: Altair's
JupyterChart, a notebook widget). Jupyter's own packages need them installed, so the ``explorer report``
process declines them instead (``sys.modules[name] = None``: Altair then uses its stand-ins)."""


def decline_unused_imports() -> None:
    """Mark :data:`UNUSED_IMPORTS` unavailable in this process, unless something imported them already."""
    if "altair" in sys.modules or "jsonschema" in sys.modules:
        return
    for name in UNUSED_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def run(args: argparse.Namespace) -> int:
    check_inputs(args)
    decline_unused_imports()
    from explorer.report import build_report

    res = build_report(args.out, scenario_file=args.scenario, models=args.models, as_of=args.as_of,
                       title=args.title, overrides=args.overrides)
    if not args.quiet:
        print(f"wrote {res.path} ({res.size_bytes / 1e6:.1f} MB, {res.seconds:.1f} s); opens offline in any "
              "browser, its controls need no kernel")
    return 0
