"""Where the cheapest model changes, computed exactly from the prices (not read off a plot).

Along each axis every model's monthly cost is piecewise linear: linear in the axis value between the
points where a long-context tier starts or the request stops fitting the context window. So the
cheapest model can only change where two lines cross inside a piece, or at a piece boundary; this
module finds those points with closed-form intersections.

Volume is the exception that deserves a sentence rather than a chart: with pure per-token prices a
model's monthly cost is ``requests x cost per request``, a straight line through the origin, so the
ratio between two models is the same at every volume and the ranking never changes (in log-log the
lines are parallel). Only a fixed monthly cost (:class:`FixedCostOption`) makes volume matter.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from explorer import prices as _prices
from explorer import scenarios as _sc
from explorer.limits import clip

__all__ = [
    "AXES",
    "VOLUME_STATEMENT",
    "CrossoverResult",
    "FixedCostOption",
    "ModelRates",
    "crossovers",
    "crossovers_along_volume",
    "model_rates",
]

VOLUME_STATEMENT = (
    "With pure per-token prices the ranking never changes along volume: each model's monthly cost is "
    "requests x cost per request, so one model is cheaper by the same factor at every volume (parallel "
    "lines on a log-log chart). Only a fixed monthly cost (self-hosting, committed capacity) can create a "
    "crossover along volume."
)

CURVE_COLUMNS = ("label", "provider", "model", "x", "monthly_usd", "order", "is_override")

AXES: dict[str, tuple[str, str]] = {
    "output_share": ("Output share of tokens per request", "share"),
    "cached_share": ("Cached share of input tokens", "share"),
    "input_tokens": ("Input tokens per request", "tokens"),
    "requests_per_month": ("Requests per month", "requests"),
}
"""Axis name -> (axis title, unit)."""


@dataclasses.dataclass(frozen=True)
class ModelRates:
    """One model's prices blended over the scenario's service-tier mix, per long-context tier."""

    provider: str
    """Provider id."""
    model: str
    """Model id."""
    label: str
    """Name shown in charts."""
    thresholds_tokens: tuple[int, ...]
    """Input-token thresholds, ascending, starting at 0: row k applies when input tokens exceed entry k."""
    usd_per_mtok: tuple[tuple[float, float, float, float], ...]
    """Per threshold: (input, cached input, output, reasoning) USD per million tokens, blended."""
    context_window_tokens: int | None
    """Largest request (input + output) the model takes, or None if unknown."""
    is_override: bool
    """True when any price used comes from a user override."""


@dataclasses.dataclass(frozen=True)
class FixedCostOption:
    """A self-hosted or committed-capacity option: a fixed monthly cost plus per-token costs."""

    name: str
    """Name shown in charts."""
    fixed_usd_per_month: float
    """Cost paid every month whatever the volume (hardware, reserved capacity, a commitment)."""
    input_usd_per_mtok: float = 0.0
    """Marginal cost per million input tokens."""
    output_usd_per_mtok: float = 0.0
    """Marginal cost per million output tokens."""

    def __post_init__(self) -> None:
        for f in ("fixed_usd_per_month", "input_usd_per_mtok", "output_usd_per_mtok"):
            value = getattr(self, f)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(
                    f"FixedCostOption {clip(self.name)}, field {clip(f)}: {clip(value)} is not a number >= 0"
                )

    def cost_per_request_usd(self, scenario: _sc.Scenario) -> float:
        """Marginal cost of one request of the scenario's shape."""
        return (
            scenario.input_tokens_per_request * self.input_usd_per_mtok
            + scenario.output_tokens_per_request * self.output_usd_per_mtok
        ) / 1e6


@dataclasses.dataclass(frozen=True)
class CrossoverResult:
    """Cheapest model along one axis."""

    axis: str
    """Axis name (a key of :data:`AXES`)."""
    points: pd.DataFrame
    """Where the cheapest model changes: at, from_label, to_label, monthly_usd, kind."""
    segments: pd.DataFrame
    """The cheapest model on each stretch of the axis: start, end, label, provider, model."""
    curves: pd.DataFrame
    """Monthly cost of each model along the axis, for charts: label, x, monthly_usd, order, is_override."""
    statement: str
    """One or two plain sentences saying what was found."""
    current: float
    """The scenario's own value on this axis (marked on charts)."""
    skipped: tuple[str, ...] = ()
    """Models left out, each with the reason."""


