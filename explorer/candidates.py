"""Which models are comparable candidates for a job: what kind of model each price-table row is, who made it,
who serves it, which rows are the same offering under two names, and how big a model is relative to another.

genai-prices has no modality or endpoint field (its ``ModelInfo`` carries an id, match clauses, a name, a
description, a context window and prices), so the kind of a model is decided by

1. name rules on the model id without route prefixes (:data:`KIND_RULES`, first match wins):
   ``gpt-4o-transcribe`` is ``transcription``, ``gpt-4o-mini-tts`` ``tts``, ``gpt-image-1-mini`` ``image``;
2. then its prices, when the name says nothing: an audio output price -> a speech model; an image output
   price -> an image generator; no output price -> not a generator (``other``: a classifier, a legacy base
   model);
3. anything else is ``chat`` (text generation, through a chat or responses endpoint, whatever it reads:
   vision-language models are chat models).

The maker of a model comes from its route prefix (``anthropic/``, ``global.anthropic.``, ``meta-llama/``)
or its name (``claude`` -> anthropic, ``llama`` -> meta), :data:`MAKER_RULES`. A row is *first-party* when
its provider is its maker's own API (Claude on ``anthropic``, Nova on ``aws``); otherwise it is served by a
cloud platform, a router or an inference host (:data:`HOSTS`), and says so: "claude-sonnet-4-5 on Google
Vertex AI".

Nothing here imports ipywidgets or the app: the CLI, the dashboard and the usage what-if all use it.
Importing it is light (no pandas): the CLI's parser reads :data:`KINDS`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from explorer import families as _families
from explorer.limits import clip

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

# pandas and the price table are imported inside the functions that need them: the CLI's parser reads
# KINDS at every start, and a plain `explorer cost` must not pay for pandas.

__all__ = [
    "DEFAULT_KIND",
    "HOSTS",
    "KINDS",
    "SIZE_CLASSES",
    "SMALLER_PRICE_RATIO",
    "Offering",
    "annotate",
    "candidates",
    "collapse_duplicates",
    "host_label",
    "is_fine_tuned",
    "kind_of",
    "maker_of",
    "offering",
    "select",
    "size_change",
    "size_class",
]

KINDS: dict[str, str] = {
    "chat": "text generation through a chat or responses endpoint (text, or text and images, in; text out)",
    "audio": "speech in and out: audio chat, realtime and live voice models",
    "transcription": "speech to text",
    "tts": "text to speech",
    "image": "image generation and editing",
    "video": "video generation",
    "embedding": "embeddings",
    "rerank": "rerankers",
    "moderation": "moderation and safety classifiers",
    "ocr": "document OCR",
    "other": "no output price and no other kind recognised (classifiers, legacy base models)",
}
"""The kinds of model ``--kind`` takes, and what each means."""

DEFAULT_KIND = "chat"
"""What ``compare``, the dashboard's model list and the savings table rank unless told otherwise."""

# Name rules, on the model id without route prefixes, lower case; the first match wins. Order matters:
# "gpt-4o-mini-transcribe" is a transcription model before it is anything with "mini" in it, and
# "gemini-2.5-flash-lite-preview-tts" is speech before it is a flash model.
KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rerank", re.compile(r"rerank")),
    ("embedding", re.compile(r"embed|^bge-|^gte-|^e5-|^voyage-|^nomic-")),
    ("transcription", re.compile(r"transcri|whisper|speech-to-text|(?:^|[-_])stt(?:$|[-_])")),
    ("tts", re.compile(r"(?:^|[-_.])tts(?:$|[-_.\d])|text-to-speech|^orpheus")),
    ("audio", re.compile(r"audio|realtime|(?:^|-)live(?:$|-)|sonic|voxtral|(?:^|-)voice(?:$|-)")),
    ("moderation", re.compile(r"moderation|(?:^|-)(?:prompt-)?guard(?:$|-)|safeguard")),
    ("video", re.compile(r"video|^veo-|^sora|gemini-omni|seedance|kling")),
    ("image", re.compile(r"image|banana|dall-e|^flux|imagen|diffusion|sdxl|recraft|ideogram")),
    ("ocr", re.compile(r"(?:^|-)ocr(?:$|-)|paddleocr")),
)
"""``(kind, pattern)``: how a model id names its kind (:func:`kind_of`)."""

_FINE_TUNED = re.compile(r"^ft:|[.:]ft-|:ft:|(?:^|-)ft-(?=[a-z])")


