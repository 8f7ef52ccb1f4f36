"""One live chart per view whose data is swapped on each change, instead of a new Vega-Lite spec built
and validated every time (that costs tens of milliseconds a chart; swapping one row per model costs
well under one)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import altair as alt
import pandas as pd

__all__ = ["ChartSlot", "enable_offline", "records"]

_ENABLED = False


def enable_offline() -> None:
    """Make Altair charts render with no network: ``JupyterChart`` gets its JavaScript from the kernel.

    Also routes plain ``chart`` display through the same offline widget, so a bare chart in a cell
    renders in JupyterLab and Voila without reaching a CDN.
    """
    global _ENABLED
    if not _ENABLED:
        alt.JupyterChart.enable_offline()
        alt.renderers.enable("jupyter", offline=True)
        _ENABLED = True


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return alt.utils.sanitize_pandas_dataframe(df).to_dict(orient="records")  # type: ignore[no-any-return]


records = _records
"""A frame as the rows a chart's dataset holds (what :meth:`ChartSlot.show` sends)."""


class ChartSlot:
    """A ``JupyterChart`` and the spec it shows. :meth:`show` rebuilds the spec only when ``key`` (what the
    chart's structure depends on: titles, colours, sizes) changes; otherwise it swaps the data."""

    def __init__(self) -> None:
        enable_offline()
        empty = alt.Chart(pd.DataFrame({"x": [0]})).mark_point(opacity=0)
        # SVG, not canvas: marks stay in the DOM with their values (screen readers, browser tests).
        self.widget = alt.JupyterChart(empty, embed_options={"renderer": "svg", "actions": False})
        self.key: tuple[Hashable, ...] | None = None
        self.data = pd.DataFrame()
        """The rows the chart shows now."""
        self._templates: dict[tuple[Hashable, ...], tuple[dict[str, Any], str]] = {}
        self.rebuilds = 0
        """How many times a whole spec was built (tests check that a data change does not rebuild)."""

    def show(
        self, key: tuple[Hashable, ...], data: pd.DataFrame, build: Callable[[pd.DataFrame], alt.TopLevelMixin],
        records: list[dict[str, Any]] | None = None,
    ) -> None:
        """Show ``data`` in the chart ``build`` makes; reuse the spec built for ``key`` if there is one (the
        last few structures are kept, so going back to an earlier axis or selection costs no new spec).
        ``records``: ``data`` already sanitised for the browser (:func:`records`), when the caller caches it."""
        self.data = data
        template = self._templates.get(key)
        if template is None:
            # The builders' specs are validated against the Vega-Lite schema by tests/test_charts.py; doing it
            # again on every new structure costs most of a change's time (tens of milliseconds a chart).
            spec = build(data).to_dict(validate=False)
            names = list(spec.get("datasets", {}))
            self.rebuilds += 1
            self.key = key
            if len(names) == 1:  # one dataset: later changes with this key swap it
                self._templates[key] = (spec, names[0])
                while len(self._templates) > 8:
                    self._templates.pop(next(iter(self._templates)))
            self.widget.spec = spec
            return
        spec, name = template
        self.key = key
        self.widget.spec = {**spec, "datasets": {name: records if records is not None else _records(data)}}

    @property
    def spec(self) -> dict[str, Any]:
        """The spec the browser receives."""
        return dict(self.widget.spec or {})
