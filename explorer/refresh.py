"""Explicit, optional price refresh: the only code here that may reach the network.

``explorer refresh-prices`` downloads genai-prices' published data file (at most
:data:`explorer.limits.DOWNLOAD_MB`), validates it and compares it with the data in use before anything is
replaced:

- **validation** (never overridable): it parses as genai-prices data, prices enough OpenAI models, every
  price is finite, non-negative and within a plausible range for its unit (:data:`PLAUSIBLE_MAX_USD`),
  and this project's price table builds from it;
- **comparison** (``--force`` overrides): a snapshot that drops a provider, drops many models
  (:data:`MAX_REMOVED_MODELS` or :data:`MAX_REMOVED_SHARE`) or drops a model the shipped scenarios use is
  refused, with the difference (added, removed, repriced models) shown.

Each accepted snapshot is kept as a version: a folder ``versions/<UTC time>-<sha256 prefix>/`` holding the
data and its meta together, built under a temporary name and renamed into place, so data and meta are
one unit. ``active.json`` names the version in use (or the bundled snapshot) and the ones used before it;
it is replaced atomically. The newest :data:`KEEP_VERSIONS` versions are kept, the same bytes are never
stored twice, and ``--rollback [VERSION]`` reaches any kept version. Nothing else ever fetches: without a
refreshed copy, the snapshot bundled with the pinned package is used.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import shutil
import urllib.request
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from genai_prices import __version__ as GENAI_PRICES_VERSION
from genai_prices import data_snapshot
from genai_prices import types as gp
from genai_prices.update_prices import DEFAULT_UPDATE_URL

from explorer import limits
from explorer.snapshot import (  # the data in use; re-exported for callers of the old names
    ActiveSnapshot,
    Version,
    _active_data,
    _bundled,
    _has_input_price,
    _kept,
    _migrate_legacy,
    _parse,
    _read_state,
    _store,
    _versions_dir,
    _write_state,
    active_snapshot,
    prices_dir,
    versions,
)

__all__ = [
    "ActiveSnapshot",
    "Candidate",
    "RefreshResult",
    "SnapshotDiff",
    "Version",
    "active_snapshot",
    "install",
    "prepare_refresh",
    "refresh_prices",
    "rollback",
    "use_bundled",
    "versions",
]

KEEP_VERSIONS = 5
"""Refreshed snapshots kept for ``--rollback`` (the active one included); older ones are deleted."""
MAX_REMOVED_MODELS = 25
"""A refresh that drops more models than this (and more than :data:`MAX_REMOVED_SHARE`) needs ``--force``."""
MAX_REMOVED_SHARE = 0.05
"""...or more than this share of the models in use."""
PLAUSIBLE_MAX_USD: dict[str, float] = {
    "mtok": 2_000.0,  # per million tokens; the dearest real price (o1-pro output) is $600
    "mchars": 2_000.0,  # per million characters
    "kcount": 1_000.0,  # per thousand requests or calls; web search is $10-35
    "kpages": 1_000.0,  # per thousand pages
    "hours": 500.0,  # per hour of audio
}
"""Largest believable price in USD per unit, by the unit suffix of genai-prices' price keys."""
_UNIT_NAMES = {"mtok": "per million tokens", "mchars": "per million characters", "kcount": "per thousand",
               "kpages": "per thousand pages", "hours": "per hour"}


class RefusedRefresh(ValueError):
    """A valid snapshot refused because of what it would lose; ``--force`` installs it anyway."""








def _current() -> Path:
    """The data file in use if refreshed data is active (the file the price-table cache is keyed on)."""
    from explorer import table_cache

    return table_cache.refreshed_data_file()












