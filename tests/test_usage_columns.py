"""The usage column schema: every accepted header, every convention, unknown count columns, and one reader
for every command (no column is dropped silently)."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from genai_prices import Usage, calc_price

from explorer import cli, usage_columns
from explorer import usage as u
from explorer.costs import COUNT_COLUMNS
from explorer.paths import REPO_DIR

AS_OF = "2026-11-01"


def _frame(**cols: list) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"model": ["gpt-4.1"] * n, **cols})


# ------------------------------------------------------------------------------------------------ the headline


def test_cached_tokens_is_understood_by_cost_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The bug report: a request log whose cached column is named cached_tokens was priced as if nothing
    were cached, and the column vanished from the output."""
    rng = np.random.default_rng(15)
    n = 300
    inp = rng.integers(1_000, 50_000, n)
    log = pd.DataFrame({
        "model": rng.choice(["gpt-4.1", "gpt-4o-mini", "gpt-5-mini"], n),
        "input_tokens": inp,
        "cached_tokens": (inp * rng.choice([0.0, 0.9], n)).astype(np.int64),
        "output_tokens": rng.integers(1, 2_000, n),
    })
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    code = cli.main(["cost", "--usage", str(path), "--format", "json", "--as-of", AS_OF])
    payload = json.loads(capsys.readouterr().out)
    canonical = log.rename(columns={"cached_tokens": "cached_input_tokens"})
    expected = u.price(u.normalize_usage(canonical), as_of=AS_OF)["total_usd"]
    uncached = u.price(u.normalize_usage(log.drop(columns="cached_tokens")), as_of=AS_OF)["total_usd"]
    assert code == 0
    assert [r["total_usd"] for r in payload["rows"]] == pytest.approx(expected.tolist(), abs=1e-12)
    assert (expected < uncached).sum() > 100  # the rows the bug overpriced
    assert [r["cached_input_tokens"] for r in payload["rows"]] == log["cached_tokens"].tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = log.iloc[0]
        oracle = calc_price(Usage(input_tokens=int(r.input_tokens), cache_read_tokens=int(r.cached_tokens),
                                  output_tokens=int(r.output_tokens)), str(r.model), provider_id="openai",
                            genai_request_timestamp=dt.datetime(2026, 11, 1))
    assert payload["rows"][0]["total_usd"] == pytest.approx(float(oracle.total_price), abs=1e-12)


# ------------------------------------------------------------------------------------------------ every alias


def _case(alias: usage_columns.Alias) -> tuple[dict[str, int], dict[str, int]]:
    """A row using ``alias`` (value 300) beside neutral headers, and the engine counts it must give."""
    v = 300
    gem = alias.family == "gemini"
    base_in = {"prompt_tokens": 1000}
    base_out = {"candidates_token_count": 100} if gem else {"completion_tokens": 100}
    c = alias.count
    if c == "input_tokens":
        out_hdr = base_out if gem else {"output_tokens": 100}
        return {alias.header: v, **out_hdr}, {"input_tokens": v, "output_tokens": 100}
    if c == "uncached_input_tokens":
        return {alias.header: v, "output_tokens": 100}, {"input_tokens": v}
    if c == "tool_use_prompt_tokens":
        return {**base_in, alias.header: v, "output_tokens": 100}, {"input_tokens": 1000 + v}
    if c in ("cached_input_tokens", "cache_write_tokens"):
        return {**base_in, alias.header: v, **base_out}, {"input_tokens": 1000, c: v}
    if c == "cache_write_5m_tokens":
        return {**base_in, alias.header: v, **base_out}, {"cache_write_tokens": v, "cache_write_1h_tokens": 0}
    if c == "cache_write_1h_tokens":
        return {**base_in, alias.header: v, **base_out}, {"cache_write_tokens": v, "cache_write_1h_tokens": v}
    if c == "output_tokens":
        return {**base_in, alias.header: v}, {"output_tokens": v}
    if c == "candidates_tokens":
        return {**base_in, alias.header: v, "thoughts_token_count": 50}, {"output_tokens": v + 50,
                                                                          "reasoning_tokens": 50}
    if c == "reasoning_tokens":
        if gem:
            return {**base_in, **base_out, alias.header: v}, {"output_tokens": 100 + v, "reasoning_tokens": v}
        return {**base_in, "completion_tokens": 1000, alias.header: v}, {"output_tokens": 1000, "reasoning_tokens": v}
    if c.startswith("input_"):
        return {**base_in, alias.header: v, "completion_tokens": 100}, {c: v, "input_tokens": 1000}
    if c.startswith("output_"):
        return {**base_in, "completion_tokens": 1000, alias.header: v}, {c: v, "output_tokens": 1000}
    if c.endswith("_calls"):
        return {**base_in, "completion_tokens": 10, alias.header: 3}, {c: 3}
    assert c == "total_tokens"
    return {**base_in, "completion_tokens": 10, alias.header: 1010}, {"input_tokens": 1000, "output_tokens": 10}


