"""Real usage: import exports, price them, re-price them under other choices, reconcile with the bill.

Importers (every one returns a validated frame or raises one ``ValueError`` naming file, row and column;
they never write anything):

- :func:`read_usage` -- the OpenAI Usage API *completions* export (JSON pages ``{object: "page", data:
  [buckets], has_more, next_page}``, one page per file, a JSON list of pages or one page per JSON line),
  its CSV form, or a generic request log (CSV, JSON lines or Parquet, one row per request, the cost
  engine's columns). Column names are matched through :data:`COLUMN_ALIASES` (case, spaces and dashes
  ignored) and an optional ``mapping={"their header": "canonical_name"}``.
- :func:`read_costs` -- the Costs API export (``amount {value, currency}``, ``line_item``, ``project_id``,
  daily buckets) or its CSV form: the billed side.
- :func:`load` -- any mix of the above, sorted by kind.

Analysis: :func:`price` (per-request long-context tiers even for aggregated buckets), :func:`cost_by`,
:func:`what_if`, :func:`savings_table`, :func:`reconcile`.

Scale: :func:`price_file` streams a big log (Parquet row groups, CSV or JSON-lines chunks) with bounded
memory; :func:`price_dask` runs the same pricing per partition of a ``dask.dataframe``::

    import dask.dataframe as dd
    from distributed import Client, LocalCluster          # pip install distributed (same version as dask)
    with LocalCluster(processes=False) as cluster, Client(cluster):
        ddf = dd.read_parquet("requests-*.parquet")
        priced = price_dask(ddf)                           # lazy; one price_usage call per partition
        by_model = priced.groupby("resolved_model", observed=True)["total_usd"].sum().compute()
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from explorer import costs as _costs
from explorer import limits as _limits
from explorer import prices as _prices
from explorer import usage_columns as _cols
from explorer.limits import clip, clip_names

__all__ = [
    "ANTHROPIC_SAMPLE_FILES",
    "BREAKDOWNS",
    "COLUMN_ALIASES",
    "COST_COLUMN_ALIASES",
    "DEFAULT_TARGETS",
    "RAW_SAMPLE_FILES",
    "SAMPLE_FILES",
    "ColumnOptions",
    "FilePricing",
    "Imported",
    "chunked_pays",
    "compare",
    "cost_by",
    "detect_kind",
    "is_json_lines_log",
    "kind_note",
    "line_items",
    "load",
    "load_samples",
    "load_uploaded",
    "normalize_usage",
    "price",
    "price_dask",
    "price_file",
    "read_costs",
    "read_table",
    "read_usage",
    "reconcile",
    "sample_paths",
    "savings_table",
    "size_note",
    "what_if",
    "what_if_frame",
]

COUNT_COLUMNS: tuple[str, ...] = tuple(_costs.COUNT_COLUMNS)
"""Token and call counts the cost engine prices (input_tokens and output_tokens are required)."""

GROUP_COLUMNS: tuple[str, ...] = ("project_id", "user_id", "api_key_id")
"""Grouping fields of the Usage API; missing (not grouped) values stay NA."""

_OTHER_ALIASES: dict[str, tuple[str, ...]] = {
    "timestamp": (
        "start_time",
        "start_time_iso",
        "bucket_start",
        "time",
        "date",
        "day",
        "created",
        "created_at",
    ),
    "model": ("model_id", "model_name", "snapshot_id", "model_version"),
    "provider": ("provider_id",),
    "convention": ("usage_convention",),
    "requests": ("num_model_requests", "n_requests", "request_count", "num_requests"),
    "service_tier": ("tier",),
    "batch": ("is_batch",),
    "project_id": ("project",),
    "user_id": ("user",),
    "api_key_id": ("api_key", "key_id"),
    "context_window": (),
}


def _count_aliases() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {c: [] for c in _cols.SOURCE_COUNTS}
    for a in _cols.ALIASES:
        if a.header != a.count:
            out[a.count].append(a.header)
    return {c: tuple(v) for c, v in out.items()}


COLUMN_ALIASES: dict[str, tuple[str, ...]] = {**_count_aliases(), **_OTHER_ALIASES}
"""Canonical usage column -> other headers accepted for it (matched by :func:`explorer.usage_columns.key`:
case, spaces and dashes ignored, camelCase split). The counts come from :data:`explorer.usage_columns.ALIASES`
(who uses each name, and which convention it implies); ``docs/usage.md`` shows the table."""

COST_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "day": ("start_time", "start_time_iso", "date", "timestamp", "bucket_start"),
    "amount_usd": ("amount_value", "amount", "value", "cost", "cost_usd", "usd"),
    "currency": ("amount_currency",),
    "line_item": ("item", "description"),
    "project_id": ("project",),
}
"""Canonical billed column -> other headers accepted for it (Costs API CSV exports)."""

BREAKDOWNS: dict[str, str] = {
    "day": "day",
    "model": "model_group",
    "project": "project_id",
    "api_key": "api_key_id",
    "user": "user_id",
    "service_tier": "service_tier",
}
"""``--by`` names -> the column :func:`cost_by` groups on."""

DEFAULT_TARGETS: tuple[str, ...] = ("gpt-5-mini", "gpt-5-nano", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o-mini")
"""Cheaper models the savings table tries when none are named."""

NOT_GROUPED = "(not grouped)"
"""Label for rows whose export was not grouped by the field asked for."""

DAYS_PER_MONTH = 365.25 / 12
"""An average month, to turn an observed period's saving into a monthly one."""

LINE_ITEM_LABELS: dict[str, str] = {
    "input_usd": "input",
    "cached_input_usd": "cached input",
    "cache_write_usd": "cache write",
    "input_audio_usd": "audio input",
    "input_image_usd": "image input",
    "output_usd": "output",
    "reasoning_usd": "output",
    "output_audio_usd": "audio output",
    "output_image_usd": "image output",
    "web_search_usd": "web search",
    "file_search_usd": "file search",
}
"""Cost component -> the suffix of its bill line item, ``"<model as exported>, <suffix>"`` (e.g.
``"gpt-4o-2024-08-06, cached input"``); reasoning is billed as output. Line items are compared with case
and spacing ignored, so ``GPT-4o-2024-08-06,  Input`` matches."""

_TIER_NAMES = {
    "": "standard",
    "default": "standard",
    "auto": "standard",
    "standard": "standard",
    "batch": "batch",
    "flex": "flex",
    "priority": "priority",
}
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}
_EARLIEST = pd.Timestamp("2020-01-01")  # no OpenAI API usage export predates this
_LATEST = pd.Timestamp("2100-01-01")

Kind = Literal["usage", "costs"]


# ------------------------------------------------------------------------------------------------ errors


class _Where:
    """Names a file and its rows in error messages; ``unit`` is "line", "row" or "result"."""

    def __init__(self, path: Path | str, unit: str = "line") -> None:
        self.path = str(path)
        self.unit = unit

    def error(self, msg: str, label: Any = None, column: str | None = None) -> ValueError:
        where = self.path
        if label is not None:
            where += f", {self.unit} {label}"
        if column is not None:
            where += f", column {column!r}"
        return ValueError(f"{where}: {msg}")


_ENGINE_ROW = re.compile(r"^usage row (?P<label>.+?)(?P<col>, column '[^']*')?: (?P<msg>.*)$", re.S)
_ENGINE_FILE = re.compile(r"^usage: (?P<msg>.*)$", re.S)


def _reword(exc: ValueError, path: str, unit: str) -> ValueError:
    """The engine names rows as 'usage row <label>'; say which file and what a row is instead."""
    text = str(exc)
    if m := _ENGINE_ROW.match(text):
        return ValueError(f"{path}, {unit} {m['label']}{m['col'] or ''}: {m['msg']}")
    if m := _ENGINE_FILE.match(text):
        return ValueError(f"{path}: {m['msg']}")
    return ValueError(f"{path}: {text}")


# ------------------------------------------------------------------------------------------------ columns


def _key(header: Any) -> str:
    return _cols.key(header)


def _rename(
    frame: pd.DataFrame,
    aliases: Mapping[str, Sequence[str]],
    mapping: Mapping[str, str] | None,
    where: _Where,
    ignore: Iterable[str] = (),
) -> pd.DataFrame:
    """Canonical column names; a canonical name claimed by two columns is an error."""
    return _rename_sources(frame, aliases, mapping, where, ignore)[0]


_LOOKUPS: dict[int, tuple[Mapping[str, Sequence[str]], dict[str, str]]] = {}