@dataclasses.dataclass(frozen=True)
class SnapshotDiff:
    """What replacing the data in use with a candidate would change."""

    added: tuple[str, ...]
    """``provider/model`` ids new in the candidate."""
    removed: tuple[str, ...]
    """``provider/model`` ids the candidate drops."""
    repriced: tuple[tuple[str, str, str], ...]
    """``(provider/model, old, new)`` for models whose current input or output price changes."""
    removed_providers: tuple[str, ...]
    """Providers the candidate drops entirely."""
    scenario_models_lost: tuple[str, ...]
    """Models named in the shipped scenarios that the candidate no longer prices."""
    models_before: int
    """Models in the data in use."""

    def blockers(self) -> list[str]:
        """Why installing would lose too much (empty: nothing to refuse)."""
        out = []
        if self.removed_providers:
            out.append(f"drops provider(s) {_few(self.removed_providers)}")
        share = len(self.removed) / self.models_before if self.models_before else 0.0
        if len(self.removed) > MAX_REMOVED_MODELS and share > MAX_REMOVED_SHARE:
            out.append(f"drops {len(self.removed):,} of {self.models_before:,} models ({share:.0%})")
        if self.scenario_models_lost:
            out.append(f"drops {_few(self.scenario_models_lost)} used by the shipped scenarios")
        return out

    def lines(self, limit: int = 10) -> list[str]:
        """A human summary: counts, then up to ``limit`` examples of each kind."""
        out = [f"{len(self.added):,} model(s) added, {len(self.removed):,} removed, "
               f"{len(self.repriced):,} repriced"]
        if self.added:
            out.append(f"  added: {_few(self.added, limit)}")
        if self.removed:
            out.append(f"  removed: {_few(self.removed, limit)}")
        for name, old, new in self.repriced[:limit]:
            out.append(f"  repriced: {name}: {old} -> {new}")
        if len(self.repriced) > limit:
            out.append(f"  ... and {len(self.repriced) - limit:,} more repriced")
        return out


