"""Hypothesis properties of the cost engine."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import cost_of, price_history

DAY = "2026-11-27"
# On DAY: o4-mini was shut down on 2026-10-23, so its successor gpt-5.6-terra stands in.
MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5", "gpt-5.4", "o3", "gpt-5.6-terra", "claude-sonnet-4-5"]
TABLE = price_history()
counts = st.integers(min_value=0, max_value=200_000)  # up to the lowest long-context threshold (200k)
settings.register_profile("explorer", max_examples=60, deadline=None)
settings.load_profile("explorer")


def total(model: str, i: int, o: int, **kw: object) -> float:
    return float(cost_of(model, i, o, as_of=DAY, prices=TABLE, **kw)["total_usd"])


@given(model=st.sampled_from(MODELS), i=st.integers(0, 40_000), o=counts, k=st.integers(1, 5))
def test_linear_in_tokens_within_a_tier(model: str, i: int, o: int, k: int) -> None:
    assert total(model, i * k, o * k) == pytest.approx(k * total(model, i, o), rel=1e-12, abs=1e-15)


@given(model=st.sampled_from(MODELS), i=counts, o=counts, di=st.integers(0, 50_000), do=st.integers(0, 50_000))
def test_monotonic(model: str, i: int, o: int, di: int, do: int) -> None:
    assert total(model, i + di, o + do) >= total(model, i, o)


@given(model=st.sampled_from(MODELS), i=counts, o=counts, share=st.floats(0, 1))
def test_cached_never_dearer(model: str, i: int, o: int, share: float) -> None:
    cached = int(i * share)
    assert total(model, i, o, cached_input_tokens=cached) <= total(model, i, o) + 1e-15


@given(model=st.sampled_from(MODELS), i=st.integers(0, 2_000_000), o=counts,
       share=st.floats(0, 1))
def test_batch_never_dearer_than_standard(model: str, i: int, o: int, share: float) -> None:
    cached = int(i * share)
    assert total(model, i, o, cached_input_tokens=cached, service_tier="batch") <= total(
        model, i, o, cached_input_tokens=cached
    ) + 1e-15


@given(model=st.sampled_from(MODELS), i=counts, o=counts, share=st.floats(0, 1))
def test_reasoning_split_does_not_change_the_total(model: str, i: int, o: int, share: float) -> None:
    r = int(o * share)
    assert total(model, i, o, reasoning_tokens=r) == pytest.approx(total(model, i, o), rel=1e-12, abs=1e-15)
