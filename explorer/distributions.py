"""Token counts per request as distributions: a point, a log-normal from p50 and p90, an empirical
distribution (observed counts with weights), or a histogram, fitted from a sample if wanted.

Each distribution is a frozen dataclass that turns standard normal scores into values
(:meth:`Distribution.draw`): a log-normal maps a score ``z`` to ``exp(mu + sigma z)``, every other
kind maps it through its quantile function at ``Phi(z)``. Feeding every distribution of one role (say
"reasoning tokens") the same scores gives common random numbers: two models compared on the same
simulated requests, so their difference is not drowned in sampling noise.

Scenario files hold them as plain mappings (:meth:`Distribution.to_dict`, :func:`from_dict`)::

    input_tokens_distribution: {kind: lognormal, p50: 2000, p90: 9000}
    visible_output_tokens_distribution: {kind: empirical, values: [200, 800], weights: [0.7, 0.3]}

Nothing here imports ipywidgets or the rest of the package: scenarios import this module.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from explorer.limits import clip

__all__ = [
    "KINDS",
    "Distribution",
    "DistributionError",
    "Empirical",
    "Histogram",
    "LogNormal",
    "Point",
    "fit",
    "fit_usage",
    "from_dict",
    "normal_cdf",
]

Z90 = statistics.NormalDist().inv_cdf(0.9)
"""The standard normal 90th percentile: a log-normal's sigma is ln(p90 / p50) / Z90."""
MAX_POINTS = 200
"""Most distinct values an empirical distribution keeps before :func:`fit` bins the sample instead."""

_erfc = np.frompyfunc(math.erfc, 1, 1)


class DistributionError(ValueError):
    """A distribution field that is not valid; the message names the kind and the field."""


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """``Phi(z)``, the standard normal CDF, element-wise (exact to float precision in both tails)."""
    z = np.asarray(z, dtype=float)
    return np.asarray(0.5 * _erfc(-z / math.sqrt(2.0)), dtype=float)


def _num(kind: str, field: str, value: Any, *, positive: bool = False) -> float:
    bad = isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating)
    if bad or not math.isfinite(float(value)):
        raise DistributionError(f"{kind}: field {clip(field)}: {clip(value)} is not a finite number")
    if positive and value <= 0:
        raise DistributionError(f"{kind}: field {clip(field)}: {clip(value)} is not a number > 0")
    if value < 0:
        raise DistributionError(f"{kind}: field {clip(field)}: {clip(value)} is negative")
    return float(value)


