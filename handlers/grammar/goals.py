"""The goal commands: list, show, add, edit, assign, progress, status, done, archive, history."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from bot.flows import checkins as checkin_flows
from bot.flows import goals as flows
from bot.flows.commands import (
    AddGoal,
    ArchiveGoal,
    AssignGoal,
    EditGoal,
    History,
    ListGoals,
    MarkDone,
    SetPartners,
    SetProgress,
    SetStatus,
    ShowGoal,
)
from handlers.grammar.errors import CommandError, shown, too_many
from handlers.grammar.registry import command
from handlers.grammar.team import partners_command
from handlers.grammar.tokens import Args, Token
from handlers.grammar.values import (
    as_channel,
    as_person,
    as_ref,
    bad_status,
    date_phrase,
    match_period,
    match_status,
    parse_percent,
    people_of,
    require_ref,
    unique,
)

GROUP = "Goals"
_LIST_FILLER = frozenset({"goals", "goal", "all", "for", "in", "by", "of", "with"})
_ASSIGN_FILLER = frozenset({"to", "and", "&", ",", "+"})
_MY = frozenset({"mine", "me", "my", "myself"})
# A word of a person's name (`Bob`, `O'Brien`, `Zoë`): no mention marks, channels or links.
_NAME_WORD = re.compile(r"[^\W\d_][\w.'’\-]*(?: [^\W\d_][\w.'’\-]*)*", re.UNICODE)
_PAGE = re.compile(r"p(?:age)?\.?(?P<number>[0-9]{1,6})", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"[0-9]{1,6}")
_MAX_PAGE = 10_000


def _page(tokens: Sequence[Token], index: int) -> tuple[int, int] | None:
    """`page 2`, `page2` or `p2` at tokens[index]: the page and how many tokens it spans."""
    token = tokens[index]
    if token.kind != "word":
        return None
    match = _PAGE.fullmatch(token.text)
    if match:
        number, count = match["number"], 1
    elif token.key == "page":
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if following is None or not _PAGE_NUMBER.fullmatch(following.text):
            raise CommandError("Which page? Give its number, e.g. `page 2`.")
        number, count = following.text, 2
    else:
        return None
    page = int(number)
    if not 1 <= page <= _MAX_PAGE:
        raise CommandError(f"There is no page {page}; pages start at 1.")
    return page, count


def _once(current: object, kind: str, value: str) -> None:
    if current is not None:
        raise CommandError(f"Give one {kind} at a time; `{shown(value)}` is a second one.")


@command(
    "list",
    aliases=("ls", "goals"),
    usage=("/roadmap list [period] [category] [@owner|mine] [status] [page N]",),
    examples=(
        "/roadmap list",
        "/roadmap list Q2 2025",
        "/roadmap list this quarter tech mine",
        "/roadmap list @alice at risk",
        "/roadmap list team development blocked page 2",
    ),
    group=GROUP,
    flow=flows.list_goals,
)
def parse_list(args: Args) -> ListGoals:
    """List goals, filtered by period, category, owner and status.

    The filters come in any order and all are optional. A period is `Q2 2025`, `Q2`,
    `H1 2026`, `Q3-Q4 2025`, `this quarter`, `next quarter` or `last quarter`; an owner is a
    mention or `mine`; a status is on-track, at-risk, off-track, blocked, not-started or done.
    Other words name the category (its first letters are enough). Long lists have pages:
    add `page 2`.
    """
    period = owner = status = None
    page: int | None = None
    category: list[str] = []
    tokens, index = args.tokens, 0
    while index < len(tokens):
        token = tokens[index]
        person = "mine" if token.key in _MY else as_person(token)
        if found_page := _page(tokens, index):
            _once(page, "page", token.text)
            page, count = found_page
        elif found_period := match_period(tokens, index):
            _once(period, "period", args.text(index, index + found_period[1]))
            period, count = found_period
        elif person:
            _once(owner, "owner", token.label or token.text)
            owner, count = person, 1
        elif found_status := match_status(tokens, index):
            _once(status, "status", args.text(index, index + found_status[1]))
            status, count = found_status
        elif token.kind == "channel":
            raise CommandError(f"`/roadmap list` can't filter by channel (`{shown(token.text)}`).")
        else:
            if token.key not in _LIST_FILLER:
                category.extend(token.text.casefold().split())
            count = 1
        index += count
    return ListGoals(period, " ".join(category) or None, owner, status, page or 1)


@command(
    "show",
    aliases=("view", "info"),
    usage=("/roadmap show G12", "/roadmap show <words from the title>", "/roadmap G12"),
    examples=("/roadmap show G12", "/roadmap show api gateway", "/roadmap G7"),
    group=GROUP,
    flow=flows.show_goal,
)
def parse_show(args: Args) -> ShowGoal:
    """Show a goal: its status, progress, owners, period, category, due date and target.

    Give its reference (G12) or a few words of its title; `/roadmap G12` is short for
    `/roadmap show G12`.
    """
    if len(args.tokens) == 1 and (ref := as_ref(args.tokens[0])):
        return ShowGoal(ref)
    query = args.text()
    if not query:
        raise CommandError("Which goal? Give its reference, e.g. G12, or words from its title.")
    return ShowGoal(query)


def _starts_option(tokens: Sequence[Token], index: int) -> bool:
    token = tokens[index]
    return bool(
        token.key == "due" or as_person(token) or as_channel(token) or match_period(tokens, index)
    )


@command(
    "add",
    aliases=("new", "create"),
    usage=('/roadmap add ["title"] [period] [category] [@owner…] [due DATE]',),
    examples=(
        "/roadmap add",
        '/roadmap add "Ship the API" Q2 tech @alice @bob due 2025-06-30',
        "/roadmap add Ship the public API Q2 2025 tech",
        "/roadmap add “Hire two engineers” H2 team development due 30 Sep 2025",
    ),
    group=GROUP,
    flow=flows.add_goal,
)
def parse_add(args: Args) -> AddGoal:
    """Add a goal. On its own, `/roadmap add` opens a form.

    Put the title in quotes; everything after it is optional: a period (`Q2`, `Q2 2025`,
    `next quarter`), owners (mentions), a due date (`due 2025-06-30` or `due 30 Jun 2025`) and
    the category (any other words). Without quotes, the title runs up to the first period,
    mention or `due`.
    """
    tokens = list(args.tokens)
    if not tokens:
        return AddGoal()
    quoted = next((i for i, token in enumerate(tokens) if token.kind == "quoted"), None)
    if quoted is not None:
        title: str | None = tokens[quoted].text
        if not title:
            raise CommandError("The title is empty; write it between the quotes.")
        options = tokens[:quoted] + tokens[quoted + 1 :]
    else:
        start = next((i for i in range(len(tokens)) if _starts_option(tokens, i)), len(tokens))
        title = args.text(0, start) or None
        options = tokens[start:]
    period: str | None = None
    due: date | None = None
    owners: list[str] = []
    category: list[str] = []
    index = 0
    while index < len(options):
        token = options[index]
        if token.key == "due":
            _once(due, "due date", "due")
            due, count = date_phrase(options, index + 1)
            count += 1
        elif found_period := match_period(options, index):
            _once(period, "period", token.text)
            period, count = found_period
        elif person := as_person(token, allow_me=True):
            owners.append(person)
            count = 1
        elif token.kind == "channel" or as_channel(token):
            raise CommandError(
                f"A goal has no channel; quote the title if `{shown(token.text)}` belongs to it."
            )
        else:
            category.append(token.text)
            count = 1
        index += count
    return AddGoal(title, period, " ".join(" ".join(category).split()) or None, unique(owners), due)


def _only_ref(args: Args, name: str) -> str:
    ref = require_ref(args.tokens[0] if args.tokens else None)
    if len(args.tokens) > 1:
        raise too_many(args.text(1), name, "just a goal reference")
    return ref


@command(
    "edit",
    usage=("/roadmap edit G12", "/roadmap edit G12 with @team[, …]"),
    examples=("/roadmap edit G12", "/roadmap edit G12 with @platform-team, Design"),
    group=GROUP,
    flow=flows.edit_goal,
)
def parse_edit(args: Args) -> EditGoal | SetPartners:
    """Open the form to edit a goal's title, period, category, owners, due date and partner
    teams; `with` names the partner teams at once (user groups or free text; `with nobody`
    clears them)."""
    # team metrics (issue 20): "edit G12 with @platform-team" names partner teams
    if len(args.tokens) > 1 and args.tokens[1].key == "with":
        return partners_command(args)
    return EditGoal(_only_ref(args, "edit"))


@command(
    "assign",
    aliases=("owners",),
    usage=("/roadmap assign G12 @owner…",),
    examples=("/roadmap assign G12 @alice @bob", "/roadmap assign G3 to me"),
    group=GROUP,
    flow=flows.assign,
)
def parse_assign(args: Args) -> AssignGoal:
    """Set who owns a goal: mention people, or name them by handle, name or e-mail
    (`me` works too).

    Several people are separated by commas or `and`: `/roadmap assign G3 Bob Baker,
    carol@example.com`. The people named replace the goal's current owners.
    """
    ref = require_ref(args.tokens[0] if args.tokens else None)
    owners = people_of(args.tokens[1:])
    if not owners:
        raise CommandError(f"Who should own {ref}? Mention them, e.g. @alice.")
    return AssignGoal(ref, owners)


@command(
    "progress",
    aliases=("prog",),
    usage=("/roadmap progress G12 60%",),
    examples=("/roadmap progress G12 60%", "/roadmap progress G12 60", "/roadmap progress G4 3/5"),
    group=GROUP,
    flow=flows.progress,
)
def parse_progress(args: Args) -> SetProgress:
    """Set how far along a goal is: a percentage (60% or 60) or a fraction (3/5 is 60%)."""
    ref = require_ref(args.tokens[0] if args.tokens else None)
    if len(args.tokens) < 2:
        raise CommandError(f"How far along is {ref}? Give a percentage, e.g. 60%.")
    return SetProgress(ref, parse_percent(args.text(1)))


@command(
    "status",
    usage=("/roadmap status G12 <status> [reason]",),
    examples=(
        "/roadmap status G12 at-risk waiting on vendor",
        "/roadmap status G12 on track",
        '/roadmap status G5 blocked "security review"',
    ),
    group=GROUP,
    flow=flows.status,
)
def parse_status(args: Args) -> SetStatus:
    """Set a goal's status, with an optional reason.

    The statuses are not-started, on-track, at-risk, off-track, blocked and done (`at risk`,
    `green`, `amber`, `red` and `completed` work too). Everything after the status is the
    reason.
    """
    ref = require_ref(args.tokens[0] if args.tokens else None)
    found = match_status(args.tokens, 1)
    if not found:
        raise bad_status(args.tokens[1] if len(args.tokens) > 1 else None)
    status, count = found
    return SetStatus(ref, status, args.text(1 + count) or None)


@command(
    "done",
    aliases=("finish", "complete"),
    usage=("/roadmap done G12",),
    examples=("/roadmap done G12",),
    group=GROUP,
    flow=flows.done,
)
def parse_done(args: Args) -> MarkDone:
    """Mark a goal done (its progress becomes 100%)."""
    return MarkDone(_only_ref(args, "done"))


@command(
    "archive",
    usage=("/roadmap archive G12",),
    examples=("/roadmap archive G12",),
    group=GROUP,
    flow=flows.archive,
)
def parse_archive(args: Args) -> ArchiveGoal:
    """Archive a goal: it leaves lists and digests but keeps its history."""
    return ArchiveGoal(_only_ref(args, "archive"))


@command(
    "history",
    aliases=("log",),
    usage=("/roadmap history G12",),
    examples=("/roadmap history G12",),
    group=GROUP,
    flow=checkin_flows.history,
)
def parse_history(args: Args) -> History:
    """Show a goal's check-ins as a timeline: status, progress, note, who, when and how."""
    return History(_only_ref(args, "history"))
