"""The token lab: pure HTML/table builders, the widget (set ``widget.value``, read the HTML), the notebook."""

from __future__ import annotations

import html
import itertools
import json
import re

import nbformat
import pandas as pd
import pytest

from explorer import images, paths, price_usage, prices, tokens
from explorer.token_lab import (
    CLAIM_TEXTS,
    PALETTE,
    SAMPLE_MESSAGES,
    SAMPLE_TEXTS,
    SAMPLE_TOOLS,
    Table,
    claim_verdict,
    cost_table,
    encoding_counts,
    frame_html,
    image_token_table,
    language_comparison,
    message_breakdown_html,
    pieces_html,
    side_by_side_html,
    token_html,
)
from explorer.widgets import TokenLab, token_lab_widget

AS_OF = "2026-11-27"
# gpt-4, the cl100k model these tests price, was shut down on 2026-10-23: they price on a day it was sold.
CL100K_DAY = "2026-06-01"
NOTEBOOK = paths.NOTEBOOKS_DIR / "token_lab.ipynb"


def _spans(html_text: str) -> list[str]:
    return re.findall(r'<span title="[^"]*" style="background:(#[0-9a-f]{6})', html_text)


# --------------------------------------------------------------------------------------------------
# Coloured tokens


def test_one_span_per_piece_with_cycling_colours() -> None:
    text = SAMPLE_TEXTS["English"]
    pieces = tokens.token_pieces(text, model="gpt-4o")
    colours = _spans(pieces_html(pieces))
    assert len(colours) == len(pieces) == tokens.count_text(text, model="gpt-4o").tokens
    assert colours == [PALETTE[i % len(PALETTE)] for i in range(len(pieces))]
    assert all(a != b for a, b in itertools.pairwise(colours))


def _drawn(html_text: str) -> str:
    """The characters a reader sees in the coloured-token block (tags removed, entities decoded)."""
    block = html_text[html_text.index('<div style="font-family') :]
    visible = re.sub(r"<[^>]+>", "", block)
    assert "<" not in visible and ">" not in visible, "unescaped markup in the text"
    return html.unescape(visible)


def test_text_is_escaped_and_whitespace_visible() -> None:
    text = "<b>a & b</b>\n\tx\u3000y"
    html_text = token_html(text, encoding="o200k_base")
    assert _drawn(html_text) == "<b>a·&·b</b>↵→x□y"
    assert "↵</span><br>" in html_text  # a newline is drawn and breaks the line
    assert "→" in html_text and "□" in html_text and "·" in html_text
    assert "<wbr>" in html_text  # lines can wrap at a drawn space


def test_split_character_is_outlined_and_keeps_all_its_tokens() -> None:
    text = "鬱"  # one rare kanji: several tokens
    pieces = tokens.token_pieces(text, encoding="cl100k_base")
    assert len(pieces) == 1 and len(pieces[0].token_ids) > 1
    html_text = token_html(text, encoding="cl100k_base")
    assert "dashed" in html_text
    assert f"<b>{len(pieces[0].token_ids)} tokens</b> for 1 characters" in html_text
    assert f"{len(pieces[0].token_ids)} tokens (" in html_text  # the hover title names them


def test_long_text_drawing_is_capped_but_counted_in_full() -> None:
    pieces = tokens.token_pieces("word " * 50, encoding="o200k_base")
    html_text = pieces_html(pieces, limit=10)
    assert len(_spans(html_text)) == 10
    assert f"{len(pieces) - 10:,} more pieces not drawn" in html_text
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        pieces_html(pieces, limit=0)


def test_token_html_labels_estimates_and_empty_text() -> None:
    exact = token_html("hello", model="gpt-4o")
    assert "gpt-4o → o200k_base, exact" in exact
    estimate = token_html("hello", model="claude-sonnet-4-5")
    assert "estimate:" in estimate and "exact)" not in estimate
    assert "(no text)" in token_html("", model="gpt-4o")


