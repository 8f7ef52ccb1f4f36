"""Explicit, optional price refresh: the only code here that may reach the network.

``explorer refresh-prices`` downloads genai-prices' published data file, validates it (it parses, it
prices enough OpenAI models, this project's price table builds from it) and only then replaces the
active copy under ``~/.explorer/prices/``, keeping the previous one for ``--rollback``. Nothing else
ever fetches: without a refreshed copy, the snapshot bundled with the pinned package is used.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import urllib.request
from pathlib import Path
from typing import Any

from genai_prices import __version__ as GENAI_PRICES_VERSION
from genai_prices import data_snapshot
from genai_prices import types as gp
from genai_prices.update_prices import DEFAULT_UPDATE_URL

from explorer import atomic, paths

__all__ = ["ActiveSnapshot", "RefreshResult", "active_snapshot", "refresh_prices", "rollback", "use_bundled"]

MIN_OPENAI_TOKEN_MODELS = 20
"""A download that prices fewer OpenAI models than this is treated as broken, not as news."""


def prices_dir() -> Path:
    return paths.user_dir() / "prices"


def _current() -> Path:
    return prices_dir() / "genai-prices-data.json"


def _previous() -> Path:
    return prices_dir() / "genai-prices-data.previous.json"


def _meta(p: Path) -> Path:
    return p.with_suffix(".meta.json")


@dataclasses.dataclass(frozen=True)
class ActiveSnapshot:
    """The genai-prices data in use."""

    key: tuple[Any, ...]
    """Changes whenever the data in use changes (cache key)."""
    snapshot: data_snapshot.DataSnapshot
    """The parsed providers."""
    label: str
    """How price sources name it, e.g. ``genai-prices 0.2.3``."""
    checked: dt.date
    """When this data was last checked against its source (bundled: when the pin was checked)."""


@dataclasses.dataclass(frozen=True)
class RefreshResult:
    """What a refresh did."""

    path: Path
    """The active data file now."""
    providers: int
    """Providers in the new data."""
    openai_models: int
    """Token-priced OpenAI models in the new data."""
    sha256: str
    """Hash of the downloaded bytes."""
    previous: Path | None
    """Where the replaced copy was kept, if there was one."""


def _parse(raw: bytes, origin: str) -> list[gp.Provider]:
    if not raw.strip():
        raise ValueError(f"{origin}: empty file, expected genai-prices JSON")
    if b"\x00" in raw[:4096]:
        raise ValueError(f"{origin}: binary file, expected genai-prices JSON")
    try:
        payload = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{origin}: not UTF-8 text (byte {exc.start}), expected genai-prices JSON") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{origin}: not JSON ({exc})") from None
    if not isinstance(payload, list):
        raise ValueError(f"{origin}: expected a JSON list of providers, got {type(payload).__name__}")
    try:
        providers = gp._providers_from_raw(payload)
    except Exception as exc:  # pydantic raises many kinds; all mean "not genai-prices data"
        raise ValueError(f"{origin}: not genai-prices data ({_first_problem(exc)})") from None
    openai = next((p for p in providers if p.id == "openai"), None)
    n = 0 if openai is None else sum(1 for m in openai.models if _has_input_price(m))
    if n < MIN_OPENAI_TOKEN_MODELS:
        raise ValueError(
            f"{origin}: only {n} token-priced OpenAI models (expected at least {MIN_OPENAI_TOKEN_MODELS}); "
            "refusing to replace the current prices"
        )
    return providers


def _first_problem(exc: Exception) -> str:
    """Where the data first departs from genai-prices' schema, e.g. ``providers[0].name: Field required``."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.get("loc", ()))
            return f"providers{loc}: {first.get('msg', '')}".strip()
        except Exception:  # an exception whose errors() is not pydantic's: fall back to its text
            pass
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _has_input_price(m: gp.ModelInfo) -> bool:
    prices = m.prices if isinstance(m.prices, gp.ModelPrice) else (m.prices[-1].prices if m.prices else None)
    return prices is not None and "input_mtok" in prices.__dict__ and prices.__dict__["input_mtok"] is not None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, data)


