"""Reports: one self-contained HTML file, checked as text and in a real browser with the network cut."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explorer.cli import main
from explorer.report import build_report, external_references
from tests.browser import browser_page

TITLE = "<script>alert('x')</script> Q4 & costs"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    build_report(out, scenario_file="data/scenarios/rag-long-context.yaml", as_of="2026-11-27", title=TITLE)
    return out


def test_self_contained(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert external_references(text) == []
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", text)
    assert text.count("vegaEmbed(\"#chart-") >= 5
    assert "cdn.jsdelivr" not in text and "cdnjs" not in text and "unpkg" not in text


def test_reads_as_a_report_with_code_hidden(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    for heading in ("Assumptions", "Monthly cost per model, cheapest first", "Try another volume", "Cost curves",
                    "Where the cheapest model changes", "How far the budget goes", "What is estimated"):
        assert heading in text
    assert "prices in force on <b>2026-11-27</b>" in text
    assert 'class="cheapest"' in text
    assert "report.prepare(" not in text and "import report" not in text


def test_untrusted_title_is_escaped(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert "<script>alert('x')</script>" not in text
    assert re.search(r"<h1>&lt;script&gt;alert\((&#x27;|')x(&#x27;|')\)&lt;/script&gt; Q4 &amp; costs</h1>", text)


def test_bad_input_fails_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    with pytest.raises(ValueError, match="unknown model 'gpt-4x'; closest known"):
        build_report(out, models=["gpt-4x"])
    with pytest.raises(ValueError, match=r"no/such\.yaml"):
        build_report(out, scenario_file="no/such.yaml")
    with pytest.raises(ValueError, match="directory does not exist"):
        build_report(tmp_path / "missing" / "r.html")
    assert not out.exists()


def test_cli_bad_input_exit_2(capsys, tmp_path: Path) -> None:
    assert main(["report", "--models", "gpt-4x", "--out", str(tmp_path / "r.html"), "--quiet"]) == 2
    assert "gpt-4x" in capsys.readouterr().err


@pytest.mark.browser
def test_renders_offline_and_the_slider_recomputes(report: Path) -> None:
    with browser_page() as (page, watch):
        page.goto(report.as_uri())
        page.wait_for_function("document.querySelectorAll('.report-chart svg').length >= 5", timeout=30_000)
        n_charts = page.evaluate("document.querySelectorAll('.report-chart').length")
        n_drawn = page.evaluate("document.querySelectorAll('.report-chart svg, .report-chart canvas').length")
        assert n_drawn >= n_charts >= 5
        # the untrusted title shows as text
        assert page.inner_text("h1").startswith("<script>alert('x')</script> Q4 & costs")

        def shown_costs() -> list[str]:
            return page.eval_on_selector_all(
                "#chart-volume svg text", "els => els.map(e => e.textContent).filter(t => t.startsWith('$'))")

        before = shown_costs()
        slider = page.locator("#chart-volume input[type=range]")
        assert slider.count() == 1
        slider.evaluate("(el) => { el.value = String(Number(el.max) / 2); el.dispatchEvent(new Event('input')); }")
        page.wait_for_function(
            "before => JSON.stringify(Array.from(document.querySelectorAll('#chart-volume svg text'))"
            ".map(e => e.textContent).filter(t => t.startsWith('$'))) !== before",
            arg=__import__("json").dumps(before), timeout=10_000,
        )
        after = shown_costs()
        assert after != before and after
        # legend selection on the cost curves is live
        assert page.locator("#chart-curves .role-legend").count() >= 1
    assert watch.external == [], watch.external
    assert watch.console_errors == [] and watch.page_errors == [], (watch.console_errors, watch.page_errors)
