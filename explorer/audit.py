"""Check a price table (model, input and output USD per 1M tokens, as-of date) against the reference.

For every row that does not match the prices in force on its date, say what the reference says and
which known price it does match, if any: another model's (o1 at o1-pro's price), the same model's at
another date (gpt-3.5-turbo at its 2023 launch price), or another of the model's own rates (gpt-image-1's
image-input rate given as its input rate).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from pathlib import Path

import pandas as pd

from explorer import fmt, paths
from explorer import prices as _prices
from explorer.limits import clip

__all__ = [
    "AUDIT_COLUMNS", "CURATED_COLUMNS", "audit_curated", "audit_file", "audit_table", "load_price_table", "seed_table",
]

AUDIT_SPEC = _prices.CsvSpec(
    required=("model", "input_usd_per_mtok", "output_usd_per_mtok", "as_of"),
    optional=("display_name", "section", "described_as", "note"),
    prices=("input_usd_per_mtok", "output_usd_per_mtok"),
    dates=("as_of",),
)

AUDIT_COLUMNS = (
    "line", "model", "resolved_model", "as_of", "input_usd_per_mtok", "output_usd_per_mtok",
    "reference_input_usd_per_mtok", "reference_output_usd_per_mtok", "status", "explanation", "matches",
)
"""Columns of :func:`audit_table`'s result. ``status`` is ok, wrong, unknown-model or not-yet-priced."""

_RATE_NAMES = {
    "input_usd_per_mtok": "input",
    "cached_input_usd_per_mtok": "cached input",
    "output_usd_per_mtok": "output",
    "input_image_usd_per_mtok": "image input",
    "output_image_usd_per_mtok": "image output",
    "input_audio_usd_per_mtok": "audio input",
    "output_audio_usd_per_mtok": "audio output",
}


def _same(a: float, b: float) -> bool:
    return not (math.isnan(a) or math.isnan(b)) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _usd(x: float) -> str:
    return fmt.usd(x)


def normalise_name(name: str) -> str:
    """``"OpenAI o3"`` -> ``"o3"``, ``"GPT-4.1 mini"`` -> ``"gpt-4.1-mini"``,
    ``"GPT-3.5 Turbo"`` -> ``"gpt-3.5-turbo"``."""
    n = name.strip().lower()
    n = re.sub(r"^openai[\s/:-]+", "", n)
    return re.sub(r"\s+", "-", n)


def load_price_table(path: Path | str) -> pd.DataFrame:
    """Read a CSV to audit (columns model, input_usd_per_mtok, output_usd_per_mtok, as_of)."""
    _check_delimiter(path)
    df = _prices.read_csv_checked(path, AUDIT_SPEC)
    if df.empty:
        raise ValueError(f"{_prices._display_path(path)}: no rows (header only)")
    for line, row in df.iterrows():
        if not row["model"]:
            raise ValueError(f"{_prices._where(path, int(line), 'model')}: empty model name")
        for col in ("input_usd_per_mtok", "output_usd_per_mtok", "as_of"):
            if pd.isna(row[col]):
                raise ValueError(f"{_prices._where(path, int(line), col)}: empty")
        # No reference exists before the API opened or after today: say so instead of "no match".
        _prices.check_date_range(row["as_of"], _prices._where(path, int(line), "as_of"))
    return df


def _check_delimiter(path: Path | str) -> None:
    """A binary file or a semicolon- or tab-separated export would read as garbage or one odd column;
    say which instead."""
    p = Path(path)
    if not p.is_file():
        return  # read_csv_checked names a missing path or a directory
    with p.open("rb") as fh:
        head = fh.read(4096)
    if b"\x00" in head:
        raise ValueError(f"{_prices._where(path)}: binary file, expected a CSV price table")
    try:
        header = head.split(b"\n", 1)[0].decode("utf-8-sig")
    except UnicodeDecodeError:
        return  # read_csv_checked reports the encoding
    if "," not in header:
        for sep in (";", "\t", "|"):
            if sep in header:
                raise ValueError(
                    f"{_prices._where(path, 1)}: the header looks {clip(sep)}-separated, expected commas "
                    f"({', '.join(AUDIT_SPEC.required)})"
                )


