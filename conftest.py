"""Loaded for every test, the notebooks' (nbval) included: pins the day notebooks price at."""

from __future__ import annotations

import os

NOTEBOOK_AS_OF = "2026-11-27"
"""The day the committed notebook outputs were computed for. Notebooks default to today
(``explorer.as_of_day(None)``), so the kernels nbval starts, which inherit this process's environment, are
pinned to it through EXPLORER_AS_OF; scripts/execute_notebooks.py pins the same day."""
os.environ["EXPLORER_AS_OF"] = NOTEBOOK_AS_OF
