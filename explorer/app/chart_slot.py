"""One live chart per view whose data is swapped on each change, instead of a new Vega-Lite spec built
and validated every time (that costs tens of milliseconds a chart; swapping one row per model costs
well under one).

Every chart is an :class:`OfflineChart`: Altair's ``JupyterChart`` whose own JavaScript module is a few lines
that load the chart library (Altair's offline bundle, about 0.9 MB) from one shared :class:`ChartScript`
widget, sent to the browser and compiled once per page. Plain ``JupyterChart`` carries the whole bundle in each
chart, so a page of ten charts sends and compiles it ten times; anywidget gives a model two seconds to load
its module, and one that misses that window drops every later update from the kernel, leaving its chart
frozen without an error on the page. A small module is ready in milliseconds, even on a loaded machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import Any

import altair as alt
import anywidget
import ipywidgets as W
import pandas as pd
import traitlets

__all__ = ["ChartScript", "ChartSlot", "OfflineChart", "chart_script", "enable_offline", "records"]

_ENABLED = False

# The chart's module: fetch the shared script's model, compile its source once per page (keyed by digest, so
# two kernels with different Altair versions in one JupyterLab page do not share), then hand over to Altair's
# own render. Anything that fails is said in the chart's place and in the console, never a blank area.
_SHIM = r"""
const compiled = (globalThis.__explorerChartScripts ??= new Map());

async function library(model) {
  const ref = String(model.get("_script") ?? "");
  const script = await model.widget_manager.get_model(ref.replace(/^IPY_MODEL_/, ""));
  const digest = script.get("digest");
  if (!compiled.has(digest)) {
    const url = URL.createObjectURL(new Blob([script.get("source")], { type: "text/javascript" }));
    compiled.set(digest, import(url).finally(() => URL.revokeObjectURL(url)));
  }
  return (await compiled.get(digest)).default;
}

async function render({ model, el, experimental }) {
  try {
    const lib = await library(model);
    return await lib.render({ model, el, experimental });
  } catch (error) {
    el.textContent = `The chart could not be drawn: ${error?.message ?? error}`;
    console.error("[explorer] chart:", error);
  }
}

export default { render };
"""


class ChartScript(anywidget.AnyWidget):  # type: ignore[misc]
    """The chart library's JavaScript, held once per kernel for every :class:`OfflineChart` (never displayed)."""

    _esm = "export default {};"
    source = traitlets.Unicode("").tag(sync=True)
    """Altair's offline ``JupyterChart`` module: vega, vega-lite and vega-embed, bundled by vl-convert."""
    digest = traitlets.Unicode("").tag(sync=True)
    """SHA-256 prefix of ``source``: the browser compiles each distinct source once."""


_SCRIPT: ChartScript | None = None


def chart_script() -> ChartScript:
    """The kernel's one :class:`ChartScript` (made again if it was closed)."""
    global _SCRIPT
    if _SCRIPT is None or _SCRIPT.comm is None:
        alt.JupyterChart.enable_offline()
        source = str(alt.JupyterChart._esm)
        _SCRIPT = ChartScript(source=source, digest=hashlib.sha256(source.encode()).hexdigest()[:16])
    return _SCRIPT


class OfflineChart(alt.JupyterChart):  # type: ignore[misc]
    """``alt.JupyterChart`` that draws with the shared :func:`chart_script` instead of carrying its own copy
    of the chart library; same Python API (``spec``, ``chart``, ``params``, ``selections``)."""

    _esm = _SHIM
    _script = traitlets.Instance(ChartScript).tag(sync=True, **W.widget_serialization)

    def __init__(self, chart: alt.TopLevelMixin, **kwargs: Any) -> None:
        super().__init__(chart, _script=chart_script(), **kwargs)


def _renderer(spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    """Altair renderer for a bare chart in a cell: an :class:`OfflineChart`."""
    chart = OfflineChart(alt.Chart.from_dict(spec), embed_options=metadata.get("embed_options"))
    return chart._repr_mimebundle_()  # type: ignore[no-any-return]


def enable_offline() -> None:
    """Make Altair charts render with no network: the chart library comes from the kernel, once.

    Also routes plain ``chart`` display through :class:`OfflineChart`, so a bare chart in a cell renders in
    JupyterLab and Voila without reaching a CDN.
    """
    global _ENABLED
    if not _ENABLED:
        alt.renderers.register("explorer", _renderer)
        alt.renderers.enable("explorer")
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
        self.widget = OfflineChart(empty, embed_options={"renderer": "svg", "actions": False})
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
