"""Comparable candidates: what kind of model each row is, who makes and who serves it, duplicates collapsed,
fine-tunes and unknown context windows kept apart, size classes; and `explorer compare` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest

from explorer import candidates as c
from explorer import prices as _prices
from explorer.compare import rank_models

DAY = "2026-11-27"


@pytest.fixture(scope="module")
def annotated(history: pd.DataFrame) -> pd.DataFrame:
    t = history[(history["service_tier"] == "standard") & (history["tier_above_input_tokens"] == 0)]
    t = t[_prices.in_force(t, pd.Timestamp(DAY))].drop_duplicates(["provider", "model"])
    return c.annotate(t).set_index(["provider", "model"])


# ------------------------------------------------------------------------------------------------ kinds


@pytest.mark.parametrize(
    ("provider", "model", "kind"),
    [
        ("openai", "gpt-4o-transcribe", "transcription"),
        ("openai", "gpt-4o-mini-transcribe", "transcription"),
        ("openai", "gpt-4o-mini-tts", "tts"),
        ("openai", "gpt-image-1-mini", "image"),
        ("openai", "gpt-realtime", "audio"),
        ("openai", "gpt-audio", "audio"),
        ("openai", "text-embedding-3-small", "embedding"),
        ("google", "gemini-2.5-flash-image", "image"),
        ("google", "gemini-2.5-flash-tts", "tts"),
        ("google", "gemini-live-2.5-flash", "audio"),
        ("google", "gemini-embedding-001", "embedding"),
        ("openai", "gpt-4o", "chat"),
        ("openai", "gpt-5-mini", "chat"),
        ("google", "gemini-2.5-flash", "chat"),  # reads audio (an input audio price) but writes text: chat
        ("anthropic", "claude-sonnet-4-5", "chat"),
        ("openrouter", "qwen/qwen3-vl-8b-instruct", "chat"),  # vision-language: chat
    ],
)
def test_kind_of_real_rows(annotated: pd.DataFrame, provider: str, model: str, kind: str) -> None:
    assert annotated.loc[(provider, model), "kind"] == kind


def test_prices_decide_when_the_name_does_not() -> None:
    assert c.kind_of("acme-1", has_output_price=True, has_audio_output_price=True) == "audio"
    assert c.kind_of("acme-1", has_output_price=True, has_image_output_price=True) == "image"
    assert c.kind_of("acme-1", has_output_price=False) == "other"
    assert c.kind_of("acme-1") == "chat"


def test_every_kind_is_documented_and_rules_name_known_kinds() -> None:
    assert {k for k, _ in c.KIND_RULES} <= set(c.KINDS)
    assert c.DEFAULT_KIND == "chat"
    assert all(c.KINDS.values())


def test_chat_candidates_leave_out_speech_transcription_and_image_models(history: pd.DataFrame) -> None:
    chat = c.candidates(history, DAY)
    names = set(chat["model"])
    assert {"gpt-4o", "gpt-5-mini", "claude-sonnet-4-5", "gemini-2.5-flash"} <= names
    assert not names & {"gpt-4o-transcribe", "gpt-4o-mini-tts", "gpt-image-1-mini", "text-embedding-3-small",
                        "gpt-realtime", "tts-1"}
    assert set(chat["kind"]) == {"chat"}
    speech = c.candidates(history, DAY, kind="tts")
    assert "gpt-4o-mini-tts" in set(speech["model"])


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="kind: unknown 'speech'; expected one of chat"):
        c.select(pd.DataFrame({"kind": [], "fine_tuned": [], "first_party": []}), kind="speech")


# ------------------------------------------------------------------------------------------------ fine-tunes


@pytest.mark.parametrize("model", ["ft:gpt-4o-mini", "gpt-4o-mini-2024-07-18.ft-", "ft:gpt-3.5-turbo-"])
def test_fine_tuned_names(model: str) -> None:
    assert c.is_fine_tuned(model)


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4o-mini-2024-07-18", "claude-3-haiku", "soft-7b"])
def test_not_fine_tuned(model: str) -> None:
    assert not c.is_fine_tuned(model)


def test_fine_tunes_only_when_asked(history: pd.DataFrame) -> None:
    default = c.candidates(history, DAY, provider="openai")
    assert not default["fine_tuned"].any()
    asked = c.candidates(history, DAY, provider="openai", include_fine_tuned=True)
    ft = asked[asked["fine_tuned"]]
    assert "ft:gpt-4o-mini" in set(ft["model"])


# ------------------------------------------------------------------------------------------------ duplicates


def test_duplicate_names_collapse_to_one_row_with_the_others_listed(history: pd.DataFrame) -> None:
    routed = c.candidates(history, DAY, provider="openrouter").set_index("model")
    assert "lfm-7b" not in routed.index
    assert routed.loc["liquid/lfm-7b", "alternatives"] == ("lfm-7b",)
    openai = c.candidates(history, DAY, provider="openai", include_fine_tuned=True).set_index("model")
    assert "gpt-4o-mini-2024-07-18.ft-" not in openai.index
    assert openai.loc["ft:gpt-4o-mini", "alternatives"] == ("gpt-4o-mini-2024-07-18.ft-",)


def test_names_with_different_prices_are_not_collapsed() -> None:
    frame = pd.DataFrame({
        "provider": ["p", "p", "p", "q"],
        "model": ["acme/m-1", "m-1", "m-1-2025-01-01", "m-1"],
        "input_usd_per_mtok": [1.0, 1.0, 2.0, 1.0],
    })
    out = c.collapse_duplicates(frame, ["input_usd_per_mtok"])
    assert list(out["model"]) == ["acme/m-1", "m-1-2025-01-01", "m-1"]  # order kept, one row per offering
    assert list(out["alternatives"]) == [("m-1",), (), ()]


def test_same_offering_compares_every_price_column() -> None:
    assert set(_prices.PRICE_VALUE_COLUMNS) <= set(c.SAME_OFFERING_COLUMNS)
    assert "context_window_tokens" in c.SAME_OFFERING_COLUMNS


# ------------------------------------------------------------------------------------------------ makers, hosts


@pytest.mark.parametrize(
    ("provider", "model", "maker", "first_party", "host_kind", "served_by"),
    [
        ("google", "claude-sonnet-4-5", "anthropic", False, "cloud platform", "Google Vertex AI"),
        ("google", "gemini-2.5-flash", "google", True, "first-party", ""),
        ("anthropic", "claude-sonnet-4-5", "anthropic", True, "first-party", ""),
        ("aws", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic", False, "cloud platform",
         "AWS Bedrock"),
        ("aws", "amazon.nova-micro-v1:0", "amazon", True, "first-party", ""),
        ("azure", "o4-mini", "openai", False, "cloud platform", "Microsoft Azure"),
        ("openrouter", "liquid/lfm-7b", "liquid", False, "router", "OpenRouter"),
        ("huggingface_novita", "meta-llama/Llama-3.1-8B-Instruct", "meta", False, "router", "HuggingFace (novita)"),
        ("groq", "llama-3.3-70b-versatile", "meta", False, "inference host", "Groq"),
        ("perplexity", "perplexity/glm-5.3", "zai", False, "inference host", "Perplexity"),
        ("perplexity", "sonar", "perplexity", True, "first-party", ""),
        ("zhipuai", "GLM-4-Air", "zai", True, "first-party", ""),
        ("cursor", "composer-2.5", None, False, "router", "Cursor"),
    ],
)
def test_offering(provider: str, model: str, maker: str | None, first_party: bool, host_kind: str,
                  served_by: str) -> None:
    got = c.offering(provider, model)
    assert (got.maker, got.first_party, got.host_kind, got.served_by) == (maker, first_party, host_kind, served_by)


def test_every_host_is_a_provider_of_the_table(history: pd.DataFrame) -> None:
    assert set(c.HOSTS) <= set(history["provider"])


# ------------------------------------------------------------------------------------------------ ranking


def test_default_ranking_is_first_party_chat_models(history: pd.DataFrame) -> None:
    ranked = rank_models(1000, 200, as_of=DAY, prices=history)
    assert ranked["first_party"].all()
    assert set(ranked["kind"]) == {"chat"}
    assert not ranked["fine_tuned"].any()
    assert not ranked["provider"].str.startswith("huggingface").any()
    assert "openrouter" not in set(ranked["provider"])
    left = ranked.attrs["left_out"]
    assert left["third_party"] > 1000 and left["other_kinds"] > 50 and left["fine_tuned"] >= 2
    # A platform asked for by name lists everything it serves, saying whose model it is.
    google = rank_models(1000, 200, as_of=DAY, prices=history, provider="google")
    claude = google[google["model"] == "claude-sonnet-4-5"].iloc[0]
    assert (claude["maker"], claude["served_by"]) == ("anthropic", "Google Vertex AI")


def test_unknown_context_never_counts_as_fitting(history: pd.DataFrame) -> None:
    ranked = rank_models(200_000, 2_000, as_of=DAY, prices=history, provider="google")
    unknown = ranked["context_unknown"].to_numpy(dtype=bool)
    assert unknown.any() and (~unknown).any()
    assert ranked.loc[unknown, "context_window_tokens"].isna().all()
    assert ranked.loc[unknown, "fits_context"].isna().all()
    assert (ranked.loc[~unknown, "context_window_tokens"] >= 202_000).all()
    # Known-to-fit models come first, each part cheapest first.
    assert list(unknown) == sorted(unknown)
    for part in (ranked[~unknown], ranked[unknown]):
        assert part["total_usd"].is_monotonic_increasing
    assert "gemini-2.5-pro" in set(ranked.loc[unknown, "model"])


def test_named_models_are_ranked_whatever_their_kind(history: pd.DataFrame) -> None:
    ranked = rank_models(1000, 0, as_of=DAY, prices=history, models=["gpt-4o-transcribe", "ft:gpt-4o-mini"])
    assert set(ranked["model"]) == {"gpt-4o-transcribe", "ft:gpt-4o-mini"}


# ------------------------------------------------------------------------------------------------ size classes


@pytest.mark.parametrize(
    ("model", "cls"),
    [("gpt-5-nano", "nano"), ("gemini-2.5-flash-lite", "nano"), ("amazon.nova-micro-v1:0", "nano"),
     ("gpt-4o-mini", "mini"), ("o4-mini", "mini"), ("claude-haiku-4-5", "mini"), ("gemini-2.5-flash", "mini"),
     ("gpt-4.1", "full"), ("claude-sonnet-4-5", "full"), ("gpt-5.4-pro", "pro"), ("claude-opus-4-6", "pro")],
)
def test_size_class(model: str, cls: str) -> None:
    assert c.size_class(model) == cls


def test_size_change_marks_moves_to_a_smaller_class() -> None:
    assert c.size_change("gpt-4.1", "gpt-5-nano") == "smaller class: gpt-5-nano is a nano model, gpt-4.1 a full one"
    assert c.size_change("gpt-4o-mini", "gpt-5-mini") == ""
    assert c.size_change("gpt-5-nano", "gpt-4.1") == ""
    # Names that say nothing: a much lower list price does.
    assert "likely a smaller model" in c.size_change("gpt-6-astra", "gpt-6-luna", price_ratio=0.1)
    assert c.size_change("gpt-6-astra", "gpt-6-luna", price_ratio=0.5) == ""
    assert c.size_change("gpt-6-astra", "gpt-6-luna", price_ratio=float("nan")) == ""


# ------------------------------------------------------------------------------------------------ the CLI


def explorer(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "explorer", *argv], capture_output=True, text=True, timeout=180)


def compare_json(*argv: str) -> dict[str, Any]:
    done = explorer("compare", "--as-of", DAY, "--format", "json", *argv)
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


BAD_FOR_CHAT = {"gpt-4o-transcribe", "gpt-4o-mini-tts", "gpt-image-1-mini", "lfm-7b", "liquid/lfm-7b"}


def test_cli_compare_default_is_led_by_first_party_chat_models_with_a_limit() -> None:
    data = compare_json("--input-tokens", "1000", "--output-tokens", "200")
    rows = data["rows"]
    assert len(rows) == 20 and data["more"] == data["ranked"] - 20 > 0
    assert all(r["kind"] == "chat" and r["first_party"] and not r["fine_tuned"] for r in rows)
    assert not {r["model"] for r in rows} & BAD_FOR_CHAT
    assert data["kind"] == "chat" and data["left_out"]["third_party"] > 0
    text = explorer("compare", "--as-of", DAY, "--input-tokens", "1000", "--output-tokens", "200")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert sum(1 for line in lines if "unverified [" in line) <= 20 + 5
    assert f"{data['more']} more; --limit 0 for all" in lines
    assert any("--include-third-party" in line for line in lines)


def test_cli_compare_all_hosts_collapses_duplicates() -> None:
    data = compare_json("--input-tokens", "1000", "--output-tokens", "200", "--include-third-party", "--limit", "0",
                        "--include-fine-tuned")
    models = [r["model"] for r in data["rows"] + data["context_unknown"]]
    assert "lfm-7b" not in models and models.count("liquid/lfm-7b") == 1
    by_name = {r["model"]: r for r in data["rows"] + data["context_unknown"]}
    assert by_name["liquid/lfm-7b"]["alternatives"] == ["lfm-7b"]
    assert by_name["liquid/lfm-7b"]["host_kind"] == "router"
    assert by_name["ft:gpt-4o-mini"]["alternatives"] == ["gpt-4o-mini-2024-07-18.ft-"]
    assert "gpt-4o-mini-2024-07-18.ft-" not in models
    assert not set(models) & {"gpt-4o-transcribe", "gpt-4o-mini-tts", "gpt-image-1-mini"}


def test_cli_compare_long_request_never_passes_an_unknown_context_window() -> None:
    data = compare_json("--input-tokens", "200000", "--output-tokens", "2000", "--limit", "0")
    assert all(r["context_window_tokens"] is not None and r["context_window_tokens"] >= 202_000 for r in data["rows"])
    assert data["context_unknown"] and all(r["context_window_tokens"] is None for r in data["context_unknown"])
    assert data["context_unknown_count"] == len(data["context_unknown"])
    text = explorer("compare", "--as-of", DAY, "--input-tokens", "200000", "--output-tokens", "2000")
    assert "context window unknown (" in text.stdout
    assert "they may not take 202,000 tokens per request" in text.stdout


def test_cli_compare_provider_names_the_platform() -> None:
    done = explorer("compare", "--as-of", DAY, "--input-tokens", "1000", "--output-tokens", "200",
                    "--provider", "google", "--limit", "0")
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if " claude-sonnet-4-5 " in x)
    assert "claude-sonnet-4-5 on Google Vertex AI" in line
    assert not any(" gemini-2.5-flash on " in x for x in done.stdout.splitlines())


def test_cli_compare_other_kinds() -> None:
    data = compare_json("--input-tokens", "1000", "--output-tokens", "0", "--kind", "transcription", "--limit", "0")
    models = {r["model"] for r in data["rows"] + data["context_unknown"]}
    assert "gpt-4o-transcribe" in models
    assert {r["kind"] for r in data["rows"]} == {"transcription"}
    bad = explorer("compare", "--input-tokens", "1", "--output-tokens", "1", "--kind", "speech")
    assert bad.returncode == 2 and "--kind" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_compare_csv_keeps_the_flags() -> None:
    done = explorer("compare", "--as-of", DAY, "--input-tokens", "200000", "--output-tokens", "2000",
                    "--provider", "google", "--format", "csv", "--limit", "0")
    assert done.returncode == 0, done.stderr
    from io import StringIO

    frame = pd.read_csv(StringIO(done.stdout))
    assert {"context_unknown", "served_by", "maker", "alternatives", "kind"} <= set(frame.columns)
    unknown = frame["context_unknown"].to_numpy(dtype=bool)
    assert unknown.any() and np.isnan(frame.loc[unknown, "context_window_tokens"]).all()
    assert (frame.loc[frame["model"] == "claude-sonnet-4-5", "served_by"] == "Google Vertex AI").all()


def test_cli_compare_text_ranking_refuses_candidate_flags_it_does_not_apply() -> None:
    done = explorer("compare", "--chars", "1000", "--output-tokens", "10", "--kind", "tts")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "error: --kind, --include-fine-tuned and --include-third-party rank by --input-tokens/--output-tokens only "
        "(a text ranks chat models); drop them with --text-file/--chars"]


def test_cli_compare_text_ranks_unknown_context_windows_last_and_marked() -> None:
    done = explorer("compare", "--as-of", DAY, "--chars", "400000", "--output-tokens", "100", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    flags = [r["context_unknown"] for r in rows]
    assert any(flags) and not all(flags) and flags == sorted(flags)
    assert all(r["context_window_tokens"] is None for r in rows if r["context_unknown"])
    text = explorer("compare", "--as-of", DAY, "--chars", "400000", "--output-tokens", "100")
    assert f"{sum(flags)} model(s) with an unknown context window come last, marked 'context unknown'" in text.stdout
    marked = [line for line in text.stdout.splitlines() if line.endswith("context unknown")]
    assert len(marked) == sum(flags)


def test_small_request_ranks_unknown_context_windows_with_the_rest(history: pd.DataFrame) -> None:
    from explorer.compare import context_floor_tokens

    floor = context_floor_tokens(history, pd.Timestamp(DAY))
    assert 0 < floor <= 8_192
    small = rank_models(1000, 200, as_of=DAY, prices=history, provider="google")
    pro = small[small["model"] == "gemini-2.5-pro"].iloc[0]
    assert pd.isna(pro["context_window_tokens"]) and not pro["context_unknown"] and bool(pro["fits_context"])
    assert small["total_usd"].is_monotonic_increasing
    # One token past the floor, the same model is a doubt again, ranked apart.
    big = rank_models(floor + 1, 0, as_of=DAY, prices=history, provider="google")
    assert bool(big.loc[big["model"] == "gemini-2.5-pro", "context_unknown"].iloc[0])


def test_cli_compare_small_request_notes_unknown_windows_it_ranks() -> None:
    done = explorer("compare", "--as-of", DAY, "--input-tokens", "1000", "--output-tokens", "200",
                    "--provider", "google", "--limit", "0")
    assert done.returncode == 0, done.stderr
    assert "context window unknown (" not in done.stdout
    assert any(" gemini-2.5-pro " in line for line in done.stdout.splitlines())
    assert "ranked model(s) have no known context window; this request fits every known one" in done.stdout
