"""``explorer tokens``: count text, chat requests, images and corpora from the command line.

explorer/cli.py calls :func:`register` on its subparsers. Bad input raises ``ValueError`` with a
one-line message; ``explorer.cli.main`` prints it as ``error: ...`` and exits 2.

    explorer tokens [--model M | --encoding E] (TEXT | --file F | --messages F.json [--tools F.json])
    explorer tokens --corpus PATH --model M [--model M2 ...] [--column NAME]
    explorer tokens --model M --image WxH [--detail low|high|auto|original]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from explorer import limits, tokens

# explorer.images needs the price table (pandas): imported only for --image, so a text count starts fast.
# tests/test_families.py checks this copy against images.DETAILS.
DETAILS: tuple[str, ...] = ("low", "high", "auto", "original")

HELP = "count tokens in text, a chat request, an image or a corpus (offline)"


def register(subparsers: Any) -> None:
    """Add the ``tokens`` subcommand to an argparse subparsers object."""
    from explorer.cli_args import deprecated, examples

    p = subparsers.add_parser(
        "tokens",
        help=HELP,
        description=HELP + ". Counts for OpenAI, Qwen and DeepSeek models are exact; other models get a labelled "
        "estimate with its range.",
        epilog=examples(
            'explorer tokens --model gpt-4o "How many tokens is this?"',
            "explorer tokens --model openai:gpt-4o --file prompt.txt",
            "cat prompt.txt | explorer tokens --model gpt-4o -",
            "explorer tokens --model gpt-4o --messages chat.json --tools tools.json",
            "explorer tokens --corpus docs/ --model gpt-4o --model claude-sonnet-4-5",
            "explorer tokens --model gpt-4o --image 1024x768 --detail high",
        ),
    )
    p.add_argument("text", nargs="?",
                   help="text to count ('-' reads standard input; a file's contents: --file)")
    p.add_argument(
        "--model",
        action="append",
        metavar="M",
        help="model name as the price table knows it, provider/model or provider:model too (repeat with --corpus "
        "to compare models)",
    )
    p.add_argument(
        "--encoding", metavar="E", help=f"count with an encoding: {', '.join(tokens.KNOWN_ENCODINGS)}"
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--file", metavar="F", help="count the text of a file ('-' reads standard input)")
    src.add_argument("--messages", metavar="FILE.json",
                     help="count a chat request (list of messages; '-' reads standard input)")
    src.add_argument("--corpus", metavar="PATH", help="count a folder, a CSV/JSON-lines column or a chat log")
    src.add_argument("--image", metavar="WxH", help="tokens of an image input of W x H pixels")
    p.add_argument("--tools", metavar="FILE.json",
                   help="tool/function definitions sent with --messages ('-' reads standard input)")
    p.add_argument("--column", metavar="NAME", help="text column of a CSV or JSON-lines corpus")
    p.add_argument(
        "--detail", choices=DETAILS, default="auto", help="image detail (auto counts as high)"
    )
    p.add_argument(
        "--strict", action="store_true", help="refuse estimates for models without a local tokenizer"
    )
    p.add_argument(
        "--backend", choices=tokens.BACKENDS, default="auto",
        help="counter: auto (toktok-rs where it matched the reference on the reference corpus), tiktoken, toktok",
    )
    p.add_argument("--workers", type=int, default=None, help="threads for corpus counting (default: cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar for corpus counting")
    deprecated(p, "--no-progress", "--quiet", "quiet", flag=True)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.set_defaults(func=run)


def _read(path: str, what: str) -> str:
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{what}: {path} is a directory, expected a file")
    if not p.is_file():
        raise ValueError(f"{what}: file not found: {path}")
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{what}: {path} is not UTF-8 text (byte {e.start})") from None


def _names_a_file(text: str) -> bool:
    """Whether TEXT is the path of an existing file (one short line only: real text is never checked)."""
    if "\n" in text or len(text) > 1024:
        return False
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long or with a NUL byte for the file system
        return False


def _one_model(args: argparse.Namespace) -> str | None:
    models = args.model or []
    if len(models) > 1:
        raise ValueError("give one --model (several are only compared with --corpus)")
    return models[0] if models else None


def _label(exact: bool, method: str) -> str:
    return "exact" if exact else f"ESTIMATE, {method.removeprefix('estimate: ')}"


def _emit(args: argparse.Namespace, payload: dict[str, Any], lines: list[str]) -> None:
    if args.format == "json":
        from explorer import outputs

        print(outputs.dumps_json(payload))
    else:
        print("\n".join(lines))


def run(args: argparse.Namespace) -> int:
    """Run ``explorer tokens``; returns the exit code (0). Bad input raises ``ValueError``."""
    if args.model and args.encoding:
        raise ValueError("give --model or --encoding, not both")
    if args.tools and not args.messages:
        raise ValueError("--tools goes with --messages")
    if args.column and not args.corpus:
        raise ValueError("--column goes with --corpus")
    chosen = [x for x in ("file", "messages", "corpus", "image") if getattr(args, x)]
    if args.text is not None and chosen:
        raise ValueError(f"give TEXT or --{chosen[0]}, not both")
    if args.corpus:
        return _run_corpus(args)
    if args.image:
        return _run_image(args)
    if args.messages:
        return _run_messages(args)
    if args.file:
        text = _read(args.file, "--file")
    elif args.text == "-":
        text = sys.stdin.read()
    elif args.text is not None:
        text = args.text
        if _names_a_file(text):  # `tokens --model gpt-4o ja.txt`: most likely the file was meant
            print(f"warning: counting the text {limits.clip(text, 80)} itself, which is also a file's name; "
                  f"--file {text} counts the file's contents", file=sys.stderr)
    else:
        raise ValueError("nothing to count: give TEXT, --file, --messages, --corpus or --image")
    c = tokens.count_text(
        text, model=_one_model(args), encoding=args.encoding, strict=args.strict, backend=args.backend
    )
    payload: dict[str, Any] = {
        "tokens": c.tokens,
        "encoding": c.encoding,
        "exact": c.exact,
        "method": c.method,
        "model": c.model,
    }
    if not c.exact:
        payload["range"] = list(c.range())
    who = f"{c.model} " if c.model else ""
    shown = f"{c.tokens}" if c.exact else f"~{c.tokens} ({c.range()[0]}-{c.range()[1]})"
    _emit(args, payload, [f"{shown} tokens ({who}{c.encoding}, {_label(c.exact, c.method)})"])
    return 0


def _run_messages(args: argparse.Namespace) -> int:
    model = _one_model(args)
    if model is None:
        raise ValueError("--messages needs --model: the chat format's overhead depends on the model")
    messages = tokens.messages_from_json(_read(args.messages, "--messages"), where=args.messages)
    tool_defs = None
    if args.tools:
        try:
            tool_defs = limits.loads_json(_read(args.tools, "--tools"), args.tools)
        except json.JSONDecodeError as e:
            raise ValueError(f"{args.tools}: not valid JSON ({e.msg}; line {e.lineno} column {e.colno})") from None
        if isinstance(tool_defs, dict) and "tools" in tool_defs:
            tool_defs = tool_defs["tools"]
        if not isinstance(tool_defs, list):
            raise ValueError(f"{args.tools}: expected a list of tool definitions")
    c = tokens.count_messages(messages, model=model, tools=tool_defs, strict=args.strict)
    payload = {
        "tokens": c.tokens,
        "encoding": c.encoding,
        "exact": c.exact,
        "method": c.method,
        "model": c.model,
        "tools_tokens": c.tools_tokens,
        "reply_priming_tokens": c.reply_priming_tokens,
        "messages": [asdict(m) for m in c.messages],
    }
    lines = [f"{c.tokens} prompt tokens ({c.model} {c.encoding}, {_label(c.exact, c.method)})"]
    lines += [
        f"  #{m.index} {m.role:<10} content {m.content_tokens:>6}  overhead {m.overhead_tokens:>3}"
        + (f"  images {m.image_tokens}" if m.image_tokens else "")
        + f"  total {m.total_tokens:>6}"
        for m in c.messages
    ]
    if c.tools_tokens:
        lines.append(f"  tools {c.tools_tokens}")
    lines.append(f"  reply priming {c.reply_priming_tokens}")
    _emit(args, payload, lines)
    return 0


def _run_image(args: argparse.Namespace) -> int:
    model = _one_model(args)
    if model is None:
        raise ValueError("--image needs --model: image token rules differ by model")
    from explorer import images

    w, h = images.parse_size(args.image)
    r = images.image_tokens(w, h, model=model, detail=args.detail)
    payload = {"tokens": r.tokens, "exact": r.documented, **asdict(r)}
    unit = "tiles of 512px" if r.rule == "tile" else "patches of 32px"
    line = (
        f"{r.tokens} tokens ({r.model}, {w}x{h} at detail {r.detail_counted}: {r.units} {unit}, "
        f"resized {r.resized_width_px}x{r.resized_height_px})"
    )
    _emit(args, payload, [line] + ([f"  note: {r.note}"] if r.note else []))
    return 0


def _run_corpus(args: argparse.Namespace) -> int:
    if args.encoding or not args.model:
        raise ValueError("--corpus needs --model (one or more) so the counts can be priced")
    models: list[str] = list(dict.fromkeys(args.model))
    tokens.check_priced(models, what="--model")  # before counting: a dead model fails in a moment
    by_encoding: dict[str, tokens.CorpusCount] = {}
    for m in models:
        tok = tokens.tokenizer_for(m, strict=args.strict)
        # One pass per distinct tokenizer: models sharing an encoding share the count.
        if tok.encoding not in by_encoding:
            by_encoding[tok.encoding] = tokens.count_corpus(
                args.corpus,
                model=m,
                column=args.column,
                workers=args.workers,
                progress=not args.quiet,
                backend=args.backend,
                strict=args.strict,
            )
    counts = list(by_encoding.values())
    costs = tokens.corpus_cost(counts, models)
    first = counts[0]
    payload = {
        "tokens": first.tokens,
        "source": first.source,
        "kind": first.kind,
        "items": first.n_items,
        "skipped": [{"item": i, "reason": r} for i, r in first.skipped],
        "counts": [
            {
                "encoding": c.encoding,
                "tokens": c.tokens,
                "distinct_tokens": c.distinct_tokens,
                "items": c.n_items,
                "distinct": c.n_distinct,
                "exact": c.exact,
                "method": c.method,
            }
            for c in counts
        ],
        "costs": costs.to_dict(orient="records"),
    }
    lines = [f"{first.source}: {first.n_items} items ({first.kind}), {len(first.skipped)} skipped"]
    lines += [
        f"  {c.encoding}: {c.tokens:,} tokens, {c.n_distinct:,} distinct strings ({c.distinct_tokens:,} tokens)"
        for c in counts
    ]
    lines += [f"  skipped {i}: {r}" for i, r in first.skipped[:10]]
    from explorer import fmt

    lines.append(f"  {'model':<28} {'tokens':>12} {'as input':>12} {'as output':>12}")
    for row in costs.itertuples():
        flag = "" if row.exact else f"  (estimate, range {row.tokens_low:,}-{row.tokens_high:,})"
        lines.append(
            f"  {row.model:<28} {row.tokens:>12,} {fmt.usd(row.input_usd):>12} {fmt.usd(row.output_usd):>12}{flag}"
        )
    _emit(args, payload, lines)
    return 0


# --------------------------------------------------------------------------------------------------
# explorer compare --text-file F | --chars N [--language ja]


def run_compare_text(args: argparse.Namespace, prices: Any, emit: Any) -> int:
    """``explorer compare`` ranked by each model's own token count of the same text."""
    from explorer.text_workload import rank_models_by_text

    if args.input_tokens is not None or args.cached_tokens:
        raise ValueError("--input-tokens/--cached-tokens and --text-file/--chars describe the same input: give one")
    text: str | list[str] | None = None
    if args.text_file is not None and Path(args.text_file).is_dir():
        files = sorted(p for p in Path(args.text_file).rglob("*") if p.is_file())
        text = [_read(str(p), "--text-file") for p in files]
        if not any(text):
            raise ValueError(f"--text-file: {args.text_file} holds no text files: nothing to price")
    elif args.text_file is not None:
        text = _read(args.text_file, "--text-file")
        if not text:
            raise ValueError(f"--text-file: {args.text_file} is empty: nothing to price")
    out_tokens = args.output_tokens or 0
    ranked = rank_models_by_text(
        text=text, chars=args.chars, kind=args.language, output_tokens=out_tokens, requests=args.requests,
        provider=args.provider, models=args.models or None, service_tier=args.service_tier, as_of=args.as_of,
        prices=prices,
    )
    unpriced = dict(ranked.attrs.get("unpriced", {}))
    if args.models and not len(ranked):
        raise ValueError("; ".join(unpriced.values()) or "--model: none of the models named can be ranked")
    if args.limit:
        ranked = ranked.head(args.limit)
    n_chars = int(ranked["chars"].iloc[0]) if len(ranked) and text is not None else args.chars
    if isinstance(text, list):
        what = f"{args.text_file} (each of its {len(text)} files one request; mean {n_chars:,} characters)"
    else:
        what = f"{args.text_file}" if text is not None else f"{n_chars:,} characters of {args.language or 'en'} text"
    extra = {"text": what, "chars": n_chars, "language": args.language, "output_tokens": out_tokens,
             "requests": args.requests, "as_of": str(args.as_of or "today")}  # fmt: skip
    footer = (
        f"{len(ranked)} model(s) ranked for {args.requests:,} request(s) of {what} as input + {out_tokens:,} output "
        "tokens; each model's input tokens by its own tokenizer, '~' marks an estimate (range in --format json)"
    )
    footer += "".join(f"\nnote: {note}" for note in unpriced.values())
    unknown = int(ranked["context_unknown"].sum()) if "context_unknown" in ranked.columns else 0
    if unknown:
        footer += (f"\n{unknown} model(s) with an unknown context window come last, marked 'context unknown': "
                   "they may not take this input")
    if args.format == "text":
        shown = ["provider", "model", "input_tokens", "cost_per_request_usd", "usd_per_kchar", "total_usd"]
        frame = ranked[shown].copy()
        if unknown:
            frame["context"] = ["context unknown" if u else "" for u in ranked["context_unknown"]]
        frame["input_tokens"] = [
            f"{n:,}" if ex else f"~{n:,}" if lo == hi else f"~{n:,} ({lo:,}-{hi:,})"
            for n, ex, lo, hi in zip(
                ranked["input_tokens"], ranked["exact"], ranked["input_tokens_low"], ranked["input_tokens_high"],
                strict=True,
            )
        ]
    else:
        frame = ranked
    from explorer.outputs import per_request_names

    money = ["usd_per_request", "usd_per_kchar", "total_usd"]
    emit(per_request_names(frame), args.format, money_cols=money, extra=extra, footer=footer)
    return 0
