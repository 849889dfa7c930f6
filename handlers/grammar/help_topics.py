"""The help command."""

from __future__ import annotations

from bot.flows.commands import Help
from handlers.grammar.errors import CommandError, closest, shown
from handlers.grammar.registry import command, command_name, command_words
from handlers.grammar.tokens import Args

HELP_WORDS = frozenset({"?", "help", "-h", "--help"})


@command(
    "help",
    aliases=("?", "usage"),
    usage=("/roadmap help [command]", "/roadmap <command> ?"),
    examples=("/roadmap", "/roadmap help", "/roadmap help list", "/roadmap ?", "/roadmap add ?"),
    group="Help",
    flow=None,
)
def parse_help(args: Args) -> Help:
    """Show what every command does, or how to use one.

    `/roadmap help list` (or `/roadmap list ?`) explains one command. Add `share` at the end of
    any command to post its answer in the channel instead of only to you.
    """
    words = [t for t in args.tokens if t.key != "/roadmap"]
    if not words:
        return Help()
    token = words[0]
    name = command_name(token.text) if token.kind == "word" else None
    if name is None:
        near = closest(token.key or "", command_words())
        raise CommandError(
            f"I have no help on `{shown(token.text)}`.",
            suggestion=f"Did you mean `/roadmap help {command_name(near)}`?"
            if near
            else "Try `/roadmap help` for the list of commands.",
        )
    return Help(name)
