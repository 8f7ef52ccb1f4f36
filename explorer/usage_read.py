"""Arrow's readers for request logs: CSV, JSON lines and Parquet straight into the engine's column types.

:func:`explorer.usage.read_table` and the chunked readers go through here first. Arrow reads CSV and JSON
lines on several threads and Parquet without a copy; label columns (model, tier, provider, project ...)
come out categorical (dictionary-encoded once, in C++), counts as int64, nothing as Python objects. What
Arrow cannot read as a flat table (a malformed line, a nested value, a column whose type changes part way)
returns None, and the exact reader in :mod:`explorer.usage` reads the file instead: it words the error
with the line at fault, or reads the shapes only it knows (pages, raw API responses). So this module
changes how fast a file is read, never what it means.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "ARROW_BLOCK_BYTES",
    "BLOCK_BYTES",
    "csv_table",
    "json_lines_table",
    "keep_freed_memory",
    "line_numbers",
    "parquet_batches",
    "parquet_table",
    "text_batches",
    "to_frame",
]

BLOCK_BYTES = 16 * 1024 * 1024
"""Bytes of CSV or JSON lines the chunked path reads at a time: what bounds its memory, with the rows
priced at a time."""
ARROW_BLOCK_BYTES = 1024 * 1024
"""Bytes Arrow's reader gives each thread: a 16 MB buffer read as one block would use one core only."""

Labels = Callable[[str], bool]
"""Whether a header names a label column (kept categorical: model, service tier, provider, project ...)."""


def parquet_table(path: Path, labels: Labels) -> pa.Table:
    """The whole Parquet file; label columns read as dictionaries (no string per row is built)."""
    import pyarrow.parquet as pq

    return pq.read_table(path, read_dictionary=_dictionary_columns(path, labels))


def _dictionary_columns(path: Path, labels: Labels) -> list[str] | None:
    """The file's text label columns, which Arrow reads as dictionaries (None: there are none)."""
    import pyarrow.parquet as pq

    return [f.name for f in pq.read_schema(path) if _is_text(f.type) and labels(f.name)] or None


def parquet_batches(path: Path, rows: int, labels: Labels) -> Iterator[pa.Table]:
    """The Parquet file ``rows`` rows at a time (record batches across row groups), label columns read as
    dictionaries as :func:`parquet_table` reads them: a chunk's model names are not built one string per row
    and hashed again (reading a 1M-row log took 0.08-0.27 s with plain strings, 0.05 s this way). Each batch
    carries its own dictionary; chunks are priced apart and combined by value, so they need not agree."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path, read_dictionary=_dictionary_columns(path, labels))
    # Dictionaries end at row-group boundaries, where the reader cuts its batches short: gather them back into
    # chunks of exactly ``rows`` (to_pandas unifies a column's dictionaries into one Categorical).
    held: list[pa.RecordBatch] = []
    count = 0
    for batch in pf.iter_batches(batch_size=rows):
        held.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(held)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            held, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(held)


def csv_table(data: bytes | Path) -> pa.Table | None:
    """A CSV file (or its bytes) as a table, or None when Arrow cannot read it as one (the exact reader then
    names the fault: a ragged row, an empty header cell, a file that is not UTF-8 ...)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    source: Any = pa.BufferReader(data) if isinstance(data, bytes) else str(data)
    try:
        table = pcsv.read_csv(source, read_options=pcsv.ReadOptions(block_size=ARROW_BLOCK_BYTES))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return table if _sound_header(table) else None


