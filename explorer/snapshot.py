"""The genai-prices data in use: the bundled snapshot, or the refreshed version the user chose.

Reading it never touches the network and never imports the price table (:mod:`explorer.prices` reads it
from here; :mod:`explorer.refresh`, which validates new data by building the table, builds on this).
Versions live in ``~/.explorer/prices/versions/<id>/`` (data and meta together) and ``active.json`` names
the one in use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explorer import atomic, limits, paths
from explorer.lazy import LazyModule, distribution_version

if TYPE_CHECKING:
    from genai_prices import data_snapshot
    from genai_prices import types as gp
else:  # imported when the data is first read: a price table found in its cache never needs them
    data_snapshot = LazyModule("genai_prices.data_snapshot")
    gp = LazyModule("genai_prices.types")

GENAI_PRICES_VERSION = distribution_version("genai_prices")
"""The installed genai-prices (the bundled snapshot's version)."""

GENAI_PRICES_CHECKED = dt.date(2026, 11, 27)
"""When the pinned genai-prices snapshot was last checked against its sources."""


MIN_OPENAI_TOKEN_MODELS = 20
"""A download that prices fewer OpenAI models than this is treated as broken, not as news."""


def prices_dir() -> Path:
    return paths.user_dir() / "prices"


def _versions_dir() -> Path:
    return prices_dir() / "versions"


def _state_file() -> Path:
    return prices_dir() / "active.json"


# Wave-1 layout (one current and one previous file); migrated into versions on the first change.
def _legacy_current() -> Path:
    return prices_dir() / "genai-prices-data.json"


def _legacy_previous() -> Path:
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
class Version:
    """One kept refreshed snapshot."""

    id: str
    """Folder name, ``<UTC time>-<sha256 prefix>``; ``--rollback`` accepts it or any unique prefix."""
    path: Path
    """The data file."""
    sha256: str
    """Hash of the data bytes."""
    source: str
    """Where it came from (URL or file)."""
    fetched: str
    """When it was fetched, ISO 8601 UTC."""
    active: bool
    """Whether it is the data in use."""


def _parse(raw: bytes, origin: str) -> list[gp.Provider]:
    if not raw.strip():
        raise ValueError(f"{origin}: empty file, expected genai-prices JSON")
    if b"\x00" in raw[:4096]:
        raise ValueError(f"{origin}: binary file, expected genai-prices JSON")
    try:
        payload = limits.loads_json(raw.decode("utf-8"), origin)
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
            return limits.clip(f"providers{loc}: {first.get('msg', '')}".strip(), 200)[1:-1]
        except Exception:  # an exception whose errors() is not pydantic's: fall back to its text
            pass
    text = str(exc).strip()
    return limits.clip(text.splitlines()[0], 200)[1:-1] if text else type(exc).__name__


def _has_input_price(m: gp.ModelInfo) -> bool:
    prices = m.prices if isinstance(m.prices, gp.ModelPrice) else (m.prices[-1].prices if m.prices else None)
    return prices is not None and "input_mtok" in prices.__dict__ and prices.__dict__["input_mtok"] is not None


def _read_state() -> dict[str, Any]:
    try:
        st = _state_file().stat()
    except OSError:
        return {"active": "bundled", "history": []}
    state = _read_state_cached(str(_state_file()), st.st_mtime_ns, st.st_size, st.st_ino)
    return {"active": state["active"], "history": list(state["history"])}


@functools.lru_cache(maxsize=4)
def _read_state_cached(path: str, mtime_ns: int, size: int, ino: int) -> dict[str, Any]:
    """The state file parsed, once per version of it (prices ask for the active data on every lookup)."""
    try:
        if size > 1024 * 1024:
            raise ValueError("too big")
        state = limits.loads_json(Path(path).read_text(encoding="utf-8"), path)
    except (OSError, ValueError):
        return {"active": "bundled", "history": []}
    if not isinstance(state, dict) or not isinstance(state.get("active"), str):
        return {"active": "bundled", "history": []}
    history = [h for h in state.get("history", []) if isinstance(h, str)]
    return {"active": state["active"], "history": history}


def _write_state(active: str, history: list[str]) -> None:
    prices_dir().mkdir(parents=True, exist_ok=True)
    # Most recent last, each once, never the active one.
    seen: list[str] = []
    for h in reversed(history):
        if h != active and h not in seen:
            seen.append(h)
    state = {"active": active, "history": list(reversed(seen))}
    atomic.write_text(_state_file(), json.dumps(state, indent=1) + "\n")


def _read_meta(folder: Path) -> dict[str, Any]:
    try:
        meta = limits.loads_json((folder / "meta.json").read_text(encoding="utf-8"), str(folder))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def versions() -> list[Version]:
    """Kept refreshed snapshots, newest first."""
    _migrate_legacy()
    return _kept()


def _kept() -> list[Version]:
    folder = _versions_dir()
    if not folder.is_dir():
        return []
    active = _read_state()["active"]
    out = []
    for d in sorted(folder.iterdir(), reverse=True):
        if d.name.startswith(".") or not (d / "data.json").is_file():
            continue
        meta = _read_meta(d)
        out.append(Version(d.name, d / "data.json", str(meta.get("sha256", "")), str(meta.get("source", "")),
                           str(meta.get("fetched", "")), d.name == active))
    return out


def _store(raw: bytes, meta: dict[str, Any]) -> str:
    """Keep ``raw`` and its meta as a new version folder (or find the version already holding these bytes);
    return its id. The folder is complete before it gets its name: data and meta are one unit."""
    digest = meta["sha256"]
    for v in _kept():
        if v.sha256 == digest:
            return v.id
    fetched = dt.datetime.fromisoformat(meta["fetched"])
    vid = f"{fetched:%Y%m%dT%H%M%SZ}-{digest[:12]}"
    root = _versions_dir()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".incoming-", dir=root))
    try:
        atomic.write_bytes(tmp / "data.json", raw)
        atomic.write_text(tmp / "meta.json", json.dumps(meta, indent=1) + "\n")
        os.chmod(tmp, 0o777 & ~atomic.current_umask())  # mkdtemp's 0700 would hide it from the group
        os.rename(tmp, root / vid)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return vid


