"""Reading a scenario file into plain data: the one reader of scenario files, light enough (PyYAML and the
limits, no pandas) for a command to check its --scenario before it imports anything heavy.

Limits: at most :data:`MAX_SCENARIO_BYTES`, no YAML aliases, nesting at most
:data:`explorer.limits.NESTING_DEPTH` levels, no key given twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from explorer import limits

__all__ = ["MAX_SCENARIO_BYTES", "ScenarioError", "read_data"]


class ScenarioError(ValueError):
    """A scenario field (or file) that is not valid; the message names the field and, if any, the file."""


MAX_SCENARIO_BYTES = 1024 * 1024
"""Largest scenario file read (a real one is under 1 KB)."""


def read_data(path: Path, where: str) -> Any:
    """The parsed contents of the scenario file at ``path`` (``where``: how messages name it); a
    :class:`ScenarioError` naming the file, and the line of a syntax error, otherwise."""
    if path.is_dir():
        raise ScenarioError(f"{where}: is a directory, expected a .yaml or .json file")
    if not path.is_file():
        raise ScenarioError(f"{where}: file not found (or not a regular file)")
    try:
        size = path.stat().st_size
        if size > MAX_SCENARIO_BYTES:
            raise ScenarioError(
                f"{where}: {size:,} bytes is over the {MAX_SCENARIO_BYTES:,}-byte limit for a scenario file"
            )
        with path.open("rb") as fh:
            raw = fh.read(MAX_SCENARIO_BYTES + 1)  # a file growing as we read still stops at the limit
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read ({exc.strerror or type(exc).__name__})") from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{where}: over the {MAX_SCENARIO_BYTES:,}-byte limit for a scenario file")
    if b"\x00" in raw[:4096]:
        raise ScenarioError(f"{where}: binary file, expected YAML or JSON text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise ScenarioError(f"{where}: empty file")
    try:
        if path.suffix.lower() == ".json":
            data = limits.loads_json(text, where, object_pairs_hook=_unique_json_object)
        else:
            data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no Python objects
    except limits.LimitError as exc:
        raise ScenarioError(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{where}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except _DuplicateKey as exc:
        raise ScenarioError(f"{where}: field {limits.clip(exc.args[0], 40)} given twice") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        problem = " ".join(str(problem).split())  # one line, whatever PyYAML put in it
        raise ScenarioError(f"{where}{line}: not valid YAML ({limits.clip(problem, 200)[1:-1]})") from None
    except RecursionError:  # belt and braces: the depth limit above should always come first
        raise ScenarioError(f"{where}: nested too deep ({limits.NESTING_DEPTH.how_to_raise()})") from None
    if data is None:
        raise ScenarioError(f"{where}: empty file (only comments)")
    return data


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice (plain PyYAML keeps the last one silently), refuses
    aliases (``*name``: a 500-byte file of nested aliases expands to gigabytes, and a scenario never needs
    one) and nesting deeper than :data:`limits.NESTING_DEPTH` (PyYAML's composer recurses per level)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._max_depth = limits.NESTING_DEPTH.value()

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):  # type: ignore[no-untyped-call]
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, f"alias *{str(event.anchor)[:30]} (YAML aliases are not allowed in scenario files)",
                event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > self._max_depth:
                raise yaml.composer.ComposerError(
                    None, None,
                    f"nested more than {self._max_depth} levels deep ({limits.NESTING_DEPTH.how_to_raise()})",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            return super().compose_node(parent, index)  # type: ignore[no-untyped-call]
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the base class reports it
                break
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"field {limits.clip(key, 40)} given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _unique_json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        seen: set[str] = set()
        for k in keys:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return dict(pairs)


class _DuplicateKey(ValueError):
    pass
