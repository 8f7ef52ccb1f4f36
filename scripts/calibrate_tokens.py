"""Measure tokens per 1,000 characters of each reference-corpus kind for every tokenizer we have.

Writes data/token_calibration.csv, which explorer.families reads for labelled estimates. Rows for the
tokenizers the package ships are recomputed by the test suite (tests/test_families.py) and must match.

Claude rows come from ctok (an unofficial offline reconstruction of Claude's counts, MIT, needs
Python >= 3.12, so it is not a dependency): give an interpreter that has it installed, e.g.

    python3.12 -m venv /tmp/ctok && /tmp/ctok/bin/pip install ctok==1.3.0
    .venv/bin/python scripts/calibrate_tokens.py --ctok-python /tmp/ctok/bin/python

Without --ctok-python the existing Claude rows are kept as they are.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

from explorer import families, tokens, vocab
from explorer.paths import TOKEN_CALIBRATION_CSV

# ctok families: the version string ctok takes, per calibration name (see explorer.families.CLAUDE_FAMILIES).
CTOK_VERSIONS = {"claude-v3": "3.0", "claude-v4.7": "4.7", "claude-v4.8": "4.8"}
CTOK_SCRIPT = r"""
import json, sys
import ctok
from ctok import token_count
req = json.load(sys.stdin)
out = {"version": ctok.__version__ if hasattr(ctok, "__version__") else "", "counts": {}}
for fam, ver in req["versions"].items():
    frame = token_count("a", ver) - 1  # the single-message frame: "a" is one content token
    out["counts"][fam] = [token_count(t, ver) - frame for t in req["texts"]]
json.dump(out, sys.stdout)
"""


def _ctok_rows(python: str, texts: dict[str, str]) -> list[dict[str, object]]:
    kinds = list(texts)
    req = json.dumps({"versions": CTOK_VERSIONS, "texts": [texts[k] for k in kinds]})
    done = subprocess.run([python, "-c", CTOK_SCRIPT], input=req, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    version = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('ctok'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    rows = []
    for fam, counts in result["counts"].items():
        for kind, n in zip(kinds, counts, strict=True):
            rows.append(families.calibration_row(fam, kind, len(texts[kind]), n, f"ctok {version} (reconstruction)"))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ctok-python", help="a Python >= 3.12 interpreter with ctok installed")
    ap.add_argument("--out", type=Path, default=TOKEN_CALIBRATION_CSV)
    args = ap.parse_args(argv)
    texts = families.reference_texts()
    rows = [
        families.calibration_row(t, kind, len(text), tokens.count_with(t, [text])[0], families.measured_with(t))
        for t in vocab.ALL_TOKENIZERS
        for kind, text in texts.items()
    ]
    if args.ctok_python:
        rows += _ctok_rows(args.ctok_python, texts)
    elif args.out.exists():
        with args.out.open(encoding="utf-8") as f:
            rows += [r for r in csv.DictReader(f) if r["tokenizer"] in CTOK_VERSIONS]
    families.write_calibration(rows, args.out)
    print(f"wrote {len(rows)} rows to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