def _numbers(kind: str, field: str, values: Any) -> tuple[float, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        raise DistributionError(f"{kind}: field {clip(field)}: {clip(values)} is not a list of numbers")
    if len(values) == 0:
        raise DistributionError(f"{kind}: field {clip(field)}: is empty")
    return tuple(_num(kind, f"{field}[{i}]", v) for i, v in enumerate(values))


class Distribution:
    """What every kind offers: draws from normal scores, quantiles, the mean, plain data."""

    kind: ClassVar[str] = ""

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """Values at probabilities ``u`` (the quantile function; ``u`` in [0, 1])."""
        raise NotImplementedError

    def draw(self, z: np.ndarray) -> np.ndarray:
        """Values for standard normal scores ``z``: distributed as this distribution when ``z`` is."""
        return self.quantile(normal_cdf(z))

    def mean(self) -> float:
        """Expected value."""
        raise NotImplementedError

    def variance(self) -> float:
        """Variance."""
        raise NotImplementedError

    def raw_moment(self, k: int) -> float:
        """``E[X**k]``."""
        raise NotImplementedError

    def third_central_moment(self) -> float:
        """``E[(X - mean)**3]``: how lopsided the distribution is (0 for a symmetric one)."""
        m1, m2, m3 = (self.raw_moment(k) for k in (1, 2, 3))
        return m3 - 3 * m1 * m2 + 2 * m1**3

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a scenario file, ``kind`` first."""
        data: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None:
                continue
            data[f.name] = list(value) if isinstance(value, tuple) else value
        return data

    @property
    def is_point(self) -> bool:
        """True when every draw is the same value."""
        return False


@dataclasses.dataclass(frozen=True)
class Point(Distribution):
    """One value, every time: the old per-request figure."""

    kind: ClassVar[str] = "point"
    value: float
    """The value (tokens per request, or a multiplier)."""

    def __post_init__(self) -> None:
        _num(self.kind, "value", self.value)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), float(self.value))

    def draw(self, z: np.ndarray) -> np.ndarray:
        return np.full(np.shape(z), float(self.value))

    def mean(self) -> float:
        return float(self.value)

    def variance(self) -> float:
        return 0.0

    def raw_moment(self, k: int) -> float:
        return float(self.value) ** k

    def third_central_moment(self) -> float:
        return 0.0

    @property
    def is_point(self) -> bool:
        return True


@dataclasses.dataclass(frozen=True)
class LogNormal(Distribution):
    """Log-normal given by its median and 90th percentile (p90 >= p50 > 0), optionally capped."""

    kind: ClassVar[str] = "lognormal"
    p50: float
    """Median."""
    p90: float
    """90th percentile; equal to ``p50`` makes the distribution a point."""
    max: float | None = None
    """Cap (a request's ``max_tokens``, say): draws above it become it. None: no cap."""

    def __post_init__(self) -> None:
        p50 = _num(self.kind, "p50", self.p50, positive=True)
        p90 = _num(self.kind, "p90", self.p90, positive=True)
        if p90 < p50:
            raise DistributionError(f"{self.kind}: field 'p90': {clip(self.p90)} is below p50 {clip(self.p50)}")
        if self.max is not None and _num(self.kind, "max", self.max) < p50:
            raise DistributionError(f"{self.kind}: field 'max': {clip(self.max)} is below p50 {clip(self.p50)}")

    @property
    def mu(self) -> float:
        """Mean of the logarithm."""
        return math.log(self.p50)

    @property
    def sigma(self) -> float:
        """Standard deviation of the logarithm."""
        return math.log(self.p90 / self.p50) / Z90

    def draw(self, z: np.ndarray) -> np.ndarray:
        out = np.exp(self.mu + self.sigma * np.asarray(z, dtype=float))
        return out if self.max is None else np.minimum(out, self.max)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        u = np.clip(np.asarray(u, dtype=float), 1e-300, 1 - 1e-16)
        z = np.frompyfunc(statistics.NormalDist().inv_cdf, 1, 1)(u).astype(float)
        return self.draw(z)

    def mean(self) -> float:
        if self.max is None:
            return math.exp(self.mu + self.sigma**2 / 2)
        # E[min(X, m)] for a log-normal X: the uncapped part plus m times the tail probability.
        if self.sigma == 0:
            return min(self.p50, self.max)
        nd = statistics.NormalDist()
        a = (math.log(self.max) - self.mu) / self.sigma
        return math.exp(self.mu + self.sigma**2 / 2) * nd.cdf(a - self.sigma) + self.max * (1 - nd.cdf(a))

    def variance(self) -> float:
        s2 = self.sigma**2
        if self.max is None:
            return (math.exp(s2) - 1) * math.exp(2 * self.mu + s2)
        if self.sigma == 0:
            return 0.0
        nd = statistics.NormalDist()
        a = (math.log(self.max) - self.mu) / self.sigma
        second = math.exp(2 * self.mu + 2 * s2) * nd.cdf(a - 2 * self.sigma) + self.max**2 * (1 - nd.cdf(a))
        return max(second - self.mean() ** 2, 0.0)

    def raw_moment(self, k: int) -> float:
        uncapped = math.exp(k * self.mu + k * k * self.sigma**2 / 2)
        if self.max is None:
            return uncapped
        if self.sigma == 0:
            return min(self.p50, self.max) ** k
        # E[min(X, m)^k] = E[X^k; X < m] + m^k P(X >= m), with E[X^k; X < m] = e^(k mu + k^2 s^2 / 2) Phi(a - k s).
        nd = statistics.NormalDist()
        a = (math.log(self.max) - self.mu) / self.sigma
        return uncapped * nd.cdf(a - k * self.sigma) + self.max**k * (1 - nd.cdf(a))

    @property
    def is_point(self) -> bool:
        return self.p90 == self.p50


@dataclasses.dataclass(frozen=True)
class Empirical(Distribution):
    """Observed values with their weights (how often each was seen): draws are those values only."""

    kind: ClassVar[str] = "empirical"
    values: tuple[float, ...]
    """Distinct values, ascending."""
    weights: tuple[float, ...]
    """Weight of each value (counts or probabilities; normalised when drawing)."""

    def __post_init__(self) -> None:
        values = _numbers(self.kind, "values", self.values)
        weights = _numbers(self.kind, "weights", self.weights)
        if len(values) != len(weights):
            raise DistributionError(
                f"{self.kind}: field 'weights': {len(weights)} weights for {len(values)} values"
            )
        if any(b <= a for a, b in itertools.pairwise(values)):
            raise DistributionError(f"{self.kind}: field 'values': not distinct and ascending")
        if sum(weights) <= 0:
            raise DistributionError(f"{self.kind}: field 'weights': add up to 0")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "weights", weights)

    def _cdf(self) -> np.ndarray:
        w = np.asarray(self.weights)
        cdf = np.cumsum(w) / w.sum()
        cdf[-1] = 1.0
        return cdf

    def quantile(self, u: np.ndarray) -> np.ndarray:
        # The smallest value whose cumulative probability reaches u: the usual (inverted-CDF) quantile.
        idx = np.searchsorted(self._cdf(), np.asarray(u, dtype=float), side="left")
        return np.asarray(self.values)[np.minimum(idx, len(self.values) - 1)]

    def mean(self) -> float:
        w = np.asarray(self.weights)
        return float(np.dot(self.values, w) / w.sum())

    def variance(self) -> float:
        w = np.asarray(self.weights) / sum(self.weights)
        v = np.asarray(self.values)
        return float(max(np.dot(w, (v - np.dot(w, v)) ** 2), 0.0))

    def raw_moment(self, k: int) -> float:
        w = np.asarray(self.weights) / sum(self.weights)
        return float(np.dot(w, np.asarray(self.values) ** k))

    def third_central_moment(self) -> float:
        w = np.asarray(self.weights) / sum(self.weights)
        v = np.asarray(self.values)
        return float(np.dot(w, (v - np.dot(w, v)) ** 3))

    @property
    def is_point(self) -> bool:
        return sum(1 for w in self.weights if w > 0) == 1


@dataclasses.dataclass(frozen=True)
class Histogram(Distribution):
    """Bins with weights: a draw falls in a bin with its weight's probability, uniformly inside it."""

    kind: ClassVar[str] = "histogram"
    edges: tuple[float, ...]
    """Bin edges, ascending (one more than the weights; equal neighbours make a bin of one value)."""
    weights: tuple[float, ...]
    """Weight of each bin (counts or probabilities)."""

    def __post_init__(self) -> None:
        edges = _numbers(self.kind, "edges", self.edges)
        weights = _numbers(self.kind, "weights", self.weights)
        if len(edges) != len(weights) + 1:
            raise DistributionError(
                f"{self.kind}: field 'edges': {len(edges)} edges for {len(weights)} bins (need one more)"
            )
        if any(b < a for a, b in itertools.pairwise(edges)):
            raise DistributionError(f"{self.kind}: field 'edges': not ascending")
        if sum(weights) <= 0:
            raise DistributionError(f"{self.kind}: field 'weights': add up to 0")
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "weights", weights)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        w = np.asarray(self.weights)
        cdf = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
        cdf[-1] = 1.0
        # Empty bins repeat a CDF value; np.interp needs increasing x, so they are dropped.
        keep = np.concatenate([[True], np.diff(cdf) > 0])
        return np.interp(np.asarray(u, dtype=float), cdf[keep], np.asarray(self.edges)[keep])

    def mean(self) -> float:
        e = np.asarray(self.edges)
        w = np.asarray(self.weights)
        return float(np.dot((e[:-1] + e[1:]) / 2, w) / w.sum())

    def variance(self) -> float:
        e = np.asarray(self.edges)
        w = np.asarray(self.weights) / sum(self.weights)
        lo, hi = e[:-1], e[1:]
        second = float(np.dot(w, (lo**2 + lo * hi + hi**2) / 3))  # uniform inside each bin
        return max(second - self.mean() ** 2, 0.0)

    def raw_moment(self, k: int) -> float:
        e = np.asarray(self.edges)
        w = np.asarray(self.weights) / sum(self.weights)
        lo, hi = e[:-1], e[1:]
        width = hi - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            inside = np.where(width > 0, (hi ** (k + 1) - lo ** (k + 1)) / ((k + 1) * np.where(width > 0, width, 1)),
                              lo**k)
        return float(np.dot(w, inside))

    @property
    def is_point(self) -> bool:
        used = [i for i, w in enumerate(self.weights) if w > 0]
        return all(self.edges[i] == self.edges[i + 1] for i in used) and len(
            {self.edges[i] for i in used}
        ) == 1