@pytest.mark.parametrize("alias", usage_columns.ALIASES, ids=lambda a: a.header)
@pytest.mark.parametrize("spelling", ["as is", "camelCase", "Title Case"])
def test_every_alias_lands_in_its_count(alias: usage_columns.Alias, spelling: str) -> None:
    row, expected = _case(alias)
    if spelling == "camelCase":
        row = {k.split("_")[0] + "".join(w.title() for w in k.split("_")[1:]): v for k, v in row.items()}
    elif spelling == "Title Case":
        row = {k.replace("_", " ").title(): v for k, v in row.items()}
    frame = u.normalize_usage(pd.DataFrame([{"model": "gpt-4.1", **row}]))
    got = {k: int(frame[k].iloc[0]) for k in expected}
    assert got == expected


def test_the_schema_covers_the_engine() -> None:
    assert set(COUNT_COLUMNS) <= set(usage_columns.SOURCE_COUNTS)
    assert {a.count for a in usage_columns.ALIASES} == set(usage_columns.SOURCE_COUNTS)
    headers = [a.header for a in usage_columns.ALIASES]
    assert len(headers) == len(set(headers)) and all(usage_columns.key(h) == h for h in headers)


def test_docs_show_the_alias_table() -> None:
    assert usage_columns.markdown_table() in (REPO_DIR / "docs" / "usage.md").read_text()


# ------------------------------------------------------------------------------------------------ conventions


def test_anthropic_input_excludes_its_cache() -> None:
    f = _frame(input_tokens=[100], cache_read_input_tokens=[5000], cache_creation_input_tokens=[700],
               output_tokens=[10])
    got = u.normalize_usage(f, convention="anthropic")
    assert got[["input_tokens", "cached_input_tokens", "cache_write_tokens"]].iloc[0].tolist() == [5800, 5000, 700]
    got = u.normalize_usage(f.assign(input_tokens=[6000]), convention="openai")
    assert got["input_tokens"].iloc[0] == 6000


def test_gemini_output_excludes_thoughts() -> None:
    f = _frame(input_tokens=[100], output_tokens=[40], thoughts_token_count=[60])
    assert u.normalize_usage(f, convention="gemini")["output_tokens"].iloc[0] == 100
    assert u.normalize_usage(f.assign(output_tokens=[80]), convention="openai")["output_tokens"].iloc[0] == 80


@pytest.mark.parametrize(
    ("cols", "named"),
    [
        ({"input_tokens": [100], "cache_read_input_tokens": [50], "output_tokens": [1]}, "cache_read_input_tokens"),
        ({"input_tokens": [100], "cache_creation_input_tokens": [50], "output_tokens": [1]},
         "cache_creation_input_tokens"),
        ({"input_tokens": [100], "output_tokens": [40], "thoughtsTokenCount": [60]}, "thoughtsTokenCount"),
    ],
)
def test_ambiguous_headers_need_a_convention(cols: dict, named: str) -> None:
    with pytest.raises(ValueError, match=rf"beside '{named}' is ambiguous.*pass --convention openai\|anthropic\|gemini"):
        u.normalize_usage(_frame(**cols))


def test_unambiguous_headers_need_none() -> None:
    """The engine's own names, OpenAI's, genai-prices' and litellm's (prompt_tokens) say what they count."""
    for cols in (
        {"input_tokens": [100], "cached_input_tokens": [50]},
        {"input_tokens": [100], "cached_tokens": [50]},
        {"input_tokens": [100], "cache_read_tokens": [50], "cache_write_tokens": [10]},
        {"prompt_tokens": [100], "cache_read_input_tokens": [50], "cache_creation_input_tokens": [10]},
    ):
        got = u.normalize_usage(_frame(output_tokens=[1], **cols))
        assert got["input_tokens"].iloc[0] == 100


