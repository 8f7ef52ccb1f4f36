"""The vocabulary cache reads only a regular file of the expected size: a FIFO, ``/dev/zero``, a symlink
or a file of the wrong size in its place is rebuilt from the bundled copy, never read (each case in a
child process under a memory and a time limit, so a regression fails instead of hanging or swapping)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from explorer import vocab

# The child: cap address space at 1.5 GB, then count tokens; the cache file's state is set up by the test.
_CHILD = textwrap.dedent(
    """
    import resource, sys, warnings
    resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
    from explorer import vocab
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        enc = vocab.get_encoding("cl100k_base")
    assert enc.encode_ordinary("hello world") == [15339, 1917]
    print(" | ".join(str(w.message) for w in caught))
    """
)


def _cache_file(home: Path) -> Path:
    path = home / "tiktoken-cache" / vocab.SPECS["cl100k_base"].cache_file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _run(home: Path) -> str:
    env = {**os.environ, "EXPLORER_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _check_rebuilt(path: Path) -> None:
    assert path.is_file() and not path.is_symlink()
    assert path.stat().st_size == vocab.SPECS["cl100k_base"].size_bytes


def test_a_fifo_in_place_of_the_cache_does_not_hang(tmp_path: Path) -> None:
    path = _cache_file(tmp_path)
    os.mkfifo(path)
    assert "is not a regular file; rebuilding it" in _run(tmp_path)
    _check_rebuilt(path)


def test_dev_zero_in_place_of_the_cache_does_not_fill_memory(tmp_path: Path) -> None:
    path = _cache_file(tmp_path)
    path.symlink_to("/dev/zero")
    assert "cannot be opened safely" in _run(tmp_path)
    _check_rebuilt(path)


def test_a_symlink_to_a_good_copy_is_not_followed(tmp_path: Path) -> None:
    path = _cache_file(tmp_path)
    good = tmp_path / "good.tiktoken"
    good.write_bytes(vocab.vocab_bytes("cl100k_base"))
    path.symlink_to(good)
    assert "cannot be opened safely" in _run(tmp_path)
    _check_rebuilt(path)


@pytest.mark.parametrize("size", [0, 17, 1_681_125, 1_681_127, 50_000_000])
def test_a_cache_file_of_the_wrong_size_is_not_read(tmp_path: Path, size: int) -> None:
    path = _cache_file(tmp_path)
    with path.open("wb") as fh:
        fh.truncate(size)  # sparse: the 50 MB case costs no disk
    assert f"is {size:,} bytes, expected 1,681,126" in _run(tmp_path)
    _check_rebuilt(path)


def test_a_directory_in_place_of_the_cache_still_counts(tmp_path: Path) -> None:
    path = _cache_file(tmp_path)
    path.mkdir()
    out = _run(tmp_path)
    assert "is not a regular file" in out and "could not write vocabulary cache" in out
    assert path.is_dir()


def test_the_expected_sizes_match_the_bundled_vocabularies() -> None:
    for name, spec in vocab.SPECS.items():
        assert len(vocab._read_bundle(spec)) == spec.size_bytes, name
