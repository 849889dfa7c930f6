"""The schedule and digest commands."""

from __future__ import annotations

import re

from bot.flows import digests as digest_flows
from bot.flows import schedules as flows
from bot.flows.commands import Digest, ScheduleCommand
from bot.kinds import names as SCHEDULE_KINDS  # every registered kind (bot/kinds), live
from handlers.grammar.errors import CommandError, closest, shown, too_many
from handlers.grammar.registry import command
from handlers.grammar.tokens import Args, Token
from handlers.grammar.values import as_channel

GROUP = "Schedules & digests"
_KIND_ALIASES = {"check_in_prompt": "checkin_prompt", "retro": "retrospective"}
SCHEDULE_ACTIONS: tuple[str, ...] = ("list", "next", "add", "edit", "pause", "resume", "delete")
SCHEDULE_ACTIONS += ("test", "holidays")
_ACTION_ALIASES = {"ls": "list", "new": "add", "remove": "delete", "rm": "delete", "try": "test"}
_ACTION_ALIASES["holiday"] = "holidays"
_HOLIDAY_POLICIES = {
    "move": "next_working_day",
    "next": "next_working_day",
    "next-working-day": "next_working_day",
    "next_working_day": "next_working_day",
    "skip": "skip",
    "off": "none",
    "none": "none",
    "ignore": "none",
}
_ID_ACTIONS = frozenset({"pause", "resume", "delete", "test"})
_SCHEDULE_ID = re.compile(r"(?:#|s)?(?P<number>[0-9]{1,9})", re.IGNORECASE)
_USAGE = {
    "list": "/roadmap schedule list",
    "next": "/roadmap schedule next",
    "add": '/roadmap schedule add <kind> "<rule>" [#channel] [text]',
    "edit": '/roadmap schedule edit <id> ["<rule>"] [#channel] [text]',
    "holidays": "/roadmap schedule holidays <id> move|skip|off",
}
_DIGEST_KINDS = {"weekly": "weekly", "week": "weekly", "quarterly": "quarterly"}
_DIGEST_KINDS["quarter"] = "quarterly"


def _usage(action: str) -> str:
    return _USAGE.get(action, f"/roadmap schedule {action} <id>")


def _kind(token: Token | None) -> str:
    if token is None:
        raise CommandError(f"Which kind of schedule? One of: {', '.join(SCHEDULE_KINDS)}.")
    key = (token.key or "").replace("-", "_")
    kind = _KIND_ALIASES.get(key, key)
    if kind in SCHEDULE_KINDS:
        return kind
    near = closest(key, [*SCHEDULE_KINDS, *_KIND_ALIASES])
    raise CommandError(
        f"`{shown(token.text)}` is not a kind of schedule; "
        f"use one of: {', '.join(SCHEDULE_KINDS)}.",
        suggestion=f"Did you mean `{_KIND_ALIASES.get(near, near)}`?" if near else None,
    )


def _schedule_id(token: Token | None) -> int:
    if token is None:
        raise CommandError("Which schedule? Give its number from `/roadmap schedules`.")
    match = _SCHEDULE_ID.fullmatch(token.text) if token.kind == "word" else None
    if not match:
        raise CommandError(
            f"`{shown(token.text)}` is not a schedule number; "
            "`/roadmap schedules` lists them with their numbers."
        )
    return int(match["number"])


def _details(
    args: Args, start: int, *, unquoted_rule: bool
) -> tuple[str | None, str | None, str | None]:
    """Rule, channel and text from tokens[start:]: a quoted rule and a channel in either order,
    then the text. An unquoted rule runs up to the channel."""
    tokens = args.tokens
    rule: str | None = None
    channel: str | None = None
    index = start
    while index < len(tokens):
        token = tokens[index]
        if channel is None and (found := as_channel(token)):
            channel = found
        elif rule is None and token.kind == "quoted":
            rule = token.text
        else:
            break
        index += 1
    if rule is None and unquoted_rule and index < len(tokens):
        stop = next((i for i in range(index, len(tokens)) if as_channel(tokens[i])), len(tokens))
        rule = args.text(index, stop)
        if channel is None and stop < len(tokens):
            channel = as_channel(tokens[stop])
            stop += 1
        index = stop
    return rule, channel, args.text(index) or None


