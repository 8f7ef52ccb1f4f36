"""Image-input tokens follow OpenAI's vision guide, with every assumption flagged."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import images


# Worked examples printed in the guide ("Calculating costs").
@pytest.mark.parametrize(
    ("w", "h", "detail", "tokens", "tiles", "resized"),
    [
        (1024, 1024, "high", 765, 4, (768, 768)),
        (2048, 4096, "high", 1105, 6, (768, 1536)),
        (4096, 8192, "low", 85, 0, (4096, 8192)),
    ],
)
def test_tile_examples_from_the_guide(w, h, detail, tokens, tiles, resized) -> None:
    r = images.image_tokens(w, h, model="gpt-4o", detail=detail)
    assert (r.tokens, r.units, (r.resized_width_px, r.resized_height_px)) == (tokens, tiles, resized)
    assert r.rule == "tile" and r.documented and r.note == ""


@pytest.mark.parametrize(
    ("w", "h", "patches", "resized"), [(1024, 1024, 1024, (1024, 1024)), (1800, 2400, 1452, (1056, 1408))]
)
def test_patch_examples_from_the_guide(w, h, patches, resized) -> None:
    assert images.patch_count(w, h, 1536, 2048) == (patches, *resized)


@pytest.mark.parametrize(
    ("model", "multiplier"),
    [
        ("gpt-4.1-mini", 1.62),
        ("gpt-4.1-nano", 2.46),
        ("o4-mini", 1.72),
        ("gpt-5-mini", 1.62),
        ("gpt-5-nano", 2.46),
    ],
)
def test_patch_multipliers(model: str, multiplier: float) -> None:
    r = images.image_tokens(1800, 2400, model=model, detail="high")
    assert r.rule == "patch" and r.units == 1452 and r.documented
    assert r.tokens == math.ceil(round(1452 * multiplier, 6))


@pytest.mark.parametrize(
    ("model", "base", "tile"),
    [
        ("gpt-4o", 85, 170),
        ("gpt-4o-2024-08-06", 85, 170),
        ("gpt-4.1", 85, 170),
        ("gpt-4.5-preview", 85, 170),
        ("gpt-4o-mini", 2833, 5667),
        ("gpt-5", 70, 140),
        ("gpt-5-chat-latest", 70, 140),
        ("o1", 75, 150),
        ("o1-pro", 75, 150),
        ("o3", 75, 150),
    ],
)
def test_tile_table(model: str, base: int, tile: int) -> None:
    assert images.image_tokens(4000, 3000, model=model, detail="low").tokens == base
    # 4000x3000 -> 2048x1536 -> 1024x768: 2x2 tiles
    assert images.image_tokens(4000, 3000, model=model, detail="high").tokens == base + 4 * tile


def test_small_images_are_not_upscaled() -> None:
    r = images.image_tokens(500, 300, model="gpt-4o", detail="high")
    assert (r.units, r.resized_width_px, r.resized_height_px, r.tokens) == (1, 500, 300, 255)
    assert images.image_tokens(513, 500, model="gpt-4o", detail="high").tokens == 85 + 2 * 170


def test_auto_counts_as_high_and_says_so() -> None:
    auto = images.image_tokens(1024, 1024, model="gpt-4o", detail="auto")
    high = images.image_tokens(1024, 1024, model="gpt-4o", detail="high")
    assert auto.tokens == high.tokens == 765
    assert (auto.detail, auto.detail_counted) == ("auto", "high")
    assert not auto.documented and "auto counted as high" in auto.note
    assert images.image_tokens(1024, 1024, model="gpt-4o").detail == "auto"  # the API's default


def test_gpt_image_1_rounds_down_and_adds_fidelity_tokens() -> None:
    # The API bills 1024x1025 as one 512px tile (OpenAI community forum measurement: 194 tokens).
    assert images.image_tokens(1024, 1025, model="gpt-image-1", detail="high").tokens == 65 + 129
    square = images.image_tokens(1024, 1024, model="gpt-image-1", detail="high", input_fidelity="high")
    wide = images.image_tokens(1536, 1024, model="gpt-image-1", detail="high", input_fidelity="high")
    assert square.tokens == 65 + 129 + 4160
    assert wide.tokens == 65 + 129 * 2 + 6240


def test_patch_low_detail_is_flagged_as_our_choice() -> None:
    r = images.image_tokens(2048, 2048, model="gpt-4.1-mini", detail="low")
    assert r.units == 256 and r.tokens == math.ceil(256 * 1.62)
    assert not r.documented and "512x512" in r.note


def test_original_detail_only_on_newer_models() -> None:
    r = images.image_tokens(4000, 3000, model="gpt-5.4", detail="original")
    assert r.units <= 10000 and r.rule == "patch"
    assert images.image_tokens(4000, 3000, model="gpt-5.4", detail="high").units <= 2500
    with pytest.raises(ValueError, match="detail='original' is not supported by gpt-4o"):
        images.image_tokens(1024, 1024, model="gpt-4o", detail="original")


def test_assumed_rules_are_not_documented() -> None:
    r = images.image_tokens(1024, 1024, model="gpt-5.1", detail="high")
    assert r.tokens == 70 + 4 * 140
    assert not r.documented and "gpt-5" in r.note
    assert not images.image_tokens(1024, 1024, model="gpt-5.2", detail="high").documented


@pytest.mark.parametrize("model", ["o3-mini", "gpt-3.5-turbo", "text-embedding-3-small"])
def test_models_without_vision_are_refused(model: str) -> None:
    with pytest.raises(ValueError, match=f"no image-input token rule known for model '{model}'"):
        images.image_tokens(512, 512, model=model)


def test_other_providers_are_refused() -> None:
    with pytest.raises(ValueError, match=r"claude-sonnet-4-5.*only OpenAI"):
        images.image_tokens(512, 512, model="claude-sonnet-4-5")


@pytest.mark.parametrize(("w", "h"), [(0, 10), (10, -1), (1.5, 10), (True, 10)])
def test_bad_sizes(w, h) -> None:
    with pytest.raises(ValueError, match="must be a positive integer"):
        images.image_tokens(w, h, model="gpt-4o")


def test_bad_detail() -> None:
    with pytest.raises(ValueError, match="detail must be one of low, high, auto, original"):
        images.image_tokens(10, 10, model="gpt-4o", detail="medium")  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "size"), [("1024x768", (1024, 768)), (" 640 X 480 ", (640, 480))])
def test_parse_size(text: str, size: tuple[int, int]) -> None:
    assert images.parse_size(text) == size


@pytest.mark.parametrize("text", ["1024", "1024x", "0x5", "ax b", "-3x4"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        images.parse_size(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20000), st.integers(1, 20000), st.sampled_from([1536, 2500]))
def test_patch_budget_is_never_exceeded(w: int, h: int, budget: int) -> None:
    patches, rw, rh = images.patch_count(w, h, budget, 2048)
    assert 1 <= patches <= budget
    assert rw <= max(w, 1) and rh <= max(h, 1)
    assert max(rw, rh) <= 2048


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20000), st.integers(1, 20000))
def test_high_never_costs_less_than_low(w: int, h: int) -> None:
    high = images.image_tokens(w, h, model="gpt-4o", detail="high")
    assert high.tokens >= 85 + 170
    assert high.resized_width_px <= 2048 and high.resized_height_px <= 2048
    assert min(high.resized_width_px, high.resized_height_px) <= 768
