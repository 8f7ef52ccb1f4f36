"""Raw API response logs: every shipped sample line prices equal to genai-prices' own extraction and
calc_price; shapes, wrappers and bad lines."""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from genai_prices import Usage, calc_price, extract_usage

from explorer import cli, usage_raw
from explorer import usage as u
from explorer.paths import DATA_DIR

SAMPLES = DATA_DIR / "samples"
AS_OF = "2026-11-01"
FLAVOR = {
    "openai_chat": ("openai", "chat"),
    "openai_responses": ("openai", "responses"),
    "anthropic": ("anthropic", "default"),
    "gemini": ("google", "default"),
}
CONTEXT = {"standard": None, "batch": {"processing": "batch"}, "flex": {"service_tier": "flex"},
           "priority": {"service_tier": "priority"}}


def _camel(obj: Any) -> Any:
    """The google-genai SDK's snake_case dump back in the REST API's camelCase (what genai-prices reads)."""
    if isinstance(obj, dict):
        return {re.sub(r"_([a-z])", lambda m: m[1].upper(), k): _camel(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_camel(v) for v in obj]
    return obj


def _inner(doc: dict[str, Any]) -> dict[str, Any]:
    doc = doc.get("response", doc)
    return doc.get("body", doc)


def _when(row: pd.Series) -> dt.datetime:
    ts = row["timestamp"]
    return ts.to_pydatetime() if pd.notna(ts) else dt.datetime.fromisoformat(AS_OF)


@pytest.mark.parametrize("name", list(FLAVOR))
def test_each_sample_line_equals_genai_prices(name: str) -> None:
    path = SAMPLES / f"responses_{name}.jsonl"
    priced = u.price(u.read_usage(path), as_of=AS_OF)
    docs = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(priced) == len(docs) >= 5
    provider, flavor = FLAVOR[name]
    for (line, row), doc in zip(priced.iterrows(), docs, strict=True):
        inner = _inner(doc)
        if "usage_metadata" in inner:
            inner = _camel(inner)
        extracted = extract_usage(inner, provider_id=provider, api_flavor=flavor)
        oracle = extracted.calc_price(genai_request_timestamp=_when(row),
                                      price_context=CONTEXT[str(row["service_tier"])])
        assert str(row["price_source"]).startswith("genai-prices"), (line, row["price_source"])
        assert row["total_usd"] == pytest.approx(float(oracle.total_price), abs=1e-12), (name, line)


def test_samples_cover_the_conventions() -> None:
    """The samples hold what makes conventions differ: cache reads and 5m/1h writes past Anthropic's
    input_tokens, Gemini thoughts past its candidates, long-context tiers, batch/flex/priority."""
    frames = {n: u.read_usage(SAMPLES / f"responses_{n}.jsonl") for n in FLAVOR}
    a = frames["anthropic"]
    assert (a["cached_input_tokens"] > a["input_tokens"] // 2).any()
    assert (a["cache_write_1h_tokens"] > 0).any() and (a["cache_write_tokens"] > a["cache_write_1h_tokens"]).any()
    assert (a["web_search_calls"] > 0).any() and (a["input_tokens"] > 200_000).any()
    g = frames["gemini"]
    assert (g["reasoning_tokens"] > 0).any() and (g["reasoning_tokens"] == 0).any()
    assert (g["input_tokens"] > 200_000).any()
    tiers = set(pd.concat([f["service_tier"].astype(str) for f in frames.values()]))
    assert tiers == {"standard", "batch", "flex", "priority"}


def test_anthropic_input_is_the_sum_and_gemini_output_adds_thoughts() -> None:
    a = u.read_usage(SAMPLES / "responses_anthropic.jsonl")
    raw = [_inner(json.loads(line))["usage"] for line in (SAMPLES / "responses_anthropic.jsonl").read_text().splitlines()]
    assert a["input_tokens"].tolist() == [
        r["input_tokens"] + r["cache_read_input_tokens"] + r["cache_creation_input_tokens"] for r in raw
    ]
    g = u.read_usage(SAMPLES / "responses_gemini.jsonl")
    metas = [json.loads(line) for line in (SAMPLES / "responses_gemini.jsonl").read_text().splitlines()]
    metas = [_camel(m)["usageMetadata"] for m in metas]
    assert g["output_tokens"].tolist() == [m["candidatesTokenCount"] + m.get("thoughtsTokenCount", 0) for m in metas]
    assert g["input_tokens"].tolist() == [m["promptTokenCount"] + m.get("toolUsePromptTokenCount", 0) for m in metas]


def test_litellm_lines_price_like_the_responses_they_wrap() -> None:
    """litellm's OpenAI-shaped usage of an Anthropic call prices like genai-prices on the original
    Anthropic response; its OpenAI call like the Chat Completions extraction."""
    lite_path = SAMPLES / "responses_litellm.jsonl"
    priced = u.price(u.read_usage(lite_path), as_of=AS_OF)
    originals = {
        _inner(json.loads(line))["id"]: _inner(json.loads(line))
        for line in (SAMPLES / "responses_anthropic.jsonl").read_text().splitlines()
    }
    seen_anthropic = 0
    for (line, row), text in zip(priced.iterrows(), lite_path.read_text().splitlines(), strict=True):
        doc = json.loads(text)
        twin = originals.get(doc["id"].replace("chatcmpl-litellm-", "msg_"))
        if twin is not None:
            extracted = extract_usage(twin, provider_id="anthropic")
            seen_anthropic += 1
        else:
            extracted = extract_usage(doc, provider_id="openai", api_flavor="chat")
        oracle = extracted.calc_price(genai_request_timestamp=_when(row))
        assert row["total_usd"] == pytest.approx(float(oracle.total_price), abs=1e-12), line
    assert seen_anthropic == 4


def test_shapes_detected() -> None:
    shapes = {}
    for name in (*FLAVOR, "litellm"):
        for line in (SAMPLES / f"responses_{name}.jsonl").read_text().splitlines():
            shapes.setdefault(name, set()).add(usage_raw.shape_of(json.loads(line)))
    assert shapes == {
        "openai_chat": {"openai-chat"},
        "openai_responses": {"openai-responses"},
        "anthropic": {"anthropic"},
        "gemini": {"gemini"},
        "litellm": {"litellm", "openai-chat"},
    }
    assert usage_raw.shape_of({"model": "x", "input_tokens": 1}) is None
    assert usage_raw.shape_of([1, 2]) is None


def test_mixed_log_prices_each_line_by_its_own_convention(tmp_path: Path) -> None:
    lines = []
    for name in FLAVOR:
        lines += (SAMPLES / f"responses_{name}.jsonl").read_text().splitlines()
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(lines) + "\n")
    separate = sum(u.price(u.read_usage(SAMPLES / f"responses_{n}.jsonl"), as_of=AS_OF)["total_usd"].sum()
                   for n in FLAVOR)
    assert u.price(u.read_usage(mixed), as_of=AS_OF)["total_usd"].sum() == pytest.approx(separate, rel=1e-12)


def test_a_global_convention_does_not_override_a_response_shape() -> None:
    """--convention is for ambiguous flat files; a raw response says its own convention."""
    path = SAMPLES / "responses_anthropic.jsonl"
    assert u.read_usage(path, convention="openai")["input_tokens"].tolist() == u.read_usage(path)[
        "input_tokens"].tolist()


def test_cost_usage_prices_a_raw_log(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["cost", "--usage", str(SAMPLES / "responses_anthropic.jsonl"), "--format", "json",
                     "--as-of", AS_OF])
    payload = json.loads(capsys.readouterr().out)
    expected = u.price(u.read_usage(SAMPLES / "responses_anthropic.jsonl"), as_of=AS_OF)["total_usd"].sum()
    assert code == 0 and payload["total_usd"] == pytest.approx(expected)
    row = payload["rows"][0]
    assert {"cached_input_tokens", "cache_write_tokens", "cache_write_1h_tokens", "response_shape"} <= set(row)


def _one(doc: dict[str, Any]) -> str:
    return json.dumps(doc) + "\n"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"model": "gpt-4o", "usage": {"prompt_tokens": "12", "completion_tokens": 3}}],
         "line 1: prompt_tokens is '12', expected a whole number of tokens"),
        ([{"model": "gpt-4o", "usage": {"prompt_tokens": 12}}], "line 1: completion_tokens is missing"),
        ([{"usage": {"prompt_tokens": 12, "completion_tokens": 1}}], "line 1: no model in this openai-chat response"),
        ([{"model": "gpt-4o", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}, {"hello": 1}],
         "line 2: not an API response this reader knows (have: hello)"),
        ([{"type": "message", "model": "claude-haiku-4-5", "usage": {
            "input_tokens": 5, "output_tokens": 1, "cache_creation_input_tokens": 10,
            "cache_creation": {"ephemeral_5m_input_tokens": 4, "ephemeral_1h_input_tokens": 4}}}],
         "line 1: usage.cache_creation 5m + 1h (4 + 4) is not cache_creation_input_tokens 10"),
        ([{"modelVersion": "gemini-2.5-flash", "usageMetadata": {
            "promptTokenCount": 10, "candidatesTokenCount": 1, "cachedContentTokenCount": 5,
            "cacheTokensDetails": [{"modality": "AUDIO", "tokenCount": 5}]}}],
         "cached AUDIO tokens have their own rates"),
        ([{"model": "claude-sonnet-4-5", "usage": {"prompt_tokens": 100, "completion_tokens": 1,
                                                   "cache_creation_input_tokens": 50}}],
         "line 1: litellm usage with cache writes but no prompt_tokens_details.cache_creation_tokens"),
        ([{"model": "gpt-4o", "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 13}}],
         "line 1, column 'total_tokens': 13 is not input + output (12)"),
    ],
)
def test_bad_response_lines_name_the_line(tmp_path: Path, lines: list[dict[str, Any]], message: str) -> None:
    p = tmp_path / "log.jsonl"
    p.write_text("".join(_one(d) for d in lines))
    with pytest.raises(ValueError) as err:
        u.read_usage(p)
    assert str(err.value).startswith(f"{p}, ") and message in str(err.value)
    assert "\n" not in str(err.value)


