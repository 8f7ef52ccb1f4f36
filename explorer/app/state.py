"""What the app knows at a moment: prices, overrides, date, models and the scenario, and every result
derived from them, each cached under the inputs it depends on.

This is the one place where cached results are invalidated: a result is looked up by a key made of the
inputs it reads (the price table's version, the date, the models, the scenario), so a change of any
input makes the old entry unreachable and nothing is ever cleared by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

import pandas as pd

from explorer import prices as _prices
from explorer import provenance as _prov
from explorer import range_results as _rr
from explorer import ranges as _ranges
from explorer import results as _r
from explorer import scenarios as _sc
from explorer import text_costs as _text
from explorer.crossovers import CrossoverResult, FixedCostOption
from explorer.selfhost import SelfHostedOption

T = TypeVar("T")

__all__ = ["AppState"]


class AppState:
    """Inputs of the dashboard and the results derived from them (no widgets here)."""

    def __init__(self, base_prices: pd.DataFrame) -> None:
        self.base_prices = base_prices
        self._overrides: dict[tuple[str, str], pd.DataFrame] = {}
        self.prices_version = 0
        """Bumped whenever the overrides change: every result keyed on prices follows."""
        self._cache: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
        self._include_retired = False

    # ---- the single cache

    def cached(self, name: str, key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
        """``build()`` once per ``(name, key)``; the last 64 results are kept."""
        full = (name, *key)
        if full in self._cache:
            self._cache.move_to_end(full)
            return self._cache[full]  # type: ignore[no-any-return]
        value = build()
        self._cache[full] = value
        if len(self._cache) > 64:
            self._cache.popitem(last=False)
        return value

    # ---- prices and overrides

    @property
    def overrides(self) -> dict[tuple[str, str], pd.DataFrame]:
        """Override rows per (provider, model); change them through :meth:`set_overrides`."""
        return dict(self._overrides)

    def set_overrides(self, overrides: dict[tuple[str, str], pd.DataFrame]) -> None:
        """Replace the overrides; every result computed from prices is recomputed on next use."""
        self._overrides = dict(overrides)
        self.prices_version += 1

    @property
    def prices(self) -> pd.DataFrame:
        """Bundled prices with the overrides applied (and shut-down models kept at their last price when
        retired models are shown)."""
        table = self._with_overrides()
        if not self._include_retired:
            return table
        return self.cached("with_retired", (self.prices_version,), lambda: _prov.with_retired(table))

    def _with_overrides(self) -> pd.DataFrame:
        if not self._overrides:
            return self.base_prices
        return self.cached(
            "prices", (self.prices_version,),
            lambda: _prices.apply_overrides(self.base_prices, pd.concat(self._overrides.values(), ignore_index=True)),
        )

    @property
    def include_retired(self) -> bool:
        """Whether models shut down by the date are listed and priced at their last price (marked retired)."""
        return self._include_retired

    def set_include_retired(self, flag: bool) -> None:
        """Show retired models or not; every result computed from prices follows."""
        if bool(flag) != self._include_retired:
            self._include_retired = bool(flag)
            self.prices_version += 1

    def provenance(self, models: Sequence[tuple[str, str]], as_of: dt.date) -> pd.DataFrame:
        """Each model's price source, verification and lifecycle on the date (:mod:`explorer.provenance`)."""
        return self.cached(
            "provenance", (self.prices_version, as_of, tuple(models)),
            lambda: _prov.model_provenance(models, prices=self.prices, as_of=as_of),
        )

    # ---- results

    def rates(self, models: Sequence[tuple[str, str]], as_of: dt.date) -> _r.RateTable:
        """Rates of the models on the date (extracted once per price version, date and model set)."""
        return self.cached(
            "rates", (self.prices_version, as_of, tuple(models)),
            lambda: _r.rate_table(models, prices=self.prices, as_of=as_of),
        )

    def costs(self, models: Sequence[tuple[str, str]], scenario: _sc.Scenario, as_of: dt.date) -> pd.DataFrame:
        """:func:`explorer.scenarios.scenario_costs` of the scenario, from the cached rates."""
        def build() -> pd.DataFrame:
            rates = self.rates(models, as_of)
            image, notes = _r.image_costs(rates.keys, scenario, as_of)
            if scenario.input_chars_per_request:  # described as text: each model's own input tokens
                return _text.text_costs(rates, scenario, self.text_plans(models, scenario.input_text_kind),
                                        image_usd_per_request=image, image_notes=notes)
            return _r.costs_from_rates(rates, scenario, image_usd_per_request=image, image_notes=notes)

        return self.cached("costs", (self.prices_version, as_of, tuple(models), scenario), build)

    def provenance_columns(self, models: Sequence[tuple[str, str]], as_of: dt.date) -> pd.DataFrame:
        """The ranking table's Lifecycle and Price source cells (:func:`explorer.provenance.table_columns`)."""
        return self.cached("provenance_columns", (self.prices_version, as_of, tuple(models)),
                           lambda: _prov.table_columns(self.provenance(models, as_of)))

    def text_plans(self, models: Sequence[tuple[str, str]], kind: str) -> list[_text.CharsPlan]:
        """How each model counts characters of ``kind`` (its own tokenizer, or a labelled estimate)."""
        return self.cached("plans", (tuple(models), kind), lambda: _text.plans_for(models, kind))

    def ranked(self, models: Sequence[tuple[str, str]], scenario: _sc.Scenario, as_of: dt.date) -> pd.DataFrame:
        """The ranked table."""
        return self.cached(
            "ranked", (self.prices_version, as_of, tuple(models), scenario),
            lambda: _r.ranked_table(self.costs(models, scenario, as_of)),
        )

    def chart_rows(self, models: Sequence[tuple[str, str]], scenario: _sc.Scenario, as_of: dt.date) -> pd.DataFrame:
        """One row per priced model: the data of the ranking, curve, budget and projection charts."""
        return self.cached(
            "rows", (self.prices_version, as_of, tuple(models), scenario),
            lambda: _text.annotate_text_rows(
                _prov.annotate_rows(_r.chart_rows(self.costs(models, scenario, as_of), scenario),
                                    self.provenance(models, as_of)),
                self.text_plans(models, scenario.input_text_kind) if scenario.input_chars_per_request else None,
                scenario.input_chars_per_request,
            ),
        )

    def crossover(
        self, models: Sequence[tuple[str, str]], scenario: _sc.Scenario, as_of: dt.date, axis: str,
        fixed: tuple[FixedCostOption, ...],
    ) -> CrossoverResult:
        """The cheapest model along an axis."""
        def build() -> CrossoverResult:
            costs = self.costs(models, scenario, as_of)
            return _r.crossover_result(
                scenario, axis, list(models), prices=self.prices, as_of=str(as_of), fixed_options=fixed,
                n_models=len(costs), rates=self.rates(models, as_of), costs=costs,
            )

        return self.cached("crossover", (self.prices_version, as_of, tuple(models), scenario, axis, fixed), build)

    def range_results(
        self, models: Sequence[tuple[str, str]], scenario: _sc.Scenario, as_of: dt.date, *,
        effort: str | None = None, efforts: tuple[_ranges.EffortSetting, ...] = (),
        self_hosted: tuple[SelfHostedOption, ...] = (), draws: int = _ranges.DEFAULT_DRAWS, curve_points: int = 40,
    ) -> _rr.RangeResults:
        """Costs as ranges (:func:`explorer.range_results.range_results`, seed 0: the same inputs give the
        same figures), from the cached rates and point costs."""
        def build() -> _rr.RangeResults:
            rates = self.rates(models, as_of)
            image, _ = _r.image_costs(rates.keys, scenario, as_of)
            # The point costs ignore distributions and terms: those of the plain scenario (cached for the
            # other tabs already) serve.
            plain = scenario.replace(input_tokens_distribution=None, visible_output_tokens_distribution=None,
                                     reasoning_tokens_distribution=None, provider_terms=())
            return _rr.range_results(rates, scenario, effort=effort, efforts=efforts, self_hosted=self_hosted,
                                     costs=self.costs(models, plain, as_of), image_usd_per_request=image,
                                     draws=draws, curve_points=curve_points)

        key = (self.prices_version, as_of, tuple(models), scenario, effort, efforts, self_hosted, draws, curve_points)
        return self.cached("range_results", key, build)

    def results(
        self, models: Sequence[tuple[str, str]], scenario: _sc.Scenario, as_of: dt.date, axis: str,
        fixed: tuple[FixedCostOption, ...],
    ) -> _r.DashboardResults:
        """Every results frame at once, for notebook readers (``dash.results``)."""
        costs = self.costs(models, scenario, as_of)
        return _r.DashboardResults(
            scenario=scenario,
            as_of=str(as_of),
            costs=costs,
            ranked=self.ranked(models, scenario, as_of),
            curves=_r.volume_curves(costs, scenario.requests_per_month, _r.curve_points(len(costs))),
            budget=_r.budget_reach(costs, scenario.monthly_budget_usd),
            projection=_r.projection(costs, scenario),
            crossover=self.crossover(models, scenario, as_of, axis, fixed),
        )
