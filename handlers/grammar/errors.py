"""CommandError: the only exception the /roadmap grammar raises."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

_SHOWN_LENGTH = 40
_SUGGEST_LENGTH = 40


class CommandError(ValueError):
    """A /roadmap command that could not be understood, explained for the person who typed it.

    `str(error)` is the friendly sentence; `usage` is the usage line of the command concerned
    and `suggestion` a likely fix ("Did you mean `/roadmap list`?"). Messages quote the user's
    words, so escape them when rendering as mrkdwn.
    """

    def __init__(
        self, message: str, *, usage: str | None = None, suggestion: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.suggestion = suggestion

    def __str__(self) -> str:
        return self.message

    def explain(self) -> str:
        """The message, the suggestion and the usage line, one per line."""
        lines = [self.message]
        if self.suggestion:
            lines.append(self.suggestion)
        if self.usage:
            lines.append(f"Usage: `{self.usage}`")
        return "\n".join(lines)


def shown(text: str) -> str:
    """User text fit to quote inside backticks in a message: one short line, no backticks."""
    flat = " ".join(text.split()).replace("`", "'")
    if len(flat) > _SHOWN_LENGTH:
        flat = flat[: _SHOWN_LENGTH - 1].rstrip() + "…"
    return flat or '""'


def closest(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The choice most like `word` (difflib), or None when nothing is close enough."""
    if not word or len(word) > _SUGGEST_LENGTH:
        return None
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def too_many(extra: str, command: str, takes: str) -> CommandError:
    """The error for words left over after a command that takes a fixed set of arguments."""
    return CommandError(
        f"`/roadmap {command}` takes {takes}; I don't know what to do with `{shown(extra)}`."
    )