def test_provider_column_decides_per_row() -> None:
    f = pd.DataFrame({
        "model": ["claude-sonnet-4-5", "gpt-4.1", "claude-sonnet-4-5"],
        "provider": ["anthropic", "openai", "google"],
        "input_tokens": [100, 1000, 100],
        "cache_read_input_tokens": [900, 900, 900],
        "output_tokens": [1, 1, 1],
    })
    assert u.normalize_usage(f)["input_tokens"].tolist() == [1000, 1000, 1000]  # Claude on Vertex: Anthropic's
    with pytest.raises(ValueError, match=r"line 1, column 'provider'.*provider 'mistral' does not say"):
        u.normalize_usage(f.assign(provider=["mistral", "openai", "anthropic"], model=["m", "gpt-4.1", "c"]).set_axis(
            pd.Index([1, 2, 3], name="line")))


def test_convention_column_and_flag() -> None:
    f = _frame(input_tokens=[100, 1000], cache_read_input_tokens=[900, 900], output_tokens=[1, 1],
               convention=["anthropic", "openai"])
    assert u.normalize_usage(f)["input_tokens"].tolist() == [1000, 1000]
    with pytest.raises(ValueError, match=r"'claude' is not a convention"):
        u.normalize_usage(f.assign(convention=["claude", "openai"]))
    with pytest.raises(ValueError, match=r"convention: unknown 'claude'"):
        u.read_usage(REPO_DIR / "data" / "samples" / "requests.csv", convention="claude")


def test_cached_above_input_suggests_the_anthropic_convention() -> None:
    f = _frame(input_tokens=[10], cached_input_tokens=[500], output_tokens=[1])
    with pytest.raises(ValueError, match=r"exceeds input_tokens.*pass --convention anthropic"):
        u.normalize_usage(f)


def test_cache_write_durations_add_up() -> None:
    f = _frame(prompt_tokens=[1000], cache_write_5m_tokens=[100], cache_write_1h_tokens=[50], completion_tokens=[1])
    got = u.normalize_usage(f)
    assert got[["cache_write_tokens", "cache_write_1h_tokens"]].iloc[0].tolist() == [150, 50]
    got = u.normalize_usage(f.assign(cache_write_tokens=[150]))
    assert got["cache_write_1h_tokens"].iloc[0] == 50
    with pytest.raises(ValueError, match=r"149 is not the 5-minute \+ 1-hour cache writes \(150\)"):
        u.normalize_usage(f.assign(cache_write_tokens=[149]))
    with pytest.raises(ValueError, match=r"column 'cache_write_1h_tokens': 50 exceeds cache_write_tokens 40"):
        u.normalize_usage(f.drop(columns="cache_write_5m_tokens").assign(cache_write_tokens=[40]))


def test_total_tokens_is_checked_not_priced() -> None:
    f = _frame(prompt_tokens=[100], completion_tokens=[10], total_tokens=[110])
    assert "total_tokens" in u.normalize_usage(f).columns
    with pytest.raises(ValueError, match=r"column 'total_tokens': 111 is not input \+ output \(110\)"):
        u.normalize_usage(f.assign(total_tokens=[111]))


def test_both_a_total_and_its_exclusive_form_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"both 'input_tokens' and 'uncached_input_tokens'"):
        u.normalize_usage(_frame(input_tokens=[1], uncached_input_tokens=[1], output_tokens=[1]))


# ------------------------------------------------------------------------------------------------ unknown columns


@pytest.mark.parametrize(
    ("header", "closest"),
    [("cache_hit_tokens", "cached_tokens"), ("reasoning_toks", "reasoning_tokens"),
     ("audio_in", "audio_input_tokens"), ("n_web_search", "web_searches"), ("prompt_cached", "prompt_tokens")],
)
def test_unknown_count_columns_are_errors(header: str, closest: str) -> None:
    f = _frame(input_tokens=[100], output_tokens=[1]).assign(**{header: [5]})
    with pytest.raises(ValueError) as err:
        u.normalize_usage(f)
    msg = str(err.value)
    assert f"unknown count column {header!r}" in msg and "--ignore-columns" in msg
    assert f"closest accepted name: {usage_columns.closest_name(header)!r}" in msg
    kept = u.normalize_usage(f, ignore_columns=[header])
    assert kept[header].tolist() == [5]  # passes through, unpriced


