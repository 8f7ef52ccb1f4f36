"""Property tests for request-log importers (CSV and JSON lines), complementing test_usage_props.py
(which covers Usage API pages and single bad values in them):

- any valid request log, written as CSV or JSON lines, reads back and prices to the same total as
  pricing the equivalent frame with the cost engine directly, whole or streamed in chunks;
- any corruption of such a file (a dropped column, a blanked cell, text in a number) is a one-line
  ValueError that names the file, and the line and column where there is one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import explorer
from explorer import usage as u

MODELS = ["gpt-4o-mini", "gpt-4.1-2025-04-14", "gpt-5-mini", "o4-mini"]
REASONING = {"gpt-5-mini", "o4-mini"}
START = pd.Timestamp("2026-10-01")
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def request_rows(draw: st.DrawFn) -> dict[str, Any]:
    model = draw(st.sampled_from(MODELS))
    inp = draw(st.integers(0, 2_000_000))
    out = draw(st.integers(0, 200_000))
    return {
        "timestamp": START + pd.Timedelta(seconds=draw(st.integers(0, 5 * 86400 - 1))),
        "model": model,
        "input_tokens": inp,
        "cached_input_tokens": draw(st.integers(0, inp)),
        "output_tokens": out,
        "reasoning_tokens": draw(st.integers(0, out)) if model in REASONING else 0,
        "service_tier": draw(st.sampled_from(["default", "standard", "batch"])),
        "team": draw(st.sampled_from(["ml", "web", ""])),  # a label of the user's: passes through
    }


logs = st.lists(request_rows(), min_size=1, max_size=25).map(pd.DataFrame)


def write(log: pd.DataFrame, tmp: str, fmt: str) -> Path:
    path = Path(tmp) / f"log.{fmt}"
    if fmt == "csv":
        out = log.assign(timestamp=log["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        out.to_csv(path, index=False)
    else:  # JSON lines with epoch seconds, as many loggers write them
        out = log.assign(timestamp=(log["timestamp"] - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1))
        out.to_json(path, orient="records", lines=True)
    return path


def engine_total(log: pd.DataFrame) -> float:
    return float(explorer.price_usage(log.drop(columns="team"))["total_usd"].sum())


@SETTINGS
@given(log=logs, fmt=st.sampled_from(["csv", "jsonl"]), chunk=st.integers(1, 10))
def test_any_log_prices_like_the_engine(log: pd.DataFrame, fmt: str, chunk: int) -> None:
    expected = engine_total(log)
    with tempfile.TemporaryDirectory() as tmp:
        path = write(log, tmp, fmt)
        frame = u.read_usage(path)
        streamed = u.price_file(path, chunk_rows=chunk)
    assert len(frame) == len(log)
    assert frame["input_tokens"].tolist() == log["input_tokens"].tolist()
    # A CSV blank comes back as NA (an all-blank column even as a nullable int): compare as text.
    assert ["" if pd.isna(v) else str(v) for v in frame["team"]] == log["team"].tolist()
    assert u.price(frame)["total_usd"].sum() == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert streamed.summary.total_usd == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert streamed.rows == len(log)


REQUIRED = ["model", "input_tokens", "output_tokens"]
NUMBERS = ["input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens"]
TEXTS = ["abc", "ten", "12 tokens", "1,5", "--", "½"]


@SETTINGS
@given(log=logs, fmt=st.sampled_from(["csv", "jsonl"]), kind=st.sampled_from(["drop", "blank", "text"]),
       data=st.data())
def test_any_corruption_is_one_line_naming_the_file(
    log: pd.DataFrame, fmt: str, kind: str, data: st.DataObject
) -> None:
    row = data.draw(st.integers(0, len(log) - 1), label="row")
    if kind == "drop":
        col = data.draw(st.sampled_from(REQUIRED), label="column")
        log = log.drop(columns=col)
    elif kind == "blank":  # only required columns: an optional count left blank means 0 by design
        col = data.draw(st.sampled_from(REQUIRED), label="column")
        log = log.astype({col: object})
        log.loc[row, col] = None
    else:
        col = data.draw(st.sampled_from(NUMBERS), label="column")
        log = log.astype({col: object})
        log.loc[row, col] = data.draw(st.sampled_from(TEXTS), label="text")
    with tempfile.TemporaryDirectory() as tmp:
        path = write(log, tmp, fmt)
        before = path.read_bytes()
        for read in (lambda: u.read_usage(path), lambda: u.price_file(path, chunk_rows=7)):
            with pytest.raises(ValueError) as info:
                read()
            msg = str(info.value)
            assert "\n" not in msg
            assert msg.startswith(str(path)), msg
            assert f"'{col}'" in msg, msg
            if kind != "drop":
                line = row + 2 if fmt == "csv" else row + 1  # CSV line 1 is the header
                assert f"line {line}," in msg, msg
        assert path.read_bytes() == before
        assert sorted(p.name for p in Path(tmp).iterdir()) == [path.name]
