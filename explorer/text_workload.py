"""Workloads described by text, not tokens: each model gets its own token count for the same text.

:func:`tokens_by_model` is the pure function the dashboard, the report and the CLI share: for a text
(or a number of characters of a known kind) it returns, per model, the tokens that model's own
tokenizer produces, or a labelled estimate with its range. :func:`rank_models_by_text` ranks every
model by the cost of one request of *that text*, and per 1,000 characters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explorer import families, tokens
from explorer.limits import clip

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ModelTextTokens:
    """One model's tokens for the workload's text."""

    model: str
    """Model name as given."""
    tokenizer: str
    """Tokenizer that counted (for an estimate: its basis)."""
    tokens: int
    """Tokens (best estimate when ``exact`` is False)."""
    tokens_low: int
    """Low end of the range (``tokens`` when exact)."""
    tokens_high: int
    """High end of the range (``tokens`` when exact)."""
    exact: bool
    """True only when the model's own tokenizer counted the actual text."""
    method: str
    """How: the tokenizer, or ``"estimate: ..."`` with basis, ratio and range."""
    chars: int
    """Characters of text the count is for."""


def _check_kind(kind: str | None) -> str | None:
    if kind is not None and kind not in families.KINDS:
        raise ValueError(f"language: unknown text kind {clip(kind)}; known: {', '.join(families.KINDS)}")
    return kind


def tokens_by_model(
    models: Sequence[str],
    *,
    text: str | Sequence[str] | None = None,
    chars: int | None = None,
    kind: str | None = None,
) -> list[ModelTextTokens]:
    """Tokens of one request's text on each model, each by its own tokenizer where we have it.

    Give ``text`` (counted exactly with each model's tokenizer; models without one get the calibrated
    estimate, per ``kind`` when given) or ``chars`` with an optional ``kind`` (``en`` by default; one of
    :data:`explorer.families.KINDS`): then every count is an estimate from the tokenizer's tokens per
    1,000 characters on the reference corpus. Each distinct tokenizer counts the text once.

    ``text`` may also be a list of texts (a folder of documents, each one request): each model then gets
    the mean of its counts, rounded up, and ``chars`` is the mean length.
    """
    if (text is None) == (chars is None):
        raise ValueError("give text or chars, not both and not neither")
    if isinstance(models, str):
        models = [models]
    if chars is not None and (isinstance(chars, bool) or not isinstance(chars, int) or chars < 0):
        raise ValueError(f"chars: expected a whole number >= 0, got {clip(chars)}")
    kind = _check_kind(kind)
    texts = None if text is None else [text] if isinstance(text, str) else list(text)
    if texts is not None and not texts:
        raise ValueError("text: an empty list of texts: nothing to count")
    raw: dict[str, float] = {}
    out = []
    for m in models:
        tok = tokens.tokenizer_for(m)
        fam = tok.family or tok.encoding
        ratio = tok.factor
        if not tok.exact and kind is not None:
            est = families.family_for(tok.model or m, tok.provider).estimate
            ratio = est.ratio_for(kind) if est is not None and est.basis == tok.encoding else ratio
        if texts is not None:
            if tok.encoding not in raw:
                raw[tok.encoding] = sum(tokens.count_with(tok.encoding, texts)) / len(texts)
            mean = raw[tok.encoding]
            base = math.ceil(mean)
            n_chars = math.ceil(sum(map(len, texts)) / len(texts))
            method = tok.method if kind is None or tok.exact else f"{tok.method}; ratio for {kind} text {ratio:.2f}"
            if len(texts) > 1:
                method += f"; mean of {len(texts)} texts, rounded up"
                if not tok.exact:
                    base = mean  # type: ignore[assignment]  # scaled below, then rounded up once
            exact = tok.exact
        else:
            assert chars is not None
            k = kind or "en"
            table = families.calibration()
            per_kchar = table[tok.encoding][k]
            base = math.ceil(chars * per_kchar / 1000)
            n_chars = chars
            if not tok.exact and fam in table and k in table[fam]:
                ratio = table[fam][k] / per_kchar  # measured for this very kind (Claude via ctok)
            scaled = "" if tok.exact else f" x {ratio:.2f} ({tok.method.removeprefix('estimate: ')})"
            method = (
                f"estimate: {chars:,} characters x {per_kchar:.1f} {tok.encoding} tokens per 1,000 characters of "
                f"reference {k} text{scaled}"
            )
            exact = False
        n = math.ceil(base) if ratio == 1.0 else math.ceil(base * ratio)
        low, high = (n, n) if tok.exact else (math.ceil(base * tok.factor_low), math.ceil(base * tok.factor_high))
        out.append(ModelTextTokens(m, tok.encoding, n, min(low, n), max(high, n), exact, method, n_chars))
    return out


