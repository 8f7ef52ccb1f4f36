"""The same pricing per partition on a local Dask cluster equals the pandas path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explorer import usage as u
from explorer.paths import DATA_DIR

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    # In-process workers; host pinned to loopback, else distributed probes 8.8.8.8 for its own address.
    with (
        distributed.LocalCluster(
            processes=False,
            n_workers=2,
            threads_per_worker=1,
            dashboard_address=None,
            protocol="tcp",
            host="127.0.0.1",
        ) as c,
        distributed.Client(c) as cl,
    ):
        yield cl


def test_price_dask_equals_pandas(client) -> None:  # type: ignore[no-untyped-def]
    usage = u.read_usage(DATA_DIR / "samples" / "requests.csv")
    expected = u.price(usage)
    ddf = dd.from_pandas(usage, npartitions=4)
    got = u.price_dask(ddf).compute()
    assert len(got) == len(expected)
    got = got.loc[expected.index]
    np.testing.assert_allclose(
        got["total_usd"].to_numpy(), expected["total_usd"].to_numpy(), rtol=0, atol=1e-15
    )
    for col in ("resolved_model", "service_tier"):
        assert got[col].tolist() == expected[col].astype(str).tolist()
    by_model = u.price_dask(ddf).groupby("resolved_model")["total_usd"].sum().compute().sort_index()
    want = expected.groupby("resolved_model", observed=True)["total_usd"].sum().sort_index()
    np.testing.assert_allclose(by_model.to_numpy(), want.to_numpy(), rtol=1e-12)
    assert list(by_model.index) == [str(m) for m in want.index]


def test_price_dask_reports_bad_rows(client) -> None:  # type: ignore[no-untyped-def]
    usage = pd.DataFrame(
        {"model": ["gpt-4o-mini", "gpt-9-mega"], "input_tokens": [1, 2], "output_tokens": [1, 1]},
        index=pd.Index([2, 3], name="line"),
    )
    with pytest.raises(ValueError, match=r"line 3, column 'model': unknown model 'gpt-9-mega'"):
        u.price_dask(dd.from_pandas(usage, npartitions=1)).compute()
    skipped = u.price_dask(dd.from_pandas(usage, npartitions=2), skip_unknown=True).compute()
    assert skipped["priced"].tolist() == [True, False]


def test_price_dask_refuses_columns_it_would_leave_unpriced() -> None:
    """Partitions reach the engine as they are: an alias or an unknown count column is an error, not $0."""
    frame = pd.DataFrame({"model": ["gpt-4.1"], "input_tokens": [100], "cached_tokens": [50], "output_tokens": [1]})
    with pytest.raises(ValueError, match=r"'cached_tokens' is not an engine column \(it means 'cached_input_tokens'"):
        u.price_dask(dd.from_pandas(frame, npartitions=1))
    odd = frame.rename(columns={"cached_tokens": "cache_hits"})
    with pytest.raises(ValueError, match=r"unknown count column 'cache_hits'"):
        u.price_dask(dd.from_pandas(odd, npartitions=1))