@command(
    "schedule",
    aliases=("schedules", "sched"),
    usage=(
        "/roadmap schedule [list|next]",
        _USAGE["add"],
        _USAGE["edit"],
        "/roadmap schedule pause|resume|delete|test <id>",
        _USAGE["holidays"],
    ),
    examples=(
        "/roadmap schedules",
        "/roadmap schedule next",
        '/roadmap schedule add reminder "every monday 09:00" #eng Update your goals',
        '/roadmap schedule add weekly-digest "every friday 16:00"',
        '/roadmap schedule edit 3 "every tuesday 10:00"',
        "/roadmap schedule pause 3",
        "/roadmap schedule test 3",
        "/roadmap schedule holidays 3 move",
    ),
    group=GROUP,
    flow=flows.schedule,
)
def parse_schedule(args: Args) -> ScheduleCommand:
    """List the team's schedules, see what comes next, or add and change them.

    Kinds: weekly_digest, quarterly_digest, checkin_prompt, knowledge_sharing, retrospective
    and reminder. The rule says when, in quotes (`"every monday 09:00"`); then, optionally,
    the channel to post in and the text to post. `test` runs a schedule once, now. On a public
    holiday (see `/roadmap config holidays`) a schedule's occurrence can `move` to the next
    working day, `skip`, or go ahead (`off`).
    """
    tokens = args.tokens
    if not tokens:
        return ScheduleCommand()
    word = tokens[0].key or ""
    action = _ACTION_ALIASES.get(word, word)
    if action not in SCHEDULE_ACTIONS:
        suggestion = None
        if word.replace("-", "_") in SCHEDULE_KINDS:
            suggestion = f"Did you mean `/roadmap schedule add {word} …`?"
        elif near := closest(word, [*SCHEDULE_ACTIONS, *_ACTION_ALIASES]):
            suggestion = f"Did you mean `/roadmap schedule {_ACTION_ALIASES.get(near, near)}`?"
        raise CommandError(
            f"I can't `{shown(tokens[0].text)}` a schedule; "
            f"try one of: {', '.join(SCHEDULE_ACTIONS)}.",
            suggestion=suggestion,
        )
    try:
        return _schedule_action(args, action)
    except CommandError as error:
        error.usage = error.usage or _usage(action)
        raise


def _schedule_action(args: Args, action: str) -> ScheduleCommand:
    tokens = args.tokens
    if action in ("list", "next"):
        if len(tokens) > 1:
            raise too_many(args.text(1), f"schedule {action}", "nothing more")
        return ScheduleCommand(action)
    if action == "add":
        kind = _kind(tokens[1] if len(tokens) > 1 else None)
        rule, channel, text = _details(args, 2, unquoted_rule=True)
        if not rule:
            raise CommandError('When? Give the rule in quotes, e.g. "every monday 09:00".')
        return ScheduleCommand("add", None, kind, rule, channel, text)
    schedule_id = _schedule_id(tokens[1] if len(tokens) > 1 else None)
    if action in _ID_ACTIONS:
        if len(tokens) > 2:
            raise too_many(args.text(2), f"schedule {action}", "just a schedule number")
        return ScheduleCommand(action, schedule_id)
    if action == "holidays":
        return _holidays(args, schedule_id)
    rule, channel, text = _details(args, 2, unquoted_rule=False)
    if rule == "":
        raise CommandError('The rule is empty; write it in quotes, e.g. "every monday 09:00".')
    if rule is None and channel is None and text is None:
        raise CommandError(
            f"What should change in schedule {schedule_id}? Give a rule in quotes, "
            "a channel or a text."
        )
    return ScheduleCommand("edit", schedule_id, None, rule, channel, text)


def _holidays(args: Args, schedule_id: int) -> ScheduleCommand:
    tokens = args.tokens
    if len(tokens) < 3:
        raise CommandError(
            f"What should schedule {schedule_id} do on a public holiday? Say move, skip or off."
        )
    if len(tokens) > 3:
        raise too_many(args.text(3), "schedule holidays", "one of move, skip or off")
    policy = _HOLIDAY_POLICIES.get(tokens[2].key or "")
    if policy is None:
        near = closest(tokens[2].key or "", ["move", "skip", "off"])
        raise CommandError(
            f"`{shown(tokens[2].text)}` is not a holiday choice; use move, skip or off.",
            suggestion=f"Did you mean `/roadmap schedule holidays {schedule_id} {near}`?"
            if near
            else None,
        )
    return ScheduleCommand("holidays", schedule_id, holidays=policy)


@command(
    "digest",
    usage=("/roadmap digest weekly|quarterly [preview]",),
    examples=("/roadmap digest weekly", "/roadmap digest quarterly preview"),
    group=GROUP,
    flow=digest_flows.digest,
)
def parse_digest(args: Args) -> Digest:
    """Post the weekly or quarterly digest now; with `preview`, only you see it."""
    kind: str | None = None
    preview = False
    for token in args.tokens:
        key = token.key or ""
        if key == "preview" and not preview:
            preview = True
        elif key in _DIGEST_KINDS and kind is None:
            kind = _DIGEST_KINDS[key]
        else:
            near = closest(key, [*_DIGEST_KINDS, "preview"])
            raise CommandError(
                f"`{shown(token.text)}` is not a digest option; "
                "use weekly or quarterly, and optionally preview.",
                suggestion=f"Did you mean `{near}`?" if near else None,
            )
    if kind is None:
        raise CommandError("Which digest? Say weekly or quarterly.")
    return Digest(kind, preview)
