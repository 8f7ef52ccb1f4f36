"""Write the synthetic raw-response logs and Anthropic Admin API exports in data/samples/.

    .venv/bin/python scripts/make_response_samples.py

Nothing here is real traffic: every response is invented (seeded, so the same bytes every run), shaped
like what each provider's API returns (usage fields as documented by OpenAI, Anthropic, Google and
litellm), with the message content cut to a placeholder. tests/test_usage_raw.py prices each line and
compares it with genai-prices' own extraction and calc_price.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any

from explorer.paths import DATA_DIR

OUT = DATA_DIR / "samples"
EPOCH = dt.datetime(2026, 10, 16, tzinfo=dt.UTC)  # genai-prices carries batch/flex/priority from mid-October
TEXT = "(synthetic sample: content omitted)"


def _ts(rng: random.Random, day: int) -> dt.datetime:
    return EPOCH + dt.timedelta(days=day, seconds=rng.randrange(86_400))


def chat(rng: random.Random, i: int, model: str, prompt: int, cached: int, completion: int, reasoning: int = 0,
         tier: str = "default") -> dict[str, Any]:
    return {
        "id": f"chatcmpl-synthetic{i:04d}",
        "object": "chat.completion",
        "created": int(_ts(rng, i % 14).timestamp()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": TEXT}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
        },
        "service_tier": tier,
        "system_fingerprint": "fp_synthetic",
    }


def responses(rng: random.Random, i: int, model: str, inp: int, cached: int, out: int, reasoning: int,
              tier: str = "default") -> dict[str, Any]:
    return {
        "id": f"resp_synthetic{i:04d}",
        "object": "response",
        "created_at": int(_ts(rng, i % 14).timestamp()),
        "status": "completed",
        "model": model,
        "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": TEXT}]}],
        "service_tier": tier,
        "usage": {
            "input_tokens": inp,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": out,
            "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": inp + out,
        },
    }


def anthropic(i: int, model: str, inp: int, read: int, w5: int, w1: int, out: int, searches: int = 0,
              tier: str = "standard") -> dict[str, Any]:
    usage: dict[str, Any] = {
        "input_tokens": inp,
        "cache_creation_input_tokens": w5 + w1,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
        "output_tokens": out,
        "service_tier": tier,
    }
    if searches:
        usage["server_tool_use"] = {"web_search_requests": searches}
    return {
        "id": f"msg_synthetic{i:04d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": TEXT}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }


def gemini(rng: random.Random, i: int, model: str, prompt: int, cached: int, candidates: int, thoughts: int,
           tool: int = 0, snake: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": candidates,
        "totalTokenCount": prompt + candidates + thoughts + tool,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
    }
    if cached:
        meta["cachedContentTokenCount"] = cached
        meta["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": cached}]
    if thoughts:
        meta["thoughtsTokenCount"] = thoughts
    if tool:
        meta["toolUsePromptTokenCount"] = tool
    doc: dict[str, Any] = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": TEXT}]}, "finishReason": "STOP"}],
        "usageMetadata": meta,
        "modelVersion": model,
        "createTime": _ts(rng, i % 14).isoformat().replace("+00:00", "Z"),
        "responseId": f"synthetic{i:04d}",
    }
    if snake:  # the google-genai Python SDK's model_dump(): the same fields in snake_case
        doc = _snake_keys(doc)
    return doc


def _snake_keys(obj: Any) -> Any:
    import re

    if isinstance(obj, dict):
        return {re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", k).lower(): _snake_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_snake_keys(v) for v in obj]
    return obj


def litellm_from_anthropic(msg: dict[str, Any], created: int) -> dict[str, Any]:
    """What litellm returns for an Anthropic call: the OpenAI Chat shape, with prompt_tokens holding the
    cache reads and writes, and Anthropic's own fields kept on the usage object."""
    u = msg["usage"]
    reads, writes = u["cache_read_input_tokens"], u["cache_creation_input_tokens"]
    prompt = u["input_tokens"] + reads + writes
    extra = {"server_tool_use": dict(u["server_tool_use"])} if "server_tool_use" in u else {}
    return {
        "id": msg["id"].replace("msg_", "chatcmpl-litellm-"),
        "created": created,
        "model": msg["model"],
        "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": TEXT}}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": u["output_tokens"],
            "total_tokens": prompt + u["output_tokens"],
            "prompt_tokens_details": {
                "cached_tokens": reads,
                "cache_creation_tokens": writes,
                "cache_creation_token_details": dict(u["cache_creation"]),
            },
            "completion_tokens_details": {"reasoning_tokens": 0},
            "cache_creation_input_tokens": writes,
            "cache_read_input_tokens": reads,
            **extra,
        },
    }


