"""``explorer report``: one self-contained, offline HTML file whose controls work with no kernel."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from explorer.cli import deprecated, examples

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


def run(args: argparse.Namespace) -> int:
    from explorer.report import build_report

    res = build_report(args.out, scenario_file=args.scenario, models=args.models, as_of=args.as_of,
                       title=args.title, overrides=args.overrides)
    if not args.quiet:
        print(f"wrote {res.path} ({res.size_bytes / 1e6:.1f} MB, {res.seconds:.1f} s); opens offline in any "
              "browser, its controls need no kernel")
    return 0
