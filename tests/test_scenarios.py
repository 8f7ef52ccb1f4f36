"""Scenarios: validation naming fields and files, atomic YAML/JSON round trips, costs, compare."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from explorer import cost_of, paths
from explorer.scenarios import (
    SLUG_MAX_CHARS,
    Scenario,
    ScenarioError,
    ScenarioWarning,
    compare_scenarios,
    list_scenarios,
    load_scenario,
    save_scenario,
    scenario_costs,
)

AS_OF = "2026-11-27"


def test_shipped_examples_load_and_price() -> None:
    shipped = list_scenarios(include_user=False)
    assert set(shipped) == {
        "Support chatbot",
        "RAG with long context",
        "Nightly batch classification",
        "Agent with heavy reasoning",
        "Image-generation campaign",
    }
    for sc in shipped.values():
        costs = scenario_costs(sc)
        assert costs["monthly_usd"].notna().any(), sc.name
        assert (costs["monthly_usd"].dropna() > 0).all(), sc.name


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_save_load_round_trip(tmp_path: Path, suffix: str) -> None:
    sc = Scenario(
        "Round trip",
        models=("gpt-4o", "o3"),
        cached_input_share=0.25,
        batch_share=0.5,
        monthly_budget_usd=100.0,
        as_of=AS_OF,
    )
    path = save_scenario(sc, tmp_path / f"rt{suffix}")
    assert load_scenario(path) == sc
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary file left behind"


def test_default_save_goes_to_user_folder() -> None:
    path = save_scenario(Scenario("My Plan!"))
    assert path == paths.user_scenarios_dir() / "my-plan.yaml"
    assert "My Plan!" in list_scenarios()


def test_atomic_write_keeps_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = save_scenario(Scenario("Keep me"), tmp_path / "s.yaml")
    before = target.read_text()

    def boom(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        save_scenario(Scenario("New"), target)
    assert target.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.yaml"]


def test_refuses_to_overwrite_when_asked(tmp_path: Path) -> None:
    target = save_scenario(Scenario("A"), tmp_path / "a.yaml")
    with pytest.raises(ScenarioError, match="already exists"):
        save_scenario(Scenario("B"), target, overwrite=False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\ncached_input_share: 1.5\n", "field 'cached_input_share': 1.5 is not between 0 and 1"),
        ("name: x\ninput_tokens_per_request: -3\n", "field 'input_tokens_per_request': -3 is negative"),
        (
            "name: x\ninput_tokens_per_request: 2.5\n",
            "field 'input_tokens_per_request': 2.5 is not a whole number",
        ),
        ("name: x\nrequests_per_month: lots\n", "field 'requests_per_month': 'lots' is not a number"),
        ("name: x\ncolour: red\nzeta: 1\n", "unknown field(s) 'colour', 'zeta'"),
        ("description: no name\n", "field 'name': missing"),
        ("name: x\nbatch_share: 0.7\nflex_share: 0.5\n", "add up to 1.2, over 1"),
        (
            "name: x\noutput_tokens_per_request: 10\nreasoning_tokens_per_request: 20\n",
            "reasoning_tokens_per_request",
        ),
        ("name: x\nas_of: yesterday\n", "field 'as_of': 'yesterday' is not a date"),
        ("name: [unclosed\n", "line 2: not valid YAML"),
        ("", "empty file"),
    ],
)
def test_load_errors_name_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert message in str(err.value)
    assert "bad.yaml" in str(err.value)


def test_constructor_validates_too() -> None:
    with pytest.raises(ScenarioError, match="field 'flex_share'"):
        Scenario("x", flex_share=-0.1)


def test_costs_match_the_cost_engine() -> None:
    sc = Scenario(
        "one",
        models=("gpt-4o", "gpt-4.1"),
        input_tokens_per_request=1000,
        output_tokens_per_request=500,
        cached_input_share=0.5,
        reasoning_tokens_per_request=100,
        requests_per_month=1000,
        as_of=AS_OF,
    )
    costs = scenario_costs(sc).set_index("model")
    for model in ("gpt-4o", "gpt-4.1"):
        one = cost_of(model, 1000, 500, cached_input_tokens=500, reasoning_tokens=100, as_of=AS_OF)
        assert costs.loc[model, "monthly_usd"] == pytest.approx(1000 * float(one["total_usd"]))
        parts = costs.loc[
            model, ["input_usd", "cached_input_usd", "output_usd", "reasoning_usd", "other_usd", "image_usd"]
        ].sum()
        assert parts == pytest.approx(costs.loc[model, "monthly_usd"])


def test_tier_mix_and_missing_tier_note() -> None:
    sc = Scenario("mix", models=("gpt-4o", "claude-sonnet-4-5"), batch_share=0.5, flex_share=0.2, as_of=AS_OF)
    costs = scenario_costs(sc).set_index("model")
    std = float(cost_of("gpt-4o", 1000, 500, as_of=AS_OF)["total_usd"])
    batch = float(cost_of("gpt-4o", 1000, 500, as_of=AS_OF, service_tier="batch")["total_usd"])
    flex_ok = "flex" not in costs.loc["gpt-4o", "note"]
    flex = (
        float(cost_of("gpt-4o", 1000, 500, as_of=AS_OF, service_tier="flex")["total_usd"]) if flex_ok else std
    )
    expected = 0.3 * std + 0.5 * batch + 0.2 * flex
    assert costs.loc["gpt-4o", "cost_per_request_usd"] == pytest.approx(expected)
    assert "no flex tier" in costs.loc["claude-sonnet-4-5", "note"]


def test_unpriceable_models_are_nan_never_zero() -> None:
    # gpt-image-1 was shut down on 2026-10-23: price it on a day it was on sale.
    sc = Scenario("img", models=("gpt-4o", "gpt-image-1"), images_per_request=1, as_of="2026-06-01")
    costs = scenario_costs(sc).set_index("model")
    assert costs.loc["gpt-image-1", "image_usd"] == pytest.approx(0.042 * sc.requests_per_month)
    assert costs["monthly_usd"].isna().loc["gpt-4o"]
    assert "no per-image price" in costs.loc["gpt-4o", "note"]


def test_context_window_flagged() -> None:
    sc = Scenario("long", models=("gpt-4o", "gpt-4.1"), input_tokens_per_request=200_000, as_of=AS_OF)
    costs = scenario_costs(sc).set_index("model")
    assert not costs.loc["gpt-4o", "fits_context"]
    assert "context window" in costs.loc["gpt-4o", "note"]
    assert costs.loc["gpt-4.1", "fits_context"]


def test_compare_side_by_side() -> None:
    shipped = list(list_scenarios(include_user=False).values())
    table = compare_scenarios(shipped, as_of=AS_OF).set_index("scenario")
    assert list(table.index) == [s.name for s in shipped]
    for sc in shipped:
        row = table.loc[sc.name]
        costs = {k: v for k, v in row.items() if k in sc.models}
        assert len(costs) == len(sc.models)
        assert row["cheapest_monthly_usd"] == pytest.approx(min(costs.values()))
        assert row["cheapest_monthly_usd"] == pytest.approx(row[row["cheapest_model"]])


@pytest.mark.parametrize("name", sorted(list_scenarios(include_user=False)))
def test_every_shipped_scenario_prices_all_its_models_on_its_date_and_today(name: str) -> None:
    import datetime as dt

    from explorer import prices

    sc = list_scenarios(include_user=False)[name]
    assert sc.as_of and sc.models
    for day in (sc.as_of, dt.date.today().isoformat()):
        for m in sc.models:
            assert prices.why_unpriced(*prices.resolve_model(m), day) is None, (name, day, m)
        costs = scenario_costs(sc, as_of=day)
        assert costs["monthly_usd"].notna().all() and (costs["monthly_usd"] > 0).all(), (name, day, costs)
        assert not costs["note"].str.contains("no price|no per-image price|shut down").any(), (name, day)


# -------------------------------------------------------------------------------------------- hostile files


def test_a_bad_user_scenario_is_skipped_with_a_warning_naming_it(_user_home: Path) -> None:
    folder = _user_home / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    save_scenario(Scenario("Good one", models=("gpt-4o",)))
    (folder / "broken.yaml").write_text("name: [unclosed\n")
    (folder / "bomb.yaml").write_text("a: &a [x, x]\nb: &b [*a, *a]\nname: bomb\nmodels: *b\n")
    (folder / "typo.json").write_text('{"name": "typo", "requests_per_month": "lots"}')
    os.mkfifo(folder / "pipe.yaml")  # not a regular file: must neither hang nor stop the listing
    with pytest.warns(ScenarioWarning) as caught:
        found = list_scenarios()
    assert "Good one" in found and "Support chatbot" in found
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 4, messages
    assert all(m.startswith("skipped scenario file ") and "\n" not in m for m in messages)
    by_file = {name: next(m for m in messages if name in m) for name in ("broken", "bomb", "typo", "pipe")}
    assert "line 2: not valid YAML" in by_file["broken"] or "line 1" in by_file["broken"]
    assert "aliases are not allowed" in by_file["bomb"]
    assert "'requests_per_month'" in by_file["typo"] and "'lots'" in by_file["typo"]
    assert "not a regular file" in by_file["pipe"]


def test_the_cli_report_still_runs_beside_a_bad_user_scenario(_user_home: Path) -> None:
    """The listing is what the dashboard calls at start-up: one bad file must not stop it."""
    folder = _user_home / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.yaml").write_text(":\n  - [")
    proc = subprocess.run(
        [sys.executable, "-W", "default", "-c", "from explorer import scenarios; print(sorted(scenarios.list_scenarios()))"],
        capture_output=True, text=True, env={**os.environ, "EXPLORER_HOME": str(_user_home)}, timeout=60,
    )
    assert proc.returncode == 0 and "Support chatbot" in proc.stdout
    assert "skipped scenario file" in proc.stderr and "broken.yaml" in proc.stderr


def _alias_bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\nname: x\nmodels: *a{levels}\n"


_LIMITED = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GB: the bomb would need far more
    from explorer import scenarios
    try:
        scenarios.load_scenario(sys.argv[1])
    except scenarios.ScenarioError as exc:
        print(exc)
    """
)


