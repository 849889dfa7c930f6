"""Partner teams on goals: Slack user groups (`<!subteam^S…>`, `@platform-team` resolved
through usergroups.list) or free text ("Design")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.services.actors import Actor, require_goal_change
from bot.services.errors import InvalidInput
from models import AuditEntry, Goal, GoalPartner, Workspace

MAX_PARTNERS = 10
MAX_NAME = 80
_SUBTEAM = re.compile(r"<!subteam\^(?P<id>S[A-Z0-9]+)(?:\|(?P<label>[^<>]*))?>")
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&)\s*", re.IGNORECASE)
# A document annotation at the end of a goal's title: "Ship the API (with @platform-team)"; a
# name may hold one pair of brackets ("Design (UX)").
_ANNOTATION = re.compile(r"\s*\(\s*with\s+(?P<who>(?:[^()]|\([^()]*\))+?)\s*\)\s*$", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]+"')
# What makes a name in that annotation a team: a word teams are called by ("platform team").
_TEAM_WORDS = re.compile(
    r"\b(?:teams?|squads?|guilds?|groups?|crews?|chapters?|tribes?|departments?|dept|units?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Partner:
    name: str  # "@platform-team" or "Design"
    usergroup_id: str | None = None


def split_annotation(title: str) -> tuple[str, list[str]]:
    """ "Ship the API (with @platform-team and Design)" → ("Ship the API", ["@platform-team",
    "Design"]); a title without the annotation comes back unchanged with no partners."""
    match = _ANNOTATION.search(title)
    if not match or not match.start():
        return title, []
    names = parse_partner_text(match["who"])
    if not names or not all(names_a_team(name) for name in names):
        return title, []  # "(with juniors)", "(with care)": words of the title
    return title[: match.start()].rstrip(), [_unquoted(name) for name in names]


def _unquoted(name: str) -> str:
    return name[1:-1] if _QUOTED.fullmatch(name) else name


def names_a_team(name: str) -> bool:
    """Whether a name in a `(with …)` annotation is a partner team: a Slack user group
    (`<!subteam^S…>`, `@platform-team`), a name with a team word ("platform team", "SRE
    guild"), a capitalised name ("Design", "Design (UX)") or one in quotes (as the export
    writes a name typed otherwise). Lower-case words ("juniors", "care", "tests") are not: the
    annotation then stays in the goal's title."""
    return (
        name.startswith(("<!subteam^", "@"))
        or bool(_QUOTED.fullmatch(name))
        or bool(_TEAM_WORDS.search(name))
        or name[:1].isupper()
    )


def parse_partner_text(text: str) -> list[str]:
    """The partners named in `text`, in order, without repeats."""
    found: list[str] = []
    text = _SUBTEAM.sub(lambda m: f" <!subteam^{m['id']}|{m['label'] or ''}> ", text)
    pieces = re.split(r"(<!subteam\^[^>]*>)", text)
    for piece in pieces:
        if piece.startswith("<!subteam^"):
            found.append(piece)
            continue
        for part in _SPLIT.split(piece):
            part = " ".join(part.split()).strip(" .")
            if part:
                found.append(part)
    return list(dict.fromkeys(found))


def annotation(partners: list[Partner]) -> str:
    """What a document says after a goal's title, " (with @platform-team, Design)", which
    the importer reads back (a user group by its `@handle`; one without a handle by its id)."""
    if not partners:
        return ""
    names = [
        (p.name if names_a_team(p.name) else f'"{p.name}"')
        if p.usergroup_id is None or p.name.startswith("@")
        else f"<!subteam^{p.usergroup_id}>"
        for p in partners
    ]
    # a name that would not read back as a team ("design", typed so) is written in quotes
    return f" (with {', '.join(names)})"


def as_text(partners: list[Partner]) -> str:
    """Partners exactly, as a spreadsheet cell: user groups as Slack writes them
    (`<!subteam^S0PLAT|@platform-team>`, so the id survives), other teams by name."""
    return ", ".join(_exact(p) for p in partners)


def _exact(p: Partner) -> str:
    if p.usergroup_id is None:
        return p.name
    label = f"|{p.name}" if p.name.startswith("@") else ""
    return f"<!subteam^{p.usergroup_id}{label}>"


