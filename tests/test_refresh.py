"""The explicit price refresh: validate and compare before replacing, keep dated versions, roll back to any."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from explorer import atomic, load_prices, refresh
from explorer.cli import main


def _payload(gpt4o_input: float = 1.0, n_models: int = 25, *, extra: dict | None = None,
             drop: tuple[str, ...] = (), providers: tuple[str, ...] = ()) -> list[dict]:
    models = [{"id": "gpt-4o", "match": {"equals": "gpt-4o"}, "context_window": 128000,
               "prices": {"input_mtok": gpt4o_input, "output_mtok": 2.0}}]
    models += [{"id": "gpt-6-luna", "match": {"equals": "gpt-6-luna"}, "prices": {"input_mtok": 0.2, "output_mtok": 0.6}}]
    models += [{"id": f"test-model-{i}", "match": {"equals": f"test-model-{i}"}, "prices": {"input_mtok": 1, "output_mtok": 1}}
               for i in range(n_models - 2)]
    models = [m for m in models if m["id"] not in drop]
    if extra:
        models[-1]["prices"].update(extra)
    out = [{"id": "openai", "name": "OpenAI", "api_pattern": "https://api\\.openai\\.com", "models": models}]
    for pid in providers:
        out.append({"id": pid, "name": pid.title(), "api_pattern": f"https://{pid}\\.example",
                    "models": [{"id": f"{pid}-model", "match": {"equals": f"{pid}-model"},
                                "prices": {"input_mtok": 1, "output_mtok": 2}}]})
    return out


def _gpt4o_input() -> float:
    return float(load_prices("2026-11-27").query("model == 'gpt-4o'")["input_usd_per_mtok"].iloc[0])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server serving files from tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):  # keep test output quiet
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def baseline(tmp_path: Path) -> Path:
    """A small refreshed snapshot in use (installed with force: it drops every provider but OpenAI)."""
    f = tmp_path / "base.json"
    f.write_text(json.dumps(_payload(1.0)))
    refresh.refresh_prices(source_file=f, force=True)
    return f


def test_refresh_validates_then_replaces_and_keeps_previous(server, baseline: Path) -> None:
    url, root = server
    (root / "v2.json").write_text(json.dumps(_payload(3.0)))
    assert _gpt4o_input() == 1.0
    g = load_prices("2026-11-27").query("model == 'gpt-4o'").iloc[0]
    assert g["source"].startswith("genai-prices data refreshed")
    second = refresh.refresh_prices(f"{url}/v2.json")
    assert second.previous is not None and second.previous.exists() and second.openai_models == 25
    assert second.diff is not None and [r[0] for r in second.diff.repriced] == ["openai/gpt-4o"]
    assert _gpt4o_input() == 3.0
    refresh.rollback()
    assert _gpt4o_input() == 1.0
    refresh.use_bundled()
    assert _gpt4o_input() == 2.5
    assert len(refresh.versions()) == 2, "going back to the bundled data deletes nothing"


def test_a_snapshot_that_loses_providers_or_scenario_models_is_refused_unless_forced(tmp_path: Path, capsys) -> None:
    f = tmp_path / "openai-only.json"
    f.write_text(json.dumps(_payload(1.0)))
    assert main(["refresh-prices", "--file", str(f)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "refusing to replace the prices in use" in err
    assert "23 model(s) added, 2,328 removed, 2 repriced; --dry-run lists them" in err
    assert main(["refresh-prices", "--file", str(f), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "removed: anthropic/" in out and "a refresh would be refused: it drops provider(s) anthropic" in out
    assert "drops provider(s) anthropic" in err and "gpt-5.4-mini" in err and "used by the shipped scenarios" in err
    assert "--force" in err
    assert refresh.versions() == [] and _gpt4o_input() == 2.5, "nothing was changed"
    assert main(["refresh-prices", "--file", str(f), "--force"]) == 0
    assert _gpt4o_input() == 1.0


def test_losing_a_shipped_scenario_model_or_many_models_is_refused(baseline: Path, tmp_path: Path) -> None:
    f = tmp_path / "no-mini.json"
    f.write_text(json.dumps(_payload(1.0, drop=("gpt-6-luna",))))
    with pytest.raises(refresh.RefusedRefresh, match=r"drops gpt-6-luna used by the shipped scenarios"):
        refresh.refresh_prices(source_file=f)
    many = tmp_path / "fewer.json"
    refresh.refresh_prices(source_file=_write(tmp_path / "big.json", _payload(1.0, n_models=200)), force=True)
    many.write_text(json.dumps(_payload(1.0, n_models=100)))
    with pytest.raises(refresh.RefusedRefresh, match=r"drops 100 of 200 models \(50%\)"):
        refresh.refresh_prices(source_file=many)
    a_few = _write(tmp_path / "a-few.json", _payload(1.0, n_models=190))  # 10 fewer: news, not breakage
    assert refresh.refresh_prices(source_file=a_few).diff.removed[:1] == ("openai/test-model-188",)


def _write(path: Path, payload: list[dict]) -> Path:
    path.write_text(json.dumps(payload))
    return path


def test_dry_run_shows_the_difference_and_changes_nothing(baseline: Path, tmp_path: Path, capsys) -> None:
    f = _write(tmp_path / "new.json", _payload(2.0, n_models=26, providers=("acme",)))
    before = refresh.versions()
    assert main(["refresh-prices", "--file", str(f), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "2 model(s) added, 0 removed, 1 repriced" in out
    assert "added: acme/acme-model, openai/test-model-23" in out
    assert "repriced: openai/gpt-4o: $1 input, $2 output -> $2 input, $2 output" in out
    assert "dry run: nothing was changed" in out
    assert refresh.versions() == before and _gpt4o_input() == 1.0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"input_mtok": -5}, r"openai/test-model-22, input_mtok: negative price -5"),
        ({"output_mtok": 1e12}, r"output_mtok: \$1e\+12 per million tokens is over the plausible maximum of \$2,000"),
        ({"requests_kcount": 5000}, r"requests_kcount: \$5,000 per thousand is over the plausible maximum"),
        ({"input_mtok": {"base": 1, "tiers": [{"start": 200000, "price": -2}]}}, r"input_mtok: negative price -2"),
    ],
)
def test_implausible_prices_are_refused_even_with_force(baseline: Path, tmp_path: Path, extra: dict, message: str) -> None:
    f = _write(tmp_path / "bad.json", _payload(1.0, extra=extra))
    before = refresh.versions()
    with pytest.raises(ValueError, match=message):
        refresh.refresh_prices(source_file=f, force=True)
    assert refresh.versions() == before


def test_nan_price_is_refused(baseline: Path, tmp_path: Path) -> None:
    f = tmp_path / "nan.json"
    f.write_text(json.dumps(_payload(1.0)).replace('"output_mtok": 2.0', '"output_mtok": NaN'))
    with pytest.raises(ValueError, match=r"openai/gpt-4o, output_mtok: NaN is not a finite price|not genai-prices data"):
        refresh.refresh_prices(source_file=f, force=True)


def test_versions_are_dated_deduplicated_pruned_and_all_reachable(tmp_path: Path, capsys) -> None:
    files = [_write(tmp_path / f"v{i}.json", _payload(1.0 + i)) for i in range(7)]
    ids = [refresh.refresh_prices(source_file=f, force=True).version for f in files]
    kept = [v.id for v in refresh.versions()]
    assert len(kept) == refresh.KEEP_VERSIONS and set(kept) == set(ids[-5:]), "the five most recent are kept"
    assert all(len(v.split("-")[0]) == 16 and v.split("-")[0].endswith("Z") for v in kept)  # 20261202T063000Z
    # The same bytes again: no second copy, that version becomes active.
    again = refresh.refresh_prices(source_file=files[3])
    assert again.reused and again.version == ids[3] and len(refresh.versions()) == 5
    assert _gpt4o_input() == 4.0
    # Plain --rollback goes to the data used before (v6), then any kept version by id prefix.
    assert main(["refresh-prices", "--rollback"]) == 0
    assert _gpt4o_input() == 7.0
    assert main(["refresh-prices", "--rollback", ids[2]]) == 0
    assert _gpt4o_input() == 3.0
    assert main(["refresh-prices", "--versions"]) == 0
    listing = capsys.readouterr().out
    assert f"* {ids[2]}" in listing and all(i in listing for i in ids[2:]) and "  bundled" in listing
    assert main(["refresh-prices", "--rollback", "bundled"]) == 0 and _gpt4o_input() == 2.5
    assert main(["refresh-prices", "--rollback"]) == 0 and _gpt4o_input() == 3.0
    assert main(["refresh-prices", "--rollback", "1999"]) == 2
    assert "no kept version match '1999'" in capsys.readouterr().err


def test_bundled_keeps_every_version(baseline: Path) -> None:
    assert main(["refresh-prices", "--bundled"]) == 0
    assert main(["refresh-prices", "--bundled"]) == 0
    assert len(refresh.versions()) == 1 and _gpt4o_input() == 2.5
    assert main(["refresh-prices", "--rollback"]) == 0 and _gpt4o_input() == 1.0


def test_a_crash_while_storing_leaves_the_data_in_use_and_its_meta_together(
    baseline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = _write(tmp_path / "v2.json", _payload(5.0))
    real = atomic.write_text

    def crash(path, text, **kw):
        if Path(path).name == "meta.json" and "v2.json" in text:
            raise OSError("killed")
        return real(path, text, **kw)

    with monkeypatch.context() as m, pytest.raises(OSError, match="killed"):
        m.setattr(atomic, "write_text", crash)
        refresh.refresh_prices(source_file=f)
    assert _gpt4o_input() == 1.0 and len(refresh.versions()) == 1
    assert not list((refresh.prices_dir() / "versions").glob(".incoming-*"))
    # A kill -9 mid-store leaves a hidden folder that never becomes a version and is cleaned up next time.
    (refresh.prices_dir() / "versions" / ".incoming-x").mkdir()
    (refresh.prices_dir() / "versions" / ".incoming-x" / "data.json").write_text("partial")
    assert len(refresh.versions()) == 1
    refresh.refresh_prices(source_file=f)
    assert _gpt4o_input() == 5.0 and not list((refresh.prices_dir() / "versions").glob(".incoming-*"))
    for v in refresh.versions():
        meta = json.loads((v.path.parent / "meta.json").read_text())
        assert meta["sha256"] == v.sha256 and meta["source"].endswith(".json")


def test_wave_one_files_become_versions(tmp_path: Path) -> None:
    d = refresh.prices_dir()
    d.mkdir(parents=True)
    (d / "genai-prices-data.json").write_text(json.dumps(_payload(6.0)))
    (d / "genai-prices-data.meta.json").write_text(json.dumps({"source": "https://x", "fetched": "2026-11-01T00:00:00+00:00"}))
    (d / "genai-prices-data.previous.json").write_text(json.dumps(_payload(7.0)))
    assert _gpt4o_input() == 6.0
    kept = refresh.versions()
    assert len(kept) == 2 and sum(v.active for v in kept) == 1
    assert next(v.id for v in kept if v.active).startswith("20261101T000000Z")
    refresh.rollback()
    assert _gpt4o_input() == 7.0
    assert not (d / "genai-prices-data.json").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>not json</html>", "not JSON"),
        (json.dumps({"providers": []}).encode(), "expected a JSON list of providers"),
        (json.dumps([{"id": "openai"}]).encode(), "not genai-prices data"),
        (json.dumps(_payload(n_models=3)).encode(), "only 3 token-priced OpenAI models"),
        (b"[" * 100_000 + b"]" * 100_000, "nested more than 64 levels deep"),
    ],
)
def test_bad_downloads_change_nothing(server, baseline: Path, body: bytes, message: str) -> None:
    url, root = server
    before = refresh.versions()
    (root / "bad.json").write_bytes(body)
    with pytest.raises(ValueError, match=message):
        refresh.refresh_prices(f"{url}/bad.json", force=True)
    assert refresh.versions() == before and _gpt4o_input() == 1.0


def test_unreachable_url_is_one_clear_line(capsys) -> None:
    code = main(["refresh-prices", "--url", "http://127.0.0.1:9/data.json"])
    err = capsys.readouterr().err
    assert code == 2 and "download failed" in err and "nothing was changed" in err and err.count("\n") == 1


def test_cli_file_rollback_and_bundled(tmp_path: Path, capsys) -> None:
    f = tmp_path / "data.json"
    f.write_text(json.dumps(_payload(1.5)))
    assert main(["refresh-prices", "--file", str(f), "--force"]) == 0
    assert "25 token-priced OpenAI models" in capsys.readouterr().out
    assert main(["refresh-prices", "--bundled"]) == 0
    assert _gpt4o_input() == 2.5
    assert main(["refresh-prices", "--rollback"]) == 0 and _gpt4o_input() == 1.5
    assert main(["refresh-prices", "--rollback"]) == 0 and _gpt4o_input() == 2.5
    capsys.readouterr()


def test_nothing_to_roll_back_to(capsys) -> None:
    assert main(["refresh-prices", "--rollback"]) == 2
    assert "no previous price data" in capsys.readouterr().err


def test_corrupt_refreshed_data_says_so_and_a_refresh_repairs_it(baseline: Path, tmp_path: Path) -> None:
    active = next(v for v in refresh.versions() if v.active)
    active.path.write_text("{ truncated")
    with pytest.raises(ValueError, match=r"refreshed price data; run `explorer refresh-prices --rollback`.*not JSON"):
        load_prices()
    # Compared with the bundled data then (the damaged copy cannot be compared): force it back in.
    refresh.refresh_prices(source_file=_write(tmp_path / "fixed.json", _payload(8.0)), force=True)
    assert _gpt4o_input() == 8.0


# ------------------------------------------------------------------------------------------------ size limits

_CHILD = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
    from explorer.cli import main
    sys.exit(main(["refresh-prices", "--url", sys.argv[1]]))
    """
)


