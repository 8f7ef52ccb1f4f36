"""State users save (overrides, scenarios, reports, refreshed prices) is written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from explorer import atomic, prices
from explorer.widgets import Dashboard


def test_interrupted_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "state.csv"
    f.write_text("old\n")

    def boom(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_text(f, "new\n")
    assert f.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["state.csv"]  # no stray temporary file


def test_validation_failure_replaces_nothing(tmp_path: Path) -> None:
    f = tmp_path / "ov.csv"
    f.write_text("model,input_usd_per_mtok\ngpt-4o,1\n")
    with pytest.raises(ValueError, match="negative price"):
        atomic.write_text(f, "model,input_usd_per_mtok\ngpt-4o,-1\n", validate=prices.load_overrides)
    assert f.read_text() == "model,input_usd_per_mtok\ngpt-4o,1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ov.csv"]


def test_dashboard_overrides_round_trip(tmp_path: Path) -> None:
    dash = Dashboard(as_of="2026-11-27", models=["gpt-4o", "gpt-4o-mini"])
    with pytest.raises(ValueError, match="nothing to save"):
        dash.save_overrides(tmp_path / "ov.csv")
    dash.set_override("gpt-4o", input_usd_per_mtok=2.0, output_usd_per_mtok=8.0, note="negotiated")
    cost = dash.results.ranked.set_index("model").loc["gpt-4o", "monthly_usd"]
    saved = dash.save_overrides(tmp_path / "ov.csv")
    again = Dashboard(as_of="2026-11-27", models=["gpt-4o", "gpt-4o-mini"])
    assert again.results.ranked.set_index("model").loc["gpt-4o", "monthly_usd"] != cost
    again.load_overrides(saved)
    ranked = again.results.ranked.set_index("model")
    assert ranked.loc["gpt-4o", "monthly_usd"] == pytest.approx(cost)
    assert bool(ranked.loc["gpt-4o", "is_override"])


def test_dashboard_buttons_show_errors_instead_of_raising(tmp_path: Path) -> None:
    dash = Dashboard(as_of="2026-11-27", models=["gpt-4o"])
    dash.ov_save.click()
    assert "nothing to save" in dash.ov_message.value
    bad = tmp_path / "overrides.csv"
    bad.write_text("model,input_usd_per_mtok\ngpt-4o,-3\n")
    dash.ov_load.click()  # default path: no file in this test's EXPLORER_HOME
    assert "file not found" in dash.ov_message.value
    with pytest.raises(ValueError, match=r"line 2, column 'input_usd_per_mtok': negative price -3"):
        dash.load_overrides(bad)


def test_corrupt_saved_overrides_say_so(tmp_path: Path) -> None:
    f = tmp_path / "overrides.csv"
    f.write_bytes(b"model,input_usd_per_mtok\ngpt-4o,\x00\xff\xfe")
    with pytest.raises(ValueError, match=r"overrides\.csv"):
        prices.load_overrides(f)


def test_mode_is_applied(tmp_path: Path) -> None:
    f = atomic.write_bytes(tmp_path / "v.tiktoken", b"x", mode=0o640)
    assert f.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_files_get_what_open_would_give_them(tmp_path: Path, umask: int) -> None:
    """Not mkstemp's 0600: a report meant to be shared is as readable as any file the user writes."""
    old = os.umask(umask)
    try:
        assert atomic.current_umask() == umask
        written = atomic.write_text(tmp_path / "report.html", "<p>hi</p>")
        with open(tmp_path / "plain.html", "w") as fh:  # what a normal write gives, under the same umask
            fh.write("<p>hi</p>")
    finally:
        os.umask(old)
    assert written.stat().st_mode & 0o777 == (tmp_path / "plain.html").stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o664, 0o444])
def test_an_existing_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    f = tmp_path / "scenario.yaml"
    f.write_text("old\n")
    f.chmod(mode)
    atomic.write_text(f, "new\n")
    assert f.read_text() == "new\n" and f.stat().st_mode & 0o777 == mode


def test_a_symlink_is_replaced_and_its_target_neither_written_nor_lending_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep\n")
    target.chmod(0o600)
    link = tmp_path / "out.txt"
    link.symlink_to(target)
    old = os.umask(0o022)
    try:
        atomic.write_text(link, "new\n")
    finally:
        os.umask(old)
    assert not link.is_symlink() and link.read_text() == "new\n" and link.stat().st_mode & 0o777 == 0o644
    assert target.read_text() == "keep\n"