def json_lines_table(data: bytes) -> pa.Table | None:
    """JSON lines (one flat object per line) as a table, or None when any line is not a flat object of
    one type per key (nested values, pages, raw API responses, a bad line: the exact reader's job)."""
    import pyarrow as pa
    import pyarrow.json as pjson

    if data[:4096].lstrip()[:1] != b"{":  # not a slice of the whole: that would copy it
        return None
    try:
        options = pjson.ReadOptions(block_size=ARROW_BLOCK_BYTES)
        table = pjson.read_json(pa.BufferReader(data), read_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if any(pa.types.is_nested(f.type) for f in table.schema):
        return None  # a nested usage object: raw responses, or a value the reader must refuse by name
    return table if table.num_rows else None


def line_numbers(data: bytes, rows: int, first: int = 1, newlines: int | None = None) -> pd.Index:
    """The line number of each of ``rows`` JSON lines in ``data`` (blank lines are skipped by the reader).
    ``newlines``: how many ``data`` holds, if the caller counted them already (a pass over the bytes)."""
    count = _breaks(data) if newlines is None else newlines
    if count + (0 if data.endswith(b"\n") else 1) == rows:  # no blank line: numbered in order
        return pd.RangeIndex(first, first + rows, name="line")
    lines = data.split(b"\n")
    keep = np.array([bool(line.strip()) for line in lines], dtype=bool)
    return pd.Index(np.flatnonzero(keep)[:rows] + first, name="line")


def text_batches(path: Path, block_bytes: int = BLOCK_BYTES, *, numbered: bool = True
                 ) -> Iterator[tuple[bytes, int, int]]:
    """The file in blocks of whole lines of about ``block_bytes`` each, with the line number each starts at
    and the line breaks it holds: the unit in which the chunked path reads CSV and JSON lines (the first
    block of a CSV holds its header, and every later block gets it prepended by the caller). Counting the
    line breaks is a pass over the bytes: ``numbered=False`` skips it (a CSV numbers its rows itself), and
    both numbers are then 0."""
    line = 1
    with path.open("rb") as f:
        rest = b""
        while True:
            block = f.read(block_bytes)
            if not block:
                if rest:
                    yield (rest, line, _breaks(rest)) if numbered else (rest, 0, 0)
                return
            block = rest + block
            cut = block.rfind(b"\n")
            if cut < 0:  # one line longer than a block: read on
                rest = block
                continue
            rest = block[cut + 1:]
            out = block[: cut + 1]
            breaks = _breaks(out) if numbered else 0
            yield (out, line, breaks) if numbered else (out, 0, 0)
            line += breaks


def _breaks(data: bytes) -> int:
    """Line breaks in ``data`` (numpy counts 16 MB in 6-9 ms, ``bytes.count`` in 15)."""
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 10))


def to_frame(table: pa.Table, labels: Labels) -> pd.DataFrame:
    """A pandas frame of the engine's column types: label columns categorical, other text as Arrow-backed
    strings, whole numbers int64 (float64 with NaN where a cell is blank), dates as datetime64."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        if _is_text(col.type) and labels(name):
            col = pc.dictionary_encode(col)  # hashed once in C++: to_pandas makes it a Categorical
        cols.append(col)
    # Integers with a blank cell come out float64 with NaN: the reader takes NaN as a blank (0 when optional).
    out = pa.table(cols, names=table.column_names)
    return out.to_pandas(date_as_object=False, split_blocks=True, self_destruct=True)


def _is_text(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def _sound_header(table: pa.Table) -> bool:
    """Named, distinct headers and text that is UTF-8 (Arrow reads other bytes as a binary column)."""
    import pyarrow as pa

    names = table.column_names
    binary = any(pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type) for f in table.schema)
    return all(n.strip() for n in names) and len(set(names)) == len(names) and not binary


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep the memory a chunk frees for the next chunk, not hand it back to the system.

    A log priced in chunks allocates arrays of the same sizes again and again. By default glibc returns them
    to the system after each chunk and the next chunk touches fresh pages: on the 2-core VM, 1M rows in
    chunks of 100,000 took about 34,000 page faults and 0.11 s of system time per pass, about 3,000 faults
    and 0.02 s this way. Arrays up to 32 MB come from the heap and up to 512 MB of free heap is kept. For a
    short-lived command only: the process never shrinks below its peak, which it reaches anyway. Returns
    whether the C library took the settings (not on macOS or Windows, nor musl, whose ``mallopt`` is empty).
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's <malloc.h>
    return bool(mallopt(m_mmap_threshold, 32 << 20)) and bool(mallopt(m_trim_threshold, 512 << 20))