def test_side_by_side_has_one_column_per_text() -> None:
    out = side_by_side_html(SAMPLE_TEXTS, model="gpt-4")
    assert out.count("<h4") == 2 and "English" in out and "Japanese" in out
    assert out.count("cl100k_base") == 2
    with pytest.raises(ValueError, match="at least one text"):
        side_by_side_html({})


def test_html_is_deterministic() -> None:
    assert token_html(SAMPLE_TEXTS["Japanese"], model="gpt-4o") == token_html(
        SAMPLE_TEXTS["Japanese"], model="gpt-4o"
    )


# --------------------------------------------------------------------------------------------------
# Counts, the claim, costs


def test_encoding_counts_match_the_counter() -> None:
    text = SAMPLE_TEXTS["Japanese"]
    df = encoding_counts(text).set_index("encoding")
    assert df["tokens"].to_dict() == tokens.count_by_encoding(text)
    assert (df["characters"] == len(text)).all() and (df["utf8_bytes"] == len(text.encode())).all()
    assert df["tokens_per_char"].to_numpy() == pytest.approx(df["tokens"].to_numpy() / len(text))
    assert encoding_counts("")["tokens_per_char"].isna().all()


def test_language_comparison_checks_the_claim_on_japanese_only() -> None:
    df = language_comparison(CLAIM_TEXTS)
    assert len(df) == 2 * len(CLAIM_TEXTS)
    english = df[df["text"] == "English"]
    assert english["claim_tokens"].isna().all() and english["claim_error_pct"].isna().all()
    ja = df[df["text"].str.contains("Japanese")]
    assert (ja["claim_tokens"] == ja["characters"]).all()
    expected = ((ja["characters"] - ja["tokens"]) / ja["tokens"] * 100).round(1).astype(float)
    assert ja["claim_error_pct"].astype(float).to_numpy() == pytest.approx(expected.to_numpy())
    # The point of the section: on real text the claim is off in both directions.
    assert (ja["claim_error_pct"] > 0).any() and (ja["claim_error_pct"] < 0).any()


def test_language_comparison_errors_name_the_culprit() -> None:
    with pytest.raises(ValueError, match="text 'blank' is empty"):
        language_comparison({"blank": ""})
    with pytest.raises(ValueError, match=r"claim_for names texts not given: \['French'\]"):
        language_comparison({"English": "hi"}, claim_for=["French"])
    with pytest.raises(ValueError, match="at least one text"):
        language_comparison({})


def test_claim_verdict_reports_range_and_both_extremes() -> None:
    df = language_comparison(CLAIM_TEXTS)
    out = claim_verdict(df)
    o200k = df[(df["encoding"] == "o200k_base") & df["claim_tokens"].notna()]
    lo, hi = o200k["tokens_per_char"].min(), o200k["tokens_per_char"].max()
    assert f"{lo:.2f} to {hi:.2f} tokens per character" in out
    assert "too few" in out and "too many" in out
    assert "Over 5 text(s)" in out
    with pytest.raises(ValueError, match=r"not applied to \['English'\]"):
        claim_verdict(df, ["English"])
    with pytest.raises(ValueError, match=r"texts \['Klingon'\] not in the comparison"):
        claim_verdict(df, ["Klingon"])


def test_cost_table_is_text_cost_times_requests() -> None:
    text = SAMPLE_TEXTS["English"]
    models = ["gpt-4o", "gpt-4", "claude-sonnet-4-5"]
    one = tokens.text_cost(text, models, as_of=CL100K_DAY)
    df = cost_table(text, models, as_of=CL100K_DAY, requests=1000)
    assert df["input_usd"].to_numpy() == pytest.approx(one["input_usd"].to_numpy() * 1000)
    assert df["output_usd"].to_numpy() == pytest.approx(one["output_usd"].to_numpy() * 1000)
    assert df.set_index("model")["count"].to_dict() == {
        "gpt-4o": "exact",
        "gpt-4": "exact",
        "claude-sonnet-4-5": "estimate",
    }
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError, match="requests must be a positive integer"):
            cost_table(text, models, as_of=CL100K_DAY, requests=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("usd", "shown"),
    [(2.5e-06, "$0.00000250"), (1.0000000000000001e-07, "$0.000000100"), (0.0125, "$0.0125"),
     (0.5, "$0.500"), (1234.5, "$1,234.50"), (0.0, "$0")],
)  # fmt: skip
def test_dollars_are_spelled_out(usd: float, shown: str) -> None:
    assert f">{shown}</td>" in frame_html(pd.DataFrame({"x_usd": [usd]}))