def with_known_groups(
    session: Session, workspace_id: int, partners: list[Partner]
) -> list[Partner]:
    """An `@handle` read from a document gets the user group id the workspace already knows
    for it (from another goal's partners), so re-importing an export changes nothing."""
    known = {
        name.casefold(): group
        for name, group in session.execute(
            select(GoalPartner.name, GoalPartner.usergroup_id).where(
                GoalPartner.workspace_id == workspace_id, GoalPartner.usergroup_id.is_not(None)
            )
        )
    }
    return fill_known(partners, known)


def fill_known(partners: list[Partner], known: dict[str, str]) -> list[Partner]:
    """`@handle` partners without an id get the one `known` maps their name (casefolded) to."""
    return [
        Partner(p.name, known.get(p.name.casefold()))
        if p.usergroup_id is None and p.name.startswith("@")
        else p
        for p in partners
    ]


def resolve(names: list[str], usergroups: list[dict] | None) -> list[Partner]:
    """Each named partner as a user group (by id or `@handle`) or free text. An `@handle`
    that is no user group is refused (a typo would otherwise count as a partner)."""
    if len(names) > MAX_PARTNERS:
        raise InvalidInput(
            f"A goal can have at most {MAX_PARTNERS} partner teams.", field="partners"
        )
    groups = [g for g in usergroups or [] if not g.get("date_delete")]
    by_id = {g["id"]: g for g in groups}
    by_handle = {(g.get("handle") or "").casefold(): g for g in groups}
    partners: list[Partner] = []
    for name in names:
        match = _SUBTEAM.fullmatch(name)
        if match:
            group = by_id.get(match["id"])
            label = (group or {}).get("handle") or (match["label"] or "").lstrip("@")
            partners.append(Partner(f"@{label}" if label else match["id"], match["id"]))
            continue
        if name.startswith("@"):
            group = by_handle.get(name[1:].casefold())
            if group is None and usergroups is not None:
                known = ", ".join(sorted(f"@{g['handle']}" for g in groups)) or "none"
                raise InvalidInput(
                    f"There is no user group {name}. User groups: {known}. "
                    "To name a team that is not a user group, leave out the @.",
                    field="partners",
                )
            partners.append(
                Partner(f"@{group['handle']}" if group else name, (group or {}).get("id"))
            )
            continue
        if len(name) > MAX_NAME:
            raise InvalidInput(
                f"A partner team's name is at most {MAX_NAME} characters.", field="partners"
            )
        partners.append(Partner(name))
    unique: dict[str, Partner] = {}
    for p in partners:
        unique.setdefault(p.name.casefold(), p)
    return list(unique.values())


def partners_of(session: Session, goal_ids: list[int]) -> dict[int, list[Partner]]:
    rows = session.scalars(
        select(GoalPartner)
        .where(GoalPartner.goal_id.in_(goal_ids))
        .order_by(GoalPartner.goal_id, GoalPartner.position)
    )
    found: dict[int, list[Partner]] = {}
    for row in rows:
        found.setdefault(row.goal_id, []).append(Partner(row.name, row.usergroup_id))
    return found


def replace_partners(session: Session, goal: Goal, partners: list[Partner]) -> bool:
    """Make these the goal's partners; True when that changed anything."""
    before = [(p.name, p.usergroup_id) for p in partners_of(session, [goal.id]).get(goal.id, [])]
    if before == [(p.name, p.usergroup_id) for p in partners]:
        return False
    session.execute(delete(GoalPartner).where(GoalPartner.goal_id == goal.id))
    for position, partner in enumerate(partners):
        session.add(
            GoalPartner(
                workspace_id=goal.workspace_id,
                goal_id=goal.id,
                name=partner.name,
                usergroup_id=partner.usergroup_id,
                position=position,
            )
        )
    session.flush()
    return True


def set_partners(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    goal: Goal,
    names: list[str],
    usergroups: list[dict] | None,
) -> list[Partner]:
    require_goal_change(workspace, actor, goal)
    partners = resolve(names, usergroups)
    if replace_partners(session, goal, partners):
        session.add(
            AuditEntry(
                workspace_id=workspace.id,
                actor=actor.user_id,
                action="goal.partners",
                target=goal.ref,
                details={"partners": [p.name for p in partners]},
            )
        )
    return partners
