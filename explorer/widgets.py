"""Widgets of the prices and images notebooks, and the names notebooks import.

The dashboard lives in :mod:`explorer.app`; its pure results in :mod:`explorer.results`. Both are
re-exported here so ``from explorer.widgets import Dashboard`` keeps working in notebooks.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import ipywidgets as W
import numpy as np
import pandas as pd

from explorer import charts as _charts
from explorer import charts_usage as _cu
from explorer import prices as _prices
from explorer import scenarios as _sc
from explorer import token_lab as _lab
from explorer import tokens as _tokens
from explorer import usage as _usage
from explorer.app import Dashboard, enable_offline
from explorer.app.chart_slot import OfflineChart
from explorer.display import Shown, with_text
from explorer.limits import clip
from explorer.results import (
    DashboardResults,
    budget_reach,
    compute_results,
    default_models,
    override_rows,
    projection,
    ranked_table,
    volume_curves,
)
from explorer.tables import frame_html, ranked_html

__all__ = [
    "Dashboard",
    "DashboardResults",
    "budget_reach",
    "compute_results",
    "default_models",
    "enable_offline",
    "filter_prices",
    "image_cost_frame",
    "image_input_costs",
    "image_widget",
    "override_rows",
    "price_history_frame",
    "price_table_widget",
    "projection",
    "ranked_html",
    "ranked_table",
    "seed_vs_today",
    "show",
    "styled_prices",
    "token_lab_widget",
    "upload_box",
    "volume_curves",
    "what_if_panel",
]


def show(chart: alt.TopLevelMixin, name: str = "chart") -> Shown:
    """An offline, live chart for a notebook cell, with a stable text fallback."""
    enable_offline()
    return Shown(OfflineChart(chart), f"[{name}: an interactive chart; run the notebook to see it]")


# --------------------------------------------------------------------------------------------------
# Helpers of the prices and images notebooks (pure, tested; the notebooks only call them)

PRICE_TABLE_COLUMNS = (
    "provider",
    "model",
    "input_usd_per_mtok",
    "cached_input_usd_per_mtok",
    "output_usd_per_mtok",
    "tier_above_input_tokens",
    "context_window_tokens",
    "source",
)


def filter_prices(
    prices: pd.DataFrame,
    *,
    provider: str | None = None,
    text: str = "",
    sort_by: str = "input_usd_per_mtok",
    ascending: bool = True,
    limit: int | None = 200,
) -> pd.DataFrame:
    """Price rows of one provider (None: all) whose provider or model contains every word of ``text``,
    sorted by a column; the columns a person compares."""
    if sort_by not in PRICE_TABLE_COLUMNS:
        raise ValueError(
            f"sort_by: unknown column {clip(sort_by)}; expected one of {', '.join(PRICE_TABLE_COLUMNS)}"
        )
    df = prices
    if provider:
        df = df[df["provider"] == provider]
    words = text.lower().split()
    if words:
        hay = (df["provider"] + " " + df["model"]).str.lower()
        df = df[[all(w in h for w in words) for h in hay]]
    df = df.sort_values(
        [sort_by, "provider", "model"], ascending=[ascending, True, True], kind="stable", na_position="last"
    )
    df = df[list(PRICE_TABLE_COLUMNS)].reset_index(drop=True)
    return df.head(limit) if limit else df


class StyledTable:
    """A styled table for a notebook cell: the Styler's HTML, and the plain table as its text fallback
    (a bare Styler's text is its memory address, which no stored output can check)."""

    def __init__(self, df: pd.DataFrame, styler: Any) -> None:
        self.df = df
        self.styler = styler

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"text/html": self.styler.to_html(), "text/plain": self.df.to_string(index=False)}