def rank_models_by_text(
    *,
    text: str | Sequence[str] | None = None,
    chars: int | None = None,
    kind: str | None = None,
    output_tokens: int = 0,
    requests: int = 1,
    provider: str | Sequence[str] | None = None,
    models: Sequence[str] | None = None,
    service_tier: str = "standard",
    as_of: Any = None,
    prices: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every model ranked by the cost of ``requests`` requests whose input is this text.

    ``models`` ranks only those models (any spelling :func:`explorer.prices.resolve_model` takes); a model
    that cannot be ranked is named, with the reason, in ``result.attrs["unpriced"]``.
    Each model's input tokens come from :func:`tokens_by_model`; output is ``output_tokens`` per
    request. Adds input_tokens, input_tokens_low/high, exact, method, tokenizer and
    ``usd_per_kchar`` (cost of 1,000 characters of this text as input) to
    :func:`explorer.compare.rank_models`' columns; cheapest first, models with an unknown context window
    (``context_unknown``) after every model known to fit.
    """
    import pandas as pd

    from explorer.compare import rank_models

    everyone = rank_models(0, output_tokens, provider=provider, models=models, service_tier=service_tier,
                           as_of=as_of, prices=prices, include_too_small=True)  # fmt: skip
    if everyone.empty:
        return everyone
    keys = [f"{p}/{m}" for p, m in zip(everyone["provider"], everyone["model"], strict=True)]
    counted = tokens_by_model(keys, text=text, chars=chars, kind=kind)
    by_tokens: dict[int, list[str]] = {}
    for c in counted:
        by_tokens.setdefault(c.tokens, []).append(c.model)
    parts = [
        rank_models(
            n, output_tokens, requests=requests, models=group, service_tier=service_tier, as_of=as_of, prices=prices
        )
        for n, group in by_tokens.items()
    ]
    ranked = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    info = pd.DataFrame(
        {
            "provider": everyone["provider"].to_numpy(),
            "model": everyone["model"].to_numpy(),
            "input_tokens": [c.tokens for c in counted],
            "input_tokens_low": [c.tokens_low for c in counted],
            "input_tokens_high": [c.tokens_high for c in counted],
            "exact": [c.exact for c in counted],
            "tokenizer": [c.tokenizer for c in counted],
            "method": [c.method for c in counted],
            "chars": [c.chars for c in counted],
        }
    )
    ranked = ranked.merge(info, on=["provider", "model"], how="left")
    n_chars = counted[0].chars or 1
    ranked["usd_per_kchar"] = ranked["input_usd"] * 1000 / n_chars
    # As in rank_models: a model whose context window is unknown never ranks among those known to fit.
    ranked = ranked.sort_values(["context_unknown", "total_usd", "provider", "model"], kind="stable")
    ranked = ranked.reset_index(drop=True)
    ranked.attrs["unpriced"] = dict(everyone.attrs.get("unpriced", {}))
    return ranked


__all__ = ["ModelTextTokens", "rank_models_by_text", "tokens_by_model"]
