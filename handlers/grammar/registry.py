"""The registry of /roadmap commands: each declared once, by the `@command(...)` of its parse
function: its grammar, help, usage and examples, who may run it, and the flow it calls.

errbot style: a command's summary and help are the docstring of its parse function, so the
text of `/roadmap help` sits beside the code that decides what the command accepts, and the
tests parse every example. The permission is checked below the handler (bot.flows.registry);
the flow takes a `CommandCall` of the parsed command.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.flows.commands import Command
from bot.flows.registry import Flow, Permission, authorized
from handlers.grammar.tokens import Args

GROUPS: tuple[str, ...] = (
    "Goals",
    "Metrics",
    "Team",
    "Check-ins",
    "Schedules & digests",
    "Roadmap",
    "Settings",
    "Help",
)

Parser = Callable[[Args], Command]


@dataclass(frozen=True)
class CommandSpec:
    """What `/roadmap help` says about a command, who may run it and the flow it runs.

    `flow` is None for `help` alone: it needs no database and is answered in the ack.
    """

    name: str
    aliases: tuple[str, ...]
    usage: tuple[str, ...]
    summary: str
    help: str
    examples: tuple[str, ...]
    group: str
    flow: Flow | None = None
    permission: Permission = Permission.EVERYONE


COMMANDS: dict[str, CommandSpec] = {}
PARSERS: dict[str, Parser] = {}
_NAMES: dict[str, str] = {}  # casefolded name or alias → name


def _summary_and_help(parse: Parser) -> tuple[str, str]:
    """The docstring's first sentence (the line in `/roadmap help`) and all of it (the text
    of `/roadmap help <command>`), however its lines are wrapped."""
    text = " ".join(inspect.cleandoc(parse.__doc__ or "").split())
    if not text:
        raise ValueError(f"{parse.__name__} needs a docstring: it is the command's help")
    sentence = re.match(r"(.+?[.!?])(?:\s|$)", text)
    return (sentence.group(1) if sentence else text), text


def command(
    name: str,
    *,
    usage: tuple[str, ...],
    examples: tuple[str, ...],
    group: str,
    flow: Flow | None,
    permission: Permission = Permission.EVERYONE,
    admin_only: str = "run that command",
    aliases: tuple[str, ...] = (),
) -> Callable[[Parser], Parser]:
    """Register a parse function as the command `name`; its docstring is the command's help.

    `flow` runs the parsed command (see bot.flows.commands.CommandCall); `permission` ADMIN
    refuses anyone but a roadmap admin ("Only roadmap admins can `admin_only`").
    """

    def register(parse: Parser) -> Parser:
        if group not in GROUPS:
            raise ValueError(f"unknown help group {group!r}")
        for word in (name, *aliases):
            if word.casefold() in _NAMES:
                raise ValueError(f"/roadmap {word} is registered twice")
            _NAMES[word.casefold()] = name
        summary, help_text = _summary_and_help(parse)
        checked = authorized(flow, permission, admin_only) if flow is not None else None
        COMMANDS[name] = CommandSpec(
            name, tuple(aliases), usage, summary, help_text, examples, group, checked, permission
        )
        PARSERS[name] = parse
        return parse

    return register


def order_commands() -> None:
    """Put COMMANDS in help order: by group, then in the order they were registered."""
    ordered = sorted(COMMANDS.values(), key=lambda spec: GROUPS.index(spec.group))
    COMMANDS.clear()
    COMMANDS.update((spec.name, spec) for spec in ordered)


def command_name(word: str) -> str | None:
    """The name of the command called `word` (a name or an alias, any case)."""
    return _NAMES.get(word.strip().casefold())


def command_words() -> list[str]:
    """Every name and alias, for suggestions."""
    return list(_NAMES)


def command_spec(name_or_alias: str) -> CommandSpec | None:
    """The spec of a command by its name or alias, any case; "/roadmap list" works too."""
    words = name_or_alias.split()
    if words and words[0].casefold() == "/roadmap":
        words = words[1:]
    name = command_name(words[0]) if len(words) == 1 else None
    return COMMANDS[name] if name else None