def styled_prices(df: pd.DataFrame) -> StyledTable:
    """Prices with dollar formats and a bar on each price so the cheap ones stand out."""
    money = [c for c in df.columns if c.endswith("_usd_per_mtok")]
    return StyledTable(
        df,
        (
            df.style.format({c: "${:,.3f}" for c in money}, na_rep="")
            .format({"context_window_tokens": "{:,.0f}", "tier_above_input_tokens": "{:,.0f}"}, na_rep="")
            .bar(
                subset=[c for c in ("input_usd_per_mtok", "output_usd_per_mtok") if c in df], color="#d9e8f5"
            )
            .hide(axis="index")
            .set_uuid("prices")  # a fixed id: the stored HTML stays the same run after run
        ),
    )


def price_table_widget(prices: pd.DataFrame) -> Shown:
    """Filter and sort the price table live: provider, search words, sort column and direction."""
    providers = ["(all providers)", *dict.fromkeys(prices["provider"])]
    # OpenAI first: the question this tool starts from; "(all providers)" is one click away.
    provider = W.Dropdown(options=providers, value="openai" if "openai" in providers else providers[0],
                          description="Provider")
    text = W.Text(placeholder="e.g. gpt-5 mini", description="Search")
    sort_by = W.Dropdown(
        options=[c for c in PRICE_TABLE_COLUMNS if c != "source"],
        value="input_usd_per_mtok",
        description="Sort by",
    )
    ascending = W.ToggleButtons(options=[("cheapest first", True), ("dearest first", False)], value=True)
    out = W.HTML()

    def update(_: Any = None) -> None:
        df = filter_prices(
            prices,
            provider=None if provider.value == providers[0] else provider.value,
            text=text.value,
            sort_by=sort_by.value,
            ascending=ascending.value,
            limit=100,
        )
        out.value = f"<p>{len(df)} row(s) shown (at most 100)</p>" + styled_prices(df).styler.to_html()

    for w in (provider, text, sort_by, ascending):
        w.observe(update, names="value")
    # (the table HTML comes from the same Styler as the static table below it in the notebook)
    update()
    box = W.VBox([W.HBox([provider, text]), W.HBox([sort_by, ascending]), out])
    box.update = update  # type: ignore[attr-defined]
    box.controls = {
        "provider": provider,
        "text": text,
        "sort_by": sort_by,  # type: ignore[attr-defined]
        "ascending": ascending,
        "out": out,
    }
    return Shown(box, "[price table: filter and sort it live after running the notebook]")


