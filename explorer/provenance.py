"""Where each model's price comes from and where the model is in its lifecycle, as the dashboard and the
report show them beside a ranking: the price's ``source``, ``verified_on`` (or "unverified"), and the
model's launch, deprecation and shutdown on the date asked for.

Also :func:`with_retired`: a price table in which models already shut down keep their last price, so a
view can list them, marked as retired, when the user asks for them (never by default).

Pure functions on the price table; nothing here imports ipywidgets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from explorer import prices as _prices
from explorer import scenarios as _sc

__all__ = [
    "PROVENANCE_FIELDS", "ROW_FIELDS", "annotate_rows", "lifecycle_short", "lifecycle_text", "model_provenance",
    "table_columns",
    "verified_text", "with_retired",
]

PROVENANCE_FIELDS: tuple[str, ...] = (
    "label", "price_source", "verified_on", "launched", "deprecated_on", "shutdown_on", "lifecycle_status",
    "lifecycle", "verified",
)
"""Columns of :func:`model_provenance`."""


def with_retired(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with each shut-down model's last prices left in force after its shutdown.

    The rows that ended on the shutdown day (every service tier and long-context slot of the model's last
    price) get an open ``valid_to``; nothing else changes, so on any day before a shutdown the table prices
    exactly as ``table`` does. Views use it only when the user asks to see retired models, and mark them.
    """
    last = table["shutdown_on"].notna() & (table["valid_to"] == table["shutdown_on"])
    if not last.any():
        return table
    out = table.copy()
    out.loc[last, "valid_to"] = pd.NaT
    return out


def _date(x: object) -> str:
    return str(pd.Timestamp(x).date())  # type: ignore[arg-type]


def lifecycle_text(status: str, launched: object, deprecated_on: object, shutdown_on: object,
                   day: object = None) -> str:
    """One phrase for a model's lifecycle on ``day``: ``"on sale since 2025-08-07"``, ``"deprecated
    2026-06-11, shuts down 2026-12-11"`` or ``"retired 2024-01-04 (last price)"``. A shutdown announced
    after ``day`` is not mentioned: the phrase says what was known that day."""
    if status == "retired":
        return f"retired {_date(shutdown_on)} (last price)"
    if status == "deprecated":
        return f"deprecated {_date(deprecated_on)}, shuts down {_date(shutdown_on)}"
    since = f"on sale since {_date(launched)}" if pd.notna(launched) else "on sale (launch date unknown)"
    announced = pd.isna(deprecated_on) or day is None or pd.Timestamp(deprecated_on) <= pd.Timestamp(day)  # type: ignore[arg-type]
    if pd.notna(shutdown_on) and announced:
        since += f"; shuts down {_date(shutdown_on)}"
    return since


def verified_text(verified_on: object, source: str) -> str:
    """``"verified 2026-11-27"``, or ``"unverified"`` (``"unverified (your override)"`` for an override)."""
    if pd.notna(verified_on):
        return f"verified {_date(verified_on)}"
    return "unverified (your override)" if source.startswith("override") else "unverified"


