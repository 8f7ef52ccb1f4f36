"""Shared fixtures. Sockets may only reach loopback (pytest-socket, configured in pyproject.toml)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from explorer import paths


@pytest.fixture(autouse=True)
def _user_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test's user state (scenarios, caches) out of the real home directory."""
    home = Path(os.environ.get("EXPLORER_TEST_HOME") or tmp_path_factory.mktemp("explorer-home"))
    monkeypatch.setenv("EXPLORER_HOME", str(home))
    return home


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write CSV text to a file in tmp_path and return its path."""

    def write(name: str, text: str) -> Path:
        p = tmp_path / name
        p.write_text(text.lstrip("\n"), encoding="utf-8")
        return p

    return write


@pytest.fixture(scope="session")
def history() -> pd.DataFrame:
    from explorer import price_history

    return price_history()


@pytest.fixture(scope="session")
def curated_csvs() -> dict[str, Path]:
    return {
        "launches_csv": paths.MODEL_LAUNCHES_CSV,
        "history_csv": paths.PRICE_HISTORY_CSV,
        "tiers_csv": paths.SERVICE_TIERS_CSV,
        "components_csv": paths.PRICE_COMPONENTS_CSV,
    }
