"""Execute committed notebooks in place, as the tests expect them: top to bottom in one fresh kernel, no
widget state stored, a private EXPLORER_HOME so a user's saved files cannot change an output, and the day
pinned (EXPLORER_AS_OF, which the notebooks' ``as_of_day(None)`` honours) so outputs do not follow the calendar.

Run: .venv/bin/python scripts/execute_notebooks.py [notebooks/NAME.ipynb ...]   (default: all)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_AS_OF = "2026-11-27"
"""The day committed outputs are computed for (conftest.py pins nbval's kernels to the same day)."""


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as home:
        os.environ["EXPLORER_HOME"] = home
        os.environ["EXPLORER_AS_OF"] = NOTEBOOK_AS_OF
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                       store_widget_state=False).execute()
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    print(f"executed {path.relative_to(ROOT)}")


if __name__ == "__main__":
    targets = [Path(a).resolve() for a in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for target in targets:
        execute(target)
