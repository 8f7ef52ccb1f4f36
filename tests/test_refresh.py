"""The explicit price refresh: validate before replacing, keep the previous copy, roll back."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from explorer import load_prices, refresh
from explorer.cli import main


def _payload(gpt4o_input: float = 1.0, n_models: int = 25) -> list[dict]:
    models = [{"id": "gpt-4o", "match": {"equals": "gpt-4o"}, "context_window": 128000,
               "prices": {"input_mtok": gpt4o_input, "output_mtok": 2.0}}]
    models += [{"id": f"test-model-{i}", "match": {"equals": f"test-model-{i}"}, "prices": {"input_mtok": 1, "output_mtok": 1}}
               for i in range(n_models - 1)]
    return [{"id": "openai", "name": "OpenAI", "api_pattern": "https://api\\.openai\\.com", "models": models}]


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


def test_refresh_validates_then_replaces_and_keeps_previous(server) -> None:
    url, root = server
    (root / "v1.json").write_text(json.dumps(_payload(1.0)))
    (root / "v2.json").write_text(json.dumps(_payload(3.0)))
    assert load_prices("2026-11-27").query("model == 'gpt-4o'")["input_usd_per_mtok"].iloc[0] == 2.5
    first = refresh.refresh_prices(f"{url}/v1.json")
    assert first.previous is None and first.openai_models == 25
    g = load_prices("2026-11-27").query("model == 'gpt-4o'").iloc[0]
    assert g["input_usd_per_mtok"] == 1.0 and g["source"].startswith("genai-prices data refreshed")
    second = refresh.refresh_prices(f"{url}/v2.json")
    assert second.previous is not None and second.previous.exists()
    assert load_prices("2026-11-27").query("model == 'gpt-4o'")["input_usd_per_mtok"].iloc[0] == 3.0
    refresh.rollback()
    assert load_prices("2026-11-27").query("model == 'gpt-4o'")["input_usd_per_mtok"].iloc[0] == 1.0
    refresh.use_bundled()
    assert load_prices("2026-11-27").query("model == 'gpt-4o'")["input_usd_per_mtok"].iloc[0] == 2.5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>not json</html>", "not JSON"),
        (json.dumps({"providers": []}).encode(), "expected a JSON list of providers"),
        (json.dumps([{"id": "openai"}]).encode(), "not genai-prices data"),
        (json.dumps(_payload(n_models=3)).encode(), "only 3 token-priced OpenAI models"),
    ],
)
def test_bad_downloads_change_nothing(server, body: bytes, message: str) -> None:
    url, root = server
    (root / "good.json").write_text(json.dumps(_payload(1.0)))
    refresh.refresh_prices(f"{url}/good.json")
    current = refresh._current()
    before = current.read_bytes()
    (root / "bad.json").write_bytes(body)
    with pytest.raises(ValueError, match=message):
        refresh.refresh_prices(f"{url}/bad.json")
    assert current.read_bytes() == before


def test_unreachable_url_is_one_clear_line(capsys) -> None:
    code = main(["refresh-prices", "--url", "http://127.0.0.1:9/data.json"])
    err = capsys.readouterr().err
    assert code == 2 and "download failed" in err and "nothing was changed" in err and err.count("\n") == 1


def test_cli_file_rollback_and_bundled(tmp_path: Path, capsys) -> None:
    f = tmp_path / "data.json"
    f.write_text(json.dumps(_payload(1.5)))
    assert main(["refresh-prices", "--file", str(f)]) == 0
    assert "25 token-priced OpenAI models" in capsys.readouterr().out
    assert main(["refresh-prices", "--rollback"]) == 2  # nothing to roll back to yet
    assert "no previous price data" in capsys.readouterr().err
    assert main(["refresh-prices", "--bundled"]) == 0
    assert load_prices("2026-11-27").query("model == 'gpt-4o'")["input_usd_per_mtok"].iloc[0] == 2.5


def test_corrupt_refreshed_data_says_so(tmp_path: Path) -> None:
    refresh.prices_dir().mkdir(parents=True)
    refresh._current().write_text("{ truncated")
    with pytest.raises(ValueError, match=r"refreshed price data; run `explorer refresh-prices --rollback`.*not JSON"):
        load_prices()
