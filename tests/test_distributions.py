"""Token-count distributions: draws follow the stated law, fits recover samples, files round-trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer import distributions as D
from explorer.scenarios import Scenario, ScenarioError, list_scenarios, load_scenario, save_scenario


def _z(n: int = 400_000, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n)


@pytest.mark.parametrize(
    "dist",
    [
        D.Point(700),
        D.LogNormal(1000, 4000),
        D.LogNormal(1000, 4000, max=3000),
        D.Empirical((100.0, 500.0, 2000.0), (5.0, 3.0, 2.0)),
        D.Histogram((0.0, 100.0, 100.0, 1000.0), (1.0, 1.0, 2.0)),
    ],
)
def test_draws_follow_the_stated_moments_and_quantiles(dist: D.Distribution) -> None:
    x = dist.draw(_z())
    assert x.mean() == pytest.approx(dist.mean(), rel=0.01, abs=1e-9)
    assert x.var() == pytest.approx(dist.variance(), rel=0.03, abs=1e-9)
    c = x - x.mean()
    assert (c**3).mean() == pytest.approx(dist.third_central_moment(), rel=0.1, abs=1e-6)
    for p in (0.1, 0.5, 0.9):
        assert np.quantile(x, p) == pytest.approx(float(dist.quantile(np.array([p]))[0]), rel=0.02)


def test_lognormal_is_given_by_its_median_and_p90() -> None:
    d = D.LogNormal(1000, 4000)
    assert d.quantile(np.array([0.5, 0.9])) == pytest.approx([1000, 4000], rel=1e-9)
    assert D.LogNormal(500, 500).is_point
    assert D.LogNormal(1000, 4000, max=2000).draw(np.array([5.0]))[0] == 2000


def test_two_point_quantiles_are_exact() -> None:
    d = D.Empirical((1000.0, 9000.0), (0.3, 0.7))
    assert d.quantile(np.array([0.1, 0.3, 0.30001, 0.9])).tolist() == [1000, 1000, 9000, 9000]
    assert d.mean() == pytest.approx(6600)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "lognormal", "p50": 0, "p90": 10}, "field 'p50': 0 is not a number > 0"),
        ({"kind": "lognormal", "p50": 10, "p90": 5}, "field 'p90': 5 is below p50 10"),
        ({"kind": "lognormal", "p50": 10}, "lognormal needs p90"),
        ({"kind": "normal", "mean": 3}, "kind 'normal' is not one of point, lognormal, empirical, histogram"),
        ({"kind": "empirical", "values": [1, 2], "weights": [1]}, "1 weights for 2 values"),
        ({"kind": "empirical", "values": [2, 1], "weights": [1, 1]}, "not distinct and ascending"),
        ({"kind": "histogram", "edges": [0, 10], "weights": [1, 2]}, "2 edges for 2 bins"),
        ({"kind": "point", "value": -3}, "field 'value': -3 is negative"),
        ({"kind": "point", "value": 3, "extra": 1}, "unknown point field"),
        ("many", "is not a mapping with a 'kind'"),
    ],
)
def test_bad_distributions_name_the_field(data: object, message: str) -> None:
    with pytest.raises(D.DistributionError, match=message) as err:
        D.from_dict(data, field="input_tokens_distribution")
    assert "input_tokens_distribution" in str(err.value) and "\n" not in str(err.value)


def test_dict_round_trip_and_bare_number() -> None:
    for d in (D.Point(3), D.LogNormal(10, 40, max=100), D.Empirical((1.0, 2.0), (1.0, 1.0)),
              D.Histogram((0.0, 1.0, 4.0), (2.0, 1.0))):
        assert D.from_dict(d.to_dict()) == d
    assert D.from_dict(250) == D.Point(250)


def test_fit_keeps_few_values_and_bins_many() -> None:
    small = D.fit([100, 100, 200, 900])
    assert small == D.Empirical((100.0, 200.0, 900.0), (2.0, 1.0, 1.0))
    sample = np.random.default_rng(1).lognormal(7, 1, 50_000).round()
    binned = D.fit(sample, max_points=100)
    assert isinstance(binned, D.Empirical) and 90 <= len(binned.weights) <= 101
    assert binned.mean() == pytest.approx(sample.mean(), rel=1e-9)  # groups kept as their means
    assert binned.variance() == pytest.approx(sample.var(), rel=0.05)
    assert float(binned.quantile(np.array([0.5]))[0]) == pytest.approx(np.median(sample), rel=0.03)
    fitted = D.fit(sample, kind="lognormal")
    assert isinstance(fitted, D.LogNormal)
    assert fitted.p50 == pytest.approx(np.exp(7), rel=0.03)
    assert fitted.p90 == pytest.approx(np.exp(7 + 1.2816), rel=0.03)
    with pytest.raises(D.DistributionError, match="position 1 is not a count"):
        D.fit([1, -2])


def test_fit_usage_takes_per_request_counts_and_bucket_weights() -> None:
    log = pd.DataFrame({
        "input_tokens": [1000, 6000, 500],
        "output_tokens": [300, 1200, 100],
        "reasoning_tokens": [100, 600, 0],
        "requests": [1, 3, 1],  # the second row is three requests of 2,000 in / 400 out / 200 reasoning
    })
    fitted = D.fit_usage(log)
    assert fitted["input"] == D.Empirical((500.0, 1000.0, 2000.0), (1.0, 1.0, 3.0))
    assert fitted["visible_output"] == D.Empirical((100.0, 200.0), (1.0, 4.0))
    assert fitted["reasoning"] == D.Empirical((0.0, 100.0, 200.0), (1.0, 1.0, 3.0))
    with pytest.raises(D.DistributionError, match="column 'output_tokens' missing"):
        D.fit_usage(log.drop(columns="output_tokens"))


def test_scenario_file_round_trip_with_distributions_and_terms(tmp_path: Path) -> None:
    sc = Scenario(
        "Ranged", input_tokens_distribution={"kind": "lognormal", "p50": 2000, "p90": 9000},
        visible_output_tokens_distribution=D.Empirical((200.0, 800.0), (0.7, 0.3)),
        reasoning_tokens_distribution=D.Histogram((0.0, 100.0, 1000.0), (1.0, 1.0)),
        provider_terms={"openai": {"discount": 0.15, "committed_usd_per_month": 1000, "note": "2026 contract"}},
    )
    assert isinstance(sc.input_tokens_distribution, D.LogNormal)
    hash(sc)  # the app caches results under the scenario
    for suffix in (".yaml", ".json"):
        path = save_scenario(sc, tmp_path / f"ranged{suffix}")
        assert load_scenario(path) == sc
    text = (tmp_path / "ranged.yaml").read_text()
    assert "kind: lognormal" in text and "discount: 0.15" in text


def test_old_scenarios_are_unchanged() -> None:
    for sc in list_scenarios(include_user=False).values():
        assert sc.input_tokens_distribution is None and sc.provider_terms == ()
        data = sc.to_dict()
        assert not {"input_tokens_distribution", "visible_output_tokens_distribution",
                    "reasoning_tokens_distribution", "provider_terms"} & set(data)
        assert Scenario.from_dict(data) == sc


def test_bad_distribution_in_a_file_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nreasoning_tokens_distribution: {kind: lognormal, p50: 100, p90: 50}\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml: field 'reasoning_tokens_distribution': .*'p90'"):
        load_scenario(path)
