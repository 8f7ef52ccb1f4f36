"""Shareable reports: a parameterised notebook, executed with papermill, rendered to one HTML file.

The file is self-contained: the Vega/Vega-Lite/vega-embed bundle comes from ``vl-convert-python`` and is
inlined once; no CDN, font, MathJax, require.js or widget-manager URL is left in it, and the exporter
refuses to write a file that still references another host. Charts stay interactive with no kernel:
tooltips, legend selection, and a requests-per-month slider bound inside a chart that recomputes the
costs in the browser. Untrusted text (titles, model names) is escaped everywhere it is shown.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import html
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from explorer import atomic, paths
from explorer import charts as _charts
from explorer import prices as _prices
from explorer import scenarios as _sc
from explorer import widgets as _w

__all__ = ["ReportInputs", "build_report", "prepare"]

TEMPLATE = paths.PACKAGE_DIR / "templates" / "report.ipynb"
DEFAULT_SCENARIO = paths.DATA_DIR / "scenarios" / "support-chatbot.yaml"
CROSSOVER_AXES = ("output_share", "cached_share", "input_tokens")
_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
_CSS_IMPORT = re.compile(r"@import\s+url\(\s*['\"]?(?:https?:)?//", re.I)


@dataclasses.dataclass(frozen=True)
class ReportInputs:
    """What a report shows, resolved from the notebook's parameters."""

    title: str
    """Report title (untrusted: always escaped)."""
    scenario: _sc.Scenario
    """The workload."""
    scenario_source: str
    """Where the scenario came from, for the assumptions table."""
    models: tuple[str, ...]
    """Models compared."""
    as_of: str
    """Price date, YYYY-MM-DD."""
    prices: pd.DataFrame = dataclasses.field(repr=False)
    """The dated price table used."""
    results: _w.DashboardResults = dataclasses.field(repr=False)
    """Tables and chart inputs."""


def prepare(
    *,
    scenario_file: str | Path | None = None,
    models: Sequence[str] | None = None,
    as_of: str | dt.date | None = None,
    title: str | None = None,
    overrides: str | Path | None = None,
) -> ReportInputs:
    """Resolve a report's parameters (used by the report notebook's second cell)."""
    source = Path(scenario_file) if scenario_file else DEFAULT_SCENARIO
    scenario = _sc.load_scenario(source)
    chosen = tuple(models) if models else scenario.models
    if not chosen:
        raise ValueError(f"models: none given and scenario {scenario.name!r} lists none")
    for m in chosen:
        _prices.resolve_model(m)  # an unknown model fails here, naming the closest ones
    day = str(_prices._as_timestamp(as_of if as_of is not None else scenario.as_of).date())
    table = _prices.price_history(overrides=overrides)
    results = _w.compute_results(scenario, list(chosen), prices=table, as_of=day)
    shown_source = _prices._display_path(source) if scenario_file else f"{_prices._display_path(source)} (example)"
    return ReportInputs(title or scenario.name, scenario, shown_source, chosen, day, table, results)


# --------------------------------------------------------------------------------------------------
# Outputs for the notebook cells: objects with _repr_html_, escaped, deterministic


class _HTML:
    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return self.text


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _json_for_script(obj: Any) -> str:
    # Inside <script>, "</script>" in a model name would end the element: escape "<", ">" and "&".
    text = json.dumps(obj, sort_keys=True, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


STYLE = """
<style>
  .xr { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 980px; }
  .xr h1 { font-size: 1.9em; margin: .2em 0; }
  .xr .sub { color: #555; margin-bottom: 1em; }
  .xr table { border-collapse: collapse; margin: .5em 0 1em; font-size: .92em; }
  .xr table th, .xr table td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; }
  .xr table td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .xr tr.cheapest td { background: #e8f5e9; font-weight: 600; }
  .xr .override { color: #b45309; font-weight: 600; }
  .xr .note { color: #555; font-size: .9em; }
  .xr .chart { margin: .5em 0 1.5em; }
  .xr .warn { background: #fff7e6; border-left: 4px solid #f59e0b; padding: .4em .8em; }
  .vega-bindings { margin: .4em 0; font-size: .95em; }
  .vega-bindings input[type=range] { width: 320px; vertical-align: middle; }
</style>
"""


def header(r: ReportInputs) -> _HTML:
    """Title, price date and source, freshness warning, the inlined chart library (once)."""
    import vl_convert as vlc

    from explorer.refresh import active_snapshot

    bundle = vlc.javascript_bundle(vl_version=alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0])
    label = active_snapshot().label
    warn = _prices.freshness_warning(r.as_of)
    return _HTML(
        STYLE
        + f'<script type="text/javascript">{bundle}</script>'
        + '<div class="xr">'
        + f"<h1>{_e(r.title)}</h1>"
        + f'<div class="sub">Scenario <b>{_e(r.scenario.name)}</b> &middot; prices in force on <b>{_e(r.as_of)}</b>'
        + f" &middot; source: {_e(label)} plus the curated tables in <code>data/</code></div>"
        + (f'<p class="warn">{_e(warn)}</p>' if warn else "")
        + (f"<p>{_e(r.scenario.description)}</p>" if r.scenario.description else "")
        + "</div>"
    )


