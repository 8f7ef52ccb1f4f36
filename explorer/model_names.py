"""What the price table's resolver makes of model names, kept on disk for processes that need nothing else of it.

Counting tokens for ``claude-sonnet-4-5`` or ``gpt-4o-2024-08-06`` needs one thing from the price table: the
``(provider, model)`` the name resolves to, which picks the tokenizer. Importing pandas and genai-prices to
answer it made such a count's cold start 3x tiktoken's. So the first process that does resolve a name with
the full resolver writes every exact id and alias with its answer to ``<EXPLORER_HOME>/cache/model-names.json``,
keyed by :func:`explorer.table_cache.source_key` (the same inputs as the price table: a refresh or a new
package version makes the file stale, and it is rewritten); later processes read it with the standard
library. Names the resolver matched otherwise (a provider prefix, a pattern) are added as they are met.

A file that is missing, stale, damaged or not a regular file is ignored: the full resolver answers and the
file is written again. Unknown names are never stored, so their errors (with the closest known names) always
come from the resolver itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from explorer import atomic, limits, paths, table_cache

__all__ = ["FORMAT", "MAX_EXTRA", "cache_path", "lookup", "remember"]

FORMAT = 1
"""Bumped whenever the file's layout changes."""
MAX_EXTRA = 2_000
"""Most names kept beyond the price table's ids and aliases (each one a name someone resolved)."""
_MAX_BYTES = 8 * 1024 * 1024  # the bundled data's names take about 70 KB

Pair = tuple[str, str]
_LOADED: dict[tuple[object, ...], tuple[dict[str, Pair], dict[str, Pair]]] = {}


def cache_path() -> Path:
    """Where the names live, next to the price table cache."""
    return paths.cache_dir() / "model-names.json"


def _key(name: str) -> str:
    return name.strip().lower()  # what prices.resolve_model keys its answer on


def _read(path: Path, key: str) -> tuple[dict[str, Pair], dict[str, Pair]] | None:
    """(names, extra) from the file if it is sound and built from the current sources, else None."""
    try:
        raw = limits.read_regular_file(path, _MAX_BYTES)
        doc = json.loads(raw)
    except (OSError, ValueError, limits.LimitError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("key") != key:
        return None
    out: list[dict[str, Pair]] = []
    for part in ("names", "extra"):
        table = doc.get(part)
        if not isinstance(table, dict):
            return None
        pairs: dict[str, Pair] = {}
        for name, pair in table.items():
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
                return None
            pairs[name] = (pair[0], pair[1])
        out.append(pairs)
    return out[0], out[1]


def _current() -> tuple[Path, str, tuple[dict[str, Pair], dict[str, Pair]] | None]:
    """(path, source key, (names, extra) or None), the file read once per process while it is unchanged."""
    path = cache_path()
    key = table_cache.source_key()
    try:
        st = path.stat()
    except OSError:
        return path, key, None
    seen = (str(path), st.st_mtime_ns, st.st_size, key)
    if seen not in _LOADED:
        found = _read(path, key)
        if found is None:
            return path, key, None
        _LOADED.clear()
        _LOADED[seen] = found
    return path, key, _LOADED[seen]


def lookup(name: str) -> Pair | None:
    """``(provider, model)`` as :func:`explorer.prices.resolve_model` answers ``name``, from the file; None when
    the file does not know the name (or is missing or stale): ask the resolver."""
    if not isinstance(name, str):
        return None
    _, _, found = _current()
    if found is None:
        return None
    names, extra = found
    k = _key(name)
    return names.get(k) or extra.get(k)


def remember(name: str, pair: Pair, all_names: Callable[[], Mapping[str, Pair]]) -> None:
    """Record that the resolver answered ``pair`` for ``name``; ``all_names`` gives every id and alias with its
    answer (:func:`explorer.prices.resolved_names`), called only when the file must be written afresh.

    Best effort: a cache that cannot be written only means the next process resolves with the full resolver.
    """
    path, key, found = _current()
    k = _key(name)
    if found is not None:
        names, extra = found
        if names.get(k) == pair or extra.get(k) == pair:
            return
        if len(extra) >= MAX_EXTRA:
            return
        names, extra = dict(names), {**extra, k: pair}
    else:
        names, extra = dict(all_names()), {}
        if names.get(k) != pair:
            extra[k] = pair
    doc = {"format": FORMAT, "key": key, "names": names, "extra": extra}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(path, json.dumps(doc, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    except (OSError, ValueError):
        pass
