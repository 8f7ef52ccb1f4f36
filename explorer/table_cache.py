"""The bundled price table, built once and kept in a versioned, validated binary file.

Building the table (the genai-prices snapshot merged with the curated CSVs) takes about a second and needs
pandas and genai-prices; a single ``explorer cost`` needs neither. So the first build is written to
``<EXPLORER_HOME>/cache/price-table.bin`` and later processes read it back:

- **keyed**: the file records a SHA-256 of everything the table is built from (the curated CSVs, the
  genai-prices data in use, the source of the modules that build it, the package version and this file
  format); a file with another key is ignored and rebuilt;
- **validated**: magic bytes, the format number, the payload's length and its SHA-256 are checked on every
  read; a file that fails is reported with a warning and rebuilt;
- **never pickle**: the payload is zlib-compressed JSON of plain values (strings, numbers, nulls), columnar.

Why not Arrow IPC: importing pyarrow alone takes as long as the whole genai-prices one-liner that
``explorer cost`` is measured against (about 0.2 s); this file reads in a few milliseconds with the
standard library only. This module imports nothing outside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.util
import json
import struct
import warnings
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from explorer import __version__, atomic, paths

__all__ = ["CACHE_FORMAT", "CachedTable", "PriceCacheWarning", "cache_path", "read", "source_key", "write"]

CACHE_FORMAT = 1
"""Bumped whenever the payload's layout changes."""
MAGIC = b"LLM-COST-EXPLORER PRICE TABLE\n"
_HEADER = struct.Struct(">I64sQ32s")  # format, key (hex), payload length, payload SHA-256
# The modules whose code decides what the table holds: editing them invalidates the cache.
_BUILDERS = ("prices.py", "refresh.py", "table_cache.py")


class PriceCacheWarning(UserWarning):
    """The price table cache could not be read or written; the table is built from the sources instead."""


@dataclasses.dataclass(frozen=True)
class CachedTable:
    """What the cache holds: the whole dated price table and how names resolve to its models."""

    key: str
    """:func:`source_key` of the sources it was built from."""
    columns: Mapping[str, Sequence[Any]]
    """The price table by column (``prices.PRICE_COLUMNS``): None for missing values, datetimes as ns since 1970."""
    resolved: Mapping[str, tuple[str, str]]
    """Lower-case model id or alias -> ``(provider, model)``, as ``prices.resolve_model`` answers it."""
    checked: dt.date
    """When the genai-prices data in use was last checked (the freshness warning's date)."""

    def to_payload(self) -> bytes:
        doc = {"columns": self.columns, "resolved": self.resolved, "checked": self.checked.isoformat()}
        return zlib.compress(json.dumps(doc, separators=(",", ":"), allow_nan=False).encode(), 6)

    @classmethod
    def from_payload(cls, key: str, payload: bytes) -> CachedTable:
        doc = json.loads(zlib.decompress(payload))
        resolved = {name: (pair[0], pair[1]) for name, pair in doc["resolved"].items()}
        return cls(key, doc["columns"], resolved, dt.date.fromisoformat(doc["checked"]))


def cache_path() -> Path:
    """Where the cache lives (under the user's folder: an installed package's own folder may be read-only)."""
    return paths.cache_dir() / "price-table.bin"


def refreshed_data_file() -> Path:
    """The genai-prices data ``explorer refresh-prices`` made active, which replaces the bundled snapshot:
    ``prices/versions/<id>/data.json`` as ``prices/active.json`` names it (read here without importing
    :mod:`explorer.refresh`, which imports genai-prices), else wave 1's single file. The path does not
    exist while the bundled snapshot is in use."""
    folder = paths.user_dir() / "prices"
    try:
        active = json.loads((folder / "active.json").read_text(encoding="utf-8")).get("active")
    except (OSError, ValueError, AttributeError):
        active = None
    if isinstance(active, str) and active not in ("", "bundled") and "/" not in active and not active.startswith("."):
        return folder / "versions" / active / "data.json"
    return folder / "genai-prices-data.json"


