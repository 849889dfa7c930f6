"""Check-in rounds: each person with open goals is asked once a cycle, in one message, at the
schedule's local time in their own time zone; claimed exactly once by a unique key."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from bot.services.checkins import (
    Answer,
    cycle_of,
    cycle_of_day,
    latest_answer,
    previous_cycle,
)
from bot.services.goals import GoalView, goal_views
from bot.services.innovation import InnovationAsk, ask_of
from bot.services.local_time import Due, enabled_schedules, people_due
from bot.services.people import is_user_id
from bot.services.periods import period_on, periods_of, workspace_today
from bot.services.settings import setting
from models import (
    Checkin,
    CheckinPrompt,
    CheckinRound,
    Goal,
    GoalStatus,
    Member,
    ProcessedEvent,
    ScheduleKind,
    Workspace,
)
from models.base import insert_ignoring_conflicts


@dataclass(frozen=True)
class PersonRound:
    """One person's prompt of one cycle: where it goes and which goals it asks about."""

    person: str
    recipient: str  # their user id (a DM), or the roadmap channel in channel mode
    cycle: str
    due_at: datetime
    goals: list[GoalView]
    goal_ids: list[int]


@dataclass(frozen=True)
class RoundPlan:
    cycle: str  # the workspace's cycle now
    rounds: list[PersonRound]  # due now and not yet asked
    already: list[str]  # people asked this cycle already
    waiting: list[str]  # people whose local time has not come yet
    unowned: list[GoalView]
    skipped_away: list[str]
    unresolved: list[GoalView] = field(default_factory=list)  # owned by names only


def plan_rounds(
    *, session: Session, workspace: Workspace, now: datetime, everyone: bool = False
) -> RoundPlan:
    """Who to ask now about which goals: every owner of an open goal of the current period
    whose local prompt time has come (`everyone`: all of them, now), once per cycle."""
    cycle = cycle_of(workspace, now)
    today = workspace_today(workspace, now)
    # Only while a period runs: nobody is asked about a roadmap that ended or has not begun.
    period = period_on(periods_of(session, workspace.id), today)
    if period is None:
        return RoundPlan(cycle, [], [], [], [], [])
    goals = list(
        session.scalars(
            select(Goal)
            .where(
                Goal.workspace_id == workspace.id,
                Goal.period_id == period.id,
                Goal.archived.is_(False),
                Goal.status != GoalStatus.DONE,
            )
            .order_by(Goal.position, Goal.number)
        )
    )
    views = {v.ref: v for v in goal_views(session, goals)}
    away = set(
        session.scalars(
            select(Member.user_id).where(
                Member.workspace_id == workspace.id, Member.away_until >= today
            )
        )
    )
    by_person: dict[str, list[Goal]] = {}
    unowned, unresolved = [], []
    for goal in goals:
        people = [o.owner for o in goal.owners if is_user_id(o.owner)]
        if not goal.owners:
            unowned.append(views[goal.ref])
        elif not people:
            unresolved.append(views[goal.ref])
        for person in people:
            by_person.setdefault(person, []).append(goal)
    skipped = sorted(p for p in by_person if p in away)
    present = [p for p in by_person if p not in away]
    if everyone:
        due, waiting = [Due(p, now, today) for p in present], []
    else:
        schedules = enabled_schedules(session, workspace.id, ScheduleKind.CHECKIN_PROMPT)
        due, waiting = people_due(session, workspace, schedules, present, now)
    in_channel = setting(workspace, "checkins") == "channel" and workspace.roadmap_channel_id
    rounds, already = [], []
    for one in due:
        person_cycle = cycle_of_day(one.day)  # their own week (everyone: the workspace's)
        if _asked(session, workspace.id, one.person, person_cycle):
            already.append(one.person)
            continue
        owned = by_person[one.person]
        recipient = workspace.roadmap_channel_id if in_channel else one.person
        rounds.append(
            PersonRound(
                one.person,
                recipient,
                person_cycle,
                one.at,
                [views[g.ref] for g in owned],
                [g.id for g in owned],
            )
        )
    return RoundPlan(cycle, rounds, already, waiting, unowned, skipped, unresolved)


