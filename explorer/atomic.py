"""Atomic writes: a file is either its old self or completely the new one, never half-written."""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_bytes", "write_text"]


def write_bytes(
    path: str | Path, data: bytes, *, validate: Callable[[Path], object] | None = None, mode: int | None = None
) -> Path:
    """Write to a temporary file in the same folder, flush it to disk, then rename it over ``path``.

    The rename is atomic on POSIX and Windows, so a crash or a full disk mid-write leaves the previous
    file untouched and at most a stray ``.<name>.*.tmp`` that this function removes on failure.
    ``validate(tmp_path)`` may read the new file back and raise: then nothing is replaced.

    Permissions: ``mode`` if given; else an existing file keeps its mode, and a new file gets what
    ``open()`` would give it (0666 less the umask), not mkstemp's private 0600, so a report meant to be
    shared is readable like any other file the user writes. A symlink at ``path`` is replaced, never
    followed, so it never lends its target's mode either.
    """
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"{target}: is a directory, expected a file path")
    if not target.parent.is_dir():
        raise ValueError(f"{target.parent}: directory does not exist")
    if mode is None:
        mode = _existing_mode(target)
    if mode is None:
        mode = 0o666 & ~current_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
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


def _existing_mode(target: Path) -> int | None:
    try:
        st = target.lstat()
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else None


_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux), else set and restored
    under a lock."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _umask_lock:
        old = os.umask(0o022)
        os.umask(old)
    return old


def write_text(path: str | Path, text: str, *, validate: Callable[[Path], object] | None = None) -> Path:
    """:func:`write_bytes` of UTF-8 text."""
    return write_bytes(path, text.encode("utf-8"), validate=validate)
