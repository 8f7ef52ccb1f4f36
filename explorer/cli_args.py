"""What every ``explorer`` subcommand's parser shares, for explorer/cli.py and the subcommands in their own
modules (explorer/cli_*.py) alike: exit codes, examples in the epilog, hidden deprecated aliases. Standard
library only and importing nothing of the package, so the subcommand modules need not import explorer.cli
(which imports them: a cycle)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["EXIT_BAD_INPUT", "EXIT_CODES", "EXIT_FINDINGS", "EXIT_OK", "DeprecatedAlias", "deprecated", "examples"]

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
EXIT_CODES = ("exit codes: 0 success; 1 findings (audit found rows that are not ok); "
              "2 bad input (one line on stderr)")
"""The exit codes, as every --help shows them (docs/cli.md)."""


class DeprecatedAlias(argparse.Action):
    """An old spelling of an option, hidden from --help: works as the new one does, after a one-line note
    on stderr naming the new spelling."""

    def __init__(self, option_strings: Sequence[str], dest: str, *, new: str, flag: bool = False,
                 extend: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("default", argparse.SUPPRESS)  # the new option's default stands
        kwargs["help"] = argparse.SUPPRESS
        super().__init__(option_strings, dest, nargs=0 if flag else kwargs.pop("nargs", None), **kwargs)
        self.new, self.flag, self.extend = new, flag, extend

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(f"warning: {option_string} is deprecated; use {self.new}", file=sys.stderr)
        if self.flag:
            values = True
        elif self.extend:
            values = [*(getattr(namespace, self.dest, None) or []), *values]
        setattr(namespace, self.dest, values)


def deprecated(p: argparse.ArgumentParser, old: str, new: str, dest: str, **kwargs: Any) -> None:
    """Keep ``old`` working as a hidden alias of ``new`` (stored in ``dest``)."""
    p.add_argument(old, dest=dest, action=DeprecatedAlias, new=new, **kwargs)


def examples(*lines: str) -> str:
    """An epilog: examples, then the exit codes."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines) + "\n\n" + EXIT_CODES


