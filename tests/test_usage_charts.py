"""Usage charts (pure builders) and the notebook's panel and upload loader."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from explorer import charts_usage as cu
from explorer import usage as u
from explorer.paths import DATA_DIR
from explorer.widgets import upload_box, what_if_panel

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
    shown = what_if_panel(imported.usage, priced, as_of="2026-11-27")
    c = shown.widget.controls
    out = c["out"]
    assert shown._repr_mimebundle_()["text/plain"] == u.WHAT_IF_PANEL_TEXT
    before = out.value
    c["model"].value = "gpt-4o-mini"
    assert out.value != before and "in the what-if" in out.value
    expected = u.what_if(imported.usage, model="gpt-4o-mini")["total_usd"].sum()
    assert f"${expected:,.2f} in the what-if" in out.value
    assert set(c["chart"].chart.data["model"]) == set(priced["model_group"].astype(str))
    c["tier"].value = "priority"
    assert "<table" in out.value


def test_what_if_panel_cache_discount_and_price_date(data: tuple[u.Imported, pd.DataFrame]) -> None:
    imported, priced = data
    # The last day every model of the sample month was on sale (o4-mini was shut down on 2026-10-23).
    c = what_if_panel(imported.usage, priced, as_of="2026-10-22").widget.controls
    assert str(c["as_of"].value) == "2026-10-22"
    c["use_cache"].value = True
    c["cached_share"].value = 0.8
    c["use_discount"].value = True
    c["cached_discount"].value = 0.5
    want = u.what_if(imported.usage, cached_share=0.8, cached_discount=0.5)["total_usd"].sum()
    assert f"${want:,.2f} in the what-if" in c["out"].value
    c["use_discount"].value = False
    c["use_cache"].value = False
    c["use_date"].value = True
    want = u.what_if(imported.usage, as_of="2026-10-22")["total_usd"].sum()
    assert f"${want:,.2f} in the what-if" in c["out"].value


def test_what_if_frame_passes_every_control(data: tuple[u.Imported, pd.DataFrame]) -> None:
    imported, priced = data
    frame = u.what_if_frame(
        imported.usage,
        priced,
        model="gpt-5-mini",
        tier="batch",
        cached_share=0.3,
        cached_discount=0.75,
        as_of="2026-10-15",
    )
    alt = u.what_if(
        imported.usage,
        model="gpt-5-mini",
        service_tier="batch",
        cached_share=0.3,
        cached_discount=0.75,
        as_of="2026-10-15",
    )
    assert frame["what_if_usd"].sum() == pytest.approx(alt["total_usd"].sum())
    assert frame["total_usd"].sum() == pytest.approx(priced["total_usd"].sum())


def test_samples_load_usage_and_bill() -> None:
    paths = u.sample_paths()
    assert [p.name for p in paths] == list(u.SAMPLE_FILES)
    assert all(p.parent == SAMPLES for p in paths)
    imported = u.load_samples()
    assert imported.usage is not None and imported.billed is not None
    assert imported.usage["timestamp"].min().strftime("%Y-%m-%d") == "2026-10-01"
    assert len(imported.usage) == len(u.load(*paths).usage)


def test_upload_box_is_a_file_upload_with_a_stable_text() -> None:
    import ipywidgets as W

    box = upload_box()
    assert isinstance(box.widget, W.FileUpload) and box.widget.multiple
    assert box._repr_mimebundle_()["text/plain"].startswith("[upload box:")
    assert " at 0x" not in box._repr_mimebundle_()["text/plain"]


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
