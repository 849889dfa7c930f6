"""parse_command: the text after `/roadmap` → a ParsedCommand, or a CommandError."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.flows.commands import Help, ParsedCommand, ShowGoal
from handlers.grammar.errors import CommandError, closest, shown
from handlers.grammar.help_topics import HELP_WORDS
from handlers.grammar.registry import COMMANDS, PARSERS, command_name, command_words
from handlers.grammar.tokens import Args, clean, tokenize
from handlers.grammar.values import as_ref

log = logging.getLogger(__name__)

MAX_LENGTH = 10_000
HELP_USAGE = "/roadmap help"


def parse_command(text: str) -> ParsedCommand:
    """Parse the text after `/roadmap`. Raises CommandError, and nothing else, for any input."""
    try:
        return parse_unguarded(text)
    except CommandError:
        raise
    except Exception as error:  # a bug: say so politely, keep the traceback in the log
        log.exception("could not parse /roadmap %r", str(text)[:200])
        raise CommandError(
            "Sorry, I couldn't make sense of that command.",
            usage=HELP_USAGE,
            suggestion="Try `/roadmap help` to see what I can do.",
        ) from error


def _unknown(word: str) -> CommandError:
    near = closest(word.casefold(), command_words())
    if near:
        name = command_name(near) or near
        return CommandError(
            f"I don't know `{shown(word)}`.",
            usage=COMMANDS[name].usage[0],
            suggestion=f"Did you mean `/roadmap {name}`?",
        )
    return CommandError(
        f"I don't know `{shown(word)}`.",
        usage=HELP_USAGE,
        suggestion="Try `/roadmap help` to see what I can do.",
    )


def parse_unguarded(text: str) -> ParsedCommand:
    """parse_command without its safety net, for tests: a bug here raises what it raises."""
    if text is None:
        text = ""
    if len(text) > MAX_LENGTH:
        raise CommandError(
            f"That is too long for me ({len(text):,} characters); "
            f"keep commands under {MAX_LENGTH:,}.",
            usage=HELP_USAGE,
        )
    source = clean(text)
    tokens = tokenize(source)
    share = bool(tokens) and tokens[-1].key == "share"
    if share:
        tokens.pop()
    if tokens and tokens[0].key == "/roadmap":
        tokens.pop(0)
    if not tokens:
        return ParsedCommand(Help(), share)
    first, rest = tokens[0], tuple(tokens[1:])
    ref = as_ref(first)
    if ref:
        if rest:
            raise CommandError(
                f"Start with a command; what should I do with {ref}?",
                usage=HELP_USAGE,
                suggestion=f"Did you mean `/roadmap show {ref}`?",
            )
        return ParsedCommand(ShowGoal(ref), share, "show")
    name = command_name(first.text) if first.kind == "word" else None
    if name is None:
        raise _unknown(first.text)
    spec = COMMANDS[name]
    if len(rest) == 1 and rest[0].key in HELP_WORDS and name != "help":
        return ParsedCommand(Help(name), share)
    try:
        command = PARSERS[name](Args(source, rest))
    except CommandError as error:
        error.usage = error.usage or usage_for(spec.usage, text)
        raise
    return ParsedCommand(command, share, name)


def usage_for(usage: Sequence[str], text: str) -> str:
    """The usage line of the form typed (`team add …` → `/roadmap team add|remove …`, and
    `team add @x joined soon` → `/roadmap team add @person … joined DATE`), shown under a
    complaint; the command's first line when none is more specific."""
    words = text.split()
    if len(words) < 2:
        return usage[0]
    typed = words[1].casefold()
    forms = [line for line in usage if typed in (line.split()[2:3] or [""])[0].split("|")]
    if not forms:
        return usage[0]
    said = {w.casefold() for w in words[2:]}

    def shared(line: str) -> int:  # the form's own words the text used ("joined")
        return sum(1 for part in line.split()[3:] if part.strip("[]").casefold() in said)

    return max(forms, key=shared)  # the first of equals
