"""One validated, dated table of LLM API prices.

Sources, merged in this order (later wins inside its date range):

1. the genai-prices snapshot installed with the package (read locally; its network auto-update is never
   started here: refreshing is the explicit ``explorer refresh-prices`` command);
2. curated CSVs in ``data/``: launch dates, earlier prices, service-tier rules;
3. an optional user overrides CSV, marked ``is_override`` on every row it touches.

The table is a materialisation of "what did this cost on day D": for every model, service tier and
long-context tier, one row per date range in which every price stayed the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from explorer import atomic, paths, quick, table_cache
from explorer.lazy import LazyModule
from explorer.limits import clip
from explorer.snapshot import GENAI_PRICES_VERSION

if TYPE_CHECKING:
    from genai_prices import types as gp
else:  # imported when the table is built: a table found in its cache (table_cache) never needs it
    gp = LazyModule("genai_prices.types")

__all__ = [
    "PRICE_COLUMNS",
    "SERVICE_TIERS",
    "UnknownModelError",
    "known_models",
    "load_image_prices",
    "load_prices",
    "model_lifecycle",
    "on_sale",
    "price_history",
    "resolve_model",
    "resolved_names",
    "why_unpriced",
    "with_overrides",
]

SERVICE_TIERS: tuple[str, ...] = ("standard", "batch", "flex", "priority")
"""Service tiers the cost engine knows; ``standard`` is OpenAI's ``default``."""

#: The day this project pinned and checked the bundled genai-prices snapshot.
from explorer.snapshot import GENAI_PRICES_CHECKED  # noqa: E402 - one date, named where the data is read

GENAI_SOURCE = f"genai-prices {GENAI_PRICES_VERSION}"

# genai-prices price key -> our column. Keys not listed here are kept, by name, in `unmodeled_prices`
# so that a price we cannot apply is visible rather than silently dropped.
TOKEN_PRICE_KEYS: dict[str, str] = {
    "input_mtok": "input_usd_per_mtok",
    "cache_read_mtok": "cached_input_usd_per_mtok",
    "cache_write_mtok": "cache_write_usd_per_mtok",
    "cache_write_1h_mtok": "cache_write_1h_usd_per_mtok",
    "output_mtok": "output_usd_per_mtok",
    "output_reasoning_mtok": "reasoning_usd_per_mtok",
    "input_audio_mtok": "input_audio_usd_per_mtok",
    "output_audio_mtok": "output_audio_usd_per_mtok",
    "input_image_mtok": "input_image_usd_per_mtok",
    "output_image_mtok": "output_image_usd_per_mtok",
}
CALL_PRICE_KEYS: dict[str, str] = {
    "web_searches_kcount": "web_search_usd_per_kcall",
    "storage_searches_kcount": "file_search_usd_per_kcall",
}
PRICE_VALUE_COLUMNS: tuple[str, ...] = (*TOKEN_PRICE_KEYS.values(), *CALL_PRICE_KEYS.values())

PRICE_COLUMNS: dict[str, str] = {
    "provider": "string",
    "model": "string",
    "display_name": "string",
    "service_tier": "string",
    "tier_above_input_tokens": "int64",
    **dict.fromkeys(PRICE_VALUE_COLUMNS, "float64"),
    "context_window_tokens": "Int64",
    "valid_from": "datetime64[ns]",
    "valid_to": "datetime64[ns]",
    "source": "string",
    "verified_on": "datetime64[ns]",
    "launched": "datetime64[ns]",
    "deprecated_on": "datetime64[ns]",
    "shutdown_on": "datetime64[ns]",
    "deprecated": "bool",
    "is_override": "bool",
    "unmodeled_prices": "string",
}
"""Columns of :func:`load_prices`, in order, with their pandas dtypes.

``tier_above_input_tokens``: the row applies to a request whose input tokens exceed this (0: the base
tier). ``valid_to`` is exclusive; NaT ``valid_from``/``valid_to`` mean open-ended (launch date unknown,
or still in force). ``source`` names where the price comes from (a public page or changelog entry, a curated
CSV line quoting one, or ``genai-prices <version>``); ``verified_on`` is the day a person compared the price
with that source, NaT when nobody did (every genai-prices row, and curated rows marked unverified).
``launched``, ``deprecated_on`` (retirement announced) and ``shutdown_on`` come from
``data/model_launches.csv``; no row is in force on or after ``shutdown_on``."""

LIFECYCLE_STATUSES: tuple[str, ...] = ("active", "deprecated", "retired")
"""``lifecycle_status`` of :func:`load_prices` rows on the day asked for: ``deprecated`` once the shutdown is
announced (still served), ``retired`` from the shutdown on (only with ``include_retired``)."""

KEY_COLUMNS = ("provider", "model", "service_tier", "tier_above_input_tokens", "valid_from")

_DATED_SUFFIX = re.compile(r"-(\d{4})-(\d{2})-(\d{2})$")


MAX_NAME_CHARS = 200
"""Longest model name worth looking for close matches to (the longest known id is under 100 characters)."""


class UnknownModelError(ValueError):
    """A model name that matches nothing in the price table."""

    def __init__(self, name: str, suggestions: Sequence[str], provider: str | None = None) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        where = f" for provider {provider!r}" if provider else ""
        hint = f"; closest known: {', '.join(self.suggestions)}" if self.suggestions else ""
        super().__init__(f"unknown model {clip(name)}{where}{hint}")


# --------------------------------------------------------------------------------------------------
# CSV reading with validation that names file, line and column


@dataclasses.dataclass(frozen=True)
class CsvSpec:
    """What one curated CSV may contain."""

    required: tuple[str, ...]
    """Columns that must be present."""
    optional: tuple[str, ...] = ()
    """Columns that may be present."""
    prices: tuple[str, ...] = ()
    """Columns holding non-negative prices or factors."""
    dates: tuple[str, ...] = ()
    """Columns holding ISO dates."""
    ints: tuple[str, ...] = ()
    """Columns holding non-negative integers."""


def _where(path: Path | str, line: int | None = None, column: str | None = None) -> str:
    parts = [str(_display_path(path))]
    if line is not None:
        parts.append(f"line {line}")
    if column is not None:
        parts.append(f"column {column!r}")
    return ", ".join(parts)


def _display_path(path: Path | str) -> str:
    p = Path(path)
    try:
        return str(p.resolve().relative_to(paths.REPO_DIR))
    except ValueError:
        return str(p)


