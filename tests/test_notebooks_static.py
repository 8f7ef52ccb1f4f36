"""The committed notebooks: executed, no errors, no CDN, no machine paths, no widget state bloat."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from explorer import paths

# The notebooks of the explorer's main tour (usage.ipynb has its own tests).
NOTEBOOKS = [
    paths.NOTEBOOKS_DIR / f"{name}.ipynb" for name in ("dashboard", "prices", "images", "token_lab", "usage", "app")
]
TUTORIALS = [p for p in NOTEBOOKS if p.stem != "app"]  # the app opens on today's prices
MAX_NOTEBOOK_BYTES = 200_000


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_the_main_notebook_is_where_make_lab_opens() -> None:
    assert all(p.is_file() for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_executed_clean(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "run every cell before committing"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), "executed top to bottom in one run"
    for out in _outputs(nb):
        assert out["output_type"] != "error", out.get("evalue")
        assert not (out["output_type"] == "stream" and out["name"] == "stderr"), out["text"][:200]
    text = json.dumps([_outputs(nb), nb.metadata])
    assert not re.search(r"https?://(cdn|unpkg|cdnjs|[a-z.]*jsdelivr)", text), "a CDN URL in the outputs"
    for machine in ("/work/", "/home/", "/root/", "/tmp/", str(paths.REPO_DIR)):
        assert machine not in text, f"machine path {machine!r} in the outputs"
    assert " at 0x" not in text, "a memory address in a stored output (nbval cannot check it)"
    assert "widgets" not in nb.metadata, "widget state stored: execute with store_widget_state=False"
    assert path.stat().st_size < MAX_NOTEBOOK_BYTES


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.name)
def test_prices_date_defaults_to_today_and_outputs_are_pinned(path: Path) -> None:
    """AS_OF = None means today (as on the command line); the stored outputs are for the day EXPLORER_AS_OF
    pins (conftest.py, scripts/execute_notebooks.py), so nbval still compares them exactly."""
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert "AS_OF = None" in source and "as_of_day(AS_OF)" in source


def test_notebooks_stay_thin() -> None:
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert "def " not in cell.source and "class " not in cell.source, (
                    f"{path.name}: logic belongs in explorer/"
                )
                assert len(cell.source.splitlines()) <= 10, f"{path.name}: a long cell\n{cell.source}"


def test_money_in_markdown_is_not_latex() -> None:
    """A $ in markdown starts LaTeX ("$2.50 / 1M x 1,000 = $0.0025" renders as a formula). Voila typesets
    the rendered page, so neither the \\$ escape nor &#36; helps there: money is written USD 2.50."""
    for f in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")):
        for cell in json.loads(f.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                src = "".join(cell["source"])
                assert "$" not in src and "&#36;" not in src, f"{f}: write money as USD 2.50: {src[:80]!r}"
