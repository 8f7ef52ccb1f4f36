"""Every error and warning quotes user data through :func:`explorer.limits.clip`: a 10 MB model name or a
deeply nested value gives one short line, never a message (or the memory building it) the size of the input.

The source scan fails on any ``{value!r}`` (or ``!a``) or ``repr(value)`` inside a ``raise``, an exception
built anywhere, ``warnings.warn`` or a print to stderr, and on such an f-string assigned to a name that is
then raised or warned; the behaviour tests run hostile scenarios in a child under a memory and time limit.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from explorer import limits, paths

REPO = Path(__file__).resolve().parents[1]

ALLOWED: set[tuple[str, str]] = {
    ("explorer/__init__.py", "name"),  # an attribute name written in Python code; the package imports nothing
}
"""(module path, expression) of quotes known to be bounded, left as they are."""


def _is_message_call(node: ast.Call) -> bool:
    f = node.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    if name in ("warn", "error", "exit", "__init__"):  # warnings.warn, parser.error, sys.exit("..."), super().__init__
        return True
    if name.endswith(("Error", "Exception", "Warning")):
        return True
    return name == "print" and any(k.arg == "file" and "stderr" in ast.unparse(k.value) for k in node.keywords)


def _unbounded_quotes(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def quotes(node: ast.AST) -> list[tuple[int, str]]:
        out = []
        for sub in ast.walk(node):
            if isinstance(sub, ast.FormattedValue) and sub.conversion in (ord("r"), ord("a")):
                out.append((sub.lineno, ast.unparse(sub.value)))
            elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in ("repr", "ascii"):
                out.append((sub.lineno, ast.unparse(sub)))
        return out

    for scope in ast.walk(tree):
        if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
            continue
        quoted_names: dict[str, list[tuple[int, str]]] = {}
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                q = quotes(node.value) if isinstance(node.value, ast.JoinedStr | ast.BinOp | ast.Call) else []
                if q:
                    quoted_names.setdefault(node.targets[0].id, []).extend(q)
        for node in ast.walk(scope):
            message = None
            if isinstance(node, ast.Raise) and node.exc is not None:
                message = node.exc
            elif isinstance(node, ast.Call) and _is_message_call(node):
                message = node
            if message is None:
                continue
            found.extend(quotes(message))
            for sub in ast.walk(message):
                if isinstance(sub, ast.Name) and sub.id in quoted_names:
                    found.extend(quoted_names[sub.id])
    return sorted(set(found))


def test_the_scan_finds_what_it_must() -> None:
    code = textwrap.dedent('''
        import warnings
        def f(x, y):
            msg = f"bad {y!r}"
            if x:
                raise ValueError(f"bad {x!r}")
            warnings.warn(repr(x))
            err = TypeError(f"{x!a}")
            print(f"{x!r}", file=sys.stderr)
            raise ValueError(msg)
        def fine(x):
            raise ValueError(f"bad {clip(x)}")
    ''')
    got = [expr for _, expr in _unbounded_quotes(ast.parse(code))]
    assert sorted(got) == sorted(["x", "repr(x)", "x", "x", "y"])


def test_every_message_quotes_user_data_through_clip() -> None:
    offenders = []
    for path in sorted(paths.PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(paths.PACKAGE_DIR.parent).as_posix()
        for line, expr in _unbounded_quotes(ast.parse(path.read_text(encoding="utf-8"))):
            if (rel, expr) not in ALLOWED:
                offenders.append(f"{rel}:{line}: {expr}")
    assert not offenders, "quote these with explorer.limits.clip:\n" + "\n".join(offenders)


@pytest.mark.parametrize("value", ["x" * 10_000_000, list(range(1_000_000)), {"k": "v" * 1_000_000}])
def test_clip_is_short_for_any_value(value: object) -> None:
    assert len(limits.clip(value)) <= 80


def test_clip_of_a_deeply_nested_value_is_short_and_does_not_recurse_without_end() -> None:
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    assert len(limits.clip(deep)) <= 80


def test_clip_is_the_repr_for_a_short_value() -> None:
    for v in ("rust", 3.5, None, ("openai", "gpt-4o"), ["a", "b"]):
        assert limits.clip(v) == repr(v)


# --------------------------------------------------------------------------------------------------
# Hostile inputs, in a child with a memory limit and a time limit

MEMORY_LIMIT_BYTES = 1536 * 1024 * 1024
TIME_LIMIT_S = 120


def _bounded_child(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    guard = (f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT_BYTES}, {MEMORY_LIMIT_BYTES}))\n")
    return subprocess.run([sys.executable, "-c", guard + code], capture_output=True, text=True,
                          timeout=TIME_LIMIT_S, cwd=cwd)


BIG = "'m' * 10_000_000"
DEEP = "__import__('functools').reduce(lambda v, _: [v], range(100_000), [])"
API_CASES = {
    "scenario with a 10 MB model name":
        f"scenarios.scenario_costs(scenarios.Scenario.from_dict({{'name': 'x', 'models': [{BIG}]}}))",
    "scenario with a 10 MB model list": "scenarios.scenario_costs(scenarios.Scenario.from_dict({'name': 'x', "
                                        "'models': [f'no-such-model-{i}' for i in range(600_000)]}))",
    "scenario with a deeply nested value": f"scenarios.Scenario.from_dict({{'name': 'x', 'input_tokens': {DEEP}}})",
    "scenario with a 10 MB name": f"scenarios.Scenario.from_dict({{'name': {BIG}, 'input_tokens': -1}})",
    "scenario with a 10 MB unknown field": f"scenarios.Scenario.from_dict({{'name': 'x', {BIG}: 1}})",
    "cost of a 10 MB model name": f"costs.cost_of({BIG}, 1000, 10)",
    "price of a 10 MB model name": f"prices.resolve_model({BIG})",
    "tokens for a 10 MB model name": f"tokens.count_text('hello', model={BIG})",
    "tokens for a 10 MB encoding name": f"tokens.count_text('hello', encoding={BIG})",
    "usage with a 10 MB model name": f"costs.price_usage(__import__('pandas').DataFrame("
                                     f"{{'model': [{BIG}], 'input_tokens': [1], 'output_tokens': [1]}}))",
    "usage with a deeply nested service tier": f"costs.cost_of('gpt-4o', 1000, 10, service_tier={DEEP})",
}


@pytest.mark.parametrize("case", sorted(API_CASES))
def test_hostile_values_give_one_short_line(case: str) -> None:
    code = textwrap.dedent(f"""
        from explorer import costs, prices, scenarios, tokens
        try:
            {API_CASES[case]}
        except (ValueError, TypeError, OverflowError, KeyError) as e:
            print("ERROR", type(e).__name__, str(e).replace(chr(10), " | "))
        else:
            print("ACCEPTED")
    """)
    done = _bounded_child(code, REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("ERROR"), [o[:300] for o in out[:3]]
    assert len(out[0]) < 600, out[0][:600]


HOSTILE_FILES = {
    "10 MB model name": '{"name": "x", "models": ["' + "m" * 10_000_000 + '"]}',
    "model name of 900 KB": '{"name": "x", "models": ["' + "m" * 900_000 + '"]}',
    "unknown model list of 900 KB": json.dumps({"name": "x", "models": [f"no-such-{i}" for i in range(60_000)]}),
    "deeply nested value": '{"name": "x", "input_tokens": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "field of 900 KB": '{"name": "x", "' + "f" * 900_000 + '": 1}',
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_the_cli_names_a_hostile_scenario_file_in_one_short_line(case: str, tmp_path: Path) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(HOSTILE_FILES[case], encoding="utf-8")
    out = tmp_path / "r.html"
    code = (f"import sys; from explorer.cli import main; "
            f"sys.exit(main(['report', '--scenario', {str(path)!r}, '--out', {str(out)!r}]))")
    done = _bounded_child(code, REPO)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and len(lines[0]) < 600, [x[:300] for x in lines[:3]]
    assert "hostile.json" in lines[0] or "unknown model 'no-such-0'" in lines[0] or "unknown model 'mmm" in lines[0]
    assert not out.exists()


def test_missing_column_message_stays_short_with_a_huge_header() -> None:
    import pandas as pd

    from explorer.costs import price_usage

    wide = pd.DataFrame({f"column_{'x' * 5000}_{i}": [1] for i in range(2000)})
    with pytest.raises(ValueError) as err:
        price_usage(wide)
    message = str(err.value)
    assert "\n" not in message and len(message) < 400 and "missing column" in message
