"""Input tokens an image costs, by the rules in OpenAI's vision guide.

Source: OpenAI API docs, "Images and vision", section "Calculating costs"
(https://platform.openai.com/docs/guides/images-vision#calculating-costs, as published in 2026;
the same text is mirrored at developers.openai.com/api/docs/guides/vision). Two schemes:

* **Tile-based** (GPT-4o, GPT-4.1, GPT-4o-mini, GPT-5, computer-use-preview, o-series except
  o4-mini): ``detail="low"`` costs the base tokens only. ``"high"``: scale to fit in a 2048 x 2048
  square, then scale down so the shortest side is 768 px, count the 512-px tiles that cover it,
  ``tokens = base + tiles * tile_tokens``. Base/tile: gpt-5 and gpt-5-chat-latest 70/140;
  4o, 4.1, 4.5 85/170; 4o-mini 2833/5667; o1, o1-pro, o3 75/150; computer-use-preview 65/129.
  GPT Image 1 uses 65/129 with a 512-px shortest side, plus 4160 (square) or 6240 (other) tokens at
  high input fidelity.
* **Patch-based** (gpt-5-mini, gpt-5-nano, gpt-4.1-mini, gpt-4.1-nano, o4-mini, gpt-5.2 and the
  newer codex models with a 1,536-patch budget; gpt-5.4 and later with 2,500, or 10,000 at
  ``detail="original"``): cover the image with 32-px patches; over the budget (or over the maximum
  dimension) shrink it preserving the aspect ratio so a whole number of patches fits; multiply the
  patch count by the model's multiplier (gpt-5-mini 1.62, gpt-5-nano 2.46, gpt-4.1-mini 1.62,
  gpt-4.1-nano 2.46, o4-mini 1.72).

Choices where the guide is silent, each flagged with ``documented=False`` and a ``note``:

* ``detail="auto"`` lets the API choose; we count it as ``"high"``, the worst case, so an
  estimate never undershoots the bill.
* ``"low"`` on a patch model: the guide says the model receives a 512 x 512 version, so we count
  the patches of the image scaled to fit 512 x 512.
* Models the guide does not list but whose family it does (gpt-5.1 follows gpt-5, o3-pro follows
  o3, gpt-5.2 and other 1,536-budget models without a listed multiplier use 1.0).
* Fractional pixel sizes after scaling are rounded down: the API bills a 1024 x 1025 image as a
  1024 x 1024 one (reported on the OpenAI community forum, "Vision Pricing calculator: inaccurate
  resizing/rounding vs API costs").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Literal

import pandas as pd

from explorer import prices
from explorer.limits import clip

Detail = Literal["low", "high", "auto", "original"]
DETAILS: tuple[str, ...] = ("low", "high", "auto", "original")
SOURCE_URL = "https://platform.openai.com/docs/guides/images-vision#calculating-costs"

TILE_PX = 512
PATCH_PX = 32


@dataclass(frozen=True)
class TileRule:
    """Tile-based counting for one model family."""

    base_tokens: int
    """Tokens every image costs; all that a ``detail="low"`` image costs."""
    tile_tokens: int
    """Tokens per 512-px tile at high detail."""
    shortest_side_px: int = 768
    """The image is scaled down so its shortest side is at most this."""
    max_side_px: int = 2048
    """First, the image is scaled to fit in a square of this side."""
    fidelity_extra_tokens: tuple[int, int] | None = None
    """(square, other) extra tokens at high input fidelity (GPT Image 1 only)."""
    documented: bool = True
    """False when the guide does not list the model and we assume its family's rule."""
    note: str = ""
    """Why the rule applies, when it is an assumption."""


@dataclass(frozen=True)
class PatchRule:
    """Patch-based counting for one model."""

    multiplier: Decimal
    """Billed tokens per 32-px patch."""
    patch_budget: int = 1536
    """Most patches an image may use at high detail."""
    max_side_px: int = 2048
    """Largest side at high detail."""
    original_budget: int | None = None
    """Patch budget at ``detail="original"`` (gpt-5.4 and later), None if unsupported."""
    original_max_side_px: int | None = None
    """Largest side at ``detail="original"``."""
    documented: bool = True
    """False when the model or its multiplier is not in the guide's table."""
    note: str = ""
    """Why the rule applies, when it is an assumption."""


_G4O = TileRule(85, 170)
_GPT5 = TileRule(70, 140)
_OSERIES = TileRule(75, 150)
_CUA = TileRule(65, 129)
_IMAGE1 = TileRule(65, 129, shortest_side_px=512, fidelity_extra_tokens=(4160, 6240))


