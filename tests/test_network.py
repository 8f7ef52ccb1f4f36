"""The suite runs with no network: prove it, and that nothing here asks for one."""

from __future__ import annotations

import os
import socket

import pytest


def test_internet_is_unreachable() -> None:
    with pytest.raises(Exception) as exc:
        socket.create_connection(("pypi.org", 443), timeout=3)
    assert exc.type.__name__ in {"SocketBlockedError", "gaierror", "OSError", "TimeoutError",
                                 "ConnectionRefusedError", "SocketConnectBlockedError"} or isinstance(exc.value, OSError)


def test_ci_runs_in_an_empty_network_namespace() -> None:
    cut = os.environ.get("EXPLORER_NETWORK_CUT")
    if os.environ.get("CI") == "true":
        assert cut == "unshare", "CI must run the suite through .ci/offline (unshare -n)"
    else:
        # Elsewhere pytest-socket (pyproject addopts) must at least be patching connect().
        assert cut == "unshare" or "pytest_socket" in getattr(socket.socket.connect, "__module__", "")


def test_genai_prices_auto_update_is_not_running() -> None:
    from genai_prices import data_snapshot

    import explorer

    explorer.cost_of("gpt-4o", 1, 1)
    assert data_snapshot._custom_snapshot is None
    assert not data_snapshot.get_snapshot().from_auto_update
