"""The usage column schema: every header the readers accept for each count, and what each provider's
counts include.

This module is pure data plus two small helpers; :mod:`explorer.usage` applies it. It imports nothing
from the package so the docs table and the tests can read it on their own.

The engine's own columns (``input_tokens``, ``cached_input_tokens``, ...) follow OpenAI's convention:
cached input, cache writes, audio and image input are *part of* ``input_tokens``; reasoning, audio and
image output are *part of* ``output_tokens``. Other providers count differently:

- **Anthropic**: ``input_tokens`` *excludes* ``cache_read_input_tokens`` and ``cache_creation_input_tokens``
  (the total input is their sum); ``output_tokens`` includes thinking.
- **Gemini**: ``promptTokenCount`` includes ``cachedContentTokenCount``; ``thoughtsTokenCount`` is billed as
  output but is *not* part of ``candidatesTokenCount``; ``toolUsePromptTokenCount`` is input on top of the
  prompt.

A header whose meaning depends on the convention (``input_tokens`` beside Anthropic-style cache columns,
``output_tokens`` beside Gemini-style thoughts) needs ``convention=`` (``--convention``), a ``provider``
column or a ``convention`` column; the readers say so instead of guessing.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from typing import Any

__all__ = [
    "ALIASES",
    "CONVENTIONS",
    "COUNT_LIKE_WORDS",
    "SOURCE_COUNTS",
    "Alias",
    "closest_name",
    "convention_of_provider",
    "key",
    "looks_like_count",
    "markdown_table",
    "misnamed",
]

CONVENTIONS: tuple[str, ...] = ("openai", "anthropic", "gemini")
"""How a provider's usage counts relate; see the module docstring."""

COUNT_LIKE_WORDS: tuple[str, ...] = (
    "token",
    "cache",
    "reasoning",
    "audio",
    "image",
    "search",
    "prompt",
    "completion",
    "thought",
    "candidate",
)
"""A numeric column whose name holds one of these is a count: unknown ones are errors, never ignored."""

SOURCE_COUNTS: dict[str, str] = {
    "input_tokens": "all input tokens, cached, cache writes, audio and image included (OpenAI's meaning)",
    "uncached_input_tokens": "input tokens neither read from nor written to the cache (Anthropic's meaning)",
    "tool_use_prompt_tokens": "input tokens of tool results, on top of the prompt (Gemini)",
    "cached_input_tokens": "input tokens read from the prompt cache",
    "cache_write_tokens": "input tokens written to the prompt cache (all durations)",
    "cache_write_5m_tokens": "cache writes with a 5-minute lifetime (part of the cache writes)",
    "cache_write_1h_tokens": "cache writes with a 1-hour lifetime (part of the cache writes)",
    "output_tokens": "all output tokens, reasoning included",
    "candidates_tokens": "output tokens without the thoughts (Gemini's candidates)",
    "reasoning_tokens": "reasoning / thinking tokens (billed as output)",
    "input_audio_tokens": "audio input tokens (part of input)",
    "output_audio_tokens": "audio output tokens (part of output)",
    "input_image_tokens": "image input tokens (part of input)",
    "output_image_tokens": "image output tokens (part of output)",
    "web_search_calls": "web search tool calls",
    "file_search_calls": "file search tool calls",
    "total_tokens": "input + output; checked against them, never priced",
}
"""Every count the readers understand, with what it holds. All but ``uncached_input_tokens``,
``tool_use_prompt_tokens``, ``cache_write_5m_tokens``, ``candidates_tokens`` and ``total_tokens`` are the
cost engine's own columns; those five are turned into engine columns by the reader."""


@dataclasses.dataclass(frozen=True)
class Alias:
    """One accepted header for a count."""

    header: str
    """The header as the source spells it (matched with case, spaces and dashes ignored, camelCase split)."""
    count: str
    """The count it holds (a key of :data:`SOURCE_COUNTS`)."""
    used_by: str
    """Who writes this header."""
    family: str = "openai"
    """The convention its name implies: ``openai`` (inclusive counts), ``gemini``, or ``shared`` when
    Anthropic and litellm (or others) both use it with different meanings for the input beside it."""


