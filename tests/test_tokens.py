"""Token counting: text, chat requests, tools, corpora, costs and the ``tokens`` CLI."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import cli_tokens, tokens, vocab
from explorer.prices import UnknownModelError


@pytest.fixture(scope="module", autouse=True)
def _home(tmp_path_factory: pytest.TempPathFactory):
    """Vocabularies extract into a throwaway EXPLORER_HOME, never the developer's."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXPLORER_HOME", str(tmp_path_factory.mktemp("home")))
        vocab.clear_cache()
        yield
    vocab.clear_cache()


def o200k(text: str) -> int:
    return len(vocab.get_encoding("o200k_base").encode_ordinary(text))


def cl100k(text: str) -> int:
    return len(vocab.get_encoding("cl100k_base").encode_ordinary(text))


# --------------------------------------------------------------------------------------------------
# OpenAI cookbook "How to count tokens with tiktoken": its examples and the prompt_tokens the API
# reported for them.

COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate jargon "
        "into plain English.",
    },
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities for "
        "increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]

COOKBOOK_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "string",
                        "description": "The city and state, e.g. San Francisco, CA",
                    },
                    "unit": {
                        "type": "string",
                        "description": "The unit of temperature to return",
                        "enum": ["celsius", "fahrenheit"],
                    },
                },
                "required": ["location"],
            },
        },
    }
]
COOKBOOK_TOOL_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful assistant that can answer to questions about the weather.",
    },
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


@pytest.mark.parametrize(
    ("model", "api_prompt_tokens"),
    [("gpt-3.5-turbo", 129), ("gpt-4-0613", 129), ("gpt-4", 129), ("gpt-4o", 124), ("gpt-4o-mini", 124)],
)
def test_messages_match_the_api_counts_in_the_cookbook(model: str, api_prompt_tokens: int) -> None:
    c = tokens.count_messages(COOKBOOK_MESSAGES, model=model)
    assert c.tokens == api_prompt_tokens
    assert c.exact and not c.method.startswith("estimate")


@pytest.mark.parametrize(
    ("model", "api_prompt_tokens"),
    [("gpt-3.5-turbo", 105), ("gpt-4", 105), ("gpt-4o", 101), ("gpt-4o-mini", 101)],
)
def test_tools_match_the_api_counts_in_the_cookbook(model: str, api_prompt_tokens: int) -> None:
    c = tokens.count_messages(COOKBOOK_TOOL_MESSAGES, model=model, tools=COOKBOOK_TOOLS)
    assert c.tokens == api_prompt_tokens
    assert (
        c.tools_tokens
        == api_prompt_tokens - tokens.count_messages(COOKBOOK_TOOL_MESSAGES, model=model).tokens
    )
    assert tokens.count_tools(COOKBOOK_TOOLS, model=model).tokens == c.tools_tokens


def test_tools_in_responses_api_shape_count_the_same() -> None:
    flat = [{"type": "function", **COOKBOOK_TOOLS[0]["function"]}]
    assert (
        tokens.count_tools(flat, model="gpt-4o").tokens
        == tokens.count_tools(COOKBOOK_TOOLS, model="gpt-4o").tokens
    )


def test_per_message_breakdown_adds_up_and_shows_the_overhead() -> None:
    c = tokens.count_messages(COOKBOOK_MESSAGES, model="gpt-4o")
    assert c.tokens == sum(m.total_tokens for m in c.messages) + c.reply_priming_tokens + c.tools_tokens
    named = c.messages[1]
    assert named.role == "system"
    assert named.content_tokens == o200k("New synergies will help drive top-line growth.")
    assert named.name_tokens == o200k("example_user")
    assert named.overhead_tokens == 3 + o200k("system") + 1  # per message, role, name marker
    assert c.messages[0].overhead_tokens == 3 + o200k("system")
    frame = c.to_frame()
    assert list(frame["role"])[-1] == "reply priming"
    assert frame["total_tokens"].sum() == c.tokens
    assert str(frame["index"].dtype) == "Int64"