def model_provenance(
    keys: Sequence[tuple[str, str]], *, prices: pd.DataFrame, as_of: dt.date | str
) -> pd.DataFrame:
    """One row per model: its standard price's source and verification on ``as_of`` and its lifecycle.

    ``prices`` is the table the view prices from (overrides applied; :func:`with_retired` applied when
    retired models are shown). A model with no price that day gets its lifecycle alone, an empty source and
    "no price". Columns: :data:`PROVENANCE_FIELDS`, in ``keys`` order.
    """
    day = _prices._as_timestamp(as_of)
    wanted = {m for _, m in keys}
    t = prices[prices["model"].isin(wanted)]
    t = t[(t["service_tier"] == "standard") & (t["tier_above_input_tokens"] == 0)]
    live = t[_prices.in_force(t, day)].drop_duplicates(["provider", "model"]).set_index(["provider", "model"])
    rows = []
    for key in keys:
        label = _sc.model_label(*key)
        life = _prices.model_lifecycle(*key)
        if key in live.index:
            r = live.loc[key]
            source, verified = str(r["source"]) if pd.notna(r["source"]) else "", r["verified_on"]
            # An override row carries no lifecycle of its own: the model's curated one still applies.
            launched, dep, end = (
                r[col] if pd.notna(r[col]) or life is None else getattr(life, col)
                for col in ("launched", "deprecated_on", "shutdown_on")
            )
        else:
            source, verified = "", pd.NaT
            launched, dep, end = ((life.launched, life.deprecated_on, life.shutdown_on) if life is not None
                                  else (pd.NaT, pd.NaT, pd.NaT))
        frame = pd.DataFrame({"shutdown_on": [pd.Timestamp(end)], "deprecated_on": [pd.Timestamp(dep)]})
        status = str(_prices.lifecycle_status(frame, day).iloc[0])
        rows.append({
            "label": label, "price_source": source, "verified_on": pd.Timestamp(verified),
            "launched": pd.Timestamp(launched), "deprecated_on": pd.Timestamp(dep), "shutdown_on": pd.Timestamp(end),
            "lifecycle_status": status, "lifecycle": lifecycle_text(status, launched, dep, end, day),
            "verified": verified_text(verified, source) if source else "no price",
        })
    return pd.DataFrame(rows, columns=list(PROVENANCE_FIELDS))



def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _dates(launched: object, deprecated_on: object, shutdown_on: object) -> str:
    parts = [f"{name} {_date(v)}" for name, v in (("launched", launched), ("deprecated", deprecated_on),
                                                  ("shut down", shutdown_on)) if pd.notna(v)]
    return "; ".join(parts) or "no lifecycle dates known"


def lifecycle_short(status: str, launched: object, deprecated_on: object, shutdown_on: object) -> str:
    """The lifecycle in a table cell: ``"since 2026-09-22"``, ``"on sale"``, ``"deprecated, ends 2026-12-11"``
    or ``"retired 2024-01-04"`` (the whole phrase and every date go in the cell's tooltip)."""
    if status == "retired":
        return f"retired {_date(shutdown_on)}"
    if status == "deprecated":
        return f"deprecated, ends {_date(shutdown_on)}"
    return f"since {_date(launched)}" if pd.notna(launched) else "on sale"


def table_columns(prov: pd.DataFrame) -> pd.DataFrame:
    """The ranking table's "Lifecycle" and "Price source" cells per model label, each a ``(text, tooltip)``
    pair for :func:`explorer.tables.ranked_html`'s ``extra``: the phrase and every date; whether and when the
    price was verified, and the whole source."""
    life, source = [], []
    for r in prov.itertuples(index=False):
        life.append((lifecycle_short(r.lifecycle_status, r.launched, r.deprecated_on, r.shutdown_on),
                     f"{r.lifecycle} ({_dates(r.launched, r.deprecated_on, r.shutdown_on)})"))
        src = r.price_source or "no price on this date"
        source.append((f"{_short(src, 24)}, {r.verified}", f"{r.verified}; source: {src}"))
    return pd.DataFrame({"Lifecycle": life, "Price source": source}, index=list(prov["label"]), dtype=object)


ROW_FIELDS: tuple[str, ...] = ("lifecycle", "price_source", "verified")
"""Provenance columns :func:`annotate_rows` adds to chart rows (the charts' tooltips show them)."""


def annotate_rows(rows: pd.DataFrame, prov: pd.DataFrame) -> pd.DataFrame:
    """Chart rows (:func:`explorer.results.chart_rows`) with each model's lifecycle, price source and
    verification (:data:`ROW_FIELDS`), and a retired model's name marked " (retired)"."""
    # Plain dicts and lists: this runs on every change of a control.
    info = {r.label: r for r in prov.itertuples(index=False)}
    labels = rows["label"].tolist()
    found = [info.get(lbl) for lbl in labels]
    extra = {col: [str(getattr(r, col)) if r is not None else "" for r in found] for col in ROW_FIELDS}
    shown = [s + " (retired)" if r is not None and r.lifecycle_status == "retired" else s
             for s, r in zip(rows["shown"].tolist(), found, strict=True)]
    return rows.assign(shown=shown, **extra)
