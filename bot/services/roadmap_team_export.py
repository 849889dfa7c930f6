"""The team in an export and a restore: the roster (with who left, their roles, joining dates,
growth plans and what the bot knows of each person: handle, time zone, Slack admin) and the
innovation answers (a person's share of a week; per person by design).

Pulse answers are never here: they are anonymous rows (a score, a comment) that no export
carries, and the per-person markers of an open round are transient. A round's result is the
pulse metric's reading (`user` null), exported with the other readings. The roster's synced
channel and the pulse minimum are workspace settings, exported with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import InnovationAnswer, Member, TeamMember


@dataclass(frozen=True)
class TeamSnapshot:
    members: list[TeamMember] = field(default_factory=list)
    people: dict[str, Member] = field(default_factory=dict)  # user id → the directory's row
    innovation: list[InnovationAnswer] = field(default_factory=list)

    def handle(self, user_id: str) -> str | None:
        person = self.people.get(user_id)
        return f"@{person.handle}" if person is not None and person.handle else None


def load_team(session: Session, workspace_id: int) -> TeamSnapshot:
    members = list(
        session.scalars(
            select(TeamMember)
            .where(TeamMember.workspace_id == workspace_id)
            .order_by(TeamMember.joined_on, TeamMember.user_id)
        )
    )
    wanted = [m.user_id for m in members]
    people = {
        p.user_id: p
        for p in session.scalars(
            select(Member).where(Member.workspace_id == workspace_id, Member.user_id.in_(wanted))
        )
    }
    innovation = list(
        session.scalars(
            select(InnovationAnswer)
            .where(InnovationAnswer.workspace_id == workspace_id)
            .order_by(InnovationAnswer.week_start, InnovationAnswer.user_id)
        )
    )
    return TeamSnapshot(members, people, innovation)


def team_json(team: TeamSnapshot) -> list[dict]:
    rows = []
    for m in team.members:
        person = team.people.get(m.user_id)
        rows.append(
            {
                "user": m.user_id,
                "name": m.name,
                "handle": team.handle(m.user_id),
                "role": m.role,
                "joined": m.joined_on.isoformat(),
                "left": m.left_on.isoformat() if m.left_on else None,
                "growth_plan": m.growth_plan,
                "growth_plan_link": m.growth_plan_link,
                "source": m.source,
                "timezone": person.timezone if person is not None else None,
                "is_slack_admin": person.is_slack_admin if person is not None else False,
            }
        )
    return rows


def innovation_json(team: TeamSnapshot) -> list[dict]:
    return [
        {
            "user": a.user_id,
            "cycle": a.cycle,
            "week": a.week_start.isoformat(),
            "percent": a.percent,
        }
        for a in team.innovation
    ]


# -- restore ----------------------------------------------------------------------------------


def _day(value) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def restore_team(session: Session, workspace_id: int, items: list[dict]) -> int:
    """The roster rows, and the directory's row of each person the database does not know yet
    (handle, time zone, admin flag: the daily refresh from Slack updates them later)."""
    known = {
        p.user_id: p
        for p in session.scalars(select(Member).where(Member.workspace_id == workspace_id))
    }
    seen: set[str] = set()
    for item in items:
        user = str(item["user"])
        if user in seen:
            raise ValueError(f"team member {user!r} is listed twice")
        seen.add(user)
        joined = _day(item["joined"])
        session.add(
            TeamMember(
                workspace_id=workspace_id,
                user_id=user,
                name=item.get("name"),
                role=item.get("role"),
                joined_on=joined,
                left_on=_day(item.get("left")),
                growth_plan=bool(item.get("growth_plan")),
                growth_plan_link=item.get("growth_plan_link"),
                source=item.get("source") or "command",
            )
        )
        handle = str(item.get("handle") or "").lstrip("@") or None
        person = known.get(user)
        if person is None:
            person = known[user] = Member(workspace_id=workspace_id, user_id=user)
            session.add(person)
        person.handle = person.handle or handle
        person.name = person.name or item.get("name")
        person.timezone = person.timezone or item.get("timezone")
        person.is_slack_admin = bool(person.is_slack_admin or item.get("is_slack_admin"))
    return len(seen)


def restore_innovation(session: Session, workspace_id: int, items: list[dict]) -> int:
    from bot.services.innovation import week_of

    seen: set[tuple[str, str]] = set()
    for item in items:
        user, cycle = str(item["user"]), str(item["cycle"])
        if (user, cycle) in seen:
            raise ValueError(f"two innovation answers of {user!r} for {cycle}")
        seen.add((user, cycle))
        percent = int(item["percent"])
        if not 0 <= percent <= 100:
            raise ValueError(f"innovation answer {percent}% of {user!r} is not 0-100%")
        session.add(
            InnovationAnswer(
                workspace_id=workspace_id,
                user_id=user,
                cycle=cycle,
                week_start=_day(item.get("week")) or week_of(cycle),
                percent=percent,
            )
        )
    return len(seen)