def _assumed_tile(rule: TileRule, note: str) -> TileRule:
    return TileRule(
        rule.base_tokens,
        rule.tile_tokens,
        rule.shortest_side_px,
        rule.max_side_px,
        rule.fidelity_extra_tokens,
        documented=False,
        note=note,
    )


def _patch(mult: str, budget: int = 1536, *, documented: bool = True, note: str = "") -> PatchRule:
    return PatchRule(Decimal(mult), budget, documented=documented, note=note)


_NEW_PATCH = PatchRule(
    Decimal(1),
    2500,
    original_budget=10000,
    original_max_side_px=6000,
    documented=False,
    note="gpt-5.4 and later: budgets from the guide, multiplier not listed, 1.0 assumed",
)

# Canonical model id (as explorer.prices.resolve_model returns it) -> rule. Exact ids first;
# _FAMILY_PATTERNS catches snapshots and later versions of a family.
RULES: dict[str, TileRule | PatchRule] = {
    "gpt-4o": _G4O,
    "chatgpt-4o-latest": _G4O,
    "gpt-4.1": _G4O,
    "gpt-4.5-preview": _G4O,
    "gpt-4.5": _G4O,
    "gpt-4o-mini": TileRule(2833, 5667),
    "gpt-5": _GPT5,
    "gpt-5-chat-latest": _GPT5,
    "o1": _OSERIES,
    "o1-pro": _OSERIES,
    "o3": _OSERIES,
    "computer-use-preview": _CUA,
    "computer-use": _CUA,  # the price table's id for computer-use-preview
    "gpt-image-1": _IMAGE1,
    "gpt-5-mini": _patch("1.62"),
    "gpt-5-nano": _patch("2.46"),
    "gpt-4.1-mini": _patch("1.62"),
    "gpt-4.1-nano": _patch("2.46"),
    "o4-mini": _patch("1.72"),
}
for _m in (
    "gpt-5.2",
    "gpt-5.2-chat-latest",
    "gpt-5.2-codex",
    "gpt-5.3-codex",
    "gpt-5-codex-mini",
    "gpt-5.1-codex-mini",
):
    RULES[_m] = _patch(
        "1",
        documented=False,
        note=f"{_m}: 1,536-patch budget per the guide; no multiplier listed, 1.0 assumed",
    )
for _m, _mult in (("gpt-5.4-mini", "1.62"), ("gpt-5.4-nano", "2.46")):
    RULES[_m] = _patch(
        _mult,
        documented=False,
        note=f"{_m}: not in the guide's tables; budget and multiplier of gpt-5-mini/nano assumed",
    )

_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")

_FAMILY_PATTERNS: tuple[tuple[re.Pattern[str], TileRule | PatchRule], ...] = (
    (
        re.compile(r"^gpt-5\.1(-chat-latest|-codex(-max)?)?$|^gpt-5-(pro|codex)$"),
        _assumed_tile(_GPT5, "not listed in the guide; gpt-5's tile rule assumed"),
    ),
    (
        re.compile(r"^o3-pro$|^o3-deep-research$"),
        _assumed_tile(_OSERIES, "not listed in the guide; o3's tile rule assumed"),
    ),
    (
        re.compile(r"^gpt-image-1(\.5|-mini)$"),
        _assumed_tile(_IMAGE1, "not listed in the guide; GPT Image 1's rule assumed"),
    ),
    (re.compile(r"^gpt-(5\.([4-9]|\d\d)|[6-9](\.\d+)?)(-pro|-chat-latest|-codex)?$"), _NEW_PATCH),
)


@dataclass(frozen=True)
class ImageTokens:
    """Input tokens one image costs on one model, with the working shown."""

    tokens: int
    """Billed input tokens for the image."""
    model: str
    """Canonical model id the rule was chosen for."""
    rule: Literal["tile", "patch"]
    """Which of the guide's two schemes applies."""
    detail: str
    """Detail level as requested (low, high, auto or original)."""
    detail_counted: str
    """Detail level actually counted: ``auto`` is counted as ``high``."""
    width_px: int
    """Width of the image sent."""
    height_px: int
    """Height of the image sent."""
    resized_width_px: int
    """Width after the API's resizing (equal to ``width_px`` when no resize happens)."""
    resized_height_px: int
    """Height after the API's resizing."""
    units: int
    """512-px tiles (tile rule, 0 at low detail) or 32-px patches (patch rule)."""
    documented: bool
    """True when every step follows the guide as written; False where a choice was ours."""
    note: str
    """The assumptions made, empty when ``documented``."""
    source: str = SOURCE_URL
    """Where the rules come from."""


def _resolve(model: str) -> str:
    provider, canonical = prices.resolve_model(model)
    if provider != "openai":
        raise ValueError(
            f"no image-input token rule for {clip(model)} (provider {provider}): "
            "only OpenAI's vision rules are known"
        )
    return canonical


