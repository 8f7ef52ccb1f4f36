"""Results tables as HTML for people: money and shares formatted (:mod:`explorer.fmt`), no index column,
every cell escaped. Pure functions; the app and the notebooks show what they return."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

import pandas as pd

from explorer import fmt

__all__ = ["frame_html", "ranked_html"]

_STYLE = (
    "<style>.explorer-table{border-collapse:collapse;font-size:13px;font-family:system-ui,sans-serif}"
    ".explorer-table th,.explorer-table td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}"
    ".explorer-table td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".explorer-table tr.cheapest td{background:#e3f4e1;font-weight:600}"
    ".explorer-table .note{font-size:85%;color:#555;max-width:360px}"
    ".explorer-table td.nw{white-space:nowrap;font-size:85%;color:#555}</style>"
)


def _extra_cells(extra: pd.DataFrame | None, model: str) -> str:
    """Cells of the ``extra`` columns for one row: ``extra`` is indexed by model label, one column per header,
    each value a text or a ``(text, tooltip)`` pair."""
    if extra is None:
        return ""
    cells = []
    for col in extra.columns:
        value = extra.at[model, col] if model in extra.index else ""
        text, tip = value if isinstance(value, tuple) else (value, "")
        title = f' title="{html.escape(str(tip), quote=True)}"' if tip else ""
        cells.append(f"<td class='nw'{title}>{html.escape(str(text))}</td>")
    return "".join(cells)


def ranked_html(ranked: pd.DataFrame, *, extra: pd.DataFrame | None = None) -> str:
    """The ranked table: cheapest row highlighted, overridden prices marked, price source in each row's
    tooltip, every cell escaped. ``extra`` adds columns before the note (see :func:`_extra_cells`)."""
    more = "".join(f"<th>{html.escape(str(c))}</th>" for c in extra.columns) if extra is not None else ""
    head = (
        "<tr><th>#</th><th>Model</th><th>Monthly cost</th><th>Per request</th><th>× cheapest</th>"
        f"<th>Input</th><th>Cached</th><th>Output</th><th>Reasoning</th><th>Other</th>{more}<th>Note</th></tr>"
    )
    body = []
    sources = ranked["price_source"] if "price_source" in ranked else pd.Series("", index=ranked.index)
    for r, source in zip(ranked.itertuples(), sources, strict=True):
        cls = ' class="cheapest"' if r.cheapest else ""
        model = html.escape(str(r.model)) + (
            ' <span title="your override price">✎ override</span>' if r.is_override else ""
        )
        times = "" if pd.isna(r.vs_cheapest) else f"{r.vs_cheapest:,.1f}×"
        title = f' title="price source: {html.escape(str(source), quote=True)}"' if source else ""
        body.append(
            f"<tr{cls}{title}><td>{'' if pd.isna(r.rank) else r.rank}</td><td>{model}</td>"
            f"<td class='num'>{fmt.usd(r.monthly_usd)}</td>"
            f"<td class='num'>{fmt.usd(r.cost_per_request_usd)}</td><td class='num'>{times}</td>"
            f"<td class='num'>{fmt.pct(r.input_share)}</td><td class='num'>{fmt.pct(r.cached_input_share)}</td>"
            f"<td class='num'>{fmt.pct(r.output_share)}</td><td class='num'>{fmt.pct(r.reasoning_share)}</td>"
            f"<td class='num'>{fmt.pct(r.other_share)}</td>{_extra_cells(extra, str(r.model))}"
            f"<td class='note'>{html.escape(str(r.note))}</td></tr>"
        )
    return (
        _STYLE + "<table class='explorer-table explorer-ranked'><thead>" + head + "</thead><tbody>"
        + "".join(body) + "</tbody></table>"
    )


def frame_html(
    df: pd.DataFrame,
    *,
    money: Iterable[str] = (),
    shares: Iterable[str] = (),
    counts: Iterable[str] = (),
    titles: Mapping[str, str] | None = None,
) -> str:
    """Any results frame as a table for people: formatted money, shares and counts, headers renamed by
    ``titles``, no index, every cell escaped."""
    shown = df.copy()
    numeric = set()
    for cols, f in ((money, fmt.usd), (shares, lambda x: fmt.pct(x, digits=1, blank_zero=False)), (counts, fmt.count)):
        for c in cols:
            if c in shown:
                shown[c] = shown[c].map(f)
                numeric.add(c)
    head = "".join(f"<th>{html.escape(str((titles or {}).get(c, c)))}</th>" for c in shown.columns)
    rows = []
    for values in shown.itertuples(index=False):
        cells = []
        for c, v in zip(shown.columns, values, strict=True):
            text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
            cls = " class='num'" if c in numeric else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = "".join(rows)
    return _STYLE + f"<table class='explorer-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
