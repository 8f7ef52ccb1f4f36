"""Resource limits on what the explorer reads, stated once, each with the setting that raises it.

A small hostile file must fail fast with one line naming the limit, never take the machine down: a YAML
alias bomb, brackets nested 100,000 deep, a 1 MB Parquet file that declares 100 million rows, an endless
download. Every limit here can be raised for a legitimate big input through its environment variable;
the error message says which one.
"""

from __future__ import annotations

import errno
import json
import os
import reprlib
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DOWNLOAD_MB",
    "FILE_MB",
    "NESTING_DEPTH",
    "ROWS",
    "STREAM_ABOVE_MB",
    "STREAM_ABOVE_ROWS",
    "Limit",
    "LimitError",
    "check_depth",
    "check_file_size",
    "check_parquet",
    "check_rows",
    "clip",
    "clip_names",
    "loads_json",
    "read_regular_file",
    "terminal_safe",
]


class LimitError(ValueError):
    """An input over one of the stated limits; the message names the limit and how to raise it."""


@dataclass(frozen=True)
class Limit:
    """One limit: a default value and the environment variable that overrides it."""

    env: str
    """Environment variable holding a larger (or smaller) value."""
    default: int
    """Value used when the variable is unset."""
    unit: str
    """What the value counts, for messages (``MB``, ``rows``, ``levels``)."""

    def value(self) -> int:
        """The limit in force: the environment variable if it holds a positive whole number, else the default."""
        text = os.environ.get(self.env, "").strip().replace("_", "")
        if not text:
            return self.default
        try:
            value = int(text)
        except ValueError:
            raise LimitError(f"{self.env}: {clip(text)} is not a whole number of {self.unit}") from None
        if value < 1:
            raise LimitError(f"{self.env}: {value} must be at least 1")
        return value

    def how_to_raise(self) -> str:
        return f"set {self.env} to raise it"


FILE_MB = Limit("EXPLORER_MAX_FILE_MB", 512, "MB")
"""Largest input file read whole into memory (usage logs, scenarios, price data); bigger logs stream."""
ROWS = Limit("EXPLORER_MAX_ROWS", 10_000_000, "rows")
"""Most rows a usage table read whole may declare (Parquet metadata); 10M rows is about 1 GB of frame."""
STREAM_ABOVE_MB = Limit("EXPLORER_STREAM_ABOVE_MB", 4, "MB")
"""``explorer cost --usage`` streams a text file (CSV, JSON lines) bigger than this in chunks: about 100,000
rows, where ``explorer usage`` starts pricing in chunks too. Read whole, a million rows took 37 s and 2 GB
for a text table of a million lines; streamed, 1.1 s and 330 MB for the totals."""
STREAM_ABOVE_ROWS = Limit("EXPLORER_STREAM_ABOVE_ROWS", 100_000, "rows")
"""``explorer cost --usage`` streams a Parquet file declaring more rows than this in chunks."""
DOWNLOAD_MB = Limit("EXPLORER_MAX_DOWNLOAD_MB", 64, "MB")
"""Largest price-data download; genai-prices' file is well under 1 MB."""
NESTING_DEPTH = Limit("EXPLORER_MAX_NESTING", 64, "levels")
"""Deepest nesting of lists and mappings in a JSON or YAML file (a scenario needs 2, a usage page 4)."""

_MB = 1024 * 1024


