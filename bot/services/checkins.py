"""Check-ins: one answer per goal per cycle, from a reaction, a button, a reply or a command."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.actors import Actor, is_roadmap_admin, require_goal_change
from bot.services.errors import InvalidInput
from bot.services.goals import GoalView, get_goal, goal_view, goal_views
from bot.services.periods import current_period, periods_of, workspace_today
from bot.services.settings import setting
from models import (
    GOAL_STATUSES,
    AuditEntry,
    Checkin,
    CheckinPrompt,
    CheckinSource,
    Goal,
    GoalStatus,
    Member,
    ProcessedEvent,
    Workspace,
)
from models.base import insert_ignoring_conflicts

SKIN_TONE = re.compile(r"::skin-tone-\d$")


def cycle_of(workspace: Workspace, now: datetime) -> str:
    """Weekly cycles named by the ISO week in the workspace's zone, e.g. 2025-W10."""
    year, week, _ = workspace_today(workspace, now).isocalendar()
    return f"{year}-W{week:02d}"


def previous_cycle(cycle: str) -> str:
    year, week = cycle.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1) - timedelta(days=7)
    y, w, _ = monday.isocalendar()
    return f"{y}-W{w:02d}"


def first_time(session: Session, event_id: str, team_id: str | None, event_type: str) -> bool:
    """Record a Slack event id; False when it was seen before (a retry, or a race lost)."""
    return insert_ignoring_conflicts(
        session,
        ProcessedEvent,
        {
            "event_id": event_id,
            "team_id": team_id,
            "event_type": event_type,
            "received_at": datetime.now().astimezone(),
        },
        ["event_id"],
    )


def status_for_reaction(workspace: Workspace, reaction: str) -> str | None:
    """The status a reaction means (skin tones count as the plain emoji)."""
    name = SKIN_TONE.sub("", reaction)
    return setting(workspace, "reactions").get(name)


@dataclass(frozen=True)
class CheckinResult:
    goal: GoalView
    status: str | None
    progress: int | None
    note: str | None
    by: str
    source: str
    cycle: str
    replaced: bool  # an earlier answer in this cycle was replaced
    prompts: list[tuple[str, str]] = field(default_factory=list)  # (channel, ts) to update
    owners: tuple[str, ...] = ()


def prompt_at(session: Session, workspace_id: int, channel: str, ts: str) -> CheckinPrompt | None:
    return session.scalar(
        select(CheckinPrompt).where(
            CheckinPrompt.workspace_id == workspace_id,
            CheckinPrompt.channel_id == channel,
            CheckinPrompt.message_ts == ts,
        )
    )


def prompt_in_workspace(
    session: Session, workspace_id: int, prompt_id: int | None
) -> CheckinPrompt | None:
    """A prompt by id, only when it belongs to this workspace (a modal's metadata names it)."""
    if prompt_id is None:
        return None
    prompt = session.get(CheckinPrompt, prompt_id)
    if prompt is None or prompt.workspace_id != workspace_id:
        return None
    return prompt


def goal_of(session: Session, prompt: CheckinPrompt) -> Goal:
    """The goal a prompt asks about (same workspace: a prompt only names its own goals)."""
    return session.get(Goal, prompt.goal_id)


def _prompts_of(session: Session, goal: Goal, cycle: str) -> list[tuple[str, str]]:
    rows = session.execute(
        select(CheckinPrompt.channel_id, CheckinPrompt.message_ts).where(
            CheckinPrompt.workspace_id == goal.workspace_id,
            CheckinPrompt.goal_id == goal.id,
            CheckinPrompt.cycle == cycle,
            CheckinPrompt.message_ts.is_not(None),
        )
    ).all()
    return [(c, t) for c, t in rows]


def record_checkin(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    ref: str | None = None,
    now: datetime,
    source: str,
    status: str | None = None,
    progress: int | None = None,
    note: str | None = None,
    reaction: str | None = None,
    prompt: CheckinPrompt | None = None,
    goal: Goal | None = None,
) -> CheckinResult:
    """Record (or replace) this cycle's answer for a goal and move the goal along.

    The goal is named by `ref`, or given already loaded (`goal`, e.g. a prompt's own goal,
    so an answer to a prompt looks it up once)."""
    if status is not None and status not in GOAL_STATUSES:
        raise InvalidInput(f"'{status}' is not a status: {', '.join(GOAL_STATUSES)}.")
    if progress is not None and not 0 <= progress <= 100:
        raise InvalidInput("Progress is a percentage from 0 to 100.")
    if goal is None:
        goal = get_goal(session, workspace.id, ref or "")
    require_goal_change(workspace, actor, goal)
    cycle = prompt.cycle if prompt else cycle_of(workspace, now)
    # The unique (goal, cycle) key makes two racing answers one row; the loser updates it.
    created = insert_ignoring_conflicts(
        session,
        Checkin,
        {
            "workspace_id": workspace.id,
            "goal_id": goal.id,
            "cycle": cycle,
            "user_id": actor.user_id,
            "source": source,
            "previous_status": goal.status,
            "previous_progress": goal.progress,
            "created_at": now,
            "updated_at": now,
        },
        ["goal_id", "cycle"],
    )
    checkin = session.scalar(
        select(Checkin)
        .where(
            Checkin.workspace_id == goal.workspace_id,
            Checkin.goal_id == goal.id,
            Checkin.cycle == cycle,
        )
        .with_for_update()
    )
    replaced = not created and checkin.retracted_at is None and checkin.status is not None
    checkin.user_id, checkin.source, checkin.updated_at = actor.user_id, source, now
    checkin.retracted_at = None
    if status is not None:
        checkin.status, checkin.reaction = status, reaction
        goal.status = status
        if status == GoalStatus.DONE:
            progress = 100 if progress is None else progress
    if progress is not None:
        checkin.progress = progress
        goal.progress = progress
    if note is not None:
        checkin.note = note
        goal.status_note = note
    if prompt is not None:
        checkin.prompt_id = prompt.id
    session.add(
        AuditEntry(
            workspace_id=workspace.id,
            actor=actor.user_id,
            action="checkin",
            target=goal.ref,
            details={"cycle": cycle, "status": status, "progress": progress, "source": source},
        )
    )
    session.flush()
    return CheckinResult(
        goal=goal_view(session, goal),
        status=checkin.status,
        progress=checkin.progress,
        note=checkin.note,
        by=actor.user_id,
        source=source,
        cycle=cycle,
        replaced=replaced,
        prompts=_prompts_of(session, goal, cycle),
        owners=tuple(o.owner for o in goal.owners),
    )