def test_closest_names_are_sensible() -> None:
    assert usage_columns.closest_name("cache_hit_tokens") in {"cached_tokens", "cache_read_tokens", "cache_write_tokens"}
    assert usage_columns.closest_name("reasoning_toks") == "reasoning_tokens"


def test_text_and_other_columns_pass_through() -> None:
    """A prompt's text, an image URL or a team name is not a count: kept, never an error."""
    f = _frame(input_tokens=[100], output_tokens=[1], prompt=["Summarise this"], image_url=["https://x/y.png"],
               team=["support"], latency_ms=[340])
    got = u.normalize_usage(f)
    assert {"prompt", "image_url", "team", "latency_ms"} <= set(got.columns)


def test_ignoring_an_accepted_header_leaves_it_unpriced() -> None:
    f = _frame(input_tokens=[1000], cached_tokens=[900], output_tokens=[1])
    got = u.normalize_usage(f, ignore_columns=["cached_tokens"])
    assert "cached_input_tokens" not in got.columns and got["cached_tokens"].tolist() == [900]


# ------------------------------------------------------------------------------------------------ one reader


def _ambiguous_csv(tmp_path: Path) -> Path:
    p = tmp_path / "anthropic.csv"
    p.write_text("timestamp,model,input_tokens,cache_read_input_tokens,cache_creation_input_tokens,output_tokens\n"
                 "2026-10-20,claude-sonnet-4-5,120,9000,800,300\n2026-10-21,claude-haiku-4-5,40,0,2000,50\n")
    return p


