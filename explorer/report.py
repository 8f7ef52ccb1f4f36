"""The kernel-free explorer: one self-contained HTML file, written straight from Python, in which the main
controls work with no kernel.

The page carries the prices of the scenario's candidate models as a :class:`~explorer.results.RateTable`
serialised to JSON, and a small script (``templates/report.js``) that ports
:func:`~explorer.results.costs_from_rates`, :func:`~explorer.results.ranked_table` and
:func:`~explorer.results.chart_rows` with the engine's semantics (service tiers, long-context tiers,
rounding of cached tokens, notes). Every change of a control recomputes the ranking table and sends one
row per model to each chart's Vega view (``view.data(...)``); the charts derive curves, budget reach and
the projection from those rows themselves (:mod:`explorer.charts`). Tests drive the controls in Chromium
and compare every number with the Python engine.

The file is offline: the Vega/Vega-Lite/vega-embed bundle comes from ``vl-convert-python`` and is inlined
once; no CDN, font or other host is referenced, and :func:`build_report` refuses to write a page that
still references another host. Untrusted text (titles, model names, sources) is escaped in HTML and in
the inlined JSON, and the script only ever sets it as text.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import html
import importlib.resources
import json
import math
import re
import string
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from explorer import atomic, fmt, paths
from explorer import charts as _charts
from explorer import prices as _prices
from explorer import results as _r
from explorer import scenarios as _sc
from explorer.costs import MAX_COUNT
from explorer.limits import clip

__all__ = [
    "ReportInputs",
    "ReportResult",
    "build_report",
    "engine_data",
    "external_references",
    "prepare",
    "ranking_cells",
    "render",
]

DEFAULT_SCENARIO = paths.DATA_DIR / "scenarios" / "support-chatbot.yaml"
CROSSOVER_AXES = ("output_share", "cached_share", "input_tokens")
LIVE_CHARTS: tuple[str, ...] = ("components", "curves", "budget", "projection")
"""Charts the page's controls update (each a Vega view whose one dataset is named :data:`DATASET`)."""
DATASET = "rows"
"""Name of the one dataset of every live chart: :func:`explorer.results.chart_rows`, one row per model."""
CURVE_POINTS = 17
"""Volume points per model on the report's cost curves: one every quarter decade, the scenario's own volume
among them (the lines are straight on log-log axes; the points carry the tooltips)."""
MAX_BYTES = 3_000_000
"""Largest report written: a page to attach to an e-mail."""
RANKING_HEAD: tuple[str, ...] = (
    "Rank", "Model", "Monthly cost", "Per request", "vs cheapest", "Input", "Cached input", "Output",
    "Reasoning", "Other", "Note",
)
"""Columns of the ranking table, in the page and in :func:`ranking_cells`."""

_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
_CSS_IMPORT = re.compile(r"@import\s+url\(\s*['\"]?(?:https?:)?//", re.I)


@dataclasses.dataclass(frozen=True)
class ReportInputs:
    """What a report shows, resolved from its parameters."""

    title: str
    """Report title (untrusted: always escaped)."""
    scenario: _sc.Scenario
    """The workload the page opens on."""
    scenario_source: str
    """Where the scenario came from, for the assumptions table."""
    models: tuple[str, ...]
    """Candidate models, as given (the page's model checkboxes)."""
    as_of: str
    """Price date, YYYY-MM-DD."""
    prices: pd.DataFrame = dataclasses.field(repr=False)
    """The dated price table used."""
    rates: _r.RateTable = dataclasses.field(repr=False)
    """The candidates' prices on ``as_of``, as the page's script receives them."""
    costs: pd.DataFrame = dataclasses.field(repr=False)
    """:func:`explorer.scenarios.scenario_costs` at the scenario's own assumptions (what the page opens on)."""