def _alias_lookup(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Header key -> canonical name. Kept for the module's own alias tables (every chunk of a big log asks);
    another mapping is looked up afresh."""
    held = _LOOKUPS.get(id(aliases))
    if held is not None and held[0] is aliases:
        return held[1]
    lookup: dict[str, str] = {}
    for canon, others in aliases.items():
        lookup[_key(canon)] = canon
        for other in others:
            lookup.setdefault(_key(other), canon)
    if aliases is COLUMN_ALIASES:
        _LOOKUPS[id(aliases)] = (aliases, lookup)
    return lookup


def _rename_sources(
    frame: pd.DataFrame,
    aliases: Mapping[str, Sequence[str]],
    mapping: Mapping[str, str] | None,
    where: _Where,
    ignore: Iterable[str] = (),
) -> tuple[pd.DataFrame, dict[str, str]]:
    """:func:`_rename`, and for each canonical name the header it came from. Columns named in ``ignore``
    keep their own name and meaning (they pass through, unpriced)."""
    lookup = _alias_lookup(aliases)
    skip = {_key(c) for c in ignore}
    explicit = {str(k): v for k, v in (mapping or {}).items()}
    for theirs, canon in explicit.items():
        if canon not in aliases:
            close = difflib.get_close_matches(canon, list(aliases), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise where.error(
                f"mapping {clip(theirs)} -> {clip(canon)}: {clip(canon)} is not a column this importer knows{hint}"
            )
        if theirs not in frame.columns:
            raise where.error(
                f"mapping names column {clip(theirs)}, which the file does not have "
                f"(have: {clip_names(frame.columns)})"
            )
    new: dict[Any, str] = {}
    claimed: dict[str, Any] = {}
    for col in frame.columns:
        if _key(col) in skip and str(col) not in explicit:
            continue
        canon = explicit.get(str(col)) or lookup.get(_key(col))
        if canon is None:
            continue
        if canon in claimed:
            raise where.error(
                f"columns {clip(claimed[canon])} and {clip(col)} both mean {clip(canon)}; "
                f"pass mapping= (or ignore one of them) to say which one to use",
                column=str(col),
            )
        claimed[canon] = col
        new[col] = canon
    sources = {canon: str(col) for canon, col in claimed.items()}
    return frame.rename(columns=new), sources


def _require(
    frame: pd.DataFrame, required: Sequence[str], aliases: Mapping[str, Sequence[str]], where: _Where
) -> None:
    missing = [c for c in required if c not in frame.columns]
    if not missing:
        return
    col = missing[0]
    have = [str(c) for c in frame.columns]
    known = {k for canon, others in aliases.items() for k in (canon, *others)}
    spare = [h for h in have if h not in known]
    close = difflib.get_close_matches(col, spare, n=1, cutoff=0.6)
    hint = f"; is {clip(close[0])} it? rename it or pass mapping={{{clip(close[0])}: {clip(col)}}}" if close else ""
    if len(have) == 1 and any(sep in have[0] for sep in ";\t|"):
        sep = next(s for s in ";\t|" if s in have[0])
        hint = f"; the header looks {clip(sep)}-separated, expected commas"
    raise where.error(f"missing column {clip(col)} (have: {clip_names(have)}){hint}", column=col)


def _whole(frame: pd.DataFrame, col: str, where: _Where, *, required: bool) -> np.ndarray:
    """Non-negative whole numbers as int64; NA means 0 in an optional column."""
    raw = frame[col]
    if pd.api.types.is_bool_dtype(raw):
        raise where.error("holds true/false values, expected counts", column=col)
    if isinstance(raw.dtype, np.dtype) and raw.dtype.kind in "iu":  # a whole-number column: range checks only
        ints = raw.to_numpy()
        # Seen as unsigned, a negative count is huge: one pass clears both checks for a sound column.
        if ints.view(f"u{ints.dtype.itemsize}").max(initial=0) <= _costs.MAX_COUNT:
            return ints.astype(np.int64, copy=False)
        for mask, what in ((ints < 0, "is negative"),
                           (ints > _costs.MAX_COUNT, f"is implausibly large (over {_costs.MAX_COUNT:.0e})")):
            if mask.any():
                pos = int(np.flatnonzero(mask)[0])
                raise where.error(f"{float(ints[pos]):g} {what}", frame.index[pos], col)
        return ints.astype(np.int64, copy=False)
    num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = np.isnan(num)
    if bad.any():
        blank = raw.isna().to_numpy()
        if not required and blank[bad].all():
            num = np.where(bad, 0.0, num)
        else:
            pos = int(np.flatnonzero(bad)[0])
            value = raw.iloc[pos]
            # CSV readers turn both a blank cell and the text NaN into NA: name both.
            what = "is empty or NaN, expected a whole number" if pd.isna(value) else f"{value!r} is not a number"
            raise where.error(what, frame.index[pos], col)
    for mask, what in (
        (~np.isfinite(num), "is not finite"),
        (num < 0, "is negative"),
        (num != np.floor(num), "is not a whole number"),
        (num > _costs.MAX_COUNT, f"is implausibly large (over {_costs.MAX_COUNT:.0e})"),
    ):
        if mask.any():
            pos = int(np.flatnonzero(mask)[0])
            raise where.error(f"{num[pos]:g} {what}", frame.index[pos], col)
    return num.astype(np.int64)


def _flags(frame: pd.DataFrame, col: str, where: _Where) -> np.ndarray:
    """true/false/blank -> bool (blank = not grouped = False)."""
    raw = frame[col]
    if pd.api.types.is_bool_dtype(raw):
        return raw.fillna(False).to_numpy(dtype=bool)
    text = raw.astype("string").str.strip().str.lower().fillna("")
    ok = text.isin(_TRUE | _FALSE).to_numpy()
    if not ok.all():
        pos = int(np.flatnonzero(~ok)[0])
        raise where.error(f"{clip(raw.iloc[pos])} is not true or false", frame.index[pos], col)
    return text.isin(_TRUE).to_numpy()


def _times(frame: pd.DataFrame, col: str, where: _Where, *, required: bool) -> pd.Series:
    """Naive UTC datetimes from epoch seconds, ISO strings or datetimes; within 2020..2100."""
    raw = frame[col]
    if pd.api.types.is_bool_dtype(raw):
        raise where.error("holds true/false values, expected a date or time", column=col)
    if pd.api.types.is_datetime64_any_dtype(raw):
        ns = pd.to_datetime(raw, utc=True).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    elif pd.api.types.is_numeric_dtype(raw):
        num = raw.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(num) | np.isnan(num)
        if not finite.all():
            pos = int(np.flatnonzero(~finite)[0])
            raise where.error(f"{clip(num[pos])} is not a date or time", frame.index[pos], col)
        # Out-of-range epochs become NaT here and are reported below as out of range.
        safe = np.where(np.abs(np.nan_to_num(num)) < 4e9, num, np.nan)
        ts = pd.to_datetime(pd.Series(safe, index=raw.index), unit="s", utc=True)
        ts[np.isnan(safe) & ~np.isnan(num)] = pd.Timestamp("1900-01-01", tz="UTC")
        ns = ts.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    else:
        ns, bad = _text_times(raw)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise where.error(f"{clip(raw.iloc[pos])} is not a date or time", frame.index[pos], col)
    ints = ns.view(np.int64)
    if len(ints) and ints.min() > _NAT and _EARLIEST.value <= ints.min() and ints.max() < _LATEST.value:
        return pd.Series(ns, index=frame.index, name=raw.name)  # no blank, all in range: two passes, no masks
    missing = np.isnat(ns)
    if required and missing.any():
        pos = int(np.flatnonzero(missing)[0])
        raise where.error("is empty, expected a date or time", frame.index[pos], col)
    out = ((ns < _EARLIEST.to_datetime64()) | (ns >= _LATEST.to_datetime64())) & ~missing
    if out.any():
        pos = int(np.flatnonzero(out)[0])
        raise where.error(
            f"{clip(raw.iloc[pos])} is out of range (expected {_EARLIEST.year} to {_LATEST.year - 1})",
            frame.index[pos],
            col,
        )
    return pd.Series(ns, index=frame.index, name=raw.name)


# An ISO-8601 date or date-time Arrow's cast reads (its parser is a strict subset of pandas' "mixed" one);
# with a zone designator it must be cast to a zoned type, without one to a naive type.
_ISO_TIME = r"^\d{4}-\d\d-\d\d(?:[T ]\d\d(?::\d\d(?::\d\d(?:\.\d{1,9})?)?)?)?"
_ISO_ZONED = _ISO_TIME + r"(?:Z|[+-]\d\d(?::?\d\d)?)$"
_ISO_NAIVE = _ISO_TIME + "$"
_EPOCH_TEXT = r"^\d{9,10}(?:\.\d+)?$"
_NAT = np.iinfo(np.int64).min  # NaT as int64


def _text_times(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Datetimes from text (naive UTC, NaT for blank cells) and a mask of the cells that are not one.

    Logs repeat their timestamps, so each distinct string is parsed once (Arrow's dictionary encoding) and
    the results taken back by code. ISO-8601 strings go through Arrow's cast (naive ones are UTC, offsets
    are converted to UTC); anything else (``Oct 1 2026``, ``2026-10-01T12:34:56,5``) through pandas'
    ``format="mixed"`` parser, which gives the same answer for everything Arrow reads: one semantics,
    whichever path a string takes. Ten-digit strings are epoch seconds."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(raw.dtype, pd.CategoricalDtype):  # already one entry per distinct value
        codes = raw.cat.codes.to_numpy().astype(np.int64)
        uniques = pa.array(raw.cat.categories.astype("string"), type=pa.string())
    else:
        try:
            arr = pa.array(raw, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python types (a JSON log): as text
            arr = pa.array(raw.astype("string"), from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
            arr = pc.cast(arr, pa.string())
        # Most logs write one ISO-8601 shape throughout: one Arrow cast of the column, no hashing at all
        # (hashing a million distinct strings costs ten times the cast). It fails fast on the first
        # string of another shape (or a blank cell), and the distinct strings are parsed instead.
        for zoned in (True, False):
            try:
                cast = pc.cast(arr, pa.timestamp("ns", tz="UTC") if zoned else pa.timestamp("ns"))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
            ns = pc.fill_null(cast.cast(pa.int64()), _NAT).to_numpy(zero_copy_only=False).view("datetime64[ns]")
            return ns, np.zeros(len(ns), dtype=bool)
        enc = pc.dictionary_encode(arr)
        codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        uniques = enc.dictionary
    text = pc.utf8_trim_whitespace(uniques)
    ns = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    blank = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
    todo = ~blank
    for pattern, kind in ((_EPOCH_TEXT, "epoch"), (_ISO_ZONED, "zoned"), (_ISO_NAIVE, "naive"), (None, "other")):
        if not todo.any():
            break
        if pattern is None:
            pick = todo.copy()
        else:
            pick = todo & pc.fill_null(pc.match_substring_regex(text, pattern), False).to_numpy(zero_copy_only=False)
        if not pick.any():
            continue
        todo &= ~pick
        where = np.flatnonzero(pick)
        part = text.take(pa.array(where))
        ns[where] = _parse_times(part, kind)
    bad_unique = np.isnat(ns) & ~blank
    valid = codes >= 0
    if not len(ns):  # every cell blank
        return np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[ns]"), valid
    out = np.where(valid, ns[np.where(valid, codes, 0)], np.datetime64("NaT", "ns"))
    bad = valid & bad_unique[np.where(valid, codes, 0)]
    return out, bad


def _parse_times(part: Any, kind: str) -> np.ndarray:
    """Naive UTC datetime64[ns] for distinct strings of one shape; NaT where a string is not a time."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind == "epoch":
        secs = pd.to_numeric(pd.Series(part.to_pylist()))
        return pd.to_datetime(secs, unit="s", utc=True).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    if kind in ("zoned", "naive"):
        try:
            cast = pc.cast(part, pa.timestamp("ns", tz="UTC") if kind == "zoned" else pa.timestamp("ns"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # e.g. a month 13, or past 2262: pandas says which ones
        else:
            return cast.cast(pa.int64()).to_numpy(zero_copy_only=False).view("datetime64[ns]")
    parsed = pd.to_datetime(pd.Series(part.to_pylist(), dtype=object), utc=True, errors="coerce", format="mixed")
    return parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _labels(frame: pd.DataFrame, col: str) -> pd.Series:
    """Stripped text, NA for a blank cell. A categorical column stays categorical: its few distinct values
    are cleaned, not its million rows."""
    raw = frame[col]
    if isinstance(raw.dtype, pd.CategoricalDtype):
        clean = _clean_categories(raw.cat.categories) if not raw.cat.ordered else None
        if clean is not None:
            # Already clean (a log's usual case): the million codes are kept as they are, not rebuilt.
            if clean is raw.cat.categories:
                return raw
            return pd.Series(pd.Categorical.from_codes(raw.cat.codes.to_numpy(), dtype=_string_categories(clean),
                                                       validate=False), index=raw.index)
        cleaned = pd.Series(raw.cat.categories).astype("string").str.strip()
        per_category, uniques = pd.factorize(cleaned.mask(cleaned == ""))  # blanks -> -1 (NA)
        codes = raw.cat.codes.to_numpy()
        if len(per_category):
            codes = np.where(codes >= 0, per_category.take(np.maximum(codes, 0)), -1)
        dtype = pd.CategoricalDtype(pd.Index(uniques, dtype="string"))
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype, validate=False), index=raw.index)
    text = raw.astype("string").str.strip()
    return text.mask(text == "")


def _clean_categories(categories: pd.Index) -> pd.Index | None:
    """The categories as string-typed labels if each is already one (text, trimmed as ``str.strip`` trims
    text, not blank, none twice), else None: the caller cleans them. ``categories`` itself when it is
    already typed ``string``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(categories) > 4096:
        return None
    values = categories.tolist()
    if not all(type(v) is str for v in values) or len(set(values)) != len(values):
        return None
    arr = pa.array(values, pa.string())
    if not len(arr) or not pc.utf8_trim_whitespace(arr).equals(arr) or pc.min(pc.utf8_length(arr)).as_py() == 0:
        return None
    return categories if isinstance(categories.dtype, pd.StringDtype) else pd.Index(values, dtype="string")


@functools.lru_cache(maxsize=64)
def _string_categories_of(values: tuple[str, ...]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(pd.Index(list(values), dtype="string"))


def _string_categories(clean: pd.Index) -> pd.CategoricalDtype:
    """One dtype per set of labels (building one checks every category: a fixed cost of each chunk)."""
    return _string_categories_of(tuple(clean.tolist()))


def _group_labels(frame: pd.DataFrame, col: str) -> pd.Series:
    """A grouping column (project, user, API key) as strings, NA where not grouped."""
    if col not in frame.columns:
        return _no_strings(frame.index)
    labels = _labels(frame, col)
    return labels.astype("string") if isinstance(labels.dtype, pd.CategoricalDtype) else labels


def _no_strings(index: pd.Index) -> pd.Series:
    """An all-NA string column, built in one allocation (not a NA object per row)."""
    if pd.StringDtype().storage == "pyarrow":
        import pyarrow as pa

        arr = pd.arrays.ArrowStringArray(pa.chunked_array([pa.nulls(len(index), pa.large_string())]))
        if arr.dtype == pd.StringDtype():
            return pd.Series(arr, index=index)
    return pd.Series(pd.NA, index=index, dtype="string")


# ------------------------------------------------------------------------------------------------ usage


def normalize_usage(
    raw: pd.DataFrame,
    *,
    path: Path | str = "usage",
    unit: str = "line",
    mapping: Mapping[str, str] | None = None,
    convention: str | None = None,
    ignore_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """Canonical, validated usage columns from a raw frame (row labels = its index).

    Headers are matched through :data:`COLUMN_ALIASES`; each provider's counting convention is applied
    (:mod:`explorer.usage_columns`): Anthropic's ``input_tokens`` excludes its cache reads and writes,
    Gemini's candidates exclude its thoughts. ``convention`` (``openai``, ``anthropic`` or ``gemini``) says
    how the ambiguous headers ``input_tokens`` and ``output_tokens`` count; without it a ``convention`` or
    ``provider`` column decides per row when the file's headers are ambiguous, and a file that is ambiguous
    with neither is an error. A numeric column whose name looks like a count but is none of the accepted
    ones is an error naming the closest accepted name, unless ``ignore_columns`` lists it (it then passes
    through, unpriced).

    Output columns: ``timestamp`` (naive UTC; NaT when the file has none), ``model``, every count in
    :data:`explorer.costs.COUNT_COLUMNS` present in the file (int64, NA -> 0 when optional; input and
    output as the engine counts them), ``cache_write_1h_tokens`` when the file says how many cache writes
    were 1-hour ones, ``requests`` (int64; 1 a row for a request log), ``service_tier`` (``batch: true``
    folded in), ``project_id``, ``user_id``, ``api_key_id`` (string, NA when not grouped), then any other
    columns (``total_tokens`` among them, checked against input + output).
    """
    where = _Where(path, unit)
    if raw.empty:
        raise where.error("no usage rows")
    if convention is not None and convention not in _cols.CONVENTIONS:
        raise ValueError(
            f"convention: unknown {clip(convention)}; expected one of {', '.join(_cols.CONVENTIONS)}"
        )
    frame, sources = _rename_sources(raw, COLUMN_ALIASES, mapping, where, ignore_columns)
    _check_unknown_counts(frame, ignore_columns, where)
    _require_counts(frame, where)
    out: dict[str, Any] = {}
    if "timestamp" in frame.columns:
        out["timestamp"] = _times(frame, "timestamp", where, required=False)
    else:
        out["timestamp"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    model = _labels(frame, "model")
    if model.isna().any():
        pos = int(np.flatnonzero(model.isna().to_numpy())[0])
        raise where.error("is empty (export the usage grouped by model)", frame.index[pos], "model")
    # categorical and plain-str columns keep the engine's factorising fast (string dtypes halve its speed)
    out["model"] = model.astype("category")
    if "provider" in frame.columns:
        out["provider"] = _labels(frame, "provider")
    counts = {
        col: _whole(frame, col, where, required=col in _REQUIRED_COUNTS)
        for col in _cols.SOURCE_COUNTS
        if col in frame.columns
    }
    for col, arr in _engine_counts(frame, counts, sources, convention, where).items():
        out[col] = arr
    if "requests" in frame.columns:
        requests = _whole(frame, "requests", where, required=False)
        busy = (requests == 0) & ((out["input_tokens"] > 0) | (out["output_tokens"] > 0))
        if busy.any():
            pos = int(np.flatnonzero(busy)[0])
            raise where.error("0 requests but tokens used", frame.index[pos], "requests")
        out["requests"] = requests
    else:
        out["requests"] = np.ones(len(frame), dtype=np.int64)
    out["service_tier"] = _service_tiers(frame, where)
    for col in GROUP_COLUMNS:
        out[col] = _group_labels(frame, col)
    result = pd.DataFrame(out, index=frame.index)
    for col in ("input_tokens", "output_tokens"):
        parts = [
            c
            for c in (_costs._INPUT_PARTS if col == "input_tokens" else _costs._OUTPUT_PARTS)
            if c in result.columns
        ]
        if parts:
            over = np.sum([result[c].to_numpy() for c in parts], axis=0) > result[col].to_numpy()
            if over.any():
                pos = int(np.flatnonzero(over)[0])
                hint = ""
                if col == "input_tokens" and _key(sources.get("input_tokens", "")) == "input_tokens":
                    hint = (
                        "; if input_tokens leaves the cached tokens out (Anthropic's convention), "
                        "pass --convention anthropic"
                    )
                raise where.error(
                    f"{' + '.join(parts)} exceeds {col} (they are part of it){hint}",
                    frame.index[pos],
                    parts[0],
                )
    consumed = set(_cols.SOURCE_COUNTS) - {"total_tokens"}
    extra = [c for c in frame.columns if c not in result.columns and c != "batch" and c not in consumed]
    return pd.concat([result, frame[extra]], axis=1) if extra else result


_REQUIRED_COUNTS = ("input_tokens", "output_tokens", "uncached_input_tokens", "candidates_tokens")


def _check_unknown_counts(frame: pd.DataFrame, ignore: Sequence[str], where: _Where) -> None:
    """A numeric column named like a count that no alias claims would be left out of the price: refuse it."""
    known = set(COLUMN_ALIASES)
    skip = {_key(c) for c in ignore}
    for col in frame.columns:
        if col in known or _key(col) in skip or not _cols.looks_like_count(col):
            continue
        if _key(col) in _cols.BREAKDOWN_COUNTS:
            if _key(col) in _cols.OWN_RATE_BREAKDOWNS:
                counts = pd.to_numeric(frame[col], errors="coerce").fillna(0).to_numpy()
                if (counts != 0).any():
                    pos = int(np.flatnonzero(counts != 0)[0])
                    raise where.error(
                        f"{counts[pos]:g} cached {'audio' if 'audio' in _key(col) else 'image'} tokens have a rate "
                        f"of their own, which the price table lacks; pass --ignore-columns {col} to price them "
                        "at the cached text rate",
                        frame.index[pos],
                        str(col),
                    )
            continue  # a split of a count the file also gives: kept, not priced twice
        values = frame[col]
        if pd.api.types.is_bool_dtype(values):
            continue
        if not pd.api.types.is_numeric_dtype(values):
            sample = values.dropna().head(100)
            if any(isinstance(v, Mapping | list) for v in sample):
                raise where.error(
                    "holds nested objects, whose counts this reader would not see; "
                    "flatten them into columns (or log the raw response: one JSON object per line with its "
                    "'usage'), or pass --ignore-columns to leave it unpriced",
                    column=str(col),
                )
            if sample.empty or pd.to_numeric(sample, errors="coerce").isna().any():
                continue  # text (a prompt, an image URL): not a count
        raise where.error(
            f"unknown count column {clip(str(col))} (closest accepted name: {clip(_cols.closest_name(col))}); "
            f"rename it, map it, or pass --ignore-columns {col} (ignore_columns=) to leave it unpriced",
            column=str(col),
        )


def _require_counts(frame: pd.DataFrame, where: _Where) -> None:
    have = set(frame.columns)
    need = ["model"]
    if not have & {"input_tokens", "uncached_input_tokens"}:
        need.append("input_tokens")
    if not have & {"output_tokens", "candidates_tokens"}:
        need.append("output_tokens")
    _require(frame, need, COLUMN_ALIASES, where)
    for a, b in (("input_tokens", "uncached_input_tokens"), ("output_tokens", "candidates_tokens")):
        if a in have and b in have:
            raise where.error(
                f"both {clip(a)} and {clip(b)} given: one of them is derived from the other; "
                f"ignore one (--ignore-columns)",
                column=b,
            )


def _row_conventions(
    frame: pd.DataFrame, sources: Mapping[str, str], convention: str | None, where: _Where
) -> np.ndarray | None:
    """Per row, which convention the ambiguous headers follow (None: the file is not ambiguous and gave
    no convention, so the engine's own meaning holds)."""
    if "convention" in frame.columns:  # per row (a raw response log says each line's): wins over the flag
        text = frame["convention"].astype("string").str.strip().str.lower()
        if convention is not None:
            text = text.fillna(convention)
        bad = ~text.isin(_cols.CONVENTIONS).fillna(False).to_numpy(dtype=bool)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise where.error(
                f"{clip(frame['convention'].iloc[pos])} is not a convention; expected one of "
                f"{', '.join(_cols.CONVENTIONS)}",
                frame.index[pos],
                "convention",
            )
        return text.to_numpy(dtype=object)
    if convention is not None:
        return np.full(len(frame), convention, dtype=object)
    reason = _ambiguity(frame, sources)
    if reason is None:
        return None
    if "provider" not in frame.columns:
        raise where.error(
            f"{reason}: pass --convention openai|anthropic|gemini (convention=) or add a provider column",
            column=sources.get("input_tokens") if "input_tokens" in reason else sources.get("output_tokens"),
        )
    provs = frame["provider"].astype("string").fillna("").to_numpy(dtype=object)
    models = frame["model"].astype("string").fillna("").to_numpy(dtype=object)
    conv = np.empty(len(frame), dtype=object)
    seen: dict[tuple[str, str], str | None] = {}
    for i, pair in enumerate(zip(provs, models, strict=True)):
        if pair not in seen:
            seen[pair] = _cols.convention_of_provider(pair[0], pair[1])
        c = seen[pair]
        if c is None:
            raise where.error(
                f"{reason}, and provider {clip(pair[0])} does not say which convention it follows: "
                f"pass --convention openai|anthropic|gemini (convention=)",
                frame.index[i],
                "provider",
            )
        conv[i] = c
    return conv


def _ambiguity(frame: pd.DataFrame, sources: Mapping[str, str]) -> str | None:
    """Why the headers do not say how the counts relate, or None when they do."""
    fam = {a.header: a.family for a in _cols.ALIASES}
    shared = [
        sources[c]
        for c in ("cached_input_tokens", "cache_write_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens")
        if c in sources and fam.get(_key(sources[c])) == "shared"
    ]
    if "input_tokens" in sources and _key(sources["input_tokens"]) == "input_tokens" and shared:
        return (
            f"{sources['input_tokens']!r} beside {shared[0]!r} is ambiguous (Anthropic's input_tokens leaves "
            f"cache reads and writes out; OpenAI's and litellm's input counts include them)"
        )
    thoughts = sources.get("reasoning_tokens")
    out = sources.get("output_tokens")
    if out is not None and thoughts is not None and fam.get(_key(thoughts)) == "gemini":
        return (
            f"{out!r} beside {thoughts!r} is ambiguous (Gemini bills thoughts on top of its candidates; "
            f"OpenAI's output counts include reasoning)"
        )
    return None


def _engine_counts(
    frame: pd.DataFrame,
    counts: dict[str, np.ndarray],
    sources: Mapping[str, str],
    convention: str | None,
    where: _Where,
) -> dict[str, np.ndarray]:
    """The engine's counts (OpenAI's convention) from whatever the file counted."""
    conv = _row_conventions(frame, sources, convention, where)
    n = len(frame)
    zero = np.zeros(n, dtype=np.int64)
    out = {c: counts[c] for c in _costs.COUNT_COLUMNS if c in counts}
    # Cache writes: a total, or its 5-minute and 1-hour parts, or both (then the parts must fit).
    w5, w1 = counts.get("cache_write_5m_tokens"), counts.get("cache_write_1h_tokens")
    if w5 is not None or w1 is not None:
        parts = (w5 if w5 is not None else zero) + (w1 if w1 is not None else zero)
        if "cache_write_tokens" in counts:
            total = counts["cache_write_tokens"]
            if w5 is not None and w1 is not None:
                _same(total, parts, "cache_write_tokens", "the 5-minute + 1-hour cache writes", frame, sources, where)
            else:
                _fits(parts, total, "cache_write_5m_tokens" if w5 is not None else "cache_write_1h_tokens",
                      "cache_write_tokens", frame, sources, where)
            one_hour = w1 if w1 is not None else total - w5  # type: ignore[operator]
        else:
            total = parts
            one_hour = w1 if w1 is not None else zero
        out["cache_write_tokens"] = total
        out["cache_write_1h_tokens"] = one_hour
    reads = out.get("cached_input_tokens", zero)
    writes = out.get("cache_write_tokens", zero)
    if "uncached_input_tokens" in counts:
        out["input_tokens"] = counts["uncached_input_tokens"] + reads + writes
    elif conv is not None and _key(sources.get("input_tokens", "")) == "input_tokens":
        out["input_tokens"] = np.where(conv == "anthropic", counts["input_tokens"] + reads + writes,
                                       counts["input_tokens"])
    if "tool_use_prompt_tokens" in counts:
        out["input_tokens"] = out["input_tokens"] + counts["tool_use_prompt_tokens"]
    reasoning = out.get("reasoning_tokens", zero)
    if "candidates_tokens" in counts:
        out["output_tokens"] = counts["candidates_tokens"] + reasoning
    elif conv is not None and "output_tokens" in counts:
        out["output_tokens"] = np.where(conv == "gemini", counts["output_tokens"] + reasoning,
                                        counts["output_tokens"])
    if "total_tokens" in counts:
        given = frame["total_tokens"].notna().to_numpy()  # a log mixing shapes has totals on some rows only
        derived = out["input_tokens"] + out["output_tokens"]
        _same(np.where(given, counts["total_tokens"], derived), derived, "total_tokens", "input + output",
              frame, sources, where)
    return out


def _same(given: np.ndarray, derived: np.ndarray, col: str, what: str, frame: pd.DataFrame,
          sources: Mapping[str, str], where: _Where) -> None:
    bad = given != derived
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise where.error(
            f"{given[pos]} is not {what} ({derived[pos]}); the counts do not add up as this convention says "
            f"(see --convention)",
            frame.index[pos],
            sources.get(col, col),
        )


def _fits(part: np.ndarray, whole: np.ndarray, part_col: str, whole_col: str, frame: pd.DataFrame,
          sources: Mapping[str, str], where: _Where) -> None:
    bad = part > whole
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise where.error(
            f"{part[pos]} exceeds {sources.get(whole_col, whole_col)} {whole[pos]} (it is part of it)",
            frame.index[pos],
            sources.get(part_col, part_col),
        )


def _service_tiers(frame: pd.DataFrame, where: _Where) -> pd.Categorical:
    """Each row's billing tier, as a categorical over SERVICE_TIERS (codes all the way: a string per row
    would cost more to build here and again to hash when pricing)."""
    tier_code = {t: i for i, t in enumerate(_prices.SERVICE_TIERS)}
    if "service_tier" in frame.columns:
        raw = frame["service_tier"]
        if isinstance(raw.dtype, pd.CategoricalDtype):  # a code per row already: name the categories only
            text = pd.Series(raw.cat.categories).astype("string").str.strip().str.lower()
            uniques = pd.Index([*text, ""])
            codes = raw.cat.codes.to_numpy().astype(np.int64)
            codes = np.where(codes >= 0, codes, len(text))  # a blank cell: the last name, ""
        else:
            text = raw.astype("string").str.strip().str.lower().fillna("")
            codes, uniques = pd.factorize(text)
        mapped = []
        for i, value in enumerate(uniques):
            tier = _TIER_NAMES.get(value)
            rows = np.flatnonzero(codes == i) if tier is None else None
            if rows is not None and not len(rows):  # a category no row uses
                tier = "standard"
            if tier is None:
                pos = int(rows[0])  # type: ignore[index]
                raise where.error(
                    f"unknown service tier {clip(raw.iloc[pos])}; expected one of "
                    f"{', '.join(_prices.SERVICE_TIERS)} (or default/auto)",
                    frame.index[pos],
                    "service_tier",
                )
            mapped.append(tier_code[tier])
        tiers = np.array(mapped, dtype=np.int8).take(codes) if len(frame) else np.zeros(0, dtype=np.int8)
    else:
        tiers = np.zeros(len(frame), dtype=np.int8)
    if "batch" in frame.columns:
        batch = _flags(frame, "batch", where)
        clash = batch & (tiers == tier_code["priority"])
        if clash.any():
            pos = int(np.flatnonzero(clash)[0])
            raise where.error(
                "batch is true but service_tier is priority; the Batch API has no priority tier",
                frame.index[pos],
                "batch",
            )
        # Flex already bills at batch rates; any other batch row is the Batch API's 50% off.
        tiers = np.where(batch & (tiers != tier_code["flex"]), np.int8(tier_code["batch"]), tiers)
    return pd.Categorical.from_codes(tiers, dtype=pd.CategoricalDtype(list(_prices.SERVICE_TIERS)), validate=False)


def _read_json_pages(
    path: Path, where: _Where, data: bytes | None = None
) -> tuple[list[tuple[str, dict[str, Any]]], bool]:
    """[(page label, page)] from a page, a list of pages, or one page per JSON line."""
    text = _read_text(path, where) if data is None else _decode(data, where)
    try:
        doc = _limits.loads_json(text, where.path)
        docs: list[tuple[str, Any]] = (
            [(f"page {i + 1} ", d) for i, d in enumerate(doc)] if isinstance(doc, list) else [("", doc)]
        )
    except json.JSONDecodeError as exc:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        docs = []
        for n, line in lines:
            try:
                docs.append((f"line {n} ", _limits.loads_json(line, f"{where.path}, line {n}")))
            except json.JSONDecodeError as exc2:
                if len(lines) == 1 or n == lines[0][0]:
                    raise where.error(
                        f"not valid JSON ({exc.msg}; line {exc.lineno} column {exc.colno})"
                    ) from None
                raise where.error(f"not valid JSON ({exc2.msg})", n) from None
    if len(docs) == 1 and docs[0][0].startswith("page"):
        docs = [("", docs[0][1])]
    return docs, True


def _read_text(path: Path, where: _Where) -> str:
    return _decode(_read_bytes(path, where), where)


def _read_bytes(path: Path, where: _Where) -> bytes:
    _check_path(path, where)
    _limits.check_file_size(path, where.path)  # before reading: the whole file is held in memory
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise where.error("binary file, expected JSON, CSV or Parquet")
    if not data.strip():
        raise where.error("empty file")
    return data


def _decode(data: bytes, where: _Where) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise where.error(f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise where.error("empty file")
    return text


def _check_path(path: Path, where: _Where) -> None:
    if not path.exists():
        raise where.error("file not found")
    if path.is_dir():
        raise where.error("is a directory, expected a file")


def _is_page(doc: Any) -> bool:
    return isinstance(doc, dict) and ("data" in doc and (doc.get("object") in (None, "page", "list")))


def _page_results(docs: list[tuple[str, Any]], where: _Where, kind: Kind) -> tuple[pd.DataFrame, list[str]]:
    """One row per result, labelled ``[page N ]data[i].results[j]``, with bucket start/end columns;
    and per page "more" or "last" (its has_more)."""
    rows: list[dict[str, Any]] = []
    labels: list[str] = []
    notes: list[str] = []
    for prefix, page in docs:
        if not _is_page(page):
            raise where.error(
                f"{prefix or ''}expected a Usage or Costs API page {{object: 'page', data: [...]}}".replace(
                    "  ", " "
                )
            )
        buckets = page["data"]
        if not isinstance(buckets, list):
            raise where.error(f"{prefix}'data' is not a list")
        for i, bucket in enumerate(buckets):
            loc = f"{prefix}data[{i}]"
            if not isinstance(bucket, dict):
                raise where.error(f"{loc}: expected a bucket object")
            results = bucket.get("results", bucket.get("result"))
            if not isinstance(results, list):
                raise where.error(f"{loc}: missing 'results' list")
            if "starting_at" in bucket or "ending_at" in bucket:  # Anthropic's Admin API: RFC 3339 strings
                start, end = _rfc3339_bucket(bucket, loc, where)
                anthropic = True
            else:
                for key in ("start_time", "end_time"):
                    if key not in bucket:
                        raise where.error(f"{loc}: missing {clip(key)}")
                start, end = bucket["start_time"], bucket["end_time"]
                if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (start, end)):
                    raise where.error(
                        f"{loc}: start_time and end_time must be epoch seconds, got {clip(start)}, {clip(end)}"
                    )
                anthropic = False
            if end <= start:
                raise where.error(f"{loc}: end_time {end} is not after start_time {start}")
            for j, result in enumerate(results):
                if not isinstance(result, dict):
                    raise where.error(f"{loc}.results[{j}]: expected an object")
                flat = {k: v for k, v in result.items() if k != "amount"}
                if anthropic:
                    flat = _anthropic_result(flat, kind)
                if kind == "costs":
                    amount = result.get("amount")
                    if anthropic and isinstance(amount, str | int | float) and not isinstance(amount, bool):
                        flat["amount_usd"] = _cents_to_usd(amount, f"{loc}.results[{j}]", where)
                        flat["currency"] = result.get("currency")
                    elif not isinstance(amount, dict):
                        raise where.error(f"{loc}.results[{j}]: missing 'amount' object {{value, currency}}")
                    else:
                        flat["amount_usd"] = amount.get("value")
                        flat["currency"] = amount.get("currency")
                flat["start_time"] = start if not anthropic else bucket["starting_at"]
                flat["bucket_end_time"] = end
                rows.append(flat)
                labels.append(f"{loc}.results[{j}]")
        notes.append("more" if page.get("has_more") else "last")
    frame = pd.DataFrame(rows, index=pd.Index(labels, name="result"))
    frame.index = frame.index.astype(object)
    return frame, notes


_ANTHROPIC_TOKEN_TYPES = {
    "uncached_input_tokens": "input",
    "cache_read_input_tokens": "cached input",
    "cache_creation": "cache write",
    "cache_creation.ephemeral_5m_input_tokens": "cache write",
    "cache_creation.ephemeral_1h_input_tokens": "cache write",
    "output_tokens": "output",
}
"""Anthropic cost report ``token_type`` -> the component suffix of :data:`LINE_ITEM_LABELS`."""


def _rfc3339_bucket(bucket: Mapping[str, Any], loc: str, where: _Where) -> tuple[float, float]:
    out = []
    for key in ("starting_at", "ending_at"):
        value = bucket.get(key)
        try:
            ts = pd.Timestamp(value)
            if not isinstance(value, str) or pd.isna(ts):
                raise ValueError(value)
        except ValueError:
            raise where.error(f"{loc}: {key} {clip(value)} is not an RFC 3339 time") from None
        out.append((ts.tz_localize("UTC") if ts.tzinfo is None else ts).timestamp())
    return out[0], out[1]


def _anthropic_result(flat: dict[str, Any], kind: Kind) -> dict[str, Any]:
    """An Admin API usage or cost report result in this module's columns: nested counts flattened,
    ``workspace_id`` as the project, and (cost report) a bill line item like the OpenAI Costs export's."""
    out = {}
    for k, v in flat.items():
        if isinstance(v, dict) and kind == "usage":  # cache_creation {...}, server_tool_use {...}
            out.update({kk: vv for kk, vv in v.items() if kk not in flat})
        else:
            out[k] = v
    if "workspace_id" in out:
        out["project_id"] = out.pop("workspace_id")
    if kind == "costs":
        model = out.get("model")
        token_type = out.get("token_type")
        cost_type = out.get("cost_type")
        if token_type in _ANTHROPIC_TOKEN_TYPES and model:
            out["line_item"] = f"{model}, {_ANTHROPIC_TOKEN_TYPES[token_type]}"
        elif cost_type == "web_search" and model:
            out["line_item"] = f"{model}, web search"
        else:
            out["line_item"] = out.get("description") or cost_type
        for k in ("token_type", "cost_type", "model", "description", "context_window", "service_tier",
                  "inference_geo"):
            out.pop(k, None)
    return out


def _cents_to_usd(amount: Any, loc: str, where: _Where) -> float:
    """Anthropic's cost report gives amounts in cents, as decimal strings ("123.45" is $1.23)."""
    from decimal import Decimal, InvalidOperation

    try:
        cents = Decimal(str(amount))
    except InvalidOperation:
        raise where.error(f"{loc}: amount {clip(amount)} is not a number") from None
    if not cents.is_finite():
        raise where.error(f"{loc}: amount {clip(amount)} is not a number")
    return float(cents / 100)


def _usage_result_kind(docs: list[tuple[str, Any]]) -> Kind | None:
    for _, page in docs:
        if not _is_page(page):
            return None
        for bucket in page.get("data") or []:
            results = bucket.get("results", bucket.get("result")) if isinstance(bucket, dict) else None
            for result in results or []:
                if isinstance(result, dict):
                    obj = str(result.get("object", ""))
                    return "costs" if ("costs" in obj or "amount" in result) else "usage"
    return "usage"


_LABEL_COLUMNS = frozenset(
    {"model", "provider", "convention", "service_tier", "project_id", "user_id", "api_key_id", "context_window"}
)


def _is_label(header: str) -> bool:
    """A header the reader keeps categorical (a few distinct values repeated on every row)."""
    return _label_lookup().get(_key(header)) in _LABEL_COLUMNS


_LABELS: dict[str, str] = {}


def _label_lookup() -> dict[str, str]:
    if not _LABELS:
        _LABELS.update({_key(o): c for c, others in COLUMN_ALIASES.items() for o in (c, *others)})
    return _LABELS


def read_table(path: Path | str, where: _Where | None = None) -> pd.DataFrame:
    """A CSV, JSON-lines or Parquet table as it is in the file, indexed by line (text) or row (Parquet)
    number so that errors downstream name the place; read errors name the file (and line).

    Arrow reads it (:mod:`explorer.usage_read`: several threads, label columns categorical, counts
    int64); what Arrow cannot read as a flat table is read line by line here, which names the fault."""
    from explorer import usage_read as _read

    path = Path(path)
    where = where or _Where(path, "row" if path.suffix.lower() == ".parquet" else "line")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        _check_path(path, where)
        try:
            _limits.check_parquet(path, where.path)  # rows and size from the footer, before reading
        except _limits.LimitError:
            raise
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise where.error(f"not a readable Parquet file ({type(exc).__name__})") from None
        try:
            frame = _read.to_frame(_read.parquet_table(path, _is_label), _is_label)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise where.error(f"not a readable Parquet file ({type(exc).__name__})") from None
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
        return frame
    data = _read_bytes(path, where)
    if suffix in (".jsonl", ".ndjson", ".json"):
        table = _read.json_lines_table(data)
        if table is not None:
            frame = _read.to_frame(table, _is_label)
            frame.index = _read.line_numbers(data, len(frame))
            return frame
        return _json_lines(_decode(data, where), where)
    if suffix in (".csv", ".tsv", ".txt"):
        table = _read.csv_table(data)
        if table is not None and table.num_rows:
            frame = _read.to_frame(table, _is_label)
            frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
            return frame
    return _csv_text(_decode(data, where), where)


def _json_line_objects(text: str, where: _Where, first: int = 1) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank JSON line, numbered from ``first``: the exact reader, which
    names the line at fault."""
    for n, line in enumerate(text.splitlines(), start=first):
        if not line.strip():
            continue
        try:
            obj = _limits.loads_json(line, f"{where.path}, {where.unit} {n}")
        except json.JSONDecodeError as exc:
            raise where.error(f"not valid JSON ({exc.msg})", n) from None
        if not isinstance(obj, dict):
            raise where.error("expected a JSON object per line", n)
        yield n, obj


def _json_lines(text: str, where: _Where, first: int = 1) -> pd.DataFrame:
    """JSON lines read one by one (the exact reader: it names the line at fault), numbered from ``first``."""
    pairs = list(_json_line_objects(text, where, first))
    return pd.DataFrame([obj for _, obj in pairs], index=pd.Index([n for n, _ in pairs], name="line"))


def _csv_text(text: str, where: _Where, first: int = 2) -> pd.DataFrame:
    """A CSV text read by pandas (the exact reader: it words a malformed file), rows numbered from ``first``."""
    import io

    try:
        frame = pd.read_csv(io.StringIO(text), skipinitialspace=True, dtype_backend="numpy_nullable")
    except pd.errors.EmptyDataError:
        raise where.error("empty file, expected a header row") from None
    except pd.errors.ParserError as exc:
        raise where.error(f"malformed CSV ({str(exc).strip().splitlines()[0]})") from None
    if frame.empty:
        raise where.error("header only, no rows")
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed:")]
    if unnamed:
        raise where.error(f"a header cell is empty (column {frame.columns.get_loc(unnamed[0]) + 1})")
    frame.index = pd.RangeIndex(first, len(frame) + first, name="line")
    return frame


def _first_line(path: Path, limit: int = 1 << 20) -> bytes | None:
    """The file's first non-blank line (without its line break), or None if none ends within ``limit`` bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(limit)
    except OSError:
        return None
    for line in head.splitlines(keepends=True):
        if line.strip():
            return line.rstrip(b"\r\n") if line.endswith(b"\n") else None
    return None


def is_json_lines_log(path: Path | str) -> bool:
    """Whether a JSON file is a log of one object per line (a request log or raw API responses), told from
    its first line: that line is a whole JSON object and not a Usage or Costs API page. Such a file can be
    read in blocks of lines; a page, a list or a pretty-printed document cannot."""
    line = _first_line(Path(path))
    if line is None:
        return False
    try:
        doc = _limits.loads_json(line, str(path))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(doc, dict) and not _is_page(doc)


def detect_kind(path: Path | str) -> Kind:
    """``"usage"`` (a usage export or request log) or ``"costs"`` (a Costs API export), from the content."""
    p = Path(path)
    where = _Where(p)
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        return "usage"
    if suffix in (".json", ".jsonl", ".ndjson"):
        if is_json_lines_log(p):  # costs come as pages: a log is usage, and need not be read here
            return "usage"
        docs, _ = _read_json_pages(p, where)
        if all(_is_page(d) for _, d in docs):
            return _usage_result_kind(docs) or "usage"
        return "usage"
    if suffix in (".csv", ".tsv", ".txt"):
        first = _first_line(p)
        try:
            header = first.decode("utf-8-sig") if first is not None else _read_text(p, where).splitlines()[0]
        except UnicodeDecodeError:
            header = _read_text(p, where).splitlines()[0]  # says which byte
        keys = {_key(h) for h in header.split(",")}
        costs = {_key(a) for a in (*COST_COLUMN_ALIASES["amount_usd"], "amount_usd")} - {"value"}
        return "costs" if keys & costs else "usage"
    raise where.error(f"unknown file type {clip(suffix or '(none)')}; expected .json, .jsonl, .csv or .parquet")


@dataclasses.dataclass(frozen=True)
class ColumnOptions:
    """How the readers map a file's headers to counts (the same for every file read together)."""

    mapping: Mapping[str, str] | None = None
    """``{"their header": "canonical name"}`` on top of :data:`COLUMN_ALIASES`."""
    convention: str | None = None
    """``openai``, ``anthropic`` or ``gemini``: how ambiguous ``input_tokens`` / ``output_tokens`` count."""
    ignore_columns: tuple[str, ...] = ()
    """Headers to leave unpriced (they pass through); an unknown count-like header is otherwise an error."""


def _options(
    mapping: Mapping[str, str] | None, convention: str | None, ignore_columns: Iterable[str] | None
) -> ColumnOptions:
    if convention is not None and convention not in _cols.CONVENTIONS:
        raise ValueError(f"convention: unknown {clip(convention)}; expected one of {', '.join(_cols.CONVENTIONS)}")
    return ColumnOptions(mapping, convention, tuple(ignore_columns or ()))


def _normalize(raw: pd.DataFrame, path: Path | str, unit: str, opts: ColumnOptions) -> pd.DataFrame:
    return normalize_usage(
        raw, path=path, unit=unit, mapping=opts.mapping, convention=opts.convention,
        ignore_columns=opts.ignore_columns,
    )


def _read_one_usage(path: Path, opts: ColumnOptions) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The file's usage, its pages' has_more marks ("more" / "last") and notes worth showing."""
    from explorer import usage_raw as _raw

    where = _Where(path)
    suffix = path.suffix.lower()
    notes: list[str] = []
    said: list[str] = []
    if suffix in (".json", ".jsonl", ".ndjson"):
        from explorer import usage_read as _read

        data = _read_bytes(path, where)
        table = _read.json_lines_table(data)  # a flat request log: Arrow reads it whole, on every core
        if table is not None:
            raw = _read.to_frame(table, _is_label)
            raw.index = _read.line_numbers(data, len(raw))
            return _log_frame(raw, path, "line", opts), notes, said
        docs, _ = _read_json_pages(path, where, data)
        if all(_is_page(d) for _, d in docs):
            if _usage_result_kind(docs) == "costs":
                raise where.error("this is a Costs API export (the billed side); read it with read_costs()")
            raw, notes = _page_results(docs, _Where(path, "result"), "usage")
            if raw.empty:  # a page of days without traffic; an error only if every file is like it
                return raw, notes, said
            frame = _normalize(raw, path, "result", opts)
            _check_duplicates(frame, _Where(path, "result"))
            if "uncached_input_tokens" in raw.columns and "requests" not in raw.columns:
                said.append(
                    f"{path}: Anthropic's usage report has no request counts; 'requests' counts its rows"
                )
                if "context_window" not in raw.columns or raw["context_window"].isna().any():
                    said.append(
                        f"{path}: not grouped by context_window, so long-context (200k-1M) prices are not "
                        "applied; export it grouped by context_window"
                    )
            return frame, notes, said
        if suffix == ".json" and not all(isinstance(d, dict) for _, d in docs):
            odd = next(d for _, d in docs if not isinstance(d, dict))
            raise where.error(
                f"expected a Usage API page or one JSON object per line, found a {type(odd).__name__}"
            )
        if any(_raw.is_response(d) for _, d in docs):
            raw = _raw.flatten(docs, where)
            return _normalize(raw, path, "line", opts), notes, said
        raw = _json_lines(_decode(data, where), where)
    else:
        raw = read_table(path, where)
    return _log_frame(raw, path, raw.index.name or "line", opts), notes, said


def _log_frame(raw: pd.DataFrame, path: Path, unit: str, opts: ColumnOptions) -> pd.DataFrame:
    """A request log (or an aggregated export in a table) normalised; an export's buckets checked for repeats."""
    frame = _normalize(raw, path, unit, opts)
    if "requests" in _rename(raw.head(0), COLUMN_ALIASES, opts.mapping, _Where(path), opts.ignore_columns).columns:
        _check_duplicates(frame, _Where(path, unit))
    return frame


def _check_duplicates(frame: pd.DataFrame, where: _Where) -> None:
    """An aggregated export lists each (bucket, grouping) once; a repeat would double-count spend."""
    keys = ["timestamp", "model", "service_tier", *GROUP_COLUMNS]
    if "context_window" in frame.columns:
        keys.append("context_window")
    dup = frame.duplicated(subset=keys, keep=False).to_numpy()
    if dup.any():
        first, second = frame.index[np.flatnonzero(dup)[:2]]
        raise where.error(
            f"same bucket and grouping as {where.unit} {first} (listed twice, would double-count)", second
        )


def read_usage(
    *paths: Path | str,
    mapping: Mapping[str, str] | None = None,
    convention: str | None = None,
    ignore_columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Usage from Usage API exports (JSON pages or CSV), Anthropic usage reports, request logs (CSV, JSON
    lines, Parquet) and logs of raw API responses (JSON lines; :mod:`explorer.usage_raw`).

    Every command that reads usage goes through here (or :func:`price_file`, the same per chunk): headers,
    conventions and unknown count columns are handled as :func:`normalize_usage` says.

    One file keeps its row labels (line numbers, ``data[i].results[j]``, Parquet row numbers) as the
    index; with several files the rows are concatenated and a ``source_file`` column says which file
    each came from. Pages of one export may come as separate files; a bucket result listed twice
    (e.g. the same page given twice) is an error.

    Raises:
        ValueError: one line naming file, row and column; nothing is returned or written.
    """
    frame, _ = _read_usage_with_notes(paths, _options(mapping, convention, ignore_columns))
    return frame


def _read_usage_with_notes(
    paths: Sequence[Path | str], opts: ColumnOptions
) -> tuple[pd.DataFrame, list[str]]:
    if not paths:
        raise ValueError("no usage files given")
    frames, pages, said = [], [], []
    for p in paths:
        frame, n, told = _read_one_usage(Path(p), opts)
        said.extend(told)
        if not frame.empty:
            frames.append(frame.assign(source_file=_constant_category(str(p), len(frame))))
        pages.extend(n)
    if not frames:
        raise _Where(paths[0]).error("no usage results in any bucket")
    notes = list(said)
    if pages and "last" not in pages:
        notes.append("every page given says has_more=true: the export may be missing its last page(s)")
    return _stack(frames), notes


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:
        out = frames[0]
    else:
        out = pd.concat(frames)
        _check_duplicates_across(frames)
    for col in (*_costs.COUNT_COLUMNS, "cache_write_1h_tokens"):
        # a count one file has and another lacks is 0 in the other, not NA (nor a float column)
        if col in out.columns and out[col].dtype != np.int64:
            out[col] = out[col].fillna(0).astype(np.int64)
    for col in ("source_file", "model"):
        if not isinstance(out[col].dtype, pd.CategoricalDtype):  # several files: their categories differed
            out[col] = out[col].astype(str).astype("category")
    if "provider" in out.columns and not isinstance(out["provider"].dtype, pd.CategoricalDtype):
        out["provider"] = out["provider"].astype("string").astype("category")  # blank providers stay NA
    return out


def _constant_category(value: str, n: int) -> pd.Categorical:
    """One value on every row, as a categorical: no string per row."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def _check_duplicates_across(frames: list[pd.DataFrame]) -> None:
    keys = ["timestamp", "model", "service_tier", *GROUP_COLUMNS]
    if any("context_window" in f.columns for f in frames):
        frames = [f if "context_window" in f.columns else f.assign(context_window=pd.NA) for f in frames]
        keys.append("context_window")
    agg = [f for f in frames if (f["requests"] != 1).any() or f.index.name == "result"]
    if len(agg) < 2:
        return
    both = pd.concat([f[[*keys, "source_file"]].reset_index(names="_label") for f in agg], ignore_index=True)
    dup = both.duplicated(subset=keys, keep=False)
    if dup.any():
        rows = both[dup]
        a, b = rows.iloc[0], rows.iloc[1]
        raise ValueError(
            f"{b['source_file']}, row {b['_label']}: the same bucket and grouping as "
            f"{a['source_file']}, row {a['_label']} (the same page given twice would double-count)"
        )


# ------------------------------------------------------------------------------------------------ costs


def read_costs(*paths: Path | str, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The billed side: Costs API exports (JSON pages or CSV) as rows of ``day``, ``line_item``,
    ``project_id``, ``amount_usd``, ``source_file``.

    ``line_item`` and ``project_id`` are NA when the export was not grouped by them. Amounts may be
    negative (credits); other currencies than USD are an error (nothing here converts currencies).
    """
    if not paths:
        raise ValueError("no cost files given")
    frames = []
    for p in paths:
        path = Path(p)
        where = _Where(path)
        raw: pd.DataFrame
        if path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
            docs, _ = _read_json_pages(path, where)
            if not all(_is_page(d) for _, d in docs) or _usage_result_kind(docs) != "costs":
                raise where.error("not a Costs API export (expected results with an 'amount' object)")
            raw, _ = _page_results(docs, _Where(path, "result"), "costs")
            unit = "result"
        else:
            raw = read_table(path, where)
            unit = raw.index.name or "line"
        costs = _normalize_costs(raw, _Where(path, unit), mapping)
        frames.append(costs.assign(source_file=_constant_category(str(path), len(costs))))
    out = pd.concat(frames) if len(frames) > 1 else frames[0]
    out["source_file"] = out["source_file"].astype("category")
    return out


def _normalize_costs(raw: pd.DataFrame, where: _Where, mapping: Mapping[str, str] | None) -> pd.DataFrame:
    if raw.empty:
        raise where.error("no cost rows")
    frame = _rename(raw, COST_COLUMN_ALIASES, mapping, where)
    _require(frame, ("day", "amount_usd"), COST_COLUMN_ALIASES, where)
    day = _times(frame, "day", where, required=True).dt.normalize()
    amount = frame["amount_usd"]
    if pd.api.types.is_bool_dtype(amount):
        raise where.error("holds true/false values, expected an amount", column="amount_usd")
    num = pd.to_numeric(
        amount.astype("string").str.replace(r"^\s*\$", "", regex=True).str.replace(",", ""), errors="coerce"
    ).to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(num)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        value = amount.iloc[pos]
        what = "is empty" if pd.isna(value) else f"{value!r} is not an amount"
        raise where.error(what, frame.index[pos], "amount_usd")
    if "currency" in frame.columns:
        cur = frame["currency"].astype("string").str.strip().str.lower().fillna("usd")
        other = (cur != "usd").to_numpy()
        if other.any():
            pos = int(np.flatnonzero(other)[0])
            raise where.error(
                f"currency {clip(frame['currency'].iloc[pos])}: only USD is supported",
                frame.index[pos],
                "currency",
            )
    out = pd.DataFrame({"day": day, "amount_usd": num}, index=frame.index)
    for col in ("line_item", "project_id"):
        out[col] = (
            _labels(frame, col)
            if col in frame.columns
            else pd.Series(pd.NA, index=frame.index, dtype="string")
        )
    return out[["day", "line_item", "project_id", "amount_usd"]]


@dataclasses.dataclass(frozen=True)
class Imported:
    """What :func:`load` found in a set of files."""

    usage: pd.DataFrame | None
    """Usage rows (:func:`read_usage`), or None when no usage file was given."""
    billed: pd.DataFrame | None
    """Billed rows (:func:`read_costs`), or None when no Costs export was given."""
    notes: tuple[str, ...] = ()
    """Warnings worth showing (e.g. an export whose last page says more pages exist)."""


def load(
    *paths: Path | str,
    mapping: Mapping[str, str] | None = None,
    convention: str | None = None,
    ignore_columns: Iterable[str] | None = None,
) -> Imported:
    """Read usage exports, request logs, raw response logs and bills (OpenAI Costs exports, Anthropic cost
    reports) in one go, telling them apart by content. Options as for :func:`read_usage`."""
    if not paths:
        raise ValueError("no files given")
    opts = _options(mapping, convention, ignore_columns)
    usage_paths = [p for p in paths if detect_kind(p) == "usage"]
    cost_paths = [p for p in paths if p not in usage_paths]
    usage, notes = _read_usage_with_notes(usage_paths, opts) if usage_paths else (None, [])
    billed = read_costs(*cost_paths, mapping=mapping) if cost_paths else None
    return Imported(usage, billed, tuple(notes))


# ------------------------------------------------------------------------------------------------ pricing


def _engine_frame(usage: pd.DataFrame) -> pd.DataFrame:
    """What price_usage needs: it prices NaT timestamps (request logs without time) as of ``as_of``."""
    return usage


def _tier_levels(usage: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """Per row, how many long-context thresholds of its model the *average request* exceeds.

    An aggregated bucket sums many requests; the tier depends on each request's input, so it is judged
    on input_tokens / requests (assuming equal requests: the export says no more)."""
    levels = np.zeros(len(usage), dtype=np.int64)
    if "context_window" in usage.columns:
        # Anthropic's usage report says which window each bucket's requests used; it has no request count.
        return (usage["context_window"].astype("string").str.strip() == "200k-1M").fillna(False).to_numpy(
            dtype=np.int64
        )
    if "requests" not in usage.columns or not (usage["requests"].to_numpy() > 1).any():
        return levels
    tiered = table[table["tier_above_input_tokens"] > 0]
    if tiered.empty:
        return levels
    thresholds = tiered.groupby(["provider", "model"], observed=True)["tier_above_input_tokens"].unique()
    avg = usage["input_tokens"].to_numpy(dtype="float64") / np.maximum(usage["requests"].to_numpy(), 1)
    models = usage["model"].astype("string").fillna("").to_numpy(dtype=object)
    provs = (
        usage["provider"].astype("string").fillna("").to_numpy(dtype=object)
        if "provider" in usage.columns
        else np.full(len(usage), "", dtype=object)
    )
    for m, p in set(zip(models, provs, strict=True)):
        try:
            key = _prices.resolve_model(m, p or None)
        except ValueError:
            continue
        if key not in thresholds.index:
            continue
        rows = (models == m) & (provs == p)
        levels[rows] = (avg[rows, None] > np.sort(thresholds[key])[None, :]).sum(axis=1)
    return levels


def _table_up_to(table: pd.DataFrame, level: int) -> pd.DataFrame:
    """Price rows of each model's first ``level`` long-context tiers (0 = base prices only)."""
    rank = (
        table.groupby(["provider", "model"], observed=True)["tier_above_input_tokens"].rank(method="dense")
        - 1
    )
    return table[rank.to_numpy() <= level]


def _table_at(table: pd.DataFrame, level: int) -> pd.DataFrame:
    """Each model's ``level``-th long-context tier (or its highest, if it has fewer) as if it applied from
    the first token: the level was judged per request (average input, or Anthropic's context_window), so
    a bucket's own total must not pick another."""
    rank = (
        table.groupby(["provider", "model"], observed=True)["tier_above_input_tokens"].rank(method="dense") - 1
    ).to_numpy()
    top = table.assign(_rank=rank).groupby(["provider", "model"], observed=True)["_rank"].transform("max").to_numpy()
    out = table[rank == np.minimum(level, top)].copy()
    out["tier_above_input_tokens"] = 0
    return out


def _price_one(usage: pd.DataFrame, table: pd.DataFrame, *, as_of: Any, skip_unknown: bool) -> pd.DataFrame:
    priced = _price_tiered(usage, table, as_of=as_of, skip_unknown=skip_unknown)
    if "cache_write_1h_tokens" in usage.columns:
        priced = _one_hour_writes(usage, priced, table, as_of=as_of, skip_unknown=skip_unknown)
    return priced


def _one_hour_writes(
    usage: pd.DataFrame, priced: pd.DataFrame, table: pd.DataFrame, *, as_of: Any, skip_unknown: bool
) -> pd.DataFrame:
    """Re-price the 1-hour share of each row's cache writes at the 1-hour write price.

    The engine prices every cache write at ``cache_write_usd_per_mtok`` (the 5-minute price). Rows with
    1-hour writes are priced once more with those writes alone at ``cache_write_1h_usd_per_mtok``, everything
    else (input size, date, tier) unchanged so the same price row applies; a model without a 1-hour price
    keeps the 5-minute one, and ``priced.attrs["notes"]`` says so."""
    w1 = usage["cache_write_1h_tokens"].to_numpy(dtype=np.int64)
    rows = (w1 > 0) & priced["priced"].to_numpy(dtype=bool)
    if not rows.any():
        return priced
    one_hour = table.copy()
    has = one_hour["cache_write_1h_usd_per_mtok"].notna().to_numpy()
    one_hour.loc[has, "cache_write_usd_per_mtok"] = one_hour.loc[has, "cache_write_1h_usd_per_mtok"]
    sub = usage[rows].assign(cache_write_tokens=w1[rows])
    again = _price_tiered(sub, one_hour, as_of=as_of, skip_unknown=skip_unknown)
    writes = usage["cache_write_tokens"].to_numpy(dtype="float64")[rows]
    five_min = priced["cache_write_usd"].to_numpy()[rows] * (writes - w1[rows]) / writes
    new = five_min + again["cache_write_usd"].to_numpy()
    priced = priced.copy()
    delta = np.zeros(len(priced))
    delta[rows] = new - priced["cache_write_usd"].to_numpy()[rows]
    priced["cache_write_usd"] = priced["cache_write_usd"].to_numpy() + delta
    priced["total_usd"] = priced["total_usd"].to_numpy() + delta
    lacking = sorted(
        {
            f"{p}/{m}"
            for p, m in zip(again["resolved_provider"].astype(str), again["resolved_model"].astype(str), strict=True)
            if table.loc[(table["provider"] == p) & (table["model"] == m), "cache_write_1h_usd_per_mtok"].isna().any()
        }
    )
    if lacking:
        priced.attrs["notes"] = [
            *priced.attrs.get("notes", []),
            f"1-hour cache writes priced at the 5-minute write price for {', '.join(lacking)}: the price table "
            "has no 1-hour write price for them",
        ]
    return priced


def _price_tiered(usage: pd.DataFrame, table: pd.DataFrame, *, as_of: Any, skip_unknown: bool) -> pd.DataFrame:
    levels = _tier_levels(usage, table)
    frame = _engine_frame(usage)
    if not levels.any():
        aggregated = "context_window" in usage.columns or (
            "requests" in usage.columns and (usage["requests"].to_numpy() > 1).any()
        )
        if aggregated:
            table = _table_up_to(table, 0)
        return _costs.price_usage(frame, as_of=as_of, prices=table, skip_unknown=skip_unknown)
    priced = _costs.price_usage(frame, as_of=as_of, prices=_table_up_to(table, 0), skip_unknown=skip_unknown)
    priced["price_source"] = priced["price_source"].astype("string")
    for level in np.unique(levels[levels > 0]):
        rows = levels == level
        sub = _costs.price_usage(
            frame[rows], as_of=as_of, prices=_table_at(table, int(level)), skip_unknown=skip_unknown
        )
        for col in (*_costs.COMPONENTS, "total_usd"):
            priced.loc[rows, col] = sub[col].to_numpy()
        priced.loc[rows, "price_source"] = sub["price_source"].astype("string").to_numpy()
    priced["price_source"] = priced["price_source"].astype("category")
    return priced


def price(
    usage: pd.DataFrame,
    *,
    as_of: dt.date | str | None = None,
    prices: pd.DataFrame | None = None,
    overrides: Path | str | pd.DataFrame | None = None,
    skip_unknown: bool = False,
) -> pd.DataFrame:
    """Price imported usage with :func:`explorer.price_usage`, adding ``day`` and ``model_group``.

    Rows that aggregate several ``requests`` get long-context tiers judged per average request, not on
    the bucket's total input. Each row is priced as of its timestamp (``as_of`` for rows without one).

    Raises:
        ValueError: naming the file and row (an unknown model, a tier the model lacks, ...).
    """
    table = _prices.with_overrides(prices, overrides)
    if "source_file" in usage.columns and usage["source_file"].nunique() > 1:
        files = usage["source_file"].astype(str).to_numpy()
        parts = []
        for f in pd.unique(files):
            parts.append(_price_labelled(usage[files == f], table, f, as_of=as_of, skip_unknown=skip_unknown))
        priced = pd.concat(parts)
        priced.attrs["notes"] = list(dict.fromkeys(n for part in parts for n in part.attrs.get("notes", [])))
        for col in ("resolved_provider", "resolved_model", "price_source", "source_file"):
            priced[col] = priced[col].astype("category")
        if "unpriced_reason" in priced.columns:
            priced["unpriced_reason"] = priced["unpriced_reason"].astype("category")
        priced["service_tier"] = pd.Categorical(
            priced["service_tier"].astype(str), categories=list(_prices.SERVICE_TIERS)
        )
    else:
        src = str(usage["source_file"].iloc[0]) if "source_file" in usage.columns and len(usage) else "usage"
        priced = _price_labelled(usage, table, src, as_of=as_of, skip_unknown=skip_unknown)
    return _add_keys(priced)


def _price_labelled(
    usage: pd.DataFrame, table: pd.DataFrame, path: str, *, as_of: Any, skip_unknown: bool
) -> pd.DataFrame:
    try:
        return _price_one(usage, table, as_of=as_of, skip_unknown=skip_unknown)
    except ValueError as exc:
        raise _reword(exc, path, usage.index.name or "row") from None


def _add_keys(priced: pd.DataFrame) -> pd.DataFrame:
    """``day`` (UTC date) and ``model_group`` (the resolved model, or the name given when unpriced)."""
    if "timestamp" in priced.columns:
        day = _days(pd.to_datetime(priced["timestamp"]).to_numpy(dtype="datetime64[ns]"))
    else:
        day = np.full(len(priced), np.datetime64("NaT"), dtype="datetime64[ns]")
    model = priced["resolved_model"]
    if not isinstance(model.dtype, pd.CategoricalDtype):
        model = model.astype("category")
    missing = model.isna().to_numpy()
    if missing.any():
        given = priced["model"].astype(str).to_numpy()
        model = pd.Series(np.where(missing, given, model.astype(object).to_numpy()), index=priced.index)
        model = model.astype("category")
    out = priced.copy(deep=False)  # assign() would copy every column of a million-row chunk
    out["day"] = day
    out["model_group"] = model.array
    return out


def _days(ts: np.ndarray) -> np.ndarray:
    """Midnight (UTC) of each datetime64[ns]: integer floor division in blocks into one output array,
    several times faster than ``.dt.normalize()`` or a round trip through datetime64[D]."""
    ints = ts.view(np.int64)
    if len(ints) and ints.min() == np.iinfo(np.int64).min:  # NaT stays NaT
        return ts.astype("datetime64[D]").astype("datetime64[ns]")
    day = np.empty(len(ts), dtype="datetime64[ns]")
    out = day.view(np.int64)
    one_day = 86_400 * 10**9
    for sl in _costs._blocks(len(ints)):
        np.floor_divide(ints[sl], one_day, out=out[sl])
        out[sl] *= one_day
    return day


def cost_by(priced: pd.DataFrame, by: str = "model") -> pd.DataFrame:
    """Spend grouped by day, model, project, api_key, user or service_tier (:data:`BREAKDOWNS`), dearest
    first (by day: in date order), with requests, tokens, ``total_usd`` and ``share`` of the priced total.

    Rows the export did not group by the field come under :data:`NOT_GROUPED`; unpriced rows
    (``skip_unknown``) count their requests but add nothing to ``total_usd``.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"by: unknown {clip(by)}; expected one of {', '.join(BREAKDOWNS)}")
    col = BREAKDOWNS[by]
    if col not in priced.columns:
        priced = _add_keys(priced)
    # Group on codes (a categorical's own, or one hash of the column) and sum with bincount: only the
    # distinct keys become strings, not every row (1M rows: ~10 ms instead of ~300 ms).
    codes, uniques = pd.factorize(priced[col], use_na_sentinel=False)
    if by == "day":
        labels = ["(no date)" if pd.isna(u) else str(pd.Timestamp(u).date()) for u in uniques]
    else:
        labels = [NOT_GROUPED if pd.isna(u) else str(u) for u in uniques]
    n_keys = len(labels)

    def per_key(values: Any) -> np.ndarray:
        return np.bincount(codes, weights=np.asarray(values, dtype="float64"), minlength=n_keys)

    priced_usd = np.where(priced["priced"].to_numpy(dtype=bool), priced["total_usd"].to_numpy(dtype="float64"), 0.0)
    frame = pd.DataFrame(
        {
            by: labels,
            "requests": per_key(priced["requests"]) if "requests" in priced.columns else np.bincount(
                codes, minlength=n_keys).astype("float64"),
            "input_tokens": per_key(priced["input_tokens"]),
            "output_tokens": per_key(priced["output_tokens"]),
            "total_usd": per_key(priced_usd),
        }
    )
    out = frame.groupby(by, sort=False).sum().reset_index()
    for c in ("requests", "input_tokens", "output_tokens"):
        out[c] = out[c].astype(np.int64)
    total = out["total_usd"].sum()
    out["share"] = out["total_usd"] / total if total else 0.0
    if by == "day":
        return out.sort_values(by, kind="stable").reset_index(drop=True)
    return out.sort_values(["total_usd", by], ascending=[False, True], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ what-if


def what_if(
    usage: pd.DataFrame,
    *,
    model: str | Mapping[str, str] | None = None,
    service_tier: str | None = None,
    cached_share: float | None = None,
    cached_discount: float | None = None,
    as_of: dt.date | str | None = None,
    prices: pd.DataFrame | None = None,
    overrides: Path | str | pd.DataFrame | None = None,
    skip_unknown: bool = False,
    keep_unavailable: bool = True,
) -> pd.DataFrame:
    """Re-price the same traffic under other choices; returns a priced frame like :func:`price`.

    Args:
        usage: rows from :func:`read_usage` (the traffic stays as it was: tokens, requests, days).
        model: every row to this model, or ``{"from model": "to model"}`` for some of them (keys match
            the exported name or its resolved model).
        service_tier: every row to standard, batch, flex or priority.
        cached_share: the share of each row's text input served from the prompt cache (0..1).
        cached_discount: cached input priced at ``input price * (1 - discount)`` (0..1), e.g. 0.9.
        as_of: price every row at the prices in force on this day instead of its own date.
        prices, overrides, skip_unknown: as for :func:`price`.
        keep_unavailable: a row whose (new) model does not offer the tier asked for (or its own tier,
            e.g. batch traffic moved to a realtime model) keeps its own tier if the model offers it, else
            standard, and is marked ``tier_fallback``; False makes that an error.

    A row with audio or image tokens the new model has no price for (:data:`SUBSTITUTED_PARTS`: gpt-audio
    traffic moved to gpt-5-mini) is not moved: it stays on its own model, and ``kept`` names the parts
    (``"audio input, audio output"``; ``""`` for rows moved). ``what_if_model`` is the model asked for.
    """
    frame = usage.copy()
    table = _prices.with_overrides(prices, overrides)
    kept = np.full(len(frame), "", dtype=object)
    wanted = None
    if model is not None:
        # The target is the user's choice, not the file's: an unknown one must not be blamed on a row.
        for target in [model] if isinstance(model, str) else list(model.values()):
            _check_target(str(target), table)
        if isinstance(model, str):
            frame["model"] = model
        else:
            resolved = frame["model"].map(lambda m: _safe_resolve(str(m)))
            new = frame["model"].astype(object).copy()
            for src, dst in model.items():
                hit = (frame["model"].astype(str) == src).to_numpy() | (resolved == src).to_numpy()
                new[hit] = dst
            frame["model"] = new
        # Traffic the new model has no price for (audio to a text model) stays on its own model, marked:
        # never those tokens at the new model's text rate.
        moved, wanted = _differs(usage["model"], frame["model"])
        when = (pd.Series(_prices._as_timestamp(as_of), index=frame.index) if as_of is not None
                else frame["timestamp"] if "timestamp" in frame.columns else None)
        kept = _missing_parts(frame, table, moved, when)
        back = kept != ""
        if back.any():
            frame["model"] = np.where(back, usage["model"].astype(object).to_numpy(),
                                      frame["model"].astype(object).to_numpy())
        if isinstance(model, str) and "provider" in frame.columns:
            target = _target_key(model, table)
            if back.any() and target is not None:
                frame["provider"] = np.where(back, usage["provider"].astype(object).to_numpy(), target[0])
            else:
                frame = frame.drop(columns="provider")
    current = (
        frame["service_tier"].astype(str).to_numpy()
        if "service_tier" in frame.columns
        else np.full(len(frame), "standard", dtype=object)
    )
    desired = current
    if service_tier is not None:
        tier = _TIER_NAMES.get(str(service_tier).strip().lower())
        if tier is None:
            raise ValueError(
                f"service_tier: unknown {clip(service_tier)}; expected one of {', '.join(_prices.SERVICE_TIERS)}"
            )
        desired = np.full(len(frame), tier, dtype=object)
    fallback = np.zeros(len(frame), dtype=bool)
    if model is not None or service_tier is not None:
        offered = _offered(table)
        names = frame["model"].astype(str).to_numpy()
        ok_desired = _available(offered, names, desired)
        fallback = ~ok_desired
        if fallback.any():
            if not keep_unavailable:
                pos = int(np.flatnonzero(fallback)[0])
                raise ValueError(f"service_tier: {names[pos]} has no {desired[pos]} tier")
            ok_current = _available(offered, names, current)
            desired = np.where(ok_desired, desired, np.where(ok_current, current, "standard"))
        frame["service_tier"] = np.asarray(desired).astype(str)
    if cached_share is not None:
        if not 0 <= cached_share <= 1 or math.isnan(cached_share):
            raise ValueError(f"cached_share: {clip(cached_share)} is not between 0 and 1")
        other = sum(
            frame[c]
            for c in ("cache_write_tokens", "input_audio_tokens", "input_image_tokens")
            if c in frame.columns
        )
        text_in = frame["input_tokens"] - other
        frame["cached_input_tokens"] = np.floor(text_in.to_numpy() * cached_share).astype(np.int64)
    if as_of is not None:
        frame["timestamp"] = _prices._as_timestamp(as_of)
    if cached_discount is not None:
        if not 0 <= cached_discount <= 1 or math.isnan(cached_discount):
            raise ValueError(f"cached_discount: {clip(cached_discount)} is not between 0 and 1")
        table = table.copy()
        table["cached_input_usd_per_mtok"] = table["input_usd_per_mtok"] * (1 - cached_discount)
    return price(frame, prices=table, skip_unknown=skip_unknown).assign(
        tier_fallback=fallback,
        what_if_model=wanted if wanted is not None else _as_categorical(usage["model"]),
        kept=pd.Categorical(kept) if (kept != "").any() else pd.Categorical.from_codes(np.zeros(len(kept), np.int8),
                                                                                      [""]))


def _names(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct names (as text) of a model column: per-name work instead of per-row strings."""
    codes, uniq = pd.factorize(col, use_na_sentinel=False)
    return codes.astype(np.int64), np.asarray([str(x) for x in uniq], dtype=object)


def _differs(before: pd.Series, after: pd.Series) -> tuple[np.ndarray, pd.Categorical]:
    """Per row: whether the model name changed (compared once per distinct pair of names); and ``after`` as a
    categorical."""
    old_c, old_u = _names(before)
    new_c, new_u = _names(after)
    pair = old_c * len(new_u) + new_c
    seen, inverse = np.unique(pair, return_inverse=True)
    changed = np.array([old_u[p // len(new_u)] != new_u[p % len(new_u)] for p in seen], dtype=bool)[inverse]
    return changed, _categorical(new_c, new_u)


def _as_categorical(col: pd.Series) -> pd.Categorical:
    return _categorical(*_names(col))


def _categorical(codes: np.ndarray, names: np.ndarray) -> pd.Categorical:
    if len(set(names)) == len(names):
        return pd.Categorical.from_codes(codes, categories=pd.Index(names))
    return pd.Categorical(names[codes])


SUBSTITUTED_PARTS: dict[str, tuple[str, str]] = {
    "input_audio_tokens": ("input_audio_usd_per_mtok", "audio input"),
    "output_audio_tokens": ("output_audio_usd_per_mtok", "audio output"),
    "input_image_tokens": ("input_image_usd_per_mtok", "image input"),
    "output_image_tokens": ("output_image_usd_per_mtok", "image output"),
}
"""Parts of a request a what-if model must have a price of its own for. The cost engine bills a part with no
price at its parent's (text) rate, as genai-prices does: right for the model that served the traffic, but a
model without an audio price cannot take audio at all, so moving audio traffic to it is not a saving."""


def _target_key(name: str, table: pd.DataFrame) -> tuple[str, str] | None:
    """(provider, model) of a what-if model: resolved, or a model only the overrides define."""
    key = _safe_resolve_pair(name)
    if key is not None:
        return key
    own = table[table["is_override"].to_numpy(dtype=bool)
                & (table["model"].astype(str).str.lower() == name.strip().lower()).to_numpy()]
    return (str(own["provider"].iloc[0]), str(own["model"].iloc[0])) if len(own) else None


def _missing_parts(
    frame: pd.DataFrame, table: pd.DataFrame, moved: np.ndarray, when: pd.Series | None
) -> np.ndarray:
    """Per row moved to another model: the parts (``"audio input, audio output"``) it has tokens for and that
    model has no price of its own for on the row's day (:data:`SUBSTITUTED_PARTS`); ``""`` otherwise."""
    out = np.full(len(frame), "", dtype=object)
    present = [c for c in SUBSTITUTED_PARTS if c in frame.columns]
    if not present or not len(frame):
        return out
    counts = frame[present].to_numpy(dtype="float64")
    rows = np.flatnonzero((counts > 0).any(axis=1) & moved)
    if not len(rows):
        return out
    model_codes, model_names = _names(frame["model"])
    names = model_names[model_codes[rows]]
    days = (pd.to_datetime(when).to_numpy()[rows] if when is not None
            else np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[ns]"))
    # One look-up per distinct (model, day), then whole-column masks: a log of millions of audio rows
    # costs a few array operations, not a Python loop per row.
    name_codes, name_keys = pd.factorize(names)
    day_codes, day_keys = pd.factorize(days)  # NaT: code -1
    n_days = len(day_keys) + 1
    codes = name_codes * n_days + (day_codes + 1)
    lacking = np.zeros((len(name_keys) * n_days, len(present)), dtype=bool)
    for i, name in enumerate(name_keys):
        target = _target_key(str(name), table)
        if target is None:
            continue  # an unknown model: pricing names it
        own = table[(table["provider"] == target[0]) & (table["model"] == target[1])]
        for d in np.unique(day_codes[name_codes == i]):
            rows_of = own
            if d >= 0:
                on_day = own[_prices.in_force(own, pd.Timestamp(day_keys[d]))]
                rows_of = on_day if len(on_day) else own
            lacking[i * n_days + d + 1] = [rows_of[SUBSTITUTED_PARTS[c][0]].isna().all() for c in present]
    bits = (lacking[codes] & (counts[rows] > 0)) @ (1 << np.arange(len(present)))
    labels = {b: ", ".join(SUBSTITUTED_PARTS[c][1] for j, c in enumerate(present) if b >> j & 1)
              for b in np.unique(bits)}
    out[rows] = [labels[b] for b in bits]
    return out


def _list_usd_per_mtok(table: pd.DataFrame, name: str) -> float:
    """A model's standard input + output price per 1M tokens, as listed on its latest row (NaN: not known)."""
    key = _safe_resolve_pair(name)
    if key is None:
        return float("nan")
    rows = table[(table["provider"] == key[0]) & (table["model"] == key[1]) & (table["service_tier"] == "standard")
                 & (table["tier_above_input_tokens"] == 0)]
    if rows.empty:
        return float("nan")
    last = rows.sort_values("valid_from", na_position="first").iloc[-1]
    return float(last["input_usd_per_mtok"]) + float(np.nan_to_num(last["output_usd_per_mtok"]))


def size_note(from_model: str, to_model: str, table: pd.DataFrame) -> str:
    """:func:`explorer.candidates.size_change` of a move, with the list prices of both models from ``table``."""
    from explorer import candidates as _cand

    before, after = _list_usd_per_mtok(table, from_model), _list_usd_per_mtok(table, to_model)
    ratio = after / before if before > 0 else float("nan")
    return _cand.size_change(_safe_resolve(from_model), _safe_resolve(to_model), ratio)


def _model_kind(table: pd.DataFrame, name: str) -> str | None:
    """:func:`explorer.candidates.kind_of` a model, from its name and its latest standard prices (None: unknown)."""
    from explorer import candidates as _cand

    key = _target_key(name, table)
    if key is None:
        return None
    rows = table[(table["provider"] == key[0]) & (table["model"] == key[1]) & (table["service_tier"] == "standard")]
    if rows.empty:
        return None
    last = rows.sort_values("valid_from", na_position="first").iloc[-1]
    return _cand.kind_of(key[1], has_output_price=bool(pd.notna(last["output_usd_per_mtok"])),
                         has_audio_output_price=bool(pd.notna(last["output_audio_usd_per_mtok"])),
                         has_image_output_price=bool(pd.notna(last["output_image_usd_per_mtok"])))


def kind_note(from_model: str, to_model: str, table: pd.DataFrame) -> str:
    """``"gpt-4o-mini-tts is a tts model, gpt-4.1 a chat one"`` when a move changes the kind of model
    (:data:`explorer.candidates.KINDS`): it cannot do the same job; ``""`` otherwise or when either is unknown."""
    a, b = _model_kind(table, from_model), _model_kind(table, to_model)
    if a is None or b is None or a == b:
        return ""
    return (f"different kind: {_safe_resolve(to_model)} is {_cand_article(b)} {b} model, {_safe_resolve(from_model)} "
            f"{_cand_article(a)} {a} one")


def _cand_article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _check_target(name: str, table: pd.DataFrame) -> None:
    """A what-if model must be known (bundled, or a model only the user's overrides define)."""
    own = table.loc[table["is_override"].to_numpy(dtype=bool), "model"].astype(str).str.lower()
    if name.strip().lower() in set(own):
        return
    try:
        _prices.resolve_model(name)
    except _prices.UnknownModelError as exc:
        raise ValueError(f"model: {exc}") from None


def compare(
    priced: pd.DataFrame, alt: pd.DataFrame, by: str = "model", *, prices: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Current against what-if spend per group of the *current* traffic (so ``by="model"`` shows what
    each model's traffic would cost after the change): ``by``, ``total_usd``, ``what_if_usd``,
    ``change_usd`` (what-if - current), ``change_pct``, ``not_comparable`` and ``note``; both frames must hold
    the same rows in order.

    A group whose traffic has audio or image tokens the what-if model has no price for is
    ``not_comparable``: its ``what_if_usd`` is NaN and ``note`` says why (never those tokens at a text rate).
    With ``by="model"``, ``note`` also marks a move to a smaller class of model
    (:func:`explorer.candidates.size_change`; list prices from ``prices``, default the bundled table)."""
    if len(priced) != len(alt):
        raise ValueError("compare: the what-if frame must hold the same rows as the current one")
    if by not in BREAKDOWNS:
        raise ValueError(f"by: unknown {clip(by)}; expected one of {', '.join(BREAKDOWNS)}")
    col = BREAKDOWNS[by]
    table = prices if prices is not None else _prices.price_history()
    keyed = alt.assign(
        **{col: priced[col].to_numpy()}, priced=alt["priced"].to_numpy() & priced["priced"].to_numpy()
    )
    now = cost_by(priced, by)
    then = cost_by(keyed, by)[[by, "total_usd"]].rename(columns={"total_usd": "what_if_usd"})
    out = now.drop(columns="share").merge(then, on=by, how="left")
    notes = _group_notes(priced, alt, by, col, table)
    out["change_usd"] = out["what_if_usd"] - out["total_usd"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_pct"] = np.where(
            out["total_usd"] != 0, out["change_usd"] / out["total_usd"] * 100, np.nan
        )
    out["requests_kept"] = [notes.get(g, (0, "", ""))[0] for g in out[by]]
    out["note"] = ["; ".join(n for n in notes.get(g, (0, "", ""))[1:] if n) for g in out[by]]
    return out


def _group_notes(
    priced: pd.DataFrame, alt: pd.DataFrame, by: str, col: str, table: pd.DataFrame
) -> dict[Any, tuple[int, str, str]]:
    """Per group label of :func:`cost_by`: (requests kept on their own model, why, a move to a smaller class)."""
    kept = alt["kept"].astype(str).to_numpy() if "kept" in alt.columns else np.full(len(alt), "", dtype=object)
    labels = cost_by(priced, by)[by]
    raw = priced[col].astype(object).where(priced[col].notna(), NOT_GROUPED)
    keys = pd.to_datetime(raw).dt.date.to_numpy() if by == "day" else raw.to_numpy()
    wanted = (alt["what_if_model"] if "what_if_model" in alt.columns else alt["model"]).astype(str).to_numpy()
    targets = alt["resolved_model"].astype(object).to_numpy()
    requests = priced["requests"].to_numpy() if "requests" in priced.columns else np.ones(len(priced))
    notes: dict[Any, tuple[int, str, str]] = {}
    for label in labels:
        g = pd.Timestamp(label).date() if by == "day" else label
        mask = keys == g
        why, n_kept = "", 0
        hit = mask & (kept != "")
        if hit.any():
            n_kept = int(requests[hit].sum())
            parts = sorted({p for text in kept[hit] for p in str(text).split(", ")})
            to = ", ".join(sorted(set(wanted[hit])))
            why = (f"{n_kept:,} request(s) with {' and '.join(parts)} tokens kept on their own model, at its cost: "
                   f"{to} has no {' or '.join(parts)} price")
        size = ""
        moved = mask & (kept == "")
        tos = {str(t) for t in targets[moved] if isinstance(t, str)}
        froms = {str(m) for m in np.asarray(priced[col].astype(object))[moved]} if by == "model" else set()
        if by == "model" and len(tos) == 1 and len(froms) == 1 and (to := tos.pop()) != (frm := froms.pop()):
            size = "; ".join(n for n in (kind_note(frm, to, table), size_note(frm, to, table)) if n)
        notes[label] = (n_kept, why, size)
    return notes


def _offered(table: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(
        map(tuple, table[["provider", "model", "service_tier"]].drop_duplicates().astype(str).to_numpy())
    )


def _available(offered: set[tuple[str, str, str]], names: np.ndarray, tiers: np.ndarray) -> np.ndarray:
    """Whether each row's model offers its tier at all (unknown models: True, pricing reports them)."""
    cache: dict[tuple[str, str], bool] = {}
    out = np.empty(len(names), dtype=bool)
    for i, pair in enumerate(zip(names, tiers, strict=True)):
        if pair not in cache:
            key = _safe_resolve_pair(pair[0])
            cache[pair] = key is None or (key[0], key[1], pair[1]) in offered
        out[i] = cache[pair]
    return out


def _safe_resolve_pair(name: str) -> tuple[str, str] | None:
    try:
        return _prices.resolve_model(name)
    except ValueError:
        return None


def _safe_resolve(name: str) -> str:
    try:
        return _prices.resolve_model(name)[1]
    except ValueError:
        return name


def _observed_days(usage: pd.DataFrame) -> float:
    """Length of the period the traffic covers, in days (whole days of the first to the last bucket)."""
    ts = usage["timestamp"] if "timestamp" in usage.columns else pd.Series(dtype="datetime64[ns]")
    ts = ts.dropna()
    if ts.empty:
        return float("nan")
    return float((ts.max().normalize() - ts.min().normalize()).days + 1)


def savings_table(
    usage: pd.DataFrame,
    targets: Sequence[str] = DEFAULT_TARGETS,
    *,
    service_tier: str | None = None,
    prices: pd.DataFrame | None = None,
    overrides: Path | str | pd.DataFrame | None = None,
    min_saving_usd: float = 0.0,
) -> pd.DataFrame:
    """For each model in the traffic and each target, what moving that model's traffic would save.

    Columns: ``from_model``, ``to_model``, ``current_usd``, ``what_if_usd``, ``saves_usd`` (over the
    observed period), ``saves_usd_per_month`` (scaled to an average month), ``saves_pct``, ``summary``
    ("moving gpt-4.1 to gpt-5-mini saves $123.45 a month"), ``note`` (why a move could not be priced,
    e.g. the target lacks that service tier), ``smaller_model`` and ``size_note`` (a move to a smaller class
    of model, :func:`explorer.candidates.size_change`; the summary says so too: "... (smaller class:
    gpt-5-nano is a nano model, gpt-4.1 a full one)"). A move of traffic with audio or image tokens to a
    model with no price for them is "not comparable", never priced at its text rate. Sorted by monthly
    saving, largest first; only moves that save more than ``min_saving_usd`` over the period, plus those
    that could not be priced.
    """
    table = prices if prices is not None else _prices.price_history(overrides=overrides)
    base = price(usage, prices=table, skip_unknown=True)
    days = _observed_days(usage)
    per_month = DAYS_PER_MONTH / days if days == days else float("nan")
    rows: list[dict[str, Any]] = []
    groups = base[base["priced"]].groupby("model_group", observed=True, sort=True)
    for from_model, sub in groups:
        current = float(sub["total_usd"].sum())
        traffic = (
            usage.loc[sub.index]
            if usage.index.is_unique
            else usage[base["priced"].to_numpy() & (base["model_group"] == from_model).to_numpy()]
        )
        for target in targets:
            if _safe_resolve(target) == from_model:
                continue
            note = ""
            size = size_note(str(from_model), target, table)
            other_kind = kind_note(str(from_model), target, table)
            try:
                moved = what_if(traffic, model=target, service_tier=service_tier, prices=table)
                kept = moved["kept"].astype(str).to_numpy()
                why = ""
                if (kept != "").any():
                    # Part of the traffic cannot move (audio to a text model): a saving on the rest would
                    # compare different traffic, so the move is listed as not comparable, never priced.
                    parts = sorted({x for text in kept[kept != ""] for x in text.split(", ")})
                    why = (f"{from_model} traffic has {' and '.join(parts)} tokens and {target} has no "
                           f"{' or '.join(parts)} price")
                elif other_kind:
                    why = other_kind  # a transcription or image model cannot do a chat model's job
                if why:
                    rows.append({
                        "from_model": str(from_model), "to_model": target, "current_usd": current,
                        "what_if_usd": float("nan"), "saves_usd": float("nan"),
                        "saves_usd_per_month": float("nan"), "saves_pct": float("nan"),
                        "summary": f"moving {from_model} to {target}: not comparable",
                        "note": why, "smaller_model": bool(size), "size_note": size,
                    })
                    continue
                new = float(moved["total_usd"].sum())
                if moved["tier_fallback"].any():
                    share = moved.loc[moved["tier_fallback"], "requests"].sum() / max(
                        moved["requests"].sum(), 1
                    )
                    lacks = traffic.loc[moved["tier_fallback"].to_numpy(), "service_tier"].astype(str)
                    lacking = ", ".join(sorted(set(lacks)))
                    note = f"{share:.0%} of requests priced at another tier: {target} lacks {lacking}"
            except ValueError as exc:
                new, note = float("nan"), str(exc).split(": ", 1)[-1]
            saves = current - new
            if saves > min_saving_usd or new != new:
                monthly = saves * per_month
                summary = (f"moving {from_model} to {target} saves ${monthly:,.2f} a month" if new == new
                           else f"moving {from_model} to {target}: not priced")
                rows.append(
                    {
                        "from_model": str(from_model),
                        "to_model": target,
                        "current_usd": current,
                        "what_if_usd": new,
                        "saves_usd": saves,
                        "saves_usd_per_month": monthly,
                        "saves_pct": saves / current * 100 if current else float("nan"),
                        "summary": f"{summary} ({size})" if size and new == new else summary,
                        "note": note,
                        "smaller_model": bool(size),
                        "size_note": size,
                    }
                )
    cols = [
        "from_model",
        "to_model",
        "current_usd",
        "what_if_usd",
        "saves_usd",
        "saves_usd_per_month",
        "saves_pct",
        "summary",
        "note",
        "smaller_model",
        "size_note",
    ]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(
        "saves_usd_per_month", ascending=False, na_position="last", kind="stable"
    ).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ reconcile


def _norm_item(text: pd.Series) -> pd.Series:
    return (
        text.astype("string")
        .str.lower()
        .str.replace(r"\s+", " ", regex=True)
        .str.replace(r"\s*,\s*", ", ", regex=True)
        .str.strip()
    )


def line_items(priced: pd.DataFrame) -> pd.DataFrame:
    """Estimated spend per day, project and bill line item (``"<model>, <component>"``, see
    :data:`LINE_ITEM_LABELS`), from a priced usage frame."""
    ok = priced["priced"].to_numpy(dtype=bool)
    p = priced[ok]
    if "day" not in p.columns:
        p = _add_keys(p)
    parts = []
    for comp, label in LINE_ITEM_LABELS.items():
        values = p[comp].to_numpy()
        nz = values != 0
        if not nz.any():
            continue
        parts.append(
            pd.DataFrame(
                {
                    "day": p["day"].to_numpy()[nz],
                    "line_item": (p["model"].astype("string").to_numpy()[nz] + ", " + label),
                    "project_id": p["project_id"].to_numpy()[nz] if "project_id" in p.columns else pd.NA,
                    "amount_usd": values[nz],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["day", "line_item", "project_id", "amount_usd"])
    out = pd.concat(parts, ignore_index=True)
    out["project_id"] = out["project_id"].astype("string")
    keys = ["day", "line_item", "project_id"]
    return out.groupby(keys, dropna=False, sort=True)["amount_usd"].sum().reset_index()


def reconcile(
    priced: pd.DataFrame,
    billed: pd.DataFrame,
    *,
    by: Sequence[str] = ("day", "line_item"),
    tolerance_usd: float = 0.01,
    tolerance_pct: float = 1.0,
) -> pd.DataFrame:
    """Estimated (from usage) against billed (Costs export), by day and line item (or any of day,
    line_item, project_id); differences beyond both tolerances are flagged.

    Columns: the ``by`` keys, ``estimated_usd``, ``billed_usd``, ``diff_usd`` (billed - estimated),
    ``diff_pct`` (of estimated), ``status`` (``ok``, ``billed more``, ``billed less``, ``billed only``,
    ``estimated only``) and ``flagged``. Days outside the period both sides cover are left out, so a
    usage export of one week is not reconciled against a month of bills.
    """
    allowed = ("day", "line_item", "project_id")
    keys = list(by)
    for k in keys:
        if k not in allowed:
            raise ValueError(f"by: unknown {clip(k)}; expected some of {', '.join(allowed)}")
    if "line_item" in keys and billed["line_item"].isna().all():
        raise ValueError("by: the Costs export is not grouped by line_item; reconcile by=('day',) instead")
    if "project_id" in keys and billed["project_id"].isna().all():
        raise ValueError("by: the Costs export is not grouped by project_id; leave it out of by")
    est = line_items(priced)
    days = sorted(set(est["day"].dropna()) & set(billed["day"].dropna()))
    if not days:
        raise ValueError("the usage and the bill cover no common day")
    lo, hi = days[0], days[-1]

    def side(frame: pd.DataFrame, name: str) -> pd.DataFrame:
        f = frame[(frame["day"] >= lo) & (frame["day"] <= hi)].copy()
        show = f["line_item"].astype("string")
        f["line_item"] = _norm_item(show).fillna(NOT_GROUPED)
        f["project_id"] = f["project_id"].astype("string").fillna(NOT_GROUPED)
        g = f.groupby(keys, sort=True)["amount_usd"].sum().rename(name)
        return g.to_frame()

    both = side(est, "estimated_usd").join(side(billed, "billed_usd"), how="outer")
    present_est = both["estimated_usd"].notna()
    present_bill = both["billed_usd"].notna()
    both = both.fillna(0.0).reset_index()
    both["diff_usd"] = both["billed_usd"] - both["estimated_usd"]
    with np.errstate(divide="ignore", invalid="ignore"):
        both["diff_pct"] = np.where(
            both["estimated_usd"] != 0, both["diff_usd"] / both["estimated_usd"] * 100, np.nan
        )
    big = (both["diff_usd"].abs() > tolerance_usd) & ~(both["diff_pct"].abs() <= tolerance_pct)
    status = np.select(
        [
            ~present_est.to_numpy(),
            ~present_bill.to_numpy(),
            ~big.to_numpy(),
            (both["diff_usd"] > 0).to_numpy(),
        ],
        ["billed only", "estimated only", "ok", "billed more"],
        default="billed less",
    )
    both["status"] = status
    both["flagged"] = big.to_numpy() | (
        (status != "ok") & (both["diff_usd"].abs() > tolerance_usd).to_numpy()
    )
    if "day" in keys:
        both["day"] = both["day"].dt.date
    return both


# ------------------------------------------------------------------------------------------------ scale


@dataclasses.dataclass(frozen=True)
class FilePricing:
    """Totals of a log priced in chunks (:func:`price_file`); the rows themselves are not kept."""

    path: str
    """The file priced."""
    rows: int
    """Rows read."""
    chunks: int
    """Chunks priced (Parquet record batches, or CSV / JSON-lines chunks)."""
    summary: _costs.CostSummary
    """Totals, components and what could not be priced."""
    by_group: pd.DataFrame
    """Spend aggregated by day, model, project, API key and service tier (requests, tokens, total_usd)."""
    notes: tuple[str, ...] = ()
    """What the pricing wants said (e.g. 1-hour cache writes priced at the 5-minute rate), each once."""

    def cost_by(self, by: str = "model") -> pd.DataFrame:
        """The aggregate grouped like :func:`cost_by`."""
        frame = self.by_group.assign(priced=True)
        return cost_by(frame, by)


_AGG_KEYS = ("day", "model_group", "project_id", "api_key_id", "user_id", "service_tier")


def _chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Chunks of at most ``chunk_rows`` rows of a table file, indexed by line (text) or row (Parquet) number
    like a whole-file read. Arrow reads them (Parquet record batches; CSV and JSON lines in blocks of
    :data:`explorer.usage_read.BLOCK_BYTES`, split across threads), so memory is bounded by a block and a
    chunk, not by the file. A JSON-lines block Arrow cannot read flat (raw API responses, a bad line) is read
    line by line; a CSV that Arrow cannot read (a quoted line break, a ragged row) is read by pandas."""
    from explorer import usage_read as _read

    where = _Where(path)
    _check_path(path, where)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            batches = _read.parquet_batches(path, chunk_rows, _is_label)
            first = next(batches, None)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise where.error(f"not a readable Parquet file ({type(exc).__name__})") from None
        start = 1
        for table in _chain(first, batches) if first is not None else ():
            frame = _read.to_frame(table, _is_label)
            frame.index = pd.RangeIndex(start, start + len(frame), name="row")
            start += len(frame)
            yield frame
        return
    blocks = _json_blocks(path, where) if suffix in (".jsonl", ".ndjson", ".json") else _csv_blocks(path, where)
    for frame in blocks:
        for at in range(0, len(frame), chunk_rows):
            yield frame.iloc[at : at + chunk_rows] if len(frame) > chunk_rows else frame


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _json_blocks(path: Path, where: _Where) -> Iterator[pd.DataFrame]:
    """A JSON-lines file block by block: Arrow where the block is flat, else line by line (raw responses
    are recognised per block, as a whole read recognises them per file)."""
    from explorer import usage_raw as _raw
    from explorer import usage_read as _read

    for block, line, breaks in _read.text_batches(path):
        table = _read.json_lines_table(block)
        if table is not None:
            frame = _read.to_frame(table, _is_label)
            frame.index = _read.line_numbers(block, len(frame), first=line, newlines=breaks)
            yield frame
            continue
        text = _decode(block, where) if block.strip() else ""
        docs = [(f"line {n} ", obj) for n, obj in _json_line_objects(text, where, line)]
        if not docs:
            continue
        if any(_raw.is_response(d) for _, d in docs):
            yield _raw.flatten(docs, where)
        else:
            yield pd.DataFrame([d for _, d in docs], index=pd.Index([int(lb.split()[1]) for lb, _ in docs],
                                                                    name="line"))


def _csv_blocks(path: Path, where: _Where) -> Iterator[pd.DataFrame]:
    """A CSV file block by block through Arrow (rows numbered from line 2 as a whole read numbers them); if
    Arrow cannot read a block, pandas reads the file from there on, and words any fault."""
    from explorer import usage_read as _read

    header = b""
    rows = 0
    for block, _, _ in _read.text_batches(path, numbered=False):
        if not header:
            if b"\x00" in block[:4096]:
                raise where.error("binary file, expected JSON, CSV or Parquet")
            cut = block.find(b"\n")
            header, block = block[: cut + 1], block[cut + 1 :]
        if not block.strip():
            continue
        table = _read.csv_table(header + block)
        if table is None:
            yield from _pandas_csv_chunks(path, where, skip=rows)
            return
        frame = _read.to_frame(table, _is_label)
        frame.index = pd.RangeIndex(2 + rows, 2 + rows + len(frame), name="line")
        rows += len(frame)
        yield frame
    if not header.strip():
        raise where.error("empty file, expected a header row")


def _pandas_csv_chunks(path: Path, where: _Where, *, skip: int) -> Iterator[pd.DataFrame]:
    """pandas' chunked CSV reader (the exact one: it names the line at fault), from data row ``skip`` on."""
    try:
        reader = pd.read_csv(path, chunksize=250_000, skipinitialspace=True)
        line = 2
        for frame in reader:
            frame.index = pd.RangeIndex(line, line + len(frame), name="line")
            line += len(frame)
            if line - 2 > skip:
                yield frame.iloc[max(0, skip - (line - 2 - len(frame))) :]
    except UnicodeDecodeError:
        raise where.error("not UTF-8 text") from None
    except pd.errors.EmptyDataError:
        raise where.error("empty file, expected a header row") from None
    except pd.errors.ParserError as exc:
        raise where.error(f"malformed CSV ({str(exc).strip().splitlines()[0]})") from None


def _total_rows(path: Path) -> int | None:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except Exception:  # the reader reports a damaged file properly
            return None
    return None


def chunked_pays(path: Path | str, rows: int) -> bool:
    """Whether :func:`price_file` should price this file rather than a whole read: a request log (Parquet,
    CSV or JSON lines; not an aggregated export, whose repeated buckets only a whole read can find) with more
    than ``rows`` rows (Parquet, from its footer) or more than ``rows`` times 40 bytes (text: a short CSV
    row). The answer is only about memory: both give the same totals. A file over the stated limits
    (:mod:`explorer.limits`) is refused here as a whole read refuses it."""
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            _limits.check_parquet(p, str(p))  # the stated limits hold whichever way the file is read
            meta = pq.ParquetFile(p).metadata
            if meta.num_rows <= rows:
                return False
            headers = list(meta.schema.to_arrow_schema().names)
        elif suffix in (".csv", ".jsonl", ".ndjson", ".json") and p.is_file() and p.stat().st_size > rows * 40:
            _limits.check_file_size(p, str(p))
            first = _first_line(p)
            if first is None:
                return False
            if suffix == ".csv":
                headers = first.decode("utf-8-sig").split(",")
            elif is_json_lines_log(p):
                headers = list(json.loads(first))
            else:
                return False
        else:
            return False
    except _limits.LimitError:
        raise
    except Exception:  # a damaged file: the whole read names what is wrong with it
        return False
    return "requests" not in {_label_lookup().get(_key(h)) for h in headers}


def price_file(
    path: Path | str,
    *,
    chunk_rows: int = 500_000,
    progress: bool = False,
    as_of: dt.date | str | None = None,
    prices: pd.DataFrame | None = None,
    overrides: Path | str | pd.DataFrame | None = None,
    skip_unknown: bool = False,
    mapping: Mapping[str, str] | None = None,
    convention: str | None = None,
    ignore_columns: Iterable[str] | None = None,
) -> FilePricing:
    """Price a request log too big for memory: stream Parquet record batches (or CSV / JSON-lines chunks)
    of ``chunk_rows`` rows, price each, and keep only running aggregates, so memory is bounded by the
    chunk size, not the file size. ``progress`` shows a tqdm bar (rows).

    Raises:
        ValueError: naming the file and the line (row for Parquet) at fault, as a whole-file read would.
    """
    p = Path(path)
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows: {chunk_rows} must be at least 1")
    opts = _options(mapping, convention, ignore_columns)
    table = prices if prices is not None else _prices.price_history(overrides=overrides)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=_total_rows(p), unit="rows", unit_scale=True, desc=p.name)
    def work(raw: pd.DataFrame) -> _ChunkTotals:
        n = len(raw)
        usage = _normalize(raw, p, raw.index.name or "line", opts)
        del raw  # the last reference (see _in_order): the chunk's text is freed before it is priced
        with _costs.one_thread():  # the chunks are the parallelism here
            priced = _price_labelled(usage, table, str(p), as_of=as_of, skip_unknown=skip_unknown)
        del usage
        return _ChunkTotals.of(priced, n)

    rows = chunks = unpriced = 0
    notes: dict[str, None] = {}
    unpriced_models: set[str] = set()
    components = dict.fromkeys(_costs.COMPONENTS, 0.0)
    aggs: list[pd.DataFrame] = []
    try:
        with _costs.holding(table):  # every chunk prices against the same table: its arrays are read once
            for done in _in_order(_chunks(p, chunk_rows), work, _PIPELINE_WORKERS):
                notes.update(dict.fromkeys(done.notes))
                for c, usd in done.components_usd.items():  # summed in chunk order: the same total every run
                    components[c] += usd
                unpriced += done.unpriced_rows
                unpriced_models.update(done.unpriced_models)
                aggs.append(done.by_group)
                if len(aggs) > 16:  # keep the running aggregate small however many chunks there are
                    aggs = [_combine(aggs)]
                rows += done.rows
                chunks += 1
                if bar is not None:
                    bar.update(done.rows)
    finally:
        if bar is not None:
            bar.close()
    if rows == 0:
        raise _Where(p).error("no usage rows")
    total = float(sum(components.values()))
    summary = _costs.CostSummary(
        total_usd=total,
        priced_rows=rows - unpriced,
        unpriced_rows=unpriced,
        unpriced_models=tuple(sorted(unpriced_models)),
        components_usd=components,
    )
    return FilePricing(str(p), rows, chunks, summary, _combine(aggs), tuple(notes))


_PIPELINE_WORKERS = 2
"""Chunks priced at once by :func:`price_file` while the next is read (numpy and Arrow release the GIL). On
the 2-core VM, in process, 1M rows of Parquet in chunks of 100,000: median 0.44 s one chunk at a time, 0.35 s
two at a time (0.35 s and 0.27 s in chunks of 250,000). A third worker showed no clear gain on two cores and
holds one more chunk."""


@dataclasses.dataclass(frozen=True)
class _ChunkTotals:
    """What :func:`price_file` keeps of one priced chunk."""

    rows: int
    """Rows in the chunk."""
    components_usd: dict[str, float]
    """Spend per cost component, over the priced rows."""
    unpriced_rows: int
    """Rows left unpriced (``skip_unknown``)."""
    unpriced_models: frozenset[str]
    """The model names of those rows."""
    by_group: pd.DataFrame
    """The chunk's :func:`_aggregate`."""
    notes: tuple[str, ...]
    """What the pricing wants said."""

    @classmethod
    def of(cls, priced: pd.DataFrame, rows: int) -> _ChunkTotals:
        ok = priced["priced"].to_numpy(dtype=bool)
        every = bool(ok.all())
        components = {c: float(priced[c].to_numpy().sum() if every else priced[c].to_numpy()[ok].sum())
                      for c in _costs.COMPONENTS}
        models = frozenset() if every else frozenset(priced.loc[~ok, "model"].astype(str).unique())
        return cls(rows, components, int((~ok).sum()), models, _aggregate(priced),
                   tuple(priced.attrs.get("notes", [])))


def _taking(work: Any, box: list[Any]) -> Any:
    """``work`` on the one item in ``box``, taken out so that no reference outlives the worker's own."""
    return work(box.pop())


def _in_order(items: Iterator[Any], work: Any, workers: int) -> Iterator[Any]:
    """``work(item)`` for each item, up to ``workers`` at once on threads while the next item is made, the
    results yielded in the items' order (so the first failing item raises, as one at a time would). At most
    ``workers + 1`` items are held: memory stays bounded by the chunk size."""
    if workers <= 1:
        yield from map(work, items)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="explorer-chunk")
    pending: deque[Any] = deque()
    try:
        try:
            for item in items:
                pending.append(pool.submit(_taking, work, [item]))
                del item  # handed over: the worker holds the only reference, and may drop it part way
                if len(pending) >= workers:
                    yield pending.popleft().result()
        except Exception:
            # The reader failed further on: an earlier chunk's own fault still comes first, as one at a time.
            while pending:
                yield pending.popleft().result()
            raise
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _aggregate(priced: pd.DataFrame) -> pd.DataFrame:
    """A chunk's spend by :data:`_AGG_KEYS`. Each key becomes small integer codes without hashing where it
    can (a categorical's own codes, days counted from the first, a column with no value at all); the codes
    combine into one integer per row, summed with ``bincount`` (as :func:`cost_by` sums). Only the groups
    found become strings, never a chunk's rows."""
    n = len(priced)
    keys = [_key_codes(_key_column(priced, k)) for k in _AGG_KEYS]
    radices = [max(len(values), 1) for _, values in keys]
    size = math.prod(radices)
    if size >= 2**62:  # more distinct combinations than one integer holds: pandas groups them
        return _aggregate_grouped(priced)
    combined = np.zeros(n, dtype=np.int64)
    for (codes, _), radix in zip(keys, radices, strict=True):
        if radix > 1:  # a key with one value (a column the log lacks) adds nothing
            combined *= radix
            combined += codes
    if size <= max(n // 4, 1 << 12):  # few combinations (days x models): summed densely, no gather per row
        counted = np.bincount(combined, minlength=size)
        groups = np.flatnonzero(counted)

        def total(weights: np.ndarray | None) -> np.ndarray:
            return counted[groups] if weights is None else np.bincount(combined, weights, size)[groups]
    elif size <= max(4 * n, 1 << 16):  # counted densely, then each row's group gathered: no hashing
        counted = np.bincount(combined, minlength=size)
        groups = np.flatnonzero(counted)
        slot = np.zeros(size, dtype=np.int64)
        slot[groups] = np.arange(len(groups))
        inverse = slot[combined]

        def total(weights: np.ndarray | None) -> np.ndarray:
            return counted[groups] if weights is None else np.bincount(inverse, weights, len(groups))
    else:
        inverse, uniques = pd.factorize(combined)  # hashed, not sorted: a chunk's rows in one pass
        groups = np.asarray(uniques, dtype=np.int64)

        def total(weights: np.ndarray | None) -> np.ndarray:
            return np.bincount(inverse, weights, len(groups))
    out: dict[str, Any] = {}
    rest = groups
    for k, (_, values), radix in reversed(list(zip(_AGG_KEYS, keys, radices, strict=True))):  # by its digits
        out[k] = values[rest % radix]
        rest = rest // radix
    out = {k: out[k] for k in _AGG_KEYS}
    requests = priced["requests"].to_numpy()
    one_each = bool(len(requests)) and requests.min() == 1 and requests.max() == 1  # a request log
    out["requests"] = total(None if one_each else requests.astype(np.float64)).astype(np.int64)
    for name in ("input_tokens", "output_tokens"):
        out[name] = total(priced[name].to_numpy(dtype="float64")).astype(np.int64)
    usd = priced["total_usd"].to_numpy(dtype="float64")
    ok = priced["priced"].to_numpy(dtype=bool)
    out["total_usd"] = total(usd if ok.all() else np.where(ok, usd, 0.0)).astype(np.float64)
    return pd.DataFrame(out)


def _key_column(priced: pd.DataFrame, key: str) -> pd.Series:
    """One grouping key of a priced frame, with or without :func:`_add_keys`' columns: a chunk's timestamps
    serve as its days (their codes are whole days either way) and a fully resolved model column as its
    model groups, without building either column."""
    if key in priced.columns:
        return priced[key]
    if key == "day" and "timestamp" in priced.columns:
        return priced["timestamp"]
    if key == "model_group" and not priced["resolved_model"].isna().any():
        return priced["resolved_model"]
    return _add_keys(priced)[key]


def _key_codes(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..n-1 per row and the n values they stand for (NA as "" for text, NaT for a day)."""
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        ns = col.to_numpy(dtype="datetime64[ns]")
        ints = ns.view(np.int64)
        if len(ints) and not np.isnat(ns).any():
            one_day = 86_400 * 10**9
            low, high = int(ints.min()) // one_day, int(ints.max()) // one_day
            if high - low < 1 << 20:  # days of one log: codes by arithmetic
                codes = ints // one_day - low
                values = (np.arange(low, high + 1, dtype=np.int64) * one_day).view("datetime64[ns]")
                return codes, values
        codes, uniques = pd.factorize(_days(ns), use_na_sentinel=False)  # timestamps group by their day
        return codes.astype(np.int64), np.asarray(uniques, dtype="datetime64[ns]")
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()  # int8 for a few models: added to the combined key as they are
        values = np.append(col.cat.categories.astype(str).to_numpy(dtype=object), "")
        if len(codes) and codes.min() < 0:
            codes = np.where(codes < 0, len(values) - 1, codes)  # NA is the last value
        return codes, values
    if col.isna().all():  # a grouping column the log does not have
        return np.zeros(len(col), dtype=np.int64), np.array([""], dtype=object)
    codes, uniques = pd.factorize(col, use_na_sentinel=False)
    values = pd.Series(uniques).astype("string").fillna("").to_numpy(dtype=object)
    return codes.astype(np.int64), values


def _aggregate_grouped(priced: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({k: priced[k].astype("string").fillna("") if k != "day" else priced[k] for k in _AGG_KEYS})
    frame["requests"] = priced["requests"].to_numpy()
    frame["input_tokens"] = priced["input_tokens"].to_numpy(dtype=np.int64)
    frame["output_tokens"] = priced["output_tokens"].to_numpy(dtype=np.int64)
    frame["total_usd"] = np.where(priced["priced"].to_numpy(dtype=bool), priced["total_usd"].to_numpy(), 0.0)
    return frame.groupby(list(_AGG_KEYS), dropna=False, sort=False).sum().reset_index()


def _combine(aggs: list[pd.DataFrame]) -> pd.DataFrame:
    out = (
        pd.concat(aggs, ignore_index=True)
        .groupby(list(_AGG_KEYS), dropna=False, sort=True)
        .sum()
        .reset_index()
    )
    for k in _AGG_KEYS[1:]:
        out[k] = out[k].astype("string").replace("", pd.NA)
    return out


def _price_partition(part: pd.DataFrame, table: pd.DataFrame, as_of: Any, skip_unknown: bool) -> pd.DataFrame:
    """One Dask partition: the very same pricing as :func:`price`; categoricals become strings so
    partitions with different models concatenate cleanly."""
    priced = _price_labelled(part, table, "partition", as_of=as_of, skip_unknown=skip_unknown)
    priced = _add_keys(priced)
    if skip_unknown:  # every partition needs the same columns in the same order
        reason = priced.pop("unpriced_reason") if "unpriced_reason" in priced.columns else pd.NA
        priced["unpriced_reason"] = pd.Series(reason, index=priced.index).astype("string")
    for col in priced.columns:
        if isinstance(priced[col].dtype, pd.CategoricalDtype):
            priced[col] = priced[col].astype("string")
    return priced


def price_dask(
    ddf: Any,
    *,
    as_of: dt.date | str | None = None,
    prices: pd.DataFrame | None = None,
    overrides: Path | str | pd.DataFrame | None = None,
    skip_unknown: bool = False,
) -> Any:
    """Price a ``dask.dataframe`` of usage lazily, one :func:`price` call per partition
    (``map_partitions``); results equal the pandas path row for row.

    Partitions should hold canonical usage columns (e.g. from :func:`normalize_usage` or a Parquet
    request log with the cost engine's names). Compute with any Dask scheduler, e.g. a
    ``distributed.LocalCluster`` on one machine or a real cluster when the log outgrows it.
    """
    _check_canonical(ddf._meta)
    table = prices if prices is not None else _prices.price_history(overrides=overrides)
    meta = _price_partition(ddf._meta, table, as_of, skip_unknown)
    return ddf.map_partitions(_price_partition, table, as_of, skip_unknown, meta=meta)


def _check_canonical(frame: pd.DataFrame) -> None:
    """Partitions go to the engine as they are: a header the readers would have renamed (``cached_tokens``)
    or an unknown count column would silently go unpriced, so refuse both."""
    where = _Where("partition")
    engine = {*_costs.COUNT_COLUMNS, "cache_write_1h_tokens", *_OTHER_ALIASES}
    lookup = {_key(o): c for c, others in COLUMN_ALIASES.items() for o in (c, *others)}
    for col in frame.columns:
        if col in engine:
            continue
        canon = lookup.get(_key(col))
        if canon is not None and canon != col:
            raise where.error(
                f"{clip(col)} is not an engine column (it means {clip(canon)}, counted by its own convention); "
                "normalise partitions first: ddf.map_partitions(normalize_usage)",
                column=str(col),
            )
        if canon is None and _cols.looks_like_count(col) and pd.api.types.is_numeric_dtype(
            frame[col]
        ):
            raise where.error(
                f"unknown count column {clip(str(col))} (closest accepted name: {clip(_cols.closest_name(col))}); "
                "drop or rename it before pricing",
                column=str(col),
            )


def iter_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Paths as given, checked to exist (errors name the path)."""
    out = []
    for p in paths:
        path = Path(p)
        _check_path(path, _Where(path))
        out.append(path)
    return out


# ------------------------------------------------------------------------------------------------ notebook

SAMPLE_FILES: tuple[str, ...] = ("usage_completions_page1.json", "usage_completions_page2.json", "costs.json")
"""The shipped synthetic exports (``data/samples/``, see its README) the usage notebook opens by default:
a month of Usage API pages and the Costs export of the same month."""


RAW_SAMPLE_FILES: tuple[str, ...] = (
    "responses_openai_chat.jsonl",
    "responses_openai_responses.jsonl",
    "responses_anthropic.jsonl",
    "responses_gemini.jsonl",
    "responses_litellm.jsonl",
)
"""The shipped synthetic logs of raw API responses, one per shape (``data/samples/README.md``)."""

ANTHROPIC_SAMPLE_FILES: tuple[str, ...] = ("anthropic_usage_report.json", "anthropic_cost_report.json")
"""The shipped synthetic Anthropic Admin API usage report and cost report of the same week."""


def sample_paths(which: Literal["openai", "responses", "anthropic"] = "openai") -> list[Path]:
    """Paths of :data:`SAMPLE_FILES` (``openai``), :data:`RAW_SAMPLE_FILES` (``responses``) or
    :data:`ANTHROPIC_SAMPLE_FILES` (``anthropic``), checked to exist."""
    from explorer.paths import DATA_DIR

    names = {"openai": SAMPLE_FILES, "responses": RAW_SAMPLE_FILES, "anthropic": ANTHROPIC_SAMPLE_FILES}
    if which not in names:
        raise ValueError(f"which: unknown {clip(which)}; expected one of {', '.join(names)}")
    return iter_paths(DATA_DIR / "samples" / name for name in names[which])


def load_samples() -> Imported:
    """:func:`load` of the shipped synthetic samples (usage and bill)."""
    return load(*sample_paths())


def load_uploaded(
    files: Sequence[Mapping[str, Any]],
    mapping: Mapping[str, str] | None = None,
    convention: str | None = None,
    ignore_columns: Iterable[str] | None = None,
) -> Imported:
    """:func:`load` for the value of an ``ipywidgets.FileUpload`` (dicts with ``name`` and ``content``).

    The bytes go to a private temporary directory only so the readers can name the file; it is removed
    before returning, and nothing of the user's is written anywhere."""
    import tempfile

    if not files:
        raise ValueError("no file uploaded")
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for f in files:
            name = Path(str(f["name"])).name  # never a path the upload chose
            p = Path(tmp) / name
            p.write_bytes(bytes(f["content"]))
            paths.append(p)
        try:
            imported = load(*paths, mapping=mapping, convention=convention, ignore_columns=ignore_columns)
        except ValueError as exc:  # name the file as uploaded, not the temporary copy
            raise ValueError(str(exc).replace(tmp + "/", "")) from None
    rename = {str(p): p.name for p in paths}
    for frame in (imported.usage, imported.billed):
        if frame is not None:
            frame["source_file"] = frame["source_file"].astype(str).map(rename).astype("category")
    return imported




def what_if_frame(
    usage: pd.DataFrame,
    priced: pd.DataFrame,
    *,
    model: str = "(as is)",
    tier: str = "(as is)",
    cached_share: float | None = None,
    cached_discount: float | None = None,
    as_of: dt.date | str | None = None,
    by: str = "model",
    prices: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """What the what-if panel shows for one setting of its controls (:func:`compare` of :func:`what_if`)."""
    alt = what_if(
        usage,
        model=None if model == "(as is)" else model,
        service_tier=None if tier == "(as is)" else tier,
        cached_share=cached_share,
        cached_discount=cached_discount,
        as_of=as_of,
        prices=prices,
    )
    return compare(priced, alt, by)


WHAT_IF_PANEL_TEXT = (
    "[what-if panel: another model, service tier, cache share, cache discount or price date; "
    "run the notebook to use it]"
)
"""The panel's text fallback (what nbval compares and a viewer without a kernel shows)."""


def _html_escape(text: str) -> str:
    import html

    return html.escape(text)


def _compare_html(frame: pd.DataFrame) -> str:
    shown = frame.copy()
    for c in ("total_usd", "what_if_usd", "change_usd"):
        shown[c] = frame[c].map(lambda x: f"${x:,.2f}" if x == x else "")
    shown["change_pct"] = frame["change_pct"].map(lambda x: f"{x:+.1f}%" if x == x else "")
    total = frame[["total_usd", "what_if_usd"]].sum()
    caption = (
        f"<p><b>Total: ${total['total_usd']:,.2f} now, ${total['what_if_usd']:,.2f} in the what-if</b></p>"
    )
    return caption + shown.to_html(index=False, escape=True)