ALIASES: tuple[Alias, ...] = (
    # input
    Alias("input_tokens", "input_tokens", "the engine; OpenAI Responses, Usage API; Anthropic", "shared"),
    Alias("prompt_tokens", "input_tokens", "OpenAI Chat Completions; litellm"),
    Alias("prompt_token_count", "input_tokens", "Gemini (promptTokenCount)", "gemini"),
    Alias("n_context_tokens_total", "input_tokens", "OpenAI legacy usage export"),
    Alias("context_tokens", "input_tokens", "OpenAI legacy usage export"),
    Alias("uncached_input_tokens", "uncached_input_tokens", "Anthropic Admin usage report", "anthropic"),
    Alias("tool_use_prompt_token_count", "tool_use_prompt_tokens", "Gemini (toolUsePromptTokenCount)", "gemini"),
    # cached input
    Alias("cached_input_tokens", "cached_input_tokens", "the engine"),
    Alias("cached_tokens", "cached_input_tokens", "OpenAI (usage.prompt_tokens_details.cached_tokens)"),
    Alias("input_cached_tokens", "cached_input_tokens", "OpenAI Usage API"),
    Alias("n_cached_context_tokens_total", "cached_input_tokens", "OpenAI legacy usage export"),
    Alias("cache_read_tokens", "cached_input_tokens", "genai-prices Usage"),
    Alias("cache_read_input_tokens", "cached_input_tokens", "Anthropic; litellm", "shared"),
    Alias("cached_content_token_count", "cached_input_tokens", "Gemini (cachedContentTokenCount)", "gemini"),
    # cache writes
    Alias("cache_write_tokens", "cache_write_tokens", "the engine; genai-prices Usage"),
    Alias("cache_write_input_tokens", "cache_write_tokens", "Bedrock (cacheWriteInputTokens)"),
    Alias("cache_creation_input_tokens", "cache_write_tokens", "Anthropic; litellm", "shared"),
    Alias("cache_write_5m_tokens", "cache_write_5m_tokens", "genai-prices Usage"),
    Alias("ephemeral_5m_input_tokens", "cache_write_5m_tokens", "Anthropic (usage.cache_creation)", "shared"),
    Alias("cache_creation_5m_input_tokens", "cache_write_5m_tokens", "Anthropic Admin usage report", "shared"),
    Alias("cache_write_1h_tokens", "cache_write_1h_tokens", "the engine; genai-prices Usage"),
    Alias("ephemeral_1h_input_tokens", "cache_write_1h_tokens", "Anthropic (usage.cache_creation)", "shared"),
    Alias("cache_creation_1h_input_tokens", "cache_write_1h_tokens", "Anthropic Admin usage report", "shared"),
    # output
    Alias("output_tokens", "output_tokens", "the engine; OpenAI Responses and Usage API; Anthropic"),
    Alias("completion_tokens", "output_tokens", "OpenAI Chat Completions; litellm"),
    Alias("n_generated_tokens_total", "output_tokens", "OpenAI legacy usage export"),
    Alias("generated_tokens", "output_tokens", "OpenAI legacy usage export"),
    Alias("candidates_token_count", "candidates_tokens", "Gemini (candidatesTokenCount)", "gemini"),
    Alias("reasoning_tokens", "reasoning_tokens", "the engine; OpenAI (completion_tokens_details.reasoning_tokens)"),
    Alias("completion_reasoning_tokens", "reasoning_tokens", "flattened OpenAI usage"),
    Alias("output_reasoning_tokens", "reasoning_tokens", "genai-prices Usage; flattened OpenAI Responses usage"),
    Alias("thoughts_token_count", "reasoning_tokens", "Gemini (thoughtsTokenCount)", "gemini"),
    # audio and image
    Alias("input_audio_tokens", "input_audio_tokens", "the engine; OpenAI Usage API; genai-prices Usage"),
    Alias("audio_input_tokens", "input_audio_tokens", "flattened usage"),
    Alias("prompt_audio_tokens", "input_audio_tokens", "flattened OpenAI usage (prompt_tokens_details)"),
    Alias("output_audio_tokens", "output_audio_tokens", "the engine; OpenAI Usage API; genai-prices Usage"),
    Alias("audio_output_tokens", "output_audio_tokens", "flattened usage"),
    Alias("completion_audio_tokens", "output_audio_tokens", "flattened OpenAI usage (completion_tokens_details)"),
    Alias("input_image_tokens", "input_image_tokens", "the engine; genai-prices Usage"),
    Alias("image_input_tokens", "input_image_tokens", "flattened usage"),
    Alias("output_image_tokens", "output_image_tokens", "the engine; genai-prices Usage"),
    Alias("image_output_tokens", "output_image_tokens", "flattened usage"),
    # tools
    Alias("web_search_calls", "web_search_calls", "the engine"),
    Alias("web_searches", "web_search_calls", "genai-prices Usage"),
    Alias("web_search_requests", "web_search_calls", "Anthropic (usage.server_tool_use.web_search_requests)"),
    Alias("file_search_calls", "file_search_calls", "the engine"),
    Alias("file_searches", "file_search_calls", "flattened usage"),
    Alias("storage_searches", "file_search_calls", "genai-prices Usage"),
    # totals
    Alias("total_tokens", "total_tokens", "OpenAI Chat Completions and Responses; litellm"),
    Alias("total_token_count", "total_tokens", "Gemini (totalTokenCount)", "gemini"),
)
"""Accepted headers, one row each; the readers also accept ``mapping={"their header": "count"}``."""