def prepare(
    *,
    scenario_file: str | Path | None = None,
    models: Sequence[str] | None = None,
    as_of: str | dt.date | None = None,
    title: str | None = None,
    overrides: str | Path | None = None,
) -> ReportInputs:
    """Resolve a report's parameters; bad input raises ``ValueError`` with a one-line message."""
    source = Path(scenario_file) if scenario_file else DEFAULT_SCENARIO
    scenario = _sc.load_scenario(source)
    chosen = tuple(models) if models else scenario.models
    if not chosen:
        raise ValueError(f"models: none given and scenario {clip(scenario.name)} lists none")
    for m in chosen:
        _prices.resolve_model(m)  # an unknown model fails here, naming the closest ones
    day = str(_prices._as_timestamp(as_of if as_of is not None else scenario.as_of).date())
    table = _prices.price_history(overrides=overrides)
    costs = _sc.scenario_costs(scenario, list(chosen), prices=table, as_of=day)
    rates = _r.rate_table(list(chosen), prices=table, as_of=day)
    shown_source = _prices._display_path(source) if scenario_file else f"{_prices._display_path(source)} (example)"
    return ReportInputs(title or scenario.name, scenario, shown_source, chosen, day, table, rates, costs)


# --------------------------------------------------------------------------------------------------
# What the page's script receives


def _num(x: float) -> float | None:
    """A float for JSON: NaN and infinities (no JSON spelling) become null; the script reads them back."""
    return float(x) if math.isfinite(x) else None


def engine_data(r: ReportInputs) -> dict[str, Any]:
    """The rate table and the scenario as plain JSON data: everything the page's script prices from.

    ``thresholds`` null means "never" (an unused long-context slot, +inf in the rate table), ``rates`` null
    means "no price" (NaN); ``image_usd`` null means the scenario's images have no price on that model.
    """
    rt = r.rates
    s = r.scenario
    image, image_notes = _r.image_costs(rt.keys, s, r.as_of)
    models = []
    for i, (prov, model) in enumerate(rt.keys):
        window = float(rt.context_window_tokens[i])
        models.append(
            {
                "provider": prov,
                "model": model,
                "label": rt.labels[i],
                "priced": bool(rt.priced[i]),
                "has_output_price": bool(rt.has_output_price[i]),
                "offered": [bool(v) for v in rt.offered[i]],
                "thresholds": [[_num(v) for v in tier] for tier in rt.thresholds_tokens[i]],
                "rates": [[[_num(v) for v in slot] for slot in tier] for tier in rt.usd_per_mtok[i]],
                "is_override": [bool(v) for v in rt.is_override[i]],
                "context_window": None if math.isnan(window) else int(window),
                "price_source": rt.price_source[i],
                "skip_reason": rt.skip_reason[i],
                "image_usd": _num(float(image[i])),
                "image_note": image_notes[i],
            }
        )
    text = text_data(r)
    for m, t in zip(models, text["models"], strict=True):
        m["text"] = t
    return {
        "kinds": text["kinds"],
        "as_of": r.as_of,
        "tiers": list(_r.SERVICE_TIERS),
        "max_count": float(MAX_COUNT),
        "dataset": DATASET,
        "scenario": {
            "input_tokens_per_request": s.input_tokens_per_request,
            "output_tokens_per_request": s.output_tokens_per_request,
            "reasoning_tokens_per_request": s.reasoning_tokens_per_request,
            "requests_per_month": float(s.requests_per_month),
            "cached_input_share": float(s.cached_input_share),
            "batch_share": float(s.batch_share),
            "flex_share": float(s.flex_share),
            "priority_share": float(s.priority_share),
            "monthly_growth_rate": float(s.monthly_growth_rate),
            "monthly_budget_usd": float(s.monthly_budget_usd or 0.0),
            "input_chars_per_request": int(s.input_chars_per_request),
            "input_text_kind": s.input_text_kind,
        },
        "models": models,
    }


