"""Requests described as text in the dashboard and the report: each model's own input tokens for N characters
of a kind of text, and the costs that follow, computed from extracted rates.

:func:`chars_plan` is what one model's count of ``chars`` characters of a text kind depends on (the tokens
per 1,000 characters of the tokenizer that counts, the ratio that scales it, the estimate's range), so the
kernel-free report can count in the page with the same arithmetic; :func:`plan_tokens` applies it and equals
:func:`explorer.text_workload.tokens_by_model` (a test holds them equal). :func:`text_costs` prices each
model at its own count, from a :class:`~explorer.results.RateTable`, equal to
:func:`explorer.scenarios.scenario_costs` of the same scenario.

Nothing here imports ipywidgets.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from explorer import families, fmt, tokens
from explorer import results as _r
from explorer import scenarios as _sc
from explorer.limits import clip

__all__ = [
    "KIND_LABELS", "CharsPlan", "annotate_text_rows", "chars_plan", "plan_tokens", "plans_for", "text_columns",
    "text_costs",
]

KIND_LABELS: dict[str, str] = {
    "en": "English prose", "ja": "Japanese", "zh": "Chinese", "code": "Source code", "json": "JSON",
    "chat": "Chat transcript", "mixed": "Mixed scripts and symbols",
}
"""What each text kind of :data:`explorer.families.KINDS` is called in the controls."""


@dataclasses.dataclass(frozen=True)
class CharsPlan:
    """How one model's input tokens follow from a number of characters of one kind of text."""

    label: str
    """Model label (as tables and charts name it)."""
    tokenizer: str
    """Tokenizer whose tokens per 1,000 characters are measured (for an estimate: its basis)."""
    per_kchar: float
    """That tokenizer's tokens per 1,000 characters of this kind on the reference corpus."""
    ratio: float
    """Multiplier from the counted tokens to the model's (1.0 for a model's own tokenizer)."""
    factor_low: float
    """Low end of the estimate's multiplier range (the ratio itself when the tokenizer is the model's own)."""
    factor_high: float
    """High end of that range."""
    own: bool
    """True when the model's own tokenizer is shipped (its count is measured, not scaled from another's)."""
    method: str
    """For an estimate, ``"estimate: o200k_base x 1.12, range 1.05-1.30"``; else ``"<tokenizer> (own)"``."""


def chars_plan(model: str, kind: str, label: str | None = None) -> CharsPlan:
    """The count plan of ``model`` for text of ``kind`` (:data:`explorer.families.KINDS`), as
    :func:`~explorer.text_workload.tokens_by_model` counts characters."""
    if kind not in families.KINDS:
        raise ValueError(f"language: unknown text kind {clip(kind)}; known: {', '.join(families.KINDS)}")
    tok = tokens.tokenizer_for(model)
    table = families.calibration()
    per_kchar = table[tok.encoding][kind]
    ratio = tok.factor
    if not tok.exact:
        est = families.family_for(tok.model or model, tok.provider).estimate
        ratio = est.ratio_for(kind) if est is not None and est.basis == tok.encoding else ratio
        fam = tok.family or tok.encoding
        if fam in table and kind in table[fam]:
            ratio = table[fam][kind] / per_kchar  # measured for this very kind (Claude via ctok)
    low, high = (1.0, 1.0) if tok.exact else (tok.factor_low, tok.factor_high)
    method = (f"{tok.encoding} (own tokenizer)" if tok.exact
              else f"estimate: {tok.encoding} x {ratio:.2f}, range {low:.2f}-{high:.2f}")
    return CharsPlan(label or model, tok.encoding, per_kchar, ratio, low, high, tok.exact, method)


def plan_tokens(plan: CharsPlan, chars: int) -> tuple[int, int, int]:
    """``(tokens, low, high)`` for ``chars`` characters: the arithmetic of ``tokens_by_model(chars=...)``."""
    base = math.ceil(chars * plan.per_kchar / 1000)
    n = math.ceil(base) if plan.ratio == 1.0 else math.ceil(base * plan.ratio)
    if plan.own:
        return n, n, n
    return n, min(math.ceil(base * plan.factor_low), n), max(math.ceil(base * plan.factor_high), n)