def clip(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to about ``limit`` characters, so a huge or deeply nested value never floods a
    message (nor the memory building it)."""
    r = reprlib.Repr()
    r.maxstring = limit
    r.maxother = limit
    r.maxlist = r.maxtuple = r.maxdict = r.maxset = 6
    r.maxlevel = 3
    text = r.repr(value)
    return text if len(text) <= limit + 10 else text[: limit + 7] + "..."


def clip_names(names: Any, limit: int = 200) -> str:
    """Column or key names joined with ", " for a message: each name cut to 40 characters, at most 12 names
    and about ``limit`` characters in all (a header of a million columns, or one of a megabyte, stays short)."""
    import itertools

    picked = [str(n) for n in itertools.islice(names, 13)]
    parts = [n if len(n) <= 40 else n[:37] + "..." for n in picked[:12]]
    text = ", ".join(parts) + (", ..." if len(picked) > 12 else "")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_file_size(path: Path, origin: str, *, limit: Limit = FILE_MB) -> int:
    """The file's size in bytes; :class:`LimitError` if it is over ``limit`` (checked before reading)."""
    size = path.stat().st_size
    cap = limit.value()
    if size > cap * _MB:
        raise LimitError(
            f"{origin}: {size / _MB:,.0f} MB is over the {cap:,} MB limit for reading a file whole "
            f"({limit.how_to_raise()})"
        )
    return size


def read_regular_file(path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
    """A regular file's bytes with one ``open``, ``fstat`` and ``read`` (a third of ``Path.read_bytes``'s time on
    a small file).

    Anything but a regular file (a FIFO, a device such as ``/dev/zero``, a folder) raises ``OSError`` without
    blocking: the open is non-blocking, so a FIFO put in a file's place cannot hang the reader. Over
    ``max_bytes`` raises :class:`LimitError` before reading; never more than ``max_bytes`` is read even if the
    file grows meanwhile.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if max_bytes is not None and st.st_size > max_bytes:
            raise LimitError(f"{path}: {st.st_size:,} bytes, over the {max_bytes:,}-byte limit for this file")
        data = os.read(fd, st.st_size + 1)  # one byte more shows a file that grew since the fstat
        if len(data) <= st.st_size:
            return data
        chunks, size = [data], len(data)
        while chunk := os.read(fd, 1 << 24):
            chunks.append(chunk)
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                raise LimitError(f"{path}: grew over the {max_bytes:,}-byte limit for this file while being read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def check_parquet(path: Path, origin: str) -> int:
    """The rows a Parquet file declares in its footer, checked against :data:`ROWS` and its declared
    uncompressed size against :data:`FILE_MB`, before any data page is read: a 1 MB file of 100 million
    constant rows (or of one huge repeated string) decompresses to gigabytes."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    check_rows(int(meta.num_rows), origin)
    declared = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    cap = FILE_MB.value()
    if declared > cap * _MB:
        raise LimitError(
            f"{origin}: declares {declared / _MB:,.0f} MB of data uncompressed, over the {cap:,} MB limit for "
            f"reading a file whole ({FILE_MB.how_to_raise()})"
        )
    return int(meta.num_rows)


def check_rows(rows: int, origin: str, *, limit: Limit = ROWS) -> None:
    """:class:`LimitError` if a table declares more rows than ``limit`` (checked before reading them)."""
    cap = limit.value()
    if rows > cap:
        raise LimitError(
            f"{origin}: {rows:,} rows is over the {cap:,}-row limit for reading a table whole "
            f"({limit.how_to_raise()})"
        )


def check_depth(data: Any, origin: str, *, limit: Limit = NESTING_DEPTH) -> None:
    """:class:`LimitError` if lists and mappings in ``data`` nest deeper than ``limit`` (iterative: a deep
    value cannot exhaust the stack here)."""
    cap = limit.value()
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list | tuple):
            if depth > cap:
                raise _too_deep(origin, cap, limit)
            children = value.values() if isinstance(value, dict) else value
            stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list | tuple))


def _too_deep(origin: str, cap: int, limit: Limit) -> LimitError:
    return LimitError(f"{origin}: nested more than {cap} levels deep ({limit.how_to_raise()})")


def loads_json(text: str | bytes, origin: str, *, limit: Limit = NESTING_DEPTH,
               object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None) -> Any:
    """``json.loads`` with a nesting limit: a file of 100,000 brackets is one clear error, not a
    RecursionError. Other errors (``json.JSONDecodeError``) propagate for the caller to word."""
    cap = limit.value()
    try:
        data = json.loads(text, object_pairs_hook=object_pairs_hook)
    except RecursionError:
        # The C decoder gives up at the interpreter's recursion limit, unwinding cleanly.
        raise _too_deep(origin, cap, limit) from None
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    brackets = raw.count(b"[") + raw.count(b"{")
    if brackets > cap:  # fewer brackets than the limit cannot nest past it
        check_depth(data, origin, limit=limit)
    return data


_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\x1b", "\x07": "\\x07"}


def terminal_safe(text: str) -> str:
    """``text`` with control characters (ESC, BEL, newlines, C1 codes, bidi overrides) escaped, so a model
    name or file name cannot move the cursor, recolour, retitle or beep a terminal."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or ch == " " else _ESCAPES.get(ch) or _escape(ch) for ch in text
    )


def _escape(ch: str) -> str:
    code = ord(ch)
    if unicodedata.category(ch) in ("Zs",):  # a visible-width space (e.g. no-break space) is harmless
        return ch
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