KINDS: dict[str, type[Distribution]] = {c.kind: c for c in (Point, LogNormal, Empirical, Histogram)}
"""Kind name -> class, as scenario files name them."""


def from_dict(data: Any, *, field: str = "distribution") -> Distribution:
    """A distribution from plain data (``{"kind": ..., fields}``); a bare number is a point.

    Raises :class:`DistributionError` naming ``field`` and the distribution's own field at fault.
    """
    if isinstance(data, Distribution):
        return data
    if isinstance(data, int | float) and not isinstance(data, bool):
        data = {"kind": "point", "value": data}
    if not isinstance(data, Mapping):
        raise DistributionError(f"field {clip(field)}: {clip(data)} is not a mapping with a 'kind'")
    kind = data.get("kind")
    if kind not in KINDS:
        raise DistributionError(f"field {clip(field)}: kind {clip(kind)} is not one of {', '.join(KINDS)}")
    cls = KINDS[str(kind)]
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(map(str, data)) - names - {"kind"})
    if unknown:
        raise DistributionError(
            f"field {clip(field)}: unknown {kind} field(s) {', '.join(unknown)}; expected {', '.join(sorted(names))}"
        )
    missing = sorted(
        f.name for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.default is dataclasses.MISSING and f.name not in data
    )
    if missing:
        raise DistributionError(f"field {clip(field)}: {kind} needs {', '.join(missing)}")
    values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k != "kind"}
    try:
        return cls(**values)
    except DistributionError as exc:
        raise DistributionError(f"field {clip(field)}: {exc}") from None