@functools.cache
def _genai_prices_files() -> tuple[Path, ...]:
    """The bundled genai-prices snapshot and its distribution's metadata, found without importing it (once a
    process: the installed package does not move under a running process, and the glob is most of a read)."""
    spec = importlib.util.find_spec("genai_prices")
    if spec is None or not spec.submodule_search_locations:
        return ()  # not installed: building the table will say so
    pkg = Path(next(iter(spec.submodule_search_locations)))
    return (pkg / "data.py", *sorted(pkg.parent.glob("genai_prices-*.dist-info/METADATA")))


def _inputs() -> list[Path]:
    files = [paths.MODEL_LAUNCHES_CSV, paths.PRICE_HISTORY_CSV, paths.SERVICE_TIERS_CSV, paths.PRICE_COMPONENTS_CSV]
    files += [paths.PACKAGE_DIR / name for name in _BUILDERS]
    refreshed = refreshed_data_file()
    if refreshed.exists():
        files += [refreshed, refreshed.with_suffix(".meta.json")]
    else:
        files += _genai_prices_files()
    return files


_KEYS: dict[tuple[Any, ...], str] = {}


def source_key() -> str:
    """SHA-256 of every input of the table; memoised per process on the inputs' size and mtime."""
    files = _inputs()
    stats = (CACHE_FORMAT, __version__, *((str(f), *_stat(f)) for f in files))
    if stats not in _KEYS:
        h = hashlib.sha256(f"format {CACHE_FORMAT}; explorer {__version__}\n".encode())
        for f in files:
            h.update(f"{f.name}\n".encode())
            h.update(f.read_bytes() if f.exists() else b"(absent)")
        _KEYS[stats] = h.hexdigest()
    return _KEYS[stats]


def _stat(f: Path) -> tuple[int, int]:
    try:
        st = f.stat()
    except OSError:
        return (-1, -1)
    return (st.st_mtime_ns, st.st_size)


def read(path: Path | None = None) -> CachedTable | None:
    """The cached table if the file exists, is sound and was built from the current sources; else None.

    A damaged file (bad magic, format, length or checksum, undecodable payload) gives a
    :class:`PriceCacheWarning` and None: the caller rebuilds, and the rebuild replaces the file.
    """
    target = path or cache_path()
    key = source_key()
    seen = (str(target), *_stat(target), key)
    if seen in _READ:
        return _READ[seen]  # the same file, unchanged since this process read it
    found = _read(target, key)
    if found is not None:
        _READ.clear()
        _READ[seen] = found
    return found


_READ: dict[tuple[Any, ...], CachedTable] = {}


def _read(target: Path, key: str) -> CachedTable | None:
    try:
        raw = target.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        _warn(f"price table cache {target} unreadable ({exc.strerror or exc}); rebuilding it")
        return None
    head = len(MAGIC) + _HEADER.size
    if not raw.startswith(MAGIC) or len(raw) < head:
        _warn(f"price table cache {target} is not a price table cache file; rebuilding it")
        return None
    fmt, file_key, length, digest = _HEADER.unpack_from(raw, len(MAGIC))
    if fmt != CACHE_FORMAT or file_key.decode("ascii", "replace") != key:
        return None  # built by another version or from other data: rebuilt, nothing is wrong
    payload = raw[head:]
    if len(payload) != length or hashlib.sha256(payload).digest() != digest:
        _warn(f"price table cache {target} is damaged (checksum mismatch); rebuilding it")
        return None
    try:
        return CachedTable.from_payload(key, payload)
    except (ValueError, KeyError, TypeError, IndexError, zlib.error) as exc:
        _warn(f"price table cache {target} is damaged ({type(exc).__name__}); rebuilding it")
        return None


def write(table: CachedTable, path: Path | None = None) -> Path | None:
    """Write the cache atomically (a reader sees the old file or the new one); None if it cannot be written."""
    target = path or cache_path()
    payload = table.to_payload()
    header = MAGIC + _HEADER.pack(CACHE_FORMAT, table.key.encode("ascii"), len(payload),
                                  hashlib.sha256(payload).digest())
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(target, header + payload)
    except (OSError, ValueError) as exc:
        _warn(f"price table cache {target} not written ({getattr(exc, 'strerror', None) or exc}); "
              "the table is rebuilt each run")
        return None
    return target


_WARNED: set[str] = set()


def _warn(message: str) -> None:
    # Once per process: the fast path and the full build may both meet the same damaged file.
    if message not in _WARNED:
        _WARNED.add(message)
        warnings.warn(message, PriceCacheWarning, stacklevel=3)
