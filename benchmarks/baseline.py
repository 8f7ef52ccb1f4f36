"""The code a benchmark compares against: a commit of this repository exported beside the checkout."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def export_tree(ref: str, into: Path) -> Path:
    """``explorer/`` and ``data/`` as they were at ``ref`` (``git archive``), in ``into/old``; put that folder
    first on ``PYTHONPATH`` to run the old package."""
    archive = into / "old.tar"
    subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), ref, "explorer", "data"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "old", filter="data")
    return into / "old"
