"""The cost engine: price a DataFrame of usages, vectorised, with OpenAI's billing semantics.

- cached input tokens (and cache writes, audio and image input tokens) are *part of* ``input_tokens``;
  reasoning tokens (and audio and image output tokens) are *part of* ``output_tokens``;
- a part without a price of its own is billed at its parent's rate (as genai-prices does);
- long-context tiers apply to the whole request once ``input_tokens`` passes the threshold;
- ``service_tier`` picks batch / flex / priority prices; each row is priced as of its ``timestamp``.

Every row either gets a price or an error that names it: an unknown model is never priced at $0.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from explorer import prices as _prices
from explorer import quick as _quick
from explorer.limits import clip, clip_names

__all__ = [
    "COMPONENTS",
    "COUNT_COLUMNS",
    "CostSummary",
    "cost_of",
    "price_usage",
    "summarize",
]

COUNT_COLUMNS: dict[str, bool] = {
    "input_tokens": True,
    "output_tokens": True,
    "cached_input_tokens": False,
    "cache_write_tokens": False,
    "reasoning_tokens": False,
    "input_audio_tokens": False,
    "output_audio_tokens": False,
    "input_image_tokens": False,
    "output_image_tokens": False,
    "web_search_calls": False,
    "file_search_calls": False,
}
"""Usage count columns and whether each is required (optional ones default to 0)."""

# component -> (count column, price column, fallback price column, per): one table, shared with the
# standard-library fast path for a single request (explorer/quick.py), so both price alike.
_PARTS = _quick.PARTS
COMPONENTS: tuple[str, ...] = tuple(_PARTS)
"""Cost components in USD, in order; they sum to ``total_usd``.

``input_usd`` is uncached text input, ``output_usd`` visible text output (reasoning excluded)."""

_INPUT_PARTS = ("cached_input_tokens", "cache_write_tokens", "input_audio_tokens", "input_image_tokens")
_OUTPUT_PARTS = ("reasoning_tokens", "output_audio_tokens", "output_image_tokens")
_TIER_ALIASES = {"": "standard", "default": "standard", "auto": "standard", "standard": "standard",
                 "batch": "batch", "flex": "flex", "priority": "priority"}
_ABSENT = frozenset(c for c, required in COUNT_COLUMNS.items() if not required)
MAX_COUNT = 10**15  # beyond this float64 stops being exact to the token
_PARALLEL_ROWS = 100_000  # below this, starting threads costs more than it saves
# Per-row work runs in blocks of this many rows: temporaries stay in cache and their memory is reused,
# where whole-column temporaries would each cost fresh pages (page faults dominate numpy on big frames).
_BLOCK_ROWS = 1 << 15


def _row_label(index: pd.Index, pos: int) -> str:
    return f"row {index[pos]}"


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _blocks(n: int) -> Iterator[slice]:
    size = _BLOCK_ROWS
    return (slice(start, min(start + size, n)) for start in range(0, n, size))


def _first_row(n: int, test: Callable[[slice], np.ndarray]) -> int | None:
    """The first row (position) where ``test`` of its block is true, or None."""
    for sl in _blocks(n):
        hit = test(sl)
        if hit.any():
            return int(sl.start) + _first(hit)
    return None


def _sep_hint(df: pd.DataFrame) -> str:
    """A file read with the wrong delimiter has one column whose name holds the real separators."""
    if len(df.columns) == 1:
        header = str(df.columns[0])
        for sep in (";", "\t", "|"):
            if sep in header:
                return f"; the header looks {sep!r}-separated, expected commas"
    return ""


def _counts(df: pd.DataFrame, col: str, required: bool) -> np.ndarray | None:
    """The validated whole counts of one column (None for an absent optional column).

    Plain integer columns come back as they are, without a copy; anything else as float64.
    """
    if col not in df.columns:
        if required:
            raise ValueError(
                f"usage: missing column {clip(col)} (have: {clip_names(df.columns)}){_sep_hint(df)}"
            )
        return None
    raw = df[col]
    if raw.dtype == bool:
        raise ValueError(f"usage: column {clip(col)} holds true/false values, expected token counts")
    if pd.api.types.is_integer_dtype(raw.dtype) and not isinstance(raw.dtype, pd.api.extensions.ExtensionDtype):
        # Plain integers are finite and whole: only the sign and size need checking (the fast path).
        ints: np.ndarray = raw.to_numpy()
        # Seen as unsigned, a negative count is huge: one pass checks the sign and the size. Narrower
        # integers are widened (a copy) so that sums of parts cannot wrap around.
        if ints.dtype.kind == "i" and ints.view(f"u{ints.dtype.itemsize}").max(initial=0) <= MAX_COUNT:
            return ints.astype(np.int64, copy=False)
        if ints.dtype.kind == "u" and ints.max(initial=0) <= MAX_COUNT:
            return ints.astype(np.int64)
        arr: np.ndarray = ints.astype("float64")
    else:
        num = pd.to_numeric(raw, errors="coerce")
        arr = num.to_numpy(dtype="float64", na_value=np.nan)
    bad = np.isnan(arr)
    if bad.any():
        if raw.isna().to_numpy()[bad].all() and not required:
            arr = np.where(bad, 0.0, arr)
        else:
            pos = _first(bad)
            value = raw.iloc[pos]
            # A blank CSV cell and an explicit NaN both arrive as NaN: name both.
            what = "is empty or NaN, expected a whole number" if pd.isna(value) else f"{value!r} is not a number"
            raise ValueError(f"usage {_row_label(df.index, pos)}, column {clip(col)}: {what}")
    with np.errstate(invalid="ignore"):
        fine = (arr >= 0) & (arr <= MAX_COUNT) & (arr == np.floor(arr))
    if not fine.all():
        pos = _first(~fine)
        x = arr[pos]
        what = (
            "is not finite" if not np.isfinite(x) else "is negative" if x < 0
            else f"is implausibly large (over {MAX_COUNT:.0e})" if x > MAX_COUNT else "is not a whole number"
        )
        raise ValueError(f"usage {_row_label(df.index, pos)}, column {clip(col)}: {x:g} {what}")
    return arr


def _timestamps(df: pd.DataFrame, as_of: Any) -> np.ndarray:
    default = _prices._as_timestamp(as_of)
    if "timestamp" not in df.columns:
        return np.full(len(df), default.to_datetime64(), dtype="datetime64[ns]")
    raw = df["timestamp"]
    if isinstance(raw.dtype, np.dtype) and raw.dtype.kind == "M":
        # Already naive datetimes (UTC by convention, any unit): no parsing and, unless some are empty
        # (the minimum is NaT then), no copy.
        out = raw.to_numpy()
        if len(out) and out.view(np.int64).min() == np.iinfo(np.int64).min:  # NaT
            out = np.where(np.isnat(out), default.to_datetime64(), out)
        return _checked_times(out, df)
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        ts = pd.to_datetime(raw, unit="s", utc=True, errors="coerce")
    elif raw.dtype == object and raw.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)).any():
        # A mix of epoch seconds and date strings (JSON lines written by different tools).
        numeric = raw.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
        ts = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
        ts[numeric] = pd.to_datetime(raw[numeric].astype("float64"), unit="s", utc=True, errors="coerce")
        ts[~numeric] = pd.to_datetime(raw[~numeric], utc=True, errors="coerce", format="mixed")
    else:
        ts = pd.to_datetime(raw, utc=True, errors="coerce", format="mixed")
    bad = ts.isna().to_numpy() & raw.notna().to_numpy()
    if bad.any():
        pos = _first(bad)
        raise ValueError(
            f"usage {_row_label(df.index, pos)}, column 'timestamp': {clip(raw.iloc[pos])} is not a date or time"
        )
    out = ts.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    return _checked_times(np.where(np.isnat(out), default.to_datetime64(), out), df)


def _span(ts: np.ndarray) -> tuple[int, int]:
    """Smallest and largest timestamp as int64 in the array's own unit ((0, 0) when empty)."""
    ints = ts.view(np.int64)
    return (int(ints.min()), int(ints.max())) if len(ints) else (0, 0)


