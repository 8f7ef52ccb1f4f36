"""Logs of raw API responses: one JSON object per line, each a provider's response (or an SDK's dump of it).

Shapes recognised, line by line (a log may mix them):

====================  ==============================================================  ==========
shape                 how it is recognised                                            convention
====================  ==============================================================  ==========
OpenAI Chat           ``usage.prompt_tokens`` (``prompt_tokens_details.cached_tokens``,  openai
                      ``completion_tokens_details.reasoning_tokens``)
litellm               a Chat shape whose ``usage`` also has Anthropic's                openai
                      ``cache_read_input_tokens`` / ``cache_creation_input_tokens``
OpenAI Responses      ``usage.input_tokens`` with ``input_tokens_details`` /           openai
                      ``output_tokens_details``, or ``object: "response"``
Anthropic Messages    ``usage.input_tokens`` with ``cache_*_input_tokens``,            anthropic
                      ``cache_creation`` or ``server_tool_use``, or ``type: "message"``
Gemini                ``usageMetadata`` (REST) or ``usage_metadata`` (Python SDK dump)  gemini
====================  ==============================================================  ==========

A bare ``{"model": ..., "usage": {"input_tokens": n, "output_tokens": m}}`` (no cache fields) counts the
same under every convention and is read as OpenAI's. An SDK usage object dumped beside its model (``{"model":
..., "prompt_tokens": ..., "prompt_tokens_details": {...}}``, recognised by its nested details) is read as
the usage of a response. Wrappers are unwrapped: the OpenAI Batch API's
output lines (``response.body``, priced at batch rates), Anthropic's Message Batches results
(``result.message``, batch rates), and any ``{"response": {...}}`` with the log's own ``timestamp``.

Each line becomes one row of the usage columns of :mod:`explorer.usage_columns` plus a ``convention``
column, which :func:`explorer.usage.normalize_usage` applies, so these logs are priced exactly like any
other usage file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from explorer.limits import clip, clip_names

__all__ = ["SHAPES", "flatten", "is_response", "shape_of"]

SHAPES: tuple[str, ...] = ("openai-chat", "litellm", "openai-responses", "anthropic", "gemini")
"""The response shapes :func:`shape_of` names."""

_ANTHROPIC_KEYS = ("cache_read_input_tokens", "cache_creation_input_tokens", "cache_creation", "server_tool_use")


def _unwrap(doc: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
    """The response inside a wrapper line, and the service tier the wrapper implies (batch) if any."""
    resp = doc.get("response")
    if isinstance(resp, Mapping) and isinstance(resp.get("body"), Mapping):  # OpenAI Batch API output
        return resp["body"], "batch"
    result = doc.get("result")
    if isinstance(result, Mapping) and isinstance(result.get("message"), Mapping):  # Anthropic batches
        return result["message"], "batch"
    if isinstance(resp, Mapping) and _core_shape(resp) is not None:
        return resp, None
    return doc, None


_DETAIL_KEYS = ("prompt_tokens_details", "completion_tokens_details", "input_tokens_details",
                "output_tokens_details", "cache_creation", "server_tool_use")


def _usage_of(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The usage object of a response; or the line itself when it is an SDK usage object dumped beside its
    model (``{"model": ..., "prompt_tokens": ..., "prompt_tokens_details": {...}}``)."""
    usage = doc.get("usage")
    if isinstance(usage, Mapping):
        return usage
    if any(isinstance(doc.get(k), Mapping) for k in _DETAIL_KEYS):
        return doc
    return None


def _core_shape(doc: Mapping[str, Any]) -> str | None:
    if isinstance(doc.get("usageMetadata"), Mapping) or isinstance(doc.get("usage_metadata"), Mapping):
        return "gemini"
    usage = _usage_of(doc)
    if usage is None:
        return None
    if "prompt_tokens" in usage:
        return "litellm" if any(k in usage for k in _ANTHROPIC_KEYS[:2]) else "openai-chat"
    if "input_tokens" in usage:
        if doc.get("type") == "message" or any(k in usage for k in _ANTHROPIC_KEYS):
            return "anthropic"
        return "openai-responses"
    return None


def shape_of(doc: Any) -> str | None:
    """Which of :data:`SHAPES` a parsed JSON line is (None: not a raw response)."""
    if not isinstance(doc, Mapping):
        return None
    inner, _ = _unwrap(doc)
    return _core_shape(inner)


def is_response(doc: Any) -> bool:
    """Whether a parsed JSON line is a raw API response (or an SDK usage dump) this module reads."""
    return shape_of(doc) is not None


