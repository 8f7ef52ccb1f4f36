"""What-if and savings never price a part at a rate the target lacks, and mark moves to a smaller class of model;
through the functions and through `explorer usage` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

from explorer import prices as _prices
from explorer import usage as u

LOG = """model,input_tokens,output_tokens,input_audio_tokens,output_audio_tokens,requests,timestamp
gpt-audio,300000,120000,200000,100000,30,2026-10-01
gpt-4.1,2000000,300000,0,0,200,2026-10-01
gpt-4o-mini,1000000,100000,0,0,100,2026-10-02
"""


@pytest.fixture(scope="module")
def usage(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("log") / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    return u.read_usage(path)


def rate(model: str, col: str) -> float:
    t = _prices.load_prices("2026-10-01")
    row = t[(t["model"] == model) & (t["service_tier"] == "standard") & (t["tier_above_input_tokens"] == 0)]
    return float(row[col].iloc[0])


def test_audio_traffic_is_not_moved_to_a_model_without_audio_prices(usage: pd.DataFrame) -> None:
    now = u.price(usage)
    alt = u.what_if(usage, model="gpt-5-mini")
    audio = (usage["model"] == "gpt-audio").to_numpy()
    assert list(alt.loc[audio, "kept"]) == ["audio input, audio output"]
    assert list(alt.loc[~audio, "kept"]) == ["", ""]
    assert list(alt["what_if_model"]) == ["gpt-5-mini"] * 3
    assert list(alt["resolved_model"].astype(str)) == ["gpt-audio", "gpt-5-mini", "gpt-5-mini"]
    # The kept row costs what it costs today; nothing is priced at gpt-5-mini's text rate.
    assert alt.loc[audio, "total_usd"].iloc[0] == pytest.approx(now.loc[audio, "total_usd"].iloc[0])
    assert alt.loc[audio, "input_audio_usd"].iloc[0] == pytest.approx(
        0.2 * rate("gpt-audio", "input_audio_usd_per_mtok"))


def test_a_model_with_audio_prices_takes_audio_at_its_audio_rate(usage: pd.DataFrame) -> None:
    alt = u.what_if(usage, model="gpt-audio-mini")
    audio = (usage["model"] == "gpt-audio").to_numpy()
    assert alt.loc[audio, "kept"].iloc[0] == ""
    assert alt.loc[audio, "resolved_model"].astype(str).iloc[0] == "gpt-audio-mini"
    assert alt.loc[audio, "input_audio_usd"].iloc[0] == pytest.approx(
        0.2 * rate("gpt-audio-mini", "input_audio_usd_per_mtok"))


def test_compare_marks_kept_traffic_and_smaller_classes(usage: pd.DataFrame) -> None:
    priced = u.price(usage)
    alt = u.what_if(usage, model="gpt-5-mini")
    table = u.compare(priced, alt, "model").set_index("model")
    audio = table.loc["gpt-audio"]
    assert audio["requests_kept"] == 30 and audio["what_if_usd"] == pytest.approx(audio["total_usd"])
    assert "30 request(s) with audio input and audio output tokens kept on their own model" in audio["note"]
    assert "gpt-5-mini has no audio input or audio output price" in audio["note"]
    assert table.loc["gpt-4.1", "note"] == "smaller class: gpt-5-mini is a mini model, gpt-4.1 a full one"
    assert table.loc["gpt-4.1", "requests_kept"] == 0
    assert table.loc["gpt-4o-mini", "note"] == ""  # mini to mini: same class
    by_day = u.compare(priced, alt, "day")
    assert list(by_day["requests_kept"]) == [30, 0]
    # Totals stay whole: the kept traffic counts at its own cost.
    assert by_day["what_if_usd"].sum() == pytest.approx(alt["total_usd"].sum())


def test_savings_table_marks_smaller_models_and_refuses_audio_moves(usage: pd.DataFrame) -> None:
    table = u.savings_table(usage, ["gpt-5-nano", "gpt-5-mini"])
    row = table[(table["from_model"] == "gpt-4.1") & (table["to_model"] == "gpt-5-nano")].iloc[0]
    assert bool(row["smaller_model"]) and row["size_note"] == (
        "smaller class: gpt-5-nano is a nano model, gpt-4.1 a full one")
    assert row["summary"].endswith("(smaller class: gpt-5-nano is a nano model, gpt-4.1 a full one)")
    same = table[(table["from_model"] == "gpt-4o-mini") & (table["to_model"] == "gpt-5-nano")]
    assert same["smaller_model"].all()  # mini to nano is smaller too
    audio = table[table["from_model"] == "gpt-audio"]
    assert len(audio) == 2 and audio["what_if_usd"].isna().all()
    assert audio["summary"].str.endswith(": not comparable").all()
    assert audio["note"].str.contains("has no audio input or audio output price").all()


def test_size_note_uses_list_prices_when_names_say_nothing() -> None:
    table = _prices.price_history()
    assert u.size_note("gpt-4.1", "gpt-5-nano", table) == "smaller class: gpt-5-nano is a nano model, gpt-4.1 a full one"
    assert "likely a smaller model" in u.size_note("o4-mini", "gpt-4o-mini", table)
    assert u.size_note("gpt-4o-mini", "gpt-4.1", table) == ""


# ------------------------------------------------------------------------------------------------ the CLI


def explorer(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "explorer", *argv], capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def log_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    return path


def test_cli_what_if_text_marks_kept_traffic_and_smaller_classes(log_file: Path) -> None:
    done = explorer("usage", str(log_file), "--what-if-model", "gpt-5-mini")
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.split() and x.split()[0] == "gpt-audio")
    assert "not moved: no audio price" in line and "+0.0%" in line
    assert any(x.strip().startswith("!! gpt-audio: 30 request(s) with audio input and audio output tokens kept")
               for x in done.stdout.splitlines())
    assert "!! gpt-4.1: smaller class: gpt-5-mini is a mini model, gpt-4.1 a full one" in done.stdout


def test_cli_what_if_json_and_csv_carry_the_marks(log_file: Path) -> None:
    done = explorer("usage", str(log_file), "--what-if-model", "gpt-5-mini", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["what_if"]["requests_kept"] == 30
    assert data["what_if"]["kept"][0].startswith("gpt-audio: 30 request(s)")
    assert data["what_if"]["smaller_class"] == ["gpt-4.1: smaller class: gpt-5-mini is a mini model, gpt-4.1 a full one"]
    rows = {r["model"]: r for r in data["breakdown"]}
    assert rows["gpt-audio"]["what_if_usd"] == pytest.approx(rows["gpt-audio"]["total_usd"])
    assert rows["gpt-audio"]["requests_kept"] == 30
    csv = explorer("usage", str(log_file), "--what-if-model", "gpt-5-mini", "--by", "day", "--format", "csv")
    assert csv.returncode == 0, csv.stderr
    frame = pd.read_csv(StringIO(csv.stdout))
    assert list(frame["requests_kept"]) == [30, 0]
    assert frame["note"].fillna("").str.contains("gpt-5-mini has no audio input or audio output price").tolist() == [
        True, False]


def test_moves_to_another_kind_of_model_are_not_savings(usage: pd.DataFrame) -> None:
    table = u.savings_table(usage, ["gpt-4o-mini-tts"])
    row = table[table["from_model"] == "gpt-4.1"].iloc[0]
    assert row["summary"] == "moving gpt-4.1 to gpt-4o-mini-tts: not comparable"
    assert row["note"] == "different kind: gpt-4o-mini-tts is a tts model, gpt-4.1 a chat one"
    assert pd.isna(row["saves_usd"])
    prices = _prices.price_history()
    assert u.kind_note("gpt-audio", "gpt-5-mini", prices) == (
        "different kind: gpt-5-mini is a chat model, gpt-audio an audio one")
    assert u.kind_note("gpt-4.1", "gpt-5-mini", prices) == ""
    # A what-if asked for by name is priced, and its note says the model does another job.
    priced = u.price(usage)
    moved = u.compare(priced, u.what_if(usage, model="gpt-4o-transcribe"), "model").set_index("model")
    assert moved.loc["gpt-4.1", "note"].startswith(
        "different kind: gpt-4o-transcribe is a transcription model, gpt-4.1 a chat one")
