"""Crossovers are exact: checked against the cost engine at and around every point."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.crossovers import VOLUME_STATEMENT, FixedCostOption, crossovers, crossovers_along_volume
from explorer.scenarios import Scenario, scenario_costs

AS_OF = "2026-11-27"
BASE = Scenario(
    "x",
    models=("gpt-5", "gpt-4.1"),
    input_tokens_per_request=1000,
    output_tokens_per_request=500,
    requests_per_month=1000,
    as_of=AS_OF,
)


def _monthly(sc: Scenario, model: str) -> float:
    return float(scenario_costs(sc, [model]).iloc[0]["monthly_usd"])


def test_gpt5_vs_gpt41_swap_near_27_percent_output() -> None:
    res = crossovers(BASE, "output_share")
    assert len(res.points) == 1
    p = res.points.iloc[0]
    assert (p.from_label, p.to_label, p.kind) == ("gpt-5", "gpt-4.1", "prices cross")
    # 1.25 (1 - s) + 10 s = 2 (1 - s) + 8 s  =>  s = 0.75 / 2.75 = 3/11
    assert p["at"] == pytest.approx(3 / 11, rel=1e-12)
    assert "27.3%" in res.statement


def test_cost_along_output_share_matches_engine_at_integer_points() -> None:
    res = crossovers(BASE, "output_share")
    for share in (0.0, 0.2, 0.5, 0.9):
        out = round(1500 * share)
        sc = BASE.replace(input_tokens_per_request=1500 - out, output_tokens_per_request=out)
        curve = res.curves[(res.curves["label"] == "gpt-5") & (res.curves["x"].sub(out / 1500).abs() < 1e-12)]
        if len(curve):
            assert curve["monthly_usd"].iloc[0] == pytest.approx(_monthly(sc, "gpt-5"))


def test_cached_share_crossover_is_where_costs_are_equal() -> None:
    sc = BASE.replace(
        models=("gpt-4o", "gpt-4.1", "gpt-4.1-mini", "claude-sonnet-4-5"), input_tokens_per_request=10_000
    )
    res = crossovers(sc, "cached_share")
    for p in res.points.itertuples():
        assert p.kind == "prices cross"
        near = res.curves[res.curves["x"].sub(p.at).abs() < 1e-12].set_index("label")["monthly_usd"]
        assert near[p.from_label] == pytest.approx(near[p.to_label], rel=1e-9)


def test_long_context_tier_jump_is_found_exactly() -> None:
    sc = BASE.replace(models=("gpt-4.1", "gemini-2.5-pro"))
    res = crossovers(sc, "input_tokens")
    tier = res.points[res.points["kind"] == "long-context tier"]
    assert list(tier["at"]) == [200_000.0]
    assert (tier["from_label"].iloc[0], tier["to_label"].iloc[0]) == ("gemini-2.5-pro", "gpt-4.1")
    below = _monthly(sc.replace(input_tokens_per_request=200_000), "gemini-2.5-pro")
    above = _monthly(sc.replace(input_tokens_per_request=200_001), "gemini-2.5-pro")
    assert above > below * 1.5  # past the threshold the whole request pays the tier price


def test_context_window_ends_a_model() -> None:
    sc = BASE.replace(models=("gpt-4o-mini", "gpt-4.1"))
    res = crossovers(sc, "input_tokens")
    window = res.points[res.points["kind"] == "context window"]
    assert window["at"].iloc[0] == pytest.approx(128_000 - 500)
    assert window["from_label"].iloc[0] == "gpt-4o-mini"


def test_volume_never_crosses_with_per_token_prices() -> None:
    res = crossovers_along_volume(BASE.replace(models=("gpt-5", "gpt-4.1", "gpt-4o", "o3")))
    assert res.points.empty
    assert res.statement == VOLUME_STATEMENT
    assert res.segments["label"].nunique() == 1


def test_fixed_cost_option_crossover_is_exact() -> None:
    opt = FixedCostOption(
        "self-hosted", fixed_usd_per_month=2000.0, input_usd_per_mtok=0.1, output_usd_per_mtok=0.1
    )
    res = crossovers_along_volume(BASE.replace(models=("gpt-4.1",)), fixed_options=[opt])
    per_request = _monthly(BASE.replace(models=("gpt-4.1",)), "gpt-4.1") / BASE.requests_per_month
    expected = 2000.0 / (per_request - opt.cost_per_request_usd(BASE))
    assert res.points["at"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert res.points["to_label"].iloc[0] == "self-hosted"


def test_fixed_option_validation_names_field() -> None:
    with pytest.raises(ValueError, match="fixed_usd_per_month"):
        FixedCostOption("bad", fixed_usd_per_month=-1)


@settings(max_examples=25, deadline=None)
@given(
    x=st.floats(0.01, 0.99),
    models=st.sampled_from(
        [("gpt-5", "gpt-4.1", "gpt-4o"), ("gpt-5-mini", "gpt-4.1-mini", "claude-haiku-4-5")]
    ),
)
def test_segments_name_the_true_cheapest(x: float, models: tuple[str, ...]) -> None:
    res = crossovers(BASE.replace(models=models), "output_share", n_points=11)
    seg = res.segments[(res.segments["start"] <= x) & (res.segments["end"] >= x)].iloc[0]
    out = round(1500 * x)
    sc = BASE.replace(models=models, input_tokens_per_request=1500 - out, output_tokens_per_request=out)
    costs = scenario_costs(sc).set_index("label")["monthly_usd"]
    assert costs[seg["label"]] == pytest.approx(costs.min(), rel=0.02)  # rounding to whole tokens
