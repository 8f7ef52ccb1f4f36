"""What a chart draws, read from its rendered SVG: a chart whose frame draws but whose marks are empty
(bars of zero width, a line with no points) fails these checks."""

from __future__ import annotations

import re
from typing import Any

import vl_convert as vlc

_GROUP = re.compile(r'<g class="mark-(\w+) role-mark ([^"]*)"[^>]*?(?:/>|>(.*?)</g>)', re.S)
_ELEMENT = re.compile(r"<(path|line|text)\b([^>]*)>(?:([^<]*)</text>)?", re.S)


def data_marks(spec: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Mark type -> the drawn elements of that type with their attributes (and text), data marks only
    (axes, legends and titles are left out)."""
    svg = vlc.vegalite_to_svg(spec)
    out: dict[str, list[dict[str, str]]] = {}
    for kind, classes, body in _GROUP.findall(svg):
        if "role-axis" in classes or "role-legend" in classes or "role-title" in classes:
            continue
        for tag, attrs, text in _ELEMENT.findall(body):
            item = dict(re.findall(r'([\w:-]+)="([^"]*)"', attrs))
            item["tag"] = tag
            item["text"] = text or ""
            out.setdefault(kind, []).append(item)
    return out


def visible(items: list[dict[str, str]]) -> list[dict[str, str]]:
    """Elements with something to see: a path with a non-empty outline, a line of non-zero length, text."""
    shown = []
    for it in items:
        if it.get("opacity") == "0" or (it.get("fill-opacity") == "0" and it["tag"] != "path"):
            continue
        if it["tag"] == "line":
            if float(it.get("x2", 0) or 0) == 0 and float(it.get("y2", 0) or 0) == 0:
                continue
        elif it["tag"] == "path":
            d = it.get("d", "")
            if not d or re.fullmatch(r"M[\d.,-]+h0v[\d.-]+h0Z|M[\d.,-]+Z?", d):
                continue
        elif it["tag"] == "text" and not it["text"].strip():
            continue
        shown.append(it)
    return shown
