"""Notebook display helpers shared by the notebooks' modules: widgets with a stable text fallback.

A widget's default ``text/plain`` carries ids that change on every run, so nbval could never compare a
stored output and a viewer without a kernel would see noise. These put a fixed, helpful line there.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Shown", "with_text"]


def with_text(bundle: Any, text: str) -> Any:
    """A widget's mime bundle (a dict, or a (data, metadata) pair) with ``text/plain`` replaced."""
    if isinstance(bundle, tuple):
        data, meta = bundle
        return {**data, "text/plain": text}, meta
    return {**bundle, "text/plain": text}


class Shown:
    """Displays ``widget`` (any ipywidgets widget) with ``text`` as its plain-text fallback."""

    def __init__(self, widget: Any, text: str) -> None:
        self.widget = widget
        """The widget displayed (tests reach its controls through it)."""
        self.text = text
        """What nbval compares and what a viewer without a kernel shows."""

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return with_text(self.widget._repr_mimebundle_(**kwargs), self.text)