def test_batch_wrappers_price_at_batch_rates(tmp_path: Path) -> None:
    body = {"object": "chat.completion", "model": "gpt-4.1",
            "usage": {"prompt_tokens": 1000, "completion_tokens": 100}}
    anthropic = {"type": "message", "model": "claude-haiku-4-5", "usage": {"input_tokens": 1000, "output_tokens": 100}}
    p = tmp_path / "batch.jsonl"
    p.write_text(_one({"custom_id": "a", "response": {"status_code": 200, "body": body}})
                 + _one({"custom_id": "b", "result": {"type": "succeeded", "message": anthropic}}))
    frame = u.read_usage(p)
    assert frame["service_tier"].astype(str).tolist() == ["batch", "batch"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = [float(calc_price(Usage(input_tokens=1000, output_tokens=100), m, provider_id=prov,
                                 genai_request_timestamp=dt.datetime(2026, 11, 1),
                                 price_context={"processing": "batch"}).total_price)
                for m, prov in (("gpt-4.1", "openai"), ("claude-haiku-4-5", "anthropic"))]
    assert u.price(frame, as_of=AS_OF)["total_usd"].tolist() == pytest.approx(full, abs=1e-12)


def test_sdk_usage_objects_dumped_beside_their_model(tmp_path: Path) -> None:
    """`response.usage.model_dump()` with the model beside it is read like the response."""
    p = tmp_path / "usage.jsonl"
    p.write_text(_one({"model": "gpt-4.1", "prompt_tokens": 1000, "completion_tokens": 10,
                       "prompt_tokens_details": {"cached_tokens": 800}})
                 + _one({"model": "claude-haiku-4-5", "input_tokens": 10, "output_tokens": 5,
                         "cache_read_input_tokens": 900, "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                                                            "ephemeral_1h_input_tokens": 0}}))
    frame = u.read_usage(p)
    assert frame["cached_input_tokens"].tolist() == [800, 900]
    assert frame["input_tokens"].tolist() == [1000, 910]


def test_a_nested_count_column_is_never_ignored(tmp_path: Path) -> None:
    p = tmp_path / "log.jsonl"
    p.write_text(_one({"model": "gpt-4.1", "input_tokens": 1000, "output_tokens": 10,
                       "token_details": {"cached": 800}}))
    with pytest.raises(ValueError, match=r"log.jsonl, column 'token_details': holds nested objects"):
        u.read_usage(p)
