"""Every path the package reads or writes, named once.

Bundled files (price CSVs, example scenarios, sample logs, notebooks, the Voila template) are package
resources: an installed wheel carries them inside the package (``explorer/data``, ``explorer/notebooks``,
``explorer/jupyter``) and they are found with :mod:`importlib.resources`. A clone (or an editable install
of it) keeps them at the repository's top level, where the build takes them from.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
"""The clone's root. In an installed wheel it is ``site-packages``: nothing bundled is looked up there."""


def bundled_dir(name: str) -> Path:
    """The bundled folder ``name`` (``data``, ``notebooks``, ``jupyter``): inside the installed package if the
    wheel put it there, else the clone's top-level folder of that name."""
    inside = resources.files(__package__ or "explorer").joinpath(name)
    # Notebooks, Voila and papermill need real files: a wheel is unpacked on disk, so this is a Path.
    if isinstance(inside, Path) and inside.is_dir():
        return inside
    return REPO_DIR / name


DATA_DIR = bundled_dir("data")
NOTEBOOKS_DIR = bundled_dir("notebooks")
JUPYTER_DIR = bundled_dir("jupyter")
"""Jupyter data folder with our Voila template (``voila/templates/explorer``), put first on ``JUPYTER_PATH``."""
TEMPLATES_DIR = PACKAGE_DIR / "templates"
"""The report notebook and its nbconvert template (always inside the package)."""
SAMPLES_DIR = DATA_DIR / "samples"

MODEL_LAUNCHES_CSV = DATA_DIR / "model_launches.csv"
PRICE_HISTORY_CSV = DATA_DIR / "price_history.csv"
SERVICE_TIERS_CSV = DATA_DIR / "service_tiers.csv"
PRICE_COMPONENTS_CSV = DATA_DIR / "price_components.csv"
"""When a price component (a per-call tool fee) began or ended: before it, the component has no price."""
IMAGE_PRICES_CSV = DATA_DIR / "image_prices.csv"
SEED_SNAPSHOT_CSV = DATA_DIR / "seed_2025-05-16.csv"
REFERENCE_CORPUS_DIR = DATA_DIR / "reference_corpus"
"""Small licensed texts (prose, Japanese, Chinese, code, JSON, chat) that tokenizers are measured on."""
TOKEN_CALIBRATION_CSV = DATA_DIR / "token_calibration.csv"
"""Tokens per 1,000 characters of each reference-corpus kind, per tokenizer (scripts/calibrate_tokens.py)."""


def user_dir() -> Path:
    """Where the user's own state (scenarios, overrides, refreshed prices) lives.

    ``EXPLORER_HOME`` wins so tests and shared machines can point it elsewhere.
    """
    env = os.environ.get("EXPLORER_HOME")
    return Path(env) if env else Path.home() / ".explorer"


def cache_dir() -> Path:
    """Files the package derives from bundled data and may rebuild at any time (the price table cache)."""
    return user_dir() / "cache"


def vocab_cache_dir() -> Path:
    """Cache directory the package controls for tiktoken vocabularies."""
    return user_dir() / "tiktoken-cache"


SCENARIOS_DIR = DATA_DIR / "scenarios"
"""Example scenarios shipped with the package (read-only; users save under ``user_scenarios_dir()``)."""


def user_scenarios_dir() -> Path:
    """Where the user's saved scenarios live."""
    return user_dir() / "scenarios"