def fit(
    sample: Sequence[float] | np.ndarray | pd.Series,
    *,
    kind: str = "empirical",
    weights: Sequence[float] | np.ndarray | None = None,
    max_points: int = MAX_POINTS,
) -> Distribution:
    """A distribution fitted to observed counts (optionally weighted, e.g. by requests per row).

    ``kind="empirical"``: the observed values themselves when there are at most ``max_points`` distinct
    ones, else about ``max_points`` groups, each kept as its mean: equal-probability groups up to the
    90th percentile, then ever finer ones towards the largest values (the mean stays exact; the spread
    inside each group is lost, a few percent of the variance).
    ``kind="lognormal"``: the log-normal through the sample's median and 90th percentile.
    """
    x = np.asarray(sample, dtype=float).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    if len(x) == 0:
        raise DistributionError("fit: field 'sample': is empty")
    if len(w) != len(x):
        raise DistributionError(f"fit: field 'weights': {len(w)} weights for {len(x)} values")
    bad = ~np.isfinite(x) | (x < 0)
    if bad.any():
        raise DistributionError(f"fit: field 'sample': value {clip(x[bad][0])} at position {int(np.argmax(bad))} "
                                "is not a count >= 0")
    if (~np.isfinite(w) | (w < 0)).any() or w.sum() <= 0:
        raise DistributionError("fit: field 'weights': not counts >= 0 with a positive total")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cdf = np.cumsum(w) / w.sum()

    def q(p: float) -> float:
        return float(x[min(int(np.searchsorted(cdf, p, side="left")), len(x) - 1)])

    if kind == "lognormal":
        p50, p90 = q(0.5), q(0.9)
        if p50 <= 0:
            raise DistributionError("fit: field 'sample': median is 0, a log-normal needs a positive median")
        return LogNormal(p50=p50, p90=p90)
    if kind != "empirical":
        raise DistributionError(f"fit: field 'kind': {clip(kind)} is not one of empirical, lognormal")
    values, inverse = np.unique(x, return_inverse=True)
    counts = np.bincount(inverse, weights=w)
    if len(values) <= max_points:
        return Empirical(tuple(float(v) for v in values), tuple(float(c) for c in counts))
    # Too many distinct values for a scenario file: groups of equal probability, each kept as its mean,
    # so the mean (what a month costs on average) stays exact; only the spread inside a group is lost.
    # Groups get finer towards the top (geometrically, down to single observations), where costly
    # requests are rare and different from each other.
    body = max_points * 3 // 5
    tail_floor = max(float(w.min() / w.sum()), 1e-9)
    edges = np.unique(np.concatenate([
        np.linspace(0.0, 0.9, body + 1),
        1 - np.geomspace(0.1, tail_floor, max_points - body + 1)[1:],
    ]))
    before = cdf - w / w.sum()
    group = np.clip(np.searchsorted(edges, before + 1e-12, side="right") - 1, 0, len(edges) - 1)
    mass = np.bincount(group, weights=w, minlength=len(edges))
    means = np.bincount(group, weights=w * x, minlength=len(edges))
    keep = mass > 0
    grouped_values, grouped_idx = np.unique(means[keep] / mass[keep], return_inverse=True)
    grouped_mass = np.bincount(grouped_idx, weights=mass[keep])
    return Empirical(tuple(float(v) for v in grouped_values), tuple(float(m) for m in grouped_mass))