@pytest.mark.parametrize("declare", [False, True])
def test_an_endless_download_stops_at_the_cap_in_bounded_memory(tmp_path: Path, declare: bool) -> None:
    class Endless(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            if declare:
                self.send_header("Content-Length", str(10**12))
            self.end_headers()
            chunk = b" " * (1 << 16)
            try:
                while True:
                    self.wfile.write(chunk)
            except OSError:
                pass

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        env = {**os.environ, "EXPLORER_MAX_DOWNLOAD_MB": "8", "EXPLORER_HOME": str(tmp_path)}
        proc = subprocess.run([sys.executable, "-c", _CHILD, f"http://127.0.0.1:{httpd.server_address[1]}/data.json"],
                              capture_output=True, text=True, env=env, timeout=60)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert "download is over the 8 MB limit (set EXPLORER_MAX_DOWNLOAD_MB to raise it)" in proc.stderr


def test_a_file_over_the_cap_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORER_MAX_DOWNLOAD_MB", "1")
    f = tmp_path / "big.json"
    with f.open("wb") as fh:
        fh.truncate(2 << 20)
    with pytest.raises(ValueError, match=r"big.json: 2 MB is over the 1 MB limit .*EXPLORER_MAX_DOWNLOAD_MB"):
        refresh.refresh_prices(source_file=f)