def plans_for(keys: Sequence[tuple[str, str]], kind: str) -> list[CharsPlan]:
    """One plan per model key, in order."""
    return [chars_plan(f"{p}/{m}", kind, _sc.model_label(p, m)) for p, m in keys]


def text_costs(
    rates: _r.RateTable, scenario: _sc.Scenario, plans: Sequence[CharsPlan], *,
    image_usd_per_request: np.ndarray | None = None, image_notes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """:func:`explorer.results.costs_from_rates` with each model's own input tokens for the scenario's text
    (``input_chars_per_request`` characters of ``input_text_kind``): the models sharing a count are priced
    together, then the rows are ranked as ``costs_from_rates`` ranks them."""
    chars = scenario.input_chars_per_request
    counts = [plan_tokens(p, chars)[0] for p in plans]
    parts = []
    for n in dict.fromkeys(counts):
        one = _r.costs_from_rates(rates, scenario.replace(input_tokens_per_request=n, input_chars_per_request=0),
                                  image_usd_per_request=image_usd_per_request, image_notes=image_notes)
        mine = {rates.labels[i] for i, c in enumerate(counts) if c == n}
        parts.append(one[one["label"].isin(mine)])
    out = pd.concat(parts, ignore_index=True) if parts else _r.costs_from_rates(rates, scenario).iloc[0:0]
    out = out.sort_values(["monthly_usd", "provider", "model"], kind="stable", na_position="last")
    return out.reset_index(drop=True)


def text_columns(costs: pd.DataFrame, plans: Sequence[CharsPlan], scenario: _sc.Scenario) -> pd.DataFrame:
    """The ranking table's text columns per model label: its input tokens for the text ("≈" before an
    estimate, the basis, ratio and range in the tooltip) and what 1,000 characters of it cost as input."""
    chars = scenario.input_chars_per_request
    out = pd.DataFrame(index=[p.label for p in plans], columns=["Input tokens", "Input per 1,000 chars"],
                       dtype=object)
    per_request = costs.set_index("label")
    for p in plans:
        n, low, high = plan_tokens(p, chars)
        kind = KIND_LABELS[scenario.input_text_kind]
        if p.own:
            out.at[p.label, "Input tokens"] = (fmt.count(n), f"{p.method}: measured on reference {kind} text")
        else:
            out.at[p.label, "Input tokens"] = (f"≈ {fmt.count(n)}", f"{p.method} ({fmt.count(low)}-{fmt.count(high)}"
                                               f" tokens); no tokenizer of the model's own")
        usd = math.nan
        if p.label in per_request.index and chars:
            r = per_request.loc[p.label]
            usd = (r["input_usd"] + r["cached_input_usd"]) / scenario.requests_per_month * 1000 / chars
        out.at[p.label, "Input per 1,000 chars"] = fmt.usd(usd)
    return out


def annotate_text_rows(rows: pd.DataFrame, plans: Sequence[CharsPlan] | None, chars: int) -> pd.DataFrame:
    """Chart rows with ``tokens`` (how the input tokens were counted, for the tooltips) and ``exact`` (False:
    estimated, drawn faded and named "≈"). Without plans (a request described by tokens) every row is exact."""
    if not plans:
        return rows.assign(tokens="as set", exact=True)
    by = {p.label: p for p in plans}
    tokens_text, exact, shown = [], [], []
    for lbl, s in zip(rows["label"].tolist(), rows["shown"].tolist(), strict=True):
        p = by[lbl]
        n, low, high = plan_tokens(p, chars)
        tokens_text.append(f"{n:,} ({p.method})" if p.own else f"≈ {n:,} ({p.method}; {low:,}-{high:,})")
        exact.append(p.own)
        shown.append(s if p.own else s + " ≈")
    return rows.assign(tokens=tokens_text, exact=exact, shown=shown)
