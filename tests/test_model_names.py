"""The resolver's answers kept on disk (explorer/model_names.py): a token count for any known model name starts
without pandas or genai-prices, and answers exactly as the full resolver does."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import model_names, prices, table_cache, tokens

REPO = Path(__file__).resolve().parents[1]
NAMES = ["claude-sonnet-4-5", "gpt-4o-2024-08-06", "qwen3-32b", "deepseek-v4-flash", "anthropic/claude-sonnet-4-5",
         "  GPT-4.1-Mini  ", "gemini-2.5-pro"]


def _in_fresh_process(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO,
                          env=os.environ.copy())
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def _tokenizers_code(names: list[str]) -> str:
    return ("import dataclasses, json, sys; from explorer import tokens; "
            f"out = {{n: dataclasses.asdict(tokens.tokenizer_for(n)) for n in {names!r}}}; "
            "print(json.dumps([out, sorted(m for m in ('pandas', 'genai_prices', 'explorer.prices') "
            "if m in sys.modules)]))")


def test_a_second_process_counts_for_any_known_name_without_the_price_table() -> None:
    first, heavy_first = json.loads(_in_fresh_process(_tokenizers_code(NAMES)))
    assert "explorer.prices" in heavy_first  # nothing on disk yet: the full resolver answered, and wrote the file
    assert model_names.cache_path().is_file()
    second, heavy_second = json.loads(_in_fresh_process(_tokenizers_code(NAMES)))
    assert heavy_second == []
    assert second == first == {n: dataclasses.asdict(tokens.tokenizer_for(n)) for n in NAMES}


def test_every_stored_name_gives_the_tokenizer_the_full_resolver_gives() -> None:
    tokens.tokenizer_for("claude-sonnet-4-5")  # writes the file from the full resolver
    stored = json.loads(model_names.cache_path().read_text())
    assert stored["key"] == table_cache.source_key()
    assert {k: tuple(v) for k, v in stored["names"].items()} == prices.resolved_names()
    names = sorted(stored["names"])
    assert len(names) > 500
    from_file, heavy = json.loads(_in_fresh_process(_tokenizers_code(names)))
    assert heavy == []
    for n in names:
        assert from_file[n] == dataclasses.asdict(tokens.tokenizer_for(n)), n


def test_an_unknown_name_is_answered_by_the_resolver_and_never_stored() -> None:
    tokens.tokenizer_for("claude-sonnet-4-5")
    with pytest.raises(prices.UnknownModelError, match="claude-sonet-4-5"):
        tokens.tokenizer_for("claude-sonet-4-5")
    assert model_names.lookup("claude-sonet-4-5") is None
    code = ("from explorer import tokens\ntry:\n    tokens.tokenizer_for('claude-sonet-4-5')\n"
            "except ValueError as e:\n    print(str(e).replace(chr(10), ' '))")
    assert "claude-sonnet-4-5" in _in_fresh_process(code)  # the closest names, from the resolver


def test_a_name_matched_by_the_resolver_alone_is_added(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens.tokenizer_for("claude-sonnet-4-5")
    assert model_names.lookup("openai/gpt-4o") is None  # provider-prefixed names are not in the price table's list
    pair = prices.resolve_model("openai/gpt-4o")
    model_names.remember("openai/gpt-4o", pair, prices.resolved_names)
    assert model_names.lookup("OpenAI/GPT-4o ") == pair == ("openai", "gpt-4o")


def test_a_stale_file_is_ignored_and_rewritten(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens.tokenizer_for("claude-sonnet-4-5")
    assert model_names.lookup("claude-sonnet-4-5") is not None
    monkeypatch.setattr(table_cache, "source_key", lambda: "0" * 64)  # the data or the package changed
    assert model_names.lookup("claude-sonnet-4-5") is None
    model_names.remember("claude-sonnet-4-5", prices.resolve_model("claude-sonnet-4-5"), prices.resolved_names)
    assert json.loads(model_names.cache_path().read_text())["key"] == "0" * 64
    assert model_names.lookup("claude-sonnet-4-5") == prices.resolve_model("claude-sonnet-4-5")


@pytest.mark.parametrize("damage", ["garbage", "wrong-types", "fifo", "huge", "directory"])
def test_a_damaged_file_is_ignored_without_hanging_and_rewritten(damage: str) -> None:
    path = model_names.cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if damage == "garbage":
        path.write_bytes(b"\x00{not json")
    elif damage == "wrong-types":
        path.write_text(json.dumps({"format": model_names.FORMAT, "key": table_cache.source_key(),
                                    "names": {"claude-sonnet-4-5": ["openai"]}, "extra": {}}))
    elif damage == "fifo":
        os.mkfifo(path)  # opening it for reading would block forever without a writer
    elif damage == "huge":
        with path.open("wb") as f:
            f.truncate(64 * 1024 * 1024)  # sparse: 64 MB of zeros, over the file's size limit
    else:
        path.mkdir()
    assert model_names.lookup("claude-sonnet-4-5") is None
    if damage == "directory":
        return  # nothing can be written over a folder; the resolver answers every time
    model_names.remember("claude-sonnet-4-5", prices.resolve_model("claude-sonnet-4-5"), prices.resolved_names)
    assert path.is_file() and model_names.lookup("claude-sonnet-4-5") == prices.resolve_model("claude-sonnet-4-5")


def test_extra_names_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_names, "MAX_EXTRA", 2)
    tokens.tokenizer_for("claude-sonnet-4-5")
    for n in ("openai/gpt-4o", "openai/gpt-4.1", "openai/o3"):
        model_names.remember(n, prices.resolve_model(n), prices.resolved_names)
    extra = json.loads(model_names.cache_path().read_text())["extra"]
    assert sorted(extra) == ["openai/gpt-4.1", "openai/gpt-4o"]


def test_explorer_tokens_for_a_dated_or_other_providers_model_starts_without_pandas() -> None:
    code = ("import json, sys; from explorer.cli import main; rc = main(['tokens', '--model', '{m}', 'hello world']); "
            "print(json.dumps(sorted(m for m in ('pandas', 'genai_prices', 'explorer.prices') if m in sys.modules)))")
    _in_fresh_process(code.format(m="claude-sonnet-4-5"))  # the first run resolves with the price table, once
    for model in ("gpt-4o-2024-08-06", "claude-sonnet-4-5", "qwen3-32b"):
        assert _in_fresh_process(code.format(m=model)) == "[]", model
