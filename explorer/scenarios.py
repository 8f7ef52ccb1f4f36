"""Workload scenarios: one frozen description of "what we send, how often", saved as YAML or JSON.

A :class:`Scenario` is what the dashboard's controls describe, what a report is rendered from and what
the CLI can price. :func:`scenario_costs` prices one on many models at once (one vectorised call to the
cost engine), :func:`compare_scenarios` sets several side by side.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from explorer import atomic, limits, paths
from explorer import costs as _costs
from explorer import distributions as _dist
from explorer import prices as _prices
from explorer import scenario_file as _scenario_file
from explorer import terms as _terms
from explorer.limits import clip
from explorer.scenario_file import ScenarioError

__all__ = [
    "DAYS_PER_MONTH",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "compare_scenarios",
    "list_scenarios",
    "load_scenario",
    "model_key",
    "model_label",
    "save_scenario",
    "scenario_costs",
    "scenarios_costs",
    "summarise_compare",
]

DAYS_PER_MONTH = 365.25 / 12
"""Average days in a month: requests per day x this = requests per month."""

PAID_TIERS = ("batch", "flex", "priority")


class ScenarioWarning(UserWarning):
    """A scenario file that :func:`list_scenarios` skipped; the message names the file and the problem."""


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A workload: request shape, volume and traffic mix. Token counts are per request, volumes per month."""

    name: str
    """Short name, also the default file name."""
    description: str = ""
    """One or two sentences for humans."""
    models: tuple[str, ...] = ()
    """Model names to compare (ids, aliases, or ``provider/model``); empty means "let the caller choose"."""
    input_tokens_per_request: int = 1_000
    """Prompt tokens per request, cached ones included."""
    output_tokens_per_request: int = 500
    """Completion tokens per request, reasoning ones included."""
    requests_per_month: float = 100_000
    """Requests in the first month."""
    cached_input_share: float = 0.0
    """Share of input tokens served from the prompt cache, 0 to 1."""
    reasoning_tokens_per_request: int = 0
    """Hidden reasoning tokens per request (part of the output tokens)."""
    batch_share: float = 0.0
    """Share of requests sent through the Batch API, 0 to 1."""
    flex_share: float = 0.0
    """Share of requests on the flex tier, 0 to 1."""
    priority_share: float = 0.0
    """Share of requests on the priority tier, 0 to 1; the rest is standard."""
    monthly_growth_rate: float = 0.0
    """Month-on-month growth of the request volume (0.05 = +5% a month; may be negative, above -1)."""
    images_per_request: int = 0
    """Images generated per request, priced per image (``data/image_prices.csv``)."""
    image_quality: str = "medium"
    """Quality of generated images (low, medium, high; standard or hd for dall-e)."""
    image_size: str = "1024x1024"
    """Size of generated images, WIDTHxHEIGHT in pixels."""
    monthly_budget_usd: float | None = None
    """A monthly budget to measure against, or None."""
    as_of: str | None = None
    """Price date, YYYY-MM-DD; None means "the caller decides" (the dashboard's date, or today)."""
    input_chars_per_request: int = 0
    """Above 0, the input is described as text: this many characters of ``input_text_kind`` per request,
    and each model's input tokens come from its own tokenizer (``input_tokens_per_request`` is ignored)."""
    input_text_kind: str = "en"
    """Kind of that text: en, ja, zh, code, json or chat (:data:`explorer.families.KINDS`)."""
    input_tokens_distribution: _dist.Distribution | None = None
    """Prompt tokens per request as a distribution (cached ones included); None: the point value.
    Used by :mod:`explorer.ranges`; the point figures above stay what every other result prices."""
    visible_output_tokens_distribution: _dist.Distribution | None = None
    """Output tokens per request *other than reasoning* (the visible answer) as a distribution; None: the
    point ``output_tokens_per_request - reasoning_tokens_per_request``."""
    reasoning_tokens_distribution: _dist.Distribution | None = None
    """Hidden reasoning tokens per request as a distribution (added to the visible output); None: the
    point ``reasoning_tokens_per_request``."""
    provider_terms: tuple[_terms.ProviderTerms, ...] = ()
    """Negotiated discount or monthly commitment per provider (:mod:`explorer.terms`); empty: list prices."""

    def __post_init__(self) -> None:
        try:
            _coerce_extras(self)
        except ValueError as exc:
            raise ScenarioError(f"scenario {clip(self.name)}: {exc}") from None
        errors = _field_errors(self)
        if errors:
            raise ScenarioError(f"scenario {limits.clip(self.name)}: {errors[0]}")

    @property
    def requests_per_day(self) -> float:
        """``requests_per_month`` spread over an average month."""
        return self.requests_per_month / DAYS_PER_MONTH

    @property
    def standard_share(self) -> float:
        """Share of requests on the standard tier (what batch, flex and priority leave)."""
        return max(0.0, 1.0 - self.batch_share - self.flex_share - self.priority_share)

    @property
    def cached_input_tokens_per_request(self) -> int:
        """Cached input tokens per request, rounded to whole tokens as the API counts them."""
        return round(self.cached_input_share * self.input_tokens_per_request)

    def tier_shares(self) -> dict[str, float]:
        """Share of requests per service tier, zero shares left out."""
        shares = {
            "standard": self.standard_share,
            "batch": self.batch_share,
            "flex": self.flex_share,
            "priority": self.priority_share,
        }
        return {t: s for t, s in shares.items() if s > 0}

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some fields changed (validated like a new one)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for YAML or JSON: every field, models as a list."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in _EXTRA_FIELDS}
        data["models"] = list(self.models)
        # The optional fields are written only when set, so files without them stay as they were.
        for name in _DIST_FIELDS:
            dist = getattr(self, name)
            if dist is not None:
                data[name] = dist.to_dict()
        if self.provider_terms:
            data["provider_terms"] = _terms.terms_to_data(self.provider_terms)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | Path | None = None) -> Scenario:
        """Build from plain data; unknown or mistyped fields raise :class:`ScenarioError` naming them."""
        where = f"{_display(source)}: " if source is not None else ""
        if not isinstance(data, Mapping):
            raise ScenarioError(f"{where}expected a mapping of scenario fields, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(map(str, data)) - known)
        if unknown:
            raise ScenarioError(
                f"{where}unknown field(s) {', '.join(limits.clip(u, 40) for u in unknown[:5])}; "
                f"expected {', '.join(sorted(known))}"
            )
        if "name" not in data:
            raise ScenarioError(f"{where}field 'name': missing")
        values = dict(data)
        if isinstance(values.get("models"), str):
            values["models"] = (values["models"],)
        elif isinstance(values.get("models"), list | tuple):
            values["models"] = tuple(values["models"])
        if isinstance(values.get("as_of"), dt.date):
            values["as_of"] = values["as_of"].isoformat()
        obj = object.__new__(cls)
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else None
            object.__setattr__(obj, f.name, values.get(f.name, default))
        try:
            _coerce_extras(obj)
        except ValueError as exc:
            raise ScenarioError(f"{where}{exc}") from None
        errors = _field_errors(obj)
        if errors:
            raise ScenarioError(f"{where}{errors[0]}")
        return cls(**{f.name: getattr(obj, f.name) for f in dataclasses.fields(cls)})


_INT_FIELDS = (
    "input_tokens_per_request",
    "output_tokens_per_request",
    "reasoning_tokens_per_request",
    "images_per_request",
    "input_chars_per_request",
)
_SHARE_FIELDS = ("cached_input_share", "batch_share", "flex_share", "priority_share")
_DIST_FIELDS = ("input_tokens_distribution", "visible_output_tokens_distribution", "reasoning_tokens_distribution")
_EXTRA_FIELDS = (*_DIST_FIELDS, "provider_terms")


def _coerce_extras(s: Scenario) -> None:
    """Plain data in the optional fields (a mapping from a file or a caller) becomes their objects.

    Raises a ValueError naming the field when the data is not valid.
    """
    for name in _DIST_FIELDS:
        value = getattr(s, name)
        if value is not None and not isinstance(value, _dist.Distribution):
            object.__setattr__(s, name, _dist.from_dict(value, field=name))
    terms = s.provider_terms
    if terms is None:
        object.__setattr__(s, "provider_terms", ())
    elif not (isinstance(terms, tuple) and all(isinstance(t, _terms.ProviderTerms) for t in terms)):
        object.__setattr__(s, "provider_terms", _terms.terms_from_data(terms))


def _field_errors(s: Scenario) -> list[str]:
    """Every problem, each naming its field; the first is reported."""
    errs: list[str] = []

    def number(name: str, value: Any, *, whole: bool = False) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            errs.append(f"field {name!r}: {limits.clip(value)} is not a number")
            return False
        if not math.isfinite(float(value)):
            errs.append(f"field {name!r}: {limits.clip(value)} is not finite")
            return False
        if whole and float(value) != int(value):
            errs.append(f"field {name!r}: {limits.clip(value)} is not a whole number")
            return False
        return True

    if not isinstance(s.name, str) or not s.name.strip():
        errs.append(f"field 'name': {limits.clip(s.name)} is not a non-empty text")
    if not isinstance(s.description, str):
        errs.append(f"field 'description': {limits.clip(s.description)} is not text")
    if not isinstance(s.models, tuple) or not all(isinstance(m, str) and m.strip() for m in s.models):
        errs.append(f"field 'models': {limits.clip(s.models)} is not a list of model names")
    for name in (*_INT_FIELDS, "requests_per_month"):
        value = getattr(s, name)
        if number(name, value, whole=name != "requests_per_month"):
            if value < 0:
                errs.append(f"field {name!r}: {value} is negative")
            elif value > _costs.MAX_COUNT:
                # Past this, float64 cost math stops being exact to the token: surely a typo.
                errs.append(f"field {name!r}: {value:g} is implausibly large (over {_costs.MAX_COUNT:.0e})")
    for name in _SHARE_FIELDS:
        value = getattr(s, name)
        if number(name, value) and not 0 <= value <= 1:
            errs.append(f"field {name!r}: {value} is not between 0 and 1")
    if not errs:
        paid = s.batch_share + s.flex_share + s.priority_share
        if paid > 1 + 1e-9:
            errs.append(f"field 'priority_share': batch + flex + priority shares add up to {paid:g}, over 1")
        if s.reasoning_tokens_per_request > s.output_tokens_per_request:
            errs.append(
                f"field 'reasoning_tokens_per_request': {s.reasoning_tokens_per_request} exceeds "
                f"output_tokens_per_request {s.output_tokens_per_request} (reasoning is part of output)"
            )
    if number("monthly_growth_rate", s.monthly_growth_rate) and s.monthly_growth_rate <= -1:
        errs.append(f"field 'monthly_growth_rate': {s.monthly_growth_rate} would shrink volume below zero")
    if (
        s.monthly_budget_usd is not None
        and number("monthly_budget_usd", s.monthly_budget_usd)
        and s.monthly_budget_usd < 0
    ):
        errs.append(f"field 'monthly_budget_usd': {s.monthly_budget_usd} is negative")
    from explorer.families import KINDS

    if s.input_text_kind not in KINDS:
        errs.append(f"field 'input_text_kind': {s.input_text_kind!r} is not one of {', '.join(KINDS)}")
    for name in ("image_quality", "image_size"):
        if not isinstance(getattr(s, name), str):
            errs.append(f"field {name!r}: {limits.clip(getattr(s, name))} is not text")
    if s.as_of is not None:
        try:
            day = dt.date.fromisoformat(str(s.as_of))
        except ValueError:
            errs.append(f"field 'as_of': {limits.clip(s.as_of)} is not a date (YYYY-MM-DD)")
        else:
            # A date no price table can answer for fails here, naming the field, not later in a chart.
            try:
                _prices.check_date_range(pd.Timestamp(day), "field 'as_of'")
            except ValueError as exc:
                errs.append(str(exc))
    return errs


# --------------------------------------------------------------------------------------------------
# Files


def _display(path: str | Path | None) -> str:
    return _prices._display_path(path) if path is not None else ""


SLUG_MAX_CHARS = 60
"""Longest file-name stem a scenario name turns into (file systems refuse names past 255 bytes)."""


def _slug(name: str) -> str:
    """The file-name stem for a scenario name: lower-case words joined by dashes, at most
    :data:`SLUG_MAX_CHARS` characters (a shortened one ends in a hash of the full name, so two long names
    that share a beginning still get different files)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "scenario"
    if len(slug) > SLUG_MAX_CHARS:
        slug = f"{slug[: SLUG_MAX_CHARS - 9].rstrip('-')}-{_name_hash(name)}"
    return slug


def _name_hash(name: str) -> str:
    import hashlib

    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _default_path(name: str) -> Path:
    """Where a scenario of this name is saved by default: ``<slug>.yaml``, unless that file holds a
    *different* scenario whose name has the same slug ("Team A: RAG" and "team a rag"); then
    ``<slug>-<hash of the name>.yaml``, so neither replaces the other."""
    folder = paths.user_scenarios_dir()
    slug = _slug(name)
    first = folder / f"{slug}.yaml"
    if not first.exists():
        return first
    try:
        if load_scenario(first).name == name:
            return first
    except ScenarioError:
        pass  # a damaged file with this slug: keep it for the user, write beside it
    return folder / f"{slug}-{_name_hash(name)}.yaml"


def _check_writable(target: Path) -> None:
    """Name the real problem (a folder in the way, a file where a folder should be) before writing."""
    where = _display(target)
    if target.is_dir():
        raise ScenarioError(f"{where}: is a directory, expected a .yaml or .json file path")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ScenarioError(f"{where}: {_display(parent)} is not a directory")
            break


def save_scenario(scenario: Scenario, path: str | Path | None = None, *, overwrite: bool = True) -> Path:
    """Write ``scenario`` as YAML (or JSON when ``path`` ends in .json); return the path written.

    Default path: ``<user dir>/scenarios/<slug of the name>.yaml``; a different scenario already saved
    under that slug is never replaced (this one gets ``<slug>-<hash>.yaml``), and a long name gives a
    shortened slug. The file is written to a temporary file in the same folder and moved into place with
    ``os.replace``, so a crash never leaves a half-written scenario and readers see either the old file
    or the new one.
    """
    target = Path(path) if path is not None else _default_path(scenario.name)
    if target.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise ScenarioError(
            f"{_display(target)}: unknown scenario format {limits.clip(target.suffix, 20)}; use .yaml or .json"
        )
    _check_writable(target)
    if target.exists() and not overwrite:
        raise ScenarioError(f"{_display(target)}: already exists (pass overwrite=True to replace it)")
    data = scenario.to_dict()
    if target.suffix.lower() == ".json":
        text = json.dumps(data, indent=2) + "\n"
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    return atomic.write_text(target, text)


def load_scenario(path: str | Path) -> Scenario:
    """Read a YAML or JSON scenario; errors name the file and the field (or the line of a syntax error).

    Limits: at most :data:`MAX_SCENARIO_BYTES`, no YAML aliases, nesting at most
    :data:`explorer.limits.NESTING_DEPTH` levels.
    """
    path = Path(path)
    data = _scenario_file.read_data(path, _display(path))
    return Scenario.from_dict(data, source=path)


def list_scenarios(*, include_user: bool = True, skipped: list[str] | None = None) -> dict[str, Scenario]:
    """Shipped examples, then the user's saved scenarios (a user file with the same name wins).

    A user file that cannot be loaded is skipped with a :class:`ScenarioWarning` naming it and the
    problem, so one bad file never takes the dashboard, the notebooks or the CLI down with it; the same
    one-line messages are appended to ``skipped`` if given (for a UI to show).
    """
    folders = [paths.SCENARIOS_DIR] + ([paths.user_scenarios_dir()] if include_user else [])
    found: dict[str, Scenario] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for file in sorted(folder.iterdir()):
            if file.suffix.lower() in (".yaml", ".yml", ".json") and not file.name.startswith("."):
                if folder != paths.SCENARIOS_DIR:
                    try:
                        scenario = load_scenario(file)
                    except ScenarioError as exc:
                        message = f"skipped scenario file {exc}"
                        if skipped is not None:
                            skipped.append(message)
                        warnings.warn(message, ScenarioWarning, stacklevel=2)
                        continue
                else:  # a shipped example that does not load is a packaging bug: fail loudly
                    scenario = load_scenario(file)
                found[scenario.name] = scenario
    return found


# --------------------------------------------------------------------------------------------------
# Costs


def model_key(model: str | tuple[str, str]) -> tuple[str, str]:
    """``(provider, model)`` for a name, alias, ``provider/model`` or an already resolved pair."""
    if isinstance(model, tuple):
        return model
    return _prices.resolve_model(model)


def model_label(provider: str, model: str) -> str:
    """How charts and tables name a model: its id, or ``provider/id`` when another provider owns the id."""
    try:
        home = _prices.resolve_model(model)
    except ValueError:
        home = None
    return model if home == (provider, model) else f"{provider}/{model}"


def _in_force(table: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    return table[_prices.in_force(table, day)]


COST_COLUMNS = (
    "provider",
    "model",
    "label",
    "cost_per_request_usd",
    "monthly_usd",
    "input_usd",
    "cached_input_usd",
    "output_usd",
    "reasoning_usd",
    "other_usd",
    "image_usd",
    "fits_context",
    "context_window_tokens",
    "is_override",
    "price_source",
    "note",
)
"""Columns of :func:`scenario_costs`; the ``*_usd`` components are per month and sum to ``monthly_usd``."""


def scenario_costs(
    scenario: Scenario,
    models: Iterable[str | tuple[str, str]] | None = None,
    *,
    prices: pd.DataFrame | None = None,
    as_of: dt.date | str | None = None,
) -> pd.DataFrame:
    """What the scenario's first month costs on each model, cheapest first, with its components.

    Traffic is split over service tiers by the scenario's shares; a model that does not offer a tier has
    that share priced at its standard rate and says so in ``note``. A model that cannot price the
    workload (not sold on that date, no output price, no per-image price) gets NaN costs and a note,
    never $0. Models whose context window is smaller than one request have ``fits_context`` False.
    """
    table = prices if prices is not None else _prices.price_history()
    day = _prices._as_timestamp(as_of if as_of is not None else scenario.as_of)
    keys = list(dict.fromkeys(model_key(m) for m in (models if models is not None else scenario.models)))
    if not keys:
        return pd.DataFrame(columns=list(COST_COLUMNS))
    # Only these models' rows: the cost engine's lookup then groups a few rows instead of thousands.
    table = table[table["model"].isin({m for _, m in keys})]
    live = _in_force(table, day)
    base = live[live["tier_above_input_tokens"] == 0]
    offered = set(zip(base["provider"], base["model"], base["service_tier"], strict=True))
    first = base.drop_duplicates(["provider", "model", "service_tier"]).set_index(
        ["provider", "model", "service_tier"]
    )
    shares = scenario.tier_shares() or {"standard": 1.0}
    input_tokens = _input_tokens_by_model(scenario, keys)
    notes: dict[tuple[str, str], list[str]] = {k: [] for k in keys}
    rows: list[dict[str, Any]] = []
    weights: list[float] = []
    owners: list[int] = []
    for i, (prov, model) in enumerate(keys):
        if (prov, model, "standard") not in offered:
            notes[(prov, model)].append(f"no price on {day.date()}")
            continue
        std = first.loc[(prov, model, "standard")]
        if scenario.output_tokens_per_request > 0 and pd.isna(std["output_usd_per_mtok"]):
            notes[(prov, model)].append("no output price (not a text-generation model)")
            continue
        if pd.isna(std["input_usd_per_mtok"]):
            notes[(prov, model)].append("no input price")
            continue
        for tier, share in shares.items():
            use = tier
            if (prov, model, tier) not in offered:
                notes[(prov, model)].append(f"no {tier} tier: its {share:.0%} priced at standard")
                use = "standard"
            rows.append(
                {
                    "provider": prov,
                    "model": model,
                    "service_tier": use,
                    "input_tokens": input_tokens[(prov, model)],
                    "output_tokens": scenario.output_tokens_per_request,
                    "cached_input_tokens": round(scenario.cached_input_share * input_tokens[(prov, model)]),
                    "reasoning_tokens": scenario.reasoning_tokens_per_request,
                }
            )
            weights.append(share)
            owners.append(i)
    comps = ("input_usd", "cached_input_usd", "output_usd", "reasoning_usd")
    per_request = np.full((len(keys), len(comps) + 2), np.nan)  # comps, other, override flag
    sources: dict[int, str] = {}
    if rows:
        priced = _costs.price_usage(pd.DataFrame(rows), as_of=day, prices=table)
        w = np.asarray(weights)[:, None]
        main = priced[list(comps)].to_numpy() * w
        other = (priced["total_usd"].to_numpy() - priced[list(comps)].sum(axis=1).to_numpy())[:, None] * w
        owner = np.asarray(owners)
        for i in np.unique(owner):
            sel = owner == i
            per_request[i, : len(comps)] = main[sel].sum(axis=0)
            per_request[i, len(comps)] = other[sel].sum()
            per_request[i, -1] = float(priced["is_override"].to_numpy()[sel].any())
            sources[int(i)] = str(priced["price_source"].iloc[int(np.flatnonzero(sel)[0])])
    image = np.zeros(len(keys))
    if scenario.images_per_request:
        img = _prices.load_image_prices(day)
        lookup = {(r.provider, r.model, r.quality, r.size): r.usd_per_image for r in img.itertuples()}
        for i, (prov, model) in enumerate(keys):
            usd = lookup.get((prov, model, scenario.image_quality, scenario.image_size))
            if usd is None:
                image[i] = np.nan
                notes[(prov, model)].append(
                    f"no per-image price for {scenario.image_quality} {scenario.image_size}"
                )
            else:
                image[i] = scenario.images_per_request * usd
    volume = scenario.requests_per_month
    window = []
    for prov, model in keys:
        rows_pm = base[(base["provider"] == prov) & (base["model"] == model)]
        window.append(rows_pm["context_window_tokens"].iloc[0] if len(rows_pm) else pd.NA)
    window_arr = pd.array(window, dtype="Int64")
    need = [input_tokens[k] + scenario.output_tokens_per_request for k in keys]
    fits = pd.array([pd.NA if pd.isna(w) else bool(w >= n) for w, n in zip(window_arr, need, strict=True)],
                    dtype="boolean")
    for i, k in enumerate(keys):
        if fits[i] is not pd.NA and not fits[i]:
            notes[k].append(
                f"request of {need[i]:,} tokens exceeds the {int(window_arr[i]):,}-token context window"
            )
    cost_per_request = per_request[:, : len(comps) + 1].sum(axis=1) + image
    out = pd.DataFrame(
        {
            "provider": [k[0] for k in keys],
            "model": [k[1] for k in keys],
            "label": [model_label(*k) for k in keys],
            "cost_per_request_usd": cost_per_request,
            "monthly_usd": cost_per_request * volume,
            **{c: per_request[:, j] * volume for j, c in enumerate(comps)},
            "other_usd": per_request[:, len(comps)] * volume,
            "image_usd": image * volume,
            "fits_context": fits,
            "context_window_tokens": window_arr,
            "is_override": per_request[:, -1] == 1.0,
            "price_source": [sources.get(i, "") for i in range(len(keys))],
            "note": ["; ".join(dict.fromkeys(notes[k])) for k in keys],
        }
    )
    out = out.sort_values(["monthly_usd", "provider", "model"], kind="stable", na_position="last")
    return out.reset_index(drop=True)


def _input_tokens_by_model(scenario: Scenario, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Input tokens per request on each model: the scenario's count, or each tokenizer's count of its text."""
    if not scenario.input_chars_per_request:
        return {k: scenario.input_tokens_per_request for k in keys}
    from explorer.text_workload import tokens_by_model

    counted = tokens_by_model(
        [f"{p}/{m}" for p, m in keys], chars=scenario.input_chars_per_request, kind=scenario.input_text_kind
    )
    return {k: c.tokens for k, c in zip(keys, counted, strict=True)}


def scenarios_costs(
    scenarios: Sequence[Scenario],
    models: Iterable[str | tuple[str, str]] | None = None,
    *,
    prices: pd.DataFrame | None = None,
    as_of: dt.date | str | None = None,
) -> pd.DataFrame:
    """:func:`scenario_costs` of several scenarios stacked, with a ``scenario`` column first."""
    table = prices if prices is not None else _prices.price_history()
    models = list(models) if models is not None else None
    frames = [
        scenario_costs(sc, models, prices=table, as_of=as_of).assign(scenario=sc.name) for sc in scenarios
    ]
    if not frames:
        return pd.DataFrame(columns=["scenario", *COST_COLUMNS])
    out = pd.concat(frames, ignore_index=True)
    return out[["scenario", *COST_COLUMNS]]


def compare_scenarios(
    scenarios: Sequence[Scenario],
    models: Iterable[str | tuple[str, str]] | None = None,
    *,
    prices: pd.DataFrame | None = None,
    as_of: dt.date | str | None = None,
) -> pd.DataFrame:
    """One row per scenario: volume, request shape, price date, the cheapest model that fits and its
    monthly cost, then the monthly cost on every model compared (one column per model label).
    ``models`` replaces each scenario's own list."""
    table = prices if prices is not None else _prices.price_history()
    return summarise_compare(
        scenarios, scenarios_costs(scenarios, models, prices=table, as_of=as_of), as_of=as_of
    )


def summarise_compare(
    scenarios: Sequence[Scenario], long: pd.DataFrame, *, as_of: dt.date | str | None = None
) -> pd.DataFrame:
    """The table of :func:`compare_scenarios` from already computed :func:`scenarios_costs`."""
    records: list[dict[str, Any]] = []
    for sc in scenarios:
        costs = long[long["scenario"] == sc.name]
        ok = costs[costs["monthly_usd"].notna() & costs["fits_context"].fillna(True).astype(bool)]
        rec: dict[str, Any] = {
            "scenario": sc.name,
            "requests_per_month": sc.requests_per_month,
            "input_tokens_per_request": sc.input_tokens_per_request,
            "output_tokens_per_request": sc.output_tokens_per_request,
            "cached_input_share": sc.cached_input_share,
            "as_of": str(_prices._as_timestamp(as_of if as_of is not None else sc.as_of).date()),
            "cheapest_model": ok["label"].iloc[0] if len(ok) else None,
            "cheapest_monthly_usd": float(ok["monthly_usd"].iloc[0]) if len(ok) else math.nan,
        }
        for row in costs.itertuples():
            rec[row.label] = row.monthly_usd
        records.append(rec)
    return pd.DataFrame(records)