def fit_usage(frame: pd.DataFrame, *, kind: str = "empirical", max_points: int = MAX_POINTS) -> dict[str, Distribution]:
    """Input, visible-output and reasoning distributions from a usage log's per-request counts.

    ``frame`` has ``input_tokens`` and ``output_tokens`` (reasoning included, as OpenAI counts it and
    :func:`explorer.usage.read_usage` normalises), optionally ``reasoning_tokens`` and ``requests``
    (a row aggregating several requests counts as that many requests of its average size). Returns
    ``{"input": ..., "visible_output": ..., "reasoning": ...}``: the keys of a scenario's
    ``input_tokens_distribution``, ``visible_output_tokens_distribution`` and
    ``reasoning_tokens_distribution``.
    """
    for col in ("input_tokens", "output_tokens"):
        if col not in frame.columns:
            raise DistributionError(
                f"fit_usage: column {clip(col)} missing (have {', '.join(map(str, frame.columns))})"
            )
    if len(frame) == 0:
        raise DistributionError("fit_usage: no rows")
    requests = frame["requests"].to_numpy(dtype=float) if "requests" in frame.columns else np.ones(len(frame))
    keep = requests > 0
    per = np.where(keep, requests, 1.0)
    inp = frame["input_tokens"].to_numpy(dtype=float) / per
    out = frame["output_tokens"].to_numpy(dtype=float) / per
    reas = (frame["reasoning_tokens"].fillna(0).to_numpy(dtype=float) / per
            if "reasoning_tokens" in frame.columns else np.zeros(len(frame)))
    w = requests[keep]

    def one(x: np.ndarray) -> Distribution:
        # A count that is 0 in most requests (reasoning on a mixed workload) has no log-normal: keep it empirical.
        use = "empirical" if kind == "lognormal" and np.median(x) <= 0 else kind
        return fit(x, kind=use, weights=w, max_points=max_points)

    return {
        "input": one(inp[keep]),
        "visible_output": one(np.maximum(out - reas, 0)[keep]),
        "reasoning": one(reas[keep]),
    }
