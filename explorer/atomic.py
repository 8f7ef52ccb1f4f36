"""Atomic writes: a file is either its old self or completely the new one, never half-written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_bytes", "write_text"]


def write_bytes(
    path: str | Path, data: bytes, *, validate: Callable[[Path], object] | None = None, mode: int | None = None
) -> Path:
    """Write to a temporary file in the same folder, flush it to disk, then rename it over ``path``.

    The rename is atomic on POSIX and Windows, so a crash or a full disk mid-write leaves the previous
    file untouched and at most a stray ``.<name>.*.tmp`` that this function removes on failure.
    ``validate(tmp_path)`` may read the new file back and raise: then nothing is replaced. ``mode`` sets
    the permissions (mkstemp creates 0600).
    """
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"{target}: is a directory, expected a file path")
    if not target.parent.is_dir():
        raise ValueError(f"{target.parent}: directory does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            fh.flush()
            os.fsync(fh.fileno())
        if validate is not None:
            validate(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_text(path: str | Path, text: str, *, validate: Callable[[Path], object] | None = None) -> Path:
    """:func:`write_bytes` of UTF-8 text."""
    return write_bytes(path, text.encode("utf-8"), validate=validate)