def _asked(session: Session, workspace_id: int, person: str, cycle: str) -> bool:
    return (
        session.scalar(
            select(CheckinRound.id).where(
                CheckinRound.workspace_id == workspace_id,
                CheckinRound.cycle == cycle,
                CheckinRound.person == person,
            )
        )
        is not None
    )


@dataclass(frozen=True)
class AdminNotice:
    """An admin to tell of the goals with no owner, in the cycle (week) of their own date."""

    admin: str
    cycle: str


@dataclass(frozen=True)
class AdminsToTell:
    known: int  # the roadmap admins (or, when none is named, the workspace admins)
    due: list[AdminNotice]  # their local time has come and they were not told this cycle
    waiting: int  # their local time has not come yet


def unowned_key(workspace_id: int, cycle: str, admin: str) -> str:
    """The claim (a processed-event id) that an admin was told of the unowned goals."""
    return f"unowned:{workspace_id}:{cycle}:{admin}"


def roadmap_admins(session: Session, workspace: Workspace) -> list[str]:
    return list(workspace.admin_user_ids or []) or list(
        session.scalars(
            select(Member.user_id).where(
                Member.workspace_id == workspace.id,
                Member.is_slack_admin.is_(True),
                Member.is_bot.is_(False),
                Member.deleted.is_(False),
            )
        )
    )


def admins_to_tell(
    *, session: Session, workspace: Workspace, now: datetime, everyone: bool = False
) -> AdminsToTell:
    """The admins to tell now of the goals with no owner: each at the check-in schedule's
    local time in their own zone, as the people are asked (`everyone`: all of them, now),
    once in the week of their own date. Reads only; the sender claims each by unowned_key."""
    admins = roadmap_admins(session, workspace)
    if everyone:
        cycle = cycle_of(workspace, now)
        due, waiting = [AdminNotice(a, cycle) for a in admins], []
    else:
        schedules = enabled_schedules(session, workspace.id, ScheduleKind.CHECKIN_PROMPT)
        found, waiting = people_due(session, workspace, schedules, admins, now)
        due = [AdminNotice(d.person, cycle_of_day(d.day)) for d in found]
    keys = {unowned_key(workspace.id, n.cycle, n.admin): n for n in due}
    told = set(
        session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.event_id.in_(keys)))
        if keys
        else ()
    )
    return AdminsToTell(
        len(admins), [n for key, n in keys.items() if key not in told], len(waiting)
    )


def reserve_round(
    session: Session, workspace: Workspace, plan: PersonRound, now: datetime
) -> CheckinRound | None:
    """Claim the right to ask this person this cycle; None when it was claimed already."""
    inserted = insert_ignoring_conflicts(
        session,
        CheckinRound,
        {
            "workspace_id": workspace.id,
            "cycle": plan.cycle,
            "person": plan.person,
            "due_at": plan.due_at,
            "created_at": now,
        },
        ["workspace_id", "cycle", "person"],
    )
    if not inserted:
        return None
    return session.scalar(
        select(CheckinRound).where(
            CheckinRound.workspace_id == workspace.id,
            CheckinRound.cycle == plan.cycle,
            CheckinRound.person == plan.person,
        )
    )


def add_goal_prompts(
    session: Session, workspace_id: int, round_: CheckinRound, goal_ids: list[int]
) -> None:
    """The round's goals, each to get its own message in the round's thread (their ts stay
    None until posted, and when a post fails: the top message still answers it). One
    statement for all of them."""
    if not goal_ids:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(CheckinPrompt)
        .values(
            [
                {
                    "workspace_id": workspace_id,
                    "goal_id": goal_id,
                    "cycle": round_.cycle,
                    "recipient": round_.person,
                    "round_id": round_.id,
                    "channel_id": None,
                    "message_ts": None,
                    "posted_at": round_.posted_at,
                    "created_at": round_.created_at,
                }
                for goal_id in goal_ids
            ]
        )
        .on_conflict_do_nothing(index_elements=["goal_id", "cycle", "recipient"])
    )


def round_at(session: Session, workspace_id: int, channel: str, ts: str) -> CheckinRound | None:
    """The round whose top message this is (in this workspace), or None."""
    return session.scalar(
        select(CheckinRound).where(
            CheckinRound.workspace_id == workspace_id,
            CheckinRound.channel_id == channel,
            CheckinRound.message_ts == ts,
        )
    )