def is_fine_tuned(model: str) -> bool:
    """``ft:gpt-4o-mini``, ``gpt-4o-mini-2024-07-18.ft-``: a fine-tuned snapshot (its own prices, your own data)."""
    return bool(_FINE_TUNED.search(str(model).strip().lower()))


def kind_of(model: str, *, has_output_price: bool = True, has_audio_output_price: bool = False,
            has_image_output_price: bool = False) -> str:
    """The kind of a price-table model (:data:`KINDS`): from its name, then its prices."""
    name = _families.short_name(str(model))
    for kind, rule in KIND_RULES:
        if rule.search(name):
            return kind
    if has_audio_output_price:
        return "audio"
    if has_image_output_price:
        return "image"
    if not has_output_price:
        return "other"
    return "chat"


# ------------------------------------------------------------------------------------------------ makers

MAKER_PREFIXES: dict[str, str] = {
    "meta-llama": "meta", "meta": "meta", "mistralai": "mistral", "mistral": "mistral", "google": "google",
    "anthropic": "anthropic", "openai": "openai", "deepseek-ai": "deepseek", "deepseek": "deepseek",
    "qwen": "qwen", "x-ai": "x-ai", "xai": "x-ai", "moonshotai": "moonshotai", "z-ai": "zai", "zai-org": "zai",
    "zai": "zai", "thudm": "zai", "cohere": "cohere", "amazon": "amazon", "microsoft": "microsoft",
    "nvidia": "nvidia", "minimax": "minimax", "minimaxai": "minimax", "liquid": "liquid",
    "perplexity": "perplexity", "baai": "baai", "cloudflare": "cloudflare",
}
"""Route prefix (``meta-llama/``, ``global.anthropic.``) -> maker; an unlisted prefix is its own maker."""

MAKER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("openai", re.compile(r"^(?:gpt|o\d|chatgpt|dall-e|whisper|tts-1|text-embedding|davinci|babbage|curie|ada"
                          r"|text-davinci|codex|computer-use|omni-moderation|moderation)(?![a-z])")),
    ("anthropic", re.compile(r"claude")),
    ("google", re.compile(r"^(?:gemini|gemma|imagen|veo|lyria)")),
    ("meta", re.compile(r"llama|^muse-")),
    ("mistral", re.compile(r"^(?:mistral|mixtral|ministral|magistral|codestral|devstral|pixtral|voxtral"
                           r"|open-mistral|open-mixtral)")),
    ("qwen", re.compile(r"^(?:qwen|qwq)")),
    ("deepseek", re.compile(r"^deepseek")),
    ("x-ai", re.compile(r"^grok")),
    ("moonshotai", re.compile(r"^(?:kimi|moonshot)")),
    ("zai", re.compile(r"^(?:zai-)?(?:glm|chatglm)")),
    ("cohere", re.compile(r"^(?:command|c4ai|aya|embed-(?:v|english|multilingual)|rerank-)")),
    ("amazon", re.compile(r"^(?:nova|titan)")),
    ("microsoft", re.compile(r"^(?:phi-|wizardlm|mai-)")),
    ("nvidia", re.compile(r"nemotron")),
    ("liquid", re.compile(r"^lfm")),
    ("perplexity", re.compile(r"^(?:sonar|pplx|r1-1776)")),
    ("minimax", re.compile(r"^(?:minimax|abab|m2-her)")),
    ("voyageai", re.compile(r"^voyage")),
    ("elevenlabs", re.compile(r"^eleven")),
    ("ai21", re.compile(r"^jamba")),
    ("arcee", re.compile(r"^(?:trinity|afm-|virtuoso|arcee)")),
)
"""``(maker, pattern)`` on the model id without route prefixes, when no route prefix names the maker."""

MAKER_PROVIDERS: dict[str, tuple[str, ...]] = {
    "amazon": ("aws",),
    "microsoft": ("azure",),
    "zai": ("zai", "zhipuai"),
}
"""Makers whose own API has another provider id than their name (every other maker: its own name)."""