def test_fields_outside_the_cookbook_make_an_estimate() -> None:
    msgs = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "function": {"name": "w"}}]},
    ]
    c = tokens.count_messages(msgs, model="gpt-4o")
    assert not c.exact
    assert c.method.startswith("estimate:") and "tool_calls" in c.method
    assert c.messages[1].other_tokens == o200k('[{"id":"c1","function":{"name":"w"}}]')


def test_image_parts_are_priced_by_the_vision_rules() -> None:
    text_only = [{"role": "user", "content": [{"type": "text", "text": "what is this?"}]}]
    with_image = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?"},
                {
                    "type": "image_url",
                    "image_url": {"url": "x", "width": 1024, "height": 1024, "detail": "high"},
                },
            ],
        }
    ]
    a = tokens.count_messages(text_only, model="gpt-4o")
    b = tokens.count_messages(with_image, model="gpt-4o")
    assert b.messages[0].image_tokens == 765
    assert b.tokens - a.tokens == 765


def test_image_part_without_size_names_the_message() -> None:
    msgs = [
        {"role": "user", "content": "hi"},
        {"role": "user", "content": [{"type": "image_url", "image_url": {}}]},
    ]
    with pytest.raises(ValueError, match="message 1 part 0: image part without width and height"):
        tokens.count_messages(msgs, model="gpt-4o")


@pytest.mark.parametrize(
    "bad", [[{"content": "no role"}], ["just a string"], [{"role": "user", "content": 42}], "not a list"]
)
def test_malformed_messages_raise_value_error(bad) -> None:
    with pytest.raises(ValueError):
        tokens.count_messages(bad, model="gpt-4o")


# --------------------------------------------------------------------------------------------------
# Encodings by model


@pytest.mark.parametrize(
    "model",
    [
        "gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-mini", "chatgpt-4o-latest", "gpt-4.1", "gpt-4.1-nano",
        "gpt-4.5-preview", "gpt-5", "gpt-5-mini", "gpt-5.1", "gpt-5.2", "o1", "o3", "o3-mini", "o4-mini",
        "codex-mini-latest", "gpt-image-1", "gpt-oss-120b", "gpt-realtime",
    ],
)  # fmt: skip
def test_o200k_models(model: str) -> None:
    t = tokens.tokenizer_for(model)
    assert (t.encoding, t.exact, t.provider) == ("o200k_base", True, "openai")


@pytest.mark.parametrize(
    "model",
    ["gpt-4", "gpt-4-0613", "gpt-4-turbo", "gpt-3.5-turbo", "text-embedding-3-small",
     "text-embedding-3-large", "text-embedding-ada-002"],
)  # fmt: skip
def test_cl100k_models(model: str) -> None:
    t = tokens.tokenizer_for(model)
    assert (t.encoding, t.exact) == ("cl100k_base", True)


def test_counts_differ_by_encoding_as_expected() -> None:
    text = "Tokenizers differ: こんにちは世界、今日はいい天気ですね。"
    assert tokens.count_text(text, model="gpt-4o").tokens == o200k(text)
    assert tokens.count_text(text, model="gpt-4").tokens == cl100k(text)
    assert o200k(text) != cl100k(text)
    both = tokens.count_by_encoding(text, ("cl100k_base", "o200k_base"))
    assert both == {"cl100k_base": cl100k(text), "o200k_base": o200k(text)}
    assert set(tokens.count_by_encoding(text)) == {"cl100k_base", "o200k_base", "qwen", "qwen3.5", "deepseek-v4"}


@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "gemini-2.5-pro", "mistral-large-latest"])
def test_other_providers_get_a_labelled_estimate(model: str) -> None:
    c = tokens.count_text("Hello there, how are you?", model=model)
    assert c.exact is False
    assert c.method.startswith("estimate:")
    tok = tokens.tokenizer_for(model)
    n = o200k("Hello there, how are you?")
    assert c.tokens == math.ceil(n * tok.factor)
    assert c.range() == (math.ceil(n * tok.factor_low), math.ceil(n * tok.factor_high))
    assert c.range()[0] <= c.tokens <= c.range()[1] and c.range()[0] < c.range()[1]


