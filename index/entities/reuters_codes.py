"""Readable display names for Reuters-21578 PLACES/PEOPLE/ORGS codes (`usa`, `james-baker`, `opec`).

Minimal first version: the entities work extends the table so codes merge with recognised names.
"""
from __future__ import annotations

_KNOWN = {
    ("place", "usa"): "United States",
    ("place", "uk"): "United Kingdom",
    ("place", "ussr"): "Soviet Union",
    ("place", "west-germany"): "West Germany",
}


def display_name(kind: str, code: str) -> str:
    """`james-baker` -> `James Baker`; acronym-like org codes (`opec`) -> upper case."""
    code = code.strip().lower()
    if (kind, code) in _KNOWN:
        return _KNOWN[(kind, code)]
    if kind == "org" and "-" not in code and len(code) <= 6:
        return code.upper()
    return " ".join(part.capitalize() for part in code.split("-"))