def retract_reaction(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    prompt: CheckinPrompt,
    reaction: str,
    now: datetime,
) -> CheckinResult | None:
    """Removing the reaction that recorded an answer takes the answer back."""
    checkin = session.scalar(
        select(Checkin).where(
            Checkin.workspace_id == prompt.workspace_id,
            Checkin.goal_id == prompt.goal_id,
            Checkin.cycle == prompt.cycle,
        )
    )
    name = SKIN_TONE.sub("", reaction)
    if (
        checkin is None
        or checkin.retracted_at is not None
        or checkin.user_id != actor.user_id
        or SKIN_TONE.sub("", checkin.reaction or "") != name
    ):
        return None
    goal = goal_of(session, prompt)
    checkin.retracted_at = now
    checkin.status, checkin.reaction = None, None
    goal.status = checkin.previous_status or GoalStatus.NOT_STARTED
    goal.progress = checkin.previous_progress if checkin.previous_progress is not None else 0
    session.flush()
    return CheckinResult(
        goal=goal_view(session, goal),
        status=None,
        progress=None,
        note=checkin.note,
        by=actor.user_id,
        source=CheckinSource.REACTION,
        cycle=prompt.cycle,
        replaced=False,
        prompts=_prompts_of(session, goal, prompt.cycle),
        owners=tuple(o.owner for o in goal.owners),
    )


def note_from_reply(
    *,
    session: Session,
    workspace: Workspace,
    actor: Actor,
    prompt: CheckinPrompt,
    text: str,
    message_ts: str,
    now: datetime,
) -> CheckinResult:
    """A reply in a prompt's thread (or its edit) is that cycle's note."""
    goal = goal_of(session, prompt)
    result = record_checkin(
        session=session,
        workspace=workspace,
        actor=actor,
        goal=goal,
        now=now,
        source=CheckinSource.THREAD,
        note=text.strip(),
        prompt=prompt,
    )
    checkin = session.scalar(
        select(Checkin).where(
            Checkin.workspace_id == goal.workspace_id,
            Checkin.goal_id == goal.id,
            Checkin.cycle == prompt.cycle,
        )
    )
    checkin.note_message_ts = message_ts
    session.flush()
    return result


@dataclass(frozen=True)
class HistoryEntry:
    cycle: str
    status: str | None
    progress: int | None
    note: str | None
    user_id: str
    source: str
    at: datetime
    retracted: bool


def history(
    *, session: Session, workspace: Workspace, ref: str
) -> tuple[GoalView, list[HistoryEntry]]:
    goal = get_goal(session, workspace.id, ref)
    rows = session.scalars(
        select(Checkin)
        .where(Checkin.workspace_id == workspace.id, Checkin.goal_id == goal.id)
        .order_by(Checkin.cycle.desc())
    )
    return goal_view(session, goal), [
        HistoryEntry(
            cycle=c.cycle,
            status=c.status,
            progress=c.progress,
            note=c.note,
            user_id=c.user_id,
            source=c.source,
            at=c.updated_at,
            retracted=c.retracted_at is not None,
        )
        for c in rows
    ]


@dataclass(frozen=True)
class Completion:
    cycle: str
    checked_in: int
    total: int
    missing: list[GoalView]


def completion(*, session: Session, workspace: Workspace, cycle: str, now: datetime) -> Completion:
    """How many open goals of the current period have an answer in `cycle`."""
    period = current_period(periods_of(session, workspace.id), workspace_today(workspace, now))
    if period is None:
        return Completion(cycle, 0, 0, [])
    goals = list(
        session.scalars(
            select(Goal)
            .where(
                Goal.workspace_id == workspace.id,
                Goal.period_id == period.id,
                Goal.archived.is_(False),
            )
            .order_by(Goal.number)
        )
    )
    answered = set(
        session.scalars(
            select(Checkin.goal_id).where(
                Checkin.workspace_id == workspace.id,
                Checkin.cycle == cycle,
                Checkin.retracted_at.is_(None),
                Checkin.status.is_not(None),
            )
        )
    )
    open_goals = [g for g in goals if g.status != GoalStatus.DONE or g.id in answered]
    missing = [g for g in open_goals if g.id not in answered]
    return Completion(
        cycle, len(open_goals) - len(missing), len(open_goals), goal_views(session, missing)
    )


def set_away(*, session: Session, workspace: Workspace, actor: Actor, until: date | None) -> None:
    member = session.scalar(
        select(Member).where(Member.workspace_id == workspace.id, Member.user_id == actor.user_id)
    )
    if member is None:
        member = Member(workspace_id=workspace.id, user_id=actor.user_id)
        session.add(member)
    member.away_until = until
    session.flush()


def can_answer(workspace: Workspace, actor: Actor, goal: Goal) -> bool:
    return is_roadmap_admin(workspace, actor) or actor.user_id in {o.owner for o in goal.owners}