def read_csv_checked(path: Path | str, spec: CsvSpec) -> pd.DataFrame:
    """Read a CSV as strings, check its columns and value types; index = the file's line number."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{_where(path)}: file not found")
    if path.is_dir():
        raise ValueError(f"{_where(path)}: is a directory, expected a CSV file")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, comment=None)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{_where(path)}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{_where(path)}: empty file, expected a header row") from None
    except pd.errors.ParserError as exc:
        raise ValueError(f"{_where(path)}: malformed CSV ({str(exc).strip()})") from None
    df.columns = [str(c).strip() for c in df.columns]
    if len(df.columns) == 1 and len(spec.required) + len(spec.optional) > 1:
        for sep in (";", "\t", "|"):
            if sep in df.columns[0]:
                raise ValueError(f"{_where(path, 1)}: the header looks {clip(sep)}-separated, expected commas")
    allowed = set(spec.required) | set(spec.optional)
    unknown = sorted(set(df.columns) - allowed)
    if unknown:
        raise ValueError(
            f"{_where(path, 1, unknown[0])}: unknown column(s) {', '.join(map(repr, unknown))}; "
            f"expected {', '.join(spec.required + spec.optional)}"
        )
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        raise ValueError(f"{_where(path, 1)}: missing column(s) {', '.join(map(repr, missing))}")
    for col in spec.optional:
        if col not in df.columns:
            df[col] = ""
    df.index = pd.RangeIndex(2, 2 + len(df))  # line numbers: the header is line 1
    df = df.map(lambda v: v.strip() if isinstance(v, str) else v)
    for col in spec.prices:
        df[col] = [_parse_price(v, path, line, col) for line, v in df[col].items()]
    for col in spec.dates:
        df[col] = [_parse_date(v, path, line, col) for line, v in df[col].items()]
    for col in spec.ints:
        df[col] = [_parse_int(v, path, line, col) for line, v in df[col].items()]
    return df


def _parse_price(value: str, path: Path, line: int, col: str) -> float:
    if value == "":
        return math.nan
    try:
        x = float(value)
    except ValueError:
        raise ValueError(f"{_where(path, line, col)}: {clip(value)} is not a number") from None
    if not math.isfinite(x):
        raise ValueError(f"{_where(path, line, col)}: {clip(value)} is not a finite number")
    if x < 0:
        raise ValueError(f"{_where(path, line, col)}: negative price {value}")
    return x


def _parse_date(value: str, path: Path, line: int, col: str) -> pd.Timestamp:
    if value == "":
        return pd.NaT
    try:
        return pd.Timestamp(dt.date.fromisoformat(value))
    except ValueError:
        raise ValueError(f"{_where(path, line, col)}: {clip(value)} is not a date (YYYY-MM-DD)") from None


def _parse_int(value: str, path: Path, line: int, col: str) -> int:
    if value == "":
        return 0
    try:
        x = int(value)
    except ValueError:
        raise ValueError(f"{_where(path, line, col)}: {clip(value)} is not a whole number") from None
    if x < 0:
        raise ValueError(f"{_where(path, line, col)}: negative value {value}")
    return x


def _check_ranges(df: pd.DataFrame, path: Path, key: Sequence[str]) -> None:
    """valid_from < valid_to on each line, and no two lines of one key overlap in time."""
    for line, row in df.iterrows():
        lo, hi = row["valid_from"], row["valid_to"]
        if pd.notna(lo) and pd.notna(hi) and hi <= lo:
            raise ValueError(f"{_where(path, int(line), 'valid_to')}: {hi.date()} is not after {lo.date()}")
    for _, group in df.groupby(list(key), sort=False):
        if len(group) < 2:
            continue
        g = group.assign(_lo=group["valid_from"].fillna(pd.Timestamp.min)).sort_values("_lo")
        prev_hi: pd.Timestamp | None = None
        prev_line = 0
        for line, row in g.iterrows():
            if prev_hi is not None and (pd.isna(prev_hi) or row["_lo"] < prev_hi):
                raise ValueError(
                    f"{_where(path, int(line), 'valid_from')}: date range overlaps line {prev_line} "
                    f"for {', '.join(f'{k}={row[k]}' for k in key)}"
                )
            prev_hi, prev_line = row["valid_to"], int(line)


def _check_duplicates(df: pd.DataFrame, path: Path, key: Sequence[str]) -> None:
    dup = df.duplicated(list(key), keep="first")
    if dup.any():
        line = int(df.index[dup.to_numpy().argmax()])
        row = df.loc[line]
        same = df[list(key)].eq(row[list(key)]) | (df[list(key)].isna() & row[list(key)].isna())
        first = int(df.index[same.all(axis=1).to_numpy().argmax()])
        # Name the parts of the key the file gave; defaults (empty, NaT) say nothing to its author.
        shown = ", ".join(f"{k}={row[k]}" for k in key if pd.notna(row[k]) and str(row[k]) not in ("", "0", "override"))
        raise ValueError(f"{_where(path, line, 'model' if 'model' in key else key[0])}: duplicate row ({shown}), "
                         f"first seen on line {first}")


LAUNCHES_SPEC = CsvSpec(
    required=("provider", "model", "launched"),
    optional=("deprecated_on", "shutdown_on", "replacement", "source", "lifecycle_source", "verified_on"),
    dates=("launched", "deprecated_on", "shutdown_on", "verified_on"),
)
HISTORY_PRICE_COLUMNS: tuple[str, ...] = (
    "input_usd_per_mtok", "cached_input_usd_per_mtok", "output_usd_per_mtok", "input_audio_usd_per_mtok",
    "output_audio_usd_per_mtok",
)
"""Price columns ``data/price_history.csv`` may carry. A row whose prices are all empty says "the price on these
days is unknown": the model has no price then, rather than a later price carried back."""
HISTORY_SPEC = CsvSpec(
    required=("provider", "model", "valid_from", "valid_to", "input_usd_per_mtok", "output_usd_per_mtok"),
    optional=("cached_input_usd_per_mtok", "input_audio_usd_per_mtok", "output_audio_usd_per_mtok",
              "tier_above_input_tokens", "source", "verified_on"),
    prices=HISTORY_PRICE_COLUMNS,
    dates=("valid_from", "valid_to", "verified_on"),
    ints=("tier_above_input_tokens",),
)
TIERS_SPEC = CsvSpec(
    required=("provider", "model", "service_tier", "valid_from", "valid_to", "price_multiplier"),
    optional=("offered", "max_input_tokens", "source", "verified_on"),
    prices=("price_multiplier",),
    dates=("valid_from", "valid_to", "verified_on"),
    ints=("max_input_tokens",),
)
COMPONENTS_SPEC = CsvSpec(
    required=("provider", "model", "price_column", "valid_from", "valid_to"),
    optional=("source", "verified_on"),
    dates=("valid_from", "valid_to", "verified_on"),
)
OVERRIDE_SPEC = CsvSpec(
    required=("model",),
    optional=(
        "provider", "display_name", "service_tier", "tier_above_input_tokens", "valid_from", "valid_to",
        "context_window_tokens", "note", *PRICE_VALUE_COLUMNS,
    ),
    prices=PRICE_VALUE_COLUMNS,
    dates=("valid_from", "valid_to"),
    ints=("tier_above_input_tokens", "context_window_tokens"),
)
IMAGE_SPEC = CsvSpec(
    required=("provider", "model", "quality", "size", "usd_per_image", "valid_from", "valid_to"),
    optional=("source", "verified_on"),
    prices=("usd_per_image",),
    dates=("valid_from", "valid_to", "verified_on"),
)


def _check_tiers_ascending(df: pd.DataFrame, path: Path, key: Sequence[str]) -> None:
    """Within one model and date range, long-context tiers come in ascending threshold order."""
    for _, group in df.groupby(list(key), sort=False, dropna=False):
        thresholds = group["tier_above_input_tokens"].tolist()
        for i in range(1, len(thresholds)):
            if thresholds[i] <= thresholds[i - 1]:
                line = int(group.index[i])
                raise ValueError(
                    f"{_where(path, line, 'tier_above_input_tokens')}: tiers not ascending "
                    f"({thresholds[i]} after {thresholds[i - 1]})"
                )


def _check_tier_names(df: pd.DataFrame, path: Path) -> None:
    for line, tier in df["service_tier"].items():
        if tier not in SERVICE_TIERS:
            raise ValueError(
                f"{_where(path, int(line), 'service_tier')}: unknown service tier {clip(tier)}; "
                f"expected one of {', '.join(SERVICE_TIERS)}"
            )


def _check_lifecycle(la: pd.DataFrame, path: Path) -> None:
    """launched < shutdown_on, and a shutdown announced no later than it happens."""
    for line, row in la.iterrows():
        lo, dep, end = row["launched"], row["deprecated_on"], row["shutdown_on"]
        if pd.notna(end) and pd.notna(lo) and end <= lo:
            raise ValueError(f"{_where(path, int(line), 'shutdown_on')}: {end.date()} is not after launch {lo.date()}")
        if pd.notna(dep) and pd.notna(end) and dep > end:
            raise ValueError(f"{_where(path, int(line), 'deprecated_on')}: {dep.date()} is after the shutdown "
                             f"{end.date()}")
        if pd.notna(dep) and pd.isna(end):
            raise ValueError(f"{_where(path, int(line), 'shutdown_on')}: empty, but deprecated_on is given "
                             "(a deprecation always has a shutdown date)")


def _check_components(co: pd.DataFrame, path: Path) -> None:
    known = set(CALL_PRICE_KEYS.values()) | set(TOKEN_PRICE_KEYS.values())
    for line, col in co["price_column"].items():
        if col not in known:
            close = difflib.get_close_matches(col, sorted(known), n=1)
            hint = f"; closest known: {close[0]}" if close else ""
            raise ValueError(f"{_where(path, int(line), 'price_column')}: unknown price column {clip(col)}{hint}")
    _check_duplicates(co, path, ("provider", "model", "price_column", "valid_from"))
    _check_ranges(co, path, ("provider", "model", "price_column"))