def _few(items: Iterable[str], limit: int = 5) -> str:
    items = list(items)
    shown = ", ".join(limits.terminal_safe(limits.clip(i, 60).strip("'\"")) for i in items[:limit])
    return shown + (f" and {len(items) - limit:,} more" if len(items) > limit else "")


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A downloaded (or given) snapshot that passed validation, compared with the data in use."""

    raw: bytes
    """The bytes as downloaded."""
    origin: str
    """URL or file it came from."""
    sha256: str
    """Hash of ``raw``."""
    providers: tuple[gp.Provider, ...]
    """The parsed providers."""
    diff: SnapshotDiff
    """What installing it would change."""


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
    """The data file in use before (still kept), if it was a refreshed one."""
    version: str = ""
    """Id of the version now active."""
    diff: SnapshotDiff | None = None
    """What changed compared with the data in use before."""
    reused: bool = False
    """The same bytes were already kept: that version was made active, nothing new was stored."""


# ------------------------------------------------------------------------------------------------ validation








def _price_sets(m: gp.ModelInfo) -> Iterator[gp.ModelPrice]:
    if isinstance(m.prices, gp.ModelPrice):
        yield m.prices
    else:
        yield from (c.prices for c in m.prices or ())
    for variant in getattr(m, "price_variants", None) or ():
        yield variant.prices


def _numbers(value: Any) -> Iterator[Any]:
    if isinstance(value, gp.TieredPrices):
        yield from _numbers(value.base)
        for tier in value.tiers:
            yield from _numbers(tier.price)
    elif value is not None:
        yield value


def _check_prices(providers: Iterable[gp.Provider], origin: str) -> None:
    """Every price finite, non-negative and plausible for its unit, as the curated CSVs are checked."""
    for p in providers:
        for m in p.models:
            for prices in _price_sets(m):
                for key, value in prices.__dict__.items():
                    if key.startswith("_"):
                        continue
                    for number in _numbers(value):
                        _check_price(number, key, f"{origin}: {_few([f'{p.id}/{m.id}'])}, {_few([key])}")


def _check_price(value: Any, key: str, where: str) -> None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {limits.clip(value)} is not a number") from None
    if not math.isfinite(x):
        raise ValueError(f"{where}: {value} is not a finite price")
    if x < 0:
        raise ValueError(f"{where}: negative price {value}")
    unit = key.rsplit("_", 1)[-1]
    cap = PLAUSIBLE_MAX_USD.get(unit)
    if cap is not None and x > cap:
        raise ValueError(f"{where}: ${x:,.6g} {_UNIT_NAMES[unit]} is over the plausible maximum of ${cap:,.0f}")


# ------------------------------------------------------------------------------------------------ comparison


def _summary(providers: Iterable[gp.Provider]) -> dict[str, str]:
    """``provider/model`` -> its current input/output price as text (what a reprice would change)."""
    out = {}
    for p in providers:
        for m in p.models:
            prices = m.prices if isinstance(m.prices, gp.ModelPrice) else (m.prices[-1].prices if m.prices else None)
            parts = []
            for key in ("input_mtok", "output_mtok"):
                value = getattr(prices, key, None) if prices is not None else None
                if isinstance(value, gp.TieredPrices):
                    value = value.base
                if value is not None:
                    parts.append(f"${Decimal(str(value)).normalize():f} {key.split('_')[0]}")
            out[f"{p.id}/{m.id}"] = ", ".join(parts) or "no token price"
    return out


def _scenario_models() -> list[str]:
    from explorer import scenarios

    names: list[str] = []
    for sc in scenarios.list_scenarios(include_user=False).values():
        names.extend(m for m in sc.models if m not in names)
    return names


def _find(providers: Iterable[gp.Provider], name: str) -> str | None:
    provider_id, _, model = name.rpartition("/")
    for p in providers:
        if provider_id and p.id != provider_id:
            continue
        found = p.find_model(model)
        if found is not None:
            return f"{p.id}/{found.id}"
    return None


def compare(old: Iterable[gp.Provider], new: Iterable[gp.Provider]) -> SnapshotDiff:
    """What replacing ``old`` with ``new`` changes, and which shipped-scenario models it would lose."""
    old, new = list(old), list(new)
    a, b = _summary(old), _summary(new)
    lost = tuple(n for n in _scenario_models() if _find(old, n) is not None and _find(new, n) is None)
    return SnapshotDiff(
        added=tuple(sorted(set(b) - set(a))),
        removed=tuple(sorted(set(a) - set(b))),
        repriced=tuple((k, a[k], b[k]) for k in sorted(set(a) & set(b)) if a[k] != b[k]),
        removed_providers=tuple(sorted({p.id for p in old} - {p.id for p in new})),
        scenario_models_lost=lost,
        models_before=len(a),
    )


# ------------------------------------------------------------------------------------------------ versions
















def _prune(keep: int = KEEP_VERSIONS) -> None:
    """Delete the versions beyond the ``keep`` most recently used (the active one is always kept)."""
    state = _read_state()
    order = [state["active"], *reversed(state["history"])]
    kept = [v.id for v in _kept()]
    ranked = [v for v in order if v in kept] + [v for v in kept if v not in order]
    for vid in ranked[keep:]:
        shutil.rmtree(_versions_dir() / vid, ignore_errors=True)
    if len(ranked) > keep:
        _write_state(state["active"], [h for h in state["history"] if h in ranked[:keep]])
    for stray in _versions_dir().glob(".incoming-*"):  # a crash mid-store leaves one; it never became active
        shutil.rmtree(stray, ignore_errors=True)






# ------------------------------------------------------------------------------------------------ refresh


def _download(url: str, timeout_s: float) -> bytes:
    cap = limits.DOWNLOAD_MB.value()
    cap_bytes = cap * 1024 * 1024
    too_big = (f"{url}: download is over the {cap:,} MB limit ({limits.DOWNLOAD_MB.how_to_raise()}); "
               "nothing was changed")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > cap_bytes:
                raise limits.LimitError(too_big)
            chunks, size = [], 0
            while chunk := resp.read(1 << 16):
                size += len(chunk)
                if size > cap_bytes:  # an endless or lying response stops here, not at MemoryError
                    raise limits.LimitError(too_big)
                chunks.append(chunk)
    except limits.LimitError:
        raise
    except OSError as exc:
        reason = limits.clip(str(getattr(exc, "reason", exc)), 120)[1:-1]
        raise ValueError(f"{url}: download failed ({reason}); nothing was changed") from None
    return b"".join(chunks)


def _read_source(source_file: Path | str) -> bytes:
    origin = str(source_file)
    src = Path(source_file)
    if src.is_dir():
        raise ValueError(f"{origin}: is a directory, expected a genai-prices JSON file")
    if not src.exists():
        raise ValueError(f"{origin}: file not found")
    if not src.is_file():
        raise ValueError(f"{origin}: not a regular file, expected a genai-prices JSON file")
    try:
        limits.check_file_size(src, origin, limit=limits.DOWNLOAD_MB)
        with src.open("rb") as fh:
            raw = fh.read(limits.DOWNLOAD_MB.value() * 1024 * 1024 + 1)
    except OSError as exc:
        raise ValueError(f"{origin}: {exc.strerror or exc}") from None
    if len(raw) > limits.DOWNLOAD_MB.value() * 1024 * 1024:
        raise limits.LimitError(f"{origin}: over the {limits.DOWNLOAD_MB.value():,} MB limit "
                                f"({limits.DOWNLOAD_MB.how_to_raise()})")
    return raw


def prepare_refresh(url: str = DEFAULT_UPDATE_URL, *, source_file: Path | str | None = None,
                    timeout_s: float = 30.0) -> Candidate:
    """Download (or read ``source_file``), validate and compare with the data in use; replace nothing."""
    if source_file is not None:
        origin = str(source_file)
        raw = _read_source(source_file)
    else:
        origin = url
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"url: {limits.clip(url)} is not an http(s) URL")
        raw = _download(url, timeout_s)
    providers = _parse(raw, origin)
    _check_prices(providers, origin)
    # The table must build from it too, before anything is replaced.
    from explorer import prices

    prices._build_for_check(data_snapshot.DataSnapshot(providers, from_auto_update=False), origin)
    try:
        in_use = active_snapshot()
    except ValueError:  # the refreshed data in use is damaged: a refresh is the repair, compare with bundled
        in_use = _bundled()
    diff = compare(in_use.snapshot.providers, providers)
    return Candidate(raw, origin, hashlib.sha256(raw).hexdigest(), tuple(providers), diff)


def install(candidate: Candidate, *, force: bool = False, keep: int = KEEP_VERSIONS) -> RefreshResult:
    """Make ``candidate`` the data in use, keeping the data used before as a version.

    Raises:
        RefusedRefresh: it would lose a provider, many models or a shipped scenario's model, and not
            ``force``; nothing is changed.
    """
    blockers = candidate.diff.blockers()
    if blockers and not force:
        counts = candidate.diff.lines()[0]
        raise RefusedRefresh(
            f"{candidate.origin}: refusing to replace the prices in use: it {'; it '.join(blockers)} "
            f"({counts}; --dry-run lists them, --force installs it anyway); nothing was changed"
        )
    _migrate_legacy()
    state = _read_state()
    before = _active_data()
    meta = {"source": candidate.origin, "sha256": candidate.sha256,
            "fetched": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "genai_prices_version": GENAI_PRICES_VERSION}
    reused = any(v.sha256 == candidate.sha256 for v in _kept())
    vid = _store(candidate.raw, meta)
    _write_state(vid, [*state["history"], state["active"]])
    _prune(keep)
    openai = next(p for p in candidate.providers if p.id == "openai")
    return RefreshResult(_versions_dir() / vid / "data.json", len(candidate.providers),
                         sum(1 for m in openai.models if _has_input_price(m)), candidate.sha256,
                         before if before != _versions_dir() / vid / "data.json" else None,
                         vid, candidate.diff, reused)


def refresh_prices(url: str = DEFAULT_UPDATE_URL, *, source_file: Path | str | None = None,
                   timeout_s: float = 30.0, force: bool = False) -> RefreshResult:
    """Download (or read ``source_file``), validate, compare, then atomically make it the data in use."""
    return install(prepare_refresh(url, source_file=source_file, timeout_s=timeout_s), force=force)


def rollback(version: str | None = None) -> Path:
    """Make a kept version the data in use again: ``version`` (an id or a unique prefix of one, e.g. the
    date ``20261201``), or by default the one used before the current data. Returns its data file."""
    _migrate_legacy()
    kept = {v.id: v for v in versions()}
    state = _read_state()
    if version is None:
        earlier = [h for h in reversed(state["history"]) if h in kept or h == "bundled"]
        if not earlier:
            raise ValueError(f"{prices_dir()}: no previous price data to roll back to")
        target = earlier[0]
    else:
        matches = [vid for vid in kept if vid.startswith(version)] if version != "bundled" else ["bundled"]
        if len(matches) != 1:
            listing = ", ".join(kept) or "none"
            what = "no kept version" if not matches else f"{len(matches)} kept versions"
            raise ValueError(f"--rollback: {what} match {limits.clip(version, 40)}; kept: {listing}")
        target = matches[0]
    if target != "bundled":
        data = kept[target].path
        _parse(data.read_bytes(), str(data))
    _write_state(target, [*state["history"], state["active"]])
    return _versions_dir() / target / "data.json" if target != "bundled" else Path("bundled")


def use_bundled() -> Path | None:
    """Stop using refreshed data (every version is kept); the bundled snapshot is used again. Returns the
    data file that was in use, if any."""
    _migrate_legacy()
    state = _read_state()
    before = _active_data()
    if state["active"] != "bundled":
        _write_state("bundled", [*state["history"], state["active"]])
    return before