def test_frame_html_aligns_escapes_and_blanks_missing() -> None:
    df = pd.DataFrame(
        {"name": ["<i>x</i>"], "n": [1234], "ratio": [0.5], "flag": [True], "k": pd.array([None], "Int64")}
    )
    out = frame_html(df)
    assert "&lt;i&gt;x&lt;/i&gt;" in out and "<i>" not in out
    assert '<th style="padding:2px 8px;text-align:left">name</th>' in out
    assert '<th style="padding:2px 8px;text-align:right">n</th>' in out
    assert ">1,234</td>" in out and ">0.500</td>" in out and ">True</td>" in out
    # NA is blank, not "<NA>"
    assert '<td style="padding:2px 8px;text-align:right;white-space:nowrap"></td>' in out
    bundle = Table(df)._repr_mimebundle_()
    assert bundle["text/html"] == out and bundle["text/plain"] == df.to_string(index=False)


# --------------------------------------------------------------------------------------------------
# Chat messages and images


def test_message_breakdown_shows_the_overhead() -> None:
    messages = list(SAMPLE_MESSAGES)
    count = tokens.count_messages(messages, model="gpt-4o", tools=list(SAMPLE_TOOLS))
    out = message_breakdown_html(count, messages)
    frame = count.to_frame()
    overhead = int(frame["overhead_tokens"].sum())
    assert f"<b>{count.tokens} prompt tokens</b>" in out and f": {overhead} of them" in out
    # one row per message, then tools and reply priming, with each total shown
    assert out.count("<tr>") == len(messages) + 2 + 1  # + the header row
    for total in frame["total_tokens"]:
        assert f"<b>{total}</b>" in out
    assert "Murakami" in out and f'title="overhead: {count.tools_tokens}"' in out
    assert f"width:{count.reply_priming_tokens * 6}px" in out
    with pytest.raises(ValueError, match="1 messages given for a count of 4 messages"):
        message_breakdown_html(count, messages[:1])


def test_image_token_table_matches_the_image_rules() -> None:
    df = image_token_table([(1024, 768)], ["gpt-4o", "gpt-4.1-mini"], as_of=AS_OF)
    assert len(df) == 4
    for row in df.itertuples():
        t = images.image_tokens(1024, 768, model=row.model, detail=row.detail)
        assert row.tokens == t.tokens and row.documented == t.documented
    usage = pd.DataFrame({"model": df["model"], "input_tokens": df["tokens"], "output_tokens": 0})
    priced = price_usage(usage, as_of=AS_OF)["total_usd"].to_numpy()
    assert df["input_usd"].to_numpy() == pytest.approx(priced)
    assert "input_usd" not in image_token_table([(512, 512)], ["gpt-4o"]).columns


# --------------------------------------------------------------------------------------------------
# The widget


@pytest.fixture
def lab() -> TokenLab:
    return token_lab_widget(CL100K_DAY, models=("gpt-4o", "gpt-4", "claude-sonnet-4-5"))


def test_widget_defaults_to_the_models_on_sale_that_day() -> None:
    import explorer.token_lab as lab_module

    day = "2025-06-01"  # before gpt-5 and gpt-5.6-terra launched
    lab = token_lab_widget(day)
    assert list(lab.models.options) == prices.on_sale(lab_module.DEFAULT_COST_MODELS, day)
    assert "gpt-4o" in lab.models.options and not {"gpt-5", "gpt-5.6-terra"} & set(lab.models.options)


