"""Everything a reader of cost ranges sees at once, from one scenario: the ranking by p50 with the band
(self-hosted options ranked beside the APIs), the odds between the top models, the bands along volume
and over the projection. The app, the report and the notebooks call :func:`range_results`; the
figures are :mod:`explorer.ranges`' and :mod:`explorer.selfhost`'s, nothing is computed twice.

Spread presets (:data:`SPREAD_PRESETS`) are the dashboard's shortcuts for "how unequal are my requests":
p90 / p50 ratios of the input, visible output and reasoning tokens. They are assumptions to try, not
measurements: fit the distributions from a log (:func:`explorer.distributions.fit_usage`) for figures of
your own. :func:`with_spread` keeps the scenario's token counts as the **averages** (the log-normal's
median is set below them so that its mean is the typed figure), so at a large volume the median month
costs what the point estimate says and the band shows the spread around it.

Nothing here imports ipywidgets.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from explorer import distributions as _d
from explorer import ranges as _ranges
from explorer import results as _r
from explorer import scenarios as _sc
from explorer import selfhost as _sh
from explorer.limits import clip

__all__ = ["SPREAD_PRESETS", "RangeResults", "range_results", "spread_distribution", "with_spread"]

SPREAD_PRESETS: dict[str, tuple[float, float, float]] = {
    "none": (1.0, 1.0, 1.0),
    "low": (1.5, 2.0, 2.0),
    "medium": (2.0, 3.0, 4.0),
    "high": (4.0, 6.0, 10.0),
}
"""Assumed p90 / p50 of (input, visible output, reasoning) tokens per request: 1 = every request alike.
Round figures to explore with, not measured from any workload (output and reasoning vary more than
prompts in most logs, hence the larger ratios)."""


def spread_distribution(mean_tokens: float, p90_over_p50: float) -> _d.Distribution:
    """A log-normal whose **mean** is ``mean_tokens`` and whose p90 is ``p90_over_p50`` times its median
    (a point when the ratio is 1 or the mean is 0)."""
    if not math.isfinite(p90_over_p50) or p90_over_p50 < 1:
        raise ValueError(f"spread: p90 / p50 {clip(p90_over_p50)} must be a number >= 1")
    if mean_tokens <= 0 or p90_over_p50 == 1:
        return _d.Point(max(float(mean_tokens), 0.0))
    sigma = math.log(p90_over_p50) / _d.Z90
    p50 = mean_tokens * math.exp(-sigma * sigma / 2)
    return _d.LogNormal(p50, p50 * p90_over_p50)


def with_spread(
    scenario: _sc.Scenario, input_ratio: float, output_ratio: float, reasoning_ratio: float
) -> _sc.Scenario:
    """The scenario with log-normal token counts around its own averages (see the module notes)."""
    visible = scenario.output_tokens_per_request - scenario.reasoning_tokens_per_request
    return scenario.replace(
        input_tokens_distribution=spread_distribution(scenario.input_tokens_per_request, input_ratio),
        visible_output_tokens_distribution=spread_distribution(visible, output_ratio),
        reasoning_tokens_distribution=spread_distribution(scenario.reasoning_tokens_per_request, reasoning_ratio),
    )


@dataclasses.dataclass(frozen=True)
class RangeResults:
    """The ranges of one scenario as tables and chart frames (all money in USD)."""

    ranges: _ranges.CostRanges
    """The API models' simulation (its draws serve the odds)."""
    table: pd.DataFrame
    """:data:`explorer.ranges.RANGE_COLUMNS` for the API models and the self-hosted options, ranked by
    ``p50_usd`` (rows that cannot price the workload last, rank NA)."""
    odds: pd.DataFrame
    """:func:`explorer.ranges.prob_cheaper` of the top API models: ``model_a``, ``model_b``, ``p_month``,
    ``p_request``."""
    curves: pd.DataFrame
    """Bands along volume: label, requests_per_month, p10_usd, p50_usd, p90_usd, is_override (self-hosted
    options: their monthly cost at each volume, the same at the three quantiles)."""
    projection: pd.DataFrame
    """12-month bands: label, month, requests_per_month, p10_usd ... cumulative_p90_usd, is_override."""
    statement: str
    """What p10 / p90 mean and how they were computed."""


