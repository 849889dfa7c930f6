"""Schedule kinds: what the bot posts on its own, one plug-in module per kind.

A kind declares its labels, its default rule, how long an occurrence stays useful, whether it
is announced days ahead, what it sends (a Job of Slack calls the sender paces) and a preview
that writes nothing. Everything that lists, plans, sends or names schedules asks this
registry; nothing else spells out the kinds.

Adding a ritual: write `bot/kinds/<name>.py` defining `KIND = Kind(...)`, and add its module
to INSTALLED below (one line).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Sequence

from bot.kinds.base import Kind, Sending, Sent

__all__ = [
    "INSTALLED",
    "Kind",
    "Sending",
    "Sent",
    "all_kinds",
    "get",
    "kind_of",
    "label",
    "names",
    "register",
    "unregister",
]

# The kinds the bot ships with, in the order they are listed.
INSTALLED = (
    "bot.kinds.weekly_digest",
    "bot.kinds.quarterly_digest",
    "bot.kinds.checkin_prompt",
    "bot.kinds.knowledge_sharing",
    "bot.kinds.retrospective",
    "bot.kinds.reminder",
    "bot.kinds.metric_sources",
    "bot.kinds.pulse",
    "bot.kinds.team_metrics",
)

_KINDS: dict[str, Kind] = {}
_loaded = False
_lock = threading.RLock()


def _load() -> None:
    """Import the installed kinds on first use (not at import time: the kinds' modules use
    the services, and the services ask this registry)."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        for module in INSTALLED:
            register(importlib.import_module(module).KIND)
        _loaded = True


def register(kind: Kind) -> Kind:
    """Make a kind known to the planner, the sender, the lists and the grammar."""
    with _lock:
        _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    with _lock:
        _KINDS.pop(name, None)


def all_kinds() -> list[Kind]:
    _load()
    return list(_KINDS.values())


def get(name: str) -> Kind | None:
    _load()
    return _KINDS.get(name)


def kind_of(name: str) -> Kind:
    """The kind called `name`; KeyError for a kind no module registers."""
    kind = get(name)
    if kind is None:
        raise KeyError(f"no schedule kind {name!r} is registered")
    return kind


def label(name: str) -> str:
    """How lists and messages name the kind (the stored name when it is unknown)."""
    kind = get(name)
    return kind.label if kind else name


class _Names(Sequence[str]):
    """The registered kinds' names, always current (a kind registered later shows up)."""

    def __getitem__(self, index):  # type: ignore[override]
        return [k.name for k in all_kinds()][index]

    def __len__(self) -> int:
        return len(all_kinds())

    def __iter__(self) -> Iterator[str]:
        return iter([k.name for k in all_kinds()])

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and get(name) is not None

    def __repr__(self) -> str:
        return repr(tuple(self))


names: Sequence[str] = _Names()
