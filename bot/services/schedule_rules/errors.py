"""The one error schedule rules raise, with the examples every message points to."""

from __future__ import annotations

EXAMPLES = (
    "every monday 09:00",
    "every weekday 9am",
    "every mon, wed 10:00",
    "first thursday of the month 15:00",
    "last friday of the quarter 14:00",
    "the 15th of every month 09:00",
    "every 2 weeks on tuesday 10:00",
)
CRON_EXAMPLE = "0 9 * * 1"


def examples() -> str:
    """The examples as one line, each quoted."""
    listed = ", ".join(f"“{example}”" for example in EXAMPLES)
    return f"{listed}, or a cron expression such as “{CRON_EXAMPLE}”"


class RuleError(ValueError):
    """A schedule rule (or holiday setting) that cannot be understood; the message says why
    and what would be understood instead. Safe to show to the person who wrote it."""


def quoted(text: str, limit: int = 60) -> str:
    """User text for an error message: quoted and shortened."""
    text = " ".join(text.split())
    return f"“{text[: limit - 1]}…”" if len(text) > limit else f"“{text}”"