def _migrate_legacy() -> None:
    """Move wave 1's current/previous files into versions, once, keeping which one was active."""
    current, previous = _legacy_current(), _legacy_previous()
    if not (current.exists() or previous.exists()):
        return
    if _state_file().exists():
        return
    ids = {}
    for name, p in (("previous", previous), ("current", current)):
        if p.exists():
            raw = p.read_bytes()
            try:
                meta = limits.loads_json(_meta(p).read_text(encoding="utf-8"), str(_meta(p)))
            except (OSError, ValueError):
                meta = {}
            meta = {"source": str(meta.get("source", p)), "sha256": hashlib.sha256(raw).hexdigest(),
                    "fetched": str(meta.get("fetched") or dt.datetime.fromtimestamp(
                        p.stat().st_mtime, dt.UTC).isoformat(timespec="seconds"))}
            ids[name] = _store(raw, meta)
    _write_state(ids.get("current", "bundled"), [ids["previous"]] if "previous" in ids else [])
    for p in (current, previous):
        p.unlink(missing_ok=True)
        _meta(p).unlink(missing_ok=True)


def _active_data() -> Path | None:
    active = _read_state()["active"]
    if active == "bundled":
        return None
    path = _versions_dir() / active / "data.json"
    return path if path.is_file() else None


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> ActiveSnapshot:
    p = Path(path)
    origin = (f"{p} (refreshed price data; run `explorer refresh-prices --rollback` "
              "or `--bundled` if it is damaged)")
    limits.check_file_size(p, origin, limit=limits.DOWNLOAD_MB)
    providers = _parse(p.read_bytes(), origin)
    meta = _read_meta(p.parent)
    try:
        day = dt.date.fromisoformat(str(meta.get("fetched", ""))[:10])
    except ValueError:
        day = dt.date.fromtimestamp(mtime_ns / 1e9)
    snap = data_snapshot.DataSnapshot(providers, from_auto_update=False)
    return ActiveSnapshot(("refreshed", path, mtime_ns, size), snap, f"genai-prices data refreshed {day}", day)


@functools.cache
def _bundled() -> ActiveSnapshot:
    return ActiveSnapshot(("bundled",), data_snapshot.get_snapshot(), f"genai-prices {GENAI_PRICES_VERSION}",
                          GENAI_PRICES_CHECKED)


def active_snapshot() -> ActiveSnapshot:
    """The refreshed data if the user ran a refresh (and did not go back), else the bundled snapshot."""
    if os.environ.get("EXPLORER_PRICES") == "bundled":
        return _bundled()
    _migrate_legacy()
    current = _active_data()
    if current is None:
        return _bundled()
    try:
        st = current.stat()
    except OSError:
        return _bundled()
    return _load(str(current), st.st_mtime_ns, st.st_size)
