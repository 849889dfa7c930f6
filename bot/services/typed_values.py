"""Numbers in spreadsheet cells as people type them ("30%", "200 ms", ">=99.99%"), written
and read back exactly."""

from __future__ import annotations

import re

_TYPED = re.compile(
    r"\s*(?P<comparator><=|>=|<|>|=)?\s*(?P<number>[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"\s*(?P<unit>.*?)\s*"
)


def typed_value(value: float | None, unit: str | None = None, comparator: str | None = None) -> str:
    """A number as a person types it in a spreadsheet: "30%", "200 ms", "4.5/5", ">=99.99%"
    (no "30.0"; the shortest text that reads back as the same float)."""
    if value is None:
        return ""
    number = str(int(value)) if float(value).is_integer() else repr(float(value))
    if unit:
        number += unit if unit[0] in "%/" else f" {unit}"
    typed = f"{comparator or ''}{number}"
    # A cell starting with "=" is a formula to a spreadsheet: the apostrophe makes it text.
    return f"'{typed}" if typed.startswith("=") else typed


def read_typed(text: str) -> tuple[float, str | None, str | None]:
    """(value, unit, comparator) of a cell typed_value wrote, or one a person typed."""
    found = _TYPED.fullmatch(text.removeprefix("'"))
    if found is None:
        raise ValueError(f"{text!r} is not a number (e.g. 30%, 200 ms, >=99.9%)")
    return float(found["number"]), found["unit"] or None, found["comparator"]


def percent(text: str | None) -> int | None:
    """ "60%" (or "60") as 60."""
    text = (text or "").strip().rstrip("%").strip()
    return int(float(text)) if text else None