HOSTS: dict[str, str] = {
    "aws": "cloud platform", "azure": "cloud platform", "google": "cloud platform",
    "databricks": "cloud platform", "cloudflare": "cloud platform",
    "openrouter": "router", "quicksilverpro": "router", "github-copilot": "router", "cursor": "router",
    "arcee": "inference host", "avian": "inference host", "baseten": "inference host", "cerebras": "inference host",
    "doubleword": "inference host", "fireworks": "inference host", "groq": "inference host", "modal": "inference host",
    "novita": "inference host", "ovhcloud": "inference host", "together": "inference host",
}
"""Providers that serve other makers' models, and what kind of host each is (``huggingface_*`` providers are
Hugging Face's router to an inference host). A model whose maker is not recognised is first-party unless its
provider is one of these."""

HOST_LABELS: dict[str, str] = {"google": "Google Vertex AI"}
"""Names for hosts where genai-prices' provider name does not say which service serves other makers' models."""


def _route_prefix(model: str) -> str | None:
    """The vendor a route prefix names: ``meta-llama/Llama-3`` -> ``meta-llama``; ``global.anthropic.x`` ->
    ``anthropic``; ``@cf/meta/llama`` -> ``meta``; None without one."""
    low = str(model).strip().lower()
    if "/" in low:
        parts = [p for p in low.split("/")[:-1] if p and not p.startswith("@") and p not in ("accounts", "models")]
        if parts:
            return parts[-1].lstrip("~")
    m = re.match(r"^(?:(?:global|regional|us|eu|apac)\.)?([a-z0-9-]+)\.(?=[a-z])", low)
    if m and m.group(1) in MAKER_PREFIXES:
        return m.group(1)
    return None


@functools.cache
def maker_of(provider: str, model: str) -> str | None:
    """Who made a model: ``("google", "claude-sonnet-4-5")`` -> ``"anthropic"``; None when not recognised
    (then the provider's own model, unless the provider is a host)."""
    prefix = _route_prefix(model)
    # A prefix naming the provider itself ("perplexity/glm-5.3" on perplexity, "together/..." on together)
    # is the provider's namespace, not a maker: the name decides, else the provider made it.
    if prefix is not None and prefix != provider:
        return MAKER_PREFIXES.get(prefix, prefix)
    name = _families.short_name(str(model))
    for maker, rule in MAKER_RULES:
        if rule.search(name):
            return maker
    return provider if prefix is not None else None


def _host_kind(provider: str) -> str | None:
    if provider.startswith("huggingface"):
        return "router"
    return HOSTS.get(provider)


@functools.cache
def _provider_names() -> dict[str, str]:
    from explorer.snapshot import active_snapshot

    return {p.id: p.name for p in active_snapshot().snapshot.providers}


def host_label(provider: str) -> str:
    """How a provider is named when it serves another maker's model: ``google`` -> ``Google Vertex AI``,
    ``aws`` -> ``AWS Bedrock``, ``huggingface_novita`` -> ``HuggingFace (novita)``."""
    if provider in HOST_LABELS:
        return HOST_LABELS[provider]
    try:
        return _provider_names().get(provider, provider)
    except Exception:  # a snapshot that cannot be read names the provider by its id: a label, never an error
        return provider


@dataclasses.dataclass(frozen=True)
class Offering:
    """Who makes and who serves one price-table model."""

    maker: str | None
    """The model's maker (``anthropic``), None when not recognised."""
    first_party: bool
    """True when the provider is the maker's own API."""
    host_kind: str
    """``first-party``, ``cloud platform``, ``router`` or ``inference host``."""
    served_by: str
    """``""`` for a first-party offering, else the host's name (``"Google Vertex AI"``)."""


@functools.cache
def offering(provider: str, model: str) -> Offering:
    """:class:`Offering` of a ``(provider, model)`` row."""
    maker = maker_of(provider, model)
    host = _host_kind(provider)
    first = host is None if maker is None else provider in MAKER_PROVIDERS.get(maker, (maker,))
    if first:
        return Offering(maker, True, "first-party", "")
    return Offering(maker, False, host or "inference host", host_label(provider))


# ------------------------------------------------------------------------------------------------ tables

ANNOTATION_COLUMNS: tuple[str, ...] = ("kind", "fine_tuned", "maker", "first_party", "host_kind", "served_by")
"""Columns :func:`annotate` adds."""