def text_data(r: ReportInputs) -> dict[str, Any]:
    """What the page needs to describe requests by text: per model and text kind, the tokens per 1,000
    characters and the ratio of :func:`explorer.text_costs.chars_plan` (the page counts with the same
    arithmetic), the estimate's range and label; and per model its lifecycle and verification (tooltips)."""
    from explorer import families
    from explorer import provenance as _prov
    from explorer import text_costs as _text

    plans = {k: _text.plans_for(r.rates.keys, k) for k in families.KINDS}
    prov = _prov.model_provenance(r.rates.keys, prices=r.prices, as_of=r.as_of)
    models = []
    for i, p in enumerate(prov.itertuples(index=False)):
        first = plans[families.KINDS[0]][i]
        models.append({
            "own": first.own, "low": first.factor_low, "high": first.factor_high,
            "per_kchar": {k: plans[k][i].per_kchar for k in families.KINDS},
            "ratio": {k: plans[k][i].ratio for k in families.KINDS},
            "method": {k: plans[k][i].method for k in families.KINDS},
            "lifecycle": p.lifecycle, "verified": p.verified,
        })
    return {"kinds": [[k, _text.KIND_LABELS[k]] for k in families.KINDS], "models": models}


def text_ranking_cells(ranked: pd.DataFrame, plans: Sequence[Any]) -> list[list[str]]:
    """:func:`ranking_cells` of a request described by text: a model whose input tokens are estimated is
    named with " ≈" (its cell's tooltip gives the basis, ratio and range)."""
    own = {p.label: p.own for p in plans}
    cells = ranking_cells(ranked)
    for row, model in zip(cells, ranked["model"], strict=True):
        if not own.get(str(model), True):
            row[1] += " ≈"
    return cells


def chart_rows_for_page(r: ReportInputs) -> pd.DataFrame:
    """The live charts' first rows: :func:`explorer.results.chart_rows` with the tooltips' lifecycle,
    provenance and token columns, as the page's script sends them on every change."""
    from explorer import provenance as _prov
    from explorer import text_costs as _text

    s = r.scenario
    rows = _prov.annotate_rows(_r.chart_rows(r.costs, s), _prov.model_provenance(r.rates.keys, prices=r.prices,
                                                                                  as_of=r.as_of))
    plans = _text.plans_for(r.rates.keys, s.input_text_kind) if s.input_chars_per_request else None
    return _text.annotate_text_rows(rows, plans, s.input_chars_per_request)