def seed_table() -> pd.DataFrame:
    """The May-2025 answer this project started from (``data/seed_2025-05-16.csv``), as given."""
    return load_price_table(paths.SEED_SNAPSHOT_CSV)


@dataclasses.dataclass(frozen=True)
class _Reference:
    history: pd.DataFrame  # standard tier, base long-context tier, every date

    def at(self, provider: str, model: str, day: pd.Timestamp) -> pd.Series | None:
        h = self.history
        rows = h[
            (h["provider"] == provider) & (h["model"] == model) & _prices.in_force(h, day)
        ]
        return None if rows.empty else rows.iloc[0]

    def matches(self, provider: str, model: str, inp: float, out: float, day: pd.Timestamp) -> list[str]:
        """Known prices equal to (inp, out): other models that day first, then other dates."""
        h = self.history[self.history["provider"] == provider]
        hit = h[
            (h["input_usd_per_mtok"] - inp).abs().le(1e-9 * max(inp, 1))
            & (h["output_usd_per_mtok"] - out).abs().le(1e-9 * max(out, 1))
        ]
        that_day = hit[_prices.in_force(hit, day)]
        found: list[str] = []
        for m in that_day["model"].unique():
            if m != model:
                found.append(f"{m} (in force on {day.date()})")
        for _, r in hit.drop(that_day.index).iterrows():
            lo = r["valid_from"].date() if pd.notna(r["valid_from"]) else "its launch"
            hi = f"until {r['valid_to'].date()}" if pd.notna(r["valid_to"]) else "to date"
            label = "its own price" if r["model"] == model else r["model"]
            entry = f"{label} from {lo} {hi}"
            if r["model"] == model:
                found.insert(0, entry)
            elif entry not in found:
                found.append(entry)
        return found


