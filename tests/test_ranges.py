"""Cost ranges against exact values: points, two-point distributions, tier tails, a large simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from explorer import ranges as G
from explorer import results as R
from explorer.distributions import Empirical, LogNormal, Point
from explorer.scenarios import Scenario, ScenarioError, scenario_costs
from explorer.terms import ProviderTerms, apply_terms

AS_OF = "2026-11-27"
MODELS = ("gpt-4.1", "gpt-5", "gemini-2.5-pro", "gpt-4o-mini")


@pytest.fixture(scope="module")
def rates(history: pd.DataFrame) -> R.RateTable:
    return R.rate_table(MODELS, prices=history, as_of=AS_OF)


def _point(rates: R.RateTable, sc: Scenario) -> pd.Series:
    return R.costs_from_rates(rates, sc).set_index("label")["monthly_usd"]


def _by_label(r: G.CostRanges) -> pd.DataFrame:
    return r.table.set_index("label")


BASE = Scenario(
    "base", input_tokens_per_request=3000, output_tokens_per_request=800, reasoning_tokens_per_request=300,
    cached_input_share=0.3, batch_share=0.25, requests_per_month=50_000,
)


@pytest.mark.parametrize("volume", [50_000, 40])  # the normal approximation and the direct simulation
def test_degenerate_distribution_equals_the_point_estimate_to_the_cent(rates: R.RateTable, volume: int) -> None:
    sc = BASE.replace(requests_per_month=volume)
    explicit = sc.replace(
        input_tokens_distribution=Point(3000), visible_output_tokens_distribution=LogNormal(500, 500),
        reasoning_tokens_distribution=Empirical((300.0,), (1.0,)),
    )
    point = _point(rates, sc)
    for scenario in (sc, explicit):
        r = G.cost_ranges(rates, scenario, draws=2_000)
        t = _by_label(r)
        for col in ("p10_usd", "p50_usd", "p90_usd", "mean_usd"):
            assert (t[col] - point[t.index]).abs().max() < 0.005, col
        per_request = R.costs_from_rates(rates, sc).set_index("label")["cost_per_request_usd"]
        assert np.allclose(t["request_p90_usd"], per_request[t.index], rtol=1e-12)
        assert (t["mc_error_usd"] < 1e-6).all()
    assert r.method == ("direct" if volume <= G.DIRECT_MAX_REQUESTS else "normal")


def _cost_at(rates: R.RateTable, sc: Scenario, input_tokens: int) -> pd.Series:
    return R.costs_from_rates(rates, sc.replace(input_tokens_per_request=input_tokens)).set_index("label")[
        "cost_per_request_usd"]


def _binom_quantile(n: int, p: float, q: float) -> tuple[int, float]:
    """Smallest k with P(Binom(n, p) <= k) >= q, and how far that CDF value is from q (either side)."""
    cdf = 0.0
    for k in range(n + 1):
        prev = cdf
        cdf += math.comb(n, k) * p**k * (1 - p) ** (n - k)
        if cdf >= q:
            return k, min(cdf - q, q - prev)
    return n, 0.0


def test_two_point_distribution_has_known_quantiles(rates: R.RateTable) -> None:
    # Input is 1,000 tokens in 30% of requests and 9,000 in 70%; the rest fixed.
    two = Empirical((1000.0, 9000.0), (0.3, 0.7))
    sc = BASE.replace(requests_per_month=18, input_tokens_distribution=two)
    low, high = _cost_at(rates, sc, 1000), _cost_at(rates, sc, 9000)
    r = G.cost_ranges(rates, sc, draws=20_000)
    t = _by_label(r)
    # A single request: p10 is the short one, p50 and p90 the long one, exactly.
    assert np.allclose(t["request_p10_usd"], low[t.index], rtol=1e-12)
    assert np.allclose(t["request_p50_usd"], high[t.index], rtol=1e-12)
    assert np.allclose(t["request_p90_usd"], high[t.index], rtol=1e-12)
    # A month of 18 requests: 18 x low + (high - low) x Binomial(18, 0.7), quantile by quantile.
    assert r.method == "direct"
    for col, q in (("p10_usd", 0.1), ("p50_usd", 0.5), ("p90_usd", 0.9)):
        k, margin = _binom_quantile(18, 0.7, q)
        assert margin > 0.02  # the simulated quantile cannot land on a neighbouring atom by chance
        expected = 18 * low + (high - low) * k
        assert np.allclose(t[col], expected[t.index], rtol=1e-9), col


def _binom_quantile_large(n: int, p: float, q: float) -> int:
    """Exact Binomial(n, p) quantile for large n: the pmf summed in log space around the mean."""
    sd = math.sqrt(n * p * (1 - p))
    ks = np.arange(max(0, int(n * p - 12 * sd)), min(n, int(n * p + 12 * sd)) + 1)
    logpmf = np.array([math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) for k in ks]) \
        + ks * math.log(p) + (n - ks) * math.log(1 - p)
    cdf = np.cumsum(np.exp(logpmf))
    return int(ks[np.searchsorted(cdf, q)])


def test_two_point_monthly_total_matches_the_exact_binomial_law(rates: R.RateTable) -> None:
    two = Empirical((1000.0, 9000.0), (0.3, 0.7))
    n = 200_000
    sc = BASE.replace(requests_per_month=n, input_tokens_distribution=two)
    low, high = _cost_at(rates, sc, 1000), _cost_at(rates, sc, 9000)
    mean = 0.3 * low + 0.7 * high
    t = _by_label(G.cost_ranges(rates, sc))
    assert t.index.tolist() == t.sort_values("p50_usd").index.tolist()
    for col, q in (("p10_usd", 0.1), ("p50_usd", 0.5), ("p90_usd", 0.9)):
        # n x low + (high - low) x Binomial(n, 0.7): the law is on atoms (high - low) apart, the
        # approximation continuous, so they agree to within one atom.
        expected = n * low + (high - low) * _binom_quantile_large(n, 0.7, q)
        err = (t[col] - expected[t.index]).abs()
        assert (err <= (high - low)[t.index] + t["mc_error_usd"]).all(), (col, err)
    # A band of 2 x 1.2816 x sqrt(n x 0.21) = 525 atoms: the check above is tight.
    assert ((t["p90_usd"] - t["p10_usd"]) / (high - low)[t.index]).between(515, 535).all()
    # The mean's control variate makes it exact for a cost linear in the tokens.
    assert np.allclose(t["mean_usd"], n * mean[t.index], rtol=1e-9)


def test_a_tail_past_the_tier_threshold_costs_what_the_engine_says(rates: R.RateTable) -> None:
    # gemini-2.5-pro charges more for the whole request above 200,000 input tokens.
    tail = Empirical((150_000.0, 250_000.0), (0.8, 0.2))
    sc = BASE.replace(models=("gemini-2.5-pro",), input_tokens_distribution=tail, batch_share=0.0,
                      requests_per_month=10_000)
    r = G.cost_ranges(rates, sc)
    row = _by_label(r).loc["gemini-2.5-pro"]
    engine = {n_in: float(scenario_costs(sc.replace(input_tokens_per_request=n_in), ["gemini-2.5-pro"],
                                         as_of=AS_OF)["cost_per_request_usd"].iloc[0])
              for n_in in (150_000, 250_000)}
    assert engine[250_000] > engine[150_000] * 250 / 150 * 1.2  # the tier, not just more tokens
    assert row["request_p10_usd"] == pytest.approx(engine[150_000], rel=1e-12)
    assert row["request_p90_usd"] == pytest.approx(engine[250_000], rel=1e-12)
    assert row["share_long_context"] == pytest.approx(0.2, abs=0.015)
    assert "pay the long-context price" in row["note"]
    expected_mean = 10_000 * (0.8 * engine[150_000] + 0.2 * engine[250_000])
    assert row["mean_usd"] == pytest.approx(expected_mean, rel=1e-9)
    # The month: 10,000 x the short request + the tier-priced extra x Binomial(10,000, 0.2), to one atom.
    step = engine[250_000] - engine[150_000]
    for col, q in (("p10_usd", 0.1), ("p50_usd", 0.5), ("p90_usd", 0.9)):
        exact = 10_000 * engine[150_000] + step * _binom_quantile_large(10_000, 0.2, q)
        assert abs(row[col] - exact) <= step + row["mc_error_usd"], col
    # The point estimate at the mean input (170,000 tokens) never sees the tier: the range does.
    at_mean = float(scenario_costs(sc.replace(input_tokens_per_request=170_000), ["gemini-2.5-pro"],
                                   as_of=AS_OF)["monthly_usd"].iloc[0])
    assert row["p10_usd"] > at_mean * 1.05


def _direct_months(rates: R.RateTable, sc: Scenario, label: str, months: int, seed: int) -> np.ndarray:
    """Monthly totals by brute force with the standard-tier rates of one model without long-context tiers."""
    i = rates.labels.index(label)
    pin, pc, pout, preas = rates.usd_per_mtok[i, 0, 0]
    rng = np.random.default_rng(seed)
    n = int(sc.requests_per_month)
    out = np.empty(months)
    din, dvis, dreas = G.scenario_distributions(sc)
    for j in range(0, months, 500):
        shape = (min(500, months - j), n)
        inp = np.rint(din.draw(rng.standard_normal(shape)))
        vis = np.rint(dvis.draw(rng.standard_normal(shape)))
        reas = np.rint(dreas.draw(rng.standard_normal(shape)))
        cached = np.round(sc.cached_input_share * inp)
        cost = ((inp - cached) * pin + cached * pc + vis * pout + reas * preas) / 1e6
        out[j: j + shape[0]] = cost.sum(axis=1)
    return out


@pytest.mark.parametrize("volume", [60, 800, 5_000])  # direct, direct with fewer months, normal
def test_error_against_a_large_simulation(rates: R.RateTable, volume: int) -> None:
    sc = Scenario(
        "heavy", input_tokens_per_request=2000, output_tokens_per_request=600, reasoning_tokens_per_request=100,
        cached_input_share=0.2, requests_per_month=volume,
        input_tokens_distribution=LogNormal(2000, 8000), visible_output_tokens_distribution=LogNormal(500, 2000),
        reasoning_tokens_distribution=LogNormal(100, 600),
    )
    months = max(4_000, 20_000_000 // volume)
    big = np.sort(_direct_months(rates, sc, "gpt-4.1", months, seed=7))
    truth = np.quantile(big, [0.1, 0.5, 0.9], method="inverted_cdf")
    # The reference's own sampling error: its distribution-free 95% interval, quantile by quantile.
    ref_err = []
    for p in (0.1, 0.5, 0.9):
        spread = 1.96 * math.sqrt(months * p * (1 - p))
        ref_err.append((big[min(months - 1, math.ceil(months * p + spread))]
                        - big[max(0, math.floor(months * p - spread))]) / 2)
    row = _by_label(G.cost_ranges(rates, sc)).loc["gpt-4.1"]
    got = row[["p10_usd", "p50_usd", "p90_usd"]].to_numpy(dtype=float)
    slack = row["mc_error_usd"] + row["approx_error_usd"] + np.array(ref_err)
    assert np.all(np.abs(got - truth) <= slack), (got, truth, slack)
    assert (row["approx_error_usd"] == 0) == (volume <= G.DIRECT_MAX_REQUESTS)


def test_stated_monte_carlo_error_covers_other_seeds(rates: R.RateTable) -> None:
    sc = BASE.replace(input_tokens_distribution=LogNormal(3000, 12000),
                      visible_output_tokens_distribution=LogNormal(400, 1600))
    ref = _by_label(G.cost_ranges(rates, sc, draws=200_000, seed=99)).loc["gpt-5"]
    covered = 0
    for seed in range(10):
        row = _by_label(G.cost_ranges(rates, sc, seed=seed)).loc["gpt-5"]
        covered += all(abs(row[c] - ref[c]) <= row["mc_error_usd"] for c in ("p10_usd", "p50_usd", "p90_usd"))
    assert covered >= 8


def test_monthly_band_is_the_spread_of_a_sum_not_of_one_request(rates: R.RateTable) -> None:
    sc = BASE.replace(input_tokens_distribution=LogNormal(3000, 12000))
    rel = {}
    for n in (10_000, 1_000_000):
        row = _by_label(G.cost_ranges(rates, sc.replace(requests_per_month=n))).loc["gpt-4.1"]
        rel[n] = (row["p90_usd"] - row["p10_usd"]) / row["p50_usd"]
        # One request varies far more than a month of them.
        assert row["request_p90_usd"] / row["request_p10_usd"] > 3
        assert row["p90_usd"] / row["p10_usd"] < 1.1
    # A hundred times the requests: a tenth of the relative width (1 / sqrt(N)).
    assert rel[1_000_000] / rel[10_000] == pytest.approx(0.1, rel=0.1)


def test_effort_multiplier_scales_reasoning_like_the_engine(rates: R.RateTable) -> None:
    settings = [G.EffortSetting("*", "high", multiplier=3.0, source="measured on our evals, 2026-11")]
    r = G.cost_ranges(rates, BASE, effort="high", efforts=settings)
    tripled = BASE.replace(reasoning_tokens_per_request=900, output_tokens_per_request=800 + 600)
    t = _by_label(r)
    assert (t["p50_usd"] - _point(rates, tripled)[t.index]).abs().max() < 0.005
    assert set(t["effort_source"]) == {"measured on our evals, 2026-11"}


def test_uncertain_effort_level_widens_the_monthly_band(rates: R.RateTable) -> None:
    settings = [
        G.EffortSetting("gpt-5", "high", multiplier=LogNormal(2.0, 4.0), source="vendor blog, unverified"),
        G.EffortSetting("*", "high", reasoning_tokens=Point(0), source="not a reasoning model"),
    ]
    sc = BASE.replace(reasoning_tokens_per_request=800, output_tokens_per_request=1300)
    t = _by_label(G.cost_ranges(rates, sc, effort="high", efforts=settings))
    assert t.loc["gpt-5", "p90_usd"] / t.loc["gpt-5", "p10_usd"] > 1.5
    assert t.loc["gpt-4.1", "p90_usd"] / t.loc["gpt-4.1", "p10_usd"] < 1.001
    no_reasoning = sc.replace(reasoning_tokens_per_request=0, output_tokens_per_request=500)
    assert t.loc["gpt-4.1", "p50_usd"] == pytest.approx(_point(rates, no_reasoning)["gpt-4.1"], abs=0.005)
    assert t.loc["gpt-5", "effort_source"] == "vendor blog, unverified"


def test_effort_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="field 'source'"):
        G.EffortSetting("gpt-5", "high", multiplier=2.0)
    with pytest.raises(ValueError, match="either a multiplier or reasoning_tokens"):
        G.EffortSetting("gpt-5", "high", source="x")
    with pytest.raises(ValueError, match="p90"):
        G.EffortSetting("gpt-5", "high", multiplier={"kind": "lognormal", "p50": 2, "p90": 1}, source="x")


def test_unknown_effort_level_is_an_error(rates: R.RateTable) -> None:
    with pytest.raises(ValueError, match="no setting for level 'xhigh'"):
        G.cost_ranges(rates, BASE, effort="xhigh")
    assert G.EFFORT_DEFAULTS == ()


def test_provider_discount_and_commitment(rates: R.RateTable) -> None:
    sc = BASE.replace(provider_terms={"openai": {"discount": 0.2}, "google": {"committed_usd_per_month": 1e6}})
    t = _by_label(G.cost_ranges(rates, sc))
    point = _point(rates, BASE)
    assert t.loc["gpt-4.1", "p50_usd"] == pytest.approx(0.8 * point["gpt-4.1"], abs=0.005)
    assert t.loc["gemini-2.5-pro", "p10_usd"] == t.loc["gemini-2.5-pro", "p90_usd"] == 1e6
    assert "commitment" in t.loc["gemini-2.5-pro", "note"]
    costs = apply_terms(R.costs_from_rates(rates, BASE), sc.provider_terms).set_index("label")
    assert costs.loc["gpt-4.1", "monthly_usd"] == pytest.approx(0.8 * point["gpt-4.1"])
    assert costs.loc["gemini-2.5-pro", "monthly_usd"] == 1e6
    parts = ["input_usd", "cached_input_usd", "output_usd", "reasoning_usd", "other_usd", "image_usd"]
    assert costs.loc["gemini-2.5-pro", parts].sum() == pytest.approx(1e6)
    with pytest.raises(ScenarioError, match=r"field 'provider_terms'.*'discount'"):
        BASE.replace(provider_terms={"openai": {"discount": 1.5}})
    with pytest.raises(ValueError, match="'committed_usd_per_month'"):
        ProviderTerms("openai", committed_usd_per_month=-1)


def test_probability_cheaper_for_top_pairs(rates: R.RateTable, history: pd.DataFrame) -> None:
    # gpt-4.1 (2 in / 8 out) vs gpt-5 (1.25 in / 10 out): gpt-5 is cheaper for input-heavy requests only.
    shape = Empirical((1000.0, 20_000.0), (0.5, 0.5))
    sc = Scenario("mix", input_tokens_per_request=1000, output_tokens_per_request=1000,
                  input_tokens_distribution=shape, requests_per_month=1_000)
    two = R.rate_table(("gpt-4.1", "gpt-5"), prices=history, as_of=AS_OF)
    r = G.cost_ranges(two, sc, draws=20_000)
    odds = G.prob_cheaper(r)
    assert len(odds) == 1
    row = odds.iloc[0]
    # Per request: the pair's order flips with the input size, each half of the time.
    assert row["p_request"] == pytest.approx(0.5, abs=0.02)
    cheap = r.table["label"].iloc[0]
    assert row["model_a"] == cheap and 0.5 <= row["p_month"] <= 1
    four = G.prob_cheaper(G.cost_ranges(rates, BASE.replace(input_tokens_distribution=LogNormal(3000, 9000))))
    assert len(four) == 6 and four["p_month"].between(0, 1).all()


def test_bands_reduce_to_the_point_curves_without_spread(rates: R.RateTable) -> None:
    sc = BASE.replace(monthly_growth_rate=0.1)
    r = G.cost_ranges(rates, sc)
    costs = R.costs_from_rates(rates, sc)
    curves = G.curve_bands(r, n_points=5)
    per_request = costs.set_index("label")["cost_per_request_usd"]
    expected = curves["requests_per_month"] * curves["label"].map(per_request)
    for col in ("p10_usd", "p50_usd", "p90_usd"):
        assert np.allclose(curves[col], expected, rtol=1e-12)
    proj = G.projection_bands(r, sc).sort_values(["label", "month"]).reset_index(drop=True)
    point = R.projection(costs, sc).sort_values(["label", "month"]).reset_index(drop=True)
    assert np.allclose(proj["p50_usd"], point["monthly_usd"], rtol=1e-12)
    assert np.allclose(proj["cumulative_p90_usd"], point["cumulative_usd"], rtol=1e-12)


def test_projection_band_widens_with_an_uncertain_effort_level(rates: R.RateTable) -> None:
    settings = [G.EffortSetting("*", "high", multiplier=LogNormal(1.0, 2.5), source="guess")]
    r = G.cost_ranges(rates, BASE, effort="high", efforts=settings)
    proj = G.projection_bands(r, BASE)
    last = proj[proj["month"] == 12].set_index("label")
    assert (last["cumulative_p90_usd"] > last["cumulative_p50_usd"] * 1.2).all()
    band = G.curve_bands(r)
    assert (band["p10_usd"] <= band["p50_usd"]).all() and (band["p50_usd"] <= band["p90_usd"]).all()


def test_model_without_output_price_is_never_zero(history: pd.DataFrame) -> None:
    rates = R.rate_table(("text-embedding-3-small", "gpt-4.1"), prices=history, as_of=AS_OF)
    sc = Scenario("embed", output_tokens_per_request=0, visible_output_tokens_distribution=LogNormal(10, 50))
    t = _by_label(G.cost_ranges(rates, sc))
    assert pd.isna(t.loc["text-embedding-3-small", "p50_usd"])
    assert pd.isna(t.loc["text-embedding-3-small", "rank"])
    assert "no output price" in t.loc["text-embedding-3-small", "note"]
    assert t.loc["gpt-4.1", "rank"] == 1


def test_requests_over_the_context_window_are_counted(rates: R.RateTable) -> None:
    sc = BASE.replace(input_tokens_distribution=Empirical((1000.0, 200_000.0), (0.9, 0.1)))
    t = _by_label(G.cost_ranges(rates, sc))
    assert t.loc["gpt-4o-mini", "share_over_context"] == pytest.approx(0.1, abs=0.01)
    assert t.loc["gpt-4.1", "share_over_context"] == 0
    assert "exceed the context window" in t.loc["gpt-4o-mini", "note"]


def test_same_seed_same_figures(rates: R.RateTable) -> None:
    sc = BASE.replace(input_tokens_distribution=LogNormal(3000, 9000))
    a, b = G.cost_ranges(rates, sc, seed=3), G.cost_ranges(rates, sc, seed=3)
    pd.testing.assert_frame_equal(a.table, b.table)
    with pytest.raises(ValueError, match="draws"):
        G.cost_ranges(rates, sc, draws=10)


def test_no_models_and_no_requests(history: pd.DataFrame, rates: R.RateTable) -> None:
    empty = G.cost_ranges(R.rate_table([], prices=history, as_of=AS_OF), BASE)
    assert empty.table.empty and G.curve_bands(empty).empty and G.prob_cheaper(empty).empty
    idle = BASE.replace(requests_per_month=0, input_tokens_distribution=LogNormal(3000, 9000))
    t = G.cost_ranges(rates, idle).table
    assert (t[["p10_usd", "p50_usd", "p90_usd", "mean_usd"]] == 0).all(axis=None)