class _Line:
    """Pulls counts out of one response, naming the JSON path of a bad value."""

    def __init__(self, where: Any, line: Any) -> None:
        self.where = where
        self.line = line

    def count(self, obj: Any, *path: str) -> int | None:
        for step in path:
            if not isinstance(obj, Mapping):
                return None
            obj = obj.get(step)
        if obj is None:
            return None
        if isinstance(obj, bool) or not isinstance(obj, int | float) or obj != obj or obj < 0 or obj != int(obj):
            raise self.where.error(f"{'.'.join(path)} is {clip(obj)}, expected a whole number of tokens", self.line)
        return int(obj)

    def need(self, obj: Any, *path: str) -> int:
        value = self.count(obj, *path)
        if value is None:
            raise self.where.error(f"{'.'.join(path)} is missing", self.line)
        return value


def _gemini_modalities(line: _Line, details: Any, path: str) -> dict[str, int]:
    """Gemini's per-modality token lists (``[{"modality": "AUDIO", "tokenCount": n}]``) by modality."""
    out: dict[str, int] = {}
    if details is None:
        return out
    if not isinstance(details, Sequence) or isinstance(details, str | bytes):
        raise line.where.error(f"{path} is not a list", line.line)
    for item in details:
        if not isinstance(item, Mapping):
            raise line.where.error(f"{path} holds {clip(item)}, expected objects", line.line)
        modality = str(item.get("modality", "")).upper()
        n = line.count(item, "tokenCount") if "tokenCount" in item else line.count(item, "token_count")
        out[modality] = out.get(modality, 0) + (n or 0)
    return out


def _row(doc: Mapping[str, Any], where: Any, label: Any) -> dict[str, Any]:
    inner, wrapper_tier = _unwrap(doc)
    shape = _core_shape(inner)
    line = _Line(where, label)
    row: dict[str, Any] = {"response_shape": shape}
    if shape == "gemini":
        meta = inner.get("usageMetadata", inner.get("usage_metadata"))
        snake = "usage_metadata" in inner and "usageMetadata" not in inner

        def g(name: str) -> int | None:
            return line.count(meta, _snake(name) if snake else name)

        row["model"] = inner.get("modelVersion", inner.get("model_version", inner.get("model")))
        row["provider"] = "google"  # Gemini's ids also name resellers' copies (gemini-2.0-flash-001)
        row["timestamp"] = inner.get("createTime", inner.get("create_time"))
        row["input_tokens"] = g("promptTokenCount") or 0
        row["output_tokens"] = g("candidatesTokenCount") or 0  # thoughts come on top: the gemini convention
        row["reasoning_tokens"] = g("thoughtsTokenCount") or 0
        row["tool_use_prompt_tokens"] = g("toolUsePromptTokenCount") or 0
        row["cached_input_tokens"] = g("cachedContentTokenCount") or 0
        total = g("totalTokenCount")
        if total is not None:
            row["total_tokens"] = total
        key = "promptTokensDetails" if not snake else "prompt_tokens_details"
        prompt = _gemini_modalities(line, meta.get(key), key)
        tool = _gemini_modalities(line, meta.get(_snake("toolUsePromptTokensDetails") if snake else
                                               "toolUsePromptTokensDetails"), "toolUsePromptTokensDetails")
        row["input_audio_tokens"] = prompt.get("AUDIO", 0) + tool.get("AUDIO", 0)
        row["input_image_tokens"] = sum(prompt.get(m, 0) + tool.get(m, 0) for m in ("IMAGE", "DOCUMENT", "VIDEO"))
        cand_key = "candidatesTokensDetails" if not snake else "candidates_tokens_details"
        cand = _gemini_modalities(line, meta.get(cand_key), cand_key)
        row["output_audio_tokens"] = cand.get("AUDIO", 0)
        row["output_image_tokens"] = cand.get("IMAGE", 0)
        cache_key = "cacheTokensDetails" if not snake else "cache_tokens_details"
        cached = _gemini_modalities(line, meta.get(cache_key), cache_key)
        odd = {m: n for m, n in cached.items() if m != "TEXT" and n}
        if odd:
            raise where.error(
                f"{cache_key}: cached {', '.join(sorted(odd))} tokens have their own rates, which the price "
                "table does not carry; this line cannot be priced exactly",
                label,
            )
        row["convention"] = "gemini"
    else:
        usage = _usage_of(inner)
        assert usage is not None  # _core_shape found it
        row["model"] = inner.get("model")
        row["timestamp"] = inner.get("created_at", inner.get("created"))
        tier = inner.get("service_tier", usage.get("service_tier"))
        if tier is not None:
            row["service_tier"] = tier
        if shape in ("openai-chat", "litellm"):
            row["input_tokens"] = line.need(usage, "prompt_tokens")
            row["output_tokens"] = line.need(usage, "completion_tokens")
            row["cached_input_tokens"] = line.count(usage, "prompt_tokens_details", "cached_tokens") or 0
            row["input_audio_tokens"] = line.count(usage, "prompt_tokens_details", "audio_tokens") or 0
            row["output_audio_tokens"] = line.count(usage, "completion_tokens_details", "audio_tokens") or 0
            row["reasoning_tokens"] = line.count(usage, "completion_tokens_details", "reasoning_tokens") or 0
            total = line.count(usage, "total_tokens")
            if total is not None:
                row["total_tokens"] = total
            if shape == "litellm":
                _litellm(row, usage, line)
            row["convention"] = "openai"
        elif shape == "openai-responses":
            row["input_tokens"] = line.need(usage, "input_tokens")
            row["output_tokens"] = line.need(usage, "output_tokens")
            row["cached_input_tokens"] = line.count(usage, "input_tokens_details", "cached_tokens") or 0
            row["reasoning_tokens"] = line.count(usage, "output_tokens_details", "reasoning_tokens") or 0
            total = line.count(usage, "total_tokens")
            if total is not None:
                row["total_tokens"] = total
            row["convention"] = "openai"
        else:  # anthropic
            row["input_tokens"] = line.need(usage, "input_tokens")
            row["output_tokens"] = line.need(usage, "output_tokens")
            row["cached_input_tokens"] = line.count(usage, "cache_read_input_tokens") or 0
            writes = line.count(usage, "cache_creation_input_tokens")
            w5 = line.count(usage, "cache_creation", "ephemeral_5m_input_tokens")
            w1 = line.count(usage, "cache_creation", "ephemeral_1h_input_tokens")
            row["cache_write_tokens"] = writes if writes is not None else (w5 or 0) + (w1 or 0)
            row["cache_write_1h_tokens"] = w1 or 0
            if writes is not None and w5 is not None and w1 is not None and w5 + w1 != writes:
                raise where.error(
                    f"usage.cache_creation 5m + 1h ({w5} + {w1}) is not cache_creation_input_tokens {writes}", label
                )
            row["web_search_calls"] = line.count(usage, "server_tool_use", "web_search_requests") or 0
            row["convention"] = "anthropic"
    if wrapper_tier is not None:
        row["service_tier"] = wrapper_tier
    for k in ("timestamp", "created_at"):
        if doc.get(k) is not None and doc is not inner:
            row["timestamp"] = doc[k]
            break
    if not isinstance(row.get("model"), str) or not row["model"].strip():
        raise where.error(f"no model in this {shape} response (expected a 'model' field)", label)
    return row


