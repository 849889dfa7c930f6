"""Count goals about people, measured from the team roster: "Onboard 2 new senior engineers"
counts who joined during the goal's period, "Expand team to 8 engineers" the team's size at
the period's end (today while it runs or before it starts).

The roster knows only what happened since it started (its first member's day): the people put
on it that day were already on the team, not new joiners, and a day before it started is not
measured at all (never shown as 0). An admin may give the day someone really joined (`/roadmap
team add @x joined 2024-05-13`): they count as joining that day, whenever they were added."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.periods import current_period, period_phase, periods_of, workspace_today
from models import Goal, Period, TeamMember, Workspace

_PEOPLE_UNITS = frozenset(
    {"engineers", "people", "members", "developers", "hires", "designers", "engineer", "person"}
)
_SIZE_WORDS = re.compile(r"\b(?:expand|grow|team\s+(?:of|to)|to\s+\d+)\b", re.IGNORECASE)
_NEW = re.compile(r"\bnew\b", re.IGNORECASE)


@dataclass(frozen=True)
class CountGoalMeasure:
    """One count goal measured from the roster. `measured` is None when the roster cannot
    tell (it started after the day that counts)."""

    ref: str
    title: str
    kind: str  # "joined" | "size"
    measured: int | None
    target: int
    period: str
    phase: str  # "current" | "upcoming" | "ended"
    as_of: date  # the day the number is about: today, or the period's last day once ended
    period_start: date
    roster_start: date | None  # the roster's first day; None: nobody was ever on it

    @property
    def partial(self) -> bool:
        """Joiners counted only from the roster's start, which fell inside the period."""
        return (
            self.kind == "joined"
            and self.roster_start is not None
            and self.period_start <= self.roster_start <= self.as_of
        )


def is_people_goal(goal: Goal) -> bool:
    return (
        goal.target_kind == "count"
        and goal.target_value is not None
        and (goal.target_unit or "").casefold() in _PEOPLE_UNITS
    )


def goal_kind(title: str) -> str:
    return "size" if _SIZE_WORDS.search(title) and not _NEW.search(title) else "joined"


def _rows(session: Session, workspace_id: int) -> list[TeamMember]:
    return list(session.scalars(select(TeamMember).where(TeamMember.workspace_id == workspace_id)))


def roster_start(rows: list[TeamMember]) -> date | None:
    """The roster's first day: the first day someone was put on it without a joining date
    (their joined_on), or when everyone was given one, the earliest of those."""
    undated = [m.joined_on for m in rows if not m.joined_given]
    return min(undated or [m.joined_on for m in rows], default=None)


def measure_goal(
    session: Session, workspace: Workspace, goal: Goal, period: Period, now: datetime
) -> CountGoalMeasure:
    today = workspace_today(workspace, now)
    phase = period_phase(period, today)
    as_of = period.end_date if phase == "ended" else today
    rows = _rows(session, workspace.id)
    start = roster_start(rows)
    kind = goal_kind(goal.title)
    measured: int | None
    if start is None or as_of < start:
        measured = None  # the roster did not exist yet on that day
    elif kind == "size":
        measured = sum(
            1 for m in rows if m.joined_on <= as_of and (m.left_on is None or m.left_on > as_of)
        )
    elif phase == "upcoming":
        measured = 0
    else:  # people put on the roster on its first day were already on the team, unless an
        # admin gave the day they joined
        measured = sum(
            1
            for m in rows
            if period.start_date <= m.joined_on <= as_of and (m.joined_given or m.joined_on > start)
        )
    return CountGoalMeasure(
        ref=goal.ref,
        title=goal.title,
        kind=kind,
        measured=measured,
        target=int(goal.target_value or 0),
        period=period.label,
        phase=phase,
        as_of=as_of,
        period_start=period.start_date,
        roster_start=start,
    )


def count_goal_measures(
    session: Session, workspace: Workspace, now: datetime
) -> list[CountGoalMeasure]:
    """The count goals about people of the roadmap's current period (or the next to start,
    or the last one), measured from the roster."""
    period = current_period(periods_of(session, workspace.id), workspace_today(workspace, now))
    if period is None:
        return []
    goals = session.scalars(
        select(Goal)
        .where(
            Goal.workspace_id == workspace.id,
            Goal.period_id == period.id,
            Goal.archived.is_(False),
            Goal.target_kind == "count",
        )
        .order_by(Goal.position, Goal.id)
    )
    return [measure_goal(session, workspace, g, period, now) for g in goals if is_people_goal(g)]


def goal_measure(
    session: Session, workspace: Workspace, goal: Goal, now: datetime
) -> CountGoalMeasure | None:
    """One goal's measure from the roster, when it is a count goal about people."""
    if not is_people_goal(goal) or goal.period_id is None:
        return None
    period = session.get(Period, goal.period_id)
    return measure_goal(session, workspace, goal, period, now) if period else None