@pytest.mark.parametrize(
    ("name", "text", "expect"),
    [
        ("bomb.yaml", _alias_bomb(), "line 2: not valid YAML (alias *a0 (YAML aliases are not allowed"),
        ("deep.yaml", "name: x\nmodels: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested more than 64 levels deep"),
        ("deep-map.yaml", "name: x\nmodels:\n" + "".join(" " * i + f"k{i}:\n" for i in range(200)), "nested more than 64"),
        ("deep.json", '{"name": "x", "models": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested more than 64 levels"),
        ("deep-shallow.json", '{"name": "x", "models": ' + "[" * 200 + "]" * 200 + "}", "nested more than 64 levels"),
        ("huge.yaml", "name: x\ndescription: " + "y" * (2 << 20) + "\n", "over the 1,048,576-byte limit"),
        ("long-models.yaml", "name: x\nmodels: " + repr(list(range(50_000))) + "\n", "is not a list of model names"),
    ],
)
def test_hostile_scenario_files_fail_fast_in_bounded_memory(tmp_path: Path, name: str, text: str, expect: str) -> None:
    f = tmp_path / name
    f.write_text(text)
    proc = subprocess.run([sys.executable, "-c", _LIMITED, str(f)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    msg = proc.stdout.strip()
    assert expect in msg and name in msg and "\n" not in msg
    assert len(msg) < 400, f"message not bounded: {len(msg)} characters"


def test_nesting_limit_can_be_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "nested.yaml"
    f.write_text("name: x\ndescription: hi\nmodels: [gpt-4o]\nas_of: " + "[" * 70 + "]" * 70 + "\n")
    with pytest.raises(ScenarioError, match=r"nested more than 64 levels deep \(set EXPLORER_MAX_NESTING"):
        load_scenario(f)
    monkeypatch.setenv("EXPLORER_MAX_NESTING", "100")
    with pytest.raises(ScenarioError, match="field 'as_of'"):  # past the limit: the field itself is wrong
        load_scenario(f)


def test_anchors_without_aliases_still_load(tmp_path: Path) -> None:
    f = tmp_path / "anchored.yaml"
    f.write_text("name: &n anchored\nmodels: &m [gpt-4o]\n")
    assert load_scenario(f).models == ("gpt-4o",)


def test_names_with_the_same_slug_do_not_replace_each_other(_user_home: Path) -> None:
    a = save_scenario(Scenario("Team A: RAG", requests_per_month=1))
    b = save_scenario(Scenario("team a rag", requests_per_month=2))
    assert a != b and a.name == "team-a-rag.yaml" and b.name.startswith("team-a-rag-")
    # Saving each again updates its own file, and both stay listed.
    assert save_scenario(Scenario("team a rag", requests_per_month=3)) == b
    assert save_scenario(Scenario("Team A: RAG", requests_per_month=4)) == a
    found = list_scenarios()
    assert found["Team A: RAG"].requests_per_month == 4 and found["team a rag"].requests_per_month == 3
    assert len(list((_user_home / "scenarios").iterdir())) == 2


def test_a_damaged_file_under_the_slug_is_kept(_user_home: Path) -> None:
    folder = _user_home / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.yaml").write_text("name: [broken\n")
    written = save_scenario(Scenario("Plan"))
    assert written.name != "plan.yaml" and (folder / "plan.yaml").read_text() == "name: [broken\n"


@pytest.mark.parametrize("length", [300, 5_000])
def test_long_names_are_shortened(_user_home: Path, length: int) -> None:
    name = "Very long plan " * (length // 15)
    path = save_scenario(Scenario(name))
    assert len(path.name) <= SLUG_MAX_CHARS + len(".yaml") and load_scenario(path).name == name
    other = save_scenario(Scenario(name + "2"))  # same beginning: a different file
    assert other != path and len(list(path.parent.iterdir())) == 2


def test_the_app_starts_beside_a_bad_user_scenario(_user_home: Path) -> None:
    """Wave 1's dashboard failed with "error when executing cell [3]" naming nothing; now it starts, the good
    scenarios are offered and the warning names the bad file."""
    from explorer.app.dashboard import Dashboard

    folder = _user_home / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    save_scenario(Scenario("Mine", models=("gpt-4o",)))
    (folder / "broken.yaml").write_text("name: [unclosed\n")
    skipped: list[str] = []
    with pytest.warns(ScenarioWarning, match=r"skipped scenario file .*broken\.yaml, line \d+: not valid YAML"):
        list_scenarios(skipped=skipped)
        dash = Dashboard(as_of=AS_OF, models=["gpt-4o"])
    assert len(skipped) == 1 and "broken.yaml" in skipped[0]
    assert "Mine" in dash.sc_pick.options and "Support chatbot" in dash.sc_pick.options


def test_the_dashboard_shows_each_skipped_scenario_file_and_why(_user_home: Path) -> None:
    from explorer.app import Dashboard

    folder = _user_home / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.yaml").write_text("name: [unclosed\n")
    (folder / "typo.json").write_text('{"name": "typo", "requests_per_month": "lots"}')
    with pytest.warns(ScenarioWarning):
        dash = Dashboard(as_of="2026-11-27", models=["gpt-4o"])
    shown = dash.sc_skipped.value
    assert dash.sc_skipped in dash.widget.children  # on the page, above the tabs, not in a log
    lines = re.findall(r"<div>(.*?)</div>", shown)
    assert len(lines) == 2
    assert "broken.yaml" in lines[0] and "not valid YAML" in lines[0]
    assert "typo.json" in lines[1] and "requests_per_month" in lines[1]
    assert "Support chatbot" in dash.sc_pick.options  # the good scenarios are still there


def test_the_dashboard_shows_no_warning_when_every_file_loads() -> None:
    from explorer.app import Dashboard

    assert Dashboard(as_of="2026-11-27", models=["gpt-4o"]).sc_skipped.value == ""