BREAKDOWN_COUNTS: dict[str, tuple[str, str]] = {
    "input_uncached_tokens": ("input_tokens", "OpenAI Usage API"),
    "input_text_tokens": ("input_tokens", "OpenAI Usage API; genai-prices Usage"),
    "output_text_tokens": ("output_tokens", "OpenAI Usage API; genai-prices Usage"),
    "input_cached_text_tokens": ("cached_input_tokens", "OpenAI Usage API"),
    "cache_text_read_tokens": ("cached_input_tokens", "genai-prices Usage"),
    "input_cached_audio_tokens": ("cached_input_tokens", "OpenAI Usage API"),
    "cache_audio_read_tokens": ("cached_input_tokens", "genai-prices Usage"),
    "input_cached_image_tokens": ("cached_input_tokens", "OpenAI Usage API"),
    "cache_image_read_tokens": ("cached_input_tokens", "genai-prices Usage"),
}
"""Headers that split a count the file also gives (breakdown -> (the count it is part of, who writes it)).
They are kept as they are and not priced on their own, the count they belong to being priced already.
Cached audio and image tokens have rates of their own that the price table lacks: nonzero ones are an
error unless ignored (then they are priced at the cached text rate, inside ``cached_input_tokens``)."""

OWN_RATE_BREAKDOWNS: frozenset[str] = frozenset(
    {"input_cached_audio_tokens", "cache_audio_read_tokens", "input_cached_image_tokens", "cache_image_read_tokens"}
)
"""Breakdowns that would change the price if the table had their rate."""

_PROVIDER_CONVENTION = {
    "openai": "openai",
    "azure": "openai",
    "anthropic": "anthropic",
    "google": "gemini",
    "google-gla": "gemini",
    "google-vertex": "gemini",
    "gemini": "gemini",
    "vertex": "gemini",
}


def key(header: Any) -> str:
    """A header as the alias table matches it: camelCase split, lower case, runs of other characters -> ``_``
    (``promptTokenCount`` -> ``prompt_token_count``, ``Cached Tokens`` -> ``cached_tokens``)."""
    text = str(header)
    # Every chunk of a big log matches its headers and the whole alias table again: remember the short ones
    # (a hostile 10 MB header is worked out each time rather than kept).
    return _key_of_short(text) if len(text) <= 200 else _key_of(text)


def _key_of(text: str) -> str:
    text = re.sub(r"(?<=[a-z])(?=[A-Z0-9])|(?<=[A-Z0-9])(?=[A-Z][a-z])", "_", text.strip())
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


_key_of_short = functools.lru_cache(maxsize=4096)(_key_of)


def convention_of_provider(provider: str, model: str = "") -> str | None:
    """The usage convention of a provider id (None when unknown). Claude served by Google's Vertex AI
    reports Anthropic's usage object, so a ``claude`` model under ``google`` is Anthropic's convention."""
    conv = _PROVIDER_CONVENTION.get(provider.strip().lower())
    if conv == "gemini" and model.strip().lower().startswith("claude"):
        return "anthropic"
    return conv


def looks_like_count(header: Any) -> bool:
    """Whether a header's name says it holds a count (:data:`COUNT_LIKE_WORDS`)."""
    k = key(header)
    return any(w in k for w in COUNT_LIKE_WORDS)


def closest_name(header: Any) -> str:
    """The accepted header nearest to ``header`` (for "did you mean" hints)."""
    names = sorted({a.header for a in ALIASES})
    k = key(header)
    best = difflib.get_close_matches(k, names, n=1, cutoff=0.0)
    return best[0] if best else "input_tokens"


def markdown_table() -> str:
    """The alias table as Markdown (docs/usage.md embeds it; a test keeps the two equal)."""
    lines = ["| count | header | used by | convention |", "|---|---|---|---|"]
    for count in SOURCE_COUNTS:
        for a in ALIASES:
            if a.count == count:
                fam = {"shared": "depends (see above)", "openai": "inclusive"}.get(a.family, a.family)
                lines.append(f"| `{count}` | `{a.header}` | {a.used_by} | {fam} |")
    for header, (part_of, used_by) in BREAKDOWN_COUNTS.items():
        lines.append(f"| part of `{part_of}` | `{header}` | {used_by} | kept, not priced on its own |")
    return "\n".join(lines)


_ENGINE_COUNTS = frozenset(
    {
        "input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens",
        "input_audio_tokens", "output_audio_tokens", "input_image_tokens", "output_image_tokens",
        "web_search_calls", "file_search_calls",
    }
)
_BY_KEY = {a.header: a.count for a in ALIASES}


@functools.lru_cache(maxsize=4096)
def misnamed(header: str) -> str | None:
    """The count a header means when the cost engine would not price it under that name (``cached_tokens``
    -> ``cached_input_tokens``, ``cache_read_input_tokens`` -> ``cached_input_tokens``,
    ``candidates_token_count`` -> ``candidates_tokens``), else None (an engine column, ``total_tokens``,
    ``cache_write_1h_tokens`` or a header that is no count at all)."""
    count = _BY_KEY.get(key(header))
    if count is None or count in ("total_tokens", "cache_write_1h_tokens"):
        return None
    if header == count and count in _ENGINE_COUNTS:
        return None
    return count