def write_jsonl(name: str, docs: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(d, separators=(",", ":")) + "\n" for d in docs)
    (OUT / name).write_text(text, encoding="utf-8")


def anthropic_reports(rng: random.Random) -> None:
    """A week of Admin API usage report pages (daily, by model and context window) and the cost report of
    the same week (by description), in cents as the API gives them; two planted differences."""
    from explorer import usage as u

    models = {"claude-sonnet-4-5-20250929": (3.0, 15.0), "claude-haiku-4-5-20251001": (1.0, 5.0)}
    usage_buckets, cost_buckets = [], []
    for day in range(7):
        start = EPOCH + dt.timedelta(days=day)
        results = []
        for model in models:
            for window in ("0-200k", "200k-1M") if model.startswith("claude-sonnet") else ("0-200k",):
                big = window == "200k-1M"
                scale = 400 if big else 1000
                results.append({
                    "uncached_input_tokens": rng.randrange(200, 900) * scale,
                    "cache_creation": {"ephemeral_5m_input_tokens": rng.randrange(50, 200) * scale,
                                       "ephemeral_1h_input_tokens": rng.randrange(0, 60) * scale},
                    "cache_read_input_tokens": rng.randrange(500, 3000) * scale,
                    "output_tokens": rng.randrange(30, 120) * scale // 2,
                    "server_tool_use": {"web_search_requests": rng.randrange(0, 40) if not big else 0},
                    "api_key_id": None,
                    "workspace_id": "wrkspc_synthetic_support",
                    "model": model,
                    "service_tier": "standard",
                    "context_window": window,
                })
        usage_buckets.append({"starting_at": start.isoformat().replace("+00:00", "Z"),
                              "ending_at": (start + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z"),
                              "results": results})
    pages = [
        {"data": usage_buckets[:4], "has_more": True, "next_page": "page_synthetic_2"},
        {"data": usage_buckets[4:], "has_more": False, "next_page": None},
    ]
    (OUT / "anthropic_usage_report.json").write_text(json.dumps(pages, indent=1) + "\n", encoding="utf-8")
    # The bill: each day's usage priced with the bundled prices, per description, in cents.
    usage = u.read_usage(OUT / "anthropic_usage_report.json")
    priced = u.price(usage)
    five = u.price(usage.assign(cache_write_tokens=usage["cache_write_tokens"] - usage["cache_write_1h_tokens"],
                                cache_write_1h_tokens=0))
    priced["cache_write_5m_usd"] = five["cache_write_usd"].to_numpy()
    priced["cache_write_1h_usd"] = priced["cache_write_usd"] - priced["cache_write_5m_usd"]
    labels = {
        "input_usd": ("uncached_input_tokens", "Input Tokens"),
        "cached_input_usd": ("cache_read_input_tokens", "Cache Read Input Tokens"),
        "cache_write_5m_usd": ("cache_creation.ephemeral_5m_input_tokens", "Cache Write (5m) Tokens"),
        "cache_write_1h_usd": ("cache_creation.ephemeral_1h_input_tokens", "Cache Write (1h) Tokens"),
        "output_usd": ("output_tokens", "Output Tokens"),
    }
    for day in range(7):
        start = EPOCH + dt.timedelta(days=day)
        rows = priced[priced["day"] == start.replace(tzinfo=None)]
        results = []
        for (model, window), grp in rows.groupby(["model", "context_window"], observed=True, sort=True):
            for comp, (token_type, what) in labels.items():
                usd = float(grp[comp].sum())
                if comp == "output_usd" and day == 3 and str(model).startswith("claude-sonnet") and window == "0-200k":
                    usd *= 1.15  # planted: billed 15% more than the usage says
                if not usd:
                    continue
                cents = Decimal(repr(usd * 100)).quantize(Decimal("0.000001"))
                results.append({"currency": "USD", "amount": str(cents), "workspace_id": "wrkspc_synthetic_support",
                                "description": f"{model} Usage - {what}", "cost_type": "tokens",
                                "context_window": window, "model": str(model), "service_tier": "standard",
                                "token_type": token_type})
            searches = float(grp["web_search_usd"].sum())
            if searches:
                results.append({"currency": "USD", "amount": str(Decimal(repr(searches * 100)).quantize(
                    Decimal("0.000001"))), "workspace_id": "wrkspc_synthetic_support", "description": "Web Search",
                    "cost_type": "web_search", "context_window": None, "model": str(model),
                    "service_tier": None, "token_type": None})
        if day == 5:  # planted: a code-execution charge the token usage cannot explain
            results.append({"currency": "USD", "amount": "250.00", "workspace_id": "wrkspc_synthetic_support",
                            "description": "Code Execution Usage", "cost_type": "code_execution",
                            "context_window": None, "model": None, "service_tier": None, "token_type": None})
        cost_buckets.append({"starting_at": start.isoformat().replace("+00:00", "Z"),
                             "ending_at": (start + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z"),
                             "results": results})
    (OUT / "anthropic_cost_report.json").write_text(
        json.dumps({"data": cost_buckets, "has_more": False, "next_page": None}, indent=1) + "\n", encoding="utf-8"
    )


def main() -> None:
    rng = random.Random(15)
    write_jsonl("responses_openai_chat.jsonl", [
        chat(rng, 1, "gpt-4.1-2025-04-14", 5210, 4096, 312),
        chat(rng, 2, "gpt-4.1-mini-2025-04-14", 1820, 0, 95),
        chat(rng, 3, "gpt-4o-mini-2024-07-18", 12950, 11264, 640),
        chat(rng, 4, "o4-mini-2025-04-16", 3400, 1024, 2900, reasoning=2304),
        chat(rng, 5, "gpt-5-mini-2025-08-07", 8021, 6912, 1410, reasoning=960, tier="flex"),
        chat(rng, 6, "gpt-4.1-2025-04-14", 900, 0, 120, tier="priority"),
        # an OpenAI Batch API output line: the same response inside response.body, billed at batch rates
        {"id": "batch_req_synthetic0007", "custom_id": "request-7",
         "response": {"status_code": 200, "request_id": "req_synthetic7",
                      "body": chat(rng, 7, "gpt-4o-2024-08-06", 2400, 0, 410)}, "error": None},
    ])
    write_jsonl("responses_openai_responses.jsonl", [
        responses(rng, 11, "gpt-5-2025-08-07", 15400, 12288, 2210, 1536),
        responses(rng, 12, "gpt-5-mini-2025-08-07", 3100, 0, 640, 448),
        responses(rng, 13, "o3-2025-04-16", 22000, 20480, 5100, 4480),
        responses(rng, 14, "gpt-4.1-nano-2025-04-14", 700, 0, 60, 0),
        responses(rng, 15, "gpt-5-nano-2025-08-07", 1900, 1024, 900, 768, tier="flex"),
    ])
    msgs = [
        anthropic(21, "claude-sonnet-4-5-20250929", 12, 18650, 0, 0, 480),
        anthropic(22, "claude-sonnet-4-5-20250929", 2210, 0, 16440, 0, 655),
        anthropic(23, "claude-haiku-4-5-20251001", 640, 9000, 1200, 3400, 210),
        anthropic(24, "claude-opus-4-1-20250805", 3, 41200, 0, 2048, 1320, searches=3),
        anthropic(25, "claude-sonnet-4-5-20250929", 230_000, 0, 0, 0, 2000),  # past the 200k long-context tier
        anthropic(26, "claude-haiku-4-5-20251001", 1500, 0, 0, 0, 300, tier="batch"),
    ]
    stamped = [{"timestamp": _ts(rng, i).isoformat().replace("+00:00", "Z"), "response": m}
               for i, m in enumerate(msgs)]
    write_jsonl("responses_anthropic.jsonl", stamped)
    write_jsonl("responses_gemini.jsonl", [
        gemini(rng, 31, "gemini-2.5-flash", 4200, 0, 380, 910),
        gemini(rng, 32, "gemini-2.5-flash", 36_500, 32_768, 520, 0),
        gemini(rng, 33, "gemini-2.5-pro", 250_000, 0, 1800, 4200),  # past the 200k long-context tier
        gemini(rng, 34, "gemini-2.5-pro", 9000, 4096, 700, 2100, tool=600),
        gemini(rng, 35, "gemini-2.5-flash-lite", 1200, 0, 140, 0, snake=True),
    ])
    write_jsonl("responses_litellm.jsonl", [
        litellm_from_anthropic(m, int(_ts(rng, 3).timestamp())) for m in msgs[:4]
    ] + [
        {**chat(rng, 41, "gpt-4.1-mini", 4000, 2048, 300), "id": "chatcmpl-litellm-openai41"},
    ])
    anthropic_reports(rng)


if __name__ == "__main__":
    main()
