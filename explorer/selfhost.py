"""Self-hosting as an option beside the APIs: GPUs by the hour, a throughput, a utilisation, fixed costs.

The model (stated so it can be checked by hand):

- One *replica* is ``gpus`` GPUs serving the model. At full load it processes ``input_tokens_per_second``
  prompt tokens (prefill) or ``output_tokens_per_second`` generated tokens (decode, summed over the
  requests it batches), so one request occupies it for
  ``input_tokens / input_tokens_per_second + output_tokens / output_tokens_per_second`` seconds.
- Traffic is uneven, so a replica is busy only ``utilisation`` of the time on average: one replica
  serves ``utilisation x seconds in a month / seconds per request`` requests a month.
- ``whole_replicas=True`` (default): replicas run all month, as many as the volume needs (at least
  ``min_replicas``), so cost is a step function of volume. ``False``: GPU-hours are billed as used
  (autoscaled or serverless GPUs), with ``min_replicas`` always on as a floor.
- Plus ``fixed_usd_per_month`` (engineering, storage, monitoring) whatever the volume.

Monthly cost therefore depends on volume in a way per-token prices do not, so the cheapest option can
change along the volume axis: :func:`explorer.crossovers.crossovers_along_volume` takes these options
beside :class:`explorer.crossovers.FixedCostOption`. :func:`self_hosted_costs` gives rows in the shape
of :func:`explorer.scenarios.scenario_costs` for the ranking.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from explorer import scenarios as _sc
from explorer.limits import clip

__all__ = ["HOURS_PER_MONTH", "MAX_STEPS", "SelfHostedOption", "self_hosted_costs", "self_hosted_ranges"]

HOURS_PER_MONTH = 24 * _sc.DAYS_PER_MONTH
"""Hours in an average month (730.5): an always-on GPU is billed this many hours."""
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
MAX_STEPS = 20_000
"""Most replica counts :meth:`SelfHostedOption.volume_pieces` lists over one volume range."""


@dataclasses.dataclass(frozen=True)
class SelfHostedOption:
    """A self-hosted deployment of an open-weight model."""

    name: str
    """Name shown in tables and charts."""
    gpu_usd_per_hour: float
    """Price of one GPU for one hour (cloud list price, or amortised hardware plus power)."""
    gpus: int
    """GPUs per replica (one copy of the model serving requests)."""
    input_tokens_per_second: float
    """Prompt tokens one replica processes per second at full load (prefill throughput)."""
    output_tokens_per_second: float
    """Tokens one replica generates per second at full load, over all requests it batches."""
    utilisation: float = 0.5
    """Average share of a replica's time spent serving at that throughput (0 to 1): headroom for peaks."""
    fixed_usd_per_month: float = 0.0
    """Monthly cost whatever the volume: engineering time, storage, monitoring."""
    min_replicas: int = 1
    """Replicas that run all month even without traffic (0 allowed only with ``whole_replicas=False``)."""
    whole_replicas: bool = True
    """True: whole replicas run all month (cost steps up with volume). False: GPU-hours billed as used."""

    def __post_init__(self) -> None:
        where = f"self-hosted option {clip(self.name)}"
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"self-hosted option: field 'name': {clip(self.name)} is not a non-empty text")
        for f, positive in (("gpu_usd_per_hour", False), ("input_tokens_per_second", True),
                            ("output_tokens_per_second", True), ("utilisation", True),
                            ("fixed_usd_per_month", False)):
            v = getattr(self, f)
            ok = isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
            if not ok or not math.isfinite(v) or v < 0 or (positive and v == 0):
                need = "> 0" if positive else ">= 0"
                raise ValueError(f"{where}, field {clip(f)}: {clip(v)} is not a number {need}")
        if self.utilisation > 1:
            raise ValueError(f"{where}, field 'utilisation': {clip(self.utilisation)} is over 1")
        for f in ("gpus", "min_replicas"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < (1 if f == "gpus" else 0):
                raise ValueError(
                    f"{where}, field {clip(f)}: {clip(v)} is not a whole number >= {1 if f == 'gpus' else 0}"
                )
        if self.whole_replicas and self.min_replicas < 1:
            raise ValueError(f"{where}, field 'min_replicas': 0 needs whole_replicas=False (GPU-hours as used)")

    # ---- per request and per replica

    def seconds_per_request(self, input_tokens: float, output_tokens: float) -> float:
        """Replica-seconds one request occupies at full load."""
        return input_tokens / self.input_tokens_per_second + output_tokens / self.output_tokens_per_second

    @property
    def replica_usd_per_month(self) -> float:
        """One replica running all month."""
        return self.gpu_usd_per_hour * self.gpus * HOURS_PER_MONTH

    def requests_per_replica(self, input_tokens: float, output_tokens: float) -> float:
        """Requests of this shape one replica serves in a month at the stated utilisation."""
        return self.utilisation * SECONDS_PER_MONTH / self.seconds_per_request(input_tokens, output_tokens)

    def _shape(self, scenario: _sc.Scenario) -> tuple[float, float]:
        return float(scenario.input_tokens_per_request), float(scenario.output_tokens_per_request)

    # ---- monthly cost as a function of volume

    def replicas(self, scenario: _sc.Scenario, requests_per_month: float | np.ndarray) -> np.ndarray:
        """Replicas needed for a volume (whole numbers, or fractional replica-months when billed as used)."""
        cap = self.requests_per_replica(*self._shape(scenario))
        need = np.asarray(requests_per_month, dtype=float) / cap
        if self.whole_replicas:
            # A hair of float noise must not buy one more replica at an exact multiple of the capacity.
            need = np.ceil(need - 1e-9)
        return np.maximum(need, self.min_replicas)

    def monthly_usd(self, scenario: _sc.Scenario, requests_per_month: float | np.ndarray | None = None) -> np.ndarray:
        """Monthly cost at a volume (the scenario's own when None)."""
        volume = scenario.requests_per_month if requests_per_month is None else requests_per_month
        return self.replicas(scenario, volume) * self.replica_usd_per_month + self.fixed_usd_per_month

    def volume_pieces(self, scenario: _sc.Scenario, lo: float, hi: float) -> list[tuple[float, float, float, float]]:
        """Monthly cost on [lo, hi] as pieces (start, end, intercept, slope): cost = intercept + slope x volume.

        Whole replicas give one flat piece per replica count; GPU-hours as used give the floor of
        ``min_replicas``, then a line through the origin.
        """
        cap = self.requests_per_replica(*self._shape(scenario))
        replica = self.replica_usd_per_month
        fixed = self.fixed_usd_per_month
        pieces: list[tuple[float, float, float, float]] = []
        floor_end = self.min_replicas * cap
        if not self.whole_replicas:
            if floor_end > lo:
                pieces.append((lo, min(hi, floor_end), fixed + self.min_replicas * replica, 0.0))
            if hi > floor_end:
                pieces.append((max(lo, floor_end), hi, fixed, replica / cap))
            return pieces
        first = max(self.min_replicas, math.ceil(lo / cap - 1e-9))
        last = max(self.min_replicas, math.ceil(hi / cap - 1e-9))
        if last - first > MAX_STEPS:
            raise ValueError(
                f"self-hosted option {clip(self.name)}: {last - first:,} replica counts between {lo:,.0f} and "
                f"{hi:,.0f} "
                f"requests/month (over {MAX_STEPS:,}); narrow the range or set whole_replicas=False"
            )
        for r in range(first, last + 1):
            start = lo if r == first else (r - 1) * cap
            end = hi if r == last else r * cap
            if end > start:
                pieces.append((start, end, fixed + r * replica, 0.0))
        return pieces

    def monthly_usd_for_seconds(self, busy_seconds: float | np.ndarray) -> np.ndarray:
        """Monthly cost when the month's requests occupy ``busy_seconds`` replica-seconds at full load."""
        need = np.asarray(busy_seconds, dtype=float) / (self.utilisation * SECONDS_PER_MONTH)
        if self.whole_replicas:
            need = np.ceil(need - 1e-9)
        return np.maximum(need, self.min_replicas) * self.replica_usd_per_month + self.fixed_usd_per_month

    def describe(self, scenario: _sc.Scenario, requests_per_month: float | None = None) -> str:
        """One line: replicas, GPUs, price and the capacity used at a volume."""
        volume = scenario.requests_per_month if requests_per_month is None else requests_per_month
        reps = float(self.replicas(scenario, volume))
        cap = self.requests_per_replica(*self._shape(scenario))
        count = f"{reps:,.0f}" if self.whole_replicas else f"{reps:,.2f}"
        return (f"{count} replica(s) x {self.gpus} GPU(s) at ${self.gpu_usd_per_hour:,.2f}/h; one replica serves "
                f"{cap:,.0f} requests/month at {self.utilisation:.0%} utilisation")


def self_hosted_costs(options: Sequence[SelfHostedOption], scenario: _sc.Scenario) -> pd.DataFrame:
    """Rows for the ranking, in the columns of :func:`explorer.scenarios.scenario_costs` (provider
    ``self-hosted``): the whole monthly cost under ``other_usd``, ``cost_per_request_usd`` its average
    over the month's requests. Unlike an API row, the cost is not proportional to volume: curves and
    crossovers along volume must use :meth:`SelfHostedOption.monthly_usd`, not cost per request x volume."""
    volume = float(scenario.requests_per_month)
    rows = []
    for o in options:
        monthly = float(o.monthly_usd(scenario))
        rows.append({
            "provider": "self-hosted",
            "model": o.name,
            "label": o.name,
            "cost_per_request_usd": monthly / volume if volume > 0 else math.nan,
            "monthly_usd": monthly,
            "input_usd": 0.0,
            "cached_input_usd": 0.0,
            "output_usd": 0.0,
            "reasoning_usd": 0.0,
            "other_usd": monthly,
            "image_usd": 0.0,
            "fits_context": pd.NA,
            "context_window_tokens": pd.NA,
            "is_override": False,
            "price_source": "self-hosted (user input)",
            "note": o.describe(scenario),
        })
    out = pd.DataFrame(rows, columns=list(_sc.COST_COLUMNS))
    out["fits_context"] = out["fits_context"].astype("boolean")
    out["context_window_tokens"] = out["context_window_tokens"].astype("Int64")
    return out


def self_hosted_ranges(options: Sequence[SelfHostedOption], scenario: _sc.Scenario) -> pd.DataFrame:
    """Monthly cost p10 / p50 / p90 of self-hosted options under the scenario's token distributions, in
    the columns of :data:`explorer.ranges.RANGE_COLUMNS` (rank left empty: concatenate with
    :attr:`explorer.ranges.CostRanges.table` and re-rank by ``p50_usd``).

    A month's busy replica-seconds are a sum of N requests' ``input / input_tps + output / output_tps``,
    linear in the token counts, so their mean, variance and skewness follow exactly from the
    distributions; the total is drawn from the same skew-matched law as the API ranges, and cost, a
    non-decreasing function of the busy seconds, maps its quantiles one to one. Reasoning tokens count as
    output at the scenario's own level (no effort setting applies here).
    """
    from explorer import ranges as _ranges

    din, dvis, dreas = _ranges.scenario_distributions(scenario)
    volume = float(scenario.requests_per_month)
    zq = np.array([-_ranges._Z90, 0.0, _ranges._Z90])
    grid = np.linspace(-6, 6, 241)  # the mean by quadrature over the normal score
    weights = np.exp(-grid**2 / 2)
    weights /= weights.sum()
    rows = []
    for o in options:
        tin, tout = o.input_tokens_per_second, o.output_tokens_per_second
        mean = din.mean() / tin + (dvis.mean() + dreas.mean()) / tout
        var = din.variance() / tin**2 + (dvis.variance() + dreas.variance()) / tout**2
        k3 = (din.third_central_moment() / tin**3
              + (dvis.third_central_moment() + dreas.third_central_moment()) / tout**3)
        sd = math.sqrt(volume * var)
        skew = (k3 / var**1.5) / math.sqrt(volume) if var > 0 and volume > 0 else 0.0
        seconds = volume * mean + _ranges._skewed(np.concatenate([zq, grid]), sd, skew)
        cost = o.monthly_usd_for_seconds(np.maximum(seconds, 0.0))
        rows.append({
            "rank": pd.NA, "label": o.name, "provider": "self-hosted", "model": o.name,
            "p10_usd": cost[0], "p50_usd": cost[1], "p90_usd": cost[2],
            "mean_usd": float(np.dot(weights, cost[3:])), "mc_error_usd": 0.0, "approx_error_usd": 0.0,
            "request_p10_usd": np.nan, "request_p50_usd": np.nan, "request_p90_usd": np.nan,
            "request_mean_usd": float(np.dot(weights, cost[3:])) / volume if volume > 0 else np.nan,
            "point_monthly_usd": float(o.monthly_usd(scenario)),
            "share_long_context": 0.0, "share_over_context": np.nan, "effort": "",
            "effort_source": "scenario's reasoning tokens", "is_override": False,
            "note": o.describe(scenario),
        })
    out = pd.DataFrame(rows, columns=list(_ranges.RANGE_COLUMNS))
    out["rank"] = out["rank"].astype("Int64")
    return out