@functools.cache
def _curated(
    launches: Path, history: Path, tiers: Path, components: Path = paths.PRICE_COMPONENTS_CSV,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    la = read_csv_checked(launches, LAUNCHES_SPEC)
    _check_duplicates(la, launches, ("provider", "model"))
    _check_lifecycle(la, launches)
    hi = read_csv_checked(history, HISTORY_SPEC)
    _check_duplicates(hi, history, ("provider", "model", "valid_from", "tier_above_input_tokens"))
    _check_ranges(hi[hi["tier_above_input_tokens"] == 0], history, ("provider", "model"))
    _check_tiers_ascending(hi, history, ("provider", "model", "valid_from"))
    ti = read_csv_checked(tiers, TIERS_SPEC)
    _check_tier_names(ti, tiers)
    for line, value in ti["offered"].items():
        if value.lower() not in ("", "yes", "no"):
            raise ValueError(f"{_where(tiers, int(line), 'offered')}: {clip(value)} is not yes or no")
    _check_duplicates(ti, tiers, ("provider", "model", "service_tier", "valid_from"))
    _check_ranges(ti, tiers, ("provider", "model", "service_tier"))
    co = read_csv_checked(components, COMPONENTS_SPEC)
    _check_components(co, components)
    return la, hi, ti, co


# --------------------------------------------------------------------------------------------------
# genai-prices snapshot -> plain data


@dataclasses.dataclass(frozen=True)
class PricePoint:
    """Prices for one model, service tier and long-context tier, at one moment."""

    values: tuple[tuple[str, float], ...]
    """(column, USD) pairs for the price columns that have a value."""
    source: str
    """Where these prices come from."""
    verified: pd.Timestamp
    """The day a person compared these prices with ``source``; NaT when nobody did."""
    unmodeled: str = ""
    """genai-prices price keys this table cannot apply (comma-separated)."""


def _dec(x: Decimal | gp.TieredPrices | None, above: int) -> float | None:
    """The price of one key for a request with more than `above` input tokens."""
    if x is None:
        return None
    if isinstance(x, gp.TieredPrices):
        price = x.base
        for tier in x.tiers:
            if above >= tier.start:
                price = tier.price
        return float(price)
    return float(x)


def _thresholds(mp: gp.ModelPrice) -> list[int]:
    out = {0}
    for v in mp.__dict__.values():
        if isinstance(v, gp.TieredPrices):
            out.update(t.start for t in v.tiers)
    return sorted(out)


_POINTS_CACHE: dict[int, tuple[gp.ModelPrice, dict[int, PricePoint]]] = {}


def _model_price_points(mp: gp.ModelPrice, source: str) -> dict[int, PricePoint]:
    """One PricePoint per long-context threshold (memoised: the snapshot's objects live for the process)."""
    hit = _POINTS_CACHE.get(id(mp))
    if hit is not None and hit[0] is mp:
        return hit[1]
    out = _compute_price_points(mp, source)
    _POINTS_CACHE[id(mp)] = (mp, out)
    return out


def _compute_price_points(mp: gp.ModelPrice, source: str) -> dict[int, PricePoint]:
    keys = {k: v for k, v in mp.__dict__.items() if v is not None and not k.startswith("_")}
    unmodeled = ",".join(sorted(k for k in keys if k not in TOKEN_PRICE_KEYS and k not in CALL_PRICE_KEYS))
    out = {}
    for t in _thresholds(mp):
        vals = []
        for key, col in (*TOKEN_PRICE_KEYS.items(), *CALL_PRICE_KEYS.items()):
            v = _dec(keys.get(key), t)
            if v is not None:
                vals.append((col, v))
        # genai-prices is a compilation: pinning its snapshot is not checking each of its prices.
        out[t] = PricePoint(tuple(vals), source, pd.NaT, unmodeled)
    return out


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """Everything known about one model, before materialising dated rows."""

    provider: str
    """genai-prices provider id, e.g. ``openai``."""
    model: str
    """Canonical model id (genai-prices id, or a dated snapshot name with its own history)."""
    display_name: str
    """Human name."""
    context_window_tokens: int | None
    """Largest input the model accepts, in tokens, where known."""
    deprecated: bool
    """Deprecated by its provider but still served."""
    info: gp.ModelInfo | None
    """The genai-prices record this entry prices from (None for a user-only model)."""


def _standard_periods(info: gp.ModelInfo) -> list[tuple[pd.Timestamp, gp.ModelPrice]]:
    """(start, prices) for each dated standard price; start NaT = since forever."""
    if isinstance(info.prices, gp.ModelPrice):
        return [(pd.NaT, info.prices)]
    periods: list[tuple[pd.Timestamp, gp.ModelPrice]] = []
    for cp in info.prices:
        if cp.constraint is None:
            periods.append((pd.NaT, cp.prices))
        elif isinstance(cp.constraint, gp.StartDateConstraint):
            periods.append((pd.Timestamp(cp.constraint.start_date), cp.prices))
        # Time-of-day prices (off-peak discounts) are not modelled: the all-day price stands.
    if not periods:
        periods.append((pd.NaT, info.prices[0].prices))
    # genai-prices uses the *last* active conditional price, and the first as a fallback.
    first = periods[0]
    dated = sorted(p for p in periods[1:] if pd.notna(p[0]))
    return [first, *dated]


def _tier_of_variant(when: Mapping[str, str]) -> str | None:
    if when.get("processing") == "batch":
        return "batch"
    st = when.get("service_tier")
    if st in ("flex", "priority"):
        return st
    return None  # "default" is standard; "fast" is not a tier this tool offers


def _active() -> Any:
    from explorer.snapshot import active_snapshot

    return active_snapshot()


_SNAPSHOTS: dict[tuple[Any, ...], Any] = {}


def _snapshot_models(key: tuple[Any, ...] | None = None) -> tuple[ModelEntry, ...]:
    act = _active() if key is None else _SNAPSHOTS[key]
    _SNAPSHOTS[act.key] = act
    return _snapshot_models_for(act.key)


@functools.cache
def _snapshot_models_for(key: tuple[Any, ...]) -> tuple[ModelEntry, ...]:
    snap = _SNAPSHOTS[key].snapshot
    out = []
    for prov in snap.providers:
        for m in prov.models:
            out.append(
                ModelEntry(
                    provider=prov.id,
                    model=m.id,
                    display_name=m.name or m.id,
                    context_window_tokens=m.context_window,
                    deprecated=bool(m.deprecated),
                    info=m,
                )
            )
    return tuple(out)


def _aliases(match: gp.MatchLogic) -> list[str]:
    """Exact names a genai-prices match clause accepts."""
    if isinstance(match, gp.ClauseEquals):
        return [match.equals]
    if isinstance(match, gp.ClauseOr):
        return [a for sub in match.or_ for a in _aliases(sub)]
    return []


def _launch_from_aliases(info: gp.ModelInfo | None) -> pd.Timestamp:
    """The earliest date suffix among a model's names: a model is not served before its snapshot date."""
    if info is None:
        return pd.NaT
    dates = []
    for name in [info.id, *_aliases(info.match)]:
        if m := _DATED_SUFFIX.search(name):
            try:
                dates.append(pd.Timestamp(dt.date(int(m[1]), int(m[2]), int(m[3]))))
            except ValueError:
                continue
    return min(dates) if dates else pd.NaT


# --------------------------------------------------------------------------------------------------
# Materialising the dated table


def _both_verified(a: pd.Timestamp, b: pd.Timestamp) -> pd.Timestamp:
    """A price derived from two checked facts is verified as of the older check; unverified if either is."""
    return pd.NaT if pd.isna(a) or pd.isna(b) else min(a, b)


def _scale(point: PricePoint, factor: float, source: str, verified: pd.Timestamp) -> PricePoint:
    # Multipliers apply to token prices; per-call tool prices are not discounted by batch/flex.
    vals = tuple((c, v * factor if c in TOKEN_PRICE_KEYS.values() else v) for c, v in point.values)
    return PricePoint(vals, source, _both_verified(point.verified, verified), point.unmodeled)


def _overlay(base: PricePoint, over: gp.ModelPrice, threshold: int, source: str) -> PricePoint:
    vals = dict(base.values)
    for key, col in (*TOKEN_PRICE_KEYS.items(), *CALL_PRICE_KEYS.items()):
        v = _dec(getattr(over, key, None) if key in over.__dict__ else None, threshold)
        if v is not None:
            vals[col] = v
    order = [c for c in PRICE_VALUE_COLUMNS if c in vals]
    # The variant's prices come from genai-prices: nobody checked them here.
    return PricePoint(tuple((c, vals[c]) for c in order), source, pd.NaT, base.unmodeled)


def _covers(lo: pd.Timestamp, hi: pd.Timestamp, day: pd.Timestamp) -> bool:
    """Whether [lo, hi) contains `day`; NaT bounds are open and NaT `day` is the distant past."""
    if pd.isna(day):
        return bool(pd.isna(lo))
    return bool((pd.isna(lo) or lo <= day) and (pd.isna(hi) or day < hi))


@dataclasses.dataclass(frozen=True)
class _HistoryRow:
    line: int
    valid_from: pd.Timestamp
    valid_to: pd.Timestamp
    threshold: int
    values: tuple[tuple[str, float], ...]
    source: str
    verified: pd.Timestamp


@dataclasses.dataclass(frozen=True)
class _Rule:
    line: int
    model: str
    tier: str
    valid_from: pd.Timestamp
    valid_to: pd.Timestamp
    multiplier: float
    offered: bool
    max_input_tokens: int  # 0: no limit; above it the request is billed at standard rates
    verified: pd.Timestamp


@dataclasses.dataclass(frozen=True)
class _Component:
    column: str
    valid_from: pd.Timestamp
    valid_to: pd.Timestamp


@dataclasses.dataclass(frozen=True)
class _Timeline:
    """Point-in-time price functions for one model; materialised into rows by :func:`_materialise`."""

    entry: ModelEntry
    launched: pd.Timestamp
    deprecated_on: pd.Timestamp
    shutdown_on: pd.Timestamp
    standard: list[tuple[pd.Timestamp, gp.ModelPrice]]
    history: list[_HistoryRow]
    variants: list[tuple[str, pd.Timestamp, gp.ModelPrice]]  # (tier, start, prices)
    rules: list[_Rule]
    components: list[_Component]
    label: str  # how the genai-prices data in use is named in `source`

    def breakpoints(self) -> list[pd.Timestamp]:
        pts = {self.launched, self.shutdown_on}
        pts.update(s for s, _ in self.standard)
        for h in self.history:
            pts.update((h.valid_from, h.valid_to))
        pts.update(s for _, s, _ in self.variants)
        for r in self.rules:
            pts.update((r.valid_from, r.valid_to))
        for c in self.components:
            pts.update((c.valid_from, c.valid_to))
        real = sorted(p for p in pts if pd.notna(p))
        return [pd.NaT, *real]

    def standard_at(self, day: pd.Timestamp) -> dict[int, PricePoint] | None:
        if pd.notna(self.launched) and (pd.isna(day) or day < self.launched):
            return None
        if pd.notna(self.shutdown_on) and pd.notna(day) and day >= self.shutdown_on:
            return None
        rows = [h for h in self.history if _covers(h.valid_from, h.valid_to, day)]
        if rows:
            # A row with no prices says "unknown on these days": no price, never a later one carried back.
            out = {h.threshold: PricePoint(h.values, h.source, h.verified) for h in rows if h.values}
            return self._split(self._components_at(out, day)) if out else None
        if self.entry.info is None:
            return None
        chosen = self.standard[0][1]
        for start, mp in self.standard[1:]:
            if pd.notna(day) and day >= start:
                chosen = mp
        return self._split(self._components_at(_model_price_points(chosen, self.label), day))

    def _split(self, points: dict[int, PricePoint]) -> dict[int, PricePoint]:
        """Every tier of a model gets the same long-context thresholds: where a tier rule stops at a prompt
        size (priority above 128K), the other tiers carry a row there too, at their unchanged price, so
        code that reads a model's thresholds (usage buckets judged per request) sees one set for all tiers."""
        limits = {r.max_input_tokens for r in self.rules if r.max_input_tokens}
        missing = sorted(m for m in limits if m not in points)
        if not missing:
            return points
        out = dict(points)
        for m in missing:
            below = max(t for t in points if t <= m)
            out[m] = points[below]
        return dict(sorted(out.items()))

    def _components_at(self, points: dict[int, PricePoint], day: pd.Timestamp) -> dict[int, PricePoint]:
        """Drop price columns (tool fees) on days outside their curated window."""
        gone = {c.column for c in self.components if not _covers(c.valid_from, c.valid_to, day)}
        if not gone:
            return points
        return {
            t: dataclasses.replace(p, values=tuple((c, v) for c, v in p.values if c not in gone))
            for t, p in points.items()
        }

    def tier_at(self, tier: str, day: pd.Timestamp) -> dict[int, PricePoint] | None:
        std = self.standard_at(day)
        if std is None:
            return None
        if tier == "standard":
            return std
        mine = [r for r in self.rules if r.tier == tier]
        # Rules naming the model replace the `*` rule for it: they say when the tier existed for this model.
        pool = [r for r in mine if r.model != "*"] or mine
        covering = [r for r in pool if _covers(r.valid_from, r.valid_to, day)]
        rule = covering[-1] if covering else None
        if pool and rule is None:
            return None
        if rule is not None and not rule.offered:
            return None
        active = [
            mp for t, start, mp in self.variants
            if t == tier and (pd.isna(start) or (pd.notna(day) and day >= start))
        ]
        src = f"data/service_tiers.csv line {rule.line}" if rule is not None else ""
        if active:
            out = {t: _overlay(p, active[-1], t, f"{self.label} ({tier} variant)") for t, p in std.items()}
        elif rule is None:
            return None
        elif math.isnan(rule.multiplier):
            later = [mp for t, _, mp in self.variants if t == tier]
            if not later:
                return None
            out = {t: _overlay(p, later[0], t, f"{src} ({tier} prices of {self.label})") for t, p in std.items()}
        else:
            m = rule.multiplier
            out = {t: _scale(p, m, f"{src} ({tier} = {m:g} x standard)", rule.verified) for t, p in std.items()}
        if rule is not None and rule.max_input_tokens:
            out = _standard_above(out, std, rule.max_input_tokens, src)
        return out


def _standard_above(
    tier_points: dict[int, PricePoint], std: dict[int, PricePoint], limit: int, rule_src: str
) -> dict[int, PricePoint]:
    """A tier that covers requests up to ``limit`` input tokens: above it, the standard rates apply."""
    out = {t: p for t, p in tier_points.items() if t < limit}
    for t in sorted(std):
        if t >= limit or t == max(x for x in std if x <= limit):
            p = std[t]
            note = f"{p.source} (standard rates above {limit:,} input tokens: {rule_src})"
            out[max(t, limit)] = dataclasses.replace(p, source=note)
    return dict(sorted(out.items()))


def _history_rows(df: pd.DataFrame) -> list[_HistoryRow]:
    out = []
    for line, row in df.iterrows():
        vals = tuple((col, float(row[col])) for col in HISTORY_PRICE_COLUMNS if not math.isnan(row[col]))
        src = f"data/price_history.csv line {line}" + (f": {row['source']}" if row["source"] else "")
        out.append(_HistoryRow(int(line), row["valid_from"], row["valid_to"], int(row["tier_above_input_tokens"]),
                               vals, src, row["verified_on"]))
    return out


def _timelines(
    launches: pd.DataFrame, history: pd.DataFrame, rules: pd.DataFrame, components: pd.DataFrame, act: Any
) -> list[_Timeline]:
    entries = list(_snapshot_models(act.key))
    by_key = {(e.provider, e.model): e for e in entries}
    # Dated snapshots with their own history (e.g. gpt-4o-2024-08-06) become models of their own.
    snap = act.snapshot
    for (prov, model), _ in history.groupby(["provider", "model"], sort=False):
        if (prov, model) in by_key:
            continue
        try:
            _, info = snap.find_provider_model(model, None, prov, None)
        except LookupError:
            info = None
        base = by_key.get((prov, info.id)) if info else None
        entry = ModelEntry(
            provider=prov, model=model, display_name=model,
            context_window_tokens=base.context_window_tokens if base else None,
            deprecated=base.deprecated if base else False, info=info,
        )
        entries.append(entry)
        by_key[(prov, model)] = entry
    launch_map = {(r.provider, r.model): r.launched for r in launches.itertuples()}
    ends = {(r.provider, r.model): (r.deprecated_on, r.shutdown_on) for r in launches.itertuples()}
    hist_groups = {k: _history_rows(g) for k, g in history.groupby(["provider", "model"], sort=False)}
    rule_list = [
        _Rule(int(line), r["model"], r["service_tier"], r["valid_from"], r["valid_to"],
              float(r["price_multiplier"]), r["offered"].lower() != "no", int(r["max_input_tokens"]),
              r["verified_on"])
        for line, r in rules.iterrows()
    ]
    comps_by_provider: dict[str, list[tuple[str, _Component]]] = {}
    for r in components.itertuples():
        comps_by_provider.setdefault(r.provider, []).append(
            (r.model, _Component(r.price_column, r.valid_from, r.valid_to)))
    rules_by_provider: dict[str, list[_Rule]] = {}
    for (_, r), rule in zip(rules.iterrows(), rule_list, strict=True):
        rules_by_provider.setdefault(r["provider"], []).append(rule)
    out = []
    for e in entries:
        launched = launch_map.get((e.provider, e.model), pd.NaT)
        if pd.isna(launched) and e.info is not None and e.model == e.info.id:
            launched = _launch_from_aliases(e.info)
        if pd.isna(launched) and (m := _DATED_SUFFIX.search(e.model)):
            launched = pd.Timestamp(dt.date(int(m[1]), int(m[2]), int(m[3])))
        h = hist_groups.get((e.provider, e.model), [])
        if h:
            # A model is served from its first known price at the latest.
            first = min((x.valid_from for x in h if pd.notna(x.valid_from)), default=pd.NaT)
            if pd.notna(first) and (pd.isna(launched) or first < launched):
                launched = first
        variants = []
        if e.info is not None:
            for v in e.info.price_variants or ():
                tier = _tier_of_variant(v.when)
                if tier is None:
                    continue
                start = (
                    pd.Timestamp(v.constraint.start_date)
                    if isinstance(v.constraint, gp.StartDateConstraint) else pd.NaT
                )
                variants.append((tier, start, v.prices))
        r = [x for x in rules_by_provider.get(e.provider, []) if x.model in ("*", e.model)]
        c = [x for m, x in comps_by_provider.get(e.provider, []) if m in ("*", e.model)]
        standard = _standard_periods(e.info) if e.info else [(pd.NaT, gp.ModelPrice())]
        dep, end = ends.get((e.provider, e.model), (pd.NaT, pd.NaT))
        out.append(_Timeline(e, launched, dep, end, standard, h, variants, r, c, act.label))
    return out


def _materialise(tl: _Timeline) -> list[dict[str, Any]]:
    pts = tl.breakpoints()
    rows: list[dict[str, Any]] = []
    for tier in SERVICE_TIERS:
        open_rows: dict[int, dict[str, Any]] = {}
        for i, start in enumerate(pts):
            end = pts[i + 1] if i + 1 < len(pts) else pd.NaT
            state = tl.tier_at(tier, start)
            current = state or {}
            # Close rows whose prices changed or vanished.
            for thr in list(open_rows):
                row = open_rows[thr]
                point = current.get(thr)
                if (point is None or point.values != row["_values"] or point.source != row["source"]
                        or not _same_day(point.verified, row["verified_on"])):
                    rows.append(open_rows.pop(thr))
                else:
                    row["valid_to"] = end
            for thr, point in current.items():
                if thr in open_rows:
                    continue
                if not point.values and not point.unmodeled:
                    continue
                open_rows[thr] = {
                    "provider": tl.entry.provider,
                    "model": tl.entry.model,
                    "display_name": tl.entry.display_name,
                    "service_tier": tier,
                    "tier_above_input_tokens": thr,
                    **dict(point.values),
                    "context_window_tokens": tl.entry.context_window_tokens,
                    "valid_from": start,
                    "valid_to": end,
                    "source": point.source,
                    "verified_on": point.verified,
                    "launched": tl.launched,
                    "deprecated_on": tl.deprecated_on,
                    "shutdown_on": tl.shutdown_on,
                    "deprecated": tl.entry.deprecated,
                    "is_override": False,
                    "unmodeled_prices": point.unmodeled,
                    "_values": point.values,
                }
        rows.extend(open_rows.values())
    return rows


def _same_day(a: pd.Timestamp, b: pd.Timestamp) -> bool:
    return bool((pd.isna(a) and pd.isna(b)) or (pd.notna(a) and pd.notna(b) and a == b))


def _frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(list(rows))
    for col in PRICE_COLUMNS:
        if col not in df.columns:
            df[col] = pd.NA
    df = df[list(PRICE_COLUMNS)]
    for col, dtype in PRICE_COLUMNS.items():
        if dtype == "float64":
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
        elif dtype.startswith("datetime"):
            df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
        elif dtype == "bool":
            df[col] = df[col].fillna(False).astype(bool)
        else:
            df[col] = df[col].astype(dtype)
    return df


def _build_for_check(snapshot: Any, origin: str) -> None:
    """Build the whole table from a candidate snapshot; raise ValueError naming `origin` if it cannot."""
    from explorer.snapshot import ActiveSnapshot

    act = ActiveSnapshot(("candidate", id(snapshot)), snapshot, "candidate", dt.date.today())
    _SNAPSHOTS[act.key] = act
    try:
        la, hi, ti, co = _curated(paths.MODEL_LAUNCHES_CSV.resolve(), paths.PRICE_HISTORY_CSV.resolve(),
                                  paths.SERVICE_TIERS_CSV.resolve(), paths.PRICE_COMPONENTS_CSV.resolve())
        rows = [r for tl in _timelines(la, hi, ti, co, act) for r in _materialise(tl)]
        if not rows:
            raise ValueError("no prices")
    except ValueError as exc:
        raise ValueError(f"{origin}: the price table does not build from it ({exc})") from None
    finally:
        _SNAPSHOTS.pop(act.key, None)
        _snapshot_models_for.cache_clear()


@functools.lru_cache(maxsize=8)
def _history_table(
    launches: Path, history: Path, tiers: Path, components: Path, key: tuple[Any, ...]
) -> pd.DataFrame:
    bundled = (launches, history, tiers, components) == (
        paths.MODEL_LAUNCHES_CSV.resolve(), paths.PRICE_HISTORY_CSV.resolve(), paths.SERVICE_TIERS_CSV.resolve(),
        paths.PRICE_COMPONENTS_CSV.resolve(),
    )
    if not bundled:
        return _build_history(launches, history, tiers, components, key)
    # The table of the package's own data is built once and cached on disk (explorer/table_cache.py).
    cached = table_cache.read()
    if cached is not None:
        try:
            return _frame_from_columns(cached.columns)
        except (ValueError, TypeError, KeyError) as exc:
            warnings.warn(f"price table cache {table_cache.cache_path()} is damaged ({exc}); rebuilding it",
                          table_cache.PriceCacheWarning, stacklevel=2)
    df = _build_history(launches, history, tiers, components, key)
    table_cache.write(table_cache.CachedTable(table_cache.source_key(), _columns_of(df), _resolved_names(key),
                                              _checked(_SNAPSHOTS[key])))
    return df


def _bundled_csvs() -> tuple[Path, ...]:
    return (paths.MODEL_LAUNCHES_CSV.resolve(), paths.PRICE_HISTORY_CSV.resolve(), paths.SERVICE_TIERS_CSV.resolve(),
            paths.PRICE_COMPONENTS_CSV.resolve())


@functools.lru_cache(maxsize=2)
def _table_of_cache(key: str) -> pd.DataFrame:
    """The table held by the cache file of this key (read again only when the key changes)."""
    cached = table_cache.read()
    if cached is None or cached.key != key:
        raise KeyError(key)
    return _frame_from_columns(cached.columns)


def _columns_of(df: pd.DataFrame) -> dict[str, list[Any]]:
    """The table as plain values by column: None for missing, datetimes as int ns since 1970."""
    out: dict[str, list[Any]] = {}
    for col, dtype in PRICE_COLUMNS.items():
        s = df[col]
        if dtype.startswith("datetime"):
            ns = s.to_numpy(dtype="datetime64[ns]")
            out[col] = [None if nat else v for v, nat in zip(ns.view("int64").tolist(), pd.isna(ns).tolist(),
                                                               strict=True)]
        elif dtype == "float64":
            out[col] = [None if math.isnan(v) else v for v in s.to_numpy(dtype="float64").tolist()]
        elif dtype in ("bool", "int64"):
            out[col] = s.to_numpy().tolist()
        else:
            out[col] = [None if pd.isna(v) else (int(v) if dtype == "Int64" else str(v)) for v in s.tolist()]
    return out


def _frame_from_columns(columns: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """:func:`_columns_of` back to the table, with :data:`PRICE_COLUMNS`' dtypes."""
    if list(columns) != list(PRICE_COLUMNS):
        raise ValueError("price table cache: columns differ from PRICE_COLUMNS")
    data: dict[str, Any] = {}
    for col, dtype in PRICE_COLUMNS.items():
        values = columns[col]
        if dtype.startswith("datetime"):
            data[col] = pd.to_datetime(pd.array(values, dtype="Int64"), unit="ns").astype("datetime64[ns]")
        elif dtype == "float64":
            data[col] = pd.array([math.nan if v is None else v for v in values], dtype="float64")
        else:
            data[col] = pd.array(values, dtype=dtype)
    return pd.DataFrame(data)


def resolved_names() -> dict[str, tuple[str, str]]:
    """Every exact model id and alias with what :func:`resolve_model` answers for it, on the data in use
    (stored by the price table cache and :mod:`explorer.model_names`)."""
    act = _active()
    _SNAPSHOTS[act.key] = act
    return _resolved_names(act.key)


def _resolved_names(key: tuple[Any, ...]) -> dict[str, tuple[str, str]]:
    """Every exact id and alias with what :func:`resolve_model` makes of it (names with a provider prefix
    are left to the resolver)."""
    ids, aliases = _name_index_for(key)
    out: dict[str, tuple[str, str]] = {}
    for name in sorted({*ids, *aliases}):
        if "/" in name or name != name.strip():
            continue
        try:
            out[name] = _resolve_cached(name, None, key)
        except UnknownModelError:
            continue
    return out


def _build_history(
    launches: Path, history: Path, tiers: Path, components: Path, key: tuple[Any, ...]
) -> pd.DataFrame:
    la, hi, ti, co = _curated(launches, history, tiers, components)
    rows: list[dict[str, Any]] = []
    for tl in _timelines(la, hi, ti, co, _SNAPSHOTS[key]):
        rows.extend(_materialise(tl))
    df = _frame(rows)
    provider_rank = df["provider"].map(lambda p: 0 if p == "openai" else 1)
    df = (
        df.assign(_p=provider_rank, _t=df["service_tier"].map(SERVICE_TIERS.index))
        .sort_values(["_p", "provider", "model", "_t", "valid_from", "tier_above_input_tokens"],
                     na_position="first", kind="stable")
        .drop(columns=["_p", "_t"])
        .reset_index(drop=True)
    )
    return df


# --------------------------------------------------------------------------------------------------
# Overrides


def load_overrides(path: Path | str) -> pd.DataFrame:
    """Read a user overrides CSV into price-table rows marked ``is_override``."""
    path = Path(path)
    df = read_csv_checked(path, OVERRIDE_SPEC)
    if df.empty:
        raise ValueError(f"{_where(path)}: no rows (header only)")
    df["provider"] = df["provider"].replace("", "override")
    df["service_tier"] = df["service_tier"].replace("", "standard")
    _check_tier_names(df, path)
    for line, row in df.iterrows():
        if row["model"] == "":
            raise ValueError(f"{_where(path, int(line), 'model')}: empty model name")
        if all(math.isnan(row[c]) for c in PRICE_VALUE_COLUMNS):
            raise ValueError(f"{_where(path, int(line))}: no price given for {clip(row['model'])}")
    _check_duplicates(df, path, ("provider", "model", "service_tier", "tier_above_input_tokens", "valid_from"))
    _check_ranges(
        df[df["tier_above_input_tokens"] == 0], path, ("provider", "model", "service_tier")
    )
    _check_tiers_ascending(df, path, ("provider", "model", "service_tier", "valid_from"))
    rows = []
    for line, row in df.iterrows():
        note = f": {row['note']}" if row["note"] else ""
        rows.append({
            "provider": row["provider"],
            "model": row["model"],
            "display_name": row["display_name"] or row["model"],
            "service_tier": row["service_tier"],
            "tier_above_input_tokens": row["tier_above_input_tokens"],
            **{c: row[c] for c in PRICE_VALUE_COLUMNS},
            "context_window_tokens": row["context_window_tokens"] or None,
            "valid_from": row["valid_from"],
            "valid_to": row["valid_to"],
            "source": f"override {_display_path(path)} line {line}{note}",
            "verified_on": pd.NaT,
            "deprecated": False,
            "is_override": True,
            "unmodeled_prices": "",
        })
    return _frame(rows)


OVERRIDE_COLUMNS: tuple[str, ...] = (
    "provider", "model", "display_name", "service_tier", "tier_above_input_tokens", *PRICE_VALUE_COLUMNS,
    "context_window_tokens", "valid_from", "valid_to", "note",
)
"""Columns :func:`save_overrides` writes (all of them optional for :func:`load_overrides` but ``model``)."""


def default_overrides_path() -> Path:
    """Where the dashboard saves your overrides."""
    return paths.user_dir() / "overrides.csv"


def save_overrides(rows: pd.DataFrame, path: Path | str | None = None) -> Path:
    """Write override rows (price-table columns, as the dashboard keeps them) to a CSV that
    :func:`load_overrides` reads back. The file is checked by reading it back before it replaces the old
    one, and written atomically: an interrupted save leaves the previous file as it was."""
    target = Path(path) if path is not None else default_overrides_path()
    if rows.empty:
        raise ValueError("overrides: nothing to save")
    out = pd.DataFrame(index=range(len(rows)))
    src = rows.reset_index(drop=True)
    for col in OVERRIDE_COLUMNS:
        if col == "note":
            notes = src["source"].astype(str) if "source" in src.columns else pd.Series("", index=src.index)
            out[col] = notes.str.replace(r"^override[^:]*:\s*", "", regex=True).where(
                notes.str.contains(":"), "")
        elif col in ("valid_from", "valid_to"):
            out[col] = pd.to_datetime(src[col]).dt.strftime("%Y-%m-%d").fillna("") if col in src else ""
        elif col in src.columns:
            out[col] = src[col]
        else:
            out[col] = ""
    if "provider" in src.columns:
        out["provider"] = src["provider"]
    target.parent.mkdir(parents=True, exist_ok=True)
    return atomic.write_text(target, out.to_csv(index=False), validate=load_overrides)


def apply_overrides(table: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """Overrides replace the bundled rows of the same provider, model and service tier.

    An override row for a model the bundled data knows takes that model's provider when none is given,
    so a negotiated discount on ``gpt-4o`` is written as just ``model=gpt-4o``.
    """
    ov = overrides.copy()
    for i, row in ov.iterrows():
        if row["provider"] == "override":
            try:
                prov, model = resolve_model(str(row["model"]))
            except UnknownModelError:
                continue
            ov.at[i, "provider"], ov.at[i, "model"] = prov, model
            base = table[(table["provider"] == prov) & (table["model"] == model)]
            if not base.empty:
                if pd.isna(row["context_window_tokens"]):
                    ov.at[i, "context_window_tokens"] = base["context_window_tokens"].iloc[-1]
                if row["display_name"] == row["model"]:
                    ov.at[i, "display_name"] = base["display_name"].iloc[-1]
    replaced = pd.Series(False, index=table.index)
    for _, row in ov.iterrows():
        same = (
            (table["provider"] == row["provider"]) & (table["model"] == row["model"])
            & (table["service_tier"] == row["service_tier"])
        )
        if pd.notna(row["valid_from"]):
            same &= table["valid_to"].isna() | (table["valid_to"] > row["valid_from"])
        if pd.notna(row["valid_to"]):
            same &= table["valid_from"].isna() | (table["valid_from"] < row["valid_to"])
        replaced |= same
    return pd.concat([table[~replaced], ov], ignore_index=True)


# --------------------------------------------------------------------------------------------------
# Public API


def _as_timestamp(as_of: dt.date | dt.datetime | str | pd.Timestamp | None, what: str = "as_of") -> pd.Timestamp:
    if as_of is None:
        return pd.Timestamp(dt.date.today())
    try:
        ts = pd.Timestamp(as_of)
    except (ValueError, TypeError):
        raise ValueError(f"{what}: {clip(as_of)} is not a date (YYYY-MM-DD)") from None
    if pd.isna(ts):
        raise ValueError(f"{what}: {clip(as_of)} is not a date (YYYY-MM-DD)")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    check_date_range(ts, what)
    return ts


EARLIEST_PRICES = pd.Timestamp(quick.EARLIEST_PRICES_DAY)
"""The OpenAI API opened (GPT-3 beta): no price table says anything about earlier days."""


def latest_known_day() -> pd.Timestamp:
    """Tomorrow: a request logged in a time zone ahead of UTC may carry tomorrow's date."""
    return pd.Timestamp(dt.date.today()) + pd.Timedelta(days=1)


def check_date_range(ts: pd.Timestamp, what: str) -> None:
    """Dates before the first API prices or after today are mistakes, not questions we can answer."""
    if ts < EARLIEST_PRICES:
        raise ValueError(f"{what}: {ts.date()} is before the first API prices ({EARLIEST_PRICES.date()})")
    if ts >= latest_known_day() + pd.Timedelta(days=1):
        raise ValueError(
            f"{what}: {ts.date()} is in the future; prices are known up to today ({dt.date.today()})"
        )


def in_force(table: pd.DataFrame, day: pd.Timestamp | dt.date | str) -> pd.Series:
    """Rows of a dated table whose [valid_from, valid_to) contains ``day`` (NaT bounds are open)."""
    day = pd.Timestamp(day)
    return (table["valid_from"].isna() | (table["valid_from"] <= day)) & (
        table["valid_to"].isna() | (table["valid_to"] > day)
    )


STALE_AFTER_DAYS = quick.STALE_AFTER_DAYS
"""Warn when the price data in use was checked this many days or more before the date asked for."""


AS_OF_ENV = "EXPLORER_AS_OF"
"""Environment variable that pins the day :func:`as_of_day` gives for ``None`` (tests and the committed notebook
outputs use it, so those outputs do not change with the calendar)."""


def as_of_day(value: dt.date | str | None = None) -> str:
    """The day a notebook prices at, as ``YYYY-MM-DD``: ``value`` if given, else ``$EXPLORER_AS_OF`` if set,
    else today (the command line's default too).

    Raises:
        ValueError: ``value`` or ``$EXPLORER_AS_OF`` is not a date in the range prices exist for.
    """
    import os

    if value is not None:
        return str(_as_timestamp(value, "AS_OF").date())
    pinned = os.environ.get(AS_OF_ENV, "").strip()
    if pinned:
        return str(_as_timestamp(pinned, AS_OF_ENV).date())
    return dt.date.today().isoformat()


def freshness_warning(as_of: dt.date | dt.datetime | str | None = None) -> str | None:
    """One line when the prices in use were checked more than 90 days before ``as_of`` (default today)."""
    day = _as_timestamp(as_of).date()
    act = _active()
    return quick.freshness_text(_checked(act), day)


def _checked(act: Any) -> dt.date:
    """When the genai-prices data in use was checked against its source."""
    # Bundled data: the pin's checked date, read here so that it is the one constant to update.
    return GENAI_PRICES_CHECKED if act.key == ("bundled",) else act.checked


CSV_PATH_ARGS: tuple[str, ...] = ("launches_csv", "history_csv", "tiers_csv", "components_csv")
"""Keyword arguments that point :func:`price_history` and :func:`load_prices` at other curated files."""


def price_history(
    *,
    overrides: Path | str | pd.DataFrame | None = None,
    launches_csv: Path | str = paths.MODEL_LAUNCHES_CSV,
    history_csv: Path | str = paths.PRICE_HISTORY_CSV,
    tiers_csv: Path | str = paths.SERVICE_TIERS_CSV,
    components_csv: Path | str = paths.PRICE_COMPONENTS_CSV,
) -> pd.DataFrame:
    """Every dated price row, all service tiers, all providers (a fresh copy you may modify)."""
    return with_overrides(_cached_table(launches_csv, history_csv, tiers_csv, components_csv).copy(), overrides)


def _cached_table(
    launches_csv: Path | str = paths.MODEL_LAUNCHES_CSV,
    history_csv: Path | str = paths.PRICE_HISTORY_CSV,
    tiers_csv: Path | str = paths.SERVICE_TIERS_CSV,
    components_csv: Path | str = paths.PRICE_COMPONENTS_CSV,
) -> pd.DataFrame:
    """The shared, cached table: callers must not modify it (filter it, or copy it first)."""
    csvs = (Path(launches_csv).resolve(), Path(history_csv).resolve(), Path(tiers_csv).resolve(),
            Path(components_csv).resolve())
    if csvs == _bundled_csvs():
        # The cache file is keyed by every source, the genai-prices data in use included: when it is
        # sound, neither genai-prices nor its snapshot needs loading (about half a second).
        cached = table_cache.read()
        if cached is not None:
            try:
                return _table_of_cache(cached.key)
            except (ValueError, TypeError, KeyError):
                pass  # the full path below warns and rebuilds
    act = _active()
    _SNAPSHOTS[act.key] = act
    return _history_table(Path(launches_csv).resolve(), Path(history_csv).resolve(), Path(tiers_csv).resolve(),
                          Path(components_csv).resolve(), act.key)


def with_overrides(table: pd.DataFrame | None, overrides: Path | str | pd.DataFrame | None) -> pd.DataFrame:
    """The price table to use: ``table`` (default: :func:`price_history`) with ``overrides`` (a CSV path
    or a frame from :func:`load_overrides`) applied on top, if any."""
    if table is None:
        return price_history(overrides=overrides)
    if overrides is None:
        return table
    return apply_overrides(table, overrides if isinstance(overrides, pd.DataFrame) else load_overrides(overrides))


def lifecycle_status(table: pd.DataFrame, day: pd.Timestamp | dt.date | str) -> pd.Series:
    """Per row: ``active``, ``deprecated`` (shutdown announced, still served) or ``retired`` on ``day``."""
    # numpy rather than pandas masks: this runs on every load_prices() call.
    d = np.datetime64(pd.Timestamp(day).to_datetime64(), "ns")
    end = table["shutdown_on"].to_numpy(dtype="datetime64[ns]")
    dep = table["deprecated_on"].to_numpy(dtype="datetime64[ns]")
    retired = ~np.isnat(end) & (end <= d)
    deprecated = ~np.isnat(dep) & (dep <= d) & ~retired
    codes = np.where(retired, 2, np.where(deprecated, 1, 0)).astype(np.int8)  # LIFECYCLE_STATUSES order
    return pd.Series(pd.Categorical.from_codes(codes, categories=list(LIFECYCLE_STATUSES)), index=table.index)


def last_prices(table: pd.DataFrame, day: pd.Timestamp | dt.date | str) -> pd.DataFrame:
    """The rows that were in force on the eve of each shutdown that happened on or before ``day``."""
    day = pd.Timestamp(day)
    gone = table["shutdown_on"].notna() & (table["shutdown_on"] <= day)
    return table[gone & (table["valid_to"] == table["shutdown_on"])]


def load_prices(
    as_of: dt.date | dt.datetime | str | None = None,
    *,
    provider: str | Sequence[str] | None = None,
    model: str | None = None,
    service_tier: str | None = "standard",
    overrides: Path | str | pd.DataFrame | None = None,
    history: bool = False,
    include_unpriced: bool = False,
    include_retired: bool = False,
    **csv_paths: Path | str,
) -> pd.DataFrame:
    """The validated price table: a row per provider, model (and long-context tier) in force on ``as_of``.

    Every row carries its provenance (``source``, ``verified_on``) and the model's lifecycle (``launched``,
    ``deprecated_on``, ``shutdown_on``, and ``lifecycle_status`` on ``as_of``). A model is in force only
    between its launch and its shutdown, and only where a sourced price exists: before its first sourced
    price it has no row at all, rather than today's price carried back.

    Args:
        as_of: the day whose prices you want (default: today). With ``history=True`` only the day
            ``lifecycle_status`` is measured on.
        provider: keep only these provider ids (e.g. ``"openai"``).
        model: keep models whose id contains this text (case-insensitive), e.g. ``"gpt-4o"``.
        service_tier: ``standard`` (default), ``batch``, ``flex``, ``priority``, or None for all.
        overrides: a user overrides CSV (or a frame from :func:`load_overrides`); its rows are marked
            ``is_override`` and replace bundled rows of the same model and tier.
        history: return every dated row instead of the ones in force on ``as_of``.
        include_unpriced: keep rows that carry no price this tool can apply (e.g. per-hour audio).
        include_retired: also list models shut down by ``as_of``, at their last price, marked ``retired``.
        csv_paths: ``launches_csv``, ``history_csv``, ``tiers_csv``, ``components_csv`` to read other
            curated files (tests).

    Raises:
        ValueError: a curated or override CSV is invalid (the message names file, line and column), or
            an argument is.
    """
    unknown_kw = set(csv_paths) - set(CSV_PATH_ARGS)
    if unknown_kw:
        raise TypeError(f"load_prices() got unexpected keyword argument(s): {', '.join(sorted(unknown_kw))}")
    # No copy of the cached table: every step below builds a new frame, and the last one is returned.
    table = _cached_table(**csv_paths)
    if overrides is not None:
        table = with_overrides(table.copy(), overrides)
    if service_tier is not None:
        if service_tier not in SERVICE_TIERS:
            raise ValueError(f"service_tier: unknown {clip(service_tier)}; expected one of {', '.join(SERVICE_TIERS)}")
        table = table[table["service_tier"] == service_tier]
    if provider is not None:
        # Provider ids are lower case: "Anthropic" means anthropic, as model names ignore case too.
        wanted = [p.strip().lower() for p in ([provider] if isinstance(provider, str) else list(provider))]
        known = set(table["provider"])
        for p in wanted:
            if p not in known:
                close = difflib.get_close_matches(p, sorted(known), n=3, cutoff=0.5)
                hint = f"; closest known: {', '.join(close)}" if close else ""
                raise ValueError(f"provider: unknown {clip(p)}{hint}")
        table = table[table["provider"].isin(wanted)]
    if model is not None:
        # "openai/gpt-4o" and "openai:gpt-4o" name the provider too, as every model option accepts them;
        # ids that merely contain the text (a router's "openai/gpt-4o") still match.
        matches = table["model"].str.contains(model, case=False, regex=False)
        head, rest = split_provider(model, set(table["provider"]))
        if head is not None:
            matches |= (table["provider"] == head) & table["model"].str.contains(rest, case=False, regex=False)
        table = table[matches]
    if not include_unpriced:
        table = table[table[list(PRICE_VALUE_COLUMNS)].notna().any(axis=1)]
    day = _as_timestamp(as_of)
    if not history:
        live = table[in_force(table, day)]
        table = pd.concat([live, last_prices(table, day)]) if include_retired else live
    table = table.reset_index(drop=True)
    # A new frame already (filtered or reset): adding the column in place saves a copy per call.
    table["lifecycle_status"] = lifecycle_status(table, day)
    return table


@dataclasses.dataclass(frozen=True)
class Lifecycle:
    """One model's dated lifecycle, from ``data/model_launches.csv``."""

    provider: str
    """Provider id."""
    model: str
    """Model id as the price table names it."""
    launched: pd.Timestamp
    """First day the model was served (NaT: unknown)."""
    deprecated_on: pd.Timestamp
    """Day the shutdown was announced (NaT: none announced, or not known)."""
    shutdown_on: pd.Timestamp
    """First day the model no longer answered (NaT: still served)."""
    replacement: str
    """The provider's recommended replacement, if any."""
    source: str
    """Where the launch date comes from."""
    lifecycle_source: str
    """Where the deprecation and shutdown dates come from."""
    verified_on: pd.Timestamp
    """Day a person checked the row against its sources; NaT when nobody did."""


def model_lifecycle(provider: str, model: str) -> Lifecycle | None:
    """The curated lifecycle of one model, or None when ``data/model_launches.csv`` has no row for it."""
    return _lifecycles().get((provider, model))


def _lifecycles() -> dict[tuple[str, str], Lifecycle]:
    la = _curated(paths.MODEL_LAUNCHES_CSV.resolve(), paths.PRICE_HISTORY_CSV.resolve(),
                  paths.SERVICE_TIERS_CSV.resolve(), paths.PRICE_COMPONENTS_CSV.resolve())[0]
    return {
        (r.provider, r.model): Lifecycle(r.provider, r.model, r.launched, r.deprecated_on, r.shutdown_on,
                                         r.replacement, r.source, r.lifecycle_source, r.verified_on)
        for r in la.itertuples()
    }


def on_sale(models: Iterable[str], as_of: dt.date | str | None = None) -> list[str]:
    """The given model names that have a standard price on ``as_of`` (default today), in order: a default
    list of models stays valid as models are launched and shut down."""
    day = _as_timestamp(as_of)
    table = price_history()
    live = table[(table["service_tier"] == "standard") & in_force(table, day)]
    keys = set(zip(live["provider"], live["model"], strict=True))
    return [m for m in models if resolve_model(m) in keys]


def _usd(x: float) -> str:
    from explorer import fmt

    return fmt.rate(x)


def describe_price(row: Mapping[str, Any] | pd.Series) -> str:
    """``$20 / $20 per 1M input / output tokens (from 2022-09-01; source ...)`` for one price row."""
    since = f"from {pd.Timestamp(row['valid_from']).date()}; " if pd.notna(row["valid_from"]) else ""
    verified = (f"verified {pd.Timestamp(row['verified_on']).date()}" if pd.notna(row["verified_on"])
                else "unverified")
    return (f"{_usd(row['input_usd_per_mtok'])} / {_usd(row['output_usd_per_mtok'])} per 1M input / output tokens "
            f"({since}{verified}; source: {row['source']})")


def why_unpriced(
    provider: str, model: str, day: pd.Timestamp | dt.date | str, *, table: pd.DataFrame | None = None,
    service_tier: str = "standard",
) -> str | None:
    """Why ``model`` has no ``service_tier`` price on ``day``, in one sentence; None if it has one.

    Shut down: ``"davinci was shut down on 2024-01-04; its last price was $20 / $20 per 1M ..."``. Not yet
    launched, or no sourced price yet: says so and names the first sourced price.
    """
    day = pd.Timestamp(day)
    table = table if table is not None else price_history()
    rows = table[(table["provider"] == provider) & (table["model"] == model)
                 & (table["service_tier"] == service_tier) & (table["tier_above_input_tokens"] == 0)]
    if in_force(rows, day).any():
        return None
    life = model_lifecycle(provider, model)
    end = life.shutdown_on if life else (rows["shutdown_on"].dropna().min() if len(rows) else pd.NaT)
    if pd.notna(end) and day >= end:
        last = rows[rows["valid_to"] == end]
        if last.empty:
            last = rows[rows["valid_to"].notna() & (rows["valid_to"] <= end)].sort_values("valid_to").tail(1)
        price = f"; its last price was {describe_price(last.iloc[0])}" if len(last) else "; it never had a price here"
        repl = f"; replacement: {life.replacement}" if life and life.replacement else ""
        return f"{model} was shut down on {end.date()}{price}{repl}"
    launched = life.launched if life else (rows["launched"].dropna().min() if len(rows) else pd.NaT)
    if pd.notna(launched) and day < launched:
        return f"{model} was not launched until {launched.date()}"
    later = rows[rows["valid_from"].notna() & (rows["valid_from"] > day)].sort_values("valid_from")
    if len(later):
        return (f"{model} has no sourced {service_tier} price on {day.date()}; its first sourced price is "
                f"{describe_price(later.iloc[0])}")
    return f"{model} has no {service_tier} price on {day.date()}"


def load_image_prices(
    as_of: dt.date | str | None = None, *, history: bool = False, include_retired: bool = False
) -> pd.DataFrame:
    """Per-image prices of image-generation models by quality and size (``data/image_prices.csv``), with
    ``source``, ``verified_on`` and the model's lifecycle. A model shut down by ``as_of`` is left out unless
    ``include_retired`` (then at its last prices, ``lifecycle_status`` retired)."""
    path = paths.IMAGE_PRICES_CSV
    df = read_csv_checked(path, IMAGE_SPEC)
    _check_duplicates(df, path, ("provider", "model", "quality", "size", "valid_from"))
    _check_ranges(df, path, ("provider", "model", "quality", "size"))
    life = _lifecycles()
    for col in ("launched", "deprecated_on", "shutdown_on"):
        df[col] = pd.to_datetime([getattr(life.get((p, m)), col, pd.NaT)
                                  for p, m in zip(df["provider"], df["model"], strict=True)])
    # A price row cannot outlive its model.
    df["valid_to"] = df[["valid_to", "shutdown_on"]].min(axis=1)
    day = _as_timestamp(as_of)
    if not history:
        live = df[in_force(df, day)]
        df = pd.concat([live, last_prices(df, day)]) if include_retired else live
    df = df.assign(source=df["source"].astype("string"), verified_on=pd.to_datetime(df["verified_on"]),
                   lifecycle_status=lifecycle_status(df, day))
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Model name resolution


def _name_index() -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, str]]]]:
    act = _active()
    _SNAPSHOTS[act.key] = act
    return _name_index_for(act.key)