def annotate(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (columns ``provider``, ``model`` and the price columns of :func:`explorer.load_prices`) with
    :data:`ANNOTATION_COLUMNS` added."""
    import numpy as np
    import pandas as pd

    out = frame.copy()
    has_out = out["output_usd_per_mtok"].notna().to_numpy() if "output_usd_per_mtok" in out else np.ones(len(out), bool)
    audio = out.get("output_audio_usd_per_mtok", pd.Series(np.nan, index=out.index)).notna().to_numpy()
    image = out.get("output_image_usd_per_mtok", pd.Series(np.nan, index=out.index)).notna().to_numpy()
    provs = out["provider"].astype(str).tolist()
    models = out["model"].astype(str).tolist()
    out["kind"] = [_kind_cached(m, bool(o), bool(a), bool(i)) for m, o, a, i in zip(models, has_out, audio, image,
                                                                                    strict=True)]
    out["fine_tuned"] = [is_fine_tuned(m) for m in models]
    offers = [offering(p, m) for p, m in zip(provs, models, strict=True)]
    out["maker"] = [o.maker for o in offers]
    out["first_party"] = [o.first_party for o in offers]
    out["host_kind"] = [o.host_kind for o in offers]
    out["served_by"] = [o.served_by for o in offers]
    return out


@functools.cache
def _kind_cached(model: str, has_out: bool, audio: bool, image: bool) -> str:
    return kind_of(model, has_output_price=has_out, has_audio_output_price=audio, has_image_output_price=image)


def select(
    frame: pd.DataFrame,
    *,
    kind: str | None = DEFAULT_KIND,
    include_fine_tuned: bool = False,
    first_party_only: bool = False,
) -> pd.DataFrame:
    """The rows of an :func:`annotate`-d frame that are candidates: of ``kind`` (None: any), not fine-tuned
    unless asked, only first-party offerings if asked."""
    import numpy as np

    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind: unknown {clip(kind)}; expected one of {', '.join(KINDS)}")
    keep = np.ones(len(frame), dtype=bool)
    if kind is not None:
        keep &= (frame["kind"] == kind).to_numpy()
    if not include_fine_tuned:
        keep &= ~frame["fine_tuned"].to_numpy(dtype=bool)
    if first_party_only:
        keep &= frame["first_party"].to_numpy(dtype=bool)
    return frame[keep]


_DATE_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")


@functools.cache
def _same_model_key(model: str) -> str:
    """A name with route prefixes, fine-tune markers and snapshot dates removed: ``liquid/lfm-7b`` and
    ``lfm-7b`` give ``lfm-7b``; ``ft:gpt-4o-mini`` and ``gpt-4o-mini-2024-07-18.ft-`` give ``ft:gpt-4o-mini``."""
    name = _families.short_name(str(model))
    ft = is_fine_tuned(name)
    name = re.sub(r"^ft:|[.:]ft-.*$|:ft:.*$", "", name)
    name = _DATE_SUFFIX.sub("", name)
    return f"ft:{name}" if ft else name


def collapse_duplicates(frame: pd.DataFrame, same: Sequence[str]) -> pd.DataFrame:
    """One row per offering: rows of one provider whose names differ only by a route prefix, a snapshot date
    or a fine-tune marker, and whose ``same`` columns are equal (prices, context window), become the row with
    the shortest name (ties: the longer, more specific id, ``liquid/lfm-7b`` over ``lfm-7b``), with the other
    names in ``alternatives`` (a tuple). Order is kept."""
    import pandas as pd

    if frame.empty:
        return frame.assign(alternatives=pd.Series([], dtype=object))
    import numpy as np

    keys = pd.DataFrame({
        "provider": frame["provider"].astype(str).to_numpy(),
        "_key": [_same_model_key(m) for m in frame["model"].astype(str)],
    })
    for col in same:
        keys[col] = frame[col].to_numpy()
    group = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
    models = frame["model"].astype(str).to_numpy()
    # Only groups of two or more names need choosing (a few dozen rows): the rest stay as they are.
    shared = pd.Series(group).duplicated(keep=False).to_numpy()
    members: dict[int, list[int]] = {}
    for pos in np.flatnonzero(shared):
        members.setdefault(int(group[pos]), []).append(int(pos))
    keep = ~shared
    alternatives: list[tuple[str, ...]] = [()] * len(frame)
    for rows in members.values():
        best = min(rows, key=lambda r: _preference(models[r]))
        keep[best] = True
        alternatives[best] = tuple(models[r] for r in rows if r != best)
    out = frame[keep].copy()
    out["alternatives"] = [a for a, k in zip(alternatives, keep, strict=True) if k]
    return out


@functools.cache
def _preference(model: str) -> tuple[int, int, str]:
    return (len(_families.short_name(model)), -len(model), model)


def candidates(
    prices: pd.DataFrame | None = None,
    as_of: dt.date | str | None = None,
    *,
    kind: str | None = DEFAULT_KIND,
    provider: str | Iterable[str] | None = None,
    include_fine_tuned: bool = False,
    first_party_only: bool = False,
    service_tier: str = "standard",
) -> pd.DataFrame:
    """Comparable candidates on a day: one row per offering in force on ``as_of`` with an input price, of
    ``kind``, duplicates collapsed (``alternatives``), fine-tunes left out unless asked, annotated with
    :data:`ANNOTATION_COLUMNS`. The dashboard's model list; ``compare`` applies the same steps to its ranking."""
    from explorer import prices as _prices

    table = prices if prices is not None else _prices.price_history()
    day = _prices._as_timestamp(as_of)
    t = table[(table["service_tier"] == service_tier) & (table["tier_above_input_tokens"] == 0)
              & table["input_usd_per_mtok"].notna()]
    t = t[_prices.in_force(t, day)]
    if provider is not None:
        wanted = [provider] if isinstance(provider, str) else list(provider)
        t = t[t["provider"].isin(wanted)]
    t = t.drop_duplicates(["provider", "model"])
    t = select(annotate(t), kind=kind, include_fine_tuned=include_fine_tuned, first_party_only=first_party_only)
    return collapse_duplicates(t, SAME_OFFERING_COLUMNS).reset_index(drop=True)


SAME_OFFERING_COLUMNS: tuple[str, ...] = (
    "input_usd_per_mtok", "cached_input_usd_per_mtok", "cache_write_usd_per_mtok", "cache_write_1h_usd_per_mtok",
    "output_usd_per_mtok", "reasoning_usd_per_mtok", "input_audio_usd_per_mtok", "output_audio_usd_per_mtok",
    "input_image_usd_per_mtok", "output_image_usd_per_mtok", "web_search_usd_per_kcall", "file_search_usd_per_kcall",
    "context_window_tokens", "is_override",
)
"""Two names are one offering only if every price (:data:`explorer.prices.PRICE_VALUE_COLUMNS`, checked equal
in tests) and the context window agree."""


# ------------------------------------------------------------------------------------------------ size

SIZE_CLASSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("nano", re.compile(r"(?:^|[-_. ])(?:nano|lite|micro|tiny)(?:$|[-_. ])|flash-?lite")),
    ("mini", re.compile(r"(?:^|[-_. ])(?:mini|small|haiku|flash|air|instant|light)(?:$|[-_. ])")),
    ("pro", re.compile(r"(?:^|[-_. ])(?:pro|opus|max|ultra|premier|heavy|large)(?:$|[-_. ])")),
)
"""Family tier words, smallest first: ``nano`` (nano, lite, micro, tiny; flash-lite), ``mini`` (mini, small,
haiku, flash, air), ``pro`` (pro, opus, max, ultra, large). A name with none of them is ``full``."""