# --------------------------------------------------------------------------------------------------
# Static HTML pieces (all text escaped)


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _json_for_script(obj: Any) -> str:
    # Inside <script>, "</script>" in a model name would end the element: escape "<", ">" and "&".
    text = json.dumps(obj, sort_keys=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _HTML:
    """A piece of already-escaped HTML (``.text``); renders as itself in a notebook too."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return self.text


def header(r: ReportInputs) -> _HTML:
    """Title, scenario, price date and source, freshness warning."""
    from explorer.snapshot import active_snapshot

    label = active_snapshot().label
    warn = _prices.freshness_warning(r.as_of)
    return _HTML(
        f"<h1>{_e(r.title)}</h1>"
        f'<p class="sub">Scenario <b>{_e(r.scenario.name)}</b> &middot; prices in force on <b>{_e(r.as_of)}</b>'
        f" &middot; source: {_e(label)} plus the curated tables in <code>data/</code></p>"
        + (f'<p class="warn" role="note">{_e(warn)}</p>' if warn else "")
        + (f"<p>{_e(r.scenario.description)}</p>" if r.scenario.description else "")
    )


def assumptions(r: ReportInputs) -> _HTML:
    """The scenario the page opens on (the controls start from these values)."""
    s = r.scenario
    rows = [
        ("Scenario file", r.scenario_source),
        ("Models compared", ", ".join(r.models)),
        ("Input tokens per request", fmt.count(s.input_tokens_per_request)),
        ("Output tokens per request (reasoning included)", fmt.count(s.output_tokens_per_request)),
        ("Reasoning tokens per request", fmt.count(s.reasoning_tokens_per_request)),
        ("Cached share of input", fmt.pct(s.cached_input_share, blank_zero=False)),
        ("Requests per month (first month)", fmt.count(s.requests_per_month)),
        ("Traffic on batch / flex / priority", " / ".join(
            fmt.pct(x, blank_zero=False) for x in (s.batch_share, s.flex_share, s.priority_share))),
        ("Monthly growth", fmt.pct(s.monthly_growth_rate, digits=1, blank_zero=False)),
        ("Monthly budget", fmt.usd(s.monthly_budget_usd) if s.monthly_budget_usd else "none"),
        ("Prices as of", r.as_of),
    ]
    body = "".join(f"<tr><th scope='row'>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return _HTML(f'<table class="assumptions">{body}</table>')


def ranking_cells(ranked: pd.DataFrame) -> list[list[str]]:
    """The ranking table's cells as text (:data:`RANKING_HEAD` order), formatted by :mod:`explorer.fmt`.

    The page's script writes the same strings from its own numbers; tests compare the two.
    """
    out = []
    for row in ranked.itertuples(index=False):
        out.append(
            [
                "" if pd.isna(row.rank) else str(row.rank),
                str(row.model) + (" (override)" if row.is_override else ""),
                fmt.usd(row.monthly_usd),
                fmt.usd(row.cost_per_request_usd),
                "" if pd.isna(row.vs_cheapest) else f"{row.vs_cheapest:.2f}x",
                fmt.pct(row.input_share),
                fmt.pct(row.cached_input_share),
                fmt.pct(row.output_share),
                fmt.pct(row.reasoning_share),
                fmt.pct(row.other_share),
                str(row.note or ""),
            ]
        )
    return out


def ranking_table(r: ReportInputs) -> _HTML:
    """The ranking at the scenario's assumptions; the script rewrites its body on every change."""
    head = "".join(f"<th scope='col'>{_e(h)}</th>" for h in RANKING_HEAD)
    body = []
    ranked = _r.ranked_table(r.costs)
    for cells, cheapest in zip(ranking_cells(ranked), ranked["cheapest"], strict=True):
        cls = ' class="cheapest"' if cheapest else ""
        tds = "".join(
            f"<td class='{'num' if 1 < j < 10 or j == 0 else 'txt'}'>{_e(c)}</td>" for j, c in enumerate(cells)
        )
        body.append(f"<tr{cls}>{tds}</tr>")
    # Reasoning tokens and generated images are not among the page's controls: a scenario without them
    # could only show blank columns, so they are hidden.
    cls = " ".join(["ranking", *(["no-reasoning"] if not r.scenario.reasoning_tokens_per_request else []),
                    *(["no-other"] if not r.scenario.images_per_request else [])])
    return _HTML(
        f'<table id="ranking" class="{cls}"><caption>Monthly cost per model, cheapest first</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _finite(node: Any) -> Any:
    """JSON has no NaN: a missing number (a model with no price along a crossover axis) becomes null,
    which Vega reads as missing too."""
    if isinstance(node, float):
        return node if math.isfinite(node) else None
    if isinstance(node, dict):
        return {k: _finite(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_finite(v) for v in node]
    return node


def _spec(chart: alt.TopLevelMixin, *, dataset: str | None = None) -> dict[str, Any]:
    """A chart's Vega-Lite spec; its one dataset renamed to ``dataset`` so the page can replace it."""
    # The builders' specs are validated against the Vega-Lite schema in tests/test_charts.py, and the page's
    # tests render each one in Chromium; validating again here would be a third of the build time.
    spec = _finite(chart.to_dict(validate=False))
    if dataset is None:
        return spec
    names = list(spec.get("datasets", {}))
    if len(names) != 1:
        raise ValueError(f"chart has {len(names)} datasets; a live chart needs exactly one")
    old = names[0]
    spec["datasets"] = {dataset: spec["datasets"][old]}

    def rename(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("name") == old and set(node) <= {"name", "format"}:
                node["name"] = dataset
            for v in node.values():
                rename(v)
        elif isinstance(node, list):
            for v in node:
                rename(v)

    rename(spec)
    return spec


def live_specs(r: ReportInputs) -> dict[str, dict[str, Any]]:
    """The Vega-Lite specs of the charts the controls update, each with one dataset named :data:`DATASET`."""
    rows = chart_rows_for_page(r)
    # One colour per candidate for the whole session: unchecking a model does not repaint the others.
    colors = _charts.model_colors(rows["label"])
    return {
        "components": _spec(_charts.component_chart(rows, as_of=r.as_of), dataset=DATASET),
        # Cost is linear in volume, so each curve is a straight line on log-log axes: the points only carry
        # tooltips, and 4,000 of them (20 models) make every update take 400 ms instead of 20.
        "curves": _spec(_charts.cost_curves_chart(rows, as_of=r.as_of, colors=colors, n_points=CURVE_POINTS),
                        dataset=DATASET),
        "budget": _spec(_charts.budget_chart(rows, as_of=r.as_of, colors=colors), dataset=DATASET),
        "projection": _spec(_charts.projection_chart(rows, as_of=r.as_of, colors=colors), dataset=DATASET),
    }


def crossover_sections(r: ReportInputs) -> tuple[_HTML, dict[str, dict[str, Any]]]:
    """Where the cheapest model changes along output share, cache share and prompt length (at the
    scenario's own assumptions, computed here at build time)."""
    from explorer import crossovers as _x

    parts: list[str] = []
    specs: dict[str, dict[str, Any]] = {}
    for axis in CROSSOVER_AXES:
        res = _x.crossovers(r.scenario, axis, list(r.models), prices=r.prices, as_of=r.as_of, n_points=60)
        name = f"crossover-{axis.replace('_', '-')}"
        parts.append(
            f"<h3>{_e(_x.AXES[axis][0])}</h3><p>{_e(res.statement)}</p>"
            f'<div id="chart-{name}" class="report-chart static"></div>'
        )
        specs[name] = _spec(_charts.crossover_chart(res, as_of=r.as_of))
    return _HTML("".join(parts)), specs


def notes(r: ReportInputs) -> _HTML:
    """What is estimated, and where each model's price comes from."""
    items = [
        "Costs are estimates from list prices: per-token prices times the token counts you set. "
        "Your bill also depends on real token counts, retries and discounts.",
        "Cached input tokens are part of input tokens (rounded to whole tokens); reasoning tokens are part of "
        "output tokens and billed at the output rate.",
        "Traffic on a service tier a model does not offer is priced at its standard rate (the table's note "
        "says so).",
        f"Prices are those in force on {r.as_of}; launch dates and earlier prices come from curated tables "
        "(data/*.csv), some of them from memory and marked so in their source column.",
        "Long-context tiers apply to the whole request once its input passes the threshold.",
        "Every number above is computed in this page from the prices listed below; nothing is sent anywhere.",
    ]
    rt = r.rates
    sources = []
    prov = provenance_notes(r)
    for i, label in enumerate(rt.labels):
        window = rt.context_window_tokens[i]
        detail = (rt.price_source[i] or rt.skip_reason[i] or "no price") + prov[i]
        if not math.isnan(window):
            detail += f"; context window {fmt.count(window)} tokens"
        if rt.is_override[i].any():
            detail += "; override prices"
        sources.append(f"<li><b>{_e(label)}</b>: {_e(detail)}</li>")
    return _HTML(
        "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>"
        '<h3 id="provenance">Where each price comes from</h3><ul class="sources">' + "".join(sources) + "</ul>"
    )


RANGES_DATASET = DATASET
"""The range chart's one dataset: one row per model (label, p10, p50, p90, prices)."""


def ranges_data(r: ReportInputs) -> dict[str, Any]:
    """What the page's "Costs as ranges" section computes from, per spread option (the bundled presets of
    :data:`explorer.range_results.SPREAD_PRESETS`, and the scenario's own distributions if it has any).

    For each option and model (in :func:`engine_data`'s order): the mean, standard deviation and skewness
    of one request's cost from :func:`explorer.ranges.cost_ranges` at the scenario's assumptions, the first
    two relative to the point cost per request there. The page multiplies them by the cost per request it
    computes for the current inputs and applies the same skew-matched law of a month of N requests as
    :mod:`explorer.ranges`. So p10 / p50 / p90 are the engine's exactly when only the volume, the budget
    and the models checked change (above :data:`explorer.ranges.DIRECT_MAX_REQUESTS` requests a month,
    where the engine uses that law too), and scaled approximations when the request's shape changes (the
    page says which). Negotiated terms are left out: the page prices at list prices.
    """
    from explorer import range_results as _rr
    from explorer import ranges as _ranges

    base = r.scenario.replace(provider_terms=())
    options: dict[str, tuple[str, _sc.Scenario]] = {}
    if any(getattr(base, f) is not None for f in
           ("input_tokens_distribution", "visible_output_tokens_distribution", "reasoning_tokens_distribution")):
        options["scenario"] = ("the scenario's own distributions", base)
    for name, ratios in _rr.SPREAD_PRESETS.items():
        label = "none: every request alike" if name == "none" else (
            f"{name} (assumed: p90 = {ratios[0]:g}x / {ratios[1]:g}x / {ratios[2]:g}x the median of input / "
            "output / reasoning tokens)")
        options[name] = (label, _rr.with_spread(base, *ratios))
    rt = r.rates
    image, notes = _r.image_costs(rt.keys, base, r.as_of)
    out: dict[str, Any] = {}
    for name, (label, sc) in options.items():
        costs = _r.costs_from_rates(rt, sc, image_usd_per_request=image, image_notes=notes)
        cpr = dict(zip(costs["label"], costs["cost_per_request_usd"].astype(float), strict=True))
        cr = _ranges.cost_ranges(rt, sc, costs=costs, image_usd_per_request=image, image_notes=notes)
        at = {lbl: j for j, lbl in enumerate(cr.labels)}
        models = []
        for lbl in rt.labels:
            j = at.get(lbl)
            c = cpr.get(lbl, math.nan)
            if j is None or not math.isfinite(c) or c <= 0:
                models.append(None)
                continue
            models.append({
                "mean": _num(float(cr.mean_usd_per_request[j, 0]) / c),
                "sd": _num(float(cr.sd_usd_per_request[j, 0]) / c),
                "skew": _num(float(cr.skewness_per_request[j, 0])),
            })
        out[name] = {"label": label, "models": models}
    default = "scenario" if "scenario" in options else "medium"
    return {"options": out, "default": default, "z90": _ranges._Z90, "direct_max": _ranges.DIRECT_MAX_REQUESTS,
            "dataset": RANGES_DATASET}


def ranges_section(r: ReportInputs, data: dict[str, Any]) -> tuple[_HTML, dict[str, Any]]:
    """The "Costs as ranges" section (its table body and chart filled by the page's script) and the live
    spec of its range chart."""
    from explorer import charts_ranges as _cr

    opts = "".join(
        f'<option value="{_e(k)}"{" selected" if k == data["default"] else ""}>{_e(v["label"])}</option>'
        for k, v in data["options"].items()
    )
    head = "".join(f"<th scope='col'>{h}</th>" for h in ("Rank", "Model", "p10", "p50", "p90"))
    rows = pd.DataFrame({"label": list(r.rates.labels), "p10": 1.0, "p50": 1.0, "p90": 1.0, "prices": "bundled"})
    spec = _spec(_cr.range_chart(rows, as_of=r.as_of), dataset=RANGES_DATASET)
    return _HTML(
        '<p class="note">Requests differ: p10 / p50 / p90 are the monthly totals of 10%, 50% and 90% of '
        "simulated months, with each request's tokens drawn from the spread chosen here "
        "(explorer.ranges). The spread presets are assumptions to try, not measurements.</p>"
        f'<div class="field"><label for="spread">How unequal are requests</label>'
        f'<select id="spread">{opts}</select></div>'
        '<p id="ranges-note" class="note" role="status"></p>'
        f'<table id="ranges"><caption>Monthly cost as a range, cheapest median first</caption>'
        f"<thead><tr>{head}</tr></thead><tbody></tbody></table>"
        '<div id="chart-ranges" class="report-chart live"></div>'
    ), spec


def provenance_notes(r: ReportInputs) -> list[str]:
    """Per candidate, what its footnote adds to the source: whether and when the price was verified
    ("verified 2026-11-27" or "unverified") and the model's lifecycle on the report's date."""
    from explorer import provenance as _prov

    prov = _prov.model_provenance(r.rates.keys, prices=r.prices, as_of=r.as_of)
    return [
        f"; {p.verified}; {p.lifecycle}" if p.price_source else f"; {p.lifecycle}"
        for p in prov.itertuples(index=False)
    ]


def text_controls(r: ReportInputs, box: Any) -> str:
    """"Describe requests by: tokens | text", and for text the characters per request and their kind; each
    control with a ``<label for>``."""
    from explorer import text_costs as _text

    s = r.scenario
    text = bool(s.input_chars_per_request)
    modes = "".join(f'<option value="{m}"{" selected" if (m == "text") == text else ""}>{m}</option>'
                    for m in ("tokens", "text"))
    kinds = "".join(f'<option value="{_e(k)}"{" selected" if k == s.input_text_kind else ""}>{_e(v)}</option>'
                    for k, v in _text.KIND_LABELS.items())
    hidden = "" if text else " hidden"
    return (
        '<div class="field"><label for="describe-by">Describe requests by</label>'
        f'<select id="describe-by">{modes}</select></div>'
        f'<div class="text-only"{hidden}>'
        + box("chars", "Characters per request", f"{s.input_chars_per_request or 4000:,}")
        + '<div class="field"><label for="text-kind">Kind of text</label>'
        f'<select id="text-kind">{kinds}</select></div></div>'
    )


def text_table() -> _HTML:
    """Each model's input tokens for the text (shown when requests are described by text)."""
    head = "".join(f"<th scope='col'>{h}</th>" for h in ("Model", "Input tokens", "How counted",
                                                           "Input per 1,000 chars"))
    return _HTML(
        '<table id="text-tokens" class="text-only" hidden><caption>Each model\'s input tokens for this text'
        f"</caption><thead><tr>{head}</tr></thead><tbody></tbody></table>"
    )


def _pct_box(x: float) -> str:
    """A share as the percentage a box shows (0.35 -> "35"), without float noise."""
    return f"{float(f'{x * 100:.10g}'):g}"


def controls(r: ReportInputs) -> _HTML:
    """The page's controls, each with a <label for> naming what it sets, and a place for its error."""
    s = r.scenario
    boxes = []
    for i, label in enumerate(r.rates.labels):
        boxes.append(
            f'<div class="check"><input type="checkbox" id="model-{i}" name="model" value="{i}" checked>'
            f'<label for="model-{i}">{_e(label)}</label></div>'
        )

    def box(ident: str, label: str, value: str, unit: str = "", mode: str = "numeric") -> str:
        return (
            f'<div class="field"><label for="{ident}">{_e(label)}</label>'
            f'<span class="box"><input type="text" inputmode="{mode}" id="{ident}" value="{_e(value)}" '
            f'autocomplete="off" spellcheck="false" aria-describedby="{ident}-error">'
            f"{f'<span class=unit>{_e(unit)}</span>' if unit else ''}</span>"
            f'<span class="error" id="{ident}-error" role="alert"></span></div>'
        )

    fields = [
        box("input-tokens", "Input tokens per request", f"{s.input_tokens_per_request:,}"),
        box("output-tokens", "Output tokens per request", f"{s.output_tokens_per_request:,}"),
        box("requests", "Requests per month", f"{s.requests_per_month:,.10g}", mode="decimal"),
        box("cached-share", "Cached share of input", _pct_box(s.cached_input_share), "%", "decimal"),
        box("batch-share", "Share of traffic on batch", _pct_box(s.batch_share), "%", "decimal"),
        box("budget", "Monthly budget", f"{s.monthly_budget_usd:,.10g}" if s.monthly_budget_usd else "", "USD",
            "decimal"),
    ]
    return _HTML(
        '<fieldset id="models" class="models" aria-describedby="models-error"><legend>Models</legend>'
        + "".join(boxes)
        + '<span class="error" id="models-error" role="alert"></span></fieldset>'
        + text_controls(r, box)
        + "".join(fields)
        + '<p class="hint">Numbers take thousands separators (300,000). Reasoning tokens '
        f"({_e(fmt.count(s.reasoning_tokens_per_request))} per request), flex and priority shares stay as in the "
        "scenario. An empty budget means none.</p>"
        + '<button type="button" id="reset">Back to the scenario</button>'
    )


# --------------------------------------------------------------------------------------------------
# The page


def _template(name: str) -> str:
    return importlib.resources.files("explorer.templates").joinpath(name).read_text(encoding="utf-8")


def _vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, for the Vega-Lite version Altair writes.

    vl-convert bundles it on each first call of a process (about 3 s, most of a report's build), so the
    result is kept in the user's cache folder, named by both versions.
    """
    import vl_convert as vlc

    vl_version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
    cached = paths.user_dir() / "cache" / f"vega-bundle-{vlc.__version__}-vl{vl_version}.js"
    with contextlib.suppress(OSError):
        text = cached.read_text(encoding="utf-8")
        if "vegaEmbed" in text:
            return text
    text = vlc.javascript_bundle(vl_version=vl_version)
    with contextlib.suppress(OSError, ValueError):  # a read-only home only costs the next build 3 s
        cached.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(cached, text)
    return text


def render(r: ReportInputs) -> str:
    """The whole page as one HTML string (no file written)."""
    cross_html, cross_specs = crossover_sections(r)
    rdata = ranges_data(r)
    ranges_html, ranges_spec = ranges_section(r, rdata)
    page = string.Template(_template("report.html")).substitute(
        ranges=ranges_html.text,
        ranges_data=_json_for_script({**rdata, "spec": ranges_spec}),
        title=_e(r.title),
        style=_template("report.css"),
        header=header(r).text,
        controls=controls(r).text,
        ranking=ranking_table(r).text + text_table().text,
        crossovers=cross_html.text,
        assumptions=assumptions(r).text,
        notes=notes(r).text,
        vega=_vega_bundle(),
        data=_json_for_script(engine_data(r)),
        specs=_json_for_script(live_specs(r)),
        static_specs=_json_for_script(cross_specs),
        script=_template("report.js"),
    )
    return page


# --------------------------------------------------------------------------------------------------
# Build: checked, atomic write


@dataclasses.dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote."""

    path: Path
    """The HTML file."""
    size_bytes: int
    """Its size."""
    seconds: float
    """Wall time to resolve, compute and render."""


def external_references(text: str) -> list[str]:
    """Places in an HTML file that would load something from another host."""
    return [m.group(0) for m in _EXTERNAL.finditer(text)] + [m.group(0) for m in _CSS_IMPORT.finditer(text)]


def build_report(
    out: str | Path,
    *,
    scenario_file: str | Path | None = None,
    models: Sequence[str] | None = None,
    as_of: str | None = None,
    title: str | None = None,
    overrides: str | Path | None = None,
) -> ReportResult:
    """Write one self-contained HTML file for this scenario; bad input raises ``ValueError`` (one line)
    before anything is written, and the file is replaced atomically."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise ValueError(f"{out}: is a directory, expected an .html file path")
    if not out.parent.exists():
        raise ValueError(f"{out.parent}: directory does not exist")
    started = time.perf_counter()
    r = prepare(scenario_file=scenario_file, models=models, as_of=as_of, title=title, overrides=overrides)
    page = render(r)
    bad = external_references(page)
    if bad:
        raise ValueError(f"report would load from another host ({clip(bad[0])}); not written")
    size = len(page.encode("utf-8"))
    if size > MAX_BYTES:
        raise ValueError(f"report would be {size / 1e6:.1f} MB, over the {MAX_BYTES / 1e6:.0f} MB limit; not written")
    atomic.write_text(out, page)
    return ReportResult(out, out.stat().st_size, time.perf_counter() - started)