@functools.lru_cache(maxsize=4)
def _name_index_for(key: tuple[Any, ...]) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, str]]]]:
    """(exact ids, exact aliases) -> [(provider, model)], OpenAI first."""
    ids: dict[str, list[tuple[str, str]]] = {}
    aliases: dict[str, list[tuple[str, str]]] = {}
    _, hi, _, _ = _curated(
        paths.MODEL_LAUNCHES_CSV.resolve(), paths.PRICE_HISTORY_CSV.resolve(), paths.SERVICE_TIERS_CSV.resolve(),
        paths.PRICE_COMPONENTS_CSV.resolve(),
    )
    entries = sorted(_snapshot_models(key), key=lambda e: e.provider != "openai")
    for e in entries:
        ids.setdefault(e.model.lower(), []).append((e.provider, e.model))
        if e.info is not None:
            for a in _aliases(e.info.match):
                aliases.setdefault(a.lower(), []).append((e.provider, e.model))
    for prov, model in hi[["provider", "model"]].drop_duplicates().itertuples(index=False):
        lst = ids.setdefault(model.lower(), [])
        if (prov, model) not in lst:
            lst.insert(0, (prov, model))
    return ids, aliases


def known_models(provider: str | None = None) -> list[str]:
    """Every model id and exact alias the resolver accepts."""
    act = _active()
    _SNAPSHOTS[act.key] = act
    return _known(provider, act.key)