def test_widget_starts_filled_in(lab: TokenLab) -> None:
    n = tokens.count_text(SAMPLE_TEXTS["English"], model="gpt-4o").tokens
    assert f"<b>{n} tokens</b>" in lab.tokens_out.value
    assert "o200k_base" in lab.counts_out.value and "cl100k_base" in lab.counts_out.value
    assert "claude-sonnet-4-5" in lab.costs_out.value and "estimate" in lab.costs_out.value


def test_typing_updates_tokens_counts_and_costs(lab: TokenLab) -> None:
    lab.text.value = "こんにちは <world>"
    counts = tokens.count_by_encoding("こんにちは <world>")
    assert f"<b>{counts['o200k_base']} tokens</b>" in lab.tokens_out.value
    assert _drawn(lab.tokens_out.value) == "こんにちは·<world>"
    expected = frame_html(encoding_counts("こんにちは <world>"))
    assert lab.counts_out.value == expected
    assert lab.costs_out.value == frame_html(
        cost_table("こんにちは <world>", ["gpt-4o", "gpt-4", "claude-sonnet-4-5"], as_of=CL100K_DAY, requests=1000)
    )


def test_picking_a_tokenizer_recolours(lab: TokenLab) -> None:
    lab.text.value = SAMPLE_TEXTS["Japanese"]
    lab.colour_model.value = "gpt-4"
    n = tokens.count_by_encoding(SAMPLE_TEXTS["Japanese"])["cl100k_base"]
    assert f"<b>{n} tokens</b>" in lab.tokens_out.value and "gpt-4 → cl100k_base" in lab.tokens_out.value
    lab.colour_model.value = "claude-sonnet-4-5"
    assert "estimate:" in lab.tokens_out.value


def test_requests_and_models_drive_the_cost_table(lab: TokenLab) -> None:
    lab.requests.value = 1_000_000
    assert lab.costs_out.value == frame_html(
        cost_table(lab.text.value, list(lab.models.value), as_of=CL100K_DAY, requests=1_000_000)
    )
    lab.models.value = ("gpt-4",)
    assert "gpt-4o" not in lab.costs_out.value and "gpt-4" in lab.costs_out.value
    lab.models.value = ()
    assert "Pick at least one model" in lab.costs_out.value


def test_widget_displays_with_a_stable_text_fallback(lab: TokenLab) -> None:
    bundle = lab._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"].startswith("[token lab:")
    assert "application/vnd.jupyter.widget-view+json" in data
    with pytest.raises(ValueError, match="at least one model to colour"):
        token_lab_widget(AS_OF, colour_models=())


# --------------------------------------------------------------------------------------------------
# The committed notebook (nbval re-runs it against these outputs; this checks what nbval cannot)


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_notebook_committed_executed_and_clean(notebook: nbformat.NotebookNode) -> None:
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "run top to bottom once"
    outputs = [o for c in code for o in c.outputs]
    assert all(o["output_type"] != "error" for o in outputs)
    assert not any(o["output_type"] == "stream" and o["name"] == "stderr" for o in outputs)
    text = json.dumps([outputs, notebook.metadata])
    assert not re.search(r"https?://(cdn|unpkg|cdnjs|[a-z.]*jsdelivr)", text), "a CDN URL in the outputs"
    for machine in ("/work/", "/home/", "/root/", "/tmp/", str(paths.REPO_DIR)):
        assert machine not in text, f"machine path {machine!r} in the outputs"
    assert " at 0x" not in text, "a memory address in a stored output"
    assert "widgets" not in notebook.metadata, "widget state stored: execute with store_widget_state=False"
    assert NOTEBOOK.stat().st_size < 200_000


def test_notebook_is_thin_and_dated(notebook: nbformat.NotebookNode) -> None:
    source = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    # today's prices by default; the stored outputs are for the day EXPLORER_AS_OF pins (conftest.py)
    assert "AS_OF = None" in source and "as_of_day(AS_OF)" in source
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert "def " not in cell.source and "class " not in cell.source, "logic belongs in explorer/"
            assert len(cell.source.splitlines()) <= 10, cell.source
    assert notebook.cells[0].cell_type == "markdown" and "token" in notebook.cells[0].source.lower()
