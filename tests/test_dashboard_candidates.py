"""The dashboard's model list offers comparable candidates only (explorer.candidates), hosts named."""

from __future__ import annotations

import pandas as pd
import pytest

from explorer import price_history
from explorer.widgets import Dashboard

AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def dash() -> Dashboard:
    return Dashboard(as_of=AS_OF, prices=price_history(), models=("gpt-4o", "gpt-4.1"))


def _options(dash: Dashboard, provider: str) -> list[tuple[str, tuple[str, str]]]:
    dash.provider.value = provider
    return list(dash.models.options)


def test_picker_lists_chat_models_without_fine_tunes_or_duplicates(dash: Dashboard) -> None:
    openai = {key[1] for _, key in _options(dash, "openai")}
    assert {"gpt-4o", "gpt-5-mini", "gpt-4.1"} <= openai
    assert not openai & {"gpt-4o-transcribe", "gpt-4o-mini-tts", "gpt-image-1-mini", "gpt-realtime", "tts-1",
                         "ft:gpt-4o-mini", "gpt-4o-mini-2024-07-18.ft-", "text-embedding-3-small"}
    routed = [key[1] for _, key in _options(dash, "openrouter")]
    assert "liquid/lfm-7b" in routed and "lfm-7b" not in routed


def test_picker_names_the_host_of_another_makers_model(dash: Dashboard) -> None:
    labels = dict((key, label) for label, key in _options(dash, "google"))
    assert labels[("google", "claude-sonnet-4-5")].startswith("google · claude-sonnet-4-5 on Google Vertex AI  ($")
    assert labels[("google", "gemini-2.5-flash")].startswith("google · gemini-2.5-flash  ($")


def test_candidates_are_kept_per_price_table_and_date(dash: Dashboard) -> None:
    # Typing in the search box rebuilds the options from the kept candidates, not from the whole table.
    first = dash._catalogue()
    assert isinstance(first, pd.DataFrame) and dash._catalogue() is first
    dash.as_of.value = pd.Timestamp("2025-05-16").date()
    assert dash._catalogue() is not first
    later = dash._catalogue()
    openai = set(later.loc[later["provider"] == "openai", "model"])
    assert "gpt-4o" in openai and "gpt-5-mini" not in openai  # not launched yet on that day
