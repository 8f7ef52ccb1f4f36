"""Monthly cost as a range: p10 / p50 / p90 per model from token-count distributions, by simulation.

What the figures mean (the choice, stated once and tested):

- ``p10_usd`` / ``p50_usd`` / ``p90_usd`` are quantiles of the **monthly total**: the sum of the costs of
  the scenario's ``requests_per_month`` requests, each request drawn independently from the
  distributions. A month of many requests averages out, so with only per-request variation this band
  is narrow (it shrinks like 1 / sqrt(N)); what widens it is uncertainty shared by the whole month, such
  as a reasoning-effort multiplier the user is unsure of (drawn once per simulated month).
- ``request_p10_usd`` / ``request_p50_usd`` / ``request_p90_usd`` are quantiles of the cost of **one
  request**: how much single requests differ. They are not multiplied by the volume.

How (:func:`cost_ranges`):

1. ``draws`` requests are simulated from standard normal scores shared by every model (common random
   numbers, :mod:`explorer.distributions`), and each is priced exactly as the engine prices a request of
   that shape (:func:`explorer.results.costs_from_rates`): the long-context slot is chosen from that
   request's own input tokens, so a tail past a threshold pays the tier price on those requests only;
   the service-tier mix is averaged as the point engine does. These give the ``request_`` columns.
2. Monthly totals, up to :data:`DIRECT_MAX_REQUESTS` requests a month: direct simulation, each simulated
   month the sum of that many freshly drawn requests (exact in law; at most
   :data:`DIRECT_BUDGET_REQUESTS` requests in all, so fewer months at the top of that range).
3. Above: the total of N independent requests from its first three moments (a shifted log-normal with the
   mean, variance and skewness of the sum; the normal law when the skewness is 0), the moments of one
   request estimated from the simulated requests with the token distributions' exact moments as control
   variates (exact for a workload that never crosses a tier threshold). Scores correlated across models
   as their costs are drive the draws behind the odds between models.
4. ``mc_error_usd``: half-width of a 95% confidence interval for the worst of the three monthly
   quantiles from sampling (the order-statistic interval of simulated months, and the standard errors of
   the estimated mean and spread). ``approx_error_usd`` (step 3 only): the gap between the skew-matched
   and the plain normal quantiles. With heavy-tailed requests the truth was within that gap (plus the
   sampling error) in every case measured (``tests/test_ranges.py`` against a large direct simulation, and
   ``benchmarks/bench_ranges.py``: at 3,000 requests a month of a workload whose reasoning tokens have
   p90 = 10 x p50, p10 / p90 were within 1% while the gap was 1.8% of p50).

Reasoning effort (:class:`EffortSetting`): per model (or every model) and effort level, either a
multiplier of the scenario's reasoning tokens (a number, or a distribution drawn once per simulated
month: an uncertain level) or a reasoning-token distribution of its own (drawn per request). No default
multipliers ship (:data:`EFFORT_DEFAULTS` is empty): no published, per-model figure was found to source
them, so the user sets them and states the source, which is shown with the results.

Nothing here imports ipywidgets.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from explorer import distributions as _d
from explorer import results as _r
from explorer import scenarios as _sc
from explorer.limits import clip

__all__ = [
    "DEFAULT_DRAWS",
    "DIRECT_MAX_REQUESTS",
    "EFFORT_DEFAULTS",
    "RANGE_COLUMNS",
    "CostRanges",
    "EffortSetting",
    "cost_ranges",
    "curve_bands",
    "prob_cheaper",
    "projection_bands",
    "scenario_distributions",
]

DEFAULT_DRAWS = 10_000
"""Simulated requests (and months) per call: ~1% Monte-Carlo error on the quantiles, ~10 ms for 10 models."""
DIRECT_MAX_REQUESTS = 1_000
"""Up to this many requests a month, monthly totals are summed request by request (exact in law)."""
DIRECT_BUDGET_REQUESTS = 1_000_000
"""Most requests a direct simulation prices: months = min(draws, max(1,000, this / requests a month))."""
_DIRECT_CHUNK_REQUESTS = 200_000
"""Requests drawn at once in the direct simulation (bounds memory)."""
QUANTILES = (0.1, 0.5, 0.9)
_Z95 = 1.959963984540054
_Z90 = 1.2815515655446004

RANGE_COLUMNS = (
    "rank", "label", "provider", "model", "p10_usd", "p50_usd", "p90_usd", "mean_usd", "mc_error_usd",
    "approx_error_usd",
    "request_p10_usd", "request_p50_usd", "request_p90_usd", "request_mean_usd", "point_monthly_usd",
    "share_long_context", "share_over_context", "effort", "effort_source", "is_override", "note",
)
"""Columns of :attr:`CostRanges.table`."""


@dataclasses.dataclass(frozen=True)
class EffortSetting:
    """Reasoning tokens of one model (or all) at one effort level, with where the figure comes from."""

    model: str
    """Model label or id as in the results, or ``*`` for every model without a setting of its own."""
    effort: str
    """Effort level name (``low``, ``medium``, ``high``, ``xhigh``, ...)."""
    multiplier: _d.Distribution | float | None = None
    """Factor on the scenario's reasoning tokens: a number, or a distribution drawn once per simulated
    month (the user is unsure of the level; every request of that month shares it)."""
    reasoning_tokens: _d.Distribution | None = None
    """Reasoning tokens per request for this model, replacing the scenario's (drawn per request)."""
    source: str = ""
    """Where the figure comes from (a measurement, a vendor page, "my estimate"); shown with the results."""

    def __post_init__(self) -> None:
        where = f"effort setting {self.model}/{self.effort}"
        for name in ("model", "effort", "source"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{where}: field {clip(name)}: {clip(value)} must be a non-empty text")
        if (self.multiplier is None) == (self.reasoning_tokens is None):
            raise ValueError(f"{where}: field 'multiplier': give either a multiplier or reasoning_tokens")
        if self.multiplier is not None and not isinstance(self.multiplier, _d.Distribution):
            try:
                object.__setattr__(self, "multiplier", _d.from_dict(self.multiplier, field="multiplier"))
            except _d.DistributionError as exc:
                raise ValueError(f"{where}: {exc}") from None
        if self.reasoning_tokens is not None and not isinstance(self.reasoning_tokens, _d.Distribution):
            try:
                dist = _d.from_dict(self.reasoning_tokens, field="reasoning_tokens")
                object.__setattr__(self, "reasoning_tokens", dist)
            except _d.DistributionError as exc:
                raise ValueError(f"{where}: {exc}") from None


EFFORT_DEFAULTS: tuple[EffortSetting, ...] = ()
"""Shipped effort settings: none. No source gives per-model, per-level reasoning-token multipliers
(vendors document the levels qualitatively), so without a setting a model's reasoning tokens are the
scenario's own, and any level must be set by the user with its source."""


@dataclasses.dataclass(frozen=True)
class CostRanges:
    """Ranges of one scenario on some models: the table, and the draws behind it for bands and odds."""

    table: pd.DataFrame
    """One row per model (:data:`RANGE_COLUMNS`), ranked by ``p50_usd`` (unusable models last, rank NA)."""
    labels: tuple[str, ...]
    """Labels of the usable models, in the row order of the arrays below."""
    monthly_usd: np.ndarray = dataclasses.field(repr=False)
    """(models, months) simulated monthly totals, terms applied."""
    request_usd: np.ndarray = dataclasses.field(repr=False)
    """(models, draws) simulated single-request costs, discounts applied."""
    mean_usd_per_request: np.ndarray = dataclasses.field(repr=False)
    """(models, months) expected cost of a request in each simulated month (it depends on that month's
    effort multiplier when the multiplier is uncertain)."""
    sd_usd_per_request: np.ndarray = dataclasses.field(repr=False)
    """(models, months or 1) standard deviation of one request's cost in each simulated month."""
    skewness_per_request: np.ndarray = dataclasses.field(repr=False)
    """(models, months or 1) skewness of one request's cost. The monthly total at volume v is
    ``v * mean + shifted log-normal(score; sqrt(v) * sd, skewness / sqrt(v))``."""
    scores: np.ndarray = dataclasses.field(repr=False)
    """(models, months) standard normal scores of the simulated months, correlated across models as
    their costs are (the same requests priced on each)."""
    committed_usd: np.ndarray = dataclasses.field(repr=False)
    """(models,) monthly commitment of each model's provider (0 without)."""
    requests_per_month: float
    """Volume the monthly figures are for."""
    n_draws: int
    """Simulated requests and months."""
    closed_form: bool
    """True when the monthly quantiles follow from the moments without month draws (no uncertain effort
    multiplier, normal approximation): bands along volume are then exact for that law."""
    method: str
    """``"direct"`` (monthly totals summed request by request) or ``"normal"`` (from the sum's mean, spread
    and skewness)."""
    statement: str
    """What p10 / p90 mean here and how they were computed, in one paragraph."""
    seed: int
    """Random seed: the same inputs and seed give the same figures."""


def scenario_distributions(scenario: _sc.Scenario) -> tuple[_d.Distribution, _d.Distribution, _d.Distribution]:
    """(input, visible output, reasoning) distributions of a scenario: its own, or points from its figures."""
    visible = scenario.output_tokens_per_request - scenario.reasoning_tokens_per_request
    return (
        scenario.input_tokens_distribution or _d.Point(scenario.input_tokens_per_request),
        scenario.visible_output_tokens_distribution or _d.Point(visible),
        scenario.reasoning_tokens_distribution or _d.Point(scenario.reasoning_tokens_per_request),
    )


def _efforts(
    rates: _r.RateTable, effort: str | None, settings: Sequence[EffortSetting]
) -> list[EffortSetting | None]:
    """The setting that applies to each model at ``effort`` (a model's own wins over ``*``)."""
    if effort is None:
        return [None] * len(rates)
    known = {s.effort for s in settings}
    if effort not in known:
        raise ValueError(
            f"effort: no setting for level {clip(effort)} (set one with its source; levels set: "
            f"{', '.join(sorted(known)) or 'none'})"
        )
    out: list[EffortSetting | None] = []
    for label, (_, model) in zip(rates.labels, rates.keys, strict=True):
        own = [s for s in settings if s.effort == effort and s.model in (label, model)]
        anyone = [s for s in settings if s.effort == effort and s.model == "*"]
        chosen = own or anyone
        out.append(chosen[0] if chosen else None)
    return out


class _Pricer:
    """Per-request cost of simulated requests on every model, as the engine prices each one.

    Within one long-context slot a request's cost is linear in its token counts, so each slot is one
    small matrix product (models x 3 rates) @ (3 x requests); a request takes the product of the slot
    its own input tokens select.
    """

    def __init__(self, rates: _r.RateTable, scenario: _sc.Scenario, image: np.ndarray) -> None:
        n = len(rates)
        rows = np.arange(n)
        self.n = n
        self.cached_share = scenario.cached_input_share
        self.image = image
        # Blend the service tiers into one rate set per slot boundary, as the point engine averages them.
        shares = scenario.tier_shares() or {"standard": 1.0}
        cols = [(share, np.where(rates.offered[:, _r.SERVICE_TIERS.index(t)], _r.SERVICE_TIERS.index(t), 0))
                for t, share in shares.items()]
        thr = np.concatenate([rates.thresholds_tokens[rows, c] for _, c in cols], axis=1)  # (n, tiers*S)
        levels = np.unique(thr[np.isfinite(thr)])  # every input count where some model changes slot
        self.levels = levels[levels >= 0]
        # Rates for input counts just above each level, blended over tiers: (L + 1, n, 4).
        probes = np.concatenate([[0.0], self.levels + 0.5]) if len(self.levels) else np.array([0.0])
        blended = np.zeros((len(probes), n, len(_r.RATE_PARTS)))
        for share, c in cols:
            t = rates.thresholds_tokens[rows, c]  # (n, S)
            slot = np.maximum((t[None, :, :] < probes[:, None, None]).sum(axis=2) - 1, 0)  # (L+1, n)
            blended += share * rates.usd_per_mtok[rows[None, :], c[None, :], slot]
        self.first_slot_threshold = np.array([
            min((v for v in rates.thresholds_tokens[i, 0] if np.isfinite(v) and v > 0), default=np.inf)
            for i in range(n)
        ])
        self.blended = np.nan_to_num(blended / sum(s for s, _ in cols), nan=0.0) / 1e6

    def __call__(self, inp: np.ndarray, vis: np.ndarray, reas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(non-reasoning cost, reasoning cost), each (models, k), for k requests.

        ``inp`` and ``vis`` are (k,); ``reas`` is (k,) or (models, k). Missing rates count as 0 here:
        the caller masks models that cannot price the workload.
        """
        cached = np.round(self.cached_share * inp)  # half to even, as Python's round in the point engine
        tokens = np.stack([inp - cached, cached, vis])  # (3, k)
        band = np.searchsorted(self.levels, inp, side="left")  # requests above level j use rates j + 1
        x = _mm(self.blended[0, :, :3], tokens)
        reas = np.asarray(reas, dtype=float)
        y = self.blended[0, :, 3:4] * reas
        for j in range(1, len(self.blended)):
            above = band >= j
            if not above.any():
                break
            x = np.where(above, _mm(self.blended[j, :, :3], tokens), x)
            y = np.where(above, self.blended[j, :, 3:4] * reas, y)
        x = x + self.image[:, None]
        return x, y

    def month_sums(self, inp: np.ndarray, vis: np.ndarray, reas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(non-reasoning cost, reasoning cost) of whole months, each (models, months), from (months, N)
        requests: the token counts are summed per month and long-context band first (the cost is linear
        within a band), so the work is one pass over the requests whatever the number of models.
        ``reas`` is (months, N) or (models, months, N)."""
        months, per = inp.shape
        bands = len(self.blended)
        band = np.searchsorted(self.levels, inp, side="left") if bands > 1 else np.zeros(inp.shape, int)
        idx = (np.arange(months)[:, None] * bands + band).ravel()
        cached = np.round(self.cached_share * inp)

        def sums(values: np.ndarray) -> np.ndarray:
            return np.bincount(idx, weights=values.ravel(), minlength=months * bands).reshape(months, bands)

        tok = np.stack([sums(inp - cached), sums(cached), sums(vis)], axis=-1)  # (months, bands, 3)
        x = np.einsum("bnq,mbq->nm", self.blended[:, :, :3], tok) + per * self.image[:, None]
        rate = self.blended[:, :, 3]  # (bands, n)
        if reas.ndim == 2:
            y = np.einsum("bn,mb->nm", rate, sums(reas))
        else:
            y = np.stack([np.einsum("b,mb->m", rate[:, i], sums(reas[i])) for i in range(len(reas))])
        return x, y

    def long_context(self, inp: np.ndarray) -> np.ndarray:
        """(models, k) True where a request's input crosses the model's first long-context threshold."""
        return inp[None, :] > self.first_slot_threshold[:, None]


def _skewed(z: np.ndarray, sd: np.ndarray | float, skew: np.ndarray | float) -> np.ndarray:
    """Mean-0 values with standard deviation ``sd`` and skewness ``skew``, increasing in the standard
    normal score ``z``: a shifted log-normal (three moments matched), the normal law when skew is 0.

    A sum of N requests keeps 1 / sqrt(N) of one request's skewness, which the normal approximation
    leaves out. With heavy tails the skewness is set by rare huge requests and overstates the lopsidedness
    of the months' p10-p90 body: the true quantiles then lie between this and the normal law (measured in
    ``benchmarks/bench_ranges.py``), and the gap between the two is reported as ``approx_error_usd``.
    """
    skew = np.asarray(skew, dtype=float)
    g = np.minimum(np.abs(skew), 1e6)  # beyond this the shape no longer changes at float precision
    r = np.sqrt(g * g / 4 + 1)
    u = np.cbrt(g / 2 + r) + np.cbrt(g / 2 - r)  # solves u^3 + 3u = g, where u^2 = exp(s^2) - 1
    skewed = g > 1e-6
    u = np.where(skewed, u, 1.0)
    s_ln = np.sqrt(np.log1p(u * u))
    w_sqrt = np.sqrt(1 + u * u)
    sign = np.where(skew < 0, -1.0, 1.0)
    offset = u * u / (w_sqrt + 1)  # sqrt(w) - 1, kept exact as u -> 0
    scale = np.asarray(sd, dtype=float) / (u * w_sqrt)
    # scale * (exp(s z) - sqrt(w)) = scale * (expm1(s z) - (sqrt(w) - 1)): mean 0, sd ``sd``.
    shifted = sign * scale * (np.expm1(s_ln * sign * np.asarray(z, dtype=float)) - offset)
    return np.where(skewed, shifted, np.asarray(sd, dtype=float) * z)


def _mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Matrix product without BLAS: these products are small, and on a busy 2-core machine BLAS threads
    waiting on each other made one call several times slower than numpy's own loop."""
    return np.einsum("ij,jk->ik", a, b)


def _tokens(dist: _d.Distribution, z: np.ndarray) -> np.ndarray:
    return np.maximum(np.rint(dist.draw(z)), 0.0)


def _quantiles(sorted_draws: np.ndarray) -> np.ndarray:
    """(models, 3) p10 / p50 / p90 of sorted draws (inverted CDF: the smallest draw whose share of
    draws at or below it reaches p, as ``np.quantile(method="inverted_cdf")``)."""
    k = sorted_draws.shape[-1]
    idx = [max(0, math.ceil(k * p - 1e-9) - 1) for p in QUANTILES]
    return sorted_draws[:, idx]


def _order_stat_halfwidth(sorted_draws: np.ndarray) -> np.ndarray:
    """(models, 3) half-width of the distribution-free 95% interval of each quantile."""
    k = sorted_draws.shape[-1]
    out = []
    for p in QUANTILES:
        spread = _Z95 * math.sqrt(k * p * (1 - p))
        lo = int(max(0, math.floor(k * p - spread)))
        hi = int(min(k - 1, math.ceil(k * p + spread)))
        out.append((sorted_draws[:, hi] - sorted_draws[:, lo]) / 2)
    return np.column_stack(out)


def cost_ranges(
    rates: _r.RateTable,
    scenario: _sc.Scenario,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    effort: str | None = None,
    efforts: Sequence[EffortSetting] = EFFORT_DEFAULTS,
    image_usd_per_request: np.ndarray | None = None,
    image_notes: Sequence[str] | None = None,
    costs: pd.DataFrame | None = None,
) -> CostRanges:
    """Monthly cost p10 / p50 / p90 of ``scenario`` on each model of ``rates`` (see the module notes).

    ``effort`` picks the reasoning-effort level among ``efforts``; a model without a setting keeps the
    scenario's reasoning tokens. The scenario's ``provider_terms`` apply (discounts to every cost, a
    commitment as a floor on the monthly total). With point distributions (a scenario without any),
    p10 = p50 = p90 = the point engine's monthly cost. ``costs``: the scenario's
    :func:`explorer.results.costs_from_rates` on ``rates`` if the caller has it (its notes and point
    figures are reused).
    """
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 100:
        raise ValueError(f"draws: {clip(draws)} must be a whole number >= 100")
    n = len(rates)
    if n == 0:
        empty = np.zeros((0, draws))
        return CostRanges(
            table=pd.DataFrame(columns=list(RANGE_COLUMNS)), labels=(), monthly_usd=empty, request_usd=empty,
            mean_usd_per_request=empty, sd_usd_per_request=empty, skewness_per_request=empty, scores=empty,
            committed_usd=np.zeros(0), requests_per_month=float(scenario.requests_per_month), n_draws=draws,
            closed_form=True, method="normal", statement="No models to price.", seed=seed,
        )
    rng = np.random.default_rng(seed)
    image = np.zeros(n) if image_usd_per_request is None else np.nan_to_num(
        np.asarray(image_usd_per_request, dtype=float), nan=0.0)
    if costs is None:
        costs = _r.costs_from_rates(rates, scenario, image_usd_per_request=image_usd_per_request,
                                    image_notes=image_notes)
    pos = {lbl: i for i, lbl in enumerate(costs["label"])}
    at = np.array([pos[lbl] for lbl in rates.labels], dtype=int)
    point_monthly = costs["monthly_usd"].to_numpy(dtype=float)[at]
    point_usable = costs["cost_per_request_usd"].notna().to_numpy()[at]
    point_override = costs["is_override"].to_numpy(dtype=bool)[at]
    point_note = [str(v) for v in costs["note"].to_numpy(dtype=object)[at]]
    din, dvis, dreas = scenario_distributions(scenario)
    settings = _efforts(rates, effort, efforts)
    own_reasoning = [s.reasoning_tokens if s is not None and s.reasoning_tokens is not None else None
                     for s in settings]
    multipliers: list[_d.Distribution] = [
        s.multiplier if s is not None and isinstance(s.multiplier, _d.Distribution) else _d.Point(1.0)
        for s in settings
    ]
    pricer = _Pricer(rates, scenario, image)
    volume = float(scenario.requests_per_month)

    def draw_requests(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        zi, zv, zr = (rng.standard_normal(shape).ravel() for _ in range(3))
        inp, vis = _tokens(din, zi), _tokens(dvis, zv)
        base = _tokens(dreas, zr)
        if any(d is not None for d in own_reasoning):
            reas = np.stack([base if d is None else _tokens(d, zr) for d in own_reasoning])
        else:
            reas = base
        return inp, vis, reas, base

    # ---- single requests
    k = draws
    inp, vis, reas, base_reas = draw_requests((k,))
    x, y = pricer(inp, vis, reas)
    long = pricer.long_context(inp)
    zm = rng.standard_normal(k)  # one effort-level score per simulated month, shared by every model
    m = np.stack([d.draw(zm) for d in multipliers])  # (n, k)
    factor = np.ones(n)
    commit = np.zeros(n)
    terms = {t.provider: t for t in scenario.provider_terms}
    for i, (prov, _) in enumerate(rates.keys):
        if prov in terms:
            factor[i] = terms[prov].factor
            commit[i] = terms[prov].committed_usd_per_month
    x *= factor[:, None]
    y *= factor[:, None]
    request = x + m * y
    reas_n = np.broadcast_to(reas, (n, k))
    window = rates.context_window_tokens
    over = (inp[None, :] + vis[None, :] + m * reas_n) > np.where(np.isnan(window), np.inf, window)[:, None]

    # ---- mean and covariance of one request's cost, with control variates
    # The cost is linear in the token counts within a long-context slot, and the counts' true means and
    # variances are known from their distributions: regressing the simulated costs on the simulated
    # counts and putting the true moments back removes most of the sampling error of both (exactly all
    # of it for a workload that never crosses a tier threshold).
    t_draws = np.stack([inp, vis, base_reas])  # (3, k)
    t_mean = np.array([din.mean(), dvis.mean(), dreas.mean()])
    t_var = np.array([din.variance(), dvis.variance(), dreas.variance()])
    t_k3 = np.array([din.third_central_moment(), dvis.third_central_moment(), dreas.third_central_moment()])
    m_mean = np.array([d.mean() for d in multipliers])
    # With a fixed effort multiplier per model a request's cost is one number per model; an uncertain
    # multiplier (drawn per month) needs the non-reasoning and reasoning parts apart.
    uncertain = any(not d.is_point for d in multipliers)
    w = np.vstack([x, y]) if uncertain else x + m_mean[:, None] * y  # (2n or n, k)
    tc = t_draws - t_draws.mean(axis=1, keepdims=True)
    w_mean = w.mean(axis=1)
    wc = w - w_mean[:, None]
    beta = np.linalg.lstsq(_mm(tc, tc.T), _mm(tc, wc.T), rcond=None)[0]  # (3, 2n or n)
    lin = _mm(beta.T, tc)
    resid = wc - lin
    w_mean = w_mean - np.einsum("qw,q->w", beta, t_draws.mean(axis=1) - t_mean)
    cov = _mm(beta.T * t_var, beta) + _mm(resid, resid.T) / max(k - 1, 1)
    # Third moment the same way: the linear part's from the distributions (the counts are independent),
    # the rest (tier jumps, rounding) from the simulated requests.
    if uncertain:
        mean_x, mean_y = w_mean[:n], w_mean[n:]
        r_month = resid[:n] + m_mean[:, None] * resid[n:]
        bx, by = beta[:, :n], beta[:, n:]
        xc, yc, lx, ly = wc[:n], wc[n:], lin[:n], lin[n:]
        coef = [  # E[(x + m y)^3] = c0 + 3 m c1 + 3 m^2 c2 + m^3 c3, per model
            t_k3 @ bx**3 + (xc * xc * xc).mean(1) - (lx * lx * lx).mean(1),
            t_k3 @ (bx**2 * by) + (xc * xc * yc).mean(1) - (lx * lx * ly).mean(1),
            t_k3 @ (bx * by**2) + (xc * yc * yc).mean(1) - (lx * ly * ly).mean(1),
            t_k3 @ by**3 + (yc * yc * yc).mean(1) - (ly * ly * ly).mean(1),
        ]
        var_m = np.diag(cov)[:n, None] + 2 * m * np.diag(cov[:n, n:])[:, None] + m**2 * np.diag(cov)[n:, None]
        k3_m = (coef[0][:, None] + 3 * m * coef[1][:, None] + 3 * m**2 * coef[2][:, None]
                + m**3 * coef[3][:, None])
        total_var = var_m.mean(axis=1)
    else:
        mean_x, mean_y = w_mean, np.zeros(n)
        r_month = resid
        var_m = np.diag(cov).copy()[:, None]
        k3_m = (t_k3 @ beta**3 + (wc * wc * wc).mean(1) - (lin * lin * lin).mean(1))[:, None]
        total_var = var_m[:, 0]
    sd_m = np.sqrt(np.clip(var_m, 0, None))  # (n, k or 1): a request's standard deviation in each month
    with np.errstate(invalid="ignore", divide="ignore"):
        skew_m = np.where(sd_m > 0, k3_m / np.where(sd_m > 0, sd_m, 1) ** 3, 0.0)
    se_mean = r_month.std(axis=1) / math.sqrt(k)  # standard error of the expected cost per request
    # The residual variance is still estimated: its error moves p10 and p90 by about
    # z * sqrt(N) * d(sd), with d(var) ~ var * sqrt((kurtosis - 1) / k).
    r2 = r_month * r_month
    r_var = r2.mean(axis=1)
    total_sd = np.sqrt(np.clip(total_var, 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        kurt = np.where(r_var > 0, (r2 * r2).mean(axis=1) / r_var**2, 1.0)
        sd_err = np.where(total_sd > 0, r_var * np.sqrt(np.maximum(kurt - 1, 0) / k) / (2 * total_sd), 0.0)

    # ---- monthly totals
    vals, vecs = np.linalg.eigh(cov) if len(cov) else (np.zeros(0), np.zeros((0, 0)))
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    xi = _mm(root, rng.standard_normal((len(cov), k)))
    if uncertain:
        a = mean_x[:, None] + m * mean_y[:, None]  # expected cost per request in each simulated month
        noise = xi[:n] + m * xi[n:]
    else:
        a = np.broadcast_to(mean_x[:, None], (n, k))
        noise = xi
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where(sd_m > 0, noise / np.where(sd_m > 0, sd_m, 1), 0.0)  # standard normal, correlated
    whole = float(volume).is_integer()
    closed_form = False
    if whole and 0 < volume <= DIRECT_MAX_REQUESTS:
        method = "direct"
        per = int(volume)
        months = min(k, max(1_000, DIRECT_BUDGET_REQUESTS // per))
        monthly = np.zeros((n, months))
        chunk = max(1, _DIRECT_CHUNK_REQUESTS // per)
        for start in range(0, months, chunk):
            stop = min(months, start + chunk)
            ci, cvv, cr, _ = draw_requests((stop - start, per))
            shape = (stop - start, per)
            cr = cr.reshape((n, *shape) if cr.ndim == 2 else shape)
            cx, cy = pricer.month_sums(ci.reshape(shape), cvv.reshape(shape), cr)
            monthly[:, start:stop] = factor[:, None] * (cx + m[:, start:stop] * cy)
        mean_err = np.zeros(n)
        spread_err = np.zeros(n)
        approx_err = np.zeros(n)
    else:
        method = "normal"
        root_n = math.sqrt(max(volume, 0.0))
        skew_n = skew_m / root_n if root_n > 0 else np.zeros_like(skew_m)
        monthly = volume * a + _skewed(scores, root_n * sd_m, skew_n)
        mean_err = volume * se_mean
        spread_err = _Z90 * root_n * sd_err
        closed_form = not uncertain
    monthly = np.maximum(monthly, commit[:, None])
    monthly_sorted = np.sort(monthly, axis=-1)
    if method == "normal":
        # Without an uncertain multiplier the law of the total is known given the moments: its quantiles
        # need no draws (the draws serve the odds between models). The gap to the plain normal law bounds
        # what the skewness correction may get wrong.
        zq = np.array([-_Z90, 0.0, _Z90])[None, :]
        normal = (np.maximum(volume * mean_x[:, None] + root_n * sd_m * zq, commit[:, None]) if closed_form
                  else _quantiles(np.sort(np.maximum(volume * a + root_n * sd_m * scores, commit[:, None]), axis=-1)))
        if closed_form:
            q_month = np.maximum(volume * mean_x[:, None] + _skewed(zq, root_n * sd_m, skew_n), commit[:, None])
            q_month = np.where(volume > 0, q_month, commit[:, None])
            half = np.zeros((n, 3))
        else:
            q_month = _quantiles(monthly_sorted)
            half = _order_stat_halfwidth(monthly_sorted)
        approx_err = np.abs(q_month - normal).max(axis=1)
    else:
        q_month = _quantiles(monthly_sorted)
        half = _order_stat_halfwidth(monthly_sorted)
    q_request = _quantiles(np.sort(request, axis=-1))
    mc_error = np.sqrt(half.max(axis=1) ** 2 + (_Z95 * mean_err) ** 2 + (_Z95 * spread_err) ** 2)

    # ---- the table
    # A model without an output price cannot price a workload whose draws have output, even when the
    # scenario's point figure has none.
    has_output = bool(vis.max(initial=0) > 0 or np.max(reas_n, initial=0) > 0)
    no_output = has_output & ~rates.has_output_price & point_usable
    usable = point_usable & ~no_output
    for i in map(int, np.flatnonzero(no_output)):
        point_note[i] = "; ".join(x_ for x_ in [point_note[i], "no output price (not a text-generation model)"] if x_)
    nan = np.where(usable, 1.0, np.nan)
    share_long = long.mean(axis=1) if k else np.zeros(n)
    share_over = over.mean(axis=1)
    notes = list(point_note)
    for i in map(int, np.flatnonzero(usable)):
        extra = []
        if share_over[i] > 0:
            extra.append(f"{share_over[i]:.1%} of requests exceed the context window")
        if share_long[i] > 0:
            extra.append(f"{share_long[i]:.1%} of requests pay the long-context price")
        if commit[i] > 0 and (monthly[i] <= commit[i]).any():
            extra.append(f"commitment of ${commit[i]:,.0f}/month is the floor")
        notes[i] = "; ".join(x_ for x_ in [notes[i], *extra] if x_)
    labels = np.array(rates.labels, dtype=object)
    order = np.lexsort((labels, np.where(usable, q_month[:, 1], np.inf)))
    n_ok = int(usable.sum())
    cols: dict[str, Any] = {
        "rank": pd.array(list(range(1, n_ok + 1)) + [pd.NA] * (n - n_ok), dtype="Int64"),
        "label": labels,
        "provider": np.array([kk[0] for kk in rates.keys], dtype=object),
        "model": np.array([kk[1] for kk in rates.keys], dtype=object),
        "p10_usd": q_month[:, 0] * nan,
        "p50_usd": q_month[:, 1] * nan,
        "p90_usd": q_month[:, 2] * nan,
        "mean_usd": np.where(commit > 0, monthly.mean(axis=1), volume * (mean_x + m_mean * mean_y)) * nan,
        "mc_error_usd": mc_error * nan,
        "approx_error_usd": approx_err * nan,
        "request_p10_usd": q_request[:, 0] * nan,
        "request_p50_usd": q_request[:, 1] * nan,
        "request_p90_usd": q_request[:, 2] * nan,
        "request_mean_usd": (mean_x + m_mean * mean_y) * nan,
        "point_monthly_usd": point_monthly,
        "share_long_context": share_long * nan,
        "share_over_context": share_over * nan,
        "effort": np.array([effort if s is not None else "" for s in settings], dtype=object),
        "effort_source": np.array([s.source if s is not None else "scenario's reasoning tokens"
                                   for s in settings], dtype=object),
        "is_override": point_override,
        "note": np.array(notes, dtype=object),
    }
    table = pd.DataFrame({c: (v if c == "rank" else v[order]) for c, v in cols.items()}, columns=list(RANGE_COLUMNS))
    keep = order[:n_ok]
    statement = (
        f"p10 / p50 / p90: the monthly total of {volume:,.0f} requests, each drawn from the token "
        "distributions, in 10%, 50% and 90% of simulated months; the request_ columns are the spread of a "
        "single request. "
        + ("Each month summed request by request" if method == "direct" else
           "Monthly totals from the mean, spread and skewness of a sum of independent requests")
        + f" ({k:,} simulated requests and months, seed {seed}); long-context prices applied per request."
    )
    return CostRanges(
        table=table,
        labels=tuple(rates.labels[i] for i in keep),
        monthly_usd=monthly[keep],
        request_usd=request[keep],
        mean_usd_per_request=a[keep],
        sd_usd_per_request=sd_m[keep],
        skewness_per_request=skew_m[keep],
        scores=scores[keep],
        committed_usd=commit[keep],
        requests_per_month=volume,
        n_draws=k,
        closed_form=closed_form,
        method=method,
        statement=statement,
        seed=seed,
    )


def prob_cheaper(ranges: CostRanges, top: int = 4) -> pd.DataFrame:
    """P(model A costs less than model B) for every pair among the ``top`` models by p50.

    ``p_month``: over simulated months (the monthly totals); ``p_request``: over simulated single
    requests (the same request priced on both). Ties count half. A is the lower-p50 model of the pair.
    """
    ranked = ranges.table.dropna(subset=["rank"]).head(top)["label"].tolist()
    idx = {lbl: i for i, lbl in enumerate(ranges.labels)}
    rows = []
    for a_lbl, b_lbl in itertools.combinations(ranked, 2):
        a, b = idx[a_lbl], idx[b_lbl]

        def p(arr: np.ndarray, a: int = a, b: int = b) -> float:
            return float(np.mean(arr[a] < arr[b]) + 0.5 * np.mean(arr[a] == arr[b]))

        rows.append({"model_a": a_lbl, "model_b": b_lbl, "p_month": p(ranges.monthly_usd),
                     "p_request": p(ranges.request_usd)})
    return pd.DataFrame(rows, columns=["model_a", "model_b", "p_month", "p_request"])


BAND_MONTHS = 2_000
"""Simulated months the bands use when they need draws (an uncertain effort multiplier)."""


def _totals(ranges: CostRanges, volumes: np.ndarray, scores: np.ndarray, cols: slice) -> np.ndarray:
    """(models, volumes, draws) monthly totals at each volume for the given normal scores."""
    v = np.asarray(volumes, dtype=float)[None, :, None]
    a = ranges.mean_usd_per_request[:, None, cols]
    sd = ranges.sd_usd_per_request[:, None, cols]
    skew = ranges.skewness_per_request[:, None, cols]
    root = np.sqrt(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = v * a + _skewed(scores, root * sd, np.where(root > 0, skew / np.where(root > 0, root, 1), 0.0))
    return np.maximum(out, ranges.committed_usd[:, None, None])


def _band_at(ranges: CostRanges, volumes: np.ndarray) -> np.ndarray:
    """(models, volumes, 3) p10 / p50 / p90 of the monthly total at each volume (skew-corrected normal
    approximation: closed form, or :data:`BAND_MONTHS` simulated months with an uncertain multiplier)."""
    if ranges.closed_form or not len(ranges.labels):
        zq = np.array([-_Z90, 0.0, _Z90])[None, None, :]
        return _totals(ranges, volumes, zq, slice(0, 1))
    cols = slice(0, min(BAND_MONTHS, ranges.scores.shape[1]))
    totals = _totals(ranges, volumes, ranges.scores[:, None, cols], cols)
    return np.moveaxis(np.quantile(totals, QUANTILES, axis=-1, method="inverted_cdf"), 0, -1)


def curve_bands(ranges: CostRanges, n_points: int = 40) -> pd.DataFrame:
    """Cost-curve bands: p10 / p50 / p90 of the monthly total from a hundredth to a hundred times the
    scenario's volume (log grid), per model. Drawn with the normal approximation at every volume, so at
    a few dozen requests a month they are rougher than :func:`cost_ranges`' direct simulation."""
    centre = max(ranges.requests_per_month, 1.0)
    grid = np.geomspace(centre / 100, centre * 100, max(2, n_points))
    q = _band_at(ranges, grid)
    n = len(ranges.labels)
    return pd.DataFrame(
        {
            "label": np.repeat(ranges.labels, len(grid)),
            "requests_per_month": np.tile(grid, n),
            "p10_usd": q[:, :, 0].ravel(),
            "p50_usd": q[:, :, 1].ravel(),
            "p90_usd": q[:, :, 2].ravel(),
        }
    )


def projection_bands(ranges: CostRanges, scenario: _sc.Scenario, months: int = 12) -> pd.DataFrame:
    """12-month projection bands: monthly and cumulative p10 / p50 / p90 per model, the volume growing by
    the scenario's rate. An uncertain effort level keeps its simulated value for the whole year (it is a
    property of the workload, not of one month), so it widens the cumulative band as much as the months;
    month-to-month noise is treated as perfectly correlated across the year, which overstates the
    cumulative band slightly (that noise is small beside a month's total)."""
    month = np.arange(1, months + 1)
    volume = ranges.requests_per_month * (1 + scenario.monthly_growth_rate) ** (month - 1)
    n = len(ranges.labels)
    if ranges.closed_form or not n:
        zq = np.array([-_Z90, 0.0, _Z90])[None, None, :]
        q = _totals(ranges, volume, zq, slice(0, 1))  # (n, months, 3)
        qc = np.cumsum(q, axis=1)  # quantiles add up under one shared score per path
    else:
        cols = slice(0, min(BAND_MONTHS, ranges.scores.shape[1]))
        totals = _totals(ranges, volume, ranges.scores[:, None, cols], cols)
        q = np.moveaxis(np.quantile(totals, QUANTILES, axis=-1, method="inverted_cdf"), 0, -1)
        qc = np.moveaxis(np.quantile(np.cumsum(totals, axis=1), QUANTILES, axis=-1, method="inverted_cdf"), 0, -1)
    out: dict[str, Any] = {
        "label": np.repeat(ranges.labels, months),
        "month": np.tile(month, n),
        "requests_per_month": np.tile(volume, n),
    }
    for j, name in enumerate(("p10", "p50", "p90")):
        out[f"{name}_usd"] = q[:, :, j].ravel()
    for j, name in enumerate(("p10", "p50", "p90")):
        out[f"cumulative_{name}_usd"] = qc[:, :, j].ravel()
    return pd.DataFrame(out)