def _rerank(table: pd.DataFrame) -> pd.DataFrame:
    usable = table["p50_usd"].notna().to_numpy()
    order = np.lexsort((table["label"].astype(str).to_numpy(), np.where(usable, table["p50_usd"], np.inf)))
    out = table.iloc[order].reset_index(drop=True)
    n_ok = int(usable.sum())
    out["rank"] = pd.array(list(range(1, n_ok + 1)) + [pd.NA] * (len(out) - n_ok), dtype="Int64")
    return out


def range_results(
    rates: _r.RateTable,
    scenario: _sc.Scenario,
    *,
    effort: str | None = None,
    efforts: Sequence[_ranges.EffortSetting] = _ranges.EFFORT_DEFAULTS,
    self_hosted: Sequence[_sh.SelfHostedOption] = (),
    costs: pd.DataFrame | None = None,
    image_usd_per_request: np.ndarray | None = None,
    draws: int = _ranges.DEFAULT_DRAWS,
    seed: int = 0,
    top: int = 4,
    curve_points: int = 40,
    months: int = 12,
) -> RangeResults:
    """The ranges of ``scenario`` on ``rates``' models and on ``self_hosted`` options (fixed ``seed``: the
    same inputs give the same figures). Self-hosted options enter the ranking with
    :func:`explorer.selfhost.self_hosted_ranges`; along volume and over the projection they are drawn at
    their cost at the median busy time (their band there is the replica step, not sampled)."""
    r = _ranges.cost_ranges(rates, scenario, draws=draws, seed=seed, effort=effort, efforts=efforts,
                            costs=costs, image_usd_per_request=image_usd_per_request)
    flags = dict(zip(r.table["label"].tolist(), r.table["is_override"].astype(bool).tolist(), strict=True))
    table = r.table
    curves = _ranges.curve_bands(r, curve_points)
    projection = _ranges.projection_bands(r, scenario, months)
    if self_hosted:
        table = _rerank(pd.concat([table, _sh.self_hosted_ranges(self_hosted, scenario)], ignore_index=True))
        grid = (np.geomspace(max(scenario.requests_per_month, 1.0) / 100, max(scenario.requests_per_month, 1.0) * 100,
                             max(2, curve_points)))
        month = np.arange(1, months + 1)
        volume = scenario.requests_per_month * (1 + scenario.monthly_growth_rate) ** (month - 1)
        extra_c, extra_p = [], []
        for o in self_hosted:
            c = o.monthly_usd(scenario, grid)
            extra_c.append(pd.DataFrame({"label": o.name, "requests_per_month": grid,
                                         "p10_usd": c, "p50_usd": c, "p90_usd": c}))
            m = o.monthly_usd(scenario, volume)
            extra_p.append(pd.DataFrame({
                "label": o.name, "month": month, "requests_per_month": volume, "p10_usd": m, "p50_usd": m,
                "p90_usd": m, "cumulative_p10_usd": np.cumsum(m), "cumulative_p50_usd": np.cumsum(m),
                "cumulative_p90_usd": np.cumsum(m)}))
        curves = pd.concat([curves, *extra_c], ignore_index=True)
        projection = pd.concat([projection, *extra_p], ignore_index=True)
    for frame in (curves, projection):
        frame["is_override"] = np.array([flags.get(lbl, False) for lbl in frame["label"].to_numpy(dtype=object)],
                                        dtype=bool)
    statement = r.statement
    if self_hosted:
        statement += (" Self-hosted options: the month's busy GPU time from the same token distributions, "
                      "priced by the replicas it needs.")
    return RangeResults(ranges=r, table=table, odds=_ranges.prob_cheaper(r, top=top), curves=curves,
                        projection=projection, statement=statement)