def _checked_times(out: np.ndarray, df: pd.DataFrame) -> np.ndarray:
    """Timestamps before the first API prices or after today are mistakes: name the first such row."""
    if not len(out):
        return out
    # Integer reductions: several times faster than datetime64 ones (no NaT handling; there are none left).
    unit = np.datetime_data(out.dtype)[0]
    # numpy's stubs want the unit as a literal; here it is the array's own, known only at run time.
    lo, hi = (np.datetime64(int(x), unit) for x in _span(out))  # type: ignore[call-overload]
    if lo >= _prices.EARLIEST_PRICES.to_datetime64() and hi < (
        _prices.latest_known_day() + pd.Timedelta(days=1)
    ).to_datetime64():
        return out
    early = out < _prices.EARLIEST_PRICES.to_datetime64()
    late = out >= (_prices.latest_known_day() + pd.Timedelta(days=1)).to_datetime64()
    if early.any() or late.any():
        pos = _first(early | late)
        try:
            _prices.check_date_range(pd.Timestamp(out[pos]), f"usage {_row_label(df.index, pos)}, column 'timestamp'")
        except ValueError as exc:
            raise ValueError(str(exc)) from None
    return out


def _factorize(df: pd.DataFrame, columns: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each present column as small-int codes per row and its distinct values (nulls kept as a value).

    The codes come as cheaply as the column allows: a categorical's own codes, Arrow's dictionary
    indices for Arrow-backed strings (pandas' default; hashed without the GIL), ``pd.factorize`` else.
    """
    out = {}
    for col in columns:
        if col not in df.columns:
            continue
        series = df[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.to_numpy()
            uniques = np.asarray(series.cat.categories, dtype=object)
            if len(codes) and codes.min() < 0:
                codes = np.where(codes < 0, len(uniques), codes)
                uniques = np.append(uniques, np.array([None], dtype=object))
            # A category no row uses must not be resolved (nor raise): blank it out. Far cheaper than
            # remove_unused_categories, which recodes every row.
            used = np.bincount(codes, minlength=len(uniques)) > 0
            if not used.all():
                uniques = np.where(used, uniques, _UNUSED)
        elif isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow" and len(series):
            chunks = series.array.__arrow_array__()
            encoded = pc.dictionary_encode(chunks.combine_chunks(), null_encoding="encode")
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            uniques = encoded.dictionary.to_numpy(zero_copy_only=False)
        else:
            codes, found = pd.factorize(series, use_na_sentinel=False)
            uniques = np.asarray(found, dtype=object)
        out[col] = (codes, uniques)
    return out


_UNUSED = "\x00unused"  # the value of a category no row uses (it never reaches a message)


def _first_of(codes: np.ndarray, bad: np.ndarray) -> int:
    """The first row whose code is marked in ``bad`` (one flag per distinct value)."""
    pos = _first_row(len(codes), lambda sl: bad.take(codes[sl]))
    assert pos is not None
    return pos


def _workers(n: int) -> int:
    """Threads for a frame of n rows: one per core (up to 4), none for small frames or inside
    :func:`one_thread`."""
    if n < _PARALLEL_ROWS or getattr(_ONE_THREAD, "on", False):
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


_ONE_THREAD = threading.local()


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Price on the calling thread only: for callers that already run one pricing per core (the chunks of
    a big log), where the engine's own threads would only contend with them (1M rows in chunks of 100,000,
    two chunks at a time: 0.30 s this way, 0.34 s with the engine's threads as well)."""
    before = getattr(_ONE_THREAD, "on", False)
    _ONE_THREAD.on = True
    try:
        yield
    finally:
        _ONE_THREAD.on = before


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA else str(value)


def _tiers(df: pd.DataFrame, encoded: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, list[int]]:
    """Service tier of each row as an index into SERVICE_TIERS, and the distinct tiers used."""
    if encoded is None:
        return np.zeros(len(df), dtype=np.int8), [0]
    codes, uniques = encoded
    tiers = [_TIER_ALIASES.get(_text(value).strip().lower()) if _text(value) != _UNUSED else "standard"
             for value in uniques]
    if None in tiers:
        pos = _first_of(codes, np.array([t is None for t in tiers]))
        raise ValueError(
            f"usage {_row_label(df.index, pos)}, column 'service_tier': unknown tier "
            f"{clip(df['service_tier'].iloc[pos])}; "
            f"expected one of {', '.join(_prices.SERVICE_TIERS)}"
        )
    mapped = np.array([_prices.SERVICE_TIERS.index(t) for t in tiers], dtype=np.int8)
    out = np.empty(len(codes), dtype=np.int8)
    for sl in _blocks(len(codes)):
        np.take(mapped, codes[sl], out=out[sl], mode="clip")
    return out, sorted(set(mapped.tolist()))


@dataclasses.dataclass(frozen=True)
class _Resolved:
    codes: np.ndarray  # per row: index into names
    names: list[str]  # distinct model names as given
    provider: list[str | None]  # per distinct name
    model: list[str | None]  # per distinct name
    unknown: dict[str, str]  # name -> error message

    @property
    def known(self) -> np.ndarray:
        """Per distinct name: does it resolve to a priced model?"""
        return np.array([p is not None for p in self.provider], dtype=bool)

    def column(self, values: list[str | None]) -> pd.Categorical:
        """A per-row categorical from one value per distinct name (None: missing)."""
        per_name, cats = _per_name_codes(values)
        return _categorical(per_name, self.codes, cats)


def _per_name_codes(values: Sequence[str | None]) -> tuple[np.ndarray, list[str]]:
    """Sorted categories of the values, and each value's code among them (-1 for None)."""
    cats = sorted({v for v in values if v is not None})
    lookup = {v: i for i, v in enumerate(cats)}
    return np.array([lookup[v] if v is not None else -1 for v in values], dtype=_code_dtype(len(cats))), cats


def _code_dtype(n_categories: int) -> type[np.signedinteger]:
    """The code dtype pandas itself picks for a categorical, so from_codes need not convert."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(dtype).max:
            return dtype
    return np.int64


def _categorical(per_code: np.ndarray, codes: np.ndarray, categories: Sequence[Any]) -> pd.Categorical:
    """Gather small category codes per row straight into the categorical's own code array."""
    out = np.empty(len(codes), dtype=per_code.dtype)
    if len(per_code):
        np.take(per_code, codes, out=out, mode="clip")
    return _from_codes(out, categories)


def _from_codes(codes: np.ndarray, categories: Sequence[Any]) -> pd.Categorical:
    """A categorical over codes this module built itself (valid by construction: no check, no copy)."""
    return pd.Categorical.from_codes(codes, dtype=_dtype(tuple(categories)), validate=False)


@functools.lru_cache(maxsize=256)
def _dtype(categories: tuple[Any, ...]) -> pd.CategoricalDtype:
    """One dtype per list of categories: building one checks them all, a fixed cost of each priced chunk."""
    return pd.CategoricalDtype(list(categories))


def _resolve(
    df: pd.DataFrame,
    skip_unknown: bool,
    table: pd.DataFrame,
    encoded: Mapping[str, tuple[np.ndarray, np.ndarray]],
) -> _Resolved:
    if "model" not in df.columns:
        raise ValueError(f"usage: missing column 'model' (have: {clip_names(df.columns)}){_sep_hint(df)}")
    codes, model_names = encoded["model"]
    if "provider" in encoded:
        # (model, provider) pairs: combine the two small code spaces instead of hashing joined strings.
        prov_codes, prov_names = encoded["provider"]
        codes, pairs = pd.factorize(codes.astype(np.int64) * len(prov_names) + prov_codes.astype(np.int64))
        uniques = [
            _text(model_names[k // len(prov_names)]) + "\x00" + _text(prov_names[k % len(prov_names)]) for k in pairs
        ]
    else:
        uniques = [_text(v) for v in model_names]
    provs: list[str | None] = []
    models: list[str | None] = []
    names: list[str] = []
    unknown: dict[str, str] = {}
    failed: list[str | None] = []  # per distinct name: why it does not resolve
    # Models that only the user's overrides know (private or fine-tuned) resolve by exact id.
    mine = _arrays(table).is_override
    own_ids: dict[tuple[str, str], tuple[str, str]] = {}
    own_any: dict[str, tuple[str, str]] = {}
    if mine.any():
        own = table.loc[mine, ["provider", "model"]].drop_duplicates()
        own_ids = {(m.lower(), p): (p, m) for p, m in own.itertuples(index=False)}
        own_any = {m.lower(): (p, m) for p, m in own.itertuples(index=False)}
    known = _prices.cached_names()  # one cache check for every name of the frame
    for raw in uniques:
        if raw == _UNUSED:  # a category no row uses
            names.append("")
            provs.append(None)
            models.append(None)
            failed.append(None)
            continue
        name, _, prov = raw.partition("\x00")
        name, prov = name.strip(), prov.strip()
        names.append(name)
        try:
            if not name:
                raise _prices.UnknownModelError("", [])
            hit = own_ids.get((name.lower(), prov)) if prov else own_any.get(name.lower()) or known.get(name.lower())
            p, m = hit if hit else _prices.resolve_model(name, prov or None)
        except _prices.UnknownModelError as exc:
            unknown[name] = str(exc)
            failed.append("empty model name" if not name else str(exc))
            p, m = None, None
        else:
            failed.append(None)
        provs.append(p)
        models.append(m)
    if unknown and not skip_unknown:
        # Distinct values come in no particular order (a categorical's are sorted): name the first bad row.
        pos = _first_of(codes, np.array([f is not None for f in failed]))
        raise ValueError(f"usage {_row_label(df.index, pos)}, column 'model': {failed[codes[pos]]}")
    return _Resolved(codes, names, provs, models, unknown)


@dataclasses.dataclass(frozen=True)
class _TableArrays:
    """What the engine reads of a price table, as numpy arrays: the same for every chunk of a big log."""

    valid_from_ns: np.ndarray
    """Per price row: valid_from as int64 nanoseconds (NaT as int64's minimum)."""
    valid_to_ns: np.ndarray
    """Per price row: valid_to, likewise."""
    thr: np.ndarray
    """Per price row: tier_above_input_tokens."""
    model: np.ndarray
    """Per price row: the model id (object)."""
    provider: np.ndarray
    """Per price row: the provider id (object)."""
    tier: np.ndarray
    """Per price row: the service tier (object)."""
    is_override: np.ndarray
    """Per price row: from the user's overrides (bool)."""
    source_codes: np.ndarray
    """Per price row: its source as a code into ``source_names``."""
    source_names: pd.Index
    """The distinct sources."""
    rates: dict[tuple[str, str | None, float], tuple[np.ndarray, np.ndarray]]
    """(price column, fallback, units) -> (USD per unit, no rate at all), filled as components are asked for."""

    @classmethod
    def of(cls, table: pd.DataFrame) -> _TableArrays:
        src_codes, src_names = pd.factorize(table["source"])
        return cls(
            table["valid_from"].to_numpy(dtype="datetime64[ns]").view(np.int64),
            table["valid_to"].to_numpy(dtype="datetime64[ns]").view(np.int64),
            table["tier_above_input_tokens"].to_numpy(),
            table["model"].to_numpy(dtype=object),
            table["provider"].to_numpy(dtype=object),
            table["service_tier"].to_numpy(dtype=object),
            table["is_override"].to_numpy(dtype=bool),
            src_codes.astype(_code_dtype(len(src_names))),
            src_names,
            {},
        )

    def rate(self, table: pd.DataFrame, price_col: str, fallback: str | None, per: float
             ) -> tuple[np.ndarray, np.ndarray]:
        key = (price_col, fallback, per)
        if key not in self.rates:  # a race between two threads computes the same arrays twice: harmless
            rate = table[price_col].to_numpy(dtype="float64")
            if fallback is not None:
                rate = np.where(np.isnan(rate), table[fallback].to_numpy(dtype="float64"), rate)
            no_rate = np.isnan(rate)
            self.rates[key] = (np.nan_to_num(rate / per), no_rate)
        return self.rates[key]


_HELD: dict[int, tuple[pd.DataFrame, _TableArrays]] = {}
"""Tables whose arrays are kept while :func:`holding` them (by id; the frame itself is held too, so the id
cannot be reused by another frame meanwhile)."""


@contextlib.contextmanager
def holding(table: pd.DataFrame) -> Iterator[None]:
    """Keep ``table``'s arrays from one :func:`price_usage` call to the next (a big log priced in chunks
    against one table: each chunk would read them again, a fixed cost of milliseconds per chunk). Only for
    a table nobody changes in place meanwhile."""
    key = id(table)
    mine = key not in _HELD
    if mine:
        _HELD[key] = (table, _TableArrays.of(table))
    try:
        yield
    finally:
        if mine:
            _HELD.pop(key, None)


def _arrays(table: pd.DataFrame) -> _TableArrays:
    held = _HELD.get(id(table))
    return held[1] if held is not None and held[0] is table else _TableArrays.of(table)


@dataclasses.dataclass(frozen=True)
class _Plan:
    """How each (model, tier) pair the usage may name finds its price row."""

    lut: np.ndarray  # (pairs, width): price row per pair and long-context step; -1 when none
    limit: np.ndarray  # (pairs, width) float: step k applies when input_tokens > limit[:, k]
    slow: dict[int, np.ndarray]  # pair -> candidate rows, searched by date per usage row
    lo: np.ndarray  # per price row: valid_from, int64 in the usage timestamps' unit
    hi: np.ndarray  # per price row: valid_to (exclusive)
    thr: np.ndarray  # per price row: tier_above_input_tokens

    @property
    def reachable(self) -> np.ndarray:
        """The price rows some usage row may get."""
        rows = [self.lut[self.lut >= 0], *self.slow.values()]
        return np.unique(np.concatenate(rows)) if rows else np.empty(0, dtype=np.int64)


def _plan(
    table: pd.DataFrame,
    res: _Resolved,
    tiers_used: Sequence[int],
    ts: np.ndarray,
    count_dtype: np.dtype,
) -> _Plan:
    """Decide, once per (model, tier) pair, how its rows find their price.

    Pairs are every resolved model with every tier the usage names: no pass over the rows. Most pairs
    meet one price per long-context threshold over the usage's time span: their rows are resolved with
    gathers through a small lookup table. Only pairs with several dated prices inside the span are
    searched by date per row. A pair with no price at all is left at -1: the rows that use it, if any,
    fail with an error naming the first.
    """
    n_tiers = len(_prices.SERVICE_TIERS)
    n_pairs = len(res.names) * n_tiers
    nat = np.iinfo(np.int64).min
    unit = ts.dtype if len(ts) else np.dtype("datetime64[ns]")
    arrays = _arrays(table)
    vf = arrays.valid_from_ns.view("datetime64[ns]").astype(unit).view(np.int64)
    vt = arrays.valid_to_ns.view("datetime64[ns]").astype(unit).view(np.int64)
    lo = np.where(vf == nat, nat + 1, vf)
    hi = np.where(vt == nat, np.iinfo(np.int64).max, vt)
    thr = arrays.thr
    t_model, t_provider, t_tier = arrays.model, arrays.provider, arrays.tier
    ts_lo, ts_hi = _span(ts)
    fast: dict[int, np.ndarray] = {}  # pair -> its price rows, sorted by threshold (one per threshold)
    slow: dict[int, np.ndarray] = {}
    model_rows: dict[int, np.ndarray] = {}
    pairs = [(name_code, t_idx) for name_code, p in enumerate(res.provider) if p is not None for t_idx in tiers_used]
    for name_code, t_idx in pairs:
        i = name_code * n_tiers + t_idx
        p, m = res.provider[name_code], res.model[name_code]
        if name_code not in model_rows:
            model_rows[name_code] = np.flatnonzero((t_model == m) & (t_provider == p))
        cand = model_rows[name_code]
        cand = cand[t_tier[cand] == _prices.SERVICE_TIERS[t_idx]]
        if len(cand) == 0:
            continue
        # Only the dated rows that overlap the usage's time span can apply: a log of one month usually
        # meets one price per model, tier and threshold.
        live = cand[(lo[cand] <= ts_hi) & (hi[cand] > ts_lo)]
        cand = live if len(live) else cand
        thresholds = thr[cand]
        # The lookup table needs one price per threshold, each in force over the whole span; anything
        # else (a price change, or a long-context tier that starts or ends inside the span) is searched.
        covers = (lo[cand] <= ts_lo) & (hi[cand] > ts_hi)
        if thresholds.min() == 0 and len(np.unique(thresholds)) == len(cand) and covers.all():
            fast[i] = cand[np.argsort(thresholds, kind="stable")]
        else:
            slow[i] = cand
    width = max((len(rows) for rows in fast.values()), default=1)
    lut = np.full((n_pairs, width), -1, dtype=np.int64)
    for i, rows in fast.items():
        lut[i, : len(rows)] = rows
        lut[i, len(rows):] = rows[-1]
    # Padding columns never apply. The limits take the counts' dtype: a mixed int/float comparison is
    # several times slower than either.
    never = np.iinfo(np.int64).max
    limit = np.where(lut >= 0, thr[lut], never)
    if width > 1:
        limit[:, 1:] = np.where(lut[:, 1:] == lut[:, :-1], never, limit[:, 1:])
    limit = limit.astype(np.int64 if count_dtype.kind in "iu" else np.float64)
    return _Plan(lut, limit, slow, lo, hi, thr)


def _price_rows(plan: _Plan, pair: np.ndarray, input_tokens: np.ndarray, ts_i: np.ndarray) -> np.ndarray:
    """Price row of each usage row of one block (-1: none), from its pair, size and timestamp."""
    width = plan.lut.shape[1]
    if width == 1:
        result = plan.lut[:, 0].take(pair)
    else:
        # Column k applies above the k-th threshold: count the thresholds each request passes.
        flat = pair * width
        for k in range(1, width):
            flat = flat + (input_tokens > plan.limit[:, k].take(pair))
        result = plan.lut.ravel().take(flat)
    for c, cand in plan.slow.items():
        rows = np.flatnonzero(pair == c)
        if not len(rows):
            continue
        chosen = np.full(len(rows), -1, dtype=np.int64)
        row_ts = ts_i[rows]
        lo, hi, thr = plan.lo, plan.hi, plan.thr
        for threshold in np.unique(thr[cand]):
            sub = cand[thr[cand] == threshold]
            sub = sub[np.argsort(lo[sub], kind="stable")]
            pos = np.clip(np.searchsorted(lo[sub], row_ts, side="right") - 1, 0, None)
            ok = (lo[sub][pos] <= row_ts) & (row_ts < hi[sub][pos])
            if threshold > 0:
                ok &= input_tokens[rows] > threshold
            chosen = np.where(ok, sub[pos], chosen)
        result[rows] = chosen
    return result


def _no_price(table: pd.DataFrame, provider: str, model: str, tier: str, when: np.datetime64, label: Any) -> None:
    day = pd.Timestamp(when).date()
    same = table[(table["provider"] == provider) & (table["model"] == model)]
    if same.empty:
        raise ValueError(f"usage row {label}: {provider}/{model} has no token prices this tool can apply")
    tiers_then = same[_prices.in_force(same, when)]["service_tier"].unique()
    if len(tiers_then):
        raise ValueError(
            f"usage row {label}: service tier {clip(tier)} is not offered for {model} on {day} "
            f"(offered then: {', '.join(sorted(tiers_then, key=_prices.SERVICE_TIERS.index))})"
        )
    # Shut down, not yet launched, or no sourced price yet: say which, with the last or first known price.
    reason = _prices.why_unpriced(provider, model, pd.Timestamp(when), table=table, service_tier=tier)
    raise ValueError(f"usage row {label}: {reason or f'{model} has no {tier} price on {day}'}")


def price_usage(
    usage: pd.DataFrame,
    *,
    as_of: dt.date | str | None = None,
    prices: pd.DataFrame | None = None,
    overrides: Path | str | pd.DataFrame | None = None,
    skip_unknown: bool = False,
) -> pd.DataFrame:
    """Price every row of ``usage``; return it with the resolved model, each component and ``total_usd``.

    Args:
        usage: columns ``model``, ``input_tokens``, ``output_tokens``, and optionally ``provider``,
            ``service_tier`` (standard, batch, flex, priority; ``default`` means standard), ``timestamp``
            (date, datetime or epoch seconds; default ``as_of``) and the optional counts in
            :data:`COUNT_COLUMNS`. Other columns pass through untouched.
        as_of: the pricing date for rows without a timestamp (default: today).
        prices: a table from :func:`explorer.prices.price_history` (e.g. with overrides applied).
        overrides: a user overrides CSV applied on top of the bundled prices.
        skip_unknown: list rows with unknown models as unpriced (``priced`` False, NaN costs) instead of
            failing; :func:`summarize` then says how many rows are missing from the total.

    Raises:
        ValueError: one line naming the row and column at fault (the row is the frame's index label).
    """
    if not isinstance(usage, pd.DataFrame):
        raise TypeError("usage must be a pandas DataFrame")
    _refuse_other_names(usage)
    table = _prices.with_overrides(prices, overrides)
    if not table.index.equals(pd.RangeIndex(len(table))):  # positions index the engine's arrays
        table = table.reset_index(drop=True)
    n = len(usage)
    workers = _workers(n)
    if workers == 1:
        return _price(usage, table, as_of, skip_unknown, None, 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return _price(usage, table, as_of, skip_unknown, pool, workers)


def _refuse_other_names(usage: pd.DataFrame) -> None:
    """A count under another provider's name (``cached_tokens``, ``prompt_tokens``) would pass through
    unpriced: a silently wrong bill. The readers in explorer.usage rename them and apply each provider's
    convention; here it is an error naming the column."""
    from explorer.usage_columns import misnamed

    for col in usage.columns:
        count = misnamed(str(col))
        if count is not None:
            raise ValueError(
                f"usage: column {clip(str(col))} means {clip(count)}, which price_usage does not read under that name; "
                "read the file with explorer.usage.read_usage (or normalize_usage) first"
            )


def _price(
    usage: pd.DataFrame,
    table: pd.DataFrame,
    as_of: Any,
    skip_unknown: bool,
    pool: ThreadPoolExecutor | None,
    workers: int,
) -> pd.DataFrame:
    n = len(usage)
    # Hashing the model and tier strings is the largest single cost. Arrow-backed strings (pandas' default)
    # hash without the GIL, so it runs in the background while the counts are checked.
    model_job = pool.submit(_factorize, usage, ("model", "provider")) if pool else None
    tier_job = pool.submit(_factorize, usage, ("service_tier",)) if pool else None
    counts = {col: _counts(usage, col, req) for col, req in COUNT_COLUMNS.items()}
    present = {col: arr for col, arr in counts.items() if arr is not None}
    ins, outs = present["input_tokens"], present["output_tokens"]
    parts_of = {
        parent: tuple(p for p in parts if p in present)
        for parent, parts in (("input_tokens", _INPUT_PARTS), ("output_tokens", _OUTPUT_PARTS))
    }
    for parent, parts in parts_of.items():
        if not parts:
            continue

        def exceeds(sl: slice, parent: str = parent, parts: tuple[str, ...] = parts) -> np.ndarray:
            return np.asarray(sum(present[p][sl] for p in parts) > present[parent][sl])

        pos = _first_row(n, exceeds)
        if pos is not None:
            given = [f"{p} {present[p][pos]:.0f}" for p in parts if present[p][pos]]
            raise ValueError(
                f"usage {_row_label(usage.index, pos)}: {' + '.join(given)} exceeds {parent} "
                f"{present[parent][pos]:.0f} (they are part of it)"
            )
    encoded = tier_job.result() if tier_job else _factorize(usage, ("service_tier",))
    tier, tiers_used = _tiers(usage, encoded.get("service_tier"))
    ts = _timestamps(usage, as_of)
    encoded |= model_job.result() if model_job else _factorize(usage, ("model", "provider"))
    res = _resolve(usage, skip_unknown, table, encoded)
    plan = _plan(table, res, tiers_used, ts, ins.dtype)

    # Per price row: each component's rate per unit (fallbacks resolved) and whether it has none.
    reachable = plan.reachable
    arrays = _arrays(table)
    rated = [
        (j, count_col, price_col, *_rate(arrays, table, price_col, fallback, per, reachable))
        for j, (count_col, price_col, fallback, per) in enumerate(_PARTS.values())
        if not (count_col in _ABSENT and count_col not in present)
    ]
    known_name = res.known
    src_codes, src_cats = arrays.source_codes, arrays.source_names
    is_override = arrays.is_override
    # Outputs are written block by block in place. Every USD column sits in one Fortran-ordered block,
    # which pandas keeps without a copy; columns no row uses are never touched (their zero pages stay free).
    money = np.zeros((n, len(COMPONENTS) + 1), order="F")
    priced = np.empty(n, dtype=bool)
    source = np.empty(n, dtype=src_codes.dtype)
    override = np.empty(n, dtype=bool)
    model_codes, model_cats = _per_name_codes(res.model)
    provider_codes, provider_cats = _per_name_codes(res.provider)
    model_out = np.empty(n, dtype=model_codes.dtype)
    provider_out = np.empty(n, dtype=provider_codes.dtype)
    ts_i = ts.view(np.int64)
    n_tiers = len(_prices.SERVICE_TIERS)

    def fill(blocks: Sequence[slice]) -> None:
        for sl in blocks:
            fill_block(sl)

    def fill_block(sl: slice) -> None:
        codes = res.codes[sl].astype(np.intp)  # categorical or Arrow codes may be int8 or int32
        known = np.take(known_name, codes, out=priced[sl], mode="clip")
        np.take(model_codes, codes, out=model_out[sl], mode="clip")
        np.take(provider_codes, codes, out=provider_out[sl], mode="clip")
        pair = codes * n_tiers + tier[sl]
        idx = _price_rows(plan, pair, ins[sl], ts_i[sl])
        safe = np.maximum(idx, 0)
        # Errors: the first bad row of the block, whatever is wrong with it (no price row at all comes
        # before a missing component rate, then components in order).
        first: tuple[int, Callable[[], None]] | None = None
        bad = (idx < 0) & known
        if bad.any():
            at = _first(bad)
            name_code, t_idx = divmod(int(pair[at]), n_tiers)
            prov, mod = res.provider[name_code], res.model[name_code]
            assert prov is not None and mod is not None  # `bad` holds rows of known models only
            first = (at, lambda: _no_price(table, prov, mod,
                                           _prices.SERVICE_TIERS[t_idx], ts[sl.start + at], usage.index[sl.start + at]))
        block = money[sl]
        total = block[:, -1]
        text_in = ins[sl] - sum(present[p][sl] for p in parts_of["input_tokens"])
        text_out = outs[sl] - sum(present[p][sl] for p in parts_of["output_tokens"])
        for j, count_col, price_col, rate, no_rate in rated:
            count = text_in if count_col == "_text_input" else text_out if count_col == "_text_output" else (
                present[count_col][sl])
            row_rate = rate.take(safe)
            if no_rate is not None:
                missing = known & (count > 0) & no_rate.take(safe)
                if missing.any() and (first is None or _first(missing) < first[0]):
                    first = (_first(missing), _missing_rate(usage, res, tier, ts, sl.start + _first(missing),
                                                            count_col, price_col))
            np.multiply(count, row_rate, out=block[:, j])
            total += block[:, j]
        if first is not None:
            first[1]()
        np.take(src_codes, safe, out=source[sl], mode="clip")
        np.take(is_override, safe, out=override[sl], mode="clip")
        if not known.all():
            unknown = ~known
            block[unknown, :] = np.nan
            source[sl][unknown] = -1
            override[sl][unknown] = False

    blocks = list(_blocks(n))
    if pool is None:
        fill(blocks)
    else:
        # Contiguous shares, one per thread: numpy releases the GIL inside each operation. Each share
        # stops at its first bad row, so the earliest share's error names the first bad row overall.
        share = -(-len(blocks) // workers)
        jobs = [pool.submit(fill, blocks[i : i + share]) for i in range(0, len(blocks), share)]
        for job in jobs:
            job.result()

    meta: dict[str, Any] = {
        "resolved_provider": _from_codes(provider_out, provider_cats),
        "resolved_model": _from_codes(model_out, model_cats),
        "service_tier": _from_codes(tier, _prices.SERVICE_TIERS),
    }
    after: dict[str, Any] = {
        "priced": priced,
        "price_source": _from_codes(source, src_cats),
        "is_override": override,
    }
    if res.unknown:
        after["unpriced_reason"] = res.column([res.unknown.get(name) for name in res.names])
    new_cols = [*meta, *COMPONENTS, "total_usd", *after]
    kept = usage.drop(columns=[c for c in new_cols if c in usage.columns], errors="ignore")
    return pd.concat(
        [kept, pd.DataFrame(meta, index=usage.index),
         pd.DataFrame(money, index=usage.index, columns=[*COMPONENTS, "total_usd"], copy=False),
         pd.DataFrame(after, index=usage.index)],
        axis=1,
    )


def _missing_rate(
    usage: pd.DataFrame, res: _Resolved, tier: np.ndarray, ts: np.ndarray, pos: int, count_col: str, price_col: str
) -> Callable[[], None]:
    """A deferred error for a row with tokens of a kind its price row has no rate for."""
    def fail() -> None:
        label = count_col.lstrip("_").replace("_", " ")
        raise ValueError(
            f"usage {_row_label(usage.index, pos)}: {res.model[res.codes[pos]]} has no price for {label} "
            f"({price_col} is empty for {_prices.SERVICE_TIERS[tier[pos]]} on {pd.Timestamp(ts[pos]).date()})"
        )

    return fail


def _rate(
    arrays: _TableArrays, table: pd.DataFrame, price_col: str, fallback: str | None, per: float,
    reachable: np.ndarray,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per price row: USD per unit for one component (a part without a price pays its parent's), and
    which rows have no price at all (None when no row the usage can reach lacks one: no per-row check)."""
    rate, no_rate = arrays.rate(table, price_col, fallback, per)
    return rate, (no_rate if no_rate[reachable].any() else None)


@dataclasses.dataclass(frozen=True)
class CostSummary:
    """Totals of a priced usage frame, honest about what could not be priced."""

    total_usd: float
    """Sum of ``total_usd`` over the priced rows."""
    priced_rows: int
    """Rows with a price."""
    unpriced_rows: int
    """Rows left out of the total (unknown models, with ``skip_unknown``)."""
    unpriced_models: tuple[str, ...]
    """The model names that could not be priced, sorted."""
    components_usd: Mapping[str, float]
    """Each component's sum over the priced rows."""

    def describe(self) -> str:
        """One line for humans: the total and, if any, what it leaves out."""
        from explorer import fmt

        line = f"total {fmt.usd(self.total_usd)} over {self.priced_rows:,} priced row(s)"
        if self.unpriced_rows:
            line += (
                f"; {self.unpriced_rows:,} row(s) NOT priced and not in the total "
                f"(unknown model(s): {', '.join(self.unpriced_models)})"
            )
        return line


def summarize(costs: pd.DataFrame) -> CostSummary:
    """Totals for a frame returned by :func:`price_usage`."""
    priced = costs["priced"].to_numpy(dtype=bool)
    unpriced_models = (
        tuple(sorted(costs.loc[~priced, "model"].astype(str).unique())) if (~priced).any() else ()
    )
    return CostSummary(
        total_usd=float(costs.loc[priced, "total_usd"].sum()),
        priced_rows=int(priced.sum()),
        unpriced_rows=int((~priced).sum()),
        unpriced_models=unpriced_models,
        components_usd={c: float(costs.loc[priced, c].sum()) for c in COMPONENTS},
    )


def cost_of(
    model: str,
    input_tokens: int,
    output_tokens: int,
    *,
    cached_input_tokens: int = 0,
    reasoning_tokens: int = 0,
    service_tier: str = "standard",
    as_of: dt.date | str | None = None,
    provider: str | None = None,
    prices: pd.DataFrame | None = None,
    **other_counts: int,
) -> pd.Series:
    """Price one request: a Series with each component and ``total_usd`` (a one-row :func:`price_usage`)."""
    unknown = set(other_counts) - set(COUNT_COLUMNS)
    if unknown:
        raise TypeError(f"cost_of() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    row: dict[str, Any] = {
        "model": model, "input_tokens": input_tokens, "output_tokens": output_tokens,
        "cached_input_tokens": cached_input_tokens, "reasoning_tokens": reasoning_tokens,
        "service_tier": service_tier, **other_counts,
    }
    if provider:
        row["provider"] = provider
    frame = pd.DataFrame([row], index=pd.Index(["request"]))
    try:
        return price_usage(frame, as_of=as_of, prices=prices).iloc[0]
    except ValueError as exc:
        # One request: "usage row request, column 'model': ..." says less than "model: ...".
        msg = re.sub(r"^usage row request(, column '(\w+)')?: ", lambda m: f"{m[2]}: " if m[2] else "", str(exc))
        raise ValueError(msg) from None


def usage_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A usage frame from a list of dicts, indexed 1..n so errors name rows as people count them."""
    return pd.DataFrame(list(rows), index=pd.RangeIndex(1, len(rows) + 1))