def rule_for(model: str) -> TileRule | PatchRule:
    """The image rule for ``model`` (any name the price table resolves).

    Raises ``ValueError`` naming the model when no vision rule is known for it.
    """
    canonical = _resolve(model)
    # Dated snapshots (gpt-4o-2024-08-06) follow their family's rule.
    undated = _DATED.sub("", canonical)
    rule = RULES.get(canonical) or RULES.get(undated)
    if rule is None:
        for pattern, candidate in _FAMILY_PATTERNS:
            if pattern.match(undated):
                rule = candidate
                break
    if rule is None:
        raise ValueError(
            f"no image-input token rule known for model {clip(canonical)} (no vision support known); "
            f"models with rules: {', '.join(sorted(RULES))}"
        )
    return rule


def _check_size(width_px: int, height_px: int) -> None:
    for name, v in (("width_px", width_px), ("height_px", height_px)):
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValueError(f"image {name} must be a positive integer, got {clip(v)}")


def _fit(width: float, height: float, max_side: float) -> tuple[float, float]:
    scale = min(1.0, max_side / max(width, height))
    return width * scale, height * scale


def tile_count(width_px: int, height_px: int, rule: TileRule) -> tuple[int, int, int]:
    """(tiles, resized width, resized height) for a high-detail image under a tile rule."""
    w, h = _fit(width_px, height_px, rule.max_side_px)
    scale = min(1.0, rule.shortest_side_px / min(w, h))
    rw, rh = max(1, math.floor(w * scale)), max(1, math.floor(h * scale))
    return math.ceil(rw / TILE_PX) * math.ceil(rh / TILE_PX), rw, rh


def _patches(w: int, h: int) -> int:
    return math.ceil(w / PATCH_PX) * math.ceil(h / PATCH_PX)


def patch_count(width_px: int, height_px: int, budget: int, max_side_px: int) -> tuple[int, int, int]:
    """(patches, resized width, resized height) per the guide's steps A to C."""
    w, h = _fit(width_px, height_px, max_side_px)
    w, h = max(1, math.floor(w)), max(1, math.floor(h))
    if _patches(w, h) <= budget:
        return _patches(w, h), w, h
    shrink = math.sqrt(PATCH_PX**2 * budget / (w * h))
    ws, hs = w * shrink / PATCH_PX, h * shrink / PATCH_PX
    adjusted = shrink * min(math.floor(ws) / ws, math.floor(hs) / hs)
    # The 1e-9 keeps 1800 * 0.58667 from flooring to 1055 through float error; the guide's
    # worked example gets exactly 1056 x 1408.
    rw, rh = max(1, math.floor(w * adjusted + 1e-9)), max(1, math.floor(h * adjusted + 1e-9))
    return min(_patches(rw, rh), budget), rw, rh


def image_tokens(
    width_px: int,
    height_px: int,
    *,
    model: str,
    detail: Detail = "auto",
    input_fidelity: Literal["low", "high"] = "low",
) -> ImageTokens:
    """Input tokens an image of ``width_px`` x ``height_px`` costs on ``model``.

    ``detail="auto"`` is counted as ``"high"`` (the worst case; the API decides at request time).
    ``input_fidelity`` matters only for GPT Image models. Raises ``ValueError`` for a bad size,
    an unknown detail level, or a model with no known vision rule.
    """
    _check_size(width_px, height_px)
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {', '.join(DETAILS)}, got {clip(detail)}")
    if input_fidelity not in ("low", "high"):
        raise ValueError(f"input_fidelity must be low or high, got {clip(input_fidelity)}")
    canonical = _resolve(model)
    rule = rule_for(canonical)
    counted = "high" if detail == "auto" else detail
    notes = [rule.note] if rule.note else []
    documented = rule.documented
    if detail == "auto":
        notes.append("detail=auto counted as high (worst case)")
        documented = False

    if isinstance(rule, TileRule):
        if counted == "original":
            raise ValueError(f"detail='original' is not supported by {canonical} (gpt-5.4 and later only)")
        if counted == "low":
            tiles, rw, rh = 0, width_px, height_px
            tokens = rule.base_tokens
        else:
            tiles, rw, rh = tile_count(width_px, height_px, rule)
            tokens = rule.base_tokens + tiles * rule.tile_tokens
        if rule.fidelity_extra_tokens and input_fidelity == "high":
            square, other = rule.fidelity_extra_tokens
            tokens += square if width_px == height_px else other
        return ImageTokens(
            tokens,
            canonical,
            "tile",
            detail,
            counted,
            width_px,
            height_px,
            rw,
            rh,
            tiles,
            documented,
            "; ".join(notes),
        )

    if counted == "original":
        if rule.original_budget is None or rule.original_max_side_px is None:
            raise ValueError(f"detail='original' is not supported by {canonical} (gpt-5.4 and later only)")
        budget, max_side = rule.original_budget, rule.original_max_side_px
    elif counted == "low":
        budget, max_side = rule.patch_budget, TILE_PX
        notes.append("low detail on a patch model counted as the image scaled to fit 512x512")
        documented = False
    else:
        budget, max_side = rule.patch_budget, rule.max_side_px
    patches, rw, rh = patch_count(width_px, height_px, budget, max_side)
    # Round up: forum measurements show fractional products billed up (64 patches x 1.2 -> 77).
    tokens = int((patches * rule.multiplier).to_integral_value(rounding=ROUND_CEILING))
    return ImageTokens(
        tokens,
        canonical,
        "patch",
        detail,
        counted,
        width_px,
        height_px,
        rw,
        rh,
        patches,
        documented,
        "; ".join(notes),
    )


_SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


def parse_size(text: str) -> tuple[int, int]:
    """``"1024x768"`` -> ``(1024, 768)``; ``ValueError`` naming the text otherwise."""
    m = _SIZE.match(text)
    if not m or int(m.group(1)) == 0 or int(m.group(2)) == 0:
        raise ValueError(f"image size must look like WIDTHxHEIGHT in pixels (e.g. 1024x768), got {clip(text)}")
    return int(m.group(1)), int(m.group(2))


# --------------------------------------------------------------------------------------------------
# Per-image generation prices, with where each comes from


IMAGE_TABLE_COLUMNS: tuple[str, ...] = (
    "label", "quality", "size", "usd_per_image", "images", "total_usd", "source", "verified_on",
    "lifecycle_status", "shutdown_on", "note",
)
"""Columns of :func:`image_price_table`: the chart's columns plus each price's provenance and lifecycle."""


def image_price_table(
    count: int, *, as_of: str | None = None, models: list[str] | None = None, include_retired: bool = False
) -> pd.DataFrame:
    """Cost of ``count`` generated images per model, quality and size on ``as_of``, with ``source``,
    ``verified_on`` (NaT: unverified) and the model's lifecycle.

    Models shut down by ``as_of`` are left out unless ``include_retired``. Image models on sale that day that
    OpenAI prices by tokens only (no per-image price in ``data/image_prices.csv``) get one row with NaN
    prices and a ``note`` saying so, rather than an invented per-image price.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count: expected a whole number >= 0, got {clip(count)}")
    img = prices.load_image_prices(as_of, include_retired=include_retired)
    if models is not None:
        img = img[img["model"].isin(models)]
    table = pd.DataFrame({
        "label": img["model"].astype(str).to_numpy(),
        "quality": img["quality"].to_numpy(),
        "size": img["size"].to_numpy(),
        "usd_per_image": img["usd_per_image"].to_numpy(dtype=float),
        "images": count,
        "total_usd": img["usd_per_image"].to_numpy(dtype=float) * count,
        "source": img["source"].astype(str).to_numpy(),
        "verified_on": img["verified_on"].to_numpy(),
        "lifecycle_status": img["lifecycle_status"].astype(str).to_numpy(),
        "shutdown_on": img["shutdown_on"].to_numpy(),
        "note": "",
    })
    token_priced = _token_priced_image_models(as_of, set(img["model"]), models)
    if len(token_priced):
        table = pd.concat([table, token_priced], ignore_index=True)
    return table[list(IMAGE_TABLE_COLUMNS)]


def _token_priced_image_models(as_of: str | None, listed: set[str], models: list[str] | None) -> pd.DataFrame:
    live = prices.load_prices(as_of, provider="openai")
    # Models of the Images API (not chat models that can also draw).
    live = live[live["model"].str.match(r"(gpt-image|chatgpt-image|dall-e)") & (live["tier_above_input_tokens"] == 0)
                & ~live["model"].isin(listed)]
    out_rate = live["output_image_usd_per_mtok"].fillna(live["output_usd_per_mtok"])
    if models is not None:
        live = live[live["model"].isin(models)]
    return pd.DataFrame({
        "label": live["model"].astype(str).to_numpy(), "quality": "", "size": "", "usd_per_image": math.nan,
        "images": 0, "total_usd": math.nan, "source": live["source"].astype(str).to_numpy(),
        "verified_on": live["verified_on"].to_numpy(),
        "lifecycle_status": live["lifecycle_status"].astype(str).to_numpy(),
        "shutdown_on": live["shutdown_on"].to_numpy(),
        "note": [f"no sourced per-image price; priced by tokens (image output ${v:g} per 1M tokens)"
                 for v in out_rate],
    })
