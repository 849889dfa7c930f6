"""The team commands: `team` (the roster), `team add|remove|sync|role|plan|pulse`."""

from __future__ import annotations

import re
from datetime import date

from bot.flows import team as flows
from bot.flows.commands import SetPartners, TeamCommand
from handlers.grammar.errors import CommandError, shown
from handlers.grammar.registry import command
from handlers.grammar.tokens import Args
from handlers.grammar.values import as_channel, as_person, date_phrase, people_of

GROUP = "Team"
ACTIONS = ("add", "remove", "sync", "role", "plan", "pulse")
_YES = {"yes", "y", "done", "written", "true", "on"}
_NO = {"no", "n", "none", "false", "off"}
_LINK = re.compile(r"https?://\S+")


def _people(args: Args, start: int, action: str, end: int | None = None) -> tuple[str, ...]:
    people = people_of(
        args.tokens[start:end],
        not_a_person=f"mention them, e.g. `/roadmap team {action} @alice`",
    )
    if not people:
        example = JOINED_EXAMPLE if end is not None else "@alice @bob"
        raise CommandError(f"Who? E.g. `/roadmap team {action} {example}`.")
    return people


JOINED_EXAMPLE = "@alice joined 2024-05-13"


def _joined(args: Args, action: str) -> tuple[int | None, date | None]:
    """Where `joined DATE` starts in the tokens, and the date: the day someone really joined
    the team (`team add @alice joined 2024-05-13`); nothing may follow it."""
    tokens = args.tokens
    at = next((i for i, t in enumerate(tokens) if i > 0 and t.key == "joined"), None)
    if at is None:
        return None, None
    day, count = date_phrase(tokens, at + 1)
    if at + 1 + count < len(tokens):
        example = "@alice lead joined 2024-05-13" if action == "role" else JOINED_EXAMPLE
        raise CommandError(
            f"After the joining date, nothing more: `/roadmap team {action} {example}`."
        )
    return at, day


@command(
    "team",
    usage=(
        "/roadmap team",
        "/roadmap team add|remove @person …",
        "/roadmap team add @person … joined DATE",
        "/roadmap team sync #channel",
        "/roadmap team role @person [<role>] [joined DATE]",
        "/roadmap team plan [@person] yes|no [link]",
        "/roadmap team pulse min <n>",
    ),
    examples=(
        "/roadmap team",
        "/roadmap team add @alice @bob",
        "/roadmap team add @dana joined 2024-05-13",
        "/roadmap team sync #eng-backend",
        "/roadmap team role @alice lead",
        "/roadmap team role @bob senior joined 13 May 2024",
        "/roadmap team plan yes https://wiki/alice-plan",
        "/roadmap team plan @bob yes",
        "/roadmap team pulse min 4",
    ),
    group=GROUP,
    flow=flows.team_command,
)
def parse_team(args: Args) -> TeamCommand:
    """The team roster the bot measures itself from: members, roles, joining dates and
    growth plans. Someone added joins today, unless `joined DATE` says the day they really
    joined (for goals like "Onboard 2 new engineers"; `role … joined DATE` corrects it later).
    `sync` makes the roster follow a channel's members (refreshed daily);
    `plan yes` marks a written growth plan (your own, or an admin for anyone); `pulse min`
    raises how many answers a pulse result needs (never below 3)."""
    tokens = args.tokens
    if not tokens:
        return TeamCommand()
    action = tokens[0].key
    if action == "remove" or action == "rm":
        return TeamCommand("remove", _people(args, 1, "remove"))
    if action == "add":
        at, joined = _joined(args, "add")
        return TeamCommand("add", _people(args, 1, "add", at), joined=joined)
    if action == "sync":
        if len(tokens) != 2 or as_channel(tokens[1]) is None:
            raise CommandError("Which channel? E.g. `/roadmap team sync #eng-backend`.")
        return TeamCommand("sync", channel=as_channel(tokens[1]))
    if action == "role":
        at, joined = _joined(args, "role")
        who = as_person(tokens[1]) if len(tokens) > 1 else None
        end = at if at is not None else len(tokens)
        if who is None or (end < 3 and joined is None):
            raise CommandError("Whose role, and what? E.g. `/roadmap team role @alice lead`.")
        role = args.text(2, end) or None
        return TeamCommand("role", (who,), role=role, joined=joined)
    if action == "plan":
        rest = list(tokens[1:])
        who = as_person(rest[0]) if rest else None
        if who is not None:
            rest = rest[1:]
        if not rest or rest[0].key not in _YES | _NO:
            raise CommandError(
                "Say yes or no, e.g. `/roadmap team plan yes` or `/roadmap team plan @bob yes`."
            )
        has_plan = rest[0].key in _YES
        link = None
        if len(rest) > 1:
            link = " ".join(t.text for t in rest[1:])
            if not _LINK.fullmatch(link) or not has_plan:
                raise CommandError("After yes, give only a link, e.g. `https://wiki/plan`.")
        return TeamCommand("plan", (who,) if who else (), plan=has_plan, link=link)
    if action == "pulse":
        words = [t.key for t in tokens[1:]]
        if len(words) == 2 and words[0] == "min" and (words[1] or "").isdigit():
            return TeamCommand("pulse-min", number=int(words[1]))
        raise CommandError("E.g. `/roadmap team pulse min 4` (at least 3).")
    raise CommandError(
        f"`{shown(tokens[0].text)}` is not a team command: {', '.join(ACTIONS)}.",
        suggestion="To see the roster, use `/roadmap team`.",
    )


_NOBODY = {"nobody", "none", "no-one", "noone"}


def partners_command(args: Args) -> SetPartners:
    """`edit G12 with @platform-team, Design`: the partner teams, as typed."""
    from bot.services.partners import parse_partner_text
    from handlers.grammar.values import require_ref

    ref = require_ref(args.tokens[0])
    text = args.text(2)
    if not text:
        raise CommandError(
            "With which team? E.g. `/roadmap edit G12 with @platform-team` "
            "(`with nobody` clears them)."
        )
    if text.casefold() in _NOBODY:
        return SetPartners(ref, ())
    return SetPartners(ref, tuple(parse_partner_text(text)))
