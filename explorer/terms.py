"""Negotiated prices: a discount off list prices and a monthly commitment, per provider.

A scenario may carry ``provider_terms`` (YAML: ``provider_terms: {openai: {discount: 0.15,
committed_usd_per_month: 2000}}``). :func:`apply_terms` applies them to a costs frame (the columns of
:func:`explorer.scenarios.scenario_costs`); :mod:`explorer.ranges` applies them to simulated costs.

What the terms mean: every token of the provider's models costs ``1 - discount`` times the list price;
a commitment is a minimum monthly spend, so a month costs ``max(committed, discounted usage)``. Each
model is ranked as the alternative that carries the whole workload, so the commitment is compared with
that model's monthly cost alone.

Nothing here imports the rest of the package: scenarios import this module.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from explorer.limits import clip

__all__ = ["ProviderTerms", "TermsError", "apply_terms", "terms_from_data", "terms_to_data"]


class TermsError(ValueError):
    """Provider terms that are not valid; the message names the provider and the field."""


@dataclasses.dataclass(frozen=True)
class ProviderTerms:
    """One provider's negotiated prices."""

    provider: str
    """Provider id, as in the price table (``openai``, ``anthropic``, ...)."""
    discount: float = 0.0
    """Share off list prices, 0 to 1 (0.15 = 15% off every token)."""
    committed_usd_per_month: float = 0.0
    """Minimum monthly spend with the provider; a cheaper month is billed this much."""
    note: str = ""
    """Where the terms come from (contract, quote), shown with the costs."""

    def __post_init__(self) -> None:
        if not isinstance(self.provider, str) or not self.provider.strip():
            raise TermsError(f"provider terms: field 'provider': {clip(self.provider)} is not a provider id")
        for name, hi in (("discount", 1.0), ("committed_usd_per_month", math.inf)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating) or not math.isfinite(v):
                raise TermsError(f"provider terms {self.provider}: field {clip(name)}: {clip(v)} is not a number")
            if not 0 <= v <= hi:
                raise TermsError(
                    f"provider terms {self.provider}: field {clip(name)}: {clip(v)} is not between 0 and {hi:g}"
                )
        if not isinstance(self.note, str):
            raise TermsError(f"provider terms {self.provider}: field 'note': {clip(self.note)} is not text")

    @property
    def factor(self) -> float:
        """What a list-price dollar costs under these terms."""
        return 1.0 - float(self.discount)


def terms_from_data(data: Any, *, field: str = "provider_terms") -> tuple[ProviderTerms, ...]:
    """Terms from a scenario file's mapping ``{provider: {discount, committed_usd_per_month, note}}``
    (or an iterable of :class:`ProviderTerms`), sorted by provider."""
    if data is None:
        return ()
    if isinstance(data, Mapping):
        out = []
        for prov, spec in data.items():
            if isinstance(spec, ProviderTerms):
                out.append(spec)
                continue
            if not isinstance(spec, Mapping):
                raise TermsError(f"field {clip(field)}: {prov}: {clip(spec)} is not a mapping of discount, "
                                 "committed_usd_per_month, note")
            allowed = {"discount", "committed_usd_per_month", "note"}
            unknown = sorted(set(map(str, spec)) - allowed)
            if unknown:
                raise TermsError(f"field {clip(field)}: {prov}: unknown field(s) {', '.join(unknown)}; "
                                 f"expected {', '.join(sorted(allowed))}")
            try:
                out.append(ProviderTerms(str(prov), **dict(spec)))
            except TermsError as exc:
                raise TermsError(f"field {clip(field)}: {exc}") from None
    elif isinstance(data, Iterable) and not isinstance(data, str | bytes):
        out = list(data)
        for t in out:
            if not isinstance(t, ProviderTerms):
                raise TermsError(f"field {clip(field)}: {clip(t)} is not provider terms")
    else:
        raise TermsError(f"field {clip(field)}: {clip(data)} is not a mapping of provider -> terms")
    provs = [t.provider for t in out]
    dup = sorted({p for p in provs if provs.count(p) > 1})
    if dup:
        raise TermsError(f"field {clip(field)}: provider {clip(dup[0])} given twice")
    return tuple(sorted(out, key=lambda t: t.provider))


def terms_to_data(terms: Iterable[ProviderTerms]) -> dict[str, dict[str, Any]]:
    """Plain data for a scenario file (the inverse of :func:`terms_from_data`)."""
    out: dict[str, dict[str, Any]] = {}
    for t in terms:
        spec: dict[str, Any] = {"discount": t.discount, "committed_usd_per_month": t.committed_usd_per_month}
        if t.note:
            spec["note"] = t.note
        out[t.provider] = spec
    return out


_USD_COLUMNS = ("input_usd", "cached_input_usd", "output_usd", "reasoning_usd", "other_usd", "image_usd")


def apply_terms(costs: pd.DataFrame, terms: Iterable[ProviderTerms]) -> pd.DataFrame:
    """A costs frame (:func:`explorer.scenarios.scenario_costs` columns) with the terms applied.

    Every ``*_usd`` column of a provider with a discount is scaled by ``1 - discount``; where a
    commitment exceeds the discounted month, ``monthly_usd`` becomes the commitment and the shortfall
    goes to ``other_usd`` (the components still sum to ``monthly_usd``). ``cost_per_request_usd`` stays
    the marginal (discounted) cost of a request. Rows are re-sorted cheapest first; ``note`` says which
    terms applied.
    """
    by_provider = {t.provider: t for t in terms}
    if not by_provider:
        return costs
    out = costs.copy()
    provider = out["provider"].astype(str).to_numpy()
    factor = np.array([by_provider[p].factor if p in by_provider else 1.0 for p in provider])
    commit = np.array([by_provider[p].committed_usd_per_month if p in by_provider else 0.0 for p in provider])
    for col in ("cost_per_request_usd", "monthly_usd", *_USD_COLUMNS):
        if col in out.columns:
            out[col] = out[col].to_numpy(dtype=float) * factor
    monthly = out["monthly_usd"].to_numpy(dtype=float)
    short = np.where(np.isfinite(monthly), np.maximum(commit - monthly, 0.0), 0.0)
    out["monthly_usd"] = monthly + short
    if "other_usd" in out.columns:
        out["other_usd"] = out["other_usd"].to_numpy(dtype=float) + short
    notes = out["note"].astype(str).tolist() if "note" in out.columns else [""] * len(out)
    for i, p in enumerate(provider):
        t = by_provider.get(p)
        if t is None:
            continue
        bits = []
        if t.discount:
            bits.append(f"{t.discount:.0%} {p} discount")
        if short[i] > 0:
            bits.append(f"{p} commitment of ${t.committed_usd_per_month:,.0f}/month")
        if t.note and bits:
            bits[-1] += f" ({t.note})"
        notes[i] = "; ".join(x for x in [notes[i], *bits] if x)
    out["note"] = notes
    out = out.sort_values(["monthly_usd", "provider", "model"], kind="stable", na_position="last")
    return out.reset_index(drop=True)
