"""The team roster: who is on the team the roadmap belongs to, their role, when they joined,
and whether they have a written growth plan. A channel can be followed (refreshed daily);
someone deactivated in Slack leaves the roster."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.actors import Actor, admins_phrase, is_roadmap_admin, require_admin
from bot.services.errors import InvalidInput, PermissionDenied
from bot.services.periods import workspace_today
from bot.services.team_goals import CountGoalMeasure, count_goal_measures
from models import AuditEntry, TeamMember, Workspace

SYNC_SETTING = "team_channel"  # the channel whose members are the roster (workspace.settings)
MAX_ROLE = 64
MAX_LINK = 500


@dataclass(frozen=True)
class RosterRow:
    user_id: str
    name: str | None
    role: str | None
    joined_on: date
    growth_plan: bool
    growth_plan_link: str | None


@dataclass(frozen=True)
class RosterView:
    members: list[RosterRow]
    channel: str | None
    goals: list[CountGoalMeasure] = field(default_factory=list)

    @property
    def with_plan(self) -> int:
        return sum(1 for m in self.members if m.growth_plan)


@dataclass(frozen=True)
class RosterChange:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    channel: str | None = None
    joined: date | None = None  # the joining date given for the added (and re-dated) people
    dated: list[str] = field(default_factory=list)  # already on it: their joining date changed


def display_name(user: dict | None) -> str | None:
    """How a person is shown: display name, else real name, else handle."""
    if not user:
        return None
    profile = user.get("profile") or {}
    return profile.get("display_name") or user.get("real_name") or user.get("name")


def active_rows(session: Session, workspace_id: int) -> list[TeamMember]:
    return list(
        session.scalars(
            select(TeamMember)
            .where(TeamMember.workspace_id == workspace_id, TeamMember.left_on.is_(None))
            .order_by(TeamMember.joined_on, TeamMember.id)
        )
    )


def roster_ids(session: Session, workspace_id: int) -> list[str]:
    return [m.user_id for m in active_rows(session, workspace_id)]


def on_roster(session: Session, workspace_id: int, user_id: str) -> bool:
    return user_id in roster_ids(session, workspace_id)


def _row(m: TeamMember) -> RosterRow:
    return RosterRow(m.user_id, m.name, m.role, m.joined_on, m.growth_plan, m.growth_plan_link)


def roster_view(*, session: Session, workspace: Workspace, now: datetime) -> RosterView:
    rows = [_row(m) for m in active_rows(session, workspace.id)]
    channel = (workspace.settings or {}).get(SYNC_SETTING)
    return RosterView(rows, channel, count_goal_measures(session, workspace, now))


def _audit(session: Session, workspace: Workspace, actor: Actor | None, action: str, **details):
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            actor=actor.user_id if actor else "roster",
            action=f"team.{action}",
            target=details.pop("target", None),
            details=details,
        )
    )


def _join(
    session: Session, workspace: Workspace, user_id: str, name: str | None, today: date, source
) -> bool:
    """Put a person on the roster; False when they already are."""
    member = session.scalar(
        select(TeamMember).where(
            TeamMember.workspace_id == workspace.id, TeamMember.user_id == user_id
        )
    )
    if member is not None and member.left_on is None:
        if name and member.name != name:
            member.name = name
        return False
    if member is None:
        member = TeamMember(workspace_id=workspace.id, user_id=user_id, joined_on=today)
        session.add(member)
    else:  # back again: a new joining date
        member.left_on, member.joined_on, member.joined_given = None, today, False
    member.name = name or member.name
    member.source = source
    return True


def _leave(session: Session, workspace_id: int, user_id: str, today: date) -> bool:
    member = session.scalar(
        select(TeamMember).where(
            TeamMember.workspace_id == workspace_id,
            TeamMember.user_id == user_id,
            TeamMember.left_on.is_(None),
        )
    )
    if member is None:
        return False
    member.left_on = today
    return True


def add_members(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    user_ids: list[str],
    names: dict[str, str | None],
    now: datetime,
    joined: date | None = None,
) -> RosterChange:
    require_admin(workspace, actor, "change the team roster")
    today = workspace_today(workspace, now)
    if joined is not None:
        _check_joined(joined, today)
    change = RosterChange(joined=joined)
    for user_id in user_ids:
        added = _join(session, workspace, user_id, names.get(user_id), today, "command")
        redated = joined is not None and _date_joined(session, workspace.id, user_id, joined)
        if redated and not added:
            change.dated.append(user_id)
        (change.added if added else change.unchanged).append(user_id)
    change.unchanged[:] = [u for u in change.unchanged if u not in change.dated]
    if change.added:
        _audit(session, workspace, actor, "add", people=change.added, joined=_iso(joined))
    if change.dated:
        _audit(session, workspace, actor, "joined", people=change.dated, joined=_iso(joined))
    session.flush()
    return change


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _check_joined(joined: date, today: date) -> None:
    if joined > today:
        raise InvalidInput(
            f"{joined.day} {joined:%B %Y} is after today: give the day they joined, "
            f"e.g. `joined {today.isoformat()}` or earlier."
        )


def _date_joined(session: Session, workspace_id: int, user_id: str, joined: date) -> bool:
    """Record the day someone really joined; False when it was recorded so already."""
    member = _member(session, workspace_id, user_id)
    if member.joined_given and member.joined_on == joined:
        return False
    member.joined_on, member.joined_given = joined, True
    return True


def remove_members(
    *, session: Session, workspace: Workspace, actor: Actor, user_ids: list[str], now: datetime
) -> RosterChange:
    require_admin(workspace, actor, "change the team roster")
    today = workspace_today(workspace, now)
    change = RosterChange()
    for user_id in user_ids:
        left = _leave(session, workspace.id, user_id, today)
        (change.removed if left else change.unchanged).append(user_id)
    if change.removed:
        _audit(session, workspace, actor, "remove", people=change.removed)
    session.flush()
    return change


def follow_channel(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    channel: str,
    members: list[str] | None,
    users: dict[str, dict],
    now: datetime,
) -> RosterChange:
    """`team sync #channel`: the roster follows the channel's members from now on."""
    require_admin(workspace, actor, "change the team roster")
    if members is None:
        raise InvalidInput(
            f"I can't see who is in <#{channel}>: invite me there (`/invite @roadmap`), "
            "then try again."
        )
    workspace.settings = {**(workspace.settings or {}), SYNC_SETTING: channel}
    change = apply_channel_members(session, workspace, members, users, now)
    _audit(session, workspace, actor, "sync", target=channel)
    return RosterChange(change.added, change.removed, change.unchanged, channel)


