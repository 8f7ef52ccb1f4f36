"""Self-hosting: monthly cost from GPUs and throughput, its crossovers along volume computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from explorer import results as R
from explorer.crossovers import FixedCostOption, crossovers_along_volume
from explorer.scenarios import Scenario, scenario_costs
from explorer.selfhost import HOURS_PER_MONTH, SelfHostedOption, self_hosted_costs

AS_OF = "2026-11-27"
# gpt-4.1 costs (1,000 x $2 + 500 x $8) / 1e6 = $0.006 a request.
SC = Scenario("sh", models=("gpt-4.1",), input_tokens_per_request=1000, output_tokens_per_request=500,
              requests_per_month=300_000, as_of=AS_OF)
# One replica: 1 GPU at $2/h all month = 2 x 730.5 = $1,461. A request takes 1000/2000 + 500/200 = 3 s;
# at 50% utilisation a replica serves 0.5 x 730.5 x 3600 / 3 = 438,300 requests a month.
OPT = SelfHostedOption("our GPUs", gpu_usd_per_hour=2.0, gpus=1, input_tokens_per_second=2000,
                       output_tokens_per_second=200, utilisation=0.5)


def test_monthly_cost_by_hand() -> None:
    assert HOURS_PER_MONTH == 730.5
    assert OPT.replica_usd_per_month == pytest.approx(1461.0)
    assert OPT.requests_per_replica(1000, 500) == pytest.approx(438_300.0)
    assert float(OPT.monthly_usd(SC, 438_300)) == pytest.approx(1461.0)
    assert float(OPT.monthly_usd(SC, 438_301)) == pytest.approx(2922.0)
    assert float(OPT.monthly_usd(SC, 1)) == pytest.approx(1461.0)  # min_replicas = 1 runs all month
    with_fixed = SelfHostedOption("x", 2.0, 1, 2000, 200, 0.5, fixed_usd_per_month=500.0)
    assert float(with_fixed.monthly_usd(SC, 500_000)) == pytest.approx(500 + 2 * 1461)
    as_used = SelfHostedOption("y", 2.0, 1, 2000, 200, 0.5, min_replicas=0, whole_replicas=False)
    assert float(as_used.monthly_usd(SC, 219_150)) == pytest.approx(1461.0 / 2)


def test_self_hosting_crossovers_along_volume_by_hand() -> None:
    api_per_request = float(scenario_costs(SC)["cost_per_request_usd"].iloc[0])
    assert api_per_request == pytest.approx(0.006)
    res = crossovers_along_volume(SC, fixed_options=[OPT], lo=1_000, hi=5_000_000)
    # 1 replica ($1,461) beats the API from 1,461 / 0.006 = 243,500 requests; past 438,300 a second
    # replica ($2,922) makes the API cheaper again until 2,922 / 0.006 = 487,000; from 2 x 438,300 on
    # the API costs $5,259.60 against $4,383 and never catches up (its $2,629.80 per replica's worth of
    # requests exceeds a replica's $1,461).
    got = [(round(p.at, 6), p.from_label, p.to_label) for p in res.points.itertuples()]
    assert got == [
        (243_500.0, "gpt-4.1", "our GPUs"),
        (438_300.0, "our GPUs", "gpt-4.1"),
        (487_000.0, "gpt-4.1", "our GPUs"),
    ]
    assert res.points["monthly_usd"].tolist() == pytest.approx([1461.0, 438_300 * 0.006, 2922.0])
    curve = res.curves[res.curves["label"] == "our GPUs"].set_index("x")["monthly_usd"]
    assert curve.loc[1_000.0] == pytest.approx(1461.0)
    assert curve.loc[5_000_000.0] == pytest.approx(1461.0 * 12)  # ceil(5e6 / 438,300) = 12 replicas


def test_gpu_hours_as_used_cross_once() -> None:
    opt = SelfHostedOption("serverless", 2.0, 1, 2000, 200, 0.5, min_replicas=1, whole_replicas=False)
    res = crossovers_along_volume(SC, fixed_options=[opt], lo=1_000, hi=1e8)
    assert res.points["at"].tolist() == pytest.approx([243_500.0])
    # Past one replica's capacity the cost grows at $1,461 / 438,300 a request, below the API's $0.006.
    assert float(opt.monthly_usd(SC, 876_600)) == pytest.approx(2922.0)


def test_fixed_cost_option_unchanged_beside_self_hosting() -> None:
    fixed = FixedCostOption("commit", fixed_usd_per_month=2000.0)
    res = crossovers_along_volume(SC, fixed_options=[fixed, OPT], lo=1_000, hi=5_000_000)
    assert res.points.iloc[0]["to_label"] == "our GPUs"
    assert set(res.curves["label"]) == {"gpt-4.1", "commit", "our GPUs"}
    commit = res.curves[res.curves["label"] == "commit"]["monthly_usd"]
    assert (commit == 2000.0).all()


def test_self_hosted_rows_enter_the_ranking() -> None:
    costs = pd.concat([scenario_costs(SC), self_hosted_costs([OPT], SC)], ignore_index=True)
    costs = costs.sort_values("monthly_usd", kind="stable").reset_index(drop=True)
    ranked = R.ranked_table(costs)
    # 300,000 requests: API $1,800 against one replica's $1,461.
    assert ranked["model"].tolist() == ["our GPUs", "gpt-4.1"]
    assert ranked["monthly_usd"].tolist() == pytest.approx([1461.0, 1800.0])
    assert "1 replica(s) x 1 GPU(s)" in ranked["note"].iloc[0]


def test_many_steps_are_refused_with_a_way_out() -> None:
    tiny = SelfHostedOption("tiny", 1.0, 1, 10, 1, 0.5)
    with pytest.raises(ValueError, match=r"tiny.*whole_replicas=False"):
        crossovers_along_volume(SC, fixed_options=[tiny], lo=1_000, hi=1e9)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"gpu_usd_per_hour": -1}, "gpu_usd_per_hour"),
        ({"output_tokens_per_second": 0}, "output_tokens_per_second"),
        ({"utilisation": 1.5}, "utilisation"),
        ({"gpus": 0}, "gpus"),
        ({"min_replicas": 0}, "min_replicas"),
    ],
)
def test_validation_names_the_field(kwargs: dict[str, float], field: str) -> None:
    base = {"name": "x", "gpu_usd_per_hour": 2.0, "gpus": 1, "input_tokens_per_second": 1000,
            "output_tokens_per_second": 100}
    with pytest.raises(ValueError, match=f"'{field}'"):
        SelfHostedOption(**{**base, **kwargs})  # type: ignore[arg-type]


def test_self_hosted_ranges_follow_the_busy_seconds() -> None:
    from explorer.distributions import Empirical
    from explorer.selfhost import self_hosted_ranges

    # Point shape: no spread, the point cost.
    row = self_hosted_ranges([OPT], SC).iloc[0]
    assert row["p10_usd"] == row["p50_usd"] == row["p90_usd"] == pytest.approx(1461.0)
    # Input 1,000 or 21,000 tokens, half the time each: a request takes 3 s or 13 s, 8 s on average.
    # 400,000 requests busy 3,200,000 s on average; one replica gives 0.5 x 2,629,800 = 1,314,900 s, so
    # the median month needs ceil(2.43...) = 3 replicas. The spread (sqrt(400,000) x 5 s = 3,162 s)
    # stays well inside that step, so p10 = p90 = 3 x $1,461.
    sc = SC.replace(requests_per_month=400_000, input_tokens_distribution=Empirical((1000.0, 21_000.0), (1.0, 1.0)))
    row = self_hosted_ranges([OPT], sc).iloc[0]
    assert row["p10_usd"] == row["p90_usd"] == pytest.approx(3 * 1461.0)
    assert float(OPT.monthly_usd_for_seconds(1_314_900 * 2 + 1)) == pytest.approx(3 * 1461.0)
    # Right at a step the band straddles it: 2 replicas in a quiet month, 3 in a busy one.
    at_step = sc.replace(requests_per_month=1_314_900 * 2 / 8)
    row = self_hosted_ranges([OPT], at_step).iloc[0]
    assert (row["p10_usd"], row["p90_usd"]) == (pytest.approx(2 * 1461.0), pytest.approx(3 * 1461.0))