_SIZE_ORDER = {"nano": 0, "mini": 1, "full": 2, "pro": 3}

SMALLER_PRICE_RATIO = 0.2
"""A target listed at this fraction or less of the current model's price per token (input + output, at list
prices) is marked as a likely smaller model even when the names say nothing (``gpt-6-astra`` to
``gpt-6-luna``)."""


def size_class(model: str) -> str:
    """``nano``, ``mini``, ``full`` or ``pro`` from the family tier word in a model's name (:data:`SIZE_CLASSES`)."""
    name = _families.short_name(str(model))
    for cls, rule in SIZE_CLASSES:
        if rule.search(name):
            return cls
    return "full"


def size_change(from_model: str, to_model: str, price_ratio: float | None = None) -> str:
    """A hint when a move goes to a smaller class of model, else ``""``: ``"gpt-5-nano is a nano model,
    gpt-4.1 a full one"``, or ``"gpt-6-luna is listed at 0.09x gpt-6-astra's price per token: likely a
    smaller model"`` (``price_ratio``: the target's list price per token over the current model's)."""
    a, b = size_class(from_model), size_class(to_model)
    if _SIZE_ORDER[b] < _SIZE_ORDER[a]:
        return f"smaller class: {to_model} is a {b} model, {from_model} a {a} one"
    if price_ratio is not None and price_ratio == price_ratio and 0 <= price_ratio <= SMALLER_PRICE_RATIO:
        return (f"smaller class: {to_model} is listed at {price_ratio:.2f}x {from_model}'s price per token, "
                "likely a smaller model")
    return ""
