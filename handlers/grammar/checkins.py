"""The check-in commands: checkin, away, back."""

from __future__ import annotations

from bot.flows import checkins as flows
from bot.flows.commands import Away, Back, Checkin, CheckinPrompt
from handlers.grammar.errors import CommandError, too_many
from handlers.grammar.registry import command
from handlers.grammar.tokens import Args
from handlers.grammar.values import (
    PROGRESS_SHAPE,
    bad_status,
    date_phrase,
    match_status,
    parse_percent,
    require_ref,
)

GROUP = "Check-ins"
_UNTIL = frozenset({"until", "till", "til", "to"})


@command(
    "checkin",
    aliases=("check-in", "check_in", "ci"),
    usage=("/roadmap checkin G12 <status> [60%] [note]", "/roadmap checkin prompt"),
    examples=(
        "/roadmap checkin G12 at-risk 60% blocked by vendor",
        "/roadmap check-in G3 on track",
        "/roadmap checkin G7 done 100% shipped on Tuesday",
        "/roadmap checkin prompt",
    ),
    group=GROUP,
    flow=flows.checkin,
)
def parse_checkin(args: Args) -> Checkin | CheckinPrompt:
    """Check in on a goal: its status, optionally its progress (60% or 3/5) and a note.

    `/roadmap checkin prompt` sends you the check-in form for all your goals now.
    """
    tokens = args.tokens
    if tokens and tokens[0].key == "prompt":
        if len(tokens) > 1:
            raise too_many(args.text(1), "checkin prompt", "nothing more")
        return CheckinPrompt()
    if not tokens:
        raise CommandError(
            "Which goal? Give its reference, e.g. G12.",
            suggestion="For the check-in form for all your goals, use `/roadmap checkin prompt`.",
        )
    ref = require_ref(tokens[0])
    status: str | None = None
    progress: int | None = None
    index = 1
    while index < len(tokens) and (status is None or progress is None):
        token = tokens[index]
        if progress is None and token.kind == "word" and PROGRESS_SHAPE.fullmatch(token.text):
            progress = parse_percent(token.text)
            index += 1
        elif status is None and (found := match_status(tokens, index)):
            status, count = found
            index += count
        else:
            break
    if status is None:
        raise bad_status(tokens[index] if index < len(tokens) else None)
    return Checkin(ref, status, progress, args.text(index) or None)


@command(
    "away",
    aliases=("ooo", "vacation"),
    usage=("/roadmap away [until DATE]",),
    examples=("/roadmap away", "/roadmap away until 2025-03-10", "/roadmap away 10 Mar 2025"),
    group=GROUP,
    flow=flows.away,
)
def parse_away(args: Args) -> Away:
    """Pause your check-in prompts while you are away, until a day or until `/roadmap back`.

    The day is the last one you are away: prompts resume the day after.
    """
    tokens = args.tokens
    if not tokens:
        return Away()
    start = 1 if tokens[0].key in _UNTIL else 0
    if start >= len(tokens):
        raise CommandError("Until when? E.g. `/roadmap away until 2025-03-10`.")
    until, count = date_phrase(tokens, start)
    if start + count < len(tokens):
        raise too_many(args.text(start + count), "away", "one date")
    return Away(until)


@command(
    "back", usage=("/roadmap back",), examples=("/roadmap back",), group=GROUP, flow=flows.back
)
def parse_back(args: Args) -> Back:
    """Tell me you are back: your check-in prompts resume."""
    if args.tokens:
        raise too_many(args.text(), "back", "nothing more")
    return Back()