def _known(provider: str | None, key: tuple[Any, ...]) -> list[str]:
    ids, aliases = _name_index_for(key)
    names = set()
    for table in (ids, aliases):
        for name, targets in table.items():
            if provider is None or any(p == provider for p, _ in targets):
                names.add(name)
    return sorted(names)


def _pick(targets: list[tuple[str, str]], provider: str | None) -> tuple[str, str] | None:
    for p, m in targets:
        if provider is None or p == provider:
            return p, m
    return None


def cached_names() -> Mapping[str, tuple[str, str]]:
    """:func:`resolved_names` as the cached price table stored them (lower case; what :func:`resolve_model`
    answers without a provider), or empty when there is no cache. One read for many names: the
    engine resolves each chunk's names with it instead of a cache check per name."""
    cached = table_cache.read()
    return cached.resolved if cached is not None else {}


def resolve_model(name: str, provider: str | None = None) -> tuple[str, str]:
    """``(provider, model)`` for a model name, alias or dated snapshot.

    ``gpt-4o-2024-11-20`` resolves to ``("openai", "gpt-4o")``; ``anthropic/claude-sonnet-4-5``,
    ``anthropic:claude-sonnet-4-5`` (the form pydantic-ai uses) or ``provider="anthropic"`` pick a provider
    (in any case); without one, OpenAI wins where it serves the model.

    Raises:
        UnknownModelError: nothing matches; the message lists the closest known names.
    """
    if provider is None and isinstance(name, str):
        # Every exact id and alias, resolved when the cached table was built from the same data.
        hit = cached_names().get(name.strip().lower())
        if hit is not None:
            return hit
    act = _active()
    _SNAPSHOTS[act.key] = act
    return _resolve_cached(name, provider.strip().lower() if isinstance(provider, str) else provider, act.key)