def apply_channel_members(
    session: Session, workspace: Workspace, members: list[str], users: dict[str, dict], now
) -> RosterChange:
    """Make the roster the channel's people (bots and deactivated accounts left out); people
    added by hand stay."""
    today = workspace_today(workspace, now)
    people = [
        u
        for u in dict.fromkeys(members)
        if not (users.get(u) or {}).get("is_bot") and not (users.get(u) or {}).get("deleted")
    ]
    change = RosterChange()
    for user_id in people:
        joined = _join(
            session, workspace, user_id, display_name(users.get(user_id)), today, "channel"
        )
        (change.added if joined else change.unchanged).append(user_id)
    for member in active_rows(session, workspace.id):
        if member.source == "channel" and member.user_id not in people:
            member.left_on = today
            change.removed.append(member.user_id)
    session.flush()
    return change


def drop_deactivated(
    session: Session, workspace: Workspace, users: dict[str, dict], now: datetime
) -> list[str]:
    """People deactivated in Slack (users.list `deleted: true`) leave the roster."""
    today = workspace_today(workspace, now)
    gone = []
    for member in active_rows(session, workspace.id):
        user = users.get(member.user_id)
        if user is not None and user.get("deleted"):
            member.left_on = today
            gone.append(member.user_id)
        elif user is not None and (name := display_name(user)) and name != member.name:
            member.name = name
    if gone:
        _audit(session, workspace, None, "deactivated", people=gone)
    session.flush()
    return gone


def _member(session: Session, workspace_id: int, user_id: str) -> TeamMember:
    member = session.scalar(
        select(TeamMember).where(
            TeamMember.workspace_id == workspace_id,
            TeamMember.user_id == user_id,
            TeamMember.left_on.is_(None),
        )
    )
    if member is None:
        raise InvalidInput(
            f"<@{user_id}> is not on the team roster: add them with "
            f"`/roadmap team add <@{user_id}>`."
        )
    return member


def set_role(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    user_id: str,
    role: str | None,
    now: datetime,
    joined: date | None = None,
) -> RosterRow:
    """An admin sets someone's role, or the day they joined, or both."""
    require_admin(workspace, actor, "set roles on the team roster")
    if role is not None:
        role = " ".join(role.split())
        if not role or len(role) > MAX_ROLE:
            raise InvalidInput(f"A role is 1 to {MAX_ROLE} characters, e.g. `lead`.")
    if joined is not None:
        _check_joined(joined, workspace_today(workspace, now))
    member = _member(session, workspace.id, user_id)
    if role is not None:
        member.role = role
        _audit(session, workspace, actor, "role", target=user_id, role=role)
    if joined is not None and _date_joined(session, workspace.id, user_id, joined):
        _audit(session, workspace, actor, "joined", target=user_id, joined=_iso(joined))
    session.flush()
    return _row(member)


def set_growth_plan(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    user_id: str,
    has_plan: bool,
    link: str | None,
) -> RosterRow:
    """Mark a written growth plan (yes/no, with an optional link): the person themself or an
    admin."""
    if user_id != actor.user_id and not is_roadmap_admin(workspace, actor):
        raise PermissionDenied(
            "Only roadmap admins can mark someone else's growth plan: "
            f"ask <@{user_id}> to mark their own, or {admins_phrase(workspace)}."
        )
    if link is not None and len(link) > MAX_LINK:
        raise InvalidInput(f"A growth plan link is at most {MAX_LINK} characters.")
    member = _member(session, workspace.id, user_id)
    member.growth_plan = has_plan
    member.growth_plan_link = link if has_plan else None
    _audit(session, workspace, actor, "plan", target=user_id, plan=has_plan)
    session.flush()
    return _row(member)
