"""The app under a small, bounded load on loopback: every viewer's page loads, every change is answered,
no error in the browsers or the server log. The full figures (8 viewers, a minute) are in `make bench`
(benchmarks/bench_app_load.py)."""

from __future__ import annotations

import pytest

from tests import app_load

pytestmark = pytest.mark.browser


def test_two_viewers_each_with_a_kernel_all_answered() -> None:
    res = app_load.run(viewers=2, seconds=8)
    assert len(res.load_s) == 2
    assert res.changes >= 3 and res.answered == res.changes, res
    assert res.browser_errors == (), res.browser_errors
    assert res.server_errors == (), res.server_errors
    assert res.kernels >= 2  # one per viewer (plus the preheated one)
    assert all(rss > 50 for rss in res.kernel_rss_mib)  # real kernels measured, not placeholders