def refresh_prices(url: str = DEFAULT_UPDATE_URL, *, source_file: Path | str | None = None,
                   timeout_s: float = 30.0) -> RefreshResult:
    """Download (or read ``source_file``), validate, then atomically replace the active price data."""
    if source_file is not None:
        origin = str(source_file)
        src = Path(source_file)
        if src.is_dir():
            raise ValueError(f"{origin}: is a directory, expected a genai-prices JSON file")
        if not src.exists():
            raise ValueError(f"{origin}: file not found")
        try:
            raw = src.read_bytes()
        except OSError as exc:
            raise ValueError(f"{origin}: {exc.strerror or exc}") from None
    else:
        origin = url
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"url: {url!r} is not an http(s) URL")
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as resp:
                raw = resp.read()
        except OSError as exc:
            raise ValueError(f"{url}: download failed ({getattr(exc, 'reason', exc)}); nothing was changed") from None
    providers = _parse(raw, origin)
    # The table must build from it too, before anything is replaced.
    from explorer import prices

    prices._build_for_check(data_snapshot.DataSnapshot(providers, from_auto_update=False), origin)
    digest = hashlib.sha256(raw).hexdigest()
    current, previous = _current(), _previous()
    kept: Path | None = None
    if current.exists():
        _atomic_write(previous, current.read_bytes())
        if _meta(current).exists():
            _atomic_write(_meta(previous), _meta(current).read_bytes())
        kept = previous
    meta = {"source": origin, "sha256": digest, "fetched": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    _atomic_write(_meta(current), json.dumps(meta).encode())
    _atomic_write(current, raw)
    openai = next(p for p in providers if p.id == "openai")
    return RefreshResult(current, len(providers), sum(1 for m in openai.models if _has_input_price(m)), digest, kept)


def rollback() -> Path:
    """Swap the active data with the previous copy."""
    current, previous = _current(), _previous()
    if not previous.exists():
        raise ValueError(f"{previous}: no previous price data to roll back to")
    _parse(previous.read_bytes(), str(previous))
    cur_bytes = current.read_bytes() if current.exists() else None
    cur_meta = _meta(current).read_bytes() if _meta(current).exists() else None
    _atomic_write(current, previous.read_bytes())
    if _meta(previous).exists():
        _atomic_write(_meta(current), _meta(previous).read_bytes())
    if cur_bytes is not None:
        _atomic_write(previous, cur_bytes)
        if cur_meta is not None:
            _atomic_write(_meta(previous), cur_meta)
    return current


def use_bundled() -> Path | None:
    """Stop using refreshed data (kept as the previous copy); the bundled snapshot is used again."""
    current = _current()
    if not current.exists():
        return None
    os.replace(current, _previous())
    if _meta(current).exists():
        os.replace(_meta(current), _meta(_previous()))
    return _previous()


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> ActiveSnapshot:
    p = Path(path)
    providers = _parse(p.read_bytes(), f"{p} (refreshed price data; run `explorer refresh-prices --rollback` "
                                       "or `--bundled` if it is damaged)")
    try:
        meta = json.loads(_meta(p).read_text())
        day = dt.date.fromisoformat(meta.get("fetched", "")[:10])
    except (OSError, ValueError):
        day = dt.date.fromtimestamp(mtime_ns / 1e9)
    snap = data_snapshot.DataSnapshot(providers, from_auto_update=False)
    return ActiveSnapshot(("refreshed", path, mtime_ns, size), snap, f"genai-prices data refreshed {day}", day)


@functools.cache
def _bundled() -> ActiveSnapshot:
    from explorer.prices import GENAI_PRICES_CHECKED

    return ActiveSnapshot(("bundled",), data_snapshot.get_snapshot(), f"genai-prices {GENAI_PRICES_VERSION}",
                          GENAI_PRICES_CHECKED)


def active_snapshot() -> ActiveSnapshot:
    """The refreshed data if the user ran a refresh (and did not go back), else the bundled snapshot."""
    if os.environ.get("EXPLORER_PRICES") == "bundled":
        return _bundled()
    current = _current()
    try:
        st = current.stat()
    except OSError:
        return _bundled()
    return _load(str(current), st.st_mtime_ns, st.st_size)
