"""Words the bot uses everywhere: one plural for every message, service and builder."""

from __future__ import annotations

_IRREGULAR = {"person": "people", "reply": "replies", "entry": "entries", "category": "categories"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """ "1 goal", "2 goals", "0 goals"; "1 person", "3 people"; "10,000 goals"."""
    if count == 1:
        return f"{count} {noun}"
    many = (
        many
        or _IRREGULAR.get(noun)
        or (noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s")
    )
    return f"{count:,} {many}"