def assumptions(r: ReportInputs) -> _HTML:
    s = r.scenario
    rows = [
        ("Scenario file", r.scenario_source),
        ("Models compared", ", ".join(r.models)),
        ("Input tokens per request", f"{s.input_tokens_per_request:,}"),
        ("Output tokens per request (reasoning included)", f"{s.output_tokens_per_request:,}"),
        ("Reasoning tokens per request", f"{s.reasoning_tokens_per_request:,}"),
        ("Cached share of input", f"{s.cached_input_share:.0%}"),
        ("Requests per month (first month)", f"{s.requests_per_month:,.0f}"),
        ("Traffic on batch / flex / priority", f"{s.batch_share:.0%} / {s.flex_share:.0%} / {s.priority_share:.0%}"),
        ("Monthly growth", f"{s.monthly_growth_rate:.1%}"),
        ("Monthly budget", f"${s.monthly_budget_usd:,.2f}" if s.monthly_budget_usd else "none"),
        ("Prices as of", r.as_of),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return _HTML(f'<div class="xr"><table>{body}</table></div>')


def _usd(x: float) -> str:
    if pd.isna(x):
        return "n/a"
    return f"${x:,.2f}" if abs(x) >= 1 else f"${x:,.6f}".rstrip("0").rstrip(".")


def ranked(r: ReportInputs) -> _HTML:
    t = r.results.ranked
    head = ("Rank", "Model", "Monthly cost", "Per request", "Input", "Cached", "Output", "Reasoning",
            "vs cheapest", "Note")
    out = ["<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for _, row in t.iterrows():
        cls = ' class="cheapest"' if row["cheapest"] else ""
        model = _e(row["model"]) + (' <span class="override">(override)</span>' if row["is_override"] else "")
        pct = [f"{row[c]:.0%}" if pd.notna(row[c]) else "" for c in
               ("input_share", "cached_input_share", "output_share", "reasoning_share")]
        vs = f"{row['vs_cheapest']:.2f}x" if pd.notna(row["vs_cheapest"]) else ""
        rank = "" if pd.isna(row["rank"]) else str(row["rank"])
        out.append(
            f"<tr{cls}><td>{rank}</td><td>{model}</td><td class='num'>{_usd(row['monthly_usd'])}</td>"
            f"<td class='num'>{_usd(row['cost_per_request_usd'])}</td>"
            + "".join(f"<td class='num'>{p}</td>" for p in pct)
            + f"<td class='num'>{vs}</td><td class='note'>{_e(row['note'] or '')}</td></tr>"
        )
    out.append("</table>")
    return _HTML('<div class="xr">' + "".join(out) + "</div>")


def chart_html(chart: alt.TopLevelMixin, name: str) -> _HTML:
    """A chart as a div plus a vegaEmbed call (the bundle is inlined once by :func:`header`)."""
    spec = chart.to_dict()
    div = f"chart-{re.sub(r'[^a-z0-9-]', '-', name.lower())}"
    opts = {"actions": False, "renderer": "svg"}
    return _HTML(
        f'<div class="xr chart"><div id="{div}" class="report-chart"></div></div>'
        f'<script type="text/javascript">vegaEmbed("#{div}", {_json_for_script(spec)}, {_json_for_script(opts)})'
        f'.catch(function (e) {{ document.getElementById("{div}").textContent = "chart failed: " + e; '
        f"console.error(e); }});</script>"
    )


def slider_chart(r: ReportInputs) -> alt.LayerChart:
    """Monthly cost per model with a requests-per-month slider computed in the browser."""
    costs = r.results.costs
    ok = costs[costs["cost_per_request_usd"].notna()][["label", "cost_per_request_usd", "is_override"]].copy()
    # An explicit order: Vega-Lite drops a sort by field on layered charts.
    order = ok.sort_values("cost_per_request_usd", kind="stable")["label"].tolist()
    current = float(r.scenario.requests_per_month)
    hi = max(10.0, current * 10)
    step = max(1.0, round(hi / 1000))
    volume = alt.param(
        name="requests_per_month", value=current,
        bind=alt.binding_range(min=0, max=hi, step=step, name="Requests per month "),
    )
    base = (
        alt.Chart(ok)
        .add_params(volume)
        .transform_calculate(monthly_usd="datum.cost_per_request_usd * requests_per_month")
        .encode(y=alt.Y("label:N", title=None, sort=order))
    )
    colors = _charts.model_colors(ok["label"])
    bars = base.mark_bar().encode(
        x=alt.X("monthly_usd:Q", title="Monthly cost (USD)", axis=alt.Axis(format="$,.0f")),
        color=alt.Color("label:N", scale=colors, legend=None),
        tooltip=[
            alt.Tooltip("label:N", title="Model"),
            alt.Tooltip("monthly_usd:Q", title="Monthly cost (USD)", format="$,.2f"),
            alt.Tooltip("cost_per_request_usd:Q", title="Per request (USD)", format="$,.6f"),
        ],
    )
    labels = base.mark_text(align="left", dx=4).encode(
        x="monthly_usd:Q", text=alt.Text("monthly_usd:Q", format="$,.2f")
    )
    return alt.layer(bars, labels).properties(
        width=_charts.WIDTH, height=max(120, 28 * len(ok)),
        title=alt.TitleParams(
            "Monthly cost at the volume you choose",
            subtitle=[f"Prices as of {r.as_of}. Move the slider: costs are recomputed in this page."],
        ),
    )


def curves_with_legend(r: ReportInputs) -> alt.Chart:
    """Cost against volume, log-log, with a clickable legend that highlights one model."""
    df = r.results.curves
    pick = alt.selection_point(fields=["label"], bind="legend")
    return (
        alt.Chart(df)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("requests_per_month:Q", title="Requests per month", scale=alt.Scale(type="log"),
                    axis=alt.Axis(format="~s")),
            y=alt.Y("monthly_usd:Q", title="Monthly cost (USD)", scale=alt.Scale(type="log"),
                    axis=alt.Axis(format="$,.2~f")),
            color=alt.Color("label:N", title="Model (click to highlight)", scale=_charts.model_colors(df["label"])),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
            tooltip=[
                alt.Tooltip("label:N", title="Model"),
                alt.Tooltip("requests_per_month:Q", title="Requests per month", format=",.0f"),
                alt.Tooltip("monthly_usd:Q", title="Monthly cost (USD)", format="$,.2f"),
            ],
        )
        .add_params(pick)
        .properties(
            width=_charts.WIDTH, height=_charts.HEIGHT,
            title=alt.TitleParams(
                "Monthly cost by volume",
                subtitle=[f"Prices as of {r.as_of}. Per-token prices: parallel lines, the ranking never changes "
                          "with volume."],
            ),
        )
    )


def crossover_sections(r: ReportInputs) -> list[_HTML]:
    """Where the cheapest model changes: output share, cache share, prompt length."""
    from explorer import crossovers as _x

    out = []
    for axis in CROSSOVER_AXES:
        res = _x.crossovers(r.scenario, axis, list(r.models), prices=r.prices, as_of=r.as_of, n_points=60)
        out.append(_HTML(f'<div class="xr"><h3>{_e(_x.AXES[axis][0])}</h3><p>{_e(res.statement)}</p></div>'))
        out.append(chart_html(_charts.crossover_chart(res, as_of=r.as_of), f"crossover-{axis}"))
    return out


def budget(r: ReportInputs) -> _HTML:
    b = r.results.budget
    if b.empty:
        return _HTML('<div class="xr"><p class="note">No monthly budget in this scenario.</p></div>')
    return chart_html(
        _charts.budget_chart(b, budget_usd=float(r.scenario.monthly_budget_usd or 0), as_of=r.as_of), "budget"
    )


def notes(r: ReportInputs) -> _HTML:
    items = [
        "Costs are estimates from list prices: per-token prices times the token counts assumed above. "
        "Your bill also depends on real token counts, retries and discounts.",
        "Cached input tokens are part of input tokens; reasoning tokens are part of output tokens and billed at "
        "the output rate.",
        f"Prices are those in force on {r.as_of}; launch dates and earlier prices come from curated tables "
        "(data/*.csv), some of them from memory and marked so in their source column.",
        "Long-context tiers apply to the whole request once its input passes the threshold.",
    ]
    skipped = [n for n in r.results.costs["note"].dropna() if n]
    if skipped:
        items.append("Notes per model: " + "; ".join(sorted(set(skipped))))
    return _HTML('<div class="xr"><ul>' + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul></div>")


# --------------------------------------------------------------------------------------------------
# Build: papermill -> nbconvert -> checked, atomic write


@dataclasses.dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote."""

    path: Path
    """The HTML file."""
    size_bytes: int
    """Its size."""
    seconds: float
    """Wall time to execute and render."""


@contextlib.contextmanager
def _kernel_path() -> Iterator[None]:
    # The report kernel must be this interpreter (with explorer installed), whatever PATH says.
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), old])
    try:
        yield
    finally:
        os.environ["PATH"] = old


def external_references(text: str) -> list[str]:
    """Places in an HTML file that would load something from another host."""
    hits = [m.group(0) for m in _EXTERNAL.finditer(text)] + [m.group(0) for m in _CSS_IMPORT.finditer(text)]
    return hits


def build_report(
    out: str | Path,
    *,
    scenario_file: str | Path | None = None,
    models: Sequence[str] | None = None,
    as_of: str | None = None,
    title: str | None = None,
    progress: bool = False,
) -> ReportResult:
    """Execute the report notebook with these parameters and write one self-contained HTML file."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    out = Path(out)
    if out.exists() and out.is_dir():
        raise ValueError(f"{out}: is a directory, expected an .html file path")
    if not out.parent.exists():
        raise ValueError(f"{out.parent}: directory does not exist")
    # Fail fast, with the foundation's one-line errors, before starting a kernel.
    prepare(scenario_file=scenario_file, models=models, as_of=as_of, title=title)
    params = {
        "scenario_file": str(Path(scenario_file).resolve()) if scenario_file else None,
        "models": list(models or []),
        "as_of": as_of,
        "title": title,
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, _kernel_path():
        executed = Path(tmp) / "report.ipynb"
        try:
            pm.execute_notebook(str(TEMPLATE), str(executed), parameters=params, progress_bar=progress,
                                kernel_name="python3", cwd=str(paths.REPO_DIR), log_output=False)
        except pm.PapermillExecutionError as exc:
            raise ValueError(f"report notebook failed: {exc.ename}: {exc.evalue}") from None
        nb = nbformat.read(executed, as_version=4)
    exporter = HTMLExporter(template_name="report_html", extra_template_basedirs=[str(TEMPLATE.parent)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or "LLM cost report"}})
    body = _strip_external(body)
    bad = external_references(body)
    if bad:
        raise ValueError(f"report would load from another host ({bad[0]!r}); not written")
    atomic.write_text(out, body)
    return ReportResult(out, out.stat().st_size, time.perf_counter() - started)


def _strip_external(page: str) -> str:
    """Remove what nbconvert's lab template may still point at elsewhere (none of it is needed here)."""
    page = re.sub(r'<script[^>]*src="(?:https?:)?//[^"]*"[^>]*>\s*</script>', "", page)
    page = re.sub(r'<link[^>]*href="(?:https?:)?//[^"]*"[^>]*>', "", page)
    return page