# --------------------------------------------------------------------------------------------------
# Rates


def _in_force(table: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    return table[_prices.in_force(table, day)]


def model_rates(
    models: Iterable[str | tuple[str, str]],
    *,
    shares: dict[str, float] | None = None,
    prices: pd.DataFrame | None = None,
    as_of: dt.date | str | None = None,
) -> tuple[list[ModelRates], list[str]]:
    """Blended rates of each model on ``as_of`` and the models skipped (with reasons).

    ``shares`` maps service tier -> share of requests (default all standard); a tier the model does not
    offer is priced at standard, as :func:`explorer.scenarios.scenario_costs` does. Empty cached or
    reasoning prices fall back to the input or output price, as the cost engine bills them.
    """
    table = prices if prices is not None else _prices.price_history()
    day = _prices._as_timestamp(as_of)
    shares = {t: s for t, s in (shares or {"standard": 1.0}).items() if s > 0} or {"standard": 1.0}
    live = _in_force(table, day)
    groups = live.groupby(["provider", "model", "service_tier"], sort=False).indices
    out: list[ModelRates] = []
    skipped: list[str] = []
    for key in dict.fromkeys(_sc.model_key(m) for m in models):
        prov, model = key
        label = _sc.model_label(prov, model)
        if (prov, model, "standard") not in groups:
            skipped.append(f"{label}: no price on {day.date()}")
            continue
        per_tier: list[tuple[float, pd.DataFrame]] = []
        for tier, share in shares.items():
            idx = groups.get((prov, model, tier), groups[(prov, model, "standard")])
            rows = live.iloc[idx].sort_values("tier_above_input_tokens")
            per_tier.append((share, rows))
        std_rows = per_tier[0][1]
        if std_rows[["input_usd_per_mtok", "output_usd_per_mtok"]].isna().any(axis=None):
            skipped.append(f"{label}: no input or output price")
            continue
        thresholds = sorted({int(t) for _, rows in per_tier for t in rows["tier_above_input_tokens"]})
        blended = []
        for thr in thresholds:
            acc = np.zeros(4)
            for share, rows in per_tier:
                row = rows[rows["tier_above_input_tokens"] <= thr].iloc[-1]
                pin, pout = float(row["input_usd_per_mtok"]), float(row["output_usd_per_mtok"])
                pc = row["cached_input_usd_per_mtok"]
                pr = row["reasoning_usd_per_mtok"]
                acc += share * np.array(
                    [pin, pin if pd.isna(pc) else float(pc), pout, pout if pd.isna(pr) else float(pr)]
                )
            blended.append(tuple(float(v) for v in acc / sum(s for s, _ in per_tier)))
        window = std_rows["context_window_tokens"].iloc[0]
        override = any(bool(rows["is_override"].any()) for _, rows in per_tier)
        out.append(
            ModelRates(
                prov,
                model,
                label,
                tuple(thresholds),
                tuple(blended),  # type: ignore[arg-type]
                None if pd.isna(window) else int(window),
                override,
            )
        )
    return out, skipped


# --------------------------------------------------------------------------------------------------
# Lower envelope of piecewise-linear costs


@dataclasses.dataclass(frozen=True)
class _Piece:
    lo: float
    hi: float
    intercept: float
    slope: float
    starts_with: str  # why the piece starts at lo: "axis", "tier", "window"


def _affine(axis: str, sc: _sc.Scenario) -> dict[str, tuple[float, float]]:
    """Token counts per request as (constant, slope) in the axis value x."""
    i, o = float(sc.input_tokens_per_request), float(sc.output_tokens_per_request)
    c = sc.cached_input_share
    r = sc.reasoning_tokens_per_request / o if o else 0.0
    if axis == "output_share":
        t = i + o
        return {"in": (t, -t), "cached": (c * t, -c * t), "out": (0.0, t), "reasoning": (0.0, r * t)}
    if axis == "cached_share":
        return {
            "in": (i, 0.0),
            "cached": (0.0, i),
            "out": (o, 0.0),
            "reasoning": (float(sc.reasoning_tokens_per_request), 0.0),
        }
    if axis == "input_tokens":
        return {
            "in": (0.0, 1.0),
            "cached": (0.0, c),
            "out": (o, 0.0),
            "reasoning": (float(sc.reasoning_tokens_per_request), 0.0),
        }
    raise ValueError(f"axis: unknown {clip(axis)}; expected one of {', '.join(AXES)}")


def _cost_coeffs(
    q: dict[str, tuple[float, float]], rates: tuple[float, float, float, float], requests: float
) -> tuple[float, float]:
    """Monthly cost = a + b x for affine token counts and one set of rates."""
    pin, pc, pout, pr = rates
    coeffs = []
    for k in (0, 1):
        ins, cached, out, reas = q["in"][k], q["cached"][k], q["out"][k], q["reasoning"][k]
        per_request = ((ins - cached) * pin + cached * pc + (out - reas) * pout + reas * pr) / 1e6
        coeffs.append(per_request * requests)
    return coeffs[0], coeffs[1]


def _pieces(
    m: ModelRates, q: dict[str, tuple[float, float]], lo: float, hi: float, requests: float
) -> list[_Piece]:
    i0, i1 = q["in"]
    # Where each long-context tier starts along the axis (input tokens > threshold).
    bounds: list[tuple[float, float, int]] = []  # (from, to, tier index)
    if i1 == 0:
        k = max(j for j, t in enumerate(m.thresholds_tokens) if i0 > t or t == 0)
        bounds.append((lo, hi, k))
    else:
        cuts = [(t - i0) / i1 for t in m.thresholds_tokens[1:]]
        edges = [lo, *sorted(min(max(x, lo), hi) for x in cuts), hi]
        for a, b in itertools.pairwise(edges):
            if b <= a:
                continue
            mid = (a + b) / 2
            k = max(j for j, t in enumerate(m.thresholds_tokens) if i0 + i1 * mid > t or t == 0)
            bounds.append((a, b, k))
    usable_lo, usable_hi = lo, hi
    if m.context_window_tokens is not None:
        t0 = q["in"][0] + q["out"][0]
        t1 = q["in"][1] + q["out"][1]
        w = float(m.context_window_tokens)
        if t1 == 0:
            if t0 > w:
                return []
        elif t1 > 0:
            usable_hi = min(hi, (w - t0) / t1)
        else:
            usable_lo = max(lo, (w - t0) / t1)
    pieces = []
    for n, (a, b, k) in enumerate(bounds):
        a2, b2 = max(a, usable_lo), min(b, usable_hi)
        if b2 <= a2:
            continue
        why = "window" if a2 == usable_lo and usable_lo > lo else ("tier" if n > 0 and a2 == a else "axis")
        ic, sl = _cost_coeffs(q, m.usd_per_mtok[k], requests)
        pieces.append(_Piece(a2, b2, ic, sl, why))
    return pieces


def _envelope(
    labels: Sequence[str], pieces: Sequence[Sequence[_Piece]], lo: float, hi: float
) -> tuple[list[tuple[float, float, int]], list[dict[str, Any]]]:
    """Cheapest label index on each stretch of [lo, hi], and the points where it changes."""
    edges = sorted({lo, hi, *(x for ps in pieces for p in ps for x in (p.lo, p.hi) if lo <= x <= hi)})
    stretches: list[tuple[float, float, int]] = []
    # Each model's pieces are ascending and do not overlap: the one covering a stretch is found by bisection
    # (a self-hosted option can have thousands of replica steps).
    starts = [[p.lo for p in ps] for ps in pieces]
    for a, b in itertools.pairwise(edges):
        if b <= a:
            continue
        active = []
        for i, ps in enumerate(pieces):
            j = bisect.bisect_right(starts[i], a) - 1
            if j >= 0 and ps[j].lo <= a and b <= ps[j].hi:
                active.append((i, ps[j].intercept, ps[j].slope))
        if not active:
            stretches.append((a, b, -1))
            continue
        idx = np.array([x[0] for x in active])
        A = np.array([x[1] for x in active])
        B = np.array([x[2] for x in active])
        dB = B[:, None] - B[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            xs = (A[None, :] - A[:, None]) / dB
        xs = xs[np.isfinite(xs) & (xs > a) & (xs < b)]
        cuts = np.unique(np.concatenate([[a, b], xs]))
        mids = (cuts[:-1] + cuts[1:]) / 2
        winners = idx[np.argmin(A[None, :] + B[None, :] * mids[:, None], axis=1)]
        for s, e, w in zip(cuts[:-1], cuts[1:], winners, strict=True):
            if stretches and stretches[-1][2] == w and stretches[-1][1] == s:
                stretches[-1] = (stretches[-1][0], float(e), int(w))
            else:
                stretches.append((float(s), float(e), int(w)))
    points = []
    for (_, at, before), (_, _, after) in itertools.pairwise(stretches):
        if before != after:
            points.append({"at": at, "from": before, "to": after})
    return stretches, points


def _value(ps: Sequence[_Piece], x: float, side: str) -> float:
    """Cost at x from the left or right piece (NaN where the model is unusable)."""
    for p in ps:
        if (side == "left" and p.lo < x <= p.hi) or (side == "right" and p.lo <= x < p.hi):
            return p.intercept + p.slope * x
    return math.nan


def _values(ps: Sequence[_Piece], xs: np.ndarray) -> np.ndarray:
    """Cost at each x (the piece starting there wins at a boundary; the last piece includes its end)."""
    out = np.full(len(xs), math.nan)
    for p in reversed(ps):
        inside = (xs >= p.lo) & (xs <= p.hi) & np.isnan(out)
        out[inside] = p.intercept + p.slope * xs[inside]
    return out


def _kind(x: float, a: Sequence[_Piece], b: Sequence[_Piece]) -> str:
    """Why the cheapest model changes at x: a tier starts, a model stops fitting, or lines cross."""
    if any(p.lo == x and p.starts_with == "tier" for p in (*a, *b)):
        return "long-context tier"
    a_ends = any(p.hi == x for p in a) and not any(p.lo == x for p in a)
    if a_ends or any(p.lo == x and p.starts_with == "window" for p in b):
        return "context window"
    return "prices cross"


def _fmt(axis: str, x: float) -> str:
    if axis in ("output_share", "cached_share"):
        return f"{x:.1%}"
    return f"{x:,.0f}"


def _grid(axis: str, lo: float, hi: float, n_points: int) -> np.ndarray:
    if axis in ("input_tokens", "requests_per_month"):
        return np.geomspace(lo, hi, n_points)
    return np.linspace(lo, hi, n_points)


def crossovers(
    scenario: _sc.Scenario,
    axis: str,
    models: Iterable[str | tuple[str, str]] | None = None,
    *,
    prices: pd.DataFrame | None = None,
    as_of: dt.date | str | None = None,
    lo: float | None = None,
    hi: float | None = None,
    n_points: int = 101,
    rates: tuple[list[ModelRates], list[str]] | None = None,
) -> CrossoverResult:
    """Cheapest model along ``axis`` (output_share, cached_share or input_tokens) for this scenario.

    The other quantities stay as in the scenario: along ``output_share`` the total tokens per request
    and the cached share of input are kept; along ``input_tokens`` the output tokens are kept. Costs
    are monthly at the scenario's first-month volume. ``n_points`` sets the sampling of ``curves`` only;
    the points themselves are exact. ``rates``: blended rates already extracted for this scenario's
    traffic mix (an interactive view keeps them between changes).
    """
    if axis == "requests_per_month":
        return crossovers_along_volume(scenario, models, prices=prices, as_of=as_of, lo=lo, hi=hi)
    q = _affine(axis, scenario)
    default_lo, default_hi = (0.0, 1.0) if axis != "input_tokens" else (100.0, 1_000_000.0)
    lo = default_lo if lo is None else float(lo)
    hi = default_hi if hi is None else float(hi)
    if not lo < hi:
        raise ValueError(f"crossovers along {axis}: lo {lo} must be below hi {hi}")
    day = as_of if as_of is not None else scenario.as_of
    rates, skipped = rates if rates is not None else model_rates(
        models if models is not None else scenario.models,
        shares=scenario.tier_shares(),
        prices=prices,
        as_of=day,
    )
    labels = [m.label for m in rates]
    pieces = [_pieces(m, q, lo, hi, scenario.requests_per_month) for m in rates]
    stretches, raw_points = _envelope(labels, pieces, lo, hi)
    name = lambda i: labels[i] if i >= 0 else "(none fits)"  # noqa: E731
    points = pd.DataFrame(
        [
            {
                "at": p["at"],
                "from_label": name(p["from"]),
                "to_label": name(p["to"]),
                "monthly_usd": _value(pieces[p["to"]], p["at"], "right") if p["to"] >= 0 else math.nan,
                "kind": _kind(
                    p["at"],
                    pieces[p["from"]] if p["from"] >= 0 else [],
                    pieces[p["to"]] if p["to"] >= 0 else [],
                ),
            }
            for p in raw_points
        ],
        columns=["at", "from_label", "to_label", "monthly_usd", "kind"],
    )
    segments = pd.DataFrame(
        [
            {
                "start": a,
                "end": b,
                "label": name(w),
                "provider": rates[w].provider if w >= 0 else None,
                "model": rates[w].model if w >= 0 else None,
            }
            for a, b, w in stretches
        ],
        columns=["start", "end", "label", "provider", "model"],
    )
    curves = _sample_curves(rates, pieces, axis, lo, hi, n_points, points["at"].tolist())
    tokens = scenario.input_tokens_per_request + scenario.output_tokens_per_request
    current = {
        "output_share": scenario.output_tokens_per_request / max(1, tokens),
        "cached_share": scenario.cached_input_share,
        "input_tokens": float(scenario.input_tokens_per_request),
    }[axis]
    title = AXES[axis][0].lower()
    if points.empty:
        only = segments["label"].iloc[0] if len(segments) else "no model"
        statement = f"Along the {title} ({_fmt(axis, lo)} to {_fmt(axis, hi)}), {only} stays the cheapest."
    else:
        parts = [
            f"{r.from_label} -> {r.to_label} at {_fmt(axis, r.at)} ({r.kind})" for r in points.itertuples()
        ]
        statement = (
            f"Along the {title}, the cheapest model changes {len(points)} time(s): " + "; ".join(parts) + "."
        )
    return CrossoverResult(axis, points, segments, curves, statement, current, tuple(skipped))


def _sample_curves(
    rates: Sequence[ModelRates],
    pieces: Sequence[Sequence[_Piece]],
    axis: str,
    lo: float,
    hi: float,
    n_points: int,
    extra: Sequence[float],
) -> pd.DataFrame:
    grid = _grid(axis, lo, hi, max(2, n_points))
    frames = []
    for m, ps in zip(rates, pieces, strict=True):
        inner = [x for p in ps for x in (p.lo, p.hi)]
        xs = np.unique(np.concatenate([grid, inner, list(extra)]))
        xs = xs[(xs >= lo) & (xs <= hi)]
        rows_x, rows_y = [], []
        for x in xs:
            left, right = _value(ps, x, "left"), _value(ps, x, "right")
            jump = not (math.isnan(left) or math.isnan(right) or math.isclose(left, right, rel_tol=1e-12))
            if jump:
                rows_x += [x, x]
                rows_y += [left, right]  # a tier jump: both values at the threshold draw the step
            else:
                rows_x.append(x)
                rows_y.append(right if not math.isnan(right) else left)
        frames.append(
            pd.DataFrame(
                {
                    "label": m.label,
                    "provider": m.provider,
                    "model": m.model,
                    "x": rows_x,
                    "monthly_usd": rows_y,
                    "order": np.arange(len(rows_x)),
                    "is_override": m.is_override,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=list(CURVE_COLUMNS))
    out = pd.concat(frames, ignore_index=True)
    return out[out["monthly_usd"].notna()].reset_index(drop=True)


def crossovers_along_volume(
    scenario: _sc.Scenario,
    models: Iterable[str | tuple[str, str]] | None = None,
    fixed_options: Sequence[Any] = (),
    *,
    prices: pd.DataFrame | None = None,
    as_of: dt.date | str | None = None,
    lo: float | None = None,
    hi: float | None = None,
    n_points: int = 60,
    costs: pd.DataFrame | None = None,
) -> CrossoverResult:
    """Cheapest option along requests per month: API models (cost per request x volume) and any fixed-cost
    options (monthly fee + marginal cost) or self-hosted options (:class:`explorer.selfhost.SelfHostedOption`:
    whole replicas make the cost a step function of volume). Without such options there is never a
    crossover (see :data:`VOLUME_STATEMENT`). ``costs``: the scenario's :func:`~explorer.scenarios.scenario_costs`, if
    the caller has them."""
    lo = 1_000.0 if lo is None else float(lo)
    hi = 1e9 if hi is None else float(hi)
    if not 0 < lo < hi:
        raise ValueError(f"crossovers along requests_per_month: need 0 < lo < hi, got {lo}, {hi}")
    if costs is None:
        costs = _sc.scenario_costs(scenario, models, prices=prices, as_of=as_of)
    ok = costs[costs["cost_per_request_usd"].notna()]
    skipped = [f"{r.label}: {r.note}" for r in costs[costs["cost_per_request_usd"].isna()].itertuples()]
    labels = list(ok["label"]) + [o.name for o in fixed_options]
    overrides = list(ok["is_override"]) + [False] * len(fixed_options)
    pieces = [[_Piece(lo, hi, 0.0, float(c), "axis")] for c in ok["cost_per_request_usd"]]
    for o in fixed_options:
        if hasattr(o, "volume_pieces"):  # a self-hosted option: cost steps with the replicas it needs
            pieces.append([_Piece(a, b, c, d, "axis" if a == lo else "step")
                           for a, b, c, d in o.volume_pieces(scenario, lo, hi)])
        else:
            pieces.append([_Piece(lo, hi, o.fixed_usd_per_month, o.cost_per_request_usd(scenario), "axis")])
    stretches, raw = _envelope(labels, pieces, lo, hi)
    points = pd.DataFrame(
        [
            {
                "at": p["at"],
                "from_label": labels[p["from"]],
                "to_label": labels[p["to"]],
                "monthly_usd": _value(pieces[p["to"]], p["at"], "right"),
                "kind": "fixed cost",
            }
            for p in raw
        ],
        columns=["at", "from_label", "to_label", "monthly_usd", "kind"],
    )
    segments = pd.DataFrame(
        [
            {"start": a, "end": b, "label": labels[w], "provider": None, "model": None}
            for a, b, w in stretches
        ],
        columns=["start", "end", "label", "provider", "model"],
    )
    grid = np.unique(np.concatenate([_grid("requests_per_month", lo, hi, n_points), points["at"].to_numpy()]))
    curves = pd.DataFrame(
        {
            "label": np.repeat(labels, len(grid)),
            "provider": None,
            "model": None,
            "x": np.tile(grid, len(labels)),
            "monthly_usd": np.concatenate([_values(ps, grid) for ps in pieces]) if pieces else [],
            "order": np.tile(np.arange(len(grid)), len(labels)),
            "is_override": np.repeat(overrides, len(grid)),
        }
    )
    if points.empty:
        statement = VOLUME_STATEMENT
        if fixed_options and len(segments):
            statement += f" Here {segments['label'].iloc[0]} stays the cheapest from {lo:,.0f} to {hi:,.0f}."
    else:
        parts = [f"{r.from_label} -> {r.to_label} at {r.at:,.0f} requests/month" for r in points.itertuples()]
        statement = (
            "A fixed monthly cost makes volume matter: the cheapest option changes at "
            + "; ".join(parts)
            + ". Between per-token models alone the ranking never changes."
        )
    return CrossoverResult(
        "requests_per_month",
        points,
        segments,
        curves,
        statement,
        float(scenario.requests_per_month),
        tuple(skipped),
    )