@pytest.mark.parametrize(
    "argv",
    [["cost", "--usage", "{p}"], ["usage", "{p}"]],
    ids=["cost", "usage"],
)
def test_every_command_reads_through_the_same_reader(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     argv: list[str]) -> None:
    p = _ambiguous_csv(tmp_path)
    args = [a.format(p=p) for a in argv]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {p}, column 'input_tokens': 'input_tokens' beside") and err.count("\n") == 1
    assert cli.main([*args, "--convention", "anthropic", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    expected = u.price(u.read_usage(p, convention="anthropic"))["total_usd"].sum()
    assert payload["total_usd"] == pytest.approx(expected)
    assert cli.main([*args, "--convention", "openai"]) == 2  # cached > input_tokens: not OpenAI's meaning
    assert "pass --convention anthropic" in capsys.readouterr().err


def test_price_file_reads_like_read_usage(tmp_path: Path) -> None:
    p = _ambiguous_csv(tmp_path)
    with pytest.raises(ValueError, match="is ambiguous"):
        u.price_file(p)
    streamed = u.price_file(p, convention="anthropic", chunk_rows=1)
    whole = u.price(u.read_usage(p, convention="anthropic"))["total_usd"].sum()
    assert streamed.summary.total_usd == pytest.approx(whole)
    q = tmp_path / "odd.csv"
    q.write_text("model,input_tokens,output_tokens,cache_hits\ngpt-4.1,10,1,5\n")
    with pytest.raises(ValueError, match="unknown count column 'cache_hits'"):
        u.price_file(q)
    assert u.price_file(q, ignore_columns=["cache_hits"]).rows == 1


def test_cost_usage_keeps_every_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "log.csv"
    p.write_text("model,prompt_tokens,cached_tokens,completion_tokens,reasoning_tokens,team\n"
                 "gpt-5.6-terra,1000,500,300,200,search\n")  # priced today: o4-mini was shut down on 2026-10-23
    assert cli.main(["cost", "--usage", str(p), "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert {"input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens", "team"} <= set(header)
    assert cli.main(["cost", "--usage", str(p)]) == 0
    out = capsys.readouterr().out
    assert "cached_input_tokens" in out and "other columns of the file (shown by --format csv/json): team" in out


# ------------------------------------------------------------------------------------------------ cache durations


def test_one_hour_writes_priced_at_the_one_hour_price() -> None:
    f = pd.DataFrame({"model": ["claude-sonnet-4-5"] * 2, "timestamp": ["2026-10-20"] * 2,
                      "input_tokens": [10_000, 10_000], "cache_read_tokens": [2_000, 2_000],
                      "cache_write_tokens": [4_000, 4_000], "cache_write_1h_tokens": [1_000, 0],
                      "output_tokens": [100, 100]})
    priced = u.price(u.normalize_usage(f))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = [float(calc_price(Usage(input_tokens=10_000, cache_read_tokens=2_000, cache_write_tokens=4_000,
                                         cache_write_1h_tokens=w1, output_tokens=100), "claude-sonnet-4-5",
                                   provider_id="anthropic", genai_request_timestamp=dt.datetime(2026, 10, 20)
                                   ).total_price) for w1 in (1_000, 0)]
    assert priced["total_usd"].tolist() == pytest.approx(oracle, abs=1e-12)
    assert priced["total_usd"].iloc[0] - priced["total_usd"].iloc[1] == pytest.approx(1_000 * (6.0 - 3.75) / 1e6)
    assert not priced.attrs.get("notes")


def test_a_model_without_a_one_hour_price_says_what_is_used() -> None:
    f = pd.DataFrame({"model": ["claude-3-5-sonnet"], "provider": ["google"], "timestamp": ["2026-10-20"],
                      "input_tokens": [10_000], "cache_write_tokens": [4_000], "cache_write_1h_tokens": [1_000],
                      "output_tokens": [100]})
    priced = u.price(u.normalize_usage(f))
    same = u.price(u.normalize_usage(f.drop(columns="cache_write_1h_tokens")))
    assert priced["total_usd"].iloc[0] == pytest.approx(same["total_usd"].iloc[0])
    assert priced.attrs["notes"] == [
        "1-hour cache writes priced at the 5-minute write price for google/claude-3-5-sonnet: the price table "
        "has no 1-hour write price for them"
    ]


def test_the_engine_refuses_a_count_under_another_name() -> None:
    """explorer.price_usage reads only the engine's names: another provider's name is an error, not $0."""
    from explorer import price_usage

    for header in ("cached_tokens", "prompt_tokens", "cache_read_input_tokens", "candidatesTokenCount",
                   "Input Tokens"):
        frame = pd.DataFrame({"model": ["gpt-4.1"], "input_tokens": [10], "output_tokens": [1], header: [5]})
        if header == "Input Tokens":
            frame = frame.drop(columns="input_tokens")
        with pytest.raises(ValueError, match=rf"column '{header}' means '\w+', which price_usage does not read"):
            price_usage(frame)
    ok = pd.DataFrame({"model": ["gpt-4.1"], "input_tokens": [10], "output_tokens": [1], "total_tokens": [11],
                       "team": ["a"]})
    assert price_usage(ok)["team"].tolist() == ["a"]


def test_breakdowns_of_counts_are_kept_and_not_priced_twice() -> None:
    """The OpenAI Usage API's newer fields split counts it also gives; they are known, kept, not priced."""
    f = _frame(input_tokens=[1000], input_cached_tokens=[600], input_uncached_tokens=[400],
               input_text_tokens=[1000], input_cached_text_tokens=[600], input_cached_audio_tokens=[0],
               output_tokens=[10], output_text_tokens=[10])
    got = u.normalize_usage(f)
    assert got["input_uncached_tokens"].tolist() == [400] and got["cached_input_tokens"].tolist() == [600]
    assert u.price(got, as_of=AS_OF)["total_usd"].iloc[0] == pytest.approx(
        u.price(u.normalize_usage(f[["model", "input_tokens", "input_cached_tokens", "output_tokens"]]),
                as_of=AS_OF)["total_usd"].iloc[0])
    with pytest.raises(ValueError, match=r"column 'input_cached_audio_tokens': 5 cached audio tokens have a rate"):
        u.normalize_usage(f.assign(input_cached_audio_tokens=[5]))
    assert u.normalize_usage(f.assign(input_cached_audio_tokens=[5]),
                             ignore_columns=["input_cached_audio_tokens"])["cached_input_tokens"].tolist() == [600]


def test_header_keys_are_remembered_only_for_short_headers() -> None:
    from explorer import usage_columns as uc

    assert uc.key("promptTokenCount") == "prompt_token_count" and uc.key(" Cached Tokens ") == "cached_tokens"
    assert uc.key(42) == "42"
    before = uc._key_of_short.cache_info().currsize
    long_header = "Input Tokens " * 1_000  # a hostile header is worked out each time, never kept
    assert uc.key(long_header) == "_".join(["input_tokens"] * 1_000)
    assert uc._key_of_short.cache_info().currsize == before