def price_history_frame(models: Sequence[str], prices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Dated standard-tier base prices of some models (one row per price period) for the step chart."""
    table = prices if prices is not None else _prices.price_history()
    keys = [_sc.model_key(m) for m in models]
    t = table[(table["service_tier"] == "standard") & (table["tier_above_input_tokens"] == 0)]
    frames = []
    for prov, model in keys:
        rows = t[(t["provider"] == prov) & (t["model"] == model)].sort_values(
            "valid_from", na_position="first"
        )
        if rows.empty:
            continue
        rows = rows.assign(label=_sc.model_label(prov, model))
        # An open start means "since launch, date unknown": draw it from the first known date.
        first = rows["valid_from"].dropna().min()
        rows["valid_from"] = rows["valid_from"].fillna(
            first if pd.notna(first) else pd.Timestamp("2023-01-01")
        )
        frames.append(rows)
    cols = ["label", "valid_from", "valid_to", "input_usd_per_mtok", "output_usd_per_mtok", "source"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)[cols]
    out["source"] = out["source"].astype(str)
    return out


def seed_vs_today(as_of: dt.date | str) -> pd.DataFrame:
    """The May-2025 answer's table beside the reference prices of that day and of ``as_of``, with the
    audit's verdict on each row."""
    from explorer.audit import audit_table, seed_table

    audit = audit_table(seed_table())
    today = []
    for name in audit["resolved_model"]:
        try:
            row = _prices.load_prices(as_of, model=None).pipe(
                lambda t, n=name: t[
                    (t["model"] == n) & (t["tier_above_input_tokens"] == 0) & (t["provider"] == "openai")
                ]
            )
        except ValueError:
            row = pd.DataFrame()
        today.append(
            (row["input_usd_per_mtok"].iloc[0], row["output_usd_per_mtok"].iloc[0])
            if len(row)
            else (np.nan, np.nan)
        )
    return pd.DataFrame(
        {
            "model (as the answer wrote it)": audit["model"],
            "answer input": audit["input_usd_per_mtok"],
            "answer output": audit["output_usd_per_mtok"],
            "2025-05-16 input": audit["reference_input_usd_per_mtok"],
            "2025-05-16 output": audit["reference_output_usd_per_mtok"],
            f"{as_of} input": [t[0] for t in today],
            f"{as_of} output": [t[1] for t in today],
            "verdict": audit["status"],
            "finding": audit["explanation"],
        }
    )


def image_cost_frame(
    count: int, *, as_of: dt.date | str, models: Sequence[str] | None = None
) -> pd.DataFrame:
    """Cost of ``count`` generated images per model, quality and size, from the per-image prices."""
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 0:
        raise ValueError(f"count: expected a whole number >= 0, got {clip(count)}")
    img = _prices.load_image_prices(as_of)
    if models is not None:
        img = img[img["model"].isin(models)]
    return pd.DataFrame(
        {
            "label": img["model"].astype(str).to_numpy(),
            "quality": img["quality"].to_numpy(),
            "size": img["size"].to_numpy(),
            "usd_per_image": img["usd_per_image"].to_numpy(dtype=float),
            "images": count,
            "total_usd": img["usd_per_image"].to_numpy(dtype=float) * count,
        }
    )


def image_input_costs(
    sizes_px: Sequence[tuple[int, int]], models: Sequence[str], *, as_of: dt.date | str, detail: str = "high"
) -> pd.DataFrame:
    """What sending one image costs as input tokens: tokens per image (``explorer.images``) x input price."""
    from explorer.images import image_tokens

    rows = []
    for model in models:
        prov, mid = _sc.model_key(model)
        cost = None
        for w, h in sizes_px:
            it = image_tokens(w, h, model=mid, detail=detail)  # type: ignore[arg-type]
            if cost is None:
                live = _prices.load_prices(as_of, provider=prov)
                live = live[(live["model"] == mid) & (live["tier_above_input_tokens"] == 0)]
                rate = live["input_image_usd_per_mtok"].fillna(live["input_usd_per_mtok"]).iloc[0]
                cost = float(rate)
            rows.append(
                {
                    "model": mid,
                    "size": f"{w}x{h}",
                    "detail": detail,
                    "tokens_per_image": it.tokens,
                    "input_usd_per_mtok": cost,
                    "usd_per_image": it.tokens * cost / 1e6,
                    "usd_per_1000_images": it.tokens * cost / 1e3,
                }
            )
    return pd.DataFrame(rows)


def image_widget(as_of: dt.date | str) -> Shown:
    """Per-image cost by model, quality and size for a chosen number of images, live."""
    count = W.IntText(value=1000, description="Images")
    quality = W.SelectMultiple(
        options=["low", "medium", "high", "standard", "hd"],
        value=("low", "medium", "high", "standard", "hd"),
        description="Quality",
        rows=5,
    )
    chart = OfflineChart(alt.Chart(pd.DataFrame({"x": [0]})).mark_point())
    table = W.HTML()

    def update(_: Any = None) -> None:
        df = image_cost_frame(max(0, int(count.value or 0)), as_of=as_of)
        df = df[df["quality"].isin(quality.value)]
        chart.chart = _charts.image_cost_chart(df, as_of=str(as_of))
        table.value = frame_html(df, money=["usd_per_image", "total_usd"], counts=["images"])

    count.observe(update, names="value")
    quality.observe(update, names="value")
    enable_offline()
    update()
    box = W.VBox([W.HBox([count, quality]), chart, table])
    box.controls = {"count": count, "quality": quality, "chart": chart, "table": table}  # type: ignore[attr-defined]
    return Shown(box, "[image cost explorer: live after running the notebook]")


# --------------------------------------------------------------------------------------------------
# The usage notebook's widgets (pure parts in explorer.usage)


def upload_box() -> Shown:
    """An ``ipywidgets.FileUpload`` for Usage, Costs or request-log files (``.widget.value`` goes to
    :func:`load_uploaded`), with a stable text fallback."""
    box = W.FileUpload(accept=".json,.jsonl,.csv,.parquet", multiple=True, description="Upload exports")
    return Shown(box, "[upload box: pick Usage, Costs or request-log files, then run the cells below]")


def what_if_panel(
    usage: pd.DataFrame,
    priced: pd.DataFrame,
    *,
    models: Sequence[str] = _usage.DEFAULT_TARGETS,
    prices: pd.DataFrame | None = None,
    as_of: dt.date | str | None = None,
) -> Shown:
    """Controls and a table and chart that re-price the traffic on every change.

    The controls: target model, service tier, the share of text input served from the cache, the cache
    discount (cached input priced at ``input * (1 - discount)``) and a price date (``as_of``, default
    today's; used once its box is ticked, else each row is priced at its own day). ``.widget.controls``
    names every control, the ``out`` table and the ``chart`` (an offline ``alt.JupyterChart``).
    """

    enable_offline()
    table = prices if prices is not None else _prices.price_history()
    day = _prices._as_timestamp(as_of if as_of is not None else dt.date.today()).date()
    model = W.Dropdown(options=["(as is)", *models], value="(as is)", description="Model")
    tier = W.Dropdown(options=["(as is)", *_prices.SERVICE_TIERS], value="(as is)", description="Tier")
    use_cache = W.Checkbox(value=False, description="Set cache share")
    share = W.FloatSlider(value=0.5, min=0, max=1, step=0.05, description="Cached", readout_format=".0%")
    use_discount = W.Checkbox(value=False, description="Set cache discount")
    discount = W.FloatSlider(value=0.9, min=0, max=1, step=0.05, description="Discount", readout_format=".0%")
    use_date = W.Checkbox(value=False, description="Prices as of")
    date = W.DatePicker(value=day, description="Date")
    out = W.HTML()
    chart = OfflineChart(
        alt.Chart(pd.DataFrame({"x": [0]})).mark_point(), embed_options={"renderer": "svg"}
    )

    def refresh(*_: Any) -> None:
        try:
            frame = _usage.what_if_frame(
                usage,
                priced,
                model=model.value,
                tier=tier.value,
                cached_share=share.value if use_cache.value else None,
                cached_discount=discount.value if use_discount.value else None,
                as_of=date.value if use_date.value and date.value is not None else None,
                prices=table,
            )
        except ValueError as exc:
            out.value = f"<p style='color:#b00'>{html.escape(str(exc))}</p>"
            return
        out.value = _usage._compare_html(frame)
        chart.chart = _cu.what_if_chart(frame)

    for w in (model, tier, use_cache, share, use_discount, discount, use_date, date):
        w.observe(refresh, names="value")
    refresh()
    box = W.VBox(
        [
            W.HBox([model, tier]),
            W.HBox([use_cache, share]),
            W.HBox([use_discount, discount]),
            W.HBox([use_date, date]),
            out,
            chart,
        ]
    )
    box.controls = {  # type: ignore[attr-defined]
        "model": model,
        "tier": tier,
        "use_cache": use_cache,
        "cached_share": share,
        "use_discount": use_discount,
        "cached_discount": discount,
        "use_date": use_date,
        "as_of": date,
        "out": out,
        "chart": chart,
    }
    return Shown(box, _usage.WHAT_IF_PANEL_TEXT)


# --------------------------------------------------------------------------------------------------
# The token lab (pure parts in explorer.token_lab)


@dataclass(frozen=True)
class TokenLab:
    """The live token lab: type or paste, pick models, everything below follows."""

    text: W.Textarea
    """The text being counted."""
    colour_model: W.Dropdown
    """Model whose tokenizer draws the coloured boundaries."""
    models: W.SelectMultiple
    """Models the text is priced on."""
    requests: W.BoundedIntText
    """How many times the text is sent (or generated), to make tiny costs readable."""
    tokens_out: W.HTML
    """Coloured tokens with a summary line."""
    counts_out: W.HTML
    """Tokens per encoding."""
    costs_out: W.HTML
    """Cost as input and as output per model."""
    box: W.VBox
    """The whole widget tree, as displayed."""
    as_of: str
    """Price date, YYYY-MM-DD."""

    def update(self, _: Any = None) -> None:
        """Recompute every output from the controls (observers call this on each change)."""
        text = self.text.value
        self.tokens_out.value = _lab.token_html(text, model=self.colour_model.value)
        self.counts_out.value = _lab.frame_html(_lab.encoding_counts(text))
        if not self.models.value:
            self.costs_out.value = "<p>Pick at least one model to price the text.</p>"
            return
        try:
            df = _lab.cost_table(
                text, list(self.models.value), as_of=self.as_of, requests=int(self.requests.value)
            )
        except ValueError as e:  # e.g. a model with no price on this date: say so, keep the lab alive
            self.costs_out.value = f'<p style="color:#c0392b">{html.escape(str(e))}</p>'
            return
        self.costs_out.value = _lab.frame_html(df)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # A stable text fallback: the default widget repr carries ids that no stored output can match.
        return with_text(self.box._repr_mimebundle_(**kwargs),
                         "[token lab: live widgets; run the notebook to paste your own text]")


def _tokenizer_label(model: str) -> str:
    tok = _tokens.tokenizer_for(model)
    return f"{model} · {tok.encoding}" + ("" if tok.exact else " (estimate)")


def token_lab_widget(
    as_of: dt.date | str,
    *,
    text: str = _lab.SAMPLE_TEXTS["English"],
    models: Sequence[str] | None = None,
    colour_models: Sequence[str] = _lab.TOKENIZER_MODELS,
    requests: int = 1000,
) -> TokenLab:
    """Build the live token lab, filled in for ``text``, pricing ``requests`` requests (a single
    sentence costs millionths of a dollar; a thousand of them is a readable number). ``models`` defaults
    to those of :data:`explorer.token_lab.DEFAULT_COST_MODELS` on sale on ``as_of`` (shut-down models have no
    price)."""
    if not colour_models:
        raise ValueError("token_lab_widget needs at least one model to colour tokens with")
    models = list(models) if models is not None else _prices.on_sale(_lab.DEFAULT_COST_MODELS, as_of)
    wide = W.Layout(width="95%")  # 100% plus the widget margins overflows the cell
    lab = TokenLab(
        text=W.Textarea(value=text, placeholder="Paste text here", rows=5, layout=wide),
        colour_model=W.Dropdown(
            options=[(_tokenizer_label(m), m) for m in colour_models], description="Tokens of"
        ),
        models=W.SelectMultiple(
            options=list(models), value=tuple(models), rows=min(8, len(models)), description="Price on"
        ),
        requests=W.BoundedIntText(value=requests, min=1, max=10**9, description="Requests"),
        tokens_out=W.HTML(),
        counts_out=W.HTML(),
        costs_out=W.HTML(),
        box=W.VBox(),
        as_of=str(as_of),
    )
    for w in (lab.text, lab.colour_model, lab.models, lab.requests):
        w.observe(lab.update, names="value")
    lab.box.children = [
        lab.text,
        W.HBox([lab.colour_model, lab.requests]),
        lab.tokens_out,
        W.HTML("<h4>Tokens per encoding</h4>"),
        lab.counts_out,
        W.HBox(
            [
                lab.models,
                W.VBox([W.HTML(f"<h4>Cost as input and as output (prices of {as_of})</h4>"), lab.costs_out]),
            ]
        ),
    ]
    lab.update()
    return lab