def _litellm(row: dict[str, Any], usage: Mapping[str, Any], line: _Line) -> None:
    """litellm's OpenAI-shaped usage for Anthropic models: ``prompt_tokens`` holds the cache reads and, since
    litellm reports ``prompt_tokens_details.cache_creation_tokens``, the cache writes too."""
    reads = line.count(usage, "cache_read_input_tokens")
    if reads is not None and not row["cached_input_tokens"]:
        row["cached_input_tokens"] = reads
    writes = line.count(usage, "cache_creation_input_tokens") or 0
    row["cache_write_tokens"] = writes
    row["cache_write_1h_tokens"] = (
        line.count(usage, "prompt_tokens_details", "cache_creation_token_details", "ephemeral_1h_input_tokens") or 0
    )
    row["web_search_calls"] = line.count(usage, "server_tool_use", "web_search_requests") or 0
    if writes and line.count(usage, "prompt_tokens_details", "cache_creation_tokens") is None:
        raise line.where.error(
            "litellm usage with cache writes but no prompt_tokens_details.cache_creation_tokens: older litellm "
            "releases left cache writes out of prompt_tokens, so the input count is not known for sure",
            line.line,
        )


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def flatten(docs: Sequence[tuple[str, Any]], where: Any) -> pd.DataFrame:
    """Rows of usage columns from ``[(label, parsed JSON line)]`` (labels like ``"line 3 "``), indexed by
    line number. A line that is not a response this module knows is an error naming it."""
    rows, labels = [], []
    for label, doc in docs:
        n = int(label.split()[1]) if label.startswith("line ") else len(rows) + 1
        if not isinstance(doc, Mapping) or not is_response(doc):
            keys = clip_names(sorted(map(str, doc))[:6]) if isinstance(doc, Mapping) else type(doc).__name__
            raise where.error(
                f"not an API response this reader knows (have: {keys}); expected OpenAI Chat Completions or "
                "Responses, Anthropic Messages, Gemini generateContent, or litellm",
                n,
            )
        rows.append(_row(doc, where, n))
        labels.append(n)
    frame = pd.DataFrame(rows, index=pd.Index(labels, name="line"))
    for col in frame.columns:  # a count one shape lacks is 0 there, not NA
        if col.endswith(("_tokens", "_calls")) and col != "total_tokens":
            frame[col] = frame[col].fillna(0).astype("int64")
    return frame