def test_estimate_factor_is_the_calibrated_one_and_rounded_up() -> None:
    from explorer import families

    est = families.calibrated_estimate("claude-v3")
    assert est is not None
    c = tokens.count_text("Hello there, how are you?", model="claude-sonnet-4-5")
    assert c.tokens == math.ceil(o200k("Hello there, how are you?") * est.ratio)
    assert f"o200k_base x {est.ratio:.2f}, range {est.low:.2f}-{est.high:.2f} on the reference corpus" in c.method


def test_strict_refuses_estimates() -> None:
    with pytest.raises(ValueError, match=r"anthropic/claude-sonnet-4-5.*strict=True"):
        tokens.count_text("hi", model="claude-sonnet-4-5", strict=True)
    assert tokens.count_text("hi", model="gpt-4o", strict=True).exact


def test_unknown_model_names_close_matches() -> None:
    with pytest.raises(UnknownModelError, match="gpt-4oo"):
        tokens.count_text("hi", model="gpt-4oo")


def test_unknown_encoding_lists_the_known_ones() -> None:
    with pytest.raises(
        ValueError, match=r"unknown encoding 'r50k_base'; known encodings: cl100k_base, o200k_base"
    ):
        tokens.count_text("hi", encoding="r50k_base")


def test_model_and_encoding_together_is_an_error() -> None:
    with pytest.raises(ValueError, match="not both"):
        tokens.count_text("hi", model="gpt-4o", encoding="o200k_base")


def test_default_and_explicit_encoding() -> None:
    assert tokens.count_text("hello world").encoding == "o200k_base"
    c = tokens.count_text("hello world", encoding="cl100k_base")
    assert (c.tokens, c.encoding, c.exact, c.model) == (2, "cl100k_base", True, None)


def test_special_token_text_counts_as_ordinary_text() -> None:
    # The API never lets user text inject <|endoftext|>: it is billed as the characters it is.
    assert tokens.count_text("<|endoftext|>", model="gpt-4o").tokens > 1


def test_token_count_is_frozen_and_documented() -> None:
    c = tokens.count_text("hi")
    with pytest.raises(AttributeError):
        c.tokens = 3  # type: ignore[misc]
    src = Path(tokens.__file__).read_text()
    for name in ("tokens", "encoding", "exact", "method"):
        assert f"    {name}: " in src


# --------------------------------------------------------------------------------------------------
# Token pieces for the token lab


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_token_pieces_rebuild_the_text_and_count_every_token(text: str) -> None:
    pieces = tokens.token_pieces(text, model="gpt-4o")
    assert "".join(p.text for p in pieces) == text
    assert sum(len(p.token_ids) for p in pieces) == o200k(text)
    assert [p.start for p in pieces] == [sum(len(q.text) for q in pieces[:i]) for i in range(len(pieces))]


def test_character_split_across_tokens_stays_one_piece() -> None:
    pieces = tokens.token_pieces(" 🎉", encoding="o200k_base")
    assert [p.text for p in pieces] == [" 🎉"]
    assert len(pieces[0].token_ids) == 2


