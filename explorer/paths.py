"""Every path the package reads or writes, named once."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DATA_DIR = REPO_DIR / "data"
NOTEBOOKS_DIR = REPO_DIR / "notebooks"

MODEL_LAUNCHES_CSV = DATA_DIR / "model_launches.csv"
PRICE_HISTORY_CSV = DATA_DIR / "price_history.csv"
SERVICE_TIERS_CSV = DATA_DIR / "service_tiers.csv"
PRICE_COMPONENTS_CSV = DATA_DIR / "price_components.csv"
"""When a price component (a per-call tool fee) began or ended: before it, the component has no price."""
IMAGE_PRICES_CSV = DATA_DIR / "image_prices.csv"
SEED_SNAPSHOT_CSV = DATA_DIR / "seed_2025-05-16.csv"


def user_dir() -> Path:
    """Where the user's own state (scenarios, overrides, refreshed prices) lives.

    ``EXPLORER_HOME`` wins so tests and shared machines can point it elsewhere.
    """
    env = os.environ.get("EXPLORER_HOME")
    return Path(env) if env else Path.home() / ".explorer"


def vocab_cache_dir() -> Path:
    """Cache directory the package controls for tiktoken vocabularies."""
    return user_dir() / "tiktoken-cache"


SCENARIOS_DIR = DATA_DIR / "scenarios"
"""Example scenarios shipped with the package (read-only; users save under ``user_scenarios_dir()``)."""


def user_scenarios_dir() -> Path:
    """Where the user's saved scenarios live."""
    return user_dir() / "scenarios"