def audit_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per input row: ok, or what is wrong and what the given price matches instead."""
    hist = _prices.price_history()
    hist = hist[(hist["service_tier"] == "standard") & (hist["tier_above_input_tokens"] == 0)]
    ref = _Reference(hist.reset_index(drop=True))
    out = []
    for line, row in table.iterrows():
        name = str(row["model"])
        day = pd.Timestamp(row["as_of"])
        inp, outp = float(row["input_usd_per_mtok"]), float(row["output_usd_per_mtok"])
        rec = {
            "line": line, "model": name, "resolved_model": "", "as_of": day.date().isoformat(),
            "input_usd_per_mtok": inp, "output_usd_per_mtok": outp,
            "reference_input_usd_per_mtok": math.nan, "reference_output_usd_per_mtok": math.nan,
            "status": "", "explanation": "", "matches": "",
        }
        try:
            provider, model = _prices.resolve_model(normalise_name(name))
        except _prices.UnknownModelError as exc:
            rec.update(status="unknown-model", explanation=str(exc))
            out.append(rec)
            continue
        rec["resolved_model"] = model
        r = ref.at(provider, model, day)
        if r is None:
            first = hist[(hist["provider"] == provider) & (hist["model"] == model)]["valid_from"].min()
            since = f" (first priced {first.date()})" if pd.notna(first) else ""
            rec.update(status="not-yet-priced", explanation=f"{model} had no price on {day.date()}{since}")
            out.append(rec)
            continue
        ri, ro = float(r["input_usd_per_mtok"]), float(r["output_usd_per_mtok"])
        rec.update(reference_input_usd_per_mtok=ri, reference_output_usd_per_mtok=ro)
        if _same(inp, ri) and _same(outp, ro):
            rec.update(status="ok", explanation=f"matches {model} on {day.date()} ({r['source']})")
            out.append(rec)
            continue
        parts = [
            f"given {_usd(inp)}/{_usd(outp)} per 1M input/output; on {day.date()} {model} cost "
            f"{_usd(ri)}/{_usd(ro)} ({r['source']})"
        ]
        # The same model's other rates (e.g. image-input price quoted as the input price).
        for given, label, ref_value in ((inp, "input", ri), (outp, "output", ro)):
            if _same(given, ref_value):
                continue
            own = [
                _RATE_NAMES[c] for c in _RATE_NAMES
                if c in r.index and _same(given, float(r[c])) and _RATE_NAMES[c] != label
            ]
            if own:
                parts.append(f"the given {label} price is {model}'s {' / '.join(own)} rate")
        found = ref.matches(provider, model, inp, outp, day)
        if found:
            parts.append("the given pair matches " + "; ".join(found[:4]))
        elif len(parts) == 1:
            parts.append("the given pair matches no known price")
        rec.update(status="wrong", explanation=". ".join(parts), matches="; ".join(found))
        out.append(rec)
    return pd.DataFrame(out, columns=list(AUDIT_COLUMNS))


def audit_file(path: Path | str) -> pd.DataFrame:
    """:func:`audit_table` of a CSV file."""
    return audit_table(load_price_table(path))


# --------------------------------------------------------------------------------------------------
# The curated tables themselves


CURATED_COLUMNS = ("file", "line", "model", "status", "detail")
"""Columns of :func:`audit_curated`. ``status`` is ok (verified and consistent), unverified (says so, no
``verified_on``) or problem (what is wrong is in ``detail``)."""

_UNVERIFIED = re.compile(r"unverified|memory|assumed|not found|approximat|price unknown", re.I)
_CHECKABLE = re.compile(
    r"[a-z0-9-]+\.(com|org|ai|net|io|app|dev|jp|cn|fr|pro|co)\b[/\w.#?=&%:-]*|genai-prices|openai-python|CHANGELOG",
    re.I,
)
_INTERNAL = re.compile(r"\.\./|DESIGN\.md|/work/", re.I)
_AMOUNT = re.compile(r"\$\s?(\d+(?:\.\d+)?)(\s?/\s?1K)?", re.I)


def _quoted_usd_per_mtok(text: str) -> set[float]:
    """Every dollar amount a source quotes, per 1M tokens (``$0.002/1K`` -> 2.0)."""
    return {float(m[1]) * (1000 if m[2] else 1) for m in _AMOUNT.finditer(text)}


def _curated_rows(files: dict[str, Path]) -> tuple[pd.DataFrame, list[tuple[str, int, pd.Series, str]]]:
    """The lifecycle table, and (file, line, row, kind) for every curated row."""
    la, hi, ti, co = _prices._curated(
        files["launches_csv"], files["history_csv"], files["tiers_csv"], files["components_csv"])
    img = _prices.read_csv_checked(files["images_csv"], _prices.IMAGE_SPEC)
    out = []
    for key, frame, kind in (("launches_csv", la, "lifecycle"), ("history_csv", hi, "prices"),
                             ("tiers_csv", ti, "tier"), ("components_csv", co, "component"),
                             ("images_csv", img, "image")):
        for line, row in frame.iterrows():
            out.append((files[key].name, int(line), row, kind))
    return la, out


def audit_curated(today: pd.Timestamp | dt.date | str | None = None, **csv_paths: Path | str) -> pd.DataFrame:
    """Check every row of the curated CSVs against what it cites and against the model's lifecycle.

    A row is ``ok`` when it carries ``verified_on`` and passes every check, ``unverified`` when it has no
    ``verified_on`` and its source says why (memory, assumption, approximation), and a ``problem`` when:
    its source is empty, internal, or names nothing checkable; it has a ``verified_on`` yet calls itself
    unverified, or no ``verified_on`` and does not say it is unverified, or a ``verified_on`` in the future;
    a verified price row does not hold any price its source quotes; a price row starts before its model's
    launch or at or after its shutdown.

    ``csv_paths`` (``launches_csv``, ``history_csv``, ``tiers_csv``, ``components_csv``, ``images_csv``) audit
    other files than the bundled ones.
    """
    today = pd.Timestamp(today) if today is not None else pd.Timestamp.today().normalize()
    files = {
        "launches_csv": paths.MODEL_LAUNCHES_CSV, "history_csv": paths.PRICE_HISTORY_CSV,
        "tiers_csv": paths.SERVICE_TIERS_CSV, "components_csv": paths.PRICE_COMPONENTS_CSV,
        "images_csv": paths.IMAGE_PRICES_CSV,
    }
    unknown = set(csv_paths) - set(files)
    if unknown:
        raise TypeError(f"audit_curated() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    files = {k: Path(csv_paths.get(k, v)).resolve() for k, v in files.items()}
    la, rows = _curated_rows(files)
    life = {(r.provider, r.model): r for r in la.itertuples()}
    out = []
    for file, line, row, kind in rows:
        text = " ".join(str(row.get(c, "")) for c in ("source", "lifecycle_source") if row.get(c, ""))
        problems: list[str] = []
        verified = row.get("verified_on", pd.NaT)
        says_unverified = bool(_UNVERIFIED.search(text))
        if not text.strip():
            problems.append("no source")
        elif _INTERNAL.search(text):
            problems.append("cites an internal file, not a public source")
        elif not _CHECKABLE.search(text) and not says_unverified:
            problems.append("the source names no page, changelog or genai-prices entry to check")
        if pd.notna(verified) and says_unverified:
            problems.append(f"verified_on {verified.date()} but the source calls the row unverified")
        if pd.isna(verified) and not says_unverified and text.strip():
            problems.append("no verified_on, and the source does not say the row is unverified")
        if pd.notna(verified) and verified > today:
            problems.append(f"verified_on {verified.date()} is in the future")
        if kind == "prices" and pd.notna(verified):
            values = [float(row[c]) for c in _prices.HISTORY_PRICE_COLUMNS if not math.isnan(row[c])]
            quoted = _quoted_usd_per_mtok(str(row["source"]))
            if values and not quoted:
                problems.append("verified, but the source quotes no price to check it against")
            elif values and not any(_same(v, q) for v in values for q in quoted):
                shown = ", ".join(f"${q:g}" for q in sorted(quoted))
                problems.append(f"the source quotes {shown} per 1M tokens; the row holds "
                                f"{', '.join(f'${v:g}' for v in values)}")
        if kind == "image" and pd.notna(verified):
            quoted = _quoted_usd_per_mtok(str(row["source"]))  # per-image dollars are quoted as they are
            if not any(_same(float(row["usd_per_image"]), q) for q in quoted):
                problems.append(f"the source does not quote the row's ${float(row['usd_per_image']):g} per image")
        if kind in ("prices", "image"):
            lc = life.get((row["provider"], row["model"]))
            lo = row["valid_from"]
            if lc is not None and pd.notna(lo) and pd.notna(lc.launched) and lo < lc.launched:
                problems.append(f"price from {lo.date()}, before the launch on {lc.launched.date()}")
            if lc is not None and pd.notna(lo) and pd.notna(lc.shutdown_on) and lo >= lc.shutdown_on:
                problems.append(f"price from {lo.date()}, after the shutdown on {lc.shutdown_on.date()}")
        status = "problem" if problems else ("ok" if pd.notna(verified) else "unverified")
        detail = "; ".join(problems) if problems else (
            f"verified {verified.date()}" if pd.notna(verified) else "marked unverified by its source")
        out.append({"file": file, "line": line, "model": str(row.get("model", "")), "status": status,
                    "detail": detail})
    return pd.DataFrame(out, columns=list(CURATED_COLUMNS))