# --------------------------------------------------------------------------------------------------
# Corpora


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("The quick brown fox jumps over the lazy dog.\n" * 3)
    (root / "sub" / "b.md").write_text("# Title\n\n日本語の文章です。")
    (root / "sub" / "copy.txt").write_text("The quick brown fox jumps over the lazy dog.\n" * 3)
    (root / "empty.txt").write_text("")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (root / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    return root


def test_folder_corpus_counts_every_text_file_and_skips_binaries(folder: Path) -> None:
    c = tokens.count_corpus(folder, model="gpt-4o", progress=False)
    assert list(c.items["item"]) == ["a.txt", "empty.txt", "sub/b.md", "sub/copy.txt"]
    expected = [o200k((folder / i).read_text()) for i in c.items["item"]]
    assert list(c.items["tokens"]) == expected
    assert c.tokens == sum(expected)
    assert dict(c.skipped) == {"image.png": "binary (NUL byte)", "latin1.txt": "not UTF-8 text (byte 3)"}
    assert list(c.items["duplicate"]) == [False, False, False, True]
    assert c.n_distinct == 3
    assert c.distinct_tokens == c.tokens - expected[0]
    assert (c.kind, c.encoding, c.exact, c.model) == ("files", "o200k_base", True, "gpt-4o")


def test_small_batches_and_threads_give_the_same_counts(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = tokens.count_corpus(folder, model="gpt-4o", progress=False, workers=1)
    monkeypatch.setattr(tokens, "_BATCH_ITEMS", 1)
    monkeypatch.setattr(tokens, "_BATCH_BYTES", 10)
    batched = tokens.count_corpus(folder, model="gpt-4o", progress=False, workers=3)
    pd.testing.assert_frame_equal(whole.items, batched.items)
    assert (whole.tokens, whole.n_distinct) == (batched.tokens, batched.n_distinct)


def test_batches_are_bounded() -> None:
    items = [tokens._Item(str(i), "x" * 10, 10) for i in range(10)]
    sizes = [len(b) for b in tokens._batches(items)]
    assert sum(sizes) == 10
    assert max(sizes) <= tokens._BATCH_ITEMS


def test_toktok_backend_agrees_with_tiktoken(folder: Path) -> None:
    pytest.importorskip("toktok")
    ref = tokens.count_corpus(folder, model="gpt-4", progress=False)
    fast = tokens.count_corpus(folder, model="gpt-4", progress=False, backend="toktok")
    pd.testing.assert_frame_equal(ref.items, fast.items)
    assert "toktok backend" in fast.method


def test_unknown_backend_is_an_error(folder: Path) -> None:
    with pytest.raises(ValueError, match="unknown backend 'rust'"):
        tokens.count_corpus(folder, model="gpt-4o", progress=False, backend="rust")  # type: ignore[arg-type]


def test_csv_column(tmp_path: Path) -> None:
    p = tmp_path / "rows.csv"
    pd.DataFrame({"id": [1, 2, 3], "text": ["hello world", "", 'a, quoted "text"\nover lines']}).to_csv(
        p, index=False
    )
    c = tokens.count_corpus(p, model="gpt-4o", column="text", progress=False)
    assert list(c.items["item"]) == ["row 1", "row 2", "row 3"]
    assert list(c.items["tokens"]) == [o200k("hello world"), 0, o200k('a, quoted "text"\nover lines')]
    with pytest.raises(ValueError, match=r"no column 'body'; columns: id, text"):
        tokens.count_corpus(p, model="gpt-4o", column="body", progress=False)
    with pytest.raises(ValueError, match="needs a column"):
        tokens.count_corpus(p, model="gpt-4o", progress=False)


def test_jsonl_column(tmp_path: Path) -> None:
    p = tmp_path / "rows.jsonl"
    p.write_text('{"text": "hello world"}\n\n{"text": null}\n{"text": "bye"}\n')
    c = tokens.count_corpus(p, model="gpt-4o", column="text", progress=False)
    assert list(c.items["item"]) == ["line 1", "line 4"]
    assert list(c.items["tokens"]) == [o200k("hello world"), o200k("bye")]
    assert c.skipped == (("line 3", "null value"),)
    p.write_text('{"text": "ok"}\n{"body": "x"}\n')
    with pytest.raises(ValueError, match="line 2 has no field 'text'"):
        tokens.count_corpus(p, model="gpt-4o", column="text", progress=False)


def _chat_log(path: Path, n: int) -> list[list[dict[str, str]]]:
    system = {"role": "system", "content": "You are a meticulous support agent. " * 20}
    convs = [[system, {"role": "user", "content": f"Question number {i % 7}?"}] for i in range(n)]
    path.write_text("".join(json.dumps({"messages": m}) + "\n" for m in convs) + "not json\n" * 0)
    return convs


def test_chat_log_counts_each_conversation_like_count_messages(tmp_path: Path) -> None:
    p = tmp_path / "chat.jsonl"
    convs = _chat_log(p, 30)
    c = tokens.count_corpus(p, model="gpt-4o", progress=False)
    assert c.kind == "chat"
    expected = [tokens.count_messages(m, model="gpt-4o").tokens for m in convs]
    assert list(c.items["tokens"]) == expected
    assert c.tokens == sum(expected)
    # The long system prompt is encoded once, not 30 times.
    assert c.n_distinct == 1 + 7 + 2  # system prompt, 7 questions, 2 roles
    assert c.distinct_tokens < c.tokens / 10
    assert list(c.items["duplicate"]) == [i >= 7 for i in range(30)]
    row = c.items.iloc[0]
    assert row["content_tokens"] + row["overhead_tokens"] == row["tokens"]


def test_chat_log_bad_line_is_skipped_with_the_reason(tmp_path: Path) -> None:
    p = tmp_path / "chat.jsonl"
    p.write_text(
        json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n"
        + json.dumps({"messages": [{"content": "no role"}]}) + "\n"
        + json.dumps({"other": 1}) + "\n"
    )  # fmt: skip
    c = tokens.count_corpus(p, model="gpt-4o", progress=False)
    assert c.n_items == 1
    assert c.skipped == (("line 2", "message 0: missing string 'role'"), ("line 3", "no 'messages' list"))


@pytest.mark.parametrize(
    ("name", "content", "column", "match"),
    [
        ("missing", None, None, "corpus source not found"),
        ("plain.jsonl", '{"text": "x"}\n', None, r"without a 'messages' list: give the text field"),
        ("broken.jsonl", '{"messages": \n', None, "line 1 is not valid JSON"),
    ],
)
def test_corpus_source_errors(tmp_path: Path, name: str, content: str | None, column, match: str) -> None:
    p = tmp_path / name
    if content is not None:
        p.write_text(content)
    with pytest.raises(ValueError, match=match):
        tokens.count_corpus(p, model="gpt-4o", column=column, progress=False)


def test_progress_bar_reports_bytes(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tokens.count_corpus(folder, model="gpt-4o", progress=True, workers=1)
    err = capsys.readouterr().err
    assert "tokens (o200k_base)" in err and "100%" in err


# --------------------------------------------------------------------------------------------------
# Costs through the engine


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> list[pd.DataFrame]:
    """A stand-in price_usage at $1 per input and $2 per output token, recording what it was given."""
    calls: list[pd.DataFrame] = []

    def price_usage(usage: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
        calls.append(usage.copy())
        return usage.assign(total_usd=usage["input_tokens"] * 1.0 + usage["output_tokens"] * 2.0)

    monkeypatch.setitem(sys.modules, "explorer.costs", types.SimpleNamespace(price_usage=price_usage))
    return calls


def test_corpus_cost_prices_each_item_as_a_request(folder: Path, fake_engine: list[pd.DataFrame]) -> None:
    o = tokens.count_corpus(folder, model="gpt-4o", progress=False)
    cl = tokens.count_corpus(folder, model="gpt-4", progress=False)
    # On a day gpt-4 was still sold (it shut down on 2026-10-23): corpus_cost refuses a model with no price.
    table = tokens.corpus_cost([o, cl], ["gpt-4o", "gpt-4", "claude-sonnet-4-5"], as_of="2026-10-01")
    assert list(table["model"]) == ["gpt-4o", "gpt-4", "claude-sonnet-4-5"]
    f = tokens.tokenizer_for("claude-sonnet-4-5").factor
    claude = sum(math.ceil(n * f) for n in o.items["tokens"])  # each item scaled and rounded up
    assert list(table["tokens"]) == [o.tokens, cl.tokens, claude]
    assert list(table["input_usd"]) == [o.tokens, cl.tokens, claude]
    assert list(table["output_usd"]) == [2 * o.tokens, 2 * cl.tokens, 2 * claude]
    assert list(table["exact"]) == [True, True, False]
    assert table["method"].iloc[2].startswith("estimate:")
    usage = fake_engine[0]
    assert set(usage.columns) == {"model", "input_tokens", "output_tokens"}
    # Each distinct item size is one usage row, never the corpus total as a single request.
    assert usage["input_tokens"].max() == max(o.items["tokens"].max(), cl.items["tokens"].max(), math.ceil(30 * f))


def test_corpus_cost_flags_a_count_made_with_another_encoding(folder: Path, fake_engine) -> None:
    o = tokens.count_corpus(folder, model="gpt-4o", progress=False)
    row = tokens.corpus_cost(o, ["gpt-4"], as_of="2026-10-01").iloc[0]
    assert not row["exact"]
    assert row["method"] == "estimate: counted with o200k_base, gpt-4 uses cl100k_base"


def test_corpus_cost_with_the_real_engine(folder: Path) -> None:
    o = tokens.count_corpus(folder, model="gpt-4o", progress=False)
    row = tokens.corpus_cost(o, ["gpt-4o"], as_of="2025-06-01").iloc[0]
    # gpt-4o: $2.50 in / $10 out per million tokens on that date.
    assert row["input_usd"] == pytest.approx(o.tokens * 2.5e-6)
    assert row["output_usd"] == pytest.approx(o.tokens * 10e-6)


# --------------------------------------------------------------------------------------------------
# CLI


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="explorer")
    cli_tokens.register(parser.add_subparsers())
    args = parser.parse_args(["tokens", *argv])
    return args.func(args)


def test_cli_text_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("hello world", "--model", "gpt-4o", "--format", "json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "tokens": 2,
        "encoding": "o200k_base",
        "exact": True,
        "method": out["method"],
        "model": "gpt-4o",
    }


def test_cli_estimate_is_labelled(capsys: pytest.CaptureFixture[str]) -> None:
    run_cli("hello world", "--model", "claude-sonnet-4-5")
    assert "ESTIMATE" in capsys.readouterr().out


def test_cli_file_and_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "t.txt"
    f.write_text("hello world")
    run_cli("--file", str(f), "--encoding", "cl100k_base", "--format", "json")
    assert json.loads(capsys.readouterr().out)["tokens"] == 2


def test_cli_messages_with_tools(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    m, t = tmp_path / "m.json", tmp_path / "t.json"
    m.write_text(json.dumps({"messages": COOKBOOK_TOOL_MESSAGES}))
    t.write_text(json.dumps(COOKBOOK_TOOLS))
    run_cli("--model", "gpt-4o", "--messages", str(m), "--tools", str(t), "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert out["tokens"] == 101
    assert len(out["messages"]) == 2
    run_cli("--model", "gpt-4o", "--messages", str(m), "--tools", str(t))
    text = capsys.readouterr().out
    assert text.startswith("101 prompt tokens") and "tools 68" in text


def test_cli_image(capsys: pytest.CaptureFixture[str]) -> None:
    run_cli("--model", "gpt-4o", "--image", "1024x1024", "--detail", "high", "--format", "json")
    assert json.loads(capsys.readouterr().out)["tokens"] == 765
    run_cli("--model", "gpt-4o", "--image", "1024x1024")
    out = capsys.readouterr().out
    assert out.startswith("765 tokens") and "auto counted as high" in out


def test_cli_corpus_counts_and_prices_each_model(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Priced today: gpt-4 (cl100k) was shut down on 2026-10-23, so both models here share o200k_base.
    run_cli(
        "--corpus", str(folder), "--model", "gpt-4o", "--model", "gpt-4.1", "--quiet", "--format", "json"
    )
    out = json.loads(capsys.readouterr().out)
    assert out["tokens"] == tokens.count_corpus(folder, model="gpt-4o", progress=False).tokens
    assert [c["encoding"] for c in out["counts"]] == ["o200k_base"]
    assert [c["model"] for c in out["costs"]] == ["gpt-4o", "gpt-4.1"]
    assert all(c["input_usd"] > 0 and c["output_usd"] > c["input_usd"] for c in out["costs"])
    assert {s["item"] for s in out["skipped"]} == {"image.png", "latin1.txt"}


def test_corpus_cost_names_a_model_with_no_price_today(folder: Path) -> None:
    count = tokens.count_corpus(folder, model="gpt-4o", progress=False)
    with pytest.raises(ValueError, match=r"^model 'davinci': davinci was shut down on 2024-01-04"):
        tokens.corpus_cost(count, ["gpt-4o", "davinci"])
    assert len(tokens.corpus_cost(count, ["davinci"], as_of="2023-06-01")) == 1  # in force on that day


@pytest.mark.parametrize(("model", "match"), [
    ("gpt-4", r"^--model 'gpt-4': gpt-4 was shut down on 2026-10-23; its last price was \$30 / \$60"),
    ("openai:davinci", r"^--model 'openai:davinci': davinci was shut down on 2024-01-04"),
    ("gpt-4oo", r"^unknown model 'gpt-4oo'; closest known: gpt-4o"),
])
def test_cli_corpus_refuses_a_model_before_counting(folder: Path, monkeypatch: pytest.MonkeyPatch, model: str,
                                                     match: str) -> None:
    """A shut-down or misspelt model fails at once, naming the --model given: the corpus is never counted."""
    monkeypatch.setattr(tokens, "count_corpus", lambda *a, **k: pytest.fail("the corpus was counted"))
    with pytest.raises(ValueError, match=match):
        run_cli("--corpus", str(folder), "--model", "gpt-4o", "--model", model, "--quiet")


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["hi", "--model", "gpt-4oo"], "unknown model 'gpt-4oo'"),
        (["hi", "--encoding", "p50k_base"], "unknown encoding 'p50k_base'"),
        (["--file", "/nonexistent/x.txt"], "file not found: /nonexistent/x.txt"),
        (["--model", "gpt-4o", "--image", "1024by768"], "WIDTHxHEIGHT"),
        (["--model", "gpt-4o", "--image", "0x768"], "WIDTHxHEIGHT"),
        (["--model", "o3-mini", "--image", "512x512"], "no image-input token rule known for model 'o3-mini'"),
        (["hi", "--model", "gpt-4o", "--encoding", "o200k_base"], "not both"),
        (["--messages", "/nonexistent/m.json", "--model", "gpt-4o"], "file not found"),
        (["hi", "--model", "claude-sonnet-4-5", "--strict"], "strict=True"),
        ([], "nothing to count"),
        (["--corpus", "/nonexistent"], "needs --model"),
    ],
)
def test_cli_bad_input_is_a_one_line_value_error(argv: list[str], match: str) -> None:
    with pytest.raises(ValueError, match=match) as err:
        run_cli(*argv)
    assert "\n" not in str(err.value)


def test_cli_sets_func_to_run() -> None:
    parser = argparse.ArgumentParser()
    cli_tokens.register(parser.add_subparsers())
    assert parser.parse_args(["tokens", "x"]).func is cli_tokens.run


def test_file_keys_from_bytes_equal_text_keys(tmp_path: Path) -> None:
    for text in ["short", "long text é " * 20]:
        p = tmp_path / "f.txt"
        p.write_text(text, encoding="utf-8")
        assert tokens._file_item(p, "f.txt").key == tokens._key(text)
        assert tokens._file_item(p, "f.txt", size_key=len(text.encode())).key == (
            text if len(text) <= 64 else len(text.encode())
        )


def test_a_failing_count_stops_the_reader_thread(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    def broken(*args, **kwargs):
        def count(texts):
            raise RuntimeError("counter exploded")

        return count

    monkeypatch.setattr(tokens, "_raw_counter", broken)
    monkeypatch.setattr(tokens, "_BATCH_ITEMS", 1)
    with pytest.raises(RuntimeError, match="counter exploded"):
        tokens.count_corpus(folder, model="gpt-4o", progress=False)
    assert not any(t.name == "corpus-reader" for t in threading.enumerate())


def test_stdin_text(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("hello world"))
    run_cli("-", "--encoding", "o200k_base", "--format", "json")
    assert json.loads(capsys.readouterr().out)["tokens"] == 2


def test_empty_folder_counts_zero(tmp_path: Path) -> None:
    c = tokens.count_corpus(tmp_path, model="gpt-4o", progress=False)
    assert (c.tokens, c.n_items, c.n_distinct, c.skipped) == (0, 0, 0, ())
    assert list(c.items.columns) == ["item", "chars", "tokens", "duplicate"]
    assert c.items["tokens"].dtype == "int64"


def test_balanced_chunks_keep_order_and_split_by_length() -> None:
    texts = ["a" * 1000, "b" * 500, "c" * 500]
    assert tokens._balanced_chunks(texts, 2) == [["a" * 1000], ["b" * 500, "c" * 500]]
    many = [str(i) for i in range(100)]
    assert [t for c in tokens._balanced_chunks(many, 8) for t in c] == many


def test_text_cost_counts_with_each_models_tokenizer(fake_engine: list[pd.DataFrame]) -> None:
    text = "日本語と English の混在テキスト"
    table = tokens.text_cost(text, ["gpt-4o", "gpt-4", "claude-sonnet-4-5"])
    claude = math.ceil(o200k(text) * tokens.tokenizer_for("claude-sonnet-4-5").factor)
    assert list(table["tokens"]) == [o200k(text), cl100k(text), claude]
    assert list(table["input_usd"]) == list(table["tokens"])  # fake engine: $1 per input token
    assert list(table["output_usd"]) == [2 * n for n in table["tokens"]]
    assert list(table["exact"]) == [True, True, False]


def test_text_cost_with_the_real_engine() -> None:
    row = tokens.text_cost("hello world", ["gpt-4o"], as_of="2025-06-01").iloc[0]
    assert row["input_usd"] == pytest.approx(2 * 2.5e-6)
    assert row["output_usd"] == pytest.approx(2 * 10e-6)


def test_other_openai_models_use_tiktokens_table_or_are_estimates() -> None:
    t = tokens.tokenizer_for("davinci-002")
    assert (t.encoding, t.exact, t.method) == ("cl100k_base", True, "cl100k_base (tiktoken's model table)")
    e = tokens.tokenizer_for("tts-1")
    assert not e.exact and e.method.startswith("estimate:") and "tts-1" in e.method


def test_folder_listing_keeps_rglob_order_and_link_rules(tmp_path: Path) -> None:
    root = tmp_path / "c"
    for rel in ["a-b.txt", "a/b.txt", "a/B.txt", "a.b/c.txt", "Z.txt", ".hidden", "a/x/y/z.txt"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"text of {rel}\n")
    (tmp_path / "outside.txt").write_text("linked file\n")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")  # a link to a file is counted
    (root / "loop").symlink_to(root)  # a link to a folder is not followed (no endless walk)
    os.mkfifo(root / "pipe")  # not a regular file: neither counted nor waited on
    c = tokens.count_corpus(root, model="gpt-4o", progress=False)
    expected = [p.relative_to(root).as_posix() for p in sorted(root.rglob("*")) if p.is_file()]
    assert list(c.items["item"]) == expected
    assert "link.txt" in expected and not any(i.startswith("loop/") for i in expected)
    assert c.skipped == ()


def test_an_unreadable_subfolder_is_named_in_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ok.txt").write_text("fine\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "secret.txt").write_text("hidden\n")
    real = os.scandir

    def scandir(path: str) -> object:  # what a folder without read permission gives (tests run as root)
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(tokens.os, "scandir", scandir)
    c = tokens.count_corpus(tmp_path, model="gpt-4o", progress=False)
    assert list(c.items["item"]) == ["ok.txt"]
    assert c.skipped == (("locked/", "folder unreadable (Permission denied)"),)


def test_files_of_a_unique_size_are_deduplicated_without_hashing_and_still_exact(tmp_path: Path) -> None:
    long = "word " * 40  # over 64 characters: keyed by digest or by unique size
    (tmp_path / "a.txt").write_text(long)
    (tmp_path / "b.txt").write_text(long)  # same size, same text: a duplicate
    (tmp_path / "c.txt").write_text(long.replace("w", "v"))  # same size, other text: not a duplicate
    (tmp_path / "d.txt").write_text(long + "unique size")
    c = tokens.count_corpus(tmp_path, model="gpt-4o", progress=False)
    assert list(c.items["duplicate"]) == [False, True, False, False]
    assert c.n_distinct == 3
    assert list(c.items["tokens"]) == [o200k((tmp_path / i).read_text()) for i in c.items["item"]]