def split_provider(name: str, provider_ids: Iterable[str]) -> tuple[str | None, str]:
    """``("openai", "gpt-4o")`` for ``openai/gpt-4o`` or ``OpenAI:gpt-4o`` when the part before the first
    ``/`` or ``:`` is a provider id; ``(None, name)`` otherwise (``ft:gpt-4o-mini:org``, ``liquid/lfm-7b``)."""
    cut = min((i for i in (name.find("/"), name.find(":")) if i > 0), default=-1)
    if cut > 0 and name[cut + 1:].strip():
        head = name[:cut].strip().lower()
        if head in set(provider_ids):
            return head, name[cut + 1:].strip()
    return None, name


def provider_ids() -> list[str]:
    """Every provider id of the price data in use (lower case), e.g. ``openai``, ``anthropic``."""
    act = _active()
    return sorted(p.id for p in act.snapshot.providers)


@functools.lru_cache(maxsize=4096)
def _resolve_cached(name: str, provider: str | None, snap_key: tuple[Any, ...]) -> tuple[str, str]:
    if not isinstance(name, str) or not name.strip():
        raise UnknownModelError(str(name), [], provider)
    raw = name.strip()
    key = raw.lower()
    ids, aliases = _name_index_for(snap_key)
    snap = _SNAPSHOTS[snap_key].snapshot
    provider_ids = {p.id for p in snap.providers}
    head, rest = split_provider(key, provider_ids)
    if provider is None and head is not None:
        try:
            return _resolve_cached(rest, head, snap_key)
        except UnknownModelError:
            pass
    if provider is not None and provider not in provider_ids and provider != "override":
        close = difflib.get_close_matches(provider, sorted(provider_ids), n=3, cutoff=0.5)
        hint = f"; closest known: {', '.join(close)}" if close else ""
        raise ValueError(f"provider: unknown {clip(provider)}{hint}")
    # OpenAI first: an OpenAI alias ("o3-2025-04-16") beats another provider's model of the same name.
    for wanted in [provider] if provider else ["openai", None]:
        for table in (ids, aliases):
            if key in table and (hit := _pick(table[key], wanted)):
                return hit
        try:
            prov, info = snap.find_provider_model(key, None, wanted, None)
            if wanted is None or prov.id == wanted:
                return prov.id, info.id
        except LookupError:
            pass
    pool = _known(provider, snap_key)
    # No known name is near a name this long (difflib's ratio needs 60% in common), and difflib indexes
    # every character of it: a 10 MB name would take gigabytes to be told it is unknown.
    close = difflib.get_close_matches(key, pool, n=5, cutoff=0.6) if len(key) <= MAX_NAME_CHARS else []
    raise UnknownModelError(raw, close, provider)
