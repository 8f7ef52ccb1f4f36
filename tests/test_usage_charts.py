"""Usage charts (pure builders) and the notebook's panel and upload loader."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from explorer import charts_usage as cu
from explorer import usage as u
from explorer.paths import DATA_DIR

SAMPLES = DATA_DIR / "samples"


@pytest.fixture(scope="module")
def data() -> tuple[u.Imported, pd.DataFrame]:
    imported = u.load(
        SAMPLES / "usage_completions_page1.json",
        SAMPLES / "usage_completions_page2.json",
        SAMPLES / "costs.json",
    )
    return imported, u.price(imported.usage)


def test_charts_round_trip_and_stay_small(data: tuple[u.Imported, pd.DataFrame]) -> None:
    imported, priced = data
    charts = [
        cu.spend_over_time_chart(priced),
        cu.top_chart(priced, "project"),
        cu.top_chart(priced, "api_key", top=2),
        cu.what_if_chart(u.compare(priced, u.what_if(imported.usage, model="gpt-5-mini"))),
        cu.savings_chart(u.savings_table(imported.usage, ["gpt-5-nano"])),
        cu.reconcile_chart(u.reconcile(priced, imported.billed, by=("day",))),
    ]
    for chart in charts:
        spec = chart.to_dict()
        json.dumps(spec)
        values = [v for d in spec.get("datasets", {}).values() for v in d]
        assert 0 < len(values) < 5000
    assert len(cu.top_chart(priced, "api_key", top=2).data) == 2


def test_daily_by_model_sums(data: tuple[u.Imported, pd.DataFrame]) -> None:
    _, priced = data
    daily = cu.daily_by_model(priced)
    assert daily["total_usd"].sum() == pytest.approx(priced["total_usd"].sum())
    assert daily["day"].nunique() == 30


def test_one_colour_per_model_across_charts(data: tuple[u.Imported, pd.DataFrame]) -> None:
    _, priced = data
    charts = pytest.importorskip("explorer.charts")
    spec = cu.spend_over_time_chart(priced).to_dict()
    scale = spec["encoding"]["color"]["scale"]
    want = charts.model_colors(scale["domain"]).to_dict()
    assert scale == want


def test_what_if_panel_reacts(data: tuple[u.Imported, pd.DataFrame]) -> None:
    imported, priced = data
    shown = u.what_if_panel(imported.usage, priced)
    model, tier = shown.widget.children[0].children
    out = shown.widget.children[2]
    assert "what-if panel" in shown._repr_mimebundle_()["text/plain"]
    before = out.value
    model.value = "gpt-4.1-nano"
    assert out.value != before and "in the what-if" in out.value
    expected = u.what_if(imported.usage, model="gpt-4.1-nano")["total_usd"].sum()
    assert f"${expected:,.2f} in the what-if" in out.value
    tier.value = "priority"
    assert "<table" in out.value


def test_load_uploaded_names_files_by_their_upload_name() -> None:
    files = [
        {"name": "../../etc/costs.json", "content": (SAMPLES / "costs.json").read_bytes()},
        {"name": "usage.json", "content": (SAMPLES / "usage_completions_page1.json").read_bytes()},
    ]
    imported = u.load_uploaded(files)
    assert set(imported.usage["source_file"].astype(str)) == {"usage.json"}
    assert set(imported.billed["source_file"].astype(str)) == {"costs.json"}
    bad = [{"name": "bad.csv", "content": b"model,input_tokens\ngpt-4o,1\n"}]
    with pytest.raises(ValueError, match=r"^bad\.csv, column 'output_tokens': missing column"):
        u.load_uploaded(bad)
    with pytest.raises(ValueError, match="no file uploaded"):
        u.load_uploaded([])
