"""Fast start: lazy imports, the cached price table (keyed, validated, rebuilt when stale or damaged) and the
standard-library fast path for `explorer cost`, which must price exactly as the engine does."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pandas as pd
import pytest

import explorer
from explorer import cli, costs, paths, prices, quick, refresh, table_cache

AS_OF = "2026-11-27"


def _modules_after(args: list[str]) -> set[str]:
    """The modules a fresh interpreter has imported after running `explorer ARGS`."""
    code = ("import json, sys; from explorer.cli import main; rc = main(sys.argv[1:]); "
            "print(json.dumps(sorted(sys.modules)), file=sys.stderr); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-1000:]
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def _fresh_table() -> pd.DataFrame:
    prices._history_table.cache_clear()
    return prices.price_history()


def test_explorer_cost_imports_neither_pandas_nor_genai_prices() -> None:
    args = ["cost", "--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500", "--as-of", AS_OF]
    _modules_after(args)  # the first run builds the cache
    loaded = _modules_after(args)
    heavy = {"pandas", "numpy", "pyarrow", "genai_prices", "altair", "ipywidgets", "explorer.costs", "explorer.prices",
             "importlib.metadata"}  # --version reads the metadata only when asked
    assert not loaded & heavy


@pytest.mark.parametrize("args", [
    ["prices", "--provider", "openai", "--as-of", AS_OF],
    ["compare", "--input-tokens", "1000", "--output-tokens", "100", "--as-of", AS_OF, "--limit", "3"],
])
def test_prices_and_compare_leave_charts_widgets_and_other_commands_alone(args: list[str]) -> None:
    loaded = _modules_after(args)
    assert not loaded & {"altair", "ipywidgets", "explorer.usage", "explorer.tokens", "explorer.serve",
                         "explorer.cli_usage", "explorer.cli_tokens", "explorer.report"}


def test_a_plugin_command_imports_only_its_own_module() -> None:
    loaded = _modules_after(["tokens", "--encoding", "o200k_base", "one two three"])
    assert "explorer.cli_tokens" in loaded
    assert not loaded & {"explorer.cli_usage", "explorer.usage", "explorer.serve", "explorer.cli_report", "altair"}


def test_every_plugin_registers_the_command_it_is_listed_for() -> None:
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == {*cli.BUILTIN_COMMANDS, *cli.PLUGINS}
    for module in cli.PLUGIN_MODULES:
        parser = argparse_subparsers()
        importlib.import_module(module).register(parser)
        assert set(parser.choices) == {name for name, m in cli.PLUGINS.items() if m == module}, module


def argparse_subparsers():  # type: ignore[no-untyped-def]
    import argparse

    return argparse.ArgumentParser().add_subparsers()


def test_importing_the_package_is_light_and_its_names_resolve() -> None:
    code = "import sys, explorer, explorer.cli; print('pandas' in sys.modules, 'genai_prices' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    assert sorted(explorer.__all__) == sorted(explorer._EXPORTS)
    for name in explorer.__all__:
        assert getattr(explorer, name) is getattr(importlib.import_module(explorer._EXPORTS[name]), name)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        explorer.nope  # noqa: B018


# ------------------------------------------------------------------------------------------------ the cache


def test_the_cache_is_written_once_and_read_back_identical() -> None:
    built = _fresh_table()
    path = table_cache.cache_path()
    raw = path.read_bytes()
    assert raw.startswith(table_cache.MAGIC)  # our format, not pickle
    payload = raw[len(table_cache.MAGIC) + table_cache._HEADER.size:]
    assert set(json.loads(zlib.decompress(payload))) == {"columns", "resolved", "checked"}
    again = _fresh_table()
    assert path.read_bytes() == raw  # read, not rebuilt
    pd.testing.assert_frame_equal(built, again)


def test_a_cache_built_from_other_sources_is_rebuilt_silently(monkeypatch: pytest.MonkeyPatch,
                                                               recwarn: pytest.WarningsRecorder) -> None:
    _fresh_table()
    old = table_cache.read()
    assert old is not None
    table_cache.write(table_cache.CachedTable("0" * 64, old.columns, old.resolved, old.checked))
    assert table_cache.read() is None
    _fresh_table()
    assert table_cache.read() is not None
    assert not [w for w in recwarn if issubclass(w.category, table_cache.PriceCacheWarning)]


def test_the_key_follows_every_input(tmp_path: Path) -> None:
    key = table_cache.source_key()
    edited = tmp_path / "price_history.csv"
    edited.write_bytes(paths.PRICE_HISTORY_CSV.read_bytes() + b"\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "PRICE_HISTORY_CSV", edited)
        assert table_cache.source_key() != key
    assert table_cache.source_key() == key
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(table_cache, "__version__", "999")
        assert table_cache.source_key() != key
    # Refreshed genai-prices data replaces the bundled snapshot, so it keys the table instead.
    assert table_cache.refreshed_data_file() == refresh._current()
    refreshed = table_cache.refreshed_data_file()
    refreshed.parent.mkdir(parents=True, exist_ok=True)
    refreshed.write_text("[]")
    assert table_cache.source_key() != key


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage"])
def test_a_damaged_cache_is_rebuilt_with_a_warning(damage: str) -> None:
    expected = _fresh_table()
    path = table_cache.cache_path()
    raw = bytearray(path.read_bytes())
    if damage == "flip":
        raw[-10] ^= 0xFF
    elif damage == "truncate":
        raw = raw[: len(raw) // 2]
    else:
        raw = bytearray(b"not a cache at all")
    path.write_bytes(bytes(raw))
    with pytest.warns(table_cache.PriceCacheWarning, match="rebuilding it"):
        table = _fresh_table()
    pd.testing.assert_frame_equal(table, expected)
    assert table_cache.read() is not None  # replaced by a sound file


def test_cli_reports_a_damaged_cache_in_one_line_and_still_answers() -> None:
    args = [sys.executable, "-m", "explorer", "cost", "--model", "gpt-4o", "--input-tokens", "1000",
            "--output-tokens", "500", "--as-of", AS_OF]
    subprocess.run(args, check=True, capture_output=True)
    table_cache.cache_path().write_bytes(b"\x00" * 100)
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0 and "$0.0075" in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: price table cache ") and "rebuilding it" in lines[0]


def test_an_unwritable_cache_folder_is_a_warning_not_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(paths, "cache_dir", lambda: blocker / "cache")  # a folder under a file: cannot exist
    with pytest.warns(table_cache.PriceCacheWarning, match="not written"):
        table = _fresh_table()
    assert len(table) > 1000


# ------------------------------------------------------------------------------------------------ fast path

CASES = [
    dict(input_tokens=1000, output_tokens=500),
    dict(input_tokens=300_000, output_tokens=2_000, cached_input_tokens=120_000, reasoning_tokens=1_500),
    dict(input_tokens=7, output_tokens=0, web_search_calls=3, file_search_calls=2),
]


@pytest.mark.parametrize("case, as_of, tier", [
    (CASES[0], AS_OF, "standard"),
    (CASES[0], "2024-06-01", "standard"),
    (CASES[0], AS_OF, "batch"),
    (CASES[1], AS_OF, "standard"),
    (CASES[1], AS_OF, "flex"),
    (CASES[2], AS_OF, "standard"),
])
def test_fast_path_prices_every_model_exactly_as_the_engine(case: dict[str, int], as_of: str, tier: str) -> None:
    _fresh_table()
    cached = table_cache.read()
    assert cached is not None
    quotes = {name: quick.cost(name, service_tier=tier, as_of=as_of, **case) for name in cached.resolved}
    answered = {name: q for name, q in quotes.items() if q is not None}
    # Models without a price for this tier, day or kind of token are the engine's to explain.
    assert len(answered) >= (len(quotes) // 2 if case is CASES[0] and tier == "standard" else 10)
    rows = [{"model": name, "service_tier": tier, **{"cached_input_tokens": 0, "reasoning_tokens": 0}, **case}
            for name in answered]
    priced = costs.price_usage(pd.DataFrame(rows), as_of=as_of)
    for (name, q), (_, row) in zip(answered.items(), priced.iterrows(), strict=True):
        assert (q.resolved_provider, q.resolved_model) == (row["resolved_provider"], row["resolved_model"]), name
        assert [q.components_usd[c] for c in costs.COMPONENTS] == [row[c] for c in costs.COMPONENTS], name
        assert q.total_usd == row["total_usd"] and q.price_source == row["price_source"], name


@pytest.mark.parametrize("args", [
    ["--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500"],
    ["--model", "GPT-4o-2024-11-20", "--input-tokens", "10", "--output-tokens", "5", "--format", "json"],
    ["--model", "gpt-5.4", "--input-tokens", "300000", "--output-tokens", "2000", "--cached-tokens", "1000"],
    ["--model", "claude-sonnet-4-5", "--input-tokens", "1000", "--output-tokens", "5", "--service-tier", "batch"],
])
def test_cli_cost_says_the_same_with_and_without_the_fast_path(args: list[str], capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["cost", *args, "--as-of", AS_OF]
    _fresh_table()
    assert cli.main(argv) == 0
    fast = capsys.readouterr()
    monkeypatch.setattr(quick, "cost", lambda *a, **k: None)
    assert cli.main(argv) == 0
    assert capsys.readouterr() == fast


@pytest.mark.parametrize("name, as_of, verified, status", [
    ("gpt-3.5-turbo-0125", "2025-06-01", "2026-11-27", "active"),  # a curated row somebody verified
    ("o4-mini", "2026-06-01", None, "deprecated"),  # shutdown announced, still served
    ("gpt-4o", "2024-06-01", None, "active"),
])
def test_fast_path_carries_the_price_rows_provenance_as_the_engine(name: str, as_of: str, verified: str | None,
                                                                    status: str) -> None:
    _fresh_table()
    q = quick.cost(name, 1000, 500, as_of=as_of)
    assert q is not None
    engine = cli._provenance(costs.cost_of(name, 1000, 500, as_of=as_of), argparse.Namespace(as_of=as_of,
                                                                                              overrides=None))
    assert q.provenance() == engine
    assert (engine["verified_on"], engine["lifecycle_status"]) == (verified, status)


def test_a_shut_down_model_is_never_priced_by_the_fast_path(capsys: pytest.CaptureFixture[str]) -> None:
    _fresh_table()
    assert quick.cost("davinci", 1000, 100, as_of="2023-06-01") is not None  # on sale then
    assert quick.cost("davinci", 1000, 100, as_of=AS_OF) is None
    assert cli.main(["cost", "--model", "davinci", "--input-tokens", "1000", "--output-tokens", "100",
                     "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: davinci was shut down on 2024-01-04; its last price was $20 / $20 per 1M"), err


@pytest.mark.parametrize("name, kwargs", [
    ("gpt-4o", {"as_of": "2019-01-01"}),  # before any price: the engine's error
    ("gpt-4o", {"as_of": "2025/01/01"}),  # a date spelling only pandas reads
    ("gpt-4o", {"cached_input_tokens": 2000}),  # more cached than input: the engine's error
    ("openai/gpt-4o", {}),  # provider prefix: the resolver decides
    ("gpt4o", {}),  # not an exact id or alias: the engine suggests names
])
def test_fast_path_leaves_anything_unusual_to_the_engine(name: str, kwargs: dict[str, object]) -> None:
    _fresh_table()
    assert quick.cost(name, 1000, 500, **kwargs) is None  # type: ignore[arg-type]


def test_fast_path_warns_about_stale_prices_like_the_engine() -> None:
    _fresh_table()
    q = quick.cost("gpt-4o", 1000, 500)
    assert q is not None and q.stale_warning == prices.freshness_warning()