def round_prompts(session: Session, round_: CheckinRound) -> list[CheckinPrompt]:
    return list(
        session.scalars(
            select(CheckinPrompt)
            .where(
                CheckinPrompt.workspace_id == round_.workspace_id,
                CheckinPrompt.round_id == round_.id,
            )
            .order_by(CheckinPrompt.id)
        )
    )


def _answered():
    """A goal answered (with a status, not taken back) in the round's cycle or since."""
    return exists().where(
        Checkin.workspace_id == CheckinPrompt.workspace_id,
        Checkin.goal_id == CheckinPrompt.goal_id,
        Checkin.cycle >= CheckinPrompt.cycle,  # "2025-W10" names sort in time order
        Checkin.retracted_at.is_(None),
        Checkin.status.is_not(None),
    )


def due_chases(*, session: Session, workspace: Workspace, now: datetime) -> list[CheckinRound]:
    """Rounds past the deadline with an unanswered goal and no reminder yet: this cycle's,
    and last cycle's (a round posted late on Sunday falls due in the new week)."""
    hours = setting(workspace, "chase_after_hours")
    if hours is None:  # reminders are off
        return []
    cycle = cycle_of(workspace, now)
    unanswered = exists().where(
        CheckinPrompt.round_id == CheckinRound.id,
        ~_answered(),
    )
    newer = aliased(CheckinRound)
    superseded = exists().where(  # the person has a newer round to answer now
        newer.workspace_id == workspace.id,
        newer.person == CheckinRound.person,
        newer.cycle > CheckinRound.cycle,
        newer.message_ts.is_not(None),
    )
    return list(
        session.scalars(
            select(CheckinRound)
            .where(
                CheckinRound.workspace_id == workspace.id,
                CheckinRound.cycle.in_((cycle, previous_cycle(cycle))),
                CheckinRound.message_ts.is_not(None),
                CheckinRound.reminded_at.is_(None),
                CheckinRound.posted_at <= now - timedelta(hours=int(hours)),
                unanswered,
                ~superseded,
            )
            .order_by(CheckinRound.id)
        )
    )


def unanswered_goal_ids(session: Session, round_: CheckinRound) -> list[int]:
    return list(
        session.scalars(
            select(CheckinPrompt.goal_id)
            .where(CheckinPrompt.round_id == round_.id, ~_answered())
            .order_by(CheckinPrompt.id)
        )
    )


def claim_chase(session: Session, round_id: int, now: datetime) -> bool:
    """Mark a round reminded; only one process ever wins (never more than one reminder)."""
    result = session.execute(
        update(CheckinRound)
        .where(CheckinRound.id == round_id, CheckinRound.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class RoundItem:
    goal: GoalView
    answer: Answer | None  # this cycle's answer as it stands


@dataclass(frozen=True)
class RoundView:
    """A round's top message as it should read now: whose it is, its goals, who answered,
    and the optional innovation question (None when not asked: no innovation metric, or
    the person is not on the team roster)."""

    id: int
    person: str
    cycle: str
    channel: str | None
    ts: str | None
    items: list[RoundItem]
    innovation: InnovationAsk | None = None


def round_view(session: Session, round_: CheckinRound) -> RoundView:
    prompts = round_prompts(session, round_)
    goals = [session.get(Goal, p.goal_id) for p in prompts]
    goals = [g for g in goals if g is not None]
    views = goal_views(session, goals)
    items = [
        RoundItem(view, latest_answer(session, goal, round_.cycle))
        for view, goal in zip(views, goals, strict=True)
    ]
    return RoundView(
        round_.id,
        round_.person,
        round_.cycle,
        round_.channel_id,
        round_.message_ts,
        items,
        ask_of(session, round_.workspace_id, round_.person, round_.cycle),
    )


def round_views(session: Session, workspace_id: int, round_ids) -> list[RoundView]:
    rounds = [session.get(CheckinRound, i) for i in dict.fromkeys(round_ids)]
    return [
        round_view(session, r)
        for r in rounds
        if r is not None and r.workspace_id == workspace_id and r.message_ts
    ]
